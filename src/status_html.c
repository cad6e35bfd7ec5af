/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_html.c: the status snapshot as HTML (docs/status.md, design.md
 * section 7): the hsts-audit-status page, one function per section, and the
 * short section in mod_status's /server-status. Every value from a snapshot
 * is escaped (hsts_out_html); finding codes and counter labels are static
 * text.
 *
 * The page, problems first: the server's facts, "Needs attention" (the
 * problems that stand now and the findings on responses of the last hour,
 * errors first), the vhosts in configuration order (a compact row each, its
 * details in a full-width row below it), then Totals, Findings, Mutual TLS
 * rejections and Recent findings. Plain HTML and inline CSS, no JavaScript
 * (as mod_status); the wide tables have a fixed layout and every cell wraps
 * anywhere, so the page fits a 1,280-pixel window whatever the data.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "status_model.h"
#include "status_out.h"
#include "hsts_duration.h"

#include <apr_hash.h>
#include <apr_strings.h>

#include <string.h>

static void html_uptime(hsts_out_t *o, apr_int64_t secs)
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
                HSTS_OUT_LIT(o, " ");
            }
            hsts_out_i64(o, n);
            HSTS_OUT_LIT(o, " ");
            hsts_out_str(o, parts[i].name);
            if (n != 1) {
                HSTS_OUT_LIT(o, "s");
            }
            any = 1;
        }
    }
}

/* A finding's code, coloured by severity; linked to its row in the
 * Findings table (which lists every code with a count or a certificate). */
static void html_code_ex(hsts_out_t *o, int f, int link)
{
    const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)f);

    if (link) {
        HSTS_OUT_LIT(o, "<a class=\"");
        hsts_out_str(o, hsts_severity_name(info->severity));
        HSTS_OUT_LIT(o, "\" href=\"#f-");
        hsts_out_str(o, info->code);        /* [a-z0-9_.]: safe in an attribute */
        HSTS_OUT_LIT(o, "\">");
        hsts_out_str(o, info->code);
        HSTS_OUT_LIT(o, "</a>");
    }
    else {
        HSTS_OUT_LIT(o, "<span class=\"");
        hsts_out_str(o, hsts_severity_name(info->severity));
        HSTS_OUT_LIT(o, "\">");
        hsts_out_str(o, info->code);
        HSTS_OUT_LIT(o, "</span>");
    }
}

static void html_code(hsts_out_t *o, int f)
{
    html_code_ex(o, f, 1);
}

static void html_code_list(hsts_out_t *o, hsts_findings_t set)
{
    int f, first = 1;

    for (f = 0; f < HSTS_F_COUNT; f++) {
        if (set & HSTS_FINDING_BIT(f)) {
            if (!first) {
                HSTS_OUT_LIT(o, ", ");
            }
            first = 0;
            html_code(o, f);
        }
    }
    if (first) {
        HSTS_OUT_LIT(o, "&ndash;");
    }
}

static void html_names(hsts_out_t *o, apr_pool_t *p, const apr_array_header_t *a)
{
    int i;

    for (i = 0; a && i < a->nelts; i++) {
        if (i) {
            HSTS_OUT_LIT(o, ", ");
        }
        hsts_out_html(o, p, APR_ARRAY_IDX(a, i, const char *));
    }
    if (!a || !a->nelts) {
        HSTS_OUT_LIT(o, "&ndash;");
    }
}

static void html_days_left(hsts_out_t *o, apr_int64_t d)
{
    if (d < 0) {
        HSTS_OUT_LIT(o, "<span class=\"error\">expired ");
        hsts_out_i64(o, -d);
        hsts_out_str(o, d == -1 ? " day ago</span>" : " days ago</span>");
    }
    else {
        hsts_out_i64(o, d);
        hsts_out_str(o, d == 1 ? " day left" : " days left");
    }
}

/* "–", or the text of s (escaped). */
static void html_text_or_dash(hsts_out_t *o, apr_pool_t *p, const char *s)
{
    if (s && *s) {
        hsts_out_html(o, p, s);
    }
    else {
        HSTS_OUT_LIT(o, "&ndash;");
    }
}

static void html_time_or_unknown(hsts_out_t *o, apr_time_t t)
{
    if (t) {
        hsts_out_iso_time(o, t);
    }
    else {
        HSTS_OUT_LIT(o, "?");
    }
}

/* The host names a vhost answers for: its name without the port, then its
 * aliases. */
static void html_host_names(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v)
{
    const char *name = v->name ? v->name : "";
    const char *colon = strrchr(name, ':');
    apr_size_t len = strlen(name);

    if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
        len = (apr_size_t)(colon - name);
    }
    hsts_out_html(o, p, apr_pstrndup(p, name, len));
    if (v->aliases && v->aliases->nelts) {
        HSTS_OUT_LIT(o, ", ");
        html_names(o, p, v->aliases);
    }
}

/* What a finding does and how to fix it, as one indented line of a vhost's
 * details. */
static void html_explain(hsts_out_t *o, apr_pool_t *p, int f)
{
    const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)f);

    HSTS_OUT_LIT(o, "<div class=\"x\">");
    html_code(o, f);
    HSTS_OUT_LIT(o, ": ");
    hsts_out_html(o, p, info->summary);
    if (info->browser_errors) {
        HSTS_OUT_LIT(o, ". Browsers show: ");
        hsts_out_html(o, p, info->browser_errors);
    }
    HSTS_OUT_LIT(o, ". Fix: ");
    hsts_out_html(o, p, info->fix);
    HSTS_OUT_LIT(o, "</div>\n");
}

