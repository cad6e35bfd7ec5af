"""The hsts-audit command-line checker: `hsts-audit cert` (design.md sections 5 and 8).

Runs the built binary (env HSTS_AUDIT_CLI, default <repo>/tools/hsts-audit) on a
test PKI made here with the openssl CLI: root CA -> intermediate CA -> leaves.
OpenSSL 3.0's `openssl x509 -req` cannot backdate, so leaves are issued with
`openssl ca -startdate/-enddate` from a CA directory: the pieces of the shared
harness's PKI (tests/common/pki.py), with this suite's own names and subjects.
"""
import datetime
import json
import os
import re
import subprocess

import pytest

from common import sct_ext
from common.cli import run_cli
from common.env import OPENSSL, run
from common.pki import (CA, CA_EXT, DISTRUSTED_ROOT_KEY, SERVER_LEAF_EXT, new_csr, self_signed,
                        write_req_config)

GOOD_SAN = "DNS:a.test, DNS:*.w.test, IP:127.0.0.1"


def cert_json(*args):
    rc, out, err = run_cli("cert", "--json", *args)
    assert rc in (0, 1), (rc, out, err)
    return rc, json.loads(out)


class CliPKI:
    """Files in one directory: root.pem (the --ca-file), intermediate.pem and
    <kind>.pem (leaf), <kind>-chain.pem (leaf + intermediate) for each kind."""

    def __init__(self, d):
        self.d = d
        self.req_cnf = write_req_config(d / "req.cnf",
                                        "[ v3_root ]\n" + CA_EXT +
                                        "[ v3_self ]\n"
                                        "basicConstraints = critical, CA:FALSE\n"
                                        "keyUsage = critical, digitalSignature\n"
                                        "extendedKeyUsage = serverAuth\n"
                                        "subjectAltName = " + GOOD_SAN + "\n")
        self.n_cas = 0

    def self_signed(self, name, cn, section, days=3650, key=None):
        """A new self-signed certificate <name>.pem, for a new P-256 key
        <name>.key or the existing key file key."""
        return self_signed(key or self.d / (name + ".key"), self.d / (name + ".pem"),
                           "/O=hsts-audit tests/CN=" + cn, self.req_cnf, section, days,
                           existing_key=key is not None)

    def ca_dir(self, name, key, cert):
        """Serial numbers from 0x1000 for the first CA, 0x2000 for the next..."""
        self.n_cas += 1
        return CA(self.d / ("ca-" + name), key, cert, serial=0x1000 * self.n_cas)

    def issue(self, ca, name, cn, ext, start, end, md="sha256", keyspec="P-256"):
        key, csr = new_csr(self.d / (name + ".key"), self.d / (name + ".csr"),
                           "/O=hsts-audit tests/CN=" + cn, self.req_cnf, keyspec)
        out = self.d / (name + ".pem")
        ca.sign(csr, out, ext, start, end, md=md)
        return key, out

    def build(self):
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        day = datetime.timedelta(days=1)
        rkey, self.root = self.self_signed("root", "hsts-audit Test Root CA", "v3_root")
        root = self.ca_dir("root", rkey, self.root)
        ikey, self.intermediate = self.issue(
            root, "intermediate", "hsts-audit Test Intermediate CA",
            CA_EXT + "authorityKeyIdentifier = keyid:always\n", now - day, now + 3650 * day)
        inter = self.ca_dir("intermediate", ikey, self.intermediate)
        specs = {
            "good": (GOOD_SAN, now - day, now + 365 * day, "sha256"),
            "expired": (GOOD_SAN, now - 400 * day, now - 35 * day, "sha256"),
            "notyet": (GOOD_SAN, now + 30 * day, now + 400 * day, "sha256"),
            "expiring": (GOOD_SAN, now - 360 * day, now + 5 * day, "sha256"),
            "wronghost": ("DNS:other.example", now - day, now + 365 * day, "sha256"),
            "sha1": (GOOD_SAN, now - day, now + 365 * day, "sha1"),
        }
        for kind, (san, start, end, md) in specs.items():
            _, leaf = self.issue(inter, kind, san.split(",")[0].split(":", 1)[1],
                                 SERVER_LEAF_EXT + "subjectAltName = " + san + "\n", start, end, md)
            self.chain(kind).write_text(leaf.read_text() + self.intermediate.read_text())
        _, ss = self.self_signed("selfsigned", "a.test", "v3_self", days=365)
        self.chain("selfsigned").write_text(ss.read_text())
        # the good leaf served without its intermediate
        self.chain("nochain").write_text(self.leaf("good").read_text())
        self.build_browser_rules(root, inter, now, day)
        return self

    def build_browser_rules(self, root, inter, now, day):
        """The (0.2) findings: one leaf per finding, and its clean control."""
        ms = int(now.timestamp()) * 1000
        san = "subjectAltName = " + GOOD_SAN + "\n"
        leaf_ext = SERVER_LEAF_EXT + san
        specs = {  # kind: (extensions, start, end, key)
            "cnonly": (SERVER_LEAF_EXT, now - day, now + 90 * day, "P-256"),
            "clientauth": (leaf_ext.replace("extendedKeyUsage = serverAuth",
                                            "extendedKeyUsage = clientAuth"),
                           now - day, now + 90 * day, "P-256"),
            "noeku": (leaf_ext.replace("extendedKeyUsage = serverAuth\n", ""),
                      now - day, now + 90 * day, "P-256"),
            "rsa1024": (leaf_ext, now - day, now + 90 * day, "rsa1024"),
            "rsa2048": (leaf_ext, now - day, now + 90 * day, "rsa2048"),
            "dsa": (leaf_ext, now - day, now + 90 * day, "dsa1024"),
            "secp256k1": (leaf_ext, now - day, now + 90 * day, "secp256k1"),
            "p384": (leaf_ext, now - day, now + 90 * day, "P-384"),
            "muststaple": (leaf_ext + "tlsfeature = status_request\n",
                           now - day, now + 90 * day, "P-256"),
            "long": (leaf_ext + sct_ext.openssl_line(3, ms), now - day, now + 399 * day, "P-256"),
            "year": (leaf_ext + sct_ext.openssl_line(3, ms), now - day, now + 364 * day, "P-256"),
            "ct1": (leaf_ext + sct_ext.openssl_line(1, ms), now - day, now + 89 * day, "P-256"),
            "ct2": (leaf_ext + sct_ext.openssl_line(2, ms), now - day, now + 89 * day, "P-256"),
            "ctbad": (leaf_ext + sct_ext.MALFORMED_LINE, now - day, now + 89 * day, "P-256"),
        }
        for kind, (ext, start, end, keyspec) in specs.items():
            _, leaf = self.issue(inter, kind, "a.test", ext, start, end, keyspec=keyspec)
            self.chain(kind).write_text(leaf.read_text() + self.intermediate.read_text())
        # an expired intermediate under the root, and one expiring in 10 days
        for kind, (start, end) in {"expiredinter": (now - 400 * day, now - day),
                                   "soonexpiring": (now - 400 * day, now + 10 * day)}.items():
            ikey, icert = self.issue(root, kind + "-ca", "hsts-audit %s CA" % kind,
                                     CA_EXT + "authorityKeyIdentifier = keyid:always\n",
                                     start, end)
            ca = self.ca_dir(kind, ikey, icert)
            _, leaf = self.issue(ca, kind, "a.test", leaf_ext, now - 10 * day,
                                 now + 300 * day)
            self.chain(kind).write_text(leaf.read_text() + icert.read_text())
        # a root of the distrust table's test row (tests/data/distrusted-test-root.key)
        dkey, self.distrusted_root = self.self_signed("distrusted-root",
                                                      "hsts-audit Distrusted Root", "v3_root",
                                                      key=DISTRUSTED_ROOT_KEY)
        droot = self.ca_dir("distrusted", dkey, self.distrusted_root)
        _, leaf = self.issue(droot, "distrusted", "a.test", leaf_ext + sct_ext.openssl_line(2, ms),
                             now - day, now + 89 * day)
        self.chain("distrusted").write_text(leaf.read_text())

    def leaf(self, kind):
        return self.d / (kind + ".pem")

    def chain(self, kind):
        return self.d / (kind + "-chain.pem")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return CliPKI(tmp_path_factory.mktemp("pki")).build()


