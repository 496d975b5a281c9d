/* SPDX-License-Identifier: Apache-2.0 */
/* The hand-built UIM messages of the QMI backend: exact request bytes, and responses as a modem (or a
 * hostile one) sends them. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "card/card-qmi.h"
#include "euiccd-error.h"

static const guint8 isdr_aid[] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00 };

static gchar *
to_hex (const guint8 *data, gsize length)
{
  GString *s = g_string_sized_new (length * 2);

  for (gsize i = 0; i < length; i++)
    g_string_append_printf (s, "%02X", data[i]);
  return g_string_free (s, FALSE);
}

static gchar *
message_hex (QmiMessage *message)
{
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  const guint8 *raw = qmi_message_get_raw (message, &length, &error);

  ck_assert_ptr_nonnull (raw);
  return to_hex (raw, length);
}

static QmiMessage *
message_from_hex (const gchar *hex)
{
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  QmiMessage *message;

  for (gsize i = 0; hex[i] != '\0'; i += 2)
    {
      guint8 b = (guint8) (g_ascii_xdigit_value (hex[i]) << 4 | g_ascii_xdigit_value (hex[i + 1]));
      g_byte_array_append (raw, &b, 1);
    }
  message = qmi_message_new_from_raw (raw, &error);
  ck_assert_msg (message != NULL, "raw message does not parse: %s", error != NULL ? error->message : "incomplete");
  return message;
}

static void
add_tlv_hex (QmiMessage *message, guint8 type, const gchar *hex)
{
  g_autoptr(GError) error = NULL;
  guint8 value[300];
  gsize n = strlen (hex) / 2;

  ck_assert_uint_le (n, sizeof value);
  for (gsize i = 0; i < n; i++)
    value[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 | g_ascii_xdigit_value (hex[2 * i + 1]));
  ck_assert (qmi_message_add_raw_tlv (message, type, value, n, &error));
}

static QmiMessage *
open_request (void)
{
  g_autoptr(GError) error = NULL;
  QmiMessage *request = card_qmi_build_open_logical_channel (5, 0x0102, 1, isdr_aid, sizeof isdr_aid, &error);

  ck_assert_msg (request != NULL, "%s", error != NULL ? error->message : "");
  return request;
}

static gchar *
bytes_hex (GBytes *bytes)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (bytes, &n);

  return to_hex (p, n);
}

/* ---- requests ---- */

START_TEST (test_build_open_logical_channel)
{
  g_autoptr(QmiMessage) request = open_request ();
  g_autofree gchar *hex = message_hex (request);

  /* QMUX (marker, length 0x24, flags, UIM, client 5), SDU (flags, transaction 0x0102, message 0x0042,
   * TLV length 0x18), slot TLV 0x01 = 1, AID TLV 0x10 = length 16 + AID. */
  ck_assert_str_eq (hex, "012400000B05"
                         "00020142001800"
                         "01010001"
                         "10110010A0000005591010FFFFFFFF8900000100");
}
END_TEST

START_TEST (test_build_open_rejects_bad_aid)
{
  g_autoptr(GError) error = NULL;
  guint8 long_aid[17] = { 0 };

  ck_assert_ptr_null (card_qmi_build_open_logical_channel (5, 1, 1, isdr_aid, 0, &error));
  ck_assert_int_eq (error->code, EUICCD_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  ck_assert_ptr_null (card_qmi_build_open_logical_channel (5, 1, 1, long_aid, sizeof long_aid, &error));
  ck_assert_int_eq (error->code, EUICCD_ERROR_INVALID_ARGS);
  ck_assert_ptr_nonnull (strstr (error->message, "17 bytes"));
}
END_TEST

START_TEST (test_build_send_apdu)
{
  static const guint8 apdu[] = { 0x81, 0xE2, 0x91, 0x00, 0x06, 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  g_autoptr(GError) error = NULL;
  g_autoptr(QmiMessage) request = card_qmi_build_send_apdu (7, 0x0010, 2, 1, apdu, sizeof apdu, &error);
  g_autoptr(QmiMessage) basic = NULL;
  g_autofree gchar *hex = NULL;
  g_autofree gchar *basic_hex = NULL;

  ck_assert_msg (request != NULL, "%s", error != NULL ? error->message : "");
  hex = message_hex (request);
  /* Slot 2, APDU TLV 0x02 with a little-endian u16 length, channel TLV 0x10 = 1. */
  ck_assert_str_eq (hex, "012400000B07"
                         "001000" "3B00" "1800"
                         "01010002"
                         "020D000B0081E2910006BF3E035C015A"
                         "10010001");

  /* The basic channel goes without a channel TLV. */
  basic = card_qmi_build_send_apdu (7, 0x0011, 1, 0, apdu, sizeof apdu, &error);
  ck_assert_ptr_nonnull (basic);
  basic_hex = message_hex (basic);
  ck_assert_str_eq (basic_hex, "012000000B07"
                               "001100" "3B00" "1400"
                               "01010001"
                               "020D000B0081E2910006BF3E035C015A");

  ck_assert_ptr_null (card_qmi_build_send_apdu (7, 1, 1, 1, apdu, 3, &error));
  ck_assert_int_eq (error->code, EUICCD_ERROR_INVALID_ARGS);
}
END_TEST

START_TEST (test_build_close_logical_channel)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QmiMessage) request = card_qmi_build_close_logical_channel (5, 0x0203, 1, 3, &error);
  g_autofree gchar *hex = NULL;

  ck_assert_ptr_nonnull (request);
  hex = message_hex (request);
  /* Slot, channel TLV 0x11, terminate-application TLV 0x13 = 1. */
  ck_assert_str_eq (hex, "011800000B05"
                         "000302" "3F00" "0C00"
                         "01010001"
                         "11010003"
                         "13010001");
}
END_TEST

