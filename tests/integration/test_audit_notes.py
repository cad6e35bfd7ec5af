"""The per-response audit as the request notes show it (design.md section 3,
"Per-request results for logs", and section 4, the finding codes):

  hsts-audit          comma-separated finding codes in the table's order, or ok
  hsts-audit-action   added | kept | replaced | removed | withheld | none
  hsts-audit-max-age  what Chromium stores from what leaves the server
                      (min(value, 31536000)), or "-"

Findings are judged on the fields the application / backend produced, before the
module adds or replaces anything.  The notes are read back through a LogFormat of
this file's own (audit_notes.log, below), not the harness's, so this file depends
only on the three documented note names.

Servers (one per mode, module scope), all with the policy
"max-age=31536000; includeSubDomains" (HSTSMaxAge 1y, HSTSIncludeSubDomains On):
  report, add, enforce, and preload (add + HSTSPreload On).
Backends: /cgi-bin/sts.cgi (direct CGI), /proxied/sts.cgi (mod_proxy_http to a
plain-HTTP vhost running the same CGI with HSTSMode off), /raw/x (an origin that
keeps repeated fields separate: httpd's CGI layer merges them into one field).
"""

import time
from urllib.parse import quote

import pytest

YEAR = "31536000"
POLICY = "max-age=31536000; includeSubDomains"
PRELOAD_POLICY = "max-age=31536000; includeSubDomains; preload"

NOTES_LOG = "logs/audit_notes.log"
NOTES_BODY = (
    'LogFormat "%{X-Test-Id}i\\t%>s\\t%{hsts-audit}n\\t%{hsts-audit-action}n\\t'
    '%{hsts-audit-max-age}n" auditnotes\n'
    'CustomLog "@ROOT@/' + NOTES_LOG + '" auditnotes\n'
    # plain-HTTP-only names: no TLS vhost answers for them, so no redirect is due.
    # plainonly.test has no HSTS* directive of its own, plainown.test has one.
    '<VirtualHost 127.0.0.1:@HTTP_PORT@>\n'
    '    ServerName plainonly.test\n'
    '</VirtualHost>\n'
    '<VirtualHost 127.0.0.1:@HTTP_PORT@>\n'
    '    ServerName plainown.test\n'
    '    HSTSIncludeSubDomains On\n'
    '</VirtualHost>\n')

# plain-HTTP vhost: redirects to check redirects.http.*
HTTP_BODY = """\
    Redirect 301 /to-self https://hsts.test:@HTTPS_PORT@/
    Redirect 301 /to-self-upper HTTPS://HSTS.TEST:@HTTPS_PORT@/
    Redirect 301 /to-self-noport https://hsts.test/
    Redirect 301 /to-www https://www.hsts.test:@HTTPS_PORT@/
    Redirect 301 /to-other https://other.example/
    Redirect 301 /to-http http://hsts.test:@HTTP_PORT@/elsewhere
"""
# TLS vhost: a scope where the module is off (no notes at all)
HTTPS_BODY = """\
    ProxyPass /offp/ http://127.0.0.1:@BACKEND_PORT@/cgi-bin/
    <Location /offp/>
        HSTSMode off
    </Location>
"""

MODES = ("report", "add", "enforce")
GLOBALS = {
    "report": "HSTSMaxAge 1y\nHSTSIncludeSubDomains On\nHSTSMode report\n",
    "add": "HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
    "enforce": "HSTSMaxAge 1y\nHSTSIncludeSubDomains On\nHSTSMode enforce\n",
    "preload": "HSTSMaxAge 1y\nHSTSIncludeSubDomains On\nHSTSPreload On\n",
}


def q(*values, **params):
    """Query string: sts=<v> for each value, then the other parameters."""
    parts = ["sts=" + quote(v, safe="") for v in values]
    parts += ["%s=%s" % (k, quote(str(v), safe="")) for k, v in params.items()]
    return "?" + "&".join(parts) if parts else ""


