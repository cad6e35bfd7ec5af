"""Bad configuration must stop `apache2 -t` (and so startup) with a message that
names the directive (design.md section 2)."""

import pytest

from common.httpd_conf import line_of


@pytest.mark.parametrize("body,must_name", [
    ("HSTSMaxAge forever", "HSTSMaxAge"),
    ("HSTSMaxAge -5", "HSTSMaxAge"),
    ("HSTSMaxAge 10x", "HSTSMaxAge"),
    ("HSTSMaxAge y", "HSTSMaxAge"),
    ("HSTSMaxAge 1y 2", "HSTSMaxAge"),
    ("HSTSMaxAge", "HSTSMaxAge"),
    ("HSTSMode sometimes", "HSTSMode"),
    ("HSTSMode", "HSTSMode"),
    ("HSTSIncludeSubDomains maybe", "HSTSIncludeSubDomains"),
    ("HSTSPreload yes", "HSTSPreload"),
], ids=["forever", "negative", "unknown-unit", "unit-only", "two-args",
        "no-arg", "mode-sometimes", "mode-no-arg", "isd-maybe", "preload-yes"])
def test_bad_value_fails_configtest(httpd_factory, body, must_name):
    rc, out = httpd_factory.configtest(body + "\n")
    assert rc != 0, out
    assert must_name in out, out
    assert "Syntax OK" not in out
    assert "Invalid command" not in out, out   # the module knows the directive


@pytest.mark.parametrize("body,must_name", [
    ("HSTSMaxAge 600\nHSTSIncludeSubDomains On\nHSTSPreload On", "31536000"),
    ("HSTSMaxAge 18w\nHSTSIncludeSubDomains On\nHSTSPreload On", "31536000"),
    ("HSTSMaxAge 31535999\nHSTSIncludeSubDomains On\nHSTSPreload On", "31536000"),
    ("HSTSMaxAge 1y\nHSTSPreload On", "includeSubDomains"),
    ("HSTSMaxAge 1y\nHSTSIncludeSubDomains Off\nHSTSPreload On", "includeSubDomains"),
], ids=["600", "18w", "1y-minus-1", "no-isd", "isd-off"])
def test_preload_requirements_fail_configtest(httpd_factory, body, must_name):
    rc, out = httpd_factory.configtest(body + "\n")
    assert rc != 0, out
    assert must_name in out, out
    assert "HSTSPreload" in out or "preload" in out.lower(), out
    assert "Invalid command" not in out, out


def test_preload_requirements_in_vhost(httpd_factory):
    rc, out = httpd_factory.configtest(
        https_body="    HSTSMaxAge 18w\n    HSTSIncludeSubDomains On\n    HSTSPreload On\n")
    assert rc != 0, out
    assert "31536000" in out, out


def test_preload_without_max_age_fails(httpd_factory):
    rc, out = httpd_factory.configtest("HSTSPreload On\n")
    assert rc != 0, out
    assert "Invalid command" not in out, out


@pytest.mark.parametrize("body", [
    "HSTSMaxAge 1y\nHSTSIncludeSubDomains On\nHSTSPreload On",
    "HSTSMaxAge 31536000\nHSTSIncludeSubDomains on\nHSTSPreload on",
    "HSTSMaxAge 2y\nHSTSIncludeSubDomains On\nHSTSPreload On",
    "HSTSMaxAge 18w",
    "HSTSMaxAge 0",
    "HSTSMaxAge 1y\nHSTSMode off\nHSTSMode report\nHSTSMode add\nHSTSMode enforce",
    "HSTSMaxAge 1y\nHSTSMode ENFORCE",
    "HSTSIncludeSubDomains Off\nHSTSPreload Off",
], ids=["preload-ok", "preload-ok-lowercase-flags", "preload-2y", "18w", "zero",
        "all-modes", "mode-case", "flags-off"])
def test_good_config_passes_configtest(httpd_factory, body):
    rc, out = httpd_factory.configtest(body + "\n")
    assert (rc, out.strip()) == (0, "Syntax OK"), out


def test_bad_htaccess_value_is_500_naming_directive(httpd_factory):
    s = httpd_factory.start(files={"htdocs/bad/index.html": "x\n",
                                   "htdocs/bad/.htaccess": "HSTSMaxAge forever\n"})
    s.allow(r"\.htaccess: HSTSMaxAge")
    r = s.get("/bad/")
    assert r.status == 500
    s.wait_pending()
    lines = [l for l in s.read_error_log().splitlines() if ".htaccess" in l]
    assert lines and all("HSTSMaxAge" in l for l in lines), lines
    assert not any("Invalid command" in l for l in lines), lines


