/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_status.h: the status page's renderers (design.md section 7; formats in
 * docs/status.md): HTML, "?auto" Key: value lines, JSON and the Prometheus
 * text exposition format 0.0.4, for the hsts-audit-status handler and the
 * section in mod_status's /server-status.
 *
 * Pure APR, no httpd types: the glue (src/mod_hsts_status.c) builds a
 * snapshot from the server_rec chain and the shared statistics area, the
 * renderers turn it into text through a caller-supplied writer, and the unit
 * tests and bench/ do the same with hand-made snapshots.
 *
 * Everything in a snapshot is treated as untrusted bytes: request data
 * (Host, path) and configuration names alike are escaped for the format
 * (HTML entities, JSON string literals, Prometheus label values); a control
 * character never reaches the output raw.
 */
#ifndef HSTS_STATUS_H
#define HSTS_STATUS_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "hsts_findings.h"
#include "hsts_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where rendered text goes: called with chunks of up to a few KiB (the
 *  renderers buffer), never with len 0. */
typedef void (*hsts_write_fn)(void *baton, const char *data, apr_size_t len);

/** The certificate a TLS vhost serves, as the certificate audit (design.md
 *  section 5) saw it at startup. Every field may be left empty. */
typedef struct hsts_status_cert {
    const char *subject;             /**< one-line DN, or NULL */
    const char *issuer;              /**< one-line DN, or NULL */
    apr_time_t not_after;            /**< end of validity, 0 when unknown */
    apr_array_header_t *names;       /**< const char *: the SAN DNS/IP names, or NULL */
    int chain_complete;              /**< 1 yes, 0 no, -1 unknown (JSON null) */
    hsts_findings_t findings;        /**< the cert.* findings */
} hsts_status_cert_t;

/** A problem that stands (design.md section 4): a cert.* or guard.*
 *  condition, with the time the audit first saw it. */
typedef struct hsts_status_problem {
    hsts_finding_e code;             /**< a code with hsts_finding_is_problem() */
    hsts_severity_e severity;        /**< this time (cert.chain_expiring may be a warning) */
    apr_time_t since;                /**< first seen (0: unknown) */
    const char *detail;              /**< what exactly (names not covered, OpenSSL's
                                          reason, notAfter...), or NULL; untrusted bytes */
} hsts_status_problem_t;

/** A vhost's max-age ramp (design.md section 5b), as every format shows it. */
typedef struct hsts_status_ramp {
    const apr_int64_t *steps;        /**< the configured max-ages, seconds */
    int n_steps;
    int step;                        /**< 0-based index of the step served (JSON: 1-based) */
    apr_int64_t max_age;             /**< served now, seconds */
    apr_time_t since;                /**< when this step was first served, 0 unknown */
    apr_int64_t next_max_age;        /**< the next step's max-age, or -1 at the last */
    apr_time_t next_at;              /**< the earliest time of the next step, 0 at the last */
    apr_time_t held_at;              /**< the last time something held this step, or 0 */
    hsts_findings_t held_by;         /**< what held it then (0: not held at this step) */
} hsts_status_ramp_t;

/** A vhost's preload standing by the self-check (design.md section 5c). */
typedef struct hsts_status_preload {
    const char *verdict;             /**< "eligible", "at risk" or "unknown" (static) */
    const apr_array_header_t *codes; /**< const char *: hstspreload's codes that failed
                                          (static strings), or NULL */
    apr_time_t checked_at;           /**< when the self-check ran, 0 not yet */
    const char *note;                /**< why the verdict is unknown (e.g. "could not
                                          connect: ..."), or NULL; untrusted bytes */
} hsts_status_preload_t;

