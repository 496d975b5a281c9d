/* SPDX-License-Identifier: Apache-2.0 */
/* An eUICC package for a consumer (SGP.22) eUICC, which has no LoadEuiccPackage: euiccd does what SGP.32 2.11 has
 * the eUICC do (check the eimId, the eIM's signature, the EID and the counter, store the counter), then runs each
 * PSMO with the ES10c function (or ES10b GetRAT) that does the same, or each eCO against the eIMs it keeps, and
 * answers the eIM with a result it builds itself. It cannot sign as the eUICC: the result carries an empty
 * euiccSignEPR, and refusals before any change are euiccPackageErrorUnsigned, or euiccPackageErrorSigned with an
 * empty signature when the error code matters (docs/sgp22.md says what an eIM must accept). */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include <string.h>

#include "card/es10.h"
#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-context.h"
#include "ipa/ipa-private.h"
#include "ipa/ipa-sgp22-result.h"
#include "ipa/ipa-sgp22-verify.h"

#define MAX_COUNTER_VALUE G_GINT64_CONSTANT (0x7FFFFFFF)
#define ERROR_INVALID_EID 3
#define ERROR_REPLAY 4
#define ERROR_COUNTER_OUT_OF_RANGE 6
#define ERROR_UNDEFINED 127
#define TERMINATED_UNKNOWN_COMMAND 2
#define TERMINATED_UNDEFINED 127

/* The parts of the eIM's BF51 euiccd needs: what was signed, the signature, the operations. */
typedef struct {
  DerTlv signed_part;
  DerTlv signature;
  DerTlv operations;   /* psmoList (A0) or ecoList (A1) */
} PackageParts;

static gboolean
split_package (GBytes *raw, PackageParts *parts, GError **error)
{
  DerTlv outer, item;
  DerReader reader;
  gboolean has_signed = FALSE, has_signature = FALSE, has_operations = FALSE;

  if (!der_parse_expect (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), 0xBF51, &outer, error)
      || !der_reader_enter (&outer, &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      if (!der_reader_next (&reader, &item, error))
        return FALSE;
      if (item.tag == 0x30 && !has_signed)
        {
          parts->signed_part = item;
          has_signed = TRUE;
        }
      else if (item.tag == 0x5F37 && !has_signature)
        {
          parts->signature = item;
          has_signature = TRUE;
        }
    }
  if (has_signed)
    {
      if (!der_reader_enter (&parts->signed_part, &reader, error))
        return FALSE;
      while (!der_reader_at_end (&reader) && !has_operations)
        {
          if (!der_reader_next (&reader, &item, error))
            return FALSE;
          if (item.tag == 0xA0 || item.tag == 0xA1)
            {
              parts->operations = item;
              has_operations = TRUE;
            }
        }
    }
  if (!has_signed || !has_signature || !has_operations)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "EuiccPackageRequest: %s missing",
                   !has_signed ? "euiccPackageSigned (30)" : !has_signature ? "eimSignature (5F37)"
                                                                            : "euiccPackage (A0/A1)");
      return FALSE;
    }
  return TRUE;
}

static void
terminate (DerWriter *results, GString *detail, gint64 code, gboolean *all_ok)
{
  der_write_int (results, 0x02, code);
  g_string_append_printf (detail, "%sprocessingTerminated=%" G_GINT64_FORMAT, detail->len > 0 ? ", " : "", code);
  *all_ok = FALSE;
}

/* getRAT is ES10b GetRAT, which consumer eUICCs have too: its rat (A0) becomes getRATResult (A6), the same
 * RulesAuthorisationTable under the PSMO result's tag. FALSE when processing must stop. */
static gboolean
run_get_rat (IpaExchange *exchange, IsdrSession *session, DerWriter *results, GString *detail, gboolean *all_ok)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10Rat) rat = NULL;
  DerTlv outer, table;

  if (!es10_get_rat (session, &rat, &error)
      || !der_parse_single (g_bytes_get_data (rat->raw, NULL), g_bytes_get_size (rat->raw), &outer, &error)
      || !der_find_child (&outer, 0xA0, &table, &error))
    {
      g_warning ("eIM %s: getRAT with GetRAT: %s", exchange->eim->eim_id, error->message);
      terminate (results, detail, TERMINATED_UNDEFINED, all_ok);
      return FALSE;
    }
  der_write (results, 0xA6, table.value, table.length);
  g_string_append_printf (detail, "%sgetRATResult=%u rule(s)", detail->len > 0 ? ", " : "", rat->rules->len);
  return TRUE;
}

