"""The self-check and preload standing (design.md section 5c, issue 15): a vhost
that sends preload asks itself, from the watch and over its own addresses
(http://NAME/ and https://NAME/ mapped to this server's vhosts for NAME, wherever
they listen), what hstspreload.org asks; hstspreload's codes are problems, and the
verdict is in every status format. Real httpd, HSTSCertCheckInterval 10s; the
plain-HTTP vhost's redirect comes from an .htaccess file, so it can change while
the server runs."""

import re
import time

from common.env import make_world_readable
from common.logs import module_lines
from common.status import STATUS_LOCATION, status_json, status_page
from common.status import vhost as vhost_doc

INTERVAL = 10
SLACK = 8
NAME = "pre.hsts.test"
LINES = (r"HSTS00048: ", r"HSTS00049: ")


def body(extra_tls=""):
    return ("<VirtualHost 127.0.0.1:@PORT0@>\n"
            "    ServerName %s\n"
            "    SSLEngine on\n"
            '    SSLCertificateFile "@SERVER_CERT@"\n'
            '    SSLCertificateKeyFile "@SERVER_KEY@"\n'
            "    HSTSMaxAge 1y\n"
            "    HSTSIncludeSubDomains On\n"
            "    HSTSPreload On\n"
            "%s"
            "</VirtualHost>\n"
            "<VirtualHost 127.0.0.1:@PORT1@>\n"
            "    ServerName %s\n"
            '    DocumentRoot "@ROOT@/plain"\n'
            '    <Directory "@ROOT@/plain">\n'
            "        AllowOverride FileInfo\n"
            "        Require all granted\n"
            "    </Directory>\n"
            "</VirtualHost>\n" % (NAME, extra_tls, NAME))


def redirect_to(s, target):
    d = s.root / "plain"
    d.mkdir(exist_ok=True)
    (d / ".htaccess").write_text("Redirect permanent / %s\n" % target)
    (d / "index.html").write_text("plain\n")
    make_world_readable(d)


def preload_of(s):
    return vhost_doc(status_json(s), "%s:%d" % (NAME, s.extra_ports[0]))


def wait_verdict(s, verdict, timeout):
    end = time.time() + timeout
    while True:
        v = preload_of(s)
        if v["preload"]["verdict"] == verdict:
            return v
        if time.time() > end:
            raise AssertionError("not %s within %ss: %r" % (verdict, timeout, v["preload"]))
        time.sleep(0.5)


def test_preload_standing_follows_the_redirect(httpd_factory):
    s = httpd_factory.make(hsts_global="HSTSCertCheckInterval %ds\n" % INTERVAL,
                           https_body=STATUS_LOCATION, body=body(), extra_ports=2,
                           allow_errors=LINES)
    redirect_to(s, "https://%s/" % NAME)
    s.start()
    name = "%s:%d" % (NAME, s.extra_ports[0])
    v = preload_of(s)
    # before the watch's first run: not checked yet
    assert v["preload"]["verdict"] == "unknown" and v["preload"]["checked_at"] is None
    v = wait_verdict(s, "eligible", INTERVAL + SLACK)
    assert v["preload"]["codes"] == [] and v["preload"]["checked_at"] is not None
    assert v["preload"]["note"] is None
    assert v["problems"] == []
    idx = [x["name"] for x in status_json(s)["vhosts"]].index(name) + 1
    assert "\nHstsAuditVhost.%d.PreloadEligible: 1\n" % idx in status_page(s, "auto").text
    assert ('hsts_audit_preload_eligible{vhost="%s"} 1\n' % name
            in status_page(s, "metrics").text)
    assert "<div>Preload: <span class=\"ok\">eligible</span>; checked " in status_page(s).text

    # the plain-HTTP vhost now redirects to www first: at risk at the next run
    redirect_to(s, "https://www.%s/" % NAME)
    changed = time.time()
    v = wait_verdict(s, "at risk", INTERVAL + SLACK)
    assert time.time() - changed <= INTERVAL + SLACK
    assert "redirects.http.www_first" in v["preload"]["codes"]
    # www.pre.hsts.test is not served here: the check does not go out to ask it
    assert v["preload"]["note"] == ("not followed, this server does not serve them: "
                                    "https://www.%s/" % NAME), v["preload"]
    www = [p for p in v["problems"] if p["code"] == "redirects.http.www_first"]
    assert len(www) == 1 and www[0]["severity"] == "error"
    assert "https://www.%s/" % NAME in www[0]["detail"]
    assert www[0]["fix"]
    assert "\nHstsAuditVhost.%d.PreloadEligible: 0\n" % idx in status_page(s, "auto").text
    metrics = status_page(s, "metrics").text
    assert 'hsts_audit_preload_eligible{vhost="%s"} 0\n' % name in metrics
    assert ('hsts_audit_problem{vhost="%s",code="redirects.http.www_first",severity="error"} 1'
            % name in metrics)
    html = status_page(s).text
    assert re.search(r"<div>Preload: <span class=\"warning\">at risk</span>: [^<]*"
                     r"redirects\.http\.www_first", html), html
    assert [l.split(": ", 2)[1] for l in module_lines(s.read_error_log(), "HSTS00048")
            if "www_first" in l] == ["redirects.http.www_first appeared on vhost %s" % name]

    # a graceful restart (logrotate does one daily) keeps the standing and
    # since when, rather than "unknown" until the next run of the watch
    since = www[0]["since"]
    s.graceful()
    v = preload_of(s)
    assert v["preload"]["verdict"] == "at risk", v["preload"]
    assert [(p["code"], p["since"]) for p in v["problems"]] == [
        ("redirects.http.www_first", since)]
    assert 'hsts_audit_preload_eligible{vhost="%s"} 0\n' % name in status_page(s, "metrics").text

    # fixed, and a graceful restart: eligible again after the next run
    redirect_to(s, "https://%s/" % NAME)
    s.graceful()
    v = wait_verdict(s, "eligible", INTERVAL + SLACK)
    assert v["problems"] == []
    assert 'hsts_audit_preload_eligible{vhost="%s"} 1\n' % name in status_page(s, "metrics").text


def test_a_vhost_without_preload_has_no_verdict(httpd_factory):
    """HSTSSelfCheck off (or a policy without preload): no preload object, no
    series; HSTSSelfCheck on without preload: problems, but no verdict."""
    s = httpd_factory.make(hsts_global="HSTSCertCheckInterval %ds\n" % INTERVAL,
                           https_body=STATUS_LOCATION,
                           body=body("    HSTSSelfCheck off\n"), extra_ports=2)
    redirect_to(s, "https://%s/" % NAME)
    s.start()
    time.sleep(INTERVAL + SLACK)
    v = preload_of(s)
    assert v["preload"] is None
    assert "hsts_audit_preload_eligible" not in status_page(s, "metrics").text
