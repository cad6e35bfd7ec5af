/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_ramp.c: the max-age ramp, httpd side (design.md section 5b;
 * the decisions and the state file's text are in src/ramp.c).
 *  - HSTSMaxAgeRamp, HSTSRampHold, HSTSStateDir, HSTSSelfCheck;
 *  - post_config: HSTSStateDir is created for the server's User (as mod_md
 *    does for its store: the watchdog runs in a child, as User), each ramp
 *    vhost's state file is read (missing: the first step; corrupt: the
 *    first step and HSTS00057) and its step published in shared memory;
 *  - each watch run: per ramp vhost, the error problems of the round and the
 *    error events its responses counted since the last run hold the ramp
 *    (ramp.held, HSTS00060); a clean hold takes the next step (HSTS00059).
 *    A new state is written to its file (temporary file + rename) before it
 *    is published, so a step that could not be saved is never served
 *    (HSTS00058).
 * Per response: hsts_srv_ramp_step(), one atomic load.
 */
#include "mod_hsts_private.h"

#include <http_core.h>
#include <unixd.h>
#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "hsts_duration.h"

#include <string.h>
#include <unistd.h>

#define STATE_DIR_DEFAULT "hsts_audit"
#define STATE_FILE_MAX 4096

/* The error events of a vhost's responses that hold the ramp (design.md 5b). */
static const hsts_finding_e ramp_events[] = {
    HSTS_F_HEADER_INVALID_SYNTAX, HSTS_F_HEADER_INVALID_MAX_AGE,
    HSTS_F_HEADER_INVALID_MAX_AGE_MISSING, HSTS_F_HEADER_INVALID_REPEATED_DIRECTIVE,
    HSTS_F_HEADER_INVALID_INCLUDE_SUB_DOMAINS_VALUE, HSTS_F_HEADER_INVALID_TOKEN,
    HSTS_F_REDIRECTS_DOWNGRADE, HSTS_F_REDIRECTS_HTTPS_TARGET_CERT_INVALID
};
#define N_RAMP_EVENTS ((int)(sizeof(ramp_events) / sizeof(ramp_events[0])))

/* ---- directives ------------------------------------------------------------- */

/* "file:line" of the directive being read, "?" outside a file. */
static const char *where(cmd_parms *cmd)
{
    const char *at = hsts_directive_at(cmd);

    return at ? at : "?";
}

const char *hsts_cmd_max_age_ramp(cmd_parms *cmd, void *dconf, int argc, char *const argv[])
{
    hsts_dir_conf *conf = dconf;
    hsts_ramp_t *ramp = apr_pcalloc(cmd->pool, sizeof(*ramp));
    const char *why;

    if (conf->max_age != HSTS_UNSET) {
        return apr_psprintf(cmd->pool, "HSTSMaxAgeRamp at %s: this scope also has "
                            "HSTSMaxAge (%s). Fix: keep one of them; the ramp ends at "
                            "its last step", where(cmd),
                            conf->set_at ? conf->set_at : "above");
    }
    if (conf->ramp) {
        return apr_psprintf(cmd->pool, "HSTSMaxAgeRamp at %s: given twice in one scope "
                            "(first at %s). Fix: keep one", where(cmd),
                            conf->ramp->set_at ? conf->ramp->set_at : "above");
    }
    why = hsts_ramp_parse(cmd->pool, argc, argv, ramp);
    if (why) {
        return apr_psprintf(cmd->pool, "HSTSMaxAgeRamp at %s: %s", where(cmd), why);
    }
    ramp->set_at = where(cmd);
    conf->ramp = ramp;
    conf->set_at = ramp->set_at;
    hsts_conf_finish(cmd->pool, conf);
    return NULL;
}

const char *hsts_cmd_ramp_hold(cmd_parms *cmd, void *dconf, const char *arg)
{
    hsts_srv_conf *conf = hsts_srv_conf_of(cmd->server);
    apr_int64_t seconds;
    const char *why = hsts_duration_parse(arg, &seconds);

    (void)dconf;
    if (!why && seconds < 1) {
        why = "must be at least 1 second";
    }
    if (why) {
        return apr_psprintf(cmd->pool, "HSTSRampHold '%s' at %s: %s (e.g. HSTSRampHold 1d; "
                            "the default holds each step for its own max-age)", arg,
                            where(cmd), why);
    }
    conf->ramp_hold = seconds;
    return NULL;
}

