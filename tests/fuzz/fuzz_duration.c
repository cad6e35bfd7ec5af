/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * fuzz_duration.c: libFuzzer target for hsts_duration_parse()
 * (include/hsts_duration.h), the parser of HSTSMaxAge's argument.
 *
 * The input, up to its first NUL byte, is the directive argument. The result
 * is compared with a reference written from the header's contract: decimal
 * digits, then at most one unit letter s m h d w y (either case), nothing else;
 * the value (digits times unit) at most HSTS_DURATION_MAX. On success the
 * seconds are exactly that; on failure the output is untouched and the message
 * is a non-empty sentence. Any difference calls abort().
 *
 *   make tests/fuzz/fuzz_duration && tests/fuzz/fuzz_duration -max_total_time=60
 */
#include "hsts_duration.h"
#include "fuzz_require.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The contract, spelled out: 1 and *out on success, 0 on failure. */
static int reference(const char *s, apr_int64_t *out)
{
    unsigned __int128 number = 0, unit = 1;
    const char *p = s;

    if (!(*p >= '0' && *p <= '9')) {
        return 0;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        number = number * 10 + (unsigned)(*p - '0');
        if (number > (unsigned __int128)HSTS_DURATION_MAX) {
            number = (unsigned __int128)HSTS_DURATION_MAX + 1;   /* saturate */
        }
    }
    if (*p) {
        switch (*p) {
        case 's': case 'S': unit = 1; break;
        case 'm': case 'M': unit = 60; break;
        case 'h': case 'H': unit = 3600; break;
        case 'd': case 'D': unit = 86400; break;
        case 'w': case 'W': unit = 604800; break;
        case 'y': case 'Y': unit = 31536000; break;
        default: return 0;
        }
        if (p[1]) {
            return 0;
        }
    }
    if (number * unit > (unsigned __int128)HSTS_DURATION_MAX) {
        return 0;
    }
    *out = (apr_int64_t)(number * unit);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const apr_int64_t sentinel = APR_INT64_C(-7777777);
    apr_int64_t got = sentinel, want = sentinel;
    char *arg = malloc(size + 1);          /* exact size: ASan sees any over-read */
    const char *err;
    int ok;

    require(arg != NULL);
    memcpy(arg, data, size);
    arg[size] = '\0';
    err = hsts_duration_parse(arg, &got);
    ok = reference(arg, &want);
    if (ok) {
        require(err == NULL);
        require(got == want);
        require(got >= 0 && got <= HSTS_DURATION_MAX);
    }
    else {
        require(err != NULL && err[0] != '\0' && strlen(err) < 512);
        require(got == sentinel);
    }
    free(arg);
    require(hsts_duration_parse(NULL, &got) != NULL && got == (ok ? want : sentinel));
    return 0;
}
