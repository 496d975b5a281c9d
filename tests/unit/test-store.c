/* SPDX-License-Identifier: Apache-2.0 */
/* The state store in a temporary directory: the outbox's order and durability, what an interrupted write and
 * damaged files leave behind, permissions, small state files, and the bounded history across restarts. */
#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/daemon-eim-flags.h"
#include "daemon/daemon-store.h"
#include "euiccd-error.h"

static gchar *root;      /* the temporary directory */
static gchar *state_dir; /* the store, one level down so open must create it */

static void
setup (void)
{
  g_autoptr(GError) error = NULL;

  umask (022);
  root = g_dir_make_tmp ("euiccd-store-XXXXXX", &error);
  ck_assert_ptr_nonnull (root);
  state_dir = g_build_filename (root, "var", "lib", "euiccd", NULL);
}

static void
remove_tree (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree gchar *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
teardown (void)
{
  remove_tree (root);
  g_clear_pointer (&root, g_free);
  g_clear_pointer (&state_dir, g_free);
}

static DaemonStore *
open_store (guint history_size)
{
  g_autoptr(GError) error = NULL;
  DaemonStore *store = daemon_store_open (state_dir, history_size, &error);

  ck_assert_msg (store != NULL, "%s", error != NULL ? error->message : "");
  return store;
}

static guint
mode_of (const gchar *path)
{
  GStatBuf st;

  ck_assert_int_eq (g_stat (path, &st), 0);
  return st.st_mode & 07777;
}

static gchar *
path_in (const gchar *first, ...) G_GNUC_NULL_TERMINATED;

static gchar *
path_in (const gchar *first, ...)
{
  va_list args;
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  const gchar *part;

  g_ptr_array_add (parts, state_dir);
  va_start (args, first);
  for (part = first; part != NULL; part = va_arg (args, const gchar *))
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((gchar **) parts->pdata);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

/* Names in a directory, sorted, joined with spaces. */
static gchar *
listing (const gchar *directory)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  if (dir == NULL)
    return g_strdup ("(none)");
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  {
    g_autoptr(GString) text = g_string_new (NULL);
    for (guint i = 0; i < names->len; i++)
      g_string_append_printf (text, "%s%s", i > 0 ? " " : "", (const gchar *) g_ptr_array_index (names, i));
    return g_string_free (g_steal_pointer (&text), FALSE);
  }
}

static void
put (DaemonStore *store, const gchar *eim_id, const gchar *key, const gchar *message)
{
  g_autoptr(GBytes) bytes = g_bytes_new (message, strlen (message));
  g_autoptr(GError) error = NULL;

  ck_assert_msg (daemon_store_outbox_put (store, eim_id, key, bytes, &error), "%s",
                 error != NULL ? error->message : "");
}

static GPtrArray *
list_ok (DaemonStore *store, guint expected_problems)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  GPtrArray *entries = daemon_store_outbox_list (store, &problems, &error);

  ck_assert_msg (entries != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_ptr_nonnull (problems);
  ck_assert_uint_eq (problems->len, expected_problems);
  return entries;
}

static void
assert_entry (GPtrArray *entries, guint index, const gchar *eim_id, const gchar *key, const gchar *message)
{
  const DaemonOutboxEntry *entry;
  gsize length;
  const gchar *data;

  ck_assert_uint_gt (entries->len, index);
  entry = g_ptr_array_index (entries, index);
  ck_assert_str_eq (entry->eim_id, eim_id);
  ck_assert_str_eq (entry->key, key);
  data = g_bytes_get_data (entry->message, &length);
  ck_assert_uint_eq (length, strlen (message));
  ck_assert (length == 0 || memcmp (data, message, length) == 0);
}

START_TEST (test_open_permissions)
{
  g_autoptr(DaemonStore) store = NULL;
  g_autofree gchar *outbox = path_in ("outbox", NULL);

  store = open_store (10);
  ck_assert_str_eq (daemon_store_get_directory (store), state_dir);
  ck_assert_uint_eq (mode_of (state_dir), 0700);
  ck_assert_uint_eq (mode_of (outbox), 0700);
  g_clear_pointer (&store, daemon_store_free);

  /* An existing directory (systemd creates StateDirectory= 0755 by default) is tightened. */
  ck_assert_int_eq (g_chmod (state_dir, 0755), 0);
  store = open_store (10);
  ck_assert_uint_eq (mode_of (state_dir), 0700);
}
END_TEST

START_TEST (test_open_refusals)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *file = g_build_filename (root, "a-file", NULL);

  ck_assert_ptr_null (daemon_store_open ("relative/dir", 10, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  g_clear_error (&error);

  ck_assert (g_file_set_contents (file, "x", -1, NULL));
  ck_assert_ptr_null (daemon_store_open (file, 10, &error));
  ck_assert_msg (strstr (error->message, file) != NULL, "%s", error->message);
}
END_TEST

START_TEST (test_outbox_order_and_remove)
{
  g_autoptr(DaemonStore) store = open_store (10);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *file = path_in ("outbox", "eim-one.A1B2.msg", NULL);
  g_autofree gchar *outbox = path_in ("outbox", NULL);
  g_autofree gchar *names = NULL;

  /* Put in an order that is neither alphabetical nor reverse. */
  put (store, "eim-two", "c3", "third message");
  put (store, "eim-one", "A1B2", "");
  put (store, "eim-one", "b-2_x.y", "\x01\x02 binary?");
  entries = list_ok (store, 0);
  ck_assert_uint_eq (entries->len, 3);
  assert_entry (entries, 0, "eim-two", "c3", "third message");
  assert_entry (entries, 1, "eim-one", "A1B2", "");
  assert_entry (entries, 2, "eim-one", "b-2_x.y", "\x01\x02 binary?");
  for (guint i = 1; i < entries->len; i++)
    ck_assert_int_gt (((DaemonOutboxEntry *) g_ptr_array_index (entries, i))->created,
                      ((DaemonOutboxEntry *) g_ptr_array_index (entries, i - 1))->created);
  ck_assert_int_gt (((DaemonOutboxEntry *) g_ptr_array_index (entries, 0))->created,
                    g_get_real_time () - 60 * G_USEC_PER_SEC);
  ck_assert_uint_eq (mode_of (file), 0600);
  /* Nothing but the entries: no temporary files stay behind. */
  names = listing (outbox);
  ck_assert_str_eq (names, "eim-one.A1B2.msg eim-one.b-2_x.y.msg eim-two.c3.msg");
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* Another eIM's entry is not removed by naming its key. */
  ck_assert (!daemon_store_outbox_remove (store, "eim-two", "A1B2", &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND));
  g_clear_error (&error);
  ck_assert (g_file_test (file, G_FILE_TEST_EXISTS));
  ck_assert (daemon_store_outbox_remove (store, "eim-one", "A1B2", &error));
  ck_assert (!g_file_test (file, G_FILE_TEST_EXISTS));
  ck_assert (!daemon_store_outbox_remove (store, "eim-one", "A1B2", &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND));
  ck_assert_str_eq (error->message, "outbox: no entry 'A1B2' for this eIM");
  g_clear_error (&error);

  /* The same eIM and key again replaces, and moves to the end; another eIM's same key is another entry. */
  put (store, "eim-two", "c3", "third, again");
  put (store, "eim-three", "c3", "third, for another eIM");
  entries = list_ok (store, 0);
  ck_assert_uint_eq (entries->len, 3);
  assert_entry (entries, 0, "eim-one", "b-2_x.y", "\x01\x02 binary?");
  assert_entry (entries, 1, "eim-two", "c3", "third, again");
  assert_entry (entries, 2, "eim-three", "c3", "third, for another eIM");
}
END_TEST

START_TEST (test_outbox_survives_reopen)
{
  g_autoptr(DaemonStore) store = open_store (10);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) again = NULL;

  for (guint i = 0; i < 20; i++)
    {
      g_autofree gchar *key = g_strdup_printf ("k%02u", 19 - i);
      g_autofree gchar *message = g_strdup_printf ("message %u", i);
      put (store, "eim", key, message);
    }
  entries = list_ok (store, 0);
  g_clear_pointer (&store, daemon_store_free);

  store = open_store (10);
  again = list_ok (store, 0);
  ck_assert_uint_eq (again->len, 20);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree gchar *key = g_strdup_printf ("k%02u", 19 - i);
      g_autofree gchar *message = g_strdup_printf ("message %u", i);
      assert_entry (again, i, "eim", key, message);
      ck_assert_int_eq (((DaemonOutboxEntry *) g_ptr_array_index (again, i))->created,
                        ((DaemonOutboxEntry *) g_ptr_array_index (entries, i))->created);
    }
  /* A put after the restart still sorts after everything listed before it. */
  put (store, "eim", "k-late", "late");
  g_clear_pointer (&again, g_ptr_array_unref);
  again = list_ok (store, 0);
  assert_entry (again, 20, "eim", "k-late", "late");
}
END_TEST

