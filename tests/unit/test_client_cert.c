/* Unit tests (Check) for the mutual-TLS core (src/client_cert.c) and the
 * HSTSClientCert / HSTSClientCertStatus fields of the scope merge (conf.c). */
#include "unit.h"
#include <string.h>

#include <apr_strings.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "hsts_cc_sessions.h"
#include "hsts_client_cert.h"
#include "hsts_conf.h"

static const char *failed(int err)
{
    return apr_pstrcat(pool, "FAILED:", X509_verify_cert_error_string(err), NULL);
}

/* ---- configuration --------------------------------------------------------- */

START_TEST(mode_parse_and_names)
{
    int mode = HSTS_UNSET;

    ck_assert_ptr_null(hsts_client_cert_mode_parse("off", &mode));
    ck_assert_int_eq(mode, HSTS_CLIENT_CERT_OFF);
    ck_assert_ptr_null(hsts_client_cert_mode_parse("Report", &mode));
    ck_assert_int_eq(mode, HSTS_CLIENT_CERT_REPORT);
    ck_assert_ptr_null(hsts_client_cert_mode_parse("REQUIRE", &mode));
    ck_assert_int_eq(mode, HSTS_CLIENT_CERT_REQUIRE);
    ck_assert_ptr_nonnull(hsts_client_cert_mode_parse("optional", &mode));
    ck_assert_ptr_nonnull(hsts_client_cert_mode_parse("", &mode));
    ck_assert_ptr_nonnull(hsts_client_cert_mode_parse(NULL, &mode));
    ck_assert_int_eq(mode, HSTS_CLIENT_CERT_REQUIRE);     /* untouched on error */
    ck_assert_str_eq(hsts_client_cert_mode_name(HSTS_CLIENT_CERT_REPORT), "report");
    ck_assert_str_eq(hsts_client_cert_mode_name(HSTS_UNSET), "unset");
}
END_TEST

START_TEST(status_parse)
{
    static const char *const bad[] = { "399", "500", "200", "4000", "40", "4x5", "-495",
                                       " 495", "495 ", "", "0495" };
    int status = 0;
    size_t i;

    ck_assert_ptr_null(hsts_client_cert_status_parse("495", &status));
    ck_assert_int_eq(status, 495);
    ck_assert_ptr_null(hsts_client_cert_status_parse("400", &status));
    ck_assert_int_eq(status, 400);
    ck_assert_ptr_null(hsts_client_cert_status_parse("499", &status));
    ck_assert_int_eq(status, 499);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        status = 7;
        ck_assert_msg(hsts_client_cert_status_parse(bad[i], &status) != NULL, "%s", bad[i]);
        ck_assert_int_eq(status, 7);
    }
    ck_assert_ptr_nonnull(hsts_client_cert_status_parse(NULL, &status));
}
END_TEST

START_TEST(conf_unset_and_merge)
{
    hsts_dir_conf *vhost = hsts_dir_conf_create(pool);
    hsts_dir_conf *loc = hsts_dir_conf_create(pool);
    hsts_dir_conf *m;

    ck_assert_int_eq(vhost->client_cert, HSTS_UNSET);
    ck_assert_int_eq(vhost->client_cert_status_error, HSTS_UNSET);
    ck_assert_int_eq(vhost->client_cert_status_missing, HSTS_UNSET);

    vhost->client_cert = HSTS_CLIENT_CERT_REQUIRE;
    vhost->client_cert_status_error = 403;
    vhost->client_cert_status_missing = 403;
    hsts_conf_finish(pool, vhost);

    /* an inner scope that sets nothing inherits everything */
    m = hsts_dir_conf_merge(pool, vhost, loc);
    ck_assert_int_eq(m->client_cert, HSTS_CLIENT_CERT_REQUIRE);
    ck_assert_int_eq(m->client_cert_status_error, 403);
    ck_assert_int_eq(m->client_cert_status_missing, 403);

    /* off in an inner scope (a health check) wins, the statuses stay */
    loc->client_cert = HSTS_CLIENT_CERT_OFF;
    m = hsts_dir_conf_merge(pool, vhost, loc);
    ck_assert_int_eq(m->client_cert, HSTS_CLIENT_CERT_OFF);
    ck_assert_int_eq(m->client_cert_status_error, 403);

    loc->client_cert_status_error = 400;
    loc->client_cert_status_missing = 401;
    m = hsts_dir_conf_merge(pool, vhost, loc);
    ck_assert_int_eq(m->client_cert_status_error, 400);
    ck_assert_int_eq(m->client_cert_status_missing, 401);

    /* the client-cert fields do not touch the policy */
    ck_assert_ptr_null(m->policy);
    ck_assert_int_eq(m->effective_mode, HSTS_MODE_REPORT);

    /* and the policy fields do not touch them */
    vhost->max_age = 600;
    hsts_conf_finish(pool, vhost);
    m = hsts_dir_conf_merge(pool, hsts_dir_conf_create(pool), vhost);
    ck_assert_str_eq(m->policy, "max-age=600");
    ck_assert_int_eq(m->client_cert, HSTS_CLIENT_CERT_REQUIRE);
}
END_TEST

