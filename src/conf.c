/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * conf.c: per-scope settings, their merge and what is derived from them
 * (design.md section 2; preload requirements of hstspreload.org).
 */
#include "hsts_conf.h"
#include "hsts_sts.h"

#include <apr_cstr.h>
#include <apr_strings.h>

#define PRELOAD_MAX_AGE_PROBLEM \
    "HSTSPreload On needs HSTSMaxAge of at least 31536000 seconds (1y) in the same " \
    "scope: the HSTS preload list (hstspreload.org) requires max-age >= 31536000"
#define PRELOAD_SUBDOMAINS_PROBLEM \
    "HSTSPreload On needs HSTSIncludeSubDomains On in the same scope: the HSTS " \
    "preload list (hstspreload.org) requires includeSubDomains"
#define NO_MAX_AGE_PROBLEM \
    "HSTSMode add and HSTSMode enforce need a policy: set HSTSMaxAge in this scope " \
    "or an enclosing one (e.g. HSTSMaxAge 1y)"

hsts_dir_conf *hsts_dir_conf_create(apr_pool_t *p)
{
    hsts_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->mode = HSTS_UNSET;
    conf->max_age = HSTS_UNSET;
    conf->include_subdomains = HSTS_UNSET;
    conf->preload = HSTS_UNSET;
    conf->client_cert = HSTS_UNSET;
    conf->client_cert_status_error = HSTS_UNSET;
    conf->client_cert_status_missing = HSTS_UNSET;
    conf->effective_mode = HSTS_MODE_REPORT;
    conf->stored_max_age = "-";
    return conf;
}

#define PRELOAD_RAMP_PROBLEM \
    "HSTSPreload On needs the last step of HSTSMaxAgeRamp to be at least 31536000 " \
    "seconds (1y): the HSTS preload list (hstspreload.org) requires max-age >= 31536000"

/* The max-age the scope ends at: the ramp's last step, else HSTSMaxAge
 * (HSTS_UNSET when neither). */
static apr_int64_t final_max_age(const hsts_dir_conf *conf)
{
    return conf->ramp ? conf->ramp->steps[conf->ramp->n_steps - 1] : conf->max_age;
}

static const char *find_problem(const hsts_dir_conf *conf)
{
    if (conf->preload == 1) {
        if (final_max_age(conf) < (apr_int64_t)HSTS_PRELOAD_MIN_MAX_AGE) {
            if (conf->ramp) {
                return PRELOAD_RAMP_PROBLEM;
            }
            return PRELOAD_MAX_AGE_PROBLEM;
        }
        if (conf->include_subdomains != 1) {
            return PRELOAD_SUBDOMAINS_PROBLEM;
        }
    }
    if ((conf->effective_mode == HSTS_MODE_ADD
         || conf->effective_mode == HSTS_MODE_ENFORCE) && !conf->policy) {
        return NO_MAX_AGE_PROBLEM;
    }
    return NULL;
}

/* The preload list's rules on the policy itself (hstspreload's
 * preloadable checks that the configuration decides). */
static hsts_findings_t preload_findings(const hsts_dir_conf *conf)
{
    hsts_findings_t set = 0;

    if (conf->preload != 1 || final_max_age(conf) == HSTS_UNSET) {
        return 0;
    }
    if (conf->include_subdomains != 1) {
        set |= HSTS_FINDING_BIT(HSTS_F_PRELOADABLE_INCLUDE_SUB_DOMAINS_MISSING);
    }
    if (final_max_age(conf) < (apr_int64_t)HSTS_PRELOAD_MIN_MAX_AGE) {
        set |= HSTS_FINDING_BIT(HSTS_F_PRELOADABLE_MAX_AGE_BELOW_1_YEAR);
    }
    return set;
}

static void derive_mode(hsts_dir_conf *conf)
{
    if (conf->mode != HSTS_UNSET) {
        conf->effective_mode = (hsts_mode_e)conf->mode;
    }
    else {
        conf->effective_mode = final_max_age(conf) != HSTS_UNSET ? HSTS_MODE_ADD
                                                                 : HSTS_MODE_REPORT;
    }
}

/* The policy of max_age with conf's includeSubDomains and preload, from p. */
static void build_policy(apr_pool_t *p, const hsts_dir_conf *conf, apr_int64_t max_age,
                         hsts_conf_policy_t *out)
{
    apr_int64_t stored = max_age < (apr_int64_t)HSTS_CHROMIUM_MAX_AGE_CAP
                         ? max_age : (apr_int64_t)HSTS_CHROMIUM_MAX_AGE_CAP;

    out->max_age = max_age;
    out->stored_max_age = apr_psprintf(p, "%" APR_INT64_T_FMT, stored);
    out->policy = apr_psprintf(p, "max-age=%" APR_INT64_T_FMT "%s%s", max_age,
                               conf->include_subdomains == 1 ? "; includeSubDomains" : "",
                               conf->preload == 1 ? "; preload" : "");
    out->policy_len = strlen(out->policy);
}

