/* SPDX-License-Identifier: Apache-2.0 */
/* Prints every ES10 request euiccd can encode, in every variant, one per line as "<ASN1TypeName> <HEX>", with
 * the type names of the ASN.1 modules (the SGP.32 module's "SGP32-" names where it defines the type). The
 * conformance test decodes each line with asn1c-generated codecs and re-encodes it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/es10.h"
#include "der/der.h"
#include "net/esipa-asn1.h"

/* GSMA SGP.26 test PKI (public test material): CERT_EUM_ECDSA_NIST and the SubjectPublicKeyInfo of
 * CERT_CI_ECDSA_NIST, so the eIM key fields carry real X.509 structures. */
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
static const gchar ci_spki_hex[] =
  "3059301306072A8648CE3D020106082A8648CE3D03010703420004940657A673DC288F89D52EA8A47704992791F9C34B"
  "0036E633E2D0CBA9454D65DB32EB17981799D2F24388EE2B95C1094546C97901CEAEBA9650919A2E20D229";
static const gchar ci_pkid_hex[] = "F54172BDF98A95D65CBEB88A38A1C11D800A85C3";

static int failures;

static void
emit (const gchar *type, GBytes *request, GError *error)
{
  g_autofree gchar *hex = NULL;

  if (request == NULL)
    {
      fprintf (stderr, "%s: %s\n", type, error != NULL ? error->message : "encoding failed");
      failures++;
      return;
    }
  hex = der_to_hex (g_bytes_get_data (request, NULL), g_bytes_get_size (request));
  printf ("%s %s\n", type, hex);
  g_bytes_unref (request);
}

static GBytes *
hex_bytes (const gchar *hex)
{
  GBytes *bytes = der_from_hex (hex, NULL);

  if (bytes == NULL)
    abort ();
  return bytes;
}

static void
dump_profiles (void)
{
  static const guint8 aid[] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00,
                                0x00, 0x10, 0x00 };
  static const guint8 tags[] = { 0x5A, 0x4F, 0x9F, 0x70, 0x90, 0x91, 0x92, 0x95, 0x9F, 0x26 };
  const Es10ProfileSearch searches[] = {
    { .kind = ES10_PROFILE_SEARCH_ALL },
    { .kind = ES10_PROFILE_SEARCH_ICCID, .iccid = "89000123456789012358" },
    { .kind = ES10_PROFILE_SEARCH_ICCID, .iccid = "8900012345678901235" },
    { .kind = ES10_PROFILE_SEARCH_ISDP_AID, .isdp_aid = aid, .isdp_aid_length = sizeof aid },
    { .kind = ES10_PROFILE_SEARCH_CLASS, .profile_class = ES10_PROFILE_CLASS_TEST },
    { .kind = ES10_PROFILE_SEARCH_CLASS, .profile_class = ES10_PROFILE_CLASS_OPERATIONAL },
    { .kind = ES10_PROFILE_SEARCH_ALL, .tag_list = tags, .tag_list_length = sizeof tags },
    { .kind = ES10_PROFILE_SEARCH_ICCID, .iccid = "89000123456789012358", .tag_list = tags, .tag_list_length = 1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (searches); i++)
    {
      g_autoptr(GError) error = NULL;
      GBytes *request = es10_get_profiles_info_encode (&searches[i], &error);
      emit ("ProfileInfoListRequest", request, error);
    }
}

