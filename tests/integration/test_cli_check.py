"""`hsts-audit check` (design.md sections 5c and 8, issue 15) against a real
httpd with mod_ssl on loopback: one name-based vhost pair (HTTPS and plain
HTTP) per misconfiguration, each producing hstspreload's code for it. The CLI
reaches them with --connect-to NAME:443 / NAME:80 / www.NAME:443 mapped to the
probed ports and trusts the test root (--ca-file). The module is not loaded:
the headers come from mod_headers, the redirects from mod_alias, as an
administrator would write them.
"""

import datetime
import json
import socketserver

import pytest

from common.backend import BackgroundServer
from common.cli import run_cli
from common.pki import SERVER_LEAF_EXT, SUBJECT_O, new_csr
from common.ports import free_port

STS = "max-age=63072000; includeSubDomains; preload"
SET_STS = '    Header always set Strict-Transport-Security "%s"\n' % STS

# name -> (HTTPS vhost lines, plain-HTTP vhost lines, certificate kind, www served)
SITES = {
    "clean.test": (SET_STS, "    Redirect permanent / https://clean.test/\n", "good", True),
    "noredirect.test": (SET_STS, "", "good", False),
    "otherhost.test": (SET_STS, "    Redirect permanent / https://clean.test/\n", "good", False),
    "wwwfirst.test": (SET_STS, "    Redirect permanent / https://www.wwwfirst.test/\n",
                      "good", True),
    # https://httphop.test/ sends the visitor back to plain HTTP
    "httphop.test": (SET_STS + "    RedirectMatch 302 ^/$ http://httphop.test/landing\n",
                     "    RedirectMatch 301 ^/$ https://httphop.test/\n", "good", False),
    # http:// -> https://NAME/ -> /a -> /b -> /c: 4 hops
    "toomany.test": (SET_STS + "    RedirectMatch 302 ^/$ /a\n    RedirectMatch 302 ^/a$ /b\n"
                     "    RedirectMatch 302 ^/b$ /c\n    RedirectMatch 302 ^/c$ /d\n",
                     "    Redirect permanent / https://toomany.test/\n", "good", False),
    # the first hop (https://NAME/start) has no STS; https://NAME/ has it
    "firstnosts.test": ('    Header always set Strict-Transport-Security "%s" '
                        '"expr=%%{REQUEST_URI} != \'/start\'"\n' % STS,
                        "    RedirectMatch 301 ^/$ https://firstnosts.test/start\n",
                        "good", False),
    "multiple.test": ('    Header always add Strict-Transport-Security "%s"\n' % STS
                      + '    Header always add Strict-Transport-Security "max-age=300"\n',
                      "    Redirect permanent / https://multiple.test/\n", "good", False),
    "wwwnotls.test": (SET_STS, "    Redirect permanent / https://wwwnotls.test/\n", "good",
                      "plain"),
    "expired.test": (SET_STS, "    Redirect permanent / https://expired.test/\n", "expired",
                     False),
    "nochain.test": (SET_STS, "    Redirect permanent / https://nochain.test/\n", "nochain",
                     False),
    "sha1.test": (SET_STS + "    SSLCipherSuite DEFAULT:@SECLEVEL=0\n",
                  "    Redirect permanent / https://sha1.test/\n", "sha1", False),
    # 18 weeks: eligible under bulk-18-weeks, not bulk-1-year
    "weeks18.test": ('    Header always set Strict-Transport-Security '
                     '"max-age=10886400; includeSubDomains; preload"\n',
                     "    Redirect permanent / https://weeks18.test/\n", "good", False),
    # its HTTPS vhost is the only one on port @PORT0@ (OLD_CIPHER_VHOST)
    "oldcipher.test": (None, "    Redirect permanent / https://oldcipher.test/\n", "good",
                       False),
}

# A hostile server for hostile.test: plain HTTP straight from HostileServer (no
# httpd in between: control bytes reach curl as sent), HTTPS through httpd's
# mod_proxy to another one (httpd refuses control bytes from a backend, so
# markup only there).
HOSTILE_LOCATION = b"http://hostile.test/<script>\x1b[31m\x07?a=\"b\""
HOSTILE_STS = b'max-age=31536000; x="<script>\x1b[2J"'
HOSTILE_TLS_LOCATION = b"https://hostile.test/<script>?a=\"b\""
HOSTILE_TLS_STS = b'max-age=31536000; x="</script><b>"'


