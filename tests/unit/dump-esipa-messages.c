/* SPDX-License-Identifier: Apache-2.0 */
/* Prints every ESipa message euiccd encodes in the ASN.1 binding, in every variant, one per line as
 * "<ASN1TypeName> <HEX>": the HTTP request bodies as EsipaMessageFromIpaToEim, the pieces the IPA builds itself
 * (IpaEuiccDataResponse, ProfileDownloadTriggerResult, EimPackageResult) under their own type names, and the
 * compact notifications of minimizeEsipaBytes as esipa-minimize.c builds them. The
 * conformance test decodes each line with asn1c-generated codecs and re-encodes it; the embedded eUICC answers
 * (notifications, certificates, EUICCInfo1/2, BF38, BF21, BF41) are real structures so asn1c checks them too. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der/der.h"
#include "ipa/ipa-sgp22-result.h"
#include "net/esipa-asn1.h"
#include "net/esipa-minimize.h"

/* GSMA SGP.26 test certificates (public test material): CERT_EUM_ECDSA_NIST and CERT_EUICC_ECDSA_NIST. */
static const gchar eum_certificate_hex[] =
  "308202783082021FA003020102020412345678300A06082A8648CE3D04030230443110300E06035504030C0754657374"
  "2043493111300F060355040B0C0854455354434552543110300E060355040A0C0752535054455354310B300906035504"
  "06130249543020170D3230303430313039323833375A180F32303534303332343039323833375A3037310B3009060355"
  "04061302455331153013060355040A0C0C52535020546573742045554D3111300F06035504030C0845554D2054657374"
  "3059301306072A8648CE3D020106082A8648CE3D030107034200041330D59256AC0CB50BD928D0F4C68007C485FE3F42"
  "988AD3EE3875AE33F4983AB23B4DD4C31340D676DD8E11F9C5CBA1B11EB694EED0994DB529285E632C8906A382010830"
  "820104301F0603551D23041830168014F54172BDF98A95D65CBEB88A38A1C11D800A85C3301D0603551D0E04160414DD"
  "3DA24D350C1CC5D0AF0965F40EC34C5EE409F1300E0603551D0F0101FF04040302020430170603551D200101FF040D30"
  "0B3009060767811201020102300E0603551D1104073005880388370530120603551D130101FF040830060101FF020100"
  "30350603551D1F042E302C302AA028A0268624687474703A2F2F63692E746573742E6578616D706C652E636F6D2F4352"
  "4C2D422E63726C303E0603551D1E0101FF04343032A030302EA42C302A31153013060355040A0C0C5253502054657374"
  "2045554D3111300F060355040513083839303439303332300A06082A8648CE3D040302034700304402200C567BF01E45"
  "244863AD7A4613F7572EEF3439F698B4711AA397AEEFC5445CE702206E993AA0A505F260B0EEF62CC30A2BBE453B0E82"
  "48218FD53304EF7F9074EE10";
static const gchar euicc_certificate_hex[] =
  "30820200308201A5A0030201020209020000000000000001300A06082A8648CE3D0403023037310B3009060355040613"
  "02455331153013060355040A0C0C52535020546573742045554D3111300F06035504030C0845554D2054657374302017"
  "0D3230303430313039343835385A180F37343936303132343039343835385A3064310B30090603550406130245533115"
  "3013060355040A0C0C52535020546573742045554D312930270603550405132038393034393033323132333435313233"
  "343531323334353637383930313233353113301106035504030C0A546573742065554943433059301306072A8648CE3D"
  "020106082A8648CE3D030107034200046DB3F53ADC87DC2FF10C7BFCD87AD13AE97009AFA065A6757EE571B3F2EBB18F"
  "46C1D68F3EDEB0E74B2E5D542051E7D27F50952028605AFDEF79FE9FFFD03959A36B3069301F0603551D230418301680"
  "14DD3DA24D350C1CC5D0AF0965F40EC34C5EE409F1301D0603551D0E04160414A52476AF5D50AA376437CCB1DA2172EF"
  "45F484F0300E0603551D0F0101FF04040302078030170603551D200101FF040D300B3009060767811201020101300A06"
  "082A8648CE3D0403020349003046022100D72B417D14D1F0655EB3D0EB8444600A87061FAEE0334DFC2B90ED2C557BEF"
  "88022100EF51C2C6FEC52E87A1346854D55E6F018FE6E983DE112ACBB84358EC7CF12F53";

