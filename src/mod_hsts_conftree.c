/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_conftree.c: reading the configuration tree (ap_conftree) for what
 * mod_ssl's private records would say, at check_config and apachectl -t,
 * before mod_ssl has set anything up. Used by the certificate audit of
 * `apachectl -t` (mod_hsts_certs.c: also mod_ssl's SSLUseStapling) and by
 * the mutual-TLS configuration checks (mod_hsts_client_cert_config.c).
 */
#include "mod_hsts_private.h"

#include <http_config.h>
#include <httpd.h>
#include <apr_strings.h>

#include <string.h>

int hsts_tree_is(const ap_directive_t *d, const char *name)
{
    return d && d->directive && !ap_cstr_casecmp(d->directive, name);
}

int hsts_tree_is_conditional(const ap_directive_t *d)
{
    return d->first_child
        && (hsts_tree_is(d, "<IfModule") || hsts_tree_is(d, "<IfDefine")
            || hsts_tree_is(d, "<IfFile") || hsts_tree_is(d, "<IfVersion"));
}

const char *hsts_tree_arg(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d && d->args ? d->args : "";

    return ap_getword_conf(p, &args);
}

#define VHOST_NODES_KEY "mod_hsts_audit.vhost-nodes"
#define TOP_STAPLING_KEY "mod_hsts_audit.top-stapling"

/* "file:line" of a <VirtualHost>, the key of the index below. */
static const char *node_key(apr_pool_t *p, const char *file, int line)
{
    return apr_psprintf(p, "%d:%s", line, file ? file : "");
}

/* The <VirtualHost> nodes of the tree by file and line, built once per
 * configuration pass (kept with pconf, which httpd clears before it reads
 * the configuration again), so finding every vhost's node is linear. */
static apr_hash_t *vhost_nodes(apr_pool_t *pconf)
{
    apr_hash_t *nodes = NULL;
    const ap_directive_t *d;

    apr_pool_userdata_get((void **)&nodes, VHOST_NODES_KEY, pconf);
    if (nodes) {
        return nodes;
    }
    nodes = apr_hash_make(pconf);
    for (d = ap_conftree; d; d = d->next) {
        if (hsts_tree_is(d, "<VirtualHost") && d->filename) {
            const char *key = node_key(pconf, d->filename, d->line_num);

            if (!apr_hash_get(nodes, key, APR_HASH_KEY_STRING)) {
                apr_hash_set(nodes, key, APR_HASH_KEY_STRING, d);
            }
        }
    }
    apr_pool_userdata_set(nodes, VHOST_NODES_KEY, NULL, pconf);
    return nodes;
}

const ap_directive_t *hsts_tree_vhost_node(const server_rec *s)
{
    apr_pool_t *pconf = s->process ? s->process->pconf : NULL;
    char key[4096];

    if (!s->defn_name || !pconf || !ap_conftree
        || apr_snprintf(key, sizeof(key), "%d:%s", (int)s->defn_line_number, s->defn_name)
           >= (int)sizeof(key) - 1) {
        return NULL;
    }
    return apr_hash_get(vhost_nodes(pconf), key, APR_HASH_KEY_STRING);
}

int hsts_tree_engine_on(apr_pool_t *p, const ap_directive_t *engine)
{
    const char *v;

    if (!engine) {
        return 0;
    }
    v = hsts_tree_arg(p, engine);
    return ap_cstr_casecmp(v, "off") && ap_cstr_casecmp(v, "optional");
}

const char *hsts_tree_where(apr_pool_t *p, const ap_directive_t *d)
{
    return apr_psprintf(p, "%s:%d", d->filename ? d->filename : "?", d->line_num);
}

int hsts_tree_flag(apr_pool_t *p, const ap_directive_t *first, const char *name)
{
    const ap_directive_t *d;
    int value = -1;

    for (d = first; d; d = d->next) {
        if (hsts_tree_is(d, name)) {
            value = !ap_cstr_casecmp(hsts_tree_arg(p, d), "on");
        }
        else if (hsts_tree_is_conditional(d)) {
            int inner = hsts_tree_flag(p, d->first_child, name);

            value = inner >= 0 ? inner : value;
        }
    }
    return value;
}

int hsts_tree_stapling(apr_pool_t *p, const server_rec *s)
{
    const ap_directive_t *vhost = s->is_virtual ? hsts_tree_vhost_node(s) : NULL;
    int on = vhost ? hsts_tree_flag(p, vhost->first_child, "SSLUseStapling") : -1;
    apr_pool_t *pconf = s->process ? s->process->pconf : p;
    void *top = NULL;

    if (on < 0) {
        /* the server-level setting, read once per configuration pass */
        apr_pool_userdata_get(&top, TOP_STAPLING_KEY, pconf);
        if (!top) {
            top = hsts_tree_flag(p, ap_conftree, "SSLUseStapling") > 0 ? "on" : "off";
            apr_pool_userdata_setn(top, TOP_STAPLING_KEY, NULL, pconf);
        }
        on = !strcmp(top, "on");
    }
    return on > 0;
}
