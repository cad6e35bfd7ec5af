/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * sts_preload.c: the hstspreload checker's view of a Strict-Transport-Security
 * value.
 *
 * Source followed: chromium/hstspreload header.go (ParseHeaderString,
 * parseMaxAge, PreloadableHeader / EligibleHeader / RemovableHeader and the
 * *HeaderString wrappers) and issues.go (unique vs. repeatable issues), as
 * summarised in docs/sts-parsing.md "hstspreload: differences". Written from
 * them, not copied. The Go semantics reproduced here:
 *   - strings.Split on every ';' (quotes mean nothing);
 *   - strings.TrimSpace: Unicode white space encoded in UTF-8 (ASCII
 *     \t \n \v \f \r and SP, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028,
 *     U+2029, U+202F, U+205F, U+3000);
 *   - strings.EqualFold (simple Unicode folding: U+017F folds to 's' and
 *     U+212A to 'k') and strings.HasPrefix(strings.ToLower(d), prefix)
 *     (U+0130 lowers to 'i', U+212A to 'k');
 *   - strconv.ParseUint(s, 10, 64) for max-age;
 *   - a value that is empty after trimming, with no ';', returns at once with
 *     the single warning header.parse.empty.
 * Issue order is the order hstspreload appends them. No allocation; O(n).
 */
#include "hsts_sts.h"

#include <limits.h>
#include <string.h>

/** strconv.ParseUint bit size used by parseMaxAge (header.go: 64). */
#define PRELOAD_PARSE_UINT_BITS 64

/** hstspreload's minimum max-age values and the 10-year warning (seconds). */
#define PRELOAD_ONE_YEAR      HSTS_PRELOAD_MIN_MAX_AGE
#define PRELOAD_EIGHTEEN_WEEKS HSTS_PRELOAD_MIN_MAX_AGE_18_WEEKS
#define PRELOAD_TEN_YEARS     HSTS_PRELOAD_MAX_AGE_10_YEARS

/* Issue codes: hstspreload's own names. */
static const char CODE_EMPTY[] = "header.parse.empty";
static const char CODE_REPEATED_PRELOAD[] = "header.parse.repeated.preload";
static const char CODE_INVALID_PRELOAD[] = "header.parse.invalid.preload";
static const char CODE_REPEATED_ISD[] =
    "header.parse.repeated.include_sub_domains";
static const char CODE_INVALID_ISD[] =
    "header.parse.invalid.include_sub_domains";
static const char CODE_REPEATED_MAX_AGE[] = "header.parse.repeated.max_age";
static const char CODE_MAX_AGE_NO_VALUE[] =
    "header.parse.invalid.max_age.no_value";
static const char CODE_EMPTY_DIRECTIVE[] = "header.parse.empty_directive";
static const char CODE_UNKNOWN_DIRECTIVE[] = "header.parse.unknown_directive";
static const char CODE_LEADING_ZERO[] = "header.parse.max_age.leading_zero";
static const char CODE_NON_DIGIT[] =
    "header.parse.max_age.non_digit_characters";
static const char CODE_PARSE_INT[] = "header.parse.max_age.parse_int_error";
static const char CODE_ISD_MISSING[] =
    "header.preloadable.include_sub_domains.missing";
static const char CODE_PRELOAD_MISSING[] = "header.preloadable.preload.missing";
static const char CODE_MAX_AGE_MISSING[] = "header.preloadable.max_age.missing";
static const char CODE_MAX_AGE_ZERO[] = "header.preloadable.max_age.zero";
static const char CODE_BELOW_1_YEAR[] =
    "header.preloadable.max_age.below_1_year";
static const char CODE_BELOW_18_WEEKS[] =
    "header.preloadable.max_age.below_18_weeks";
static const char CODE_OVER_10_YEARS[] =
    "header.preloadable.max_age.over_10_years";
static const char CODE_REMOVABLE_PRELOAD[] = "header.removable.contains.preload";
static const char CODE_REMOVABLE_MAX_AGE[] = "header.removable.missing.max_age";

/** The issues hstspreload adds only once (addUnique*), as bits. */
enum {
    UNIQUE_REPEATED_PRELOAD = 1 << 0,
    UNIQUE_INVALID_PRELOAD = 1 << 1,
    UNIQUE_REPEATED_ISD = 1 << 2,
    UNIQUE_INVALID_ISD = 1 << 3,
    UNIQUE_REPEATED_MAX_AGE = 1 << 4,
    UNIQUE_MAX_AGE_NO_VALUE = 1 << 5,
    UNIQUE_EMPTY_DIRECTIVE = 1 << 6
};