def test_htaccess_needs_allowoverride_fileinfo(httpd_factory):
    s = httpd_factory.start(
        body='<Directory "@ROOT@/htdocs/noov">\n    AllowOverride None\n</Directory>\n',
        files={"htdocs/noov/index.html": "x\n", "htdocs/noov/.htaccess": "HSTSMaxAge 600\n",
               "htdocs/ov/index.html": "x\n", "htdocs/ov/.htaccess": "HSTSMaxAge 600\n"})
    assert s.get("/noov/").sts == []          # .htaccess not read
    assert s.get("/ov/").sts == ["max-age=600"]


def test_startup_error_names_where(httpd_factory):
    """HSTS00001 names the file:line where the scope's policy was written, and the
    vhost as host:port with where it is defined (issue 14: it said `hsts.test:0`,
    so a :80 and a :443 vhost of one name could not be told apart)."""
    h = httpd_factory.make(
        https_body="    HSTSMaxAge 18w\n    HSTSIncludeSubDomains On\n    HSTSPreload On\n")
    rc, out = h.configtest()
    conf = h.conf_path.read_text()
    vhost_line = line_of(conf, "<VirtualHost 127.0.0.1:%d>" % h.https_port)
    assert rc != 0, out
    assert "HSTS00001: mod_hsts_audit: HSTSPreload On needs HSTSMaxAge of at least " in out, out
    assert "(set at %s:%d; virtual host hsts.test:%d defined at %s:%d, scope server/vhost)" % (
        h.conf_path, line_of(conf, "HSTSPreload On"), h.https_port, h.conf_path,
        vhost_line) in out, out


def test_startup_error_in_a_location_names_it(httpd_factory):
    h = httpd_factory.make(
        http_body="    <Location /x>\n        HSTSMode add\n    </Location>\n")
    rc, out = h.configtest()
    conf = h.conf_path.read_text()
    assert rc != 0, out
    assert "(set at %s:%d; virtual host hsts.test:%d defined at %s:%d, scope /x)" % (
        h.conf_path, line_of(conf, "HSTSMode add"), h.http_port, h.conf_path,
        line_of(conf, "<VirtualHost 127.0.0.1:%d>" % h.http_port)) in out, out


def test_header_over_http_fix_works_on_a_plain_http_vhost(httpd_factory):
    """What header.over_http tells the administrator to do works on a :80 vhost
    (issue 14: it said "HSTSMode add", which alone fails configtest there)."""
    sts = '    Header always set Strict-Transport-Security "max-age=600"\n'
    rc, out = httpd_factory.configtest(http_body=sts + "    HSTSMode add\n",
                                       modules=("headers",))
    assert rc != 0 and "HSTS00001" in out, out       # the old advice
    s = httpd_factory.start(http_body=sts + "    HSTSMaxAge 1y\n", modules=("headers",))
    r = s.get("/page.html", tls=False)
    assert r.status == 200 and r.sts == []
    assert s.log_entry(r)["action"] == "removed"


@pytest.mark.parametrize("htaccess, sent, codes", [
    ("HSTSPreload On\n", "max-age=2592000; preload",
     "header.preloadable.include_sub_domains.missing,header.preloadable.max_age.below_1_year"),
    ("HSTSPreload On\nHSTSIncludeSubDomains On\n", "max-age=2592000; includeSubDomains; preload",
     "header.preloadable.max_age.below_1_year"),
    ("HSTSPreload On\nHSTSIncludeSubDomains On\nHSTSMaxAge 1y\n",
     "max-age=31536000; includeSubDomains; preload", "ok"),
], ids=["preload-only", "preload-isd", "preloadable"])
def test_htaccess_preload_is_judged_per_request(httpd_factory, htaccess, sent, codes):
    """HSTSPreload On in .htaccess: configtest cannot see .htaccess files, so
    the merged per-directory policy is judged at request time and what is not
    preloadable is reported like a header's (issue 14: it sent
    `max-age=2592000; preload` with no finding)."""
    s = httpd_factory.start(hsts_global="HSTSMaxAge 30d\n",
                            files={"htdocs/p/index.html": "x\n", "htdocs/p/.htaccess": htaccess})
    r = s.get("/p/")
    assert r.status == 200
    assert r.sts == [sent]
    assert s.log_entry(r)["audit"] == codes
