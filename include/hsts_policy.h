/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_policy.h: what happens to the Strict-Transport-Security fields of one
 * response, given the scope's mode and policy (design.md section 2, HSTSMode).
 */
#ifndef HSTS_POLICY_H
#define HSTS_POLICY_H

#include <apr.h>
#include "hsts_conf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The note hsts-audit-action (design.md section 3). */
typedef enum {
    HSTS_ACTION_NONE = 0,  /**< response left as it was */
    HSTS_ACTION_ADDED,     /**< no STS: the policy was added */
    HSTS_ACTION_KEPT,      /**< the response's own STS stays */
    HSTS_ACTION_REPLACED,  /**< invalid, several, or (enforce) other STS replaced by the policy */
    HSTS_ACTION_REMOVED,   /**< STS removed from a plain-HTTP response (RFC 6797 §7.2) */
    HSTS_ACTION_WITHHELD   /**< HSTSGuard withhold: no STS while a lock-out risk stands */
} hsts_action_e;

/** The STS fields a response carries when the module looks at it. */
typedef struct {
    int is_https;               /**< the connection (or HTTP/2 master) is TLS */
    unsigned n_fields;          /**< how many Strict-Transport-Security fields */
    int first_valid;            /**< Chromium accepts the first field */
    int first_is_policy;        /**< the first field equals the policy byte for byte */
    int withhold;               /**< HSTSGuard withhold is in force for this vhost */
} hsts_response_sts_t;

/**
 * Decide what to do with a response's STS fields (design.md section 2):
 * off/report never change anything; add/enforce remove STS from plain HTTP;
 * add keeps one valid field and replaces an invalid one or several; enforce
 * leaves exactly the policy; withhold removes STS in add/enforce.
 * @param mode        the scope's effective HSTSMode
 * @param has_policy  the scope has a policy (HSTSMaxAge set)
 * @param resp        the response's fields
 * @return the action; the caller edits the headers accordingly (ADDED and
 *         REPLACED: exactly one field, the policy; REMOVED and WITHHELD: none)
 */
hsts_action_e hsts_policy_decide(hsts_mode_e mode, int has_policy,
                                 const hsts_response_sts_t *resp);

/**
 * The action as the note hsts-audit-action spells it ("none", "added",
 * "kept", "replaced", "removed", "withheld"); a static string.
 */
const char *hsts_action_name(hsts_action_e action);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_POLICY_H */
