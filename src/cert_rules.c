/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * cert_rules.c: what browsers refuse in one certificate beyond OpenSSL's
 * chain verification (src/cert_checks.h; design.md section 4): weak keys,
 * an EKU without serverAuth, OCSP Must-Staple, embedded SCTs, the lifetime.
 * OpenSSL parses everything; every decoder's NULL (absent or malformed
 * extension) is handled.
 */
#include "cert_checks.h"

#include <stdint.h>
#include <string.h>

#include <apr_strings.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#ifndef OPENSSL_NO_CT
#include <openssl/ct.h>
#endif
#if OPENSSL_VERSION_NUMBER < 0x30000000L
#include <openssl/ec.h>
#define EVP_PKEY_get_bits EVP_PKEY_bits
#define EVP_PKEY_get_base_id EVP_PKEY_base_id
#endif

/* RFC 7633: the TLS Feature extension lists TLS extension numbers;
 * status_request is 5 (RFC 6066). */
#define TLS_EXT_STATUS_REQUEST 5

/* SCT timestamps are milliseconds since the epoch; beyond 9999-12-31 they are
 * capped. */
#define MAX_SCT_MS APR_UINT64_C(253402300799000)

/* The NID of an EC key's named curve, NID_undef for explicit parameters. */
static int ec_curve_nid(EVP_PKEY *k)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    char name[80];
    size_t len = 0;
    int nid;

    if (EVP_PKEY_get_group_name(k, name, sizeof(name), &len) != 1) {
        return NID_undef;
    }
    nid = OBJ_sn2nid(name);
    return nid != NID_undef ? nid : EC_curve_nist2nid(name);
#else
    const EC_KEY *ec = EVP_PKEY_get0_EC_KEY(k);
    const EC_GROUP *g = ec ? EC_KEY_get0_group(ec) : NULL;

    return g ? EC_GROUP_get_curve_name(g) : NID_undef;
#endif
}

const char *hsts_cert_weak_key(apr_pool_t *p, X509 *x)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    int bits, nid;

    if (!k) {
        return NULL;
    }
    bits = EVP_PKEY_get_bits(k);
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        return bits < 2048 ? apr_psprintf(p, "RSA %d bits", bits) : NULL;
    case EVP_PKEY_DSA:
        return apr_psprintf(p, "DSA %d bits", bits);
    case EVP_PKEY_EC:
        nid = ec_curve_nid(k);
        if (nid == NID_X9_62_prime256v1 || nid == NID_secp384r1) {
            return NULL;
        }
        if (nid == NID_undef) {
            return "EC with explicit curve parameters";
        }
        return apr_psprintf(p, "EC curve %s", OBJ_nid2sn(nid) ? OBJ_nid2sn(nid) : "unknown");
    default:
        return NULL;
    }
}

int hsts_cert_lacks_server_auth(X509 *x)
{
    uint32_t flags = X509_get_extension_flags(x);   /* also caches the extensions */

    if ((flags & EXFLAG_INVALID) || !(flags & EXFLAG_XKUSAGE)) {
        return 0;
    }
    return !(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
}

int hsts_cert_must_staple(X509 *x)
{
    TLS_FEATURE *tf = X509_get_ext_d2i(x, NID_tlsfeature, NULL, NULL);
    int i, found = 0;

    for (i = 0; tf && i < sk_ASN1_INTEGER_num(tf) && !found; i++) {
        found = ASN1_INTEGER_get(sk_ASN1_INTEGER_value(tf, i)) == TLS_EXT_STATUS_REQUEST;
    }
    TLS_FEATURE_free(tf);
    return found;
}

int hsts_cert_sct_count(X509 *x, apr_time_t *earliest)
{
    *earliest = 0;
#ifndef OPENSSL_NO_CT
    {
        int crit = -1, i, n = 0;
        STACK_OF(SCT) *scts = X509_get_ext_d2i(x, NID_ct_precert_scts, &crit, NULL);

        if (!scts) {
            return crit >= 0 || crit == -2 ? -1 : 0;   /* present but undecodable, or twice */
        }
        for (i = 0; i < sk_SCT_num(scts); i++) {
            const SCT *sct = sk_SCT_value(scts, i);
            uint64_t ms;
            apr_time_t t;

            if (SCT_get_version(sct) != SCT_VERSION_V1) {
                continue;
            }
            n++;
            ms = SCT_get_timestamp(sct);
            if (ms > MAX_SCT_MS) {
                ms = MAX_SCT_MS;      /* a hostile timestamp must not overflow APR time */
            }
            t = (apr_time_t)(ms / 1000) * APR_USEC_PER_SEC;
            if (!*earliest || t < *earliest) {
                *earliest = t;
            }
        }
        SCT_LIST_free(scts);
        return n;
    }
#else
    (void)x;
    return 0;
#endif
}

int hsts_cert_lifetime(X509 *x, int *days, int *secs)
{
    *days = *secs = 0;
    return ASN1_TIME_diff(days, secs, X509_get0_notBefore(x), X509_get0_notAfter(x)) == 1;
}
