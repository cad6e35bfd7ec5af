/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_runtime.c: startup work, done once per (re)start and never per
 * request: which vhosts serve TLS (mod_ssl's init_server hook hands over each
 * vhost's SSL_CTX), their counter-set indexes and names, the host names that
 * have an HTTPS policy (for the redirects.http.* checks), and the shared
 * statistics area, kept across graceful restarts in the process pool.
 */
#include "mod_hsts_private.h"

#include <http_core.h>
#include <apr_hash.h>
#include <apr_shm.h>
#include <apr_strings.h>

#define STATS_USERDATA_KEY "mod_hsts_audit.stats-shm"

int hsts_ssl_init_server(server_rec *s, apr_pool_t *p, int is_proxy,
                         struct ssl_ctx_st *ssl_ctx)
{
    if (!is_proxy) {
        hsts_srv_conf_of(s)->is_tls = 1;
        hsts_certs_audit_ctx(s, p, ssl_ctx);
        return hsts_client_cert_init_server(s, p, ssl_ctx);
    }
    return OK;
}

apr_port_t hsts_vhost_port(const server_rec *s)
{
    if (s->addrs && s->addrs->host_port) {
        return s->addrs->host_port;
    }
    return s->port;
}

const char *hsts_vhost_label(apr_pool_t *p, const server_rec *s)
{
    return apr_psprintf(p, "%s:%u", s->server_hostname ? s->server_hostname : "*",
                        (unsigned)hsts_vhost_port(s));
}

/* The vhost's name on the status page and in the counters: "host:port"
 * ("host:main" for the main server, which has no address of its own), made
 * unique with "#2", "#3"... so that counters carried over a graceful restart
 * by name always land on the same vhost. */
static const char *unique_name(apr_pool_t *p, apr_hash_t *seen, const server_rec *s,
                               int is_main)
{
    const char *base = is_main ? apr_pstrcat(p, s->server_hostname ? s->server_hostname : "*",
                                             ":main", NULL)
                               : hsts_vhost_label(p, s);
    const char *name = base;
    int n = 1;

    while (apr_hash_get(seen, name, APR_HASH_KEY_STRING)) {
        name = apr_psprintf(p, "%s#%d", base, ++n);
    }
    apr_hash_set(seen, name, APR_HASH_KEY_STRING, name);
    return name;
}

static void add_https_host(apr_pool_t *p, apr_hash_t *hosts, const char *name)
{
    char *lower;

    if (!name || !*name) {
        return;
    }
    lower = apr_pstrdup(p, name);
    ap_str_tolower(lower);
    apr_hash_set(hosts, lower, APR_HASH_KEY_STRING, lower);
}

/* A TLS vhost whose default scope has a policy: its ServerName and
 * ServerAliases must redirect from plain HTTP (redirects.http.*). */
static void collect_https_hosts(apr_pool_t *p, apr_hash_t *hosts, server_rec *s)
{
    const hsts_dir_conf *dc = ap_get_module_config(s->lookup_defaults, &hsts_audit_module);
    int i;

    if (!dc || !dc->policy || dc->effective_mode == HSTS_MODE_OFF) {
        return;
    }
    add_https_host(p, hosts, s->server_hostname);
    for (i = 0; s->names && i < s->names->nelts; i++) {
        add_https_host(p, hosts, APR_ARRAY_IDX(s->names, i, const char *));
    }
}

static int names_match(hsts_stats_t *stats, server_rec *s)
{
    apr_uint32_t i = 1;

    for (; s; s = s->next, i++) {
        if (strcmp(hsts_stats_set(stats, i)->name, hsts_srv_conf_of(s)->name)) {
            return 0;
        }
    }
    return 1;
}

static void set_names(hsts_stats_t *stats, server_rec *s)
{
    for (; s; s = s->next) {
        hsts_srv_conf *sc = hsts_srv_conf_of(s);

        apr_cpystrn(hsts_stats_set(stats, sc->vhost_index)->name, sc->name,
                    HSTS_STATS_NAME_LEN);
    }
}

/* The shared area of this generation: the previous one when its shape and
 * vhost names are unchanged, else a new one with the old counters carried
 * over. Children of the old generation keep their own mapping of the old
 * segment, so destroying it here is safe. */
static apr_status_t attach_stats(server_rec *s_main, apr_uint32_t n_vhosts,
                                 apr_uint32_t ring_size, hsts_stats_t **out)
{
    apr_pool_t *pproc = s_main->process->pool;
    apr_shm_t *old = NULL, *shm;
    hsts_stats_t *old_stats = NULL, *stats;
    apr_status_t rv;

    apr_pool_userdata_get((void **)&old, STATS_USERDATA_KEY, pproc);
    if (old) {
        old_stats = apr_shm_baseaddr_get(old);
        if (old_stats->n_sets == n_vhosts + 1 && old_stats->ring_size == ring_size
            && names_match(old_stats, s_main)) {
            *out = old_stats;
            return APR_SUCCESS;
        }
    }
    rv = apr_shm_create(&shm, hsts_stats_size(n_vhosts, ring_size), NULL, pproc);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    stats = hsts_stats_init(apr_shm_baseaddr_get(shm), n_vhosts, ring_size, apr_time_now());
    set_names(stats, s_main);
    if (old) {
        hsts_stats_carry_over(stats, old_stats);
        apr_shm_destroy(old);
    }
    apr_pool_userdata_set(shm, STATS_USERDATA_KEY, NULL, pproc);
    *out = stats;
    return APR_SUCCESS;
}

int hsts_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                     server_rec *s_main)
{
    hsts_runtime *rt = apr_pcalloc(pconf, sizeof(*rt));
    hsts_srv_conf *main_conf = hsts_srv_conf_of(s_main);
    apr_uint32_t ring_size = main_conf->recent_findings != HSTS_UNSET
                             ? (apr_uint32_t)main_conf->recent_findings
                             : HSTS_RECENT_FINDINGS_DEFAULT;
    apr_hash_t *names;
    server_rec *s;
    apr_status_t rv;

    (void)plog;
    rt->https_hosts = apr_hash_make(pconf);
    names = apr_hash_make(ptemp);
    for (s = s_main; s; s = s->next) {
        hsts_srv_conf *sc = hsts_srv_conf_of(s);

        sc->vhost_index = ++rt->n_vhosts;
        sc->name = unique_name(pconf, names, s, s == s_main);
        sc->rt = rt;
        if (sc->is_tls) {
            collect_https_hosts(pconf, rt->https_hosts, s);
        }
    }
    rv = attach_stats(s_main, rt->n_vhosts, ring_size, &rt->stats);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s_main, HSTSLOGNO(00002)
                     "mod_hsts_audit: cannot create the shared memory for its "
                     "counters (%u vhosts, HSTSRecentFindings %u)",
                     (unsigned)rt->n_vhosts, (unsigned)ring_size);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* which vhosts ramp and check themselves, before the startup audit
     * publishes (it keeps their last results) */
    hsts_ramp_start(pconf, ptemp, s_main);
    hsts_selfcheck_start(pconf, s_main);
    hsts_certs_post_config(pconf, s_main);
    hsts_targets_build(pconf, ptemp, s_main);
    hsts_watch_start(pconf, s_main);
    return OK;
}
