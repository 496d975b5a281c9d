/* SPDX-License-Identifier: Apache-2.0 */
/* An eUICC package (SGP.32 3.3.1): the eIM's signed BF51 goes to the eUICC unchanged, the eUICC's result goes
 * back to the eIM together with the notifications the package caused, and whatever the eIM acknowledges is
 * removed from the eUICC. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "euiccd-error.h"
#include "ipa/ipa-context.h"
#include "ipa/ipa-private.h"

static const gchar *
psmo_name (guint kind)
{
  switch (kind)
    {
    case ESIPA_PSMO_ENABLE: return "enable";
    case ESIPA_PSMO_DISABLE: return "disable";
    case ESIPA_PSMO_DELETE: return "delete";
    case ESIPA_PSMO_GET_RAT: return "getRAT";
    case ESIPA_PSMO_CONFIGURE_IMMEDIATE_ENABLE: return "configureImmediateEnable";
    case ESIPA_PSMO_SET_FALLBACK_ATTRIBUTE: return "setFallbackAttribute";
    case ESIPA_PSMO_UNSET_FALLBACK_ATTRIBUTE: return "unsetFallbackAttribute";
    case ESIPA_PSMO_LIST_PROFILE_INFO: return "listProfileInfo";
    case ESIPA_PSMO_SET_DEFAULT_DP_ADDRESS: return "setDefaultDpAddress";
    default: return "unknown";
    }
}

static const gchar *
eco_name (guint kind)
{
  switch (kind)
    {
    case ESIPA_ECO_ADD_EIM: return "addEim";
    case ESIPA_ECO_DELETE_EIM: return "deleteEim";
    case ESIPA_ECO_UPDATE_EIM: return "updateEim";
    case ESIPA_ECO_LIST_EIM: return "listEim";
    default: return "unknown";
    }
}

/* "psmo:enable,listProfileInfo" */
static gchar *
describe_request (const EsipaEuiccPackageRequest *request)
{
  GString *out = g_string_new (request->is_eco_list ? "eco:" : "psmo:");

  for (guint i = 0; request->operations != NULL && i < request->operations->len; i++)
    {
      guint kind = g_array_index (request->operations, guint, i);
      g_string_append_printf (out, "%s%s", i > 0 ? "," : "", request->is_eco_list ? eco_name (kind) : psmo_name (kind));
    }
  return g_string_free (out, FALSE);
}

static const gchar *
package_error_name (gint64 code)
{
  switch (code)
    {
    case 3: return "invalidEid";
    case 4: return "replayError";
    case 6: return "counterValueOutOfRange";
    case 15: return "sizeOverflow";
    case 104: return "ecallActive";
    default: return "undefinedError";
    }
}

/* The result word for the history and a sentence listing each operation's code. */
static const gchar *
summarize_result (const Es10PendingNotification *result, gchar **ret_detail)
{
  GString *detail;
  gboolean all_ok = TRUE;

  switch (result->package_result_variant)
    {
    case 0xA1:
      *ret_detail = g_strdup_printf ("the eUICC refused the package: %s (%" G_GINT64_FORMAT ")",
                                     package_error_name (result->package_error_code), result->package_error_code);
      return package_error_name (result->package_error_code);
    case 0xA2:
      *ret_detail = g_strdup ("the eUICC could not verify the package (unknown eIM or bad signature)");
      return "rejected";
    default:
      break;
    }

  detail = g_string_new (NULL);
  for (guint i = 0; result->package_operations != NULL && i < result->package_operations->len; i++)
    {
      const Es10EuiccResultItem *item = &g_array_index (result->package_operations, Es10EuiccResultItem, i);
      if (item->has_code)
        g_string_append_printf (detail, "%s%s=%" G_GINT64_FORMAT, i > 0 ? ", " : "", es10_euicc_result_name (item->tag),
                                item->code);
      else
        g_string_append_printf (detail, "%s%s=ok", i > 0 ? ", " : "", es10_euicc_result_name (item->tag));
      if (item->has_code && item->code != 0)
        all_ok = FALSE;
    }
  *ret_detail = g_string_free (detail, FALSE);
  return all_ok ? "ok" : "executed-with-errors";
}

static void
note_changes (IpaExchange *exchange, const EsipaEuiccPackageRequest *request, const Es10PendingNotification *result)
{
  if (result->package_result_variant != 0xA0 || result->package_operations == NULL)
    return;
  for (guint i = 0; i < result->package_operations->len; i++)
    {
      const Es10EuiccResultItem *item = &g_array_index (result->package_operations, Es10EuiccResultItem, i);
      gboolean ok = !item->has_code || item->code == 0;

      if (!ok)
        continue;
      switch (item->tag)
        {
        case 0x83: /* enable */
        case 0x84: /* disable */
        case 0x85: /* delete */
        case 0x8C: /* rollback */
        case 0x8D: /* setFallbackAttribute */
        case 0x8E: /* unsetFallbackAttribute */
          exchange->profiles_changed = TRUE;
          break;
        case 0xA8: /* addEim */
        case 0x89: /* deleteEim */
        case 0x8A: /* updateEim */
          exchange->eims_changed = TRUE;
          break;
        default:
          break;
        }
    }
  (void) request;
}

