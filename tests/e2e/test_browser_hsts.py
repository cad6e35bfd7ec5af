"""A real Chromium honours the policy mod_hsts_audit sets (design.md section 2).

Each test gets a fresh browser (empty HSTS store, private HOME whose NSS database
trusts the test root CA) and talks to hsts.test / sub.hsts.test on loopback
(--host-resolver-rules).  Evidence of the browser's own upgrade: an internal 307
with Non-Authoritative-Reason: HSTS in Network.requestWillBeSent.redirectResponse.
The http:// URLs aim at the TLS port, since Chromium keeps the port when it
upgrades; without an upgrade Apache answers plain HTTP on its TLS port with 400.

The server (one per module, add mode):
  /             HSTSMaxAge 1d                        -> max-age=86400
  /isd/         HSTSIncludeSubDomains On             -> max-age=86400; includeSubDomains
  /forget/      HSTSMaxAge 0                         -> max-age=0
  /raw/x?sts=   the in-process backend's STS (kept when valid, replaced when not)
"""

import pytest

import e2elib
from common.backend import sts_query
from common.logs import finding_codes
from e2elib import http_url_on_tls_port, https_url, log_entry, visit

# skip (with the reason) before any server starts when the tool is missing
pytestmark = pytest.mark.usefixtures("chromium")

POLICY_MAX_AGE = 86400

HTTPS_BODY = """
    <Location /isd/>
        HSTSIncludeSubDomains On
    </Location>
    <Location /forget/>
        HSTSMaxAge 0
    </Location>
"""

FILES = {
    "htdocs/isd/index.html": "<html><body>isd</body></html>\n",
    "htdocs/forget/index.html": "<html><body>forget</body></html>\n",
}


@pytest.fixture(scope="module")
def server(module_httpd_factory):
    return module_httpd_factory.start(hsts_global="HSTSMaxAge 1d\n", https_body=HTTPS_BODY,
                                      files=FILES)


@pytest.fixture(scope="module")
def bad_servers(module_httpd_factory):
    """Servers with a broken certificate, started on first use: {kind: Httpd}."""
    servers = {}

    def get(kind):
        if kind not in servers:
            servers[kind] = module_httpd_factory.start(hsts_global="HSTSMaxAge 1d\n",
                                                       server_cert=kind)
        return servers[kind]
    return get


@pytest.fixture
def page(browser):
    return browser.new_page()


@pytest.fixture
def hsts(browser):
    return e2elib.NetInternals(browser)


def assert_upgraded(nav, server, host, path):
    assert nav.hsts_upgraded, "http://%s was not upgraded by the browser: %r" % (
        host, nav.summary())
    assert nav.upgrade_reasons == ["HSTS"], nav.summary()
    assert nav.final_url == https_url(server, host, path), nav.summary()
    assert nav.final_status == 200, nav.summary()


def assert_not_upgraded(nav):
    assert not nav.hsts_upgraded, "unexpected HSTS upgrade: %r" % (nav.summary(),)
    assert nav.upgrade_reasons == [], nav.summary()
    # plain HTTP reached Apache's TLS port
    assert nav.final_url.startswith("http://") and nav.final_status == 400, nav.summary()


def store_policy(page, server, host="hsts.test", path="/"):
    nav, tid = visit(page, https_url(server, host, path))
    assert nav.error_text is None and nav.final_status == 200, nav.summary()
    return nav, log_entry(server, tid, path)


# --------------------------------------------------------------------------
# 1. one HTTPS visit, then http:// is upgraded by the browser itself
# --------------------------------------------------------------------------

def test_https_visit_then_browser_upgrades_http(server, page, hsts):
    # before any HTTPS visit: no policy, no upgrade (and HttpsUpgrades is off)
    nav, _ = visit(page, http_url_on_tls_port(server, "hsts.test", "/page.html"))
    assert_not_upgraded(nav)
    assert not hsts.query("hsts.test").found

    _, entry = store_policy(page, server)
    assert entry["action"] == "added", entry
    assert entry["max_age"] == str(POLICY_MAX_AGE), entry

    state = hsts.query("hsts.test")
    assert state.found, state.text
    assert state.dynamic_domain == "hsts.test"
    assert state.max_age == POLICY_MAX_AGE == int(entry["max_age"]), state.text
    assert not state.include_subdomains, state.text

    nav, tid = visit(page, http_url_on_tls_port(server, "hsts.test", "/page.html"))
    assert_upgraded(nav, server, "hsts.test", "/page.html")
    # the upgraded request reached httpd over TLS and got the policy again
    upgraded = log_entry(server, tid, "/page.html")
    assert upgraded["status"] == "200" and upgraded["action"] == "added", upgraded

    # the policy is per host: another name is not upgraded
    nav, _ = visit(page, http_url_on_tls_port(server, "www.hsts.test", "/page.html"))
    assert_not_upgraded(nav)


# --------------------------------------------------------------------------
# 2. includeSubDomains
# --------------------------------------------------------------------------

