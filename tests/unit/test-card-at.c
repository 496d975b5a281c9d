/* SPDX-License-Identifier: Apache-2.0 */
/* The AT answer parser against what real serial ports deliver: echo, blank lines, unsolicited result codes
 * anywhere, errors, reads split at every byte, noise and overlong lines. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "card/card-at-parser.h"
#include "euiccd-error.h"

/* Feeds `text` in pieces of `chunk` bytes (0: all at once) and returns the status after the last piece that
 * was fed; stops early at a final result, reporting how many bytes were fed. */
static CardAtParseStatus
feed_chunks (CardAtParser *parser, const gchar *text, gsize length, gsize chunk, gsize *ret_fed, GError **error)
{
  CardAtParseStatus status = CARD_AT_PARSE_MORE;
  gsize offset = 0;

  if (chunk == 0)
    chunk = length;
  while (offset < length)
    {
      gsize n = MIN (chunk, length - offset);
      status = card_at_parser_feed (parser, (const guint8 *) text + offset, n, error);
      offset += n;
      if (status != CARD_AT_PARSE_MORE)
        break;
    }
  if (ret_fed != NULL)
    *ret_fed = offset;
  return status;
}

static CardAtParseStatus
feed_text (CardAtParser *parser, const gchar *text, GError **error)
{
  return feed_chunks (parser, text, strlen (text), 0, NULL, error);
}

START_TEST (test_plain_ok)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;

  card_at_parser_begin (parser, "ATE0", NULL, FALSE);
  ck_assert_int_eq (feed_text (parser, "\r\nOK\r\n", &error), CARD_AT_PARSE_DONE);
  ck_assert_ptr_null (error);
  ck_assert_ptr_null (card_at_parser_get_info (parser));
  ck_assert_uint_eq (card_at_parser_get_skipped (parser), 0);
}
END_TEST

START_TEST (test_waits_for_final_result)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;

  card_at_parser_begin (parser, "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"", "+CCHO:", TRUE);
  ck_assert_int_eq (feed_text (parser, "\r\n+CCHO: 3\r\n", &error), CARD_AT_PARSE_MORE);
  /* "OK" without its line end is not yet a result: it could be the start of "OKAY" noise. */
  ck_assert_int_eq (feed_text (parser, "\r\nOK", &error), CARD_AT_PARSE_MORE);
  ck_assert_int_eq (feed_text (parser, "\r\n", &error), CARD_AT_PARSE_DONE);
  ck_assert_str_eq (card_at_parser_get_info (parser), "3");
}
END_TEST

START_TEST (test_echo_is_skipped)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;
  const gchar *command = "AT+CGLA=1,22,\"81E2910006BF3E035C015A\"";
  g_autofree gchar *answer = g_strdup_printf ("%s\r\r\n+CGLA: 4,\"6118\"\r\n\r\nOK\r\n", command);

  card_at_parser_begin (parser, command, "+CGLA:", FALSE);
  ck_assert_int_eq (feed_text (parser, answer, &error), CARD_AT_PARSE_DONE);
  ck_assert_str_eq (card_at_parser_get_info (parser), "4,\"6118\"");
  ck_assert_uint_eq (card_at_parser_get_skipped (parser), 1);
}
END_TEST

START_TEST (test_urcs_everywhere)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;
  const gchar *answer =
    "\r\n+CREG: 1,\"1A2B\",\"01C3D4E5\",7\r\n"  /* before */
    "RING\r\n"
    "\r\n+CGLA: 8,\"BF3E9000\"\r\n"
    "^SYSSTART\r\n"                              /* between information and OK */
    "+QIND: \"csq\",20,99\r\n"
    "\r\nOK\r\n"
    "+CREG: 2\r\n";                              /* after */

  card_at_parser_begin (parser, "AT+CGLA=1,10,\"80E2910000\"", "+CGLA:", FALSE);
  ck_assert_int_eq (feed_text (parser, answer, &error), CARD_AT_PARSE_DONE);
  ck_assert_str_eq (card_at_parser_get_info (parser), "8,\"BF3E9000\"");
  ck_assert_uint_eq (card_at_parser_get_skipped (parser), 4);

  /* The URC after OK arrived before the next command was sent: it is neither an answer nor a result. */
  card_at_parser_begin (parser, "AT+CCHC=1", NULL, FALSE);
  ck_assert_int_eq (feed_text (parser, "\r\nOK\r\n", &error), CARD_AT_PARSE_DONE);
  ck_assert_uint_eq (card_at_parser_get_skipped (parser), 0);
}
END_TEST

