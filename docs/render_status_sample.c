/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * docs/render_status_sample.c: writes the HTML status page of a made-up
 * server to stdout, for the screenshots in docs/images/ (docs/screenshots.sh
 * builds it against the core the tree built, as bench/run-render-bench.sh
 * does, and loads the page in headless Chromium).
 *
 *   render_status_sample VHOSTS
 *
 * VHOSTS 1: one TLS vhost, all well. VHOSTS > 1: what issue 14's
 * administrator has to see at the top, among VHOSTS vhosts: an expired
 * certificate (vhost 3), a vhost whose STS HSTSGuard withholds because
 * includeSubDomains pins a subdomain served over plain HTTP (vhost 5), a
 * backend's weaker header on the responses of the last hour (vhost 2), a
 * certificate expiring soon (every 37th vhost), and long values (a long
 * name, many aliases, a long path) that must wrap, not widen the page.
 */
#include <stdio.h>
#include <stdlib.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "hsts_duration.h"
#include "hsts_status.h"

#define DAY apr_time_from_sec(86400)

static void write_stdout(void *baton, const char *data, apr_size_t len)
{
    (void)baton;
    fwrite(data, 1, len, stdout);
}

static apr_array_header_t *names(apr_pool_t *p, int n, const char *fmt, int i)
{
    apr_array_header_t *a = apr_array_make(p, n, sizeof(const char *));
    int k;

    for (k = 0; k < n; k++) {
        APR_ARRAY_PUSH(a, const char *) = apr_psprintf(p, fmt, k, i);
    }
    return a;
}

static hsts_status_cert_t *cert(apr_pool_t *p, const char *host, apr_time_t not_after,
                                hsts_findings_t findings)
{
    hsts_status_cert_t *c = apr_pcalloc(p, sizeof(*c));

    c->subject = apr_psprintf(p, "CN=%s", host);
    c->issuer = "C=US, O=Let's Encrypt, CN=R11";
    c->not_after = not_after;
    c->names = apr_array_make(p, 2, sizeof(const char *));
    APR_ARRAY_PUSH(c->names, const char *) = host;
    APR_ARRAY_PUSH(c->names, const char *) = apr_pstrcat(p, "www.", host, NULL);
    c->chain_complete = 1;
    c->findings = findings;
    return c;
}

static void problem(apr_pool_t *p, hsts_status_vhost_t *v, hsts_finding_e code,
                    apr_time_t since, const char *detail)
{
    hsts_status_problem_t *pr = apr_pcalloc(p, sizeof(*pr));

    pr->code = code;
    pr->severity = hsts_finding_info(code)->severity;
    pr->since = since;
    pr->detail = detail;
    v->problems = pr;
    v->n_problems = 1;
}

/* Vhost i of n: a TLS vhost on :443 with a certificate, traffic and, for
 * a few, the problems described above. */
