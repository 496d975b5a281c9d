/* SPDX-License-Identifier: Apache-2.0 */
/* HTTPS over libcurl, shaped for the way an IPA talks to an eIM: few, small requests over a metered and
 * sleepy link. So: one connection per exchange, TLS sessions resumed across exchanges, no keepalive
 * probes, hard caps on time and size, and errors that say which URL and what failed. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include "net/https-client.h"
#include "net/https-mbedtls.h"

#include <dlfcn.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "euiccd-error.h"
#include "euiccd-log-policy.h"

/* The system store as a hashed directory, as OpenSSL reads it; SSL_CERT_DIR moves it, as for OpenSSL. */
#define HTTPS_SYSTEM_CA_PATH "/etc/ssl/certs"
/* A Retry-After further out than this is treated as this: the poll scheduler has its own limits, and a
 * peer must not be able to silence the device for months. */
#define HTTPS_RETRY_AFTER_MAX_S (7 * 24 * 3600)
/* How much of a plain-text error body goes into an error message. */
#define HTTPS_ERROR_BODY_CHARS 200

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CURL, curl_easy_cleanup)

struct _HttpsClient {
  gchar *ca_file;
  gchar *ca_file_pem;  /* contents of ca_file, joined with a trust anchor when an exchange has one */
  gboolean use_system_ca;
  gboolean widen_euicc_trust;
  gchar *system_ca_dir;
  gchar *proxy;
  guint connect_timeout_ms;
  guint total_timeout_ms;
  gchar *user_agent;
  gsize max_response_size;

  CURLSH *share;
  GMutex share_locks[CURL_LOCK_DATA_LAST];

  GMutex stats_lock;
  HttpsStats stats;
  HttpsMbedtlsSessions mbedtls_sessions;  /* resumption seen on libcurl's mbedTLS backend */
};

struct _HttpsExchange {
  HttpsClient *client;
  CURL *curl;
  gchar *base_url;
  HttpsTrust *trust;
  char error_buffer[CURL_ERROR_SIZE];
  HttpsStats stats;

  /* State of the request in flight. */
  GByteArray *body;
  gboolean body_too_large;
  gchar *retry_after;
  gint tls_resumed;  /* -1 unknown, 0 full handshake, 1 resumed: read while the connection is attached */
  const void *tls_noted;  /* the TLS context tls_resumed was read from: later answers on it keep the value */
  HttpsMbedtlsAnchor *mbedtls_anchor;  /* the eIM's certificate as the anchor, on libcurl's mbedTLS backend */
};

/* ---- pure helpers ---- */

gint64
https_parse_retry_after (const gchar *value, gint64 now_unix_s)
{
  g_autofree gchar *trimmed = NULL;
  guint64 delta = 0;
  time_t when;

  if (value == NULL)
    return -1;
  trimmed = g_strstrip (g_strdup (value));
  if (trimmed[0] == '\0')
    return -1;

  if (g_ascii_isdigit (trimmed[0]))
    {
      gboolean all_digits = TRUE;

      for (const gchar *c = trimmed; *c != '\0'; c++)
        all_digits = all_digits && g_ascii_isdigit (*c);
      if (!all_digits)
        return -1;
      /* Too many digits for a guint64 is still "very long": cap, do not reject. */
      if (strlen (trimmed) > 12 || !g_ascii_string_to_unsigned (trimmed, 10, 0, G_MAXUINT64, &delta, NULL))
        return HTTPS_RETRY_AFTER_MAX_S;
      return (gint64) MIN (delta, (guint64) HTTPS_RETRY_AFTER_MAX_S);
    }

  /* HTTP-date (RFC 9110: IMF-fixdate, or the obsolete RFC 850 and asctime forms); curl_getdate reads
   * all three. Require a weekday name first so arbitrary words are not taken for dates. */
  if (!g_ascii_isalpha (trimmed[0]))
    return -1;
  when = curl_getdate (trimmed, NULL);
  if (when == (time_t) -1)
    return -1;
  if ((gint64) when <= now_unix_s)
    return 0;
  return MIN ((gint64) when - now_unix_s, (gint64) HTTPS_RETRY_AFTER_MAX_S);
}

gchar *
https_sanitize_text (const guint8 *body, gsize body_len, gsize max_chars)
{
  GString *text = g_string_sized_new (MIN (body_len, max_chars) + 4);
  gsize n = MIN (body_len, max_chars);

  for (gsize i = 0; i < n; i++)
    {
      guint8 c = body[i];
      g_string_append_c (text, (c >= 0x20 && c < 0x7f) ? (gchar) c : '.');
    }
  if (body_len > max_chars)
    g_string_append (text, "...");
  return g_string_free (text, FALSE);
}

