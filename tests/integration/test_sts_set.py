"""Setting, keeping, replacing and removing Strict-Transport-Security
(design.md section 2, "HSTSMode", and section 3, the request notes).

Servers are shared per mode (module scope).  Paths on every server:
  /, /page.html        static files           /missing   404 -> ErrorDocument page
  /old                 Redirect 301           /cgi-bin/  sts.cgi, broken.cgi, silent.cgi
  /proxied/            mod_proxy_http -> plain-HTTP backend vhost running the same CGI
  /raw/                mod_proxy_http -> in-process origin that keeps repeated fields
"""

from urllib.parse import quote

import pytest

from common.backend import sts_query
from common.logs import finding_codes

POLICY = "max-age=31536000; includeSubDomains"     # the add server's policy
POLICY_E = "max-age=31536000"                       # the enforce server's policy

ERROR_PAGES = ('    ErrorDocument 404 /errors/404.html\n'
               '    Redirect 301 /old https://hsts.test/new\n'
               '    <Location /forbidden>\n'
               '        Require all denied\n'
               '        ErrorDocument 403 "forbidden-text"\n'
               '    </Location>\n'
               '    <Location /remote-err>\n'
               '        ErrorDocument 404 https://hsts.test/errpage\n'
               '    </Location>\n'
               '    <Location /cgi-err>\n'
               '        ErrorDocument 404 /cgi-bin/sts.cgi?sts=max-age%3D600\n'
               '    </Location>\n')

H = pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
BACKENDS = pytest.mark.parametrize("prefix", ["/cgi-bin/sts.cgi", "/proxied/sts.cgi",
                                              "/raw/x"], ids=["cgi", "proxied", "raw"])


def cap(n):
    return str(min(int(n), 31536000))


# --------------------------------------------------------------------------
# servers
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def add_server(module_httpd_factory):
    return module_httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
        https_body=ERROR_PAGES, http_body=ERROR_PAGES)


@pytest.fixture(scope="module")
def enforce_server(module_httpd_factory):
    return module_httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\nHSTSMode enforce\n",
        https_body=ERROR_PAGES, http_body=ERROR_PAGES)


@pytest.fixture(scope="module")
def report_server(module_httpd_factory):
    return module_httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\nHSTSMode report\n",
        https_body=ERROR_PAGES, http_body=ERROR_PAGES)


@pytest.fixture(scope="module")
def default_server(module_httpd_factory):
    """The module loaded, no HSTS directive at all: mode report, no policy."""
    return module_httpd_factory.start(https_body=ERROR_PAGES)


@pytest.fixture(scope="module")
def off_server(module_httpd_factory):
    return module_httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\nHSTSMode off\n",
        https_body=ERROR_PAGES, http_body=ERROR_PAGES)


# Every kind of HTTPS response: (path, status, marker in body or None, request headers)
RESPONSES = [
    ("/", 200, "index", ()),
    ("/page.html", 200, "page", ()),
    ("/page.html", 304, None, ("If-None-Match: *",)),
    ("/page.html", 206, None, ("Range: bytes=0-3",)),
    ("/old", 301, None, ()),
    ("/missing", 404, "custom-404-page", ()),
    ("/forbidden/", 403, "forbidden-text", ()),
    ("/remote-err/x", 302, None, ()),
    ("/cgi-bin/sts.cgi", 200, "ok", ()),
    ("/cgi-bin/sts.cgi?status=500", 500, "ok", ()),
    ("/cgi-bin/sts.cgi?status=404", 404, "ok", ()),
    ("/cgi-bin/sts.cgi?status=302&location=https%3A%2F%2Fhsts.test%2F", 302, None, ()),
    ("/cgi-bin/broken.cgi", 500, None, ()),
    ("/cgi-bin/silent.cgi", 500, None, ()),
    ("/proxied/sts.cgi", 200, "ok", ()),
    ("/proxied/sts.cgi?status=503", 503, "ok", ()),
    ("/raw/x", 200, "ok", ()),
]
RESPONSE_IDS = ["static-index", "static", "not-modified-304", "partial-206", "redirect-301",
                "errordocument-404", "errordocument-text-403", "errordocument-remote-302",
                "cgi-200", "cgi-500", "cgi-404", "cgi-302", "broken-cgi", "silent-cgi",
                "proxied-200", "proxied-503", "raw-200"]


