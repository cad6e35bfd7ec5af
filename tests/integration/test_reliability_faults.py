"""Reliability smoke tests, faults (docs/reliability.md), a few seconds each:

- graceful restarts (SIGUSR1 to the parent, as `apachectl -k graceful`) while
  clients keep requesting: no request fails, the counters never go backwards and
  end equal to the access log;
- a backend that hangs up in the middle of its headers, one that sends 1,000 STS
  fields, one that sends a 64 KiB STS value, many times and in parallel: no crash,
  every answer carries exactly the policy, every finding counted;
- clients that reset the connection in the middle of a response (a static file,
  a proxied response), or right after asking, or during a 495/496 (no client
  certificate, an expired or a revoked one): no crash, the server goes on serving.

The harness fails a test on any child crash ("exit signal" in the error log).
The long version is `make soak` (scripts/soak.sh)."""

import socket
import socketserver
import ssl
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from common.backend import BackgroundServer
from common.clients import raw_get
from common.ports import free_port
from common.status import STATUS_LOCATION, status_json

POLICY = "max-age=31536000; includeSubDomains"
ADD = "HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n"
# mod_proxy's own complaints about the broken backends (and a full server)
PROXY_ERRORS = (r"\[proxy(_http)?:error\]", r"AH00161", r"AH00484")


# --------------------------------------------------------------------------
# graceful restarts under load
# --------------------------------------------------------------------------

@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_graceful_restarts_under_load(httpd_factory, mpm):
    s = httpd_factory.start(mpm=mpm, hsts_global=ADD, https_body=STATUS_LOCATION)
    s.allow(*PROXY_ERRORS)
    stop = threading.Event()
    results, readings, problems = [], [], []

    def client():
        # a new TLS connection per request (Connection: close): nothing a restart
        # may cut, so nothing may fail
        while not stop.is_set():
            try:
                r = raw_get(s.https_port, "/page.html", cafile=s.pki.root_ca)
                results.append((r.status, r.sts))
            except Exception as e:  # noqa: BLE001 - every failure counts
                problems.append(repr(e))

    def poller():
        while not stop.is_set():
            try:
                readings.append(status_json(s)["totals"]["requests_https"])
            except Exception as e:  # noqa: BLE001
                problems.append("status page: %r" % e)
            time.sleep(0.1)

    threads = [threading.Thread(target=client) for _ in range(4)] + [threading.Thread(target=poller)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        for _ in range(3):
            s.graceful()
            time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not problems, problems[:5]
    assert results and all(r == (200, [POLICY]) for r in results), \
        [r for r in results if r != (200, [POLICY])][:5]
    assert len(readings) > 3
    assert readings == sorted(readings), "requests_https went backwards: %r" % readings
    n = len(results)
    assert s.count_logged("/page.html", n) == n
    assert status_json(s)["totals"]["requests_https"] == n


# --------------------------------------------------------------------------
# hostile backends
# --------------------------------------------------------------------------

class HangupBackend(BackgroundServer):
    """Answers every request with the start of a header block, then hangs up."""

    def __init__(self):
        self.port = free_port()

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                 b"Strict-Transport-Sec")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.serve(Server(("127.0.0.1", self.port), Handler))


@pytest.fixture
def hangup_backend():
    b = HangupBackend()
    yield b
    b.stop()


def parallel_gets(server, path, n, workers=8):
    with ThreadPoolExecutor(workers) as ex:
        return list(ex.map(lambda _: server.get(path, check=False), range(n)))


def test_hostile_backends_in_parallel(httpd_factory, hangup_backend):
    body = STATUS_LOCATION + (
        "    ProxyPass /hang/ http://127.0.0.1:%d/\n"
        # a worker of its own (another host name: workers are shared by host and
        # port) that passes header lines up to 70,000 bytes
        "    ProxyPass /rawbig/ http://localhost:@RAW_PORT@/ responsefieldsize=70000\n"
        % hangup_backend.port)
    s = httpd_factory.start(hsts_global=ADD, https_body=body)
    s.allow(*PROXY_ERRORS)
    n = 24
    before = status_json(s)["findings"]
    cases = [
        ("/hang/x", 502),                                          # hangs up mid-headers
        ("/raw/x?sts=max-age%3D31536000&repeat=1000", 200),        # 1,000 STS fields
        ("/rawbig/x?big=65536", 200),                              # a 64 KiB STS value
        ("/raw/x?big=65536", 502),                                 # ... over the 8 KiB limit
    ]
    for path, want in cases:
        resps = parallel_gets(s, path, n)
        assert [(r.status, r.sts) for r in resps] == [(want, [POLICY])] * n, path
    after = status_json(s)["findings"]
    assert after["header.multiple"] - before["header.multiple"] == n
    assert after["header.invalid.max_age"] - before["header.invalid.max_age"] == n
    assert s.get("/page.html").sts == [POLICY]


