/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_config.c: httpd side of the configuration: the per-directory
 * create/merge callbacks around the core's hsts_dir_conf, the directive
 * handlers, and the check_config hook that refuses to start (and fails
 * `apachectl configtest`) on a scope that cannot work.
 */
#include "mod_hsts_private.h"

#include <http_core.h>
#include <apr_file_info.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "hsts_cert.h"
#include "hsts_client_cert.h"
#include "hsts_duration.h"

#include <apr_cstr.h>

const char *hsts_directive_at(cmd_parms *cmd)
{
    return cmd->directive ? apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                                         cmd->directive->line_num)
                          : NULL;
}

static const char *directive_error(cmd_parms *cmd, const char *arg, const char *why)
{
    return apr_psprintf(cmd->pool, "%s '%s' %s", cmd->cmd->name, arg, why);
}

void *hsts_create_srv_config(apr_pool_t *p, server_rec *s)
{
    hsts_srv_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)s;
    conf->recent_findings = HSTS_UNSET;
    conf->guard = HSTS_UNSET;
    conf->cert_warn_days = HSTS_UNSET;
    conf->check_interval = HSTS_UNSET;
    conf->ramp_hold = HSTS_UNSET;
    conf->self_check = HSTS_UNSET;
    conf->stapling = -1;
    return conf;
}

void *hsts_merge_srv_config(apr_pool_t *p, void *basev, void *addv)
{
    hsts_srv_conf *base = basev, *add = addv;
    hsts_srv_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->recent_findings = add->recent_findings != HSTS_UNSET ? add->recent_findings
                                                               : base->recent_findings;
    conf->guard = add->guard != HSTS_UNSET ? add->guard : base->guard;
    conf->cert_warn_days = add->cert_warn_days != HSTS_UNSET ? add->cert_warn_days
                                                             : base->cert_warn_days;
    conf->trusted_ca = add->trusted_ca ? add->trusted_ca : base->trusted_ca;
    conf->check_interval = add->check_interval != HSTS_UNSET ? add->check_interval
                                                             : base->check_interval;
    conf->ramp_hold = add->ramp_hold != HSTS_UNSET ? add->ramp_hold : base->ramp_hold;
    conf->self_check = add->self_check != HSTS_UNSET ? add->self_check : base->self_check;
    conf->state_dir = add->state_dir ? add->state_dir : base->state_dir;
    conf->stapling = -1;
    conf->trusted_ca_public = add->trusted_ca ? add->trusted_ca_public
                                              : base->trusted_ca_public;
    return conf;
}

const char *hsts_cmd_recent_findings(cmd_parms *cmd, void *dconf, const char *arg)
{
    hsts_srv_conf *conf = hsts_srv_conf_of(cmd->server);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    apr_int64_t n = 0;

    (void)dconf;
    if (err) {
        return err;
    }
    if (!hsts_parse_number(arg, 100000, &n) || n < 1) {
        return directive_error(cmd, arg, "must be a number of entries from 1 to 100000 "
                               "(the default is 64)");
    }
    conf->recent_findings = (int)n;
    return NULL;
}

const char *hsts_cmd_check_interval(cmd_parms *cmd, void *dconf, const char *arg)
{
    hsts_srv_conf *conf = hsts_srv_conf_of(cmd->server);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    apr_int64_t seconds = 0;

    (void)dconf;
    if (err) {
        return err;
    }
    if (!apr_cstr_casecmp(arg, "off")) {
        conf->check_interval = 0;
        return NULL;
    }
    if (hsts_duration_parse(arg, &seconds) || seconds < HSTS_CHECK_INTERVAL_MIN) {
        return directive_error(cmd, arg, "must be a duration of at least 10s (e.g. 10m, "
                               "1h, the default) or off");
    }
    conf->check_interval = seconds;
    return NULL;
}

