/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * cert_audit.c: the certificate audit of one served chain (design.md
 * section 5; API in include/hsts_cert.h). OpenSSL does all the X.509 work:
 * PEM decoding, names (X509_check_host / X509_check_ip_asc), the chain
 * (X509_verify_cert), dates (ASN1_TIME_to_tm), signature algorithms
 * (OBJ_find_sigid_algs); the browsers' further rules are in cert_rules.c
 * and cert_distrust.c (src/cert_checks.h). Everything OpenSSL allocates here
 * is freed here; the OpenSSL error queue is left as the caller had it.
 */
#include "config.h"

#include "hsts_cert.h"
#include "hsts_duration.h"
#include "hsts_escape.h"
#include "cert_checks.h"

#include <stdint.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <apr_cstr.h>
#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#define USEC_PER_DAY (APR_INT64_C(86400) * APR_USEC_PER_SEC)

/* Certificate files larger than this are refused (a system CA bundle is
 * about 200 KiB). */
#define MAX_PEM_FILE (16 * 1024 * 1024)

/* HSTSCertWarnDays beyond this (about 2700 years) mean "always warn";
 * the cap keeps the microsecond arithmetic far from overflow. */
#define MAX_WARN_DAYS 1000000

#ifndef HSTS_CA_BUNDLE
#define HSTS_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#endif

/* The browsers' dates for publicly trusted certificates (Unix time, UTC):
 * Chrome refuses lifetimes over 398 days for notBefore on or after
 * 2020-09-01, and asks for CT for notBefore on or after 2018-05-01. */
#define VALIDITY_LIMIT_FROM APR_INT64_C(1598918400)
#define VALIDITY_LIMIT_DAYS 398
#define CT_REQUIRED_FROM APR_INT64_C(1525132800)
#define CT_SHORT_LIFETIME_DAYS 180

/* ---- time ---------------------------------------------------------------- */

/* An ASN1_TIME as APR time (ASN1_TIME_diff from the epoch: no timegm(), no
 * 32-bit time_t limits); 0 when OpenSSL cannot read it. */
static int asn1_time_get(const ASN1_TIME *t, apr_time_t *out)
{
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
    int days = 0, secs = 0;
    int ok = t && epoch && ASN1_TIME_diff(&days, &secs, epoch, t);

    ASN1_TIME_free(epoch);
    if (ok) {
        *out = ((apr_time_t)days * 86400 + secs) * APR_USEC_PER_SEC;
    }
    return ok;
}

/* ---- strings out of OpenSSL ---------------------------------------------- */

static const char *bio_to_pool(apr_pool_t *p, BIO *bio)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);

    return len > 0 && data ? apr_pstrmemdup(p, data, (apr_size_t)len) : "";
}

static const char *name_rfc2253(apr_pool_t *p, const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    const char *out = "";

    if (!bio) {
        return out;
    }
    if (name && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        out = bio_to_pool(p, bio);
    }
    BIO_free(bio);
    return out;
}

/* A dNSName as written; control bytes (which no valid dNSName has, and which
 * must not reach a log line) become '?'. */
static const char *dns_name(apr_pool_t *p, const ASN1_STRING *s)
{
    const unsigned char *d = ASN1_STRING_get0_data(s);
    int len = ASN1_STRING_length(s);

    if (!d || len < 0) {
        return "";
    }
    return hsts_ctl_to_question(p, (const char *)d, (apr_size_t)len);
}

static const char *ip_name(apr_pool_t *p, const ASN1_OCTET_STRING *s)
{
    const unsigned char *d = ASN1_STRING_get0_data(s);
    int len = ASN1_STRING_length(s);
    char buf[64];

    if (d && len == 4 && inet_ntop(AF_INET, d, buf, sizeof(buf))) {
        return apr_pstrdup(p, buf);
    }
    if (d && len == 16 && inet_ntop(AF_INET6, d, buf, sizeof(buf))) {
        return apr_pstrdup(p, buf);
    }
    return apr_psprintf(p, "(invalid IP address of %d bytes)", len);
}