/* The certificate line of a vhost's details, then each cert.* finding. */
static void html_certificate(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v,
                             apr_time_t now)
{
    const hsts_status_cert_t *c = v->cert;
    int f;

    if (!c) {
        if (v->tls) {
            HSTS_OUT_LIT(o, "<div>Certificate: <i>not audited</i></div>\n");
        }
        return;
    }
    HSTS_OUT_LIT(o, "<div>Certificate: Subject: ");
    hsts_out_html(o, p, c->subject ? c->subject : "?");
    HSTS_OUT_LIT(o, " &middot; Issuer: ");
    hsts_out_html(o, p, c->issuer ? c->issuer : "?");
    HSTS_OUT_LIT(o, " &middot; Not after: ");
    if (c->not_after) {
        hsts_out_iso_time(o, c->not_after);
        HSTS_OUT_LIT(o, " (");
        html_days_left(o, hsts_days_until(c->not_after, now));
        HSTS_OUT_LIT(o, ")");
    }
    else {
        HSTS_OUT_LIT(o, "?");
    }
    HSTS_OUT_LIT(o, " &middot; Names: ");
    html_names(o, p, c->names);
    HSTS_OUT_LIT(o, " &middot; Chain: ");
    if (c->chain_complete < 0) {
        HSTS_OUT_LIT(o, "?");
    }
    else if (c->chain_complete) {
        HSTS_OUT_LIT(o, "complete");
    }
    else {
        HSTS_OUT_LIT(o, "<span class=\"error\">incomplete</span>");
    }
    HSTS_OUT_LIT(o, "</div>\n");
    for (f = 0; f < HSTS_F_COUNT; f++) {
        if (c->findings & HSTS_FINDING_BIT(f)) {
            html_explain(o, p, f);
        }
    }
}

/* The lock-out guard's verdict in a vhost's details. */
static void html_guard(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v)
{
    if (v->guard_withhold) {
        HSTS_OUT_LIT(o, "<div>Guard: <span class=\"error\">STS withheld by HSTSGuard: no STS "
                        "is sent until the risk is fixed</span></div>\n");
    }
    if (v->unsafe_subdomains && v->unsafe_subdomains->nelts) {
        HSTS_OUT_LIT(o, "<div>Subdomains includeSubDomains pins that are not served safely: ");
        html_names(o, p, v->unsafe_subdomains);
        HSTS_OUT_LIT(o, "</div>\n");
        html_explain(o, p, HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);
    }
}

/* The max-age ramp in a vhost's details: the step served, since when, the
 * next and when it can come, what held it. */
static void html_ramp(hsts_out_t *o, const hsts_status_ramp_t *r)
{
    char codes[512];

    if (!r) {
        return;
    }
    HSTS_OUT_LIT(o, "<div>Ramp: max-age=");
    hsts_out_i64(o, r->max_age);
    HSTS_OUT_LIT(o, " (step ");
    hsts_out_i64(o, r->step + 1);
    HSTS_OUT_LIT(o, " of ");
    hsts_out_i64(o, r->n_steps);
    HSTS_OUT_LIT(o, ") since ");
    html_time_or_unknown(o, r->since);
    if (r->next_max_age >= 0) {
        HSTS_OUT_LIT(o, "; next max-age=");
        hsts_out_i64(o, r->next_max_age);
        HSTS_OUT_LIT(o, " at the earliest at ");
        html_time_or_unknown(o, r->next_at);
    }
    else {
        HSTS_OUT_LIT(o, "; the last step");
    }
    if (r->held_by) {
        hsts_findings_format(r->held_by, codes, sizeof(codes));
        HSTS_OUT_LIT(o, "; <span class=\"warning\">held at ");
        html_time_or_unknown(o, r->held_at);
        HSTS_OUT_LIT(o, " by ");
        hsts_out_str(o, codes);                 /* static codes */
        HSTS_OUT_LIT(o, "</span>");
    }
    HSTS_OUT_LIT(o, "</div>\n");
}

/* The preload standing in a vhost's details (the self-check). */
static void html_preload(hsts_out_t *o, apr_pool_t *p, const hsts_status_preload_t *pr)
{
    int eligible;

    if (!pr) {
        return;
    }
    eligible = pr->verdict && !strcmp(pr->verdict, "eligible");
    HSTS_OUT_LIT(o, "<div>Preload: ");
    hsts_out_str(o, eligible ? "<span class=\"ok\">" : "<span class=\"warning\">");
    hsts_out_html(o, p, pr->verdict ? pr->verdict : "unknown");
    HSTS_OUT_LIT(o, "</span>");
    if (pr->codes && pr->codes->nelts) {
        HSTS_OUT_LIT(o, ": ");
        html_names(o, p, pr->codes);
    }
    if (pr->note) {
        HSTS_OUT_LIT(o, " (");
        hsts_out_html(o, p, pr->note);
        HSTS_OUT_LIT(o, ")");
    }
    HSTS_OUT_LIT(o, "; checked ");
    html_time_or_unknown(o, pr->checked_at);
    HSTS_OUT_LIT(o, " by this server over loopback, as hstspreload.org checks (DNS and "
                    "anything in front of this server are not seen)</div>\n");
}

static void html_counter_headers(hsts_out_t *o)
{
    int c;

    for (c = 0; c < HSTS_C_COUNT; c++) {
        HSTS_OUT_LIT(o, "<th>");
        hsts_out_str(o, hsts_status_counter_names[c].label);
        HSTS_OUT_LIT(o, "</th>");
    }
}

static void html_counter_cells(hsts_out_t *o, const apr_uint64_t *counters)
{
    int c;

    for (c = 0; c < HSTS_C_COUNT; c++) {
        HSTS_OUT_LIT(o, "<td class=\"n\">");
        hsts_out_u64(o, counters[c]);
        HSTS_OUT_LIT(o, "</td>");
    }
}

