"""The (0.2) certificate checks on a real httpd (design.md sections 2, 4 and 5): one
vhost per new cert.* finding and a clean control next to it, each with its exact
HSTS00020 startup line, the same line from `apache2 -t`, and the vhost's findings
in the status page's ?json, ?auto and ?metrics; the trust store (the CA bundle
file, never OpenSSL's hashed directory: the snakeoil case), HSTSTrustedCA FILE
public for the public-root rules.

Certificates: made here with the openssl CLI under the harness's root and
intermediate CA (common.pki.PKI), plus an intermediate that has expired, one that
expires in 10 days, and a root made from the distrust table's test key
(tests/data/distrusted-test-root.key). Embedded SCT lists come from
tests/common/sct_ext.py.
"""

import datetime
import re
import subprocess

import pytest

from common import sct_ext
from common.env import OPENSSL, make_world_readable, run
from common.httpd_conf import SSL_SECLEVEL0
from common.logs import cert_audit_lines, parse_cert_audit_line
from common.pki import SERVER_LEAF_EXT, CertFiles, ExtraCerts
from common.status import STATUS_LOCATION, status_json, status_page, vhost
from test_certs_audit import configtest_split, finding_line, subject_of


# --------------------------------------------------------------------------
# certificates
# --------------------------------------------------------------------------

class Case:
    def __init__(self, certs, extra="", findings=(), level="error"):
        self.certs, self.extra, self.findings, self.level = certs, extra, findings, level


@pytest.fixture(scope="module")
def rules(tmp_root, pki):
    d = tmp_root / "test_certs_browser_rules-pki"
    d.mkdir(exist_ok=True)
    r = ExtraCerts(pki, d)
    day = datetime.timedelta(days=1)
    inter = pki.cas["intermediate"]
    ext = SERVER_LEAF_EXT
    scts = lambda n: sct_ext.openssl_line(n, r.ms)   # noqa: E731
    c = {
        "cnonly": r.leaf("cnonly", inter, ext, san=False),
        "rsa1024": r.leaf("rsa1024", inter, ext, keyspec="rsa1024"),
        "rsa2048": r.leaf("rsa2048", inter, ext, keyspec="rsa2048"),
        "secp256k1": r.leaf("secp256k1", inter, ext, keyspec="secp256k1"),
        "clientauth": r.leaf("clientauth", inter,
                             ext.replace("= serverAuth", "= clientAuth")),
        "noeku": r.leaf("noeku", inter, ext.replace("extendedKeyUsage = serverAuth\n", "")),
        "muststaple": r.leaf("muststaple", inter, ext + "tlsfeature = status_request\n"),
        "stapled": r.leaf("stapled", inter, ext + "tlsfeature = status_request\n"),
        "long": r.leaf("long", inter, ext + scts(3), days=400),
        "year": r.leaf("year", inter, ext + scts(3), days=365),
        "ct1": r.leaf("ct1", inter, ext + scts(1), days=90),
        "ct2": r.leaf("ct2", inter, ext + scts(2), days=90),
    }
    # ct1's certificate in a file of its own, for a vhost with private roots
    # (`apache2 -t` names vhosts by name and certificate file)
    copy = d / "ct1private-chain.pem"
    copy.write_text(c["ct1"].chain.read_text())
    c["ct1private"] = CertFiles("ct1private", c["ct1"].key, c["ct1"].cert, copy, c["ct1"].issuer)
    old = r.ca("expired-intermediate", pki.cas["root"], r.now - 400 * day, r.now - day)
    c["expiredinter"] = r.leaf("expiredinter", old, ext, days=300)
    soon = r.ca("soon-intermediate", pki.cas["root"], r.now - 400 * day, r.now + 10 * day)
    c["soonexpiring"] = r.leaf("soonexpiring", soon, ext, days=300)
    bad_root = r.distrusted_root()
    c["distrusted"] = r.leaf("distrusted", bad_root, ext + scts(2), days=90,
                             serve_ca=False)
    c["distrustedprivate"] = r.leaf("distrustedprivate", bad_root, ext + scts(2), days=90,
                                    serve_ca=False)
    make_world_readable(d)
    r.certs = c
    return r


def public(ca_file):
    return '    HSTSTrustedCA "%s" public' % ca_file