START_TEST (test_outbox_refuses_bad_input)
{
  g_autoptr(DaemonStore) store = open_store (10);
  g_autoptr(GBytes) message = g_bytes_new_static ("m", 1);
  g_autoptr(GBytes) huge = NULL;
  g_autofree gchar *long_key = g_strnfill (129, 'k');
  g_autofree gchar *max_key = g_strnfill (128, 'k');
  g_autofree gchar *long_eim = g_strnfill (129, 'e');
  g_autofree gchar *outbox = path_in ("outbox", NULL);
  g_autofree gchar *names = NULL;
  static const gchar *const bad_keys[] = { "", "../escape", "a/b", ".hidden", "a b", "key\n", "k\\x", "ü" };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad_keys); i++)
    {
      ck_assert_msg (!daemon_store_outbox_put (store, "eim", bad_keys[i], message, &error), "%s", bad_keys[i]);
      ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
      ck_assert_msg (strstr (error->message, "outbox key") != NULL, "%s", error->message);
      g_clear_error (&error);
      ck_assert (!daemon_store_outbox_remove (store, "eim", bad_keys[i], &error));
      ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
      g_clear_error (&error);
    }
  ck_assert (!daemon_store_outbox_put (store, "eim", NULL, message, &error));
  g_clear_error (&error);
  ck_assert (!daemon_store_outbox_put (store, "eim", long_key, message, &error));
  g_clear_error (&error);
  ck_assert (daemon_store_outbox_put (store, "eim", max_key, message, &error));

  ck_assert (!daemon_store_outbox_put (store, "", "k", message, &error));
  ck_assert_str_eq (error->message, "outbox entry 'k': eIM id is not 1 to 128 bytes of UTF-8");
  g_clear_error (&error);
  ck_assert (!daemon_store_outbox_put (store, long_eim, "k", message, &error));
  g_clear_error (&error);
  ck_assert (!daemon_store_outbox_put (store, "\xff\xfe", "k", message, &error));
  g_clear_error (&error);

  huge = g_bytes_new_take (g_malloc0 (DAEMON_STORE_MAX_MESSAGE_SIZE + 1), DAEMON_STORE_MAX_MESSAGE_SIZE + 1);
  ck_assert (!daemon_store_outbox_put (store, "eim", "k", huge, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  g_clear_error (&error);

  names = listing (outbox);
  {
    g_autofree gchar *expected = g_strconcat ("eim.", max_key, ".msg", NULL);
    ck_assert_str_eq (names, expected);
  }
}
END_TEST

/* A write cut short by a power loss leaves only its temporary file: the entry it was writing was never
 * acknowledged, and the store cleans it up when opened. */
START_TEST (test_interrupted_write_cleaned)
{
  g_autoptr(DaemonStore) store = open_store (10);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *temp_outbox = path_in ("outbox", ".tmp-k2.msg-Ab12Cd", NULL);
  g_autofree gchar *temp_state = path_in (".tmp-schedule-Zz99Yy", NULL);
  g_autofree gchar *outbox = path_in ("outbox", NULL);
  g_autofree gchar *names = NULL;
  g_autofree gchar *top = NULL;
  g_autoptr(GBytes) schedule = NULL;

  put (store, "eim", "k1", "complete");
  ck_assert (g_file_set_contents (temp_outbox, "EUOB\x01 half of an ent", 20, NULL));
  ck_assert (g_file_set_contents (temp_state, "[Schedule]\nNextPo", -1, NULL));
  /* While the daemon runs, another write's temporary file is simply not an entry. */
  entries = list_ok (store, 0);
  ck_assert_uint_eq (entries->len, 1);
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&store, daemon_store_free);

  store = open_store (10);
  ck_assert (!g_file_test (temp_outbox, G_FILE_TEST_EXISTS));
  ck_assert (!g_file_test (temp_state, G_FILE_TEST_EXISTS));
  names = listing (outbox);
  ck_assert_str_eq (names, "eim.k1.msg");
  top = listing (state_dir);
  ck_assert_str_eq (top, "outbox");
  entries = list_ok (store, 0);
  ck_assert_uint_eq (entries->len, 1);
  assert_entry (entries, 0, "eim", "k1", "complete");
  schedule = daemon_store_read_file (store, "schedule", &error);
  ck_assert_ptr_null (schedule);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND));
}
END_TEST

