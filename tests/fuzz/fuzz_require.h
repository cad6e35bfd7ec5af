/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * fuzz_require.h: the check every fuzzer makes. require(condition): when the
 * condition is false, print the fuzzer's file and line to stderr and abort(),
 * so libFuzzer keeps the input as tests/fuzz/crash-<sha1>.
 */
#ifndef FUZZ_REQUIRE_H
#define FUZZ_REQUIRE_H

#include <stdio.h>
#include <stdlib.h>

static inline void fuzz_require_at(int condition, const char *file, int line)
{
    if (!condition) {
        fprintf(stderr, "%s:%d: check failed\n", file, line);
        abort();
    }
}
#define require(condition) fuzz_require_at((condition), __FILE__, __LINE__)

#endif /* FUZZ_REQUIRE_H */
