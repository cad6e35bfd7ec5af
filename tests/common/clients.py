"""HTTP clients for the tests: curl (one request; several over one connection),
a raw (TLS) socket that sends bytes verbatim, and the Response they return.
HttpdClient gives a test server (common.httpd.Httpd) get/get_many/raw_get with
the test CA trusted and its names resolved to loopback."""

import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import uuid
from pathlib import Path

from .env import CURL

# Names curl resolves to 127.0.0.1 by default.
TEST_HOSTS = ("hsts.test", "www.hsts.test", "sub.hsts.test", "other.example",
              "backend.test")


class Response:
    """status (int), headers: list of (name, value) in wire order with duplicates,
    body (bytes), http_version ('1.0', '1.1', '2'), test_id (X-Test-Id sent)."""

    def __init__(self, status, headers, body, http_version="", test_id=None,
                 curl_rc=0, stderr="", raw_head=b""):
        self.status = status
        self.headers = headers
        self.body = body
        self.http_version = http_version
        self.test_id = test_id
        self.curl_rc = curl_rc
        self.stderr = stderr
        self.raw_head = raw_head

    def header_values(self, name):
        n = name.lower()
        return [v for k, v in self.headers if k.lower() == n]

    def header(self, name):
        vals = self.header_values(name)
        return vals[0] if vals else None

    @property
    def sts(self):
        """All Strict-Transport-Security field values, in order."""
        return self.header_values("Strict-Transport-Security")

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def __repr__(self):
        return "<Response %s HTTP/%s sts=%r id=%s>" % (
            self.status, self.http_version, self.sts, self.test_id)


def parse_header_block(raw):
    """Parse the last response head in raw (bytes; possibly several heads, as
    curl -D writes for 1xx responses).  Returns (status, version, headers)."""
    text = raw.decode("latin-1")
    blocks = [b for b in re.split(r"\r?\n\r?\n", text) if b.strip()]
    heads = [b for b in blocks if b.startswith("HTTP/")]
    if not heads:
        return 0, "", []
    head = heads[-1]
    lines = re.split(r"\r?\n", head)
    m = re.match(r"HTTP/(\S+)\s+(\d{3})", lines[0])
    version, status = (m.group(1), int(m.group(2))) if m else ("", 0)
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and headers:  # obs-fold
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip(" \t"))
            continue
        name, _, value = line.partition(":")
        headers.append((name, value.strip(" \t")))
    return status, version, headers


def curl(url, *, http2=False, http10=False, resolve=None, cacert=None, cert=None,
         key=None, headers=(), method=None, data=None, insecure=False, timeout=30,
         extra=(), test_id=None, check=True):
    """One request with curl.  resolve: {host: port} mapped to 127.0.0.1.
    Returns a Response; with check=True a curl failure raises RuntimeError."""
    test_id = test_id or uuid.uuid4().hex
    tmp = Path(tempfile.mkdtemp(prefix="hsts-curl-"))
    try:
        hfile, bfile = tmp / "h", tmp / "b"
        cmd = [CURL, "-sS", "--globoff", "--path-as-is", "--max-time", str(timeout),
               "-D", str(hfile), "-o", str(bfile),
               "-w", "%{http_code} %{http_version}",
               "-H", "X-Test-Id: " + test_id]
        if http2:
            cmd.append("--http2")
        elif http10:
            cmd.append("--http1.0")
        else:
            cmd.append("--http1.1")
        for host, port in (resolve or {}).items():
            cmd += ["--resolve", "%s:%d:127.0.0.1" % (host, port)]
        if cacert:
            cmd += ["--cacert", str(cacert)]
        if insecure:
            cmd.append("-k")
        if cert:
            cmd += ["--cert", str(cert)]
        if key:
            cmd += ["--key", str(key)]
        for h in headers:
            cmd += ["-H", h]
        if method:
            cmd += ["-X", method]
        if data is not None:
            cmd += ["--data-binary", data]
        cmd += list(extra)
        cmd.append(url)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        raw = hfile.read_bytes() if hfile.exists() else b""
        body = bfile.read_bytes() if bfile.exists() else b""
        status, version, hdrs = parse_header_block(raw)
        stderr = p.stderr.decode(errors="replace")
        if check and p.returncode != 0:
            raise RuntimeError("curl failed (rc=%d) for %s: %s" % (p.returncode, url, stderr))
        return Response(status, hdrs, body, version, test_id, p.returncode, stderr, raw)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def curl_many(urls, *, http2=False, resolve=None, cacert=None, timeout=30, headers=()):
    """Several requests in ONE curl run (--next), so they share a connection
    (HTTP/1.1 keep-alive or HTTP/2 streams).  Returns a list of Response; each has
    its own X-Test-Id and .num_connects (0 = the connection was reused)."""
    tmp = Path(tempfile.mkdtemp(prefix="hsts-curl-"))
    try:
        cmd = [CURL]
        ids = []
        for i, url in enumerate(urls):
            if i:
                cmd.append("--next")
            tid = uuid.uuid4().hex
            ids.append(tid)
            cmd += ["-sS", "--globoff", "--path-as-is", "--max-time", str(timeout),
                    "-D", str(tmp / ("h%d" % i)), "-o", str(tmp / ("b%d" % i)),
                    "-w", "%{http_code} %{num_connects}\\n", "-H", "X-Test-Id: " + tid,
                    "--http2" if http2 else "--http1.1"]
            for host, port in (resolve or {}).items():
                cmd += ["--resolve", "%s:%d:127.0.0.1" % (host, port)]
            if cacert:
                cmd += ["--cacert", str(cacert)]
            for h in headers:
                cmd += ["-H", h]
            cmd.append(url)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise RuntimeError("curl failed (rc=%d): %s" % (p.returncode, p.stderr.decode()))
        stats = p.stdout.decode().split("\n")
        out = []
        for i, tid in enumerate(ids):
            raw = (tmp / ("h%d" % i)).read_bytes()
            bfile = tmp / ("b%d" % i)
            body = bfile.read_bytes() if bfile.exists() else b""
            status, version, hdrs = parse_header_block(raw)
            r = Response(status, hdrs, body, version, tid, 0, "", raw)
            r.num_connects = int(stats[i].split()[1])
            out.append(r)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def raw_http(port, request, *, tls=True, host="127.0.0.1", server_hostname="hsts.test",
             cafile=None, certfile=None, keyfile=None, alpn=None, timeout=15):
    """Send request (bytes, sent verbatim) and read until the server closes.
    Returns the raw response bytes."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        if tls:
            ctx = ssl.create_default_context(cafile=str(cafile) if cafile else None)
            if not cafile:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            if certfile:
                ctx.load_cert_chain(str(certfile), str(keyfile) if keyfile else None)
            if alpn:
                ctx.set_alpn_protocols(list(alpn))
            sock = ctx.wrap_socket(sock, server_hostname=server_hostname)
        sock.sendall(request)
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except (ssl.SSLZeroReturnError, ConnectionResetError):
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)
    finally:
        sock.close()


def parse_http1_response(raw):
    """(Response) from raw HTTP/1.x bytes (body not de-chunked)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    status, version, headers = parse_header_block(head + b"\r\n\r\n")
    return Response(status, headers, body, version, raw_head=head)


