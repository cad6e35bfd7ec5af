/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * fuzz_render.c: libFuzzer target for the status page's escaping
 * (include/hsts_escape.h) and renderers (include/hsts_status.h), fed with
 * hostile snapshots: every string a snapshot holds (vhost names, aliases,
 * policies, certificate fields, the Host and path of recent-findings ring
 * entries) is built from fuzzer bytes, control characters, quotes, '<', '&',
 * invalid UTF-8 and all; counters, finding bits and times are arbitrary.
 *
 * Checked on each input (a violation calls abort(), so libFuzzer keeps it):
 *  - hsts_json_string(): output is a JSON string literal (RFC 8259) and valid
 *    UTF-8, no longer than 6n+2, and decodes back to the input bytes (\u00XX
 *    read as the byte XX);
 *  - hsts_prom_label(): only \\ \" \n escapes, no raw control byte, and decodes
 *    back to the input with other control bytes as '?';
 *  - hsts_status_parse_query(): format and refresh within their ranges;
 *  - ?json, ?metrics, ?auto: the rules of tests/common/status_formats.h (one
 *    valid JSON value in valid UTF-8; HELP and TYPE before each family's
 *    well-formed samples, no control byte, no series twice; "HstsAudit<key>:
 *    value" lines without control bytes);
 *  - HTML (page, section, notable): no control byte but \n, and every '<' opens
 *    one of the renderer's own tags (so request data never opens a tag).
 *
 *   make tests/fuzz/fuzz_render && tests/fuzz/fuzz_render -max_total_time=60
 */
#include "hsts_escape.h"
#include "hsts_status.h"
#include "fuzz_require.h"
#include "output_sink.h"
#include "status_formats.h"

#include <apr_general.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static apr_pool_t *root_pool;

/* ---- input ------------------------------------------------------------ */

typedef struct {
    const uint8_t *p;
    size_t n;
} src_t;

static unsigned u8(src_t *s)
{
    unsigned v = 0;

    if (s->n) {
        v = *s->p++;
        s->n--;
    }
    return v;
}

static uint64_t u64(src_t *s)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++) {
        v = (v << 8) | u8(s);
    }
    return v;
}

/* A NUL-terminated string of up to 255 bytes (a NUL byte in the input ends it
 * early, as it would in a C string), or NULL when nullable and asked for. */
static const char *str(src_t *s, apr_pool_t *p, int nullable)
{
    unsigned len = u8(s);
    char *out;

    if (nullable && len == 255) {
        return NULL;
    }
    if (len > s->n) {
        len = (unsigned)s->n;
    }
    out = apr_pstrmemdup(p, (const char *)s->p, len);
    s->p += len;
    s->n -= len;
    return out;
}

static apr_array_header_t *strs(src_t *s, apr_pool_t *p)
{
    unsigned n = u8(s) % 5, i;
    apr_array_header_t *a;

    if (n == 4) {
        return NULL;
    }
    a = apr_array_make(p, (int)n + 1, sizeof(const char *));
    for (i = 0; i < n; i++) {
        APR_ARRAY_PUSH(a, const char *) = str(s, p, 0);
    }
    return a;
}

/* Times between the years 1900 and 9999 (certificates carry such dates). */
static apr_time_t when(src_t *s)
{
    const int64_t lo = -APR_INT64_C(2208988800) * APR_USEC_PER_SEC;
    const int64_t span = APR_INT64_C(253402300799) * APR_USEC_PER_SEC - lo;

    return lo + (apr_time_t)(u64(s) % (uint64_t)span);
}

