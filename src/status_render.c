/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_render.c: the status page's renderers (design.md section 7,
 * docs/status.md): HTML, ?auto, ?json, ?metrics, and the snapshot they read.
 *
 * Output is buffered here and handed to the caller's writer in chunks, so the
 * httpd glue makes one bucket per chunk, not one per field. Per-row escaping
 * allocates from a sub-pool cleared after each row: memory stays bounded by
 * one row, whatever the number of vhosts or ring entries.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "hsts_status.h"
#include "hsts_duration.h"
#include "hsts_escape.h"

#include <apr_atomic.h>
#include <apr_escape.h>
#include <apr_hash.h>
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

typedef struct {
    const char *key;        /* JSON key; the metric is hsts_audit_<key>_total */
    const char *auto_key;   /* ?auto: HstsAudit<auto_key> */
    const char *label;      /* HTML */
    const char *help;       /* metrics HELP */
} counter_name_t;

static const counter_name_t counter_names[HSTS_C_COUNT] = {
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
    return counter_names[counter].key;
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
    memset(snap, 0, sizeof(*snap));
    snap->now = now;
    snap->started = now;
    if (!stats) {
        return;
    }
    snap->started = stats->started;
    snap->uptime_s = now > stats->started ? apr_time_sec(now - stats->started) : 0;
    snap->recent_capacity = stats->ring_size;
    copy_set(snap->counters, snap->findings, hsts_stats_set(stats, 0));
    if (with_recent && stats->ring_size) {
        hsts_ring_entry_t *ring = apr_palloc(p, sizeof(*ring) * stats->ring_size);
        apr_uint32_t n = hsts_stats_ring_read(stats, ring, stats->ring_size), i;
        hsts_status_recent_t *recent = apr_palloc(p, sizeof(*recent) * (n ? n : 1));

        for (i = 0; i < n; i++) {
            hsts_ring_entry_t *e = ring + i;
            const hsts_stats_set_t *set = e->vhost && e->vhost < stats->n_sets
                ? hsts_stats_set(stats, e->vhost) : NULL;

            e->host[sizeof(e->host) - 1] = '\0';
            e->path[sizeof(e->path) - 1] = '\0';
            recent[i].time = e->time;
            recent[i].vhost = set ? apr_pstrndup(p, set->name, sizeof(set->name)) : "";
            recent[i].host = e->host;
            recent[i].path = e->path;
            recent[i].findings = e->findings;
        }
        snap->recent = recent;
        snap->n_recent = n;
    }
}

/* ---- buffered output --------------------------------------------------- */

#define OUT_SIZE 16384

typedef struct {
    hsts_write_fn write;
    void *baton;
    char *buf;
    apr_size_t n;
} out_t;

static void out_init(out_t *o, hsts_write_fn write, void *baton, apr_pool_t *p)
{
    o->write = write;
    o->baton = baton;
    o->buf = apr_palloc(p, OUT_SIZE);
    o->n = 0;
}

static void out_flush(out_t *o)
{
    if (o->n) {
        o->write(o->baton, o->buf, o->n);
        o->n = 0;
    }
}

static void out_mem(out_t *o, const char *s, apr_size_t len)
{
    if (len > OUT_SIZE - o->n) {
        out_flush(o);
        if (len >= OUT_SIZE) {
            o->write(o->baton, s, len);
            return;
        }
    }
    memcpy(o->buf + o->n, s, len);
    o->n += len;
}

/* lit must be a string literal ("" lit does not compile otherwise). */
#define OUT_LIT(o, lit) out_mem((o), "" lit, sizeof(lit) - 1)

static void out_str(out_t *o, const char *s)
{
    out_mem(o, s, strlen(s));
}

static void out_u64(out_t *o, apr_uint64_t v)
{
    char tmp[24], *p = tmp + sizeof(tmp);

    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    out_mem(o, p, (apr_size_t)(tmp + sizeof(tmp) - p));
}

static void out_i64(out_t *o, apr_int64_t v)
{
    if (v < 0) {
        OUT_LIT(o, "-");
        out_u64(o, (apr_uint64_t)0 - (apr_uint64_t)v);
    }
    else {
        out_u64(o, (apr_uint64_t)v);
    }
}

static void out_iso_time(out_t *o, apr_time_t t)
{
    char buf[HSTS_ISO8601_SIZE];

    out_str(o, hsts_iso8601(buf, t));
}

/* A JSON string literal (with quotes), or null. */
static void out_json(out_t *o, apr_pool_t *p, const char *s)
{
    if (!s) {
        OUT_LIT(o, "null");
        return;
    }
    out_str(o, hsts_json_string(p, s, strlen(s)));
}

/* HTML text: control characters become a visible \xNN, then APR's entity
 * escaping (& < > " '). NULL shows as an empty string. */
static void out_html(out_t *o, apr_pool_t *p, const char *s)
{
    if (s) {
        out_str(o, apr_pescape_entity(p, hsts_ctl_to_hex(p, s), 0));
    }
}

/* ?auto values: one line, control characters as '?'; "-" for nothing. */
static void out_auto_value(out_t *o, const char *s)
{
    const char *start;

    if (!s || !*s) {
        OUT_LIT(o, "-");
        return;
    }
    for (start = s; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c < 0x20 || c == 0x7F) {
            out_mem(o, start, (apr_size_t)(s - start));
            OUT_LIT(o, "?");
            start = s + 1;
        }
    }
    out_mem(o, start, (apr_size_t)(s - start));
}

/* ---- helpers ------------------------------------------------------------ */