/** One row of the vhost table: one counter set of the statistics area. */
typedef struct hsts_status_vhost {
    const char *name;                /**< "host:port" */
    apr_array_header_t *aliases;     /**< const char *: ServerAlias names, or NULL */
    int tls;                         /**< 1 when mod_ssl serves TLS on it */
    /** 1 for the main server (outside any <VirtualHost>): it answers on
     *  addresses no vhost claims, and may share its "host:port" with one. */
    int main_server;
    const char *mode;                /**< the vhost's effective HSTSMode name */
    const char *policy;              /**< the vhost's STS policy, or NULL for none */
    /** The STS value its HTTPS responses last carried (the policy, or a
     *  kept one from the application), or NULL before the first; untrusted. */
    const char *sent_policy;
    apr_uint64_t counters[HSTS_C_COUNT];
    apr_uint64_t findings[HSTS_F_COUNT];
    /** NULL until the certificate audit has something to say (not TLS, or
     *  not audited): JSON null, "not audited" in HTML, no metrics. */
    const hsts_status_cert_t *cert;
    /** The lock-out guard (design.md section 5): subdomains this vhost's
     *  includeSubDomains pins but the server does not serve safely
     *  (guard.subdomain_not_https; const char *), or NULL; and whether
     *  HSTSGuard withhold stops this vhost's STS. */
    apr_array_header_t *unsafe_subdomains;
    int guard_withhold;
    /** The vhost's current problems, errors first, then in table order, each
     *  code at most once (?metrics has a series per code); the certificate's
     *  findings in cert are the current ones too. */
    const hsts_status_problem_t *problems;
    apr_size_t n_problems;
    /** The max-age ramp (HSTSMaxAgeRamp), or NULL: JSON null, no ?auto
     *  RampMaxAge, no metric. */
    const hsts_status_ramp_t *ramp;
    /** The preload standing (vhosts that send preload, HSTSSelfCheck on),
     *  or NULL: JSON null, no ?auto PreloadEligible, no metric. */
    const hsts_status_preload_t *preload;
} hsts_status_vhost_t;

/** One entry of the recent-findings ring, newest first in a snapshot. */
typedef struct hsts_status_recent {
    apr_time_t time;
    const char *vhost;               /**< the vhost's name ("host:port") */
    const char *host;                /**< as the client sent it (untrusted) */
    const char *path;                /**< as the client sent it (untrusted) */
    hsts_findings_t findings;
} hsts_status_recent_t;

/** What the renderers show: a consistent copy, read once. */
typedef struct hsts_status_snapshot {
    const char *module;              /**< "mod_hsts_audit" when NULL */
    const char *version;             /**< the module's version; NULL: hsts_status_version() */
    const char *server_description;  /**< optional (HTML footer), e.g. "Apache/2.4.62 (Debian)" */
    const char *server_name;         /**< optional (HTML title); may come from a request */
    apr_time_t now;                  /**< render time: days_left and uptime are relative to it */
    apr_time_t started;              /**< when counting began (survives graceful restarts) */
    apr_int64_t uptime_s;            /**< (now - started) in seconds */
    apr_uint32_t recent_capacity;    /**< HSTSRecentFindings */
    apr_time_t last_check;           /**< when every vhost was last audited (startup or
                                          the watch, design.md section 5a), 0: never */
    apr_uint64_t counters[HSTS_C_COUNT];   /**< server totals */
    apr_uint64_t findings[HSTS_F_COUNT];   /**< server totals */
    const hsts_status_vhost_t *vhosts;
    apr_size_t n_vhosts;
    /** The recent findings, newest first: either an array (hand-made
     *  snapshots: tests, bench) or, when ring is set (hsts_status_snapshot_init),
     *  read from the shared ring in small parts while rendering, so memory
     *  stays bounded whatever HSTSRecentFindings is. n_recent is the count
     *  when the snapshot was taken; entries overwritten before they are
     *  rendered are left out. Read them with hsts_status_recent_each(). */
    const hsts_status_recent_t *recent;
    apr_size_t n_recent;
    hsts_stats_t *ring;
    hsts_ring_cursor_t ring_from;
} hsts_status_snapshot_t;

typedef enum {
    HSTS_STATUS_HTML = 0,            /**< the default page */
    HSTS_STATUS_AUTO,                /**< ?auto: "HstsAudit...: value" lines */
    HSTS_STATUS_JSON,                /**< ?json */
    HSTS_STATUS_METRICS              /**< ?metrics: Prometheus text format 0.0.4 */
} hsts_status_format_e;

/** Rendering options (flags). */
#define HSTS_STATUS_SECTION  0x1     /**< a section inside mod_status's page
                                          (HTML: no <html> frame; auto: totals only) */
#define HSTS_STATUS_NOTABLE  0x2     /**< HTML without tables (mod_status ?notable) */

/** The longest ?refresh accepted; larger values are clamped (as mod_status). */
#define HSTS_STATUS_REFRESH_MAX 3600
/** ?refresh without a usable number (as mod_status). */
#define HSTS_STATUS_REFRESH_DEFAULT 10

