/* SPDX-License-Identifier: Apache-2.0 */
/* ESipa messages: every ASN.1 vector of the reference (test-vectors.md section B) byte for byte or decoded field
 * by field, the v1.0 forms of section D and the double tags of section E refused, the JSON binding's bodies read
 * back with cJSON and its answers decoded into the same structs, refusals of truncated, mistagged and garbage
 * input, and the eimTransactionId salvaged from broken packages. */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <string.h>

#include "der/der.h"
#include "euiccd-autoptr.h"
#include "euiccd-error.h"
#include "net/esipa-asn1.h"
#include "net/esipa-json.h"
#include "net/esipa-minimize.h"

/* ---- helpers ----------------------------------------------------------------------------------------- */

#define EID_HEX "89049032123451234512345678901235"
#define TXID_HEX "0102030405060708"
#define SM_TXID_HEX "0102030405060708090A0B0C0D0E0F10"

static GPtrArray *arena;  /* hex strings built by the helpers below, freed after each test */

static void
setup (void)
{
  arena = g_ptr_array_new_with_free_func (g_free);
}

static void
teardown (void)
{
  g_clear_pointer (&arena, g_ptr_array_unref);
}

static const gchar *
keep (gchar *text)
{
  g_ptr_array_add (arena, text);
  return text;
}

/* A TLV in hex, the DER length computed here (not by src/der) so the fixtures read like the ASN.1. */
static const gchar *
tlv (const gchar *tag, const gchar *contents)
{
  gsize n = strlen (contents) / 2;

  if (n < 0x80)
    return keep (g_strdup_printf ("%s%02X%s", tag, (guint) n, contents));
  if (n < 0x100)
    return keep (g_strdup_printf ("%s81%02X%s", tag, (guint) n, contents));
  return keep (g_strdup_printf ("%s82%04X%s", tag, (guint) n, contents));
}

static const gchar *
cat (const gchar *first, ...)
{
  va_list args;
  GString *all = g_string_new (first);
  const gchar *next;

  va_start (args, first);
  while ((next = va_arg (args, const gchar *)) != NULL)
    g_string_append (all, next);
  va_end (args);
  return keep (g_string_free (all, FALSE));
}

static const gchar *
utf8 (const gchar *text)
{
  return keep (der_to_hex ((const guint8 *) text, strlen (text)));
}

static const gchar *
sig64 (void)
{
  return keep (g_strnfill (128, 'A'));
}

static GBytes *
from_hex (const gchar *hex)
{
  g_autoptr(GError) error = NULL;
  GBytes *b = der_from_hex (hex, &error);

  ck_assert_msg (b != NULL, "bad test hex: %s", error != NULL ? error->message : "");
  return b;
}

#define DATA(b) g_bytes_get_data ((b), NULL), g_bytes_get_size ((b))

static void
assert_hex (GBytes *actual, const gchar *expected)
{
  g_autofree gchar *hex = NULL;

  ck_assert_msg (actual != NULL, "no bytes");
  hex = der_to_hex (g_bytes_get_data (actual, NULL), g_bytes_get_size (actual));
  ck_assert_str_eq (hex, expected);
}

static void
assert_error (const GError *error, gint code, const gchar *fragment)
{
  ck_assert_msg (error != NULL, "expected an error containing \"%s\"", fragment);
  ck_assert_msg (error->domain == EUICCD_ERROR && error->code == code, "error code %d, expected %d: %s", error->code,
                 code, error->message);
  ck_assert_msg (strstr (error->message, fragment) != NULL, "\"%s\" does not contain \"%s\"", error->message,
                 fragment);
}

static void
fill_eid (guint8 eid[16])
{
  g_autoptr(GBytes) b = from_hex (EID_HEX);

  memcpy (eid, g_bytes_get_data (b, NULL), 16);
}

/* ---- fixtures: eUICC and eIM structures built from the ASN.1 ------------------------------------------- */

static const gchar *
metadata (const gchar *seq, const gchar *operation_bits)
{
  return tlv ("BF2F", cat (tlv ("80", seq), tlv ("81", operation_bits), tlv ("0C", utf8 ("smdp.example.com")), NULL));
}

static const gchar *
pir_hex (void)
{
  return tlv ("BF37", cat (tlv ("BF27", cat (tlv ("80", SM_TXID_HEX), metadata ("03", "0780"), "06032B0601",
                                             tlv ("A2", tlv ("A0", "4F05A000000559" "0400")), NULL)),
                           tlv ("5F37", sig64 ()), NULL));
}

static const gchar *
compact_other_hex (void)
{
  return tlv ("A1", cat (tlv ("5A", EID_HEX), metadata ("0100", "0520"), tlv ("5F37", sig64 ()), NULL));
}

/* test-vectors.md section C: EuiccPackageRequest psmoList{enable(iccid, rollbackFlag), listProfileInfo} */
static const gchar *
psmo_request_hex (void)
{
  return cat ("BF517F303A800465696D315A108904903212345123451234567890123581010182080102030405060708A013A30E5A0A98001032"
              "5476981032850500BF2D005F3740", sig64 (), NULL);
}

/* ... and ecoList{addEim(eim2...), listEim} */
static const gchar *
eco_request_hex (void)
{
  return cat ("BF5181883043800465696D315A1089049032123451234512345678901235810102A126A822800465696D32811065696D322E6578"
              "616D706C652E636F6D82010283010187020780AB005F3740", sig64 (), NULL);
}

static const gchar *
package_result_signed_hex (void)
{
  return cat ("BF5167A0653020800465696D31810101820801020304050607088301073008830100BF2D02A0005F3740", sig64 (), NULL);
}

/* ---- ASN.1 binding: requests, section B ---------------------------------------------------------------- */

START_TEST (test_get_eim_package_request)
{
  EsipaGetEimPackageRequest request = { 0 };
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) full = NULL;

  fill_eid (request.eid);
  plain = esipa_asn1_encode_get_eim_package_request (&request, NULL);
  assert_hex (plain, "BF4F125A10" EID_HEX);

  request.notify_state_change = TRUE;
  request.has_state_change_cause = TRUE;
  request.state_change_cause = ESIPA_STATE_CHANGE_OTHER_EIM;
  request.has_rplmn = TRUE;
  memcpy (request.rplmn, "\x62\xF2\x10", 3);
  full = esipa_asn1_encode_get_eim_package_request (&request, NULL);
  /* v1.2: stateChangeCause [1], rPLMN [2] (v1.0 had rPLMN at [1], section D) */
  assert_hex (full, "BF4F1C5A10" EID_HEX "8000810100820362F210");
}
END_TEST

START_TEST (test_provide_eim_package_result_vectors)
{
  guint8 eid[16];
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GBytes) with_data = NULL;
  g_autoptr(GBytes) unknown = NULL;
  g_autoptr(GBytes) download = NULL;
  g_autoptr(GBytes) with_download = NULL;
  g_autoptr(GBytes) notification = NULL;
  g_autoptr(GBytes) txid = from_hex (TXID_HEX);
  EsipaIpaEuiccData items = { .default_smdp_address = "smdp.example.com", .root_smds_address = "lpa.ds.gsma.com" };
  EsipaEimPackageResult result = { .eid = eid, .kind = ESIPA_RESULT_IPA_EUICC_DATA_RESPONSE };
  EsipaNotification handle = { .kind = ESIPA_NOTIFICATION_PACKAGE_RESULT, .package_result = &result };

  fill_eid (eid);
  data = esipa_asn1_encode_ipa_euicc_data_response (&items, &error);
  ck_assert_msg (data != NULL, "%s", error != NULL ? error->message : "");
  result.ipa_euicc_data_response = data;
  with_data = esipa_asn1_encode_provide_eim_package_result (&result, &error);
  assert_hex (with_data, "BF503A5A10" EID_HEX "BF5225A0238110736D64702E6578616D706C652E636F6D830F6C70612E64732E67736D"
                         "612E636F6D");

  result.kind = ESIPA_RESULT_ERROR;
  result.error_code = ESIPA_PACKAGE_RESULT_ERROR_UNKNOWN_PACKAGE;
  unknown = esipa_asn1_encode_provide_eim_package_result (&result, &error);
  assert_hex (unknown, "BF50175A10" EID_HEX "A003020102");

  download = esipa_asn1_encode_profile_download_error (txid, ESIPA_PROFILE_DOWNLOAD_ERROR_UNDEFINED, NULL, &error);
  assert_hex (download, "BF540F82080102030405060708300380017F");
  result.kind = ESIPA_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT;
  result.profile_download_trigger_result = download;
  with_download = esipa_asn1_encode_provide_eim_package_result (&result, &error);
  assert_hex (with_download, "BF50245A10" EID_HEX "BF540F82080102030405060708300380017F");
  notification = esipa_asn1_encode_handle_notification (&handle, &error);
  assert_hex (notification, "BF3D27BF50245A10" EID_HEX "BF540F82080102030405060708300380017F");
}
END_TEST

