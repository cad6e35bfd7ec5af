/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_stats.h: the statistics the module shares between all child processes
 * and threads: counters (server totals and one set per vhost), finding counts,
 * the log rate-limit slots, and the ring of recent findings.
 *
 * The area is one block of memory laid out by this file; the httpd glue puts
 * it in an anonymous APR shared-memory segment created before the children
 * fork (so every MPM sees the same counters), the unit tests in plain memory.
 * Updates are lock-free APR atomics; readers may see a counter a moment
 * before another, never a torn value.
 */
#ifndef HSTS_STATS_H
#define HSTS_STATS_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_time.h>

#include "hsts_findings.h"
#include "hsts_problems.h"
#include "hsts_ramp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Counters of design.md section 7 ("totals"); names are the JSON keys. */
typedef enum {
    HSTS_C_REQUESTS_HTTPS = 0,
    HSTS_C_REQUESTS_HTTP,
    HSTS_C_STS_ADDED,
    HSTS_C_STS_KEPT,
    HSTS_C_STS_REPLACED,
    HSTS_C_STS_REMOVED,
    HSTS_C_STS_WITHHELD,
    HSTS_C_CLIENT_CERT_REJECTED_495,
    HSTS_C_CLIENT_CERT_REJECTED_496,
    HSTS_C_COUNT
} hsts_counter_e;

#define HSTS_STATS_NAME_LEN 128   /**< bytes kept of a vhost name (with NUL) */
#define HSTS_RING_HOST_LEN 96     /**< bytes kept of a Host (with NUL) */
#define HSTS_RING_PATH_LEN 160    /**< bytes kept of a path (with NUL) */
#define HSTS_SENT_LEN 128         /**< bytes kept of the last STS value sent (with NUL) */

/** One set of counters: index 0 is the whole server, 1..n the vhosts. */
typedef struct {
    char name[HSTS_STATS_NAME_LEN];                  /**< "host:port", "" for totals */
    volatile apr_uint64_t counters[HSTS_C_COUNT];
    volatile apr_uint64_t findings[HSTS_F_COUNT];
    /** Minute (apr_time_sec / 60) of the last log line per finding. */
    volatile apr_uint32_t last_logged[HSTS_F_COUNT];
    /** The vhost's current problems (the totals set's stays unused). */
    hsts_problems_t problems;
    /** The vhost's max-age ramp (HSTSMaxAgeRamp; unused without one). It is
     *  not carried over a restart: post_config reads it from HSTSStateDir. */
    hsts_ramp_slot_t ramp;
    /** The Strict-Transport-Security value the vhost's HTTPS responses last
     *  carried (the policy, or a value the module kept), written only when it
     *  changes; sent_seq: odd while written, 0 never written. */
    volatile apr_uint32_t sent_seq;
    char sent[HSTS_SENT_LEN];
} hsts_stats_set_t;

/** One entry of the recent-findings ring. */
typedef struct {
    volatile apr_uint32_t seq;       /**< odd while being written */
    apr_uint32_t number;             /**< which entry ever written (ring_next when claimed) */
    apr_uint32_t vhost;              /**< set index (1..n) */
    apr_time_t time;                 /**< when (microseconds since the epoch) */
    hsts_findings_t findings;
    char host[HSTS_RING_HOST_LEN];   /**< as the client sent it, truncated */
    char path[HSTS_RING_PATH_LEN];   /**< as the client sent it, truncated */
} hsts_ring_entry_t;

/** The area's header; the sets and the ring follow it. */
typedef struct {
    apr_uint32_t magic;
    apr_uint32_t n_sets;             /**< vhosts + 1 */
    apr_uint32_t ring_size;          /**< entries in the ring (>= 1) */
    apr_uint32_t reserved;
    apr_time_t started;              /**< when the area was first created */
    volatile apr_uint32_t ring_next; /**< entries ever written (wraps) */
    volatile apr_uint64_t last_check; /**< apr_time_t of the last audit of all
                                          vhosts (startup or the watch), 0 never */
} hsts_stats_t;

/**
 * Bytes an area for n_vhosts and ring_size entries needs.
 * @param n_vhosts   virtual hosts (the server totals come on top)
 * @param ring_size  recent-findings entries (HSTSRecentFindings), >= 1
 */
apr_size_t hsts_stats_size(apr_uint32_t n_vhosts, apr_uint32_t ring_size);

/**
 * Lay out an area in memory of hsts_stats_size() bytes, zeroing it.
 * @param mem        the memory (e.g. apr_shm_baseaddr_get()), suitably aligned
 * @param n_vhosts, ring_size  as hsts_stats_size()
 * @param now        the creation time (apr_time_now())
 * @return the area (== mem)
 */
