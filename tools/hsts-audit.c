/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts-audit: the command-line checker (design.md section 8), built from the
 * module's core. `hsts-audit header VALUE` gives the browsers' verdict on a
 * Strict-Transport-Security value and its preload readiness.
 *
 * Exit status: 0 browsers accept the header, 1 they reject it, 2 usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_cstr.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "config.h"
#include "hsts_audit.h"
#include "hsts_escape.h"
#include "hsts_findings.h"
#include "hsts_sts.h"

#define EXIT_ACCEPTED 0
#define EXIT_REJECTED 1
#define EXIT_USAGE 2

/* tools/cmd_cert.c: `hsts-audit cert` (argv after the word "cert"). */
/* tools/cmd_check.c: `hsts-audit check` (argv after the word "check"). */
int hsts_cli_check(apr_pool_t *p, int argc, const char *const *argv);
/* For tools/cmd_check.c: the object `header --json` prints for one value,
 * without the newline. */
void hsts_cli_header_json(apr_pool_t *p, const char *value, apr_size_t len,
                          hsts_preload_policy_e policy);
/* --preload-policy NAME (bulk-1-year, bulk-18-weeks) into *policy; 0 for
 * another name. Shared with tools/cmd_check.c. */
int hsts_cli_parse_policy(const char *name, hsts_preload_policy_e *policy);
int hsts_cli_cert(apr_pool_t *p, int argc, const char *const *argv);

static const char header_usage[] =
    "usage: hsts-audit header [--json] [--preload-policy bulk-1-year|bulk-18-weeks] VALUE\n"
    "       hsts-audit header [--json] [--preload-policy ...] -   (the value from standard input)\n"
    "\n"
    "How browsers (Chromium, Firefox) and the hstspreload checker read a\n"
    "Strict-Transport-Security value. A leading field name as curl -I prints it\n"
    "(\"Strict-Transport-Security: \") is removed; from standard input one trailing\n"
    "line break is removed too (echo adds it; a header value cannot hold one).\n"
    "--preload-policy: the max-age hstspreload.org asks for preloading (default\n"
    "bulk-1-year: 31536000 s; bulk-18-weeks: 10886400 s).\n"
    "Exit status: 0 browsers accept the header, 1 they reject it, 2 usage error.\n";

static const char usage_text[] =
    "usage: hsts-audit header [--json] [--preload-policy POLICY] VALUE\n"
    "       hsts-audit header [--json] [--preload-policy POLICY] -   (from standard input)\n"
    "       hsts-audit cert --host NAME [--host NAME ...] [--ca-file FILE]\n"
    "                       [--warn-days N] [--json] CHAIN.pem\n"
    "       hsts-audit check URL|DOMAIN [--preload] [--preload-policy POLICY]\n"
    "                        [--ca-file FILE [--ca-public]] [--resolve HOST:PORT:ADDR]...\n"
    "                        [--connect-to HOST:PORT:ADDR:PORT]... [--json]\n"
    "       hsts-audit --help | --version\n"
    "\n"
    "header: how browsers (Chromium, Firefox) and the hstspreload checker read a\n"
    "Strict-Transport-Security value (hsts-audit header --help).\n"
    "Exit status: 0 browsers accept the header, 1 they reject it, 2 usage error.\n"
    "\n"
    "cert: audits a served certificate chain (PEM, leaf first) for those host names\n"
    "as the module does at startup: expiry, name coverage, chain completeness\n"
    "against --ca-file or the system store, weak signatures (hsts-audit cert --help).\n"
    "Exit status: 0 no error finding, 1 at least one, 2 usage error or unreadable input.\n"
    "\n"
    "check: asks a server over the network what a browser and hstspreload.org would\n"
    "ask: the served chain, the first HTTPS response's header, the http:// redirects,\n"
    "the www. host; with --preload, hstspreload's verdict (hsts-audit check --help).\n"
    "Exit status: 0 nothing wrong, 1 an error finding, 2 usage error, 3 cannot connect.\n";

