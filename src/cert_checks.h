/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * cert_checks.h: inside the core only (not installed, no httpd types): the
 * browsers' certificate rules that cert_audit.c applies on top of OpenSSL's
 * chain verification (design.md section 4, the (0.2) cert.* codes).
 * cert_rules.c reads one certificate; cert_distrust.c holds the table of
 * distrusted roots. OpenSSL does the parsing; a malformed extension is
 * treated as described per function, never dereferenced.
 */
#ifndef HSTS_CERT_CHECKS_H
#define HSTS_CERT_CHECKS_H

#include <apr_pools.h>
#include <apr_time.h>

#include <openssl/x509.h>

/**
 * A key browsers refuse (cert.weak_key): RSA below 2048 bits, DSA, or EC on a
 * curve other than P-256/P-384 (EVP_PKEY_get_bits, the EC group name).
 * @return e.g. "RSA 1024 bits", "DSA 2048 bits", "EC curve secp256k1", from p;
 *         NULL for an acceptable key or one OpenSSL cannot read (X509_get0_pubkey NULL)
 */
const char *hsts_cert_weak_key(apr_pool_t *p, X509 *x);

/**
 * cert.server_auth_missing: x has an extendedKeyUsage extension without
 * id-kp-serverAuth (anyExtendedKeyUsage does not count: Firefox requires
 * serverAuth itself). A malformed EKU (OpenSSL flags it EXFLAG_INVALID, and the
 * verification fails on it) is not this finding.
 * @return 1 or 0
 */
int hsts_cert_lacks_server_auth(X509 *x);

/**
 * OCSP Must-Staple: x's TLS Feature extension (RFC 7633) lists
 * status_request (5). A malformed extension counts as absent.
 * @return 1 or 0
 */
int hsts_cert_must_staple(X509 *x);

/**
 * The embedded SCTs of x (the precertificate SCT list extension,
 * X509_get_ext_d2i(NID_ct_precert_scts)): how many v1 SCTs, and the earliest
 * timestamp among them.
 * @param earliest  out: the earliest SCT's time (APR time), 0 when there is none
 * @return the count; 0 without the extension; -1 when it is present but
 *         malformed (browsers then count none); 0 when OpenSSL lacks CT support
 */
int hsts_cert_sct_count(X509 *x, apr_time_t *earliest);

/**
 * x's lifetime notAfter - notBefore (ASN1_TIME_diff).
 * @param days  out: whole days
 * @param secs  out: the seconds beyond them (0..86399)
 * @return 1, or 0 when OpenSSL cannot read the dates
 */
int hsts_cert_lifetime(X509 *x, int *days, int *secs);

/** One row of the distrust table (src/cert_distrust.c). All static. */
typedef struct {
    const char *spki_sha256;     /**< SHA-256 of the root's SubjectPublicKeyInfo DER, lower-case hex */
    const char *root;            /**< the root's name, as the source names it */
    apr_int64_t last_trusted;    /**< the last second (Unix time, UTC) of certificates the browser still trusts */
    const char *browser;         /**< "Chrome", "Firefox", or "test" for this project's test root */
    int by_sct;                  /**< 1: the browser compares the earliest embedded SCT (else notBefore) */
    const char *source;          /**< the public announcement */
} hsts_distrust_t;

/**
 * Is root (the trust anchor a chain was built to) distrusted for a
 * certificate of that date? The root's SPKI SHA-256 is looked up in the table.
 * @param root         the trust anchor
 * @param not_before   the leaf's notBefore (APR time)
 * @param earliest_sct the leaf's earliest embedded SCT (APR time), 0 for none
 * @param compared     out: the date that was compared (SCT or notBefore)
 * @return the first row whose cut-off the date passes, or NULL
 */
const hsts_distrust_t *hsts_cert_distrusted(X509 *root, apr_time_t not_before,
                                            apr_time_t earliest_sct, apr_time_t *compared);

#endif /* HSTS_CERT_CHECKS_H */