static const char *module_name(const hsts_status_snapshot_t *snap)
{
    return snap->module ? snap->module : "mod_hsts_audit";
}

static const char *module_version(const hsts_status_snapshot_t *snap)
{
    return snap->version ? snap->version : PACKAGE_VERSION;
}

static apr_uint64_t sum_findings(const apr_uint64_t *findings, int severity)
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

static int is_client_cert_finding(int i)
{
    return hsts_finding_info((hsts_finding_e)i)->category == HSTS_CAT_CLIENT_CERT;
}

static int count_bits(hsts_findings_t set)
{
    int n = 0;

    for (; set; set &= set - 1) {
        n++;
    }
    return n;
}

enum { ROW_WITHHOLD, ROW_UNSAFE };

/* How many rows withhold STS (ROW_WITHHOLD) or pin unsafe subdomains. */
static apr_uint64_t count_rows(const hsts_status_snapshot_t *snap, int what)
{
    apr_uint64_t n = 0;
    apr_size_t i;

    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;

        if (what == ROW_WITHHOLD ? v->guard_withhold != 0
            : (v->unsafe_subdomains && v->unsafe_subdomains->nelts > 0)) {
            n++;
        }
    }
    return n;
}

static const char *severity_name(hsts_severity_e sev)
{
    return sev == HSTS_SEVERITY_ERROR ? "error" : "warning";
}

static apr_pool_t *row_pool(apr_pool_t *scratch)
{
    apr_pool_t *p;

    apr_pool_create(&p, scratch);
    return p;
}

/* ---- JSON --------------------------------------------------------------- */

static void json_counters(out_t *o, const apr_uint64_t *counters)
{
    int i;

    OUT_LIT(o, "{");
    for (i = 0; i < HSTS_C_COUNT; i++) {
        if (i) {
            OUT_LIT(o, ",");
        }
        OUT_LIT(o, "\"");
        out_str(o, counter_names[i].key);
        OUT_LIT(o, "\":");
        out_u64(o, counters[i]);
    }
    OUT_LIT(o, "}");
}

static void json_finding_counts(out_t *o, const apr_uint64_t *findings)
{
    int i;

    OUT_LIT(o, "{");
    for (i = 0; i < HSTS_F_COUNT; i++) {
        if (i) {
            OUT_LIT(o, ",");
        }
        OUT_LIT(o, "\"");
        out_str(o, hsts_finding_info((hsts_finding_e)i)->code);   /* [a-z0-9_.] */
        OUT_LIT(o, "\":");
        out_u64(o, findings[i]);
    }
    OUT_LIT(o, "}");
}

static void json_finding_list(out_t *o, hsts_findings_t set)
{
    int i, first = 1;

    OUT_LIT(o, "[");
    for (i = 0; i < HSTS_F_COUNT; i++) {
        if (set & HSTS_FINDING_BIT(i)) {
            if (!first) {
                OUT_LIT(o, ",");
            }
            first = 0;
            OUT_LIT(o, "\"");
            out_str(o, hsts_finding_info((hsts_finding_e)i)->code);
            OUT_LIT(o, "\"");
        }
    }
    OUT_LIT(o, "]");
}

static void json_string_array(out_t *o, apr_pool_t *p, const apr_array_header_t *a)
{
    int i;

    OUT_LIT(o, "[");
    for (i = 0; a && i < a->nelts; i++) {
        const char *s = APR_ARRAY_IDX(a, i, const char *);

        if (i) {
            OUT_LIT(o, ",");
        }
        out_json(o, p, s ? s : "");
    }
    OUT_LIT(o, "]");
}

static void json_certificate(out_t *o, apr_pool_t *p, const hsts_status_cert_t *c,
                             apr_time_t now)
{
    if (!c) {
        OUT_LIT(o, "null");
        return;
    }
    OUT_LIT(o, "{\"subject\":");
    out_json(o, p, c->subject);
    OUT_LIT(o, ",\"issuer\":");
    out_json(o, p, c->issuer);
    OUT_LIT(o, ",\"not_after\":");
    if (c->not_after) {
        OUT_LIT(o, "\"");
        out_iso_time(o, c->not_after);
        OUT_LIT(o, "\",\"days_left\":");
        out_i64(o, hsts_days_until(c->not_after, now));
    }
    else {
        OUT_LIT(o, "null,\"days_left\":null");
    }
    OUT_LIT(o, ",\"names\":");
    json_string_array(o, p, c->names);
    OUT_LIT(o, ",\"chain_complete\":");
    if (c->chain_complete < 0) {
        OUT_LIT(o, "null");
    }
    else if (c->chain_complete) {
        OUT_LIT(o, "true");
    }
    else {
        OUT_LIT(o, "false");
    }
    OUT_LIT(o, ",\"findings\":");
    json_finding_list(o, c->findings);
    OUT_LIT(o, "}");
}

