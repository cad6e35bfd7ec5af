"""The test PKI, made with the openssl CLI: keys (EC P-256 unless asked
otherwise: RSA, DSA, other curves), certificate requests, self-signed
certificates and `openssl ca` directories (CA), which can issue with any
notBefore/notAfter (OpenSSL 3.0's `openssl x509 -req` cannot backdate), revoke
and write CRLs. PKI is the integration and end-to-end suites' whole hierarchy;
the CLI tests build their own files from the same pieces."""

import datetime
import os
from pathlib import Path

from .env import OPENSSL, TESTS, make_world_readable, run

# The key of the distrust table's test row (src/cert_distrust.c): a root made
# from it is distrusted for certificates issued after 2019-12-31.
DISTRUSTED_ROOT_KEY = TESTS / "data" / "distrusted-test-root.key"

# Host names and addresses the test server certificate covers.
SERVER_DNS_NAMES = ("hsts.test", "www.hsts.test", "*.hsts.test", "localhost")
SERVER_IPS = ("127.0.0.1",)

# X.509v3 extension sections.
CA_EXT = ("basicConstraints = critical, CA:TRUE\n"
          "keyUsage = critical, keyCertSign, cRLSign\n"
          "subjectKeyIdentifier = hash\n")
INTERMEDIATE_EXT = ("basicConstraints = critical, CA:TRUE, pathlen:0\n"
                    "keyUsage = critical, keyCertSign, cRLSign\n"
                    "subjectKeyIdentifier = hash\n"
                    "authorityKeyIdentifier = keyid:always\n")
_LEAF_EXT = ("basicConstraints = critical, CA:FALSE\n"
             "keyUsage = critical, digitalSignature\n"
             "extendedKeyUsage = %s\n"
             "subjectKeyIdentifier = hash\n"
             "authorityKeyIdentifier = keyid:always\n")
SERVER_LEAF_EXT = _LEAF_EXT % "serverAuth"
CLIENT_LEAF_EXT = _LEAF_EXT % "clientAuth"
# The organization of every subject the harness makes.
SUBJECT_O = "/O=mod_hsts_audit tests"


def asn1_time(dt):
    """An aware datetime as `openssl ca -startdate/-enddate` wants it."""
    return dt.strftime("%Y%m%d%H%M%SZ")


def new_key(path, spec="P-256"):
    """A new private key in path; returns path. spec: an EC curve name (P-256,
    P-384, secp256k1...), "rsa<bits>" or "dsa<bits>" (its parameters in
    <path>.params)."""
    path = Path(path)
    if spec.startswith("rsa"):
        run([OPENSSL, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + spec[3:],
             "-out", path])
    elif spec.startswith("dsa"):
        params = path.with_suffix(".params")
        run([OPENSSL, "genpkey", "-genparam", "-algorithm", "DSA",
             "-pkeyopt", "dsa_paramgen_bits:" + spec[3:], "-out", params])
        run([OPENSSL, "genpkey", "-paramfile", params, "-out", path])
    else:
        run([OPENSSL, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + spec,
             "-out", path])
    return path


def write_req_config(path, sections):
    """An `openssl req` config in path: no prompt, a placeholder DN (every
    caller gives -subj), then sections (extension sections for -extensions)."""
    Path(path).write_text("[ req ]\n"
                          "distinguished_name = dn\n"
                          "prompt = no\n"
                          "[ dn ]\n"
                          "CN = placeholder\n" + sections)
    return path


def self_signed(key, cert, subject, config, section, days=3650, keyspec="P-256",
                existing_key=False):
    """A self-signed certificate in cert (extensions: the section of the req
    config) for a new key in key (new_key's keyspec), or for the key already in
    key when existing_key; returns (key, cert)."""
    if not existing_key:
        new_key(key, keyspec)
    env = dict(os.environ, OPENSSL_CONF=str(config))
    run([OPENSSL, "req", "-x509", "-new", "-config", config, "-extensions", section,
         "-key", key, "-subj", subject, "-days", str(days), "-sha256", "-out", cert], env=env)
    return key, cert


def csr_for(key, csr, subject, config):
    """The certificate request of the existing key in csr; returns (key, csr)."""
    env = dict(os.environ, OPENSSL_CONF=str(config))
    run([OPENSSL, "req", "-new", "-config", config, "-key", key, "-subj", subject,
         "-out", csr], env=env)
    return key, csr


