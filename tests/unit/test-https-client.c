/* SPDX-License-Identifier: Apache-2.0 */
/* The parts of the HTTPS client that need no network: Retry-After, error text from peer bodies, eIM
 * addresses from the card, status checks, argument checks. The network behaviour is tested against
 * real servers in tests/integration/test-https-client.sh. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "euiccd-error.h"
#include "euiccd-log-policy.h"
#include "net/https-client.h"

/* 2015-10-21T07:28:00Z, the example date of RFC 9110. */
#define NOW_S G_GINT64_CONSTANT (1445412480)

START_TEST (test_retry_after_delta)
{
  ck_assert_int_eq (https_parse_retry_after ("120", NOW_S), 120);
  ck_assert_int_eq (https_parse_retry_after ("  0 ", NOW_S), 0);
  ck_assert_int_eq (https_parse_retry_after ("3600", NOW_S), 3600);
  /* capped at one week, however large */
  ck_assert_int_eq (https_parse_retry_after ("99999999", NOW_S), 7 * 24 * 3600);
  ck_assert_int_eq (https_parse_retry_after ("123456789012345678901234567890", NOW_S), 7 * 24 * 3600);
}
END_TEST

START_TEST (test_retry_after_date)
{
  /* IMF-fixdate, RFC 850 and asctime forms of the same instant, 90 s after NOW_S */
  ck_assert_int_eq (https_parse_retry_after ("Wed, 21 Oct 2015 07:29:30 GMT", NOW_S), 90);
  ck_assert_int_eq (https_parse_retry_after ("Wednesday, 21-Oct-15 07:29:30 GMT", NOW_S), 90);
  ck_assert_int_eq (https_parse_retry_after ("Wed Oct 21 07:29:30 2015", NOW_S), 90);
  /* in the past: retry now */
  ck_assert_int_eq (https_parse_retry_after ("Wed, 21 Oct 2015 07:00:00 GMT", NOW_S), 0);
  /* far future: capped */
  ck_assert_int_eq (https_parse_retry_after ("Fri, 01 Jan 2100 00:00:00 GMT", NOW_S), 7 * 24 * 3600);
}
END_TEST

START_TEST (test_retry_after_invalid)
{
  ck_assert_int_eq (https_parse_retry_after (NULL, NOW_S), -1);
  ck_assert_int_eq (https_parse_retry_after ("", NOW_S), -1);
  ck_assert_int_eq (https_parse_retry_after ("   ", NOW_S), -1);
  ck_assert_int_eq (https_parse_retry_after ("-5", NOW_S), -1);
  ck_assert_int_eq (https_parse_retry_after ("12s", NOW_S), -1);
  ck_assert_int_eq (https_parse_retry_after ("1.5", NOW_S), -1);
  ck_assert_int_eq (https_parse_retry_after ("soon", NOW_S), -1);
  ck_assert_int_eq (https_parse_retry_after ("Wed, 99 Foo 2015", NOW_S), -1);
}
END_TEST

START_TEST (test_sanitize)
{
  static const guint8 body[] = "bad\r\nrequest\x1b[31m\xff";
  g_autofree gchar *all = https_sanitize_text (body, sizeof body - 1, 100);
  g_autofree gchar *cut = https_sanitize_text (body, sizeof body - 1, 5);
  g_autofree gchar *none = https_sanitize_text (body, 0, 5);

  ck_assert_str_eq (all, "bad..request.[31m.");
  ck_assert_str_eq (cut, "bad.....");
  ck_assert_str_eq (none, "");
}
END_TEST

