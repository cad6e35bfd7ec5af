/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_client_cert_tls.c: the TLS side of the mutual-TLS verdicts
 * (design.md section 6), as mod_ssl's ssl_engine_kernel.c / ssl_engine_io.c
 * hold its own: the verify callback, the verification after the handshake,
 * the connection filter that runs it.
 *
 * Why the verification moves behind the handshake. mod_ssl ends a connection
 * whose client certificate failed: its verify callback records the failure
 * in its own per-connection state (SSLConnRec verify_error, which no module
 * can reset), and right after SSL_accept it closes the connection when that
 * state or SSL_get_verify_result() says "failed" (ssl_io_filter_handshake;
 * only "optional_no_ca" with an unknown issuer passes). Letting mod_ssl's
 * callback fail during the handshake therefore always ends the connection,
 * and keeping its verdict in SSL_get_verify_result() alone is not enough
 * either: under TLS 1.2 mod_ssl's access hook resets it to X509_V_OK on every
 * request, just before it evaluates SSLRequire. So, on a vhost with
 * HSTSClientCert report|require in some scope:
 *
 *  1. During the handshake, OpenSSL does not verify the chain at all: the
 *     vhost's SSL_CTX gets cc_cert_verify_cb as its certificate verification
 *     (SSL_CTX_set_cert_verify_callback, from mod_ssl's init_server hook; it
 *     takes the place of X509_verify_cert, mod_ssl's callback is left as it
 *     is). It notes that verification is deferred and accepts; nothing made
 *     during the handshake (a session cache entry, a ticket) can be resumed
 *     without the verdict (point 4). The chain is verified once per
 *     handshake, as with mod_ssl alone: in step 2.
 *  2. Right after the handshake, before the first request is read (the
 *     HSTS_CLIENT_CERT_IN connection filter, just above mod_ssl's), the
 *     certificate is verified again exactly as OpenSSL does in the handshake
 *     (ssl_verify_cert_chain: same store, parameters, purpose, security
 *     level, peer chain), with mod_ssl's own verify callback. mod_ssl's checks
 *     (chain depth, CRL flags, OCSP, optional_no_ca's GENEROUS) run unchanged
 *     and record their verdict in mod_ssl's state as usual: SSL_CLIENT_VERIFY
 *     reads FAILED:<reason>, Require ssl-verify-client and SSLRequire deny.
 *  3. A failed certificate is never an identity: mod_ssl drops its copy of
 *     the certificate (SSLConnRec client_cert, which FakeBasicAuth turns into
 *     an Authorization header) only when its callback is told "not ok"; its
 *     depth check (SSLVerifyDepth) refuses a certificate OpenSSL accepted
 *     without doing so. Whenever mod_ssl's callback refuses a certificate that
 *     OpenSSL accepted, it is called once more with "not ok", so its failure
 *     path runs whatever the reason (cc_replay_cb). SSLUserName, which reads
 *     the certificate rather than the verdict, is handled per request
 *     (mod_hsts_client_cert_request.c).
 *
 *  4. Resumption keeps the verdict: mod_hsts_client_cert_sessions.c.
 *
 * The verdict (mod_ssl's SSL_CLIENT_* variables) is computed once, on the
 * connection that did the handshake, which is the master connection of
 * HTTP/2 streams. The module's conn_config slot holds the hsts_cc_conn_t.
 */
#include "mod_hsts_client_cert.h"

#include <http_protocol.h>
#include <http_ssl.h>
#include <apr_optional_hooks.h>
#include <apr_strings.h>

#include <mod_ssl_openssl.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#define CC_IN_FILTER "HSTS_CLIENT_CERT_IN"

/* ex_data indexes, kept in the process pool across restarts (the DSO is
 * reloaded, OpenSSL's index table is not). */
#define CC_INDEX_KEY "mod_hsts_audit.client-cert-ex-indexes"

/* Per SSL_CTX we wrapped: mod_ssl's callback. */
typedef struct {
    SSL_verify_cb modssl_cb;
} cc_ctx_t;

/* OpenSSL's ex_data indexes of this process (SSL: hsts_cc_conn_t, SSL_CTX:
 * cc_ctx_t), like mod_ssl's own; -1 until a vhost uses HSTSClientCert. */
static int cc_ssl_idx = -1;
static int cc_ctx_idx = -1;
static ap_filter_rec_t *cc_in_filter_handle;

hsts_cc_conn_t *hsts_cc_conn_of(conn_rec *c)
{
    while (c->master) {
        c = c->master;
    }
    return ap_get_module_config(c->conn_config, &hsts_audit_module);
}

static SSL *ssl_of(X509_STORE_CTX *xctx)
{
    return X509_STORE_CTX_get_ex_data(xctx, SSL_get_ex_data_X509_STORE_CTX_idx());
}

/* ---- during the handshake --------------------------------------------------- */

/* The certificate verification of wrapped vhosts during the handshake (see
 * the top of the file): none yet. */
static int cc_cert_verify_cb(X509_STORE_CTX *xctx, void *arg)
{
    SSL *ssl = ssl_of(xctx);
    const cc_ctx_t *cx = arg;
    hsts_cc_conn_t *st = ssl ? SSL_get_ex_data(ssl, cc_ssl_idx) : NULL;
    SSL_SESSION *sess = ssl ? SSL_get_session(ssl) : NULL;

    if (!st || st->done || !sess) {
        /* not a first handshake set up by cc_pre_handshake: OpenSSL's own
         * verification, with mod_ssl's callback, as without the module */
        return X509_verify_cert(xctx);
    }
    st->deferred = 1;
    st->modssl_cb = cx->modssl_cb;
    hsts_cc_session_pending(ssl, sess, st);
    X509_STORE_CTX_set_error(xctx, X509_V_OK);
    return 1;
}

SSL_verify_cb hsts_cc_modssl_cb(SSL_CTX *ctx)
{
    const cc_ctx_t *cx = cc_ctx_idx >= 0 ? SSL_CTX_get_ex_data(ctx, cc_ctx_idx) : NULL;

    return cx ? cx->modssl_cb : NULL;
}

/* ---- after the handshake ---------------------------------------------------- */

/* mod_ssl's callback in the verification after the handshake; keeps the
 * first certificate it rejected, and makes sure that mod_ssl's failure path
 * ran for it (point 3 at the top of the file). */
static int cc_replay_cb(int ok, X509_STORE_CTX *xctx)
{
    SSL *ssl = ssl_of(xctx);
    hsts_cc_conn_t *st = ssl ? SSL_get_ex_data(ssl, cc_ssl_idx) : NULL;
    int before = X509_STORE_CTX_get_error(xctx), after, rc;

    if (!st || !st->modssl_cb) {
        return 0;
    }
    if (!ok && !st->first_error) {
        st->first_error = before;
    }
    rc = st->modssl_cb(ok, xctx);
    if (rc) {
        return rc;
    }
    after = X509_STORE_CTX_get_error(xctx);
    if (ok) {
        /* mod_ssl refused what OpenSSL accepted: after its OCSP check (error
         * set, failure path run) or its depth check (ssl_callback_SSLVerify,
         * "Certificate Chain too long": no error, failure path not run). Call
         * it once more with "not ok", so that its failure path has run
         * whatever the reason. */
        if (after == X509_V_OK || after == -1) {
            after = X509_V_ERR_CERT_CHAIN_TOO_LONG;
        }
        X509_STORE_CTX_set_error(xctx, after);
        st->modssl_cb(0, xctx);
    }
    if (!st->rejected_error) {
        st->rejected_error = !ok && before != X509_V_OK ? before
                           : after != X509_V_OK && after != -1 ? after
                           : X509_V_ERR_UNSPECIFIED;
        st->rejected_depth = X509_STORE_CTX_get_error_depth(xctx);
    }
    if (X509_STORE_CTX_get_error(xctx) == X509_V_OK) {
        X509_STORE_CTX_set_error(xctx, st->rejected_error);
    }
    return 0;
}

static X509 *peer_certificate(SSL *ssl)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    return SSL_get1_peer_certificate(ssl);
#else
    return SSL_get_peer_certificate(ssl);
#endif
}

/* Verify the peer's certificate as OpenSSL's ssl_verify_cert_chain() does in
 * the handshake, with mod_ssl's callback (mod_hsts_client_cert.h). */
int hsts_cc_verify_after_handshake(hsts_cc_conn_t *st)
{
    SSL *ssl = st->ssl;
    X509 *leaf = peer_certificate(ssl);
    X509_STORE_CTX *xctx;
    int rc = -1;

    if (!leaf) {
        return 0;
    }
    ERR_set_mark();
    xctx = X509_STORE_CTX_new();
    if (xctx
        && X509_STORE_CTX_init(xctx, SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)), leaf,
                               SSL_get_peer_cert_chain(ssl))
        && X509_STORE_CTX_set_ex_data(xctx, SSL_get_ex_data_X509_STORE_CTX_idx(), ssl)) {
        X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(xctx);

        X509_VERIFY_PARAM_set_auth_level(param, SSL_get_security_level(ssl));
        X509_STORE_CTX_set_default(xctx, "ssl_client");
        X509_VERIFY_PARAM_set1(param, SSL_get0_param(ssl));
        X509_STORE_CTX_set_verify_cb(xctx, cc_replay_cb);
        rc = X509_verify_cert(xctx);
        SSL_set_verify_result(ssl, X509_STORE_CTX_get_error(xctx));
    }
    X509_STORE_CTX_free(xctx);
    X509_free(leaf);
    ERR_pop_to_mark();
    /* rc 0 always comes with mod_ssl's callback having said no */
    return rc < 0 || (rc == 0 && !st->rejected_error);
}