def read_notes(server, resp, timeout=5):
    """(status, audit, action, max_age) of one request from audit_notes.log."""
    path = server.root / NOTES_LOG
    deadline = time.time() + timeout
    while True:
        try:
            lines = path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            lines = []
        found = [l.split("\t") for l in lines if l.startswith(resp.test_id + "\t")]
        if found:
            assert len(found) == 1, "several notes lines for one request: %r" % found
            return tuple(found[0][1:])
        if time.time() > deadline:
            raise AssertionError("no %s line for request %s" % (NOTES_LOG, resp.test_id))
        time.sleep(0.02)


# --------------------------------------------------------------------------
# servers
# --------------------------------------------------------------------------

# an SSI page whose CGI include (a subrequest) sends an invalid STS of its own
SSI_BODY = """\
<VirtualHost 127.0.0.1:@HTTPS_PORT@>
    ServerName ssi.hsts.test
    HSTSIncludeSubDomains On
    SSLEngine on
    SSLCertificateFile "@SERVER_CERT@"
    SSLCertificateKeyFile "@SERVER_KEY@"
</VirtualHost>
<Directory "@ROOT@/htdocs/ssi">
    Options +Includes
    AddOutputFilter INCLUDES .shtml
</Directory>
"""
SSI_FILES = {"htdocs/ssi/page.shtml":
             'ssi:<!--#include virtual="/cgi-bin/sts.cgi?sts=max-age%3Dfrom-subrequest" -->\n'}


def _start(factory, name):
    return factory.start(hsts_global=GLOBALS[name], body=NOTES_BODY + SSI_BODY,
                         https_body=HTTPS_BODY, http_body=HTTP_BODY,
                         modules=("include",), files=SSI_FILES)


@pytest.fixture(scope="module")
def servers(module_httpd_factory):
    started = {}

    def get(name):
        if name not in started:
            started[name] = _start(module_httpd_factory, name)
        return started[name]
    return get


# --------------------------------------------------------------------------
# HTTPS, one STS field (or none) from the CGI, direct and proxied
# --------------------------------------------------------------------------

# id: (backend STS values, extra query params,
#      {mode: (hsts-audit, hsts-audit-action, hsts-audit-max-age)})
# Expected wire STS follows from the action: none -> the backend's field untouched,
# kept -> the backend's value, added/replaced -> exactly the policy.
R, A, E = "report", "add", "enforce"


def inv(code):
    """An invalid first field: report leaves it, add and enforce replace it."""
    return {R: (code, "none", "-"), A: (code, "replaced", YEAR), E: (code, "replaced", YEAR)}


ISD = "header.include_sub_domains.below_configured"

