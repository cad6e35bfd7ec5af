"""Mutual TLS verdicts, nginx-style 495/496 (design.md section 6; HSTSClientCert,
HSTSClientCertStatus, HSTSCertWarnDays in section 2; the note hsts-audit-client-cert
in section 3; the client_cert.* findings and counters).

Real httpd with mod_ssl, the harness's PKI (client CA with valid, expired, not yet
valid, revoked certificates and a CRL; a rogue CA) plus, built here, a second client
hierarchy (root -> intermediate, each with a CRL: the client sends leaf +
intermediate), a self-signed client certificate, one that expires in 5 days, an
"impostor" (self-signed, with the valid certificate's subject) and one whose subject
is markup.  Every server checks revocation with SSLCARevocationCheck chain.

What is checked against mod_ssl itself: a vhost without HSTSClientCert still fails
the handshake exactly as a server without the module does (same curl error, same
alert), SSL_CLIENT_VERIFY reads mod_ssl's FAILED:<reason> (never SUCCESS), mod_ssl's
authorisation (Require ssl-verify-client, SSLRequire, Require expr, SSLUserName,
FakeBasicAuth) does not take a failed certificate, optional_no_ca keeps mod_ssl's
GENEROUS, and a TLS session whose certificate failed is never resumed.
"""

import datetime
import re
import subprocess
import uuid
from pathlib import Path

import pytest

from common.backend import BackgroundServer
from common.clients import raw_http
from common.env import CURL, OPENSSL, make_world_readable, run
from common.pki import CLIENT_LEAF_EXT, INTERMEDIATE_EXT, PKI
from common.status import https_name, status_json, vhost

H = pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
TLS = pytest.mark.parametrize("tls", ["1.2", "1.3"], ids=["tls12", "tls13"])
TLS_ARGS = {"1.2": ("--tlsv1.2", "--tls-max", "1.2"), "1.3": ("--tlsv1.3",)}
POLICY = "max-age=31536000"

# ---------------------------------------------------------------------------
# PKI additions (built once per session, in the harness's PKI directory)
# ---------------------------------------------------------------------------


class CCPKI:
    """Client certificates beyond the harness's: see the module docstring.
    certs[kind] = (file to send as --cert, key); cas / crls: the files for
    SSLCACertificateFile / SSLCARevocationFile (harness client CA + our root,
    harness CRL + our root's and intermediate's CRLs)."""

    def __init__(self, pki):
        self.pki = pki
        self.dir = pki.dir / "hstscc"
        self.certs = {}
        for kind in PKI.CLIENT_KINDS:
            c = pki.client(kind)
            self.certs[kind] = (c.cert, c.key)

    def _openssl(self, *args):
        return run([OPENSSL] + list(args))

    def _self_signed_client(self, name, subject, days=365):
        key, cert = self.dir / (name + ".key"), self.dir / (name + ".pem")
        self._openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
                      "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                      "-subj", subject, "-days", str(days), "-sha256", "-config",
                      self.pki.req_config(),
                      "-addext", "basicConstraints=critical,CA:FALSE",
                      "-addext", "keyUsage=critical,digitalSignature",
                      "-addext", "extendedKeyUsage=clientAuth")
        self.certs[name] = (cert, key)

    def build(self):
        if (self.dir / "done").exists():
            return self._load()
        self.dir.mkdir(parents=True, exist_ok=True)
        pki = self.pki
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        day = datetime.timedelta(days=1)
        O = "/O=mod_hsts_audit tests"
        rkey, rcert = pki.self_signed("hstscc-root", O + "/CN=HSTS CC Root CA", "v3_root")
        root = pki.ca("hstscc-root", rkey, rcert)
        ikey, icsr = pki.csr("hstscc-inter", O + "/CN=HSTS CC Intermediate CA")
        icert = self.dir / "inter.pem"
        root.sign(icsr, icert, INTERMEDIATE_EXT, now - day, now + 3650 * day)
        inter = pki.ca("hstscc-inter", ikey, icert)
        for kind, end in (("inter-valid", now + 365 * day), ("inter-revoked", now + 365 * day),
                          ("expiring", now + 5 * day + 3600 * datetime.timedelta(seconds=1))):
            key, csr = pki.csr("hstscc-" + kind, O + "/CN=client-" + kind)
            cert = self.dir / (kind + ".pem")
            inter.sign(csr, cert, CLIENT_LEAF_EXT, now - day, end)
            chain = self.dir / (kind + "-chain.pem")
            chain.write_text(cert.read_text() + icert.read_text())
            self.certs[kind] = (chain, key)
        inter.revoke(self.dir / "inter-revoked.pem")
        root.gencrl(self.dir / "root.crl.pem")
        inter.gencrl(self.dir / "inter.crl.pem")
        self._self_signed_client("selfsigned", O + "/CN=client-selfsigned")
        # the valid certificate's subject, but nobody issued it
        self._self_signed_client("impostor", O + "/CN=client-valid")
        self._self_signed_client("markup", "/O=<b>bold<\\/b> & \"co\""
                                           "/CN=<script>alert(1)<\\/script>")
        self._self_signed_client("longdn", "/O=%s/OU=%s/CN=%s" % ("o" * 60, "u" * 60, "c" * 60))
        (self.dir / "client-cas.pem").write_text(pki.client_ca.read_text() + rcert.read_text())
        (self.dir / "client-crls.pem").write_text(
            pki.client_crl.read_text() + (self.dir / "root.crl.pem").read_text()
            + (self.dir / "inter.crl.pem").read_text())
        make_world_readable(pki.dir)
        (self.dir / "done").write_text("")
        return self

    def _load(self):
        for kind in ("inter-valid", "inter-revoked", "expiring"):
            self.certs[kind] = (self.dir / (kind + "-chain.pem"), pki_key(self.pki, kind))
        for kind in ("selfsigned", "impostor", "markup", "longdn"):
            self.certs[kind] = (self.dir / (kind + ".pem"), self.dir / (kind + ".key"))
        return self

    @property
    def cas(self):
        return self.dir / "client-cas.pem"

    @property
    def crls(self):
        return self.dir / "client-crls.pem"


def pki_key(pki, kind):
    return pki.dir / ("hstscc-%s.key" % kind)


