/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * live_check_judge.c: the pure judgements of the live check (no network):
 * the first redirect of http://NAME/, insecure hops of a chain, the domain
 * format, the verdict. They follow chromium/hstspreload redirects.go
 * (preloadableHTTPRedirectsURL, preloadableRedirectChain) and domain.go
 * (checkDomainFormat, EligibleDomainResponse's verdict: no errors).
 */
#include "hsts_live_check.h"

#include <string.h>

#include <arpa/inet.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <curl/curl.h>

int hsts_live_url_parts(apr_pool_t *p, const char *url, const char **scheme, const char **host)
{
    CURLU *u;
    char *s = NULL, *h = NULL;
    int ok = 0;

    if (!url || !(u = curl_url())) {
        return 0;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
        apr_size_t hl = strlen(h);

        if (scheme) {
            *scheme = apr_pstrdup(p, s);
        }
        if (host) {
            /* Go's Hostname() drops the brackets of an IPv6 literal */
            *host = (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') ? apr_pstrndup(p, h + 1, hl - 2)
                                                                   : apr_pstrdup(p, h);
        }
        ok = 1;
    }
    curl_free(s);
    curl_free(h);
    curl_url_cleanup(u);
    return ok;
}

hsts_live_first_e hsts_live_judge_first(const char *name, const char *first)
{
    apr_pool_t *p;
    const char *scheme = NULL, *host = NULL;
    hsts_live_first_e r = HSTS_LIVE_FIRST_INSECURE;

    if (!first) {
        return HSTS_LIVE_FIRST_NONE;
    }
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return HSTS_LIVE_FIRST_INSECURE;
    }
    if (hsts_live_url_parts(p, first, &scheme, &host)) {
        if (!strcmp(scheme, "https") && !strcmp(host, name)) {
            r = HSTS_LIVE_FIRST_HTTPS_SAME;
        }
        else if (!strncmp(host, "www.", 4) && !strcmp(host + 4, name)) {
            r = HSTS_LIVE_FIRST_WWW;
        }
    }
    apr_pool_destroy(p);
    return r;
}

int hsts_live_judge_chain(const apr_array_header_t *chain)
{
    apr_pool_t *p;
    int i, r = -1;

    if (!chain || chain->nelts == 0 || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return -1;
    }
    for (i = 0; i < chain->nelts && r < 0; i++) {
        const char *scheme = NULL;

        if (!hsts_live_url_parts(p, APR_ARRAY_IDX(chain, i, const char *), &scheme, NULL)
            || strcmp(scheme, "https")) {
            r = i;
        }
    }
    apr_pool_destroy(p);
    return r;
}

/* Go's net.ParseIP on a name that passed the character check (so no ':'):
 * an IPv4 dotted quad. */
/* One "HOST:PORT:..." entry against host and port (decimal text). */
static int entry_matches(const char *e, const char *host, const char *port, int wildcards)
{
    const char *hs = e, *c1, *c2;
    apr_size_t hl, pl;

    if (*e == '+') {
        hs = ++e;
    }
    if (*e == '-') {
        return 0;
    }
    if (*e == '[') {
        hs = e + 1;
        if (!(c1 = strchr(hs, ']')) || c1[1] != ':') {
            return 0;
        }
        hl = (apr_size_t)(c1 - hs);
        c1++;
    }
    else {
        if (!(c1 = strchr(e, ':'))) {
            return 0;
        }
        hl = (apr_size_t)(c1 - hs);
    }
    if (!(c2 = strchr(c1 + 1, ':'))) {
        return 0;
    }
    pl = (apr_size_t)(c2 - (c1 + 1));
    return ((wildcards && hl == 0) || (hl == strlen(host) && !strncasecmp(hs, host, hl)))
           && ((wildcards && pl == 0) || (pl == strlen(port) && !strncmp(c1 + 1, port, pl)));
}

int hsts_live_mapped(apr_pool_t *p, const hsts_live_options_t *opt, const char *url)
{
    const char *host = NULL;
    char *port = NULL;
    CURLU *u;
    int i, ok = 0;

    if (!hsts_live_url_parts(p, url, NULL, &host) || !(u = curl_url())) {
        return 0;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        for (i = 0; !ok && i < opt->n_resolve; i++) {
            ok = entry_matches(opt->resolve[i], host, port, 0);
        }
        for (i = 0; !ok && i < opt->n_connect_to; i++) {
            ok = entry_matches(opt->connect_to[i], host, port, 1);
        }
    }
    curl_free(port);
    curl_url_cleanup(u);
    return ok;
}

static int is_ip_literal(const char *name)
{
    struct in_addr a;

    return inet_pton(AF_INET, name, &a) == 1;
}

const char *hsts_live_domain_format(const char *name)
{
    const char *c;

    if (name[0] == '.') {
        return "domain.format.begins_with_dot";
    }
    if (name[0] && name[strlen(name) - 1] == '.') {
        return "domain.format.ends_with_dot";
    }
    if (strstr(name, "..")) {
        return "domain.format.contains_double_dot";
    }
    if (!strchr(name, '.')) {
        return "domain.format.public_suffix";
    }
    for (c = name; *c; c++) {
        char l = apr_tolower(*c);

        if (!((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-' || l == '.')) {
            return "domain.format.invalid_characters";
        }
    }
    if (is_ip_literal(name)) {
        return "domain.format.is_ip_address";
    }
    return NULL;
}

int hsts_live_cipher_modern(const char *version, const char *cipher)
{
    /* Go's tls.TLS_ECDHE_{ECDSA,RSA}_WITH_{AES_128_GCM_SHA256,AES_256_GCM_SHA384,
     * CHACHA20_POLY1305} under OpenSSL's names */
    static const char *const modern[] = {
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"
    };
    size_t i;

    if (!version || !cipher) {
        return 0;
    }
    if (!strcmp(version, "TLSv1.3")) {
        return 1;
    }
    if (strcmp(version, "TLSv1.2")) {
        return 0;
    }
    for (i = 0; i < sizeof(modern) / sizeof(modern[0]); i++) {
        if (!strcmp(cipher, modern[i])) {
            return 1;
        }
    }
    return 0;
}

hsts_severity_e hsts_live_effective_severity(const hsts_live_item_t *item, int preload)
{
    if (item->preload_only && !preload) {
        return HSTS_SEVERITY_WARNING;
    }
    return item->severity;
}

void hsts_live_verdict(hsts_live_result_t *out, int preload)
{
    int i;

    out->preloadable = out->status == HSTS_LIVE_DONE;
    out->n_errors = out->n_warnings = 0;
    for (i = 0; out->items && i < out->items->nelts; i++) {
        const hsts_live_item_t *it = &APR_ARRAY_IDX(out->items, i, hsts_live_item_t);

        if (it->hstspreload && it->severity == HSTS_SEVERITY_ERROR) {
            out->preloadable = 0;
        }
        if (hsts_live_effective_severity(it, preload) == HSTS_SEVERITY_ERROR) {
            out->n_errors++;
        }
        else {
            out->n_warnings++;
        }
    }
}
