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

/* ---- the per-vhost fields of one value each --------------------------------
 * One table drives ?json, ?auto and the HTML details (issue 14): a new field
 * of a vhost is a row here, with its key in each format and how to read it
 * from a row. (?metrics keeps its own short list: what a server exposes is
 * bounded by what the shipped rules and dashboard use, issue 17.)
 * Group IDENTITY comes first in both formats (?json then has the counters,
 * findings, certificate, guard and problems objects; ?auto the counters,
 * then group SUMMARY, which ?json has inside those objects). */
typedef enum {
    HSTS_FIELD_STR,          /* str; NULL: JSON null, ?auto "-" */
    HSTS_FIELD_STRS,         /* strs, a JSON array (NULL: []) */
    HSTS_FIELD_BOOL,         /* u64 0/1: JSON false/true, ?auto 0/1 */
    HSTS_FIELD_U64,          /* u64 */
    HSTS_FIELD_I64           /* i64 */
} hsts_status_field_kind_e;

typedef enum { HSTS_FIELDS_IDENTITY, HSTS_FIELDS_SUMMARY } hsts_status_field_group_e;

typedef struct {
    const char *str;
    const apr_array_header_t *strs;
    apr_uint64_t u64;
    apr_int64_t i64;
    int absent;              /* the field is left out for this row */
} hsts_status_value_t;

typedef struct {
    hsts_status_field_group_e group;
    const char *json_key;    /* NULL: not a top-level key of the vhost in ?json */
    const char *auto_key;    /* NULL: not in ?auto */
    const char *html_label;  /* a line of the vhost's details in HTML, or NULL (the
                                compact row or a section of its own shows it) */
    hsts_status_field_kind_e kind;
    void (*get)(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *out);
} hsts_status_field_t;

/* A vhost's preload standing: 1 eligible, 0 at risk, -1 unknown or none. */
int hsts_status_preload_eligible(const hsts_status_vhost_t *v);

/* The table, in output order, and its length. */
extern const hsts_status_field_t hsts_status_vhost_fields[];
extern const int hsts_status_n_vhost_fields;

/* A sub-pool of scratch, for per-row temporaries (cleared per row,
 * destroyed by the renderer). */
apr_pool_t *hsts_status_row_pool(apr_pool_t *scratch);

#endif /* HSTS_STATUS_MODEL_H */
