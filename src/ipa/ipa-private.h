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
/* Before LoadEuiccPackage. When the package enables a profile with rollbackFlag, its record is written
 * (IpaExchange.rollback_journal) and returned in *ret_record (NULL for any other package). FALSE when the record
 * could not be written: the package is not run. */
gboolean ipa_rollback_begin (IpaExchange *exchange, const EsipaEimPackage *package, const gchar *operation,
                             IpaRollbackRecord **ret_record, GError **error);
/* The package needs no rollback (the enable failed, the package did not run): the record goes. */
void ipa_rollback_forget (IpaExchange *exchange);
/* ipa_send_result() over the new profile, tried for what is left of attach_timeout_s since the record began;
 * when the eIM stays unreachable, ES10b ProfileRollback (*ret_rolled_back set; the outcome "rolled-back" is
 * reported), then the eUICC's results, the package's and the rollback's, read again and delivered over the
 * previous profile. FALSE when something stays for the next poll, or when the daemon is stopping
 * (exchange->stopped; the record stays for the next start). */
gboolean ipa_rollback_send_result (IpaExchange *exchange, const IpaRollbackRecord *record,
                                   const EsipaEimPackageResult *result, const gchar *stored_key, gboolean kept_by_card,
                                   GBytes *transaction_id, EsipaProvideResultResponse **ret_response,
                                   gboolean *ret_rolled_back, GError **error);
/* At the start of an exchange: a record this eIM's enable with rollbackFlag left (a crash, a stop) is taken up
 * where it stopped, from what the eUICC's list holds: the rollback ran (reported now), or the package's result
 * still waits (tried over the new profile for what is left of the wait, then ProfileRollback), or neither (the
 * eIM got the result). FALSE with the failure; the items stay for the delivery that follows. */
gboolean ipa_rollback_resume (IpaExchange *exchange, GError **error);

G_END_DECLS
