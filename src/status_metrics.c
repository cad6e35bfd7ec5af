/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_metrics.c: the status snapshot as ?metrics, the Prometheus text
 * exposition format 0.0.4 (docs/status.md "?metrics"): per vhost (label
 * vhost="<host:port>", escaped and made unique) only the series the shipped
 * alert rules and dashboard use (prometheus/, grafana/): the counters its
 * kind can move, invalid STS, certificate expiry, and standing conditions
 * while they stand; the per-code finding counters once, for the server.
 * Series per vhost stay few, so 5,000 vhosts stay a small scrape
 * (docs/performance.md).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "status_model.h"
#include "status_out.h"
#include "hsts_escape.h"

#include <apr_hash.h>
#include <apr_strings.h>

/* The label value of each row: its name, escaped. No two series of a family
 * may be the same: virtual hosts keep their names (first come, first
 * served), then the main server gets " (main server)" appended when a vhost
 * has its name, and any other repeated name gets "#<row>". */
static const char **metric_labels(const hsts_status_snapshot_t *snap, apr_pool_t *p)
{
    const char **labels = apr_palloc(p, sizeof(*labels) * (snap->n_vhosts + 1));
    apr_hash_t *seen = apr_hash_make(p);
    apr_size_t i;
    int pass;

    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < snap->n_vhosts; i++) {
            const hsts_status_vhost_t *v = snap->vhosts + i;
            /* Unique as escaped: names that differ only in bytes the escaping
             * folds ("a\x01", "a?") must not share a series. */
            const char *label = hsts_prom_label(p, v->name ? v->name : "");
            const char *base;
            apr_size_t n = i + 1;

            if ((pass == 0) == (v->main_server != 0)) {
                continue;
            }
            if (v->main_server && apr_hash_get(seen, label, APR_HASH_KEY_STRING)) {
                label = apr_pstrcat(p, label, " (main server)", NULL);
            }
            for (base = label; apr_hash_get(seen, label, APR_HASH_KEY_STRING); n++) {
                label = apr_psprintf(p, "%s#%" APR_SIZE_T_FMT, base, n);
            }
            apr_hash_set(seen, label, APR_HASH_KEY_STRING, label);
            labels[i] = label;
        }
    }
    return labels;
}

static void metric_head(hsts_out_t *o, const char *name, const char *help, const char *type)
{
    HSTS_OUT_LIT(o, "# HELP ");
    hsts_out_str(o, name);
    HSTS_OUT_LIT(o, " ");
    hsts_out_str(o, help);           /* static text without '\\' or newlines */
    HSTS_OUT_LIT(o, "\n# TYPE ");
    hsts_out_str(o, name);
    HSTS_OUT_LIT(o, " ");
    hsts_out_str(o, type);
    HSTS_OUT_LIT(o, "\n");
}

static void metric_sample(hsts_out_t *o, const char *name, apr_size_t name_len,
                          const char *label)
{
    hsts_out_mem(o, name, name_len);
    HSTS_OUT_LIT(o, "{vhost=\"");
    hsts_out_str(o, label);
    HSTS_OUT_LIT(o, "\"} ");
}

static void metrics_build(hsts_out_t *o, apr_pool_t *p, const hsts_status_snapshot_t *snap)
{
    metric_head(o, "hsts_audit_build_info",
                "Build information of mod_hsts_audit: the value is 1, the version is a label.",
                "gauge");
    HSTS_OUT_LIT(o, "hsts_audit_build_info{version=\"");
    hsts_out_str(o, hsts_prom_label(p, hsts_status_module_version(snap)));
    HSTS_OUT_LIT(o, "\"} 1\n");
    metric_head(o, "hsts_audit_start_time_seconds",
                "When the counters began, in seconds since the epoch (kept across graceful restarts).",
                "gauge");
    HSTS_OUT_LIT(o, "hsts_audit_start_time_seconds ");
    hsts_out_i64(o, apr_time_sec(snap->started));
    HSTS_OUT_LIT(o, "\n");
}

