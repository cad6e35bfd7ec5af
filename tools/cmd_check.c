/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * cmd_check.c: `hsts-audit check` (design.md section 8): the "validate the
 * fix" step in one command, on the live-check engine (hsts_live_check.h).
 *
 *   hsts-audit check URL|DOMAIN [--preload] [--preload-policy POLICY]
 *                    [--ca-file FILE [--ca-public]] [--resolve HOST:PORT:ADDR]...
 *                    [--connect-to HOST:PORT:ADDR:PORT]... [--mapped-only]
 *                    [--timeout MS] [--json]
 *
 * Exit status: 0 nothing wrong (warnings allowed), 1 at least one error
 * finding, 2 usage error (or unreadable --ca-file), 3 could not connect to
 * https://NAME/ at all (curl's reason printed).
 *
 * Without --preload, the items only preloading asks for (the http://
 * redirects, www., the header's preload requirements, a second STS field)
 * are shown as warnings: the check is then what browsers see (chain,
 * certificate, the STS they act on, redirects back to http://). With
 * --preload they are errors and the verdict is hstspreload's.
 *
 * --json prints one object: name, url, status ("done", "connect_failed",
 * "bad_name", "setup_failed"), connect_error (or null), verdict ("ok",
 * "errors", "cannot_connect"), preload (bool: --preload), preload_policy,
 * preloadable (bool: hstspreload's verdict), errors, warnings (counts),
 * checks (array of {code, severity (as counted here), hstspreload_severity,
 * hstspreload (bool), preload_only (bool), detail, fix}), https ({status,
 * verified, sts_count, sts}), header (the object `header --json` prints for
 * the first STS field, or null), http_chain, https_chain (redirect URLs),
 * not_followed (--mapped-only: redirect targets not asked),
 * www ({exists, tls}), certificate ({subject, issuer, not_after} or null).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include <curl/curl.h>

#include "hsts_escape.h"
#include "hsts_live_check.h"

#define EXIT_OK 0
#define EXIT_FINDINGS 1
#define EXIT_USAGE 2
#define EXIT_CONNECT 3

int hsts_cli_check(apr_pool_t *p, int argc, const char *const *argv);
void hsts_cli_header_json(apr_pool_t *p, const char *value, apr_size_t len,
                          hsts_preload_policy_e policy);
int hsts_cli_parse_policy(const char *name, hsts_preload_policy_e *policy);

static const char check_usage[] =
    "usage: hsts-audit check URL|DOMAIN [--preload] [--preload-policy bulk-1-year|bulk-18-weeks]\n"
    "                        [--ca-file FILE [--ca-public]] [--resolve HOST:PORT:ADDR]...\n"
    "                        [--connect-to HOST:PORT:ADDR:PORT]... [--mapped-only]\n"
    "                        [--timeout MS] [--json]\n"
    "\n"
    "Asks the server what a browser and hstspreload.org would ask (libcurl):\n"
    "https://NAME/ (its certificate chain, audited as `hsts-audit cert` does, and\n"
    "the Strict-Transport-Security of its first response), the redirects of\n"
    "http://NAME/ and https://NAME/, and https://www.NAME/ when www.NAME:443 answers.\n"
    "Results use the hstspreload checker's codes. The text leads with the verdict\n"
    "and the fixes, then every check; --json has every check with its code.\n"
    "--preload: what only preloading asks for (redirects, www., the preload\n"
    "  header) counts as an error, and the verdict is hstspreload's.\n"
    "--preload-policy: the max-age the header must have (default bulk-1-year).\n"
    "--ca-file: trusted roots (PEM) instead of the system's; --ca-public: they\n"
    "  are public roots (the public-root certificate rules apply).\n"
    "--resolve, --connect-to: as curl's options (repeatable), to check a site\n"
    "  before DNS points at it, or on other ports.\n"
    "--mapped-only: ask only the host:ports a --resolve or --connect-to entry\n"
    "  names, as the server's self-check does (redirects elsewhere are listed as\n"
    "  not followed).\n"
    "--timeout: per request, in milliseconds (default 10000).\n"
    "Exit status: 0 nothing wrong, 1 an error finding, 2 usage error, 3 cannot\n"
    "connect (the reason is printed).\n";

typedef struct {
    const char *name;
    hsts_live_options_t opt;
    apr_array_header_t *resolve, *connect_to;
    int json;
} check_args_t;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "hsts-audit check: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", check_usage);
    return EXIT_USAGE;
}

/* URL|DOMAIN: the host of an http(s) URL on the default port, or a name. */
static int target_name(apr_pool_t *p, const char *arg, const char **name)
{
    CURLU *u;
    char *port = NULL;
    const char *scheme = NULL;
    int ok;

    if (!strstr(arg, "://")) {
        *name = arg;
        return *arg != '\0';
    }
    if (!hsts_live_url_parts(p, arg, &scheme, name)
        || (strcmp(scheme, "https") && strcmp(scheme, "http")) || !(u = curl_url())) {
        return 0;
    }
    ok = curl_url_set(u, CURLUPART_URL, arg, 0) == CURLUE_OK;
    if (ok && curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK) {
        ok = !strcmp(port, "443") || !strcmp(port, "80");
    }
    curl_free(port);
    curl_url_cleanup(u);
    return ok;
}

static const char *policy_name(hsts_preload_policy_e policy)
{
    return policy == HSTS_PRELOAD_BULK_18_WEEKS ? "bulk-18-weeks" : "bulk-1-year";
}

/* Options with a value; returns the index consumed, -1 on a usage error. */
static int parse_valued(check_args_t *a, int argc, const char *const *argv, int i)
{
    const char *o = argv[i];

    if (i + 1 >= argc) {
        usage_error("%s needs a value", o);
        return -1;
    }
    if (!strcmp(o, "--ca-file")) {
        a->opt.ca_file = argv[i + 1];
    }
    else if (!strcmp(o, "--resolve")) {
        APR_ARRAY_PUSH(a->resolve, const char *) = argv[i + 1];
    }
    else if (!strcmp(o, "--connect-to")) {
        APR_ARRAY_PUSH(a->connect_to, const char *) = argv[i + 1];
    }
    else if (!strcmp(o, "--preload-policy")) {
        if (!hsts_cli_parse_policy(argv[i + 1], &a->opt.policy)) {
            usage_error("--preload-policy takes bulk-1-year or bulk-18-weeks, not '%s'",
                        argv[i + 1]);
            return -1;
        }
    }
    else {                          /* --timeout */
        char *end;

        a->opt.timeout_ms = strtol(argv[i + 1], &end, 10);
        if (*end || a->opt.timeout_ms <= 0 || a->opt.timeout_ms > 600000) {
            usage_error("--timeout takes milliseconds, 1 to 600000, not '%s'", argv[i + 1]);
            return -1;
        }
    }
    return i + 1;
}

static int is_valued(const char *o)
{
    return !strcmp(o, "--ca-file") || !strcmp(o, "--resolve") || !strcmp(o, "--connect-to")
           || !strcmp(o, "--preload-policy") || !strcmp(o, "--timeout");
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(apr_pool_t *p, int argc, const char *const *argv, check_args_t *a)
{
    int i;

    memset(a, 0, sizeof(*a));
    a->opt.policy = HSTS_PRELOAD_BULK_1_YEAR;
    a->resolve = apr_array_make(p, 4, sizeof(const char *));
    a->connect_to = apr_array_make(p, 4, sizeof(const char *));
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(check_usage, stdout);
            return EXIT_OK;
        }
        else if (!strcmp(argv[i], "--json")) {
            a->json = 1;
        }
        else if (!strcmp(argv[i], "--preload")) {
            a->opt.preload = 1;
        }
        else if (!strcmp(argv[i], "--ca-public")) {
            a->opt.ca_public = 1;
        }
        else if (!strcmp(argv[i], "--mapped-only")) {
            a->opt.mapped_only = 1;
        }
        else if (is_valued(argv[i])) {
            if ((i = parse_valued(a, argc, argv, i)) < 0) {
                return EXIT_USAGE;
            }
        }
        else if (argv[i][0] == '-' && argv[i][1]) {
            return usage_error("unknown option %s", argv[i]);
        }
        else if (a->name) {
            return usage_error("one URL or domain only ('%s' is a second one)", argv[i]);
        }
        else if (!target_name(p, argv[i], &a->name)) {
            return usage_error("'%s' is not a domain name or an http(s) URL on the default "
                               "port (use --connect-to for other ports)", argv[i]);
        }
    }
    if (!a->name) {
        return usage_error("%s", "which URL or domain?");
    }
    if (a->opt.ca_public && !a->opt.ca_file) {
        return usage_error("%s", "--ca-public needs --ca-file");
    }
    a->opt.resolve = (const char *const *)a->resolve->elts;
    a->opt.n_resolve = a->resolve->nelts;
    a->opt.connect_to = (const char *const *)a->connect_to->elts;
    a->opt.n_connect_to = a->connect_to->nelts;
    return -1;
}