@pytest.fixture(scope="session")
def ccpki(pki):
    return CCPKI(pki).build()


# ---------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------

def mtls(ccpki, verify="optional", crl_check="chain", depth=2):
    return ('    SSLVerifyClient %s\n'
            '    SSLVerifyDepth %d\n'
            '    SSLCACertificateFile "%s"\n'
            '    SSLCARevocationFile "%s"\n'
            '    SSLCARevocationCheck %s\n'
            '    Header always set X-Verify "%%{SSL_CLIENT_VERIFY}s"\n'
            % (verify, depth, ccpki.cas, ccpki.crls, crl_check))


def security_block(prefix):
    """Locations where mod_ssl (and httpd) decide on the certificate: none of them
    may take a failed one.  Under prefix (an `off` or `report` scope)."""
    return ('    <Location %(p)s/verified>\n'
            "        Require expr %%{SSL_CLIENT_VERIFY} == 'SUCCESS'\n"
            '    </Location>\n'
            '    <Location %(p)s/sslrequire>\n'
            '        SSLRequire %%{SSL_CLIENT_VERIFY} eq "SUCCESS"\n'
            '    </Location>\n'
            '    <Location %(p)s/verify-client>\n'
            '        Require ssl-verify-client\n'
            '    </Location>\n'
            '    <Location %(p)s/user>\n'
            '        SSLUserName SSL_CLIENT_S_DN_CN\n'
            '        Header always set X-User "expr=%%{REMOTE_USER}"\n'
            '    </Location>\n'
            '    <Location %(p)s/user-required>\n'
            '        SSLUserName SSL_CLIENT_S_DN_CN\n'
            '        Require user client-valid\n'
            '    </Location>\n'
            '    <Location %(p)s/fakebasic>\n'
            '        SSLOptions +FakeBasicAuth\n'
            '        AuthType Basic\n'
            '        AuthName "certificate"\n'
            '        AuthBasicProvider file\n'
            '        AuthUserFile "@ROOT@/conf/fakebasic.users"\n'
            '        Require valid-user\n'
            '    </Location>\n' % {"p": prefix})


SECURITY_PATHS = ("verified", "sslrequire", "verify-client", "user", "user-required",
                  "fakebasic")
# FakeBasicAuth's user is the subject in OpenSSL's one-line form, password "password"
FAKEBASIC_USERS = "/O=mod_hsts_audit tests/CN=client-valid:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"
AUTH_MODULES = ("auth_basic", "authn_core", "authn_file", "authz_user")
STATUS_PAGE = ('    <Location /hsts-status>\n'
               '        SetHandler hsts-audit-status\n'
               '        HSTSMode off\n'
               '        HSTSClientCert off\n'
               '    </Location>\n')


def site_files(prefixes):
    files = {"conf/fakebasic.users": FAKEBASIC_USERS,
             "htdocs/errors/cert403.html": "<html><body>styled-403-page</body></html>\n"}
    for prefix in prefixes:
        files["htdocs%s/index.html" % prefix] = "healthy\n"
        for p in SECURITY_PATHS:
            files["htdocs%s/%s/index.html" % (prefix, p)] = "protected-%s\n" % p
    return files


# Errors httpd and mod_ssl log for what these tests do on purpose.
EXPECTED_ERRORS = (r"AH02039: Certificate Verification: Error",    # mod_ssl, per failure
                   r"AH01630: client denied by server configuration",
                   r"AH02229: access to .* failed, reason: SSL requirement",
                   r"AH00027: No authentication done",
                   r"AH01617: user .*: authentication failure",
                   r"AH01618: user .* not found")


def require_conf(ccpki, verify):
    return (mtls(ccpki, verify)
            + '    HSTSClientCert require\n'
            + '    <Location /healthz>\n'
            + '        HSTSClientCert off\n'
            + '    </Location>\n'
            + security_block("/healthz")
            + '    <Location /report>\n'
            + '        HSTSClientCert report\n'
            + '    </Location>\n'
            + '    <Location /plain403>\n'
            + '        HSTSClientCertStatus 403 403\n'
            + '    </Location>\n'
            + '    <Location /styled>\n'
            + '        HSTSClientCertStatus 403 403\n'
            + '        ErrorDocument 403 /errors/cert403.html\n'
            + '    </Location>\n'
            + '    <Location /nginx>\n'
            + '        HSTSClientCertStatus 400 400\n'
            + '    </Location>\n'
            + '    <Location /odd>\n'
            + '        HSTSClientCertStatus 499 497\n'
            + '    </Location>\n'
            + STATUS_PAGE)


# The same port, another name (SNI), mod_ssl alone: no HSTSClientCert.
def plain_vhost(ccpki):
    return ('<VirtualHost 127.0.0.1:@HTTPS_PORT@>\n'
            '    ServerName sub.hsts.test\n'
            '    SSLEngine on\n'
            '    SSLCertificateFile "@SERVER_CERT@"\n'
            '    SSLCertificateKeyFile "@SERVER_KEY@"\n'
            + mtls(ccpki) +
            '</VirtualHost>\n')


def start_require(factory, ccpki, verify, **kw):
    return factory.start(hsts_global="HSTSMaxAge 1y\n",
                         https_body=require_conf(ccpki, verify),
                         body=plain_vhost(ccpki), modules=AUTH_MODULES,
                         files=site_files(("/healthz", "/report")),
                         allow_errors=EXPECTED_ERRORS, **kw)


@pytest.fixture(scope="module")
def servers(module_httpd_factory, ccpki):
    """The require servers, one per SSLVerifyClient mode."""
    return {v: start_require(module_httpd_factory, ccpki, v)
            for v in ("optional", "optional_no_ca")}


@pytest.fixture(scope="module")
def report_server(module_httpd_factory, ccpki):
    return module_httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\n",
        https_body=mtls(ccpki) + "    HSTSClientCert report\n" + security_block("/sec")
        + STATUS_PAGE,
        modules=AUTH_MODULES, files=site_files(("/sec",)), allow_errors=EXPECTED_ERRORS)


