/* Unit tests (Check) for the status page's renderers (src/status_*.c):
 * query parsing, the snapshot from a statistics area, and each format with
 * hostile data (a Host and a path of `<script>"\x01`, a vhost name with
 * quotes, backslashes and a newline): HTML entities, JSON string literals
 * (the whole output is run through a strict JSON syntax checker,
 * tests/common/status_formats.c),
 * Prometheus label values, one-line ?auto values. */
#include "unit.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <apr_general.h>
#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "hsts_status.h"
#include "hsts_duration.h"
#include "status_model.h"
#include "output_sink.h"
#include "status_formats.h"


/* ---- rendering and the format checks (tests/common/) ------------------- */

/* Render into a pool-owned NUL-terminated string. */
static const char *render(hsts_status_format_e fmt, const hsts_status_snapshot_t *snap,
                          unsigned flags, int refresh)
{
    sink_t s = { 0 };
    char *out;

    hsts_status_render(fmt, snap, flags, refresh, sink_write, &s, pool);
    ck_assert_int_eq(s.empty_calls, 0);          /* the writer is never called with 0 bytes */
    out = apr_pstrmemdup(pool, s.data ? s.data : "", s.len);
    ck_assert_uint_eq(strlen(out), s.len);       /* no NUL byte in the output */
    sink_free(&s);
    return out;
}

/* Fails the test with the checker's message when check finds a problem. */
#define assert_format(check, text) do { \
        const char *text_ = (text); \
        const char *err_ = check(text_, strlen(text_), pool); \
        ck_assert_msg(err_ == NULL, "%s: %s", #check, err_); \
    } while (0)

START_TEST(json_checker_self_test)
{
    static const char *const bad[] = {
        "{\"a\":[1,]}", "{\"a\":\"\x01\"}", "{\"a\":\"\\x01\"}", "{a:1}", NULL
    };
    int i;

    assert_format(fmtcheck_json, "{\"a\":[1,-2,true,null,\"x\\u0001\"]}");
    for (i = 0; bad[i]; i++) {
        ck_assert_ptr_nonnull(fmtcheck_json(bad[i], strlen(bad[i]), pool));
    }
}
END_TEST

/* ---- snapshots ---------------------------------------------------------- */

#define HOSTILE "<script>\"\x01"
#define T0 apr_time_from_sec(1790000000)      /* 2026-09-21T14:13:20Z */

static apr_array_header_t *strings(const char *a, const char *b)
{
    apr_array_header_t *arr = apr_array_make(pool, 2, sizeof(const char *));

    if (a) {
        APR_ARRAY_PUSH(arr, const char *) = a;
    }
    if (b) {
        APR_ARRAY_PUSH(arr, const char *) = b;
    }
    return arr;
}

/* Three vhosts: a TLS one with a certificate, a plain one, and one whose
 * name is hostile (names come from the configuration, but are escaped all
 * the same); two recent entries with a hostile host and path. */
static hsts_status_snapshot_t *hostile_snapshot(void)
{
    hsts_status_snapshot_t *snap = apr_pcalloc(pool, sizeof(*snap));
    hsts_status_vhost_t *v = apr_pcalloc(pool, 3 * sizeof(*v));
    hsts_status_recent_t *r = apr_pcalloc(pool, 2 * sizeof(*r));
    hsts_status_cert_t *cert = apr_pcalloc(pool, sizeof(*cert));
    hsts_status_problem_t *pr = apr_pcalloc(pool, 2 * sizeof(*pr));

    snap->version = "9.8.7";
    snap->server_description = "Apache/2.4 (Test)";
    snap->server_name = HOSTILE;
    snap->now = T0;
    snap->started = T0 - apr_time_from_sec(3723);
    snap->uptime_s = 3723;
    snap->recent_capacity = 64;
    snap->last_check = T0 - apr_time_from_sec(10);
    snap->counters[HSTS_C_REQUESTS_HTTPS] = 12;
    snap->counters[HSTS_C_REQUESTS_HTTP] = 3;
    snap->counters[HSTS_C_STS_ADDED] = 11;
    snap->counters[HSTS_C_CLIENT_CERT_REJECTED_496] = 2;
    snap->findings[HSTS_F_HEADER_INVALID_SYNTAX] = 4;
    snap->findings[HSTS_F_CLIENT_CERT_MISSING] = 2;

    cert->subject = "CN=www.example.org";
    cert->issuer = "CN=Example CA, O=\"Quote\" & <Co>";
    cert->not_after = T0 + apr_time_from_sec(41 * 86400 + 100);
    cert->names = strings("www.example.org", "example.org");
    cert->chain_complete = 1;
    cert->findings = HSTS_FINDING_BIT(HSTS_F_CERT_EXPIRING_SOON);

    v[0].name = "www.example.org:443";
    v[0].aliases = strings("example.org", "*.example.org");
    v[0].tls = 1;
    v[0].mode = "add";
    v[0].policy = "max-age=31536000; includeSubDomains";
    v[0].sent_policy = "max-age=63072000";      /* a kept "Header always set" */
    v[0].counters[HSTS_C_REQUESTS_HTTPS] = 12;
    v[0].counters[HSTS_C_STS_ADDED] = 11;
    v[0].counters[HSTS_C_CLIENT_CERT_REJECTED_496] = 2;
    v[0].findings[HSTS_F_HEADER_INVALID_SYNTAX] = 4;
    v[0].findings[HSTS_F_CLIENT_CERT_MISSING] = 2;
    v[0].cert = cert;
    pr[0].code = HSTS_F_CERT_EXPIRING_SOON;
    pr[0].since = T0 - apr_time_from_sec(100);
    pr[0].detail = "not after 2026-11-01T14:15:00Z, 41 days left";
    v[0].problems = pr;
    v[0].n_problems = 1;
    {
        static const apr_int64_t steps[] = { 300, 86400, 31536000 };
        hsts_status_ramp_t *ramp = apr_pcalloc(pool, sizeof(*ramp));

        ramp->steps = steps;
        ramp->n_steps = 3;
        ramp->step = 1;
        ramp->max_age = 86400;
        ramp->since = T0 - apr_time_from_sec(1000);
        ramp->next_max_age = 31536000;
        ramp->next_at = T0 + apr_time_from_sec(85400);
        ramp->held_at = T0 - apr_time_from_sec(500);
        ramp->held_by = HSTS_FINDING_BIT(HSTS_F_CERT_EXPIRED);
        v[0].ramp = ramp;
    }

    v[1].name = "www.example.org:80";
    v[1].mode = "report";
    v[1].counters[HSTS_C_REQUESTS_HTTP] = 3;

    v[2].name = "evil" HOSTILE "\\\n.test:8443";
    v[2].aliases = strings(HOSTILE, NULL);
    v[2].tls = 1;
    v[2].mode = "enforce";
    v[2].policy = "max-age=1";
    v[2].unsafe_subdomains = strings("plain.example.org", "x<y>.example.org");
    v[2].guard_withhold = 1;
    pr[1].code = HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS;
    pr[1].severity = HSTS_SEVERITY_ERROR;
    pr[1].since = 0;                         /* unknown */
    pr[1].detail = "subdomains: plain.example.org x<y>.example.org";
    v[2].problems = pr + 1;
    v[2].n_problems = 1;
    {
        hsts_status_preload_t *pl = apr_pcalloc(pool, sizeof(*pl));

        pl->verdict = "at risk";
        pl->codes = strings("redirects.http.www_first", HOSTILE);
        pl->checked_at = T0 - apr_time_from_sec(10);
        pl->note = "note " HOSTILE;
        v[2].preload = pl;
    }

    r[0].time = T0 - apr_time_from_sec(5);
    r[0].vhost = "www.example.org:443";
    r[0].host = HOSTILE;
    r[0].path = "/" HOSTILE;
    r[0].findings = HSTS_FINDING_BIT(HSTS_F_HEADER_INVALID_SYNTAX)
                    | HSTS_FINDING_BIT(HSTS_F_HEADER_MULTIPLE);
    r[1].time = T0 - apr_time_from_sec(60);
    r[1].vhost = "www.example.org:443";
    r[1].host = "www.example.org";
    r[1].path = "/\xc3\xa9t\xe9";        /* valid UTF-8, then a lone 0xE9 */
    r[1].findings = HSTS_FINDING_BIT(HSTS_F_CLIENT_CERT_MISSING);

    snap->vhosts = v;
    snap->n_vhosts = 3;
    snap->recent = r;
    snap->n_recent = 2;
    return snap;
}

