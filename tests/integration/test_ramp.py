"""The max-age ramp (design.md section 5b, issue 16): HSTSMaxAgeRamp serves its
first step, takes the next one after a clean HSTSRampHold, holds (never lowers) on
an error problem or error event with ramp.held naming it, keeps its state in
HSTSStateDir across restarts, and falls back to the first step on a state file it
cannot use. Real httpd, short durations: HSTSMaxAgeRamp 20s 40s 1d, HSTSRampHold
15s, HSTSCertCheckInterval 10s (the watch decides each step)."""

import concurrent.futures
import datetime
import os
import re
import shutil
import time

import pytest

from common.clients import raw_get
from common.env import RUN_USER, make_world_readable
from common.httpd_conf import line_of
from common.logs import module_lines
from common.status import STATUS_LOCATION, https_name, status_json, status_page
from common.status import vhost as vhost_doc
from test_certs_watch import issue

INTERVAL = 10
HOLD = 15
SLACK = 6
RAMP = ("    HSTSMaxAgeRamp 20s 40s 1d\n"
        "    HSTSRampHold %ds\n" % HOLD)
GLOBAL = "HSTSCertCheckInterval %ds\n" % INTERVAL
# the ramp's lines (src/mod_hsts_ramp.c) and the watch's problem lines
RAMP_LINES = (r"HSTS0005[5-9]: ", r"HSTS0006[0-2]: ", r"HSTS00048: ", r"HSTS00049: ",
              r"HSTS0002[0-2]: ")