static void
dump_notifications (void)
{
  static const guint32 operations[] = { RSP_NOTIFICATION_INSTALL, RSP_NOTIFICATION_ENABLE,
                                        RSP_NOTIFICATION_DISABLE, RSP_NOTIFICATION_DELETE };
  RspNotificationSearch search = { .kind = RSP_NOTIFICATION_SEARCH_ALL };
  static const gint64 seq_numbers[] = { 0, 5, 127, 128, 300, 65536 };

  {
    g_autoptr(GError) error = NULL;
    GBytes *request = es10_retrieve_notifications_list_encode (&search, &error);
    emit ("SGP32-RetrieveNotificationsListRequest", request, error);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (seq_numbers); i++)
    {
      g_autoptr(GError) error = NULL;
      GBytes *request;

      search.kind = RSP_NOTIFICATION_SEARCH_SEQ_NUMBER;
      search.seq_number = seq_numbers[i];
      request = es10_retrieve_notifications_list_encode (&search, &error);
      emit ("SGP32-RetrieveNotificationsListRequest", request, error);
      emit ("NotificationSentRequest", es10_remove_notification_from_list_encode (seq_numbers[i]), NULL);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (operations); i++)
    {
      g_autoptr(GError) error = NULL;
      GBytes *request;

      search.kind = RSP_NOTIFICATION_SEARCH_OPERATION;
      search.operation = operations[i];
      request = es10_retrieve_notifications_list_encode (&search, &error);
      emit ("SGP32-RetrieveNotificationsListRequest", request, error);
      request = es10_list_notification_encode (operations[i], &error);
      emit ("ListNotificationRequest", request, error);
    }
  {
    g_autoptr(GError) error = NULL;
    GBytes *request;

    search.kind = RSP_NOTIFICATION_SEARCH_EUICC_PACKAGE_RESULTS;
    request = es10_retrieve_notifications_list_encode (&search, &error);
    emit ("SGP32-RetrieveNotificationsListRequest", request, error);
    request = es10_list_notification_encode (0, &error);
    emit ("ListNotificationRequest", request, error);
  }
}

static void
dump_eims (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10EimConfiguration) minimal = es10_eim_configuration_new ();
  g_autoptr(Es10EimConfiguration) basic = es10_eim_configuration_new ();
  g_autoptr(Es10EimConfiguration) with_key = es10_eim_configuration_new ();
  g_autoptr(Es10EimConfiguration) with_certs = es10_eim_configuration_new ();
  const Es10EimConfiguration *one[1];
  const Es10EimConfiguration *all[4];
  GBytes *request;

  request = es10_get_eim_configuration_data_encode (NULL, &error);
  emit ("GetEimConfigurationDataRequest", request, error);
  request = es10_get_eim_configuration_data_encode ("eim1", &error);
  emit ("GetEimConfigurationDataRequest", request, error);

  minimal->eim_id = g_strdup ("minimal-eim");

  /* The reference vector of section C. */
  basic->eim_id = g_strdup ("eim1");
  basic->eim_fqdn = g_strdup ("eim.example.com");
  basic->has_eim_id_type = TRUE;
  basic->eim_id_type = ES10_EIM_ID_TYPE_FQDN;
  basic->has_counter_value = TRUE;
  basic->counter_value = 1;
  basic->has_supported_protocols = TRUE;
  basic->supported_protocols = ES10_EIM_RETRIEVE_HTTPS;

  with_key->eim_id = g_strdup ("eim2");
  with_key->eim_fqdn = g_strdup ("eim2.example.com");
  with_key->has_eim_id_type = TRUE;
  with_key->eim_id_type = ES10_EIM_ID_TYPE_OID;
  with_key->has_counter_value = TRUE;
  with_key->counter_value = 70000;
  with_key->has_association_token = TRUE;
  with_key->association_token = 1;
  with_key->public_key_kind = ES10_EIM_KEY_PUBLIC_KEY;
  with_key->public_key_data = hex_bytes (ci_spki_hex);
  with_key->tls_kind = ES10_EIM_KEY_PUBLIC_KEY;
  with_key->tls_data = hex_bytes (ci_spki_hex);
  with_key->has_supported_protocols = TRUE;
  with_key->supported_protocols = ES10_EIM_RETRIEVE_HTTPS | ES10_EIM_INJECT_HTTPS | ES10_EIM_PROPRIETARY;
  with_key->euicc_ci_pkid = hex_bytes (ci_pkid_hex);
  with_key->indirect_profile_download = TRUE;

  with_certs->eim_id = g_strdup ("eim3");
  with_certs->has_eim_id_type = TRUE;
  with_certs->eim_id_type = ES10_EIM_ID_TYPE_PROPRIETARY;
  with_certs->public_key_kind = ES10_EIM_KEY_CERTIFICATE;
  with_certs->public_key_data = hex_bytes (eum_certificate_hex);
  with_certs->tls_kind = ES10_EIM_KEY_CERTIFICATE;
  with_certs->tls_data = hex_bytes (eum_certificate_hex);
  with_certs->has_supported_protocols = TRUE;
  with_certs->supported_protocols = ES10_EIM_RETRIEVE_COAPS | ES10_EIM_INJECT_COAPS;

  one[0] = basic;
  request = es10_add_initial_eim_encode (one, 1, &error);
  emit ("AddInitialEimRequest", request, error);
  one[0] = minimal;
  request = es10_add_initial_eim_encode (one, 1, &error);
  emit ("AddInitialEimRequest", request, error);
  one[0] = with_key;
  request = es10_add_initial_eim_encode (one, 1, &error);
  emit ("AddInitialEimRequest", request, error);
  one[0] = with_certs;
  request = es10_add_initial_eim_encode (one, 1, &error);
  emit ("AddInitialEimRequest", request, error);
  all[0] = basic;
  all[1] = minimal;
  all[2] = with_key;
  all[3] = with_certs;
  request = es10_add_initial_eim_encode (all, G_N_ELEMENTS (all), &error);
  emit ("AddInitialEimRequest", request, error);
}