/* One PSMO run with ES10c; the EuiccResultData it gives is appended to `results`. FALSE when processing must
 * stop (the result then is processingTerminated). */
static gboolean
run_psmo (IpaExchange *exchange, IsdrSession *session, const DerTlv *psmo, DerWriter *results, GString *detail,
          gboolean *all_ok)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *iccid = NULL;
  DerTlv field;
  Es10ProfileOp op;
  gint64 code = -1;

  switch (psmo->tag)
    {
    case 0xA3: op = ES10_PROFILE_OP_ENABLE; break;
    case 0xA4: op = ES10_PROFILE_OP_DISABLE; break;
    case 0xA5: op = ES10_PROFILE_OP_DELETE; break;
    case 0xA6: return run_get_rat (exchange, session, results, detail, all_ok);
    case 0xBF2D:
      {
        /* listProfileInfo is ES10c GetProfilesInfo, the same TLV both ways. */
        g_autoptr(GBytes) request = g_bytes_new (psmo->raw, psmo->raw_length);
        g_autoptr(GBytes) answer = es10_get_profiles_info_raw (session, request, &error);
        DerTlv checked;

        if (answer == NULL
            || !der_parse_expect (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), 0xBF2D, &checked,
                                  &error))
          {
            g_warning ("listProfileInfo with GetProfilesInfo: %s", error->message);
            terminate (results, detail, TERMINATED_UNDEFINED, all_ok);
            return FALSE;
          }
        der_write_raw (results, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
        g_string_append_printf (detail, "%slistProfileInfoResult=ok", detail->len > 0 ? ", " : "");
        return TRUE;
      }
    default:
      g_warning ("eIM %s: PSMO %X has no ES10c equivalent on a consumer eUICC; processing ends there",
                 exchange->eim->eim_id, psmo->tag);
      terminate (results, detail, TERMINATED_UNKNOWN_COMMAND, all_ok);
      return FALSE;
    }

  if (!der_find_child (psmo, 0x5A, &field, &error)
      || (iccid = es10_iccid_decode (field.value, field.length, &error)) == NULL)
    {
      g_warning ("eIM %s: PSMO %X: %s", exchange->eim->eim_id, psmo->tag, error->message);
      terminate (results, detail, TERMINATED_UNKNOWN_COMMAND, all_ok);
      return FALSE;
    }
  if (op == ES10_PROFILE_OP_ENABLE && der_find_child (psmo, 0x05, &field, NULL))
    g_message ("eIM %s: enable with rollbackFlag: a consumer eUICC has no rollback; enabled without one",
               exchange->eim->eim_id);
  if (!es10_profile_op (session, op, iccid, TRUE, &code, &error))
    {
      g_warning ("%s: %s", es10_profile_op_name (op), error->message);
      code = ERROR_UNDEFINED;
    }
  /* enableResult [3], disableResult [4], deleteResult [5]: the PSMO's own tag number. */
  der_write_int (results, 0x80 | (psmo->tag & 0x1F), code);
  g_string_append_printf (detail, "%s%sResult=%" G_GINT64_FORMAT, detail->len > 0 ? ", " : "",
                          op == ES10_PROFILE_OP_ENABLE ? "enable"
                          : op == ES10_PROFILE_OP_DISABLE ? "disable" : "delete", code);
  if (code != 0)
    *all_ok = FALSE;
  /* Whatever the card answered, it may have changed something: the other eIMs hear of it. */
  exchange->profiles_changed = TRUE;
  return TRUE;
}

static const gchar *
eco_result_name (guint32 tag)
{
  switch (tag)
    {
    case 0xA8: return "addEimResult";
    case 0xA9: return "deleteEimResult";
    case 0xAA: return "updateEimResult";
    case 0xAB: return "listEimResult";
    default: return "processingTerminated";
    }
}

/* The CIs the card signs with (EUICCInfo1), which the euiccCiPKId of an addEim or updateEim must name, as the
 * eUICC would check it; read only for an ecoList with one of those. NULL when none is needed or the card failed
 * (the eCOs naming a CI are then answered undefinedError). */
