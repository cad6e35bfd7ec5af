/* Unit tests (Check) for a vhost's current problems in shared memory
 * (src/problems.c): first-seen times across audits, the transitions the
 * watch logs, the guard's names cut to fit, the writer's claim, and the
 * problems carried over to a new statistics area. */
#include "unit.h"

#include <string.h>

#include <apr_strings.h>

#include "hsts_problems.h"
#include "hsts_stats.h"

#define BIT(f) HSTS_FINDING_BIT(f)
#define T(s) apr_time_from_sec(1800000000 + (s))

START_TEST(first_seen_kept_while_standing)
{
    hsts_problems_t slot, copy;
    hsts_problems_found_t found = { 0 };
    hsts_findings_t appeared, cleared;

    memset(&slot, 0, sizeof(slot));
    ck_assert_int_eq(hsts_problems_read(&slot, &copy), 0);      /* never written */
    ck_assert_uint_eq(copy.problems, 0);

    found.problems = BIT(HSTS_F_CERT_EXPIRING_SOON);
    ck_assert_int_eq(hsts_problems_publish(&slot, &found, T(0), &appeared, &cleared),
                     APR_SUCCESS);
    assert_findings(appeared, BIT(HSTS_F_CERT_EXPIRING_SOON));
    ck_assert_uint_eq(cleared, 0);

    found.problems = BIT(HSTS_F_CERT_EXPIRING_SOON) | BIT(HSTS_F_CERT_RELOAD_PENDING);
    hsts_problems_publish(&slot, &found, T(10), &appeared, &cleared);
    assert_findings(appeared, BIT(HSTS_F_CERT_RELOAD_PENDING));
    ck_assert_uint_eq(cleared, 0);

    found.problems = BIT(HSTS_F_CERT_EXPIRED) | BIT(HSTS_F_CERT_RELOAD_PENDING);
    hsts_problems_publish(&slot, &found, T(20), &appeared, &cleared);
    assert_findings(appeared, BIT(HSTS_F_CERT_EXPIRED));
    assert_findings(cleared, BIT(HSTS_F_CERT_EXPIRING_SOON));

    ck_assert_int_eq(hsts_problems_read(&slot, &copy), 1);
    assert_findings(copy.problems, BIT(HSTS_F_CERT_EXPIRED) | BIT(HSTS_F_CERT_RELOAD_PENDING));
    ck_assert_int_eq(copy.since[HSTS_F_CERT_RELOAD_PENDING], T(10));   /* kept */
    ck_assert_int_eq(copy.since[HSTS_F_CERT_EXPIRED], T(20));
    ck_assert_int_eq(copy.since[HSTS_F_CERT_EXPIRING_SOON], 0);        /* cleared */
    ck_assert_int_eq(copy.checked, T(20));
    ck_assert_uint_eq(copy.seq % 2, 0);
}
END_TEST

START_TEST(events_are_not_problems)
{
    hsts_problems_t slot, copy;
    hsts_problems_found_t found = { 0 };
    hsts_findings_t appeared;

    memset(&slot, 0, sizeof(slot));
    found.problems = BIT(HSTS_F_HEADER_MISSING) | BIT(HSTS_F_CLIENT_CERT_EXPIRED)
                     | BIT(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);
    hsts_problems_publish(&slot, &found, T(0), &appeared, NULL);
    assert_findings(appeared, BIT(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS));
    hsts_problems_read(&slot, &copy);
    assert_findings(copy.problems, BIT(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS));
    ck_assert_int_eq(hsts_finding_is_problem(HSTS_F_CERT_UNTRUSTED), 1);
    ck_assert_int_eq(hsts_finding_is_problem(HSTS_F_HEADER_OVER_HTTP), 0);
    ck_assert_int_eq(hsts_finding_is_problem(HSTS_F_COUNT), 0);
}
END_TEST

