/* Unit tests (Check) for the pure judgements of the live check
 * (src/live_check_judge.c, include/hsts_live_check.h): the first redirect
 * of http://NAME/ and insecure hops as chromium/hstspreload redirects.go
 * judges them, its domain format checks, the verdict and the severity an
 * item counts with without --preload; and the findings table's self-check
 * codes. No network. */
#include "unit.h"

#include <string.h>

#include <curl/curl.h>

#include "hsts_live_check.h"

static apr_array_header_t *chain_of(const char *const *urls)
{
    apr_array_header_t *a = apr_array_make(pool, 4, sizeof(const char *));

    for (; *urls; urls++) {
        APR_ARRAY_PUSH(a, const char *) = *urls;
    }
    return a;
}

START_TEST(first_redirect_classes)
{
    ck_assert_int_eq(hsts_live_judge_first("example.test", NULL), HSTS_LIVE_FIRST_NONE);
    ck_assert_int_eq(hsts_live_judge_first("example.test", "https://example.test/"),
                     HSTS_LIVE_FIRST_HTTPS_SAME);
    ck_assert_int_eq(hsts_live_judge_first("example.test", "https://example.test:8443/x?y"),
                     HSTS_LIVE_FIRST_HTTPS_SAME);       /* Hostname() has no port */
    /* the same host over http, another host, a case difference (Go compares
     * Hostname() as written), a suffix match: all first_redirect.insecure */
    ck_assert_int_eq(hsts_live_judge_first("example.test", "http://example.test/"),
                     HSTS_LIVE_FIRST_INSECURE);
    ck_assert_int_eq(hsts_live_judge_first("example.test", "https://other.test/"),
                     HSTS_LIVE_FIRST_INSECURE);
    ck_assert_int_eq(hsts_live_judge_first("example.test", "https://EXAMPLE.test/"),
                     HSTS_LIVE_FIRST_INSECURE);
    ck_assert_int_eq(hsts_live_judge_first("example.test", "https://xexample.test/"),
                     HSTS_LIVE_FIRST_INSECURE);
    ck_assert_int_eq(hsts_live_judge_first("example.test", "not a url"),
                     HSTS_LIVE_FIRST_INSECURE);
    /* www. first, over https or http: one code for both (redirects.go) */
    ck_assert_int_eq(hsts_live_judge_first("example.test", "https://www.example.test/"),
                     HSTS_LIVE_FIRST_WWW);
    ck_assert_int_eq(hsts_live_judge_first("example.test", "http://www.example.test/a"),
                     HSTS_LIVE_FIRST_WWW);
    ck_assert_int_eq(hsts_live_judge_first("example.test", "https://www.www.example.test/"),
                     HSTS_LIVE_FIRST_INSECURE);
}
END_TEST

START_TEST(insecure_hops)
{
    static const char *const none[] = { NULL };
    static const char *const safe[] = { "https://a.test/", "https://www.a.test/", NULL };
    static const char *const initial[] = { "http://a.test/", "https://a.test/", NULL };
    static const char *const later[] = { "https://a.test/", "https://a.test/x",
                                         "http://www.a.test/", "http://a.test/", NULL };
    static const char *const odd[] = { "https://a.test/", "ftp://a.test/", NULL };

    ck_assert_int_eq(hsts_live_judge_chain(NULL), -1);
    ck_assert_int_eq(hsts_live_judge_chain(chain_of(none)), -1);
    ck_assert_int_eq(hsts_live_judge_chain(chain_of(safe)), -1);
    ck_assert_int_eq(hsts_live_judge_chain(chain_of(initial)), 0);
    ck_assert_int_eq(hsts_live_judge_chain(chain_of(later)), 2);     /* the first one */
    ck_assert_int_eq(hsts_live_judge_chain(chain_of(odd)), 1);
}
END_TEST

START_TEST(url_parts)
{
    const char *scheme, *host;

    ck_assert(hsts_live_url_parts(pool, "HTTPS://Example.test:8443/p", &scheme, &host));
    ck_assert_str_eq(scheme, "https");
    ck_assert_str_eq(host, "Example.test");
    ck_assert(hsts_live_url_parts(pool, "https://[::1]:443/", &scheme, &host));
    ck_assert_str_eq(host, "::1");
    ck_assert(!hsts_live_url_parts(pool, "/relative", &scheme, &host));
    ck_assert(!hsts_live_url_parts(pool, NULL, &scheme, &host));
}
END_TEST

