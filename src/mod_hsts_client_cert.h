/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_client_cert.h: what the three mutual-TLS glue files share
 * (design.md section 6), split by phase as mod_ssl splits its engine:
 *
 *   mod_hsts_client_cert_tls.c      the handshake: mod_ssl's verify callback
 *                                   wrapped, the verification after the
 *                                   handshake, the connection's verdict, the
 *                                   verdict kept with the TLS session;
 *   mod_hsts_client_cert_sessions.c resumption: the verdict kept with the
 *                                   TLS session, checked again on resumption;
 *   mod_hsts_client_cert_request.c  every request: 421 for vhosts without the
 *                                   module, the refusal (before quick
 *                                   handlers, TRACE and every handler), the
 *                                   identity clean-up, the note, the log;
 *   mod_hsts_client_cert_config.c   startup: which vhosts use HSTSClientCert,
 *                                   and the mod_ssl settings it needs.
 *
 * The core (reasons, statuses, the 495/496 page) is src/client_cert.c.
 */
#ifndef MOD_HSTS_CLIENT_CERT_H
#define MOD_HSTS_CLIENT_CERT_H

#include "mod_hsts_private.h"
#include "hsts_client_cert.h"

#include <openssl/ssl.h>

#include "hsts_cc_sessions.h"

/* Internal request notes (the verdict's is HSTS_NOTE_CLIENT_CERT, design.md
 * section 3): this request was refused / which body the refusal got. */
#define HSTS_CC_REFUSED_NOTE "hsts-audit-client-cert-refused"
#define HSTS_CC_BODY_NOTE "hsts-audit-client-cert-body"

/* The verdict on one connection's client certificate (the master connection
 * for HTTP/2 streams). Written only by the thread that does the handshake,
 * before the first request is read; read-only afterwards. Allocated from the
 * connection's pool by the pre_handshake hook. */
typedef struct hsts_cc_conn {
    SSL *ssl;                    /* mod_ssl's, valid while ap_ssl_conn_is_ssl() */
    SSL_verify_cb modssl_cb;     /* mod_ssl's callback of the vhost that verified */
    int deferred;                /* the module verified the certificate after the
                                    handshake (a certificate on a wrapped vhost):
                                    the connection serves only vhosts that use
                                    HSTSClientCert */
    int resumed;                 /* a resumed TLS session: the verdict came with it */
    unsigned char sid_ctx[SSL_MAX_SID_CTX_LENGTH];   /* the vhost's session id context, */
    unsigned int sid_ctx_len;    /* put back when the session becomes resumable */
    int done;                    /* the verdict is in place */
    int first_error;             /* first X509_V_ERR_* after the handshake, 0: none */
    int rejected_error;          /* X509_V_ERR_* mod_ssl's callback rejected, 0: none */
    int rejected_depth;
    hsts_cc_reason_e reason;     /* the verdict */
    const char *verify, *subject, *issuer, *not_before, *not_after, *remain;
} hsts_cc_conn_t;

/* mod_hsts_client_cert_tls.c */

/* The verdict of c's TLS connection (its master's for an HTTP/2 stream), or
 * NULL where the module did not look at the connection (plain HTTP, no vhost
 * of the address uses HSTSClientCert). */
hsts_cc_conn_t *hsts_cc_conn_of(conn_rec *c);
/* OpenSSL ex_data indexes for this process (kept across restarts); called
 * from check_config when some vhost uses HSTSClientCert. */
void hsts_cc_tls_init(server_rec *s_main);
void hsts_cc_tls_register_hooks(apr_pool_t *p);
/* Verify st's peer certificate now, with mod_ssl's callback (st->modssl_cb),
 * as OpenSSL does in a handshake: the verdict lands in mod_ssl's state and in
 * st. Nonzero when that could not be done (the connection must end). */
int hsts_cc_verify_after_handshake(hsts_cc_conn_t *st);
/* mod_ssl's verify callback of an SSL_CTX the module wrapped (a vhost that
 * uses HSTSClientCert), NULL for any other. */
SSL_verify_cb hsts_cc_modssl_cb(SSL_CTX *ctx);

/* mod_hsts_client_cert_sessions.c */

/* During a first handshake with a certificate (the certificate verification
 * callback): nothing made now is resumable without the verdict. */
void hsts_cc_session_pending(SSL *ssl, SSL_SESSION *sess, hsts_cc_conn_t *st);
/* After the verdict of a first handshake: resumable with it when the
 * certificate was accepted, else out of mod_ssl's cache. table: the server's
 * (NULL: none). */
void hsts_cc_session_settled(hsts_cc_conn_t *st, hsts_cc_sessions_t *table);
/* After a handshake that may have resumed a session: for a session with a
 * certificate on a wrapped vhost, the verdict as a full handshake would give
 * it now (st deferred and resumed). Nonzero: the connection must end. */
int hsts_cc_after_resumption(hsts_cc_conn_t *st, hsts_cc_sessions_t *table);
/* On every TLS vhost's SSL_CTX (when some vhost uses HSTSClientCert): the
 * session ticket callback that checks a ticket before OpenSSL uses it. */
void hsts_cc_sessions_ctx(SSL_CTX *ssl_ctx, hsts_cc_sessions_t *table);
/* The server's table of accepted sessions, in anonymous shared memory from
 * pconf (made in the parent, inherited by the children; one per generation).
 * NULL when there is no shared memory (logged: TLS 1.2 tickets then do not
 * resume sessions with a certificate). */
hsts_cc_sessions_t *hsts_cc_sessions_create(apr_pool_t *pconf, server_rec *s);

/* mod_hsts_client_cert_request.c */
void hsts_cc_request_register_hooks(apr_pool_t *p);

/* mod_hsts_client_cert_config.c: check_config (APR_HOOK_LAST, after the
 * per-server records exist): sets hsts_srv_conf's cc_use and cc_any, refuses
 * configurations that cannot work (HSTS00033, 00034, 00039). */
int hsts_cc_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                         server_rec *s_main);

#endif /* MOD_HSTS_CLIENT_CERT_H */