/* ---- responses ---- */

START_TEST (test_parse_open_success)
{
  g_autoptr(QmiMessage) request = open_request ();
  g_autoptr(QmiMessage) response = qmi_message_response_new (request, QMI_PROTOCOL_ERROR_NONE);
  g_autoptr(GBytes) select = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *select_hex = NULL;
  guint8 channel = 0;

  add_tlv_hex (response, 0x10, "02");
  add_tlv_hex (response, 0x11, "9000");
  add_tlv_hex (response, 0x12, "056F038401AA");
  ck_assert_msg (card_qmi_parse_open_logical_channel (response, &channel, &select, &error), "%s",
                 error != NULL ? error->message : "");
  ck_assert_uint_eq (channel, 2);
  ck_assert_ptr_nonnull (select);
  select_hex = bytes_hex (select);
  ck_assert_str_eq (select_hex, "6F038401AA");
}
END_TEST

START_TEST (test_parse_open_without_select_response)
{
  g_autoptr(QmiMessage) request = open_request ();
  g_autoptr(QmiMessage) response = qmi_message_response_new (request, QMI_PROTOCOL_ERROR_NONE);
  g_autoptr(GBytes) select = g_bytes_new ("x", 1);
  g_autoptr(GError) error = NULL;
  guint8 channel = 0;

  add_tlv_hex (response, 0x10, "13");
  ck_assert (card_qmi_parse_open_logical_channel (response, &channel, &select, &error));
  ck_assert_uint_eq (channel, 19);
  ck_assert_ptr_null (select);
}
END_TEST

START_TEST (test_parse_open_qmi_error_names_code_and_status_word)
{
  g_autoptr(QmiMessage) request = open_request ();
  g_autoptr(QmiMessage) response = qmi_message_response_new (request, QMI_PROTOCOL_ERROR_ACCESS_DENIED);
  g_autoptr(GError) error = NULL;
  guint8 channel = 0;

  add_tlv_hex (response, 0x11, "6A82");
  ck_assert (!card_qmi_parse_open_logical_channel (response, &channel, NULL, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT));
  ck_assert_msg (strstr (error->message, "Open Logical Channel") != NULL, "%s", error->message);
  ck_assert_msg (strstr (error->message, "AccessDenied (82)") != NULL, "%s", error->message);
  ck_assert_msg (strstr (error->message, "6A82") != NULL, "%s", error->message);
}
END_TEST

START_TEST (test_parse_open_qmi_error_without_card_result)
{
  g_autoptr(QmiMessage) request = open_request ();
  g_autoptr(QmiMessage) response = qmi_message_response_new (request, QMI_PROTOCOL_ERROR_INVALID_ARGUMENT);
  g_autoptr(GError) error = NULL;
  guint8 channel = 0;

  ck_assert (!card_qmi_parse_open_logical_channel (response, &channel, NULL, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT));
  ck_assert_msg (strstr (error->message, "InvalidArgument (48)") != NULL, "%s", error->message);
  ck_assert_msg (strstr (error->message, "status word") == NULL, "%s", error->message);
}
END_TEST

START_TEST (test_parse_open_card_refusal)
{
  g_autoptr(QmiMessage) request = open_request ();
  g_autoptr(QmiMessage) response = qmi_message_response_new (request, QMI_PROTOCOL_ERROR_NONE);
  g_autoptr(GError) error = NULL;
  guint8 channel = 0;

  add_tlv_hex (response, 0x10, "01");
  add_tlv_hex (response, 0x11, "6A82");
  ck_assert (!card_qmi_parse_open_logical_channel (response, &channel, NULL, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_CARD));
  ck_assert_msg (strstr (error->message, "6A82") != NULL, "%s", error->message);
}
END_TEST

