/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_selfcheck.c: the self-check and preload standing (design.md
 * section 5c). hstspreload.org re-checks every preloaded domain and drops
 * one that fails twice, 30 days apart, without telling anyone; the server
 * knows its vhosts and can ask itself the same questions first.
 *  - post_config: which vhosts check themselves (HSTSSelfCheck, by default
 *    those with HSTSPreload On or HSTSMaxAgeRamp), and the map from every
 *    host name this server serves to its own addresses: curl's --connect-to
 *    entries "NAME:443:ADDR:PORT" for TLS vhosts and "NAME:80:ADDR:PORT" for
 *    plain-HTTP ones, in configuration order, so http://NAME/ and
 *    https://NAME/ reach this server's vhost for NAME wherever it listens;
 *  - each watch run (the watchdog's thread, never a request): the live-check
 *    engine (include/hsts_live_check.h: libcurl, as hsts-audit check uses it)
 *    per vhost, its hstspreload codes put into the round as problems (with
 *    hstspreload's severities), and the preload verdict for vhosts whose
 *    policy carries preload.
 * What the server cannot see of itself (DNS, a firewall, a CDN in front of
 * it) the status page says it does not see.
 */
#include "mod_hsts_private.h"

#include <http_core.h>
#include <ap_listen.h>
#include <apr_strings.h>

#include <curl/curl.h>

#include "hsts_escape.h"
#include "hsts_live_check.h"

#include <string.h>

#define SELF_CHECK_TIMEOUT_MS 5000L

/* ---- startup ---------------------------------------------------------------- */

static const hsts_dir_conf *defaults_of(server_rec *s)
{
    return ap_get_module_config(s->lookup_defaults, &hsts_audit_module);
}

/* A name the self-check can ask for: a DNS name, not an address or a pattern. */
static int checkable_name(const char *name)
{
    return name && *name && !strchr(name, '*') && !strchr(name, '?') && !strchr(name, ':')
        && strspn(name, "0123456789.") != strlen(name);
}

/* Whether s checks itself: HSTSSelfCheck, else on for a TLS vhost whose
 * policy has preload or a ramp. */
static int wants_self_check(server_rec *s, const hsts_srv_conf *sc)
{
    const hsts_dir_conf *dc = defaults_of(s);

    if (!sc->is_tls || !s->is_virtual || !checkable_name(s->server_hostname) || !dc
        || !dc->policy || dc->effective_mode == HSTS_MODE_OFF) {
        return 0;
    }
    if (sc->self_check != HSTS_UNSET) {
        return sc->self_check;
    }
    return dc->preload == 1 || dc->ramp != NULL;
}

/* "ADDR:PORT" of s's first address as a client reaches it: a wildcard
 * address is the loopback of its family, no port the first listener's. */
static const char *own_address(apr_pool_t *p, server_rec *s)
{
    server_addr_rec *a = s->addrs;
    apr_port_t port = a ? a->host_port : 0;
    char *ip = NULL;
    int v6;

    if (!a || !a->host_addr) {
        return NULL;
    }
    apr_sockaddr_ip_get(&ip, a->host_addr);
    v6 = a->host_addr->family == APR_INET6;
    if (!ip || !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::")) {
        ip = v6 ? "::1" : "127.0.0.1";
    }
    if (!port && ap_listeners && ap_listeners->bind_addr) {
        port = ap_listeners->bind_addr->port;
    }
    return apr_psprintf(p, v6 ? "[%s]:%u" : "%s:%u", ip, (unsigned)port);
}

/* The connect-to entries of one vhost's names. */
static void map_vhost(apr_pool_t *p, server_rec *s, apr_array_header_t *map)
{
    const hsts_srv_conf *sc = hsts_srv_conf_of(s);
    const char *addr = own_address(p, s);
    int i;

    if (!addr) {
        return;
    }
    if (checkable_name(s->server_hostname)) {
        APR_ARRAY_PUSH(map, const char *) = apr_psprintf(p, "%s:%s:%s", s->server_hostname,
                                                         sc->is_tls ? "443" : "80", addr);
    }
    for (i = 0; s->names && i < s->names->nelts; i++) {
        const char *n = APR_ARRAY_IDX(s->names, i, const char *);

        if (checkable_name(n)) {
            APR_ARRAY_PUSH(map, const char *) = apr_psprintf(p, "%s:%s:%s", n,
                                                             sc->is_tls ? "443" : "80", addr);
        }
    }
}

/* Whether this server answers for name over TLS (some vhost names it). */
static int serves_tls(server_rec *s_main, const char *name)
{
    server_rec *s;
    int i;

    for (s = s_main->next; s; s = s->next) {
        if (!hsts_srv_conf_of(s)->is_tls) {
            continue;
        }
        if (s->server_hostname && !strcasecmp(s->server_hostname, name)) {
            return 1;
        }
        for (i = 0; s->names && i < s->names->nelts; i++) {
            if (!strcasecmp(APR_ARRAY_IDX(s->names, i, const char *), name)) {
                return 1;
            }
        }
    }
    return 0;
}

void hsts_selfcheck_start(apr_pool_t *pconf, server_rec *s_main)
{
    apr_array_header_t *map = NULL, *order;
    server_rec *s;
    int i, any = 0;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return;
    }
    for (s = s_main->next; s; s = s->next) {
        hsts_srv_conf *sc = hsts_srv_conf_of(s);

        sc->self_checks = wants_self_check(s, sc);
        any |= sc->self_checks;
    }
    if (!any) {
        return;
    }
    /* the server_rec chain has the vhosts last-defined first: reversed,
     * the first vhost of the configuration for a name comes first, as curl
     * uses the first matching entry */
    order = apr_array_make(pconf, 16, sizeof(server_rec *));
    for (s = s_main->next; s; s = s->next) {
        APR_ARRAY_PUSH(order, server_rec *) = s;
    }
    map = apr_array_make(pconf, 16, sizeof(const char *));
    for (i = order->nelts - 1; i >= 0; i--) {
        map_vhost(pconf, APR_ARRAY_IDX(order, i, server_rec *), map);
    }
    for (s = s_main->next; s; s = s->next) {
        hsts_srv_conf *sc = hsts_srv_conf_of(s);

        sc->self_check_map = map;
        sc->self_check_www = sc->self_checks
            && serves_tls(s_main, apr_pstrcat(pconf, "www.", s->server_hostname, NULL));
    }
    /* libcurl's global state, once, while the parent is single-threaded */
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- each watch run ------------------------------------------------------------ */

/* What the check found for s, into its round entry. */
static void take_result(apr_pool_t *p, const hsts_live_result_t *res, int preload,
                        hsts_audit_round_t *r)
{
    const char *lines = "";
    int i;

    for (i = 0; res->items && i < res->items->nelts; i++) {
        const hsts_live_item_t *it = &APR_ARRAY_IDX(res->items, i, hsts_live_item_t);
        hsts_severity_e sev = hsts_live_effective_severity(it, preload);

        if (!it->hstspreload || !strncmp(it->code, "cert.", 5)) {
            continue;           /* cert.*: the watch's own audit has them */
        }
        lines = apr_psprintf(p, "%s%s %c %s\n", lines, it->code,
                             sev == HSTS_SEVERITY_ERROR ? 'E' : 'W',
                             it->detail ? hsts_ctl_to_hex(p, it->detail) : "");
        if (it->finding == HSTS_F_COUNT) {
            continue;           /* a code the table has not: in the details only */
        }
        r->extra |= HSTS_FINDING_BIT(it->finding);
        if (sev == HSTS_SEVERITY_ERROR) {
            r->extra_errors |= HSTS_FINDING_BIT(it->finding);
        }
        else {
            r->extra_warnings |= HSTS_FINDING_BIT(it->finding);
        }
    }
    r->extra_warnings &= ~r->extra_errors;
    if (res->not_followed && res->not_followed->nelts) {
        /* redirects to what this server does not serve: it cannot know */
        lines = apr_pstrcat(p, lines, "not_followed N ", hsts_ctl_to_hex(p,
                            apr_array_pstrcat(p, res->not_followed, ' ')), "\n", NULL);
    }
    r->self_check = lines;
    if (preload) {
        r->preload = res->preloadable ? HSTS_PRELOAD_ELIGIBLE : HSTS_PRELOAD_AT_RISK;
    }
}

static void check_one(apr_pool_t *p, server_rec *s, hsts_srv_conf *sc, hsts_audit_round_t *r,
                      apr_time_t now)
{
    const hsts_dir_conf *dc = defaults_of(s);
    int preload = dc && dc->preload == 1;
    hsts_live_options_t opt;
    hsts_live_result_t res;

    memset(&opt, 0, sizeof(opt));
    memset(&res, 0, sizeof(res));
    opt.ca_file = sc->trusted_ca;
    opt.ca_public = sc->trusted_ca ? sc->trusted_ca_public : 1;
    opt.connect_to = (const char *const *)sc->self_check_map->elts;
    opt.n_connect_to = sc->self_check_map->nelts;
    opt.preload = preload;
    opt.timeout_ms = SELF_CHECK_TIMEOUT_MS;
    opt.skip_www = !sc->self_check_www;
    opt.mapped_only = 1;            /* only this server's own vhosts are asked */
    opt.warn_days = hsts_srv_cert_warn_days(sc);
    opt.now = now;
    r->self_checked = now;
    if (hsts_live_check(p, s->server_hostname, &opt, &res) != APR_SUCCESS
        || res.status != HSTS_LIVE_DONE) {
        r->preload = preload ? HSTS_PRELOAD_UNKNOWN : HSTS_PRELOAD_NONE;
        r->self_check = apr_pstrcat(p, "could not ask itself: ", hsts_ctl_to_hex(p,
                                    res.status == HSTS_LIVE_CONNECT_FAILED && res.connect_error
                                    ? res.connect_error
                                    : res.setup_error ? res.setup_error : "the check failed"),
                                    NULL);
        return;
    }
    take_result(p, &res, preload, r);
}

void hsts_selfcheck_round(server_rec *s_main, apr_pool_t *p, hsts_audit_round_t *round,
                          int n, apr_time_t now)
{
    server_rec *s;
    int i = 0;

    for (s = s_main; s && i < n; s = s->next, i++) {
        hsts_srv_conf *sc = hsts_srv_conf_of(s);

        if (sc->self_checks && sc->self_check_map) {
            check_one(p, s, sc, round + i, now);
        }
    }
}
