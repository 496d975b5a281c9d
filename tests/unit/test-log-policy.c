/* SPDX-License-Identifier: Apache-2.0 */
/* The log policy: masked APDUs keep headers, Lc/Le, status words and ES10 tags and nothing of the values;
 * DER and JSON outlines keep tags, lengths and names and nothing of the values; the full forms appear only
 * when allowed; hostile input (short APDUs, lying Lc, truncated or deep DER, broken JSON) gives a bounded
 * line without reading past the end; the switches are process-wide and feed the modem libraries' traces. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#ifdef WITH_QMI
#include <libqmi-glib.h>
#endif
#ifdef WITH_MBIM
#include <libmbim-glib.h>
#endif

#include "card/card-transport.h"
#include "der/der.h"
#include "euiccd-log-policy.h"

/* The test card's EID and an ICCID in the card's swapped-nibble form. */
#define EID_HEX "89049032123451234512345678901235"
#define ICCID_SWAPPED "98001032547698103285"

static GBytes *
hex (const gchar *text)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = der_from_hex (text, &error);

  ck_assert_msg (bytes != NULL, "%s: %s", text, error != NULL ? error->message : "?");
  return bytes;
}

static gchar *
command (const gchar *apdu_hex, gboolean allowed)
{
  g_autoptr(GBytes) apdu = hex (apdu_hex);

  return euiccd_log_format_command_apdu (g_bytes_get_data (apdu, NULL), g_bytes_get_size (apdu), allowed);
}

static gchar *
response (guint8 ins, const gchar *response_hex, gboolean allowed)
{
  g_autoptr(GBytes) bytes = hex (response_hex);

  return euiccd_log_format_response_apdu (ins, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), allowed);
}

static gchar *
der (const gchar *der_hex, gboolean allowed)
{
  g_autoptr(GBytes) bytes = hex (der_hex);

  return euiccd_log_format_der (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), allowed);
}

static gchar *
json (const gchar *text, gboolean allowed)
{
  return euiccd_log_format_json ((const guint8 *) text, strlen (text), allowed);
}

#define ASSERT_FORMAT(expr, expected)                                                        \
  do                                                                                         \
    {                                                                                        \
      g_autofree gchar *_shown = (expr);                                                     \
      ck_assert_str_eq (_shown, (expected));                                                 \
    }                                                                                        \
  while (0)

/* ---- APDUs ---- */

START_TEST (test_command_store_data_first_block)
{
  /* GetEuiccDataRequest (BF3E, tagList 5A): the tag and length name the function, the rest is masked. */
  ASSERT_FORMAT (command ("81E29100 06 BF3E035C015A", FALSE), "81E29100 06 BF3E03 <3 bytes>");
  ASSERT_FORMAT (command ("81E29100 06 BF3E035C015A", TRUE), "81E29100 06 BF3E035C015A");
  /* A request with no value shows whole: it is only a tag and a zero length. */
  ASSERT_FORMAT (command ("81E29100 03 BF2D00", FALSE), "81E29100 03 BF2D00");
  /* With Le. */
  ASSERT_FORMAT (command ("81E29100 03 BF2D00 00", FALSE), "81E29100 03 BF2D00 00");
  /* Long-form length of a LoadEuiccPackage block: tag and both length octets stay. */
  ASSERT_FORMAT (command ("80E21100 09 BF51820120 3033801A", FALSE), "80E21100 09 BF51820120 <4 bytes>");
}
END_TEST