class HostileServer(BackgroundServer):
    """Answers every request with status, a redirect to location and STS sts."""

    def __init__(self, status, location, sts):
        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                self.wfile.write(b"HTTP/1.1 %d Moved\r\nLocation: %s\r\n"
                                 b"Strict-Transport-Security: %s\r\n"
                                 b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                                 % (status, location, sts))

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.port = free_port()
        self.serve(Server(("127.0.0.1", self.port), Handler))


def hostile_vhosts(key, chain, port):
    return ("<VirtualHost 127.0.0.1:@HTTPS_PORT@>\n    ServerName hostile.test\n"
            "    SSLEngine on\n    SSLCertificateFile \"%s\"\n"
            "    SSLCertificateKeyFile \"%s\"\n"
            "    ProxyPass / http://127.0.0.1:%d/\n</VirtualHost>\n" % (chain, key, port))


# TLS 1.2 with a CBC suite (the protocol and suites of an SNI vhost are the
# port's first vhost's, so it has a port of its own)
OLD_CIPHER_VHOST = ("<VirtualHost 127.0.0.1:@PORT0@>\n    ServerName oldcipher.test\n"
                    "    SSLEngine on\n    SSLCertificateFile \"%s\"\n"
                    "    SSLCertificateKeyFile \"%s\"\n"
                    "    SSLProtocol -all +TLSv1.2\n"
                    "    SSLCipherSuite ECDHE-ECDSA-AES128-SHA\n" + SET_STS
                    + "</VirtualHost>\n")

# what a follow of https://NAME/ says when its chain does not verify (hstspreload's
# Go client verifies every hop): the http:// walk, the first hop, the https:// walk
BAD_CHAIN = ["domain.tls.invalid_cert_chain", "redirects.follow_error",
             "redirects.http.first_redirect.invalid", "redirects.follow_error"]

EXPECTED = {
    "clean.test": [],
    "noredirect.test": ["redirects.http.no_redirect"],
    "otherhost.test": ["redirects.http.first_redirect.insecure"],
    "wwwfirst.test": ["redirects.http.www_first"],
    "httphop.test": ["redirects.insecure.subsequent", "redirects.insecure.initial"],
    "toomany.test": ["redirects.too_many", "redirects.too_many"],
    "firstnosts.test": ["redirects.http.first_redirect.no_hsts"],
    "multiple.test": ["response.multiple_headers"],
    "wwwnotls.test": ["domain.www.no_tls"],
    "expired.test": BAD_CHAIN + ["cert.expired"],
    "nochain.test": BAD_CHAIN + ["cert.chain_incomplete"],
    "oldcipher.test": ["tls.obsolete_cipher_suite"],
    "weeks18.test": ["header.preloadable.max_age.below_1_year"],
    "sha1.test": BAD_CHAIN[:1] + ["domain.tls.sha1"] + BAD_CHAIN[1:] + ["cert.weak_signature"],
}


