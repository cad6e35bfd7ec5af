/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * stats.c: the shared statistics area (design.md section 7): layout, lock-free
 * counting with APR atomics, per-minute log rate limiting, the recent ring.
 */
#include "hsts_stats.h"

#include <apr_atomic.h>
#include <apr_strings.h>
#include <string.h>

#define HSTS_STATS_MAGIC 0x48535453u   /* "HSTS" */

/* The sets and the ring follow the header in the area. */
static hsts_stats_set_t *sets_of(hsts_stats_t *stats)
{
    return (hsts_stats_set_t *)(void *)((char *)stats + APR_ALIGN_DEFAULT(sizeof(*stats)));
}

static const hsts_stats_set_t *const_sets_of(const hsts_stats_t *stats)
{
    return (const hsts_stats_set_t *)(const void *)((const char *)stats
                                                    + APR_ALIGN_DEFAULT(sizeof(*stats)));
}

static hsts_ring_entry_t *ring_of(hsts_stats_t *stats)
{
    return (hsts_ring_entry_t *)(void *)(sets_of(stats) + stats->n_sets);
}

apr_size_t hsts_stats_size(apr_uint32_t n_vhosts, apr_uint32_t ring_size)
{
    if (ring_size < 1) {
        ring_size = 1;
    }
    return APR_ALIGN_DEFAULT(sizeof(hsts_stats_t))
           + (apr_size_t)(n_vhosts + 1) * sizeof(hsts_stats_set_t)
           + (apr_size_t)ring_size * sizeof(hsts_ring_entry_t);
}

hsts_stats_t *hsts_stats_init(void *mem, apr_uint32_t n_vhosts,
                              apr_uint32_t ring_size, apr_time_t now)
{
    hsts_stats_t *stats = mem;

    if (ring_size < 1) {
        ring_size = 1;
    }
    memset(mem, 0, hsts_stats_size(n_vhosts, ring_size));
    stats->magic = HSTS_STATS_MAGIC;
    stats->n_sets = n_vhosts + 1;
    stats->ring_size = ring_size;
    stats->started = now;
    return stats;
}

hsts_stats_set_t *hsts_stats_set(hsts_stats_t *stats, apr_uint32_t index)
{
    return sets_of(stats) + (index < stats->n_sets ? index : 0);
}

static void add_set(hsts_stats_set_t *to, const hsts_stats_set_t *from)
{
    int i;

    for (i = 0; i < HSTS_C_COUNT; i++) {
        to->counters[i] += from->counters[i];
    }
    for (i = 0; i < HSTS_F_COUNT; i++) {
        to->findings[i] += from->findings[i];
    }
}

void hsts_stats_carry_over(hsts_stats_t *to, const hsts_stats_t *from)
{
    apr_uint32_t i, j;

    if (!from || from->magic != HSTS_STATS_MAGIC) {
        return;
    }
    to->started = from->started;
    to->last_check = from->last_check;
    add_set(sets_of(to), const_sets_of(from));
    for (i = 1; i < to->n_sets; i++) {
        hsts_stats_set_t *set = sets_of(to) + i;

        for (j = 1; j < from->n_sets; j++) {
            if (!strcmp(set->name, const_sets_of(from)[j].name)) {
                add_set(set, const_sets_of(from) + j);
                if (!(const_sets_of(from)[j].problems.seq & 1)) {
                    set->problems = const_sets_of(from)[j].problems;  /* not mid-write */
                }
                break;
            }
        }
    }
}

void hsts_stats_count(hsts_stats_t *stats, apr_uint32_t vhost, hsts_counter_e counter)
{
    apr_atomic_inc64(&sets_of(stats)[0].counters[counter]);
    if (vhost && vhost < stats->n_sets) {
        apr_atomic_inc64(&sets_of(stats)[vhost].counters[counter]);
    }
}

void hsts_stats_count_findings(hsts_stats_t *stats, apr_uint32_t vhost,
                               hsts_findings_t findings)
{
    int i;

    for (i = 0; findings && i < HSTS_F_COUNT; i++) {
        if (!(findings & HSTS_FINDING_BIT(i))) {
            continue;
        }
        findings &= ~HSTS_FINDING_BIT(i);
        apr_atomic_inc64(&sets_of(stats)[0].findings[i]);
        if (vhost && vhost < stats->n_sets) {
            apr_atomic_inc64(&sets_of(stats)[vhost].findings[i]);
        }
    }
}

int hsts_stats_may_log(hsts_stats_t *stats, apr_uint32_t vhost,
                       hsts_finding_e finding, apr_time_t now)
{
    volatile apr_uint32_t *slot;
    apr_uint32_t minute = (apr_uint32_t)(apr_time_sec(now) / 60) + 1;
    apr_uint32_t last;

    if ((int)finding < 0 || finding >= HSTS_F_COUNT) {
        return 0;
    }
    slot = &hsts_stats_set(stats, vhost)->last_logged[finding];
    last = apr_atomic_read32(slot);
    if (last == minute) {
        return 0;
    }
    return apr_atomic_cas32(slot, minute, last) == last;
}

