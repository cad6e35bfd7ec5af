"""Self-tests of the harness: they run WITHOUT mod_hsts_audit (mod_headers sets STS),
so they validate the PKI, the httpd factory, the clients and the backends, and
pin down the httpd/curl behaviour the module tests rely on."""

import socket
import subprocess

import pytest

from common import fixtures, httpd
from common.env import OPENSSL
from common.logs import parse_access_line


def _openssl(*args):
    p = subprocess.run([OPENSSL] + [str(a) for a in args], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    return p.returncode, p.stdout.decode(errors="replace")


def _count_certs(path):
    return path.read_text().count("-----BEGIN CERTIFICATE-----")


# --------------------------------------------------------------------------
# PKI
# --------------------------------------------------------------------------

class TestPKI:
    def test_good_server_chain_verifies_with_root_only(self, pki):
        s = pki.server("good")
        rc, out = _openssl("verify", "-CAfile", pki.root_ca, "-untrusted", s.chain, s.cert)
        assert rc == 0, out
        rc, out = _openssl("verify", "-CAfile", pki.root_ca, s.cert)  # leaf alone: no
        assert rc != 0 and "unable to get local issuer certificate" in out, out

    def test_chain_and_chainless_files(self, pki):
        for kind in ("good", "expired", "notyet", "expiring", "wronghost"):
            s = pki.server(kind)
            assert _count_certs(s.cert) == 1, kind
            assert _count_certs(s.chain) == 2, kind
            rc, issuer = _openssl("x509", "-in", s.cert, "-noout", "-issuer")
            assert "HSTS Test Intermediate CA" in issuer, (kind, issuer)
        assert _count_certs(pki.server("selfsigned").chain) == 1

    @pytest.mark.parametrize("name", ["hsts.test", "www.hsts.test", "a.hsts.test", "localhost"])
    def test_good_covers_names(self, pki, name):
        rc, out = _openssl("x509", "-in", pki.server("good").cert, "-noout", "-checkhost", name)
        assert rc == 0 and "does match" in out, out

    def test_good_covers_ip(self, pki):
        rc, out = _openssl("x509", "-in", pki.server("good").cert, "-noout", "-checkip",
                           "127.0.0.1")
        assert rc == 0 and "does match" in out, out

    def test_wronghost(self, pki):
        rc, out = _openssl("x509", "-in", pki.server("wronghost").cert, "-noout",
                           "-checkhost", "hsts.test")
        assert "does NOT match" in out, out
        rc, out = _openssl("x509", "-in", pki.server("wronghost").cert, "-noout",
                           "-checkhost", "other.example")
        assert "does match" in out, out

    @pytest.mark.parametrize("kind,err", [("expired", "certificate has expired"),
                                          ("notyet", "certificate is not yet valid")])
    def test_server_validity_windows(self, pki, kind, err):
        s = pki.server(kind)
        rc, out = _openssl("verify", "-CAfile", pki.root_ca, "-untrusted", s.chain, s.cert)
        assert rc != 0 and err in out, out

    def test_expiring_in_5_days(self, pki):
        cert = pki.server("expiring").cert
        rc, _ = _openssl("x509", "-in", cert, "-noout", "-checkend", str(4 * 86400))
        assert rc == 0  # still valid in 4 days
        rc, _ = _openssl("x509", "-in", cert, "-noout", "-checkend", str(6 * 86400))
        assert rc == 1  # expired in 6 days

    def test_selfsigned(self, pki):
        s = pki.server("selfsigned")
        rc, out = _openssl("x509", "-in", s.cert, "-noout", "-subject", "-issuer")
        lines = out.strip().splitlines()
        assert lines[0].split("=", 1)[1] == lines[1].split("=", 1)[1], out
        rc, out = _openssl("verify", "-CAfile", pki.root_ca, s.cert)
        assert rc != 0

    @pytest.mark.parametrize("kind,err", [
        ("valid", None),
        ("expired", "certificate has expired"),
        ("notyet", "certificate is not yet valid"),
        ("revoked", "certificate revoked"),
        ("untrusted", "unable to get local issuer certificate"),
    ])
    def test_client_certs(self, pki, kind, err):
        c = pki.client(kind)
        rc, out = _openssl("verify", "-CAfile", pki.client_ca, "-crl_check",
                           "-CRLfile", pki.client_crl, "-purpose", "sslclient", c.cert)
        if err is None:
            assert rc == 0, out
        else:
            assert rc != 0 and err in out, out

    def test_world_readable(self, pki):
        for p in [pki.dir] + list(pki.dir.rglob("*")):
            assert p.stat().st_mode & 0o004, p


# --------------------------------------------------------------------------
# httpd without the module
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def plain(module_httpd_factory):
    """httpd without mod_hsts_audit, mod_headers sets STS on the TLS vhost."""
    return module_httpd_factory.start(
        with_module=False,
        https_body='    Header always set Strict-Transport-Security "max-age=42"\n'
                   '    ErrorDocument 404 /errors/404.html\n'
                   '    Redirect 301 /old https://hsts.test/new\n')


class TestServerWithoutModule:
    @pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
    def test_static(self, plain, http2):
        r = plain.get("/", http2=http2)
        assert r.status == 200
        assert r.http_version == ("2" if http2 else "1.1")
        assert r.sts == ["max-age=42"]
        assert r.text == "<html><body>index</body></html>\n"
        e = plain.log_entry(r)
        assert e["status"] == "200"
        assert e["path"] == "/index.html"
        assert e["protocol"] == ("HTTP/2.0" if http2 else "HTTP/1.1")
        assert (e["audit"], e["action"], e["max_age"], e["client_cert"]) == ("-",) * 4
        assert e["vhost"] == "hsts.test"

    def test_error_document(self, plain):
        r = plain.get("/missing")
        assert r.status == 404
        assert "custom-404-page" in r.text
        assert r.sts == ["max-age=42"]
        assert plain.log_entry(r)["status"] == "404"

    def test_redirect(self, plain):
        r = plain.get("/old")
        assert r.status == 301
        assert r.header("Location") == "https://hsts.test/new"

    def test_plain_http_vhost(self, plain):
        r = plain.get("/", tls=False)
        assert r.status == 200 and r.sts == []

    def test_cgi_single(self, plain):
        r = plain.get("/cgi-bin/sts.cgi?sts=max-age%3D7&header=X-Extra:1", tls=False)
        assert r.status == 200
        assert r.sts == ["max-age=7"]
        assert r.header("X-Extra") == "1"
        assert r.text == "ok\n"

    def test_cgi_status_and_location(self, plain):
        r = plain.get("/cgi-bin/sts.cgi?status=302&location=https%3A%2F%2Fhsts.test%2Fx",
                      tls=False)
        assert r.status == 302
        assert r.header("Location") == "https://hsts.test/x"

    def test_cgi_merges_repeated_lines(self, plain):
        """httpd's CGI interface joins repeated header lines into ONE field."""
        r = plain.get("/cgi-bin/sts.cgi?sts=max-age%3D1&sts=max-age%3D2", tls=False)
        assert r.sts == ["max-age=1, max-age=2"]

    def test_proxied_cgi(self, plain):
        r = plain.get("/proxied/sts.cgi?sts=max-age%3D9", tls=False)
        assert r.status == 200 and r.sts == ["max-age=9"]
        e = plain.log_entry(r.test_id, backend=True)
        assert e["vhost"] == "backend.test" and e["path"] == "/cgi-bin/sts.cgi"

    def test_raw_backend_keeps_repeated_fields(self, plain):
        r = plain.get("/raw/x?sts=max-age%3D1&sts=max-age%3D2", tls=False)
        assert r.status == 200
        assert r.sts == ["max-age=1", "max-age=2"]

    def test_header_always_set_does_not_replace_backend_field(self, plain):
        """mod_headers 'always' works on err_headers_out: a proxied STS stays beside it."""
        r = plain.get("/raw/x?sts=max-age%3D1")
        assert sorted(r.sts) == ["max-age=1", "max-age=42"]

    def test_raw_socket_client(self, plain):
        r = plain.raw_get("/page.html")
        assert r.status == 200 and r.http_version == "1.1"
        assert r.sts == ["max-age=42"]
        assert b"Strict-Transport-Security: max-age=42\r\n" in r.raw_head + b"\r\n"
        assert plain.log_entry(r)["path"] == "/page.html"

    def test_broken_cgi_is_500_and_allowlisted(self, plain):
        plain.allow(r"\[cgid:error\].*broken\.cgi")
        r = plain.get("/cgi-bin/broken.cgi")
        assert r.status == 500 and r.sts == ["max-age=42"]


class TestHostileBaseline:
    """What httpd itself does with hostile backend headers (no module)."""

    def test_big_value_fits_cgi(self, plain):
        r = plain.get("/cgi-bin/sts.cgi?big=8000", tls=False)
        assert r.status == 200 and [len(v) for v in r.sts] == [8000]

    def test_too_big_for_raw_proxy(self, plain):
        r = plain.get("/raw/?big=8192", tls=False)
        assert r.status == 502

    def test_300_fields_raw(self, plain):
        r = plain.get("/raw/?sts=max-age%3D1&repeat=300", tls=False)
        assert r.status == 200 and r.sts == ["max-age=1"] * 300

    def test_control_chars_rejected_by_httpd(self, plain):
        plain.allow(r"AH02430: Response header 'Strict-Transport-Security'")
        r = plain.get("/cgi-bin/sts.cgi?sts=max-age%3D1%01x", tls=False, check=False)
        assert r.status == 500 and r.sts == []


# --------------------------------------------------------------------------
# factory helpers
# --------------------------------------------------------------------------

def test_configtest_reports_unknown_directive(httpd_factory):
    rc, out = httpd_factory.configtest("NoSuchDirective 1\n", with_module=False)
    assert rc != 0
    assert "NoSuchDirective" in out


def test_configtest_ok(httpd_factory):
    rc, out = httpd_factory.configtest("", with_module=False)
    assert (rc, out.strip()) == (0, "Syntax OK")


@pytest.mark.parametrize("mpm", ["event", "worker", "prefork"])
def test_mpms_start_and_stop(httpd_factory, mpm):
    s = httpd_factory.start(with_module=False, mpm=mpm)
    r = s.get("/page.html")
    assert r.status == 200
    # mod_http2 works with event and worker only
    r2 = s.get("/page.html", http2=True)
    assert r2.status == 200
    assert r2.http_version == ("1.1" if mpm == "prefork" else "2")


def test_graceful_reload(httpd_factory):
    s = httpd_factory.start(with_module=False)
    text = s.conf_text.replace("<VirtualHost 127.0.0.1:%d>" % s.https_port,
                               "<VirtualHost 127.0.0.1:%d>\n    Header always set X-Gen 2"
                               % s.https_port)
    s.rewrite_conf(text)
    s.graceful()
    assert s.generation == 2
    assert s.get("/").header("X-Gen") == "2"


def test_error_log_checker(httpd_factory):
    s = httpd_factory.make(with_module=False)
    s.error_log.write_text(
        "[x] [core:notice] [pid 1] fine\n"
        "[x] [cgid:error] [pid 2] something broke\n"
        "[x] [hsts_audit:error] [pid 3] HSTS00001: header.invalid.max_age on /x\n"
        "[x] [core:notice] [pid 1] AH00052: child pid 7 exit signal Segmentation fault (11)\n")
    problems = s.log_problems()
    assert len(problems) == 2, problems
    assert "something broke" in problems[0]
    assert problems[1].startswith("crash: ")
    assert s.log_problems() == []  # offset advanced
    noise = ("[x] [mpm_event:error] [pid 9] (9)Bad file descriptor: AH03093: process_socket: "
             "apr_pollset_add failure for keep alive\n")
    with open(s.error_log, "a") as f:
        f.write(noise)
    assert len(s.log_problems()) == 1          # before SIGTERM: a problem
    s._term_offset = len(s.read_error_log())
    with open(s.error_log, "a") as f:
        f.write(noise)
    assert s.log_problems() == []              # after SIGTERM: shutdown noise


def test_missing_module_fails_not_skips(monkeypatch):
    monkeypatch.setenv("HSTS_MODULE", "/nonexistent/mod_hsts_audit.so")
    with pytest.raises(pytest.fail.Exception) as ei:
        fixtures.require_module()
    assert "/nonexistent/mod_hsts_audit.so" in str(ei.value)
    assert "HSTS_SKIP_INTEGRATION" in str(ei.value)


def test_access_log_parse():
    e = parse_access_line("200\t/x\tok\tadded\t31536000\t-\tid1\tHTTP/1.1\thsts.test\tGET")
    assert e == {"status": "200", "path": "/x", "audit": "ok", "action": "added",
                 "max_age": "31536000", "client_cert": "-", "test_id": "id1",
                 "protocol": "HTTP/1.1", "vhost": "hsts.test", "method": "GET"}


MTLS = """\
    SSLVerifyClient optional
    SSLVerifyDepth 2
    SSLCACertificateFile "@CLIENT_CA@"
    SSLCARevocationFile "@CLIENT_CRL@"
    SSLCARevocationCheck chain
    Header always set X-Verify "%{SSL_CLIENT_VERIFY}s"
"""


@pytest.fixture(scope="module")
def mtls(module_httpd_factory):
    return module_httpd_factory.start(with_module=False, https_body=MTLS)


class TestClientCertsWithoutModule:
    """Baseline for design.md section 6: with mod_ssl alone a bad client certificate
    aborts the TLS handshake even under SSLVerifyClient optional."""

    @pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
    @pytest.mark.parametrize("client,verify", [("valid", "SUCCESS"), (None, "NONE")])
    def test_accepted(self, mtls, client, verify, http2):
        r = mtls.get("/", client=client, http2=http2)
        assert r.status == 200
        assert r.header("X-Verify") == verify

    @pytest.mark.parametrize("client,reason", [
        ("expired", "Error (10): certificate has expired"),
        ("notyet", "Error (9): certificate is not yet valid"),
        ("revoked", "Error (23): certificate revoked"),
        ("untrusted", "Error (20): unable to get local issuer certificate")])
    def test_rejected_in_handshake(self, mtls, client, reason):
        mtls.allow(r"\[ssl:error\].*AH02039: Certificate Verification")
        r = mtls.get("/", client=client, check=False)
        assert r.curl_rc != 0 and r.status == 0, (r.curl_rc, r.stderr)
        assert "AH02039: Certificate Verification: " + reason in mtls.read_error_log()


def test_start_retries_when_a_port_is_taken(httpd_factory, monkeypatch):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        real = httpd.free_port
        first = [taken]
        monkeypatch.setattr(httpd, "free_port",
                            lambda host="127.0.0.1": first.pop() if first else real(host))
        s = httpd_factory.make(with_module=False)
        assert s.http_port == taken
        s.start()
        assert s.http_port != taken
        assert s.get("/", tls=False).status == 200
        assert s.get("/").status == 200