void hsts_status_render_json(const hsts_status_snapshot_t *snap,
                             hsts_write_fn write, void *baton, apr_pool_t *scratch)
{
    apr_pool_t *p = row_pool(scratch);
    out_t o;
    apr_size_t i;

    out_init(&o, write, baton, scratch);
    OUT_LIT(&o, "{\"module\":");
    out_json(&o, p, module_name(snap));
    OUT_LIT(&o, ",\"version\":");
    out_json(&o, p, module_version(snap));
    OUT_LIT(&o, ",\"uptime_s\":");
    out_i64(&o, snap->uptime_s);
    OUT_LIT(&o, ",\"started\":\"");
    out_iso_time(&o, snap->started);
    OUT_LIT(&o, "\",\"time\":\"");
    out_iso_time(&o, snap->now);
    OUT_LIT(&o, "\",\"recent_capacity\":");
    out_u64(&o, snap->recent_capacity);
    OUT_LIT(&o, ",\n\"totals\":");
    json_counters(&o, snap->counters);
    OUT_LIT(&o, ",\n\"findings\":");
    json_finding_counts(&o, snap->findings);
    OUT_LIT(&o, ",\n\"vhosts\":[");
    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;

        apr_pool_clear(p);
        out_str(&o, i ? ",\n{\"name\":" : "\n{\"name\":");
        out_json(&o, p, v->name ? v->name : "");
        OUT_LIT(&o, ",\"aliases\":");
        json_string_array(&o, p, v->aliases);
        OUT_LIT(&o, ",\"tls\":");
        if (v->tls) {
            OUT_LIT(&o, "true");
        }
        else {
            OUT_LIT(&o, "false");
        }
        if (v->main_server) {
            OUT_LIT(&o, ",\"main_server\":true");
        }
        else {
            OUT_LIT(&o, ",\"main_server\":false");
        }
        OUT_LIT(&o, ",\"mode\":");
        out_json(&o, p, v->mode ? v->mode : "");
        OUT_LIT(&o, ",\"policy\":");
        out_json(&o, p, v->policy);
        OUT_LIT(&o, ",\"counters\":");
        json_counters(&o, v->counters);
        OUT_LIT(&o, ",\"findings\":");
        json_finding_counts(&o, v->findings);
        OUT_LIT(&o, ",\"certificate\":");
        json_certificate(&o, p, v->cert, snap->now);
        OUT_LIT(&o, ",\"guard\":{\"withhold\":");
        if (v->guard_withhold) {
            OUT_LIT(&o, "true");
        }
        else {
            OUT_LIT(&o, "false");
        }
        OUT_LIT(&o, ",\"unsafe_subdomains\":");
        json_string_array(&o, p, v->unsafe_subdomains);
        OUT_LIT(&o, "}}");
    }
    OUT_LIT(&o, "],\n\"recent\":[");
    for (i = 0; i < snap->n_recent; i++) {
        const hsts_status_recent_t *e = snap->recent + i;

        apr_pool_clear(p);
        out_str(&o, i ? ",\n{\"time\":\"" : "\n{\"time\":\"");
        out_iso_time(&o, e->time);
        OUT_LIT(&o, "\",\"vhost\":");
        out_json(&o, p, e->vhost ? e->vhost : "");
        OUT_LIT(&o, ",\"host\":");
        out_json(&o, p, e->host ? e->host : "");
        OUT_LIT(&o, ",\"path\":");
        out_json(&o, p, e->path ? e->path : "");
        OUT_LIT(&o, ",\"findings\":");
        json_finding_list(&o, e->findings);
        OUT_LIT(&o, "}");
    }
    OUT_LIT(&o, "]}\n");
    out_flush(&o);
    apr_pool_destroy(p);
}

/* ---- ?auto -------------------------------------------------------------- */

static void auto_line_u64(out_t *o, const char *key, apr_uint64_t v)
{
    OUT_LIT(o, "HstsAudit");
    out_str(o, key);
    OUT_LIT(o, ": ");
    out_u64(o, v);
    OUT_LIT(o, "\n");
}

void hsts_status_render_auto(const hsts_status_snapshot_t *snap, unsigned flags,
                             hsts_write_fn write, void *baton, apr_pool_t *scratch)
{
    out_t o;
    apr_size_t i, audited = 0, problems = 0;
    apr_int64_t min_days = 0;
    int have_days = 0, c;

    out_init(&o, write, baton, scratch);
    OUT_LIT(&o, "HstsAuditVersion: ");
    out_auto_value(&o, module_version(snap));
    OUT_LIT(&o, "\n");
    auto_line_u64(&o, "Uptime", (apr_uint64_t)(snap->uptime_s > 0 ? snap->uptime_s : 0));
    auto_line_u64(&o, "Vhosts", snap->n_vhosts);
    for (c = 0; c < HSTS_C_COUNT; c++) {
        auto_line_u64(&o, counter_names[c].auto_key, snap->counters[c]);
    }
    auto_line_u64(&o, "Findings", sum_findings(snap->findings, -1));
    auto_line_u64(&o, "FindingsErrors", sum_findings(snap->findings, HSTS_SEVERITY_ERROR));
    auto_line_u64(&o, "FindingsWarnings", sum_findings(snap->findings, HSTS_SEVERITY_WARNING));
    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_cert_t *cert = snap->vhosts[i].cert;

        if (!cert) {
            continue;
        }
        audited++;
        if (cert->findings) {
            problems++;
        }
        if (cert->not_after) {
            apr_int64_t d = hsts_days_until(cert->not_after, snap->now);

            if (!have_days || d < min_days) {
                min_days = d;
                have_days = 1;
            }
        }
    }
    auto_line_u64(&o, "CertAudited", audited);
    auto_line_u64(&o, "CertProblems", problems);
    auto_line_u64(&o, "GuardWithhold", count_rows(snap, ROW_WITHHOLD));
    auto_line_u64(&o, "GuardUnsafeSubdomains", count_rows(snap, ROW_UNSAFE));
    if (have_days) {
        OUT_LIT(&o, "HstsAuditCertMinDaysLeft: ");
        out_i64(&o, min_days);
        OUT_LIT(&o, "\n");
    }
    if (flags & HSTS_STATUS_SECTION) {
        out_flush(&o);
        return;
    }
    auto_line_u64(&o, "RecentFindings", snap->n_recent);
    for (c = 0; c < HSTS_F_COUNT; c++) {
        OUT_LIT(&o, "HstsAuditFinding.");
        out_str(&o, hsts_finding_info((hsts_finding_e)c)->code);
        OUT_LIT(&o, ": ");
        out_u64(&o, snap->findings[c]);
        OUT_LIT(&o, "\n");
    }
    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;
        char prefix[48];
        apr_size_t plen = (apr_size_t)apr_snprintf(prefix, sizeof(prefix),
                                                   "HstsAuditVhost.%" APR_SIZE_T_FMT ".",
                                                   i + 1);

