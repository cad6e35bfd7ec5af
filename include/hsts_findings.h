/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_findings.h: the one table of finding codes (design.md section 4) that
 * the error log, the request note, the status page and the CLI all read.
 * Codes reuse the hstspreload checker's names where the concept is the same.
 */
#ifndef HSTS_FINDINGS_H
#define HSTS_FINDINGS_H

#include <apr.h>
#include <apr_pools.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HSTS_SEVERITY_WARNING = 0,
    HSTS_SEVERITY_ERROR
} hsts_severity_e;

/** Every finding the module reports; the order is the table's order (and the
 *  order codes are listed in notes and logs). Keep < 64 (hsts_findings_t). */
typedef enum {
    HSTS_F_HEADER_MISSING = 0,
    HSTS_F_HEADER_MULTIPLE,
    HSTS_F_HEADER_INVALID_SYNTAX,
    HSTS_F_HEADER_INVALID_MAX_AGE,
    HSTS_F_HEADER_INVALID_MAX_AGE_MISSING,
    HSTS_F_HEADER_INVALID_REPEATED_DIRECTIVE,
    HSTS_F_HEADER_INVALID_INCLUDE_SUB_DOMAINS_VALUE,
    HSTS_F_HEADER_INVALID_TOKEN,
    HSTS_F_HEADER_MAX_AGE_ZERO,
    HSTS_F_HEADER_MAX_AGE_BELOW_CONFIGURED,
    HSTS_F_HEADER_INCLUDE_SUB_DOMAINS_BELOW_CONFIGURED,  /* (0.2) */
    HSTS_F_HEADER_OVER_HTTP,
    HSTS_F_PRELOADABLE_INCLUDE_SUB_DOMAINS_MISSING,
    HSTS_F_PRELOADABLE_PRELOAD_MISSING,
    HSTS_F_PRELOADABLE_MAX_AGE_BELOW_1_YEAR,
    HSTS_F_PRELOADABLE_MAX_AGE_OVER_10_YEARS,            /* (0.2) */
    HSTS_F_HEADER_PRELOAD_DIVERGENT,
    HSTS_F_REDIRECTS_HTTP_NO_REDIRECT,
    HSTS_F_REDIRECTS_HTTP_FIRST_REDIRECT_INSECURE,
    HSTS_F_REDIRECTS_DOWNGRADE,
    HSTS_F_REDIRECTS_HTTPS_TARGET_CERT_INVALID,
    HSTS_F_CERT_EXPIRED,
    HSTS_F_CERT_NOT_YET_VALID,
    HSTS_F_CERT_EXPIRING_SOON,
    HSTS_F_CERT_NAME_MISMATCH,
    HSTS_F_CERT_CHAIN_INCOMPLETE,
    HSTS_F_CERT_UNTRUSTED,
    HSTS_F_CERT_WEAK_SIGNATURE,
    HSTS_F_CERT_CHAIN_EXPIRING,          /* (0.2) */
    HSTS_F_CERT_WEAK_KEY,                /* (0.2) */
    HSTS_F_CERT_SERVER_AUTH_MISSING,     /* (0.2) */
    HSTS_F_CERT_VALIDITY_TOO_LONG,       /* (0.2) */
    HSTS_F_CERT_CT_INSUFFICIENT,         /* (0.2) */
    HSTS_F_CERT_MUST_STAPLE_UNSTAPLED,   /* (0.2) */
    HSTS_F_CERT_ISSUER_DISTRUSTED,       /* (0.2) */
    HSTS_F_CERT_RELOAD_PENDING,
    HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS,
    HSTS_F_RAMP_HELD,                    /* (0.2) */
    HSTS_F_CLIENT_CERT_MISSING,
    HSTS_F_CLIENT_CERT_EXPIRED,
    HSTS_F_CLIENT_CERT_NOT_YET_VALID,
    HSTS_F_CLIENT_CERT_REVOKED,
    HSTS_F_CLIENT_CERT_UNTRUSTED,
    HSTS_F_CLIENT_CERT_INVALID,
    HSTS_F_CLIENT_CERT_EXPIRING_SOON,
    /* (0.2) the self-check / hsts-audit check (design.md section 5c): the
     * hstspreload checker's own codes and meanings (include/hsts_live_check.h) */
    HSTS_F_RESPONSE_NO_HEADER,
    HSTS_F_RESPONSE_MULTIPLE_HEADERS,
    HSTS_F_REDIRECTS_HTTP_FIRST_REDIRECT_NO_HSTS,
    HSTS_F_REDIRECTS_HTTP_WWW_FIRST,
    HSTS_F_REDIRECTS_INSECURE_INITIAL,
    HSTS_F_REDIRECTS_INSECURE_SUBSEQUENT,
    HSTS_F_REDIRECTS_TOO_MANY,
    HSTS_F_DOMAIN_WWW_NO_TLS,
    HSTS_F_DOMAIN_TLS_INVALID_CERT_CHAIN,
    HSTS_F_DOMAIN_TLS_SHA1,
    HSTS_F_COUNT
} hsts_finding_e;

