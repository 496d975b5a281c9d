/* SPDX-License-Identifier: Apache-2.0 */
/* A profile download trigger from the eIM (SGP.32 3.2.3.2): the download runs through the eIM, which relays
 * each call to the SM-DP+ (and, for contactSmds, first to the SM-DS). The eIM gets the
 * profileDownloadTriggerResult, stored first like every result the eUICC does not keep, and then the install
 * notification, which it passes on to the SM-DP+. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-activation-code.h"
#include "ipa/ipa-context.h"
#include "ipa/ipa-download-private.h"
#include "ipa/ipa-private.h"
#include "net/esipa-asn1.h"

/* What the exchange gives every download step. */
typedef struct {
  IpaDownloadServer server;          /* the eIM, relaying */
  IpaEsipaRelay relay;
  IpaRspServer *rsp;                 /* direct: the SM-DP+ or SM-DS spoken to now */
  const IpaRspAccess *access;        /* NULL: downloads go through the eIM */
  IpaDownloadContext context;
  gchar *server_name;
  GBytes *device_info;
} TriggerRun;

static void
on_step (const gchar *name, gpointer user_data)
{
  ipa_exchange_step (user_data, name);
}

static void
trigger_run_clear (TriggerRun *run)
{
  g_free (run->server_name);
  ipa_esipa_relay_clear (&run->relay);
  g_clear_pointer (&run->rsp, ipa_rsp_server_free);
  g_clear_pointer (&run->device_info, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TriggerRun, trigger_run_clear)

static gboolean
trigger_run_init (TriggerRun *run, IpaExchange *exchange, GError **error)
{
  static const EsipaDeviceInfo no_device_info;
  IsdrSession *session = ipa_exchange_session (exchange, error);

  if (session == NULL)
    return FALSE;
  run->server_name = g_strdup_printf ("eIM %s", exchange->eim->eim_id);
  ipa_download_server_esipa (&run->server, &run->relay, exchange->esipa, run->server_name,
                             exchange->device != NULL
                               && (exchange->device->ipa_features & ESIPA_IPA_FEATURE_MINIMIZE_ESIPA_BYTES) != 0,
                             exchange->eim_holdings, exchange->eid);
  run->device_info = esipa_asn1_encode_device_info_contents (
    exchange->device != NULL && exchange->device->device_info != NULL ? exchange->device->device_info
                                                                      : &no_device_info);
  run->context.session = session;
  run->context.server = &run->server;
  run->context.journal = exchange->download_journal;
  run->context.device_info = run->device_info;
  run->context.step = on_step;
  run->context.step_data = exchange;
  run->access = exchange->rsp_access;
  return TRUE;
}

/* The server the next steps speak to: the SM-DP+ (or SM-DS) at `address` itself when direct download is
 * possible, else the eIM relaying to it. */
static void
use_server (TriggerRun *run, gboolean smds, const gchar *address)
{
  if (run->access == NULL)
    return;
  g_clear_pointer (&run->rsp, ipa_rsp_server_free);
  run->rsp = ipa_rsp_server_new (run->access, run->context.session, smds, address);
  run->context.server = ipa_rsp_server_get (run->rsp);
}

/* The SM-DP+ address and matching ID the trigger stands for; contactSmds asks the SM-DS first. */
static IpaActivationCode *
resolve (IpaExchange *exchange, TriggerRun *run, const EsipaProfileDownloadTrigger *trigger, GError **error)
{
  g_autoptr(Es10ConfiguredAddresses) addresses = NULL;
  g_autofree gchar *discovered = NULL;
  IpaActivationCode *code;
  IpaDownloadOrder order = { 0 };

  switch (trigger->kind)
    {
    case ESIPA_DOWNLOAD_DATA_ACTIVATION_CODE:
      code = ipa_activation_code_parse (trigger->activation_code, error);
      if (code == NULL)
        g_prefix_error (error, "The trigger's activation code: ");
      return code;
    case ESIPA_DOWNLOAD_DATA_CONTACT_DEFAULT_SMDP:
    case ESIPA_DOWNLOAD_DATA_CONTACT_SMDS:
      break;
    case ESIPA_DOWNLOAD_DATA_NONE:
    default:
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "The trigger carries no profileDownloadData");
      return NULL;
    }

  if (!es10_get_euicc_configured_addresses (run->context.session, &addresses, error))
    return NULL;
  if (trigger->kind == ESIPA_DOWNLOAD_DATA_CONTACT_DEFAULT_SMDP)
    {
      if (addresses->default_dp_address == NULL || addresses->default_dp_address[0] == '\0')
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "contactDefaultSmdp: the eUICC has no default "
                       "SM-DP+ address");
          return NULL;
        }
      code = g_new0 (IpaActivationCode, 1);
      code->smdp_address = g_strdup (addresses->default_dp_address);
      code->matching_id = g_strdup ("");
      return code;
    }

  order.smdp_address = trigger->smds_address != NULL ? trigger->smds_address : addresses->root_ds_address;
  if (order.smdp_address == NULL || order.smdp_address[0] == '\0')
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "contactSmds: no SM-DS address in the trigger and "
                   "none on the eUICC");
      return NULL;
    }
  order.eim_transaction_id = trigger->eim_transaction_id;
  order.eim_id = exchange->eim->eim_id;
  order.direct = run->access != NULL;
  use_server (run, TRUE, order.smdp_address);
  discovered = ipa_download_discover (&run->context, &order, error);
  if (discovered == NULL)
    {
      g_prefix_error (error, "SM-DS event retrieval: ");
      return NULL;
    }
  code = ipa_activation_code_parse (discovered, error);
  if (code == NULL)
    g_prefix_error (error, "The SM-DS event's activation code: ");
  return code;
}

