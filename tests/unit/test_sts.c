/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * test_sts.c: unit tests of the three Strict-Transport-Security judges
 * (include/hsts_sts.h), with Check.
 *
 * (a) The public test vectors (tests/unit/data/): Firefox's test_sts_parser.js, hstspreload's
 *     header_test.go and the RFC 6797 examples. Every data row is checked
 *     against the judge its source speaks for; the test fails if a row is
 *     skipped. Path: $HSTS_VECTORS, else HSTS_VECTORS_DEFAULT (a compile-time
 *     string), else tests/unit/data/... or data/... from the current directory.
 * (b) Hand-written cases for each rule of docs/sts-parsing.md "Chromium",
 *     with the exact verdict, and cases where Firefox or hstspreload differ.
 */
#include "hsts_sts.h"

#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** A string literal and its length (embedded NUL bytes included). */
#define V(lit) lit, (sizeof(lit) - 1)

/** "don't care" for expected numbers */
#define ANY (-1)

/* ==== helpers ============================================================ */

/** Formats a preload result as "E:a,b|W:c", the TSV's expected_issues. */
static void format_issues(const hsts_preload_result_t *r, char *buf,
                          size_t size)
{
    int i;
    size_t used;

    snprintf(buf, size, "E:");
    for (i = 0; i < r->n_errors && i < HSTS_PRELOAD_MAX_ISSUES; i++) {
        used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i ? "," : "", r->errors[i]);
    }
    used = strlen(buf);
    snprintf(buf + used, size - used, "|W:");
    for (i = 0; i < r->n_warnings && i < HSTS_PRELOAD_MAX_ISSUES; i++) {
        used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i ? "," : "",
                 r->warnings[i]);
    }
}

static const char *verdict_name(hsts_sts_verdict_e v)
{
    const char *code = hsts_sts_verdict_code(v);

    return code ? code : "valid";
}

/* ==== (a) the TSV vectors ================================================ */

enum { TSV_COLUMNS = 9 };

/** One data row of the TSV; fields point into the loaded file. */
typedef struct {
    int line;
    char *col[TSV_COLUMNS];
    char value[4096];             /**< header_value, unescaped */
    size_t value_len;
} tsv_row_t;

/** What the vector test counted, per judge. */
typedef struct {
    int data_rows;                /**< non-empty lines after the header */
    int rows_checked;             /**< rows at least one judge checked */
    int chromium_checked, chromium_failed;
    int firefox_checked, firefox_failed;
    int preload_checked, preload_failed;
    int rfc_checked, rfc_failed;
} tsv_stats_t;

static char *load_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)size + 1);
    if (buf != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf != NULL) {
        buf[size] = '\0';
    }
    return buf;
}

/** The vectors file: $HSTS_VECTORS, else the default locations. */
static char *load_vectors(const char **used_path)
{
    static const char *const fallbacks[] = {
#ifdef HSTS_VECTORS_DEFAULT
        HSTS_VECTORS_DEFAULT,
#endif
        "tests/unit/data/sts_vectors_public.tsv",
        "data/sts_vectors_public.tsv"
    };
    const char *env = getenv("HSTS_VECTORS");
    size_t i;

    if (env != NULL && *env != '\0') {
        *used_path = env;
        return load_file(env);
    }
    for (i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++) {
        char *buf = load_file(fallbacks[i]);

        if (buf != NULL) {
            *used_path = fallbacks[i];
            return buf;
        }
    }
    *used_path = fallbacks[0];
    return NULL;
}