const char *hsts_cmd_state_dir(cmd_parms *cmd, void *dconf, const char *arg)
{
    hsts_srv_conf *conf = hsts_srv_conf_of(cmd->server);

    (void)dconf;
    if (cmd->server->is_virtual) {
        return apr_psprintf(cmd->pool, "HSTSStateDir at %s: belongs in the server config, "
                            "not in a <VirtualHost>. Fix: move it out", where(cmd));
    }
    conf->state_dir = ap_server_root_relative(cmd->pool, arg);
    if (!conf->state_dir || !*arg) {
        return apr_psprintf(cmd->pool, "HSTSStateDir '%s' at %s: not a usable path", arg,
                            where(cmd));
    }
    return NULL;
}

const char *hsts_cmd_self_check(cmd_parms *cmd, void *dconf, int flag)
{
    (void)dconf;
    hsts_srv_conf_of(cmd->server)->self_check = flag ? 1 : 0;
    return NULL;
}

/* ---- startup ---------------------------------------------------------------- */

/* The vhost's ramp: its defaults' record (server and vhost scopes), when
 * the module works there at all. */
static const hsts_ramp_t *ramp_of(server_rec *s)
{
    const hsts_dir_conf *dc = ap_get_module_config(s->lookup_defaults, &hsts_audit_module);

    return dc && dc->ramp && dc->effective_mode != HSTS_MODE_OFF ? dc->ramp : NULL;
}

int hsts_ramp_check_config(apr_pool_t *ptemp, server_rec *s_main)
{
    server_rec *s;

    if (hsts_srv_check_interval(hsts_srv_conf_of(s_main)) > 0) {
        return 0;
    }
    for (s = s_main; s; s = s->next) {
        const hsts_ramp_t *ramp = ramp_of(s);

        if (ramp) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL, HSTSLOGNO(00055)
                         "mod_hsts_audit: HSTSMaxAgeRamp at %s (vhost %s) needs the watch, "
                         "which decides each step, but HSTSCertCheckInterval is off. Fix: "
                         "set HSTSCertCheckInterval to a duration (the default is 1h), or "
                         "use HSTSMaxAge", ramp->set_at ? ramp->set_at : "?",
                         hsts_vhost_label(ptemp, s));
            return 1;
        }
    }
    return 0;
}

static const char *state_dir(apr_pool_t *p, server_rec *s_main)
{
    const char *dir = hsts_srv_conf_of(s_main)->state_dir;

    return dir ? dir : ap_server_root_relative(p, STATE_DIR_DEFAULT);
}

/* HSTSStateDir, made when missing and given to the server's User when
 * httpd starts as root (mod_md does the same for MDStoreDir). */
static apr_status_t make_state_dir(apr_pool_t *p, server_rec *s_main, const char *dir)
{
    apr_status_t rv = apr_dir_make_recursive(dir, APR_FPROT_UREAD | APR_FPROT_UWRITE
                                             | APR_FPROT_UEXECUTE | APR_FPROT_GREAD
                                             | APR_FPROT_GEXECUTE, p);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s_main, HSTSLOGNO(00061)
                     "mod_hsts_audit: cannot create HSTSStateDir %s: every max-age ramp "
                     "serves its first step and cannot advance. Fix: create it, writable "
                     "by the server's User, or point HSTSStateDir elsewhere", dir);
        return rv;
    }
    if (geteuid() == 0 && chown(dir, ap_unixd_config.user_id, ap_unixd_config.group_id)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, APR_FROM_OS_ERROR(errno), s_main,
                     HSTSLOGNO(00062) "mod_hsts_audit: cannot give HSTSStateDir %s to "
                     "the server's User: the ramp may not be able to save its steps", dir);
    }
    return APR_SUCCESS;
}

/* The state file of a vhost: ramp-<host>_<port>.state, with bytes other
 * than letters, digits, '.' and '-' as '_'; a vhost that shares its label
 * with one before it gets its index appended. */
