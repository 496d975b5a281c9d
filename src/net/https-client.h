/* SPDX-License-Identifier: Apache-2.0 */
/* HTTPS for ESipa, ES9+ and ES11, over libcurl.
 *
 * An HttpsClient lives as long as the daemon's network configuration: it holds the options and a curl
 * share object with the TLS session cache and the DNS cache, so each exchange after the first resumes
 * the TLS session instead of paying a full handshake on a metered link.
 *
 * An HttpsExchange is one conversation with one peer (GetEimPackage through the last
 * ProvideEimPackageResult, or one profile download): one curl handle, so one TCP/TLS connection kept
 * open for every request of it, HTTP/1.1 keep-alive, no TCP keepalive probes (no radio wake-ups),
 * no redirects, https only.
 *
 * Calls block; run them on a worker thread. A client may be shared by threads; an exchange may not. */
#pragma once

#include <glib.h>

#include "net/tls-trust.h"

G_BEGIN_DECLS

/* Response bodies larger than this fail unless the options say otherwise. */
#define HTTPS_CLIENT_DEFAULT_MAX_RESPONSE_SIZE (1024 * 1024)
#define HTTPS_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS 30000
#define HTTPS_CLIENT_DEFAULT_TOTAL_TIMEOUT_MS 120000
/* SGP.32 v1.2 section 6.1 (change request CR111005R00) fixes the User-Agent of an IPA in the device: the value
 * "gsma-rsp-ipad", free-form information allowed after a semicolon. Nothing follows it: every byte of a request
 * header is paid for on every poll. */
#define HTTPS_CLIENT_DEFAULT_USER_AGENT "gsma-rsp-ipad"

typedef struct {
  /* Extra CA bundle (PEM), used in addition to the system store. NULL for none. */
  const gchar *ca_file;
  /* Trust the system store: libcurl's CA bundle and the hashed directory /etc/ssl/certs (or
   * $SSL_CERT_DIR, as for OpenSSL). Default TRUE. */
  gboolean use_system_ca;
  /* A CA named by the eUICC (HTTPS_TRUST_CA_CERTIFICATE) is the only anchor of its exchanges: ca_file and
   * the system store do not apply to them. TRUE (lab use only) adds them back, with a warning logged on
   * every exchange it widens. Default FALSE. */
  gboolean widen_euicc_trust;
  /* Proxy URL ("http://host:3128"); NULL = libcurl's usual environment variables
   * (https_proxy, no_proxy ...); "" = no proxy even if the environment names one. */
  const gchar *proxy;
  /* Time to set up TCP + TLS, and time for a whole request (connect, send, answer), per request.
   * 0 = the defaults above. */
  guint connect_timeout_ms;
  guint total_timeout_ms;
  /* NULL = HTTPS_CLIENT_DEFAULT_USER_AGENT. */
  const gchar *user_agent;
  /* Largest response body accepted; 0 = HTTPS_CLIENT_DEFAULT_MAX_RESPONSE_SIZE. */
  gsize max_response_size;
} HttpsClientOptions;

/* Fills in the defaults (use_system_ca TRUE, everything else unset). */
void https_client_options_init (HttpsClientOptions *options);

typedef struct {
  guint status;          /* HTTP status code */
  gchar *content_type;   /* NULL if the server sent none */
  GBytes *body;          /* never NULL; empty for 204 */
  gint64 retry_after_s;  /* Retry-After in seconds from now (delta or HTTP-date form); -1 if none */
} HttpsResponse;

void https_response_free (HttpsResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttpsResponse, https_response_free)

/* TRUE for 2xx. Otherwise sets an error naming @what (e.g. "ESipa GetEimPackage"), the status, the size and
 * the content type of the body, never its text (errors reach LastError, the history and the logs); the body
 * goes to a debug line through https_body_for_log():
 * 4xx -> EUICCD_ERROR_PROTOCOL (the peer refused our request), 5xx and others -> EUICCD_ERROR_NETWORK. */
gboolean https_response_check_status (const HttpsResponse *response, const gchar *what, GError **error);

/* A peer's body for a debug line, under the log policy: with personal data allowed, its start as printable
 * text; otherwise a JSON or DER body as its outline, anything else only as its length. Caller frees. */
gchar *https_body_for_log (const guint8 *body, gsize body_len);

/* A Content-Type header value for a message: at most 60 characters, anything but the characters of media
 * types and their parameters replaced by '?'. Caller frees. */
