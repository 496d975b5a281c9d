/* SPDX-License-Identifier: Apache-2.0 */
/* Notification delivery (SGP.32 3.7) and recovery: what an earlier exchange could not deliver goes to the eIM
 * with HandleNotification before new packages are fetched. Two sources:
 *  - the outbox: results the eUICC does not keep, stored before they were first sent, for this eIM only;
 *  - the eUICC: signed eUICC package results and profile notifications it keeps until removed; each goes only
 *    to the eIM it is for (ipa-ownership.h), the rest stays on the eUICC.
 * Each item leaves its source only after the eIM accepted it. A duplicate delivery is possible after a crash
 * between acceptance and removal; the eIM recognises it by its eimTransactionId or seqNumber. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-context.h"
#include "ipa/ipa-private.h"
#include "ipa/ipa-result-record.h"

/* The first failure that may pass is kept for the caller; later ones are only logged. */
static void
keep_first (GError **first, GError *error)
{
  if (*first == NULL)
    *first = error;
  else
    {
      g_warning ("%s", error->message);
      g_error_free (error);
    }
}

/* Sends one item with HandleNotification. TRUE when the eIM answered (accepted it, or refused it for good:
 * then *ret_refusal says why); FALSE with `error` when the failure may pass. */
static gboolean
hand_over (IpaExchange *exchange, const EsipaNotification *notification, gchar **ret_refusal, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  *ret_refusal = NULL;
  if (esipa_handle_notification (exchange->esipa, notification, &local_error))
    return TRUE;
  *ret_refusal = ipa_exchange_refusal (exchange);
  if (*ret_refusal != NULL)
    {
      g_message ("%s", local_error->message);
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* Whether the eIM can be reached at all after a failure: without any answer, the next item would only wait for
 * the same time-out. */
static gboolean
eim_answered (IpaExchange *exchange)
{
  return esipa_client_get_last_status (exchange->esipa) != 0;
}

/* The eimTransactionId of a stored result in hex, for the dead letters: carried beside the result, or inside
 * the eUICC's EuiccPackageResult, or else in the key it was stored under. */
static gchar *
stored_transaction_id (const IpaResultRecord *record, const gchar *key)
{
  GBytes *txid = record->eim_transaction_id;
  g_autoptr(Es10PendingNotification) decoded = NULL;

  if (txid == NULL && record->euicc_package_result != NULL)
    {
      decoded = es10_load_euicc_package_decode (g_bytes_get_data (record->euicc_package_result, NULL),
                                                g_bytes_get_size (record->euicc_package_result), NULL);
      if (decoded != NULL)
        txid = decoded->transaction_id;
    }
  if (txid != NULL)
    return der_to_hex (g_bytes_get_data (txid, NULL), g_bytes_get_size (txid));
  if (g_str_has_prefix (key, "tx-") && key[3] != '\0')
    return g_strdup (key + 3);
  return NULL;
}

static gboolean
deliver_outbox (IpaExchange *exchange, GError **error)
{
  const gchar *eim_id = exchange->eim->eim_id;
  g_autoptr(GError) first_error = NULL;
  g_autoptr(GPtrArray) items = exchange->outbox.list (exchange->outbox.user_data, eim_id, error);

  if (items == NULL)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      IpaOutboxItem *item = g_ptr_array_index (items, i);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(IpaResultRecord) record = ipa_result_record_decode (item->record, &local_error);
      g_autofree gchar *refusal = NULL;
      g_autofree gchar *txid = NULL;
      EsipaNotification notification = { 0 };

      if (record == NULL)
        {
          /* Nothing sensible can be sent from it, and trying again would not change that: set aside for a person
           * to look at, so it blocks nothing. */
          IpaDeadLetter letter = { .eim_id = exchange->eim->eim_id, .kind = "storedResult",
                                   .reason = local_error->message, .content = item->record };
          g_warning ("Stored result %s: %s", item->key, local_error->message);
          ipa_exchange_bury (exchange, item->key, &letter);
          continue;
        }
      notification.kind = ESIPA_NOTIFICATION_PACKAGE_RESULT;
      notification.package_result = &record->result;
      if (!hand_over (exchange, &notification, &refusal, &local_error))
        {
          g_prefix_error (&local_error, "Delivering stored result %s: ", item->key);
          keep_first (&first_error, g_steal_pointer (&local_error));
          if (!eim_answered (exchange))
            break;
          continue;
        }
      if (refusal != NULL)
        {
          IpaDeadLetter letter = { .eim_id = exchange->eim->eim_id, .kind = "packageResult", .reason = refusal,
                                   .content = item->record };
          txid = stored_transaction_id (record, item->key);
          letter.transaction_id = txid;
          ipa_exchange_bury (exchange, item->key, &letter);
          continue;
        }
      g_message ("eIM %s accepted stored result %s", eim_id, item->key);
      if (!exchange->outbox.remove (exchange->outbox.user_data, eim_id, item->key, &local_error))
        g_warning ("Removing delivered result %s: %s", item->key, local_error->message);
    }
  if (first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }
  return TRUE;
}

/* The items of a list this eIM is to be given, in the card's order. A copy: delivering removes items from the
 * list as last read. */
static GPtrArray *
items_for_us (IpaExchange *exchange, const Es10PendingNotificationList *list, gboolean package_results,
              guint *ret_others)
{
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) es10_pending_notification_free);

  *ret_others = 0;
  for (guint i = 0; !list->has_error && i < list->notifications->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (list->notifications, i);
      Es10PendingNotification *copy;

      /* Results without a seqNumber cannot be removed from the eUICC: the outbox holds those. */
      if ((n->kind == ES10_PENDING_EUICC_PACKAGE_RESULT) != package_results || (package_results && !n->has_seq_number))
        continue;
      if (!ipa_item_is_ours (exchange, n))
        {
          (*ret_others)++;
          continue;
        }
      copy = g_new0 (Es10PendingNotification, 1);
      copy->kind = n->kind;
      copy->has_seq_number = n->has_seq_number;
      copy->seq_number = n->seq_number;
      copy->operation = n->operation;
      copy->raw = g_bytes_ref (n->raw);
      copy->transaction_id = n->transaction_id != NULL ? g_bytes_ref (n->transaction_id) : NULL;
      g_ptr_array_add (items, copy);
    }
  return items;
}

