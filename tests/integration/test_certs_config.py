"""HSTSGuard, HSTSCertWarnDays and HSTSTrustedCA as directives (design.md section 2,
contexts S V): bad values fail `apache2 -t` naming the directive; good ones pass in
the server config and in a <VirtualHost>; httpd refuses them in <Location> and
<Directory>."""

import re

import pytest


@pytest.mark.parametrize("line,directive", [
    ("HSTSGuard sometimes", "HSTSGuard"),
    ("HSTSGuard", "HSTSGuard"),
    ("HSTSGuard warn withhold", "HSTSGuard"),
    ("HSTSCertWarnDays -1", "HSTSCertWarnDays"),
    ("HSTSCertWarnDays lots", "HSTSCertWarnDays"),
    ("HSTSCertWarnDays 7d", "HSTSCertWarnDays"),
    ("HSTSCertWarnDays", "HSTSCertWarnDays"),
    ("HSTSTrustedCA /nonexistent.pem", "HSTSTrustedCA"),
    ("HSTSTrustedCA @ROOT@/conf", "HSTSTrustedCA"),       # a directory
    ("HSTSTrustedCA", "HSTSTrustedCA"),
], ids=["guard-sometimes", "guard-no-arg", "guard-two-args", "warn-days-negative",
        "warn-days-lots", "warn-days-unit", "warn-days-no-arg", "ca-nonexistent",
        "ca-directory", "ca-no-arg"])
@pytest.mark.parametrize("where", ["server", "vhost"])
def test_bad_value_fails_configtest(httpd_factory, line, directive, where):
    kw = {"hsts_global": line + "\n"} if where == "server" else {"https_body": "    " + line + "\n"}
    rc, out = httpd_factory.configtest(**kw)
    assert rc != 0, out
    assert directive in out, out
    assert "Syntax OK" not in out, out
    assert "Invalid command" not in out, out     # the module knows the directive
    if "nonexistent" in line:
        assert "/nonexistent.pem" in out, out


@pytest.mark.parametrize("line", ["HSTSGuard off", "HSTSGuard warn", "HSTSGuard withhold",
                                  "HSTSGuard WITHHOLD", "HSTSCertWarnDays 0",
                                  "HSTSCertWarnDays 3", "HSTSCertWarnDays 365",
                                  'HSTSTrustedCA "@ROOT_CA@"'])
@pytest.mark.parametrize("where", ["server", "vhost"])
def test_good_value_passes(httpd_factory, line, where):
    kw = {"hsts_global": line + "\n"} if where == "server" else {"https_body": "    " + line + "\n"}
    rc, out = httpd_factory.configtest(**kw)
    assert rc == 0, out
    assert "Syntax OK" in out


@pytest.mark.parametrize("line", ["HSTSGuard withhold", "HSTSCertWarnDays 3",
                                  'HSTSTrustedCA "@ROOT_CA@"'])
@pytest.mark.parametrize("section", ["<Location /x>", '<Directory "@ROOT@/htdocs/x">'])
def test_not_allowed_in_directory_scopes(httpd_factory, line, section):
    close = "</" + section[1:].split()[0] + ">"
    rc, out = httpd_factory.configtest(
        https_body="    %s\n        %s\n    %s\n" % (section, line, close))
    assert rc != 0, out
    assert line.split()[0] in out, out
    kind = section[1:].split()[0]
    assert re.search(r"%s not allowed (here|in <%s> context)" % (line.split()[0], kind), out), out


def test_not_allowed_in_htaccess(httpd_factory):
    """AllowOverride FileInfo covers the policy directives, not these: a 500 and
    httpd's "not allowed here" in the error log."""
    s = httpd_factory.start(files={"htdocs/ht/.htaccess": "HSTSGuard withhold\n",
                                   "htdocs/ht/index.html": "x\n"})
    s.allow(r"HSTSGuard not allowed here", r"\[core:alert\].*\.htaccess")
    r = s.get("/ht/")
    assert r.status == 500
    assert "HSTSGuard not allowed here" in s.read_error_log()


NOT_PEM = {"conf/notpem.pem": "this is not a certificate\n"}


def _lines(text, number):
    return [l[l.index(number + ":"):] for l in text.splitlines() if number + ":" in l]


def test_trusted_ca_not_pem_fails_configtest(httpd_factory):
    """HSTSTrustedCA loads the bundle when the directive is read: a file without
    certificates fails `apache2 -t`, naming the directive, the file and why."""
    conf = 'HSTSTrustedCA "@ROOT@/conf/notpem.pem"\nHSTSMaxAge 1y\n'
    h = httpd_factory.make(hsts_global=conf, trusted_ca=False, files=NOT_PEM)
    rc, out = h.configtest()
    assert rc != 0, out
    assert "HSTSTrustedCA" in out and "notpem.pem: not PEM" in out, out
    assert "PEM bundle of root certificates" in out, out
