/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * problems.c: a vhost's current problems in shared memory (see
 * include/hsts_problems.h): first-seen times kept across audits, a seqlock
 * between the one writer and the many readers.
 */
#include "hsts_problems.h"

#include <apr_atomic.h>
#include <apr_strings.h>

#include <string.h>

/* How often a reader tries for a consistent copy before giving up. */
#define READ_TRIES 100

/* Join names into buf with spaces, whole names only; " ..." when some did
 * not fit. */
static void join_names(char *buf, apr_size_t size, const char *const *names, int n)
{
    static const char more[] = " ...";
    apr_size_t len = 0;
    int i;

    buf[0] = '\0';
    for (i = 0; i < n; i++) {
        apr_size_t sep = len ? 1 : 0, nlen = strlen(names[i]);

        /* room for this name, and for " ..." after it should more follow */
        if (len + sep + nlen + (i + 1 < n ? sizeof(more) : 1) > size) {
            if (len + sizeof(more) <= size) {
                memcpy(buf + len, more, sizeof(more));
            }
            return;
        }
        if (sep) {
            buf[len++] = ' ';
        }
        memcpy(buf + len, names[i], nlen + 1);
        len += nlen;
    }
}

static void fill(hsts_problems_t *slot, const hsts_problems_found_t *found,
                 hsts_findings_t problems, apr_time_t now)
{
    int i;

    for (i = 0; i < HSTS_F_COUNT; i++) {
        if (!(problems & HSTS_FINDING_BIT(i))) {
            slot->since[i] = 0;
        }
        else if (!(slot->problems & HSTS_FINDING_BIT(i)) || !slot->since[i]) {
            slot->since[i] = now;
        }
    }
    slot->problems = problems;
    slot->warnings = found->warnings & problems;
    slot->checked = now;
    slot->n_unsafe = found->n_unsafe > 0 ? (apr_uint32_t)found->n_unsafe : 0;
    join_names(slot->unsafe, sizeof(slot->unsafe), found->unsafe, (int)slot->n_unsafe);
    apr_cpystrn(slot->verify_error, found->verify_error ? found->verify_error : "",
                sizeof(slot->verify_error));
}

apr_status_t hsts_problems_publish(hsts_problems_t *slot, const hsts_problems_found_t *found,
                                   apr_time_t now, hsts_findings_t *appeared,
                                   hsts_findings_t *cleared)
{
    apr_uint32_t seq = apr_atomic_read32(&slot->seq);
    hsts_findings_t problems = found->problems & hsts_problem_codes();
    hsts_findings_t before;

    if (appeared) {
        *appeared = 0;
    }
    if (cleared) {
        *cleared = 0;
    }
    if ((seq & 1) || apr_atomic_cas32(&slot->seq, seq + 1, seq) != seq) {
        return APR_EBUSY;
    }
    before = seq ? slot->problems : 0;
    if (!seq) {
        slot->problems = 0;
    }
    fill(slot, found, problems, now);
    apr_atomic_set32(&slot->withhold, found->withhold ? 1 : 0);
    /* even again, and never 0 once written */
    apr_atomic_set32(&slot->seq, seq + 2 ? seq + 2 : 2);
    if (appeared) {
        *appeared = problems & ~before;
    }
    if (cleared) {
        *cleared = before & ~problems;
    }
    return APR_SUCCESS;
}

int hsts_problems_read(hsts_problems_t *slot, hsts_problems_t *out)
{
    int tries;

    for (tries = 0; tries < READ_TRIES; tries++) {
        apr_uint32_t before = apr_atomic_read32(&slot->seq);

        if (before & 1) {
            continue;
        }
        memcpy(out, (const void *)slot, sizeof(*out));
        if (apr_atomic_read32(&slot->seq) == before) {
            out->unsafe[sizeof(out->unsafe) - 1] = '\0';
            out->verify_error[sizeof(out->verify_error) - 1] = '\0';
            return before != 0;
        }
    }
    memset(out, 0, sizeof(*out));
    return 0;
}

int hsts_problems_withhold(hsts_problems_t *slot)
{
    return apr_atomic_read32(&slot->withhold) != 0;
}