static apr_array_header_t *san_names(apr_pool_t *p, X509 *leaf)
{
    apr_array_header_t *names = apr_array_make(p, 4, sizeof(const char *));
    GENERAL_NAMES *gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    int i;

    for (i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

        if (g->type == GEN_DNS) {
            APR_ARRAY_PUSH(names, const char *) = dns_name(p, g->d.dNSName);
        }
        else if (g->type == GEN_IPADD) {
            APR_ARRAY_PUSH(names, const char *) = ip_name(p, g->d.iPAddress);
        }
    }
    GENERAL_NAMES_free(gens);
    return names;
}

/* ---- names --------------------------------------------------------------- */

static int has_identical_dns_san(const apr_array_header_t *names, const char *host)
{
    int i;

    for (i = 0; i < names->nelts; i++) {
        if (!apr_cstr_casecmp(APR_ARRAY_IDX(names, i, const char *), host)) {
            return 1;
        }
    }
    return 0;
}

static int is_ip_literal(const char *h)
{
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(h);

    if (!ip) {
        return 0;
    }
    ASN1_OCTET_STRING_free(ip);
    return 1;
}

/* Does the leaf cover host the way browsers see it? SAN only (browsers ignore
 * the subject CN), wildcards as RFC 6125 / CA/B Forum: one whole left-most
 * label, never partial ("w*.example.org") nor several labels. A host written
 * with a wildcard (ServerAlias *.example.org) stands for every name below it:
 * only an identical wildcard SAN covers them all. One trailing dot and IPv6
 * brackets are ignored; empty labels cover nothing. */
static int host_covered(apr_pool_t *p, X509 *leaf, const apr_array_header_t *names,
                        const char *host)
{
    const unsigned int flags = X509_CHECK_FLAG_NEVER_CHECK_SUBJECT
                               | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    char *h = apr_pstrdup(p, host);
    apr_size_t len = strlen(h);

    if (len > 1 && h[len - 1] == '.') {
        h[--len] = '\0';
    }
    if (len > 2 && h[0] == '[' && h[len - 1] == ']') {
        h[len - 1] = '\0';
        h++;
    }
    if (strchr(h, '*') || strchr(h, '?')) {
        return has_identical_dns_san(names, h);
    }
    if (h[0] == '.' || strstr(h, "..")) {
        return 0;               /* not a host name (OpenSSL reads ".x" as "any subdomain of x") */
    }
    if (is_ip_literal(h)) {
        return X509_check_ip_asc(leaf, h, 0) == 1;
    }
    return X509_check_host(leaf, h, strlen(h), flags, NULL) == 1;
}

/* ---- signatures ---------------------------------------------------------- */

static int weak_digest(int md_nid)
{
    switch (md_nid) {
    case NID_sha1:
    case NID_md5:
    case NID_md5_sha1:
    case NID_md4:
    case NID_md2:
    case NID_mdc2:
    case NID_ripemd160:
        return 1;
    default:
        return 0;
    }
}

static int self_signed(X509 *x)
{
    return X509_check_issued(x, x) == X509_V_OK;
}

/* The long name of x's signature algorithm when its digest is SHA-1 or
 * weaker, else NULL. */
static const char *weak_signature_of(X509 *x)
{
    int sig_nid = X509_get_signature_nid(x), md_nid = NID_undef, pk_nid = NID_undef;

    if (!OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid)) {
        return NULL;
    }
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    if (md_nid == NID_undef) {
        /* RSA-PSS names its digest in the parameters; EdDSA has none. */
        int md = NID_undef, pk = NID_undef, secbits = 0;
        uint32_t sflags = 0;

        if (X509_get_signature_info(x, &md, &pk, &secbits, &sflags) == 1) {
            md_nid = md;
        }
    }
#endif
    if (!weak_digest(md_nid)) {
        return NULL;
    }
    return OBJ_nid2ln(sig_nid) ? OBJ_nid2ln(sig_nid) : OBJ_nid2ln(md_nid);
}

/* ---- chain --------------------------------------------------------------- */

/* What has a finding of its own is not a chain failure: the leaf's dates
 * (cert.expired / cert.not_yet_valid; moving the verification time into the
 * leaf's window instead would make an intermediate issued after the leaf
 * expired look like a chain failure), an expired intermediate that is not a
 * trust anchor (cert.chain_expiring), the leaf's purpose when its EKU lacks
 * serverAuth (cert.server_auth_missing). Anything else still fails. */