START_TEST (test_provide_eim_package_result_variants)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) epr = from_hex (package_result_signed_hex ());
  g_autoptr(GBytes) pir = from_hex (pir_hex ());
  g_autoptr(GBytes) compact = from_hex (compact_other_hex ());
  g_autoptr(GBytes) txid = from_hex (TXID_HEX);
  g_autoptr(GPtrArray) notifications = g_ptr_array_new ();
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) with_notifications = NULL;
  g_autoptr(GBytes) error_with_id = NULL;
  g_autoptr(GBytes) choice = NULL;
  EsipaEimPackageResult result = { .kind = ESIPA_RESULT_EUICC_PACKAGE_RESULT, .euicc_package_result = epr };

  plain = esipa_asn1_encode_provide_eim_package_result (&result, &error);
  ck_assert_msg (plain != NULL, "%s", error != NULL ? error->message : "");
  /* No eidValue: the optional EID is left out, the BF51 goes in unchanged. */
  assert_hex (plain, tlv ("BF50", package_result_signed_hex ()));

  g_ptr_array_add (notifications, pir);
  g_ptr_array_add (notifications, compact);
  result.kind = ESIPA_RESULT_EPR_AND_NOTIFICATIONS;
  result.notifications = notifications;
  with_notifications = esipa_asn1_encode_provide_eim_package_result (&result, &error);
  /* ePRAndNotifications is an untagged SEQUENCE (30); notificationList is [0] A0 in v1.2 (BF2B in v1.0). */
  assert_hex (with_notifications,
              tlv ("BF50", tlv ("30", cat (package_result_signed_hex (), tlv ("A0", cat (pir_hex (), compact_other_hex (),
                                                                                           NULL)), NULL))));

  result.kind = ESIPA_RESULT_ERROR;
  result.eim_transaction_id = txid;
  result.error_code = ESIPA_PACKAGE_RESULT_ERROR_INVALID_PACKAGE_FORMAT;
  error_with_id = esipa_asn1_encode_provide_eim_package_result (&result, &error);
  assert_hex (error_with_id, "BF500FA00D80080102030405060708020101");
  choice = esipa_asn1_encode_eim_package_result_choice (&result, &error);
  assert_hex (choice, "A00D80080102030405060708020101");
}
END_TEST

START_TEST (test_encoders_refuse_bad_input)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) long_id = from_hex ("0102030405060708090A0B0C0D0E0F1011");
  g_autoptr(GBytes) wrong_tag = from_hex ("BF5205A10302017F");
  g_autoptr(GBytes) truncated = from_hex ("BF5112A210800465696D31");
  g_autoptr(GBytes) package_result = from_hex ("BF5112A210800465696D3182080102030405060708");
  g_autoptr(GBytes) list_v10 = from_hex ("BF2B02A000");
  g_autoptr(GPtrArray) notifications = g_ptr_array_new ();
  g_autoptr(GBytes) out = NULL;
  EsipaEimPackageResult result = { .kind = ESIPA_RESULT_ERROR, .eim_transaction_id = long_id, .error_code = 1 };
  EsipaNotification notification = { .kind = ESIPA_NOTIFICATION_PENDING, .pending_notification = package_result };
  EsipaSessionRequest cancel = { .transaction_id = long_id, .card_response = wrong_tag };

  out = esipa_asn1_encode_provide_eim_package_result (&result, &error);
  ck_assert_ptr_null (out);
  assert_error (error, EUICCD_ERROR_INVALID_ARGS, "eimTransactionId: 17 byte(s), expected 1 to 16");
  g_clear_error (&error);

  result.kind = ESIPA_RESULT_EUICC_PACKAGE_RESULT;
  result.euicc_package_result = wrong_tag;
  out = esipa_asn1_encode_provide_eim_package_result (&result, &error);
  ck_assert_ptr_null (out);
  assert_error (error, EUICCD_ERROR_INVALID_ARGS, "euiccPackageResult has tag BF52, expected BF51");
  g_clear_error (&error);

  result.euicc_package_result = truncated;
  out = esipa_asn1_encode_provide_eim_package_result (&result, &error);
  ck_assert_ptr_null (out);
  assert_error (error, EUICCD_ERROR_INVALID_ARGS, "euiccPackageResult");
  g_clear_error (&error);

  /* v1.0 put a whole RetrieveNotificationsListResponse (BF2B) in notificationList; v1.2 wants the notifications. */
  g_ptr_array_add (notifications, list_v10);
  result.kind = ESIPA_RESULT_EPR_AND_NOTIFICATIONS;
  result.euicc_package_result = package_result;
  result.notifications = notifications;
  out = esipa_asn1_encode_provide_eim_package_result (&result, &error);
  ck_assert_ptr_null (out);
  assert_error (error, EUICCD_ERROR_INVALID_ARGS, "has tag BF2B, expected BF37, 30, A0 or A1");
  g_clear_error (&error);

  /* An EuiccPackageResult is not a PendingNotification: it travels as provideEimPackageResult. */
  out = esipa_asn1_encode_handle_notification (&notification, &error);
  ck_assert_ptr_null (out);
  assert_error (error, EUICCD_ERROR_INVALID_ARGS, "pendingNotification has tag BF51");
  g_clear_error (&error);

  out = esipa_asn1_encode_cancel_session_request (&cancel, &error);
  ck_assert_ptr_null (out);
  assert_error (error, EUICCD_ERROR_INVALID_ARGS, "transactionId: 17 byte(s)");
  g_clear_error (&error);
  cancel.transaction_id = from_hex (SM_TXID_HEX);
  out = esipa_asn1_encode_cancel_session_request (&cancel, &error);
  g_bytes_unref (cancel.transaction_id);
  ck_assert_ptr_null (out);
  assert_error (error, EUICCD_ERROR_INVALID_ARGS, "cancelSessionResponse has tag BF52, expected BF41");
}
END_TEST

START_TEST (test_handle_notification_pending)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pir = from_hex (pir_hex ());
  g_autoptr(GBytes) compact = from_hex (compact_other_hex ());
  g_autoptr(GBytes) a = NULL;
  g_autoptr(GBytes) b = NULL;
  EsipaNotification notification = { .kind = ESIPA_NOTIFICATION_PENDING, .pending_notification = pir };

  /* pendingNotification [0] tags a CHOICE, so it is explicit: A0 around the card's own TLV. */
  a = esipa_asn1_encode_handle_notification (&notification, &error);
  assert_hex (a, tlv ("BF3D", tlv ("A0", pir_hex ())));
  notification.pending_notification = compact;
  b = esipa_asn1_encode_handle_notification (&notification, &error);
  assert_hex (b, tlv ("BF3D", tlv ("A0", compact_other_hex ())));
}
END_TEST

/* minimizeEsipaBytes: an OtherSignedNotification loses its two certificates, keeps its signed metadata and
 * signature byte for byte, gains eidValue first when asked; the other alternatives pass unchanged. */
START_TEST (test_minimize_notifications)
{
  g_autoptr(GError) error = NULL;
  const gchar *signed_part = cat (metadata ("0105", "0640"), tlv ("5F37", sig64 ()), NULL);
  g_autoptr(GBytes) full = from_hex (tlv ("30", cat (signed_part, tlv ("30", "020101"), tlv ("30", "020102"), NULL)));
  g_autoptr(GBytes) pir = from_hex (pir_hex ());
  g_autoptr(GBytes) compact = from_hex (compact_other_hex ());
  g_autoptr(GBytes) broken = from_hex (tlv ("30", cat (tlv ("5F37", sig64 ()), metadata ("01", "0640"), NULL)));
  g_autoptr(GBytes) with_eid = NULL;
  g_autoptr(GBytes) without_eid = NULL;
  g_autoptr(GBytes) same_pir = NULL;
  g_autoptr(GBytes) same_compact = NULL;
  g_autoptr(GBytes) refused = NULL;
  guint8 eid[16];

  fill_eid (eid);
  with_eid = esipa_minimize_pending_notification (full, eid, &error);
  ck_assert_ptr_null (error);
  assert_hex (with_eid, tlv ("A1", cat (tlv ("5A", EID_HEX), signed_part, NULL)));
  without_eid = esipa_minimize_pending_notification (full, NULL, &error);
  assert_hex (without_eid, tlv ("A1", signed_part));

  same_pir = esipa_minimize_pending_notification (pir, eid, &error);
  ck_assert_msg (g_bytes_equal (same_pir, pir), "a ProfileInstallationResult changed");
  same_compact = esipa_minimize_pending_notification (compact, NULL, &error);
  ck_assert_msg (g_bytes_equal (same_compact, compact), "a compact notification changed");

  refused = esipa_minimize_pending_notification (broken, eid, &error);
  ck_assert_ptr_null (refused);
  assert_error (error, EUICCD_ERROR_INVALID_DATA, "expected tbsOtherNotification (BF2F)");
}
END_TEST