static gchar *
read_text (const gchar *path, gsize *ret_length)
{
  gchar *contents = NULL;

  ck_assert (g_file_get_contents (path, &contents, ret_length, NULL));
  return contents;
}

static void
write_bytes (const gchar *path, const gchar *data, gsize length)
{
  ck_assert (g_file_set_contents (path, data, (gssize) length, NULL));
}

/* An outbox file whose checksum is right but whose fields lie: the parser must still refuse it. */
static void
write_lying_file (const gchar *path)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  static const guint8 head[] = { 'E', 'U', 'O', 'B', 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF, 'e', 'i', 'm' };
  guint8 digest[32];
  gsize digest_length = sizeof digest;

  g_byte_array_append (out, head, sizeof head);
  g_checksum_update (checksum, out->data, out->len);
  g_checksum_get_digest (checksum, digest, &digest_length);
  g_byte_array_append (out, digest, (guint) digest_length);
  write_bytes (path, (const gchar *) out->data, out->len);
}

static gboolean
problem_mentions (GPtrArray *problems, const gchar *path, const gchar *what)
{
  for (guint i = 0; i < problems->len; i++)
    {
      const gchar *message = g_ptr_array_index (problems, i);
      g_autofree gchar *prefix = g_strdup_printf ("outbox: %s: ", path);
      if (g_str_has_prefix (message, prefix) && strstr (message, what) != NULL &&
          strstr (message, "moved to ") != NULL)
        return TRUE;
    }
  return FALSE;
}

