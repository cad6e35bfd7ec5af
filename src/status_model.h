/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_model.h (private to the status renderers): what every format reads
 * besides the snapshot itself: the names of the counters in each format,
 * and the totals derived from a snapshot. Each format is rendered from the
 * same snapshot (include/hsts_status.h) by its own file: status_html.c,
 * status_auto.c, status_json.c, status_metrics.c.
 */
#ifndef HSTS_STATUS_MODEL_H
#define HSTS_STATUS_MODEL_H

#include "hsts_status.h"

/* A counter's name in every format. All strings static. */
typedef struct {
    const char *key;        /* JSON key; the metric is hsts_audit_<key>_total */
    const char *auto_key;   /* ?auto: HstsAudit<auto_key> */
    const char *label;      /* HTML column */
    const char *help;       /* metrics HELP */
} hsts_status_counter_name_t;

/* Indexed by hsts_counter_e. */
extern const hsts_status_counter_name_t hsts_status_counter_names[HSTS_C_COUNT];

/* The module name and version a snapshot shows (defaults for NULL). */
const char *hsts_status_module_name(const hsts_status_snapshot_t *snap);
const char *hsts_status_module_version(const hsts_status_snapshot_t *snap);

/* The sum of findings[] over one severity, or over all when severity < 0. */
apr_uint64_t hsts_status_sum_findings(const apr_uint64_t *findings, int severity);

/* How many findings a set holds. */
int hsts_status_count_bits(hsts_findings_t set);

/* How many vhost rows withhold STS (HSTS_ROW_WITHHOLD) or pin unsafe
 * subdomains (HSTS_ROW_UNSAFE). */
enum { HSTS_ROW_WITHHOLD, HSTS_ROW_UNSAFE };
apr_uint64_t hsts_status_count_rows(const hsts_status_snapshot_t *snap, int what);

/* The certificate totals of a snapshot: vhosts audited, those with cert
 * findings, and the fewest days left (have_days 0 when no notAfter known). */
typedef struct {
    apr_uint64_t audited;
    apr_uint64_t with_findings;
    apr_int64_t min_days_left;
    int have_days;
} hsts_status_cert_totals_t;
void hsts_status_cert_totals(const hsts_status_snapshot_t *snap,
                             hsts_status_cert_totals_t *t);

/* The problems of a snapshot: all, and by severity. */
typedef struct {
    apr_uint64_t all;
    apr_uint64_t errors;
    apr_uint64_t warnings;
} hsts_status_problem_totals_t;
void hsts_status_problem_totals(const hsts_status_snapshot_t *snap,
                                hsts_status_problem_totals_t *t);

/* A sub-pool of scratch, for per-row temporaries (cleared per row,
 * destroyed by the renderer). */
apr_pool_t *hsts_status_row_pool(apr_pool_t *scratch);

#endif /* HSTS_STATUS_MODEL_H */
