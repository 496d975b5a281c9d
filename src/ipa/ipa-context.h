/* SPDX-License-Identifier: Apache-2.0 */
/* What the procedures of one exchange share: the card session and the lists as last read, the outbox, the dead
 * letters, the reports. The exchange loop and the procedures it dispatches to (ipa-private.h) call these; these
 * call neither, so calls go one way. Not for use outside src/ipa/. */
#pragma once

#include "ipa/ipa-exchange.h"

G_BEGIN_DECLS

/* The ISD-R session, opened on first use. */
IsdrSession *ipa_exchange_session (IpaExchange *exchange, GError **error);
void ipa_exchange_step (IpaExchange *exchange, const gchar *step);
void ipa_exchange_report (IpaExchange *exchange, GBytes *transaction_id, const gchar *operation, const gchar *result,
                          const gchar *detail);

/* Writes a result the eUICC does not keep to the outbox; returns its key. Until removed, every later exchange
 * delivers it with HandleNotification. NULL when the outbox could not be written: the problem is logged and
 * reported (storage_failed), and the caller sends the result all the same. */
gchar *ipa_store_result (IpaExchange *exchange, const EsipaEimPackageResult *result, GBytes *transaction_id);
/* Sends a ProvideEimPackageResult. TRUE when the eIM answered: it accepted (*ret_response is set; `stored_key`,
 * from ipa_store_result() or NULL, is removed from the outbox), or it refused the result for good
 * (*ret_response is NULL; a result the eUICC does not keep goes to the dead letters, one it keeps stays there
 * for the next delivery). FALSE when the failure may pass: the stored copy stays for the next exchange. */
gboolean ipa_send_result (IpaExchange *exchange, const EsipaEimPackageResult *result, const gchar *stored_key,
                          gboolean kept_by_card, GBytes *transaction_id, EsipaProvideResultResponse **ret_response,
                          GError **error);
/* ipa_store_result() then ipa_send_result(): for results that exist only in the IPA's memory. */
gboolean ipa_send_durable_result (IpaExchange *exchange, const EsipaEimPackageResult *result, GBytes *transaction_id,
                                  EsipaProvideResultResponse **ret_response, GError **error);
/* The eUICC's profile notifications (`package_results` FALSE) or its eUICC package results: read from the card
 * when `fresh` or when not read yet in this card session, else as last read (IpaCardLists). The answer is the
 * last list of that kind; the exchange (or the session's IpaCardLists) owns it. */
const Es10PendingNotificationList *ipa_read_list (IpaExchange *exchange, gboolean package_results, gboolean fresh,
                                                  GError **error);
/* RemoveNotificationFromList, and the item leaves the lists as last read. A removal that fails is logged and
 * ends nothing (cleanup_failed is set): the next read of the list tells the truth. */
void ipa_remove_from_card (IpaExchange *exchange, gint64 seq_number);
/* Whether the list item is for this exchange's eIM (ipa-ownership.h). */
gboolean ipa_item_is_ours (IpaExchange *exchange, const Es10PendingNotification *n);
/* A notification from the eUICC (a PendingNotification TLV) as this exchange sends it to the eIM: when the IPA
 * announces minimizeEsipaBytes, in the compact form SGP.32 defines (esipa-minimize.h), with eidValue when
 * `with_eid` (the ESipa message around it names no EID); otherwise as the eUICC gave it. A new reference. */
GBytes *ipa_notification_for_eim (IpaExchange *exchange, GBytes *notification, gboolean with_eid);
/* Removes from the eUICC each seqNumber the eIM acknowledged, except those the last lists read show to be held
 * for another eIM or an SM-DP+ (a kind not read yet in this exchange is read first when an acknowledged
 * seqNumber is not accounted for). `response` may be NULL (the eIM refused). Failures end nothing, as above. */
void ipa_remove_acknowledged (IpaExchange *exchange, const EsipaProvideResultResponse *response);

/* After a failed ESipa call: why the eIM refused the item for good, or NULL when the failure may pass. */
gchar *ipa_exchange_refusal (IpaExchange *exchange);
/* Sets a refused item aside (IpaOutbox.bury) and counts it; when that fails the item stays where it is. */
gboolean ipa_exchange_bury (IpaExchange *exchange, const gchar *key, const IpaDeadLetter *letter);
/* Reports the entries of an eUICC list answer that could not be decoded (`skipped`: of Es10SkippedEntry, may be
 * NULL). */
void ipa_exchange_note_skipped (IpaExchange *exchange, const gchar *list, const GPtrArray *skipped);

G_END_DECLS
