"""Integration-test harness for mod_hsts_audit: a private PKI, real httpd
instances on loopback, an HTTP client built on curl and a raw-socket client.

Everything here uses the Python standard library only; pytest glue lives in
conftest.py.  Nothing binds anything but 127.0.0.1.
"""

import atexit
import datetime
import os
import re
import shutil
import signal
import socket
import socketserver
import ssl
import stat
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BACKEND_DIR = HERE / "backend"

APACHE2 = os.environ.get("APACHE2") or "/usr/sbin/apache2"
APACHE2_MODULES = os.environ.get("APACHE2_MODULES") or "/usr/lib/apache2/modules"
OPENSSL = os.environ.get("OPENSSL") or "openssl"
CURL = os.environ.get("CURL") or "curl"
RUN_USER = os.environ.get("HSTS_TEST_USER") or "www-data"
RUN_GROUP = os.environ.get("HSTS_TEST_GROUP") or "www-data"

# The LogFormat every test httpd uses (tab-separated); see parse_access_line().
LOG_FIELDS = ("status", "path", "audit", "action", "max_age", "client_cert",
              "test_id", "protocol", "vhost", "method")
LOG_FORMAT = ("%>s\\t%U\\t%{hsts-audit}n\\t%{hsts-audit-action}n\\t"
              "%{hsts-audit-max-age}n\\t%{hsts-audit-client-cert}n\\t"
              "%{X-Test-Id}i\\t%H\\t%v\\t%m")

# Host names the test server certificate covers.
SERVER_DNS_NAMES = ("hsts.test", "www.hsts.test", "*.hsts.test", "localhost")
SERVER_IPS = ("127.0.0.1",)
# Names curl resolves to 127.0.0.1 by default.
TEST_HOSTS = ("hsts.test", "www.hsts.test", "sub.hsts.test", "other.example",
              "backend.test")

# Error-log lines at these levels fail a test unless allow-listed.
ERROR_LINE_RE = re.compile(r"\[(?:[A-Za-z0-9_]+:)?(error|crit|alert|emerg)\]")
# A child that died of a signal (segfault, abort...): always fatal.
CRASH_RE = re.compile(r"exit signal|Segmentation fault|core dumped|Aborted \(6\)")
# Known httpd races while it shuts down on SIGTERM (not failures of the code under
# test); only tolerated in lines written after the harness sent SIGTERM.
SHUTDOWN_NOISE_RE = re.compile(r"AH03093: process_socket: apr_pollset_add failure")
# mod_hsts_audit's own finding lines (codes from design.md section 4) are
# expected output, not harness failures.
FINDING_LINE_RE = (r"\[hsts_audit:[a-z]+\].*(\b(header|redirects|cert|guard|client_cert)"
                   r"\.[a-z_.0-9]+|HSTS00022: HSTSGuard withhold)")


def module_so_path():
    """Where the module under test is: $HSTS_MODULE or <repo>/.libs/mod_hsts_audit.so."""
    env = os.environ.get("HSTS_MODULE")
    if env:  # relative paths are relative to the repo root
        if not os.path.isabs(env):
            return REPO / env
        return Path(env)
    return REPO / ".libs" / "mod_hsts_audit.so"


def make_world_readable(path):
    """chmod a+rX recursively (dirs 755, files keep exec bit, at least 644)."""
    path = Path(path)
    paths = [path] + (list(path.rglob("*")) if path.is_dir() else [])
    for p in paths:
        if p.is_symlink():
            continue
        mode = p.stat().st_mode
        if p.is_dir():
            p.chmod(0o755)
        elif mode & stat.S_IXUSR:
            p.chmod(0o755)
        else:
            p.chmod(0o644)


def mkdtemp_world_readable(prefix):
    d = Path(tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("HSTS_TEST_TMPDIR", "/tmp")))
    d.chmod(0o755)
    return d


# --------------------------------------------------------------------------
# Ports
# --------------------------------------------------------------------------

_ports_lock = threading.Lock()
_ports_handed_out = set()


def free_port(host="127.0.0.1"):
    """A TCP port on host that nobody listens on right now, never handed out twice
    by this process."""
    with _ports_lock:
        for _ in range(200):
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            with socket.socket(fam, socket.SOCK_STREAM) as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
            if port in _ports_handed_out:
                continue
            _ports_handed_out.add(port)
            return port
    raise RuntimeError("no free port found")


