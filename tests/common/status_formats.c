/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_formats.c: see status_formats.h. Written for the tests from the
 * format texts (RFC 8259, RFC 3629, the Prometheus text exposition format
 * 0.0.4), not from the renderers. */
#include "status_formats.h"

#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

/* ---- lines and bytes ----------------------------------------------------- */

const char *fmtcheck_no_controls(const char *text, apr_size_t len, apr_pool_t *p)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];

        if ((c < 0x20 && c != '\n') || c == 0x7F) {
            return apr_psprintf(p, "raw control byte 0x%02x at offset %lu", c, (unsigned long)i);
        }
    }
    return NULL;
}

/* One line (NUL-terminated, without its "\n"): NULL or what is wrong. */
typedef const char *line_check_fn(void *baton, const char *line, apr_pool_t *p);

/* The checks every line-based format shares (no control byte, the last line
 * terminated, no empty line), then check on each line, in order; the first
 * problem found. */
static const char *check_lines(const char *text, apr_size_t len, line_check_fn *check,
                               void *baton, apr_pool_t *p)
{
    const char *err = fmtcheck_no_controls(text, len, p);
    char *copy, *line, *state;
    apr_size_t i;

    if (err) {
        return err;
    }
    if (len == 0 || text[len - 1] != '\n') {
        return "last line unterminated";
    }
    for (i = 0; i < len; i++) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] == '\n')) {
            return apr_psprintf(p, "empty line at offset %lu", (unsigned long)i);
        }
    }
    copy = apr_pstrmemdup(p, text, len);
    for (line = apr_strtok(copy, "\n", &state); line; line = apr_strtok(NULL, "\n", &state)) {
        if ((err = check(baton, line, p)) != NULL) {
            return err;
        }
    }
    return NULL;
}

/* ---- UTF-8 (RFC 3629) ---------------------------------------------------- */

/* Length of the UTF8-char at s (RFC 3629 section 4, its ABNF byte ranges,
 * which rule out overlong forms, surrogates and code points past U+10FFFF),
 * 0 if there is none. An oracle of its own: not the module's decoder. */
static apr_size_t utf8_seq(const unsigned char *s, apr_size_t avail)
{
    static const struct {
        unsigned char lead_lo, lead_hi, second_lo, second_hi, tails;
    } forms[] = {
        { 0x00, 0x7F, 0, 0, 0 },            /* UTF8-1 */
        { 0xC2, 0xDF, 0x80, 0xBF, 0 },      /* UTF8-2 */
        { 0xE0, 0xE0, 0xA0, 0xBF, 1 },      /* UTF8-3 */
        { 0xE1, 0xEC, 0x80, 0xBF, 1 },
        { 0xED, 0xED, 0x80, 0x9F, 1 },
        { 0xEE, 0xEF, 0x80, 0xBF, 1 },
        { 0xF0, 0xF0, 0x90, 0xBF, 2 },      /* UTF8-4 */
        { 0xF1, 0xF3, 0x80, 0xBF, 2 },
        { 0xF4, 0xF4, 0x80, 0x8F, 2 },
    };
    apr_size_t f, k;

    for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
        if (s[0] < forms[f].lead_lo || s[0] > forms[f].lead_hi) {
            continue;
        }
        if (f == 0) {
            return 1;
        }
        if (avail < 2u + forms[f].tails
            || s[1] < forms[f].second_lo || s[1] > forms[f].second_hi) {
            return 0;
        }
        for (k = 0; k < forms[f].tails; k++) {
            if (s[2 + k] < 0x80 || s[2 + k] > 0xBF) {     /* UTF8-tail */
                return 0;
            }
        }
        return 2 + forms[f].tails;
    }
    return 0;
}

/* ---- JSON (RFC 8259): a parser that only validates ------------------------ */

typedef struct {
    const char *p, *end;
    int depth;
} json_t;

static int is_digit(const json_t *j)
{
    return j->p < j->end && *j->p >= '0' && *j->p <= '9';
}

static void json_ws(json_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) {
        j->p++;
    }
}

static int json_string(json_t *j)
{
    if (j->p >= j->end || *j->p != '"') {
        return 0;
    }
    j->p++;
    while (j->p < j->end) {
        unsigned char c = (unsigned char)*j->p++;

        if (c == '"') {
            return 1;
        }
        if (c < 0x20) {
            return 0;                       /* a raw control character */
        }
        if (c != '\\') {
            continue;
        }
        if (j->p >= j->end) {
            return 0;
        }
        c = (unsigned char)*j->p++;
        if (c == 'u') {
            int k;

            for (k = 0; k < 4; k++) {
                if (j->p >= j->end || !*j->p || !strchr("0123456789abcdefABCDEF", *j->p)) {
                    return 0;
                }
                j->p++;
            }
        }
        else if (!c || !strchr("\"\\/bfnrt", c)) {
            return 0;
        }
    }
    return 0;
}