def issue(pki, d, kind, names):
    """(key, chain file) of a certificate for names from the test intermediate:
    good, expired, nochain (the leaf without its intermediate) or sha1."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    day = datetime.timedelta(days=1)
    start, end = ((now - 400 * day, now - 35 * day) if kind == "expired"
                  else (now - day, now + 200 * day))
    key, csr = new_csr(d / (kind + ".key"), d / (kind + ".csr"),
                       SUBJECT_O + "/CN=" + names[0], pki.req_config())
    cert = d / (kind + ".pem")
    san = ", ".join("DNS:" + n for n in names)
    pki.cas["intermediate"].sign(csr, cert, SERVER_LEAF_EXT + "subjectAltName = %s\n" % san,
                                 start, end, md="sha1" if kind == "sha1" else "sha256")
    chain = d / (kind + "-chain.pem")
    chain.write_text(cert.read_text()
                     + ("" if kind == "nochain" else pki.intermediate_ca.read_text()))
    for f in (key, cert, chain):
        f.chmod(0o644)
    return key, chain


def vhosts(certs, hostile_port):
    out = []
    for name, (https, http, kind, www) in SITES.items():
        key, chain = certs[kind]
        alias = "    ServerAlias www.%s\n" % name if www is True else ""
        if https is None:
            https_vhost = OLD_CIPHER_VHOST % (chain, key)
        else:
            https_vhost = ("<VirtualHost 127.0.0.1:@HTTPS_PORT@>\n    ServerName %s\n%s"
                           "    SSLEngine on\n    SSLCertificateFile \"%s\"\n"
                           "    SSLCertificateKeyFile \"%s\"\n%s</VirtualHost>\n"
                           % (name, alias, chain, key, https))
        out.append(https_vhost)
        out.append("<VirtualHost 127.0.0.1:@HTTP_PORT@>\n    ServerName %s\n%s%s"
                   "</VirtualHost>\n" % (name, alias, http))
    out.append(hostile_vhosts(*certs["good"], hostile_port))
    return "".join(out)


@pytest.fixture(scope="module")
def server(module_httpd_factory, pki, tmp_path_factory):
    d = tmp_path_factory.mktemp("check-certs")
    d.chmod(0o755)
    names = [n for n in SITES] + ["www." + n for n in SITES] + ["hostile.test"]
    certs = {k: issue(pki, d, k, names) for k in ("good", "expired", "nochain", "sha1")}
    hostile = [HostileServer(302, HOSTILE_TLS_LOCATION, HOSTILE_TLS_STS),
               HostileServer(301, HOSTILE_LOCATION, HOSTILE_STS)]
    httpd = module_httpd_factory.start(vhosts(certs, hostile[0].port), with_module=False,
                                       extra_ports=1)
    httpd.hostile_http_port = hostile[1].port
    yield httpd
    for h in hostile:
        h.stop()


CLOSED = free_port()      # nothing listens here: a host that refuses connections


def mapping(server, name):
    """--connect-to for NAME:443, NAME:80 and www.NAME (a closed port when this
    server does not serve www.NAME; its plain-HTTP port when www is "plain")."""
    www = SITES.get(name, (None, None, None, False))[3]
    www_port = {True: server.https_port, "plain": server.http_port}.get(www, CLOSED)
    args = []
    https_port = server.extra_ports[0] if name == "oldcipher.test" else server.https_port
    http_port = server.hostile_http_port if name == "hostile.test" else server.http_port
    for host, port, to in ((name, 443, https_port), (name, 80, http_port),
                           ("www." + name, 443, www_port),
                           ("www." + name, 80, server.http_port if www else CLOSED)):
        args += ["--connect-to", "%s:%d:127.0.0.1:%d" % (host, port, to)]
    return args


def check(server, pki, name, *extra):
    """hsts-audit check NAME with its mapping (and clean.test's, where
    otherhost.test redirects)."""
    more = mapping(server, "clean.test") if name != "clean.test" else []
    rc, out, err = run_cli("check", name, "--ca-file", pki.root_ca, "--timeout", "5000",
                           *mapping(server, name), *more, *extra)
    return rc, out, err


def check_json(server, pki, name, *extra):
    rc, out, err = check(server, pki, name, "--json", *extra)
    assert err == ""
    return rc, json.loads(out)


def test_clean_preloadable_site(server, pki):
    rc, doc = check_json(server, pki, "clean.test", "--preload")
    assert rc == 0
    assert doc["checks"] == []
    assert doc["verdict"] == "ok" and doc["preloadable"] is True
    assert doc["https"] == {"status": 200, "verified": True, "sts_count": 1, "sts": STS}
    assert doc["header"]["valid"] is True and doc["header"]["preload_ready"] is True
    assert doc["http_chain"] == ["https://clean.test/"]
    assert doc["https_chain"] == []
    assert doc["www"] == {"exists": True, "tls": True}
    assert doc["certificate"]["subject"] == "CN=clean.test,O=mod_hsts_audit tests"


@pytest.mark.parametrize("name", [n for n in EXPECTED if n != "clean.test"])
def test_each_misconfiguration(server, pki, name):
    rc, doc = check_json(server, pki, name, "--preload")
    assert [c["code"] for c in doc["checks"]] == EXPECTED[name]
    if name == "oldcipher.test":      # hstspreload's only warning here: preloadable
        assert rc == 0 and doc["preloadable"] is True and doc["warnings"] == 1
        assert doc["checks"][0]["severity"] == "warning"
        assert doc["checks"][0]["detail"] == ("https://oldcipher.test/ negotiated TLSv1.2 "
                                              "with ECDHE-ECDSA-AES128-SHA")
        return
    assert rc == 1
    assert doc["preloadable"] is False
    for c in doc["checks"]:
        assert c["detail"] and c["fix"]
        if c["hstspreload"]:
            assert c["severity"] == c["hstspreload_severity"] == "error"


def test_details(server, pki):
    _, doc = check_json(server, pki, "httphop.test", "--preload")
    assert doc["http_chain"] == ["https://httphop.test/", "http://httphop.test/landing"]
    assert doc["https_chain"] == ["http://httphop.test/landing"]
    _, doc = check_json(server, pki, "toomany.test", "--preload")
    assert doc["http_chain"] == ["https://toomany.test/", "https://toomany.test/a",
                                 "https://toomany.test/b", "https://toomany.test/c"]
    _, doc = check_json(server, pki, "multiple.test", "--preload")
    assert doc["https"]["sts_count"] == 2 and doc["https"]["sts"] == STS
    _, doc = check_json(server, pki, "expired.test", "--preload")
    bad = doc["checks"][0]
    assert "certificate has expired" in bad["detail"]
    assert doc["https"]["verified"] is False and doc["https"]["status"] == 200


def test_preload_policy_18_weeks(server, pki):
    """--preload-policy bulk-18-weeks: the first response's header passes; the
    first redirect's target is still judged by PreloadableResponse (bulk-1-year),
    as hstspreload's preloadableHTTPRedirectsURL does."""
    rc, doc = check_json(server, pki, "weeks18.test", "--preload",
                         "--preload-policy", "bulk-18-weeks")
    assert doc["preload_policy"] == "bulk-18-weeks"
    assert [c["code"] for c in doc["checks"]] == ["redirects.http.first_redirect.no_hsts"]
    assert doc["checks"][0]["detail"].endswith(
        "(first error: header.preloadable.max_age.below_1_year)")
    assert rc == 1
    assert doc["header"]["hstspreload"]["preloadable_errors"] == []


