/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_client_cert.h: the core of the mutual-TLS verdicts (design.md
 * section 6): HSTSClientCert and HSTSClientCertStatus values, the reason a
 * client certificate is refused (from OpenSSL's verify error or mod_ssl's
 * SSL_CLIENT_VERIFY text), the status line and the body of the 495/496
 * response. No httpd types: the glue in src/mod_hsts_client_cert.c gathers
 * the inputs (recorded verify error, mod_ssl's SSL_CLIENT_* variables), the
 * unit tests call these directly.
 */
#ifndef HSTS_CLIENT_CERT_H
#define HSTS_CLIENT_CERT_H

#include <apr_pools.h>

#include "hsts_findings.h"

#ifdef __cplusplus
extern "C" {
#endif

/** HSTSClientCert (design.md section 2). */
typedef enum {
    HSTS_CLIENT_CERT_OFF = 0,    /**< no verdict enforced here (the note is still set) */
    HSTS_CLIENT_CERT_REPORT,     /**< verdicts logged and counted, the request goes on */
    HSTS_CLIENT_CERT_REQUIRE     /**< missing: 496, failed or unverified: 495 */
} hsts_client_cert_e;

/** Default statuses of HSTSClientCertStatus (nginx's). */
#define HSTS_CLIENT_CERT_STATUS_ERROR 495
#define HSTS_CLIENT_CERT_STATUS_MISSING 496

/** The verdict on a connection's client certificate; the names are the
 *  values of the hsts-audit-client-cert note (design.md section 3). */
typedef enum {
    HSTS_CC_UNCHECKED = 0,       /**< "-": not a TLS connection, or not checked */
    HSTS_CC_OK,                  /**< "ok": verified (SSL_CLIENT_VERIFY SUCCESS) */
    HSTS_CC_MISSING,             /**< "missing": no certificate sent */
    HSTS_CC_EXPIRED,             /**< "expired" */
    HSTS_CC_NOT_YET_VALID,       /**< "not_yet_valid" */
    HSTS_CC_REVOKED,             /**< "revoked" (CRL or OCSP) */
    HSTS_CC_UNTRUSTED,           /**< "untrusted": unknown issuer, self-signed, GENEROUS */
    HSTS_CC_INVALID,             /**< "invalid": any other verification failure */
    HSTS_CC_COUNT
} hsts_cc_reason_e;

/**
 * The name of an HSTSClientCert value ("off", "report", "require").
 * @return a static string; "unset" for HSTS_UNSET or an unknown value
 */
const char *hsts_client_cert_mode_name(int mode);

/**
 * Parse an HSTSClientCert argument, ASCII case-insensitive.
 * @param arg   NUL-terminated text
 * @param mode  out: the hsts_client_cert_e; untouched on error
 * @return NULL on success, else a static message listing the accepted values
 */
const char *hsts_client_cert_mode_parse(const char *arg, int *mode);

/**
 * Parse one HSTSClientCertStatus argument: a 4xx status (400-499).
 * @param arg     NUL-terminated text, digits only
 * @param status  out: the status; untouched on error
 * @return NULL on success, else a static message
 */
const char *hsts_client_cert_status_parse(const char *arg, int *status);

/**
 * The note value of a verdict ("ok", "missing", "expired", ..., "-").
 * @return a static string; "-" for HSTS_CC_UNCHECKED and unknown values
 */
const char *hsts_cc_reason_name(hsts_cc_reason_e reason);

/**
 * The client_cert.* finding of a verdict.
 * @return the finding; HSTS_F_COUNT for HSTS_CC_OK and HSTS_CC_UNCHECKED
 */
hsts_finding_e hsts_cc_reason_finding(hsts_cc_reason_e reason);

/**
 * Whether HSTSClientCert require refuses a verdict: 1 for every reason but
 * HSTS_CC_OK and HSTS_CC_UNCHECKED.
 */
int hsts_cc_reason_refused(hsts_cc_reason_e reason);

/**
 * The reason for an OpenSSL verify error (X509_V_ERR_*): expired, not yet
 * valid, revoked, untrusted (the issuer is unknown or not trusted: unable to
 * get the issuer, self-signed, untrusted, rejected), else invalid.
 * @param verify_error  an X509_V_ERR_* value; X509_V_OK gives HSTS_CC_OK
 */
hsts_cc_reason_e hsts_cc_reason_of_verify_error(int verify_error);

/**
 * The reason for mod_ssl's SSL_CLIENT_VERIFY value: "SUCCESS" is ok, "NONE"
 * (or empty) missing, "GENEROUS" (SSLVerifyClient optional_no_ca accepted an
 * unverifiable issuer) untrusted, "FAILED:<reason>" the reason whose OpenSSL
 * text (X509_verify_cert_error_string) that is; unknown texts are invalid.
 * @param verify  the variable's value; NULL gives HSTS_CC_UNCHECKED
 */
hsts_cc_reason_e hsts_cc_reason_of_verify_text(const char *verify);

/**
 * The verdict on a connection.
 * @param verify          SSL_CLIENT_VERIFY (NULL: not a TLS connection)
 * @param rejected_error  the X509_V_ERR_* of the certificate mod_ssl's verify
 *                        callback rejected on this connection, 0 for none; it
 *                        takes precedence over the text (whatever the text
 *                        says, a rejected certificate is never ok)
 * @param first_error     the first X509_V_ERR_* of that verification, also
 *                        when mod_ssl let it pass (optional_no_ca accepts an
 *                        unknown issuer, then fails on its missing CRL: the
 *                        reason is the unknown issuer), 0 for none
 * @return the verdict
 */
hsts_cc_reason_e hsts_cc_verdict(const char *verify, int rejected_error, int first_error);

/**
 * Whether an accepted certificate gets client_cert.expiring_soon.
 * @param v_remain   SSL_CLIENT_V_REMAIN (days left, decimal), or NULL/""
 * @param warn_days  HSTSCertWarnDays
 * @return 1 when 0 <= days left <= warn_days, else 0 (also when unknown)
 */
int hsts_cc_expiring_soon(const char *v_remain, int warn_days);

/**
 * Whether a client that sent this Accept field takes an HTML body: yes
 * without the field, or when the most specific range that covers text/html
 * (text/html itself, then the text wildcard, then the any-type wildcard) has
 * a q-value above 0, or application/xhtml+xml does (RFC 9110 §12.5.1).
 * @param accept  the Accept field value, or NULL
 */
int hsts_cc_accepts_html(const char *accept);

/**
 * The reason phrase the module uses for a status httpd knows no phrase for:
 * "SSL Certificate Error" for a refused certificate, "SSL Certificate
 * Required" for a missing one (nginx's 495 / 496).
 * @param missing  nonzero for a missing certificate
 * @return a static string
 */
const char *hsts_cc_reason_phrase(int missing);

/** What the 495/496 page says. Strings may be NULL or empty; everything but
 *  status_line and reason comes from the client's certificate (or mod_ssl's
 *  view of it) and is escaped by the renderer. */
typedef struct {
    hsts_cc_reason_e reason;     /**< why (not OK / UNCHECKED) */
    const char *status_line;     /**< "495 SSL Certificate Error": the title */
    const char *subject;         /**< SSL_CLIENT_S_DN */
    const char *issuer;          /**< SSL_CLIENT_I_DN */
    const char *not_before;      /**< SSL_CLIENT_V_START, e.g. "Nov 21 10:00:00 2025 GMT" */
    const char *not_after;       /**< SSL_CLIENT_V_END */
    const char *verify;          /**< SSL_CLIENT_VERIFY, e.g. "FAILED:certificate revoked" */
    const char *https_url;       /**< a plain-HTTP request refused: the https:// URL to
                                      use instead (built from the request, escaped by
                                      the renderer), else NULL */
} hsts_cc_page_t;

/** Bytes kept of each certificate field in the page (then "..."). */
#define HSTS_CC_PAGE_FIELD_MAX 512

/**
 * The body of the response: what was wrong (expired on <date>, revoked,
 * unknown issuer <DN>, no certificate sent, plain HTTP where page->https_url
 * is set) and what the client must do (for plain HTTP: use that URL).
 * In both, control characters (0x00-0x1F, 0x7F) of a certificate field
 * become '?'. HTML: a small UTF-8 page with every certificate field
 * HTML-escaped (apr_pescape_entity). Text: UTF-8 lines. Certificate fields
 * are cut to HSTS_CC_PAGE_FIELD_MAX bytes (at a UTF-8 character boundary)
 * and "...".
 * @param p     pool for the result
 * @param page  the content
 * @param html  nonzero for HTML, zero for plain text
 * @return the body, NUL-terminated, allocated from p; never starts with '/'
 *         or a URL scheme (so httpd's ap_custom_response takes it as text)
 */
const char *hsts_cc_render_body(apr_pool_t *p, const hsts_cc_page_t *page, int html);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_CLIENT_CERT_H */
