"""The startup certificate audit of every TLS vhost (design.md sections 2, 4 and 5):
one HSTS00020 error-log line per cert.* finding, at every start and graceful restart
(once, not once per httpd config pass), the same findings from `apache2 -t`, trust
anchors from HSTSTrustedCA or the system store, HSTSCertWarnDays.

Expected line (src/mod_hsts_certs.c, texts from src/findings.c):
  HSTS00020: <code>: <summary> (vhost <ServerName:port>, certificate <subject RFC 2253>,
  <detail>). Visitors see <browser errors>. Fix: <fix>.

The harness PKI (common.pki.PKI) has good/expired/notyet/expiring/wronghost/selfsigned
server certificates; this module adds, with the openssl CLI and the harness's
intermediate CA, a wildcard-only certificate (SAN *.hsts.test) and a SHA-1-signed one.
"""

import datetime
import math
import re
import subprocess
import time

import pytest

from common.env import APACHE2, OPENSSL, make_world_readable
from common.logs import cert_audit_lines, parse_cert_audit_line
from common.pki import SERVER_LEAF_EXT, new_csr

# --------------------------------------------------------------------------
# the finding texts (src/findings.c) and line helpers
# --------------------------------------------------------------------------

TEXTS = {  # code: (summary, browser errors, fix), as src/findings.c has them
    "cert.expired": (
        "the server certificate has expired: with HSTS, visitors cannot click through",
        "NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_CERTIFICATE",
        "renew the certificate (or enable automatic renewal, e.g. mod_md) and reload httpd"),
    "cert.not_yet_valid": (
        "the server certificate is not valid yet (notBefore in the future, or a wrong clock)",
        "NET::ERR_CERT_DATE_INVALID / MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE",
        "check the server clock and the certificate's notBefore; serve a current certificate"),
    "cert.expiring_soon": (
        "the server certificate expires within HSTSCertWarnDays",
        "NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_CERTIFICATE (once it has expired)",
        "renew the certificate now"),
    "cert.name_mismatch": (
        "the certificate does not cover every ServerName/ServerAlias of the vhost",
        "NET::ERR_CERT_COMMON_NAME_INVALID / SSL_ERROR_BAD_CERT_DOMAIN",
        "add the names to the certificate's subjectAltName, or remove the alias"),
    "cert.chain_incomplete": (
        "the served chain lacks an intermediate: clients that do not fetch it fail",
        "NET::ERR_CERT_AUTHORITY_INVALID / SEC_ERROR_UNKNOWN_ISSUER",
        "serve the intermediate certificates after the leaf in SSLCertificateFile "
        "(fullchain.pem)"),
    "cert.untrusted": (
        "the certificate does not chain to a trusted root (self-signed or unknown CA)",
        "NET::ERR_CERT_AUTHORITY_INVALID / SEC_ERROR_UNKNOWN_ISSUER",
        "serve a certificate from a publicly trusted CA (or set HSTSTrustedCA for a "
        "private PKI)"),
    "cert.weak_signature": (
        "the served chain uses SHA-1 or a weaker signature algorithm",
        "NET::ERR_CERT_WEAK_SIGNATURE_ALGORITHM / SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED",
        "reissue the certificate with SHA-256 or better"),
    # the browsers' further rules (test_certs_browser_rules.py)
    "cert.chain_expiring": (
        "an intermediate certificate of the served chain has expired (error), or expires "
        "before the leaf and within HSTSCertWarnDays (warning): browsers then reject the "
        "whole chain",
        "NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE",
        "serve the CA's current intermediate after the leaf (fetch the chain again from the "
        "CA, e.g. a new fullchain.pem) and reload httpd"),
    "cert.weak_key": (
        "a key of the served chain is one browsers refuse: RSA below 2048 bits (Chrome and "
        "Firefox), DSA (neither supports it), or an EC curve other than P-256/P-384",
        "NET::ERR_CERT_WEAK_KEY (RSA below 1024 bits; Chrome still accepts 1024 to 2047, "
        "which public CAs may not issue) or NET::ERR_CERT_INVALID / "
        "MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE, SEC_ERROR_UNSUPPORTED_KEYALG (DSA) or "
        "SEC_ERROR_UNSUPPORTED_ELLIPTIC_CURVE",
        "issue a new certificate with an RSA key of 2048 bits or more, or an EC P-256/P-384 "
        "key"),
    "cert.server_auth_missing": (
        "the certificate has an extendedKeyUsage without serverAuth: browsers refuse it for "
        "HTTPS",
        "NET::ERR_CERT_INVALID / SEC_ERROR_INADEQUATE_CERT_TYPE",
        "reissue it as a TLS server certificate (extendedKeyUsage serverAuth), not a client "
        "or code-signing one"),
    "cert.validity_too_long": (
        "publicly trusted certificate issued after 2020-09-01 and valid for more than 398 "
        "days: Chrome and Safari refuse it",
        "NET::ERR_CERT_VALIDITY_TOO_LONG / (Firefox accepts it)",
        "reissue it with a lifetime of at most 398 days (ACME CAs such as Let's Encrypt "
        "issue 90 days; mod_md renews them)"),
    "cert.ct_insufficient": (
        "publicly trusted certificate issued after 2018-04-30 with fewer embedded "
        "Certificate Transparency SCTs than Chrome's CT policy asks (2 for a lifetime up to "
        "180 days, else 3)",
        "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED / "
        "MOZILLA_PKIX_ERROR_INSUFFICIENT_CERTIFICATE_TRANSPARENCY",
        "get the certificate from a CA that logs it and embeds the SCTs (every public CA "
        "does), or reissue it"),
    "cert.must_staple_unstapled": (
        "the certificate requires OCSP stapling (TLS Feature status_request, \"OCSP "
        "Must-Staple\") and the vhost has no SSLUseStapling on: Firefox refuses it",
        "(Chrome ignores Must-Staple) / MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING",
        "set SSLUseStapling on (with SSLStaplingCache) for this vhost, or use a certificate "
        "without Must-Staple"),
    "cert.issuer_distrusted": (
        "the certificate chains to a root that a browser no longer trusts for certificates "
        "issued after a cut-off date",
        "NET::ERR_CERT_AUTHORITY_INVALID / MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED",
        "replace the certificate with one from a CA the browsers trust (the CA's successor "
        "or another CA)"),
}