START_TEST (test_ipa_euicc_data_full)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pir = from_hex (pir_hex ());
  g_autoptr(GBytes) epr = from_hex ("BF5112A210800465696D3182080102030405060708");
  g_autoptr(GBytes) info1 = from_hex ("BF2003820102");
  g_autoptr(GBytes) info2 = from_hex ("BF2203810101");
  g_autoptr(GBytes) eum = from_hex ("3003020101");
  g_autoptr(GBytes) euicc = from_hex ("3003020102");
  g_autoptr(GBytes) txid = from_hex (TXID_HEX);
  g_autoptr(GPtrArray) notifications = g_ptr_array_new ();
  g_autoptr(GPtrArray) results = g_ptr_array_new ();
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) failure = NULL;
  EsipaDeviceInfo device = { .tac = { 0x35, 0x29, 0x06, 0x11 }, .has_imei = TRUE,
                             .imei = { 1, 2, 3, 4, 5, 6, 7, 8 } };
  EsipaIpaEuiccData data = { 0 };

  device.releases_present = (1u << ESIPA_DEVCAP_GSM) | (1u << ESIPA_DEVCAP_EUTRAN_5GC);
  device.releases[ESIPA_DEVCAP_GSM] = (RspVersion) { 8, 0, 0 };
  device.releases[ESIPA_DEVCAP_EUTRAN_5GC] = (RspVersion) { 16, 1, 0 };
  g_ptr_array_add (notifications, pir);
  g_ptr_array_add (results, epr);
  data.notifications = notifications;
  data.default_smdp_address = "a";
  data.euicc_package_results = results;
  data.euicc_info1 = info1;
  data.euicc_info2 = info2;
  data.root_smds_address = "b";
  data.has_association_token = TRUE;
  data.association_token = 128;
  data.eum_certificate = eum;
  data.euicc_certificate = euicc;
  data.eim_transaction_id = txid;
  data.has_ipa_capabilities = TRUE;
  data.ipa_features = ESIPA_IPA_FEATURE_DIRECT_RSP_SERVER | ESIPA_IPA_FEATURE_MINIMIZE_ESIPA_BYTES;
  data.has_ipa_supported_protocols = TRUE;
  data.ipa_supported_protocols = ESIPA_IPA_PROTOCOL_RETRIEVE_HTTPS;
  data.device_info = &device;
  out = esipa_asn1_encode_ipa_euicc_data_response (&data, &error);
  ck_assert_msg (out != NULL, "%s", error != NULL ? error->message : "");
  /* SEQUENCE order (A0 81 A2 BF20 BF22 83 84 A5 A6 87 A8 A9); certificates lose 30 for A5/A6; ipaFeatures
   * bits 0 and 5 = 03 02 02 84; DeviceCapabilities gsm [0], eutran5gc [10]. */
  assert_hex (out, tlv ("BF52", tlv ("A0", cat (tlv ("A0", pir_hex ()), "810161",
                                                "A215BF5112A210800465696D3182080102030405060708",
                                                "BF2003820102", "BF2203810101", "830162", "84020080", "A503020101",
                                                "A603020102", "87080102030405060708",
                                                "A808" "80020284" "81020780",
                                                "A91C800435290611A10A8003080000" "8A03100100" "82080102030405060708",
                                                NULL))));

  failure = esipa_asn1_encode_ipa_euicc_data_error (txid, ESIPA_IPA_EUICC_DATA_ERROR_INCORRECT_TAG_LIST, &error);
  assert_hex (failure, "BF520FA10D80080102030405060708020101");
}
END_TEST

START_TEST (test_download_requests)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) info1 = from_hex ("BF20358203020300A9160414F54172BDF98A95D65CBEB88A38A1C11D800A85C3AA160414F54172BD"
                                      "F98A95D65CBEB88A38A1C11D800A85C3");
  g_autoptr(GBytes) sm_txid = from_hex (SM_TXID_HEX);
  g_autoptr(GBytes) card_cancel = from_hex ("BF4103810105");
  g_autoptr(GBytes) auth = from_hex ("BF3805A103020102");
  g_autoptr(GBytes) prepare = from_hex ("BF2105A103020105");
  g_autoptr(GBytes) initiate_body = NULL;
  g_autoptr(GBytes) cancel_body = NULL;
  g_autoptr(GBytes) auth_body = NULL;
  g_autoptr(GBytes) bpp_body = NULL;
  EsipaInitiateAuthenticationRequest initiate = { .smdp_address = "smdp.example.com", .euicc_info1 = info1 };
  EsipaSessionRequest cancel = { .transaction_id = sm_txid, .card_response = card_cancel };
  EsipaSessionRequest authenticate = { .transaction_id = sm_txid, .card_response = auth };
  EsipaSessionRequest bpp = { .transaction_id = sm_txid, .card_response = prepare };

  for (guint i = 0; i < 16; i++)
    initiate.euicc_challenge[i] = (guint8) (0x11 * i);
  initiate_body = esipa_asn1_encode_initiate_authentication_request (&initiate, &error);
  assert_hex (initiate_body, "BF395C811000112233445566778899AABBCCDDEEFF8310736D64702E6578616D706C652E636F6DBF2035820302"
                             "0300A9160414F54172BDF98A95D65CBEB88A38A1C11D800A85C3AA160414F54172BDF98A95D65CBEB88A38A1"
                             "C11D800A85C3");
  /* The card's BF41 is replaced by [1] A1 around the same CHOICE value (section B note). */
  cancel_body = esipa_asn1_encode_cancel_session_request (&cancel, &error);
  assert_hex (cancel_body, "BF411780100102030405060708090A0B0C0D0E0F10A103810105");
  /* BF38 and BF21 keep the card's own tag. */
  auth_body = esipa_asn1_encode_authenticate_client_request (&authenticate, &error);
  assert_hex (auth_body, "BF3B1A80100102030405060708090A0B0C0D0E0F10BF3805A103020102");
  bpp_body = esipa_asn1_encode_get_bound_profile_package_request (&bpp, &error);
  assert_hex (bpp_body, "BF3A1A80100102030405060708090A0B0C0D0E0F10BF2105A103020105");
}
END_TEST

/* ---- ASN.1 binding: responses -------------------------------------------------------------------------- */

static EsipaEimPackage *
decode_package (const gchar *hex, EsipaUnusablePackage **ret_unusable, GError **error)
{
  g_autoptr(GBytes) b = from_hex (hex);

  return esipa_asn1_decode_get_eim_package_response (DATA (b), ret_unusable, error);
}

START_TEST (test_decode_eim_package_errors)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EsipaEimPackage) none = decode_package ("BF4F03020101", NULL, &error);
  g_autoptr(EsipaEimPackage) undefined = decode_package ("BF4F0302017F", NULL, &error);

  ck_assert_ptr_nonnull (none);
  ck_assert_int_eq (none->kind, ESIPA_EIM_PACKAGE_ERROR);
  ck_assert_int_eq (none->error_code, ESIPA_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE);
  ck_assert_ptr_null (none->raw);
  ck_assert_str_eq (esipa_eim_package_error_to_string (none->error_code), "noEimPackageAvailable");
  ck_assert_ptr_nonnull (undefined);
  ck_assert_int_eq (undefined->error_code, 127);
}
END_TEST

START_TEST (test_decode_profile_download_trigger)
{
  g_autoptr(GError) error = NULL;
  static const gchar inner[] = "BF542EA02280203124736D64702E6578616D706C652E636F6D244D41544348494E472D49442D3182080102030405060708";
  g_autoptr(EsipaEimPackage) package = decode_package (cat ("BF4F31", inner, NULL), NULL, &error);

  ck_assert_msg (package != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_int_eq (package->kind, ESIPA_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER);
  assert_hex (package->raw, inner);
  ck_assert_int_eq (package->download_trigger->kind, ESIPA_DOWNLOAD_DATA_ACTIVATION_CODE);
  ck_assert_str_eq (package->download_trigger->activation_code, "1$smdp.example.com$MATCHING-ID-1");
  assert_hex (package->download_trigger->eim_transaction_id, TXID_HEX);
}
END_TEST

START_TEST (test_decode_download_trigger_variants)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) smds = from_hex (tlv ("BF54", tlv ("A0", tlv ("A2", tlv ("80", utf8 ("lpa.ds.gsma.com"))))));
  g_autoptr(GBytes) smds_empty = from_hex ("BF5404A002A200");
  g_autoptr(GBytes) default_smdp = from_hex ("BF5404A0028100");
  g_autoptr(GBytes) empty = from_hex ("BF5400");
  g_autoptr(EsipaProfileDownloadTrigger) a = esipa_asn1_decode_profile_download_trigger (DATA (smds), &error);
  g_autoptr(EsipaProfileDownloadTrigger) b = esipa_asn1_decode_profile_download_trigger (DATA (smds_empty), &error);
  g_autoptr(EsipaProfileDownloadTrigger) c = esipa_asn1_decode_profile_download_trigger (DATA (default_smdp), &error);
  g_autoptr(EsipaProfileDownloadTrigger) d = esipa_asn1_decode_profile_download_trigger (DATA (empty), &error);

  ck_assert_msg (a != NULL && b != NULL && c != NULL && d != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_int_eq (a->kind, ESIPA_DOWNLOAD_DATA_CONTACT_SMDS);
  ck_assert_str_eq (a->smds_address, "lpa.ds.gsma.com");
  ck_assert_int_eq (b->kind, ESIPA_DOWNLOAD_DATA_CONTACT_SMDS);
  ck_assert_ptr_null (b->smds_address);
  ck_assert_int_eq (c->kind, ESIPA_DOWNLOAD_DATA_CONTACT_DEFAULT_SMDP);
  ck_assert_int_eq (d->kind, ESIPA_DOWNLOAD_DATA_NONE);
  ck_assert_ptr_null (d->eim_transaction_id);
}
END_TEST

