/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP side of ES9+ and ES11: one exchange per conversation, the binding's headers, the answer's status and
 * content type, debug lines under the log policy. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include <string.h>

#include "euiccd-error.h"
#include "euiccd-log-policy.h"
#include "net/https-mbedtls.h"
#include "net/rsp-client.h"

struct _RspClient {
  RspServerKind kind;
  HttpsExchange *exchange;
  gchar *url;
  RspStatus status;
};

static const gchar *
interface_name (const RspClient *client)
{
  return client->kind == RSP_SERVER_SMDP ? "ES9+" : "ES11";
}

RspClient *
rsp_client_begin (HttpsClient *https, RspServerKind kind, const gchar *address, HttpsTrust *trust, GError **error)
{
  g_autoptr(RspClient) client = NULL;
  const gchar *server = kind == RSP_SERVER_SMDP ? "SM-DP+" : "SM-DS";

  g_return_val_if_fail (https != NULL, NULL);
  g_return_val_if_fail (kind == RSP_SERVER_SMDP || kind == RSP_SERVER_SMDS, NULL);

  if (trust == NULL || https_trust_get_kind (trust) != HTTPS_TRUST_CI_CERTIFICATES)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "%s: the TLS trust of an %s must be the GSMA CI certificates the eUICC trusts", server, server);
      return NULL;
    }
  if (!https_mbedtls_reads_gsma_certificates ())
    {
      const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);

      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED,
                   "%s: libcurl's TLS library (%s) cannot read GSMA certificates: it refuses their critical "
                   "certificatePolicies extension unless built with MBEDTLS_X509_ALLOW_UNSUPPORTED_CRITICAL_EXTENSION",
                   server, info->ssl_version != NULL ? info->ssl_version : "unknown");
      return NULL;
    }
  client = g_new0 (RspClient, 1);
  client->kind = kind;
  client->url = https_base_url_from_fqdn (address, error);
  if (client->url == NULL)
    {
      g_prefix_error (error, "%s address: ", server);
      return NULL;
    }
  client->exchange = https_exchange_begin (https, client->url, trust, error);
  if (client->exchange == NULL)
    return NULL;
  return g_steal_pointer (&client);
}

void
rsp_client_end (RspClient *client)
{
  if (client == NULL)
    return;
  g_clear_pointer (&client->exchange, https_exchange_end);
  g_free (client->url);
  g_free (client);
}

RspServerKind
rsp_client_get_kind (const RspClient *client)
{
  return client->kind;
}

const gchar *
rsp_client_get_url (const RspClient *client)
{
  return client->url;
}

const RspStatus *
rsp_client_get_status (const RspClient *client)
{
  return &client->status;
}

void
rsp_client_get_stats (RspClient *client, HttpsStats *ret_stats)
{
  https_exchange_get_stats (client->exchange, ret_stats);
}

/* The media type without parameters is application/json (case-insensitive, RFC 9110). */
static gboolean
content_type_is_json (const gchar *content_type)
{
  static const gchar json[] = "application/json";

  if (content_type == NULL)
    return FALSE;
  while (*content_type == ' ')
    content_type++;
  if (g_ascii_strncasecmp (content_type, json, strlen (json)) != 0)
    return FALSE;
  content_type += strlen (json);
  while (*content_type == ' ' || *content_type == '\t')
    content_type++;
  return *content_type == '\0' || *content_type == ';';
}

static void
log_body (const RspClient *client, const gchar *function, const gchar *direction, GBytes *body)
{
  g_autofree gchar *shown = NULL;
  gsize length = 0;
  const guint8 *data;

  if (body == NULL || !euiccd_log_debug_enabled (G_LOG_DOMAIN))
    return;
  data = g_bytes_get_data (body, &length);
  /* Bodies carry the EID (in certificates), matching ids and profile data: in full only when personal data may
   * be logged, otherwise their outline. */
  shown = euiccd_log_format_json (data, length, euiccd_log_personal_data_allowed ());
  g_debug ("%s %s %s %s: %s", interface_name (client), function, direction, client->url, shown);
}

GBytes *
rsp_client_post (RspClient *client, const gchar *function, gchar *request, gboolean allow_empty, GError **error)
{
  /* SGP.22's HTTP binding names the LPA's User-Agent for ES9+ and ES11 (the ESipa one is the IPA's). */
  static const gchar *const headers[] = { "User-Agent: gsma-rsp-lpad", "X-Admin-Protocol: " RSP_ADMIN_PROTOCOL,
                                          NULL };
  g_autoptr(GBytes) body = g_bytes_new_take (request, request != NULL ? strlen (request) : 0);
  g_autoptr(HttpsResponse) response = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *what = NULL;
  gsize length;

  g_return_val_if_fail (client != NULL && function != NULL, NULL);
  if (request == NULL)
    {
      /* The caller's data is wrong: nothing is sent. */
      g_prefix_error (error, "%s %s: cannot encode the request: ", interface_name (client), function);
      return NULL;
    }

  memset (&client->status, 0, sizeof client->status);
  path = g_strconcat (client->kind == RSP_SERVER_SMDP ? ES9PLUS_PATH_PREFIX : ES11_PATH_PREFIX, function, NULL);
  what = g_strdup_printf ("%s %s at %s", interface_name (client), function, client->url);
  log_body (client, function, "->", body);
  if (!https_exchange_post (client->exchange, path, RSP_JSON_CONTENT_TYPE, headers, body, &response, error))
    {
      g_prefix_error (error, "%s: ", what);
      return NULL;
    }
  length = g_bytes_get_size (response->body);
  g_debug ("%s %s <- %s: HTTP %u, %s, %zu bytes", interface_name (client), function, client->url, response->status,
           response->content_type != NULL ? response->content_type : "no content type", length);
  if (!https_response_check_status (response, what, error))
    return NULL;
  if (response->status == 204 && allow_empty && length == 0)
    return g_bytes_new (NULL, 0);
  if (response->status != 200)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: HTTP %u, expected 200%s", what, response->status,
                   allow_empty ? " or 204" : "");
      return NULL;
    }
  if (length == 0)
    {
      if (allow_empty)
        return g_bytes_new (NULL, 0);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: HTTP 200 without a body, expected a JSON object",
                   what);
      return NULL;
    }
  if (!content_type_is_json (response->content_type))
    {
      g_autofree gchar *shown_type = https_content_type_for_message (response->content_type);
      g_autofree gchar *shown = https_body_for_log (g_bytes_get_data (response->body, NULL), length);

      /* Not an answer of the binding (a proxy's page, an error text): its words go to debug only. */
      g_debug ("%s: HTTP %u body: %s", what, response->status, shown);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL,
                   "%s: HTTP %u with %zu bytes of Content-Type %s, expected application/json", what, response->status,
                   length, shown_type);
      return NULL;
    }
  log_body (client, function, "<-", response->body);
  return g_bytes_ref (response->body);
}

void
rsp_client_note_answer (RspClient *client, const gchar *function, const RspStatus *status, gboolean decoded,
                        GError **error)
{
  if (status != NULL)
    client->status = *status;
  if (!decoded)
    g_prefix_error (error, "%s %s at %s: ", interface_name (client), function, client->url);
}

gboolean
rsp_client_check_transaction_id (RspClient *client, const gchar *function, GBytes *sent, GBytes *received,
                                 GError **error)
{
  if (received == NULL || sent == NULL || g_bytes_equal (sent, received))
    return TRUE;
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL,
               "%s %s at %s: the answer's transactionId is not the session's", interface_name (client), function,
               client->url);
  return FALSE;
}
