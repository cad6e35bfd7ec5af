"""A small Chrome DevTools Protocol client for the end-to-end tests: it starts a
headless Chromium with --remote-debugging-pipe (fd 3: commands to the browser,
fd 4: replies and events, NUL-delimited JSON) and talks to it from Python.
Standard library only; no npm, no websocket, no debugging port.

    with Browser(workdir, ca_pem=..., host_rules=...) as b:
        page = b.new_page()
        nav = page.navigate("https://hsts.test:8443/")
        nav.hsts_upgraded  ->  True when the browser itself upgraded http:// (307, HSTS)

Every process started here is stopped by its pid: the browser (Browser.close, then
SIGTERM/SIGKILL) and then whatever is left that belongs to this browser's private
HOME / --user-data-dir (its children, chrome_crashpad_handler, which outlives the
browser by 10-20 s otherwise).
"""

import base64
import fcntl
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
CERTUTIL = os.environ.get("CERTUTIL") or "certutil"

# Flags needed on a machine without a network: Chromium must not try its
# background requests and component updates (they fail, many at a time).
BASE_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-default-browser-check", "--disable-default-apps", "--disable-extensions",
    "--mute-audio", "--password-store=basic", "--use-mock-keychain",
    # Chromium's own HTTPS-Upgrades would upgrade http:// without HSTS (port 80 only,
    # but keep it out of the picture entirely): only reason "HSTS" counts.
    "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable",
    "--remote-debugging-pipe",
)


class CDPError(Exception):
    pass


def chromium_path():
    """The chromium executable, or None when it is not installed."""
    p = shutil.which(CHROMIUM) if not os.path.isabs(CHROMIUM) else CHROMIUM
    return p if p and os.access(p, os.X_OK) else None


def certutil_path():
    return shutil.which(CERTUTIL)


def _high_fd(fd):
    """A copy of fd numbered >= 10, inheritable, and the original closed (so the
    shell redirections 3<&N 4>&M below can never clobber each other)."""
    new = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    os.set_inheritable(new, True)
    return new


