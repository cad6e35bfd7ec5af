/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_filter.c: the output filter (and error-filter twin) that looks at
 * the final response headers once, after the handler, mod_headers, CGI or a
 * proxied backend have set them, and leaves exactly the Strict-Transport-
 * Security fields HSTSMode asks for (design.md section 2; RFC 6797 §7.2, §8.1).
 */
#include "mod_hsts_private.h"

#include <http_request.h>
#include <http_ssl.h>
#include <apr_strings.h>

#include "hsts_audit.h"
#include "hsts_policy.h"
#include "hsts_sts.h"

#include <apr_hash.h>

#define STS_FIELD "Strict-Transport-Security"

/* Runs after mod_headers (AP_FTYPE_CONTENT_SET) and before the protocol
 * filters that serialise the headers (AP_FTYPE_PROTOCOL). */
#define HSTS_FILTER_TYPE ((ap_filter_type)(AP_FTYPE_CONTENT_SET + 5))

static ap_filter_rec_t *hsts_filter_handle;   /* set once in register_hooks */

/* The STS fields of a response, in the order they go on the wire:
 * err_headers_out first (httpd overlays it before headers_out). */
typedef struct {
    unsigned n_fields;
    const char *first;
} sts_fields_t;

static int count_field(void *rec, const char *key, const char *value)
{
    sts_fields_t *fields = rec;

    (void)key;
    if (!fields->n_fields++) {
        fields->first = value;
    }
    return 1;
}

static void collect_fields(request_rec *r, sts_fields_t *fields)
{
    fields->n_fields = 0;
    fields->first = NULL;
    apr_table_do(count_field, fields, r->err_headers_out, STS_FIELD, NULL);
    apr_table_do(count_field, fields, r->headers_out, STS_FIELD, NULL);
}

static void set_only_policy(request_rec *r, const hsts_conf_policy_t *pol)
{
    apr_table_unset(r->headers_out, STS_FIELD);
    apr_table_setn(r->err_headers_out, STS_FIELD, pol->policy);
}

static void remove_fields(request_rec *r)
{
    apr_table_unset(r->headers_out, STS_FIELD);
    apr_table_unset(r->err_headers_out, STS_FIELD);
}

/* The seconds a browser stores from what leaves the server, as the note
 * hsts-audit-max-age spells it: Chromium's min(value, 1 year), or "-". */
static const char *stored_max_age(request_rec *r, hsts_action_e action,
                                  const hsts_conf_policy_t *pol,
                                  const hsts_sts_policy_t *first, int is_https)
{
    if (!is_https || action == HSTS_ACTION_REMOVED || action == HSTS_ACTION_WITHHELD) {
        return "-";
    }
    if (action == HSTS_ACTION_ADDED || action == HSTS_ACTION_REPLACED) {
        return pol->stored_max_age;
    }
    if (first->verdict == HSTS_STS_VALID && first->max_age_seen) {
        return apr_psprintf(r->pool, "%" APR_UINT64_T_FMT, first->max_age);
    }
    return "-";
}

static const hsts_counter_e action_counter[] = {
    HSTS_C_COUNT,               /* none: not counted */
    HSTS_C_STS_ADDED, HSTS_C_STS_KEPT, HSTS_C_STS_REPLACED,
    HSTS_C_STS_REMOVED, HSTS_C_STS_WITHHELD
};

const char *hsts_log_item(apr_pool_t *p, const char *s)
{
    if (!s) {
        return "-";
    }
    if (strlen(s) > HSTS_LOG_ITEM_MAX) {
        return apr_pstrcat(p, apr_pstrmemdup(p, s, HSTS_LOG_ITEM_MAX), "...", NULL);
    }
    return s;
}

/* The path the client asked for, as it sent it: internal redirects
 * (ErrorDocument, mod_rewrite) make a new request_rec (the first one keeps
 * it), and ap_internal_fast_redirect (mod_dir's index.html) replaces r->uri
 * but not r->parsed_uri. */
static const char *requested_path(const request_rec *r)
{
    while (r->prev) {
        r = r->prev;
    }
    return r->parsed_uri.path ? r->parsed_uri.path : r->uri;
}

/* One line per finding, vhost and minute across all children. */
/* The log line of one finding (hsts_record_findings); baton: the response. */
typedef struct {
    const char *value, *location;
} logged_response_t;

static void log_finding(request_rec *r, const hsts_srv_conf *sc,
                        const hsts_finding_info_t *info, void *baton)
{
    const logged_response_t *resp = baton;
    int redirect = info->category == HSTS_CAT_REDIRECTS;

    ap_log_rerror(APLOG_MARK, info->severity == HSTS_SEVERITY_ERROR ? APLOG_ERR : APLOG_WARNING,
                  0, r, HSTSLOGNO(00010)
                  "%s: %s (vhost %s, host %s, path %s, %s '%s'). Fix: %s. "
                  "(logged once per minute per vhost and finding)",
                  info->code, info->summary, sc->name,
                  hsts_log_item(r->pool, r->hostname),
                  hsts_log_item(r->pool, requested_path(r)),
                  redirect ? "Location" : "Strict-Transport-Security",
                  hsts_log_item(r->pool, redirect ? resp->location : resp->value),
                  info->fix);
}

