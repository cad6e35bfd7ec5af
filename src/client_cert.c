/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * client_cert.c: mutual-TLS verdicts (design.md section 6; API in
 * include/hsts_client_cert.h): directive values, the reason a certificate is
 * refused, the Accept check and the 495/496 page. OpenSSL is used only for
 * its verify-error constants and texts.
 */
#include "hsts_client_cert.h"
#include "hsts_conf.h"
#include "hsts_escape.h"

#include <string.h>

#include <apr_cstr.h>
#include <apr_escape.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

/* ---- directive values ------------------------------------------------------ */

const char *hsts_client_cert_mode_name(int mode)
{
    switch (mode) {
    case HSTS_CLIENT_CERT_OFF:     return "off";
    case HSTS_CLIENT_CERT_REPORT:  return "report";
    case HSTS_CLIENT_CERT_REQUIRE: return "require";
    default:                       return "unset";
    }
}

const char *hsts_client_cert_mode_parse(const char *arg, int *mode)
{
    int m;

    for (m = HSTS_CLIENT_CERT_OFF; m <= HSTS_CLIENT_CERT_REQUIRE; m++) {
        if (arg && !apr_cstr_casecmp(arg, hsts_client_cert_mode_name(m))) {
            *mode = m;
            return NULL;
        }
    }
    return "must be one of off, report, require";
}

const char *hsts_client_cert_status_parse(const char *arg, int *status)
{
    if (!arg || strlen(arg) != 3 || arg[0] != '4'
        || !apr_isdigit(arg[1]) || !apr_isdigit(arg[2])) {
        return "must be a 4xx status from 400 to 499 (the defaults are 495 for a "
               "failed certificate and 496 for a missing one; 400 400 answers like "
               "nginx on the wire, 403 403 lets ErrorDocument 403 style the page)";
    }
    *status = 400 + (arg[1] - '0') * 10 + (arg[2] - '0');
    return NULL;
}

/* ---- reasons --------------------------------------------------------------- */

static const char *const reason_names[HSTS_CC_COUNT] = {
    "-", "ok", "missing", "expired", "not_yet_valid", "revoked", "untrusted", "invalid"
};

const char *hsts_cc_reason_name(hsts_cc_reason_e reason)
{
    if ((int)reason < 0 || reason >= HSTS_CC_COUNT) {
        return "-";
    }
    return reason_names[reason];
}

hsts_finding_e hsts_cc_reason_finding(hsts_cc_reason_e reason)
{
    switch (reason) {
    case HSTS_CC_MISSING:       return HSTS_F_CLIENT_CERT_MISSING;
    case HSTS_CC_EXPIRED:       return HSTS_F_CLIENT_CERT_EXPIRED;
    case HSTS_CC_NOT_YET_VALID: return HSTS_F_CLIENT_CERT_NOT_YET_VALID;
    case HSTS_CC_REVOKED:       return HSTS_F_CLIENT_CERT_REVOKED;
    case HSTS_CC_UNTRUSTED:     return HSTS_F_CLIENT_CERT_UNTRUSTED;
    case HSTS_CC_INVALID:       return HSTS_F_CLIENT_CERT_INVALID;
    default:                    return HSTS_F_COUNT;
    }
}

int hsts_cc_reason_refused(hsts_cc_reason_e reason)
{
    return reason > HSTS_CC_OK && reason < HSTS_CC_COUNT;
}

hsts_cc_reason_e hsts_cc_reason_of_verify_error(int verify_error)
{
    switch (verify_error) {
    case X509_V_OK:
        return HSTS_CC_OK;
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return HSTS_CC_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return HSTS_CC_NOT_YET_VALID;
    case X509_V_ERR_CERT_REVOKED:
        return HSTS_CC_REVOKED;
    /* The issuer is unknown or not trusted: mod_ssl's "optional" errors
     * (ssl_verify_error_is_optional) and a rejecting trust setting. */
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED:
        return HSTS_CC_UNTRUSTED;
    default:
        return HSTS_CC_INVALID;
    }
}

/* The errors whose OpenSSL text is recognised in "FAILED:<text>". */
static const int known_errors[] = {
    X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_REVOKED,
    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
    X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
    X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_CERT_UNTRUSTED,
    X509_V_ERR_CERT_REJECTED
};

