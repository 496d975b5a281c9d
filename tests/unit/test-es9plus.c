/* SPDX-License-Identifier: Apache-2.0 */
/* ES9+ and ES11 in the SGP.22 JSON binding (es9plus-json.c, es11-json.c) and the CI trust (smdp-trust.c): the
 * request bodies read back with cJSON, the answers decoded (unknown members ignored, missing ones named, bad
 * base64 and wrong tags refused), Failed and Expired as errors with their codes and without the server's
 * text, eventEntries in both forms with bad entries left out, and the CI certificates chosen by PKId. */
#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <string.h>

#include "der/der.h"
#include "euiccd-autoptr.h"
#include "euiccd-error.h"
#include "net/es11-json.h"
#include "net/es9plus-json.h"
#include "net/smdp-trust.h"

/* A self-signed CI of the shape SGP.22 gives (critical certificatePolicies 2.23.146.1.2.1.0), made for this
 * test with openssl; its SubjectKeyIdentifier is CI_SKI. */
static const gchar ci_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBzDCCAXGgAwIBAgIUddc3mS01BrNsLzbStLt34iwgLD0wCgYIKoZIzj0EAwIw\n"
  "NjEVMBMGA1UEAwwMVW5pdCBUZXN0IENJMRAwDgYDVQQKDAdSU1BURVNUMQswCQYD\n"
  "VQQGEwJJVDAgFw0yNjEyMDIyMzM2MzFaGA8yMTI2MTEwODIzMzYzMVowNjEVMBMG\n"
  "A1UEAwwMVW5pdCBUZXN0IENJMRAwDgYDVQQKDAdSU1BURVNUMQswCQYDVQQGEwJJ\n"
  "VDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJl3en2yZj8kQ0Wku2u3LsS2/a2t\n"
  "lsvTJIRe5TBYAuZz4yGD+qzywboENsQP6u+3XzC9Evtytb2DoTCl0/KXEUqjWzBZ\n"
  "MB0GA1UdDgQWBBQeEeJeYCyZWQKyhl3Ii94/H63gVDAPBgNVHRMBAf8EBTADAQH/\n"
  "MA4GA1UdDwEB/wQEAwIBBjAXBgNVHSABAf8EDTALMAkGB2eBEgECAQAwCgYIKoZI\n"
  "zj0EAwIDSQAwRgIhAOGB6JihO254lOFdluVPDsliSZimMfLJZK4Pplho1RtsAiEA\n"
  "tVPd35AZIvw5X//s7Gro0ErdRzB/VzS4kAM0B9PSZVw=\n"
  "-----END CERTIFICATE-----\n";
#define CI_SKI "1E11E25E602C995902B2865DC88BDE3F1FADE054"

/* An end-entity certificate (cA FALSE): not a CI. */
static const gchar leaf_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBZjCCAQugAwIBAgIUB90Bqr7emlJknid9rfysTfkNDZUwCgYIKoZIzj0EAwIw\n"
  "GTEXMBUGA1UEAwwOVW5pdCBUZXN0IGxlYWYwIBcNMjYxMjAyMjMzNjMxWhgPMjEy\n"
  "NjExMDgyMzM2MzFaMBkxFzAVBgNVBAMMDlVuaXQgVGVzdCBsZWFmMFkwEwYHKoZI\n"
  "zj0CAQYIKoZIzj0DAQcDQgAEmXd6fbJmPyRDRaS7a7cuxLb9ra2Wy9MkhF7lMFgC\n"
  "5nPjIYP6rPLBugQ2xA/q77dfML0S+3K1vYOhMKXT8pcRSqMvMC0wHQYDVR0OBBYE\n"
  "FB4R4l5gLJlZArKGXciL3j8freBUMAwGA1UdEwEB/wQCMAAwCgYIKoZIzj0EAwID\n"
  "SQAwRgIhAK7uUKg9mRw3Q4pCj2ul8Yz3xewHQDVOGCXVK7QqPjPSAiEAw5oqOSzX\n"
  "oP407XU42ClYW2hAULfu6zs41yqqz++48e0=\n"
  "-----END CERTIFICATE-----\n";