static const char *state_file(apr_pool_t *p, const char *dir, const hsts_srv_conf *sc,
                              apr_hash_t *used)
{
    char *name = apr_pstrdup(p, sc->name ? sc->name : "main"), *c;

    for (c = name; *c; c++) {
        if (!apr_isalnum(*c) && *c != '.' && *c != '-') {
            *c = '_';
        }
    }
    if (apr_hash_get(used, name, APR_HASH_KEY_STRING)) {
        name = apr_psprintf(p, "%s-%u", name, (unsigned)sc->vhost_index);
    }
    apr_hash_set(used, name, APR_HASH_KEY_STRING, name);
    return apr_pstrcat(p, dir, "/ramp-", name, ".state", NULL);
}

/* The state file's text (at most STATE_FILE_MAX bytes) or NULL: *missing
 * when there is none, else *why. */
static char *read_state(apr_pool_t *p, const char *path, apr_size_t *len, int *missing,
                        const char **why)
{
    apr_file_t *f;
    char *buf = apr_palloc(p, STATE_FILE_MAX + 1);
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                                    APR_OS_DEFAULT, p);
    char ebuf[128];

    *missing = APR_STATUS_IS_ENOENT(rv);
    if (rv != APR_SUCCESS) {
        *why = apr_strerror(rv, ebuf, sizeof(ebuf));
        *why = apr_pstrdup(p, *why);
        return NULL;
    }
    rv = apr_file_read_full(f, buf, STATE_FILE_MAX + 1, len);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        *why = apr_pstrdup(p, apr_strerror(rv, ebuf, sizeof(ebuf)));
        return NULL;
    }
    if (*len > STATE_FILE_MAX) {
        *why = "larger than a state file can be";
        return NULL;
    }
    buf[*len] = '\0';
    return buf;
}

/* The state a vhost starts with: its file's, on the configured steps. */
static void load_state(apr_pool_t *ptemp, server_rec *s, hsts_srv_conf *sc, apr_time_t now,
                       hsts_ramp_state_t *st)
{
    const hsts_ramp_t *ramp = sc->ramp;
    const char *why = NULL;
    apr_size_t len = 0;
    int missing = 0, i;
    char *text = read_state(ptemp, sc->ramp_file, &len, &missing, &why);

    if (text && !(why = hsts_ramp_state_parse(text, len, now, st))) {
        i = hsts_ramp_index_for(ramp, st->max_age);
        if (ramp->steps[i] != st->max_age) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, HSTSLOGNO(00056)
                         "mod_hsts_audit: the max-age ramp of vhost %s had reached "
                         "max-age=%" APR_INT64_T_FMT ", which HSTSMaxAgeRamp no longer "
                         "lists: it serves max-age=%" APR_INT64_T_FMT " now and holds it",
                         sc->name, st->max_age, ramp->steps[i]);
            st->max_age = ramp->steps[i];
            st->since = st->clean_since = now;
            sc->ramp_dirty = 1;
        }
        return;
    }
    if (!missing) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, HSTSLOGNO(00057)
                     "mod_hsts_audit: the max-age ramp state of vhost %s (%s) cannot be "
                     "used: %s. It starts again at its first step, max-age=%"
                     APR_INT64_T_FMT ", and the file is written anew. Fix: nothing, unless "
                     "the file keeps breaking (a full disk, another writer)", sc->name,
                     sc->ramp_file, why ? why : "unreadable", ramp->steps[0]);
    }
    memset(st, 0, sizeof(*st));
    st->max_age = ramp->steps[0];
    st->since = st->clean_since = now;
    sc->ramp_dirty = 1;
}