def raw_get(port, path, *, host="hsts.test", tls=True, extra_headers=(), test_id=None,
            **kw):
    """HTTP/1.1 GET with Connection: close over a raw (TLS) socket; a Response."""
    test_id = test_id or uuid.uuid4().hex
    lines = ["GET %s HTTP/1.1" % path, "Host: %s" % host, "Connection: close",
             "X-Test-Id: %s" % test_id] + list(extra_headers)
    req = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    resp = parse_http1_response(raw_http(port, req, tls=tls, server_hostname=host, **kw))
    resp.test_id = test_id
    return resp


class HttpdClient:
    """Requests to one test server (mixed into common.httpd.Httpd: needs
    https_port, http_port, pki and _pending_ids, the test ids wait_pending()
    waits for in the access log)."""

    def url(self, path="/", tls=True, host="hsts.test", port=None):
        if port is None:
            port = self.https_port if tls else self.http_port
        return "%s://%s:%d%s" % ("https" if tls else "http", host, port, path)

    def get(self, path="/", *, tls=True, host="hsts.test", port=None, http2=False,
            client=None, **kw):
        """curl a path on this server (https by default) with the test CA trusted.
        client: a PKI client kind ("valid", "expired", ...) to present."""
        if port is None:
            port = self.https_port if tls else self.http_port
        resolve = {h: port for h in TEST_HOSTS}
        resolve[host] = port
        if client:
            c = self.pki.client(client)
            kw.setdefault("cert", c.cert)
            kw.setdefault("key", c.key)
        if tls and self.pki:
            kw.setdefault("cacert", self.pki.root_ca)
        resp = curl(self.url(path, tls, host, port), http2=http2, resolve=resolve, **kw)
        if resp.status:
            self._pending_ids.append(resp.test_id)
        return resp

    def get_many(self, paths, *, tls=True, host="hsts.test", http2=False, **kw):
        """Several paths over one connection (see curl_many)."""
        port = self.https_port if tls else self.http_port
        resolve = {h: port for h in TEST_HOSTS}
        if tls and self.pki:
            kw.setdefault("cacert", self.pki.root_ca)
        resps = curl_many([self.url(p, tls, host, port) for p in paths], http2=http2,
                          resolve=resolve, **kw)
        self._pending_ids.extend(r.test_id for r in resps if r.status)
        return resps

    def raw_get(self, path="/", *, tls=True, host="hsts.test", port=None, **kw):
        if port is None:
            port = self.https_port if tls else self.http_port
        if tls and self.pki:
            kw.setdefault("cafile", self.pki.root_ca)
        resp = raw_get(port, path, host=host, tls=tls, **kw)
        if resp.status:
            self._pending_ids.append(resp.test_id)
        return resp
