/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * fuzz_ramp.c: libFuzzer target for the max-age ramp's parsers
 * (include/hsts_ramp.h): hsts_ramp_state_parse(), which reads a state file
 * from HSTSStateDir (a file anyone with write access there, a full disk or a
 * crash mid-write can leave in any shape), and hsts_ramp_parse(), the
 * arguments of HSTSMaxAgeRamp.
 *
 * The input is the file's bytes. Checked: an accepted state holds a max-age
 * of 1 s to 1000 years, times not after now + 1 day and clean_since not
 * before since, and formats back to text that parses to the same state; a
 * refused one comes with a message and a zeroed state; hsts_ramp_index_for()
 * of any accepted max-age stays within the steps and never above the
 * max-age reached (or the first). The input split at spaces is also given to
 * hsts_ramp_parse(): accepted steps are strictly increasing and >= 1 s.
 * Any difference calls abort().
 *
 *   make tests/fuzz/fuzz_ramp && tests/fuzz/fuzz_ramp -max_total_time=60
 */
#include "hsts_ramp.h"
#include "hsts_duration.h"
#include "fuzz_require.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW apr_time_from_sec(1800000000)

static apr_pool_t *pool;

static void check_state(const char *text, size_t size)
{
    hsts_ramp_state_t st, back;
    const char *why = hsts_ramp_state_parse(text, size, NOW, &st);
    const char *again;
    hsts_ramp_t ramp = { { 20, 40, 86400, 31536000 }, 4, NULL };
    int i;

    if (why) {
        hsts_ramp_state_t zero;

        memset(&zero, 0, sizeof(zero));
        require(why[0] != '\0' && !memcmp(&st, &zero, sizeof(st)));
        return;
    }
    require(st.max_age >= 1 && st.max_age <= HSTS_DURATION_MAX);
    require(st.since <= NOW + apr_time_from_sec(86400));
    require(st.clean_since >= st.since && st.clean_since <= NOW + apr_time_from_sec(86400));
    again = hsts_ramp_state_format(pool, &st);
    require(hsts_ramp_state_parse(again, strlen(again), NOW, &back) == NULL);
    require(!memcmp(&st, &back, sizeof(st)));
    i = hsts_ramp_index_for(&ramp, st.max_age);
    require(i >= 0 && i < ramp.n_steps);
    require(i == 0 || ramp.steps[i] <= st.max_age);
}

static void check_steps(const char *text, size_t size)
{
    char *copy = apr_pstrmemdup(pool, text, size), *last = NULL, *w;
    char *argv[HSTS_RAMP_MAX_STEPS + 2];
    int argc = 0, i;
    hsts_ramp_t ramp;

    memset(&ramp, 0, sizeof(ramp));
    for (w = apr_strtok(copy, " ", &last); w && argc < HSTS_RAMP_MAX_STEPS + 2;
         w = apr_strtok(NULL, " ", &last)) {
        argv[argc++] = w;
    }
    if (hsts_ramp_parse(pool, argc, argv, &ramp) != NULL) {
        require(ramp.n_steps == 0);
        return;
    }
    require(ramp.n_steps == argc && argc >= 1 && argc <= HSTS_RAMP_MAX_STEPS);
    for (i = 0; i < ramp.n_steps; i++) {
        require(ramp.steps[i] >= 1 && ramp.steps[i] <= HSTS_DURATION_MAX);
        require(i == 0 || ramp.steps[i] > ramp.steps[i - 1]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);    /* exact size: ASan sees any over-read */

    require(text != NULL);
    if (!pool) {
        apr_initialize();
        apr_pool_create(&pool, NULL);
    }
    memcpy(text, data, size);
    check_state(text, size);
    if (size < 4096) {
        check_steps(text, size);
    }
    free(text);
    apr_pool_clear(pool);
    return 0;
}
