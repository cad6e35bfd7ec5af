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
#include <apr_hash.h>

#include "hsts_cert.h"
#include "hsts_conf.h"
#include "hsts_stats.h"

extern module AP_MODULE_DECLARE_DATA hsts_audit_module;

/* mod_hsts_audit.c declares the module (AP_DECLARE_MODULE does this there). */
#ifndef HSTS_DECLARING_MODULE
APLOG_USE_MODULE(hsts_audit);
#endif

/* Error-log message numbers: "HSTS" + 5 digits, like httpd's APLOGNO (whose
 * "AH" prefix is httpd's own). docs/log-messages.md lists them all; the next
 * free number is kept there. */
#define HSTSLOGNO(n) "HSTS" #n ": "

/* The request notes for access logs (design.md section 3): "%{hsts-audit}n"... */
#define HSTS_NOTE_FINDINGS "hsts-audit"
#define HSTS_NOTE_ACTION "hsts-audit-action"
#define HSTS_NOTE_MAX_AGE "hsts-audit-max-age"
#define HSTS_NOTE_CLIENT_CERT "hsts-audit-client-cert"

/* The name the output filter and error filter are registered under. */
#define HSTS_FILTER_NAME "HSTS_AUDIT"

/* What every vhost shares at run time; built in post_config, read-only
 * afterwards (the counters live in shared memory behind stats). */
typedef struct hsts_runtime {
    hsts_stats_t *stats;         /* the shared statistics area */
    apr_hash_t *https_hosts;     /* lower-case names of TLS vhosts with a policy */
    apr_hash_t *tls_targets;     /* lower-case host names -> the certificate served for
                                    them (mod_hsts_targets.c), NULL without TLS */
    apr_uint32_t n_vhosts;
} hsts_runtime;

/* HSTSGuard */
typedef enum { HSTS_GUARD_OFF = 0, HSTS_GUARD_WARN, HSTS_GUARD_WITHHOLD } hsts_guard_e;

/* The per-server (server config and <VirtualHost>) record. */
typedef struct hsts_srv_conf {
    int recent_findings;         /* HSTSRecentFindings (main server), or HSTS_UNSET */
    int guard;                   /* HSTSGuard (hsts_guard_e), or HSTS_UNSET (= warn) */
    int cert_warn_days;          /* HSTSCertWarnDays, or HSTS_UNSET (= 30) */
    const char *trusted_ca;      /* HSTSTrustedCA (absolute path), NULL = the system CA bundle */
    int trusted_ca_public;       /* HSTSTrustedCA ... public (with trusted_ca; the
                                    system CA bundle is always public) */
    apr_int64_t check_interval;  /* HSTSCertCheckInterval (main server): seconds, 0 off,
                                    or HSTS_UNSET (= HSTS_CHECK_INTERVAL_DEFAULT) */
    apr_int64_t ramp_hold;       /* HSTSRampHold in seconds, or HSTS_UNSET (each step's
                                    own max-age) */
    const char *state_dir;       /* HSTSStateDir (main server; absolute), or NULL (=
                                    hsts_audit under ServerRoot) */
    int self_check;              /* HSTSSelfCheck 0/1, or HSTS_UNSET (design.md 5c) */
    /* The self-check (mod_hsts_selfcheck.c), set at startup: */
    int self_checks;             /* this vhost checks itself in the watch */
    int self_check_www;          /* ...and www.<ServerName> too: this server serves it */
    apr_array_header_t *self_check_map; /* curl --connect-to entries (const char *):
                                    every name this server serves, to its own address */
    /* The ramp (mod_hsts_ramp.c), set at startup: */
    const hsts_ramp_t *ramp;     /* the vhost's HSTSMaxAgeRamp (its defaults' record,
                                    mode not off), or NULL */
    const char *ramp_file;       /* its state file in HSTSStateDir */
    /* ...and then the watchdog's thread only (each process has its copy): */
    int ramp_dirty;              /* the state file is to be written (again) */
    hsts_findings_t ramp_wrong;  /* what held it at the last decision (logged once) */
    int ramp_counted;            /* ramp_seen holds a count */
    apr_uint64_t ramp_seen[HSTS_F_COUNT]; /* the vhost's findings counters then */
    /* Set at startup: */
    const hsts_cert_report_t *cert; /* the startup audit of the served chain, or NULL:
                                    its facts (subject, names, notAfter) hold until
                                    the next restart; its findings are the startup
                                    ones (the current ones are in the shared area) */
    X509 *served_leaf;           /* the certificate mod_ssl serves (a reference), or NULL */
    STACK_OF(X509) *served_chain;/* and the chain after it (references), or NULL */
    apr_array_header_t *cert_files; /* the vhost's SSLCertificateFile entries
                                    (hsts_cert_file_t), which the watch compares with
                                    served_leaf, or NULL */
    int cert_file_unreadable_logged; /* the watch said it cannot read one (its thread only) */
    int is_tls;                  /* mod_ssl set up an SSL_CTX for this vhost */
    int stapling;                /* SSLUseStapling on for it (read from the configuration
                                    tree once, at its first audit), -1 before */
    int cc_use;                  /* HSTSClientCert in some scope of this vhost:
                                    HSTS_CLIENT_CERT_OFF (0) none, _REPORT report
                                    only, _REQUIRE require in some scope; set in
                                    check_config */
    int cc_any;                  /* some vhost of the server uses HSTSClientCert
                                    (the same in every record) */
    struct hsts_cc_sessions *cc_sessions; /* the accepted TLS sessions, shared by
                                    the children (the same in every record) */
    apr_uint32_t vhost_index;    /* this vhost's counter set (1..n) */
    const char *name;            /* "host:port", as the status page shows it */
    hsts_runtime *rt;            /* shared by all vhosts */
} hsts_srv_conf;