START_TEST (test_decode_ipa_euicc_data_request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EsipaEimPackage) package = decode_package ("BF4F12BF520F5C0D81BF20BF228384A5A6A8A9A0A2", NULL, &error);
  g_autoptr(GBytes) with_search = from_hex ("BF521E5C0D81BF20BF228384A5A6A8A9A0A2A10380010383080102030405060708");
  g_autoptr(GBytes) extended = from_hex (tlv ("BF52", cat ("5C0181", "0414F54172BDF98A95D65CBEB88A38A1C11D800A85C3",
                                                          "A203800107", "9F7F01AA", NULL)));
  g_autoptr(EsipaIpaEuiccDataRequest) request = NULL;
  g_autoptr(EsipaIpaEuiccDataRequest) ext = NULL;
  static const guint32 expected[] = { 0x81, 0xBF20, 0xBF22, 0x83, 0x84, 0xA5, 0xA6, 0xA8, 0xA9, 0xA0, 0xA2 };

  ck_assert_msg (package != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_int_eq (package->kind, ESIPA_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST);
  ck_assert_uint_eq (package->ipa_euicc_data_request->tags->len, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    ck_assert_uint_eq (g_array_index (package->ipa_euicc_data_request->tags, guint32, i), expected[i]);
  ck_assert (esipa_ipa_euicc_data_request_wants (package->ipa_euicc_data_request, 0xBF22));
  /* 80 (v1.0's defaultSmdpAddress) and 88/BF2B (v1.0 tags) are not v1.2 tags and are not asked for here. */
  ck_assert (!esipa_ipa_euicc_data_request_wants (package->ipa_euicc_data_request, 0x80));
  ck_assert (!package->ipa_euicc_data_request->has_notification_search);

  request = esipa_asn1_decode_ipa_euicc_data_request (DATA (with_search), &error);
  ck_assert_msg (request != NULL, "%s", error != NULL ? error->message : "");
  ck_assert (request->has_notification_search);
  ck_assert_int_eq (request->notification_search.kind, RSP_NOTIFICATION_SEARCH_SEQ_NUMBER);
  ck_assert_int_eq (request->notification_search.seq_number, 3);
  assert_hex (request->eim_transaction_id, TXID_HEX);

  /* euiccCiPKIdentifierToBeUsed (04), searchCriteriaEuiccPackageResult and an unknown later field (9F7F). */
  ext = esipa_asn1_decode_ipa_euicc_data_request (DATA (extended), &error);
  ck_assert_msg (ext != NULL, "%s", error != NULL ? error->message : "");
  assert_hex (ext->euicc_ci_pkid, "F54172BDF98A95D65CBEB88A38A1C11D800A85C3");
  ck_assert (ext->has_package_result_search);
  ck_assert_int_eq (ext->package_result_seq_number, 7);
}
END_TEST

START_TEST (test_decode_euicc_package_request)
{
  g_autoptr(GError) error = NULL;
  const gchar *psmo = psmo_request_hex ();
  const gchar *eco = eco_request_hex ();
  g_autoptr(EsipaEimPackage) a = decode_package (tlv ("BF4F", psmo), NULL, &error);
  g_autoptr(EsipaEimPackage) b = decode_package (tlv ("BF4F", eco), NULL, &error);
  EsipaEuiccPackageRequest *request;

  ck_assert_msg (a != NULL && b != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_int_eq (a->kind, ESIPA_EIM_PACKAGE_EUICC_PACKAGE_REQUEST);
  /* The BF51 goes to the eUICC exactly as received. */
  assert_hex (a->raw, psmo);
  request = a->euicc_package;
  ck_assert_str_eq (request->eim_id, "eim1");
  ck_assert_int_eq (request->counter_value, 1);
  assert_hex (request->eim_transaction_id, TXID_HEX);
  ck_assert (!request->is_eco_list);
  ck_assert_uint_eq (request->operations->len, 2);
  ck_assert_uint_eq (g_array_index (request->operations, guint, 0), ESIPA_PSMO_ENABLE);
  ck_assert_uint_eq (g_array_index (request->operations, guint, 1), ESIPA_PSMO_LIST_PROFILE_INFO);
  {
    g_autofree gchar *eid = der_to_hex (request->eid, 16);
    ck_assert_str_eq (eid, EID_HEX);
  }

  request = b->euicc_package;
  ck_assert (request->is_eco_list);
  ck_assert_int_eq (request->counter_value, 2);
  ck_assert_ptr_null (request->eim_transaction_id);
  ck_assert_uint_eq (request->operations->len, 2);
  ck_assert_uint_eq (g_array_index (request->operations, guint, 0), ESIPA_ECO_ADD_EIM);
  ck_assert_uint_eq (g_array_index (request->operations, guint, 1), ESIPA_ECO_LIST_EIM);
}
END_TEST

/* A field that appears twice: the last one is taken, and the first one is freed (this leaked). */
START_TEST (test_decode_euicc_package_request_repeated_eim_id)
{
  g_autoptr(GError) error = NULL;
  const gchar *signed_part = cat (tlv ("80", utf8 ("eimA")), tlv ("80", utf8 ("eim1")), tlv ("5A", EID_HEX),
                                  tlv ("81", "01"), tlv ("A0", tlv ("A3", "")), NULL);
  const gchar *request = tlv ("BF51", cat (tlv ("30", signed_part), tlv ("5F37", sig64 ()), NULL));
  g_autoptr(GBytes) bytes = from_hex (request);
  g_autoptr(EsipaEuiccPackageRequest) decoded = esipa_asn1_decode_euicc_package_request (DATA (bytes), &error);

  ck_assert_msg (decoded != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_str_eq (decoded->eim_id, "eim1");
}
END_TEST

START_TEST (test_decode_provide_result_response)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) empty = from_hex ("BF50023000");
  g_autoptr(GBytes) acks = from_hex ("BF500CBF5309800101800102800103");
  g_autoptr(GBytes) failure = from_hex ("BF5003020103");
  g_autoptr(GBytes) v10 = from_hex ("BF5000");
  g_autoptr(EsipaProvideResultResponse) a = esipa_asn1_decode_provide_eim_package_result_response (DATA (empty), &error);
  g_autoptr(EsipaProvideResultResponse) b = esipa_asn1_decode_provide_eim_package_result_response (DATA (acks), &error);
  g_autoptr(EsipaProvideResultResponse) c = esipa_asn1_decode_provide_eim_package_result_response (DATA (failure),
                                                                                                   &error);
  g_autoptr(EsipaProvideResultResponse) d = NULL;

  ck_assert_msg (a != NULL && b != NULL && c != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_int_eq (a->kind, ESIPA_PROVIDE_RESULT_EMPTY);
  ck_assert_uint_eq (a->seq_numbers->len, 0);
  ck_assert_int_eq (b->kind, ESIPA_PROVIDE_RESULT_ACKNOWLEDGEMENTS);
  ck_assert_uint_eq (b->seq_numbers->len, 3);
  for (guint i = 0; i < 3; i++)
    ck_assert_int_eq (g_array_index (b->seq_numbers, gint64, i), i + 1);
  ck_assert_int_eq (c->kind, ESIPA_PROVIDE_RESULT_ERROR);
  ck_assert_int_eq (c->error_code, ESIPA_PROVIDE_RESULT_ERROR_INVALID_EID);

  /* v1.0 answered an empty SEQUENCE (BF50 00); v1.2's CHOICE needs one alternative. */
  d = esipa_asn1_decode_provide_eim_package_result_response (DATA (v10), &error);
  ck_assert_ptr_null (d);
  assert_error (error, EUICCD_ERROR_INVALID_DATA, "ProvideEimPackageResultResponse: empty");
}
END_TEST

START_TEST (test_decode_download_responses)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ia_error = from_hex ("BF3903810101");
  g_autoptr(GBytes) ac_error = from_hex ("BF3B03820108");
  g_autoptr(GBytes) bpp_error = from_hex ("BF3A0381015F");
  g_autoptr(GBytes) cancel_ok = from_hex ("BF4102A000");
  g_autoptr(GBytes) cancel_error = from_hex ("BF4103810101");
  g_autoptr(EsipaInitiateAuthenticationResponse) ia = esipa_asn1_decode_initiate_authentication_response (DATA (ia_error),
                                                                                                         &error);
  g_autoptr(EsipaAuthenticateClientResponse) ac = esipa_asn1_decode_authenticate_client_response (DATA (ac_error),
                                                                                                 &error);
  g_autoptr(EsipaGetBoundProfilePackageResponse) bpp = esipa_asn1_decode_get_bound_profile_package_response (
    DATA (bpp_error), &error);
  g_autoptr(EsipaCancelSessionResponse) ok = esipa_asn1_decode_cancel_session_response (DATA (cancel_ok), &error);
  g_autoptr(EsipaCancelSessionResponse) ko = esipa_asn1_decode_cancel_session_response (DATA (cancel_error), &error);

  ck_assert_msg (ia != NULL && ac != NULL && bpp != NULL && ok != NULL && ko != NULL, "%s",
                 error != NULL ? error->message : "");
  ck_assert (ia->has_error);
  ck_assert_int_eq (ia->error_code, 1);
  ck_assert_int_eq (ac->kind, ESIPA_AUTHENTICATE_CLIENT_ERROR);
  ck_assert_int_eq (ac->error_code, 8);
  ck_assert (bpp->has_error);
  ck_assert_int_eq (bpp->error_code, 95);
  ck_assert (!ok->has_error);
  ck_assert (ko->has_error);
  ck_assert_int_eq (ko->error_code, 1);
}
END_TEST

START_TEST (test_decode_download_ok)
{
  g_autoptr(GError) error = NULL;
  const gchar *signed1 = tlv ("30", cat (tlv ("80", SM_TXID_HEX), tlv ("81", SM_TXID_HEX), "830161",
                                         tlv ("84", SM_TXID_HEX), NULL));
  const gchar *ctx = tlv ("A0", tlv ("A1", cat ("800435290611", tlv ("A1", "8003080000"), NULL)));
  g_autoptr(GBytes) ia_ok = from_hex (tlv ("BF39", tlv ("A0", cat (tlv ("80", SM_TXID_HEX), signed1,
                                                                   tlv ("5F37", sig64 ()), "0401F5", "3003020101",
                                                                   tlv ("0C", utf8 ("MID")), tlv ("A2", ctx),
                                                                   NULL))));
  g_autoptr(GBytes) ac_ds = from_hex (tlv ("BF3B", tlv ("A1", cat (tlv ("80", SM_TXID_HEX), "BF5404A0028100", NULL))));
  g_autoptr(GBytes) bpp_ok = from_hex (tlv ("BF3A", tlv ("A0", cat (tlv ("80", SM_TXID_HEX), "BF3603BF2300", NULL))));
  g_autoptr(EsipaInitiateAuthenticationResponse) ia = esipa_asn1_decode_initiate_authentication_response (DATA (ia_ok),
                                                                                                         &error);
  g_autoptr(EsipaAuthenticateClientResponse) ac = NULL;
  g_autoptr(EsipaGetBoundProfilePackageResponse) bpp = NULL;

  ck_assert_msg (ia != NULL, "%s", error != NULL ? error->message : "");
  ck_assert (!ia->has_error);
  assert_hex (ia->transaction_id, SM_TXID_HEX);
  assert_hex (ia->server_signed1, signed1);
  assert_hex (ia->server_signature1, sig64 ());
  assert_hex (ia->euicc_ci_pkid_to_be_used, "F5");
  assert_hex (ia->server_certificate, "3003020101");
  ck_assert_str_eq (ia->matching_id, "MID");
  assert_hex (ia->ctx_params1, ctx);

  ac = esipa_asn1_decode_authenticate_client_response (DATA (ac_ds), &error);
  ck_assert_msg (ac != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_int_eq (ac->kind, ESIPA_AUTHENTICATE_CLIENT_OK_DS);
  ck_assert_int_eq (ac->download_trigger->kind, ESIPA_DOWNLOAD_DATA_CONTACT_DEFAULT_SMDP);

  bpp = esipa_asn1_decode_get_bound_profile_package_response (DATA (bpp_ok), &error);
  ck_assert_msg (bpp != NULL, "%s", error != NULL ? error->message : "");
  assert_hex (bpp->bound_profile_package, "BF3603BF2300");
}
END_TEST

/* ---- refusals and salvage ------------------------------------------------------------------------------ */

START_TEST (test_refuse_malformed_packages)
{
  static const struct {
    const gchar *hex;
    gint code;
    const gchar *fragment;
    gint64 answer;
  } cases[] = {
    { "BF4F05020101", EUICCD_ERROR_INVALID_DATA, "GetEimPackageResponse", 1 },             /* truncated */
    { "BF4F00", EUICCD_ERROR_INVALID_DATA, "GetEimPackageResponse: empty", 1 },
    { "BF50023000", EUICCD_ERROR_PROTOCOL, "expected tag BF4F, found tag BF50", 1 },
    { "BF4F03800101", EUICCD_ERROR_NOT_SUPPORTED, "unknown package alternative tag 80", 2 },
    /* Erlang's double tag (section E) is not the single-tag v1.2 form. */
    { "BF4F06BF4F03020101", EUICCD_ERROR_NOT_SUPPORTED, "unknown package alternative tag BF4F", 2 },
    { "BF4F06020101020101", EUICCD_ERROR_INVALID_DATA, "a CHOICE holds one value", 1 },
    { "BF4F04BF520100", EUICCD_ERROR_INVALID_DATA, "", 1 },
    { "BF4F02BF52", EUICCD_ERROR_INVALID_DATA, "", 1 },
    { "BF4F02BF5200", EUICCD_ERROR_INVALID_DATA, "", 1 },
    { "BF4F04BF520100", EUICCD_ERROR_INVALID_DATA, "", 1 },
    { "BF4F05BF52028300", EUICCD_ERROR_INVALID_DATA, "IpaEuiccDataRequest: eimTransactionId (83): 0 byte(s)", 1 },
    { "BF4F05BF5202A000", EUICCD_ERROR_INVALID_DATA, "IpaEuiccDataRequest: mandatory tagList (5C) is missing", 1 },
    { "BF4F06BF52035C01BF", EUICCD_ERROR_INVALID_DATA, "tagList (5C): tag at offset 0 is truncated", 1 },
    { "BF4F08BF5405A003830100", EUICCD_ERROR_NOT_SUPPORTED, "profileDownloadData: unknown alternative tag 83", 2 },
    { "BF4F07BF5404A0028001", EUICCD_ERROR_INVALID_DATA, "", 1 },
    { "BF4F08BF5405A00380 01FF", EUICCD_ERROR_INVALID_DATA, "activationCode (80)", 1 },
    { "BF4F05BF51023000", EUICCD_ERROR_INVALID_DATA, "mandatory eimSignature (5F37) is missing", 1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EsipaUnusablePackage) unusable = NULL;
      g_autoptr(EsipaEimPackage) package = decode_package (cases[i].hex, &unusable, &error);

      ck_assert_msg (package == NULL, "case %zu (%s) decoded", i, cases[i].hex);
      assert_error (error, cases[i].code, cases[i].fragment);
      ck_assert_msg (unusable != NULL, "case %zu: no answer for the eIM", i);
      ck_assert_int_eq (unusable->result_error_code, cases[i].answer);
      ck_assert_int_eq (unusable->result_error_code, esipa_package_result_error_for (error));
    }
}
END_TEST

START_TEST (test_salvage_transaction_id)
{
  /* Each package is broken after its eimTransactionId; the IPA still echoes the id in its error answer. */
  const gchar *broken[] = {
    /* BF51 without its signature, and one cut in the middle of the psmoList */
    tlv ("BF51", tlv ("30", cat ("800465696D31", tlv ("5A", EID_HEX), "810101", tlv ("82", TXID_HEX), "A000", NULL))),
    cat ("BF517F303A800465696D315A108904903212345123451234567890123581010182080102030405060708A013A30E5A", NULL),
    /* BF52 whose tagList is missing, BF54 with an activation code that is not UTF-8 */
    tlv ("BF52", cat ("A1038001", "03", tlv ("83", TXID_HEX), NULL)),
    tlv ("BF54", cat (tlv ("A0", tlv ("80", "C0AF")), tlv ("82", TXID_HEX), NULL)),
  };

  for (gsize i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EsipaUnusablePackage) unusable = NULL;
      g_autoptr(EsipaEimPackage) package = decode_package (tlv ("BF4F", broken[i]), &unusable, &error);
      g_autoptr(GBytes) inner = from_hex (broken[i]);
      g_autoptr(GBytes) direct = esipa_eim_package_salvage_transaction_id (DATA (inner));

      ck_assert_msg (package == NULL, "case %zu decoded", i);
      ck_assert_ptr_nonnull (unusable);
      ck_assert_int_eq (unusable->result_error_code, ESIPA_PACKAGE_RESULT_ERROR_INVALID_PACKAGE_FORMAT);
      ck_assert_msg (unusable->eim_transaction_id != NULL, "case %zu: %s", i, error->message);
      assert_hex (unusable->eim_transaction_id, TXID_HEX);
      assert_hex (direct, TXID_HEX);
    }

  /* Nothing to salvage: no id, a truncated id, garbage. */
  {
    g_autoptr(GBytes) a = from_hex ("BF4F03020101");
    g_autoptr(GBytes) b = from_hex ("BF540A820801020304");
    g_autoptr(GBytes) c = from_hex ("FFFFFFFF");

    ck_assert_ptr_null (esipa_eim_package_salvage_transaction_id (DATA (a)));
    ck_assert_ptr_null (esipa_eim_package_salvage_transaction_id (DATA (b)));
    ck_assert_ptr_null (esipa_eim_package_salvage_transaction_id (DATA (c)));
    ck_assert_ptr_null (esipa_eim_package_salvage_transaction_id (NULL, 0));
  }
}
END_TEST

/* Every prefix and every single-byte corruption of every response vector goes through every decoder: they may
 * refuse, they must not crash or read outside the buffer (valgrind/ASan builds check the latter). */
START_TEST (test_hostile_input)
{
  const gchar *vectors[] = {
    "BF4F03020101",
    "BF4F31BF542EA02280203124736D64702E6578616D706C652E636F6D244D41544348494E472D49442D3182080102030405060708",
    "BF4F12BF520F5C0D81BF20BF228384A5A6A8A9A0A2",
    "BF521E5C0D81BF20BF228384A5A6A8A9A0A2A10380010383080102030405060708",
    tlv ("BF4F", psmo_request_hex ()),
    tlv ("BF4F", eco_request_hex ()),
    "BF50023000", "BF500CBF5309800101800102800103", "BF3903810101", "BF3B03820108", "BF3A0381015F", "BF4102A000",
  };
  guint decoded = 0;

  for (gsize v = 0; v < G_N_ELEMENTS (vectors); v++)
    {
      g_autoptr(GBytes) b = from_hex (vectors[v]);
      gsize length = g_bytes_get_size (b);
      g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (b, NULL), length);

      for (gsize cut = 0; cut <= length * 2; cut++)
        {
          gsize n = cut <= length ? cut : length;
          guint8 saved = 0;
          g_autofree guint8 *exact = NULL;

          if (cut > length)
            {
              saved = copy[cut - length - 1];
              copy[cut - length - 1] ^= 0x5A;
            }
          /* An exact-size heap copy, so a read past the end is caught by valgrind. */
          exact = g_memdup2 (copy, n);
          {
            EsipaUnusablePackage *unusable = NULL;
            EsipaEimPackage *p = esipa_asn1_decode_get_eim_package_response (exact, n, &unusable, NULL);
            EsipaProvideResultResponse *r = esipa_asn1_decode_provide_eim_package_result_response (exact, n, NULL);
            EsipaInitiateAuthenticationResponse *ia = esipa_asn1_decode_initiate_authentication_response (exact, n,
                                                                                                         NULL);
            EsipaAuthenticateClientResponse *ac = esipa_asn1_decode_authenticate_client_response (exact, n, NULL);
            EsipaGetBoundProfilePackageResponse *bpp = esipa_asn1_decode_get_bound_profile_package_response (exact, n,
                                                                                                            NULL);
            EsipaCancelSessionResponse *cs = esipa_asn1_decode_cancel_session_response (exact, n, NULL);
            EsipaIpaEuiccDataRequest *ir = esipa_asn1_decode_ipa_euicc_data_request (exact, n, NULL);
            GBytes *id = esipa_eim_package_salvage_transaction_id (exact, n);

            ck_assert ((p == NULL) == (unusable != NULL));
            decoded += (p != NULL) + (r != NULL) + (ia != NULL) + (ac != NULL) + (bpp != NULL) + (cs != NULL) +
                       (ir != NULL);
            esipa_eim_package_free (p);
            esipa_unusable_package_free (unusable);
            esipa_provide_result_response_free (r);
            esipa_initiate_authentication_response_free (ia);
            esipa_authenticate_client_response_free (ac);
            esipa_get_bound_profile_package_response_free (bpp);
            esipa_cancel_session_response_free (cs);
            esipa_ipa_euicc_data_request_free (ir);
            if (id != NULL)
              g_bytes_unref (id);
          }
          if (cut > length)
            copy[cut - length - 1] = saved;
        }
    }
  /* The unmodified full-length vectors at least decoded. */
  ck_assert_uint_ge (decoded, G_N_ELEMENTS (vectors));
}
END_TEST

