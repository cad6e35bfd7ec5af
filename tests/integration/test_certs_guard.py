"""The HSTS lock-out guard (design.md sections 2 "HSTSGuard", 4 guard.*, 5):
HSTS00021 guard.subdomain_not_https when a vhost's includeSubDomains pins a
subdomain this server serves over plain HTTP only or with a failing certificate,
and HSTSGuard withhold (HSTS00022 at startup, then no Strict-Transport-Security
from that vhost: action `withheld`, counted as sts_withheld, not as the error
header.missing: the module withheld it on purpose, issue 14).

Every server below has the harness's TLS vhost hsts.test (ServerAlias www.hsts.test
localhost, good certificate covering *.hsts.test) and plain-HTTP vhost hsts.test.
"""

import time
from urllib.parse import quote

import pytest

from common.logs import finding_codes, module_lines

POLICY = "max-age=31536000; includeSubDomains"
POLICY_NO_ISD = "max-age=31536000"

ISD = "    HSTSMaxAge 1y\n    HSTSIncludeSubDomains On\n"

GUARD_TEXT = ("Visitors see NET::ERR_CERT_* or ERR_CONNECTION_REFUSED on the subdomain, with "
              "no way to click through. Fix: serve the subdomain over HTTPS with a good "
              "certificate before sending includeSubDomains.")


def guard_line(vhost, names):
    return ("HSTS00021: guard.subdomain_not_https: vhost %s sends includeSubDomains, but "
            "these subdomains are not served over HTTPS with a valid certificate here: "
            "%s. %s" % (vhost, " ".join(names), GUARD_TEXT))


def withhold_line(vhost, what):
    return ("HSTS00022: HSTSGuard withhold: vhost %s sends no Strict-Transport-Security "
            "until its %s fixed (see the findings above)" % (vhost, what))


def guard_lines(server):
    """{vhost: (set of listed names, line)} of the HSTS00021 lines."""
    out = {}
    for line in module_lines(server.read_error_log(), "HSTS00021"):
        vh = line.split(" vhost ", 1)[1].split(" ", 1)[0]
        names = line.split(" certificate here: ", 1)[1].split(". Visitors see", 1)[0]
        assert vh not in out, "two HSTS00021 lines for %s" % vh
        out[vh] = (names.split(" "), line)
    return out


def http_vhost(name, aliases=()):
    alias = "    ServerAlias %s\n" % " ".join(aliases) if aliases else ""
    return ("<VirtualHost 127.0.0.1:@HTTP_PORT@>\n    ServerName %s\n%s</VirtualHost>\n"
            % (name, alias))


def tls_vhost(name, cert, extra="", port="@HTTPS_PORT@", aliases=()):
    alias = "    ServerAlias %s\n" % " ".join(aliases) if aliases else ""
    return ("<VirtualHost 127.0.0.1:%s>\n    ServerName %s\n%s    SSLEngine on\n"
            '    SSLCertificateFile "%s"\n    SSLCertificateKeyFile "%s"\n'
            "    ProxyPass /proxied/ http://127.0.0.1:@BACKEND_PORT@/cgi-bin/\n"
            "    ProxyPass /raw/ http://127.0.0.1:@RAW_PORT@/\n"
            "%s</VirtualHost>\n" % (port, name, alias, cert.chain, cert.key, extra))


# --------------------------------------------------------------------------
# guard.subdomain_not_https (HSTSGuard warn, the default)
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def warn_server(module_httpd_factory, pki):
    s = pki.server
    body = (http_vhost("legacy.hsts.test")                       # plain HTTP only
            + tls_vhost("old.hsts.test", s("expired"))           # TLS, expired certificate
            + http_vhost("fixed.hsts.test")                      # HTTP and ...
            + tls_vhost("fixed.hsts.test", s("good"))            # ... TLS with a good one
            + tls_vhost("soon.hsts.test", s("expiring")))        # warning only: safe
    return module_httpd_factory.start(https_body=ISD, body=body)