#define EID_HEX "89049032123451234512345678901235"
#define TXID_HEX "0102030405060708"
#define SM_TXID_HEX "0102030405060708090A0B0C0D0E0F10"
#define SKI_HEX "F54172BDF98A95D65CBEB88A38A1C11D800A85C3"
#define ICCID_HEX "98001032547698103285"

static int failures;
static GPtrArray *arena;  /* every fixture string, freed at exit */

static const gchar *
keep (gchar *text)
{
  g_ptr_array_add (arena, text);
  return text;
}

/* "<tag><length><contents>" in hex, the length computed from the contents. */
static const gchar *
tlv (const gchar *tag, const gchar *contents)
{
  gsize n = strlen (contents) / 2;
  g_autofree gchar *length = NULL;

  if (n < 0x80)
    length = g_strdup_printf ("%02X", (guint) n);
  else if (n < 0x100)
    length = g_strdup_printf ("81%02X", (guint) n);
  else
    length = g_strdup_printf ("82%04X", (guint) n);
  return keep (g_strconcat (tag, length, contents, NULL));
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
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < 64; i++)
    g_string_append (s, "AA");
  return keep (g_string_free (s, FALSE));
}

static GBytes *
bytes (const gchar *hex)
{
  GBytes *b = der_from_hex (hex, NULL);

  if (b == NULL)
    abort ();
  return b;
}

static void
emit (const gchar *type, GBytes *encoded, GError *error)
{
  g_autofree gchar *hex = NULL;

  if (encoded == NULL)
    {
      fprintf (stderr, "%s: %s\n", type, error != NULL ? error->message : "encoding failed");
      failures++;
      return;
    }
  hex = der_to_hex (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded));
  printf ("%s %s\n", type, hex);
  g_bytes_unref (encoded);
}

/* ------------------------------------------------------------------------------------------------------ */
/* What an eUICC returns, built field by field from the ASN.1 */

static const gchar *
metadata (const gchar *seq, const gchar *operation_bits)
{
  return tlv ("BF2F", cat (tlv ("80", seq), tlv ("81", operation_bits), tlv ("0C", utf8 ("smdp.example.com")),
                           tlv ("5A", ICCID_HEX), NULL));
}

/* SGP32-ProfileInstallationResult (BF37), success: finalResult [2] is explicit, successResult gets [0] */
static const gchar *
profile_installation_result (void)
{
  return tlv ("BF37", cat (tlv ("BF27", cat (tlv ("80", SM_TXID_HEX), metadata ("03", "0780"),
                                             tlv ("06", "2B0601040182F802"),
                                             tlv ("A2", tlv ("A0", cat (tlv ("4F", "A0000005591010FFFFFFFF8900001000"),
                                                                        tlv ("04", "3007A00530038001" "00"), NULL))),
                                             NULL)),
                           tlv ("5F37", sig64 ()), NULL));
}

/* OtherSignedNotification (30), enable */
static const gchar *
other_signed_notification (void)
{
  return tlv ("30", cat (metadata ("05", "0640"), tlv ("5F37", sig64 ()), euicc_certificate_hex, eum_certificate_hex,
                         NULL));
}

/* compactOtherSignedNotification (A1), disable */
static const gchar *
compact_other_signed_notification (void)
{
  return tlv ("A1", cat (tlv ("5A", EID_HEX), metadata ("0100", "0520"), tlv ("5F37", sig64 ()), NULL));
}

/* What minimizeEsipaBytes makes of the card's OtherSignedNotification, added to `notifications`: without
 * eidValue (inside a ProvideEimPackageResult), and with it when `eid` is given (HandleNotification). */
