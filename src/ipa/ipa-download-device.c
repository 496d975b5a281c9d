/* SPDX-License-Identifier: Apache-2.0 */
/* A profile download the device itself asked for (an activation code given over D-Bus), relayed by the eIM
 * over ESipa like a triggered one. The install notification goes on to the SM-DP+ through the eIM. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "euiccd-error.h"
#include "ipa/ipa-download-private.h"
#include "net/esipa-asn1.h"

gboolean
ipa_download_by_device (const IpaDeviceDownload *request, const IpaActivationCode *code,
                        const gchar *confirmation_code, Es10ProfileInstallationResult **ret_result, GError **error)
{
  static const EsipaDeviceInfo no_device_info;
  g_autofree gchar *name = NULL;
  g_autoptr(GBytes) device_info = esipa_asn1_encode_device_info_contents (
    request->device_info != NULL ? request->device_info : &no_device_info);
  g_autoptr(IpaRspServer) rsp = NULL;
  IpaDownloadServer server = { 0 };
  g_auto (IpaEsipaRelay) relay = { 0 };
  IpaDownloadContext context = { 0 };
  IpaDownloadOrder order = { 0 };

  context.session = request->session;
  if (request->rsp != NULL)
    {
      rsp = ipa_rsp_server_new (request->rsp, request->session, FALSE, code->smdp_address);
      context.server = ipa_rsp_server_get (rsp);
      order.direct = TRUE;
    }
  else
    {
      name = g_strdup_printf ("eIM %s", request->eim_id);
      ipa_download_server_esipa (&server, &relay, request->esipa, name, request->minimize_esipa_bytes,
                                 request->eim_holdings, request->eid);
      context.server = &server;
    }
  context.journal = request->journal;
  context.device_info = device_info;
  context.step = request->step;
  context.step_data = request->step_data;
  order.smdp_address = code->smdp_address;
  order.matching_id = code->matching_id;
  order.eim_id = request->eim_id;
  order.confirmation_code = confirmation_code;
  if (code->confirmation_code_required && confirmation_code == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "The activation code says a confirmation code "
                   "is required, and none was given");
      return FALSE;
    }
  if (!ipa_download_run (&context, &order, ret_result, error))
    return FALSE;
  ipa_download_deliver_notification (&context, *ret_result);
  ipa_download_journal_done (&context);
  if ((*ret_result)->success)
    ipa_download_immediate_enable (&context);
  return TRUE;
}

gboolean
ipa_download_recover_device (IsdrSession *session, const IpaRspAccess *access, const IpaDownloadJournal *journal,
                             GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(IpaDownloadRecord) record = NULL;
  g_autoptr(Es10ProfileInstallationResult) result = NULL;
  g_autoptr(IpaRspServer) rsp = NULL;
  g_autoptr(GError) local_error = NULL;
  IpaDownloadContext context = { .session = session, .journal = journal };

  if (journal == NULL || access == NULL)
    return TRUE;
  bytes = journal->load (journal->user_data, &local_error);
  if (bytes == NULL)
    return TRUE;
  record = ipa_download_record_decode (bytes, &local_error);
  /* A damaged record, or one an eIM's exchange finishes: not this one's. */
  if (record == NULL || record->eim_id != NULL || !record->direct || record->server == NULL)
    return TRUE;
  g_message ("A direct profile download was cut short by a restart; finishing it");
  rsp = ipa_rsp_server_new (access, session, FALSE, record->server);
  context.server = ipa_rsp_server_get (rsp);
  if (!ipa_download_recover (&context, record, &result, error))
    return FALSE;
  if (result != NULL)
    ipa_download_deliver_notification (&context, result);
  ipa_download_journal_done (&context);
  return TRUE;
}
