/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_client_cert_request.c: the request side of the mutual-TLS
 * verdicts (design.md section 6), the decision the TLS side
 * (mod_hsts_client_cert_tls.c) prepared. Fail closed: the module lets failed
 * certificates finish the handshake on its vhosts, so every way a request
 * can be answered must see the verdict:
 *
 *  - post_read_request (the vhost is known): a connection whose certificate
 *    the module verified serves only vhosts that use HSTSClientCert; any
 *    other vhost (SNI of one, Host of another; no SNI) answers 421, as
 *    mod_ssl answers an SNI/Host mismatch.
 *  - quick_handler (before the per-directory configuration exists; mod_cache
 *    serves cached responses here): on a vhost with `require` in some scope,
 *    a request that would be refused there takes the normal path, where the
 *    refusal is: the request is processed as httpd's core does it
 *    (ap_process_request_internal, then ap_invoke_handler) and no other
 *    quick handler runs.
 *  - map_to_storage: httpd answers TRACE here, before the per-directory
 *    configuration (TraceEnable is per server): on such a vhost it is
 *    refused wherever it points.
 *  - post_perdir_config (after the final per-directory merge, before access
 *    control, authentication, authorisation and any handler; it also runs
 *    for sub-requests and internal redirects, and unlike an access_checker
 *    it cannot be bypassed by "Satisfy Any"): the note, and HSTSClientCert
 *    decides: require answers 495/496 through ap_die, so ErrorDocument, the
 *    error filters and this module's STS filter all run; report logs and
 *    counts. A plain-HTTP request in a require scope is refused as missing,
 *    with a page that says to use https. The refusal's own ErrorDocument
 *    (the internal redirect from the refused request) is exempt; its
 *    sub-requests and onward redirects are judged like any other request.
 *  - check_access, right after mod_ssl's: SSLUserName names a user from
 *    the certificate whatever the verdict; a failed certificate names nobody.
 */
#include "mod_hsts_client_cert.h"

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <http_ssl.h>
#include <mod_core.h>
#include <apr_strings.h>

#define CC_TYPE_FILTER "HSTS_CLIENT_CERT_TYPE"

/* The verdict of every plain-HTTP request: no certificate can be sent. */
static const hsts_cc_conn_t cc_plain_http = { .done = 1, .reason = HSTS_CC_MISSING };

static ap_filter_rec_t *cc_type_filter_handle;

/* The verdict this request is judged by: the TLS connection's, the plain-HTTP
 * one, or NULL where a TLS connection has none (not expected: see
 * HSTS00038). */
static const hsts_cc_conn_t *request_verdict(request_rec *r)
{
    const hsts_cc_conn_t *st;

    if (!ap_ssl_conn_is_ssl(r->connection)) {
        return &cc_plain_http;
    }
    st = hsts_cc_conn_of(r->connection);
    return st && st->done && st->reason != HSTS_CC_UNCHECKED ? st : NULL;
}

/* This vhost refuses the request in some scope: `require` is used there and
 * the verdict is one it refuses (or none). */
static int refused_somewhere(request_rec *r)
{
    const hsts_srv_conf *sc = hsts_srv_conf_of(r->server);
    const hsts_cc_conn_t *st;

    if (!sc || sc->cc_use != HSTS_CLIENT_CERT_REQUIRE) {
        return 0;
    }
    st = request_verdict(r);
    return !st || hsts_cc_reason_refused(st->reason);
}

/* This request is the ErrorDocument of a refusal (the internal redirect
 * ap_die made from the refused request): not judged again. */
static int is_refusal_page(const request_rec *r)
{
    return !r->main && r->prev && apr_table_get(r->prev->notes, HSTS_CC_REFUSED_NOTE);
}

/* ---- the log and the counters ----------------------------------------------- */

/* What a log line of a verdict needs (hsts_record_findings' baton). */
typedef struct {
    const hsts_cc_conn_t *st;
    int status, mode;
} logged_verdict_t;

