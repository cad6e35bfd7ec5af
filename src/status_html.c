/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_html.c: the status snapshot as HTML (docs/status.md): the
 * hsts-audit-status page, one function per section, and the short section
 * in mod_status's /server-status. Every value from a snapshot is escaped
 * (hsts_out_html); finding codes and counter labels are static text.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "status_model.h"
#include "status_out.h"
#include "hsts_duration.h"

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

static void html_certificate(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v,
                             apr_time_t now)
{
    const hsts_status_cert_t *c = v->cert;
    int f;

    if (!c) {
        if (v->tls) {
            HSTS_OUT_LIT(o, "<i>not audited</i>");
        }
        else {
            HSTS_OUT_LIT(o, "&ndash;");
        }
        return;
    }
    HSTS_OUT_LIT(o, "Subject: ");
    hsts_out_html(o, p, c->subject ? c->subject : "?");
    HSTS_OUT_LIT(o, "<br>Issuer: ");
    hsts_out_html(o, p, c->issuer ? c->issuer : "?");
    HSTS_OUT_LIT(o, "<br>Not after: ");
    if (c->not_after) {
        hsts_out_iso_time(o, c->not_after);
        HSTS_OUT_LIT(o, " (");
        html_days_left(o, hsts_days_until(c->not_after, now));
        HSTS_OUT_LIT(o, ")");
    }
    else {
        HSTS_OUT_LIT(o, "?");
    }
    HSTS_OUT_LIT(o, "<br>Names: ");
    html_names(o, p, c->names);
    HSTS_OUT_LIT(o, "<br>Chain: ");
    if (c->chain_complete < 0) {
        HSTS_OUT_LIT(o, "?");
    }
    else if (c->chain_complete) {
        HSTS_OUT_LIT(o, "complete");
    }
    else {
        HSTS_OUT_LIT(o, "<span class=\"error\">incomplete</span>");
    }
    for (f = 0; f < HSTS_F_COUNT; f++) {
        const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)f);

        if (!(c->findings & HSTS_FINDING_BIT(f))) {
            continue;
        }
        HSTS_OUT_LIT(o, "<br>");
        html_code(o, f);
        HSTS_OUT_LIT(o, ": ");
        hsts_out_html(o, p, info->summary);
        if (info->browser_errors) {
            HSTS_OUT_LIT(o, "<br>&nbsp;&nbsp;Browsers show: ");
            hsts_out_html(o, p, info->browser_errors);
        }
        HSTS_OUT_LIT(o, "<br>&nbsp;&nbsp;Fix: ");
        hsts_out_html(o, p, info->fix);
    }
}