static int json_number(json_t *j)
{
    if (j->p < j->end && *j->p == '-') {
        j->p++;
    }
    if (j->p < j->end && *j->p == '0') {
        j->p++;
    }
    else if (is_digit(j)) {
        while (is_digit(j)) j->p++;
    }
    else {
        return 0;
    }
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!is_digit(j)) return 0;
        while (is_digit(j)) j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (!is_digit(j)) return 0;
        while (is_digit(j)) j->p++;
    }
    return 1;
}

static int json_literal(json_t *j, const char *lit)
{
    apr_size_t n = strlen(lit);

    if ((apr_size_t)(j->end - j->p) < n || memcmp(j->p, lit, n)) {
        return 0;
    }
    j->p += n;
    return 1;
}

static int json_value(json_t *j);

/* An object or an array, j->p at its opening bracket. */
static int json_container(json_t *j)
{
    char close = *j->p == '{' ? '}' : ']';
    int object = close == '}';

    j->p++;
    json_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 1;
    }
    for (;;) {
        if (object) {
            json_ws(j);
            if (!json_string(j)) return 0;
            json_ws(j);
            if (j->p >= j->end || *j->p++ != ':') return 0;
        }
        if (!json_value(j)) return 0;
        json_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return 1;
        }
        return 0;
    }
}

static int json_value(json_t *j)
{
    int ok;

    if (++j->depth > 64) {
        return 0;
    }
    json_ws(j);
    if (j->p >= j->end) {
        return 0;
    }
    switch (*j->p) {
    case '{': case '[': ok = json_container(j); break;
    case '"': ok = json_string(j); break;
    case 't': ok = json_literal(j, "true"); break;
    case 'f': ok = json_literal(j, "false"); break;
    case 'n': ok = json_literal(j, "null"); break;
    default: ok = json_number(j); break;
    }
    j->depth--;
    return ok;
}

const char *fmtcheck_json(const char *text, apr_size_t len, apr_pool_t *p)
{
    const unsigned char *u = (const unsigned char *)text;
    json_t j = { text, text + len, 0 };
    apr_size_t i = 0, n;

    while (i < len) {
        if (!(n = utf8_seq(u + i, len - i))) {
            return apr_psprintf(p, "invalid UTF-8 at offset %lu", (unsigned long)i);
        }
        i += n;
    }
    if (!json_value(&j)) {
        return apr_psprintf(p, "not JSON at offset %lu: %.80s ... in %.400s",
                            (unsigned long)(j.p - text),
                            apr_pstrmemdup(p, j.p, (apr_size_t)(j.end - j.p)),
                            apr_pstrmemdup(p, text, len));
    }
    json_ws(&j);
    if (j.p != j.end) {
        return apr_psprintf(p, "trailing bytes after the JSON value: %.80s",
                            apr_pstrmemdup(p, j.p, (apr_size_t)(j.end - j.p)));
    }
    return NULL;
}

/* ---- Prometheus text format 0.0.4 ------------------------------------------ */

static int valid_metric_name(const char *s, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'
              || (i && c >= '0' && c <= '9'))) {
            return 0;
        }
    }
    return len > 0;
}

typedef struct {
    const char *help;      /* the family of the last # HELP */
    const char *type;      /* the family of the last # TYPE (after its HELP) */
    apr_hash_t *families;
    apr_hash_t *series;
} metrics_state_t;

/* A "# HELP" or "# TYPE" line. */
static const char *metrics_comment(metrics_state_t *st, const char *line, apr_pool_t *p)
{
    const char *sp = strchr(line + 7, ' ');
    const char *name;

    if (!sp) {
        return apr_psprintf(p, "no text after the name: %s", line);
    }
    name = apr_pstrmemdup(p, line + 7, (apr_size_t)(sp - line - 7));
    if (!strncmp(line, "# HELP ", 7)) {
        if (!valid_metric_name(name, strlen(name))) {
            return apr_psprintf(p, "bad metric name: %s", line);
        }
        if (!sp[1]) {
            return apr_psprintf(p, "empty HELP for %s", name);
        }
        if (apr_hash_get(st->families, name, APR_HASH_KEY_STRING)) {
            return apr_psprintf(p, "family twice: %s", name);
        }
        apr_hash_set(st->families, name, APR_HASH_KEY_STRING, name);
        st->help = name;
        st->type = NULL;
        return NULL;
    }
    if (strncmp(line, "# TYPE ", 7)) {
        return apr_psprintf(p, "stray comment: %s", line);
    }
    if (!st->help || strcmp(name, st->help)) {
        return apr_psprintf(p, "TYPE without its HELP: %s", line);
    }
    if (strcmp(sp + 1, "counter") && strcmp(sp + 1, "gauge")) {
        return apr_psprintf(p, "type %s", sp + 1);
    }
    if (!strcmp(sp + 1, "counter")
        && (strlen(name) <= 6 || strcmp(name + strlen(name) - 6, "_total"))) {
        return apr_psprintf(p, "counter %s without _total", name);
    }
    st->type = name;
    return NULL;
}

