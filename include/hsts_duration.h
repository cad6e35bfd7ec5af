/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_duration.h: the HSTSMaxAge argument, "31536000", "1y", "18w", "30d".
 */
#ifndef HSTS_DURATION_H
#define HSTS_DURATION_H

#include <apr.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The largest HSTSMaxAge accepted, in seconds (1000 years): far past what any
 *  browser stores (Chromium 1 year, Firefox 100 years), small enough that the
 *  header value stays short and no arithmetic can overflow. */
#define HSTS_DURATION_MAX APR_INT64_C(31536000000)

/**
 * Parse a duration: plain decimal seconds, or a decimal number followed by one
 * unit letter, s (seconds), m (minutes), h (hours), d (days, 86400 s),
 * w (weeks, 604800 s), y (years of 365 days, 31536000 s). No sign, no spaces,
 * no fractions; upper-case units are accepted.
 * @param arg      NUL-terminated text (a directive argument); not kept
 * @param seconds  out: the duration in seconds, 0..HSTS_DURATION_MAX; untouched on error
 * @return NULL on success, else a static English message saying what is wrong
 *         (for the caller to prefix with the directive name)
 */
const char *hsts_duration_parse(const char *arg, apr_int64_t *seconds);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_DURATION_H */
