/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * status_json.c: the status snapshot as ?json (docs/status.md): one JSON
 * object, every string escaped by hsts_json_string (valid UTF-8 out, for
 * any bytes in).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "status_model.h"
#include "status_out.h"
#include "hsts_duration.h"

static void json_counters(hsts_out_t *o, const apr_uint64_t *counters)
{
    int i;

    HSTS_OUT_LIT(o, "{");
    for (i = 0; i < HSTS_C_COUNT; i++) {
        if (i) {
            HSTS_OUT_LIT(o, ",");
        }
        HSTS_OUT_LIT(o, "\"");
        hsts_out_str(o, hsts_status_counter_names[i].key);
        HSTS_OUT_LIT(o, "\":");
        hsts_out_u64(o, counters[i]);
    }
    HSTS_OUT_LIT(o, "}");
}

static void json_finding_counts(hsts_out_t *o, const apr_uint64_t *findings)
{
    int i;

    HSTS_OUT_LIT(o, "{");
    for (i = 0; i < HSTS_F_COUNT; i++) {
        if (i) {
            HSTS_OUT_LIT(o, ",");
        }
        HSTS_OUT_LIT(o, "\"");
        hsts_out_str(o, hsts_finding_info((hsts_finding_e)i)->code);   /* [a-z0-9_.] */
        HSTS_OUT_LIT(o, "\":");
        hsts_out_u64(o, findings[i]);
    }
    HSTS_OUT_LIT(o, "}");
}

static void json_finding_list(hsts_out_t *o, hsts_findings_t set)
{
    int i, first = 1;

    HSTS_OUT_LIT(o, "[");
    for (i = 0; i < HSTS_F_COUNT; i++) {
        if (set & HSTS_FINDING_BIT(i)) {
            if (!first) {
                HSTS_OUT_LIT(o, ",");
            }
            first = 0;
            HSTS_OUT_LIT(o, "\"");
            hsts_out_str(o, hsts_finding_info((hsts_finding_e)i)->code);
            HSTS_OUT_LIT(o, "\"");
        }
    }
    HSTS_OUT_LIT(o, "]");
}

static void json_string_array(hsts_out_t *o, apr_pool_t *p, const apr_array_header_t *a)
{
    int i;

    HSTS_OUT_LIT(o, "[");
    for (i = 0; a && i < a->nelts; i++) {
        const char *s = APR_ARRAY_IDX(a, i, const char *);

        if (i) {
            HSTS_OUT_LIT(o, ",");
        }
        hsts_out_json(o, p, s ? s : "");
    }
    HSTS_OUT_LIT(o, "]");
}

static void json_certificate(hsts_out_t *o, apr_pool_t *p, const hsts_status_cert_t *c,
                             apr_time_t now)
{
    if (!c) {
        HSTS_OUT_LIT(o, "null");
        return;
    }
    HSTS_OUT_LIT(o, "{\"subject\":");
    hsts_out_json(o, p, c->subject);
    HSTS_OUT_LIT(o, ",\"issuer\":");
    hsts_out_json(o, p, c->issuer);
    HSTS_OUT_LIT(o, ",\"not_after\":");
    if (c->not_after) {
        HSTS_OUT_LIT(o, "\"");
        hsts_out_iso_time(o, c->not_after);
        HSTS_OUT_LIT(o, "\",\"days_left\":");
        hsts_out_i64(o, hsts_days_until(c->not_after, now));
    }
    else {
        HSTS_OUT_LIT(o, "null,\"days_left\":null");
    }
    HSTS_OUT_LIT(o, ",\"names\":");
    json_string_array(o, p, c->names);
    HSTS_OUT_LIT(o, ",\"chain_complete\":");
    if (c->chain_complete < 0) {
        HSTS_OUT_LIT(o, "null");
    }
    else if (c->chain_complete) {
        HSTS_OUT_LIT(o, "true");
    }
    else {
        HSTS_OUT_LIT(o, "false");
    }
    HSTS_OUT_LIT(o, ",\"findings\":");
    json_finding_list(o, c->findings);
    HSTS_OUT_LIT(o, "}");
}

/* "<ISO 8601>" or null for 0. */
static void json_time(hsts_out_t *o, apr_time_t t)
{
    if (t) {
        HSTS_OUT_LIT(o, "\"");
        hsts_out_iso_time(o, t);
        HSTS_OUT_LIT(o, "\"");
    }
    else {
        HSTS_OUT_LIT(o, "null");
    }
}

/* One problem: {"vhost", "code", "severity", "since", "detail",
 * "browser_errors", "fix"} (design.md section 7). */