def new_csr(key, csr, subject, config, keyspec="P-256"):
    """A new key in key (new_key's keyspec) and its certificate request in csr;
    returns (key, csr)."""
    new_key(key, keyspec)
    return csr_for(key, csr, subject, config)


class CertFiles:
    """One certificate: key, cert (leaf only), chain (leaf + issuing intermediate,
    what SSLCertificateFile gets) and the CA that issued it."""

    def __init__(self, name, key, cert, chain, issuer):
        self.name = name
        self.key = Path(key)
        self.cert = Path(cert)
        self.chain = Path(chain)
        self.issuer = issuer

    def __repr__(self):
        return "CertFiles(%s)" % self.name


class CA:
    """A directory usable with `openssl ca` (the only OpenSSL 3.0 CLI tool that
    can set arbitrary notBefore/notAfter: -startdate/-enddate) for the CA
    certificate cert and its key; serial: the first serial number it issues."""

    def __init__(self, directory, key, cert, serial=0x1000):
        self.key = Path(key)
        self.cert = Path(cert)
        self.dir = Path(directory)
        (self.dir / "newcerts").mkdir(parents=True)
        (self.dir / "index.txt").write_text("")
        (self.dir / "index.txt.attr").write_text("unique_subject = no\n")
        (self.dir / "serial").write_text("%X\n" % serial)
        (self.dir / "crlnumber").write_text("01\n")
        self.config = self.dir / "ca.cnf"
        self.config.write_text(
            "[ ca ]\n"
            "default_ca = CA_default\n"
            "[ CA_default ]\n"
            "dir = %s\n"
            "database = $dir/index.txt\n"
            "new_certs_dir = $dir/newcerts\n"
            "serial = $dir/serial\n"
            "crlnumber = $dir/crlnumber\n"
            "default_md = sha256\n"
            "policy = policy_any\n"
            "unique_subject = no\n"
            "copy_extensions = none\n"
            "default_days = 365\n"
            "default_crl_days = 365\n"
            "email_in_dn = no\n"
            "preserve = yes\n"
            "[ policy_any ]\n"
            "organizationName = optional\n"
            "commonName = supplied\n"
            "[ crl_ext ]\n"
            "authorityKeyIdentifier = keyid:always\n" % self.dir)

    def sign(self, csr, out, ext_text, start, end, md="sha256"):
        """Issue the certificate of csr into out (a Path): extensions ext_text,
        valid from start to end (aware datetimes), signed with digest md."""
        extfile = out.with_suffix(".ext")
        extfile.write_text("[ ext ]\n" + ext_text)
        run([OPENSSL, "ca", "-batch", "-notext", "-config", self.config,
             "-cert", self.cert, "-keyfile", self.key, "-md", md,
             "-in", csr, "-out", out, "-extfile", extfile, "-extensions", "ext",
             "-startdate", asn1_time(start), "-enddate", asn1_time(end)])

    def revoke(self, cert, reason="keyCompromise"):
        run([OPENSSL, "ca", "-batch", "-config", self.config, "-cert", self.cert,
             "-keyfile", self.key, "-revoke", cert, "-crl_reason", reason])

    def gencrl(self, out, days=365):
        run([OPENSSL, "ca", "-batch", "-config", self.config, "-cert", self.cert,
             "-keyfile", self.key, "-gencrl", "-crldays", str(days),
             "-crlexts", "crl_ext", "-out", out])


