/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_sts.h: the browser-exact Strict-Transport-Security parsers.
 *
 * Three judges of one header value, so the module can give Chromium's verdict
 * and say where Firefox or the hstspreload checker see it differently:
 *   - hsts_sts_parse():          Chromium's ParseHSTSHeader (the verdict we act on)
 *   - hsts_sts_parse_firefox():  Firefox's nsSiteSecurityService/nsSecurityHeaderParser
 *   - hsts_preload_parse():      chromium/hstspreload header.go ParseHeaderString
 * The rules are written down in docs/sts-parsing.md.
 *
 * None of these allocate: results live in caller-provided structs and point
 * into the caller's buffer, so they are safe per request and in fuzzers.
 * No httpd types: the CLI, unit tests and fuzzers link this directly.
 */
#ifndef HSTS_STS_H
#define HSTS_STS_H

#include <apr.h>

#include "hsts_findings.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The most Chromium stores: one year, in seconds (kMaxHSTSAgeSecs). */
#define HSTS_CHROMIUM_MAX_AGE_CAP APR_UINT64_C(31536000)
/** The most Firefox stores: 100 years, in seconds. */
#define HSTS_FIREFOX_MAX_AGE_CAP APR_UINT64_C(3153600000)
/** The hstspreload minimum max-age (bulk-1-year policy), in seconds. */
#define HSTS_PRELOAD_MIN_MAX_AGE APR_UINT64_C(31536000)
/** hstspreload's 18-week minimum (older bulk policy), in seconds. */
#define HSTS_PRELOAD_MIN_MAX_AGE_18_WEEKS APR_UINT64_C(10886400)
/** Above this (10 years, seconds) hstspreload warns. */
#define HSTS_PRELOAD_MAX_AGE_10_YEARS APR_UINT64_C(315360000)

/** Chromium's verdict on a header value; each value maps to one finding
 *  sub-code of design.md section 4 (see hsts_sts_verdict_code()). */
typedef enum {
    HSTS_STS_VALID = 0,
    /** header.invalid.syntax: a piece starts with '=', a name contains '"',
     *  a malformed quoted-string, an empty value on an unknown directive. */
    HSTS_STS_INVALID_SYNTAX,
    /** header.invalid.max_age: max-age value empty, absent, or not all digits. */
    HSTS_STS_INVALID_MAX_AGE,
    /** header.invalid.max_age.missing: no max-age directive at all. */
    HSTS_STS_INVALID_MAX_AGE_MISSING,
    /** header.invalid.repeated_directive: max-age or includeSubDomains twice. */
    HSTS_STS_INVALID_REPEATED_DIRECTIVE,
    /** header.invalid.include_sub_domains_value: includeSubDomains with any value. */
    HSTS_STS_INVALID_INCLUDE_SUB_DOMAINS_VALUE,
    /** header.invalid.token: unknown directive whose name or unquoted value is
     *  not an RFC 7230 token. */
    HSTS_STS_INVALID_TOKEN
} hsts_sts_verdict_e;

/** What Chromium makes of one Strict-Transport-Security value. */
typedef struct {
    hsts_sts_verdict_e verdict;   /**< HSTS_STS_VALID or why not */
    /** a max-age directive was present (on an invalid value: in the pieces
     *  read up to and including the one that failed) */
    int max_age_seen;
    /** Seconds Chromium stores: min(value, HSTS_CHROMIUM_MAX_AGE_CAP); 0 when invalid. */
    apr_uint64_t max_age;
    /** The value as written, in seconds, saturated at APR_UINT64_MAX; 0 when invalid. */
    apr_uint64_t max_age_value;
    int max_age_overflow;         /**< value did not fit in 64 bits (Chromium clamps) */
    /** The digits as written (quotes removed, leading zeros kept); points into
     *  the caller's buffer, NULL when invalid. Not NUL-terminated. */
    const char *max_age_digits;
    apr_size_t max_age_digits_len;
    /** max_age_digits is the text between the quotes of a quoted-string
     *  that used quoted-pairs (max-age="\3\1"): every '\\' in it escapes
     *  the next byte and is not a digit; skip them to get the digits.
     *  0 for unquoted values and quoted values without a backslash. */
    int max_age_digits_escaped;
    int include_subdomains;       /**< includeSubDomains present (valid header only) */
    /** a directive named "preload" was seen (ignored by browsers); on an
     *  invalid value only pieces before the failing one count */
    int preload;
    int quoted_max_age;           /**< max-age value was a quoted-string */
    /** byte offset in the value of the (SP/HTAB-trimmed) piece that failed;
     *  the value's length for HSTS_STS_INVALID_MAX_AGE_MISSING; 0 when valid */
    apr_size_t error_offset;
} hsts_sts_policy_t;

