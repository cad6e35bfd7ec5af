"""The per-response audit against hostile backends: a 64 KiB STS value, control
characters, NUL-free binary, 1,000 STS fields, an 8 KiB Location, control bytes in
the path.  Each request must complete with the expected status, no child may crash,
the request notes must carry the findings, and every HSTS00010 line must stay
bounded (< 2,000 bytes) with no raw control byte in it (checked on the raw bytes of
the error log).

Every case has its own pair of name-based vhosts (<case>.hsts.test, TLS and plain
HTTP), so the one-line-per-minute limit (per code and vhost) cannot hide the line a
case produced.  Two servers: report (responses untouched: httpd's own limits show
through) and add (the module replaces what is invalid).
"""

import re
import time
from urllib.parse import quote

import pytest

YEAR = "31536000"
POLICY = "max-age=31536000"
LINE_MAX = 2000

CASES = ("big", "bigcgi", "ctl", "bin", "fields", "merged", "loc", "locraw", "lochttp",
         "ctlpath", "esc")

NOTES_LOG = "logs/audit_notes.log"


def _vhosts(mode):
    out = []
    proxies = ("    ProxyPass /proxied/ http://127.0.0.1:@BACKEND_PORT@/cgi-bin/\n"
               "    ProxyPass /raw/ http://127.0.0.1:@RAW_PORT@/\n")
    for case in CASES:
        out.append(
            "<VirtualHost 127.0.0.1:@HTTPS_PORT@>\n"
            "    ServerName %s.hsts.test\n"
            "    HSTSMode %s\n"
            "    SSLEngine on\n"
            '    SSLCertificateFile "@SERVER_CERT@"\n'
            '    SSLCertificateKeyFile "@SERVER_KEY@"\n'
            "    Protocols h2 http/1.1\n%s"
            "</VirtualHost>\n"
            "<VirtualHost 127.0.0.1:@HTTP_PORT@>\n"
            "    ServerName %s.hsts.test\n"
            "    HSTSMode %s\n%s"
            "</VirtualHost>\n" % (case, mode, proxies, case, mode, proxies))
    return "".join(out)


# vhosts copy the main server's request-line limit when they are created
PRE_VHOSTS = "LimitRequestLine 20000\n"


def _body(mode):
    return (
        # /rawbig/: the raw origin through a worker of its own (another host name, so
        # it is not shared with /raw/'s) that accepts response fields up to 100,000
        # bytes instead of mod_proxy's 8,192; request lines up to 20,000 bytes so the
        # 8 KiB Location fits in the query string (LimitRequestLine: PRE_VHOSTS).
        "ProxyPass /rawbig/ http://localhost:@RAW_PORT@/ responsefieldsize=100000\n"
        'LogFormat "%{X-Test-Id}i\\t%>s\\t%{hsts-audit}n\\t%{hsts-audit-action}n\\t'
        '%{hsts-audit-max-age}n\\t%v" auditnotes\n'
        'CustomLog "@ROOT@/' + NOTES_LOG + '" auditnotes\n' + _vhosts(mode))


@pytest.fixture(scope="module")
def servers(module_httpd_factory):
    started = {}

    def get(mode):
        if mode not in started:
            started[mode] = module_httpd_factory.start(
                hsts_global="HSTSMaxAge 1y\nHSTSMode %s\n" % mode, body=_body(mode),
                pre_vhosts=PRE_VHOSTS)
        return started[mode]
    return get


def read_notes(server, resp, timeout=5):
    """(status, hsts-audit, hsts-audit-action, hsts-audit-max-age, vhost)."""
    deadline = time.time() + timeout
    while True:
        try:
            lines = (server.root / NOTES_LOG).read_text(errors="replace").splitlines()
        except FileNotFoundError:
            lines = []
        found = [l.split("\t")[1:] for l in lines if l.startswith(resp.test_id + "\t")]
        if found:
            assert len(found) == 1, found
            return tuple(found[0])
        assert time.time() < deadline, "no notes line for %s" % resp.test_id
        time.sleep(0.02)


def hsts_lines(server):
    """Every HSTS00010 line of the error log, raw bytes."""
    return [l for l in server.error_log.read_bytes().split(b"\n") if b"HSTS00010" in l]


