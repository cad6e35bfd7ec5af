/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_model.c: the status page's data model (design.md section 7,
 * docs/status.md): the query that picks a format, the snapshot read from
 * the statistics area, the totals derived from it, and the one entry point
 * that renders a snapshot in a format. Each format has its own file
 * (status_html.c, status_auto.c, status_json.c, status_metrics.c); they
 * all read the same snapshot, as mod_md renders one status model to each
 * of its formats.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "status_model.h"
#include "hsts_duration.h"

#include <apr_atomic.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <string.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

const char *hsts_status_version(void)
{
    return PACKAGE_VERSION;
}

/* ---- names ------------------------------------------------------------ */

const hsts_status_counter_name_t hsts_status_counter_names[HSTS_C_COUNT] = {
    { "requests_https", "RequestsHttps", "HTTPS responses",
      "HTTPS responses the module examined (every HSTSMode but off)." },
    { "requests_http", "RequestsHttp", "HTTP responses",
      "Plain-HTTP responses the module examined (every HSTSMode but off)." },
    { "sts_added", "StsAdded", "STS added",
      "HTTPS responses without a valid Strict-Transport-Security that got the configured policy." },
    { "sts_kept", "StsKept", "STS kept",
      "HTTPS responses whose valid Strict-Transport-Security from the application was kept." },
    { "sts_replaced", "StsReplaced", "STS replaced",
      "HTTPS responses whose Strict-Transport-Security fields were replaced by the configured policy." },
    { "sts_removed", "StsRemoved", "STS removed",
      "Plain-HTTP responses Strict-Transport-Security was removed from (RFC 6797 section 7.2)." },
    { "sts_withheld", "StsWithheld", "STS withheld",
      "HTTPS responses Strict-Transport-Security was withheld from by HSTSGuard withhold." },
    { "client_cert_rejected_495", "ClientCertRejected495", "Rejected 495",
      "Requests rejected because the client certificate failed verification (495 or the configured status)." },
    { "client_cert_rejected_496", "ClientCertRejected496", "Rejected 496",
      "Requests rejected because no client certificate was sent (496 or the configured status)." },
};

const char *hsts_status_counter_key(hsts_counter_e counter)
{
    if ((int)counter < 0 || counter >= HSTS_C_COUNT) {
        return NULL;
    }
    return hsts_status_counter_names[counter].key;
}

const char *hsts_status_content_type(hsts_status_format_e format)
{
    switch (format) {
    case HSTS_STATUS_AUTO:
        return "text/plain; charset=utf-8";
    case HSTS_STATUS_JSON:
        return "application/json";
    case HSTS_STATUS_METRICS:
        return "text/plain; version=0.0.4; charset=utf-8";
    default:
        return "text/html; charset=utf-8";
    }
}

/* ---- query ------------------------------------------------------------- */

static int key_is(const char *key, apr_size_t len, const char *name)
{
    return strlen(name) == len && !memcmp(key, name, len);
}

void hsts_status_parse_query(const char *args, hsts_status_query_t *q)
{
    int have_format = 0;

    q->format = HSTS_STATUS_HTML;
    q->refresh = 0;
    while (args && *args) {
        apr_size_t len = strcspn(args, "&;");
        const char *eq = memchr(args, '=', len);
        apr_size_t klen = eq ? (apr_size_t)(eq - args) : len;
        hsts_status_format_e f = HSTS_STATUS_HTML;

        if (key_is(args, klen, "auto")) {
            f = HSTS_STATUS_AUTO;
        }
        else if (key_is(args, klen, "json")) {
            f = HSTS_STATUS_JSON;
        }
        else if (key_is(args, klen, "metrics")) {
            f = HSTS_STATUS_METRICS;
        }
        else if (key_is(args, klen, "refresh")) {
            apr_int64_t t = 0;
            const char *v = eq ? eq + 1 : NULL, *end = args + len;

            if (v && v < end) {
                for (; v < end && apr_isdigit(*v) && t <= HSTS_STATUS_REFRESH_MAX; v++) {
                    t = t * 10 + (*v - '0');
                }
                if (v < end && !apr_isdigit(*v)) {
                    t = 0;          /* "refresh=5x": not a number */
                }
            }
            q->refresh = t < 1 ? HSTS_STATUS_REFRESH_DEFAULT
                         : t > HSTS_STATUS_REFRESH_MAX ? HSTS_STATUS_REFRESH_MAX : (int)t;
        }
        if (f != HSTS_STATUS_HTML && !have_format) {
            q->format = f;
            have_format = 1;
        }
        args += len;
        if (*args) {
            args++;
        }
    }
}

