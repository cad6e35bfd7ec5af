/* Unit tests (Check) for the audit core: the findings table, one case per
 * response finding code, the redirect rules, the shared statistics area
 * (counting, rate limit, ring, carry-over) and the escapers. */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_cstr.h>
#include <apr_strings.h>

#include "hsts_audit.h"
#include "hsts_escape.h"
#include "hsts_findings.h"
#include "hsts_stats.h"


#define BIT HSTS_FINDING_BIT

/* ---- the table ----------------------------------------------------------- */

START_TEST(table_is_complete_and_consistent)
{
    int i;

    for (i = 0; i < HSTS_F_COUNT; i++) {
        const hsts_finding_info_t *f = hsts_finding_info((hsts_finding_e)i);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(f->id, i);
        ck_assert_ptr_nonnull(f->code);
        ck_assert_ptr_nonnull(f->summary);
        ck_assert_ptr_nonnull(f->fix);
        ck_assert_int_eq(hsts_finding_by_code(f->code), i);
        /* the category is the code's first word */
        {
            static const char *const words[] = { "header.", "redirects.", "cert.", "guard.",
                                                 "ramp.", "client_cert.", "" };

            ck_assert_int_ge(f->category, HSTS_CAT_HEADER);
            ck_assert_int_le(f->category, HSTS_CAT_PRELOAD);
            /* the self-check's codes are hstspreload's: response., redirects., domain. */
            ck_assert(!strncmp(f->code, words[f->category], strlen(words[f->category])));
        }
        /* every cert.* finding names the browser errors (design.md section 4):
         * Chromium's NET::ERR_CERT... (or that Chrome ignores the problem),
         * then Firefox's after " / " */
        if (!strncmp(f->code, "cert.", 5)) {
            ck_assert_ptr_nonnull(f->browser_errors);
            ck_assert_msg(strstr(f->browser_errors, "NET::ERR_CERT") == f->browser_errors
                          || strstr(f->browser_errors, "(Chrome ignores") == f->browser_errors,
                          "%s: %s", f->code, f->browser_errors);
            assert_contains(f->browser_errors, " / ");
        }
    }
    ck_assert_ptr_null(hsts_finding_info(HSTS_F_COUNT));
    ck_assert_int_eq(hsts_finding_by_code("header.nonsense"), HSTS_F_COUNT);
    ck_assert_int_lt(HSTS_F_COUNT, 64);
}
END_TEST

START_TEST(table_has_the_contract_codes)
{
    static const char *const codes[] = {
        "header.missing", "header.multiple", "header.invalid.syntax",
        "header.invalid.max_age", "header.invalid.max_age.missing",
        "header.invalid.repeated_directive", "header.invalid.include_sub_domains_value",
        "header.invalid.token", "header.max_age.zero", "header.max_age.below_configured",
        "header.include_sub_domains.below_configured",
        "header.over_http", "header.preloadable.include_sub_domains.missing",
        "header.preloadable.preload.missing", "header.preloadable.max_age.below_1_year",
        "header.preloadable.max_age.over_10_years",
        "header.preload.divergent", "redirects.http.no_redirect",
        "redirects.http.first_redirect.insecure", "redirects.downgrade",
        "redirects.https.target_cert_invalid", "cert.expired",
        "cert.not_yet_valid", "cert.expiring_soon", "cert.name_mismatch",
        "cert.chain_incomplete", "cert.untrusted", "cert.weak_signature",
        "cert.chain_expiring", "cert.weak_key", "cert.server_auth_missing",
        "cert.validity_too_long", "cert.ct_insufficient", "cert.must_staple_unstapled",
        "cert.issuer_distrusted", "cert.reload_pending", "guard.subdomain_not_https", "ramp.held",
        "client_cert.missing", "client_cert.expired",
        "client_cert.not_yet_valid", "client_cert.revoked", "client_cert.untrusted",
        "client_cert.invalid", "client_cert.expiring_soon",
        "response.no_header", "response.multiple_headers",
        "redirects.http.first_redirect.no_hsts", "redirects.http.www_first",
        "redirects.insecure.initial", "redirects.insecure.subsequent", "redirects.too_many",
        "domain.www.no_tls", "domain.tls.invalid_cert_chain", "domain.tls.sha1"
    };
    apr_size_t i;

    ck_assert_uint_eq(sizeof(codes) / sizeof(codes[0]), HSTS_F_COUNT);
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        ck_assert_msg(hsts_finding_by_code(codes[i]) != HSTS_F_COUNT, "missing %s", codes[i]);
    }
}
END_TEST

