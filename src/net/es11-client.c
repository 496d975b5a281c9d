/* SPDX-License-Identifier: Apache-2.0 */
/* ES11 function calls: ES9+'s encoders for the requests, es11-json.c for the events. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include "euiccd-error.h"
#include "net/es11-client.h"
#include "net/es11-json.h"
#include "net/es9plus-json.h"

gboolean
es11_initiate_authentication (RspClient *client, const RspInitiateAuthenticationRequest *request,
                              RspInitiateAuthenticationResponse **ret_response, GError **error)
{
  static const gchar function[] = "initiateAuthentication";
  gchar *body;
  g_autoptr(GBytes) answer = NULL;
  RspStatus status = { 0 };

  g_return_val_if_fail (client != NULL && rsp_client_get_kind (client) == RSP_SERVER_SMDS, FALSE);
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
es11_authenticate_client (RspClient *client, const RspSessionRequest *request,
                          Es11AuthenticateClientResponse **ret_response, GError **error)
{
  static const gchar function[] = "authenticateClient";
  gchar *body;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(Es11AuthenticateClientResponse) response = NULL;
  RspStatus status = { 0 };

  g_return_val_if_fail (client != NULL && rsp_client_get_kind (client) == RSP_SERVER_SMDS, FALSE);
  g_return_val_if_fail (request != NULL && ret_response != NULL, FALSE);

  body = es9plus_json_encode_authenticate_client_request (request, error);
  answer = rsp_client_post (client, function, body, FALSE, error);
  if (answer == NULL)
    return FALSE;
  response = es11_json_decode_authenticate_client_response (g_bytes_get_data (answer, NULL),
                                                            g_bytes_get_size (answer), &status, error);
  rsp_client_note_answer (client, function, &status, response != NULL, error);
  if (response == NULL || !rsp_client_check_transaction_id (client, function, request->transaction_id,
                                                            response->transaction_id, error))
    return FALSE;
  *ret_response = g_steal_pointer (&response);
  return TRUE;
}