class ExtraCerts:
    """Certificates a test makes beside the session PKI, in a directory d of its
    own: leaves issued by the PKI's CAs or by CAs made here (any key type, any
    extensions, any lifetime), a root from the distrust table's test key.
    <name>.key / <name>.pem (leaf) / <name>-chain.pem (what SSLCertificateFile
    gets); now: the time their lifetimes count from, ms the same in milliseconds
    (for embedded SCTs). The caller makes d world-readable when done."""

    def __init__(self, pki, d):
        self.pki, self.d = pki, d
        self.n_cas = 0
        self.now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.ms = int(self.now.timestamp()) * 1000

    def csr(self, name, cn, keyspec="P-256"):
        """(key, csr) of a new key (common.pki.new_key's keyspec) for CN=cn."""
        key = new_key(self.d / (name + ".key"), keyspec)
        return csr_for(key, self.d / (name + ".csr"), SUBJECT_O + "/CN=" + cn,
                       self.pki.req_config())

    def new_ca(self, name, key, cert):
        """An `openssl ca` directory for cert (serials 0x1000, 0x1100, ...)."""
        ca = CA(self.d / ("ca-" + name), key, cert, serial=0x1000 + 0x100 * self.n_cas)
        self.n_cas += 1
        return ca

    def ca(self, name, issuer, start, end):
        """An intermediate CA "HSTS <name> CA" issued by issuer (a CA), valid from
        start to end (aware datetimes)."""
        key, csr = self.csr(name, "HSTS %s CA" % name)
        cert = self.d / (name + ".pem")
        issuer.sign(csr, cert, CA_EXT + "authorityKeyIdentifier = keyid:always\n", start, end)
        return self.new_ca(name, key, cert)

    def leaf(self, name, ca, ext, days=90, keyspec="P-256", san=True, serve_ca=True):
        """CertFiles of leaf <name>.hsts.test issued by ca with the extensions ext
        (+ its subjectAltName when san), valid from yesterday for days; its chain
        file has ca's certificate after the leaf when serve_ca."""
        day = datetime.timedelta(days=1)
        key, csr = self.csr(name, name + ".hsts.test", keyspec)
        cert = self.d / (name + ".pem")
        if san:
            ext = ext + "subjectAltName = DNS:%s.hsts.test\n" % name
        ca.sign(csr, cert, ext, self.now - day, self.now - day + days * day)
        chain = self.d / (name + "-chain.pem")
        chain.write_text(cert.read_text() + (ca.cert.read_text() if serve_ca else ""))
        return CertFiles(name, key, cert, chain, ca.cert)

    def distrusted_root(self):
        """A root CA made from the distrust table's test key."""
        key, cert = self_signed(DISTRUSTED_ROOT_KEY, self.d / "distrusted-root.pem",
                                SUBJECT_O + "/CN=HSTS Distrusted Test Root",
                                self.pki.req_config(), "v3_root", existing_key=True)
        return self.new_ca("distrusted", key, cert)