/* Which vhosts carry a counter's series: those of the kind the counter can
 * count (TLS or plain HTTP), and any other whose count is not 0 (a plain-HTTP
 * request on a TLS port, say), so no count is ever hidden. */
enum { ON_TLS = 1, ON_PLAIN = 2 };
static const unsigned char counter_on[HSTS_C_COUNT] = {
    [HSTS_C_REQUESTS_HTTPS] = ON_TLS,
    [HSTS_C_REQUESTS_HTTP] = ON_PLAIN,
    [HSTS_C_STS_ADDED] = ON_TLS,
    [HSTS_C_STS_KEPT] = ON_TLS,
    [HSTS_C_STS_REPLACED] = ON_TLS,
    [HSTS_C_STS_REMOVED] = ON_PLAIN,
    [HSTS_C_STS_WITHHELD] = ON_TLS,
    [HSTS_C_CLIENT_CERT_REJECTED_495] = ON_TLS,
    [HSTS_C_CLIENT_CERT_REJECTED_496] = ON_TLS,
};

static int counter_shown(const hsts_status_vhost_t *v, unsigned on, apr_uint64_t value)
{
    return value != 0 || (on & (v->tls ? ON_TLS : ON_PLAIN));
}

static void metric_u64_line(hsts_out_t *o, const char *name, apr_size_t name_len,
                            const char *label, apr_uint64_t value)
{
    metric_sample(o, name, name_len, label);
    hsts_out_u64(o, value);
    HSTS_OUT_LIT(o, "\n");
}

static void metrics_counters(hsts_out_t *o, const hsts_status_snapshot_t *snap,
                             const char **labels)
{
    char name[128];
    apr_size_t i, name_len;
    int c;

    for (c = 0; c < HSTS_C_COUNT; c++) {
        name_len = (apr_size_t)apr_snprintf(name, sizeof(name), "hsts_audit_%s_total",
                                            hsts_status_counter_names[c].key);
        metric_head(o, name, hsts_status_counter_names[c].help, "counter");
        for (i = 0; i < snap->n_vhosts; i++) {
            const hsts_status_vhost_t *v = snap->vhosts + i;

            if (counter_shown(v, counter_on[c], v->counters[c])) {
                metric_u64_line(o, name, name_len, labels[i], v->counters[c]);
            }
        }
    }
}

/* Responses of the vhost whose first STS field browsers reject: one
 * header.invalid.* finding per such response. */
static apr_uint64_t sts_invalid(const hsts_status_vhost_t *v)
{
    static const hsts_finding_e invalid[] = {
        HSTS_F_HEADER_INVALID_SYNTAX, HSTS_F_HEADER_INVALID_MAX_AGE,
        HSTS_F_HEADER_INVALID_MAX_AGE_MISSING, HSTS_F_HEADER_INVALID_REPEATED_DIRECTIVE,
        HSTS_F_HEADER_INVALID_INCLUDE_SUB_DOMAINS_VALUE, HSTS_F_HEADER_INVALID_TOKEN
    };
    apr_uint64_t n = 0;
    apr_size_t k;

    for (k = 0; k < sizeof(invalid) / sizeof(invalid[0]); k++) {
        n += v->findings[invalid[k]];
    }
    return n;
}

static void metrics_sts_invalid(hsts_out_t *o, const hsts_status_snapshot_t *snap,
                                const char **labels)
{
    static const char name[] = "hsts_audit_sts_invalid_total";
    apr_size_t i;

    metric_head(o, name,
                "Responses whose first Strict-Transport-Security field browsers reject (header.invalid.*).",
                "counter");
    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;
        apr_uint64_t n = sts_invalid(v);

        if (counter_shown(v, ON_TLS, n)) {
            metric_u64_line(o, name, sizeof(name) - 1, labels[i], n);
        }
    }
}

/* The findings counted per response or connection (events: header.*,
 * redirects.*, client_cert.*), for the whole server, one series per code.
 * cert.* and guard.* are problems, never counted (design.md section 4). */
