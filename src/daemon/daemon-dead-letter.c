/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-daemon"

#include <string.h>

#include <cjson/cJSON.h>

#include "daemon/daemon-dead-letter.h"
#include "euiccd-autoptr.h"
#include "euiccd-error.h"

#define SUFFIX ".json"
#define FORMAT_VERSION 1
/* Base64 of the largest outbox message, and the fields around it. */
#define MAX_FILE_SIZE ((DAEMON_STORE_MAX_MESSAGE_SIZE / 3 + 1) * 4 + 8 * DAEMON_DEAD_LETTER_FIELD_MAX)
/* Integers a JSON number (a double) holds exactly. */
#define JSON_MAX_EXACT_INTEGER ((gint64) 1 << 53)

void
daemon_dead_letter_free (DaemonDeadLetter *letter)
{
  if (letter == NULL)
    return;
  g_free (letter->id);
  g_free (letter->eim_id);
  g_free (letter->transaction_id);
  g_free (letter->kind);
  g_free (letter->reason);
  g_clear_pointer (&letter->content, g_bytes_unref);
  g_free (letter);
}

/* Valid UTF-8 of at most DAEMON_DEAD_LETTER_FIELD_MAX bytes, cut on a character boundary. */
static gchar *
bounded (const gchar *text)
{
  const gchar *end;

  if (text == NULL)
    return NULL;
  if (!g_utf8_validate (text, -1, &end))
    return g_strndup (text, MIN ((gsize) (end - text), (gsize) DAEMON_DEAD_LETTER_FIELD_MAX));
  if (strlen (text) <= DAEMON_DEAD_LETTER_FIELD_MAX)
    return g_strdup (text);
  end = g_utf8_find_prev_char (text, text + DAEMON_DEAD_LETTER_FIELD_MAX + 1);
  return g_strndup (text, (gsize) (end - text));
}

GBytes *
daemon_dead_letter_to_bytes (const DaemonDeadLetter *letter)
{
  g_autoptr(cJSON) object = cJSON_CreateObject ();
  g_autofree gchar *eim_id = bounded (letter->eim_id);
  g_autofree gchar *transaction_id = bounded (letter->transaction_id);
  g_autofree gchar *kind = bounded (letter->kind);
  g_autofree gchar *reason = bounded (letter->reason);
  g_autofree gchar *content = NULL;
  gsize length = 0;
  const guint8 *data = letter->content != NULL ? g_bytes_get_data (letter->content, &length) : NULL;
  gchar *text;

  content = g_base64_encode (data, length);
  cJSON_AddNumberToObject (object, "version", FORMAT_VERSION);
  cJSON_AddNumberToObject (object, "time", (double) letter->time);
  cJSON_AddStringToObject (object, "eimId", eim_id != NULL ? eim_id : "");
  if (transaction_id != NULL)
    cJSON_AddStringToObject (object, "transactionId", transaction_id);
  cJSON_AddStringToObject (object, "kind", kind != NULL ? kind : "unknown");
  cJSON_AddStringToObject (object, "reason", reason != NULL ? reason : "");
  cJSON_AddStringToObject (object, "content", content);
  text = cJSON_PrintUnformatted (object);
  return g_bytes_new_with_free_func (text, strlen (text), cJSON_free, text);
}

static gboolean
invalid (GError **error, const gchar *id, const gchar *what)
{
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "dead letter %s: %s", id, what);
  return FALSE;
}

/* A string member of at most DAEMON_DEAD_LETTER_FIELD_MAX bytes of UTF-8; absent is NULL when `optional`. */
static gboolean
string_member (const cJSON *object, const gchar *name, gboolean optional, const gchar *id, gchar **ret_value,
               GError **error)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, name);
  g_autofree gchar *what = NULL;

  *ret_value = NULL;
  if (item == NULL && optional)
    return TRUE;
  if (!cJSON_IsString (item) || item->valuestring == NULL || strlen (item->valuestring) > DAEMON_DEAD_LETTER_FIELD_MAX
      || !g_utf8_validate (item->valuestring, -1, NULL))
    {
      what = g_strdup_printf ("\"%s\" is not a string of at most %d bytes of UTF-8", name,
                              DAEMON_DEAD_LETTER_FIELD_MAX);
      return invalid (error, id, what);
    }
  *ret_value = g_strdup (item->valuestring);
  return TRUE;
}

