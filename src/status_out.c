/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_out.c: the status renderers' output buffer and per-format value
 * escaping (see status_out.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "status_out.h"
#include "hsts_duration.h"
#include "hsts_escape.h"

#include <apr_escape.h>

#include <string.h>

void hsts_out_init(hsts_out_t *o, hsts_write_fn write, void *baton, apr_pool_t *p)
{
    o->write = write;
    o->baton = baton;
    o->buf = apr_palloc(p, HSTS_OUT_SIZE);
    o->n = 0;
}

void hsts_out_flush(hsts_out_t *o)
{
    if (o->n) {
        o->write(o->baton, o->buf, o->n);
        o->n = 0;
    }
}

void hsts_out_mem(hsts_out_t *o, const char *s, apr_size_t len)
{
    if (len > HSTS_OUT_SIZE - o->n) {
        hsts_out_flush(o);
        if (len >= HSTS_OUT_SIZE) {
            o->write(o->baton, s, len);
            return;
        }
    }
    memcpy(o->buf + o->n, s, len);
    o->n += len;
}

/* lit must be a string literal ("" lit does not compile otherwise). */
#define XX(o, lit) hsts_out_mem((o), "" lit, sizeof(lit) - 1)

void hsts_out_str(hsts_out_t *o, const char *s)
{
    hsts_out_mem(o, s, strlen(s));
}

void hsts_out_u64(hsts_out_t *o, apr_uint64_t v)
{
    char tmp[24], *p = tmp + sizeof(tmp);

    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    hsts_out_mem(o, p, (apr_size_t)(tmp + sizeof(tmp) - p));
}

void hsts_out_i64(hsts_out_t *o, apr_int64_t v)
{
    if (v < 0) {
        HSTS_OUT_LIT(o, "-");
        hsts_out_u64(o, (apr_uint64_t)0 - (apr_uint64_t)v);
    }
    else {
        hsts_out_u64(o, (apr_uint64_t)v);
    }
}

void hsts_out_iso_time(hsts_out_t *o, apr_time_t t)
{
    char buf[HSTS_ISO8601_SIZE];

    hsts_out_str(o, hsts_iso8601(buf, t));
}

void hsts_out_json(hsts_out_t *o, apr_pool_t *p, const char *s)
{
    if (!s) {
        HSTS_OUT_LIT(o, "null");
        return;
    }
    hsts_out_str(o, hsts_json_string(p, s, strlen(s)));
}

void hsts_out_html(hsts_out_t *o, apr_pool_t *p, const char *s)
{
    if (s) {
        hsts_out_str(o, apr_pescape_entity(p, hsts_ctl_to_hex(p, s), 0));
    }
}

void hsts_out_auto_value(hsts_out_t *o, const char *s)
{
    const char *start;

    if (!s || !*s) {
        HSTS_OUT_LIT(o, "-");
        return;
    }
    for (start = s; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c < 0x20 || c == 0x7F) {
            hsts_out_mem(o, start, (apr_size_t)(s - start));
            HSTS_OUT_LIT(o, "?");
            start = s + 1;
        }
    }
    hsts_out_mem(o, start, (apr_size_t)(s - start));
}

void hsts_out_count(hsts_out_t *o, apr_uint64_t n, const char *one, const char *many)
{
    hsts_out_u64(o, n);
    HSTS_OUT_LIT(o, " ");
    hsts_out_str(o, n == 1 ? one : many);
}
