/* Unit tests (Check) for the certificate audit (src/cert_audit.c,
 * include/hsts_cert.h). Every certificate is made here with OpenSSL:
 * root CA -> intermediate CA -> leaves (EC P-256, SHA-256 unless the test
 * is about SHA-1), dates relative to a fixed audit time T, so results are
 * exact. */
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hsts_cert.h"
#include "hsts_duration.h"
#include "hsts_findings.h"

#define DAY 86400L
#define BIT(f) HSTS_FINDING_BIT(HSTS_F_CERT_##f)

static time_t T;                  /* the audit time, whole seconds */

/* ---- certificate factory --------------------------------------------- */

typedef struct {
    EVP_PKEY *key;
    X509 *cert;
} pki_t;

static pki_t root, inter, root_sha1, inter_sha1;

static EVP_PKEY *new_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");

    ck_assert_ptr_nonnull(k);
    return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    ck_assert_msg(ext != NULL, "extension %d = %s", nid, value);
    ck_assert_int_eq(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

/* A certificate for key, valid from T + nb to T + na seconds, signed by
 * issuer (NULL: self-signed) with md. san NULL: no subjectAltName. */
static X509 *make_cert(const char *cn, EVP_PKEY *key, const pki_t *issuer, long nb, long na,
                       const char *san, int ca, const EVP_MD *md)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();

    ck_assert_ptr_nonnull(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    ck_assert_ptr_nonnull(ASN1_TIME_set(X509_getm_notBefore(x), T + nb));
    ck_assert_ptr_nonnull(ASN1_TIME_set(X509_getm_notAfter(x), T + na));
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               (const unsigned char *)"mod_hsts_audit tests", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert) : name);
    X509_NAME_free(name);
    X509_set_pubkey(x, key);
    add_ext(x, issuer ? issuer->cert : x, NID_subject_key_identifier, "hash");
    if (issuer) {
        add_ext(x, issuer->cert, NID_authority_key_identifier, "keyid:always");
    }
    if (ca) {
        add_ext(x, issuer ? issuer->cert : x, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, issuer ? issuer->cert : x, NID_key_usage, "critical,keyCertSign,cRLSign");
    }
    else {
        add_ext(x, issuer ? issuer->cert : x, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x, issuer ? issuer->cert : x, NID_ext_key_usage, "serverAuth");
    }
    if (san) {
        add_ext(x, issuer ? issuer->cert : x, NID_subject_alt_name, san);
    }
    ck_assert_int_gt(X509_sign(x, issuer ? issuer->key : key, md), 0);
    return x;
}

#define GOOD_SAN "DNS:a.test,DNS:*.w.test,IP:127.0.0.1"

/* A leaf issued by the intermediate. */
static X509 *leaf_cert(long nb, long na, const char *san, const EVP_MD *md)
{
    EVP_PKEY *k = new_key();
    X509 *x = make_cert("a.test", k, &inter, nb, na, san, 0, md);

    EVP_PKEY_free(k);
    return x;
}

static void pki_setup(void)
{
    T = time(NULL);
    root.key = new_key();
    root.cert = make_cert("Test Root CA", root.key, NULL, -10 * 365 * DAY, 10 * 365 * DAY,
                          NULL, 1, EVP_sha256());
    inter.key = new_key();
    inter.cert = make_cert("Test Intermediate CA", inter.key, &root, -5 * 365 * DAY,
                           5 * 365 * DAY, NULL, 1, EVP_sha256());
    root_sha1.key = new_key();
    root_sha1.cert = make_cert("Test SHA-1 Root CA", root_sha1.key, NULL, -10 * 365 * DAY,
                               10 * 365 * DAY, NULL, 1, EVP_sha1());
    inter_sha1.key = new_key();
    inter_sha1.cert = make_cert("Test Intermediate under SHA-1 root", inter_sha1.key,
                                &root_sha1, -5 * 365 * DAY, 5 * 365 * DAY, NULL, 1,
                                EVP_sha256());
}

static void pki_free(pki_t *k)
{
    X509_free(k->cert);
    EVP_PKEY_free(k->key);
    k->cert = NULL;
    k->key = NULL;
}

static void setup(void)
{
    unit_setup();
    pki_setup();
}

static void teardown(void)
{
    pki_free(&root);
    pki_free(&inter);
    pki_free(&root_sha1);
    pki_free(&inter_sha1);
    unit_teardown();
}

static X509_STORE *store_of(X509 *trusted)
{
    X509_STORE *s = X509_STORE_new();

    ck_assert_ptr_nonnull(s);
    if (trusted) {
        ck_assert_int_eq(X509_STORE_add_cert(s, trusted), 1);
    }
    return s;
}