class TestSubdomainNotHttps:
    def test_line_lists_http_only_and_failing_subdomains(self, warn_server):
        lines = guard_lines(warn_server)
        vh = "hsts.test:%d" % warn_server.https_port
        assert list(lines) == [vh], lines
        names, line = lines[vh]
        assert sorted(names) == ["legacy.hsts.test", "old.hsts.test"], line
        assert line == guard_line(vh, names)

    def test_logged_once_per_start(self, warn_server):
        assert len(module_lines(warn_server.read_error_log(), "HSTS00021")) == 1

    def test_warn_still_sends_the_header(self, warn_server):
        assert not module_lines(warn_server.read_error_log(), "HSTS00022")
        r = warn_server.get("/")
        assert r.status == 200
        assert r.sts == [POLICY]
        e = warn_server.log_entry(r)
        assert e["action"] == "added" and e["audit"] == "ok"

    def test_graceful_restart_logs_it_again(self, warn_server):
        before = len(warn_server.read_error_log())
        warn_server.graceful()
        deadline = time.time() + 5
        while time.time() < deadline and \
                not module_lines(warn_server.read_error_log()[before:], "HSTS00021"):
            time.sleep(0.05)
        new = module_lines(warn_server.read_error_log()[before:], "HSTS00021")
        assert len(new) == 1
        assert sorted(new[0].split(" certificate here: ")[1].split(". ")[0].split()) == \
            ["legacy.hsts.test", "old.hsts.test"]


@pytest.fixture(scope="module")
def quiet_server(module_httpd_factory, pki):
    """No line expected: hsts.test:<https> has includeSubDomains with HSTSGuard off,
    hsts.test:<port0> has a policy without includeSubDomains; legacy.hsts.test is
    plain HTTP only."""
    good = pki.server("good")
    body = (http_vhost("legacy.hsts.test")
            + tls_vhost("hsts.test", good, port="@PORT0@", aliases=("www.hsts.test",),
                        extra="    HSTSMaxAge 1y\n"))
    return module_httpd_factory.start(https_body=ISD + "    HSTSGuard off\n", body=body,
                                      extra_ports=1)


@pytest.fixture(scope="module")
def fixed_server(module_httpd_factory, pki):
    """includeSubDomains, and legacy.hsts.test is served over HTTP and over TLS with
    a good certificate: nothing to report."""
    body = http_vhost("legacy.hsts.test") + tls_vhost("legacy.hsts.test", pki.server("good"))
    return module_httpd_factory.start(https_body=ISD, body=body)


class TestNoGuardLine:
    def test_good_tls_vhost_for_the_subdomain(self, fixed_server):
        log = fixed_server.read_error_log()
        assert not module_lines(log, "HSTS00021"), log
        assert not module_lines(log, "HSTS00020"), log
        assert fixed_server.get("/").sts == [POLICY]

    def test_without_include_subdomains_and_with_guard_off(self, quiet_server):
        log = quiet_server.read_error_log()
        assert not module_lines(log, "HSTS00021"), log
        assert not module_lines(log, "HSTS00022"), log
        # both still send their policies
        assert quiet_server.get("/").sts == [POLICY]
        assert quiet_server.get("/", port=quiet_server.extra_ports[0]).sts == [POLICY_NO_ISD]


# --------------------------------------------------------------------------
# HSTSGuard withhold
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def withhold_server(module_httpd_factory, pki):
    """hsts.test:<https>     add, includeSubDomains, withhold: legacy.hsts.test is plain
                             HTTP only -> withheld (subdomains)
    hsts.test:<port0>        enforce, includeSubDomains, withhold -> withheld (subdomains)
    expired.hsts.test        add, withhold, expired certificate -> withheld (certificate)
    good.hsts.test           add, withhold, nothing at risk -> header sent
    warnexp.hsts.test        add, expired certificate, HSTSGuard warn (default) -> header sent
    """
    s = pki.server
    wh = "    HSTSGuard withhold\n"
    body = (http_vhost("legacy.hsts.test")
            + tls_vhost("hsts.test", s("good"), port="@PORT0@", aliases=("www.hsts.test",),
                        extra=ISD + "    HSTSMode enforce\n" + wh)
            + tls_vhost("expired.hsts.test", s("expired"), extra="    HSTSMaxAge 1y\n" + wh)
            + tls_vhost("good.hsts.test", s("good"), extra="    HSTSMaxAge 1y\n" + wh)
            + tls_vhost("warnexp.hsts.test", s("expired"), extra="    HSTSMaxAge 1y\n"))
    return module_httpd_factory.start(https_body=ISD + wh, body=body, extra_ports=1)


BACKEND_STS = ["/cgi-bin/sts.cgi?sts=" + quote(POLICY, safe=""),
               "/proxied/sts.cgi?sts=" + quote("max-age=600", safe=""),
               "/raw/x?sts=" + quote(POLICY, safe="")]
BACKEND_IDS = ["cgi", "proxied", "raw"]


