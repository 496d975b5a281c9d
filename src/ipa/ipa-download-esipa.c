/* SPDX-License-Identifier: Apache-2.0 */
/* The server side of an indirect download (SGP.32 3.2.3.2): the eIM relays each call to the SM-DP+ (or SM-DS)
 * over ESipa, in the binding the exchange speaks. Under minimizeEsipaBytes the eUICC's answers go in the
 * compact forms (net/esipa-minimize.h) and InitiateAuthentication without euiccInfo1; what each omission
 * assumes the eIM holds is in docs/benchmarks.md, "Bytes on the wire". */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-download-private.h"
#include "net/esipa-minimize.h"

/* What the eIM holds of this eUICC, NULL when nothing (or of another eUICC). */
static const IpaEimHoldings *
held (const IpaEsipaRelay *relay)
{
  const IpaEimHoldings *holdings = relay->holdings;

  if (holdings == NULL || !holdings->has_eid || relay->eid == NULL
      || memcmp (holdings->eid, relay->eid, sizeof holdings->eid) != 0)
    return NULL;
  return holdings;
}

static void
forget_session (IpaEsipaRelay *relay)
{
  g_clear_pointer (&relay->transaction_id, g_bytes_unref);
  g_clear_pointer (&relay->server_signed1, g_bytes_unref);
  g_clear_pointer (&relay->server_address, g_free);
  g_clear_pointer (&relay->ctx_params1, g_bytes_unref);
  g_clear_pointer (&relay->hash_cc, g_bytes_unref);
}

void
ipa_esipa_relay_clear (IpaEsipaRelay *relay)
{
  forget_session (relay);
}

/* A compact form, or the full one with a warning when it could not be built (the full form is still valid). */
static GBytes *
compact_or_full (GBytes *full, GBytes *compact, GError *error, const gchar *structure)
{
  if (compact != NULL)
    return compact;
  g_warning ("%s goes in full, its compact form cannot be built: %s", structure, error->message);
  g_error_free (error);
  return g_bytes_ref (full);
}

static gchar *
server_address_of (GBytes *server_signed1)
{
  DerTlv signed1, address;

  if (!der_parse_expect (g_bytes_get_data (server_signed1, NULL), g_bytes_get_size (server_signed1), 0x30, &signed1,
                         NULL)
      || !der_find_child (&signed1, 0x83, &address, NULL))
    return NULL;
  return der_tlv_dup_utf8 (&address, NULL);
}

static gboolean
initiate_authentication (gpointer user_data, const EsipaInitiateAuthenticationRequest *request,
                         EsipaInitiateAuthenticationResponse **ret_response, GError **error)
{
  IpaEsipaRelay *relay = user_data;
  EsipaInitiateAuthenticationRequest sent = *request;
  EsipaInitiateAuthenticationResponse *response;

  /* Left out when the eIM was given this very EUICCInfo1 in an IpaEuiccData. */
  if (relay->minimize && held (relay) != NULL && request->euicc_info1 != NULL
      && held (relay)->euicc_info1 != NULL && g_bytes_equal (held (relay)->euicc_info1, request->euicc_info1))
    sent.euicc_info1 = NULL;
  forget_session (relay);
  if (!esipa_initiate_authentication (relay->client, &sent, ret_response, error))
    return FALSE;
  response = *ret_response;
  if (!response->has_error && response->transaction_id != NULL && response->server_signed1 != NULL)
    {
      relay->transaction_id = g_bytes_ref (response->transaction_id);
      relay->server_signed1 = g_bytes_ref (response->server_signed1);
      relay->server_address = server_address_of (response->server_signed1);
      if (response->ctx_params1 != NULL)
        relay->ctx_params1 = g_bytes_ref (response->ctx_params1);
    }
  return TRUE;
}

