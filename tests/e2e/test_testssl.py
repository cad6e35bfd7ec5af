"""testssl.sh (Debian's testssl.sh 3.0.x, command `testssl`) reads the policy that
mod_hsts_audit sets (design.md section 2): HSTS_time, HSTS_subdomains,
HSTS_preload as configured, and never HSTS_multiple when the application also
sends Strict-Transport-Security (add and enforce modes).

Only the HTTP header checks run (-h), against https://127.0.0.1:PORT/PATH (the
test certificate covers IP 127.0.0.1; testssl's header checks do not verify the
chain anyway).  All runs start at once and are bounded by time limits.

The server (add mode, HSTSMaxAge 1y, HSTSIncludeSubDomains On, HSTSPreload On):
  /           the policy                  -> max-age=31536000; includeSubDomains; preload
  /short/     HSTSMaxAge 1d, no includeSubDomains, no preload
  /twice/     mod_headers adds two valid STS fields: add mode replaces them (one field)
  /invalid/   mod_headers adds an invalid STS field: add mode replaces it
  /enforced/  HSTSMode enforce, mod_headers adds a valid but different STS: the policy
  /off/       HSTSMode off, mod_headers adds two fields: testssl does see HSTS_multiple
              (the control that shows the check is not vacuous)
"""

import json
import os
import subprocess
import time

import pytest

# skip (with the reason) before any server starts when the tool is missing
pytestmark = pytest.mark.usefixtures("testssl")

POLICY_S = 31536000

HTTPS_BODY = """
    <Location /short/>
        HSTSMaxAge 1d
        HSTSIncludeSubDomains Off
        HSTSPreload Off
    </Location>
    <Location /twice/>
        Header always add Strict-Transport-Security "max-age=600"
        Header always add Strict-Transport-Security "max-age=700; includeSubDomains"
    </Location>
    <Location /invalid/>
        Header always set Strict-Transport-Security "max-age=600 includeSubDomains"
    </Location>
    <Location /enforced/>
        HSTSMode enforce
        Header always set Strict-Transport-Security "max-age=600"
    </Location>
    <Location /off/>
        HSTSMode off
        Header always add Strict-Transport-Security "max-age=600"
        Header always add Strict-Transport-Security "max-age=700"
    </Location>
"""

PATHS = ("/", "/short/", "/twice/", "/invalid/", "/enforced/", "/off/")
FILES = {"htdocs%sindex.html" % p: "<html><body>%s</body></html>\n" % p
         for p in PATHS if p != "/"}

# testssl's own limits, and ours around the whole run
TESTSSL_ARGS = ("--quiet", "--color", "0", "--warnings", "off", "--connect-timeout", "10",
                "--openssl-timeout", "10", "-h")
RUN_TIMEOUT = int(os.environ.get("HSTS_TESTSSL_TIMEOUT", "150"))


@pytest.fixture(scope="module")
def server(module_httpd_factory):
    return module_httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\nHSTSPreload On\n",
        https_body=HTTPS_BODY, files=FILES)


@pytest.fixture(scope="module")
def results(testssl, server, tmp_path_factory):
    """{path: {id: [finding dicts]}} from one testssl run per path, all in parallel."""
    outdir = tmp_path_factory.mktemp("testssl")
    procs = {}
    for i, path in enumerate(PATHS):
        out = outdir / ("run%d.json" % i)
        log = open(outdir / ("run%d.log" % i), "wb")
        cmd = [testssl] + list(TESTSSL_ARGS) + [
            "--jsonfile", str(out), "https://127.0.0.1:%d%s" % (server.https_port, path)]
        procs[path] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, cwd=str(outdir),
                                        start_new_session=True), out, log, cmd)
    deadline = time.time() + RUN_TIMEOUT
    res, problems = {}, []
    for path, (p, out, log, cmd) in procs.items():
        try:
            p.wait(max(1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)     # its own session: testssl and its openssl children
            p.wait()
            problems.append("%s: no result in %ss" % (" ".join(cmd), RUN_TIMEOUT))
        log.close()
        with open(log.name, errors="replace") as fh:
            text = fh.read()
        if p.returncode not in (0, None) and not out.exists():
            problems.append("%s: exit %s\n%s" % (" ".join(cmd), p.returncode, text[-2000:]))
            continue
        try:
            findings = json.loads(out.read_text())
        except (OSError, ValueError) as e:
            problems.append("%s: unreadable JSON (%s)\n%s" % (" ".join(cmd), e, text[-2000:]))
            continue
        by_id = {}
        for f in findings:
            by_id.setdefault(f.get("id"), []).append(f)
        by_id["_log"] = text
        res[path] = by_id
    if problems:
        pytest.fail("testssl failed:\n" + "\n".join(problems), pytrace=False)
    return res


def one(res, ident):
    vals = res.get(ident) or []
    assert len(vals) == 1, "%s: %r\n%s" % (ident, vals, res.get("_log", "")[-1500:])
    return vals[0]


def assert_policy(res, seconds, subdomains, preload):
    t = one(res, "HSTS_time")
    days = seconds // 86400
    if seconds >= 15552000:          # testssl's threshold: 180 days
        assert t["severity"] == "OK", t
        assert t["finding"] == "%d days (=%d seconds) > 15552000 seconds" % (days, seconds), t
    else:
        assert t["severity"] == "MEDIUM", t
        assert t["finding"] == "max-age too short. %d days (=%d seconds) < 15552000 seconds" % (
            days, seconds), t
    s = one(res, "HSTS_subdomains")
    if subdomains:
        assert s["finding"] == "includes subdomains" and s["severity"] == "OK", s
    else:
        assert s["finding"] == "only for this domain" and s["severity"] == "INFO", s
    p = one(res, "HSTS_preload")
    if preload:
        assert p["finding"] == "domain IS marked for preloading" and p["severity"] == "OK", p
    else:
        assert p["finding"] == "domain is NOT marked for preloading", p
    assert "HSTS_multiple" not in res, res.get("HSTS_multiple")
    assert "HSTS" not in res, res.get("HSTS")     # testssl's id for "no / bad HSTS"


def test_policy_as_configured(results):
    assert_policy(results["/"], POLICY_S, True, True)


def test_shorter_policy_in_location(results):
    assert_policy(results["/short/"], 86400, False, False)


@pytest.mark.parametrize("path", ["/twice/", "/invalid/", "/enforced/"],
                         ids=["add-two-fields", "add-invalid-field", "enforce"])
def test_backend_sts_gives_one_field(results, path):
    """The application sent STS too; testssl sees exactly one field: the policy."""
    assert_policy(results[path], POLICY_S, True, True)


def test_control_testssl_sees_multiple_fields(results):
    """Without the module (HSTSMode off) the two mod_headers fields reach testssl,
    and it reports them: HSTS_multiple is a real check here."""
    res = results["/off/"]
    m = one(res, "HSTS_multiple")
    assert m["severity"] == "MEDIUM" and m["finding"].startswith("Multiple HSTS headers"), m
    assert one(res, "HSTS_time")["finding"].startswith("max-age too short. 0 days (=600 seconds)")
