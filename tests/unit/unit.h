/* unit.h: what every Check unit test of the core shares: an APR pool per
 * test (`pool`, created in unit_setup, destroyed in unit_teardown) and a
 * main that runs one suite and exits non-zero on any failure. */
#ifndef HSTS_UNIT_H
#define HSTS_UNIT_H

#include <check.h>
#include <stdlib.h>

#include <apr_general.h>
#include <apr_pools.h>

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

#endif /* HSTS_UNIT_H */