START_TEST(format_lists_codes_in_table_order)
{
    char buf[256], tiny[10];
    apr_size_t need;

    need = hsts_findings_format(0, buf, sizeof(buf));
    ck_assert_str_eq(buf, "ok");
    ck_assert_uint_eq(need, 2);
    ck_assert_str_eq(hsts_findings_join(pool, 0, " "), "");
    ck_assert_str_eq(hsts_findings_join(pool, HSTS_FINDING_BIT(HSTS_F_RAMP_HELD)
                                        | HSTS_FINDING_BIT(HSTS_F_HEADER_MISSING), ", "),
                     "header.missing, ramp.held");
    need = hsts_findings_format(BIT(HSTS_F_REDIRECTS_DOWNGRADE) | BIT(HSTS_F_HEADER_MULTIPLE),
                                buf, sizeof(buf));
    ck_assert_str_eq(buf, "header.multiple,redirects.downgrade");
    ck_assert_uint_eq(need, strlen(buf));
    need = hsts_findings_format(BIT(HSTS_F_REDIRECTS_DOWNGRADE) | BIT(HSTS_F_HEADER_MULTIPLE),
                                tiny, sizeof(tiny));
    ck_assert_uint_eq(need, strlen("header.multiple,redirects.downgrade"));
    ck_assert_uint_lt(strlen(tiny), sizeof(tiny));
    ck_assert_int_eq(hsts_findings_severity(BIT(HSTS_F_HEADER_MULTIPLE)), HSTS_SEVERITY_WARNING);
    ck_assert_int_eq(hsts_findings_severity(BIT(HSTS_F_HEADER_MULTIPLE)
                                            | BIT(HSTS_F_CERT_EXPIRED)), HSTS_SEVERITY_ERROR);
}
END_TEST

/* ---- response findings: one case per code ------------------------------- */

static hsts_findings_t https(const char *value, unsigned n, apr_int64_t configured,
                             int preload_conf, int expects)
{
    hsts_audit_scope_t scope = { configured, preload_conf, expects, 0 };
    hsts_audit_response_t r = { 0 };

    r.is_https = 1;
    r.n_fields = n;
    r.first = value;
    r.first_len = value ? strlen(value) : 0;
    r.status = 200;
    return hsts_audit_response(&scope, &r, NULL);
}

START_TEST(header_findings)
{
    assert_findings(https("max-age=31536000", 1, -1, 0, 0), 0);
    assert_findings(https(NULL, 0, 31536000, 0, 1), BIT(HSTS_F_HEADER_MISSING));
    assert_findings(https(NULL, 0, 31536000, 0, 0), 0);
    assert_findings(https("max-age=31536000", 2, -1, 0, 0), BIT(HSTS_F_HEADER_MULTIPLE));
    ck_assert(https("=1; max-age=1", 1, -1, 0, 0) & BIT(HSTS_F_HEADER_INVALID_SYNTAX));
    ck_assert(https("max-age=1x", 1, -1, 0, 0) & BIT(HSTS_F_HEADER_INVALID_MAX_AGE));
    ck_assert(https("includeSubDomains", 1, -1, 0, 0) & BIT(HSTS_F_HEADER_INVALID_MAX_AGE_MISSING));
    ck_assert(https("max-age=1; max-age=2", 1, -1, 0, 0)
              & BIT(HSTS_F_HEADER_INVALID_REPEATED_DIRECTIVE));
    ck_assert(https("max-age=1; includeSubDomains=yes", 1, -1, 0, 0)
              & BIT(HSTS_F_HEADER_INVALID_INCLUDE_SUB_DOMAINS_VALUE));
    ck_assert(https("max-age=1; a,b", 1, -1, 0, 0) & BIT(HSTS_F_HEADER_INVALID_TOKEN));
    assert_findings(https("max-age=0", 1, -1, 0, 0), BIT(HSTS_F_HEADER_MAX_AGE_ZERO));
    assert_findings(https("max-age=600", 1, 31536000, 0, 0),
                    BIT(HSTS_F_HEADER_MAX_AGE_BELOW_CONFIGURED));
    assert_findings(https("max-age=63072000", 1, 31536000, 0, 0), 0);
}
END_TEST