SINGLE = {
    "no-sts": ((), {}, {
        R: ("header.missing", "none", "-"),
        A: ("ok", "added", YEAR),
        E: ("ok", "added", YEAR)}),
    "valid-policy": ((POLICY,), {}, {
        R: ("ok", "none", YEAR),
        A: ("ok", "kept", YEAR),
        E: ("ok", "kept", YEAR)}),
    # a valid value without includeSubDomains where the policy has it (0.2)
    "valid-2y-capped": (("max-age=63072000",), {}, {
        R: (ISD, "none", YEAR),
        A: (ISD, "kept", YEAR),
        E: (ISD, "replaced", YEAR)}),
    "valid-huge-clamped": (("max-age=99999999999999999999999",), {}, {
        # Chromium clamps, hstspreload's ParseUint fails: the two disagree
        R: (ISD + ",header.preload.divergent", "none", YEAR),
        A: (ISD + ",header.preload.divergent", "kept", YEAR),
        E: (ISD + ",header.preload.divergent", "replaced", YEAR)}),
    "valid-full-preload": ((PRELOAD_POLICY,), {}, {
        R: ("ok", "none", YEAR),
        A: ("ok", "kept", YEAR),
        E: ("ok", "replaced", YEAR)}),
    "invalid-syntax": (("=600",), {}, inv("header.invalid.syntax")),
    "invalid-syntax-quote": (('max-age="600',), {}, inv("header.invalid.syntax")),
    "invalid-max_age": (("max-age=abc",), {}, inv("header.invalid.max_age")),
    "invalid-max_age-empty": (("max-age=",), {}, inv("header.invalid.max_age")),
    "invalid-max_age-missing": (("includeSubDomains",), {}, inv("header.invalid.max_age.missing")),
    "invalid-repeated": (("max-age=600; includeSubDomains; includeSubDomains",), {},
                         inv("header.invalid.repeated_directive,header.preload.divergent")),
    "invalid-isd-value": (("max-age=600; includeSubDomains=yes",), {},
                          inv("header.invalid.include_sub_domains_value,header.preload.divergent")),
    "invalid-token": (("max-age=600; non@token",), {},
                      inv("header.invalid.token,header.preload.divergent")),
    "max-age-zero": (("max-age=0",), {}, {
        R: ("header.max_age.zero", "none", "0"),
        A: ("header.max_age.zero", "kept", "0"),
        E: ("header.max_age.zero", "replaced", YEAR)}),
    "below-configured": (("max-age=600",), {}, {
        R: ("header.max_age.below_configured," + ISD, "none", "600"),
        A: ("header.max_age.below_configured," + ISD, "kept", "600"),
        E: ("header.max_age.below_configured," + ISD, "replaced", YEAR)}),
    "preload-short-no-isd": (("max-age=600; preload",), {}, {
        m: ("header.max_age.below_configured," + ISD + ",header.preloadable.include_sub_domains."
            "missing,header.preloadable.max_age.below_1_year", a, ma)
        for m, a, ma in ((R, "none", "600"), (A, "kept", "600"), (E, "replaced", YEAR))}),
    "preload-no-isd": (("max-age=31536000; preload",), {}, {
        m: (ISD + ",header.preloadable.include_sub_domains.missing", a, YEAR)
        for m, a in ((R, "none"), (A, "kept"), (E, "replaced"))}),
    "divergent-quoted": (('max-age="31536000"',), {}, {
        m: (ISD + ",header.preload.divergent", a, YEAR)
        for m, a in ((R, "none"), (A, "kept"), (E, "replaced"))}),
    "divergent-spaces": (("max-age = 100",), {}, {
        R: ("header.max_age.below_configured," + ISD + ",header.preload.divergent", "none", "100"),
        A: ("header.max_age.below_configured," + ISD + ",header.preload.divergent", "kept", "100"),
        E: ("header.max_age.below_configured," + ISD + ",header.preload.divergent", "replaced",
            YEAR)}),
    "divergent-repeated": (("max-age=1; max-age=1",), {},
                           inv("header.invalid.repeated_directive,header.preload.divergent")),
    "downgrade-302": ((), {"status": 302, "location": "http://hsts.test/next"}, {
        R: ("header.missing,redirects.downgrade", "none", "-"),
        A: ("redirects.downgrade", "added", YEAR),
        E: ("redirects.downgrade", "added", YEAR)}),
    "downgrade-301-upper-scheme": ((POLICY,), {"status": 301, "location": "HTTP://hsts.test/"}, {
        R: ("redirects.downgrade", "none", YEAR),
        A: ("redirects.downgrade", "kept", YEAR),
        E: ("redirects.downgrade", "kept", YEAR)}),
    "downgrade-with-invalid-sts": (("max-age=abc",),
                                   {"status": 302, "location": "http://other.example/"}, {
        R: ("header.invalid.max_age,redirects.downgrade", "none", "-"),
        A: ("header.invalid.max_age,redirects.downgrade", "replaced", YEAR),
        E: ("header.invalid.max_age,redirects.downgrade", "replaced", YEAR)}),
    "https-redirect-not-downgrade": ((POLICY,), {"status": 302,
                                                 "location": "https://other.example/"}, {
        R: ("ok", "none", YEAR),
        A: ("ok", "kept", YEAR),
        E: ("ok", "kept", YEAR)}),
}

PREFIXES = pytest.mark.parametrize("prefix", ["/cgi-bin/sts.cgi", "/proxied/sts.cgi"],
                                   ids=["cgi", "proxied"])


