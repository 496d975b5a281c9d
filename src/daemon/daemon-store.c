/* SPDX-License-Identifier: Apache-2.0 */
/* The state directory. What is written must survive a power cut at any instant, and what is read back was
 * possibly written by an older version, damaged by a failing flash, or edited by hand: every file is parsed
 * as hostile input, and a damaged one is set aside rather than stopping the daemon. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-daemon"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "daemon/daemon-store.h"
#include "euiccd-autoptr.h"
#include "euiccd-error.h"
#include "euiccd-destroy.h"

EUICCD_DEFINE_DESTROY_NOTIFY (daemon_history_entry_free, DaemonHistoryEntry)
EUICCD_DEFINE_DESTROY_NOTIFY (daemon_outbox_entry_free, DaemonOutboxEntry)

#define OUTBOX_DIR "outbox"
#define CORRUPT_DIR "corrupt"
#define HISTORY_FILE "history"
#define OUTBOX_SUFFIX ".msg"
#define TEMP_PREFIX ".tmp-"

/* Outbox file: magic, version, created (int64), eIM id (u16 length), key (u16 length), message (u32 length),
 * SHA-256 of everything before it. Big-endian throughout. */
#define OUTBOX_MAGIC "EUOB"
#define OUTBOX_VERSION 1
#define OUTBOX_DIGEST_LENGTH 32
#define OUTBOX_HEADER_LENGTH (4 + 1 + 8)
#define OUTBOX_MAX_FILE_SIZE \
  (OUTBOX_HEADER_LENGTH + 2 + DAEMON_STORE_MAX_EIM_ID_LENGTH + 2 + DAEMON_STORE_MAX_KEY_LENGTH + 4 + \
   DAEMON_STORE_MAX_MESSAGE_SIZE + OUTBOX_DIGEST_LENGTH)

/* History fields are cut to this many bytes, so N entries have a known upper size. */
#define HISTORY_FIELD_MAX 1024
#define HISTORY_MAX_FILE_SIZE (64 * 1024 * 1024)
/* Integers a JSON number (a double) holds exactly. */
#define JSON_MAX_EXACT_INTEGER ((gint64) 1 << 53)

struct _DaemonStore {
  gchar *directory;
  gchar *outbox_directory;
  gchar *corrupt_directory;
  guint history_size;
  GPtrArray *history;   /* DaemonHistoryEntry, oldest first */
  gint64 last_created;  /* keeps creation times strictly increasing within a run */
};

/* ---- files, written the crash-safe way ---- */

static gboolean
set_errno_error (GError **error, gint errsv, const gchar *what, const gchar *path)
{
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED, "%s %s: %s", what, path, g_strerror (errsv));
  return FALSE;
}

/* A rename or unlink is durable only once the directory holding it is synced. */
static gboolean
sync_directory (const gchar *directory, GError **error)
{
  gint fd = open (directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gint errsv;

  if (fd < 0)
    return set_errno_error (error, errno, "cannot open directory", directory);
  if (fsync (fd) < 0)
    {
      errsv = errno;
      close (fd);
      return set_errno_error (error, errsv, "cannot sync directory", directory);
    }
  close (fd);
  return TRUE;
}

static gboolean
write_all (gint fd, const guint8 *data, gsize length)
{
  while (length > 0)
    {
      gssize written = write (fd, data, length);
      if (written < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      data += written;
      length -= (gsize) written;
    }
  return TRUE;
}

static gboolean
write_atomic (const gchar *directory, const gchar *name, const guint8 *data, gsize length, GError **error)
{
  g_autofree gchar *path = g_build_filename (directory, name, NULL);
  g_autofree gchar *temp_name = g_strconcat (TEMP_PREFIX, name, "-XXXXXX", NULL);
  g_autofree gchar *temp_path = g_build_filename (directory, temp_name, NULL);
  gint fd;
  gint errsv;

  fd = g_mkstemp_full (temp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_errno_error (error, errno, "cannot create", temp_path);
  /* The umask may only have removed bits; the mode is set exactly all the same. */
  if (fchmod (fd, 0600) < 0 || !write_all (fd, data, length) || fsync (fd) < 0)
    {
      errsv = errno;
      close (fd);
      g_unlink (temp_path);
      return set_errno_error (error, errsv, "cannot write", temp_path);
    }
  if (close (fd) < 0)
    {
      errsv = errno;
      g_unlink (temp_path);
      return set_errno_error (error, errsv, "cannot write", temp_path);
    }
  if (g_rename (temp_path, path) < 0)
    {
      errsv = errno;
      g_unlink (temp_path);
      return set_errno_error (error, errsv, "cannot rename into place", path);
    }
  return sync_directory (directory, error);
}

/* Reads a whole file of at most `max` bytes: NOT_FOUND when absent, INVALID_DATA when larger. */
static GBytes *
read_bounded (const gchar *path, gsize max, GError **error)
{
  GStatBuf st;
  g_autoptr(GError) local_error = NULL;
  gchar *contents = NULL;
  gsize length = 0;

  if (g_stat (path, &st) < 0)
    {
      gint errsv = errno;
      if (errsv == ENOENT)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "%s: no such file", path);
          return NULL;
        }
      set_errno_error (error, errsv, "cannot read", path);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: not a regular file", path);
      return NULL;
    }
  if ((guint64) st.st_size > max)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %" G_GUINT64_FORMAT " bytes, more than the "
                   "%" G_GSIZE_FORMAT " allowed", path, (guint64) st.st_size, max);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED, "cannot read %s: %s", path, local_error->message);
      return NULL;
    }
  /* It may have grown between stat and read. */
  if (length > max)
    {
      g_free (contents);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: more than the %" G_GSIZE_FORMAT " bytes "
                   "allowed", path, max);
      return NULL;
    }
  return g_bytes_new_take (contents, length);
}