START_TEST (test_corrupt_files_set_aside)
{
  g_autoptr(DaemonStore) store = open_store (10);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *truncated = path_in ("outbox", "eim.truncated.msg", NULL);
  g_autofree gchar *flipped = path_in ("outbox", "eim.flipped.msg", NULL);
  g_autofree gchar *garbage = path_in ("outbox", "garbage.msg", NULL);
  g_autofree gchar *stray = path_in ("outbox", "notes.txt", NULL);
  g_autofree gchar *renamed = path_in ("outbox", "renamed.msg", NULL);
  g_autofree gchar *lying = path_in ("outbox", "lying.msg", NULL);
  g_autofree gchar *empty = path_in ("outbox", "empty.msg", NULL);
  g_autofree gchar *good = path_in ("outbox", "eim.good.msg", NULL);
  g_autofree gchar *corrupt_dir = path_in ("corrupt", NULL);
  g_autofree gchar *outbox = path_in ("outbox", NULL);
  g_autofree gchar *names = NULL;
  g_autofree gchar *text = NULL;
  gsize length = 0;

  put (store, "eim", "truncated", "a message that loses its tail");
  put (store, "eim", "good", "the one that is fine");
  put (store, "eim", "flipped", "a message with a flipped bit");

  text = read_text (truncated, &length);
  write_bytes (truncated, text, length - 10);
  g_clear_pointer (&text, g_free);
  text = read_text (flipped, &length);
  text[length / 2] ^= 0x04;
  write_bytes (flipped, text, length);
  g_clear_pointer (&text, g_free);
  text = read_text (good, &length);
  write_bytes (renamed, text, length);   /* good.msg's bytes under another key */
  write_bytes (garbage, "\x00\xff garbage", 10);
  write_bytes (stray, "left by someone", 15);
  write_bytes (empty, "", 0);
  write_lying_file (lying);

  entries = daemon_store_outbox_list (store, &problems, &error);
  ck_assert_ptr_nonnull (entries);
  ck_assert_uint_eq (entries->len, 1);
  assert_entry (entries, 0, "eim", "good", "the one that is fine");
  ck_assert_uint_eq (problems->len, 7);
  ck_assert (problem_mentions (problems, truncated, "checksum mismatch: truncated or damaged"));
  ck_assert (problem_mentions (problems, flipped, "checksum mismatch: truncated or damaged"));
  ck_assert (problem_mentions (problems, garbage, "truncated: 10 bytes, shorter than any entry"));
  ck_assert (problem_mentions (problems, empty, "truncated: 0 bytes, shorter than any entry"));
  ck_assert (problem_mentions (problems, stray, "not named <eIM>.<key>.msg"));
  ck_assert (problem_mentions (problems, renamed, "holds key 'good' for another name (eim.good.msg)"));
  ck_assert (problem_mentions (problems, lying, "bad eIM id field"));

  /* Moved aside, not deleted: someone may want to look at them. */
  names = listing (outbox);
  ck_assert_str_eq (names, "eim.good.msg");
  ck_assert_uint_eq (mode_of (corrupt_dir), 0700);
  {
    g_autoptr(GDir) dir = g_dir_open (corrupt_dir, 0, NULL);
    guint count = 0;
    while (g_dir_read_name (dir) != NULL)
      count++;
    ck_assert_uint_eq (count, 7);
  }

  /* The next listing is clean, and the store keeps working. */
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&problems, g_ptr_array_unref);
  entries = list_ok (store, 0);
  ck_assert_uint_eq (entries->len, 1);
  put (store, "eim", "truncated", "written again");
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = list_ok (store, 0);
  ck_assert_uint_eq (entries->len, 2);

  /* NULL for the problems is allowed. */
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = daemon_store_outbox_list (store, NULL, &error);
  ck_assert_ptr_nonnull (entries);
}
END_TEST

START_TEST (test_escape_names)
{
  static const struct {
    const gchar *text;
    const gchar *escaped;
  } cases[] = {
    { "eim-b", "eim-b" },
    { "a/b", "a_2Fb" },
    { "..", "_2E_2E" },
    { "eim.example.com", "eim_2Eexample_2Ecom" },
    { "\xc3\xbc", "_C3_BC" },
    { "x]\n[y", "x_5D_0A_5By" },
    { "_2F", "_5F2F" },
    { "1.2.3.4", "1_2E2_2E3_2E4" },
  };
  static const gchar *const not_escapes[] = { "eim.test", "_zz", "_0", "_00", "a b", "_FF", "", "a_2" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *escaped = daemon_store_escape_name (cases[i].text);
      g_autofree gchar *back = daemon_store_unescape_name (escaped);

      ck_assert_str_eq (escaped, cases[i].escaped);
      ck_assert_str_eq (back, cases[i].text);
    }
  for (guint i = 0; i < G_N_ELEMENTS (not_escapes); i++)
    ck_assert_msg (daemon_store_unescape_name (not_escapes[i]) == NULL, "%s", not_escapes[i]);
}
END_TEST

/* eIM ids come from the eUICC and from eIMs: whatever they hold, they never name a path outside the outbox,
 * and two of them never share a file. */
