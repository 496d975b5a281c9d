/* SPDX-License-Identifier: Apache-2.0 */
/* The procedures the exchange loop (ipa-exchange.c) dispatches to. They reach what an exchange shares through
 * ipa-context.h, never through the loop. Not for use outside src/ipa/. */
#pragma once

#include "ipa/ipa-exchange.h"

G_BEGIN_DECLS

/* The handlers of the three package kinds, and of a package that cannot be used. */
gboolean ipa_run_euicc_package (IpaExchange *exchange, const EsipaEimPackage *package, GError **error);
/* An eUICC package for a consumer (SGP.22) eUICC: checked by euiccd, run with ES10c (ipa-sgp22-package.c). */
gboolean ipa_sgp22_run_euicc_package (IpaExchange *exchange, const EsipaEimPackage *package, GError **error);
gboolean ipa_run_ipa_euicc_data (IpaExchange *exchange, const EsipaEimPackage *package, GError **error);
gboolean ipa_run_download_trigger (IpaExchange *exchange, const EsipaEimPackage *package, GError **error);
/* A download session a crash cut short for this exchange's eIM: cancelled, and its outcome sent. */
gboolean ipa_download_recover_for_eim (IpaExchange *exchange, GError **error);
gboolean ipa_answer_unusable (IpaExchange *exchange, const EsipaUnusablePackage *unusable, const GError *why,
                              GError **error);

/* Undelivered results and notifications from earlier exchanges (outbox and eUICC). Every item is tried; FALSE
 * with the first failure that may pass (the items concerned stay for the next exchange). */
gboolean ipa_deliver_pending (IpaExchange *exchange, GError **error);

/* Enable with rollback (ipa-rollback.c). Whether `result` is that of a package whose enable carried rollbackFlag
 * and succeeded: its result must then reach the eIM over the new profile. */
gboolean ipa_rollback_armed (const EsipaEimPackage *package, const Es10PendingNotification *result);
/* ipa_send_result() over the new profile, tried for attach_timeout_s; when the eIM stays unreachable, ES10b
 * ProfileRollback (*ret_rolled_back set), then the eUICC's results, the package's and the rollback's, read again
 * and delivered over the previous profile. FALSE when something stays for the next poll. */
gboolean ipa_rollback_send_result (IpaExchange *exchange, const EsipaEimPackageResult *result, const gchar *stored_key,
                                   gboolean kept_by_card, GBytes *transaction_id,
                                   EsipaProvideResultResponse **ret_response, gboolean *ret_rolled_back,
                                   GError **error);

G_END_DECLS
