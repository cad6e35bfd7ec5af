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

/** The inputs of one audit besides the certificates (design.md sections 2, 4, 5). */
typedef struct {
    const char *const *hosts;     /**< names the leaf must cover (ServerName, ServerAlias); may be NULL */
    int n_hosts;                  /**< their count */
    X509_STORE *trusted;          /**< the trusted roots (hsts_cert_store_load()); not consumed; required */
    /** 1: the roots are the browsers' public roots (the default CA bundle, or
     *  HSTSTrustedCA FILE public / --ca-public): the public-root rules
     *  (cert.validity_too_long, cert.ct_insufficient, cert.issuer_distrusted)
     *  apply to chains that end in them. 0: a private PKI. */
    int trusted_public;
    int warn_days;                /**< HSTSCertWarnDays, days (negative counts as 0; 0 never warns) */
    int stapling;                 /**< the vhost has SSLUseStapling on (cert.must_staple_unstapled) */
    apr_time_t now;               /**< the audit time (apr_time_now()) */
} hsts_cert_audit_in_t;

/** What the audit found out about one served chain. Strings are allocated
 *  from the pool given to hsts_cert_audit(); every string that comes from a
 *  certificate has its control bytes escaped (RFC 2253 escapes, or '?'). */
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
    /* (0.2) */
    const char *root_subject;     /**< the trust anchor the chain was built to (RFC 2253), or NULL */
    int public_root;              /**< the chain ends in a public root: the public-root rules were applied */
    const char *expiring_intermediate; /**< cert.chain_expiring: that intermediate's subject, or NULL */
    apr_time_t expiring_intermediate_not_after; /**< and its notAfter */
    const char *weak_key;         /**< cert.weak_key: e.g. "RSA 1024 bits" (of the leaf or "... in <subject>"), or NULL */
    long validity_days;           /**< the leaf's lifetime, notAfter - notBefore, whole days (floor) */
    int sct_count;                /**< embedded SCTs of the leaf (-1: the extension is malformed) */
    int sct_required;             /**< SCTs Chrome's policy asks for this lifetime (2 or 3) */
    int must_staple;              /**< the leaf has the TLS Feature status_request (OCSP Must-Staple) */
    const char *distrust;         /**< cert.issuer_distrusted: "<browser> distrusts <root> for
                                       certificates after <date> (<date compared>; <source>)", or NULL */
    /** Findings of this report whose severity here is warning although the
     *  table (hsts_finding_info) says error: cert.chain_expiring for an
     *  intermediate that has not expired yet. See hsts_cert_finding_severity(). */
    hsts_findings_t warnings;
    hsts_findings_t findings;     /**< cert.* findings (see hsts_cert_audit) */
} hsts_cert_report_t;

/**
 * Audit a served chain (design.md sections 4 and 5).
 * Findings: cert.expired (now > notAfter), cert.not_yet_valid (now < notBefore),
 * cert.expiring_soon (notAfter - now < warn_days days, and not expired),
 * cert.name_mismatch (a host is not covered: X509_check_host on the SAN
 * dNSNames only (X509_CHECK_FLAG_NEVER_CHECK_SUBJECT: the subject CN is never
 * used, as in browsers; a CN-only certificate covers nothing), no partial
 * wildcards, or X509_check_ip_asc for IP literals (IPv6 may be in brackets);
 * one trailing dot is ignored; a wildcard host "*.example.org" (or any host
 * with '*' or '?', as ServerAlias allows) is covered only by an identical
 * wildcard SAN, case-insensitively; NULL or empty hosts are skipped),
 * cert.chain_incomplete (the leaf's issuer is missing from the served chain
 * and the store: verification fails at depth 0 with
 * X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT[_LOCALLY]), cert.untrusted (any other
 * verification failure: self-signed leaf, untrusted root in or above the
 * served chain, a not yet valid intermediate),
 * cert.weak_signature (a certificate of the served chain, self-signed ones
 * excepted, signed with SHA-1, MD5 or weaker; weak_signature names the first),
 * and the browsers' further rules (0.2):
 * cert.chain_expiring (an intermediate of the built chain, trust anchors
 * excepted, has expired: error; or expires before the leaf and within
 * warn_days: a warning, flagged in out->warnings),
 * cert.weak_key (leaf or served intermediate: RSA below 2048 bits, DSA, EC
 * on a curve other than P-256/P-384; EVP_PKEY_get_bits),
 * cert.server_auth_missing (the leaf has an extendedKeyUsage without
 * id-kp-serverAuth; anyExtendedKeyUsage does not count, as in Firefox),
 * cert.must_staple_unstapled (the leaf's TLS Feature extension asks for
 * status_request and in->stapling is 0),
 * and for chains that end in a public root (in->trusted_public):
 * cert.validity_too_long (notBefore >= 2020-09-01 and notAfter - notBefore
 * over 398 days), cert.ct_insufficient (notBefore >= 2018-05-01 and fewer
 * embedded SCTs than Chrome's policy: 2 for a lifetime up to 180 days, else
 * 3; a malformed SCT list counts 0), cert.issuer_distrusted (the root's
 * SubjectPublicKeyInfo SHA-256 is in the distrust table of
 * src/cert_distrust.c and the date the browser compares, the earliest
 * embedded SCT for Chrome rows, else notBefore, is after the cut-off).
 * Verification: X509_verify_cert with the served chain as untrusted
 * certificates, purpose SSL server, security level 0 (SHA-1 and small keys
 * are their own findings, not chain failures), at in->now
 * (X509_VERIFY_PARAM_set_time). The verify callback forgives what has its own
 * finding: the leaf's dates (cert.expired / cert.not_yet_valid), an expired
 * intermediate (cert.chain_expiring), the leaf's purpose when its EKU lacks
 * serverAuth (cert.server_auth_missing).
 * Malformed extensions never crash: OpenSSL returns NULL and the check
 * treats the extension as absent (SCTs: as none).
 * @param p      pool for the report's strings and arrays
 * @param leaf   the leaf certificate (not consumed)
 * @param chain  the intermediates served after the leaf, leaf excluded (may be NULL)
 * @param in     the hosts, roots and settings (see hsts_cert_audit_in_t)
 * @param out    filled in completely
 * @return APR_SUCCESS, or APR_EINVAL when leaf, in or in->trusted is NULL
 */