/* "Problems now: 2 (1 error, 1 warning); certificates last checked ..." */
static void html_problems_summary(hsts_out_t *o, const hsts_status_snapshot_t *snap)
{
    hsts_status_problem_totals_t t;

    hsts_status_problem_totals(snap, &t);
    HSTS_OUT_LIT(o, "Problems now: ");
    hsts_out_u64(o, t.all);
    HSTS_OUT_LIT(o, " (");
    hsts_out_count(o, t.errors, "error", "errors");
    HSTS_OUT_LIT(o, ", ");
    hsts_out_count(o, t.warnings, "warning", "warnings");
    HSTS_OUT_LIT(o, "); certificates last checked ");
    if (snap->last_check) {
        hsts_out_iso_time(o, snap->last_check);
    }
    else {
        HSTS_OUT_LIT(o, "never");
    }
}

/* "Findings on responses (events): 6 (6 errors, 0 warnings)": counted per
 * response since counting began, apart from the problems. */
static void html_findings_summary(hsts_out_t *o, const hsts_status_snapshot_t *snap)
{
    HSTS_OUT_LIT(o, "Findings on responses (events): ");
    hsts_out_u64(o, hsts_status_sum_findings(snap->findings, -1));
    HSTS_OUT_LIT(o, " (");
    hsts_out_count(o, hsts_status_sum_findings(snap->findings, HSTS_SEVERITY_ERROR), "error", "errors");
    HSTS_OUT_LIT(o, ", ");
    hsts_out_count(o, hsts_status_sum_findings(snap->findings, HSTS_SEVERITY_WARNING), "warning", "warnings");
    HSTS_OUT_LIT(o, ")");
}

/* The short section in mod_status's /server-status. */
static void html_section(hsts_out_t *o, apr_pool_t *p, const hsts_status_snapshot_t *snap,
                         unsigned flags)
{
    hsts_status_cert_totals_t certs;
    int c, f, any = 0;

    HSTS_OUT_LIT(o, "<hr>\n<h2>HSTS audit (");
    hsts_out_html(o, p, hsts_status_module_name(snap));
    HSTS_OUT_LIT(o, " ");
    hsts_out_html(o, p, hsts_status_module_version(snap));
    HSTS_OUT_LIT(o, ")</h2>\n");
    if (flags & HSTS_STATUS_NOTABLE) {
        HSTS_OUT_LIT(o, "<dl>\n");
        for (c = 0; c < HSTS_C_COUNT; c++) {
            HSTS_OUT_LIT(o, "<dt>");
            hsts_out_str(o, hsts_status_counter_names[c].label);
            HSTS_OUT_LIT(o, ": ");
            hsts_out_u64(o, snap->counters[c]);
            HSTS_OUT_LIT(o, "</dt>\n");
        }
        HSTS_OUT_LIT(o, "</dl>\n");
    }
    else {
        HSTS_OUT_LIT(o, "<table border=\"1\" cellpadding=\"3\"><tr>");
        html_counter_headers(o);
        HSTS_OUT_LIT(o, "</tr>\n<tr>");
        html_counter_cells(o, snap->counters);
        HSTS_OUT_LIT(o, "</tr></table>\n");
    }
    HSTS_OUT_LIT(o, "<p>");
    html_problems_summary(o, snap);
    HSTS_OUT_LIT(o, ". ");
    html_findings_summary(o, snap);
    for (f = 0; f < HSTS_F_COUNT; f++) {
        if (snap->findings[f]) {
            hsts_out_str(o, any ? ", " : ": ");
            hsts_out_str(o, hsts_finding_info((hsts_finding_e)f)->code);
            HSTS_OUT_LIT(o, " &times;");
            hsts_out_u64(o, snap->findings[f]);
            any = 1;
        }
    }
    HSTS_OUT_LIT(o, ". Virtual hosts: ");
    hsts_out_u64(o, snap->n_vhosts);
    hsts_status_cert_totals(snap, &certs);
    HSTS_OUT_LIT(o, ". Certificates audited: ");
    hsts_out_u64(o, certs.audited);
    HSTS_OUT_LIT(o, ", with findings: ");
    hsts_out_u64(o, certs.with_findings);
    HSTS_OUT_LIT(o, ". STS withheld by HSTSGuard on ");
    hsts_out_u64(o, hsts_status_count_rows(snap, HSTS_ROW_WITHHOLD));
    HSTS_OUT_LIT(o, " vhosts");
    HSTS_OUT_LIT(o, ". Counting for ");
    html_uptime(o, snap->uptime_s);
    HSTS_OUT_LIT(o, ".</p>\n");
}

/* Inline CSS, no JavaScript. The wide tables (class "w") take the window's
 * width with fixed column shares, and text wraps anywhere, so no value
 * (a long name, path or policy) widens the page past the window. */
static const char html_style[] =
    "<style>\n"
    "body{font-family:sans-serif;font-size:14px;overflow-wrap:anywhere}\n"
    "table{border-collapse:collapse}\n"
    "table.w{width:100%;table-layout:fixed}\n"
    "th,td{border:1px solid #999;padding:2px 5px;text-align:left;vertical-align:top}\n"
    "th{background:#e8e8e8}\n"
    "td.n{text-align:right}\n"
    "table.vh tbody:nth-of-type(even){background:#f3f3f3}\n"
    "table.vh tr.v td{border-bottom:none}\n"
    "table.vh tr.d td{border-top:none;font-size:92%;color:#333;padding:0 5px 4px 20px}\n"
    "tr.ev td{background:#fffbea}\n"
    ".x{margin-left:1.5em}\n"
    ".h{color:#444;font-size:92%}\n"
    ".error{color:#b00000}\n"
    ".warning{color:#a05a00}\n"
    ".ok{color:#006400}\n"
    "table.attn th:nth-child(1){width:15%}table.attn th:nth-child(2){width:14%}\n"
    "table.attn th:nth-child(3){width:13em}table.attn th:nth-child(5){width:14%}\n"
    "table.attn th:nth-child(6){width:17%}\n"
    "table.vh th:nth-child(1){width:22%}table.vh th:nth-child(2){width:3em}\n"
    "table.vh th:nth-child(3){width:5em}table.vh th:nth-child(5){width:11%}\n"
    "table.vh th:nth-child(6){width:10%}table.vh th:nth-child(7){width:6.5em}\n"
    "table.vh th:nth-child(8){width:6.5em}table.vh th:nth-child(9){width:6.5em}\n"
    "table.fi th:nth-child(1){width:17%}table.fi th:nth-child(2){width:5em}\n"
    "table.fi th:nth-child(3){width:7em}table.fi th:nth-child(5){width:16%}\n"
    "table.fi th:nth-child(6){width:24%}\n"
    "table.re th:nth-child(1){width:13em}table.re th:nth-child(2){width:18%}\n"
    "table.re th:nth-child(3){width:15%}table.re th:nth-child(5){width:22%}\n"
    "</style>\n";