/* ---- JSON binding -------------------------------------------------------------------------------------- */

static cJSON *
parse_json (const gchar *text)
{
  cJSON *root;

  ck_assert_ptr_nonnull (text);
  root = cJSON_Parse (text);
  ck_assert_msg (root != NULL && cJSON_IsObject (root), "not a JSON object: %s", text);
  return root;
}

static const gchar *
json_string (const cJSON *root, const gchar *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (root, key);

  ck_assert_msg (cJSON_IsString (item), "\"%s\" is not a string", key);
  return item->valuestring;
}

/* base64 member -> hex, through GLib's decoder (independent of the one under test) */
static gchar *
json_base64_hex (const cJSON *root, const gchar *key)
{
  gsize length;
  g_autofree guint8 *data = g_base64_decode (json_string (root, key), &length);

  return der_to_hex (data, length);
}

START_TEST (test_json_requests)
{
  g_autoptr(GError) error = NULL;
  EsipaGetEimPackageRequest request = { 0 };
  g_autofree gchar *plain = NULL;
  g_autofree gchar *full = NULL;
  g_autoptr(cJSON) a = NULL;
  g_autoptr(cJSON) b = NULL;

  fill_eid (request.eid);
  plain = esipa_json_encode_get_eim_package_request (&request, &error);
  a = parse_json (plain);
  ck_assert_str_eq (json_string (a, "eidValue"), EID_HEX);
  ck_assert_int_eq (cJSON_GetArraySize (a), 1);

  request.notify_state_change = TRUE;
  request.has_state_change_cause = TRUE;
  request.state_change_cause = ESIPA_STATE_CHANGE_FALLBACK;
  request.has_rplmn = TRUE;
  memcpy (request.rplmn, "\x62\xF2\x10", 3);
  full = esipa_json_encode_get_eim_package_request (&request, &error);
  b = parse_json (full);
  ck_assert (cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (b, "notifyStateChange")));
  ck_assert_int_eq ((gint) cJSON_GetNumberValue (cJSON_GetObjectItemCaseSensitive (b, "stateChangeCause")), 1);
  ck_assert_str_eq (json_string (b, "rPlmn"), "YvIQ");
  ck_assert_ptr_null (cJSON_GetObjectItemCaseSensitive (b, "rPLMN"));
}
END_TEST