#define TXID_HEX "0102030405060708090A0B0C0D0E0F10"
/* Minimal TLVs of the right tags */
#define SIGNED1_HEX "3006800101810102"
#define SIG1_HEX "5F370401020304"
#define PKID_HEX "0414" CI_SKI
#define CERT_HEX "3003020101"

static GBytes *
hex (const gchar *text)
{
  GBytes *bytes = der_from_hex (text, NULL);

  ck_assert_ptr_nonnull (bytes);
  return bytes;
}

static gchar *
b64 (const gchar *hex_text)
{
  g_autoptr(GBytes) bytes = hex (hex_text);

  return g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
assert_bytes (GBytes *bytes, const gchar *expected_hex)
{
  g_autofree gchar *got = NULL;

  ck_assert_ptr_nonnull (bytes);
  got = der_to_hex (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  ck_assert_str_eq (got, expected_hex);
}

static void
assert_error (const GError *error, gint code, const gchar *fragment)
{
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (error->code == code, "code %d, expected %d: %s", error->code, code, error->message);
  ck_assert_msg (strstr (error->message, fragment) != NULL, "\"%s\" not in \"%s\"", fragment, error->message);
}

/* An initiateAuthentication answer with `extra` members (",\"k\":v" or ""), or without `drop`. */
static gchar *
initiate_answer (const gchar *status, const gchar *extra, const gchar *drop)
{
  g_autofree gchar *s1 = b64 (SIGNED1_HEX);
  g_autofree gchar *sig = b64 (SIG1_HEX);
  g_autofree gchar *pkid = b64 (PKID_HEX);
  g_autofree gchar *cert = b64 (CERT_HEX);
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "{\"header\":{\"functionExecutionStatus\":{\"status\":\"%s\"}}", status);
  if (g_strcmp0 (drop, "transactionId") != 0)
    g_string_append (out, ",\"transactionId\":\"" TXID_HEX "\"");
  if (g_strcmp0 (drop, "serverSigned1") != 0)
    g_string_append_printf (out, ",\"serverSigned1\":\"%s\"", s1);
  if (g_strcmp0 (drop, "serverSignature1") != 0)
    g_string_append_printf (out, ",\"serverSignature1\":\"%s\"", sig);
  if (g_strcmp0 (drop, "euiccCiPKIdToBeUsed") != 0)
    g_string_append_printf (out, ",\"euiccCiPKIdToBeUsed\":\"%s\"", pkid);
  if (g_strcmp0 (drop, "serverCertificate") != 0)
    g_string_append_printf (out, ",\"serverCertificate\":\"%s\"", cert);
  g_string_append_printf (out, "%s}", extra);
  return g_string_free (out, FALSE);
}

/* ---- requests ------------------------------------------------------------------------------------------ */

START_TEST (test_initiate_request)
{
  g_autoptr(GBytes) info1 = hex ("BF200A820302020AA9030401AA");
  RspInitiateAuthenticationRequest request;
  g_autofree gchar *text = NULL;
  g_autoptr(cJSON) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *info1_b64 = b64 ("BF200A820302020AA9030401AA");

  memset (&request, 0, sizeof request);
  for (guint i = 0; i < 16; i++)
    request.euicc_challenge[i] = (guint8) i;
  request.euicc_info1 = info1;
  request.server_address = "smdp.example.com";
  text = es9plus_json_encode_initiate_authentication_request (&request, &error);
  ck_assert_ptr_nonnull (text);
  root = cJSON_Parse (text);
  ck_assert_ptr_nonnull (root);
  ck_assert_int_eq (cJSON_GetArraySize (root), 3);
  ck_assert_str_eq (cJSON_GetObjectItem (root, "euiccChallenge")->valuestring, "AAECAwQFBgcICQoLDA0ODw==");
  ck_assert_str_eq (cJSON_GetObjectItem (root, "euiccInfo1")->valuestring, info1_b64);
  ck_assert_str_eq (cJSON_GetObjectItem (root, "smdpAddress")->valuestring, "smdp.example.com");

  /* euiccInfo1 must be the card's BF20 */
  g_clear_pointer (&text, g_free);
  g_bytes_unref (info1);
  info1 = hex ("BF2200");
  request.euicc_info1 = info1;
  text = es9plus_json_encode_initiate_authentication_request (&request, &error);
  ck_assert_ptr_null (text);
  assert_error (error, EUICCD_ERROR_INVALID_ARGS, "\"euiccInfo1\" has tag BF22, expected BF20");
}
END_TEST

START_TEST (test_session_requests)
{
  static const struct {
    gchar *(*encode) (const RspSessionRequest *, GError **);
    const gchar *key;
    const gchar *card;
  } cases[] = {
    { es9plus_json_encode_authenticate_client_request, "authenticateServerResponse", "BF3802A000" },
    { es9plus_json_encode_get_bound_profile_package_request, "prepareDownloadResponse", "BF2102A000" },
    { es9plus_json_encode_cancel_session_request, "cancelSessionResponse", "BF4102A000" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) txid = hex (TXID_HEX);
      g_autoptr(GBytes) card = hex (cases[i].card);
      g_autoptr(GBytes) wrong = hex ("BF2D00");
      g_autoptr(GBytes) long_txid = hex (TXID_HEX "11");
      RspSessionRequest request = { txid, card };
      g_autofree gchar *text = cases[i].encode (&request, NULL);
      g_autofree gchar *card_b64 = b64 (cases[i].card);
      g_autoptr(cJSON) root = cJSON_Parse (text);
      g_autoptr(GError) error = NULL;
      g_autofree gchar *refused = NULL;

      ck_assert_ptr_nonnull (root);
      ck_assert_int_eq (cJSON_GetArraySize (root), 2);
      ck_assert_str_eq (cJSON_GetObjectItem (root, "transactionId")->valuestring, TXID_HEX);
      ck_assert_str_eq (cJSON_GetObjectItem (root, cases[i].key)->valuestring, card_b64);

      request.card_response = wrong;
      refused = cases[i].encode (&request, &error);
      ck_assert_ptr_null (refused);
      assert_error (error, EUICCD_ERROR_INVALID_ARGS, "has tag BF2D");
      g_clear_error (&error);
      request.card_response = card;
      request.transaction_id = long_txid;
      refused = cases[i].encode (&request, &error);
      ck_assert_ptr_null (refused);
      assert_error (error, EUICCD_ERROR_INVALID_ARGS, "17 byte(s), expected 1 to 16");
    }
}
END_TEST

START_TEST (test_handle_notification_request)
{
  g_autoptr(GBytes) pir = hex ("BF3703800101");
  g_autoptr(GBytes) other = hex ("3003800101");
  g_autoptr(GBytes) wrong = hex ("A003800101");
  Es9HandleNotificationRequest request = { pir };
  g_autofree gchar *text = es9plus_json_encode_handle_notification_request (&request, NULL);
  g_autofree gchar *other_text = NULL;
  g_autofree gchar *refused = NULL;
  g_autoptr(GError) error = NULL;

  ck_assert_str_eq (text, "{\"pendingNotification\":\"vzcDgAEB\"}");
  request.pending_notification = other;
  other_text = es9plus_json_encode_handle_notification_request (&request, NULL);
  ck_assert_ptr_nonnull (other_text);
  request.pending_notification = wrong;
  refused = es9plus_json_encode_handle_notification_request (&request, &error);
  ck_assert_ptr_null (refused);
  assert_error (error, EUICCD_ERROR_INVALID_ARGS, "expected BF37 or 30");
}
END_TEST

/* ---- responses ----------------------------------------------------------------------------------------- */

START_TEST (test_initiate_response)
{
  g_autofree gchar *body = initiate_answer ("Executed-Success", ",\"somethingNew\":{\"a\":[1,2]},\"x\":null", NULL);
  g_autoptr(RspInitiateAuthenticationResponse) response = NULL;
  RspStatus status;

  response = es9plus_json_decode_initiate_authentication_response (body, strlen (body), &status, NULL);
  ck_assert_ptr_nonnull (response);
  ck_assert_int_eq (status.kind, RSP_STATUS_EXECUTED_SUCCESS);
  assert_bytes (response->transaction_id, TXID_HEX);
  assert_bytes (response->server_signed1, SIGNED1_HEX);
  assert_bytes (response->server_signature1, SIG1_HEX);
  assert_bytes (response->euicc_ci_pkid_to_be_used, PKID_HEX);
  assert_bytes (response->server_certificate, CERT_HEX);
}
END_TEST

START_TEST (test_initiate_response_other_pkid_name)
{
  g_autofree gchar *pkid = b64 (PKID_HEX);
  g_autofree gchar *extra = g_strdup_printf (",\"euiccCiPKIdentifierToBeUsed\":\"%s\"", pkid);
  g_autofree gchar *body = initiate_answer ("Executed-WithWarning", extra, "euiccCiPKIdToBeUsed");
  g_autoptr(RspInitiateAuthenticationResponse) response = NULL;
  RspStatus status;

  response = es9plus_json_decode_initiate_authentication_response (body, strlen (body), &status, NULL);
  ck_assert_ptr_nonnull (response);
  ck_assert_int_eq (status.kind, RSP_STATUS_EXECUTED_WITH_WARNING);
  assert_bytes (response->euicc_ci_pkid_to_be_used, PKID_HEX);
}
END_TEST

START_TEST (test_initiate_response_missing)
{
  static const gchar *const keys[] = { "transactionId", "serverSigned1", "serverSignature1", "euiccCiPKIdToBeUsed",
                                       "serverCertificate" };

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree gchar *body = initiate_answer ("Executed-Success", "", keys[i]);
      g_autofree gchar *expected = g_strdup_printf ("missing \"%s\"", keys[i]);
      g_autoptr(GError) error = NULL;
      RspInitiateAuthenticationResponse *response =
        es9plus_json_decode_initiate_authentication_response (body, strlen (body), NULL, &error);

      ck_assert_ptr_null (response);
      assert_error (error, EUICCD_ERROR_PROTOCOL, expected);
    }
}
END_TEST