/* The profileDownloadTriggerResult: the eUICC's result, or profileDownloadError. */
static GBytes *
trigger_result (GBytes *eim_transaction_id, const Es10ProfileInstallationResult *result, GError **error)
{
  if (result != NULL)
    return esipa_asn1_encode_profile_download_result (eim_transaction_id, result->raw, error);
  return esipa_asn1_encode_profile_download_error (eim_transaction_id, ESIPA_PROFILE_DOWNLOAD_ERROR_UNDEFINED, NULL,
                                                   error);
}

/* The outcome for the history, and the install notification on to the SM-DP+ through the eIM. */
static void
report_result (IpaExchange *exchange, TriggerRun *run, GBytes *eim_transaction_id,
               const Es10ProfileInstallationResult *result)
{
  g_autofree gchar *detail = NULL;

  if (result->success)
    {
      exchange->profiles_changed = TRUE;
      ipa_exchange_report (exchange, eim_transaction_id, "profileDownload", "installed", NULL);
    }
  else
    {
      detail = g_strdup_printf ("the eUICC refused the package: bppCommandId %" G_GINT64_FORMAT ", errorReason %"
                                G_GINT64_FORMAT, result->bpp_command_id, result->error_reason);
      ipa_exchange_report (exchange, eim_transaction_id, "profileDownload", "installFailed", detail);
    }
  ipa_download_deliver_notification (&run->context, result);
  if (result->success && ipa_download_immediate_enable (&run->context))
    ipa_exchange_report (exchange, eim_transaction_id, "immediateEnable", "ok", NULL);
}

/* Ends a download (`result` NULL: it failed): the trigger result goes to the outbox, then the record says so,
 * then the eIM gets the result and the SM-DP+ the notification; the record goes last (`remove_record`: after a
 * failure ipa_download_run() already removed it, unless the eUICC could not be told). A crash at any point
 * leaves what the restart needs to finish (ipa_download_recover_for_eim()). */