/* ---- reasons --------------------------------------------------------------- */

START_TEST(reason_of_verify_error)
{
    static const struct { int err; hsts_cc_reason_e reason; } cases[] = {
        { X509_V_OK, HSTS_CC_OK },
        { X509_V_ERR_CERT_HAS_EXPIRED, HSTS_CC_EXPIRED },
        { X509_V_ERR_CERT_NOT_YET_VALID, HSTS_CC_NOT_YET_VALID },
        { X509_V_ERR_CERT_REVOKED, HSTS_CC_REVOKED },
        { X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, HSTS_CC_UNTRUSTED },
        { X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, HSTS_CC_UNTRUSTED },
        { X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, HSTS_CC_UNTRUSTED },
        { X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, HSTS_CC_UNTRUSTED },
        { X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, HSTS_CC_UNTRUSTED },
        { X509_V_ERR_CERT_UNTRUSTED, HSTS_CC_UNTRUSTED },
        { X509_V_ERR_CERT_REJECTED, HSTS_CC_UNTRUSTED },
        { X509_V_ERR_CERT_SIGNATURE_FAILURE, HSTS_CC_INVALID },
        { X509_V_ERR_UNABLE_TO_GET_CRL, HSTS_CC_INVALID },
        { X509_V_ERR_CRL_HAS_EXPIRED, HSTS_CC_INVALID },
        { X509_V_ERR_CERT_CHAIN_TOO_LONG, HSTS_CC_INVALID },
        { X509_V_ERR_INVALID_PURPOSE, HSTS_CC_INVALID },
        { X509_V_ERR_INVALID_CA, HSTS_CC_INVALID },
        { X509_V_ERR_APPLICATION_VERIFICATION, HSTS_CC_INVALID },
        { X509_V_ERR_UNSPECIFIED, HSTS_CC_INVALID },
        { -1, HSTS_CC_INVALID },
        { 123456, HSTS_CC_INVALID },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(hsts_cc_reason_of_verify_error(cases[i].err) == cases[i].reason,
                      "error %d", cases[i].err);
    }
}
END_TEST

START_TEST(reason_of_verify_text)
{
    ck_assert_int_eq(hsts_cc_reason_of_verify_text(NULL), HSTS_CC_UNCHECKED);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text("SUCCESS"), HSTS_CC_OK);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text("NONE"), HSTS_CC_MISSING);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text(""), HSTS_CC_MISSING);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text("GENEROUS"), HSTS_CC_UNTRUSTED);
    /* mod_ssl's texts are OpenSSL's X509_verify_cert_error_string() */
    ck_assert_int_eq(hsts_cc_reason_of_verify_text("FAILED:certificate has expired"),
                     HSTS_CC_EXPIRED);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text(failed(X509_V_ERR_CERT_HAS_EXPIRED)),
                     HSTS_CC_EXPIRED);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text(failed(X509_V_ERR_CERT_NOT_YET_VALID)),
                     HSTS_CC_NOT_YET_VALID);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text("FAILED:certificate revoked"),
                     HSTS_CC_REVOKED);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text(
                         "FAILED:unable to get local issuer certificate"), HSTS_CC_UNTRUSTED);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text(
                         failed(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)), HSTS_CC_UNTRUSTED);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text(failed(X509_V_ERR_CERT_CHAIN_TOO_LONG)),
                     HSTS_CC_INVALID);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text("FAILED:"), HSTS_CC_INVALID);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text("FAILED:something new"), HSTS_CC_INVALID);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text("success"), HSTS_CC_INVALID);
    ck_assert_int_eq(hsts_cc_reason_of_verify_text("FAILED:certificate has expired "),
                     HSTS_CC_INVALID);
}
END_TEST