/* The labels a family's samples carry, in order: vhost, except version on
 * build_info, code,severity on the server's finding counters and
 * vhost,code,severity on the problem gauge. */
static const char *label_names(const char *family)
{
    if (!strcmp(family, "hsts_audit_build_info")) {
        return "version";
    }
    if (!strcmp(family, "hsts_audit_findings_total")) {
        return "code,severity";
    }
    if (!strcmp(family, "hsts_audit_problem")) {
        return "vhost,code,severity";
    }
    return "vhost";
}

/* The labels at q (after the '{'): name="value" pairs, comma-separated,
 * values with the escapes \\ \" \n only; their names (comma-separated) into
 * names, *end after the '}'. NULL or what is wrong. */
static const char *metrics_labels(const char *line, const char *q, char *names,
                                  apr_size_t size, const char **end, apr_pool_t *p)
{
    names[0] = '\0';
    for (;;) {
        apr_size_t n = strcspn(q, "=");

        if (q[n] != '=' || q[n + 1] != '"' || n == 0 || strlen(names) + n + 2 > size) {
            return apr_psprintf(p, "bad label: %s", line);
        }
        if (names[0]) {
            strcat(names, ",");
        }
        strncat(names, q, n);
        for (q += n + 2; *q && *q != '"'; q++) {
            if (*q == '\\' && (q++, *q != '\\' && *q != '"' && *q != 'n')) {
                return apr_psprintf(p, "bad escape: %s", line);
            }
        }
        if (q[0] != '"') {
            return apr_psprintf(p, "label not closed: %s", line);
        }
        if (q[1] != ',') {
            break;
        }
        q += 2;
    }
    if (q[1] != '}') {
        return apr_psprintf(p, "labels not closed: %s", line);
    }
    *end = q + 2;
    return NULL;
}

/* A sample line: name[{label="value",...}] integer. */
static const char *metrics_sample(metrics_state_t *st, const char *line, apr_pool_t *p)
{
    apr_size_t nlen = strcspn(line, "{ ");
    const char *value = line + nlen, *key;

    if (!st->type || strlen(st->type) != nlen || strncmp(line, st->type, nlen)) {
        return apr_psprintf(p, "sample without its HELP/TYPE: %s", line);
    }
    if (*value == '{') {
        char names[64];
        const char *err = metrics_labels(line, value + 1, names, sizeof(names), &value, p);

        if (err) {
            return err;
        }
        if (strcmp(names, label_names(st->type))) {
            return apr_psprintf(p, "unexpected labels (%s): %s", names, line);
        }
    }
    if (*value != ' ') {
        return apr_psprintf(p, "no value: %s", line);
    }
    key = apr_pstrmemdup(p, line, (apr_size_t)(value - line));
    value += 1 + (value[1] == '-');
    if (!*value || strspn(value, "0123456789") != strlen(value)) {
        return apr_psprintf(p, "bad value: %s", line);
    }
    if (apr_hash_get(st->series, key, APR_HASH_KEY_STRING)) {
        return apr_psprintf(p, "series twice: %s", line);
    }
    apr_hash_set(st->series, key, APR_HASH_KEY_STRING, key);
    return NULL;
}

static const char *metrics_line(void *baton, const char *line, apr_pool_t *p)
{
    metrics_state_t *st = baton;

    return line[0] == '#' ? metrics_comment(st, line, p) : metrics_sample(st, line, p);
}

const char *fmtcheck_metrics(const char *text, apr_size_t len, apr_pool_t *p)
{
    metrics_state_t st = { NULL, NULL, apr_hash_make(p), apr_hash_make(p) };

    return check_lines(text, len, metrics_line, &st, p);
}

/* ---- ?auto ------------------------------------------------------------------ */

static const char *auto_line(void *baton, const char *line, apr_pool_t *p)
{
    const char *colon = strstr(line, ": ");
    apr_size_t klen;

    (void)baton;
    if (strncmp(line, "HstsAudit", 9)) {
        return apr_psprintf(p, "line without HstsAudit: %s", line);
    }
    if (!colon) {
        return apr_psprintf(p, "no ': ' in %s", line);
    }
    klen = (apr_size_t)(colon - line);
    if (strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789_.") != klen) {
        return apr_psprintf(p, "bad key in %s", line);
    }
    if (!colon[2]) {
        return apr_psprintf(p, "empty value in %s", line);
    }
    return NULL;
}

const char *fmtcheck_auto(const char *text, apr_size_t len, apr_pool_t *p)
{
    return check_lines(text, len, auto_line, NULL, p);
}
