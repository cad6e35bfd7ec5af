/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_duration.h: durations and dates: the HSTSMaxAge argument ("31536000",
 * "1y", "18w", "30d"), whole days until a date, a date in ISO 8601.
 */
#ifndef HSTS_DURATION_H
#define HSTS_DURATION_H

#include <apr.h>
#include <apr_time.h>

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

/**
 * Whole days from now to t, rounded down: floor((t - now) / 86400 s). 0 from
 * 24 hours before t up to t, negative once t has passed (-1 for up to 24
 * hours past it, -2 for the next day, ...): a certificate's "days left".
 * @param t, now  APR times (microseconds)
 * @return days
 */
apr_int64_t hsts_days_until(apr_time_t t, apr_time_t now);

/** Bytes of an ISO 8601 time as hsts_iso8601() writes it, with the NUL. */
#define HSTS_ISO8601_SIZE 21

/**
 * t in ISO 8601, UTC, to the second: "2026-12-06T08:10:58Z"
 * (apr_time_exp_gmt).
 * @param buf  room for HSTS_ISO8601_SIZE bytes
 * @param t    an APR time (microseconds)
 * @return buf; "" when t has no such form (a year outside 0..9999)
 */
const char *hsts_iso8601(char *buf, apr_time_t t);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_DURATION_H */