def audit(pki, kind, *extra, hosts=("a.test",)):
    args = []
    for h in hosts:
        args += ["--host", h]
    return cert_json(*args, "--ca-file", pki.root, *extra, pki.chain(kind))


REQUIRED_KEYS = {"subject", "issuer", "not_after", "days_left", "names", "chain_complete",
                 "findings", "browser_errors"}


# ---- the good chain ---------------------------------------------------------

def test_good_chain_json_keys_and_values(pki):
    rc, doc = audit(pki, "good", hosts=("a.test", "x.w.test", "127.0.0.1"))
    assert rc == 0
    assert REQUIRED_KEYS <= set(doc)
    assert doc["subject"] == "CN=a.test,O=hsts-audit tests"
    assert doc["issuer"] == "CN=hsts-audit Test Intermediate CA,O=hsts-audit tests"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["not_after"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["not_before"])
    not_after = datetime.datetime.strptime(doc["not_after"], "%Y-%m-%dT%H:%M:%SZ")
    expected = (datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
                + datetime.timedelta(days=365))
    assert abs((not_after - expected).total_seconds()) < 600
    assert doc["days_left"] in (364, 365)
    assert doc["names"] == ["a.test", "*.w.test", "127.0.0.1"]
    assert doc["hosts"] == ["a.test", "x.w.test", "127.0.0.1"]
    assert doc["uncovered"] == []
    assert doc["chain_complete"] is True
    assert doc["verify_error"] is None
    assert doc["verify_error_code"] == 0
    assert doc["verify_depth"] is None
    assert doc["weak_signature"] is None
    assert doc["findings"] == []
    assert doc["severity"] == "ok"
    assert doc["browser_errors"] == {}
    assert doc["fixes"] == {}
    assert doc["trusted_roots"] == str(pki.root)
    assert doc["warn_days"] == 30