/* Everything the three judges say about one value. */
typedef struct {
    const char *value;
    apr_size_t len;
    hsts_sts_policy_t chromium;
    hsts_sts_firefox_t firefox;
    hsts_preload_result_t parse;      /* hstspreload ParseHeaderString */
    hsts_preload_result_t preload;    /* hstspreload PreloadableHeaderString (or Eligible,
                                         bulk-18-weeks) */
    hsts_preload_result_t removable;  /* hstspreload RemovableHeaderString */
    const char *input_note;           /* what was removed from the input, or NULL */
    hsts_findings_t findings;
    int valid;
    int preload_ready;
    apr_array_header_t *divergences;  /* of const char * */
} verdicts_t;

static const char *issue_list(apr_pool_t *p, const char *const *issues, int n)
{
    const char *out = "";
    int i;

    for (i = 0; i < n && i < HSTS_PRELOAD_MAX_ISSUES; i++) {
        out = apr_pstrcat(p, out, i ? ", " : "", issues[i], NULL);
    }
    return out;
}

static void add_divergence(apr_array_header_t *a, const char *text)
{
    APR_ARRAY_PUSH(a, const char *) = text;
}

static void find_divergences(apr_pool_t *p, verdicts_t *v)
{
    int preload_parse_ok = v->parse.n_errors == 0 && v->parse.max_age_set;

    if (v->valid && !v->firefox.valid) {
        add_divergence(v->divergences, "Firefox rejects this header; Chromium accepts it");
    }
    if (!v->valid && v->firefox.valid) {
        add_divergence(v->divergences, "Firefox accepts this header; Chromium rejects it");
    }
    if (v->valid && v->firefox.valid && v->firefox.max_age != v->chromium.max_age) {
        add_divergence(v->divergences, apr_psprintf(p,
            "Firefox stores max-age %" APR_UINT64_T_FMT " s (it caps at 100 years), Chromium %"
            APR_UINT64_T_FMT " s (it caps at 1 year)", v->firefox.max_age, v->chromium.max_age));
    }
    if (v->valid && !preload_parse_ok) {
        add_divergence(v->divergences, apr_psprintf(p,
            "hstspreload rejects this header (%s); browsers accept it",
            v->parse.n_errors ? issue_list(p, v->parse.errors, v->parse.n_errors)
                              : "no max-age it can read"));
    }
    if (!v->valid && preload_parse_ok) {
        add_divergence(v->divergences, apr_psprintf(p,
            "hstspreload accepts this header%s%s%s; browsers reject it",
            v->parse.n_warnings ? " (warnings: " : "",
            v->parse.n_warnings ? issue_list(p, v->parse.warnings, v->parse.n_warnings) : "",
            v->parse.n_warnings ? ")" : ""));
    }
}

static void judge(apr_pool_t *p, const char *value, apr_size_t len,
                  hsts_preload_policy_e policy, verdicts_t *v)
{
    memset(v, 0, sizeof(*v));
    v->value = value;
    v->len = len;
    v->findings = hsts_audit_header(value, len, &v->chromium);
    v->valid = v->chromium.verdict == HSTS_STS_VALID;
    hsts_sts_parse_firefox(value, len, &v->firefox);
    hsts_preload_check(value, len, HSTS_PRELOAD_PARSE_ONLY, &v->parse);
    hsts_preload_check(value, len, policy, &v->preload);
    hsts_preload_check(value, len, HSTS_PRELOAD_REMOVABLE, &v->removable);
    v->preload_ready = v->valid && v->preload.n_errors == 0;
    v->divergences = apr_array_make(p, 4, sizeof(const char *));
    find_divergences(p, v);
}

/* The max-age digits as written; a quoted value's backslash escapes
 * (max-age="3\1536000") are removed, as Chromium removes them. */
static const char *max_age_raw(apr_pool_t *p, const verdicts_t *v)
{
    const char *d = v->chromium.max_age_digits;
    char *out, *o;
    apr_size_t i;

    if (!v->valid || !d) {
        return NULL;
    }
    o = out = apr_palloc(p, v->chromium.max_age_digits_len + 1);
    for (i = 0; i < v->chromium.max_age_digits_len; i++) {
        if (v->chromium.max_age_digits_escaped && d[i] == '\\') {
            continue;
        }
        *o++ = d[i];
    }
    *o = '\0';
    return out;
}