START_TEST (test_base_url)
{
  static const gchar *const good[][2] = {
    { "eim.example.com", "https://eim.example.com" },
    { "eim.example.com:8443", "https://eim.example.com:8443" },
    { "127.0.0.1:4443", "https://127.0.0.1:4443" },
    { "[::1]:4443", "https://[::1]:4443" },
    { "localhost", "https://localhost" },
  };
  static const gchar *const bad[] = {
    "", "eim.example.com/path", "eim example.com", "eim.example.com:0", "eim.example.com:65536",
    "eim.example.com:", "eim..example.com", ".eim", "https://eim.example.com", "[::1", "[]:1", "[::1]x",
    "eim.example.com:80x", "user@eim.example.com", "eim.example.com\r\nHost: evil",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *url = https_base_url_from_fqdn (good[i][0], &error);

      ck_assert_msg (url != NULL, "%s: %s", good[i][0], error != NULL ? error->message : "?");
      ck_assert_str_eq (url, good[i][1]);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *url = https_base_url_from_fqdn (bad[i], &error);

      ck_assert_msg (url == NULL, "accepted \"%s\" as %s", bad[i], url);
      ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
      ck_assert_ptr_nonnull (strstr (error->message, "eIM address"));
    }
  {
    g_autoptr (GError) error = NULL;
    ck_assert_ptr_null (https_base_url_from_fqdn (NULL, &error));
    ck_assert_ptr_nonnull (error);
  }
}
END_TEST

static HttpsResponse *
make_response (guint status, const gchar *content_type, const gchar *body)
{
  HttpsResponse *response = g_new0 (HttpsResponse, 1);

  response->status = status;
  response->content_type = g_strdup (content_type);
  response->body = g_bytes_new (body, strlen (body));
  response->retry_after_s = -1;
  return response;
}

START_TEST (test_check_status)
{
  g_autoptr (HttpsResponse) ok = make_response (200, "application/x-gsma-rsp-asn1", "\xbf\x4f\x03\x02\x01\x01");
  g_autoptr (HttpsResponse) no_content = make_response (204, NULL, "");
  g_autoptr (HttpsResponse) bad = make_response (400, "text/plain; charset=utf-8", "missing X-Admin-Protocol\n");
  g_autoptr (HttpsResponse) busy = make_response (503, "application/octet-stream", "\x01\x02\x03");
  g_autoptr (HttpsResponse) redirect = make_response (302, NULL, "");
  g_autoptr (GError) error = NULL;

  ck_assert (https_response_check_status (ok, "GetEimPackage", NULL));
  ck_assert (https_response_check_status (no_content, "HandleNotification", NULL));

  ck_assert (!https_response_check_status (bad, "GetEimPackage", &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL));
  /* The peer's words are not quoted: they reach LastError and the history. */
  ck_assert_str_eq (error->message, "GetEimPackage: HTTP 400 with 25 bytes of text/plain; charset=utf-8");
  g_clear_error (&error);

  ck_assert (!https_response_check_status (busy, "GetEimPackage", &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NETWORK));
  ck_assert_str_eq (error->message, "GetEimPackage: HTTP 503 with 3 bytes of application/octet-stream");
  g_clear_error (&error);

  ck_assert (!https_response_check_status (redirect, NULL, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NETWORK));
  ck_assert_str_eq (error->message, "HTTPS request: HTTP 302");
}
END_TEST

/* A peer's body reaches a debug line through the log policy: whole (as printable text) only with personal
 * data allowed; otherwise JSON and DER as their outline, anything else as its length. */
START_TEST (test_body_for_log)
{
  static const gchar text[] = "Internal error for 89049032123451234512345678901234\n";
  static const gchar json[] = "{\"message\":\"89049032123451234512345678901234\"}";
  static const guint8 der[] = { 0xBF, 0x4F, 0x03, 0x80, 0x01, 0x01 };
  g_autofree gchar *text_masked = NULL, *json_masked = NULL, *der_masked = NULL, *text_whole = NULL;
  g_autofree gchar *empty = NULL, *type = NULL;

  euiccd_log_policy_set_personal_data (FALSE);
  text_masked = https_body_for_log ((const guint8 *) text, strlen (text));
  json_masked = https_body_for_log ((const guint8 *) json, strlen (json));
  der_masked = https_body_for_log (der, sizeof der);
  empty = https_body_for_log (NULL, 0);
  euiccd_log_policy_set_personal_data (TRUE);
  text_whole = https_body_for_log ((const guint8 *) text, strlen (text));
  euiccd_log_policy_set_personal_data (FALSE);

  ck_assert_str_eq (text_masked, "<52 bytes, shown with personal data logging>");
  ck_assert_str_eq (json_masked, "{\"message\":\"<32 chars>\"}");
  ck_assert_str_eq (der_masked, "BF4F[3]{80[1]=01}");
  ck_assert_str_eq (empty, "<empty>");
  ck_assert_str_eq (text_whole, "Internal error for 89049032123451234512345678901234.");
  /* A Content-Type is a protocol token: anything else in it is replaced. */
  type = https_content_type_for_message ("text/plain; charset=\"utf-8\"\r\n<x>");
  ck_assert_str_eq (type, "text/plain; charset=\"utf-8\"???x?");
}
END_TEST

