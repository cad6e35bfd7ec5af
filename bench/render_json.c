/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * bench/render_json.c: how long the status page's renderers take for a big
 * server (default: 1,000 vhosts, each with aliases, a policy, non-zero
 * counters and findings and a certificate; a full ring of 64 recent findings).
 * Prints the best and median time per render of each format (for ?metrics
 * also the number of samples, per vhost); the figures go into docs/status.md
 * and docs/performance.md. Build and run with bench/run-render-bench.sh.
 *
 *   render_json [vhosts] [iterations] [json|metrics|html|auto|all]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "hsts_status.h"
#include "output_sink.h"

/* What the httpd glue does costs about a memcpy per chunk (ap_rwrite into
 * the brigade), so the bench copies each chunk too: tests/common/output_sink.c. */

static int cmp_time(const void *a, const void *b)
{
    apr_interval_time_t x = *(const apr_interval_time_t *)a, y = *(const apr_interval_time_t *)b;

    return x < y ? -1 : x > y;
}

static hsts_status_snapshot_t *big_snapshot(apr_pool_t *p, int n_vhosts, int n_recent)
{
    hsts_status_snapshot_t *snap = apr_pcalloc(p, sizeof(*snap));
    hsts_status_vhost_t *v = apr_pcalloc(p, sizeof(*v) * (apr_size_t)n_vhosts);
    hsts_status_recent_t *r = apr_pcalloc(p, sizeof(*r) * (apr_size_t)n_recent);
    apr_time_t now = apr_time_now();
    int i, c;

    snap->version = hsts_status_version();
    snap->server_description = "Apache/2.4 (bench)";
    snap->server_name = "bench.example.org";
    snap->now = now;
    snap->started = now - apr_time_from_sec(86400 * 3);
    snap->uptime_s = 86400 * 3;
    snap->recent_capacity = (apr_uint32_t)n_recent;
    for (i = 0; i < n_vhosts; i++) {
        hsts_status_cert_t *cert = apr_pcalloc(p, sizeof(*cert));
        const char *host = apr_psprintf(p, "www%d.example.org", i);

        v[i].name = apr_psprintf(p, "%s:443", host);
        v[i].aliases = apr_array_make(p, 2, sizeof(const char *));
        APR_ARRAY_PUSH(v[i].aliases, const char *) = apr_psprintf(p, "site%d.example.org", i);
        APR_ARRAY_PUSH(v[i].aliases, const char *) = apr_psprintf(p, "*.site%d.example.org", i);
        v[i].tls = 1;
        v[i].mode = "add";
        v[i].policy = "max-age=31536000; includeSubDomains";
        for (c = 0; c < HSTS_C_COUNT; c++) {
            v[i].counters[c] = (apr_uint64_t)(i + 1) * 1234567u + (apr_uint64_t)c;
            snap->counters[c] += v[i].counters[c];
        }
        for (c = 0; c < HSTS_F_COUNT; c++) {
            v[i].findings[c] = (apr_uint64_t)(i * c) % 1000;
            snap->findings[c] += v[i].findings[c];
        }
        cert->subject = apr_psprintf(p, "CN=%s", host);
        cert->issuer = "C=US, O=Let's Encrypt, CN=R11";
        cert->not_after = now + apr_time_from_sec(86400 * (apr_int64_t)(i % 90));
        cert->names = apr_array_make(p, 2, sizeof(const char *));
        APR_ARRAY_PUSH(cert->names, const char *) = host;
        APR_ARRAY_PUSH(cert->names, const char *) = apr_psprintf(p, "site%d.example.org", i);
        cert->chain_complete = 1;
        cert->findings = i % 90 < 30 ? HSTS_FINDING_BIT(HSTS_F_CERT_EXPIRING_SOON) : 0;
        v[i].cert = cert;
    }
    for (i = 0; i < n_recent; i++) {
        r[i].time = now - apr_time_from_sec(i);
        r[i].vhost = v[i % n_vhosts].name;
        r[i].host = "www.example.org";
        r[i].path = "/some/path/<script>\"\x01/index.html";
        r[i].findings = HSTS_FINDING_BIT(HSTS_F_HEADER_INVALID_SYNTAX);
    }
    snap->vhosts = v;
    snap->n_vhosts = (apr_size_t)n_vhosts;
    snap->recent = r;
    snap->n_recent = (apr_size_t)n_recent;
    return snap;
}

static void bench(const char *label, hsts_status_format_e fmt, const hsts_status_snapshot_t *snap,
                  int iterations, apr_pool_t *parent)
{
    apr_interval_time_t *t = calloc((size_t)iterations, sizeof(*t));
    sink_t sink = { 0 };
    int i;

    for (i = 0; i < iterations; i++) {
        apr_pool_t *p;
        apr_time_t start;

        apr_pool_create(&p, parent);
        sink_reset(&sink);
        start = apr_time_now();
        hsts_status_render(fmt, snap, 0, 0, sink_write, &sink, p);
        t[i] = apr_time_now() - start;
        apr_pool_destroy(p);
    }
    qsort(t, (size_t)iterations, sizeof(*t), cmp_time);
    printf("%-8s %6" APR_SIZE_T_FMT " vhosts  %8.1f KiB  best %7.2f ms  median %7.2f ms",
           label, snap->n_vhosts, sink.len / 1024.0, t[0] / 1000.0,
           t[iterations / 2] / 1000.0);
    if (fmt == HSTS_STATUS_METRICS) {
        apr_size_t samples = 0, k;

        for (k = 0; k < sink.len; k++) {        /* lines that are not # HELP / # TYPE */
            if ((k == 0 || sink.data[k - 1] == '\n') && sink.data[k] != '#') {
                samples++;
            }
        }
        printf("  %" APR_SIZE_T_FMT " samples (%.1f per vhost)", samples,
               (double)samples / (double)snap->n_vhosts);
    }
    printf("\n");
    sink_free(&sink);
    free(t);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int iterations = argc > 2 ? atoi(argv[2]) : 50;
    const char *only = argc > 3 ? argv[3] : "all";
    apr_pool_t *pool;
    hsts_status_snapshot_t *snap;

    if (n < 1 || iterations < 1 || (strcmp(only, "all") && strcmp(only, "json")
                                     && strcmp(only, "metrics") && strcmp(only, "html")
                                     && strcmp(only, "auto"))) {
        fprintf(stderr, "usage: %s [vhosts] [iterations] [json|metrics|html|auto|all]\n",
                argv[0]);
        return 2;
    }
    apr_initialize();
    apr_pool_create(&pool, NULL);
    snap = big_snapshot(pool, n, 64);
    {
        static const struct { const char *name; hsts_status_format_e fmt; } formats[] = {
            { "json", HSTS_STATUS_JSON }, { "metrics", HSTS_STATUS_METRICS },
            { "html", HSTS_STATUS_HTML }, { "auto", HSTS_STATUS_AUTO }
        };
        size_t f;

        for (f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
            if (!strcmp(only, "all") || !strcmp(only, formats[f].name)) {
                bench(formats[f].name, formats[f].fmt, snap, iterations, pool);
            }
        }
    }
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}
