/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * cmd_cert.c: `hsts-audit cert` (design.md section 8): the certificate
 * findings of section 5 for a served chain (PEM, leaf first, as in
 * SSLCertificateFile) and the host names it must cover.
 *
 *   hsts-audit cert --host NAME [--host NAME ...] [--ca-file FILE [--ca-public]]
 *                   [--warn-days N] [--stapling] [--json] CHAIN.pem
 *
 * Exit status: 0 no finding of severity error (warnings such as
 * cert.expiring_soon allowed), 1 at least one error finding, 2 usage error or
 * an unreadable/invalid CHAIN.pem or --ca-file.
 *
 * --json prints one object:
 *   file, subject, issuer (RFC 2253), not_before, not_after (ISO 8601, Z;
 *   null when unreadable), days_left (whole days, floor; negative once
 *   expired), names (SAN dNSName/iPAddress entries), hosts (as given),
 *   uncovered (the hosts not covered), chain_complete (bool), verify_error
 *   (OpenSSL's verify error text, null when the chain verifies),
 *   verify_error_code (X509_V_ERR_*, 0 when none), verify_depth (null when
 *   none), weak_signature (algorithm name or null), trusted_roots ("system"
 *   or the --ca-file path), trusted_roots_file (the bundle read: the
 *   --ca-file path or the system CA bundle file), public_roots (bool: the
 *   roots are public, so the public-root rules apply), root (the trust
 *   anchor the chain was built to, or null), public_root (bool),
 *   weak_key (or null), validity_days, sct_count (-1: malformed list),
 *   sct_required, must_staple (bool), stapling (bool, --stapling),
 *   expiring_intermediate (subject or null), distrust (text or null),
 *   warn_days, findings (codes, table order), finding_severity (object:
 *   code -> "error"/"warning", as this report has it), details (object:
 *   code -> detail as the startup log shows it), severity ("error",
 *   "warning" or "ok"), browser_errors (object: finding code -> "Chromium
 *   error / Firefox error"), fixes (object: code -> fix).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>

#include <openssl/x509.h>

#include "hsts_cert.h"
#include "hsts_duration.h"
#include "hsts_conf.h"
#include "hsts_escape.h"
#include "hsts_findings.h"

#define EXIT_OK 0
#define EXIT_FINDINGS 1
#define EXIT_USAGE 2

int hsts_cli_cert(apr_pool_t *p, int argc, const char *const *argv);

static const char cert_usage[] =
    "usage: hsts-audit cert --host NAME [--host NAME ...] [--ca-file FILE [--ca-public]]\n"
    "                       [--warn-days N] [--stapling] [--json] CHAIN.pem\n"
    "\n"
    "cert: audits a served certificate chain (PEM, leaf first, as in\n"
    "SSLCertificateFile) as mod_hsts_audit does at startup: validity window,\n"
    "coverage of every --host by the subjectAltName (ServerName, ServerAlias;\n"
    "wildcards per RFC 6125; the subject CN is never used), chain completeness\n"
    "against the trusted roots without fetching intermediates, expired\n"
    "intermediates, weak signatures and keys, EKU serverAuth, OCSP Must-Staple,\n"
    "and for public roots the lifetime, Certificate Transparency and distrusted CAs.\n"
    "--ca-file FILE: a PEM bundle of trusted roots, private unless --ca-public\n"
    "(default: the system CA bundle, public roots).\n"
    "--stapling: the vhost has SSLUseStapling on (else Must-Staple is a finding).\n"
    "--warn-days N: cert.expiring_soon within N days (default 30, as HSTSCertWarnDays).\n"
    "Exit status: 0 no error finding, 1 at least one error finding, 2 usage error\n"
    "or unreadable input.\n";

typedef struct {
    apr_array_header_t *hosts;     /* const char * */
    const char *ca_file;
    const char *chain_file;
    int warn_days;
    int ca_public;
    int stapling;
    int json;
} cert_opts_t;

static int usage_error(const char *fmt, const char *arg)
{
    fputs("hsts-audit cert: ", stderr);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", cert_usage);
    return EXIT_USAGE;
}

/* A non-negative decimal integer up to 1,000,000; -1 otherwise. */
static int parse_days(const char *s)
{
    apr_int64_t v = 0;

    return hsts_parse_number(s, 1000000, &v) ? (int)v : -1;
}

/* "--name VALUE" or "--name=VALUE": the value, advancing *i; NULL when the
 * argument is not this option; *missing when it is but has no value. */
static const char *option_value(const char *name, int argc, const char *const *argv, int *i,
                                int *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];

    if (strncmp(a, name, n) != 0) {
        return NULL;
    }
    if (a[n] == '=') {
        return a + n + 1;
    }
    if (a[n] != '\0') {
        return NULL;
    }
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

/* 0 on success, else the exit status (usage error, or 0 for --help). */
static int parse_args(apr_pool_t *p, int argc, const char *const *argv, cert_opts_t *o,
                      int *done)
{
    int i, end_of_options = 0;

    memset(o, 0, sizeof(*o));
    o->hosts = apr_array_make(p, 4, sizeof(const char *));
    o->warn_days = HSTS_CERT_WARN_DAYS_DEFAULT;
    *done = 0;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *v;
        int missing = 0;

        if (!end_of_options && a[0] == '-' && a[1] != '\0') {
            if (!strcmp(a, "--")) {
                end_of_options = 1;
            }
            else if (!strcmp(a, "--json")) {
                o->json = 1;
            }
            else if (!strcmp(a, "--ca-public")) {
                o->ca_public = 1;
            }
            else if (!strcmp(a, "--stapling")) {
                o->stapling = 1;
            }
            else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                fputs(cert_usage, stdout);
                *done = 1;
                return EXIT_OK;
            }
            else if ((v = option_value("--host", argc, argv, &i, &missing)) != NULL) {
                if (!*v) {
                    return usage_error("--host needs a non-empty name%s", "");
                }
                APR_ARRAY_PUSH(o->hosts, const char *) = v;
            }
            else if ((v = option_value("--ca-file", argc, argv, &i, &missing)) != NULL) {
                if (!*v) {
                    return usage_error("--ca-file needs a file name%s", "");
                }
                o->ca_file = v;
            }
            else if ((v = option_value("--warn-days", argc, argv, &i, &missing)) != NULL) {
                o->warn_days = parse_days(v);
                if (o->warn_days < 0) {
                    return usage_error("--warn-days: '%s' is not a non-negative whole "
                                       "number of days (0 to 1000000)", v);
                }
            }
            else if (missing) {
                return usage_error("%s needs a value", a);
            }
            else {
                return usage_error("unknown option %s", a);
            }
        }
        else if (o->chain_file) {
            return usage_error("one CHAIN.pem only (extra argument '%s')", a);
        }
        else {
            o->chain_file = a;
        }
    }
    if (!o->chain_file) {
        return usage_error("which certificate file? (CHAIN.pem)%s", "");
    }
    if (o->hosts->nelts == 0) {
        return usage_error("which host names must the certificate cover? "
                           "(--host NAME, repeatable)%s", "");
    }
    if (o->ca_public && !o->ca_file) {
        return usage_error("--ca-public marks a --ca-file as public roots (the system CA "
                           "bundle is public already)%s", "");
    }
    return EXIT_OK;
}