static void
add_minimized (GPtrArray *notifications, const guint8 *eid)
{
  g_autoptr(GBytes) full = bytes (other_signed_notification ());
  g_autoptr(GError) error = NULL;
  GBytes *compact = esipa_minimize_pending_notification (full, NULL, &error);

  if (compact != NULL && eid != NULL)
    {
      g_ptr_array_add (notifications, compact);
      compact = esipa_minimize_pending_notification (full, eid, &error);
    }
  if (compact == NULL)
    {
      fprintf (stderr, "minimize: %s\n", error->message);
      failures++;
      return;
    }
  g_ptr_array_add (notifications, compact);
}

/* EuiccPackageResult (BF51): euiccPackageResultSigned, as section B/C of the reference */
static const gchar *
euicc_package_result_signed (void)
{
  return tlv ("BF51", tlv ("A0", cat (tlv ("30", cat (tlv ("80", utf8 ("eim1")), "810101", tlv ("82", TXID_HEX),
                                                       "830107", tlv ("30", cat ("830100", tlv ("BF2D", "A000"), NULL)),
                                                       NULL)),
                                       tlv ("5F37", sig64 ()), NULL)));
}

static const gchar *
euicc_package_error_unsigned (void)
{
  return "BF5112A210800465696D3182080102030405060708";
}

static const gchar *
euicc_info1 (void)
{
  return "BF20358203020300A9160414F54172BDF98A95D65CBEB88A38A1C11D800A85C3AA160414F54172BDF98A95D65CBEB88A38A1C11D"
         "800A85C3";
}

/* SGP32-EUICCInfo2 (BF22) with its mandatory fields and the IoT ones */
static const gchar *
euicc_info2 (void)
{
  return tlv ("BF22", cat ("8103020301", "8203020500", "8303010203", tlv ("84", "810105820301000083022000"),
                           "85030576E0", "88020490", tlv ("A9", tlv ("04", SKI_HEX)), tlv ("AA", tlv ("04", SKI_HEX)),
                           "0403010000", tlv ("0C", utf8 ("SAS-123456")), "900100",
                           tlv ("B4", cat (tlv ("A0", "0403010200"), "8100", NULL)), NULL));
}

/* ------------------------------------------------------------------------------------------------------ */

static void
dump_get_eim_package (void)
{
  EsipaGetEimPackageRequest request = { 0 };
  g_autoptr(GBytes) eid = bytes (EID_HEX);
  static const gint64 causes[] = { 0, 1, 4, 6, 127 };

  memcpy (request.eid, g_bytes_get_data (eid, NULL), 16);
  emit ("EsipaMessageFromIpaToEim", esipa_asn1_encode_get_eim_package_request (&request, NULL), NULL);
  request.notify_state_change = TRUE;
  emit ("EsipaMessageFromIpaToEim", esipa_asn1_encode_get_eim_package_request (&request, NULL), NULL);
  request.has_rplmn = TRUE;
  memcpy (request.rplmn, "\x62\xF2\x10", 3);
  for (gsize i = 0; i < G_N_ELEMENTS (causes); i++)
    {
      request.has_state_change_cause = TRUE;
      request.state_change_cause = causes[i];
      emit ("EsipaMessageFromIpaToEim", esipa_asn1_encode_get_eim_package_request (&request, NULL), NULL);
    }
  request.notify_state_change = FALSE;
  request.has_state_change_cause = FALSE;
  emit ("GetEimPackageRequest", esipa_asn1_encode_get_eim_package_request (&request, NULL), NULL);
}

