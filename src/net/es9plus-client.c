/* SPDX-License-Identifier: Apache-2.0 */
/* ES9+ function calls: encode (es9plus-json.c), POST (rsp-client.c), decode. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include "euiccd-error.h"
#include "net/es9plus-client.h"
#include "net/es9plus-json.h"

gboolean
es9plus_initiate_authentication (RspClient *client, const RspInitiateAuthenticationRequest *request,
                                 RspInitiateAuthenticationResponse **ret_response, GError **error)
{
  static const gchar function[] = "initiateAuthentication";
  gchar *body;
  g_autoptr(GBytes) answer = NULL;
  RspStatus status = { 0 };

  g_return_val_if_fail (client != NULL && rsp_client_get_kind (client) == RSP_SERVER_SMDP, FALSE);
  g_return_val_if_fail (request != NULL && ret_response != NULL, FALSE);

  body = es9plus_json_encode_initiate_authentication_request (request, error);
  answer = rsp_client_post (client, function, body, FALSE, error);
  if (answer == NULL)
    return FALSE;
  *ret_response = es9plus_json_decode_initiate_authentication_response (g_bytes_get_data (answer, NULL),
                                                                       g_bytes_get_size (answer), &status, error);
  rsp_client_note_answer (client, function, &status, *ret_response != NULL, error);
  return *ret_response != NULL;
}

gboolean
es9plus_authenticate_client (RspClient *client, const RspSessionRequest *request,
                             Es9AuthenticateClientResponse **ret_response, GError **error)
{
  static const gchar function[] = "authenticateClient";
  gchar *body;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(Es9AuthenticateClientResponse) response = NULL;
  RspStatus status = { 0 };

  g_return_val_if_fail (client != NULL && rsp_client_get_kind (client) == RSP_SERVER_SMDP, FALSE);
  g_return_val_if_fail (request != NULL && ret_response != NULL, FALSE);

  body = es9plus_json_encode_authenticate_client_request (request, error);
  answer = rsp_client_post (client, function, body, FALSE, error);
  if (answer == NULL)
    return FALSE;
  response = es9plus_json_decode_authenticate_client_response (g_bytes_get_data (answer, NULL),
                                                               g_bytes_get_size (answer), &status, error);
  rsp_client_note_answer (client, function, &status, response != NULL, error);
  if (response == NULL || !rsp_client_check_transaction_id (client, function, request->transaction_id,
                                                            response->transaction_id, error))
    return FALSE;
  *ret_response = g_steal_pointer (&response);
  return TRUE;
}

gboolean
es9plus_get_bound_profile_package (RspClient *client, const RspSessionRequest *request,
                                   Es9GetBoundProfilePackageResponse **ret_response, GError **error)
{
  static const gchar function[] = "getBoundProfilePackage";
  gchar *body;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(Es9GetBoundProfilePackageResponse) response = NULL;
  RspStatus status = { 0 };

  g_return_val_if_fail (client != NULL && rsp_client_get_kind (client) == RSP_SERVER_SMDP, FALSE);
  g_return_val_if_fail (request != NULL && ret_response != NULL, FALSE);

  body = es9plus_json_encode_get_bound_profile_package_request (request, error);
  answer = rsp_client_post (client, function, body, FALSE, error);
  if (answer == NULL)
    return FALSE;
  response = es9plus_json_decode_get_bound_profile_package_response (g_bytes_get_data (answer, NULL),
                                                                     g_bytes_get_size (answer), &status, error);
  rsp_client_note_answer (client, function, &status, response != NULL, error);
  if (response == NULL || !rsp_client_check_transaction_id (client, function, request->transaction_id,
                                                            response->transaction_id, error))
    return FALSE;
  *ret_response = g_steal_pointer (&response);
  return TRUE;
}

/* handleNotification and cancelSession: nothing but the header, or HTTP 204. */
static gboolean
call_header_only (RspClient *client, const gchar *function, gchar *body, GError **error)
{
  g_autoptr(GBytes) answer = rsp_client_post (client, function, body, TRUE, error);
  RspStatus status = { 0 };
  gboolean ok;

  if (answer == NULL)
    return FALSE;
  ok = es9plus_json_decode_header_only_response (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer),
                                                 function, &status, error);
  rsp_client_note_answer (client, function, &status, ok, error);
  return ok;
}

gboolean
es9plus_handle_notification (RspClient *client, const Es9HandleNotificationRequest *request, GError **error)
{
  static const gchar function[] = "handleNotification";
  gchar *body;

  g_return_val_if_fail (client != NULL && rsp_client_get_kind (client) == RSP_SERVER_SMDP, FALSE);
  g_return_val_if_fail (request != NULL, FALSE);

  body = es9plus_json_encode_handle_notification_request (request, error);
  return call_header_only (client, function, body, error);
}

gboolean
es9plus_cancel_session (RspClient *client, const RspSessionRequest *request, GError **error)
{
  static const gchar function[] = "cancelSession";
  gchar *body;

  g_return_val_if_fail (client != NULL && rsp_client_get_kind (client) == RSP_SERVER_SMDP, FALSE);
  g_return_val_if_fail (request != NULL, FALSE);

  body = es9plus_json_encode_cancel_session_request (request, error);
  return call_header_only (client, function, body, error);
}
