"""Mutual TLS fails closed (design.md section 6, "Fail closed"): the module changes how
mod_ssl treats a failed client certificate on the vhosts that use HSTSClientCert, and
none of that may weaken any other rule.  Each test below was written against a hole
found in 0.1 (it failed there) and runs the same configuration without the module
beside it where that shows what stock mod_ssl does.

  1. a failed certificate never becomes an identity (FakeBasicAuth, SSLUserName),
     whatever the reason, SSLVerifyDepth's "chain too long" included;
  2. a connection whose certificate the module verified serves only vhosts that use
     HSTSClientCert: any other vhost answers 421 (SNI of one, Host of another; no SNI);
  3. the refusal comes before quick handlers (mod_cache serving a cached response);
  4. the refusal's ErrorDocument is exempt, its sub-requests are not;
  5. plain HTTP: HSTSClientCert report|require in a non-TLS vhost fails configtest,
     a plain-HTTP request that reaches a require scope is refused (use https);
  6. every method is refused, TRACE too.
"""

import re
import subprocess
import uuid

import pytest

from common.clients import raw_http
from common.env import OPENSSL, run
from test_client_cert import (AUTH_MODULES, CCPKI, EXPECTED_ERRORS, POLICY,  # noqa: F401
                              SECURITY_PATHS, ccpki, get, mtls, security_block,
                              site_files)

H = pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
TLS = pytest.mark.parametrize("tls", ["1.2", "1.3"], ids=["tls12", "tls13"])

DEPTH_ERRORS = (r"AH02040: Certificate Verification: Certificate Chain too long",)


def oneline_subject(cert):
    """The subject as X509_NAME_oneline writes it ("/O=.../CN=..."): FakeBasicAuth's
    user name."""
    out = run([OPENSSL, "x509", "-in", cert, "-noout", "-subject", "-nameopt", "compat"])
    text = out if isinstance(out, str) else out.stdout.decode()
    return text.strip().split("=", 1)[1].strip()


def users_file(ccpki):
    """Every test client's subject, password "password" (as FakeBasicAuth sends it):
    whichever certificate leaked its identity would log in."""
    lines = set()
    for cert, _key in ccpki.certs.values():
        lines.add("%s:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n" % oneline_subject(cert))
    return "".join(sorted(lines))


# ---------------------------------------------------------------------------
# 1. identity
# ---------------------------------------------------------------------------

# every failure reason the PKI can produce (depth 2), and with SSLVerifyDepth 1 the
# chains of three (leaf, intermediate, root): "certificate chain too long"
FAILED = [(2, k) for k in ("expired", "notyet", "revoked", "inter-revoked", "untrusted",
                           "selfsigned", "impostor", "markup")] + \
         [(1, k) for k in ("inter-valid", "expiring")]


@pytest.fixture(scope="module")
def identity_servers(module_httpd_factory, ccpki):
    """Per SSLVerifyDepth (2, 1): a vhost with HSTSClientCert report and an `off`
    location, each with mod_ssl's identity rules; and mod_ssl alone."""
    out = {}
    files = site_files(("/sec", "/healthz/sec"))
    files["conf/fakebasic.users"] = users_file(ccpki)
    for depth in (2, 1):
        body = (mtls(ccpki, depth=depth) + "    HSTSClientCert report\n"
                + security_block("/sec")
                + "    <Location /healthz>\n        HSTSClientCert off\n    </Location>\n"
                + security_block("/healthz/sec"))
        out[depth] = module_httpd_factory.start(
            https_body=body, modules=AUTH_MODULES, files=files,
            allow_errors=EXPECTED_ERRORS + DEPTH_ERRORS)
        out[("stock", depth)] = module_httpd_factory.start(
            with_module=False, https_body=mtls(ccpki, depth=depth), modules=AUTH_MODULES,
            allow_errors=EXPECTED_ERRORS + DEPTH_ERRORS)
    return out


