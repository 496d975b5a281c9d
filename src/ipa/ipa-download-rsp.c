/* SPDX-License-Identifier: Apache-2.0 */
/* The server side of a direct download (SGP.32 3.2.3.1): the IPA speaks ES9+ to the SM-DP+ itself, or ES11 to an
 * SM-DS to find the event, over one RspClient (one connection) per server. The TLS trust is chosen when the first
 * call goes out, from the CI key identifiers of the EUICCInfo1 that call carries: only a CI the eUICC trusts is
 * an anchor. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-download-private.h"
#include "net/es11-client.h"
#include "net/es9plus-client.h"

struct _IpaRspServer {
  IpaDownloadServer server;
  HttpsClient *https;                 /* borrowed */
  const SmdpTrustStore *ci;           /* borrowed */
  IsdrSession *session;               /* borrowed: EUICCInfo1 for a call that is not the first of a session */
  RspServerKind kind;
  gchar *address;
  gchar *name;
  RspClient *client;                  /* begun at the first call */
};

void
ipa_rsp_server_free (IpaRspServer *rsp)
{
  if (rsp == NULL)
    return;
  g_clear_pointer (&rsp->client, rsp_client_end);
  g_free (rsp->address);
  g_free (rsp->name);
  g_free (rsp);
}

/* The value of the one TLV `tlv` (the ESipa-shaped structs the download runs on keep 5F37 and 04 untagged). */
static GBytes *
tlv_value (GBytes *tlv)
{
  DerTlv parsed;

  if (tlv == NULL || !der_parse_single (g_bytes_get_data (tlv, NULL), g_bytes_get_size (tlv), &parsed, NULL))
    return NULL;
  return g_bytes_new (parsed.value, parsed.length);
}

static gboolean
begin (IpaRspServer *rsp, GBytes *euicc_info1, GError **error)
{
  g_autoptr(Es10EuiccInfo1) info1 = NULL;
  g_autoptr(HttpsTrust) trust = NULL;

  if (rsp->client != NULL)
    return TRUE;
  info1 = es10_get_euicc_info1_decode (g_bytes_get_data (euicc_info1, NULL), g_bytes_get_size (euicc_info1), error);
  if (info1 == NULL)
    return FALSE;
  trust = smdp_trust_store_select (rsp->ci, info1->ci_pkids_verification, error);
  if (trust == NULL)
    {
      g_prefix_error (error, "%s: ", rsp->name);
      return FALSE;
    }
  rsp->client = rsp_client_begin (rsp->https, rsp->kind, rsp->address, trust, error);
  return rsp->client != NULL;
}

/* For CancelSession or HandleNotification after a restart, when InitiateAuthentication did not run here. */
static gboolean
ensure_client (IpaRspServer *rsp, GError **error)
{
  g_autoptr(Es10EuiccInfo1) info1 = NULL;

  if (rsp->client != NULL)
    return TRUE;
  if (!es10_get_euicc_info1 (rsp->session, &info1, error))
    return FALSE;
  return begin (rsp, info1->raw, error);
}

static gboolean
initiate_authentication (gpointer user_data, const EsipaInitiateAuthenticationRequest *request,
                         EsipaInitiateAuthenticationResponse **ret_response, GError **error)
{
  IpaRspServer *rsp = user_data;
  g_autoptr(RspInitiateAuthenticationResponse) answer = NULL;
  RspInitiateAuthenticationRequest call = { 0 };
  EsipaInitiateAuthenticationResponse *response;
  gboolean ok;

  if (!begin (rsp, request->euicc_info1, error))
    return FALSE;
  memcpy (call.euicc_challenge, request->euicc_challenge, sizeof call.euicc_challenge);
  call.euicc_info1 = request->euicc_info1;
  call.server_address = rsp->address;
  ok = rsp->kind == RSP_SERVER_SMDS ? es11_initiate_authentication (rsp->client, &call, &answer, error)
                                    : es9plus_initiate_authentication (rsp->client, &call, &answer, error);
  if (!ok)
    return FALSE;
  response = g_new0 (EsipaInitiateAuthenticationResponse, 1);
  response->transaction_id = g_bytes_ref (answer->transaction_id);
  response->server_signed1 = g_bytes_ref (answer->server_signed1);
  response->server_signature1 = tlv_value (answer->server_signature1);
  response->euicc_ci_pkid_to_be_used = tlv_value (answer->euicc_ci_pkid_to_be_used);
  response->server_certificate = g_bytes_ref (answer->server_certificate);
  *ret_response = response;
  return TRUE;
}

/* The SM-DS's first event as the trigger an eIM would relay: activation code 1$<SM-DP+ address>$<eventId>. */
static EsipaProfileDownloadTrigger *
event_trigger (const Es11AuthenticateClientResponse *answer)
{
  EsipaProfileDownloadTrigger *trigger;
  const Es11EventEntry *event;

  if (answer->events == NULL || answer->events->len == 0)
    return NULL;
  event = g_ptr_array_index (answer->events, 0);
  trigger = g_new0 (EsipaProfileDownloadTrigger, 1);
  trigger->kind = ESIPA_DOWNLOAD_DATA_ACTIVATION_CODE;
  trigger->activation_code = g_strdup_printf ("1$%s$%s", event->rsp_server_address, event->event_id);
  return trigger;
}

