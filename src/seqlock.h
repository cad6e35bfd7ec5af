/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * seqlock.h (private to the core): the read side of the seqlocks that guard
 * records in shared memory with one writer and many readers (the problems
 * record, src/problems.c; the ramp's slot, src/ramp.c). The writer makes the
 * sequence odd, writes, and makes it even again (never 0 once written).
 */
#ifndef HSTS_SEQLOCK_H
#define HSTS_SEQLOCK_H

#include <apr_atomic.h>

#include <string.h>

/* How often a reader tries for a consistent copy before giving up. */
#define HSTS_SEQLOCK_TRIES 100

/* Copy size bytes of src (guarded by *seq) into out, consistently: 1 when a
 * written record was copied, 0 when none was ever written or no consistent
 * copy came within HSTS_SEQLOCK_TRIES (out is then zeroed). */
static APR_INLINE int hsts_seqlock_read(volatile apr_uint32_t *seq, const void *src,
                                        void *out, apr_size_t size)
{
    int tries;

    for (tries = 0; tries < HSTS_SEQLOCK_TRIES; tries++) {
        apr_uint32_t before = apr_atomic_read32(seq);

        if (before & 1) {
            continue;
        }
        memcpy(out, src, size);
        if (apr_atomic_read32(seq) == before) {
            return before != 0;
        }
    }
    memset(out, 0, size);
    return 0;
}

#endif /* HSTS_SEQLOCK_H */