START_TEST (test_stale_ok_is_not_taken)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;

  card_at_parser_begin (parser, "ATE0", NULL, FALSE);
  /* A modem that answers twice: the second OK is left over when ATE0 completes. */
  ck_assert_int_eq (feed_text (parser, "OK\r\nOK\r\n", &error), CARD_AT_PARSE_DONE);
  card_at_parser_begin (parser, "AT+CCHO=\"A0\"", "+CCHO:", TRUE);
  ck_assert_int_eq (card_at_parser_feed (parser, NULL, 0, &error), CARD_AT_PARSE_MORE);
  ck_assert_int_eq (feed_text (parser, "+CCHO: 2\r\nOK\r\n", &error), CARD_AT_PARSE_DONE);
  ck_assert_str_eq (card_at_parser_get_info (parser), "2");
}
END_TEST

START_TEST (test_bare_number)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;
  guint32 session_id = 0;

  card_at_parser_begin (parser, "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"", "+CCHO:", TRUE);
  ck_assert_int_eq (feed_text (parser, "\r\n+CREG: 5\r\n\r\n1234567\r\n\r\nOK\r\n", &error), CARD_AT_PARSE_DONE);
  ck_assert_str_eq (card_at_parser_get_info (parser), "1234567");
  ck_assert (card_at_parse_ccho (card_at_parser_get_info (parser), &session_id, &error));
  ck_assert_uint_eq (session_id, 1234567);

  /* Without permission a bare number is just another line. */
  card_at_parser_begin (parser, "AT+CGLA=1,10,\"80E2910000\"", "+CGLA:", FALSE);
  ck_assert_int_eq (feed_text (parser, "17\r\nOK\r\n", &error), CARD_AT_PARSE_DONE);
  ck_assert_ptr_null (card_at_parser_get_info (parser));
}
END_TEST

START_TEST (test_cme_error)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;

  card_at_parser_begin (parser, "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"", "+CCHO:", TRUE);
  ck_assert_int_eq (feed_text (parser, "+CREG: 1\r\n\r\n+CME ERROR: 3\r\n", &error), CARD_AT_PARSE_ERROR);
  ck_assert_ptr_nonnull (error);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT));
  ck_assert_str_eq (error->message, "AT+CCHO: modem answered +CME ERROR: 3");
}
END_TEST

START_TEST (test_cme_error_text)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;

  card_at_parser_begin (parser, "AT+CGLA=1,10,\"80E2910000\"", "+CGLA:", FALSE);
  ck_assert_int_eq (feed_text (parser, "\r\n+CME ERROR: SIM not inserted\r\n", &error), CARD_AT_PARSE_ERROR);
  ck_assert_str_eq (error->message, "AT+CGLA: modem answered +CME ERROR: SIM not inserted");
}
END_TEST

START_TEST (test_plain_error)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;

  card_at_parser_begin (parser, "AT+CCHC=2", NULL, FALSE);
  ck_assert_int_eq (feed_text (parser, "AT+CCHC=2\r\r\nERROR\r\n", &error), CARD_AT_PARSE_ERROR);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT));
  ck_assert_str_eq (error->message, "AT+CCHC: modem answered ERROR");
}
END_TEST

/* Every split point of a noisy answer gives the same result, for chunk sizes 1..len. */
START_TEST (test_split_everywhere)
{
  const gchar *answer = "AT+CGLA=1,10,\"80E2910000\"\r\r\n+QIND: \"act\",\"LTE\"\r\n"
                        "\r\n+CGLA: 10,\"BF3E019000\"\r\nRING\r\n\r\nOK\r\n";
  gsize length = strlen (answer);

  for (gsize chunk = 1; chunk <= length; chunk++)
    {
      g_autoptr(CardAtParser) parser = card_at_parser_new (0);
      g_autoptr(GError) error = NULL;
      gsize fed = 0;

      card_at_parser_begin (parser, "AT+CGLA=1,10,\"80E2910000\"", "+CGLA:", FALSE);
      ck_assert_int_eq (feed_chunks (parser, answer, length, chunk, &fed, &error), CARD_AT_PARSE_DONE);
      /* The final result is complete at its CR; the LF after it may stay unfed. */
      ck_assert_uint_ge (fed, length - 1);
      ck_assert_str_eq (card_at_parser_get_info (parser), "10,\"BF3E019000\"");
      ck_assert_uint_eq (card_at_parser_get_skipped (parser), 3);
    }
}
END_TEST