/* Creates the directory if needed and makes it 0700: it holds what the eUICC told us and what an eIM has
 * not received yet. */
static gboolean
ensure_private_directory (const gchar *directory, GError **error)
{
  GStatBuf st;

  if (g_mkdir_with_parents (directory, 0700) < 0)
    return set_errno_error (error, errno, "cannot create directory", directory);
  if (g_stat (directory, &st) < 0)
    return set_errno_error (error, errno, "cannot inspect", directory);
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED, "%s: not a directory", directory);
      return FALSE;
    }
  if ((st.st_mode & 07777) != 0700 && g_chmod (directory, 0700) < 0)
    g_warning ("cannot restrict %s to mode 0700 (now %04o): %s", directory, (guint) (st.st_mode & 07777),
               g_strerror (errno));
  return TRUE;
}

/* A temporary file left behind is a write that never completed: its rename did not happen, so the data it
 * held was never promised to anyone. */
static void
remove_temporary_files (const gchar *directory)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  const gchar *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = NULL;
      if (!g_str_has_prefix (name, TEMP_PREFIX))
        continue;
      path = g_build_filename (directory, name, NULL);
      if (g_unlink (path) < 0)
        g_warning ("cannot remove the unfinished write %s: %s", path, g_strerror (errno));
      else
        g_info ("removed %s, a write interrupted before it completed", path);
    }
}

gboolean
daemon_store_name_is_valid (const gchar *name)
{
  gsize length;

  if (name == NULL || name[0] == '\0' || name[0] == '.')
    return FALSE;
  length = strlen (name);
  if (length > DAEMON_STORE_MAX_KEY_LENGTH)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
      return FALSE;
  return TRUE;
}

static gboolean
check_name (const gchar *what, const gchar *name, GError **error)
{
  if (!daemon_store_name_is_valid (name))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "%s '%s' is not valid (expected 1 to %u of A-Z a-z 0-9 . _ -, not starting with '.')", what,
                   name != NULL ? name : "(null)", (guint) DAEMON_STORE_MAX_KEY_LENGTH);
      return FALSE;
    }
  return TRUE;
}

/* ---- eIM ids in names ---- */

gchar *
daemon_store_escape_name (const gchar *text)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if (g_ascii_isalnum (*p) || *p == '-')
      g_string_append_c (out, (gchar) *p);
    else
      g_string_append_printf (out, "_%02X", *p);
  return g_string_free (out, FALSE);
}

gchar *
daemon_store_unescape_name (const gchar *name)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const gchar *p = name; *p != '\0'; p++)
    {
      gint high, low;

      if (g_ascii_isalnum (*p) || *p == '-')
        {
          g_string_append_c (out, *p);
          continue;
        }
      if (*p != '_' || (high = g_ascii_xdigit_value (p[1])) < 0 || (low = g_ascii_xdigit_value (p[2])) < 0
          || (high == 0 && low == 0))
        return NULL;
      g_string_append_c (out, (gchar) (high * 16 + low));
      p += 2;
    }
  if (out->len == 0 || !g_utf8_validate (out->str, -1, NULL))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The eIM part of an outbox file name: the escaped id, or for a long one "_sha256-" and the start of its
 * SHA-256 ("_s" is no escape, so the two forms never meet). Never contains '.', never starts with one. */
#define OUTBOX_EIM_PART_MAX 96

static gchar *
outbox_eim_part (const gchar *eim_id)
{
  g_autofree gchar *escaped = daemon_store_escape_name (eim_id);
  g_autofree gchar *digest = NULL;

  if (strlen (escaped) <= OUTBOX_EIM_PART_MAX)
    return g_steal_pointer (&escaped);
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, eim_id, -1);
  return g_strdup_printf ("_sha256-%.40s", digest);
}

/* "<eIM part>.<key>.msg". Files of versions that keyed by the key alone are "<key>.msg". */
static gchar *
outbox_file_name (const gchar *eim_id, const gchar *key)
{
  g_autofree gchar *eim_part = outbox_eim_part (eim_id);

  return g_strconcat (eim_part, ".", key, OUTBOX_SUFFIX, NULL);
}

/* ---- history (declared early: open loads it) ---- */

static void load_history (DaemonStore *store);
static void migrate_outbox (DaemonStore *store);

