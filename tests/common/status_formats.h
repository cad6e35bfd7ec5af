/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_formats.h: checkers of the status page's machine-readable formats
 * (docs/status.md), shared by the unit tests (tests/unit/test_status.c) and
 * the fuzzer (tests/fuzz/fuzz_render.c). Each returns NULL when the text
 * keeps every rule, otherwise what is wrong and where (allocated from p).
 * text need not be NUL-terminated: len bytes are checked.
 */
#ifndef HSTS_TEST_STATUS_FORMATS_H
#define HSTS_TEST_STATUS_FORMATS_H

#include <apr_pools.h>

/* ?json: exactly one JSON value (RFC 8259, nesting up to 64 deep), optional
 * white space around it, in valid UTF-8 (RFC 3629). */
const char *fmtcheck_json(const char *text, apr_size_t len, apr_pool_t *p);

/* ?metrics: the Prometheus text format 0.0.4 as the module writes it: the
 * text ends with "\n", no empty line, no control byte but "\n"; each family
 * announced by "# HELP name text" (text not empty) then "# TYPE name
 * counter|gauge" before its samples, counters named *_total, no other
 * comment; a sample is name[{label="value",...}] value, the labels vhost
 * (version on hsts_audit_build_info, code,severity on hsts_audit_findings_total),
 * label values with the escapes \\ \" \n only, the value an integer; no
 * series (name and labels) twice. */
const char *fmtcheck_metrics(const char *text, apr_size_t len, apr_pool_t *p);

/* ?auto: lines "HstsAudit<key>: <value>", the key of [A-Za-z0-9_.], the
 * value not empty; the text ends with "\n", no empty line, no control byte
 * but "\n". */
const char *fmtcheck_auto(const char *text, apr_size_t len, apr_pool_t *p);

/* Any format: no control byte (below 0x20, 0x7F) but "\n". */
const char *fmtcheck_no_controls(const char *text, apr_size_t len, apr_pool_t *p);

#endif /* HSTS_TEST_STATUS_FORMATS_H */