START_TEST (test_json_provide_and_notify)
{
  g_autoptr(GError) error = NULL;
  guint8 eid[16];
  g_autoptr(GBytes) epr = from_hex ("BF5112A210800465696D3182080102030405060708");
  g_autoptr(GBytes) pir = from_hex (pir_hex ());
  EsipaEimPackageResult result = { .eid = eid, .kind = ESIPA_RESULT_ERROR, .error_code = 2 };
  EsipaNotification pending = { .kind = ESIPA_NOTIFICATION_PENDING, .pending_notification = pir };
  EsipaNotification packaged = { .kind = ESIPA_NOTIFICATION_PACKAGE_RESULT, .package_result = &result };
  g_autofree gchar *error_text = NULL;
  g_autofree gchar *epr_text = NULL;
  g_autofree gchar *pending_text = NULL;
  g_autofree gchar *packaged_text = NULL;
  g_autoptr(cJSON) a = NULL;
  g_autoptr(cJSON) b = NULL;
  g_autoptr(cJSON) c = NULL;
  g_autoptr(cJSON) d = NULL;
  g_autofree gchar *a_hex = NULL;
  g_autofree gchar *b_hex = NULL;
  g_autofree gchar *c_hex = NULL;
  g_autofree gchar *d_hex = NULL;

  fill_eid (eid);
  error_text = esipa_json_encode_provide_eim_package_result (&result, &error);
  a = parse_json (error_text);
  ck_assert_str_eq (json_string (a, "eidValue"), EID_HEX);
  a_hex = json_base64_hex (a, "eimPackageResult");
  ck_assert_str_eq (a_hex, "A003020102");

  result.eid = NULL;
  result.kind = ESIPA_RESULT_EUICC_PACKAGE_RESULT;
  result.euicc_package_result = epr;
  epr_text = esipa_json_encode_provide_eim_package_result (&result, &error);
  b = parse_json (epr_text);
  ck_assert_ptr_null (cJSON_GetObjectItemCaseSensitive (b, "eidValue"));
  b_hex = json_base64_hex (b, "eimPackageResult");
  ck_assert_str_eq (b_hex, "BF5112A210800465696D3182080102030405060708");

  pending_text = esipa_json_encode_handle_notification (&pending, &error);
  c = parse_json (pending_text);
  c_hex = json_base64_hex (c, "pendingNotification");
  ck_assert_str_eq (c_hex, pir_hex ());
  ck_assert_int_eq (cJSON_GetArraySize (c), 1);

  packaged_text = esipa_json_encode_handle_notification (&packaged, &error);
  d = parse_json (packaged_text);
  d_hex = json_base64_hex (d, "provideEimPackageResult");
  ck_assert_str_eq (d_hex, "BF5015BF5112A210800465696D3182080102030405060708");
}
END_TEST