#define AUTO_KEY(k) do { out_mem(&o, prefix, plen); OUT_LIT(&o, k ": "); } while (0)
        AUTO_KEY("Name");
        out_auto_value(&o, v->name);
        OUT_LIT(&o, "\n");
        AUTO_KEY("Tls");
        out_u64(&o, v->tls ? 1 : 0);
        OUT_LIT(&o, "\n");
        AUTO_KEY("MainServer");
        out_u64(&o, v->main_server ? 1 : 0);
        OUT_LIT(&o, "\n");
        AUTO_KEY("Mode");
        out_auto_value(&o, v->mode);
        OUT_LIT(&o, "\n");
        AUTO_KEY("Policy");
        out_auto_value(&o, v->policy);
        OUT_LIT(&o, "\n");
        for (c = 0; c < HSTS_C_COUNT; c++) {
            out_mem(&o, prefix, plen);
            out_str(&o, counter_names[c].auto_key);
            OUT_LIT(&o, ": ");
            out_u64(&o, v->counters[c]);
            OUT_LIT(&o, "\n");
        }
        AUTO_KEY("Findings");
        out_u64(&o, sum_findings(v->findings, -1));
        OUT_LIT(&o, "\n");
        if (v->cert && v->cert->not_after) {
            AUTO_KEY("CertDaysLeft");
            out_i64(&o, hsts_days_until(v->cert->not_after, snap->now));
            OUT_LIT(&o, "\n");
        }
        AUTO_KEY("GuardWithhold");
        out_u64(&o, v->guard_withhold ? 1 : 0);
        OUT_LIT(&o, "\n");
        AUTO_KEY("UnsafeSubdomains");
        out_u64(&o, v->unsafe_subdomains ? (apr_uint64_t)v->unsafe_subdomains->nelts : 0);
        OUT_LIT(&o, "\n");
        if (v->cert) {
            AUTO_KEY("CertFindings");
            out_u64(&o, (apr_uint64_t)count_bits(v->cert->findings));
            OUT_LIT(&o, "\n");
        }
#undef AUTO_KEY
    }
    out_flush(&o);
}

/* ---- metrics ------------------------------------------------------------ */

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

static void metric_head(out_t *o, const char *name, const char *help, const char *type)
{
    OUT_LIT(o, "# HELP ");
    out_str(o, name);
    OUT_LIT(o, " ");
    out_str(o, help);           /* static text without '\\' or newlines */
    OUT_LIT(o, "\n# TYPE ");
    out_str(o, name);
    OUT_LIT(o, " ");
    out_str(o, type);
    OUT_LIT(o, "\n");
}

static void metric_sample(out_t *o, const char *name, apr_size_t name_len,
                          const char *label)
{
    out_mem(o, name, name_len);
    OUT_LIT(o, "{vhost=\"");
    out_str(o, label);
    OUT_LIT(o, "\"} ");
}