def _allow_expected_errors(server, path):
    if "broken.cgi" in path or "silent.cgi" in path:
        server.allow(r"\[cgid?:error\].*(broken|silent)\.cgi")
    if path.startswith("/forbidden"):
        server.allow(r"\[authz_core:error\].*AH01630")


# --------------------------------------------------------------------------
# add
# --------------------------------------------------------------------------

class TestAdd:
    @H
    @pytest.mark.parametrize("path,status,marker,headers", RESPONSES, ids=RESPONSE_IDS)
    def test_every_https_response_gets_exactly_the_policy(self, add_server, path, status,
                                                          marker, headers, http2):
        _allow_expected_errors(add_server, path)
        r = add_server.get(path, http2=http2, headers=headers)
        assert r.http_version == ("2" if http2 else "1.1")
        assert r.status == status
        if marker:
            assert marker in r.text
        assert r.sts == [POLICY]
        e = add_server.log_entry(r)
        assert e["status"] == str(status)
        assert e["action"] == "added"
        assert e["max_age"] == "31536000"
        assert e["client_cert"] == "-"

    @H
    @BACKENDS
    @pytest.mark.parametrize("value", [
        "max-age=600",
        "max-age=600; includeSubDomains",
        "max-age=31536000; includeSubDomains; preload",
        "max-age=63072000",
        "max-age=0",
        'max-age="86400"',
        "MAX-AGE=86400;INCLUDESUBDOMAINS",
        "max-age=600 ;  includeSubDomains",
        "max-age = 600",
        "max-age=600; unknown=directive",
    ])
    def test_valid_backend_value_is_kept_verbatim(self, add_server, prefix, value, http2):
        r = add_server.get(prefix + sts_query(value), http2=http2)
        assert r.status == 200
        assert r.sts == [value]
        e = add_server.log_entry(r)
        assert e["action"] == "kept"
        digits = "".join(c for c in value.split(";")[0] if c.isdigit())
        assert e["max_age"] == cap(digits)

    @H
    @BACKENDS
    @pytest.mark.parametrize("value", [
        "max-age=abc",
        "max-age=",
        "includeSubDomains",
        "max-age=600; max-age=600",
        "max-age=-1",
        "max-age=600; includeSubDomains=yes",
        "max-age=600; includeSubDomains; includeSubDomains",
        "=600",
        "max-age=1, max-age=2",
        "max-age=600 600",
        "",
    ])
    def test_invalid_backend_value_is_replaced(self, add_server, prefix, value, http2):
        r = add_server.get(prefix + sts_query(value), http2=http2)
        assert r.status == 200
        assert r.sts == [POLICY]
        e = add_server.log_entry(r)
        assert e["action"] == "replaced"
        assert e["max_age"] == "31536000"

    @H
    @pytest.mark.parametrize("values", [
        ("max-age=600", "max-age=700"),
        ("max-age=600", "max-age=600"),
        ("max-age=abc", "max-age=600"),
        ("max-age=600", "max-age=abc"),
        (POLICY, POLICY),
    ], ids=["two-valid", "identical", "invalid-first", "invalid-second", "policy-twice"])
    def test_two_fields_are_replaced_by_one(self, add_server, values, http2):
        r = add_server.get("/raw/x" + sts_query(*values), http2=http2)
        assert r.status == 200
        assert r.sts == [POLICY]
        assert add_server.log_entry(r)["action"] == "replaced"

    @H
    def test_two_cgi_lines_are_one_merged_field_and_replaced(self, add_server, http2):
        # httpd's CGI layer joins them: "max-age=600, max-age=700" (invalid)
        r = add_server.get("/cgi-bin/sts.cgi" + sts_query("max-age=600", "max-age=700"), http2=http2)
        assert r.sts == [POLICY]
        assert add_server.log_entry(r)["action"] == "replaced"

    @H
    def test_backend_policy_on_error_status_kept(self, add_server, http2):
        r = add_server.get("/cgi-bin/sts.cgi" + sts_query("max-age=600", status=500), http2=http2)
        assert r.status == 500
        assert r.sts == ["max-age=600"]
        assert add_server.log_entry(r)["action"] == "kept"

    @pytest.mark.parametrize("path", [
        "/", "/missing", "/old", "/cgi-bin/sts.cgi", "/cgi-bin/sts.cgi?status=500",
        "/proxied/sts.cgi", "/raw/x"])
    def test_plain_http_without_sts_stays_without(self, add_server, path):
        r = add_server.get(path, tls=False)
        assert r.sts == []
        e = add_server.log_entry(r)
        assert e["action"] == "none"
        assert e["max_age"] == "-"

    @pytest.mark.parametrize("path", [
        "/cgi-bin/sts.cgi" + sts_query("max-age=600"),
        "/cgi-bin/sts.cgi" + sts_query("max-age=abc"),
        "/cgi-bin/sts.cgi" + sts_query(POLICY, status=500),
        "/proxied/sts.cgi" + sts_query("max-age=600"),
        "/raw/x" + sts_query("max-age=600"),
        "/raw/x" + sts_query("max-age=600", "max-age=700"),
        "/raw/x" + sts_query("max-age=600", status=301, location="https://hsts.test/"),
    ])
    def test_plain_http_sts_is_removed(self, add_server, path):
        r = add_server.get(path, tls=False)
        assert r.sts == []
        e = add_server.log_entry(r)
        assert e["action"] == "removed"
        assert e["max_age"] == "-"

    def test_raw_socket_sees_one_field(self, add_server):
        r = add_server.raw_get("/raw/x" + sts_query("max-age=1", "max-age=2"))
        assert r.status == 200
        head = r.raw_head.decode("latin-1").lower()
        assert head.count("strict-transport-security:") == 1
        assert r.sts == [POLICY]

    @H
    def test_errordocument_cgi_with_its_own_valid_sts_is_kept_once(self, add_server, http2):
        r = add_server.get("/cgi-err/missing", http2=http2)
        assert r.status == 404
        assert r.text == "ok\n"
        assert r.sts == ["max-age=600"]
        assert add_server.log_entry(r)["action"] == "kept"

    @H
    @pytest.mark.parametrize("names,values,expected", [
        (("strict-transport-security",), ("max-age=600",), ["max-age=600"]),
        (("STRICT-TRANSPORT-SECURITY",), ("max-age=abc",), [POLICY]),
        (("Strict-Transport-Security", "strict-transport-security"),
         ("max-age=600", "max-age=700"), [POLICY]),
    ], ids=["lower-valid", "upper-invalid", "mixed-case-two"])
    def test_field_name_case(self, add_server, names, values, expected, http2):
        qs = "&".join("header=" + quote("%s:%s" % nv, safe="") for nv in zip(names, values))
        r = add_server.get("/raw/x?" + qs, http2=http2)
        assert r.sts == expected

    @H
    def test_one_connection_many_requests(self, add_server, http2):
        """No state leaks between requests (keep-alive / h2 streams)."""
        cases = [
            ("/raw/x" + sts_query("max-age=600", "max-age=700"), 200, [POLICY], "replaced"),
            ("/page.html", 200, [POLICY], "added"),
            ("/raw/x" + sts_query("max-age=600"), 200, ["max-age=600"], "kept"),
            ("/missing", 404, [POLICY], "added"),
            ("/cgi-bin/sts.cgi" + sts_query("max-age=abc"), 200, [POLICY], "replaced"),
            ("/proxied/sts.cgi" + sts_query("max-age=86400"), 200, ["max-age=86400"], "kept"),
            ("/", 200, [POLICY], "added"),
        ]
        resps = add_server.get_many([c[0] for c in cases], http2=http2)
        assert [r.num_connects for r in resps][1:] == [0] * (len(cases) - 1)
        for r, (path, status, sts, action) in zip(resps, cases):
            assert (path, r.status, r.sts) == (path, status, sts)
            assert (path, add_server.log_entry(r)["action"]) == (path, action)

    def test_http10_client(self, add_server):
        # --no-alpn: curl offers ALPN "http/1.0", httpd answers "http/1.1" and
        # OpenSSL on the client side aborts the handshake ("bad extension")
        r = add_server.get("/page.html", http10=True, extra=["--no-alpn"])
        assert (r.status, r.sts) == (200, [POLICY])
        assert add_server.log_entry(r)["protocol"] == "HTTP/1.0"   # (httpd answers 1.1)

    def test_head_request(self, add_server):
        r = add_server.get("/page.html", extra=["-I"])
        assert r.status == 200
        assert r.sts == [POLICY]


