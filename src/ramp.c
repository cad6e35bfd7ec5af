/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * ramp.c: the max-age ramp's steps, decisions, state file text and shared
 * slot (include/hsts_ramp.h, design.md section 5b).
 */
#include "hsts_ramp.h"
#include "hsts_duration.h"
#include "seqlock.h"

#include <string.h>

#include <apr_atomic.h>
#include <apr_strings.h>

#define ONE_DAY APR_INT64_C(86400)
#define STATE_HEADER "# mod_hsts_audit max-age ramp state: written by httpd, do not edit\n"

const char *hsts_ramp_parse(apr_pool_t *p, int argc, char *const argv[], hsts_ramp_t *ramp)
{
    apr_int64_t steps[HSTS_RAMP_MAX_STEPS];
    int i;

    if (argc < 1) {
        return "needs at least one max-age, e.g. HSTSMaxAgeRamp 5m 1d 1w 30d 1y";
    }
    if (argc > HSTS_RAMP_MAX_STEPS) {
        return apr_psprintf(p, "takes at most %d steps, not %d", HSTS_RAMP_MAX_STEPS, argc);
    }
    for (i = 0; i < argc; i++) {
        const char *why = hsts_duration_parse(argv[i], &steps[i]);

        if (why) {
            return apr_psprintf(p, "step %d '%s': %s", i + 1, argv[i], why);
        }
        if (steps[i] < 1) {
            return apr_psprintf(p, "step %d '%s': a step must be at least 1 second "
                                "(max-age=0 deletes the browsers' policy)", i + 1, argv[i]);
        }
        if (i > 0 && steps[i] <= steps[i - 1]) {
            return apr_psprintf(p, "step %d '%s' (%" APR_INT64_T_FMT " s) is not longer than "
                                "step %d '%s' (%" APR_INT64_T_FMT " s): write the steps "
                                "shortest first, each longer than the one before, "
                                "e.g. 5m 1d 1w 30d 1y", i + 1, argv[i], steps[i], i,
                                argv[i - 1], steps[i - 1]);
        }
    }
    memcpy(ramp->steps, steps, sizeof(steps[0]) * (apr_size_t)argc);
    ramp->n_steps = argc;
    return NULL;
}

int hsts_ramp_index_for(const hsts_ramp_t *ramp, apr_int64_t reached)
{
    int i, best = 0;

    for (i = 0; i < ramp->n_steps; i++) {
        if (ramp->steps[i] <= reached) {
            best = i;
        }
    }
    return best;
}

apr_int64_t hsts_ramp_hold(const hsts_ramp_t *ramp, apr_int64_t hold, int index)
{
    if (hold >= 0) {
        return hold;
    }
    if (index < 0) {
        index = 0;
    }
    if (index >= ramp->n_steps) {
        index = ramp->n_steps - 1;
    }
    return ramp->steps[index];
}

apr_time_t hsts_ramp_next_at(const hsts_ramp_t *ramp, apr_int64_t hold,
                             const hsts_ramp_state_t *st)
{
    int i = hsts_ramp_index_for(ramp, st->max_age);

    if (i + 1 >= ramp->n_steps) {
        return 0;
    }
    return st->clean_since + apr_time_from_sec(hsts_ramp_hold(ramp, hold, i));
}

hsts_ramp_action_e hsts_ramp_decide(const hsts_ramp_t *ramp, apr_int64_t hold,
                                    const hsts_ramp_state_t *cur, hsts_findings_t wrong,
                                    apr_time_t now, hsts_ramp_state_t *next)
{
    int i = hsts_ramp_index_for(ramp, cur->max_age);
    apr_time_t at;

    *next = *cur;
    next->max_age = ramp->steps[i];
    if (wrong) {
        next->clean_since = now;
        next->held_at = now;
        next->held_by = wrong;
        return HSTS_RAMP_HELD;
    }
    at = hsts_ramp_next_at(ramp, hold, next);
    if (!at || now < at) {
        return HSTS_RAMP_STAY;
    }
    next->max_age = ramp->steps[i + 1];
    next->since = now;
    next->clean_since = now;
    next->held_at = 0;
    next->held_by = 0;
    return HSTS_RAMP_ADVANCED;
}

/* ---- the state file ------------------------------------------------------ */

const char *hsts_ramp_state_format(apr_pool_t *p, const hsts_ramp_state_t *st)
{
    const char *codes = hsts_findings_join(p, st->held_by, " ");

    return apr_psprintf(p, STATE_HEADER "max_age %" APR_INT64_T_FMT "\nsince %" APR_INT64_T_FMT
                        "\nclean_since %" APR_INT64_T_FMT "\nheld_at %" APR_INT64_T_FMT
                        "\nheld_by %s\n", st->max_age, (apr_int64_t)apr_time_sec(st->since),
                        (apr_int64_t)apr_time_sec(st->clean_since),
                        (apr_int64_t)apr_time_sec(st->held_at), codes);
}