static void log_verdict(request_rec *r, const hsts_srv_conf *sc,
                        const hsts_finding_info_t *info, void *baton)
{
    const logged_verdict_t *v = baton;
    const hsts_cc_conn_t *st = v->st;
    const char *what;

    if (info->id == HSTS_F_CLIENT_CERT_EXPIRING_SOON) {
        what = apr_psprintf(r->pool, "accepted, %s days left (HSTSCertWarnDays %d)",
                            st->remain ? st->remain : "?", hsts_srv_cert_warn_days(sc));
    }
    else if (v->status) {
        what = apr_psprintf(r->pool, "refused with %d%s", v->status,
                            st == &cc_plain_http ? " (plain HTTP)" : "");
    }
    else {
        what = apr_psprintf(r->pool, "HSTSClientCert %s: the request goes on",
                            hsts_client_cert_mode_name(v->mode));
    }
    ap_log_rerror(APLOG_MARK,
                  info->severity == HSTS_SEVERITY_ERROR ? APLOG_ERR : APLOG_WARNING, 0, r,
                  "%s%s: %s, %s (vhost %s, host %s, path %s, subject '%s', issuer '%s', "
                  "SSL_CLIENT_VERIFY '%s'). Fix: %s. (logged once per minute per vhost "
                  "and finding)",
                  v->status ? HSTSLOGNO(00030)
                  : info->id == HSTS_F_CLIENT_CERT_EXPIRING_SOON ? HSTSLOGNO(00032)
                  : HSTSLOGNO(00031),
                  info->code, info->summary, what, sc->name,
                  hsts_log_item(r->pool, r->hostname), hsts_log_item(r->pool, r->uri),
                  hsts_log_item(r->pool, st->subject), hsts_log_item(r->pool, st->issuer),
                  hsts_log_item(r->pool, st->verify), info->fix);
}

/* Counters, findings, the ring of recent findings and the log: status is
 * the status sent (a refusal), or 0. */
static void record(request_rec *r, const hsts_cc_conn_t *st, hsts_findings_t findings,
                   int status, int mode)
{
    const hsts_srv_conf *sc = hsts_srv_conf_of(r->server);
    logged_verdict_t v;

    if (!sc || !sc->rt) {
        return;
    }
    if (status) {
        hsts_stats_count(sc->rt->stats, sc->vhost_index,
                         st->reason == HSTS_CC_MISSING ? HSTS_C_CLIENT_CERT_REJECTED_496
                                                       : HSTS_C_CLIENT_CERT_REJECTED_495);
    }
    v.st = st;
    v.status = status;
    v.mode = mode;
    hsts_record_findings(r, sc, findings, r->uri, log_verdict, &v);
}

/* ---- the refusal ------------------------------------------------------------ */

static hsts_findings_t findings_of(request_rec *r, const hsts_cc_conn_t *st)
{
    hsts_finding_e finding = hsts_cc_reason_finding(st->reason);

    if (finding != HSTS_F_COUNT) {
        return HSTS_FINDING_BIT(finding);
    }
    if (st->reason == HSTS_CC_OK
        && hsts_cc_expiring_soon(st->remain,
                                 hsts_srv_cert_warn_days(hsts_srv_conf_of(r->server)))) {
        return HSTS_FINDING_BIT(HSTS_F_CLIENT_CERT_EXPIRING_SOON);
    }
    return 0;
}

static void set_page(request_rec *r, const hsts_cc_conn_t *st, int status, int unknown)
{
    hsts_cc_page_t page;
    int html = hsts_cc_accepts_html(apr_table_get(r->headers_in, "Accept"));

    memset(&page, 0, sizeof(page));
    page.reason = st->reason;
    page.status_line = unknown ? r->status_line : ap_get_status_line(status);
    page.subject = st->subject;
    page.issuer = st->issuer;
    page.not_before = st->not_before;
    page.not_after = st->not_after;
    page.verify = st->verify;
    if (st == &cc_plain_http) {
        page.https_url = apr_pstrcat(r->pool, "https://", r->hostname ? r->hostname
                                     : r->server->server_hostname, r->uri, NULL);
    }
    ap_custom_response(r, status, hsts_cc_render_body(r->pool, &page, html));
    apr_table_setn(r->notes, HSTS_CC_BODY_NOTE, html ? "html" : "text");
}