class PKI:
    """The test PKI, made with the openssl CLI.

    Server side: root CA -> intermediate CA -> server leaves.
      server(name).key / .cert (leaf only: the "chain-less" variant) / .chain (leaf +
      intermediate); names: good, expired, notyet, expiring (5 days left),
      wronghost (other.example), selfsigned (chain == cert, no CA).
      good covers DNS hsts.test, www.hsts.test, *.hsts.test, localhost and IP 127.0.0.1.
    Client side: client CA -> client(name) for valid, expired, notyet, revoked,
      untrusted (issued by a rogue CA nobody trusts); client_crl lists "revoked".
    Every file is world-readable (httpd children run as www-data).
    """

    SERVER_KINDS = ("good", "expired", "notyet", "expiring", "wronghost", "selfsigned")
    CLIENT_KINDS = ("valid", "expired", "notyet", "revoked", "untrusted")

    def __init__(self, directory):
        self.dir = Path(directory)
        self.cas = {}
        self.servers = {}
        self.clients = {}

    # paths
    @property
    def root_ca(self):
        return self.dir / "root-ca.pem"

    @property
    def intermediate_ca(self):
        return self.dir / "intermediate-ca.pem"

    @property
    def ca_bundle(self):
        """root + intermediate (for tools that must not need the served chain)."""
        return self.dir / "ca-bundle.pem"

    @property
    def client_ca(self):
        return self.dir / "client-ca.pem"

    @property
    def client_crl(self):
        return self.dir / "client-ca.crl.pem"

    @property
    def rogue_ca(self):
        return self.dir / "rogue-ca.pem"

    def server(self, kind="good"):
        return self.servers[kind]

    def client(self, kind="valid"):
        return self.clients[kind]

    # generation (files named <name>.key / .pem / .csr in the PKI's directory)
    def req_config(self):
        cnf = self.dir / "req.cnf"
        if not cnf.exists():
            write_req_config(cnf,
                             "[ v3_root ]\n" + CA_EXT +
                             "[ v3_selfsigned ]\n"
                             "basicConstraints = critical, CA:FALSE\n"
                             "keyUsage = critical, digitalSignature\n"
                             "extendedKeyUsage = serverAuth\n"
                             "subjectKeyIdentifier = hash\n"
                             "subjectAltName = DNS:hsts.test, DNS:www.hsts.test\n")
        return cnf

    def self_signed(self, name, subject, section, days=3650):
        """(key, cert) of a new self-signed certificate; section: v3_root (a CA) or
        v3_selfsigned (a server leaf)."""
        key, cert = self.dir / (name + ".key"), self.dir / (name + ".pem")
        return self_signed(key, cert, subject, self.req_config(), section, days)

    def csr(self, name, subject):
        """(key, csr) of a new key and its certificate request."""
        key, csr = self.dir / (name + ".key"), self.dir / (name + ".csr")
        return new_csr(key, csr, subject, self.req_config())

    def ca(self, name, key, cert):
        """An `openssl ca` directory (CA) for the CA certificate cert (key) in
        ca-<name>/; not listed in self.cas."""
        return CA(self.dir / ("ca-" + name), key, cert, serial=0x1000 + 0x100 * len(self.cas))

    def build(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        day = datetime.timedelta(days=1)
        O = SUBJECT_O

        # server-side hierarchy
        rkey, rcert = self.self_signed("root-ca", O + "/CN=HSTS Test Root CA", "v3_root")
        root = self.cas["root"] = self.ca("root", rkey, rcert)
        ikey, icsr = self.csr("intermediate-ca", O + "/CN=HSTS Test Intermediate CA")
        root.sign(icsr, self.intermediate_ca,
                  INTERMEDIATE_EXT,
                  now - day, now + 3650 * day)
        inter = self.cas["intermediate"] = self.ca("intermediate", ikey, self.intermediate_ca)
        self.ca_bundle.write_text(self.root_ca.read_text() + self.intermediate_ca.read_text())

        san_good = ", ".join(["DNS:" + n for n in SERVER_DNS_NAMES] +
                             ["IP:" + ip for ip in SERVER_IPS])
        server_specs = {
            "good": (san_good, now - day, now + 365 * day),
            "expired": (san_good, now - 400 * day, now - 35 * day),
            "notyet": (san_good, now + 30 * day, now + 400 * day),
            "expiring": (san_good, now - 360 * day, now + 5 * day),
            "wronghost": ("DNS:other.example", now - day, now + 365 * day),
        }
        for kind, (san, start, end) in server_specs.items():
            name = "server-" + kind
            key, csr = self.csr(name, O + "/CN=" + san.split(",")[0].split(":", 1)[1])
            cert = self.dir / (name + ".pem")
            inter.sign(csr, cert, SERVER_LEAF_EXT + "subjectAltName = %s\n" % san,
                       start, end)
            chain = self.dir / (name + "-chain.pem")
            chain.write_text(cert.read_text() + self.intermediate_ca.read_text())
            self.servers[kind] = CertFiles(kind, key, cert, chain, self.intermediate_ca)
        skey, scert = self.self_signed("server-selfsigned", O + "/CN=hsts.test",
                                        "v3_selfsigned", days=365)
        self.servers["selfsigned"] = CertFiles("selfsigned", skey, scert, scert, None)

        # client side
        ckey, ccert = self.self_signed("client-ca", O + "/CN=HSTS Test Client CA", "v3_root")
        cca = self.cas["client"] = self.ca("client", ckey, ccert)
        gkey, gcert = self.self_signed("rogue-ca", O + "/CN=HSTS Rogue CA", "v3_root")
        rogue = self.cas["rogue"] = self.ca("rogue", gkey, gcert)
        client_specs = {
            "valid": (cca, now - day, now + 365 * day),
            "expired": (cca, now - 400 * day, now - 35 * day),
            "notyet": (cca, now + 30 * day, now + 400 * day),
            "revoked": (cca, now - day, now + 365 * day),
            "untrusted": (rogue, now - day, now + 365 * day),
        }
        for kind, (ca, start, end) in client_specs.items():
            name = "client-" + kind
            key, csr = self.csr(name, O + "/CN=client-" + kind)
            cert = self.dir / (name + ".pem")
            ca.sign(csr, cert, CLIENT_LEAF_EXT, start, end)
            self.clients[kind] = CertFiles(kind, key, cert, cert, ca.cert)
        cca.revoke(self.clients["revoked"].cert)
        cca.gencrl(self.client_crl)

        make_world_readable(self.dir)
        return self
