/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_guard.h: the HSTS lock-out guard's subdomain logic (design.md section 5,
 * finding guard.subdomain_not_https). includeSubDomains on host D pins every
 * subdomain of D to HTTPS with a valid certificate; a subdomain that this
 * server answers only over plain HTTP, or only with a failing certificate, is
 * locked out for visitors who saw D's policy. Pure: the module feeds it the
 * vhosts at startup, the unit tests literals.
 */
#ifndef HSTS_GUARD_H
#define HSTS_GUARD_H

#include <apr_pools.h>
#include <apr_tables.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One virtual host as the guard sees it. */
typedef struct {
    const char *const *names;    /**< ServerName and ServerAliases; wildcards ("*.a.test") allowed */
    int n_names;
    int is_tls;                  /**< served over TLS */
    int cert_ok;                 /**< TLS with no error-severity cert.* finding */
    int pins_subdomains;         /**< its policy (mode not off) has includeSubDomains */
} hsts_guard_vhost_t;

/** The vhosts' names indexed for hsts_guard_unsafe_subdomains(). */
typedef struct hsts_guard_index hsts_guard_index_t;

/**
 * Index the vhosts once (linear in their names): every name filed under
 * each of its parent domains, the names served safely in hash tables.
 * @param p       pool for the index (which keeps pointers to vhosts and
 *                their names: they must outlive it)
 * @param vhosts  all vhosts of the server
 * @param n       their count
 * @return the index, from p
 */
hsts_guard_index_t *hsts_guard_index(apr_pool_t *p, const hsts_guard_vhost_t *vhosts, int n);

/**
 * The subdomains that vhost `index` pins but this server does not serve
 * safely: every name N of any vhost that is a subdomain of one of index's
 * (non-wildcard) names D (N ends in "." D, or N is a wildcard under D) and
 * that no TLS vhost with a passing certificate answers (by exact name or by
 * a wildcard name matching N, ASCII case-insensitive, as httpd's name-based
 * vhost matching does: apr_fnmatch, where '*' matches dots too).
 * Cost: the names under D, each looked up in hash tables.
 * @param p       pool for the result and temporaries
 * @param idx     hsts_guard_index() of all vhosts
 * @param index   the vhost whose policy is checked
 * @return array of const char * (the subdomain names as configured, each
 *         once, in vhost and name order); empty when the vhost does not pin
 *         subdomains or all is well
 */
apr_array_header_t *hsts_guard_unsafe_subdomains(apr_pool_t *p, const hsts_guard_index_t *idx,
                                                 int index);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_GUARD_H */