apr_int64_t hsts_srv_check_interval(const hsts_srv_conf *main_sc)
{
    return main_sc->check_interval != HSTS_UNSET ? main_sc->check_interval
                                                 : HSTS_CHECK_INTERVAL_DEFAULT;
}

int hsts_srv_guard(const hsts_srv_conf *sc)
{
    return sc->guard != HSTS_UNSET ? sc->guard : HSTS_GUARD_WARN;
}

int hsts_srv_cert_warn_days(const hsts_srv_conf *sc)
{
    return sc->cert_warn_days != HSTS_UNSET ? sc->cert_warn_days : HSTS_CERT_WARN_DAYS_DEFAULT;
}

const char *hsts_cmd_guard(cmd_parms *cmd, void *dconf, const char *arg)
{
    hsts_srv_conf *conf = hsts_srv_conf_of(cmd->server);

    (void)dconf;
    if (!apr_cstr_casecmp(arg, "off")) {
        conf->guard = HSTS_GUARD_OFF;
    }
    else if (!apr_cstr_casecmp(arg, "warn")) {
        conf->guard = HSTS_GUARD_WARN;
    }
    else if (!apr_cstr_casecmp(arg, "withhold")) {
        conf->guard = HSTS_GUARD_WITHHOLD;
    }
    else {
        return directive_error(cmd, arg, "must be one of off, warn, withhold");
    }
    return NULL;
}

const char *hsts_cmd_cert_warn_days(cmd_parms *cmd, void *dconf, const char *arg)
{
    hsts_srv_conf *conf = hsts_srv_conf_of(cmd->server);
    apr_int64_t n = 0;

    (void)dconf;
    if (!hsts_parse_number(arg, 3650, &n)) {
        return directive_error(cmd, arg, "must be a number of days from 0 to 3650 "
                               "(the default is 30)");
    }
    conf->cert_warn_days = (int)n;
    return NULL;
}

int hsts_trusted_ca_kind(const char *kind)
{
    if (!kind || !apr_cstr_casecmp(kind, "private")) {
        return 0;
    }
    return !apr_cstr_casecmp(kind, "public") ? 1 : -1;
}

