/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * findings.c: the table of finding codes (design.md section 4; names after
 * the hstspreload checker's issue codes; browser error names as Chromium
 * (net_error_list) and Firefox (NSS/mozilla::pkix) show them).
 *
 * Browser error names, from their public sources:
 *  - Chromium: net/base/net_error_list.h (NET_ERROR(CERT_COMMON_NAME_INVALID,
 *    -200), CERT_DATE_INVALID -201, CERT_AUTHORITY_INVALID -202, CERT_INVALID
 *    -207, CERT_WEAK_SIGNATURE_ALGORITHM -208, CERT_WEAK_KEY -211,
 *    CERT_VALIDITY_TOO_LONG -213, CERTIFICATE_TRANSPARENCY_REQUIRED -214),
 *    shown as NET::ERR_<name>.
 *  - Firefox: security/nss/lib/mozpkix/include/pkix/pkixnss.h
 *    (MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE, _NOT_YET_VALID_CERTIFICATE,
 *    _REQUIRED_TLS_FEATURE_MISSING, _INSUFFICIENT_CERTIFICATE_TRANSPARENCY,
 *    _ISSUER_NO_LONGER_TRUSTED) and NSS's lib/util/secerr.h
 *    (SEC_ERROR_EXPIRED_CERTIFICATE, SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE,
 *    SEC_ERROR_UNKNOWN_ISSUER, SEC_ERROR_INADEQUATE_CERT_TYPE,
 *    SEC_ERROR_UNSUPPORTED_KEYALG, SEC_ERROR_UNSUPPORTED_ELLIPTIC_CURVE),
 *    mapped in security/manager/ssl (NSSCertDBTrustDomain.cpp: the
 *    validity limit there applies to EV only, so Firefox accepts
 *    cert.validity_too_long certificates).
 *  - Chromium's weak keys: net/cert/cert_verify_proc.cc (IsWeakKey: RSA below
 *    1024 bits gives CERT_STATUS_WEAK_KEY); tests/e2e/test_browser_cert_findings.py
 *    shows a 768-bit key refused and a 1024-bit one accepted from a private root.
 */
#include "hsts_findings.h"
#include "hsts_sts.h"

#include <string.h>

#include <apr_strings.h>

#define W HSTS_SEVERITY_WARNING
#define E HSTS_SEVERITY_ERROR

