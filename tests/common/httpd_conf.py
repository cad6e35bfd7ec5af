"""What goes into the httpd.conf of every test server (see
tests/integration/README.md, "Every test server"): the modules, the template
with its @PLACEHOLDERS@ (the ports, paths and certificate are filled in by
common.httpd.Httpd), the documents and the CGI scripts of its ServerRoot."""

import shutil
from pathlib import Path

from .env import APACHE2_MODULES, BACKEND_DIR, make_world_readable

BASE_MODULES = ("authz_core", "authz_host", "mime", "alias",
                "dir", "headers", "ssl", "socache_shmcb", "http2", "proxy",
                "proxy_http", "env", "setenvif")

# For a vhost whose certificate has a small RSA key (below 2048 bits), which
# mod_ssl refuses at OpenSSL's default security level.
SSL_SECLEVEL0 = "    SSLCipherSuite DEFAULT:@SECLEVEL=0"

# The event and worker MPMs' settings (the same for both).
THREADED_MPM = """\
    StartServers 2
    ServerLimit 4
    ThreadsPerChild 16
    ThreadLimit 16
    MinSpareThreads 8
    MaxSpareThreads 48
    MaxRequestWorkers 64
    MaxConnectionsPerChild 0
"""

CONF_TEMPLATE = """\
# written by tests/common/httpd_conf.py
ServerRoot "@ROOT@"
DefaultRuntimeDir "@ROOT@/run"
PidFile "@ROOT@/run/httpd.pid"
ServerName hsts.test
ServerAdmin webmaster@hsts.test
User @USER@
Group @GROUP@
Timeout 30
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
GracefulShutdownTimeout 5
Listen 127.0.0.1:@HTTP_PORT@
Listen 127.0.0.1:@HTTPS_PORT@
Listen 127.0.0.1:@BACKEND_PORT@
@EXTRA_LISTEN@
ErrorLog "@ROOT@/logs/error.log"
LogLevel @LOGLEVEL@

@LOADMODULES@

<IfModule mpm_event_module>
@THREADED_MPM@</IfModule>
<IfModule mpm_worker_module>
@THREADED_MPM@</IfModule>
<IfModule mpm_prefork_module>
    StartServers 3
    MinSpareServers 2
    MaxSpareServers 6
    MaxRequestWorkers 16
    MaxConnectionsPerChild 0
</IfModule>

TypesConfig /etc/mime.types
AddDefaultCharset utf-8
DirectoryIndex index.html
DocumentRoot "@ROOT@/htdocs"
<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<Directory "@ROOT@/htdocs">
    Options FollowSymLinks
    AllowOverride FileInfo
    Require all granted
</Directory>
ScriptAlias /cgi-bin/ "@ROOT@/cgi-bin/"
<Directory "@ROOT@/cgi-bin">
    Options +ExecCGI
    AllowOverride None
    Require all granted
</Directory>
<IfModule cgid_module>
    ScriptSock "@ROOT@/run/cgisock"
</IfModule>

LogFormat "@LOGFORMAT@" hststest
CustomLog "@ROOT@/logs/access.log" hststest

SSLRandomSeed startup builtin
SSLRandomSeed connect builtin
SSLSessionCache "shmcb:@ROOT@/run/ssl_scache(512000)"
SSLProtocol all -SSLv3
ProxyTimeout 30

<IfModule hsts_audit_module>
@HSTS_GLOBAL@
</IfModule>

@PRE_VHOSTS@

# --- the TLS vhost (the first one on its port: the default) ---
<VirtualHost 127.0.0.1:@HTTPS_PORT@>
    ServerName hsts.test
    ServerAlias www.hsts.test localhost
    SSLEngine on
    SSLCertificateFile "@SERVER_CERT@"
    SSLCertificateKeyFile "@SERVER_KEY@"
    Protocols h2 http/1.1
    ProxyPass /proxied/ http://127.0.0.1:@BACKEND_PORT@/cgi-bin/
    ProxyPass /raw/ http://127.0.0.1:@RAW_PORT@/
@HTTPS_BODY@
</VirtualHost>

# --- the plain-HTTP vhost ---
<VirtualHost 127.0.0.1:@HTTP_PORT@>
    ServerName hsts.test
    ServerAlias www.hsts.test localhost
    ProxyPass /proxied/ http://127.0.0.1:@BACKEND_PORT@/cgi-bin/
    ProxyPass /raw/ http://127.0.0.1:@RAW_PORT@/
@HTTP_BODY@
</VirtualHost>

# --- the proxied backend: plain HTTP, the same CGI, the module off ---
<VirtualHost 127.0.0.1:@BACKEND_PORT@>
    ServerName backend.test
    CustomLog "@ROOT@/logs/backend_access.log" hststest
    <IfModule hsts_audit_module>
        HSTSMode off
    </IfModule>
</VirtualHost>

@BODY@
"""

