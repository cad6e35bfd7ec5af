"""The per-response finding lines in the error log (design.md section 3: a unique
message number with the module's own prefix, rate-limited to one line per finding
code and vhost per minute; docs/log-messages.md, HSTS00010):

  [<time>] [hsts_audit:<error|warn>] [pid N(:tid T)] [client A:P] HSTS00010: <code>:
  <summary> (vhost <name:port>, host <host>, path <path>, Strict-Transport-Security
  '<value>' | Location '<value>'). Fix: <fix>. (logged once per minute per vhost and
  finding)

Every server here is started with allow_findings=False: the harness then fails a test
on any [error] line the test did not allow with server.allow(), so an unexpected
error-severity finding line is caught too.

The rate limit counts calendar minutes, so the bursts first make sure they do not
straddle a minute boundary (wait_for_fresh_minute).
"""

import os
import re
import socket
import ssl
import threading
import time
import uuid

import pytest

from common.backend import sts_query
from common.clients import TEST_HOSTS, curl_many

POLICY = "max-age=31536000"
TAIL = "(logged once per minute per vhost and finding)"

# code -> (level, summary, fix): the rows of the finding table this file checks
FINDINGS = {
    "header.missing": (
        "error",
        "HTTPS response without Strict-Transport-Security where this scope has a policy",
        "set HSTSMode add (or enforce) to let the module add the policy, or make the "
        "application send it"),
    "header.invalid.syntax": (
        "error",
        "browsers ignore this Strict-Transport-Security header: malformed directive or "
        "quoted-string",
        "send 'max-age=N' and optional '; includeSubDomains', separated by ';'"),
    "header.invalid.max_age": (
        "error",
        "browsers ignore this header: max-age is empty or not all digits",
        "write max-age=31536000 (digits only, no sign, no unit)"),
    "header.invalid.token": (
        "error",
        "browsers ignore this header: a directive name or value is not a valid token",
        "remove the unknown directive or quote its value; separate directives with ';', "
        "not ','"),
    "header.max_age.zero": (
        "warn",
        "max-age=0: browsers delete their stored policy for this host",
        "use max-age=0 only to withdraw HSTS on purpose"),
    "header.max_age.below_configured": (
        "warn",
        "valid, but max-age is shorter than this scope's HSTSMaxAge",
        "let the module set the policy (HSTSMode enforce) or raise the application's max-age"),
    "header.over_http": (
        "warn",
        "Strict-Transport-Security on a plain-HTTP response: browsers ignore it "
        "(RFC 6797 7.2)",
        "send it over HTTPS only: drop the Header line for plain HTTP, or set HSTSMaxAge "
        "(e.g. 1y) in the plain-HTTP vhost too, and the module removes STS from its responses"),
    "header.preload.divergent": (
        "warn",
        "browsers and the hstspreload checker judge this header differently",
        "write the plain form: max-age=N; includeSubDomains; preload (no quotes, no spaces "
        "around '=', no repeats)"),
    "redirects.http.no_redirect": (
        "warn",
        "plain-HTTP response of a host with an HTTPS policy is not a redirect to HTTPS",
        "redirect every plain-HTTP request to https:// on the same host (Redirect permanent / "
        "https://host/)"),
    "redirects.http.first_redirect.insecure": (
        "warn",
        "plain-HTTP redirect does not go to https:// on the same host first",
        "redirect http://host/ to https://host/ (same host), then elsewhere"),
    "redirects.downgrade": (
        "error",
        "HTTPS response redirects to an http:// URL",
        "redirect to https:// URLs only"),
}

LINE_RE = re.compile(
    r"^\[(?P<time>[^\]]+)\] \[hsts_audit:(?P<level>[a-z]+)\] \[pid (?P<pid>\d+)(?::tid \d+)?\] "
    r"\[(?:client|remote) 127\.0\.0\.1:\d+\] (?P<msg>HSTS00010: (?P<code>[a-z_.]+): .*)$")


def expected_msg(code, vhost, host, path, value, label="Strict-Transport-Security"):
    _, summary, fix = FINDINGS[code]
    return ("HSTS00010: %s: %s (vhost %s, host %s, path %s, %s '%s'). Fix: %s. %s"
            % (code, summary, vhost, host, path, label, value, fix, TAIL))