static Es10EuiccInfo1 *
read_card_cis (IpaExchange *exchange, const DerTlv *operations)
{
  g_autoptr(GError) error = NULL;
  Es10EuiccInfo1 *info1 = NULL;
  gboolean needed = FALSE;
  IsdrSession *session;
  DerReader reader;
  DerTlv eco;

  der_reader_init (&reader, operations->value, operations->length);
  while (!needed && !der_reader_at_end (&reader) && der_reader_next (&reader, &eco, NULL))
    needed = eco.tag == 0xA8 || eco.tag == 0xAA;
  if (!needed)
    return NULL;
  session = ipa_exchange_session (exchange, &error);
  if (session == NULL || !es10_get_euicc_info1 (session, &info1, &error))
    g_warning ("eIM %s: reading the eUICC's CIs for the eCOs: %s", exchange->eim->eim_id, error->message);
  return info1;
}

/* One eCO, run against the eIMs euiccd keeps (the card has none). FALSE when processing must stop. */
static gboolean
run_eco (IpaExchange *exchange, const DerTlv *eco, const Es10EuiccInfo1 *card_cis, DerWriter *results,
         GString *detail, gboolean *all_ok)
{
  gboolean changed = FALSE;
  g_autoptr(GBytes) result = exchange->sgp22->run_eco (exchange->sgp22->user_data, eco->raw, eco->raw_length,
                                                        card_cis != NULL ? card_cis->ci_pkids_signing : NULL,
                                                        &changed);
  DerTlv code;

  if (result == NULL)
    {
      g_warning ("eIM %s: eCO %X is unknown or damaged; processing ends there", exchange->eim->eim_id, eco->tag);
      terminate (results, detail, TERMINATED_UNKNOWN_COMMAND, all_ok);
      return FALSE;
    }
  der_write_raw (results, g_bytes_get_data (result, NULL), g_bytes_get_size (result));
  if (changed)
    exchange->eims_changed = TRUE;
  /* deleteEim and updateEim answer a bare INTEGER; addEim an INTEGER or a token inside A8; listEim a list. */
  if (der_parse_single (g_bytes_get_data (result, NULL), g_bytes_get_size (result), &code, NULL) && !code.constructed)
    {
      gint64 value = -1;

      der_tlv_get_int (&code, &value, NULL);
      g_string_append_printf (detail, "%s%s=%" G_GINT64_FORMAT, detail->len > 0 ? ", " : "",
                              eco_result_name (eco->tag), value);
      /* lastEimDeleted(2) is a deletion done. */
      if (value != 0 && !(eco->tag == 0xA9 && value == 2))
        *all_ok = FALSE;
    }
  else
    {
      DerTlv inner;

      if (eco->tag == 0xA8 && der_find_child (&code, 0x02, &inner, NULL))
        {
          gint64 value = -1;

          der_tlv_get_int (&inner, &value, NULL);
          g_string_append_printf (detail, "%saddEimResult=%" G_GINT64_FORMAT, detail->len > 0 ? ", " : "", value);
          if (value != 0)
            *all_ok = FALSE;
        }
      else
        g_string_append_printf (detail, "%s%s=ok", detail->len > 0 ? ", " : "", eco_result_name (eco->tag));
    }
  return TRUE;
}

static GBytes *
run_psmos (IpaExchange *exchange, IsdrSession *session, const EsipaEuiccPackageRequest *request,
           const PackageParts *parts, gint64 seq_number, gchar **ret_detail, const gchar **ret_verdict)
{
  g_auto(DerWriter) writer = { 0 };
  g_autoptr(Es10EuiccInfo1) card_cis = request->is_eco_list ? read_card_cis (exchange, &parts->operations) : NULL;
  GString *detail = g_string_new (NULL);
  DerReader reader;
  DerTlv psmo;
  gboolean all_ok = TRUE;

  ipa_sgp22_result_begin (&writer, request->eim_id, request->counter_value, request->eim_transaction_id, seq_number);
  der_reader_init (&reader, parts->operations.value, parts->operations.length);
  while (!der_reader_at_end (&reader) && der_reader_next (&reader, &psmo, NULL))
    if (request->is_eco_list ? !run_eco (exchange, &psmo, card_cis, &writer, detail, &all_ok)
                             : !run_psmo (exchange, session, &psmo, &writer, detail, &all_ok))
      break;
  *ret_verdict = all_ok ? "ok" : "executed-with-errors";
  *ret_detail = g_string_free (detail, FALSE);
  return ipa_sgp22_result_end (&writer);
}

/* The eIM acknowledges euiccd's seqNumber for the result together with the card's for the notifications, and the
 * two count apart: only those of notifications sent are taken to the card. */