def cases(r):
    iso = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    root = r.pki.root_ca
    droot = r.d / "distrusted-root.pem"
    c = r.certs
    return {
        "cnonly": Case(c["cnonly"], findings=[(
            "cert.name_mismatch", "not covered: cnonly.hsts.test; the certificate has no "
            "subjectAltName (browsers ignore the subject CN)")]),
        "expiredinter": Case(c["expiredinter"], findings=[(
            "cert.chain_expiring", re.compile(
                r"intermediate CN=HSTS expired-intermediate CA,O=mod_hsts_audit tests, not "
                r"after %s, -[12] days left$" % iso))]),
        "soonexpiring": Case(c["soonexpiring"], level="warn", findings=[(
            "cert.chain_expiring", re.compile(
                r"intermediate CN=HSTS soon-intermediate CA,O=mod_hsts_audit tests, not "
                r"after %s, (9|10) days left$" % iso))]),
        "rsa1024": Case(c["rsa1024"], extra=SSL_SECLEVEL0,
                        findings=[("cert.weak_key", "RSA 1024 bits")]),
        "rsa2048": Case(c["rsa2048"]),
        "secp256k1": Case(c["secp256k1"], findings=[("cert.weak_key", "EC curve secp256k1")]),
        "clientauth": Case(c["clientauth"], findings=[(
            "cert.server_auth_missing", "extendedKeyUsage without serverAuth")]),
        "noeku": Case(c["noeku"]),
        "muststaple": Case(c["muststaple"], findings=[(
            "cert.must_staple_unstapled",
            "TLS Feature status_request (OCSP Must-Staple), SSLUseStapling is not on")]),
        "stapled": Case(c["stapled"], extra="    SSLUseStapling on"),
        # the public-root rules: the harness root marked public for these vhosts
        "long": Case(c["long"], extra=public(root), findings=[(
            "cert.validity_too_long", re.compile(r"valid 400 days from %s, more than 398$"
                                                 % iso))]),
        "year": Case(c["year"], extra=public(root)),
        "ct1": Case(c["ct1"], extra=public(root), findings=[(
            "cert.ct_insufficient", "1 embedded SCT, Chrome asks 2 for a lifetime of 90 days")]),
        "ct2": Case(c["ct2"], extra=public(root)),
        "ct1private": Case(c["ct1private"]),
        "distrusted": Case(c["distrusted"], extra=public(droot), findings=[(
            "cert.issuer_distrusted", re.compile(
                r"test distrusts mod_hsts_audit test root for certificates after "
                r"2019-12-31T23:59:59Z; compared: earliest SCT %s; source: "
                r"tests/data/distrusted-test-root.key$" % iso))]),
        "distrustedprivate": Case(c["distrustedprivate"],
                                  extra='    HSTSTrustedCA "%s"' % droot),
    }


def vhost_conf(name, case):
    return ("<VirtualHost 127.0.0.1:@HTTPS_PORT@>\n"
            "    ServerName %s.hsts.test\n"
            "    SSLEngine on\n"
            '    SSLCertificateFile "%s"\n'
            '    SSLCertificateKeyFile "%s"\n'
            "%s\n%s"
            "</VirtualHost>\n" % (name if name != "ct1private" else "ct1",
                                  case.certs.chain, case.certs.key, case.extra,
                                  STATUS_LOCATION if name == "rsa2048" else ""))


def host_of(name):
    return ("ct1" if name == "ct1private" else name) + ".hsts.test"


@pytest.fixture(scope="module")
def the_cases(rules):
    return cases(rules)


@pytest.fixture(scope="module")
def server(module_httpd_factory, rules, the_cases):
    # ct1private shares ct1's certificate under the same name: it gets its own port
    body = "".join(vhost_conf(n, c).replace("@HTTPS_PORT@", "@PORT0@" if n == "ct1private"
                                             else "@HTTPS_PORT@")
                   for n, c in the_cases.items())
    stapling_cache = 'SSLStaplingCache "shmcb:%s/stapling(32768)"\n' % rules.d
    s = module_httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\n" + stapling_cache, body=body, extra_ports=1,
        allow_errors=[r"AH0221[78]|AH02567|AH01909|stapling"])
    s.startup_log = s.read_error_log()
    return s


def vhost_label(server, name):
    port = server.extra_ports[0] if name == "ct1private" else server.https_port
    return "%s:%d" % (host_of(name), port)


