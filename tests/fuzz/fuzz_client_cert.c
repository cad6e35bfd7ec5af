/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * fuzz_client_cert.c: libFuzzer target for the mutual-TLS core
 * (include/hsts_client_cert.h): the client-verify reason parsers, the
 * verdict, the SSL_CLIENT_V_REMAIN check, the Accept check and the 495/496
 * page, fed with what a client controls (its certificate's subject, issuer
 * and dates as mod_ssl prints them, its Accept field) and what mod_ssl
 * reports (SSL_CLIENT_VERIFY, verify errors).
 *
 * Input: a header of 8 bytes (the page's reason: a byte, and whether the
 * verdict gives it; the status line: two bytes; the rejected and first verify
 * errors; HSTSCertWarnDays: two bytes), then up to eight NUL-separated strings: SSL_CLIENT_VERIFY,
 * subject, issuer, notBefore, notAfter, Accept, SSL_CLIENT_V_REMAIN, and the
 * https:// URL of a plain-HTTP refusal (built from the client's Host and path;
 * a missing one is NULL). Checked on each input (a violation calls abort(), so
 * libFuzzer keeps it):
 *  - hsts_cc_reason_of_verify_text(): a reason in range; "SUCCESS" ok, ""
 *    and "NONE" missing, "GENEROUS" untrusted, any "FAILED:..." refused and
 *    never missing, anything else invalid; "FAILED:" + OpenSSL's text of a
 *    verify error gives the reason of that error;
 *  - hsts_cc_reason_of_verify_error(): never ok but for X509_V_OK, never
 *    missing or unchecked;
 *  - hsts_cc_verdict(): a rejected certificate is refused and never missing;
 *    without one the verdict is the text's;
 *  - hsts_cc_expiring_soon(): equals a reference (all digits, days <= warn);
 *  - hsts_cc_accepts_html(): 0 or 1; with ",text/html" appended always 1,
 *    with ",text/html;q=0,application/xhtml+xml;q=0" appended always 0;
 *  - hsts_cc_render_body(): HTML and text bodies never start with '/', hold
 *    no control byte but '\n'; in HTML every '<' opens one of the page's own
 *    tags and every '&' an entity apr_pescape_entity writes; the text body has
 *    exactly the lines of its structure (a field never adds one).
 *
 *   make tests/fuzz/fuzz_client_cert && tests/fuzz/fuzz_client_cert -max_total_time=60
 */
#include "hsts_client_cert.h"
#include "fuzz_require.h"

#include <apr_general.h>
#include <apr_strings.h>

#include <openssl/x509_vfy.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static apr_pool_t *root_pool;

/* Verify errors the fuzzer picks from (byte % count), besides raw values. */
static const int verify_errors[] = {
    X509_V_OK, X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID,
    X509_V_ERR_CERT_REVOKED, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
    X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
    X509_V_ERR_CERT_UNTRUSTED, X509_V_ERR_CERT_REJECTED, X509_V_ERR_UNABLE_TO_GET_CRL,
    X509_V_ERR_CERT_CHAIN_TOO_LONG, X509_V_ERR_CERT_SIGNATURE_FAILURE,
    X509_V_ERR_APPLICATION_VERIFICATION
};
#define N_VERIFY_ERRORS (int)(sizeof(verify_errors) / sizeof(verify_errors[0]))

static int pick_error(unsigned byte)
{
    /* the high bit: a raw value (negative, unknown, huge) */
    if (byte & 0x80) {
        return (int)(byte & 0x7f) * 1000003 - 3;
    }
    return verify_errors[byte % N_VERIFY_ERRORS];
}

static int in_range(hsts_cc_reason_e r)
{
    return (int)r >= 0 && r < HSTS_CC_COUNT;
}

/* ---- the reason parsers and the verdict ------------------------------------ */

