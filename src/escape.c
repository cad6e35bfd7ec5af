/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * escape.c: JSON string literals (RFC 8259 §7) and Prometheus label values
 * (text exposition format 0.0.4).
 */
#include "hsts_escape.h"

#include <apr_strings.h>

/* Length of the valid UTF-8 sequence at s (RFC 3629), or 0 if invalid. */
static apr_size_t utf8_len(const unsigned char *s, apr_size_t avail)
{
    apr_size_t n, i;
    unsigned c = s[0];
    unsigned long cp;

    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else { return 0; }
    if (avail < n) {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
        || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
        return 0;
    }
    return n;
}

const char *hsts_json_string(apr_pool_t *p, const char *s, apr_size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *in = (const unsigned char *)s;
    char *out, *o;
    apr_size_t i;

    if (!s) {
        return "null";
    }
    o = out = apr_palloc(p, len * 6 + 3);
    *o++ = '"';
    for (i = 0; i < len; i++) {
        unsigned char c = in[i];
        apr_size_t n;

        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        }
        else if (c == '\n') { *o++ = '\\'; *o++ = 'n'; }
        else if (c == '\r') { *o++ = '\\'; *o++ = 'r'; }
        else if (c == '\t') { *o++ = '\\'; *o++ = 't'; }
        else if (c < 0x20 || c == 0x7F || (c >= 0x80 && !(n = utf8_len(in + i, len - i)))) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 0xF];
            o += 6;
        }
        else if (c >= 0x80) {
            memcpy(o, in + i, n);
            o += n;
            i += n - 1;
        }
        else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

const char *hsts_prom_label(apr_pool_t *p, const char *s)
{
    apr_size_t len = strlen(s);
    char *out = apr_palloc(p, len * 2 + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '\\' || c == '"') {
            *o++ = '\\';
            *o++ = (char)c;
        }
        else if (c == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        }
        else {
            *o++ = c < 0x20 || c == 0x7F ? '?' : (char)c;
        }
    }
    *o = '\0';
    return out;
}

static int is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7F;
}

char *hsts_ctl_to_question(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *out;
    apr_size_t i;

    if (!s) {
        return NULL;
    }
    out = apr_palloc(p, len + 1);
    for (i = 0; i < len; i++) {
        out[i] = is_ctl((unsigned char)s[i]) ? '?' : s[i];
    }
    out[len] = '\0';
    return out;
}

const char *hsts_ctl_to_hex(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u;
    char *out, *o;

    for (u = (const unsigned char *)s; u && *u && !is_ctl(*u); u++) {
    }
    if (!u || !*u) {
        return s;
    }
    o = out = apr_palloc(p, strlen(s) * 4 + 1);
    for (u = (const unsigned char *)s; *u; u++) {
        if (is_ctl(*u)) {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[*u >> 4];
            *o++ = hex[*u & 0xF];
        }
        else {
            *o++ = (char)*u;
        }
    }
    *o = '\0';
    return out;
}