DaemonStore *
daemon_store_open (const gchar *directory, guint history_size, GError **error)
{
  g_autoptr(DaemonStore) store = g_new0 (DaemonStore, 1);

  if (directory == NULL || !g_path_is_absolute (directory))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "state directory '%s' is not an absolute path",
                   directory != NULL ? directory : "(null)");
      return NULL;
    }
  store->directory = g_strdup (directory);
  store->outbox_directory = g_build_filename (directory, OUTBOX_DIR, NULL);
  store->corrupt_directory = g_build_filename (directory, CORRUPT_DIR, NULL);
  store->history_size = MAX (history_size, 1);
  store->history = g_ptr_array_new_with_free_func (daemon_history_entry_free_notify);

  if (!ensure_private_directory (store->directory, error) ||
      !ensure_private_directory (store->outbox_directory, error))
    {
      g_prefix_error (error, "state store: ");
      return NULL;
    }
  remove_temporary_files (store->directory);
  remove_temporary_files (store->outbox_directory);
  migrate_outbox (store);
  {
    g_autofree gchar *dead_letters = g_build_filename (directory, DAEMON_STORE_DEAD_LETTER_FOLDER, NULL);
    remove_temporary_files (dead_letters);
  }
  load_history (store);
  return g_steal_pointer (&store);
}

void
daemon_store_free (DaemonStore *store)
{
  if (store == NULL)
    return;
  g_free (store->directory);
  g_free (store->outbox_directory);
  g_free (store->corrupt_directory);
  g_clear_pointer (&store->history, g_ptr_array_unref);
  g_free (store);
}

const gchar *
daemon_store_get_directory (const DaemonStore *store)
{
  return store->directory;
}

/* Moves a damaged file to corrupt/ under a name that does not overwrite an earlier one, and returns where it
 * went (NULL when it could not be moved; it is then left in place and reported again next time). */
static gchar *
move_aside (DaemonStore *store, const gchar *path, const gchar *prefix)
{
  g_autofree gchar *base = g_path_get_basename (path);
  g_autofree gchar *target_name = g_strdup_printf ("%s%s.%" G_GINT64_FORMAT, prefix, base, g_get_real_time ());
  g_autofree gchar *target = g_build_filename (store->corrupt_directory, target_name, NULL);
  g_autofree gchar *source_dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  if (!ensure_private_directory (store->corrupt_directory, &error))
    {
      g_warning ("cannot set %s aside: %s", path, error->message);
      return NULL;
    }
  if (g_rename (path, target) < 0)
    {
      g_warning ("cannot move %s to %s: %s", path, target, g_strerror (errno));
      return NULL;
    }
  if (!sync_directory (source_dir, &error) || !sync_directory (store->corrupt_directory, &error))
    g_warning ("%s", error->message);
  return g_steal_pointer (&target);
}

/* ---- outbox ---- */

void
daemon_outbox_entry_free (DaemonOutboxEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->eim_id);
  g_free (entry->key);
  g_clear_pointer (&entry->message, g_bytes_unref);
  g_free (entry);
}

static void
put_u16 (GByteArray *out, gsize value)
{
  guint8 b[2] = { (guint8) (value >> 8), (guint8) value };
  g_byte_array_append (out, b, sizeof b);
}

static void
put_u32 (GByteArray *out, gsize value)
{
  guint8 b[4] = { (guint8) (value >> 24), (guint8) (value >> 16), (guint8) (value >> 8), (guint8) value };
  g_byte_array_append (out, b, sizeof b);
}

static void
put_digest (GByteArray *out)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[OUTBOX_DIGEST_LENGTH];
  gsize digest_length = sizeof digest;

  g_checksum_update (checksum, out->data, out->len);
  g_checksum_get_digest (checksum, digest, &digest_length);
  g_byte_array_append (out, digest, (guint) digest_length);
}

gboolean
daemon_store_outbox_put (DaemonStore *store, const gchar *eim_id, const gchar *key, GBytes *message,
                         GError **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree gchar *file_name = NULL;
  gsize message_length = 0;
  const guint8 *message_data;
  gsize eim_id_length;
  gint64 created;
  guint8 header[OUTBOX_HEADER_LENGTH];

  if (!check_name ("outbox key", key, error))
    return FALSE;
  eim_id_length = eim_id != NULL ? strlen (eim_id) : 0;
  if (eim_id_length == 0 || eim_id_length > DAEMON_STORE_MAX_EIM_ID_LENGTH || !g_utf8_validate (eim_id, -1, NULL))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "outbox entry '%s': eIM id is not 1 to %u bytes of UTF-8", key,
                   (guint) DAEMON_STORE_MAX_EIM_ID_LENGTH);
      return FALSE;
    }
  message_data = g_bytes_get_data (message, &message_length);
  if (message_length > DAEMON_STORE_MAX_MESSAGE_SIZE)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "outbox entry '%s': message of %" G_GSIZE_FORMAT " bytes is larger than the %u allowed", key,
                   message_length, (guint) DAEMON_STORE_MAX_MESSAGE_SIZE);
      return FALSE;
    }

  created = MAX (g_get_real_time (), store->last_created + 1);
  memcpy (header, OUTBOX_MAGIC, 4);
  header[4] = OUTBOX_VERSION;
  for (guint i = 0; i < 8; i++)
    header[5 + i] = (guint8) ((guint64) created >> (56 - 8 * i));
  g_byte_array_append (out, header, sizeof header);
  put_u16 (out, eim_id_length);
  g_byte_array_append (out, (const guint8 *) eim_id, (guint) eim_id_length);
  put_u16 (out, strlen (key));
  g_byte_array_append (out, (const guint8 *) key, (guint) strlen (key));
  put_u32 (out, message_length);
  if (message_length > 0)
    g_byte_array_append (out, message_data, (guint) message_length);
  put_digest (out);

  file_name = outbox_file_name (eim_id, key);
  if (!write_atomic (store->outbox_directory, file_name, out->data, out->len, error))
    {
      g_prefix_error (error, "outbox entry '%s': ", key);
      return FALSE;
    }
  store->last_created = created;
  return TRUE;
}