#define HSTS_RECENT_FINDINGS_DEFAULT 64
#define HSTS_CHECK_INTERVAL_DEFAULT 3600   /* seconds: HSTSCertCheckInterval 1h */
#define HSTS_CHECK_INTERVAL_MIN 10         /* seconds */

static APR_INLINE hsts_srv_conf *hsts_srv_conf_of(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &hsts_audit_module);
}

/* mod_hsts_config.c: per-directory records, directives, startup checks. */
/* "file:line" of the directive being read (from cmd->pool), NULL outside a file. */
const char *hsts_directive_at(cmd_parms *cmd);
void *hsts_create_srv_config(apr_pool_t *p, server_rec *s);
void *hsts_merge_srv_config(apr_pool_t *p, void *base, void *add);
const char *hsts_cmd_recent_findings(cmd_parms *cmd, void *dconf, const char *arg);
const char *hsts_cmd_guard(cmd_parms *cmd, void *dconf, const char *arg);
const char *hsts_cmd_cert_warn_days(cmd_parms *cmd, void *dconf, const char *arg);
const char *hsts_cmd_trusted_ca(cmd_parms *cmd, void *dconf, const char *arg,
                                const char *kind);
/* HSTSTrustedCA's second argument: 1 public, 0 private (also when absent), -1 invalid. */
int hsts_trusted_ca_kind(const char *kind);
int hsts_srv_guard(const hsts_srv_conf *sc);
int hsts_srv_cert_warn_days(const hsts_srv_conf *sc);
const char *hsts_cmd_check_interval(cmd_parms *cmd, void *dconf, const char *arg);
/* The watch's interval in seconds (0: off), from the main server's record. */
apr_int64_t hsts_srv_check_interval(const hsts_srv_conf *main_sc);
void *hsts_create_dir_config(apr_pool_t *p, char *dir);
void *hsts_merge_dir_config(apr_pool_t *p, void *base, void *add);
const char *hsts_cmd_max_age(cmd_parms *cmd, void *dconf, const char *arg);
const char *hsts_cmd_include_subdomains(cmd_parms *cmd, void *dconf, int flag);
const char *hsts_cmd_preload(cmd_parms *cmd, void *dconf, int flag);
const char *hsts_cmd_mode(cmd_parms *cmd, void *dconf, const char *arg);
const char *hsts_cmd_client_cert(cmd_parms *cmd, void *dconf, const char *arg);
const char *hsts_cmd_client_cert_status(cmd_parms *cmd, void *dconf, const char *error,
                                        const char *missing);
int hsts_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                      server_rec *s);

/* mod_hsts_runtime.c: startup work (vhost table, shared statistics). */
int hsts_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                     server_rec *s);
/* The port of a vhost's first address (its ServerName's port where the
 * address has none, e.g. <VirtualHost *>), as error messages name it. */
apr_port_t hsts_vhost_port(const server_rec *s);
/* "host:port" of a vhost (ServerName, or "*"; hsts_vhost_port), from p, as
 * startup messages and the status page name it. */
const char *hsts_vhost_label(apr_pool_t *p, const server_rec *s);
struct ssl_ctx_st;
int hsts_ssl_init_server(server_rec *s, apr_pool_t *p, int is_proxy,
                         struct ssl_ctx_st *ssl_ctx);

/* mod_hsts_certs.c: the certificate audit of each TLS vhost and the guard. */
void hsts_certs_audit_ctx(server_rec *s, apr_pool_t *p, struct ssl_ctx_st *ssl_ctx);
void hsts_certs_post_config(apr_pool_t *pconf, server_rec *s_main);
void hsts_certs_test_config(apr_pool_t *pconf, server_rec *s_main);
/* One round of the audit over all vhosts (entry i: the vhost with
 * vhost_index i + 1, the order of the server_rec chain). */
