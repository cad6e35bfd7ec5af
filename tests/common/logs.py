"""The logs of a test server: its access log (every test server logs
LOG_FORMAT, one tab-separated entry per request, with the module's notes and the
request's X-Test-Id), its error log (lines at error level or worse fail a test
unless allowed; a crashed child always does) and the module's numbered lines.
HttpdLogs gives common.httpd.Httpd its log readers."""

import re
import time

# The LogFormat every test httpd uses (tab-separated); see parse_access_line().
LOG_FIELDS = ("status", "path", "audit", "action", "max_age", "client_cert",
              "test_id", "protocol", "vhost", "method")
LOG_FORMAT = ("%>s\\t%U\\t%{hsts-audit}n\\t%{hsts-audit-action}n\\t"
              "%{hsts-audit-max-age}n\\t%{hsts-audit-client-cert}n\\t"
              "%{X-Test-Id}i\\t%H\\t%v\\t%m")

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


def parse_access_line(line):
    parts = line.split("\t")
    parts += ["-"] * (len(LOG_FIELDS) - len(parts))
    return dict(zip(LOG_FIELDS, parts))


def error_lines(text):
    """Lines of an error log at error level or worse."""
    return [l for l in text.splitlines() if ERROR_LINE_RE.search(l)]


def finding_codes(entry):
    """The finding codes of an access-log entry (its note hsts-audit, "-" when
    unset, "ok" when there is none)."""
    return [c for c in entry["audit"].split(",") if c and c != "-"]


def module_lines(text, number):
    """The module's lines with that message number (e.g. "HSTS00020") in an
    error log's text, each from the number on (whatever prefix httpd's
    error-log format put before it)."""
    out = []
    for line in text.splitlines():
        i = line.find(number + ":")
        if i >= 0:
            out.append(line[i:])
    return out


# The certificate audit's line (src/mod_hsts_certs.c):
#   HSTS00020: <code>: <summary> (vhost <name>, certificate <subject>, <detail>).
#   Visitors see <browser errors>. Fix: <fix>.
CERT_AUDIT_LINE_RE = re.compile(r"(HSTS00020: (cert\.[a-z_]+): .*? \(vhost (.+?), "
                                r"certificate (.*?), (.*)\)\. Visitors see .*)$")


def cert_audit_lines(text):
    """The certificate audit's HSTS00020 lines of an error log's or configtest's
    text, each from the number on."""
    return module_lines(text, "HSTS00020")


def parse_cert_audit_line(line):
    """(code, vhost, subject, detail) of an HSTS00020 line; asserts its form."""
    m = CERT_AUDIT_LINE_RE.match(line)
    assert m, "not an HSTS00020 line of the documented form: %r" % line
    return m.group(2), m.group(3), m.group(4), m.group(5)


class HttpdLogs:
    """The log readers of one test server (mixed into common.httpd.Httpd: needs
    error_log, access_log, backend_log, stdout_path, allow_errors, test_allow,
    _checked_offset, _term_offset and _pending_ids)."""

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
