/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * live_check_private.h: what the live check's files share (not installed):
 * one check's context and the libcurl request (src/live_check_fetch.c).
 */
#ifndef HSTS_LIVE_CHECK_PRIVATE_H
#define HSTS_LIVE_CHECK_PRIVATE_H

#include <curl/curl.h>
#include <openssl/x509.h>

#include "hsts_live_check.h"

/** One call of hsts_live_check(): its options, with the curl lists built once. */
typedef struct {
    apr_pool_t *p;
    const hsts_live_options_t *opt;  /**< the caller's (mapped_only, the lists) */
    struct curl_slist *resolve;      /**< CURLOPT_RESOLVE (freed by a cleanup of p) */
    struct curl_slist *connect_to;   /**< CURLOPT_CONNECT_TO (likewise) */
    const char *ca_file;             /**< the roots curl verifies with (never NULL) */
    long timeout_ms;
    const char *verify_error;        /**< why https://NAME/ did not verify, or NULL */
} live_ctx_t;

/** live_fetch() flags */
#define LIVE_VERIFY        1   /**< verify the peer and its name (else neither) */
#define LIVE_CERTINFO      2   /**< collect the served chain */
#define LIVE_CONNECT_ONLY  4   /**< connect (and TLS handshake for https) only */

/**
 * Set up the context: the curl lists from the options.
 * @return APR_SUCCESS, or APR_ENOMEM when a list cannot be built
 */
apr_status_t live_ctx_init(live_ctx_t *c, apr_pool_t *p, const hsts_live_options_t *opt);

/**
 * One request, redirects not followed.
 * @param c      the context
 * @param url    the URL (http: or https:)
 * @param flags  LIVE_* flags
 * @param r      filled in: ok, status, error (curl's reason), location, STS fields
 * @param chain  with LIVE_CERTINFO, out: the served chain, leaf first (a new
 *               stack the caller frees with sk_X509_pop_free(.., X509_free)),
 *               NULL when none was seen; may be NULL otherwise
 * @return r->ok
 */
int live_fetch(live_ctx_t *c, const char *url, int flags, hsts_live_response_t *r,
               STACK_OF(X509) **chain);

#endif /* HSTS_LIVE_CHECK_PRIVATE_H */