static const char *iso_time(apr_pool_t *p, apr_time_t t)
{
    char buf[HSTS_ISO8601_SIZE];

    return apr_pstrdup(p, hsts_iso8601(buf, t));
}

static const char *js(apr_pool_t *p, const char *s)
{
    return s ? hsts_json_string(p, s, strlen(s)) : "null";
}

static void print_json_array(apr_pool_t *p, const apr_array_header_t *a)
{
    int i;

    fputc('[', stdout);
    for (i = 0; i < a->nelts; i++) {
        printf("%s%s", i ? ", " : "", js(p, APR_ARRAY_IDX(a, i, const char *)));
    }
    fputc(']', stdout);
}

typedef enum { TEXT_BROWSERS, TEXT_FIX, TEXT_SEVERITY, TEXT_DETAIL } text_kind_e;

/* A JSON object code -> text for the report's findings: the browser errors,
 * the fixes, the severities or the details. */
static void print_json_finding_texts(apr_pool_t *p, const hsts_cert_report_t *r,
                                     text_kind_e kind, apr_time_t now)
{
    int i, first = 1;

    fputc('{', stdout);
    for (i = 0; i < HSTS_F_COUNT; i++) {
        const hsts_finding_info_t *f = hsts_finding_info((hsts_finding_e)i);
        const char *text = kind == TEXT_FIX ? f->fix
                           : kind == TEXT_BROWSERS ? f->browser_errors
                           : kind == TEXT_SEVERITY
                             ? hsts_severity_name(hsts_cert_finding_severity(r, (hsts_finding_e)i))
                             : hsts_cert_finding_detail(p, r, (hsts_finding_e)i, now);

        if ((r->findings & HSTS_FINDING_BIT(i)) && text) {
            printf("%s\"%s\": %s", first ? "" : ", ", f->code, js(p, text));
            first = 0;
        }
    }
    fputc('}', stdout);
}