START_TEST(preload_findings)
{
    /* only when the header carries preload, or HSTSPreload is On */
    assert_findings(https("max-age=600", 1, -1, 0, 0), 0);
    assert_findings(https("max-age=600; preload", 1, -1, 0, 0),
                    BIT(HSTS_F_PRELOADABLE_INCLUDE_SUB_DOMAINS_MISSING)
                    | BIT(HSTS_F_PRELOADABLE_MAX_AGE_BELOW_1_YEAR));
    assert_findings(https("max-age=31536000; includeSubDomains", 1, -1, 1, 0),
                    BIT(HSTS_F_PRELOADABLE_PRELOAD_MISSING));
    assert_findings(https("max-age=31536000; includeSubDomains; preload", 1, -1, 0, 0), 0);
}
END_TEST

START_TEST(divergence_findings)
{
    /* browsers accept, hstspreload rejects */
    ck_assert(https("max-age=\"31536000\"", 1, -1, 0, 0) & BIT(HSTS_F_HEADER_PRELOAD_DIVERGENT));
    ck_assert(https("max-age = 31536000", 1, -1, 0, 0) & BIT(HSTS_F_HEADER_PRELOAD_DIVERGENT));
    /* browsers reject, hstspreload only warns */
    ck_assert(https("max-age=1; max-age=1", 1, -1, 0, 0) & BIT(HSTS_F_HEADER_PRELOAD_DIVERGENT));
    /* both reject, or both accept: no divergence */
    ck_assert(!(https("max-age=x", 1, -1, 0, 0) & BIT(HSTS_F_HEADER_PRELOAD_DIVERGENT)));
    ck_assert(!(https("max-age=5", 1, -1, 0, 0) & BIT(HSTS_F_HEADER_PRELOAD_DIVERGENT)));
}
END_TEST

static hsts_findings_t response(int is_https, int status, const char *location,
                                const char *host, int has_policy, unsigned n)
{
    hsts_audit_scope_t scope = { -1, 0, 0, 0 };
    hsts_audit_response_t r = { 0 };

    r.is_https = is_https;
    r.status = status;
    r.location = location;
    r.host = host;
    r.host_has_https_policy = has_policy;
    r.n_fields = n;
    r.first = n ? "max-age=31536000" : NULL;
    r.first_len = n ? strlen(r.first) : 0;
    return hsts_audit_response(&scope, &r, NULL);
}

START_TEST(redirect_findings)
{
    assert_findings(response(0, 200, NULL, "a.test", 0, 1), BIT(HSTS_F_HEADER_OVER_HTTP));
    assert_findings(response(0, 200, NULL, "a.test", 0, 0), 0);
    assert_findings(response(0, 200, NULL, "a.test", 1, 0), BIT(HSTS_F_REDIRECTS_HTTP_NO_REDIRECT));
    assert_findings(response(0, 301, NULL, "a.test", 1, 0), BIT(HSTS_F_REDIRECTS_HTTP_NO_REDIRECT));
    assert_findings(response(0, 301, "https://a.test/x", "a.test", 1, 0), 0);
    assert_findings(response(0, 308, "https://A.TEST:8443/", "a.test", 1, 0), 0);
    assert_findings(response(0, 301, "https://b.test/", "a.test", 1, 0),
                    BIT(HSTS_F_REDIRECTS_HTTP_FIRST_REDIRECT_INSECURE));
    assert_findings(response(0, 302, "http://a.test/", "a.test", 1, 0),
                    BIT(HSTS_F_REDIRECTS_HTTP_FIRST_REDIRECT_INSECURE));
    assert_findings(response(0, 302, "/relative", "a.test", 1, 0),
                    BIT(HSTS_F_REDIRECTS_HTTP_FIRST_REDIRECT_INSECURE));
    assert_findings(response(1, 302, "http://a.test/", "a.test", 0, 1), BIT(HSTS_F_REDIRECTS_DOWNGRADE));
    assert_findings(response(1, 302, "HTTP://a.test/", "a.test", 0, 1), BIT(HSTS_F_REDIRECTS_DOWNGRADE));
    assert_findings(response(1, 302, "https://a.test/", "a.test", 0, 1), 0);
    assert_findings(response(1, 201, "http://a.test/", "a.test", 0, 1), 0);
}
END_TEST

