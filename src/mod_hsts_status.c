/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_status.c: the hsts-audit-status handler and the section in
 * mod_status's /server-status (design.md section 7, docs/status.md).
 *
 * httpd glue only: pick the format from the query string, build a snapshot
 * from the server_rec chain and the shared statistics area, and hand it to
 * the core renderers (src/status_model.c and one src/status_<format>.c
 * each) with a writer that feeds ap_rwrite(). The certificate findings, the
 * guard and the problems are the current ones: the watch's (or the startup
 * audit's) results in the shared area, mod_hsts_watch.c. Nothing is served unless an administrator configured
 * `SetHandler hsts-audit-status` somewhere.
 */
#include "mod_hsts_private.h"

#include <http_core.h>
#include <http_main.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_optional_hooks.h>
#include <apr_strings.h>
#include <mod_status.h>

#include "hsts_cert.h"
#include "hsts_status.h"

#define HSTS_STATUS_HANDLER "hsts-audit-status"

static void write_to_request(void *baton, const char *data, apr_size_t len)
{
    request_rec *r = baton;

    while (len) {
        int n = len > (apr_size_t)APR_INT32_MAX ? APR_INT32_MAX : (int)len;

        if (ap_rwrite(data, n, r) < 0) {
            return;             /* client gone: the rest goes nowhere either */
        }
        data += n;
        len -= (apr_size_t)n;
    }
}

/* ServerAlias names, plain and wildcard. */
static apr_array_header_t *vhost_aliases(apr_pool_t *p, const server_rec *s)
{
    int plain = s->names ? s->names->nelts : 0;
    int wild = s->wild_names ? s->wild_names->nelts : 0;
    apr_array_header_t *all;

    if (!wild) {
        return plain ? s->names : NULL;
    }
    all = apr_array_make(p, plain + wild, sizeof(const char *));
    if (plain) {
        apr_array_cat(all, s->names);
    }
    apr_array_cat(all, s->wild_names);
    return all;
}

/* The certificate audit's facts for this vhost (design.md section 5,
 * src/mod_hsts_certs.c: the chain mod_ssl loaded, audited at startup) with
 * its current findings (cur, the shared area); NULL when the vhost is not
 * TLS or was not audited. days_left is computed by the renderers. */
static const hsts_status_cert_t *vhost_certificate(apr_pool_t *p, const hsts_srv_conf *sc,
                                                   const hsts_problems_t *cur)
{
    const hsts_cert_report_t *report = sc->cert;
    hsts_findings_t chain_bad = HSTS_FINDING_BIT(HSTS_F_CERT_CHAIN_INCOMPLETE)
                                | HSTS_FINDING_BIT(HSTS_F_CERT_UNTRUSTED);
    hsts_status_cert_t *c;
    int f;

    if (!sc->is_tls || !report) {
        return NULL;
    }
    c = apr_pcalloc(p, sizeof(*c));
    c->subject = report->subject;
    c->issuer = report->issuer;
    c->not_after = report->not_after;
    c->names = report->names;
    for (f = 0; f < HSTS_F_COUNT; f++) {
        if (hsts_finding_info((hsts_finding_e)f)->category == HSTS_CAT_CERT) {
            c->findings |= cur->problems & HSTS_FINDING_BIT(f);
        }
    }
    c->chain_complete = report->chain_complete && !(c->findings & chain_bad) ? 1 : 0;
    return c;
}

/* What held the ramp, for ramp.held's detail. */
static const char *ramp_held_detail(apr_pool_t *p, const hsts_status_ramp_t *ramp)
{
    if (!ramp || !ramp->held_by) {
        return NULL;
    }
    return apr_pstrcat(p, "held by: ", hsts_findings_join(p, ramp->held_by, " "), NULL);
}