@TLS
@pytest.mark.parametrize("prefix", ["/sec", "/healthz/sec"], ids=["report", "off"])
@pytest.mark.parametrize("depth,kind", FAILED, ids=["%s-depth%d" % (k, d) for d, k in FAILED])
def test_failed_certificate_is_no_identity(identity_servers, ccpki, depth, kind, prefix, tls):
    s = identity_servers[depth]
    stock = get(identity_servers[("stock", depth)], "/", kind, ccpki, tls=tls)
    assert stock.status == 0 and stock.curl_rc != 0      # mod_ssl alone: no handshake
    r = get(s, prefix + "/fakebasic/", kind, ccpki, tls=tls)
    assert r.header("X-Verify").startswith("FAILED:"), r.header("X-Verify")
    assert r.status == 401 and "protected" not in r.text, (r.status, r.text[:200])
    r = get(s, prefix + "/user/", kind, ccpki, tls=tls)
    assert r.status == 200 and r.header("X-User") in (None, "")
    # Require user without AuthType: no user, so httpd's AH00027 (500)
    r = get(s, prefix + "/user-required/", kind, ccpki, tls=tls)
    assert r.status == 500 and "protected" not in r.text
    for path in ("verified", "sslrequire", "verify-client"):
        r = get(s, "%s/%s/" % (prefix, path), kind, ccpki, tls=tls)
        assert r.status == 403, (path, r.status)


def test_chain_too_long_reads_as_mod_ssl_says(identity_servers, ccpki):
    r = get(identity_servers[1], "/sec/user/", "inter-valid", ccpki)
    assert r.header("X-Verify") == "FAILED:certificate chain too long"
    assert identity_servers[1].log_entry(r)["client_cert"] == "invalid"


@TLS
def test_valid_certificate_is_an_identity(identity_servers, ccpki, tls):
    """The users file has every subject: a verified certificate logs in."""
    for depth, kind in ((2, "valid"), (2, "inter-valid")):
        s = identity_servers[depth]
        r = get(s, "/sec/fakebasic/", kind, ccpki, tls=tls)
        assert r.status == 200 and r.text == "protected-fakebasic\n"
        r = get(s, "/healthz/sec/user/", kind, ccpki, tls=tls)
        assert r.header("X-User") == "client-" + kind


# ---------------------------------------------------------------------------
# 2. other vhosts: 421
# ---------------------------------------------------------------------------

SHARED_TLS = mtls  # TLS and client-CA settings in the server config, for every vhost


def other_vhost(ccpki):
    """A second name-based vhost on the TLS port, without the module's directives:
    identical TLS settings (the server config's), rules that read only the subject."""
    return ('<VirtualHost 127.0.0.1:@HTTPS_PORT@>\n'
            '    ServerName other.hsts.test\n'
            '    SSLEngine on\n'
            '    SSLCertificateFile "@SERVER_CERT@"\n'
            '    SSLCertificateKeyFile "@SERVER_KEY@"\n'
            '    Protocols h2 http/1.1\n'
            '    Header always set X-Verify "%{SSL_CLIENT_VERIFY}s"\n'
            '    <Location /alice>\n'
            "        Require expr %{SSL_CLIENT_S_DN_CN} == 'client-valid'\n"
            '    </Location>\n'
            '    <Location /sslrequire>\n'
            '        SSLRequire %{SSL_CLIENT_S_DN_CN} eq "client-valid"\n'
            '    </Location>\n'
            '</VirtualHost>\n')


@pytest.fixture(scope="module")
def shared_servers(module_httpd_factory, ccpki):
    files = {"htdocs/alice/index.html": "alice-only\n",
             "htdocs/sslrequire/index.html": "alice-only\n"}
    glob = SHARED_TLS(ccpki).replace("    ", "")
    allow = EXPECTED_ERRORS + (r"AH02032: Hostname .* provided via SNI",)
    return {
        "ours": module_httpd_factory.start(
            pre_vhosts=glob, https_body="    HSTSClientCert require\n",
            body=other_vhost(ccpki), files=files, allow_errors=allow),
        "stock": module_httpd_factory.start(
            with_module=False, pre_vhosts=glob, body=other_vhost(ccpki), files=files,
            allow_errors=allow),
    }


@H
@pytest.mark.parametrize("path", ["/alice/", "/sslrequire/"])
@pytest.mark.parametrize("kind", ["impostor", "expired", "valid"])
def test_sni_of_one_vhost_host_of_another(shared_servers, ccpki, kind, path, http2):
    ours, stock = shared_servers["ours"], shared_servers["stock"]
    # with SNI other.hsts.test the other vhost's (mod_ssl's) verification decides
    r = get(ours, path, kind, ccpki, http2=http2, host="other.hsts.test")
    s = get(stock, path, kind, ccpki, http2=http2, host="other.hsts.test")
    assert (r.status, r.curl_rc != 0) == (s.status, s.curl_rc != 0)
    # SNI hsts.test (the module's vhost), Host: other.hsts.test
    hdr = ("Host: other.hsts.test",)
    r = get(ours, path, kind, ccpki, http2=http2, headers=hdr)
    assert r.status == 421, (r.status, r.text[:200])
    assert "alice-only" not in r.text
    s = get(stock, path, kind, ccpki, http2=http2, headers=hdr)
    if kind == "valid":
        assert s.status == 200 and s.text == "alice-only\n"
    else:
        assert s.status == 0 and s.curl_rc != 0             # stock: no handshake