/* Refuse r: the status of HSTSClientCertStatus in dc (default 495/496). */
static int refuse(request_rec *r, const hsts_cc_conn_t *st, const hsts_dir_conf *dc)
{
    int missing = st->reason == HSTS_CC_MISSING;
    int set = missing ? dc->client_cert_status_missing : dc->client_cert_status_error;
    int status = set != HSTS_UNSET ? set : missing ? HSTS_CLIENT_CERT_STATUS_MISSING
                                                   : HSTS_CLIENT_CERT_STATUS_ERROR;
    /* httpd maps statuses it has no reason phrase for to its 500 entry */
    int unknown = ap_index_of_response(status)
                  == ap_index_of_response(HTTP_INTERNAL_SERVER_ERROR);

    apr_table_setn(r->notes, HSTS_CC_REFUSED_NOTE, "1");
    apr_table_setn(r->notes, HSTS_NOTE_CLIENT_CERT, hsts_cc_reason_name(st->reason));
    if (r->main) {
        return status;          /* a sub-request: no response of its own */
    }
    if (unknown) {
        r->status_line = apr_psprintf(r->pool, "%d %s", status,
                                      hsts_cc_reason_phrase(missing));
    }
    /* The module's page, unless an ErrorDocument for a status httpd knows
     * says otherwise (HSTSClientCertStatus 403 403 with ErrorDocument 403). */
    if (unknown || !ap_response_code_string(r, ap_index_of_response(status))) {
        set_page(r, st, status, unknown);
    }
    record(r, st, findings_of(r, st), status, HSTS_CLIENT_CERT_REQUIRE);
    return status;
}

static const hsts_dir_conf *dir_conf(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &hsts_audit_module);
}

static int refuse_unchecked(request_rec *r)
{
    /* Not expected: mod_ssl runs pre_handshake on every TLS connection and
     * the verdict is in place before the first request. Fail closed. */
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, HSTSLOGNO(00038)
                  "mod_hsts_audit: no client-certificate verdict for this TLS "
                  "connection: refusing the request (HSTSClientCert require)");
    apr_table_setn(r->notes, HSTS_CC_REFUSED_NOTE, "1");
    return HTTP_INTERNAL_SERVER_ERROR;
}

/* ---- the hooks -------------------------------------------------------------- */

static int cc_post_read_request(request_rec *r)
{
    const hsts_cc_conn_t *st;
    const hsts_srv_conf *sc = hsts_srv_conf_of(r->server);

    if (!sc || !sc->cc_any || sc->cc_use != HSTS_CLIENT_CERT_OFF
        || !ap_ssl_conn_is_ssl(r->connection)) {
        return DECLINED;
    }
    st = hsts_cc_conn_of(r->connection);
    if (!st || !st->deferred) {
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, HSTSLOGNO(00040)
                  "mod_hsts_audit: this connection's client certificate was verified by "
                  "the module for a virtual host that uses HSTSClientCert, and virtual "
                  "host %s (host %s) does not use it: 421 Misdirected Request",
                  sc->name ? sc->name : "-", hsts_log_item(r->pool, r->hostname));
    return HTTP_MISDIRECTED_REQUEST;
}

static int cc_quick_handler(request_rec *r, int lookup)
{
    int rv;

    if (!refused_somewhere(r)) {
        return DECLINED;
    }
    if (lookup || r->main) {
        /* a sub-request: its caller runs ap_process_request_internal (lookup)
         * or ap_invoke_handler (run) itself on anything but OK */
        return HTTP_FORBIDDEN;
    }
    rv = ap_process_request_internal(r);
    if (rv == OK) {
        rv = ap_invoke_handler(r);
    }
    return rv == DECLINED ? HTTP_INTERNAL_SERVER_ERROR : rv;
}

static int cc_map_to_storage(request_rec *r)
{
    const hsts_cc_conn_t *st;

    if (r->method_number != M_TRACE || !refused_somewhere(r) || is_refusal_page(r)) {
        return DECLINED;
    }
    st = request_verdict(r);
    return st ? refuse(r, st, dir_conf(r)) : refuse_unchecked(r);
}