def expected_wire(action, backend_values, policy=POLICY):
    if action in ("added", "replaced"):
        return [policy]
    if action == "removed":
        return []
    # none / kept: the backend's fields as httpd's CGI layer merged them
    return [", ".join(backend_values)] if backend_values else []


def check_case(server, mode, prefix, case, http2=False):
    values, params, expect = SINGLE[case]
    audit, action, max_age = expect[mode]
    r = server.get(prefix + q(*values, **params), http2=http2)
    assert r.http_version == ("2" if http2 else "1.1")
    status = params.get("status", 200)
    assert r.status == status
    if "location" in params:
        assert r.header("Location") == params["location"]
    assert read_notes(server, r) == (str(status), audit, action, max_age)
    assert r.sts == expected_wire(action, values)


@pytest.mark.parametrize("mode", MODES)
@PREFIXES
@pytest.mark.parametrize("case", list(SINGLE))
def test_single_field(servers, mode, prefix, case):
    check_case(servers(mode), mode, prefix, case)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", ["no-sts", "valid-policy", "invalid-max_age",
                                  "below-configured", "divergent-quoted", "downgrade-302"])
def test_single_field_h2(servers, mode, case):
    check_case(servers(mode), mode, "/cgi-bin/sts.cgi", case, http2=True)
    check_case(servers(mode), mode, "/proxied/sts.cgi", case, http2=True)


@pytest.mark.parametrize("mode", MODES)
def test_cgi_merges_two_lines_into_one_invalid_field(servers, mode):
    """httpd's CGI layer joins repeated header lines with ', ': the browser then
    sees ONE field 'max-age=600, max-age=600', whose max-age is not all digits."""
    s = servers(mode)
    r = s.get("/cgi-bin/sts.cgi" + q("max-age=600", "max-age=600"))
    assert r.status == 200
    action = "none" if mode == "report" else "replaced"
    assert read_notes(s, r) == ("200", "header.invalid.max_age", action,
                                "-" if mode == "report" else YEAR)
    assert r.sts == (["max-age=600, max-age=600"] if mode == "report" else [POLICY])


# --------------------------------------------------------------------------
# HTTPS, several fields (the raw origin keeps them apart)
# --------------------------------------------------------------------------

MULTI = {
    "two-policies": ((POLICY, POLICY), "header.multiple", YEAR),
    "short-then-policy": (("max-age=600", POLICY),
                          "header.multiple,header.max_age.below_configured," + ISD, "600"),
    "invalid-then-policy": (("max-age=abc", POLICY),
                            "header.multiple,header.invalid.max_age", "-"),
    "policy-then-invalid": ((POLICY, "max-age=abc"), "header.multiple", YEAR),
}


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(MULTI))
def test_several_fields(servers, mode, case, http2):
    values, audit, report_max_age = MULTI[case]
    s = servers(mode)
    r = s.get("/raw/x" + q(*values), http2=http2)
    assert r.status == 200
    if mode == "report":
        assert read_notes(s, r) == ("200", audit, "none", report_max_age)
        assert r.sts == list(values)
    else:
        assert read_notes(s, r) == ("200", audit, "replaced", YEAR)
        assert r.sts == [POLICY]


def test_mode_off_scope_sets_no_notes(servers):
    s = servers("report")
    r = s.get("/offp/sts.cgi" + q("max-age=abc"))
    assert r.status == 200
    assert read_notes(s, r) == ("200", "-", "-", "-")
    assert r.sts == ["max-age=abc"]


# --------------------------------------------------------------------------
# HSTSPreload On: the preload requirements apply even without 'preload' in the field
# --------------------------------------------------------------------------

