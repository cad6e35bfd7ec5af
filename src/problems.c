/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * problems.c: a vhost's current problems in shared memory (see
 * include/hsts_problems.h): first-seen times kept across audits, a seqlock
 * between the one writer and the many readers.
 */
#include "hsts_problems.h"
#include "seqlock.h"

#include <apr_atomic.h>
#include <apr_strings.h>

#include <string.h>


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

/* text into buf, whole lines only (all of it when it has no newline and
 * fits, else cut at the last newline that fits). */
static void cut_at_line(char *buf, apr_size_t size, const char *text)
{
    apr_size_t len = text ? strlen(text) : 0;

    if (len >= size) {
        const char *nl = text + size - 1;

        while (nl > text && nl[-1] != '\n') {
            nl--;
        }
        len = (apr_size_t)(nl - text);
    }
    memcpy(buf, text ? text : "", len);
    buf[len] = '\0';
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
    slot->errors = found->errors & problems & ~slot->warnings;
    slot->preload = (apr_uint32_t)found->preload;
    slot->self_checked = found->self_checked;
    cut_at_line(slot->self_check, sizeof(slot->self_check), found->self_check);
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
    hsts_findings_t problems = found->problems
                               & (hsts_problem_codes() | found->self_check_codes);
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
    int written = hsts_seqlock_read(&slot->seq, slot, out, sizeof(*out));

    out->unsafe[sizeof(out->unsafe) - 1] = '\0';
    out->verify_error[sizeof(out->verify_error) - 1] = '\0';
    out->self_check[sizeof(out->self_check) - 1] = '\0';
    return written;
}

int hsts_problems_withhold(hsts_problems_t *slot)
{
    return apr_atomic_read32(&slot->withhold) != 0;
}

const char *hsts_problems_self_check_detail(apr_pool_t *p, const char *text, const char *code)
{
    apr_size_t n = strlen(code);
    const char *line = text;

    while (line && *line) {
        const char *nl = strchr(line, '\n');

        if (!strncmp(line, code, n) && line[n] == ' ' && line[n + 1] && line[n + 2] == ' ') {
            const char *d = line + n + 3;

            return nl ? apr_pstrmemdup(p, d, (apr_size_t)(nl - d)) : apr_pstrdup(p, d);
        }
        line = nl ? nl + 1 : NULL;
    }
    return NULL;
}

apr_array_header_t *hsts_problems_self_check_codes(apr_pool_t *p, const char *text,
                                                   int errors_only)
{
    apr_array_header_t *codes = apr_array_make(p, 4, sizeof(const char *));
    const char *line = text;

    while (line && *line) {
        const char *nl = strchr(line, '\n');
        apr_size_t len = strcspn(line, " \n");

        if (len && (!errors_only || (line[len] == ' ' && line[len + 1] == 'E'))) {
            APR_ARRAY_PUSH(codes, const char *) = apr_pstrmemdup(p, line, len);
        }
        line = nl ? nl + 1 : NULL;
    }
    return codes;
}