START_TEST (test_initiate_response_bad_values)
{
  static const struct {
    const gchar *member;
    const gchar *fragment;
    gint code;
  } cases[] = {
    { ",\"serverSigned1\":\"MAA*\"", "\"serverSigned1\": not base64 at character 3", EUICCD_ERROR_INVALID_DATA },
    { ",\"serverSigned1\":\"MA=\"", "\"serverSigned1\": invalid base64 length", EUICCD_ERROR_INVALID_DATA },
    { ",\"serverSigned1\":\"MAF=\"", "\"serverSigned1\": base64 with stray bits", EUICCD_ERROR_INVALID_DATA },
    { ",\"serverSigned1\":\"oAA=\"", "\"serverSigned1\" has tag A0, expected 30", EUICCD_ERROR_INVALID_DATA },
    { ",\"serverSigned1\":12", "\"serverSigned1\" is not a string", EUICCD_ERROR_PROTOCOL },
    { ",\"transactionId\":\"0G\"", "\"transactionId\": not hex", EUICCD_ERROR_INVALID_DATA },
    { ",\"transactionId\":\"" TXID_HEX "11\"", "\"transactionId\": 17 bytes", EUICCD_ERROR_INVALID_DATA },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *key = g_strndup (cases[i].member + 2, strchr (cases[i].member + 2, '"') - cases[i].member - 2);
      g_autofree gchar *body = initiate_answer ("Executed-Success", cases[i].member, key);
      g_autoptr(GError) error = NULL;
      RspInitiateAuthenticationResponse *response =
        es9plus_json_decode_initiate_authentication_response (body, strlen (body), NULL, &error);

      ck_assert_ptr_null (response);
      assert_error (error, cases[i].code, cases[i].fragment);
    }
}
END_TEST