static STACK_OF(X509) *chain_of(X509 *a, X509 *b)
{
    STACK_OF(X509) *sk = sk_X509_new_null();

    if (a) {
        sk_X509_push(sk, X509_dup(a));
    }
    if (b) {
        sk_X509_push(sk, X509_dup(b));
    }
    return sk;
}

/* Audit leaf served with chain (NULL: nothing after the leaf) against a store
 * trusting trust_root, for hosts; the report goes to r. */
static void audit(X509 *leaf, STACK_OF(X509) *chain, X509 *trust_root, const char *const *hosts,
                  int n, int warn_days, hsts_cert_report_t *r)
{
    X509_STORE *s = store_of(trust_root);

    ck_assert_int_eq(hsts_cert_audit(pool, leaf, chain, hosts, n, s, warn_days,
                                     apr_time_from_sec(T), r), APR_SUCCESS);
    X509_STORE_free(s);
}

static const char *const A_HOSTS[] = { "a.test", "x.w.test", "127.0.0.1" };

/* The standard case: leaf + intermediate served, root trusted, A_HOSTS. */
static hsts_findings_t audit_std(X509 *leaf, hsts_cert_report_t *r)
{
    STACK_OF(X509) *chain = chain_of(inter.cert, NULL);

    audit(leaf, chain, root.cert, A_HOSTS, 3, HSTS_CERT_WARN_DAYS_DEFAULT, r);
    sk_X509_pop_free(chain, X509_free);
    return r->findings;
}

/* ---- one test per finding --------------------------------------------- */

START_TEST(good_leaf_no_findings)
{
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, GOOD_SAN, EVP_sha256());
    hsts_cert_report_t r;
    char iso[32];
    struct tm tm;
    time_t na = T + 365 * DAY;

    assert_findings(audit_std(leaf, &r), 0);
    ck_assert_int_eq(r.chain_complete, 1);
    ck_assert_int_eq(r.verify_error, X509_V_OK);
    ck_assert_int_eq(r.verify_depth, -1);
    ck_assert_ptr_null(r.verify_error_text);
    ck_assert_ptr_null(r.weak_signature);
    ck_assert_str_eq(r.subject, "CN=a.test,O=mod_hsts_audit tests");
    ck_assert_str_eq(r.issuer, "CN=Test Intermediate CA,O=mod_hsts_audit tests");
    ck_assert_int_eq(r.names->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(r.names, 0, const char *), "a.test");
    ck_assert_str_eq(APR_ARRAY_IDX(r.names, 1, const char *), "*.w.test");
    ck_assert_str_eq(APR_ARRAY_IDX(r.names, 2, const char *), "127.0.0.1");
    ck_assert_int_eq(r.uncovered->nelts, 0);
    ck_assert(r.not_before == apr_time_from_sec(T - DAY));
    ck_assert(r.not_after == apr_time_from_sec(na));
    gmtime_r(&na, &tm);
    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
    ck_assert_str_eq(r.not_after_iso, iso);
    ck_assert_int_eq(hsts_days_until(r.not_after, apr_time_from_sec(T)), 365);
    X509_free(leaf);
}
END_TEST

START_TEST(expired)
{
    X509 *leaf = leaf_cert(-400 * DAY, -35 * DAY, GOOD_SAN, EVP_sha256());
    hsts_cert_report_t r;

    /* the chain verifies at a time inside the leaf's window: only the date finding */
    assert_findings(audit_std(leaf, &r), BIT(EXPIRED));
    ck_assert_int_eq(r.chain_complete, 1);
    ck_assert_int_eq(hsts_days_until(r.not_after, apr_time_from_sec(T)), -35);
    X509_free(leaf);
}
END_TEST

/* An intermediate (re)issued after the leaf expired: still only cert.expired. */
START_TEST(expired_leaf_under_newer_intermediate)
{
    EVP_PKEY *ik = new_key(), *k = new_key();
    pki_t newer;
    X509 *leaf;
    STACK_OF(X509) *chain;
    hsts_cert_report_t r;

    newer.key = ik;
    newer.cert = make_cert("Test Intermediate CA", ik, &root, -DAY, 365 * DAY, NULL, 1,
                           EVP_sha256());
    leaf = make_cert("a.test", k, &newer, -400 * DAY, -35 * DAY, GOOD_SAN, 0, EVP_sha256());
    chain = chain_of(newer.cert, NULL);
    audit(leaf, chain, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(EXPIRED));
    ck_assert_int_eq(r.chain_complete, 1);
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    EVP_PKEY_free(k);
    pki_free(&newer);
}
END_TEST