/* A bounds-checked cursor over an outbox file. */
typedef struct {
  const guint8 *data;
  gsize length;
  gsize offset;
} Cursor;

static gboolean
cursor_take (Cursor *cursor, gsize count, const guint8 **ret_data)
{
  if (count > cursor->length - cursor->offset)
    return FALSE;
  *ret_data = cursor->data + cursor->offset;
  cursor->offset += count;
  return TRUE;
}

static gboolean
cursor_uint (Cursor *cursor, gsize width, guint64 *ret_value)
{
  const guint8 *p;
  guint64 value = 0;

  if (!cursor_take (cursor, width, &p))
    return FALSE;
  for (gsize i = 0; i < width; i++)
    value = (value << 8) | p[i];
  *ret_value = value;
  return TRUE;
}

static gboolean
invalid (GError **error, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, message);
  return FALSE;
}

/* Whether `name` is the file name of `entry`: "<eIM part>.<key>.msg", or "<key>.msg" as older versions named
 * their files. */
static gboolean
outbox_name_matches (const gchar *name, const DaemonOutboxEntry *entry, gboolean *ret_legacy)
{
  g_autofree gchar *current = outbox_file_name (entry->eim_id, entry->key);
  g_autofree gchar *legacy = g_strconcat (entry->key, OUTBOX_SUFFIX, NULL);

  *ret_legacy = g_str_equal (name, legacy);
  return g_str_equal (name, current) || *ret_legacy;
}

/* Parses an outbox file; `name` is its file name, which must be the one its eIM and key give. */
static DaemonOutboxEntry *
parse_outbox_file (GBytes *bytes, const gchar *name, gboolean *ret_legacy, GError **error)
{
  g_autoptr(DaemonOutboxEntry) entry = g_new0 (DaemonOutboxEntry, 1);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[OUTBOX_DIGEST_LENGTH];
  gsize digest_length = sizeof digest;
  Cursor cursor = { 0 };
  const guint8 *p;
  guint64 version = 0, created = 0, length = 0;

  cursor.data = g_bytes_get_data (bytes, &cursor.length);
  if (cursor.length < OUTBOX_HEADER_LENGTH + OUTBOX_DIGEST_LENGTH)
    {
      invalid (error, "truncated: %" G_GSIZE_FORMAT " bytes, shorter than any entry", cursor.length);
      return NULL;
    }
  /* The digest first: a file that fails it is not parsed further, whatever its lengths say. */
  g_checksum_update (checksum, cursor.data, cursor.length - OUTBOX_DIGEST_LENGTH);
  g_checksum_get_digest (checksum, digest, &digest_length);
  if (memcmp (cursor.data, OUTBOX_MAGIC, 4) != 0)
    {
      invalid (error, "not an outbox entry (no " OUTBOX_MAGIC " header)");
      return NULL;
    }
  if (memcmp (digest, cursor.data + cursor.length - OUTBOX_DIGEST_LENGTH, OUTBOX_DIGEST_LENGTH) != 0)
    {
      invalid (error, "checksum mismatch: truncated or damaged");
      return NULL;
    }
  cursor.length -= OUTBOX_DIGEST_LENGTH;
  cursor.offset = 4;
  if (!cursor_uint (&cursor, 1, &version) || version != OUTBOX_VERSION)
    {
      invalid (error, "format version %u, expected %u", (guint) version, (guint) OUTBOX_VERSION);
      return NULL;
    }
  if (!cursor_uint (&cursor, 8, &created) || created > G_MAXINT64)
    {
      invalid (error, "bad creation time");
      return NULL;
    }
  entry->created = (gint64) created;

  if (!cursor_uint (&cursor, 2, &length) || length == 0 || length > DAEMON_STORE_MAX_EIM_ID_LENGTH ||
      !cursor_take (&cursor, length, &p) || !g_utf8_validate ((const gchar *) p, (gssize) length, NULL) ||
      memchr (p, '\0', length) != NULL)
    {
      invalid (error, "bad eIM id field at offset %" G_GSIZE_FORMAT, cursor.offset);
      return NULL;
    }
  entry->eim_id = g_strndup ((const gchar *) p, length);

  if (!cursor_uint (&cursor, 2, &length) || length == 0 || length > DAEMON_STORE_MAX_KEY_LENGTH ||
      !cursor_take (&cursor, length, &p))
    {
      invalid (error, "bad key field at offset %" G_GSIZE_FORMAT, cursor.offset);
      return NULL;
    }
  entry->key = g_strndup ((const gchar *) p, length);
  if (strlen (entry->key) != length || !daemon_store_name_is_valid (entry->key)
      || !outbox_name_matches (name, entry, ret_legacy))
    {
      g_autofree gchar *expected = NULL;

      if (daemon_store_name_is_valid (entry->key))
        expected = outbox_file_name (entry->eim_id, entry->key);
      invalid (error, "holds key '%s' for another name (%s)", entry->key, expected != NULL ? expected : "none");
      return NULL;
    }

  if (!cursor_uint (&cursor, 4, &length) || length > DAEMON_STORE_MAX_MESSAGE_SIZE)
    {
      invalid (error, "bad message length");
      return NULL;
    }
  if (length != cursor.length - cursor.offset)
    {
      invalid (error, "message length %" G_GUINT64_FORMAT " but %" G_GSIZE_FORMAT " bytes remain", length,
               cursor.length - cursor.offset);
      return NULL;
    }
  cursor_take (&cursor, length, &p);
  entry->message = g_bytes_new (p, length);
  return g_steal_pointer (&entry);
}

