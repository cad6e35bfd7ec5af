"""Load for the integration tests: h2load runs and an MPM configuration that
keeps every keep-alive connection open while the load runs.

h2load does not reconnect: a keep-alive connection the server closes under it
turns the rest of that connection's requests into "errored" ones. httpd closes
them when a child stops (idle maintenance, MaxConnectionsPerChild), after
MaxKeepAliveRequests, and, in the event MPM, whenever all workers of a child
are busy: its listener then closes every idle keep-alive connection ("All
workers are busy or dying, will close N keep-alive connections", logged at
LogLevel mpm_event:trace1). STEADY_MPM rules all three out for up to 48
connections per run; keepalive_closes() finds the event MPM's closes in an
error log, for failure messages.
"""

import re
import shutil
import subprocess

import pytest

H2LOAD = shutil.which("h2load")
# The mark of a test that needs h2load.
need_h2load = pytest.mark.skipif(
    not H2LOAD, reason="h2load not found: install nghttp2-client (apt-get install -y "
                       "nghttp2-client) to run the load tests")

# event and worker: two children of 64 threads, both started up front, none
# stopped or added by the idle-thread maintenance.
_THREADS = """    ServerLimit 2
    StartServers 2
    ThreadLimit 64
    ThreadsPerChild 64
    MaxRequestWorkers 128
    MinSpareThreads 1
    MaxSpareThreads 256
"""
STEADY_MPM = """
<IfModule mpm_event_module>
""" + _THREADS + """    AsyncRequestWorkerFactor 8
    LogLevel mpm_event:trace1
</IfModule>
<IfModule mpm_worker_module>
""" + _THREADS + """</IfModule>
<IfModule mpm_prefork_module>
    StartServers 16
    MinSpareServers 16
    MaxSpareServers 48
    ServerLimit 48
    MaxRequestWorkers 48
</IfModule>
MaxKeepAliveRequests 0
"""

# A full server is expected under load, not an error of the code under test.
FULL = (r"AH00161: server reached MaxRequestWorkers",
        r"AH00484: server reached MaxRequestWorkers")


def h2load(url, n, c, *, h1=False, streams=1, timeout=300):
    """Run h2load: n requests over c connections, `streams` concurrent streams
    each (HTTP/2), or HTTP/1.1 with h1=True. Returns its request counts {total,
    started, done, succeeded, failed, errored, timeout}, status classes {2xx,
    3xx, 4xx, 5xx} and its whole output ("output")."""
    cmd = [H2LOAD, "-n", str(n), "-c", str(c), "-m", str(streams)]
    if h1:
        cmd.append("--h1")
    cmd.append(url)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    out = p.stdout.decode(errors="replace")
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    assert m, "cannot read h2load's summary:\n" + out
    res = dict(zip(("total", "started", "done", "succeeded", "failed", "errored", "timeout"),
                   map(int, m.groups())))
    m = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    assert m, "cannot read h2load's status codes:\n" + out
    res.update(zip(("2xx", "3xx", "4xx", "5xx"), map(int, m.groups())))
    if not h1:
        assert "h2" in out, "h2load did not negotiate HTTP/2:\n" + out
    res["output"] = out
    return res


def keepalive_closes(server):
    """The event MPM's "all workers busy" closes in server's error log."""
    return [l for l in server.read_error_log().splitlines() if "All workers are busy" in l]


def explain(label, res, server):
    """A failure message: the run, h2load's output and the MPM's closes."""
    closes = keepalive_closes(server)
    return "%s:\n%s\nkeep-alive connections closed by the MPM: %s" % (
        label, res["output"], "\n".join(closes) if closes else "none logged")
