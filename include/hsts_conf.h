/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_conf.h: the per-directory configuration record (server, vhost,
 * <Directory>/<Location>, .htaccess scopes) and its merge.
 *
 * Pure APR: httpd's create/merge callbacks wrap these, and the unit tests call
 * them directly. Every field has an "unset" value distinct from its default,
 * so an inner scope overrides only what it sets.
 */
#ifndef HSTS_CONF_H
#define HSTS_CONF_H

#include <apr_pools.h>

#include "hsts_findings.h"
#include "hsts_ramp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The "not set in this scope" value of int and apr_int64_t fields. */
#define HSTS_UNSET (-1)

/** HSTSMode (design.md section 2). */
typedef enum {
    HSTS_MODE_OFF = 0,     /**< the module does nothing in this scope */
    HSTS_MODE_REPORT,      /**< audit, count, log; never change a response */
    HSTS_MODE_ADD,         /**< add the policy where none (or an invalid one) is */
    HSTS_MODE_ENFORCE      /**< exactly the policy on every HTTPS response */
} hsts_mode_e;

/** One policy string with what goes with it (built at configuration time). */
typedef struct {
    apr_int64_t max_age;         /**< seconds */
    const char *policy;          /**< "max-age=N[; includeSubDomains][; preload]" */
    apr_size_t policy_len;       /**< strlen(policy) */
    const char *stored_max_age;  /**< min(max_age, 31536000) as decimal text (Chromium) */
} hsts_conf_policy_t;

/** One scope's settings, plus what hsts_conf_finish() derives from them. */
typedef struct hsts_dir_conf {
    int mode;                    /**< hsts_mode_e, or HSTS_UNSET */
    apr_int64_t max_age;         /**< HSTSMaxAge in seconds, or HSTS_UNSET */
    int include_subdomains;      /**< HSTSIncludeSubDomains 0/1, or HSTS_UNSET */
    int preload;                 /**< HSTSPreload 0/1, or HSTS_UNSET */
    /** HSTSMaxAgeRamp (server and vhost scopes; design.md 5b), or NULL. It
     *  takes the place of max_age: a scope that sets it has max_age unset,
     *  and an inner scope's HSTSMaxAge ends it there (merge). */
    const hsts_ramp_t *ramp;
    int client_cert;             /**< HSTSClientCert (hsts_client_cert_e), or HSTS_UNSET (= off) */
    int client_cert_status_error;   /**< HSTSClientCertStatus first value, or HSTS_UNSET (= 495) */
    int client_cert_status_missing; /**< HSTSClientCertStatus second value, or HSTS_UNSET (= 496) */
    /** Where the policy of this scope was last written: "file:line" of its
     *  last HSTSMaxAge, HSTSIncludeSubDomains, HSTSPreload or HSTSMode (set
     *  by the httpd glue, merged like a setting), or NULL; startup errors
     *  name it. */
    const char *set_at;

    /* Derived, never set by directives directly: */
    const char *policy;          /**< "max-age=N[; includeSubDomains][; preload]", NULL without max-age */
    apr_size_t policy_len;       /**< strlen(policy), 0 when NULL */
    /** Seconds a browser stores from the policy (Chromium: min(max-age,
     *  31536000)) as decimal text, for the hsts-audit-max-age note; "-" without one. */
    const char *stored_max_age;
    hsts_mode_e effective_mode;  /**< mode, or its default: add with max-age, else report */
    const char *problem;         /**< why this scope cannot start (static text), or NULL */
    /** HSTSPreload On with a policy the preload list refuses: the
     *  header.preloadable.* findings of the policy itself. Server config
     *  cannot start so (problem); a merged .htaccess scope can, and the
     *  filter reports these on each response it sends the policy with. */
    hsts_findings_t preload_findings;
    /** With a ramp: the policy of each step (ramp->n_steps entries); policy,
     *  policy_len and stored_max_age are then those of the first step. */
    const hsts_conf_policy_t *ramp_policies;
} hsts_dir_conf;

/**
 * A new record with every setting unset (effective mode report, no policy).
 * @param p  pool the record lives in (httpd: the configuration pool)
 * @return the record, never NULL (APR aborts on out-of-memory)
 */
hsts_dir_conf *hsts_dir_conf_create(apr_pool_t *p);

/**
 * Recompute the derived fields (policy, effective_mode, problem) from the
 * settings. Call after changing a setting; cheap, but it allocates the policy
 * string from p, so it belongs at configuration time.
 * @param p     pool for the policy string (the record's pool)
 * @param conf  record to update in place
 */
void hsts_conf_finish(apr_pool_t *p, hsts_dir_conf *conf);

/**
 * Merge two scopes: every setting of add that is set wins, the rest comes from
 * base. The derived policy string is shared with base or add when the merged
 * settings equal theirs, so a merge that changes no policy setting allocates
 * only the record.
 * @param p     pool of the result (httpd: the request pool for per-request merges)
 * @param base  outer scope, not modified
 * @param add   inner scope, not modified
 * @return the merged record, allocated from p
 */
hsts_dir_conf *hsts_dir_conf_merge(apr_pool_t *p, const hsts_dir_conf *base,
                                   const hsts_dir_conf *add);

/**
 * The policy a response of this scope serves: with a ramp, that of step
 * `step` (hsts_ramp_current(): one shared-memory read per response), else
 * the scope's one policy. Nothing is allocated.
 * @param conf  a finished record with a policy (conf->policy not NULL)
 * @param step  0-based step index; ignored without a ramp; out of range: the first
 * @param out   out: the policy, its length, the stored max-age, the max-age
 */
void hsts_conf_policy_at(const hsts_dir_conf *conf, int step, hsts_conf_policy_t *out);

/**
 * The name of a mode as HSTSMode spells it ("off", "report", "add", "enforce").
 * @return a static string; "unset" for HSTS_UNSET or an unknown value
 */
const char *hsts_mode_name(int mode);

/**
 * Parse an HSTSMode argument, ASCII case-insensitive.
 * @param arg   NUL-terminated text
 * @param mode  out: the mode; untouched on error
 * @return NULL on success, else a static message listing the accepted values
 */
const char *hsts_mode_parse(const char *arg, int *mode);

/**
 * Parse a whole non-negative decimal number, as directive values and CLI
 * options take them (HSTSCertWarnDays, HSTSRecentFindings, --warn-days) and
 * as mod_ssl prints SSL_CLIENT_V_REMAIN: ASCII digits only, no sign, no
 * space, at least one digit; overflow-safe.
 * @param s    NUL-terminated text, or NULL
 * @param max  the largest value accepted (0 or more)
 * @param out  out: the value; untouched on error
 * @return 1 on success, 0 when s is NULL or empty, holds anything but digits,
 *         or says more than max
 */
int hsts_parse_number(const char *s, apr_int64_t max, apr_int64_t *out);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_CONF_H */