START_TEST (test_failed_status)
{
  static const gchar body[] =
    "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":{\"subjectCode\":\"8.8.2\","
    "\"reasonCode\":\"3.1\",\"subjectIdentifier\":\"x\",\"message\":\"SECRET free text of the server\"}}}}";
  static const gchar expired[] =
    "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Expired\",\"statusCodeData\":{\"subjectCode\":\"<b>\","
    "\"reasonCode\":\"6.3\"}}}}";
  g_autoptr(GError) error = NULL;
  RspStatus status;

  ck_assert_ptr_null (es9plus_json_decode_initiate_authentication_response (body, strlen (body), &status, &error));
  assert_error (error, EUICCD_ERROR_PROTOCOL,
                "initiateAuthentication: the SM-DP+ answered Failed, subjectCode 8.8.2 (SM-DP+ security "
                "configuration), reasonCode 3.1 (unsupported)");
  ck_assert (strstr (error->message, "SECRET") == NULL);
  ck_assert_int_eq (status.kind, RSP_STATUS_FAILED);
  ck_assert_str_eq (status.subject_code, "8.8.2");
  ck_assert_str_eq (status.reason_code, "3.1");
  g_clear_error (&error);

  /* A subject that is not a code is not quoted. */
  ck_assert (!es9plus_json_decode_header_only_response (expired, strlen (expired), "cancelSession", &status, &error));
  assert_error (error, EUICCD_ERROR_PROTOCOL, "answered Expired, subjectCode (none), reasonCode 6.3 (expired)");
  ck_assert (strstr (error->message, "<b>") == NULL);
  ck_assert_int_eq (status.kind, RSP_STATUS_EXPIRED);
  ck_assert_str_eq (status.subject_code, "");
  g_clear_error (&error);

  ck_assert_ptr_null (es11_json_decode_authenticate_client_response (body, strlen (body), NULL, &error));
  assert_error (error, EUICCD_ERROR_PROTOCOL, "the SM-DS answered Failed");
}
END_TEST

START_TEST (test_bad_headers)
{
  static const struct {
    const gchar *body;
    const gchar *fragment;
  } cases[] = {
    { "", "empty body" },
    { "[1]", "not a JSON object" },
    { "{\"header\":", "not JSON" },
    { "{\"transactionId\":\"01\"}", "missing \"header\".\"functionExecutionStatus\"" },
    { "{\"header\":{\"functionExecutionStatus\":{}}}", "\"status\"" },
    { "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Done\"}}}", "none of Executed-Success" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      RspStatus status = { .kind = RSP_STATUS_FAILED };

      ck_assert_ptr_null (es9plus_json_decode_get_bound_profile_package_response (cases[i].body,
                                                                                  strlen (cases[i].body), &status,
                                                                                  &error));
      assert_error (error, EUICCD_ERROR_PROTOCOL, cases[i].fragment);
      ck_assert_int_eq (status.kind, RSP_STATUS_NONE);
    }
}
END_TEST

START_TEST (test_authenticate_client_and_bpp_responses)
{
  g_autofree gchar *metadata = b64 ("BF2503800101");
  g_autofree gchar *signed2 = b64 ("3003800101");
  g_autofree gchar *sig2 = b64 ("5F370101");
  g_autofree gchar *cert = b64 (CERT_HEX);
  g_autofree gchar *bpp = b64 ("BF3603BF2300");
  g_autofree gchar *ac = g_strdup_printf ("{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},"
                                          "\"transactionId\":\"" TXID_HEX "\",\"profileMetadata\":\"%s\","
                                          "\"smdpSigned2\":\"%s\",\"smdpSignature2\":\"%s\",\"smdpCertificate\":\"%s\","
                                          "\"hashCc\":\"ignored\"}", metadata, signed2, sig2, cert);
  g_autofree gchar *ac_missing = g_strdup_printf ("{\"header\":{\"functionExecutionStatus\":{\"status\":"
                                                  "\"Executed-Success\"}},\"smdpSigned2\":\"%s\","
                                                  "\"smdpSignature2\":\"%s\",\"smdpCertificate\":\"%s\"}",
                                                  signed2, sig2, cert);
  g_autofree gchar *gb = g_strdup_printf ("{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},"
                                          "\"boundProfilePackage\":\"%s\"}", bpp);
  g_autofree gchar *gb_wrong = g_strdup_printf ("{\"header\":{\"functionExecutionStatus\":{\"status\":"
                                                "\"Executed-Success\"}},\"boundProfilePackage\":\"%s\"}", metadata);
  g_autoptr(Es9AuthenticateClientResponse) authenticated = NULL;
  g_autoptr(Es9GetBoundProfilePackageResponse) package = NULL;
  g_autoptr(GError) error = NULL;

  authenticated = es9plus_json_decode_authenticate_client_response (ac, strlen (ac), NULL, &error);
  ck_assert_ptr_nonnull (authenticated);
  assert_bytes (authenticated->transaction_id, TXID_HEX);
  assert_bytes (authenticated->profile_metadata, "BF2503800101");
  assert_bytes (authenticated->smdp_signed2, "3003800101");
  assert_bytes (authenticated->smdp_signature2, "5F370101");
  assert_bytes (authenticated->smdp_certificate, CERT_HEX);
  ck_assert_ptr_null (es9plus_json_decode_authenticate_client_response (ac_missing, strlen (ac_missing), NULL,
                                                                        &error));
  assert_error (error, EUICCD_ERROR_PROTOCOL, "missing \"profileMetadata\"");
  g_clear_error (&error);

  package = es9plus_json_decode_get_bound_profile_package_response (gb, strlen (gb), NULL, &error);
  ck_assert_ptr_nonnull (package);
  ck_assert_ptr_null (package->transaction_id);
  assert_bytes (package->bound_profile_package, "BF3603BF2300");
  ck_assert_ptr_null (es9plus_json_decode_get_bound_profile_package_response (gb_wrong, strlen (gb_wrong), NULL,
                                                                              &error));
  assert_error (error, EUICCD_ERROR_INVALID_DATA, "\"boundProfilePackage\" has tag BF25, expected BF36");
  g_clear_error (&error);

  /* header only: 204 (no body) and 200 with the header */
  ck_assert (es9plus_json_decode_header_only_response (NULL, 0, "handleNotification", NULL, NULL));
  ck_assert (es9plus_json_decode_header_only_response (gb, strlen (gb), "handleNotification", NULL, NULL));
}
END_TEST

/* ---- ES11 ---------------------------------------------------------------------------------------------- */

#define OK_HEADER "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},"

START_TEST (test_es11_json_entries)
{
  static const gchar body[] =
    OK_HEADER "\"transactionId\":\"" TXID_HEX "\",\"eventEntries\":["
    "{\"eventId\":\"EV-1\",\"rspServerAddress\":\"smdp.example.com\",\"extra\":1},"
    "{\"eventId\":\"EV-2\"},"
    "{\"eventId\":\"\",\"rspServerAddress\":\"smdp.example.com\"},"
    "{\"eventId\":\"EV-4\",\"rspServerAddress\":\"bad host/\"},"
    "17,"
    "{\"eventId\":\"EV-6\",\"rspServerAddress\":\"[2001:db8::1]:8443\"}]}";
  g_autoptr(Es11AuthenticateClientResponse) response = NULL;
  Es11EventEntry *entry;

  response = es11_json_decode_authenticate_client_response (body, strlen (body), NULL, NULL);
  ck_assert_ptr_nonnull (response);
  assert_bytes (response->transaction_id, TXID_HEX);
  ck_assert_uint_eq (response->events->len, 2);
  ck_assert_uint_eq (response->skipped, 4);
  entry = g_ptr_array_index (response->events, 0);
  ck_assert_str_eq (entry->event_id, "EV-1");
  ck_assert_str_eq (entry->rsp_server_address, "smdp.example.com");
  entry = g_ptr_array_index (response->events, 1);
  ck_assert_str_eq (entry->event_id, "EV-6");
  ck_assert_str_eq (entry->rsp_server_address, "[2001:db8::1]:8443");
}
END_TEST

START_TEST (test_es11_der_entries)
{
  /* SEQUENCE OF EventEntries { eventId [0] "E1", rspServerAddress [1] "a.b" }, and one without an address */
  static const gchar *const forms[] = { "30113009800245318103612E62300480024532",
                                        "A1113009800245318103612E62300480024532" };

  for (gsize i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autofree gchar *der = b64 (forms[i]);
      g_autofree gchar *body = g_strdup_printf (OK_HEADER "\"eventEntries\":\"%s\"}", der);
      g_autoptr(Es11AuthenticateClientResponse) response =
        es11_json_decode_authenticate_client_response (body, strlen (body), NULL, NULL);
      Es11EventEntry *entry;

      ck_assert_ptr_nonnull (response);
      ck_assert_uint_eq (response->events->len, 1);
      ck_assert_uint_eq (response->skipped, 1);
      entry = g_ptr_array_index (response->events, 0);
      ck_assert_str_eq (entry->event_id, "E1");
      ck_assert_str_eq (entry->rsp_server_address, "a.b");
    }
}
END_TEST

START_TEST (test_es11_refusals)
{
  g_autofree gchar *wrong_tag = b64 ("3103800101");
  g_autofree gchar *truncated = b64 ("300F30098002");
  static const struct {
    const gchar *member;
    const gchar *fragment;
  } cases[] = {
    { "", "missing \"eventEntries\"" },
    { ",\"eventEntries\":{}", "neither an array nor base64" },
    { ",\"eventEntries\":\"@@\"", "\"eventEntries\": not base64" },
    { ",\"eventEntries\":\"", "eventEntries has tag 31" },
    { ",\"eventEntries\":\"", "\"eventEntries\": " },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* The last two carry DER: a wrong outer tag, then a truncated entry. */
      g_autofree gchar *member = i < 3 ? g_strdup (cases[i].member)
                                       : g_strconcat (cases[i].member, i == 3 ? wrong_tag : truncated, "\"", NULL);
      g_autofree gchar *body = g_strdup_printf ("{\"header\":{\"functionExecutionStatus\":{\"status\":"
                                                "\"Executed-Success\"}}%s}", member);
      g_autoptr(GError) error = NULL;

      ck_assert_ptr_null (es11_json_decode_authenticate_client_response (body, strlen (body), NULL, &error));
      ck_assert_ptr_nonnull (error);
      ck_assert_msg (strstr (error->message, cases[i].fragment) != NULL, "%s", error->message);
    }
}
END_TEST

START_TEST (test_es11_cap)
{
  GString *body = g_string_new (OK_HEADER "\"eventEntries\":[");
  g_autoptr(Es11AuthenticateClientResponse) response = NULL;

  for (guint i = 0; i < ES11_MAX_EVENTS + 3; i++)
    g_string_append_printf (body, "%s{\"eventId\":\"E%u\",\"rspServerAddress\":\"a.example\"}", i > 0 ? "," : "", i);
  g_string_append (body, "]}");
  response = es11_json_decode_authenticate_client_response (body->str, body->len, NULL, NULL);
  ck_assert_ptr_nonnull (response);
  ck_assert_uint_eq (response->events->len, ES11_MAX_EVENTS);
  ck_assert_uint_eq (response->skipped, 3);
  g_string_free (body, TRUE);
}
END_TEST

/* ---- CI trust ------------------------------------------------------------------------------------------ */

START_TEST (test_trust_select)
{
  g_autofree gchar *both = g_strconcat (leaf_pem, "# a comment\n", ci_pem, NULL);
  g_autoptr(SmdpTrustStore) store = smdp_trust_store_new_from_pem (both, strlen (both), "test", NULL);
  g_autoptr(GPtrArray) pkids = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(HttpsTrust) trust = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *described = NULL;

  /* The leaf is no CI: only the CI is held. */
  ck_assert_ptr_nonnull (store);
  ck_assert_uint_eq (smdp_trust_store_get_size (store), 1);
  ck_assert_str_eq (smdp_trust_store_get_pkid (store, 0), CI_SKI);

  g_ptr_array_add (pkids, hex ("F54172BDF98A95D65CBEB88A38A1C11D800A85C3"));
  trust = smdp_trust_store_select (store, pkids, &error);
  ck_assert_ptr_null (trust);
  assert_error (error, EUICCD_ERROR_NOT_FOUND,
                "it wants CI PKId F54172BDF98A95D65CBEB88A38A1C11D800A85C3; configured: " CI_SKI);
  g_clear_error (&error);

  g_ptr_array_add (pkids, hex (CI_SKI));
  trust = smdp_trust_store_select (store, pkids, &error);
  ck_assert_ptr_nonnull (trust);
  ck_assert_int_eq (https_trust_get_kind (trust), HTTPS_TRUST_CI_CERTIFICATES);
  ck_assert_ptr_null (https_trust_get_pin (trust));
  ck_assert (g_str_has_prefix (https_trust_get_anchor_pem (trust), "-----BEGIN CERTIFICATE-----\nMIIBzDCC"));
  described = https_trust_describe (trust);
  ck_assert_str_eq (described, "GSMA CI " CI_SKI " as the only anchors");
}
END_TEST

START_TEST (test_trust_refusals)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("smdp-trust-XXXXXX", NULL);
  g_autofree gchar *file = g_build_filename (dir, "ci.pem", NULL);
  g_autofree gchar *ignored = g_build_filename (dir, "notes.txt", NULL);
  g_autoptr(SmdpTrustStore) store = NULL;

  ck_assert_ptr_null (smdp_trust_store_new_from_pem (leaf_pem, strlen (leaf_pem), "leaf", &error));
  assert_error (error, EUICCD_ERROR_CONFIG, "leaf: no usable CI certificate");
  g_clear_error (&error);
  ck_assert_ptr_null (smdp_trust_store_new_from_pem ("hello", 5, "text", &error));
  assert_error (error, EUICCD_ERROR_CONFIG, "text: no PEM certificate");
  g_clear_error (&error);
  ck_assert_ptr_null (smdp_trust_store_load ("/nonexistent/ci", &error));
  assert_error (error, EUICCD_ERROR_CONFIG, "/nonexistent/ci");
  g_clear_error (&error);

  /* A directory: *.pem and *.crt files only. */
  ck_assert (g_file_set_contents (ignored, ci_pem, -1, NULL));
  ck_assert_ptr_null (smdp_trust_store_load (dir, &error));
  assert_error (error, EUICCD_ERROR_CONFIG, "no usable CI certificate");
  ck_assert (g_file_set_contents (file, ci_pem, -1, NULL));
  store = smdp_trust_store_load (dir, NULL);
  ck_assert_ptr_nonnull (store);
  ck_assert_uint_eq (smdp_trust_store_get_size (store), 1);
  g_unlink (file);
  g_unlink (ignored);
  g_rmdir (dir);
}
END_TEST

static Suite *
es9plus_suite (void)
{
  Suite *suite = suite_create ("es9plus");
  TCase *requests = tcase_create ("requests");
  TCase *responses = tcase_create ("responses");
  TCase *es11 = tcase_create ("es11");
  TCase *trust = tcase_create ("trust");

  tcase_add_test (requests, test_initiate_request);
  tcase_add_test (requests, test_session_requests);
  tcase_add_test (requests, test_handle_notification_request);
  tcase_add_test (responses, test_initiate_response);
  tcase_add_test (responses, test_initiate_response_other_pkid_name);
  tcase_add_test (responses, test_initiate_response_missing);
  tcase_add_test (responses, test_initiate_response_bad_values);
  tcase_add_test (responses, test_failed_status);
  tcase_add_test (responses, test_bad_headers);
  tcase_add_test (responses, test_authenticate_client_and_bpp_responses);
  tcase_add_test (es11, test_es11_json_entries);
  tcase_add_test (es11, test_es11_der_entries);
  tcase_add_test (es11, test_es11_refusals);
  tcase_add_test (es11, test_es11_cap);
  tcase_add_test (trust, test_trust_select);
  tcase_add_test (trust, test_trust_refusals);
  suite_add_tcase (suite, requests);
  suite_add_tcase (suite, responses);
  suite_add_tcase (suite, es11);
  suite_add_tcase (suite, trust);
  return suite;
}

int
main (void)
{
  SRunner *runner = srunner_create (es9plus_suite ());
  int failed;

  /* Skipped entries and unknown certificates are warned about; they are expected here. */
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
