/* SPDX-License-Identifier: Apache-2.0 */
/* Serialised as a GVariant "(yuayayaayayayayx)": format version, kind, eid (empty when left out), then each
 * optional blob (empty when absent) and the error code. GVariant gives a checked decoder for free. */
#include "config.h"

#include <string.h>

#include "euiccd-error.h"
#include "ipa/ipa-result-record.h"
#include "euiccd-destroy.h"

EUICCD_DEFINE_DESTROY_NOTIFY (g_bytes_unref, GBytes)

#define RECORD_TYPE "(yuayayaayayayayx)"
#define RECORD_VERSION 1

static GVariant *
bytes_variant (GBytes *bytes)
{
  if (bytes == NULL)
    return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1);
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), 1);
}

GBytes *
ipa_result_record_encode (const EsipaEimPackageResult *result)
{
  GVariantBuilder notifications;
  g_autoptr(GVariant) record = NULL;

  g_variant_builder_init (&notifications, G_VARIANT_TYPE ("aay"));
  if (result->notifications != NULL)
    for (guint i = 0; i < result->notifications->len; i++)
      g_variant_builder_add_value (&notifications, bytes_variant (g_ptr_array_index (result->notifications, i)));

  record = g_variant_ref_sink (g_variant_new (
    "(yu@ay@ayaay@ay@ay@ayx)", (guchar) RECORD_VERSION, (guint32) result->kind,
    result->eid != NULL ? g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, result->eid, 16, 1) : bytes_variant (NULL),
    bytes_variant (result->euicc_package_result), &notifications, bytes_variant (result->ipa_euicc_data_response),
    bytes_variant (result->profile_download_trigger_result), bytes_variant (result->eim_transaction_id),
    (gint64) result->error_code));
  return g_variant_get_data_as_bytes (record);
}

static GBytes *
blob_or_null (GVariant *value)
{
  gsize n = 0;
  const guint8 *data = g_variant_get_fixed_array (value, &n, 1);
  return n > 0 ? g_bytes_new (data, n) : NULL;
}

void
ipa_result_record_free (IpaResultRecord *record)
{
  if (record == NULL)
    return;
  g_clear_pointer (&record->euicc_package_result, g_bytes_unref);
  g_clear_pointer (&record->notifications, g_ptr_array_unref);
  g_clear_pointer (&record->ipa_euicc_data_response, g_bytes_unref);
  g_clear_pointer (&record->profile_download_trigger_result, g_bytes_unref);
  g_clear_pointer (&record->eim_transaction_id, g_bytes_unref);
  g_free (record);
}

IpaResultRecord *
ipa_result_record_decode (GBytes *bytes, GError **error)
{
  g_autoptr(GVariant) record = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (RECORD_TYPE), bytes, FALSE));
  g_autoptr(IpaResultRecord) out = g_new0 (IpaResultRecord, 1);
  g_autoptr(GVariant) eid = NULL, epr = NULL, notifications = NULL, data = NULL, trigger = NULL, txid = NULL;
  guchar version;
  guint32 kind;
  gint64 code;
  gsize eid_length = 0;
  const guint8 *eid_bytes;

  if (!g_variant_is_normal_form (record))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "stored result: not a valid record");
      return NULL;
    }
  g_variant_get (record, RECORD_TYPE, &version, &kind, NULL, NULL, NULL, NULL, NULL, NULL, &code);
  /* g_variant_get with NULL skips; fetch the containers by index to keep ownership simple. */
  eid = g_variant_get_child_value (record, 2);
  epr = g_variant_get_child_value (record, 3);
  notifications = g_variant_get_child_value (record, 4);
  data = g_variant_get_child_value (record, 5);
  trigger = g_variant_get_child_value (record, 6);
  txid = g_variant_get_child_value (record, 7);

  if (version != RECORD_VERSION)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "stored result: format version %u, expected %u",
                   version, RECORD_VERSION);
      return NULL;
    }
  if (kind > ESIPA_RESULT_ERROR)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "stored result: unknown kind %u", kind);
      return NULL;
    }
  eid_bytes = g_variant_get_fixed_array (eid, &eid_length, 1);
  if (eid_length != 0 && eid_length != 16)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "stored result: EID of %" G_GSIZE_FORMAT " bytes",
                   eid_length);
      return NULL;
    }

  out->result.kind = (EsipaEimPackageResultKind) kind;
  if (eid_length == 16)
    {
      memcpy (out->eid, eid_bytes, 16);
      out->result.eid = out->eid;
    }
  out->euicc_package_result = blob_or_null (epr);
  out->ipa_euicc_data_response = blob_or_null (data);
  out->profile_download_trigger_result = blob_or_null (trigger);
  out->eim_transaction_id = blob_or_null (txid);
  out->notifications = g_ptr_array_new_with_free_func (g_bytes_unref_notify);
  for (gsize i = 0; i < g_variant_n_children (notifications); i++)
    {
      g_autoptr(GVariant) item = g_variant_get_child_value (notifications, i);
      GBytes *blob = blob_or_null (item);
      if (blob != NULL)
        g_ptr_array_add (out->notifications, blob);
    }

  out->result.euicc_package_result = out->euicc_package_result;
  out->result.notifications = out->notifications;
  out->result.ipa_euicc_data_response = out->ipa_euicc_data_response;
  out->result.profile_download_trigger_result = out->profile_download_trigger_result;
  out->result.eim_transaction_id = out->eim_transaction_id;
  out->result.error_code = code;
  return g_steal_pointer (&out);
}