apr_status_t hsts_cert_audit(apr_pool_t *p, X509 *leaf, STACK_OF(X509) *chain,
                             const hsts_cert_audit_in_t *in, hsts_cert_report_t *out);

/**
 * The name part of the audit, for other hosts: a report of the same leaf
 * made for other hosts (or none) takes this vhost's names, so one audit of
 * a certificate serves every vhost that serves it. Sets r->uncovered (a new
 * array from p) and sets or clears cert.name_mismatch in r->findings, by
 * the rules of hsts_cert_audit(); r->names (the leaf's SAN) is used as is.
 * @param p       pool for the new array and its strings
 * @param leaf    the leaf the report was made for
 * @param hosts   names the leaf must cover (may be NULL), n_hosts of them
 * @param r       the report to update
 */
void hsts_cert_check_hosts(apr_pool_t *p, X509 *leaf, const char *const *hosts, int n_hosts,
                           hsts_cert_report_t *r);

/**
 * The severity of one finding of a report: the table's, except for the
 * findings in r->warnings (cert.chain_expiring before the intermediate expires).
 */
hsts_severity_e hsts_cert_finding_severity(const hsts_cert_report_t *r, hsts_finding_e f);

/**
 * The most severe severity of a report's findings (WARNING for none), as
 * hsts_findings_severity() but with r->warnings taken into account. The CLI's
 * exit status, the log level and the guard use it.
 */
hsts_severity_e hsts_cert_severity(const hsts_cert_report_t *r);

/**
 * The detail of one finding as the startup log and the CLI show it, e.g.
 * "not covered: b.test", "RSA 1024 bits", "398 days valid, issued 2025-01-01T00:00:00Z".
 * Certificate-derived parts are escaped already (see hsts_cert_report_t).
 * @param p    pool for the text
 * @param r    the report
 * @param f    a finding of r
 * @param now  render time, for days left
 * @return the text, never NULL
 */
const char *hsts_cert_finding_detail(apr_pool_t *p, const hsts_cert_report_t *r,
                                     hsts_finding_e f, apr_time_t now);

/**
 * The trusted roots when nothing is configured: the system's CA bundle file,
 * chosen at configure time (--with-ca-bundle=FILE; Debian
 * /etc/ssl/certs/ca-certificates.crt, Fedora/RHEL
 * /etc/pki/tls/certs/ca-bundle.crt). Never OpenSSL's hashed default directory.
 * @return a static absolute path
 */
const char *hsts_cert_default_ca_file(void);

/**
 * Load the trusted roots: a PEM bundle (HSTSTrustedCA, --ca-file; read as
 * hsts_cert_load_chain() reads, with the same errors, each certificate added
 * with X509_STORE_add_cert), or, when ca_file is NULL, the system CA bundle
 * file hsts_cert_default_ca_file() the same way (design.md section 2: not
 * X509_STORE_set_default_paths, whose hashed directory holds local
 * self-signed certificates such as Debian's snakeoil).
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