/* ---- query and small helpers --------------------------------------------- */

static hsts_status_query_t parse(const char *args)
{
    hsts_status_query_t q;

    q.format = HSTS_STATUS_METRICS;
    q.refresh = -7;
    hsts_status_parse_query(args, &q);
    return q;
}

START_TEST(query_parsing)
{
    ck_assert_int_eq(parse(NULL).format, HSTS_STATUS_HTML);
    ck_assert_int_eq(parse(NULL).refresh, 0);
    ck_assert_int_eq(parse("").format, HSTS_STATUS_HTML);
    ck_assert_int_eq(parse("auto").format, HSTS_STATUS_AUTO);
    ck_assert_int_eq(parse("json").format, HSTS_STATUS_JSON);
    ck_assert_int_eq(parse("metrics").format, HSTS_STATUS_METRICS);
    ck_assert_int_eq(parse("json=1").format, HSTS_STATUS_JSON);
    ck_assert_int_eq(parse("x=auto&json").format, HSTS_STATUS_JSON);
    ck_assert_int_eq(parse("json&auto").format, HSTS_STATUS_JSON);
    ck_assert_int_eq(parse("refresh=5;metrics").format, HSTS_STATUS_METRICS);
    ck_assert_int_eq(parse("autox").format, HSTS_STATUS_HTML);
    ck_assert_int_eq(parse("JSON").format, HSTS_STATUS_HTML);
    ck_assert_int_eq(parse("refresh=5").refresh, 5);
    ck_assert_int_eq(parse("auto&refresh=30").refresh, 30);
    ck_assert_int_eq(parse("auto&refresh=30").format, HSTS_STATUS_AUTO);
    ck_assert_int_eq(parse("refresh").refresh, HSTS_STATUS_REFRESH_DEFAULT);
    ck_assert_int_eq(parse("refresh=").refresh, HSTS_STATUS_REFRESH_DEFAULT);
    ck_assert_int_eq(parse("refresh=0").refresh, HSTS_STATUS_REFRESH_DEFAULT);
    ck_assert_int_eq(parse("refresh=-3").refresh, HSTS_STATUS_REFRESH_DEFAULT);
    ck_assert_int_eq(parse("refresh=5x").refresh, HSTS_STATUS_REFRESH_DEFAULT);
    ck_assert_int_eq(parse("refresh=99999999999999999999").refresh, HSTS_STATUS_REFRESH_MAX);
    ck_assert_int_eq(parse("refresh=3601").refresh, HSTS_STATUS_REFRESH_MAX);
}
END_TEST

START_TEST(names_and_types)
{
    ck_assert_str_eq(hsts_status_content_type(HSTS_STATUS_METRICS),
                     "text/plain; version=0.0.4; charset=utf-8");
    ck_assert_str_eq(hsts_status_content_type(HSTS_STATUS_JSON), "application/json");
    assert_contains(hsts_status_content_type(HSTS_STATUS_HTML), "text/html");
    assert_contains(hsts_status_content_type(HSTS_STATUS_AUTO), "text/plain");
    ck_assert_str_eq(hsts_status_counter_key(HSTS_C_REQUESTS_HTTPS), "requests_https");
    ck_assert_str_eq(hsts_status_counter_key(HSTS_C_STS_WITHHELD), "sts_withheld");
    ck_assert_str_eq(hsts_status_counter_key(HSTS_C_CLIENT_CERT_REJECTED_496),
                     "client_cert_rejected_496");
    ck_assert_ptr_null(hsts_status_counter_key(HSTS_C_COUNT));
    ck_assert_str_ne(hsts_status_version(), "");
}
END_TEST

START_TEST(days_left)
{
    apr_time_t day = apr_time_from_sec(86400);

    ck_assert_int_eq(hsts_days_until(T0 + 41 * day + 1, T0), 41);
    ck_assert_int_eq(hsts_days_until(T0 + 41 * day, T0), 41);
    ck_assert_int_eq(hsts_days_until(T0 + day - 1, T0), 0);
    ck_assert_int_eq(hsts_days_until(T0, T0), 0);
    ck_assert_int_eq(hsts_days_until(T0 - 1, T0), -1);
    ck_assert_int_eq(hsts_days_until(T0 - day, T0), -1);
    ck_assert_int_eq(hsts_days_until(T0 - day - 1, T0), -2);
}
END_TEST

/* ---- snapshot from a statistics area ------------------------------------ */

/* Collects what hsts_status_recent_each() hands over (strings copied:
 * the entry's pool is cleared after each call). */
typedef struct {
    hsts_status_recent_t e[8];
    apr_size_t index[8];
    char vhost[8][64], host[8][64], path[8][64];
} recent_got_t;

static void collect_recent(void *baton, apr_pool_t *p, apr_size_t index,
                           const hsts_status_recent_t *e)
{
    recent_got_t *g = baton;

    (void)p;
    if (index < 8) {
        g->e[index] = *e;
        g->index[index] = index;
        apr_cpystrn(g->vhost[index], e->vhost, sizeof(g->vhost[index]));
        apr_cpystrn(g->host[index], e->host, sizeof(g->host[index]));
        apr_cpystrn(g->path[index], e->path, sizeof(g->path[index]));
        g->e[index].vhost = g->vhost[index];
        g->e[index].host = g->host[index];
        g->e[index].path = g->path[index];
    }
}