def child_processes(ppid):
    """[(pid, thread count)] of the processes whose parent is ppid (from /proc)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) != ppid:
                continue
            out.append((int(name), int(fields[17])))  # num_threads
        except (OSError, IndexError, ValueError):
            continue
    return sorted(out)


def port_open(port, host="127.0.0.1", timeout=0.2):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------
# PKI
# --------------------------------------------------------------------------

def _run(cmd, cwd=None, env=None, input=None):
    p = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, input=input,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("command failed (%d): %s\nstdout: %s\nstderr: %s" % (
            p.returncode, " ".join(str(c) for c in cmd),
            p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")))
    return p.stdout.decode(errors="replace")


def _asn1(dt):
    return dt.strftime("%Y%m%d%H%M%SZ")


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


class _CA:
    """A directory usable with `openssl ca` (the only OpenSSL 3.0 CLI tool that
    can set arbitrary notBefore/notAfter: -startdate/-enddate)."""

    def __init__(self, pki, name, key, cert):
        self.pki = pki
        self.name = name
        self.key = Path(key)
        self.cert = Path(cert)
        self.dir = pki.dir / ("ca-" + name)
        (self.dir / "newcerts").mkdir(parents=True)
        (self.dir / "index.txt").write_text("")
        (self.dir / "index.txt.attr").write_text("unique_subject = no\n")
        (self.dir / "serial").write_text("%X\n" % (0x1000 + 0x100 * len(pki.cas)))
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

    def sign(self, csr, out, ext_text, start, end):
        extfile = out.with_suffix(".ext")
        extfile.write_text("[ ext ]\n" + ext_text)
        _run([OPENSSL, "ca", "-batch", "-notext", "-config", self.config,
              "-cert", self.cert, "-keyfile", self.key,
              "-in", csr, "-out", out, "-extfile", extfile, "-extensions", "ext",
              "-startdate", _asn1(start), "-enddate", _asn1(end)])

    def revoke(self, cert, reason="keyCompromise"):
        _run([OPENSSL, "ca", "-batch", "-config", self.config, "-cert", self.cert,
              "-keyfile", self.key, "-revoke", cert, "-crl_reason", reason])

    def gencrl(self, out, days=365):
        _run([OPENSSL, "ca", "-batch", "-config", self.config, "-cert", self.cert,
              "-keyfile", self.key, "-gencrl", "-crldays", str(days),
              "-crlexts", "crl_ext", "-out", out])


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

    # generation
    def _key(self, name):
        path = self.dir / (name + ".key")
        _run([OPENSSL, "genpkey", "-algorithm", "EC", "-pkeyopt",
              "ec_paramgen_curve:P-256", "-out", path])
        return path

    def _req_config(self):
        cnf = self.dir / "req.cnf"
        if not cnf.exists():
            cnf.write_text(
                "[ req ]\n"
                "distinguished_name = dn\n"
                "prompt = no\n"
                "[ dn ]\n"
                "CN = placeholder\n"
                "[ v3_root ]\n"
                "basicConstraints = critical, CA:TRUE\n"
                "keyUsage = critical, keyCertSign, cRLSign\n"
                "subjectKeyIdentifier = hash\n"
                "[ v3_selfsigned ]\n"
                "basicConstraints = critical, CA:FALSE\n"
                "keyUsage = critical, digitalSignature\n"
                "extendedKeyUsage = serverAuth\n"
                "subjectKeyIdentifier = hash\n"
                "subjectAltName = DNS:hsts.test, DNS:www.hsts.test\n")
        return cnf

    def _self_signed(self, name, subject, section, start=None, days=3650):
        key = self._key(name)
        cert = self.dir / (name + ".pem")
        env = dict(os.environ, OPENSSL_CONF=str(self._req_config()))
        _run([OPENSSL, "req", "-x509", "-new", "-config", self._req_config(),
              "-extensions", section, "-key", key, "-subj", subject,
              "-days", str(days), "-sha256", "-out", cert], env=env)
        return key, cert

    def _csr(self, name, subject):
        key = self._key(name)
        csr = self.dir / (name + ".csr")
        env = dict(os.environ, OPENSSL_CONF=str(self._req_config()))
        _run([OPENSSL, "req", "-new", "-config", self._req_config(), "-key", key,
              "-subj", subject, "-out", csr], env=env)
        return key, csr

    def build(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        day = datetime.timedelta(days=1)
        O = "/O=mod_hsts_audit tests"

        # server-side hierarchy
        rkey, rcert = self._self_signed("root-ca", O + "/CN=HSTS Test Root CA", "v3_root")
        root = self.cas["root"] = _CA(self, "root", rkey, rcert)
        ikey, icsr = self._csr("intermediate-ca", O + "/CN=HSTS Test Intermediate CA")
        root.sign(icsr, self.intermediate_ca,
                  "basicConstraints = critical, CA:TRUE, pathlen:0\n"
                  "keyUsage = critical, keyCertSign, cRLSign\n"
                  "subjectKeyIdentifier = hash\n"
                  "authorityKeyIdentifier = keyid:always\n",
                  now - day, now + 3650 * day)
        inter = self.cas["intermediate"] = _CA(self, "intermediate", ikey, self.intermediate_ca)
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
            key, csr = self._csr(name, O + "/CN=" + san.split(",")[0].split(":", 1)[1])
            cert = self.dir / (name + ".pem")
            inter.sign(csr, cert,
                       "basicConstraints = critical, CA:FALSE\n"
                       "keyUsage = critical, digitalSignature\n"
                       "extendedKeyUsage = serverAuth\n"
                       "subjectKeyIdentifier = hash\n"
                       "authorityKeyIdentifier = keyid:always\n"
                       "subjectAltName = %s\n" % san, start, end)
            chain = self.dir / (name + "-chain.pem")
            chain.write_text(cert.read_text() + self.intermediate_ca.read_text())
            self.servers[kind] = CertFiles(kind, key, cert, chain, self.intermediate_ca)
        skey, scert = self._self_signed("server-selfsigned", O + "/CN=hsts.test",
                                        "v3_selfsigned", days=365)
        self.servers["selfsigned"] = CertFiles("selfsigned", skey, scert, scert, None)

        # client side
        ckey, ccert = self._self_signed("client-ca", O + "/CN=HSTS Test Client CA", "v3_root")
        cca = self.cas["client"] = _CA(self, "client", ckey, ccert)
        gkey, gcert = self._self_signed("rogue-ca", O + "/CN=HSTS Rogue CA", "v3_root")
        rogue = self.cas["rogue"] = _CA(self, "rogue", gkey, gcert)
        client_specs = {
            "valid": (cca, now - day, now + 365 * day),
            "expired": (cca, now - 400 * day, now - 35 * day),
            "notyet": (cca, now + 30 * day, now + 400 * day),
            "revoked": (cca, now - day, now + 365 * day),
            "untrusted": (rogue, now - day, now + 365 * day),
        }
        for kind, (ca, start, end) in client_specs.items():
            name = "client-" + kind
            key, csr = self._csr(name, O + "/CN=client-" + kind)
            cert = self.dir / (name + ".pem")
            ca.sign(csr, cert,
                    "basicConstraints = critical, CA:FALSE\n"
                    "keyUsage = critical, digitalSignature\n"
                    "extendedKeyUsage = clientAuth\n"
                    "subjectKeyIdentifier = hash\n"
                    "authorityKeyIdentifier = keyid:always\n", start, end)
            self.clients[kind] = CertFiles(kind, key, cert, cert, ca.cert)
        cca.revoke(self.clients["revoked"].cert)
        cca.gencrl(self.client_crl)

        make_world_readable(self.dir)
        return self


# --------------------------------------------------------------------------
# HTTP clients
# --------------------------------------------------------------------------

class Response:
    """status (int), headers: list of (name, value) in wire order with duplicates,
    body (bytes), http_version ('1.0', '1.1', '2'), test_id (X-Test-Id sent)."""

    def __init__(self, status, headers, body, http_version="", test_id=None,
                 curl_rc=0, stderr="", raw_head=b""):
        self.status = status
        self.headers = headers
        self.body = body
        self.http_version = http_version
        self.test_id = test_id
        self.curl_rc = curl_rc
        self.stderr = stderr
        self.raw_head = raw_head

    def header_values(self, name):
        n = name.lower()
        return [v for k, v in self.headers if k.lower() == n]

    def header(self, name):
        vals = self.header_values(name)
        return vals[0] if vals else None

    @property
    def sts(self):
        """All Strict-Transport-Security field values, in order."""
        return self.header_values("Strict-Transport-Security")

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def __repr__(self):
        return "<Response %s HTTP/%s sts=%r id=%s>" % (
            self.status, self.http_version, self.sts, self.test_id)


def parse_header_block(raw):
    """Parse the last response head in raw (bytes; possibly several heads, as
    curl -D writes for 1xx responses).  Returns (status, version, headers)."""
    text = raw.decode("latin-1")
    blocks = [b for b in re.split(r"\r?\n\r?\n", text) if b.strip()]
    heads = [b for b in blocks if b.startswith("HTTP/")]
    if not heads:
        return 0, "", []
    head = heads[-1]
    lines = re.split(r"\r?\n", head)
    m = re.match(r"HTTP/(\S+)\s+(\d{3})", lines[0])
    version, status = (m.group(1), int(m.group(2))) if m else ("", 0)
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and headers:  # obs-fold
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip(" \t"))
            continue
        name, _, value = line.partition(":")
        headers.append((name, value.strip(" \t")))
    return status, version, headers


def curl(url, *, http2=False, http10=False, resolve=None, cacert=None, cert=None,
         key=None, headers=(), method=None, data=None, insecure=False, timeout=30,
         extra=(), test_id=None, check=True):
    """One request with curl.  resolve: {host: port} mapped to 127.0.0.1.
    Returns a Response; with check=True a curl failure raises RuntimeError."""
    test_id = test_id or uuid.uuid4().hex
    tmp = Path(tempfile.mkdtemp(prefix="hsts-curl-"))
    try:
        hfile, bfile = tmp / "h", tmp / "b"
        cmd = [CURL, "-sS", "--globoff", "--path-as-is", "--max-time", str(timeout),
               "-D", str(hfile), "-o", str(bfile),
               "-w", "%{http_code} %{http_version}",
               "-H", "X-Test-Id: " + test_id]
        if http2:
            cmd.append("--http2")
        elif http10:
            cmd.append("--http1.0")
        else:
            cmd.append("--http1.1")
        for host, port in (resolve or {}).items():
            cmd += ["--resolve", "%s:%d:127.0.0.1" % (host, port)]
        if cacert:
            cmd += ["--cacert", str(cacert)]
        if insecure:
            cmd.append("-k")
        if cert:
            cmd += ["--cert", str(cert)]
        if key:
            cmd += ["--key", str(key)]
        for h in headers:
            cmd += ["-H", h]
        if method:
            cmd += ["-X", method]
        if data is not None:
            cmd += ["--data-binary", data]
        cmd += list(extra)
        cmd.append(url)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        raw = hfile.read_bytes() if hfile.exists() else b""
        body = bfile.read_bytes() if bfile.exists() else b""
        status, version, hdrs = parse_header_block(raw)
        stderr = p.stderr.decode(errors="replace")
        if check and p.returncode != 0:
            raise RuntimeError("curl failed (rc=%d) for %s: %s" % (p.returncode, url, stderr))
        return Response(status, hdrs, body, version, test_id, p.returncode, stderr, raw)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def curl_many(urls, *, http2=False, resolve=None, cacert=None, timeout=30, headers=()):
    """Several requests in ONE curl run (--next), so they share a connection
    (HTTP/1.1 keep-alive or HTTP/2 streams).  Returns a list of Response; each has
    its own X-Test-Id and .num_connects (0 = the connection was reused)."""
    tmp = Path(tempfile.mkdtemp(prefix="hsts-curl-"))
    try:
        cmd = [CURL]
        ids = []
        for i, url in enumerate(urls):
            if i:
                cmd.append("--next")
            tid = uuid.uuid4().hex
            ids.append(tid)
            cmd += ["-sS", "--globoff", "--path-as-is", "--max-time", str(timeout),
                    "-D", str(tmp / ("h%d" % i)), "-o", str(tmp / ("b%d" % i)),
                    "-w", "%{http_code} %{num_connects}\\n", "-H", "X-Test-Id: " + tid,
                    "--http2" if http2 else "--http1.1"]
            for host, port in (resolve or {}).items():
                cmd += ["--resolve", "%s:%d:127.0.0.1" % (host, port)]
            if cacert:
                cmd += ["--cacert", str(cacert)]
            for h in headers:
                cmd += ["-H", h]
            cmd.append(url)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise RuntimeError("curl failed (rc=%d): %s" % (p.returncode, p.stderr.decode()))
        stats = p.stdout.decode().split("\n")
        out = []
        for i, tid in enumerate(ids):
            raw = (tmp / ("h%d" % i)).read_bytes()
            bfile = tmp / ("b%d" % i)
            body = bfile.read_bytes() if bfile.exists() else b""
            status, version, hdrs = parse_header_block(raw)
            r = Response(status, hdrs, body, version, tid, 0, "", raw)
            r.num_connects = int(stats[i].split()[1])
            out.append(r)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def raw_http(port, request, *, tls=True, host="127.0.0.1", server_hostname="hsts.test",
             cafile=None, certfile=None, keyfile=None, alpn=None, timeout=15):
    """Send request (bytes, sent verbatim) and read until the server closes.
    Returns the raw response bytes."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        if tls:
            ctx = ssl.create_default_context(cafile=str(cafile) if cafile else None)
            if not cafile:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            if certfile:
                ctx.load_cert_chain(str(certfile), str(keyfile) if keyfile else None)
            if alpn:
                ctx.set_alpn_protocols(list(alpn))
            sock = ctx.wrap_socket(sock, server_hostname=server_hostname)
        sock.sendall(request)
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except (ssl.SSLZeroReturnError, ConnectionResetError):
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)
    finally:
        sock.close()


