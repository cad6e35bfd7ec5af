/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * sts_firefox.c: Firefox's verdict on a Strict-Transport-Security value.
 *
 * Source followed: Firefox security/manager/ssl/nsSecurityHeaderParser.cpp
 * (a recursive-descent parser over the RFC 2616 grammar) and
 * nsSiteSecurityService.cpp (ParseSSSHeaders / ProcessSTSHeader), as
 * summarised in docs/sts-parsing.md "Firefox: differences". Written from them,
 * not copied.
 *
 *   directive-list  = directive *( ";" directive )
 *   directive       = *LWS name *LWS [ "=" *LWS value *LWS ]
 *   name            = *tchar              (may be empty: an unknown directive)
 *   value           = 1*tchar | quoted-string | nothing
 *   quoted-string   = DQUOTE *( qdtext | "\" CHAR ) DQUOTE
 *   LWS             = [CR LF] 1*( SP | HT )
 *
 * Firefox reads the value as a C string: a NUL byte ends it. A quoted-string
 * keeps its backslashes (Firefox does not unescape), bytes >= 0x80 are
 * neither tchar nor qdtext. Then: max-age needs a value of ASCII digits that
 * fits in 64 bits (capped at 100 years), max-age or includeSubDomains twice
 * is invalid, includeSubDomains with any value (even empty) is invalid, any
 * other directive is ignored, and max-age must be present.
 * No allocation; O(n).
 */
#include "hsts_sts.h"

#include <string.h>

/** The parser's cursor over value[0, len); len stops at the first NUL. */
typedef struct {
    const char *p;
    apr_size_t len;
    apr_size_t pos;
} ff_cursor_t;

/** One directive as the grammar reads it. */
typedef struct {
    const char *name;
    apr_size_t name_len;
    int has_value;            /**< an '=' followed the name */
    const char *value;        /**< token, or quoted-string content as written */
    apr_size_t value_len;
} ff_directive_t;

/** What the directives seen so far have set. */
typedef struct {
    int max_age_seen;
    int include_subdomains_seen;
    apr_uint64_t max_age;
} ff_state_t;

/* ---- characters ------------------------------------------------------ */

/** RFC 2616 token character (no CTLs, no separators, ASCII only). */
static int ff_is_tchar(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7F) {
        return 0;
    }
    return strchr("()<>@,;:\\\"/[]?={}", (int)c) == NULL;
}

/** RFC 2616 qdtext as Firefox reads it: HT, LF, CR or 0x20-0x7E except
 *  '"' and '\'. Bytes >= 0x80 are not accepted. */