/* An item of the eUICC's list that the eIM refused for good: a copy goes to the dead letters, then it leaves
 * the eUICC, whose list would otherwise fill up with what no one will take. */
static void
bury_card_item (IpaExchange *exchange, const Es10PendingNotification *n, const gchar *kind, const gchar *refusal)
{
  g_autofree gchar *txid = NULL;
  IpaDeadLetter letter = { .eim_id = exchange->eim->eim_id, .kind = kind, .reason = refusal, .content = n->raw };

  if (n->transaction_id != NULL)
    txid = der_to_hex (g_bytes_get_data (n->transaction_id, NULL), g_bytes_get_size (n->transaction_id));
  letter.transaction_id = txid;
  if (ipa_exchange_bury (exchange, NULL, &letter) && n->has_seq_number)
    {
      ipa_exchange_step (exchange, "before-remove");
      ipa_remove_from_card (exchange, n->seq_number);
    }
  else if (!n->has_seq_number)
    exchange->cleanup_failed = TRUE;
}

/* After the eIM accepted an item of the eUICC's list. */
static void
remove_delivered (IpaExchange *exchange, const Es10PendingNotification *n)
{
  if (!n->has_seq_number)
    return;
  ipa_exchange_step (exchange, "before-remove");
  ipa_remove_from_card (exchange, n->seq_number);
}