def parse_http1_response(raw):
    """(Response) from raw HTTP/1.x bytes (body not de-chunked)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    status, version, headers = parse_header_block(head + b"\r\n\r\n")
    return Response(status, headers, body, version, raw_head=head)


def raw_get(port, path, *, host="hsts.test", tls=True, extra_headers=(), test_id=None,
            **kw):
    """HTTP/1.1 GET with Connection: close over a raw (TLS) socket; a Response."""
    test_id = test_id or uuid.uuid4().hex
    lines = ["GET %s HTTP/1.1" % path, "Host: %s" % host, "Connection: close",
             "X-Test-Id: %s" % test_id] + list(extra_headers)
    req = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    resp = parse_http1_response(raw_http(port, req, tls=tls, server_hostname=host, **kw))
    resp.test_id = test_id
    return resp


# --------------------------------------------------------------------------
# A raw backend (in this process) that writes exactly the header lines asked for;
# httpd's CGI interface merges repeated header lines into one field, this one
# does not.  Same query parameters as backend/sts.cgi.
# --------------------------------------------------------------------------

def backend_response_spec(query):
    """Parse the backend query string (shared semantics with sts.cgi).
    Returns (status, reason, header_lines [(name, value)], body)."""
    params = urllib.parse.parse_qsl(query, keep_blank_values=True, encoding="latin-1")
    status, location, sts, extra = None, None, [], []
    repeat, big, body = 1, None, "ok\n"
    for k, v in params:
        if k == "sts":
            sts.append(v)
        elif k == "status":
            status = int(v)
        elif k == "location":
            location = v
        elif k == "repeat":
            repeat = int(v)
        elif k == "big":
            big = int(v)
        elif k == "header":
            name, _, value = v.partition(":")
            extra.append((name, value.lstrip()))
        elif k == "body":
            body = v
    lines = []
    if location is not None:
        lines.append(("Location", location))
    lines.append(("Content-Type", "text/plain"))
    lines.extend(extra)
    for _ in range(repeat):
        for v in sts:
            lines.append(("Strict-Transport-Security", v))
    if big is not None:
        lines.append(("Strict-Transport-Security", big_sts_value(big)))
    return status, lines, body


def big_sts_value(n):
    """An invalid STS value of exactly n bytes (max-age with non-digits)."""
    prefix = "max-age="
    return prefix + "x" * max(0, n - len(prefix))


class BackgroundServer:
    """Base of the tests' in-process servers: serve() runs a socketserver server
    on a daemon thread, stop() shuts it down and closes its socket."""

    server = None

    def serve(self, server):
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class RawBackend(BackgroundServer):
    """A plain-HTTP/1.0 server on 127.0.0.1 answering every GET from the query
    string (see backend_response_spec), one connection per request."""

    def __init__(self):
        self.port = free_port()
        self.requests = []
        backend = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                head = b""
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    line = self.rfile.readline(65537)
                    if not line:
                        break
                    head += line
                    if line in (b"\r\n", b"\n"):
                        break
                first = head.split(b"\r\n", 1)[0].decode("latin-1")
                parts = first.split(" ")
                target = parts[1] if len(parts) > 1 else "/"
                backend.requests.append(head)
                query = urllib.parse.urlsplit(target).query
                status, lines, body = backend_response_spec(query)
                status = status or 200
                out = ["HTTP/1.0 %d %s" % (status, "Status%d" % status)]
                out += ["%s: %s" % (n, v) for n, v in lines]
                body_b = body.encode("latin-1")
                out.append("Content-Length: %d" % len(body_b))
                out.append("Connection: close")
                self.wfile.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body_b)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self._server = Server(("127.0.0.1", self.port), Handler)

    def start(self):
        self.serve(self._server)
        return self


# --------------------------------------------------------------------------
# httpd
# --------------------------------------------------------------------------

BASE_MODULES = ("authz_core", "authz_host", "mime", "alias",
                "dir", "headers", "ssl", "socache_shmcb", "http2", "proxy",
                "proxy_http", "env", "setenvif")

_CONF_TEMPLATE = """\
# written by tests/integration/httpdlib.py
ServerRoot "@ROOT@"
DefaultRuntimeDir "@ROOT@/run"
PidFile "@ROOT@/run/httpd.pid"
ServerName hsts.test
ServerAdmin webmaster@hsts.test
User @USER@
Group @GROUP@
Timeout 30
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
GracefulShutdownTimeout 5
Listen 127.0.0.1:@HTTP_PORT@
Listen 127.0.0.1:@HTTPS_PORT@
Listen 127.0.0.1:@BACKEND_PORT@
@EXTRA_LISTEN@
ErrorLog "@ROOT@/logs/error.log"
LogLevel @LOGLEVEL@