static int ff_is_qdtext(unsigned char c)
{
    if (c == '\t' || c == '\n' || c == '\r') {
        return 1;
    }
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

/* ---- cursor ------------------------------------------------------------ */

/** The byte under the cursor; 0 at the end. */
static unsigned char ff_peek(const ff_cursor_t *cur)
{
    return cur->pos < cur->len ? (unsigned char)cur->p[cur->pos] : 0;
}

static int ff_accept(ff_cursor_t *cur, char c)
{
    if (cur->pos < cur->len && cur->p[cur->pos] == c) {
        cur->pos++;
        return 1;
    }
    return 0;
}

static void ff_skip_sp_ht(ff_cursor_t *cur)
{
    while (ff_accept(cur, ' ') || ff_accept(cur, '\t')) {
        /* skip */
    }
}

/** *LWS where LWS = [CRLF] 1*(SP|HT). Returns 0 on a CR not followed by
 *  LF and SP/HT. */
static int ff_skip_lws(ff_cursor_t *cur)
{
    for (;;) {
        if (ff_accept(cur, '\r')) {
            if (!ff_accept(cur, '\n')) {
                return 0;
            }
            if (!ff_accept(cur, ' ') && !ff_accept(cur, '\t')) {
                return 0;
            }
            ff_skip_sp_ht(cur);
        }
        else if (ff_accept(cur, ' ') || ff_accept(cur, '\t')) {
            ff_skip_sp_ht(cur);
        }
        else {
            return 1;
        }
    }
}

/** *tchar; returns its length. */
static apr_size_t ff_read_token(ff_cursor_t *cur)
{
    apr_size_t start = cur->pos;

    while (cur->pos < cur->len && ff_is_tchar((unsigned char)cur->p[cur->pos])) {
        cur->pos++;
    }
    return cur->pos - start;
}

/** After the opening '"': *( qdtext | "\" CHAR ) '"'. Returns 0 when the
 *  closing quote is missing or a quoted-pair runs into the end. */
static int ff_read_quoted_string(ff_cursor_t *cur, apr_size_t *content_len)
{
    apr_size_t start = cur->pos;

    for (;;) {
        unsigned char c = ff_peek(cur);

        if (cur->pos < cur->len && ff_is_qdtext(c)) {
            cur->pos++;
        }
        else if (c == '\\' && cur->pos < cur->len) {
            cur->pos++;
            if (cur->pos >= cur->len) {
                return 0;               /* "\" then the end of the value */
            }
            if ((unsigned char)cur->p[cur->pos] < 0x80) {
                cur->pos++;             /* quoted-pair: "\" CHAR */
            }
        }
        else {
            break;
        }
    }
    *content_len = cur->pos - start;
    return ff_accept(cur, '"');
}

/** [ token | quoted-string ] after "=" and LWS; nothing is an empty value. */
static int ff_read_value(ff_cursor_t *cur, ff_directive_t *d)
{
    d->has_value = 1;
    d->value = cur->p + cur->pos;
    d->value_len = 0;
    if (ff_is_tchar(ff_peek(cur)) && cur->pos < cur->len) {
        d->value_len = ff_read_token(cur);
        return 1;
    }
    if (ff_accept(cur, '"')) {
        d->value = cur->p + cur->pos;
        return ff_read_quoted_string(cur, &d->value_len);
    }
    return 1;
}

/** One directive: *LWS name *LWS [ "=" *LWS value *LWS ]. */
static int ff_read_directive(ff_cursor_t *cur, ff_directive_t *d)
{
    memset(d, 0, sizeof(*d));
    if (!ff_skip_lws(cur)) {
        return 0;
    }
    d->name = cur->p + cur->pos;
    d->name_len = ff_read_token(cur);
    if (!ff_skip_lws(cur)) {
        return 0;
    }
    if (!ff_accept(cur, '=')) {
        return 1;
    }
    return ff_skip_lws(cur) && ff_read_value(cur, d) && ff_skip_lws(cur);
}

/* ---- directives -------------------------------------------------------- */

/** ASCII case-insensitive equality with a lower-case literal. */
static int ff_name_is(const ff_directive_t *d, const char *lower_literal)
{
    apr_size_t n = strlen(lower_literal);
    apr_size_t i;

    if (d->name_len != n) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        char c = d->name[i];

        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != lower_literal[i]) {
            return 0;
        }
    }
    return 1;
}

/** delta-seconds: 1*DIGIT that fits in 64 bits, nothing else. */
static int ff_parse_delta_seconds(const char *s, apr_size_t len,
                                  apr_uint64_t *out)
{
    apr_uint64_t value = 0;
    apr_size_t i;

    if (len == 0) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        unsigned d;

        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        d = (unsigned)(s[i] - '0');
        if (value > (APR_UINT64_MAX - d) / 10) {
            return 0;                   /* does not fit in uint64 */
        }
        value = value * 10 + d;
    }
    *out = value;
    return 1;
}

static int ff_apply_directive(const ff_directive_t *d, ff_state_t *st)
{
    if (ff_name_is(d, "max-age")) {
        if (st->max_age_seen || !d->has_value) {
            return 0;
        }
        st->max_age_seen = 1;
        return ff_parse_delta_seconds(d->value, d->value_len, &st->max_age);
    }
    if (ff_name_is(d, "includesubdomains")) {
        if (st->include_subdomains_seen || d->has_value) {
            return 0;
        }
        st->include_subdomains_seen = 1;
        return 1;
    }
    return 1;                           /* unknown, empty name included */
}

int hsts_sts_parse_firefox(const char *value, apr_size_t len,
                           hsts_sts_firefox_t *out)
{
    ff_cursor_t cur;
    ff_state_t st;
    const char *nul;

    memset(out, 0, sizeof(*out));
    memset(&st, 0, sizeof(st));
    if (value == NULL) {
        value = "";
        len = 0;
    }
    nul = len ? memchr(value, '\0', len) : NULL;
    cur.p = value;
    cur.len = nul ? (apr_size_t)(nul - value) : len;
    cur.pos = 0;
    for (;;) {
        ff_directive_t d;

        if (!ff_read_directive(&cur, &d) || !ff_apply_directive(&d, &st)) {
            return 0;
        }
        if (!ff_accept(&cur, ';')) {
            break;
        }
    }
    if (cur.pos != cur.len || !st.max_age_seen) {
        return 0;
    }
    out->valid = 1;
    out->max_age = st.max_age < HSTS_FIREFOX_MAX_AGE_CAP ? st.max_age
                                                         : HSTS_FIREFOX_MAX_AGE_CAP;
    out->include_subdomains = st.include_subdomains_seen;
    return 1;
}
