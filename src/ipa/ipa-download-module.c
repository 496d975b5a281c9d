/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's side of the profile download module (ipa-download-module.h): the download entry points load
 * the module on first use and call it. Linked into the daemon only, ahead of the library, so that the
 * library's own download code stays out of the program. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "euiccd-error.h"
#include "euiccd-module.h"
#include "ipa/ipa-context.h"
#include "ipa/ipa-download-module.h"
#include "net/esipa-asn1.h"

static EuiccdModule module_file = {
  .name = IPA_DOWNLOAD_MODULE_NAME, .what = "Profile download",
  .symbol = IPA_DOWNLOAD_MODULE_SYMBOL, .shared_sizes = IPA_DOWNLOAD_MODULE_SHARED_SIZES,
};

static const IpaDownloadModule *
load (GError **error)
{
  return euiccd_module_get (&module_file, error);
}

/* Whether the journal holds a session record: only then is there something to recover, and the module needed. */
static gboolean
journal_has_record (const IpaDownloadJournal *journal)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (journal == NULL)
    return FALSE;
  bytes = journal->load (journal->user_data, &error);
  return bytes != NULL || !g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND);
}

gboolean
ipa_run_download_trigger (IpaExchange *exchange, const EsipaEimPackage *package, GError **error)
{
  const EsipaProfileDownloadTrigger *trigger = package->download_trigger;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) result_tlv = NULL;
  g_autoptr(EsipaProvideResultResponse) response = NULL;
  const IpaDownloadModule *module = load (&local_error);
  EsipaEimPackageResult answer = { 0 };

  if (module != NULL)
    return module->run_download_trigger (exchange, package, error);
  /* The eIM learns at once, as of any download that failed before the eUICC gave a result. */
  g_warning ("eIM %s: profile download failed: %s", exchange->eim->eim_id, local_error->message);
  ipa_exchange_report (exchange, trigger->eim_transaction_id, "profileDownload", "failed", local_error->message);
  result_tlv = esipa_asn1_encode_profile_download_error (trigger->eim_transaction_id,
                                                         ESIPA_PROFILE_DOWNLOAD_ERROR_UNDEFINED, NULL, error);
  if (result_tlv == NULL)
    return FALSE;
  answer.eid = exchange->eid;
  answer.kind = ESIPA_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT;
  answer.profile_download_trigger_result = result_tlv;
  return ipa_send_durable_result (exchange, &answer, trigger->eim_transaction_id, &response, error);
}

gboolean
ipa_download_recover_for_eim (IpaExchange *exchange, GError **error)
{
  const IpaDownloadModule *module;

  if (!journal_has_record (exchange->download_journal))
    return TRUE;
  module = load (error);
  return module != NULL && module->recover_for_eim (exchange, error);
}

gboolean
ipa_download_by_device (const IpaDeviceDownload *request, const IpaActivationCode *code,
                        const gchar *confirmation_code, Es10ProfileInstallationResult **ret_result, GError **error)
{
  const IpaDownloadModule *module = load (error);

  return module != NULL && module->download_by_device (request, code, confirmation_code, ret_result, error);
}

gboolean
ipa_download_recover_device (IsdrSession *session, const IpaRspAccess *access, const IpaDownloadJournal *journal,
                             GError **error)
{
  const IpaDownloadModule *module;

  if (access == NULL || !journal_has_record (journal))
    return TRUE;
  module = load (error);
  return module != NULL && module->recover_device (session, access, journal, error);
}