/* ---- snapshot ---------------------------------------------------------- */

static void copy_set(apr_uint64_t *counters, apr_uint64_t *findings, hsts_stats_set_t *set)
{
    int i;

    for (i = 0; i < HSTS_C_COUNT; i++) {
        counters[i] = apr_atomic_read64(&set->counters[i]);
    }
    for (i = 0; i < HSTS_F_COUNT; i++) {
        findings[i] = apr_atomic_read64(&set->findings[i]);
    }
}

void hsts_status_vhost_counters(hsts_status_vhost_t *row, hsts_stats_t *stats,
                                apr_uint32_t index)
{
    if (!stats || index == 0 || index >= stats->n_sets) {
        memset(row->counters, 0, sizeof(row->counters));
        memset(row->findings, 0, sizeof(row->findings));
        return;
    }
    copy_set(row->counters, row->findings, hsts_stats_set(stats, index));
}

void hsts_status_snapshot_init(hsts_status_snapshot_t *snap, apr_pool_t *p,
                               hsts_stats_t *stats, apr_time_t now, int with_recent)
{
    (void)p;
    memset(snap, 0, sizeof(*snap));
    snap->now = now;
    snap->started = now;
    if (!stats) {
        return;
    }
    snap->started = stats->started;
    snap->uptime_s = now > stats->started ? apr_time_sec(now - stats->started) : 0;
    snap->recent_capacity = stats->ring_size;
    snap->last_check = (apr_time_t)apr_atomic_read64(&stats->last_check);
    copy_set(snap->counters, snap->findings, hsts_stats_set(stats, 0));
    if (with_recent && stats->ring_size) {
        snap->ring = stats;
        snap->n_recent = hsts_stats_ring_start(stats, &snap->ring_from);
    }
}

/* Entries read from the shared ring at a time (about 9 KiB of stack). */
#define RECENT_CHUNK 32

static apr_size_t recent_from_ring(const hsts_status_snapshot_t *snap, apr_pool_t *p,
                                   hsts_status_recent_fn fn, void *baton)
{
    hsts_stats_t *stats = snap->ring;
    hsts_ring_cursor_t cur = snap->ring_from;
    hsts_ring_entry_t chunk[RECENT_CHUNK];
    apr_size_t done = 0;
    apr_uint32_t n, i;

    while (done < snap->n_recent
           && (n = hsts_stats_ring_next(stats, &cur, chunk, RECENT_CHUNK)) > 0) {
        for (i = 0; i < n && done < snap->n_recent; i++) {
            hsts_ring_entry_t *e = chunk + i;
            const hsts_stats_set_t *set = e->vhost && e->vhost < stats->n_sets
                ? hsts_stats_set(stats, e->vhost) : NULL;
            hsts_status_recent_t r;

            apr_pool_clear(p);
            e->host[sizeof(e->host) - 1] = '\0';
            e->path[sizeof(e->path) - 1] = '\0';
            r.time = e->time;
            r.vhost = set ? apr_pstrndup(p, set->name, sizeof(set->name)) : "";
            r.host = e->host;
            r.path = e->path;
            r.findings = e->findings;
            fn(baton, p, done++, &r);
        }
    }
    return done;
}

apr_size_t hsts_status_recent_each(const hsts_status_snapshot_t *snap, apr_pool_t *p,
                                   hsts_status_recent_fn fn, void *baton)
{
    apr_size_t i;

    if (snap->ring) {
        return recent_from_ring(snap, p, fn, baton);
    }
    for (i = 0; snap->recent && i < snap->n_recent; i++) {
        apr_pool_clear(p);
        fn(baton, p, i, snap->recent + i);
    }
    return i;
}

