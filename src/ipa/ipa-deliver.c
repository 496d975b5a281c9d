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

#include "euiccd-error.h"
#include "ipa/ipa-private.h"
#include "ipa/ipa-result-record.h"

static gboolean
deliver_outbox (IpaExchange *exchange, GError **error)
{
  const gchar *eim_id = exchange->eim->eim_id;
  g_autoptr(GPtrArray) items = exchange->outbox.list (exchange->outbox.user_data, eim_id, error);

  if (items == NULL)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      IpaOutboxItem *item = g_ptr_array_index (items, i);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(IpaResultRecord) record = ipa_result_record_decode (item->record, &local_error);
      EsipaNotification notification = { 0 };

      if (record == NULL)
        {
          /* Nothing sensible can be sent from it; keeping it would block every later poll. */
          g_warning ("Stored result %s: %s; discarded", item->key, local_error->message);
          exchange->outbox.remove (exchange->outbox.user_data, eim_id, item->key, NULL);
          continue;
        }
      notification.kind = ESIPA_NOTIFICATION_PACKAGE_RESULT;
      notification.package_result = &record->result;
      if (!esipa_handle_notification (exchange->esipa, &notification, error))
        {
          g_prefix_error (error, "Delivering stored result %s: ", item->key);
          return FALSE;
        }
      g_message ("eIM %s accepted stored result %s", eim_id, item->key);
      if (!exchange->outbox.remove (exchange->outbox.user_data, eim_id, item->key, &local_error))
        g_warning ("Removing delivered result %s: %s", item->key, local_error->message);
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
      g_ptr_array_add (items, copy);
    }
  return items;
}

/* Signed eUICC package results for this eIM that it has not acknowledged yet. */
static gboolean
deliver_card_results (IpaExchange *exchange, GError **error)
{
  const Es10PendingNotificationList *list = ipa_read_list (exchange, TRUE, FALSE, error);
  g_autoptr(GPtrArray) items = NULL;
  guint others = 0;

  if (list == NULL)
    return FALSE;
  items = items_for_us (exchange, list, TRUE, &others);
  for (guint i = 0; i < items->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (items, i);
      EsipaEimPackageResult result = { 0 };
      EsipaNotification notification = { 0 };

      result.eid = exchange->eid;
      result.kind = ESIPA_RESULT_EUICC_PACKAGE_RESULT;
      result.euicc_package_result = n->raw;
      notification.kind = ESIPA_NOTIFICATION_PACKAGE_RESULT;
      notification.package_result = &result;
      if (!esipa_handle_notification (exchange->esipa, &notification, error))
        {
          g_prefix_error (error, "Delivering eUICC package result %" G_GINT64_FORMAT ": ", n->seq_number);
          return FALSE;
        }
      g_message ("eIM %s accepted eUICC package result %" G_GINT64_FORMAT, exchange->eim->eim_id, n->seq_number);
      ipa_exchange_step (exchange, "before-remove");
      if (!ipa_remove_from_card (exchange, n->seq_number, error))
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
  const Es10PendingNotificationList *list = ipa_read_list (exchange, FALSE, FALSE, error);
  g_autoptr(GPtrArray) items = NULL;
  guint others = 0;

  if (list == NULL)
    return FALSE;
  items = items_for_us (exchange, list, FALSE, &others);
  for (guint i = 0; i < items->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (items, i);
      EsipaNotification notification = { 0 };

      notification.kind = ESIPA_NOTIFICATION_PENDING;
      notification.pending_notification = n->raw;
      if (!esipa_handle_notification (exchange->esipa, &notification, error))
        {
          g_prefix_error (error, "Delivering notification %" G_GINT64_FORMAT ": ", n->seq_number);
          return FALSE;
        }
      g_message ("eIM %s accepted notification %" G_GINT64_FORMAT " (%s)", exchange->eim->eim_id, n->seq_number,
                 es10_notification_event_to_string (n->operation));
      if (!n->has_seq_number)
        continue;
      ipa_exchange_step (exchange, "before-remove");
      if (!ipa_remove_from_card (exchange, n->seq_number, error))
        return FALSE;
    }
  if (others > 0)
    g_debug ("eIM %s: %u notification(s) on the eUICC are for another eIM or an SM-DP+", exchange->eim->eim_id,
             others);
  return TRUE;
}

gboolean
ipa_deliver_pending (IpaExchange *exchange, GError **error)
{
  if (!deliver_outbox (exchange, error))
    return FALSE;
  if ((exchange->card_pending & IPA_PENDING_PACKAGE_RESULTS) != 0)
    {
      if (!deliver_card_results (exchange, error))
        return FALSE;
      exchange->card_pending &= ~IPA_PENDING_PACKAGE_RESULTS;
    }
  if ((exchange->card_pending & IPA_PENDING_NOTIFICATIONS) != 0)
    {
      if (!deliver_card_notifications (exchange, error))
        return FALSE;
      exchange->card_pending &= ~IPA_PENDING_NOTIFICATIONS;
    }
  return TRUE;
}
