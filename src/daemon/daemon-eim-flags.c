/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include "daemon/daemon-eim-flags.h"
#include "daemon/daemon-store.h"
#include "euiccd-error.h"

#define CAUSE_UNDEFINED 127

GHashTable *
daemon_eim_flags_parse (const gchar *data, gsize length, GError **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;

  if (!g_key_file_load_from_data (file, data, length, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %s", DAEMON_EIM_FLAGS_FILE,
                   local_error->message);
      return NULL;
    }
  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr(GError) notify_error = NULL;
      g_autoptr(GError) cause_error = NULL;
      /* Groups are escaped eIM ids (a group name may not hold '[', ']' or control characters); a group that is
       * no escape was written by a version that did not escape. */
      g_autofree gchar *eim_id = daemon_store_unescape_name (groups[i]);
      DaemonEimFlags *flags;
      gboolean notify;
      gint64 cause;

      if (eim_id == NULL && g_utf8_validate (groups[i], -1, NULL))
        eim_id = g_strdup (groups[i]);
      if (eim_id == NULL)
        {
          g_warning ("%s: [%s] is no eIM id, escaped or not; skipped", DAEMON_EIM_FLAGS_FILE, groups[i]);
          continue;
        }

      notify = g_key_file_get_boolean (file, groups[i], "NotifyStateChange", &notify_error);
      if (notify_error != NULL)
        {
          g_warning ("%s: [%s] NotifyStateChange: %s; this eIM's flags start afresh", DAEMON_EIM_FLAGS_FILE,
                     groups[i], notify_error->message);
          continue;
        }
      cause = g_key_file_get_int64 (file, groups[i], "StateChangeCause", &cause_error);
      if (cause_error != NULL || cause < 0 || cause > CAUSE_UNDEFINED)
        {
          if (notify)
            g_warning ("%s: [%s] StateChangeCause is missing or not a cause (0..127): read as undefined",
                       DAEMON_EIM_FLAGS_FILE, groups[i]);
          cause = CAUSE_UNDEFINED;
        }
      flags = g_new0 (DaemonEimFlags, 1);
      flags->notify = notify;
      flags->cause = cause;
      g_hash_table_replace (table, g_steal_pointer (&eim_id), flags);
    }
  return g_steal_pointer (&table);
}

GBytes *
daemon_eim_flags_to_bytes (GHashTable *flags)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  GHashTableIter iter;
  gpointer key, value;
  gsize length = 0;
  gchar *data;

  g_hash_table_iter_init (&iter, flags);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const DaemonEimFlags *entry = value;
      g_autofree gchar *group = NULL;

      if (!entry->notify)
        continue;
      group = daemon_store_escape_name (key);
      g_key_file_set_boolean (file, group, "NotifyStateChange", TRUE);
      g_key_file_set_int64 (file, group, "StateChangeCause", entry->cause);
    }
  data = g_key_file_to_data (file, &length, NULL);
  return g_bytes_new_take (data, length);
}
