/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * sts_parse.c: Chromium's verdict on a Strict-Transport-Security value.
 *
 * Source followed: Chromium net/http/http_security_headers.cc
 * (ParseHSTSHeader, MaxAgeToLimitedInt) and net/http/http_util.cc
 * (NameValuePairsIterator with ';', values optional, strict quotes; the
 * quote-aware ValuesIterator below it), as written down in
 * docs/sts-parsing.md "Chromium: the verdict". Written from those rules, not
 * copied.
 *
 * The value is read in pieces, in order; the first piece that Chromium
 * rejects decides the verdict. Within a piece the checks run in Chromium's
 * order: first the name/value split (the iterator), then the directive's
 * own rules. No allocation; any byte may occur (NUL included); O(n).
 */
#include "hsts_sts.h"

#include <string.h>

/** A span of the caller's value: not NUL-terminated. */
typedef struct {
    const char *p;
    apr_size_t len;
} sts_span_t;

/** One piece of the value, split the way Chromium's iterator splits it. */
typedef struct {
    sts_span_t name;       /**< text before the first '=', trimmed */
    sts_span_t value;      /**< text after the first '=', trimmed; quotes kept */
    int has_equals;        /**< the piece has an '=' */
    int quoted;            /**< value is a quoted-string */
} sts_directive_t;

/** What the directives seen so far have set. */
typedef struct {
    int max_age_seen;
    int include_subdomains_seen;
} sts_state_t;

/* ---- characters ------------------------------------------------------ */

