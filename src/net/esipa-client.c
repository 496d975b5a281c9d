/* SPDX-License-Identifier: Apache-2.0 */
/* ESipa function calls over one HttpsExchange: build the body in the eIM's binding, POST it, check the HTTP
 * answer and decode it into the binding-independent structs of esipa-types.h. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "euiccd-log-policy.h"
#include "net/esipa-asn1.h"
#include "net/esipa-client.h"
#include "net/esipa-json.h"

struct _EsipaClient {
  HttpsExchange *exchange;  /* borrowed */
  gchar *eim_url;
  EsipaBinding binding;
  gint64 retry_after_s;
  guint last_status;        /* HTTP status of the last answer, 0 when none came */
  gboolean last_failed;     /* the last answer's functionExecutionStatus said Failed or Expired */
};

EsipaClient *
esipa_client_new (HttpsExchange *exchange, const gchar *eim_url, EsipaBinding binding)
{
  EsipaClient *client;

  g_return_val_if_fail (exchange != NULL, NULL);
  g_return_val_if_fail (binding == ESIPA_BINDING_ASN1 || binding == ESIPA_BINDING_JSON, NULL);

  client = g_new0 (EsipaClient, 1);
  client->exchange = exchange;
  client->eim_url = g_strdup (eim_url != NULL ? eim_url : "the eIM");
  client->binding = binding;
  client->retry_after_s = -1;
  return client;
}

void
esipa_client_free (EsipaClient *client)
{
  if (client == NULL)
    return;
  g_free (client->eim_url);
  g_free (client);
}

gint64
esipa_client_get_retry_after (const EsipaClient *client)
{
  g_return_val_if_fail (client != NULL, -1);
  return client->retry_after_s;
}

guint
esipa_client_get_last_status (const EsipaClient *client)
{
  g_return_val_if_fail (client != NULL, 0);
  return client->last_status;
}

gboolean
esipa_client_get_last_failed (const EsipaClient *client)
{
  g_return_val_if_fail (client != NULL, FALSE);
  return client->last_failed;
}

/* The media type without parameters matches `expected` (case-insensitive, as RFC 9110 says). */
static gboolean
content_type_is (const gchar *content_type, const gchar *expected)
{
  gsize n = strlen (expected);

  if (content_type == NULL)
    return FALSE;
  while (*content_type == ' ')
    content_type++;
  if (g_ascii_strncasecmp (content_type, expected, n) != 0)
    return FALSE;
  content_type += n;
  while (*content_type == ' ' || *content_type == '\t')
    content_type++;
  return *content_type == '\0' || *content_type == ';';
}

static void
log_body (const gchar *direction, const EsipaClient *client, const gchar *function, GBytes *body)
{
  gsize length;
  const guint8 *data;
  g_autofree gchar *shown = NULL;

  if (body == NULL || !euiccd_log_debug_enabled (G_LOG_DOMAIN))
    return;
  data = g_bytes_get_data (body, &length);
  /* Bodies carry the EID, ICCIDs and activation codes: in full only when personal data may be logged,
   * otherwise their outline (tags and lengths, or member names). */
  if (client->binding == ESIPA_BINDING_ASN1)
    shown = euiccd_log_format_der (data, length, euiccd_log_hex_allowed ());
  else
    shown = euiccd_log_format_json (data, length, euiccd_log_personal_data_allowed ());
  g_debug ("ESipa %s %s %s: %s", function, direction, client->eim_url, shown);
}

/* POSTs `body` for `function` and returns the answer's body once it is one the caller should decode: HTTP 200
 * with the binding's content type, or (allow_empty) 200/204 without a body, returned as an empty GBytes. */