/* Splitting between the CR and LF of a line end must not make an empty line count as anything. */
START_TEST (test_split_crlf)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;

  card_at_parser_begin (parser, "AT+CCHO=\"A0\"", "+CCHO:", TRUE);
  ck_assert_int_eq (feed_text (parser, "\r", &error), CARD_AT_PARSE_MORE);
  ck_assert_int_eq (feed_text (parser, "\n+CCHO: 1\r", &error), CARD_AT_PARSE_MORE);
  ck_assert_int_eq (feed_text (parser, "\n\r", &error), CARD_AT_PARSE_MORE);
  ck_assert_int_eq (feed_text (parser, "\nOK\r", &error), CARD_AT_PARSE_DONE);
  ck_assert_str_eq (card_at_parser_get_info (parser), "1");
  ck_assert_uint_eq (card_at_parser_get_skipped (parser), 0);
}
END_TEST

START_TEST (test_garbage)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;
  /* Noise on a freshly opened port: NULs, high bytes, a lone control character, then the real answer with
   * noise stuck in front of it. */
  static const guint8 answer[] = {
    0x00, 0xFF, 0xFE, '\r', '\n', 0x1B, '[', '0', 'm', '\n', 0x00, 0x00, 0x80, 'O', 'K', '\r', '\n',
  };

  card_at_parser_begin (parser, "ATE0", NULL, FALSE);
  ck_assert_int_eq (card_at_parser_feed (parser, answer, sizeof answer, &error), CARD_AT_PARSE_DONE);
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (card_at_parser_get_skipped (parser), 2);
}
END_TEST

START_TEST (test_garbage_never_completes)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (64);
  g_autoptr(GError) error = NULL;
  GRand *rand = g_rand_new_with_seed (7);

  card_at_parser_begin (parser, "AT+CGLA=1,10,\"80E2910000\"", "+CGLA:", FALSE);
  for (guint i = 0; i < 20000; i++)
    {
      /* Random bytes that never spell a result line: no 'O', 'E' or '+'. */
      guint8 b = (guint8) g_rand_int_range (rand, 0, 256);
      if (b == 'O' || b == 'E' || b == '+' || b == 'o' || b == 'e')
        b = 'x';
      ck_assert_int_eq (card_at_parser_feed (parser, &b, 1, &error), CARD_AT_PARSE_MORE);
    }
  g_rand_free (rand);
  ck_assert_ptr_null (card_at_parser_get_info (parser));
  ck_assert_int_eq (feed_text (parser, "\r\n+CGLA: 4,\"9000\"\r\nOK\r\n", &error), CARD_AT_PARSE_DONE);
  ck_assert_str_eq (card_at_parser_get_info (parser), "4,\"9000\"");
}
END_TEST