START_TEST (test_command_masks_values)
{
  /* A later STORE DATA block starts inside a value (here the EID): nothing of it is shown. */
  g_autofree gchar *later = command ("80E29101 10 " EID_HEX, FALSE);
  /* SetNickname in one block: the ICCID inside is masked. */
  g_autofree gchar *nickname = command ("80E29100 12 BF290F5A0A" ICCID_SWAPPED "900141", FALSE);
  g_autofree gchar *nickname_full = command ("80E29100 12 BF290F5A0A" ICCID_SWAPPED "900141", TRUE);

  ck_assert_str_eq (later, "80E29101 10 <16 bytes>");
  ck_assert_str_eq (nickname, "80E29100 12 BF290F <15 bytes>");
  ck_assert_ptr_null (strstr (nickname, ICCID_SWAPPED));
  ck_assert_ptr_nonnull (strstr (nickname_full, ICCID_SWAPPED));
  /* Other instructions: data masked whole. */
  ASSERT_FORMAT (command ("00D60000 03 112233", FALSE), "00D60000 03 <3 bytes>");
}
END_TEST

START_TEST (test_command_select_and_short_forms)
{
  /* The ISD-R AID is public and says which application the channel talks to. */
  ASSERT_FORMAT (command ("01A40400 10 A0000005591010FFFFFFFF8900000100 00", FALSE),
                 "01A40400 10 A0000005591010FFFFFFFF8900000100 00");
  /* GET RESPONSE (case 2) and MANAGE CHANNEL (case 1). */
  ASSERT_FORMAT (command ("01C00000 15", FALSE), "01C00000 15");
  ASSERT_FORMAT (command ("00708001", FALSE), "00708001");
}
END_TEST

START_TEST (test_command_hostile)
{
  static const guint8 three[] = { 0x80, 0xE2, 0x91 };

  /* Fewer bytes than a header: masked, not read as one. */
  ASSERT_FORMAT (euiccd_log_format_command_apdu (three, sizeof three, FALSE), "<3 bytes>");
  ASSERT_FORMAT (euiccd_log_format_command_apdu (three, sizeof three, TRUE), "80E291");
  ASSERT_FORMAT (euiccd_log_format_command_apdu (NULL, 0, FALSE), "<0 bytes>");
  /* An Lc larger than the data: the tag is not trusted, all data masked. */
  ASSERT_FORMAT (command ("80E29100 20 BF3E035C015A", FALSE), "80E29100 20 <6 bytes>");
  /* Lc of zero with data following (not short-form ES10). */
  ASSERT_FORMAT (command ("80E29100 00 BF3E", FALSE), "80E29100 00 <2 bytes>");
  /* A tag that never ends, a length with too many octets: no header is shown. */
  ASSERT_FORMAT (command ("80E29100 04 BFFFFFFF", FALSE), "80E29100 04 <4 bytes>");
  ASSERT_FORMAT (command ("80E29100 04 BF2D8501", FALSE), "80E29100 04 <4 bytes>");
  /* The length octets run past the data. */
  ASSERT_FORMAT (command ("80E29100 03 BF2D82", FALSE), "80E29100 03 <3 bytes>");
}
END_TEST

START_TEST (test_response)
{
  /* GET RESPONSE data can start anywhere in the answer: only its length and the status word. */
  g_autofree gchar *eid = response (0xC0, "BF3E125A10" EID_HEX "9000", FALSE);
  g_autofree gchar *eid_full = response (0xC0, "BF3E125A10" EID_HEX "9000", TRUE);

  ck_assert_str_eq (eid, "<21 bytes> 9000");
  ck_assert_str_eq (eid_full, "BF3E125A10" EID_HEX " 9000");
  /* A STORE DATA answer starts with the response tag. */
  ASSERT_FORMAT (response (0xE2, "BF3E125A10" EID_HEX "9000", FALSE), "BF3E12 <18 bytes> 9000");
  ASSERT_FORMAT (response (0xE2, "6115", FALSE), "6115");
  ASSERT_FORMAT (response (0xE2, "6A88", TRUE), "6A88");
  ASSERT_FORMAT (response (0xE2, "90", FALSE), "<1 byte> without status word");
  ASSERT_FORMAT (euiccd_log_format_response_apdu (0xE2, NULL, 0, TRUE), "<0 bytes> without status word");
}
END_TEST

