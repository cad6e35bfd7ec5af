/* Unit tests (Check) for the core pieces other than the STS parsers:
 * HSTSMaxAge durations, HSTSMode names, the merge of scopes, and the
 * add/enforce decision. */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "hsts_conf.h"
#include "hsts_duration.h"
#include "hsts_policy.h"


/* ---- durations ------------------------------------------------------ */

static apr_int64_t duration_ok(const char *arg)
{
    apr_int64_t s = -42;
    const char *why = hsts_duration_parse(arg, &s);

    ck_assert_msg(why == NULL, "'%s' rejected: %s", arg, why ? why : "");
    return s;
}

static void duration_bad(const char *arg)
{
    apr_int64_t s = -42;

    ck_assert_msg(hsts_duration_parse(arg, &s) != NULL, "'%s' accepted", arg ? arg : "(null)");
    ck_assert_int_eq(s, -42);
}

START_TEST(duration_units)
{
    ck_assert_int_eq(duration_ok("0"), 0);
    ck_assert_int_eq(duration_ok("31536000"), 31536000);
    ck_assert_int_eq(duration_ok("1y"), 31536000);
    ck_assert_int_eq(duration_ok("2y"), 63072000);
    ck_assert_int_eq(duration_ok("18w"), 10886400);
    ck_assert_int_eq(duration_ok("30d"), 2592000);
    ck_assert_int_eq(duration_ok("12h"), 43200);
    ck_assert_int_eq(duration_ok("10m"), 600);
    ck_assert_int_eq(duration_ok("45s"), 45);
    ck_assert_int_eq(duration_ok("1Y"), 31536000);
    ck_assert_int_eq(duration_ok("007"), 7);
    ck_assert_int_eq(duration_ok("1000y"), HSTS_DURATION_MAX);
}
END_TEST

START_TEST(duration_rejects)
{
    duration_bad(NULL);
    duration_bad("");
    duration_bad("forever");
    duration_bad("-5");
    duration_bad("+5");
    duration_bad("10x");
    duration_bad("1yy");
    duration_bad("1 y");
    duration_bad(" 1");
    duration_bad("1.5y");
    duration_bad("y");
    duration_bad("1001y");
    duration_bad("31536000001");
    duration_bad("99999999999999999999999999");
}
END_TEST

/* ---- modes ---------------------------------------------------------- */

START_TEST(mode_names)
{
    int m = -7;

    ck_assert_ptr_null(hsts_mode_parse("Enforce", &m));
    ck_assert_int_eq(m, HSTS_MODE_ENFORCE);
    ck_assert_ptr_null(hsts_mode_parse("off", &m));
    ck_assert_int_eq(m, HSTS_MODE_OFF);
    ck_assert_ptr_nonnull(hsts_mode_parse("sometimes", &m));
    ck_assert_int_eq(m, HSTS_MODE_OFF);
    ck_assert_str_eq(hsts_mode_name(HSTS_MODE_REPORT), "report");
    ck_assert_str_eq(hsts_mode_name(HSTS_MODE_ADD), "add");
    ck_assert_str_eq(hsts_mode_name(HSTS_UNSET), "unset");
}
END_TEST

/* ---- records and merging -------------------------------------------- */

static hsts_dir_conf *conf_of(apr_int64_t max_age, int sub, int preload, int mode)
{
    hsts_dir_conf *c = hsts_dir_conf_create(pool);

    c->max_age = max_age;
    c->include_subdomains = sub;
    c->preload = preload;
    c->mode = mode;
    hsts_conf_finish(pool, c);
    return c;
}

START_TEST(conf_defaults)
{
    hsts_dir_conf *c = conf_of(HSTS_UNSET, HSTS_UNSET, HSTS_UNSET, HSTS_UNSET);

    ck_assert_int_eq(c->effective_mode, HSTS_MODE_REPORT);
    ck_assert_ptr_null(c->policy);
    ck_assert_ptr_null(c->problem);

    c = conf_of(31536000, HSTS_UNSET, HSTS_UNSET, HSTS_UNSET);
    ck_assert_int_eq(c->effective_mode, HSTS_MODE_ADD);
    ck_assert_str_eq(c->policy, "max-age=31536000");
    ck_assert_uint_eq(c->policy_len, strlen("max-age=31536000"));

    c = conf_of(31536000, 1, 1, HSTS_UNSET);
    ck_assert_str_eq(c->policy, "max-age=31536000; includeSubDomains; preload");
    ck_assert_ptr_null(c->problem);

    c = conf_of(600, 0, HSTS_UNSET, HSTS_MODE_REPORT);
    ck_assert_int_eq(c->effective_mode, HSTS_MODE_REPORT);
    ck_assert_str_eq(c->policy, "max-age=600");
}
END_TEST