@pytest.fixture(scope="module")
def stock_server(module_httpd_factory, ccpki):
    """mod_ssl alone (no module loaded), the same TLS settings as the others."""
    return module_httpd_factory.start(
        with_module=False, https_body=mtls(ccpki),
        body=plain_vhost(ccpki).replace(mtls(ccpki), mtls(ccpki, "optional_no_ca", "none")),
        files=site_files(()), allow_errors=EXPECTED_ERRORS)


def get(server, path, kind, ccpki, *, tls="1.3", http2=False, host="hsts.test",
        headers=(), check=False, extra=(), **kw):
    """curl path with the client certificate kind (None: none) over TLS tls."""
    if kind:
        cert, key = ccpki.certs[kind]
        kw["cert"], kw["key"] = cert, key
    return server.get(path, host=host, http2=http2, check=check, headers=headers,
                      extra=TLS_ARGS[tls] + tuple(extra), **kw)


def raw_status_line(server, path, kind, ccpki, headers=()):
    """The status line exactly as it came over a Python ssl socket (HTTP/1.1)."""
    cert, key = ccpki.certs[kind] if kind else (None, None)
    resp = server.raw_get(path, certfile=cert, keyfile=key, extra_headers=headers)
    return resp.raw_head.split(b"\r\n", 1)[0].decode("latin-1"), resp


# ---------------------------------------------------------------------------
# the verdicts
# ---------------------------------------------------------------------------

# kind: (status, note, SSL_CLIENT_VERIFY under optional, under optional_no_ca)
# (None: any FAILED:... value)
VERDICTS = {
    "valid": (200, "ok", "SUCCESS", "SUCCESS"),
    "inter-valid": (200, "ok", "SUCCESS", "SUCCESS"),
    "expiring": (200, "ok", "SUCCESS", "SUCCESS"),
    None: (496, "missing", "NONE", "NONE"),
    "expired": (495, "expired", "FAILED:certificate has expired",
                "FAILED:certificate has expired"),
    "notyet": (495, "not_yet_valid", "FAILED:certificate is not yet valid",
               "FAILED:certificate is not yet valid"),
    "revoked": (495, "revoked", "FAILED:certificate revoked", "FAILED:certificate revoked"),
    "inter-revoked": (495, "revoked", "FAILED:certificate revoked",
                      "FAILED:certificate revoked"),
    # optional_no_ca lets the unknown issuer pass (GENEROUS), then mod_ssl fails
    # on the issuer's missing CRL (SSLCARevocationCheck chain)
    "untrusted": (495, "untrusted", "FAILED:unable to get local issuer certificate",
                  "FAILED:unable to get certificate CRL"),
    "selfsigned": (495, "untrusted", None, "FAILED:unable to get certificate CRL"),
}
KINDS = list(VERDICTS)
KIND_IDS = [k or "none" for k in KINDS]


@pytest.mark.parametrize("verify", ["optional", "optional_no_ca"])
@TLS
@H
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_verdict(servers, ccpki, verify, tls, http2, kind):
    s = servers[verify]
    status, note, v_opt, v_noca = VERDICTS[kind]
    expect_verify = v_opt if verify == "optional" else v_noca
    r = get(s, "/", kind, ccpki, tls=tls, http2=http2)
    assert r.curl_rc == 0, r.stderr
    assert r.status == status, (r.status, r.text[:300])
    assert r.http_version == ("2" if http2 else "1.1")
    verify_var = r.header("X-Verify")
    if expect_verify:
        assert verify_var == expect_verify
    else:
        assert verify_var.startswith("FAILED:"), verify_var
    assert r.sts == [POLICY]                  # STS like every other HTTPS response
    e = s.log_entry(r)
    assert e["client_cert"] == note
    assert e["status"] == str(status)
    if status == 200:
        assert r.header("Content-Type") == "text/html; charset=utf-8"
        assert "index" in r.text
    else:
        assert r.header("Content-Type") == "text/html; charset=utf-8"
        assert ("<title>%d SSL Certificate %s</title>"
                % (status, "Required" if status == 496 else "Error")) in r.text


@pytest.mark.parametrize("kind,line", [
    ("expired", "HTTP/1.1 495 SSL Certificate Error"),
    ("untrusted", "HTTP/1.1 495 SSL Certificate Error"),
    (None, "HTTP/1.1 496 SSL Certificate Required"),
    ("valid", "HTTP/1.1 200 OK")], ids=["expired", "untrusted", "none", "valid"])
def test_raw_status_line(servers, ccpki, kind, line):
    s = servers["optional"]
    first, resp = raw_status_line(s, "/", kind, ccpki)
    assert first == line
    assert resp.header("Strict-Transport-Security") == POLICY
    assert s.log_entry(resp)["client_cert"] == {"expired": "expired", "untrusted": "untrusted",
                                                None: "missing", "valid": "ok"}[kind]


