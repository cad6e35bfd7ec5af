/* Unit tests (Check) for the lock-out guard's subdomain logic. */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "hsts_guard.h"


#define VH(names_, tls, ok, pins) \
    { names_, (int)(sizeof(names_) / sizeof(names_[0])), tls, ok, pins }

static const char *const apex[] = { "a.test", "www.a.test" };
static const char *const api[] = { "api.a.test" };
static const char *const blog[] = { "blog.a.test" };
static const char *const wild[] = { "*.a.test" };
static const char *const other[] = { "b.test", "x.b.test" };
static const char *const deep[] = { "x.y.a.test" };
static const char *const lookalike[] = { "evila.test", "a.test.evil" };

static const char *unsafe_list(const hsts_guard_vhost_t *v, int n, int index)
{
    apr_array_header_t *a = hsts_guard_unsafe_subdomains(pool, hsts_guard_index(pool, v, n),
                                                         index);
    const char *out = "";
    int i;

    for (i = 0; i < a->nelts; i++) {
        out = apr_pstrcat(pool, out, i ? "," : "", APR_ARRAY_IDX(a, i, const char *), NULL);
    }
    return out;
}

START_TEST(http_only_subdomain_is_unsafe)
{
    hsts_guard_vhost_t v[] = {
        VH(apex, 1, 1, 1),        /* a.test:443, includeSubDomains */
        VH(api, 0, 0, 0),         /* api.a.test only on :80 */
        VH(apex, 0, 0, 0),        /* a.test:80 (redirect vhost) */
    };

    ck_assert_str_eq(unsafe_list(v, 3, 0), "api.a.test");
    /* www.a.test is an alias of the TLS vhost itself: safe */
}
END_TEST

START_TEST(https_subdomain_with_good_cert_is_safe)
{
    hsts_guard_vhost_t v[] = {
        VH(apex, 1, 1, 1), VH(api, 0, 0, 0), VH(api, 1, 1, 0),
    };

    ck_assert_str_eq(unsafe_list(v, 3, 0), "");
}
END_TEST

START_TEST(https_subdomain_with_bad_cert_is_unsafe)
{
    hsts_guard_vhost_t v[] = { VH(apex, 1, 1, 1), VH(blog, 1, 0, 0) };

    ck_assert_str_eq(unsafe_list(v, 2, 0), "blog.a.test");
}
END_TEST

START_TEST(wildcard_tls_vhost_covers_subdomains)
{
    hsts_guard_vhost_t v[] = {
        VH(apex, 1, 1, 1), VH(api, 0, 0, 0), VH(deep, 0, 0, 0), VH(wild, 1, 1, 0),
    };

    /* *.a.test matches api.a.test and (fnmatch, as httpd) x.y.a.test */
    ck_assert_str_eq(unsafe_list(v, 4, 0), "");
    v[3].cert_ok = 0;
    ck_assert_str_eq(unsafe_list(v, 4, 0), "api.a.test,x.y.a.test,*.a.test");
}
END_TEST

START_TEST(wildcard_http_alias_is_unsafe)
{
    hsts_guard_vhost_t v[] = { VH(apex, 1, 1, 1), VH(wild, 0, 0, 0) };

    ck_assert_str_eq(unsafe_list(v, 2, 0), "*.a.test");
}
END_TEST

START_TEST(only_policies_with_include_subdomains_pin)
{
    hsts_guard_vhost_t v[] = { VH(apex, 1, 1, 0), VH(api, 0, 0, 0) };

    ck_assert_str_eq(unsafe_list(v, 2, 0), "");
    ck_assert_str_eq(unsafe_list(v, 2, 1), "");
    ck_assert_str_eq(unsafe_list(v, 2, 7), "");
}
END_TEST

START_TEST(other_domains_and_lookalikes_are_not_subdomains)
{
    hsts_guard_vhost_t v[] = {
        VH(apex, 1, 1, 1), VH(other, 0, 0, 0), VH(lookalike, 0, 0, 0),
    };

    ck_assert_str_eq(unsafe_list(v, 3, 0), "");
}
END_TEST

START_TEST(case_insensitive_and_listed_once)
{
    static const char *const upper[] = { "API.A.TEST" };
    hsts_guard_vhost_t v[] = {
        VH(apex, 1, 1, 1), VH(api, 0, 0, 0), VH(upper, 0, 0, 0), VH(api, 0, 0, 0),
    };

    ck_assert_str_eq(unsafe_list(v, 4, 0), "api.a.test");
    v[1].is_tls = v[1].cert_ok = 1;            /* api.a.test now has a good TLS vhost */
    ck_assert_str_eq(unsafe_list(v, 4, 0), "");
}
END_TEST

START_TEST(wildcards_as_httpd_matches_them)
{
    static const char *const pattern[] = { "w?.a.test" };
    static const char *const names[] = { "w1.a.test", "wx1.a.test", "x.y.a.test", "*.y.a.test" };
    hsts_guard_vhost_t v[] = {
        VH(apex, 1, 1, 1), VH(names, 0, 0, 0), VH(pattern, 1, 1, 0), VH(wild, 1, 0, 0),
    };

    /* "w?.a.test" serves w1 only; "*.a.test" has a failing certificate */
    ck_assert_str_eq(unsafe_list(v, 4, 0), "wx1.a.test,x.y.a.test,*.y.a.test,*.a.test");
    v[3].cert_ok = 1;     /* "*.a.test" matches any depth, as apr_fnmatch does, but a
                             wildcard name is safe only under the same wildcard */
    ck_assert_str_eq(unsafe_list(v, 4, 0), "*.y.a.test");
}
END_TEST

/* Many vhosts: the index gives the same answer as for a few (and is
 * linear; the time is measured in bench/, not here). */
START_TEST(many_vhosts)
{
    enum { N = 5000 };
    hsts_guard_vhost_t *v = apr_pcalloc(pool, sizeof(*v) * N);
    hsts_guard_index_t *idx;
    int i;

    for (i = 0; i < N; i++) {
        const char **names = apr_palloc(pool, sizeof(*names));

        names[0] = i ? apr_psprintf(pool, "v%04d.a.test", i) : "a.test";
        v[i].names = names;
        v[i].n_names = 1;
        v[i].is_tls = 1;
        v[i].cert_ok = i != 4321;
        v[i].pins_subdomains = 1;
    }
    idx = hsts_guard_index(pool, v, N);
    ck_assert_int_eq(hsts_guard_unsafe_subdomains(pool, idx, 0)->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(hsts_guard_unsafe_subdomains(pool, idx, 0), 0,
                                   const char *), "v4321.a.test");
    ck_assert_int_eq(hsts_guard_unsafe_subdomains(pool, idx, 17)->nelts, 0);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        http_only_subdomain_is_unsafe,
        https_subdomain_with_good_cert_is_safe,
        https_subdomain_with_bad_cert_is_unsafe,
        wildcard_tls_vhost_covers_subdomains,
        wildcard_http_alias_is_unsafe,
        only_policies_with_include_subdomains_pin,
        other_domains_and_lookalikes_are_not_subdomains,
        case_insensitive_and_listed_once,
        wildcards_as_httpd_matches_them,
        many_vhosts,
    };

    return unit_main("guard", tests, UNIT_COUNT(tests));
}