class ErrorLog:
    """The HSTS00010 lines a server logged after a mark (raw bytes, then parsed)."""

    def __init__(self, server):
        self.server = server
        self.offset = self._size()

    def _size(self):
        try:
            return self.server.error_log.stat().st_size
        except FileNotFoundError:
            return 0

    def raw_lines(self):
        with open(self.server.error_log, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        return [l for l in data.split(b"\n") if b"HSTS00010" in l]

    def lines(self):
        out = []
        for raw in self.raw_lines():
            m = LINE_RE.match(raw.decode("latin-1"))
            assert m, "HSTS00010 line in an unexpected format: %r" % raw
            out.append(m.groupdict())
        return out

    def wait_for(self, n, timeout=5):
        """Wait until at least n lines are there, then a little more for strays."""
        deadline = time.time() + timeout
        while len(self.raw_lines()) < n and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)
        return self.lines()


def allow_codes(server, *codes):
    server.allow(*[r"\[hsts_audit:(error|warn)\] .*HSTS00010: %s: " % re.escape(c)
                   for c in codes])


def wait_for_fresh_minute(budget):
    """Return when at least `budget` seconds are left in the current calendar minute
    (the rate limit's window), sleeping into the next minute when needed."""
    left = 60 - time.time() % 60
    if left < budget:
        time.sleep(left + 0.3)


# --------------------------------------------------------------------------
# the line format
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fmt_server(module_httpd_factory):
    """report mode with a policy (max-age=31536000), findings NOT pre-allowed.
    Neither vhost has an HSTS* directive of its own (everything is inherited)."""
    return module_httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\nHSTSMode report\n",
        http_body="    Redirect 301 /to-other https://other.example/\n",
        allow_findings=False)