/* ---- events of the last hour ------------------------------------------- */

/* How many distinct Host values an event group names. */
#define HTML_EVENT_HOSTS 3

/* The findings of the recent ring in the last hour, one group per vhost
 * and code (design.md section 7: "Needs attention" lists them with the
 * problems), but for client_cert.* (a client's doing, counted in the Mutual
 * TLS table). Strings are copied into the collecting pool. */
typedef struct {
    const char *vhost;
    int code;
    apr_uint64_t count;
    apr_time_t first, last;
    const char *hosts[HTML_EVENT_HOSTS];
    int n_hosts, more_hosts;
} html_event_t;

typedef struct {
    apr_pool_t *p;                 /* the groups (the renderer's scratch pool) */
    apr_hash_t *by_key;            /* "code vhost" -> html_event_t * */
    apr_array_header_t *list;      /* html_event_t *, newest group first */
    apr_time_t from;               /* entries at or after it count */
    apr_uint64_t total;            /* findings in the window */
} html_events_t;

static void html_event_host(html_events_t *ev, html_event_t *g, const char *host)
{
    int i;

    for (i = 0; i < g->n_hosts; i++) {
        if (!strcmp(g->hosts[i], host)) {
            return;
        }
    }
    if (g->n_hosts < HTML_EVENT_HOSTS) {
        g->hosts[g->n_hosts++] = apr_pstrdup(ev->p, host);
    }
    else {
        g->more_hosts = 1;
    }
}

static void html_event_add(void *baton, apr_pool_t *p, apr_size_t index,
                           const hsts_status_recent_t *e)
{
    html_events_t *ev = baton;
    const char *vhost = e->vhost ? e->vhost : "";
    int f;

    (void)index;
    if (e->time < ev->from) {
        return;
    }
    for (f = 0; f < HSTS_F_COUNT; f++) {
        const char *key;
        html_event_t *g;

        if (!(e->findings & HSTS_FINDING_BIT(f))
            || hsts_finding_info((hsts_finding_e)f)->category == HSTS_CAT_CLIENT_CERT) {
            continue;               /* client_cert.*: the Mutual TLS table's */
        }
        key = apr_psprintf(p, "%d %s", f, vhost);
        g = apr_hash_get(ev->by_key, key, APR_HASH_KEY_STRING);
        if (!g) {
            g = apr_pcalloc(ev->p, sizeof(*g));
            g->vhost = apr_pstrdup(ev->p, vhost);
            g->code = f;
            g->first = g->last = e->time;
            apr_hash_set(ev->by_key, apr_pstrdup(ev->p, key), APR_HASH_KEY_STRING, g);
            APR_ARRAY_PUSH(ev->list, html_event_t *) = g;
        }
        g->count++;
        ev->total++;
        g->first = e->time < g->first ? e->time : g->first;
        g->last = e->time > g->last ? e->time : g->last;
        html_event_host(ev, g, e->host ? e->host : "");
    }
}

/* Group the ring's entries of the hour before snap->now. */
static void html_events_collect(html_events_t *ev, apr_pool_t *pool, apr_pool_t *entry_pool,
                                const hsts_status_snapshot_t *snap)
{
    ev->p = pool;
    ev->by_key = apr_hash_make(pool);
    ev->list = apr_array_make(pool, 8, sizeof(html_event_t *));
    ev->from = snap->now - apr_time_from_sec(3600);
    ev->total = 0;
    if (snap->n_recent) {
        hsts_status_recent_each(snap, entry_pool, html_event_add, ev);
    }
}

/* ---- the page ------------------------------------------------------------ */

/* The server's facts and the summary: problems and events apart. */
static void html_facts(hsts_out_t *o, apr_pool_t *p, const hsts_status_snapshot_t *snap,
                       const html_events_t *ev, int refresh)
{
    HSTS_OUT_LIT(o, "<dl>\n");
    if (snap->server_description) {
        HSTS_OUT_LIT(o, "<dt>Server Version: ");
        hsts_out_html(o, p, snap->server_description);
        HSTS_OUT_LIT(o, "</dt>\n");
    }
    HSTS_OUT_LIT(o, "<dt>Module: ");
    hsts_out_html(o, p, hsts_status_module_name(snap));
    HSTS_OUT_LIT(o, " ");
    hsts_out_html(o, p, hsts_status_module_version(snap));
    HSTS_OUT_LIT(o, "</dt>\n<dt>Current Time: ");
    hsts_out_iso_time(o, snap->now);
    HSTS_OUT_LIT(o, "</dt>\n<dt>Counting since: ");
    hsts_out_iso_time(o, snap->started);
    HSTS_OUT_LIT(o, " (kept across graceful restarts)</dt>\n<dt>Uptime: ");
    html_uptime(o, snap->uptime_s);
    HSTS_OUT_LIT(o, "</dt>\n<dt>Virtual hosts: ");
    hsts_out_u64(o, snap->n_vhosts);
    HSTS_OUT_LIT(o, "</dt>\n<dt>");
    html_problems_summary(o, snap);
    HSTS_OUT_LIT(o, "</dt>\n<dt>");
    html_findings_summary(o, snap);
    HSTS_OUT_LIT(o, "; in the last hour: ");
    hsts_out_u64(o, ev->total);
    HSTS_OUT_LIT(o, "</dt>\n");
    if (refresh > 0) {
        HSTS_OUT_LIT(o, "<dt>This page refreshes every ");
        hsts_out_i64(o, refresh);
        HSTS_OUT_LIT(o, " seconds.</dt>\n");
    }
    HSTS_OUT_LIT(o, "<dt>Other formats: <a href=\"?auto\">?auto</a> <a href=\"?json\">?json</a> "
                    "<a href=\"?metrics\">?metrics</a></dt>\n</dl>\n<hr>\n");
}