START_TEST (test_json_session_requests)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sm_txid = from_hex (SM_TXID_HEX);
  g_autoptr(GBytes) txid = from_hex (TXID_HEX);
  g_autoptr(GBytes) info1 = from_hex ("BF2003820102");
  g_autoptr(GBytes) card_cancel = from_hex ("BF4103810105");
  g_autoptr(GBytes) auth = from_hex ("BF3805A103020102");
  EsipaInitiateAuthenticationRequest initiate = { .smdp_address = "smdp.example.com", .euicc_info1 = info1,
                                                  .eim_transaction_id = txid };
  EsipaSessionRequest cancel = { .transaction_id = sm_txid, .card_response = card_cancel };
  EsipaSessionRequest authenticate = { .transaction_id = sm_txid, .card_response = auth };
  g_autofree gchar *ia_text = NULL;
  g_autofree gchar *cs_text = NULL;
  g_autofree gchar *ac_text = NULL;
  g_autofree gchar *bad = NULL;
  g_autoptr(cJSON) ia = NULL;
  g_autoptr(cJSON) cs = NULL;
  g_autoptr(cJSON) ac = NULL;
  g_autofree gchar *challenge = NULL;
  g_autofree gchar *info1_hex = NULL;
  g_autofree gchar *cancel_hex = NULL;
  g_autofree gchar *auth_hex = NULL;

  memset (initiate.euicc_challenge, 0xAB, 16);
  ia_text = esipa_json_encode_initiate_authentication_request (&initiate, &error);
  ia = parse_json (ia_text);
  challenge = json_base64_hex (ia, "euiccChallenge");
  ck_assert_str_eq (challenge, "ABABABABABABABABABABABABABABABAB");
  info1_hex = json_base64_hex (ia, "euiccInfo1");
  ck_assert_str_eq (info1_hex, "BF2003820102");
  ck_assert_str_eq (json_string (ia, "smdpAddress"), "smdp.example.com");
  ck_assert_str_eq (json_string (ia, "eimTransactionId"), TXID_HEX);

  cs_text = esipa_json_encode_cancel_session_request (&cancel, &error);
  cs = parse_json (cs_text);
  ck_assert_str_eq (json_string (cs, "transactionId"), SM_TXID_HEX);
  cancel_hex = json_base64_hex (cs, "cancelSessionResponse");
  ck_assert_str_eq (cancel_hex, "BF4103810105");

  ac_text = esipa_json_encode_authenticate_client_request (&authenticate, &error);
  ac = parse_json (ac_text);
  auth_hex = json_base64_hex (ac, "authenticateServerResponse");
  ck_assert_str_eq (auth_hex, "BF3805A103020102");

  authenticate.card_response = card_cancel;
  bad = esipa_json_encode_get_bound_profile_package_request (&authenticate, &error);
  ck_assert_ptr_null (bad);
  assert_error (error, EUICCD_ERROR_INVALID_ARGS, "\"prepareDownloadResponse\" has tag BF41, expected BF21");
}
END_TEST

#define OK_HEADER "\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}"

static gchar *
failed_header (const gchar *subject, const gchar *reason)
{
  return g_strdup_printf ("{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":"
                          "{\"subjectCode\":\"%s\",\"reasonCode\":\"%s\",\"message\":\"nope\"}}}}", subject, reason);
}

static gchar *
json_with_blob (const gchar *key, const gchar *hex)
{
  g_autoptr(GBytes) b = from_hex (hex);
  g_autofree gchar *b64 = g_base64_encode (DATA (b));

  return g_strdup_printf ("{" OK_HEADER ",\"%s\":\"%s\"}", key, b64);
}

static EsipaEimPackage *
json_package (const gchar *body, EsipaUnusablePackage **ret_unusable, GError **error)
{
  return esipa_json_decode_get_eim_package_response (body, strlen (body), ret_unusable, error);
}

START_TEST (test_json_get_eim_package_response)
{
  static const gchar trigger[] = "BF542EA02280203124736D64702E6578616D706C652E636F6D244D41544348494E472D49442D3182080102030405060708";
  g_autoptr(GError) error = NULL;
  g_autofree gchar *body = json_with_blob ("profileDownloadTriggerRequest", trigger);
  g_autofree gchar *data_body = json_with_blob ("ipaEuiccDataRequest", "BF520F5C0D81BF20BF228384A5A6A8A9A0A2");
  g_autofree gchar *psmo_body = json_with_blob ("euiccPackageRequest", psmo_request_hex ());
  g_autoptr(EsipaEimPackage) json = json_package (body, NULL, &error);
  g_autoptr(EsipaEimPackage) asn1 = decode_package (tlv ("BF4F", trigger), NULL, &error);
  g_autoptr(EsipaEimPackage) data = json_package (data_body, NULL, &error);
  g_autoptr(EsipaEimPackage) psmo = json_package (psmo_body, NULL, &error);
  g_autoptr(EsipaEimPackage) number = json_package ("{" OK_HEADER ",\"eimPackageError\":1}", NULL, &error);

  ck_assert_msg (json != NULL && asn1 != NULL && data != NULL && psmo != NULL && number != NULL, "%s",
                 error != NULL ? error->message : "");
  /* Same struct from both bindings. */
  ck_assert_int_eq (json->kind, asn1->kind);
  ck_assert (g_bytes_equal (json->raw, asn1->raw));
  ck_assert_str_eq (json->download_trigger->activation_code, asn1->download_trigger->activation_code);
  ck_assert (g_bytes_equal (json->download_trigger->eim_transaction_id, asn1->download_trigger->eim_transaction_id));
  ck_assert_int_eq (data->kind, ESIPA_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST);
  ck_assert_uint_eq (data->ipa_euicc_data_request->tags->len, 11);
  ck_assert_int_eq (psmo->kind, ESIPA_EIM_PACKAGE_EUICC_PACKAGE_REQUEST);
  assert_hex (psmo->raw, psmo_request_hex ());
  ck_assert_int_eq (number->kind, ESIPA_EIM_PACKAGE_ERROR);
  ck_assert_int_eq (number->error_code, 1);
}
END_TEST

START_TEST (test_json_get_eim_package_failures)
{
  static const struct {
    const gchar *subject;
    const gchar *reason;
    gint64 code;
  } cases[] = {
    { "8.1.1", "3.7", ESIPA_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE },
    { "8.1.1", "2.1", ESIPA_EIM_PACKAGE_ERROR_INVALID_EID },
    { "8.1.1", "2.2", ESIPA_EIM_PACKAGE_ERROR_MISSING_EID },
    { "8.1.1", "3.9", ESIPA_EIM_PACKAGE_ERROR_EID_NOT_FOUND },
    { "8.1", "3.7", ESIPA_EIM_PACKAGE_ERROR_UNDEFINED },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *body = failed_header (cases[i].subject, cases[i].reason);
      g_autoptr(EsipaEimPackage) package = json_package (body, NULL, &error);

      ck_assert_msg (package != NULL, "%s", error != NULL ? error->message : "");
      ck_assert_int_eq (package->kind, ESIPA_EIM_PACKAGE_ERROR);
      ck_assert_int_eq (package->error_code, cases[i].code);
    }
}
END_TEST

START_TEST (test_json_refusals)
{
  static const struct {
    const gchar *body;
    gint code;
    const gchar *fragment;
  } cases[] = {
    { "", EUICCD_ERROR_PROTOCOL, "getEimPackage response: empty body" },
    { "<html>", EUICCD_ERROR_PROTOCOL, "not JSON" },
    { "[1]", EUICCD_ERROR_PROTOCOL, "not a JSON object" },
    { "{\"euiccPackageRequest\":\"vw==\"}", EUICCD_ERROR_PROTOCOL, "missing \"header\".\"functionExecutionStatus\"" },
    { "{\"header\":{\"functionExecutionStatus\":{}}}", EUICCD_ERROR_PROTOCOL, "\"status\"" },
    { "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Maybe\"}}}", EUICCD_ERROR_PROTOCOL,
      "functionExecutionStatus is none of Executed-Success, Executed-WithWarning, Failed and Expired" },
    { "{" OK_HEADER "}", EUICCD_ERROR_NOT_SUPPORTED, "none of \"euiccPackageRequest\"" },
    { "{" OK_HEADER ",\"euiccPackageRequest\":\"QUJDR\"}", EUICCD_ERROR_INVALID_DATA,
      "\"euiccPackageRequest\": invalid base64 length 5" },
    { "{" OK_HEADER ",\"euiccPackageRequest\":\"v1E*AA==\"}", EUICCD_ERROR_INVALID_DATA,
      "\"euiccPackageRequest\": not base64 at character 3" },
    { "{" OK_HEADER ",\"euiccPackageRequest\":42}", EUICCD_ERROR_PROTOCOL, "\"euiccPackageRequest\" is not a string" },
    /* BF54 00 under the BF51 key */
    { "{" OK_HEADER ",\"euiccPackageRequest\":\"v1QA\"}", EUICCD_ERROR_INVALID_DATA,
      "\"euiccPackageRequest\" has tag BF54, expected BF51" },
    { "{" OK_HEADER ",\"eimPackageError\":\"1\"}", EUICCD_ERROR_INVALID_DATA, "\"eimPackageError\" is not an integer" },
    /* Numbers no gint64 holds are refused before any conversion (converting them is undefined behaviour). */
    { "{" OK_HEADER ",\"eimPackageError\":1e300}", EUICCD_ERROR_INVALID_DATA, "\"eimPackageError\" is not an integer" },
    { "{" OK_HEADER ",\"eimPackageError\":-1e19}", EUICCD_ERROR_INVALID_DATA, "\"eimPackageError\" is not an integer" },
    { "{" OK_HEADER ",\"eimPackageError\":9223372036854775807}", EUICCD_ERROR_INVALID_DATA,
      "\"eimPackageError\" is not an integer" },
    { "{" OK_HEADER ",\"eimPackageError\":1e999}", EUICCD_ERROR_INVALID_DATA, "\"eimPackageError\" is not an integer" },
    { "{" OK_HEADER ",\"eimPackageError\":2.5}", EUICCD_ERROR_INVALID_DATA, "\"eimPackageError\" is not an integer" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EsipaUnusablePackage) unusable = NULL;
      g_autoptr(EsipaEimPackage) package = json_package (cases[i].body, &unusable, &error);

      ck_assert_msg (package == NULL, "case %zu decoded", i);
      assert_error (error, cases[i].code, cases[i].fragment);
      ck_assert_ptr_nonnull (unusable);
    }
}
END_TEST

