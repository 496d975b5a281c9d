/* SPDX-License-Identifier: Apache-2.0 */
/* What the procedures of one exchange share (ipa-context.h): the card session and its lists, the outbox, the
 * dead letters, the reports. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "der/der.h"
#include "ipa/ipa-context.h"
#include "ipa/ipa-ownership.h"
#include "ipa/ipa-result-record.h"
#include "net/esipa-minimize.h"

void
ipa_outbox_item_free (IpaOutboxItem *item)
{
  if (item == NULL)
    return;
  g_free (item->key);
  g_clear_pointer (&item->record, g_bytes_unref);
  g_free (item);
}

IsdrSession *
ipa_exchange_session (IpaExchange *exchange, GError **error)
{
  if (exchange->session == NULL)
    exchange->session = exchange->card.open (exchange->card.user_data, error);
  return exchange->session;
}

void
ipa_exchange_step (IpaExchange *exchange, const gchar *step)
{
  g_debug ("step %s", step);
  if (exchange->step != NULL)
    exchange->step (step, exchange->user_data);
}

void
ipa_exchange_report (IpaExchange *exchange, GBytes *transaction_id, const gchar *operation, const gchar *result,
                     const gchar *detail)
{
  g_autofree gchar *txid = NULL;
  IpaOutcome outcome = { 0 };

  if (transaction_id != NULL)
    txid = der_to_hex (g_bytes_get_data (transaction_id, NULL), g_bytes_get_size (transaction_id));
  outcome.eim_id = exchange->eim->eim_id;
  outcome.transaction_id = txid;
  outcome.operation = operation;
  outcome.result = result;
  outcome.detail = detail;
  g_message ("eIM %s package %s: %s: %s%s%s", exchange->eim->eim_id, txid != NULL ? txid : "-", operation, result,
             detail != NULL ? ": " : "", detail != NULL ? detail : "");
  if (exchange->outcome != NULL)
    exchange->outcome (&outcome, exchange->user_data);
}

gchar *
ipa_refusal_reason (guint http_status, gboolean eim_failed)
{
  if (eim_failed)
    return g_strdup ("the eIM answered Failed");
  /* 408 and 429 say "not now"; every other 4xx says the request itself will never be taken. */
  if (http_status >= 400 && http_status < 500 && http_status != 408 && http_status != 429)
    return g_strdup_printf ("HTTP %u", http_status);
  return NULL;
}

gchar *
ipa_exchange_refusal (IpaExchange *exchange)
{
  return ipa_refusal_reason (esipa_client_get_last_status (exchange->esipa),
                             esipa_client_get_last_failed (exchange->esipa));
}

gboolean
ipa_exchange_bury (IpaExchange *exchange, const gchar *key, const IpaDeadLetter *letter)
{
  g_autoptr(GError) local_error = NULL;

  if (exchange->outbox.bury == NULL)
    {
      g_warning ("eIM %s refused %s %s for good (%s); no dead-letter store, it stays", exchange->eim->eim_id,
                 letter->kind, letter->transaction_id != NULL ? letter->transaction_id : "-", letter->reason);
      return FALSE;
    }
  if (!exchange->outbox.bury (exchange->outbox.user_data, key, letter, &local_error))
    {
      g_warning ("eIM %s refused %s %s for good (%s), but it could not be set aside: %s; it stays and is tried "
                 "again", exchange->eim->eim_id, letter->kind,
                 letter->transaction_id != NULL ? letter->transaction_id : "-", letter->reason, local_error->message);
      return FALSE;
    }
  exchange->dead_letters++;
  g_warning ("eIM %s refused %s %s for good (%s): moved to the dead letters", exchange->eim->eim_id, letter->kind,
             letter->transaction_id != NULL ? letter->transaction_id : "-", letter->reason);
  return TRUE;
}

void
ipa_exchange_note_skipped (IpaExchange *exchange, const gchar *list, const GPtrArray *skipped)
{
  for (guint i = 0; skipped != NULL && i < skipped->len; i++)
    {
      const Es10SkippedEntry *entry = g_ptr_array_index (skipped, i);

      if (exchange->skipped != NULL)
        exchange->skipped (list, entry, exchange->user_data);
      else
        g_debug ("%s entry left out: %s", list, entry->reason);
    }
}

