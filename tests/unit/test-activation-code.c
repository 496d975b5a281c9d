/* SPDX-License-Identifier: Apache-2.0 */
/* Activation codes as SGP.22 4.1 writes them, and every way one can be wrong. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "euiccd-error.h"
#include "ipa/ipa-activation-code.h"

START_TEST (test_minimal)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(IpaActivationCode) code = ipa_activation_code_parse ("1$smdp.example.com$04386-AGYFT-A74Y8-3F815", &error);

  ck_assert_ptr_nonnull (code);
  ck_assert_str_eq (code->smdp_address, "smdp.example.com");
  ck_assert_str_eq (code->matching_id, "04386-AGYFT-A74Y8-3F815");
  ck_assert_ptr_null (code->smdp_oid);
  ck_assert (!code->confirmation_code_required);
}
END_TEST

START_TEST (test_full_with_prefix)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(IpaActivationCode) code =
    ipa_activation_code_parse ("LPA:1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1", &error);

  ck_assert_ptr_nonnull (code);
  ck_assert_str_eq (code->smdp_address, "SMDP.GSMA.COM");
  ck_assert_str_eq (code->smdp_oid, "1.3.6.1.4.1.31746");
  ck_assert (code->confirmation_code_required);
}
END_TEST

START_TEST (test_empty_optional_fields)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(IpaActivationCode) empty_id = ipa_activation_code_parse ("1$smdp.example.com$", &error);
  g_autoptr(IpaActivationCode) flag_only = ipa_activation_code_parse ("1$smdp.example.com$ABC$$1", &error);
  g_autoptr(IpaActivationCode) lab = ipa_activation_code_parse ("1$127.0.0.1:8443$ABC", &error);

  ck_assert_ptr_nonnull (empty_id);
  ck_assert_str_eq (empty_id->matching_id, "");
  ck_assert_ptr_nonnull (flag_only);
  ck_assert_ptr_null (flag_only->smdp_oid);
  ck_assert (flag_only->confirmation_code_required);
  ck_assert_ptr_nonnull (lab);
  ck_assert_str_eq (lab->smdp_address, "127.0.0.1:8443");
}
END_TEST

/* Each refusal names what is wrong and never repeats the code (it is personal data). */
static const struct {
  const gchar *text;
  const gchar *reason;
} refused[] = {
  { "", "field(s)" },
  { "1$smdp.example.com", "field(s)" },
  { "2$smdp.example.com$SECRETID", "AC_Format" },
  { "1$$SECRETID", "address is empty" },
  { "1$smdp_example.com$SECRETID", "character other than letters" },
  { "1$-smdp.example.com$SECRETID", "hyphen-edged" },
  { "1$smdp..example.com$SECRETID", "empty, too long" },
  { "1$smdp.example.com:0$SECRETID", "port" },
  { "1$smdp.example.com:99999$SECRETID", "port" },
  { "1$smdp.example.com:$SECRETID", "port" },
  { "1$smdp.example.com$secretid", "matching ID" },
  { "1$smdp.example.com$SECRET ID", "matching ID" },
  { "1$smdp.example.com$SECRETID$1.3.a", "OID" },
  { "1$smdp.example.com$SECRETID$1", "two arcs" },
  { "1$smdp.example.com$SECRETID$1.3$2", "flag" },
  { "1$smdp.example.com$SECRETID$1.3$1$x", "at most five" },
  { "1$sm\xc3\xa9" "dp.example.com$SECRETID", "ASCII" },
};

START_TEST (test_refused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(IpaActivationCode) code = ipa_activation_code_parse (refused[_i].text, &error);

  ck_assert_msg (code == NULL, "accepted: %s", refused[_i].text);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  ck_assert_msg (strstr (error->message, refused[_i].reason) != NULL, "%s: %s", refused[_i].text, error->message);
  ck_assert_msg (strstr (error->message, "SECRET") == NULL, "the code leaked: %s", error->message);
  ck_assert_msg (strstr (error->message, "smdp.example") == NULL, "the address leaked: %s", error->message);
}
END_TEST

START_TEST (test_too_long)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new ("1$smdp.example.com$");
  g_autoptr(IpaActivationCode) code = NULL;

  while (text->len < 256)
    g_string_append_c (text, 'A');
  code = ipa_activation_code_parse (text->str, &error);
  ck_assert_ptr_null (code);
  ck_assert (strstr (error->message, "longer than 255") != NULL);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("activation-code");
  TCase *tc = tcase_create ("parse");
  SRunner *runner;
  int failed;

  tcase_add_test (tc, test_minimal);
  tcase_add_test (tc, test_full_with_prefix);
  tcase_add_test (tc, test_empty_optional_fields);
  tcase_add_loop_test (tc, test_refused, 0, G_N_ELEMENTS (refused));
  tcase_add_test (tc, test_too_long);
  suite_add_tcase (suite, tc);
  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