/* When the card's answer to LoadEuiccPackage was lost (a REFRESH, a dropped channel), the result it keeps is
 * found again in its list by eIM and transaction id. */
static Es10PendingNotification *
find_kept_result (IpaExchange *exchange, const EsipaEuiccPackageRequest *request, GError **error)
{
  const Es10PendingNotificationList *list = ipa_read_list (exchange, TRUE, TRUE, error);

  if (list != NULL)
    ipa_exchange_note_skipped (exchange, "notification", list->skipped);
  for (guint i = 0; list != NULL && !list->has_error && i < list->notifications->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (list->notifications, i);

      if (n->kind != ES10_PENDING_EUICC_PACKAGE_RESULT || g_strcmp0 (n->eim_id, request->eim_id) != 0)
        continue;
      if (request->eim_transaction_id != NULL
          ? (n->transaction_id != NULL && g_bytes_equal (n->transaction_id, request->eim_transaction_id))
          : (n->has_counter_value && n->counter_value == request->counter_value))
        return es10_pending_notification_decode (g_bytes_get_data (n->raw, NULL), g_bytes_get_size (n->raw), error);
    }
  return NULL;
}

/* Whether every seqNumber of `sent` is among those the eIM acknowledged. */
static gboolean
all_acknowledged (const EsipaProvideResultResponse *response, const GArray *sent)
{
  if (response == NULL)
    return sent->len == 0;
  for (guint i = 0; i < sent->len; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; response->kind == ESIPA_PROVIDE_RESULT_ACKNOWLEDGEMENTS && j < response->seq_numbers->len
                        && !found; j++)
        found = g_array_index (response->seq_numbers, gint64, j) == g_array_index (sent, gint64, i);
      if (!found)
        return FALSE;
    }
  return TRUE;
}

/* The eUICC ran the package but its answer does not decode: the card's bytes go to the eIM as they are (it
 * verifies the eUICC's signature over them, not euiccd), stored first, since whether the eUICC keeps them is
 * not known. */
static gboolean
pass_on_raw_result (IpaExchange *exchange, const EsipaEuiccPackageRequest *request, const gchar *operation,
                    GBytes *raw, const gchar *reason, GError **error)
{
  g_autoptr(EsipaProvideResultResponse) response = NULL;
  g_autofree gchar *stored_key = NULL;
  g_autofree gchar *detail = NULL;
  EsipaEimPackageResult answer = { .eid = exchange->eid, .kind = ESIPA_RESULT_EUICC_PACKAGE_RESULT,
                                   .euicc_package_result = raw };

  g_warning ("eIM %s: the eUICC's answer to LoadEuiccPackage cannot be decoded (%s); passing its %" G_GSIZE_FORMAT
             " bytes to the eIM as they are", exchange->eim->eim_id, reason, g_bytes_get_size (raw));
  stored_key = ipa_store_result (exchange, &answer, request->eim_transaction_id);
  ipa_exchange_step (exchange, "after-load");
  /* What the package changed is not known: the eIMs and the card facts are told as if it changed both. */
  exchange->profiles_changed = TRUE;
  exchange->eims_changed = TRUE;
  if (!ipa_send_result (exchange, &answer, stored_key, FALSE, request->eim_transaction_id, &response, error))
    return FALSE;
  detail = g_strdup_printf ("the eUICC's answer could not be decoded (%s); passed on as it was", reason);
  ipa_exchange_report (exchange, request->eim_transaction_id, operation, "undecodable", detail);
  return TRUE;
}

