/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * output_sink.c: see output_sink.h. */
#include "output_sink.h"

#include <stdlib.h>
#include <string.h>

void sink_write(void *baton, const char *data, apr_size_t len)
{
    sink_t *s = baton;

    s->calls++;
    if (len == 0) {
        s->empty_calls++;
        return;
    }
    if (s->len + len + 1 > s->cap) {
        s->cap = (s->len + len + 1) * 2;
        s->data = realloc(s->data, s->cap);
        if (!s->data) {
            abort();
        }
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    s->data[s->len] = '\0';
    if (len > s->max_chunk) {
        s->max_chunk = len;
    }
}

void sink_reset(sink_t *s)
{
    s->len = 0;
    s->calls = 0;
    s->empty_calls = 0;
    s->max_chunk = 0;
    if (s->data) {
        s->data[0] = '\0';
    }
}

void sink_free(sink_t *s)
{
    free(s->data);
    s->data = NULL;
    s->cap = 0;
    sink_reset(s);
}