@LOADMODULES@

<IfModule mpm_event_module>
    StartServers 2
    ServerLimit 4
    ThreadsPerChild 16
    ThreadLimit 16
    MinSpareThreads 8
    MaxSpareThreads 48
    MaxRequestWorkers 64
    MaxConnectionsPerChild 0
</IfModule>
<IfModule mpm_worker_module>
    StartServers 2
    ServerLimit 4
    ThreadsPerChild 16
    ThreadLimit 16
    MinSpareThreads 8
    MaxSpareThreads 48
    MaxRequestWorkers 64
    MaxConnectionsPerChild 0
</IfModule>
<IfModule mpm_prefork_module>
    StartServers 3
    MinSpareServers 2
    MaxSpareServers 6
    MaxRequestWorkers 16
    MaxConnectionsPerChild 0
</IfModule>

TypesConfig /etc/mime.types
AddDefaultCharset utf-8
DirectoryIndex index.html
DocumentRoot "@ROOT@/htdocs"
<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<Directory "@ROOT@/htdocs">
    Options FollowSymLinks
    AllowOverride FileInfo
    Require all granted
</Directory>
ScriptAlias /cgi-bin/ "@ROOT@/cgi-bin/"
<Directory "@ROOT@/cgi-bin">
    Options +ExecCGI
    AllowOverride None
    Require all granted
