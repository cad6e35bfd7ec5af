/* unit.h: what every Check unit test of the core shares: an APR pool per
 * test (`pool`, created in unit_setup, destroyed in unit_teardown), a main
 * that runs one suite and exits non-zero on any failure, and the assertions
 * the tests repeat (a text contains or lacks a piece; a findings set is
 * exactly the one wanted, shown by code names when it is not). */
#ifndef HSTS_UNIT_H
#define HSTS_UNIT_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "hsts_findings.h"

static apr_pool_t *pool;

static void unit_setup(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
}

static void unit_teardown(void)
{
    apr_pool_destroy(pool);
    apr_terminate();
}

/* A test case with the pool fixture. */
static APR_INLINE TCase *unit_tcase(const char *name)
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    return tc;
}

/* Run a suite (CK_NORMAL output); EXIT_FAILURE if any test failed. */
static APR_INLINE int unit_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* The number of entries of an array. */
#define UNIT_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* main of a test program with one test case: tests[0..n) in one suite and
 * test case both called name, each with the pool fixture; EXIT_FAILURE if any
 * failed. */
static APR_INLINE int unit_main(const char *name, const TTest *const *tests, size_t n)
{
    Suite *s = suite_create(name);
    TCase *tc = unit_tcase(name);
    size_t i;

    for (i = 0; i < n; i++) {
        tcase_add_test(tc, tests[i]);
    }
    suite_add_tcase(s, tc);
    return unit_run(s);
}

/* ---- assertions ----------------------------------------------------------- */

/* The NUL-terminated text hay contains (lacks) needle; the message names it. */
#define assert_contains(hay, needle) \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "missing: %s", (needle))
#define assert_lacks(hay, needle) \
    ck_assert_msg(strstr((hay), (needle)) == NULL, "present: %s", (needle))

/* The finding codes of set ("a,b", hsts_findings_format), from the test's pool. */
static APR_INLINE const char *unit_findings_text(hsts_findings_t set)
{
    char buf[1024];

    hsts_findings_format(set, buf, sizeof(buf));
    return apr_pstrdup(pool, buf);
}

/* The findings set got is exactly want (HSTS_FINDING_BIT()s). */
#define assert_findings(got, want) do { \
        hsts_findings_t got_ = (got), want_ = (want); \
        ck_assert_msg(got_ == want_, "findings %s, want %s", unit_findings_text(got_), \
                      unit_findings_text(want_)); \
    } while (0)

#endif /* HSTS_UNIT_H */