static GBytes *
full_ipa_euicc_data (gboolean everything)
{
  g_autoptr(GPtrArray) notifications = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GBytes) info1 = bytes (euicc_info1 ());
  g_autoptr(GBytes) info2 = bytes (euicc_info2 ());
  g_autoptr(GBytes) eum = bytes (eum_certificate_hex);
  g_autoptr(GBytes) euicc = bytes (euicc_certificate_hex);
  g_autoptr(GBytes) txid = bytes (TXID_HEX);
  g_autoptr(GError) error = NULL;
  EsipaDeviceInfo device = { .tac = { 0x35, 0x29, 0x06, 0x11 }, .has_imei = TRUE,
                             .imei = { 0x35, 0x29, 0x06, 0x11, 0x23, 0x45, 0x67, 0x80 } };
  EsipaIpaEuiccData data = { 0 };
  GBytes *encoded;

  device.releases_present = (1u << ESIPA_DEVCAP_GSM) | (1u << ESIPA_DEVCAP_EUTRAN_EPC) |
                            (1u << ESIPA_DEVCAP_NR_5GC) | (1u << ESIPA_DEVCAP_LPA_SVN);
  device.releases[ESIPA_DEVCAP_GSM] = (RspVersion) { 8, 0, 0 };
  device.releases[ESIPA_DEVCAP_EUTRAN_EPC] = (RspVersion) { 15, 0, 0 };
  device.releases[ESIPA_DEVCAP_NR_5GC] = (RspVersion) { 16, 0, 0 };
  device.releases[ESIPA_DEVCAP_LPA_SVN] = (RspVersion) { 2, 5, 0 };
  g_ptr_array_add (notifications, bytes (profile_installation_result ()));
  g_ptr_array_add (notifications, bytes (other_signed_notification ()));
  g_ptr_array_add (notifications, bytes (compact_other_signed_notification ()));
  add_minimized (notifications, NULL);
  g_ptr_array_add (results, bytes (euicc_package_result_signed ()));
  g_ptr_array_add (results, bytes (euicc_package_error_unsigned ()));
  data.default_smdp_address = "smdp.example.com";
  data.root_smds_address = "lpa.ds.gsma.com";
  if (everything)
    {
      data.notifications = notifications;
      data.euicc_package_results = results;
      data.euicc_info1 = info1;
      data.euicc_info2 = info2;
      data.has_association_token = TRUE;
      data.association_token = 300;
      data.eum_certificate = eum;
      data.euicc_certificate = euicc;
      data.eim_transaction_id = txid;
      data.has_ipa_capabilities = TRUE;
      data.ipa_features = ESIPA_IPA_FEATURE_DIRECT_RSP_SERVER | ESIPA_IPA_FEATURE_INDIRECT_RSP_SERVER;
      data.has_ipa_supported_protocols = TRUE;
      data.ipa_supported_protocols = ESIPA_IPA_PROTOCOL_RETRIEVE_HTTPS;
      data.device_info = &device;
    }
  encoded = esipa_asn1_encode_ipa_euicc_data_response (&data, &error);
  if (encoded == NULL)
    {
      fprintf (stderr, "IpaEuiccDataResponse: %s\n", error->message);
      failures++;
    }
  return encoded;
}