@pytest.mark.parametrize("include_subdomains", [True, False], ids=["isd-on", "isd-off"])
def test_include_subdomains_upgrades_subdomain(server, page, hsts, include_subdomains):
    path = "/isd/" if include_subdomains else "/"
    nav, entry = store_policy(page, server, "hsts.test", path)
    expected = "max-age=%d" % POLICY_MAX_AGE + ("; includeSubDomains" if include_subdomains
                                                else "")
    response_sts = [v for k, v in nav.responses[-1]["response"]["headers"].items()
                    if k.lower() == "strict-transport-security"]
    assert response_sts == [expected], nav.summary()
    state = hsts.query("hsts.test")
    assert state.found and state.include_subdomains is include_subdomains, state.text

    sub = hsts.query("sub.hsts.test")
    nav, _ = visit(page, http_url_on_tls_port(server, "sub.hsts.test", "/page.html"))
    if include_subdomains:
        assert sub.found and sub.dynamic_domain == "hsts.test", sub.text
        assert_upgraded(nav, server, "sub.hsts.test", "/page.html")
    else:
        assert not sub.found, sub.text
        assert_not_upgraded(nav)
    # the parent itself is upgraded either way
    nav, _ = visit(page, http_url_on_tls_port(server, "hsts.test", "/page.html"))
    assert_upgraded(nav, server, "hsts.test", "/page.html")


# --------------------------------------------------------------------------
# 4. max-age=0 removes the stored policy
# --------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["HSTSMaxAge-0", "backend-max-age-0-kept"])
def test_max_age_zero_removes_policy(server, page, hsts, source):
    # a host of its own: a late request of another test (on hsts.test) must not
    # store the policy again between the max-age=0 response and the query
    host = "zero-%s.hsts.test" % source.split("-")[0].lower()
    store_policy(page, server, host)
    assert hsts.query(host).found
    nav, _ = visit(page, http_url_on_tls_port(server, host, "/page.html"))
    assert_upgraded(nav, server, host, "/page.html")

    if source == "HSTSMaxAge-0":
        path = "/forget/"
        nav, entry = store_policy(page, server, host, path)
        assert entry["action"] == "added", entry
    else:
        # add mode keeps a valid application header, and max-age=0 is valid
        path = "/raw/x"
        nav, tid = visit(page, https_url(server, host, path + sts_query("max-age=0", encoding="latin-1")))
        assert nav.final_status == 200, nav.summary()
        entry = log_entry(server, tid, path)
        assert entry["action"] == "kept", entry
        assert "header.max_age.zero" in finding_codes(entry), entry
    assert entry["max_age"] == "0", entry

    state = hsts.query(host)
    assert not state.found, state.text
    nav, _ = visit(page, http_url_on_tls_port(server, host, "/page.html"))
    assert_not_upgraded(nav)


# --------------------------------------------------------------------------
# 5. once the policy is stored, certificate errors cannot be clicked through
# --------------------------------------------------------------------------

INTERSTITIAL_JS = """JSON.stringify({
  url: location.href,
  proceed: !!document.getElementById('proceed-link'),
  details: !!document.getElementById('details-button'),
  overridable: (typeof loadTimeData !== 'undefined' && loadTimeData.valueExists('overridable'))
               ? loadTimeData.getBoolean('overridable') : null,
  text: document.body ? document.body.innerText : ''
})"""

EXPAND_DETAILS_JS = """(() => {
  const b = document.getElementById('details-button');
  if (b) b.click();
  return document.body.innerText;
})()"""


def interstitial(page):
    import json
    return json.loads(page.evaluate(INTERSTITIAL_JS))


@pytest.mark.parametrize("kind,net_error", [("expired", "net::ERR_CERT_DATE_INVALID"),
                                            ("wronghost", "net::ERR_CERT_COMMON_NAME_INVALID")])
def test_certificate_error_not_overridable_after_hsts(server, bad_servers, page, hsts, kind,
                                                      net_error):
    bad = bad_servers(kind)
    url = https_url(bad, "hsts.test", "/page.html")

    # before any policy: the usual interstitial, with a way to proceed
    nav, _ = visit(page, url)
    assert nav.error_text == net_error, nav.summary()
    before = interstitial(page)
    assert before["url"].startswith("chrome-error://"), before
    assert before["proceed"] and before["overridable"] is True, before

    store_policy(page, server)          # the good server, same host name
    assert hsts.query("hsts.test").found

    nav, _ = visit(page, url)
    assert nav.error_text == net_error, nav.summary()
    after = interstitial(page)
    assert after["url"].startswith("chrome-error://"), after
    assert after["overridable"] is False, after
    assert not after["proceed"], "the HSTS interstitial offers a proceed link: %r" % after
    details = page.evaluate(EXPAND_DETAILS_JS)
    assert "HSTS" in details, details
    assert "Proceed to" not in details, details

    # http:// to that server: upgraded by the browser, then the same dead end
    nav, _ = visit(page, http_url_on_tls_port(bad, "hsts.test", "/page.html"))
    assert nav.hsts_upgraded, nav.summary()
    assert nav.error_text == net_error, nav.summary()
    assert interstitial(page)["overridable"] is False
