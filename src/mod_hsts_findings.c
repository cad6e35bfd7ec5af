/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_findings.c: what happens to the findings of one request, whoever
 * found them (the STS filter, the mutual-TLS refusal): counted for the
 * server and the vhost, kept in the ring of recent findings, and logged, one
 * error-log line per finding code, vhost and minute across all children
 * (design.md section 3). The log line itself is the caller's.
 */
#include "mod_hsts_private.h"

void hsts_record_findings(request_rec *r, const hsts_srv_conf *sc, hsts_findings_t findings,
                          const char *path, hsts_log_finding_fn *log_one, void *baton)
{
    hsts_stats_t *stats = sc->rt->stats;
    apr_time_t now;
    int i;

    if (!findings) {
        return;
    }
    now = apr_time_now();
    hsts_stats_count_findings(stats, sc->vhost_index, findings);
    hsts_stats_ring_add(stats, sc->vhost_index, now, findings, r->hostname, path);
    for (i = 0; i < HSTS_F_COUNT; i++) {
        if ((findings & HSTS_FINDING_BIT(i))
            && hsts_stats_may_log(stats, sc->vhost_index, (hsts_finding_e)i, now)) {
            log_one(r, sc, hsts_finding_info((hsts_finding_e)i), baton);
        }
    }
}