static void record(request_rec *r, const hsts_srv_conf *sc, int is_https,
                   hsts_action_e action, hsts_findings_t findings,
                   const char *value, const char *location)
{
    hsts_stats_t *stats = sc->rt->stats;
    logged_response_t resp;

    hsts_stats_count(stats, sc->vhost_index,
                     is_https ? HSTS_C_REQUESTS_HTTPS : HSTS_C_REQUESTS_HTTP);
    if (action_counter[action] != HSTS_C_COUNT) {
        hsts_stats_count(stats, sc->vhost_index, action_counter[action]);
    }
    if (findings) {
        resp.value = value;
        resp.location = location;
        hsts_record_findings(r, sc, findings, requested_path(r), log_finding, &resp);
    }
}

static const char *findings_note(request_rec *r, hsts_findings_t findings)
{
    char buf[1024];
    apr_size_t need;

    if (!findings) {
        return "ok";
    }
    need = hsts_findings_format(findings, buf, sizeof(buf));
    if (need < sizeof(buf)) {
        return apr_pstrmemdup(r->pool, buf, need);
    }
    return apr_pstrdup(r->pool, buf);
}

static void examine_response(request_rec *r, const hsts_dir_conf *conf)
{
    const hsts_srv_conf *sc = hsts_srv_conf_of(r->server);
    hsts_audit_scope_t scope;
    hsts_audit_response_t audit = { 0 };
    hsts_response_sts_t resp = { 0 };
    hsts_sts_policy_t first;
    sts_fields_t fields;
    hsts_findings_t findings;
    hsts_action_e action;
    hsts_conf_policy_t pol;
    int withhold;

    /* the ramp's step: one shared-memory read (design.md 5b) */
    hsts_conf_policy_at(conf, conf->ramp ? hsts_srv_ramp_step(sc, conf->ramp) : 0, &pol);
    collect_fields(r, &fields);
    audit.is_https = ap_ssl_conn_is_ssl(r->connection);
    audit.n_fields = fields.n_fields;
    audit.first = fields.first;
    audit.first_len = fields.first ? strlen(fields.first) : 0;
    audit.status = r->status;
    audit.location = apr_table_get(r->headers_out, "Location");
    if (!audit.location) {
        audit.location = apr_table_get(r->err_headers_out, "Location");
    }
    audit.host = r->hostname;
    if (audit.is_https) {
        audit.target_cert_ok = hsts_target_cert_ok;    /* asked only for redirects */
        audit.target_baton = sc->rt;
    }
    audit.host_has_https_policy = !audit.is_https && r->hostname
        && apr_hash_get(sc->rt->https_hosts, r->hostname, APR_HASH_KEY_STRING);
    scope.configured_max_age = conf->policy ? pol.max_age : HSTS_UNSET;
    scope.preload_configured = conf->preload == 1;
    scope.include_subdomains_configured = conf->policy && conf->include_subdomains == 1;
    withhold = hsts_srv_withhold(sc);
    /* withhold is on purpose: the response lacks STS and that is no finding */
    scope.expects_header = conf->policy && conf->effective_mode == HSTS_MODE_REPORT;
    findings = hsts_audit_response(&scope, &audit, &first);

    resp.is_https = audit.is_https;
    resp.withhold = withhold;
    resp.n_fields = fields.n_fields;
    resp.first_valid = fields.first && first.verdict == HSTS_STS_VALID;
    resp.first_is_policy = fields.first && conf->policy
                           && !strcmp(fields.first, pol.policy);
    action = hsts_policy_decide(conf->effective_mode, conf->policy != NULL, &resp);
    if (action == HSTS_ACTION_ADDED || action == HSTS_ACTION_REPLACED) {
        findings |= conf->preload_findings;     /* our own policy, from .htaccess */
    }
    switch (action) {
    case HSTS_ACTION_ADDED:
    case HSTS_ACTION_REPLACED:
        set_only_policy(r, &pol);
        hsts_stats_note_sent(sc->rt->stats, sc->vhost_index, pol.policy, pol.policy_len);
        break;
    case HSTS_ACTION_KEPT:
        hsts_stats_note_sent(sc->rt->stats, sc->vhost_index, fields.first,
                             audit.first_len);
        break;
    case HSTS_ACTION_REMOVED:
    case HSTS_ACTION_WITHHELD:
        remove_fields(r);
        break;
    default:
        break;
    }
    apr_table_setn(r->notes, HSTS_NOTE_FINDINGS, findings_note(r, findings));
    apr_table_setn(r->notes, HSTS_NOTE_ACTION, hsts_action_name(action));
    apr_table_setn(r->notes, HSTS_NOTE_MAX_AGE,
                   stored_max_age(r, action, &pol, &first, audit.is_https));
    record(r, sc, audit.is_https, action, findings, fields.first, audit.location);
}

static apr_status_t hsts_output_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    const hsts_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                     &hsts_audit_module);

    ap_remove_output_filter(f);
    if (conf->effective_mode != HSTS_MODE_OFF
        && !apr_table_get(r->notes, HSTS_NOTE_ACTION)) {
        examine_response(r, conf);
    }
    return ap_pass_brigade(f->next, bb);
}

void hsts_insert_filter(request_rec *r)
{
    const hsts_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                     &hsts_audit_module);

    if (r->main || !conf || conf->effective_mode == HSTS_MODE_OFF) {
        return;
    }
    ap_add_output_filter_handle(hsts_filter_handle, NULL, r, r->connection);
}

void hsts_filter_register(void)
{
    hsts_filter_handle = ap_register_output_filter(HSTS_FILTER_NAME,
                                                   hsts_output_filter, NULL,
                                                   HSTS_FILTER_TYPE);
}