def parse_iso(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def ramp_of(s, name=None):
    return vhost_doc(status_json(s), name or https_name(s))["ramp"]


def wait_ramp(s, pred, timeout, name=None):
    end = time.time() + timeout
    while True:
        r = ramp_of(s, name)
        if pred(r):
            return r
        if time.time() > end:
            raise AssertionError("not within %ss: %r" % (timeout, r))
        time.sleep(0.5)


def served(s, n=1, host="hsts.test", port=None):
    """The STS values of n responses, each on a new connection, in parallel (so
    that prefork's children answer them)."""
    port = port or s.https_port
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as ex:
        resps = list(ex.map(lambda _: raw_get(port, "/", host=host, cafile=s.pki.root_ca),
                            range(n)))
    return sorted(set(r.header("Strict-Transport-Security") for r in resps))


def state_file(s, name=None):
    label = (name or https_name(s)).replace(":", "_")
    return s.root / "hsts_audit" / ("ramp-%s.state" % label)


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_ramp_climbs_on_schedule_and_survives_a_full_restart(httpd_factory, mpm):
    s = httpd_factory.start(mpm=mpm, hsts_global=GLOBAL,
                            https_body=STATUS_LOCATION + RAMP, allow_errors=RAMP_LINES)
    name = https_name(s)
    start = time.time()
    assert served(s, 8) == ["max-age=20"]
    r = ramp_of(s)
    since = parse_iso(r["since"])
    assert abs(since - start) < 10
    assert r == {"steps": [20, 40, 86400], "step": 1, "max_age": 20, "since": r["since"],
                 "next_max_age": 40, "next_at": r["next_at"], "held_by": [],
                 "held_at": None}
    assert parse_iso(r["next_at"]) == since + HOLD
    v = vhost_doc(status_json(s), name)
    assert v["policy"] == "max-age=20"
    assert v["problems"] == []
    idx = [x["name"] for x in status_json(s)["vhosts"]].index(name) + 1
    assert "\nHstsAuditVhost.%d.RampMaxAge: 20\n" % idx in status_page(s, "auto").text
    assert ('hsts_audit_ramp_max_age_seconds{vhost="%s"} 20\n' % name
            in status_page(s, "metrics").text)
    assert "Ramp: max-age=20 (step 1 of 3) since " in status_page(s).text

    # the hold of 15 s is over at the first run after it: 40
    r = wait_ramp(s, lambda r: r["step"] == 2, HOLD + INTERVAL + SLACK)
    assert r["max_age"] == 40 and r["next_max_age"] == 86400
    assert since + HOLD <= parse_iso(r["since"]) <= since + HOLD + INTERVAL + SLACK
    assert served(s, 8) == ["max-age=40"]          # every child, one shared step
    r = wait_ramp(s, lambda r: r["step"] == 3, HOLD + INTERVAL + SLACK)
    assert r["max_age"] == 86400 and r["next_max_age"] is None and r["next_at"] is None
    assert served(s, 8) == ["max-age=86400"]
    taken = module_lines(s.read_error_log(), "HSTS00059")
    assert [re.sub(r" from now.*", "", l) for l in taken] == [
        "HSTS00059: mod_hsts_audit: the max-age ramp of vhost %s takes its next step: "
        "max-age=%d" % (name, m) for m in (40, 86400)]
    assert taken[1].endswith("from now (the last step)")

    st = state_file(s)
    assert st.stat().st_uid == int(os.popen("id -u " + RUN_USER).read())
    assert "max_age 86400\n" in st.read_text()
    assert list(st.parent.iterdir()) == [st]         # no temporary file left
    s.stop()
    s.start()                                        # a full stop and start
    assert served(s, 4) == ["max-age=86400"]
    assert ramp_of(s)["step"] == 3
    assert parse_iso(ramp_of(s)["since"]) == parse_iso(r["since"])


def sub_vhost(chain, key):
    return ("<VirtualHost 127.0.0.1:@PORT0@>\n"
            "    ServerName sub.hsts.test\n"
            "    SSLEngine on\n"
            '    SSLCertificateFile "%s"\n'
            '    SSLCertificateKeyFile "%s"\n'
            "</VirtualHost>\n" % (chain, key))


def test_expired_subdomain_holds_until_fixed(httpd_factory, pki, tmp_root):
    """includeSubDomains pins sub.hsts.test, served with an expired certificate:
    guard.subdomain_not_https holds the ramp (ramp.held names it, no step is taken);
    a renewed certificate and a graceful restart clear it and the ramp advances
    after one clean hold."""
    d = tmp_root / "ramp-sub"
    d.mkdir()
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    day = datetime.timedelta(days=1)
    key, expired = issue(pki, d, "expired", "sub.hsts.test", now - 10 * day, now - day)
    live = d / "live-chain.pem"
    shutil.copy(expired, live)
    make_world_readable(d)
    s = httpd_factory.start(hsts_global=GLOBAL, extra_ports=1,
                            https_body=STATUS_LOCATION + RAMP
                            + "    HSTSIncludeSubDomains On\n",
                            body=sub_vhost(live, key), allow_errors=RAMP_LINES)
    name = https_name(s)
    assert served(s) == ["max-age=20; includeSubDomains"]
    r = wait_ramp(s, lambda r: r["held_by"], INTERVAL + SLACK)
    assert r["held_by"] == ["guard.subdomain_not_https"] and r["step"] == 1
    v = vhost_doc(status_json(s), name)
    held = [p for p in v["problems"] if p["code"] == "ramp.held"]
    assert held == [{"vhost": name, "code": "ramp.held", "severity": "warning",
                     "since": held[0]["since"], "detail": "held by: guard.subdomain_not_https",
                     "browser_errors": None,
                     "fix": "fix what held it; the ramp takes the next step after one "
                            "clean HSTSRampHold"}]
    assert ('hsts_audit_problem{vhost="%s",code="ramp.held",severity="warning"} 1' % name
            in status_page(s, "metrics").text)
    time.sleep(HOLD + INTERVAL)                      # more than a hold: still step 1
    assert ramp_of(s)["step"] == 1 and served(s) == ["max-age=20; includeSubDomains"]
    held_lines = module_lines(s.read_error_log(), "HSTS00060")
    assert held_lines == [
        "HSTS00060: mod_hsts_audit: ramp.held: the max-age ramp of vhost %s stays at "
        "max-age=20 and its hold starts again: guard.subdomain_not_https. Fix that (see "
        "the status page); the ramp moves on after one clean hold" % name]

    _, good = issue(pki, d, "good", "sub.hsts.test", now - day, now + 90 * day, key=key)
    shutil.copy(good, live)
    make_world_readable(d)
    s.graceful()
    fixed = time.time()
    r = wait_ramp(s, lambda r: r["step"] == 2, HOLD + 2 * INTERVAL + SLACK)
    assert parse_iso(r["since"]) >= fixed - 1
    assert r["held_by"] == []
    assert served(s) == ["max-age=40; includeSubDomains"]
    assert "ramp.held" not in [p["code"] for p in vhost_doc(status_json(s), name)["problems"]]


def test_invalid_sts_from_the_backend_holds(httpd_factory):
    """An invalid STS from the application (the module replaces it in add mode,
    and counts header.invalid.max_age) holds the ramp while it comes; once it
    stops, the ramp advances after one clean hold."""
    s = httpd_factory.start(hsts_global=GLOBAL, https_body=STATUS_LOCATION + RAMP,
                            allow_errors=RAMP_LINES)
    bad = "/cgi-bin/sts.cgi?sts=max-age%3D-1"
    end = time.time() + HOLD + 2 * INTERVAL
    while time.time() < end:
        r = s.get(bad)
        assert r.status == 200 and r.header("Strict-Transport-Security") == "max-age=20"
        time.sleep(2)
    r = ramp_of(s)
    assert r["step"] == 1 and r["held_by"] == ["header.invalid.max_age"], r
    stopped = time.time()
    r = wait_ramp(s, lambda r: r["step"] == 2, HOLD + 2 * INTERVAL + SLACK)
    assert parse_iso(r["since"]) >= stopped + HOLD - INTERVAL - 1


def test_corrupt_state_starts_at_the_first_step(httpd_factory):
    s = httpd_factory.make(hsts_global=GLOBAL, https_body=STATUS_LOCATION + RAMP,
                           allow_errors=RAMP_LINES)
    st = state_file(s)
    st.parent.mkdir()
    # a reached step of 1d, but a time from the future: not trusted
    st.write_text("max_age 86400\nsince 9999999999\nclean_since 9999999999\n")
    s.start()
    assert served(s) == ["max-age=20"]
    lines = module_lines(s.read_error_log(), "HSTS00057")
    assert lines == [
        "HSTS00057: mod_hsts_audit: the max-age ramp state of vhost %s (%s) cannot be used: "
        "a time that is not a number or lies in the future. It starts again at its first "
        "step, max-age=20, and the file is written anew. Fix: nothing, unless the file "
        "keeps breaking (a full disk, another writer)" % (https_name(s), st)]
    end = time.time() + INTERVAL + SLACK            # the watch writes it anew
    while "max_age 20\n" not in st.read_text() and time.time() < end:
        time.sleep(0.5)
    assert "max_age 20\n" in st.read_text()


def test_valid_state_resumes_and_changed_list_never_raises(httpd_factory):
    s = httpd_factory.make(hsts_global=GLOBAL, https_body=STATUS_LOCATION + RAMP,
                           allow_errors=RAMP_LINES)
    st = state_file(s)
    st.parent.mkdir()
    t = int(time.time()) - 5
    # 60 s is no step of "20s 40s 1d": the largest step not above it is 40
    st.write_text("max_age 60\nsince %d\nclean_since %d\n" % (t, t))
    s.start()
    assert served(s, 4) == ["max-age=40"]
    assert module_lines(s.read_error_log(), "HSTS00056") == [
        "HSTS00056: mod_hsts_audit: the max-age ramp of vhost %s had reached max-age=60, "
        "which HSTSMaxAgeRamp no longer lists: it serves max-age=40 now and holds it"
        % https_name(s)]


def test_unwritable_state_never_serves_an_unsaved_step(httpd_factory):
    s = httpd_factory.start(hsts_global=GLOBAL, https_body=STATUS_LOCATION + RAMP,
                            allow_errors=RAMP_LINES)
    d = s.root / "hsts_audit"
    d.chmod(0o500)                                  # the children cannot write now
    try:
        time.sleep(2 * HOLD + INTERVAL)
        assert served(s, 4) == ["max-age=20"]
        assert ramp_of(s)["step"] == 1
        lines = module_lines(s.read_error_log(), "HSTS00058")
        assert len(lines) >= 1
        assert lines[0].startswith(
            "HSTS00058: mod_hsts_audit: cannot write the max-age ramp state of vhost %s (%s):"
            % (https_name(s), state_file(s)))
        assert lines[0].endswith(": it stays at max-age=20 until it can. Fix: make "
                                 "HSTSStateDir writable by the server's User")
    finally:
        d.chmod(0o750)
    r = wait_ramp(s, lambda r: r["step"] == 2, INTERVAL + SLACK)
    assert "max_age 40\n" in state_file(s).read_text()


@pytest.mark.parametrize("https_body, hsts_global, needle", [
    ("    HSTSMaxAge 1y\n    HSTSMaxAgeRamp 5m 1d\n", GLOBAL,
     "HSTSMaxAgeRamp at {conf}:{line}: this scope also has HSTSMaxAge ({conf}:{line0}). "
     "Fix: keep one of them"),
    ("    HSTSMaxAgeRamp 5m 1d\n    HSTSMaxAge 1y\n", GLOBAL,
     "HSTSMaxAge at {conf}:{line}: this scope also has HSTSMaxAgeRamp ({conf}:{line0})"),
    ("    HSTSMaxAgeRamp 1d 5m\n", GLOBAL,
     "HSTSMaxAgeRamp at {conf}:{line}: step 2 '5m' (300 s) is not longer than step 1 "
     "'1d' (86400 s): write the steps shortest first"),
    ("    HSTSMaxAgeRamp 5m 1d 30d\n    HSTSIncludeSubDomains On\n    HSTSPreload On\n",
     GLOBAL, "HSTSPreload On needs the last step of HSTSMaxAgeRamp to be at least "
             "31536000 seconds (1y)"),
    ("    HSTSMaxAgeRamp 5m 1d\n", "HSTSCertCheckInterval off\n",
     "HSTS00055: mod_hsts_audit: HSTSMaxAgeRamp at {conf}:{line} (vhost hsts.test:{port}) "
     "needs the watch, which decides each step, but HSTSCertCheckInterval is off"),
    ("    HSTSStateDir /tmp/x\n", GLOBAL,
     "HSTSStateDir at {conf}:{line}: belongs in the server config, not in a "
     "<VirtualHost>"),
    ("    HSTSRampHold 0\n", GLOBAL, "HSTSRampHold '0' at {conf}:{line}: must be at least 1 "
                                      "second"),
], ids=["ramp-after-max-age", "max-age-after-ramp", "not-increasing", "preload-short",
        "watch-off", "state-dir-in-vhost", "hold-zero"])
def test_bad_ramp_fails_configtest(httpd_factory, https_body, hsts_global, needle):
    s = httpd_factory.make(hsts_global=hsts_global, https_body=https_body)
    rc, out = s.configtest()
    first = https_body.splitlines()[0].strip()
    last = https_body.splitlines()[-1].strip()
    line0 = line_of(s.conf_text, first)
    line = line_of(s.conf_text, last)
    assert rc != 0, out
    assert needle.format(conf=s.conf_path, line=line, line0=line0, port=s.https_port) in out, out


def test_inner_max_age_takes_the_place_of_the_ramp(httpd_factory):
    """An HSTSMaxAge in a <Location> (as in .htaccess with AllowOverride FileInfo)
    replaces the ramp there, as it replaces an outer HSTSMaxAge; elsewhere the vhost
    serves its step."""
    s = httpd_factory.start(hsts_global=GLOBAL, https_body=STATUS_LOCATION + RAMP
                            + "    <Location /fixed/>\n        HSTSMaxAge 600\n"
                              "    </Location>\n", allow_errors=RAMP_LINES)
    assert s.get("/").header("Strict-Transport-Security") == "max-age=20"
    assert s.get("/fixed/").header("Strict-Transport-Security") == "max-age=600"