static GBytes *
esipa_post (EsipaClient *client, EsipaFunction function, GBytes *body, gboolean allow_empty, GError **error)
{
  const gchar *name = esipa_function_name (function);
  static const gchar *const headers[] = { "X-Admin-Protocol: " ESIPA_ADMIN_PROTOCOL, NULL };
  g_autofree gchar *path = NULL;
  g_autofree gchar *what = NULL;
  g_autoptr(HttpsResponse) response = NULL;
  const gchar *content_type;
  gsize length;

  if (client->binding == ESIPA_BINDING_ASN1)
    {
      path = g_strdup (ESIPA_ASN1_PATH);
      content_type = ESIPA_ASN1_CONTENT_TYPE;
    }
  else
    {
      path = g_strconcat (ESIPA_JSON_PATH_PREFIX, name, NULL);
      content_type = ESIPA_JSON_CONTENT_TYPE;
    }
  what = g_strdup_printf ("ESipa %s at %s", name, client->eim_url);
  log_body ("->", client, name, body);
  client->last_status = 0;
  client->last_failed = FALSE;
  if (!https_exchange_post (client->exchange, path, content_type, headers, body, &response, error))
    {
      g_prefix_error (error, "%s: ", what);
      return NULL;
    }
  client->retry_after_s = response->retry_after_s;
  client->last_status = response->status;
  length = g_bytes_get_size (response->body);
  g_debug ("ESipa %s <- %s: HTTP %u, %s, %zu bytes", name, client->eim_url, response->status,
           response->content_type != NULL ? response->content_type : "no content type", length);
  if (!https_response_check_status (response, what, error))
    return NULL;
  if (response->status != 200 && response->status != 204)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: HTTP %u, expected 200%s", what, response->status,
                   allow_empty ? " or 204" : "");
      return NULL;
    }
  if (length == 0)
    {
      if (allow_empty)
        return g_bytes_new (NULL, 0);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: HTTP %u without a body, expected %s", what,
                   response->status, client->binding == ESIPA_BINDING_ASN1 ? "an ESipa message" : "a JSON object");
      return NULL;
    }
  if (response->status == 204)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: HTTP 204 with a %zu-byte body", what, length);
      return NULL;
    }
  /* JSON eIMs are told application/json;charset=UTF-8; plain application/json is the same media type. */
  if (!content_type_is (response->content_type,
                        client->binding == ESIPA_BINDING_ASN1 ? ESIPA_ASN1_CONTENT_TYPE : "application/json"))
    {
      g_autofree gchar *shown_type = https_content_type_for_message (response->content_type);
      g_autofree gchar *shown = https_body_for_log (g_bytes_get_data (response->body, NULL), length);

      /* The body is not an ESipa message (a proxy's page, an error text): the peer's words go to debug only. */
      g_debug ("%s: HTTP %u body: %s", what, response->status, shown);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: HTTP %u with %zu bytes of Content-Type %s, "
                   "expected %s", what, response->status, length, shown_type,
                   client->binding == ESIPA_BINDING_ASN1 ? ESIPA_ASN1_CONTENT_TYPE : "application/json");
      return NULL;
    }
  log_body ("<-", client, name, response->body);
  return g_bytes_ref (response->body);
}

/* Encodes `function`'s request in the client's binding. */
typedef GBytes *(*Asn1Encoder) (gconstpointer request, GError **error);
typedef gchar *(*JsonEncoder) (gconstpointer request, GError **error);

static GBytes *
encode (const EsipaClient *client, EsipaFunction function, gconstpointer request, Asn1Encoder asn1, JsonEncoder json,
        GError **error)
{
  GBytes *body;

  if (client->binding == ESIPA_BINDING_ASN1)
    body = asn1 (request, error);
  else
    {
      gchar *text = json (request, error);

      body = text != NULL ? g_bytes_new_take (text, strlen (text)) : NULL;
    }
  if (body == NULL)
    g_prefix_error (error, "ESipa %s: cannot encode the request: ", esipa_function_name (function));
  return body;
}

#define ENCODE(client, function, request, asn1, json, error) \
  encode ((client), (function), (request), (Asn1Encoder) (void (*) (void)) (asn1), \
          (JsonEncoder) (void (*) (void)) (json), (error))

static void
prefix_decode_error (const EsipaClient *client, EsipaFunction function, GError **error)
{
  g_prefix_error (error, "ESipa %s at %s: ", esipa_function_name (function), client->eim_url);
}