# --------------------------------------------------------------------------
# enforce
# --------------------------------------------------------------------------

class TestEnforce:
    @H
    @pytest.mark.parametrize("path,status,marker,headers", RESPONSES, ids=RESPONSE_IDS)
    def test_every_https_response_gets_the_policy(self, enforce_server, path, status, marker,
                                                  headers, http2):
        _allow_expected_errors(enforce_server, path)
        r = enforce_server.get(path, http2=http2, headers=headers)
        assert r.status == status
        if marker:
            assert marker in r.text
        assert r.sts == [POLICY_E]
        e = enforce_server.log_entry(r)
        assert e["action"] == "added"
        assert e["max_age"] == "31536000"

    @H
    @BACKENDS
    @pytest.mark.parametrize("value", ["max-age=600", "max-age=31536000; includeSubDomains",
                                       "max-age=0", "max-age=abc",
                                       "max-age=31536000; includeSubDomains; preload"])
    def test_backend_value_is_replaced(self, enforce_server, prefix, value, http2):
        r = enforce_server.get(prefix + sts_query(value), http2=http2)
        assert r.status == 200
        assert r.sts == [POLICY_E]
        e = enforce_server.log_entry(r)
        assert e["action"] == "replaced"
        assert e["max_age"] == "31536000"

    @H
    def test_backend_sending_exactly_the_policy(self, enforce_server, http2):
        r = enforce_server.get("/raw/x" + sts_query(POLICY_E), http2=http2)
        assert r.sts == [POLICY_E]
        assert enforce_server.log_entry(r)["max_age"] == "31536000"

    @H
    def test_two_fields_become_one(self, enforce_server, http2):
        r = enforce_server.get("/raw/x" + sts_query("max-age=600", "max-age=700"), http2=http2)
        assert r.sts == [POLICY_E]
        assert enforce_server.log_entry(r)["action"] == "replaced"

    @pytest.mark.parametrize("path", ["/cgi-bin/sts.cgi" + sts_query("max-age=600"),
                                      "/raw/x" + sts_query("max-age=600", "max-age=700")])
    def test_plain_http_sts_is_removed(self, enforce_server, path):
        r = enforce_server.get(path, tls=False)
        assert r.sts == []
        assert enforce_server.log_entry(r)["action"] == "removed"

    def test_plain_http_nothing_added(self, enforce_server):
        r = enforce_server.get("/", tls=False)
        assert r.sts == []
        assert enforce_server.log_entry(r)["action"] == "none"