@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
@PREFIXES
@pytest.mark.parametrize("values,audit,action,max_age", [
    ((), "ok", "added", YEAR),
    ((PRELOAD_POLICY,), "ok", "kept", YEAR),
    (("max-age=31536000; includeSubDomains",),
     "header.preloadable.preload.missing", "kept", YEAR),
    (("max-age=600; includeSubDomains",),
     "header.max_age.below_configured,header.preloadable.preload.missing,"
     "header.preloadable.max_age.below_1_year", "kept", "600"),
    (("max-age=31536000; preload",),
     ISD + ",header.preloadable.include_sub_domains.missing", "kept", YEAR),
], ids=["none", "full", "no-preload", "short-no-preload", "no-isd"])
def test_preload_vhost(servers, prefix, values, audit, action, max_age, http2):
    s = servers("preload")
    r = s.get(prefix + q(*values), http2=http2)
    assert r.status == 200
    assert read_notes(s, r) == ("200", audit, action, max_age)
    assert r.sts == expected_wire(action, values, PRELOAD_POLICY)


# --------------------------------------------------------------------------
# plain HTTP
# --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("host,path,status,location,audit", [
    ("hsts.test", "/page.html", 200, None, "redirects.http.no_redirect"),
    ("hsts.test", "/missing", 404, None, "redirects.http.no_redirect"),
    ("hsts.test", "/to-self", 301, "https://hsts.test:@HTTPS_PORT@/", "ok"),
    ("hsts.test", "/to-self-upper", 301, "HTTPS://HSTS.TEST:@HTTPS_PORT@/", "ok"),
    ("hsts.test", "/to-self-noport", 301, "https://hsts.test/", "ok"),
    ("hsts.test", "/to-other", 301, "https://other.example/",
     "redirects.http.first_redirect.insecure"),
    ("hsts.test", "/to-http", 301, "http://hsts.test:@HTTP_PORT@/elsewhere",
     "redirects.http.first_redirect.insecure"),
    # an alias of the TLS vhost: it must go to https on ITSELF first
    ("www.hsts.test", "/page.html", 200, None, "redirects.http.no_redirect"),
    ("www.hsts.test", "/to-www", 301, "https://www.hsts.test:@HTTPS_PORT@/", "ok"),
    ("www.hsts.test", "/to-self", 301, "https://hsts.test:@HTTPS_PORT@/",
     "redirects.http.first_redirect.insecure"),
    ("localhost", "/page.html", 200, None, "redirects.http.no_redirect"),
    # not a name of any TLS vhost: no redirect needed
    ("other.example", "/page.html", 200, None, "ok"),
    ("other.example", "/to-http", 301, "http://hsts.test:@HTTP_PORT@/elsewhere", "ok"),
    # CGI redirects: relative target, and a 3xx without Location
    ("hsts.test", "/cgi-bin/sts.cgi?status=302&location=%2Felsewhere", 302, "/elsewhere",
     "redirects.http.first_redirect.insecure"),
    ("hsts.test", "/cgi-bin/sts.cgi?status=300", 300, None, "redirects.http.no_redirect"),
    ("hsts.test", "/proxied/sts.cgi?status=302&location=https%3A%2F%2Fhsts.test%2Fx", 302,
     "https://hsts.test/x", "ok"),
    ("hsts.test", "/proxied/sts.cgi?status=307&location=http%3A%2F%2Fhsts.test%2Fx", 307,
     "http://hsts.test/x", "redirects.http.first_redirect.insecure"),
    # the host is the URL's authority host, compared whole (RFC 3986)
    ("hsts.test", "/cgi-bin/sts.cgi" + q(status=301, location="https://hsts.test.evil.example/"),
     301, "https://hsts.test.evil.example/", "redirects.http.first_redirect.insecure"),
    ("hsts.test", "/cgi-bin/sts.cgi" + q(status=301, location="https://hsts.test@evil.example/"),
     301, "https://hsts.test@evil.example/", "redirects.http.first_redirect.insecure"),
    ("hsts.test", "/cgi-bin/sts.cgi" + q(status=301, location="https://user@hsts.test:8443/x"),
     301, "https://user@hsts.test:8443/x", "ok"),
    ("hsts.test", "/cgi-bin/sts.cgi" + q(status=301, location="//hsts.test/"),
     301, "//hsts.test/", "redirects.http.first_redirect.insecure"),
], ids=["200", "404", "to-self", "to-self-upper", "to-self-noport", "to-other", "to-http",
        "alias-200", "alias-to-itself", "alias-to-apex", "localhost-200", "unrelated-200",
        "unrelated-to-http", "cgi-relative", "cgi-300-no-location", "proxied-to-https",
        "proxied-307-to-http", "host-prefix-trap", "userinfo-trap", "userinfo-same-host",
        "scheme-relative"])