DaemonOutboxEntry *
daemon_store_parse_outbox_entry (GBytes *bytes, const gchar *file_name, GError **error)
{
  gboolean legacy = FALSE;

  return parse_outbox_file (bytes, file_name, &legacy, error);
}

static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  const DaemonOutboxEntry *x = *(DaemonOutboxEntry *const *) a;
  const DaemonOutboxEntry *y = *(DaemonOutboxEntry *const *) b;

  if (x->created != y->created)
    return x->created < y->created ? -1 : 1;
  return strcmp (x->key, y->key);
}

static void
report_problem (GPtrArray *problems, gchar *message)
{
  g_warning ("%s", message);
  g_ptr_array_add (problems, message);
}

GPtrArray *
daemon_store_outbox_list (DaemonStore *store, GPtrArray **ret_problems, GError **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (daemon_outbox_entry_free_notify);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = g_dir_open (store->outbox_directory, 0, &local_error);
  const gchar *name;

  if (dir == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED, "outbox: cannot list %s: %s", store->outbox_directory,
                   local_error->message);
      return NULL;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (store->outbox_directory, name, NULL);
      g_autofree gchar *moved = NULL;
      gboolean legacy = FALSE;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(DaemonOutboxEntry) entry = NULL;
      g_autoptr(GError) file_error = NULL;

      /* Writes in progress or interrupted; open removes the latter. */
      if (name[0] == '.')
        continue;
      if (!g_str_has_suffix (name, OUTBOX_SUFFIX))
        {
          g_set_error (&file_error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "not named <eIM>.<key>" OUTBOX_SUFFIX);
        }
      else
        {
          bytes = read_bounded (path, OUTBOX_MAX_FILE_SIZE, &file_error);
          if (bytes != NULL)
            entry = parse_outbox_file (bytes, name, &legacy, &file_error);
          /* Gone since it was listed: nothing to report. */
          if (g_error_matches (file_error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND))
            continue;
        }
      if (entry != NULL)
        {
          g_ptr_array_add (entries, g_steal_pointer (&entry));
          continue;
        }
      moved = move_aside (store, path, "outbox-");
      report_problem (problems, g_strdup_printf ("outbox: %s: %s; %s%s", path, file_error->message,
                                                 moved != NULL ? "moved to " : "left in place",
                                                 moved != NULL ? moved : ""));
    }
  g_ptr_array_sort (entries, compare_entries);
  if (entries->len > 0)
    {
      const DaemonOutboxEntry *newest = g_ptr_array_index (entries, entries->len - 1);
      store->last_created = MAX (store->last_created, newest->created);
    }
  if (ret_problems != NULL)
    *ret_problems = g_steal_pointer (&problems);
  return g_steal_pointer (&entries);
}

/* Reads the outbox file at `path` and says whether it holds an entry for `eim_id` (a file of an older version,
 * named by its key alone, may be another eIM's). */
static gboolean
outbox_file_is_for (const gchar *path, const gchar *eim_id)
{
  g_autoptr(GBytes) bytes = read_bounded (path, OUTBOX_MAX_FILE_SIZE, NULL);
  g_autofree gchar *name = g_path_get_basename (path);
  g_autoptr(DaemonOutboxEntry) entry = NULL;
  gboolean legacy = FALSE;

  if (bytes != NULL)
    entry = parse_outbox_file (bytes, name, &legacy, NULL);
  return entry != NULL && g_strcmp0 (entry->eim_id, eim_id) == 0;
}

gboolean
daemon_store_outbox_remove (DaemonStore *store, const gchar *eim_id, const gchar *key, GError **error)
{
  g_autofree gchar *file_name = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *legacy_name = NULL;
  g_autofree gchar *legacy_path = NULL;

  if (!check_name ("outbox key", key, error))
    return FALSE;
  if (eim_id == NULL || eim_id[0] == '\0')
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "outbox entry '%s': no eIM id", key);
      return FALSE;
    }
  file_name = outbox_file_name (eim_id, key);
  path = g_build_filename (store->outbox_directory, file_name, NULL);
  if (g_unlink (path) < 0)
    {
      gint errsv = errno;
      if (errsv != ENOENT)
        return set_errno_error (error, errsv, "outbox: cannot remove", path);
      /* An entry an older version wrote and could not be renamed at start. */
      legacy_name = g_strconcat (key, OUTBOX_SUFFIX, NULL);
      legacy_path = g_build_filename (store->outbox_directory, legacy_name, NULL);
      if (!outbox_file_is_for (legacy_path, eim_id))
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "outbox: no entry '%s' for this eIM", key);
          return FALSE;
        }
      if (g_unlink (legacy_path) < 0)
        return set_errno_error (error, errno, "outbox: cannot remove", legacy_path);
    }
  return sync_directory (store->outbox_directory, error);
}

