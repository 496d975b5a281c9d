/* SPDX-License-Identifier: Apache-2.0 */
/* A profile download trigger (SGP.32 3.2.3.2). This version of euiccd does not download profiles yet: it
 * answers the trigger with profileDownloadError so the eIM learns at once instead of waiting, and the answer
 * is stored first like every result the eUICC does not keep. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "euiccd-error.h"
#include "ipa/ipa-context.h"
#include "ipa/ipa-private.h"
#include "net/esipa-asn1.h"

gboolean
ipa_run_download_trigger (IpaExchange *exchange, const EsipaEimPackage *package, GError **error)
{
  const EsipaProfileDownloadTrigger *trigger = package->download_trigger;
  g_autoptr(GBytes) result_tlv = NULL;
  g_autoptr(EsipaProvideResultResponse) response = NULL;
  EsipaEimPackageResult answer = { 0 };

  result_tlv = esipa_asn1_encode_profile_download_error (trigger->eim_transaction_id,
                                                         ESIPA_PROFILE_DOWNLOAD_ERROR_UNDEFINED, NULL, error);
  if (result_tlv == NULL)
    return FALSE;
  answer.eid = exchange->eid;
  answer.kind = ESIPA_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT;
  answer.profile_download_trigger_result = result_tlv;
  if (!ipa_send_durable_result (exchange, &answer, trigger->eim_transaction_id, &response, error))
    return FALSE;
  ipa_exchange_report (exchange, trigger->eim_transaction_id, "profileDownload", "notSupported",
                       "profile download is not available in this version; answered profileDownloadError");
  return TRUE;
}