static const char *ssl_var(conn_rec *c, const char *name)
{
    const char *v = ap_ssl_var_lookup(c->pool, c->base_server, c, NULL, name);

    return v && *v ? v : NULL;
}

static apr_status_t after_handshake(conn_rec *c, hsts_cc_conn_t *st)
{
    hsts_cc_sessions_t *table = hsts_srv_conf_of(c->base_server)->cc_sessions;

    if (st->deferred ? hsts_cc_verify_after_handshake(st)
                     : hsts_cc_after_resumption(st, table)) {
        ap_log_cerror(APLOG_MARK, APLOG_ERR, 0, c, HSTSLOGNO(00036)
                      "mod_hsts_audit: the client certificate could not be verified "
                      "after the handshake (out of memory?): closing the connection");
        return APR_EGENERAL;
    }
    st->verify = ssl_var(c, "SSL_CLIENT_VERIFY");
    st->subject = ssl_var(c, "SSL_CLIENT_S_DN");
    st->issuer = ssl_var(c, "SSL_CLIENT_I_DN");
    st->not_before = ssl_var(c, "SSL_CLIENT_V_START");
    st->not_after = ssl_var(c, "SSL_CLIENT_V_END");
    st->remain = ssl_var(c, "SSL_CLIENT_V_REMAIN");
    st->reason = hsts_cc_verdict(st->verify, st->rejected_error, st->first_error);
    st->done = 1;
    if (st->deferred && !st->resumed) {
        hsts_cc_session_settled(st, table);
    }
    if (st->deferred) {
        ap_log_cerror(APLOG_MARK, APLOG_DEBUG, 0, c,
                      "mod_hsts_audit: client certificate verified after the %s: %s "
                      "(mod_ssl rejected %d at depth %d, SSL_CLIENT_VERIFY %s)",
                      st->resumed ? "resumption" : "handshake",
                      hsts_cc_reason_name(st->reason), st->rejected_error,
                      st->rejected_depth, st->verify ? st->verify : "-");
    }
    return APR_SUCCESS;
}