/* The lock-out guard's verdict, under the policy. */
static void html_guard(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v)
{
    const hsts_finding_info_t *info = hsts_finding_info(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);

    if (v->guard_withhold) {
        HSTS_OUT_LIT(o, "<br><span class=\"error\">withheld by HSTSGuard: no STS is sent "
                   "until the risk is fixed</span>");
    }
    if (v->unsafe_subdomains && v->unsafe_subdomains->nelts) {
        HSTS_OUT_LIT(o, "<br>");
        html_code(o, HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);
        HSTS_OUT_LIT(o, ": ");
        html_names(o, p, v->unsafe_subdomains);
        HSTS_OUT_LIT(o, "<br>&nbsp;&nbsp;Browsers show: ");
        hsts_out_html(o, p, info->browser_errors);
        HSTS_OUT_LIT(o, "<br>&nbsp;&nbsp;Fix: ");
        hsts_out_html(o, p, info->fix);
    }
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

static void html_findings_summary(hsts_out_t *o, const hsts_status_snapshot_t *snap)
{
    HSTS_OUT_LIT(o, "Findings: ");
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

static const char html_style[] =
    "<style>\n"
    "body{font-family:sans-serif}\n"
    "table{border-collapse:collapse}\n"
    "th,td{border:1px solid #999;padding:2px 6px;text-align:left;vertical-align:top}\n"
    "td.n{text-align:right}\n"
    ".error{color:#b00000}\n"
    ".warning{color:#a05a00}\n"
    "</style>\n";

/* The page's head and the server's facts. */
static void html_head(hsts_out_t *o, apr_pool_t *p, const hsts_status_snapshot_t *snap,
                      int refresh)
{
    HSTS_OUT_LIT(o, "<!DOCTYPE html>\n<html lang=\"en\"><head>\n<meta charset=\"utf-8\">\n");
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
    HSTS_OUT_LIT(o, "</h1>\n<dl>\n");
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
    HSTS_OUT_LIT(o, "</dt>\n");
    if (refresh > 0) {
        HSTS_OUT_LIT(o, "<dt>This page refreshes every ");
        hsts_out_i64(o, refresh);
        HSTS_OUT_LIT(o, " seconds.</dt>\n");
    }
    HSTS_OUT_LIT(o, "<dt>Other formats: <a href=\"?auto\">?auto</a> <a href=\"?json\">?json</a> "
                    "<a href=\"?metrics\">?metrics</a></dt>\n</dl>\n<hr>\n");
}

static void html_problem_row(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v,
                             const hsts_status_problem_t *pr)
{
    const hsts_finding_info_t *info = hsts_finding_info(pr->code);

    HSTS_OUT_LIT(o, "<tr><td>");
    html_code(o, (int)pr->code);
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_html(o, p, v->name);
    HSTS_OUT_LIT(o, "</td><td>");
    if (pr->since) {
        hsts_out_iso_time(o, pr->since);
    }
    else {
        HSTS_OUT_LIT(o, "?");
    }
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_html(o, p, info->summary);
    if (pr->detail && *pr->detail) {
        HSTS_OUT_LIT(o, " (");
        hsts_out_html(o, p, pr->detail);
        HSTS_OUT_LIT(o, ")");
    }
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_html(o, p, info->browser_errors ? info->browser_errors : "-");
    HSTS_OUT_LIT(o, "</td><td>");
    hsts_out_html(o, p, info->fix);
    HSTS_OUT_LIT(o, "</td></tr>\n");
}

/* "Needs attention": every current problem, errors first (design.md
 * section 7). */
static void html_attention(hsts_out_t *o, apr_pool_t *p, const hsts_status_snapshot_t *snap)
{
    hsts_status_problem_totals_t t;
    apr_size_t i, j;
    int sev;

    hsts_status_problem_totals(snap, &t);
    HSTS_OUT_LIT(o, "<h2>Needs attention</h2>\n");
    if (!t.all) {
        HSTS_OUT_LIT(o, "<p>Nothing needs attention.</p>\n");
        return;
    }
    HSTS_OUT_LIT(o, "<table>\n<tr><th>Problem</th><th>Virtual host</th><th>Since</th>"
                    "<th>What</th><th>Browsers show</th><th>Fix</th></tr>\n");
    for (sev = HSTS_SEVERITY_ERROR; sev >= HSTS_SEVERITY_WARNING; sev--) {
        for (i = 0; i < snap->n_vhosts; i++) {
            const hsts_status_vhost_t *v = snap->vhosts + i;

            for (j = 0; j < v->n_problems; j++) {
                if ((int)v->problems[j].severity == sev) {
                    apr_pool_clear(p);
                    html_problem_row(o, p, v, v->problems + j);
                }
            }
        }
    }
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

/* A vhost's findings from responses: "code x3" lines. */
static void html_vhost_findings(hsts_out_t *o, const hsts_status_vhost_t *v)
{
    int f, any = 0;

    for (f = 0; f < HSTS_F_COUNT; f++) {
        if (v->findings[f]) {
            if (any) {
                HSTS_OUT_LIT(o, "<br>");
            }
            html_code(o, f);
            HSTS_OUT_LIT(o, "&nbsp;&times;");
            hsts_out_u64(o, v->findings[f]);
            any = 1;
        }
    }
    if (!any) {
        HSTS_OUT_LIT(o, "&ndash;");
    }
}

static void html_vhost_row(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v,
                           apr_time_t now)
{
    HSTS_OUT_LIT(o, "<tr><td>");
    hsts_out_html(o, p, v->name);
    if (v->main_server) {
        HSTS_OUT_LIT(o, " <i>(main server)</i>");
    }
    HSTS_OUT_LIT(o, "</td><td>");
    html_names(o, p, v->aliases);
    hsts_out_str(o, v->tls ? "</td><td>yes</td><td>" : "</td><td>no</td><td>");
    hsts_out_html(o, p, v->mode);
    HSTS_OUT_LIT(o, "</td><td>");
    if (v->policy) {
        hsts_out_html(o, p, v->policy);
    }
    else {
        HSTS_OUT_LIT(o, "<i>none</i>");
    }
    html_guard(o, p, v);
    HSTS_OUT_LIT(o, "</td>");
    html_counter_cells(o, v->counters);
    HSTS_OUT_LIT(o, "<td>");
    html_certificate(o, p, v, now);
    HSTS_OUT_LIT(o, "</td><td>");
    html_vhost_findings(o, v);
    HSTS_OUT_LIT(o, "</td></tr>\n");
}

/* The vhost table; returns the codes its certificates and guard show, which
 * the Findings table explains too. */
static hsts_findings_t html_vhosts(hsts_out_t *o, apr_pool_t *p,
                                   const hsts_status_snapshot_t *snap)
{
    hsts_findings_t shown = 0;
    apr_size_t i;

    HSTS_OUT_LIT(o, "<h2>Virtual hosts</h2>\n<table>\n<tr><th>Virtual host</th><th>Aliases</th>"
                    "<th>TLS</th><th>Mode</th><th>Policy</th>");
    html_counter_headers(o);
    HSTS_OUT_LIT(o, "<th>Certificate</th><th>Findings</th></tr>\n");
    for (i = 0; i < snap->n_vhosts; i++) {
        const hsts_status_vhost_t *v = snap->vhosts + i;

        apr_pool_clear(p);
        if (v->cert) {
            shown |= v->cert->findings;
        }
        if (v->unsafe_subdomains && v->unsafe_subdomains->nelts) {
            shown |= HSTS_FINDING_BIT(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);
        }
        html_vhost_row(o, p, v, snap->now);
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
    if (info->browser_errors) {
        hsts_out_html(o, p, info->browser_errors);
    }
    else {
        HSTS_OUT_LIT(o, "&ndash;");
    }
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
            HSTS_OUT_LIT(o, "<table>\n<tr><th>Code</th><th>Severity</th><th>Responses or vhosts</th>"
                            "<th>What it means</th><th>Browser errors</th><th>Fix</th></tr>\n");
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
    HSTS_OUT_LIT(o, "<table>\n<tr><th>Time</th><th>Virtual host</th><th>Host</th><th>Path</th>"
                    "<th>Findings</th></tr>\n");
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
        html_head(&o, p, snap, refresh);
        html_attention(&o, p, snap);
        html_totals(&o, snap);
        html_findings(&o, p, snap, html_vhosts(&o, p, snap));
        html_mutual_tls(&o, snap);
        html_recent(&o, p, snap);
        html_foot(&o, p, snap);
    }
    hsts_out_flush(&o);
    apr_pool_destroy(p);
}
