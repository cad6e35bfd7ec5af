/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_audit: sets and verifies Strict-Transport-Security (RFC 6797),
 * audits the certificates TLS vhosts serve, and reports it all.
 *
 * This file is httpd glue only: the module record, the directive table and
 * hook/filter registration. The work is in src/ (see README.md, "Layout").
 */
#define HSTS_DECLARING_MODULE
#include "src/mod_hsts_private.h"

#include <http_protocol.h>
#include <http_request.h>
#include <apr_optional_hooks.h>
#include <mod_ssl_openssl.h>

static const command_rec hsts_cmds[] = {
    AP_INIT_TAKE1("HSTSMaxAge", hsts_cmd_max_age, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                  "max-age of the policy: seconds, or a number with a unit "
                  "s m h d w y (1y = 31536000)"),
    AP_INIT_FLAG("HSTSIncludeSubDomains", hsts_cmd_include_subdomains, NULL,
                 RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                 "On to add includeSubDomains to the policy"),
    AP_INIT_FLAG("HSTSPreload", hsts_cmd_preload, NULL,
                 RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                 "On to add preload (needs max-age >= 1y and includeSubDomains)"),
    AP_INIT_TAKE1("HSTSMode", hsts_cmd_mode, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                  "off | report | add | enforce"),
    AP_INIT_TAKE1("HSTSGuard", hsts_cmd_guard, NULL, RSRC_CONF,
                  "off | warn | withhold: what to do about an HSTS lock-out risk"),
    AP_INIT_TAKE1("HSTSCertWarnDays", hsts_cmd_cert_warn_days, NULL, RSRC_CONF,
                  "days before expiry that certificates get *.expiring_soon (default 30)"),
    AP_INIT_TAKE12("HSTSTrustedCA", hsts_cmd_trusted_ca, NULL, RSRC_CONF,
                   "FILE [public|private]: PEM bundle of the roots the certificate audit "
                   "trusts (default: the system CA bundle, public); a file is private "
                   "unless marked public"),
    AP_INIT_TAKE1("HSTSClientCert", hsts_cmd_client_cert, NULL, RSRC_CONF | ACCESS_CONF,
                  "off | report | require: mutual-TLS verdicts on client certificates "
                  "(495/496; needs SSLVerifyClient optional or optional_no_ca)"),
    AP_INIT_TAKE2("HSTSClientCertStatus", hsts_cmd_client_cert_status, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "statuses (4xx) for a failed and for a missing client certificate "
                  "(default 495 496)"),
    AP_INIT_TAKE1("HSTSCertCheckInterval", hsts_cmd_check_interval, NULL, RSRC_CONF,
                  "how often the certificates of every TLS vhost are audited again "
                  "while the server runs: a duration >= 10s, or off (default 1h)"),
    AP_INIT_TAKE_ARGV("HSTSMaxAgeRamp", hsts_cmd_max_age_ramp, NULL, RSRC_CONF,
                      "the max-age steps, shortest first, e.g. 5m 1d 1w 30d 1y: each is "
                      "served until a hold with nothing wrong has passed (in place of "
                      "HSTSMaxAge)"),
    AP_INIT_TAKE1("HSTSRampHold", hsts_cmd_ramp_hold, NULL, RSRC_CONF,
                  "how long each ramp step must be served with nothing wrong before the "
                  "next (default: the step's own max-age)"),
    AP_INIT_TAKE1("HSTSStateDir", hsts_cmd_state_dir, NULL, RSRC_CONF,
                  "where the max-age ramps keep their state (default hsts_audit under "
                  "ServerRoot)"),
    AP_INIT_FLAG("HSTSSelfCheck", hsts_cmd_self_check, NULL, RSRC_CONF,
                 "On to check the vhost as hstspreload.org does, from the watch (default: "
                 "on with HSTSPreload On or HSTSMaxAgeRamp)"),
    AP_INIT_TAKE1("HSTSRecentFindings", hsts_cmd_recent_findings, NULL, RSRC_CONF,
                  "entries in the shared ring of recent findings (default 64)"),
    { NULL }
};

static void hsts_register_hooks(apr_pool_t *p)
{
    static const char *const after_ssl[] = { "mod_ssl.c", NULL };

    (void)p;
    hsts_filter_register();
    ap_hook_check_config(hsts_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(hsts_post_config, after_ssl, NULL, APR_HOOK_MIDDLE);
    ap_hook_test_config(hsts_certs_test_config, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ssl, init_server, hsts_ssl_init_server, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_filter(hsts_insert_filter, NULL, NULL, APR_HOOK_LAST);
    ap_hook_insert_error_filter(hsts_insert_filter, NULL, NULL, APR_HOOK_LAST);
    hsts_status_register_hooks(p);
    hsts_client_cert_register_hooks(p);
}

AP_DECLARE_MODULE(hsts_audit) = {
    STANDARD20_MODULE_STUFF,
    hsts_create_dir_config,
    hsts_merge_dir_config,
    hsts_create_srv_config,
    hsts_merge_srv_config,
    hsts_cmds,
    hsts_register_hooks,
    /* every vhost gets a merged server record of its own (its counter set,
     * name, TLS flag, certificate report), as mod_ssl and mod_md have it */
    AP_MODULE_FLAG_ALWAYS_MERGE
};
