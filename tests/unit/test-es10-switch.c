/* SPDX-License-Identifier: Apache-2.0 */
/* ES10b ProfileRollback, ExecuteFallbackMechanism, ReturnFromFallback and Enable/DisableEmergencyProfile:
 * requests as the ASN.1 gives them, answers decoded, and what is wrong with a bad answer named. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "card/es10-switch.h"
#include "der/der.h"
#include "euiccd-error.h"

static GBytes *
hex (const gchar *text)
{
  GBytes *bytes = der_from_hex (text, NULL);

  ck_assert_ptr_nonnull (bytes);
  return bytes;
}

static void
assert_hex (GBytes *bytes, const gchar *expected)
{
  g_autofree gchar *text = der_to_hex (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  ck_assert_str_eq (text, expected);
}

static Es10SwitchResponse *
decode (Es10Switch which, const gchar *text, GError **error)
{
  g_autoptr(GBytes) bytes = hex (text);

  return es10_switch_decode (which, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error);
}

START_TEST (test_requests)
{
  g_autoptr(GBytes) rollback = es10_switch_encode (ES10_SWITCH_ROLLBACK, TRUE);
  g_autoptr(GBytes) rollback_no_refresh = es10_switch_encode (ES10_SWITCH_ROLLBACK, FALSE);
  g_autoptr(GBytes) fallback = es10_switch_encode (ES10_SWITCH_EXECUTE_FALLBACK, TRUE);
  g_autoptr(GBytes) back = es10_switch_encode (ES10_SWITCH_RETURN_FROM_FALLBACK, FALSE);
  g_autoptr(GBytes) emergency = es10_switch_encode (ES10_SWITCH_ENABLE_EMERGENCY, TRUE);
  g_autoptr(GBytes) no_emergency = es10_switch_encode (ES10_SWITCH_DISABLE_EMERGENCY, FALSE);

  /* refreshFlag BOOLEAN under automatic tags: [0] 80, TRUE as FF (DER). */
  assert_hex (rollback, "BF58038001FF");
  assert_hex (rollback_no_refresh, "BF5803800100");
  assert_hex (fallback, "BF5D038001FF");
  assert_hex (back, "BF5E03800100");
  assert_hex (emergency, "BF5B038001FF");
  assert_hex (no_emergency, "BF5C03800100");
  ck_assert_str_eq (es10_switch_name (ES10_SWITCH_RETURN_FROM_FALLBACK), "ReturnFromFallback");
}
END_TEST

START_TEST (test_rollback_answers)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10SwitchResponse) refused = decode (ES10_SWITCH_ROLLBACK, "BF5803020101", &error);
  g_autoptr(Es10SwitchResponse) done = NULL;
  g_autoptr(Es10SwitchResponse) no_result = NULL;

  ck_assert_ptr_nonnull (refused);
  ck_assert_int_eq (refused->result, 1);
  ck_assert_ptr_null (refused->package_result);
  ck_assert_str_eq (es10_switch_result_name (ES10_SWITCH_ROLLBACK, 1), "rollbackNotAllowed");

  /* cmdResult is a plain INTEGER (the SEQUENCE has a tagged component: no automatic tags), then the signed
   * result the eUICC made of the rollback, kept as the card gave it. */
  done = decode (ES10_SWITCH_ROLLBACK, "BF580B020100BF5105A0038C0100", &error);
  ck_assert_ptr_nonnull (done);
  ck_assert_int_eq (done->result, 0);
  ck_assert_ptr_nonnull (done->package_result);
  assert_hex (done->package_result, "BF5105A0038C0100");

  no_result = decode (ES10_SWITCH_ROLLBACK, "BF5800", &error);
  ck_assert_ptr_null (no_result);
  ck_assert (strstr (error->message, "ProfileRollbackResponse") != NULL);
  ck_assert (strstr (error->message, "cmdResult") != NULL);
}
END_TEST

START_TEST (test_other_answers)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10SwitchResponse) fallback = decode (ES10_SWITCH_EXECUTE_FALLBACK, "BF5D03800106", &error);
  g_autoptr(Es10SwitchResponse) back = decode (ES10_SWITCH_RETURN_FROM_FALLBACK, "BF5E03800100", &error);
  g_autoptr(Es10SwitchResponse) emergency = decode (ES10_SWITCH_ENABLE_EMERGENCY, "BF5B03800108", &error);
  g_autoptr(Es10SwitchResponse) no_emergency = decode (ES10_SWITCH_DISABLE_EMERGENCY, "BF5C03800102", &error);
  g_autoptr(Es10SwitchResponse) wrong_tag = NULL;
  g_autoptr(Es10SwitchResponse) not_int = NULL;

  ck_assert_int_eq (fallback->result, 6);
  ck_assert_str_eq (es10_switch_result_name (ES10_SWITCH_EXECUTE_FALLBACK, 6), "fallbackNotAvailable");
  ck_assert_int_eq (back->result, 0);
  ck_assert_int_eq (emergency->result, 8);
  ck_assert_str_eq (es10_switch_result_name (ES10_SWITCH_ENABLE_EMERGENCY, 8), "ecallNotAvailable");
  ck_assert_int_eq (no_emergency->result, 2);
  ck_assert_str_eq (es10_switch_result_name (ES10_SWITCH_DISABLE_EMERGENCY, 2), "profileNotInEnabledState");
  ck_assert_ptr_null (es10_switch_result_name (ES10_SWITCH_DISABLE_EMERGENCY, 6));

  /* The answer of another function, and a result that is no INTEGER, are refused with their names. */
  wrong_tag = decode (ES10_SWITCH_EXECUTE_FALLBACK, "BF5E03800100", &error);
  ck_assert_ptr_null (wrong_tag);
  ck_assert (strstr (error->message, "ExecuteFallbackMechanismResponse") != NULL);
  g_clear_error (&error);
  not_int = decode (ES10_SWITCH_RETURN_FROM_FALLBACK, "BF5E028000", &error);
  ck_assert_ptr_null (not_int);
  ck_assert (strstr (error->message, "returnFromFallbackResult") != NULL);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("es10-switch");
  TCase *codec = tcase_create ("codec");
  SRunner *runner;
  int failed;

  tcase_add_test (codec, test_requests);
  tcase_add_test (codec, test_rollback_answers);
  tcase_add_test (codec, test_other_answers);
  suite_add_tcase (suite, codec);
  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