START_TEST(domain_format)
{
    ck_assert_ptr_null(hsts_live_domain_format("example.test"));
    ck_assert_ptr_null(hsts_live_domain_format("a-b.Example.TEST"));
    ck_assert_str_eq(hsts_live_domain_format(".example.test"), "domain.format.begins_with_dot");
    ck_assert_str_eq(hsts_live_domain_format("example.test."), "domain.format.ends_with_dot");
    ck_assert_str_eq(hsts_live_domain_format("a..test"), "domain.format.contains_double_dot");
    ck_assert_str_eq(hsts_live_domain_format("test"), "domain.format.public_suffix");
    ck_assert_str_eq(hsts_live_domain_format(""), "domain.format.public_suffix");
    ck_assert_str_eq(hsts_live_domain_format("a_b.test"), "domain.format.invalid_characters");
    ck_assert_str_eq(hsts_live_domain_format("<x>.test"), "domain.format.invalid_characters");
    ck_assert_str_eq(hsts_live_domain_format("127.0.0.1"), "domain.format.is_ip_address");
    ck_assert_ptr_null(hsts_live_domain_format("127.0.0.1.example"));
}
END_TEST

static void push(hsts_live_result_t *r, const char *code, hsts_severity_e sev, int hsp, int pre)
{
    hsts_live_item_t *it = apr_array_push(r->items);

    memset(it, 0, sizeof(*it));
    it->code = code;
    it->severity = sev;
    it->hstspreload = hsp;
    it->preload_only = pre;
}

START_TEST(verdict_and_counts)
{
    hsts_live_result_t r;

    memset(&r, 0, sizeof(r));
    r.items = apr_array_make(pool, 4, sizeof(hsts_live_item_t));
    hsts_live_verdict(&r, 1);
    ck_assert_int_eq(r.preloadable, 1);
    ck_assert_int_eq(r.n_errors + r.n_warnings, 0);

    /* an hstspreload warning keeps the verdict; a cert.* error does not count for it */
    push(&r, "redirects.http.does_not_exist", HSTS_SEVERITY_WARNING, 1, 1);
    push(&r, "cert.ct_insufficient", HSTS_SEVERITY_ERROR, 0, 0);
    hsts_live_verdict(&r, 1);
    ck_assert_int_eq(r.preloadable, 1);
    ck_assert_int_eq(r.n_errors, 1);
    ck_assert_int_eq(r.n_warnings, 1);

    /* a preload-only error: an error with --preload, a warning without */
    push(&r, "redirects.http.www_first", HSTS_SEVERITY_ERROR, 1, 1);
    hsts_live_verdict(&r, 1);
    ck_assert_int_eq(r.preloadable, 0);
    ck_assert_int_eq(r.n_errors, 2);
    hsts_live_verdict(&r, 0);
    ck_assert_int_eq(r.preloadable, 0);          /* the verdict is hstspreload's either way */
    ck_assert_int_eq(r.n_errors, 1);
    ck_assert_int_eq(r.n_warnings, 2);

    /* no verdict without a response */
    r.status = HSTS_LIVE_CONNECT_FAILED;
    r.items->nelts = 0;
    hsts_live_verdict(&r, 1);
    ck_assert_int_eq(r.preloadable, 0);
}
END_TEST

START_TEST(effective_severity)
{
    hsts_live_item_t it;

    memset(&it, 0, sizeof(it));
    it.severity = HSTS_SEVERITY_ERROR;
    it.preload_only = 1;
    ck_assert_int_eq(hsts_live_effective_severity(&it, 1), HSTS_SEVERITY_ERROR);
    ck_assert_int_eq(hsts_live_effective_severity(&it, 0), HSTS_SEVERITY_WARNING);
    it.preload_only = 0;
    ck_assert_int_eq(hsts_live_effective_severity(&it, 0), HSTS_SEVERITY_ERROR);
}
END_TEST

/* design.md section 4: the self-check's codes are in the one table, in their
 * own category, errors as hstspreload gives them, problems (the self-check's); the
 * two older redirect events keep their warning severity. */
START_TEST(table_codes)
{
    static const char *const codes[] = {
        "response.no_header", "response.multiple_headers",
        "redirects.http.first_redirect.no_hsts", "redirects.http.www_first",
        "redirects.insecure.initial", "redirects.insecure.subsequent", "redirects.too_many",
        "domain.www.no_tls", "domain.tls.invalid_cert_chain", "domain.tls.sha1"
    };
    size_t i;

    ck_assert_int_eq(HSTS_F_COUNT, 55);
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        hsts_finding_e f = hsts_finding_by_code(codes[i]);
        const hsts_finding_info_t *info = hsts_finding_info(f);

        ck_assert_int_ne(f, HSTS_F_COUNT);
        ck_assert_int_eq(info->category, HSTS_CAT_PRELOAD);
        ck_assert_int_eq(info->severity, HSTS_SEVERITY_ERROR);
        ck_assert(info->summary[0] && info->fix[0]);
        ck_assert_int_eq(hsts_finding_is_problem(f), 1);
    }
    ck_assert_int_eq(hsts_finding_info(HSTS_F_REDIRECTS_HTTP_NO_REDIRECT)->severity,
                     HSTS_SEVERITY_WARNING);
    ck_assert_int_eq(hsts_finding_info(HSTS_F_REDIRECTS_HTTP_FIRST_REDIRECT_INSECURE)->severity,
                     HSTS_SEVERITY_WARNING);
}
END_TEST