/* The current problems of a vhost (errors first), and its guard verdict. */
static void vhost_problems(apr_pool_t *p, const hsts_srv_conf *sc, const hsts_problems_t *cur,
                           apr_time_t now, hsts_status_vhost_t *row)
{
    hsts_status_problem_t *list = apr_pcalloc(p, sizeof(*list) * HSTS_F_COUNT);
    int sev, f;

    row->guard_withhold = cur->withhold != 0;
    row->unsafe_subdomains = NULL;
    if (cur->n_unsafe) {
        char *names = apr_pstrdup(p, cur->unsafe), *last = NULL, *name;

        row->unsafe_subdomains = apr_array_make(p, (int)cur->n_unsafe, sizeof(const char *));
        for (name = apr_strtok(names, " ", &last); name; name = apr_strtok(NULL, " ", &last)) {
            if (strcmp(name, "...")) {
                APR_ARRAY_PUSH(row->unsafe_subdomains, const char *) = name;
            }
        }
    }
    for (sev = HSTS_SEVERITY_ERROR; sev >= HSTS_SEVERITY_WARNING; sev--) {
        for (f = 0; f < HSTS_F_COUNT; f++) {
            hsts_status_problem_t *pr = list + row->n_problems;
            hsts_severity_e now_sev = (cur->warnings & HSTS_FINDING_BIT(f))
                ? HSTS_SEVERITY_WARNING : (cur->errors & HSTS_FINDING_BIT(f))
                ? HSTS_SEVERITY_ERROR : hsts_finding_info((hsts_finding_e)f)->severity;

            if (!(cur->problems & HSTS_FINDING_BIT(f)) || (int)now_sev != sev) {
                continue;
            }
            pr->code = (hsts_finding_e)f;
            pr->severity = now_sev;
            pr->since = cur->since[f];
            pr->detail = f == HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS
                ? apr_pstrcat(p, "subdomains: ", cur->unsafe, NULL)
                : f == HSTS_F_RAMP_HELD ? ramp_held_detail(p, row->ramp)
                : hsts_finding_info((hsts_finding_e)f)->category != HSTS_CAT_CERT
                ? hsts_problems_self_check_detail(p, cur->self_check,
                                                  hsts_finding_info((hsts_finding_e)f)->code)
                : hsts_certs_detail(p, sc->cert, (hsts_finding_e)f, cur->verify_error, now);
            row->n_problems++;
        }
    }
    row->problems = list;
}

/* The vhost's max-age ramp as the formats show it, or NULL. */
static const hsts_status_ramp_t *vhost_ramp(apr_pool_t *p, const hsts_srv_conf *sc)
{
    hsts_status_ramp_t *row;
    hsts_ramp_state_t st;

    if (!sc->ramp || !hsts_srv_ramp_state(sc, &st)) {
        return NULL;
    }
    row = apr_pcalloc(p, sizeof(*row));
    row->steps = sc->ramp->steps;
    row->n_steps = sc->ramp->n_steps;
    row->step = hsts_ramp_index_for(sc->ramp, st.max_age);
    row->max_age = sc->ramp->steps[row->step];
    row->since = st.since;
    row->next_max_age = row->step + 1 < row->n_steps ? row->steps[row->step + 1] : -1;
    row->next_at = hsts_ramp_next_at(sc->ramp, sc->ramp_hold, &st);
    row->held_at = st.held_at;
    row->held_by = st.held_by;
    return row;
}

/* The preload standing of a vhost that checks itself and sends preload. */
static const hsts_status_preload_t *vhost_preload(apr_pool_t *p, server_rec *s,
                                                  const hsts_problems_t *cur)
{
    const hsts_srv_conf *sc = hsts_srv_conf_of(s);
    const hsts_dir_conf *dc = ap_get_module_config(s->lookup_defaults, &hsts_audit_module);
    hsts_status_preload_t *pr;

    if (!sc->self_checks || !dc || dc->preload != 1) {
        return NULL;
    }
    pr = apr_pcalloc(p, sizeof(*pr));
    pr->checked_at = cur->self_checked;
    switch (cur->preload) {
    case HSTS_PRELOAD_ELIGIBLE:
    case HSTS_PRELOAD_AT_RISK:
        pr->verdict = cur->preload == HSTS_PRELOAD_ELIGIBLE ? "eligible" : "at risk";
        pr->codes = hsts_problems_self_check_codes(p, cur->self_check, 1);
        pr->note = hsts_problems_self_check_detail(p, cur->self_check, "not_followed");
        if (pr->note) {
            pr->note = apr_pstrcat(p, "not followed, this server does not serve them: ",
                                   pr->note, NULL);
        }
        break;
    default:
        pr->verdict = "unknown";
        pr->note = cur->self_check[0] ? apr_pstrdup(p, cur->self_check)
                                      : "not checked yet: the watch checks at its next run";
        break;
    }
    return pr;
}