START_TEST(verdict_prefers_recorded_error)
{
    ck_assert_int_eq(hsts_cc_verdict(NULL, 0, 0), HSTS_CC_UNCHECKED);
    ck_assert_int_eq(hsts_cc_verdict("SUCCESS", 0, 0), HSTS_CC_OK);
    ck_assert_int_eq(hsts_cc_verdict("NONE", 0, 0), HSTS_CC_MISSING);
    ck_assert_int_eq(hsts_cc_verdict("GENEROUS", 0, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
                     HSTS_CC_UNTRUSTED);
    /* TLS 1.3 with optional_no_ca: mod_ssl keeps the verify result of GENEROUS */
    ck_assert_int_eq(hsts_cc_verdict(failed(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY), 0,
                                     X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
                     HSTS_CC_UNTRUSTED);
    ck_assert_int_eq(hsts_cc_verdict(failed(X509_V_ERR_CERT_REVOKED),
                                     X509_V_ERR_CERT_REVOKED, X509_V_ERR_CERT_REVOKED),
                     HSTS_CC_REVOKED);
    /* the recorded error decides; a rejected certificate is never ok or missing */
    ck_assert_int_eq(hsts_cc_verdict("SUCCESS", X509_V_ERR_CERT_HAS_EXPIRED, 0),
                     HSTS_CC_EXPIRED);
    ck_assert_int_eq(hsts_cc_verdict("SUCCESS", X509_V_ERR_UNSPECIFIED, 0), HSTS_CC_INVALID);
    ck_assert_int_eq(hsts_cc_verdict("NONE", X509_V_ERR_UNSPECIFIED, 0), HSTS_CC_INVALID);
    ck_assert_int_eq(hsts_cc_verdict(NULL, X509_V_ERR_CERT_NOT_YET_VALID, 0),
                     HSTS_CC_NOT_YET_VALID);
    /* optional_no_ca let the unknown issuer pass, then its CRL was missing */
    ck_assert_int_eq(hsts_cc_verdict(failed(X509_V_ERR_UNABLE_TO_GET_CRL),
                                     X509_V_ERR_UNABLE_TO_GET_CRL,
                                     X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
                     HSTS_CC_UNTRUSTED);
    ck_assert_int_eq(hsts_cc_verdict(failed(X509_V_ERR_UNABLE_TO_GET_CRL),
                                     X509_V_ERR_UNABLE_TO_GET_CRL, X509_V_ERR_UNABLE_TO_GET_CRL),
                     HSTS_CC_INVALID);
    /* a first error that says nothing more leaves the rejected one */
    ck_assert_int_eq(hsts_cc_verdict(failed(X509_V_ERR_CERT_HAS_EXPIRED),
                                     X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_INVALID_PURPOSE),
                     HSTS_CC_EXPIRED);
    /* an unspecific error (SSLVerifyDepth) with mod_ssl's text */
    ck_assert_int_eq(hsts_cc_verdict(failed(X509_V_ERR_CERT_CHAIN_TOO_LONG),
                                     X509_V_ERR_UNSPECIFIED, 0), HSTS_CC_INVALID);
    ck_assert_int_eq(hsts_cc_verdict("FAILED:certificate revoked",
                                     X509_V_ERR_APPLICATION_VERIFICATION, 0), HSTS_CC_REVOKED);
}
END_TEST

START_TEST(reason_names_findings_refusal)
{
    static const char *const names[] = { "-", "ok", "missing", "expired", "not_yet_valid",
                                         "revoked", "untrusted", "invalid" };
    int i;

    for (i = 0; i < HSTS_CC_COUNT; i++) {
        ck_assert_str_eq(hsts_cc_reason_name((hsts_cc_reason_e)i), names[i]);
    }
    ck_assert_str_eq(hsts_cc_reason_name(HSTS_CC_COUNT), "-");
    ck_assert_str_eq(hsts_cc_reason_name((hsts_cc_reason_e)-3), "-");
    ck_assert_int_eq(hsts_cc_reason_finding(HSTS_CC_OK), HSTS_F_COUNT);
    ck_assert_int_eq(hsts_cc_reason_finding(HSTS_CC_UNCHECKED), HSTS_F_COUNT);
    for (i = HSTS_CC_MISSING; i < HSTS_CC_COUNT; i++) {
        hsts_finding_e f = hsts_cc_reason_finding((hsts_cc_reason_e)i);

        ck_assert_int_ne(f, HSTS_F_COUNT);
        ck_assert_str_eq(hsts_finding_info(f)->code,
                         apr_pstrcat(pool, "client_cert.", names[i], NULL));
        ck_assert(hsts_cc_reason_refused((hsts_cc_reason_e)i));
    }
    ck_assert(!hsts_cc_reason_refused(HSTS_CC_OK));
    ck_assert(!hsts_cc_reason_refused(HSTS_CC_UNCHECKED));
    ck_assert(!hsts_cc_reason_refused(HSTS_CC_COUNT));
    ck_assert_str_eq(hsts_cc_reason_phrase(0), "SSL Certificate Error");
    ck_assert_str_eq(hsts_cc_reason_phrase(1), "SSL Certificate Required");
}
END_TEST

START_TEST(expiring_soon)
{
    ck_assert(hsts_cc_expiring_soon("5", 30));
    ck_assert(hsts_cc_expiring_soon("30", 30));
    ck_assert(!hsts_cc_expiring_soon("31", 30));
    ck_assert(hsts_cc_expiring_soon("0", 0));
    ck_assert(!hsts_cc_expiring_soon("1", 0));
    ck_assert(!hsts_cc_expiring_soon("364", 30));
    ck_assert(!hsts_cc_expiring_soon(NULL, 30));
    ck_assert(!hsts_cc_expiring_soon("", 30));
    ck_assert(!hsts_cc_expiring_soon("-1", 30));
    ck_assert(!hsts_cc_expiring_soon("5d", 30));
    ck_assert(!hsts_cc_expiring_soon("99999999999999999999", 3650));
}
END_TEST

START_TEST(accepts_html)
{
    ck_assert(hsts_cc_accepts_html(NULL));
    ck_assert(hsts_cc_accepts_html(""));
    ck_assert(hsts_cc_accepts_html("  ,  "));
    ck_assert(hsts_cc_accepts_html("*/*"));                       /* curl */
    ck_assert(hsts_cc_accepts_html("text/html,application/xhtml+xml,application/xml;"
                                   "q=0.9,image/avif,image/webp,*/*;q=0.8")); /* browsers */
    ck_assert(hsts_cc_accepts_html("text/*"));
    ck_assert(hsts_cc_accepts_html("TEXT/HTML"));
    ck_assert(hsts_cc_accepts_html("application/xhtml+xml"));
    ck_assert(hsts_cc_accepts_html("application/json, text/html ; q=0.1"));
    ck_assert(!hsts_cc_accepts_html("application/json"));
    ck_assert(!hsts_cc_accepts_html("text/plain"));
    ck_assert(!hsts_cc_accepts_html("text/plain, application/json;q=0.5"));
    ck_assert(!hsts_cc_accepts_html("text/html;q=0"));
    ck_assert(!hsts_cc_accepts_html("text/html;q=0.000, */*"));   /* specific wins */
    ck_assert(!hsts_cc_accepts_html("*/*;q=0"));
    ck_assert(!hsts_cc_accepts_html("text/*;q=0, */*;q=1"));
    ck_assert(hsts_cc_accepts_html("text/html;level=1;q=0.5"));
    ck_assert(hsts_cc_accepts_html("text/html;q=nonsense"));      /* ignored: q=1 */
    ck_assert(!hsts_cc_accepts_html("text/htmlx, texthtml"));
}
END_TEST

/* ---- the page -------------------------------------------------------------- */

static hsts_cc_page_t page_of(hsts_cc_reason_e reason)
{
    hsts_cc_page_t page;

    memset(&page, 0, sizeof(page));
    page.reason = reason;
    page.status_line = reason == HSTS_CC_MISSING ? "496 SSL Certificate Required"
                                                 : "495 SSL Certificate Error";
    page.subject = "CN=client-x,O=mod_hsts_audit tests";
    page.issuer = "CN=HSTS Test Client CA,O=mod_hsts_audit tests";
    page.not_before = "Jan  1 00:00:00 2024 GMT";
    page.not_after = "Feb  1 00:00:00 2024 GMT";
    return page;
}

START_TEST(body_says_what_and_what_to_do)
{
    hsts_cc_page_t page = page_of(HSTS_CC_EXPIRED);
    const char *html = hsts_cc_render_body(pool, &page, 1);
    const char *text = hsts_cc_render_body(pool, &page, 0);

    assert_contains(html, "<!DOCTYPE html>");
    assert_contains(html, "<title>495 SSL Certificate Error</title>");
    assert_contains(html, "<h1>SSL Certificate Error</h1>");
    assert_contains(html, "expired on Feb  1 00:00:00 2024 GMT");
    assert_contains(html, "Ask the issuer of your certificate for a new one");
    assert_contains(html, "CN=client-x,O=mod_hsts_audit tests");
    assert_contains(html, "charset=\"utf-8\"");
    ck_assert(!strncmp(text, "495 SSL Certificate Error\n\n", 27));
    assert_contains(text, "The client certificate expired on Feb  1 00:00:00 "
                          "2024 GMT.");
    assert_contains(text, "Certificate subject: CN=client-x");
    ck_assert_ptr_null(strchr(text, '<'));

    page = page_of(HSTS_CC_NOT_YET_VALID);
    assert_contains(hsts_cc_render_body(pool, &page, 0),
                    "not valid before Jan  1 00:00:00 2024 GMT");
    assert_contains(hsts_cc_render_body(pool, &page, 0), "date and time");

    page = page_of(HSTS_CC_REVOKED);
    assert_contains(hsts_cc_render_body(pool, &page, 0),
                    "revoked by its issuer, CN=HSTS Test Client CA");

    page = page_of(HSTS_CC_UNTRUSTED);
    page.issuer = "CN=HSTS Rogue CA";
    assert_contains(hsts_cc_render_body(pool, &page, 0),
                    "issued by an unknown issuer, CN=HSTS Rogue CA.");
    page.issuer = page.subject;
    assert_contains(hsts_cc_render_body(pool, &page, 0),
                    "self-signed (CN=client-x");

    page = page_of(HSTS_CC_INVALID);
    page.verify = "FAILED:certificate chain too long";
    assert_contains(hsts_cc_render_body(pool, &page, 0),
                    "could not be verified: certificate chain too long.");

    page = page_of(HSTS_CC_MISSING);
    page.subject = page.issuer = page.not_before = page.not_after = NULL;
    text = hsts_cc_render_body(pool, &page, 0);
    ck_assert(!strncmp(text, "496 SSL Certificate Required\n\nNo client certificate "
                             "was sent.\n", 58));
    assert_contains(text, "--cert and --key");
    assert_lacks(text, "Certificate subject");
    html = hsts_cc_render_body(pool, &page, 1);
    assert_contains(html, "<h1>SSL Certificate Required</h1>");
    assert_lacks(html, "<dl>");
}
END_TEST

START_TEST(body_plain_http_says_use_https)
{
    hsts_cc_page_t page = page_of(HSTS_CC_MISSING);
    const char *html, *text;

    page.subject = page.issuer = page.not_before = page.not_after = NULL;
    page.https_url = "https://h.example/a?b=<script>&c=\"d\"\x01";
    html = hsts_cc_render_body(pool, &page, 1);
    text = hsts_cc_render_body(pool, &page, 0);
    ck_assert(!strncmp(text, "496 SSL Certificate Required\n\nThis resource needs a TLS "
                             "client certificate, and a client certificate can only be "
                             "sent over HTTPS: this request came over plain HTTP.\n", 155));
    assert_contains(text, "Use https://h.example/a?b=<script>&c=\"d\"? with "
                          "your client certificate.\n");
    assert_lacks(text, "No client certificate was sent");
    assert_contains(html, "<p>Use https://h.example/a?b=&lt;script&gt;&amp;c="
                          "&quot;d&quot;? with your client certificate.</p>");
    assert_lacks(html, "<script>");
}
END_TEST

START_TEST(body_escapes_certificate_fields)
{
    hsts_cc_page_t page = page_of(HSTS_CC_UNTRUSTED);
    const char *html, *text;

    page.subject = "CN=<script>alert(1)</script>,O=\"A&B\"";
    page.issuer = "CN=<img src=x onerror=alert(2)>\x01\x1b[31m";
    page.not_after = "<b>never</b>";
    page.not_before = "'x'";
    page.verify = "FAILED:<i>evil</i>";
    html = hsts_cc_render_body(pool, &page, 1);
    assert_lacks(html, "<script>");
    assert_lacks(html, "<img");
    assert_lacks(html, "<b>never");
    assert_contains(html, "CN=&lt;script&gt;alert(1)&lt;/script&gt;,"
                          "O=&quot;A&amp;B&quot;");
    assert_contains(html, "CN=&lt;img src=x onerror=alert(2)&gt;??[31m");
    ck_assert_ptr_null(strchr(html, '\x01'));
    ck_assert_ptr_null(strchr(html, '\x1b'));
    assert_contains(html, "&lt;b&gt;never&lt;/b&gt;");
    /* element content only, never an attribute: quotes need no escaping */
    assert_contains(html, "<dd>from 'x' until &lt;b&gt;");

    page.reason = HSTS_CC_INVALID;
    html = hsts_cc_render_body(pool, &page, 1);
    assert_contains(html, "verified: &lt;i&gt;evil&lt;/i&gt;.");
    assert_lacks(html, "<i>");

    /* text: no markup to escape, but no control characters either */
    text = hsts_cc_render_body(pool, &page, 0);
    ck_assert_ptr_null(strchr(text, '\x01'));
    ck_assert_ptr_null(strchr(text, '\x1b'));
    assert_contains(text, "alert(2)>??[31m");
}
END_TEST

START_TEST(body_clips_long_fields_at_characters)
{
    hsts_cc_page_t page = page_of(HSTS_CC_UNTRUSTED);
    char *dn = apr_palloc(pool, 2000);
    const char *text, *start, *end;
    size_t i;

    /* "CN=" then 2-byte UTF-8 characters (U+00E9): byte 512 falls inside one */
    memcpy(dn, "CN=", 3);
    for (i = 3; i + 2 < 1999; i += 2) {
        dn[i] = (char)0xC3;
        dn[i + 1] = (char)0xA9;
    }
    dn[i] = '\0';
    page.subject = dn;
    page.issuer = "CN=x";
    text = hsts_cc_render_body(pool, &page, 0);
    start = strstr(text, "Certificate subject: ") + 21;
    end = strchr(start, '\n');
    ck_assert_ptr_nonnull(end);
    ck_assert_uint_le((size_t)(end - start), HSTS_CC_PAGE_FIELD_MAX + 3);
    ck_assert(!strncmp(end - 3, "...", 3));
    /* the byte before "..." ends a whole character */
    ck_assert_int_eq((unsigned char)end[-4], 0xA9);
    ck_assert_int_eq((unsigned char)end[-5], 0xC3);
}
END_TEST

START_TEST(body_is_never_taken_for_a_url)
{
    hsts_cc_page_t page = page_of(HSTS_CC_MISSING);
    const char *body;

    page.status_line = NULL;
    body = hsts_cc_render_body(pool, &page, 0);
    ck_assert(body[0] != '/' && body[0] != '"');
    ck_assert_ptr_null(memchr(body, ':', strcspn(body, " ")));
    page.status_line = "http://example.org/";
    body = hsts_cc_render_body(pool, &page, 1);
    ck_assert(!strncmp(body, "<!DOCTYPE", 9));
}
END_TEST

/* ---- the table of accepted sessions ------------------------------------------ */

static void key_of(unsigned char key[HSTS_CC_SESSION_KEY_LEN], unsigned char first,
                   unsigned char last)
{
    memset(key, 0x5a, HSTS_CC_SESSION_KEY_LEN);
    key[0] = first;
    key[HSTS_CC_SESSION_KEY_LEN - 1] = last;
}

START_TEST(sessions_put_get_expire)
{
    void *mem = apr_palloc(pool, hsts_cc_sessions_size(8));
    hsts_cc_sessions_t *t = hsts_cc_sessions_init(mem, 8);
    unsigned char a[HSTS_CC_SESSION_KEY_LEN], b[HSTS_CC_SESSION_KEY_LEN];

    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_null(hsts_cc_sessions_init(mem, 0));
    ck_assert_ptr_null(hsts_cc_sessions_init(NULL, 8));
    ck_assert_uint_eq(hsts_cc_sessions_size(8) - hsts_cc_sessions_size(7), 24);
    key_of(a, 1, 1);
    key_of(b, 1, 2);                     /* the same slot, another key */
    ck_assert_int_eq(hsts_cc_sessions_get(t, a, 1000), 0);
    hsts_cc_sessions_put(t, a, 1300);
    ck_assert_int_eq(hsts_cc_sessions_get(t, a, 1000), 1);
    ck_assert_int_eq(hsts_cc_sessions_get(t, a, 1299), 1);
    ck_assert_int_eq(hsts_cc_sessions_get(t, a, 1300), 0);      /* expired at 1300 */
    ck_assert_int_eq(hsts_cc_sessions_get(t, a, -1), 0);
    ck_assert_int_eq(hsts_cc_sessions_get(t, b, 1000), 0);      /* never put */
    hsts_cc_sessions_put(t, b, 1300);                           /* the newest wins */
    ck_assert_int_eq(hsts_cc_sessions_get(t, b, 1000), 1);
    ck_assert_int_eq(hsts_cc_sessions_get(t, a, 1000), 0);
    hsts_cc_sessions_put(t, a, 0);                              /* stored as 1 */
    ck_assert_int_eq(hsts_cc_sessions_get(t, a, 1), 0);
    ck_assert_int_eq(hsts_cc_sessions_get(t, a, 1000), 0);
    hsts_cc_sessions_put(NULL, a, 1300);                        /* no table: nothing */
    ck_assert_int_eq(hsts_cc_sessions_get(NULL, a, 1000), 0);
}
END_TEST

START_TEST(sessions_slots_are_independent)
{
    hsts_cc_sessions_t *t = hsts_cc_sessions_init(apr_palloc(pool, hsts_cc_sessions_size(
                                                      HSTS_CC_SESSION_SLOTS)),
                                                  HSTS_CC_SESSION_SLOTS);
    unsigned char k[HSTS_CC_SESSION_KEY_LEN];
    int i, found = 0;

    for (i = 0; i < 200; i++) {
        key_of(k, (unsigned char)i, (unsigned char)(i * 7));
        hsts_cc_sessions_put(t, k, 5000 + i);
    }
    for (i = 0; i < 200; i++) {
        key_of(k, (unsigned char)i, (unsigned char)(i * 7));
        found += hsts_cc_sessions_get(t, k, 4999);
    }
    /* keys 0..199 differ in their first byte: 200 slots, none shared */
    ck_assert_int_eq(found, 200);
    key_of(k, 3, 3 * 7 + 1);             /* slot of key 3, one bit of the key differs */
    ck_assert_int_eq(hsts_cc_sessions_get(t, k, 4999), 0);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        mode_parse_and_names,
        status_parse,
        conf_unset_and_merge,
        reason_of_verify_error,
        reason_of_verify_text,
        verdict_prefers_recorded_error,
        reason_names_findings_refusal,
        expiring_soon,
        accepts_html,
        body_says_what_and_what_to_do,
        body_plain_http_says_use_https,
        body_escapes_certificate_fields,
        body_clips_long_fields_at_characters,
        body_is_never_taken_for_a_url,
        sessions_put_get_expire,
        sessions_slots_are_independent,
    };

    return unit_main("client_cert", tests, UNIT_COUNT(tests));
}
