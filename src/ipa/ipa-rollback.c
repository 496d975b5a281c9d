/* SPDX-License-Identifier: Apache-2.0 */
/* Enable with rollback (SGP.32 3.3, 5.9.16): the result of a package that enabled a profile with rollbackFlag
 * must reach the eIM over that new profile. The module first has to attach to the new network, so the result is
 * tried for a bounded time; when it still cannot be delivered the new profile has no coverage, and ES10b
 * ProfileRollback puts the previous profile back. The eUICC then keeps two signed results, the package's and the
 * rollback's: both are read again and delivered over the previous profile, each removed once acknowledged.
 *
 * A record (ipa-rollback-record.h) is written before LoadEuiccPackage and removed once the decision is over, so a
 * restart anywhere in between finds out from the eUICC's list where it stopped: the rollback's result there means
 * the rollback ran; the package's result alone means the wait goes on for what is left of it (then the rollback);
 * neither means the result reached the eIM. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-context.h"
#include "ipa/ipa-private.h"

/* Whether the psmoList of the EuiccPackageRequest `raw` (BF51 { 30 { ..., A0 psmoList }, 5F37 }) holds an enable
 * (A3) with rollbackFlag (05). The eUICC verified the package; anything unreadable here means no rollback. */
static gboolean
requests_rollback (GBytes *raw)
{
  DerTlv outer, signed_part, psmo_list, psmo;
  DerReader reader;

  if (raw == NULL
      || !der_parse_single (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), &outer, NULL)
      || !der_find_child (&outer, 0x30, &signed_part, NULL)
      || !der_find_child (&signed_part, 0xA0, &psmo_list, NULL)
      || !der_reader_enter (&psmo_list, &reader, NULL))
    return FALSE;
  while (!der_reader_at_end (&reader) && der_reader_next (&reader, &psmo, NULL))
    {
      DerTlv flag;

      if (psmo.tag == 0xA3 && der_find_child (&psmo, 0x05, &flag, NULL))
        return TRUE;
    }
  return FALSE;
}