static const char *json_bool(int b)
{
    return b ? "true" : "false";
}

static void print_json_strings(apr_pool_t *p, const char *const *s, int n)
{
    int i;

    fputc('[', stdout);
    for (i = 0; i < n; i++) {
        printf("%s%s", i ? ", " : "", hsts_json_string(p, s[i], strlen(s[i])));
    }
    fputc(']', stdout);
}

static void print_json_findings(hsts_findings_t set)
{
    int i, first = 1;

    fputc('[', stdout);
    for (i = 0; i < HSTS_F_COUNT; i++) {
        if (set & HSTS_FINDING_BIT(i)) {
            printf("%s\"%s\"", first ? "" : ", ", hsts_finding_info((hsts_finding_e)i)->code);
            first = 0;
        }
    }
    fputc(']', stdout);
}

static void print_json(apr_pool_t *p, const verdicts_t *v)
{
    const char *raw = max_age_raw(p, v);
    int np = v->parse.n_errors < HSTS_PRELOAD_MAX_ISSUES ? v->parse.n_errors : HSTS_PRELOAD_MAX_ISSUES;
    int nw = v->parse.n_warnings < HSTS_PRELOAD_MAX_ISSUES ? v->parse.n_warnings : HSTS_PRELOAD_MAX_ISSUES;
    int ne = v->preload.n_errors < HSTS_PRELOAD_MAX_ISSUES ? v->preload.n_errors : HSTS_PRELOAD_MAX_ISSUES;
    int nwp = v->preload.n_warnings < HSTS_PRELOAD_MAX_ISSUES ? v->preload.n_warnings
                                                              : HSTS_PRELOAD_MAX_ISSUES;
    int nr = v->removable.n_errors < HSTS_PRELOAD_MAX_ISSUES ? v->removable.n_errors
                                                             : HSTS_PRELOAD_MAX_ISSUES;

    printf("{\"header\": %s, ", hsts_json_string(p, v->value, v->len));
    if (v->input_note) {
        printf("\"input_note\": %s, ", hsts_json_string(p, v->input_note,
                                                        strlen(v->input_note)));
    }
    printf("\"valid\": %s, ", json_bool(v->valid));
    printf("\"verdict\": %s, ", v->valid ? "\"valid\""
           : apr_psprintf(p, "\"%s\"", hsts_sts_verdict_code(v->chromium.verdict)));
    if (v->valid) {
        printf("\"max_age\": %" APR_UINT64_T_FMT ", \"max_age_raw\": %s, ",
               v->chromium.max_age, hsts_json_string(p, raw, strlen(raw)));
    }
    else {
        printf("\"max_age\": null, \"max_age_raw\": null, ");
    }
    printf("\"include_subdomains\": %s, \"preload\": %s, \"findings\": ",
           json_bool(v->valid && v->chromium.include_subdomains),
           json_bool(v->chromium.preload));
    print_json_findings(v->findings);
    printf(", \"preload_ready\": %s, \"divergences\": ", json_bool(v->preload_ready));
    print_json_strings(p, (const char *const *)v->divergences->elts, v->divergences->nelts);
    printf(", \"firefox\": {\"valid\": %s, \"max_age\": ", json_bool(v->firefox.valid));
    if (v->firefox.valid) {
        printf("%" APR_UINT64_T_FMT, v->firefox.max_age);
    }
    else {
        fputs("null", stdout);
    }
    printf("}, \"hstspreload\": {\"errors\": ");
    print_json_strings(p, v->parse.errors, np);
    printf(", \"warnings\": ");
    print_json_strings(p, v->parse.warnings, nw);
    printf(", \"preloadable_errors\": ");
    print_json_strings(p, v->preload.errors, ne);
    printf(", \"preloadable_warnings\": ");
    print_json_strings(p, v->preload.warnings, nwp);
    printf(", \"removable_errors\": ");
    print_json_strings(p, v->removable.errors, nr);
    printf("}}");
}