static const char *verdict_word(const hsts_live_result_t *r)
{
    if (r->status == HSTS_LIVE_CONNECT_FAILED) {
        return "cannot_connect";
    }
    return r->n_errors ? "errors" : "ok";
}

static const char *status_word(hsts_live_status_e s)
{
    switch (s) {
    case HSTS_LIVE_DONE:            return "done";
    case HSTS_LIVE_CONNECT_FAILED:  return "connect_failed";
    case HSTS_LIVE_BAD_NAME:        return "bad_name";
    default:                        return "setup_failed";
    }
}

static const char *jstr(apr_pool_t *p, const char *s)
{
    return s ? hsts_json_string(p, s, strlen(s)) : "null";
}

static const char *jbool(int b)
{
    return b ? "true" : "false";
}

static void json_urls(apr_pool_t *p, const char *key, const apr_array_header_t *a)
{
    int i;

    printf(", \"%s\": [", key);
    for (i = 0; i < a->nelts; i++) {
        printf("%s%s", i ? ", " : "", jstr(p, APR_ARRAY_IDX(a, i, const char *)));
    }
    fputc(']', stdout);
}

static void json_checks(apr_pool_t *p, const check_args_t *a, const hsts_live_result_t *r)
{
    int i;

    printf(", \"checks\": [");
    for (i = 0; i < r->items->nelts; i++) {
        const hsts_live_item_t *it = &APR_ARRAY_IDX(r->items, i, hsts_live_item_t);

        printf("%s{\"code\": %s, \"severity\": \"%s\", \"hstspreload_severity\": \"%s\", "
               "\"hstspreload\": %s, \"preload_only\": %s, \"detail\": %s, \"fix\": %s}",
               i ? ", " : "", jstr(p, it->code),
               hsts_severity_name(hsts_live_effective_severity(it, a->opt.preload)),
               hsts_severity_name(it->severity), jbool(it->hstspreload),
               jbool(it->preload_only), jstr(p, it->detail), jstr(p, it->fix));
    }
    fputc(']', stdout);
}