typedef struct hsts_status_query {
    hsts_status_format_e format;
    int refresh;                     /**< seconds, 0 when not asked for */
} hsts_status_query_t;

/**
 * Parse a query string: "auto", "json", "metrics" select the format (the
 * first one named wins; "name=value" is accepted for each), "refresh=N"
 * asks for a refresh every N seconds (1..HSTS_STATUS_REFRESH_MAX; "refresh"
 * alone or a bad N: HSTS_STATUS_REFRESH_DEFAULT). Separators '&' and ';';
 * unknown parameters are ignored.
 * @param args  the query string without '?', or NULL
 * @param q     out
 */
void hsts_status_parse_query(const char *args, hsts_status_query_t *q);

/** The version this core was built as (configure's PACKAGE_VERSION); what
 *  the renderers show when a snapshot's version is NULL. */
const char *hsts_status_version(void);

/** The Content-Type of a format ("text/html; charset=utf-8", ...). */
const char *hsts_status_content_type(hsts_status_format_e format);

/** The JSON key of a counter ("requests_https", ...), NULL when out of range. */
const char *hsts_status_counter_key(hsts_counter_e counter);

/**
 * Fill the server-wide part of a snapshot from a statistics area: zeroes
 * *snap, then sets now, started, uptime_s, recent_capacity, last_check, the totals and
 * (with_recent) where the recent ring is read from and n_recent; nothing of
 * the ring is copied here. module, version, vhosts etc. are the caller's.
 * @param p            unused (kept for the callers; nothing is allocated)
 * @param stats        the area (read with atomic loads, never written; not const:
 *                     shared memory other processes write, see hsts_stats_ring_read)
 * @param with_recent  0 to skip the ring (mod_status section, metrics)
 */
void hsts_status_snapshot_init(hsts_status_snapshot_t *snap, apr_pool_t *p,
                               hsts_stats_t *stats, apr_time_t now,
                               int with_recent);

/** Called for each recent entry: index counts from 0 in the order given
 *  (newest first); e and its strings live in p, which is cleared after the
 *  call. */
typedef void (*hsts_status_recent_fn)(void *baton, apr_pool_t *p, apr_size_t index,
                                      const hsts_status_recent_t *e);

/**
 * Call fn for each recent entry of a snapshot, newest first: the array, or
 * the shared ring read a few entries at a time (each entry's vhost named
 * from its counter set). Memory: a fixed buffer on the stack and p, cleared
 * per entry.
 * @param p  pool for each entry's strings (cleared before each call)
 * @return how many entries fn was called with (<= n_recent)
 */
apr_size_t hsts_status_recent_each(const hsts_status_snapshot_t *snap, apr_pool_t *p,
                                   hsts_status_recent_fn fn, void *baton);

/**
 * Copy one counter set (1..n) of the area into a vhost row's counters and
 * findings (atomic loads).
 */
void hsts_status_vhost_counters(hsts_status_vhost_t *row, hsts_stats_t *stats,
                                apr_uint32_t index);

/**
 * Render a snapshot.
 * @param format   which format
 * @param snap     the snapshot (not modified)
 * @param flags    HSTS_STATUS_SECTION, HSTS_STATUS_NOTABLE
 * @param refresh  HTML: seconds for a meta refresh (0: none)
 * @param write    the writer, called with buffered chunks
 * @param baton    passed to write
 * @param scratch  pool for temporaries (cleared sub-pools are used per row,
 *                 so memory stays bounded for any number of rows)
 */
void hsts_status_render(hsts_status_format_e format, const hsts_status_snapshot_t *snap,
                        unsigned flags, int refresh, hsts_write_fn write, void *baton,
                        apr_pool_t *scratch);

/** The same, one function per format. */
void hsts_status_render_html(const hsts_status_snapshot_t *snap, unsigned flags, int refresh,
                             hsts_write_fn write, void *baton, apr_pool_t *scratch);
void hsts_status_render_auto(const hsts_status_snapshot_t *snap, unsigned flags,
                             hsts_write_fn write, void *baton, apr_pool_t *scratch);
void hsts_status_render_json(const hsts_status_snapshot_t *snap,
                             hsts_write_fn write, void *baton, apr_pool_t *scratch);
void hsts_status_render_metrics(const hsts_status_snapshot_t *snap,
                                hsts_write_fn write, void *baton, apr_pool_t *scratch);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_STATUS_H */
