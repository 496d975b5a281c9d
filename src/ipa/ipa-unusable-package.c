/* SPDX-License-Identifier: Apache-2.0 */
/* A package that cannot be used (it does not decode, or the eUICC gave nothing to report for it) is answered
 * with an EimPackageResultErrorCode, naming its transaction, so the eIM learns what became of it. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "ipa/ipa-context.h"
#include "ipa/ipa-private.h"

gboolean
ipa_answer_unusable (IpaExchange *exchange, const EsipaUnusablePackage *unusable, const GError *why, GError **error)
{
  g_autoptr(EsipaProvideResultResponse) response = NULL;
  EsipaEimPackageResult result = { 0 };
  const gchar *name = unusable->result_error_code == ESIPA_PACKAGE_RESULT_ERROR_INVALID_PACKAGE_FORMAT
                        ? "invalidPackageFormat"
                        : unusable->result_error_code == ESIPA_PACKAGE_RESULT_ERROR_UNKNOWN_PACKAGE ? "unknownPackage"
                                                                                                    : "undefinedError";

  result.eid = exchange->eid;
  result.kind = ESIPA_RESULT_ERROR;
  result.eim_transaction_id = unusable->eim_transaction_id;
  result.error_code = unusable->result_error_code;
  ipa_exchange_report (exchange, unusable->eim_transaction_id, "unusablePackage", name, why->message);
  return ipa_send_durable_result (exchange, &result, unusable->eim_transaction_id, &response, error);
}