def test_curl_verbose_status_line(servers, ccpki):
    s = servers["optional"]
    cert, key = ccpki.certs["revoked"]
    p = subprocess.run([CURL, "-sv", "--http1.1", "-o", "/dev/null",
                        "--cacert", str(s.pki.root_ca), "--cert", str(cert), "--key", str(key),
                        "--resolve", "hsts.test:%d:127.0.0.1" % s.https_port,
                        "-H", "X-Test-Id: " + uuid.uuid4().hex, s.url("/")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.returncode == 0
    assert "< HTTP/1.1 495 SSL Certificate Error\r\n" in p.stderr.decode()


def test_body_html_says_what_and_what_to_do(servers, ccpki):
    s = servers["optional"]
    r = get(s, "/", "expired", ccpki)
    assert r.status == 495
    assert re.search(r"The client certificate expired on \w{3} +\d+ [\d:]+ \d{4} GMT\.", r.text)
    assert "Ask the issuer of your certificate for a new one" in r.text
    assert "CN=client-expired,O=mod_hsts_audit tests" in r.text
    r = get(s, "/", "untrusted", ccpki)
    assert "issued by an unknown issuer, CN=HSTS Rogue CA,O=mod_hsts_audit tests." in r.text
    r = get(s, "/", "revoked", ccpki)
    assert "revoked by its issuer, CN=HSTS Test Client CA" in r.text
    r = get(s, "/", "selfsigned", ccpki)
    assert "self-signed (CN=client-selfsigned" in r.text
    r = get(s, "/", None, ccpki)
    assert "No client certificate was sent." in r.text and "--cert and --key" in r.text


def test_body_escapes_the_certificate(servers, ccpki):
    s = servers["optional"]
    r = get(s, "/", "markup", ccpki)
    assert r.status == 495
    assert "<script>" not in r.text and "<b>bold" not in r.text
    # mod_ssl's RFC 2253 form escapes < > " with a backslash; the page escapes HTML
    assert re.search(r"\\?&lt;script\\?&gt;alert\(1\)\\?&lt;/script\\?&gt;", r.text), r.text
    assert re.search(r"\\?&lt;b\\?&gt;bold\\?&lt;/b\\?&gt; &amp; ", r.text), r.text


def test_body_plain_text_when_html_is_not_accepted(servers, ccpki):
    s = servers["optional"]
    for accept in ("application/json", "text/plain", "text/html;q=0, */*;q=0.5"):
        r = get(s, "/", "notyet", ccpki, headers=("Accept: " + accept,))
        assert r.status == 495
        assert r.header("Content-Type") == "text/plain; charset=utf-8"
        assert r.text.startswith("495 SSL Certificate Error\n\nThe client certificate is not "
                                 "valid before ")
        assert "<" not in r.text
        assert r.sts == [POLICY]
    r = get(s, "/", None, ccpki, headers=("Accept: application/json",), http2=True)
    assert r.status == 496 and r.text.startswith("496 SSL Certificate Required\n\n")


def test_head_request(servers, ccpki):
    s = servers["optional"]
    r = get(s, "/", "expired", ccpki, method="HEAD", extra=("-I",))
    assert r.status == 495 and b"<html" not in r.body    # (-I: the head goes to -o)
    assert r.sts == [POLICY]


def test_h2_streams_share_the_connection_verdict(servers, ccpki):
    """Two streams on one HTTP/2 connection: the second stream reuses the master
    connection (no new handshake) and gets the same verdict."""
    s = servers["optional"]
    cert, key = ccpki.certs["expired"]
    ids = [uuid.uuid4().hex, uuid.uuid4().hex]
    cmd = [CURL]
    for i, tid in enumerate(ids):
        if i:
            cmd.append("--next")
        cmd += ["-sS", "--http2", "-o", "/dev/null", "-w", "%{http_code} %{num_connects} "
                "%{http_version}\\n", "--cacert", str(s.pki.root_ca), "--cert", str(cert),
                "--key", str(key), "--resolve", "hsts.test:%d:127.0.0.1" % s.https_port,
                "-H", "X-Test-Id: " + tid, s.url("/" if i == 0 else "/page.html")]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.decode().split()
    assert lines == ["495", "1", "2", "495", "0", "2"]
    for tid in ids:
        e = s.log_entry(tid)
        assert (e["status"], e["client_cert"], e["protocol"]) == ("495", "expired", "HTTP/2.0")


# ---------------------------------------------------------------------------
# scopes: off, report, HSTSClientCertStatus
# ---------------------------------------------------------------------------

@H
@pytest.mark.parametrize("kind", ["expired", "untrusted", None, "valid"],
                         ids=["expired", "untrusted", "none", "valid"])
def test_off_lets_the_path_through_with_the_note(servers, ccpki, kind, http2):
    s = servers["optional"]
    r = get(s, "/healthz/", kind, ccpki, http2=http2)
    assert r.status == 200 and r.text == "healthy\n"
    assert r.sts == [POLICY]
    assert s.log_entry(r)["client_cert"] == VERDICTS[kind][1]


@H
@pytest.mark.parametrize("kind", ["revoked", None, "valid"], ids=["revoked", "none", "valid"])
def test_report_scope_goes_on(servers, ccpki, kind, http2):
    s = servers["optional"]
    r = get(s, "/report/", kind, ccpki, http2=http2)
    assert r.status == 200 and r.text == "healthy\n"     # the request went on
    assert s.log_entry(r)["client_cert"] == VERDICTS[kind][1]


@TLS
@pytest.mark.parametrize("kind", ["expired", "selfsigned", None, "valid", "expiring"],
                         ids=["expired", "selfsigned", "none", "valid", "expiring"])
def test_report_vhost(report_server, ccpki, kind, tls):
    s = report_server
    r = get(s, "/", kind, ccpki, tls=tls)
    assert r.status == 200 and "index" in r.text
    assert r.sts == [POLICY]
    assert s.log_entry(r)["client_cert"] == {"expired": "expired", "selfsigned": "untrusted",
                                             None: "missing", "valid": "ok",
                                             "expiring": "ok"}[kind]
    if kind not in ("valid", "expiring", None):
        assert r.header("X-Verify").startswith("FAILED:")


@pytest.mark.parametrize("path,kind,line,marker", [
    ("/plain403/", "expired", "HTTP/1.1 403 Forbidden", "expired on"),
    ("/plain403/", None, "HTTP/1.1 403 Forbidden", "No client certificate was sent"),
    ("/styled/", "revoked", "HTTP/1.1 403 Forbidden", "styled-403-page"),
    ("/nginx/", "untrusted", "HTTP/1.1 400 Bad Request", "unknown issuer"),
    ("/nginx/", None, "HTTP/1.1 400 Bad Request", "No client certificate was sent"),
    ("/odd/", "notyet", "HTTP/1.1 499 SSL Certificate Error", "not valid before"),
    ("/odd/", None, "HTTP/1.1 497 SSL Certificate Required", "No client certificate"),
], ids=["403-failed", "403-missing", "403-errordocument", "400-failed", "400-missing",
        "499-failed", "497-missing"])
def test_client_cert_status(servers, ccpki, path, kind, line, marker):
    s = servers["optional"]
    first, resp = raw_status_line(s, path, kind, ccpki)
    assert first == line
    assert marker in resp.body.decode("utf-8", "replace")
    assert resp.header("Strict-Transport-Security") == POLICY
    e = s.log_entry(resp)
    assert e["status"] == line.split()[1]
    assert e["client_cert"] != "ok"
    # and over HTTP/2 (no reason phrase there)
    r = get(s, path, kind, ccpki, http2=True)
    assert r.status == int(line.split()[1]) and marker in r.text and r.sts == [POLICY]


def test_errordocument_500_is_not_used_for_495(httpd_factory, ccpki):
    """httpd files statuses it does not know under 500; the module's page wins."""
    s = httpd_factory.start(https_body=mtls(ccpki) + "    HSTSClientCert require\n"
                            "    ErrorDocument 500 /errors/500.html\n",
                            allow_errors=EXPECTED_ERRORS)
    r = get(s, "/", "expired", ccpki)
    assert r.status == 495 and "custom-500-page" not in r.text and "expired on" in r.text


# ---------------------------------------------------------------------------
# a failed certificate is never treated as authenticated
# ---------------------------------------------------------------------------

# kinds: the impostor has the valid certificate's subject (CN=client-valid)
FAILED_KINDS = ["impostor", "expired", "revoked", "untrusted"]


@TLS
@pytest.mark.parametrize("where", ["off", "report"])
@pytest.mark.parametrize("kind", FAILED_KINDS)
def test_failed_certificate_never_authenticates(servers, report_server, ccpki, where, kind,
                                                tls):
    s, prefix = (servers["optional"], "/healthz") if where == "off" else (report_server, "/sec")
    for path in ("verified", "sslrequire", "verify-client"):
        r = get(s, "%s/%s/" % (prefix, path), kind, ccpki, tls=tls)
        assert r.status == 403, (path, r.status)
        assert r.header("X-Verify").startswith("FAILED:")
    r = get(s, prefix + "/user/", kind, ccpki, tls=tls)
    assert r.status == 200 and r.header("X-User") in (None, "")
    r = get(s, prefix + "/user-required/", kind, ccpki, tls=tls)
    assert r.status != 200 and "protected" not in r.text
    r = get(s, prefix + "/fakebasic/", kind, ccpki, tls=tls)
    assert r.status == 401 and "protected" not in r.text


@TLS
@pytest.mark.parametrize("where", ["off", "report"])
def test_valid_certificate_still_authenticates(servers, report_server, ccpki, where, tls):
    s, prefix = (servers["optional"], "/healthz") if where == "off" else (report_server, "/sec")
    for path in ("verified", "sslrequire", "verify-client", "user-required", "fakebasic"):
        r = get(s, "%s/%s/" % (prefix, path), "valid", ccpki, tls=tls)
        assert r.status == 200 and r.text == "protected-%s\n" % path, (path, r.status)
    r = get(s, prefix + "/user/", "valid", ccpki, tls=tls)
    assert r.header("X-User") == "client-valid"


# ---------------------------------------------------------------------------
# what mod_ssl does stays mod_ssl's
# ---------------------------------------------------------------------------

@TLS
@pytest.mark.parametrize("kind", ["expired", "revoked", "untrusted", "notyet", "valid", None],
                         ids=["expired", "revoked", "untrusted", "notyet", "valid", "none"])
def test_vhost_without_hsts_client_cert_keeps_modssl_behaviour(servers, stock_server, ccpki,
                                                                kind, tls):
    """sub.hsts.test (same port, SNI) has no HSTSClientCert: a bad certificate still
    ends the TLS handshake, with the same curl error and TLS alert as a server
    without the module."""
    ours = get(servers["optional"], "/", kind, ccpki, tls=tls, host="sub.hsts.test")
    stock = get(stock_server, "/", kind, ccpki, tls=tls)
    assert (ours.status, ours.curl_rc) == (stock.status, stock.curl_rc)
    if kind in ("valid", None):
        assert ours.status == 200 and ours.header("X-Verify") == stock.header("X-Verify")
    else:
        assert ours.status == 0 and ours.curl_rc != 0
        alert = re.search(r"alert [a-z ]+", stock.stderr)
        if alert:
            assert alert.group(0) in ours.stderr, (ours.stderr, stock.stderr)


@TLS
def test_optional_no_ca_generous_as_mod_ssl(httpd_factory, stock_server, ccpki, tls):
    """optional_no_ca without CRL checks: mod_ssl accepts an unknown issuer as
    GENEROUS; the module refuses it (495 untrusted) where require is set and leaves
    SSL_CLIENT_VERIFY exactly as mod_ssl alone has it elsewhere."""
    s = httpd_factory.start(
        https_body=mtls(ccpki, "optional_no_ca", "none") + "    HSTSClientCert require\n"
        "    <Location /healthz>\n        HSTSClientCert off\n    </Location>\n",
        files=site_files(("/healthz",)), allow_errors=EXPECTED_ERRORS)
    r = get(s, "/", "untrusted", ccpki, tls=tls)
    assert r.status == 495 and s.log_entry(r)["client_cert"] == "untrusted"
    assert "unknown issuer" in r.text
    ours = get(s, "/healthz/", "untrusted", ccpki, tls=tls)
    stock = get(stock_server, "/", "untrusted", ccpki, tls=tls, host="sub.hsts.test")
    assert ours.status == stock.status == 200
    assert ours.header("X-Verify") == stock.header("X-Verify")
    assert ours.header("X-Verify") != "SUCCESS"
    assert s.log_entry(ours)["client_cert"] == "untrusted"


def test_modssl_depth_check_gives_495(httpd_factory, ccpki):
    """SSLVerifyDepth is checked by mod_ssl's own callback (OpenSSL accepts the
    chain): the failure still becomes a 495, with mod_ssl's reason."""
    s = httpd_factory.start(https_body=mtls(ccpki, depth=1) + "    HSTSClientCert require\n",
                            allow_errors=(r"AH02040: Certificate Verification: Certificate "
                                          r"Chain too long",) + EXPECTED_ERRORS)
    r = get(s, "/", "inter-valid", ccpki)
    assert r.status == 495, r.text
    assert r.header("X-Verify") == "FAILED:certificate chain too long"
    assert s.log_entry(r)["client_cert"] == "invalid"
    assert "could not be verified: certificate chain too long." in r.text
    assert get(s, "/", "valid", ccpki).status == 200


def s_client(server, kind, ccpki, tls, sess, sess_mode, host="hsts.test", path="/", ids=None):
    """One request over `openssl s_client`: (New|Reused, status). sess_mode
    -sess_out saves the session (a TLS 1.3 server that sends no ticket leaves no
    file), -sess_in offers the saved one (none when there is no file). ids: a list
    the request's X-Test-Id is appended to."""
    cmd = [OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % server.https_port,
           "-servername", "hsts.test", "-CAfile", str(server.pki.root_ca),
           "-tls1_2" if tls == "1.2" else "-tls1_3", "-ign_eof"]
    if sess_mode == "-sess_out" or Path(sess).exists():
        cmd += [sess_mode, str(sess)]
    if kind:
        cert, key = ccpki.certs[kind]
        cmd += ["-cert", str(cert), "-key", str(key)]
        if kind.startswith("inter-") or kind == "expiring":
            cmd += ["-cert_chain", str(ccpki.dir / "inter.pem")]
    tid = uuid.uuid4().hex
    if ids is not None:
        ids.append(tid)
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nX-Test-Id: %s\r\n\r\n"
           % (path, host, tid)).encode()
    p = subprocess.run(cmd, input=req, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    out = p.stdout.decode(errors="replace")
    reused = re.search(r"^(Reused|New), TLSv", out, re.M)
    status = re.search(r"HTTP/1\.1 (\d{3}) ", out)
    return (reused.group(1) if reused else None), (int(status.group(1)) if status else None)


# (kind, status, TLS version, session tickets) -> resumed on the second connection
#  - with a certificate the module accepted: yes, with its verdict (a TLS 1.2 ticket,
#    made in the handshake before the verdict, through the table of accepted sessions)
#  - with a refused certificate: never (each connection verifies again)
#  - without a certificate: as with mod_ssl alone
RESUMED = {("valid", "1.3", True): True, ("valid", "1.2", True): True,
           ("valid", "1.3", False): True, ("valid", "1.2", False): True}


@pytest.fixture(scope="module")
def no_tickets_server(module_httpd_factory, ccpki):
    return module_httpd_factory.start(
        https_body=mtls(ccpki) + "    HSTSClientCert require\n    SSLSessionTickets off\n",
        allow_errors=EXPECTED_ERRORS)


@TLS
@pytest.mark.parametrize("tickets", [True, False], ids=["tickets", "cache"])
@pytest.mark.parametrize("kind,status", [("expired", 495), ("revoked", 495), ("valid", 200),
                                         ("inter-valid", 200), (None, 496)],
                         ids=["expired", "revoked", "valid", "inter-valid", "none"])
def test_session_resumption(servers, no_tickets_server, ccpki, tmp_path, kind, status, tls,
                            tickets):
    """A resumed connection gets exactly the answer of its full handshake."""
    s = servers["optional"] if tickets else no_tickets_server
    sess, ids = tmp_path / "session.pem", []
    assert s_client(s, kind, ccpki, tls, sess, "-sess_out", ids=ids) == ("New", status)
    again = s_client(s, kind, ccpki, tls, sess, "-sess_in", ids=ids)
    resumed = kind is None or RESUMED.get((kind.replace("inter-", ""), tls, tickets), False)
    assert again == ("Reused" if resumed else "New", status)
    assert s_client(s, kind, ccpki, tls, sess, "-sess_in", ids=ids)[1] == status
    for tid in ids:
        assert s.log_entry(tid)["client_cert"] == VERDICTS[kind][1]


# ---------------------------------------------------------------------------
# logs and counters (fresh servers: the log is rate-limited per minute)
# ---------------------------------------------------------------------------

def log_lines(server, number):
    return [l for l in server.read_error_log().splitlines() if "HSTS%s:" % number in l]


def test_log_lines_and_rate_limit(httpd_factory, ccpki):
    s = start_require(httpd_factory, ccpki, "optional", loglevel="warn")
    for kind in ("expired", "notyet", "revoked", "untrusted", None, "expired", None):
        get(s, "/some/path", kind, ccpki, http2=kind == "revoked")
    s.wait_pending()
    lines = log_lines(s, "00030")
    assert len(lines) == 5, "\n".join(lines)       # one per reason and minute
    by_code = {re.search(r"HSTS00030: (client_cert\.[a-z_]+):", l).group(1): l for l in lines}
    assert set(by_code) == {"client_cert.expired", "client_cert.not_yet_valid",
                            "client_cert.revoked", "client_cert.untrusted",
                            "client_cert.missing"}
    line = by_code["client_cert.expired"]
    assert "[hsts_audit:error]" in line
    assert "refused with 495" in line
    assert "vhost hsts.test:%d" % s.https_port in line
    assert "path /some/path" in line
    assert "subject 'CN=client-expired,O=mod_hsts_audit tests'" in line
    assert "issuer 'CN=HSTS Test Client CA,O=mod_hsts_audit tests'" in line
    assert "SSL_CLIENT_VERIFY 'FAILED:certificate has expired'" in line
    assert "Fix: issue the client a new certificate." in line
    assert "refused with 496" in by_code["client_cert.missing"]
    get(s, "/", "markup", ccpki)
    s.wait_pending()
    line = [l for l in log_lines(s, "00030") if "client_cert.untrusted" in l]
    assert len(line) == 1                            # rate-limited: still one


def test_log_line_clips_certificate_names(httpd_factory, ccpki):
    s = httpd_factory.start(https_body=mtls(ccpki) + "    HSTSClientCert require\n",
                            allow_errors=EXPECTED_ERRORS)
    assert get(s, "/", "longdn", ccpki).status == 495
    s.wait_pending()
    line = log_lines(s, "00030")[0]
    subject = re.search(r"subject '([^']*)'", line).group(1)
    assert subject.startswith("CN=" + "c" * 60 + ",OU=") and subject.endswith("...")
    assert len(subject) == 103
    assert len(line) < 2000


def test_report_and_expiring_log_lines(httpd_factory, ccpki):
    s = httpd_factory.start(https_body=mtls(ccpki) + "    HSTSClientCert report\n"
                            "    HSTSCertWarnDays 10\n", allow_errors=EXPECTED_ERRORS)
    get(s, "/", "revoked", ccpki)
    get(s, "/", "expiring", ccpki)
    get(s, "/", "valid", ccpki)
    s.wait_pending()
    report = log_lines(s, "00031")
    assert len(report) == 1 and "client_cert.revoked" in report[0]
    assert "HSTSClientCert report: the request goes on" in report[0]
    expiring = log_lines(s, "00032")
    assert len(expiring) == 1 and "[hsts_audit:warn]" in expiring[0]
    assert re.search(r"client_cert\.expiring_soon: .*accepted, [45] days left "
                     r"\(HSTSCertWarnDays 10\)", expiring[0]), expiring[0]
    assert "subject 'CN=client-expiring" in expiring[0]
    assert not log_lines(s, "00030")


def test_no_expiring_finding_beyond_warn_days(httpd_factory, ccpki):
    s = httpd_factory.start(https_body=mtls(ccpki) + "    HSTSClientCert report\n"
                            "    HSTSCertWarnDays 3\n" + STATUS_PAGE,
                            allow_errors=EXPECTED_ERRORS)
    r = get(s, "/", "expiring", ccpki)
    assert r.status == 200 and s.log_entry(r)["client_cert"] == "ok"
    s.wait_pending()
    assert not log_lines(s, "00032")


def test_counters(httpd_factory, ccpki):
    s = start_require(httpd_factory, ccpki, "optional")
    plan = {"expired": 3, "revoked": 2, "untrusted": 1, None: 4, "valid": 2, "expiring": 1}
    for kind, n in plan.items():
        for i in range(n):
            get(s, "/", kind, ccpki, http2=bool(i % 2))
    get(s, "/report/", "notyet", ccpki)               # report: counted, not refused
    get(s, "/healthz/", "expired", ccpki)             # off: neither
    s.wait_pending()
    doc = status_json(s)
    totals = doc["totals"]
    assert totals["client_cert_rejected_495"] == 6
    assert totals["client_cert_rejected_496"] == 4
    f = doc["findings"]
    assert f["client_cert.expired"] == 3
    assert f["client_cert.revoked"] == 2
    assert f["client_cert.untrusted"] == 1
    assert f["client_cert.missing"] == 4
    assert f["client_cert.not_yet_valid"] == 1
    assert f["client_cert.expiring_soon"] == 1
    assert f.get("client_cert.invalid", 0) == 0
    vh = vhost(doc, https_name(s))
    assert vh["counters"]["client_cert_rejected_495"] == 6
    assert vh["counters"]["client_cert_rejected_496"] == 4


# ---------------------------------------------------------------------------
# configuration: what is supported, and a clear refusal of what is not
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("body,number,words", [
    ("    SSLVerifyClient require\n    HSTSClientCert require\n", "HSTS00033",
     ("SSLVerifyClient optional", "'SSLVerifyClient require'")),
    ("    HSTSClientCert report\n", "HSTS00033", ("no SSLVerifyClient",)),
    ("    SSLVerifyClient none\n    <Location /a>\n        HSTSClientCert require\n"
     "    </Location>\n", "HSTS00033", ("'SSLVerifyClient none'",)),
    ("    SSLVerifyClient optional\n    HSTSClientCert require\n"
     "    <Location /admin>\n        SSLVerifyClient require\n    </Location>\n",
     "HSTS00034", ("'SSLVerifyClient require' in a per-directory section", "renegotiate",
                   "post-handshake")),
    ("    SSLVerifyClient optional\n    HSTSClientCert require\n"
     "    <Directory />\n        SSLVerifyDepth 5\n    </Directory>\n",
     "HSTS00034", ("'SSLVerifyDepth 5' in a per-directory section",)),
], ids=["verify-require", "no-verify", "verify-none", "per-dir-verify", "per-dir-depth"])
def test_unsupported_configurations_fail_configtest(httpd_factory, ccpki, body, number, words):
    rc, out = httpd_factory.configtest(
        https_body=body.replace("SSLVerifyClient optional\n", mtls(ccpki).lstrip(), 1)
        if "SSLVerifyClient optional\n" in body else body)
    assert rc != 0, out
    assert number in out, out
    for w in words:
        assert w in out, out
    assert "Syntax OK" not in out


def test_global_per_dir_verify_and_global_hsts_client_cert(httpd_factory, ccpki):
    rc, out = httpd_factory.configtest(
        hsts_global="HSTSClientCert report\n",
        pre_vhosts="<Location /x>\n    SSLVerifyClient require\n</Location>\n",
        https_body=mtls(ccpki))
    assert rc != 0 and "HSTS00034" in out and "SSLVerifyClient require" in out, out


@pytest.mark.parametrize("body,words", [
    ("HSTSClientCert maybe", ("HSTSClientCert", "off, report, require")),
    ("HSTSClientCert", ("HSTSClientCert",)),
    ("HSTSClientCertStatus 500 496", ("HSTSClientCertStatus", "4xx")),
    ("HSTSClientCertStatus 495 302", ("HSTSClientCertStatus", "'302'")),
    ("HSTSClientCertStatus 495", ("HSTSClientCertStatus",)),
], ids=["mode", "no-arg", "status-500", "status-302", "one-status"])
def test_bad_values_fail_configtest(httpd_factory, body, words):
    rc, out = httpd_factory.configtest(body + "\n")
    assert rc != 0, out
    for w in words:
        assert w in out, out
    assert "Invalid command" not in out


def test_not_in_htaccess(httpd_factory, ccpki):
    s = start_require(httpd_factory, ccpki, "optional")
    (s.root / "htdocs" / "ht").mkdir()
    (s.root / "htdocs" / "ht" / ".htaccess").write_text("HSTSClientCert off\n")
    (s.root / "htdocs" / "ht" / "index.html").write_text("x\n")
    make_world_readable(s.root / "htdocs")
    s.allow(r"HSTSClientCert not allowed here")
    r = get(s, "/ht/", "valid", ccpki)
    assert r.status == 500


def test_per_dir_verify_on_another_vhost_is_accepted(httpd_factory, ccpki):
    """Per-directory SSLVerifyClient on a vhost that does not use HSTSClientCert.
    (HSTSClientCert in a plain-HTTP vhost: test_client_cert_fail_closed.py.)"""
    rc, out = httpd_factory.configtest(
        https_body=mtls(ccpki) + "    HSTSClientCert require\n",
        body=plain_vhost(ccpki).replace(
            "</VirtualHost>", "    <Location /x>\n        SSLVerifyClient require\n"
                              "    </Location>\n</VirtualHost>"))
    assert rc == 0, out


def test_graceful_restart_keeps_working(httpd_factory, ccpki):
    s = start_require(httpd_factory, ccpki, "optional")
    assert get(s, "/", "expired", ccpki).status == 495
    s.graceful()
    assert get(s, "/", "expired", ccpki).status == 495
    assert get(s, "/", "valid", ccpki).status == 200
    s.graceful()
    assert get(s, "/", None, ccpki, http2=True).status == 496


@pytest.mark.parametrize("mpm", ["prefork", "worker"])
def test_other_mpms(httpd_factory, ccpki, mpm):
    s = start_require(httpd_factory, ccpki, "optional", mpm=mpm)
    for kind, status in (("expired", 495), ("valid", 200), (None, 496)):
        for http2 in (False, True):
            r = get(s, "/", kind, ccpki, http2=http2)
            assert r.status == status and r.sts == [POLICY]


def test_subrequest_into_a_require_scope(httpd_factory, ccpki):
    """An `off` page cannot pull a `require` resource in through a sub-request
    (SSI include virtual): the sub-request is refused as well."""
    s = httpd_factory.start(
        https_body=mtls(ccpki) + "    HSTSClientCert require\n"
        "    <Location /healthz>\n        HSTSClientCert off\n"
        "        Options +Includes\n        AddOutputFilter INCLUDES .shtml\n"
        "    </Location>\n",
        modules=("include",), allow_errors=EXPECTED_ERRORS + (r"unable to include .*subrequest setup returned 495",),
        files={"htdocs/healthz/ssi.shtml":
               'before <!--#include virtual="/page.html" --> after\n'})
    r = get(s, "/healthz/ssi.shtml", "expired", ccpki)
    assert r.status == 200 and "before" in r.text and "after" in r.text
    assert "page" not in r.text.replace("an error occurred", "")
    r = get(s, "/healthz/ssi.shtml", "valid", ccpki)
    assert r.status == 200 and "<body>page</body>" in r.text


def test_plain_http_on_the_tls_port(servers):
    """mod_ssl answers plain HTTP on a TLS port itself (400); the module's
    connection filter steps aside."""
    s = servers["optional"]
    raw = raw_http(s.https_port, b"GET / HTTP/1.1\r\nHost: hsts.test\r\n"
                            b"Connection: close\r\n\r\n", tls=False)
    assert raw.startswith(b"HTTP/1.1 400 ")
    assert b"speaking plain HTTP" in raw


def test_ssl_verify_client_inherited_from_the_server_config(httpd_factory, ccpki):
    """SSLVerifyClient optional in the server config counts for every vhost."""
    s = httpd_factory.start(pre_vhosts=mtls(ccpki).replace("    ", ""),
                            https_body="    <Location />\n        HSTSClientCert require\n"
                                       "    </Location>\n", allow_errors=EXPECTED_ERRORS)
    assert get(s, "/", "revoked", ccpki).status == 495
    assert get(s, "/", "valid", ccpki).status == 200


class OcspResponder(BackgroundServer):
    """A minimal OCSP responder on 127.0.0.1 for the harness's client CA: each POST
    is answered by `openssl ocsp` from the CA's index (which lists "revoked")."""

    def __init__(self, pki, workdir):
        import http.server
        import socketserver
        ca = pki.cas["client"]
        work = Path(workdir)
        responder = self
        self.requests = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                req, resp = work / "req.der", work / "resp.der"
                req.write_bytes(body)
                run([OPENSSL, "ocsp", "-index", ca.dir / "index.txt",
                     "-CA", ca.cert, "-rsigner", ca.cert, "-rkey", ca.key,
                     "-reqin", req, "-respout", resp, "-nmin", "5"])
                data = resp.read_bytes()
                responder.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/ocsp-response")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.serve(socketserver.TCPServer(("127.0.0.1", 0), Handler))
        self.port = self.server.server_address[1]


@pytest.fixture
def ocsp(pki, tmp_path):
    r = OcspResponder(pki, tmp_path)
    yield r
    r.stop()


def ocsp_conf(ccpki, port):
    return ('    SSLVerifyClient optional\n'
            '    SSLCACertificateFile "%s"\n'
            '    SSLCARevocationCheck none\n'
            '    SSLOCSPEnable leaf\n'
            '    SSLOCSPDefaultResponder http://127.0.0.1:%d/\n'
            '    SSLOCSPOverrideResponder on\n'
            '    Header always set X-Verify "%%{SSL_CLIENT_VERIFY}s"\n' % (ccpki.cas, port))


@TLS
def test_ocsp_revocation_gives_495(httpd_factory, ccpki, ocsp, tls):
    """OCSP is checked by mod_ssl's own callback after OpenSSL accepted the chain: with
    mod_ssl alone a revoked certificate ends the handshake; with HSTSClientCert require
    it gets its 495 with mod_ssl's reason."""
    conf = ocsp_conf(ccpki, ocsp.port)
    allow = EXPECTED_ERRORS + (r"AH03239: OCSP validation completed, certificate status: "
                               r"revoked",)
    stock = httpd_factory.start(with_module=False, https_body=conf, allow_errors=allow)
    ours = httpd_factory.start(https_body=conf + "    HSTSClientCert require\n",
                               allow_errors=allow)
    r = get(stock, "/", "revoked", ccpki, tls=tls)
    assert r.status == 0 and r.curl_rc != 0
    assert get(stock, "/", "valid", ccpki, tls=tls).status == 200
    before = ocsp.requests
    r = get(ours, "/", "revoked", ccpki, tls=tls)
    assert r.status == 495, r.text
    assert r.header("X-Verify") == "FAILED:certificate revoked"
    assert ours.log_entry(r)["client_cert"] == "revoked"
    assert "revoked by its issuer" in r.text
    r = get(ours, "/", "valid", ccpki, tls=tls)
    assert r.status == 200 and r.header("X-Verify") == "SUCCESS"
    assert ocsp.requests == before + 2        # asked once per connection
