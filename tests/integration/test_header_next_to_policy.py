"""A `Header always set Strict-Transport-Security` (the style of popular config
generators) next to the module's policy (issue 14): HSTSMode add keeps a valid
value it sets, so the wire lacks includeSubDomains while the configured policy has
it. The response gets header.include_sub_domains.below_configured, the status page
shows the policy that actually left the server beside the configured one, and
startup (and configtest) warns about the Header line (HSTS00054)."""

import pytest

from common.httpd_conf import line_of
from common.status import STATUS_LOCATION, https_name, status_json, vhost

HEADER = '    Header always set Strict-Transport-Security "max-age=63072000"\n'
POLICY = "max-age=31536000; includeSubDomains"


def warnings_of(text):
    return [l[l.index("HSTS00054"):] for l in text.splitlines() if "HSTS00054" in l]


def expected_warning(h, scope):
    return ('HSTS00054: mod_hsts_audit: %s: "Header always set Strict-Transport-Security '
            '"max-age=63072000"" at %s:%d sets Strict-Transport-Security next to the '
            'module\'s policy "%s": where it sets a valid value, HSTSMode add keeps that '
            'value instead of the policy (header.include_sub_domains.below_configured, '
            'header.max_age.below_configured). Fix: remove that Header line and let the '
            'module send the policy, or set HSTSMode enforce'
            % (scope, h.conf_path, line_of(h.conf_path.read_text(), "Header always set"),
               POLICY))


def test_kept_header_is_reported_and_shown(httpd_factory):
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
                            modules=("headers",), https_body=HEADER + STATUS_LOCATION,
                            allow_errors=(r"HSTS00054",))
    r = s.get("/page.html")
    assert r.sts == ["max-age=63072000"]
    e = s.log_entry(r)
    assert e["action"] == "kept"
    assert e["audit"] == "header.include_sub_domains.below_configured"
    doc = status_json(s)
    v = vhost(doc, https_name(s))
    assert v["policy"] == POLICY
    assert v["sent_policy"] == "max-age=63072000"
    assert doc["findings"]["header.include_sub_domains.below_configured"] == 1
    assert warnings_of(s.read_error_log()) == [
        expected_warning(s, "vhost " + https_name(s))]


def test_configtest_warns_too(httpd_factory):
    h = httpd_factory.make(hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
                           modules=("headers",), https_body=HEADER)
    rc, out = h.configtest()
    assert rc == 0, out
    assert warnings_of(out) == [expected_warning(h, "vhost " + https_name(h))]


def test_sent_policy_follows_the_wire(httpd_factory):
    """Without the Header line the policy leaves the server and no warning is said."""
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
                            https_body=STATUS_LOCATION)
    v = vhost(status_json(s), https_name(s))
    assert v["sent_policy"] is None                 # nothing sent yet
    r = s.get("/page.html")
    assert r.sts == [POLICY]
    v = vhost(status_json(s), https_name(s))
    assert v["sent_policy"] == POLICY
    assert warnings_of(s.read_error_log()) == []


@pytest.mark.parametrize("mode", ["enforce", "report"])
def test_no_warning_where_the_header_cannot_win(httpd_factory, mode):
    """enforce replaces the header; report changes nothing and reports anyway."""
    h = httpd_factory.make(hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n"
                           "HSTSMode %s\n" % mode, modules=("headers",), https_body=HEADER)
    rc, out = h.configtest()
    assert rc == 0 and warnings_of(out) == [], out