START_TEST(withhold_and_details)
{
    static const char *const names[] = { "a.example.test", "b.example.test" };
    hsts_problems_t slot, copy;
    hsts_problems_found_t found = { 0 };

    memset(&slot, 0, sizeof(slot));
    ck_assert_int_eq(hsts_problems_withhold(&slot), 0);
    found.problems = BIT(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS) | BIT(HSTS_F_CERT_UNTRUSTED);
    found.withhold = 1;
    found.unsafe = names;
    found.n_unsafe = 2;
    found.verify_error = "self-signed certificate\x01<b>";
    hsts_problems_publish(&slot, &found, T(0), NULL, NULL);
    ck_assert_int_eq(hsts_problems_withhold(&slot), 1);
    hsts_problems_read(&slot, &copy);
    ck_assert_str_eq(copy.unsafe, "a.example.test b.example.test");
    ck_assert_uint_eq(copy.n_unsafe, 2);
    ck_assert_str_eq(copy.verify_error, "self-signed certificate\x01<b>");  /* escaped when shown */

    found.withhold = 0;
    found.problems = 0;
    found.n_unsafe = 0;
    found.unsafe = NULL;
    found.verify_error = NULL;
    hsts_problems_publish(&slot, &found, T(5), NULL, NULL);
    ck_assert_int_eq(hsts_problems_withhold(&slot), 0);
    hsts_problems_read(&slot, &copy);
    ck_assert_str_eq(copy.unsafe, "");
    ck_assert_str_eq(copy.verify_error, "");
}
END_TEST

START_TEST(warnings_kept_only_for_standing_problems)
{
    hsts_problems_t slot, copy;
    hsts_problems_found_t found = { 0 };

    memset(&slot, 0, sizeof(slot));
    found.problems = BIT(HSTS_F_CERT_CHAIN_EXPIRING) | BIT(HSTS_F_HEADER_MISSING);
    found.warnings = BIT(HSTS_F_CERT_CHAIN_EXPIRING) | BIT(HSTS_F_CERT_EXPIRED);
    hsts_problems_publish(&slot, &found, T(0), NULL, NULL);
    hsts_problems_read(&slot, &copy);
    assert_findings(copy.problems, BIT(HSTS_F_CERT_CHAIN_EXPIRING));
    assert_findings(copy.warnings, BIT(HSTS_F_CERT_CHAIN_EXPIRING));
}
END_TEST

START_TEST(names_cut_at_a_name)
{
    const char *names[40];
    hsts_problems_t slot, copy;
    hsts_problems_found_t found = { 0 };
    char name[40][16];
    apr_size_t len;
    int i;

    for (i = 0; i < 40; i++) {
        apr_snprintf(name[i], sizeof(name[i]), "h%02d.a.test", i);   /* 10 bytes each */
        names[i] = name[i];
    }
    memset(&slot, 0, sizeof(slot));
    found.problems = BIT(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);
    found.unsafe = names;
    found.n_unsafe = 40;
    hsts_problems_publish(&slot, &found, T(0), NULL, NULL);
    hsts_problems_read(&slot, &copy);
    ck_assert_uint_eq(copy.n_unsafe, 40);
    len = strlen(copy.unsafe);
    ck_assert_uint_lt(len, HSTS_PROBLEM_NAMES_LEN);
    /* 22 names of 10 bytes and 21 spaces (241 bytes), then " ..." */
    ck_assert_uint_eq(len, 22 * 10 + 21 + 4);
    ck_assert_str_eq(copy.unsafe + len - 4, " ...");
    ck_assert_str_eq(copy.unsafe + len - 14, "h21.a.test ...");
}
END_TEST

START_TEST(busy_writer_leaves_the_record)
{
    hsts_problems_t slot, copy;
    hsts_problems_found_t found = { 0 };
    hsts_findings_t appeared = 1;

    memset(&slot, 0, sizeof(slot));
    found.problems = BIT(HSTS_F_CERT_EXPIRED);
    hsts_problems_publish(&slot, &found, T(0), NULL, NULL);
    slot.seq++;                          /* another writer is in the middle */
    found.problems = 0;
    ck_assert_int_eq(hsts_problems_publish(&slot, &found, T(1), &appeared, NULL), APR_EBUSY);
    ck_assert_uint_eq(appeared, 0);
    ck_assert_int_eq(hsts_problems_read(&slot, &copy), 0);   /* no consistent copy */
    ck_assert_uint_eq(copy.problems, 0);
    slot.seq++;                          /* that writer is done */
    ck_assert_int_eq(hsts_problems_read(&slot, &copy), 1);
    assert_findings(copy.problems, BIT(HSTS_F_CERT_EXPIRED));
}
END_TEST