static const char *severity_word(const hsts_cert_report_t *r)
{
    return r->findings ? hsts_severity_name(hsts_cert_severity(r)) : "ok";
}

static const char *roots_file(const cert_opts_t *o)
{
    return o->ca_file ? o->ca_file : hsts_cert_default_ca_file();
}

static const char *json_bool(int b)
{
    return b ? "true" : "false";
}

static void print_json(apr_pool_t *p, const cert_opts_t *o, const hsts_cert_report_t *r,
                       long days_left, apr_time_t now)
{
    int i, first = 1;

    printf("{\"file\": %s, \"subject\": %s, \"issuer\": %s, ", js(p, o->chain_file),
           js(p, r->subject), js(p, r->issuer));
    if (*r->not_after_iso) {
        printf("\"not_before\": %s, \"not_after\": %s, \"days_left\": %ld, ",
               js(p, iso_time(p, r->not_before)), js(p, r->not_after_iso), days_left);
    }
    else {
        printf("\"not_before\": null, \"not_after\": null, \"days_left\": null, ");
    }
    printf("\"names\": ");
    print_json_array(p, r->names);
    printf(", \"hosts\": ");
    print_json_array(p, o->hosts);
    printf(", \"uncovered\": ");
    print_json_array(p, r->uncovered);
    printf(", \"chain_complete\": %s, \"verify_error\": %s, \"verify_error_code\": %d, "
           "\"verify_depth\": ", r->chain_complete ? "true" : "false",
           js(p, r->verify_error_text), r->verify_error);
    if (r->verify_depth >= 0) {
        printf("%d", r->verify_depth);
    }
    else {
        fputs("null", stdout);
    }
    printf(", \"weak_signature\": %s, \"trusted_roots\": %s, \"trusted_roots_file\": %s, "
           "\"public_roots\": %s, \"root\": %s, \"public_root\": %s, \"weak_key\": %s, ",
           js(p, r->weak_signature), o->ca_file ? js(p, o->ca_file) : "\"system\"",
           js(p, roots_file(o)), json_bool(!o->ca_file || o->ca_public), js(p, r->root_subject),
           json_bool(r->public_root), js(p, r->weak_key));
    printf("\"validity_days\": %ld, \"sct_count\": %d, \"sct_required\": %d, "
           "\"must_staple\": %s, \"stapling\": %s, \"expiring_intermediate\": %s, "
           "\"distrust\": %s, \"warn_days\": %d, \"findings\": [", r->validity_days,
           r->sct_count, r->sct_required, json_bool(r->must_staple), json_bool(o->stapling),
           js(p, r->expiring_intermediate), js(p, r->distrust), o->warn_days);
    for (i = 0; i < HSTS_F_COUNT; i++) {
        if (r->findings & HSTS_FINDING_BIT(i)) {
            printf("%s\"%s\"", first ? "" : ", ", hsts_finding_info((hsts_finding_e)i)->code);
            first = 0;
        }
    }
    printf("], \"finding_severity\": ");
    print_json_finding_texts(p, r, TEXT_SEVERITY, now);
    printf(", \"details\": ");
    print_json_finding_texts(p, r, TEXT_DETAIL, now);
    printf(", \"severity\": \"%s\", \"browser_errors\": ", severity_word(r));
    print_json_finding_texts(p, r, TEXT_BROWSERS, now);
    printf(", \"fixes\": ");
    print_json_finding_texts(p, r, TEXT_FIX, now);
    printf("}\n");
}

static int is_uncovered(const hsts_cert_report_t *r, const char *host)
{
    int i;

    for (i = 0; i < r->uncovered->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(r->uncovered, i, const char *), host)) {
            return 1;
        }
    }
    return 0;
}

/* Text from a certificate or the command line, made safe for a terminal
 * (control characters as \xNN). */
static const char *safe(apr_pool_t *p, const char *s)
{
    return hsts_ctl_to_hex(p, s);
}