/* Files of versions that named outbox entries by their key alone ("<key>.msg", so two eIMs using the same
 * eimTransactionId overwrote each other) get the name of their eIM and key. What cannot be renamed stays and is
 * still read; damaged files are left to daemon_store_outbox_list(), which sets them aside. */
static void
migrate_outbox (DaemonStore *store)
{
  g_autoptr(GDir) dir = g_dir_open (store->outbox_directory, 0, NULL);
  const gchar *name;
  guint renamed = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (store->outbox_directory, name, NULL);
      g_autofree gchar *target_name = NULL;
      g_autofree gchar *target = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(DaemonOutboxEntry) entry = NULL;
      gboolean legacy = FALSE;

      if (name[0] == '.' || !g_str_has_suffix (name, OUTBOX_SUFFIX))
        continue;
      bytes = read_bounded (path, OUTBOX_MAX_FILE_SIZE, NULL);
      if (bytes != NULL)
        entry = parse_outbox_file (bytes, name, &legacy, NULL);
      if (entry == NULL || !legacy)
        continue;
      target_name = outbox_file_name (entry->eim_id, entry->key);
      target = g_build_filename (store->outbox_directory, target_name, NULL);
      if (g_file_test (target, G_FILE_TEST_EXISTS))
        {
          g_warning ("outbox: %s and %s hold the same eIM and key; both kept", name, target_name);
          continue;
        }
      if (g_rename (path, target) < 0)
        {
          g_warning ("outbox: cannot rename %s to %s: %s; it is read as it is", name, target_name, g_strerror (errno));
          continue;
        }
      renamed++;
    }
  if (renamed > 0)
    {
      g_autoptr(GError) error = NULL;

      g_message ("outbox: %u entr%s of an earlier version renamed by eIM and key", renamed, renamed == 1 ? "y" : "ies");
      if (!sync_directory (store->outbox_directory, &error))
        g_warning ("%s", error->message);
    }
}

/* ---- small state files ---- */

static gboolean
check_file_name (const gchar *name, GError **error)
{
  if (!check_name ("state file name", name, error))
    return FALSE;
  if (g_str_equal (name, OUTBOX_DIR) || g_str_equal (name, CORRUPT_DIR) || g_str_equal (name, HISTORY_FILE) ||
      g_str_equal (name, DAEMON_STORE_DEAD_LETTER_FOLDER))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "state file name '%s' is reserved by the store",
                   name);
      return FALSE;
    }
  return TRUE;
}

gboolean
daemon_store_write_file (DaemonStore *store, const gchar *name, GBytes *contents, GError **error)
{
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (contents, &length);

  if (!check_file_name (name, error))
    return FALSE;
  if (length > DAEMON_STORE_MAX_FILE_SIZE)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "state file '%s': %" G_GSIZE_FORMAT " bytes, more than the %u allowed", name, length,
                   (guint) DAEMON_STORE_MAX_FILE_SIZE);
      return FALSE;
    }
  if (!write_atomic (store->directory, name, data, length, error))
    {
      g_prefix_error (error, "state file '%s': ", name);
      return FALSE;
    }
  return TRUE;
}

GBytes *
daemon_store_read_file (DaemonStore *store, const gchar *name, GError **error)
{
  g_autofree gchar *path = NULL;

  if (!check_file_name (name, error))
    return NULL;
  path = g_build_filename (store->directory, name, NULL);
  return read_bounded (path, DAEMON_STORE_MAX_FILE_SIZE, error);
}

gchar *
daemon_store_set_aside_file (DaemonStore *store, const gchar *name)
{
  g_autofree gchar *path = NULL;
  g_autoptr(GError) error = NULL;

  if (!check_file_name (name, &error))
    {
      g_warning ("%s", error->message);
      return NULL;
    }
  path = g_build_filename (store->directory, name, NULL);
  return move_aside (store, path, "");
}

gboolean
daemon_store_remove_file (DaemonStore *store, const gchar *name, GError **error)
{
  g_autofree gchar *path = NULL;

  if (!check_file_name (name, error))
    return FALSE;
  path = g_build_filename (store->directory, name, NULL);
  if (g_unlink (path) < 0)
    {
      gint errsv = errno;
      if (errsv == ENOENT)
        return TRUE;
      return set_errno_error (error, errsv, "cannot remove", path);
    }
  return sync_directory (store->directory, error);
}

/* ---- history ---- */

DaemonHistoryEntry *
daemon_history_entry_copy (const DaemonHistoryEntry *entry)
{
  DaemonHistoryEntry *copy = g_new0 (DaemonHistoryEntry, 1);

  copy->time = entry->time;
  copy->eim_id = g_strdup (entry->eim_id);
  copy->transaction_id = g_strdup (entry->transaction_id);
  copy->operation = g_strdup (entry->operation);
  copy->result = g_strdup (entry->result);
  copy->detail = g_strdup (entry->detail);
  return copy;
}