START_TEST (test_overlong_line)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (32);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *noise = g_strnfill (100, 'Z');
  g_autofree gchar *long_answer = NULL;

  card_at_parser_begin (parser, "AT+CGLA=1,10,\"80E2910000\"", "+CGLA:", FALSE);
  /* An overlong URC arriving in pieces, then the real answer: the URC is dropped whole, including the tail that
   * arrives after the limit was crossed. */
  ck_assert_int_eq (feed_text (parser, noise, &error), CARD_AT_PARSE_MORE);
  ck_assert_int_eq (feed_text (parser, "OK\r\n", &error), CARD_AT_PARSE_MORE);
  ck_assert_int_eq (feed_text (parser, "+CGLA: 4,\"9000\"\r\nOK\r\n", &error), CARD_AT_PARSE_DONE);
  ck_assert_str_eq (card_at_parser_get_info (parser), "4,\"9000\"");
  ck_assert_uint_eq (card_at_parser_get_skipped (parser), 1);

  /* An awaited answer longer than the limit is lost, and OK then comes without it. */
  card_at_parser_begin (parser, "AT+CGLA=1,10,\"80E2910000\"", "+CGLA:", FALSE);
  long_answer = g_strdup_printf ("+CGLA: 40,\"%s\"\r\nOK\r\n", "0102030405060708091011121314151617189000");
  ck_assert_int_eq (feed_text (parser, long_answer, &error), CARD_AT_PARSE_DONE);
  ck_assert_ptr_null (card_at_parser_get_info (parser));
  ck_assert_ptr_null (card_at_parse_cgla (card_at_parser_get_info (parser), &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
}
END_TEST

START_TEST (test_default_limit_takes_extended_answer)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) response = NULL;
  gsize data_length = 4096;
  g_autofree gchar *hex = g_strnfill (2 * data_length, 'A');
  g_autofree gchar *answer = g_strdup_printf ("+CGLA: %" G_GSIZE_FORMAT ",\"%s9000\"\r\nOK\r\n", 2 * data_length + 4,
                                              hex);

  card_at_parser_begin (parser, "AT+CGLA=1,10,\"80E2910000\"", "+CGLA:", FALSE);
  ck_assert_int_eq (feed_chunks (parser, answer, strlen (answer), 61, NULL, &error), CARD_AT_PARSE_DONE);
  response = card_at_parse_cgla (card_at_parser_get_info (parser), &error);
  ck_assert_ptr_nonnull (response);
  ck_assert_uint_eq (g_bytes_get_size (response), data_length + 2);
  ck_assert_uint_eq (((const guint8 *) g_bytes_get_data (response, NULL))[0], 0xAA);
  ck_assert_uint_eq (((const guint8 *) g_bytes_get_data (response, NULL))[data_length], 0x90);
}
END_TEST

START_TEST (test_reset_drops_partial)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;

  card_at_parser_begin (parser, "AT+CGLA=1,10,\"80E2910000\"", "+CGLA:", FALSE);
  ck_assert_int_eq (feed_text (parser, "+CGLA: 4,\"61", &error), CARD_AT_PARSE_MORE);
  card_at_parser_reset (parser);
  card_at_parser_begin (parser, "AT+CGLA=1,10,\"80E2910000\"", "+CGLA:", FALSE);
  ck_assert_int_eq (feed_text (parser, "18\"\r\n+CGLA: 4,\"9000\"\r\nOK\r\n", &error), CARD_AT_PARSE_DONE);
  ck_assert_str_eq (card_at_parser_get_info (parser), "4,\"9000\"");
}
END_TEST

/* Nothing received yet: a fresh parser has no buffer storage at all, and feeding it nothing must not do
 * pointer arithmetic on NULL (clang's UBSan reports "applying zero offset to null pointer"). */
START_TEST (test_empty_feed_on_fresh_parser)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (0);
  g_autoptr(GError) error = NULL;

  card_at_parser_begin (parser, "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"", "+CCHO:", TRUE);
  ck_assert_int_eq (card_at_parser_feed (parser, NULL, 0, &error), CARD_AT_PARSE_MORE);
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (card_at_parser_get_skipped (parser), 0);
  ck_assert_int_eq (feed_text (parser, "\r\n+CCHO: 3\r\nOK\r\n", &error), CARD_AT_PARSE_DONE);
  ck_assert_str_eq (card_at_parser_get_info (parser), "3");
}
END_TEST

START_TEST (test_parse_ccho)
{
  guint32 session_id = 0;
  static const gchar *bad[] = { "", "x", "-1", "1 2", "4294967296", "\"\"", "0x10", NULL };

  ck_assert (card_at_parse_ccho ("1", &session_id, NULL));
  ck_assert_uint_eq (session_id, 1);
  ck_assert (card_at_parse_ccho (" \"19\" ", &session_id, NULL));
  ck_assert_uint_eq (session_id, 19);
  ck_assert (card_at_parse_ccho ("4294967295", &session_id, NULL));
  ck_assert_uint_eq (session_id, G_MAXUINT32);
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      session_id = 77;
      ck_assert_msg (!card_at_parse_ccho (bad[i], &session_id, &error), "accepted '%s'", bad[i]);
      ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
      ck_assert_uint_eq (session_id, 77);
    }
  {
    g_autoptr(GError) error = NULL;
    ck_assert (!card_at_parse_ccho (NULL, &session_id, &error));
    ck_assert (strstr (error->message, "without a session id") != NULL);
  }
}
END_TEST