def check_log(server, case, code, tls=True, name=None):
    """The HSTS00010 line of this case's vhost (<case>.hsts.test, or `name`) for
    `code` exists; EVERY HSTS00010 line of the server is bounded and free of raw
    control bytes; no child crashed.  Returns the case's line (bytes)."""
    raw = server.error_log.read_bytes()
    assert b"exit signal" not in raw and b"Segmentation" not in raw
    lines = hsts_lines(server)
    for line in lines:
        assert len(line) < LINE_MAX, "HSTS00010 line of %d bytes: %r..." % (len(line),
                                                                            line[:300])
        bad = sorted({b for b in line if b < 0x20 or b == 0x7f})
        assert not bad, "raw control bytes %r in %r" % (bad, line[:300])
    vhost = b"(vhost %s:%d, " % ((name or case + ".hsts.test").encode(),
                                 server.https_port if tls else server.http_port)
    mine = [l for l in lines if vhost in l and (b"HSTS00010: %s: " % code.encode()) in l]
    # (one per minute: a run that crosses a minute boundary may show two)
    assert mine, "no %s line for %s" % (code, vhost)
    return mine[-1]


def logged_item(line, label):
    """The text after '<label> ' in a line: path, or the quoted value."""
    text = line.decode("latin-1")
    if label == "path":
        return re.search(r", path (.*?), (?:Strict-Transport-Security|Location) '", text).group(1)
    return re.search(r", %s '(.*)'\)\. Fix: " % label, text).group(1)


def q(value):
    return quote(value, safe="", encoding="latin-1")


H2 = pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])


def health(server):
    r = server.get("/page.html")
    assert r.status == 200


# --------------------------------------------------------------------------
# a 64 KiB STS value
# --------------------------------------------------------------------------

@H2
@pytest.mark.parametrize("mode", ["report", "add"])
def test_64k_value_from_proxied_backend(servers, mode, http2):
    s = servers(mode)
    host = "big.hsts.test"
    r = s.get("/rawbig/x?big=65536", host=host, http2=http2, check=False)
    if mode == "report" and http2:
        # report leaves the 64 KiB field on the wire; curl's HTTP/2 layer refuses a
        # header block that big (stream PROTOCOL_ERROR): a client limit, not httpd's
        assert r.curl_rc != 0
    else:
        assert r.curl_rc == 0, r.stderr
        assert r.status == 200
        assert [len(v) for v in r.sts] == ([65536] if mode == "report" else [len(POLICY)])
    expect = (("header.invalid.max_age", "none", "-") if mode == "report"
              else ("header.invalid.max_age", "replaced", YEAR))
    assert read_notes(s, r) == ("200",) + expect + (host,)
    line = check_log(s, "big", "header.invalid.max_age")
    # cut to 100 bytes of value, then "..."
    assert logged_item(line, "Strict-Transport-Security") == "max-age=" + "x" * 92 + "..."
    health(s)


@pytest.mark.parametrize("mode", ["report", "add"])
def test_64k_value_from_cgi_is_refused_by_httpd(servers, mode):
    """httpd's CGI layer reads header lines of at most 8 KiB: the script's output is
    refused (500) before the module sees any STS; the 500 gets the usual treatment."""
    s = servers(mode)
    s.allow(r"\[cgid:error\].*Premature end of script headers: sts\.cgi")
    r = s.get("/cgi-bin/sts.cgi?big=65536", host="bigcgi.hsts.test")
    assert r.status == 500
    if mode == "report":
        assert r.sts == []
        assert read_notes(s, r) == ("500", "header.missing", "none", "-", "bigcgi.hsts.test")
        check_log(s, "bigcgi", "header.missing")
    else:
        assert r.sts == [POLICY]
        assert read_notes(s, r) == ("500", "ok", "added", YEAR, "bigcgi.hsts.test")


# --------------------------------------------------------------------------
# control characters and binary in the value
# --------------------------------------------------------------------------

CTL_VALUES = {
    "soh-stx": "max-age=1\x01\x02x",
    "del": "max-age=1\x7f",
    "esc-seq": "max-age=1\x1b[31mRED\x1b[0m\x1b]0;title\x07",
}


@pytest.mark.parametrize("prefix", ["/cgi-bin/sts.cgi", "/raw/x"])
@pytest.mark.parametrize("name", list(CTL_VALUES))
def test_control_characters_report(servers, prefix, name):
    """report: httpd itself refuses to send such a field (500, AH02430); the notes
    still hold the finding about what the backend produced."""
    s = servers("report")
    s.allow(r"AH02430")
    r = s.get(prefix + "?sts=" + q(CTL_VALUES[name]), host="ctl.hsts.test", check=False)
    assert r.status == 500
    assert r.sts == []
    assert read_notes(s, r) == ("500", "header.invalid.max_age", "none", "-",
                                "ctl.hsts.test")
    check_log(s, "ctl", "header.invalid.max_age")
    health(s)


