"""Server process control: Httpd, one apache2 in its own ServerRoot (configured
by common.httpd_conf, started with -DFOREGROUND in its own session, restarted
gracefully or not, stopped with its error log checked), and HttpdFactory, which
makes them in per-server temp dirs and stops them all."""

import atexit
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from .clients import HttpdClient
from .env import APACHE2, RUN_GROUP, RUN_USER
from .httpd_conf import config_template, load_modules, write_server_root
from .logs import FINDING_LINE_RE, LOG_FORMAT, HttpdLogs
from .ports import free_port, port_open


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


class Httpd(HttpdLogs, HttpdClient):
    """One httpd instance in its own ServerRoot (a temp dir readable by www-data).

    Attributes: root, conf_path, error_log, access_log, backend_log, http_port,
    https_port, backend_port, extra_ports (list), pki, proc (Popen once started).
    Its log readers are common.logs.HttpdLogs's, its requests
    common.clients.HttpdClient's.
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
        load = load_modules(mpm, modules, cgi, self.hsts_module)
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
        self._template = config_template(load, hsts_global_all, pre_vhosts, https_body,
                                         http_body, body)
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
        write_server_root(self.root, self.conf_path, self.conf_text, files, self.expand)

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