gchar *
https_base_url_from_fqdn (const gchar *fqdn, GError **error)
{
  const gchar *host_end;
  gsize len;

  if (fqdn == NULL || fqdn[0] == '\0')
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "eIM address: empty");
      return NULL;
    }
  len = strlen (fqdn);
  if (len > 255)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "eIM address: %" G_GSIZE_FORMAT " characters, longer than a host name may be", len);
      return NULL;
    }

  if (fqdn[0] == '[')
    {
      /* IPv6 literal */
      host_end = strchr (fqdn, ']');
      if (host_end == NULL || host_end == fqdn + 1)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "eIM address: unterminated IPv6 literal");
          return NULL;
        }
      for (const gchar *c = fqdn + 1; c < host_end; c++)
        if (!g_ascii_isxdigit (*c) && *c != ':' && *c != '.')
          {
            g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                         "eIM address: character 0x%02X not allowed in an IPv6 literal", (guint) (guint8) *c);
            return NULL;
          }
      host_end++;
    }
  else
    {
      const gchar *label = fqdn;

      host_end = fqdn;
      while (*host_end != '\0' && *host_end != ':')
        {
          gchar c = *host_end;

          if (!g_ascii_isalnum (c) && c != '-' && c != '.')
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                           "eIM address: character 0x%02X not allowed in a host name", (guint) (guint8) c);
              return NULL;
            }
          if (c == '.')
            {
              if (host_end == label)
                {
                  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "eIM address: empty label in \"%s\"",
                               fqdn);
                  return NULL;
                }
              label = host_end + 1;
            }
          else if (host_end - label >= 63)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                           "eIM address: a label longer than 63 characters");
              return NULL;
            }
          host_end++;
        }
      if (host_end == fqdn)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "eIM address: no host name");
          return NULL;
        }
    }

  if (*host_end == ':')
    {
      guint64 port = 0;

      if (!g_ascii_string_to_unsigned (host_end + 1, 10, 1, 65535, &port, NULL))
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "eIM address: bad port \"%s\"",
                       host_end + 1);
          return NULL;
        }
    }
  else if (*host_end != '\0')
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "eIM address: junk after the host name");
      return NULL;
    }
  return g_strconcat ("https://", fqdn, NULL);
}

/* ---- responses ---- */

void
https_response_free (HttpsResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->content_type);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response);
}

gchar *
https_body_for_log (const guint8 *body, gsize body_len)
{
  g_autofree gchar *outline = NULL;

  if (body == NULL || body_len == 0)
    return g_strdup ("<empty>");
  if (euiccd_log_personal_data_allowed ())
    return https_sanitize_text (body, body_len, HTTPS_ERROR_BODY_CHARS);
  /* Either outline says "<n bytes, not ...>" when the body is not of its kind. */
  outline = euiccd_log_format_json (body, body_len, FALSE);
  if (!g_str_has_prefix (outline, "<"))
    return g_steal_pointer (&outline);
  g_clear_pointer (&outline, g_free);
  outline = euiccd_log_format_der (body, body_len, FALSE);
  if (!g_str_has_prefix (outline, "<"))
    return g_steal_pointer (&outline);
  return g_strdup_printf ("<%" G_GSIZE_FORMAT " bytes, shown with personal data logging>", body_len);
}

gchar *
https_content_type_for_message (const gchar *content_type)
{
  gchar *shown = g_strndup (content_type != NULL ? content_type : "none", 60);

  g_strcanon (shown, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~/;= \"", '?');
  return shown;
}

gboolean
https_response_check_status (const HttpsResponse *response, const gchar *what, GError **error)
{
  gsize len = 0;
  const guint8 *data;
  g_autofree gchar *detail = NULL;

  if (response->status >= 200 && response->status < 300)
    return TRUE;
  data = response->body != NULL ? g_bytes_get_data (response->body, &len) : NULL;
  /* The body is the peer's words (a server's error page, a JSON message): they may say anything, so they
   * stay out of the error and go to a debug line under the log policy. */
  if (len > 0)
    {
      g_autofree gchar *type = https_content_type_for_message (response->content_type);

      detail = g_strdup_printf (" with %" G_GSIZE_FORMAT " bytes of %s", len,
                                response->content_type != NULL ? type : "unlabelled data");
      if (euiccd_log_debug_enabled (G_LOG_DOMAIN))
        {
          g_autofree gchar *shown = https_body_for_log (data, len);
          g_debug ("%s: HTTP %u body: %s", what != NULL ? what : "HTTPS request", response->status, shown);
        }
    }
  else
    detail = g_strdup ("");
  g_set_error (error, EUICCD_ERROR,
               (response->status >= 400 && response->status < 500) ? EUICCD_ERROR_PROTOCOL : EUICCD_ERROR_NETWORK,
               "%s: HTTP %u%s", what != NULL ? what : "HTTPS request", response->status, detail);
  return FALSE;
}

/* ---- client ---- */

void
https_client_options_init (HttpsClientOptions *options)
{
  memset (options, 0, sizeof *options);
  options->use_system_ca = TRUE;
}

static void
client_share_lock (CURL *handle, curl_lock_data data, curl_lock_access access, void *user_data)
{
  HttpsClient *client = user_data;

  if ((guint) data < CURL_LOCK_DATA_LAST)
    g_mutex_lock (&client->share_locks[data]);
}