static int forgive_own_findings(int ok, X509_STORE_CTX *ctx)
{
    int err = X509_STORE_CTX_get_error(ctx);
    int depth = X509_STORE_CTX_get_error_depth(ctx);
    X509 *x = X509_STORE_CTX_get_current_cert(ctx);
    int forgive;

    if (ok) {
        return 1;
    }
    forgive = (depth == 0 && (err == X509_V_ERR_CERT_HAS_EXPIRED
                              || err == X509_V_ERR_CERT_NOT_YET_VALID))
              || (depth > 0 && err == X509_V_ERR_CERT_HAS_EXPIRED && x && !self_signed(x))
              || (depth == 0 && err == X509_V_ERR_INVALID_PURPOSE && x
                  && hsts_cert_lacks_server_auth(x));
    if (forgive) {
        X509_STORE_CTX_set_error(ctx, X509_V_OK);
    }
    return forgive;
}

/* Verify; *built gets the chain OpenSSL built (the caller frees it; NULL when
 * the verification could not be set up) and *anchored whether it ends in a
 * certificate of the trusted store. */
static void verify_chain(apr_pool_t *p, X509 *leaf, STACK_OF(X509) *chain,
                         X509_STORE *trusted, time_t when, hsts_cert_report_t *out,
                         STACK_OF(X509) **built, int *anchored)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_VERIFY_PARAM *param;
    int rc;

    out->chain_complete = 0;
    out->verify_error = X509_V_ERR_UNSPECIFIED;
    out->verify_depth = 0;
    *built = NULL;
    *anchored = 0;
    if (!ctx || !X509_STORE_CTX_init(ctx, trusted, leaf, chain)) {
        out->verify_error_text = "cannot set up the verification (out of memory?)";
        X509_STORE_CTX_free(ctx);
        return;
    }
    param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(param, when);      /* the audit's `now` */
    X509_STORE_CTX_set_verify_cb(ctx, forgive_own_findings);
    /* Security level 0: a SHA-1 signature is cert.weak_signature and a small
     * key cert.weak_key, not reasons for the chain to fail. */
    X509_VERIFY_PARAM_set_auth_level(param, 0);
    /* As a TLS client checks a server: EKU serverAuth, CA certificates up the chain. */
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);

    rc = X509_verify_cert(ctx);
    if (rc == 1) {
        out->chain_complete = 1;
        out->verify_error = X509_V_OK;
        out->verify_depth = -1;
        out->verify_error_text = NULL;
    }
    else {
        int err = X509_STORE_CTX_get_error(ctx);

        out->verify_error = err != X509_V_OK ? err : X509_V_ERR_UNSPECIFIED;
        out->verify_depth = X509_STORE_CTX_get_error_depth(ctx);
        out->verify_error_text = apr_pstrdup(p, X509_verify_cert_error_string(out->verify_error));
    }
    *built = X509_STORE_CTX_get1_chain(ctx);
    *anchored = *built && sk_X509_num(*built) > X509_STORE_CTX_get_num_untrusted(ctx);
    X509_STORE_CTX_free(ctx);
}

/* ---- the browsers' further rules ----------------------------------------- */

static apr_time_t warn_window(int warn_days)
{
    if (warn_days < 0) {
        warn_days = 0;
    }
    if (warn_days > MAX_WARN_DAYS) {
        warn_days = MAX_WARN_DAYS;
    }
    return (apr_time_t)warn_days * USEC_PER_DAY;
}

/* cert.chain_expiring: the first expired intermediate of certs from index
 * first on (error), else the first that expires before the leaf within the
 * warning window (warning). Self-signed certificates (trust anchors) are not
 * intermediates. */
