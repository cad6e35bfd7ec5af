#!/usr/bin/env bash
# Screenshots for the documentation, taken with a real headless Chromium driven over
# the DevTools protocol (tests/e2e/cdp.py, Page.captureScreenshot):
#
#   docs/images/status-page.png      the demo's HTML status page (/hsts-status), after a
#                                    few requests (a replaced header, a 404, a redirect),
#                                    in a 1,280-pixel-wide window (status-page-1920.png: 1,920)
#   docs/images/status-1-vhost-{1280,1920}.png, status-400-vhosts-{1280,1920}.png
#                                    the page of a made-up server with 1 and with 400 vhosts
#                                    (docs/render_status_sample.c: an expired certificate,
#                                    a vhost HSTSGuard withholds STS from, a backend's
#                                    weaker header; the top of the page for 400)
#   docs/images/client-cert-495.png  the module's 495 page, as Chromium shows it when it
#                                    presents a revoked client certificate
#                                    (HSTSClientCert require)
#
#   docs/screenshots.sh              (as root, from anywhere; needs chromium,
#                                    libnss3-tools and what ./demo.sh needs)
#
# It starts the demo (./demo.sh start) and stops it afterwards; a demo that was
# already running is used and left running.  The demo has no mutual TLS, so the 495
# comes from one more httpd made with the integration harness
# (tests/common/pki.py: its PKI has a revoked client certificate and a CRL).
# Everything else lives in a temp dir that is removed at the end.
#
# Every status page is also checked in the browser: it must fit the window without
# horizontal scrolling (document.documentElement.scrollWidth <= window.innerWidth) at
# 1,280 and 1,920 pixels; the script fails otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
out=$top/docs/images
py=${HSTS_PYTHON:-/usr/bin/python3}

for tool in "${CHROMIUM:-chromium}" certutil pk12util; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "screenshots.sh: $tool not found: apt-get install chromium libnss3-tools" >&2
        exit 1
    fi
done
[ -f .libs/mod_hsts_audit.so ] || make >/dev/null
[ -f .libs/libhstscore.a ] || make >/dev/null