/* The transaction id in hex when there is one, else a unique stamp; the outbox keys entries by eIM and key. */
static gchar *
outbox_key (GBytes *transaction_id)
{
  static guint counter;

  if (transaction_id != NULL && g_bytes_get_size (transaction_id) > 0)
    {
      g_autofree gchar *hex = der_to_hex (g_bytes_get_data (transaction_id, NULL), g_bytes_get_size (transaction_id));
      return g_strdup_printf ("tx-%s", hex);
    }
  return g_strdup_printf ("r-%" G_GINT64_FORMAT "-%u", g_get_real_time (), ++counter);
}

gchar *
ipa_store_result (IpaExchange *exchange, const EsipaEimPackageResult *result, GBytes *transaction_id)
{
  g_autoptr(GBytes) record = ipa_result_record_encode (result);
  g_autofree gchar *key = outbox_key (transaction_id);
  g_autoptr(GError) local_error = NULL;

  if (!exchange->outbox.put (exchange->outbox.user_data, exchange->eim->eim_id, key, record, &local_error))
    {
      /* Keeping the result from its eIM would lose it for sure; sending it unstored loses it only if the send
       * fails too. */
      g_prefix_error (&local_error, "Storing result %s before sending it: ", key);
      g_warning ("%s; sending it all the same, it is lost if that fails", local_error->message);
      if (exchange->storage_failed != NULL)
        exchange->storage_failed (local_error, exchange->user_data);
      return NULL;
    }
  return g_steal_pointer (&key);
}