static void
dump_provide_eim_package_result (void)
{
  g_autoptr(GBytes) eid = bytes (EID_HEX);
  g_autoptr(GBytes) txid = bytes (TXID_HEX);
  g_autoptr(GBytes) signed_result = bytes (euicc_package_result_signed ());
  g_autoptr(GBytes) unsigned_error = bytes (euicc_package_error_unsigned ());
  g_autoptr(GBytes) full_data = full_ipa_euicc_data (TRUE);
  g_autoptr(GBytes) small_data = full_ipa_euicc_data (FALSE);
  g_autoptr(GBytes) data_error = esipa_asn1_encode_ipa_euicc_data_error (txid, 1, NULL);
  g_autoptr(GBytes) data_error_no_id = esipa_asn1_encode_ipa_euicc_data_error (NULL, 127, NULL);
  g_autoptr(GBytes) pir = bytes (profile_installation_result ());
  g_autoptr(GBytes) error_response = bytes ("BF3B03820108");
  g_autoptr(GBytes) download_ok = esipa_asn1_encode_profile_download_result (txid, pir, NULL);
  g_autoptr(GBytes) download_error = esipa_asn1_encode_profile_download_error (txid, 127, NULL, NULL);
  g_autoptr(GBytes) download_error_response = esipa_asn1_encode_profile_download_error (NULL, 104, error_response,
                                                                                        NULL);
  g_autoptr(GPtrArray) notifications = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  const guint8 *eid_data = g_bytes_get_data (eid, NULL);
  EsipaEimPackageResult results[] = {
    { .eid = eid_data, .kind = ESIPA_RESULT_EUICC_PACKAGE_RESULT, .euicc_package_result = signed_result },
    { .kind = ESIPA_RESULT_EUICC_PACKAGE_RESULT, .euicc_package_result = unsigned_error },
    { .eid = eid_data, .kind = ESIPA_RESULT_EPR_AND_NOTIFICATIONS, .euicc_package_result = signed_result,
      .notifications = notifications },
    { .eid = eid_data, .kind = ESIPA_RESULT_EPR_AND_NOTIFICATIONS, .euicc_package_result = signed_result,
      .notifications = none },
    { .eid = eid_data, .kind = ESIPA_RESULT_IPA_EUICC_DATA_RESPONSE, .ipa_euicc_data_response = full_data },
    { .eid = eid_data, .kind = ESIPA_RESULT_IPA_EUICC_DATA_RESPONSE, .ipa_euicc_data_response = small_data },
    { .eid = eid_data, .kind = ESIPA_RESULT_IPA_EUICC_DATA_RESPONSE, .ipa_euicc_data_response = data_error },
    { .kind = ESIPA_RESULT_IPA_EUICC_DATA_RESPONSE, .ipa_euicc_data_response = data_error_no_id },
    { .eid = eid_data, .kind = ESIPA_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT,
      .profile_download_trigger_result = download_ok },
    { .eid = eid_data, .kind = ESIPA_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT,
      .profile_download_trigger_result = download_error },
    { .kind = ESIPA_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT, .profile_download_trigger_result = download_error_response },
    { .eid = eid_data, .kind = ESIPA_RESULT_ERROR, .eim_transaction_id = txid, .error_code = 1 },
    { .eid = eid_data, .kind = ESIPA_RESULT_ERROR, .error_code = 2 },
    { .kind = ESIPA_RESULT_ERROR, .error_code = 127 },
  };

  g_ptr_array_add (notifications, bytes (profile_installation_result ()));
  g_ptr_array_add (notifications, bytes (other_signed_notification ()));
  g_ptr_array_add (notifications, bytes (compact_other_signed_notification ()));
  add_minimized (notifications, eid_data);

  emit ("IpaEuiccDataResponse", g_bytes_ref (full_data), NULL);
  emit ("IpaEuiccDataResponse", g_bytes_ref (small_data), NULL);
  emit ("IpaEuiccDataResponse", g_bytes_ref (data_error), NULL);
  emit ("IpaEuiccDataResponse", g_bytes_ref (data_error_no_id), NULL);
  emit ("ProfileDownloadTriggerResult", g_bytes_ref (download_ok), NULL);
  emit ("ProfileDownloadTriggerResult", g_bytes_ref (download_error), NULL);
  emit ("ProfileDownloadTriggerResult", g_bytes_ref (download_error_response), NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (results); i++)
    {
      EsipaNotification notification = { .kind = ESIPA_NOTIFICATION_PACKAGE_RESULT, .package_result = &results[i] };
      g_autoptr(GError) error = NULL;
      GBytes *encoded;

      encoded = esipa_asn1_encode_provide_eim_package_result (&results[i], &error);
      emit ("EsipaMessageFromIpaToEim", encoded, error);
      g_clear_error (&error);
      encoded = esipa_asn1_encode_eim_package_result_choice (&results[i], &error);
      emit ("EimPackageResult", encoded, error);
      g_clear_error (&error);
      encoded = esipa_asn1_encode_handle_notification (&notification, &error);
      emit ("EsipaMessageFromIpaToEim", encoded, error);
    }

  for (guint i = 0; i < notifications->len; i++)
    {
      EsipaNotification notification = { .kind = ESIPA_NOTIFICATION_PENDING,
                                         .pending_notification = g_ptr_array_index (notifications, i) };
      g_autoptr(GError) error = NULL;
      GBytes *encoded;

      encoded = esipa_asn1_encode_handle_notification (&notification, &error);
      emit ("EsipaMessageFromIpaToEim", encoded, error);
      g_clear_error (&error);
      encoded = esipa_asn1_encode_handle_notification (&notification, &error);
      emit ("HandleNotificationEsipa", encoded, error);
    }
}

