/* SPDX-License-Identifier: Apache-2.0 */
/* One bad item never blocks the rest, the pure parts: which eIM answers refuse an item for good, JSON Failed
 * recognised in any answer, undecodable list entries handed on one by one and reported once per entry, and the
 * dead-letter store (round trip, order, drop, damaged and hostile files set aside, ids that could name another
 * file). */
#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/daemon-dead-letter.h"
#include "daemon/daemon-skipped.h"
#include "daemon/daemon-store.h"
#include "euiccd-error.h"
#include "ipa/ipa-context.h"
#include "net/esipa-json.h"

/* ---- refused for good, or a failure that may pass ---- */

START_TEST (test_refusal_reason)
{
  static const struct {
    guint status;
    gboolean failed;
    const gchar *reason;  /* NULL: may pass */
  } cases[] = {
    { 0, FALSE, NULL },     /* no answer: connection, TLS, time-out */
    { 200, FALSE, NULL },   /* an answer that did not decode */
    { 204, FALSE, NULL },
    { 301, FALSE, NULL },
    { 400, FALSE, "HTTP 400" },
    { 401, FALSE, "HTTP 401" },
    { 403, FALSE, "HTTP 403" },
    { 404, FALSE, "HTTP 404" },
    { 408, FALSE, NULL },   /* Request Timeout */
    { 409, FALSE, "HTTP 409" },
    { 413, FALSE, "HTTP 413" },
    { 429, FALSE, NULL },   /* Too Many Requests */
    { 499, FALSE, "HTTP 499" },
    { 500, FALSE, NULL },
    { 502, FALSE, NULL },
    { 503, FALSE, NULL },
    { 599, FALSE, NULL },
    { 200, TRUE, "the eIM answered Failed" },
    { 0, TRUE, "the eIM answered Failed" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *reason = ipa_refusal_reason (cases[i].status, cases[i].failed);
      ck_assert_msg (g_strcmp0 (reason, cases[i].reason) == 0, "HTTP %u failed=%d: got '%s', expected '%s'",
                     cases[i].status, cases[i].failed, reason != NULL ? reason : "(transient)",
                     cases[i].reason != NULL ? cases[i].reason : "(transient)");
    }
}
END_TEST

START_TEST (test_json_failed_status)
{
  static const gchar failed[] = "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":"
                                "{\"subjectCode\":\"8.1\",\"reasonCode\":\"1.1\"}}}}";
  static const gchar expired[] = "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Expired\"}}}";
  static const gchar success[] = "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}}";
  static const gchar unknown[] = "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Maybe\"}}}";
  static const gchar garbage[] = "}{ not json";

  ck_assert (esipa_json_status_is_failure (failed, strlen (failed)));
  ck_assert (esipa_json_status_is_failure (expired, strlen (expired)));
  ck_assert (!esipa_json_status_is_failure (success, strlen (success)));
  /* Not known to be a refusal: it may pass, so the item is kept. */
  ck_assert (!esipa_json_status_is_failure (unknown, strlen (unknown)));
  ck_assert (!esipa_json_status_is_failure (garbage, strlen (garbage)));
  ck_assert (!esipa_json_status_is_failure (NULL, 0));
}
END_TEST

/* ---- undecodable entries of the card's lists ---- */

typedef struct {
  GPtrArray *lists;    /* of gchar *: the list named at each call */
  GPtrArray *reasons;  /* of gchar * */
} Heard;

static void
on_skipped (const gchar *list, const Es10SkippedEntry *entry, gpointer user_data)
{
  Heard *heard = user_data;

  g_ptr_array_add (heard->lists, g_strdup (list));
  g_ptr_array_add (heard->reasons, g_strdup (entry->reason));
}

static GBytes *
bytes_of (const gchar *hex)
{
  gsize n = strlen (hex) / 2;
  guint8 *data = g_malloc (n);

  for (gsize i = 0; i < n; i++)
    data[i] = (guint8) g_ascii_strtoull ((gchar[]) { hex[2 * i], hex[2 * i + 1], 0 }, NULL, 16);
  return g_bytes_new_take (data, n);
}

START_TEST (test_skipped_entries_handed_on)
{
  Es10EimConfiguration eim = { .eim_id = (gchar *) "eim-test" };
  Heard heard = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func ((GDestroyNotify) es10_skipped_entry_free);
  g_autoptr(GBytes) first = bytes_of ("BF2F03800101");
  g_autoptr(GBytes) second = bytes_of ("30020500");
  IpaExchange exchange;

  ipa_exchange_init (&exchange);
  exchange.eim = &eim;
  exchange.skipped = on_skipped;
  exchange.user_data = &heard;
  g_ptr_array_add (skipped, es10_skipped_entry_new (first, "seqNumber missing"));
  g_ptr_array_add (skipped, es10_skipped_entry_new (second, "unknown notification format"));

  ipa_exchange_note_skipped (&exchange, "notification", skipped);
  ck_assert_uint_eq (heard.lists->len, 2);
  ck_assert_str_eq (g_ptr_array_index (heard.lists, 0), "notification");
  ck_assert_str_eq (g_ptr_array_index (heard.reasons, 0), "seqNumber missing");
  ck_assert_str_eq (g_ptr_array_index (heard.reasons, 1), "unknown notification format");
  /* A list without bad entries (or without the array at all) says nothing. */
  ipa_exchange_note_skipped (&exchange, "notification", NULL);
  ck_assert_uint_eq (heard.lists->len, 2);
  /* Without a receiver nothing breaks. */
  exchange.skipped = NULL;
  ipa_exchange_note_skipped (&exchange, "profile", skipped);
  ck_assert_uint_eq (heard.lists->len, 2);
  g_ptr_array_unref (heard.lists);
  g_ptr_array_unref (heard.reasons);
}
END_TEST

START_TEST (test_skipped_reported_once)
{
  g_autoptr(DaemonSkipped) skipped = daemon_skipped_new ();
  g_autoptr(GBytes) a = bytes_of ("E3035A0100");
  g_autoptr(GBytes) a_again = bytes_of ("E3035A0100");
  g_autoptr(GBytes) b = bytes_of ("E3035A0101");

  ck_assert_uint_eq (daemon_skipped_count (skipped), 0);
  ck_assert (daemon_skipped_note (skipped, "profile", a));
  /* The same entry at the next read of the list: not news. */
  ck_assert (!daemon_skipped_note (skipped, "profile", a_again));
  ck_assert (!daemon_skipped_note (skipped, "profile", a));
  ck_assert (daemon_skipped_note (skipped, "profile", b));
  /* The same bytes in another list are another entry. */
  ck_assert (daemon_skipped_note (skipped, "notification", a));
  ck_assert (daemon_skipped_note (skipped, "eimConfiguration", NULL));
  ck_assert (!daemon_skipped_note (skipped, "eimConfiguration", NULL));
  ck_assert_uint_eq (daemon_skipped_count (skipped), 4);
}
END_TEST

/* ---- the dead-letter store ---- */

static gchar *root;

static void
setup (void)
{
  g_autoptr(GError) error = NULL;

  root = g_dir_make_tmp ("euiccd-dead-XXXXXX", &error);
  ck_assert_ptr_nonnull (root);
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
}

static DaemonStore *
open_store (void)
{
  g_autoptr(GError) error = NULL;
  DaemonStore *store = daemon_store_open (root, 10, &error);

  ck_assert_msg (store != NULL, "open: %s", error != NULL ? error->message : "?");
  return store;
}

static guint
count_files (const gchar *folder)
{
  g_autofree gchar *path = g_build_filename (root, folder, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

START_TEST (test_dead_letters_round_trip)
{
  g_autoptr(DaemonStore) store = open_store ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = bytes_of ("BF510A8008656974312D7465737400");
  g_autoptr(GPtrArray) none = daemon_dead_letters_list (store, &error);
  g_autoptr(GPtrArray) letters = NULL;
  g_autofree gchar *first = NULL, *second = NULL;
  g_autofree gchar *file = NULL;
  const DaemonDeadLetter *x;
  struct stat st;

  /* The folder is made on first need: none yet is an empty list. */
  ck_assert_ptr_nonnull (none);
  ck_assert_uint_eq (none->len, 0);

  first = daemon_dead_letters_put (store, "eim-test", "0102A0", "packageResult", "HTTP 403", content, &error);
  ck_assert_msg (first != NULL, "%s", error != NULL ? error->message : "?");
  second = daemon_dead_letters_put (store, "eim-2", NULL, "notification", "the eIM answered Failed", content, &error);
  ck_assert_ptr_nonnull (second);
  ck_assert (daemon_store_name_is_valid (first) && g_strcmp0 (first, second) != 0);

  file = g_build_filename (root, DAEMON_STORE_DEAD_LETTER_FOLDER, NULL);
  ck_assert_int_eq (g_stat (file, &st), 0);
  ck_assert_uint_eq (st.st_mode & 07777, 0700);

  letters = daemon_dead_letters_list (store, &error);
  ck_assert_ptr_nonnull (letters);
  ck_assert_uint_eq (letters->len, 2);
  x = g_ptr_array_index (letters, 0);
  ck_assert_str_eq (x->id, first);
  ck_assert_str_eq (x->eim_id, "eim-test");
  ck_assert_str_eq (x->transaction_id, "0102A0");
  ck_assert_str_eq (x->kind, "packageResult");
  ck_assert_str_eq (x->reason, "HTTP 403");
  ck_assert (g_bytes_equal (x->content, content));
  ck_assert_int_gt (x->time, 0);
  x = g_ptr_array_index (letters, 1);
  ck_assert_str_eq (x->id, second);
  ck_assert_ptr_null (x->transaction_id);
  ck_assert_int_gt (x->time, ((DaemonDeadLetter *) g_ptr_array_index (letters, 0))->time);

  /* They outlive the store object, and a drop removes exactly one. */
  g_clear_pointer (&store, daemon_store_free);
  store = open_store ();
  ck_assert (daemon_dead_letters_drop (store, first, &error));
  ck_assert (!daemon_dead_letters_drop (store, first, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND));
  g_clear_error (&error);
  g_clear_pointer (&letters, g_ptr_array_unref);
  letters = daemon_dead_letters_list (store, &error);
  ck_assert_uint_eq (letters->len, 1);
  ck_assert_str_eq (((DaemonDeadLetter *) g_ptr_array_index (letters, 0))->id, second);
}
END_TEST

START_TEST (test_dead_letters_bad_ids)
{
  g_autoptr(DaemonStore) store = open_store ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) schedule = g_bytes_new_static ("x", 1);
  static const gchar *const bad[] = { "", "../schedule", ".hidden", "a/b", "x y" };

  ck_assert (daemon_store_write_file (store, "schedule", schedule, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      ck_assert_msg (!daemon_dead_letters_drop (store, bad[i], &error), "'%s' accepted", bad[i]);
      ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
      g_clear_error (&error);
    }
  ck_assert (!daemon_dead_letters_drop (store, NULL, &error));
  g_clear_error (&error);
  /* The folder is the store's: not a state file name. */
  ck_assert (!daemon_store_write_file (store, DAEMON_STORE_DEAD_LETTER_FOLDER, schedule, &error));
  g_clear_error (&error);
  {
    g_autoptr(GBytes) still = daemon_store_read_file (store, "schedule", NULL);
    ck_assert_ptr_nonnull (still);
  }
}
END_TEST

static void
write_raw (const gchar *name, const gchar *contents)
{
  g_autofree gchar *folder = g_build_filename (root, DAEMON_STORE_DEAD_LETTER_FOLDER, NULL);
  g_autofree gchar *path = g_build_filename (folder, name, NULL);

  g_mkdir_with_parents (folder, 0700);
  ck_assert (g_file_set_contents (path, contents, -1, NULL));
}

START_TEST (test_dead_letters_damaged_set_aside)
{
  g_autoptr(DaemonStore) store = open_store ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = bytes_of ("0102");
  g_autofree gchar *good = daemon_dead_letters_put (store, "eim-test", "01", "packageResult", "HTTP 400", content,
                                                    &error);
  g_autoptr(GPtrArray) letters = NULL;
  g_autofree gchar *long_reason = g_strnfill (DAEMON_DEAD_LETTER_FIELD_MAX + 1, 'r');
  g_autofree gchar *too_long = g_strdup_printf ("{\"version\":1,\"time\":1,\"eimId\":\"e\",\"kind\":\"k\",\"reason\":"
                                                "\"%s\",\"content\":\"\"}", long_reason);

  ck_assert_ptr_nonnull (good);
  write_raw ("1-truncated.json", "{\"version\":1,\"time\":1,\"eimId\":\"e");
  write_raw ("2-version.json", "{\"version\":2,\"time\":1,\"eimId\":\"e\",\"kind\":\"k\",\"reason\":\"r\",\"content\":\"\"}");
  write_raw ("3-base64.json", "{\"version\":1,\"time\":1,\"eimId\":\"e\",\"kind\":\"k\",\"reason\":\"r\",\"content\":\"A$B=\"}");
  write_raw ("4-missing.json", "{\"version\":1,\"time\":1,\"kind\":\"k\",\"reason\":\"r\",\"content\":\"\"}");
  write_raw ("5-negative.json", "{\"version\":1,\"time\":-5,\"eimId\":\"e\",\"kind\":\"k\",\"reason\":\"r\",\"content\":\"\"}");
  write_raw ("6-long.json", too_long);
  write_raw ("7-array.json", "[]");
  write_raw ("not-a-letter.txt", "whatever");
  /* A write in progress is not a letter, nor damage. */
  write_raw (".tmp-8.json-XXXX", "{");

  letters = daemon_dead_letters_list (store, &error);
  ck_assert_ptr_nonnull (letters);
  ck_assert_uint_eq (letters->len, 1);
  ck_assert_str_eq (((DaemonDeadLetter *) g_ptr_array_index (letters, 0))->id, good);
  ck_assert_uint_eq (count_files ("corrupt"), 8);
  ck_assert_uint_eq (count_files (DAEMON_STORE_DEAD_LETTER_FOLDER), 2);
  /* Reopening removes the unfinished write. */
  g_clear_pointer (&store, daemon_store_free);
  store = open_store ();
  ck_assert_uint_eq (count_files (DAEMON_STORE_DEAD_LETTER_FOLDER), 1);
}
END_TEST

START_TEST (test_dead_letter_fields_bounded)
{
  g_autofree gchar *long_reason = g_strnfill (3 * DAEMON_DEAD_LETTER_FIELD_MAX, 'x');
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(DaemonDeadLetter) back = NULL;
  g_autoptr(GError) error = NULL;
  DaemonDeadLetter letter = { .id = (gchar *) "1-0000", .time = 7, .eim_id = (gchar *) "eim",
                              .kind = (gchar *) "notification", .reason = long_reason,
                              .content = g_bytes_new_static ("", 0) };

  bytes = daemon_dead_letter_to_bytes (&letter);
  back = daemon_dead_letter_from_bytes (bytes, "1-0000", &error);
  ck_assert_msg (back != NULL, "%s", error != NULL ? error->message : "?");
  ck_assert_uint_eq (strlen (back->reason), DAEMON_DEAD_LETTER_FIELD_MAX);
  ck_assert_uint_eq (g_bytes_get_size (back->content), 0);
  ck_assert_int_eq (back->time, 7);
  g_bytes_unref (letter.content);
}
END_TEST

static Suite *
bad_items_suite (void)
{
  Suite *s = suite_create ("bad-items");
  TCase *pure = tcase_create ("pure");
  TCase *store = tcase_create ("dead-letters");

  tcase_add_test (pure, test_refusal_reason);
  tcase_add_test (pure, test_json_failed_status);
  tcase_add_test (pure, test_skipped_entries_handed_on);
  tcase_add_test (pure, test_skipped_reported_once);
  tcase_add_test (pure, test_dead_letter_fields_bounded);
  suite_add_tcase (s, pure);
  tcase_add_checked_fixture (store, setup, teardown);
  tcase_add_test (store, test_dead_letters_round_trip);
  tcase_add_test (store, test_dead_letters_bad_ids);
  tcase_add_test (store, test_dead_letters_damaged_set_aside);
  suite_add_tcase (s, store);
  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (bad_items_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