/* A response decoder of either binding, e.g. esipa_asn1_decode_cancel_session_response. */
typedef gpointer (*Decoder) (const guint8 *data, gsize length, GError **error);

/* One function call: encode in the client's binding, POST, decode the answer with the binding's decoder. */
static gpointer
call (EsipaClient *client, EsipaFunction function, gconstpointer request, Asn1Encoder asn1_encode,
      JsonEncoder json_encode, gboolean allow_empty, Decoder asn1_decode, Decoder json_decode, GError **error)
{
  g_autoptr(GBytes) body = encode (client, function, request, asn1_encode, json_encode, error);
  g_autoptr(GBytes) answer = NULL;
  gpointer response;
  gsize length;
  gconstpointer data;

  if (body == NULL)
    return NULL;
  answer = esipa_post (client, function, body, allow_empty, error);
  if (answer == NULL)
    return NULL;
  data = g_bytes_get_data (answer, &length);
  response = (client->binding == ESIPA_BINDING_ASN1 ? asn1_decode : json_decode) (data, length, error);
  if (response == NULL)
    prefix_decode_error (client, function, error);
  return response;
}

#define CALL(client, function, request, asn1_encode, json_encode, allow_empty, asn1_decode, json_decode, error) \
  call ((client), (function), (request), (Asn1Encoder) (void (*) (void)) (asn1_encode), \
        (JsonEncoder) (void (*) (void)) (json_encode), (allow_empty), (Decoder) (void (*) (void)) (asn1_decode), \
        (Decoder) (void (*) (void)) (json_decode), (error))

gboolean
esipa_get_eim_package (EsipaClient *client, const EsipaGetEimPackageRequest *request, EsipaEimPackage **ret_package,
                       EsipaUnusablePackage **ret_unusable, GError **error)
{
  const EsipaFunction function = ESIPA_FUNCTION_GET_EIM_PACKAGE;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  EsipaEimPackage *package;
  gsize length;
  gconstpointer data;

  g_return_val_if_fail (client != NULL && request != NULL && ret_package != NULL, FALSE);

  body = ENCODE (client, function, request, esipa_asn1_encode_get_eim_package_request,
                 esipa_json_encode_get_eim_package_request, error);
  if (body == NULL)
    return FALSE;
  answer = esipa_post (client, function, body, FALSE, error);
  if (answer == NULL)
    return FALSE;
  data = g_bytes_get_data (answer, &length);
  if (client->binding == ESIPA_BINDING_ASN1)
    package = esipa_asn1_decode_get_eim_package_response (data, length, ret_unusable, error);
  else
    package = esipa_json_decode_get_eim_package_response (data, length, ret_unusable, error);
  if (package == NULL)
    {
      prefix_decode_error (client, function, error);
      return FALSE;
    }
  if (package->kind == ESIPA_EIM_PACKAGE_ERROR)
    g_debug ("ESipa getEimPackage at %s: eimPackageError %s(%" G_GINT64_FORMAT ")", client->eim_url,
             esipa_eim_package_error_to_string (package->error_code), package->error_code);
  *ret_package = package;
  return TRUE;
}

gboolean
esipa_provide_eim_package_result (EsipaClient *client, const EsipaEimPackageResult *result,
                                  EsipaProvideResultResponse **ret_response, GError **error)
{
  g_return_val_if_fail (client != NULL && result != NULL && ret_response != NULL, FALSE);

  /* A request that fails before it is sent has no answer: nothing of the previous call may stand for one. */
  client->last_status = 0;
  client->last_failed = FALSE;
  *ret_response = CALL (client, ESIPA_FUNCTION_PROVIDE_EIM_PACKAGE_RESULT, result, esipa_asn1_encode_provide_eim_package_result, esipa_json_encode_provide_eim_package_result, FALSE, esipa_asn1_decode_provide_eim_package_result_response, esipa_json_decode_provide_eim_package_result_response, error);
  return *ret_response != NULL;
}

