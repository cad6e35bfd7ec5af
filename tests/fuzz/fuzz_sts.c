/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * fuzz_sts.c: libFuzzer target for the three Strict-Transport-Security
 * judges of include/hsts_sts.h (Chromium, Firefox, hstspreload), and the
 * Location parsing of the redirect checks (the same bytes as a Location).
 *
 * The input is one field value, byte for byte (not NUL-terminated, any
 * bytes). Each judge runs on it and the documented invariants are checked;
 * a violation calls abort() so libFuzzer keeps the input.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *     $(pkg-config --cflags apr-1) src/sts_*.c tests/fuzz/fuzz_sts.c \
 *     $(pkg-config --libs apr-1) -o fuzz_sts
 *   tests/fuzz/make_seeds.sh seeds && ./fuzz_sts seeds
 */
#include "hsts_audit.h"
#include "hsts_sts.h"
#include "fuzz_require.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** A span lies within the input. */
static int within(const char *p, apr_size_t len, const char *base,
                  size_t size)
{
    return p >= base && len <= size && (size_t)(p - base) <= size - len;
}

static void check_chromium(const char *value, size_t size)
{
    hsts_sts_policy_t p;
    hsts_sts_verdict_e v = hsts_sts_parse(value, size, &p);
    const char *code = hsts_sts_verdict_code(v);
    apr_size_t i;

    require(v == p.verdict);
    require(v >= HSTS_STS_VALID && v <= HSTS_STS_INVALID_TOKEN);
    require((code == NULL) == (v == HSTS_STS_VALID));
    if (v != HSTS_STS_VALID) {
        require(p.max_age == 0 && p.max_age_value == 0);
        require(p.max_age_digits == NULL && p.max_age_digits_len == 0);
        require(p.include_subdomains == 0 && p.max_age_overflow == 0);
        require(p.error_offset <= size);
        require(strncmp(code, "header.invalid.", 15) == 0);
        return;
    }
    require(p.max_age_seen);
    require(p.max_age <= HSTS_CHROMIUM_MAX_AGE_CAP);
    require(p.max_age == (p.max_age_value < HSTS_CHROMIUM_MAX_AGE_CAP
                              ? p.max_age_value : HSTS_CHROMIUM_MAX_AGE_CAP));
    require(!p.max_age_overflow || p.max_age_value == APR_UINT64_MAX);
    require(p.max_age_digits != NULL && p.max_age_digits_len > 0);
    require(within(p.max_age_digits, p.max_age_digits_len, value, size));
    require(!p.max_age_digits_escaped || p.quoted_max_age);
    for (i = 0; i < p.max_age_digits_len; i++) {
        char c = p.max_age_digits[i];

        require((c >= '0' && c <= '9') || (p.max_age_digits_escaped
                                           && c == '\\'));
    }
}

static void check_firefox(const char *value, size_t size)
{
    hsts_sts_firefox_t f;
    int valid = hsts_sts_parse_firefox(value, size, &f);

    require(valid == f.valid && (valid == 0 || valid == 1));
    require(f.max_age <= HSTS_FIREFOX_MAX_AGE_CAP);
    if (!valid) {
        require(f.max_age == 0 && f.include_subdomains == 0);
    }
}

static void check_issue_list(const char *const *list, int n)
{
    int i;

    require(n >= 0);
    for (i = 0; i < n && i < HSTS_PRELOAD_MAX_ISSUES; i++) {
        require(list[i] != NULL);
        require(strncmp(list[i], "header.", 7) == 0);
    }
}

/** The parse part is the same whichever requirements follow. */
static int same_parse(const hsts_preload_result_t *a,
                      const hsts_preload_result_t *b)
{
    return a->max_age_set == b->max_age_set && a->max_age == b->max_age
           && a->include_subdomains == b->include_subdomains
           && a->preload == b->preload;
}

