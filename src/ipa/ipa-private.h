/* SPDX-License-Identifier: Apache-2.0 */
/* The procedures the exchange loop (ipa-exchange.c) dispatches to. They reach what an exchange shares through
 * ipa-context.h, never through the loop. Not for use outside src/ipa/. */
#pragma once

#include "ipa/ipa-exchange.h"

G_BEGIN_DECLS

/* The handlers of the three package kinds, and of a package that cannot be used. */
gboolean ipa_run_euicc_package (IpaExchange *exchange, const EsipaEimPackage *package, GError **error);
gboolean ipa_run_ipa_euicc_data (IpaExchange *exchange, const EsipaEimPackage *package, GError **error);
gboolean ipa_run_download_trigger (IpaExchange *exchange, const EsipaEimPackage *package, GError **error);
/* A download session a crash cut short for this exchange's eIM: cancelled, and its outcome sent. */
gboolean ipa_download_recover_for_eim (IpaExchange *exchange, GError **error);
gboolean ipa_answer_unusable (IpaExchange *exchange, const EsipaUnusablePackage *unusable, const GError *why,
                              GError **error);

/* Undelivered results and notifications from earlier exchanges (outbox and eUICC). Every item is tried; FALSE
 * with the first failure that may pass (the items concerned stay for the next exchange). */
gboolean ipa_deliver_pending (IpaExchange *exchange, GError **error);

G_END_DECLS