class TestFormat:
    """Each test uses finding codes (per vhost) no other test of this class uses, so
    the rate limit cannot hide its line."""

    def test_error_line_cgi(self, fmt_server):
        s = fmt_server
        allow_codes(s, "header.invalid.max_age")
        log = ErrorLog(s)
        r = s.get("/cgi-bin/sts.cgi" + sts_query("max-age=abc"))
        assert r.status == 200
        lines = log.wait_for(1)
        assert len(lines) == 1, lines
        assert lines[0]["level"] == "error"
        assert lines[0]["msg"] == expected_msg(
            "header.invalid.max_age", "hsts.test:%d" % s.https_port, "hsts.test",
            "/cgi-bin/sts.cgi", "max-age=abc")

    def test_warn_line_proxied(self, fmt_server):
        s = fmt_server
        log = ErrorLog(s)
        r = s.get("/proxied/sts.cgi" + sts_query("max-age=600"), host="www.hsts.test")
        assert r.status == 200
        lines = log.wait_for(1)
        assert len(lines) == 1, lines
        assert lines[0]["level"] == "warn"
        assert lines[0]["msg"] == expected_msg(
            "header.max_age.below_configured", "hsts.test:%d" % s.https_port,
            "www.hsts.test", "/proxied/sts.cgi", "max-age=600")

    def test_one_line_per_code_in_table_order_with_its_own_value(self, fmt_server):
        """A response with header and redirect findings: the header.* lines quote the
        STS value, redirects.* the Location."""
        s = fmt_server
        allow_codes(s, "header.invalid.token", "redirects.downgrade")
        log = ErrorLog(s)
        r = s.get("/cgi-bin/sts.cgi" + sts_query("max-age=1; a,b", status=302,
                                         location="http://hsts.test/next?a=1"), http2=True)
        assert r.status == 302
        lines = log.wait_for(3)
        vhost = "hsts.test:%d" % s.https_port
        assert [(l["level"], l["msg"]) for l in lines] == [
            ("error", expected_msg("header.invalid.token", vhost, "hsts.test",
                                   "/cgi-bin/sts.cgi", "max-age=1; a,b")),
            ("warn", expected_msg("header.preload.divergent", vhost, "hsts.test",
                                  "/cgi-bin/sts.cgi", "max-age=1; a,b")),
            ("error", expected_msg("redirects.downgrade", vhost, "hsts.test",
                                   "/cgi-bin/sts.cgi", "http://hsts.test/next?a=1",
                                   label="Location")),
        ]
        # all three come from one request, hence one process
        assert len({l["pid"] for l in lines}) == 1

    def test_missing_header_long_path_truncated(self, fmt_server):
        s = fmt_server
        allow_codes(s, "header.missing")
        log = ErrorLog(s)
        path = "/" + "/".join(["p%02d" % i + "x" * 46 for i in range(6)])   # 300 bytes
        assert len(path) == 300
        r = s.get(path)
        assert r.status == 404
        lines = log.wait_for(1)
        assert len(lines) == 1, lines
        assert lines[0]["level"] == "error"
        # no STS field at all: the value reads '-'
        assert lines[0]["msg"] == expected_msg(
            "header.missing", "hsts.test:%d" % s.https_port, "hsts.test",
            path[:100] + "...", "-")

    def test_long_value_truncated(self, fmt_server):
        s = fmt_server
        allow_codes(s, "header.invalid.syntax")
        log = ErrorLog(s)
        value = "=" + "".join("v%03d" % i for i in range(80))       # 321 bytes
        r = s.get("/raw/x" + sts_query(value))
        assert r.status == 200
        assert r.sts == [value]
        lines = log.wait_for(1)
        assert len(lines) == 1, lines
        assert lines[0]["msg"] == expected_msg(
            "header.invalid.syntax", "hsts.test:%d" % s.https_port, "hsts.test", "/raw/x",
            value[:100] + "...")
        assert len(lines[0]["msg"]) < 2000

    def test_quotes_and_backslashes_escaped_once(self, fmt_server):
        s = fmt_server
        log = ErrorLog(s)
        value = 'max-age=0; foo="a\\b"'          # valid for browsers: max_age.zero
        r = s.get("/cgi-bin/sts.cgi" + sts_query(value))
        assert r.sts == [value]
        lines = log.wait_for(1)
        assert len(lines) == 1, lines
        # escaped once, by httpd's error log: '\' -> '\\', '"' stays
        assert lines[0]["msg"] == expected_msg(
            "header.max_age.zero", "hsts.test:%d" % s.https_port, "hsts.test",
            "/cgi-bin/sts.cgi", 'max-age=0; foo="a\\\\b"')

    def test_plain_http_over_http_long_host_truncated(self, fmt_server):
        s = fmt_server
        log = ErrorLog(s)
        host = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 49]) + ".test"   # 246 bytes
        r = s.get("/cgi-bin/sts.cgi" + sts_query(POLICY), tls=False, host=host)
        assert r.status == 200
        lines = log.wait_for(1)
        assert len(lines) == 1, lines
        assert lines[0]["level"] == "warn"
        assert lines[0]["msg"] == expected_msg(
            "header.over_http", "hsts.test:%d" % s.http_port, host[:100] + "...",
            "/cgi-bin/sts.cgi", POLICY)

    def test_plain_http_insecure_first_redirect(self, fmt_server):
        s = fmt_server
        log = ErrorLog(s)
        r = s.get("/to-other", tls=False)
        assert r.status == 301
        lines = log.wait_for(1)
        assert len(lines) == 1, lines
        assert lines[0]["level"] == "warn"
        assert lines[0]["msg"] == expected_msg(
            "redirects.http.first_redirect.insecure", "hsts.test:%d" % s.http_port,
            "hsts.test", "/to-other", "https://other.example/", label="Location")

    def test_plain_http_no_redirect(self, fmt_server):
        s = fmt_server
        log = ErrorLog(s)
        r = s.get("/page.html", tls=False, host="localhost")
        assert r.status == 200
        lines = log.wait_for(1)
        assert len(lines) == 1, lines
        assert lines[0]["msg"] == expected_msg(
            "redirects.http.no_redirect", "hsts.test:%d" % s.http_port, "localhost",
            "/page.html", "-", label="Location")

    def test_no_line_for_a_good_response(self, fmt_server):
        s = fmt_server
        log = ErrorLog(s)
        r = s.get("/cgi-bin/sts.cgi" + sts_query(POLICY))
        assert r.status == 200
        r = s.get("/to-self-missing", tls=False, host="other.example")
        assert r.status == 404
        assert log.wait_for(1, timeout=0.5) == []


# --------------------------------------------------------------------------
# the rate limit
# --------------------------------------------------------------------------