static void print_json(apr_pool_t *p, const check_args_t *a, const hsts_live_result_t *r)
{
    printf("{\"name\": %s, \"url\": %s, \"status\": \"%s\", \"connect_error\": %s, "
           "\"verdict\": \"%s\", \"preload\": %s, \"preload_policy\": \"%s\", "
           "\"preloadable\": %s, \"errors\": %d, \"warnings\": %d",
           jstr(p, r->name), jstr(p, apr_pstrcat(p, "https://", r->name, "/", NULL)),
           status_word(r->status), jstr(p, r->connect_error), verdict_word(r),
           jbool(a->opt.preload), policy_name(a->opt.policy),
           jbool(r->preloadable), r->n_errors, r->n_warnings);
    json_checks(p, a, r);
    printf(", \"https\": {\"status\": %ld, \"verified\": %s, \"sts_count\": %d, \"sts\": %s}",
           r->https.status, jbool(r->https_verified), r->https.sts_count, jstr(p, r->https.sts));
    printf(", \"header\": ");
    if (r->https.sts) {
        hsts_cli_header_json(p, r->https.sts, strlen(r->https.sts), a->opt.policy);
    }
    else {
        fputs("null", stdout);
    }
    json_urls(p, "http_chain", r->http_chain);
    json_urls(p, "https_chain", r->https_chain);
    json_urls(p, "not_followed", r->not_followed);
    printf(", \"www\": {\"exists\": %s, \"tls\": %s}", jbool(r->www_exists), jbool(r->www_tls));
    if (r->cert) {
        printf(", \"certificate\": {\"subject\": %s, \"issuer\": %s, \"not_after\": %s}}\n",
               jstr(p, r->cert->subject), jstr(p, r->cert->issuer),
               jstr(p, r->cert->not_after_iso));
    }
    else {
        printf(", \"certificate\": null}\n");
    }
}

/* Network and certificate text, made safe for a terminal. */
static const char *safe(apr_pool_t *p, const char *s)
{
    return s ? hsts_ctl_to_question(p, s, strlen(s)) : "";
}