@H
def test_no_certificate_is_not_misdirected(shared_servers, ccpki, http2):
    """Without a certificate nothing was verified by the module: the other vhost
    answers as with mod_ssl alone (its own rules refuse)."""
    hdr = ("Host: other.hsts.test",)
    for name in ("ours", "stock"):
        r = get(shared_servers[name], "/alice/", None, ccpki, http2=http2, headers=hdr)
        assert r.status == 403, (name, r.status)
        r = get(shared_servers[name], "/page.html", None, ccpki, http2=http2, headers=hdr)
        assert r.status == 200, (name, r.status)


@pytest.mark.parametrize("kind", ["impostor", "valid"])
def test_no_sni_default_vhost_host_of_another(shared_servers, ccpki, kind):
    """No SNI: the first vhost (the module's) does the handshake; Host selects the
    other one."""
    cert, key = ccpki.certs[kind]
    req = ("GET /alice/ HTTP/1.1\r\nHost: other.hsts.test\r\nConnection: close\r\n"
           "X-Test-Id: %s\r\n\r\n" % uuid.uuid4().hex).encode()
    raw = raw_http(shared_servers["ours"].https_port, req, server_hostname=None,
                            certfile=cert, keyfile=key)
    assert raw.startswith(b"HTTP/1.1 421 "), raw[:200]
    assert b"alice-only" not in raw
    p = subprocess.run([OPENSSL, "s_client", "-connect",
                        "127.0.0.1:%d" % shared_servers["ours"].https_port, "-noservername",
                        "-cert", str(cert), "-key", str(key), "-ign_eof", "-quiet"],
                       input=req, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    assert p.stdout.startswith(b"HTTP/1.1 421 "), p.stdout[:200]


def test_same_vhost_still_served(shared_servers, ccpki):
    ours = shared_servers["ours"]
    assert get(ours, "/page.html", "valid", ccpki).status == 200
    assert get(ours, "/page.html", "impostor", ccpki).status == 495


# ---------------------------------------------------------------------------
# 3. quick handlers: mod_cache
# ---------------------------------------------------------------------------

CACHE_MODULES = ("cache", "cache_socache", "include")


def cache_conf(ccpki):
    return ("    CacheSocache shmcb\n"
            "    CacheEnable socache /\n"
            "    CacheHeader on\n"
            "    <Location /cached>\n"
            "        Header set Cache-Control \"max-age=600\"\n"
            "    </Location>\n"
            + mtls(ccpki) + "    HSTSClientCert require\n"
            "    <Location /healthz>\n        HSTSClientCert off\n"
            "        Options +Includes\n        AddOutputFilter INCLUDES .shtml\n"
            "    </Location>\n")


@H
@pytest.mark.parametrize("kind", [None, "expired", "impostor"], ids=["none", "expired", "impostor"])
def test_cached_response_is_not_served_to_a_refused_client(httpd_factory, ccpki, kind, http2):
    files = {"htdocs/cached/secret.html": "cached-secret\n",
             "htdocs/healthz/ssi.shtml":
             'before <!--#include virtual="/cached/secret.html" --> after\n'}
    s = httpd_factory.start(https_body=cache_conf(ccpki), modules=CACHE_MODULES, files=files,
                            allow_errors=EXPECTED_ERRORS + (
                                r"unable to include .*subrequest setup returned 49[56]",))
    for _ in range(2):
        r = get(s, "/cached/secret.html", "valid", ccpki, http2=http2)
        assert r.status == 200 and r.text == "cached-secret\n"
    assert r.header("X-Cache") == "HIT from hsts.test"        # the cache does serve it
    r = get(s, "/cached/secret.html", kind, ccpki, http2=http2)
    assert r.status == (496 if kind is None else 495), (r.status, r.header("X-Cache"))
    assert "cached-secret" not in r.text
    assert s.log_entry(r)["client_cert"] != "ok"
    # a sub-request (lookup and run) does not get it either
    r = get(s, "/healthz/ssi.shtml", kind, ccpki, http2=http2)
    assert r.status == 200 and "before" in r.text and "cached-secret" not in r.text
    # and the valid client still gets the cached copy
    r = get(s, "/cached/secret.html", "valid", ccpki, http2=http2)
    assert r.status == 200 and r.header("X-Cache") == "HIT from hsts.test"
    r = get(s, "/healthz/ssi.shtml", "valid", ccpki, http2=http2)
    assert "cached-secret" in r.text


# ---------------------------------------------------------------------------
# 4. the refusal's ErrorDocument: exempt; its sub-requests: not
# ---------------------------------------------------------------------------

def test_errordocument_subrequest_is_judged(httpd_factory, ccpki):
    s = httpd_factory.start(
        https_body=mtls(ccpki) + "    HSTSClientCert require\n"
        "    HSTSClientCertStatus 403 403\n"
        "    ErrorDocument 403 /errors/cert403.shtml\n"
        "    <Location /errors>\n"
        "        Options +Includes\n        AddOutputFilter INCLUDES .shtml\n"
        "    </Location>\n",
        modules=("include",),
        files={"htdocs/secret.html": "the-secret\n",
               "htdocs/errors/cert403.shtml":
               'styled-403 [<!--#include virtual="/secret.html" -->] end\n'},
        allow_errors=EXPECTED_ERRORS + (r"unable to include .*subrequest setup returned 403",))
    for kind in (None, "expired"):
        r = get(s, "/page.html", kind, ccpki)
        assert r.status == 403
        assert "styled-403 [" in r.text and "] end" in r.text     # the page itself
        assert "the-secret" not in r.text                          # not what it includes
    r = get(s, "/secret.html", "valid", ccpki)
    assert r.status == 200 and r.text == "the-secret\n"


def test_errordocument_page_cannot_redirect_onwards(httpd_factory, ccpki):
    """The error page is a CGI that answers with a local redirect (Location: /path,
    which httpd follows internally): the target is judged again, refused again, and
    httpd's recursion limit ends the loop of error pages (500)."""
    s = httpd_factory.start(
        https_body=mtls(ccpki) + "    HSTSClientCert require\n"
        "    HSTSClientCertStatus 403 403\n"
        "    ErrorDocument 403 /cgi-bin/sts.cgi?status=200&location=/secret.html\n",
        files={"htdocs/secret.html": "the-secret\n"},
        allow_errors=EXPECTED_ERRORS + (r"AH00124: Request exceeded the limit of 10 "
                                        r"internal redirects",))
    r = get(s, "/page.html", None, ccpki)
    assert r.status == 500 and "the-secret" not in r.text, (r.status, r.text[:300])


# ---------------------------------------------------------------------------
# 5. plain HTTP
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("http_body", [
    "HSTSClientCert require\n",
    "<Location /api>\n    HSTSClientCert report\n</Location>\n",
    "<Directory \"@ROOT@/htdocs/x\">\n    HSTSClientCert require\n</Directory>\n",
], ids=["vhost", "location-report", "directory"])
def test_client_cert_in_a_plain_http_vhost_fails_configtest(httpd_factory, http_body):
    rc, out = httpd_factory.configtest(http_body=http_body)
    assert rc != 0, out
    assert "HSTS00039" in out and "HSTSClientCert" in out, out
    assert re.search(r"httpd\.conf:\d+", out), out
    assert "has no TLS" in out and "SSLEngine on" in out, out
    assert "Syntax OK" not in out


def plain_shared_conf(ccpki):
    return ('<Directory "@ROOT@/htdocs/secure">\n'
            '    HSTSClientCert require\n'
            '</Directory>\n')


@pytest.fixture(scope="module")
def plain_server(module_httpd_factory, ccpki):
    return module_httpd_factory.start(
        pre_vhosts=plain_shared_conf(ccpki), https_body=mtls(ccpki),
        files={"htdocs/secure/index.html": "secure-content\n"},
        allow_errors=EXPECTED_ERRORS)


def test_plain_http_request_to_a_require_directory_is_refused(plain_server, ccpki):
    s = plain_server
    r = s.get("/secure/", tls=False)
    assert r.status == 496, (r.status, r.text[:200])
    assert "secure-content" not in r.text
    assert "https://hsts.test" in r.text
    assert r.sts == []                      # never STS over plain HTTP
    assert s.log_entry(r)["client_cert"] == "missing"
    r = s.get("/page.html", tls=False)      # outside the require scope
    assert r.status == 200 and s.log_entry(r)["client_cert"] == "-"
    r = get(s, "/secure/", "valid", ccpki)
    assert r.status == 200 and r.text == "secure-content\n"
    r = get(s, "/secure/", None, ccpki)
    assert r.status == 496


def test_plain_http_page_escapes_the_host(plain_server):
    r = plain_server.get("/secure/%3Cscript%3E", tls=False,
                         headers=("Accept: text/html",))
    assert r.status == 496
    assert "<script>" not in r.text


def test_server_config_require_refuses_plain_http(httpd_factory, ccpki):
    """HSTSClientCert require in the server config is inherited by the plain-HTTP
    vhost: no configtest error (it is not written in that vhost), refused there."""
    s = httpd_factory.start(hsts_global="HSTSClientCert require\n", https_body=mtls(ccpki),
                            allow_errors=EXPECTED_ERRORS)
    r = s.get("/page.html", tls=False, headers=("Accept: text/plain",))
    assert r.status == 496 and "<body>page</body>" not in r.text
    assert r.text.startswith("496 SSL Certificate Required\n")
    assert "Use https://hsts.test/page.html with your client certificate." in r.text
    assert get(s, "/page.html", "valid", ccpki).status == 200


# ---------------------------------------------------------------------------
# 6. every method
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trace_server(module_httpd_factory, ccpki):
    return module_httpd_factory.start(
        https_body=mtls(ccpki) + "    TraceEnable on\n    HSTSClientCert require\n"
        "    <Location /healthz>\n        HSTSClientCert off\n    </Location>\n",
        files=site_files(("/healthz",)), allow_errors=EXPECTED_ERRORS)


@H
@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "DELETE", "PUT", "PROPFIND", "BREW"])
@pytest.mark.parametrize("kind", [None, "expired"], ids=["none", "expired"])
def test_every_method_is_refused(trace_server, ccpki, method, kind, http2):
    r = get(trace_server, "/page.html", kind, ccpki, http2=http2, method=method)
    assert r.status == (496 if kind is None else 495), (method, r.status, r.text[:200])
    assert "X-Test-Id" not in r.text                     # TRACE's echo of the request
    assert trace_server.log_entry(r)["client_cert"] != "ok"


