/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_private.h: what the httpd glue files share (mod_hsts_audit.c,
 * src/mod_hsts_*.c). These files are the only ones that see httpd types;
 * the core (include/, src/ without the mod_ prefix) knows nothing of them.
 */
#ifndef MOD_HSTS_PRIVATE_H
#define MOD_HSTS_PRIVATE_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <util_filter.h>

#include "hsts_conf.h"

extern module AP_MODULE_DECLARE_DATA hsts_audit_module;

/* mod_hsts_audit.c declares the module (AP_DECLARE_MODULE does this there). */
#ifndef HSTS_DECLARING_MODULE
APLOG_USE_MODULE(hsts_audit);
#endif

/* Error-log message numbers: "HSTS" + 5 digits, like httpd's APLOGNO (whose
 * "AH" prefix is httpd's own). docs/log-messages.md lists them all; the next
 * free number is kept there. */
#define HSTSLOGNO(n) "HSTS" #n ": "

/* The name the output filter and error filter are registered under. */
#define HSTS_FILTER_NAME "HSTS_AUDIT"

/* mod_hsts_config.c: per-directory records, directives, startup checks. */
void *hsts_create_dir_config(apr_pool_t *p, char *dir);
void *hsts_merge_dir_config(apr_pool_t *p, void *base, void *add);
const char *hsts_cmd_max_age(cmd_parms *cmd, void *dconf, const char *arg);
const char *hsts_cmd_include_subdomains(cmd_parms *cmd, void *dconf, int flag);
const char *hsts_cmd_preload(cmd_parms *cmd, void *dconf, int flag);
const char *hsts_cmd_mode(cmd_parms *cmd, void *dconf, const char *arg);
int hsts_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                      server_rec *s);

/* mod_hsts_filter.c: the output filter that sets and removes STS. */
void hsts_filter_register(void);
void hsts_insert_filter(request_rec *r);

#endif /* MOD_HSTS_PRIVATE_H */