def test_mapped_only(server, pki):
    """--mapped-only (the self-check's mode): a redirect to a host:port no entry
    maps is not followed (listed, no follow error); www. unmapped is no www."""
    rc, out, err = run_cli("check", "otherhost.test", "--json", "--mapped-only", "--preload",
                           "--ca-file", pki.root_ca, *mapping(server, "otherhost.test"))
    doc = json.loads(out)
    assert [c["code"] for c in doc["checks"]] == ["redirects.http.first_redirect.insecure"]
    assert doc["not_followed"] == ["https://clean.test/"]
    assert doc["http_chain"] == ["https://clean.test/"]
    # without it, the same request goes to DNS (nothing resolves .test here)
    rc, out, err = run_cli("check", "otherhost.test", "--json", "--preload",
                           "--ca-file", pki.root_ca, *mapping(server, "otherhost.test"))
    doc = json.loads(out)
    assert [c["code"] for c in doc["checks"]] == ["redirects.follow_error",
                                                  "redirects.http.first_redirect.insecure"]
    assert doc["not_followed"] == []
    only = ["--connect-to", "clean.test:443:127.0.0.1:%d" % server.https_port,
            "--connect-to", "clean.test:80:127.0.0.1:%d" % server.http_port]
    rc, out, err = run_cli("check", "clean.test", "--mapped-only", "--preload",
                           "--ca-file", pki.root_ca, *only)
    assert rc == 0, out
    assert "Checks:  all passed" in out
    rc, out, err = run_cli("check", "clean.test", "--json", "--mapped-only",
                           "--ca-file", pki.root_ca, *only)
    assert json.loads(out)["www"] == {"exists": False, "tls": False}
    rc, out, err = run_cli("check", "clean.test", "--mapped-only", "--ca-file", pki.root_ca)
    assert rc == 3
    assert "not asked: no resolve or connect-to entry maps its host and port" in out


def test_without_preload_the_preload_items_are_warnings(server, pki):
    """Without --preload: what only preloading asks for is a warning (exit 0);
    what browsers see stays an error."""
    rc, doc = check_json(server, pki, "wwwfirst.test")
    assert rc == 0 and doc["errors"] == 0 and doc["warnings"] == 1
    assert doc["checks"][0]["severity"] == "warning"
    assert doc["checks"][0]["hstspreload_severity"] == "error"
    assert doc["preloadable"] is False and doc["verdict"] == "ok"
    rc, doc = check_json(server, pki, "httphop.test")
    assert rc == 1 and doc["errors"] == 2        # redirects back to http://
    rc, doc = check_json(server, pki, "expired.test")
    assert rc == 1
    assert {c["code"] for c in doc["checks"] if c["severity"] == "error"} == {
        "domain.tls.invalid_cert_chain", "cert.expired"}