START_TEST(conf_problems)
{
    hsts_dir_conf *c = conf_of(31535999, 1, 1, HSTS_UNSET);

    ck_assert_ptr_nonnull(c->problem);
    assert_contains(c->problem, "31536000");
    assert_contains(c->problem, "HSTSPreload");

    c = conf_of(31536000, HSTS_UNSET, 1, HSTS_UNSET);
    ck_assert_ptr_nonnull(c->problem);
    assert_contains(c->problem, "includeSubDomains");

    c = conf_of(HSTS_UNSET, HSTS_UNSET, HSTS_UNSET, HSTS_MODE_ENFORCE);
    ck_assert_ptr_nonnull(c->problem);
    assert_contains(c->problem, "HSTSMaxAge");

    c = conf_of(31536000, 1, 0, HSTS_MODE_ENFORCE);
    ck_assert_ptr_null(c->problem);
}
END_TEST

START_TEST(merge_inner_overrides_only_what_it_sets)
{
    hsts_dir_conf *vhost = conf_of(31536000, 1, HSTS_UNSET, HSTS_UNSET);
    hsts_dir_conf *loc = conf_of(600, HSTS_UNSET, HSTS_UNSET, HSTS_UNSET);
    hsts_dir_conf *m = hsts_dir_conf_merge(pool, vhost, loc);

    ck_assert_int_eq(m->max_age, 600);
    ck_assert_int_eq(m->include_subdomains, 1);
    ck_assert_str_eq(m->policy, "max-age=600; includeSubDomains");
    ck_assert_int_eq(m->effective_mode, HSTS_MODE_ADD);
}
END_TEST

START_TEST(merge_mode_only)
{
    hsts_dir_conf *vhost = conf_of(31536000, 1, HSTS_UNSET, HSTS_MODE_ENFORCE);
    hsts_dir_conf *off = conf_of(HSTS_UNSET, HSTS_UNSET, HSTS_UNSET, HSTS_MODE_OFF);
    hsts_dir_conf *m = hsts_dir_conf_merge(pool, vhost, off);

    ck_assert_int_eq(m->effective_mode, HSTS_MODE_OFF);
    /* no policy setting changed: the policy string is the vhost's own */
    ck_assert_ptr_eq(m->policy, vhost->policy);

    m = hsts_dir_conf_merge(pool, m, conf_of(HSTS_UNSET, HSTS_UNSET, HSTS_UNSET, HSTS_UNSET));
    ck_assert_int_eq(m->effective_mode, HSTS_MODE_OFF);
}
END_TEST

START_TEST(merge_explicit_report_wins_over_max_age_default)
{
    hsts_dir_conf *server = conf_of(HSTS_UNSET, HSTS_UNSET, HSTS_UNSET, HSTS_MODE_REPORT);
    hsts_dir_conf *vhost = conf_of(86400, HSTS_UNSET, HSTS_UNSET, HSTS_UNSET);
    hsts_dir_conf *m = hsts_dir_conf_merge(pool, server, vhost);

    ck_assert_int_eq(m->effective_mode, HSTS_MODE_REPORT);
    ck_assert_str_eq(m->policy, "max-age=86400");
}
END_TEST

START_TEST(merge_switch_off_subdomains_and_preload)
{
    hsts_dir_conf *vhost = conf_of(63072000, 1, 1, HSTS_UNSET);
    hsts_dir_conf *loc = conf_of(HSTS_UNSET, 0, 0, HSTS_UNSET);
    hsts_dir_conf *m = hsts_dir_conf_merge(pool, vhost, loc);

    ck_assert_str_eq(m->policy, "max-age=63072000");
    ck_assert_ptr_null(m->problem);

    /* preload in an inner scope that lowers max-age is a problem there */
    m = hsts_dir_conf_merge(pool, vhost, conf_of(600, HSTS_UNSET, HSTS_UNSET, HSTS_UNSET));
    ck_assert_ptr_nonnull(m->problem);
    ck_assert_str_eq(m->policy, "max-age=600; includeSubDomains; preload");
}
END_TEST

/* ---- the add/enforce decision -------------------------------------------- */