DEFAULT_HTDOCS = {
    "index.html": "<html><body>index</body></html>\n",
    "page.html": "<html><body>page</body></html>\n",
    "errors/404.html": "<html><body>custom-404-page</body></html>\n",
    "errors/500.html": "<html><body>custom-500-page</body></html>\n",
}


def load_modules(mpm, modules=(), cgi="cgid", hsts_module=None):
    """The LoadModule lines: the MPM, BASE_MODULES, cgi, modules (each once),
    then mod_hsts_audit from hsts_module (a path) when given."""
    mods = list(BASE_MODULES) + [cgi] + [m for m in modules if m not in BASE_MODULES]
    load = ["LoadModule mpm_%s_module %s/mod_mpm_%s.so" % (mpm, APACHE2_MODULES, mpm)]
    seen = set()
    for m in mods:
        if m in seen or not m:
            continue
        seen.add(m)
        load.append("LoadModule %s_module %s/mod_%s.so" % (m, APACHE2_MODULES, m))
    if hsts_module:
        load.append("LoadModule hsts_audit_module %s" % hsts_module)
    return "\n".join(load)


def config_template(load, hsts_global="", pre_vhosts="", https_body="", http_body="",
                    body=""):
    """CONF_TEMPLATE with the given parts in place; the @PLACEHOLDERS@ of ports,
    paths and certificates are left for Httpd.expand()."""
    text = CONF_TEMPLATE
    for k, v in (("@THREADED_MPM@", THREADED_MPM),
                 ("@LOADMODULES@", load),
                 ("@HSTS_GLOBAL@", hsts_global),
                 ("@PRE_VHOSTS@", pre_vhosts),
                 ("@HTTPS_BODY@", https_body),
                 ("@HTTP_BODY@", http_body),
                 ("@BODY@", body)):
        text = text.replace(k, v)
    return text


def write_server_root(root, conf_path, conf_text, files, expand):
    """The ServerRoot tree: conf/ (conf_text in conf_path), logs/, run/,
    htdocs/ (DEFAULT_HTDOCS), cgi-bin/ (the backend CGI scripts), and files
    ({relative path: bytes, or text put through expand}); world-readable."""
    root = Path(root)
    for d in ("conf", "logs", "run", "htdocs", "cgi-bin"):
        (root / d).mkdir(parents=True, exist_ok=True)
    for rel, content in DEFAULT_HTDOCS.items():
        p = root / "htdocs" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
    for script in BACKEND_DIR.glob("*.cgi"):
        shutil.copy2(script, root / "cgi-bin" / script.name)
        (root / "cgi-bin" / script.name).chmod(0o755)
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(expand(content))
    conf_path.write_text(conf_text)
    make_world_readable(root)
    # the parent (root) writes the logs; children only need to read htdocs
    # and run/; run/ must be writable for cgid's socket and the module's shm
    # files, which the parent creates.


def line_of(text, needle, start=0):
    """The 1-based number of the first line of a configuration text, from the
    0-based line start on, that holds needle (for the file:line the module's
    messages name); AssertionError when there is none."""
    lines = text.splitlines()
    for i in range(start, len(lines)):
        if needle in lines[i]:
            return i + 1
    raise AssertionError(needle)
