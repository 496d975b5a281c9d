/* SPDX-License-Identifier: Apache-2.0 */
/* The profile download session record: what a restart reads back, and damaged records refused by name. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "euiccd-error.h"
#include "ipa/ipa-download.h"

static GBytes *
text (const gchar *s)
{
  return g_bytes_new (s, strlen (s));
}

START_TEST (test_round_trip)
{
  g_autoptr(GBytes) txid = g_bytes_new ("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F\x10", 16);
  g_autoptr(GBytes) eim_txid = g_bytes_new ("\xAB\xCD", 2);
  IpaDownloadRecord record = { .eim_id = (gchar *) "eim-1", .server = (gchar *) "smdp.example.com:8443",
                               .transaction_id = txid, .eim_transaction_id = eim_txid, .installed = TRUE,
                               .direct = TRUE };
  g_autoptr(GBytes) bytes = ipa_download_record_encode (&record);
  g_autoptr(GError) error = NULL;
  g_autoptr(IpaDownloadRecord) back = ipa_download_record_decode (bytes, &error);

  ck_assert_ptr_nonnull (back);
  ck_assert_str_eq (back->eim_id, "eim-1");
  ck_assert_str_eq (back->server, "smdp.example.com:8443");
  ck_assert (g_bytes_equal (back->transaction_id, txid));
  ck_assert (g_bytes_equal (back->eim_transaction_id, eim_txid));
  ck_assert (back->installed && back->direct);
}
END_TEST

START_TEST (test_minimal)
{
  g_autoptr(GBytes) bytes = text ("[Download]\nTransactionId=0A0b\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(IpaDownloadRecord) record = ipa_download_record_decode (bytes, &error);

  ck_assert_ptr_nonnull (record);
  ck_assert_uint_eq (g_bytes_get_size (record->transaction_id), 2);
  ck_assert_ptr_null (record->eim_id);
  ck_assert_ptr_null (record->eim_transaction_id);
  ck_assert (!record->installed && !record->direct);
}
END_TEST

static const struct {
  const gchar *text;
  const gchar *message;
} bad[] = {
  { "", "TransactionId is missing" },
  { "[Download]\nEimId=x\n", "TransactionId is missing" },
  { "[Download]\nTransactionId=ABC\n", "1 to 16 bytes of hex" },
  { "[Download]\nTransactionId=\n", "1 to 16 bytes of hex" },
  { "[Download]\nTransactionId=000102030405060708090A0B0C0D0E0F10\n", "1 to 16 bytes of hex" },
  { "[Download]\nTransactionId=ZZ\n", "not hex" },
  { "[Download]\nTransactionId=01\nEimTransactionId=0G\n", "EimTransactionId is not hex" },
  { "not a key file\x01", "Download record" },
};

START_TEST (test_damaged)
{
  g_autoptr(GBytes) bytes = text (bad[_i].text);
  g_autoptr(GError) error = NULL;
  g_autoptr(IpaDownloadRecord) record = ipa_download_record_decode (bytes, &error);

  ck_assert_ptr_null (record);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
  ck_assert_msg (strstr (error->message, bad[_i].message) != NULL, "%s", error->message);
}
END_TEST

/* What an eIM holds from IpaEuiccData (minimizeEsipaBytes): learnt, encoded, decoded to the same; another
 * eUICC's IpaEuiccData replaces it; a damaged record leaves nothing known. */
START_TEST (test_eim_holdings)
{
  static const guint8 eid[16] = { 0x89, 0x04, 0x90, 0x32 };
  static const guint8 other_eid[16] = { 0x89, 0x04, 0x90, 0x33 };
  static const guint8 damaged[] = { 0x30, 0x03, 0x04, 0x01, 0x00 };
  g_autoptr(GBytes) info1 = g_bytes_new_static ("\xBF\x20\x02\x82\x00", 5);
  g_autoptr(GBytes) info2 = g_bytes_new_static ("\xBF\x22\x03\x84\x01\x07", 6);
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GError) error = NULL;
  IpaEimHoldings held = { 0 }, read = { 0 };

  ipa_eim_holdings_learn (&held, eid, info1, NULL, FALSE);
  ipa_eim_holdings_learn (&held, eid, NULL, info2, TRUE);
  ck_assert (held.changed);
  encoded = ipa_eim_holdings_encode (&held);
  ck_assert (ipa_eim_holdings_decode (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded), &read, &error));
  ck_assert (read.has_eid && memcmp (read.eid, eid, 16) == 0 && read.certificates);
  ck_assert (g_bytes_equal (read.euicc_info1, info1) && g_bytes_equal (read.euicc_info2, info2));

  ipa_eim_holdings_learn (&held, other_eid, info1, NULL, FALSE);
  ck_assert (held.euicc_info2 == NULL && !held.certificates && memcmp (held.eid, other_eid, 16) == 0);

  ck_assert (!ipa_eim_holdings_decode (damaged, sizeof damaged, &read, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
  ipa_eim_holdings_clear (&held);
  ipa_eim_holdings_clear (&read);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("download-record");
  TCase *tc = tcase_create ("record");
  SRunner *runner;
  int failed;

  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_minimal);
  tcase_add_loop_test (tc, test_damaged, 0, G_N_ELEMENTS (bad));
  tcase_add_test (tc, test_eim_holdings);
  suite_add_tcase (suite, tc);
  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