def test_trace_with_a_valid_certificate(trace_server, ccpki):
    r = get(trace_server, "/page.html", "valid", ccpki, method="TRACE")
    assert r.status == 200 and "X-Test-Id" in r.text


def test_trace_is_refused_in_an_off_location_too(trace_server, ccpki):
    """TRACE is answered before httpd knows the per-directory configuration
    (TraceEnable is per server): on a vhost that uses require, it is refused
    to a client without an accepted certificate wherever it points."""
    r = get(trace_server, "/healthz/", None, ccpki, method="TRACE")
    assert r.status == 496
    r = get(trace_server, "/healthz/", None, ccpki)
    assert r.status == 200 and r.text == "healthy\n"


# ---------------------------------------------------------------------------
# the same paths with mod_ssl alone (SSLVerifyClient require): a client without an
# accepted certificate never gets an HTTP answer at all
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stock_require(module_httpd_factory, ccpki):
    return module_httpd_factory.start(
        with_module=False, https_body=mtls(ccpki, "require") + "    TraceEnable on\n"
        "    CacheSocache shmcb\n    CacheEnable socache /\n", modules=CACHE_MODULES,
        files={"htdocs/cached/secret.html": "cached-secret\n"},
        allow_errors=EXPECTED_ERRORS)


@pytest.mark.parametrize("kind", [None, "expired", "impostor"], ids=["none", "expired", "impostor"])
@pytest.mark.parametrize("path,method", [("/cached/secret.html", None), ("/page.html", "TRACE"),
                                         ("/proxied/sts.cgi", None)],
                         ids=["cache", "trace", "proxy"])
def test_stock_require_answers_nothing(stock_require, ccpki, kind, path, method):
    assert get(stock_require, "/cached/secret.html", "valid", ccpki).status == 200
    r = get(stock_require, path, kind, ccpki, method=method)
    assert r.status == 0 and r.curl_rc != 0


@H
@pytest.mark.parametrize("kind", [None, "expired"], ids=["none", "expired"])
def test_proxied_path_is_refused_before_the_backend(trace_server, ccpki, kind, http2):
    """A reverse-proxied path (ProxyPass, a handler): refused before the backend
    sees the request."""
    r = get(trace_server, "/proxied/sts.cgi?status=200", kind, ccpki, http2=http2)
    assert r.status == (496 if kind is None else 495)
    assert "SSL Certificate" in r.text
    ok = get(trace_server, "/proxied/sts.cgi?status=200", "valid", ccpki, http2=http2)
    assert ok.status == 200 and ok.text == "ok\n"
    assert trace_server.log_entry(ok, backend=True)     # the backend logs what reaches it
    trace_server.wait_pending()
    assert not [e for e in trace_server.access_entries(backend=True)
                if e["test_id"] == r.test_id]