/* The code of the result item `tag` in a signed eUICC package result; FALSE when there is none. */
static gboolean
result_item (const Es10PendingNotification *result, guint32 tag, gint64 *ret_code)
{
  if (result->package_result_variant != 0xA0 || result->package_operations == NULL)
    return FALSE;
  for (guint i = 0; i < result->package_operations->len; i++)
    {
      const Es10EuiccResultItem *item = &g_array_index (result->package_operations, Es10EuiccResultItem, i);

      if (item->tag == tag)
        {
          *ret_code = item->has_code ? item->code : 0;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
ipa_rollback_armed (const EsipaEimPackage *package, const Es10PendingNotification *result)
{
  gint64 code;

  return requests_rollback (package->raw) && result_item (result, 0x83, &code) && code == 0;
}

/* ---- the record ------------------------------------------------------------------------------------------ */

static gboolean
save_record (IpaExchange *exchange, const IpaRollbackRecord *record, GError **error)
{
  const IpaRollbackJournal *journal = exchange->rollback_journal;
  g_autoptr(GBytes) bytes = NULL;

  if (journal == NULL)
    return TRUE;
  bytes = ipa_rollback_record_encode (record);
  if (!journal->save (journal->user_data, bytes, error))
    {
      g_prefix_error (error, "Saving the rollback record: ");
      return FALSE;
    }
  return TRUE;
}

void
ipa_rollback_forget (IpaExchange *exchange)
{
  const IpaRollbackJournal *journal = exchange->rollback_journal;
  g_autoptr(GError) local_error = NULL;

  /* Left behind, the record costs one read of the list at the next start, which then finds nothing to do. */
  if (journal != NULL && !journal->remove (journal->user_data, &local_error))
    g_warning ("Removing the rollback record: %s", local_error->message);
}

/* The record of an earlier run, or NULL: none, or one that cannot be read (removed, with a warning). */
static IpaRollbackRecord *
load_record (IpaExchange *exchange)
{
  const IpaRollbackJournal *journal = exchange->rollback_journal;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  IpaRollbackRecord *record;

  if (journal == NULL)
    return NULL;
  bytes = journal->load (journal->user_data, &local_error);
  if (bytes == NULL)
    {
      if (!g_error_matches (local_error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND))
        g_warning ("Reading the rollback record: %s", local_error->message);
      return NULL;
    }
  record = ipa_rollback_record_decode (bytes, &local_error);
  if (record == NULL)
    {
      /* What it named is unknown: the eUICC's results are delivered as any others. */
      g_warning ("%s; the record is removed", local_error->message);
      ipa_rollback_forget (exchange);
    }
  return record;
}

gboolean
ipa_rollback_begin (IpaExchange *exchange, const EsipaEimPackage *package, const gchar *operation,
                    IpaRollbackRecord **ret_record, GError **error)
{
  const EsipaEuiccPackageRequest *request = package->euicc_package;
  g_autoptr(IpaRollbackRecord) record = NULL;

  *ret_record = NULL;
  if (!requests_rollback (package->raw))
    return TRUE;
  record = g_new0 (IpaRollbackRecord, 1);
  record->eim_id = g_strdup (exchange->eim->eim_id);
  record->eim_transaction_id = request->eim_transaction_id != NULL ? g_bytes_ref (request->eim_transaction_id) : NULL;
  record->counter_value = request->counter_value;
  record->operation = g_strdup (operation);
  record->since_s = g_get_real_time () / G_USEC_PER_SEC;
  /* Without it a crash during the wait would leave the device on a profile without coverage for good: the
   * package waits until the record can be written. */
  if (!save_record (exchange, record, error))
    {
      g_prefix_error (error, "eIM %s: an enable with rollbackFlag is not run: ", exchange->eim->eim_id);
      return FALSE;
    }
  *ret_record = g_steal_pointer (&record);
  return TRUE;
}

/* ---- waiting for the module to attach -------------------------------------------------------------------- */

typedef enum {
  WAIT_RETRY,
  WAIT_OVER,        /* the time for the module to attach has passed */
  WAIT_STOPPING,    /* the daemon is stopping: the record stays for the next start */
} WaitOutcome;

/* The monotonic time by which the eIM must have been reached: AttachTimeout from when the wait began, so a
 * restart waits only for what was left (a clock set back counts as no time passed). */
static gint64
attach_deadline (IpaExchange *exchange, gint64 since_s)
{
  gint64 timeout_s = exchange->attach_timeout_s;
  gint64 elapsed_s = CLAMP (g_get_real_time () / G_USEC_PER_SEC - since_s, 0, timeout_s);

  return g_get_monotonic_time () + (timeout_s - elapsed_s) * G_USEC_PER_SEC;
}

/* Waits before the next try over `over` after `why` failed. */
static WaitOutcome
wait_to_retry (IpaExchange *exchange, gint64 deadline, const gchar *over, const GError *why)
{
  gint64 now = g_get_monotonic_time ();
  gint64 pause = MIN ((gint64) MAX (exchange->attach_retry_s, 1) * G_USEC_PER_SEC, deadline - now);

  if (now >= deadline)
    return WAIT_OVER;
  g_message ("eIM %s: not reachable yet over %s (%s); trying again in %" G_GINT64_FORMAT " s", exchange->eim->eim_id,
             over, why->message, (pause + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  ipa_exchange_step (exchange, "attach-wait");
  if (exchange->wait == NULL)
    g_usleep ((gulong) pause);
  else if (!exchange->wait (pause, exchange->user_data))
    {
      exchange->stopped = TRUE;
      return WAIT_STOPPING;
    }
  return WAIT_RETRY;
}

static void
set_stopping_error (IpaExchange *exchange, GError **error)
{
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED, "eIM %s: euiccd is stopping while waiting for the eIM over "
               "the profile enabled with rollbackFlag; the rollback decision is taken up at the next start",
               exchange->eim->eim_id);
}

/* ---- the rollback ---------------------------------------------------------------------------------------- */

/* The previous profile is back: the eUICC's lists are read again (the rollback added its own signed result),
 * and everything pending for this eIM is delivered, tried until the module has attached again. */
static gboolean
deliver_after_rollback (IpaExchange *exchange, GError **error)
{
  gint64 deadline = attach_deadline (exchange, g_get_real_time () / G_USEC_PER_SEC);
  g_autoptr(GError) read_error = NULL;

  exchange->card_pending = IPA_PENDING_ALL;
  if (ipa_read_list (exchange, TRUE, TRUE, &read_error) == NULL
      || ipa_read_list (exchange, FALSE, TRUE, &read_error) == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&read_error),
                                  "eIM %s: reading the eUICC's results after ProfileRollback: ", exchange->eim->eim_id);
      return FALSE;
    }
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;

      if (ipa_deliver_pending (exchange, &local_error))
        return TRUE;
      switch (wait_to_retry (exchange, deadline, "the previous profile", local_error))
        {
        case WAIT_RETRY:
          break;
        case WAIT_STOPPING:
          /* The rollback is done: what is left is delivered like any leftovers at the next start. */
        case WAIT_OVER:
        default:
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "eIM %s: the results of the package and of its rollback wait for the next "
                                      "poll: ", exchange->eim->eim_id);
          return FALSE;
        }
    }
}