static const hsts_finding_info_t findings[HSTS_F_COUNT] = {
    { HSTS_F_HEADER_MISSING, "header.missing", HSTS_CAT_HEADER, E,
      "HTTPS response without Strict-Transport-Security where this scope has a policy",
      "set HSTSMode add (or enforce) to let the module add the policy, or make the application send it",
      NULL },
    { HSTS_F_HEADER_MULTIPLE, "header.multiple", HSTS_CAT_HEADER, W,
      "more than one Strict-Transport-Security field: browsers use only the first",
      "send one field; HSTSMode add or enforce replaces several with the policy",
      NULL },
    { HSTS_F_HEADER_INVALID_SYNTAX, "header.invalid.syntax", HSTS_CAT_HEADER, E,
      "browsers ignore this Strict-Transport-Security header: malformed directive or quoted-string",
      "send 'max-age=N' and optional '; includeSubDomains', separated by ';'",
      NULL },
    { HSTS_F_HEADER_INVALID_MAX_AGE, "header.invalid.max_age", HSTS_CAT_HEADER, E,
      "browsers ignore this header: max-age is empty or not all digits",
      "write max-age=31536000 (digits only, no sign, no unit)",
      NULL },
    { HSTS_F_HEADER_INVALID_MAX_AGE_MISSING, "header.invalid.max_age.missing", HSTS_CAT_HEADER, E,
      "browsers ignore this header: it has no max-age directive",
      "add max-age=N, e.g. max-age=31536000",
      NULL },
    { HSTS_F_HEADER_INVALID_REPEATED_DIRECTIVE, "header.invalid.repeated_directive", HSTS_CAT_HEADER, E,
      "browsers ignore this header: max-age or includeSubDomains appears twice",
      "name each directive once",
      NULL },
    { HSTS_F_HEADER_INVALID_INCLUDE_SUB_DOMAINS_VALUE, "header.invalid.include_sub_domains_value", HSTS_CAT_HEADER, E,
      "browsers ignore this header: includeSubDomains has a value",
      "write includeSubDomains alone, without '=' or a value",
      NULL },
    { HSTS_F_HEADER_INVALID_TOKEN, "header.invalid.token", HSTS_CAT_HEADER, E,
      "browsers ignore this header: a directive name or value is not a valid token",
      "remove the unknown directive or quote its value; separate directives with ';', not ','",
      NULL },
    { HSTS_F_HEADER_MAX_AGE_ZERO, "header.max_age.zero", HSTS_CAT_HEADER, W,
      "max-age=0: browsers delete their stored policy for this host",
      "use max-age=0 only to withdraw HSTS on purpose",
      NULL },
    { HSTS_F_HEADER_MAX_AGE_BELOW_CONFIGURED, "header.max_age.below_configured", HSTS_CAT_HEADER, W,
      "valid, but max-age is shorter than this scope's HSTSMaxAge",
      "let the module set the policy (HSTSMode enforce) or raise the application's max-age",
      NULL },
    { HSTS_F_HEADER_INCLUDE_SUB_DOMAINS_BELOW_CONFIGURED, "header.include_sub_domains.below_configured", HSTS_CAT_HEADER, W,
      "valid, but without includeSubDomains where this scope's policy has it (often an older Header always set next to the module): subdomains are not pinned",
      "remove the Header line that sets Strict-Transport-Security and let the module send the policy, or set HSTSMode enforce",
      NULL },
    { HSTS_F_HEADER_OVER_HTTP, "header.over_http", HSTS_CAT_HEADER, W,
      "Strict-Transport-Security on a plain-HTTP response: browsers ignore it (RFC 6797 7.2)",
      "send it over HTTPS only: drop the Header line for plain HTTP, or set HSTSMaxAge (e.g. 1y) in the plain-HTTP vhost too, and the module removes STS from its responses",
      NULL },
    { HSTS_F_PRELOADABLE_INCLUDE_SUB_DOMAINS_MISSING, "header.preloadable.include_sub_domains.missing", HSTS_CAT_HEADER, E,
      "the preload list requires includeSubDomains",
      "HSTSIncludeSubDomains On (after checking every subdomain serves HTTPS), or drop preload",
      NULL },
    { HSTS_F_PRELOADABLE_PRELOAD_MISSING, "header.preloadable.preload.missing", HSTS_CAT_HEADER, E,
      "the preload list requires the preload directive",
      "HSTSPreload On, or do not ask for preloading",
      NULL },
    { HSTS_F_PRELOADABLE_MAX_AGE_BELOW_1_YEAR, "header.preloadable.max_age.below_1_year", HSTS_CAT_HEADER, E,
      "the preload list requires max-age of at least 31536000 seconds (1 year)",
      "HSTSMaxAge 1y (or more)",
      NULL },
    { HSTS_F_PRELOADABLE_MAX_AGE_OVER_10_YEARS, "header.preloadable.max_age.over_10_years", HSTS_CAT_HEADER, W,
      "the header carries preload and a max-age over 10 years: hstspreload warns (browsers store at most 1 year, Chromium, or 100 years, Firefox)",
      "use max-age=63072000 (2 years), what hstspreload.org recommends",
      NULL },
    { HSTS_F_HEADER_PRELOAD_DIVERGENT, "header.preload.divergent", HSTS_CAT_HEADER, W,
      "browsers and the hstspreload checker judge this header differently",
      "write the plain form: max-age=N; includeSubDomains; preload (no quotes, no spaces around '=', no repeats)",
      NULL },
    { HSTS_F_REDIRECTS_HTTP_NO_REDIRECT, "redirects.http.no_redirect", HSTS_CAT_REDIRECTS, W,
      "plain-HTTP response of a host with an HTTPS policy is not a redirect to HTTPS",
      "redirect every plain-HTTP request to https:// on the same host (Redirect permanent / https://host/)",
      NULL },
    { HSTS_F_REDIRECTS_HTTP_FIRST_REDIRECT_INSECURE, "redirects.http.first_redirect.insecure", HSTS_CAT_REDIRECTS, W,
      "plain-HTTP redirect does not go to https:// on the same host first",
      "redirect http://host/ to https://host/ (same host), then elsewhere",
      NULL },
    { HSTS_F_REDIRECTS_DOWNGRADE, "redirects.downgrade", HSTS_CAT_REDIRECTS, E,
      "HTTPS response redirects to an http:// URL",
      "redirect to https:// URLs only",
      NULL },
    { HSTS_F_REDIRECTS_HTTPS_TARGET_CERT_INVALID, "redirects.https.target_cert_invalid", HSTS_CAT_REDIRECTS, E,
      "HTTPS response redirects to a host this server serves with a certificate that does not cover it or fails the audit",
      "give the target's vhost a certificate that covers its name (or fix its certificate), or redirect to a name the certificate covers",
      "NET::ERR_CERT_COMMON_NAME_INVALID / SSL_ERROR_BAD_CERT_DOMAIN (or the target certificate's own error)" },
    { HSTS_F_CERT_EXPIRED, "cert.expired", HSTS_CAT_CERT, E,
      "the server certificate has expired: with HSTS, visitors cannot click through",
      "renew the certificate (or enable automatic renewal, e.g. mod_md) and reload httpd",
      "NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_CERTIFICATE" },
    { HSTS_F_CERT_NOT_YET_VALID, "cert.not_yet_valid", HSTS_CAT_CERT, E,
      "the server certificate is not valid yet (notBefore in the future, or a wrong clock)",
      "check the server clock and the certificate's notBefore; serve a current certificate",
      "NET::ERR_CERT_DATE_INVALID / MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE" },
    { HSTS_F_CERT_EXPIRING_SOON, "cert.expiring_soon", HSTS_CAT_CERT, W,
      "the server certificate expires within HSTSCertWarnDays",
      "renew the certificate now",
      "NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_CERTIFICATE (once it has expired)" },
    { HSTS_F_CERT_NAME_MISMATCH, "cert.name_mismatch", HSTS_CAT_CERT, E,
      "the certificate does not cover every ServerName/ServerAlias of the vhost",
      "add the names to the certificate's subjectAltName, or remove the alias",
      "NET::ERR_CERT_COMMON_NAME_INVALID / SSL_ERROR_BAD_CERT_DOMAIN" },
    { HSTS_F_CERT_CHAIN_INCOMPLETE, "cert.chain_incomplete", HSTS_CAT_CERT, E,
      "the served chain lacks an intermediate: clients that do not fetch it fail",
      "serve the intermediate certificates after the leaf in SSLCertificateFile (fullchain.pem)",
      "NET::ERR_CERT_AUTHORITY_INVALID / SEC_ERROR_UNKNOWN_ISSUER" },
    { HSTS_F_CERT_UNTRUSTED, "cert.untrusted", HSTS_CAT_CERT, E,
      "the certificate does not chain to a trusted root (self-signed or unknown CA)",
      "serve a certificate from a publicly trusted CA (or set HSTSTrustedCA for a private PKI)",
      "NET::ERR_CERT_AUTHORITY_INVALID / SEC_ERROR_UNKNOWN_ISSUER" },
    { HSTS_F_CERT_WEAK_SIGNATURE, "cert.weak_signature", HSTS_CAT_CERT, E,
      "the served chain uses SHA-1 or a weaker signature algorithm",
      "reissue the certificate with SHA-256 or better",
      "NET::ERR_CERT_WEAK_SIGNATURE_ALGORITHM / SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED" },
    { HSTS_F_CERT_CHAIN_EXPIRING, "cert.chain_expiring", HSTS_CAT_CERT, E,
      "an intermediate certificate of the served chain has expired (error), or expires before "
      "the leaf and within HSTSCertWarnDays (warning): browsers then reject the whole chain",
      "serve the CA's current intermediate after the leaf (fetch the chain again from the CA, "
      "e.g. a new fullchain.pem) and reload httpd",
      "NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE" },
    { HSTS_F_CERT_WEAK_KEY, "cert.weak_key", HSTS_CAT_CERT, E,
      "a key of the served chain is one browsers refuse: RSA below 2048 bits (Chrome and "
      "Firefox), DSA (neither supports it), or an EC curve other than P-256/P-384",
      "issue a new certificate with an RSA key of 2048 bits or more, or an EC P-256/P-384 key",
      "NET::ERR_CERT_WEAK_KEY (RSA below 1024 bits; Chrome still accepts 1024 to 2047, "
      "which public CAs may not issue) or NET::ERR_CERT_INVALID / "
      "MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE, SEC_ERROR_UNSUPPORTED_KEYALG (DSA) or "
      "SEC_ERROR_UNSUPPORTED_ELLIPTIC_CURVE" },
    { HSTS_F_CERT_SERVER_AUTH_MISSING, "cert.server_auth_missing", HSTS_CAT_CERT, E,
      "the certificate has an extendedKeyUsage without serverAuth: browsers refuse it for HTTPS",
      "reissue it as a TLS server certificate (extendedKeyUsage serverAuth), not a client or "
      "code-signing one",
      "NET::ERR_CERT_INVALID / SEC_ERROR_INADEQUATE_CERT_TYPE" },
    { HSTS_F_CERT_VALIDITY_TOO_LONG, "cert.validity_too_long", HSTS_CAT_CERT, E,
      "publicly trusted certificate issued after 2020-09-01 and valid for more than 398 days: "
      "Chrome and Safari refuse it",
      "reissue it with a lifetime of at most 398 days (ACME CAs such as Let's Encrypt issue "
      "90 days; mod_md renews them)",
      "NET::ERR_CERT_VALIDITY_TOO_LONG / (Firefox accepts it)" },
    { HSTS_F_CERT_CT_INSUFFICIENT, "cert.ct_insufficient", HSTS_CAT_CERT, E,
      "publicly trusted certificate issued after 2018-04-30 with fewer embedded Certificate "
      "Transparency SCTs than Chrome's CT policy asks (2 for a lifetime up to 180 days, else 3)",
      "get the certificate from a CA that logs it and embeds the SCTs (every public CA does), "
      "or reissue it",
      "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED / "
      "MOZILLA_PKIX_ERROR_INSUFFICIENT_CERTIFICATE_TRANSPARENCY" },
    { HSTS_F_CERT_MUST_STAPLE_UNSTAPLED, "cert.must_staple_unstapled", HSTS_CAT_CERT, E,
      "the certificate requires OCSP stapling (TLS Feature status_request, \"OCSP "
      "Must-Staple\") and the vhost has no SSLUseStapling on: Firefox refuses it",
      "set SSLUseStapling on (with SSLStaplingCache) for this vhost, or use a certificate "
      "without Must-Staple",
      "(Chrome ignores Must-Staple) / MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING" },
    { HSTS_F_CERT_ISSUER_DISTRUSTED, "cert.issuer_distrusted", HSTS_CAT_CERT, E,
      "the certificate chains to a root that a browser no longer trusts for certificates "
      "issued after a cut-off date",
      "replace the certificate with one from a CA the browsers trust (the CA's successor "
      "or another CA)",
      "NET::ERR_CERT_AUTHORITY_INVALID / MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED" },
    { HSTS_F_CERT_RELOAD_PENDING, "cert.reload_pending", HSTS_CAT_CERT, W,
      "the certificate file on disk is no longer the one being served (renewed, not yet loaded)",
      "run apachectl graceful (systemctl reload apache2) so the server loads the renewed certificate",
      "NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_CERTIFICATE once the served certificate expires (nothing before)" },
    { HSTS_F_GUARD_SUBDOMAIN_NOT_HTTPS, "guard.subdomain_not_https", HSTS_CAT_GUARD, E,
      "includeSubDomains pins a subdomain this server serves over plain HTTP only or with a failing certificate",
      "serve the subdomain over HTTPS with a good certificate before sending includeSubDomains",
      "NET::ERR_CERT_* or ERR_CONNECTION_REFUSED on the subdomain, with no way to click through" },
    { HSTS_F_RAMP_HELD, "ramp.held", HSTS_CAT_RAMP, W,
      "the max-age ramp cannot advance: an error problem or error event of this vhost (listed with it) restarted the hold",
      "fix what held it; the ramp takes the next step after one clean HSTSRampHold",
      NULL },
    { HSTS_F_CLIENT_CERT_MISSING, "client_cert.missing", HSTS_CAT_CLIENT_CERT, E,
      "mutual TLS: the client sent no certificate",
      "configure the client to send its certificate",
      NULL },
    { HSTS_F_CLIENT_CERT_EXPIRED, "client_cert.expired", HSTS_CAT_CLIENT_CERT, E,
      "mutual TLS: the client certificate has expired",
      "issue the client a new certificate",
      NULL },
    { HSTS_F_CLIENT_CERT_NOT_YET_VALID, "client_cert.not_yet_valid", HSTS_CAT_CLIENT_CERT, E,
      "mutual TLS: the client certificate is not valid yet",
      "check the client's certificate dates and the server clock",
      NULL },
    { HSTS_F_CLIENT_CERT_REVOKED, "client_cert.revoked", HSTS_CAT_CLIENT_CERT, E,
      "mutual TLS: the client certificate is revoked",
      "issue the client a new certificate",
      NULL },
    { HSTS_F_CLIENT_CERT_UNTRUSTED, "client_cert.untrusted", HSTS_CAT_CLIENT_CERT, E,
      "mutual TLS: the client certificate is not from a trusted CA",
      "use a certificate from a CA in SSLCACertificateFile, or add its CA",
      NULL },
    { HSTS_F_CLIENT_CERT_INVALID, "client_cert.invalid", HSTS_CAT_CLIENT_CERT, E,
      "mutual TLS: the client certificate failed verification",
      "see the logged verify error; issue a valid certificate",
      NULL },
    { HSTS_F_CLIENT_CERT_EXPIRING_SOON, "client_cert.expiring_soon", HSTS_CAT_CLIENT_CERT, W,
      "mutual TLS: the client certificate expires within HSTSCertWarnDays",
      "issue the client a new certificate before it expires",
      NULL },
    /* (0.2) The self-check (design.md section 5c): chromium/hstspreload's
     * codes, with its severities (all errors: each blocks preloading). */
    { HSTS_F_RESPONSE_NO_HEADER, "response.no_header", HSTS_CAT_PRELOAD, E,
      "the first HTTPS response of the site has no Strict-Transport-Security field: browsers get no HSTS policy and hstspreload refuses the domain",
      "send Strict-Transport-Security on every HTTPS response of the bare domain, redirects included (HSTSMode add or enforce)",
      NULL },
    { HSTS_F_RESPONSE_MULTIPLE_HEADERS, "response.multiple_headers", HSTS_CAT_PRELOAD, E,
      "the first HTTPS response carries more than one Strict-Transport-Security field: hstspreload refuses the domain",
      "send one field: remove the Header line or application code that adds a second one (HSTSMode enforce replaces them)",
      NULL },
    { HSTS_F_REDIRECTS_HTTP_FIRST_REDIRECT_NO_HSTS, "redirects.http.first_redirect.no_hsts", HSTS_CAT_PRELOAD, E,
      "the https:// page that http:// first redirects to does not serve a preloadable Strict-Transport-Security field",
      "send the preload header (max-age of at least a year, includeSubDomains, preload) on that redirect target too",
      NULL },
    { HSTS_F_REDIRECTS_HTTP_WWW_FIRST, "redirects.http.www_first", HSTS_CAT_PRELOAD, E,
      "http://NAME/ redirects to www.NAME first: browsers never record the HSTS policy of the bare domain",
      "redirect http://NAME/ to https://NAME/ first, then to https://www.NAME/ from there",
      NULL },
    { HSTS_F_REDIRECTS_INSECURE_INITIAL, "redirects.insecure.initial", HSTS_CAT_PRELOAD, E,
      "https://NAME/ redirects to an http:// URL: visitors are sent back to plain HTTP",
      "make every redirect of the HTTPS site point to an https:// URL",
      NULL },
    { HSTS_F_REDIRECTS_INSECURE_SUBSEQUENT, "redirects.insecure.subsequent", HSTS_CAT_PRELOAD, E,
      "a later hop of the redirect chain goes to an http:// URL",
      "make every redirect after the first point to an https:// URL",
      NULL },
    { HSTS_F_REDIRECTS_TOO_MANY, "redirects.too_many", HSTS_CAT_PRELOAD, E,
      "more than 3 redirects from the start URL",
      "redirect in at most 3 hops (http://NAME/ -> https://NAME/ -> https://www.NAME/ is 2)",
      NULL },
    { HSTS_F_DOMAIN_WWW_NO_TLS, "domain.www.no_tls", HSTS_CAT_PRELOAD, E,
      "www.NAME accepts connections on port 443 but not a valid HTTPS connection: preloading with includeSubDomains would lock visitors out of it",
      "serve www.NAME over HTTPS with a certificate that covers it (add it to the certificate's subjectAltName)",
      "NET::ERR_CERT_COMMON_NAME_INVALID / SSL_ERROR_BAD_CERT_DOMAIN, or a connection error" },
    { HSTS_F_DOMAIN_TLS_INVALID_CERT_CHAIN, "domain.tls.invalid_cert_chain", HSTS_CAT_PRELOAD, E,
      "https://NAME/ serves a certificate chain that does not verify (incomplete, untrusted, expired or for another name)",
      "serve the full chain (leaf and intermediates, SSLCertificateFile) of a valid certificate from a public CA for NAME",
      "NET::ERR_CERT_AUTHORITY_INVALID / SEC_ERROR_UNKNOWN_ISSUER, NET::ERR_CERT_DATE_INVALID / SEC_ERROR_EXPIRED_CERTIFICATE" },
    { HSTS_F_DOMAIN_TLS_SHA1, "domain.tls.sha1", HSTS_CAT_PRELOAD, E,
      "a certificate of the verified chain (root excepted) is signed with SHA-1",
      "get a certificate (and intermediates) signed with SHA-256",
      "NET::ERR_CERT_WEAK_SIGNATURE_ALGORITHM / SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED" },
};