/* An expired intermediate under a valid leaf is a chain problem. */
START_TEST(expired_intermediate_is_untrusted)
{
    EVP_PKEY *ik = new_key(), *k = new_key();
    pki_t old;
    X509 *leaf;
    STACK_OF(X509) *chain;
    hsts_cert_report_t r;

    old.key = ik;
    old.cert = make_cert("Old Intermediate CA", ik, &root, -400 * DAY, -DAY, NULL, 1,
                         EVP_sha256());
    leaf = make_cert("a.test", k, &old, -10 * DAY, 300 * DAY, GOOD_SAN, 0, EVP_sha256());
    chain = chain_of(old.cert, NULL);
    audit(leaf, chain, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(UNTRUSTED));
    ck_assert_int_eq(r.verify_error, X509_V_ERR_CERT_HAS_EXPIRED);
    ck_assert_int_eq(r.verify_depth, 1);
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    EVP_PKEY_free(k);
    pki_free(&old);
}
END_TEST

START_TEST(expired_one_second_ago)
{
    X509 *leaf = leaf_cert(-400 * DAY, -1, GOOD_SAN, EVP_sha256());
    hsts_cert_report_t r;

    assert_findings(audit_std(leaf, &r), BIT(EXPIRED));
    ck_assert_int_eq(hsts_days_until(r.not_after, apr_time_from_sec(T)), -1);
    X509_free(leaf);
}
END_TEST

START_TEST(not_yet_valid)
{
    X509 *leaf = leaf_cert(30 * DAY, 400 * DAY, GOOD_SAN, EVP_sha256());
    hsts_cert_report_t r;

    assert_findings(audit_std(leaf, &r), BIT(NOT_YET_VALID));
    ck_assert_int_eq(r.chain_complete, 1);
    X509_free(leaf);
}
END_TEST

START_TEST(expiring_soon)
{
    X509 *leaf = leaf_cert(-360 * DAY, 5 * DAY, GOOD_SAN, EVP_sha256());
    hsts_cert_report_t r;
    STACK_OF(X509) *chain = chain_of(inter.cert, NULL);

    assert_findings(audit_std(leaf, &r), BIT(EXPIRING_SOON));
    ck_assert_int_eq(hsts_days_until(r.not_after, apr_time_from_sec(T)), 5);
    ck_assert_int_eq(hsts_findings_severity(r.findings), HSTS_SEVERITY_WARNING);
    /* exactly 5 days left is not "within 5 days"; 6 is */
    audit(leaf, chain, root.cert, A_HOSTS, 3, 5, &r);
    assert_findings(r.findings, 0);
    audit(leaf, chain, root.cert, A_HOSTS, 3, 6, &r);
    assert_findings(r.findings, BIT(EXPIRING_SOON));
    audit(leaf, chain, root.cert, A_HOSTS, 3, 0, &r);
    assert_findings(r.findings, 0);
    audit(leaf, chain, root.cert, A_HOSTS, 3, -3, &r);
    assert_findings(r.findings, 0);
    audit(leaf, chain, root.cert, A_HOSTS, 3, 2000000000, &r);
    assert_findings(r.findings, BIT(EXPIRING_SOON));
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
}
END_TEST

START_TEST(expired_is_not_also_expiring)
{
    X509 *leaf = leaf_cert(-400 * DAY, -DAY, GOOD_SAN, EVP_sha256());
    hsts_cert_report_t r;
    STACK_OF(X509) *chain = chain_of(inter.cert, NULL);

    audit(leaf, chain, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(EXPIRED));
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
}
END_TEST

START_TEST(name_mismatch)
{
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, "DNS:other.example", EVP_sha256());
    hsts_cert_report_t r;

    assert_findings(audit_std(leaf, &r), BIT(NAME_MISMATCH));
    ck_assert_int_eq(r.uncovered->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(r.uncovered, 0, const char *), "a.test");
    ck_assert_str_eq(APR_ARRAY_IDX(r.uncovered, 1, const char *), "x.w.test");
    ck_assert_str_eq(APR_ARRAY_IDX(r.uncovered, 2, const char *), "127.0.0.1");
    ck_assert_int_eq(r.chain_complete, 1);
    X509_free(leaf);
}
END_TEST

START_TEST(chain_incomplete)
{
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, GOOD_SAN, EVP_sha256());
    hsts_cert_report_t r;

    /* served without its intermediate; the store has the root only */
    audit(leaf, NULL, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(CHAIN_INCOMPLETE));
    ck_assert_int_eq(r.chain_complete, 0);
    ck_assert_int_eq(r.verify_error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    ck_assert_int_eq(r.verify_depth, 0);
    ck_assert_str_eq(r.verify_error_text, "unable to get local issuer certificate");
    X509_free(leaf);
}
END_TEST

