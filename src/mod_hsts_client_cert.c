/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_client_cert.c: mutual-TLS verdicts, nginx-style 495/496
 * (design.md section 6). The core (reasons, page, directive values) is
 * src/client_cert.c; this is the httpd and mod_ssl glue.
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
 *  1. During the handshake, cc_verify_cb (installed on the vhost's SSL_CTX
 *     from mod_ssl's init_server hook, in place of mod_ssl's callback) lets
 *     OpenSSL's chain, CRL and time checks run, notes that verification is
 *     deferred, clears OpenSSL's error and accepts; the session is bound to
 *     an id context of its own so that it can never be resumed (a resumed
 *     session skips verification).
 *  2. Right after the handshake, before the first request is read (the
 *     HSTS_CLIENT_CERT_IN connection filter, just above mod_ssl's), the
 *     certificate is verified again exactly as OpenSSL does in the handshake
 *     (ssl_verify_cert_chain: same store, parameters, purpose, security
 *     level, peer chain), with mod_ssl's own verify callback. mod_ssl's checks
 *     (chain depth, CRL flags, OCSP, optional_no_ca's GENEROUS) run unchanged
 *     and record their verdict in mod_ssl's state as usual: SSL_CLIENT_VERIFY
 *     reads FAILED:<reason>, Require ssl-verify-client and SSLRequire deny,
 *     FakeBasicAuth sees no certificate. The first certificate mod_ssl
 *     rejected (error and depth) is kept here, per connection; the verdict
 *     (mod_ssl's SSL_CLIENT_* variables) is computed once, on the connection
 *     that did the handshake, which is the master connection of HTTP/2
 *     streams.
 *  3. Per request (post_perdir_config: after the final per-directory merge,
 *     before access control, authentication, authorisation and any handler;
 *     it also runs for sub-requests and internal redirects, which
 *     header_parser does not, and unlike an access_checker it cannot be
 *     bypassed by "Satisfy Any"), the note is set and HSTSClientCert decides:
 *     require answers 495/496 through ap_die, so ErrorDocument handling, the
 *     error filters and this module's STS filter all run; report logs and
 *     counts.
 *  4. mod_ssl's SSLUserName would still name a user after a failed
 *     certificate (it reads the certificate, not the verdict): a check_access
 *     hook right after mod_ssl's takes that user away again.
 *
 * Per-directory SSLVerifyClient/SSLVerifyDepth (renegotiation in TLS 1.2,
 * post-handshake authentication in TLS 1.3) replace the callback on the
 * connection with mod_ssl's own; the configuration check refuses them on such
 * vhosts (HSTS00034), and SSLVerifyClient must be optional or optional_no_ca
 * for the whole vhost (HSTS00033).
 *
 * The module's conn_config slot holds this file's cc_conn_t.
 */
#include "mod_hsts_private.h"

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <http_ssl.h>
#include <mod_core.h>
#include <util_cfgtree.h>
#include <apr_optional_hooks.h>
#include <apr_strings.h>

#include <mod_ssl_openssl.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "hsts_client_cert.h"

#define CC_NOTE "hsts-audit-client-cert"
/* Internal notes: this request was refused / which body it got. */
#define CC_REJECTED_NOTE "hsts-audit-client-cert-refused"
#define CC_BODY_NOTE "hsts-audit-client-cert-body"

#define CC_IN_FILTER "HSTS_CLIENT_CERT_IN"
#define CC_TYPE_FILTER "HSTS_CLIENT_CERT_TYPE"

/* The session id context of sessions whose client certificate was verified
 * after the handshake: never that of a vhost, so never resumed. At most
 * SSL_MAX_SID_CTX_LENGTH (32) bytes. */
#define CC_SID_CTX "mod_hsts_audit:no-resumption"

/* ex_data indexes, kept in the process pool across restarts (the DSO is
 * reloaded, OpenSSL's index table is not). */
#define CC_INDEX_KEY "mod_hsts_audit.client-cert-ex-indexes"

/* Bytes of request and certificate data per error-log item (see
 * mod_hsts_filter.c: httpd escapes the line itself). */
#define LOG_ITEM_MAX 100

/* ---- state ----------------------------------------------------------------- */

/* Per vhost (server_rec) using HSTSClientCert report|require in some scope;
 * built in check_config, read-only afterwards. */
typedef struct {
    int used;
} cc_vhost_t;

/* Per SSL_CTX we wrapped: mod_ssl's callback. */
typedef struct {
    SSL_verify_cb modssl_cb;
} cc_ctx_t;

/* Per TLS connection (the master connection for HTTP/2). Written only by the
 * thread that does the handshake, before the first request; read-only after. */
typedef struct {
    SSL *ssl;                    /* mod_ssl's, valid while ap_ssl_conn_is_ssl() */
    SSL_verify_cb modssl_cb;     /* mod_ssl's callback of the vhost that verified */
    int deferred;                /* a certificate was presented on a wrapped vhost */
    int hs_error, hs_depth;      /* OpenSSL's first error during the handshake */
    int done;                    /* the after-handshake step ran */
    int first_error;             /* first X509_V_ERR_* after the handshake, 0: none */
    int rejected_error;          /* X509_V_ERR_* mod_ssl's callback rejected, 0: none */
    int rejected_depth;
    hsts_cc_reason_e reason;     /* the verdict */
    const char *verify, *subject, *issuer, *not_before, *not_after, *remain;
} cc_conn_t;

static apr_hash_t *cc_vhosts;    /* server_rec * -> cc_vhost_t, this generation */
static int cc_any;               /* some vhost uses HSTSClientCert */
static int cc_ssl_idx = -1;      /* SSL ex_data: cc_conn_t */
static int cc_ctx_idx = -1;      /* SSL_CTX ex_data: cc_ctx_t */
static SSL_verify_cb cc_fallback_cb;   /* mod_ssl's callback, should a CTX lack ours */
static ap_filter_rec_t *cc_in_filter_handle;
static ap_filter_rec_t *cc_type_filter_handle;

static const cc_vhost_t *vhost_of(const server_rec *s)
{
    return cc_vhosts ? apr_hash_get(cc_vhosts, &s, sizeof(s)) : NULL;
}

static cc_conn_t *conn_state(conn_rec *c)
{
    while (c->master) {
        c = c->master;
    }
    return ap_get_module_config(c->conn_config, &hsts_audit_module);
}

static const char *log_clip(apr_pool_t *p, const char *s)
{
    if (!s || !*s) {
        return "-";
    }
    if (strlen(s) > LOG_ITEM_MAX) {
        return apr_pstrcat(p, apr_pstrmemdup(p, s, LOG_ITEM_MAX), "...", NULL);
    }
    return s;
}

static apr_port_t vhost_port(const server_rec *s)
{
    return s->addrs && s->addrs->host_port ? s->addrs->host_port : s->port;
}

/* ---- OpenSSL side ---------------------------------------------------------- */

static SSL *ssl_of(X509_STORE_CTX *xctx)
{
    return X509_STORE_CTX_get_ex_data(xctx, SSL_get_ex_data_X509_STORE_CTX_idx());
}

/* The verify callback of wrapped vhosts during the handshake (see the top of
 * the file): accept, verify again after the handshake. */
static int cc_verify_cb(int ok, X509_STORE_CTX *xctx)
{
    SSL *ssl = ssl_of(xctx);
    const cc_ctx_t *cx = ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), cc_ctx_idx) : NULL;
    cc_conn_t *st = ssl ? SSL_get_ex_data(ssl, cc_ssl_idx) : NULL;
    SSL_verify_cb modssl_cb = cx ? cx->modssl_cb : cc_fallback_cb;

    if (!st || st->done || !modssl_cb) {
        /* not a connection set up by cc_pre_handshake: mod_ssl's behaviour */
        return modssl_cb ? modssl_cb(ok, xctx) : ok;
    }
    if (!st->deferred) {
        SSL_SESSION *sess = SSL_get_session(ssl);

        st->deferred = 1;
        st->modssl_cb = modssl_cb;
        if (sess) {
            SSL_SESSION_set1_id_context(sess, (const unsigned char *)CC_SID_CTX,
                                        sizeof(CC_SID_CTX) - 1);
        }
    }
    if (!ok) {
        if (!st->hs_error) {
            st->hs_error = X509_STORE_CTX_get_error(xctx);
            st->hs_depth = X509_STORE_CTX_get_error_depth(xctx);
        }
        X509_STORE_CTX_set_error(xctx, X509_V_OK);
    }
    return 1;
}

/* mod_ssl's callback in the verification after the handshake; keeps the
 * first certificate it rejected. */
static int cc_replay_cb(int ok, X509_STORE_CTX *xctx)
{
    SSL *ssl = ssl_of(xctx);
    cc_conn_t *st = ssl ? SSL_get_ex_data(ssl, cc_ssl_idx) : NULL;
    int before = X509_STORE_CTX_get_error(xctx), after, rc;

    if (!st || !st->modssl_cb) {
        return 0;
    }
    if (!ok && !st->first_error) {
        st->first_error = before;
    }
    rc = st->modssl_cb(ok, xctx);
    if (!rc && !st->rejected_error) {
        after = X509_STORE_CTX_get_error(xctx);
        st->rejected_error = !ok && before != X509_V_OK ? before
                           : after != X509_V_OK && after != -1 ? after
                           : X509_V_ERR_UNSPECIFIED;  /* e.g. SSLVerifyDepth */
        st->rejected_depth = X509_STORE_CTX_get_error_depth(xctx);
        if (after == X509_V_OK) {
            X509_STORE_CTX_set_error(xctx, st->rejected_error);
        }
    }
    return rc;
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
 * the handshake, with mod_ssl's callback. Nonzero when that could not be done
 * (the connection must then end: mod_ssl's state would say nothing). */
static int verify_after_handshake(cc_conn_t *st)
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

static apr_status_t after_handshake(conn_rec *c, cc_conn_t *st)
{
    if (st->deferred && verify_after_handshake(st)) {
        ap_log_cerror(APLOG_MARK, APLOG_ERR, 0, c, HSTSLOGNO(00036)
                      "mod_hsts_audit: the client certificate could not be verified "
                      "after the handshake (out of memory?): closing the connection");
        return APR_EGENERAL;
    }
    st->done = 1;
    st->verify = ssl_var(c, "SSL_CLIENT_VERIFY");
    st->subject = ssl_var(c, "SSL_CLIENT_S_DN");
    st->issuer = ssl_var(c, "SSL_CLIENT_I_DN");
    st->not_before = ssl_var(c, "SSL_CLIENT_V_START");
    st->not_after = ssl_var(c, "SSL_CLIENT_V_END");
    st->remain = ssl_var(c, "SSL_CLIENT_V_REMAIN");
    st->reason = hsts_cc_verdict(st->verify, st->rejected_error, st->first_error);
    if (st->deferred) {
        ap_log_cerror(APLOG_MARK, APLOG_DEBUG, 0, c,
                      "mod_hsts_audit: client certificate verified after the handshake: "
                      "%s (handshake error %d at depth %d, mod_ssl rejected %d at depth %d, "
                      "SSL_CLIENT_VERIFY %s)", hsts_cc_reason_name(st->reason),
                      st->hs_error, st->hs_depth, st->rejected_error, st->rejected_depth,
                      st->verify ? st->verify : "-");
    }
    return APR_SUCCESS;
}

/* ---- connection ------------------------------------------------------------ */

static int cc_pre_handshake(conn_rec *c, SSL *ssl, int is_proxy)
{
    cc_conn_t *st;

    if (is_proxy || !cc_any || cc_ssl_idx < 0) {
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
    cc_conn_t *st = f->ctx;
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

/* ---- request --------------------------------------------------------------- */

/* This request answers one this module refused (its ErrorDocument, or a
 * sub-request of that): not judged again. */
static int answering_refusal(const request_rec *r)
{
    for (; r; r = r->main ? r->main : r->prev) {
        if (apr_table_get(r->notes, CC_REJECTED_NOTE)) {
            return 1;
        }
    }
    return 0;
}

static void log_verdict(request_rec *r, const hsts_srv_conf *sc, const cc_conn_t *st,
                        hsts_finding_e finding, int status, int mode, apr_time_t now)
{
    const hsts_finding_info_t *info = hsts_finding_info(finding);
    const char *what;

    if (!hsts_stats_may_log(sc->rt->stats, sc->vhost_index, finding, now)) {
        return;
    }
    if (finding == HSTS_F_CLIENT_CERT_EXPIRING_SOON) {
        what = apr_psprintf(r->pool, "accepted, %s days left (HSTSCertWarnDays %d)",
                            st->remain ? st->remain : "?", hsts_srv_cert_warn_days(sc));
    }
    else if (status) {
        what = apr_psprintf(r->pool, "refused with %d", status);
    }
    else {
        what = apr_psprintf(r->pool, "HSTSClientCert %s: the request goes on",
                            hsts_client_cert_mode_name(mode));
    }
    ap_log_rerror(APLOG_MARK,
                  info->severity == HSTS_SEVERITY_ERROR ? APLOG_ERR : APLOG_WARNING, 0, r,
                  "%s%s: %s, %s (vhost %s, host %s, path %s, subject '%s', issuer '%s', "
                  "SSL_CLIENT_VERIFY '%s'). Fix: %s. (logged once per minute per vhost "
                  "and finding)",
                  status ? HSTSLOGNO(00030)
                  : finding == HSTS_F_CLIENT_CERT_EXPIRING_SOON ? HSTSLOGNO(00032)
                  : HSTSLOGNO(00031),
                  info->code, info->summary, what, sc->name,
                  log_clip(r->pool, r->hostname), log_clip(r->pool, r->uri),
                  log_clip(r->pool, st->subject), log_clip(r->pool, st->issuer),
                  log_clip(r->pool, st->verify), info->fix);
}

/* Counters, findings, the ring of recent findings and the log: status is
 * the status sent (a refusal), or 0. */
static void record(request_rec *r, const cc_conn_t *st, hsts_findings_t findings,
                   int status, int mode)
{
    const hsts_srv_conf *sc = hsts_srv_conf_of(r->server);
    apr_time_t now;
    int i;

    if (!sc || !sc->rt) {
        return;
    }
    if (status) {
        hsts_stats_count(sc->rt->stats, sc->vhost_index,
                         st->reason == HSTS_CC_MISSING ? HSTS_C_CLIENT_CERT_REJECTED_496
                                                       : HSTS_C_CLIENT_CERT_REJECTED_495);
    }
    if (!findings) {
        return;
    }
    now = apr_time_now();
    hsts_stats_count_findings(sc->rt->stats, sc->vhost_index, findings);
    hsts_stats_ring_add(sc->rt->stats, sc->vhost_index, now, findings, r->hostname, r->uri);
    for (i = 0; i < HSTS_F_COUNT; i++) {
        if (findings & HSTS_FINDING_BIT(i)) {
            log_verdict(r, sc, st, (hsts_finding_e)i, status, mode, now);
        }
    }
}

static int refuse(request_rec *r, const cc_conn_t *st, const hsts_dir_conf *dc,
                  hsts_findings_t findings)
{
    int missing = st->reason == HSTS_CC_MISSING;
    int status = missing
        ? (dc->client_cert_status_missing != HSTS_UNSET ? dc->client_cert_status_missing
                                                        : HSTS_CLIENT_CERT_STATUS_MISSING)
        : (dc->client_cert_status_error != HSTS_UNSET ? dc->client_cert_status_error
                                                      : HSTS_CLIENT_CERT_STATUS_ERROR);
    /* httpd maps statuses it has no reason phrase for to its 500 entry */
    int unknown = ap_index_of_response(status)
                  == ap_index_of_response(HTTP_INTERNAL_SERVER_ERROR);

    apr_table_setn(r->notes, CC_REJECTED_NOTE, "1");
    if (r->main) {
        return status;          /* a sub-request: no response of its own */
    }
    if (unknown) {
        r->status_line = apr_psprintf(r->pool, "%d %s", status,
                                      hsts_cc_reason_phrase(missing));
    }
    /* The module's page, unless an ErrorDocument for a status httpd knows
     * says otherwise (HSTSClientCertStatus 403 403 with ErrorDocument 403). */
    if (unknown || !ap_response_code_string(r, ap_index_of_response(status))) {
        hsts_cc_page_t page;
        int html = hsts_cc_accepts_html(apr_table_get(r->headers_in, "Accept"));

        page.reason = st->reason;
        page.status_line = unknown ? r->status_line : ap_get_status_line(status);
        page.subject = st->subject;
        page.issuer = st->issuer;
        page.not_before = st->not_before;
        page.not_after = st->not_after;
        page.verify = st->verify;
        ap_custom_response(r, status, hsts_cc_render_body(r->pool, &page, html));
        apr_table_setn(r->notes, CC_BODY_NOTE, html ? "html" : "text");
    }
    record(r, st, findings, status, HSTS_CLIENT_CERT_REQUIRE);
    return status;
}

static int cc_post_perdir_config(request_rec *r)
{
    const cc_conn_t *st;
    const hsts_dir_conf *dc;
    hsts_findings_t findings = 0;
    hsts_finding_e finding;
    int mode;

    if (!cc_any || !vhost_of(r->server) || !ap_ssl_conn_is_ssl(r->connection)) {
        return DECLINED;        /* plain HTTP: not checked ("-") */
    }
    dc = ap_get_module_config(r->per_dir_config, &hsts_audit_module);
    mode = dc && dc->client_cert != HSTS_UNSET ? dc->client_cert : HSTS_CLIENT_CERT_OFF;
    st = conn_state(r->connection);
    if (!st || !st->done || st->reason == HSTS_CC_UNCHECKED) {
        /* Not expected: mod_ssl runs pre_handshake on every TLS connection and
         * the verdict is in place before the first request. Fail closed. */
        if (mode != HSTS_CLIENT_CERT_REQUIRE || answering_refusal(r)) {
            return DECLINED;
        }
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, HSTSLOGNO(00038)
                      "mod_hsts_audit: no client-certificate verdict for this TLS "
                      "connection: refusing the request (HSTSClientCert require)");
        apr_table_setn(r->notes, CC_REJECTED_NOTE, "1");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_table_setn(r->notes, CC_NOTE, hsts_cc_reason_name(st->reason));
    if (answering_refusal(r) || mode == HSTS_CLIENT_CERT_OFF) {
        return DECLINED;
    }
    finding = hsts_cc_reason_finding(st->reason);
    if (finding != HSTS_F_COUNT) {
        findings |= HSTS_FINDING_BIT(finding);
    }
    else if (st->reason == HSTS_CC_OK
             && hsts_cc_expiring_soon(st->remain,
                                      hsts_srv_cert_warn_days(hsts_srv_conf_of(r->server)))) {
        findings |= HSTS_FINDING_BIT(HSTS_F_CLIENT_CERT_EXPIRING_SOON);
    }
    if (mode == HSTS_CLIENT_CERT_REQUIRE && hsts_cc_reason_refused(st->reason)) {
        return refuse(r, st, dc, findings);
    }
    if (!r->main && !r->prev) {
        record(r, st, findings, 0, mode);
    }
    return DECLINED;
}

/* Right after mod_ssl's access hook, which sets r->user from SSLUserName:
 * a certificate that failed verification names nobody. */
static int cc_check_access(request_rec *r)
{
    const cc_conn_t *st;

    if (!cc_any || !r->user) {
        return DECLINED;
    }
    st = conn_state(r->connection);
    if (!st || !st->rejected_error) {
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, HSTSLOGNO(00037)
                  "mod_hsts_audit: ignoring user '%s' (SSLUserName): the client "
                  "certificate failed verification (%s)", log_clip(r->pool, r->user),
                  log_clip(r->pool, st->verify));
    r->user = NULL;
    return DECLINED;
}

/* The error response of a refusal: UTF-8, HTML or text as rendered (httpd
 * labels every error page text/html; charset=iso-8859-1). */
static void cc_insert_error_filter(request_rec *r)
{
    if (apr_table_get(r->notes, CC_BODY_NOTE)) {
        ap_add_output_filter_handle(cc_type_filter_handle, NULL, r, r->connection);
    }
}

static apr_status_t cc_type_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    const char *kind = apr_table_get(f->r->notes, CC_BODY_NOTE);

    ap_remove_output_filter(f);
    if (kind) {
        ap_set_content_type(f->r, !strcmp(kind, "html") ? "text/html; charset=utf-8"
                                                        : "text/plain; charset=utf-8");
    }
    return ap_pass_brigade(f->next, bb);
}

/* ---- configuration --------------------------------------------------------- */

static int conf_uses(ap_conf_vector_t *v)
{
    const hsts_dir_conf *dc = v ? ap_get_module_config(v, &hsts_audit_module) : NULL;

    return dc && (dc->client_cert == HSTS_CLIENT_CERT_REPORT
                  || dc->client_cert == HSTS_CLIENT_CERT_REQUIRE);
}

static int sections_use(apr_array_header_t *sections);

static int nested_use(ap_conf_vector_t *v)
{
    core_dir_config *cd = v ? ap_get_core_module_config(v) : NULL;

    return cd && (sections_use(cd->sec_file) || sections_use(cd->sec_if));
}

static int sections_use(apr_array_header_t *sections)
{
    int i;

    for (i = 0; sections && i < sections->nelts; i++) {
        ap_conf_vector_t *v = APR_ARRAY_IDX(sections, i, ap_conf_vector_t *);

        if (conf_uses(v) || nested_use(v)) {
            return 1;
        }
    }
    return 0;
}

/* HSTSClientCert report|require in any scope of s (its own, inherited from
 * the main server, or in a section that applies to it). */
static int server_uses(server_rec *s)
{
    core_server_config *core = ap_get_core_module_config(s->module_config);

    return conf_uses(s->lookup_defaults) || nested_use(s->lookup_defaults)
        || sections_use(core->sec_dir) || sections_use(core->sec_url);
}

/* mod_ssl's settings of one level (the server config, or one <VirtualHost>),
 * read from the configuration tree: mod_ssl's own records are private. */
typedef struct {
    const ap_directive_t *verify;    /* the last SSLVerifyClient of the level */
    const ap_directive_t *engine;    /* the last SSLEngine of the level */
    const ap_directive_t *nested;    /* SSLVerifyClient/-Depth in a section of it */
} ssl_level_t;

static int is_directive(const ap_directive_t *d, const char *name)
{
    return !strcasecmp(d->directive, name);
}

static const ap_directive_t *find_per_dir_verify(const ap_directive_t *d)
{
    for (; d; d = d->next) {
        if (is_directive(d, "SSLVerifyClient") || is_directive(d, "SSLVerifyDepth")) {
            return d;
        }
        if (d->first_child) {
            const ap_directive_t *n = find_per_dir_verify(d->first_child);

            if (n) {
                return n;
            }
        }
    }
    return NULL;
}

static void scan_level(const ap_directive_t *d, ssl_level_t *out, int top)
{
    memset(out, 0, sizeof(*out));
    for (; d; d = d->next) {
        if (is_directive(d, "SSLVerifyClient")) {
            out->verify = d;
        }
        else if (is_directive(d, "SSLEngine")) {
            out->engine = d;
        }
        else if (d->first_child && !out->nested
                 && !(top && is_directive(d, "<VirtualHost"))) {
            out->nested = find_per_dir_verify(d->first_child);
        }
    }
}

static const ap_directive_t *vhost_node(const server_rec *s)
{
    const ap_directive_t *d;

    for (d = ap_conftree; d; d = d->next) {
        if (is_directive(d, "<VirtualHost") && d->line_num == (int)s->defn_line_number
            && d->filename && s->defn_name && !strcmp(d->filename, s->defn_name)) {
            return d;
        }
    }
    return NULL;
}

static const char *first_word(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d && d->args ? d->args : "";

    return ap_getword_conf(p, &args);
}

/* SSLVerifyClient must be optional or optional_no_ca for the whole vhost,
 * and not set per directory, where HSTSClientCert report|require is used. */
static int check_ssl_settings(apr_pool_t *ptemp, server_rec *s_main, server_rec *s,
                              const ssl_level_t *global)
{
    ssl_level_t own;
    const ssl_level_t *level = global;
    const ap_directive_t *engine, *verify, *nested, *node;
    const char *mode;

    if (s != s_main && (node = vhost_node(s)) != NULL) {
        scan_level(node->first_child, &own, 0);
        level = &own;
    }
    engine = level->engine ? level->engine : global->engine;
    if (!engine || !strcasecmp(first_word(ptemp, engine), "off")) {
        return 0;               /* no TLS here: nothing to verify */
    }
    verify = level->verify ? level->verify : global->verify;
    mode = verify ? first_word(ptemp, verify) : "none";
    if (strcasecmp(mode, "optional") && strcasecmp(mode, "optional_no_ca")) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL, HSTSLOGNO(00033)
                     "mod_hsts_audit: HSTSClientCert report/require on virtual host %s:%u "
                     "needs SSLVerifyClient optional (or optional_no_ca) for the whole "
                     "virtual host, but it has %s. With SSLVerifyClient require, mod_ssl "
                     "ends the TLS handshake of a client that sends no certificate before "
                     "any HTTP response (no 496 page); without it, no certificate is asked "
                     "for. Set SSLVerifyClient optional in the <VirtualHost>, or "
                     "HSTSClientCert off there.",
                     s->server_hostname ? s->server_hostname : "*", (unsigned)vhost_port(s),
                     verify ? apr_psprintf(ptemp, "'SSLVerifyClient %s' (%s:%d)", verify->args,
                                           verify->filename, verify->line_num)
                            : "no SSLVerifyClient");
        return 1;
    }
    nested = level->nested ? level->nested : level != global ? global->nested : NULL;
    if (nested) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL, HSTSLOGNO(00034)
                     "mod_hsts_audit: '%s %s' in a per-directory section (%s:%d) cannot be "
                     "combined with HSTSClientCert report/require on virtual host %s:%u: "
                     "per-directory client verification makes mod_ssl renegotiate (TLS 1.2) "
                     "or use post-handshake authentication (TLS 1.3) and verify the "
                     "certificate itself, so a failed certificate would not get its 495 "
                     "page. Set "
                     "SSLVerifyClient optional (and SSLVerifyDepth) once for the virtual "
                     "host, and use HSTSClientCert require/off per directory.",
                     nested->directive, nested->args, nested->filename, nested->line_num,
                     s->server_hostname ? s->server_hostname : "*", (unsigned)vhost_port(s));
        return 1;
    }
    return 0;
}

