/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * duration.c: HSTSMaxAge durations (design.md section 2).
 */
#include "hsts_duration.h"

#include <apr_lib.h>
#include <apr_strings.h>

static apr_int64_t unit_seconds(char unit)
{
    switch (apr_tolower((unsigned char)unit)) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    case 'w': return 604800;
    case 'y': return 31536000;
    default:  return 0;
    }
}

const char *hsts_duration_parse(const char *arg, apr_int64_t *seconds)
{
    const char *p = arg;
    apr_int64_t number = 0, unit = 1;

    if (!arg || !*arg) {
        return "needs a duration, e.g. 31536000, 1y, 18w or 30d";
    }
    if (!apr_isdigit((unsigned char)*p)) {
        return "must be a whole number of seconds, or a number with a unit "
               "s, m, h, d, w or y (e.g. 31536000, 1y, 18w); no sign, no spaces";
    }
    for (; apr_isdigit((unsigned char)*p); p++) {
        number = number * 10 + (*p - '0');
        if (number > HSTS_DURATION_MAX) {
            return "is too large: at most 1000y (browsers store at most 1y)";
        }
    }
    if (*p) {
        unit = unit_seconds(*p);
        if (!unit || p[1]) {
            return "has an unknown unit or trailing text: use seconds, or a number "
                   "followed by one of s, m, h, d, w, y (e.g. 1y, 18w, 30d)";
        }
    }
    if (number > HSTS_DURATION_MAX / unit) {
        return "is too large: at most 1000y (browsers store at most 1y)";
    }
    *seconds = number * unit;
    return NULL;
}

apr_int64_t hsts_days_until(apr_time_t t, apr_time_t now)
{
    const apr_int64_t day = APR_INT64_C(86400) * APR_USEC_PER_SEC;
    apr_int64_t diff = t - now;
    apr_int64_t d = diff / day;

    if (diff < 0 && diff % day) {
        d--;                    /* C division truncates toward zero: floor it */
    }
    return d;
}

const char *hsts_iso8601(char *buf, apr_time_t t)
{
    apr_time_exp_t x;

    buf[0] = '\0';
    if (apr_time_exp_gmt(&x, t) == APR_SUCCESS && x.tm_year >= -1900 && x.tm_year <= 8099) {
        apr_snprintf(buf, HSTS_ISO8601_SIZE, "%04d-%02d-%02dT%02d:%02d:%02dZ",
                     x.tm_year + 1900, x.tm_mon + 1, x.tm_mday, x.tm_hour, x.tm_min,
                     x.tm_sec);
    }
    return buf;
}
