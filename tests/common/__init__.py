"""The test harness the integration, end-to-end and CLI suites share (a package:
put tests/ on sys.path and `from common import ...`). One concern per module:

  env        where things are: the repo, the module under test, the tools
             (apache2, openssl, curl), world-readable temp dirs, run()
  ports      free loopback ports, port probes
  pki        the test PKI made with the openssl CLI: keys, CSRs, self-signed
             certificates, `openssl ca` directories (any notBefore/notAfter), PKI
  clients    HTTP clients: curl (one request, several over one connection),
             raw (TLS) sockets, the Response they return
  backend    the test backends' query language (sts_query) and the in-process
             raw backend that writes exactly the header lines asked for
  httpd_conf the httpd.conf every test server gets (template, modules, htdocs)
  httpd      one httpd process in its own ServerRoot (Httpd) and the factory
  logs       access-log entries (LOG_FORMAT), error-log checks, module lines
  status     the status page: ?json, ?metrics (a Prometheus text validator)
  load       h2load runs and an MPM configuration that keeps connections open
  fixtures   the pytest fixtures (imported by each suite's conftest.py)

Python standard library (+ pytest for fixtures) only. Nothing binds anything
but 127.0.0.1.
"""