def _procs_mentioning(needle):
    """pids of processes whose command line or environment mentions needle."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        for what in ("cmdline", "environ"):
            try:
                with open("/proc/%s/%s" % (name, what), "rb") as f:
                    data = f.read()
            except OSError:
                continue
            if needle.encode() in data:
                out.append(int(name))
                break
    return sorted(out)


def _pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return False


class Navigation:
    """What one Page.navigate produced: the requests of the main frame (in order,
    Network.requestWillBeSent params), the responses, the error text."""

    def __init__(self, url):
        self.url = url
        self.requests = []       # requestWillBeSent params of Document requests
        self.responses = []      # responseReceived params of Document requests
        self.failed = []         # loadingFailed params
        self.error_text = None   # Page.navigate's errorText (net::ERR_...)
        self.loader_id = None

    @property
    def redirects(self):
        """[(from_url, redirectResponse)] of the navigation."""
        out = []
        for r in self.requests:
            rr = r.get("redirectResponse")
            if rr:
                out.append((rr.get("url"), rr))
        return out

    @property
    def hsts_upgraded(self):
        """True when the browser upgraded http:// to https:// itself because of a
        stored HSTS policy: an internal 307 with Non-Authoritative-Reason: HSTS."""
        return any(self.hsts_redirect(rr) for _, rr in self.redirects)

    @staticmethod
    def hsts_redirect(rr):
        headers = {k.lower(): v for k, v in (rr.get("headers") or {}).items()}
        return (rr.get("status") == 307 and
                headers.get("non-authoritative-reason") == "HSTS" and
                str(rr.get("url", "")).startswith("http://"))

    @property
    def upgrade_reasons(self):
        """Non-Authoritative-Reason of every internal redirect (HSTS, HttpsUpgrades...)."""
        out = []
        for _, rr in self.redirects:
            h = {k.lower(): v for k, v in (rr.get("headers") or {}).items()}
            if "non-authoritative-reason" in h:
                out.append(h["non-authoritative-reason"])
        return out

    @property
    def final_url(self):
        return self.requests[-1]["request"]["url"] if self.requests else None

    @property
    def final_status(self):
        return self.responses[-1]["response"]["status"] if self.responses else None

    def summary(self):
        return {"url": self.url, "error": self.error_text,
                "chain": [r["request"]["url"] for r in self.requests],
                "redirects": [(u, rr.get("status"), rr.get("statusText"),
                               (rr.get("headers") or {}).get("Non-Authoritative-Reason"))
                              for u, rr in self.redirects],
                "status": self.final_status}


class Page:
    """One tab (target) attached with a flat session."""

    def __init__(self, browser, target_id, session_id):
        self.browser = browser
        self.target_id = target_id
        self.session_id = session_id
        self.events = queue.Queue()

    def send(self, method, params=None, timeout=30):
        return self.browser.send(method, params, session_id=self.session_id, timeout=timeout)

    def drain(self):
        while True:
            try:
                self.events.get_nowait()
            except queue.Empty:
                return

    def navigate(self, url, timeout=20):
        """Navigate the main frame and wait until it stopped loading (a page, an
        error page or an interstitial).  Returns a Navigation."""
        self.drain()
        nav = Navigation(url)
        res = self.send("Page.navigate", {"url": url}, timeout=timeout)
        nav.error_text = res.get("errorText")
        nav.loader_id = res.get("loaderId")
        frame_id = res.get("frameId")
        deadline = time.time() + timeout
        done = False
        while time.time() < deadline:
            try:
                method, params = self.events.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if method == "Network.requestWillBeSent" and params.get("type") == "Document" \
                    and params.get("frameId") == frame_id:
                nav.requests.append(params)
            elif method == "Network.responseReceived" and params.get("type") == "Document" \
                    and params.get("frameId") == frame_id:
                nav.responses.append(params)
            elif method == "Network.loadingFailed" and params.get("type") == "Document":
                nav.failed.append(params)
            elif method == "Page.frameStoppedLoading" and params.get("frameId") == frame_id:
                done = True
                break
        if not done:
            raise CDPError("navigation to %s did not finish in %ss: %r" % (
                url, timeout, nav.summary()))
        return nav

    def evaluate(self, expression, timeout=20, await_promise=False):
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": await_promise}, timeout=timeout)
        if "exceptionDetails" in res:
            raise CDPError("evaluate failed: %r" % (res["exceptionDetails"],))
        return res.get("result", {}).get("value")

    def wait_for(self, expression, timeout=10, interval=0.05):
        """Poll a JS expression until it is truthy; returns its value."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = self.evaluate(expression)
            except CDPError:
                last = None
            if last:
                return last
            time.sleep(interval)
        raise CDPError("timed out waiting for %s (last %r)" % (expression, last))

    def screenshot(self, path, width=None, height=None, full_page=True):
        """PNG of the page (Page.captureScreenshot); full_page: the whole document."""
        if width:
            self.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height or 800, "deviceScaleFactor": 1,
                       "mobile": False})
        params = {"format": "png", "captureBeyondViewport": bool(full_page)}
        if full_page:
            m = self.send("Page.getLayoutMetrics")
            size = m.get("cssContentSize") or m.get("contentSize")
            # the whole document, also when it is wider than the viewport
            params["clip"] = {"x": 0, "y": 0, "width": max(width or 0, size["width"]),
                              "height": size["height"], "scale": 1}
        data = self.send("Page.captureScreenshot", params)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return path

    def close(self):
        try:
            self.browser.send("Target.closeTarget", {"targetId": self.target_id}, timeout=5)
        except CDPError:
            pass


