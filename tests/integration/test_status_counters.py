"""The status page's counters (design.md section 7): exact across all child
processes and threads (prefork, event; HTTP/1.1 and HTTP/2) under a load
generator, and kept across graceful restarts (SIGUSR1 to the parent, as
`apachectl -k graceful`), also when the set of vhosts changes.

The load comes from h2load (Debian: nghttp2-client); the counters must equal
the number of requests h2load reports as completed with a response
("succeeded"; h2load's "done" also counts streams that ended in an error
without a response, which never reached a handler). The load and the MPM
settings that keep its connections open are common/load.py's."""

import pytest

from common.load import FULL, STEADY_MPM, explain, h2load, need_h2load
from common.status import COUNTERS, STATUS_LOCATION, http_name, https_name, status_json, vhost

# The status page with HSTSMode off, so reading it does not count; and a log
# of which process and thread served each request, to show the load really
# was spread over several children (prefork) or threads (event).
BODY = STATUS_LOCATION + '    CustomLog "@ROOT@/logs/workers.log" "%P %{tid}P %H"\n'


def workers(server):
    """{(pid, tid)} and {pid} that served requests so far."""
    lines = (server.root / "logs" / "workers.log").read_text().splitlines()
    pairs = {tuple(l.split()[:2]) for l in lines if l}
    return pairs, {p for p, _ in pairs}


def delta(after, before, keys=COUNTERS):
    return {k: after[k] - before[k] for k in keys}


# --------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["prefork", "event"])
def server(request, module_httpd_factory):
    s = module_httpd_factory.start(
        mpm=request.param,
        pre_vhosts=STEADY_MPM,
        hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
        https_body=BODY, http_body=BODY.replace("hsts-status", "not-here"))
    yield s
    s.stop()


def loads(server):
    """The (label, kwargs) h2load runs for this MPM: mod_http2 does not run
    under prefork, so HTTP/1.1 only there; event gets both."""
    runs = [("h1", dict(h1=True, streams=1))]
    if server.mpm != "prefork":
        runs.append(("h2", dict(h1=False, streams=8)))
    return runs


@need_h2load
def test_https_counters_exact_under_load(server):
    server.allow(*FULL)
    n, c = 4000, 40
    for label, kw in loads(server):
        before = status_json(server)
        res = h2load("https://127.0.0.1:%d/page.html" % server.https_port, n, c, **kw)
        after = status_json(server)
        v = delta(vhost(after, https_name(server))["counters"],
                  vhost(before, https_name(server))["counters"])
        t = delta(after["totals"], before["totals"])
        expect = dict.fromkeys(COUNTERS, 0)
        expect.update(requests_https=res["succeeded"], sts_added=res["succeeded"])
        assert v == expect, (label, v, res["output"])
        assert t == expect, (label, t)
        assert res["succeeded"] == res["2xx"], res["output"]
        assert res["succeeded"] >= 0.5 * n, explain("the load did not get through", res, server)
    pairs, pids = workers(server)
    if server.mpm == "prefork":
        assert len(pids) > 1, "the load went to one child only: %r" % pids
    else:
        assert len(pairs) > 1, "the load went to one thread only: %r" % pairs


@need_h2load
def test_http_counters_exact_under_load(server):
    server.allow(*FULL)
    n, c = 3000, 30
    before = status_json(server)
    res = h2load("http://127.0.0.1:%d/page.html" % server.http_port, n, c, h1=True)
    after = status_json(server)
    v = delta(vhost(after, http_name(server))["counters"],
              vhost(before, http_name(server))["counters"])
    expect = dict.fromkeys(COUNTERS, 0)
    expect.update(requests_http=res["succeeded"])
    assert v == expect, (v, res["output"])
    assert delta(after["totals"], before["totals"]) == expect
    assert res["succeeded"] >= 0.5 * n, explain("the load did not get through", res, server)


@need_h2load
def test_counters_survive_graceful(server):
    server.allow(*FULL)
    res = h2load("https://127.0.0.1:%d/" % server.https_port, 500, 10, h1=True)
    assert res["succeeded"] >= 250, res["output"]
    before = status_json(server)
    assert before["totals"]["requests_https"] >= 500
    gen = server.generation
    server.graceful()
    assert server.generation == gen + 1
    after = status_json(server)
    assert after["totals"] == before["totals"]
    assert after["findings"] == before["findings"]
    for v in before["vhosts"]:
        if not v["main_server"]:
            assert vhost(after, v["name"])["counters"] == v["counters"], v["name"]
    assert after["started"] == before["started"]
    assert after["uptime_s"] >= before["uptime_s"]

    # and they go on counting from there
    res = h2load("https://127.0.0.1:%d/" % server.https_port, 300, 10, h1=True)
    n = res["succeeded"]
    assert n >= 150, res["output"]
    again = status_json(server)
    assert again["totals"]["requests_https"] == before["totals"]["requests_https"] + n
    assert (vhost(again, https_name(server))["counters"]["sts_added"]
            == vhost(before, https_name(server))["counters"]["sts_added"] + n)

    # metrics and ?auto agree with the JSON after the restart
    auto = dict(l.split(": ", 1) for l in server.get("/hsts-status?auto").text.splitlines())
    assert int(auto["HstsAuditRequestsHttps"]) == again["totals"]["requests_https"]


def test_counters_survive_graceful_with_new_vhost(httpd_factory):
    """A graceful restart that adds a vhost gets a new statistics area: the
    counters are carried over by vhost name."""
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\n", https_body=BODY)
    for _ in range(5):
        assert s.get("/page.html").status == 200
    for _ in range(3):
        assert s.get("/page.html", tls=False).status == 200
    before = status_json(s)
    assert vhost(before, https_name(s))["counters"]["requests_https"] == 5
    assert vhost(before, http_name(s))["counters"]["requests_http"] == 3

    s.rewrite_conf(s.conf_text + "\n<VirtualHost 127.0.0.1:@HTTP_PORT@>\n"
                                 "    ServerName added.test\n</VirtualHost>\n")
    s.graceful()
    after = status_json(s)
    assert len(after["vhosts"]) == len(before["vhosts"]) + 1
    assert after["totals"] == before["totals"]
    assert vhost(after, https_name(s))["counters"] == vhost(before, https_name(s))["counters"]
    assert vhost(after, http_name(s))["counters"] == vhost(before, http_name(s))["counters"]
    added = vhost(after, "added.test:%d" % s.http_port)
    assert set(added["counters"].values()) == {0}
    assert after["started"] == before["started"]


def test_counters_survive_restart(httpd_factory):
    """`apachectl restart` (SIGHUP) keeps them too: the area lives in the
    parent's process pool, which only a stop ends."""
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\n", https_body=BODY)
    for _ in range(4):
        assert s.get("/page.html").status == 200
    before = status_json(s)
    assert before["totals"]["requests_https"] == 4
    s.restart()
    after = status_json(s)
    assert after["totals"] == before["totals"]
    assert after["started"] == before["started"]