/* ---- DER ---- */

START_TEST (test_der_outline)
{
  /* GetEimPackageRequest carries the EID. */
  g_autofree gchar *request = der ("BF4F125A10" EID_HEX, FALSE);
  g_autofree gchar *request_full = der ("BF4F125A10" EID_HEX, TRUE);

  ck_assert_str_eq (request, "BF4F[18]{5A[16]}");
  ck_assert_str_eq (request_full, "BF4F125A10" EID_HEX);
  /* Single octets (result codes, states) stay; a profile's ICCID does not. */
  ASSERT_FORMAT (der ("BF500CBF5309800106800104800105", FALSE), "BF50[12]{BF53[9]{80[1]=06 80[1]=04 80[1]=05}}");
  ASSERT_FORMAT (der ("E3105A0A" ICCID_SWAPPED "9F700101", FALSE), "E3[16]{5A[10] 9F70[1]=01}");
  /* Single-octet tags are printed with two digits; empty constructed values as {}. */
  ASSERT_FORMAT (der ("BF4F03020101", FALSE), "BF4F[3]{02[1]=01}");
  ASSERT_FORMAT (der ("BF2D00", FALSE), "BF2D[0]{}");
  /* More than one TLV at the top. */
  ASSERT_FORMAT (der ("800100 8100", FALSE), "80[1]=00 81[0]");
}
END_TEST

START_TEST (test_der_hostile)
{
  GString *many = g_string_new ("30");
  g_autofree gchar *many_hex = NULL;
  g_autofree gchar *outline = NULL;
  guint8 deep[80];
  g_autofree gchar *deep_outline = NULL;

  /* Truncated, a length past the end, trailing garbage: no outline, only the length. */
  ASSERT_FORMAT (der ("BF4F125A10890490", FALSE), "<8 bytes, not DER>");
  ASSERT_FORMAT (der ("BF4F035A10" EID_HEX, FALSE), "<21 bytes, not DER>");
  ASSERT_FORMAT (der ("BF4F00 FF", FALSE), "<4 bytes, not DER>");
  /* A constructed value whose children do not fill it exactly. */
  ASSERT_FORMAT (der ("30035A0501", FALSE), "<5 bytes, not DER>");
  ASSERT_FORMAT (euiccd_log_format_der (NULL, 0, FALSE), "<0 bytes>");

  /* 100 children: the outline stops after 64 TLVs. */
  g_string_append (many, "81C8");
  for (guint i = 0; i < 100; i++)
    g_string_append (many, "8000");
  many_hex = g_string_free (many, FALSE);
  outline = der (many_hex, FALSE);
  ck_assert_msg (g_str_has_suffix (outline, " …}"), "%s", outline);
  ck_assert_int_eq (strlen (outline), strlen ("30[200]{") + 63 * strlen ("80[0]") + 62 + strlen (" …}"));

  /* Nesting deeper than the reader allows is refused, not followed. */
  for (guint i = 0; i < 40; i++)
    {
      deep[2 * i] = 0x30;
      deep[2 * i + 1] = (guint8) (sizeof deep - 2 * i - 2);
    }
  deep_outline = euiccd_log_format_der (deep, sizeof deep, FALSE);
  ck_assert_str_eq (deep_outline, "<80 bytes, not DER>");
}
END_TEST

/* ---- JSON ---- */