START_TEST(chain_incomplete_empty_stack)
{
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, GOOD_SAN, EVP_sha256());
    STACK_OF(X509) *empty = sk_X509_new_null();
    hsts_cert_report_t r;

    audit(leaf, empty, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(CHAIN_INCOMPLETE));
    sk_X509_free(empty);
    X509_free(leaf);
}
END_TEST

START_TEST(untrusted_self_signed)
{
    EVP_PKEY *k = new_key();
    X509 *leaf = make_cert("a.test", k, NULL, -DAY, 365 * DAY, GOOD_SAN, 0, EVP_sha256());
    hsts_cert_report_t r;

    audit(leaf, NULL, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(UNTRUSTED));
    ck_assert_int_eq(r.verify_error, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    ck_assert_int_eq(r.verify_depth, 0);
    ck_assert_str_eq(r.subject, r.issuer);
    X509_free(leaf);
    EVP_PKEY_free(k);
}
END_TEST

START_TEST(untrusted_unknown_root)
{
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, GOOD_SAN, EVP_sha256());
    STACK_OF(X509) *chain = chain_of(inter.cert, NULL);
    STACK_OF(X509) *with_root = chain_of(inter.cert, root.cert);
    hsts_cert_report_t r;

    /* the intermediate is served, its root is trusted by nobody here */
    audit(leaf, chain, NULL, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(UNTRUSTED));
    ck_assert_int_eq(r.verify_depth, 1);
    /* the untrusted root served too */
    audit(leaf, with_root, NULL, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(UNTRUSTED));
    ck_assert_int_eq(r.verify_error, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
    /* and trusted: serving the root is harmless */
    audit(leaf, with_root, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, 0);
    sk_X509_pop_free(chain, X509_free);
    sk_X509_pop_free(with_root, X509_free);
    X509_free(leaf);
}
END_TEST

START_TEST(weak_signature_leaf)
{
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, GOOD_SAN, EVP_sha1());
    hsts_cert_report_t r;

    /* SHA-1 does not break the chain (security level 0): only the signature finding */
    assert_findings(audit_std(leaf, &r), BIT(WEAK_SIGNATURE));
    ck_assert_int_eq(r.chain_complete, 1);
    ck_assert_str_eq(r.weak_signature, "ecdsa-with-SHA1");
    X509_free(leaf);
}
END_TEST

START_TEST(weak_signature_intermediate)
{
    EVP_PKEY *ik = new_key();
    pki_t weak_inter;
    X509 *leaf;
    STACK_OF(X509) *chain;
    hsts_cert_report_t r;

    weak_inter.key = ik;
    weak_inter.cert = make_cert("Weak Intermediate", ik, &root, -DAY, 365 * DAY, NULL, 1,
                                EVP_sha1());
    {
        EVP_PKEY *k = new_key();

        leaf = make_cert("a.test", k, &weak_inter, -DAY, 300 * DAY, GOOD_SAN, 0, EVP_sha256());
        EVP_PKEY_free(k);
    }
    chain = chain_of(weak_inter.cert, NULL);
    audit(leaf, chain, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(WEAK_SIGNATURE));
    ck_assert_str_eq(r.weak_signature, "ecdsa-with-SHA1");
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    pki_free(&weak_inter);
}
END_TEST

START_TEST(sha1_self_signed_root_is_excepted)
{
    EVP_PKEY *k = new_key();
    X509 *leaf = make_cert("a.test", k, &inter_sha1, -DAY, 365 * DAY, GOOD_SAN, 0,
                           EVP_sha256());
    STACK_OF(X509) *chain = chain_of(inter_sha1.cert, root_sha1.cert);
    hsts_cert_report_t r;

    audit(leaf, chain, root_sha1.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, 0);
    ck_assert_ptr_null(r.weak_signature);
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    EVP_PKEY_free(k);
}
END_TEST

START_TEST(several_findings_at_once)
{
    X509 *leaf = leaf_cert(-400 * DAY, -2 * DAY, "DNS:b.test", EVP_sha1());
    hsts_cert_report_t r;

    audit(leaf, NULL, root.cert, A_HOSTS, 1, 30, &r);
    assert_findings(r.findings, BIT(EXPIRED) | BIT(NAME_MISMATCH) | BIT(CHAIN_INCOMPLETE)
                                | BIT(WEAK_SIGNATURE));
    ck_assert_int_eq(hsts_findings_severity(r.findings), HSTS_SEVERITY_ERROR);
    X509_free(leaf);
}
END_TEST

START_TEST(sha1_self_signed_leaf_is_untrusted_only)
{
    EVP_PKEY *k = new_key();
    X509 *leaf = make_cert("a.test", k, NULL, -DAY, 365 * DAY, GOOD_SAN, 0, EVP_sha1());
    hsts_cert_report_t r;

    audit(leaf, NULL, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(UNTRUSTED));
    /* trusted directly (a private test setup): nothing to report */
    audit(leaf, NULL, leaf, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, 0);
    X509_free(leaf);
    EVP_PKEY_free(k);
}
END_TEST

