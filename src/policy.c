/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * policy.c: the add/enforce decision (design.md section 2, HSTSMode;
 * RFC 6797 §7.2 for plain HTTP, §8.1 for "only the first field counts").
 */
#include "hsts_policy.h"

static hsts_action_e decide_https(hsts_mode_e mode, const hsts_response_sts_t *resp)
{
    if (resp->withhold) {
        return HSTS_ACTION_WITHHELD;
    }
    if (resp->n_fields == 0) {
        return HSTS_ACTION_ADDED;
    }
    if (resp->n_fields == 1) {
        if (mode == HSTS_MODE_ADD && resp->first_valid) {
            return HSTS_ACTION_KEPT;
        }
        if (mode == HSTS_MODE_ENFORCE && resp->first_is_policy) {
            return HSTS_ACTION_KEPT;
        }
    }
    return HSTS_ACTION_REPLACED;
}

hsts_action_e hsts_policy_decide(hsts_mode_e mode, int has_policy,
                                 const hsts_response_sts_t *resp)
{
    if (mode != HSTS_MODE_ADD && mode != HSTS_MODE_ENFORCE) {
        return HSTS_ACTION_NONE;
    }
    if (!resp->is_https) {
        return resp->n_fields ? HSTS_ACTION_REMOVED : HSTS_ACTION_NONE;
    }
    if (!has_policy) {
        return HSTS_ACTION_NONE;
    }
    return decide_https(mode, resp);
}

const char *hsts_action_name(hsts_action_e action)
{
    switch (action) {
    case HSTS_ACTION_ADDED:    return "added";
    case HSTS_ACTION_KEPT:     return "kept";
    case HSTS_ACTION_REPLACED: return "replaced";
    case HSTS_ACTION_REMOVED:  return "removed";
    case HSTS_ACTION_WITHHELD: return "withheld";
    default:                   return "none";
    }
}