class TestWithhold:
    def test_startup_lines(self, withhold_server):
        log = withhold_server.read_error_log()
        got = sorted(module_lines(log, "HSTS00022"))
        want = sorted([
            withhold_line("hsts.test:%d" % withhold_server.https_port, "subdomains are"),
            withhold_line("hsts.test:%d" % withhold_server.extra_ports[0], "subdomains are"),
            withhold_line("expired.hsts.test:%d" % withhold_server.https_port,
                          "certificate is"),
        ])
        assert got == want, log
        # the risks themselves are reported too
        g = guard_lines(withhold_server)
        assert "legacy.hsts.test" in g["hsts.test:%d" % withhold_server.https_port][0]
        assert any("cert.expired" in l and "expired.hsts.test" in l
                   for l in module_lines(log, "HSTS00020"))

    @pytest.mark.parametrize("path,status", [("/", 200), ("/page.html", 200),
                                             ("/missing", 404)])
    @pytest.mark.parametrize("which", ["add", "enforce"])
    def test_no_header_while_subdomains_at_risk(self, withhold_server, which, path, status):
        port = withhold_server.https_port if which == "add" else withhold_server.extra_ports[0]
        r = withhold_server.get(path, port=port)
        assert r.status == status
        assert r.sts == []
        e = withhold_server.log_entry(r)
        assert e["action"] == "withheld"
        assert e["audit"] == "ok"                 # withheld on purpose: no header.missing
        assert e["max_age"] == "-"

    def test_no_header_while_own_certificate_fails(self, withhold_server):
        r = withhold_server.get("/", host="expired.hsts.test", cacert=None, insecure=True)
        assert r.status == 200
        assert r.sts == []
        e = withhold_server.log_entry(r)
        assert e["vhost"] == "expired.hsts.test"
        assert e["action"] == "withheld"
        assert e["audit"] == "ok"

    @pytest.mark.parametrize("which", ["add", "enforce"])
    @pytest.mark.parametrize("path", BACKEND_STS, ids=BACKEND_IDS)
    def test_backend_header_is_withheld_too(self, withhold_server, which, path):
        port = withhold_server.https_port if which == "add" else withhold_server.extra_ports[0]
        r = withhold_server.get(path, port=port)
        assert r.status == 200
        assert r.sts == []
        assert withhold_server.log_entry(r)["action"] == "withheld"

    @pytest.mark.parametrize("path", BACKEND_STS, ids=BACKEND_IDS)
    def test_backend_header_withheld_is_not_header_missing(self, withhold_server, path):
        r = withhold_server.get(path)
        assert r.sts == []
        assert "header.missing" not in finding_codes(withhold_server.log_entry(r))

    def test_withhold_without_risk_sends_the_header(self, withhold_server):
        r = withhold_server.get("/", host="good.hsts.test")
        assert r.sts == [POLICY_NO_ISD]
        e = withhold_server.log_entry(r)
        assert e["vhost"] == "good.hsts.test" and e["action"] == "added"

    def test_warn_with_failing_certificate_sends_the_header(self, withhold_server):
        r = withhold_server.get("/", host="warnexp.hsts.test", cacert=None, insecure=True)
        assert r.sts == [POLICY_NO_ISD]
        assert withhold_server.log_entry(r)["action"] == "added"

    def test_plain_http_unchanged(self, withhold_server):
        r = withhold_server.get("/", tls=False, host="legacy.hsts.test")
        assert r.status == 200 and r.sts == []
        assert withhold_server.log_entry(r)["action"] == "none"

    def test_still_withheld_after_graceful_restart(self, withhold_server):
        before = len(withhold_server.read_error_log())
        withhold_server.graceful()
        deadline = time.time() + 5
        while time.time() < deadline and \
                len(module_lines(withhold_server.read_error_log()[before:], "HSTS00022")) < 3:
            time.sleep(0.05)
        assert len(module_lines(withhold_server.read_error_log()[before:], "HSTS00022")) == 3
        r = withhold_server.get("/")
        assert r.sts == []
        assert withhold_server.log_entry(r)["action"] == "withheld"


def test_main_server_name_is_not_a_served_subdomain(httpd_factory):
    """Debian leaves the main ServerName at the machine's name (here box.hsts.test).
    Requests for it are answered by the first vhost of each address (hsts.test over
    HTTP, and over TLS the hsts.test vhost whose certificate covers *.hsts.test)."""
    s = httpd_factory.start(https_body=ISD, body="ServerName box.hsts.test\n")
    r = s.get("/", tls=False, host="box.hsts.test")
    assert s.log_entry(r)["vhost"] == "hsts.test"      # the main server does not answer
    assert not module_lines(s.read_error_log(), "HSTS00021"), s.read_error_log()
