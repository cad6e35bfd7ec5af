/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_certs.c: the certificate audit of every TLS vhost and the HSTS
 * lock-out guard (design.md section 5), all at startup, none per request.
 *  - mod_ssl's init_server hook hands over each vhost's SSL_CTX: the leaf and
 *    chain mod_ssl really loaded (also those mod_md provides) are audited
 *    with the core's hsts_cert_audit() (OpenSSL);
 *  - post_config logs the findings, runs the guard over all vhosts and sets
 *    HSTSGuard withhold where a lock-out risk stands;
 *  - test_config (apachectl -t, where mod_ssl loads nothing) audits the
 *    SSLCertificateFile entries of the configuration tree instead.
 */
#include "mod_hsts_private.h"

#include <http_core.h>
#include <http_main.h>
#include <http_config.h>
#include <stdlib.h>
#include <strings.h>
#include <apr_escape.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include <openssl/ssl.h>

#include "hsts_cert.h"
#include "hsts_duration.h"
#include "hsts_guard.h"

#define STORES_KEY "mod_hsts_audit.trust-stores"
#define AUDITS_KEY "mod_hsts_audit.audits"
#define FILES_KEY "mod_hsts_audit.cert-files"

/* A hash kept as userdata of p (made on first use), freed with p. */
static apr_hash_t *pool_hash(apr_pool_t *p, const char *key)
{
    apr_hash_t *h = NULL;

    apr_pool_userdata_get((void **)&h, key, p);
    if (!h) {
        h = apr_hash_make(p);
        apr_pool_userdata_set(h, key, NULL, p);
    }
    return h;
}

static apr_status_t free_store(void *store)
{
    X509_STORE_free(store);
    return APR_SUCCESS;
}

/* The trusted roots for a HSTSTrustedCA file (NULL: the system store),
 * loaded once per configuration generation and freed with its pool. */
static X509_STORE *trusted_store(apr_pool_t *p, server_rec *s, const char *ca_file)
{
    apr_hash_t *stores = pool_hash(p, STORES_KEY);
    const char *key = ca_file ? ca_file : "";
    const char *err = NULL;
    X509_STORE *store;

    store = apr_hash_get(stores, key, APR_HASH_KEY_STRING);
    if (store) {
        return store;
    }
    store = hsts_cert_store_load(p, ca_file, &err);
    if (!store && ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, HSTSLOGNO(00023)
                     "mod_hsts_audit: cannot load the trusted roots for the certificate "
                     "audit: %s", err ? err : "unknown error");
    }
    if (!store) {
        return NULL;
    }
    apr_pool_cleanup_register(p, store, free_store, apr_pool_cleanup_null);
    apr_hash_set(stores, apr_pstrdup(p, key), APR_HASH_KEY_STRING, store);
    return store;
}

/* ServerName, ServerAlias and wildcard ServerAlias entries of a vhost. */
static apr_array_header_t *vhost_names(apr_pool_t *p, const server_rec *s)
{
    apr_array_header_t *names = apr_array_make(p, 4, sizeof(const char *));
    int i;

    if (s->server_hostname) {
        APR_ARRAY_PUSH(names, const char *) = s->server_hostname;
    }
    for (i = 0; s->names && i < s->names->nelts; i++) {
        APR_ARRAY_PUSH(names, const char *) = APR_ARRAY_IDX(s->names, i, const char *);
    }
    for (i = 0; s->wild_names && i < s->wild_names->nelts; i++) {
        APR_ARRAY_PUSH(names, const char *) = APR_ARRAY_IDX(s->wild_names, i, const char *);
    }
    return names;
}

/* What makes two audits the same: the leaf and chain (SHA-256 of each
 * certificate), the roots and the settings; not the host names. */
static const char *audit_key(apr_pool_t *p, X509 *leaf, STACK_OF(X509) *chain,
                             const hsts_cert_audit_in_t *in)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const char *key = apr_psprintf(p, "%pp/%d/%d/%d", (void *)in->trusted, in->trusted_public,
                                   in->warn_days, in->stapling);
    int i;

    for (i = -1; i < (chain ? sk_X509_num(chain) : 0); i++) {
        if (!X509_digest(i < 0 ? leaf : sk_X509_value(chain, i), EVP_sha256(), md, &len)) {
            return NULL;
        }
        key = apr_pstrcat(p, key, "/", apr_pescape_hex(p, md, len, 0), NULL);
    }
    return key;
}