static void check_verify_text(const char *verify)
{
    hsts_cc_reason_e r = hsts_cc_reason_of_verify_text(verify);

    require(in_range(r));
    if (!verify) {
        require(r == HSTS_CC_UNCHECKED);
    }
    else if (!strcmp(verify, "SUCCESS")) {
        require(r == HSTS_CC_OK);
    }
    else if (!*verify || !strcmp(verify, "NONE")) {
        require(r == HSTS_CC_MISSING);
    }
    else if (!strcmp(verify, "GENEROUS")) {
        require(r == HSTS_CC_UNTRUSTED);
    }
    else if (!strncmp(verify, "FAILED:", 7)) {
        require(hsts_cc_reason_refused(r) && r != HSTS_CC_MISSING);
    }
    else {
        require(r == HSTS_CC_INVALID);
    }
    require(!strcmp(hsts_cc_reason_name(r), hsts_cc_reason_name(r)));  /* static, total */
}

static void check_verify_error(int e, apr_pool_t *p)
{
    hsts_cc_reason_e r = hsts_cc_reason_of_verify_error(e);
    const char *text = X509_verify_cert_error_string(e);

    require(in_range(r));
    require((r == HSTS_CC_OK) == (e == X509_V_OK));
    require(r != HSTS_CC_MISSING && r != HSTS_CC_UNCHECKED);
    require(r == HSTS_CC_OK || hsts_cc_reason_finding(r) != HSTS_F_COUNT);
    if (e != X509_V_OK && text) {
        /* mod_ssl's "FAILED:<text>" for that error reads the same */
        hsts_cc_reason_e t = hsts_cc_reason_of_verify_text(
            apr_pstrcat(p, "FAILED:", text, NULL));

        require(t == r);
    }
}

static void check_verdict(const char *verify, int rejected, int first)
{
    hsts_cc_reason_e r = hsts_cc_verdict(verify, rejected, first);

    require(in_range(r));
    if (rejected != X509_V_OK) {
        require(hsts_cc_reason_refused(r) && r != HSTS_CC_MISSING);
    }
    else {
        require(r == hsts_cc_reason_of_verify_text(verify));
    }
}

/* ---- SSL_CLIENT_V_REMAIN and Accept ---------------------------------------- */

static void check_expiring(const char *v_remain, int warn_days)
{
    unsigned long long days = 0;
    const char *s;
    int want = v_remain && *v_remain;

    for (s = v_remain; want && *s; s++) {
        if (*s < '0' || *s > '9') {
            want = 0;
            break;
        }
        days = days > 100000000000ULL ? days : days * 10 + (unsigned)(*s - '0');
    }
    want = want && warn_days >= 0 && days <= (unsigned long long)warn_days;
    require(hsts_cc_expiring_soon(v_remain, warn_days) == want);
}

static void check_accept(const char *accept, apr_pool_t *p)
{
    int r = hsts_cc_accepts_html(accept);

    require(r == 0 || r == 1);
    if (!accept || !*accept) {
        require(r == 1);
    }
    if (accept) {
        require(hsts_cc_accepts_html(apr_pstrcat(p, accept, ",text/html", NULL)) == 1);
        require(hsts_cc_accepts_html(apr_pstrcat(p, accept, ",text/html;q=0,"
                                                 "application/xhtml+xml;q=0", NULL)) == 0);
    }
}

/* ---- the page -------------------------------------------------------------- */

static const char *const own_tags[] = {
    "<!DOCTYPE html>", "<html>", "</html>", "<head>", "</head>", "<meta charset=\"utf-8\">",
    "<title>", "</title>", "<body>", "</body>", "<h1>", "</h1>", "<p>", "</p>",
    "<dl>", "</dl>", "<dt>", "</dt>", "<dd>", "</dd>"
};
static const char *const entities[] = { "&lt;", "&gt;", "&amp;", "&quot;" };

static int starts_with_one_of(const char *s, const char *const *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!strncmp(s, list[i], strlen(list[i]))) {
            return 1;
        }
    }
    return 0;
}

static void check_no_control(const char *body)
{
    const unsigned char *c;

    for (c = (const unsigned char *)body; *c; c++) {
        require(*c == '\n' || (*c >= 0x20 && *c != 0x7f));
    }
}