@H2
@pytest.mark.parametrize("prefix", ["/cgi-bin/sts.cgi", "/raw/x"])
@pytest.mark.parametrize("name", list(CTL_VALUES))
def test_control_characters_add(servers, prefix, name, http2):
    s = servers("add")
    r = s.get(prefix + "?sts=" + q(CTL_VALUES[name]), host="ctl.hsts.test", http2=http2)
    assert r.status == 200
    assert r.sts == [POLICY]
    assert read_notes(s, r) == ("200", "header.invalid.max_age", "replaced", YEAR,
                                "ctl.hsts.test")
    check_log(s, "ctl", "header.invalid.max_age")


BINARY = "max-age=1" + bytes(range(0x80, 0x100)).decode("latin-1")


@H2
@pytest.mark.parametrize("mode", ["report", "add"])
def test_binary_value(servers, mode, http2):
    """Bytes 0x80-0xff are obs-text: httpd passes them, browsers reject the max-age."""
    s = servers(mode)
    r = s.get("/cgi-bin/sts.cgi?sts=" + q(BINARY), host="bin.hsts.test", http2=http2)
    assert r.status == 200
    if mode == "report":
        assert r.sts == [BINARY]
        assert read_notes(s, r) == ("200", "header.invalid.max_age", "none", "-",
                                    "bin.hsts.test")
    else:
        assert r.sts == [POLICY]
        assert read_notes(s, r) == ("200", "header.invalid.max_age", "replaced", YEAR,
                                    "bin.hsts.test")
    line = check_log(s, "bin", "header.invalid.max_age")
    assert all(0x20 <= b < 0x7f for b in line), "8-bit bytes must be escaped too"
    value = logged_item(line, "Strict-Transport-Security")
    # every 8-bit byte shows as an \xHH escape (whatever the escaping depth)
    # clipped to 100 bytes, each byte escaped once by httpd's error log
    assert re.fullmatch(r"max-age=1(\\x[89a-f][0-9a-f]){91}\.\.\.", value), value


# --------------------------------------------------------------------------
# 1,000 STS fields
# --------------------------------------------------------------------------

@H2
@pytest.mark.parametrize("mode", ["report", "add"])
def test_1000_fields(servers, mode, http2):
    s = servers(mode)
    r = s.get("/raw/x?sts=max-age%3D31536000&repeat=1000", host="fields.hsts.test",
              http2=http2)
    assert r.status == 200
    if mode == "report":
        assert r.sts == [POLICY] * 1000
        assert read_notes(s, r) == ("200", "header.multiple", "none", YEAR,
                                    "fields.hsts.test")
    else:
        assert r.sts == [POLICY]
        assert read_notes(s, r) == ("200", "header.multiple", "replaced", YEAR,
                                    "fields.hsts.test")
    line = check_log(s, "fields", "header.multiple")
    assert logged_item(line, "Strict-Transport-Security") == POLICY


@pytest.mark.parametrize("mode", ["report", "add"])
def test_1000_cgi_lines_merged_into_one_field(servers, mode):
    """httpd's CGI layer joins the 1,000 lines into ONE field of 17,998 bytes."""
    s = servers(mode)
    r = s.get("/cgi-bin/sts.cgi?sts=max-age%3D31536000&repeat=1000", host="merged.hsts.test")
    assert r.status == 200
    merged = ", ".join([POLICY] * 1000)
    if mode == "report":
        assert r.sts == [merged]
        assert read_notes(s, r) == ("200", "header.invalid.max_age", "none", "-",
                                    "merged.hsts.test")
    else:
        assert r.sts == [POLICY]
        assert read_notes(s, r) == ("200", "header.invalid.max_age", "replaced", YEAR,
                                    "merged.hsts.test")
    line = check_log(s, "merged", "header.invalid.max_age")
    assert logged_item(line, "Strict-Transport-Security") == merged[:100] + "..."


# --------------------------------------------------------------------------
# an 8 KiB Location
# --------------------------------------------------------------------------

LOC_CGI = "http://hsts.test/" + "a" * 7983           # 8,000 bytes: what a CGI line holds
LOC_RAW = "http://hsts.test/" + "b" * 8175           # 8,192 bytes exactly


@H2
@pytest.mark.parametrize("mode", ["report", "add"])
@pytest.mark.parametrize("case,path,location", [
    ("loc", "/cgi-bin/sts.cgi?status=302&location=" + q(LOC_CGI), LOC_CGI),
    ("locraw", "/rawbig/x?status=302&location=" + q(LOC_RAW), LOC_RAW),
], ids=["cgi-8000", "raw-8192"])
def test_8k_location_downgrade(servers, mode, case, path, location, http2):
    assert len(LOC_RAW) == 8192
    s = servers(mode)
    host = case + ".hsts.test"
    r = s.get(path, host=host, http2=http2)
    assert r.status == 302
    assert r.header("Location") == location
    if mode == "report":
        assert r.sts == []
        assert read_notes(s, r) == ("302", "header.missing,redirects.downgrade", "none", "-",
                                    host)
    else:
        assert r.sts == [POLICY]
        assert read_notes(s, r) == ("302", "redirects.downgrade", "added", YEAR, host)
    line = check_log(s, case, "redirects.downgrade")
    assert logged_item(line, "Location") == location[:100] + "..."