gboolean
esipa_handle_notification (EsipaClient *client, const EsipaNotification *notification, GError **error)
{
  const EsipaFunction function = ESIPA_FUNCTION_HANDLE_NOTIFICATION;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  gsize length;
  gconstpointer data;

  g_return_val_if_fail (client != NULL && notification != NULL, FALSE);

  client->last_status = 0;
  client->last_failed = FALSE;

  body = ENCODE (client, function, notification, esipa_asn1_encode_handle_notification,
                 esipa_json_encode_handle_notification, error);
  if (body == NULL)
    return FALSE;
  answer = esipa_post (client, function, body, TRUE, error);
  if (answer == NULL)
    return FALSE;
  data = g_bytes_get_data (answer, &length);
  if (length == 0)
    return TRUE;
  if (client->binding == ESIPA_BINDING_JSON)
    {
      if (!esipa_json_decode_handle_notification_response (data, length, error))
        {
          client->last_failed = esipa_json_status_is_failure (data, length);
          prefix_decode_error (client, function, error);
          return FALSE;
        }
      return TRUE;
    }
  /* HandleNotification has no response message in the ASN.1 binding: a 200 with a body is not one. */
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL,
               "ESipa handleNotification at %s: unexpected %zu-byte body, expected none", client->eim_url, length);
  return FALSE;
}

gboolean
esipa_initiate_authentication (EsipaClient *client, const EsipaInitiateAuthenticationRequest *request,
                               EsipaInitiateAuthenticationResponse **ret_response, GError **error)
{
  g_return_val_if_fail (client != NULL && request != NULL && ret_response != NULL, FALSE);

  *ret_response = CALL (client, ESIPA_FUNCTION_INITIATE_AUTHENTICATION, request, esipa_asn1_encode_initiate_authentication_request, esipa_json_encode_initiate_authentication_request, FALSE, esipa_asn1_decode_initiate_authentication_response, esipa_json_decode_initiate_authentication_response, error);
  return *ret_response != NULL;
}

gboolean
esipa_authenticate_client (EsipaClient *client, const EsipaSessionRequest *request,
                           EsipaAuthenticateClientResponse **ret_response, GError **error)
{
  g_return_val_if_fail (client != NULL && request != NULL && ret_response != NULL, FALSE);

  *ret_response = CALL (client, ESIPA_FUNCTION_AUTHENTICATE_CLIENT, request, esipa_asn1_encode_authenticate_client_request, esipa_json_encode_authenticate_client_request, FALSE, esipa_asn1_decode_authenticate_client_response, esipa_json_decode_authenticate_client_response, error);
  return *ret_response != NULL;
}

gboolean
esipa_get_bound_profile_package (EsipaClient *client, const EsipaSessionRequest *request,
                                 EsipaGetBoundProfilePackageResponse **ret_response, GError **error)
{
  g_return_val_if_fail (client != NULL && request != NULL && ret_response != NULL, FALSE);

  *ret_response = CALL (client, ESIPA_FUNCTION_GET_BOUND_PROFILE_PACKAGE, request, esipa_asn1_encode_get_bound_profile_package_request, esipa_json_encode_get_bound_profile_package_request, FALSE, esipa_asn1_decode_get_bound_profile_package_response, esipa_json_decode_get_bound_profile_package_response, error);
  return *ret_response != NULL;
}

gboolean
esipa_cancel_session (EsipaClient *client, const EsipaSessionRequest *request,
                      EsipaCancelSessionResponse **ret_response, GError **error)
{
  g_return_val_if_fail (client != NULL && request != NULL && ret_response != NULL, FALSE);

  /* The JSON binding's cancelSession has no output data beyond the header; allow 204 there. */
  *ret_response = CALL (client, ESIPA_FUNCTION_CANCEL_SESSION, request, esipa_asn1_encode_cancel_session_request,
                        esipa_json_encode_cancel_session_request, client->binding == ESIPA_BINDING_JSON,
                        esipa_asn1_decode_cancel_session_response, esipa_json_decode_cancel_session_response, error);
  return *ret_response != NULL;
}