START_TEST (test_outbox_eim_ids_escaped)
{
  g_autoptr(DaemonStore) store = open_store (10);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *outbox = path_in ("outbox", NULL);
  g_autofree gchar *names = NULL;
  g_autofree gchar *top = NULL;
  g_autoptr(GString) long_id = g_string_new (NULL);
  const gchar *ids[7];

  for (guint i = 0; i < 64; i++)
    g_string_append (long_id, "\xc3\xa9");   /* 128 bytes, 192 characters escaped */
  ids[0] = "../../etc/passwd";
  ids[1] = "a/b";
  ids[2] = "..";
  ids[3] = "\xc3\xa9im-\xe2\x82\xac";
  ids[4] = "x]\n[y";
  ids[5] = long_id->str;
  ids[6] = "a_2Fb";            /* what "a/b" escapes to, as an id of its own */
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    put (store, ids[i], "tx-01", ids[i]);

  entries = list_ok (store, 0);
  ck_assert_uint_eq (entries->len, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    assert_entry (entries, i, ids[i], "tx-01", ids[i]);
  top = listing (state_dir);
  ck_assert_str_eq (top, "outbox");
  names = listing (outbox);
  ck_assert_str_eq (names, "_2E_2E.tx-01.msg _2E_2E_2F_2E_2E_2Fetc_2Fpasswd.tx-01.msg _C3_A9im-_E2_82_AC.tx-01.msg "
                           "_sha256-845836d7e680de9961df321148f8cb5e8a7da92a.tx-01.msg a_2Fb.tx-01.msg "
                           "a_5F2Fb.tx-01.msg x_5D_0A_5By.tx-01.msg");
  g_clear_pointer (&entries, g_ptr_array_unref);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    ck_assert_msg (daemon_store_outbox_remove (store, ids[i], "tx-01", &error), "%s",
                   error != NULL ? error->message : "");
  entries = list_ok (store, 0);
  ck_assert_uint_eq (entries->len, 0);
}
END_TEST

/* Versions that keyed the outbox by the key alone named files "<key>.msg": after an upgrade they are renamed
 * by eIM and key, nothing lost; one that cannot be renamed is still read and removed, by its own eIM only. */
START_TEST (test_outbox_files_of_older_versions)
{
  g_autoptr(DaemonStore) store = open_store (10);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *outbox = path_in ("outbox", NULL);
  g_autofree gchar *a1 = path_in ("outbox", "eim-a.tx-01.msg", NULL);
  g_autofree gchar *a1_old = path_in ("outbox", "tx-01.msg", NULL);
  g_autofree gchar *a2 = path_in ("outbox", "eim-a.tx-02.msg", NULL);
  g_autofree gchar *a2_old = path_in ("outbox", "tx-02.msg", NULL);
  g_autofree gchar *names = NULL;

  /* An older version's files: the same framing under the key's name. */
  put (store, "eim-a", "tx-01", "A's result of an older version");
  put (store, "eim-a", "tx-02", "A's second result of an older version");
  ck_assert_int_eq (g_rename (a1, a1_old), 0);
  ck_assert_int_eq (g_rename (a2, a2_old), 0);
  /* ... and one written again by the new version with the same eIM and key: the old one cannot take its name. */
  put (store, "eim-a", "tx-02", "A's second result, written again");
  put (store, "eim-b", "tx-01", "B's result with the same transaction id");
  g_clear_pointer (&store, daemon_store_free);

  store = open_store (10);
  names = listing (outbox);
  ck_assert_str_eq (names, "eim-a.tx-01.msg eim-a.tx-02.msg eim-b.tx-01.msg tx-02.msg");
  entries = list_ok (store, 0);
  ck_assert_uint_eq (entries->len, 4);
  assert_entry (entries, 0, "eim-a", "tx-01", "A's result of an older version");
  assert_entry (entries, 1, "eim-a", "tx-02", "A's second result of an older version");
  assert_entry (entries, 2, "eim-a", "tx-02", "A's second result, written again");
  assert_entry (entries, 3, "eim-b", "tx-01", "B's result with the same transaction id");

  /* The file the old version left is A's: B naming its key does not remove it. */
  ck_assert (daemon_store_outbox_remove (store, "eim-a", "tx-02", &error));
  ck_assert (!daemon_store_outbox_remove (store, "eim-b", "tx-02", &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND));
  g_clear_error (&error);
  ck_assert (g_file_test (a2_old, G_FILE_TEST_EXISTS));
  ck_assert (daemon_store_outbox_remove (store, "eim-a", "tx-02", &error));
  ck_assert (!g_file_test (a2_old, G_FILE_TEST_EXISTS));
  g_clear_pointer (&names, g_free);
  names = listing (outbox);
  ck_assert_str_eq (names, "eim-a.tx-01.msg eim-b.tx-01.msg");
}
END_TEST

START_TEST (test_state_files)
{
  g_autoptr(DaemonStore) store = open_store (10);
  g_autoptr(GBytes) contents = g_bytes_new_static ("[Schedule]\nNextPollAt=1\n", 24);
  g_autoptr(GBytes) replaced = g_bytes_new_static ("[Schedule]\nNextPollAt=2\n", 24);
  g_autoptr(GBytes) read = NULL;
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = path_in ("schedule", NULL);
  g_autofree gchar *big_path = path_in ("big", NULL);
  g_autofree gchar *big = NULL;
  static const gchar *const reserved[] = { "history", "outbox", "corrupt", "../etc", ".hidden", "" };

  ck_assert (daemon_store_write_file (store, "schedule", contents, &error));
  ck_assert_uint_eq (mode_of (path), 0600);
  read = daemon_store_read_file (store, "schedule", &error);
  ck_assert_ptr_nonnull (read);
  ck_assert (g_bytes_equal (read, contents));
  g_clear_pointer (&read, g_bytes_unref);

  ck_assert (daemon_store_write_file (store, "schedule", replaced, &error));
  g_clear_pointer (&store, daemon_store_free);
  store = open_store (10);
  read = daemon_store_read_file (store, "schedule", &error);
  ck_assert (g_bytes_equal (read, replaced));
  g_clear_pointer (&read, g_bytes_unref);

  for (guint i = 0; i < G_N_ELEMENTS (reserved); i++)
    {
      ck_assert_msg (!daemon_store_write_file (store, reserved[i], contents, &error), "%s", reserved[i]);
      ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
      g_clear_error (&error);
      ck_assert (daemon_store_read_file (store, reserved[i], &error) == NULL);
      ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
      g_clear_error (&error);
    }

  huge = g_bytes_new_take (g_malloc0 (DAEMON_STORE_MAX_FILE_SIZE + 1), DAEMON_STORE_MAX_FILE_SIZE + 1);
  ck_assert (!daemon_store_write_file (store, "big", huge, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  g_clear_error (&error);
  /* One that grew on disk by other means is refused when read, not loaded whole. */
  big = g_malloc0 (DAEMON_STORE_MAX_FILE_SIZE + 1);
  write_bytes (big_path, big, DAEMON_STORE_MAX_FILE_SIZE + 1);
  ck_assert (daemon_store_read_file (store, "big", &error) == NULL);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
  ck_assert_msg (strstr (error->message, big_path) != NULL, "%s", error->message);
  g_clear_error (&error);

  ck_assert (daemon_store_remove_file (store, "schedule", &error));
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));
  ck_assert (daemon_store_remove_file (store, "schedule", &error));
  ck_assert (daemon_store_read_file (store, "schedule", &error) == NULL);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND));
}
END_TEST

