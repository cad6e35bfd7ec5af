"""A fleet (design.md section 10, docs/status.md "Prometheus and Grafana"):
Debian's real `prometheus` server scrapes the `?metrics` of three real httpd
servers with the module and evaluates the shipped alert rules,
prometheus/hsts_audit.rules.yml, unchanged:

  clean     the test PKI's good certificate (a year left)
  expiring  a certificate with 5 days left: HstsAuditCertificateExpiringCritical
  withheld  a chain without its intermediate under HSTSGuard withhold
  ramped    HSTSMaxAgeRamp 20s 1y with preload, whose plain-HTTP vhost does not
            redirect: the self-check finds it at risk (redirects.http.no_redirect),
            which holds the ramp

Through Prometheus's HTTP API: the rules load and evaluate without error, the
expiring vhost raises the critical expiry alert (and no other expiry alert),
the clean server raises none. Then every query of the shipped dashboard,
grafana/hsts_audit.json, with its variables substituted, returns data from
this Prometheus, the ramp and preload panels included.

Prometheus listens on 127.0.0.1 on a probed free port, with its own config
and data directory in the run's temp dir, scrapes every second, and is
stopped by its pid. Skipped when /usr/bin/prometheus is absent
(apt-get install prometheus; scripts/deps.sh does)."""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from common.env import REPO
from common.ports import free_port
from common.status import STATUS_LOCATION, https_name

RULES = REPO / "prometheus" / "hsts_audit.rules.yml"
DASHBOARD = REPO / "grafana" / "hsts_audit.json"
PROMETHEUS = os.environ.get("PROMETHEUS", "/usr/bin/prometheus")


# The panels of design.md section 10, in the dashboard's order.
PANELS = ["Servers reporting", "Certificates expiring within 14 days", "Error problems",
          "Since the last certificate check", "Certificates: days left", "Current problems",
          "STS actions", "Responses examined", "Events by finding code",
          "Invalid STS by vhost", "Client certificate refusals (495/496)",
          "Client certificate verdicts by reason", "Ramp: max-age served", "Preload standing"]

ALERTS = {"HstsAuditCertificateExpiringSoon", "HstsAuditCertificateExpiringCritical",
          "HstsAuditCertificateExpired", "HstsAuditProblem",
          "HstsAuditCertificateReloadPending", "HstsAuditRampHeld", "HstsAuditPreloadAtRisk",
          "HstsAuditInvalidStsBurst", "HstsAuditClientCertRejected495Burst",
          "HstsAuditClientCertRejected496Burst", "HstsAuditServerDown",
          "HstsAuditMetricsAbsent"}


