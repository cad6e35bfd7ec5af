"""The status page (design.md section 7, docs/status.md): `SetHandler
hsts-audit-status` in HTML, ?auto, ?json and ?metrics; request data escaped for
each format; GET/HEAD only; 404 where no administrator configured the handler;
the section in mod_status's /server-status (and its ?auto lines), whether
mod_status is loaded before or after this module.

The status page's readers and the ?metrics validator are common/status.py's."""

import json
import re
import urllib.parse
import shutil
import subprocess
import time

import pytest

from common.clients import parse_http1_response, raw_http
from common.env import APACHE2_MODULES
from common.status import (COUNTERS, is_problem_code, STATUS_LOCATION, http_name, https_name,
                           parse_exposition, status_json, status_page, vhost)

POLICY = "max-age=31536000; includeSubDomains"
SERVER_STATUS = ("    <Location /server-status>\n"
                 "        SetHandler server-status\n"
                 "    </Location>\n")

HOSTILE = '<script>"\x01'
HOSTILE_URL_PATH = "/x/%3Cscript%3E%22%01"           # r->uri: /x/<script>"\x01
HOSTILE_PATH = "/x/" + HOSTILE

AUTO_LINE = re.compile(r"^HstsAudit[A-Za-z0-9_.]+: [^\x00-\x1f\x7f]+$")


# ?metrics, in order (docs/status.md): per vhost, the counters its kind can
# move (TLS_COUNTERS on TLS vhosts, the others on plain-HTTP ones) and any
# other that is not 0; the per-code finding counters for the server only.
METRIC_FAMILIES = (["hsts_audit_build_info", "hsts_audit_start_time_seconds"]
                   + ["hsts_audit_%s_total" % k for k in COUNTERS]
                   + ["hsts_audit_sts_invalid_total", "hsts_audit_findings_total",
                      "hsts_audit_guard_withhold", "hsts_audit_guard_unsafe_subdomains",
                      "hsts_audit_server_cert_expiry_timestamp_seconds",
                      "hsts_audit_server_cert_findings", "hsts_audit_problem",
                      "hsts_audit_last_check_timestamp_seconds"])
TLS_COUNTERS = {"requests_https", "sts_added", "sts_kept", "sts_replaced", "sts_withheld",
                "client_cert_rejected_495", "client_cert_rejected_496"}


def metric_label(doc, v):
    """The vhost label ?metrics gives the JSON vhost v (the main server gets
    " (main server)" when a vhost has its name)."""
    if v["main_server"] and any(x["name"] == v["name"] and not x["main_server"]
                                for x in doc["vhosts"]):
        return v["name"] + " (main server)"
    return v["name"]


def samples_by_vhost(fam, name):
    return {labels["vhost"]: value for labels, value in fam[name]["samples"]}


# --------------------------------------------------------------------------
# servers
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(module_httpd_factory):
    """add mode; the status page on the TLS vhost; mod_status loaded BEFORE
    this module (harness module list)."""
    return module_httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\nHSTSIncludeSubDomains On\n",
        modules=("status",),
        https_body=STATUS_LOCATION + SERVER_STATUS)


@pytest.fixture(scope="module")
def status_after_server(module_httpd_factory):
    """mod_status loaded AFTER this module."""
    return module_httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\n",
        pre_vhosts="LoadModule status_module %s/mod_status.so\n" % APACHE2_MODULES,
        https_body=STATUS_LOCATION + SERVER_STATUS)


# --------------------------------------------------------------------------
# the four formats
# --------------------------------------------------------------------------

def test_html_default(server):
    server.get("/page.html")
    r = status_page(server)
    assert r.header("Content-Type").startswith("text/html")
    assert r.header("Cache-Control") == "no-store"
    assert r.header("Refresh") is None
    t = r.text
    assert t.startswith("<!DOCTYPE html>")
    assert t.rstrip().endswith("</html>")
    for part in ("<h1>HSTS Audit Status", "Uptime: ", "<h2>Totals</h2>",
                 "<h2>Virtual hosts</h2>", "<h2>Mutual TLS rejections</h2>",
                 "<h2>Recent findings", https_name(server), http_name(server),
                 "backend.test:%d" % server.backend_port, POLICY,
                 "www.hsts.test, localhost", "<td>add</td>", "<td>off</td>",
                 "Chain: complete", "days left"):
        assert part in t, part


