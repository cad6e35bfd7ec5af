/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * output_sink.h: a writer for the status renderers (hsts_status_write_fn,
 * include/hsts_status.h) that collects what they write into one growing
 * NUL-terminated buffer. Shared by the unit tests (tests/unit/test_status.c),
 * the fuzzer (tests/fuzz/fuzz_render.c) and the render benchmark
 * (bench/render_json.c).
 */
#ifndef HSTS_TEST_OUTPUT_SINK_H
#define HSTS_TEST_OUTPUT_SINK_H

#include <apr.h>

typedef struct {
    char *data;            /* malloc'ed, NUL-terminated; NULL before the first write */
    apr_size_t len;        /* bytes written (without the NUL) */
    apr_size_t cap;        /* bytes allocated */
    int calls;             /* writes since the last sink_reset */
    int empty_calls;       /* of those, writes of 0 bytes (the renderers never make one) */
    apr_size_t max_chunk;  /* the largest single write */
} sink_t;

/* The writer: baton is a sink_t *. Appends len bytes of data (aborts when
 * memory runs out). */
void sink_write(void *baton, const char *data, apr_size_t len);

/* Empties the sink (keeps its buffer for the next render). */
void sink_reset(sink_t *s);

/* Frees the buffer; the sink is empty and may be used again. */
void sink_free(sink_t *s);

#endif /* HSTS_TEST_OUTPUT_SINK_H */