/* ---- totals derived from a snapshot -------------------------------------- */

const char *hsts_status_module_name(const hsts_status_snapshot_t *snap)
{
    return snap->module ? snap->module : "mod_hsts_audit";
}

const char *hsts_status_module_version(const hsts_status_snapshot_t *snap)
{
    return snap->version ? snap->version : PACKAGE_VERSION;
}

apr_uint64_t hsts_status_sum_findings(const apr_uint64_t *findings, int severity)
{
    apr_uint64_t n = 0;
    int i;

    for (i = 0; i < HSTS_F_COUNT; i++) {
        if (severity < 0 || (int)hsts_finding_info((hsts_finding_e)i)->severity == severity) {
            n += findings[i];
        }
    }
    return n;
}

int hsts_status_count_bits(hsts_findings_t set)
{
    int n = 0;

    for (; set; set &= set - 1) {
        n++;
    }
    return n;
}

apr_uint64_t hsts_status_count_rows(const hsts_status_snapshot_t *snap, int what)
{
    apr_uint64_t n = 0;
    apr_size_t i;

    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;

        if (what == HSTS_ROW_WITHHOLD ? v->guard_withhold != 0
            : (v->unsafe_subdomains && v->unsafe_subdomains->nelts > 0)) {
            n++;
        }
    }
    return n;
}

apr_pool_t *hsts_status_row_pool(apr_pool_t *scratch)
{
    apr_pool_t *p;

    apr_pool_create(&p, scratch);
    return p;
}

void hsts_status_cert_totals(const hsts_status_snapshot_t *snap,
                             hsts_status_cert_totals_t *t)
{
    apr_size_t i;

    memset(t, 0, sizeof(*t));
    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_cert_t *cert = snap->vhosts[i].cert;

        if (!cert) {
            continue;
        }
        t->audited++;
        if (cert->findings) {
            t->with_findings++;
        }
        if (cert->not_after) {
            apr_int64_t d = hsts_days_until(cert->not_after, snap->now);

            if (!t->have_days || d < t->min_days_left) {
                t->min_days_left = d;
                t->have_days = 1;
            }
        }
    }
}

void hsts_status_problem_totals(const hsts_status_snapshot_t *snap,
                                hsts_status_problem_totals_t *t)
{
    apr_size_t i, j;

    memset(t, 0, sizeof(*t));
    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;

        for (j = 0; j < v->n_problems; j++) {
            t->all++;
            if (v->problems[j].severity == HSTS_SEVERITY_ERROR) {
                t->errors++;
            }
            else {
                t->warnings++;
            }
        }
    }
}

/* ---- the per-vhost fields -------------------------------------------------- */

static void f_name(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    (void)now;
    o->str = v->name ? v->name : "";
}

static void f_aliases(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    (void)now;
    o->strs = v->aliases;
}

static void f_tls(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    (void)now;
    o->u64 = v->tls != 0;
}

static void f_main(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    (void)now;
    o->u64 = v->main_server != 0;
}

static void f_mode(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    (void)now;
    o->str = v->mode ? v->mode : "";
}

static void f_policy(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    (void)now;
    o->str = v->policy;
}

static void f_sent(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    (void)now;
    o->str = v->sent_policy;
}

static void f_findings(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    (void)now;
    o->u64 = hsts_status_sum_findings(v->findings, -1);
}

static void f_problems(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    (void)now;
    o->u64 = v->n_problems;
}

static void f_days(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    o->absent = !v->cert || !v->cert->not_after;
    o->i64 = o->absent ? 0 : hsts_days_until(v->cert->not_after, now);
}

static void f_withhold(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    (void)now;
    o->u64 = v->guard_withhold != 0;
}

static void f_unsafe(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    (void)now;
    o->u64 = v->unsafe_subdomains ? (apr_uint64_t)v->unsafe_subdomains->nelts : 0;
}

static void f_cert_findings(const hsts_status_vhost_t *v, apr_time_t now,
                            hsts_status_value_t *o)
{
    (void)now;
    o->absent = !v->cert;
    o->u64 = v->cert ? (apr_uint64_t)hsts_status_count_bits(v->cert->findings) : 0;
}