#undef W
#undef E

const hsts_finding_info_t *hsts_finding_info(hsts_finding_e id)
{
    if ((int)id < 0 || id >= HSTS_F_COUNT) {
        return NULL;
    }
    return &findings[id];
}

hsts_finding_e hsts_finding_by_code(const char *code)
{
    int i;

    for (i = 0; code && i < HSTS_F_COUNT; i++) {
        if (!strcmp(findings[i].code, code)) {
            return (hsts_finding_e)i;
        }
    }
    return HSTS_F_COUNT;
}

hsts_finding_e hsts_finding_of_verdict(int verdict)
{
    switch ((hsts_sts_verdict_e)verdict) {
    case HSTS_STS_INVALID_MAX_AGE:
        return HSTS_F_HEADER_INVALID_MAX_AGE;
    case HSTS_STS_INVALID_MAX_AGE_MISSING:
        return HSTS_F_HEADER_INVALID_MAX_AGE_MISSING;
    case HSTS_STS_INVALID_REPEATED_DIRECTIVE:
        return HSTS_F_HEADER_INVALID_REPEATED_DIRECTIVE;
    case HSTS_STS_INVALID_INCLUDE_SUB_DOMAINS_VALUE:
        return HSTS_F_HEADER_INVALID_INCLUDE_SUB_DOMAINS_VALUE;
    case HSTS_STS_INVALID_TOKEN:
        return HSTS_F_HEADER_INVALID_TOKEN;
    default:
        return HSTS_F_HEADER_INVALID_SYNTAX;
    }
}