/* One audit per distinct certificate (design.md section 5, issue "cost at
 * scale"): the verdict of a chain for these roots and settings is made once
 * per pool (a configuration pass, a run of the watch, apachectl -t) and
 * shared by every vhost that serves it; only the names are checked per
 * vhost (hsts_cert_check_hosts). NULL when the audit cannot run. */
static hsts_cert_report_t *audit_shared(apr_pool_t *p, X509 *leaf, STACK_OF(X509) *chain,
                                        const hsts_cert_audit_in_t *in)
{
    apr_hash_t *audits = pool_hash(p, AUDITS_KEY);
    const char *key = audit_key(p, leaf, chain, in);
    hsts_cert_report_t *shared = key ? apr_hash_get(audits, key, APR_HASH_KEY_STRING) : NULL;
    hsts_cert_report_t *report;

    if (!shared) {
        hsts_cert_audit_in_t no_hosts = *in;

        no_hosts.hosts = NULL;
        no_hosts.n_hosts = 0;
        shared = apr_pcalloc(p, sizeof(*shared));
        if (hsts_cert_audit(p, leaf, chain, &no_hosts, shared) != APR_SUCCESS) {
            return NULL;
        }
        if (key) {
            apr_hash_set(audits, key, APR_HASH_KEY_STRING, shared);
        }
    }
    report = apr_pmemdup(p, shared, sizeof(*shared));
    hsts_cert_check_hosts(p, leaf, in->hosts, in->n_hosts, report);
    return report;
}

static hsts_cert_report_t *audit_chain(apr_pool_t *p, server_rec *s, X509 *leaf,
                                       STACK_OF(X509) *chain, apr_time_t now)
{
    hsts_srv_conf *sc = hsts_srv_conf_of(s);
    X509_STORE *store = trusted_store(p, s, sc->trusted_ca);
    apr_array_header_t *names = vhost_names(p, s);
    hsts_cert_audit_in_t in;

    if (!store || !leaf) {
        return NULL;
    }
    in.hosts = (const char *const *)names->elts;
    in.n_hosts = names->nelts;
    in.trusted = store;
    in.trusted_public = sc->trusted_ca ? sc->trusted_ca_public : 1;
    in.warn_days = hsts_srv_cert_warn_days(sc);
    if (sc->stapling < 0) {        /* the first audit: startup, the configuration phase */
        sc->stapling = hsts_tree_stapling(p, s);
    }
    in.stapling = sc->stapling;
    in.now = now;
    return audit_shared(p, leaf, chain, &in);
}

static apr_status_t free_served(void *data)
{
    hsts_srv_conf *sc = data;

    X509_free(sc->served_leaf);
    sk_X509_pop_free(sc->served_chain, X509_free);
    sc->served_leaf = NULL;
    sc->served_chain = NULL;
    return APR_SUCCESS;
}

void hsts_certs_audit_ctx(server_rec *s, apr_pool_t *p, SSL_CTX *ssl_ctx)
{
    hsts_srv_conf *sc = hsts_srv_conf_of(s);
    STACK_OF(X509) *chain = NULL;
    X509 *leaf = SSL_CTX_get0_certificate(ssl_ctx);

    if (!leaf) {
        return;
    }
    SSL_CTX_get_extra_chain_certs(ssl_ctx, &chain);
    sc->cert = audit_chain(p, s, leaf, chain, apr_time_now());
    /* The watch audits the same chain again while the server runs: keep
     * references for as long as this configuration lives. */
    if (!sc->served_leaf && X509_up_ref(leaf)) {
        sc->served_leaf = leaf;
        sc->served_chain = chain ? X509_chain_up_ref(chain) : NULL;
        apr_pool_cleanup_register(p, sc, free_served, apr_pool_cleanup_null);
    }
}

hsts_cert_report_t *hsts_certs_audit_served(apr_pool_t *p, server_rec *s, apr_time_t now)
{
    hsts_srv_conf *sc = hsts_srv_conf_of(s);

    return sc->served_leaf ? audit_chain(p, s, sc->served_leaf, sc->served_chain, now) : NULL;
}

/* ---- startup report ------------------------------------------------------ */

const char *hsts_certs_detail(apr_pool_t *p, const hsts_cert_report_t *cert,
                              hsts_finding_e f, const char *verify_error, apr_time_t now)
{
    if (!cert) {
        return "";
    }
    if ((f == HSTS_F_CERT_CHAIN_INCOMPLETE || f == HSTS_F_CERT_UNTRUSTED)
        && verify_error && *verify_error) {
        return apr_psprintf(p, "OpenSSL: %s", verify_error);   /* the watch's, current */
    }
    return hsts_cert_finding_detail(p, cert, f, now);
}