START_TEST (test_json_salvage)
{
  g_autoptr(GError) error = NULL;
  const gchar *broken = tlv ("BF54", cat (tlv ("A0", tlv ("80", "C0AF")), tlv ("82", TXID_HEX), NULL));
  g_autofree gchar *body = json_with_blob ("profileDownloadTriggerRequest", broken);
  g_autoptr(EsipaUnusablePackage) unusable = NULL;
  g_autoptr(EsipaEimPackage) package = json_package (body, &unusable, &error);

  ck_assert_ptr_null (package);
  assert_error (error, EUICCD_ERROR_INVALID_DATA, "\"profileDownloadTriggerRequest\": ProfileDownloadTriggerRequest");
  ck_assert_ptr_nonnull (unusable);
  ck_assert_int_eq (unusable->result_error_code, ESIPA_PACKAGE_RESULT_ERROR_INVALID_PACKAGE_FORMAT);
  assert_hex (unusable->eim_transaction_id, TXID_HEX);
}
END_TEST

START_TEST (test_json_provide_result_response)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *acks = json_with_blob ("eimAcknowledgements", "BF5309800101800102800103");
  g_autofree gchar *failed = failed_header ("8.1.1", "2.1");
  static const gchar empty[] = "{" OK_HEADER "}";
  static const gchar garbage[] = "{" OK_HEADER ",\"eimAcknowledgements\":\"v1M=\"}";
  g_autoptr(EsipaProvideResultResponse) a = esipa_json_decode_provide_eim_package_result_response (acks, strlen (acks),
                                                                                                   &error);
  g_autoptr(EsipaProvideResultResponse) b = esipa_json_decode_provide_eim_package_result_response (empty, strlen (empty),
                                                                                                   &error);
  g_autoptr(EsipaProvideResultResponse) c = esipa_json_decode_provide_eim_package_result_response (failed,
                                                                                                   strlen (failed),
                                                                                                   &error);
  g_autoptr(EsipaProvideResultResponse) d = NULL;

  ck_assert_msg (a != NULL && b != NULL && c != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_int_eq (a->kind, ESIPA_PROVIDE_RESULT_ACKNOWLEDGEMENTS);
  ck_assert_uint_eq (a->seq_numbers->len, 3);
  ck_assert_int_eq (g_array_index (a->seq_numbers, gint64, 2), 3);
  ck_assert_int_eq (b->kind, ESIPA_PROVIDE_RESULT_EMPTY);
  ck_assert_int_eq (c->kind, ESIPA_PROVIDE_RESULT_ERROR);
  ck_assert_int_eq (c->error_code, ESIPA_PROVIDE_RESULT_ERROR_INVALID_EID);
  /* "v1M=" is BF53 without a length */
  d = esipa_json_decode_provide_eim_package_result_response (garbage, strlen (garbage), &error);
  ck_assert_ptr_null (d);
  assert_error (error, EUICCD_ERROR_INVALID_DATA, "\"eimAcknowledgements\"");
}
END_TEST

START_TEST (test_json_other_responses)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *refused = failed_header ("8.1", "6.1");
  g_autofree gchar *not_codes = failed_header ("8.1 LEAK", "LEAK");
  g_autofree gchar *ia_failed = failed_header ("8.8.1", "3.8");
  g_autofree gchar *bpp_body = json_with_blob ("boundProfilePackage", "BF3603BF2300");
  g_autofree gchar *ia_body = NULL;
  g_autoptr(EsipaInitiateAuthenticationResponse) ia_error = NULL;
  g_autoptr(EsipaInitiateAuthenticationResponse) ia = NULL;
  g_autoptr(EsipaGetBoundProfilePackageResponse) bpp = NULL;
  g_autoptr(EsipaCancelSessionResponse) cs = NULL;
  static const gchar ok[] = "{" OK_HEADER "}";

  ck_assert (esipa_json_decode_handle_notification_response (NULL, 0, &error));
  ck_assert (esipa_json_decode_handle_notification_response (ok, strlen (ok), &error));
  ck_assert (!esipa_json_decode_handle_notification_response (refused, strlen (refused), &error));
  /* The codes are named; the eIM's message ("nope") is not quoted. */
  assert_error (error, EUICCD_ERROR_PROTOCOL, "Failed (subjectCode 8.1, reasonCode 6.1)");
  ck_assert (strstr (error->message, "nope") == NULL);
  g_clear_error (&error);
  /* Codes that are not codes are not quoted either. */
  ck_assert (!esipa_json_decode_handle_notification_response (not_codes, strlen (not_codes), &error));
  assert_error (error, EUICCD_ERROR_PROTOCOL, "Failed (subjectCode (not a code), reasonCode (not a code))");
  g_clear_error (&error);

  ia_error = esipa_json_decode_initiate_authentication_response (ia_failed, strlen (ia_failed), &error);
  ck_assert_ptr_nonnull (ia_error);
  ck_assert (ia_error->has_error);
  ck_assert_int_eq (ia_error->error_code, 1);

  ia_body = g_strdup_printf ("{" OK_HEADER ",\"transactionId\":\"%s\",\"serverSigned1\":\"MAA=\","
                             "\"serverSignature1\":\"XzcBqg==\",\"euiccCiPKIdentifierToBeUsed\":\"BAH1\","
                             "\"serverCertificate\":\"MAMCAQE=\",\"matchingId\":\"MID\"}", SM_TXID_HEX);
  ia = esipa_json_decode_initiate_authentication_response (ia_body, strlen (ia_body), &error);
  ck_assert_msg (ia != NULL, "%s", error != NULL ? error->message : "");
  assert_hex (ia->transaction_id, SM_TXID_HEX);
  assert_hex (ia->server_signed1, "3000");
  assert_hex (ia->server_signature1, "AA");
  assert_hex (ia->euicc_ci_pkid_to_be_used, "F5");
  assert_hex (ia->server_certificate, "3003020101");
  ck_assert_str_eq (ia->matching_id, "MID");

  bpp = esipa_json_decode_get_bound_profile_package_response (bpp_body, strlen (bpp_body), &error);
  ck_assert_msg (bpp != NULL, "%s", error != NULL ? error->message : "");
  assert_hex (bpp->bound_profile_package, "BF3603BF2300");

  cs = esipa_json_decode_cancel_session_response (refused, strlen (refused), &error);
  ck_assert_ptr_nonnull (cs);
  ck_assert (cs->has_error);
  ck_assert_int_eq (cs->error_code, 2);
}
END_TEST

static Suite *
esipa_suite (void)
{
  Suite *s = suite_create ("esipa");
  TCase *asn1_requests = tcase_create ("asn1-requests");
  TCase *asn1_responses = tcase_create ("asn1-responses");
  TCase *refusals = tcase_create ("refusals");
  TCase *json = tcase_create ("json");

  tcase_add_checked_fixture (asn1_requests, setup, teardown);
  tcase_add_checked_fixture (asn1_responses, setup, teardown);
  tcase_add_checked_fixture (refusals, setup, teardown);
  tcase_add_checked_fixture (json, setup, teardown);
  tcase_set_timeout (refusals, 60);

  tcase_add_test (asn1_requests, test_get_eim_package_request);
  tcase_add_test (asn1_requests, test_provide_eim_package_result_vectors);
  tcase_add_test (asn1_requests, test_provide_eim_package_result_variants);
  tcase_add_test (asn1_requests, test_encoders_refuse_bad_input);
  tcase_add_test (asn1_requests, test_handle_notification_pending);
  tcase_add_test (asn1_requests, test_minimize_notifications);
  tcase_add_test (asn1_requests, test_ipa_euicc_data_full);
  tcase_add_test (asn1_requests, test_download_requests);

  tcase_add_test (asn1_responses, test_decode_eim_package_errors);
  tcase_add_test (asn1_responses, test_decode_profile_download_trigger);
  tcase_add_test (asn1_responses, test_decode_download_trigger_variants);
  tcase_add_test (asn1_responses, test_decode_ipa_euicc_data_request);
  tcase_add_test (asn1_responses, test_decode_euicc_package_request);
  tcase_add_test (asn1_responses, test_decode_euicc_package_request_repeated_eim_id);
  tcase_add_test (asn1_responses, test_decode_provide_result_response);
  tcase_add_test (asn1_responses, test_decode_download_responses);
  tcase_add_test (asn1_responses, test_decode_download_ok);

  tcase_add_test (refusals, test_refuse_malformed_packages);
  tcase_add_test (refusals, test_salvage_transaction_id);
  tcase_add_test (refusals, test_hostile_input);

  tcase_add_test (json, test_json_requests);
  tcase_add_test (json, test_json_provide_and_notify);
  tcase_add_test (json, test_json_session_requests);
  tcase_add_test (json, test_json_get_eim_package_response);
  tcase_add_test (json, test_json_get_eim_package_failures);
  tcase_add_test (json, test_json_refusals);
  tcase_add_test (json, test_json_salvage);
  tcase_add_test (json, test_json_provide_result_response);
  tcase_add_test (json, test_json_other_responses);

  suite_add_tcase (s, asn1_requests);
  suite_add_tcase (s, asn1_responses);
  suite_add_tcase (s, refusals);
  suite_add_tcase (s, json);
  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (esipa_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