hsts_cc_reason_e hsts_cc_reason_of_verify_text(const char *verify)
{
    apr_size_t i;

    if (!verify) {
        return HSTS_CC_UNCHECKED;
    }
    if (!strcmp(verify, "SUCCESS")) {
        return HSTS_CC_OK;
    }
    if (!*verify || !strcmp(verify, "NONE")) {
        return HSTS_CC_MISSING;
    }
    if (!strcmp(verify, "GENEROUS")) {
        return HSTS_CC_UNTRUSTED;
    }
    if (!strncmp(verify, "FAILED:", 7)) {
        for (i = 0; i < sizeof(known_errors) / sizeof(known_errors[0]); i++) {
            const char *text = X509_verify_cert_error_string(known_errors[i]);

            if (text && !strcmp(verify + 7, text)) {
                return hsts_cc_reason_of_verify_error(known_errors[i]);
            }
        }
    }
    return HSTS_CC_INVALID;
}

hsts_cc_reason_e hsts_cc_verdict(const char *verify, int rejected_error, int first_error)
{
    hsts_cc_reason_e reason;

    if (rejected_error != X509_V_OK) {
        reason = first_error != X509_V_OK ? hsts_cc_reason_of_verify_error(first_error)
                                          : HSTS_CC_INVALID;
        if (reason == HSTS_CC_INVALID) {
            reason = hsts_cc_reason_of_verify_error(rejected_error);
        }
        if (reason == HSTS_CC_INVALID && verify) {
            /* mod_ssl's own text may be more precise (OCSP, chain depth) */
            reason = hsts_cc_reason_of_verify_text(verify);
        }
        /* whatever the text says, a rejected certificate is not ok */
        return hsts_cc_reason_refused(reason) && reason != HSTS_CC_MISSING
               ? reason : HSTS_CC_INVALID;
    }
    return hsts_cc_reason_of_verify_text(verify);
}

int hsts_cc_expiring_soon(const char *v_remain, int warn_days)
{
    apr_int64_t days = 0;

    return hsts_parse_number(v_remain, APR_INT64_C(10000000000), &days) && days <= warn_days;
}

/* ---- Accept ---------------------------------------------------------------- */

#define Q_UNSET (-1)

/* A q-value as thousandths; anything unreadable counts as 1 (ignored). */
static int parse_q(const char *s, apr_size_t len)
{
    int q = 0, scale = 100;
    apr_size_t i = 0;

    if (len == 0 || (s[0] != '0' && s[0] != '1')) {
        return 1000;
    }
    q = s[0] == '1' ? 1000 : 0;
    if (len > 1 && s[1] == '.') {
        for (i = 2; i < len && i < 5; i++) {
            if (!apr_isdigit(s[i])) {
                return 1000;
            }
            q += (s[i] - '0') * scale;
            scale /= 10;
        }
    }
    return q > 1000 ? 1000 : q;
}

static int range_is(const char *s, apr_size_t len, const char *type)
{
    return strlen(type) == len && !apr_cstr_casecmpn(s, type, len);
}

static void note_range(const char *range, apr_size_t len, int q, int *html, int *xhtml,
                       int *text_any, int *any)
{
    if (range_is(range, len, "text/html")) {
        *html = q;
    }
    else if (range_is(range, len, "application/xhtml+xml")) {
        *xhtml = q;
    }
    else if (range_is(range, len, "text/*")) {
        *text_any = q;
    }
    else if (range_is(range, len, "*/*")) {
        *any = q;
    }
}

/* One element of Accept: its media range (without parameters and spaces)
 * and its q-value. */