/* One line per certificate finding of a vhost (HSTS00020). */
static void log_cert_findings(apr_pool_t *p, server_rec *s, const char *vhost,
                              const hsts_cert_report_t *cert)
{
    int i, level;

    for (i = 0; i < HSTS_F_COUNT; i++) {
        const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)i);

        if (!(cert->findings & HSTS_FINDING_BIT(i))) {
            continue;
        }
        level = hsts_cert_finding_severity(cert, (hsts_finding_e)i) == HSTS_SEVERITY_ERROR
                ? APLOG_ERR : APLOG_WARNING;
        ap_log_error(APLOG_MARK, (s ? 0 : APLOG_STARTUP) | level, 0, s,
                     HSTSLOGNO(00020) "%s: %s (vhost %s, certificate %s, %s). "
                     "Visitors see %s. Fix: %s.",
                     info->code, info->summary, vhost,
                     cert->subject ? cert->subject : "-",
                     hsts_cert_finding_detail(p, cert, (hsts_finding_e)i, apr_time_now()),
                     info->browser_errors ? info->browser_errors : "an error",
                     info->fix);
    }
}

/* ---- the guard ----------------------------------------------------------- */

/* A TLS vhost whose certificate passed this round's audit. One that could
 * not be audited (no trusted roots loaded: HSTS00023) is not held against it. */
static int cert_ok(const hsts_srv_conf *sc, const hsts_cert_report_t *cert)
{
    return sc->is_tls
           && (!cert || !cert->findings || hsts_cert_severity(cert) != HSTS_SEVERITY_ERROR);
}

static int pins_subdomains(server_rec *s)
{
    const hsts_dir_conf *dc = ap_get_module_config(s->lookup_defaults, &hsts_audit_module);

    return dc && dc->policy && dc->include_subdomains == 1
           && dc->effective_mode != HSTS_MODE_OFF;
}

static int has_policy(server_rec *s)
{
    const hsts_dir_conf *dc = ap_get_module_config(s->lookup_defaults, &hsts_audit_module);

    return dc && dc->policy && dc->effective_mode != HSTS_MODE_OFF;
}

static hsts_guard_vhost_t *guard_table(apr_pool_t *p, server_rec *s_main,
                                       const hsts_audit_round_t *round, int n)
{
    hsts_guard_vhost_t *table = apr_pcalloc(p, sizeof(*table) * (apr_size_t)n);
    server_rec *s;
    int i = 0;

    for (s = s_main; s && i < n; s = s->next, i++) {
        apr_array_header_t *names = vhost_names(p, s);
        const hsts_srv_conf *sc = hsts_srv_conf_of(s);

        /* With virtual hosts, the main server's ServerName (on Debian the
         * machine's host name) is not a site of its own: leave it out. */
        if (s == s_main && s_main->next) {
            names->nelts = 0;
        }
        table[i].names = (const char *const *)names->elts;
        table[i].n_names = names->nelts;
        table[i].is_tls = sc->is_tls;
        table[i].cert_ok = cert_ok(sc, round[i].cert);
        table[i].pins_subdomains = sc->is_tls && pins_subdomains(s);
    }
    return table;
}

static void log_guard(apr_pool_t *p, server_rec *s, const hsts_audit_round_t *r)
{
    const hsts_finding_info_t *info = hsts_finding_info(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);
    const hsts_srv_conf *sc = hsts_srv_conf_of(s);

    if (r->unsafe->nelts) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, HSTSLOGNO(00021)
                     "%s: vhost %s sends includeSubDomains, but these subdomains are "
                     "not served over HTTPS with a valid certificate here: %s. "
                     "Visitors see %s. Fix: %s.", info->code, sc->name,
                     apr_array_pstrcat(p, r->unsafe, ' '), info->browser_errors, info->fix);
    }
    if (r->withhold) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, HSTSLOGNO(00022)
                     "HSTSGuard withhold: vhost %s sends no Strict-Transport-Security "
                     "until its %s fixed (see the findings above)", sc->name,
                     r->unsafe->nelts ? "subdomains are" : "certificate is");
    }
}

