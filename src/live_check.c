/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * live_check.c: the live check of one host name (include/hsts_live_check.h,
 * design.md sections 5c and 8). Each step follows one part of
 * chromium/hstspreload, in the order EligibleDomainResponse (domain.go)
 * combines their issues:
 *   check_name      domain.go checkDomainFormat
 *   check_https     domain.go getResponse (verified, then unverified:
 *                   domain.tls.invalid_cert_chain / domain.tls.cannot_connect)
 *   check_sha1      tls.go checkChain / checkSHA1
 *   check_cipher    tls.go checkCipherSuite
 *   check_response  response.go checkSingleHeader + EligibleResponse (header.go
 *                   EligibleHeaderString via hsts_preload_check)
 *   check_http      redirects.go checkHSTSOverHTTP + preloadableHTTPRedirectsURL
 *                   (general issues, and the first_redirect group that
 *                   EligibleDomainResponse keeps only when the response check
 *                   had no error)
 *   check_https_redirects  redirects.go preloadableHTTPSRedirectsURL
 *   check_www       domain.go checkWWW (a TCP connect to www.NAME:443, then a
 *                   verified TLS handshake only if that worked)
 * then what hstspreload does not ask: the certificate audit's cert.* findings
 * (hsts_cert.h) and Chromium's verdict on the first response's STS.
 */
#include "live_check_private.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <openssl/x509v3.h>

#define E HSTS_SEVERITY_ERROR
#define W HSTS_SEVERITY_WARNING

/* item flags */
#define HSP  1      /* hstspreload's code: counts for the verdict */
#define PRE  2      /* preload only */

static const char fix_header[] =
    "send one Strict-Transport-Security field that hstspreload accepts, e.g. "
    "max-age=63072000; includeSubDomains; preload (check it with hsts-audit header)";

static hsts_live_item_t *add_item(hsts_live_result_t *out, const char *code, hsts_severity_e sev,
                                  int flags, const char *detail, const char *fix)
{
    hsts_live_item_t *it = apr_array_push(out->items);
    hsts_finding_e f = hsts_finding_by_code(code);

    it->code = code;
    it->finding = f;
    it->severity = sev;
    it->hstspreload = (flags & HSP) != 0;
    it->preload_only = (flags & PRE) != 0;
    it->detail = detail;
    it->fix = fix ? fix : (f != HSTS_F_COUNT ? hsts_finding_info(f)->fix : "");
    return it;
}

/* Does any item from index `from` on have hstspreload severity error? */
static int errors_since(const hsts_live_result_t *out, int from)
{
    int i;

    for (i = from; i < out->items->nelts; i++) {
        if (APR_ARRAY_IDX(out->items, i, hsts_live_item_t).severity == E) {
            return 1;
        }
    }
    return 0;
}

static int check_name(hsts_live_result_t *out)
{
    const char *code = hsts_live_domain_format(out->name);

    if (!code) {
        return 1;
    }
    /* not preload-only: nothing else can be checked */
    add_item(out, code, E, HSP, apr_psprintf(out->items->pool,
             "'%s' is not a domain name hstspreload accepts", out->name),
             "check a registered domain name: letters, digits, '-' and '.', no IP address");
    out->status = HSTS_LIVE_BAD_NAME;
    return 0;
}

/* getResponse: verified first; unverified to tell a bad chain from no server. */
static int check_https(live_ctx_t *c, hsts_live_result_t *out, STACK_OF(X509) **chain)
{
    apr_pool_t *p = c->p;
    const char *url = apr_pstrcat(p, "https://", out->name, "/", NULL);
    const char *why;

    if (live_fetch(c, url, LIVE_VERIFY | LIVE_CERTINFO, &out->https, chain)) {
        out->https_verified = 1;
        return 1;
    }
    why = c->verify_error = out->https.error;
    if (live_fetch(c, url, LIVE_CERTINFO, &out->https, chain)) {
        add_item(out, "domain.tls.invalid_cert_chain", E, HSP,
                 apr_psprintf(p, "%s: %s", url, why), NULL);
        return 1;
    }
    out->status = HSTS_LIVE_CONNECT_FAILED;
    out->connect_error = out->https.error;
    add_item(out, "domain.tls.cannot_connect", E, HSP,
             apr_psprintf(p, "cannot connect to %s: %s", url, out->https.error),
             "make the server answer HTTPS on port 443 for this name (DNS, Listen, firewall, VirtualHost)");
    return 0;
}