static void
client_share_unlock (CURL *handle, curl_lock_data data, void *user_data)
{
  HttpsClient *client = user_data;

  if ((guint) data < CURL_LOCK_DATA_LAST)
    g_mutex_unlock (&client->share_locks[data]);
}

static gboolean
client_global_init (GError **error)
{
  static gsize done = 0;
  static CURLcode result = CURLE_OK;

  if (g_once_init_enter (&done))
    {
      result = curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&done, 1);
    }
  if (result != CURLE_OK)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED, "libcurl initialisation failed: %s (curl %d)",
                   curl_easy_strerror (result), (int) result);
      return FALSE;
    }
  return TRUE;
}

/* SSL_session_reused() from the libssl libcurl already loaded, found at run time so the build needs no
 * libssl and other TLS backends simply report "unknown". */
typedef int (*SessionReusedFunc) (void *ssl);

static SessionReusedFunc
client_session_reused_func (void)
{
  static gsize done = 0;
  static SessionReusedFunc func = NULL;

  if (g_once_init_enter (&done))
    {
      const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);

      if (info->ssl_version != NULL
          && (g_str_has_prefix (info->ssl_version, "OpenSSL/") || g_str_has_prefix (info->ssl_version, "LibreSSL/")))
        {
          void *symbol = dlsym (RTLD_DEFAULT, "SSL_session_reused");

          /* ISO C forbids object-to-function pointer casts; POSIX requires dlsym's to work. */
          memcpy (&func, &symbol, sizeof func);
        }
      g_once_init_leave (&done, 1);
    }
  return func;
}

static void
client_free_share (CURLSH *share)
{
  if (share != NULL)
    curl_share_cleanup (share);
}

HttpsClient *
https_client_new (const HttpsClientOptions *options, GError **error)
{
  g_autoptr (HttpsClient) client = NULL;
  HttpsClientOptions defaults;

  if (!client_global_init (error))
    return NULL;
  if (options == NULL)
    {
      https_client_options_init (&defaults);
      options = &defaults;
    }

  client = g_new0 (HttpsClient, 1);
  for (guint i = 0; i < CURL_LOCK_DATA_LAST; i++)
    g_mutex_init (&client->share_locks[i]);
  g_mutex_init (&client->stats_lock);
  g_mutex_init (&client->mbedtls_sessions.lock);
  client->stats.tls_resumption_known = client_session_reused_func () != NULL || https_mbedtls_resumption_observable ();

  client->use_system_ca = options->use_system_ca;
  client->widen_euicc_trust = options->widen_euicc_trust;
  client->system_ca_dir = g_strdup (g_getenv ("SSL_CERT_DIR") != NULL && g_getenv ("SSL_CERT_DIR")[0] != '\0'
                                      ? g_getenv ("SSL_CERT_DIR") : HTTPS_SYSTEM_CA_PATH);
  client->connect_timeout_ms =
    options->connect_timeout_ms != 0 ? options->connect_timeout_ms : HTTPS_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS;
  client->total_timeout_ms =
    options->total_timeout_ms != 0 ? options->total_timeout_ms : HTTPS_CLIENT_DEFAULT_TOTAL_TIMEOUT_MS;
  client->max_response_size =
    options->max_response_size != 0 ? options->max_response_size : HTTPS_CLIENT_DEFAULT_MAX_RESPONSE_SIZE;
  client->user_agent =
    options->user_agent != NULL ? g_strdup (options->user_agent) : g_strdup (HTTPS_CLIENT_DEFAULT_USER_AGENT);
  client->proxy = g_strdup (options->proxy);

  if (options->ca_file != NULL && options->ca_file[0] != '\0')
    {
      g_autoptr (GError) local_error = NULL;
      gsize len = 0;

      client->ca_file = g_strdup (options->ca_file);
      /* Read now, so a wrong path shows at start-up rather than as "not trusted" on the first poll. */
      if (!g_file_get_contents (client->ca_file, &client->ca_file_pem, &len, &local_error))
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG, "CA file: %s", local_error->message);
          return NULL;
        }
      if (g_strstr_len (client->ca_file_pem, (gssize) len, "-----BEGIN CERTIFICATE-----") == NULL)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG, "CA file %s: no PEM certificate in it",
                       client->ca_file);
          return NULL;
        }
    }

  if (client->proxy != NULL && client->proxy[0] != '\0')
    {
      for (const gchar *c = client->proxy; *c != '\0'; c++)
        if ((guint8) *c <= 0x20 || (guint8) *c >= 0x7f)
          {
            g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG,
                         "proxy URL: character 0x%02X not allowed", (guint) (guint8) *c);
            return NULL;
          }
    }

  client->share = curl_share_init ();
  if (client->share == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED, "libcurl: cannot create a share object");
      return NULL;
    }
  if (curl_share_setopt (client->share, CURLSHOPT_LOCKFUNC, client_share_lock) != CURLSHE_OK
      || curl_share_setopt (client->share, CURLSHOPT_UNLOCKFUNC, client_share_unlock) != CURLSHE_OK
      || curl_share_setopt (client->share, CURLSHOPT_USERDATA, client) != CURLSHE_OK
      || curl_share_setopt (client->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK
      || curl_share_setopt (client->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED,
                   "libcurl: cannot share the TLS session and DNS caches");
      return NULL;
    }

  g_debug ("HTTPS client: CA file %s, system CAs %s (%s), proxy %s, timeouts %u/%u ms, body cap %" G_GSIZE_FORMAT
           ", TLS resumption %s",
           client->ca_file != NULL ? client->ca_file : "none", client->use_system_ca ? "yes" : "no", client->system_ca_dir,
           client->proxy == NULL ? "from environment" : (client->proxy[0] == '\0' ? "none" : client->proxy),
           client->connect_timeout_ms, client->total_timeout_ms, client->max_response_size,
           client->stats.tls_resumption_known ? "observable" : "not observable");
  return g_steal_pointer (&client);
}