/** A span of the caller's value: not NUL-terminated. */
typedef struct {
    const unsigned char *p;
    apr_size_t len;
} pl_span_t;

/* ---- issues ------------------------------------------------------------ */

static void pl_add(const char **list, int *n, const char *code)
{
    if (*n < HSTS_PRELOAD_MAX_ISSUES) {
        list[*n] = code;
    }
    if (*n < INT_MAX) {
        (*n)++;
    }
}

static void pl_error(hsts_preload_result_t *out, const char *code)
{
    pl_add(out->errors, &out->n_errors, code);
}

static void pl_warning(hsts_preload_result_t *out, const char *code)
{
    pl_add(out->warnings, &out->n_warnings, code);
}

/** addUniqueWarningf: only if no warning with this code exists yet. */
static void pl_unique_warning(hsts_preload_result_t *out, unsigned *present,
                              unsigned bit, const char *code)
{
    if (!(*present & bit)) {
        *present |= bit;
        pl_warning(out, code);
    }
}

/* ---- Go string semantics ----------------------------------------------- */

/** Length of the Unicode white space character (Go unicode.IsSpace) whose
 *  UTF-8 encoding is exactly s[0, n), else 0. */
static int pl_is_space_encoding(const unsigned char *s, apr_size_t n)
{
    switch (n) {
    case 1:
        return s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r');
    case 2:
        return s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0);
    case 3:
        if (s[0] == 0xE1) {
            return s[1] == 0x9A && s[2] == 0x80;              /* U+1680 */
        }
        if (s[0] == 0xE3) {
            return s[1] == 0x80 && s[2] == 0x80;              /* U+3000 */
        }
        if (s[0] != 0xE2) {
            return 0;
        }
        if (s[1] == 0x80) {                                   /* U+20xx */
            return (s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8
                   || s[2] == 0xA9 || s[2] == 0xAF;
        }
        return s[1] == 0x81 && s[2] == 0x9F;                  /* U+205F */
    default:
        return 0;
    }
}

/** Bytes of the white space character that starts s, or 0. */
static apr_size_t pl_space_prefix(pl_span_t s)
{
    apr_size_t n;

    for (n = 1; n <= 3 && n <= s.len; n++) {
        if (pl_is_space_encoding(s.p, n)) {
            return n;
        }
    }
    return 0;
}

/** Bytes of the white space character that ends s, or 0. A valid encoding
 *  at the very end is what utf8.DecodeLastRuneInString returns there. */
static apr_size_t pl_space_suffix(pl_span_t s)
{
    apr_size_t n;

    for (n = 1; n <= 3 && n <= s.len; n++) {
        if (pl_is_space_encoding(s.p + s.len - n, n)) {
            return n;
        }
    }
    return 0;
}

/** strings.TrimSpace. */
static pl_span_t pl_trim_space(pl_span_t s)
{
    apr_size_t n;

    while ((n = pl_space_prefix(s)) != 0) {
        s.p += n;
        s.len -= n;
    }
    while ((n = pl_space_suffix(s)) != 0) {
        s.len -= n;
    }
    return s;
}

static unsigned char pl_ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static int pl_has_bytes(pl_span_t s, apr_size_t at, const char *bytes,
                        apr_size_t n)
{
    return s.len - at >= n && memcmp(s.p + at, bytes, n) == 0;
}

/**
 * Bytes of s at 'at' that Go matches against the ASCII letter 'lower'
 * (lower case): 1 for an ASCII case variant, more for the non-ASCII runes
 * that 'fold' (strings.EqualFold) or 'lowercase' (strings.ToLower) maps to
 * it; 0 if none.
 */
static apr_size_t pl_match_rune(pl_span_t s, apr_size_t at, char lower,
                                int fold)
{
    if (at >= s.len) {
        return 0;
    }
    if (s.p[at] < 0x80) {
        return pl_ascii_lower(s.p[at]) == (unsigned char)lower;
    }
    if (lower == 'k' && pl_has_bytes(s, at, "\xE2\x84\xAA", 3)) {
        return 3;                       /* U+212A KELVIN SIGN */
    }
    if (fold && lower == 's' && pl_has_bytes(s, at, "\xC5\xBF", 2)) {
        return 2;                       /* U+017F LATIN SMALL LETTER LONG S */
    }
    if (!fold && lower == 'i' && pl_has_bytes(s, at, "\xC4\xB0", 2)) {
        return 2;                       /* U+0130 CAPITAL I WITH DOT ABOVE */
    }
    return 0;
}

/** Matches the lower-case ASCII 'literal' at the start of s; returns the
 *  bytes of s used, or (apr_size_t)-1. */
