/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * duration.c: HSTSMaxAge durations (design.md section 2).
 */
#include "hsts_duration.h"

#include <apr_lib.h>

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