static void
dump_download (void)
{
  g_autoptr(GBytes) info1 = bytes (euicc_info1 ());
  g_autoptr(GBytes) txid = bytes (TXID_HEX);
  g_autoptr(GBytes) sm_txid = bytes (SM_TXID_HEX);
  /* AuthenticateServerResponse.authenticateResponseError (A1) {transactionId, invalidSignature(2)} */
  g_autoptr(GBytes) auth_error = bytes (tlv ("BF38", tlv ("A1", cat (tlv ("80", SM_TXID_HEX), "020102", NULL))));
  /* PrepareDownloadResponse.downloadResponseOk (A0) {euiccSigned2 {transactionId, euiccOtpk, hashCc}, signature} */
  g_autoptr(GBytes) prepare_ok =
    bytes (tlv ("BF21", tlv ("A0", cat (tlv ("30", cat (tlv ("80", SM_TXID_HEX),
                                                        tlv ("5F49", cat ("04", sig64 (), NULL)),
                                                        tlv ("04", keep (g_strnfill (64, 'C'))), NULL)),
                                        tlv ("5F37", sig64 ()), NULL))));
  g_autoptr(GBytes) prepare_error = bytes (tlv ("BF21", tlv ("A1", cat (tlv ("80", SM_TXID_HEX), "020105", NULL))));
  /* CancelSessionResponse: cancelSessionResponseOk (A0) {euiccCancelSessionSigned {txid, smdpOid, postponed}} and
   * cancelSessionResponseError invalidTransactionId(5) */
  g_autoptr(GBytes) cancel_ok =
    bytes (tlv ("BF41", tlv ("A0", cat (tlv ("30", cat (tlv ("80", SM_TXID_HEX), tlv ("81", "2B0601040182F802"),
                                                        "820101", NULL)),
                                        tlv ("5F37", sig64 ()), NULL))));
  g_autoptr(GBytes) cancel_error = bytes ("BF4103810105");
  EsipaInitiateAuthenticationRequest initiate = { .smdp_address = "smdp.example.com", .euicc_info1 = info1,
                                                  .eim_transaction_id = txid };
  EsipaSessionRequest authenticate = { .transaction_id = sm_txid, .card_response = auth_error };
  EsipaSessionRequest bpp[] = { { .transaction_id = sm_txid, .card_response = prepare_ok },
                                { .transaction_id = sm_txid, .card_response = prepare_error } };
  EsipaSessionRequest cancel[] = { { .transaction_id = sm_txid, .card_response = cancel_ok },
                                   { .transaction_id = sm_txid, .card_response = cancel_error } };

  for (guint i = 0; i < 16; i++)
    initiate.euicc_challenge[i] = (guint8) (0x11 * i);
  emit ("EsipaMessageFromIpaToEim", esipa_asn1_encode_initiate_authentication_request (&initiate, NULL), NULL);
  initiate.smdp_address = NULL;
  initiate.euicc_info1 = NULL;
  initiate.eim_transaction_id = NULL;
  emit ("EsipaMessageFromIpaToEim", esipa_asn1_encode_initiate_authentication_request (&initiate, NULL), NULL);
  emit ("EsipaMessageFromIpaToEim", esipa_asn1_encode_authenticate_client_request (&authenticate, NULL), NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (bpp); i++)
    emit ("EsipaMessageFromIpaToEim", esipa_asn1_encode_get_bound_profile_package_request (&bpp[i], NULL), NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cancel); i++)
    emit ("EsipaMessageFromIpaToEim", esipa_asn1_encode_cancel_session_request (&cancel[i], NULL), NULL);
}

/* The eUICC's full answers of a download session with smdp.example.com, as the minimize tests build them. */
static const gchar *
server_signed1 (void)
{
  return tlv ("30", cat (tlv ("80", SM_TXID_HEX), tlv ("81", "00112233445566778899AABBCCDDEEFF"),
                         tlv ("83", utf8 ("smdp.example.com")), tlv ("84", "FFEEDDCCBBAA99887766554433221100"), NULL));
}

/* CtxParams1.ctxParamsForCommonAuthentication {matchingId, deviceInfo {tac, deviceCapabilities {}}} */
static const gchar *
ctx_params1 (void)
{
  return tlv ("A0", cat (tlv ("80", utf8 ("MID-1")), tlv ("A1", cat (tlv ("80", "35290611"), "A100", NULL)), NULL));
}