</Directory>
<IfModule cgid_module>
    ScriptSock "@ROOT@/run/cgisock"
</IfModule>

LogFormat "@LOGFORMAT@" hststest
CustomLog "@ROOT@/logs/access.log" hststest

SSLRandomSeed startup builtin
SSLRandomSeed connect builtin
SSLSessionCache "shmcb:@ROOT@/run/ssl_scache(512000)"
SSLProtocol all -SSLv3
ProxyTimeout 30

<IfModule hsts_audit_module>
@HSTS_GLOBAL@
</IfModule>

@PRE_VHOSTS@

# --- the TLS vhost (the first one on its port: the default) ---
<VirtualHost 127.0.0.1:@HTTPS_PORT@>
    ServerName hsts.test
    ServerAlias www.hsts.test localhost
    SSLEngine on
    SSLCertificateFile "@SERVER_CERT@"
    SSLCertificateKeyFile "@SERVER_KEY@"
    Protocols h2 http/1.1
    ProxyPass /proxied/ http://127.0.0.1:@BACKEND_PORT@/cgi-bin/
    ProxyPass /raw/ http://127.0.0.1:@RAW_PORT@/
@HTTPS_BODY@
</VirtualHost>

# --- the plain-HTTP vhost ---
<VirtualHost 127.0.0.1:@HTTP_PORT@>
    ServerName hsts.test
    ServerAlias www.hsts.test localhost
    ProxyPass /proxied/ http://127.0.0.1:@BACKEND_PORT@/cgi-bin/
    ProxyPass /raw/ http://127.0.0.1:@RAW_PORT@/
@HTTP_BODY@
</VirtualHost>

# --- the proxied backend: plain HTTP, the same CGI, the module off ---
<VirtualHost 127.0.0.1:@BACKEND_PORT@>
    ServerName backend.test
    CustomLog "@ROOT@/logs/backend_access.log" hststest
    <IfModule hsts_audit_module>
        HSTSMode off
    </IfModule>
</VirtualHost>