START_TEST(snapshot_from_stats)
{
    recent_got_t got;
    apr_pool_t *entry_pool;
    void *mem = apr_pcalloc(pool, hsts_stats_size(2, 4));
    hsts_stats_t *st = hsts_stats_init(mem, 2, 4, T0 - apr_time_from_sec(100));
    hsts_status_snapshot_t snap;
    hsts_status_vhost_t row;
    int i;

    apr_cpystrn(hsts_stats_set(st, 1)->name, "a.test:443", HSTS_STATS_NAME_LEN);
    apr_cpystrn(hsts_stats_set(st, 2)->name, "b.test:80", HSTS_STATS_NAME_LEN);
    for (i = 0; i < 5; i++) {
        hsts_stats_count(st, 1, HSTS_C_REQUESTS_HTTPS);
    }
    hsts_stats_count(st, 2, HSTS_C_REQUESTS_HTTP);
    hsts_stats_count_findings(st, 1, HSTS_FINDING_BIT(HSTS_F_HEADER_MULTIPLE));
    hsts_stats_ring_add(st, 1, T0 - apr_time_from_sec(9),
                        HSTS_FINDING_BIT(HSTS_F_HEADER_MULTIPLE), "a.test", "/first");
    hsts_stats_ring_add(st, 2, T0 - apr_time_from_sec(8),
                        HSTS_FINDING_BIT(HSTS_F_HEADER_OVER_HTTP), HOSTILE, "/" HOSTILE);

    hsts_status_snapshot_init(&snap, pool, st, T0, 1);
    ck_assert_int_eq(snap.uptime_s, 100);
    ck_assert_int_eq(snap.started, T0 - apr_time_from_sec(100));
    ck_assert_uint_eq(snap.recent_capacity, 4);
    ck_assert_uint_eq(snap.counters[HSTS_C_REQUESTS_HTTPS], 5);
    ck_assert_uint_eq(snap.counters[HSTS_C_REQUESTS_HTTP], 1);
    ck_assert_uint_eq(snap.findings[HSTS_F_HEADER_MULTIPLE], 1);
    ck_assert_uint_eq(snap.n_recent, 2);
    ck_assert_ptr_null(snap.recent);                /* nothing copied up front */
    apr_pool_create(&entry_pool, pool);             /* cleared per entry */
    ck_assert_uint_eq(hsts_status_recent_each(&snap, entry_pool, collect_recent, &got), 2);
    ck_assert_str_eq(got.e[0].vhost, "b.test:80");     /* newest first */
    ck_assert_str_eq(got.e[0].host, HOSTILE);
    ck_assert_str_eq(got.e[0].path, "/" HOSTILE);
    ck_assert_str_eq(got.e[1].vhost, "a.test:443");
    ck_assert_str_eq(got.e[1].path, "/first");
    ck_assert_uint_eq(got.index[1], 1);

    /* Written after the snapshot: not listed. The ring holds 4: two more
     * overwrite nothing yet; three more overwrite "/first", which is then
     * left out rather than shown with another entry's data. */
    hsts_stats_ring_add(st, 1, T0, HSTS_FINDING_BIT(HSTS_F_HEADER_MULTIPLE), "c", "/3");
    hsts_stats_ring_add(st, 1, T0, HSTS_FINDING_BIT(HSTS_F_HEADER_MULTIPLE), "c", "/4");
    memset(&got, 0, sizeof(got));
    ck_assert_uint_eq(hsts_status_recent_each(&snap, entry_pool, collect_recent, &got), 2);
    ck_assert_str_eq(got.e[1].path, "/first");
    hsts_stats_ring_add(st, 1, T0, HSTS_FINDING_BIT(HSTS_F_HEADER_MULTIPLE), "c", "/5");
    memset(&got, 0, sizeof(got));
    ck_assert_uint_eq(hsts_status_recent_each(&snap, entry_pool, collect_recent, &got), 1);
    ck_assert_str_eq(got.e[0].path, "/" HOSTILE);

    hsts_status_snapshot_init(&snap, pool, st, T0, 0);
    ck_assert_uint_eq(snap.n_recent, 0);
    ck_assert_uint_eq(snap.counters[HSTS_C_REQUESTS_HTTPS], 5);

    memset(&row, 0xff, sizeof(row));
    hsts_status_vhost_counters(&row, st, 1);
    ck_assert_uint_eq(row.counters[HSTS_C_REQUESTS_HTTPS], 5);
    ck_assert_uint_eq(row.counters[HSTS_C_REQUESTS_HTTP], 0);
    ck_assert_uint_eq(row.findings[HSTS_F_HEADER_MULTIPLE], 1);
    hsts_status_vhost_counters(&row, st, 2);
    ck_assert_uint_eq(row.counters[HSTS_C_REQUESTS_HTTP], 1);
    hsts_status_vhost_counters(&row, st, 7);        /* out of range: zeroes */
    ck_assert_uint_eq(row.counters[HSTS_C_REQUESTS_HTTP], 0);

    /* the rendered JSON of that snapshot is valid and escapes the ring */
    hsts_status_snapshot_init(&snap, pool, st, T0, 1);
    assert_format(fmtcheck_json, render(HSTS_STATUS_JSON, &snap, 0, 0));

    hsts_status_snapshot_init(&snap, pool, NULL, T0, 1);    /* no area: empty */
    ck_assert_uint_eq(snap.counters[HSTS_C_REQUESTS_HTTPS], 0);
    ck_assert_int_eq(snap.uptime_s, 0);
}
END_TEST

/* ---- HTML ---------------------------------------------------------------- */

START_TEST(html_escapes_request_data)
{
    const char *html = render(HSTS_STATUS_HTML, hostile_snapshot(), 0, 0);

    assert_format(fmtcheck_no_controls, html);
    assert_lacks(html, "<script");
    assert_lacks(html, "\"\\x01");                 /* the quote never raw before it */
    assert_contains(html, "&lt;script&gt;&quot;\\x01");     /* host */
    assert_contains(html, "/&lt;script&gt;&quot;\\x01");    /* path */
    assert_contains(html, "<title>HSTS Audit Status for &lt;script&gt;&quot;\\x01</title>");
    assert_contains(html, "evil&lt;script&gt;&quot;\\x01\\\\x0a.test:8443");
    assert_contains(html, "CN=Example CA, O=&quot;Quote&quot; &amp; &lt;Co&gt;");
    assert_lacks(html, "http-equiv=\"refresh\"");
    assert_contains(html, "<!DOCTYPE html>");
    assert_contains(html, "</html>\n");
}
END_TEST

/* The value a vhost last sent comes from a response: a backend's header the
 * module kept may be valid and still carry markup and control bytes in an
 * unknown directive's quoted value. Escaped in every format. */
START_TEST(sent_policy_is_escaped)
{
    hsts_status_snapshot_t *snap = hostile_snapshot();
    hsts_status_vhost_t *v = apr_pmemdup(pool, snap->vhosts, 3 * sizeof(*v));
    const char *html, *json, *a;

    v[0].sent_policy = "max-age=1; x=\"" HOSTILE "\"";
    snap->vhosts = v;
    html = render(HSTS_STATUS_HTML, snap, 0, 0);
    json = render(HSTS_STATUS_JSON, snap, 0, 0);
    a = render(HSTS_STATUS_AUTO, snap, 0, 0);
    assert_format(fmtcheck_no_controls, html);
    assert_lacks(html, "<script");
    assert_contains(html, "sent: max-age=1; x=&quot;&lt;script&gt;&quot;\\x01&quot;</span>");
    assert_contains(json, "\"sent_policy\":\"max-age=1; x=\\\"<script>\\\"\\u0001\\\"\",");
    assert_contains(a, "\nHstsAuditVhost.1.SentPolicy: max-age=1; x=\"<script>\"?\"\n");
}
END_TEST