static void check_intermediates(apr_pool_t *p, STACK_OF(X509) *certs, int first,
                                const hsts_cert_audit_in_t *in, hsts_cert_report_t *out)
{
    const hsts_findings_t bit = HSTS_FINDING_BIT(HSTS_F_CERT_CHAIN_EXPIRING);
    apr_time_t window = warn_window(in->warn_days);
    int i;

    for (i = first; certs && i < sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, i);
        apr_time_t na;
        int expired;

        if (self_signed(x) || !asn1_time_get(X509_get0_notAfter(x), &na)) {
            continue;
        }
        expired = in->now > na;
        if (expired || (!out->expiring_intermediate && na < out->not_after
                        && na - in->now < window)) {
            out->expiring_intermediate = name_rfc2253(p, X509_get_subject_name(x));
            out->expiring_intermediate_not_after = na;
            out->findings |= bit;
            out->warnings = expired ? out->warnings & ~bit : out->warnings | bit;
            if (expired) {
                return;
            }
        }
    }
}

/* cert.weak_key: the leaf, then every served certificate but self-signed ones. */
static void check_keys(apr_pool_t *p, X509 *leaf, STACK_OF(X509) *chain,
                       hsts_cert_report_t *out)
{
    int i;

    out->weak_key = hsts_cert_weak_key(p, leaf);
    for (i = 0; !out->weak_key && chain && i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        const char *weak = self_signed(x) ? NULL : hsts_cert_weak_key(p, x);

        if (weak) {
            out->weak_key = apr_psprintf(p, "%s in %s", weak,
                                         name_rfc2253(p, X509_get_subject_name(x)));
        }
    }
    if (out->weak_key) {
        out->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_WEAK_KEY);
    }
}

static const char *iso_of(apr_pool_t *p, apr_time_t t)
{
    char iso[HSTS_ISO8601_SIZE];

    return apr_pstrdup(p, hsts_iso8601(iso, t));
}

/* The rules for publicly trusted certificates (validity, CT, distrust);
 * the SCT count and lifetime are filled in for every chain. */
static void check_public_rules(apr_pool_t *p, X509 *leaf, X509 *root, hsts_cert_report_t *out)
{
    int days = 0, secs = 0, have_life = hsts_cert_lifetime(leaf, &days, &secs);
    apr_time_t earliest = 0, compared = 0;
    apr_int64_t nb = apr_time_sec(out->not_before);
    const hsts_distrust_t *row;

    out->sct_count = hsts_cert_sct_count(leaf, &earliest);
    out->validity_days = days;
    out->sct_required = (days < CT_SHORT_LIFETIME_DAYS
                         || (days == CT_SHORT_LIFETIME_DAYS && secs == 0)) ? 2 : 3;
    if (!out->public_root || !out->not_after) {
        return;
    }
    if (have_life && nb >= VALIDITY_LIMIT_FROM
        && (days > VALIDITY_LIMIT_DAYS || (days == VALIDITY_LIMIT_DAYS && secs > 0))) {
        out->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_VALIDITY_TOO_LONG);
    }
    if (nb >= CT_REQUIRED_FROM && (out->sct_count < 0 ? 0 : out->sct_count) < out->sct_required) {
        out->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_CT_INSUFFICIENT);
    }
    row = hsts_cert_distrusted(root, out->not_before, earliest, &compared);
    if (row) {
        out->distrust = apr_psprintf(p, "%s distrusts %s for certificates after %s; compared: "
                                     "%s %s; source: %s", row->browser, row->root,
                                     iso_of(p, apr_time_from_sec(row->last_trusted)),
                                     row->by_sct && earliest ? "earliest SCT" : "notBefore",
                                     iso_of(p, compared), row->source);
        out->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_ISSUER_DISTRUSTED);
    }
}

/* The leaf's own extensions: EKU, Must-Staple. */
static void check_leaf_extensions(X509 *leaf, const hsts_cert_audit_in_t *in,
                                  hsts_cert_report_t *out)
{
    if (hsts_cert_lacks_server_auth(leaf)) {
        out->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_SERVER_AUTH_MISSING);
    }
    out->must_staple = hsts_cert_must_staple(leaf);
    if (out->must_staple && !in->stapling) {
        out->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_MUST_STAPLE_UNSTAPLED);
    }
}

/* ---- the audit ----------------------------------------------------------- */