def test_good_chain_text_output(pki):
    rc, out, err = run_cli("cert", "--host", "a.test", "--ca-file", pki.root, pki.chain("good"))
    assert rc == 0, err
    assert "Subject:        CN=a.test,O=hsts-audit tests" in out
    assert "Issuer:         CN=hsts-audit Test Intermediate CA" in out
    assert re.search(r"Not after:      \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(36[45] days left\)", out)
    assert "Names:          a.test, *.w.test, 127.0.0.1" in out
    assert "a.test: covered" in out
    assert "Chain complete: yes" in out
    assert "Findings:       none" in out
    assert err == ""


# ---- one chain per finding ---------------------------------------------------

@pytest.mark.parametrize("kind,findings,rc", [
    ("expired", ["cert.expired"], 1),
    ("notyet", ["cert.not_yet_valid"], 1),
    ("expiring", ["cert.expiring_soon"], 0),       # a warning: exit 0
    ("wronghost", ["cert.name_mismatch"], 1),
    ("nochain", ["cert.chain_incomplete"], 1),
    ("selfsigned", ["cert.untrusted"], 1),
    ("sha1", ["cert.weak_signature"], 1),
])
def test_each_finding(pki, kind, findings, rc):
    got_rc, doc = audit(pki, kind)
    assert doc["findings"] == findings
    assert got_rc == rc
    assert set(doc["browser_errors"]) == set(findings)
    assert set(doc["fixes"]) == set(findings)
    assert doc["severity"] == ("error" if rc else "warning")


def test_expired_details(pki):
    rc, doc = audit(pki, "expired")
    assert doc["days_left"] in (-35, -36)
    assert doc["chain_complete"] is True       # dates are not chain problems
    assert doc["browser_errors"]["cert.expired"] == \
        "NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_CERTIFICATE"
    rc, out, _ = run_cli("cert", "--host", "a.test", "--ca-file", pki.root, pki.chain("expired"))
    assert rc == 1
    assert "EXPIRED" in out
    assert "error   cert.expired:" in out
    assert "browsers show: NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_CERTIFICATE" in out
    assert "fix: renew the certificate" in out


def test_chain_incomplete_details(pki):
    rc, doc = audit(pki, "nochain")
    assert doc["chain_complete"] is False
    assert doc["verify_error"] == "unable to get local issuer certificate"
    assert doc["verify_depth"] == 0
    assert doc["browser_errors"]["cert.chain_incomplete"].startswith("NET::ERR_CERT_AUTHORITY_INVALID")
    rc, out, _ = run_cli("cert", "--host", "a.test", "--ca-file", pki.root, pki.chain("nochain"))
    assert "Chain complete: no: unable to get local issuer certificate" in out