/* target_cert_ok for the tests: "good.test" covered and passing, "bad.test"
 * not, anything else not served here; records what it was asked. */
typedef struct {
    int calls;
    char asked[64];
} target_probe_t;

static int probe_target(void *baton, const char *host, apr_size_t len)
{
    target_probe_t *t = baton;

    t->calls++;
    apr_cpystrn(t->asked, host, len + 1 < sizeof(t->asked) ? len + 1 : sizeof(t->asked));
    if (len == 9 && !apr_cstr_casecmpn(host, "good.test", 9)) {
        return 1;
    }
    return len == 8 && !apr_cstr_casecmpn(host, "bad.test", 8) ? 0 : -1;
}

static hsts_findings_t redirect_to(int is_https, int status, const char *location,
                                   target_probe_t *t)
{
    hsts_audit_scope_t scope = { -1, 0, 0, 0 };
    hsts_audit_response_t r = { 0 };

    r.is_https = is_https;
    r.status = status;
    r.location = location;
    r.host = "a.test";
    r.target_cert_ok = probe_target;
    r.target_baton = t;
    return hsts_audit_response(&scope, &r, NULL);
}

static hsts_findings_t judge_isd(const char *value, int isd_configured)
{
    hsts_audit_scope_t scope = { 31536000, 0, 0, isd_configured };
    hsts_audit_response_t r = { 0 };

    r.is_https = 1;
    r.status = 200;
    r.n_fields = 1;
    r.first = value;
    r.first_len = strlen(value);
    return hsts_audit_response(&scope, &r, NULL);
}

START_TEST(preloadable_over_10_years)
{
    hsts_sts_policy_t first;

    /* hstspreload's warning, when the header carries preload (0.2) */
    static const char over[] = "max-age=315360001; includeSubDomains; preload";
    static const char ten[] = "max-age=315360000; includeSubDomains; preload";
    static const char no_preload[] = "max-age=315360001; includeSubDomains";

    assert_findings(hsts_audit_header(over, strlen(over), &first),
                    BIT(HSTS_F_PRELOADABLE_MAX_AGE_OVER_10_YEARS));
    assert_findings(hsts_audit_header(ten, strlen(ten), &first), 0);
    assert_findings(hsts_audit_header(no_preload, strlen(no_preload), &first), 0);
}
END_TEST

START_TEST(include_subdomains_below_configured)
{
    /* a valid header without includeSubDomains where the policy has it: the
     * "Header always set ... max-age=63072000" next to HSTSIncludeSubDomains On */
    assert_findings(judge_isd("max-age=63072000", 1),
                    BIT(HSTS_F_HEADER_INCLUDE_SUB_DOMAINS_BELOW_CONFIGURED));
    assert_findings(judge_isd("max-age=63072000; includeSubDomains", 1), 0);
    assert_findings(judge_isd("max-age=63072000; INCLUDESUBDOMAINS", 1), 0);
    assert_findings(judge_isd("max-age=63072000", 0), 0);
    /* max-age=0 withdraws the policy: that is its own finding */
    assert_findings(judge_isd("max-age=0", 1), BIT(HSTS_F_HEADER_MAX_AGE_ZERO));
    /* an invalid header is invalid, not weaker */
    assert_findings(judge_isd("max-age=1x", 1), BIT(HSTS_F_HEADER_INVALID_MAX_AGE));
    /* both weaker: both said */
    assert_findings(judge_isd("max-age=600", 1),
                    BIT(HSTS_F_HEADER_MAX_AGE_BELOW_CONFIGURED)
                    | BIT(HSTS_F_HEADER_INCLUDE_SUB_DOMAINS_BELOW_CONFIGURED));
}
END_TEST

