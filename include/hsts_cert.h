/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_cert.h: the certificate audit of one served chain (design.md section 5):
 * validity window, hostname coverage (RFC 6125 via OpenSSL's X509_check_host),
 * chain completeness against trusted roots without fetching intermediates,
 * signature algorithms. OpenSSL does the work; no httpd types, so the module
 * (at startup, from the SSL_CTX mod_ssl hands over), the CLI and the unit
 * tests share it. Nothing here runs per request.
 */
#ifndef HSTS_CERT_H
#define HSTS_CERT_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include <openssl/x509.h>

#include "hsts_findings.h"

#ifdef __cplusplus
extern "C" {
#endif

/** HSTSCertWarnDays default, in days. */
#define HSTS_CERT_WARN_DAYS_DEFAULT 30

/** What the audit found out about one served chain. Strings are allocated
 *  from the pool given to hsts_cert_audit(). */
typedef struct {
    const char *subject;          /**< leaf subject, RFC 2253 one line (XN_FLAG_RFC2253) */
    const char *issuer;           /**< leaf issuer, same form */
    apr_time_t not_before;        /**< leaf notBefore (APR time, microseconds) */
    apr_time_t not_after;         /**< leaf notAfter */
    const char *not_after_iso;    /**< notAfter as "YYYY-MM-DDTHH:MM:SSZ" */
    apr_array_header_t *names;    /**< SAN dNSName and iPAddress entries (const char *), as written */
    apr_array_header_t *uncovered;/**< the checked host names the leaf does not cover (const char *) */
    int chain_complete;           /**< the served chain verifies to a trusted root on its own */
    int verify_error;             /**< OpenSSL X509_V_ERR_* of the verification, X509_V_OK when none */
    int verify_depth;             /**< depth at which verification failed, -1 when it did not */
    const char *verify_error_text;/**< X509_verify_cert_error_string(), NULL when OK */
    const char *weak_signature;   /**< name of the weak algorithm found (e.g. "sha1WithRSAEncryption"), or NULL */
    hsts_findings_t findings;     /**< cert.* findings (see hsts_cert_audit) */
} hsts_cert_report_t;

/**
 * Audit a served chain (design.md section 5).
 * Findings: cert.expired (now > notAfter), cert.not_yet_valid (now < notBefore),
 * cert.expiring_soon (notAfter - now < warn_days days, and not expired),
 * cert.name_mismatch (a host is not covered: X509_check_host on the SAN
 * dNSNames only (the subject CN is never used, as in browsers), no partial
 * wildcards, or X509_check_ip_asc for IP literals (IPv6 may be in brackets);
 * one trailing dot is ignored; a wildcard host "*.example.org" (or any host
 * with '*' or '?', as ServerAlias allows) is covered only by an identical
 * wildcard SAN, case-insensitively; NULL or empty hosts are skipped),
 * cert.chain_incomplete (the leaf's issuer is missing from the served chain
 * and the store: verification fails at depth 0 with
 * X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT[_LOCALLY]), cert.untrusted (any other
 * verification failure: self-signed leaf, untrusted root in or above the
 * served chain, an expired intermediate, a leaf without EKU serverAuth),
 * cert.weak_signature (a certificate of the served chain, self-signed ones
 * excepted, signed with SHA-1, MD5 or weaker; weak_signature names the first).
 * Verification: X509_verify_cert with the served chain as untrusted
 * certificates, purpose SSL server, security level 0 (SHA-1 is its own
 * finding, not a chain failure), at `now` (X509_VERIFY_PARAM_set_time), with
 * the leaf's own date errors forgiven by the verify callback (they are
 * cert.expired / cert.not_yet_valid, not chain problems; an expired or not yet
 * valid intermediate is a chain problem: cert.untrusted).
 * @param p          pool for the report's strings and arrays
 * @param leaf       the leaf certificate (not consumed)
 * @param chain      the intermediates served after the leaf, leaf excluded (may be NULL)
 * @param hosts      host names the leaf must cover (ServerName, ServerAlias), may be NULL
 * @param n_hosts    their count
 * @param trusted    the trusted roots (hsts_cert_store_load()), not consumed
 * @param warn_days  HSTSCertWarnDays, days (negative counts as 0; 0 never warns)
 * @param now        the audit time (apr_time_now())
 * @param out        filled in completely
 * @return APR_SUCCESS, or APR_EINVAL when leaf or trusted is NULL
 */
apr_status_t hsts_cert_audit(apr_pool_t *p, X509 *leaf, STACK_OF(X509) *chain,
                             const char *const *hosts, int n_hosts,
                             X509_STORE *trusted, int warn_days, apr_time_t now,
                             hsts_cert_report_t *out);

/**
 * Load the trusted roots: a PEM bundle (HSTSTrustedCA, --ca-file; read as
 * hsts_cert_load_chain() reads, with the same errors, each certificate added
 * with X509_STORE_add_cert), or the system's default store
 * (X509_STORE_set_default_paths) when ca_file is NULL.
 * @param ca_file  path, or NULL
 * @param err      out: on failure, a message allocated from p naming the file and OpenSSL's reason
 * @return a new store the caller frees with X509_STORE_free(), or NULL on error
 */
X509_STORE *hsts_cert_store_load(apr_pool_t *p, const char *ca_file, const char **err);

/**
 * Read a PEM file of certificates, leaf first (SSLCertificateFile, the CLI's CHAIN.pem).
 * @param p      pool for the error message
 * @param path   the file
 * @param leaf   out: the first certificate; caller frees with X509_free()
 * @param chain  out: the rest (possibly empty, never NULL on success); caller
 *               frees with sk_X509_pop_free(chain, X509_free)
 * @param err    out: on failure, why ("cannot open: No such file or directory",
 *               "not PEM", "contains a private key, not a certificate",
 *               "empty file", "certificate #2 is corrupt", ...) naming the file.
 * Blocks other than certificates (a private key next to them, parameters)
 * are skipped; "TRUSTED CERTIFICATE" blocks are read too.
 * @return APR_SUCCESS or an error status
 */
apr_status_t hsts_cert_load_chain(apr_pool_t *p, const char *path, X509 **leaf,
                                  STACK_OF(X509) **chain, const char **err);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_CERT_H */
