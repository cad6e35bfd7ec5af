/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_metrics.c: the status snapshot as ?metrics, the Prometheus text
 * exposition format 0.0.4 (docs/status.md): one family per counter, finding
 * and gauge, a sample per vhost with the label vhost="<host:port>" (escaped
 * and made unique).
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

/* One family of per-vhost samples: each row's counters[index], or its
 * findings[index] (finding != 0). */
static void metrics_per_vhost(hsts_out_t *o, const hsts_status_snapshot_t *snap,
                              const char **labels, const char *name, apr_size_t name_len,
                              int finding, int index)
{
    apr_size_t i;

    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;

        metric_sample(o, name, name_len, labels[i]);
        hsts_out_u64(o, finding ? v->findings[index] : v->counters[index]);
        HSTS_OUT_LIT(o, "\n");
    }
}

static void metrics_counters(hsts_out_t *o, const hsts_status_snapshot_t *snap,
                             const char **labels)
{
    char name[128], help[512];
    apr_size_t name_len;
    int c;

    for (c = 0; c < HSTS_C_COUNT; c++) {
        name_len = (apr_size_t)apr_snprintf(name, sizeof(name), "hsts_audit_%s_total",
                                            hsts_status_counter_names[c].key);
        metric_head(o, name, hsts_status_counter_names[c].help, "counter");
        metrics_per_vhost(o, snap, labels, name, name_len, 0, c);
    }
    for (c = 0; c < HSTS_F_COUNT; c++) {
        const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)c);
        char *d;

        name_len = (apr_size_t)apr_snprintf(name, sizeof(name), "hsts_audit_findings_%s_total",
                                            info->code);
        for (d = name; *d; d++) {
            if (*d == '.') {
                *d = '_';
            }
        }
        apr_snprintf(help, sizeof(help), "Responses with finding %s (%s): %s.",
                     info->code, hsts_severity_name(info->severity), info->summary);
        metric_head(o, name, help, "counter");
        metrics_per_vhost(o, snap, labels, name, name_len, 1, c);
    }
}

static void metrics_guard(hsts_out_t *o, const hsts_status_snapshot_t *snap,
                          const char **labels)
{
    static const char withhold[] = "hsts_audit_guard_withhold";
    static const char unsafe[] = "hsts_audit_guard_unsafe_subdomains";
    apr_size_t i;

    metric_head(o, withhold,
                "1 while HSTSGuard withhold stops the vhost's Strict-Transport-Security (a lock-out risk stands), else 0.",
                "gauge");
    for (i = 0; i < snap->n_vhosts; i++) {
        metric_sample(o, withhold, sizeof(withhold) - 1, labels[i]);
        hsts_out_u64(o, snap->vhosts[i].guard_withhold ? 1 : 0);
        HSTS_OUT_LIT(o, "\n");
    }
    metric_head(o, unsafe,
                "Subdomains the vhost's includeSubDomains pins that this server does not serve over HTTPS with a valid certificate (guard.subdomain_not_https).",
                "gauge");
    for (i = 0; i < snap->n_vhosts; i++) {
        const apr_array_header_t *a = snap->vhosts[i].unsafe_subdomains;

        metric_sample(o, unsafe, sizeof(unsafe) - 1, labels[i]);
        hsts_out_u64(o, a ? (apr_uint64_t)a->nelts : 0);
        HSTS_OUT_LIT(o, "\n");
    }
}

static void metrics_certs(hsts_out_t *o, const hsts_status_snapshot_t *snap,
                          const char **labels)
{
    apr_size_t i;
    int have_certs = 0;

    for (i = 0; i < snap->n_vhosts; i++) {
        if (snap->vhosts[i].cert) {
            have_certs = 1;
        }
    }
    if (have_certs) {
        static const char expiry[] = "hsts_audit_server_cert_expiry_timestamp_seconds";
        static const char problems[] = "hsts_audit_server_cert_findings";

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
                    "Findings of the certificate audit for the certificate the vhost serves (0: none).",
                    "gauge");
        for (i = 0; i < snap->n_vhosts; i++) {
            const hsts_status_cert_t *cert = snap->vhosts[i].cert;

            if (cert) {
                metric_sample(o, problems, sizeof(problems) - 1, labels[i]);
                hsts_out_u64(o, (apr_uint64_t)hsts_status_count_bits(cert->findings));
                HSTS_OUT_LIT(o, "\n");
            }
        }
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
    metrics_guard(&o, snap, labels);
    metrics_certs(&o, snap, labels);
    hsts_out_flush(&o);
    apr_pool_destroy(p);
}