def test_refresh(server):
    r = status_page(server, "refresh=5")
    assert r.header("Refresh") == "5"
    assert '<meta http-equiv="refresh" content="5">' in r.text
    assert status_page(server, "refresh").header("Refresh") == "10"
    assert status_page(server, "refresh=100000").header("Refresh") == "3600"
    r = status_page(server, "json&refresh=7")
    assert r.header("Refresh") == "7"
    json.loads(r.body)


def test_json_object(server):
    before = status_json(server)
    r = server.get("/page.html")
    assert r.sts == [POLICY]
    doc = status_json(server)
    assert doc["module"] == "mod_hsts_audit"
    assert re.match(r"^\d+\.\d+\.\d+", doc["version"])
    assert isinstance(doc["uptime_s"], int) and doc["uptime_s"] >= 0
    assert set(COUNTERS) <= set(doc["totals"])
    assert all(isinstance(doc["totals"][k], int) for k in COUNTERS)
    assert {"header.missing", "header.invalid.syntax", "cert.expired",
            "client_cert.missing"} <= set(doc["findings"])
    assert isinstance(doc["recent"], list)
    v = vhost(doc, https_name(server))
    assert v["tls"] is True
    assert v["mode"] == "add"
    assert v["policy"] == POLICY
    assert {"www.hsts.test", "localhost"} <= set(v["aliases"])
    assert set(COUNTERS) <= set(v["counters"])
    assert set(doc["findings"]) == set(v["findings"])
    cert = v["certificate"]            # the certificate audit's result
    assert set(cert) >= {"subject", "issuer", "not_after", "days_left", "names",
                         "chain_complete", "findings"}
    assert "hsts.test" in cert["subject"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", cert["not_after"])
    assert 360 <= cert["days_left"] <= 365
    assert {"hsts.test", "www.hsts.test", "localhost"} <= set(cert["names"])
    assert cert["chain_complete"] is True
    assert cert["findings"] == []
    assert v["guard"] == {"withhold": False, "unsafe_subdomains": []}
    plain = vhost(doc, http_name(server))
    assert plain["tls"] is False
    assert plain["certificate"] is None
    backend = vhost(doc, "backend.test:%d" % server.backend_port)
    assert backend["mode"] == "off"
    assert doc["vhosts"][0]["main_server"] is True
    assert [v["main_server"] for v in doc["vhosts"]].count(True) == 1
    # exactly the one request in between was counted, in the vhost and the totals
    old = vhost(before, https_name(server))
    assert v["counters"]["requests_https"] == old["counters"]["requests_https"] + 1
    assert v["counters"]["sts_added"] == old["counters"]["sts_added"] + 1
    assert doc["totals"]["requests_https"] == before["totals"]["requests_https"] + 1
    # the totals are the sum of the vhosts
    for k in COUNTERS:
        assert doc["totals"][k] == sum(x["counters"][k] for x in doc["vhosts"]), k


def test_metrics(server):
    server.get("/page.html")
    r = status_page(server, "metrics")
    assert r.header("Content-Type").startswith("text/plain; version=0.0.4")
    fam = parse_exposition(r.text)
    doc = status_json(server)       # the same counts: the page itself is not counted
    assert list(fam) == METRIC_FAMILIES
    assert fam["hsts_audit_build_info"]["type"] == "gauge"
    (labels, value), = fam["hsts_audit_build_info"]["samples"]
    assert value == 1 and labels["version"] == doc["version"]
    for k in COUNTERS:
        f = fam["hsts_audit_%s_total" % k]
        assert f["type"] == "counter"
        want = {metric_label(doc, v): float(v["counters"][k]) for v in doc["vhosts"]
                if v["counters"][k] or v["tls"] == (k in TLS_COUNTERS)}
        assert samples_by_vhost(fam, "hsts_audit_%s_total" % k) == want, k
    assert samples_by_vhost(fam, "hsts_audit_requests_https_total")[https_name(server)] >= 1
    assert http_name(server) in samples_by_vhost(fam, "hsts_audit_requests_http_total")
    assert https_name(server) not in samples_by_vhost(fam, "hsts_audit_requests_http_total")
    invalid = {metric_label(doc, v): float(sum(n for c, n in v["findings"].items()
                                               if c.startswith("header.invalid.")))
               for v in doc["vhosts"]}
    assert samples_by_vhost(fam, "hsts_audit_sts_invalid_total") == {
        k: n for k, n in invalid.items()
        if n or any(metric_label(doc, v) == k and v["tls"] for v in doc["vhosts"])}
    findings = {(lab["code"], lab["severity"]): value
                for lab, value in fam["hsts_audit_findings_total"]["samples"]}
    events = {c: float(n) for c, n in doc["findings"].items()
              if not is_problem_code(c)}
    assert {c: n for (c, _), n in findings.items()} == events
    assert ("header.invalid.syntax", "error") in findings
    assert ("header.multiple", "warning") in findings
    assert ("client_cert.expiring_soon", "warning") in findings
    # a clean server: no standing condition, so no series
    assert fam["hsts_audit_guard_withhold"]["samples"] == []
    assert fam["hsts_audit_guard_unsafe_subdomains"]["samples"] == []
    assert fam["hsts_audit_server_cert_findings"]["samples"] == []
    expiry = fam["hsts_audit_server_cert_expiry_timestamp_seconds"]
    assert expiry["type"] == "gauge"
    vhosts = {lab["vhost"]: value for lab, value in expiry["samples"]}
    assert set(vhosts) == {https_name(server)}          # TLS vhosts only
    now = time.time()
    assert now + 360 * 86400 < vhosts[https_name(server)] < now + 366 * 86400


def test_metrics_promtool(server):
    promtool = shutil.which("promtool")
    if not promtool:
        pytest.skip("promtool not found: install Debian's prometheus package "
                    "(apt-get install -y prometheus) to check ?metrics with it")
    server.get("/page.html")
    r = status_page(server, "metrics")
    p = subprocess.run([promtool, "check", "metrics"], input=r.body,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    assert p.returncode == 0, p.stdout.decode(errors="replace")


def test_auto(server):
    server.get("/page.html")
    r = status_page(server, "auto")
    assert r.header("Content-Type").startswith("text/plain")
    lines = r.text.splitlines()
    assert lines and r.text.endswith("\n")
    for line in lines:
        assert AUTO_LINE.match(line), repr(line)
    kv = dict(line.split(": ", 1) for line in lines)
    assert re.match(r"^\d+\.\d+\.\d+", kv["HstsAuditVersion"])
    assert int(kv["HstsAuditRequestsHttps"]) >= 1
    assert int(kv["HstsAuditVhosts"]) >= 3
    for key in ("Uptime", "RequestsHttp", "StsAdded", "StsKept", "StsReplaced",
                "StsRemoved", "StsWithheld", "ClientCertRejected495",
                "ClientCertRejected496", "Findings", "Finding.header.invalid.syntax"):
        assert int(kv["HstsAudit" + key]) >= 0, key
    names = [v for k, v in kv.items() if re.match(r"^HstsAuditVhost\.\d+\.Name$", k)]
    assert https_name(server) in names


AUTO_COUNTER_KEYS = {"requests_https": "RequestsHttps", "requests_http": "RequestsHttp",
                     "sts_added": "StsAdded", "sts_kept": "StsKept",
                     "sts_replaced": "StsReplaced", "sts_removed": "StsRemoved",
                     "sts_withheld": "StsWithheld",
                     "client_cert_rejected_495": "ClientCertRejected495",
                     "client_cert_rejected_496": "ClientCertRejected496"}


def test_auto_agrees_with_json(server):
    """?auto says what ?json says, number for number (issue 14: forcing ?auto's
    StsKept to 0 went unnoticed, and RecentFindings was always 0). Traffic that
    moves every counter ?auto and ?json can disagree on: added, kept, replaced,
    removed, and findings that go into the recent ring."""
    q = urllib.parse.quote
    for path, tls in (("/page.html", True),
                      ("/proxied/sts.cgi?sts=" + q("max-age=31536000; includeSubDomains"), True),
                      ("/proxied/sts.cgi?sts=" + q("max-age=1x"), True),
                      ("/proxied/sts.cgi?sts=" + q("max-age=600"), False)):
        server.log_entry(server.get(path, tls=tls))
    doc = status_json(server)
    kv = dict(line.split(": ", 1) for line in status_page(server, "auto").text.splitlines())
    assert doc == status_json(server)        # the reads moved nothing
    for key, auto_key in AUTO_COUNTER_KEYS.items():
        assert int(kv["HstsAudit" + auto_key]) == doc["totals"][key], key
    for key in ("sts_added", "sts_kept", "sts_replaced", "sts_removed"):
        assert doc["totals"][key] >= 1, key  # each was moved, so a 0 in ?auto shows
    assert int(kv["HstsAuditRecentFindings"]) == len(doc["recent"]) >= 2
    for code, n in doc["findings"].items():
        if not is_problem_code(code):
            assert int(kv["HstsAuditFinding." + code]) == n, code
    for i, v in enumerate(doc["vhosts"], 1):
        for key, auto_key in AUTO_COUNTER_KEYS.items():
            assert int(kv["HstsAuditVhost.%d.%s" % (i, auto_key)]) == v["counters"][key]


# --------------------------------------------------------------------------
# escaping of what came from a request
# --------------------------------------------------------------------------

def test_hostile_path_escaped(server):
    # plain HTTP for a host with an HTTPS policy, not a redirect: a finding
    # (redirects.http.no_redirect), so the request lands in the recent ring
    r = server.get(HOSTILE_URL_PATH, tls=False)
    assert r.status == 404
    assert server.log_entry(r)["audit"] != "ok"

    html = status_page(server).text
    assert "/x/&lt;script&gt;&quot;\\x01" in html
    assert "<script>" not in html
    assert "\x01" not in html

    doc = status_json(server)
    assert doc["recent"], "the ring is empty"
    newest = doc["recent"][0]
    assert newest["path"] == HOSTILE_PATH
    assert newest["host"] == "hsts.test"
    assert newest["vhost"] == http_name(server)
    assert newest["findings"] and all("." in c for c in newest["findings"])
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", newest["time"])
    raw = status_page(server, "json").body
    assert b"\x01" not in raw and b"\\u0001" in raw

    metrics = status_page(server, "metrics").text
    assert "<script>" not in metrics          # no request data in labels at all
    auto = status_page(server, "auto").text
    assert "<script>" not in auto


# --------------------------------------------------------------------------
# methods, and where the handler is not configured
# --------------------------------------------------------------------------

def test_head(server):
    req = ("HEAD /hsts-status?json HTTP/1.1\r\nHost: hsts.test\r\n"
           "Connection: close\r\n\r\n").encode()
    raw = raw_http(server.https_port, req, cafile=server.pki.root_ca)
    r = parse_http1_response(raw)
    assert r.status == 200
    assert r.header("Content-Type").startswith("application/json")
    assert r.body == b""


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_405(server, method):
    r = server.get("/hsts-status", method=method, data="x=1")
    assert r.status == 405
    allow = r.header("Allow") or ""
    assert "GET" in allow, r.headers


def test_404_where_not_configured(server):
    r = server.get("/hsts-status", tls=False)      # not configured on the HTTP vhost
    assert r.status == 404
    assert "HstsAudit" not in r.text
    r = server.get("/hsts-status?json", tls=False)
    assert r.status == 404
    r = server.get("/hsts-audit-status")
    assert r.status == 404


def test_404_without_any_handler(httpd_factory):
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\n")
    for path in ("/hsts-status", "/hsts-audit-status", "/hsts-status?json",
                 "/server-status", "/?metrics"):
        r = s.get(path)
        if path == "/?metrics":
            assert r.status == 200 and "index" in r.text
        else:
            assert r.status == 404, path


# --------------------------------------------------------------------------
# mod_status
# --------------------------------------------------------------------------

def check_server_status(server):
    server.get("/page.html")
    r = server.get("/server-status?auto")
    assert r.status == 200
    lines = [l for l in r.text.splitlines() if l.startswith("HstsAudit")]
    assert lines, r.text
    for line in lines:
        assert AUTO_LINE.match(line), repr(line)
    kv = dict(l.split(": ", 1) for l in lines)
    assert int(kv["HstsAuditRequestsHttps"]) >= 1
    for key in ("Version", "Uptime", "Vhosts", "StsAdded", "Findings",
                "ClientCertRejected495", "ClientCertRejected496"):
        assert "HstsAudit" + key in kv, key
    assert not any(k.startswith("HstsAuditVhost.") for k in kv)    # short form
    assert "Total Accesses" in r.text or "ServerVersion" in r.text  # mod_status' own

    html = server.get("/server-status").text
    assert "HSTS audit (mod_hsts_audit " in html
    assert "HTTPS responses" in html
    section = html[html.index("<h2>HSTS audit (mod_hsts_audit "):]
    assert "<table" in section[:section.index("</table>") + 8]
    # ?notable: mod_status's own tables go, and so do the module's (issue 14:
    # dropping the ?notable mapping went unnoticed)
    notable = server.get("/server-status?notable").text
    section = notable[notable.index("<h2>HSTS audit (mod_hsts_audit "):]
    section = section[:section.index("</p>")]          # the module's section only
    assert "<table" not in section, section[:400]
    assert re.search(r"<dt>HTTPS responses: \d+</dt>", section), section[:400]


def test_server_status_mod_status_loaded_first(server):
    check_server_status(server)


def test_server_status_mod_status_loaded_after(status_after_server):
    check_server_status(status_after_server)
    # and the module's own page works the same
    doc = status_json(status_after_server)
    assert vhost(doc, https_name(status_after_server))["counters"]["requests_https"] >= 1


def test_status_page_counts_itself_unless_off(httpd_factory):
    """Without `HSTSMode off` in its <Location>, the page is an HTTPS response
    like any other: it gets STS and is counted (after its own snapshot)."""
    s = httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\n",
        https_body="    <Location /st>\n        SetHandler hsts-audit-status\n"
                   "    </Location>\n")
    r1 = s.get("/st?json")
    assert r1.sts == ["max-age=31536000"]
    r2 = s.get("/st?json")
    a = vhost(json.loads(r1.body), https_name(s))["counters"]["requests_https"]
    b = vhost(json.loads(r2.body), https_name(s))["counters"]["requests_https"]
    assert b == a + 1


# --------------------------------------------------------------------------
# a big server
# --------------------------------------------------------------------------

def test_json_thousand_vhosts_fast(httpd_factory):
    """?json for an httpd with 1,000 more vhosts: every one listed, and the
    request takes under 50 ms on the server side (%D: snapshot, rendering and
    writing the answer)."""
    extra = "".join("<VirtualHost 127.0.0.1:@HTTP_PORT@>\n    ServerName v%04d.test\n"
                    "    ServerAlias w%04d.test\n</VirtualHost>\n" % (i, i)
                    for i in range(1000))
    s = httpd_factory.start(
        hsts_global="HSTSMaxAge 1y\n", body=extra,
        https_body=STATUS_LOCATION
        + '    CustomLog "@ROOT@/logs/timing.log" "%D %m %U%q"\n')
    for _ in range(5):
        doc = status_json(s)
        names = {v["name"] for v in doc["vhosts"]}
        assert len(doc["vhosts"]) == 1004          # main server, 3 harness vhosts, 1000
        assert "v0999.test:%d" % s.http_port in names
    times = []
    for line in (s.root / "logs" / "timing.log").read_text().splitlines():
        us, method, url = line.split(" ", 2)
        if url == "/hsts-status?json":
            times.append(int(us))
    assert len(times) == 5
    assert min(times) < 50000, times


# --------------------------------------------------------------------------
# certificates and the guard (design.md section 5) on the page
# --------------------------------------------------------------------------

def test_certificate_expiring_soon(httpd_factory):
    s = httpd_factory.start(server_cert="expiring", hsts_global="HSTSMaxAge 1y\n",
                            https_body=STATUS_LOCATION)
    doc = status_json(s)
    cert = vhost(doc, https_name(s))["certificate"]
    assert cert["findings"] == ["cert.expiring_soon"]
    assert cert["days_left"] in (4, 5)
    assert cert["chain_complete"] is True
    html = status_page(s).text
    assert "cert.expiring_soon" in html
    assert "NET::ERR_CERT_DATE_INVALID" in html            # the browser errors
    assert "days left)" in html
    fam = parse_exposition(status_page(s, "metrics").text)
    (labels, value), = fam["hsts_audit_server_cert_expiry_timestamp_seconds"]["samples"]
    assert labels == {"vhost": https_name(s)}
    assert abs(value - (time.time() + 5 * 86400)) < 2 * 86400
    assert fam["hsts_audit_server_cert_findings"]["samples"] == [(labels, 1.0)]
    auto = dict(l.split(": ", 1) for l in status_page(s, "auto").text.splitlines())
    assert auto["HstsAuditCertAudited"] == "1"
    assert auto["HstsAuditCertProblems"] == "1"
    assert auto["HstsAuditCertMinDaysLeft"] in ("4", "5")


def test_guard_withhold_on_the_page(httpd_factory):
    """A chain without its intermediate (cert.chain_incomplete) under
    HSTSGuard withhold: the page says STS is withheld, and counts it."""
    s = httpd_factory.start(chainless=True,
                            hsts_global="HSTSMaxAge 1y\nHSTSGuard withhold\n",
                            https_body=STATUS_LOCATION)
    r = s.get("/page.html", insecure=True, cacert=None)
    assert r.status == 200 and r.sts == []
    doc = status_json(s, insecure=True, cacert=None)
    v = vhost(doc, https_name(s))
    assert v["guard"]["withhold"] is True
    assert v["certificate"]["chain_complete"] is False
    assert "cert.chain_incomplete" in v["certificate"]["findings"]
    assert v["counters"]["sts_withheld"] == 1
    html = s.get("/hsts-status", insecure=True, cacert=None).text
    assert "withheld by HSTSGuard" in html
    assert "cert.chain_incomplete" in html
    fam = parse_exposition(s.get("/hsts-status?metrics", insecure=True, cacert=None).text)
    withhold = {lab["vhost"]: value for lab, value in fam["hsts_audit_guard_withhold"]["samples"]}
    assert withhold == {https_name(s): 1.0}          # only while withheld
    assert fam["hsts_audit_sts_withheld_total"]["samples"]


def test_vhosts_in_configuration_order(httpd_factory):
    """?json, ?auto and the HTML page list the main server, then the vhosts in
    the order the configuration has them (issue 14: they came reversed, as
    httpd's server_rec chain holds them)."""
    body = "".join("<VirtualHost 127.0.0.1:@HTTP_PORT@>\n    ServerName %s.order.test\n"
                   "</VirtualHost>\n" % n for n in ("c", "a", "b"))
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\n", https_body=STATUS_LOCATION,
                            body=body)
    want = ["hsts.test:%d" % s.https_port, "hsts.test:%d" % s.http_port,
            "backend.test:%d" % s.backend_port] + [
        "%s.order.test:%d" % (n, s.http_port) for n in ("c", "a", "b")]
    doc = status_json(s)
    assert doc["vhosts"][0]["main_server"] is True
    assert [v["name"] for v in doc["vhosts"][1:]] == want
    kv = dict(l.split(": ", 1) for l in status_page(s, "auto").text.splitlines())
    assert [kv["HstsAuditVhost.%d.Name" % i] for i in range(2, len(want) + 2)] == want
    html = status_page(s, "").text
    positions = [html.index(">%s<" % name) for name in want]
    assert positions == sorted(positions)
