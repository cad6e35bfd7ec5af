/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_out.h (private to the status renderers): the output buffer every
 * format writes through, and the escaping of a value for each format.
 *
 * Text is collected in a buffer of HSTS_OUT_SIZE bytes and handed to the
 * caller's hsts_write_fn in chunks, so the httpd glue makes one bucket per
 * chunk, not one per field. The escapers take a pool for their temporaries:
 * the renderers pass a per-row pool they clear, so memory stays bounded by
 * one row.
 */
#ifndef HSTS_STATUS_OUT_H
#define HSTS_STATUS_OUT_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_time.h>

#include "hsts_status.h"

#define HSTS_OUT_SIZE 16384

typedef struct {
    hsts_write_fn write;
    void *baton;
    char *buf;               /* HSTS_OUT_SIZE bytes from the init pool */
    apr_size_t n;            /* bytes in buf not yet written */
} hsts_out_t;

/* Start a buffer that writes to write(baton, ...); the buffer is allocated
 * from p, which must outlive every use of o. */
void hsts_out_init(hsts_out_t *o, hsts_write_fn write, void *baton, apr_pool_t *p);
/* Hand what is buffered to the writer (nothing when empty). */
void hsts_out_flush(hsts_out_t *o);
/* Append len bytes (a chunk larger than the buffer goes straight through). */
void hsts_out_mem(hsts_out_t *o, const char *s, apr_size_t len);
/* Append a NUL-terminated string, as it is (the caller escapes). */
void hsts_out_str(hsts_out_t *o, const char *s);
/* Append a number in decimal. */
void hsts_out_u64(hsts_out_t *o, apr_uint64_t v);
void hsts_out_i64(hsts_out_t *o, apr_int64_t v);
/* Append t as ISO 8601 UTC ("2026-01-02T03:04:05Z", hsts_iso8601). */
void hsts_out_iso_time(hsts_out_t *o, apr_time_t t);
/* Append s as a JSON string literal with quotes (hsts_json_string), or null
 * when s is NULL; temporaries from p. */
void hsts_out_json(hsts_out_t *o, apr_pool_t *p, const char *s);
/* Append s as HTML text: control characters as a visible \xNN, then APR's
 * entity escaping (& < > " '); NULL appends nothing; temporaries from p. */
void hsts_out_html(hsts_out_t *o, apr_pool_t *p, const char *s);
/* Append s as a ?auto value: one line, control characters as '?', "-" for
 * NULL or "". */
void hsts_out_auto_value(hsts_out_t *o, const char *s);
/* Append "<n> <one>" or "<n> <many>" ("1 error", "3 errors"). */
void hsts_out_count(hsts_out_t *o, apr_uint64_t n, const char *one, const char *many);

/* Append a string literal (a compile error for anything else). */
#define HSTS_OUT_LIT(o, lit) hsts_out_mem((o), "" lit, sizeof(lit) - 1)

#endif /* HSTS_STATUS_OUT_H */
