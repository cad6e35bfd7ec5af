/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_client_cert_config.c: the startup side of the mutual-TLS
 * verdicts (design.md section 6), as mod_ssl's ssl_engine_config.c: which
 * vhosts use HSTSClientCert (hsts_srv_conf cc_use, read by the TLS and
 * request files), and the configurations that cannot work, refused by
 * check_config (so `apachectl configtest` fails too), naming the directive,
 * its file:line and the fix:
 *   HSTS00033  SSLVerifyClient is not optional/optional_no_ca for the vhost;
 *   HSTS00034  SSLVerifyClient/SSLVerifyDepth per directory (renegotiation);
 *   HSTS00039  HSTSClientCert report|require inside a vhost without TLS.
 * mod_ssl's records are private: its settings are read from the
 * configuration tree (mod_hsts_conftree.c).
 */
#include "mod_hsts_client_cert.h"

#include <http_core.h>
#include <apr_strings.h>

/* ---- which scopes use HSTSClientCert ---------------------------------------- */

/* The strongest HSTSClientCert of one per-directory vector: OFF, REPORT or
 * REQUIRE (the enum is ordered so). */
static int conf_use(ap_conf_vector_t *v)
{
    const hsts_dir_conf *dc = v ? ap_get_module_config(v, &hsts_audit_module) : NULL;

    return dc && dc->client_cert != HSTS_UNSET ? dc->client_cert : HSTS_CLIENT_CERT_OFF;
}

static int sections_use(apr_array_header_t *sections);

static int nested_use(ap_conf_vector_t *v)
{
    core_dir_config *cd = v ? ap_get_core_module_config(v) : NULL;
    int a, b;

    if (!cd) {
        return HSTS_CLIENT_CERT_OFF;
    }
    a = sections_use(cd->sec_file);
    b = sections_use(cd->sec_if);
    return a > b ? a : b;
}

static int sections_use(apr_array_header_t *sections)
{
    int i, use = HSTS_CLIENT_CERT_OFF;

    for (i = 0; sections && i < sections->nelts; i++) {
        ap_conf_vector_t *v = APR_ARRAY_IDX(sections, i, ap_conf_vector_t *);
        int own = conf_use(v), inner = nested_use(v);

        use = own > use ? own : use;
        use = inner > use ? inner : use;
    }
    return use;
}

/* HSTSClientCert in any scope of s (its own, inherited from the main server,
 * or in a section that applies to it): its strongest value. */
static int server_use(server_rec *s)
{
    core_server_config *core = ap_get_core_module_config(s->module_config);
    int use = conf_use(s->lookup_defaults), more;

    more = nested_use(s->lookup_defaults);
    use = more > use ? more : use;
    more = sections_use(core->sec_dir);
    use = more > use ? more : use;
    more = sections_use(core->sec_url);
    return more > use ? more : use;
}

/* ---- mod_ssl's settings, from the configuration tree ------------------------ */

/* mod_ssl's settings of one level (the server config, or one <VirtualHost>). */
typedef struct {
    const ap_directive_t *verify;    /* the last SSLVerifyClient of the level */
    const ap_directive_t *engine;    /* the last SSLEngine of the level */
    const ap_directive_t *nested;    /* SSLVerifyClient/-Depth in a section of it */
} ssl_level_t;

static const ap_directive_t *find_per_dir_verify(const ap_directive_t *d)
{
    for (; d; d = d->next) {
        if (hsts_tree_is(d, "SSLVerifyClient") || hsts_tree_is(d, "SSLVerifyDepth")) {
            return d;
        }
        if (d->first_child) {
            const ap_directive_t *n = find_per_dir_verify(d->first_child);

            if (n) {
                return n;
            }
        }
    }
    return NULL;
}

static void scan_level(const ap_directive_t *d, ssl_level_t *out, int top)
{
    for (; d; d = d->next) {
        if (hsts_tree_is(d, "SSLVerifyClient")) {
            out->verify = d;
        }
        else if (hsts_tree_is(d, "SSLEngine")) {
            out->engine = d;
        }
        else if (hsts_tree_is_conditional(d)) {
            scan_level(d->first_child, out, top);
        }
        else if (d->first_child && !out->nested && !(top && hsts_tree_is(d, "<VirtualHost"))) {
            out->nested = find_per_dir_verify(d->first_child);
        }
    }
}

/* The first HSTSClientCert report|require below d (any depth). */
static const ap_directive_t *find_client_cert_use(apr_pool_t *p, const ap_directive_t *d)
{
    for (; d; d = d->next) {
        int mode;

        if (hsts_tree_is(d, "HSTSClientCert")
            && !hsts_client_cert_mode_parse(hsts_tree_arg(p, d), &mode)
            && mode != HSTS_CLIENT_CERT_OFF) {
            return d;
        }
        if (d->first_child) {
            const ap_directive_t *n = find_client_cert_use(p, d->first_child);

            if (n) {
                return n;
            }
        }
    }
    return NULL;
}