START_TEST(wrong_purpose_is_untrusted)
{
    EVP_PKEY *k = new_key();
    X509 *leaf = X509_new();
    X509_NAME *n = X509_NAME_new();
    STACK_OF(X509) *chain = chain_of(inter.cert, NULL);
    hsts_cert_report_t r;

    /* a client certificate (EKU clientAuth) served as a server certificate */
    X509_set_version(leaf, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(leaf), 999);
    ASN1_TIME_set(X509_getm_notBefore(leaf), T - DAY);
    ASN1_TIME_set(X509_getm_notAfter(leaf), T + 100 * DAY);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"a.test", -1, -1, 0);
    X509_set_subject_name(leaf, n);
    X509_set_issuer_name(leaf, X509_get_subject_name(inter.cert));
    X509_NAME_free(n);
    X509_set_pubkey(leaf, k);
    add_ext(leaf, inter.cert, NID_ext_key_usage, "clientAuth");
    add_ext(leaf, inter.cert, NID_subject_alt_name, "DNS:a.test");
    ck_assert_int_gt(X509_sign(leaf, inter.key, EVP_sha256()), 0);
    audit(leaf, chain, root.cert, A_HOSTS, 1, 30, &r);
    assert_findings(r.findings, BIT(UNTRUSTED));
    ck_assert_int_eq(r.verify_error, X509_V_ERR_INVALID_PURPOSE);
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    EVP_PKEY_free(k);
}
END_TEST

START_TEST(null_arguments)
{
    X509 *leaf = leaf_cert(-DAY, DAY, GOOD_SAN, EVP_sha256());
    X509_STORE *s = store_of(NULL);
    hsts_cert_report_t r;

    ck_assert_int_eq(hsts_cert_audit(pool, NULL, NULL, NULL, 0, s, 30, apr_time_now(), &r),
                     APR_EINVAL);
    ck_assert_int_eq(hsts_cert_audit(pool, leaf, NULL, NULL, 0, NULL, 30, apr_time_now(), &r),
                     APR_EINVAL);
    /* no hosts at all: nothing to mismatch */
    audit(leaf, NULL, root.cert, NULL, 0, 0, &r);
    ck_assert_int_eq(r.uncovered->nelts, 0);
    ck_assert_int_eq(r.findings & BIT(NAME_MISMATCH), 0);
    X509_STORE_free(s);
    X509_free(leaf);
}
END_TEST

/* ---- names ------------------------------------------------------------- */

static int covers(X509 *leaf, const char *host)
{
    hsts_cert_report_t r;
    const char *hosts[1];

    hosts[0] = host;
    audit(leaf, NULL, NULL, hosts, 1, 0, &r);
    return r.uncovered->nelts == 0 && !(r.findings & BIT(NAME_MISMATCH));
}

START_TEST(names_coverage)
{
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, GOOD_SAN ",DNS:*.x.test,IP:::1", EVP_sha256());

    ck_assert(covers(leaf, "a.test"));
    ck_assert(covers(leaf, "A.Test"));
    ck_assert(covers(leaf, "a.test."));           /* the absolute form */
    ck_assert(!covers(leaf, "b.test"));
    ck_assert(!covers(leaf, "test"));
    ck_assert(!covers(leaf, "www.a.test"));       /* no wildcard for a.test */
    /* *.w.test: exactly one label */
    ck_assert(covers(leaf, "x.w.test"));
    ck_assert(covers(leaf, "X-1.W.TEST"));
    ck_assert(!covers(leaf, "w.test"));
    ck_assert(!covers(leaf, "a.b.w.test"));
    ck_assert(!covers(leaf, ".w.test"));
    /* a wildcard host (ServerAlias *.w.test): only the identical wildcard SAN */
    ck_assert(covers(leaf, "*.w.test"));
    ck_assert(covers(leaf, "*.W.test"));
    ck_assert(!covers(leaf, "*.a.test"));
    ck_assert(!covers(leaf, "*.b.w.test"));
    ck_assert(!covers(leaf, "*.test"));
    ck_assert(!covers(leaf, "x*.w.test"));
    ck_assert(!covers(leaf, "?.w.test"));
    /* IP literals match iPAddress entries only */
    ck_assert(covers(leaf, "127.0.0.1"));
    ck_assert(!covers(leaf, "127.0.0.2"));
    ck_assert(covers(leaf, "::1"));
    ck_assert(covers(leaf, "[::1]"));
    ck_assert(covers(leaf, "0:0:0:0:0:0:0:1"));
    ck_assert(!covers(leaf, "::2"));
    X509_free(leaf);
}
END_TEST

