"""Hostile backends: huge values, control characters, hundreds of fields.
The request must complete (no child crash: the harness fails any test whose httpd
logs "exit signal"), and in add mode exactly one policy field comes out."""

from urllib.parse import quote

import pytest

from common.logs import finding_codes

POLICY = "max-age=31536000; includeSubDomains"
H = pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])

# (httpd itself trims trailing white space, VT included, from CGI and proxied
# header values, so the VT sits inside)
CTL_VALUES = ["max-age=1\x01\x02x", "max-age=1\x7f", "max-age=1\x1b[0m",
              "max-age=31536000\x0b; includeSubDomains", "\x01"]


def qv(v):
    return quote(v, safe="")


@pytest.fixture(scope="module")
def add_server(module_httpd_factory):
    return module_httpd_factory.start(hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n")


@pytest.fixture(scope="module")
def report_server(module_httpd_factory):
    return module_httpd_factory.start(hsts_global="HSTSMaxAge 1y\nHSTSMode report\n")


class TestAddMode:
    @H
    @pytest.mark.parametrize("prefix", ["/cgi-bin/sts.cgi", "/proxied/sts.cgi", "/raw/x"])
    def test_8k_value(self, add_server, prefix, http2):
        # 8000 bytes: the most httpd's CGI layer (8190-byte lines) and mod_proxy's
        # ResponseFieldSize (8192) both pass through
        r = add_server.get(prefix + "?big=8000", http2=http2)
        assert r.status == 200
        assert r.sts == [POLICY]
        e = add_server.log_entry(r)
        assert e["action"] == "replaced"

    @H
    def test_8k_value_too_long_for_proxy(self, add_server, http2):
        # mod_proxy_http refuses it (502, as without the module); the error page
        # still gets the policy
        r = add_server.get("/raw/x?big=8192", http2=http2)
        assert r.status == 502
        assert r.sts == [POLICY]

    @H
    @pytest.mark.parametrize("prefix", ["/cgi-bin/sts.cgi", "/raw/x"])  # not /proxied/:
    # the backend httpd itself refuses to send such a header (AH02430)
    @pytest.mark.parametrize("value", CTL_VALUES, ids=["soh-stx", "del", "esc", "vt", "soh"])
    def test_control_characters(self, add_server, prefix, value, http2):
        # without the module httpd refuses such a header with a 500 (AH02430);
        # the module replaces the invalid value first
        add_server.allow(r"AH02430")
        r = add_server.get(prefix + "?sts=" + qv(value), http2=http2, check=False)
        assert r.curl_rc == 0, r.stderr
        assert r.status == 200
        assert r.sts == [POLICY]
        assert add_server.log_entry(r)["action"] == "replaced"

    @H
    @pytest.mark.parametrize("prefix", ["/cgi-bin/sts.cgi", "/proxied/sts.cgi", "/raw/x"])
    def test_300_fields(self, add_server, prefix, http2):
        r = add_server.get(prefix + "?sts=max-age%3D600&repeat=300", http2=http2)
        assert r.status == 200
        assert r.sts == [POLICY]
        assert add_server.log_entry(r)["action"] == "replaced"

    def test_300_mixed_fields_raw_socket(self, add_server):
        r = add_server.raw_get("/raw/x?sts=max-age%3D1&sts=junk%3B%3B%3D&repeat=150")
        assert r.status == 200
        assert r.raw_head.lower().count(b"strict-transport-security:") == 1
        assert r.sts == [POLICY]

    def test_server_still_healthy(self, add_server):
        for http2 in (False, True):
            r = add_server.get("/", http2=http2)
            assert (r.status, r.sts) == (200, [POLICY])


class TestReportMode:
    """report never modifies: httpd's own behaviour shows through, nothing crashes."""

    @H
    def test_300_fields_untouched(self, report_server, http2):
        r = report_server.get("/raw/x?sts=max-age%3D600&repeat=300", http2=http2)
        assert r.status == 200
        assert r.sts == ["max-age=600"] * 300
        e = report_server.log_entry(r)
        assert e["action"] == "none"
        assert "header.multiple" in finding_codes(e)

    @H
    @pytest.mark.parametrize("prefix", ["/cgi-bin/sts.cgi", "/raw/x"])
    def test_8k_value_untouched(self, report_server, prefix, http2):
        r = report_server.get(prefix + "?big=8000", http2=http2)
        assert r.status == 200
        assert [len(v) for v in r.sts] == [8000]
        assert report_server.log_entry(r)["action"] == "none"

    @pytest.mark.parametrize("prefix", ["/cgi-bin/sts.cgi", "/raw/x"])
    def test_control_characters_left_to_httpd(self, report_server, prefix):
        report_server.allow(r"AH02430", r"AH01110")
        r = report_server.get(prefix + "?sts=" + qv(CTL_VALUES[0]), check=False)
        assert r.status == 500          # httpd's own verdict (AH02430)
        assert r.sts == []

    def test_server_still_healthy(self, report_server):
        for http2 in (False, True):
            r = report_server.get("/", http2=http2)
            assert (r.status, r.sts) == (200, [])
