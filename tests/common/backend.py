"""The test backends: their query language (the same in backend/sts.cgi, the
CGI every test server runs, and in RawBackend, an in-process origin server that,
unlike CGI, keeps repeated header lines as separate fields), and
BackgroundServer, the base of the tests' in-process servers.

Query parameters: sts=<value> (repeatable, one STS line each), status=NNN,
location=<url>, repeat=N, big=N (one more invalid STS value of exactly N bytes),
header=Name:value, body=<text>."""

import socketserver
import threading
import urllib.parse
from urllib.parse import quote

from .ports import free_port


def sts_query(*values, encoding="utf-8", **params):
    """The query string ("?..." or "") asking the backends for one STS field
    per value, then the other params; values are percent-encoded in encoding
    (the backends decode latin-1: "latin-1" sends each character as one byte)."""
    parts = ["sts=" + quote(v, safe="", encoding=encoding) for v in values]
    parts += ["%s=%s" % (k, quote(str(v), safe="")) for k, v in params.items()]
    return "?" + "&".join(parts) if parts else ""


def backend_response_spec(query):
    """Parse the backend query string (shared semantics with sts.cgi).
    Returns (status, reason, header_lines [(name, value)], body)."""
    params = urllib.parse.parse_qsl(query, keep_blank_values=True, encoding="latin-1")
    status, location, sts, extra = None, None, [], []
    repeat, big, body = 1, None, "ok\n"
    for k, v in params:
        if k == "sts":
            sts.append(v)
        elif k == "status":
            status = int(v)
        elif k == "location":
            location = v
        elif k == "repeat":
            repeat = int(v)
        elif k == "big":
            big = int(v)
        elif k == "header":
            name, _, value = v.partition(":")
            extra.append((name, value.lstrip()))
        elif k == "body":
            body = v
    lines = []
    if location is not None:
        lines.append(("Location", location))
    lines.append(("Content-Type", "text/plain"))
    lines.extend(extra)
    for _ in range(repeat):
        for v in sts:
            lines.append(("Strict-Transport-Security", v))
    if big is not None:
        lines.append(("Strict-Transport-Security", big_sts_value(big)))
    return status, lines, body


def big_sts_value(n):
    """An invalid STS value of exactly n bytes (max-age with non-digits)."""
    prefix = "max-age="
    return prefix + "x" * max(0, n - len(prefix))


class BackgroundServer:
    """Base of the tests' in-process servers: serve() runs a socketserver server
    on a daemon thread, stop() shuts it down and closes its socket."""

    server = None

    def serve(self, server):
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class RawBackend(BackgroundServer):
    """A plain-HTTP/1.0 server on 127.0.0.1 answering every GET from the query
    string (see backend_response_spec), one connection per request."""

    def __init__(self):
        self.port = free_port()
        self.requests = []
        backend = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                head = b""
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    line = self.rfile.readline(65537)
                    if not line:
                        break
                    head += line
                    if line in (b"\r\n", b"\n"):
                        break
                first = head.split(b"\r\n", 1)[0].decode("latin-1")
                parts = first.split(" ")
                target = parts[1] if len(parts) > 1 else "/"
                backend.requests.append(head)
                query = urllib.parse.urlsplit(target).query
                status, lines, body = backend_response_spec(query)
                status = status or 200
                out = ["HTTP/1.0 %d %s" % (status, "Status%d" % status)]
                out += ["%s: %s" % (n, v) for n, v in lines]
                body_b = body.encode("latin-1")
                out.append("Content-Length: %d" % len(body_b))
                out.append("Connection: close")
                self.wfile.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body_b)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self._server = Server(("127.0.0.1", self.port), Handler)

    def start(self):
        self.serve(self._server)
        return self
