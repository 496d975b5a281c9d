/* SPDX-License-Identifier: Apache-2.0 */
/* The crash record of a download session: a small key file, so a person can read what was cut short. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-download.h"

#define GROUP "Download"

void
ipa_download_record_free (IpaDownloadRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->eim_id);
  g_free (record->server);
  g_clear_pointer (&record->transaction_id, g_bytes_unref);
  g_clear_pointer (&record->eim_transaction_id, g_bytes_unref);
  g_free (record);
}

static void
set_hex (GKeyFile *file, const gchar *key, GBytes *bytes)
{
  g_autofree gchar *hex = NULL;

  if (bytes == NULL)
    return;
  hex = der_to_hex (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_key_file_set_string (file, GROUP, key, hex);
}

GBytes *
ipa_download_record_encode (const IpaDownloadRecord *record)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  gsize length = 0;
  gchar *text;

  set_hex (file, "TransactionId", record->transaction_id);
  set_hex (file, "EimTransactionId", record->eim_transaction_id);
  if (record->eim_id != NULL)
    g_key_file_set_string (file, GROUP, "EimId", record->eim_id);
  if (record->server != NULL)
    g_key_file_set_string (file, GROUP, "Server", record->server);
  if (record->installed)
    g_key_file_set_boolean (file, GROUP, "Installed", TRUE);
  if (record->direct)
    g_key_file_set_boolean (file, GROUP, "Direct", TRUE);
  text = g_key_file_to_data (file, &length, NULL);
  return g_bytes_new_take (text, length);
}

/* 1 to 16 bytes of hex, as a TransactionId is. */
static GBytes *
get_hex (GKeyFile *file, const gchar *key, gboolean required, GError **error)
{
  g_autofree gchar *hex = g_key_file_get_string (file, GROUP, key, NULL);
  gsize length;
  g_autofree guint8 *bytes = NULL;

  if (hex == NULL)
    {
      if (required)
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s is missing", key);
      return NULL;
    }
  length = strlen (hex);
  if (length == 0 || length > 32 || length % 2 != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s is not 1 to 16 bytes of hex", key);
      return NULL;
    }
  bytes = g_malloc (length / 2);
  for (gsize i = 0; i < length / 2; i++)
    {
      gint high = g_ascii_xdigit_value (hex[2 * i]);
      gint low = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (high < 0 || low < 0)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s is not hex", key);
          return NULL;
        }
      bytes[i] = (guint8) (high << 4 | low);
    }
  return g_bytes_new_take (g_steal_pointer (&bytes), length / 2);
}

IpaDownloadRecord *
ipa_download_record_decode (GBytes *bytes, GError **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(IpaDownloadRecord) record = g_new0 (IpaDownloadRecord, 1);
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_data (file, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), G_KEY_FILE_NONE,
                                  &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "Download record: %s", local_error->message);
      return NULL;
    }
  record->transaction_id = get_hex (file, "TransactionId", TRUE, &local_error);
  if (record->transaction_id == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "Download record: %s", local_error->message);
      return NULL;
    }
  record->eim_transaction_id = get_hex (file, "EimTransactionId", FALSE, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "Download record: %s", local_error->message);
      return NULL;
    }
  record->eim_id = g_key_file_get_string (file, GROUP, "EimId", NULL);
  record->server = g_key_file_get_string (file, GROUP, "Server", NULL);
  record->installed = g_key_file_get_boolean (file, GROUP, "Installed", NULL);
  record->direct = g_key_file_get_boolean (file, GROUP, "Direct", NULL);
  return g_steal_pointer (&record);
}
