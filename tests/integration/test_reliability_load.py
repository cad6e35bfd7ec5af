"""Reliability smoke test, load (docs/reliability.md): a few seconds of h2load per
MPM (prefork, worker, event; HTTP/1.1 keep-alive, and HTTP/2 where mod_http2 runs)
against the module in add mode. No request may fail or get anything but a 200,
every response carries exactly the policy, and the status page's counters equal
the requests in the access log. The long version is `make soak` (scripts/soak.sh:
wrk, 256 connections, 60 s per MPM)."""

import pytest

from common.load import FULL, STEADY_MPM, explain, h2load, need_h2load
from common.status import STATUS_LOCATION, status_json

pytestmark = need_h2load

POLICY = "max-age=31536000; includeSubDomains"


def totals(server):
    return status_json(server)["totals"]


@pytest.mark.parametrize("mpm", ["prefork", "worker", "event"])
def test_load_no_error_counters_exact(httpd_factory, mpm):
    s = httpd_factory.start(mpm=mpm, pre_vhosts=STEADY_MPM,
                            hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
                            https_body=STATUS_LOCATION)
    s.allow(*FULL)
    runs = [("h1", True, 1)] + ([("h2", False, 8)] if mpm != "prefork" else [])
    n, c = 3000, 16
    for label, h1, streams in runs:
        before = totals(s)
        res = h2load("https://127.0.0.1:%d/page.html" % s.https_port, n, c, h1=h1,
                     streams=streams)
        for k in ("failed", "errored", "timeout", "3xx", "4xx", "5xx"):
            assert res[k] == 0, explain("%s: %s" % (label, k), res, s)
        assert res["succeeded"] == n and res["2xx"] == n, explain(label, res, s)
        after = totals(s)
        assert after["requests_https"] - before["requests_https"] == n, label
        assert after["sts_added"] - before["sts_added"] == n, label
    # every request is in the access log, and so in the counters
    assert s.count_logged("/page.html", n * len(runs)) == totals(s)["requests_https"] == n * len(runs)
    r = s.get("/page.html")
    assert r.status == 200 and r.sts == [POLICY]