@BODY@
"""

DEFAULT_HTDOCS = {
    "index.html": "<html><body>index</body></html>\n",
    "page.html": "<html><body>page</body></html>\n",
    "errors/404.html": "<html><body>custom-404-page</body></html>\n",
    "errors/500.html": "<html><body>custom-500-page</body></html>\n",
}


class HttpdError(Exception):
    pass


_live_httpds = set()


@atexit.register
def _stop_leftovers():
    """Safety net (interrupted runs): SIGTERM every httpd this process started."""
    for h in list(_live_httpds):
        try:
            h.stop(timeout=5, check=False)
        except Exception:  # noqa: BLE001
            pass


class Httpd:
    """One httpd instance in its own ServerRoot (a temp dir readable by www-data).

    Attributes: root, conf_path, error_log, access_log, backend_log, http_port,
    https_port, backend_port, extra_ports (list), pki, proc (Popen once started).
    """

    def __init__(self, root, pki, *, body="", https_body="", http_body="",
                 hsts_global="", pre_vhosts="", mpm="event", hsts_module=None,
                 modules=(), cgi="cgid", server_cert="good", chainless=False,
                 loglevel="warn", allow_errors=(), allow_findings=True,
                 extra_ports=0, raw_port=None, files=None, trusted_ca=True):
        self.root = Path(root)
        self.pki = pki
        self.mpm = mpm
        self.hsts_module = Path(hsts_module) if hsts_module else None
        self.raw_port = raw_port or free_port()
        self._n_extra_ports = extra_ports
        self.allow_errors = [re.compile(p) for p in allow_errors]
        if allow_findings:
            self.allow_errors.append(re.compile(FINDING_LINE_RE))
        self.test_allow = []          # per-test allowlist (conftest resets it)
        self.proc = None
        self.generation = 0
        self._checked_offset = 0
        self._term_offset = None
        self._pending_ids = []
        self.conf_path = self.root / "conf" / "httpd.conf"
        self.error_log = self.root / "logs" / "error.log"
        self.access_log = self.root / "logs" / "access.log"
        self.backend_log = self.root / "logs" / "backend_access.log"
        self.stdout_path = self.root / "logs" / "stdout.log"

        cert = pki.server(server_cert) if pki else None
        self.cert = cert
        mods = list(BASE_MODULES) + [cgi] + [m for m in modules if m not in BASE_MODULES]
        load = ["LoadModule mpm_%s_module %s/mod_mpm_%s.so" % (mpm, APACHE2_MODULES, mpm)]
        seen = set()
        for m in mods:
            if m in seen or not m:
                continue
            seen.add(m)
            load.append("LoadModule %s_module %s/mod_%s.so" % (m, APACHE2_MODULES, m))
        if self.hsts_module:
            load.append("LoadModule hsts_audit_module %s" % self.hsts_module)
        hsts_global_all = ""
        if trusted_ca and pki:
            hsts_global_all += 'HSTSTrustedCA "%s"\n' % pki.root_ca
        hsts_global_all += hsts_global
        self.subst = {
            "@ROOT@": str(self.root),
            "@USER@": RUN_USER,
            "@GROUP@": RUN_GROUP,
            "@RAW_PORT@": str(self.raw_port),
            "@LOGLEVEL@": loglevel,
            "@LOGFORMAT@": LOG_FORMAT,
            "@SERVER_CERT@": str((cert.cert if chainless else cert.chain) if cert else ""),
            "@SERVER_KEY@": str(cert.key if cert else ""),
            "@PKI@": str(pki.dir if pki else ""),
            "@ROOT_CA@": str(pki.root_ca if pki else ""),
            "@CLIENT_CA@": str(pki.client_ca if pki else ""),
            "@CLIENT_CRL@": str(pki.client_crl if pki else ""),
        }
        text = _CONF_TEMPLATE
        for k, v in (("@LOADMODULES@", "\n".join(load)),
                     ("@HSTS_GLOBAL@", hsts_global_all),
                     ("@PRE_VHOSTS@", pre_vhosts),
                     ("@HTTPS_BODY@", https_body),
                     ("@HTTP_BODY@", http_body),
                     ("@BODY@", body)):
            text = text.replace(k, v)
        self._template = text
        self._files = files or {}
        self._assign_ports()
        self._write_tree(self._files)

    def _assign_ports(self):
        self.http_port = free_port()
        self.https_port = free_port()
        self.backend_port = free_port()
        self.extra_ports = [free_port() for _ in range(self._n_extra_ports)]
        self.subst["@HTTP_PORT@"] = str(self.http_port)
        self.subst["@HTTPS_PORT@"] = str(self.https_port)
        self.subst["@BACKEND_PORT@"] = str(self.backend_port)
        for i, p in enumerate(self.extra_ports):
            self.subst["@PORT%d@" % i] = str(p)
        self.subst["@EXTRA_LISTEN@"] = "\n".join("Listen 127.0.0.1:%d" % p
                                                  for p in self.extra_ports)
        self.conf_text = self.expand(self._template)

    def expand(self, text):
        for k, v in self.subst.items():
            text = text.replace(k, v)
        return text

    def _write_tree(self, files):
        for d in ("conf", "logs", "run", "htdocs", "cgi-bin"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        for rel, content in DEFAULT_HTDOCS.items():
            p = self.root / "htdocs" / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(content)
        for script in BACKEND_DIR.glob("*.cgi"):
            shutil.copy2(script, self.root / "cgi-bin" / script.name)
            (self.root / "cgi-bin" / script.name).chmod(0o755)
        for rel, content in files.items():
            p = self.root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(self.expand(content))
        self.conf_path.write_text(self.conf_text)
        make_world_readable(self.root)
        # the parent (root) writes the logs; children only need to read htdocs
        # and run/; run/ must be writable for cgid's socket and the module's shm
        # files, which the parent creates.

    # -- control ----------------------------------------------------------
    def configtest(self):
        """apache2 -t on this config: (returncode, combined output)."""
        p = subprocess.run([APACHE2, "-t", "-f", str(self.conf_path)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        return p.returncode, p.stdout.decode(errors="replace")

    def start(self, timeout=20, bind_retries=3):
        """Start httpd and wait until it serves; new ports and a new try when another
        process took one of the probed ports meanwhile ("Address already in use")."""
        for attempt in range(bind_retries + 1):
            try:
                return self._start(timeout)
            except HttpdError as e:
                if "Address already in use" not in str(e) or attempt == bind_retries:
                    raise
                self._assign_ports()
                self._write_tree(self._files)
                if self.error_log.exists():
                    self.error_log.rename(self.error_log.with_suffix(".log.bind%d" % attempt))
                self._checked_offset = 0

    def _start(self, timeout):
        if self.proc is not None:
            raise HttpdError("already started")
        rc, out = self.configtest()
        if rc != 0:
            raise HttpdError("apache2 -t failed (rc=%d) for %s:\n%s" % (rc, self.conf_path, out))
        self._stdout = open(self.stdout_path, "wb")
        self.proc = subprocess.Popen([APACHE2, "-f", str(self.conf_path), "-DFOREGROUND"],
                                     stdout=self._stdout, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        _live_httpds.add(self)
        deadline = time.time() + timeout
        ports = [self.http_port, self.https_port, self.backend_port] + self.extra_ports
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self._stdout.close()
                self.proc = None
                _live_httpds.discard(self)
                raise HttpdError("httpd exited at startup:\n%s\n%s" % (
                    self.read_stdout(), self.read_error_log()))
            if all(port_open(p) for p in ports) and \
                    self.read_error_log().count("resuming normal operations") >= 1:
                self.generation = 1
                self.wait_settled()
                return self
            time.sleep(0.05)
        self.stop(check=False)
        raise HttpdError("httpd did not become ready in %ss:\n%s" % (timeout, self.read_error_log()))

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    # StartServers and the threads a fully started child has, per MPM (see the
    # template); cgid's daemon is a single-threaded child too.
    _SETTLE = {"event": (2, 18), "worker": (2, 18), "prefork": (3, 1)}

    def wait_settled(self, timeout=5):
        """Wait until the children httpd starts have finished starting: the
        StartServers children exist with all their threads, cgid's socket exists,
        and nothing changed between two looks.  httpd 2.4 (event MPM, and mod_cgid)
        has races when SIGTERM arrives while children are still starting (a child
        segfaults in apr_os_sock_get, or cgid logs AH01244), seen here under load."""
        if self.proc is None:
            return
        nkids, nthreads = self._SETTLE.get(self.mpm, (1, 1))
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            kids = child_processes(self.proc.pid)
            ready = [k for k in kids if k[1] >= nthreads]
            cgid_ok = "mod_cgid.so" not in self.conf_text or \
                any((self.root / "run").glob("cgisock*"))
            if len(ready) >= nkids and cgid_ok and kids == last:
                return
            last = kids
            time.sleep(0.03)

    def _restart(self, sig, timeout):
        before = self.read_error_log().count("resuming normal operations")
        os.kill(self.proc.pid, sig)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise HttpdError("httpd exited (%s) during restart:\n%s" % (
                    self.proc.returncode, self.read_error_log()))
            if self.read_error_log().count("resuming normal operations") > before and \
                    port_open(self.https_port):
                self.generation += 1
                self.wait_settled()
                return self
            time.sleep(0.05)
        raise HttpdError("restart not done in %ss:\n%s" % (timeout, self.read_error_log()))

    def graceful(self, timeout=20):
        """SIGUSR1 (apachectl graceful); waits for the new generation."""
        return self._restart(signal.SIGUSR1, timeout)

    reload = graceful

    def restart(self, timeout=20):
        """SIGHUP (apachectl restart)."""
        return self._restart(signal.SIGHUP, timeout)

    def rewrite_conf(self, text):
        """Replace the config (already expanded text or with @PLACEHOLDERS@)."""
        self.conf_text = self.expand(text)
        self.conf_path.write_text(self.conf_text)

    def stop(self, timeout=15, check=True):
        """SIGTERM to the parent, wait; then (check=True) the error-log check."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.wait_pending(timeout=2)
            self.wait_settled()
            self._term_offset = len(self.read_error_log())
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
                raise HttpdError("httpd (pid %d) did not stop on SIGTERM in %ss" % (
                    self.proc.pid, timeout))
        rc = self.proc.returncode
        self._stdout.close()
        self.proc = None
        _live_httpds.discard(self)
        if check:
            problems = self.log_problems(final=True)
            if rc != 0:
                problems.insert(0, "httpd exited with status %s" % rc)
            if problems:
                raise HttpdError("httpd in %s:\n  " % self.root + "\n  ".join(problems))

    # -- logs ---------------------------------------------------------------
    def read_error_log(self):
        try:
            return self.error_log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def read_stdout(self):
        try:
            return self.stdout_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def allow(self, *patterns):
        """Allow error-log lines matching these regexes during the current test."""
        self.test_allow.extend(re.compile(p) for p in patterns)

    def log_problems(self, final=False):
        """Unexpected [error]/[crit]/[alert]/[emerg] lines and crashes since the last
        check; advances the check offset."""
        text = self.read_error_log()
        start = self._checked_offset
        new = text[start:]
        self._checked_offset = len(text)
        allow = self.allow_errors + self.test_allow
        term = self._term_offset if self._term_offset is not None else len(text) + 1
        problems = []
        pos = start
        for line in new.splitlines(True):
            line_start, pos = pos, pos + len(line)
            line = line.rstrip("\n")
            if line_start >= term and SHUTDOWN_NOISE_RE.search(line):
                continue
            if CRASH_RE.search(line):
                if not any(a.search(line) for a in allow):
                    problems.append("crash: " + line)
                continue
            if ERROR_LINE_RE.search(line) and not any(a.search(line) for a in allow):
                problems.append(line)
        if final:
            out = self.read_stdout()
            for line in out.splitlines():
                if CRASH_RE.search(line):
                    problems.append("crash (stdout): " + line)
        return problems

    def access_entries(self, backend=False):
        path = self.backend_log if backend else self.access_log
        try:
            lines = path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return []
        return [parse_access_line(l) for l in lines if l]

    def count_logged(self, path, expect, timeout=10):
        """How many access-log entries have this path (%U), once there are expect
        of them (httpd writes a line just after its response is sent), or
        whatever there is at the timeout (seconds)."""
        deadline = time.time() + timeout
        while True:
            n = sum(1 for e in self.access_entries() if e["path"] == path)
            if n >= expect or time.time() > deadline:
                return n
            time.sleep(0.05)

    def log_entry(self, resp_or_id, timeout=5, backend=False):
        """The access-log entry (dict, keys LOG_FIELDS) of one request; waits for it."""
        tid = resp_or_id if isinstance(resp_or_id, str) else resp_or_id.test_id
        deadline = time.time() + timeout
        while True:
            found = [e for e in self.access_entries(backend) if e["test_id"] == tid]
            if found:
                if len(found) > 1:
                    raise AssertionError("%d access-log entries for %s: %r" % (
                        len(found), tid, found))
                return found[0]
            if time.time() > deadline:
                raise AssertionError("no access-log entry for request %s in %s" % (
                    tid, self.access_log))
            time.sleep(0.02)

    def wait_pending(self, timeout=5):
        """Wait until every request made through this object is in the access log."""
        deadline = time.time() + timeout
        while self._pending_ids and time.time() < deadline:
            ids = {e["test_id"] for e in self.access_entries()}
            self._pending_ids = [i for i in self._pending_ids if i not in ids]
            if self._pending_ids:
                time.sleep(0.02)
        self._pending_ids = []

    # -- requests -----------------------------------------------------------
    def url(self, path="/", tls=True, host="hsts.test", port=None):
        if port is None:
            port = self.https_port if tls else self.http_port
        return "%s://%s:%d%s" % ("https" if tls else "http", host, port, path)

    def get(self, path="/", *, tls=True, host="hsts.test", port=None, http2=False,
            client=None, **kw):
        """curl a path on this server (https by default) with the test CA trusted.
        client: a PKI client kind ("valid", "expired", ...) to present."""
        if port is None:
            port = self.https_port if tls else self.http_port
        resolve = {h: port for h in TEST_HOSTS}
        resolve[host] = port
        if client:
            c = self.pki.client(client)
            kw.setdefault("cert", c.cert)
            kw.setdefault("key", c.key)
        if tls and self.pki:
            kw.setdefault("cacert", self.pki.root_ca)
        resp = curl(self.url(path, tls, host, port), http2=http2, resolve=resolve, **kw)
        if resp.status:
            self._pending_ids.append(resp.test_id)
        return resp

    def get_many(self, paths, *, tls=True, host="hsts.test", http2=False, **kw):
        """Several paths over one connection (see curl_many)."""
        port = self.https_port if tls else self.http_port
        resolve = {h: port for h in TEST_HOSTS}
        if tls and self.pki:
            kw.setdefault("cacert", self.pki.root_ca)
        resps = curl_many([self.url(p, tls, host, port) for p in paths], http2=http2,
                          resolve=resolve, **kw)
        self._pending_ids.extend(r.test_id for r in resps if r.status)
        return resps

    def raw_get(self, path="/", *, tls=True, host="hsts.test", port=None, **kw):
        if port is None:
            port = self.https_port if tls else self.http_port
        if tls and self.pki:
            kw.setdefault("cafile", self.pki.root_ca)
        resp = raw_get(port, path, host=host, tls=tls, **kw)
        if resp.status:
            self._pending_ids.append(resp.test_id)
        return resp