/* ---- the connection --------------------------------------------------------- */

static int cc_pre_handshake(conn_rec *c, SSL *ssl, int is_proxy)
{
    const hsts_srv_conf *sc = hsts_srv_conf_of(c->base_server);
    hsts_cc_conn_t *st;

    if (is_proxy || !sc || !sc->cc_any || cc_ssl_idx < 0) {
        return OK;
    }
    st = apr_pcalloc(c->pool, sizeof(*st));
    st->ssl = ssl;
    st->reason = HSTS_CC_UNCHECKED;
    SSL_set_ex_data(ssl, cc_ssl_idx, st);
    ap_set_module_config(c->conn_config, &hsts_audit_module, st);
    ap_add_input_filter_handle(cc_in_filter_handle, st, NULL, c);
    return OK;
}

/* Just above mod_ssl's input filter: the first read that finds the handshake
 * done (mod_ssl has then accepted the connection) runs after_handshake(). */
static apr_status_t cc_in_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                 ap_input_mode_t mode, apr_read_type_e block,
                                 apr_off_t readbytes)
{
    hsts_cc_conn_t *st = f->ctx;
    apr_status_t rv = ap_get_brigade(f->next, bb, mode, block, readbytes);

    if (rv != APR_SUCCESS && !APR_STATUS_IS_EAGAIN(rv)) {
        return rv;
    }
    if (!ap_ssl_conn_is_ssl(f->c)) {
        /* mod_ssl gave up TLS on this connection (plain HTTP on a TLS port) */
        ap_remove_input_filter(f);
        return rv;
    }
    if (!SSL_is_init_finished(st->ssl)) {
        return rv;
    }
    ap_remove_input_filter(f);
    return after_handshake(f->c, st) == APR_SUCCESS ? rv : APR_ECONNABORTED;
}

