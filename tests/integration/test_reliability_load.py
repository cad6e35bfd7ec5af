"""Reliability smoke test, load (docs/reliability.md): a few seconds of h2load per
MPM (prefork, worker, event; HTTP/1.1 keep-alive, and HTTP/2 where mod_http2 runs)
against the module in add mode. No request may fail or get anything but a 200,
every response carries exactly the policy, and the status page's counters equal
the requests in the access log. The long version is `make soak` (scripts/soak.sh:
wrk, 256 connections, 60 s per MPM)."""

import json
import re
import shutil
import subprocess
import time

import pytest

H2LOAD = shutil.which("h2load")
pytestmark = pytest.mark.skipif(
    not H2LOAD, reason="h2load not found: apt-get install nghttp2-client")

POLICY = "max-age=31536000; includeSubDomains"
STATUS = ("    <Location /hsts-status>\n"
          "        SetHandler hsts-audit-status\n"
          "        HSTSMode off\n"
          "    </Location>\n")
# Enough workers for every connection, all started up front, no limit on the
# requests per connection (h2load does not reconnect).
STEADY = """
<IfModule mpm_event_module>
    StartServers 2
    MinSpareThreads 32
    MaxSpareThreads 64
</IfModule>
<IfModule mpm_worker_module>
    StartServers 2
    MinSpareThreads 32
    MaxSpareThreads 64
</IfModule>
<IfModule mpm_prefork_module>
    StartServers 16
    MinSpareServers 16
    MaxSpareServers 16
    ServerLimit 16
    MaxRequestWorkers 16
</IfModule>
MaxKeepAliveRequests 0
"""
FULL = (r"AH00161: server reached MaxRequestWorkers", r"AH00484: server reached MaxRequestWorkers")


def h2load(url, n, c, h1, streams=1):
    cmd = [H2LOAD, "-n", str(n), "-c", str(c), "-m", str(streams)] + (["--h1"] if h1 else [])
    p = subprocess.run(cmd + [url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=120)
    out = p.stdout.decode(errors="replace")
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    assert m, out
    res = dict(zip(("total", "started", "done", "succeeded", "failed", "errored", "timeout"),
                   map(int, m.groups())))
    m = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    assert m, out
    res.update(zip(("2xx", "3xx", "4xx", "5xx"), map(int, m.groups())))
    res["output"] = out
    return res


def totals(server):
    r = server.get("/hsts-status?json")
    assert r.status == 200
    return json.loads(r.body)["totals"]


def logged(server, path, expect, timeout=10):
    """Access-log lines for path, once there are expect of them (a line is written
    just after its response is sent), or whatever there is at the timeout."""
    deadline = time.time() + timeout
    while True:
        n = sum(1 for e in server.access_entries() if e["path"] == path)
        if n >= expect or time.time() > deadline:
            return n
        time.sleep(0.05)


@pytest.mark.parametrize("mpm", ["prefork", "worker", "event"])
def test_load_no_error_counters_exact(httpd_factory, mpm):
    s = httpd_factory.start(mpm=mpm, pre_vhosts=STEADY,
                            hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
                            https_body=STATUS)
    s.allow(*FULL)
    runs = [("h1", True, 1)] + ([("h2", False, 8)] if mpm != "prefork" else [])
    n, c = 3000, 16
    for label, h1, streams in runs:
        before = totals(s)
        res = h2load("https://127.0.0.1:%d/page.html" % s.https_port, n, c, h1, streams)
        for k in ("failed", "errored", "timeout", "3xx", "4xx", "5xx"):
            assert res[k] == 0, (label, k, res["output"])
        assert res["succeeded"] == n and res["2xx"] == n, (label, res["output"])
        after = totals(s)
        assert after["requests_https"] - before["requests_https"] == n, label
        assert after["sts_added"] - before["sts_added"] == n, label
    # every request is in the access log, and so in the counters
    assert logged(s, "/page.html", n * len(runs)) == totals(s)["requests_https"] == n * len(runs)
    r = s.get("/page.html")
    assert r.status == 200 and r.sts == [POLICY]
