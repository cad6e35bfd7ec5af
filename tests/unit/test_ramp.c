/* Unit tests (Check) for the max-age ramp's core (src/ramp.c, design.md
 * section 5b): the steps HSTSMaxAgeRamp takes, the step a reached max-age
 * resumes at when the list changed, the decisions (hold, advance, never
 * down), the state file's text read strictly, and the shared slot; and the
 * per-step policies of a ramp scope (src/conf.c). */
#include "unit.h"

#include <string.h>

#include <apr_strings.h>

#include "hsts_conf.h"
#include "hsts_ramp.h"

#define BIT(f) HSTS_FINDING_BIT(f)
#define T(s) apr_time_from_sec(1800000000 + (s))

static hsts_ramp_t ramp_of(const char *args)
{
    char *copy = apr_pstrdup(pool, args), *last = NULL, *w;
    char *argv[32];
    int argc = 0;
    hsts_ramp_t r;
    const char *why;

    memset(&r, 0, sizeof(r));
    for (w = apr_strtok(copy, " ", &last); w && argc < 32; w = apr_strtok(NULL, " ", &last)) {
        argv[argc++] = w;
    }
    why = hsts_ramp_parse(pool, argc, argv, &r);
    ck_assert_msg(why == NULL, "%s: %s", args, why);
    return r;
}

static const char *ramp_error(const char *args)
{
    char *copy = apr_pstrdup(pool, args), *last = NULL, *w;
    char *argv[32];
    int argc = 0;
    hsts_ramp_t r;

    memset(&r, 0, sizeof(r));
    for (w = apr_strtok(copy, " ", &last); w && argc < 32; w = apr_strtok(NULL, " ", &last)) {
        argv[argc++] = w;
    }
    return hsts_ramp_parse(pool, argc, argv, &r);
}

START_TEST(steps_parsed)
{
    hsts_ramp_t r = ramp_of("5m 1d 1w 30d 1y");

    ck_assert_int_eq(r.n_steps, 5);
    ck_assert_int_eq(r.steps[0], 300);
    ck_assert_int_eq(r.steps[1], 86400);
    ck_assert_int_eq(r.steps[2], 604800);
    ck_assert_int_eq(r.steps[3], 2592000);
    ck_assert_int_eq(r.steps[4], 31536000);
    r = ramp_of("20s 40 1d");
    ck_assert_int_eq(r.n_steps, 3);
    ck_assert_int_eq(r.steps[1], 40);
}
END_TEST

START_TEST(bad_steps_refused)
{
    assert_contains(ramp_error("1d 5m"), "step 2 '5m' (300 s) is not longer than step 1 '1d'");
    assert_contains(ramp_error("5m 5m"), "shortest first");
    assert_contains(ramp_error("0 5m"), "at least 1 second");
    assert_contains(ramp_error("5m 1x"), "step 2 '1x'");
    assert_contains(ramp_error("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"),
                    "at most 16 steps, not 17");
    ck_assert_ptr_null(ramp_error("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"));
}
END_TEST

START_TEST(changed_list_never_raises)
{
    hsts_ramp_t r = ramp_of("5m 1d 1w 1y");

    ck_assert_int_eq(hsts_ramp_index_for(&r, 86400), 1);       /* still listed */
    ck_assert_int_eq(hsts_ramp_index_for(&r, 172800), 1);      /* 2d: the largest below */
    ck_assert_int_eq(hsts_ramp_index_for(&r, 60), 0);          /* below all: the first */
    ck_assert_int_eq(hsts_ramp_index_for(&r, 0), 0);
    ck_assert_int_eq(hsts_ramp_index_for(&r, APR_INT64_C(63072000)), 3);
}
END_TEST

START_TEST(hold_defaults_to_the_step)
{
    hsts_ramp_t r = ramp_of("20s 40s 1d");

    ck_assert_int_eq(hsts_ramp_hold(&r, -1, 0), 20);
    ck_assert_int_eq(hsts_ramp_hold(&r, -1, 1), 40);
    ck_assert_int_eq(hsts_ramp_hold(&r, 15, 1), 15);
}
END_TEST