static void json_problem(hsts_out_t *o, apr_pool_t *p, const char *vhost,
                         const hsts_status_problem_t *pr)
{
    const hsts_finding_info_t *info = hsts_finding_info(pr->code);

    HSTS_OUT_LIT(o, "{\"vhost\":");
    hsts_out_json(o, p, vhost ? vhost : "");
    HSTS_OUT_LIT(o, ",\"code\":\"");
    hsts_out_str(o, info->code);
    HSTS_OUT_LIT(o, "\",\"severity\":\"");
    hsts_out_str(o, hsts_severity_name(pr->severity));
    HSTS_OUT_LIT(o, "\",\"since\":");
    json_time(o, pr->since);
    HSTS_OUT_LIT(o, ",\"detail\":");
    hsts_out_json(o, p, pr->detail);
    HSTS_OUT_LIT(o, ",\"browser_errors\":");
    hsts_out_json(o, p, info->browser_errors);
    HSTS_OUT_LIT(o, ",\"fix\":");
    hsts_out_json(o, p, info->fix);
    HSTS_OUT_LIT(o, "}");
}

/* A vhost's problems as a JSON array; *first tracks the commas when several
 * vhosts' problems go into one array. */
static void json_problems_of(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v,
                             int *first)
{
    apr_size_t i;

    for (i = 0; i < v->n_problems; i++) {
        if (!*first) {
            HSTS_OUT_LIT(o, ",");
        }
        *first = 0;
        json_problem(o, p, v->name, v->problems + i);
    }
}

static void json_bool(hsts_out_t *o, int v)
{
    if (v) {
        HSTS_OUT_LIT(o, "true");
    }
    else {
        HSTS_OUT_LIT(o, "false");
    }
}

/* A vhost's one-value fields of the table (status_model.c), as
 * "key":value pairs, each after a comma but the very first. */
static void json_fields(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v,
                        apr_time_t now)
{
    int i, first = 1;

    for (i = 0; i < hsts_status_n_vhost_fields; i++) {
        const hsts_status_field_t *f = hsts_status_vhost_fields + i;
        hsts_status_value_t val = { 0 };

        if (!f->json_key) {
            continue;
        }
        f->get(v, now, &val);
        hsts_out_str(o, first ? "\"" : ",\"");
        first = 0;
        hsts_out_str(o, f->json_key);           /* static, [a-z_] */
        HSTS_OUT_LIT(o, "\":");
        if (val.absent) {
            HSTS_OUT_LIT(o, "null");
        }
        else if (f->kind == HSTS_FIELD_STR) {
            hsts_out_json(o, p, val.str);
        }
        else if (f->kind == HSTS_FIELD_STRS) {
            json_string_array(o, p, val.strs);
        }
        else if (f->kind == HSTS_FIELD_BOOL) {
            json_bool(o, val.u64 != 0);
        }
        else if (f->kind == HSTS_FIELD_U64) {
            hsts_out_u64(o, val.u64);
        }
        else {
            hsts_out_i64(o, val.i64);
        }
    }
}

/* {"steps", "step", "max_age", "since", "next_max_age", "next_at",
 * "held_by", "held_at"} (design.md section 7) or null. */
static void json_ramp(hsts_out_t *o, const hsts_status_ramp_t *r)
{
    int i;

    if (!r) {
        HSTS_OUT_LIT(o, "null");
        return;
    }
    HSTS_OUT_LIT(o, "{\"steps\":[");
    for (i = 0; i < r->n_steps; i++) {
        if (i) {
            HSTS_OUT_LIT(o, ",");
        }
        hsts_out_i64(o, r->steps[i]);
    }
    HSTS_OUT_LIT(o, "],\"step\":");
    hsts_out_i64(o, r->step + 1);
    HSTS_OUT_LIT(o, ",\"max_age\":");
    hsts_out_i64(o, r->max_age);
    HSTS_OUT_LIT(o, ",\"since\":");
    json_time(o, r->since);
    HSTS_OUT_LIT(o, ",\"next_max_age\":");
    if (r->next_max_age >= 0) {
        hsts_out_i64(o, r->next_max_age);
    }
    else {
        HSTS_OUT_LIT(o, "null");
    }
    HSTS_OUT_LIT(o, ",\"next_at\":");
    json_time(o, r->next_at);
    HSTS_OUT_LIT(o, ",\"held_by\":");
    json_finding_list(o, r->held_by);
    HSTS_OUT_LIT(o, ",\"held_at\":");
    json_time(o, r->held_at);
    HSTS_OUT_LIT(o, "}");
}

/* {"verdict", "codes", "checked_at", "note"} (design.md section 7) or null. */
static void json_preload(hsts_out_t *o, apr_pool_t *p, const hsts_status_preload_t *pr)
{
    if (!pr) {
        HSTS_OUT_LIT(o, "null");
        return;
    }
    HSTS_OUT_LIT(o, "{\"verdict\":");
    hsts_out_json(o, p, pr->verdict ? pr->verdict : "unknown");
    HSTS_OUT_LIT(o, ",\"codes\":");
    json_string_array(o, p, pr->codes);
    HSTS_OUT_LIT(o, ",\"checked_at\":");
    json_time(o, pr->checked_at);
    HSTS_OUT_LIT(o, ",\"note\":");
    hsts_out_json(o, p, pr->note);
    HSTS_OUT_LIT(o, "}");
}

