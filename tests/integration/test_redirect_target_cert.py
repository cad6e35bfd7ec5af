"""redirects.https.target_cert_invalid (design.md section 4): an HTTPS response
that redirects to https://H/ where this server would serve H a certificate that
does not cover H, or that fails the audit (the classic "HTTPS traffic routed to a
different host with a different certificate"). Real httpd, real redirects
(mod_alias `Redirect`), the module's access-log note and counters.

The harness's TLS vhost hsts.test (its certificate: hsts.test, www.hsts.test,
*.hsts.test, localhost) is the default TLS vhost. Added here:
- other.example: a plain-HTTP vhost only: https://other.example/ reaches the
  default TLS vhost, whose certificate does not cover it;
- old.hsts.test: a TLS vhost whose (expired) certificate covers the name but
  fails the audit;
- wild.hsts.test: named only by the default vhost's certificate wildcard, served
  by no vhost name: the default vhost answers with a certificate that covers it.
"""

import pytest

from common.status import STATUS_LOCATION, status_json

CODE = "redirects.https.target_cert_invalid"

REDIRECTS = ("    Redirect 302 /to-other https://other.example/x\n"
             "    Redirect 302 /to-other-port https://OTHER.example.:8443/x\n"
             "    Redirect 301 /to-old https://old.hsts.test/\n"
             "    Redirect 302 /to-www https://www.hsts.test/\n"
             "    Redirect 302 /to-wild https://wild.hsts.test/\n"
             "    Redirect 302 /to-elsewhere https://elsewhere.example/\n"
             "    Redirect 302 /to-plain http://other.example/\n"
             + STATUS_LOCATION)


@pytest.fixture(scope="module")
def server(module_httpd_factory, pki):
    expired = pki.server("expired")
    body = ("<VirtualHost 127.0.0.1:@HTTP_PORT@>\n"
            "    ServerName other.example\n"
            "</VirtualHost>\n"
            "<VirtualHost 127.0.0.1:@HTTPS_PORT@>\n"
            "    ServerName old.hsts.test\n"
            "    SSLEngine on\n"
            '    SSLCertificateFile "%s"\n'
            '    SSLCertificateKeyFile "%s"\n'
            "</VirtualHost>\n" % (expired.chain, expired.key))
    return module_httpd_factory.start(hsts_global="HSTSMaxAge 1y\n", https_body=REDIRECTS,
                                      body=body)


@pytest.mark.parametrize("path, status, finding", [
    ("/to-other", 302, True),             # the default vhost's certificate: not covered
    ("/to-other-port", 302, True),        # port, case and trailing dot do not matter
    ("/to-old", 301, True),               # covered, but the certificate has expired
    ("/to-www", 302, False),              # served by name, covered, passing
    ("/to-wild", 302, False),             # the default vhost's wildcard covers it
    ("/to-elsewhere", 302, False),        # not a name of this server: not judged
])
@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_redirect_target(server, path, status, finding, http2):
    r = server.get(path, http2=http2)
    assert r.status == status
    entry = server.log_entry(r)
    assert entry["audit"] == (CODE if finding else "ok"), entry


def test_downgrade_is_its_own_finding(server):
    r = server.get("/to-plain")
    assert server.log_entry(r)["audit"] == "redirects.downgrade"


def test_not_judged_on_plain_http(server):
    """A plain-HTTP redirect to https:// is about redirects.http.*, not this."""
    r = server.get("/to-other", tls=False)
    assert CODE not in server.log_entry(r)["audit"]


def test_counted_and_logged_as_an_error(server):
    before = status_json(server)["findings"][CODE]
    for _ in range(3):
        server.log_entry(server.get("/to-other"))
    assert status_json(server)["findings"][CODE] == before + 3
    lines = [l for l in server.read_error_log().splitlines() if CODE in l]
    assert lines, "no HSTS00010 line"
    assert "[hsts_audit:error]" in lines[0] and "HSTS00010: " + CODE + ": " in lines[0]
