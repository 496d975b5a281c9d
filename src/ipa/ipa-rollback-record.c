/* SPDX-License-Identifier: Apache-2.0 */
/* The on-disk form of the rollback record (ipa-rollback-record.h). */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-rollback-record.h"

#define GROUP "Rollback"

void
ipa_rollback_record_free (IpaRollbackRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->eim_id);
  g_clear_pointer (&record->eim_transaction_id, g_bytes_unref);
  g_free (record->operation);
  g_free (record);
}

GBytes *
ipa_rollback_record_encode (const IpaRollbackRecord *record)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  gsize length = 0;
  gchar *text;

  g_key_file_set_string (file, GROUP, "EimId", record->eim_id);
  if (record->eim_transaction_id != NULL)
    {
      g_autofree gchar *hex = der_to_hex (g_bytes_get_data (record->eim_transaction_id, NULL),
                                          g_bytes_get_size (record->eim_transaction_id));
      g_key_file_set_string (file, GROUP, "EimTransactionId", hex);
    }
  g_key_file_set_int64 (file, GROUP, "CounterValue", record->counter_value);
  g_key_file_set_string (file, GROUP, "Operation", record->operation != NULL ? record->operation : "psmo:enable");
  g_key_file_set_int64 (file, GROUP, "Since", record->since_s);
  text = g_key_file_to_data (file, &length, NULL);
  return g_bytes_new_take (text, length);
}

static gboolean
invalid (GError **error, const gchar *key, const gchar *what)
{
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "Rollback record: [%s] %s %s", GROUP, key, what);
  return FALSE;
}

static gboolean
get_int64 (GKeyFile *file, const gchar *key, gint64 *ret_value, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  *ret_value = g_key_file_get_int64 (file, GROUP, key, &local_error);
  if (local_error != NULL)
    return invalid (error, key, g_key_file_has_key (file, GROUP, key, NULL) ? "is not a number" : "is missing");
  return TRUE;
}

IpaRollbackRecord *
ipa_rollback_record_decode (GBytes *bytes, GError **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(IpaRollbackRecord) record = g_new0 (IpaRollbackRecord, 1);
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *hex = NULL;
  gsize length;
  const gchar *data = g_bytes_get_data (bytes, &length);

  if (!g_key_file_load_from_data (file, data != NULL ? data : "", length, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "Rollback record: %s", local_error->message);
      return NULL;
    }
  record->eim_id = g_key_file_get_string (file, GROUP, "EimId", NULL);
  if (record->eim_id == NULL || record->eim_id[0] == '\0' || strlen (record->eim_id) > 128)
    {
      invalid (error, "EimId", record->eim_id == NULL ? "is missing" : "is not 1 to 128 bytes");
      return NULL;
    }
  hex = g_key_file_get_string (file, GROUP, "EimTransactionId", NULL);
  if (hex != NULL)
    {
      record->eim_transaction_id = der_from_hex (hex, NULL);
      if (record->eim_transaction_id == NULL || g_bytes_get_size (record->eim_transaction_id) == 0
          || g_bytes_get_size (record->eim_transaction_id) > 16)
        {
          invalid (error, "EimTransactionId", "is not 1 to 16 bytes of hex");
          return NULL;
        }
    }
  if (!get_int64 (file, "CounterValue", &record->counter_value, error)
      || !get_int64 (file, "Since", &record->since_s, error))
    return NULL;
  record->operation = g_key_file_get_string (file, GROUP, "Operation", NULL);
  if (record->operation == NULL)
    record->operation = g_strdup ("psmo:enable");
  else if (strlen (record->operation) > 256 || !g_str_is_ascii (record->operation))
    {
      invalid (error, "Operation", "is not up to 256 ASCII characters");
      return NULL;
    }
  return g_steal_pointer (&record);
}
