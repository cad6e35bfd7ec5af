/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * live_check_fetch.c: one HTTP(S) request of the live check, made by libcurl
 * (easy interface): no redirects followed (as hstspreload's getFirstResponse),
 * the Strict-Transport-Security fields and the redirect target collected, and,
 * on request, the served certificate chain (CURLOPT_CERTINFO, OpenSSL backend).
 * One easy handle per request, cleaned up before returning: nothing global.
 */
#include "live_check_private.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#define STS_NAME "strict-transport-security"

static apr_status_t slist_cleanup(void *data)
{
    curl_slist_free_all((struct curl_slist *)data);
    return APR_SUCCESS;
}

static apr_status_t make_list(apr_pool_t *p, const char *const *s, int n,
                              struct curl_slist **out)
{
    struct curl_slist *l = NULL;
    int i;

    for (i = 0; i < n; i++) {
        struct curl_slist *t = curl_slist_append(l, s[i]);

        if (!t) {
            curl_slist_free_all(l);
            return APR_ENOMEM;
        }
        l = t;
    }
    *out = l;
    if (l) {
        apr_pool_cleanup_register(p, l, slist_cleanup, apr_pool_cleanup_null);
    }
    return APR_SUCCESS;
}

apr_status_t live_ctx_init(live_ctx_t *c, apr_pool_t *p, const hsts_live_options_t *opt)
{
    apr_status_t rv;

    memset(c, 0, sizeof(*c));
    c->p = p;
    c->opt = opt;
    c->ca_file = opt->ca_file ? opt->ca_file : hsts_cert_default_ca_file();
    c->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : HSTS_LIVE_TIMEOUT_MS_DEFAULT;
    if ((rv = make_list(p, opt->resolve, opt->n_resolve, &c->resolve)) != APR_SUCCESS) {
        return rv;
    }
    return make_list(p, opt->connect_to, opt->n_connect_to, &c->connect_to);
}

typedef struct {
    apr_pool_t *p;
    hsts_live_response_t *r;
    CURL *h;
} header_baton_t;

static void tls_params(CURL *h, apr_pool_t *p, hsts_live_response_t *r);

/* One header line (CURLOPT_HEADERFUNCTION): a status line starts a new
 * response (1xx interim responses are forgotten); count and keep the STS
 * fields, their values trimmed as Go's textproto trims them. */
static size_t on_header(char *line, size_t size, size_t n, void *data)
{
    header_baton_t *b = data;
    size_t len = size * n, nl = sizeof(STS_NAME) - 1;
    const char *v, *e;

    if (len >= 5 && !strncmp(line, "HTTP/", 5)) {
        tls_params(b->h, b->p, b->r);   /* the connection is attached during the transfer */
        b->r->sts_count = 0;
        b->r->sts = NULL;
        return len;
    }
    if (len <= nl || strncasecmp(line, STS_NAME, nl) || line[nl] != ':') {
        return len;
    }
    v = line + nl + 1;
    e = line + len;
    while (v < e && (*v == ' ' || *v == '\t')) {
        v++;
    }
    while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t')) {
        e--;
    }
    if (b->r->sts_count++ == 0) {
        b->r->sts = apr_pstrndup(b->p, v, (apr_size_t)(e - v));
    }
    return len;
}

static size_t discard_body(char *d, size_t size, size_t n, void *data)
{
    (void)d;
    (void)data;
    return size * n;
}

static void set_options(CURL *h, live_ctx_t *c, const char *url, int flags, char *errbuf,
                        header_baton_t *b)
{
    long verify = (flags & LIVE_VERIFY) ? 1L : 0L;

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");             /* the server itself, never a proxy */
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(h, CURLOPT_USERAGENT, "hsts-audit");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    if (c->resolve) {
        curl_easy_setopt(h, CURLOPT_RESOLVE, c->resolve);
    }
    if (c->connect_to) {
        curl_easy_setopt(h, CURLOPT_CONNECT_TO, c->connect_to);
    }
    if (flags & LIVE_CERTINFO) {
        curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
    }
    if (flags & LIVE_CONNECT_ONLY) {
        curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
    }
    else {
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, b);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    }
}

/* The served chain from CURLINFO_CERTINFO: each certificate's "Cert:" PEM. */
static STACK_OF(X509) *served_chain(CURL *h)
{
    struct curl_certinfo *ci = NULL;
    STACK_OF(X509) *sk;
    int i;

    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci
        || ci->num_of_certs <= 0 || !(sk = sk_X509_new_null())) {
        return NULL;
    }
    for (i = 0; i < ci->num_of_certs; i++) {
        struct curl_slist *s;

        for (s = ci->certinfo[i]; s; s = s->next) {
            if (!strncmp(s->data, "Cert:", 5)) {
                BIO *bio = BIO_new_mem_buf(s->data + 5, -1);
                X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

                BIO_free(bio);
                if (x && !sk_X509_push(sk, x)) {
                    X509_free(x);
                }
                break;
            }
        }
    }
    if (sk_X509_num(sk) == 0) {
        sk_X509_free(sk);
        return NULL;
    }
    return sk;
}

/* The negotiated protocol and suite (CURLINFO_TLS_SSL_PTR: the OpenSSL
 * SSL of the connection; only while the transfer has it, so it is asked
 * from the header callback). */
static void tls_params(CURL *h, apr_pool_t *p, hsts_live_response_t *r)
{
    struct curl_tlssessioninfo *ti = NULL;
    const SSL *ssl;

    if (r->tls_version || curl_easy_getinfo(h, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti
        || ti->backend != CURLSSLBACKEND_OPENSSL || !(ssl = ti->internals)) {
        return;
    }
    r->tls_version = apr_pstrdup(p, SSL_get_version(ssl));
    r->tls_cipher = apr_pstrdup(p, SSL_get_cipher_name(ssl));
}

/* Go's client follows these (net/http client.go redirectBehavior). */
static int is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

int live_fetch(live_ctx_t *c, const char *url, int flags, hsts_live_response_t *r,
               STACK_OF(X509) **chain)
{
    char errbuf[CURL_ERROR_SIZE];
    header_baton_t b;
    CURL *h;
    CURLcode rc;

    memset(r, 0, sizeof(*r));
    r->url = url;
    if (chain) {
        *chain = NULL;
    }
    if (c->opt->mapped_only && !hsts_live_mapped(c->p, c->opt, url)) {
        r->not_asked = 1;
        r->error = "not asked: no resolve or connect-to entry maps its host and port";
        return 0;
    }
    if (!(h = curl_easy_init())) {
        r->error = "cannot create a curl handle";
        return 0;
    }
    errbuf[0] = '\0';
    b.p = c->p;
    b.r = r;
    b.h = h;
    set_options(h, c, url, flags, errbuf, &b);
    rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        r->error = apr_pstrdup(c->p, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    else {
        char *loc = NULL;

        r->ok = 1;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
        if (is_redirect(r->status)
            && curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc) {
            r->location = apr_pstrdup(c->p, loc);
        }
        if (chain && (flags & LIVE_CERTINFO)) {
            *chain = served_chain(h);
        }
    }
    curl_easy_cleanup(h);
    return r->ok;
}