def test_selfsigned_details(pki):
    rc, doc = audit(pki, "selfsigned")
    assert doc["subject"] == doc["issuer"]
    assert re.fullmatch(r"self.signed certificate", doc["verify_error"])
    assert doc["verify_depth"] == 0
    assert doc["names"] == ["a.test", "*.w.test", "127.0.0.1"]


def test_sha1_details(pki):
    rc, doc = audit(pki, "sha1")
    assert doc["weak_signature"] == "ecdsa-with-SHA1"
    assert doc["chain_complete"] is True


def test_wronghost_details(pki):
    rc, doc = audit(pki, "wronghost", hosts=("a.test", "other.example"))
    assert doc["names"] == ["other.example"]
    assert doc["uncovered"] == ["a.test"]
    rc, out, _ = run_cli("cert", "--host", "a.test", "--host", "other.example",
                         "--ca-file", pki.root, pki.chain("wronghost"))
    assert "a.test: NOT covered" in out
    assert "other.example: covered" in out


# ---- --host ----------------------------------------------------------------------

def test_host_repeat_all_covered(pki):
    rc, doc = audit(pki, "good", hosts=("a.test", "x.w.test", "*.w.test", "127.0.0.1"))
    assert rc == 0
    assert doc["uncovered"] == []


@pytest.mark.parametrize("host", ["b.test", "w.test", "a.b.w.test", "*.a.test", "127.0.0.2",
                                  "*.test"])
def test_host_not_covered(pki, host):
    rc, doc = audit(pki, "good", hosts=("a.test", host))
    assert rc == 1
    assert doc["findings"] == ["cert.name_mismatch"]
    assert doc["uncovered"] == [host]


def test_host_equals_form(pki):
    rc, doc = cert_json("--host=A.TEST", "--ca-file=%s" % pki.root, pki.chain("good"))
    assert rc == 0 and doc["hosts"] == ["A.TEST"] and doc["uncovered"] == []


# ---- --warn-days -----------------------------------------------------------------

@pytest.mark.parametrize("days,expect", [
    (None, ["cert.expiring_soon"]), ("30", ["cert.expiring_soon"]),
    ("10", ["cert.expiring_soon"]), ("6", ["cert.expiring_soon"]),
    ("4", []), ("0", []),
])
def test_warn_days(pki, days, expect):
    extra = [] if days is None else ["--warn-days", days]
    rc, doc = audit(pki, "expiring", *extra)
    assert rc == 0
    assert doc["findings"] == expect
    assert doc["days_left"] in (4, 5)
    assert doc["warn_days"] == (30 if days is None else int(days))


def test_warn_days_large_on_good_chain(pki):
    rc, doc = audit(pki, "good", "--warn-days", "400")
    assert (rc, doc["findings"]) == (0, ["cert.expiring_soon"])


@pytest.mark.parametrize("value", ["-1", "abc", "", "1.5", "+3", "1e3", "99999999999999999999"])
def test_warn_days_invalid(pki, value):
    rc, out, err = run_cli("cert", "--host", "a.test", "--warn-days", value, pki.chain("good"))
    assert rc == 2
    assert out == ""
    assert "--warn-days" in err


# ---- --ca-file and the system store -------------------------------------------------

def test_system_store_does_not_know_the_test_root(pki):
    rc, doc = cert_json("--host", "a.test", pki.chain("good"))
    assert rc == 1
    assert doc["trusted_roots"] == "system"
    assert doc["findings"] == ["cert.untrusted"]
    assert doc["chain_complete"] is False


def test_ca_file_with_intermediate_only_is_not_enough(pki):
    # the root is missing: untrusted, not incomplete (the intermediate was served)
    rc, doc = cert_json("--host", "a.test", "--ca-file", pki.intermediate, pki.chain("good"))
    assert rc == 1
    assert doc["findings"] == ["cert.untrusted"]