/* The download requests, assembled from server TLVs shaped as an SM-DP+ sends them. */
static void
dump_download (void)
{
  static const gchar txid[] = "0102030405060708090A0B0C0D0E0F10";
  g_autofree gchar *signed1_hex = g_strconcat ("303F", "8010", txid, "8110", "A1A2A3A4A5A6A7A8A9AAABACADAEAFB0",
                                               "8307", "736D64702E6578", "8410",
                                               "C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0", NULL);
  g_autofree gchar *signature_hex = g_strnfill (128, 'A');
  g_autofree gchar *sig_tlv_hex = g_strconcat ("5F3740", signature_hex, NULL);
  g_autofree gchar *pkid_tlv_hex = g_strconcat ("0414", ci_pkid_hex, NULL);
  g_autofree gchar *signed2_hex = g_strconcat ("3015", "8010", txid, "010100", NULL);
  g_autofree gchar *signed2_cc_hex = g_strconcat ("3015", "8010", txid, "0101FF", NULL);
  g_autoptr(GBytes) signed1 = hex_bytes (signed1_hex);
  g_autoptr(GBytes) signature = hex_bytes (sig_tlv_hex);
  g_autoptr(GBytes) pkid = hex_bytes (pkid_tlv_hex);
  g_autoptr(GBytes) certificate = hex_bytes (eum_certificate_hex);
  g_autoptr(GBytes) signed2 = hex_bytes (signed2_hex);
  g_autoptr(GBytes) signed2_cc = hex_bytes (signed2_cc_hex);
  g_autoptr(GBytes) hash_cc = hex_bytes ("00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF");
  g_autoptr(GBytes) transaction_id = hex_bytes (txid);
  /* DeviceInfo contents: tac, deviceCapabilities { eutranEpcSupportedRelease 15.0.0 }, imei */
  g_autoptr(GBytes) device_info = hex_bytes ("800435290611" "A1058503" "0F0000" "82083529061100000012");
  g_autoptr(GBytes) device_info_no_imei = hex_bytes ("800435290611" "A100");
  const gchar *matching_ids[] = { "04386-AGYFT-A74Y8-3F815", "", NULL };
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (matching_ids); i++)
    {
      g_autoptr(GBytes) ctx = es10_ctx_params1_encode (matching_ids[i], i == 2 ? device_info_no_imei : device_info);
      emit ("AuthenticateServerRequest",
            es10_authenticate_server_encode (signed1, signature, pkid, certificate, ctx, &error), error);
    }
  {
    /* ctxParams1 as the IPA builds it for a download: DeviceInfo from the configured device, with and without
     * capabilities and IMEI, as esipa_asn1_encode_device_info_contents() writes it. */
    EsipaDeviceInfo devices[2] = { { .tac = { 0x35, 0x29, 0x06, 0x11 }, .has_imei = TRUE,
                                     .imei = { 0x35, 0x29, 0x06, 0x11, 0x23, 0x45, 0x67, 0x80 } },
                                   { .tac = { 0 } } };

    devices[0].releases_present = (1u << ESIPA_DEVCAP_GSM) | (1u << ESIPA_DEVCAP_EUTRAN_EPC);
    devices[0].releases[ESIPA_DEVCAP_GSM] = (RspVersion) { 8, 0, 0 };
    devices[0].releases[ESIPA_DEVCAP_EUTRAN_EPC] = (RspVersion) { 15, 0, 0 };
    for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
      {
        g_autoptr(GBytes) contents = esipa_asn1_encode_device_info_contents (&devices[i]);
        g_autoptr(GBytes) ctx = es10_ctx_params1_encode (i == 0 ? "MID-1" : NULL, contents);
        emit ("AuthenticateServerRequest",
              es10_authenticate_server_encode (signed1, signature, pkid, certificate, ctx, &error), error);
      }
  }
  emit ("ImmediateEnableRequest", es10_immediate_enable_encode (FALSE), NULL);
  emit ("ImmediateEnableRequest", es10_immediate_enable_encode (TRUE), NULL);
  for (guint refresh = 0; refresh < 2; refresh++)
    {
      emit ("ProfileRollbackRequest", es10_switch_encode (ES10_SWITCH_ROLLBACK, refresh), NULL);
      emit ("ExecuteFallbackMechanismRequest", es10_switch_encode (ES10_SWITCH_EXECUTE_FALLBACK, refresh), NULL);
      emit ("ReturnFromFallbackRequest", es10_switch_encode (ES10_SWITCH_RETURN_FROM_FALLBACK, refresh), NULL);
      emit ("EnableEmergencyProfileRequest", es10_switch_encode (ES10_SWITCH_ENABLE_EMERGENCY, refresh), NULL);
      emit ("DisableEmergencyProfileRequest", es10_switch_encode (ES10_SWITCH_DISABLE_EMERGENCY, refresh), NULL);
    }
  emit ("PrepareDownloadRequest", es10_prepare_download_encode (signed2, signature, NULL, certificate, &error), error);
  emit ("PrepareDownloadRequest",
        es10_prepare_download_encode (signed2_cc, signature, hash_cc, certificate, &error), error);
  emit ("CancelSessionRequest", es10_cancel_session_encode (transaction_id, ES10_CANCEL_POSTPONED, &error), error);
  emit ("CancelSessionRequest",
        es10_cancel_session_encode (transaction_id, ES10_CANCEL_LOAD_BPP_EXECUTION_ERROR, &error), error);
  emit ("CancelSessionRequest",
        es10_cancel_session_encode (transaction_id, ES10_CANCEL_UNDEFINED_REASON, &error), error);
}