START_TEST (test_parse_open_bad_channel)
{
  g_autoptr(QmiMessage) request = open_request ();
  g_autoptr(QmiMessage) missing = qmi_message_response_new (request, QMI_PROTOCOL_ERROR_NONE);
  g_autoptr(QmiMessage) zero = qmi_message_response_new (request, QMI_PROTOCOL_ERROR_NONE);
  g_autoptr(QmiMessage) high = qmi_message_response_new (request, QMI_PROTOCOL_ERROR_NONE);
  g_autoptr(GError) error = NULL;
  guint8 channel = 0;

  ck_assert (!card_qmi_parse_open_logical_channel (missing, &channel, NULL, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL));
  g_clear_error (&error);

  add_tlv_hex (zero, 0x10, "00");
  ck_assert (!card_qmi_parse_open_logical_channel (zero, &channel, NULL, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL));
  g_clear_error (&error);

  add_tlv_hex (high, 0x10, "14");
  ck_assert (!card_qmi_parse_open_logical_channel (high, &channel, NULL, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL));
  ck_assert_uint_eq (channel, 0);
}
END_TEST

START_TEST (test_parse_open_select_length_mismatch)
{
  g_autoptr(QmiMessage) request = open_request ();
  g_autoptr(QmiMessage) longer = qmi_message_response_new (request, QMI_PROTOCOL_ERROR_NONE);
  /* Success, channel 1, and a select response TLV with no bytes at all (not even its length). */
  g_autoptr(QmiMessage) empty = message_from_hex ("011A00800B05" "02020142000E00" "02040000000000" "10010001"
                                                  "120000");
  g_autoptr(GBytes) select = NULL;
  g_autoptr(GError) error = NULL;
  guint8 channel = 0;

  /* Announces 0x20 bytes, carries 2. */
  add_tlv_hex (longer, 0x10, "01");
  add_tlv_hex (longer, 0x12, "206F00");
  ck_assert (!card_qmi_parse_open_logical_channel (longer, &channel, &select, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL));
  ck_assert_ptr_null (select);
  g_clear_error (&error);

  ck_assert (!card_qmi_parse_open_logical_channel (empty, &channel, &select, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL));
}
END_TEST

START_TEST (test_parse_response_to_other_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QmiMessage) close_request = card_qmi_build_close_logical_channel (5, 9, 1, 1, &error);
  g_autoptr(QmiMessage) response = qmi_message_response_new (close_request, QMI_PROTOCOL_ERROR_NONE);
  guint8 channel = 0;

  add_tlv_hex (response, 0x10, "01");
  ck_assert (!card_qmi_parse_open_logical_channel (response, &channel, NULL, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL));
  ck_assert_msg (strstr (error->message, "0x003F") != NULL, "%s", error->message);
  g_clear_error (&error);

  /* A request is not a response either. */
  ck_assert (!card_qmi_parse_close_logical_channel (close_request, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL));
}
END_TEST

START_TEST (test_parse_truncated_result_tlv)
{
  /* A Send APDU response whose result TLV holds 2 bytes instead of 4. */
  g_autoptr(QmiMessage) response = message_from_hex ("011100800B05" "020300" "3B00" "0500" "02020000" "00");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) apdu = NULL;

  apdu = card_qmi_parse_send_apdu (response, &error);
  ck_assert_ptr_null (apdu);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL));
  ck_assert_msg (strstr (error->message, "result TLV") != NULL, "%s", error->message);
}
END_TEST

static QmiMessage *
send_apdu_response (QmiProtocolError result)
{
  static const guint8 apdu[] = { 0x81, 0xC0, 0x00, 0x00, 0x15 };
  g_autoptr(GError) error = NULL;
  g_autoptr(QmiMessage) request = card_qmi_build_send_apdu (5, 0x44, 1, 1, apdu, sizeof apdu, &error);

  ck_assert_ptr_nonnull (request);
  return qmi_message_response_new (request, result);
}

START_TEST (test_parse_send_apdu_success)
{
  g_autoptr(QmiMessage) response = send_apdu_response (QMI_PROTOCOL_ERROR_NONE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) apdu = NULL;
  g_autofree gchar *hex = NULL;

  add_tlv_hex (response, 0x10, "1500" "BF3E125A1089049032123451234512345678901235" "9000");
  /* 0x15 = 21 bytes announced, the TLV holds 23: not consistent, must be refused. */
  apdu = card_qmi_parse_send_apdu (response, &error);
  ck_assert_ptr_null (apdu);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL));
  g_clear_error (&error);
  qmi_message_unref (g_steal_pointer (&response));

  response = send_apdu_response (QMI_PROTOCOL_ERROR_NONE);
  add_tlv_hex (response, 0x10, "1700" "BF3E125A1089049032123451234512345678901235" "9000");
  apdu = card_qmi_parse_send_apdu (response, &error);
  ck_assert_msg (apdu != NULL, "%s", error != NULL ? error->message : "");
  hex = bytes_hex (apdu);
  ck_assert_str_eq (hex, "BF3E125A10890490321234512345123456789012359000");
}
END_TEST