@pytest.mark.parametrize("case", ["missing", "empty", "key", "garbage"])
def test_ca_file_bad(pki, tmp_path, case):
    path = bad_file(pki, tmp_path, case)
    rc, out, err = run_cli("cert", "--host", "a.test", "--ca-file", path, pki.chain("good"))
    assert rc == 2
    assert out == ""
    assert str(path) in err
    assert "--ca-file" in err


# ---- bad input -------------------------------------------------------------------------

def bad_file(pki, tmp_path, case):
    path = tmp_path / (case + ".pem")
    if case == "missing":
        return path
    if case == "empty":
        path.write_text("")
    elif case == "key":
        path.write_text((pki.d / "good.key").read_text())
    elif case == "garbage":
        path.write_text("this is not a certificate\n")
    elif case == "der":
        run([OPENSSL, "x509", "-in", pki.leaf("good"), "-outform", "DER", "-out", path])
    elif case == "csr":
        path.write_text((pki.d / "good.csr").read_text())
    elif case == "truncated":
        path.write_text(pki.leaf("good").read_text()[:300])
    return path


@pytest.mark.parametrize("case,message", [
    ("missing", "cannot open: No such file or directory"),
    ("empty", "empty file"),
    ("key", "contains a private key, not a certificate"),
    ("garbage", "not PEM"),
    ("der", "not PEM (binary, probably DER"),
    ("csr", "contains no certificate"),
    ("truncated", "corrupt PEM block"),
])
def test_bad_input_exit_2(pki, tmp_path, case, message):
    path = bad_file(pki, tmp_path, case)
    rc, out, err = run_cli("cert", "--host", "a.test", "--ca-file", pki.root, path)
    assert rc == 2
    assert out == ""
    assert err.startswith("hsts-audit cert: %s: " % path)
    assert message in err
    rc, out, err = run_cli("cert", "--json", "--host", "a.test", "--ca-file", pki.root, path)
    assert rc == 2 and out == ""


def test_directory_exit_2(pki):
    rc, out, err = run_cli("cert", "--host", "a.test", pki.d)
    assert rc == 2
    assert "is a directory" in err


def test_key_and_certificate_in_one_file_is_fine(pki, tmp_path):
    path = tmp_path / "combined.pem"
    path.write_text((pki.d / "good.key").read_text() + pki.chain("good").read_text())
    rc, doc = cert_json("--host", "a.test", "--ca-file", pki.root, path)
    assert (rc, doc["findings"]) == (0, [])


# ---- usage ------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    [],                                   # nothing
    ["--host", "a.test"],                 # no file
    ["CHAIN.pem"],                        # no --host
    ["--host"],                           # option without its value
    ["--host", "", "x.pem"],
    ["--ca-file"],
    ["--bogus", "--host", "a", "x.pem"],
    ["--host", "a", "x.pem", "y.pem"],    # two files
])
def test_usage_errors_exit_2(args):
    rc, out, err = run_cli("cert", *args)
    assert rc == 2
    assert out == ""
    assert "usage: hsts-audit cert" in err


def test_help():
    rc, out, _ = run_cli("cert", "--help")
    assert rc == 0
    assert "usage: hsts-audit cert --host NAME" in out
    rc, out, _ = run_cli("--help")
    assert rc == 0
    assert "hsts-audit cert --host NAME" in out


def test_double_dash_ends_options(pki, tmp_path):
    path = tmp_path / "-chain.pem"
    path.write_text(pki.chain("good").read_text())
    rc, out, err = run_cli("cert", "--json", "--host", "a.test", "--ca-file", pki.root, "--",
                           "-chain.pem", cwd=tmp_path)
    assert rc == 0, err
    assert json.loads(out)["findings"] == []


# ---- (0.2) the browsers' further rules: one chain per finding, and its control ----------

CHROME_FIREFOX = {
    "cert.chain_expiring": "NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE",
    "cert.server_auth_missing": "NET::ERR_CERT_INVALID / SEC_ERROR_INADEQUATE_CERT_TYPE",
    "cert.validity_too_long": "NET::ERR_CERT_VALIDITY_TOO_LONG / (Firefox accepts it)",
    "cert.ct_insufficient": "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED / "
                            "MOZILLA_PKIX_ERROR_INSUFFICIENT_CERTIFICATE_TRANSPARENCY",
    "cert.must_staple_unstapled": "(Chrome ignores Must-Staple) / "
                                  "MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING",
    "cert.issuer_distrusted": "NET::ERR_CERT_AUTHORITY_INVALID / "
                              "MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED",
}