static gboolean
authenticate_client (gpointer user_data, const EsipaSessionRequest *request,
                     EsipaAuthenticateClientResponse **ret_response, GError **error)
{
  IpaRspServer *rsp = user_data;
  RspSessionRequest call = { .transaction_id = request->transaction_id, .card_response = request->card_response };
  EsipaAuthenticateClientResponse *response;

  if (rsp->kind == RSP_SERVER_SMDS)
    {
      g_autoptr(Es11AuthenticateClientResponse) events = NULL;

      if (!es11_authenticate_client (rsp->client, &call, &events, error))
        return FALSE;
      response = g_new0 (EsipaAuthenticateClientResponse, 1);
      response->kind = ESIPA_AUTHENTICATE_CLIENT_OK_DS;
      response->transaction_id = events->transaction_id != NULL ? g_bytes_ref (events->transaction_id) : NULL;
      response->download_trigger = event_trigger (events);
    }
  else
    {
      g_autoptr(Es9AuthenticateClientResponse) answer = NULL;

      if (!es9plus_authenticate_client (rsp->client, &call, &answer, error))
        return FALSE;
      response = g_new0 (EsipaAuthenticateClientResponse, 1);
      response->kind = ESIPA_AUTHENTICATE_CLIENT_OK_DP;
      response->transaction_id = answer->transaction_id != NULL ? g_bytes_ref (answer->transaction_id) : NULL;
      response->profile_metadata = answer->profile_metadata != NULL ? g_bytes_ref (answer->profile_metadata) : NULL;
      response->smdp_signed2 = g_bytes_ref (answer->smdp_signed2);
      response->smdp_signature2 = tlv_value (answer->smdp_signature2);
      response->smdp_certificate = g_bytes_ref (answer->smdp_certificate);
    }
  *ret_response = response;
  return TRUE;
}

static gboolean
get_bound_profile_package (gpointer user_data, const EsipaSessionRequest *request,
                           EsipaGetBoundProfilePackageResponse **ret_response, GError **error)
{
  IpaRspServer *rsp = user_data;
  RspSessionRequest call = { .transaction_id = request->transaction_id, .card_response = request->card_response };
  g_autoptr(Es9GetBoundProfilePackageResponse) answer = NULL;
  EsipaGetBoundProfilePackageResponse *response;

  if (!es9plus_get_bound_profile_package (rsp->client, &call, &answer, error))
    return FALSE;
  response = g_new0 (EsipaGetBoundProfilePackageResponse, 1);
  response->transaction_id = answer->transaction_id != NULL ? g_bytes_ref (answer->transaction_id) : NULL;
  response->bound_profile_package = g_bytes_ref (answer->bound_profile_package);
  *ret_response = response;
  return TRUE;
}

static gboolean
cancel_session (gpointer user_data, const EsipaSessionRequest *request, GError **error)
{
  IpaRspServer *rsp = user_data;
  RspSessionRequest call = { .transaction_id = request->transaction_id, .card_response = request->card_response };

  if (!ensure_client (rsp, error))
    return FALSE;
  /* An SM-DS holds no download session; ES11 has no CancelSession. */
  if (rsp->kind == RSP_SERVER_SMDS)
    return TRUE;
  return es9plus_cancel_session (rsp->client, &call, error);
}

static gboolean
handle_notification (gpointer user_data, GBytes *pending_notification, GError **error)
{
  IpaRspServer *rsp = user_data;
  Es9HandleNotificationRequest call = { .pending_notification = pending_notification };

  if (!ensure_client (rsp, error))
    return FALSE;
  return es9plus_handle_notification (rsp->client, &call, error);
}

IpaRspServer *
ipa_rsp_server_new (const IpaRspAccess *access, IsdrSession *session, gboolean smds, const gchar *address)
{
  IpaRspServer *rsp = g_new0 (IpaRspServer, 1);

  rsp->https = access->https;
  rsp->session = session;
  rsp->ci = access->ci;
  rsp->kind = smds ? RSP_SERVER_SMDS : RSP_SERVER_SMDP;
  rsp->address = g_strdup (address);
  rsp->name = g_strdup_printf ("%s %s", smds ? "SM-DS" : "SM-DP+", address);
  rsp->server.name = rsp->name;
  rsp->server.initiate_authentication = initiate_authentication;
  rsp->server.authenticate_client = authenticate_client;
  rsp->server.get_bound_profile_package = get_bound_profile_package;
  rsp->server.cancel_session = cancel_session;
  rsp->server.handle_notification = handle_notification;
  rsp->server.user_data = rsp;
  return rsp;
}

const IpaDownloadServer *
ipa_rsp_server_get (IpaRspServer *rsp)
{
  return &rsp->server;
}