static void check_html(const char *body)
{
    const char *c;

    require(!strncmp(body, "<!DOCTYPE html>", 15));
    check_no_control(body);
    for (c = body; *c; c++) {
        if (*c == '<') {
            require(starts_with_one_of(c, own_tags, sizeof(own_tags) / sizeof(own_tags[0])));
        }
        else if (*c == '&') {
            require(starts_with_one_of(c, entities, sizeof(entities) / sizeof(entities[0])));
        }
    }
}

static int present(const char *s)
{
    return s && *s;
}

static void check_text(const char *body, const hsts_cc_page_t *page)
{
    size_t lines = 0, want;
    const char *c;
    int details = present(page->subject) + present(page->issuer)
                + (present(page->not_before) && present(page->not_after));

    require(body[0] != '/');
    check_no_control(body);
    for (c = body; *c; c++) {
        lines += *c == '\n';
    }
    /* title, blank line, what, what to do; then a blank line and the details */
    want = 4 + (details ? 1 + (size_t)details : 0);
    require(lines == want);
}

static void check_page(const hsts_cc_page_t *page, apr_pool_t *p)
{
    size_t field_bytes = 0, limit;
    const char *html = hsts_cc_render_body(p, page, 1);
    const char *text = hsts_cc_render_body(p, page, 0);
    const char *const fields[] = { page->subject, page->issuer, page->not_before,
                                   page->not_after, page->verify, page->https_url };
    size_t i;

    require(html && text);
    check_html(html);
    check_text(text, page);
    /* each field at most HSTS_CC_PAGE_FIELD_MAX bytes (and "...") before
     * escaping (6 bytes at most per byte), shown at most twice */
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        field_bytes += fields[i] ? 2 * 6 * (HSTS_CC_PAGE_FIELD_MAX + 3) : 0;
    }
    limit = 4096 + field_bytes;
    require(strlen(html) <= limit && strlen(text) <= limit);
}

/* ---- the driver ------------------------------------------------------------ */

/* The next NUL-terminated string of the input, or NULL past its end. */
static const char *next_string(const char **cursor, const char *end)
{
    const char *s = *cursor;

    if (s >= end) {
        return NULL;
    }
    *cursor = s + strlen(s) + 1;
    return s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    apr_pool_create(&root_pool, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const phrases[] = { NULL, "SSL Certificate Error",
                                           "SSL Certificate Required", "Bad Request",
                                           "Forbidden" };
    uint8_t head[8] = { 0 };
    apr_pool_t *p;
    char *buf;
    const char *cursor, *end, *accept, *v_remain;
    hsts_cc_page_t page;
    int rejected, first, warn_days;
    size_t h = size < sizeof(head) ? size : sizeof(head);

    memcpy(head, data, h);
    apr_pool_create(&p, root_pool);
    buf = apr_palloc(p, size - h + 1);            /* NUL-terminated strings, exact size */
    memcpy(buf, data + h, size - h);
    buf[size - h] = '\0';
    cursor = buf;
    end = buf + (size - h);

    memset(&page, 0, sizeof(page));
    page.reason = (hsts_cc_reason_e)(head[0] % (HSTS_CC_COUNT + 2));
    page.status_line = head[2] % 5
        ? apr_psprintf(p, "%d %s", 400 + head[3] % 100, phrases[head[2] % 5]) : NULL;
    rejected = pick_error(head[4]);
    first = pick_error(head[5]);
    warn_days = (int)(int16_t)((head[6] << 8) | head[7]);
    page.verify = next_string(&cursor, end);
    page.subject = next_string(&cursor, end);
    page.issuer = next_string(&cursor, end);
    page.not_before = next_string(&cursor, end);
    page.not_after = next_string(&cursor, end);
    accept = next_string(&cursor, end);
    v_remain = next_string(&cursor, end);
    page.https_url = next_string(&cursor, end);

    check_verify_text(page.verify);
    check_verify_error(rejected, p);
    check_verify_error(first, p);
    check_verdict(page.verify, rejected, first);
    if (head[1] & 1) {
        page.reason = hsts_cc_verdict(page.verify, rejected, first);
    }
    check_expiring(v_remain, warn_days);
    check_accept(accept, p);
    check_page(&page, p);
    apr_pool_destroy(p);
    return 0;
}