@pytest.mark.parametrize("kind,extra,findings,detail", [
    ("cnonly", [], ["cert.name_mismatch"],
     "not covered: a.test; the certificate has no subjectAltName (browsers ignore the "
     "subject CN)"),
    ("expiredinter", [], ["cert.chain_expiring"], None),
    ("clientauth", [], ["cert.server_auth_missing"], "extendedKeyUsage without serverAuth"),
    ("noeku", [], [], None),
    ("rsa1024", [], ["cert.weak_key"], "RSA 1024 bits"),
    ("rsa2048", [], [], None),
    ("dsa", [], ["cert.weak_key"], "DSA 1024 bits"),
    ("secp256k1", [], ["cert.weak_key"], "EC curve secp256k1"),
    ("p384", [], [], None),
    ("muststaple", [], ["cert.must_staple_unstapled"],
     "TLS Feature status_request (OCSP Must-Staple), SSLUseStapling is not on"),
    ("muststaple", ["--stapling"], [], None),
    # the public-root rules: with --ca-public only
    ("long", ["--ca-public"], ["cert.validity_too_long"], None),
    ("long", [], [], None),
    ("year", ["--ca-public"], [], None),
    ("ct1", ["--ca-public"], ["cert.ct_insufficient"],
     "1 embedded SCT, Chrome asks 2 for a lifetime of 90 days"),
    ("ct1", [], [], None),
    ("ct2", ["--ca-public"], [], None),
    ("ctbad", ["--ca-public"], ["cert.ct_insufficient"],
     "the embedded SCT list is malformed (counts as none); Chrome asks 2 for a lifetime "
     "of 90 days"),
    ("good", ["--ca-public"], ["cert.ct_insufficient"],
     "0 embedded SCTs, Chrome asks 3 for a lifetime of 366 days"),
])
def test_browser_rules(pki, kind, extra, findings, detail):
    rc, doc = audit(pki, kind, *extra)
    assert doc["findings"] == findings
    assert rc == (1 if findings else 0)
    assert doc["severity"] == ("error" if findings else "ok")
    assert doc["public_roots"] is ("--ca-public" in extra)
    assert doc["public_root"] is ("--ca-public" in extra)
    for code in findings:
        if code in CHROME_FIREFOX:
            assert doc["browser_errors"][code] == CHROME_FIREFOX[code]
    if detail:
        assert doc["details"][findings[0]] == detail


def test_expired_intermediate_details(pki):
    rc, doc = audit(pki, "expiredinter")
    assert doc["chain_complete"] is True          # its own finding, not cert.untrusted
    assert doc["finding_severity"] == {"cert.chain_expiring": "error"}
    assert doc["expiring_intermediate"] == "CN=hsts-audit expiredinter CA,O=hsts-audit tests"
    assert re.fullmatch(r"intermediate CN=hsts-audit expiredinter CA,O=hsts-audit tests, "
                        r"not after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, -[12] days left",
                        doc["details"]["cert.chain_expiring"])


def test_intermediate_expiring_before_the_leaf_is_a_warning(pki):
    rc, doc = audit(pki, "soonexpiring")
    assert (rc, doc["findings"], doc["severity"]) == (0, ["cert.chain_expiring"], "warning")
    assert doc["finding_severity"] == {"cert.chain_expiring": "warning"}
    rc, out, _ = run_cli("cert", "--host", "a.test", "--ca-file", pki.root,
                         pki.chain("soonexpiring"))
    assert rc == 0
    assert "  warning cert.chain_expiring: " in out
    # outside --warn-days: nothing
    rc, doc = audit(pki, "soonexpiring", "--warn-days", "5")
    assert (rc, doc["findings"]) == (0, [])