void
daemon_history_entry_free (DaemonHistoryEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->eim_id);
  g_free (entry->transaction_id);
  g_free (entry->operation);
  g_free (entry->result);
  g_free (entry->detail);
  g_free (entry);
}

/* Valid UTF-8 of at most HISTORY_FIELD_MAX bytes, cut at a character boundary. */
static gchar *
bounded_field (const gchar *value)
{
  g_autofree gchar *valid = NULL;
  const gchar *end;

  if (value == NULL)
    return NULL;
  valid = g_utf8_make_valid (value, -1);
  if (strlen (valid) <= HISTORY_FIELD_MAX)
    return g_steal_pointer (&valid);
  end = g_utf8_find_prev_char (valid, valid + HISTORY_FIELD_MAX + 1);
  return g_strndup (valid, (gsize) (end - valid));
}

static void
add_optional_string (cJSON *object, const gchar *name, const gchar *value)
{
  if (value != NULL)
    cJSON_AddStringToObject (object, name, value);
}

static gchar *
history_entry_to_json (const DaemonHistoryEntry *entry)
{
  g_autoptr(cJSON) object = cJSON_CreateObject ();
  char *printed;
  gchar *line;

  cJSON_AddNumberToObject (object, "time", (double) entry->time);
  add_optional_string (object, "eimId", entry->eim_id);
  add_optional_string (object, "transactionId", entry->transaction_id);
  add_optional_string (object, "operation", entry->operation);
  add_optional_string (object, "result", entry->result);
  add_optional_string (object, "detail", entry->detail);
  printed = cJSON_PrintUnformatted (object);
  line = g_strdup (printed);
  cJSON_free (printed);
  return line;
}

/* A string member, NULL when absent; FALSE when present but not a string. */
static gboolean
json_optional_string (const cJSON *object, const gchar *name, gchar **ret_value)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, name);

  *ret_value = NULL;
  if (item == NULL)
    return TRUE;
  if (!cJSON_IsString (item) || item->valuestring == NULL)
    return FALSE;
  *ret_value = bounded_field (item->valuestring);
  return TRUE;
}

static DaemonHistoryEntry *
history_entry_from_json (const gchar *line, gsize length, GError **error)
{
  g_autoptr(cJSON) object = cJSON_ParseWithLength (line, length);
  g_autoptr(DaemonHistoryEntry) entry = g_new0 (DaemonHistoryEntry, 1);
  const cJSON *time_item;
  double time_value;

  if (object == NULL || !cJSON_IsObject (object))
    {
      invalid (error, "not a JSON object");
      return NULL;
    }
  time_item = cJSON_GetObjectItemCaseSensitive (object, "time");
  time_value = cJSON_IsNumber (time_item) ? cJSON_GetNumberValue (time_item) : -1;
  if (!(time_value >= 0 && time_value <= (double) JSON_MAX_EXACT_INTEGER) || time_value != (double) (gint64) time_value)
    {
      invalid (error, "no valid \"time\"");
      return NULL;
    }
  entry->time = (gint64) time_value;
  if (!json_optional_string (object, "eimId", &entry->eim_id) ||
      !json_optional_string (object, "transactionId", &entry->transaction_id) ||
      !json_optional_string (object, "operation", &entry->operation) ||
      !json_optional_string (object, "result", &entry->result) ||
      !json_optional_string (object, "detail", &entry->detail))
    {
      invalid (error, "a field is not a string");
      return NULL;
    }
  if (entry->operation == NULL || entry->result == NULL)
    {
      invalid (error, "no \"operation\" or \"result\"");
      return NULL;
    }
  return g_steal_pointer (&entry);
}

static void
load_history (DaemonStore *store)
{
  g_autofree gchar *path = g_build_filename (store->directory, HISTORY_FILE, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = read_bounded (path, HISTORY_MAX_FILE_SIZE, &error);
  const gchar *data;
  gsize length = 0;

  if (bytes == NULL)
    {
      if (!g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND))
        {
          g_autofree gchar *moved = move_aside (store, path, "");
          g_warning ("history: %s; starting a new one%s%s", error->message, moved != NULL ? ", old one moved to " : "",
                     moved != NULL ? moved : "");
        }
      return;
    }
  data = g_bytes_get_data (bytes, &length);
  g_clear_pointer (&store->history, g_ptr_array_unref);
  store->history = daemon_store_parse_history (data, length, path, store->history_size);
}

GPtrArray *
daemon_store_parse_history (const gchar *data, gsize length, const gchar *origin, guint history_size)
{
  GPtrArray *history = g_ptr_array_new_with_free_func (daemon_history_entry_free_notify);
  gsize offset = 0;
  guint line_number = 0;

  while (offset < length)
    {
      const gchar *start = data + offset;
      const gchar *newline = memchr (start, '\n', length - offset);
      gsize line_length = newline != NULL ? (gsize) (newline - start) : length - offset;
      g_autoptr(DaemonHistoryEntry) entry = NULL;
      g_autoptr(GError) line_error = NULL;

      offset += line_length + 1;
      line_number++;
      if (line_length == 0)
        continue;
      entry = history_entry_from_json (start, line_length, &line_error);
      if (entry == NULL)
        {
          g_warning ("history: %s line %u: %s; skipped", origin, line_number, line_error->message);
          continue;
        }
      g_ptr_array_add (history, g_steal_pointer (&entry));
    }
  history_size = MAX (history_size, 1);
  if (history->len > history_size)
    g_ptr_array_remove_range (history, 0, history->len - history_size);
  return history;
}