void hsts_ramp_start(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s_main)
{
    apr_hash_t *used = apr_hash_make(ptemp);
    apr_time_t now = apr_time_now();
    const char *dir = NULL;
    server_rec *s;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return;
    }
    for (s = s_main; s; s = s->next) {
        hsts_srv_conf *sc = hsts_srv_conf_of(s);
        hsts_ramp_state_t st;

        /* only TLS vhosts send STS: a plain-HTTP vhost (or the main
         * server without TLS) that inherits the ramp has nothing to ramp */
        sc->ramp = ramp_of(s);
        if (!sc->ramp || !sc->vhost_index || !sc->is_tls) {
            sc->ramp = NULL;
            continue;
        }
        if (!dir) {
            dir = state_dir(pconf, s_main);
            make_state_dir(ptemp, s_main, dir);
        }
        sc->ramp_file = state_file(pconf, dir, sc, used);
        load_state(ptemp, s, sc, now, &st);
        hsts_ramp_publish(&hsts_stats_set(sc->rt->stats, sc->vhost_index)->ramp,
                          hsts_ramp_index_for(sc->ramp, st.max_age), &st);
    }
}

/* ---- each watch run --------------------------------------------------------- */

int hsts_srv_ramp_step(const hsts_srv_conf *sc, const hsts_ramp_t *ramp)
{
    if (!sc->rt || !sc->rt->stats || !sc->vhost_index
        || sc->vhost_index >= sc->rt->stats->n_sets) {
        return 0;
    }
    return hsts_ramp_current(&hsts_stats_set(sc->rt->stats, sc->vhost_index)->ramp,
                             ramp->n_steps);
}

int hsts_srv_ramp_state(const hsts_srv_conf *sc, hsts_ramp_state_t *out)
{
    if (!sc->ramp || !sc->rt || !sc->rt->stats || !sc->vhost_index
        || sc->vhost_index >= sc->rt->stats->n_sets) {
        memset(out, 0, sizeof(*out));
        return 0;
    }
    return hsts_ramp_read(&hsts_stats_set(sc->rt->stats, sc->vhost_index)->ramp, out);
}

/* Write st to the vhost's file: a temporary file in the same directory,
 * synced, renamed over the old one. */
static apr_status_t save_state(apr_pool_t *p, const hsts_srv_conf *sc,
                               const hsts_ramp_state_t *st)
{
    const char *text = hsts_ramp_state_format(p, st);
    char *tmp = apr_pstrcat(p, sc->ramp_file, ".XXXXXX", NULL);
    apr_size_t len = strlen(text), wrote = 0;
    apr_file_t *f;
    apr_status_t rv = apr_file_mktemp(&f, tmp, APR_FOPEN_CREATE | APR_FOPEN_WRITE
                                      | APR_FOPEN_EXCL | APR_FOPEN_BINARY, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_write_full(f, text, len, &wrote);
    if (rv == APR_SUCCESS) {
        rv = apr_file_sync(f);
    }
    if (apr_file_close(f) != APR_SUCCESS && rv == APR_SUCCESS) {
        rv = APR_EGENERAL;
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmp, sc->ramp_file, p);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
    }
    return rv;
}

/* The error problems of a round entry and the error events the vhost's
 * responses counted since the last run. */
static hsts_findings_t what_is_wrong(hsts_srv_conf *sc, const hsts_audit_round_t *r)
{
    hsts_stats_set_t *set = hsts_stats_set(sc->rt->stats, sc->vhost_index);
    hsts_findings_t wrong = r->extra_errors, problems, warnings;
    int f, i;

    problems = (r->cert ? r->cert->findings : 0) | r->extra;
    warnings = (r->cert ? r->cert->warnings : 0) | r->extra_warnings;
    if (r->unsafe && r->unsafe->nelts) {
        problems |= HSTS_FINDING_BIT(HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS);
    }
    for (f = 0; f < HSTS_F_COUNT; f++) {
        if ((problems & ~warnings & HSTS_FINDING_BIT(f))
            && hsts_finding_info((hsts_finding_e)f)->severity == HSTS_SEVERITY_ERROR) {
            wrong |= HSTS_FINDING_BIT(f);
        }
    }
    wrong &= ~HSTS_FINDING_BIT(HSTS_F_RAMP_HELD);
    for (i = 0; i < N_RAMP_EVENTS; i++) {
        apr_uint64_t count = set->findings[ramp_events[i]];

        if (sc->ramp_counted && count != sc->ramp_seen[ramp_events[i]]) {
            wrong |= HSTS_FINDING_BIT(ramp_events[i]);
        }
        sc->ramp_seen[ramp_events[i]] = count;
    }
    sc->ramp_counted = 1;
    return wrong;
}