const char *hsts_cmd_trusted_ca(cmd_parms *cmd, void *dconf, const char *arg,
                                const char *kind)
{
    hsts_srv_conf *conf = hsts_srv_conf_of(cmd->server);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    const char *why = NULL;
    X509_STORE *store;
    apr_finfo_t finfo;
    int is_public = hsts_trusted_ca_kind(kind);

    (void)dconf;
    if (is_public < 0) {
        return apr_psprintf(cmd->pool, "%s '%s' '%s': the second argument must be public "
                            "(the file mirrors the browsers' public roots: the rules for "
                            "publicly trusted certificates apply) or private (the default: "
                            "a private PKI)", cmd->cmd->name, arg, kind);
    }
    if (!path || apr_stat(&finfo, path, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS
        || finfo.filetype != APR_REG) {
        return directive_error(cmd, arg, "is not a readable file: give a PEM bundle of "
                               "the root certificates the certificate audit trusts");
    }
    store = hsts_cert_store_load(cmd->temp_pool, path, &why);
    if (!store) {
        return apr_psprintf(cmd->pool, "%s '%s': %s: give a PEM bundle of root certificates",
                            cmd->cmd->name, arg, why ? why : "cannot be loaded");
    }
    X509_STORE_free(store);
    conf->trusted_ca = path;
    conf->trusted_ca_public = is_public;
    return NULL;
}

void *hsts_create_dir_config(apr_pool_t *p, char *dir)
{
    (void)dir;
    return hsts_dir_conf_create(p);
}

void *hsts_merge_dir_config(apr_pool_t *p, void *base, void *add)
{
    return hsts_dir_conf_merge(p, base, add);
}

const char *hsts_cmd_max_age(cmd_parms *cmd, void *dconf, const char *arg)
{
    hsts_dir_conf *conf = dconf;
    apr_int64_t seconds;
    const char *why = hsts_duration_parse(arg, &seconds);

    if (why) {
        return directive_error(cmd, arg, why);
    }
    if (conf->ramp) {
        return apr_psprintf(cmd->pool, "HSTSMaxAge at %s: this scope also has "
                            "HSTSMaxAgeRamp (%s). Fix: keep one of them; the ramp ends at "
                            "its last step", hsts_directive_at(cmd),
                            conf->ramp->set_at ? conf->ramp->set_at : "above");
    }
    conf->max_age = seconds;
    conf->set_at = hsts_directive_at(cmd);
    hsts_conf_finish(cmd->pool, conf);
    return NULL;
}

const char *hsts_cmd_include_subdomains(cmd_parms *cmd, void *dconf, int flag)
{
    hsts_dir_conf *conf = dconf;

    conf->include_subdomains = flag ? 1 : 0;
    conf->set_at = hsts_directive_at(cmd);
    hsts_conf_finish(cmd->pool, conf);
    return NULL;
}

const char *hsts_cmd_preload(cmd_parms *cmd, void *dconf, int flag)
{
    hsts_dir_conf *conf = dconf;

    conf->preload = flag ? 1 : 0;
    conf->set_at = hsts_directive_at(cmd);
    hsts_conf_finish(cmd->pool, conf);
    return NULL;
}

const char *hsts_cmd_mode(cmd_parms *cmd, void *dconf, const char *arg)
{
    hsts_dir_conf *conf = dconf;
    const char *why = hsts_mode_parse(arg, &conf->mode);

    if (why) {
        return directive_error(cmd, arg, why);
    }
    conf->set_at = hsts_directive_at(cmd);
    hsts_conf_finish(cmd->pool, conf);
    return NULL;
}

const char *hsts_cmd_client_cert(cmd_parms *cmd, void *dconf, const char *arg)
{
    hsts_dir_conf *conf = dconf;
    const char *why = hsts_client_cert_mode_parse(arg, &conf->client_cert);

    if (why) {
        return directive_error(cmd, arg, why);
    }
    return NULL;
}

const char *hsts_cmd_client_cert_status(cmd_parms *cmd, void *dconf, const char *error,
                                        const char *missing)
{
    hsts_dir_conf *conf = dconf;
    const char *why = hsts_client_cert_status_parse(error, &conf->client_cert_status_error);

    if (why) {
        return directive_error(cmd, error, why);
    }
    why = hsts_client_cert_status_parse(missing, &conf->client_cert_status_missing);
    if (why) {
        return directive_error(cmd, missing, why);
    }
    return NULL;
}

static const hsts_dir_conf *dir_conf_of(ap_conf_vector_t *section)
{
    return ap_get_module_config(section, &hsts_audit_module);
}

static const char *section_name(ap_conf_vector_t *section)
{
    core_dir_config *core = ap_get_core_module_config(section);

    return core && core->d ? core->d : "(server)";
}

/* One scope as a request there would see it: the section on top of its
 * server's defaults. Returns nonzero (and logs) when it cannot work. */
static int check_scope(apr_pool_t *ptemp, server_rec *s, ap_conf_vector_t *section)
{
    const hsts_dir_conf *defaults = dir_conf_of(s->lookup_defaults);
    const hsts_dir_conf *merged = defaults;

    if (section) {
        const hsts_dir_conf *own = dir_conf_of(section);

        if (!own) {             /* none of our directives in this section */
            return 0;
        }
        merged = hsts_dir_conf_merge(ptemp, defaults, own);
    }
    if (!merged->problem) {
        return 0;
    }
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                 HSTSLOGNO(00001) "mod_hsts_audit: %s (set at %s; %s %s%s%s, scope %s)",
                 merged->problem, merged->set_at ? merged->set_at : "?",
                 s->is_virtual ? "virtual host" : "the main server",
                 hsts_vhost_label(ptemp, s),
                 s->is_virtual && s->defn_name ? " defined at " : "",
                 s->is_virtual && s->defn_name
                 ? apr_psprintf(ptemp, "%s:%u", s->defn_name, s->defn_line_number) : "",
                 section ? section_name(section) : "server/vhost");
    return 1;
}