/* mapped_only: which URLs an entry maps, as curl matches --resolve/--connect-to */
START_TEST(mapped_urls)
{
    static const char *const resolve[] = { "+a.test:443:127.0.0.1", "-b.test:443",
                                           "[::1]:8443:127.0.0.1" };
    static const char *const connect_to[] = { "C.test:80:127.0.0.1:8080", ":9443:x:1",
                                              "d.test::127.0.0.1:1" };
    hsts_live_options_t o;

    memset(&o, 0, sizeof(o));
    o.resolve = resolve;
    o.n_resolve = 3;
    ck_assert(hsts_live_mapped(pool, &o, "https://a.test/"));
    ck_assert(hsts_live_mapped(pool, &o, "https://A.TEST:443/x"));
    ck_assert(!hsts_live_mapped(pool, &o, "http://a.test/"));         /* port 80 */
    ck_assert(!hsts_live_mapped(pool, &o, "https://b.test/"));        /* a removal */
    ck_assert(hsts_live_mapped(pool, &o, "https://[::1]:8443/"));
    ck_assert(!hsts_live_mapped(pool, &o, "https://www.a.test/"));
    o.connect_to = connect_to;
    o.n_connect_to = 3;
    ck_assert(hsts_live_mapped(pool, &o, "http://c.test/"));
    ck_assert(!hsts_live_mapped(pool, &o, "https://c.test/"));
    ck_assert(hsts_live_mapped(pool, &o, "https://any.test:9443/"));  /* empty HOST */
    ck_assert(hsts_live_mapped(pool, &o, "http://d.test:1234/"));     /* empty PORT */
    ck_assert(!hsts_live_mapped(pool, &o, "/relative"));
    o.n_resolve = o.n_connect_to = 0;
    ck_assert(!hsts_live_mapped(pool, &o, "https://a.test/"));
}
END_TEST

/* tls.go checkCipherSuite */
START_TEST(cipher_suites)
{
    ck_assert(hsts_live_cipher_modern("TLSv1.3", "TLS_AES_128_GCM_SHA256"));
    ck_assert(hsts_live_cipher_modern("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"));
    ck_assert(hsts_live_cipher_modern("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384"));
    ck_assert(hsts_live_cipher_modern("TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305"));
    ck_assert(!hsts_live_cipher_modern("TLSv1.2", "ECDHE-ECDSA-AES128-SHA"));
    ck_assert(!hsts_live_cipher_modern("TLSv1.2", "AES128-GCM-SHA256"));      /* no ECDHE */
    ck_assert(!hsts_live_cipher_modern("TLSv1.2", "DHE-RSA-AES128-GCM-SHA256"));
    ck_assert(!hsts_live_cipher_modern("TLSv1.1", "ECDHE-RSA-AES128-GCM-SHA256"));
    ck_assert(!hsts_live_cipher_modern(NULL, NULL));
}
END_TEST

/* A name that fails the format checks is not fetched: no network here. */
START_TEST(bad_name_is_not_fetched)
{
    hsts_live_result_t r;

    ck_assert_int_eq(hsts_live_check(pool, "Bad_Name.test", NULL, &r), APR_EINVAL);
    ck_assert_int_eq(r.status, HSTS_LIVE_BAD_NAME);
    ck_assert_str_eq(r.name, "bad_name.test");
    ck_assert_int_eq(r.items->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(r.items, 0, hsts_live_item_t).code,
                     "domain.format.invalid_characters");
    ck_assert_int_eq(r.preloadable, 0);
    ck_assert_int_eq(r.n_errors, 1);            /* an error with or without --preload */
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        first_redirect_classes,
        insecure_hops,
        url_parts,
        domain_format,
        verdict_and_counts,
        effective_severity,
        table_codes,
        cipher_suites,
        mapped_urls,
        bad_name_is_not_fetched,
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = unit_main("live_check", tests, UNIT_COUNT(tests));
    curl_global_cleanup();
    return rc;
}