void
https_client_free (HttpsClient *client)
{
  if (client == NULL)
    return;
  g_clear_pointer (&client->share, client_free_share);
  for (guint i = 0; i < CURL_LOCK_DATA_LAST; i++)
    g_mutex_clear (&client->share_locks[i]);
  g_mutex_clear (&client->stats_lock);
  g_mutex_clear (&client->mbedtls_sessions.lock);
  g_free (client->ca_file);
  g_free (client->ca_file_pem);
  g_free (client->system_ca_dir);
  g_free (client->proxy);
  g_free (client->user_agent);
  g_free (client);
}

void
https_client_get_stats (HttpsClient *client, HttpsStats *ret_stats)
{
  g_mutex_lock (&client->stats_lock);
  *ret_stats = client->stats;
  g_mutex_unlock (&client->stats_lock);
}

/* ---- exchanges ---- */

static size_t
exchange_write_cb (char *data, size_t size, size_t nmemb, void *user_data)
{
  HttpsExchange *exchange = user_data;
  gsize len = size * nmemb;

  /* Without Content-Length (chunked) the cap can only be enforced here. */
  if (exchange->body->len + len > exchange->client->max_response_size)
    {
      exchange->body_too_large = TRUE;
      return 0;
    }
  g_byte_array_append (exchange->body, (const guint8 *) data, (guint) len);
  return len;
}

/* Whether the connection's TLS session was resumed. Asked while the answer arrives: once the transfer
 * is over libcurl detaches the connection and CURLINFO_TLS_SSL_PTR has nothing to give. */