START_TEST(html_shows_everything)
{
    const char *html = render(HSTS_STATUS_HTML, hostile_snapshot(), 0, 15);

    assert_contains(html, "<meta http-equiv=\"refresh\" content=\"15\">");
    assert_contains(html, "Uptime: 1 hour 2 minutes 3 seconds");
    /* problems first: errors before warnings, each with vhost, since, what,
     * browser errors and fix; a problem's row counts vhosts, not responses */
    assert_contains(html, "<dt>Problems now: 2 (1 error, 1 warning); certificates last "
                          "checked 2026-09-21T14:13:10Z</dt>");
    /* problems and events counted apart */
    assert_contains(html, "<dt>Findings on responses (events): 6 (6 errors, 0 warnings); "
                          "in the last hour: 2</dt>");
    assert_contains(html, "<h2>Needs attention</h2>\n<table class=\"w attn\">\n<tr><th>Problem</th>"
                          "<th>Virtual host</th><th>Since</th><th>What</th>"
                          "<th>Browsers show</th><th>Fix</th></tr>\n<tr><td>");
    /* each entry: code, vhost, since, what with the host names it touches,
     * browsers, fix; the guard's are the unsafe subdomains */
    assert_contains(html, ">guard.subdomain_not_https</a></td><td>evil&lt;script&gt;&quot;"
                          "\\x01\\\\x0a.test:8443</td><td>?</td><td>includeSubDomains pins");
    assert_contains(html, "(subdomains: plain.example.org x&lt;y&gt;.example.org)<div class=\"h\">"
                          "Host names: plain.example.org, x&lt;y&gt;.example.org</div></td>"
                          "<td>NET::ERR_CERT_* or ERR_CONNECTION_REFUSED on the subdomain, "
                          "with no way to click through</td><td>serve the subdomain over HTTPS "
                          "with a good certificate before sending includeSubDomains</td></tr>\n");
    assert_contains(html, ">cert.expiring_soon</a></td><td>www.example.org:443</td>"
                          "<td>2026-09-21T14:11:40Z</td><td>the server certificate expires "
                          "within HSTSCertWarnDays (not after 2026-11-01T14:15:00Z, 41 days left)"
                          "<div class=\"h\">Host names: www.example.org, example.org, "
                          "*.example.org</div></td><td>NET::ERR_CERT_DATE_INVALID / "
                          "SEC_ERROR_EXPIRED_CERTIFICATE (once it has expired)</td>"
                          "<td>renew the certificate now</td></tr>\n");
    /* the events of the last hour, one row per vhost and code, with the Host
     * as sent (escaped); client_cert.* stays in the Mutual TLS table */
    assert_contains(html, "<tr class=\"ev\"><td><a class=\"error\" href=\"#f-header.invalid.syntax\">"
                          "header.invalid.syntax</a></td><td>www.example.org:443</td>"
                          "<td>2026-09-21T14:13:15Z</td><td>On 1 response in the last hour, "
                          "the last at 2026-09-21T14:13:15Z: browsers ignore this "
                          "Strict-Transport-Security header: malformed directive or quoted-string"
                          "<div class=\"h\">Host names (as sent): &lt;script&gt;&quot;\\x01</div>"
                          "</td><td>&ndash;</td><td>send ");
    assert_contains(html, "<tr class=\"ev\"><td><a class=\"warning\" href=\"#f-header.multiple\">");
    assert_lacks(html, "<tr class=\"ev\"><td><a class=\"error\" href=\"#f-client_cert.missing\">");
    /* errors first: problem errors, event errors, problem warnings, event warnings */
    ck_assert(strstr(html, ">guard.subdomain_not_https</a></td><td>evil")
              < strstr(html, "<tr class=\"ev\"><td><a class=\"error\" href=\"#f-header.invalid.syntax"));
    ck_assert(strstr(html, "<tr class=\"ev\"><td><a class=\"error\" href=\"#f-header.invalid.syntax")
              < strstr(html, ">cert.expiring_soon</a></td><td>www.example.org:443"));
    ck_assert(strstr(html, ">cert.expiring_soon</a></td><td>www.example.org:443")
              < strstr(html, "<tr class=\"ev\"><td><a class=\"warning\" href=\"#f-header.multiple"));
    /* the page's order: attention, vhosts, then the tables of before */
    ck_assert(strstr(html, "<h2>Needs attention</h2>") < strstr(html, "<h2>Virtual hosts</h2>"));
    ck_assert(strstr(html, "<h2>Virtual hosts</h2>") < strstr(html, "<h2>Totals</h2>"));
    ck_assert(strstr(html, "<h2>Totals</h2>") < strstr(html, "<h2>Findings</h2>"));
    ck_assert(strstr(html, "<h2>Findings</h2>") < strstr(html, "<h2>Mutual TLS rejections</h2>"));
    ck_assert(strstr(html, "<h2>Mutual TLS rejections</h2>") < strstr(html, "<h2>Recent findings"));
    assert_lacks(html, "<script");                 /* no JavaScript, and nothing raw */
    assert_contains(html, "<style>\n");
    assert_contains(html, "<td class=\"n\">1 vhost now</td>");
    assert_contains(html, "mod_hsts_audit 9.8.7");
    assert_contains(html, "Apache/2.4 (Test)");
    assert_contains(html, "<h2>Totals</h2>");
    /* the vhosts: a compact row each (name, TLS, mode, policy, status,
     * certificate days, HTTPS/HTTP responses, findings), the details in a
     * full-width row below it */
    assert_contains(html, "<h2>Virtual hosts</h2>\n<table class=\"w vh\">\n<thead><tr>"
                          "<th>Virtual host</th><th>TLS</th><th>Mode</th><th>Policy</th>"
                          "<th>Status</th><th>Certificate</th><th>HTTPS responses</th>"
                          "<th>HTTP responses</th><th>Findings</th></tr></thead>\n");
    /* beside the configured policy, the value that left the server (a kept
     * "Header always set" here) */
    assert_contains(html, "<tbody><tr class=\"v\"><td>www.example.org:443</td><td>yes</td>"
                          "<td>add</td><td>max-age=31536000; includeSubDomains"
                          "<br><span class=\"warning\">sent: max-age=63072000</span></td>"
                          "<td><span class=\"warning\">1 problem</span></td>"
                          "<td><span class=\"warning\">41 days left</span></td>"
                          "<td class=\"n\">12</td><td class=\"n\">0</td><td class=\"n\">6</td></tr>\n"
                          "<tr class=\"d\"><td colspan=\"9\">\n"
                          "<div>Aliases: example.org, *.example.org</div>\n"
                          "<div>Certificate: Subject: CN=www.example.org &middot; Issuer: "
                          "CN=Example CA, O=&quot;Quote&quot; &amp; &lt;Co&gt; &middot; "
                          "Not after: 2026-11-01T14:15:00Z (41 days left) &middot; "
                          "Names: www.example.org, example.org &middot; Chain: complete</div>\n"
                          "<div class=\"x\"><a class=\"warning\" href=\"#f-cert.expiring_soon\">"
                          "cert.expiring_soon</a>: the server certificate expires within "
                          "HSTSCertWarnDays. Browsers show: NET::ERR_CERT_DATE_INVALID / "
                          "SEC_ERROR_EXPIRED_CERTIFICATE (once it has expired). "
                          "Fix: renew the certificate now</div>\n"
                          "<div>Ramp: max-age=86400 (step 2 of 3) since 2026-09-21T13:56:40Z; "
                          "next max-age=31536000 at the earliest at 2026-09-22T13:56:40Z; "
                          "<span class=\"warning\">held at 2026-09-21T14:05:00Z by "
                          "cert.expired</span></div>\n"
                          "<div>Counters: HTTPS responses&nbsp;12 &middot; HTTP responses&nbsp;0 "
                          "&middot; STS added&nbsp;11 &middot; STS kept&nbsp;0 &middot; "
                          "STS replaced&nbsp;0 &middot; STS removed&nbsp;0 &middot; "
                          "STS withheld&nbsp;0 &middot; Rejected 495&nbsp;0 &middot; "
                          "Rejected 496&nbsp;2</div>\n"
                          "<div>Findings on responses: <a class=\"error\" "
                          "href=\"#f-header.invalid.syntax\">header.invalid.syntax</a>&nbsp;&times;4, "
                          "<a class=\"error\" href=\"#f-client_cert.missing\">"
                          "client_cert.missing</a>&nbsp;&times;2</div>\n</td></tr>\n</tbody>\n");
    /* the preload standing: hostile bytes in a code and a note, escaped */
    assert_contains(html, "<div>Preload: <span class=\"warning\">at risk</span>: "
                          "redirects.http.www_first, &lt;script&gt;&quot;");
    assert_contains(html, " (note &lt;script&gt;&quot;");
    assert_contains(html, "; checked 2026-09-21T14:13:10Z by this server over loopback");
    /* a plain vhost: "ok", no certificate, no aliases line */
    assert_contains(html, "<tbody><tr class=\"v\"><td>www.example.org:80</td><td>no</td>"
                          "<td>report</td><td><i>none</i></td><td><span class=\"ok\">ok</span>"
                          "</td><td>&ndash;</td><td class=\"n\">0</td><td class=\"n\">3</td>"
                          "<td class=\"n\">0</td></tr>\n<tr class=\"d\"><td colspan=\"9\">\n"
                          "<div>Counters: HTTPS responses&nbsp;0 &middot; HTTP responses&nbsp;3 ");
    /* the hostile one: escaped in both rows; withheld; the guard's details */
    assert_contains(html, "<tbody><tr class=\"v\"><td>evil&lt;script&gt;&quot;\\x01\\\\x0a"
                          ".test:8443</td><td>yes</td><td>enforce</td><td>max-age=1</td>"
                          "<td><span class=\"error\">STS withheld</span>, <span class=\"error\">"
                          "1 problem</span></td><td><i>not audited</i></td>");
    assert_contains(html, "<div>Aliases: &lt;script&gt;&quot;\\x01</div>\n"
                          "<div>Certificate: <i>not audited</i></div>\n"
                          "<div>Guard: <span class=\"error\">STS withheld by HSTSGuard: no STS "
                          "is sent until the risk is fixed</span></div>\n"
                          "<div>Subdomains includeSubDomains pins that are not served safely: "
                          "plain.example.org, x&lt;y&gt;.example.org</div>\n"
                          "<div class=\"x\"><a class=\"error\" href=\"#f-guard.subdomain_not_https\">"
                          "guard.subdomain_not_https</a>: includeSubDomains pins a subdomain");
    assert_contains(html, "id=\"f-header.invalid.syntax\"");
    assert_contains(html, "id=\"f-cert.expiring_soon\"");
    assert_contains(html, "id=\"f-guard.subdomain_not_https\"");
    assert_contains(html, "<h2>Mutual TLS rejections</h2>");
    assert_contains(html, ">client_cert.missing</a></td><td class=\"n\">2</td>");
    assert_contains(html, "Recent findings (2 of at most 64, newest first)");
    assert_contains(html, "<td>2026-09-21T14:13:15Z</td>");
    assert_contains(html, ">header.multiple</a>, <a class=\"error\" "
                          "href=\"#f-header.invalid.syntax\">header.invalid.syntax</a>");
}
END_TEST