static void check_dates(apr_pool_t *p, X509 *leaf, const hsts_cert_audit_in_t *in,
                        hsts_cert_report_t *out)
{
    if (!asn1_time_get(X509_get0_notBefore(leaf), &out->not_before)
        || !asn1_time_get(X509_get0_notAfter(leaf), &out->not_after)) {
        /* Unreadable dates (OpenSSL decodes such certificates): not_after_iso
         * stays empty; the verification fails on them and says so (cert.untrusted). */
        out->not_before = out->not_after = 0;
        return;
    }
    out->not_after_iso = iso_of(p, out->not_after);
    if (in->now > out->not_after) {
        out->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_EXPIRED);
    }
    else if (out->not_after - in->now < warn_window(in->warn_days)) {
        out->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_EXPIRING_SOON);
    }
    if (in->now < out->not_before) {
        out->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_NOT_YET_VALID);
    }
}

void hsts_cert_check_hosts(apr_pool_t *p, X509 *leaf, const char *const *hosts, int n_hosts,
                           hsts_cert_report_t *r)
{
    int i;

    r->uncovered = apr_array_make(p, 1, sizeof(const char *));
    r->findings &= ~HSTS_FINDING_BIT(HSTS_F_CERT_NAME_MISMATCH);
    for (i = 0; hosts && i < n_hosts; i++) {
        if (!hosts[i] || !*hosts[i]) {
            continue;
        }
        if (!host_covered(p, leaf, r->names, hosts[i])) {
            APR_ARRAY_PUSH(r->uncovered, const char *) = apr_pstrdup(p, hosts[i]);
        }
    }
    if (r->uncovered->nelts) {
        r->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_NAME_MISMATCH);
    }
}

static void check_names(apr_pool_t *p, X509 *leaf, const hsts_cert_audit_in_t *in,
                        hsts_cert_report_t *out)
{
    out->names = san_names(p, leaf);
    hsts_cert_check_hosts(p, leaf, in->hosts, in->n_hosts, out);
}

/* signatures: every served certificate but self-signed ones (roots, or a
 * self-signed leaf: browsers never check the signature of a trust anchor,
 * and an untrusted self-signed leaf is cert.untrusted already) */
static void check_signatures(apr_pool_t *p, X509 *leaf, STACK_OF(X509) *chain,
                             hsts_cert_report_t *out)
{
    int i;

    out->weak_signature = self_signed(leaf) ? NULL : weak_signature_of(leaf);
    for (i = 0; !out->weak_signature && chain && i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);

        if (!self_signed(x)) {
            out->weak_signature = weak_signature_of(x);
        }
    }
    if (out->weak_signature) {
        out->weak_signature = apr_pstrdup(p, out->weak_signature);
        out->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_WEAK_SIGNATURE);
    }
}

static void check_chain(apr_pool_t *p, X509 *leaf, STACK_OF(X509) *chain,
                        const hsts_cert_audit_in_t *in, hsts_cert_report_t *out)
{
    STACK_OF(X509) *built = NULL;
    X509 *root = NULL;
    int anchored = 0;

    verify_chain(p, leaf, chain, in->trusted, (time_t)apr_time_sec(in->now), out, &built,
                 &anchored);
    if (!out->chain_complete) {
        if (out->verify_depth == 0
            && (out->verify_error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
                || out->verify_error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)) {
            out->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_CHAIN_INCOMPLETE);
        }
        else {
            out->findings |= HSTS_FINDING_BIT(HSTS_F_CERT_UNTRUSTED);
        }
    }
    if (anchored) {
        root = sk_X509_value(built, sk_X509_num(built) - 1);
        out->root_subject = name_rfc2253(p, X509_get_subject_name(root));
    }
    out->public_root = anchored && in->trusted_public;
    /* the built chain starts with the leaf; the served one after it */
    check_intermediates(p, built ? built : chain, built ? 1 : 0, in, out);
    check_public_rules(p, leaf, root, out);
    sk_X509_pop_free(built, X509_free);
}

apr_status_t hsts_cert_audit(apr_pool_t *p, X509 *leaf, STACK_OF(X509) *chain,
                             const hsts_cert_audit_in_t *in, hsts_cert_report_t *out)
{
    memset(out, 0, sizeof(*out));
    out->verify_depth = -1;
    out->names = apr_array_make(p, 1, sizeof(const char *));
    out->uncovered = apr_array_make(p, 1, sizeof(const char *));
    out->not_after_iso = "";
    out->subject = out->issuer = "";
    if (!leaf || !in || !in->trusted) {
        return APR_EINVAL;
    }
    ERR_set_mark();
    out->subject = name_rfc2253(p, X509_get_subject_name(leaf));
    out->issuer = name_rfc2253(p, X509_get_issuer_name(leaf));
    check_dates(p, leaf, in, out);
    check_names(p, leaf, in, out);
    check_chain(p, leaf, chain, in, out);
    check_signatures(p, leaf, chain, out);
    check_keys(p, leaf, chain, out);
    check_leaf_extensions(leaf, in, out);
    ERR_pop_to_mark();
    return APR_SUCCESS;
}

