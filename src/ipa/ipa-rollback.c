/* SPDX-License-Identifier: Apache-2.0 */
/* Enable with rollback (SGP.32 3.3, 5.9.16): the result of a package that enabled a profile with rollbackFlag
 * must reach the eIM over that new profile. The module first has to attach to the new network, so the result is
 * tried for a bounded time; when it still cannot be delivered the new profile has no coverage, and ES10b
 * ProfileRollback puts the previous profile back. The eUICC then keeps two signed results, the package's and the
 * rollback's: both are read again and delivered over the previous profile, each removed once acknowledged. */
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

gboolean
ipa_rollback_armed (const EsipaEimPackage *package, const Es10PendingNotification *result)
{
  if (result->package_result_variant != 0xA0 || result->package_operations == NULL || !requests_rollback (package->raw))
    return FALSE;
  for (guint i = 0; i < result->package_operations->len; i++)
    {
      const Es10EuiccResultItem *item = &g_array_index (result->package_operations, Es10EuiccResultItem, i);

      if (item->tag == 0x83)
        return item->has_code && item->code == 0;
    }
  return FALSE;
}

static gint64
attach_deadline (IpaExchange *exchange)
{
  return g_get_monotonic_time () + (gint64) exchange->attach_timeout_s * G_USEC_PER_SEC;
}

/* Waits before the next try; FALSE when the deadline has passed. */
static gboolean
wait_to_retry (IpaExchange *exchange, gint64 deadline)
{
  gint64 now = g_get_monotonic_time ();
  gint64 step = (gint64) MAX (exchange->attach_retry_s, 1) * G_USEC_PER_SEC;

  if (now >= deadline)
    return FALSE;
  g_usleep ((gulong) MIN (step, deadline - now));
  return TRUE;
}

/* The previous profile is back: the eUICC's lists are read again (the rollback added its own signed result),
 * and everything pending for this eIM is delivered, tried until the module has attached again. */
static gboolean
deliver_after_rollback (IpaExchange *exchange, GError **error)
{
  gint64 deadline = attach_deadline (exchange);
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
      if (!wait_to_retry (exchange, deadline))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "eIM %s: the results of the package and of its rollback wait for the next "
                                      "poll: ", exchange->eim->eim_id);
          return FALSE;
        }
      g_message ("eIM %s: not reachable yet over the previous profile (%s); trying again", exchange->eim->eim_id,
                 local_error->message);
    }
}

gboolean
ipa_rollback_send_result (IpaExchange *exchange, const EsipaEimPackageResult *result, const gchar *stored_key,
                          gboolean kept_by_card, GBytes *transaction_id, EsipaProvideResultResponse **ret_response,
                          gboolean *ret_rolled_back, GError **error)
{
  gint64 deadline = attach_deadline (exchange);
  g_autoptr(GError) send_error = NULL;
  g_autoptr(GError) card_error = NULL;
  g_autoptr(Es10SwitchResponse) rollback = NULL;
  IsdrSession *session;

  *ret_rolled_back = FALSE;
  for (;;)
    {
      g_clear_error (&send_error);
      if (ipa_send_result (exchange, result, stored_key, kept_by_card, transaction_id, ret_response, &send_error))
        return TRUE;
      if (!wait_to_retry (exchange, deadline))
        break;
      g_message ("eIM %s: not reachable yet over the profile just enabled (%s); trying again",
                 exchange->eim->eim_id, send_error->message);
    }

  g_warning ("eIM %s: not reachable over the profile enabled with rollbackFlag within %us (%s); rolling back",
             exchange->eim->eim_id, exchange->attach_timeout_s, send_error->message);
  ipa_exchange_step (exchange, "before-rollback");
  session = ipa_exchange_session (exchange, &card_error);
  /* refreshFlag TRUE: the modem has to attach to the previous profile again, which it does after a REFRESH. */
  if (session != NULL)
    rollback = es10_switch (session, ES10_SWITCH_ROLLBACK, TRUE, &card_error);
  if (rollback == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&card_error),
                                  "eIM %s: the result could not be delivered (%s), and ProfileRollback failed: ",
                                  exchange->eim->eim_id, send_error->message);
      return FALSE;
    }
  if (rollback->result != 0)
    {
      const gchar *name = es10_switch_result_name (ES10_SWITCH_ROLLBACK, rollback->result);

      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD,
                   "eIM %s: the result could not be delivered (%s), and the eUICC refused ProfileRollback: %s (%"
                   G_GINT64_FORMAT "); the result stays on the eUICC for the next poll", exchange->eim->eim_id,
                   send_error->message, name != NULL ? name : "unknown", rollback->result);
      return FALSE;
    }
  g_message ("eIM %s: ProfileRollback done: the previous profile is enabled again", exchange->eim->eim_id);
  *ret_rolled_back = TRUE;
  exchange->profiles_changed = TRUE;
  ipa_exchange_step (exchange, "after-rollback");
  return deliver_after_rollback (exchange, error);
}
