/* SPDX-License-Identifier: Apache-2.0 */
/* The record of an enable with rollbackFlag: what a restart reads back, and damaged records refused by name. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "euiccd-error.h"
#include "ipa/ipa-rollback-record.h"

static GBytes *
text (const gchar *s)
{
  return g_bytes_new (s, strlen (s));
}

START_TEST (test_round_trip)
{
  g_autoptr(GBytes) txid = g_bytes_new ("\x01\x02\xAB\xCD", 4);
  IpaRollbackRecord record = { .eim_id = (gchar *) "eim-1", .eim_transaction_id = txid, .counter_value = 42,
                               .operation = (gchar *) "psmo:enable,listProfileInfo", .since_s = 1796300000 };
  g_autoptr(GBytes) bytes = ipa_rollback_record_encode (&record);
  g_autoptr(GError) error = NULL;
  g_autoptr(IpaRollbackRecord) back = ipa_rollback_record_decode (bytes, &error);

  ck_assert_ptr_nonnull (back);
  ck_assert_str_eq (back->eim_id, "eim-1");
  ck_assert (g_bytes_equal (back->eim_transaction_id, txid));
  ck_assert_int_eq (back->counter_value, 42);
  ck_assert_str_eq (back->operation, "psmo:enable,listProfileInfo");
  ck_assert_int_eq (back->since_s, 1796300000);
}
END_TEST

START_TEST (test_minimal)
{
  g_autoptr(GBytes) bytes = text ("[Rollback]\nEimId=e\nCounterValue=7\nSince=0\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(IpaRollbackRecord) record = ipa_rollback_record_decode (bytes, &error);

  ck_assert_ptr_nonnull (record);
  ck_assert_ptr_null (record->eim_transaction_id);
  ck_assert_int_eq (record->counter_value, 7);
  ck_assert_str_eq (record->operation, "psmo:enable");
}
END_TEST

static const struct {
  const gchar *text;
  const gchar *message;
} bad[] = {
  { "", "EimId is missing" },
  { "[Rollback]\nEimId=\nCounterValue=1\nSince=0\n", "EimId is not 1 to 128 bytes" },
  { "[Rollback]\nEimId=e\nSince=0\n", "CounterValue is missing" },
  { "[Rollback]\nEimId=e\nCounterValue=many\nSince=0\n", "CounterValue is not a number" },
  { "[Rollback]\nEimId=e\nCounterValue=1\n", "Since is missing" },
  { "[Rollback]\nEimId=e\nCounterValue=1\nSince=0\nEimTransactionId=0G\n", "EimTransactionId is not 1 to 16" },
  { "[Rollback]\nEimId=e\nCounterValue=1\nSince=0\nEimTransactionId=000102030405060708090A0B0C0D0E0F10\n",
    "EimTransactionId is not 1 to 16" },
  { "[Rollback]\nEimId=e\nCounterValue=1\nSince=0\nOperation=\xC3\xA9\n", "Operation is not" },
  { "not a key file\x01", "Rollback record" },
};

START_TEST (test_damaged)
{
  g_autoptr(GBytes) bytes = text (bad[_i].text);
  g_autoptr(GError) error = NULL;
  g_autoptr(IpaRollbackRecord) record = ipa_rollback_record_decode (bytes, &error);

  ck_assert_ptr_null (record);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
  ck_assert_msg (strstr (error->message, bad[_i].message) != NULL, "%s", error->message);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("rollback-record");
  TCase *tc = tcase_create ("record");
  SRunner *runner;
  int failed;

  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_minimal);
  tcase_add_loop_test (tc, test_damaged, 0, G_N_ELEMENTS (bad));
  suite_add_tcase (suite, tc);
  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