static int is_sha1(const X509 *x)
{
    int nid = X509_get_signature_nid(x);

    return nid == NID_sha1WithRSAEncryption || nid == NID_ecdsa_with_SHA1;
}

static int self_signed(X509 *x)
{
    return X509_check_issued(x, x) == X509_V_OK;
}

/* checkSHA1 over the chain without its root: here the served chain without
 * self-signed certificates, verified or not (a Go client today refuses SHA-1
 * chains outright, so hstspreload also says domain.tls.invalid_cert_chain). */
static void check_sha1(hsts_live_result_t *out, STACK_OF(X509) *chain)
{
    int i;

    for (i = 0; chain && i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        char cn[256];

        if (self_signed(x) || !is_sha1(x)) {
            continue;
        }
        cn[0] = '\0';
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
        add_item(out, "domain.tls.sha1", E, HSP, apr_psprintf(out->items->pool,
                 "certificate #%d of the served chain (CN %s) is signed with SHA-1", i + 1, cn),
                 NULL);
        return;
    }
}

static void check_cipher(hsts_live_result_t *out)
{
    const hsts_live_response_t *r = &out->https;

    if (hsts_live_cipher_modern(r->tls_version, r->tls_cipher)) {
        return;
    }
    add_item(out, "tls.obsolete_cipher_suite", W, HSP, apr_psprintf(out->items->pool,
             "%s negotiated %s with %s", r->url, r->tls_version ? r->tls_version : "?",
             r->tls_cipher ? r->tls_cipher : "?"),
             "offer TLS 1.3, or TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305 "
             "(SSLProtocol, SSLCipherSuite)");
}

/* checkSingleHeader, then the header's preload requirements. Returns whether
 * it added an error (EligibleDomainResponse then drops first_redirect.*). */
static int check_response(hsts_live_result_t *out, hsts_preload_policy_e policy)
{
    apr_pool_t *p = out->items->pool;
    int start = out->items->nelts, i;
    hsts_preload_result_t r;

    if (out->https.sts_count == 0) {
        add_item(out, "response.no_header", E, HSP, apr_psprintf(p,
                 "%s answered %ld without Strict-Transport-Security", out->https.url,
                 out->https.status), NULL);
        return 1;
    }
    if (out->https.sts_count > 1) {
        add_item(out, "response.multiple_headers", E, HSP | PRE, apr_psprintf(p,
                 "%s sends %d Strict-Transport-Security fields", out->https.url,
                 out->https.sts_count), NULL);
        return 1;
    }
    hsts_preload_check(out->https.sts, strlen(out->https.sts), policy, &r);
    for (i = 0; i < r.n_errors && i < HSTS_PRELOAD_MAX_ISSUES; i++) {
        add_item(out, r.errors[i], E, HSP | PRE, apr_psprintf(p, "%s: Strict-Transport-Security: %s",
                 out->https.url, out->https.sts),
                 hsts_finding_by_code(r.errors[i]) == HSTS_F_COUNT ? fix_header : NULL);
    }
    for (i = 0; i < r.n_warnings && i < HSTS_PRELOAD_MAX_ISSUES; i++) {
        add_item(out, r.warnings[i], W, HSP | PRE, apr_psprintf(p, "%s: Strict-Transport-Security: %s",
                 out->https.url, out->https.sts),
                 hsts_finding_by_code(r.warnings[i]) == HSTS_F_COUNT ? fix_header : NULL);
    }
    return errors_since(out, start);
}

/* Chromium's verdict on the first field (what browsers do with it). */
static void check_browser_verdict(hsts_live_result_t *out)
{
    hsts_sts_policy_t pol;
    hsts_finding_e f;

    if (!out->https.sts || hsts_sts_parse(out->https.sts, strlen(out->https.sts), &pol)
                           == HSTS_STS_VALID) {
        return;
    }
    f = hsts_finding_of_verdict(pol.verdict);
    add_item(out, hsts_finding_info(f)->code, E, 0, apr_psprintf(out->items->pool,
             "browsers ignore the Strict-Transport-Security of %s: %s", out->https.url,
             out->https.sts), NULL);
}