START_TEST(names_wildcard_san_must_be_a_whole_label)
{
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, "DNS:f*.p.test,DNS:*.com", EVP_sha256());

    ck_assert(!covers(leaf, "foo.p.test"));      /* no partial wildcards */
    ck_assert(!covers(leaf, "example.com"));     /* no wildcard over a single label */
    X509_free(leaf);
}
END_TEST

START_TEST(names_ip_san_is_not_a_dns_name)
{
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, "DNS:127.0.0.1", EVP_sha256());

    ck_assert(!covers(leaf, "127.0.0.1"));
    X509_free(leaf);
}
END_TEST

START_TEST(names_cn_is_ignored)
{
    /* CN=a.test, no subjectAltName: browsers accept no name at all */
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, NULL, EVP_sha256());
    hsts_cert_report_t r;
    const char *h[] = { "a.test" };

    ck_assert(!covers(leaf, "a.test"));
    audit(leaf, NULL, NULL, h, 1, 0, &r);
    ck_assert_int_eq(r.names->nelts, 0);
    X509_free(leaf);
}
END_TEST

START_TEST(names_list_ipv6_and_order)
{
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, "IP:::1,DNS:z.test,email:a@b.test,IP:10.0.0.1",
                           EVP_sha256());
    hsts_cert_report_t r;

    audit(leaf, NULL, NULL, NULL, 0, 0, &r);
    ck_assert_int_eq(r.names->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(r.names, 0, const char *), "::1");
    ck_assert_str_eq(APR_ARRAY_IDX(r.names, 1, const char *), "z.test");
    ck_assert_str_eq(APR_ARRAY_IDX(r.names, 2, const char *), "10.0.0.1");
    X509_free(leaf);
}
END_TEST

/* ---- days_left ---------------------------------------------------------- */

START_TEST(days_left_arithmetic)
{
    apr_time_t now = apr_time_from_sec(1700000000);
    apr_time_t d = apr_time_from_sec(DAY);

    ck_assert_int_eq(hsts_days_until(now, now), 0);
    ck_assert_int_eq(hsts_days_until(now + 1, now), 0);
    ck_assert_int_eq(hsts_days_until(now + d - 1, now), 0);
    ck_assert_int_eq(hsts_days_until(now + d, now), 1);
    ck_assert_int_eq(hsts_days_until(now + 30 * d + d / 2, now), 30);
    ck_assert_int_eq(hsts_days_until(now - 1, now), -1);
    ck_assert_int_eq(hsts_days_until(now - apr_time_from_sec(3600), now), -1);
    ck_assert_int_eq(hsts_days_until(now - d, now), -1);
    ck_assert_int_eq(hsts_days_until(now - d - 1, now), -2);
    ck_assert_int_eq(hsts_days_until(now - 35 * d, now), -35);
    ck_assert_int_eq(hsts_days_until(now + 3650 * d, now), 3650);
    /* far dates (beyond 2038 and before 1970) */
    ck_assert_int_eq(hsts_days_until(apr_time_from_sec(APR_INT64_C(4102444800)),
                                         apr_time_from_sec(APR_INT64_C(4102444800) - 7 * DAY)),
                     7);
    ck_assert_int_eq(hsts_days_until(apr_time_from_sec(-DAY), 0), -1);
}
END_TEST

START_TEST(dates_beyond_2049_generalized_time)
{
    /* notAfter in 2100 is a GeneralizedTime */
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, GOOD_SAN, EVP_sha256());
    hsts_cert_report_t r;

    ck_assert_int_eq(ASN1_TIME_set_string(X509_getm_notAfter(leaf), "21000101000000Z"), 1);
    ck_assert_int_gt(X509_sign(leaf, inter.key, EVP_sha256()), 0);
    audit(leaf, NULL, NULL, NULL, 0, 30, &r);
    ck_assert_str_eq(r.not_after_iso, "2100-01-01T00:00:00Z");
    ck_assert(r.not_after == apr_time_from_sec(APR_INT64_C(4102444800)));
    X509_free(leaf);
}
END_TEST

/* ---- files ------------------------------------------------------------- */

static char tmpdir[256];

static const char *tmp_file(const char *name, const void *data, size_t len)
{
    const char *path = apr_pstrcat(pool, tmpdir, "/", name, NULL);
    FILE *f = fopen(path, "wb");

    ck_assert_ptr_nonnull(f);
    if (len) {
        ck_assert_int_eq(fwrite(data, 1, len, f), len);
    }
    fclose(f);
    return path;
}