def check_lines(lines, label, case):
    mine = [l for l in lines if "(vhost %s, " % label in l]
    assert len(mine) == len(case.findings), "vhost %s: %r" % (label, mine)
    subject = subject_of(case.certs.cert)
    for (code, detail), line in zip(case.findings, mine):
        got_code, _, got_subject, got_detail = parse_cert_audit_line(line)
        assert (got_code, got_subject) == (code, subject), line
        if isinstance(detail, re.Pattern):
            assert detail.match(got_detail), line
            detail = got_detail
        assert line == finding_line(code, label, subject, detail)


CASE_IDS = ["cnonly", "expiredinter", "soonexpiring", "rsa1024", "rsa2048", "secp256k1",
            "clientauth", "noeku", "muststaple", "stapled", "long", "year", "ct1", "ct2",
            "ct1private", "distrusted", "distrustedprivate"]


class TestStartup:
    @pytest.mark.parametrize("name", CASE_IDS)
    def test_finding_lines(self, server, the_cases, name):
        check_lines(cert_audit_lines(server.startup_log), vhost_label(server, name),
                    the_cases[name])

    def test_no_other_lines(self, server, the_cases):
        lines = cert_audit_lines(server.startup_log)
        assert len(lines) == sum(len(c.findings) for c in the_cases.values()), \
            "\n".join(lines)

    def test_levels(self, server, the_cases):
        """Error findings at level error; cert.chain_expiring for an intermediate
        that has not expired yet at warn."""
        for name, case in the_cases.items():
            for line in server.startup_log.splitlines():
                if "HSTS00020:" in line and "(vhost %s, " % vhost_label(server, name) in line:
                    assert "[hsts_audit:%s]" % case.level in line, line


class TestConfigtest:
    @pytest.fixture(scope="class")
    def out(self, server):
        rc, out, err = configtest_split(server.conf_path)
        assert rc == 0 and "Syntax OK" in out + err, out + err
        return err

    @pytest.mark.parametrize("name", CASE_IDS)
    def test_same_findings_as_startup(self, out, the_cases, name):
        case = the_cases[name]
        check_lines(cert_audit_lines(out), "%s (%s)" % (host_of(name), case.certs.chain), case)


class TestStatus:
    """The audit's findings per vhost in every format (the counts of the
    existing keys; the lead's `problems` come on top)."""

    def get(self, server, query):
        return status_page(server, query, host="rsa2048.hsts.test").text

    def test_json(self, server, the_cases):
        doc = status_json(server, host="rsa2048.hsts.test")
        for name, case in the_cases.items():
            cert = vhost(doc, vhost_label(server, name))["certificate"]
            assert cert["findings"] == [code for code, _ in case.findings], name

    def test_metrics(self, server, the_cases):
        text = self.get(server, "metrics")
        for name, case in the_cases.items():
            label = re.escape(vhost_label(server, name))
            m = re.search(r'^hsts_audit_server_cert_findings\{vhost="%s"\} (\d+)$' % label,
                          text, re.M)
            # a standing condition has a series only while it stands
            assert (int(m.group(1)) if m else 0) == len(case.findings), name
            assert (m is None) == (not case.findings), name
            problems = re.findall(r'^hsts_audit_problem\{vhost="%s",code="([a-z_.]+)",'
                                  r'severity="(error|warning)"\} 1$' % label, text, re.M)
            assert sorted(c for c, _ in problems) == sorted(c for c, _ in case.findings), name

    def test_auto(self, server, the_cases):
        text = self.get(server, "auto")
        # the harness's own TLS vhost (hsts.test) has a good chain: no problem
        want = sum(1 for c in the_cases.values() if c.findings)
        assert re.search(r"^HstsAuditCertProblems: %d$" % want, text, re.M), text


# --------------------------------------------------------------------------
# the trust store: the CA bundle file, not OpenSSL's hashed directory
# --------------------------------------------------------------------------