class Prometheus:
    """Debian's prometheus on 127.0.0.1:<free port>, scraping `targets` (https,
    the status page's ?metrics) every second with the rules loaded."""

    def __init__(self, workdir, targets, ca_file):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.config = self.dir / "prometheus.yml"
        self.log = self.dir / "prometheus.log"
        self.config.write_text(
            "global:\n"
            "  scrape_interval: 1s\n"
            "  scrape_timeout: 1s\n"
            "  evaluation_interval: 1s\n"
            "rule_files:\n"
            "  - %s\n"
            "scrape_configs:\n"
            "  - job_name: apache_hsts\n"
            "    scheme: https\n"
            "    metrics_path: /hsts-status\n"
            "    params:\n"
            "      metrics: [\"\"]\n"
            "    tls_config:\n"
            "      ca_file: %s\n"
            "      server_name: hsts.test\n"
            "    static_configs:\n"
            "      - targets: [%s]\n"
            % (json.dumps(str(RULES)), json.dumps(str(ca_file)),
               ", ".join(json.dumps(t) for t in targets)))
        self.proc = None

    def start(self, timeout=30):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [PROMETHEUS, "--config.file=%s" % self.config,
                 "--storage.tsdb.path=%s" % (self.dir / "data"),
                 "--web.listen-address=127.0.0.1:%d" % self.port,
                 "--storage.tsdb.retention.time=1h"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("prometheus exited (%s): %s"
                                     % (self.proc.returncode, self.log.read_text()[-3000:]))
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.port,
                                            timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("prometheus not ready: " + self.log.read_text()[-3000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()                 # its own pid only
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def api(self, path, **params):
        url = "http://127.0.0.1:%d/api/v1/%s" % (self.port, path)
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(url, timeout=10) as r:
            doc = json.loads(r.read().decode("utf-8"))
        assert doc["status"] == "success", doc
        return doc["data"]

    def wait_for(self, what, predicate, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for %s; log: %s"
                                     % (what, self.log.read_text()[-2000:]))
            time.sleep(0.5)


def instance(server):
    return "127.0.0.1:%d" % server.https_port


@pytest.fixture(scope="module")
def fleet(module_httpd_factory, tmp_root, pki):
    if not os.access(PROMETHEUS, os.X_OK):
        pytest.skip("%s not found: apt-get install prometheus (scripts/deps.sh installs it)"
                    % PROMETHEUS)
    f = module_httpd_factory
    servers = {
        "clean": f.start(hsts_global="HSTSMaxAge 1y\n", https_body=STATUS_LOCATION),
        "expiring": f.start(server_cert="expiring", hsts_global="HSTSMaxAge 1y\n",
                            https_body=STATUS_LOCATION),
        "withheld": f.start(chainless=True,
                            hsts_global="HSTSMaxAge 1y\nHSTSGuard withhold\n",
                            https_body=STATUS_LOCATION),
        "ramped": f.start(hsts_global="HSTSCertCheckInterval 10s\n",
                          https_body=STATUS_LOCATION + "    HSTSMaxAgeRamp 20s 1y\n"
                          "    HSTSIncludeSubDomains On\n    HSTSPreload On\n",
                          allow_errors=(r"HSTS0004[89]: ", r"HSTS0006[0-9]: ")),
    }
    prom = Prometheus(tmp_root / ("prometheus-%d" % os.getpid()),
                      [instance(s) for s in servers.values()], pki.ca_bundle)
    try:
        prom.start()
        yield prom, servers
    finally:
        prom.stop()


def targets_up(prom, n):
    """All n targets scraped successfully at least once."""
    active = prom.api("targets")["activeTargets"]
    return len(active) == n and all(t["health"] == "up" for t in active)


def alerts(prom):
    return prom.api("alerts")["alerts"]


def test_rules_load_and_evaluate(fleet):
    prom, servers = fleet
    prom.wait_for("every target up", lambda: targets_up(prom, len(servers)))

    def evaluated():
        groups = prom.api("rules")["groups"]
        rules = [r for g in groups for r in g["rules"]]
        return groups if rules and all(r.get("lastEvaluation", "").startswith("20")
                                       and r["health"] == "ok" for r in rules) else None

    groups = prom.wait_for("every rule evaluated", evaluated)
    assert sorted(g["name"] for g in groups) == ["hsts_audit_certificates", "hsts_audit_events",
                                                 "hsts_audit_problems", "hsts_audit_targets"]
    rules = [r for g in groups for r in g["rules"]]
    assert {r["name"] for r in rules} == ALERTS and len(rules) == len(ALERTS)
    for r in rules:
        assert r["type"] == "alerting", r["name"]
        assert r["health"] == "ok", (r["name"], r.get("lastError"))
        assert set(r["annotations"]) == {"summary", "description"}, r["name"]
        assert r["labels"]["severity"] in ("warning", "critical"), r["name"]


def test_expiring_certificate_fires_critical_and_clean_raises_none(fleet):
    prom, servers = fleet
    expiring, clean = servers["expiring"], servers["clean"]

    def critical():
        return [a for a in alerts(prom)
                if a["labels"]["alertname"] == "HstsAuditCertificateExpiringCritical"
                and a["state"] == "firing"]

    fired = prom.wait_for("the critical expiry alert", critical)
    assert len(fired) == 1, fired
    a = fired[0]
    assert a["labels"] == {"alertname": "HstsAuditCertificateExpiringCritical",
                           "severity": "critical", "job": "apache_hsts",
                           "instance": instance(expiring), "vhost": https_name(expiring)}
    assert re.match(r"^Certificate of %s expires in [45]d \d+h \d+m \d+s$"
                    % re.escape(https_name(expiring)), a["annotations"]["summary"]), a
    assert https_name(expiring) in a["annotations"]["description"]
    assert "apachectl graceful" in a["annotations"]["description"]
    assert 4 * 86400 < float(a["value"]) <= 5 * 86400

    # a few more evaluations with every target scraped: still the same picture
    prom.wait_for("every target up", lambda: targets_up(prom, len(servers)))
    time.sleep(3)
    now = alerts(prom)
    assert [x for x in now if x["labels"].get("instance") == instance(clean)] == []
    expiry = [(x["labels"]["alertname"], x["state"]) for x in now
              if x["labels"].get("instance") == instance(expiring)
              and x["labels"]["alertname"].startswith("HstsAuditCertificate")]
    assert expiry == [("HstsAuditCertificateExpiringCritical", "firing")]
    # targets report: neither "down" nor "absent"
    assert not [x for x in now if x["labels"]["alertname"] in
                ("HstsAuditServerDown", "HstsAuditMetricsAbsent")]


# --------------------------------------------------------------------------
# the dashboard
# --------------------------------------------------------------------------

def load_dashboard():
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def targets_of(dash):
    for p in dash["panels"]:
        for t in p["targets"]:
            yield p, t


def test_dashboard_model():
    """The Grafana JSON model: a current schemaVersion, a Prometheus data
    source variable that every panel and query uses, the instance and vhost
    variables, the panels of design.md section 10."""
    dash = load_dashboard()
    assert dash["schemaVersion"] >= 39
    assert dash["uid"] == "mod-hsts-audit" and dash["title"] == "mod_hsts_audit"
    assert dash["id"] is None                      # importable anywhere
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert list(variables) == ["datasource", "instance", "vhost"]
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for name in ("instance", "vhost"):
        v = variables[name]
        assert v["type"] == "query" and v["datasource"]["uid"] == "${datasource}"
        assert v["multi"] and v["includeAll"] and v["allValue"] == ".*"
        assert v["query"]["query"] == v["definition"]
    assert "$instance" in variables["vhost"]["definition"]
    assert [p["title"] for p in dash["panels"]] == PANELS
    assert len({p["id"] for p in dash["panels"]}) == len(dash["panels"])
    for p in dash["panels"]:
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
        assert p["description"] and p["targets"], p["title"]
        assert set(p["gridPos"]) == {"x", "y", "w", "h"}
        assert p["gridPos"]["x"] + p["gridPos"]["w"] <= 24
        refs = [t["refId"] for t in p["targets"]]
        assert len(set(refs)) == len(refs), p["title"]
        for t in p["targets"]:
            assert t["datasource"] == p["datasource"], p["title"]
            assert 'instance=~"$instance"' in t["expr"], (p["title"], t["expr"])
            assert t["instant"] != t["range"], p["title"]


def substitute(expr):
    """The variables as Grafana fills them with "All" selected."""
    return (expr.replace("$instance", ".*").replace("$vhost", ".*")
            .replace("$__rate_interval", "1m"))


def returns_data(prom, target):
    expr = substitute(target["expr"])
    if target["instant"]:
        result = prom.api("query", query=expr)["result"]
    else:
        end = time.time()
        result = prom.api("query_range", query=expr, start="%.3f" % (end - 30),
                          end="%.3f" % end, step="1")["result"]
    return result


def test_dashboard_variables_and_queries_return_data(fleet):
    prom, servers = fleet
    clean, withheld = servers["clean"], servers["withheld"]
    prom.wait_for("every target up", lambda: targets_up(prom, len(servers)))
    time.sleep(2)                  # counters scraped before the events below

    # events for the per-second panels: added, kept, replaced (an invalid
    # header: header.invalid.max_age), removed (plain HTTP), withheld
    for _ in range(3):
        assert clean.get("/page.html").status == 200
    assert clean.get("/cgi-bin/sts.cgi?sts=max-age%3D31536000").status == 200
    r = clean.get("/cgi-bin/sts.cgi?sts=max-age%3Dx")
    assert r.status == 200 and clean.log_entry(r)["audit"] == "header.invalid.max_age"
    assert clean.get("/cgi-bin/sts.cgi?sts=max-age%3D10", tls=False).status == 200
    assert withheld.get("/page.html", insecure=True, cacert=None).sts == []

    def invalid_seen():
        res = prom.api("query", query='hsts_audit_sts_invalid_total{vhost="%s"}'
                       % https_name(clean))["result"]
        return res and float(res[0]["value"][1]) >= 1

    prom.wait_for("the invalid STS response scraped", invalid_seen)
    time.sleep(2)

    dash = load_dashboard()
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    # label_values(hsts_audit_build_info, instance)
    series = prom.api("series", **{"match[]": "hsts_audit_build_info"})
    assert {s["instance"] for s in series} == {instance(s) for s in servers.values()}
    # label_values({__name__=~"hsts_audit_requests_https?_total", instance=~"$instance"}, vhost)
    m = re.match(r"^label_values\((.*), vhost\)$", variables["vhost"]["definition"])
    assert m
    vhosts = prom.api("label/vhost/values", **{"match[]": substitute(m.group(1))})
    assert {https_name(s) for s in servers.values()} <= set(vhosts)
    assert "hsts.test:%d" % clean.http_port in vhosts

    # the ramped server: its ramp from startup, its preload standing after the
    # watch's first run (at risk: its plain-HTTP vhost does not redirect)
    ramped = servers["ramped"]

    def preload_scraped():
        res = prom.api("query", query='hsts_audit_preload_eligible{vhost="%s"}'
                       % https_name(ramped))["result"]
        return res and res[0]["value"][1] == "0"

    prom.wait_for("the preload standing scraped", preload_scraped)
    res = prom.api("query", query="hsts_audit_ramp_max_age_seconds")["result"]
    assert [(r["metric"]["instance"], r["metric"]["vhost"], r["value"][1]) for r in res] == [
        (instance(ramped), https_name(ramped), "20")]
    time.sleep(2)
    empty = []
    for p, t in targets_of(dash):
        if not returns_data(prom, t):
            empty.append((p["title"], t["refId"], t["expr"]))
    assert empty == [], empty
    # the self-check's error holds the ramp: both alerts are on their way
    problems = prom.api("query", query='hsts_audit_problem{instance="%s"}'
                        % instance(ramped))["result"]
    codes = {r["metric"]["code"] for r in problems}
    assert {"redirects.http.no_redirect", "ramp.held"} <= codes, codes
    active = {(a["labels"]["alertname"], a["labels"].get("vhost")) for a in alerts(prom)
              if a["labels"].get("instance") == instance(ramped)}
    assert {("HstsAuditPreloadAtRisk", https_name(ramped)),
            ("HstsAuditRampHeld", https_name(ramped))} <= active, active