static const gchar *
authenticate_response_ok (void)
{
  return tlv ("BF38", tlv ("A0", cat (tlv ("30", cat (tlv ("80", SM_TXID_HEX), tlv ("83", utf8 ("smdp.example.com")),
                                                      tlv ("84", "FFEEDDCCBBAA99887766554433221100"), euicc_info2 (),
                                                      ctx_params1 (), NULL)),
                                      tlv ("5F37", sig64 ()), euicc_certificate_hex, eum_certificate_hex, NULL)));
}

/* minimizeEsipaBytes in the download (esipa-minimize-download.c): each compact form with and without what the
 * eIM may have sent (ctxParams1, hashCc), inside the ESipa request that carries it. */
static void
dump_download_minimized (void)
{
  g_autoptr(GBytes) sm_txid = bytes (SM_TXID_HEX);
  g_autoptr(GBytes) signed1 = bytes (server_signed1 ());
  g_autoptr(GBytes) ctx = bytes (ctx_params1 ());
  g_autoptr(GBytes) hash_cc = bytes (keep (g_strnfill (64, 'C')));
  g_autoptr(GBytes) authenticated = bytes (authenticate_response_ok ());
  g_autoptr(GBytes) info2 = bytes (euicc_info2 ());
  g_autoptr(GBytes) prepared =
    bytes (tlv ("BF21", tlv ("A0", cat (tlv ("30", cat (tlv ("80", SM_TXID_HEX), tlv ("5F49", cat ("04", sig64 (), NULL)),
                                                        tlv ("04", keep (g_strnfill (64, 'C'))), NULL)),
                                        tlv ("5F37", sig64 ()), NULL))));
  g_autoptr(GBytes) cancelled =
    bytes (tlv ("BF41", tlv ("A0", cat (tlv ("30", cat (tlv ("80", SM_TXID_HEX), tlv ("81", "2B0601040182F802"),
                                                        "820105", NULL)),
                                        tlv ("5F37", sig64 ()), NULL))));
  g_autoptr(GBytes) installed = bytes (profile_installation_result ());
  /* An error result (bppCommandId configureISDP, errorReason installFailedDueToUnknownError) and no ICCID. */
  g_autoptr(GBytes) refused =
    bytes (tlv ("BF37", cat (tlv ("BF27", cat (tlv ("80", SM_TXID_HEX),
                                               tlv ("BF2F", cat ("800107", "81020780", tlv ("0C", utf8 ("smdp.example.com")),
                                                                 NULL)),
                                               tlv ("06", "2B0601040182F802"), tlv ("A2", tlv ("A1", "800101810108")),
                                               NULL)),
                             tlv ("5F37", sig64 ()), NULL)));
  GBytes *compact[] = {
    esipa_minimize_authenticate_server_response (authenticated, signed1, NULL, info2, TRUE, NULL),
    esipa_minimize_authenticate_server_response (authenticated, signed1, ctx, info2, TRUE, NULL),
    esipa_minimize_authenticate_server_response (authenticated, signed1, NULL, info2, FALSE, NULL),
    esipa_minimize_authenticate_server_response (authenticated, signed1, NULL, NULL, TRUE, NULL),
    esipa_minimize_prepare_download_response (prepared, sm_txid, NULL, NULL),
    esipa_minimize_prepare_download_response (prepared, sm_txid, hash_cc, NULL),
    esipa_minimize_cancel_session_response (cancelled, sm_txid, NULL),
  };
  GBytes *notifications[] = {
    esipa_minimize_profile_installation_result (installed, sm_txid, "smdp.example.com", NULL),
    esipa_minimize_profile_installation_result (refused, sm_txid, "smdp.example.com", NULL),
  };

  for (gsize i = 0; i < G_N_ELEMENTS (compact); i++)
    {
      EsipaSessionRequest request = { .transaction_id = sm_txid, .card_response = compact[i] };
      g_autoptr(GError) error = NULL;
      GBytes *encoded = NULL;
      DerTlv answer = { 0 }, choice = { 0 };

      if (compact[i] == NULL
          || !der_parse_single (g_bytes_get_data (compact[i], NULL), g_bytes_get_size (compact[i]), &answer, NULL)
          || !der_find_child (&answer, 0xA2, &choice, NULL))
        {
          fprintf (stderr, "minimized download answer %zu: no compact form\n", i);
          failures++;
        }
      else if (answer.tag == 0xBF38)
        encoded = esipa_asn1_encode_authenticate_client_request (&request, &error);
      else if (answer.tag == 0xBF21)
        encoded = esipa_asn1_encode_get_bound_profile_package_request (&request, &error);
      else
        encoded = esipa_asn1_encode_cancel_session_request (&request, &error);
      if (encoded != NULL || error != NULL)
        emit ("EsipaMessageFromIpaToEim", encoded, error);
      g_clear_pointer (&compact[i], g_bytes_unref);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (notifications); i++)
    {
      EsipaNotification notification = { .kind = ESIPA_NOTIFICATION_PENDING,
                                         .pending_notification = notifications[i] };
      g_autoptr(GError) error = NULL;

      if (notifications[i] == NULL || g_bytes_get_size (notifications[i]) < 1
          || ((const guint8 *) g_bytes_get_data (notifications[i], NULL))[0] != 0xA0)
        {
          fprintf (stderr, "minimized install result %zu: no compact form\n", i);
          failures++;
        }
      else
        emit ("EsipaMessageFromIpaToEim", esipa_asn1_encode_handle_notification (&notification, &error), error);
      g_clear_pointer (&notifications[i], g_bytes_unref);
    }
}