void hsts_stats_ring_add(hsts_stats_t *stats, apr_uint32_t vhost, apr_time_t now,
                         hsts_findings_t findings, const char *host, const char *path)
{
    apr_uint32_t n = apr_atomic_inc32(&stats->ring_next);
    hsts_ring_entry_t *e = ring_of(stats) + (n % stats->ring_size);
    apr_uint32_t seq = apr_atomic_read32(&e->seq);

    /* Claim the slot: make its sequence odd. A concurrent writer of the same
     * slot (the ring wrapped around within one write) loses and drops its
     * entry rather than mixing two. */
    if ((seq & 1) || apr_atomic_cas32(&e->seq, seq + 1, seq) != seq) {
        return;
    }
    e->number = n;
    e->vhost = vhost;
    e->time = now;
    e->findings = findings;
    apr_cpystrn(e->host, host ? host : "", sizeof(e->host));
    apr_cpystrn(e->path, path ? path : "", sizeof(e->path));
    apr_atomic_inc32(&e->seq);
}

/* Entry `age` back from the newest when the cursor started, copied into
 * *out if it is complete and still that entry; 1 if so. */
static int ring_copy(hsts_stats_t *stats, const hsts_ring_cursor_t *cur, apr_uint32_t age,
                     hsts_ring_entry_t *out)
{
    apr_uint32_t number = cur->written - 1 - age;
    hsts_ring_entry_t *e = ring_of(stats) + (number % stats->ring_size);
    apr_uint32_t before = apr_atomic_read32(&e->seq);

    if ((before & 1) || before == 0) {
        return 0;
    }
    *out = *e;
    return apr_atomic_read32(&e->seq) == before && out->number == number;
}

static apr_uint32_t ring_avail(const hsts_stats_t *stats, const hsts_ring_cursor_t *cur)
{
    return cur->written < stats->ring_size ? cur->written : stats->ring_size;
}

apr_uint32_t hsts_stats_ring_start(hsts_stats_t *stats, hsts_ring_cursor_t *cur)
{
    apr_uint32_t age, n = 0, avail;

    cur->written = apr_atomic_read32(&stats->ring_next);
    cur->age = 0;
    avail = ring_avail(stats, cur);
    for (age = 0; age < avail; age++) {
        hsts_ring_entry_t *e = ring_of(stats) + ((cur->written - 1 - age) % stats->ring_size);
        apr_uint32_t seq = apr_atomic_read32(&e->seq);

        if (!(seq & 1) && seq != 0 && e->number == cur->written - 1 - age) {
            n++;
        }
    }
    return n;
}

apr_uint32_t hsts_stats_ring_next(hsts_stats_t *stats, hsts_ring_cursor_t *cur,
                                  hsts_ring_entry_t *out, apr_uint32_t max)
{
    apr_uint32_t avail = ring_avail(stats, cur), got = 0;

    for (; cur->age < avail && got < max; cur->age++) {
        got += (apr_uint32_t)ring_copy(stats, cur, cur->age, out + got);
    }
    return got;
}

apr_uint32_t hsts_stats_ring_read(hsts_stats_t *stats, hsts_ring_entry_t *out,
                                  apr_uint32_t max)
{
    hsts_ring_cursor_t cur;

    hsts_stats_ring_start(stats, &cur);
    return hsts_stats_ring_next(stats, &cur, out, max);
}

/* ---- the last STS value sent ------------------------------------------------ */

void hsts_stats_note_sent(hsts_stats_t *stats, apr_uint32_t vhost, const char *value,
                          apr_size_t len)
{
    hsts_stats_set_t *set;
    apr_uint32_t seq;

    if (!vhost || vhost >= stats->n_sets || !value) {
        return;
    }
    set = sets_of(stats) + vhost;
    if (len > HSTS_SENT_LEN - 1) {
        len = HSTS_SENT_LEN - 1;
    }
    seq = apr_atomic_read32(&set->sent_seq);
    if (!(seq & 1) && seq && !memcmp(set->sent, value, len) && set->sent[len] == '\0') {
        return;                                   /* the usual case: unchanged */
    }
    if ((seq & 1) || apr_atomic_cas32(&set->sent_seq, seq + 1, seq) != seq) {
        return;
    }
    memcpy(set->sent, value, len);
    memset(set->sent + len, 0, HSTS_SENT_LEN - len);
    apr_atomic_set32(&set->sent_seq, seq + 2 ? seq + 2 : 2);
}

int hsts_stats_read_sent(hsts_stats_t *stats, apr_uint32_t vhost, char *out)
{
    const hsts_stats_set_t *set;
    int tries;

    out[0] = '\0';
    if (!vhost || vhost >= stats->n_sets) {
        return 0;
    }
    set = sets_of(stats) + vhost;
    for (tries = 0; tries < 100; tries++) {
        apr_uint32_t before = apr_atomic_read32(&sets_of(stats)[vhost].sent_seq);

        if (before & 1) {
            continue;
        }
        memcpy(out, set->sent, HSTS_SENT_LEN);
        out[HSTS_SENT_LEN - 1] = '\0';
        if (apr_atomic_read32(&sets_of(stats)[vhost].sent_seq) == before) {
            return before != 0;
        }
    }
    out[0] = '\0';
    return 0;
}