/* "Needs attention" takes the events of the last hour from the ring: one
 * row per vhost and code with the count, the first and the last time and at
 * most three Host values (then an ellipsis); older entries are left out;
 * with no problem and no such event, "Nothing needs attention." */
START_TEST(html_attention_events_of_the_last_hour)
{
    hsts_status_snapshot_t *snap = hostile_snapshot();
    hsts_status_vhost_t *v = apr_pmemdup(pool, snap->vhosts, 3 * sizeof(*v));
    hsts_status_recent_t *r = apr_pcalloc(pool, 6 * sizeof(*r));
    static const char *const hosts[] = { "a.test", "b.test", "a.test", "c.test",
                                         "d.test", "old.test" };
    const char *html;
    int i;

    for (i = 0; i < 6; i++) {
        r[i].time = T0 - apr_time_from_sec(i < 5 ? 600 * i : 3601);
        r[i].vhost = i == 1 ? "other:443" : "www.example.org:443";
        r[i].host = hosts[i];
        r[i].path = "/";
        r[i].findings = HSTS_FINDING_BIT(HSTS_F_HEADER_MAX_AGE_BELOW_CONFIGURED);
    }
    r[1].findings |= HSTS_FINDING_BIT(HSTS_F_CLIENT_CERT_REVOKED);
    for (i = 0; i < 3; i++) {
        v[i].n_problems = 0;
    }
    snap->vhosts = v;
    snap->recent = r;
    snap->n_recent = 6;
    html = render(HSTS_STATUS_HTML, snap, 0, 0);
    assert_format(fmtcheck_no_controls, html);
    assert_contains(html, "; in the last hour: 5</dt>");
    assert_contains(html, "<tr class=\"ev\"><td><a class=\"warning\" "
                          "href=\"#f-header.max_age.below_configured\">header.max_age.below_configured"
                          "</a></td><td>www.example.org:443</td><td>2026-09-21T13:33:20Z</td>"
                          "<td>On 4 responses in the last hour, the last at 2026-09-21T14:13:20Z: ");
    assert_contains(html, "<div class=\"h\">Host names (as sent): a.test, c.test, d.test</div>");
    assert_contains(html, "<tr class=\"ev\"><td><a class=\"warning\" "
                          "href=\"#f-header.max_age.below_configured\">header.max_age.below_configured"
                          "</a></td><td>other:443</td><td>2026-09-21T14:03:20Z</td>"
                          "<td>On 1 response in the last hour, the last at 2026-09-21T14:03:20Z: ");
    assert_lacks(html, "old.test</div>");
    assert_lacks(html, "<tr class=\"ev\"><td><a class=\"error\" href=\"#f-client_cert.revoked\">");

    /* a fourth distinct Host: the list ends with an ellipsis */
    r[4].host = "e.test";
    r[2].host = HOSTILE;
    html = render(HSTS_STATUS_HTML, snap, 0, 0);
    assert_contains(html, "Host names (as sent): a.test, &lt;script&gt;&quot;\\x01, c.test, "
                          "&hellip;</div>");

    snap->n_recent = 0;
    html = render(HSTS_STATUS_HTML, snap, 0, 0);
    assert_contains(html, "<h2>Needs attention</h2>\n<p>Nothing needs attention.</p>\n"
                          "<h2>Virtual hosts</h2>");
    assert_contains(html, "; in the last hour: 0</dt>");

    r[0].time = T0 - apr_time_from_sec(3601);     /* only older entries */
    snap->n_recent = 1;
    assert_contains(render(HSTS_STATUS_HTML, snap, 0, 0),
                    "<h2>Needs attention</h2>\n<p>Nothing needs attention.</p>\n");
}
END_TEST

START_TEST(html_section_for_mod_status)
{
    const char *html = render(HSTS_STATUS_HTML, hostile_snapshot(), HSTS_STATUS_SECTION, 0);
    const char *notable = render(HSTS_STATUS_HTML, hostile_snapshot(),
                                 HSTS_STATUS_SECTION | HSTS_STATUS_NOTABLE, 0);

    assert_lacks(html, "<html");
    assert_lacks(html, "<body");
    assert_contains(html, "<h2>HSTS audit (mod_hsts_audit 9.8.7)</h2>");
    assert_contains(html, "<table");
    assert_contains(html, "header.invalid.syntax &times;4");
    assert_contains(html, ". Findings on responses (events): 6 (6 errors, 0 warnings): ");
    assert_lacks(notable, "<table");
    assert_contains(notable, "<dt>HTTPS responses: 12</dt>");
    assert_format(fmtcheck_no_controls, html);
}
END_TEST

/* ---- JSON ----------------------------------------------------------------- */

START_TEST(json_is_valid_and_escaped)
{
    const char *json = render(HSTS_STATUS_JSON, hostile_snapshot(), 0, 0);

    assert_format(fmtcheck_json, json);
    assert_format(fmtcheck_no_controls, json);
    assert_contains(json, "\"host\":\"<script>\\\"\\u0001\"");
    assert_contains(json, "\"path\":\"/<script>\\\"\\u0001\"");
    assert_contains(json, "\"path\":\"/\xc3\xa9t\\u00e9\"");   /* UTF-8 kept, lone byte escaped */
    assert_contains(json, "\"name\":\"evil<script>\\\"\\u0001\\\\\\n.test:8443\"");
}
END_TEST