gchar *https_content_type_for_message (const gchar *content_type);

typedef struct {
  guint64 requests;        /* requests that got an HTTP answer */
  guint64 failures;        /* requests that ended in a transport error */
  guint64 connections;     /* new TCP connections opened (CURLINFO_NUM_CONNECTS) */
  guint64 bytes_sent;      /* request headers + body */
  guint64 bytes_received;  /* response headers + body */
  guint64 tls_resumed;     /* new connections whose TLS session was resumed */
  gboolean tls_resumption_known; /* FALSE: the TLS backend cannot tell, tls_resumed stays 0 */
} HttpsStats;

typedef struct _HttpsClient HttpsClient;
typedef struct _HttpsExchange HttpsExchange;

/* Errors: EUICCD_ERROR_CONFIG for an unreadable ca_file or a bad proxy URL; EUICCD_ERROR_FAILED if
 * libcurl cannot be initialised. */
HttpsClient *https_client_new (const HttpsClientOptions *options, GError **error);
void https_client_free (HttpsClient *client);
void https_client_get_stats (HttpsClient *client, HttpsStats *ret_stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttpsClient, https_client_free)

/* Checks an eimFqdn / SM-DP+ address from the card or a config file (host name or IP literal, optional
 * ":port") and returns "https://<fqdn>". Errors: EUICCD_ERROR_INVALID_DATA. */
gchar *https_base_url_from_fqdn (const gchar *fqdn, GError **error);

/* Starts an exchange with the server at @base_url ("https://host[:port]", no path or a path prefix).
 * @trust (may be NULL) is the eUICC's trustedPublicKeyDataTls; the exchange keeps a reference. A CA
 * certificate becomes the exchange's only anchor (ca_file and the system store stay out unless
 * widen_euicc_trust); a key or a server certificate is pinned, so only a server holding that key gets
 * through, whichever anchor its chain ends at. Nothing goes on the network until the first post.
 * Errors: EUICCD_ERROR_INVALID_ARGS for a URL that is not https://. */
HttpsExchange *https_exchange_begin (HttpsClient *client, const gchar *base_url, const HttpsTrust *trust,
                                     GError **error);

/* POSTs @body (may be NULL: empty) to base_url + @path with Content-Type @content_type, plus
 * @extra_headers ("Name: value" strings, NULL-terminated, may be NULL). Nothing else goes with it but what
 * HTTP/1.1 itself needs and the User-Agent: the request line, Host, User-Agent, Content-Type, the extra
 * headers and Content-Length, in that order; libcurl's own Accept (any media type) and "Expect: 100-continue" are
 * switched off (no binding asks for them, and every header byte costs on a metered link).
 * Any HTTP answer, whatever its status, returns TRUE with *ret_response set: the caller decides
 * (see https_response_check_status).
 * Errors:
 *   EUICCD_ERROR_NETWORK  connection, DNS, proxy or TLS failure; the message names the URL, curl's
 *                         error text and code. TLS failures say "TLS: the server certificate is not
 *                         trusted" or "TLS: pinned key mismatch".
 *   EUICCD_ERROR_TIMEOUT  no connection within connect_timeout_ms or no full answer within
 *                         total_timeout_ms (a network failure too: retry later).
 *   EUICCD_ERROR_INVALID_DATA  the response body is larger than max_response_size. */
gboolean https_exchange_post (HttpsExchange *exchange, const gchar *path, const gchar *content_type,
                              const gchar *const *extra_headers, GBytes *body,
                              HttpsResponse **ret_response, GError **error);

void https_exchange_get_stats (HttpsExchange *exchange, HttpsStats *ret_stats);

/* Closes the connection and frees the exchange; the TLS session stays in the client's cache. NULL ok. */
void https_exchange_end (HttpsExchange *exchange);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttpsExchange, https_exchange_end)

/* Pure helpers, exposed for tests. */

/* Retry-After value -> seconds from @now_unix_s: delta-seconds or an HTTP-date (a date in the past
 * gives 0). -1 if it does not parse. Capped at one week. */
gint64 https_parse_retry_after (const gchar *value, gint64 now_unix_s);

/* At most @max_chars characters of @body as printable text: control and non-ASCII bytes become '.',
 * with "..." when cut. For error messages about peer answers. Caller frees. */
gchar *https_sanitize_text (const guint8 *body, gsize body_len, gsize max_chars);

G_END_DECLS