START_TEST(carried_over_by_vhost_name)
{
    apr_size_t size = hsts_stats_size(2, 4);
    hsts_stats_t *old = hsts_stats_init(apr_pcalloc(pool, size), 2, 4, T(0));
    hsts_stats_t *neu = hsts_stats_init(apr_pcalloc(pool, hsts_stats_size(3, 4)), 3, 4, T(50));
    hsts_problems_found_t found = { 0 };
    hsts_problems_t copy;
    hsts_findings_t appeared;

    apr_cpystrn(hsts_stats_set(old, 2)->name, "b.test:443", HSTS_STATS_NAME_LEN);
    apr_cpystrn(hsts_stats_set(neu, 3)->name, "b.test:443", HSTS_STATS_NAME_LEN);
    found.problems = BIT(HSTS_F_CERT_EXPIRING_SOON);
    hsts_problems_publish(&hsts_stats_set(old, 2)->problems, &found, T(1), NULL, NULL);
    old->last_check = (apr_uint64_t)T(1);
    hsts_stats_carry_over(neu, old);
    ck_assert_uint_eq(neu->last_check, (apr_uint64_t)T(1));
    /* the next audit of the new generation finds it still there: no new
     * transition, the first-seen time of the old generation */
    hsts_problems_publish(&hsts_stats_set(neu, 3)->problems, &found, T(60), &appeared, NULL);
    ck_assert_uint_eq(appeared, 0);
    hsts_problems_read(&hsts_stats_set(neu, 3)->problems, &copy);
    ck_assert_int_eq(copy.since[HSTS_F_CERT_EXPIRING_SOON], T(1));
    ck_assert_int_eq(hsts_problems_read(&hsts_stats_set(neu, 1)->problems, &copy), 0);
}
END_TEST

/* The self-check's lines: "code S detail", S E or W (or N, a note); the
 * detail of a code, the error codes in order; the record keeps whole lines. */
START_TEST(self_check_lines)
{
    const char *text = "redirects.http.www_first E `http://a.test/` goes to www first\n"
                       "redirects.http.does_not_exist W no answer\n"
                       "not_followed N https://www.a.test/\n";
    apr_array_header_t *codes = hsts_problems_self_check_codes(pool, text, 1);
    hsts_problems_t slot, copy;
    hsts_problems_found_t found = { 0 };
    char big[2 * HSTS_SELF_CHECK_TEXT_LEN];
    apr_size_t i;

    ck_assert_int_eq(codes->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(codes, 0, const char *), "redirects.http.www_first");
    ck_assert_int_eq(hsts_problems_self_check_codes(pool, text, 0)->nelts, 3);
    ck_assert_str_eq(hsts_problems_self_check_detail(pool, text, "redirects.http.www_first"),
                     "`http://a.test/` goes to www first");
    ck_assert_str_eq(hsts_problems_self_check_detail(pool, text, "not_followed"),
                     "https://www.a.test/");
    ck_assert_ptr_null(hsts_problems_self_check_detail(pool, text, "redirects.http"));
    ck_assert_ptr_null(hsts_problems_self_check_detail(pool, NULL, "x"));
    ck_assert_int_eq(hsts_problems_self_check_codes(pool, NULL, 0)->nelts, 0);

    /* a text longer than the record: cut after its last whole line */
    for (i = 0; i + 20 < sizeof(big); i += 20) {
        memcpy(big + i, "domain.tls.sha1 E x\n", 20);
    }
    big[i] = '\0';
    memset(&slot, 0, sizeof(slot));
    found.problems = BIT(HSTS_F_DOMAIN_TLS_SHA1);
    found.self_check_codes = BIT(HSTS_F_DOMAIN_TLS_SHA1);
    found.errors = BIT(HSTS_F_DOMAIN_TLS_SHA1);
    found.preload = HSTS_PRELOAD_AT_RISK;
    found.self_check = big;
    ck_assert_int_eq(hsts_problems_publish(&slot, &found, T(0), NULL, NULL), APR_SUCCESS);
    ck_assert_int_eq(hsts_problems_read(&slot, &copy), 1);
    ck_assert_uint_eq(strlen(copy.self_check) % 20, 0);
    ck_assert_uint_eq(strlen(copy.self_check), (HSTS_SELF_CHECK_TEXT_LEN - 1) / 20 * 20);
    assert_findings(copy.problems, BIT(HSTS_F_DOMAIN_TLS_SHA1));
    assert_findings(copy.errors, BIT(HSTS_F_DOMAIN_TLS_SHA1));
    ck_assert_uint_eq(copy.preload, HSTS_PRELOAD_AT_RISK);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        first_seen_kept_while_standing,
        events_are_not_problems,
        withhold_and_details,
        warnings_kept_only_for_standing_problems,
        names_cut_at_a_name,
        busy_writer_leaves_the_record,
        carried_over_by_vhost_name,
        self_check_lines,
    };

    return unit_main("problems", tests, UNIT_COUNT(tests));
}