/* What euiccd answers for a consumer (SGP.22) eUICC (docs/sgp22.md): the three forms, signatures empty. */
static void
dump_sgp22_results (void)
{
  g_autoptr(GBytes) txid = bytes (TXID_HEX);
  g_autoptr(GBytes) list = bytes (tlv ("BF2D", tlv ("A0", tlv ("E3", "5A0A98001032547698103285"))));
  DerWriter writer;

  emit ("EuiccPackageResult", ipa_sgp22_error_unsigned ("eim1", txid, TRUE, 3), NULL);
  emit ("EuiccPackageResult", ipa_sgp22_error_unsigned ("eim1", NULL, FALSE, 0), NULL);
  emit ("EuiccPackageResult", ipa_sgp22_error_signed ("eim1", 7, txid, 4), NULL);
  emit ("EuiccPackageResult", ipa_sgp22_error_signed ("eim1", 2147483648LL, NULL, 6), NULL);

  /* enable, delete, listProfileInfo, processingTerminated */
  ipa_sgp22_result_begin (&writer, "eim1", 8, txid, 1);
  der_write_int (&writer, 0x83, 0);
  der_write_int (&writer, 0x85, 2);
  der_write_raw (&writer, g_bytes_get_data (list, NULL), g_bytes_get_size (list));
  der_write_int (&writer, 0x02, 2);
  emit ("EuiccPackageResult", ipa_sgp22_result_end (&writer), NULL);
  /* addEim with a token and with a code, deleteEim, updateEim, listEim */
  ipa_sgp22_result_begin (&writer, "eim1", 9, NULL, 2);
  der_begin (&writer, 0xA8);
  der_write_int (&writer, 0x84, 1);
  der_end (&writer);
  der_begin (&writer, 0xA8);
  der_write_int (&writer, 0x02, 2);
  der_end (&writer);
  der_write_int (&writer, 0x89, 2);
  der_write_int (&writer, 0x8A, 0);
  der_begin (&writer, 0xAB);
  der_begin (&writer, 0xA0);
  der_begin (&writer, 0x30);
  der_write_utf8 (&writer, 0x80, "eim1");
  der_write_int (&writer, 0x82, 2);
  der_end (&writer);
  der_end (&writer);
  der_end (&writer);
  emit ("EuiccPackageResult", ipa_sgp22_result_end (&writer), NULL);
}

int
main (void)
{
  arena = g_ptr_array_new_with_free_func (g_free);
  dump_get_eim_package ();
  dump_provide_eim_package_result ();
  dump_download ();
  dump_download_minimized ();
  dump_sgp22_results ();
  g_ptr_array_unref (arena);
  return failures == 0 ? 0 : 1;
}
