/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_escape.h: escaping for the formats the module writes: JSON strings
 * (RFC 8259 §7), Prometheus label values (text exposition format 0.0.4).
 * HTML escaping uses APR's apr_pescape_entity(). Anything that came from a
 * request (Host, path, header values) goes through one of these.
 */
#ifndef HSTS_ESCAPE_H
#define HSTS_ESCAPE_H

#include <apr_pools.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A JSON string literal, with the quotes, for len bytes of s (RFC 8259 §7):
 * '"' and '\\' escaped, control characters as \n, \r, \t or \u00XX, bytes
 * >= 0x80 that are not valid UTF-8 as \u00XX of the byte (so the output is
 * always valid JSON and valid UTF-8), valid UTF-8 passed through.
 * @param p    pool for the result
 * @param s    the bytes (may contain NUL when len says so); NULL gives "null"
 * @param len  their count
 * @return the NUL-terminated literal, allocated from p
 */
const char *hsts_json_string(apr_pool_t *p, const char *s, apr_size_t len);

/**
 * A Prometheus label value (without quotes): '\\' as \\\\, '"' as \\", newline
 * as \\n (text exposition format 0.0.4); other control bytes become '?'.
 * @param p  pool for the result
 * @param s  NUL-terminated text
 * @return the escaped text, allocated from p
 */
const char *hsts_prom_label(apr_pool_t *p, const char *s);

/**
 * len bytes of s with every control character (0x00-0x1F, 0x7F; NUL
 * included) as '?': text from a client or a certificate made one line of
 * printable bytes, for a page or a report (bytes >= 0x80 pass unchanged).
 * @param p    pool for the result
 * @param s    the bytes (len of them; NULL gives NULL)
 * @param len  their count
 * @return a NUL-terminated copy from p, or NULL
 */
char *hsts_ctl_to_question(apr_pool_t *p, const char *s, apr_size_t len);

/**
 * s with every control character (0x01-0x1F, 0x7F) written as \xNN (two
 * lower-case hex digits), as httpd's error log shows them.
 * @param p  pool for a copy
 * @param s  NUL-terminated text, or NULL
 * @return s itself when it has no control character (or is NULL), else a
 *         copy from p
 */
const char *hsts_ctl_to_hex(apr_pool_t *p, const char *s);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_ESCAPE_H */