static void ex_indexes(server_rec *s)
{
    apr_pool_t *pproc = s->process->pool;
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

static apr_status_t reset_generation(void *data)
{
    (void)data;
    cc_vhosts = NULL;
    cc_any = 0;
    return APR_SUCCESS;
}

static int cc_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                           server_rec *s_main)
{
    static const cc_vhost_t used = { 1 };
    ssl_level_t global;
    server_rec *s;

    (void)plog;
    cc_vhosts = apr_hash_make(pconf);
    cc_any = 0;
    apr_pool_cleanup_register(pconf, NULL, reset_generation, apr_pool_cleanup_null);
    for (s = s_main; s; s = s->next) {
        if (server_uses(s)) {
            server_rec **key = apr_palloc(pconf, sizeof(*key));

            *key = s;
            apr_hash_set(cc_vhosts, key, sizeof(*key), &used);
            cc_any = 1;
        }
    }
    if (!cc_any) {
        return OK;
    }
    ex_indexes(s_main);
    scan_level(ap_conftree, &global, 1);
    for (s = s_main; s; s = s->next) {
        if (vhost_of(s) && check_ssl_settings(ptemp, s_main, s, &global)) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

int hsts_client_cert_init_server(server_rec *s, apr_pool_t *p, SSL_CTX *ssl_ctx)
{
    SSL_verify_cb cb;
    cc_ctx_t *cx;
    int mode;

    if (!cc_any || !vhost_of(s) || cc_ctx_idx < 0) {
        return OK;
    }
    cb = SSL_CTX_get_verify_callback(ssl_ctx);
    if (cb == cc_verify_cb) {
        return OK;
    }
    mode = SSL_CTX_get_verify_mode(ssl_ctx);
    if (!cb || !(mode & SSL_VERIFY_PEER) || (mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, HSTSLOGNO(00035)
                     "mod_hsts_audit: HSTSClientCert report/require on virtual host %s:%u, "
                     "but mod_ssl does not ask for an optional client certificate there "
                     "(verify mode %d): set SSLVerifyClient optional (or optional_no_ca) in "
                     "the <VirtualHost>", s->server_hostname ? s->server_hostname : "*",
                     (unsigned)vhost_port(s), mode);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    cx = apr_pcalloc(p, sizeof(*cx));
    cx->modssl_cb = cb;
    cc_fallback_cb = cb;
    SSL_CTX_set_ex_data(ssl_ctx, cc_ctx_idx, cx);
    SSL_CTX_set_verify(ssl_ctx, mode, cc_verify_cb);
    return OK;
}

void hsts_client_cert_register_hooks(apr_pool_t *p)
{
    static const char *const after_ssl[] = { "mod_ssl.c", NULL };

    (void)p;
    ap_hook_check_config(cc_check_config, NULL, NULL, APR_HOOK_LAST);
    APR_OPTIONAL_HOOK(ssl, pre_handshake, cc_pre_handshake, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_perdir_config(cc_post_perdir_config, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_check_access(cc_check_access, after_ssl, NULL, APR_HOOK_MIDDLE,
                         AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_insert_error_filter(cc_insert_error_filter, NULL, NULL, APR_HOOK_MIDDLE);
    cc_in_filter_handle = ap_register_input_filter(CC_IN_FILTER, cc_in_filter, NULL,
                                                   AP_FTYPE_CONNECTION + 4);
    cc_type_filter_handle = ap_register_output_filter(CC_TYPE_FILTER, cc_type_filter, NULL,
                                                      AP_FTYPE_CONTENT_SET);
}
