"""The same add-mode policy across MPMs (event, worker, prefork) and protocols
(HTTP/1.1, HTTP/2; mod_http2 does not run under prefork, where curl falls back
to HTTP/1.1), plus a small concurrent burst per MPM."""

from concurrent.futures import ThreadPoolExecutor

import pytest

POLICY = "max-age=31536000; includeSubDomains"

CASES = [
    # (path, tls, status, expected sts, expected action)
    ("/", True, 200, [POLICY], "added"),
    ("/old", True, 301, [POLICY], "added"),
    ("/missing", True, 404, [POLICY], "added"),
    ("/cgi-bin/sts.cgi?status=500", True, 500, [POLICY], "added"),
    ("/cgi-bin/sts.cgi?sts=max-age%3D600", True, 200, ["max-age=600"], "kept"),
    ("/proxied/sts.cgi?sts=max-age%3Dabc", True, 200, [POLICY], "replaced"),
    ("/raw/x?sts=max-age%3D1&sts=max-age%3D2", True, 200, [POLICY], "replaced"),
    ("/cgi-bin/sts.cgi?sts=max-age%3D600", False, 200, [], "removed"),
    ("/", False, 200, [], "none"),
]
IDS = ["static", "redirect", "errordoc-404", "cgi-500", "cgi-kept", "proxied-replaced",
       "raw-two-replaced", "http-removed", "http-none"]


@pytest.fixture(scope="module", params=["event", "worker", "prefork"])
def mpm_server(request, module_httpd_factory):
    s = module_httpd_factory.start(
        mpm=request.param,
        hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
        https_body="    ErrorDocument 404 /errors/404.html\n"
                   "    Redirect 301 /old https://hsts.test/new\n")
    yield s
    s.stop()


MATRIX = [pytest.param(c[0], c[1], c[2], c[3], c[4], h2, id="%s-%s" % (i, "h2" if h2 else "h1"))
          for c, i in zip(CASES, IDS) for h2 in (False, True) if c[1] or not h2]


@pytest.mark.parametrize("path,tls,status,sts,action,http2", MATRIX)
def test_matrix(mpm_server, path, tls, status, sts, action, http2):
    r = mpm_server.get(path, tls=tls, http2=http2)
    expect_version = "2" if (http2 and mpm_server.mpm != "prefork") else "1.1"
    assert r.http_version == expect_version
    assert r.status == status
    assert r.sts == sts
    e = mpm_server.log_entry(r)
    assert e["action"] == action


def test_concurrent_burst(mpm_server):
    paths = ["/", "/missing", "/cgi-bin/sts.cgi?sts=max-age%3Dabc",
             "/raw/x?sts=max-age%3D1&sts=max-age%3D2"] * 6

    def one(i):
        return mpm_server.get(paths[i], http2=(i % 2 == 0))

    with ThreadPoolExecutor(max_workers=8) as ex:
        results = list(ex.map(one, range(len(paths))))
    for r in results:
        assert r.sts == [POLICY], r
    actions = sorted(mpm_server.log_entry(r)["action"] for r in results)
    assert actions == sorted(["added"] * 12 + ["replaced"] * 12)