START_TEST(json_has_the_contract_keys)
{
    const char *json = render(HSTS_STATUS_JSON, hostile_snapshot(), 0, 0);

    assert_contains(json, "{\"module\":\"mod_hsts_audit\",\"version\":\"9.8.7\",\"uptime_s\":3723,");
    assert_contains(json, "\"totals\":{\"requests_https\":12,\"requests_http\":3,"
                          "\"sts_added\":11,\"sts_kept\":0,\"sts_replaced\":0,"
                          "\"sts_removed\":0,\"sts_withheld\":0,"
                          "\"client_cert_rejected_495\":0,\"client_cert_rejected_496\":2}");
    assert_contains(json, "\"findings\":{\"header.missing\":0,");
    assert_contains(json, "\"header.invalid.syntax\":4,");
    assert_contains(json, "\"client_cert.expiring_soon\":0,");
    assert_contains(json, "\"domain.tls.sha1\":0}");
    assert_contains(json, "\"vhosts\":[\n{\"name\":\"www.example.org:443\","
                          "\"aliases\":[\"example.org\",\"*.example.org\"],\"tls\":true,"
                          "\"main_server\":false,\"mode\":\"add\",\"policy\":\"max-age=31536000; includeSubDomains\","
                          "\"sent_policy\":\"max-age=63072000\","
                          "\"counters\":{\"requests_https\":12,");
    assert_contains(json, "\"certificate\":{\"subject\":\"CN=www.example.org\","
                          "\"issuer\":\"CN=Example CA, O=\\\"Quote\\\" & <Co>\","
                          "\"not_after\":\"2026-11-01T14:15:00Z\",");
    assert_contains(json, "\"days_left\":41,\"names\":[\"www.example.org\",\"example.org\"],"
                          "\"chain_complete\":true,\"findings\":[\"cert.expiring_soon\"]}");
    assert_contains(json, "\"name\":\"www.example.org:80\",\"aliases\":[],\"tls\":false,"
                          "\"main_server\":false,\"mode\":\"report\",\"policy\":null,"
                          "\"sent_policy\":null,");
    assert_contains(json, "\"certificate\":null,\"guard\":{\"withhold\":false,"
                          "\"unsafe_subdomains\":[]},\"ramp\":null,\"preload\":null,"
                          "\"problems\":[]}");
    /* design.md section 7 (0.2): the ramp and the preload standing */
    assert_contains(json, "\"ramp\":{\"steps\":[300,86400,31536000],\"step\":2,"
                          "\"max_age\":86400,\"since\":\"2026-09-21T13:56:40Z\","
                          "\"next_max_age\":31536000,\"next_at\":\"2026-09-22T13:56:40Z\","
                          "\"held_by\":[\"cert.expired\"],\"held_at\":\"2026-09-21T14:05:00Z\"},"
                          "\"preload\":null,");
    assert_contains(json, "\"preload\":{\"verdict\":\"at risk\",\"codes\":"
                          "[\"redirects.http.www_first\",\"<script>\\\"\\u0001\"],"
                          "\"checked_at\":\"2026-09-21T14:13:10Z\","
                          "\"note\":\"note <script>\\\"\\u0001\"},");
    assert_contains(json, "\"guard\":{\"withhold\":true,\"unsafe_subdomains\":"
                          "[\"plain.example.org\",\"x<y>.example.org\"]},\"ramp\":null,"
                          "\"preload\":{");
    assert_contains(json, "\"recent_capacity\":64,\"last_check\":\"2026-09-21T14:13:10Z\",\n"
                          "\"problems\":[{\"vhost\":\"www.example.org:443\","
                          "\"code\":\"cert.expiring_soon\",\"severity\":\"warning\","
                          "\"since\":\"2026-09-21T14:11:40Z\","
                          "\"detail\":\"not after 2026-11-01T14:15:00Z, 41 days left\","
                          "\"browser_errors\":");
    assert_contains(json, "},{\"vhost\":\"evil<script>\\\"\\u0001\\\\\\n.test:8443\","
                          "\"code\":\"guard.subdomain_not_https\",\"severity\":\"error\","
                          "\"since\":null,"
                          "\"detail\":\"subdomains: plain.example.org x<y>.example.org\","
                          "\"browser_errors\":\"NET::ERR_CERT_* or ERR_CONNECTION_REFUSED on the "
                          "subdomain, with no way to click through\",\"fix\":\"serve the subdomain "
                          "over HTTPS with a good certificate before sending includeSubDomains\"}]");
    assert_contains(json, "\"recent\":[\n{\"time\":\"2026-09-21T14:13:15Z\","
                          "\"vhost\":\"www.example.org:443\",");
    assert_contains(json, "\"findings\":[\"header.multiple\",\"header.invalid.syntax\"]}");
    assert_contains(json, "\"started\":\"2026-09-21T13:11:17Z\"");
}
END_TEST

START_TEST(json_empty_snapshot)
{
    hsts_status_snapshot_t snap;
    const char *json;

    memset(&snap, 0, sizeof(snap));
    json = render(HSTS_STATUS_JSON, &snap, 0, 0);
    assert_format(fmtcheck_json, json);
    assert_contains(json, "\"vhosts\":[]");
    assert_contains(json, "\"recent\":[]");
    assert_contains(json, "\"last_check\":null,\n\"problems\":[],");
    assert_contains(render(HSTS_STATUS_HTML, &snap, 0, 0),
                    "<h2>Needs attention</h2>\n<p>Nothing needs attention.</p>");
    assert_contains(render(HSTS_STATUS_HTML, &snap, 0, 0),
                    "<dt>Problems now: 0 (0 errors, 0 warnings); certificates last "
                    "checked never</dt>");
    assert_contains(render(HSTS_STATUS_AUTO, &snap, 0, 0),
                    "\nHstsAuditProblems: 0\n");
    assert_contains(render(HSTS_STATUS_AUTO, &snap, 0, 0),
                    "\nHstsAuditLastCheck: -\n");
    assert_contains(json, "\"version\":\"");
}
END_TEST

START_TEST(json_thousand_vhosts)
{
    hsts_status_snapshot_t *snap = hostile_snapshot();
    hsts_status_vhost_t *v = apr_pcalloc(pool, 1000 * sizeof(*v));
    sink_t s = { 0 };
    int i;

    for (i = 0; i < 1000; i++) {
        v[i] = snap->vhosts[i % 3];
        v[i].name = apr_psprintf(pool, "vhost%d.example.org:443", i);
        v[i].counters[HSTS_C_REQUESTS_HTTPS] = (apr_uint64_t)i * 1000003u;
    }
    snap->vhosts = v;
    snap->n_vhosts = 1000;
    hsts_status_render_json(snap, sink_write, &s, pool);
    ck_assert_int_eq(s.empty_calls, 0);
    ck_assert_uint_le(s.max_chunk, 16384);
    ck_assert_int_gt(s.calls, 10);
    assert_format(fmtcheck_json, s.data);
    assert_contains(s.data, "\"name\":\"vhost999.example.org:443\"");
    assert_contains(s.data, "\"requests_https\":999002997");
    sink_free(&s);
}
END_TEST

/* ---- Prometheus ---------------------------------------------------------- */

/* The whole ?metrics of the hostile snapshot, byte for byte (docs/status.md
 * "?metrics"): per vhost only the counters its kind can move (TLS:
 * requests_https, sts_added/kept/replaced/withheld, 495, 496; plain HTTP:
 * requests_http, sts_removed) and any other that is not 0, invalid STS,
 * certificate expiry, standing conditions while they stand; the per-code
 * finding counters once, for the server, events only. */