void hsts_cli_header_json(apr_pool_t *p, const char *value, apr_size_t len,
                          hsts_preload_policy_e policy)
{
    verdicts_t v;

    judge(p, value, len, policy, &v);
    print_json(p, &v);
}

static void print_findings_text(hsts_findings_t set)
{
    int i;

    if (!set) {
        printf("Findings:     none\n");
        return;
    }
    printf("Findings:\n");
    for (i = 0; i < HSTS_F_COUNT; i++) {
        const hsts_finding_info_t *f = hsts_finding_info((hsts_finding_e)i);

        if (set & HSTS_FINDING_BIT(i)) {
            printf("  %-7s %s: %s\n          fix: %s\n",
                   hsts_severity_name(f->severity),
                   f->code, f->summary, f->fix);
        }
    }
}

static void print_text(apr_pool_t *p, const verdicts_t *v)
{
    int i;

    printf("Header:       %s\n", hsts_json_string(p, v->value, v->len));
    if (v->input_note) {
        printf("Note:         %s\n", v->input_note);
    }
    if (v->valid) {
        printf("Chromium:     accepted: stores max-age %" APR_UINT64_T_FMT " s (%" APR_UINT64_T_FMT
               " days)%s\n", v->chromium.max_age, v->chromium.max_age / 86400,
               v->chromium.include_subdomains ? ", includeSubDomains" : "");
        printf("Directives:   max-age=%s%s%s\n", max_age_raw(p, v),
               v->chromium.include_subdomains ? ", includeSubDomains" : "",
               v->chromium.preload ? ", preload" : "");
    }
    else {
        printf("Chromium:     REJECTED (%s): browsers ignore this header\n",
               hsts_sts_verdict_code(v->chromium.verdict));
    }
    if (v->firefox.valid) {
        printf("Firefox:      accepted: stores max-age %" APR_UINT64_T_FMT " s\n", v->firefox.max_age);
    }
    else {
        printf("Firefox:      rejected\n");
    }
    if (v->preload_ready) {
        printf("Preload:      ready (meets the hstspreload.org header requirements)\n");
    }
    else {
        printf("Preload:      not ready: %s\n",
               v->preload.n_errors ? issue_list(p, v->preload.errors, v->preload.n_errors)
                                   : "browsers reject the header");
    }
    print_findings_text(v->findings);
    for (i = 0; i < v->divergences->nelts; i++) {
        printf("%s %s\n", i ? "             " : "Divergences: ",
               APR_ARRAY_IDX(v->divergences, i, const char *));
    }
    if (v->len && (v->value[v->len - 1] == '\n' || v->value[v->len - 1] == '\r')) {
        fprintf(stderr, "note: the value ends with a line break, which is part of the "
                "header as given; use printf '%%s' instead of echo\n");
    }
}