/**
 * Parse a Strict-Transport-Security field value exactly as Chromium does
 * (Chromium net/http/http_security_headers.cc ParseHSTSHeader, RFC 6797 §6.1,
 * the rules in docs/sts-parsing.md "Chromium: the verdict").
 * @param value  the field value, byte for byte; need not be NUL-terminated;
 *               may contain any byte (NUL included). Not copied.
 * @param len    its length in bytes
 * @param out    filled in completely (zeroed first); pointers point into value
 * @return out->verdict
 */
hsts_sts_verdict_e hsts_sts_parse(const char *value, apr_size_t len,
                                  hsts_sts_policy_t *out);

/**
 * The finding code of a verdict (design.md section 4), a static string:
 * "header.invalid.syntax", "header.invalid.max_age", ...; NULL for HSTS_STS_VALID.
 */
const char *hsts_sts_verdict_code(hsts_sts_verdict_e verdict);

/** What Firefox makes of one value. */
typedef struct {
    int valid;                    /**< Firefox accepts the header */
    apr_uint64_t max_age;         /**< seconds Firefox stores: min(value, 100 years); 0 when invalid */
    int include_subdomains;
} hsts_sts_firefox_t;

/**
 * Parse a value as Firefox does (nsSecurityHeaderParser grammar: LWS may be a
 * CRLF followed by SP/HT; an empty directive name is an unknown directive;
 * max-age must fit in uint64 and is capped at 100 years; repeated max-age or
 * includeSubDomains, or a value on includeSubDomains, are invalid).
 * Firefox reads the value as a C string, so a NUL byte ends it here too, and
 * keeps the backslashes of a quoted-string (max-age="1\2" is invalid).
 * @param value, len  as hsts_sts_parse()
 * @param out         filled in completely
 * @return out->valid
 */
int hsts_sts_parse_firefox(const char *value, apr_size_t len,
                           hsts_sts_firefox_t *out);

/** How many issue codes hsts_preload_result_t keeps of each severity; more
 *  are counted in n_errors/n_warnings but not stored. */
#define HSTS_PRELOAD_MAX_ISSUES 16

/** hstspreload's view of a value: its parse and the issue codes it reports. */
typedef struct {
    int max_age_set;              /**< a max-age that parsed without error */
    /** seconds, unclamped: hstspreload's strconv.ParseUint(value, 10, 64)
     *  takes up to 2^64-1 and rejects more (header.parse.max_age.parse_int_error) */
    apr_uint64_t max_age;
    int include_subdomains;
    int preload;
    /** Issue codes, hstspreload's own names ("header.parse.repeated.preload",
     *  "header.preloadable.max_age.below_1_year", ...): static strings, in the
     *  order hstspreload adds them. */
    const char *errors[HSTS_PRELOAD_MAX_ISSUES];
    const char *warnings[HSTS_PRELOAD_MAX_ISSUES];
    int n_errors;                 /**< errors found (may exceed HSTS_PRELOAD_MAX_ISSUES) */
    int n_warnings;
    /** The module's findings among the issues (the table's codes, not
     *  hstspreload's): HSTS_F_PRELOADABLE_INCLUDE_SUB_DOMAINS_MISSING,
     *  _PRELOAD_MISSING, _MAX_AGE_BELOW_1_YEAR for every max-age
     *  requirement error (missing, zero, below the minimum), and the warning
     *  _MAX_AGE_OVER_10_YEARS; counted also past HSTS_PRELOAD_MAX_ISSUES. */
    hsts_findings_t findings;
} hsts_preload_result_t;

/** Which hstspreload requirement set hsts_preload_check() applies. */
typedef enum {
    HSTS_PRELOAD_PARSE_ONLY = 0,  /**< ParseHeaderString: no requirements */
    HSTS_PRELOAD_BULK_1_YEAR,     /**< PreloadableHeaderString (bulk-1-year policy) */
    HSTS_PRELOAD_BULK_18_WEEKS,   /**< EligibleHeaderString (bulk-18-weeks policy) */
    HSTS_PRELOAD_REMOVABLE        /**< RemovableHeaderString (removal requests) */
} hsts_preload_policy_e;

/**
 * Judge a value as the hstspreload checker does (chromium/hstspreload
 * header.go: ParseHeaderString, then the requirements of the given policy).
 * Splits on ';' ignoring quotes, trims Unicode white space (UTF-8), matches
 * directive names case-insensitively, repeated directives are warnings.
 * @param value, len  as hsts_sts_parse()
 * @param policy      which requirements to add to the parse issues
 * @param out         filled in completely
 * @return number of errors (0 = hstspreload accepts the header for that policy)
 */
int hsts_preload_check(const char *value, apr_size_t len,
                       hsts_preload_policy_e policy, hsts_preload_result_t *out);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_STS_H */