static void
report_rolled_back (IpaExchange *exchange, const IpaRollbackRecord *record)
{
  exchange->profiles_changed = TRUE;
  ipa_exchange_report (exchange, record->eim_transaction_id, record->operation, "rolled-back",
                       "the eIM was not reachable over the profile enabled with rollbackFlag; ProfileRollback "
                       "enabled the previous profile again");
}

/* ES10b ProfileRollback once the eIM stayed unreachable over the new profile (`why`), then the results of both
 * over the previous one. The record goes once the eUICC answered; when it did not, it stays, and the next poll
 * finds out from the eUICC's list whether the rollback ran. */
static gboolean
roll_back (IpaExchange *exchange, const IpaRollbackRecord *record, const gchar *why, gboolean *ret_rolled_back,
           GError **error)
{
  g_autoptr(GError) card_error = NULL;
  g_autoptr(Es10SwitchResponse) rollback = NULL;
  IsdrSession *session;

  g_warning ("eIM %s: not reachable over the profile enabled with rollbackFlag within %us (%s); rolling back",
             exchange->eim->eim_id, exchange->attach_timeout_s, why);
  ipa_exchange_step (exchange, "before-rollback");
  session = ipa_exchange_session (exchange, &card_error);
  /* refreshFlag TRUE: the modem has to attach to the previous profile again, which it does after a REFRESH. */
  if (session != NULL)
    rollback = es10_switch (session, ES10_SWITCH_ROLLBACK, TRUE, &card_error);
  if (rollback == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&card_error),
                                  "eIM %s: the result could not be delivered (%s), and ProfileRollback failed (the "
                                  "next poll looks on the eUICC whether it ran): ", exchange->eim->eim_id, why);
      return FALSE;
    }
  if (rollback->result != 0)
    {
      const gchar *name = es10_switch_result_name (ES10_SWITCH_ROLLBACK, rollback->result);

      ipa_rollback_forget (exchange);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD,
                   "eIM %s: the result could not be delivered (%s), and the eUICC refused ProfileRollback: %s (%"
                   G_GINT64_FORMAT "); the result stays on the eUICC for the next poll", exchange->eim->eim_id,
                   why, name != NULL ? name : "unknown", rollback->result);
      return FALSE;
    }
  g_message ("eIM %s: ProfileRollback done: the previous profile is enabled again", exchange->eim->eim_id);
  *ret_rolled_back = TRUE;
  ipa_exchange_step (exchange, "after-rollback");
  report_rolled_back (exchange, record);
  ipa_rollback_forget (exchange);
  return deliver_after_rollback (exchange, error);
}

gboolean
ipa_rollback_send_result (IpaExchange *exchange, const IpaRollbackRecord *record, const EsipaEimPackageResult *result,
                          const gchar *stored_key, gboolean kept_by_card, GBytes *transaction_id,
                          EsipaProvideResultResponse **ret_response, gboolean *ret_rolled_back, GError **error)
{
  gint64 deadline = attach_deadline (exchange, record->since_s);
  g_autoptr(GError) send_error = NULL;

  *ret_rolled_back = FALSE;
  for (;;)
    {
      g_clear_error (&send_error);
      if (ipa_send_result (exchange, result, stored_key, kept_by_card, transaction_id, ret_response, &send_error))
        {
          /* The eIM answered over the new profile: it has coverage. */
          ipa_rollback_forget (exchange);
          return TRUE;
        }
      switch (wait_to_retry (exchange, deadline, "the profile just enabled", send_error))
        {
        case WAIT_RETRY:
          continue;
        case WAIT_STOPPING:
          set_stopping_error (exchange, error);
          return FALSE;
        case WAIT_OVER:
        default:
          return roll_back (exchange, record, send_error->message, ret_rolled_back, error);
        }
    }
}