/* preloadableRedirects: walk the chain from url, at most
 * HSTS_LIVE_MAX_REDIRECTS + 1 hops recorded; each hop verified. Adds
 * redirects.too_many or redirects.follow_error to out (general issues). */
static void walk_redirects(live_ctx_t *c, hsts_live_result_t *out, const char *url,
                           const hsts_live_response_t *first, apr_array_header_t *chain)
{
    hsts_live_response_t r = *first;

    while (r.ok && r.location) {
        APR_ARRAY_PUSH(chain, const char *) = r.location;
        if (chain->nelts > HSTS_LIVE_MAX_REDIRECTS) {
            add_item(out, "redirects.too_many", E, HSP | PRE, apr_psprintf(c->p,
                     "more than %d redirects from %s", HSTS_LIVE_MAX_REDIRECTS, url), NULL);
            return;
        }
        live_fetch(c, r.location, LIVE_VERIFY, &r, NULL);
    }
    if (r.not_asked) {                  /* mapped_only: this server cannot know */
        APR_ARRAY_PUSH(out->not_followed, const char *) = r.url;
    }
    else if (!r.ok) {
        add_item(out, "redirects.follow_error", E, HSP | PRE,
                 apr_psprintf(c->p, "following the redirects of %s: %s: %s", url, r.url, r.error),
                 "make every URL of the redirect chain answer over a valid HTTPS connection");
    }
}

/* preloadableRedirectChain: the first hop that is not https. */
static void judge_insecure(hsts_live_result_t *out, const char *url, apr_array_header_t *chain)
{
    int i = hsts_live_judge_chain(chain);

    if (i < 0) {
        return;
    }
    add_item(out, i == 0 ? "redirects.insecure.initial" : "redirects.insecure.subsequent", E, HSP,
             apr_psprintf(out->items->pool, "%s redirects to an insecure page on redirect #%d: %s",
                          url, i + 1, APR_ARRAY_IDX(chain, i, const char *)), NULL);
}

/* The first redirect's target must serve a preloadable header
 * (PreloadableResponse, bulk-1-year); the first error found, or NULL. */
static const char *first_hop_error(live_ctx_t *c, const char *url, const char **fail)
{
    hsts_live_response_t r;
    hsts_preload_result_t pr;

    *fail = NULL;
    if (!live_fetch(c, url, LIVE_VERIFY, &r, NULL)) {
        *fail = r.not_asked ? NULL : r.error;     /* mapped_only: nothing known */
        return NULL;
    }
    if (r.sts_count == 0) {
        return "response.no_header";
    }
    if (r.sts_count > 1) {
        return "response.multiple_headers";
    }
    if (hsts_preload_check(r.sts, strlen(r.sts), HSTS_PRELOAD_BULK_1_YEAR, &pr) > 0) {
        return pr.errors[0];
    }
    return NULL;
}

/* The first_redirect group for a first hop to https://NAME/...: added after
 * the general issues, and only when keep_group (the response check had no
 * error), as EligibleDomainResponse does. */
static void check_first_hop(live_ctx_t *c, hsts_live_result_t *out, const char *url,
                            int keep_group)
{
    const char *first = APR_ARRAY_IDX(out->http_chain, 0, const char *);
    const char *fail, *err = first_hop_error(c, first, &fail);

    judge_insecure(out, url, out->http_chain);
    if (!keep_group) {
        return;
    }
    if (fail) {
        add_item(out, "redirects.http.first_redirect.invalid", E, HSP | PRE,
                 apr_psprintf(c->p, "%s redirects to %s, which cannot be fetched: %s", url, first,
                              fail),
                 "make the first redirect's target answer over a valid HTTPS connection");
    }
    else if (err) {
        add_item(out, "redirects.http.first_redirect.no_hsts", E, HSP | PRE,
                 apr_psprintf(c->p, "%s redirects to %s, which does not serve a preloadable "
                              "Strict-Transport-Security (first error: %s)", url, first, err), NULL);
    }
}

