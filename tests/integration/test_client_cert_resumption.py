"""TLS session resumption with client certificates (design.md section 6, the
performance part of "Fail closed"): a session whose certificate the module accepted is
resumed, with the verdict it got; a revoked certificate is not resumed past a reload of
its CRL (graceful restart), where mod_ssl alone resumes it; a resumed connection still
serves only the vhosts that use HSTSClientCert.  (The verdict per kind, TLS version and
ticket setting: test_client_cert.py::test_session_resumption.)
"""

import datetime
import os
import uuid

import pytest

from common.env import make_world_readable
from test_client_cert import (EXPECTED_ERRORS, ccpki, s_client)  # noqa: F401

TLS = pytest.mark.parametrize("tls", ["1.2", "1.3"], ids=["tls12", "tls13"])


class RevocablePKI:
    """A client CA of its own (this test revokes in it) with one leaf."""

    def __init__(self, pki, tmp_path):
        tag = uuid.uuid4().hex[:8]
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        day = datetime.timedelta(days=1)
        O = "/O=mod_hsts_audit tests"
        key, cert = pki.self_signed("rev-root-" + tag, O + "/CN=Revocation Test CA " + tag,
                                     "v3_root")
        self.pki = pki
        self.ca = pki.ca("rev-" + tag, key, cert)
        lkey, csr = pki.csr("rev-leaf-" + tag, O + "/CN=client-revocable")
        self.leaf = pki.dir / ("rev-leaf-%s.pem" % tag)
        self.ca.sign(csr, self.leaf,
                     "basicConstraints = critical, CA:FALSE\n"
                     "keyUsage = critical, digitalSignature\n"
                     "extendedKeyUsage = clientAuth\n", now - day, now + 30 * day)
        self.key = lkey
        self.cacert = cert
        self.crl = tmp_path / "crl.pem"
        self.ca.gencrl(self.crl)
        self.ticket_key = tmp_path / "ticket.key"
        self.ticket_key.write_bytes(os.urandom(48))
        make_world_readable(pki.dir)
        make_world_readable(tmp_path)

    def revoke(self):
        self.ca.revoke(self.leaf)
        self.ca.gencrl(self.crl)
        make_world_readable(self.pki.dir)     # the session's PKI stays so

    def conf(self):
        return ('    SSLVerifyClient optional\n'
                '    SSLVerifyDepth 1\n'
                '    SSLCACertificateFile "%s"\n'
                '    SSLCARevocationFile "%s"\n'
                '    SSLCARevocationCheck leaf\n' % (self.cacert, self.crl))


class _Certs:
    """What s_client() reads: certs[kind] = (cert, key)."""

    def __init__(self, rpki, ccpki):
        self.certs = {"revocable": (rpki.leaf, rpki.key)}
        self.dir = ccpki.dir


@TLS
def test_revoked_certificate_is_not_resumed_past_a_crl_reload(httpd_factory, pki, ccpki,
                                                              tmp_path, tls):
    rpki = RevocablePKI(pki, tmp_path)
    certs = _Certs(rpki, ccpki)
    # the ticket keys survive the graceful restart, so the old tickets still decrypt
    glob = 'SSLSessionTicketKeyFile "%s"\n' % rpki.ticket_key
    extra = ""
    allow = EXPECTED_ERRORS + (r"AH02039: Certificate Verification: Error",)
    ours = httpd_factory.start(pre_vhosts=glob, https_body=rpki.conf() + extra
                               + "    HSTSClientCert require\n", allow_errors=allow)
    stock = httpd_factory.start(with_module=False, pre_vhosts=glob,
                                https_body=rpki.conf() + extra, allow_errors=allow)
    sess = {n: tmp_path / ("%s.sess" % n) for n in ("ours", "stock")}
    for name, s in (("ours", ours), ("stock", stock)):
        assert s_client(s, "revocable", certs, tls, sess[name], "-sess_out") == ("New", 200)
        assert s_client(s, "revocable", certs, tls, sess[name], "-sess_in") == ("Reused", 200)
    rpki.revoke()
    ours.graceful()
    stock.graceful()
    ids = []
    r = s_client(ours, "revocable", certs, tls, sess["ours"], "-sess_in", ids=ids)
    assert r == ("New", 495), r
    assert ours.log_entry(ids[0])["client_cert"] == "revoked"
    # a new full handshake says the same
    assert s_client(ours, "revocable", certs, tls, tmp_path / "x.sess", "-sess_out")[1] == 495
    # mod_ssl alone resumes the revoked certificate's session (the ticket key
    # survived the restart; resumption skips verification)
    assert s_client(stock, "revocable", certs, tls, sess["stock"], "-sess_in") == \
        ("Reused", 200)


