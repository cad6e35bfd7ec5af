/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_auto.c: the status snapshot as ?auto (docs/status.md): one
 * "HstsAudit<Key>: <value>" line each, as mod_status's ?auto, so scripts
 * and monitoring agents read it line by line. Values are one line: control
 * characters become '?'.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "status_model.h"
#include "status_out.h"
#include "hsts_duration.h"

#include <apr_strings.h>

static void auto_line_u64(hsts_out_t *o, const char *key, apr_uint64_t v)
{
    HSTS_OUT_LIT(o, "HstsAudit");
    hsts_out_str(o, key);
    HSTS_OUT_LIT(o, ": ");
    hsts_out_u64(o, v);
    HSTS_OUT_LIT(o, "\n");
}

/* The server's lines: what the mod_status section shows too. */
static void auto_server(hsts_out_t *o, const hsts_status_snapshot_t *snap)
{
    hsts_status_cert_totals_t certs;
    hsts_status_problem_totals_t problems;
    int c;

    HSTS_OUT_LIT(o, "HstsAuditVersion: ");
    hsts_out_auto_value(o, hsts_status_module_version(snap));
    HSTS_OUT_LIT(o, "\n");
    auto_line_u64(o, "Uptime", (apr_uint64_t)(snap->uptime_s > 0 ? snap->uptime_s : 0));
    auto_line_u64(o, "Vhosts", snap->n_vhosts);
    for (c = 0; c < HSTS_C_COUNT; c++) {
        auto_line_u64(o, hsts_status_counter_names[c].auto_key, snap->counters[c]);
    }
    auto_line_u64(o, "Findings", hsts_status_sum_findings(snap->findings, -1));
    auto_line_u64(o, "FindingsErrors",
                  hsts_status_sum_findings(snap->findings, HSTS_SEVERITY_ERROR));
    auto_line_u64(o, "FindingsWarnings",
                  hsts_status_sum_findings(snap->findings, HSTS_SEVERITY_WARNING));
    hsts_status_problem_totals(snap, &problems);
    auto_line_u64(o, "Problems", problems.all);
    auto_line_u64(o, "ProblemsErrors", problems.errors);
    auto_line_u64(o, "ProblemsWarnings", problems.warnings);
    HSTS_OUT_LIT(o, "HstsAuditLastCheck: ");
    if (snap->last_check) {
        hsts_out_iso_time(o, snap->last_check);
    }
    else {
        HSTS_OUT_LIT(o, "-");
    }
    HSTS_OUT_LIT(o, "\n");
    hsts_status_cert_totals(snap, &certs);
    auto_line_u64(o, "CertAudited", certs.audited);
    auto_line_u64(o, "CertProblems", certs.with_findings);
    auto_line_u64(o, "GuardWithhold", hsts_status_count_rows(snap, HSTS_ROW_WITHHOLD));
    auto_line_u64(o, "GuardUnsafeSubdomains", hsts_status_count_rows(snap, HSTS_ROW_UNSAFE));
    if (certs.have_days) {
        HSTS_OUT_LIT(o, "HstsAuditCertMinDaysLeft: ");
        hsts_out_i64(o, certs.min_days_left);
        HSTS_OUT_LIT(o, "\n");
    }
}

/* "HstsAuditVhost.<n>.<key>: " */
static void auto_vhost_key(hsts_out_t *o, apr_size_t n, const char *key)
{
    HSTS_OUT_LIT(o, "HstsAuditVhost.");
    hsts_out_u64(o, n);
    HSTS_OUT_LIT(o, ".");
    hsts_out_str(o, key);
    HSTS_OUT_LIT(o, ": ");
}

static void auto_vhost_u64(hsts_out_t *o, apr_size_t n, const char *key, apr_uint64_t v)
{
    auto_vhost_key(o, n, key);
    hsts_out_u64(o, v);
    HSTS_OUT_LIT(o, "\n");
}

static void auto_vhost_str(hsts_out_t *o, apr_size_t n, const char *key, const char *v)
{
    auto_vhost_key(o, n, key);
    hsts_out_auto_value(o, v);
    HSTS_OUT_LIT(o, "\n");
}

/* The ?auto lines of a vhost's one-value fields of one group (the table
 * in status_model.c). */
static void auto_fields(hsts_out_t *o, apr_size_t n, const hsts_status_vhost_t *v,
                        apr_time_t now, hsts_status_field_group_e group)
{
    int i;

    for (i = 0; i < hsts_status_n_vhost_fields; i++) {
        const hsts_status_field_t *f = hsts_status_vhost_fields + i;
        hsts_status_value_t val = { 0 };

        if (f->group != group || !f->auto_key) {
            continue;
        }
        f->get(v, now, &val);
        if (val.absent) {
            continue;
        }
        if (f->kind == HSTS_FIELD_STR) {
            auto_vhost_str(o, n, f->auto_key, val.str);
        }
        else if (f->kind == HSTS_FIELD_I64) {
            auto_vhost_key(o, n, f->auto_key);
            hsts_out_i64(o, val.i64);
            HSTS_OUT_LIT(o, "\n");
        }
        else if (f->kind != HSTS_FIELD_STRS) {
            auto_vhost_u64(o, n, f->auto_key, val.u64);
        }
    }
}

/* The lines of vhost row n (1-based). */
static void auto_vhost(hsts_out_t *o, apr_size_t n, const hsts_status_vhost_t *v,
                       apr_time_t now)
{
    int c;

    auto_fields(o, n, v, now, HSTS_FIELDS_IDENTITY);
    for (c = 0; c < HSTS_C_COUNT; c++) {
        auto_vhost_u64(o, n, hsts_status_counter_names[c].auto_key, v->counters[c]);
    }
    auto_fields(o, n, v, now, HSTS_FIELDS_SUMMARY);
}

void hsts_status_render_auto(const hsts_status_snapshot_t *snap, unsigned flags,
                             hsts_write_fn write, void *baton, apr_pool_t *scratch)
{
    hsts_out_t o;
    apr_size_t i;
    int c;

    hsts_out_init(&o, write, baton, scratch);
    auto_server(&o, snap);
    if (!(flags & HSTS_STATUS_SECTION)) {
        auto_line_u64(&o, "RecentFindings", snap->n_recent);
        for (c = 0; c < HSTS_F_COUNT; c++) {
            if (hsts_finding_is_problem((hsts_finding_e)c)) {
                continue;       /* a condition, not counted: see Problems */
            }
            HSTS_OUT_LIT(&o, "HstsAuditFinding.");
            hsts_out_str(&o, hsts_finding_info((hsts_finding_e)c)->code);
            HSTS_OUT_LIT(&o, ": ");
            hsts_out_u64(&o, snap->findings[c]);
            HSTS_OUT_LIT(&o, "\n");
        }
        for (i = 0; i < snap->n_vhosts; i++) {
            auto_vhost(&o, i + 1, snap->vhosts + i, snap->now);
        }
    }
    hsts_out_flush(&o);
}
