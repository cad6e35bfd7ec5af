"""The HTML status page fits a 1,280-pixel-wide window without horizontal
scrolling (design.md section 7, issue 14), with the harness's few vhosts and with
400 more (long names, one with many aliases) and a long path in the recent
findings: a real Chromium loads the page and compares
document.documentElement.scrollWidth with window.innerWidth, at 1,280 and at
1,920 pixels. The page is plain HTML with inline CSS: no script runs in it.
"""

import pytest

from common.status import STATUS_LOCATION, status_json, status_page
from e2elib import https_url

pytestmark = pytest.mark.usefixtures("chromium")

LONG = "a-rather-long-virtual-host-name-for-the-customer-portal-and-its-api"
LONG_PATH = "/" + "/".join(["segment-without-any-break-" * 7] * 4)   # 182-byte words


def extra_vhosts(n):
    out = []
    for i in range(n):
        aliases = " ".join("alias%02d.v%03d.%s.test" % (k, i, LONG) for k in range(20 if i == 7 else 1))
        out.append("<VirtualHost 127.0.0.1:@HTTP_PORT@>\n    ServerName v%03d.%s.test\n"
                   "    ServerAlias %s\n</VirtualHost>\n" % (i, LONG, aliases))
    return "".join(out)


def measure(browser, url, width):
    """[scrollWidth, innerWidth, vhost rows, JavaScript-free] of the page in a
    window `width` pixels wide."""
    page = browser.new_page()
    try:
        page.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        nav = page.navigate(url)
        assert nav.error_text is None and nav.final_status == 200, nav.summary()
        return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth,"
                             " document.querySelectorAll('table.vh tbody').length,"
                             " document.scripts.length === 0]")
    finally:
        page.close()


@pytest.mark.parametrize("extra", [0, 400])
def test_status_page_fits_the_window(httpd_factory, browser, extra):
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
                            https_body=STATUS_LOCATION, body=extra_vhosts(extra))
    # plain HTTP for a host with an HTTPS policy, not a redirect: a finding
    # (redirects.http.no_redirect) with a long unbreakable path in the ring
    r = s.get(LONG_PATH, tls=False)
    assert r.status == 404
    doc = status_json(s)
    assert len(doc["vhosts"]) == 4 + extra          # main server, 3 harness vhosts, extra
    # the ring keeps 159 bytes of a path (HSTS_RING_PATH_LEN): one unbreakable word
    assert [e["path"] for e in doc["recent"]] == [LONG_PATH[:159]]
    html = status_page(s).text
    assert '<tr class="ev"><td><a class="warning" href="#f-redirects.http.no_redirect">' in html
    assert LONG_PATH[:159] + "</td>" in html
    for width in (1280, 1920):
        scroll_width, inner_width, rows, no_script = measure(
            browser, https_url(s, "hsts.test", "/hsts-status"), width)
        assert scroll_width <= inner_width, (width, scroll_width, inner_width)
        assert rows == len(doc["vhosts"])
        assert no_script