void hsts_status_render_metrics(const hsts_status_snapshot_t *snap,
                                hsts_write_fn write, void *baton, apr_pool_t *scratch)
{
    apr_pool_t *p = row_pool(scratch);
    const char **labels = metric_labels(snap, p);
    char name[128], help[512];
    apr_size_t i, name_len;
    int c, have_certs = 0;

    out_t o;

    out_init(&o, write, baton, p);
    metric_head(&o, "hsts_audit_build_info",
                "Build information of mod_hsts_audit: the value is 1, the version is a label.",
                "gauge");
    OUT_LIT(&o, "hsts_audit_build_info{version=\"");
    out_str(&o, hsts_prom_label(p, module_version(snap)));
    OUT_LIT(&o, "\"} 1\n");
    metric_head(&o, "hsts_audit_start_time_seconds",
                "When the counters began, in seconds since the epoch (kept across graceful restarts).",
                "gauge");
    OUT_LIT(&o, "hsts_audit_start_time_seconds ");
    out_i64(&o, apr_time_sec(snap->started));
    OUT_LIT(&o, "\n");

    for (c = 0; c < HSTS_C_COUNT; c++) {
        name_len = (apr_size_t)apr_snprintf(name, sizeof(name), "hsts_audit_%s_total",
                                            counter_names[c].key);
        metric_head(&o, name, counter_names[c].help, "counter");
        for (i = 0; i < snap->n_vhosts; i++) {
            metric_sample(&o, name, name_len, labels[i]);
            out_u64(&o, snap->vhosts[i].counters[c]);
            OUT_LIT(&o, "\n");
        }
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
                     info->code, severity_name(info->severity), info->summary);
        metric_head(&o, name, help, "counter");
        for (i = 0; i < snap->n_vhosts; i++) {
            metric_sample(&o, name, name_len, labels[i]);
            out_u64(&o, snap->vhosts[i].findings[c]);
            OUT_LIT(&o, "\n");
        }
    }

    {
        static const char withhold[] = "hsts_audit_guard_withhold";
        static const char unsafe[] = "hsts_audit_guard_unsafe_subdomains";

        metric_head(&o, withhold,
                    "1 while HSTSGuard withhold stops the vhost's Strict-Transport-Security (a lock-out risk stands), else 0.",
                    "gauge");
        for (i = 0; i < snap->n_vhosts; i++) {
            metric_sample(&o, withhold, sizeof(withhold) - 1, labels[i]);
            out_u64(&o, snap->vhosts[i].guard_withhold ? 1 : 0);
            OUT_LIT(&o, "\n");
        }
        metric_head(&o, unsafe,
                    "Subdomains the vhost's includeSubDomains pins that this server does not serve over HTTPS with a valid certificate (guard.subdomain_not_https).",
                    "gauge");
        for (i = 0; i < snap->n_vhosts; i++) {
            const apr_array_header_t *a = snap->vhosts[i].unsafe_subdomains;

            metric_sample(&o, unsafe, sizeof(unsafe) - 1, labels[i]);
            out_u64(&o, a ? (apr_uint64_t)a->nelts : 0);
            OUT_LIT(&o, "\n");
        }
    }
    for (i = 0; i < snap->n_vhosts; i++) {
        if (snap->vhosts[i].cert) {
            have_certs = 1;
        }
    }
    if (have_certs) {
        static const char expiry[] = "hsts_audit_server_cert_expiry_timestamp_seconds";
        static const char problems[] = "hsts_audit_server_cert_findings";

        metric_head(&o, expiry,
                    "When the certificate the vhost serves expires (notAfter), in seconds since the epoch.",
                    "gauge");
        for (i = 0; i < snap->n_vhosts; i++) {
            const hsts_status_cert_t *cert = snap->vhosts[i].cert;

            if (cert && cert->not_after) {
                metric_sample(&o, expiry, sizeof(expiry) - 1, labels[i]);
                out_i64(&o, apr_time_sec(cert->not_after));
                OUT_LIT(&o, "\n");
            }
        }
        metric_head(&o, problems,
                    "Findings of the certificate audit for the certificate the vhost serves (0: none).",
                    "gauge");
        for (i = 0; i < snap->n_vhosts; i++) {
            const hsts_status_cert_t *cert = snap->vhosts[i].cert;

            if (cert) {
                metric_sample(&o, problems, sizeof(problems) - 1, labels[i]);
                out_u64(&o, (apr_uint64_t)count_bits(cert->findings));
                OUT_LIT(&o, "\n");
            }
        }
    }
    out_flush(&o);
    apr_pool_destroy(p);
}

/* ---- HTML --------------------------------------------------------------- */

static void html_uptime(out_t *o, apr_int64_t secs)
{
    static const struct { apr_int64_t unit; const char *name; } parts[] = {
        { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" }
    };
    int i, any = 0;

    if (secs < 0) {
        secs = 0;
    }
    for (i = 0; i < 4; i++) {
        apr_int64_t n = secs / parts[i].unit;

        secs %= parts[i].unit;
        if (n || (i == 3 && !any)) {
            if (any) {
                OUT_LIT(o, " ");
            }
            out_i64(o, n);
            OUT_LIT(o, " ");
            out_str(o, parts[i].name);
            if (n != 1) {
                OUT_LIT(o, "s");
            }
            any = 1;
        }
    }
}

/* A finding's code, coloured by severity; linked to its row in the
 * Findings table (which lists every code with a count or a certificate). */
static void html_code_ex(out_t *o, int f, int link)
{
    const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)f);

    if (link) {
        OUT_LIT(o, "<a class=\"");
        out_str(o, severity_name(info->severity));
        OUT_LIT(o, "\" href=\"#f-");
        out_str(o, info->code);        /* [a-z0-9_.]: safe in an attribute */
        OUT_LIT(o, "\">");
        out_str(o, info->code);
        OUT_LIT(o, "</a>");
    }
    else {
        OUT_LIT(o, "<span class=\"");
        out_str(o, severity_name(info->severity));
        OUT_LIT(o, "\">");
        out_str(o, info->code);
        OUT_LIT(o, "</span>");
    }
}

static void html_code(out_t *o, int f)
{
    html_code_ex(o, f, 1);
}

static void html_code_list(out_t *o, hsts_findings_t set)
{
    int f, first = 1;

    for (f = 0; f < HSTS_F_COUNT; f++) {
        if (set & HSTS_FINDING_BIT(f)) {
            if (!first) {
                OUT_LIT(o, ", ");
            }
            first = 0;
            html_code(o, f);
        }
    }
    if (first) {
        OUT_LIT(o, "&ndash;");
    }
}

static void html_names(out_t *o, apr_pool_t *p, const apr_array_header_t *a)
{
    int i;

    for (i = 0; a && i < a->nelts; i++) {
        if (i) {
            OUT_LIT(o, ", ");
        }
        out_html(o, p, APR_ARRAY_IDX(a, i, const char *));
    }
    if (!a || !a->nelts) {
        OUT_LIT(o, "&ndash;");
    }
}

static void html_days_left(out_t *o, apr_int64_t d)
{
    if (d < 0) {
        OUT_LIT(o, "<span class=\"error\">expired ");
        out_i64(o, -d);
        out_str(o, d == -1 ? " day ago</span>" : " days ago</span>");
    }
    else {
        out_i64(o, d);
        out_str(o, d == 1 ? " day left" : " days left");
    }
}