START_TEST (test_parse_cgla)
{
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GBytes) unquoted = NULL;
  static const guint8 expected[] = { 0xBF, 0x3E, 0x90, 0x00 };
  static const gchar *bad[] = {
    "",  "8", "8,", "8,\"BF3E900\"", "7,\"BF3E900\"", "2,\"90\"", "0,\"\"", "x,\"9000\"", "4,\"90G0\"",
    "4,9000,", "-4,\"9000\"", "99999999999,\"9000\"", "6,\"9000\"", NULL,
  };

  response = card_at_parse_cgla ("8,\"BF3E9000\"", NULL);
  ck_assert_ptr_nonnull (response);
  ck_assert_uint_eq (g_bytes_get_size (response), sizeof expected);
  ck_assert_mem_eq (g_bytes_get_data (response, NULL), expected, sizeof expected);
  unquoted = card_at_parse_cgla (" 8 , bf3e9000 ", NULL);
  ck_assert_ptr_nonnull (unquoted);
  ck_assert_mem_eq (g_bytes_get_data (unquoted, NULL), expected, sizeof expected);

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) r = card_at_parse_cgla (bad[i], &error);
      ck_assert_msg (r == NULL, "accepted '%s'", bad[i]);
      ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
      ck_assert (g_str_has_prefix (error->message, "AT+CGLA: "));
    }
}
END_TEST

/* +CSIM: has the same form; its errors name AT+CSIM. */
START_TEST (test_parse_csim)
{
  g_autoptr(GBytes) response = card_at_parse_csim ("4,\"6A82\"", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bad = card_at_parse_csim ("6,\"6A82\"", &error);
  static const guint8 expected[] = { 0x6A, 0x82 };

  ck_assert_ptr_nonnull (response);
  ck_assert_mem_eq (g_bytes_get_data (response, NULL), expected, sizeof expected);
  ck_assert_ptr_null (bad);
  ck_assert_msg (g_str_has_prefix (error->message, "AT+CSIM: length field says 6"), "%s", error->message);
}
END_TEST

START_TEST (test_format)
{
  static const guint8 aid[] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00 };
  static const guint8 apdu[] = { 0x81, 0xE2, 0x91, 0x00, 0x06, 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  g_autofree gchar *ccho = card_at_format_ccho (aid, sizeof aid);
  g_autofree gchar *cgla = card_at_format_cgla (300, apdu, sizeof apdu);
  g_autofree gchar *cchc = card_at_format_cchc (4000000000u);
  g_autofree gchar *csim = card_at_format_csim (apdu, sizeof apdu);

  ck_assert_str_eq (ccho, "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"");
  ck_assert_str_eq (cgla, "AT+CGLA=300,22,\"81E2910006BF3E035C015A\"");
  ck_assert_str_eq (cchc, "AT+CCHC=4000000000");
  ck_assert_str_eq (csim, "AT+CSIM=22,\"81E2910006BF3E035C015A\"");
}
END_TEST

static Suite *
card_at_suite (void)
{
  Suite *s = suite_create ("card-at");
  TCase *parser = tcase_create ("parser");
  TCase *values = tcase_create ("values");

  tcase_add_test (parser, test_plain_ok);
  tcase_add_test (parser, test_waits_for_final_result);
  tcase_add_test (parser, test_echo_is_skipped);
  tcase_add_test (parser, test_urcs_everywhere);
  tcase_add_test (parser, test_stale_ok_is_not_taken);
  tcase_add_test (parser, test_bare_number);
  tcase_add_test (parser, test_cme_error);
  tcase_add_test (parser, test_cme_error_text);
  tcase_add_test (parser, test_plain_error);
  tcase_add_test (parser, test_split_everywhere);
  tcase_add_test (parser, test_split_crlf);
  tcase_add_test (parser, test_empty_feed_on_fresh_parser);
  tcase_add_test (parser, test_garbage);
  tcase_add_test (parser, test_garbage_never_completes);
  tcase_add_test (parser, test_overlong_line);
  tcase_add_test (parser, test_default_limit_takes_extended_answer);
  tcase_add_test (parser, test_reset_drops_partial);
  suite_add_tcase (s, parser);

  tcase_add_test (values, test_parse_ccho);
  tcase_add_test (values, test_parse_cgla);
  tcase_add_test (values, test_parse_csim);
  tcase_add_test (values, test_format);
  suite_add_tcase (s, values);
  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (card_at_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