# Extra TLS vhosts: sub.hsts.test has no HSTS directive of its own (like the main TLS
# vhost), own1/own2 repeat HSTSMode in their section.
def _tls_vhost(name, own_directive):
    return ("<VirtualHost 127.0.0.1:@HTTPS_PORT@>\n"
            "    ServerName %s\n"
            "%s"
            "    SSLEngine on\n"
            '    SSLCertificateFile "@SERVER_CERT@"\n'
            '    SSLCertificateKeyFile "@SERVER_KEY@"\n'
            "    Protocols h2 http/1.1\n"
            "</VirtualHost>\n" % (name, "    HSTSMode report\n" if own_directive else ""))


# Static pages whose (bad) STS comes from mod_headers: cheap enough for bursts.
RATE_PAGES = {
    "abc": "max-age=abc",                  # header.invalid.max_age (error)
    "zero": "max-age=0",                   # header.max_age.zero (warn)
    "syntax": "=1",                        # header.invalid.syntax (error)
    "nomax": "includeSubDomains",          # header.invalid.max_age.missing (error)
    "token": "max-age=1; a,b,",            # header.invalid.token + preload.divergent
}
RATE_BODY = (_tls_vhost("sub.hsts.test", False) + _tls_vhost("own1.hsts.test", True)
             + _tls_vhost("own2.hsts.test", True)
             + "".join('<Location /rl/%s.html>\n'
                       '    Header set Strict-Transport-Security "%s"\n'
                       '</Location>\n' % (name, value.replace('"', '\\"'))
                       for name, value in RATE_PAGES.items())
             + """\
LogFormat "%{X-Test-Id}i\\t%P\\t%{hsts-audit}n\\t%v" auditpid
CustomLog "@ROOT@/logs/audit_pid.log" auditpid
""")
RATE_FILES = {"htdocs/rl/%s.html" % name: "rate %s\n" % name for name in RATE_PAGES}


@pytest.fixture(scope="module")
def rate_servers(module_httpd_factory):
    started = {}

    def get(mpm):
        if mpm not in started:
            started[mpm] = module_httpd_factory.start(
                hsts_global="HSTSMaxAge 1y\nHSTSMode report\n", body=RATE_BODY,
                files=RATE_FILES, mpm=mpm, allow_findings=False)
        return started[mpm]
    return get


def pid_log(server):
    """{test id: (pid, hsts-audit, vhost)} from audit_pid.log."""
    out = {}
    for line in (server.root / "logs" / "audit_pid.log").read_text().splitlines():
        tid, pid, audit, vhost = line.split("\t")
        out[tid] = (pid, audit, vhost)
    return out


def burst(server, paths_per_connection, host="hsts.test"):
    """Each list of paths over its own keep-alive connection, all connections at
    once; returns every Response."""
    results, errors = [], []
    resolve = {h: server.https_port for h in TEST_HOSTS + (host,)}
    urls = [[server.url(p, host=host) for p in paths] for paths in paths_per_connection]

    def run(urls):
        try:
            resps = curl_many(urls, resolve=resolve, cacert=server.pki.root_ca)
            # one connection per list: only the first request connects
            assert [r.num_connects for r in resps] == [1] + [0] * (len(resps) - 1)
            results.extend(resps)
        except Exception as e:   # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=run, args=(u,)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == sum(len(p) for p in paths_per_connection)
    return results


def keepalive_request(server, path, host="hsts.test"):
    """One HTTP/1.1 request over TLS whose connection stays open afterwards (the
    caller closes the socket): with prefork, that process stays busy with it for
    KeepAliveTimeout, so concurrent requests MUST go to other processes.
    Returns (socket, test id, status)."""
    tid = uuid.uuid4().hex
    ctx = ssl.create_default_context(cafile=str(server.pki.root_ca))
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", server.https_port),
                                                    timeout=10), server_hostname=host)
    sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nX-Test-Id: %s\r\n\r\n"
                  % (path, host, tid)).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
    while len(body) < length:
        body += sock.recv(65536)
    return sock, tid, int(head.split(b" ", 2)[1])