/* Signed eUICC package results for this eIM that it has not acknowledged yet. */
static gboolean
deliver_card_results (IpaExchange *exchange, GError **error)
{
  g_autoptr(GError) first_error = NULL;
  const Es10PendingNotificationList *list = ipa_read_list (exchange, TRUE, FALSE, error);
  g_autoptr(GPtrArray) items = NULL;
  guint others = 0;

  if (list == NULL)
    return FALSE;
  ipa_exchange_note_skipped (exchange, "notification", list->skipped);
  items = items_for_us (exchange, list, TRUE, &others);
  for (guint i = 0; i < items->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (items, i);
      g_autoptr(GError) local_error = NULL;
      g_autofree gchar *refusal = NULL;
      EsipaEimPackageResult result = { 0 };
      EsipaNotification notification = { 0 };

      result.eid = exchange->eid;
      result.kind = ESIPA_RESULT_EUICC_PACKAGE_RESULT;
      result.euicc_package_result = n->raw;
      notification.kind = ESIPA_NOTIFICATION_PACKAGE_RESULT;
      notification.package_result = &result;
      if (!hand_over (exchange, &notification, &refusal, &local_error))
        {
          g_prefix_error (&local_error, "Delivering eUICC package result %" G_GINT64_FORMAT ": ", n->seq_number);
          keep_first (&first_error, g_steal_pointer (&local_error));
          if (!eim_answered (exchange))
            break;
          continue;
        }
      if (refusal != NULL)
        {
          bury_card_item (exchange, n, "packageResult", refusal);
          continue;
        }
      g_message ("eIM %s accepted eUICC package result %" G_GINT64_FORMAT, exchange->eim->eim_id, n->seq_number);
      remove_delivered (exchange, n);
    }
  if (first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }
  if (others > 0)
    g_debug ("eIM %s: %u eUICC package result(s) are another eIM's", exchange->eim->eim_id, others);
  return TRUE;
}

/* Profile state notifications whose notificationAddress names this eIM. Those for another eIM wait for its
 * exchange; those for an SM-DP+ stay on the eUICC until a profile download delivers them there. */
static gboolean
deliver_card_notifications (IpaExchange *exchange, GError **error)
{
  g_autoptr(GError) first_error = NULL;
  const Es10PendingNotificationList *list = ipa_read_list (exchange, FALSE, FALSE, error);
  g_autoptr(GPtrArray) items = NULL;
  guint others = 0;

  if (list == NULL)
    return FALSE;
  ipa_exchange_note_skipped (exchange, "notification", list->skipped);
  items = items_for_us (exchange, list, FALSE, &others);
  for (guint i = 0; i < items->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (items, i);
      g_autoptr(GError) local_error = NULL;
      g_autofree gchar *refusal = NULL;
      EsipaNotification notification = { 0 };
      /* HandleNotificationEsipa names no EID: a compact notification carries its own. */
      g_autoptr(GBytes) sent = ipa_notification_for_eim (exchange, n->raw, TRUE);

      notification.kind = ESIPA_NOTIFICATION_PENDING;
      notification.pending_notification = sent;
      if (!hand_over (exchange, &notification, &refusal, &local_error))
        {
          g_prefix_error (&local_error, "Delivering notification %" G_GINT64_FORMAT ": ", n->seq_number);
          keep_first (&first_error, g_steal_pointer (&local_error));
          if (!eim_answered (exchange))
            break;
          continue;
        }
      if (refusal != NULL)
        {
          bury_card_item (exchange, n, "notification", refusal);
          continue;
        }
      g_message ("eIM %s accepted notification %" G_GINT64_FORMAT " (%s)", exchange->eim->eim_id, n->seq_number,
                 es10_notification_event_to_string (n->operation));
      remove_delivered (exchange, n);
    }
  if (first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }
  if (others > 0)
    g_debug ("eIM %s: %u notification(s) on the eUICC are for another eIM or an SM-DP+", exchange->eim->eim_id,
             others);
  return TRUE;
}

/* A failure without any answer from the eIM (connection, TLS, time-out): the other items would fail the same way. */
static gboolean
eim_unreachable (IpaExchange *exchange, const GError *error)
{
  return error != NULL && (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NETWORK)
                           || g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_TIMEOUT))
         && !eim_answered (exchange);
}

gboolean
ipa_deliver_pending (IpaExchange *exchange, GError **error)
{
  g_autoptr(GError) first_error = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!deliver_outbox (exchange, &first_error) && eim_unreachable (exchange, first_error))
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }
  if ((exchange->card_pending & IPA_PENDING_PACKAGE_RESULTS) != 0)
    {
      if (deliver_card_results (exchange, &local_error))
        exchange->card_pending &= ~IPA_PENDING_PACKAGE_RESULTS;
      else
        keep_first (&first_error, g_steal_pointer (&local_error));
    }
  if ((exchange->card_pending & IPA_PENDING_NOTIFICATIONS) != 0 && !eim_unreachable (exchange, first_error))
    {
      if (deliver_card_notifications (exchange, &local_error))
        exchange->card_pending &= ~IPA_PENDING_NOTIFICATIONS;
      else
        keep_first (&first_error, g_steal_pointer (&local_error));
    }
  if (first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }
  return TRUE;
}