START_TEST(redirect_target_certificate)
{
    target_probe_t t = { 0 };

    assert_findings(redirect_to(1, 302, "https://BAD.test./x", &t),
                    BIT(HSTS_F_REDIRECTS_HTTPS_TARGET_CERT_INVALID));
    ck_assert_str_eq(t.asked, "BAD.test");          /* as written, trailing dot off */
    assert_findings(redirect_to(1, 301, "https://user@bad.test:8443/?q", &t),
                    BIT(HSTS_F_REDIRECTS_HTTPS_TARGET_CERT_INVALID));
    ck_assert_str_eq(t.asked, "bad.test");
    assert_findings(redirect_to(1, 302, "https://good.test/", &t), 0);
    assert_findings(redirect_to(1, 302, "https://elsewhere.example/", &t), 0);
    ck_assert_int_eq(t.calls, 4);
    /* not asked: no redirect, a relative or plain-HTTP target, plain HTTP */
    assert_findings(redirect_to(1, 200, "https://bad.test/", &t), 0);
    assert_findings(redirect_to(1, 302, "/bad.test", &t), 0);
    assert_findings(redirect_to(1, 302, "http://bad.test/", &t),
                    BIT(HSTS_F_REDIRECTS_DOWNGRADE));
    assert_findings(redirect_to(0, 302, "https://bad.test/", &t), 0);
    assert_findings(redirect_to(1, 302, "https://[::1/", &t), 0);
    ck_assert_int_eq(t.calls, 4);
}
END_TEST

START_TEST(location_https_host)
{
    const char *h = NULL;
    apr_size_t n = 0;

    ck_assert(hsts_location_https_host("https://a.test./p", &h, &n));
    ck_assert_uint_eq(n, 6);
    ck_assert(!strncmp(h, "a.test", n));
    ck_assert(hsts_location_https_host("https://[::1]:8443/", &h, &n));
    ck_assert_uint_eq(n, 5);
    ck_assert(!strncmp(h, "[::1]", n));
    ck_assert(!hsts_location_https_host("https:///p", &h, &n));     /* empty host */
    ck_assert(!hsts_location_https_host("https://:443/", &h, &n));
    ck_assert(!hsts_location_https_host("http://a.test/", &h, &n));
    ck_assert(!hsts_location_https_host(NULL, &h, &n));
}
END_TEST

START_TEST(location_same_host)
{
    ck_assert(hsts_location_is_https_same_host("https://a.test", "a.test"));
    ck_assert(hsts_location_is_https_same_host("https://a.test./p", "a.test"));
    ck_assert(hsts_location_is_https_same_host("https://user@a.test:443/p?q#f", "a.test"));
    ck_assert(hsts_location_is_https_same_host("https://[::1]:8443/", "[::1]"));
    ck_assert(!hsts_location_is_https_same_host("https://a.test.evil/", "a.test"));
    ck_assert(!hsts_location_is_https_same_host("https://evil/?a.test", "a.test"));
    ck_assert(!hsts_location_is_https_same_host("https://a.test@evil/", "a.test"));
    ck_assert(!hsts_location_is_https_same_host("//a.test/", "a.test"));
    ck_assert(!hsts_location_is_https_same_host("https://[::1/", "[::1]"));
    ck_assert(!hsts_location_is_https_same_host(NULL, "a.test"));
    ck_assert(!hsts_location_is_https_same_host("https://a.test/", NULL));
}
END_TEST

START_TEST(audit_header_for_cli)
{
    hsts_sts_policy_t first;
    hsts_findings_t f = hsts_audit_header("max-age=0", 9, &first);

    assert_findings(f, BIT(HSTS_F_HEADER_MAX_AGE_ZERO));
    ck_assert_int_eq(first.verdict, HSTS_STS_VALID);
    f = hsts_audit_header("max-age=1\0x", 11, &first);
    ck_assert(f & (BIT(HSTS_F_HEADER_INVALID_MAX_AGE) | BIT(HSTS_F_HEADER_INVALID_TOKEN)
                   | BIT(HSTS_F_HEADER_INVALID_SYNTAX)));
}
END_TEST