void hsts_certs_guard(apr_pool_t *p, server_rec *s_main, hsts_audit_round_t *round, int n,
                      int log)
{
    hsts_guard_index_t *idx = hsts_guard_index(p, guard_table(p, s_main, round, n), n);
    server_rec *s;
    int i = 0;

    for (s = s_main; s && i < n; s = s->next, i++) {
        hsts_srv_conf *sc = hsts_srv_conf_of(s);
        hsts_audit_round_t *r = round + i;

        r->unsafe = apr_array_make(p, 0, sizeof(const char *));
        r->withhold = 0;
        if (!sc->is_tls || !has_policy(s) || hsts_srv_guard(sc) == HSTS_GUARD_OFF) {
            continue;
        }
        r->unsafe = hsts_guard_unsafe_subdomains(p, idx, i);
        r->withhold = (r->unsafe->nelts || !cert_ok(sc, r->cert))
                      && hsts_srv_guard(sc) == HSTS_GUARD_WITHHOLD;
        if (log) {
            log_guard(p, s, r);
        }
    }
}

void hsts_certs_post_config(apr_pool_t *pconf, server_rec *s_main)
{
    /* httpd runs post_config twice at startup; report in the real pass only. */
    int log = ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG;
    int n = (int)hsts_srv_conf_of(s_main)->rt->n_vhosts;
    hsts_audit_round_t *round = apr_pcalloc(pconf, sizeof(*round) * (apr_size_t)(n + 1));
    server_rec *s;
    int i = 0;

    for (s = s_main; s && i < n; s = s->next, i++) {
        const hsts_srv_conf *sc = hsts_srv_conf_of(s);

        round[i].cert = sc->is_tls ? sc->cert : NULL;
        if (log && round[i].cert) {
            log_cert_findings(pconf, s, sc->name, sc->cert);
        }
    }
    hsts_certs_guard(pconf, s_main, round, n, log);
    hsts_watch_publish(s_main, pconf, round, n, apr_time_now(), 0);
}

/* ---- apachectl -t: the configuration tree --------------------------------- */

/* What one <VirtualHost> block of the tree says about its certificate. */
typedef struct {
    apr_array_header_t *names;
    const char *cert_file;
    const char *chain_file;
    const char *trusted_ca;      /* the block's HSTSTrustedCA, or NULL */
    int trusted_ca_public;       /* and whether it is marked public */
    int warn_days;               /* the block's HSTSCertWarnDays, or HSTS_UNSET */
    int stapling;                /* the block's SSLUseStapling: 1, 0, or -1 unset */
    int ssl_on;
} tree_vhost_t;

static void collect_words(apr_pool_t *p, const char *args, apr_array_header_t *into)
{
    while (*args) {
        char *word = ap_getword_conf(p, &args);

        if (*word) {
            APR_ARRAY_PUSH(into, const char *) = word;
        }
    }
}

static const char *tree_path(apr_pool_t *p, const ap_directive_t *d)
{
    return ap_server_root_relative(p, hsts_tree_arg(p, d));
}

static void scan_block(apr_pool_t *p, const ap_directive_t *d, tree_vhost_t *v)
{
    apr_int64_t days;

    for (; d; d = d->next) {
        if (hsts_tree_is(d, "ServerName") || hsts_tree_is(d, "ServerAlias")) {
            collect_words(p, d->args, v->names);
        }
        else if (hsts_tree_is(d, "SSLCertificateFile") && !v->cert_file) {
            v->cert_file = tree_path(p, d);
        }
        else if (hsts_tree_is(d, "SSLCertificateChainFile")) {
            v->chain_file = tree_path(p, d);
        }
        else if (hsts_tree_is(d, "HSTSTrustedCA")) {
            const char *args = d->args;

            v->trusted_ca = ap_server_root_relative(p, ap_getword_conf(p, &args));
            v->trusted_ca_public = hsts_trusted_ca_kind(ap_getword_conf(p, &args)) == 1;
        }
        else if (hsts_tree_is(d, "SSLUseStapling")) {
            v->stapling = !ap_cstr_casecmp(hsts_tree_arg(p, d), "on");
        }
        else if (hsts_tree_is(d, "HSTSCertWarnDays")
                 && hsts_parse_number(hsts_tree_arg(p, d), 3650, &days)) {
            v->warn_days = (int)days;
        }
        else if (hsts_tree_is(d, "SSLEngine")) {
            v->ssl_on = hsts_tree_engine_on(p, d);
        }
        else if (hsts_tree_is_conditional(d)) {
            scan_block(p, d->first_child, v);
        }
    }
}