static void check_preload(const char *value, size_t size)
{
    static const hsts_preload_policy_e policies[] = {
        HSTS_PRELOAD_PARSE_ONLY, HSTS_PRELOAD_BULK_1_YEAR,
        HSTS_PRELOAD_BULK_18_WEEKS, HSTS_PRELOAD_REMOVABLE
    };
    hsts_preload_result_t r[4];
    size_t i;

    for (i = 0; i < 4; i++) {
        int n = hsts_preload_check(value, size, policies[i], &r[i]);

        require(n == r[i].n_errors);
        check_issue_list(r[i].errors, r[i].n_errors);
        check_issue_list(r[i].warnings, r[i].n_warnings);
        require(r[i].max_age_set || r[i].max_age == 0);
        require(same_parse(&r[0], &r[i]));
        require(r[i].n_errors >= r[0].n_errors);
    }
    require(r[3].n_warnings == 0);
    /* a header hstspreload would preload is one it could also remove
     * only if it has no preload directive: it always has one */
    require(r[1].n_errors > 0 || r[3].n_errors > 0);
}

/* The audit the module runs per response: findings agree with the verdict. */
static void check_audit(const char *value, size_t size)
{
    hsts_sts_policy_t p;
    hsts_findings_t f = hsts_audit_header(value, size, &p);
    hsts_findings_t invalid = HSTS_FINDING_BIT(hsts_finding_of_verdict(p.verdict));
    char buf[64];

    require((p.verdict == HSTS_STS_VALID) == !(f & invalid) || p.verdict == HSTS_STS_VALID);
    if (p.verdict != HSTS_STS_VALID) {
        require(f & invalid);
    }
    require(hsts_findings_format(f, buf, sizeof(buf)) >= strlen(buf));
}

/* target_cert_ok for the audit: the host it is given lies inside the
 * Location, and is the host hsts_location_https_host() finds. */
typedef struct {
    const char *loc;
    size_t size;
    int calls;
} target_check_t;

static int target_probe(void *baton, const char *host, apr_size_t len)
{
    target_check_t *t = baton;
    const char *h;
    apr_size_t n;

    require(within(host, len, t->loc, t->size));
    require(hsts_location_https_host(t->loc, &h, &n) && h == host && n == len);
    t->calls++;
    return (int)(len % 3) - 1;                 /* -1, 0 or 1 */
}

/* The bytes as a Location (NUL-terminated copy: a header value is). */
static void check_location(const char *data, size_t size)
{
    char *loc = malloc(size + 1);
    hsts_audit_scope_t scope = { -1, 0, 0, 0 };
    hsts_audit_response_t r;
    target_check_t t;
    const char *h = NULL;
    apr_size_t n = 0;
    size_t len;

    require(loc != NULL);
    memcpy(loc, data, size);
    loc[size] = '\0';
    len = strlen(loc);
    if (hsts_location_https_host(loc, &h, &n)) {
        char *copy = malloc(n + 1);

        require(n > 0 && within(h, n, loc, len) && h >= loc + 8);
        require(!memchr(h, '/', n) && !memchr(h, '?', n) && !memchr(h, '#', n));
        require(copy != NULL);
        memcpy(copy, h, n);
        copy[n] = '\0';
        require(strlen(copy) != n || hsts_location_is_https_same_host(loc, copy));
        free(copy);
    }
    memset(&r, 0, sizeof(r));
    memset(&t, 0, sizeof(t));
    t.loc = loc;
    t.size = len;
    r.is_https = 1;
    r.status = 302;
    r.location = loc;
    r.target_cert_ok = target_probe;
    r.target_baton = &t;
    (void)hsts_audit_response(&scope, &r, NULL);
    require(t.calls <= 1);
    free(loc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *value = (const char *)data;

    check_location(value, size);
    check_chromium(value, size);
    check_firefox(value, size);
    check_preload(value, size);
    check_audit(value, size);
    return 0;
}