static apr_size_t pl_match_prefix(pl_span_t s, const char *literal, int fold)
{
    apr_size_t at = 0;

    for (; *literal; literal++) {
        apr_size_t n = pl_match_rune(s, at, *literal, fold);

        if (n == 0) {
            return (apr_size_t)-1;
        }
        at += n;
    }
    return at;
}

/** strings.EqualFold(d, literal) for an ASCII literal given in lower case. */
static int pl_equal_fold(pl_span_t d, const char *lower_literal)
{
    return pl_match_prefix(d, lower_literal, 1) == d.len;
}

/** strings.HasPrefix(strings.ToLower(d), lower_literal). */
static int pl_has_prefix_lower(pl_span_t d, const char *lower_literal)
{
    return pl_match_prefix(d, lower_literal, 0) != (apr_size_t)-1;
}

/* ---- ParseHeaderString ------------------------------------------------- */

/** strconv.ParseUint(s, 10, PRELOAD_PARSE_UINT_BITS) for an all-digit s. */
static int pl_parse_uint(pl_span_t s, apr_uint64_t *out)
{
    const apr_uint64_t max = PRELOAD_PARSE_UINT_BITS >= 64
        ? APR_UINT64_MAX
        : (APR_UINT64_C(1) << (PRELOAD_PARSE_UINT_BITS % 64)) - 1;
    apr_uint64_t value = 0;
    apr_size_t i;

    if (s.len == 0) {
        return 0;                       /* strconv.ErrSyntax */
    }
    for (i = 0; i < s.len; i++) {
        unsigned d = (unsigned)(s.p[i] - '0');

        if (value > (max - d) / 10) {
            return 0;                   /* strconv.ErrRange */
        }
        value = value * 10 + d;
    }
    *out = value;
    return 1;
}

/** parseMaxAge: the text after "max-age=". Appends its issues; returns 1
 *  with *seconds set when it added no error. */
static int pl_parse_max_age(pl_span_t digits, hsts_preload_result_t *out,
                            apr_uint64_t *seconds)
{
    apr_size_t i;

    if (digits.len > 1 && digits.p[0] == '0') {
        pl_warning(out, CODE_LEADING_ZERO);
    }
    for (i = 0; i < digits.len; i++) {
        if (digits.p[i] < '0' || digits.p[i] > '9') {
            pl_error(out, CODE_NON_DIGIT);
            return 0;
        }
    }
    if (!pl_parse_uint(digits, seconds)) {
        pl_error(out, CODE_PARSE_INT);
        return 0;
    }
    return 1;
}

static void pl_directive_max_age(pl_span_t d, apr_size_t prefix_len,
                                 hsts_preload_result_t *out, unsigned *present)
{
    pl_span_t digits;
    apr_uint64_t seconds = 0;

    digits.p = d.p + prefix_len;
    digits.len = d.len - prefix_len;
    if (!pl_parse_max_age(digits, out, &seconds)) {
        return;
    }
    if (!out->max_age_set) {
        out->max_age_set = 1;
        out->max_age = seconds;
        return;
    }
    pl_unique_warning(out, present, UNIQUE_REPEATED_MAX_AGE,
                      CODE_REPEATED_MAX_AGE);
}

/** One trimmed directive, classified in header.go's order. */
static void pl_directive(pl_span_t d, hsts_preload_result_t *out,
                         unsigned *present)
{
    apr_size_t prefix_len;

    if (pl_equal_fold(d, "preload")) {
        if (out->preload) {
            pl_unique_warning(out, present, UNIQUE_REPEATED_PRELOAD,
                              CODE_REPEATED_PRELOAD);
        }
        out->preload = 1;
    }
    else if (pl_has_prefix_lower(d, "preload")) {
        pl_unique_warning(out, present, UNIQUE_INVALID_PRELOAD,
                          CODE_INVALID_PRELOAD);
    }
    else if (pl_equal_fold(d, "includesubdomains")) {
        if (out->include_subdomains) {
            pl_unique_warning(out, present, UNIQUE_REPEATED_ISD,
                              CODE_REPEATED_ISD);
        }
        out->include_subdomains = 1;
    }
    else if (pl_has_prefix_lower(d, "includesubdomains")) {
        pl_unique_warning(out, present, UNIQUE_INVALID_ISD, CODE_INVALID_ISD);
    }
    else if ((prefix_len = pl_match_prefix(d, "max-age=", 0))
             != (apr_size_t)-1) {
        pl_directive_max_age(d, prefix_len, out, present);
    }
    else if (pl_has_prefix_lower(d, "max-age")) {
        if (!(*present & UNIQUE_MAX_AGE_NO_VALUE)) {
            *present |= UNIQUE_MAX_AGE_NO_VALUE;
            pl_error(out, CODE_MAX_AGE_NO_VALUE);
        }
    }
    else if (d.len == 0) {
        pl_unique_warning(out, present, UNIQUE_EMPTY_DIRECTIVE,
                          CODE_EMPTY_DIRECTIVE);
    }
    else {
        pl_warning(out, CODE_UNKNOWN_DIRECTIVE);
    }
}