static int check_sections(apr_pool_t *ptemp, server_rec *s, apr_array_header_t *sections)
{
    ap_conf_vector_t **elts;
    int i;

    if (!sections) {
        return 0;
    }
    elts = (ap_conf_vector_t **)sections->elts;
    for (i = 0; i < sections->nelts; i++) {
        if (check_scope(ptemp, s, elts[i])) {
            return 1;
        }
    }
    return 0;
}

/* A Header directive (mod_headers) that sets Strict-Transport-Security:
 * "Header [always] set|append|add|merge|setifempty Strict-Transport-Security ...". */
static int sets_sts(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args ? d->args : "";
    const char *word;
    int i;

    if (!hsts_tree_is(d, "Header")) {
        return 0;
    }
    for (i = 0; i < 3 && *(word = ap_getword_conf(p, &args)); i++) {
        if (!ap_cstr_casecmp(word, "Strict-Transport-Security")) {
            return 1;
        }
    }
    return 0;
}

/* HSTS00054 for each such Header in the tree below first (sections and
 * conditionals included), next to a module policy. */
static void warn_header_sts(apr_pool_t *p, const ap_directive_t *first, const char *scope,
                            const char *policy)
{
    const ap_directive_t *d;

    for (d = first; d; d = d->next) {
        if (sets_sts(p, d)) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, NULL, HSTSLOGNO(00054)
                         "mod_hsts_audit: %s: \"Header %s\" at %s sets "
                         "Strict-Transport-Security next to the module's policy \"%s\": "
                         "where it sets a valid value, HSTSMode add keeps that value instead "
                         "of the policy (header.include_sub_domains.below_configured, "
                         "header.max_age.below_configured). Fix: remove that Header line and "
                         "let the module send the policy, or set HSTSMode enforce",
                         scope, d->args, hsts_tree_where(p, d), policy);
        }
        else if (d->first_child && !hsts_tree_is(d, "<VirtualHost")) {
            warn_header_sts(p, d->first_child, scope, policy);
        }
    }
}

/* Header lines that set STS where the module has a policy (issue 14): the
 * server config, then each vhost. Said once: in the real startup pass, or
 * under apachectl -t. */
static void check_header_lines(apr_pool_t *ptemp, server_rec *s_main)
{
    const hsts_dir_conf *main_dc = dir_conf_of(s_main->lookup_defaults);
    server_rec *s;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG
        && ap_state_query(AP_SQ_RUN_MODE) != AP_SQ_RM_CONFIG_TEST) {
        return;
    }
    for (s = s_main; s; s = s->next) {
        const hsts_dir_conf *dc = dir_conf_of(s->lookup_defaults);
        const ap_directive_t *node = s->is_virtual ? hsts_tree_vhost_node(s) : NULL;

        if (node && dc && dc->policy && dc->effective_mode == HSTS_MODE_ADD) {
            warn_header_sts(ptemp, node->first_child,
                            apr_pstrcat(ptemp, "vhost ", hsts_vhost_label(ptemp, s), NULL),
                            dc->policy);
        }
    }
    if (main_dc && main_dc->policy && main_dc->effective_mode == HSTS_MODE_ADD) {
        warn_header_sts(ptemp, ap_conftree, "the server config", main_dc->policy);
    }
}

int hsts_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                      server_rec *s)
{
    (void)plog;
    (void)pconf;
    check_header_lines(ptemp, s);
    if (hsts_ramp_check_config(ptemp, s)) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (; s; s = s->next) {
        core_server_config *core = ap_get_core_module_config(s->module_config);

        if (check_scope(ptemp, s, NULL)
            || check_sections(ptemp, s, core->sec_dir)
            || check_sections(ptemp, s, core->sec_url)) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}