static hsts_action_e decide(hsts_mode_e mode, int has_policy, int https, unsigned n,
                            int valid, int is_policy, int withhold)
{
    hsts_response_sts_t r = { https, n, valid, is_policy, withhold };

    return hsts_policy_decide(mode, has_policy, &r);
}

START_TEST(decide_modes)
{
    /* off and report never touch a response */
    ck_assert_int_eq(decide(HSTS_MODE_OFF, 1, 1, 0, 0, 0, 0), HSTS_ACTION_NONE);
    ck_assert_int_eq(decide(HSTS_MODE_REPORT, 1, 1, 2, 0, 0, 0), HSTS_ACTION_NONE);
    ck_assert_int_eq(decide(HSTS_MODE_REPORT, 1, 0, 1, 1, 0, 0), HSTS_ACTION_NONE);
    /* add */
    ck_assert_int_eq(decide(HSTS_MODE_ADD, 1, 1, 0, 0, 0, 0), HSTS_ACTION_ADDED);
    ck_assert_int_eq(decide(HSTS_MODE_ADD, 1, 1, 1, 1, 0, 0), HSTS_ACTION_KEPT);
    ck_assert_int_eq(decide(HSTS_MODE_ADD, 1, 1, 1, 0, 0, 0), HSTS_ACTION_REPLACED);
    ck_assert_int_eq(decide(HSTS_MODE_ADD, 1, 1, 2, 1, 0, 0), HSTS_ACTION_REPLACED);
    /* enforce */
    ck_assert_int_eq(decide(HSTS_MODE_ENFORCE, 1, 1, 0, 0, 0, 0), HSTS_ACTION_ADDED);
    ck_assert_int_eq(decide(HSTS_MODE_ENFORCE, 1, 1, 1, 1, 0, 0), HSTS_ACTION_REPLACED);
    ck_assert_int_eq(decide(HSTS_MODE_ENFORCE, 1, 1, 1, 1, 1, 0), HSTS_ACTION_KEPT);
    ck_assert_int_eq(decide(HSTS_MODE_ENFORCE, 1, 1, 2, 1, 1, 0), HSTS_ACTION_REPLACED);
    /* plain HTTP: removed in add/enforce, left alone in report */
    ck_assert_int_eq(decide(HSTS_MODE_ADD, 1, 0, 1, 1, 0, 0), HSTS_ACTION_REMOVED);
    ck_assert_int_eq(decide(HSTS_MODE_ENFORCE, 1, 0, 3, 0, 0, 0), HSTS_ACTION_REMOVED);
    ck_assert_int_eq(decide(HSTS_MODE_ADD, 1, 0, 0, 0, 0, 0), HSTS_ACTION_NONE);
    /* the guard */
    ck_assert_int_eq(decide(HSTS_MODE_ADD, 1, 1, 0, 0, 0, 1), HSTS_ACTION_WITHHELD);
    ck_assert_int_eq(decide(HSTS_MODE_ENFORCE, 1, 1, 1, 1, 1, 1), HSTS_ACTION_WITHHELD);
    ck_assert_int_eq(decide(HSTS_MODE_REPORT, 1, 1, 1, 1, 1, 1), HSTS_ACTION_NONE);
    /* no policy (a .htaccess HSTSMode add without HSTSMaxAge): nothing to add */
    ck_assert_int_eq(decide(HSTS_MODE_ADD, 0, 1, 0, 0, 0, 0), HSTS_ACTION_NONE);
}
END_TEST

START_TEST(action_names)
{
    ck_assert_str_eq(hsts_action_name(HSTS_ACTION_NONE), "none");
    ck_assert_str_eq(hsts_action_name(HSTS_ACTION_ADDED), "added");
    ck_assert_str_eq(hsts_action_name(HSTS_ACTION_KEPT), "kept");
    ck_assert_str_eq(hsts_action_name(HSTS_ACTION_REPLACED), "replaced");
    ck_assert_str_eq(hsts_action_name(HSTS_ACTION_REMOVED), "removed");
    ck_assert_str_eq(hsts_action_name(HSTS_ACTION_WITHHELD), "withheld");
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        duration_units,
        duration_rejects,
        mode_names,
        conf_defaults,
        conf_problems,
        merge_inner_overrides_only_what_it_sets,
        merge_mode_only,
        merge_explicit_report_wins_over_max_age_default,
        merge_switch_off_subdomains_and_preload,
        decide_modes,
        action_names,
    };

    return unit_main("core", tests, UNIT_COUNT(tests));
}