/* checkHSTSOverHTTP + preloadableHTTPRedirectsURL for http://NAME/. */
static void check_http(live_ctx_t *c, hsts_live_result_t *out, int keep_group)
{
    const char *url = apr_pstrcat(c->p, "http://", out->name, "/", NULL);
    const char *https_url = apr_pstrcat(c->p, "https://", out->name, "/", NULL);
    hsts_live_response_t r;

    if (!live_fetch(c, url, 0, &r, NULL)) {
        add_item(out, "redirects.http.does_not_exist", W, HSP | PRE,
                 apr_psprintf(c->p, "%s does not answer: %s", url, r.error),
                 "answer plain HTTP on port 80 with a redirect to https://NAME/ (optional: "
                 "only browsers without the preload list need it)");
        return;
    }
    if (r.sts_count) {
        add_item(out, "redirects.http.useless_header", W, HSP | PRE,
                 apr_psprintf(c->p, "%s sends Strict-Transport-Security, which browsers ignore "
                              "over HTTP", url),
                 "send Strict-Transport-Security on HTTPS responses only");
    }
    walk_redirects(c, out, url, &r, out->http_chain);
    switch (hsts_live_judge_first(out->name, out->http_chain->nelts
                                  ? APR_ARRAY_IDX(out->http_chain, 0, const char *) : NULL)) {
    case HSTS_LIVE_FIRST_NONE:
        add_item(out, "redirects.http.no_redirect", E, HSP | PRE, apr_psprintf(c->p,
                 "%s answers %ld and does not redirect to %s", url, r.status, https_url),
                 "redirect http://NAME/ to https://NAME/ (Redirect permanent / https://NAME/ in "
                 "the port 80 VirtualHost)");
        break;
    case HSTS_LIVE_FIRST_HTTPS_SAME:
        check_first_hop(c, out, url, keep_group);
        break;
    case HSTS_LIVE_FIRST_WWW:
        add_item(out, "redirects.http.www_first", E, HSP | PRE, apr_psprintf(c->p,
                 "%s redirects to %s first; it should redirect to %s first", url,
                 APR_ARRAY_IDX(out->http_chain, 0, const char *), https_url), NULL);
        break;
    case HSTS_LIVE_FIRST_INSECURE:
        add_item(out, "redirects.http.first_redirect.insecure", E, HSP | PRE, apr_psprintf(c->p,
                 "%s redirects to %s; the first redirect should be to %s", url,
                 APR_ARRAY_IDX(out->http_chain, 0, const char *), https_url),
                 "redirect http://NAME/ to https://NAME/ (same host) first");
        break;
    }
}

/* preloadableHTTPSRedirectsURL: Go's client verifies the first request too,
 * so an unverified https://NAME/ is a follow error there. */
static void check_https_redirects(live_ctx_t *c, hsts_live_result_t *out)
{
    const char *url = out->https.url;
    hsts_live_response_t failed;

    if (!out->https_verified) {
        memset(&failed, 0, sizeof(failed));
        failed.url = url;
        failed.error = c->verify_error;
        walk_redirects(c, out, url, &failed, out->https_chain);
        return;
    }
    walk_redirects(c, out, url, &out->https, out->https_chain);
    judge_insecure(out, url, out->https_chain);
}

/* checkWWW: www.NAME counts only when it accepts TCP on port 443. */
static void check_www(live_ctx_t *c, hsts_live_result_t *out)
{
    hsts_live_response_t r;
    const char *www = apr_pstrcat(c->p, "www.", out->name, NULL);

    out->www_exists = live_fetch(c, apr_pstrcat(c->p, "http://", www, ":443/", NULL),
                                 LIVE_CONNECT_ONLY, &r, NULL);
    if (!out->www_exists) {
        return;
    }
    out->www_tls = live_fetch(c, apr_pstrcat(c->p, "https://", www, "/", NULL),
                              LIVE_CONNECT_ONLY | LIVE_VERIFY, &r, NULL);
    if (!out->www_tls) {
        add_item(out, "domain.www.no_tls", E, HSP | PRE, apr_psprintf(c->p,
                 "%s accepts connections on port 443, but not HTTPS: %s", www, r.error), NULL);
    }
}