gboolean
ipa_send_result (IpaExchange *exchange, const EsipaEimPackageResult *result, const gchar *stored_key,
                 gboolean kept_by_card, GBytes *transaction_id, EsipaProvideResultResponse **ret_response,
                 GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(EsipaProvideResultResponse) response = NULL;
  g_autofree gchar *reason = NULL;
  g_autofree gchar *txid = NULL;

  *ret_response = NULL;
  ipa_exchange_step (exchange, "before-provide");
  if (!esipa_provide_eim_package_result (exchange->esipa, result, &response, &local_error))
    {
      reason = ipa_exchange_refusal (exchange);
      if (reason == NULL)
        {
          if (stored_key == NULL && !kept_by_card)
            g_warning ("eIM %s: a result that could not be stored was not delivered either: it is lost",
                       exchange->eim->eim_id);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_message ("%s", local_error->message);
    }
  else
    {
      ipa_exchange_step (exchange, "after-provide");
      if (response->kind != ESIPA_PROVIDE_RESULT_ERROR)
        {
          if (stored_key != NULL
              && !exchange->outbox.remove (exchange->outbox.user_data, exchange->eim->eim_id, stored_key,
                                           &local_error))
            g_warning ("Removing delivered result %s from the outbox: %s", stored_key, local_error->message);
          *ret_response = g_steal_pointer (&response);
          return TRUE;
        }
      reason = g_strdup_printf ("provideEimPackageResultError %s (%" G_GINT64_FORMAT ")",
                                esipa_provide_result_error_to_string (response->error_code), response->error_code);
    }

  /* Refused for good. What the eUICC keeps is offered again with HandleNotification at the next exchange; what
   * only the outbox holds would be offered in vain forever. */
  if (transaction_id != NULL)
    txid = der_to_hex (g_bytes_get_data (transaction_id, NULL), g_bytes_get_size (transaction_id));
  if (kept_by_card)
    g_warning ("eIM %s refused the result of %s (%s); the eUICC keeps it for the next delivery",
               exchange->eim->eim_id, txid != NULL ? txid : "-", reason);
  else
    {
      g_autoptr(GBytes) record = ipa_result_record_encode (result);
      IpaDeadLetter letter = { .eim_id = exchange->eim->eim_id, .transaction_id = txid, .kind = "packageResult",
                               .reason = reason, .content = record };
      ipa_exchange_bury (exchange, stored_key, &letter);
    }
  return TRUE;
}

gboolean
ipa_send_durable_result (IpaExchange *exchange, const EsipaEimPackageResult *result, GBytes *transaction_id,
                         EsipaProvideResultResponse **ret_response, GError **error)
{
  g_autofree gchar *key = ipa_store_result (exchange, result, transaction_id);

  return ipa_send_result (exchange, result, key, FALSE, transaction_id, ret_response, error);
}

void
ipa_card_lists_clear (IpaCardLists *lists)
{
  g_clear_pointer (&lists->notifications, es10_pending_notification_list_free);
  g_clear_pointer (&lists->package_results, es10_pending_notification_list_free);
}

static IpaCardLists *
exchange_lists (IpaExchange *exchange)
{
  return exchange->lists != NULL ? exchange->lists : &exchange->own_lists;
}

const Es10PendingNotificationList *
ipa_read_list (IpaExchange *exchange, gboolean package_results, gboolean fresh, GError **error)
{
  RspNotificationSearch search = { .kind = package_results ? RSP_NOTIFICATION_SEARCH_EUICC_PACKAGE_RESULTS
                                                           : RSP_NOTIFICATION_SEARCH_ALL };
  IpaCardLists *lists = exchange_lists (exchange);
  Es10PendingNotificationList **slot = package_results ? &lists->package_results : &lists->notifications;
  g_autoptr(Es10PendingNotificationList) list = NULL;
  IsdrSession *session;

  if (!fresh && *slot != NULL)
    return *slot;
  session = ipa_exchange_session (exchange, error);
  if (session == NULL || !es10_retrieve_notifications_list (session, &search, &list, error))
    return NULL;
  if (list->has_error)
    g_warning ("RetrieveNotificationsList (%s): the eUICC answered error %" G_GINT64_FORMAT,
               package_results ? "eUICC package results" : "notifications", list->error_code);
  g_clear_pointer (slot, es10_pending_notification_list_free);
  *slot = g_steal_pointer (&list);
  return *slot;
}

static const GPtrArray *
exchange_eims (IpaExchange *exchange, GPtrArray *alone)
{
  if (exchange->eims != NULL)
    return exchange->eims;
  g_ptr_array_add (alone, (gpointer) exchange->eim);
  return alone;
}

gboolean
ipa_item_is_ours (IpaExchange *exchange, const Es10PendingNotification *n)
{
  g_autoptr(GPtrArray) alone = g_ptr_array_new ();

  return ipa_item_is_for (n, exchange->eim->eim_id, exchange_eims (exchange, alone));
}

GBytes *
ipa_notification_for_eim (IpaExchange *exchange, GBytes *notification, gboolean with_eid)
{
  g_autoptr(GError) local_error = NULL;
  GBytes *compact;

  if (exchange->device == NULL || (exchange->device->ipa_features & ESIPA_IPA_FEATURE_MINIMIZE_ESIPA_BYTES) == 0)
    return g_bytes_ref (notification);
  compact = esipa_minimize_pending_notification (notification, with_eid ? exchange->eid : NULL, &local_error);
  if (compact != NULL)
    return compact;
  /* The card's list parsed, so this should not happen; the full form is still a valid message. */
  g_warning ("eIM %s: a notification goes in full, its compact form cannot be built: %s", exchange->eim->eim_id,
             local_error->message);
  return g_bytes_ref (notification);
}

static void
forget_seq (Es10PendingNotificationList *list, gint64 seq)
{
  for (guint i = 0; list != NULL && list->notifications != NULL && i < list->notifications->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (list->notifications, i);
      if (n->has_seq_number && n->seq_number == seq)
        g_ptr_array_remove_index (list->notifications, i--);
    }
}

void
ipa_remove_from_card (IpaExchange *exchange, gint64 seq_number)
{
  g_autoptr(GError) local_error = NULL;
  IsdrSession *session = ipa_exchange_session (exchange, &local_error);
  gint64 status = 0;

  if (session == NULL || !es10_remove_notification_from_list (session, seq_number, &status, &local_error))
    {
      exchange->cleanup_failed = TRUE;
      g_warning ("RemoveNotificationFromList %" G_GINT64_FORMAT ": %s; the next read of the list tells what the "
                 "eUICC still holds", seq_number, local_error->message);
      return;
    }
  if (status != ES10_REMOVE_NOTIFICATION_OK)
    {
      if (status != ES10_REMOVE_NOTIFICATION_NOTHING_TO_DELETE)
        exchange->cleanup_failed = TRUE;
      g_warning ("RemoveNotificationFromList %" G_GINT64_FORMAT ": eUICC answered %" G_GINT64_FORMAT, seq_number,
                 status);
    }
  /* Removed, or not there: either way no longer on the eUICC. */
  if (status == ES10_REMOVE_NOTIFICATION_OK || status == ES10_REMOVE_NOTIFICATION_NOTHING_TO_DELETE)
    {
      forget_seq (exchange_lists (exchange)->notifications, seq_number);
      forget_seq (exchange_lists (exchange)->package_results, seq_number);
    }
}

static gboolean
seq_in_list (const Es10PendingNotificationList *list, gint64 seq)
{
  for (guint i = 0; list != NULL && !list->has_error && i < list->notifications->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (list->notifications, i);
      if (n->has_seq_number && n->seq_number == seq)
        return TRUE;
    }
  return FALSE;
}

static gboolean
seq_accounted_for (IpaExchange *exchange, gint64 seq)
{
  for (guint i = 0; exchange->own_results != NULL && i < exchange->own_results->len; i++)
    if (g_array_index (exchange->own_results, gint64, i) == seq)
      return TRUE;
  return seq_in_list (exchange_lists (exchange)->notifications, seq)
         || seq_in_list (exchange_lists (exchange)->package_results, seq);
}

static void
add_list (GPtrArray *all, const Es10PendingNotificationList *list)
{
  for (guint i = 0; list != NULL && !list->has_error && i < list->notifications->len; i++)
    g_ptr_array_add (all, g_ptr_array_index (list->notifications, i));
}

void
ipa_remove_acknowledged (IpaExchange *exchange, const EsipaProvideResultResponse *response)
{
  g_autoptr(GPtrArray) alone = g_ptr_array_new ();
  g_autoptr(GPtrArray) known = g_ptr_array_new ();
  g_autoptr(GArray) removable = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean unaccounted = FALSE;

  if (response == NULL || response->kind != ESIPA_PROVIDE_RESULT_ACKNOWLEDGEMENTS || response->seq_numbers->len == 0)
    return;
  for (guint i = 0; i < response->seq_numbers->len && !unaccounted; i++)
    unaccounted = !seq_accounted_for (exchange, g_array_index (response->seq_numbers, gint64, i));
  /* A seqNumber the lists as last read do not show (an earlier exchange's package may have made it since): whose
   * it is must be known before it is removed. When the lists cannot be read, nothing is removed now; the items
   * are offered again and acknowledged again later. */
  if (unaccounted
      && (ipa_read_list (exchange, TRUE, TRUE, &local_error) == NULL
          || ipa_read_list (exchange, FALSE, TRUE, &local_error) == NULL))
    {
      exchange->cleanup_failed = TRUE;
      g_warning ("eIM %s acknowledged items the lists as read do not show, and reading them again failed: %s; "
                 "nothing removed now", exchange->eim->eim_id, local_error->message);
      return;
    }

  add_list (known, exchange_lists (exchange)->notifications);
  add_list (known, exchange_lists (exchange)->package_results);
  removable = ipa_removable_seq_numbers (response->seq_numbers, known, exchange->eim->eim_id,
                                         exchange_eims (exchange, alone));
  for (guint i = 0; i < response->seq_numbers->len; i++)
    {
      gint64 seq = g_array_index (response->seq_numbers, gint64, i);
      gboolean removed = FALSE;

      for (guint j = 0; j < removable->len && !removed; j++)
        removed = g_array_index (removable, gint64, j) == seq;
      if (!removed)
        g_warning ("eIM %s acknowledged seqNumber %" G_GINT64_FORMAT ", held for another eIM or an SM-DP+: left on "
                   "the eUICC", exchange->eim->eim_id, seq);
    }
  for (guint i = 0; i < removable->len; i++)
    {
      if (i == 0)
        ipa_exchange_step (exchange, "before-remove");
      ipa_remove_from_card (exchange, g_array_index (removable, gint64, i));
    }
}