def wait_logged(server, ids, timeout=10):
    ids = set(ids)
    deadline = time.time() + timeout
    while True:
        log = pid_log(server)
        if ids <= set(log):
            return {i: log[i] for i in ids}
        assert time.time() < deadline, "requests missing from audit_pid.log"
        time.sleep(0.05)


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_100_identical_bad_responses_one_line(rate_servers, mpm):
    """1 request on a connection kept open + 99 over 9 more connections at once."""
    s = rate_servers(mpm)
    allow_codes(s, "header.invalid.max_age")
    wait_for_fresh_minute(10)
    log = ErrorLog(s)
    t0 = time.time()
    sock, first_id, first_status = keepalive_request(s, "/rl/abc.html")
    try:
        resps = burst(s, [["/rl/abc.html"] * 11 for _ in range(9)])
    finally:
        sock.close()
    elapsed = time.time() - t0
    assert [first_status] + [r.status for r in resps] == [200] * 100
    assert all(r.sts == ["max-age=abc"] for r in resps)      # report: untouched
    logged = wait_logged(s, [first_id] + [r.test_id for r in resps])
    assert {a for _, a, _ in logged.values()} == {"header.invalid.max_age"}
    pids = {p for p, _, _ in logged.values()}
    if mpm == "prefork":
        assert len(pids) >= 2, "all 100 requests went to one process: %r" % pids
    lines = log.wait_for(2, timeout=1)
    assert [(l["code"], l["level"]) for l in lines] == [("header.invalid.max_age", "error")], (
        "burst of %.1fs, %d processes: %r" % (elapsed, len(pids), lines))
    assert lines[0]["msg"] == expected_msg(
        "header.invalid.max_age", "hsts.test:%d" % s.https_port, "hsts.test",
        "/rl/abc.html", "max-age=abc")
    assert lines[0]["pid"] in pids


def test_two_codes_one_line_each(rate_servers):
    s = rate_servers("event")
    allow_codes(s, "header.invalid.syntax")
    wait_for_fresh_minute(10)
    log = ErrorLog(s)
    resps = burst(s, [["/rl/zero.html", "/rl/syntax.html"] * 10 for _ in range(5)])
    logged = wait_logged(s, [r.test_id for r in resps])
    assert sorted(a for _, a, _ in logged.values()) == (
        ["header.invalid.syntax"] * 50 + ["header.max_age.zero"] * 50)
    lines = log.wait_for(3, timeout=1)
    assert sorted((l["code"], l["level"]) for l in lines) == [
        ("header.invalid.syntax", "error"), ("header.max_age.zero", "warn")], lines


@pytest.mark.parametrize("hosts", [
    ("own1.hsts.test", "own2.hsts.test"),
    # neither has an HSTS* directive of its own: httpd hands such vhosts the main
    # server's module record unless the module asks for AP_MODULE_FLAG_ALWAYS_MERGE
    ("hsts.test", "sub.hsts.test"),
], ids=["vhosts-with-own-directive", "vhosts-inheriting-everything"])
def test_two_vhosts_one_line_each(rate_servers, hosts):
    s = rate_servers("event")
    allow_codes(s, "header.invalid.max_age.missing")
    wait_for_fresh_minute(10)
    log = ErrorLog(s)
    resps = []
    for host in hosts:
        resps += burst(s, [["/rl/nomax.html"] * 10 for _ in range(5)], host=host)
    logged = wait_logged(s, [r.test_id for r in resps])
    assert sorted(v for _, _, v in logged.values()) == [hosts[0]] * 50 + [hosts[1]] * 50
    assert {a for _, a, _ in logged.values()} == {"header.invalid.max_age.missing"}
    lines = log.wait_for(3, timeout=1)
    got = sorted(re.search(r"\(vhost ([^,]+), host ([^,]+),", l["msg"]).groups()
                 for l in lines)
    assert got == [("%s:%d" % (h, s.https_port), h) for h in hosts], lines
    assert {l["code"] for l in lines} == {"header.invalid.max_age.missing"}


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("HSTS_IT_SLOW") != "1",
                    reason="waits for the next calendar minute; HSTS_IT_SLOW=1 runs it")
def test_next_minute_logs_again(rate_servers):
    """The limit is per minute, not forever: the same finding in the next minute gets
    its line again (one more)."""
    s = rate_servers("event")
    allow_codes(s, "header.invalid.token")
    path = "/rl/token.html"
    wait_for_fresh_minute(10)
    log = ErrorLog(s)
    burst(s, [[path] * 3])
    first = [l["code"] for l in log.wait_for(2, timeout=1)]
    time.sleep(60 - time.time() % 60 + 0.3)          # into the next minute
    burst(s, [[path] * 3])
    lines = log.wait_for(4, timeout=1)
    assert first == ["header.invalid.token", "header.preload.divergent"]
    assert [l["code"] for l in lines] == first * 2