def parse_access_line(line):
    parts = line.split("\t")
    parts += ["-"] * (len(LOG_FIELDS) - len(parts))
    return dict(zip(LOG_FIELDS, parts))


def error_lines(text):
    """Lines of an error log at error level or worse."""
    return [l for l in text.splitlines() if ERROR_LINE_RE.search(l)]


class HttpdFactory:
    """Makes Httpd instances in per-server temp dirs; stops them all in cleanup().

    make(body="", **options) -> Httpd (not started)
    start(body="", **options) -> Httpd (started)
    configtest(body="", **options) -> (rc, output)
    Options: see Httpd.__init__ (https_body, http_body, hsts_global, mpm,
    with_module=True, modules, cgi, server_cert, chainless, loglevel, allow_errors,
    allow_findings, extra_ports, files, trusted_ca).
    """

    def __init__(self, base_dir, pki, module_path_fn, raw_port=None):
        self.base_dir = Path(base_dir)
        self.pki = pki
        self.module_path_fn = module_path_fn
        self.raw_port = raw_port
        self.servers = []
        self.count = 0
        self._trusted_ca_ok = None

    def trusted_ca_supported(self):
        """Whether the module accepts HSTSTrustedCA (probed once with apache2 -t);
        the harness sets it to the test root so the certificate audit trusts the PKI."""
        if self._trusted_ca_ok is None:
            rc, out = self.make(with_module=True, trusted_ca=True).configtest()
            self.servers.pop()
            self._trusted_ca_ok = rc == 0 or "HSTSTrustedCA" not in out
        return self._trusted_ca_ok

    def make(self, body="", *, with_module=True, **kw):
        if with_module and "trusted_ca" not in kw:
            kw["trusted_ca"] = self.trusted_ca_supported()
        self.count += 1
        root = self.base_dir / ("httpd-%03d" % self.count)
        root.mkdir(parents=True)
        root.chmod(0o755)
        mod = self.module_path_fn() if with_module else None
        kw.setdefault("raw_port", self.raw_port)
        h = Httpd(root, self.pki, body=body, hsts_module=mod, **kw)
        self.servers.append(h)
        return h

    def start(self, body="", **kw):
        return self.make(body, **kw).start()

    def configtest(self, body="", **kw):
        return self.make(body, **kw).configtest()

    def live(self):
        return [s for s in self.servers if s.proc is not None]

    def cleanup(self):
        problems = []
        for s in self.servers:
            try:
                s.stop()
            except Exception as e:  # noqa: BLE001 - collect all
                problems.append(str(e))
        self.servers = []
        if problems:
            raise HttpdError("\n".join(problems))