/* The page's head and title. */
static void html_head(hsts_out_t *o, apr_pool_t *p, const hsts_status_snapshot_t *snap,
                      int refresh)
{
    HSTS_OUT_LIT(o, "<!DOCTYPE html>\n<html lang=\"en\"><head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width\">\n");
    if (refresh > 0) {
        HSTS_OUT_LIT(o, "<meta http-equiv=\"refresh\" content=\"");
        hsts_out_i64(o, refresh);
        HSTS_OUT_LIT(o, "\">\n");
    }
    HSTS_OUT_LIT(o, "<title>HSTS Audit Status");
    if (snap->server_name) {
        HSTS_OUT_LIT(o, " for ");
        hsts_out_html(o, p, snap->server_name);
    }
    HSTS_OUT_LIT(o, "</title>\n");
    hsts_out_str(o, html_style);
    HSTS_OUT_LIT(o, "</head><body>\n<h1>HSTS Audit Status");
    if (snap->server_name) {
        HSTS_OUT_LIT(o, " for ");
        hsts_out_html(o, p, snap->server_name);
    }
    HSTS_OUT_LIT(o, "</h1>\n");
}

/* The "What" of a "Needs attention" row: the summary and the detail. */
static void html_attention_what(hsts_out_t *o, apr_pool_t *p, const hsts_finding_info_t *info,
                                const char *detail)
{
    hsts_out_html(o, p, info->summary);
    if (detail && *detail) {
        HSTS_OUT_LIT(o, " (");
        hsts_out_html(o, p, detail);
        HSTS_OUT_LIT(o, ")");
    }
}

/* The last two cells of a "Needs attention" row: browsers, fix. */
static void html_attention_tail(hsts_out_t *o, apr_pool_t *p, const hsts_finding_info_t *info)
{
    HSTS_OUT_LIT(o, "</td><td>");
    html_text_or_dash(o, p, info->browser_errors);
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_html(o, p, info->fix);
    HSTS_OUT_LIT(o, "</td></tr>\n");
}

/* A problem that stands: code, vhost, since, what (with the host names it
 * touches: the unsafe subdomains for guard.subdomain_not_https, else the
 * vhost's names), browsers, fix. */
static void html_problem_row(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v,
                             const hsts_status_problem_t *pr)
{
    HSTS_OUT_LIT(o, "<tr><td>");
    html_code(o, (int)pr->code);
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_html(o, p, v->name);
    HSTS_OUT_LIT(o, "</td><td>");
    html_time_or_unknown(o, pr->since);
    HSTS_OUT_LIT(o, "</td><td>");
    html_attention_what(o, p, hsts_finding_info(pr->code), pr->detail);
    HSTS_OUT_LIT(o, "<div class=\"h\">Host names: ");
    if (pr->code == HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS
        && v->unsafe_subdomains && v->unsafe_subdomains->nelts) {
        html_names(o, p, v->unsafe_subdomains);
    }
    else {
        html_host_names(o, p, v);
    }
    HSTS_OUT_LIT(o, "</div>");
    html_attention_tail(o, p, hsts_finding_info(pr->code));
}

/* Findings on responses of the last hour, one row per vhost and code: the
 * first time in the hour, how many and the last, the Host values sent. */
static void html_event_row(hsts_out_t *o, apr_pool_t *p, const html_event_t *g)
{
    const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)g->code);
    int i;

    HSTS_OUT_LIT(o, "<tr class=\"ev\"><td>");
    html_code(o, g->code);
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_html(o, p, g->vhost);
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_iso_time(o, g->first);
    HSTS_OUT_LIT(o, "</td><td>On ");
    hsts_out_count(o, g->count, "response", "responses");
    HSTS_OUT_LIT(o, " in the last hour, the last at ");
    hsts_out_iso_time(o, g->last);
    HSTS_OUT_LIT(o, ": ");
    html_attention_what(o, p, info, NULL);
    HSTS_OUT_LIT(o, "<div class=\"h\">Host names (as sent): ");
    for (i = 0; i < g->n_hosts; i++) {
        if (i) {
            HSTS_OUT_LIT(o, ", ");
        }
        html_text_or_dash(o, p, g->hosts[i]);
    }
    if (g->more_hosts) {
        HSTS_OUT_LIT(o, ", &hellip;");
    }
    HSTS_OUT_LIT(o, "</div>");
    html_attention_tail(o, p, info);
}

/* The rows of one severity: the problems (vhosts in configuration order),
 * then the events of the last hour (newest first). */