static void parse_element(const char *elt, apr_size_t len, const char **range,
                          apr_size_t *range_len, int *q)
{
    apr_size_t i = 0, r_end;

    while (i < len && (elt[i] == ' ' || elt[i] == '\t')) {
        i++;
    }
    *range = elt + i;
    while (i < len && elt[i] != ';') {
        i++;
    }
    r_end = i;
    while (r_end > (apr_size_t)(*range - elt)
           && (elt[r_end - 1] == ' ' || elt[r_end - 1] == '\t')) {
        r_end--;
    }
    *range_len = r_end - (apr_size_t)(*range - elt);
    *q = 1000;
    while (i < len) {              /* elt[i] == ';': a parameter follows */
        apr_size_t name = i + 1, v, v_end;

        i = name;
        while (i < len && elt[i] != ';') {
            i++;
        }
        while (name < i && (elt[name] == ' ' || elt[name] == '\t')) {
            name++;
        }
        if (i - name >= 2 && (elt[name] == 'q' || elt[name] == 'Q') && elt[name + 1] == '=') {
            v = name + 2;
            v_end = i;
            while (v_end > v && (elt[v_end - 1] == ' ' || elt[v_end - 1] == '\t')) {
                v_end--;
            }
            *q = parse_q(elt + v, v_end - v);
        }
    }
}

int hsts_cc_accepts_html(const char *accept)
{
    int html = Q_UNSET, xhtml = Q_UNSET, text_any = Q_UNSET, any = Q_UNSET;
    int ranges = 0, effective;
    const char *p = accept;

    while (p && *p) {
        apr_size_t len = strcspn(p, ","), range_len;
        const char *range;
        int q;

        parse_element(p, len, &range, &range_len, &q);
        p += len + (p[len] == ',');
        if (!range_len) {
            continue;
        }
        ranges++;
        note_range(range, range_len, q, &html, &xhtml, &text_any, &any);
    }
    if (!ranges) {
        return 1;               /* no preference: anything goes */
    }
    /* the most specific range that matches text/html decides (RFC 9110 §12.5.1) */
    effective = html != Q_UNSET ? html : text_any != Q_UNSET ? text_any
              : any != Q_UNSET ? any : 0;
    return effective > 0 || xhtml > 0;
}

/* ---- the page -------------------------------------------------------------- */

const char *hsts_cc_reason_phrase(int missing)
{
    return missing ? "SSL Certificate Required" : "SSL Certificate Error";
}

/* A certificate field cut to HSTS_CC_PAGE_FIELD_MAX bytes at a character
 * boundary; NULL for an absent or empty field. */
static const char *clip(apr_pool_t *p, const char *s)
{
    apr_size_t len, cut;

    if (!s || !*s) {
        return NULL;
    }
    len = strlen(s);
    if (len <= HSTS_CC_PAGE_FIELD_MAX) {
        return s;
    }
    cut = HSTS_CC_PAGE_FIELD_MAX;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) {
        cut--;                  /* do not split a UTF-8 sequence */
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, s, cut), "...", NULL);
}

/* For the page: control characters as '?' (a field never breaks a line of
 * the text body), then HTML-escaped for the HTML body. */
static const char *field(apr_pool_t *p, const char *s, int html)
{
    const char *out;

    s = clip(p, s);
    if (!s) {
        return NULL;
    }
    out = hsts_ctl_to_question(p, s, strlen(s));
    return html ? apr_pescape_entity(p, out, 0) : out;
}

static int is_self_signed(const hsts_cc_page_t *page)
{
    return page->subject && page->issuer && *page->subject
        && !strcmp(page->subject, page->issuer);
}

/* What was wrong, one sentence; fields already escaped. */
static const char *problem(apr_pool_t *p, const hsts_cc_page_t *page, const char *subject,
                           const char *issuer, const char *not_before,
                           const char *not_after, const char *verify_reason)
{
    switch (page->reason) {
    case HSTS_CC_MISSING:
        return "No client certificate was sent.";
    case HSTS_CC_EXPIRED:
        return not_after
            ? apr_psprintf(p, "The client certificate expired on %s.", not_after)
            : "The client certificate has expired.";
    case HSTS_CC_NOT_YET_VALID:
        return not_before
            ? apr_psprintf(p, "The client certificate is not valid before %s.", not_before)
            : "The client certificate is not valid yet.";
    case HSTS_CC_REVOKED:
        return issuer
            ? apr_psprintf(p, "The client certificate has been revoked by its issuer, %s.",
                           issuer)
            : "The client certificate has been revoked by its issuer.";
    case HSTS_CC_UNTRUSTED:
        if (is_self_signed(page)) {
            return apr_psprintf(p, "The client certificate is self-signed (%s): no "
                                "certificate authority this site trusts issued it.",
                                subject);
        }
        return issuer
            ? apr_psprintf(p, "The client certificate was issued by an unknown issuer, %s.",
                           issuer)
            : "The client certificate was not issued by a certificate authority this "
              "site trusts.";
    default:
        return verify_reason
            ? apr_psprintf(p, "The client certificate could not be verified: %s.",
                           verify_reason)
            : "The client certificate could not be verified.";
    }
}