static int cc_post_perdir_config(request_rec *r)
{
    const hsts_srv_conf *sc = hsts_srv_conf_of(r->server);
    const hsts_cc_conn_t *st;
    const hsts_dir_conf *dc;
    int mode;

    if (!sc || sc->cc_use == HSTS_CLIENT_CERT_OFF) {
        return DECLINED;
    }
    dc = dir_conf(r);
    mode = dc && dc->client_cert != HSTS_UNSET ? dc->client_cert : HSTS_CLIENT_CERT_OFF;
    st = request_verdict(r);
    if (st == &cc_plain_http && mode != HSTS_CLIENT_CERT_REQUIRE) {
        return DECLINED;        /* plain HTTP: not checked ("-") */
    }
    if (!st) {
        return mode == HSTS_CLIENT_CERT_REQUIRE && !is_refusal_page(r) ? refuse_unchecked(r)
                                                                       : DECLINED;
    }
    apr_table_setn(r->notes, HSTS_NOTE_CLIENT_CERT, hsts_cc_reason_name(st->reason));
    if (mode == HSTS_CLIENT_CERT_OFF || is_refusal_page(r)) {
        return DECLINED;
    }
    if (mode == HSTS_CLIENT_CERT_REQUIRE && hsts_cc_reason_refused(st->reason)) {
        return refuse(r, st, dc);
    }
    if (!r->main && !r->prev) {
        record(r, st, findings_of(r, st), 0, mode);
    }
    return DECLINED;
}

/* Right after mod_ssl's access hook, which sets r->user from SSLUserName:
 * a certificate that failed verification names nobody. */
static int cc_check_access(request_rec *r)
{
    const hsts_cc_conn_t *st;

    if (!r->user || !ap_ssl_conn_is_ssl(r->connection)) {
        return DECLINED;
    }
    st = hsts_cc_conn_of(r->connection);
    if (!st || !st->rejected_error) {
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, HSTSLOGNO(00037)
                  "mod_hsts_audit: ignoring user '%s' (SSLUserName): the client "
                  "certificate failed verification (%s)", hsts_log_item(r->pool, r->user),
                  hsts_log_item(r->pool, st->verify));
    r->user = NULL;
    return DECLINED;
}

/* The error response of a refusal: UTF-8, HTML or text as rendered (httpd
 * labels every error page text/html; charset=iso-8859-1). */
static void cc_insert_error_filter(request_rec *r)
{
    if (apr_table_get(r->notes, HSTS_CC_BODY_NOTE)) {
        ap_add_output_filter_handle(cc_type_filter_handle, NULL, r, r->connection);
    }
}

static apr_status_t cc_type_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    const char *kind = apr_table_get(f->r->notes, HSTS_CC_BODY_NOTE);

    ap_remove_output_filter(f);
    if (kind) {
        ap_set_content_type(f->r, !strcmp(kind, "html") ? "text/html; charset=utf-8"
                                                        : "text/plain; charset=utf-8");
    }
    return ap_pass_brigade(f->next, bb);
}

void hsts_cc_request_register_hooks(apr_pool_t *p)
{
    static const char *const after_ssl[] = { "mod_ssl.c", NULL };

    (void)p;
    ap_hook_post_read_request(cc_post_read_request, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_quick_handler(cc_quick_handler, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_map_to_storage(cc_map_to_storage, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_post_perdir_config(cc_post_perdir_config, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_check_access(cc_check_access, after_ssl, NULL, APR_HOOK_MIDDLE,
                         AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_insert_error_filter(cc_insert_error_filter, NULL, NULL, APR_HOOK_MIDDLE);
    cc_type_filter_handle = ap_register_output_filter(CC_TYPE_FILTER, cc_type_filter, NULL,
                                                      AP_FTYPE_CONTENT_SET);
}

void hsts_client_cert_register_hooks(apr_pool_t *p)
{
    ap_hook_check_config(hsts_cc_check_config, NULL, NULL, APR_HOOK_LAST);
    hsts_cc_tls_register_hooks(p);
    hsts_cc_request_register_hooks(p);
}