static void print_verdict(apr_pool_t *p, const check_args_t *a, const hsts_live_result_t *r)
{
    if (r->status == HSTS_LIVE_CONNECT_FAILED) {
        printf("Verdict: CANNOT CONNECT to https://%s/: %s\n", safe(p, r->name),
               safe(p, r->connect_error));
    }
    else if (r->n_errors) {
        printf("Verdict: %d error%s, %d warning%s\n", r->n_errors, r->n_errors == 1 ? "" : "s",
               r->n_warnings, r->n_warnings == 1 ? "" : "s");
    }
    else {
        printf("Verdict: OK (%d warning%s)\n", r->n_warnings, r->n_warnings == 1 ? "" : "s");
    }
    if (r->status != HSTS_LIVE_CONNECT_FAILED) {
        printf("Preload: %s (hstspreload's checks, %s)%s\n",
               r->preloadable ? "preloadable" : "NOT preloadable", policy_name(a->opt.policy),
               a->opt.preload ? "" : "; without --preload its items count as warnings");
    }
}

static void print_items(apr_pool_t *p, const check_args_t *a, const hsts_live_result_t *r,
                        int fixes_only)
{
    int i;

    for (i = 0; i < r->items->nelts; i++) {
        const hsts_live_item_t *it = &APR_ARRAY_IDX(r->items, i, hsts_live_item_t);
        hsts_severity_e sev = hsts_live_effective_severity(it, a->opt.preload);

        if (fixes_only) {
            if (sev == HSTS_SEVERITY_ERROR) {
                printf("  %s: %s\n", it->code, safe(p, it->fix));
            }
            continue;
        }
        printf("  %-7s %s: %s\n          fix: %s\n", hsts_severity_name(sev), it->code,
               safe(p, it->detail), safe(p, it->fix));
    }
}

static void print_text(apr_pool_t *p, const check_args_t *a, const hsts_live_result_t *r)
{
    int i;

    printf("Checked: https://%s/ (and http://, www.)\n", safe(p, r->name));
    print_verdict(p, a, r);
    if (r->n_errors) {
        printf("Fixes:\n");
        print_items(p, a, r, 1);
    }
    if (r->items->nelts) {
        printf("Checks:\n");
        print_items(p, a, r, 0);
    }
    else {
        printf("Checks:  all passed\n");
    }
    if (r->status == HSTS_LIVE_CONNECT_FAILED || r->status == HSTS_LIVE_BAD_NAME) {
        return;
    }
    printf("HTTPS:   %ld%s, Strict-Transport-Security: %s\n", r->https.status,
           r->https_verified ? "" : " (chain not verified)",
           r->https.sts ? safe(p, r->https.sts) : "(none)");
    for (i = 0; i < r->not_followed->nelts; i++) {
        printf("Not followed (not mapped, this check cannot know): %s\n",
               safe(p, APR_ARRAY_IDX(r->not_followed, i, const char *)));
    }
    if (r->cert) {
        printf("Certificate: %s, issued by %s, expires %s\n", safe(p, r->cert->subject),
               safe(p, r->cert->issuer), safe(p, r->cert->not_after_iso));
    }
}

int hsts_cli_check(apr_pool_t *p, int argc, const char *const *argv)
{
    check_args_t a;
    hsts_live_result_t res;
    apr_pool_t *sub;
    int rc = parse_args(p, argc, argv, &a);

    if (rc >= 0) {
        return rc;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK
        || apr_pool_create(&sub, p) != APR_SUCCESS) {
        fprintf(stderr, "hsts-audit check: cannot initialise libcurl\n");
        return EXIT_USAGE;
    }
    hsts_live_check(sub, a.name, &a.opt, &res);
    if (res.status == HSTS_LIVE_SETUP_FAILED) {
        fprintf(stderr, "hsts-audit check: %s\n",
                hsts_ctl_to_question(sub, res.setup_error, strlen(res.setup_error)));
        rc = EXIT_USAGE;
    }
    else {
        rc = res.status == HSTS_LIVE_CONNECT_FAILED ? EXIT_CONNECT
             : res.n_errors ? EXIT_FINDINGS : EXIT_OK;
        if (a.json) {
            print_json(sub, &a, &res);
        }
        else {
            print_text(sub, &a, &res);
        }
    }
    fflush(stdout);
    apr_pool_destroy(sub);
    curl_global_cleanup();
    return rc;
}