static void metrics_findings(hsts_out_t *o, const hsts_status_snapshot_t *snap)
{
    static const char name[] = "hsts_audit_findings_total";
    int c;

    metric_head(o, name,
                "Findings on responses and connections of the whole server, by finding code (design.md section 4).",
                "counter");
    for (c = 0; c < HSTS_F_COUNT; c++) {
        const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)c);

        if (hsts_finding_is_problem((hsts_finding_e)c)) {
            continue;
        }
        HSTS_OUT_LIT(o, "hsts_audit_findings_total{code=\"");
        hsts_out_str(o, info->code);             /* static: [a-z0-9_.] only */
        HSTS_OUT_LIT(o, "\",severity=\"");
        hsts_out_str(o, hsts_severity_name(info->severity));
        HSTS_OUT_LIT(o, "\"} ");
        hsts_out_u64(o, snap->findings[c]);
        HSTS_OUT_LIT(o, "\n");
    }
}

/* Gauges of standing conditions: a vhost has a series only while its value
 * is not 0 (a problem is never shown as a count of zero). */
static void metrics_guard(hsts_out_t *o, const hsts_status_snapshot_t *snap,
                          const char **labels)
{
    static const char withhold[] = "hsts_audit_guard_withhold";
    static const char unsafe[] = "hsts_audit_guard_unsafe_subdomains";
    apr_size_t i;

    metric_head(o, withhold,
                "1 while HSTSGuard withhold stops the vhost's Strict-Transport-Security (a lock-out risk stands); no series otherwise.",
                "gauge");
    for (i = 0; i < snap->n_vhosts; i++) {
        if (snap->vhosts[i].guard_withhold) {
            metric_u64_line(o, withhold, sizeof(withhold) - 1, labels[i], 1);
        }
    }
    metric_head(o, unsafe,
                "Subdomains the vhost's includeSubDomains pins that this server does not serve over HTTPS with a valid certificate (guard.subdomain_not_https); no series while there are none.",
                "gauge");
    for (i = 0; i < snap->n_vhosts; i++) {
        const apr_array_header_t *a = snap->vhosts[i].unsafe_subdomains;

        if (a && a->nelts > 0) {
            metric_u64_line(o, unsafe, sizeof(unsafe) - 1, labels[i], (apr_uint64_t)a->nelts);
        }
    }
}

static void metrics_certs(hsts_out_t *o, const hsts_status_snapshot_t *snap,
                          const char **labels)
{
    static const char expiry[] = "hsts_audit_server_cert_expiry_timestamp_seconds";
    static const char problems[] = "hsts_audit_server_cert_findings";
    apr_size_t i;
    int have_certs = 0;

    for (i = 0; i < snap->n_vhosts; i++) {
        if (snap->vhosts[i].cert) {
            have_certs = 1;
        }
    }
    if (!have_certs) {
        return;
    }
    metric_head(o, expiry,
                "When the certificate the vhost serves expires (notAfter), in seconds since the epoch.",
                "gauge");
    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_cert_t *cert = snap->vhosts[i].cert;

        if (cert && cert->not_after) {
            metric_sample(o, expiry, sizeof(expiry) - 1, labels[i]);
            hsts_out_i64(o, apr_time_sec(cert->not_after));
            HSTS_OUT_LIT(o, "\n");
        }
    }
    metric_head(o, problems,
                "Findings of the certificate audit for the certificate the vhost serves; no series while there are none.",
                "gauge");
    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_cert_t *cert = snap->vhosts[i].cert;

        if (cert && cert->findings) {
            metric_u64_line(o, problems, sizeof(problems) - 1, labels[i],
                            (apr_uint64_t)hsts_status_count_bits(cert->findings));
        }
    }
}

/* The current problems (design.md section 7): hsts_audit_problem{vhost,
 * code,severity} 1 while one stands (the series goes when it clears), and
 * when the audit last ran. Label values: vhost names and static codes. */