typedef struct {
    const hsts_cert_report_t *cert; /* this round's audit of the served chain, or NULL */
    apr_array_header_t *unsafe;     /* guard.subdomain_not_https names (const char *) */
    int withhold;                   /* HSTSGuard withhold stops the vhost's STS */
    hsts_findings_t extra;          /* problems of the self-check and the ramp */
    hsts_findings_t extra_errors;   /* those of extra that are errors this time, and */
    hsts_findings_t extra_warnings; /* those that are warnings (else: the table's) */
    const char *held_by;            /* ramp.held: the codes that held it, or NULL */
    hsts_preload_verdict_e preload; /* the self-check's verdict */
    apr_time_t self_checked;        /* when it ran (0: not this round: keep the last) */
    const char *self_check;         /* its details ("code detail" lines), or NULL */
} hsts_audit_round_t;
/* The served chain of s audited again at `now` (from p), NULL when s serves none. */
hsts_cert_report_t *hsts_certs_audit_served(apr_pool_t *p, server_rec *s, apr_time_t now);
/* The guard over a round whose certs are set: fills unsafe and withhold of
 * the n entries; log: the startup lines HSTS00021/00022. */
void hsts_certs_guard(apr_pool_t *p, server_rec *s_main, hsts_audit_round_t *round, int n,
                      int log);
/* What a problem's log line and the status page say after its summary: the
 * names not covered, OpenSSL's reason (verify_error when given: the current
 * one), the algorithm, or notAfter and the days left at now (from p). */
const char *hsts_certs_detail(apr_pool_t *p, const hsts_cert_report_t *cert,
                              hsts_finding_e f, const char *verify_error, apr_time_t now);

/* mod_hsts_targets.c: for redirects.https.target_cert_invalid, which
 * certificate this server serves for each of its names (built in
 * post_config), and the audit's target_cert_ok callback (baton: the
 * hsts_runtime): 1 covered and passing now, 0 not, -1 not a name here. */
void hsts_targets_build(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s_main);
int hsts_target_cert_ok(void *baton, const char *host, apr_size_t len);

/* mod_hsts_watch.c: the watch (design.md section 5a). */
/* One SSLCertificateFile of a vhost as the watch last found it; written by
 * the watchdog's thread only (each process has its own copy). */
typedef struct {
    const char *path;
    apr_time_t mtime;            /* what apr_stat said at the last comparison */
    apr_off_t size;
    apr_ino_t inode;
    apr_dev_t device;
    int seen;                    /* those are known */
    int verdict;                 /* 1 it starts with the served leaf, 0 with another, -1 unreadable */
} hsts_cert_file_t;
/* Put a round's problems into the shared area (first-seen times kept) and
 * set the time of the last check. log 1, a run of the watch: one line per
 * problem that appeared (HSTS00048) or cleared (HSTS00049) and per withhold
 * change (HSTS00050); log 0, the startup audit: quiet, and the self-check's
 * and the ramp's last results are kept (the watch has not run them yet). */
void hsts_watch_publish(server_rec *s_main, apr_pool_t *p, const hsts_audit_round_t *round,
                        int n, apr_time_t now, int log);
/* post_config: the certificate files of each vhost, and the watchdog
 * callback every HSTSCertCheckInterval (unless off). */
void hsts_watch_start(apr_pool_t *pconf, server_rec *s_main);
/* The vhost's record of current problems in the shared area, or NULL
 * before post_config. */
hsts_problems_t *hsts_srv_problems(const hsts_srv_conf *sc);
/* Whether HSTSGuard withhold stops the vhost's STS now (one atomic load). */
int hsts_srv_withhold(const hsts_srv_conf *sc);

/* mod_hsts_ramp.c: the max-age ramp (design.md 5b). */
const char *hsts_cmd_max_age_ramp(cmd_parms *cmd, void *dconf, int argc, char *const argv[]);
const char *hsts_cmd_ramp_hold(cmd_parms *cmd, void *dconf, const char *arg);
const char *hsts_cmd_state_dir(cmd_parms *cmd, void *dconf, const char *arg);
const char *hsts_cmd_self_check(cmd_parms *cmd, void *dconf, int flag);
/* check_config: a ramp needs the watch (HSTSCertCheckInterval not off);
 * nonzero (logged, HSTS00055) when it cannot work. */
int hsts_ramp_check_config(apr_pool_t *ptemp, server_rec *s_main);
/* post_config: the state directory, each vhost's state read and published. */
void hsts_ramp_start(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s_main);
/* One decision per ramp vhost after a watch round, before it is published:
 * adds ramp.held (and its detail) to the round entry of a held vhost. */
void hsts_ramp_round(server_rec *s_main, apr_pool_t *p, hsts_audit_round_t *round, int n,
                     apr_time_t now);