static hsts_status_snapshot_t *snapshot(src_t *s, apr_pool_t *p)
{
    hsts_status_snapshot_t *snap = apr_pcalloc(p, sizeof(*snap));
    hsts_status_vhost_t *v;
    hsts_status_recent_t *r;
    size_t i;
    int c;

    snap->module = str(s, p, 1);
    snap->version = str(s, p, 1);
    snap->server_description = str(s, p, 1);
    snap->server_name = str(s, p, 1);
    snap->now = when(s);
    snap->started = when(s);
    snap->uptime_s = apr_time_sec(snap->now - snap->started);
    snap->recent_capacity = (apr_uint32_t)u64(s);
    for (c = 0; c < HSTS_C_COUNT; c++) {
        snap->counters[c] = u64(s);
    }
    for (c = 0; c < HSTS_F_COUNT; c++) {
        snap->findings[c] = u8(s) & 1 ? u64(s) : 0;
    }
    snap->n_vhosts = u8(s) % 5;
    snap->vhosts = v = apr_pcalloc(p, sizeof(*v) * (snap->n_vhosts + 1));
    for (i = 0; i < snap->n_vhosts; i++) {
        unsigned flags = u8(s);

        v[i].name = str(s, p, 0);
        v[i].aliases = strs(s, p);
        v[i].tls = flags & 1;
        v[i].main_server = (flags >> 1) & 1;
        v[i].mode = str(s, p, 0);
        v[i].policy = str(s, p, 1);
        v[i].guard_withhold = (flags >> 2) & 1;
        v[i].unsafe_subdomains = strs(s, p);
        for (c = 0; c < HSTS_C_COUNT; c++) {
            v[i].counters[c] = flags & 8 ? u64(s) : 0;
        }
        for (c = 0; c < HSTS_F_COUNT; c++) {
            v[i].findings[c] = flags & 16 ? u8(s) : 0;
        }
        if (flags & 32) {
            hsts_status_cert_t *cert = apr_pcalloc(p, sizeof(*cert));

            cert->subject = str(s, p, 1);
            cert->issuer = str(s, p, 1);
            cert->not_after = u8(s) & 1 ? when(s) : 0;
            cert->names = strs(s, p);
            cert->chain_complete = (int)(u8(s) % 3) - 1;
            cert->findings = u64(s);
            v[i].cert = cert;
        }
        if (flags & 64) {
            hsts_status_problem_t *pr;
            size_t j;

            unsigned first = u8(s);

            /* as the glue makes them: valid codes, each once per vhost */
            v[i].n_problems = u8(s) % 4;
            v[i].problems = pr = apr_pcalloc(p, sizeof(*pr) * (v[i].n_problems + 1));
            for (j = 0; j < v[i].n_problems; j++) {
                pr[j].code = (hsts_finding_e)((first + j) % HSTS_F_COUNT);
                pr[j].severity = u8(s) & 1 ? HSTS_SEVERITY_ERROR : HSTS_SEVERITY_WARNING;
                pr[j].since = u8(s) & 1 ? when(s) : 0;
                pr[j].detail = str(s, p, 1);
            }
        }
    }
    snap->last_check = u8(s) & 1 ? when(s) : 0;
    snap->n_recent = u8(s) % 9;
    snap->recent = r = apr_pcalloc(p, sizeof(*r) * (snap->n_recent + 1));
    for (i = 0; i < snap->n_recent; i++) {
        r[i].time = when(s);
        r[i].vhost = str(s, p, 0);
        r[i].host = str(s, p, 0);
        r[i].path = str(s, p, 0);
        r[i].findings = u64(s);
    }
    return snap;
}

/* ---- output checks ------------------------------------------------------- */
/* The sink and the ?json, ?metrics and ?auto checkers are tests/common/'s
 * (output_sink.h, status_formats.h), shared with the unit tests. */

static void require_format(const char *(*check)(const char *, apr_size_t, apr_pool_t *),
                           const sink_t *sink, apr_pool_t *p)
{
    require(sink->empty_calls == 0);    /* the writer is never called with 0 bytes */
    require(check(sink->data, sink->len, p) == NULL);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void check_html(const char *s, size_t len)
{
    static const char *const tags[] = {
        "html", "head", "body", "title", "style", "meta", "h1", "h2", "h3", "table",
        "tr", "td", "th", "br", "dl", "dt", "dd", "span", "a", "i", "b", "hr", "p",
        "address", "thead", "tbody", "code", "small", "ul", "li", "pre", "div", NULL
    };
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        require(c == '\n' || (c >= 0x20 && c != 0x7F));
        if (c == '<') {
            size_t j = i + 1, n;
            int k, known = 0;

            if (j < len && s[j] == '!') {           /* <!DOCTYPE html> */
                require(len - j >= 8 && !strncmp(s + j, "!DOCTYPE", 8));
                continue;
            }
            if (j < len && s[j] == '/') {
                j++;
            }
            for (n = 0; j + n < len && s[j + n] >= 'a' && s[j + n] <= 'z'; n++)
                ;
            if (n == 0) {
                /* h1/h2 digits */
            }
            while (j + n < len && s[j + n] >= '0' && s[j + n] <= '9') n++;
            for (k = 0; tags[k]; k++) {
                if (strlen(tags[k]) == n && !strncmp(tags[k], s + j, n)) {
                    known = 1;
                }
            }
            require(known);
            require(j + n < len && (s[j + n] == '>' || s[j + n] == ' ' || s[j + n] == '/'));
        }
    }
}