/** ParseHeaderString. */
static void pl_parse_header(pl_span_t value, hsts_preload_result_t *out)
{
    unsigned present = 0;
    apr_size_t start = 0;

    if (memchr(value.p, ';', value.len) == NULL
        && pl_trim_space(value).len == 0) {
        pl_warning(out, CODE_EMPTY);
        return;
    }
    for (;;) {
        const unsigned char *semi =
            memchr(value.p + start, ';', value.len - start);
        apr_size_t end = semi ? (apr_size_t)(semi - value.p) : value.len;
        pl_span_t d;

        d.p = value.p + start;
        d.len = end - start;
        pl_directive(pl_trim_space(d), out, &present);
        if (semi == NULL) {
            break;
        }
        start = end + 1;
    }
}

/* ---- requirements ------------------------------------------------------ */

/** preloadableHeaderMaxAge for the given minimum. */
static void pl_require_max_age(hsts_preload_result_t *out,
                               hsts_preload_policy_e policy)
{
    apr_uint64_t minimum = policy == HSTS_PRELOAD_BULK_18_WEEKS
        ? PRELOAD_EIGHTEEN_WEEKS : PRELOAD_ONE_YEAR;

    const char *error = !out->max_age_set ? CODE_MAX_AGE_MISSING
                      : out->max_age == 0 ? CODE_MAX_AGE_ZERO
                      : out->max_age >= minimum ? NULL
                      : policy == HSTS_PRELOAD_BULK_18_WEEKS ? CODE_BELOW_18_WEEKS
                      : CODE_BELOW_1_YEAR;

    if (error) {
        pl_error(out, error);
        out->findings |= HSTS_FINDING_BIT(HSTS_F_PRELOADABLE_MAX_AGE_BELOW_1_YEAR);
    }
    else if (out->max_age > PRELOAD_TEN_YEARS) {
        pl_warning(out, CODE_OVER_10_YEARS);
        out->findings |= HSTS_FINDING_BIT(HSTS_F_PRELOADABLE_MAX_AGE_OVER_10_YEARS);
    }
}

/** EligibleHeader: includeSubDomains, preload, then max-age. */
static void pl_require_preloadable(hsts_preload_result_t *out,
                                   hsts_preload_policy_e policy)
{
    if (!out->include_subdomains) {
        pl_error(out, CODE_ISD_MISSING);
        out->findings |= HSTS_FINDING_BIT(HSTS_F_PRELOADABLE_INCLUDE_SUB_DOMAINS_MISSING);
    }
    if (!out->preload) {
        pl_error(out, CODE_PRELOAD_MISSING);
        out->findings |= HSTS_FINDING_BIT(HSTS_F_PRELOADABLE_PRELOAD_MISSING);
    }
    pl_require_max_age(out, policy);
}

/** RemovableHeaderString: parse warnings are dropped, then RemovableHeader. */
static void pl_require_removable(hsts_preload_result_t *out)
{
    memset(out->warnings, 0, sizeof(out->warnings));
    out->n_warnings = 0;
    if (out->preload) {
        pl_error(out, CODE_REMOVABLE_PRELOAD);
    }
    if (!out->max_age_set) {
        pl_error(out, CODE_REMOVABLE_MAX_AGE);
    }
}

int hsts_preload_check(const char *value, apr_size_t len,
                       hsts_preload_policy_e policy, hsts_preload_result_t *out)
{
    pl_span_t v;

    memset(out, 0, sizeof(*out));
    v.p = (const unsigned char *)(value ? value : "");
    v.len = value ? len : 0;
    pl_parse_header(v, out);
    switch (policy) {
    case HSTS_PRELOAD_BULK_1_YEAR:
    case HSTS_PRELOAD_BULK_18_WEEKS:
        pl_require_preloadable(out, policy);
        break;
    case HSTS_PRELOAD_REMOVABLE:
        pl_require_removable(out);
        break;
    case HSTS_PRELOAD_PARSE_ONLY:
    default:
        break;
    }
    return out->n_errors;
}