/** HTTP LWS as Chromium trims it: SP and HTAB only (not CR, LF, VT, FF). */
static int is_lws(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/** RFC 7230 tchar: 0x21-0x7E except the separators. */
static int is_tchar(char c)
{
    unsigned char u = (unsigned char)c;

    if (u <= 0x20 || u >= 0x7F) {
        return 0;
    }
    return strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

/** A non-empty RFC 7230 token. */
static int is_token(sts_span_t s)
{
    apr_size_t i;

    if (s.len == 0) {
        return 0;
    }
    for (i = 0; i < s.len; i++) {
        if (!is_tchar(s.p[i])) {
            return 0;
        }
    }
    return 1;
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/** ASCII case-insensitive equality of a span and a lower-case literal. */
static int span_equals_name(sts_span_t s, const char *lower_literal)
{
    apr_size_t n = strlen(lower_literal);
    apr_size_t i;

    if (s.len != n) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (ascii_lower(s.p[i]) != lower_literal[i]) {
            return 0;
        }
    }
    return 1;
}

static int span_has(sts_span_t s, char c)
{
    return s.len > 0 && memchr(s.p, c, s.len) != NULL;
}

static sts_span_t span_trim_lws(const char *p, apr_size_t len)
{
    sts_span_t s;

    while (len > 0 && is_lws(p[0])) {
        p++;
        len--;
    }
    while (len > 0 && is_lws(p[len - 1])) {
        len--;
    }
    s.p = p;
    s.len = len;
    return s;
}

/* ---- splitting --------------------------------------------------------- */

/**
 * End of the piece that starts at 'start': the next ';' outside a
 * quoted-string, or 'len'. Inside "..." a backslash escapes the next byte;
 * an unterminated quote runs to the end of the value.
 */
static apr_size_t piece_end(const char *value, apr_size_t len,
                            apr_size_t start)
{
    int in_quote = 0;
    int in_escape = 0;
    apr_size_t i;

    for (i = start; i < len; i++) {
        char c = value[i];

        if (!in_quote) {
            if (c == ';') {
                break;
            }
            in_quote = (c == '"');
        }
        else if (in_escape) {
            in_escape = 0;
        }
        else if (c == '\\') {
            in_escape = 1;
        }
        else if (c == '"') {
            in_quote = 0;
        }
    }
    return i;
}

/**
 * A strict quoted-string (HttpUtil::StrictUnquote): starts and ends with '"',
 * at least 2 bytes, no unescaped '"' inside, last quote not escaped.
 */
static int is_strict_quoted_string(sts_span_t s)
{
    int escaped = 0;
    apr_size_t i;

    if (s.len < 2 || s.p[0] != '"' || s.p[s.len - 1] != '"') {
        return 0;
    }
    for (i = 1; i + 1 < s.len; i++) {
        if (escaped) {
            escaped = 0;
        }
        else if (s.p[i] == '\\') {
            escaped = 1;
        }
        else if (s.p[i] == '"') {
            return 0;
        }
    }
    return !escaped;
}

/** The verdict for "name=" with nothing after the '='. */
static hsts_sts_verdict_e empty_value_verdict(sts_span_t name)
{
    if (span_equals_name(name, "max-age")) {
        return HSTS_STS_INVALID_MAX_AGE;
    }
    if (span_equals_name(name, "includesubdomains")) {
        return HSTS_STS_INVALID_INCLUDE_SUB_DOMAINS_VALUE;
    }
    return HSTS_STS_INVALID_SYNTAX;
}

/**
 * Split one trimmed, non-empty piece into name and value, as Chromium's
 * NameValuePairsIterator does (values optional, strict quotes).
 */
static hsts_sts_verdict_e split_directive(sts_span_t piece, sts_directive_t *d)
{
    const char *equals = memchr(piece.p, '=', piece.len);

    d->has_equals = (equals != NULL);
    d->quoted = 0;
    d->value.p = piece.p + piece.len;
    d->value.len = 0;
    if (equals == piece.p) {
        return HSTS_STS_INVALID_SYNTAX;          /* "=foo": no name */
    }
    if (!d->has_equals) {
        d->name = piece;
        return HSTS_STS_VALID;
    }
    d->name = span_trim_lws(piece.p, (apr_size_t)(equals - piece.p));
    if (span_has(d->name, '"')) {
        return HSTS_STS_INVALID_SYNTAX;          /* quote before the '=' */
    }
    d->value = span_trim_lws(equals + 1,
                             piece.len - (apr_size_t)(equals - piece.p) - 1);
    if (d->value.len == 0) {
        return empty_value_verdict(d->name);
    }
    if (d->value.p[0] != '"') {
        return HSTS_STS_VALID;
    }
    d->quoted = 1;
    return is_strict_quoted_string(d->value) ? HSTS_STS_VALID
                                             : HSTS_STS_INVALID_SYNTAX;
}

/* ---- max-age ----------------------------------------------------------- */

/**
 * The delta-seconds of a max-age value: the unquoted value must be one or
 * more ASCII digits, nothing else. Values beyond 64 bits saturate.
 * 'digits' is the text between the quotes when 'quoted' (where a backslash
 * escapes the next byte), else the value itself.
 */
static int parse_delta_seconds(sts_span_t digits, int quoted,
                               hsts_sts_policy_t *out)
{
    apr_uint64_t value = 0;
    int overflow = 0;
    int escaped = 0;
    int n_digits = 0;
    apr_size_t i;

    for (i = 0; i < digits.len; i++) {
        char c = digits.p[i];
        unsigned d;

        if (quoted && !escaped && c == '\\') {
            escaped = 1;
            continue;
        }
        escaped = 0;
        if (!is_digit(c)) {
            return 0;
        }
        n_digits = 1;
        d = (unsigned)(c - '0');
        if (value > (APR_UINT64_MAX - d) / 10) {
            overflow = 1;
            value = APR_UINT64_MAX;
        }
        else if (!overflow) {
            value = value * 10 + d;
        }
    }
    if (!n_digits) {
        return 0;
    }
    out->max_age_value = value;
    out->max_age_overflow = overflow;
    out->max_age = value < HSTS_CHROMIUM_MAX_AGE_CAP ? value
                                                     : HSTS_CHROMIUM_MAX_AGE_CAP;
    return 1;
}

static hsts_sts_verdict_e apply_max_age(const sts_directive_t *d,
                                        sts_state_t *st,
                                        hsts_sts_policy_t *out)
{
    sts_span_t digits = d->value;

    if (st->max_age_seen) {
        return HSTS_STS_INVALID_REPEATED_DIRECTIVE;
    }
    st->max_age_seen = 1;
    out->max_age_seen = 1;
    if (d->quoted) {
        digits.p++;
        digits.len -= 2;
    }
    if (!parse_delta_seconds(digits, d->quoted, out)) {
        return HSTS_STS_INVALID_MAX_AGE;
    }
    out->max_age_digits = digits.p;
    out->max_age_digits_len = digits.len;
    out->max_age_digits_escaped = d->quoted && span_has(digits, '\\');
    out->quoted_max_age = d->quoted;
    return HSTS_STS_VALID;
}

/* ---- directives -------------------------------------------------------- */

static hsts_sts_verdict_e apply_include_subdomains(const sts_directive_t *d,
                                                   sts_state_t *st)
{
    if (st->include_subdomains_seen) {
        return HSTS_STS_INVALID_REPEATED_DIRECTIVE;
    }
    st->include_subdomains_seen = 1;
    if (d->value.len != 0 || d->quoted) {
        return HSTS_STS_INVALID_INCLUDE_SUB_DOMAINS_VALUE;
    }
    return HSTS_STS_VALID;
}

/** Any other directive is ignored if its name (and unquoted value) are tokens. */
static hsts_sts_verdict_e apply_unknown(const sts_directive_t *d,
                                        hsts_sts_policy_t *out)
{
    if (span_has(d->name, '"')) {
        return HSTS_STS_INVALID_SYNTAX;
    }
    if (!is_token(d->name)) {
        return HSTS_STS_INVALID_TOKEN;
    }
    if (d->value.len != 0 && !d->quoted && !is_token(d->value)) {
        return HSTS_STS_INVALID_TOKEN;
    }
    if (span_equals_name(d->name, "preload")) {
        out->preload = 1;
    }
    return HSTS_STS_VALID;
}

static hsts_sts_verdict_e apply_directive(const sts_directive_t *d,
                                          sts_state_t *st,
                                          hsts_sts_policy_t *out)
{
    if (span_equals_name(d->name, "max-age")) {
        return apply_max_age(d, st, out);
    }
    if (span_equals_name(d->name, "includesubdomains")) {
        return apply_include_subdomains(d, st);
    }
    return apply_unknown(d, out);
}

/** Judge one piece [start, end) of the value; empty pieces are fine. */
static hsts_sts_verdict_e judge_piece(const char *value, apr_size_t start,
                                      apr_size_t end, sts_state_t *st,
                                      hsts_sts_policy_t *out)
{
    sts_directive_t d;
    sts_span_t piece = span_trim_lws(value + start, end - start);
    hsts_sts_verdict_e verdict;

    if (piece.len == 0) {
        return HSTS_STS_VALID;
    }
    out->error_offset = (apr_size_t)(piece.p - value);
    verdict = split_directive(piece, &d);
    if (verdict != HSTS_STS_VALID) {
        return verdict;
    }
    return apply_directive(&d, st, out);
}

/** Leave only what the doc says an invalid result carries. */
static hsts_sts_verdict_e reject(hsts_sts_policy_t *out,
                                 hsts_sts_verdict_e verdict)
{
    out->verdict = verdict;
    out->max_age = 0;
    out->max_age_value = 0;
    out->max_age_overflow = 0;
    out->max_age_digits = NULL;
    out->max_age_digits_len = 0;
    out->max_age_digits_escaped = 0;
    out->include_subdomains = 0;
    out->quoted_max_age = 0;
    return verdict;
}

hsts_sts_verdict_e hsts_sts_parse(const char *value, apr_size_t len,
                                  hsts_sts_policy_t *out)
{
    sts_state_t st = { 0, 0 };
    apr_size_t start = 0;

    memset(out, 0, sizeof(*out));
    if (value == NULL) {
        len = 0;
        value = "";
    }
    for (;;) {
        apr_size_t end = piece_end(value, len, start);
        hsts_sts_verdict_e verdict = judge_piece(value, start, end, &st, out);

        if (verdict != HSTS_STS_VALID) {
            return reject(out, verdict);
        }
        if (end >= len) {
            break;
        }
        start = end + 1;
    }
    if (!st.max_age_seen) {
        out->error_offset = len;
        return reject(out, HSTS_STS_INVALID_MAX_AGE_MISSING);
    }
    out->error_offset = 0;
    out->include_subdomains = st.include_subdomains_seen;
    out->verdict = HSTS_STS_VALID;
    return HSTS_STS_VALID;
}

const char *hsts_sts_verdict_code(hsts_sts_verdict_e verdict)
{
    switch (verdict) {
    case HSTS_STS_INVALID_SYNTAX:
        return "header.invalid.syntax";
    case HSTS_STS_INVALID_MAX_AGE:
        return "header.invalid.max_age";
    case HSTS_STS_INVALID_MAX_AGE_MISSING:
        return "header.invalid.max_age.missing";
    case HSTS_STS_INVALID_REPEATED_DIRECTIVE:
        return "header.invalid.repeated_directive";
    case HSTS_STS_INVALID_INCLUDE_SUB_DOMAINS_VALUE:
        return "header.invalid.include_sub_domains_value";
    case HSTS_STS_INVALID_TOKEN:
        return "header.invalid.token";
    case HSTS_STS_VALID:
    default:
        return NULL;
    }
}
