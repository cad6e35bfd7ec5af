"""Helpers shared by the end-to-end tests: a browser visit that the httpd access
log can be matched with, chrome://net-internals/#hsts queries, the STS vectors.

The shared harness (tests/common/) provides the PKI, the httpd instances, the
backends' query strings (common.backend.sts_query) and the access-log readers
(common.logs); this file only adds what a real browser needs.
"""

import re
import subprocess
import threading
import time
import uuid

from common.cli import cli_path
from common.env import REPO
from common.logs import finding_codes

# Every *.hsts.test name goes to loopback (the test certificate covers hsts.test and
# *.hsts.test).  Chromium ignores STS for IP literals and localhost.
HOST_RULES = "MAP hsts.test 127.0.0.1, MAP *.hsts.test 127.0.0.1"

VECTORS = REPO / "tests" / "unit" / "data" / "sts_vectors_public.tsv"


def https_url(server, host, path="/"):
    return "https://%s:%d%s" % (host, server.https_port, path)


def http_url_on_tls_port(server, host, path="/"):
    """http:// aimed at the TLS port: Chromium's own HSTS upgrade keeps the port,
    so an upgraded navigation reaches the TLS listener; one that is not upgraded
    gets Apache's 400 for plain HTTP on a TLS port."""
    return "http://%s:%d%s" % (host, server.https_port, path)


def visit(page, url, timeout=20):
    """Navigate with a unique X-Test-Id header (the harness's access log records
    it, see common.logs.LOG_FORMAT).  Returns (Navigation, test_id)."""
    tid = "e2e-" + uuid.uuid4().hex
    page.send("Network.setExtraHTTPHeaders", {"headers": {"X-Test-Id": tid}})
    nav = page.navigate(url, timeout=timeout)
    return nav, tid


def log_entry(server, test_id, path=None, timeout=5):
    """The access-log entry of the browser's request with this X-Test-Id (and path:
    a browser may also ask for /favicon.ico with the same extra header)."""
    paths = None
    if path is not None:
        path = path.split("?", 1)[0]
        paths = {path, path + "index.html"} if path.endswith("/") else {path}  # %U: DirectoryIndex
    deadline = time.time() + timeout
    while True:
        found = [e for e in server.access_entries() if e["test_id"] == test_id and
                 (paths is None or e["path"] in paths)]
        if found:
            return found[-1]
        if time.time() > deadline:
            raise AssertionError("no access-log entry for %s %s in %s" % (
                test_id, path or "", server.access_log))
        time.sleep(0.02)


def module_rejects(entry):
    """The module's verdict on the first STS field: rejected by browsers."""
    return any(c == "header.invalid" or c.startswith("header.invalid.") for c in finding_codes(entry))


# --------------------------------------------------------------------------
# chrome://net-internals/#hsts
# --------------------------------------------------------------------------

_QUERY_JS = r"""
(async (domain) => {
  const out = document.getElementById('hsts-view-query-output');
  const input = document.getElementById('hsts-view-query-input');
  const button = document.getElementById('hsts-view-query-submit');
  if (!out || !input || !button) return {error: 'net-internals HSTS query form not found'};
  out.textContent = '';
  input.value = domain;
  button.click();
  for (let i = 0; i < 500; i++) {
    await new Promise(r => setTimeout(r, 10));
    const t = out.innerText.trim();
    if (t) return {text: t};
  }
  return {error: 'no answer from net-internals'};
})(%s)
"""


class HstsState:
    """One answer of chrome://net-internals/#hsts for a domain."""

    def __init__(self, domain, text):
        self.domain = domain
        self.text = text
        self.fields = {}
        for line in text.splitlines():
            k, sep, v = line.partition(":")
            if sep:
                self.fields[k.strip()] = v.strip()

    @property
    def found(self):
        return self.text.startswith("Found") and \
            self.fields.get("dynamic_upgrade_mode") == "FORCE_HTTPS"

    @property
    def dynamic_domain(self):
        return self.fields.get("dynamic_sts_domain") or None

    @property
    def include_subdomains(self):
        return self.fields.get("dynamic_sts_include_subdomains") == "true"

    @property
    def observed(self):
        v = self.fields.get("dynamic_sts_observed")
        return float(v) if v else None

    @property
    def max_age(self):
        """expiry - observed, rounded: the max-age Chromium stored."""
        try:
            return round(float(self.fields["dynamic_sts_expiry"]) -
                         float(self.fields["dynamic_sts_observed"]))
        except (KeyError, ValueError):
            return None

    def __repr__(self):
        if not self.found:
            return "<HSTS %s: not stored>" % self.domain
        return "<HSTS %s: stored for %s, max-age %s, includeSubDomains %s>" % (
            self.domain, self.dynamic_domain, self.max_age, self.include_subdomains)


class NetInternals:
    """A tab on chrome://net-internals/#hsts, queried by domain."""

    def __init__(self, browser):
        self.page = browser.new_page(network=False)
        self.page.navigate("chrome://net-internals/#hsts")
        self.lock = threading.Lock()

    def query(self, domain):
        import json
        with self.lock:
            res = self.page.evaluate(_QUERY_JS % json.dumps(domain), await_promise=True)
        if not res or "error" in res:
            raise AssertionError("net-internals query for %s failed: %r" % (domain, res))
        return HstsState(domain, res["text"])

    def flush_sockets(self):
        """Close the browser's idle connections ("Flush socket pools" on
        #sockets): a browser visiting many host names keeps one connection per name,
        and each idle HTTP/2 connection holds an httpd worker."""
        with self.lock:
            ok = self.page.evaluate(
                "(() => { const b = document.getElementById('sockets-view-flush-button');"
                " if (!b) return false; b.click(); return true; })()")
        if not ok:
            raise AssertionError("net-internals: no 'Flush socket pools' button")


# --------------------------------------------------------------------------
# STS vectors
# --------------------------------------------------------------------------

_ESC = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def unescape_tsv(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] in _ESC:
            out.append(_ESC[s[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def sendable(value):
    """Whether value can be sent as one HTTP header field value as it is (no CR,
    LF, NUL or other control characters but HTAB).  Leading and trailing SP/HTAB are
    dropped by every HTTP parser on the way, the same for httpd and Chromium."""
    return not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", value)


def load_vectors(path=VECTORS):
    """[(header_value, source, context)] of the vector file, each distinct sendable
    value once (leading/trailing SP and HTAB removed)."""
    out, seen = [], set()
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in lines[1:]:
        if not line:
            continue
        cols = line.split("\t")
        value = unescape_tsv(cols[0]).strip(" \t")
        if not sendable(value) or value in seen:
            continue
        seen.add(value)
        out.append((value, cols[5] if len(cols) > 5 else "?", cols[8] if len(cols) > 8 else ""))
    return out


def cli_verdict(value):
    """hsts-audit header --json VALUE (the CLI built from the same core), or None."""
    import json
    p = cli_path()
    if not p:
        return None
    r = subprocess.run([p, "header", "--json", value.encode("latin-1")], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=10)
    try:
        return json.loads(r.stdout.decode("utf-8", "replace"))
    except ValueError:
        return None