static void json_vhost(hsts_out_t *o, apr_pool_t *p, const hsts_status_vhost_t *v,
                       apr_time_t now)
{
    int first = 1;

    HSTS_OUT_LIT(o, "{");
    json_fields(o, p, v, now);
    HSTS_OUT_LIT(o, ",\"counters\":");
    json_counters(o, v->counters);
    HSTS_OUT_LIT(o, ",\"findings\":");
    json_finding_counts(o, v->findings);
    HSTS_OUT_LIT(o, ",\"certificate\":");
    json_certificate(o, p, v->cert, now);
    HSTS_OUT_LIT(o, ",\"guard\":{\"withhold\":");
    json_bool(o, v->guard_withhold);
    HSTS_OUT_LIT(o, ",\"unsafe_subdomains\":");
    json_string_array(o, p, v->unsafe_subdomains);
    HSTS_OUT_LIT(o, "},\"ramp\":");
    json_ramp(o, v->ramp);
    HSTS_OUT_LIT(o, ",\"preload\":");
    json_preload(o, p, v->preload);
    HSTS_OUT_LIT(o, ",\"problems\":[");
    json_problems_of(o, p, v, &first);
    HSTS_OUT_LIT(o, "]}");
}

static void json_recent(void *baton, apr_pool_t *p, apr_size_t index,
                        const hsts_status_recent_t *e)
{
    hsts_out_t *o = baton;

    hsts_out_str(o, index ? ",\n{\"time\":\"" : "\n{\"time\":\"");
    hsts_out_iso_time(o, e->time);
    HSTS_OUT_LIT(o, "\",\"vhost\":");
    hsts_out_json(o, p, e->vhost ? e->vhost : "");
    HSTS_OUT_LIT(o, ",\"host\":");
    hsts_out_json(o, p, e->host ? e->host : "");
    HSTS_OUT_LIT(o, ",\"path\":");
    hsts_out_json(o, p, e->path ? e->path : "");
    HSTS_OUT_LIT(o, ",\"findings\":");
    json_finding_list(o, e->findings);
    HSTS_OUT_LIT(o, "}");
}

void hsts_status_render_json(const hsts_status_snapshot_t *snap,
                             hsts_write_fn write, void *baton, apr_pool_t *scratch)
{
    apr_pool_t *p = hsts_status_row_pool(scratch);
    hsts_out_t o;
    apr_size_t i;
    int first;

    hsts_out_init(&o, write, baton, scratch);
    HSTS_OUT_LIT(&o, "{\"module\":");
    hsts_out_json(&o, p, hsts_status_module_name(snap));
    HSTS_OUT_LIT(&o, ",\"version\":");
    hsts_out_json(&o, p, hsts_status_module_version(snap));
    HSTS_OUT_LIT(&o, ",\"uptime_s\":");
    hsts_out_i64(&o, snap->uptime_s);
    HSTS_OUT_LIT(&o, ",\"started\":\"");
    hsts_out_iso_time(&o, snap->started);
    HSTS_OUT_LIT(&o, "\",\"time\":\"");
    hsts_out_iso_time(&o, snap->now);
    HSTS_OUT_LIT(&o, "\",\"recent_capacity\":");
    hsts_out_u64(&o, snap->recent_capacity);
    HSTS_OUT_LIT(&o, ",\"last_check\":");
    json_time(&o, snap->last_check);
    HSTS_OUT_LIT(&o, ",\n\"problems\":[");
    for (i = 0, first = 1; i < snap->n_vhosts; i++) {
        apr_pool_clear(p);
        json_problems_of(&o, p, snap->vhosts + i, &first);
    }
    HSTS_OUT_LIT(&o, "]");
    HSTS_OUT_LIT(&o, ",\n\"totals\":");
    json_counters(&o, snap->counters);
    HSTS_OUT_LIT(&o, ",\n\"findings\":");
    json_finding_counts(&o, snap->findings);
    HSTS_OUT_LIT(&o, ",\n\"vhosts\":[");
    for (i = 0; i < snap->n_vhosts; i++) {
        apr_pool_clear(p);
        hsts_out_str(&o, i ? ",\n" : "\n");
        json_vhost(&o, p, snap->vhosts + i, snap->now);
    }
    HSTS_OUT_LIT(&o, "],\n\"recent\":[");
    hsts_status_recent_each(snap, p, json_recent, &o);
    HSTS_OUT_LIT(&o, "]}\n");
    hsts_out_flush(&o);
    apr_pool_destroy(p);
}