hsts_stats_t *hsts_stats_init(void *mem, apr_uint32_t n_vhosts,
                              apr_uint32_t ring_size, apr_time_t now);

/**
 * Carry counters over from an old area (graceful restart with a changed
 * number of vhosts or ring size): totals always, each vhost set whose name
 * matches (counters, and its problems with their first-seen times), the
 * start time and the last check. The ring is not carried over.
 * @param to    a freshly initialised area with its names set
 * @param from  the previous area (may be NULL: nothing happens)
 */
void hsts_stats_carry_over(hsts_stats_t *to, const hsts_stats_t *from);

/**
 * A set of counters (0 = server totals, 1..n_sets-1 = vhosts).
 * @return the set, or the totals set when index is out of range
 */
hsts_stats_set_t *hsts_stats_set(hsts_stats_t *stats, apr_uint32_t index);

/**
 * Count one event in a vhost's set and in the totals (atomic, lock-free).
 * @param stats  the area
 * @param vhost  vhost set index (1..n); 0 counts in the totals only
 */
void hsts_stats_count(hsts_stats_t *stats, apr_uint32_t vhost, hsts_counter_e counter);

/** Count each finding of a set, in a vhost's set and in the totals. */
void hsts_stats_count_findings(hsts_stats_t *stats, apr_uint32_t vhost,
                               hsts_findings_t findings);

/**
 * Whether a log line for this finding and vhost may be written now: at most
 * one per finding, vhost and minute, across all processes (compare-and-swap
 * on the minute, so exactly one caller wins).
 * @param now  apr_time_now()
 * @return 1 to log, 0 to stay quiet
 */
int hsts_stats_may_log(hsts_stats_t *stats, apr_uint32_t vhost,
                       hsts_finding_e finding, apr_time_t now);

/**
 * Note the Strict-Transport-Security value a vhost's HTTPS response carried
 * (design.md section 7: what left the server, beside what is configured).
 * Per response: one atomic load and a comparison; the value is written
 * (seqlock, compare-and-swap to claim) only when it differs from the one
 * kept; a concurrent writer's value wins and this one is dropped.
 * @param vhost  set index (1..n); others are ignored
 * @param value  the field value as sent (any bytes; cut to HSTS_SENT_LEN - 1)
 */
void hsts_stats_note_sent(hsts_stats_t *stats, apr_uint32_t vhost, const char *value,
                          apr_size_t len);

/**
 * The last value noted for a vhost.
 * @param out   room for HSTS_SENT_LEN bytes; "" when none was noted or no
 *              consistent copy could be made
 * @return 1 when out holds a value, else 0
 */
int hsts_stats_read_sent(hsts_stats_t *stats, apr_uint32_t vhost, char *out);

/**
 * Add an entry to the recent-findings ring (lock-free; a slot is claimed with
 * an atomic increment, written under its odd sequence number).
 * @param host, path  request data, copied and truncated (any bytes; the
 *                    renderers escape them); NULL is stored as ""
 */
void hsts_stats_ring_add(hsts_stats_t *stats, apr_uint32_t vhost, apr_time_t now,
                         hsts_findings_t findings, const char *host, const char *path);

/** Where a reader of the ring is: the ring as it was when reading began
 *  (written), and how many entries back from the newest it has gone. */
typedef struct {
    apr_uint32_t written;            /**< ring_next when hsts_stats_ring_start ran */
    apr_uint32_t age;                /**< next entry to read: 0 is the newest */
} hsts_ring_cursor_t;

/**
 * Start reading the ring, newest first, as it is now. Entries written after
 * this are not read; entries overwritten while reading are skipped (each
 * entry carries its number, so an overwritten slot is never taken for the
 * entry that was there).
 * @param stats  the area: read only (atomic loads), but shared memory that
 *               other processes write, so not const (APR's atomic loads take
 *               a non-const pointer)
 * @param cur    out
 * @return the entries that are complete now (an upper bound of what the
 *         reads will return)
 */
apr_uint32_t hsts_stats_ring_start(hsts_stats_t *stats, hsts_ring_cursor_t *cur);

/**
 * Copy the next entries (newest first) from where cur is, skipping entries
 * being written or overwritten since hsts_stats_ring_start.
 * @param out  room for max entries
 * @return how many were copied; 0 at the end
 */
apr_uint32_t hsts_stats_ring_next(hsts_stats_t *stats, hsts_ring_cursor_t *cur,
                                  hsts_ring_entry_t *out, apr_uint32_t max);

/**
 * Copy up to max of the ring's entries, newest first (start + next).
 * @return how many were copied
 */
apr_uint32_t hsts_stats_ring_read(hsts_stats_t *stats, hsts_ring_entry_t *out,
                                  apr_uint32_t max);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_STATS_H */
