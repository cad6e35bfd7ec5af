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

#include "config.h"                     /* HSTS_CA_BUNDLE */
#define HSTS_TEST_CA_BUNDLE HSTS_CA_BUNDLE

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

/* A certificate for key, valid from T + nb to T + na seconds, issued by
 * issuer (NULL: self-signed), not signed yet. san NULL: no subjectAltName;
 * eku NULL: no extendedKeyUsage. */
static X509 *cert_body(const char *cn, EVP_PKEY *key, const pki_t *issuer, long nb, long na,
                       const char *san, int ca, const char *eku)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509 *signer;

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
    signer = issuer ? issuer->cert : x;
    add_ext(x, signer, NID_subject_key_identifier, "hash");
    if (issuer) {
        add_ext(x, issuer->cert, NID_authority_key_identifier, "keyid:always");
    }
    if (ca) {
        add_ext(x, signer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    }
    else {
        add_ext(x, signer, NID_basic_constraints, "critical,CA:FALSE");
    }
    if (eku) {
        add_ext(x, signer, NID_ext_key_usage, eku);
    }
    if (san) {
        add_ext(x, signer, NID_subject_alt_name, san);
    }
    return x;
}

static void sign_cert(X509 *x, EVP_PKEY *key, const pki_t *issuer, const EVP_MD *md)
{
    ck_assert_int_gt(X509_sign(x, issuer ? issuer->key : key, md), 0);
}