/** Undo the TSV's escapes in header_value: \\ \t \n \r. */
static int unescape_value(const char *in, char *out, size_t size,
                          size_t *out_len)
{
    size_t n = 0;

    for (; *in; in++) {
        char c = *in;

        if (c == '\\') {
            in++;
            switch (*in) {
            case '\\': c = '\\'; break;
            case 't': c = '\t'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            default: return 0;
            }
        }
        if (n + 1 >= size) {
            return 0;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    *out_len = n;
    return 1;
}

/** Splits one line (modified in place) into the 9 columns. */
static int split_row(char *line, int line_no, tsv_row_t *row)
{
    int n = 0;
    char *p = line;
    size_t len = strlen(line);

    if (len > 0 && line[len - 1] == '\r') {
        line[len - 1] = '\0';
    }
    row->line = line_no;
    row->col[n++] = p;
    while ((p = strchr(p, '\t')) != NULL) {
        *p++ = '\0';
        if (n == TSV_COLUMNS) {
            return 0;
        }
        row->col[n++] = p;
    }
    if (n != TSV_COLUMNS) {
        return 0;
    }
    return unescape_value(row->col[0], row->value, sizeof(row->value),
                          &row->value_len);
}

static int col_is(const char *col, const char *s)
{
    return strcmp(col, s) == 0;
}

/** A TSV number column equals 'actual' ('?' always does). */
static int col_matches_u64(const char *col, apr_uint64_t actual)
{
    return col_is(col, "?")
           || strtoull(col, NULL, 10) == (unsigned long long)actual;
}

static int col_matches_flag(const char *col, int actual)
{
    return col_is(col, "?") || col_is(col, "-") || atoi(col) == !!actual;
}

static void report_row(const tsv_row_t *row, const char *judge,
                       const char *detail)
{
    fprintf(stderr, "vectors line %d [%s] %s: %s\n", row->line, judge,
            row->col[8], detail);
}

/** chromium_valid column, when the source asserts it. */
static int check_chromium_column(const tsv_row_t *row, tsv_stats_t *st)
{
    hsts_sts_policy_t p;
    int want;

    if (col_is(row->col[1], "?")) {
        return 0;
    }
    want = atoi(row->col[1]);
    hsts_sts_parse(row->value, row->value_len, &p);
    st->chromium_checked++;
    if ((p.verdict == HSTS_STS_VALID) != want) {
        st->chromium_failed++;
        report_row(row, "chromium", verdict_name(p.verdict));
    }
    return 1;
}

static int check_firefox_row(const tsv_row_t *row, tsv_stats_t *st)
{
    hsts_sts_firefox_t f;
    int want = atoi(row->col[6]);
    int ok;

    hsts_sts_parse_firefox(row->value, row->value_len, &f);
    st->firefox_checked++;
    ok = f.valid == want;
    if (ok && want) {
        ok = col_matches_u64(row->col[2], f.max_age)
             && col_matches_flag(row->col[3], f.include_subdomains);
    }
    if (!ok) {
        char detail[128];

        snprintf(detail, sizeof(detail), "valid=%d max_age=%llu isd=%d",
                 f.valid, (unsigned long long)f.max_age, f.include_subdomains);
        st->firefox_failed++;
        report_row(row, "firefox", detail);
    }
    return 1;
}

/** The hstspreload function a row's context names. */
static int preload_policy_of(const char *context, hsts_preload_policy_e *out)
{
    static const struct {
        const char *prefix;
        hsts_preload_policy_e policy;
    } map[] = {
        { "ParseHeaderString:", HSTS_PRELOAD_PARSE_ONLY },
        { "PreloadableHeaderString[bulk-1-year]:", HSTS_PRELOAD_BULK_1_YEAR },
        { "EligibleHeaderString[bulk-18-weeks]:", HSTS_PRELOAD_BULK_18_WEEKS },
        { "RemovableHeaderString:", HSTS_PRELOAD_REMOVABLE }
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strncmp(context, map[i].prefix, strlen(map[i].prefix)) == 0) {
            *out = map[i].policy;
            return 1;
        }
    }
    return 0;
}

static int preload_fields_match(const tsv_row_t *row,
                                const hsts_preload_result_t *r)
{
    const char *max_age = row->col[2];

    if (col_is(max_age, "-") && r->max_age_set) {
        return 0;
    }
    if (!col_is(max_age, "-") && !col_is(max_age, "?")
        && (!r->max_age_set || !col_matches_u64(max_age, r->max_age))) {
        return 0;
    }
    return col_matches_flag(row->col[3], r->include_subdomains)
           && col_matches_flag(row->col[4], r->preload);
}

static int check_preload_row(const tsv_row_t *row, tsv_stats_t *st)
{
    hsts_preload_policy_e policy;
    hsts_preload_result_t r;
    char issues[2048];
    int n_errors;

    st->preload_checked++;
    if (!preload_policy_of(row->col[8], &policy)) {
        st->preload_failed++;
        report_row(row, "hstspreload", "unknown context");
        return 1;
    }
    n_errors = hsts_preload_check(row->value, row->value_len, policy, &r);
    format_issues(&r, issues, sizeof(issues));
    if (strcmp(issues, row->col[7]) != 0 || n_errors != r.n_errors
        || (n_errors == 0) != atoi(row->col[6])
        || !preload_fields_match(row, &r)) {
        st->preload_failed++;
        report_row(row, "hstspreload", issues);
    }
    return 1;
}

/** RFC 6797 examples: Chromium agrees with them. */
static int check_rfc_row(const tsv_row_t *row, tsv_stats_t *st)
{
    hsts_sts_policy_t p;
    int want = atoi(row->col[6]);

    hsts_sts_parse(row->value, row->value_len, &p);
    st->rfc_checked++;
    if ((p.verdict == HSTS_STS_VALID) != want
        || (want && (!col_matches_u64(row->col[2], p.max_age)
                     || !col_matches_flag(row->col[3],
                                          p.include_subdomains)))) {
        st->rfc_failed++;
        report_row(row, "rfc6797/chromium", verdict_name(p.verdict));
    }
    return 1;
}

static int check_row(const tsv_row_t *row, tsv_stats_t *st)
{
    const char *source = row->col[5];
    int checked = check_chromium_column(row, st);

    if (col_is(source, "firefox_sts_parser_test")) {
        checked |= check_firefox_row(row, st);
    }
    else if (col_is(source, "hstspreload_header_test")) {
        checked |= check_preload_row(row, st);
    }
    else if (col_is(source, "rfc6797")) {
        checked |= check_rfc_row(row, st);
    }
    return checked;
}

/** Counts data lines independently of the row parser. */
static int count_data_lines(const char *text)
{
    int lines = 0;
    const char *p = strchr(text, '\n');

    while (p != NULL && p[1] != '\0') {
        if (p[1] != '\n' && !(p[1] == '\r' && p[2] == '\n')) {
            lines++;
        }
        p = strchr(p + 1, '\n');
    }
    return lines;
}

static void run_vectors(char *text, tsv_stats_t *st)
{
    char *line = text;
    int line_no = 0;

    st->data_rows = count_data_lines(text);
    while (line != NULL && *line != '\0') {
        char *next = strchr(line, '\n');
        tsv_row_t row;

        if (next != NULL) {
            *next++ = '\0';
        }
        line_no++;
        if (line_no > 1 && *line != '\0' && strcmp(line, "\r") != 0) {
            ck_assert_msg(split_row(line, line_no, &row),
                          "vectors line %d: not 9 valid columns", line_no);
            ck_assert_msg(check_row(&row, st),
                          "vectors line %d: no judge for source '%s'",
                          line_no, row.col[5]);
            st->rows_checked++;
        }
        line = next;
    }
}

START_TEST(test_vectors)
{
    const char *path = NULL;
    char *text = load_vectors(&path);
    tsv_stats_t st;

    ck_assert_msg(text != NULL, "cannot read the test vectors (%s); set "
                  "HSTS_VECTORS", path);
    memset(&st, 0, sizeof(st));
    run_vectors(text, &st);
    free(text);
    fprintf(stderr, "vectors %s: %d rows checked of %d; chromium column "
            "%d/%d, firefox %d/%d, hstspreload %d/%d, rfc6797 %d/%d passed\n",
            path, st.rows_checked, st.data_rows,
            st.chromium_checked - st.chromium_failed, st.chromium_checked,
            st.firefox_checked - st.firefox_failed, st.firefox_checked,
            st.preload_checked - st.preload_failed, st.preload_checked,
            st.rfc_checked - st.rfc_failed, st.rfc_checked);
    ck_assert_int_gt(st.data_rows, 0);
    ck_assert_int_eq(st.rows_checked, st.data_rows);
    ck_assert_int_eq(st.chromium_failed, 0);
    ck_assert_int_eq(st.firefox_failed, 0);
    ck_assert_int_eq(st.preload_failed, 0);
    ck_assert_int_eq(st.rfc_failed, 0);
}
END_TEST

/* ==== (b) Chromium rules, by hand ======================================= */

typedef struct {
    const char *value;
    size_t len;
    hsts_sts_verdict_e verdict;
    long long max_age;            /**< stored seconds, or ANY */
    int include_subdomains;       /**< or ANY */
} chromium_case_t;

#define OK  HSTS_STS_VALID
#define SYN HSTS_STS_INVALID_SYNTAX
#define MAX HSTS_STS_INVALID_MAX_AGE
#define MIS HSTS_STS_INVALID_MAX_AGE_MISSING
#define REP HSTS_STS_INVALID_REPEATED_DIRECTIVE
#define ISD HSTS_STS_INVALID_INCLUDE_SUB_DOMAINS_VALUE
#define TOK HSTS_STS_INVALID_TOKEN

static const chromium_case_t chromium_cases[] = {
    /* 1. quote-aware split on ';' */
    { V("max-age=1; foo=\"a;b\""), OK, 1, 0 },
    { V("foo=\"a;max-age=5\""), MIS, ANY, ANY },
    { V("max-age=1; foo=\"a;b\"; includeSubDomains"), OK, 1, 1 },
    /* 1. a backslash escapes the next character inside quotes */
    { V("max-age=1; foo=\"a\\\";b\""), OK, 1, 0 },
    { V("max-age=1; foo=\"a\\\"; includeSubDomains"), SYN, ANY, ANY },
    /* ... but not outside quotes */
    { V("max-age=1; foo=a\\;b"), TOK, ANY, ANY },
    /* 1. trim SP and HTAB only */
    { V(" \t max-age=5 \t;\tincludeSubDomains \t "), OK, 5, 1 },
    { V("max-age=5\r"), MAX, ANY, ANY },
    { V("max-age=5\n"), MAX, ANY, ANY },
    { V("max-age=5\v"), MAX, ANY, ANY },
    { V("max-age=5\f"), MAX, ANY, ANY },
    { V("\rmax-age=5"), TOK, ANY, ANY },
    { V("\fmax-age=5"), TOK, ANY, ANY },
    { V("max-age=5; includeSubDomains\r"), TOK, ANY, ANY },
    { V("max-age=5;\r\n includeSubDomains"), TOK, ANY, ANY },
    /* 1. empty pieces are skipped */
    { V(";;max-age=5;;"), OK, 5, 0 },
    { V("; ;\t; max-age=5 ; ;"), OK, 5, 0 },
    { V(";max-age=5;includeSubDomains;"), OK, 5, 1 },
    /* 1. an unterminated quote swallows the rest of the value */
    { V("foo=\"bar; max-age=5"), SYN, ANY, ANY },
    { V("max-age=5; foo=\"x; includeSubDomains"), SYN, ANY, ANY },
    { V("max-age=5; foo=\"x;\" ; includeSubDomains"), OK, 5, 1 },
    /* 2. a piece starting with '=' */
    { V("=foo; max-age=1"), SYN, ANY, ANY },
    { V("max-age=1;  =foo"), SYN, ANY, ANY },
    { V("max-age=1; ="), SYN, ANY, ANY },
    /* 2. a name containing '"' */
    { V("\"foo\"=bar; max-age=1"), SYN, ANY, ANY },
    { V("max-age=1; fo\"o\"=1"), SYN, ANY, ANY },
    { V("max-age=1; \"preload\""), SYN, ANY, ANY },
    /* 2. an empty value is invalid */
    { V("max-age="), MAX, ANY, ANY },
    { V("max-age= \t"), MAX, ANY, ANY },
    { V("max-age=1; foo="), SYN, ANY, ANY },
    { V("max-age=1; foo= "), SYN, ANY, ANY },
    { V("includeSubDomains=; max-age=1"), ISD, ANY, ANY },
    { V("max-age=1; max-age="), MAX, ANY, ANY },
    /* 2. quoted-strings */
    { V("max-age=\"5\""), OK, 5, 0 },
    { V("max-age=\"5"), SYN, ANY, ANY },
    { V("max-age=\""), SYN, ANY, ANY },
    { V("max-age=1; foo=\"a\"b\""), SYN, ANY, ANY },
    { V("max-age=1; foo=\"a\\\""), SYN, ANY, ANY },
    { V("max-age=1; foo=\"a\\\\\""), OK, 1, 0 },
    { V("max-age=\"1\\2\""), OK, 12, 0 },
    { V("max-age=\"\\\"5\""), MAX, ANY, ANY },
    { V("max-age=\"\""), MAX, ANY, ANY },
    { V("max-age=\" 5\""), MAX, ANY, ANY },
    { V("max-age=1; foo=\"\""), OK, 1, 0 },
    { V("max-age=1; foo=\"x\" ; bar=\"y\""), OK, 1, 0 },
    { V("max-age=1; foo=\"x\"y"), SYN, ANY, ANY },
    /* 2. '\'' is not a quote */
    { V("max-age='5'"), MAX, ANY, ANY },
    { V("max-age=1; foo='a;b'"), OK, 1, 0 },
    { V("max-age=1; foo='a b'"), TOK, ANY, ANY },
    /* 3. names match ASCII case-insensitively */
    { V("MAX-AGE=7; INCLUDESUBDOMAINS"), OK, 7, 1 },
    { V("Max-Age=7; IncludeSubdomains"), OK, 7, 1 },
    { V("max-age=7; include\xc5\xbfubdomain\xc5\xbf"), TOK, ANY, ANY },
    /* 3. max-age twice */
    { V("max-age=1; max-age=1"), REP, ANY, ANY },
    { V("MAX-AGE=1; max-age=2"), REP, ANY, ANY },
    { V("max-age=1; max-age=x"), REP, ANY, ANY },
    /* 3. max-age: ASCII digits only */
    { V("max-age=+1"), MAX, ANY, ANY },
    { V("max-age=-1"), MAX, ANY, ANY },
    { V("max-age=1.5"), MAX, ANY, ANY },
    { V("max-age=1 2"), MAX, ANY, ANY },
    { V("max-age=1x"), MAX, ANY, ANY },
    { V("max-age=0x10"), MAX, ANY, ANY },
    { V("max-age=1e3"), MAX, ANY, ANY },
    { V("max-age=\xd9\xa1"), MAX, ANY, ANY },
    { V("max-age=p"), MAX, ANY, ANY },
    { V("max-age=  5  "), OK, 5, 0 },
    /* 3. clamping to one year; huge values clamp, never fail */
    { V("max-age=31535999"), OK, 31535999, 0 },
    { V("max-age=31536000"), OK, 31536000, 0 },
    { V("max-age=31536001"), OK, 31536000, 0 },
    { V("max-age=4294967295"), OK, 31536000, 0 },
    { V("max-age=4294967296"), OK, 31536000, 0 },
    { V("max-age=18446744073709551615"), OK, 31536000, 0 },
    { V("max-age=18446744073709551616"), OK, 31536000, 0 },
    { V("max-age=99999999999999999999999999999999999999"), OK, 31536000, 0 },
    { V("max-age=99999999999999999999999x"), MAX, ANY, ANY },
    /* 3. leading zeros; max-age=0 */
    { V("max-age=00000000000000000000000000000031536000"), OK, 31536000, 0 },
    { V("max-age=0001"), OK, 1, 0 },
    { V("max-age=0"), OK, 0, 0 },
    { V("max-age=00"), OK, 0, 0 },
    { V("max-age=0; includeSubDomains"), OK, 0, 1 },
    /* 3. includeSubDomains: twice, or with a value */
    { V("max-age=1; includeSubDomains; includeSubDomains"), REP, ANY, ANY },
    { V("includeSubDomains; max-age=1; INCLUDESUBDOMAINS"), REP, ANY, ANY },
    { V("max-age=1; includeSubDomains=1"), ISD, ANY, ANY },
    { V("max-age=1; includeSubDomains=\"\""), ISD, ANY, ANY },
    { V("max-age=1; includeSubDomains=\"x\""), ISD, ANY, ANY },
    { V("max-age=1; includeSubDomains ="), ISD, ANY, ANY },
    /* 3. unknown directives: token rules */
    { V("max-age=1; preload"), OK, 1, 0 },
    { V("max-age=1; foo=bar; baz"), OK, 1, 0 },
    { V("max-age=1; non@token"), TOK, ANY, ANY },
    { V("max-age=1; a,b"), TOK, ANY, ANY },
    { V("max-age=1; foo=non\"token"), TOK, ANY, ANY },
    { V("max-age=1; foo=\"any thing; @,{}\\\" \t\""), OK, 1, 0 },
    { V("max-age=1; foo bar"), TOK, ANY, ANY },
    { V("max-age=1; foo=bar baz"), TOK, ANY, ANY },
    { V("max-age=1; foo==bar"), TOK, ANY, ANY },
    { V("max-age=1; foo=a/b"), TOK, ANY, ANY },
    { V("max-age=1; \xc3\xa9t\xc3\xa9"), TOK, ANY, ANY },
    { V("max-age=1; foo=\x7f"), TOK, ANY, ANY },
    { V("max-age=1; !#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~"), OK, 1, 0 },
    { V("max-age=1; foo=\"\xc3\xa9\""), OK, 1, 0 },
    /* 4. no max-age */
    { V(""), MIS, ANY, ANY },
    { V(" \t "), MIS, ANY, ANY },
    { V(";"), MIS, ANY, ANY },
    { V("includeSubDomains"), MIS, ANY, ANY },
    { V("includeSubDomains; preload"), MIS, ANY, ANY },
    { V("maxage=1"), MIS, ANY, ANY },
    /* 5. consequences */
    { V("max-age=1 includeSubDomains"), MAX, ANY, ANY },
    { V("max-age = 1 ; includeSubDomains"), OK, 1, 1 },
    { V("max-age\t=\t1"), OK, 1, 0 },
    { V("max-age=1, max-age=2"), MAX, ANY, ANY },
    { V("max-age=1; includeSubDomains, max-age=2"), TOK, ANY, ANY },
    /* NUL bytes are ordinary bytes */
    { V("max-age=1\0"), MAX, ANY, ANY },
    { V("max-age=1\0002"), MAX, ANY, ANY },
    { V("max-age=1; foo=a\0b"), TOK, ANY, ANY },
    { V("\0max-age=1"), TOK, ANY, ANY },
    { V("max-age=1; foo=\"a\0b\""), OK, 1, 0 },
    /* the first offending piece decides */
    { V("foo@; max-age=x"), TOK, ANY, ANY },
    { V("max-age=x; foo@"), MAX, ANY, ANY },
    { V("includeSubDomains=1; max-age=1; max-age=2"), ISD, ANY, ANY },
    { V("max-age=1; max-age=2; =x"), REP, ANY, ANY },
    { V("=x; max-age=1; max-age=2"), SYN, ANY, ANY },
    /* RFC 6797 / TSV hstspreload strings with a Chromium verdict */
    { V("max-age=31536000; includeSubDomains; preload"), OK, 31536000, 1 },
    { V("includeSubDomains; preload; max-age=4321"), OK, 4321, 1 },
    { V("preload; includeSubDomains; preload; max-age=12345678; preload"),
      OK, 12345678, 1 },
    { V("max-age=12345678; extra; includeSubDomains; directives; preload"),
      OK, 12345678, 1 },
    { V("inCLUDESUBDomaINs; max-AGe=12345678"), OK, 12345678, 1 },
    { V("max-age"), MAX, ANY, ANY },
    { V("max-age;"), MAX, ANY, ANY },
    { V("includeDomains; max-age;"), MAX, ANY, ANY }
};

START_TEST(test_chromium_case)
{
    const chromium_case_t *c = &chromium_cases[_i];
    hsts_sts_policy_t p;
    hsts_sts_verdict_e v = hsts_sts_parse(c->value, c->len, &p);

    ck_assert_msg(v == p.verdict, "case %d: return value != out->verdict", _i);
    ck_assert_msg(v == c->verdict, "case %d: got %s, want %s", _i,
                  verdict_name(v), verdict_name(c->verdict));
    if (c->max_age != ANY) {
        ck_assert_msg(p.max_age == (apr_uint64_t)c->max_age,
                      "case %d: max_age %llu, want %lld", _i,
                      (unsigned long long)p.max_age, c->max_age);
    }
    if (c->include_subdomains != ANY) {
        ck_assert_int_eq(p.include_subdomains, c->include_subdomains);
    }
    if (v != HSTS_STS_VALID) {
        ck_assert(p.max_age == 0 && p.max_age_digits == NULL);
        ck_assert_int_eq(p.include_subdomains, 0);
        ck_assert(p.error_offset <= c->len);
    }
}
END_TEST

START_TEST(test_chromium_400_digits)
{
    char value[8 + 400 + 1];
    hsts_sts_policy_t p;

    memcpy(value, "max-age=", 8);
    memset(value + 8, '9', 400);
    value[408] = '\0';
    ck_assert_int_eq(hsts_sts_parse(value, 408, &p), HSTS_STS_VALID);
    ck_assert(p.max_age == HSTS_CHROMIUM_MAX_AGE_CAP);
    ck_assert(p.max_age_value == APR_UINT64_MAX);
    ck_assert_int_eq(p.max_age_overflow, 1);
    ck_assert(p.max_age_digits == value + 8);
    ck_assert_uint_eq(p.max_age_digits_len, 400);
    value[407] = 'x';
    ck_assert_int_eq(hsts_sts_parse(value, 408, &p),
                     HSTS_STS_INVALID_MAX_AGE);
}
END_TEST

START_TEST(test_chromium_fields)
{
    static const char quoted[] = "preload; max-age=\"0031\\536000\"";
    static const char plain[] = "max-age=18446744073709551615";
    hsts_sts_policy_t p;

    ck_assert_int_eq(hsts_sts_parse(V(quoted), &p), HSTS_STS_VALID);
    ck_assert_int_eq(p.max_age_seen, 1);
    ck_assert_int_eq(p.quoted_max_age, 1);
    ck_assert_int_eq(p.preload, 1);
    ck_assert(p.max_age_digits == quoted + 18);
    ck_assert_uint_eq(p.max_age_digits_len, 11);
    ck_assert_int_eq(p.max_age_digits_escaped, 1);
    ck_assert(p.max_age_value == APR_UINT64_C(31536000));

    ck_assert_int_eq(hsts_sts_parse(V(plain), &p), HSTS_STS_VALID);
    ck_assert(p.max_age_value == APR_UINT64_MAX);
    ck_assert_int_eq(p.max_age_overflow, 0);
    ck_assert_int_eq(p.quoted_max_age, 0);
    ck_assert_int_eq(p.max_age_digits_escaped, 0);
    ck_assert_int_eq(p.preload, 0);

    ck_assert_int_eq(hsts_sts_parse(V("max-age=1;  foo@"), &p),
                     HSTS_STS_INVALID_TOKEN);
    ck_assert_uint_eq(p.error_offset, 12);
    ck_assert_int_eq(p.max_age_seen, 1);
    ck_assert_int_eq(hsts_sts_parse(V("preload"), &p),
                     HSTS_STS_INVALID_MAX_AGE_MISSING);
    ck_assert_uint_eq(p.error_offset, 7);
    ck_assert_int_eq(hsts_sts_parse(NULL, 0, &p),
                     HSTS_STS_INVALID_MAX_AGE_MISSING);
}
END_TEST

START_TEST(test_verdict_codes)
{
    ck_assert_ptr_eq(hsts_sts_verdict_code(HSTS_STS_VALID), NULL);
    ck_assert_str_eq(hsts_sts_verdict_code(SYN), "header.invalid.syntax");
    ck_assert_str_eq(hsts_sts_verdict_code(MAX), "header.invalid.max_age");
    ck_assert_str_eq(hsts_sts_verdict_code(MIS),
                     "header.invalid.max_age.missing");
    ck_assert_str_eq(hsts_sts_verdict_code(REP),
                     "header.invalid.repeated_directive");
    ck_assert_str_eq(hsts_sts_verdict_code(ISD),
                     "header.invalid.include_sub_domains_value");
    ck_assert_str_eq(hsts_sts_verdict_code(TOK), "header.invalid.token");
}
END_TEST

/* ==== Firefox: where it differs ========================================== */

typedef struct {
    const char *value;
    size_t len;
    int valid;
    long long max_age;
    int include_subdomains;
    hsts_sts_verdict_e chromium;  /**< Chromium's verdict on the same value */
} firefox_case_t;

static const firefox_case_t firefox_cases[] = {
    { V("max-age=\"100\""), 1, 100, 0, OK },
    { V("max-age=\"1\\2\""), 0, ANY, ANY, OK },      /* no unescaping */
    { V("max-age = 1"), 1, 1, 0, OK },
    { V("max-age=1; max-age=1"), 0, ANY, ANY, REP },
    { V("max-age=1; includeSubDomains; includeSubDomains"), 0, ANY, ANY, REP },
    { V("max-age=1;\r\n includeSubDomains"), 1, 1, 1, TOK },
    { V("max-age=1;\r\n\tincludeSubDomains"), 1, 1, 1, TOK },
    { V("max-age=1;\r\nincludeSubDomains"), 0, ANY, ANY, TOK },
    { V("max-age=1;\rincludeSubDomains"), 0, ANY, ANY, TOK },
    { V("max-age=1; =foo"), 1, 1, 0, SYN },
    { V("=; max-age=1"), 1, 1, 0, SYN },
    { V("max-age=1; foo="), 1, 1, 0, SYN },
    { V("max-age=18446744073709551615"), 1, 3153600000LL, 0, OK },
    { V("max-age=18446744073709551616"), 0, ANY, ANY, OK },
    { V("max-age=3153600001"), 1, 3153600000LL, 0, OK },
    { V("max-age=1\0garbage"), 1, 1, 0, MAX },       /* C string ends */
    { V("max-age=1; foo=\"\xc3\xa9\""), 0, ANY, ANY, OK },
    { V("max-age=1; includeSubDomains="), 0, ANY, ANY, ISD },
    { V("max-age=1; includeSubDomains=\"\""), 0, ANY, ANY, ISD },
    { V("max-age=1;;"), 1, 1, 0, OK },
    { V("max-age=1; foo=bar baz"), 0, ANY, ANY, TOK },
    { V("max-age=\"\""), 0, ANY, ANY, MAX },
    { V("max-age=1; foo=\"a\\"), 0, ANY, ANY, SYN }
};

START_TEST(test_firefox_case)
{
    const firefox_case_t *c = &firefox_cases[_i];
    hsts_sts_firefox_t f;
    hsts_sts_policy_t p;
    int valid = hsts_sts_parse_firefox(c->value, c->len, &f);

    ck_assert_int_eq(valid, f.valid);
    ck_assert_msg(valid == c->valid, "case %d: firefox valid=%d", _i, valid);
    if (c->max_age != ANY) {
        ck_assert(f.max_age == (apr_uint64_t)c->max_age);
    }
    if (c->include_subdomains != ANY) {
        ck_assert_int_eq(f.include_subdomains, c->include_subdomains);
    }
    if (!valid) {
        ck_assert(f.max_age == 0);
    }
    hsts_sts_parse(c->value, c->len, &p);
    ck_assert_msg(p.verdict == c->chromium, "case %d: chromium %s", _i,
                  verdict_name(p.verdict));
}
END_TEST

/* ==== hstspreload: where it differs ====================================== */

typedef struct {
    const char *value;
    size_t len;
    hsts_preload_policy_e policy;
    const char *issues;           /**< "E:...|W:..." */
    long long max_age;            /**< -2: not set, ANY: don't care */
    hsts_sts_verdict_e chromium;
} preload_case_t;

#define UNSET (-2)
/** max_age expected to be 2^64-1 */
#define ALL_BITS (-3)
#define P0 HSTS_PRELOAD_PARSE_ONLY
#define P1 HSTS_PRELOAD_BULK_1_YEAR
#define P18 HSTS_PRELOAD_BULK_18_WEEKS
#define PR HSTS_PRELOAD_REMOVABLE

static const preload_case_t preload_cases[] = {
    { V("max-age=\"31536000\""), P0,
      "E:header.parse.max_age.non_digit_characters|W:", UNSET, OK },
    { V("max-age = 31536000"), P0,
      "E:header.parse.invalid.max_age.no_value|W:", UNSET, OK },
    { V("max-age=1; max-age=2; max-age=3"), P0,
      "E:|W:header.parse.repeated.max_age", 1, REP },
    { V("max-age=1; includeSubDomains; includeSubDomains; preload; preload"),
      P0, "E:|W:header.parse.repeated.include_sub_domains,"
      "header.parse.repeated.preload", 1, REP },
    { V("max-age=18446744073709551615"), P0, "E:|W:",
      ALL_BITS, OK },
    { V("max-age=18446744073709551616"), P0,
      "E:header.parse.max_age.parse_int_error|W:", UNSET, OK },
    { V("max-age=1;\r\n includeSubDomains"), P0, "E:|W:", 1, TOK },
    { V("=foo; max-age=1"), P0, "E:|W:header.parse.unknown_directive", 1,
      SYN },
    { V("max-age=1; foo=\"a;b\""), P0, "E:|W:header.parse.unknown_directive,"
      "header.parse.unknown_directive", 1, OK },
    { V("\xc2\xa0max-age=7\xe3\x80\x80;\xe2\x80\xa8preload\xc2\x85"), P0,
      "E:|W:", 7, TOK },
    { V("\xe2\x80\x8b max-age=7"), P0, "E:|W:header.parse.unknown_directive",
      UNSET, TOK },
    { V("max-age=01"), P0, "E:|W:header.parse.max_age.leading_zero", 1, OK },
    { V("max-age=0x"), P0, "E:header.parse.max_age.non_digit_characters"
      "|W:header.parse.max_age.leading_zero", UNSET, MAX },
    { V("max-age=1; max-age=x; max-age=y"), P0,
      "E:header.parse.max_age.non_digit_characters,"
      "header.parse.max_age.non_digit_characters|W:", 1, REP },
    { V("max-age; max-age=1; MAX-AGE"), P0,
      "E:header.parse.invalid.max_age.no_value|W:", 1, MAX },
    { V("preloadx; preloady; max-age=1"), P0,
      "E:|W:header.parse.invalid.preload", 1, OK },
    { V("includeSubDomainsX; includeSubDomains=1; max-age=1"), P0,
      "E:|W:header.parse.invalid.include_sub_domains", 1, ISD },
    { V("include\xc5\xbfubDomain\xc5\xbf; max-age=1"), P0, "E:|W:", 1, TOK },
    { V("\xc4\xb0ncludeSubDomains; max-age=1"), P0,
      "E:|W:header.parse.invalid.include_sub_domains", 1, TOK },
    { V("; ;max-age=1;;"), P0, "E:|W:header.parse.empty_directive", 1, OK },
    { V(" \t\r\n"), P0, "E:|W:header.parse.empty", UNSET, TOK },
    { V(" \t "), P0, "E:|W:header.parse.empty", UNSET, MIS },
    { V("max-age=1; foo"), PR, "E:|W:", 1, OK },
    { V("max-age=x; foo"), PR,
      "E:header.parse.max_age.non_digit_characters,"
      "header.removable.missing.max_age|W:", UNSET, MAX },
    { V("max-age=10886399; includeSubDomains; preload"), P18,
      "E:header.preloadable.max_age.below_18_weeks|W:", 10886399, OK },
    { V("max-age=10886400; includeSubDomains; preload"), P1,
      "E:header.preloadable.max_age.below_1_year|W:", 10886400, OK },
    { V("max-age=315360000; includeSubDomains; preload"), P1, "E:|W:",
      315360000, OK },
    { V("max-age=\"31536000\"; includeSubDomains; preload"), P1,
      "E:header.parse.max_age.non_digit_characters,"
      "header.preloadable.max_age.missing|W:", UNSET, OK }
};

START_TEST(test_preload_case)
{
    const preload_case_t *c = &preload_cases[_i];
    hsts_preload_result_t r;
    hsts_sts_policy_t p;
    char issues[2048];
    int n = hsts_preload_check(c->value, c->len, c->policy, &r);

    format_issues(&r, issues, sizeof(issues));
    ck_assert_int_eq(n, r.n_errors);
    ck_assert_msg(strcmp(issues, c->issues) == 0, "case %d: %s", _i, issues);
    if (c->max_age == UNSET) {
        ck_assert_int_eq(r.max_age_set, 0);
    }
    else if (c->max_age == ALL_BITS) {
        ck_assert(r.max_age_set && r.max_age == APR_UINT64_MAX);
    }
    else if (c->max_age != ANY) {
        ck_assert(r.max_age_set && r.max_age == (apr_uint64_t)c->max_age);
    }
    hsts_sts_parse(c->value, c->len, &p);
    ck_assert_msg(p.verdict == c->chromium, "case %d: chromium %s", _i,
                  verdict_name(p.verdict));
}
END_TEST

START_TEST(test_preload_many_issues)
{
    char value[256] = "max-age=31536000";
    hsts_preload_result_t r;
    int i;

    for (i = 0; i < 20; i++) {
        strcat(value, "; x");
    }
    ck_assert_int_eq(hsts_preload_check(value, strlen(value),
                                        HSTS_PRELOAD_BULK_1_YEAR, &r), 2);
    ck_assert_int_eq(r.n_warnings, 20);
    for (i = 0; i < HSTS_PRELOAD_MAX_ISSUES; i++) {
        ck_assert_str_eq(r.warnings[i], "header.parse.unknown_directive");
    }
    ck_assert_str_eq(r.errors[0],
                     "header.preloadable.include_sub_domains.missing");
    ck_assert_str_eq(r.errors[1], "header.preloadable.preload.missing");
}
END_TEST

/* ==== regressions found by fuzzing ======================================= */

/* Inputs on which tests/fuzz/fuzz_sts failed belong here as cases; its
 * runs so far found none. */

/* ==== main ============================================================== */

#define N_CASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *sts_suite(void)
{
    Suite *s = suite_create("sts");
    TCase *vectors = tcase_create("vectors");
    TCase *chromium = tcase_create("chromium");
    TCase *firefox = tcase_create("firefox");
    TCase *preload = tcase_create("hstspreload");

    tcase_add_test(vectors, test_vectors);
    tcase_add_loop_test(chromium, test_chromium_case, 0,
                        N_CASES(chromium_cases));
    tcase_add_test(chromium, test_chromium_400_digits);
    tcase_add_test(chromium, test_chromium_fields);
    tcase_add_test(chromium, test_verdict_codes);
    tcase_add_loop_test(firefox, test_firefox_case, 0, N_CASES(firefox_cases));
    tcase_add_loop_test(preload, test_preload_case, 0, N_CASES(preload_cases));
    tcase_add_test(preload, test_preload_many_issues);
    suite_add_tcase(s, vectors);
    suite_add_tcase(s, chromium);
    suite_add_tcase(s, firefox);
    suite_add_tcase(s, preload);
    return s;
}

int main(void)
{
    return unit_run(sts_suite());
}