mkdir -p "$out"
work=$(mktemp -d "${HSTS_TEST_TMPDIR:-/tmp}/hsts-shots-XXXXXX")
chmod 755 "$work"
started=no
cleanup() {
    if [ "$started" = yes ]; then ./demo.sh stop >/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

pidfile=demo/run/httpd.pid
if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo ">> using the demo that is already running (pid $(cat "$pidfile")); it stays running"
else
    echo ">> starting the demo"
    if ! ./demo.sh start >"$work/demo.log" 2>&1; then
        cat "$work/demo.log" >&2
        exit 1
    fi
    started=yes
fi
# demo/run/httpd.conf: "Listen 127.0.0.1:<http>" then "Listen 127.0.0.1:<https>"
ports=$(awk '/^Listen /{n = split($2, a, ":"); print a[n]}' demo/run/httpd.conf)
http_port=$(echo "$ports" | sed -n 1p)
https_port=$(echo "$ports" | sed -n 2p)
[ -n "$https_port" ] || { echo "no HTTPS port in demo/run/httpd.conf" >&2; exit 1; }

echo ">> rendering the made-up pages (docs/render_status_sample.c)"
# shellcheck disable=SC2046
${CC:-cc} -O1 -Wall -Wextra -I"$top/include" $(pkg-config --cflags apr-1 apr-util-1) \
    "$top/docs/render_status_sample.c" "$top/.libs/libhstscore.a" \
    $(pkg-config --libs apr-1 apr-util-1) -o "$work/render_status_sample"
"$work/render_status_sample" 1 >"$work/status-1-vhost.html"
"$work/render_status_sample" 400 >"$work/status-400-vhosts.html"
chmod 644 "$work"/*.html

echo ">> taking the screenshots (Chromium $("${CHROMIUM:-chromium}" --version 2>/dev/null | awk '{print $2}'))"
HSTS_TEST_TMPDIR="$work" PYTHONDONTWRITEBYTECODE=1 \
    "$py" - "$top" "$out" "$work" "$http_port" "$https_port" <<'PY'
import os
import subprocess
import sys
from pathlib import Path

top, out, work = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
http_port, https_port = int(sys.argv[4]), int(sys.argv[5])
sys.path.insert(0, str(top / "tests" / "e2e"))
sys.path.insert(0, str(top / "tests"))
import cdp       # noqa: E402
from common.env import module_so_path  # noqa: E402
from common.httpd import HttpdFactory  # noqa: E402
from common.pki import PKI  # noqa: E402

RULES = "MAP hsts.test 127.0.0.1, MAP *.hsts.test 127.0.0.1"


def check(cond, what):
    if not cond:
        sys.exit("screenshots.sh: " + what)


def fits(page, width, what):
    """No horizontal scrolling in a window `width` pixels wide."""
    page.send("Emulation.setDeviceMetricsOverride",
              {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    sw = page.evaluate("document.documentElement.scrollWidth")
    iw = page.evaluate("window.innerWidth")
    check(sw <= iw, "%s scrolls horizontally at %d px: scrollWidth %s > innerWidth %s"
          % (what, width, sw, iw))
    print("   %s fits %d px (scrollWidth %d, innerWidth %d)" % (what, width, sw, iw))


def shoot(page, name, width, height=None):
    """A screenshot at `width`: the whole page, or its top `height` pixels."""
    fits(page, width, name)
    path = out / name
    page.screenshot(path, width=width, height=height or 900, full_page=height is None)
    print("   %s" % path)


# 1. the demo's status page, after some traffic
demo_ca = top / "demo" / "run" / "pki" / "ca.pem"
with cdp.Browser(work / "chromium-demo", ca_pem=demo_ca, host_rules=RULES) as b:
    page = b.new_page()
    for url in ("https://hsts.test:%d/" % https_port,
                "https://hsts.test:%d/app/" % https_port,        # broken header: replaced
                "https://www.hsts.test:%d/missing" % https_port,  # 404, STS too
                "http://localhost:%d/" % http_port):              # redirect to HTTPS
        nav = page.navigate(url)
        check(nav.error_text is None, "%s: %s" % (url, nav.error_text))
    nav = page.navigate("https://localhost:%d/hsts-status" % https_port)
    check(nav.final_status == 200, "status page: %r" % (nav.summary(),))
    check(page.evaluate("document.contentType") == "text/html",
          "the status page is not HTML")
    shoot(page, "status-page.png", 1280)
    shoot(page, "status-page-1920.png", 1920)

# 1b. made-up servers: 1 vhost, 400 vhosts (the top of the page; the whole
#     page is checked for horizontal scrolling)
with cdp.Browser(work / "chromium-sample") as b:
    page = b.new_page(network=False)
    for stem, height in (("status-1-vhost", None), ("status-400-vhosts", 1500)):
        nav = page.navigate((work / (stem + ".html")).as_uri())
        check(nav.error_text is None, "%s: %s" % (stem, nav.error_text))
        for width in (1280, 1920):
            shoot(page, "%s-%d.png" % (stem, width), width, height)

# 2. a 495: one more httpd with HSTSClientCert require; Chromium presents the
#    harness's revoked client certificate (an expired one it would not even offer)
pki = PKI(work / "pki").build()
(work / "httpd").mkdir()
factory = HttpdFactory(work / "httpd", pki, module_so_path)
try:
    server = factory.start(
        hsts_global="HSTSMaxAge 1y\n",
        https_body=('    SSLVerifyClient optional\n'
                    '    SSLVerifyDepth 2\n'
                    '    SSLCACertificateFile "%s"\n'
                    '    SSLCARevocationFile "%s"\n'
                    '    SSLCARevocationCheck chain\n'
                    '    HSTSClientCert require\n' % (pki.client_ca, pki.client_crl)),
        allow_errors=[r"client_cert|AH02039|AH02276|certificate"])
    c = pki.client("revoked")
    p12 = work / "client-revoked.p12"
    subprocess.run(["openssl", "pkcs12", "-export", "-in", str(c.cert), "-inkey", str(c.key),
                    "-name", "client-revoked", "-passout", "pass:", "-out", str(p12)],
                   check=True)
    origin = "https://hsts.test:%d" % server.https_port
    with cdp.Browser(work / "chromium-mtls", ca_pem=pki.root_ca, host_rules=RULES,
                     client_p12=p12, auto_select=[(origin, "HSTS Test Client CA")]) as b:
        page = b.new_page()
        nav = page.navigate(origin + "/")
        check(nav.final_status == 495, "expected a 495, got %r" % (nav.summary(),))
        page.screenshot(out / "client-cert-495.png", width=900, height=420)
        print("   %s" % (out / "client-cert-495.png"))
finally:
    factory.cleanup()
PY
echo ">> done"