static const char metrics_expected[] =
    "# HELP hsts_audit_build_info Build information of mod_hsts_audit: the value is 1, the version is a label.\n"
    "# TYPE hsts_audit_build_info gauge\n"
    "hsts_audit_build_info{version=\"9.8.7\"} 1\n"
    "# HELP hsts_audit_start_time_seconds When the counters began, in seconds since the epoch (kept across graceful restarts).\n"
    "# TYPE hsts_audit_start_time_seconds gauge\n"
    "hsts_audit_start_time_seconds 1789996277\n"
    "# HELP hsts_audit_requests_https_total HTTPS responses the module examined (every HSTSMode but off).\n"
    "# TYPE hsts_audit_requests_https_total counter\n"
    "hsts_audit_requests_https_total{vhost=\"www.example.org:443\"} 12\n"
    "hsts_audit_requests_https_total{vhost=\"evil<script>\\\"?\\\\\\n.test:8443\"} 0\n"
    "# HELP hsts_audit_requests_http_total Plain-HTTP responses the module examined (every HSTSMode but off).\n"
    "# TYPE hsts_audit_requests_http_total counter\n"
    "hsts_audit_requests_http_total{vhost=\"www.example.org:80\"} 3\n"
    "# HELP hsts_audit_sts_added_total HTTPS responses without a valid Strict-Transport-Security that got the configured policy.\n"
    "# TYPE hsts_audit_sts_added_total counter\n"
    "hsts_audit_sts_added_total{vhost=\"www.example.org:443\"} 11\n"
    "hsts_audit_sts_added_total{vhost=\"evil<script>\\\"?\\\\\\n.test:8443\"} 0\n"
    "# HELP hsts_audit_sts_kept_total HTTPS responses whose valid Strict-Transport-Security from the application was kept.\n"
    "# TYPE hsts_audit_sts_kept_total counter\n"
    "hsts_audit_sts_kept_total{vhost=\"www.example.org:443\"} 0\n"
    "hsts_audit_sts_kept_total{vhost=\"evil<script>\\\"?\\\\\\n.test:8443\"} 0\n"
    "# HELP hsts_audit_sts_replaced_total HTTPS responses whose Strict-Transport-Security fields were replaced by the configured policy.\n"
    "# TYPE hsts_audit_sts_replaced_total counter\n"
    "hsts_audit_sts_replaced_total{vhost=\"www.example.org:443\"} 0\n"
    "hsts_audit_sts_replaced_total{vhost=\"evil<script>\\\"?\\\\\\n.test:8443\"} 0\n"
    "# HELP hsts_audit_sts_removed_total Plain-HTTP responses Strict-Transport-Security was removed from (RFC 6797 section 7.2).\n"
    "# TYPE hsts_audit_sts_removed_total counter\n"
    "hsts_audit_sts_removed_total{vhost=\"www.example.org:80\"} 0\n"
    "# HELP hsts_audit_sts_withheld_total HTTPS responses Strict-Transport-Security was withheld from by HSTSGuard withhold.\n"
    "# TYPE hsts_audit_sts_withheld_total counter\n"
    "hsts_audit_sts_withheld_total{vhost=\"www.example.org:443\"} 0\n"
    "hsts_audit_sts_withheld_total{vhost=\"evil<script>\\\"?\\\\\\n.test:8443\"} 0\n"
    "# HELP hsts_audit_client_cert_rejected_495_total Requests rejected because the client certificate failed verification (495 or the configured status).\n"
    "# TYPE hsts_audit_client_cert_rejected_495_total counter\n"
    "hsts_audit_client_cert_rejected_495_total{vhost=\"www.example.org:443\"} 0\n"
    "hsts_audit_client_cert_rejected_495_total{vhost=\"evil<script>\\\"?\\\\\\n.test:8443\"} 0\n"
    "# HELP hsts_audit_client_cert_rejected_496_total Requests rejected because no client certificate was sent (496 or the configured status).\n"
    "# TYPE hsts_audit_client_cert_rejected_496_total counter\n"
    "hsts_audit_client_cert_rejected_496_total{vhost=\"www.example.org:443\"} 2\n"
    "hsts_audit_client_cert_rejected_496_total{vhost=\"evil<script>\\\"?\\\\\\n.test:8443\"} 0\n"
    "# HELP hsts_audit_sts_invalid_total Responses whose first Strict-Transport-Security field browsers reject (header.invalid.*).\n"
    "# TYPE hsts_audit_sts_invalid_total counter\n"
    "hsts_audit_sts_invalid_total{vhost=\"www.example.org:443\"} 4\n"
    "hsts_audit_sts_invalid_total{vhost=\"evil<script>\\\"?\\\\\\n.test:8443\"} 0\n"
    "# HELP hsts_audit_findings_total Findings on responses and connections of the whole server, by finding code (design.md section 4).\n"
    "# TYPE hsts_audit_findings_total counter\n"
    "hsts_audit_findings_total{code=\"header.missing\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"header.multiple\",severity=\"warning\"} 0\n"
    "hsts_audit_findings_total{code=\"header.invalid.syntax\",severity=\"error\"} 4\n"
    "hsts_audit_findings_total{code=\"header.invalid.max_age\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"header.invalid.max_age.missing\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"header.invalid.repeated_directive\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"header.invalid.include_sub_domains_value\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"header.invalid.token\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"header.max_age.zero\",severity=\"warning\"} 0\n"
    "hsts_audit_findings_total{code=\"header.max_age.below_configured\",severity=\"warning\"} 0\n"
    "hsts_audit_findings_total{code=\"header.include_sub_domains.below_configured\",severity=\"warning\"} 0\n"
    "hsts_audit_findings_total{code=\"header.over_http\",severity=\"warning\"} 0\n"
    "hsts_audit_findings_total{code=\"header.preloadable.include_sub_domains.missing\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"header.preloadable.preload.missing\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"header.preloadable.max_age.below_1_year\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"header.preloadable.max_age.over_10_years\",severity=\"warning\"} 0\n"
    "hsts_audit_findings_total{code=\"header.preload.divergent\",severity=\"warning\"} 0\n"
    "hsts_audit_findings_total{code=\"redirects.http.no_redirect\",severity=\"warning\"} 0\n"
    "hsts_audit_findings_total{code=\"redirects.http.first_redirect.insecure\",severity=\"warning\"} 0\n"
    "hsts_audit_findings_total{code=\"redirects.downgrade\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"redirects.https.target_cert_invalid\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"client_cert.missing\",severity=\"error\"} 2\n"
    "hsts_audit_findings_total{code=\"client_cert.expired\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"client_cert.not_yet_valid\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"client_cert.revoked\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"client_cert.untrusted\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"client_cert.invalid\",severity=\"error\"} 0\n"
    "hsts_audit_findings_total{code=\"client_cert.expiring_soon\",severity=\"warning\"} 0\n"
    "# HELP hsts_audit_guard_withhold 1 while HSTSGuard withhold stops the vhost's Strict-Transport-Security (a lock-out risk stands); no series otherwise.\n"
    "# TYPE hsts_audit_guard_withhold gauge\n"
    "hsts_audit_guard_withhold{vhost=\"evil<script>\\\"?\\\\\\n.test:8443\"} 1\n"
    "# HELP hsts_audit_guard_unsafe_subdomains Subdomains the vhost's includeSubDomains pins that this server does not serve over HTTPS with a valid certificate (guard.subdomain_not_https); no series while there are none.\n"
    "# TYPE hsts_audit_guard_unsafe_subdomains gauge\n"
    "hsts_audit_guard_unsafe_subdomains{vhost=\"evil<script>\\\"?\\\\\\n.test:8443\"} 2\n"
    "# HELP hsts_audit_server_cert_expiry_timestamp_seconds When the certificate the vhost serves expires (notAfter), in seconds since the epoch.\n"
    "# TYPE hsts_audit_server_cert_expiry_timestamp_seconds gauge\n"
    "hsts_audit_server_cert_expiry_timestamp_seconds{vhost=\"www.example.org:443\"} 1793542500\n"
    "# HELP hsts_audit_server_cert_findings Findings of the certificate audit for the certificate the vhost serves; no series while there are none.\n"
    "# TYPE hsts_audit_server_cert_findings gauge\n"
    "hsts_audit_server_cert_findings{vhost=\"www.example.org:443\"} 1\n"
    "# HELP hsts_audit_problem 1 while a problem (cert.*, guard.*, ramp.held, the self-check's) stands on the vhost; the series goes when it clears.\n"
    "# TYPE hsts_audit_problem gauge\n"
    "hsts_audit_problem{vhost=\"www.example.org:443\",code=\"cert.expiring_soon\",severity=\"warning\"} 1\n"
    "hsts_audit_problem{vhost=\"evil<script>\\\"?\\\\\\n.test:8443\",code=\"guard.subdomain_not_https\",severity=\"error\"} 1\n"
    "# HELP hsts_audit_last_check_timestamp_seconds When the certificates of every vhost were last audited (startup or the watch), in seconds since the epoch.\n"
    "# TYPE hsts_audit_last_check_timestamp_seconds gauge\n"
    "hsts_audit_last_check_timestamp_seconds 1789999990\n"
    "# HELP hsts_audit_ramp_max_age_seconds The max-age the vhost's HSTSMaxAgeRamp serves now, in seconds.\n"
    "# TYPE hsts_audit_ramp_max_age_seconds gauge\n"
    "hsts_audit_ramp_max_age_seconds{vhost=\"www.example.org:443\"} 86400\n"
    "# HELP hsts_audit_preload_eligible 1 while the self-check finds the vhost eligible for the HSTS preload list, 0 at risk (hstspreload.org's checks).\n"
    "# TYPE hsts_audit_preload_eligible gauge\n"
    "hsts_audit_preload_eligible{vhost=\"evil<script>\\\"?\\\\\\n.test:8443\"} 0\n";

START_TEST(metrics_exact_output)
{
    hsts_status_snapshot_t *snap = hostile_snapshot();
    const char *m = render(HSTS_STATUS_METRICS, snap, 0, 0);

    assert_format(fmtcheck_metrics, m);
    assert_format(fmtcheck_no_controls, m);
    if (strcmp(m, metrics_expected)) {
        fprintf(stderr, "---- got:\n%s---- end\n", m);
    }
    ck_assert_str_eq(m, metrics_expected);
    assert_lacks(m, "host=\"<script>");       /* no request data in labels */
    assert_lacks(m, "path");
}
END_TEST