static void html_certificate(out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v,
                             apr_time_t now)
{
    const hsts_status_cert_t *c = v->cert;
    int f;

    if (!c) {
        if (v->tls) {
            OUT_LIT(o, "<i>not audited</i>");
        }
        else {
            OUT_LIT(o, "&ndash;");
        }
        return;
    }
    OUT_LIT(o, "Subject: ");
    out_html(o, p, c->subject ? c->subject : "?");
    OUT_LIT(o, "<br>Issuer: ");
    out_html(o, p, c->issuer ? c->issuer : "?");
    OUT_LIT(o, "<br>Not after: ");
    if (c->not_after) {
        out_iso_time(o, c->not_after);
        OUT_LIT(o, " (");
        html_days_left(o, hsts_days_until(c->not_after, now));
        OUT_LIT(o, ")");
    }
    else {
        OUT_LIT(o, "?");
    }
    OUT_LIT(o, "<br>Names: ");
    html_names(o, p, c->names);
    OUT_LIT(o, "<br>Chain: ");
    if (c->chain_complete < 0) {
        OUT_LIT(o, "?");
    }
    else if (c->chain_complete) {
        OUT_LIT(o, "complete");
    }
    else {
        OUT_LIT(o, "<span class=\"error\">incomplete</span>");
    }
    for (f = 0; f < HSTS_F_COUNT; f++) {
        const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)f);

        if (!(c->findings & HSTS_FINDING_BIT(f))) {
            continue;
        }
        OUT_LIT(o, "<br>");
        html_code(o, f);
        OUT_LIT(o, ": ");
        out_html(o, p, info->summary);
        if (info->browser_errors) {
            OUT_LIT(o, "<br>&nbsp;&nbsp;Browsers show: ");
            out_html(o, p, info->browser_errors);
        }
        OUT_LIT(o, "<br>&nbsp;&nbsp;Fix: ");
        out_html(o, p, info->fix);
    }
}

/* The lock-out guard's verdict, under the policy. */
static void html_guard(out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v)
{
    const hsts_finding_info_t *info = hsts_finding_info(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);

    if (v->guard_withhold) {
        OUT_LIT(o, "<br><span class=\"error\">withheld by HSTSGuard: no STS is sent "
                   "until the risk is fixed</span>");
    }
    if (v->unsafe_subdomains && v->unsafe_subdomains->nelts) {
        OUT_LIT(o, "<br>");
        html_code(o, HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);
        OUT_LIT(o, ": ");
        html_names(o, p, v->unsafe_subdomains);
        OUT_LIT(o, "<br>&nbsp;&nbsp;Browsers show: ");
        out_html(o, p, info->browser_errors);
        OUT_LIT(o, "<br>&nbsp;&nbsp;Fix: ");
        out_html(o, p, info->fix);
    }
}

static void html_counter_headers(out_t *o)
{
    int c;

    for (c = 0; c < HSTS_C_COUNT; c++) {
        OUT_LIT(o, "<th>");
        out_str(o, counter_names[c].label);
        OUT_LIT(o, "</th>");
    }
}

static void html_counter_cells(out_t *o, const apr_uint64_t *counters)
{
    int c;

    for (c = 0; c < HSTS_C_COUNT; c++) {
        OUT_LIT(o, "<td class=\"n\">");
        out_u64(o, counters[c]);
        OUT_LIT(o, "</td>");
    }
}

/* "3 errors", "1 error" */
static void out_count(out_t *o, apr_uint64_t n, const char *one, const char *many)
{
    out_u64(o, n);
    OUT_LIT(o, " ");
    out_str(o, n == 1 ? one : many);
}

static void html_findings_summary(out_t *o, const hsts_status_snapshot_t *snap)
{
    OUT_LIT(o, "Findings: ");
    out_u64(o, sum_findings(snap->findings, -1));
    OUT_LIT(o, " (");
    out_count(o, sum_findings(snap->findings, HSTS_SEVERITY_ERROR), "error", "errors");
    OUT_LIT(o, ", ");
    out_count(o, sum_findings(snap->findings, HSTS_SEVERITY_WARNING), "warning", "warnings");
    OUT_LIT(o, ")");
}

/* The short section in mod_status's /server-status. */
static void html_section(out_t *o, apr_pool_t *p, const hsts_status_snapshot_t *snap,
                         unsigned flags)
{
    int c, f, any = 0;

    OUT_LIT(o, "<hr>\n<h2>HSTS audit (");
    out_html(o, p, module_name(snap));
    OUT_LIT(o, " ");
    out_html(o, p, module_version(snap));
    OUT_LIT(o, ")</h2>\n");
    if (flags & HSTS_STATUS_NOTABLE) {
        OUT_LIT(o, "<dl>\n");
        for (c = 0; c < HSTS_C_COUNT; c++) {
            OUT_LIT(o, "<dt>");
            out_str(o, counter_names[c].label);
            OUT_LIT(o, ": ");
            out_u64(o, snap->counters[c]);
            OUT_LIT(o, "</dt>\n");
        }
        OUT_LIT(o, "</dl>\n");
    }
    else {
        OUT_LIT(o, "<table border=\"1\" cellpadding=\"3\"><tr>");
        html_counter_headers(o);
        OUT_LIT(o, "</tr>\n<tr>");
        html_counter_cells(o, snap->counters);
        OUT_LIT(o, "</tr></table>\n");
    }
    OUT_LIT(o, "<p>");
    html_findings_summary(o, snap);
    for (f = 0; f < HSTS_F_COUNT; f++) {
        if (snap->findings[f]) {
            out_str(o, any ? ", " : ": ");
            out_str(o, hsts_finding_info((hsts_finding_e)f)->code);
            OUT_LIT(o, " &times;");
            out_u64(o, snap->findings[f]);
            any = 1;
        }
    }
    OUT_LIT(o, ". Virtual hosts: ");
    out_u64(o, snap->n_vhosts);
    {
        apr_size_t i, audited = 0, problems = 0;

        for (i = 0; i < snap->n_vhosts; i++) {
            if (snap->vhosts[i].cert) {
                audited++;
                problems += snap->vhosts[i].cert->findings != 0;
            }
        }
        OUT_LIT(o, ". Certificates audited: ");
        out_u64(o, audited);
        OUT_LIT(o, ", with findings: ");
        out_u64(o, problems);
        OUT_LIT(o, ". STS withheld by HSTSGuard on ");
        out_u64(o, count_rows(snap, ROW_WITHHOLD));
        OUT_LIT(o, " vhosts");
    }
    OUT_LIT(o, ". Counting for ");
    html_uptime(o, snap->uptime_s);
    OUT_LIT(o, ".</p>\n");
}