# --------------------------------------------------------------------------
# report (never modifies) and off (does nothing)
# --------------------------------------------------------------------------

class TestReport:
    @H
    @pytest.mark.parametrize("path,status,marker,headers", RESPONSES, ids=RESPONSE_IDS)
    def test_nothing_added(self, report_server, path, status, marker, headers, http2):
        _allow_expected_errors(report_server, path)
        r = report_server.get(path, http2=http2, headers=headers)
        assert r.status == status
        assert r.sts == []
        e = report_server.log_entry(r)
        assert e["action"] == "none"
        assert e["max_age"] == "-"
        assert "header.missing" in finding_codes(e)

    @H
    @BACKENDS
    @pytest.mark.parametrize("value", ["max-age=600", "max-age=abc", "max-age=0",
                                       "max-age=31536000; includeSubDomains"])
    def test_one_field_passes_untouched(self, report_server, prefix, value, http2):
        r = report_server.get(prefix + sts_query(value), http2=http2)
        assert r.sts == [value]
        assert report_server.log_entry(r)["action"] == "none"

    @H
    @pytest.mark.parametrize("values", [("max-age=600", "max-age=700"),
                                        ("max-age=abc", "max-age=1")])
    def test_two_fields_pass_untouched(self, report_server, values, http2):
        r = report_server.get("/raw/x" + sts_query(*values), http2=http2)
        assert r.sts == list(values)
        e = report_server.log_entry(r)
        assert e["action"] == "none"
        assert "header.multiple" in finding_codes(e)

    def test_notes_for_valid_shorter_header(self, report_server):
        r = report_server.get("/raw/x" + sts_query("max-age=600"))
        e = report_server.log_entry(r)
        assert e["max_age"] == "600"
        assert "header.max_age.below_configured" in finding_codes(e)

    def test_notes_for_invalid_header(self, report_server):
        r = report_server.get("/raw/x" + sts_query("max-age=abc"))
        e = report_server.log_entry(r)
        assert e["max_age"] == "-"
        assert "header.invalid.max_age" in finding_codes(e)

    def test_notes_for_matching_header(self, report_server):
        r = report_server.get("/raw/x" + sts_query("max-age=31536000"))
        e = report_server.log_entry(r)
        assert e["max_age"] == "31536000"
        assert e["audit"] == "ok"

    @pytest.mark.parametrize("values", [("max-age=600",), ("max-age=600", "max-age=1")])
    def test_plain_http_sts_only_reported(self, report_server, values):
        r = report_server.get("/raw/x" + sts_query(*values), tls=False)
        assert r.sts == list(values)
        e = report_server.log_entry(r)
        assert e["action"] == "none"
        assert "header.over_http" in finding_codes(e)