static int read_stdin(apr_pool_t *p, const char **value, apr_size_t *len)
{
    apr_size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);

    while (buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;

            if (!bigger) {
                free(buf);
                fprintf(stderr, "hsts-audit: standard input is too large (max 64 MiB)\n");
                return 0;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (!buf || ferror(stdin)) {
        free(buf);
        fprintf(stderr, "hsts-audit: cannot read standard input\n");
        return 0;
    }
    *value = apr_pstrmemdup(p, buf, n);
    *len = n;
    free(buf);
    return 1;
}

#define FIELD_NAME "Strict-Transport-Security:"

/* What curl -I and a copy from a browser add to a value: the field name
 * ("Strict-Transport-Security:" and the white space after it), and, from
 * standard input, the line break echo adds. Removes them and says so. */
static void trim_input(apr_pool_t *p, const char **value, apr_size_t *len, int from_stdin,
                       const char **note)
{
    const char *v = *value;
    apr_size_t n = *len, name = sizeof(FIELD_NAME) - 1;
    const char *said = NULL;

    if (from_stdin && n && v[n - 1] == '\n') {
        n -= (n >= 2 && v[n - 2] == '\r') ? 2 : 1;
        said = "one trailing line break removed (echo adds it; a header value cannot hold one)";
    }
    if (n >= name && !apr_cstr_casecmpn(v, FIELD_NAME, name)) {
        v += name;
        n -= name;
        while (n && (*v == ' ' || *v == '\t')) {
            v++;
            n--;
        }
        said = said ? apr_pstrcat(p, "the field name Strict-Transport-Security: and ", said,
                                  NULL)
                    : "the field name Strict-Transport-Security: removed";
    }
    *value = v;
    *len = n;
    *note = said;
}

int hsts_cli_parse_policy(const char *name, hsts_preload_policy_e *policy)
{
    if (!strcmp(name, "bulk-1-year")) {
        *policy = HSTS_PRELOAD_BULK_1_YEAR;
    }
    else if (!strcmp(name, "bulk-18-weeks")) {
        *policy = HSTS_PRELOAD_BULK_18_WEEKS;
    }
    else {
        return 0;
    }
    return 1;
}

static int cmd_header(apr_pool_t *p, int argc, const char *const *argv)
{
    hsts_preload_policy_e policy = HSTS_PRELOAD_BULK_1_YEAR;
    const char *value = NULL, *note = NULL;
    apr_size_t len = 0;
    int json = 0, i, have = 0, from_stdin = 0;
    verdicts_t v;

    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        }
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(header_usage, stdout);
            return EXIT_ACCEPTED;
        }
        else if (!strcmp(argv[i], "--preload-policy")) {
            if (i + 1 >= argc || !hsts_cli_parse_policy(argv[++i], &policy)) {
                fprintf(stderr, "hsts-audit header: --preload-policy takes bulk-1-year or "
                        "bulk-18-weeks\n%s", header_usage);
                return EXIT_USAGE;
            }
        }
        else if (!strcmp(argv[i], "--") && i + 1 < argc && !have) {
            value = argv[++i];
            len = strlen(value);
            have = 1;
        }
        else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "hsts-audit header: unknown option %s\n%s", argv[i], header_usage);
            return EXIT_USAGE;
        }
        else if (have) {
            fprintf(stderr, "hsts-audit header: one value only (quote it)\n%s", header_usage);
            return EXIT_USAGE;
        }
        else if (!strcmp(argv[i], "-")) {
            if (!read_stdin(p, &value, &len)) {
                return EXIT_USAGE;
            }
            have = from_stdin = 1;
        }
        else {
            value = argv[i];
            len = strlen(value);
            have = 1;
        }
    }
    if (!have) {
        fprintf(stderr, "hsts-audit header: which value? \n%s", header_usage);
        return EXIT_USAGE;
    }
    trim_input(p, &value, &len, from_stdin, &note);
    judge(p, value, len, policy, &v);
    v.input_note = note;
    if (json) {
        print_json(p, &v);
        fputc('\n', stdout);
    }
    else {
        print_text(p, &v);
    }
    return v.valid ? EXIT_ACCEPTED : EXIT_REJECTED;
}

static int dispatch(apr_pool_t *p, int argc, const char *const *argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("hsts-audit (mod_hsts_audit) %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "header")) {
        return cmd_header(p, argc - 2, argv + 2);
    }
    if (!strcmp(argv[1], "cert")) {
        return hsts_cli_cert(p, argc - 2, argv + 2);
    }
    if (!strcmp(argv[1], "check")) {
        return hsts_cli_check(p, argc - 2, argv + 2);
    }
    fprintf(stderr, "hsts-audit: unknown command '%s'\n%s", argv[1], usage_text);
    return EXIT_USAGE;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    int rc;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS
        || apr_pool_create(&pool, NULL) != APR_SUCCESS) {
        fprintf(stderr, "hsts-audit: cannot initialise APR\n");
        return EXIT_USAGE;
    }
    rc = dispatch(pool, argc, argv);
    fflush(stdout);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
