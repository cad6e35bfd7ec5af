/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * guard.c: which subdomains an includeSubDomains policy would lock out
 * (design.md section 5; RFC 6797 §8.2 for what includeSubDomains pins).
 *
 * Linear in the number of names: an index built once maps every domain to
 * the names under it (each name is filed under each of its parent domains,
 * a few per name), and the names served safely to hash tables (exact names,
 * and the suffixes of "*.suffix" aliases); only other wildcard patterns
 * ("w*.a.test") are matched one by one, with apr_fnmatch as httpd matches
 * ServerAlias.
 */
#include "hsts_guard.h"

#include <apr_fnmatch.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>
#include <apr_cstr.h>

struct hsts_guard_index {
    const hsts_guard_vhost_t *vhosts;
    int n;
    apr_hash_t *under;           /* lower-case domain -> apr_array_header_t of the
                                    names (const char *, as written) under it, in
                                    vhost and name order */
    apr_hash_t *safe_exact;      /* lower-case names of TLS vhosts with a passing
                                    certificate (wildcards as written) */
    apr_hash_t *safe_star;       /* lower-case S of their "*.S" names */
    apr_array_header_t *safe_patterns; /* their other wildcard names (const char *) */
};

static int is_wildcard(const char *name)
{
    return strchr(name, '*') || strchr(name, '?');
}

static char *lower(apr_pool_t *p, const char *s)
{
    char *l = apr_pstrdup(p, s), *c;

    for (c = l; *c; c++) {
        *c = (char)apr_tolower((unsigned char)*c);
    }
    return l;
}

/* File name under each of its proper parent domains ("x.a.test" under
 * "a.test" and "test"; "*.a.test" likewise). */
static void file_under_parents(apr_pool_t *p, apr_hash_t *under, const char *name)
{
    const char *l = lower(p, name), *dot;

    for (dot = strchr(l, '.'); dot && dot[1]; dot = strchr(dot + 1, '.')) {
        apr_array_header_t *a = apr_hash_get(under, dot + 1, APR_HASH_KEY_STRING);

        if (!a) {
            a = apr_array_make(p, 4, sizeof(const char *));
            apr_hash_set(under, dot + 1, APR_HASH_KEY_STRING, a);
        }
        APR_ARRAY_PUSH(a, const char *) = name;
    }
}

static void add_safe(apr_pool_t *p, hsts_guard_index_t *idx, const char *name)
{
    const char *l = lower(p, name);

    apr_hash_set(idx->safe_exact, l, APR_HASH_KEY_STRING, l);
    if (!strncmp(l, "*.", 2) && !is_wildcard(l + 2)) {
        apr_hash_set(idx->safe_star, l + 2, APR_HASH_KEY_STRING, l);
    }
    else if (is_wildcard(l)) {
        APR_ARRAY_PUSH(idx->safe_patterns, const char *) = name;
    }
}

hsts_guard_index_t *hsts_guard_index(apr_pool_t *p, const hsts_guard_vhost_t *vhosts, int n)
{
    hsts_guard_index_t *idx = apr_pcalloc(p, sizeof(*idx));
    int i, j;

    idx->vhosts = vhosts;
    idx->n = n;
    idx->under = apr_hash_make(p);
    idx->safe_exact = apr_hash_make(p);
    idx->safe_star = apr_hash_make(p);
    idx->safe_patterns = apr_array_make(p, 0, sizeof(const char *));
    for (i = 0; i < n; i++) {
        for (j = 0; j < vhosts[i].n_names; j++) {
            file_under_parents(p, idx->under, vhosts[i].names[j]);
            if (vhosts[i].is_tls && vhosts[i].cert_ok) {
                add_safe(p, idx, vhosts[i].names[j]);
            }
        }
    }
    return idx;
}

/* A TLS vhost with a passing certificate answers name: by the same name
 * (ASCII case-insensitive; a wildcard name only by the same wildcard), or,
 * for a plain name, by a wildcard name that matches it. */
static int served_safely(apr_pool_t *p, const hsts_guard_index_t *idx, const char *name)
{
    const char *l = lower(p, name), *dot;
    int i;

    if (apr_hash_get(idx->safe_exact, l, APR_HASH_KEY_STRING)) {
        return 1;
    }
    if (is_wildcard(l)) {
        return 0;
    }
    for (dot = strchr(l, '.'); dot && dot[1]; dot = strchr(dot + 1, '.')) {
        if (dot > l && apr_hash_get(idx->safe_star, dot + 1, APR_HASH_KEY_STRING)) {
            return 1;                    /* "*.S" matches any name ending in ".S" */
        }
    }
    for (i = 0; i < idx->safe_patterns->nelts; i++) {
        if (apr_fnmatch(APR_ARRAY_IDX(idx->safe_patterns, i, const char *), name,
                        APR_FNM_CASE_BLIND) == APR_SUCCESS) {
            return 1;
        }
    }
    return 0;
}

apr_array_header_t *hsts_guard_unsafe_subdomains(apr_pool_t *p, const hsts_guard_index_t *idx,
                                                 int index)
{
    apr_array_header_t *unsafe = apr_array_make(p, 2, sizeof(const char *));
    apr_hash_t *listed = apr_hash_make(p);
    const hsts_guard_vhost_t *v;
    int j, k;

    if (!idx || index < 0 || index >= idx->n || !idx->vhosts[index].pins_subdomains) {
        return unsafe;
    }
    v = &idx->vhosts[index];
    for (j = 0; j < v->n_names; j++) {
        const apr_array_header_t *under;

        if (is_wildcard(v->names[j])) {
            continue;
        }
        under = apr_hash_get(idx->under, lower(p, v->names[j]), APR_HASH_KEY_STRING);
        for (k = 0; under && k < under->nelts; k++) {
            const char *name = APR_ARRAY_IDX(under, k, const char *);
            const char *key = lower(p, name);

            if (!apr_hash_get(listed, key, APR_HASH_KEY_STRING)
                && !served_safely(p, idx, name)) {
                apr_hash_set(listed, key, APR_HASH_KEY_STRING, key);
                APR_ARRAY_PUSH(unsafe, const char *) = name;
            }
        }
    }
    return unsafe;
}