hsts_severity_e hsts_cert_finding_severity(const hsts_cert_report_t *r, hsts_finding_e f)
{
    const hsts_finding_info_t *info = hsts_finding_info(f);

    if (!info || (r && (r->warnings & HSTS_FINDING_BIT(f)))) {
        return HSTS_SEVERITY_WARNING;
    }
    return info->severity;
}

hsts_severity_e hsts_cert_severity(const hsts_cert_report_t *r)
{
    return r ? hsts_findings_severity(r->findings & ~r->warnings) : HSTS_SEVERITY_WARNING;
}

static const char *ct_detail(apr_pool_t *p, const hsts_cert_report_t *r)
{
    if (r->sct_count < 0) {
        return apr_psprintf(p, "the embedded SCT list is malformed (counts as none); Chrome "
                            "asks %d for a lifetime of %ld days", r->sct_required,
                            r->validity_days);
    }
    return apr_psprintf(p, "%d embedded SCT%s, Chrome asks %d for a lifetime of %ld days",
                        r->sct_count, r->sct_count == 1 ? "" : "s", r->sct_required,
                        r->validity_days);
}

const char *hsts_cert_finding_detail(apr_pool_t *p, const hsts_cert_report_t *r,
                                     hsts_finding_e f, apr_time_t now)
{
    switch (f) {
    case HSTS_F_CERT_NAME_MISMATCH:
        return apr_psprintf(p, "not covered: %s%s", apr_array_pstrcat(p, r->uncovered, ' '),
                            r->names->nelts ? "" : "; the certificate has no subjectAltName "
                            "(browsers ignore the subject CN)");
    case HSTS_F_CERT_CHAIN_INCOMPLETE:
    case HSTS_F_CERT_UNTRUSTED:
        return apr_psprintf(p, "OpenSSL: %s", r->verify_error_text ? r->verify_error_text
                                                                  : "verify failed");
    case HSTS_F_CERT_WEAK_SIGNATURE:
        return apr_psprintf(p, "algorithm %s", r->weak_signature ? r->weak_signature : "weak");
    case HSTS_F_CERT_CHAIN_EXPIRING:
        return apr_psprintf(p, "intermediate %s, not after %s, %ld days left",
                            r->expiring_intermediate ? r->expiring_intermediate : "-",
                            iso_of(p, r->expiring_intermediate_not_after),
                            (long)hsts_days_until(r->expiring_intermediate_not_after, now));
    case HSTS_F_CERT_WEAK_KEY:
        return r->weak_key ? r->weak_key : "weak key";
    case HSTS_F_CERT_SERVER_AUTH_MISSING:
        return "extendedKeyUsage without serverAuth";
    case HSTS_F_CERT_VALIDITY_TOO_LONG:
        return apr_psprintf(p, "valid %ld days from %s, more than 398", r->validity_days,
                            iso_of(p, r->not_before));
    case HSTS_F_CERT_CT_INSUFFICIENT:
        return ct_detail(p, r);
    case HSTS_F_CERT_MUST_STAPLE_UNSTAPLED:
        return "TLS Feature status_request (OCSP Must-Staple), SSLUseStapling is not on";
    case HSTS_F_CERT_ISSUER_DISTRUSTED:
        return r->distrust ? r->distrust : "distrusted root";
    case HSTS_F_CERT_RELOAD_PENDING:
        return "the certificate file now holds another certificate than the one served";
    default:
        return apr_psprintf(p, "not after %s, %ld days left", r->not_after_iso,
                            (long)hsts_days_until(r->not_after, now));
    }
}

/* ---- files --------------------------------------------------------------- */

