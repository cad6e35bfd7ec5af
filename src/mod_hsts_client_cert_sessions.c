/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_client_cert_sessions.c: TLS session resumption that keeps the
 * module's verdict (design.md section 6, performance; point 4 at the top of
 * mod_hsts_client_cert_tls.c), as mod_ssl keeps its session cache in
 * ssl_scache.c.
 *
 * The verdict exists only after the handshake (the verification after it is
 * the only one), but OpenSSL makes what a client can resume with inside the
 * handshake: the TLS 1.2 session cache entry and ticket, the TLS 1.3 tickets.
 * So:
 *  - during the handshake (hsts_cc_session_pending): TLS 1.3 sends no ticket
 *    yet, and its session is bound to an id context no vhost has; a TLS 1.2
 *    session is marked "pending" in its application data (ticket appdata,
 *    which OpenSSL keeps in tickets and in the serialised sessions of
 *    mod_ssl's cache);
 *  - after the verdict (hsts_cc_session_settled): a certificate accepted
 *    makes the session resumable with the verdict "ok" in its application
 *    data: TLS 1.3 gets a ticket now (SSL_new_session_ticket), TLS 1.2 is
 *    stored again in mod_ssl's cache, and its ticket, already with the
 *    client and still "pending", is vouched for by an entry in the table of
 *    accepted sessions shared by the children (hsts_cc_sessions.h, keyed by a
 *    hash of the session's master secret). A refused certificate: a TLS 1.2
 *    session leaves mod_ssl's cache, a TLS 1.3 session never had a ticket;
 *    each connection verifies again and gets the same answer;
 *  - a ticket offered by a client (cc_ticket_dec_cb, before OpenSSL uses
 *    it) and a session resumed from the cache (hsts_cc_after_resumption,
 *    right after the handshake): with a certificate, on a vhost of the
 *    module, it is used only when accepted (the verdict "ok", or found in
 *    the table) and when its leaf still passes what can change while a
 *    session lives: its validity period and the CRLs of its issuer (a
 *    graceful restart reloads them). Else a ticket is not used (a full
 *    handshake), and a cached session gets the refusal a full handshake
 *    would give (mod_ssl's failure path, 495) and leaves the cache.
 */
#include "mod_hsts_client_cert.h"

#include <apr_shm.h>
#include <apr_time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

#include "hsts_cc_sessions.h"

/* The session id context of TLS 1.3 sessions until their verdict: no vhost
 * has it, so nothing made in the handshake is resumed. At most
 * SSL_MAX_SID_CTX_LENGTH (32) bytes. */
#define CC_SID_CTX "mod_hsts_audit:no-resumption"

/* The application data of a session the module looked at: this, then the
 * verdict as one digit (hsts_cc_reason_e; 0, "unchecked", while pending). */
#define CC_APPDATA "mod_hsts_audit:client-cert:"

/* ---- the verdict in the session --------------------------------------------- */

static void set_session_verdict(SSL_SESSION *sess, hsts_cc_reason_e reason)
{
    char data[sizeof(CC_APPDATA) + 1];

    memcpy(data, CC_APPDATA, sizeof(CC_APPDATA) - 1);
    data[sizeof(CC_APPDATA) - 1] = (char)('0' + reason);
    SSL_SESSION_set1_ticket_appdata(sess, data, sizeof(CC_APPDATA));
}

/* The verdict the module kept with a session; HSTS_CC_UNCHECKED for none. */
static hsts_cc_reason_e session_verdict(SSL_SESSION *sess)
{
    void *data = NULL;
    size_t len = 0;
    int digit;

    if (!SSL_SESSION_get0_ticket_appdata(sess, &data, &len) || len != sizeof(CC_APPDATA)
        || memcmp(data, CC_APPDATA, sizeof(CC_APPDATA) - 1)) {
        return HSTS_CC_UNCHECKED;
    }
    digit = ((const char *)data)[len - 1] - '0';
    return digit > HSTS_CC_UNCHECKED && digit < HSTS_CC_COUNT ? (hsts_cc_reason_e)digit
                                                              : HSTS_CC_UNCHECKED;
}

/* The session's key in the table of accepted sessions: SHA-256 of a label
 * and its master secret, the first 16 bytes. Zero when there is none. */
static int session_key(SSL_SESSION *sess, unsigned char key[HSTS_CC_SESSION_KEY_LEN])
{
    static const char label[] = "mod_hsts_audit accepted session";
    unsigned char secret[SSL_MAX_MASTER_KEY_LENGTH], md[EVP_MAX_MD_SIZE];
    size_t len = SSL_SESSION_get_master_key(sess, secret, sizeof(secret));
    unsigned int md_len = 0;
    EVP_MD_CTX *mdc = len ? EVP_MD_CTX_new() : NULL;
    int ok = mdc && EVP_DigestInit_ex(mdc, EVP_sha256(), NULL)
             && EVP_DigestUpdate(mdc, label, sizeof(label) - 1)
             && EVP_DigestUpdate(mdc, secret, len) && EVP_DigestFinal_ex(mdc, md, &md_len)
             && md_len >= HSTS_CC_SESSION_KEY_LEN;

    EVP_MD_CTX_free(mdc);
    OPENSSL_cleanse(secret, sizeof(secret));
    if (ok) {
        memcpy(key, md, HSTS_CC_SESSION_KEY_LEN);
    }
    return ok;
}

/* The module accepted this session's certificate. */
static int session_accepted(SSL_SESSION *sess, hsts_cc_sessions_t *table)
{
    unsigned char key[HSTS_CC_SESSION_KEY_LEN];

    if (session_verdict(sess) == HSTS_CC_OK) {
        return 1;
    }
    return table && session_key(sess, key)
        && hsts_cc_sessions_get(table, key, apr_time_sec(apr_time_now()));
}

/* What a full handshake would refuse now in the leaf of a resumed session,
 * of what can change while a session lives: its validity period, and the
 * CRLs of its issuer where the vhost checks CRLs (they change with a
 * graceful restart). X509_V_OK when neither. */
static int recheck_leaf(SSL_CTX *ctx, X509 *leaf)
{
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    X509_STORE_CTX *xctx;
    STACK_OF(X509_CRL) *crls;
    int err = X509_V_OK, i;

    if (X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0) {
        return X509_V_ERR_CERT_HAS_EXPIRED;
    }
    if (X509_cmp_current_time(X509_get0_notBefore(leaf)) >= 0) {
        return X509_V_ERR_CERT_NOT_YET_VALID;
    }
    if (!(X509_VERIFY_PARAM_get_flags(X509_STORE_get0_param(store)) & X509_V_FLAG_CRL_CHECK)) {
        return X509_V_OK;
    }
    xctx = X509_STORE_CTX_new();
    if (!xctx || !X509_STORE_CTX_init(xctx, store, leaf, NULL)) {
        X509_STORE_CTX_free(xctx);
        return X509_V_ERR_OUT_OF_MEM;
    }
    ERR_set_mark();
    crls = X509_STORE_CTX_get1_crls(xctx, X509_get_issuer_name(leaf));
    ERR_pop_to_mark();
    for (i = 0; crls && i < sk_X509_CRL_num(crls) && err == X509_V_OK; i++) {
        X509_REVOKED *revoked = NULL;

        if (X509_CRL_get0_by_cert(sk_X509_CRL_value(crls, i), &revoked, leaf) == 1) {
            err = X509_V_ERR_CERT_REVOKED;
        }
    }
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    X509_STORE_CTX_free(xctx);
    return err;
}

/* ---- during and after the handshake ------------------------------------------ */

void hsts_cc_session_pending(SSL *ssl, SSL_SESSION *sess, hsts_cc_conn_t *st)
{
    const unsigned char *sid;
    unsigned int sid_len = 0;

    if (SSL_version(ssl) < TLS1_3_VERSION) {
        set_session_verdict(sess, HSTS_CC_UNCHECKED);
        return;
    }
    sid = SSL_SESSION_get0_id_context(sess, &sid_len);
    st->sid_ctx_len = sid_len <= sizeof(st->sid_ctx) ? sid_len : 0;
    memcpy(st->sid_ctx, sid, st->sid_ctx_len);
    SSL_SESSION_set1_id_context(sess, (const unsigned char *)CC_SID_CTX,
                                sizeof(CC_SID_CTX) - 1);
    SSL_set_num_tickets(ssl, 0);
}

/* TLS 1.2: mod_ssl's cache holds the copy made in the handshake: replace it. */
static void store_again(SSL *ssl, SSL_SESSION *sess)
{
    SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
    int (*new_cb)(SSL *, SSL_SESSION *) = SSL_CTX_sess_get_new_cb(ctx);
    unsigned int id_len = 0;

    SSL_SESSION_get_id(sess, &id_len);
    if (new_cb && id_len && (SSL_CTX_get_session_cache_mode(ctx) & SSL_SESS_CACHE_SERVER)) {
        SSL_SESSION_up_ref(sess);
        if (!new_cb(ssl, sess)) {
            SSL_SESSION_free(sess);
        }
    }
}

void hsts_cc_session_settled(hsts_cc_conn_t *st, hsts_cc_sessions_t *table)
{
    SSL *ssl = st->ssl;
    SSL_SESSION *sess = SSL_get_session(ssl);
    unsigned char key[HSTS_CC_SESSION_KEY_LEN];

    if (!sess) {
        return;
    }
    if (st->reason != HSTS_CC_OK) {
        if (SSL_version(ssl) < TLS1_3_VERSION) {
            SSL_CTX_remove_session(SSL_get_SSL_CTX(ssl), sess);
        }
        return;
    }
    set_session_verdict(sess, HSTS_CC_OK);
    if (SSL_version(ssl) >= TLS1_3_VERSION) {
        if (st->sid_ctx_len) {
            SSL_SESSION_set1_id_context(sess, st->sid_ctx, st->sid_ctx_len);
            SSL_new_session_ticket(ssl);   /* sent with the next record written */
        }
        return;
    }
    store_again(ssl, sess);
    if (session_key(sess, key)) {
        hsts_cc_sessions_put(table, key, (apr_int64_t)SSL_SESSION_get_time(sess)
                                         + (apr_int64_t)SSL_SESSION_get_timeout(sess));
    }
}

/* A resumed session whose leaf fails now: mod_ssl's state as after a full
 * handshake (its callback's failure path: SSL_CLIENT_VERIFY FAILED:<reason>,
 * no certificate for FakeBasicAuth), and the session leaves the cache.
 * Nonzero when that could not be done. */
static int fail_resumed(hsts_cc_conn_t *st, X509 *leaf, int err)
{
    SSL *ssl = st->ssl;
    X509_STORE_CTX *xctx = X509_STORE_CTX_new();
    int done = 0;

    if (xctx
        && X509_STORE_CTX_init(xctx, SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)), leaf, NULL)
        && X509_STORE_CTX_set_ex_data(xctx, SSL_get_ex_data_X509_STORE_CTX_idx(), ssl)) {
        X509_STORE_CTX_set_current_cert(xctx, leaf);
        X509_STORE_CTX_set_error_depth(xctx, 0);
        X509_STORE_CTX_set_error(xctx, err);
        st->modssl_cb(0, xctx);
        done = 1;
    }
    X509_STORE_CTX_free(xctx);
    st->first_error = st->rejected_error = err;
    SSL_set_verify_result(ssl, err);
    SSL_CTX_remove_session(SSL_get_SSL_CTX(ssl), SSL_get_session(ssl));
    return !done;
}

int hsts_cc_after_resumption(hsts_cc_conn_t *st, hsts_cc_sessions_t *table)
{
    SSL *ssl = st->ssl;
    SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
    SSL_verify_cb modssl_cb = hsts_cc_modssl_cb(ctx);
    X509 *leaf;
    int err, rv;

    if (!modssl_cb || !SSL_session_reused(ssl) || !(leaf = SSL_get1_peer_certificate(ssl))) {
        return 0;
    }
    st->deferred = st->resumed = 1;
    st->modssl_cb = modssl_cb;
    if (!session_accepted(SSL_get_session(ssl), table)) {
        /* pending (a client quicker than the verdict), or from a persistent
         * session cache older than the module: verify now, as after a full
         * handshake (only the leaf and the trust store: a session keeps no
         * chain) */
        X509_free(leaf);
        return hsts_cc_verify_after_handshake(st);
    }
    err = recheck_leaf(ctx, leaf);
    rv = err == X509_V_OK ? 0 : fail_resumed(st, leaf, err);
    X509_free(leaf);
    return rv;
}

/* Session tickets, before one is used (on every TLS vhost's SSL_CTX: OpenSSL
 * asks the one the connection started with); arg: the table. */
static SSL_TICKET_RETURN cc_ticket_dec_cb(SSL *ssl, SSL_SESSION *sess,
                                          const unsigned char *keyname, size_t keyname_len,
                                          SSL_TICKET_STATUS status, void *arg)
{
    SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
    X509 *leaf;

    (void)keyname;
    (void)keyname_len;
    switch (status) {
    case SSL_TICKET_SUCCESS:
    case SSL_TICKET_SUCCESS_RENEW:
        break;
    case SSL_TICKET_EMPTY:
    case SSL_TICKET_NO_DECRYPT:
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    default:
        return SSL_TICKET_RETURN_ABORT;
    }
    leaf = SSL_SESSION_get0_peer(sess);
    if (leaf && hsts_cc_modssl_cb(ctx)
        && (!session_accepted(sess, arg) || recheck_leaf(ctx, leaf) != X509_V_OK)) {
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    }
    return status == SSL_TICKET_SUCCESS ? SSL_TICKET_RETURN_USE : SSL_TICKET_RETURN_USE_RENEW;
}

void hsts_cc_sessions_ctx(SSL_CTX *ssl_ctx, hsts_cc_sessions_t *table)
{
    SSL_CTX_set_session_ticket_cb(ssl_ctx, NULL, cc_ticket_dec_cb, table);
}

hsts_cc_sessions_t *hsts_cc_sessions_create(apr_pool_t *pconf, server_rec *s)
{
    apr_size_t size = hsts_cc_sessions_size(HSTS_CC_SESSION_SLOTS);
    apr_shm_t *shm = NULL;
    apr_status_t rv = apr_shm_create(&shm, size, NULL, pconf);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, HSTSLOGNO(00041)
                     "mod_hsts_audit: no shared memory (%" APR_SIZE_T_FMT " bytes) for the "
                     "table of accepted TLS sessions: TLS 1.2 clients with a certificate "
                     "will not resume with session tickets", size);
        return NULL;
    }
    return hsts_cc_sessions_init(apr_shm_baseaddr_get(shm), HSTS_CC_SESSION_SLOTS);
}
