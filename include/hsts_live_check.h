/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * hsts_live_check.h: the live check of one host name over the network
 * (design.md sections 5c and 8): what a browser and the hstspreload checker
 * (chromium/hstspreload PreloadableDomain) would ask the server, with
 * hstspreload's own issue codes and meanings. Used by `hsts-audit check` and
 * by the module's self-check (the watchdog). No httpd types.
 *
 * libcurl makes every HTTP and TLS request (never a hand-written client);
 * OpenSSL and the certificate audit (hsts_cert.h) judge the served chain;
 * the preload header rules are hsts_preload_check() (hsts_sts.h).
 *
 * How the served chain is obtained, also when it does not verify:
 * https://NAME/ is first fetched with verification on (the trusted roots of
 * the options, the name NAME); on success the chain libcurl saw
 * (CURLOPT_CERTINFO, OpenSSL backend) is audited. When that fetch fails for
 * any reason, it is made again with verification off (as hstspreload's
 * getResponse retries with InsecureSkipVerify; its second verified try is
 * not repeated here): if that one works, the item
 * domain.tls.invalid_cert_chain is recorded with curl's reason of the first
 * failure ("SSL certificate problem: certificate has expired"), and the
 * response and chain of the unverified fetch are judged as usual. If it fails
 * too, the result's status is HSTS_LIVE_CONNECT_FAILED with curl's reason
 * (and the item domain.tls.cannot_connect): nothing else is judged.
 *
 * Requests: GET, User-Agent "hsts-audit", redirects never followed by curl
 * (the engine walks them itself, at most 4 hops as hstspreload), no proxy
 * (proxy variables in the environment are ignored: the server is asked
 * directly), CURLOPT_NOSIGNAL, each request bounded by timeout_ms. The
 * options' resolve and connect_to entries are given to every request
 * (CURLOPT_RESOLVE, CURLOPT_CONNECT_TO), so "http://NAME/" and "https://NAME/"
 * (ports 80 and 443) can be mapped to any address and port.
 *
 * Threads: no global state; one call uses its own curl easy handles, freed
 * before it returns. The caller must have called
 * curl_global_init(CURL_GLOBAL_DEFAULT) once, before any thread calls
 * hsts_live_check() (curl_global_init is not thread-safe), and
 * curl_global_cleanup() at exit. libcurl must be the OpenSSL flavour
 * (libcurl4-openssl-dev) for CURLOPT_CERTINFO to give the chain.
 *
 * Result items. Every item has hstspreload's code and severity where the check
 * is hstspreload's. Codes in the findings table (hsts_findings.h, category
 * HSTS_CAT_PRELOAD, plus redirects.http.no_redirect,
 * redirects.http.first_redirect.insecure and the header.preloadable.* rows)
 * carry their table finding; the severity of an item is its own (hstspreload
 * makes redirects.http.no_redirect an error; the table's per-request event
 * is a warning). Codes outside the table, with their meaning:
 *   domain.tls.cannot_connect       error: no TLS connection to https://NAME/ at all
 *   domain.format.begins_with_dot, .ends_with_dot, .contains_double_dot,
 *     .invalid_characters, .is_ip_address, .public_suffix (a name without a
 *     dot; no public suffix list is consulted, so domain.is_subdomain is
 *     never reported)               error: the name cannot be preloaded
 *   header.parse.*, header.preloadable.* (those not in the table)
 *                                   hstspreload's header codes (hsts_preload_check)
 *   tls.obsolete_cipher_suite       warning: TLS 1.2 or older with a suite other than
 *                                   ECDHE + AES-GCM or ChaCha20-Poly1305
 *   redirects.http.does_not_exist   warning: http://NAME/ does not answer (the
 *                                   HTTP checks stop there)
 *   redirects.http.useless_header   warning: http://NAME/ sends STS
 *   redirects.http.first_redirect.invalid  error: the first redirect's
 *                                   https://NAME/ target cannot be fetched
 *   redirects.follow_error          error: a redirect hop cannot be fetched
 *                                   (each hop is verified, as Go's client does)
 *   and the certificate audit's cert.* findings for NAME (table codes, not
 *   hstspreload's: they do not count for the preload verdict).
 * Plus, when the first HTTPS response's STS is rejected by Chromium, the
 * table's header.invalid.* code (not hstspreload's).
 *
 * Which checks follow which part of chromium/hstspreload:
 *   domain.go   EligibleDomainResponse (order, grouping of
 *               first_redirect.no_hsts), getResponse, checkDomainFormat, checkWWW
 *   response.go checkSingleHeader (response.no_header / multiple_headers),
 *               EligibleResponse; getFirstResponse (no redirects followed)
 *   header.go   EligibleHeaderString (hsts_preload_check, src/sts_preload.c)
 *   redirects.go preloadableHTTPRedirectsURL, preloadableHTTPSRedirectsURL,
 *               preloadableRedirectChain, preloadableRedirects, checkHSTSOverHTTP
 *   tls.go      checkSHA1, checkCipherSuite (tls.obsolete_cipher_suite)
 */