START_TEST(advances_after_a_clean_hold)
{
    hsts_ramp_t r = ramp_of("20s 40s 1d");
    hsts_ramp_state_t cur = { 20, T(0), T(0), 0, 0 }, next;

    ck_assert_int_eq(hsts_ramp_decide(&r, 15, &cur, 0, T(14), &next), HSTS_RAMP_STAY);
    ck_assert_int_eq(next.max_age, 20);
    ck_assert_int_eq(hsts_ramp_next_at(&r, 15, &cur), T(15));
    ck_assert_int_eq(hsts_ramp_decide(&r, 15, &cur, 0, T(15), &next), HSTS_RAMP_ADVANCED);
    ck_assert_int_eq(next.max_age, 40);
    ck_assert_int_eq(next.since, T(15));
    ck_assert_int_eq(next.clean_since, T(15));
    cur = next;
    ck_assert_int_eq(hsts_ramp_decide(&r, 15, &cur, 0, T(30), &next), HSTS_RAMP_ADVANCED);
    ck_assert_int_eq(next.max_age, 86400);
    cur = next;
    /* the last step: nothing comes after it */
    ck_assert_int_eq(hsts_ramp_next_at(&r, 15, &cur), 0);
    ck_assert_int_eq(hsts_ramp_decide(&r, 15, &cur, 0, T(10000000), &next), HSTS_RAMP_STAY);
    ck_assert_int_eq(next.max_age, 86400);
}
END_TEST

START_TEST(held_by_a_problem_restarts_the_hold)
{
    hsts_ramp_t r = ramp_of("20s 40s 1d");
    hsts_ramp_state_t cur = { 40, T(0), T(0), 0, 0 }, next;
    hsts_findings_t wrong = BIT(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS) | BIT(HSTS_F_CERT_EXPIRED);

    ck_assert_int_eq(hsts_ramp_decide(&r, -1, &cur, wrong, T(39), &next), HSTS_RAMP_HELD);
    ck_assert_int_eq(next.max_age, 40);             /* never lowered */
    ck_assert_int_eq(next.since, T(0));
    ck_assert_int_eq(next.clean_since, T(39));
    ck_assert_int_eq(next.held_at, T(39));
    assert_findings(next.held_by, wrong);
    cur = next;
    /* 40 s after the hold began again, not after the step began */
    ck_assert_int_eq(hsts_ramp_decide(&r, -1, &cur, 0, T(78), &next), HSTS_RAMP_STAY);
    ck_assert_int_eq(hsts_ramp_decide(&r, -1, &cur, 0, T(79), &next), HSTS_RAMP_ADVANCED);
    ck_assert_int_eq(next.max_age, 86400);
    ck_assert_uint_eq(next.held_by, 0);
    ck_assert_int_eq(next.held_at, 0);
}
END_TEST

START_TEST(state_round_trip)
{
    hsts_ramp_state_t st = { 604800, T(0), T(100), T(100),
                             BIT(HSTS_F_CERT_EXPIRED) | BIT(HSTS_F_HEADER_INVALID_SYNTAX) };
    hsts_ramp_state_t back;
    const char *text = hsts_ramp_state_format(pool, &st);

    assert_contains(text, "max_age 604800\n");
    assert_contains(text, "held_by header.invalid.syntax cert.expired\n");
    ck_assert_ptr_null(hsts_ramp_state_parse(text, strlen(text), T(200), &back));
    ck_assert_int_eq(back.max_age, st.max_age);
    ck_assert_int_eq(back.since, st.since);
    ck_assert_int_eq(back.clean_since, st.clean_since);
    ck_assert_int_eq(back.held_at, st.held_at);
    assert_findings(back.held_by, st.held_by);
}
END_TEST

/* Each corrupt file is refused with a reason and zeroes (the caller falls
 * back to the first step). */