static void html_attention_rows(hsts_out_t *o, apr_pool_t *p, const hsts_status_snapshot_t *snap,
                                const html_events_t *ev, int sev)
{
    apr_size_t i, j;
    int k;

    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;

        for (j = 0; j < v->n_problems; j++) {
            if ((int)v->problems[j].severity == sev) {
                apr_pool_clear(p);
                html_problem_row(o, p, v, v->problems + j);
            }
        }
    }
    for (k = 0; k < ev->list->nelts; k++) {
        const html_event_t *g = APR_ARRAY_IDX(ev->list, k, const html_event_t *);

        if ((int)hsts_finding_info((hsts_finding_e)g->code)->severity == sev) {
            apr_pool_clear(p);
            html_event_row(o, p, g);
        }
    }
}

/* "Needs attention": every current problem and the findings on responses
 * of the last hour, errors first (design.md section 7). */
static void html_attention(hsts_out_t *o, apr_pool_t *p, const hsts_status_snapshot_t *snap,
                           const html_events_t *ev)
{
    hsts_status_problem_totals_t t;

    hsts_status_problem_totals(snap, &t);
    HSTS_OUT_LIT(o, "<h2>Needs attention</h2>\n");
    if (!t.all && !ev->list->nelts) {
        HSTS_OUT_LIT(o, "<p>Nothing needs attention.</p>\n");
        return;
    }
    HSTS_OUT_LIT(o, "<table class=\"w attn\">\n<tr><th>Problem</th><th>Virtual host</th>"
                    "<th>Since</th><th>What</th><th>Browsers show</th>"
                    "<th>Fix</th></tr>\n");
    html_attention_rows(o, p, snap, ev, HSTS_SEVERITY_ERROR);
    html_attention_rows(o, p, snap, ev, HSTS_SEVERITY_WARNING);
    HSTS_OUT_LIT(o, "</table>\n");
}

static void html_totals(hsts_out_t *o, const hsts_status_snapshot_t *snap)
{
    HSTS_OUT_LIT(o, "<h2>Totals</h2>\n<table><tr>");
    html_counter_headers(o);
    HSTS_OUT_LIT(o, "</tr>\n<tr>");
    html_counter_cells(o, snap->counters);
    HSTS_OUT_LIT(o, "</tr></table>\n");
}

/* A vhost's findings from responses: "code x3" items. */
static void html_vhost_findings(hsts_out_t *o, const hsts_status_vhost_t *v)
{
    int f, any = 0;

    for (f = 0; f < HSTS_F_COUNT; f++) {
        if (v->findings[f]) {
            hsts_out_str(o, any ? ", " : "<div>Findings on responses: ");
            html_code(o, f);
            HSTS_OUT_LIT(o, "&nbsp;&times;");
            hsts_out_u64(o, v->findings[f]);
            any = 1;
        }
    }
    if (any) {
        HSTS_OUT_LIT(o, "</div>\n");
    }
}

/* The compact row's status word: "ok", "STS withheld", "2 problems". */
static void html_vhost_status(hsts_out_t *o, const hsts_status_vhost_t *v)
{
    if (!v->guard_withhold && !v->n_problems) {
        HSTS_OUT_LIT(o, "<span class=\"ok\">ok</span>");
        return;
    }
    if (v->guard_withhold) {
        HSTS_OUT_LIT(o, "<span class=\"error\">STS withheld</span>");
    }
    if (v->n_problems) {
        hsts_out_str(o, v->guard_withhold ? ", <span class=\"" : "<span class=\"");
        hsts_out_str(o, hsts_severity_name(v->problems[0].severity));  /* errors first */
        HSTS_OUT_LIT(o, "\">");
        hsts_out_count(o, v->n_problems, "problem", "problems");
        HSTS_OUT_LIT(o, "</span>");
    }
}

/* The compact row's certificate cell: days left, coloured by its findings. */
static void html_vhost_cert_cell(hsts_out_t *o, const hsts_status_vhost_t *v, apr_time_t now)
{
    const hsts_status_cert_t *c = v->cert;

    if (!c) {
        hsts_out_str(o, v->tls ? "<i>not audited</i>" : "&ndash;");
        return;
    }
    if (c->findings) {
        HSTS_OUT_LIT(o, "<span class=\"");
        hsts_out_str(o, hsts_severity_name(hsts_findings_severity(c->findings)));
        HSTS_OUT_LIT(o, "\">");
    }
    if (c->not_after) {
        html_days_left(o, hsts_days_until(c->not_after, now));
    }
    else {
        HSTS_OUT_LIT(o, "?");
    }
    if (c->findings) {
        HSTS_OUT_LIT(o, "</span>");
    }
}

/* The row under the compact one: aliases, certificate, guard, every
 * counter, the findings on responses. */
/* The lines of the field table (status_model.c) that have an HTML label,
 * "Label: value"; a field with nothing to say (absent, an empty list, NULL)
 * has no line. */
static void html_detail_fields(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v,
                               apr_time_t now)
{
    int i;

    for (i = 0; i < hsts_status_n_vhost_fields; i++) {
        const hsts_status_field_t *f = hsts_status_vhost_fields + i;
        hsts_status_value_t val = { 0 };

        if (!f->html_label) {
            continue;
        }
        f->get(v, now, &val);
        if (val.absent || (f->kind == HSTS_FIELD_STRS && (!val.strs || !val.strs->nelts))
            || (f->kind == HSTS_FIELD_STR && !val.str)) {
            continue;
        }
        HSTS_OUT_LIT(o, "<div>");
        hsts_out_str(o, f->html_label);          /* static text */
        HSTS_OUT_LIT(o, ": ");
        if (f->kind == HSTS_FIELD_STRS) {
            html_names(o, p, val.strs);
        }
        else if (f->kind == HSTS_FIELD_STR) {
            hsts_out_html(o, p, val.str);
        }
        else if (f->kind == HSTS_FIELD_I64) {
            hsts_out_i64(o, val.i64);
        }
        else {
            hsts_out_u64(o, val.u64);
        }
        HSTS_OUT_LIT(o, "</div>\n");
    }
}