static void log_decision(apr_pool_t *p, server_rec *s, hsts_srv_conf *sc,
                         hsts_ramp_action_e action, const hsts_ramp_state_t *next,
                         const char *codes)
{
    char at[HSTS_ISO8601_SIZE];

    if (action == HSTS_RAMP_ADVANCED) {
        apr_time_t next_at = hsts_ramp_next_at(sc->ramp, sc->ramp_hold, next);

        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, HSTSLOGNO(00059)
                     "mod_hsts_audit: the max-age ramp of vhost %s takes its next step: "
                     "max-age=%" APR_INT64_T_FMT " from now%s%s", sc->name, next->max_age,
                     next_at ? "; the next step comes at the earliest at " : " (the last "
                     "step)", next_at ? hsts_iso8601(at, next_at) : "");
    }
    else if (action == HSTS_RAMP_HELD) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, HSTSLOGNO(00060)
                     "mod_hsts_audit: ramp.held: the max-age ramp of vhost %s stays at "
                     "max-age=%" APR_INT64_T_FMT " and its hold starts again: %s. Fix "
                     "that (see the status page); the ramp moves on after one clean hold",
                     sc->name, next->max_age, hsts_log_item(p, codes));
    }
}

static void decide_one(apr_pool_t *p, server_rec *s, hsts_srv_conf *sc,
                       hsts_audit_round_t *r, apr_time_t now)
{
    hsts_ramp_slot_t *slot = &hsts_stats_set(sc->rt->stats, sc->vhost_index)->ramp;
    hsts_findings_t wrong = what_is_wrong(sc, r);
    hsts_ramp_state_t cur, next;
    hsts_ramp_action_e action;
    apr_status_t rv = APR_SUCCESS;
    int top;

    hsts_ramp_read(slot, &cur);
    top = hsts_ramp_index_for(sc->ramp, cur.max_age) + 1 >= sc->ramp->n_steps;
    action = hsts_ramp_decide(sc->ramp, sc->ramp_hold, &cur, top ? 0 : wrong, now, &next);
    if (action == HSTS_RAMP_HELD) {
        r->extra |= HSTS_FINDING_BIT(HSTS_F_RAMP_HELD);
        r->held_by = hsts_findings_join(p, wrong, " ");
    }
    if (action == HSTS_RAMP_STAY && !sc->ramp_dirty) {
        return;
    }
    rv = save_state(p, sc, &next);
    if (rv != APR_SUCCESS) {
        if (!sc->ramp_dirty || action != HSTS_RAMP_STAY) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, HSTSLOGNO(00058)
                         "mod_hsts_audit: cannot write the max-age ramp state of vhost "
                         "%s (%s): it stays at max-age=%" APR_INT64_T_FMT " until it can. "
                         "Fix: make HSTSStateDir writable by the server's User",
                         sc->name, sc->ramp_file, cur.max_age);
        }
        sc->ramp_dirty = 1;
        if (action == HSTS_RAMP_ADVANCED) {
            next = cur;                 /* never serve a step that is not saved */
            action = HSTS_RAMP_STAY;
        }
    }
    else {
        sc->ramp_dirty = 0;
    }
    hsts_ramp_publish(slot, hsts_ramp_index_for(sc->ramp, next.max_age), &next);
    if (action != HSTS_RAMP_HELD || wrong != sc->ramp_wrong) {
        log_decision(p, s, sc, action, &next, r->held_by);
    }
    sc->ramp_wrong = action == HSTS_RAMP_HELD ? wrong : 0;
}

void hsts_ramp_round(server_rec *s_main, apr_pool_t *p, hsts_audit_round_t *round, int n,
                     apr_time_t now)
{
    server_rec *s;
    int i = 0;

    for (s = s_main; s && i < n; s = s->next, i++) {
        hsts_srv_conf *sc = hsts_srv_conf_of(s);

        if (sc->ramp) {
            decide_one(p, s, sc, round + i, now);
        }
    }
}