# --------------------------------------------------------------------------
# clients that go away mid-response
# --------------------------------------------------------------------------

def reset_after(port, path, nbytes=1024, cert=None, headers=b""):
    """GET path over TLS (with the client certificate cert, a common.pki
    CertFiles, if any; extra header lines as bytes), read nbytes of the answer
    (0: none), then reset the connection (SO_LINGER 0). Returns what was read."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(str(cert.cert), str(cert.key))
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                           server_hostname="hsts.test")
    try:
        sock.sendall(b"GET %s HTTP/1.1\r\nHost: hsts.test\r\n%s\r\n"
                     % (path.encode(), headers))
        got = b""
        while len(got) < nbytes:
            chunk = sock.recv(nbytes - len(got))
            if not chunk:
                break
            got += chunk
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return got
    finally:
        sock.close()


def test_clients_disconnect_mid_response(httpd_factory):
    s = httpd_factory.start(hsts_global=ADD, https_body=STATUS_LOCATION,
                            files={"htdocs/big.bin": b"\0" * (4 << 20)})
    s.allow(*PROXY_ERRORS)
    paths = ["/big.bin", "/raw/x?sts=max-age%3D1&repeat=1000&body=" + "y" * 2000]
    with ThreadPoolExecutor(8) as ex:
        heads = list(ex.map(lambda i: reset_after(s.https_port, paths[i % 2]), range(40)))
    assert all(h.startswith(b"HTTP/1.1 200") for h in heads), [h[:40] for h in heads[:3]]
    assert all(b"\r\nStrict-Transport-Security: " + POLICY.encode() in h for h in heads)
    time.sleep(0.5)
    r = s.get("/page.html")
    assert r.status == 200 and r.sts == [POLICY]
    assert status_json(s)["totals"]["requests_https"] >= 40


# --------------------------------------------------------------------------
# clients that go away during a 495/496
# --------------------------------------------------------------------------

MTLS_REQUIRE = ('    SSLVerifyClient optional\n'
                '    SSLVerifyDepth 2\n'
                '    SSLCACertificateFile "@CLIENT_CA@"\n'
                '    SSLCARevocationFile "@CLIENT_CRL@"\n'
                '    SSLCARevocationCheck chain\n'
                '    HSTSClientCert require\n')
# mod_ssl logs each failed verification
VERIFY_ERRORS = (r"AH02039: Certificate Verification: Error",)


def mtls_reset(port, pki, kind, nbytes, path):
    """reset_after with the client certificate kind (None: none), asking for HTML."""
    return reset_after(port, path, nbytes, cert=pki.client(kind) if kind else None,
                       headers=b"Accept: text/html\r\n")


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_clients_disconnect_during_495_496(httpd_factory, pki, mpm):
    """Clients without a certificate (496) or with an expired or revoked one (495)
    reset the connection right after the request, or after the first bytes of the
    answer, 8 at a time: no child crashes, the server answers the next refused
    client with its page and the policy, and the rejection counters never count
    more than the requests sent."""
    s = httpd_factory.start(mpm=mpm, hsts_global=ADD,
                            https_body=STATUS_LOCATION.replace("HSTSMode off\n",
                                                      "HSTSMode off\n        HSTSClientCert off\n")
                            + MTLS_REQUIRE)
    s.allow(*VERIFY_ERRORS)
    cases = [(kind, nbytes) for kind in (None, "expired", "revoked") for nbytes in (0, 16)]
    runs = cases * 8
    with ThreadPoolExecutor(8) as ex:
        heads = list(ex.map(lambda c: mtls_reset(s.https_port, pki, c[0], c[1], "/page.html"),
                            runs))
    for (kind, nbytes), head in zip(runs, heads):
        if nbytes and head:
            assert head.startswith(b"HTTP/1.1 49"), (kind, head)
    time.sleep(0.5)
    # the server is whole: a refused client gets its page with the policy, a good one 200
    for kind, status_code in ((None, b"496"), ("expired", b"495")):
        head = mtls_reset(s.https_port, pki, kind, 4096, "/page.html")
        assert head.startswith(b"HTTP/1.1 " + status_code), (kind, head[:200])
        assert b"\r\nStrict-Transport-Security: " + POLICY.encode() + b"\r\n" in head, head[:400]
    ok = mtls_reset(s.https_port, pki, "valid", 12, "/page.html")
    assert ok.startswith(b"HTTP/1.1 200"), ok
    totals = status_json(s)["totals"]
    rejected = totals["client_cert_rejected_495"] + totals["client_cert_rejected_496"]
    assert 2 <= rejected <= len(runs) + 2, totals
    assert totals["client_cert_rejected_496"] >= 1 and totals["client_cert_rejected_495"] >= 1
