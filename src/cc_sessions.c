/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * cc_sessions.c: the table of accepted TLS sessions (include/hsts_cc_sessions.h).
 */
#include "hsts_cc_sessions.h"

#include <apr_atomic.h>

#include <stddef.h>
#include <string.h>

typedef struct {
    volatile apr_uint64_t expires;       /* seconds since the epoch; 0: empty */
    volatile apr_uint64_t key[2];
} slot_t;

struct hsts_cc_sessions {
    apr_uint32_t slots;
    apr_uint32_t reserved;
    slot_t slot[];
};

apr_size_t hsts_cc_sessions_size(apr_uint32_t slots)
{
    return offsetof(struct hsts_cc_sessions, slot) + (apr_size_t)slots * sizeof(slot_t);
}

hsts_cc_sessions_t *hsts_cc_sessions_init(void *mem, apr_uint32_t slots)
{
    hsts_cc_sessions_t *t = mem;

    if (!mem || !slots) {
        return NULL;
    }
    memset(mem, 0, hsts_cc_sessions_size(slots));
    t->slots = slots;
    return t;
}

static void words_of(const unsigned char *key, apr_uint64_t w[2])
{
    memcpy(w, key, HSTS_CC_SESSION_KEY_LEN);
}

static slot_t *slot_of(hsts_cc_sessions_t *t, const apr_uint64_t w[2])
{
    return &t->slot[w[0] % t->slots];
}

void hsts_cc_sessions_put(hsts_cc_sessions_t *t, const unsigned char *key,
                          apr_int64_t expires)
{
    apr_uint64_t w[2];
    slot_t *s;

    if (!t) {
        return;
    }
    words_of(key, w);
    s = slot_of(t, w);
    apr_atomic_set64(&s->expires, 0);
    apr_atomic_set64(&s->key[0], w[0]);
    apr_atomic_set64(&s->key[1], w[1]);
    apr_atomic_set64(&s->expires, expires > 0 ? (apr_uint64_t)expires : 1);
}

int hsts_cc_sessions_get(hsts_cc_sessions_t *t, const unsigned char *key,
                         apr_int64_t now)
{
    apr_uint64_t w[2], e1, k0, k1, e2;
    slot_t *s;

    if (!t) {
        return 0;
    }
    words_of(key, w);
    s = slot_of(t, w);
    e1 = apr_atomic_read64(&s->expires);
    k0 = apr_atomic_read64(&s->key[0]);
    k1 = apr_atomic_read64(&s->key[1]);
    e2 = apr_atomic_read64(&s->expires);
    return e1 && e1 == e2 && now >= 0 && (apr_uint64_t)now < e1 && k0 == w[0] && k1 == w[1];
}