DaemonDeadLetter *
daemon_dead_letter_from_bytes (GBytes *bytes, const gchar *id, GError **error)
{
  g_autoptr(DaemonDeadLetter) letter = g_new0 (DaemonDeadLetter, 1);
  g_autoptr(cJSON) root = NULL;
  g_autofree gchar *content = NULL;
  const cJSON *version, *time;
  gsize length = 0;
  const gchar *data = g_bytes_get_data (bytes, &length);
  guchar *decoded;
  gsize decoded_length = 0;

  root = data != NULL ? cJSON_ParseWithLength (data, length) : NULL;
  if (!cJSON_IsObject (root))
    {
      invalid (error, id, "not a JSON object (truncated or damaged)");
      return NULL;
    }
  version = cJSON_GetObjectItemCaseSensitive (root, "version");
  if (!cJSON_IsNumber (version) || version->valuedouble != FORMAT_VERSION)
    {
      invalid (error, id, "not format version 1");
      return NULL;
    }
  time = cJSON_GetObjectItemCaseSensitive (root, "time");
  if (!cJSON_IsNumber (time) || time->valuedouble < 0 || time->valuedouble > (double) JSON_MAX_EXACT_INTEGER)
    {
      invalid (error, id, "\"time\" is not a non-negative integer");
      return NULL;
    }
  letter->time = (gint64) time->valuedouble;
  if (!string_member (root, "eimId", FALSE, id, &letter->eim_id, error) ||
      !string_member (root, "transactionId", TRUE, id, &letter->transaction_id, error) ||
      !string_member (root, "kind", FALSE, id, &letter->kind, error) ||
      !string_member (root, "reason", FALSE, id, &letter->reason, error))
    return NULL;
  {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive (root, "content");
    if (!cJSON_IsString (item) || item->valuestring == NULL)
      {
        invalid (error, id, "\"content\" is not a string");
        return NULL;
      }
    content = g_strdup (item->valuestring);
  }
  /* g_base64_decode() skips what is not base64; a damaged body must not pass for a shorter one. */
  for (const gchar *p = content; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
      {
        invalid (error, id, "\"content\" is not base64");
        return NULL;
      }
  if (strlen (content) % 4 != 0)
    {
      invalid (error, id, "\"content\" is not base64 (length)");
      return NULL;
    }
  decoded = g_base64_decode (content, &decoded_length);
  letter->content = g_bytes_new_take (decoded, decoded_length);
  letter->id = g_strdup (id);
  return g_steal_pointer (&letter);
}

gchar *
daemon_dead_letters_put (DaemonStore *store, const gchar *eim_id, const gchar *transaction_id, const gchar *kind,
                         const gchar *reason, GBytes *content, GError **error)
{
  static gint64 last_time;
  DaemonDeadLetter letter = { 0 };
  g_autoptr(GBytes) bytes = NULL;
  g_autofree gchar *file_name = NULL;
  gchar *id;

  /* Ids sort in the order the letters came; a few random digits keep two daemons' (a restart) apart. */
  letter.time = MAX (g_get_real_time (), last_time + 1);
  last_time = letter.time;
  id = g_strdup_printf ("%" G_GINT64_FORMAT "-%04x", letter.time, (guint) g_random_int_range (0, 0x10000));
  letter.id = id;
  letter.eim_id = (gchar *) eim_id;
  letter.transaction_id = (gchar *) transaction_id;
  letter.kind = (gchar *) kind;
  letter.reason = (gchar *) reason;
  letter.content = content;
  bytes = daemon_dead_letter_to_bytes (&letter);
  file_name = g_strconcat (id, SUFFIX, NULL);
  if (!daemon_store_folder_write (store, DAEMON_STORE_DEAD_LETTER_FOLDER, file_name, bytes, error))
    {
      g_free (id);
      g_prefix_error (error, "storing a dead letter: ");
      return NULL;
    }
  return id;
}

static gint
compare_letters (gconstpointer a, gconstpointer b)
{
  const DaemonDeadLetter *x = *(DaemonDeadLetter *const *) a;
  const DaemonDeadLetter *y = *(DaemonDeadLetter *const *) b;

  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return strcmp (x->id, y->id);
}

GPtrArray *
daemon_dead_letters_list (DaemonStore *store, GError **error)
{
  g_autoptr(GPtrArray) names = daemon_store_folder_list (store, DAEMON_STORE_DEAD_LETTER_FOLDER, error);
  g_autoptr(GPtrArray) letters = NULL;

  if (names == NULL)
    return NULL;
  letters = g_ptr_array_new_with_free_func ((GDestroyNotify) daemon_dead_letter_free);
  for (guint i = 0; i < names->len; i++)
    {
      const gchar *name = g_ptr_array_index (names, i);
      g_autofree gchar *id = NULL;
      g_autofree gchar *moved = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) file_error = NULL;
      DaemonDeadLetter *letter = NULL;

      if (g_str_has_suffix (name, SUFFIX))
        id = g_strndup (name, strlen (name) - strlen (SUFFIX));
      if (id == NULL || !daemon_store_name_is_valid (id))
        g_set_error (&file_error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "not named <id>" SUFFIX);
      else
        {
          bytes = daemon_store_folder_read (store, DAEMON_STORE_DEAD_LETTER_FOLDER, name, MAX_FILE_SIZE, &file_error);
          /* Dropped since it was listed. */
          if (g_error_matches (file_error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND))
            continue;
          if (bytes != NULL)
            letter = daemon_dead_letter_from_bytes (bytes, id, &file_error);
        }
      if (letter != NULL)
        {
          g_ptr_array_add (letters, letter);
          continue;
        }
      moved = daemon_store_folder_set_aside (store, DAEMON_STORE_DEAD_LETTER_FOLDER, name);
      g_warning ("%s/%s: %s; %s%s", DAEMON_STORE_DEAD_LETTER_FOLDER, name, file_error->message,
                 moved != NULL ? "moved to " : "left in place", moved != NULL ? moved : "");
    }
  g_ptr_array_sort (letters, compare_letters);
  return g_steal_pointer (&letters);
}

gboolean
daemon_dead_letters_drop (DaemonStore *store, const gchar *id, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *file_name = NULL;

  if (!daemon_store_name_is_valid (id))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "'%s' is not a dead letter id", id != NULL ? id : "");
      return FALSE;
    }
  file_name = g_strconcat (id, SUFFIX, NULL);
  if (!daemon_store_folder_remove (store, DAEMON_STORE_DEAD_LETTER_FOLDER, file_name, &local_error))
    {
      if (g_error_matches (local_error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND))
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "no dead letter '%s'", id);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}
