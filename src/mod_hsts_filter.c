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

#include "hsts_policy.h"
#include "hsts_sts.h"

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

static void set_only_policy(request_rec *r, const hsts_dir_conf *conf)
{
    apr_table_unset(r->headers_out, STS_FIELD);
    apr_table_setn(r->err_headers_out, STS_FIELD, conf->policy);
}

static void remove_fields(request_rec *r)
{
    apr_table_unset(r->headers_out, STS_FIELD);
    apr_table_unset(r->err_headers_out, STS_FIELD);
}

/* The seconds a browser stores from what leaves the server, as the note
 * hsts-audit-max-age spells it: Chromium's min(value, 1 year), or "-". */
static const char *stored_max_age(request_rec *r, hsts_action_e action,
                                  const hsts_dir_conf *conf,
                                  const hsts_sts_policy_t *first, int is_https)
{
    apr_uint64_t seconds;

    if (!is_https || action == HSTS_ACTION_REMOVED || action == HSTS_ACTION_WITHHELD) {
        return "-";
    }
    if (action == HSTS_ACTION_ADDED || action == HSTS_ACTION_REPLACED) {
        seconds = (apr_uint64_t)conf->max_age;
        if (seconds > HSTS_CHROMIUM_MAX_AGE_CAP) {
            seconds = HSTS_CHROMIUM_MAX_AGE_CAP;
        }
    }
    else if (first->verdict == HSTS_STS_VALID && first->max_age_seen) {
        seconds = first->max_age;
    }
    else {
        return "-";
    }
    return apr_psprintf(r->pool, "%" APR_UINT64_T_FMT, seconds);
}

static void examine_response(request_rec *r, const hsts_dir_conf *conf)
{
    hsts_response_sts_t resp = { 0 };
    hsts_sts_policy_t first;
    sts_fields_t fields;
    hsts_action_e action;

    collect_fields(r, &fields);
    resp.is_https = ap_ssl_conn_is_ssl(r->connection);
    resp.n_fields = fields.n_fields;
    hsts_sts_parse(fields.first ? fields.first : "",
                   fields.first ? strlen(fields.first) : 0, &first);
    resp.first_valid = fields.first && first.verdict == HSTS_STS_VALID;
    resp.first_is_policy = fields.first && conf->policy
                           && !strcmp(fields.first, conf->policy);

    action = hsts_policy_decide(conf->effective_mode, conf->policy != NULL, &resp);
    switch (action) {
    case HSTS_ACTION_ADDED:
    case HSTS_ACTION_REPLACED:
        set_only_policy(r, conf);
        break;
    case HSTS_ACTION_REMOVED:
    case HSTS_ACTION_WITHHELD:
        remove_fields(r);
        break;
    default:
        break;
    }
    apr_table_setn(r->notes, "hsts-audit-action", hsts_action_name(action));
    apr_table_setn(r->notes, "hsts-audit-max-age",
                   stored_max_age(r, action, conf, &first, resp.is_https));
}

static apr_status_t hsts_output_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    const hsts_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                     &hsts_audit_module);

    ap_remove_output_filter(f);
    if (conf->effective_mode != HSTS_MODE_OFF
        && !apr_table_get(r->notes, "hsts-audit-action")) {
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
