/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * sts_audit.c: findings of one response (design.md section 4), from the
 * browser-exact parse (Chromium), the hstspreload checker's reading
 * (chromium/hstspreload header.go) and the redirect rules hstspreload applies
 * to http:// (redirects.http.*).
 */
#include "hsts_audit.h"

#include <apr_lib.h>
#include <string.h>
#include <apr_cstr.h>

#define BIT HSTS_FINDING_BIT

static hsts_findings_t judge_value(const char *value, apr_size_t len,
                                   int preload_configured, hsts_sts_policy_t *first)
{
    hsts_preload_result_t pre;
    hsts_findings_t set = 0;
    int chromium_valid, preload_valid;

    hsts_sts_parse(value, len, first);
    chromium_valid = first->verdict == HSTS_STS_VALID;
    if (!chromium_valid) {
        set |= BIT(hsts_finding_of_verdict(first->verdict));
    }
    else if (first->max_age_value == 0) {
        set |= BIT(HSTS_F_HEADER_MAX_AGE_ZERO);
    }
    hsts_preload_check(value, len, HSTS_PRELOAD_BULK_1_YEAR, &pre);
    if (first->preload || pre.preload || preload_configured) {
        set |= pre.findings;
    }
    /* hstspreload accepts a header when its parse has no error and found a
     * max-age; preloadable errors are requirements, not parse errors. */
    hsts_preload_check(value, len, HSTS_PRELOAD_PARSE_ONLY, &pre);
    preload_valid = pre.n_errors == 0 && pre.max_age_set;
    if (chromium_valid != preload_valid) {
        set |= BIT(HSTS_F_HEADER_PRELOAD_DIVERGENT);
    }
    return set;
}

hsts_findings_t hsts_audit_header(const char *value, apr_size_t len,
                                  hsts_sts_policy_t *first)
{
    hsts_sts_policy_t local;

    return judge_value(value, len, 0, first ? first : &local);
}

static const char *skip_authority_prefix(const char *p, const char *end)
{
    const char *at = NULL, *q;

    for (q = p; q < end; q++) {
        if (*q == '@') {
            at = q;
        }
    }
    return at ? at + 1 : p;
}

int hsts_location_https_host(const char *location, const char **host, apr_size_t *len)
{
    const char *p, *end, *host_end;

    if (!location || apr_cstr_casecmpn(location, "https://", 8)) {
        return 0;
    }
    p = location + 8;
    end = p + strcspn(p, "/?#");
    p = skip_authority_prefix(p, end);
    if (*p == '[') {                              /* IPv6 literal */
        host_end = memchr(p, ']', (apr_size_t)(end - p));
        if (!host_end) {
            return 0;
        }
        host_end++;
    }
    else {
        host_end = memchr(p, ':', (apr_size_t)(end - p));
        if (!host_end) {
            host_end = end;
        }
    }
    /* a trailing dot names the same host (example.org. == example.org) */
    if (host_end > p + 1 && host_end[-1] == '.') {
        host_end--;
    }
    *host = p;
    *len = (apr_size_t)(host_end - p);
    return host_end > p;
}

int hsts_location_is_https_same_host(const char *location, const char *host)
{
    const char *h;
    apr_size_t h_len, host_len;

    if (!host || !hsts_location_https_host(location, &h, &h_len)) {
        return 0;
    }
    host_len = strlen(host);
    if (host_len > 1 && host[host_len - 1] == '.') {
        host_len--;                               /* the same rule for the request's host */
    }
    return h_len == host_len && !apr_cstr_casecmpn(h, host, host_len);
}

static hsts_findings_t judge_plain_http(const hsts_audit_response_t *resp)
{
    hsts_findings_t set = 0;

    if (resp->n_fields) {
        set |= BIT(HSTS_F_HEADER_OVER_HTTP);
    }
    if (!resp->host_has_https_policy) {
        return set;
    }
    if (resp->status < 300 || resp->status > 399 || !resp->location) {
        set |= BIT(HSTS_F_REDIRECTS_HTTP_NO_REDIRECT);
    }
    else if (!hsts_location_is_https_same_host(resp->location, resp->host)) {
        set |= BIT(HSTS_F_REDIRECTS_HTTP_FIRST_REDIRECT_INSECURE);
    }
    return set;
}

static hsts_findings_t judge_https(const hsts_audit_scope_t *scope,
                                   const hsts_audit_response_t *resp,
                                   hsts_sts_policy_t *first)
{
    hsts_findings_t set = 0;

    if (resp->status >= 300 && resp->status <= 399 && resp->location) {
        const char *h;
        apr_size_t h_len;

        if (!apr_cstr_casecmpn(resp->location, "http:", 5)) {
            set |= BIT(HSTS_F_REDIRECTS_DOWNGRADE);
        }
        else if (resp->target_cert_ok && hsts_location_https_host(resp->location, &h, &h_len)
                 && resp->target_cert_ok(resp->target_baton, h, h_len) == 0) {
            set |= BIT(HSTS_F_REDIRECTS_HTTPS_TARGET_CERT_INVALID);
        }
    }
    if (!resp->n_fields || !resp->first) {
        return set | (scope->expects_header ? BIT(HSTS_F_HEADER_MISSING) : 0);
    }
    if (resp->n_fields > 1) {
        set |= BIT(HSTS_F_HEADER_MULTIPLE);
    }
    set |= judge_value(resp->first, resp->first_len, scope->preload_configured, first);
    if (first->verdict == HSTS_STS_VALID && scope->configured_max_age >= 0
        && first->max_age_value < (apr_uint64_t)scope->configured_max_age
        && first->max_age_value > 0) {
        set |= BIT(HSTS_F_HEADER_MAX_AGE_BELOW_CONFIGURED);
    }
    if (first->verdict == HSTS_STS_VALID && scope->include_subdomains_configured
        && !first->include_subdomains && first->max_age_value > 0) {
        set |= BIT(HSTS_F_HEADER_INCLUDE_SUB_DOMAINS_BELOW_CONFIGURED);
    }
    return set;
}

hsts_findings_t hsts_audit_response(const hsts_audit_scope_t *scope,
                                    const hsts_audit_response_t *resp,
                                    hsts_sts_policy_t *first)
{
    hsts_sts_policy_t local;

    first = first ? first : &local;
    memset(first, 0, sizeof(*first));
    first->verdict = HSTS_STS_INVALID_MAX_AGE_MISSING;
    if (!resp->is_https) {
        return judge_plain_http(resp);
    }
    return judge_https(scope, resp, first);
}