START_TEST (test_json_outline)
{
  g_autofree gchar *request = json ("{\"eidValue\":\"" EID_HEX "\"}", FALSE);
  g_autofree gchar *request_full = json ("{\"eidValue\":\"" EID_HEX "\"}", TRUE);
  g_autofree gchar *trigger = NULL;

  ck_assert_str_eq (request, "{\"eidValue\":\"<32 chars>\"}");
  ck_assert_str_eq (request_full, "{\"eidValue\":\"" EID_HEX "\"}");
  /* Status vocabulary, numbers, booleans, null and arrays stay. */
  ASSERT_FORMAT (json ("{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},"
                       "\"eimPackageError\":1,\"a\":[true,false,null,-2.5]}", FALSE),
                 "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},"
                 "\"eimPackageError\":1,\"a\":[true,false,null,-2.5]}");
  /* A status value that is not status vocabulary is masked like any string. */
  ASSERT_FORMAT (json ("{\"status\":\"" EID_HEX " x\"}", FALSE), "{\"status\":\"<34 chars>\"}");
  /* Codes are digits and dots; the peer's words under a code's name are masked. */
  ASSERT_FORMAT (json ("{\"subjectCode\":\"8.1.1\",\"reasonCode\":\"EimWords\",\"message\":\"EimWords\"}", FALSE),
                 "{\"subjectCode\":\"8.1.1\",\"reasonCode\":\"<8 chars>\",\"message\":\"<8 chars>\"}");
  /* Long numbers may be identifiers. */
  ASSERT_FORMAT (json ("{\"n\":89000123456789012358}", FALSE), "{\"n\":\"<large number>\"}");
  /* Base64 of DER is outlined: a profileDownloadTriggerRequest with its activation code masked. */
  trigger = json ("{\"profileDownloadTriggerRequest\":\"v1QjoB+AHTEkc21kcC5leGFtcGxlLmNvbSRNQVRDSElORy0xggA=\"}",
                  FALSE);
  ck_assert_str_eq (trigger, "{\"profileDownloadTriggerRequest\":\"<DER BF54[35]{A0[31]{80[29]} 82[0]}>\"}");
}
END_TEST

START_TEST (test_json_hostile)
{
  static const gchar control[] = "{\"a\":\"x\ny\"}";
  GString *deep = g_string_new (NULL);
  g_autofree gchar *deep_outline = NULL;

  ASSERT_FORMAT (json ("{\"eidValue\":\"8904", FALSE), "<17 bytes, not JSON>");
  ASSERT_FORMAT (json ("", FALSE), "<0 bytes>");
  /* Names are bounded and escaped; the full form has no control characters. */
  ASSERT_FORMAT (json ("{\"a\\\"b\\n\":1}", FALSE), "{\"a\\\"b?\":1}");
  ASSERT_FORMAT (euiccd_log_format_json ((const guint8 *) control, strlen (control), TRUE), "{\"a\":\"x y\"}");
  /* A hex string is never decoded as base64, even when it would decode. */
  ASSERT_FORMAT (json ("{\"t\":\"30003000\"}", FALSE), "{\"t\":\"<8 chars>\"}");
  /* Deep nesting is cut. */
  for (guint i = 0; i < 40; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 40; i++)
    g_string_append_c (deep, ']');
  deep_outline = json (deep->str, FALSE);
  ck_assert_msg (strstr (deep_outline, "…") != NULL && strlen (deep_outline) < 60, "%s", deep_outline);
  g_string_free (deep, TRUE);
}
END_TEST

/* ---- values and switches ---- */

START_TEST (test_redact)
{
  ASSERT_FORMAT (euiccd_log_redact_full (EID_HEX, FALSE), "8904…1235");
  ASSERT_FORMAT (euiccd_log_redact_full (EID_HEX, TRUE), EID_HEX);
  ASSERT_FORMAT (euiccd_log_redact_full ("123456", FALSE), "…");
  ASSERT_FORMAT (euiccd_log_redact_full (NULL, FALSE), "(none)");

  euiccd_log_policy_set_personal_data (FALSE);
  ASSERT_FORMAT (euiccd_log_redact ("1$smdp.example.com$MATCHING-ID-1"), "1$sm…ID-1");
  euiccd_log_policy_set_personal_data (TRUE);
  ASSERT_FORMAT (euiccd_log_redact ("1$smdp.example.com$MATCHING-ID-1"), "1$smdp.example.com$MATCHING-ID-1");
  euiccd_log_policy_set_personal_data (FALSE);
}
END_TEST