const char *hsts_findings_join(apr_pool_t *p, hsts_findings_t set, const char *sep)
{
    const char *out = "";
    int i;

    for (i = 0; i < HSTS_F_COUNT; i++) {
        if (set & HSTS_FINDING_BIT(i)) {
            out = *out ? apr_pstrcat(p, out, sep, findings[i].code, NULL) : findings[i].code;
        }
    }
    return out;
}

apr_size_t hsts_findings_format(hsts_findings_t set, char *buf, apr_size_t size)
{
    apr_size_t need = 0;
    int i;

    if (size) {
        buf[0] = '\0';
    }
    if (!set) {
        if (size) {
            apr_cpystrn(buf, "ok", size);
        }
        return 2;
    }
    for (i = 0; i < HSTS_F_COUNT; i++) {
        apr_size_t len;

        if (!(set & HSTS_FINDING_BIT(i))) {
            continue;
        }
        len = strlen(findings[i].code);
        if (need && need + 1 < size) {
            buf[need] = ',';
            buf[need + 1] = '\0';
        }
        need += need ? 1 : 0;
        if (need + len < size) {
            memcpy(buf + need, findings[i].code, len + 1);
        }
        need += len;
    }
    return need;
}

hsts_severity_e hsts_findings_severity(hsts_findings_t set)
{
    int i;

    for (i = 0; i < HSTS_F_COUNT; i++) {
        if ((set & HSTS_FINDING_BIT(i)) && findings[i].severity == HSTS_SEVERITY_ERROR) {
            return HSTS_SEVERITY_ERROR;
        }
    }
    return HSTS_SEVERITY_WARNING;
}

const char *hsts_severity_name(hsts_severity_e severity)
{
    return severity == HSTS_SEVERITY_ERROR ? "error" : "warning";
}

int hsts_finding_is_problem(hsts_finding_e id)
{
    const hsts_finding_info_t *info = hsts_finding_info(id);

    return info && (info->category == HSTS_CAT_CERT || info->category == HSTS_CAT_GUARD
                    || info->category == HSTS_CAT_RAMP || info->category == HSTS_CAT_PRELOAD);
}

hsts_findings_t hsts_problem_codes(void)
{
    hsts_findings_t set = 0;
    int i;

    for (i = 0; i < HSTS_F_COUNT; i++) {
        if (hsts_finding_is_problem((hsts_finding_e)i)) {
            set |= HSTS_FINDING_BIT(i);
        }
    }
    return set;
}
