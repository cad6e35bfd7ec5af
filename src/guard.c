/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * guard.c: which subdomains an includeSubDomains policy would lock out
 * (design.md section 5; RFC 6797 §8.2 for what includeSubDomains pins).
 */
#include "hsts_guard.h"

#include <apr_fnmatch.h>
#include <apr_strings.h>
#include <string.h>
#include <apr_cstr.h>

static int is_wildcard(const char *name)
{
    return strchr(name, '*') || strchr(name, '?');
}

/* name is a proper subdomain of domain: "x.a.test" or "*.a.test" under "a.test". */
static int is_subdomain(const char *name, const char *domain)
{
    apr_size_t nl = strlen(name), dl = strlen(domain);

    return nl > dl + 1 && name[nl - dl - 1] == '.'
           && !apr_cstr_casecmp(name + nl - dl, domain);
}

static int answers(const hsts_guard_vhost_t *v, const char *name)
{
    int i;

    for (i = 0; i < v->n_names; i++) {
        const char *own = v->names[i];

        if (!apr_cstr_casecmp(own, name)) {
            return 1;
        }
        if (is_wildcard(own) && !is_wildcard(name)
            && apr_fnmatch(own, name, APR_FNM_CASE_BLIND) == APR_SUCCESS) {
            return 1;
        }
    }
    return 0;
}

static int served_safely(const hsts_guard_vhost_t *vhosts, int n, const char *name)
{
    int i;

    for (i = 0; i < n; i++) {
        if (vhosts[i].is_tls && vhosts[i].cert_ok && answers(&vhosts[i], name)) {
            return 1;
        }
    }
    return 0;
}

static int already_listed(const apr_array_header_t *list, const char *name)
{
    int i;

    for (i = 0; i < list->nelts; i++) {
        if (!apr_cstr_casecmp(APR_ARRAY_IDX(list, i, const char *), name)) {
            return 1;
        }
    }
    return 0;
}

static void check_domain(const hsts_guard_vhost_t *vhosts, int n, const char *domain,
                         apr_array_header_t *unsafe)
{
    int i, j;

    for (i = 0; i < n; i++) {
        for (j = 0; j < vhosts[i].n_names; j++) {
            const char *name = vhosts[i].names[j];

            if (is_subdomain(name, domain) && !served_safely(vhosts, n, name)
                && !already_listed(unsafe, name)) {
                APR_ARRAY_PUSH(unsafe, const char *) = name;
            }
        }
    }
}

apr_array_header_t *hsts_guard_unsafe_subdomains(apr_pool_t *p,
                                                 const hsts_guard_vhost_t *vhosts,
                                                 int n, int index)
{
    apr_array_header_t *unsafe = apr_array_make(p, 2, sizeof(const char *));
    const hsts_guard_vhost_t *v;
    int j;

    if (index < 0 || index >= n || !vhosts[index].pins_subdomains) {
        return unsafe;
    }
    v = &vhosts[index];
    for (j = 0; j < v->n_names; j++) {
        if (!is_wildcard(v->names[j])) {
            check_domain(vhosts, n, v->names[j], unsafe);
        }
    }
    return unsafe;
}
