/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * cert_distrust.c: roots that browsers no longer trust for certificates
 * issued after a cut-off date (cert.issuer_distrusted, design.md section 4;
 * API in src/cert_checks.h). Each row: the root's SubjectPublicKeyInfo
 * SHA-256 (computed from the root certificate as the OS CA bundle ships it,
 * `openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha256`; the
 * certificate itself is identified by the sha256_hex of Chromium's
 * net/data/ssl/chrome_root_store/root_store.textproto), the last trusted
 * second, the browser, which date that browser compares, and the public
 * announcement. Chrome compares the earliest embedded SCT (its root store's
 * constraint is sct_not_after_sec); where a certificate has none, notBefore
 * stands in.
 */
#include "cert_checks.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* 2024-11-11T23:59:59Z and 2025-07-31T23:59:59Z */
#define ENTRUST_CHROME APR_INT64_C(1731369599)
#define JULY_2025_CHROME APR_INT64_C(1754006399)

#define ENTRUST_SOURCE "https://security.googleblog.com/2024/06/sustaining-digital-certificate-security.html"
#define JULY_2025_SOURCE "https://security.googleblog.com/2025/05/sustaining-digital-certificate-security-chrome-root-store-changes.html"

static const hsts_distrust_t distrust[] = {
    /* Chrome distrusts Entrust's roots (and the AffirmTrust roots it owns)
     * for certificates whose earliest SCT is after 2024-11-11. */
    { "6dbfae00d37b9cd73f8fb47de65917af00e0dddf42dbceac20c17c0275ee2095",
      "Entrust Root Certification Authority", ENTRUST_CHROME, "Chrome", 1, ENTRUST_SOURCE },
    { "fea2b7d645fba73d753c1ec9a7870c40e1f7b0c561e927b985bf711866e36f22",
      "Entrust Root Certification Authority - EC1", ENTRUST_CHROME, "Chrome", 1, ENTRUST_SOURCE },
    { "76ee8590374c715437bbca6bba6028eadde2dc6dbbb8c3f610e851f11d1ab7f5",
      "Entrust Root Certification Authority - G2", ENTRUST_CHROME, "Chrome", 1, ENTRUST_SOURCE },
    { "36d7c79f3d089a0ff79972d90923dea5ca76b4ccbaf7c2751cb152e9494f52d0",
      "Entrust Root Certification Authority - G4", ENTRUST_CHROME, "Chrome", 1, ENTRUST_SOURCE },
    { "1ea3c5e43ed66c2da2983a42a4a79b1e906786ce9f1b58621419a00463a87d38",
      "Entrust.net Certification Authority (2048)", ENTRUST_CHROME, "Chrome", 1, ENTRUST_SOURCE },
    { "6c464b9a5b233a5e874da765c26f045010d2ddcff45794f0b4c7e4aafa501495",
      "AffirmTrust Commercial", ENTRUST_CHROME, "Chrome", 1, ENTRUST_SOURCE },
    { "94072ad3f58f70f93098e5a5f6c04c96c710bd849d83184919ae90eb890ae400",
      "AffirmTrust Networking", ENTRUST_CHROME, "Chrome", 1, ENTRUST_SOURCE },
    { "c7f43b4cf5b71568294f822b53762605f6ddd15cadece739e9e2c3cba61e9d67",
      "AffirmTrust Premium", ENTRUST_CHROME, "Chrome", 1, ENTRUST_SOURCE },
    { "3219b09114ff495a3eb6eb00c2efeab34002ae5f0a56c7679ea087a3fa037e4f",
      "AffirmTrust Premium ECC", ENTRUST_CHROME, "Chrome", 1, ENTRUST_SOURCE },
    /* Chrome distrusts Chunghwa Telecom and NetLock for certificates whose
     * earliest SCT is after 2025-07-31. */
    { "62554c17005543b237215f04268dcd2fd1c470240ad3c8660e25ae2c59630f55",
      "Chunghwa Telecom ePKI Root Certification Authority", JULY_2025_CHROME, "Chrome", 1,
      JULY_2025_SOURCE },
    { "79caaf5347e6e4a94c8e78a98496fc74020f809ede13f220fab6104c8ded329f",
      "Chunghwa Telecom HiPKI Root CA - G1", JULY_2025_CHROME, "Chrome", 1, JULY_2025_SOURCE },
    { "f48badd7df6a06690d0ae31373b12855f8dedb14517f362a313101cc98cc6b35",
      "NetLock Arany (Class Gold) F\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny", JULY_2025_CHROME,
      "Chrome", 1, JULY_2025_SOURCE },
    /* This project's test root (key: tests/data/distrusted-test-root.key,
     * public in the repository, so no browser trusts a root made from it):
     * lets the unit and httpd tests produce cert.issuer_distrusted on a real
     * certificate. Cut-off 2020-01-01T00:00:00Z, compared like Chrome. */
    { "66e55e32bf44b6e96905b7d4d5a3ca67fb9cf691d23c025b5782fba743c047fc",
      "mod_hsts_audit test root", APR_INT64_C(1577836799), "test", 1,
      "tests/data/distrusted-test-root.key" },
};

/* The lower-case hex SHA-256 of x's SubjectPublicKeyInfo DER; 0 on failure. */
static int spki_sha256_hex(X509 *x, char hex[65])
{
    unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    int ok = len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1
             && mdlen == 32;

    OPENSSL_free(der);
    for (i = 0; ok && i < mdlen; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
    return ok;
}

const hsts_distrust_t *hsts_cert_distrusted(X509 *root, apr_time_t not_before,
                                            apr_time_t earliest_sct, apr_time_t *compared)
{
    char hex[65];
    size_t i;

    *compared = 0;
    if (!root || !spki_sha256_hex(root, hex)) {
        return NULL;
    }
    for (i = 0; i < sizeof(distrust) / sizeof(distrust[0]); i++) {
        const hsts_distrust_t *row = &distrust[i];
        apr_time_t when = row->by_sct && earliest_sct ? earliest_sct : not_before;

        if (!strcmp(row->spki_sha256, hex)
            && when > apr_time_from_sec(row->last_trusted)) {
            *compared = when;
            return row;
        }
    }
    return NULL;
}