static void f_ramp_max_age(const hsts_status_vhost_t *v, apr_time_t now,
                           hsts_status_value_t *o)
{
    (void)now;
    o->absent = !v->ramp;
    o->i64 = v->ramp ? v->ramp->max_age : 0;
}

/* 1 eligible, 0 at risk; absent when unknown or not checked */
static void f_preload(const hsts_status_vhost_t *v, apr_time_t now, hsts_status_value_t *o)
{
    (void)now;
    o->absent = hsts_status_preload_eligible(v) < 0;
    o->u64 = hsts_status_preload_eligible(v) == 1;
}

int hsts_status_preload_eligible(const hsts_status_vhost_t *v)
{
    if (!v->preload || !v->preload->verdict || !strcmp(v->preload->verdict, "unknown")) {
        return -1;
    }
    return !strcmp(v->preload->verdict, "eligible");
}

const hsts_status_field_t hsts_status_vhost_fields[] = {
    { HSTS_FIELDS_IDENTITY, "name", "Name", NULL, HSTS_FIELD_STR, f_name },
    { HSTS_FIELDS_IDENTITY, "aliases", NULL, "Aliases", HSTS_FIELD_STRS, f_aliases },
    { HSTS_FIELDS_IDENTITY, "tls", "Tls", NULL, HSTS_FIELD_BOOL, f_tls },
    { HSTS_FIELDS_IDENTITY, "main_server", "MainServer", NULL, HSTS_FIELD_BOOL, f_main },
    { HSTS_FIELDS_IDENTITY, "mode", "Mode", NULL, HSTS_FIELD_STR, f_mode },
    { HSTS_FIELDS_IDENTITY, "policy", "Policy", NULL, HSTS_FIELD_STR, f_policy },
    { HSTS_FIELDS_IDENTITY, "sent_policy", "SentPolicy", NULL, HSTS_FIELD_STR, f_sent },
    { HSTS_FIELDS_SUMMARY, NULL, "Findings", NULL, HSTS_FIELD_U64, f_findings },
    { HSTS_FIELDS_SUMMARY, NULL, "Problems", NULL, HSTS_FIELD_U64, f_problems },
    { HSTS_FIELDS_SUMMARY, NULL, "CertDaysLeft", NULL, HSTS_FIELD_I64, f_days },
    { HSTS_FIELDS_SUMMARY, NULL, "GuardWithhold", NULL, HSTS_FIELD_BOOL, f_withhold },
    { HSTS_FIELDS_SUMMARY, NULL, "UnsafeSubdomains", NULL, HSTS_FIELD_U64, f_unsafe },
    { HSTS_FIELDS_SUMMARY, NULL, "CertFindings", NULL, HSTS_FIELD_U64, f_cert_findings },
    { HSTS_FIELDS_SUMMARY, NULL, "RampMaxAge", NULL, HSTS_FIELD_I64, f_ramp_max_age },
    { HSTS_FIELDS_SUMMARY, NULL, "PreloadEligible", NULL, HSTS_FIELD_BOOL, f_preload },
};

const int hsts_status_n_vhost_fields =
    (int)(sizeof(hsts_status_vhost_fields) / sizeof(hsts_status_vhost_fields[0]));

/* ---- rendering ------------------------------------------------------------ */

void hsts_status_render(hsts_status_format_e format, const hsts_status_snapshot_t *snap,
                        unsigned flags, int refresh, hsts_write_fn write, void *baton,
                        apr_pool_t *scratch)
{
    switch (format) {
    case HSTS_STATUS_AUTO:
        hsts_status_render_auto(snap, flags, write, baton, scratch);
        break;
    case HSTS_STATUS_JSON:
        hsts_status_render_json(snap, write, baton, scratch);
        break;
    case HSTS_STATUS_METRICS:
        hsts_status_render_metrics(snap, write, baton, scratch);
        break;
    default:
        hsts_status_render_html(snap, flags, refresh, write, baton, scratch);
        break;
    }
}