/* The whole file, NUL-terminated, from p; NULL with *err set on failure.
 * apr_file_read_full reads it: a regular file by its size, anything else
 * (a pipe, as bash's <(openssl s_client ...) gives) up to MAX_PEM_FILE. */
static char *read_file(apr_pool_t *p, const char *path, apr_size_t *len, const char **err)
{
    apr_finfo_t fi;
    apr_file_t *f;
    apr_status_t rv;
    apr_size_t want = MAX_PEM_FILE + 1;
    char *buf, ebuf[256];

    if (apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_SIZE, p) == APR_SUCCESS) {
        if (fi.filetype == APR_DIR) {
            *err = apr_psprintf(p, "%s: is a directory, not a PEM file", path);
            return NULL;
        }
        if (fi.filetype == APR_REG) {
            want = fi.size > MAX_PEM_FILE ? MAX_PEM_FILE + 1 : (apr_size_t)fi.size;
        }
    }
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, APR_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "%s: cannot open: %s", path, apr_strerror(rv, ebuf, sizeof(ebuf)));
        return NULL;
    }
    buf = apr_palloc(p, want + 1);
    rv = apr_file_read_full(f, buf, want, len);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        *err = apr_psprintf(p, "%s: cannot read: %s", path, apr_strerror(rv, ebuf, sizeof(ebuf)));
        return NULL;
    }
    if (*len > MAX_PEM_FILE) {
        *err = apr_psprintf(p, "%s: too large for a certificate file (over %d MiB)",
                            path, MAX_PEM_FILE >> 20);
        return NULL;
    }
    buf[*len] = '\0';
    return buf;
}

static const char *openssl_reason(apr_pool_t *p)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;

    return apr_pstrdup(p, r ? r : "unknown error");
}

static int is_cert_block(const char *name)
{
    return !strcmp(name, PEM_STRING_X509) || !strcmp(name, PEM_STRING_X509_OLD)
           || !strcmp(name, PEM_STRING_X509_TRUSTED);
}

/* Every certificate of a PEM file, in file order, into certs (which the caller
 * owns); other PEM blocks (a private key next to the certificate, parameters,
 * CRLs) are skipped. Errors say which file and what is wrong with it. */