static void
append (DaemonStore *store, gint64 time, const gchar *operation, const gchar *result, const gchar *detail)
{
  DaemonHistoryEntry entry = { 0 };
  g_autoptr(GError) error = NULL;

  entry.time = time;
  entry.eim_id = (gchar *) "eim.example";
  entry.transaction_id = (gchar *) "0A0B";
  entry.operation = (gchar *) operation;
  entry.result = (gchar *) result;
  entry.detail = (gchar *) detail;
  ck_assert_msg (daemon_store_history_append (store, &entry, &error), "%s", error != NULL ? error->message : "");
}

static void
assert_history (DaemonStore *store, guint first, guint count)
{
  g_autoptr(GPtrArray) history = daemon_store_history_list (store);

  ck_assert_uint_eq (history->len, count);
  for (guint i = 0; i < count; i++)
    {
      const DaemonHistoryEntry *entry = g_ptr_array_index (history, i);
      g_autofree gchar *operation = g_strdup_printf ("op%u", first + i);
      ck_assert_str_eq (entry->operation, operation);
      ck_assert_int_eq (entry->time, G_GINT64_CONSTANT (1714564800123457) + first + i);
      ck_assert_str_eq (entry->eim_id, "eim.example");
      ck_assert_str_eq (entry->transaction_id, "0A0B");
      ck_assert_str_eq (entry->result, (first + i) % 2 == 0 ? "ok" : "iccidNotFound");
      ck_assert_str_eq (entry->detail, "profile \"x\" — done\n2nd line");
    }
}

START_TEST (test_history_bounded_and_persistent)
{
  g_autoptr(DaemonStore) store = open_store (5);
  g_autofree gchar *path = path_in ("history", NULL);
  g_autofree gchar *text = NULL;
  g_auto(GStrv) lines = NULL;

  assert_history (store, 0, 0);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree gchar *operation = g_strdup_printf ("op%u", i);
      append (store, G_GINT64_CONSTANT (1714564800123457) + i, operation, i % 2 == 0 ? "ok" : "iccidNotFound",
              "profile \"x\" — done\n2nd line");
    }
  assert_history (store, 3, 5);
  ck_assert_uint_eq (mode_of (path), 0600);
  text = read_text (path, NULL);
  lines = g_strsplit (text, "\n", -1);
  ck_assert_uint_eq (g_strv_length (lines), 6);  /* five lines and the empty string after the last newline */
  g_clear_pointer (&store, daemon_store_free);

  store = open_store (5);
  assert_history (store, 3, 5);
  g_clear_pointer (&store, daemon_store_free);

  /* A smaller bound keeps the newest. */
  store = open_store (3);
  assert_history (store, 5, 3);
  append (store, G_GINT64_CONSTANT (1714564800123457) + 8, "op8", "ok", "profile \"x\" — done\n2nd line");
  assert_history (store, 6, 3);
  g_clear_pointer (&store, daemon_store_free);
  store = open_store (100);
  assert_history (store, 6, 3);
}
END_TEST

