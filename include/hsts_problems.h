/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_problems.h: the current problems of one vhost (design.md sections 4
 * and 5a), kept in the shared statistics area next to its counters.
 *
 * A problem (cert.*, guard.*) is a condition, not an event: it stands from
 * the audit that first saw it until the audit that no longer does, and
 * every status format shows it with that first-seen time. One writer at a
 * time sets a vhost's problems (the startup audit in the parent, then the
 * watch, a mod_watchdog singleton in one child); every child reads them.
 * The writer claims the record by making its sequence number odd with a
 * compare-and-swap (a second writer finds it odd or loses the swap and
 * leaves the record alone) and makes it even again when done; a reader
 * copies the record and keeps the copy only if the sequence number was the
 * same even value before and after (a seqlock). The withhold flag is also
 * readable on its own with one atomic load, which is all a response costs.
 */
#ifndef HSTS_PROBLEMS_H
#define HSTS_PROBLEMS_H

#include <apr.h>
#include <apr_time.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "hsts_findings.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HSTS_PROBLEM_NAMES_LEN 256   /**< bytes kept of the guard's names (with NUL) */
#define HSTS_PROBLEM_DETAIL_LEN 128  /**< bytes kept of the verification error (with NUL) */
#define HSTS_SELF_CHECK_TEXT_LEN 640 /**< bytes kept of the self-check's details (with NUL) */

/** The preload standing a self-check gave (design.md section 5c). */
typedef enum {
    HSTS_PRELOAD_NONE = 0,           /**< no verdict: not checked, or the vhost sends no preload */
    HSTS_PRELOAD_ELIGIBLE,           /**< hstspreload's checks pass */
    HSTS_PRELOAD_AT_RISK,            /**< one fails: the codes say which */
    HSTS_PRELOAD_UNKNOWN             /**< the server could not ask itself (self_check says why) */
} hsts_preload_verdict_e;

/** One vhost's problems, in shared memory. */
typedef struct {
    volatile apr_uint32_t seq;       /**< odd while a writer writes; 0: never written */
    volatile apr_uint32_t withhold;  /**< 1 while HSTSGuard withhold stops this vhost's STS */
    hsts_findings_t problems;        /**< the problems that stand (hsts_finding_is_problem) */
    hsts_findings_t warnings;        /**< those of them that are warnings this time though
                                          the table says error (cert.chain_expiring before
                                          the intermediate has expired) */
    apr_time_t checked;              /**< when the audit last ran for this vhost */
    apr_time_t since[HSTS_F_COUNT];  /**< first seen, for each standing problem; else 0 */
    apr_uint32_t n_unsafe;           /**< guard.subdomain_not_https: how many names */
    char unsafe[HSTS_PROBLEM_NAMES_LEN]; /**< those names, space-separated; cut at a
                                          name, " ..." when more did not fit */
    char verify_error[HSTS_PROBLEM_DETAIL_LEN]; /**< OpenSSL's reason for
                                          cert.untrusted / cert.chain_incomplete, or "" */
    hsts_findings_t errors;          /**< problems that are errors this time though the
                                          table says warning (the self-check gives
                                          hstspreload's severities) */
    apr_uint32_t preload;            /**< hsts_preload_verdict_e */
    apr_time_t self_checked;         /**< when the self-check last ran, 0 never */
    /** The self-check's details: one line per failed code, "code S detail\n"
     *  (S: E error, W warning; codes not in the findings table too; and
     *  "not_followed N <urls>" for redirects to what this server does not
     *  serve), cut at a line; or why the verdict is unknown. */
    char self_check[HSTS_SELF_CHECK_TEXT_LEN];
} hsts_problems_t;

/** What an audit found for one vhost: the input of hsts_problems_publish(). */
typedef struct {
    hsts_findings_t problems;        /**< only problem codes are kept */
    hsts_findings_t warnings;        /**< see hsts_problems_t.warnings */
    int withhold;                    /**< HSTSGuard withhold stops STS */
    const char *const *unsafe;       /**< guard names (may be NULL when n_unsafe is 0) */
    int n_unsafe;
    const char *verify_error;        /**< or NULL */
    hsts_findings_t errors;          /**< see hsts_problems_t.errors */
    hsts_findings_t self_check_codes;/**< the self-check's codes kept as problems even
                                          where the table calls them events
                                          (redirects.http.no_redirect, ...) */
    hsts_preload_verdict_e preload;  /**< the self-check's verdict */
    apr_time_t self_checked;         /**< when it ran, 0 never */
    const char *self_check;          /**< its details (see hsts_problems_t), or NULL */
} hsts_problems_found_t;

/**
 * Replace a vhost's problems with what an audit found. A problem that was
 * standing keeps its first-seen time; a new one gets `now`.
 * @param slot      the vhost's record in shared memory
 * @param found     the audit's result (copied; strings truncated to fit)
 * @param now       the audit's time (apr_time_now())
 * @param appeared  out (may be NULL): problems that were not standing before
 * @param cleared   out (may be NULL): problems that stood and no longer do
 * @return APR_SUCCESS, or APR_EBUSY when another writer holds the record
 *         (nothing written; the outs are 0)
 */
apr_status_t hsts_problems_publish(hsts_problems_t *slot, const hsts_problems_found_t *found,
                                   apr_time_t now, hsts_findings_t *appeared,
                                   hsts_findings_t *cleared);

/**
 * A consistent copy of a vhost's problems (retried while a writer is busy,
 * a bounded number of times).
 * @param slot  the record (not modified; not const: read with atomic loads)
 * @param out   the copy; all zero (no problems) when no consistent copy
 *              could be made or the record was never written
 * @return 1 when out holds a consistent copy of a written record, else 0
 */
int hsts_problems_read(hsts_problems_t *slot, hsts_problems_t *out);

/**
 * The detail the self-check gave for a code: the rest of the line that
 * starts with "code S " in its text (hsts_problems_t.self_check).
 * @param p     pool for the result
 * @param text  the self-check's lines ("code S detail\n"), or NULL
 * @param code  a finding code
 * @return the detail (from p; untrusted bytes: escape to show), NULL when
 *         the text has no line for code
 */
const char *hsts_problems_self_check_detail(apr_pool_t *p, const char *text, const char *code);

/**
 * The codes of the self-check's text: the first word of each line, in order.
 * @param p            pool for the array and the strings
 * @param text         as above, or NULL
 * @param errors_only  1: only the lines of severity E
 * @return array of const char * (empty for NULL or "")
 */
apr_array_header_t *hsts_problems_self_check_codes(apr_pool_t *p, const char *text,
                                                   int errors_only);

/** Whether HSTSGuard withhold stops the vhost's STS now (one atomic load). */
int hsts_problems_withhold(hsts_problems_t *slot);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_PROBLEMS_H */