static void metrics_problems(hsts_out_t *o, const hsts_status_snapshot_t *snap,
                             const char **labels)
{
    apr_size_t i, j;

    metric_head(o, "hsts_audit_problem",
                "1 while a problem (cert.*, guard.*, ramp.held, the self-check's) stands on the vhost; the series goes when it clears.",
                "gauge");
    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;

        for (j = 0; j < v->n_problems; j++) {
            const hsts_finding_info_t *info = hsts_finding_info(v->problems[j].code);

            HSTS_OUT_LIT(o, "hsts_audit_problem{vhost=\"");
            hsts_out_str(o, labels[i]);
            HSTS_OUT_LIT(o, "\",code=\"");
            hsts_out_str(o, info->code);
            HSTS_OUT_LIT(o, "\",severity=\"");
            hsts_out_str(o, hsts_severity_name(v->problems[j].severity));
            HSTS_OUT_LIT(o, "\"} 1\n");
        }
    }
    if (snap->last_check) {
        metric_head(o, "hsts_audit_last_check_timestamp_seconds",
                    "When the certificates of every vhost were last audited (startup or the watch), in seconds since the epoch.",
                    "gauge");
        HSTS_OUT_LIT(o, "hsts_audit_last_check_timestamp_seconds ");
        hsts_out_i64(o, apr_time_sec(snap->last_check));
        HSTS_OUT_LIT(o, "\n");
    }
}

/* hsts_audit_ramp_max_age_seconds{vhost} for vhosts with a ramp and
 * hsts_audit_preload_eligible{vhost} (0/1) for vhosts whose preload
 * standing is known (design.md section 7); each family only when it has a
 * series. */
static void metrics_ramp_preload(hsts_out_t *o, const hsts_status_snapshot_t *snap,
                                 const char **labels)
{
    apr_size_t i;
    int head = 0;

    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;

        if (!v->ramp) {
            continue;
        }
        if (!head++) {
            metric_head(o, "hsts_audit_ramp_max_age_seconds",
                        "The max-age the vhost's HSTSMaxAgeRamp serves now, in seconds.",
                        "gauge");
        }
        HSTS_OUT_LIT(o, "hsts_audit_ramp_max_age_seconds{vhost=\"");
        hsts_out_str(o, labels[i]);
        HSTS_OUT_LIT(o, "\"} ");
        hsts_out_i64(o, v->ramp->max_age);
        HSTS_OUT_LIT(o, "\n");
    }
    for (i = 0, head = 0; i < snap->n_vhosts; i++) {
        int eligible = hsts_status_preload_eligible(snap->vhosts + i);

        if (eligible < 0) {
            continue;
        }
        if (!head++) {
            metric_head(o, "hsts_audit_preload_eligible",
                        "1 while the self-check finds the vhost eligible for the HSTS preload list, 0 at risk (hstspreload.org's checks).",
                        "gauge");
        }
        HSTS_OUT_LIT(o, "hsts_audit_preload_eligible{vhost=\"");
        hsts_out_str(o, labels[i]);
        HSTS_OUT_LIT(o, "\"} ");
        hsts_out_i64(o, eligible);
        HSTS_OUT_LIT(o, "\n");
    }
}

void hsts_status_render_metrics(const hsts_status_snapshot_t *snap,
                                hsts_write_fn write, void *baton, apr_pool_t *scratch)
{
    apr_pool_t *p = hsts_status_row_pool(scratch);
    const char **labels = metric_labels(snap, p);
    hsts_out_t o;

    hsts_out_init(&o, write, baton, p);
    metrics_build(&o, p, snap);
    metrics_counters(&o, snap, labels);
    metrics_sts_invalid(&o, snap, labels);
    metrics_findings(&o, snap);
    metrics_guard(&o, snap, labels);
    metrics_certs(&o, snap, labels);
    metrics_problems(&o, snap, labels);
    metrics_ramp_preload(&o, snap, labels);
    hsts_out_flush(&o);
    apr_pool_destroy(p);
}