static apr_status_t read_pem_certs(apr_pool_t *p, const char *path, STACK_OF(X509) *certs,
                                   const char **err)
{
    apr_pool_t *tmp;
    apr_size_t len = 0, i;
    char *data;
    BIO *bio;
    int blocks = 0, keys = 0, pem_error = 0, bad_cert = 0, blank = 1;
    const char *other = NULL, *reason = NULL;
    apr_status_t rv = APR_SUCCESS;

    *err = NULL;
    if (apr_pool_create(&tmp, p) != APR_SUCCESS) {
        *err = apr_psprintf(p, "%s: out of memory", path);
        return APR_ENOMEM;
    }
    data = read_file(tmp, path, &len, err);
    if (!data) {
        *err = apr_pstrdup(p, *err);
        apr_pool_destroy(tmp);
        return APR_EGENERAL;
    }
    for (i = 0; i < len && blank; i++) {
        blank = apr_isspace(data[i]);
    }
    if (blank) {
        *err = apr_psprintf(p, "%s: empty file, no certificate", path);
        apr_pool_destroy(tmp);
        return APR_EGENERAL;
    }
    bio = BIO_new_mem_buf(data, (int)len);
    if (!bio) {
        *err = apr_psprintf(p, "%s: out of memory", path);
        apr_pool_destroy(tmp);
        return APR_ENOMEM;
    }
    ERR_set_mark();
    for (;;) {
        char *name = NULL, *header = NULL;
        unsigned char *der = NULL;
        long der_len = 0;

        if (PEM_read_bio(bio, &name, &header, &der, &der_len) != 1) {
            unsigned long e = ERR_peek_last_error();

            if (!(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
                pem_error = 1;
                reason = openssl_reason(tmp);
            }
            break;
        }
        blocks++;
        if (is_cert_block(name)) {
            const unsigned char *q = der;
            X509 *x = !strcmp(name, PEM_STRING_X509_TRUSTED) ? d2i_X509_AUX(NULL, &q, der_len)
                                                             : d2i_X509(NULL, &q, der_len);

            if (!x || !sk_X509_push(certs, x)) {
                X509_free(x);
                bad_cert = sk_X509_num(certs) + 1;
                reason = openssl_reason(tmp);
            }
        }
        else if (strstr(name, "PRIVATE KEY")) {
            keys++;
        }
        else if (!other) {
            other = apr_pstrdup(tmp, name);
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
        if (bad_cert) {
            break;
        }
    }
    ERR_pop_to_mark();
    BIO_free(bio);

    if (bad_cert) {
        *err = apr_psprintf(p, "%s: certificate #%d is corrupt (%s)", path, bad_cert, reason);
        rv = APR_EGENERAL;
    }
    else if (pem_error) {
        *err = blocks ? apr_psprintf(p, "%s: truncated or corrupt PEM block after %d "
                                     "certificate(s) (%s)", path, sk_X509_num(certs), reason)
                      : apr_psprintf(p, "%s: corrupt PEM block (%s)", path, reason);
        rv = APR_EGENERAL;
    }
    else if (sk_X509_num(certs) == 0) {
        if (keys) {
            *err = apr_psprintf(p, "%s: contains a private key, not a certificate", path);
        }
        else if (other) {
            *err = apr_psprintf(p, "%s: contains no certificate (found a PEM block "
                                "'%s' instead)", path, other);
        }
        else if ((unsigned char)data[0] == 0x30) {
            *err = apr_psprintf(p, "%s: not PEM (binary, probably DER: convert it with "
                                "'openssl x509 -inform DER')", path);
        }
        else {
            *err = apr_psprintf(p, "%s: not PEM (no '-----BEGIN CERTIFICATE-----' line)", path);
        }
        rv = APR_EGENERAL;
    }
    apr_pool_destroy(tmp);
    return rv;
}

apr_status_t hsts_cert_load_chain(apr_pool_t *p, const char *path, X509 **leaf,
                                  STACK_OF(X509) **chain, const char **err)
{
    STACK_OF(X509) *certs;
    apr_status_t rv;

    *leaf = NULL;
    *chain = NULL;
    *err = NULL;
    if (!path) {
        *err = "no certificate file given";
        return APR_EINVAL;
    }
    certs = sk_X509_new_null();
    if (!certs) {
        *err = apr_psprintf(p, "%s: out of memory", path);
        return APR_ENOMEM;
    }
    rv = read_pem_certs(p, path, certs, err);
    if (rv != APR_SUCCESS) {
        sk_X509_pop_free(certs, X509_free);
        return rv;
    }
    *leaf = sk_X509_shift(certs);
    *chain = certs;
    return APR_SUCCESS;
}

const char *hsts_cert_default_ca_file(void)
{
    return HSTS_CA_BUNDLE;
}

X509_STORE *hsts_cert_store_load(apr_pool_t *p, const char *ca_file, const char **err)
{
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *certs;
    int i;

    *err = NULL;
    if (!store) {
        *err = "out of memory";
        return NULL;
    }
    if (!ca_file) {
        /* the system CA bundle file, never OpenSSL's hashed default directory */
        ca_file = hsts_cert_default_ca_file();
    }
    /* The bundle is read as the chain is (the same clear errors), then each
     * certificate is added to the store. */
    certs = sk_X509_new_null();
    if (!certs || read_pem_certs(p, ca_file, certs, err) != APR_SUCCESS) {
        if (!*err) {
            *err = apr_psprintf(p, "%s: out of memory", ca_file);
        }
        sk_X509_pop_free(certs, X509_free);
        X509_STORE_free(store);
        return NULL;
    }
    ERR_set_mark();
    for (i = 0; i < sk_X509_num(certs); i++) {
        if (X509_STORE_add_cert(store, sk_X509_value(certs, i)) != 1) {
            unsigned long e = ERR_peek_last_error();

            if (ERR_GET_REASON(e) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
                *err = apr_psprintf(p, "%s: cannot add certificate #%d to the trusted "
                                    "roots (%s)", ca_file, i + 1, openssl_reason(p));
                break;
            }
        }
    }
    ERR_pop_to_mark();
    sk_X509_pop_free(certs, X509_free);
    if (*err) {
        X509_STORE_free(store);
        return NULL;
    }
    return store;
}