#ifndef HSTS_LIVE_CHECK_H
#define HSTS_LIVE_CHECK_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "hsts_cert.h"
#include "hsts_findings.h"
#include "hsts_sts.h"

#ifdef __cplusplus
extern "C" {
#endif

/** hstspreload's limit: more redirects than this is redirects.too_many. */
#define HSTS_LIVE_MAX_REDIRECTS 3
/** Default per-request timeout, milliseconds (hstspreload's dialTimeout). */
#define HSTS_LIVE_TIMEOUT_MS_DEFAULT 10000L

/** The inputs of one check besides the name. Zeroed is a valid default. */
typedef struct {
    /** PEM bundle of trusted roots, for curl and the audit; NULL: the system
     *  bundle hsts_cert_default_ca_file() */
    const char *ca_file;
    /** 1: ca_file holds public roots (as `hsts-audit cert --ca-public`): the
     *  public-root rules of the audit apply. Ignored (1) when ca_file is NULL. */
    int ca_public;
    /** curl --resolve entries "HOST:PORT:ADDR[,ADDR]" (CURLOPT_RESOLVE), n_resolve of them */
    const char *const *resolve;
    int n_resolve;
    /** curl --connect-to entries "HOST:PORT:CONNECT-HOST:CONNECT-PORT"
     *  (CURLOPT_CONNECT_TO), n_connect_to of them */
    const char *const *connect_to;
    int n_connect_to;
    /** 1: the preload-only items are errors (see hsts_live_effective_severity) */
    int preload;
    /** HSTS_PRELOAD_BULK_1_YEAR (0 counts as it) or HSTS_PRELOAD_BULK_18_WEEKS:
     *  the max-age the first response's header must carry */
    hsts_preload_policy_e policy;
    /** per request, milliseconds; <= 0: HSTS_LIVE_TIMEOUT_MS_DEFAULT */
    long timeout_ms;
    /** 1: skip the www.NAME check (hstspreload skips it for subdomains) */
    int skip_www;
    /** 1: ask only what a resolve or connect_to entry maps (the self-check:
     *  every request goes to this server; see hsts_live_mapped()). A
     *  redirect to an unmapped host:port ends that walk without an item
     *  (result not_followed lists it: this server cannot know what is there);
     *  an unmapped www.NAME:443 counts as no www; an unmapped https://NAME/ is
     *  HSTS_LIVE_CONNECT_FAILED and an unmapped http://NAME/ is
     *  redirects.http.does_not_exist, as over the network. */
    int mapped_only;
    /** HSTSCertWarnDays for cert.expiring_soon; 0: HSTS_CERT_WARN_DAYS_DEFAULT */
    int warn_days;
    /** the audit time; 0: apr_time_now() */
    apr_time_t now;
} hsts_live_options_t;

/** How far the check got. */
typedef enum {
    HSTS_LIVE_DONE = 0,          /**< https://NAME/ answered (maybe unverified): judged */
    HSTS_LIVE_CONNECT_FAILED,    /**< no HTTPS response at all: connect_error says why */
    HSTS_LIVE_BAD_NAME,          /**< the name fails hstspreload's format checks (items say which) */
    HSTS_LIVE_SETUP_FAILED       /**< the trusted roots or curl could not be set up: setup_error */
} hsts_live_status_e;

/** One check's result. Strings are from the pool given to hsts_live_check();
 *  detail may hold bytes from the network (URLs, curl's messages): escape
 *  it wherever it is shown. */
typedef struct {
    const char *code;            /**< hstspreload's code, or a table code (cert.*, header.invalid.*) */
    hsts_finding_e finding;      /**< its table row, HSTS_F_COUNT when the code is not in the table */
    hsts_severity_e severity;    /**< as hstspreload gives it (cert.*: as the audit gives it) */
    /** 1: hstspreload reports it (it counts for the preload verdict) */
    int hstspreload;
    /** 1: only preloading asks for it; without preload it counts as a warning */
    int preload_only;
    const char *detail;          /**< one line: what was seen (raw; escape to show) */
    const char *fix;             /**< one line: what to do (static or from the pool) */
} hsts_live_item_t;

/** One response of a request that did not follow redirects. */
typedef struct {
    const char *url;             /**< the URL asked (raw) */
    int ok;                      /**< an HTTP response arrived */
    long status;                 /**< its status code, 0 when !ok */
    const char *error;           /**< curl's reason when !ok, else NULL */
    /** the absolute redirect target (status 301/302/303/307/308 with
     *  Location, resolved as curl resolves it), else NULL */
    const char *location;
    int sts_count;               /**< Strict-Transport-Security fields in it */
    const char *sts;             /**< the first one's value (raw, trimmed), NULL when none */
    /** https: the protocol and cipher suite negotiated, OpenSSL's names
     *  ("TLSv1.3", "TLS_AES_128_GCM_SHA256"); NULL otherwise */
    const char *tls_version;
    const char *tls_cipher;
    /** mapped_only: not requested, no resolve/connect_to entry maps its
     *  host:port (error says so) */
    int not_asked;
} hsts_live_response_t;

/** What the check found. */
typedef struct {
    hsts_live_status_e status;
    const char *name;            /**< the host name checked (lower case) */
    const char *connect_error;   /**< HSTS_LIVE_CONNECT_FAILED: curl's reason */
    const char *setup_error;     /**< HSTS_LIVE_SETUP_FAILED: why */
    apr_array_header_t *items;   /**< hsts_live_item_t, in hstspreload's order, then cert.* */
    hsts_live_response_t https;  /**< the first response of https://NAME/ */
    int https_verified;          /**< that response came over a verified connection */
    /** the redirect URLs (const char *) followed from http://NAME/ and from
     *  https://NAME/, in order (at most HSTS_LIVE_MAX_REDIRECTS + 1) */
    apr_array_header_t *http_chain;
    apr_array_header_t *https_chain;
    int www_exists;              /**< www.NAME:443 accepts TCP connections */
    int www_tls;                 /**< and a verified TLS connection */
    hsts_cert_report_t *cert;    /**< the audit of the served chain, NULL when none was seen */
    /** mapped_only: the redirect targets (const char *) not asked because no
     *  entry maps them; empty otherwise */
    apr_array_header_t *not_followed;
    /** hstspreload's verdict: no item with hstspreload set and severity error */
    int preloadable;
    int n_errors;                /**< items whose effective severity is error */
    int n_warnings;              /**< the others */
} hsts_live_result_t;

/**
 * Check one host name as section 5c describes: the first response of
 * https://NAME/, the redirects from http://NAME/ and https://NAME/,
 * https://www.NAME/, the served chain.
 * @param p     pool for everything in out (and the curl handles' lifetime)
 * @param name  a host name (no scheme, port or path; a trailing dot is an error
 *              as in hstspreload); compared and requested in lower case
 * @param opt   the options (see hsts_live_options_t); NULL: all defaults
 * @param out   filled in completely
 * @return APR_SUCCESS when out->status is HSTS_LIVE_DONE, APR_ECONNREFUSED for
 *         HSTS_LIVE_CONNECT_FAILED, APR_EINVAL for HSTS_LIVE_BAD_NAME,
 *         APR_EGENERAL for HSTS_LIVE_SETUP_FAILED
 */
apr_status_t hsts_live_check(apr_pool_t *p, const char *name, const hsts_live_options_t *opt,
                             hsts_live_result_t *out);

/**
 * The severity an item counts with: its own, except that a preload_only item
 * is a warning when preload is 0 (design.md section 8: without --preload,
 * `check` is the "validate the fix" step for browsers; what only preloading
 * asks for is said, not failed).
 */
hsts_severity_e hsts_live_effective_severity(const hsts_live_item_t *item, int preload);

/* ---- the pure judgements (no network), for the engine and unit tests ---- */

/** How hstspreload classifies the first redirect of http://NAME/. */
typedef enum {
    HSTS_LIVE_FIRST_NONE = 0,    /**< no redirect: redirects.http.no_redirect */
    HSTS_LIVE_FIRST_HTTPS_SAME,  /**< https://NAME/...: fine; its response is checked */
    HSTS_LIVE_FIRST_WWW,         /**< http(s)://www.NAME/...: redirects.http.www_first */
    HSTS_LIVE_FIRST_INSECURE     /**< anything else: redirects.http.first_redirect.insecure */
} hsts_live_first_e;

/**
 * Classify the first hop of the http://NAME/ chain (redirects.go
 * preloadableHTTPRedirectsURL): the scheme must be https and the host
 * exactly NAME (compared as Go compares url.Hostname(): case-sensitively;
 * NAME is lower case), else a host of exactly "www." NAME is www_first.
 * @param name   the host name checked
 * @param first  the first redirect's absolute URL, or NULL when there is none
 */
hsts_live_first_e hsts_live_judge_first(const char *name, const char *first);

/**
 * The first hop of a chain that is not https (redirects.go
 * preloadableRedirectChain).
 * @param chain  URLs (const char *), may be NULL or empty
 * @return the index of the first URL whose scheme is not https (0:
 *         redirects.insecure.initial, >0: redirects.insecure.subsequent), -1 when none
 */
int hsts_live_judge_chain(const apr_array_header_t *chain);

/**
 * The scheme and host of an absolute URL as Go's url.Parse gives them
 * (curl's URL parser, CURLU): lower-case scheme, host as written (IPv6
 * without brackets). Either out may be NULL.
 * @return 1 when parsed, 0 when the URL is not absolute or malformed
 */
int hsts_live_url_parts(apr_pool_t *p, const char *url, const char **scheme, const char **host);

/**
 * hstspreload's checkDomainFormat without the public suffix list: the code
 * of the first format error of a name, or NULL when there is none.
 * ("domain.format.public_suffix" for a name without a dot.)
 */
const char *hsts_live_domain_format(const char *name);

/**
 * Whether a resolve or connect_to entry applies to HOST:PORT, as curl matches
 * them: "HOST:PORT:..." (a leading '+' ignored, a leading '-' entry removes and
 * maps nothing; HOST compared case-insensitively, IPv6 in brackets); for
 * connect_to an empty HOST or PORT matches any.
 * @param url  an absolute http(s) URL (the default port by scheme)
 * @return 1 when mapped, 0 when not or when the URL cannot be parsed
 */
int hsts_live_mapped(apr_pool_t *p, const hsts_live_options_t *opt, const char *url);

/**
 * hstspreload's checkCipherSuite: modern when the protocol is TLS 1.3, or
 * TLS 1.2 with ECDHE-(ECDSA|RSA) and AES-128/256-GCM or ChaCha20-Poly1305.
 * @param version  OpenSSL's protocol name ("TLSv1.2", "TLSv1.3"), may be NULL
 * @param cipher   OpenSSL's suite name ("ECDHE-RSA-AES128-GCM-SHA256"), may be NULL
 * @return 1 modern, 0 obsolete (tls.obsolete_cipher_suite), also for NULLs
 */
int hsts_live_cipher_modern(const char *version, const char *cipher);

/**
 * Recompute out->preloadable, n_errors and n_warnings from out->items
 * (the verdict: no hstspreload item of severity error).
 */
void hsts_live_verdict(hsts_live_result_t *out, int preload);

#ifdef __cplusplus
}
#endif
#endif /* HSTS_LIVE_CHECK_H */
