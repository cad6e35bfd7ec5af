/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_watch.c: the watch (design.md section 5a). Certificates expire,
 * renewals land on disk without a reload, intermediates expire, while the
 * server runs for months: the startup audit is not enough.
 *  - post_config publishes the startup audit's problems into the shared
 *    area (hsts_watch_publish, called from mod_hsts_certs.c), notes each
 *    vhost's SSLCertificateFile paths, and registers a callback with
 *    mod_watchdog: a singleton in the children (one child at a time runs
 *    it, as mod_md's renewal watchdog), every HSTSCertCheckInterval;
 *  - each run audits every served chain again at the current time,
 *    compares the files on disk with the served leaf (cert.reload_pending),
 *    runs the guard over the results, and publishes them: every child reads
 *    the current problems from the shared area (status page, HSTSGuard
 *    withhold per response), and each problem that appears or clears is
 *    logged once.
 * Nothing here runs per request but hsts_srv_withhold(), one atomic load.
 */
#include "mod_hsts_private.h"

#include <http_core.h>
#include <mod_watchdog.h>
#include <apr_atomic.h>
#include <apr_optional.h>
#include <apr_strings.h>

#include "hsts_duration.h"

#include <string.h>
#include <time.h>

#define WATCH_NAME "mod_hsts_audit-watch"

hsts_problems_t *hsts_srv_problems(const hsts_srv_conf *sc)
{
    if (!sc || !sc->rt || !sc->rt->stats || !sc->vhost_index
        || sc->vhost_index >= sc->rt->stats->n_sets) {
        return NULL;
    }
    return &hsts_stats_set(sc->rt->stats, sc->vhost_index)->problems;
}

int hsts_srv_withhold(const hsts_srv_conf *sc)
{
    hsts_problems_t *slot = hsts_srv_problems(sc);

    return slot && hsts_problems_withhold(slot);
}

/* ---- publishing a round ----------------------------------------------------- */

static hsts_findings_t round_problems(const hsts_audit_round_t *r)
{
    hsts_findings_t set = (r->cert ? r->cert->findings : 0) | r->extra;

    if (r->unsafe && r->unsafe->nelts) {
        set |= HSTS_FINDING_BIT(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);
    }
    return set;
}

static const char *problem_detail(apr_pool_t *p, const hsts_audit_round_t *r,
                                  hsts_finding_e f, apr_time_t now)
{
    if (f == HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS) {
        return apr_pstrcat(p, "subdomains: ", apr_array_pstrcat(p, r->unsafe, ' '), NULL);
    }
    if (f == HSTS_F_RAMP_HELD) {
        return r->held_by ? apr_pstrcat(p, "held by: ", r->held_by, NULL) : NULL;
    }
    if (r->extra & HSTS_FINDING_BIT(f)) {
        return hsts_problems_self_check_detail(p, r->self_check,
                                               hsts_finding_info(f)->code);
    }
    return hsts_certs_detail(p, r->cert, f, NULL, now);
}

/* One line for each problem that appeared (HSTS00048) or cleared (HSTS00049). */
static void log_transitions(apr_pool_t *p, server_rec *s, const hsts_audit_round_t *r,
                            hsts_findings_t appeared, hsts_findings_t cleared,
                            const hsts_problems_t *before, apr_time_t now)
{
    const hsts_srv_conf *sc = hsts_srv_conf_of(s);
    char since[HSTS_ISO8601_SIZE];
    int f;

    for (f = 0; f < HSTS_F_COUNT; f++) {
        const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)f);

        if (appeared & HSTS_FINDING_BIT(f)) {
            int error = (info->severity == HSTS_SEVERITY_ERROR
                         && !(r->extra_warnings & HSTS_FINDING_BIT(f)))
                        || (r->extra_errors & HSTS_FINDING_BIT(f));

            ap_log_error(APLOG_MARK, error ? APLOG_ERR : APLOG_WARNING, 0, s, HSTSLOGNO(00048)
                         "%s appeared on vhost %s: %s (%s). Visitors see %s. Fix: %s.",
                         info->code, sc->name, info->summary,
                         hsts_log_item(p, problem_detail(p, r, (hsts_finding_e)f, now)),
                         info->browser_errors ? info->browser_errors : "an error",
                         info->fix);
        }
        else if (cleared & HSTS_FINDING_BIT(f)) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, HSTSLOGNO(00049)
                         "%s cleared on vhost %s (it stood since %s)", info->code, sc->name,
                         hsts_iso8601(since, before->since[f]));
        }
    }
}