/* One vhost's row. */
static void vhost_row(request_rec *r, const hsts_runtime *rt, server_rec *s, apr_time_t now,
                      hsts_status_vhost_t *row)
{
    const hsts_srv_conf *sc = hsts_srv_conf_of(s);
    const hsts_dir_conf *dc = ap_get_module_config(s->lookup_defaults, &hsts_audit_module);
    hsts_problems_t *slot = hsts_srv_problems(sc), cur;

    row->name = sc->name ? sc->name : (s->server_hostname ? s->server_hostname : "*");
    row->aliases = vhost_aliases(r->pool, s);
    row->tls = sc->is_tls;
    row->main_server = !s->is_virtual;
    row->mode = hsts_mode_name(dc ? (int)dc->effective_mode : HSTS_MODE_REPORT);
    row->ramp = vhost_ramp(r->pool, sc);
    row->policy = dc ? dc->policy : NULL;
    if (dc && dc->policy && row->ramp) {
        hsts_conf_policy_t pol;

        hsts_conf_policy_at(dc, row->ramp->step, &pol);
        row->policy = pol.policy;
    }
    {
        char sent[HSTS_SENT_LEN];

        row->sent_policy = hsts_stats_read_sent(rt->stats, sc->vhost_index, sent)
                           ? apr_pstrdup(r->pool, sent) : NULL;
    }
    hsts_status_vhost_counters(row, rt->stats, sc->vhost_index);
    if (!slot || !hsts_problems_read(slot, &cur)) {
        memset(&cur, 0, sizeof(cur));
    }
    row->cert = vhost_certificate(r->pool, sc, &cur);
    row->preload = vhost_preload(r->pool, s, &cur);
    vhost_problems(r->pool, sc, &cur, now, row);
}

/* The rows in configuration order: the main server, then the vhosts as the
 * configuration names them (httpd's server_rec chain has each new vhost
 * put first, after the main server: read backwards). */
static void build_snapshot(request_rec *r, const hsts_runtime *rt, int with_recent,
                           hsts_status_snapshot_t *snap)
{
    server_rec *s;
    hsts_status_vhost_t *rows;
    apr_size_t n = 0, i;

    hsts_status_snapshot_init(snap, r->pool, rt->stats, apr_time_now(), with_recent);
    snap->server_description = ap_get_server_description();
    snap->server_name = ap_get_server_name(r);
    for (s = ap_server_conf; s; s = s->next) {
        n++;
    }
    rows = apr_pcalloc(r->pool, sizeof(*rows) * (n ? n : 1));
    for (i = 0, s = ap_server_conf; s && i < n; s = s->next, i++) {
        vhost_row(r, rt, s, snap->now, rows + (i ? n - i : 0));
    }
    snap->vhosts = rows;
    snap->n_vhosts = i;
}

static const hsts_runtime *runtime_of(const request_rec *r)
{
    const hsts_srv_conf *sc = hsts_srv_conf_of(r->server);

    return sc && sc->rt && sc->rt->stats ? sc->rt : NULL;
}

static int hsts_status_handler(request_rec *r)
{
    const hsts_runtime *rt;
    hsts_status_query_t q;
    hsts_status_snapshot_t snap;

    if (!r->handler || strcmp(r->handler, HSTS_STATUS_HANDLER)) {
        return DECLINED;
    }
    /* GET and HEAD; the Allow header of a 405 comes from allowed_methods */
    ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    rt = runtime_of(r);
    if (!rt) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, HSTSLOGNO(00090)
                      "mod_hsts_audit: status page requested, but the module's "
                      "statistics are not set up (did post_config fail?)");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    hsts_status_parse_query(r->args, &q);
    ap_set_content_type(r, hsts_status_content_type(q.format));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (q.refresh) {
        apr_table_setn(r->headers_out, "Refresh", apr_itoa(r->pool, q.refresh));
    }
    if (r->header_only) {
        return OK;
    }
    /* the ring's count is cheap (no copy); only ?metrics does without it */
    build_snapshot(r, rt, q.format != HSTS_STATUS_METRICS, &snap);
    hsts_status_render(q.format, &snap, 0, q.refresh, write_to_request, r, r->pool);
    return OK;
}

/* mod_status's status_hook: a short section in /server-status, and
 * HstsAudit* lines in /server-status?auto (AP_STATUS_SHORT). An optional
 * hook, so it works whether mod_status is loaded before this module, after
 * it, or not at all. */
static int hsts_mod_status_hook(request_rec *r, int flags)
{
    const hsts_runtime *rt = runtime_of(r);
    hsts_status_snapshot_t snap;
    unsigned rflags = HSTS_STATUS_SECTION;

    if (!rt) {
        return OK;
    }
    if (flags & AP_STATUS_NOTABLE) {
        rflags |= HSTS_STATUS_NOTABLE;
    }
    build_snapshot(r, rt, 0, &snap);
    hsts_status_render((flags & AP_STATUS_SHORT) ? HSTS_STATUS_AUTO : HSTS_STATUS_HTML,
                       &snap, rflags, 0, write_to_request, r, r->pool);
    return OK;
}

void hsts_status_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(hsts_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, hsts_mod_status_hook, NULL, NULL, APR_HOOK_MIDDLE);
}