/* ES10c of SGP.22, for consumer eUICCs (an ICCID of 20 digits and one of 19 with the F filler). */
static void
emit_profile_operations (void)
{
  static const gchar *const iccids[] = { "89000123456789012358", "8900012345678900001" };
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (iccids); i++)
    {
      emit ("EnableProfileRequest", es10_profile_op_encode (ES10_PROFILE_OP_ENABLE, iccids[i], TRUE, &error), error);
      emit ("EnableProfileRequest", es10_profile_op_encode (ES10_PROFILE_OP_ENABLE, iccids[i], FALSE, &error), error);
      emit ("DisableProfileRequest", es10_profile_op_encode (ES10_PROFILE_OP_DISABLE, iccids[i], TRUE, &error), error);
      emit ("DeleteProfileRequest", es10_profile_op_encode (ES10_PROFILE_OP_DELETE, iccids[i], TRUE, &error), error);
      emit ("SetNicknameRequest", es10_set_nickname_encode (iccids[i], "field unit 7", &error), error);
      emit ("SetNicknameRequest", es10_set_nickname_encode (iccids[i], "", &error), error);
    }
}

int
main (void)
{
  g_autoptr(GBytes) pkid = hex_bytes (ci_pkid_hex);

  emit ("GetEuiccDataRequest", es10_get_eid_encode (), NULL);
  emit ("GetEuiccInfo1Request", es10_get_euicc_info1_encode (), NULL);
  emit ("GetEuiccInfo2Request", es10_get_euicc_info2_encode (), NULL);
  emit ("EuiccConfiguredAddressesRequest", es10_get_euicc_configured_addresses_encode (), NULL);
  emit ("GetEuiccChallengeRequest", es10_get_euicc_challenge_encode (), NULL);
  emit ("GetRatRequest", es10_get_rat_encode (), NULL);
  emit_profile_operations ();
  emit ("GetCertsRequest", es10_get_certs_encode (NULL, 0), NULL);
  emit ("GetCertsRequest", es10_get_certs_encode (g_bytes_get_data (pkid, NULL), g_bytes_get_size (pkid)), NULL);
  dump_profiles ();
  dump_notifications ();
  dump_eims ();
  dump_download ();
  return failures == 0 ? 0 : 1;
}