def test_issuer_distrusted(pki):
    args = ["--host", "a.test", "--ca-file", pki.distrusted_root]
    rc, doc = cert_json(*args, "--ca-public", pki.chain("distrusted"))
    assert (rc, doc["findings"]) == (1, ["cert.issuer_distrusted"])
    assert doc["root"] == "CN=hsts-audit Distrusted Root,O=hsts-audit tests"
    assert re.fullmatch(r"test distrusts mod_hsts_audit test root for certificates after "
                        r"2019-12-31T23:59:59Z; compared: earliest SCT "
                        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; source: "
                        r"tests/data/distrusted-test-root.key", doc["distrust"])
    assert doc["browser_errors"] == {"cert.issuer_distrusted":
                                     CHROME_FIREFOX["cert.issuer_distrusted"]}
    # a private root: not judged by the browsers' public-root rules
    rc, doc = cert_json(*args, pki.chain("distrusted"))
    assert (rc, doc["findings"], doc["distrust"]) == (0, [], None)


def test_browser_rules_text_output(pki):
    rc, out, _ = run_cli("cert", "--host", "a.test", "--ca-file", pki.root, "--ca-public",
                         pki.chain("long"))
    assert rc == 1
    assert "Trusted roots:  %s (public roots)" % pki.root in out
    assert "  error   cert.validity_too_long: publicly trusted certificate issued after " \
           "2020-09-01 and valid for more than 398 days: Chrome and Safari refuse it" in out
    assert re.search(r"          detail: valid 400 days from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, "
                     r"more than 398\n", out)
    assert "          browsers show: NET::ERR_CERT_VALIDITY_TOO_LONG / (Firefox accepts it)" in out


def test_ca_public_needs_ca_file(pki):
    rc, out, err = run_cli("cert", "--host", "a.test", "--ca-public", pki.chain("good"))
    assert (rc, out) == (2, "")
    assert "--ca-public marks a --ca-file as public roots" in err


# ---- the default roots: the system CA bundle file, not OpenSSL's hashed directory --------

def test_default_roots_are_the_bundle_file(pki):
    rc, doc = cert_json("--host", "a.test", pki.chain("good"))
    assert doc["trusted_roots"] == "system"
    assert doc["trusted_roots_file"] in ("/etc/ssl/certs/ca-certificates.crt",
                                         "/etc/pki/tls/certs/ca-bundle.crt",
                                         "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem")
    assert doc["public_roots"] is True
    rc, out, _ = run_cli("cert", "--host", "a.test", pki.chain("good"))
    assert "Trusted roots:  %s (the system CA bundle, public roots)" % \
        doc["trusted_roots_file"] in out


def test_snakeoil_in_openssl_cert_dir_is_untrusted(pki, tmp_path):
    """Debian's make-ssl-cert links the self-signed snakeoil certificate into
    /etc/ssl/certs, OpenSSL's hashed default directory. The same here with
    SSL_CERT_DIR: OpenSSL's defaults trust it (the control), the audit does not."""
    certs = tmp_path / "certs"
    certs.mkdir()
    snakeoil = pki.chain("selfsigned")
    h = run([OPENSSL, "x509", "-in", snakeoil, "-noout", "-subject_hash"]).strip()
    (certs / (h + ".0")).write_text(snakeoil.read_text())
    env = dict(os.environ, SSL_CERT_DIR=str(certs), SSL_CERT_FILE=str(tmp_path / "none.pem"))
    control = subprocess.run([OPENSSL, "verify", str(snakeoil)], env=env, capture_output=True)
    assert control.returncode == 0, control.stderr
    rc, out, err = run_cli("cert", "--json", "--host", "a.test", snakeoil, env=env)
    doc = json.loads(out)
    assert (rc, doc["findings"]) == (1, ["cert.untrusted"]), err
    assert re.fullmatch(r"self.signed certificate", doc["verify_error"])


@pytest.mark.skipif(not os.path.exists("/etc/ssl/certs/ssl-cert-snakeoil.pem"),
                    reason="no Debian snakeoil certificate (ssl-cert) on this machine")
def test_the_real_snakeoil_is_untrusted():
    host = run([OPENSSL, "x509", "-in", "/etc/ssl/certs/ssl-cert-snakeoil.pem",
                "-noout", "-subject", "-nameopt", "multiline"])
    cn = re.search(r"commonName\s*=\s*(\S+)", host).group(1)
    rc, doc = cert_json("--host", cn, "/etc/ssl/certs/ssl-cert-snakeoil.pem")
    assert (rc, doc["findings"]) == (1, ["cert.untrusted"])