def test_resumed_session_still_serves_only_module_vhosts(httpd_factory, ccpki, tmp_path):
    from test_client_cert_fail_closed import SHARED_TLS, other_vhost
    glob = SHARED_TLS(ccpki).replace("    ", "")
    s = httpd_factory.start(pre_vhosts=glob, https_body="    HSTSClientCert require\n",
                            body=other_vhost(ccpki),
                            files={"htdocs/alice/index.html": "alice-only\n"},
                            allow_errors=EXPECTED_ERRORS)
    sess = tmp_path / "s.sess"
    assert s_client(s, "valid", ccpki, "1.3", sess, "-sess_out") == ("New", 200)
    r = s_client(s, "valid", ccpki, "1.3", sess, "-sess_in", host="other.hsts.test",
                 path="/alice/")
    assert r == ("Reused", 421), r


def test_certificate_that_expired_since_the_handshake(httpd_factory, pki, ccpki, tmp_path):
    """A certificate that expires while its session lives: mod_ssl alone resumes the
    session; the module does not (TLS 1.3 ticket: a full handshake instead, 495) or
    answers as a full handshake would (TLS 1.2 session cache: the session is resumed,
    the verdict is `expired`, 495, and the session is dropped from the cache).  This is
    also the test of the cache path: mod_ssl's session cache does not survive the
    graceful restart of the CRL test."""
    import time
    rpki = RevocablePKI(pki, tmp_path)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    lkey, csr = pki.csr("rev-short-" + uuid.uuid4().hex[:8], "/CN=client-short")
    short = tmp_path / "short.pem"
    rpki.ca.sign(csr, short, "basicConstraints = critical, CA:FALSE\n"
                 "extendedKeyUsage = clientAuth\n",
                 now - datetime.timedelta(days=1), now + datetime.timedelta(seconds=8))
    make_world_readable(pki.dir)
    certs = _Certs(rpki, ccpki)
    certs.certs["short"] = (short, lkey)
    conf = rpki.conf()
    allow = EXPECTED_ERRORS + (r"AH02039: Certificate Verification: Error",)
    require = "    HSTSClientCert require\n"
    servers = {
        "cache": httpd_factory.start(https_body=conf + "    SSLSessionTickets off\n" + require,
                                     allow_errors=allow),
        "tickets": httpd_factory.start(https_body=conf + require, allow_errors=allow),
        "stock": httpd_factory.start(with_module=False, https_body=conf, allow_errors=allow),
    }
    plan = [("stock", "1.2"), ("stock", "1.3"), ("cache", "1.2"), ("cache", "1.3"),
            ("tickets", "1.2"), ("tickets", "1.3")]
    sess = {}
    for name, tls in plan:
        sess[name, tls] = tmp_path / ("%s-%s.sess" % (name, tls))
        assert s_client(servers[name], "short", certs, tls, sess[name, tls], "-sess_out") == \
            ("New", 200)
    time.sleep(max(0.0, (now + datetime.timedelta(seconds=9)
                         - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))
    for name, tls in plan:
        s = servers[name]
        ids = []
        r = s_client(s, "short", certs, tls, sess[name, tls], "-sess_in", ids=ids)
        if name == "stock":
            assert r == ("Reused", 200), (name, tls, r)
            continue
        # the cache: resumed, then refused as a full handshake would; a ticket: not
        # resumed at all
        assert r == ("Reused" if name == "cache" else "New", 495), (name, tls, r)
        assert s.log_entry(ids[0])["client_cert"] == "expired"
        # and again (a child whose own OpenSSL cache still holds the session
        # resumes it once more, with the same answer)
        assert s_client(s, "short", certs, tls, sess[name, tls], "-sess_in")[1] == 495