/* ---- statistics ------------------------------------------------------------- */

static hsts_stats_t *new_stats(apr_uint32_t vhosts, apr_uint32_t ring)
{
    void *mem = apr_pcalloc(pool, hsts_stats_size(vhosts, ring));

    return hsts_stats_init(mem, vhosts, ring, apr_time_from_sec(1000));
}

START_TEST(stats_sent_value)
{
    hsts_stats_t *st = new_stats(2, 4);
    char out[HSTS_SENT_LEN], big[300];
    apr_uint32_t seq;

    ck_assert_int_eq(hsts_stats_read_sent(st, 1, out), 0);      /* never noted */
    ck_assert_str_eq(out, "");
    hsts_stats_note_sent(st, 1, "max-age=600", 11);
    ck_assert_int_eq(hsts_stats_read_sent(st, 1, out), 1);
    ck_assert_str_eq(out, "max-age=600");
    seq = hsts_stats_set(st, 1)->sent_seq;
    hsts_stats_note_sent(st, 1, "max-age=600", 11);             /* unchanged: no write */
    ck_assert_uint_eq(hsts_stats_set(st, 1)->sent_seq, seq);
    hsts_stats_note_sent(st, 1, "max-age=60", 10);              /* a prefix is a change */
    ck_assert_uint_eq(hsts_stats_set(st, 1)->sent_seq, seq + 2);
    hsts_stats_read_sent(st, 1, out);
    ck_assert_str_eq(out, "max-age=60");
    memset(big, 'x', sizeof(big));
    hsts_stats_note_sent(st, 2, big, sizeof(big));              /* cut to fit */
    hsts_stats_read_sent(st, 2, out);
    ck_assert_uint_eq(strlen(out), HSTS_SENT_LEN - 1);
    hsts_stats_note_sent(st, 0, "x", 1);                        /* not a vhost */
    hsts_stats_note_sent(st, 3, "x", 1);
    ck_assert_int_eq(hsts_stats_read_sent(st, 0, out), 0);
    hsts_stats_set(st, 1)->sent_seq++;                          /* a writer is busy */
    hsts_stats_note_sent(st, 1, "max-age=1", 9);
    ck_assert_uint_eq(hsts_stats_set(st, 1)->sent_seq, seq + 3);
    ck_assert_int_eq(hsts_stats_read_sent(st, 1, out), 0);
}
END_TEST

START_TEST(stats_count)
{
    hsts_stats_t *st = new_stats(2, 4);

    hsts_stats_count(st, 1, HSTS_C_STS_ADDED);
    hsts_stats_count(st, 2, HSTS_C_STS_ADDED);
    hsts_stats_count(st, 0, HSTS_C_REQUESTS_HTTP);
    hsts_stats_count(st, 99, HSTS_C_STS_KEPT);          /* out of range: totals only */
    ck_assert_uint_eq(hsts_stats_set(st, 0)->counters[HSTS_C_STS_ADDED], 2);
    ck_assert_uint_eq(hsts_stats_set(st, 1)->counters[HSTS_C_STS_ADDED], 1);
    ck_assert_uint_eq(hsts_stats_set(st, 2)->counters[HSTS_C_STS_ADDED], 1);
    ck_assert_uint_eq(hsts_stats_set(st, 0)->counters[HSTS_C_REQUESTS_HTTP], 1);
    ck_assert_uint_eq(hsts_stats_set(st, 0)->counters[HSTS_C_STS_KEPT], 1);
    hsts_stats_count_findings(st, 1, BIT(HSTS_F_HEADER_MULTIPLE) | BIT(HSTS_F_REDIRECTS_DOWNGRADE));
    ck_assert_uint_eq(hsts_stats_set(st, 0)->findings[HSTS_F_HEADER_MULTIPLE], 1);
    ck_assert_uint_eq(hsts_stats_set(st, 1)->findings[HSTS_F_REDIRECTS_DOWNGRADE], 1);
    ck_assert_uint_eq(hsts_stats_set(st, 2)->findings[HSTS_F_REDIRECTS_DOWNGRADE], 0);
}
END_TEST