START_TEST (test_parse_send_apdu_hostile)
{
  g_autoptr(GError) error = NULL;
  const gchar *bad[] = {
    NULL,          /* no TLV 0x10 at all */
    "05",          /* one byte: not even the length */
    "0000",        /* zero-length response: no status word */
    "0100" "90",   /* one byte: no full status word */
    "FFFF" "9000", /* announces 65535 bytes */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(QmiMessage) response = send_apdu_response (QMI_PROTOCOL_ERROR_NONE);
      g_autoptr(GBytes) apdu = NULL;

      if (bad[i] != NULL)
        add_tlv_hex (response, 0x10, bad[i]);
      apdu = card_qmi_parse_send_apdu (response, &error);
      ck_assert_msg (apdu == NULL, "case %" G_GSIZE_FORMAT " accepted", i);
      ck_assert_msg (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL), "case %" G_GSIZE_FORMAT ": %s", i,
                     error->message);
      g_clear_error (&error);
    }
}
END_TEST

START_TEST (test_parse_send_apdu_empty_tlv)
{
  /* Success with an APDU response TLV of zero bytes. */
  g_autoptr(QmiMessage) response = message_from_hex ("011600800B05" "0244003B000A00" "02040000000000" "100000");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) apdu = card_qmi_parse_send_apdu (response, &error);

  ck_assert_ptr_null (apdu);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL));
}
END_TEST

START_TEST (test_parse_send_apdu_qmi_error)
{
  g_autoptr(QmiMessage) response = send_apdu_response (QMI_PROTOCOL_ERROR_INTERNAL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) apdu = NULL;

  add_tlv_hex (response, 0x10, "02009000");
  apdu = card_qmi_parse_send_apdu (response, &error);
  ck_assert_ptr_null (apdu);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT));
  ck_assert_msg (strstr (error->message, "Send APDU") != NULL && strstr (error->message, "Internal (3)") != NULL,
                 "%s", error->message);
}
END_TEST

START_TEST (test_parse_close)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QmiMessage) request = card_qmi_build_close_logical_channel (5, 9, 1, 1, &error);
  g_autoptr(QmiMessage) ok = qmi_message_response_new (request, QMI_PROTOCOL_ERROR_NONE);
  g_autoptr(QmiMessage) failed = qmi_message_response_new (request, QMI_PROTOCOL_ERROR_INVALID_INDEX);

  ck_assert (card_qmi_parse_close_logical_channel (ok, &error));
  ck_assert (!card_qmi_parse_close_logical_channel (failed, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT));
  ck_assert_msg (strstr (error->message, "Logical Channel close") != NULL, "%s", error->message);
  ck_assert_msg (strstr (error->message, "InvalidIndex (49)") != NULL, "%s", error->message);
}
END_TEST

static Suite *
qmi_suite (void)
{
  Suite *s = suite_create ("card-qmi");
  TCase *build = tcase_create ("build");
  TCase *parse = tcase_create ("parse");

  tcase_add_test (build, test_build_open_logical_channel);
  tcase_add_test (build, test_build_open_rejects_bad_aid);
  tcase_add_test (build, test_build_send_apdu);
  tcase_add_test (build, test_build_close_logical_channel);
  suite_add_tcase (s, build);

  tcase_add_test (parse, test_parse_open_success);
  tcase_add_test (parse, test_parse_open_without_select_response);
  tcase_add_test (parse, test_parse_open_qmi_error_names_code_and_status_word);
  tcase_add_test (parse, test_parse_open_qmi_error_without_card_result);
  tcase_add_test (parse, test_parse_open_card_refusal);
  tcase_add_test (parse, test_parse_open_bad_channel);
  tcase_add_test (parse, test_parse_open_select_length_mismatch);
  tcase_add_test (parse, test_parse_response_to_other_message);
  tcase_add_test (parse, test_parse_truncated_result_tlv);
  tcase_add_test (parse, test_parse_send_apdu_success);
  tcase_add_test (parse, test_parse_send_apdu_hostile);
  tcase_add_test (parse, test_parse_send_apdu_empty_tlv);
  tcase_add_test (parse, test_parse_send_apdu_qmi_error);
  tcase_add_test (parse, test_parse_close);
  suite_add_tcase (s, parse);
  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (qmi_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