START_TEST (test_history_optional_fields_and_refusals)
{
  g_autoptr(DaemonStore) store = open_store (10);
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GError) error = NULL;
  DaemonHistoryEntry entry = { 0 };
  const DaemonHistoryEntry *loaded;
  g_autofree gchar *long_detail = g_strnfill (5000, 'd');

  entry.time = 42;
  entry.operation = (gchar *) "enable";
  ck_assert (!daemon_store_history_append (store, &entry, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  ck_assert_str_eq (error->message, "history entry without result");
  g_clear_error (&error);

  entry.result = (gchar *) "ok";
  entry.detail = long_detail;
  ck_assert (daemon_store_history_append (store, &entry, &error));
  g_clear_pointer (&store, daemon_store_free);
  store = open_store (10);
  history = daemon_store_history_list (store);
  ck_assert_uint_eq (history->len, 1);
  loaded = g_ptr_array_index (history, 0);
  ck_assert_int_eq (loaded->time, 42);
  ck_assert_ptr_null (loaded->eim_id);
  ck_assert_ptr_null (loaded->transaction_id);
  ck_assert_str_eq (loaded->operation, "enable");
  ck_assert_str_eq (loaded->result, "ok");
  /* Cut to a bounded size. */
  ck_assert_uint_eq (strlen (loaded->detail), 1024);
}
END_TEST

START_TEST (test_history_damaged_lines_skipped)
{
  g_autoptr(DaemonStore) store = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autofree gchar *path = path_in ("history", NULL);
  static const gchar text[] =
    "{\"time\":1,\"operation\":\"a\",\"result\":\"ok\"}\n"
    "{\"time\":2,\"operation\":\"b\",\"resu\n"                          /* cut mid-line */
    "[1,2,3]\n"                                                       /* not an object */
    "{\"time\":\"3\",\"operation\":\"c\",\"result\":\"ok\"}\n"        /* time not a number */
    "{\"time\":-4,\"operation\":\"d\",\"result\":\"ok\"}\n"           /* negative time */
    "{\"time\":5.5,\"operation\":\"e\",\"result\":\"ok\"}\n"          /* fractional time */
    "{\"time\":6,\"operation\":7,\"result\":\"ok\"}\n"                /* operation not a string */
    "{\"time\":8,\"result\":\"ok\"}\n"                                /* no operation */
    "\n"
    "{\"time\":9,\"operation\":\"i\",\"result\":\"fail\",\"detail\":\"d\"}";  /* no final newline */

  ck_assert_int_eq (g_mkdir_with_parents (state_dir, 0700), 0);
  write_bytes (path, text, sizeof text - 1);
  store = open_store (10);
  history = daemon_store_history_list (store);
  ck_assert_uint_eq (history->len, 2);
  ck_assert_str_eq (((DaemonHistoryEntry *) g_ptr_array_index (history, 0))->operation, "a");
  ck_assert_str_eq (((DaemonHistoryEntry *) g_ptr_array_index (history, 1))->operation, "i");
  ck_assert_str_eq (((DaemonHistoryEntry *) g_ptr_array_index (history, 1))->detail, "d");
  g_clear_pointer (&history, g_ptr_array_unref);

  /* The next append rewrites the file with only the good entries. */
  append (store, 10, "op", "ok", NULL);
  g_clear_pointer (&store, daemon_store_free);
  store = open_store (10);
  history = daemon_store_history_list (store);
  ck_assert_uint_eq (history->len, 3);
}
END_TEST

/* The parsers on buffers, as the fuzz targets call them. */
START_TEST (test_parse_outbox_entry_from_bytes)
{
  g_autoptr(DaemonStore) store = open_store (10);
  g_autoptr(GBytes) message = g_bytes_new_static ("\xBF\x50\x00", 3);
  g_autofree gchar *path = path_in ("outbox", "eim1.k1.msg", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr(GBytes) file = NULL;
  g_autoptr(DaemonOutboxEntry) entry = NULL;
  g_autoptr(DaemonOutboxEntry) wrong_key = NULL;
  g_autoptr(DaemonOutboxEntry) truncated = NULL;
  g_autoptr(GBytes) cut = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  ck_assert (daemon_store_outbox_put (store, "eim1", "k1", message, &error));
  ck_assert (g_file_get_contents (path, &contents, &length, NULL));
  file = g_bytes_new (contents, length);
  entry = daemon_store_parse_outbox_entry (file, "eim1.k1.msg", &error);
  ck_assert_msg (entry != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_str_eq (entry->eim_id, "eim1");
  ck_assert_str_eq (entry->key, "k1");
  ck_assert (g_bytes_equal (entry->message, message));

  wrong_key = daemon_store_parse_outbox_entry (file, "eim1.k2.msg", &error);
  ck_assert_ptr_null (wrong_key);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
  ck_assert_str_eq (error->message, "holds key 'k1' for another name (eim1.k1.msg)");
  g_clear_error (&error);

  cut = g_bytes_new_from_bytes (file, 0, length - 1);
  truncated = daemon_store_parse_outbox_entry (cut, "eim1.k1.msg", &error);
  ck_assert_ptr_null (truncated);
  ck_assert_str_eq (error->message, "checksum mismatch: truncated or damaged");
}
END_TEST

START_TEST (test_parse_history_from_buffer)
{
  static const gchar text[] =
    "{\"time\":1,\"operation\":\"a\",\"result\":\"ok\"}\n"
    "not json\n"
    "{\"time\":1e300,\"operation\":\"b\",\"result\":\"ok\"}\n"
    "{\"time\":3,\"operation\":\"c\",\"result\":\"ok\"}\n"
    "{\"time\":4,\"operation\":\"d\",\"result\":\"ok\"}";
  g_autoptr(GPtrArray) all = daemon_store_parse_history (text, sizeof text - 1, "test", 10);
  g_autoptr(GPtrArray) newest = daemon_store_parse_history (text, sizeof text - 1, "test", 2);
  g_autoptr(GPtrArray) at_least_one = daemon_store_parse_history (text, sizeof text - 1, "test", 0);
  g_autoptr(GPtrArray) empty = daemon_store_parse_history ("", 0, "test", 10);

  ck_assert_uint_eq (all->len, 3);
  ck_assert_str_eq (((DaemonHistoryEntry *) g_ptr_array_index (all, 1))->operation, "c");
  ck_assert_uint_eq (newest->len, 2);
  ck_assert_str_eq (((DaemonHistoryEntry *) g_ptr_array_index (newest, 0))->operation, "c");
  ck_assert_uint_eq (at_least_one->len, 1);
  ck_assert_str_eq (((DaemonHistoryEntry *) g_ptr_array_index (at_least_one, 0))->operation, "d");
  ck_assert_uint_eq (empty->len, 0);
}
END_TEST

/* eim-flags: good groups survive a damaged one, causes stay within StateChangeCause, and what is written reads
 * back the same. */
START_TEST (test_eim_flags_parse)
{
  static const gchar text[] =
    "[eim1]\nNotifyStateChange=true\nStateChangeCause=5\n"
    "[eim2]\nNotifyStateChange=maybe\nStateChangeCause=1\n"
    "[eim3]\nNotifyStateChange=true\nStateChangeCause=-9223372036854775808\n"
    "[eim4]\nNotifyStateChange=false\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) flags = daemon_eim_flags_parse (text, sizeof text - 1, &error);
  g_autoptr(GHashTable) again = NULL;
  g_autoptr(GHashTable) broken = NULL;
  g_autoptr(GBytes) written = NULL;
  const DaemonEimFlags *entry;

  ck_assert_msg (flags != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (g_hash_table_size (flags), 3);
  entry = g_hash_table_lookup (flags, "eim1");
  ck_assert (entry->notify);
  ck_assert_int_eq (entry->cause, 5);
  ck_assert_ptr_null (g_hash_table_lookup (flags, "eim2"));
  entry = g_hash_table_lookup (flags, "eim3");
  ck_assert (entry->notify);
  ck_assert_int_eq (entry->cause, 127);
  entry = g_hash_table_lookup (flags, "eim4");
  ck_assert (!entry->notify);

  written = daemon_eim_flags_to_bytes (flags);
  again = daemon_eim_flags_parse (g_bytes_get_data (written, NULL), g_bytes_get_size (written), &error);
  ck_assert_ptr_nonnull (again);
  ck_assert_uint_eq (g_hash_table_size (again), 2);
  ck_assert_int_eq (((const DaemonEimFlags *) g_hash_table_lookup (again, "eim1"))->cause, 5);
  ck_assert_int_eq (((const DaemonEimFlags *) g_hash_table_lookup (again, "eim3"))->cause, 127);

  /* Any eIM id survives the trip, even one a key file group name could not hold as it is. */
  {
    static const gchar *const ids[] = { "eim[1]", "100%", "a\nb\tc", "eIM-\xc3\xa9", "%41" };
    g_autoptr(GHashTable) odd = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
    g_autoptr(GHashTable) odd_again = NULL;
    g_autoptr(GBytes) odd_written = NULL;

    for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
      {
        DaemonEimFlags *f = g_new0 (DaemonEimFlags, 1);

        f->notify = TRUE;
        f->cause = (gint64) i;
        g_hash_table_insert (odd, (gpointer) ids[i], f);
      }
    odd_written = daemon_eim_flags_to_bytes (odd);
    odd_again = daemon_eim_flags_parse (g_bytes_get_data (odd_written, NULL), g_bytes_get_size (odd_written), &error);
    ck_assert_msg (odd_again != NULL, "%s", error != NULL ? error->message : "");
    ck_assert_uint_eq (g_hash_table_size (odd_again), G_N_ELEMENTS (ids));
    for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
      {
        const DaemonEimFlags *f = g_hash_table_lookup (odd_again, ids[i]);

        ck_assert_msg (f != NULL, "%s lost", ids[i]);
        ck_assert_int_eq (f->cause, (gint64) i);
      }
  }

  broken = daemon_eim_flags_parse ("[eim1\n", 6, &error);
  ck_assert_ptr_null (broken);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
}
END_TEST

static Suite *
store_suite (void)
{
  Suite *s = suite_create ("store");
  TCase *tc = tcase_create ("store");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_open_permissions);
  tcase_add_test (tc, test_open_refusals);
  tcase_add_test (tc, test_outbox_order_and_remove);
  tcase_add_test (tc, test_outbox_survives_reopen);
  tcase_add_test (tc, test_outbox_refuses_bad_input);
  tcase_add_test (tc, test_interrupted_write_cleaned);
  tcase_add_test (tc, test_corrupt_files_set_aside);
  tcase_add_test (tc, test_escape_names);
  tcase_add_test (tc, test_outbox_eim_ids_escaped);
  tcase_add_test (tc, test_outbox_files_of_older_versions);
  tcase_add_test (tc, test_state_files);
  tcase_add_test (tc, test_history_bounded_and_persistent);
  tcase_add_test (tc, test_history_optional_fields_and_refusals);
  tcase_add_test (tc, test_history_damaged_lines_skipped);
  tcase_add_test (tc, test_parse_outbox_entry_from_bytes);
  tcase_add_test (tc, test_parse_history_from_buffer);
  tcase_add_test (tc, test_eim_flags_parse);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (store_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