static void html_vhost_details(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v,
                               apr_time_t now)
{
    int c;

    HSTS_OUT_LIT(o, "<tr class=\"d\"><td colspan=\"9\">\n");
    html_detail_fields(o, p, v, now);
    html_certificate(o, p, v, now);
    html_guard(o, p, v);
    html_ramp(o, v->ramp);
    html_preload(o, p, v->preload);
    HSTS_OUT_LIT(o, "<div>Counters: ");
    for (c = 0; c < HSTS_C_COUNT; c++) {
        if (c) {
            HSTS_OUT_LIT(o, " &middot; ");
        }
        hsts_out_str(o, hsts_status_counter_names[c].label);
        HSTS_OUT_LIT(o, "&nbsp;");
        hsts_out_u64(o, v->counters[c]);
    }
    HSTS_OUT_LIT(o, "</div>\n");
    html_vhost_findings(o, v);
    HSTS_OUT_LIT(o, "</td></tr>\n");
}

/* One vhost: a compact row (name, TLS, mode, policy, status, certificate,
 * key counters), its details below it. */
static void html_vhost(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v,
                       apr_time_t now)
{
    HSTS_OUT_LIT(o, "<tbody><tr class=\"v\"><td>");
    hsts_out_html(o, p, v->name);
    if (v->main_server) {
        HSTS_OUT_LIT(o, " <i>(main server)</i>");
    }
    hsts_out_str(o, v->tls ? "</td><td>yes</td><td>" : "</td><td>no</td><td>");
    hsts_out_html(o, p, v->mode);
    HSTS_OUT_LIT(o, "</td><td>");
    if (v->policy) {
        hsts_out_html(o, p, v->policy);
    }
    else {
        HSTS_OUT_LIT(o, "<i>none</i>");
    }
    /* what left the server, where it is not the configured policy */
    if (v->sent_policy && (!v->policy || strcmp(v->sent_policy, v->policy))) {
        HSTS_OUT_LIT(o, "<br><span class=\"warning\">sent: ");
        hsts_out_html(o, p, v->sent_policy);
        HSTS_OUT_LIT(o, "</span>");
    }
    HSTS_OUT_LIT(o, "</td><td>");
    html_vhost_status(o, v);
    HSTS_OUT_LIT(o, "</td><td>");
    html_vhost_cert_cell(o, v, now);
    HSTS_OUT_LIT(o, "</td><td class=\"n\">");
    hsts_out_u64(o, v->counters[HSTS_C_REQUESTS_HTTPS]);
    HSTS_OUT_LIT(o, "</td><td class=\"n\">");
    hsts_out_u64(o, v->counters[HSTS_C_REQUESTS_HTTP]);
    HSTS_OUT_LIT(o, "</td><td class=\"n\">");
    hsts_out_u64(o, hsts_status_sum_findings(v->findings, -1));
    HSTS_OUT_LIT(o, "</td></tr>\n");
    html_vhost_details(o, p, v, now);
    HSTS_OUT_LIT(o, "</tbody>\n");
}

/* The vhost table, in configuration order; returns the codes its
 * certificates, guard and problems show, which the Findings table explains
 * too. */
static hsts_findings_t html_vhosts(hsts_out_t *o, apr_pool_t *p,
                                   const hsts_status_snapshot_t *snap)
{
    hsts_findings_t shown = 0;
    apr_size_t i, j;

    HSTS_OUT_LIT(o, "<h2>Virtual hosts</h2>\n<table class=\"w vh\">\n<thead><tr>"
                    "<th>Virtual host</th><th>TLS</th><th>Mode</th><th>Policy</th>"
                    "<th>Status</th><th>Certificate</th><th>HTTPS responses</th>"
                    "<th>HTTP responses</th><th>Findings</th></tr></thead>\n");
    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;

        apr_pool_clear(p);
        if (v->cert) {
            shown |= v->cert->findings;
        }
        if (v->unsafe_subdomains && v->unsafe_subdomains->nelts) {
            shown |= HSTS_FINDING_BIT(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);
        }
        for (j = 0; j < v->n_problems; j++) {
            shown |= HSTS_FINDING_BIT(v->problems[j].code);
        }
        html_vhost(o, p, v, snap->now);
    }
    HSTS_OUT_LIT(o, "</table>\n");
    return shown;
}

/* How many vhosts a problem stands on now. */
static apr_uint64_t standing_on(const hsts_status_snapshot_t *snap, int f)
{
    apr_uint64_t n = 0;
    apr_size_t i, j;

    for (i = 0; i < snap->n_vhosts; i++) {
        for (j = 0; j < snap->vhosts[i].n_problems; j++) {
            n += (int)snap->vhosts[i].problems[j].code == f;
        }
    }
    return n;
}

static void html_finding_row(hsts_out_t *o, apr_pool_t *p, int f, apr_uint64_t count,
                             apr_uint64_t vhosts)
{
    const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)f);

    HSTS_OUT_LIT(o, "<tr id=\"f-");
    hsts_out_str(o, info->code);
    HSTS_OUT_LIT(o, "\"><td>");
    html_code(o, f);
    HSTS_OUT_LIT(o, "</td><td class=\"");
    hsts_out_str(o, hsts_severity_name(info->severity));
    HSTS_OUT_LIT(o, "\">");
    hsts_out_str(o, hsts_severity_name(info->severity));
    HSTS_OUT_LIT(o, "</td><td class=\"n\">");
    if (hsts_finding_is_problem((hsts_finding_e)f)) {
        hsts_out_count(o, vhosts, "vhost now", "vhosts now");   /* a condition */
    }
    else {
        hsts_out_u64(o, count);
    }
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_html(o, p, info->summary);
    HSTS_OUT_LIT(o, "</td><td>");
    html_text_or_dash(o, p, info->browser_errors);
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_html(o, p, info->fix);
    HSTS_OUT_LIT(o, "</td></tr>\n");
}