@pytest.mark.parametrize("mode", ["report", "add"])
def test_8k_location_plain_http(servers, mode):
    s = servers(mode)
    r = s.get("/cgi-bin/sts.cgi?status=302&location=" + q(LOC_CGI), tls=False,
              host="lochttp.hsts.test")
    assert r.status == 302
    assert r.header("Location") == LOC_CGI
    assert r.sts == []
    assert read_notes(s, r) == ("302", "redirects.http.first_redirect.insecure", "none", "-",
                                "lochttp.hsts.test")
    line = check_log(s, "lochttp", "redirects.http.first_redirect.insecure", tls=False)
    assert logged_item(line, "Location") == LOC_CGI[:100] + "..."


# --------------------------------------------------------------------------
# control bytes in the path
# --------------------------------------------------------------------------

CTL_PATH_BYTES = bytes([0x01, 0x1b, 0x7f, 0x80, 0xff, 0x09, 0x0b])


@pytest.mark.parametrize("mode", ["report", "add"])
def test_control_bytes_in_path(servers, mode):
    """r->uri is the DEcoded path: %01 %1b %7f ... arrive as raw bytes."""
    s = servers(mode)
    path = "/cgi-bin/sts.cgi/" + "".join("%%%02x" % b for b in CTL_PATH_BYTES * 4)
    r = s.get(path + "?sts=max-age%3Dz", host="ctlpath.hsts.test")
    assert r.status == 200
    expect = (("header.invalid.max_age", "none", "-") if mode == "report"
              else ("header.invalid.max_age", "replaced", YEAR))
    assert read_notes(s, r) == ("200",) + expect + ("ctlpath.hsts.test",)
    line = check_log(s, "ctlpath", "header.invalid.max_age")
    logged = logged_item(line, "path")
    assert logged.startswith("/cgi-bin/sts.cgi/")
    assert "\\x1b" in logged and "\\x7f" in logged and "\\xff" in logged


# --------------------------------------------------------------------------
# exact escaping and the worst case for the line length
# --------------------------------------------------------------------------

ESCAPE_BUG = ("possible module bug: request data is escaped twice, by the module "
              "(ap_escape_logitem) and again by httpd's error log "
              "(ap_escape_errorlog_item): a control byte 0x01 shows as \\\\x01, not \\x01")


def test_control_characters_escaped_once(servers):
    s = servers("add")
    r = s.get("/cgi-bin/sts.cgi?sts=" + q("max-age=1\x01\x1b\x7f\"\\"), host="esc.hsts.test")
    assert r.status == 200
    line = check_log(s, "esc", "header.invalid.max_age")
    # escaped once, by httpd's error log: control bytes -> \xHH, '\' -> \\, '"' stays
    assert logged_item(line, "Strict-Transport-Security") == 'max-age=1\\x01\\x1b\\x7f"\\\\'


def test_worst_case_line_is_bounded(httpd_factory):
    """200 bytes of control characters in BOTH the path and the value: escaped once
    (4 bytes each) the line stays under 2,000 bytes.  (A server of its own: the
    other tests check every line of their server.)"""
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\n",
                            body=_body("add").split("<VirtualHost")[0], pre_vhosts=PRE_VHOSTS)
    path = "/cgi-bin/sts.cgi/" + "/".join(["%01" * 60] * 4)        # 17 + 243 bytes
    value = "max-age=" + "\x01" * 250
    r = s.get(path + "?sts=" + q(value))
    assert r.status == 200
    assert read_notes(s, r) == ("200", "header.invalid.max_age", "replaced", YEAR, "hsts.test")
    check_log(s, None, "header.invalid.max_age", name="hsts.test")


def test_worst_case_line_with_long_host_is_bounded(httpd_factory):
    """A 246-byte Host (plain HTTP: no certificate in the way) plus control bytes in
    the path and the value."""
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\n",
                            body=_body("add").split("<VirtualHost")[0], pre_vhosts=PRE_VHOSTS)
    host = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 49]) + ".test"
    path = "/cgi-bin/sts.cgi/" + "/".join(["%01" * 60] * 4)
    r = s.get(path + "?sts=" + q("max-age=" + "\x01" * 250), tls=False, host=host)
    assert r.status == 200
    assert r.sts == []                                     # add: removed from plain HTTP
    assert read_notes(s, r) == ("200", "header.over_http", "removed", "-", "hsts.test")
    check_log(s, None, "header.over_http", tls=False, name="hsts.test")