static void check_cert(apr_pool_t *p, hsts_live_result_t *out, X509_STORE *store,
                       STACK_OF(X509) *chain, const hsts_live_options_t *opt)
{
    hsts_cert_audit_in_t in;
    const char *hosts[1];
    STACK_OF(X509) *rest;
    int i;

    if (!chain || sk_X509_num(chain) == 0 || !store || !(rest = sk_X509_dup(chain))) {
        return;
    }
    (void)sk_X509_shift(rest);
    hosts[0] = out->name;
    memset(&in, 0, sizeof(in));
    in.hosts = hosts;
    in.n_hosts = 1;
    in.trusted = store;
    in.trusted_public = opt->ca_file ? opt->ca_public : 1;
    in.warn_days = opt->warn_days ? opt->warn_days : HSTS_CERT_WARN_DAYS_DEFAULT;
    in.stapling = 1;            /* stapling is not seen over curl: no must_staple finding */
    in.now = opt->now ? opt->now : apr_time_now();
    out->cert = apr_pcalloc(p, sizeof(*out->cert));
    if (hsts_cert_audit(p, sk_X509_value(chain, 0), rest, &in, out->cert) != APR_SUCCESS) {
        out->cert = NULL;
    }
    sk_X509_free(rest);
    for (i = 0; out->cert && i < HSTS_F_COUNT; i++) {
        if (out->cert->findings & HSTS_FINDING_BIT(i)) {
            add_item(out, hsts_finding_info((hsts_finding_e)i)->code,
                     hsts_cert_finding_severity(out->cert, (hsts_finding_e)i), 0,
                     hsts_cert_finding_detail(p, out->cert, (hsts_finding_e)i, in.now), NULL);
        }
    }
}

static const char *lower_dup(apr_pool_t *p, const char *s)
{
    char *out = apr_pstrdup(p, s ? s : ""), *c;

    for (c = out; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    return out;
}

static apr_status_t store_cleanup(void *data)
{
    X509_STORE_free((X509_STORE *)data);
    return APR_SUCCESS;
}

static apr_status_t chain_cleanup(void *data)
{
    sk_X509_pop_free((STACK_OF(X509) *)data, X509_free);
    return APR_SUCCESS;
}

static apr_status_t set_up(apr_pool_t *p, const hsts_live_options_t *opt, live_ctx_t *c,
                           X509_STORE **store, hsts_live_result_t *out)
{
    const char *err = NULL;

    if (live_ctx_init(c, p, opt) != APR_SUCCESS) {
        out->setup_error = "cannot build the curl option lists";
    }
    else if (!(*store = hsts_cert_store_load(p, opt->ca_file, &err))) {
        out->setup_error = err;
    }
    else {
        apr_pool_cleanup_register(p, *store, store_cleanup, apr_pool_cleanup_null);
        return APR_SUCCESS;
    }
    out->status = HSTS_LIVE_SETUP_FAILED;
    return APR_EGENERAL;
}

apr_status_t hsts_live_check(apr_pool_t *p, const char *name, const hsts_live_options_t *opt,
                             hsts_live_result_t *out)
{
    static const hsts_live_options_t defaults;
    hsts_preload_policy_e policy;
    STACK_OF(X509) *chain = NULL;
    X509_STORE *store = NULL;
    live_ctx_t c;
    int resp_errors;

    opt = opt ? opt : &defaults;
    policy = opt->policy == HSTS_PRELOAD_BULK_18_WEEKS ? HSTS_PRELOAD_BULK_18_WEEKS
                                                       : HSTS_PRELOAD_BULK_1_YEAR;
    memset(out, 0, sizeof(*out));
    out->name = lower_dup(p, name);
    out->items = apr_array_make(p, 16, sizeof(hsts_live_item_t));
    out->http_chain = apr_array_make(p, 4, sizeof(const char *));
    out->https_chain = apr_array_make(p, 4, sizeof(const char *));
    out->not_followed = apr_array_make(p, 2, sizeof(const char *));
    if (!check_name(out)) {
        hsts_live_verdict(out, opt->preload);
        return APR_EINVAL;
    }
    if (set_up(p, opt, &c, &store, out) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    if (!check_https(&c, out, &chain)) {
        hsts_live_verdict(out, opt->preload);
        return APR_ECONNREFUSED;
    }
    if (chain) {
        apr_pool_cleanup_register(p, chain, chain_cleanup, apr_pool_cleanup_null);
    }
    check_sha1(out, chain);
    check_cipher(out);
    resp_errors = check_response(out, policy);
    check_http(&c, out, !resp_errors);
    check_https_redirects(&c, out);
    if (!opt->skip_www) {
        check_www(&c, out);
    }
    check_browser_verdict(out);
    check_cert(p, out, store, chain, opt);
    hsts_live_verdict(out, opt->preload);
    return APR_SUCCESS;
}