class Browser:
    """A headless Chromium with a private HOME (NSS db trusting ca_pem), a fresh
    --user-data-dir, and host_rules for --host-resolver-rules."""

    def __init__(self, workdir, *, ca_pem=None, host_rules=None, extra_flags=(),
                 log_name="chromium.log", client_p12=None, auto_select=()):
        """client_p12: a PKCS#12 file (empty password) imported into the NSS db;
        auto_select: [(origin, issuer CN)]: the profile's AutoSelectCertificateForUrls
        content setting, so that the browser presents that client certificate to that
        origin without asking (Chromium never offers an expired one)."""
        self.client_p12 = client_p12
        self.auto_select = list(auto_select)
        self.workdir = Path(workdir)
        self.home = self.workdir / "home"
        self.profile = self.workdir / "profile"
        self.ca_pem = ca_pem
        self.host_rules = host_rules
        self.extra_flags = list(extra_flags)
        self.log_path = self.workdir / log_name
        self.proc = None
        self._next_id = 0
        self._lock = threading.Lock()
        self._wlock = threading.Lock()
        self._pending = {}
        self._sessions = {}
        self.browser_events = queue.Queue()
        self._reader = None
        self._wfd = None
        self._rfd = None
        self.version = None

    # -- life cycle -----------------------------------------------------------
    def _nssdb(self):
        db = self.home / ".pki" / "nssdb"
        db.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, HOME=str(self.home))
        subprocess.run([certutil_path() or CERTUTIL, "-N", "-d", "sql:%s" % db,
                        "--empty-password"], check=True, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if self.ca_pem:
            subprocess.run([certutil_path() or CERTUTIL, "-A", "-d", "sql:%s" % db,
                            "-n", "hsts-e2e-test-ca", "-t", "CP,,", "-i", str(self.ca_pem)],
                           check=True, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if self.client_p12:
            subprocess.run(["pk12util", "-i", str(self.client_p12), "-d", "sql:%s" % db,
                            "-W", ""], check=True, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)

    def _preferences(self):
        if not self.auto_select:
            return
        exceptions = {}
        for origin, issuer_cn in self.auto_select:
            exceptions[origin + ",*"] = {
                "last_modified": "13300000000000000",
                "setting": {"filters": [{"ISSUER": {"CN": issuer_cn}}]}}
        prefs = {"profile": {"content_settings": {"exceptions": {
            "auto_select_certificate": exceptions}}}}
        d = self.profile / "Default"
        d.mkdir(parents=True, exist_ok=True)
        (d / "Preferences").write_text(json.dumps(prefs))

    def start(self, timeout=30):
        if not chromium_path():
            raise CDPError("chromium not found (%s)" % CHROMIUM)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        self.profile.mkdir(parents=True, exist_ok=True)
        self._nssdb()
        self._preferences()
        # to_browser: we write, chromium reads on fd 3; from_browser: chromium writes fd 4
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        to_r, from_w = _high_fd(to_r), _high_fd(from_w)
        flags = list(BASE_FLAGS) + ["--user-data-dir=%s" % self.profile]
        if self.host_rules:
            flags.append("--host-resolver-rules=%s" % self.host_rules)
        flags += self.extra_flags
        env = dict(os.environ, HOME=str(self.home), XDG_CONFIG_HOME=str(self.home / ".config"),
                   XDG_CACHE_HOME=str(self.home / ".cache"), TMPDIR=str(self.workdir))
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        # exec keeps the pid: bash becomes the wrapper, which execs chromium (bash,
        # not dash: dash cannot redirect fds numbered 10 and above).
        cmd = ["/bin/bash", "-c", 'exec "$0" "$@" 3<&%d 4>&%d %d<&- %d>&-' % (
            to_r, from_w, to_r, from_w), chromium_path()] + flags + ["about:blank"]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, env=env,
                                     pass_fds=(to_r, from_w), start_new_session=True)
        os.close(to_r)
        os.close(from_w)
        self._wfd, self._rfd = to_w, from_r
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        try:
            v = self.send("Browser.getVersion", timeout=timeout)
        except CDPError:
            self.close()
            raise CDPError("chromium did not answer on the debugging pipe; log %s:\n%s" % (
                self.log_path, self.log_text()[-3000:]))
        self.version = v.get("product")
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def close(self, timeout=10):
        """Browser.close, wait; then SIGTERM/SIGKILL by pid to the browser and every
        leftover process of this browser (children, crashpad handler), found by its
        private profile/HOME path."""
        if self.proc is None:
            return
        pid = self.proc.pid
        if self.proc.poll() is None:
            try:
                self.send("Browser.close", timeout=5)
            except CDPError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGTERM)
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    os.kill(pid, signal.SIGKILL)
                    self.proc.wait(5)
        for fd in (self._wfd, self._rfd):
            try:
                os.close(fd)
            except (OSError, TypeError):
                pass
        self._wfd = self._rfd = None
        self._log.close()
        self.proc = None
        self.kill_leftovers()

    def kill_leftovers(self, timeout=5):
        """Stop, by pid, the processes that still mention this browser's workdir
        (chrome_crashpad_handler and any child that survived)."""
        needle = str(self.workdir)
        pids = _procs_mentioning(needle)
        for p in pids:
            try:
                os.kill(p, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.time() + timeout
        while time.time() < deadline and any(_pid_alive(p) for p in pids):
            time.sleep(0.05)
        for p in pids:
            if _pid_alive(p):
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        return pids

    # -- protocol -------------------------------------------------------------
    def _read_loop(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._rfd, 1 << 20)
            except (OSError, TypeError):
                chunk = b""
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                try:
                    obj = json.loads(msg)
                except ValueError:
                    continue
                self._dispatch(obj)
        with self._lock:
            for q in self._pending.values():
                q.put({"error": {"message": "browser connection closed"}})
            self._pending.clear()

    def _dispatch(self, obj):
        if "id" in obj:
            with self._lock:
                q = self._pending.pop(obj["id"], None)
            if q is not None:
                q.put(obj)
            return
        sid = obj.get("sessionId")
        page = self._sessions.get(sid) if sid else None
        item = (obj.get("method"), obj.get("params") or {})
        (page.events if page else self.browser_events).put(item)

    def send(self, method, params=None, session_id=None, timeout=30):
        if self._wfd is None:
            raise CDPError("browser not running")
        q = queue.Queue(1)
        with self._lock:
            self._next_id += 1
            mid = self._next_id
            self._pending[mid] = q
        msg = {"id": mid, "method": method, "params": params or {}}
        if session_id:
            msg["sessionId"] = session_id
        data = json.dumps(msg).encode() + b"\0"
        try:
            with self._wlock:
                while data:
                    n = os.write(self._wfd, data)
                    data = data[n:]
        except (OSError, TypeError) as e:
            raise CDPError("write to browser failed: %s" % e)
        try:
            reply = q.get(timeout=timeout)
        except queue.Empty:
            with self._lock:
                self._pending.pop(mid, None)
            raise CDPError("%s: no reply in %ss" % (method, timeout))
        if "error" in reply:
            raise CDPError("%s: %s" % (method, reply["error"].get("message")))
        return reply.get("result", {})

    def new_page(self, url="about:blank", network=True, block_urls=("*/favicon.ico",)):
        """A new tab with Page, Network (cache off) and Runtime enabled.  block_urls
        (Network.setBlockedURLs patterns): by default the browser's automatic
        /favicon.ico request is blocked: it would carry the site's root-scope STS and,
        the last STS seen winning, overwrite a policy stored from another path."""
        tid = self.send("Target.createTarget", {"url": url})["targetId"]
        sid = self.send("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
        page = Page(self, tid, sid)
        self._sessions[sid] = page
        page.send("Page.enable")
        if network:
            page.send("Network.enable")
            # no cache: each navigation goes to the server (the HSTS store is separate)
            page.send("Network.setCacheDisabled", {"cacheDisabled": True})
            if block_urls:
                page.send("Network.setBlockedURLs", {"urls": list(block_urls)})
        page.send("Runtime.enable")
        return page