static void print_text(apr_pool_t *p, const cert_opts_t *o, const hsts_cert_report_t *r,
                       long days_left, apr_time_t now)
{
    int i;

    printf("File:           %s\n", safe(p, o->chain_file));
    printf("Subject:        %s\n", safe(p, r->subject));
    printf("Issuer:         %s\n", safe(p, r->issuer));
    if (*r->not_after_iso) {
        printf("Not before:     %s\n", iso_time(p, r->not_before));
        if (days_left >= 0) {
            printf("Not after:      %s (%ld day%s left)\n", r->not_after_iso, days_left,
                   days_left == 1 ? "" : "s");
        }
        else {
            printf("Not after:      %s (EXPIRED; %ld days left)\n", r->not_after_iso,
                   days_left);
        }
    }
    else {
        printf("Not after:      (unreadable)\n");
    }
    printf("Names:          ");
    for (i = 0; i < r->names->nelts; i++) {
        printf("%s%s", i ? ", " : "", safe(p, APR_ARRAY_IDX(r->names, i, const char *)));
    }
    printf("%s\n", r->names->nelts ? "" : "(no subjectAltName: browsers accept no name)");
    for (i = 0; i < o->hosts->nelts; i++) {
        const char *h = APR_ARRAY_IDX(o->hosts, i, const char *);

        printf("%s%s: %s\n", i ? "                " : "Hosts:          ", safe(p, h),
               is_uncovered(r, h) ? "NOT covered" : "covered");
    }
    printf("Trusted roots:  %s (%s)\n", safe(p, roots_file(o)),
           !o->ca_file ? "the system CA bundle, public roots"
                       : o->ca_public ? "public roots" : "private roots");
    if (r->chain_complete) {
        printf("Chain complete: yes (verifies to a trusted root)\n");
    }
    else {
        printf("Chain complete: no: %s (X509_V_ERR %d, at depth %d)\n",
               r->verify_error_text ? r->verify_error_text : "verification failed",
               r->verify_error, r->verify_depth);
    }
    if (r->weak_signature) {
        printf("Signature:      weak: %s\n", r->weak_signature);
    }
    if (!r->findings) {
        printf("Findings:       none\n");
        return;
    }
    printf("Findings:\n");
    for (i = 0; i < HSTS_F_COUNT; i++) {
        const hsts_finding_info_t *f = hsts_finding_info((hsts_finding_e)i);

        if (!(r->findings & HSTS_FINDING_BIT(i))) {
            continue;
        }
        printf("  %-7s %s: %s\n", hsts_severity_name(hsts_cert_finding_severity(r, (hsts_finding_e)i)),
               f->code, f->summary);
        printf("          detail: %s\n",
               safe(p, hsts_cert_finding_detail(p, r, (hsts_finding_e)i, now)));
        if (f->browser_errors) {
            printf("          browsers show: %s\n", f->browser_errors);
        }
        printf("          fix: %s\n", f->fix);
    }
}

int hsts_cli_cert(apr_pool_t *p, int argc, const char *const *argv)
{
    cert_opts_t o;
    X509 *leaf = NULL;
    STACK_OF(X509) *chain = NULL;
    X509_STORE *store;
    hsts_cert_report_t report;
    hsts_cert_audit_in_t in;
    const char *err = NULL;
    apr_time_t now = apr_time_now();
    int rc, done;

    rc = parse_args(p, argc, argv, &o, &done);
    if (rc != EXIT_OK || done) {
        return rc;
    }
    if (hsts_cert_load_chain(p, o.chain_file, &leaf, &chain, &err) != APR_SUCCESS) {
        fprintf(stderr, "hsts-audit cert: %s\n", err);
        return EXIT_USAGE;
    }
    store = hsts_cert_store_load(p, o.ca_file, &err);
    if (!store) {
        fprintf(stderr, "hsts-audit cert: %s%s\n", o.ca_file ? "--ca-file " : "the system CA bundle: ", err);
        X509_free(leaf);
        sk_X509_pop_free(chain, X509_free);
        return EXIT_USAGE;
    }
    in.hosts = (const char *const *)o.hosts->elts;
    in.n_hosts = o.hosts->nelts;
    in.trusted = store;
    in.trusted_public = !o.ca_file || o.ca_public;
    in.warn_days = o.warn_days;
    in.stapling = o.stapling;
    in.now = now;
    if (hsts_cert_audit(p, leaf, chain, &in, &report) != APR_SUCCESS) {
        fprintf(stderr, "hsts-audit cert: %s: cannot audit the certificate\n", o.chain_file);
        rc = EXIT_USAGE;
    }
    else {
        long days_left = (long)hsts_days_until(report.not_after, now);

        if (o.json) {
            print_json(p, &o, &report, days_left, now);
        }
        else {
            print_text(p, &o, &report, days_left, now);
        }
        rc = (report.findings && hsts_cert_severity(&report) == HSTS_SEVERITY_ERROR)
             ? EXIT_FINDINGS : EXIT_OK;
    }
    X509_STORE_free(store);
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    return rc;
}