static void
exchange_note_tls_resumption (HttpsExchange *exchange)
{
  SessionReusedFunc reused = client_session_reused_func ();
  struct curl_tlssessioninfo *info = NULL;

  if (curl_easy_getinfo (exchange->curl, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || info == NULL
      || info->internals == NULL)
    {
      exchange->tls_resumed = -1;
      return;
    }
  if (info->internals == exchange->tls_noted)
    return;
  exchange->tls_noted = info->internals;
  exchange->tls_resumed = -1;
  if (reused != NULL && info->backend == CURLSSLBACKEND_OPENSSL)
    exchange->tls_resumed = reused (info->internals) != 0 ? 1 : 0;
  else if (info->backend == CURLSSLBACKEND_MBEDTLS && exchange->client->stats.tls_resumption_known)
    exchange->tls_resumed = https_mbedtls_session_resumed (&exchange->client->mbedtls_sessions, info->internals);
}

static size_t
exchange_header_cb (char *data, size_t size, size_t nmemb, void *user_data)
{
  HttpsExchange *exchange = user_data;
  gsize len = size * nmemb;
  static const gchar name[] = "retry-after:";

  /* A status line starts a new response (after a proxy's CONNECT answer, or 100 Continue): forget
   * the headers of the previous one. */
  if (len >= 5 && memcmp (data, "HTTP/", 5) == 0)
    {
      g_clear_pointer (&exchange->retry_after, g_free);
      exchange_note_tls_resumption (exchange);
    }
  else if (len > sizeof name - 1 && g_ascii_strncasecmp (data, name, sizeof name - 1) == 0)
    {
      g_free (exchange->retry_after);
      exchange->retry_after = g_strstrip (g_strndup (data + sizeof name - 1, MIN (len - (sizeof name - 1), 256)));
    }
  return len;
}

static gboolean
exchange_setopt_failed (CURLcode rc, const gchar *what, GError **error)
{
  if (rc == CURLE_OK)
    return FALSE;
  g_set_error (error, EUICCD_ERROR, rc == CURLE_NOT_BUILT_IN || rc == CURLE_UNKNOWN_OPTION
                                      ? EUICCD_ERROR_NOT_SUPPORTED : EUICCD_ERROR_FAILED,
               "libcurl: cannot set %s: %s (curl %d)", what, curl_easy_strerror (rc), (int) rc);
  return TRUE;
}

#define EXCHANGE_SETOPT(curl, option, value, error)                                                     \
  G_STMT_START                                                                                          \
  {                                                                                                     \
    if (exchange_setopt_failed (curl_easy_setopt ((curl), option, value), #option, (error)))            \
      return FALSE;                                                                                     \
  }                                                                                                     \
  G_STMT_END

/* Where the server certificate's chain may end. Without trust data from the eUICC: the system store and
 * the configured CA file. A CA the eUICC names is the only anchor: the store, the CA file and libcurl's
 * built-in bundle are all switched off, unless the lab setting widens it again (loudly). A key or a server
 * certificate from the eUICC is pinned on top of the usual anchors (plus the certificate itself, so a
 * self-signed eIM works): the pin already admits no other server. libcurl takes one CA file or blob plus
 * one directory, and a blob replaces the file, so the file's text and the anchor go together into a blob. */
static gboolean
exchange_set_trust (HttpsExchange *exchange, GError **error)
{
  HttpsClient *client = exchange->client;
  CURL *curl = exchange->curl;
  const gchar *anchor = exchange->trust != NULL ? https_trust_get_anchor_pem (exchange->trust) : NULL;
  const gchar *pin = exchange->trust != NULL ? https_trust_get_pin (exchange->trust) : NULL;
  gboolean anchor_only = FALSE;
  gboolean use_system_ca = client->use_system_ca;
  const gchar *ca_file_pem = client->ca_file_pem;

  EXCHANGE_SETOPT (curl, CURLOPT_SSL_VERIFYPEER, 1L, error);
  EXCHANGE_SETOPT (curl, CURLOPT_SSL_VERIFYHOST, 2L, error);
  EXCHANGE_SETOPT (curl, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2, error);

  if (exchange->trust != NULL && https_trust_get_kind (exchange->trust) == HTTPS_TRUST_CI_CERTIFICATES)
    {
      /* An SM-DP+ or SM-DS: SGP.22 wants its chain to end at a CI the eUICC trusts, and nowhere else. */
      anchor_only = TRUE;
      use_system_ca = FALSE;
      ca_file_pem = NULL;
    }
  else if (exchange->trust != NULL && https_trust_get_kind (exchange->trust) == HTTPS_TRUST_CA_CERTIFICATE)
    {
      if (client->widen_euicc_trust && (use_system_ca || ca_file_pem != NULL))
        g_warning ("TLS: %s: the eUICC names a CA as the eIM's only anchor, but WidenEuiccTrust=yes also trusts "
                   "%s%s%s for it (lab use only)", exchange->base_url, ca_file_pem != NULL ? "the CA file" : "",
                   ca_file_pem != NULL && use_system_ca ? " and " : "", use_system_ca ? "the system CAs" : "");
      else
        {
          anchor_only = TRUE;
          use_system_ca = FALSE;
          ca_file_pem = NULL;
        }
    }

  EXCHANGE_SETOPT (curl, CURLOPT_CAPATH, use_system_ca ? client->system_ca_dir : NULL, error);
  if (anchor != NULL)
    {
#if LIBCURL_VERSION_NUM >= 0x074d00
      g_autofree gchar *pem = g_strconcat (ca_file_pem != NULL ? ca_file_pem : "", "\n", anchor, NULL);
      struct curl_blob blob = { .data = pem, .len = strlen (pem), .flags = CURL_BLOB_COPY };

      EXCHANGE_SETOPT (curl, CURLOPT_CAINFO_BLOB, &blob, error);
      /* The built-in bundle would otherwise be read next to the blob. */
      if (!use_system_ca)
        EXCHANGE_SETOPT (curl, CURLOPT_CAINFO, NULL, error);
#else
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED,
                   "TLS: a trust anchor from the eUICC needs libcurl 7.77 or later (CURLOPT_CAINFO_BLOB)");
      return FALSE;
#endif
    }
  else if (client->ca_file != NULL)
    EXCHANGE_SETOPT (curl, CURLOPT_CAINFO, client->ca_file, error);
  else if (!use_system_ca)
    EXCHANGE_SETOPT (curl, CURLOPT_CAINFO, NULL, error);
  /* else: libcurl's built-in bundle, the system store's file form. */

  if (pin != NULL)
    EXCHANGE_SETOPT (curl, CURLOPT_PINNEDPUBLICKEY, pin, error);
  if (anchor_only)
    g_debug ("TLS: %s: %s", exchange->base_url,
             https_trust_get_kind (exchange->trust) == HTTPS_TRUST_CI_CERTIFICATES
               ? "the GSMA CI certificates the eUICC trusts are the only anchors"
               : "the CA from the eUICC is the only anchor");
  if (anchor != NULL && https_trust_get_kind (exchange->trust) == HTTPS_TRUST_SERVER_CERTIFICATE
      && https_mbedtls_anchor_supported ())
    {
      g_clear_pointer (&exchange->mbedtls_anchor, https_mbedtls_anchor_free);
      exchange->mbedtls_anchor = https_mbedtls_anchor_new (anchor, error);
      if (exchange->mbedtls_anchor == NULL)
        return FALSE;
      EXCHANGE_SETOPT (curl, CURLOPT_SSL_CTX_FUNCTION, https_mbedtls_anchor_ssl_ctx, error);
      EXCHANGE_SETOPT (curl, CURLOPT_SSL_CTX_DATA, exchange->mbedtls_anchor, error);
    }
  return TRUE;
}

static gboolean
exchange_setup (HttpsExchange *exchange, GError **error)
{
  HttpsClient *client = exchange->client;
  CURL *curl = exchange->curl;

  EXCHANGE_SETOPT (curl, CURLOPT_ERRORBUFFER, exchange->error_buffer, error);
  EXCHANGE_SETOPT (curl, CURLOPT_SHARE, client->share, error);
  EXCHANGE_SETOPT (curl, CURLOPT_NOSIGNAL, 1L, error);
  EXCHANGE_SETOPT (curl, CURLOPT_TCP_KEEPALIVE, 0L, error);
  EXCHANGE_SETOPT (curl, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_1_1, error);
  EXCHANGE_SETOPT (curl, CURLOPT_FOLLOWLOCATION, 0L, error);
#if LIBCURL_VERSION_NUM >= 0x075500
  EXCHANGE_SETOPT (curl, CURLOPT_PROTOCOLS_STR, "https", error);
#else
  EXCHANGE_SETOPT (curl, CURLOPT_PROTOCOLS, (long) CURLPROTO_HTTPS, error);
#endif
  EXCHANGE_SETOPT (curl, CURLOPT_USERAGENT, client->user_agent, error);
  EXCHANGE_SETOPT (curl, CURLOPT_CONNECTTIMEOUT_MS, (long) client->connect_timeout_ms, error);
  EXCHANGE_SETOPT (curl, CURLOPT_TIMEOUT_MS, (long) client->total_timeout_ms, error);
  EXCHANGE_SETOPT (curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) client->max_response_size, error);
  if (client->proxy != NULL)
    EXCHANGE_SETOPT (curl, CURLOPT_PROXY, client->proxy, error);
  /* The proxy's CONNECT answer is not the server's: keep it out of the header callback. */
  EXCHANGE_SETOPT (curl, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L, error);
  EXCHANGE_SETOPT (curl, CURLOPT_WRITEFUNCTION, exchange_write_cb, error);
  EXCHANGE_SETOPT (curl, CURLOPT_WRITEDATA, exchange, error);
  EXCHANGE_SETOPT (curl, CURLOPT_HEADERFUNCTION, exchange_header_cb, error);
  EXCHANGE_SETOPT (curl, CURLOPT_HEADERDATA, exchange, error);
  EXCHANGE_SETOPT (curl, CURLOPT_POST, 1L, error);
  return exchange_set_trust (exchange, error);
}

HttpsExchange *
https_exchange_begin (HttpsClient *client, const gchar *base_url, const HttpsTrust *trust, GError **error)
{
  g_autoptr (HttpsExchange) exchange = NULL;
  gsize len;

  g_return_val_if_fail (client != NULL, NULL);
  if (base_url == NULL || g_ascii_strncasecmp (base_url, "https://", 8) != 0 || base_url[8] == '\0')
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "HTTPS: \"%s\" is not an https:// URL",
                   base_url != NULL ? base_url : "(null)");
      return NULL;
    }
  for (const gchar *c = base_url; *c != '\0'; c++)
    if ((guint8) *c <= 0x20 || (guint8) *c >= 0x7f)
      {
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                     "HTTPS: character 0x%02X not allowed in the URL", (guint) (guint8) *c);
        return NULL;
      }

  exchange = g_new0 (HttpsExchange, 1);
  exchange->client = client;
  exchange->stats.tls_resumption_known = client->stats.tls_resumption_known;
  exchange->base_url = g_strdup (base_url);
  len = strlen (exchange->base_url);
  while (len > 8 && exchange->base_url[len - 1] == '/')
    exchange->base_url[--len] = '\0';
  if (trust != NULL)
    exchange->trust = https_trust_ref ((HttpsTrust *) trust);
  exchange->curl = curl_easy_init ();
  if (exchange->curl == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED, "libcurl: cannot create a handle");
      return NULL;
    }
  if (!exchange_setup (exchange, error))
    {
      g_prefix_error (error, "HTTPS exchange with %s: ", exchange->base_url);
      return NULL;
    }
  if (exchange->trust != NULL)
    {
      g_autofree gchar *what = https_trust_describe (exchange->trust);
      g_debug ("exchange with %s begins, trust: %s", exchange->base_url, what);
    }
  else
    g_debug ("exchange with %s begins", exchange->base_url);
  return g_steal_pointer (&exchange);
}

