/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_ramp.h: the max-age ramp (design.md section 5b, HSTSMaxAgeRamp,
 * HSTSRampHold): the advice of every HSTS deployment guide (start at
 * max-age=300, raise it step by step to a year once HTTPS works for every
 * host name) as data and decisions. Pure APR: the module keeps the state in
 * shared memory and in a file per vhost (HSTSStateDir), the watchdog calls
 * hsts_ramp_decide() after each audit round, and the unit tests call it with
 * literals.
 *
 * Times are APR times (microseconds since the epoch); durations and max-ages
 * are seconds.
 */
#ifndef HSTS_RAMP_H
#define HSTS_RAMP_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_time.h>

#include "hsts_findings.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The most steps HSTSMaxAgeRamp takes (5m 1h 1d 1w 30d 1y is six). */
#define HSTS_RAMP_MAX_STEPS 16

/** A ramp as configured: built once at configuration time, read-only after. */
typedef struct hsts_ramp {
    apr_int64_t steps[HSTS_RAMP_MAX_STEPS]; /**< max-age of each step, seconds,
                                                 strictly increasing, each >= 1 */
    int n_steps;                             /**< 1..HSTS_RAMP_MAX_STEPS */
    const char *set_at;                      /**< "file:line" of the directive, or NULL */
} hsts_ramp_t;

/** Where a vhost's ramp stands: what the state file and the shared memory
 *  hold (the step as its max-age, so a changed step list keeps it). */
typedef struct {
    apr_int64_t max_age;     /**< the max-age served now, seconds (a step's) */
    apr_time_t since;        /**< when that step was first served */
    apr_time_t clean_since;  /**< when the current hold began: the step's start, or
                                  the last time something held the ramp */
    apr_time_t held_at;      /**< the last time something held it, 0 never (at this step) */
    hsts_findings_t held_by; /**< what held it then (error problems and events) */
} hsts_ramp_state_t;

/** What hsts_ramp_decide() did. */
typedef enum {
    HSTS_RAMP_STAY = 0,      /**< nothing wrong, hold not over yet (or at the last step) */
    HSTS_RAMP_ADVANCED,      /**< the hold was clean: the next step is served from now */
    HSTS_RAMP_HELD           /**< something is wrong: the hold starts again */
} hsts_ramp_action_e;

/**
 * Parse HSTSMaxAgeRamp's arguments: durations as HSTSMaxAge takes them
 * (hsts_duration_parse: "300", "5m", "1d", "1y"), strictly increasing,
 * each at least 1 second, at most HSTS_RAMP_MAX_STEPS.
 * @param argc, argv  the arguments (not kept)
 * @param ramp        out: the steps (set_at untouched); untouched on error
 * @param p           pool for the error message
 * @return NULL on success, else a message naming the bad argument and the
 *         fix (for the caller to prefix with the directive and file:line)
 */
const char *hsts_ramp_parse(apr_pool_t *p, int argc, char *const argv[], hsts_ramp_t *ramp);

/**
 * The step to serve for a max-age reached before (from the state file): its
 * own step when the list still has it, else the largest step not above it,
 * else the first (design.md 5b: a changed step list never raises the
 * max-age beyond what was reached).
 * @param ramp     the configured steps
 * @param reached  max-age in seconds; <= 0 means none reached (the first step)
 * @return an index 0..n_steps-1
 */
int hsts_ramp_index_for(const hsts_ramp_t *ramp, apr_int64_t reached);

/**
 * How long step `index` must be served with nothing wrong before the next:
 * HSTSRampHold when set, else the step's own max-age (every browser that
 * stored it has then seen it expire or be refreshed).
 * @param ramp   the steps
 * @param hold   HSTSRampHold in seconds, or < 0 when not set
 * @param index  0..n_steps-1
 * @return seconds
 */
apr_int64_t hsts_ramp_hold(const hsts_ramp_t *ramp, apr_int64_t hold, int index);

/**
 * One decision of the ramp, after an audit round (design.md 5b): with
 * `wrong` non-empty the step stays and the hold starts again at now
 * (HELD); else when the hold that began at clean_since is over and there
 * is a next step, the next step starts at now (ADVANCED); else nothing
 * changes (STAY). The ramp never goes down.
 * @param ramp   the steps
 * @param hold   HSTSRampHold in seconds, or < 0 (each step's own max-age)
 * @param cur    the state now (its max-age is a step of ramp: see
 *               hsts_ramp_index_for)
 * @param wrong  the error problems and error events seen since the last
 *               decision (0: clean)
 * @param now    APR time
 * @param next   out: the new state (may be cur)
 * @return what was done
 */
hsts_ramp_action_e hsts_ramp_decide(const hsts_ramp_t *ramp, apr_int64_t hold,
                                    const hsts_ramp_state_t *cur, hsts_findings_t wrong,
                                    apr_time_t now, hsts_ramp_state_t *next);

/**
 * When the next step can come at the earliest: clean_since + the step's
 * hold; 0 at the last step.
 * @return APR time, or 0
 */
apr_time_t hsts_ramp_next_at(const hsts_ramp_t *ramp, apr_int64_t hold,
                             const hsts_ramp_state_t *st);

/**
 * The state as the text of a state file: "key value" lines (max_age,
 * since, clean_since, held_at in seconds since the epoch; held_by as codes
 * separated by spaces), under a comment line.
 * @param p   pool for the result
 * @param st  the state
 * @return NUL-terminated text from p
 */
const char *hsts_ramp_state_format(apr_pool_t *p, const hsts_ramp_state_t *st);

/**
 * Read a state file's text strictly: every line known, each key once,
 * max_age, since and clean_since present, numbers in range, times not after
 * now + 1 day (a clock set back is not trusted either way: the caller
 * falls back to the first step).
 * @param text, len  the file's bytes (need not be NUL-terminated)
 * @param now        APR time
 * @param st         out: the state; zeroed on error
 * @return NULL on success, else a static message saying what is wrong
 */
const char *hsts_ramp_state_parse(const char *text, apr_size_t len, apr_time_t now,
                                  hsts_ramp_state_t *st);

/** A vhost's ramp in shared memory: one writer (the watchdog, or
 *  post_config before the children start), any number of readers. */
typedef struct {
    volatile apr_uint32_t step;  /**< index + 1 of the step served; 0: not published
                                      (the first step); read once per response */
    volatile apr_uint32_t seq;   /**< seqlock of the rest: odd while written */
    hsts_ramp_state_t state;
} hsts_ramp_slot_t;

/**
 * Publish a state: the rest first, then the step index (so a response never
 * sees a step whose state is not there yet).
 * @param slot   the vhost's slot in shared memory
 * @param index  0-based step of st.max_age
 * @param st     the state
 */
void hsts_ramp_publish(hsts_ramp_slot_t *slot, int index, const hsts_ramp_state_t *st);

/**
 * The step a response serves: one atomic read of shared memory.
 * @param slot      the vhost's slot
 * @param n_steps   the configured number of steps (a larger index, from a
 *                  changed configuration not yet published, gives the first)
 * @return an index 0..n_steps-1
 */
int hsts_ramp_current(hsts_ramp_slot_t *slot, int n_steps);

/**
 * A consistent copy of the state (seqlock: a few retries, then zeroes).
 * @param slot  the vhost's slot
 * @param out   out: the state
 * @return 1 when a published state was read, 0 none (out zeroed)
 */
int hsts_ramp_read(hsts_ramp_slot_t *slot, hsts_ramp_state_t *out);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_RAMP_H */