class TestDefaultMode:
    """No HSTS directive: mode report without a policy."""

    @H
    @pytest.mark.parametrize("path", ["/", "/missing", "/cgi-bin/sts.cgi", "/proxied/sts.cgi"])
    def test_nothing_added(self, default_server, path, http2):
        r = default_server.get(path, http2=http2)
        assert r.sts == []
        assert default_server.log_entry(r)["action"] == "none"

    @pytest.mark.parametrize("values", [("max-age=600",), ("max-age=abc",),
                                        ("max-age=1", "max-age=2")])
    def test_backend_fields_untouched(self, default_server, values):
        r = default_server.get("/raw/x" + sts_query(*values))
        assert r.sts == list(values)
        r = default_server.get("/raw/x" + sts_query(*values), tls=False)
        assert r.sts == list(values)


class TestOff:
    @H
    @pytest.mark.parametrize("path", ["/", "/missing", "/old", "/cgi-bin/sts.cgi?status=500",
                                      "/proxied/sts.cgi"])
    def test_nothing_added(self, off_server, path, http2):
        r = off_server.get(path, http2=http2)
        assert r.sts == []
        e = off_server.log_entry(r)
        assert (e["audit"], e["action"], e["max_age"]) == ("-", "-", "-")

    @pytest.mark.parametrize("tls", [True, False], ids=["https", "http"])
    @pytest.mark.parametrize("values", [("max-age=600",), ("max-age=abc",),
                                        ("max-age=1", "max-age=2")])
    def test_backend_fields_untouched(self, off_server, values, tls):
        r = off_server.get("/raw/x" + sts_query(*values), tls=tls)
        assert r.sts == list(values)
        e = off_server.log_entry(r)
        assert (e["audit"], e["action"], e["max_age"]) == ("-", "-", "-")


# --------------------------------------------------------------------------
# mod_headers sets STS
# --------------------------------------------------------------------------

MH = '    Header always set Strict-Transport-Security "max-age=5"\n' + ERROR_PAGES


@pytest.fixture(scope="module")
def mh_add_server(module_httpd_factory):
    return module_httpd_factory.start(hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
                                      https_body=MH)


@pytest.fixture(scope="module")
def mh_enforce_server(module_httpd_factory):
    return module_httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\nHSTSMode enforce\n",
        https_body=MH)


class TestModHeaders:
    @H
    @pytest.mark.parametrize("path,status", [("/", 200), ("/missing", 404), ("/old", 301),
                                             ("/cgi-bin/sts.cgi?status=500", 500)])
    def test_add_keeps_valid_mod_headers_value(self, mh_add_server, path, status, http2):
        r = mh_add_server.get(path, http2=http2)
        assert r.status == status
        assert r.sts == ["max-age=5"]
        e = mh_add_server.log_entry(r)
        assert e["action"] == "kept"
        assert e["max_age"] == "5"

    @H
    @pytest.mark.parametrize("path,status", [("/", 200), ("/missing", 404), ("/old", 301),
                                             ("/cgi-bin/sts.cgi?status=500", 500)])
    def test_enforce_replaces_mod_headers_value(self, mh_enforce_server, path, status, http2):
        r = mh_enforce_server.get(path, http2=http2)
        assert r.status == status
        assert r.sts == [POLICY]
        assert mh_enforce_server.log_entry(r)["action"] == "replaced"

    @H
    def test_add_backend_plus_mod_headers_is_two_fields_replaced(self, mh_add_server, http2):
        # "Header always set" works on err_headers_out, so a proxied STS (headers_out)
        # survives beside it: two fields leave httpd without the module.
        r = mh_add_server.get("/raw/x" + sts_query("max-age=600"), http2=http2)
        assert r.sts == [POLICY]
        assert mh_add_server.log_entry(r)["action"] == "replaced"