static const char *pem_of(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *d;
    long n;
    const char *out;

    PEM_write_bio_X509(b, x);
    n = BIO_get_mem_data(b, &d);
    out = apr_pstrmemdup(pool, d, (apr_size_t)n);
    BIO_free(b);
    return out;
}

static const char *pem_of_key(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *d;
    long n;
    const char *out;

    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    n = BIO_get_mem_data(b, &d);
    out = apr_pstrmemdup(pool, d, (apr_size_t)n);
    BIO_free(b);
    return out;
}

static void files_setup(void)
{
    setup();
    snprintf(tmpdir, sizeof(tmpdir), "%s/test_cert.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void files_teardown(void)
{
    const char *cmd = apr_pstrcat(pool, "rm -rf '", tmpdir, "'", NULL);

    ck_assert_int_eq(system(cmd), 0);
    teardown();
}

static const char *load_error(const char *path)
{
    X509 *leaf = (X509 *)1;
    STACK_OF(X509) *chain = (STACK_OF(X509) *)1;
    const char *err = NULL;

    ck_assert_int_ne(hsts_cert_load_chain(pool, path, &leaf, &chain, &err), APR_SUCCESS);
    ck_assert_ptr_null(leaf);
    ck_assert_ptr_null(chain);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, path) != NULL, "'%s' does not name the file", err);
    return err;
}


START_TEST(load_chain_good)
{
    X509 *leaf0 = leaf_cert(-DAY, 365 * DAY, GOOD_SAN, EVP_sha256());
    EVP_PKEY *k = new_key();
    const char *text = apr_pstrcat(pool, "subject=CN = a.test\n", pem_of(leaf0),
                                   pem_of_key(k), pem_of(inter.cert), NULL);
    const char *path = tmp_file("chain.pem", text, strlen(text));
    X509 *leaf;
    STACK_OF(X509) *chain;
    const char *err = "x";
    hsts_cert_report_t r;

    ck_assert_int_eq(hsts_cert_load_chain(pool, path, &leaf, &chain, &err), APR_SUCCESS);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(X509_cmp(leaf, leaf0), 0);
    ck_assert_int_eq(sk_X509_num(chain), 1);
    ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 0), inter.cert), 0);
    audit(leaf, chain, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, 0);
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);

    /* leaf only: an empty chain, never NULL */
    path = tmp_file("leaf.pem", pem_of(leaf0), strlen(pem_of(leaf0)));
    ck_assert_int_eq(hsts_cert_load_chain(pool, path, &leaf, &chain, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(chain);
    ck_assert_int_eq(sk_X509_num(chain), 0);
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf0);
    EVP_PKEY_free(k);
}
END_TEST

START_TEST(load_chain_errors)
{
    EVP_PKEY *k = new_key();
    const char *key = pem_of_key(k);
    const unsigned char der[] = { 0x30, 0x82, 0x01, 0x0a, 0x02, 0x01 };
    const char *csr = "-----BEGIN CERTIFICATE REQUEST-----\nMIIBAA==\n"
                      "-----END CERTIFICATE REQUEST-----\n";
    const char *bad = "-----BEGIN CERTIFICATE-----\nMIIB!!!notbase64\n"
                      "-----END CERTIFICATE-----\n";
    const char *notder = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    const char *trunc;
    const char *err;

    err = load_error(apr_pstrcat(pool, tmpdir, "/missing.pem", NULL));
    assert_contains(err, "No such file");
    err = load_error(tmp_file("empty.pem", "", 0));
    assert_contains(err, "empty file");
    err = load_error(tmp_file("blank.pem", " \n\n", 3));
    assert_contains(err, "empty file");
    err = load_error(tmp_file("key.pem", key, strlen(key)));
    assert_contains(err, "private key, not a certificate");
    err = load_error(tmp_file("garbage.pem", "hello world\n", 12));
    assert_contains(err, "not PEM");
    err = load_error(tmp_file("cert.der", der, sizeof(der)));
    assert_contains(err, "DER");
    err = load_error(tmp_file("csr.pem", csr, strlen(csr)));
    assert_contains(err, "CERTIFICATE REQUEST");
    err = load_error(tmp_file("bad64.pem", bad, strlen(bad)));
    assert_contains(err, "corrupt");
    err = load_error(tmp_file("notder.pem", notder, strlen(notder)));
    assert_contains(err, "certificate #1 is corrupt");
    trunc = apr_pstrcat(pool, pem_of(inter.cert), "-----BEGIN CERTIFICATE-----\nMIIB\n", NULL);
    err = load_error(tmp_file("trunc.pem", trunc, strlen(trunc)));
    assert_contains(err, "after 1 certificate");
    err = load_error(tmpdir);
    assert_contains(err, "directory");
    if (geteuid() != 0) {
        const char *p = tmp_file("unreadable.pem", key, strlen(key));

        chmod(p, 0);
        err = load_error(p);
        assert_contains(err, "Permission denied");
    }
    EVP_PKEY_free(k);
}
END_TEST