static void vhost(apr_pool_t *p, hsts_status_vhost_t *v, int i, int n, apr_time_t now)
{
    const char *host = apr_psprintf(p, "site%03d.example.org", i);
    char iso[HSTS_ISO8601_SIZE];
    apr_time_t not_after = now + (30 + (i * 7) % 60) * DAY;
    hsts_findings_t cf = 0;

    if (n > 1 && i == 7) {
        host = "a-rather-long-virtual-host-name-for-the-customer-portal-and-its-api."
               "eu-west.example.org";
        v->aliases = names(p, 12, "alias%02d.portal%d.example.org", i);
    }
    else {
        v->aliases = apr_array_make(p, 1, sizeof(const char *));
        APR_ARRAY_PUSH(v->aliases, const char *) = apr_pstrcat(p, "www.", host, NULL);
    }
    v->name = apr_pstrcat(p, host, ":443", NULL);
    v->tls = 1;
    v->mode = i % 4 == 1 ? "enforce" : "add";
    v->policy = "max-age=31536000; includeSubDomains";
    v->counters[HSTS_C_REQUESTS_HTTPS] = (apr_uint64_t)(1000 + i * 37);
    v->counters[HSTS_C_STS_ADDED] = (apr_uint64_t)(1000 + i * 37);
    if (n > 1 && i == 3) {
        not_after = now - 2 * DAY;
        cf = HSTS_FINDING_BIT(HSTS_F_CERT_EXPIRED);
        problem(p, v, HSTS_F_CERT_EXPIRED, now - 2 * DAY,
                apr_pstrcat(p, "not after ", hsts_iso8601(iso, not_after), ", -2 days left",
                            NULL));
        v->guard_withhold = 1;
    }
    else if (n > 1 && i == 5) {
        v->unsafe_subdomains = names(p, 2, "legacy%d.site%03d.example.org", i);
        v->guard_withhold = 1;
        v->counters[HSTS_C_STS_ADDED] = 0;
        v->counters[HSTS_C_STS_WITHHELD] = v->counters[HSTS_C_REQUESTS_HTTPS];
        problem(p, v, HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS, now - 3 * 3600 * APR_USEC_PER_SEC,
                "subdomains: legacy0.site005.example.org legacy1.site005.example.org");
    }
    else if (n > 1 && i % 37 == 0) {
        not_after = now + 9 * DAY;
        cf = HSTS_FINDING_BIT(HSTS_F_CERT_EXPIRING_SOON);
        problem(p, v, HSTS_F_CERT_EXPIRING_SOON, now - DAY,
                "not after in 9 days; renewal has not happened");
    }
    if (n > 1 && i == 2) {
        v->mode = "add";
        v->counters[HSTS_C_STS_ADDED] = 0;
        v->counters[HSTS_C_STS_KEPT] = v->counters[HSTS_C_REQUESTS_HTTPS];
        v->findings[HSTS_F_HEADER_MAX_AGE_BELOW_CONFIGURED] = 14;
    }
    v->cert = cert(p, host, not_after, cf);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0, i, c;
    apr_pool_t *p;
    hsts_status_snapshot_t snap = { 0 };
    hsts_status_vhost_t *v;
    hsts_status_recent_t *r;
    apr_time_t now = apr_time_from_sec(1795000000);   /* a fixed time: the same picture each run */

    if (n < 1) {
        fprintf(stderr, "usage: %s VHOSTS (1 or more)\n", argv[0]);
        return 2;
    }
    apr_initialize();
    apr_pool_create(&p, NULL);
    v = apr_pcalloc(p, sizeof(*v) * (apr_size_t)n);
    r = apr_pcalloc(p, sizeof(*r) * 3);
    for (i = 0; i < n; i++) {
        vhost(p, v + i, i, n, now);
        for (c = 0; c < HSTS_C_COUNT; c++) {
            snap.counters[c] += v[i].counters[c];
        }
        for (c = 0; c < HSTS_F_COUNT; c++) {
            snap.findings[c] += v[i].findings[c];
        }
    }
    snap.server_description = "Apache/2.4.62 (Debian) OpenSSL/3.0.15";
    snap.server_name = "www.example.org";
    snap.now = now;
    snap.started = now - 3 * DAY;
    snap.uptime_s = 3 * 86400 + 3720;
    snap.recent_capacity = 64;
    snap.last_check = now - apr_time_from_sec(600);
    snap.vhosts = v;
    snap.n_vhosts = (apr_size_t)n;
    if (n > 1) {
        for (i = 0; i < 3; i++) {
            r[i].time = now - apr_time_from_sec(60 + 900 * i);
            r[i].vhost = v[2].name;
            r[i].host = i == 2 ? v[2].name : "site002.example.org";
            r[i].path = i == 1 ? "/api/v2/customers/0f9a7c1e-5b0d-4a5e-9d1e-3f7c2b8a6d41/"
                                 "invoices/2026/11/statement-with-a-very-long-file-name.pdf"
                               : "/";
            r[i].findings = HSTS_FINDING_BIT(HSTS_F_HEADER_MAX_AGE_BELOW_CONFIGURED);
        }
        snap.recent = r;
        snap.n_recent = 3;
    }
    hsts_status_render_html(&snap, 0, 0, write_stdout, NULL, p);
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}