gboolean
ipa_run_euicc_package (IpaExchange *exchange, const EsipaEimPackage *package, GError **error)
{
  const EsipaEuiccPackageRequest *request = package->euicc_package;
  g_autofree gchar *operation = describe_request (request);
  g_autofree gchar *detail = NULL;
  g_autofree gchar *stored_key = NULL;
  g_autofree gchar *undecodable_reason = NULL;
  g_autoptr(GBytes) undecodable = NULL;
  g_autoptr(Es10PendingNotification) result = NULL;
  g_autoptr(GPtrArray) notifications = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) sent_result = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) sent_notifications = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(EsipaProvideResultResponse) response = NULL;
  g_autoptr(GError) card_error = NULL;
  g_autoptr(GError) list_error = NULL;
  g_autoptr(IpaRollbackRecord) rollback = NULL;
  EsipaEimPackageResult answer = { 0 };
  const Es10PendingNotificationList *pending;
  IsdrSession *session;
  guint pending_before = exchange->card_pending;
  gboolean kept_by_card;
  const gchar *verdict;

  session = ipa_exchange_session (exchange, error);
  if (session == NULL || !ipa_rollback_begin (exchange, package, operation, &rollback, error))
    return FALSE;

  ipa_exchange_step (exchange, "before-load");
  /* From here on the eUICC may hold something new: until delivered, it is pending. */
  exchange->card_pending = IPA_PENDING_ALL;
  if (!es10_load_euicc_package_keep_raw (session, package->raw, &result, &undecodable, &undecodable_reason,
                                         &card_error))
    {
      g_autoptr(GError) find_error = NULL;

      g_warning ("LoadEuiccPackage: %s; looking for the result the eUICC kept", card_error->message);
      /* The session reopens itself first when the card session may have reset (isdr-session.h). */
      result = find_kept_result (exchange, request, &find_error);
      if (result == NULL && find_error != NULL)
        {
          /* The card may have executed the package: the result is not known yet, so no answer is made up.
           * The eUICC counts as pending, and the next poll delivers what it kept. */
          g_propagate_prefixed_error (error, g_steal_pointer (&find_error),
                                      "LoadEuiccPackage: %s; its result cannot be read now (it is delivered at "
                                      "the next poll): ", card_error->message);
          return FALSE;
        }
      if (result == NULL)
        {
          /* Nothing to report from the card: the eIM still gets an answer naming the transaction. */
          EsipaUnusablePackage unusable = { .result_error_code = ESIPA_PACKAGE_RESULT_ERROR_UNDEFINED,
                                            .eim_transaction_id = request->eim_transaction_id };
          if (rollback != NULL)
            ipa_rollback_forget (exchange);
          return ipa_answer_unusable (exchange, &unusable, card_error, error);
        }
    }
  /* What cannot be read cannot be rolled back: the eUICC's answer decides nothing here. */
  if (rollback != NULL && (result == NULL || !ipa_rollback_armed (package, result)))
    {
      ipa_rollback_forget (exchange);
      g_clear_pointer (&rollback, ipa_rollback_record_free);
    }
  if (result == NULL)
    return pass_on_raw_result (exchange, request, operation, undecodable, undecodable_reason, error);
  /* A signed result carries a seqNumber: the eUICC keeps it until removed. Errors without one can be found
   * again by nobody but us: stored before anything else happens. */
  kept_by_card = result->has_seq_number;
  if (kept_by_card)
    {
      if (exchange->own_results == NULL)
        exchange->own_results = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_array_append_val (exchange->own_results, result->seq_number);
      g_array_append_val (sent_result, result->seq_number);
    }
  else
    {
      EsipaEimPackageResult alone = { .eid = exchange->eid, .kind = ESIPA_RESULT_EUICC_PACKAGE_RESULT,
                                      .euicc_package_result = result->raw };
      stored_key = ipa_store_result (exchange, &alone, request->eim_transaction_id);
    }
  ipa_exchange_step (exchange, "after-load");
  note_changes (exchange, request, result);
  verdict = summarize_result (result, &detail);

  /* The notifications the package caused that are for this eIM go with the result when they can be read;
   * those for another eIM or an SM-DP+ stay on the eUICC, as do all of them when the list cannot be read (the
   * result then goes alone). */
  pending = ipa_read_list (exchange, FALSE, TRUE, &list_error);
  if (pending == NULL)
    g_warning ("Reading the notifications the package caused: %s; they wait for the next delivery",
               list_error->message);
  else
    ipa_exchange_note_skipped (exchange, "notification", pending->skipped);
  for (guint i = 0; pending != NULL && !pending->has_error && i < pending->notifications->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (pending->notifications, i);
      if (n->kind == ES10_PENDING_EUICC_PACKAGE_RESULT || !ipa_item_is_ours (exchange, n))
        continue;
      /* In a ProvideEimPackageResult with its eidValue: no EID in the notification itself. */
      g_ptr_array_add (notifications, ipa_notification_for_eim (exchange, n->raw, FALSE));
      if (n->has_seq_number)
        g_array_append_val (sent_notifications, n->seq_number);
    }

  answer.eid = exchange->eid;
  answer.euicc_package_result = result->raw;
  if (notifications->len > 0)
    {
      answer.kind = ESIPA_RESULT_EPR_AND_NOTIFICATIONS;
      answer.notifications = notifications;
    }
  else
    answer.kind = ESIPA_RESULT_EUICC_PACKAGE_RESULT;

  if (rollback != NULL)
    {
      gboolean rolled_back = FALSE;
      gboolean sent = ipa_rollback_send_result (exchange, rollback, &answer, stored_key, kept_by_card,
                                                request->eim_transaction_id, &response, &rolled_back, error);

      /* Rolled back: the results went (or wait) with what the eUICC holds, and the outcome was reported. */
      if (rolled_back)
        return sent;
      if (!sent)
        return FALSE;
    }
  else if (!ipa_send_result (exchange, &answer, stored_key, kept_by_card, request->eim_transaction_id, &response,
                             error))
    return FALSE;
  ipa_exchange_report (exchange, request->eim_transaction_id, operation, verdict, detail);

  ipa_remove_acknowledged (exchange, response);
  /* Whatever the eIM did not acknowledge stays on the eUICC for the next delivery, as does what an earlier
   * package of this exchange left, and the notifications when their list could not be read. */
  exchange->card_pending = pending_before
                           | (all_acknowledged (response, sent_result) ? 0 : IPA_PENDING_PACKAGE_RESULTS)
                           | (pending != NULL && all_acknowledged (response, sent_notifications)
                                ? 0 : IPA_PENDING_NOTIFICATIONS);
  return TRUE;
}