START_TEST(store_load)
{
    const char *roots = apr_pstrcat(pool, pem_of(root.cert), pem_of(root_sha1.cert),
                                    pem_of(root.cert), NULL);
    const char *path = tmp_file("roots.pem", roots, strlen(roots));
    const char *err = "x";
    X509_STORE *s;
    X509 *leaf = leaf_cert(-DAY, 365 * DAY, GOOD_SAN, EVP_sha256());
    STACK_OF(X509) *chain = chain_of(inter.cert, NULL);
    hsts_cert_report_t r;
    EVP_PKEY *k = new_key();
    const char *key = pem_of_key(k);

    s = hsts_cert_store_load(pool, path, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(hsts_cert_audit(pool, leaf, chain, A_HOSTS, 3, s, 30,
                                     apr_time_from_sec(T), &r), APR_SUCCESS);
    assert_findings(r.findings, 0);
    X509_STORE_free(s);

    /* the system store loads (our test root is not in it) */
    s = hsts_cert_store_load(pool, NULL, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(hsts_cert_audit(pool, leaf, chain, A_HOSTS, 3, s, 30,
                                     apr_time_from_sec(T), &r), APR_SUCCESS);
    assert_findings(r.findings, BIT(UNTRUSTED));
    X509_STORE_free(s);

    /* errors, as for the chain */
    path = apr_pstrcat(pool, tmpdir, "/nothere.pem", NULL);
    ck_assert_ptr_null(hsts_cert_store_load(pool, path, &err));
    assert_contains(err, path);
    assert_contains(err, "No such file");
    ck_assert_ptr_null(hsts_cert_store_load(pool, tmp_file("e.pem", "", 0), &err));
    assert_contains(err, "empty file");
    ck_assert_ptr_null(hsts_cert_store_load(pool, tmp_file("k.pem", key, strlen(key)), &err));
    assert_contains(err, "private key");
    ck_assert_ptr_null(hsts_cert_store_load(pool, tmp_file("g.pem", "garbage", 7), &err));
    assert_contains(err, "not PEM");

    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    EVP_PKEY_free(k);
}
END_TEST

static Suite *cert_suite(void)
{
    Suite *s = suite_create("cert");
    TCase *tc = tcase_create("audit");
    TCase *tn = tcase_create("names");
    TCase *tf = tcase_create("files");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, good_leaf_no_findings);
    tcase_add_test(tc, expired);
    tcase_add_test(tc, expired_one_second_ago);
    tcase_add_test(tc, expired_leaf_under_newer_intermediate);
    tcase_add_test(tc, expired_intermediate_is_untrusted);
    tcase_add_test(tc, not_yet_valid);
    tcase_add_test(tc, expiring_soon);
    tcase_add_test(tc, expired_is_not_also_expiring);
    tcase_add_test(tc, name_mismatch);
    tcase_add_test(tc, chain_incomplete);
    tcase_add_test(tc, chain_incomplete_empty_stack);
    tcase_add_test(tc, untrusted_self_signed);
    tcase_add_test(tc, untrusted_unknown_root);
    tcase_add_test(tc, weak_signature_leaf);
    tcase_add_test(tc, weak_signature_intermediate);
    tcase_add_test(tc, sha1_self_signed_root_is_excepted);
    tcase_add_test(tc, several_findings_at_once);
    tcase_add_test(tc, sha1_self_signed_leaf_is_untrusted_only);
    tcase_add_test(tc, wrong_purpose_is_untrusted);
    tcase_add_test(tc, null_arguments);
    tcase_add_test(tc, days_left_arithmetic);
    tcase_add_test(tc, dates_beyond_2049_generalized_time);
    suite_add_tcase(s, tc);

    tcase_add_checked_fixture(tn, setup, teardown);
    tcase_set_timeout(tn, 60);
    tcase_add_test(tn, names_coverage);
    tcase_add_test(tn, names_wildcard_san_must_be_a_whole_label);
    tcase_add_test(tn, names_ip_san_is_not_a_dns_name);
    tcase_add_test(tn, names_cn_is_ignored);
    tcase_add_test(tn, names_list_ipv6_and_order);
    suite_add_tcase(s, tn);

    tcase_add_checked_fixture(tf, files_setup, files_teardown);
    tcase_set_timeout(tf, 60);
    tcase_add_test(tf, load_chain_good);
    tcase_add_test(tf, load_chain_errors);
    tcase_add_test(tf, store_load);
    suite_add_tcase(s, tf);
    return s;
}

int main(void)
{
    return unit_run(cert_suite());
}
