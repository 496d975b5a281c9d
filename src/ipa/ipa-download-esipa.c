/* SPDX-License-Identifier: Apache-2.0 */
/* The server side of an indirect download (SGP.32 3.2.3.2): the eIM relays each call to the SM-DP+ (or SM-DS)
 * over ESipa, in the binding the exchange speaks. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "euiccd-error.h"
#include "ipa/ipa-download-private.h"

static gboolean
initiate_authentication (gpointer user_data, const EsipaInitiateAuthenticationRequest *request,
                         EsipaInitiateAuthenticationResponse **ret_response, GError **error)
{
  return esipa_initiate_authentication (user_data, request, ret_response, error);
}

static gboolean
authenticate_client (gpointer user_data, const EsipaSessionRequest *request,
                     EsipaAuthenticateClientResponse **ret_response, GError **error)
{
  return esipa_authenticate_client (user_data, request, ret_response, error);
}

static gboolean
get_bound_profile_package (gpointer user_data, const EsipaSessionRequest *request,
                           EsipaGetBoundProfilePackageResponse **ret_response, GError **error)
{
  return esipa_get_bound_profile_package (user_data, request, ret_response, error);
}

static gboolean
cancel_session (gpointer user_data, const EsipaSessionRequest *request, GError **error)
{
  g_autoptr(EsipaCancelSessionResponse) response = NULL;

  if (!esipa_cancel_session (user_data, request, &response, error))
    return FALSE;
  if (response->has_error)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "CancelSession: the eIM answered error %"
                   G_GINT64_FORMAT, response->error_code);
      return FALSE;
    }
  return TRUE;
}

static gboolean
handle_notification (gpointer user_data, GBytes *pending_notification, GError **error)
{
  EsipaNotification notification = { .kind = ESIPA_NOTIFICATION_PENDING,
                                     .pending_notification = pending_notification };

  return esipa_handle_notification (user_data, &notification, error);
}

void
ipa_download_server_esipa (IpaDownloadServer *server, EsipaClient *client, const gchar *name)
{
  server->name = name;
  server->initiate_authentication = initiate_authentication;
  server->authenticate_client = authenticate_client;
  server->get_bound_profile_package = get_bound_profile_package;
  server->cancel_session = cancel_session;
  server->handle_notification = handle_notification;
  server->user_data = client;
}