static void
keep_card_acknowledgements (EsipaProvideResultResponse *response, const GArray *sent)
{
  if (response == NULL || response->kind != ESIPA_PROVIDE_RESULT_ACKNOWLEDGEMENTS || response->seq_numbers == NULL)
    return;
  for (guint i = response->seq_numbers->len; i > 0; i--)
    {
      gint64 seq = g_array_index (response->seq_numbers, gint64, i - 1);
      gboolean was_sent = FALSE;

      for (guint j = 0; j < sent->len && !was_sent; j++)
        was_sent = g_array_index (sent, gint64, j) == seq;
      if (!was_sent)
        g_array_remove_index (response->seq_numbers, i - 1);
    }
}

/* The checks of SGP.32 2.11 in the eUICC's order; the answer to a package that fails one, or NULL when all pass
 * (`parts` then filled in). */
static GBytes *
check_package (IpaExchange *exchange, const EsipaEimPackage *package, PackageParts *parts, const gchar **ret_verdict)
{
  const EsipaEuiccPackageRequest *request = package->euicc_package;
  const Es10EimConfiguration *eim = exchange->eim;
  g_autoptr(GByteArray) signed_data = NULL;
  g_autoptr(GError) error = NULL;
  gint64 last_counter;

  if (g_strcmp0 (request->eim_id, eim->eim_id) != 0)
    {
      g_warning ("eIM %s sent a package for another eimId: refused unsigned", eim->eim_id);
      *ret_verdict = "unknownEim";
      return ipa_sgp22_error_unsigned (request->eim_id, request->eim_transaction_id, FALSE, 0);
    }
  if (!split_package (package->raw, parts, &error))
    {
      g_warning ("eIM %s: %s", eim->eim_id, error->message);
      *ret_verdict = "rejected";
      return ipa_sgp22_error_unsigned (request->eim_id, request->eim_transaction_id, eim->has_association_token,
                                       eim->association_token);
    }
  signed_data = g_byte_array_new ();
  g_byte_array_append (signed_data, parts->signed_part.raw, parts->signed_part.raw_length);
  if (eim->has_association_token)
    {
      g_auto(DerWriter) token = { 0 };
      g_autoptr(GBytes) token_tlv = NULL;

      der_writer_init (&token);
      der_write_int (&token, 0x84, eim->association_token);
      token_tlv = der_writer_finish (&token);
      g_byte_array_append (signed_data, g_bytes_get_data (token_tlv, NULL), g_bytes_get_size (token_tlv));
    }
  if (!ipa_sgp22_verify_signature (eim->public_key_kind, eim->public_key_data, signed_data->data, signed_data->len,
                                   parts->signature.value, parts->signature.length, &error))
    {
      g_warning ("eIM %s: package refused: %s", eim->eim_id, error->message);
      *ret_verdict = "rejected";
      return ipa_sgp22_error_unsigned (request->eim_id, request->eim_transaction_id, eim->has_association_token,
                                       eim->association_token);
    }
  if (memcmp (request->eid, exchange->eid, sizeof exchange->eid) != 0)
    {
      *ret_verdict = "invalidEid";
      return ipa_sgp22_error_signed (request->eim_id, request->counter_value, request->eim_transaction_id,
                                     ERROR_INVALID_EID);
    }
  if (request->counter_value < 0 || request->counter_value > MAX_COUNTER_VALUE)
    {
      *ret_verdict = "counterValueOutOfRange";
      return ipa_sgp22_error_signed (request->eim_id, request->counter_value, request->eim_transaction_id,
                                     ERROR_COUNTER_OUT_OF_RANGE);
    }
  last_counter = exchange->sgp22->get_counter (exchange->sgp22->user_data, eim->eim_id);
  if (request->counter_value <= last_counter)
    {
      g_warning ("eIM %s: counterValue %" G_GINT64_FORMAT " is not above %" G_GINT64_FORMAT ": replay refused",
                 eim->eim_id, request->counter_value, last_counter);
      *ret_verdict = "replayError";
      return ipa_sgp22_error_signed (request->eim_id, request->counter_value, request->eim_transaction_id,
                                     ERROR_REPLAY);
    }
  return NULL;
}