/* A whole decimal number 0..max from [s, e). */
static int parse_num(const char *s, const char *e, apr_int64_t max, apr_int64_t *out)
{
    apr_int64_t v = 0;

    if (s == e) {
        return 0;
    }
    for (; s < e; s++) {
        if (*s < '0' || *s > '9' || v > (max - (*s - '0')) / 10) {
            return 0;
        }
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 1;
}

/* held_by's codes, separated by single spaces, from [s, e). */
static const char *parse_codes(const char *s, const char *e, hsts_findings_t *out)
{
    *out = 0;
    while (s < e) {
        const char *sp = memchr(s, ' ', (apr_size_t)(e - s));
        char code[96];
        apr_size_t n = (apr_size_t)((sp ? sp : e) - s);
        hsts_finding_e f;

        if (n == 0 || n >= sizeof(code)) {
            return "held_by: an empty or overlong code";
        }
        memcpy(code, s, n);
        code[n] = '\0';
        f = hsts_finding_by_code(code);
        if (f == HSTS_F_COUNT) {
            return "held_by: an unknown code";
        }
        *out |= HSTS_FINDING_BIT(f);
        s = sp ? sp + 1 : e;
    }
    return NULL;
}

enum { K_MAX_AGE, K_SINCE, K_CLEAN_SINCE, K_HELD_AT, K_HELD_BY, K_COUNT };
static const char *const keys[K_COUNT] = { "max_age", "since", "clean_since", "held_at",
                                           "held_by" };

/* One "key value" line [s, e) into st; seen marks the keys read. */
static const char *parse_line(const char *s, const char *e, apr_int64_t max_time,
                              hsts_ramp_state_t *st, int *seen)
{
    const char *sp = memchr(s, ' ', (apr_size_t)(e - s));
    apr_int64_t v = 0;
    int k;

    if (!sp) {
        return "a line without a value";
    }
    for (k = 0; k < K_COUNT; k++) {
        if ((apr_size_t)(sp - s) == strlen(keys[k]) && !memcmp(s, keys[k], (apr_size_t)(sp - s))) {
            break;
        }
    }
    if (k == K_COUNT) {
        return "an unknown key";
    }
    if (seen[k]++) {
        return "a key given twice";
    }
    if (k == K_HELD_BY) {
        return parse_codes(sp + 1, e, &st->held_by);
    }
    if (!parse_num(sp + 1, e, k == K_MAX_AGE ? HSTS_DURATION_MAX : max_time, &v)
        || (k == K_MAX_AGE && v < 1)) {
        return k == K_MAX_AGE ? "max_age is not a number of seconds from 1 to 1000 years"
                              : "a time that is not a number or lies in the future";
    }
    switch (k) {
    case K_MAX_AGE: st->max_age = v; break;
    case K_SINCE: st->since = apr_time_from_sec(v); break;
    case K_CLEAN_SINCE: st->clean_since = apr_time_from_sec(v); break;
    default: st->held_at = apr_time_from_sec(v); break;
    }
    return NULL;
}

const char *hsts_ramp_state_parse(const char *text, apr_size_t len, apr_time_t now,
                                  hsts_ramp_state_t *st)
{
    const char *s = text, *end = text + len, *why = NULL;
    apr_int64_t max_time = (apr_int64_t)apr_time_sec(now) + ONE_DAY;
    int seen[K_COUNT] = { 0 };

    memset(st, 0, sizeof(*st));
    if (memchr(text, '\0', len)) {
        why = "a NUL byte";
    }
    while (!why && s < end) {
        const char *nl = memchr(s, '\n', (apr_size_t)(end - s));

        if (!nl) {
            why = "the last line is cut off (no newline)";
            break;
        }
        if (nl > s && *s != '#') {
            why = parse_line(s, nl, max_time, st, seen);
        }
        s = nl + 1;
    }
    if (!why && (!seen[K_MAX_AGE] || !seen[K_SINCE] || !seen[K_CLEAN_SINCE])) {
        why = "max_age, since or clean_since is missing";
    }
    if (!why && st->clean_since < st->since) {
        why = "clean_since lies before since";
    }
    if (why) {
        memset(st, 0, sizeof(*st));
    }
    return why;
}

/* ---- the shared slot ----------------------------------------------------- */

void hsts_ramp_publish(hsts_ramp_slot_t *slot, int index, const hsts_ramp_state_t *st)
{
    apr_uint32_t seq = apr_atomic_read32(&slot->seq);

    apr_atomic_set32(&slot->seq, seq | 1);
    slot->state = *st;
    apr_atomic_set32(&slot->seq, (seq | 1) + 1);
    apr_atomic_set32(&slot->step, (apr_uint32_t)index + 1);
}

int hsts_ramp_current(hsts_ramp_slot_t *slot, int n_steps)
{
    apr_uint32_t step = apr_atomic_read32(&slot->step);

    return step >= 1 && step <= (apr_uint32_t)n_steps ? (int)step - 1 : 0;
}

int hsts_ramp_read(hsts_ramp_slot_t *slot, hsts_ramp_state_t *out)
{
    return hsts_seqlock_read(&slot->seq, &slot->state, out, sizeof(*out));
}