def test_plain_http_redirect_checks(servers, mode, host, path, status, location, audit):
    s = servers(mode)
    r = s.get(path, tls=False, host=host)
    assert r.status == status
    if location is not None:
        assert r.header("Location") == s.expand(location)
    assert read_notes(s, r) == (str(status), audit, "none", "-")
    assert r.sts == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("prefix", ["/cgi-bin/sts.cgi", "/proxied/sts.cgi", "/raw/x"])
@pytest.mark.parametrize("host,params,status,audit", [
    ("other.example", {}, 200, "header.over_http"),
    ("hsts.test", {}, 200, "header.over_http,redirects.http.no_redirect"),
    ("hsts.test", {"status": 301, "location": "https://hsts.test/"}, 301, "header.over_http"),
], ids=["unrelated-host", "policy-host-200", "policy-host-redirect"])
def test_sts_over_plain_http(servers, mode, prefix, host, params, status, audit):
    """report: reported, left alone; add and enforce: reported and removed."""
    s = servers(mode)
    r = s.get(prefix + q(POLICY, **params), tls=False, host=host)
    assert r.status == status
    if mode == "report":
        assert read_notes(s, r) == (str(status), audit, "none", "-")
        assert r.sts == [POLICY]
    else:
        assert read_notes(s, r) == (str(status), audit, "removed", "-")
        assert r.sts == []


def test_invalid_sts_over_plain_http_is_only_over_http(servers):
    """Over plain HTTP the value is not judged (browsers ignore it anyway)."""
    s = servers("report")
    r = s.get("/cgi-bin/sts.cgi" + q("max-age=abc", status=301,
                                     location="https://hsts.test/"), tls=False)
    assert r.status == 301
    assert read_notes(s, r) == ("301", "header.over_http", "none", "-")
    assert r.sts == ["max-age=abc"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("host", ["plainonly.test", "plainown.test"])
def test_plain_http_only_vhost_needs_no_redirect(servers, mode, host):
    """A name served over plain HTTP only (no TLS vhost has it) is not a host with an
    HTTPS policy: no redirects.http.* finding, whatever the server-wide policy."""
    s = servers(mode)
    r = s.get("/page.html", tls=False, host=host)
    assert r.status == 200
    assert read_notes(s, r) == ("200", "ok", "none", "-")
    r = s.get("/cgi-bin/sts.cgi" + q(POLICY), tls=False, host=host)
    assert r.status == 200
    assert read_notes(s, r) == ("200", "header.over_http",
                                "none" if mode == "report" else "removed", "-")


@pytest.mark.parametrize("mode", MODES)
def test_subrequest_sts_is_not_judged(servers, mode):
    """Only main requests are judged: the STS the included CGI (a subrequest) sets
    never reaches the client (httpd drops a subrequest's headers) and is no finding;
    the page itself has no STS."""
    s = servers(mode)
    r = s.get("/ssi/page.shtml", host="ssi.hsts.test")     # a vhost of its own
    assert r.status == 200
    assert r.text == "ssi:ok\n\n"            # the CGI body, then the page's newline
    if mode == "report":
        assert read_notes(s, r) == ("200", "header.missing", "none", "-")
        assert r.sts == []
    else:
        assert read_notes(s, r) == ("200", "ok", "added", YEAR)
        assert r.sts == [POLICY]
    # had the subrequest been judged, its header.invalid.max_age would be this
    # vhost's first such line (the rate limit cannot have hidden it)
    log = s.error_log.read_text(errors="replace")
    mine = [l for l in log.splitlines() if "(vhost ssi.hsts.test:" in l]
    assert not [l for l in mine if "from-subrequest" in l or "header.invalid" in l], mine