/* What the client must do, one sentence (static text). */
static const char *remedy(hsts_cc_reason_e reason)
{
    switch (reason) {
    case HSTS_CC_MISSING:
        return "This site requires a TLS client certificate: configure your browser or "
               "client to send one issued by a certificate authority this site trusts "
               "(with curl: --cert and --key), then try again.";
    case HSTS_CC_EXPIRED:
        return "Ask the issuer of your certificate for a new one, install it in your "
               "browser or client, and try again.";
    case HSTS_CC_NOT_YET_VALID:
        return "Check the date and time of the computer the client runs on, or wait "
               "until the certificate becomes valid, then try again.";
    case HSTS_CC_REVOKED:
        return "A revoked certificate cannot be used again: ask the issuer of your "
               "certificate for a new one.";
    case HSTS_CC_UNTRUSTED:
        return "Use a certificate issued by a certificate authority this site trusts "
               "(the site administrator can tell you which one), then try again.";
    default:
        return "Ask the issuer of your certificate for a new one, or contact the site "
               "administrator.";
    }
}

const char *hsts_cc_render_body(apr_pool_t *p, const hsts_cc_page_t *page, int html)
{
    const char *title = field(p, page->status_line, html);
    const char *subject = field(p, page->subject, html);
    const char *issuer = field(p, page->issuer, html);
    const char *not_before = field(p, page->not_before, html);
    const char *not_after = field(p, page->not_after, html);
    const char *verify_reason = NULL;
    const char *https_url = field(p, page->https_url, html);
    const char *what, *todo = remedy(page->reason);
    const char *heading = hsts_cc_reason_phrase(page->reason == HSTS_CC_MISSING);
    const char *details = "";

    if (page->verify && !strncmp(page->verify, "FAILED:", 7)) {
        verify_reason = field(p, page->verify + 7, html);
    }
    if (!title) {
        title = heading;
    }
    what = problem(p, page, subject, issuer, not_before, not_after, verify_reason);
    if (https_url) {
        what = "This resource needs a TLS client certificate, and a client certificate "
               "can only be sent over HTTPS: this request came over plain HTTP.";
        todo = apr_pstrcat(p, "Use ", https_url, " with your client certificate.", NULL);
    }
    if (html) {
        if (subject) {
            details = apr_pstrcat(p, details, "<dt>Certificate subject</dt><dd>", subject,
                                  "</dd>\n", NULL);
        }
        if (issuer) {
            details = apr_pstrcat(p, details, "<dt>Certificate issuer</dt><dd>", issuer,
                                  "</dd>\n", NULL);
        }
        if (not_before && not_after) {
            details = apr_pstrcat(p, details, "<dt>Valid</dt><dd>from ", not_before,
                                  " until ", not_after, "</dd>\n", NULL);
        }
        return apr_pstrcat(p,
                           "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
                           "<title>", title, "</title>\n</head><body>\n"
                           "<h1>", heading, "</h1>\n"
                           "<p>", what, "</p>\n<p>", todo, "</p>\n",
                           *details ? "<dl>\n" : "", details, *details ? "</dl>\n" : "",
                           "</body></html>\n", NULL);
    }
    if (subject) {
        details = apr_pstrcat(p, details, "Certificate subject: ", subject, "\n", NULL);
    }
    if (issuer) {
        details = apr_pstrcat(p, details, "Certificate issuer:  ", issuer, "\n", NULL);
    }
    if (not_before && not_after) {
        details = apr_pstrcat(p, details, "Valid from ", not_before, " until ", not_after,
                              "\n", NULL);
    }
    return apr_pstrcat(p, title, "\n\n", what, "\n", todo, "\n",
                       *details ? "\n" : "", details, NULL);
}