static gboolean
authenticate_client (gpointer user_data, const EsipaSessionRequest *request,
                     EsipaAuthenticateClientResponse **ret_response, GError **error)
{
  IpaEsipaRelay *relay = user_data;
  g_autoptr(GBytes) card_response = NULL;
  EsipaSessionRequest sent = *request;
  GError *local_error = NULL;

  if (relay->minimize && relay->server_signed1 != NULL)
    {
      const IpaEimHoldings *holdings = held (relay);

      card_response = esipa_minimize_authenticate_server_response (
        request->card_response, relay->server_signed1, relay->ctx_params1,
        holdings != NULL ? holdings->euicc_info2 : NULL, holdings != NULL && holdings->certificates, &local_error);
      card_response = compact_or_full (request->card_response, card_response, local_error,
                                       "AuthenticateServerResponse");
      sent.card_response = card_response;
    }
  if (!esipa_authenticate_client (relay->client, &sent, ret_response, error))
    return FALSE;
  g_clear_pointer (&relay->hash_cc, g_bytes_unref);
  if ((*ret_response)->hash_cc != NULL)
    relay->hash_cc = g_bytes_ref ((*ret_response)->hash_cc);
  return TRUE;
}

static gboolean
get_bound_profile_package (gpointer user_data, const EsipaSessionRequest *request,
                           EsipaGetBoundProfilePackageResponse **ret_response, GError **error)
{
  IpaEsipaRelay *relay = user_data;
  g_autoptr(GBytes) card_response = NULL;
  EsipaSessionRequest sent = *request;
  GError *local_error = NULL;

  if (relay->minimize)
    {
      card_response = esipa_minimize_prepare_download_response (request->card_response, request->transaction_id,
                                                                relay->hash_cc, &local_error);
      card_response = compact_or_full (request->card_response, card_response, local_error,
                                       "PrepareDownloadResponse");
      sent.card_response = card_response;
    }
  return esipa_get_bound_profile_package (relay->client, &sent, ret_response, error);
}

static gboolean
cancel_session (gpointer user_data, const EsipaSessionRequest *request, GError **error)
{
  IpaEsipaRelay *relay = user_data;
  g_autoptr(EsipaCancelSessionResponse) response = NULL;
  g_autoptr(GBytes) card_response = NULL;
  EsipaSessionRequest sent = *request;
  GError *local_error = NULL;

  /* The eIM knows the session by the transactionId of the request, also after a restart. */
  if (relay->minimize)
    {
      card_response = esipa_minimize_cancel_session_response (request->card_response, request->transaction_id,
                                                              &local_error);
      card_response = compact_or_full (request->card_response, card_response, local_error, "CancelSessionResponse");
      sent.card_response = card_response;
    }
  if (!esipa_cancel_session (relay->client, &sent, &response, error))
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
  IpaEsipaRelay *relay = user_data;
  g_autoptr(GBytes) compact = NULL;
  EsipaNotification notification = { .kind = ESIPA_NOTIFICATION_PENDING,
                                     .pending_notification = pending_notification };
  GError *local_error = NULL;

  /* Only the result of the session this relay ran: the eIM rebuilds its metadata from that session. */
  if (relay->minimize && relay->transaction_id != NULL)
    {
      compact = esipa_minimize_profile_installation_result (pending_notification, relay->transaction_id,
                                                            relay->server_address, &local_error);
      compact = compact_or_full (pending_notification, compact, local_error, "ProfileInstallationResult");
      notification.pending_notification = compact;
    }
  return esipa_handle_notification (relay->client, &notification, error);
}

void
ipa_download_server_esipa (IpaDownloadServer *server, IpaEsipaRelay *relay, EsipaClient *client,
                           const gchar *name, gboolean minimize, const IpaEimHoldings *holdings, const guint8 *eid)
{
  relay->client = client;
  relay->minimize = minimize;
  relay->holdings = holdings;
  relay->eid = eid;
  server->name = name;
  server->initiate_authentication = initiate_authentication;
  server->authenticate_client = authenticate_client;
  server->get_bound_profile_package = get_bound_profile_package;
  server->cancel_session = cancel_session;
  server->handle_notification = handle_notification;
  server->user_data = relay;
}