START_TEST(metrics_without_certificates_or_duplicates)
{
    hsts_status_snapshot_t *snap = hostile_snapshot();
    hsts_status_vhost_t *v = apr_pmemdup(pool, snap->vhosts, 3 * sizeof(*v));
    const char *m;

    v[0].cert = NULL;
    v[1].name = v[0].name;                      /* two vhosts of the same name */
    snap->vhosts = v;
    m = render(HSTS_STATUS_METRICS, snap, 0, 0);
    assert_format(fmtcheck_metrics, m);
    assert_lacks(m, "cert_expiry");
    assert_contains(m, "hsts_audit_requests_http_total{vhost=\"www.example.org:443#2\"} 3\n");

    /* the main server shares a vhost's name: the vhost keeps it */
    v[0].main_server = 1;
    m = render(HSTS_STATUS_METRICS, snap, 0, 0);
    assert_format(fmtcheck_metrics, m);
    assert_contains(m, "hsts_audit_requests_http_total{vhost=\"www.example.org:443\"} 3\n");
    assert_contains(m, "hsts_audit_requests_https_total{vhost=\"www.example.org:443 (main server)\"} 12\n");
    assert_contains(render(HSTS_STATUS_JSON, snap, 0, 0), "\"tls\":true,\"main_server\":true,");
    assert_contains(render(HSTS_STATUS_HTML, snap, 0, 0), "www.example.org:443 <i>(main server)</i>");
}
END_TEST

/* Found by fuzz_render: labels must be unique after escaping ("a\x01",
 * "a\x02" and "a?" all escape to "a?"), and a "#n" suffix must not collide
 * with a vhost really named so. */
START_TEST(metrics_labels_unique_after_escaping)
{
    static const char *const folded[] = { "a\x01", "a\x02", "a?" };
    static const char *const suffixed[] = { "a", "a#3", "a" };
    const char *const *sets[] = { folded, suffixed };
    hsts_status_snapshot_t *snap = hostile_snapshot();
    hsts_status_vhost_t *v = apr_pmemdup(pool, snap->vhosts, 3 * sizeof(*v));
    const char *m;
    int k, i;

    snap->vhosts = v;
    for (k = 0; k < 2; k++) {
        for (i = 0; i < 3; i++) {
            v[i].name = sets[k][i];
            v[i].cert = NULL;
            v[i].main_server = 0;
            v[i].tls = 1;                    /* requests_https on every row */
        }
        m = render(HSTS_STATUS_METRICS, snap, 0, 0);
        assert_format(fmtcheck_metrics, m);                 /* fails on a repeated series */
    }
    assert_contains(m, "hsts_audit_requests_https_total{vhost=\"a\"} ");
    assert_contains(m, "hsts_audit_requests_https_total{vhost=\"a#3\"} ");
    assert_contains(m, "hsts_audit_requests_https_total{vhost=\"a#4\"} ");
}
END_TEST

/* ---- ?auto ---------------------------------------------------------------- */

START_TEST(auto_lines)
{
    hsts_status_snapshot_t *snap = hostile_snapshot();
    const char *a = render(HSTS_STATUS_AUTO, snap, 0, 0);
    const char *section = render(HSTS_STATUS_AUTO, snap, HSTS_STATUS_SECTION, 0);

    assert_format(fmtcheck_auto, a);
    assert_format(fmtcheck_auto, section);
    assert_format(fmtcheck_no_controls, a);
    ck_assert(!strncmp(a, "HstsAuditVersion: 9.8.7\nHstsAuditUptime: 3723\nHstsAuditVhosts: 3\n", 62));
    assert_contains(a, "\nHstsAuditRequestsHttps: 12\n");
    assert_contains(a, "\nHstsAuditClientCertRejected496: 2\n");
    assert_contains(a, "\nHstsAuditFindings: 6\n");
    assert_contains(a, "\nHstsAuditFindingsErrors: 6\n");
    assert_contains(a, "\nHstsAuditCertMinDaysLeft: 41\n");
    assert_contains(a, "\nHstsAuditFinding.header.invalid.syntax: 4\n");
    assert_contains(a, "\nHstsAuditVhost.1.Name: www.example.org:443\n");
    assert_contains(a, "\nHstsAuditVhost.1.Policy: max-age=31536000; includeSubDomains\n");
    assert_contains(a, "\nHstsAuditVhost.2.Policy: -\n");
    assert_contains(a, "\nHstsAuditVhost.1.SentPolicy: max-age=63072000\n");
    assert_contains(a, "\nHstsAuditVhost.2.SentPolicy: -\n");
    assert_contains(a, "\nHstsAuditVhost.1.CertDaysLeft: 41\n");
    assert_contains(a, "\nHstsAuditVhost.3.Name: evil<script>\"?\\?.test:8443\n");
    assert_contains(a, "\nHstsAuditGuardWithhold: 1\nHstsAuditGuardUnsafeSubdomains: 1\n");
    assert_contains(a, "\nHstsAuditVhost.3.GuardWithhold: 1\nHstsAuditVhost.3.UnsafeSubdomains: 2\n");
    assert_contains(a, "\nHstsAuditVhost.1.GuardWithhold: 0\n");
    assert_contains(a, "\nHstsAuditProblems: 2\nHstsAuditProblemsErrors: 1\n"
                       "HstsAuditProblemsWarnings: 1\nHstsAuditLastCheck: 2026-09-21T14:13:10Z\n");
    assert_contains(a, "\nHstsAuditVhost.1.Problems: 1\n");
    assert_contains(a, "\nHstsAuditVhost.2.Problems: 0\n");
    /* a problem is a condition, never a count of zero responses */
    assert_lacks(a, "HstsAuditFinding.cert.");
    assert_lacks(a, "HstsAuditFinding.guard.");
    assert_contains(section, "\nHstsAuditProblems: 2\n");
    assert_contains(section, "\nHstsAuditRequestsHttps: 12\n");
    assert_lacks(section, "HstsAuditVhost.");
    assert_lacks(section, "HstsAuditFinding.");
}
END_TEST

/* One table of a vhost's fields drives ?json, ?auto and the HTML details
 * (issue 14): every row shows up in each format it names, so a new field is
 * one row in src/status_model.c. */
START_TEST(field_table_drives_the_formats)
{
    hsts_status_snapshot_t *snap = hostile_snapshot();
    const char *json = render(HSTS_STATUS_JSON, snap, 0, 0);
    const char *a = render(HSTS_STATUS_AUTO, snap, 0, 0);
    const char *html = render(HSTS_STATUS_HTML, snap, 0, 0);
    int i, html_rows = 0;

    for (i = 0; i < hsts_status_n_vhost_fields; i++) {
        const hsts_status_field_t *f = hsts_status_vhost_fields + i;
        hsts_status_value_t val = { 0 };

        f->get(&snap->vhosts[0], snap->now, &val);
        if (f->json_key) {
            assert_contains(json, apr_psprintf(pool, "\"%s\":", f->json_key));
        }
        if (f->auto_key && !val.absent) {
            assert_contains(a, apr_psprintf(pool, "\nHstsAuditVhost.1.%s: ", f->auto_key));
        }
        if (f->html_label) {
            assert_contains(html, apr_psprintf(pool, "<div>%s: ", f->html_label));
            html_rows++;
        }
    }
    ck_assert_int_eq(html_rows, 1);                 /* today: Aliases */
    assert_contains(html, "<div>Aliases: example.org, *.example.org</div>");
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        field_table_drives_the_formats,
        sent_policy_is_escaped,
        json_checker_self_test,
        query_parsing,
        names_and_types,
        days_left,
        snapshot_from_stats,
        html_escapes_request_data,
        html_shows_everything,
        html_attention_events_of_the_last_hour,
        html_section_for_mod_status,
        json_is_valid_and_escaped,
        json_has_the_contract_keys,
        json_empty_snapshot,
        json_thousand_vhosts,
        metrics_exact_output,
        metrics_without_certificates_or_duplicates,
        metrics_labels_unique_after_escaping,
        auto_lines,
    };

    return unit_main("status", tests, UNIT_COUNT(tests));
}