/* HSTS00039: written inside a <VirtualHost> that has no TLS. A request there
 * carries no certificate; `require` would refuse every request of it. */
static int check_plain_vhost(apr_pool_t *ptemp, const server_rec *s,
                             const ap_directive_t *node)
{
    const ap_directive_t *use = node ? find_client_cert_use(ptemp, node->first_child) : NULL;

    if (!use) {
        return 0;
    }
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL, HSTSLOGNO(00039)
                 "mod_hsts_audit: '%s %s' (%s) is in virtual host %s (%s), which has no "
                 "TLS: a plain-HTTP request carries no client certificate. Put "
                 "HSTSClientCert in the virtual host that has SSLEngine on (and "
                 "SSLVerifyClient optional), or add SSLEngine on here.",
                 use->directive, use->args, hsts_tree_where(ptemp, use),
                 hsts_vhost_label(ptemp, s), hsts_tree_where(ptemp, node));
    return 1;
}

/* HSTS00033 / 00034: SSLVerifyClient must be optional or optional_no_ca for
 * the whole vhost, and not set per directory. */
static int check_verify_settings(apr_pool_t *ptemp, const server_rec *s,
                                 const ssl_level_t *level, const ssl_level_t *global)
{
    const ap_directive_t *verify = level->verify ? level->verify : global->verify;
    const ap_directive_t *nested = level->nested ? level->nested
                                 : level != global ? global->nested : NULL;
    const char *mode = verify ? hsts_tree_arg(ptemp, verify) : "none";

    if (ap_cstr_casecmp(mode, "optional") && ap_cstr_casecmp(mode, "optional_no_ca")) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL, HSTSLOGNO(00033)
                     "mod_hsts_audit: HSTSClientCert report/require on virtual host %s "
                     "needs SSLVerifyClient optional (or optional_no_ca) for the whole "
                     "virtual host, but it has %s. With SSLVerifyClient require, mod_ssl "
                     "ends the TLS handshake of a client that sends no certificate before "
                     "any HTTP response (no 496 page); without it, no certificate is asked "
                     "for. Set SSLVerifyClient optional in the <VirtualHost>, or "
                     "HSTSClientCert off there.", hsts_vhost_label(ptemp, s),
                     verify ? apr_psprintf(ptemp, "'SSLVerifyClient %s' (%s)", verify->args,
                                           hsts_tree_where(ptemp, verify))
                            : "no SSLVerifyClient");
        return 1;
    }
    if (nested) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL, HSTSLOGNO(00034)
                     "mod_hsts_audit: '%s %s' in a per-directory section (%s) cannot be "
                     "combined with HSTSClientCert report/require on virtual host %s: "
                     "per-directory client verification makes mod_ssl renegotiate (TLS 1.2) "
                     "or use post-handshake authentication (TLS 1.3) and verify the "
                     "certificate itself, so a failed certificate would not get its 495 "
                     "page. Set SSLVerifyClient optional (and SSLVerifyDepth) once for the "
                     "virtual host, and use HSTSClientCert require/off per directory.",
                     nested->directive, nested->args, hsts_tree_where(ptemp, nested),
                     hsts_vhost_label(ptemp, s));
        return 1;
    }
    return 0;
}

static int check_vhost(apr_pool_t *ptemp, server_rec *s_main, server_rec *s,
                       const ssl_level_t *global)
{
    ssl_level_t own = { 0 };
    const ssl_level_t *level = global;
    const ap_directive_t *node = s != s_main ? hsts_tree_vhost_node(s) : NULL;

    if (node) {
        scan_level(node->first_child, &own, 0);
        level = &own;
    }
    if (!hsts_tree_engine_on(ptemp, level->engine ? level->engine : global->engine)) {
        /* no TLS: refused per request where require applies (plain HTTP) */
        return check_plain_vhost(ptemp, s, node);
    }
    return check_verify_settings(ptemp, s, level, global);
}

int hsts_cc_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                         server_rec *s_main)
{
    ssl_level_t global = { 0 };
    server_rec *s;
    struct hsts_cc_sessions *table = NULL;
    int any = 0;

    (void)plog;
    for (s = s_main; s; s = s->next) {
        hsts_srv_conf *sc = hsts_srv_conf_of(s);

        sc->cc_use = server_use(s);
        any |= sc->cc_use != HSTS_CLIENT_CERT_OFF;
    }
    if (any && ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_NORMAL) {
        table = hsts_cc_sessions_create(pconf, s_main);
    }
    for (s = s_main; s; s = s->next) {
        hsts_srv_conf_of(s)->cc_any = any;
        hsts_srv_conf_of(s)->cc_sessions = table;
    }
    if (!any) {
        return OK;
    }
    hsts_cc_tls_init(s_main);
    scan_level(ap_conftree, &global, 1);
    for (s = s_main; s; s = s->next) {
        if (hsts_srv_conf_of(s)->cc_use != HSTS_CLIENT_CERT_OFF
            && check_vhost(ptemp, s_main, s, &global)) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}