# X509_verify_cert_error_string() texts of OpenSSL 3.0 (Debian 12)
V_NO_LOCAL_ISSUER = "unable to get local issuer certificate"
V_SELF_SIGNED = "self-signed certificate"

DATE_DETAIL_RE = re.compile(r"^not after (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ), (-?\d+) days left$")


def finding_line(code, vhost, subject, detail):
    summary, browsers, fix = TEXTS[code]
    return "HSTS00020: %s: %s (vhost %s, certificate %s, %s). Visitors see %s. Fix: %s." % (
        code, summary, vhost, subject, detail, browsers, fix)


def openssl_out(*args):
    return subprocess.run([OPENSSL] + [str(a) for a in args], check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout.decode()


def subject_of(cert):
    out = openssl_out("x509", "-in", cert, "-noout", "-subject", "-nameopt", "RFC2253")
    return out.strip().split("=", 1)[1]


def not_after_of(cert):
    """notAfter as an aware datetime."""
    out = openssl_out("x509", "-in", cert, "-noout", "-enddate").strip().split("=", 1)[1]
    return datetime.datetime.strptime(out, "%b %d %H:%M:%S %Y GMT").replace(
        tzinfo=datetime.timezone.utc)


def days_left(not_after, at):
    return math.floor((not_after.timestamp() - at) / 86400.0)


def check_date_detail(detail, cert, t0, t1):
    """`not after <ISO>, <n> days left`, ISO = the certificate's notAfter, n = whole
    days left (rounded down) at some moment of the start [t0, t1]."""
    m = DATE_DETAIL_RE.match(detail)
    assert m, detail
    na = not_after_of(cert)
    assert m.group(1) == na.strftime("%Y-%m-%dT%H:%M:%SZ"), detail
    assert int(m.group(2)) in {days_left(na, t0), days_left(na, t1)}, (detail, t0, t1)


# --------------------------------------------------------------------------
# extra certificates (openssl CLI, issued by the harness's intermediate CA)
# --------------------------------------------------------------------------

class Extra:
    """key, cert (leaf), chain (leaf + intermediate) of one extra certificate."""

    def __init__(self, key, cert, chain):
        self.key, self.cert, self.chain = key, cert, chain


def issue(pki, d, name, cn, san, digest="sha256", serial=0):
    key = d / (name + ".key")
    csr = d / (name + ".csr")
    cert = d / (name + ".pem")
    ext = d / (name + ".ext")
    new_csr(key, csr, "/O=mod_hsts_audit tests/CN=" + cn, pki.req_config())
    ext.write_text("[ ext ]\n" + SERVER_LEAF_EXT + "subjectAltName = %s\n" % san)
    inter = pki.cas["intermediate"]
    openssl_out("x509", "-req", "-in", csr, "-CA", inter.cert, "-CAkey", inter.key,
                "-set_serial", "0x%X" % (0x7E5700 + serial), "-days", "200",
                "-" + digest, "-extfile", ext, "-extensions", "ext", "-out", cert)
    chain = d / (name + "-chain.pem")
    chain.write_text(cert.read_text() + pki.intermediate_ca.read_text())
    return Extra(key, cert, chain)


@pytest.fixture(scope="module")
def extra(tmp_root, pki):
    d = tmp_root / "test_certs_audit-pki"
    d.mkdir(exist_ok=True)
    certs = {
        "wildcard": issue(pki, d, "wildcard", "*.hsts.test", "DNS:*.hsts.test", serial=1),
        "sha1": issue(pki, d, "sha1", "sha1.hsts.test", "DNS:sha1.hsts.test",
                      digest="sha1", serial=2),
    }
    make_world_readable(d)
    return certs


# --------------------------------------------------------------------------
# config helpers
# --------------------------------------------------------------------------

def vhost(name, cert, key, aliases=(), extra="", port="@HTTPS_PORT@", chain_file=None):
    lines = ["<VirtualHost 127.0.0.1:%s>" % port,
             "    ServerName %s" % name]
    if aliases:
        lines.append("    ServerAlias %s" % " ".join(aliases))
    lines += ["    SSLEngine on",
              '    SSLCertificateFile "%s"' % cert,
              '    SSLCertificateKeyFile "%s"' % key]
    if chain_file:
        lines.append('    SSLCertificateChainFile "%s"' % chain_file)
    if extra:
        lines.append(extra)
    lines.append("</VirtualHost>\n")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# the main audit server: one vhost per certificate case (trusted root: the test CA)
# --------------------------------------------------------------------------

class Case:
    def __init__(self, name, cert, key, aliases=(), extra="", port="@HTTPS_PORT@",
                 chain_file=None, findings=()):
        self.name, self.cert, self.key = name, cert, key
        self.aliases, self.extra, self.port = aliases, extra, port
        self.chain_file = chain_file
        self.findings = findings   # [(code, detail or a callable(detail, t0, t1))]

    def conf(self):
        return vhost(self.name, self.cert, self.key, self.aliases, self.extra, self.port,
                     self.chain_file)


def audit_cases(pki, extra):
    s = pki.server

    def date(cert):
        return lambda detail, t0, t1: check_date_detail(detail, cert, t0, t1)

    return {
        # (the harness's own TLS vhost hsts.test, with www.hsts.test and localhost,
        # has the good chain too: test_harness_default_vhost_good_chain_has_no_finding)
        "good": Case("good.hsts.test", s("good").chain, s("good").key,
                     aliases=("www2.hsts.test",)),
        "chainfile": Case("chainfile.hsts.test", s("good").cert, s("good").key,
                          chain_file=pki.intermediate_ca),
        "expired": Case("expired.hsts.test", s("expired").chain, s("expired").key,
                        findings=[("cert.expired", date(s("expired").cert))]),
        "notyet": Case("notyet.hsts.test", s("notyet").chain, s("notyet").key,
                       findings=[("cert.not_yet_valid", date(s("notyet").cert))]),
        "expiring": Case("expiring.hsts.test", s("expiring").chain, s("expiring").key,
                         findings=[("cert.expiring_soon", date(s("expiring").cert))]),
        "expiring-warn3": Case("expiring3.hsts.test", s("expiring").chain, s("expiring").key,
                               extra="    HSTSCertWarnDays 3"),
        "expiring-warn0": Case("expiring0.hsts.test", s("expiring").chain, s("expiring").key,
                               extra="    HSTSCertWarnDays 0"),
        "wronghost": Case("wrong.hsts.test", s("wronghost").chain, s("wronghost").key,
                          aliases=("alias.hsts.test", "other.example"),
                          findings=[("cert.name_mismatch",
                                     "not covered: wrong.hsts.test alias.hsts.test")]),
        "wildcard-ok": Case("w1.hsts.test", extra["wildcard"].chain, extra["wildcard"].key,
                            aliases=("w2.hsts.test", "W3.HSTS.TEST")),
        "wildcard-miss": Case("w4.hsts.test", extra["wildcard"].chain, extra["wildcard"].key,
                              aliases=("a.b.hsts.test", "w5.hsts.test", "hsts.test"),
                              findings=[("cert.name_mismatch",
                                         "not covered: a.b.hsts.test hsts.test")]),
        "chainless": Case("chainless.hsts.test", s("good").cert, s("good").key,
                          findings=[("cert.chain_incomplete", "OpenSSL: " + V_NO_LOCAL_ISSUER)]),
        # self-signed for hsts.test/www.hsts.test: its own port so the names match
        "selfsigned": Case("hsts.test", s("selfsigned").chain, s("selfsigned").key,
                           aliases=("www.hsts.test",), port="@PORT0@",
                           findings=[("cert.untrusted", "OpenSSL: " + V_SELF_SIGNED)]),
        # mod_ssl refuses a SHA-1 leaf at OpenSSL's default security level
        "sha1": Case("sha1.hsts.test", extra["sha1"].chain, extra["sha1"].key,
                     extra="    SSLCipherSuite DEFAULT:@SECLEVEL=0",
                     findings=[("cert.weak_signature", "algorithm ecdsa-with-SHA1")]),
    }


def case_vhost_name(server, case):
    port = server.extra_ports[0] if case.port == "@PORT0@" else server.https_port
    return "%s:%d" % (case.name, port)


@pytest.fixture(scope="module")
def cases(pki, extra):
    return audit_cases(pki, extra)


@pytest.fixture(scope="module")
def audit_server(module_httpd_factory, cases):
    body = "".join(c.conf() for c in cases.values())
    t0 = time.time()
    s = module_httpd_factory.start(hsts_global="HSTSMaxAge 1y\n", body=body, extra_ports=1)
    s.started = (t0, time.time())
    s.startup_log = s.read_error_log()
    return s


def check_case(server, case, lines, t0, t1):
    """The lines of `lines` for this vhost must be exactly case.findings, each once."""
    vh = case_vhost_name(server, case)
    mine = [l for l in lines if "(vhost %s, " % vh in l]
    subject = subject_of(case.cert)
    assert len(mine) == len(case.findings), "vhost %s: %r" % (vh, mine)
    for (code, detail), line in zip(case.findings, mine):
        got_code, got_vh, got_subject, got_detail = parse_cert_audit_line(line)
        assert got_code == code, line
        if callable(detail):
            detail(got_detail, t0, t1)
            detail = got_detail
        assert line == finding_line(code, vh, subject, detail)


CASE_IDS = ["good", "chainfile", "expired", "notyet", "expiring", "expiring-warn3",
            "expiring-warn0", "wronghost", "wildcard-ok", "wildcard-miss", "chainless",
            "selfsigned", "sha1"]


class TestStartupAudit:
    @pytest.mark.parametrize("case_id", CASE_IDS)
    def test_findings_of_each_vhost(self, audit_server, cases, case_id):
        lines = cert_audit_lines(audit_server.startup_log)
        check_case(audit_server, cases[case_id], lines, *audit_server.started)

    def test_harness_default_vhost_good_chain_has_no_finding(self, audit_server):
        lines = cert_audit_lines(audit_server.startup_log)
        assert not [l for l in lines if "(vhost hsts.test:%d," % audit_server.https_port in l]

    def test_no_other_lines_and_each_once_per_start(self, audit_server, cases):
        """Exactly the expected lines: none twice (httpd reads its config twice
        at startup), none for a vhost without a finding, no plain-HTTP vhost."""
        lines = cert_audit_lines(audit_server.startup_log)
        want = sum(len(c.findings) for c in cases.values())
        assert len(lines) == want, "\n".join(lines)
        assert len(set(lines)) == len(lines), "\n".join(lines)
        assert "resuming normal operations" in audit_server.startup_log

    def test_levels_error_and_warn(self, audit_server):
        """Error-severity codes at level error, cert.expiring_soon at warn, shown
        in the line as httpd shows every runtime message's level ([module:level]).
        (test_levels_filter_with_loglevel checks the levels by filtering.)"""
        for line in audit_server.startup_log.splitlines():
            if "HSTS00020:" not in line:
                continue
            code = parse_cert_audit_line(line[line.index("HSTS00020:"):])[0]
            level = "warn" if code == "cert.expiring_soon" else "error"
            assert "[hsts_audit:%s]" % level in line, line

    def test_graceful_restart_logs_them_again(self, audit_server, cases):
        before = audit_server.read_error_log()
        audit_server.graceful()
        deadline = time.time() + 5
        want = sum(len(c.findings) for c in cases.values())
        while time.time() < deadline:
            after = audit_server.read_error_log()[len(before):]
            if len(cert_audit_lines(after)) >= want and "resuming normal operations" in after:
                break
            time.sleep(0.05)
        t1 = time.time()
        new = cert_audit_lines(after)
        assert len(new) == want, "\n".join(new)
        for case in cases.values():
            check_case(audit_server, case, new, audit_server.started[0], t1)
        # the server still answers on the good vhost
        r = audit_server.get("/", host="good.hsts.test")
        assert r.status == 200


def test_levels_filter_with_loglevel(httpd_factory, pki):
    """`LogLevel hsts_audit:error` keeps cert.expired (error) and drops
    cert.expiring_soon (warn); `hsts_audit:crit` drops both."""
    s = pki.server
    body = (vhost("expired.hsts.test", s("expired").chain, s("expired").key)
            + vhost("expiring.hsts.test", s("expiring").chain, s("expiring").key))
    a = httpd_factory.start(hsts_global="HSTSMaxAge 1y\n", body=body,
                            loglevel="warn hsts_audit:error")
    codes = [parse_cert_audit_line(l)[0] for l in cert_audit_lines(a.read_error_log())]
    assert codes == ["cert.expired"]
    b = httpd_factory.start(hsts_global="HSTSMaxAge 1y\n", body=body,
                            loglevel="warn hsts_audit:crit")
    assert cert_audit_lines(b.read_error_log()) == []


# --------------------------------------------------------------------------
# apache2 -t
# --------------------------------------------------------------------------

def configtest_split(conf_path):
    p = subprocess.run([APACHE2, "-t", "-f", str(conf_path)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


@pytest.fixture(scope="module")
def configtest_out(audit_server):
    t0 = time.time()
    rc, out, err = configtest_split(audit_server.conf_path)
    return rc, out, err, t0, time.time()


# vhosts with their own HSTSCertWarnDays (see test_vhost_cert_warn_days_honoured)
VHOST_WARN_DAYS = ["expiring-warn3", "expiring-warn0"]


def t_label(case):
    """How `apache2 -t` names a vhost: its first name and the certificate file."""
    return "%s (%s)" % (case.name, case.cert)


class TestConfigtest:
    def test_syntax_ok_despite_error_findings(self, configtest_out):
        rc, out, err, _, _ = configtest_out
        assert rc == 0, out + err
        assert "Syntax OK" in out + err
        assert cert_audit_lines(err), err
        assert not cert_audit_lines(out), out          # findings on stderr

    @pytest.mark.parametrize("case_id", [c for c in CASE_IDS if c not in VHOST_WARN_DAYS])
    def test_same_findings_as_startup(self, configtest_out, cases, case_id):
        _, _, err, t0, t1 = configtest_out
        case = cases[case_id]
        label = t_label(case)
        lines = cert_audit_lines(err)
        mine = [l for l in lines if "(vhost %s, " % label in l]
        assert len(mine) == len(case.findings), "%s: %r" % (label, lines)
        subject = subject_of(case.cert)
        for (code, detail), line in zip(case.findings, mine):
            got_code, _, _, got_detail = parse_cert_audit_line(line)
            assert got_code == code
            if callable(detail):
                detail(got_detail, t0, t1)
                detail = got_detail
            assert line == finding_line(code, label, subject, detail)

    @pytest.mark.parametrize("case_id", VHOST_WARN_DAYS)
    def test_vhost_cert_warn_days_honoured(self, configtest_out, cases, case_id):
        """HSTSCertWarnDays 3 / 0 in the vhost: no cert.expiring_soon at startup
        (test_findings_of_each_vhost), so none from -t either."""
        _, _, err, _, _ = configtest_out
        label = t_label(cases[case_id])
        assert not [l for l in cert_audit_lines(err) if "(vhost %s, " % label in l], err

    def test_vhost_label_under_configtest(self, configtest_out, cases):
        """A difference from the startup lines, noted rather than called a bug: at
        startup the vhost is `name:port`, under -t `name (certificate file)`."""
        _, _, err, _, _ = configtest_out
        assert "(vhost expired.hsts.test (%s), " % cases["expired"].cert in err

    def test_ifmodule_and_vhost_inside_ifmodule(self, httpd_factory, pki, extra):
        """SSLCertificateFile inside <IfModule> in a vhost, and a whole <VirtualHost>
        inside <IfModule> (Debian's default-ssl.conf), are audited."""
        s = pki.server
        inner = vhost("notyet.hsts.test", "@C@", "@K@").replace(
            '    SSLCertificateFile "@C@"\n    SSLCertificateKeyFile "@K@"',
            '    <IfModule ssl_module>\n'
            '        SSLCertificateFile "%s"\n'
            '        SSLCertificateKeyFile "%s"\n'
            '    </IfModule>' % (s("notyet").chain, s("notyet").key))
        wrapped = ("<IfModule ssl_module>\n"
                   + vhost("expired.hsts.test", s("expired").chain, s("expired").key)
                   + "</IfModule>\n")
        h = httpd_factory.make(hsts_global="HSTSMaxAge 1y\n", body=inner + wrapped)
        rc, out, err = configtest_split(h.conf_path)
        assert rc == 0 and "Syntax OK" in out + err
        codes = sorted(parse_cert_audit_line(l)[0] for l in cert_audit_lines(err))
        assert codes == ["cert.expired", "cert.not_yet_valid"], err

    def test_only_findings_no_findings_for_good_config(self, httpd_factory):
        rc, out = httpd_factory.configtest(hsts_global="HSTSMaxAge 1y\n")
        assert rc == 0 and "Syntax OK" in out
        assert not cert_audit_lines(out), out


@pytest.mark.parametrize("dump", [["-M"], ["-S"], ["-t", "-D", "DUMP_INCLUDES"],
                                  ["-t", "-D", "DUMP_RUN_CFG"]],
                         ids=["M", "S", "DUMP_INCLUDES", "DUMP_RUN_CFG"])
def test_dumps_do_not_audit(audit_server, dump):
    """apache2ctl -M and -S (and -t -D DUMP_*) list modules or vhosts: the audit's
    lines belong to -t and startup only (issue 14). The same configuration under
    -t has them (test_same_findings_as_startup)."""
    p = subprocess.run([APACHE2] + dump + ["-f", str(audit_server.conf_path)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    out = p.stdout.decode(errors="replace")
    assert p.returncode == 0, out
    assert "HSTS000" not in out, out
    rc, _, err = configtest_split(audit_server.conf_path)
    assert rc == 0 and cert_audit_lines(err)


def test_server_level_cert_warn_days(httpd_factory, pki):
    """HSTSCertWarnDays 3 in the server config: the certificate with 5 days left is
    not reported, neither at startup nor by -t."""
    s = pki.server
    h = httpd_factory.start(hsts_global="HSTSMaxAge 1y\nHSTSCertWarnDays 3\n",
                            body=vhost("expiring.hsts.test", s("expiring").chain,
                                       s("expiring").key))
    assert cert_audit_lines(h.read_error_log()) == []
    rc, out, err = configtest_split(h.conf_path)
    assert rc == 0 and cert_audit_lines(err) == [], err


# --------------------------------------------------------------------------
# trust anchors: the system store (the test CA is unknown there)
# --------------------------------------------------------------------------

def test_system_store_test_ca_untrusted(httpd_factory, pki):
    """Without HSTSTrustedCA the audit uses the system store: the test PKI's served
    chain (leaf + intermediate) stops at the unknown root above the chain ->
    cert.untrusted; a leaf without its intermediate fails at depth 0 ->
    cert.chain_incomplete; self-signed -> cert.untrusted."""
    s = pki.server
    body = (vhost("chainless.hsts.test", s("good").cert, s("good").key)
            + vhost("hsts.test", s("selfsigned").chain, s("selfsigned").key,
                    aliases=("www.hsts.test",), port="@PORT0@"))
    h = httpd_factory.start(hsts_global="HSTSMaxAge 1y\n", body=body, extra_ports=1,
                            trusted_ca=False)
    assert "HSTSTrustedCA" not in h.conf_text
    lines = cert_audit_lines(h.read_error_log())
    subj = subject_of(s("good").cert)
    want = {
        finding_line("cert.untrusted", "hsts.test:%d" % h.https_port, subj,
                     "OpenSSL: " + V_NO_LOCAL_ISSUER),
        finding_line("cert.chain_incomplete", "chainless.hsts.test:%d" % h.https_port, subj,
                     "OpenSSL: " + V_NO_LOCAL_ISSUER),
        finding_line("cert.untrusted", "hsts.test:%d" % h.extra_ports[0],
                     subject_of(s("selfsigned").cert), "OpenSSL: " + V_SELF_SIGNED),
    }
    assert sorted(lines) == sorted(want)
    # and HSTSTrustedCA with the test root on the same certificates: only the
    # chain-less leaf and the self-signed one remain
    h2 = httpd_factory.start(hsts_global="HSTSMaxAge 1y\n", body=body, extra_ports=1,
                             trusted_ca=True)
    codes = sorted(parse_cert_audit_line(l)[0] for l in cert_audit_lines(h2.read_error_log()))
    assert codes == ["cert.chain_incomplete", "cert.untrusted"]