/* ---- after a restart ------------------------------------------------------------------------------------- */

typedef enum {
  FOUND_NOTHING,     /* neither result on the eUICC: the package's reached the eIM (or the package never ran) */
  FOUND_ENABLED,     /* the package's result waits: the new profile is still enabled */
  FOUND_ROLLED_BACK, /* the rollback's result is there: it ran */
} Found;

/* What the eUICC's package results (as last read) hold of the package the record names. */
static Found
look_for_results (const Es10PendingNotificationList *list, const IpaRollbackRecord *record)
{
  Found found = FOUND_NOTHING;

  for (guint i = 0; list != NULL && !list->has_error && i < list->notifications->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (list->notifications, i);
      g_autoptr(Es10PendingNotification) decoded = NULL;
      gint64 code;

      if (n->kind != ES10_PENDING_EUICC_PACKAGE_RESULT || g_strcmp0 (n->eim_id, record->eim_id) != 0)
        continue;
      if (record->eim_transaction_id != NULL
          ? (n->transaction_id == NULL || !g_bytes_equal (n->transaction_id, record->eim_transaction_id))
          : (!n->has_counter_value || n->counter_value != record->counter_value))
        continue;
      decoded = es10_pending_notification_decode (g_bytes_get_data (n->raw, NULL), g_bytes_get_size (n->raw), NULL);
      if (decoded == NULL)
        continue;
      if (result_item (decoded, 0x8C, &code))
        return FOUND_ROLLED_BACK;
      if (result_item (decoded, 0x83, &code) && code == 0)
        found = FOUND_ENABLED;
    }
  return found;
}

gboolean
ipa_rollback_resume (IpaExchange *exchange, GError **error)
{
  g_autoptr(IpaRollbackRecord) record = load_record (exchange);
  g_autoptr(GError) local_error = NULL;
  const Es10PendingNotificationList *list;
  gboolean rolled_back = FALSE;
  gint64 deadline;

  if (record == NULL || g_strcmp0 (record->eim_id, exchange->eim->eim_id) != 0)
    return TRUE;
  exchange->card_pending = IPA_PENDING_ALL;
  list = ipa_read_list (exchange, TRUE, TRUE, &local_error);
  if (list == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "eIM %s: an enable with rollbackFlag was "
                                  "cut short by a restart, and the eUICC's results cannot be read: ",
                                  exchange->eim->eim_id);
      return FALSE;
    }
  switch (look_for_results (list, record))
    {
    case FOUND_ROLLED_BACK:
      g_message ("eIM %s: the rollback of an enable with rollbackFlag ran before a restart; its results are "
                 "delivered now", exchange->eim->eim_id);
      report_rolled_back (exchange, record);
      ipa_rollback_forget (exchange);
      return TRUE;
    case FOUND_NOTHING:
      g_message ("eIM %s: the result of an enable with rollbackFlag cut short by a restart is no longer on the "
                 "eUICC: nothing to roll back", exchange->eim->eim_id);
      ipa_rollback_forget (exchange);
      return TRUE;
    case FOUND_ENABLED:
    default:
      break;
    }

  g_message ("eIM %s: an enable with rollbackFlag was cut short by a restart: its result goes over the new profile "
             "for what is left of [Connectivity] AttachTimeout", exchange->eim->eim_id);
  deadline = attach_deadline (exchange, record->since_s);
  for (;;)
    {
      g_clear_error (&local_error);
      if (ipa_deliver_pending (exchange, &local_error))
        {
          ipa_rollback_forget (exchange);
          return TRUE;
        }
      /* Some went through (the eIM answered something and refused the rest for now): it has coverage. */
      if (look_for_results (ipa_read_list (exchange, TRUE, FALSE, NULL), record) != FOUND_ENABLED)
        {
          ipa_rollback_forget (exchange);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      switch (wait_to_retry (exchange, deadline, "the profile just enabled", local_error))
        {
        case WAIT_RETRY:
          continue;
        case WAIT_STOPPING:
          set_stopping_error (exchange, error);
          return FALSE;
        case WAIT_OVER:
        default:
          return roll_back (exchange, record, local_error->message, &rolled_back, error);
        }
    }
}