/* hsts_findings_t is a 64-bit set. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(HSTS_F_COUNT <= 64, "hsts_findings_t holds at most 64 findings");
#endif

/** A set of findings: bit (1 << hsts_finding_e). */
typedef apr_uint64_t hsts_findings_t;
#define HSTS_FINDING_BIT(f) ((hsts_findings_t)1 << (f))

/** What part of the work a finding belongs to (its code's first word). */
typedef enum {
    HSTS_CAT_HEADER = 0,         /**< header.*: a Strict-Transport-Security field */
    HSTS_CAT_REDIRECTS,          /**< redirects.*: a response's redirect (Location) */
    HSTS_CAT_CERT,               /**< cert.*: a vhost's certificate */
    HSTS_CAT_GUARD,              /**< guard.*: the lock-out guard */
    HSTS_CAT_RAMP,               /**< ramp.*: the max-age ramp (HSTSMaxAgeRamp) */
    HSTS_CAT_CLIENT_CERT,        /**< client_cert.*: mutual TLS */
    /** (0.2) the self-check (design.md section 5c) and `hsts-audit check`:
     *  hstspreload's response.*, redirects.* and domain.* codes judged over
     *  the network (include/hsts_live_check.h) */
    HSTS_CAT_PRELOAD
} hsts_finding_category_e;

/** One row of the table. All strings are static. */
typedef struct {
    hsts_finding_e id;
    const char *code;            /**< e.g. "header.invalid.syntax" */
    hsts_finding_category_e category;
    hsts_severity_e severity;
    const char *summary;         /**< one line: what is wrong and what it does to visitors */
    const char *fix;             /**< one line: what the administrator should do */
    /** For cert.* (and guard.*): the errors a visitor's browser shows,
     *  "Chromium / Firefox", else NULL. */
    const char *browser_errors;
} hsts_finding_info_t;

/**
 * The table row of a finding.
 * @param id  a finding; out-of-range values give NULL
 * @return a static row, or NULL
 */
const hsts_finding_info_t *hsts_finding_info(hsts_finding_e id);

/**
 * Find a finding by its code, exact and case-sensitive.
 * @param code  NUL-terminated code, e.g. "cert.expired"
 * @return the finding, or HSTS_F_COUNT when there is none of that name
 */
hsts_finding_e hsts_finding_by_code(const char *code);

/**
 * The finding of a Chromium verdict (hsts_sts_verdict_e from hsts_sts.h):
 * the header.invalid.* sub-code.
 * @param verdict  a verdict other than HSTS_STS_VALID
 * @return the finding; HSTS_F_HEADER_INVALID_SYNTAX for unknown values
 */
hsts_finding_e hsts_finding_of_verdict(int verdict);

/**
 * Write the codes of a set, comma-separated in table order, into buf.
 * @param set     the findings
 * @param buf     output, always NUL-terminated (when size > 0)
 * @param size    bytes available in buf
 * @return the length the full list needs (excluding the NUL), like snprintf;
 *         "ok" is written for an empty set
 */
apr_size_t hsts_findings_format(hsts_findings_t set, char *buf, apr_size_t size);

/**
 * The codes of a set in table order, joined by sep, as one string.
 * @param p    pool for the result
 * @param set  the findings
 * @param sep  what goes between two codes (" ", ", ")
 * @return the codes from p; "" for an empty set
 */
const char *hsts_findings_join(apr_pool_t *p, hsts_findings_t set, const char *sep);

/**
 * The most severe severity in a set.
 * @return HSTS_SEVERITY_ERROR if any finding in set is an error, else WARNING
 *         (also for an empty set)
 */
hsts_severity_e hsts_findings_severity(hsts_findings_t set);

/**
 * Whether a finding is a problem (design.md section 4): a condition that
 * stands until it is fixed (cert.*, guard.*), shown as current state with
 * the time it was first seen; the others are events, counted.
 * @return 1 for a problem, 0 for an event or an out-of-range id
 */
int hsts_finding_is_problem(hsts_finding_e id);

/** Every problem code as one set (the bits hsts_finding_is_problem() accepts). */
hsts_findings_t hsts_problem_codes(void);

/**
 * A severity's name as every output shows it.
 * @return "error" or "warning" (static)
 */
const char *hsts_severity_name(hsts_severity_e severity);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_FINDINGS_H */
