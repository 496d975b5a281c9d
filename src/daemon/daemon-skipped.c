/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "daemon/daemon-skipped.h"

struct _DaemonSkipped {
  GMutex lock;
  GHashTable *seen;  /* SHA-256 in hex of list and bytes -> nothing */
};

DaemonSkipped *
daemon_skipped_new (void)
{
  DaemonSkipped *skipped = g_new0 (DaemonSkipped, 1);

  g_mutex_init (&skipped->lock);
  skipped->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return skipped;
}

void
daemon_skipped_free (DaemonSkipped *skipped)
{
  if (skipped == NULL)
    return;
  g_hash_table_unref (skipped->seen);
  g_mutex_clear (&skipped->lock);
  g_free (skipped);
}

gboolean
daemon_skipped_note (DaemonSkipped *skipped, const gchar *list, GBytes *raw)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize length = 0;
  const guint8 *data = raw != NULL ? g_bytes_get_data (raw, &length) : NULL;
  gboolean added;

  /* The list's name ends at its NUL: the same bytes in two lists are two entries. */
  g_checksum_update (checksum, (const guchar *) list, (gssize) strlen (list) + 1);
  if (length > 0)
    g_checksum_update (checksum, data, (gssize) length);
  g_mutex_lock (&skipped->lock);
  added = g_hash_table_add (skipped->seen, g_strdup (g_checksum_get_string (checksum)));
  g_mutex_unlock (&skipped->lock);
  return added;
}

guint
daemon_skipped_count (DaemonSkipped *skipped)
{
  guint count;

  g_mutex_lock (&skipped->lock);
  count = g_hash_table_size (skipped->seen);
  g_mutex_unlock (&skipped->lock);
  return count;
}