START_TEST(corrupt_state_refused)
{
    static const char *const bad[] = {
        "",                                                     /* empty */
        "max_age 300\nsince 1800000000\n",                      /* clean_since missing */
        "max_age 300\nsince 1800000000\nclean_since 1800000000",/* cut off */
        "max_age 300\nmax_age 300\nsince 1800000000\nclean_since 1800000000\n",
        "max_age -5\nsince 1800000000\nclean_since 1800000000\n",
        "max_age 0\nsince 1800000000\nclean_since 1800000000\n",
        "max_age 99999999999999999999\nsince 1800000000\nclean_since 1800000000\n",
        "max_age 300\nsince 1900000000\nclean_since 1900000000\n", /* the future */
        "max_age 300\nsince 1800000000\nclean_since 1700000000\n", /* before since */
        "max_age 300\nsince 1800000000\nclean_since 1800000000\nheld_by no.such\n",
        "max_age 300\nsince 1800000000\nclean_since 1800000000\nwhat 1\n",
        "max_age 300\nsince 18000x0000\nclean_since 1800000000\n",
        "max_age 300\nsince\nclean_since 1800000000\n",
    };
    hsts_ramp_state_t st;
    size_t i;

    for (i = 0; i < UNIT_COUNT(bad); i++) {
        const char *why = hsts_ramp_state_parse(bad[i], strlen(bad[i]), T(10), &st);

        ck_assert_msg(why != NULL, "accepted: %s", bad[i]);
        ck_assert_int_eq(st.max_age, 0);
    }
    /* a NUL inside */
    ck_assert_ptr_nonnull(hsts_ramp_state_parse("max_age 300\0\n", 13, T(10), &st));
}
END_TEST

START_TEST(slot_publish_and_read)
{
    hsts_ramp_slot_t slot;
    hsts_ramp_state_t st = { 40, T(0), T(5), 0, 0 }, back;

    memset(&slot, 0, sizeof(slot));
    ck_assert_int_eq(hsts_ramp_current(&slot, 3), 0);          /* never published */
    ck_assert_int_eq(hsts_ramp_read(&slot, &back), 0);
    hsts_ramp_publish(&slot, 1, &st);
    ck_assert_int_eq(hsts_ramp_current(&slot, 3), 1);
    ck_assert_int_eq(hsts_ramp_current(&slot, 1), 0);          /* fewer steps now: the first */
    ck_assert_int_eq(hsts_ramp_read(&slot, &back), 1);
    ck_assert_int_eq(back.max_age, 40);
    ck_assert_int_eq(back.clean_since, T(5));
}
END_TEST

/* A ramp scope serves the policy of each step, with its includeSubDomains
 * and preload; HSTSPreload needs the last step >= 1y; an inner HSTSMaxAge
 * ends the ramp there. */
START_TEST(conf_policies_per_step)
{
    hsts_ramp_t r = ramp_of("5m 1d 1y");
    hsts_dir_conf *vh = hsts_dir_conf_create(pool), *dir = hsts_dir_conf_create(pool), *m;
    hsts_conf_policy_t pol;

    vh->ramp = &r;
    vh->include_subdomains = 1;
    vh->preload = 1;
    hsts_conf_finish(pool, vh);
    ck_assert_ptr_null(vh->problem);
    ck_assert_int_eq(vh->effective_mode, HSTS_MODE_ADD);
    hsts_conf_policy_at(vh, 0, &pol);
    ck_assert_str_eq(pol.policy, "max-age=300; includeSubDomains; preload");
    ck_assert_int_eq(pol.max_age, 300);
    hsts_conf_policy_at(vh, 2, &pol);
    ck_assert_str_eq(pol.policy, "max-age=31536000; includeSubDomains; preload");
    ck_assert_str_eq(pol.stored_max_age, "31536000");
    hsts_conf_policy_at(vh, 7, &pol);                          /* out of range: the first */
    ck_assert_int_eq(pol.max_age, 300);

    dir->include_subdomains = 0;
    hsts_conf_finish(pool, dir);
    m = hsts_dir_conf_merge(pool, vh, dir);
    ck_assert_ptr_eq(m->ramp, &r);
    hsts_conf_policy_at(m, 1, &pol);
    ck_assert_str_eq(pol.policy, "max-age=86400; preload");

    dir->max_age = 600;
    hsts_conf_finish(pool, dir);
    m = hsts_dir_conf_merge(pool, vh, dir);
    ck_assert_ptr_null(m->ramp);
    hsts_conf_policy_at(m, 2, &pol);
    ck_assert_str_eq(pol.policy, "max-age=600; preload");

    r = ramp_of("5m 1d 30d");
    hsts_conf_finish(pool, vh);
    assert_contains(vh->problem, "last step of HSTSMaxAgeRamp");
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        steps_parsed,
        bad_steps_refused,
        changed_list_never_raises,
        hold_defaults_to_the_step,
        advances_after_a_clean_hold,
        held_by_a_problem_restarts_the_hold,
        state_round_trip,
        corrupt_state_refused,
        slot_publish_and_read,
        conf_policies_per_step,
    };

    return unit_main("ramp", tests, UNIT_COUNT(tests));
}