static void
stats_add (HttpsStats *stats, const HttpsStats *delta)
{
  stats->requests += delta->requests;
  stats->failures += delta->failures;
  stats->connections += delta->connections;
  stats->bytes_sent += delta->bytes_sent;
  stats->bytes_received += delta->bytes_received;
  stats->tls_resumed += delta->tls_resumed;
}

/* What the transfer cost, whether it succeeded or not. */
static void
exchange_account (HttpsExchange *exchange, gboolean answered, gboolean *ret_resumed_known, gboolean *ret_resumed)
{
  HttpsStats delta = { 0 };
  long connects = 0, request_size = 0, header_size = 0;
  curl_off_t download = 0;

  curl_easy_getinfo (exchange->curl, CURLINFO_NUM_CONNECTS, &connects);
  curl_easy_getinfo (exchange->curl, CURLINFO_REQUEST_SIZE, &request_size);
  curl_easy_getinfo (exchange->curl, CURLINFO_HEADER_SIZE, &header_size);
  curl_easy_getinfo (exchange->curl, CURLINFO_SIZE_DOWNLOAD_T, &download);

  delta.requests = answered ? 1 : 0;
  delta.failures = answered ? 0 : 1;
  delta.connections = (guint64) MAX (connects, 0);
  /* With CURLOPT_POSTFIELDS libcurl counts the body in the request size already (checked against the
   * test eIM's byte counts); adding the upload size would count it twice. */
  delta.bytes_sent = (guint64) MAX (request_size, 0);
  delta.bytes_received = (guint64) MAX (header_size, 0) + (guint64) MAX (download, 0);

  *ret_resumed_known = connects > 0 && exchange->tls_resumed >= 0;
  *ret_resumed = *ret_resumed_known && exchange->tls_resumed == 1;
  delta.tls_resumed = *ret_resumed ? 1 : 0;

  stats_add (&exchange->stats, &delta);
  g_mutex_lock (&exchange->client->stats_lock);
  stats_add (&exchange->client->stats, &delta);
  g_mutex_unlock (&exchange->client->stats_lock);
}