/* Names a device of the scheme that does not exist: the module is loaded (which registers its library's
 * switches), then its open fails on the device. */
static G_GNUC_UNUSED void
load_transport_module (const gchar *scheme)
{
  g_autofree gchar *uri = g_strdup_printf ("%s:/nonexistent/euiccd-test-device", scheme);
  g_autoptr(GError) error = NULL;
  g_autoptr(CardTransport) transport = card_transport_open (uri, NULL, &error);

  ck_assert_ptr_null (transport);
  ck_assert_msg (strstr (error->message, "cannot load") == NULL && strstr (error->message, "not installed") == NULL,
                 "%s", error->message);
}

START_TEST (test_switches)
{
  /* Off until a program turns it on. */
  ck_assert (!euiccd_log_personal_data_allowed ());
  ck_assert (!euiccd_log_hex_allowed ());
  /* Without a writer's word, GLib's G_MESSAGES_DEBUG decides. */
  g_setenv ("G_MESSAGES_DEBUG", "euiccd-card", TRUE);
  ck_assert (euiccd_log_debug_enabled ("euiccd-card"));
  ck_assert (!euiccd_log_debug_enabled ("euiccd-net"));

  euiccd_log_policy_set_debug (FALSE);
  ck_assert (!euiccd_log_debug_enabled ("euiccd-card"));
  euiccd_log_policy_set_debug (TRUE);
  ck_assert (euiccd_log_debug_enabled ("euiccd-net"));

#ifdef WITH_QMI
  /* Modem library traces print APDUs: only with debug and personal data both on. The switches are libqmi's
   * own, which the QMI transport module hands to the policy when it is loaded (from the build tree). */
  qmi_utils_set_traces_enabled (TRUE);
  load_transport_module ("qmi");
  ck_assert (!qmi_utils_get_traces_enabled ());
  euiccd_log_policy_set_personal_data (TRUE);
  ck_assert (euiccd_log_hex_allowed ());
  ck_assert (qmi_utils_get_traces_enabled ());
  ck_assert (qmi_utils_get_show_personal_info ());
  euiccd_log_policy_set_debug (FALSE);
  ck_assert (!qmi_utils_get_traces_enabled ());
  euiccd_log_policy_set_debug (TRUE);
  euiccd_log_policy_set_personal_data (FALSE);
  ck_assert (!qmi_utils_get_traces_enabled ());
  ck_assert (!qmi_utils_get_show_personal_info ());
#endif
#ifdef WITH_MBIM
  load_transport_module ("mbim");
  euiccd_log_policy_set_personal_data (TRUE);
  ck_assert (mbim_utils_get_traces_enabled ());
  euiccd_log_policy_set_personal_data (FALSE);
  ck_assert (!mbim_utils_get_traces_enabled ());
#endif
  euiccd_log_policy_set_personal_data (FALSE);
  ck_assert (!euiccd_log_personal_data_allowed ());
}
END_TEST

static Suite *
log_policy_suite (void)
{
  Suite *s = suite_create ("log-policy");
  TCase *tc = tcase_create ("apdu");

  tcase_add_test (tc, test_command_store_data_first_block);
  tcase_add_test (tc, test_command_masks_values);
  tcase_add_test (tc, test_command_select_and_short_forms);
  tcase_add_test (tc, test_command_hostile);
  tcase_add_test (tc, test_response);
  suite_add_tcase (s, tc);

  tc = tcase_create ("messages");
  tcase_add_test (tc, test_der_outline);
  tcase_add_test (tc, test_der_hostile);
  tcase_add_test (tc, test_json_outline);
  tcase_add_test (tc, test_json_hostile);
  suite_add_tcase (s, tc);

  tc = tcase_create ("switches");
  tcase_add_test (tc, test_redact);
  tcase_add_test (tc, test_switches);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (log_policy_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
