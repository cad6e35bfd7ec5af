/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_cc_sessions.h: the table of TLS sessions whose client certificate the
 * module accepted after the handshake, shared by every child process
 * (design.md section 6, resumption). A TLS 1.2 session ticket is made inside
 * the handshake, before the module's verdict exists; when a client offers
 * such a ticket, the server looks the session up here, and resumes it only
 * when it is found (else: a full handshake). Keyed by 16 bytes the caller
 * derives from the session's master secret (SHA-256, truncated), which only
 * the two ends of that session know.
 *
 * Lock-free: a fixed array of slots in memory the caller provides (shared
 * memory made before the children fork), one slot per key (the key's first
 * 8 bytes pick it), the newest entry wins a slot. Each slot is written as
 * expiry 0, the key, then the expiry, with 64-bit atomic stores (APR); a
 * reader takes the expiry, the key and the expiry again, and finds an entry
 * only when both expiries are equal, non-zero and later than now, and the
 * key is its own. A torn slot (two writers at once) holds a mix of two keys
 * that matches neither: at worst a miss, i.e. a full handshake. Nothing here
 * allocates; no httpd types (unit-tested in tests/unit/test_client_cert.c).
 */
#ifndef HSTS_CC_SESSIONS_H
#define HSTS_CC_SESSIONS_H

#include <apr.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of a key. */
#define HSTS_CC_SESSION_KEY_LEN 16

/** Slots of the server's table (about 24 bytes each). */
#define HSTS_CC_SESSION_SLOTS 16384

typedef struct hsts_cc_sessions hsts_cc_sessions_t;

/**
 * Bytes a table of slots needs (header included).
 * @param slots  number of slots, at least 1
 */
apr_size_t hsts_cc_sessions_size(apr_uint32_t slots);

/**
 * Make an empty table in mem.
 * @param mem    at least hsts_cc_sessions_size(slots) bytes, 8-byte aligned;
 *               owned by the caller (shared memory, or any memory in tests)
 * @param slots  number of slots, at least 1
 * @return the table (pointing into mem), or NULL when slots is 0 or mem NULL
 */
hsts_cc_sessions_t *hsts_cc_sessions_init(void *mem, apr_uint32_t slots);

/**
 * Note that the session with this key was accepted, until expires.
 * @param t        the table (NULL: nothing happens)
 * @param key      HSTS_CC_SESSION_KEY_LEN bytes
 * @param expires  seconds since the epoch when the session times out (the
 *                 entry is found before that second); 0 or less is taken as
 *                 1 (expired for every real time)
 */
void hsts_cc_sessions_put(hsts_cc_sessions_t *t, const unsigned char *key,
                          apr_int64_t expires);

/**
 * Whether the session with this key was accepted and has not expired.
 * @param t    the table (NULL: not found); read only, with atomic loads (not
 *             const: shared memory that other processes write)
 * @param key  HSTS_CC_SESSION_KEY_LEN bytes
 * @param now  seconds since the epoch
 * @return 1 when found and now < its expiry, else 0
 */
int hsts_cc_sessions_get(hsts_cc_sessions_t *t, const unsigned char *key,
                         apr_int64_t now);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_CC_SESSIONS_H */