/* HSTSGuard withhold starting or ending while the server runs (HSTS00050). */
static void log_withhold(server_rec *s, int was, int now_withheld)
{
    if (was == now_withheld) {
        return;
    }
    ap_log_error(APLOG_MARK, now_withheld ? APLOG_ERR : APLOG_NOTICE, 0, s, HSTSLOGNO(00050)
                 "HSTSGuard withhold: vhost %s %s", hsts_srv_conf_of(s)->name,
                 now_withheld ? "now sends no Strict-Transport-Security: a lock-out risk "
                                "appeared (see the line above)"
                              : "sends Strict-Transport-Security again: the risk is gone");
}

/* The startup audit runs neither the self-check nor the ramp: a vhost that
 * still has them keeps their last results (carried over a graceful restart
 * with the shared area), rather than blank until the watch's next run. */
static void keep_watch_results(const hsts_srv_conf *sc, const hsts_problems_t *before,
                               hsts_problems_found_t *found)
{
    hsts_findings_t kept = 0;
    int f;

    if (sc->self_checks) {
        for (f = 0; f < HSTS_F_COUNT; f++) {
            const hsts_finding_info_t *info = hsts_finding_info((hsts_finding_e)f);

            if ((before->problems & HSTS_FINDING_BIT(f))
                && (info->category == HSTS_CAT_PRELOAD || !hsts_finding_is_problem(f))) {
                kept |= HSTS_FINDING_BIT(f);
            }
        }
        found->preload = (hsts_preload_verdict_e)before->preload;
        found->self_checked = before->self_checked;
        found->self_check = before->self_check;
    }
    if (sc->ramp) {
        kept |= before->problems & HSTS_FINDING_BIT(HSTS_F_RAMP_HELD);
    }
    found->problems |= kept;
    found->self_check_codes |= kept;
    found->errors |= before->errors & kept;
    found->warnings |= before->warnings & kept;
}

void hsts_watch_publish(server_rec *s_main, apr_pool_t *p, const hsts_audit_round_t *round,
                        int n, apr_time_t now, int log)
{
    hsts_stats_t *stats = hsts_srv_conf_of(s_main)->rt->stats;
    server_rec *s;
    int i = 0;

    for (s = s_main; s && i < n; s = s->next, i++) {
        const hsts_audit_round_t *r = round + i;
        hsts_problems_t *slot = hsts_srv_problems(hsts_srv_conf_of(s));
        hsts_problems_found_t found = { 0 };
        hsts_findings_t appeared, cleared;
        hsts_problems_t before;
        int was;

        if (!slot) {
            continue;
        }
        found.problems = round_problems(r);
        found.warnings = (r->cert ? r->cert->warnings : 0) | r->extra_warnings;
        found.errors = r->extra_errors;
        found.self_check_codes = r->extra;
        found.preload = r->preload;
        found.self_checked = r->self_checked;
        found.self_check = r->self_check;
        found.withhold = r->withhold;
        found.unsafe = r->unsafe ? (const char *const *)r->unsafe->elts : NULL;
        found.n_unsafe = r->unsafe ? r->unsafe->nelts : 0;
        found.verify_error = r->cert ? r->cert->verify_error_text : NULL;
        hsts_problems_read(slot, &before);
        if (!log) {
            keep_watch_results(hsts_srv_conf_of(s), &before, &found);
        }
        was = hsts_problems_withhold(slot);
        if (hsts_problems_publish(slot, &found, now, &appeared, &cleared) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "mod_hsts_audit: the problems of "
                         "vhost %s are being written by another process; left for the "
                         "next check", hsts_srv_conf_of(s)->name);
            continue;
        }
        if (log) {
            log_transitions(p, s, r, appeared, cleared, &before, now);
            log_withhold(s, was, found.withhold != 0);
        }
    }
    apr_atomic_set64(&stats->last_check, (apr_uint64_t)now);
}

/* ---- the certificate files on disk ------------------------------------------ */

