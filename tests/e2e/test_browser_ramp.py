"""A real Chromium stores the max-age of the max-age ramp's current step
(design.md section 5b, HSTSMaxAgeRamp; issue 16).

The TLS vhost hsts.test ramps `20s 40s 1d` with `HSTSRampHold 15s`, and the
watch, which decides each step, runs every 10 seconds. Nothing is wrong on the
server (its certificate chains to the test root, which HSTSTrustedCA names), so
every hold is clean and the ramp advances on schedule: a visit at each step
makes the browser store exactly that step's max-age (chrome://net-internals/#hsts:
expiry - observed), the same value the response carried and the module's
`hsts-audit-max-age` note logged. The step is read from ?json (`ramp.step`), so
the test waits for the server rather than for a clock.

The self-check (section 5c) is off here: tests/integration/test_self_check.py
tests it; this test is about what the browser keeps.
"""

import time

import pytest

import e2elib
from common.status import STATUS_LOCATION, https_name, status_json, vhost
from e2elib import https_url, log_entry, visit

pytestmark = pytest.mark.usefixtures("chromium")

STEPS = [20, 40, 86400]
HOLD = 15
INTERVAL = 10

HTTPS_BODY = """
    HSTSMaxAgeRamp 20s 40s 1d
    HSTSRampHold 15s
    HSTSSelfCheck off
""" + STATUS_LOCATION


@pytest.fixture
def server(httpd_factory):
    return httpd_factory.start(hsts_global="HSTSCertCheckInterval %ds\n" % INTERVAL,
                               https_body=HTTPS_BODY)


def ramp_of(server):
    return vhost(status_json(server), https_name(server))["ramp"]


def wait_for_step(server, step, timeout):
    """The ?json ramp once it serves `step` (1-based); fails after timeout seconds,
    or at once if the ramp went past it or was held."""
    deadline = time.time() + timeout
    while True:
        ramp = ramp_of(server)
        assert ramp["step"] <= step and not ramp["held_by"], ramp
        if ramp["step"] == step:
            return ramp
        if time.time() > deadline:
            raise AssertionError("the ramp did not reach step %d in %d s: %r"
                                 % (step, timeout, ramp))
        time.sleep(0.5)


def sts_of(nav):
    return [v for k, v in nav.responses[-1]["response"]["headers"].items()
            if k.lower() == "strict-transport-security"]


def visit_and_check_stored(page, hsts, server, max_age):
    """One HTTPS visit: the response carries max-age=<max_age>, the module noted it,
    and Chromium stored exactly that max-age for hsts.test."""
    nav, tid = visit(page, https_url(server, "hsts.test", "/page.html"))
    assert nav.error_text is None and nav.final_status == 200, nav.summary()
    assert sts_of(nav) == ["max-age=%d" % max_age], nav.summary()
    entry = log_entry(server, tid, "/page.html")
    assert entry["action"] == "added" and entry["max_age"] == str(max_age), entry
    state = hsts.query("hsts.test")
    assert state.found and state.dynamic_domain == "hsts.test", state.text
    assert state.max_age == max_age, state.text
    assert not state.include_subdomains, state.text
    return state


def test_browser_stores_each_step_of_the_ramp(server, browser):
    page = browser.new_page()
    hsts = e2elib.NetInternals(browser)

    ramp = wait_for_step(server, 1, 5)
    assert ramp["steps"] == STEPS and ramp["max_age"] == STEPS[0], ramp
    assert ramp["next_max_age"] == STEPS[1], ramp
    first = visit_and_check_stored(page, hsts, server, STEPS[0])

    # the first step is held for HSTSRampHold, then the watch takes the next one
    # at its next run: within HOLD + INTERVAL (+ slack for a loaded machine)
    ramp = wait_for_step(server, 2, HOLD + 2 * INTERVAL + 10)
    assert ramp["max_age"] == STEPS[1] and ramp["next_max_age"] == STEPS[2], ramp
    second = visit_and_check_stored(page, hsts, server, STEPS[1])
    assert second.observed > first.observed, (first.text, second.text)

    ramp = wait_for_step(server, 3, HOLD + 2 * INTERVAL + 10)
    assert ramp["max_age"] == STEPS[2] and ramp["next_max_age"] is None, ramp
    assert ramp["next_at"] is None, ramp
    visit_and_check_stored(page, hsts, server, STEPS[2])