static const char html_style[] =
    "<style>\n"
    "body{font-family:sans-serif}\n"
    "table{border-collapse:collapse}\n"
    "th,td{border:1px solid #999;padding:2px 6px;text-align:left;vertical-align:top}\n"
    "td.n{text-align:right}\n"
    ".error{color:#b00000}\n"
    ".warning{color:#a05a00}\n"
    "</style>\n";

void hsts_status_render_html(const hsts_status_snapshot_t *snap, unsigned flags, int refresh,
                             hsts_write_fn write, void *baton, apr_pool_t *scratch)
{
    apr_pool_t *p = row_pool(scratch);
    hsts_findings_t cert_codes = 0;
    out_t o;
    apr_size_t i;
    int f, any;

    out_init(&o, write, baton, scratch);
    if (flags & HSTS_STATUS_SECTION) {
        html_section(&o, p, snap, flags);
        out_flush(&o);
        apr_pool_destroy(p);
        return;
    }

    OUT_LIT(&o, "<!DOCTYPE html>\n<html lang=\"en\"><head>\n<meta charset=\"utf-8\">\n");
    if (refresh > 0) {
        OUT_LIT(&o, "<meta http-equiv=\"refresh\" content=\"");
        out_i64(&o, refresh);
        OUT_LIT(&o, "\">\n");
    }
    OUT_LIT(&o, "<title>HSTS Audit Status");
    if (snap->server_name) {
        OUT_LIT(&o, " for ");
        out_html(&o, p, snap->server_name);
    }
    OUT_LIT(&o, "</title>\n");
    out_str(&o, html_style);
    OUT_LIT(&o, "</head><body>\n<h1>HSTS Audit Status");
    if (snap->server_name) {
        OUT_LIT(&o, " for ");
        out_html(&o, p, snap->server_name);
    }
    OUT_LIT(&o, "</h1>\n<dl>\n");
    if (snap->server_description) {
        OUT_LIT(&o, "<dt>Server Version: ");
        out_html(&o, p, snap->server_description);
        OUT_LIT(&o, "</dt>\n");
    }
    OUT_LIT(&o, "<dt>Module: ");
    out_html(&o, p, module_name(snap));
    OUT_LIT(&o, " ");
    out_html(&o, p, module_version(snap));
    OUT_LIT(&o, "</dt>\n<dt>Current Time: ");
    out_iso_time(&o, snap->now);
    OUT_LIT(&o, "</dt>\n<dt>Counting since: ");
    out_iso_time(&o, snap->started);
    OUT_LIT(&o, " (kept across graceful restarts)</dt>\n<dt>Uptime: ");
    html_uptime(&o, snap->uptime_s);
    OUT_LIT(&o, "</dt>\n<dt>Virtual hosts: ");
    out_u64(&o, snap->n_vhosts);
    OUT_LIT(&o, "</dt>\n<dt>");
    html_findings_summary(&o, snap);
    OUT_LIT(&o, "</dt>\n");
    if (refresh > 0) {
        OUT_LIT(&o, "<dt>This page refreshes every ");
        out_i64(&o, refresh);
        OUT_LIT(&o, " seconds.</dt>\n");
    }
    OUT_LIT(&o, "<dt>Other formats: <a href=\"?auto\">?auto</a> <a href=\"?json\">?json</a> "
                "<a href=\"?metrics\">?metrics</a></dt>\n</dl>\n<hr>\n");

    /* totals */
    OUT_LIT(&o, "<h2>Totals</h2>\n<table><tr>");
    html_counter_headers(&o);
    OUT_LIT(&o, "</tr>\n<tr>");
    html_counter_cells(&o, snap->counters);
    OUT_LIT(&o, "</tr></table>\n");

    /* virtual hosts */
    OUT_LIT(&o, "<h2>Virtual hosts</h2>\n<table>\n<tr><th>Virtual host</th><th>Aliases</th>"
                "<th>TLS</th><th>Mode</th><th>Policy</th>");
    html_counter_headers(&o);
    OUT_LIT(&o, "<th>Certificate</th><th>Findings</th></tr>\n");
    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;

        apr_pool_clear(p);
        if (v->cert) {
            cert_codes |= v->cert->findings;
        }
        if (v->unsafe_subdomains && v->unsafe_subdomains->nelts) {
            cert_codes |= HSTS_FINDING_BIT(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);
        }
        OUT_LIT(&o, "<tr><td>");
        out_html(&o, p, v->name);
        if (v->main_server) {
            OUT_LIT(&o, " <i>(main server)</i>");
        }
        OUT_LIT(&o, "</td><td>");
        html_names(&o, p, v->aliases);
        out_str(&o, v->tls ? "</td><td>yes</td><td>" : "</td><td>no</td><td>");
        out_html(&o, p, v->mode);
        OUT_LIT(&o, "</td><td>");
        if (v->policy) {
            out_html(&o, p, v->policy);
        }
        else {
            OUT_LIT(&o, "<i>none</i>");
        }
        html_guard(&o, p, v);
        OUT_LIT(&o, "</td>");
        html_counter_cells(&o, v->counters);
        OUT_LIT(&o, "<td>");
        html_certificate(&o, p, v, snap->now);
        OUT_LIT(&o, "</td><td>");
        any = 0;
        for (f = 0; f < HSTS_F_COUNT; f++) {
            if (v->findings[f]) {
                if (any) {
                    OUT_LIT(&o, "<br>");
                }
                html_code(&o, f);
                OUT_LIT(&o, "&nbsp;&times;");
                out_u64(&o, v->findings[f]);
                any = 1;
            }
        }
        if (!any) {
            OUT_LIT(&o, "&ndash;");
        }
        OUT_LIT(&o, "</td></tr>\n");
    }
    OUT_LIT(&o, "</table>\n");

    /* what each finding seen means */
    OUT_LIT(&o, "<h2>Findings</h2>\n");
    any = 0;
    for (f = 0; f < HSTS_F_COUNT; f++) {
        const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)f);

        if (!snap->findings[f] && !(cert_codes & HSTS_FINDING_BIT(f))) {
            continue;
        }
        apr_pool_clear(p);
        if (!any) {
            OUT_LIT(&o, "<table>\n<tr><th>Code</th><th>Severity</th><th>Responses</th>"
                        "<th>What it means</th><th>Browser errors</th><th>Fix</th></tr>\n");
            any = 1;
        }
        OUT_LIT(&o, "<tr id=\"f-");
        out_str(&o, info->code);
        OUT_LIT(&o, "\"><td>");
        html_code(&o, f);
        OUT_LIT(&o, "</td><td class=\"");
        out_str(&o, severity_name(info->severity));
        OUT_LIT(&o, "\">");
        out_str(&o, severity_name(info->severity));
        OUT_LIT(&o, "</td><td class=\"n\">");
        out_u64(&o, snap->findings[f]);
        OUT_LIT(&o, "</td><td>");
        out_html(&o, p, info->summary);
        OUT_LIT(&o, "</td><td>");
        if (info->browser_errors) {
            out_html(&o, p, info->browser_errors);
        }
        else {
            OUT_LIT(&o, "&ndash;");
        }
        OUT_LIT(&o, "</td><td>");
        out_html(&o, p, info->fix);
        OUT_LIT(&o, "</td></tr>\n");
    }
    if (any) {
        OUT_LIT(&o, "</table>\n");
    }
    else {
        OUT_LIT(&o, "<p>No findings.</p>\n");
    }

    /* mutual TLS */
    OUT_LIT(&o, "<h2>Mutual TLS rejections</h2>\n<table>\n<tr><th>Reason</th><th>Count</th></tr>\n"
                "<tr><td>client certificate failed verification (495)</td><td class=\"n\">");
    out_u64(&o, snap->counters[HSTS_C_CLIENT_CERT_REJECTED_495]);
    OUT_LIT(&o, "</td></tr>\n<tr><td>no client certificate (496)</td><td class=\"n\">");
    out_u64(&o, snap->counters[HSTS_C_CLIENT_CERT_REJECTED_496]);
    OUT_LIT(&o, "</td></tr>\n");
    for (f = 0; f < HSTS_F_COUNT; f++) {
        if (is_client_cert_finding(f)
            && hsts_finding_info((hsts_finding_e)f)->severity == HSTS_SEVERITY_ERROR) {
            OUT_LIT(&o, "<tr><td>");
            html_code_ex(&o, f, snap->findings[f] > 0);
            OUT_LIT(&o, "</td><td class=\"n\">");
            out_u64(&o, snap->findings[f]);
            OUT_LIT(&o, "</td></tr>\n");
        }
    }
    OUT_LIT(&o, "</table>\n");

    /* the recent ring */
    OUT_LIT(&o, "<h2>Recent findings (");
    out_u64(&o, snap->n_recent);
    OUT_LIT(&o, " of at most ");
    out_u64(&o, snap->recent_capacity);
    OUT_LIT(&o, ", newest first)</h2>\n");
    if (snap->n_recent) {
        OUT_LIT(&o, "<table>\n<tr><th>Time</th><th>Virtual host</th><th>Host</th><th>Path</th>"
                    "<th>Findings</th></tr>\n");
        for (i = 0; i < snap->n_recent; i++) {
            const hsts_status_recent_t *e = snap->recent + i;

            apr_pool_clear(p);
            OUT_LIT(&o, "<tr><td>");
            out_iso_time(&o, e->time);
            OUT_LIT(&o, "</td><td>");
            out_html(&o, p, e->vhost);
            OUT_LIT(&o, "</td><td>");
            out_html(&o, p, e->host);
            OUT_LIT(&o, "</td><td>");
            out_html(&o, p, e->path);
            OUT_LIT(&o, "</td><td>");
            html_code_list(&o, e->findings);
            OUT_LIT(&o, "</td></tr>\n");
        }
        OUT_LIT(&o, "</table>\n");
    }
    OUT_LIT(&o, "<hr>\n");
    if (snap->server_description) {
        OUT_LIT(&o, "<address>");
        out_html(&o, p, snap->server_description);
        OUT_LIT(&o, "</address>\n");
    }
    OUT_LIT(&o, "</body></html>\n");
    out_flush(&o);
    apr_pool_destroy(p);
}

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