static void
exchange_set_curl_error (HttpsExchange *exchange, const gchar *url, CURLcode rc, GError **error)
{
  const gchar *detail = exchange->error_buffer[0] != '\0' ? exchange->error_buffer : curl_easy_strerror (rc);
  gint code = EUICCD_ERROR_NETWORK;
  const gchar *what;

  switch (rc)
    {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      what = "TLS: the server certificate is not trusted";
      break;
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      what = "TLS: pinned key mismatch (the server's key is not the one the eUICC trusts)";
      break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_USE_SSL_FAILED:
      what = "TLS: handshake failed";
      break;
    case CURLE_OPERATION_TIMEDOUT:
      code = EUICCD_ERROR_TIMEOUT;
      what = "timed out";
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
      what = "cannot resolve the host name";
      break;
    case CURLE_COULDNT_RESOLVE_PROXY:
      what = "cannot resolve the proxy";
      break;
    case CURLE_COULDNT_CONNECT:
      what = "cannot connect";
      break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      what = "connection lost";
      break;
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
      if (rc == CURLE_FILESIZE_EXCEEDED || exchange->body_too_large)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "POST %s: response body larger than the %" G_GSIZE_FORMAT " bytes allowed", url,
                       exchange->client->max_response_size);
          return;
        }
      what = "cannot store the answer";
      break;
    default:
      what = "HTTPS transfer failed";
      break;
    }
  g_set_error (error, EUICCD_ERROR, code, "POST %s: %s (curl %d: %s)", url, what, (int) rc, detail);
}

static gboolean
exchange_header_ok (const gchar *header)
{
  /* CR or LF would let a caller (or data it forwards) inject headers or a second request. */
  return header != NULL && strpbrk (header, "\r\n") == NULL && strchr (header, ':') != NULL;
}