gboolean
daemon_store_history_append (DaemonStore *store, const DaemonHistoryEntry *entry, GError **error)
{
  g_autoptr(DaemonHistoryEntry) copy = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  guint drop;

  if (entry->operation == NULL || entry->result == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "history entry without %s",
                   entry->operation == NULL ? "operation" : "result");
      return FALSE;
    }
  copy = g_new0 (DaemonHistoryEntry, 1);
  copy->time = CLAMP (entry->time, 0, JSON_MAX_EXACT_INTEGER);
  copy->eim_id = bounded_field (entry->eim_id);
  copy->transaction_id = bounded_field (entry->transaction_id);
  copy->operation = bounded_field (entry->operation);
  copy->result = bounded_field (entry->result);
  copy->detail = bounded_field (entry->detail);

  /* Written as it will be after the append; memory follows only once the file is in place. */
  drop = store->history->len + 1 > store->history_size ? store->history->len + 1 - store->history_size : 0;
  for (guint i = drop; i < store->history->len; i++)
    {
      g_autofree gchar *line = history_entry_to_json (g_ptr_array_index (store->history, i));
      g_string_append (text, line);
      g_string_append_c (text, '\n');
    }
  {
    g_autofree gchar *line = history_entry_to_json (copy);
    g_string_append (text, line);
    g_string_append_c (text, '\n');
  }
  if (!write_atomic (store->directory, HISTORY_FILE, (const guint8 *) text->str, text->len, error))
    {
      g_prefix_error (error, "history: ");
      return FALSE;
    }
  if (drop > 0)
    g_ptr_array_remove_range (store->history, 0, drop);
  g_ptr_array_add (store->history, g_steal_pointer (&copy));
  return TRUE;
}

GPtrArray *
daemon_store_history_list (DaemonStore *store)
{
  GPtrArray *list = g_ptr_array_new_full (store->history->len, daemon_history_entry_free_notify);

  for (guint i = 0; i < store->history->len; i++)
    g_ptr_array_add (list, daemon_history_entry_copy (g_ptr_array_index (store->history, i)));
  return list;
}

/* ---- files in a folder of the state directory ---- */

static gboolean
check_folder (const gchar *folder, GError **error)
{
  if (!check_name ("state folder", folder, error))
    return FALSE;
  if (g_str_equal (folder, OUTBOX_DIR) || g_str_equal (folder, CORRUPT_DIR))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "state folder '%s' is managed by the store", folder);
      return FALSE;
    }
  return TRUE;
}

gboolean
daemon_store_folder_write (DaemonStore *store, const gchar *folder, const gchar *name, GBytes *contents,
                           GError **error)
{
  g_autofree gchar *directory = NULL;
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (contents, &length);

  if (!check_folder (folder, error) || !check_name ("file name", name, error))
    return FALSE;
  directory = g_build_filename (store->directory, folder, NULL);
  if (!ensure_private_directory (directory, error) || !write_atomic (directory, name, data, length, error))
    {
      g_prefix_error (error, "%s/%s: ", folder, name);
      return FALSE;
    }
  return TRUE;
}

GBytes *
daemon_store_folder_read (DaemonStore *store, const gchar *folder, const gchar *name, gsize max, GError **error)
{
  g_autofree gchar *path = NULL;

  if (!check_folder (folder, error) || !check_name ("file name", name, error))
    return NULL;
  path = g_build_filename (store->directory, folder, name, NULL);
  return read_bounded (path, max, error);
}

gboolean
daemon_store_folder_remove (DaemonStore *store, const gchar *folder, const gchar *name, GError **error)
{
  g_autofree gchar *directory = NULL;
  g_autofree gchar *path = NULL;

  if (!check_folder (folder, error) || !check_name ("file name", name, error))
    return FALSE;
  directory = g_build_filename (store->directory, folder, NULL);
  path = g_build_filename (directory, name, NULL);
  if (g_unlink (path) < 0)
    {
      gint errsv = errno;
      if (errsv == ENOENT)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "%s: no entry '%s'", folder, name);
          return FALSE;
        }
      return set_errno_error (error, errsv, "cannot remove", path);
    }
  return sync_directory (directory, error);
}

GPtrArray *
daemon_store_folder_list (DaemonStore *store, const gchar *folder, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *directory = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  const gchar *name;

  if (!check_folder (folder, error))
    return NULL;
  directory = g_build_filename (store->directory, folder, NULL);
  dir = g_dir_open (directory, 0, &local_error);
  if (dir == NULL)
    {
      /* Made on first write: none yet is nothing yet. */
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&names);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED, "cannot list %s: %s", directory, local_error->message);
      return NULL;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) (void (*) (void)) g_ascii_strcasecmp);
  return g_steal_pointer (&names);
}

gchar *
daemon_store_folder_set_aside (DaemonStore *store, const gchar *folder, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (store->directory, folder, name, NULL);
  g_autofree gchar *prefix = g_strconcat (folder, "-", NULL);

  return move_aside (store, path, prefix);
}
