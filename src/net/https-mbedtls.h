/* SPDX-License-Identifier: Apache-2.0 */
/* What libcurl's mbedTLS backend needs beyond what libcurl does for it. First, whether a connection resumed
 * its TLS session. libcurl does not say, and
 * mbedTLS forgets once the handshake is over; but a resumed TLS 1.2 session carries on the master secret of
 * the session it resumes, while a full handshake makes a new one. So the client keeps fingerprints (SHA-256)
 * of the master secrets it has seen: one seen before is a resumption. mbedTLS 2.x only, whose session
 * structure is public; with another version resumption stays unobservable (the counts say so). */
#pragma once

#include <curl/curl.h>
#include <glib.h>

G_BEGIN_DECLS

#define HTTPS_MBEDTLS_SESSIONS_KEPT 8

typedef struct {
  GMutex lock;
  guint8 fingerprints[HTTPS_MBEDTLS_SESSIONS_KEPT][32];
  guint count;
  guint next;
} HttpsMbedtlsSessions;

/* TRUE when libcurl runs on mbedTLS of the major and minor version euiccd was built with, and that version
 * lets the session be read (2.x). */
gboolean https_mbedtls_resumption_observable (void);

/* `ssl_context` is CURLINFO_TLS_SSL_PTR's internals (an mbedtls_ssl_context) of a connection whose
 * handshake is over. 1: resumed, 0: a full handshake (remembered from now on), -1: cannot tell. */
gint https_mbedtls_session_resumed (HttpsMbedtlsSessions *seen, const void *ssl_context);

/* Second, the eIM's own (end-entity) certificate from the eUICC as the trust anchor. OpenSSL accepts any
 * certificate of the store as an anchor (partial chains); mbedTLS 2.x only a self-signed one. So on mbedTLS
 * such an anchor is checked by a verification callback instead: the server's certificate must be exactly
 * the anchor (what is above it is not consulted, as with partial chains), and its dates and host name are
 * still checked by mbedTLS. The key is pinned as well (tls-trust.c). */
typedef struct _HttpsMbedtlsAnchor HttpsMbedtlsAnchor;

/* TRUE when libcurl runs on mbedTLS and the callback can be installed. */
gboolean https_mbedtls_anchor_supported (void);
/* The anchor from its PEM form; NULL with `error` set when it does not parse. */
HttpsMbedtlsAnchor *https_mbedtls_anchor_new (const gchar *pem, GError **error);
void https_mbedtls_anchor_free (HttpsMbedtlsAnchor *anchor);
/* A CURLOPT_SSL_CTX_FUNCTION; CURLOPT_SSL_CTX_DATA is the anchor. */
CURLcode https_mbedtls_anchor_ssl_ctx (CURL *curl, void *ssl_config, void *anchor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttpsMbedtlsAnchor, https_mbedtls_anchor_free)

/* Third, GSMA certificates (every CI, and the SM-DP+ and SM-DS TLS certificates issued under one) carry a
 * critical certificatePolicies extension naming an RSP policy. mbedTLS refuses to parse a certificate with a
 * critical policy other than anyPolicy (MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE, -0x2080) unless it was built with
 * MBEDTLS_X509_ALLOW_UNSUPPORTED_CRITICAL_EXTENSION, both as an anchor and in the server's chain, where no
 * callback can step in. FALSE when libcurl runs on such an mbedTLS: no SM-DP+ handshake can succeed. */
gboolean https_mbedtls_reads_gsma_certificates (void);

G_END_DECLS