static void collect_cert_files(apr_pool_t *p, const ap_directive_t *d,
                               apr_array_header_t *into)
{
    for (; d; d = d->next) {
        if (hsts_tree_is(d, "SSLCertificateFile")) {
            const char *path = ap_server_root_relative(p, hsts_tree_arg(p, d));

            if (path) {
                hsts_cert_file_t *f = apr_array_push(into);

                memset(f, 0, sizeof(*f));
                f->path = path;
            }
        }
        else if (hsts_tree_is_conditional(d)) {
            collect_cert_files(p, d->first_child, into);
        }
    }
}

/* The SSLCertificateFile paths of each TLS vhost: its own, else those of
 * the main server it inherits (as mod_ssl merges them). A vhost whose
 * certificates mod_md provides has none: it is not compared. */
static void note_cert_files(apr_pool_t *p, server_rec *s_main)
{
    apr_array_header_t *main_files = apr_array_make(p, 2, sizeof(hsts_cert_file_t));
    const ap_directive_t *d;
    server_rec *s;

    for (d = ap_conftree; d; d = d->next) {
        if (hsts_tree_is(d, "SSLCertificateFile")) {
            collect_cert_files(p, d, main_files);
            break;
        }
    }
    for (s = s_main; s; s = s->next) {
        hsts_srv_conf *sc = hsts_srv_conf_of(s);
        const ap_directive_t *node = s != s_main ? hsts_tree_vhost_node(s) : NULL;

        if (!sc->is_tls || !sc->served_leaf) {
            continue;
        }
        sc->cert_files = apr_array_make(p, 2, sizeof(hsts_cert_file_t));
        if (node) {
            collect_cert_files(p, node->first_child, sc->cert_files);
        }
        if (!sc->cert_files->nelts) {
            /* a copy: each vhost keeps its own verdicts */
            sc->cert_files = apr_array_copy(p, main_files);
        }
    }
}

static apr_status_t free_x509(void *x509)
{
    X509_free(x509);
    return APR_SUCCESS;
}

/* The first certificate of a file, read once per run (files[path]); NULL
 * when it cannot be read. The leaf lives as long as p. */
static X509 *file_leaf(apr_pool_t *p, apr_hash_t *files, const char *path, const char **err)
{
    X509 *leaf = NULL;
    STACK_OF(X509) *chain = NULL;
    const char *why = NULL;

    if (apr_hash_get(files, path, APR_HASH_KEY_STRING)) {
        return apr_hash_get(files, path, APR_HASH_KEY_STRING);
    }
    if (hsts_cert_load_chain(p, path, &leaf, &chain, &why) != APR_SUCCESS) {
        *err = why;
        return NULL;
    }
    sk_X509_pop_free(chain, X509_free);
    apr_pool_cleanup_register(p, leaf, free_x509, apr_pool_cleanup_null);
    apr_hash_set(files, path, APR_HASH_KEY_STRING, leaf);
    return leaf;
}

/* 1 when the file starts with the served leaf, 0 with another, -1 when it
 * cannot be read (*err). A file whose size, times and inode are those of
 * the last comparison keeps that verdict: a run reads only what changed. */
static int file_verdict(apr_pool_t *p, apr_hash_t *files, hsts_cert_file_t *f,
                        X509 *served, const char **err)
{
    apr_finfo_t fi;
    apr_status_t rv = apr_stat(&fi, f->path, APR_FINFO_MTIME | APR_FINFO_SIZE
                               | APR_FINFO_INODE | APR_FINFO_DEV, p);
    X509 *leaf;

    if (rv == APR_SUCCESS && f->seen && fi.mtime == f->mtime && fi.size == f->size
        && fi.inode == f->inode && fi.device == f->device) {
        return f->verdict;
    }
    leaf = file_leaf(p, files, f->path, err);
    f->verdict = !leaf ? -1 : !X509_cmp(leaf, served);
    f->seen = rv == APR_SUCCESS && leaf;
    f->mtime = rv == APR_SUCCESS ? fi.mtime : 0;
    f->size = rv == APR_SUCCESS ? fi.size : 0;
    f->inode = rv == APR_SUCCESS ? fi.inode : 0;
    f->device = rv == APR_SUCCESS ? fi.device : 0;
    return f->verdict;
}