START_TEST (test_client_arguments)
{
  HttpsClientOptions options;
  g_autoptr (HttpsClient) client = NULL;
  g_autoptr (GError) error = NULL;
  HttpsExchange *exchange;
  HttpsStats stats;

  https_client_options_init (&options);
  ck_assert (options.use_system_ca);
  ck_assert_ptr_null (options.ca_file);

  options.ca_file = "/nonexistent/ca.pem";
  ck_assert_ptr_null (https_client_new (&options, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG));
  ck_assert_ptr_nonnull (strstr (error->message, "/nonexistent/ca.pem"));
  g_clear_error (&error);

  /* a file without a certificate in it is a configuration mistake, not "untrusted" later */
  options.ca_file = "/etc/hostname";
  if (g_file_test (options.ca_file, G_FILE_TEST_EXISTS))
    {
      ck_assert_ptr_null (https_client_new (&options, &error));
      ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG));
      g_clear_error (&error);
    }

  options.ca_file = NULL;
  options.proxy = "http://proxy example:3128";
  ck_assert_ptr_null (https_client_new (&options, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG));
  g_clear_error (&error);

  client = https_client_new (NULL, &error);
  ck_assert_msg (client != NULL, "%s", error != NULL ? error->message : "?");

  ck_assert_ptr_null (https_exchange_begin (client, "http://eim.example.com", NULL, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  g_clear_error (&error);
  ck_assert_ptr_null (https_exchange_begin (client, "https://", NULL, &error));
  g_clear_error (&error);
  ck_assert_ptr_null (https_exchange_begin (client, "https://eim.example.com/a b", NULL, &error));
  g_clear_error (&error);

  exchange = https_exchange_begin (client, "https://eim.example.invalid/", NULL, &error);
  ck_assert_msg (exchange != NULL, "%s", error != NULL ? error->message : "?");
  {
    const gchar *const injected[] = { "X-Admin-Protocol: gsma/rsp/v2.1.0\r\nX-Evil: 1", NULL };
    const gchar *const no_colon[] = { "X-Admin-Protocol", NULL };
    HttpsResponse *response = NULL;

    /* refused before anything goes on the network */
    ck_assert (!https_exchange_post (exchange, "/gsma/rsp2/asn1", "application/x-gsma-rsp-asn1", injected, NULL,
                                     &response, &error));
    ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
    g_clear_error (&error);
    ck_assert (!https_exchange_post (exchange, "/gsma/rsp2/asn1", "application/x-gsma-rsp-asn1", no_colon, NULL,
                                     &response, &error));
    g_clear_error (&error);
    ck_assert (!https_exchange_post (exchange, "/a\nb", NULL, NULL, NULL, &response, &error));
    ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
    g_clear_error (&error);
    ck_assert_ptr_null (response);
  }
  https_exchange_get_stats (exchange, &stats);
  ck_assert_uint_eq (stats.requests + stats.failures + stats.connections, 0);
  https_exchange_end (exchange);
  https_exchange_end (NULL);
}
END_TEST

static Suite *
client_suite (void)
{
  Suite *s = suite_create ("https-client");
  TCase *tc = tcase_create ("pure");

  tcase_add_test (tc, test_retry_after_delta);
  tcase_add_test (tc, test_retry_after_date);
  tcase_add_test (tc, test_retry_after_invalid);
  tcase_add_test (tc, test_sanitize);
  tcase_add_test (tc, test_base_url);
  tcase_add_test (tc, test_check_status);
  tcase_add_test (tc, test_body_for_log);
  tcase_add_test (tc, test_client_arguments);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (client_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