/* A signed certificate (make_cert): leaves get EKU serverAuth. */
static X509 *make_cert(const char *cn, EVP_PKEY *key, const pki_t *issuer, long nb, long na,
                       const char *san, int ca, const EVP_MD *md)
{
    X509 *x = cert_body(cn, key, issuer, nb, na, san, ca, ca ? NULL : "serverAuth");

    sign_cert(x, key, issuer, md);
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

static hsts_cert_audit_in_t audit_in(X509_STORE *s, const char *const *hosts, int n,
                                     int warn_days)
{
    hsts_cert_audit_in_t in;

    memset(&in, 0, sizeof(in));
    in.hosts = hosts;
    in.n_hosts = n;
    in.trusted = s;
    in.warn_days = warn_days;
    in.now = apr_time_from_sec(T);
    return in;
}

/* Audit leaf served with chain (NULL: nothing after the leaf) against a store
 * trusting trust_root (public roots or not), with SSLUseStapling on or not,
 * for hosts; the report goes to r. */
static void audit_ex(X509 *leaf, STACK_OF(X509) *chain, X509 *trust_root,
                     const char *const *hosts, int n, int warn_days, int is_public,
                     int stapling, hsts_cert_report_t *r)
{
    X509_STORE *s = store_of(trust_root);
    hsts_cert_audit_in_t in = audit_in(s, hosts, n, warn_days);

    in.trusted_public = is_public;
    in.stapling = stapling;
    ck_assert_int_eq(hsts_cert_audit(pool, leaf, chain, &in, r), APR_SUCCESS);
    X509_STORE_free(s);
}

static void audit(X509 *leaf, STACK_OF(X509) *chain, X509 *trust_root, const char *const *hosts,
                  int n, int warn_days, hsts_cert_report_t *r)
{
    audit_ex(leaf, chain, trust_root, hosts, n, warn_days, 0, 0, r);
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

/* An expired intermediate under a valid leaf: cert.chain_expiring (error),
 * not cert.untrusted: the chain is otherwise complete (design.md section 4). */
START_TEST(expired_intermediate_is_chain_expiring)
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
    assert_findings(r.findings, BIT(CHAIN_EXPIRING));
    ck_assert_int_eq(r.warnings, 0);
    ck_assert_int_eq(hsts_cert_finding_severity(&r, HSTS_F_CERT_CHAIN_EXPIRING),
                     HSTS_SEVERITY_ERROR);
    ck_assert_int_eq(hsts_cert_severity(&r), HSTS_SEVERITY_ERROR);
    ck_assert_int_eq(r.chain_complete, 1);
    ck_assert_str_eq(r.expiring_intermediate, "CN=Old Intermediate CA,O=mod_hsts_audit tests");
    ck_assert(r.expiring_intermediate_not_after == apr_time_from_sec(T - DAY));
    ck_assert_str_eq(hsts_cert_finding_detail(pool, &r, HSTS_F_CERT_CHAIN_EXPIRING,
                                              apr_time_from_sec(T)),
                     apr_psprintf(pool, "intermediate CN=Old Intermediate CA,O=mod_hsts_audit "
                                  "tests, not after %s, -1 days left",
                                  hsts_iso8601((char[HSTS_ISO8601_SIZE]){ 0 },
                                               apr_time_from_sec(T - DAY))));
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

START_TEST(wrong_purpose_is_server_auth_missing)
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
    /* its own finding, and the chain is otherwise fine */
    assert_findings(r.findings, BIT(SERVER_AUTH_MISSING));
    ck_assert_int_eq(r.chain_complete, 1);
    ck_assert_str_eq(hsts_cert_finding_detail(pool, &r, HSTS_F_CERT_SERVER_AUTH_MISSING, 0),
                     "extendedKeyUsage without serverAuth");
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
    hsts_cert_audit_in_t in = audit_in(s, NULL, 0, 30), no_store = audit_in(NULL, NULL, 0, 30);

    ck_assert_int_eq(hsts_cert_audit(pool, NULL, NULL, &in, &r), APR_EINVAL);
    ck_assert_int_eq(hsts_cert_audit(pool, leaf, NULL, NULL, &r), APR_EINVAL);
    ck_assert_int_eq(hsts_cert_audit(pool, leaf, NULL, &no_store, &r),
                     APR_EINVAL);
    /* no hosts at all: nothing to mismatch */
    audit(leaf, NULL, root.cert, NULL, 0, 0, &r);
    ck_assert_int_eq(r.uncovered->nelts, 0);
    ck_assert_int_eq(r.findings & BIT(NAME_MISMATCH), 0);
    X509_STORE_free(s);
    X509_free(leaf);
}
END_TEST

/* ---- the browsers' further rules (0.2) ---------------------------------- */

#define SCT_LEN 51        /* one v1 SCT: 1 + 32 + 8 + 2 + 1 + 1 + 2 + 4 bytes */

/* Add a non-critical extension whose extnValue is der (possibly malformed on
 * purpose). */
static void add_raw_ext(X509 *x, int nid, const unsigned char *der, int len)
{
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext;

    ck_assert_int_eq(ASN1_OCTET_STRING_set(os, der, len), 1);
    ext = X509_EXTENSION_create_by_NID(NULL, nid, 0, os);
    ck_assert_ptr_nonnull(ext);
    ck_assert_int_eq(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
}

/* The embedded SCT list extension (RFC 6962 3.3): an OCTET STRING holding
 * the TLS-encoded SignedCertificateTimestampList, here n v1 SCTs from
 * distinct log ids, timestamps ms + i milliseconds, dummy signatures (the
 * audit counts SCTs, it does not verify them: it has no log keys). */
static void add_scts(X509 *x, int n, apr_uint64_t ms)
{
    unsigned char list[2 + 8 * (2 + SCT_LEN)], der[3 + sizeof(list)];
    int len = 2, i, b, dlen;

    ck_assert_int_le(n, 8);
    for (i = 0; i < n; i++) {
        unsigned char *q = list + len;
        apr_uint64_t t = ms + (apr_uint64_t)i;

        q[0] = 0;
        q[1] = SCT_LEN;
        q[2] = 0;                                 /* version v1 */
        memset(q + 3, i + 1, 32);                 /* log id */
        for (b = 0; b < 8; b++) {
            q[35 + b] = (unsigned char)(t >> (56 - 8 * b));
        }
        q[43] = q[44] = 0;                        /* no extensions */
        q[45] = 4;                                /* sha256 */
        q[46] = 3;                                /* ecdsa */
        q[47] = 0;
        q[48] = 4;
        memset(q + 49, 0x5a, 4);
        len += 2 + SCT_LEN;
    }
    list[0] = (unsigned char)((len - 2) >> 8);
    list[1] = (unsigned char)(len - 2);
    der[0] = 0x04;
    if (len < 128) {
        der[1] = (unsigned char)len;
        dlen = 2;
    }
    else {
        der[1] = 0x81;
        der[2] = (unsigned char)len;
        dlen = 3;
    }
    memcpy(der + dlen, list, (size_t)len);
    add_raw_ext(x, NID_ct_precert_scts, der, dlen + len);
}

#define MS(t) ((apr_uint64_t)(t) * 1000)

/* A leaf under the intermediate with a given key, lifetime, EKU, SCTs and
 * Must-Staple. */
static X509 *leaf_with(EVP_PKEY *k, long nb, long na, const char *eku, int n_scts,
                       apr_uint64_t sct_ms, int must_staple)
{
    X509 *x = cert_body("a.test", k, &inter, nb, na, GOOD_SAN, 0, eku);

    if (n_scts > 0) {
        add_scts(x, n_scts, sct_ms);
    }
    if (must_staple) {
        add_ext(x, inter.cert, NID_tlsfeature, "status_request");
    }
    sign_cert(x, k, &inter, EVP_sha256());
    return x;
}

/* Findings of a leaf served with the intermediate, root trusted as public
 * or private roots, SSLUseStapling on or not. */
static hsts_findings_t audit_rules(X509 *leaf, int is_public, int stapling,
                                   hsts_cert_report_t *r)
{
    STACK_OF(X509) *chain = chain_of(inter.cert, NULL);

    audit_ex(leaf, chain, root.cert, A_HOSTS, 3, 30, is_public, stapling, r);
    sk_X509_pop_free(chain, X509_free);
    return r->findings;
}

START_TEST(cn_only_names_no_san)
{
    EVP_PKEY *k = new_key();
    X509 *leaf = cert_body("a.test", k, &inter, -DAY, 90 * DAY, NULL, 0, "serverAuth");
    X509 *good = leaf_cert(-DAY, 90 * DAY, "DNS:a.test", EVP_sha256());
    const char *h[] = { "a.test" };
    hsts_cert_report_t r;
    STACK_OF(X509) *chain = chain_of(inter.cert, NULL);

    sign_cert(leaf, k, &inter, EVP_sha256());
    audit(leaf, chain, root.cert, h, 1, 30, &r);
    assert_findings(r.findings, BIT(NAME_MISMATCH));
    ck_assert_str_eq(hsts_cert_finding_detail(pool, &r, HSTS_F_CERT_NAME_MISMATCH, 0),
                     "not covered: a.test; the certificate has no subjectAltName (browsers "
                     "ignore the subject CN)");
    /* control: the same name in the SAN */
    audit(good, chain, root.cert, h, 1, 30, &r);
    assert_findings(r.findings, 0);
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    X509_free(good);
    EVP_PKEY_free(k);
}
END_TEST

/* An intermediate that expires before the leaf, within HSTSCertWarnDays:
 * a warning; outside the window, or after the leaf: nothing. */
START_TEST(chain_expiring_warning)
{
    EVP_PKEY *ik = new_key(), *k = new_key();
    pki_t soon;
    X509 *leaf, *short_leaf;
    STACK_OF(X509) *chain;
    hsts_cert_report_t r;

    soon.key = ik;
    soon.cert = make_cert("Soon Intermediate CA", ik, &root, -400 * DAY, 10 * DAY, NULL, 1,
                          EVP_sha256());
    leaf = make_cert("a.test", k, &soon, -DAY, 300 * DAY, GOOD_SAN, 0, EVP_sha256());
    short_leaf = make_cert("a.test", k, &soon, -DAY, 5 * DAY, GOOD_SAN, 0, EVP_sha256());
    chain = chain_of(soon.cert, NULL);
    audit(leaf, chain, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(CHAIN_EXPIRING));
    ck_assert(r.warnings == BIT(CHAIN_EXPIRING));
    ck_assert_int_eq(hsts_cert_finding_severity(&r, HSTS_F_CERT_CHAIN_EXPIRING),
                     HSTS_SEVERITY_WARNING);
    ck_assert_int_eq(hsts_cert_severity(&r), HSTS_SEVERITY_WARNING);
    ck_assert_str_eq(r.expiring_intermediate, "CN=Soon Intermediate CA,O=mod_hsts_audit tests");
    /* outside the window */
    audit(leaf, chain, root.cert, A_HOSTS, 3, 9, &r);
    assert_findings(r.findings, 0);
    /* the leaf expires first: its own cert.expiring_soon only */
    audit(short_leaf, chain, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(EXPIRING_SOON));
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    X509_free(short_leaf);
    EVP_PKEY_free(k);
    pki_free(&soon);
}
END_TEST

static EVP_PKEY *dsa_key(void)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    EVP_PKEY *params = NULL, *k = NULL;
    EVP_PKEY_CTX *kc;

    ck_assert_int_eq(EVP_PKEY_paramgen_init(pc), 1);
    ck_assert_int_eq(EVP_PKEY_CTX_set_dsa_paramgen_bits(pc, 1024), 1);
    ck_assert_int_eq(EVP_PKEY_paramgen(pc, &params), 1);
    kc = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    ck_assert_int_eq(EVP_PKEY_keygen_init(kc), 1);
    ck_assert_int_eq(EVP_PKEY_keygen(kc, &k), 1);
    EVP_PKEY_CTX_free(kc);
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_free(params);
    return k;
}

/* The key of leaf k: its cert.weak_key detail, or NULL for none. */
static const char *weak_key_of(EVP_PKEY *k)
{
    X509 *leaf = leaf_with(k, -DAY, 90 * DAY, "serverAuth", 0, 0, 0);
    hsts_cert_report_t r;
    hsts_findings_t f = audit_rules(leaf, 0, 0, &r);

    X509_free(leaf);
    EVP_PKEY_free(k);
    ck_assert_msg(f == 0 || f == BIT(WEAK_KEY), "findings %s", unit_findings_text(f));
    return f ? apr_pstrdup(pool, hsts_cert_finding_detail(pool, &r, HSTS_F_CERT_WEAK_KEY, 0))
             : NULL;
}

START_TEST(weak_key)
{
    EVP_PKEY *ik = EVP_RSA_gen(1024), *k = new_key();
    pki_t weak_inter;
    X509 *leaf;
    STACK_OF(X509) *chain;
    hsts_cert_report_t r;

    ck_assert_str_eq(weak_key_of(EVP_RSA_gen(1024)), "RSA 1024 bits");
    ck_assert_ptr_null(weak_key_of(EVP_RSA_gen(2048)));
    ck_assert_str_eq(weak_key_of(dsa_key()), "DSA 1024 bits");
    ck_assert_str_eq(weak_key_of(EVP_EC_gen("secp256k1")), "EC curve secp256k1");
    ck_assert_str_eq(weak_key_of(EVP_EC_gen("P-521")), "EC curve secp521r1");
    ck_assert_ptr_null(weak_key_of(EVP_EC_gen("P-384")));
    ck_assert_ptr_null(weak_key_of(EVP_EC_gen("P-256")));
    /* a served intermediate's key counts too, and is named */
    weak_inter.key = ik;
    weak_inter.cert = make_cert("Weak Intermediate CA", ik, &root, -DAY, 365 * DAY, NULL, 1,
                                EVP_sha256());
    leaf = make_cert("a.test", k, &weak_inter, -DAY, 90 * DAY, GOOD_SAN, 0, EVP_sha256());
    chain = chain_of(weak_inter.cert, NULL);
    audit(leaf, chain, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(WEAK_KEY));
    ck_assert_str_eq(r.weak_key, "RSA 1024 bits in CN=Weak Intermediate CA,O=mod_hsts_audit tests");
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    EVP_PKEY_free(k);
    pki_free(&weak_inter);
}
END_TEST

START_TEST(server_auth_eku)
{
    const char *ekus[] = { "anyExtendedKeyUsage", "clientAuth,codeSigning",
                           "serverAuth,clientAuth", NULL };
    const hsts_findings_t want[] = { BIT(SERVER_AUTH_MISSING), BIT(SERVER_AUTH_MISSING), 0, 0 };
    int i;

    for (i = 0; i < 4; i++) {
        EVP_PKEY *k = new_key();
        X509 *leaf = leaf_with(k, -DAY, 90 * DAY, ekus[i], 0, 0, 0);
        hsts_cert_report_t r;

        assert_findings(audit_rules(leaf, 0, 0, &r), want[i]);
        ck_assert_int_eq(r.chain_complete, 1);
        X509_free(leaf);
        EVP_PKEY_free(k);
    }
}
END_TEST

/* Findings of a leaf valid from T + nb to T + na with n SCTs at sct_ms. */
static hsts_findings_t rules_of(long nb, long na, int n_scts, apr_uint64_t sct_ms, int is_public,
                                hsts_cert_report_t *r)
{
    EVP_PKEY *k = new_key();
    X509 *leaf = leaf_with(k, nb, na, "serverAuth", n_scts, sct_ms, 0);
    hsts_findings_t f = audit_rules(leaf, is_public, 0, r);

    X509_free(leaf);
    EVP_PKEY_free(k);
    return f;
}

START_TEST(validity_too_long)
{
    hsts_cert_report_t r;
    long before_limit = (long)(1598918400L - T);     /* 2020-09-01T00:00:00Z */

    assert_findings(rules_of(-DAY, 397 * DAY, 3, MS(T), 1, &r), 0);    /* 398 days */
    ck_assert_int_eq(r.public_root, 1);
    ck_assert_int_eq(r.validity_days, 398);
    assert_findings(rules_of(-DAY, 397 * DAY + 1, 3, MS(T), 1, &r), BIT(VALIDITY_TOO_LONG));
    ck_assert_str_eq(hsts_cert_finding_detail(pool, &r, HSTS_F_CERT_VALIDITY_TOO_LONG, 0),
                     apr_psprintf(pool, "valid 398 days from %s, more than 398",
                                  hsts_iso8601((char[HSTS_ISO8601_SIZE]){ 0 },
                                               apr_time_from_sec(T - DAY))));
    /* a private root: the public-root rules do not apply */
    assert_findings(rules_of(-DAY, 800 * DAY, 0, 0, 0, &r), 0);
    ck_assert_int_eq(r.public_root, 0);
    /* issued the second before 2020-09-01: no limit; at it: the limit */
    assert_findings(rules_of(before_limit - 1, 3000 * DAY, 3, MS(T), 1, &r), 0);
    assert_findings(rules_of(before_limit, 3000 * DAY, 3, MS(T), 1, &r),
                    BIT(VALIDITY_TOO_LONG));
}
END_TEST

START_TEST(ct_insufficient)
{
    hsts_cert_report_t r;
    long before_ct = (long)(1525132800L - T);        /* 2018-05-01T00:00:00Z */

    /* up to 180 days: 2 */
    assert_findings(rules_of(-DAY, 89 * DAY, 1, MS(T), 1, &r), BIT(CT_INSUFFICIENT));
    ck_assert_str_eq(hsts_cert_finding_detail(pool, &r, HSTS_F_CERT_CT_INSUFFICIENT, 0),
                     "1 embedded SCT, Chrome asks 2 for a lifetime of 90 days");
    assert_findings(rules_of(-DAY, 89 * DAY, 2, MS(T), 1, &r), 0);
    ck_assert_int_eq(r.sct_count, 2);
    assert_findings(rules_of(-DAY, 179 * DAY, 2, MS(T), 1, &r), 0);      /* exactly 180 */
    ck_assert_int_eq(r.sct_required, 2);
    /* longer: 3 */
    assert_findings(rules_of(-DAY, 179 * DAY + 1, 2, MS(T), 1, &r), BIT(CT_INSUFFICIENT));
    ck_assert_int_eq(r.sct_required, 3);
    assert_findings(rules_of(-DAY, 199 * DAY, 3, MS(T), 1, &r), 0);
    assert_findings(rules_of(-DAY, 199 * DAY, 0, 0, 1, &r), BIT(CT_INSUFFICIENT));
    ck_assert_str_eq(hsts_cert_finding_detail(pool, &r, HSTS_F_CERT_CT_INSUFFICIENT, 0),
                     "0 embedded SCTs, Chrome asks 3 for a lifetime of 200 days");
    /* a private root: no CT rule */
    assert_findings(rules_of(-DAY, 199 * DAY, 0, 0, 0, &r), 0);
    /* issued before 2018-05-01 */
    assert_findings(rules_of(before_ct - 1, 365 * DAY, 0, 0, 1, &r), 0);
    assert_findings(rules_of(before_ct, 365 * DAY, 0, 0, 1, &r), BIT(CT_INSUFFICIENT));
}
END_TEST

/* Malformed extensions: OpenSSL's decoders return NULL; nothing crashes. */
START_TEST(malformed_extensions)
{
    static const unsigned char bad_scts[] = { 0x04, 0x03, 0x00, 0x05, 0x01 };
    static const unsigned char bad_feature[] = { 0x30, 0x05, 0x02, 0x01 };
    static const unsigned char not_der[] = { 0xff, 0x00, 0x13 };
    EVP_PKEY *k = new_key();
    X509 *leaf = cert_body("a.test", k, &inter, -DAY, 90 * DAY, GOOD_SAN, 0, "serverAuth");
    hsts_cert_report_t r;

    add_raw_ext(leaf, NID_ct_precert_scts, bad_scts, sizeof(bad_scts));
    add_raw_ext(leaf, NID_tlsfeature, bad_feature, sizeof(bad_feature));
    add_raw_ext(leaf, NID_policy_constraints, not_der, sizeof(not_der));
    sign_cert(leaf, k, &inter, EVP_sha256());
    audit_rules(leaf, 1, 0, &r);
    ck_assert_int_eq(r.sct_count, -1);
    ck_assert_int_eq(r.must_staple, 0);
    ck_assert(r.findings & BIT(CT_INSUFFICIENT));
    ck_assert_str_eq(hsts_cert_finding_detail(pool, &r, HSTS_F_CERT_CT_INSUFFICIENT, 0),
                     "the embedded SCT list is malformed (counts as none); Chrome asks 2 for "
                     "a lifetime of 91 days");
    X509_free(leaf);
    EVP_PKEY_free(k);
}
END_TEST

START_TEST(must_staple)
{
    EVP_PKEY *k = new_key();
    X509 *staple = leaf_with(k, -DAY, 90 * DAY, "serverAuth", 0, 0, 1);
    X509 *plain = leaf_with(k, -DAY, 90 * DAY, "serverAuth", 0, 0, 0);
    hsts_cert_report_t r;

    assert_findings(audit_rules(staple, 0, 0, &r), BIT(MUST_STAPLE_UNSTAPLED));
    ck_assert_int_eq(r.must_staple, 1);
    assert_findings(audit_rules(staple, 0, 1, &r), 0);        /* SSLUseStapling on */
    assert_findings(audit_rules(plain, 0, 0, &r), 0);
    ck_assert_int_eq(r.must_staple, 0);
    X509_free(staple);
    X509_free(plain);
    EVP_PKEY_free(k);
}
END_TEST

/* The test row of the distrust table: a root made from this project's
 * distrusted test key (tests/data/distrusted-test-root.key), cut-off
 * 2019-12-31T23:59:59Z, compared like Chrome (earliest SCT, else notBefore). */
static EVP_PKEY *distrusted_key(void)
{
    const char *top = getenv("top_srcdir");
    const char *path = apr_pstrcat(pool, top ? top : ".", "/tests/data/distrusted-test-root.key",
                                   NULL);
    FILE *f = fopen(path, "r");
    EVP_PKEY *k;

    ck_assert_msg(f != NULL, "cannot open %s", path);
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    ck_assert_ptr_nonnull(k);
    return k;
}

START_TEST(issuer_distrusted)
{
    pki_t bad;
    EVP_PKEY *k = new_key();
    X509 *leaf, *old_sct_leaf, *no_sct_leaf;
    hsts_cert_report_t r;
    char iso[HSTS_ISO8601_SIZE];

    bad.key = distrusted_key();
    bad.cert = make_cert("Distrusted Test Root", bad.key, NULL, -3650 * DAY, 3650 * DAY, NULL,
                         1, EVP_sha256());
    leaf = cert_body("a.test", k, &bad, -DAY, 89 * DAY, GOOD_SAN, 0, "serverAuth");
    add_scts(leaf, 2, MS(T - 2 * DAY));
    sign_cert(leaf, k, &bad, EVP_sha256());
    old_sct_leaf = cert_body("a.test", k, &bad, -DAY, 89 * DAY, GOOD_SAN, 0, "serverAuth");
    add_scts(old_sct_leaf, 2, MS(1559347200));       /* 2019-06-01: before the cut-off */
    sign_cert(old_sct_leaf, k, &bad, EVP_sha256());
    no_sct_leaf = cert_body("a.test", k, &bad, -DAY, 89 * DAY, GOOD_SAN, 0, "serverAuth");
    sign_cert(no_sct_leaf, k, &bad, EVP_sha256());

    audit_ex(leaf, NULL, bad.cert, A_HOSTS, 3, 30, 1, 0, &r);
    assert_findings(r.findings, BIT(ISSUER_DISTRUSTED));
    ck_assert_str_eq(r.root_subject, "CN=Distrusted Test Root,O=mod_hsts_audit tests");
    ck_assert_str_eq(r.distrust, apr_psprintf(pool, "test distrusts mod_hsts_audit test root "
                     "for certificates after 2019-12-31T23:59:59Z; compared: earliest SCT %s; "
                     "source: tests/data/distrusted-test-root.key",
                     hsts_iso8601(iso, apr_time_from_sec(T - 2 * DAY))));
    /* the date compared is the earliest SCT, not notBefore */
    audit_ex(old_sct_leaf, NULL, bad.cert, A_HOSTS, 3, 30, 1, 0, &r);
    assert_findings(r.findings, 0);
    /* without SCTs: notBefore (and CT is missing) */
    audit_ex(no_sct_leaf, NULL, bad.cert, A_HOSTS, 3, 30, 1, 0, &r);
    assert_findings(r.findings, BIT(ISSUER_DISTRUSTED) | BIT(CT_INSUFFICIENT));
    assert_contains(r.distrust, apr_psprintf(pool, "compared: notBefore %s",
                                             hsts_iso8601(iso, apr_time_from_sec(T - DAY))));
    /* private roots: no public-root rules */
    audit_ex(leaf, NULL, bad.cert, A_HOSTS, 3, 30, 0, 0, &r);
    assert_findings(r.findings, 0);
    /* control: the same kind of leaf under another public root */
    X509_free(leaf);
    leaf = leaf_with(k, -DAY, 89 * DAY, "serverAuth", 2, MS(T - 2 * DAY), 0);
    assert_findings(audit_rules(leaf, 1, 0, &r), 0);
    X509_free(leaf);
    X509_free(old_sct_leaf);
    X509_free(no_sct_leaf);
    EVP_PKEY_free(k);
    pki_free(&bad);
}
END_TEST

/* A hostile intermediate subject (control bytes, markup) reaches the detail
 * of cert.chain_expiring escaped (RFC 2253: "\01"), never raw. */
START_TEST(hostile_intermediate_subject_is_escaped)
{
    EVP_PKEY *ik = new_key(), *k = new_key();
    pki_t evil;
    X509 *leaf;
    STACK_OF(X509) *chain;
    hsts_cert_report_t r;
    const char *detail;

    evil.key = ik;
    evil.cert = make_cert("Evil\x01\x1b[31m<script>", ik, &root, -400 * DAY, -DAY, NULL, 1,
                          EVP_sha256());
    leaf = make_cert("a.test", k, &evil, -10 * DAY, 300 * DAY, GOOD_SAN, 0, EVP_sha256());
    chain = chain_of(evil.cert, NULL);
    audit(leaf, chain, root.cert, A_HOSTS, 3, 30, &r);
    assert_findings(r.findings, BIT(CHAIN_EXPIRING));
    detail = hsts_cert_finding_detail(pool, &r, HSTS_F_CERT_CHAIN_EXPIRING, apr_time_from_sec(T));
    ck_assert_ptr_null(strchr(detail, '\x01'));
    ck_assert_ptr_null(strchr(detail, '\x1b'));
    assert_contains(detail, "intermediate CN=Evil\\01\\1B[31m\\<script\\>,O=");
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    EVP_PKEY_free(k);
    pki_free(&evil);
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

/* The CA bundle configure chose exists on this machine (not so when the
 * RPM spec's Fedora path is built on Debian). */
static int default_bundle_here(void)
{
    return access(hsts_cert_default_ca_file(), R_OK) == 0;
}

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

    hsts_cert_audit_in_t in;

    s = hsts_cert_store_load(pool, path, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(err);
    in = audit_in(s, A_HOSTS, 3, 30);
    ck_assert_int_eq(hsts_cert_audit(pool, leaf, chain, &in, &r), APR_SUCCESS);
    assert_findings(r.findings, 0);
    X509_STORE_free(s);

    /* the system CA bundle loads (our test root is not in it); a build for
     * another system (the RPM spec's Fedora path, built on Debian) says
     * which file it lacks */
    s = hsts_cert_store_load(pool, NULL, &err);
    if (!default_bundle_here()) {
        ck_assert_ptr_null(s);
        assert_contains(err, hsts_cert_default_ca_file());
    }
    else {
        ck_assert_ptr_nonnull(s);
        in = audit_in(s, A_HOSTS, 3, 30);
        in.trusted_public = 1;
        ck_assert_int_eq(hsts_cert_audit(pool, leaf, chain, &in, &r), APR_SUCCESS);
        assert_findings(r.findings, BIT(UNTRUSTED));
        ck_assert_int_eq(r.public_root, 0);   /* not anchored: no public-root rules */
        X509_STORE_free(s);
    }

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

/* design.md section 2: the default roots are the system CA bundle file, not
 * OpenSSL's hashed directory, where Debian's make-ssl-cert links the
 * self-signed snakeoil certificate. A self-signed certificate put into the
 * directory OpenSSL's defaults read (SSL_CERT_DIR) stays cert.untrusted. */
START_TEST(default_roots_ignore_openssl_cert_dir)
{
    EVP_PKEY *k = new_key();
    X509 *snakeoil = make_cert("a.test", k, NULL, -DAY, 3650 * DAY, "DNS:a.test", 0,
                               EVP_sha256());
    const char *dir = apr_pstrcat(pool, tmpdir, "/certs", NULL);
    const char *pem = pem_of(snakeoil), *err = NULL;
    const char *h[] = { "a.test" };
    X509_STORE *s;
    hsts_cert_audit_in_t in;
    hsts_cert_report_t r;
    char name[32];

    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(name, sizeof(name), "certs/%08lx.0", X509_subject_name_hash(snakeoil));
    tmp_file(name, pem, strlen(pem));
    setenv("SSL_CERT_DIR", dir, 1);
    setenv("SSL_CERT_FILE", apr_pstrcat(pool, tmpdir, "/none.pem", NULL), 1);
    /* control: OpenSSL's default paths do trust it */
    s = X509_STORE_new();
    ck_assert_int_eq(X509_STORE_set_default_paths(s), 1);
    in = audit_in(s, h, 1, 30);
    ck_assert_int_eq(hsts_cert_audit(pool, snakeoil, NULL, &in, &r), APR_SUCCESS);
    assert_findings(r.findings, 0);
    X509_STORE_free(s);
    /* the audit's default roots do not (where the configured bundle is here;
     * elsewhere they do not load at all: never the hashed directory) */
    s = hsts_cert_store_load(pool, NULL, &err);
    ck_assert_str_eq(hsts_cert_default_ca_file(), HSTS_TEST_CA_BUNDLE);
    if (!default_bundle_here()) {
        ck_assert_ptr_null(s);
        assert_contains(err, hsts_cert_default_ca_file());
    }
    else {
        ck_assert_ptr_nonnull(s);
        in = audit_in(s, h, 1, 30);
        in.trusted_public = 1;
        ck_assert_int_eq(hsts_cert_audit(pool, snakeoil, NULL, &in, &r), APR_SUCCESS);
        assert_findings(r.findings, BIT(UNTRUSTED));
        ck_assert_int_eq(r.verify_error, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
        X509_STORE_free(s);
    }
    unsetenv("SSL_CERT_DIR");
    unsetenv("SSL_CERT_FILE");
    X509_free(snakeoil);
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
    tcase_add_test(tc, expired_intermediate_is_chain_expiring);
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
    tcase_add_test(tc, wrong_purpose_is_server_auth_missing);
    tcase_add_test(tc, null_arguments);
    tcase_add_test(tc, days_left_arithmetic);
    tcase_add_test(tc, cn_only_names_no_san);
    tcase_add_test(tc, chain_expiring_warning);
    tcase_add_test(tc, weak_key);
    tcase_add_test(tc, server_auth_eku);
    tcase_add_test(tc, validity_too_long);
    tcase_add_test(tc, ct_insufficient);
    tcase_add_test(tc, malformed_extensions);
    tcase_add_test(tc, must_staple);
    tcase_add_test(tc, issuer_distrusted);
    tcase_add_test(tc, hostile_intermediate_subject_is_escaped);
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
    tcase_add_test(tf, default_roots_ignore_openssl_cert_dir);
    suite_add_tcase(s, tf);
    return s;
}

int main(void)
{
    return unit_run(cert_suite());
}