def test_snakeoil_in_openssl_cert_dir_is_untrusted(httpd_factory, pki, tmp_path, monkeypatch):
    """Debian's make-ssl-cert links the self-signed snakeoil certificate into
    OpenSSL's hashed default directory, so an audit with OpenSSL's default paths
    called stock default-ssl "verified". The same with SSL_CERT_DIR (which httpd
    inherits): OpenSSL's defaults trust it (the control), the audit does not, at
    startup, in `apache2 -t`, and on the status page."""
    snakeoil = pki.server("selfsigned")
    certs = tmp_path / "certs"
    certs.mkdir()
    h = run([OPENSSL, "x509", "-in", snakeoil.cert, "-noout", "-subject_hash"]).strip()
    (certs / (h + ".0")).write_text(snakeoil.cert.read_text())
    make_world_readable(tmp_path)
    monkeypatch.setenv("SSL_CERT_DIR", str(certs))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "none.pem"))
    control = subprocess.run([OPENSSL, "verify", str(snakeoil.cert)], capture_output=True)
    assert control.returncode == 0, control.stderr

    body = ("<VirtualHost 127.0.0.1:@PORT0@>\n"
            "    ServerName hsts.test\n"
            "    SSLEngine on\n"
            '    SSLCertificateFile "%s"\n'
            '    SSLCertificateKeyFile "%s"\n%s'
            "</VirtualHost>\n" % (snakeoil.chain, snakeoil.key, STATUS_LOCATION))
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\n", body=body, extra_ports=1,
                            trusted_ca=False)
    assert "HSTSTrustedCA" not in s.conf_text
    label = "hsts.test:%d" % s.extra_ports[0]
    subject = subject_of(snakeoil.cert)
    want = finding_line("cert.untrusted", label, subject, "OpenSSL: self-signed certificate")
    assert want in cert_audit_lines(s.read_error_log())
    rc, out, err = configtest_split(s.conf_path)
    assert rc == 0
    assert finding_line("cert.untrusted", "hsts.test (%s)" % snakeoil.chain, subject,
                        "OpenSSL: self-signed certificate") in cert_audit_lines(err)
    v = vhost(status_json(s, port=s.extra_ports[0], insecure=True), label)
    assert v["certificate"]["findings"] == ["cert.untrusted"]
    assert v["certificate"]["chain_complete"] is False


def test_trusted_ca_second_argument(httpd_factory, pki):
    """HSTSTrustedCA FILE public|private (case-insensitive); anything else fails
    configtest naming the directive and the choices."""
    for kind in ("public", "PRIVATE", "Public"):
        rc, out = httpd_factory.configtest(
            hsts_global='HSTSTrustedCA "%s" %s\n' % (pki.root_ca, kind), trusted_ca=False)
        assert rc == 0, out
    rc, out = httpd_factory.configtest(
        hsts_global='HSTSTrustedCA "%s" publik\n' % pki.root_ca, trusted_ca=False)
    assert rc != 0
    assert ("HSTSTrustedCA '%s' 'publik': the second argument must be public" % pki.root_ca) \
        in out, out
    rc, out = httpd_factory.configtest(
        hsts_global='HSTSTrustedCA "%s" public extra\n' % pki.root_ca, trusted_ca=False)
    assert rc != 0 and "HSTSTrustedCA takes 1-2 arguments, FILE [public|private]" in out, out


def test_public_marked_in_server_config_applies_to_vhosts(httpd_factory, pki, rules):
    """HSTSTrustedCA FILE public in the server config: the public-root rules apply in
    a vhost that does not set its own (cert.ct_insufficient for ct1, and for the
    harness's own hsts.test, whose certificate has no SCTs), and a vhost's own plain
    HSTSTrustedCA FILE makes its roots private again."""
    ct1 = rules.certs["ct1"]
    body = ("<VirtualHost 127.0.0.1:@HTTPS_PORT@>\n    ServerName ct1.hsts.test\n"
            '    SSLEngine on\n    SSLCertificateFile "%s"\n    SSLCertificateKeyFile "%s"\n'
            "</VirtualHost>\n"
            "<VirtualHost 127.0.0.1:@PORT0@>\n    ServerName ct1.hsts.test\n"
            '    SSLEngine on\n    SSLCertificateFile "%s"\n    SSLCertificateKeyFile "%s"\n'
            '    HSTSTrustedCA "%s"\n'
            "</VirtualHost>\n" % (ct1.chain, ct1.key, ct1.chain, ct1.key, pki.root_ca))
    s = httpd_factory.start(hsts_global='HSTSMaxAge 1y\nHSTSTrustedCA "%s" public\n'
                            % pki.root_ca, body=body, extra_ports=1, trusted_ca=False)
    lines = cert_audit_lines(s.read_error_log())
    assert sorted(parse_cert_audit_line(l)[:2] for l in lines) == [
        ("cert.ct_insufficient", "ct1.hsts.test:%d" % s.https_port),
        ("cert.ct_insufficient", "hsts.test:%d" % s.https_port)]