START_TEST(stats_rate_limit)
{
    hsts_stats_t *st = new_stats(1, 4);
    apr_time_t t = apr_time_from_sec(6000);

    ck_assert_int_eq(hsts_stats_may_log(st, 1, HSTS_F_HEADER_MULTIPLE, t), 1);
    ck_assert_int_eq(hsts_stats_may_log(st, 1, HSTS_F_HEADER_MULTIPLE, t + apr_time_from_sec(59)), 0);
    ck_assert_int_eq(hsts_stats_may_log(st, 1, HSTS_F_HEADER_OVER_HTTP, t), 1);
    ck_assert_int_eq(hsts_stats_may_log(st, 0, HSTS_F_HEADER_MULTIPLE, t), 1);
    ck_assert_int_eq(hsts_stats_may_log(st, 1, HSTS_F_HEADER_MULTIPLE, t + apr_time_from_sec(60)), 1);
    ck_assert_int_eq(hsts_stats_may_log(st, 1, HSTS_F_COUNT, t), 0);
}
END_TEST

START_TEST(stats_ring)
{
    hsts_stats_t *st = new_stats(1, 3);
    hsts_ring_entry_t out[8];
    char longpath[1000];
    apr_uint32_t n;

    ck_assert_uint_eq(hsts_stats_ring_read(st, out, 8), 0);
    memset(longpath, 'p', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    hsts_stats_ring_add(st, 1, 1, BIT(HSTS_F_HEADER_MULTIPLE), "a.test", "/1");
    hsts_stats_ring_add(st, 1, 2, BIT(HSTS_F_HEADER_MULTIPLE), "a.test", "/2");
    hsts_stats_ring_add(st, 1, 3, BIT(HSTS_F_HEADER_MULTIPLE), NULL, longpath);
    hsts_stats_ring_add(st, 1, 4, BIT(HSTS_F_HEADER_MULTIPLE), "<b>", "/4");
    n = hsts_stats_ring_read(st, out, 8);
    ck_assert_uint_eq(n, 3);                  /* the ring holds 3; newest first */
    ck_assert_str_eq(out[0].path, "/4");
    ck_assert_str_eq(out[0].host, "<b>");
    ck_assert_uint_eq(strlen(out[1].path), HSTS_RING_PATH_LEN - 1);
    ck_assert_str_eq(out[1].host, "");
    ck_assert_str_eq(out[2].path, "/2");
    ck_assert_uint_eq(hsts_stats_ring_read(st, out, 1), 1);
}
END_TEST

START_TEST(stats_carry_over)
{
    hsts_stats_t *old = new_stats(2, 4), *neu = new_stats(3, 8);

    apr_cpystrn(hsts_stats_set(old, 1)->name, "a:443", HSTS_STATS_NAME_LEN);
    apr_cpystrn(hsts_stats_set(old, 2)->name, "b:443", HSTS_STATS_NAME_LEN);
    hsts_stats_count(old, 1, HSTS_C_STS_ADDED);
    hsts_stats_count(old, 2, HSTS_C_STS_KEPT);
    apr_cpystrn(hsts_stats_set(neu, 1)->name, "b:443", HSTS_STATS_NAME_LEN);
    apr_cpystrn(hsts_stats_set(neu, 2)->name, "c:443", HSTS_STATS_NAME_LEN);
    apr_cpystrn(hsts_stats_set(neu, 3)->name, "a:443", HSTS_STATS_NAME_LEN);
    hsts_stats_carry_over(neu, old);
    ck_assert_uint_eq(hsts_stats_set(neu, 0)->counters[HSTS_C_STS_ADDED], 1);
    ck_assert_uint_eq(hsts_stats_set(neu, 0)->counters[HSTS_C_STS_KEPT], 1);
    ck_assert_uint_eq(hsts_stats_set(neu, 3)->counters[HSTS_C_STS_ADDED], 1);
    ck_assert_uint_eq(hsts_stats_set(neu, 1)->counters[HSTS_C_STS_KEPT], 1);
    ck_assert_uint_eq(hsts_stats_set(neu, 2)->counters[HSTS_C_STS_KEPT], 0);
    ck_assert_int_eq(neu->started, old->started);
}
END_TEST

/* ---- escaping -------------------------------------------------------------- */

START_TEST(json_escaping)
{
    ck_assert_str_eq(hsts_json_string(pool, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    ck_assert_str_eq(hsts_json_string(pool, "\n\r\t\x01\x7f", 5), "\"\\n\\r\\t\\u0001\\u007f\"");
    ck_assert_str_eq(hsts_json_string(pool, "a\0b", 3), "\"a\\u0000b\"");
    ck_assert_str_eq(hsts_json_string(pool, "caf\xc3\xa9", 5), "\"caf\xc3\xa9\"");
    ck_assert_str_eq(hsts_json_string(pool, "\xff\xc3", 2), "\"\\u00ff\\u00c3\"");
    /* not UTF-8, byte by byte as \u00XX (issue 14: an escaper that let an
     * overlong form through went unnoticed): overlong 2, 3 and 4-byte forms
     * of U+0000 and '/', a surrogate, a code point over U+10FFFF; then the
     * shortest valid forms at each length pass through */
    ck_assert_str_eq(hsts_json_string(pool, "\xc0\x80", 2), "\"\\u00c0\\u0080\"");
    ck_assert_str_eq(hsts_json_string(pool, "\xc1\xaf", 2), "\"\\u00c1\\u00af\"");
    ck_assert_str_eq(hsts_json_string(pool, "\xe0\x80\xaf", 3),
                     "\"\\u00e0\\u0080\\u00af\"");
    ck_assert_str_eq(hsts_json_string(pool, "\xe0\x9f\xbf", 3),
                     "\"\\u00e0\\u009f\\u00bf\"");
    ck_assert_str_eq(hsts_json_string(pool, "\xf0\x80\x80\xaf", 4),
                     "\"\\u00f0\\u0080\\u0080\\u00af\"");
    ck_assert_str_eq(hsts_json_string(pool, "\xf0\x8f\xbf\xbf", 4),
                     "\"\\u00f0\\u008f\\u00bf\\u00bf\"");
    ck_assert_str_eq(hsts_json_string(pool, "\xed\xa0\x80", 3),
                     "\"\\u00ed\\u00a0\\u0080\"");
    ck_assert_str_eq(hsts_json_string(pool, "\xf4\x90\x80\x80", 4),
                     "\"\\u00f4\\u0090\\u0080\\u0080\"");
    ck_assert_str_eq(hsts_json_string(pool, "\xc2\x80\xe0\xa0\x80\xf0\x90\x80\x80", 9),
                     "\"\xc2\x80\xe0\xa0\x80\xf0\x90\x80\x80\"");
    ck_assert_str_eq(hsts_json_string(pool, "\xed\xa0\x80", 3), "\"\\u00ed\\u00a0\\u0080\"");
    ck_assert_str_eq(hsts_json_string(pool, "</script>", 9), "\"</script>\"");
    ck_assert_str_eq(hsts_json_string(pool, NULL, 0), "null");
}
END_TEST

START_TEST(prom_escaping)
{
    ck_assert_str_eq(hsts_prom_label(pool, "a\"b\\c\nd\x01"), "a\\\"b\\\\c\\nd?");
    ck_assert_str_eq(hsts_prom_label(pool, "www.example.org:443"), "www.example.org:443");
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        table_is_complete_and_consistent,
        table_has_the_contract_codes,
        format_lists_codes_in_table_order,
        header_findings,
        preload_findings,
        divergence_findings,
        redirect_findings,
        location_same_host,
        location_https_host,
        redirect_target_certificate,
        include_subdomains_below_configured,
        preloadable_over_10_years,
        audit_header_for_cli,
        stats_count,
        stats_rate_limit,
        stats_ring,
        stats_sent_value,
        stats_carry_over,
        json_escaping,
        prom_escaping,
    };

    return unit_main("audit", tests, UNIT_COUNT(tests));
}