gboolean
ipa_sgp22_run_euicc_package (IpaExchange *exchange, const EsipaEimPackage *package, GError **error)
{
  const EsipaEuiccPackageRequest *request = package->euicc_package;
  g_autoptr(GBytes) result = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(EsipaProvideResultResponse) response = NULL;
  g_autoptr(GPtrArray) notifications = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) sent = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree gchar *stored_key = NULL;
  g_autofree gchar *provisional_key = NULL;
  g_autofree gchar *detail = NULL;
  const Es10PendingNotificationList *pending = NULL;
  const gchar *verdict = "ok";
  EsipaEimPackageResult answer = { .eid = exchange->eid, .kind = ESIPA_RESULT_EUICC_PACKAGE_RESULT };
  PackageParts parts = { 0 };
  gint64 seq_number = 0;
  IsdrSession *session;

  result = check_package (exchange, package, &parts, &verdict);
  if (result == NULL)
    {
      if (!exchange->sgp22->accept_counter (exchange->sgp22->user_data, exchange->eim->eim_id, request->counter_value,
                                            &seq_number, &local_error))
        {
          /* Without the counter on disk a replay could not be recognised after a restart: nothing is run. */
          g_warning ("eIM %s: storing the counterValue: %s; the package is not run", exchange->eim->eim_id,
                     local_error->message);
          verdict = "undefinedError";
          result = ipa_sgp22_error_signed (request->eim_id, request->counter_value, request->eim_transaction_id,
                                           ERROR_UNDEFINED);
        }
    }
  if (result == NULL)
    {
      /* Until the real result is on disk, a crash leaves the eIM this one: what ran is not known. */
      g_autoptr(GBytes) provisional = ipa_sgp22_error_signed (request->eim_id, request->counter_value,
                                                              request->eim_transaction_id, ERROR_UNDEFINED);
      EsipaEimPackageResult unknown = { .eid = exchange->eid, .kind = ESIPA_RESULT_EUICC_PACKAGE_RESULT,
                                        .euicc_package_result = provisional };

      provisional_key = ipa_store_result (exchange, &unknown, request->eim_transaction_id);
      /* eCOs touch only euiccd's own store; PSMOs need the card. */
      session = request->is_eco_list ? NULL : ipa_exchange_session (exchange, error);
      if (session == NULL && !request->is_eco_list)
        return FALSE;
      ipa_exchange_step (exchange, "before-load");
      if (!request->is_eco_list)
        exchange->card_pending |= IPA_PENDING_NOTIFICATIONS;
      result = run_psmos (exchange, session, request, &parts, seq_number, &detail, &verdict);
    }
  else
    detail = g_strdup_printf ("refused by euiccd before any change: %s", verdict);

  /* Only euiccd has this result: on disk before anything else can happen. */
  answer.euicc_package_result = result;
  stored_key = ipa_store_result (exchange, &answer, request->eim_transaction_id);
  if (provisional_key != NULL && g_strcmp0 (provisional_key, stored_key) != 0)
    {
      g_autoptr(GError) remove_error = NULL;

      /* Without an eimTransactionId the two have keys of their own; with one, the real result replaced it. When
       * the real one could not be stored, the provisional one stays: the eIM then hears the package's outcome
       * is unknown rather than nothing. */
      if (stored_key != NULL
          && !exchange->outbox.remove (exchange->outbox.user_data, exchange->eim->eim_id, provisional_key,
                                       &remove_error))
        g_warning ("Removing the provisional result %s: %s", provisional_key, remove_error->message);
    }
  ipa_exchange_step (exchange, "after-load");

  if (exchange->profiles_changed)
    {
      g_autoptr(GError) list_error = NULL;

      pending = ipa_read_list (exchange, FALSE, TRUE, &list_error);
      if (pending == NULL)
        g_warning ("Reading the notifications the package caused: %s; they wait for the next delivery",
                   list_error->message);
    }
  for (guint i = 0; pending != NULL && !pending->has_error && i < pending->notifications->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (pending->notifications, i);

      if (n->kind == ES10_PENDING_EUICC_PACKAGE_RESULT || !ipa_item_is_ours (exchange, n))
        continue;
      g_ptr_array_add (notifications, ipa_notification_for_eim (exchange, n->raw, FALSE));
      if (n->has_seq_number)
        g_array_append_val (sent, n->seq_number);
    }
  if (notifications->len > 0)
    {
      answer.kind = ESIPA_RESULT_EPR_AND_NOTIFICATIONS;
      answer.notifications = notifications;
    }
  if (!ipa_send_result (exchange, &answer, stored_key, FALSE, request->eim_transaction_id, &response, error))
    return FALSE;
  ipa_exchange_report (exchange, request->eim_transaction_id, request->is_eco_list ? "eco" : "psmo", verdict,
                       detail);
  keep_card_acknowledgements (response, sent);
  ipa_remove_acknowledged (exchange, response);
  return TRUE;
}