/* ---- escaping -------------------------------------------------------------- */

static void check_json_string(const uint8_t *data, size_t size, apr_pool_t *p)
{
    const char *out = hsts_json_string(p, (const char *)data, size);
    size_t n = strlen(out), i, k = 0;

    require(n <= 6 * size + 2);
    require(out[0] == '"' && fmtcheck_json(out, n, p) == NULL);   /* one string literal */
    /* decode: \u00XX is the byte XX, everything else as usual */
    for (i = 1; i + 1 < n; i++) {
        unsigned char c = (unsigned char)out[i], b;

        if (c == '\\') {
            c = (unsigned char)out[++i];
            switch (c) {
            case 'n': b = '\n'; break;
            case 'r': b = '\r'; break;
            case 't': b = '\t'; break;
            case '"': case '\\': case '/': b = c; break;
            case 'u':
                require(out[i + 1] == '0' && out[i + 2] == '0');
                b = (unsigned char)(hexval(out[i + 3]) * 16 + hexval(out[i + 4]));
                i += 4;
                break;
            default:
                require(0);
                return;
            }
        }
        else {
            b = c;
        }
        require(k < size && data[k] == b);
        k++;
    }
    require(k == size);
    require(!strcmp(hsts_json_string(p, NULL, 0), "null"));
}

static void check_prom_label(const uint8_t *data, size_t size, apr_pool_t *p)
{
    const char *in = apr_pstrmemdup(p, (const char *)data, size);   /* up to a NUL */
    const char *out = hsts_prom_label(p, in);
    size_t n = strlen(out), i, k = 0, inlen = strlen(in);

    require(n <= 2 * inlen);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i], b;

        require(c >= 0x20 && c != 0x7F && c != '"');
        if (c == '\\') {
            c = (unsigned char)out[++i];
            require(c == '\\' || c == '"' || c == 'n');
            b = c == 'n' ? '\n' : c;
        }
        else {
            b = c;
        }
        require(k < inlen);
        if ((unsigned char)in[k] < 0x20 && in[k] != '\n') {
            require(b == '?');
        }
        else if ((unsigned char)in[k] == 0x7F) {
            require(b == '?');
        }
        else {
            require(b == (unsigned char)in[k]);
        }
        k++;
    }
    require(k == inlen);
}

static void check_query(const uint8_t *data, size_t size, apr_pool_t *p)
{
    hsts_status_query_t q;

    hsts_status_parse_query(apr_pstrmemdup(p, (const char *)data, size), &q);
    require(q.format >= HSTS_STATUS_HTML && q.format <= HSTS_STATUS_METRICS);
    require(q.refresh >= 0 && q.refresh <= HSTS_STATUS_REFRESH_MAX);
    hsts_status_parse_query(NULL, &q);
    require(q.format == HSTS_STATUS_HTML && q.refresh == 0);
}

/* ---- entry points ------------------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&root_pool, NULL);
    return 0;
}

static void render(hsts_status_format_e format, const hsts_status_snapshot_t *snap,
                   unsigned flags, int refresh, sink_t *sink, apr_pool_t *p)
{
    sink_reset(sink);
    hsts_status_render(format, snap, flags, refresh, sink_write, sink, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sink_t sink;
    apr_pool_t *p;
    src_t src = { data, size };
    hsts_status_snapshot_t *snap;
    unsigned flags;
    int refresh;

    apr_pool_create(&p, root_pool);
    check_json_string(data, size, p);
    check_prom_label(data, size, p);
    check_query(data, size, p);

    flags = u8(&src);
    refresh = (int)(u8(&src) % 8);
    snap = snapshot(&src, p);

    render(HSTS_STATUS_JSON, snap, 0, 0, &sink, p);
    require_format(fmtcheck_json, &sink, p);
    render(HSTS_STATUS_METRICS, snap, 0, 0, &sink, p);
    require_format(fmtcheck_metrics, &sink, p);
    render(HSTS_STATUS_AUTO, snap, flags & HSTS_STATUS_SECTION, 0, &sink, p);
    require_format(fmtcheck_auto, &sink, p);
    render(HSTS_STATUS_HTML, snap, flags & (HSTS_STATUS_SECTION | HSTS_STATUS_NOTABLE),
           refresh, &sink, p);
    require(sink.empty_calls == 0);
    check_html(sink.data, sink.len);

    apr_pool_destroy(p);
    return 0;
}