def test_text_leads_with_verdict_and_fixes(server, pki):
    rc, out, err = check(server, pki, "wwwfirst.test", "--preload")
    assert rc == 1 and err == ""
    lines = out.splitlines()
    assert lines[1] == "Verdict: 1 error, 0 warnings"
    assert lines[2].startswith("Preload: NOT preloadable")
    assert lines[3] == "Fixes:"
    assert lines[4].startswith("  redirects.http.www_first: redirect http://NAME/ to https://NAME/")
    rc, out, _ = check(server, pki, "clean.test", "--preload")
    assert rc == 0
    assert out.splitlines()[1:3] == ["Verdict: OK (0 warnings)",
                                     "Preload: preloadable (hstspreload's checks, bulk-1-year)"]


def test_refused_connection_exits_3(server, pki):
    rc, out, err = run_cli("check", "https://refused.test/", "--json",
                           "--connect-to", "refused.test:443:127.0.0.1:%d" % CLOSED)
    doc = json.loads(out)
    assert rc == 3
    assert doc["status"] == "connect_failed" and doc["verdict"] == "cannot_connect"
    assert "Couldn't connect to server" in doc["connect_error"] or \
        "Connection refused" in doc["connect_error"]
    assert [c["code"] for c in doc["checks"]] == ["domain.tls.cannot_connect"]
    rc, out, _ = run_cli("check", "refused.test",
                         "--resolve", "refused.test:443:127.0.0.1",
                         "--connect-to", "refused.test:443:127.0.0.1:%d" % CLOSED)
    assert rc == 3
    assert out.splitlines()[1].startswith("Verdict: CANNOT CONNECT to https://refused.test/: ")


def test_hostile_server_text_is_escaped(server, pki):
    """Markup and control bytes from the network (Location, STS) never reach the
    terminal raw, and --json stays valid JSON with them escaped."""
    rc, out, err = check(server, pki, "hostile.test", "--preload")
    assert rc == 1 and err == ""
    assert not [c for c in out if ord(c) < 0x20 and c != "\n"], out
    assert "HTTPS:   302, Strict-Transport-Security: " + HOSTILE_TLS_STS.decode() in out
    assert "  warning redirects.http.useless_header: " in out
    rc, out, err = check(server, pki, "hostile.test", "--preload", "--json")
    assert rc == 1
    assert not [c for c in out if ord(c) < 0x20 and c != "\n"]
    doc = json.loads(out)
    assert doc["https"]["sts"] == doc["header"]["header"] == HOSTILE_TLS_STS.decode()
    assert [c["code"] for c in doc["checks"]] == [
        "header.preloadable.include_sub_domains.missing", "header.preloadable.preload.missing",
        "header.parse.unknown_directive", "redirects.http.useless_header",
        "redirects.follow_error", "redirects.http.first_redirect.insecure",
        "redirects.too_many"]
    # curl refuses the control bytes of the http:// Location: a follow error
    # whose detail has them, escaped by the JSON encoder
    assert doc["http_chain"] == [HOSTILE_LOCATION.decode()]
    assert HOSTILE_LOCATION.decode() in doc["checks"][4]["detail"]
    assert doc["https_chain"] == [HOSTILE_TLS_LOCATION.decode()] * 4


@pytest.mark.parametrize("args", [[], ["a.test", "b.test"], ["--bogus", "a.test"],
                                  ["https://a.test:8443/"], ["ftp://a.test/"],
                                  ["a.test", "--resolve"], ["a.test", "--ca-public"],
                                  ["a.test", "--preload-policy", "x"],
                                  ["a.test", "--timeout", "0"],
                                  ["a.test", "--ca-file", "/nonexistent/roots.pem"]])
def test_usage_errors_exit_2(args):
    rc, out, err = run_cli("check", *args)
    assert rc == 2 and out == ""
    assert err.startswith("hsts-audit check: ")


def test_help():
    rc, out, err = run_cli("check", "--help")
    assert rc == 0 and out.startswith("usage: hsts-audit check URL|DOMAIN")