/* ---- startup ---------------------------------------------------------------- */

void hsts_cc_tls_init(server_rec *s_main)
{
    apr_pool_t *pproc = s_main->process->pool;
    int *idx = NULL;

    apr_pool_userdata_get((void **)&idx, CC_INDEX_KEY, pproc);
    if (!idx) {
        /* no free callbacks: OpenSSL would keep calling into an unloaded DSO */
        idx = apr_palloc(pproc, 2 * sizeof(*idx));
        idx[0] = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
        idx[1] = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
        apr_pool_userdata_set(idx, CC_INDEX_KEY, apr_pool_cleanup_null, pproc);
    }
    cc_ssl_idx = idx[0];
    cc_ctx_idx = idx[1];
}

int hsts_client_cert_init_server(server_rec *s, apr_pool_t *p, SSL_CTX *ssl_ctx)
{
    const hsts_srv_conf *sc = hsts_srv_conf_of(s);
    SSL_verify_cb cb;
    cc_ctx_t *cx;
    int mode;

    if (!sc || !sc->cc_any || cc_ctx_idx < 0) {
        return OK;
    }
    /* every TLS vhost: a connection may start on it and resume a session of
     * a wrapped vhost (OpenSSL asks the first SSL_CTX about tickets) */
    hsts_cc_sessions_ctx(ssl_ctx, sc->cc_sessions);
    if (sc->cc_use == HSTS_CLIENT_CERT_OFF || SSL_CTX_get_ex_data(ssl_ctx, cc_ctx_idx)) {
        return OK;
    }
    cb = SSL_CTX_get_verify_callback(ssl_ctx);
    mode = SSL_CTX_get_verify_mode(ssl_ctx);
    if (!cb || !(mode & SSL_VERIFY_PEER) || (mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, HSTSLOGNO(00035)
                     "mod_hsts_audit: HSTSClientCert report/require on virtual host %s, "
                     "but mod_ssl does not ask for an optional client certificate there "
                     "(verify mode %d): set SSLVerifyClient optional (or optional_no_ca) in "
                     "the <VirtualHost>", hsts_vhost_label(p, s), mode);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    cx = apr_pcalloc(p, sizeof(*cx));
    cx->modssl_cb = cb;
    SSL_CTX_set_ex_data(ssl_ctx, cc_ctx_idx, cx);
    SSL_CTX_set_cert_verify_callback(ssl_ctx, cc_cert_verify_cb, cx);
    return OK;
}

void hsts_cc_tls_register_hooks(apr_pool_t *p)
{
    (void)p;
    APR_OPTIONAL_HOOK(ssl, pre_handshake, cc_pre_handshake, NULL, NULL, APR_HOOK_MIDDLE);
    cc_in_filter_handle = ap_register_input_filter(CC_IN_FILTER, cc_in_filter, NULL,
                                                   AP_FTYPE_CONNECTION + 4);
}
