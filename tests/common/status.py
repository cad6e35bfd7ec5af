"""The module's status page (design.md section 7, docs/status.md) as the tests
read it: the <Location> that serves it, its ?json document and the vhosts in it,
and a validator of its ?metrics text (the Prometheus text format 0.0.4 rules the
module promises)."""

import json
import re

# The status page at /hsts-status; HSTSMode off there, so reading the page does
# not move the counters it shows.
STATUS_LOCATION = ("    <Location /hsts-status>\n"
                   "        SetHandler hsts-audit-status\n"
                   "        HSTSMode off\n"
                   "    </Location>\n")

# The counters of the ?json "totals" and of each vhost, in the page's order.
COUNTERS = ("requests_https", "requests_http", "sts_added", "sts_kept", "sts_replaced",
            "sts_removed", "sts_withheld", "client_cert_rejected_495",
            "client_cert_rejected_496")


# The problem codes (design.md section 4): cert.*, guard.*, ramp.held and the
# self-check's hstspreload codes; they stand and clear, and are never counted
# per response as the events are.
SELF_CHECK_CODES = ("response.no_header", "response.multiple_headers",
                    "redirects.http.first_redirect.no_hsts", "redirects.http.www_first",
                    "redirects.insecure.initial", "redirects.insecure.subsequent",
                    "redirects.too_many", "domain.www.no_tls", "domain.tls.invalid_cert_chain",
                    "domain.tls.sha1")


def is_problem_code(code):
    return code.startswith(("cert.", "guard.", "ramp.")) or code in SELF_CHECK_CODES


def status_page(server, query="", path="/hsts-status", **kw):
    """GET the status page (`query` without "?"); asserts a 200. kw go to
    server.get (e.g. insecure=True, cacert=None)."""
    r = server.get(path + ("?" + query if query else ""), **kw)
    assert r.status == 200, (r.status, r.text[:500])
    return r


def status_json(server, **kw):
    """The ?json document (asserts a 200 and the JSON content type)."""
    r = status_page(server, "json", **kw)
    assert r.header("Content-Type").startswith("application/json")
    return json.loads(r.body.decode("utf-8"))


def vhost(doc, name):
    """The <VirtualHost> of that name in a ?json document (the main server,
    listed first, may share its "host:port" with one; it has "main_server":
    true)."""
    found = [v for v in doc["vhosts"] if v["name"] == name and not v["main_server"]]
    assert len(found) == 1, (name, [v["name"] for v in doc["vhosts"]])
    return found[0]


def https_name(server):
    """The status page's name of a test server's TLS vhost."""
    return "hsts.test:%d" % server.https_port


def http_name(server):
    """The status page's name of a test server's plain-HTTP vhost."""
    return "hsts.test:%d" % server.http_port


# The labels of the ?metrics families that do not have exactly {"vhost"}.
METRIC_LABELS = {"hsts_audit_build_info": {"version"}, "hsts_audit_start_time_seconds": set(),
                 "hsts_audit_findings_total": {"code", "severity"},
                 "hsts_audit_problem": {"vhost", "code", "severity"},
                 "hsts_audit_last_check_timestamp_seconds": set()}


def parse_exposition(text):
    """{family: {"help": str, "type": str, "samples": [(labels dict, value)]}};
    asserts the text format 0.0.4 rules the module promises: HELP and TYPE
    before each family's samples, counters named *_total, the labels of
    METRIC_LABELS (vhost on every other family), no series twice."""
    families, seen = {}, set()
    current = None
    sample_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+]+)$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert name not in families, "family twice: " + name
            assert help_text, "empty HELP: " + name
            families[name] = {"help": help_text, "type": None, "samples": []}
            current = name
            continue
        if line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            assert name == current, "TYPE without HELP: " + line
            assert kind in ("counter", "gauge"), line
            if kind == "counter":
                assert name.endswith("_total"), name
            families[name]["type"] = kind
            continue
        assert not line.startswith("#"), line
        m = sample_re.match(line)
        assert m, "bad sample line: %r" % line
        name, labels_text, value = m.groups()
        assert name == current and families[name]["type"], "sample outside its family: " + line
        labels = {}
        if labels_text:
            pos = 0
            while pos < len(labels_text):
                lm = label_re.match(labels_text, pos)
                assert lm, "bad labels: %r" % line
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
        assert set(labels) == METRIC_LABELS.get(name, {"vhost"}), line
        key = (name, tuple(sorted(labels.items())))
        assert key not in seen, "series twice: " + line
        seen.add(key)
        families[name]["samples"].append((labels, float(value)))
    return families