/* Whether none of the vhost's certificate files starts with the served
 * leaf any more: a renewal on disk that the server has not loaded. Files
 * the server's user cannot read are left out (logged once per vhost,
 * HSTS00052): the watch runs in a child, as User, and e.g. certbot's
 * /etc/letsencrypt/live is readable by root only. */
static int reload_pending(apr_pool_t *p, apr_hash_t *files, server_rec *s, hsts_srv_conf *sc)
{
    int i, compared = 0;

    for (i = 0; sc->cert_files && i < sc->cert_files->nelts; i++) {
        hsts_cert_file_t *f = &APR_ARRAY_IDX(sc->cert_files, i, hsts_cert_file_t);
        const char *err = NULL;
        int verdict = file_verdict(p, files, f, sc->served_leaf, &err);

        if (verdict < 0) {
            if (!sc->cert_file_unreadable_logged) {
                sc->cert_file_unreadable_logged = 1;
                /* err names the file (a path from the configuration) */
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, HSTSLOGNO(00052)
                             "mod_hsts_audit: the watch cannot read a certificate file of "
                             "vhost %s (%s), so cert.reload_pending is not checked for it. "
                             "Fix: let the server's User read the certificate file (not "
                             "the key)", sc->name, err ? err : f->path);
            }
            continue;
        }
        compared = 1;
        if (verdict == 1) {
            return 0;
        }
    }
    return compared;
}

/* CPU seconds this thread has used (the watchdog's own thread). */
static double thread_cpu_seconds(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
        return 0;
    }
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One run of the watch: every served chain audited at the current time. */
static void watch_run(server_rec *s_main, apr_pool_t *p)
{
    int n = (int)hsts_srv_conf_of(s_main)->rt->n_vhosts, i = 0, audited = 0;
    hsts_audit_round_t *round = apr_pcalloc(p, sizeof(*round) * (apr_size_t)(n + 1));
    apr_hash_t *files = apr_hash_make(p);
    apr_time_t now = apr_time_now();
    double cpu = thread_cpu_seconds();
    server_rec *s;

    for (s = s_main; s && i < n; s = s->next, i++) {
        hsts_srv_conf *sc = hsts_srv_conf_of(s);
        hsts_cert_report_t *report;

        if (!sc->is_tls || !(report = hsts_certs_audit_served(p, s, now))) {
            continue;
        }
        if (reload_pending(p, files, s, sc)) {
            report->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_RELOAD_PENDING);
        }
        round[i].cert = report;
        audited++;
    }
    hsts_certs_guard(p, s_main, round, n, 0);
    hsts_selfcheck_round(s_main, p, round, n, now);
    hsts_ramp_round(s_main, p, round, n, now);
    hsts_watch_publish(s_main, p, round, n, now, 1);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s_main, HSTSLOGNO(00053)
                 "mod_hsts_audit: the watch audited %d TLS vhosts in %.3f s of CPU "
                 "(%.3f s elapsed)", audited, thread_cpu_seconds() - cpu,
                 (double)(apr_time_now() - now) / APR_USEC_PER_SEC);
}

static apr_status_t watch_callback(int state, void *data, apr_pool_t *p)
{
    if (state == AP_WATCHDOG_STATE_RUNNING) {
        watch_run(data, p);
    }
    return APR_SUCCESS;
}

void hsts_watch_start(apr_pool_t *pconf, server_rec *s_main)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_callback;
    apr_int64_t interval = hsts_srv_check_interval(hsts_srv_conf_of(s_main));
    ap_watchdog_t *wd = NULL;
    apr_status_t rv;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG || interval <= 0) {
        return;
    }
    note_cert_files(pconf, s_main);
    get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    register_callback = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (!get_instance || !register_callback) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s_main, HSTSLOGNO(00051)
                     "mod_hsts_audit: mod_watchdog is not loaded, so certificates are "
                     "audited at startup only (HSTSCertCheckInterval). Fix: load "
                     "mod_watchdog, or set HSTSCertCheckInterval off to silence this");
        return;
    }
    rv = get_instance(&wd, WATCH_NAME, 0, 1, pconf);
    if (rv == APR_SUCCESS) {
        rv = register_callback(wd, apr_time_from_sec(interval), s_main, watch_callback);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s_main, HSTSLOGNO(00051)
                     "mod_hsts_audit: cannot start the watch with mod_watchdog: "
                     "certificates are audited at startup only");
    }
}