gboolean
https_exchange_post (HttpsExchange *exchange, const gchar *path, const gchar *content_type,
                     const gchar *const *extra_headers, GBytes *body, HttpsResponse **ret_response,
                     GError **error)
{
  g_autoptr (HttpsResponse) response = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *content_type_header = NULL;
  struct curl_slist *headers = NULL;
  gsize body_len = 0;
  const void *body_data = NULL;
  gint64 started;
  double elapsed_ms;
  long status = 0;
  const char *response_type = NULL;
  gboolean resumed_known = FALSE, resumed = FALSE;
  curl_off_t tls_ready_us = 0;
  g_autofree gchar *tls_note = NULL;
  HttpsStats before = exchange->stats;
  CURLcode rc;

  g_return_val_if_fail (exchange != NULL, FALSE);
  g_return_val_if_fail (ret_response != NULL, FALSE);

  if (path == NULL)
    path = "";
  for (const gchar *c = path; *c != '\0'; c++)
    if ((guint8) *c <= 0x20 || (guint8) *c >= 0x7f)
      {
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                     "HTTPS: character 0x%02X not allowed in the path", (guint) (guint8) *c);
        return FALSE;
      }
  url = g_strconcat (exchange->base_url, (path[0] == '/' || path[0] == '\0') ? "" : "/", path, NULL);

  if (content_type != NULL)
    {
      content_type_header = g_strdup_printf ("Content-Type: %s", content_type);
      if (!exchange_header_ok (content_type_header))
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "HTTPS: bad Content-Type");
          return FALSE;
        }
      headers = curl_slist_append (headers, content_type_header);
    }
  for (gsize i = 0; extra_headers != NULL && extra_headers[i] != NULL; i++)
    {
      if (!exchange_header_ok (extra_headers[i]))
        {
          curl_slist_free_all (headers);
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                       "HTTPS: extra header %" G_GSIZE_FORMAT " is not a single \"Name: value\" line", i);
          return FALSE;
        }
      headers = curl_slist_append (headers, extra_headers[i]);
    }
  /* libcurl adds an Accept header (any media type) to every request: no binding asks for it, and an idle poll
   * would pay its 13 bytes. No "Expect: 100-continue" round trip for larger bodies: the eIM answers anyway. */
  headers = curl_slist_append (headers, "Accept:");
  if (headers != NULL)
    headers = curl_slist_append (headers, "Expect:");
  if (headers == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED, "HTTPS: out of memory for headers");
      return FALSE;
    }

  if (body != NULL)
    body_data = g_bytes_get_data (body, &body_len);
  if (body_data == NULL)
    body_data = "";

  exchange->error_buffer[0] = '\0';
  exchange->body = g_byte_array_new ();
  exchange->body_too_large = FALSE;
  g_clear_pointer (&exchange->retry_after, g_free);
  exchange->tls_resumed = -1;
  exchange->tls_noted = NULL;

  curl_easy_setopt (exchange->curl, CURLOPT_URL, url);
  curl_easy_setopt (exchange->curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (exchange->curl, CURLOPT_POSTFIELDS, body_data);
  curl_easy_setopt (exchange->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) body_len);

  g_debug ("POST %s, %" G_GSIZE_FORMAT " bytes of %s", url, body_len, content_type != NULL ? content_type : "-");
  started = g_get_monotonic_time ();
  rc = curl_easy_perform (exchange->curl);
  elapsed_ms = (double) (g_get_monotonic_time () - started) / 1000.0;

  /* The handle keeps the list pointer; drop it before the list goes. */
  curl_easy_setopt (exchange->curl, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all (headers);

  exchange_account (exchange, rc == CURLE_OK, &resumed_known, &resumed);

  if (rc != CURLE_OK)
    {
      exchange_set_curl_error (exchange, url, rc, error);
      g_debug ("POST %s failed after %.1f ms: %s", url, elapsed_ms,
               error != NULL && *error != NULL ? (*error)->message : curl_easy_strerror (rc));
      g_clear_pointer (&exchange->body, g_byte_array_unref);
      return FALSE;
    }

  curl_easy_getinfo (exchange->curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo (exchange->curl, CURLINFO_APPCONNECT_TIME_T, &tls_ready_us);
  if (exchange->stats.connections > before.connections)
    tls_note = g_strdup_printf (" (TLS ready after %.1f ms)", (double) tls_ready_us / 1000.0);
  curl_easy_getinfo (exchange->curl, CURLINFO_CONTENT_TYPE, &response_type);

  response = g_new0 (HttpsResponse, 1);
  response->status = (guint) status;
  response->content_type = g_strdup (response_type);
  response->body = g_byte_array_free_to_bytes (g_steal_pointer (&exchange->body));
  response->retry_after_s = https_parse_retry_after (exchange->retry_after, g_get_real_time () / G_USEC_PER_SEC);

  g_debug ("POST %s -> HTTP %ld, %s, sent %" G_GUINT64_FORMAT " received %" G_GUINT64_FORMAT
           " bytes, %.1f ms, %s%s%s",
           url, status, response->content_type != NULL ? response->content_type : "no content type",
           exchange->stats.bytes_sent - before.bytes_sent, exchange->stats.bytes_received - before.bytes_received,
           elapsed_ms, exchange->stats.connections > before.connections ? "new connection" : "reused connection",
           !resumed_known ? "" : (resumed ? ", TLS session resumed" : ", full TLS handshake"),
           tls_note != NULL ? tls_note : "");

  *ret_response = g_steal_pointer (&response);
  return TRUE;
}

void
https_exchange_get_stats (HttpsExchange *exchange, HttpsStats *ret_stats)
{
  *ret_stats = exchange->stats;
}

void
https_exchange_end (HttpsExchange *exchange)
{
  if (exchange == NULL)
    return;
  if (exchange->stats.requests + exchange->stats.failures > 0)
    g_debug ("exchange with %s ends: %" G_GUINT64_FORMAT " requests, %" G_GUINT64_FORMAT " failed, %" G_GUINT64_FORMAT
             " connections, %" G_GUINT64_FORMAT " bytes sent, %" G_GUINT64_FORMAT " received",
             exchange->base_url, exchange->stats.requests, exchange->stats.failures, exchange->stats.connections,
             exchange->stats.bytes_sent, exchange->stats.bytes_received);
  g_clear_pointer (&exchange->curl, curl_easy_cleanup);
  g_clear_pointer (&exchange->body, g_byte_array_unref);
  g_clear_pointer (&exchange->trust, https_trust_unref);
  g_clear_pointer (&exchange->mbedtls_anchor, https_mbedtls_anchor_free);
  g_free (exchange->retry_after);
  g_free (exchange->base_url);
  g_free (exchange);
}