void hsts_conf_finish(apr_pool_t *p, hsts_dir_conf *conf)
{
    hsts_conf_policy_t one = { 0, NULL, 0, NULL };

    conf->policy = NULL;
    conf->policy_len = 0;
    conf->stored_max_age = "-";
    conf->ramp_policies = NULL;
    if (conf->ramp) {
        hsts_conf_policy_t *steps = apr_palloc(p, sizeof(*steps)
                                                  * (apr_size_t)conf->ramp->n_steps);
        int i;

        for (i = 0; i < conf->ramp->n_steps; i++) {
            build_policy(p, conf, conf->ramp->steps[i], &steps[i]);
        }
        conf->ramp_policies = steps;
        one = steps[0];
    }
    else if (conf->max_age != HSTS_UNSET) {
        build_policy(p, conf, conf->max_age, &one);
    }
    if (conf->ramp || conf->max_age != HSTS_UNSET) {
        conf->policy = one.policy;
        conf->policy_len = one.policy_len;
        conf->stored_max_age = one.stored_max_age;
    }
    derive_mode(conf);
    conf->problem = find_problem(conf);
    conf->preload_findings = preload_findings(conf);
}

static int same_policy_settings(const hsts_dir_conf *a, const hsts_dir_conf *b)
{
    return a->max_age == b->max_age && a->ramp == b->ramp
        && (a->include_subdomains == 1) == (b->include_subdomains == 1)
        && (a->preload == 1) == (b->preload == 1);
}

/* Reuse the strings of a record whose policy settings equal conf's. */
static void share_derived(hsts_dir_conf *conf, const hsts_dir_conf *from)
{
    conf->policy = from->policy;
    conf->policy_len = from->policy_len;
    conf->stored_max_age = from->stored_max_age;
    conf->ramp_policies = from->ramp_policies;
    derive_mode(conf);
    conf->problem = find_problem(conf);
    conf->preload_findings = from->preload_findings;
}

#define MERGE_FIELD(field) (add->field != HSTS_UNSET ? add->field : base->field)

hsts_dir_conf *hsts_dir_conf_merge(apr_pool_t *p, const hsts_dir_conf *base,
                                   const hsts_dir_conf *add)
{
    hsts_dir_conf *conf = apr_palloc(p, sizeof(*conf));

    conf->mode = MERGE_FIELD(mode);
    /* HSTSMaxAgeRamp and HSTSMaxAge take each other's place: the inner
     * scope's one wins, whichever it is. */
    conf->ramp = add->ramp ? add->ramp : add->max_age != HSTS_UNSET ? NULL : base->ramp;
    conf->max_age = add->ramp ? HSTS_UNSET : MERGE_FIELD(max_age);
    conf->include_subdomains = MERGE_FIELD(include_subdomains);
    conf->preload = MERGE_FIELD(preload);
    conf->client_cert = MERGE_FIELD(client_cert);
    conf->client_cert_status_error = MERGE_FIELD(client_cert_status_error);
    conf->client_cert_status_missing = MERGE_FIELD(client_cert_status_missing);
    conf->set_at = add->set_at ? add->set_at : base->set_at;

    if (same_policy_settings(conf, add)) {
        share_derived(conf, add);
    }
    else if (same_policy_settings(conf, base)) {
        share_derived(conf, base);
    }
    else {
        hsts_conf_finish(p, conf);
    }
    return conf;
}

void hsts_conf_policy_at(const hsts_dir_conf *conf, int step, hsts_conf_policy_t *out)
{
    if (conf->ramp_policies) {
        *out = conf->ramp_policies[step >= 0 && step < conf->ramp->n_steps ? step : 0];
        return;
    }
    out->max_age = conf->max_age;
    out->policy = conf->policy;
    out->policy_len = conf->policy_len;
    out->stored_max_age = conf->stored_max_age;
}

const char *hsts_mode_name(int mode)
{
    switch (mode) {
    case HSTS_MODE_OFF:     return "off";
    case HSTS_MODE_REPORT:  return "report";
    case HSTS_MODE_ADD:     return "add";
    case HSTS_MODE_ENFORCE: return "enforce";
    default:                return "unset";
    }
}

const char *hsts_mode_parse(const char *arg, int *mode)
{
    static const int modes[] = { HSTS_MODE_OFF, HSTS_MODE_REPORT,
                                 HSTS_MODE_ADD, HSTS_MODE_ENFORCE };
    apr_size_t i;

    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (arg && !apr_cstr_casecmp(arg, hsts_mode_name(modes[i]))) {
            *mode = modes[i];
            return NULL;
        }
    }
    return "must be one of off, report, add, enforce";
}

int hsts_parse_number(const char *s, apr_int64_t max, apr_int64_t *out)
{
    apr_int64_t v = 0;

    if (!s || !*s) {
        return 0;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (max - (*s - '0')) / 10) {
            return 0;
        }
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 1;
}