/* The step a response of sc serves (one atomic load of shared memory). */
int hsts_srv_ramp_step(const hsts_srv_conf *sc, const hsts_ramp_t *ramp);
/* A consistent copy of sc's ramp state; 0 when it has none. */
int hsts_srv_ramp_state(const hsts_srv_conf *sc, hsts_ramp_state_t *out);

/* mod_hsts_selfcheck.c: the self-check and preload standing (design.md 5c). */
/* post_config: which vhosts check themselves, and the map to this server's
 * own addresses. */
void hsts_selfcheck_start(apr_pool_t *pconf, server_rec *s_main);
/* Each watch run, before the ramp: the self-check of each such vhost into
 * its round entry (problems with hstspreload's severities, the verdict). */
void hsts_selfcheck_round(server_rec *s_main, apr_pool_t *p, hsts_audit_round_t *round,
                          int n, apr_time_t now);

/* mod_hsts_status.c: the hsts-audit-status handler and the mod_status section. */
void hsts_status_register_hooks(apr_pool_t *p);

/* mod_hsts_client_cert_*.c: mutual-TLS verdicts (495/496, design.md section 6;
 * the files' own header is mod_hsts_client_cert.h). */
void hsts_client_cert_register_hooks(apr_pool_t *p);
int hsts_client_cert_init_server(server_rec *s, apr_pool_t *p, struct ssl_ctx_st *ssl_ctx);

/* mod_hsts_conftree.c: reading mod_ssl's settings from the configuration tree
 * (ap_conftree), for checks made before mod_ssl has set anything up
 * (check_config, apachectl -t); mod_ssl's own records are private. */
/* d's directive is name (ASCII case-insensitive; "<VirtualHost" for a section). */
int hsts_tree_is(const ap_directive_t *d, const char *name);
/* d is <IfModule>, <IfDefine>, <IfFile> or <IfVersion> with children: what is
 * inside belongs to the level d stands in. */
int hsts_tree_is_conditional(const ap_directive_t *d);
/* The first word of d's arguments (from p), "" when it has none. */
const char *hsts_tree_arg(apr_pool_t *p, const ap_directive_t *d);
/* The <VirtualHost> node that defined s (by file and line), NULL for the main
 * server or when the tree is gone (after startup). An index built once per
 * configuration pass (pconf userdata) makes it a hash lookup: call it in the
 * configuration phase only (it may allocate from pconf). */
const ap_directive_t *hsts_tree_vhost_node(const server_rec *s);
/* An SSLEngine directive that turns TLS on for its level: not "off" and not
 * "optional" (RFC 2817 upgrade, whose requests start in plain HTTP). */
int hsts_tree_engine_on(apr_pool_t *p, const ap_directive_t *engine);
/* "file:line" of d, from p. */
const char *hsts_tree_where(apr_pool_t *p, const ap_directive_t *d);
/* The last On/Off of a flag directive (e.g. SSLUseStapling) among first and
 * its siblings, inside conditional sections too: 1 on, 0 off, -1 not set. */
int hsts_tree_flag(apr_pool_t *p, const ap_directive_t *first, const char *name);
/* mod_ssl's SSLUseStapling for a vhost as mod_ssl merges it: its
 * <VirtualHost> block's, else the server config's; 0 when neither sets it. */
int hsts_tree_stapling(apr_pool_t *p, const server_rec *s);

/* mod_hsts_filter.c: the output filter that sets and removes STS. */
void hsts_filter_register(void);
void hsts_insert_filter(request_rec *r);

/* mod_hsts_findings.c: the findings of one request: counted (server and
 * vhost), added to the ring of recent findings (r->hostname, path), and for
 * each finding that hsts_stats_may_log() lets through this minute, one
 * error-log line written by log_one(r, sc, info, baton). Needs sc->rt. */
#include "hsts_findings.h"
typedef void hsts_log_finding_fn(request_rec *r, const hsts_srv_conf *sc,
                                 const hsts_finding_info_t *info, void *baton);
void hsts_record_findings(request_rec *r, const hsts_srv_conf *sc, hsts_findings_t findings,
                          const char *path, hsts_log_finding_fn *log_one, void *baton);

/* Request or certificate data for an error-log line: "-" for NULL, else s
 * clipped to HSTS_LOG_ITEM_MAX bytes and "..." (from p). httpd's error log
 * escapes the whole message itself (control characters as \xHH, quotes and
 * backslashes), so nothing is escaped here: that would escape twice. With
 * each byte at most 4 after escaping, a few clipped items keep a line well
 * under 2,000 bytes. */
#define HSTS_LOG_ITEM_MAX 100
const char *hsts_log_item(apr_pool_t *p, const char *s);

#endif /* MOD_HSTS_PRIVATE_H */