static gboolean
finish (IpaExchange *exchange, TriggerRun *run, const IpaDownloadOrder *order,
        const Es10ProfileInstallationResult *result, gboolean remove_record, GError **error)
{
  g_autoptr(GBytes) result_tlv = trigger_result (order->eim_transaction_id, result, error);
  g_autoptr(EsipaProvideResultResponse) response = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *key = NULL;
  EsipaEimPackageResult answer = { 0 };

  if (result_tlv == NULL)
    return FALSE;
  answer.eid = exchange->eid;
  answer.kind = ESIPA_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT;
  answer.profile_download_trigger_result = result_tlv;
  key = ipa_store_result (exchange, &answer, order->eim_transaction_id);
  if (result != NULL && key != NULL && !ipa_download_journal_installed (&run->context, order, result, &local_error))
    g_warning ("%s", local_error->message);
  if (!ipa_send_result (exchange, &answer, key, FALSE, order->eim_transaction_id, &response, error))
    return FALSE;
  if (result != NULL)
    report_result (exchange, run, order->eim_transaction_id, result);
  if (remove_record)
    ipa_download_journal_done (&run->context);
  return TRUE;
}

gboolean
ipa_run_download_trigger (IpaExchange *exchange, const EsipaEimPackage *package, GError **error)
{
  const EsipaProfileDownloadTrigger *trigger = package->download_trigger;
  g_auto(TriggerRun) run = { 0 };
  g_autoptr(IpaActivationCode) code = NULL;
  g_autoptr(Es10ProfileInstallationResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  IpaDownloadOrder order = { .eim_transaction_id = trigger->eim_transaction_id, .eim_id = exchange->eim->eim_id };

  if (trigger_run_init (&run, exchange, &local_error))
    code = resolve (exchange, &run, trigger, &local_error);
  if (code != NULL)
    {
      order.smdp_address = code->smdp_address;
      order.matching_id = code->matching_id;
      order.direct = run.access != NULL;
      use_server (&run, FALSE, code->smdp_address);
      ipa_download_run (&run.context, &order, &result, &local_error);
    }
  if (result == NULL)
    {
      /* The eIM learns at once; the SM-DP+ session, if any, was cancelled. */
      g_warning ("eIM %s: profile download failed: %s", exchange->eim->eim_id, local_error->message);
      ipa_exchange_report (exchange, trigger->eim_transaction_id, "profileDownload", "failed", local_error->message);
    }
  return finish (exchange, &run, &order, result, result != NULL, error);
}

gboolean
ipa_download_recover_for_eim (IpaExchange *exchange, GError **error)
{
  const IpaDownloadJournal *journal = exchange->download_journal;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(IpaDownloadRecord) record = NULL;
  g_autoptr(Es10ProfileInstallationResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(TriggerRun) run = { 0 };
  IpaDownloadOrder order = { 0 };

  if (journal == NULL)
    return TRUE;
  bytes = journal->load (journal->user_data, &local_error);
  if (bytes == NULL)
    {
      if (!g_error_matches (local_error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND))
        g_warning ("Reading the download session record: %s", local_error->message);
      return TRUE;
    }
  record = ipa_download_record_decode (bytes, &local_error);
  if (record == NULL)
    {
      g_warning ("%s; the record is removed", local_error->message);
      g_clear_error (&local_error);
      if (!journal->remove (journal->user_data, &local_error))
        g_warning ("Removing the download session record: %s", local_error->message);
      return TRUE;
    }
  if (g_strcmp0 (record->eim_id, exchange->eim->eim_id) != 0)
    return TRUE;
  order.smdp_address = record->server;
  order.eim_transaction_id = record->eim_transaction_id;
  order.eim_id = record->eim_id;
  g_message ("eIM %s: a profile download was cut short by a restart; finishing it", exchange->eim->eim_id);
  order.direct = record->direct;
  if (!trigger_run_init (&run, exchange, error))
    return FALSE;
  if (record->direct && record->server != NULL)
    use_server (&run, FALSE, record->server);
  if (!ipa_download_recover (&run.context, record, &result, error))
    return FALSE;
  if (record->installed)
    {
      /* The result is in the outbox already; only the notification may be left. */
      if (result != NULL)
        report_result (exchange, &run, record->eim_transaction_id, result);
      ipa_download_journal_done (&run.context);
      return TRUE;
    }
  if (result == NULL)
    ipa_exchange_report (exchange, record->eim_transaction_id, "profileDownload", "failed",
                         "the download was cut short by a restart; its session was cancelled");
  return finish (exchange, &run, &order, result, TRUE, error);
}
