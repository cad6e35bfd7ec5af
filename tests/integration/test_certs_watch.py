"""The watch (design.md section 5a): the certificate audit again every
HSTSCertCheckInterval while the server runs, its problems in every status format
with the time they were first seen, one log line when a problem appears or clears,
HSTSGuard withhold on the current state, and cert.reload_pending for a renewal on
disk that the server has not loaded.

Real httpd, real certificates from the harness's intermediate CA, made with
`openssl ca` so that notAfter can be seconds away.
"""

import datetime
import re
import shutil
import time

import pytest

from common.clients import raw_get
from common.env import make_world_readable
from common.logs import module_lines
from common.pki import SERVER_LEAF_EXT, csr_for
from common.status import STATUS_LOCATION, status_json, status_page
from common.status import vhost as vhost_doc

INTERVAL = 10                     # HSTSCertCheckInterval 10s, the smallest allowed
SLACK = 4                         # seconds a run may take to start and finish

# the lines the watch writes (src/mod_hsts_watch.c)
WATCH_LINES = (r"HSTS00048: ", r"HSTS00049: ", r"HSTS00050: ", r"HSTS00052: ",
               r"HSTS00020: ", r"HSTS00022: ")


def utc(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)


def iso(ts):
    return utc(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def issue(pki, d, name, cn, start, end, key=None):
    """A leaf for cn from the harness's intermediate CA, valid from start to end
    (datetimes); with key, for that existing key (a renewal). Returns (key, chain)."""
    if key is None:
        key, csr = pki.csr(name, "/O=mod_hsts_audit tests/CN=" + cn)
    else:
        csr_for(key, d / (name + ".csr"), "/O=mod_hsts_audit tests/CN=" + cn,
                pki.req_config())
        csr = d / (name + ".csr")
    cert = d / (name + ".pem")
    pki.cas["intermediate"].sign(csr, cert, SERVER_LEAF_EXT + "subjectAltName = DNS:%s\n" % cn,
                                 start, end)
    chain = d / (name + "-chain.pem")
    chain.write_text(cert.read_text() + pki.intermediate_ca.read_text())
    make_world_readable(d)
    return key, chain


def vhost(name, chain, key, extra=""):
    return ("<VirtualHost 127.0.0.1:@PORT0@>\n"
            "    ServerName %s\n"
            "    SSLEngine on\n"
            '    SSLCertificateFile "%s"\n'
            '    SSLCertificateKeyFile "%s"\n'
            "%s"
            "</VirtualHost>\n" % (name, chain, key, extra))


def codes(v):
    return [p["code"] for p in v["problems"]]


def wait_for(server, name, pred, timeout):
    """Poll ?json until pred(vhost doc) holds; the doc and the time it was seen."""
    end = time.time() + timeout
    while True:
        doc = status_json(server)
        v = vhost_doc(doc, name)
        if pred(v):
            return doc, v, time.time()
        if time.time() > end:
            raise AssertionError("not within %ss: %r" % (timeout, v["problems"]))
        time.sleep(0.5)


@pytest.fixture
def certdir(tmp_root, request):
    d = tmp_root / ("watch-" + re.sub(r"[^A-Za-z0-9]+", "-", request.node.name))
    d.mkdir()
    return d


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_expiry_while_running_shows_in_every_format(httpd_factory, pki, certdir, mpm):
    """A certificate that expires 40 s after startup: cert.expiring_soon at start;
    cert.expired within one interval of its notAfter, in ?json, ?auto and HTML, with
    the log lines and HSTSGuard withhold stopping STS from then on."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    not_after = now + datetime.timedelta(seconds=40)
    key, chain = issue(pki, certdir, "short", "watch.hsts.test",
                       now - datetime.timedelta(days=1), not_after)
    s = httpd_factory.start(
        mpm=mpm, extra_ports=1,
        hsts_global="HSTSMaxAge 1y\nHSTSCertCheckInterval %ds\n" % INTERVAL,
        https_body=STATUS_LOCATION,
        body=vhost("watch.hsts.test", chain, key, "    HSTSGuard withhold\n"),
        allow_errors=WATCH_LINES)
    name = "watch.hsts.test:%d" % s.extra_ports[0]
    port = s.extra_ports[0]

    doc = status_json(s)
    v = vhost_doc(doc, name)
    assert codes(v) == ["cert.expiring_soon"]
    assert v["problems"][0]["severity"] == "warning"
    assert v["guard"]["withhold"] is False
    soon_since = v["problems"][0]["since"]
    assert abs(parse_iso(doc["last_check"]) - time.time()) < 30
    r = raw_get(port, "/", host="watch.hsts.test")
    assert r.status == 200 and r.header("Strict-Transport-Security") == "max-age=31536000"

    # a run sees it expired no earlier than notAfter, and no later than one
    # interval after it
    deadline = not_after.timestamp() - time.time() + INTERVAL + SLACK
    doc, v, seen = wait_for(s, name, lambda v: "cert.expired" in codes(v), deadline)
    assert codes(v) == ["cert.expired"]             # expiring_soon has cleared
    since = parse_iso(v["problems"][0]["since"])
    assert not_after.timestamp() <= since <= not_after.timestamp() + INTERVAL + SLACK
    assert v["problems"][0] == {
        "vhost": name, "code": "cert.expired", "severity": "error",
        "since": v["problems"][0]["since"],
        "detail": "not after %s, %d days left" % (iso(not_after.timestamp()),
                                                  v["certificate"]["days_left"]),
        "browser_errors": "NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_CERTIFICATE",
        "fix": "renew the certificate (or enable automatic renewal, e.g. mod_md) and "
               "reload httpd"}
    assert v["certificate"]["findings"] == ["cert.expired"]
    assert v["guard"]["withhold"] is True
    assert [p for p in doc["problems"] if p["vhost"] == name] == v["problems"]
    assert parse_iso(doc["last_check"]) >= since

    auto = status_page(s, "auto").text
    idx = [v2["name"] for v2 in doc["vhosts"]].index(name) + 1
    assert "\nHstsAuditProblems: 1\nHstsAuditProblemsErrors: 1\nHstsAuditProblemsWarnings: 0\n" in auto
    assert "\nHstsAuditVhost.%d.Problems: 1\n" % idx in auto
    assert "\nHstsAuditVhost.%d.CertFindings: 1\n" % idx in auto
    assert "\nHstsAuditVhost.%d.GuardWithhold: 1\n" % idx in auto
    assert "HstsAuditFinding.cert." not in auto
    metrics = status_page(s, "metrics").text
    assert [l for l in metrics.splitlines() if l.startswith("hsts_audit_problem{")] == [
        'hsts_audit_problem{vhost="%s",code="cert.expired",severity="error"} 1' % name]
    last = re.search(r"^hsts_audit_last_check_timestamp_seconds (\d+)$", metrics, re.M)
    assert parse_iso(doc["last_check"]) <= int(last.group(1)) <= time.time()
    html = status_page(s, "").text
    assert "<dt>Problems now: 1 (1 error, 0 warnings);" in html
    assert ('>cert.expired</a></td><td>%s</td><td>%s</td>' % (name, v["problems"][0]["since"])
            in html)

    # withhold follows the current state: no STS from this vhost any more
    r = raw_get(port, "/", host="watch.hsts.test")
    assert r.status == 200 and r.header("Strict-Transport-Security") is None

    appeared = module_lines(s.read_error_log(), "HSTS00048")
    assert appeared == [
        "HSTS00048: cert.expired appeared on vhost %s: the server certificate has expired: "
        "with HSTS, visitors cannot click through (not after %s, %d days left). Visitors see "
        "NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_CERTIFICATE. Fix: renew the "
        "certificate (or enable automatic renewal, e.g. mod_md) and reload httpd."
        % (name, iso(not_after.timestamp()), v["certificate"]["days_left"])]
    assert module_lines(s.read_error_log(), "HSTS00049") == [
        "HSTS00049: cert.expiring_soon cleared on vhost %s (it stood since %s)"
        % (name, soon_since)]
    assert module_lines(s.read_error_log(), "HSTS00050") == [
        "HSTS00050: HSTSGuard withhold: vhost %s now sends no Strict-Transport-Security: "
        "a lock-out risk appeared (see the line above)" % name]

    # later runs change nothing and log nothing again
    time.sleep(INTERVAL + SLACK)
    assert len(module_lines(s.read_error_log(), "HSTS00048")) == 1
    assert codes(vhost_doc(status_json(s), name)) == ["cert.expired"]
    assert vhost_doc(status_json(s), name)["problems"][0]["since"] == v["problems"][0]["since"]


def test_renewal_on_disk_is_reload_pending_until_graceful(httpd_factory, pki, certdir):
    """A renewed certificate written over SSLCertificateFile: cert.reload_pending
    within one interval (a warning; STS stays), and a graceful restart, which
    loads it, clears it."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    day = datetime.timedelta(days=1)
    key, old = issue(pki, certdir, "old", "renew.hsts.test", now - day, now + 200 * day)
    live = certdir / "live-chain.pem"
    shutil.copy(old, live)
    make_world_readable(certdir)
    s = httpd_factory.start(
        mpm="prefork", extra_ports=1,
        hsts_global="HSTSMaxAge 1y\nHSTSCertCheckInterval %ds\n" % INTERVAL,
        https_body=STATUS_LOCATION,
        body=vhost("renew.hsts.test", live, key, "    HSTSGuard withhold\n"),
        allow_errors=WATCH_LINES)
    name = "renew.hsts.test:%d" % s.extra_ports[0]
    assert codes(vhost_doc(status_json(s), name)) == []

    _, new = issue(pki, certdir, "new", "renew.hsts.test", now - day, now + 300 * day, key=key)
    shutil.copy(new, live)
    make_world_readable(certdir)
    doc, v, _ = wait_for(s, name, lambda v: v["problems"], INTERVAL + SLACK)
    assert codes(v) == ["cert.reload_pending"]
    assert v["problems"][0]["severity"] == "warning"
    assert v["problems"][0]["detail"] == ("the certificate file now holds another certificate "
                                          "than the one served")
    assert v["guard"]["withhold"] is False           # a warning does not withhold
    r = raw_get(s.extra_ports[0], "/", host="renew.hsts.test")
    assert r.header("Strict-Transport-Security") == "max-age=31536000"
    assert [l.split(": ", 2)[1] for l in module_lines(s.read_error_log(), "HSTS00048")] == [
        "cert.reload_pending appeared on vhost %s" % name]

    s.graceful()
    doc = status_json(s)
    assert codes(vhost_doc(doc, name)) == []
    time.sleep(INTERVAL + SLACK)                     # and a run of the new generation agrees
    assert codes(vhost_doc(status_json(s), name)) == []
    assert len(module_lines(s.read_error_log(), "HSTS00048")) == 1


def test_unreadable_certificate_file_is_said_once(httpd_factory, pki, certdir):
    """The watch runs as User: a certificate file it cannot read (certbot's live/
    directory is root-only) is not compared, and it says so once."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    day = datetime.timedelta(days=1)
    key, chain = issue(pki, certdir, "closed", "closed.hsts.test", now - day, now + 200 * day)
    s = httpd_factory.start(
        extra_ports=1,
        hsts_global="HSTSMaxAge 1y\nHSTSCertCheckInterval %ds\n" % INTERVAL,
        https_body=STATUS_LOCATION, body=vhost("closed.hsts.test", chain, key),
        allow_errors=WATCH_LINES)
    chain.chmod(0o600)                               # root only, after httpd read it
    time.sleep(2 * INTERVAL + SLACK)
    name = "closed.hsts.test:%d" % s.extra_ports[0]
    assert module_lines(s.read_error_log(), "HSTS00052") == [
        "HSTS00052: mod_hsts_audit: the watch cannot read a certificate file of vhost %s "
        "(%s: cannot open: Permission denied), so cert.reload_pending is not checked for "
        "it. Fix: let the server's User read the certificate file (not the key)"
        % (name, chain)]
    assert codes(vhost_doc(status_json(s), name)) == []


def test_interval_off_means_startup_only(httpd_factory, pki):
    s = httpd_factory.start(hsts_global="HSTSMaxAge 1y\nHSTSCertCheckInterval off\n",
                            https_body=STATUS_LOCATION)
    first = status_json(s)["last_check"]
    assert first is not None
    time.sleep(INTERVAL + SLACK)
    assert status_json(s)["last_check"] == first


@pytest.mark.parametrize("value, why", [
    ("5s", "HSTSCertCheckInterval '5s' must be a duration of at least 10s (e.g. 10m, 1h, "
           "the default) or off"),
    ("soon", "HSTSCertCheckInterval 'soon' must be a duration of at least 10s (e.g. 10m, "
             "1h, the default) or off"),
])
def test_interval_errors_fail_configtest(httpd_factory, value, why):
    rc, out = httpd_factory.configtest(hsts_global="HSTSCertCheckInterval %s\n" % value)
    assert rc != 0
    assert why in out
    assert re.search(r"Syntax error on line \d+ of .*httpd\.conf", out)


def test_interval_is_server_wide(httpd_factory):
    rc, out = httpd_factory.configtest(https_body="    HSTSCertCheckInterval 1h\n")
    assert rc != 0
    assert "HSTSCertCheckInterval cannot occur within <VirtualHost> section" in out
