/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_audit.h: the findings of one response's Strict-Transport-Security
 * fields and redirect (design.md section 4: header.*, redirects.*).
 * Pure: the httpd filter fills the inputs from request_rec, the CLI from its
 * argument, the tests from literals.
 */
#ifndef HSTS_AUDIT_H
#define HSTS_AUDIT_H

#include <apr.h>

#include "hsts_findings.h"
#include "hsts_sts.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What the scope expects (from the merged hsts_dir_conf). */
typedef struct {
    apr_int64_t configured_max_age;  /**< HSTSMaxAge in seconds, or -1 (HSTS_UNSET) */
    int preload_configured;          /**< HSTSPreload On in this scope */
    /** An HTTPS response of this scope should carry STS and nothing will add
     *  it: report mode with a policy (not HSTSGuard withhold: a response it
     *  withholds STS from lacks it on purpose). */
    int expects_header;
    /** (0.2) The scope's policy has includeSubDomains: a valid header
     *  without it gets header.include_sub_domains.below_configured. */
    int include_subdomains_configured;
} hsts_audit_scope_t;

/** One response as the audit sees it. Strings are not copied. */
typedef struct {
    int is_https;               /**< served over TLS (HTTP/2: the master connection) */
    unsigned n_fields;          /**< Strict-Transport-Security fields in the response */
    const char *first;          /**< the first field's value, NULL when n_fields == 0 */
    apr_size_t first_len;       /**< its length in bytes */
    int status;                 /**< HTTP status code */
    const char *location;       /**< the Location field, or NULL */
    const char *host;           /**< the request's host name (no port), or NULL */
    /** Plain HTTP only: this host has an HTTPS policy on this server (one of
     *  the names of a TLS vhost with HSTSMaxAge), so it must redirect. */
    int host_has_https_policy;
    /** HTTPS only, for a 3xx to https://H: whether this server would serve H
     *  a certificate that covers H and passes the audit: 1 yes, 0 no (then
     *  redirects.https.target_cert_invalid), -1 H is not served here (no
     *  finding). NULL: not checked. Called at most once per response, only
     *  for such redirects, with H as in the Location (not NUL-terminated,
     *  any case, a trailing dot removed). */
    int (*target_cert_ok)(void *baton, const char *host, apr_size_t len);
    void *target_baton;
} hsts_audit_response_t;

/**
 * Judge a response (design.md section 4).
 *  - HTTPS: header.missing (when the scope expects a header and there is
 *    none), header.multiple, header.invalid.<why> for the first field
 *    (Chromium's verdict), header.max_age.zero, header.max_age.below_configured,
 *    header.preloadable.* (when the field carries preload or HSTSPreload is
 *    On; hstspreload bulk-1-year rules), header.preload.divergent (Chromium and
 *    hstspreload disagree), redirects.downgrade (3xx to http:),
 *    redirects.https.target_cert_invalid (3xx to https://H where
 *    target_cert_ok says H gets a certificate that fails here).
 *  - plain HTTP: header.over_http; redirects.http.no_redirect and
 *    redirects.http.first_redirect.insecure when host_has_https_policy.
 * @param scope  what the scope expects
 * @param resp   the response
 * @param first  out (may be NULL): Chromium's parse of the first field,
 *               zeroed and verdict HSTS_STS_INVALID_MAX_AGE_MISSING when none
 * @return the set of findings (0 = ok)
 */
hsts_findings_t hsts_audit_response(const hsts_audit_scope_t *scope,
                                    const hsts_audit_response_t *resp,
                                    hsts_sts_policy_t *first);

/**
 * The header.* findings of one STS value on its own (no scope, HTTPS): the
 * invalid sub-code, max_age.zero, preload.divergent and, when the value
 * carries preload, the preloadable ones. Used by the CLI.
 * @param value, len  the field value, byte for byte
 * @param first       out (may be NULL): Chromium's parse
 * @return the set of findings
 */
hsts_findings_t hsts_audit_header(const char *value, apr_size_t len,
                                  hsts_sts_policy_t *first);

/**
 * The host of an https:// Location (RFC 3986 authority: userinfo and port
 * left out; an IPv6 literal keeps its brackets; one trailing dot removed).
 * @param location  the Location value (NUL-terminated), or NULL
 * @param host      out: where the host starts inside location (not copied)
 * @param len       out: its length in bytes
 * @return 1 for an https:// URL with a host, else 0 (relative URLs, other
 *         schemes, an empty host, an unclosed IPv6 literal)
 */
int hsts_location_https_host(const char *location, const char **host, apr_size_t *len);

/**
 * Whether a Location is a redirect to https:// on the given host (any port),
 * ASCII case-insensitive on scheme and host (RFC 3986 authority; userinfo
 * and port ignored).
 * @param location  the Location value (NUL-terminated)
 * @param host      the host name (NUL-terminated, no port)
 * @return 1 if so, 0 otherwise (relative URLs, other schemes, other hosts)
 */
int hsts_location_is_https_same_host(const char *location, const char *host);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_AUDIT_H */
