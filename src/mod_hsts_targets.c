/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_targets.c: what certificate this server would serve for each of
 * its host names, for redirects.https.target_cert_invalid (design.md
 * section 4): an HTTPS response that redirects to https://H/ where H is
 * served here with a certificate that does not cover H, or fails the audit
 * (the classic "HTTPS traffic routed to a different host with a different
 * certificate").
 *
 * The table is built once in post_config: every host name of every vhost
 * (ServerName, ServerAlias; lower case) -> the TLS vhost that answers it by
 * name (exact, else a wildcard alias), else the first TLS vhost (the default
 * one on its address), and whether that vhost's certificate covers H
 * (X509_check_host on subjectAltName only, as browsers match). Per response
 * it is read only for a 3xx to https://: one hash lookup, and the target's
 * current problems (the watch's) for "fails the audit". Ports are not
 * compared: https://H:8443/ is judged as https://H/.
 */
#include "mod_hsts_private.h"

#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <openssl/x509v3.h>

/* One host name of the server and the TLS vhost that would answer it. */
typedef struct {
    const hsts_srv_conf *tls;    /* the answering TLS vhost */
    int covers;                  /* its certificate covers the name */
} target_t;

static char *lower_dup(apr_pool_t *p, const char *s)
{
    char *l = apr_pstrdup(p, s);

    ap_str_tolower(l);
    return l;
}

static int is_wildcard(const char *name)
{
    return strchr(name, '*') || strchr(name, '?');
}

/* TLS vhosts by exact name, and by the suffix of a "*.suffix" alias. */
static void index_tls(apr_pool_t *p, server_rec *s_main, apr_hash_t *exact,
                      apr_hash_t *wild, const hsts_srv_conf **first)
{
    server_rec *s;
    int i;

    for (s = s_main; s; s = s->next) {
        const hsts_srv_conf *sc = hsts_srv_conf_of(s);

        if (!sc->is_tls || !sc->served_leaf) {
            continue;
        }
        if (!*first) {
            *first = sc;
        }
        if (s->server_hostname && !apr_hash_get(exact, lower_dup(p, s->server_hostname),
                                                APR_HASH_KEY_STRING)) {
            apr_hash_set(exact, lower_dup(p, s->server_hostname), APR_HASH_KEY_STRING, sc);
        }
        for (i = 0; s->names && i < s->names->nelts; i++) {
            char *n = lower_dup(p, APR_ARRAY_IDX(s->names, i, const char *));

            if (!apr_hash_get(exact, n, APR_HASH_KEY_STRING)) {
                apr_hash_set(exact, n, APR_HASH_KEY_STRING, sc);
            }
        }
        for (i = 0; s->wild_names && i < s->wild_names->nelts; i++) {
            char *n = lower_dup(p, APR_ARRAY_IDX(s->wild_names, i, const char *));

            if (!strncmp(n, "*.", 2) && !is_wildcard(n + 2)
                && !apr_hash_get(wild, n + 2, APR_HASH_KEY_STRING)) {
                apr_hash_set(wild, n + 2, APR_HASH_KEY_STRING, sc);
            }
        }
    }
}

static void add_target(apr_pool_t *p, apr_hash_t *targets, apr_hash_t *exact,
                       apr_hash_t *wild, const hsts_srv_conf *first, const char *name)
{
    const char *dot;
    const hsts_srv_conf *tls;
    target_t *t;
    char *h;

    if (!name || !*name || is_wildcard(name)) {
        return;
    }
    h = lower_dup(p, name);
    if (apr_hash_get(targets, h, APR_HASH_KEY_STRING)) {
        return;
    }
    tls = apr_hash_get(exact, h, APR_HASH_KEY_STRING);
    if (!tls && (dot = strchr(h, '.')) != NULL) {
        tls = apr_hash_get(wild, dot + 1, APR_HASH_KEY_STRING);
    }
    if (!tls) {
        tls = first;
    }
    t = apr_pcalloc(p, sizeof(*t));
    t->tls = tls;
    t->covers = X509_check_host(tls->served_leaf, h, strlen(h),
                                X509_CHECK_FLAG_NEVER_CHECK_SUBJECT
                                | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
    apr_hash_set(targets, h, APR_HASH_KEY_STRING, t);
}

void hsts_targets_build(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s_main)
{
    apr_hash_t *exact = apr_hash_make(ptemp), *wild = apr_hash_make(ptemp);
    apr_hash_t *targets = apr_hash_make(pconf);
    const hsts_srv_conf *first = NULL;
    server_rec *s;
    int i;

    index_tls(ptemp, s_main, exact, wild, &first);
    hsts_srv_conf_of(s_main)->rt->tls_targets = first ? targets : NULL;
    if (!first) {
        return;                      /* no TLS here: nothing to judge */
    }
    for (s = s_main; s; s = s->next) {
        /* with vhosts, the main server's name (the machine's) is no site */
        if (s == s_main && s_main->next) {
            continue;
        }
        add_target(pconf, targets, exact, wild, first, s->server_hostname);
        for (i = 0; s->names && i < s->names->nelts; i++) {
            add_target(pconf, targets, exact, wild, first,
                       APR_ARRAY_IDX(s->names, i, const char *));
        }
    }
}

int hsts_target_cert_ok(void *baton, const char *host, apr_size_t len)
{
    const hsts_runtime *rt = baton;
    hsts_problems_t *slot, cur;
    const target_t *t;
    char lower[256];
    apr_size_t i;
    int f;

    if (!rt || !rt->tls_targets || !len || len >= sizeof(lower)) {
        return -1;
    }
    for (i = 0; i < len; i++) {
        lower[i] = (char)apr_tolower((unsigned char)host[i]);
    }
    t = apr_hash_get(rt->tls_targets, lower, (apr_ssize_t)len);
    if (!t) {
        return -1;                   /* not a name of this server */
    }
    if (!t->covers) {
        return 0;
    }
    slot = hsts_srv_problems(t->tls);
    if (!slot || !hsts_problems_read(slot, &cur)) {
        return 1;
    }
    for (f = 0; f < HSTS_F_COUNT; f++) {
        if ((cur.problems & ~cur.warnings & HSTS_FINDING_BIT(f))
            && hsts_finding_info((hsts_finding_e)f)->category == HSTS_CAT_CERT
            && hsts_finding_info((hsts_finding_e)f)->severity == HSTS_SEVERITY_ERROR) {
            return 0;                /* the target's certificate fails the audit now */
        }
    }
    return 1;
}