/* What each finding seen (counted, or shown in the vhost table) means. */
static void html_findings(hsts_out_t *o, apr_pool_t *p, const hsts_status_snapshot_t *snap,
                          hsts_findings_t shown)
{
    int f, any = 0;

    HSTS_OUT_LIT(o, "<h2>Findings</h2>\n");
    for (f = 0; f < HSTS_F_COUNT; f++) {
        if (!snap->findings[f] && !(shown & HSTS_FINDING_BIT(f))) {
            continue;
        }
        apr_pool_clear(p);
        if (!any) {
            HSTS_OUT_LIT(o, "<table class=\"w fi\">\n<tr><th>Code</th><th>Severity</th>"
                            "<th>Responses or vhosts</th><th>What it means</th>"
                            "<th>Browser errors</th><th>Fix</th></tr>\n");
            any = 1;
        }
        html_finding_row(o, p, f, snap->findings[f], standing_on(snap, f));
    }
    if (any) {
        HSTS_OUT_LIT(o, "</table>\n");
    }
    else {
        HSTS_OUT_LIT(o, "<p>No findings.</p>\n");
    }
}

static void html_mutual_tls(hsts_out_t *o, const hsts_status_snapshot_t *snap)
{
    int f;

    HSTS_OUT_LIT(o, "<h2>Mutual TLS rejections</h2>\n<table>\n<tr><th>Reason</th><th>Count</th></tr>\n"
                    "<tr><td>client certificate failed verification (495)</td><td class=\"n\">");
    hsts_out_u64(o, snap->counters[HSTS_C_CLIENT_CERT_REJECTED_495]);
    HSTS_OUT_LIT(o, "</td></tr>\n<tr><td>no client certificate (496)</td><td class=\"n\">");
    hsts_out_u64(o, snap->counters[HSTS_C_CLIENT_CERT_REJECTED_496]);
    HSTS_OUT_LIT(o, "</td></tr>\n");
    for (f = 0; f < HSTS_F_COUNT; f++) {
        const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)f);

        if (info->category == HSTS_CAT_CLIENT_CERT && info->severity == HSTS_SEVERITY_ERROR) {
            HSTS_OUT_LIT(o, "<tr><td>");
            html_code_ex(o, f, snap->findings[f] > 0);
            HSTS_OUT_LIT(o, "</td><td class=\"n\">");
            hsts_out_u64(o, snap->findings[f]);
            HSTS_OUT_LIT(o, "</td></tr>\n");
        }
    }
    HSTS_OUT_LIT(o, "</table>\n");
}

static void html_recent_row(void *baton, apr_pool_t *p, apr_size_t index,
                            const hsts_status_recent_t *e)
{
    hsts_out_t *o = baton;

    (void)index;
    HSTS_OUT_LIT(o, "<tr><td>");
    hsts_out_iso_time(o, e->time);
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_html(o, p, e->vhost);
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_html(o, p, e->host);
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_html(o, p, e->path);
    HSTS_OUT_LIT(o, "</td><td>");
    html_code_list(o, e->findings);
    HSTS_OUT_LIT(o, "</td></tr>\n");
}

static void html_recent(hsts_out_t *o, apr_pool_t *p, const hsts_status_snapshot_t *snap)
{
    HSTS_OUT_LIT(o, "<h2>Recent findings (");
    hsts_out_u64(o, snap->n_recent);
    HSTS_OUT_LIT(o, " of at most ");
    hsts_out_u64(o, snap->recent_capacity);
    HSTS_OUT_LIT(o, ", newest first)</h2>\n");
    if (!snap->n_recent) {
        return;
    }
    HSTS_OUT_LIT(o, "<table class=\"w re\">\n<tr><th>Time</th><th>Virtual host</th><th>Host</th>"
                    "<th>Path</th><th>Findings</th></tr>\n");
    hsts_status_recent_each(snap, p, html_recent_row, o);
    HSTS_OUT_LIT(o, "</table>\n");
}

static void html_foot(hsts_out_t *o, apr_pool_t *p, const hsts_status_snapshot_t *snap)
{
    HSTS_OUT_LIT(o, "<hr>\n");
    if (snap->server_description) {
        HSTS_OUT_LIT(o, "<address>");
        hsts_out_html(o, p, snap->server_description);
        HSTS_OUT_LIT(o, "</address>\n");
    }
    HSTS_OUT_LIT(o, "</body></html>\n");
}

/* The whole page, problems first. */
static void html_page(hsts_out_t *o, apr_pool_t *scratch, apr_pool_t *p,
                      const hsts_status_snapshot_t *snap, int refresh)
{
    html_events_t ev;
    hsts_findings_t shown;

    html_events_collect(&ev, scratch, p, snap);
    html_head(o, p, snap, refresh);
    html_facts(o, p, snap, &ev, refresh);
    html_attention(o, p, snap, &ev);
    shown = html_vhosts(o, p, snap);
    html_totals(o, snap);
    html_findings(o, p, snap, shown);
    html_mutual_tls(o, snap);
    html_recent(o, p, snap);
    html_foot(o, p, snap);
}

void hsts_status_render_html(const hsts_status_snapshot_t *snap, unsigned flags, int refresh,
                             hsts_write_fn write, void *baton, apr_pool_t *scratch)
{
    apr_pool_t *p = hsts_status_row_pool(scratch);
    hsts_out_t o;

    hsts_out_init(&o, write, baton, scratch);
    if (flags & HSTS_STATUS_SECTION) {
        html_section(&o, p, snap, flags);
    }
    else {
        html_page(&o, scratch, p, snap, refresh);
    }
    hsts_out_flush(&o);
    apr_pool_destroy(p);
}