/* The served chain of a configuration-tree vhost: SSLCertificateFile (leaf
 * first) and SSLCertificateChainFile after it. Read once per pool and pair
 * of files, however many vhosts name them; freed with p. NULL with *err. */
typedef struct {
    X509 *leaf;
    STACK_OF(X509) *chain;
    const char *err;
} tree_chain_t;

static apr_status_t free_tree_chain(void *data)
{
    tree_chain_t *c = data;

    X509_free(c->leaf);
    sk_X509_pop_free(c->chain, X509_free);
    return APR_SUCCESS;
}

static const tree_chain_t *load_tree_chain(apr_pool_t *p, const char *cert_file,
                                           const char *chain_file)
{
    apr_hash_t *files = pool_hash(p, FILES_KEY);
    const char *key = apr_pstrcat(p, cert_file, "\n", chain_file ? chain_file : "", NULL);
    tree_chain_t *c = apr_hash_get(files, key, APR_HASH_KEY_STRING);
    STACK_OF(X509) *extra = NULL;
    X509 *extra_leaf = NULL;

    if (c) {
        return c;
    }
    c = apr_pcalloc(p, sizeof(*c));
    apr_hash_set(files, key, APR_HASH_KEY_STRING, c);
    if (hsts_cert_load_chain(p, cert_file, &c->leaf, &c->chain, &c->err) != APR_SUCCESS) {
        c->leaf = NULL;
        return c;
    }
    apr_pool_cleanup_register(p, c, free_tree_chain, apr_pool_cleanup_null);
    if (chain_file
        && hsts_cert_load_chain(p, chain_file, &extra_leaf, &extra, &c->err) == APR_SUCCESS) {
        sk_X509_push(c->chain, extra_leaf);
        while (sk_X509_num(extra) > 0) {
            sk_X509_push(c->chain, sk_X509_shift(extra));
        }
        sk_X509_free(extra);
    }
    return c;
}

static void audit_tree_vhost(apr_pool_t *p, server_rec *s_main, const tree_vhost_t *v)
{
    const hsts_srv_conf *main_conf = hsts_srv_conf_of(s_main);
    X509_STORE *store = trusted_store(p, s_main, v->trusted_ca ? v->trusted_ca
                                                               : main_conf->trusted_ca);
    const tree_chain_t *c = load_tree_chain(p, v->cert_file, v->chain_file);
    const hsts_cert_report_t *report;
    hsts_cert_audit_in_t in;
    const char *label;

    label = v->names->nelts ? APR_ARRAY_IDX(v->names, 0, const char *) : "(no ServerName)";
    if (!store || !c->leaf) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, NULL, HSTSLOGNO(00024)
                     "mod_hsts_audit: cannot audit the certificate of %s: %s", label,
                     c->err ? c->err : "no trusted roots");
        return;
    }
    in.hosts = (const char *const *)v->names->elts;
    in.n_hosts = v->names->nelts;
    in.trusted = store;
    in.trusted_public = v->trusted_ca ? v->trusted_ca_public
                        : (main_conf->trusted_ca ? main_conf->trusted_ca_public : 1);
    in.warn_days = v->warn_days != HSTS_UNSET ? v->warn_days
                                              : hsts_srv_cert_warn_days(main_conf);
    in.stapling = v->stapling >= 0 ? v->stapling
                  : hsts_tree_flag(p, ap_conftree, "SSLUseStapling") > 0;
    in.now = apr_time_now();
    report = audit_shared(p, c->leaf, c->chain, &in);
    if (report) {
        log_cert_findings(p, NULL, apr_pstrcat(p, label, " (", v->cert_file, ")", NULL),
                          report);
    }
}

void hsts_certs_test_config(apr_pool_t *pconf, server_rec *s_main)
{
    const ap_directive_t *d;

    /* apachectl -M, -S, -L and -t -D DUMP_*: a dump, not a test; say nothing */
    if (ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_DUMP) {
        return;
    }

    for (d = ap_conftree; d; d = d->next) {
        tree_vhost_t v = { 0 };

        v.warn_days = HSTS_UNSET;
        v.stapling = -1;
        if (!hsts_tree_is(d, "<VirtualHost") || !d->first_child) {
            continue;
        }
        v.names = apr_array_make(pconf, 4, sizeof(const char *));
        scan_block(pconf, d->first_child, &v);
        if (v.ssl_on && v.cert_file) {
            audit_tree_vhost(pconf, s_main, &v);
        }
    }
}
