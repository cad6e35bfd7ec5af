"""Scope merging and durations (design.md section 2: "the inner scope overrides only
what it sets"; HSTSMaxAge units s m h d w y; contexts S V D H)."""

from urllib.parse import quote

import pytest

from common.logs import finding_codes

FULL = "max-age=31536000; includeSubDomains"

SCOPES_VHOST = """\
    HSTSMaxAge 1y
    HSTSIncludeSubDomains On
    <Location /short>
        HSTSMaxAge 600
    </Location>
    <Location /quiet>
        HSTSMode off
    </Location>
    <Location /nosub>
        HSTSIncludeSubDomains Off
    </Location>
    <Location /rep>
        HSTSMode report
    </Location>
    <Location /enf-cgi>
        HSTSMode enforce
    </Location>
    <Directory "@ROOT@/htdocs/dirscope">
        HSTSMaxAge 1d
    </Directory>
    ScriptAlias /enf-cgi/ "@ROOT@/cgi-bin/"
    ProxyPass /quiet/raw/ http://127.0.0.1:@RAW_PORT@/
"""

SCOPE_FILES = {
    "htdocs/short/index.html": "short\n",
    "htdocs/quiet/index.html": "quiet\n",
    "htdocs/nosub/index.html": "nosub\n",
    "htdocs/rep/index.html": "rep\n",
    "htdocs/dirscope/index.html": "dirscope\n",
    "htdocs/ht/index.html": "ht\n",
    "htdocs/ht/.htaccess": "HSTSMaxAge 600\n",
    "htdocs/ht2/index.html": "ht2\n",
    "htdocs/ht2/.htaccess": "HSTSMaxAge 2h\nHSTSIncludeSubDomains Off\n",
    "htdocs/htoff/index.html": "htoff\n",
    "htdocs/htoff/.htaccess": "HSTSMode off\n",
}


@pytest.fixture(scope="module")
def scope_server(module_httpd_factory):
    return module_httpd_factory.start(https_body=SCOPES_VHOST, files=SCOPE_FILES)


H = pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])


class TestScopes:
    @H
    @pytest.mark.parametrize("path,expected", [
        ("/", [FULL]),
        ("/page.html", [FULL]),
        ("/missing", [FULL]),
        ("/short/", ["max-age=600; includeSubDomains"]),
        ("/short/missing", ["max-age=600; includeSubDomains"]),
        ("/quiet/", []),
        ("/nosub/", ["max-age=31536000"]),
        ("/rep/", []),
        ("/dirscope/", ["max-age=86400; includeSubDomains"]),
        ("/ht/", ["max-age=600; includeSubDomains"]),
        ("/ht2/", ["max-age=7200"]),
        ("/htoff/", []),
    ])
    def test_policy_per_scope(self, scope_server, path, expected, http2):
        r = scope_server.get(path, http2=http2)
        assert r.status == (404 if "missing" in path else 200)
        assert r.sts == expected

    @pytest.mark.parametrize("values", [("max-age=abc",), ("max-age=1", "max-age=2")])
    def test_location_mode_off_leaves_backend_fields(self, scope_server, values):
        qs = "&".join("sts=" + quote(v, safe="") for v in values)
        r = scope_server.get("/quiet/raw/x?" + qs)
        assert r.sts == list(values)
        e = scope_server.log_entry(r)
        assert (e["audit"], e["action"], e["max_age"]) == ("-", "-", "-")

    @H
    def test_location_enforce_overrides_vhost_add(self, scope_server, http2):
        v = quote("max-age=600", safe="")
        r = scope_server.get("/cgi-bin/sts.cgi?sts=" + v, http2=http2)
        assert r.sts == ["max-age=600"]              # add: valid value kept
        assert scope_server.log_entry(r)["action"] == "kept"
        r = scope_server.get("/enf-cgi/sts.cgi?sts=" + v, http2=http2)
        assert r.sts == [FULL]                       # enforce in <Location>
        assert scope_server.log_entry(r)["action"] == "replaced"

    def test_location_report_does_not_add(self, scope_server):
        r = scope_server.get("/rep/")
        e = scope_server.log_entry(r)
        assert e["action"] == "none"
        assert "header.missing" in finding_codes(e)

    def test_notes_follow_scope(self, scope_server):
        r = scope_server.get("/short/")
        e = scope_server.log_entry(r)
        assert (e["action"], e["max_age"]) == ("added", "600")


def test_preload_policy_string(httpd_factory):
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n"
                                        "HSTSPreload On\n")
    for http2 in (False, True):
        r = s.get("/", http2=http2)
        assert r.sts == ["max-age=31536000; includeSubDomains; preload"]
        e = s.log_entry(r)
        assert (e["action"], e["max_age"]) == ("added", "31536000")


def test_preload_off_explicit(httpd_factory):
    s = httpd_factory.start(hsts_global="HSTSMaxAge 2y\nHSTSIncludeSubDomains Off\n"
                                        "HSTSPreload Off\n")
    r = s.get("/")
    assert r.sts == ["max-age=63072000"]
    assert s.log_entry(r)["max_age"] == "31536000"   # Chromium stores at most one year


def test_vhost_overrides_server(httpd_factory):
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
                            https_body="    HSTSMaxAge 1w\n")
    assert s.get("/").sts == ["max-age=604800; includeSubDomains"]


# --------------------------------------------------------------------------
# durations
# --------------------------------------------------------------------------

DURATIONS = [
    ("600", 600),
    ("31536000", 31536000),
    ("45s", 45),
    ("10m", 600),
    ("2h", 7200),
    ("1d", 86400),
    ("18w", 10886400),
    ("1y", 31536000),
    ("2y", 63072000),
]


@pytest.fixture(scope="module")
def units_server(module_httpd_factory):
    body = "".join("    <Location /u/%s>\n        HSTSMaxAge %s\n    </Location>\n" % (u, u)
                   for u, _ in DURATIONS)
    files = {"htdocs/u/%s" % u: "%s\n" % u for u, _ in DURATIONS}
    return module_httpd_factory.start(https_body=body, files=files)


@pytest.mark.parametrize("value,seconds", DURATIONS, ids=[d[0] for d in DURATIONS])
def test_max_age_units(units_server, value, seconds):
    r = units_server.get("/u/" + value)
    assert r.status == 200
    assert r.sts == ["max-age=%d" % seconds]
    e = units_server.log_entry(r)
    assert e["action"] == "added"
    assert e["max_age"] == str(min(seconds, 31536000))


def test_units_server_root_has_no_policy(units_server):
    # HSTSMaxAge only inside <Location /u/...>: elsewhere mode report, no policy
    r = units_server.get("/")
    assert r.sts == []
    assert units_server.log_entry(r)["action"] == "none"


def test_graceful_restart_applies_new_policy(httpd_factory):
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\n")
    assert s.get("/").sts == ["max-age=31536000"]
    s.rewrite_conf(s.conf_text.replace("HSTSMaxAge 1y\n",
                                       "HSTSMaxAge 1d\nHSTSIncludeSubDomains On\n"))
    s.graceful()
    for http2 in (False, True):
        r = s.get("/", http2=http2)
        assert r.sts == ["max-age=86400; includeSubDomains"]
        assert s.log_entry(r)["max_age"] == "86400"
