/* SPDX-License-Identifier: Apache-2.0 */
/* ES10 codecs: every request vector of the reference (test-vectors.md section C) byte for byte, decoders on
 * responses built here by hand from the ASN.1, and refusals of truncated, mistagged and garbage input. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "card/es10.h"
#include "der/der.h"
#include "euiccd-error.h"

/* ---- helpers ----------------------------------------------------------------------------------------- */

/* A TLV in hex from a tag in hex and contents in hex, with the DER length computed here (not by src/der), so
 * the responses below read like the ASN.1 they come from. */
static gchar *
tlv (const gchar *tag, const gchar *contents)
{
  gsize n = strlen (contents) / 2;

  if (n < 0x80)
    return g_strdup_printf ("%s%02X%s", tag, (guint) n, contents);
  if (n < 0x100)
    return g_strdup_printf ("%s81%02X%s", tag, (guint) n, contents);
  return g_strdup_printf ("%s82%04X%s", tag, (guint) n, contents);
}

/* Frees the arguments: tlvf ("A0", cat (tlvf (...), tlvf (...))) builds nested structures without leaks. */
static gchar *
tlvf (const gchar *tag, gchar *contents)
{
  gchar *out = tlv (tag, contents);
  g_free (contents);
  return out;
}

static gchar *
cat (gchar *first, ...)
{
  GString *s = g_string_new (NULL);
  va_list ap;

  va_start (ap, first);
  for (gchar *p = first; p != NULL; p = va_arg (ap, gchar *))
    {
      g_string_append (s, p);
      g_free (p);
    }
  va_end (ap);
  return g_string_free (s, FALSE);
}

static gchar *
utf8_hex (const gchar *text)
{
  return der_to_hex ((const guint8 *) text, strlen (text));
}

static GBytes *
from_hex (const gchar *hex)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = der_from_hex (hex, &error);

  ck_assert_msg (bytes != NULL, "bad hex in test: %s", error != NULL ? error->message : "");
  return bytes;
}

static void
assert_bytes_hex (GBytes *bytes, const gchar *expected)
{
  g_autofree gchar *hex = NULL;

  ck_assert_ptr_nonnull (bytes);
  hex = der_to_hex (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  ck_assert_str_eq (hex, expected);
}

#define DATA(b) g_bytes_get_data ((b), NULL), g_bytes_get_size (b)

#define EID "89049032123451234512345678901235"
#define SKI_NIST "F54172BDF98A95D65CBEB88A38A1C11D800A85C3"
#define ICCID_DIGITS "89000123456789012358"
#define ICCID_CODED "98001032547698103285"

/* ---- requests: section C, byte-identical ----------------------------------------------------------- */

START_TEST (test_requests_simple)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) eid = es10_get_eid_encode ();
  g_autoptr(GBytes) info1 = es10_get_euicc_info1_encode ();
  g_autoptr(GBytes) info2 = es10_get_euicc_info2_encode ();
  g_autoptr(GBytes) addresses = es10_get_euicc_configured_addresses_encode ();
  g_autoptr(GBytes) challenge = es10_get_euicc_challenge_encode ();
  g_autoptr(GBytes) rat = es10_get_rat_encode ();
  g_autoptr(GBytes) certs = es10_get_certs_encode (NULL, 0);
  g_autoptr(GBytes) profiles = es10_get_profiles_info_encode (NULL, &error);
  g_autoptr(GBytes) list_notification = es10_list_notification_encode (0, &error);
  g_autoptr(GBytes) eims = es10_get_eim_configuration_data_encode (NULL, &error);
  g_autoptr(GBytes) remove = es10_remove_notification_from_list_encode (5);

  ck_assert_ptr_null (error);
  assert_bytes_hex (eid, "BF3E035C015A");
  assert_bytes_hex (info1, "BF2000");
  assert_bytes_hex (info2, "BF2200");
  assert_bytes_hex (addresses, "BF3C00");
  assert_bytes_hex (challenge, "BF2E00");
  assert_bytes_hex (rat, "BF4300");
  assert_bytes_hex (certs, "BF5600");
  assert_bytes_hex (profiles, "BF2D00");
  assert_bytes_hex (list_notification, "BF2800");
  assert_bytes_hex (eims, "BF5500");
  assert_bytes_hex (remove, "BF3003800105");
}
END_TEST

START_TEST (test_requests_notifications)
{
  g_autoptr(GError) error = NULL;
  RspNotificationSearch all = { .kind = RSP_NOTIFICATION_SEARCH_ALL };
  RspNotificationSearch seq = { .kind = RSP_NOTIFICATION_SEARCH_SEQ_NUMBER, .seq_number = 5 };
  RspNotificationSearch epr = { .kind = RSP_NOTIFICATION_SEARCH_EUICC_PACKAGE_RESULTS };
  RspNotificationSearch op = { .kind = RSP_NOTIFICATION_SEARCH_OPERATION, .operation = RSP_NOTIFICATION_DISABLE };
  RspNotificationSearch bad = { .kind = RSP_NOTIFICATION_SEARCH_OPERATION,
                                .operation = RSP_NOTIFICATION_ENABLE | RSP_NOTIFICATION_DISABLE };
  g_autoptr(GBytes) r_null = es10_retrieve_notifications_list_encode (NULL, &error);
  g_autoptr(GBytes) r_all = es10_retrieve_notifications_list_encode (&all, &error);
  g_autoptr(GBytes) r_seq = es10_retrieve_notifications_list_encode (&seq, &error);
  g_autoptr(GBytes) r_epr = es10_retrieve_notifications_list_encode (&epr, &error);
  g_autoptr(GBytes) r_op = es10_retrieve_notifications_list_encode (&op, &error);
  g_autoptr(GBytes) l_install = es10_list_notification_encode (RSP_NOTIFICATION_INSTALL, &error);
  g_autoptr(GBytes) r_bad = NULL;

  ck_assert_ptr_null (error);
  assert_bytes_hex (r_null, "BF2B00");
  assert_bytes_hex (r_all, "BF2B00");
  assert_bytes_hex (r_seq, "BF2B05A003800105");
  assert_bytes_hex (r_epr, "BF2B04A0028200");
  /* NotificationEvent notificationDisable(2): one octet, 5 unused bits, 0010 0000. */
  assert_bytes_hex (r_op, "BF2B06A00481020520");
  assert_bytes_hex (l_install, "BF2804810207" "80");

  r_bad = es10_retrieve_notifications_list_encode (&bad, &error);
  ck_assert_ptr_null (r_bad);
  ck_assert_int_eq (error->code, EUICCD_ERROR_INVALID_ARGS);
  ck_assert_ptr_nonnull (strstr (error->message, "RetrieveNotificationsList: operation mask 0x6"));
}
END_TEST

START_TEST (test_requests_profiles)
{
  g_autoptr(GError) error = NULL;
  static const guint8 aid[] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00,
                                0x00, 0x10, 0x00 };
  static const guint8 tags[] = { 0x5A, 0x9F, 0x70, 0x90 };
  Es10ProfileSearch by_iccid = { .kind = ES10_PROFILE_SEARCH_ICCID, .iccid = ICCID_DIGITS };
  Es10ProfileSearch by_aid = { .kind = ES10_PROFILE_SEARCH_ISDP_AID, .isdp_aid = aid, .isdp_aid_length = sizeof aid };
  Es10ProfileSearch by_class = { .kind = ES10_PROFILE_SEARCH_CLASS, .profile_class = ES10_PROFILE_CLASS_OPERATIONAL };
  Es10ProfileSearch with_tags = { .kind = ES10_PROFILE_SEARCH_ALL, .tag_list = tags, .tag_list_length = sizeof tags };
  Es10ProfileSearch bad_iccid = { .kind = ES10_PROFILE_SEARCH_ICCID, .iccid = "8900012345678901235X" };
  g_autoptr(GBytes) r_iccid = es10_get_profiles_info_encode (&by_iccid, &error);
  g_autoptr(GBytes) r_aid = es10_get_profiles_info_encode (&by_aid, &error);
  g_autoptr(GBytes) r_class = es10_get_profiles_info_encode (&by_class, &error);
  g_autoptr(GBytes) r_tags = es10_get_profiles_info_encode (&with_tags, &error);
  g_autoptr(GBytes) r_bad = NULL;

  ck_assert_ptr_null (error);
  /* searchCriteria [0] CHOICE: explicit A0 around the alternative. */
  assert_bytes_hex (r_iccid, "BF2D0EA00C5A0A" ICCID_CODED);
  assert_bytes_hex (r_aid, "BF2D14A0124F10A0000005591010FFFFFFFF8900001000");
  assert_bytes_hex (r_class, "BF2D05A003950102");
  assert_bytes_hex (r_tags, "BF2D065C045A9F7090");

  r_bad = es10_get_profiles_info_encode (&bad_iccid, &error);
  ck_assert_ptr_null (r_bad);
  ck_assert_ptr_nonnull (strstr (error->message, "character 19 is not a digit"));
}
END_TEST

START_TEST (test_requests_eim_and_certs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pkid = from_hex (SKI_NIST);
  g_autoptr(GBytes) by_id = es10_get_eim_configuration_data_encode ("eim1", &error);
  g_autoptr(GBytes) certs = es10_get_certs_encode (DATA (pkid));
  g_autoptr(GBytes) too_long = NULL;
  g_autofree gchar *long_id = g_strnfill (129, 'x');

  ck_assert_ptr_null (error);
  assert_bytes_hex (by_id, "BF5508A006800465696D31");
  assert_bytes_hex (certs, "BF561680" "14" SKI_NIST);

  too_long = es10_get_eim_configuration_data_encode (long_id, &error);
  ck_assert_ptr_null (too_long);
  ck_assert_str_eq (error->message, "GetEimConfigurationData: eimId of 129 bytes, expected 1 to 128");
}
END_TEST

START_TEST (test_requests_add_initial_eim)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10EimConfiguration) eim = es10_eim_configuration_new ();
  g_autoptr(Es10EimConfiguration) full = es10_eim_configuration_new ();
  /* A SubjectPublicKeyInfo-shaped SEQUENCE and a Certificate-shaped one, small enough to read. */
  g_autoptr(GBytes) spki = from_hex ("3013300906072A8648CE3D020103060004AABBCCDD");
  g_autoptr(GBytes) cert = from_hex ("300B3003020101300003020000");
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) request2 = NULL;
  g_autofree gchar *expected = NULL;
  const Es10EimConfiguration *one[1];
  const Es10EimConfiguration *two[2];

  eim->eim_id = g_strdup ("eim1");
  eim->eim_fqdn = g_strdup ("eim.example.com");
  eim->has_eim_id_type = TRUE;
  eim->eim_id_type = ES10_EIM_ID_TYPE_FQDN;
  eim->has_counter_value = TRUE;
  eim->counter_value = 1;
  eim->has_supported_protocols = TRUE;
  eim->supported_protocols = ES10_EIM_RETRIEVE_HTTPS;
  one[0] = eim;
  request = es10_add_initial_eim_encode (one, 1, &error);
  ck_assert_ptr_null (error);
  assert_bytes_hex (request,
                    "BF5725A0233021800465696D31810F65696D2E6578616D706C652E636F6D82010283010187020780");

  full->eim_id = g_strdup ("eim2");
  full->has_association_token = TRUE;
  full->association_token = 300;
  full->public_key_kind = ES10_EIM_KEY_PUBLIC_KEY;
  full->public_key_data = g_bytes_ref (spki);
  full->tls_kind = ES10_EIM_KEY_CERTIFICATE;
  full->tls_data = g_bytes_ref (cert);
  full->has_supported_protocols = TRUE;
  full->supported_protocols = ES10_EIM_RETRIEVE_HTTPS | ES10_EIM_INJECT_HTTPS;
  full->euicc_ci_pkid = from_hex (SKI_NIST);
  full->indirect_profile_download = TRUE;
  two[0] = eim;
  two[1] = full;
  request2 = es10_add_initial_eim_encode (two, 2, &error);
  ck_assert_ptr_null (error);
  expected = tlvf ("BF57", tlvf ("A0", cat (g_strdup ("3021800465696D31810F65696D2E6578616D706C652E636F6D82010283010187020780"),
                                            tlvf ("30", cat (g_strdup ("800465696D32"), g_strdup ("8402012C"),
                                                             /* CHOICE alternatives: [0] key, [1] certificate */
                                                             tlvf ("A5", tlv ("A0", "300906072A8648CE3D020103060004AABBCCDD")),
                                                             tlvf ("A6", tlv ("A1", "3003020101300003020000")),
                                                             g_strdup ("870205A0"), tlv ("88", SKI_NIST),
                                                             g_strdup ("8900"), NULL)),
                                            NULL)));
  assert_bytes_hex (request2, expected);

  /* Key data that is not a SEQUENCE is refused before anything reaches the card. */
  g_clear_pointer (&full->public_key_data, g_bytes_unref);
  full->public_key_data = from_hex ("0401AA");
  g_clear_pointer (&request2, g_bytes_unref);
  request2 = es10_add_initial_eim_encode (two, 2, &error);
  ck_assert_ptr_null (request2);
  ck_assert_str_eq (error->message, "AddInitialEim: eIM 1: EimConfigurationData: eimPublicKeyData is not one DER "
                                    "SEQUENCE (SubjectPublicKeyInfo or Certificate)");
}
END_TEST

/* ---- decoders ---------------------------------------------------------------------------------------- */

START_TEST (test_decode_eid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) good = from_hex ("BF3E125A10" EID);
  g_autoptr(GBytes) short_eid = from_hex ("BF3E115A0F" "890490321234512345123456789012");
  g_autoptr(GBytes) wrong_tag = from_hex ("BF3F125A10" EID);
  g_autoptr(GBytes) missing = from_hex ("BF3E00");
  g_autofree gchar *eid = es10_get_eid_decode (DATA (good), &error);
  gchar *bad;

  ck_assert_ptr_null (error);
  ck_assert_str_eq (eid, EID);

  bad = es10_get_eid_decode (DATA (short_eid), &error);
  ck_assert_ptr_null (bad);
  ck_assert_str_eq (error->message, "GetEuiccDataResponse: eidValue (5A): length 15, expected 16");
  g_clear_error (&error);

  bad = es10_get_eid_decode (DATA (wrong_tag), &error);
  ck_assert_ptr_null (bad);
  ck_assert_str_eq (error->message, "GetEuiccDataResponse: outer tag BF3F, expected BF3E");
  g_clear_error (&error);

  bad = es10_get_eid_decode (DATA (missing), &error);
  ck_assert_ptr_null (bad);
  ck_assert_str_eq (error->message, "GetEuiccDataResponse: eidValue (5A) missing");
  g_clear_error (&error);

  /* Truncated: the outer length runs past the data. */
  bad = es10_get_eid_decode (g_bytes_get_data (good, NULL), g_bytes_get_size (good) - 1, &error);
  ck_assert_ptr_null (bad);
  ck_assert_int_eq (error->code, EUICCD_ERROR_INVALID_DATA);
  ck_assert_ptr_nonnull (strstr (error->message, "GetEuiccDataResponse: DER: length beyond buffer"));
}
END_TEST

START_TEST (test_decode_euicc_info1)
{
  g_autoptr(GError) error = NULL;
  /* The reference vector (section C). */
  g_autoptr(GBytes) good = from_hex ("BF20358203020300A9160414" SKI_NIST "AA160414" SKI_NIST);
  g_autoptr(Es10EuiccInfo1) info = es10_get_euicc_info1_decode (DATA (good), &error);
  g_autoptr(GBytes) no_signing = from_hex ("BF201D8203020300A9160414" SKI_NIST);
  Es10EuiccInfo1 *bad;

  ck_assert_ptr_null (error);
  ck_assert_int_eq (info->svn.major, 2);
  ck_assert_int_eq (info->svn.minor, 3);
  ck_assert_int_eq (info->svn.revision, 0);
  ck_assert_uint_eq (info->ci_pkids_verification->len, 1);
  ck_assert_uint_eq (info->ci_pkids_signing->len, 1);
  assert_bytes_hex (g_ptr_array_index (info->ci_pkids_verification, 0), SKI_NIST);
  assert_bytes_hex (info->raw, "BF20358203020300A9160414" SKI_NIST "AA160414" SKI_NIST);

  bad = es10_get_euicc_info1_decode (DATA (no_signing), &error);
  ck_assert_ptr_null (bad);
  ck_assert_str_eq (error->message, "EUICCInfo1: euiccCiPKIdListForSigning (AA) missing");
}
END_TEST

/* EUICCInfo2 as an SGP.32 eUICC would send it, field by field from SGP32-EUICCInfo2. */
static gchar *
build_euicc_info2_with (const gchar *svn_field, const gchar *ext_card_resource)
{
  return tlvf ("BF22",
               cat (g_strdup ("810302030" "1"),            /* profileVersion 2.3.1 */
                    g_strdup (svn_field),                  /* svn */
                    g_strdup ("8303010203"),               /* euiccFirmwareVer 1.2.3 */
                    tlv ("84", ext_card_resource),
                    g_strdup ("85030576E0"),               /* uiccCapability bits 1,2,3,5,6,8,9,10 */
                    g_strdup ("8603090200"),               /* ts102241Version 9.2.0 */
                    g_strdup ("8703020301"),               /* globalplatformVersion 2.3.1 */
                    g_strdup ("88020490"),                 /* rspCapability additionalProfile, testProfileSupport */
                    tlvf ("A9", tlv ("04", SKI_NIST)),
                    tlvf ("AA", tlv ("04", SKI_NIST)),
                    g_strdup ("8B0102"),                   /* euiccCategory mediumEuicc */
                    g_strdup ("99020640"),                 /* forbiddenProfilePolicyRules ppr1 */
                    g_strdup ("0403010000"),               /* ppVersion 1.0.0 */
                    tlvf ("0C", utf8_hex ("SAS-123456")),  /* sasAcreditationNumber */
                    tlvf ("AC", cat (tlvf ("80", utf8_hex ("label")), tlvf ("81", utf8_hex ("dl.test")), NULL)),
                    g_strdup ("900100"),                   /* ipaMode ipad */
                    /* iotSpecificInfo: iotVersion {1.2.0}, ecallSupported, fallbackSupported */
                    tlvf ("B4", cat (tlv ("A0", "0403010200"), g_strdup ("81008200"), NULL)),
                    g_strdup ("9F7F01AA"),                 /* a field from a later version: tolerated */
                    NULL));
}

static gchar *
build_euicc_info2 (const gchar *svn_field)
{
  /* extCardResource: 81 apps=5, 82 free NVM=65536, 83 free RAM=8192 */
  return build_euicc_info2_with (svn_field, "810105820301000083022000");
}

START_TEST (test_decode_euicc_info2)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hex = build_euicc_info2 ("8203020500");
  g_autoptr(GBytes) good = from_hex (hex);
  g_autoptr(Es10EuiccInfo2) info = es10_get_euicc_info2_decode (DATA (good), &error);
  g_autofree gchar *svn = NULL;

  ck_assert_msg (info != NULL, "%s", error != NULL ? error->message : "");
  svn = rsp_version_to_string (&info->svn);
  ck_assert_str_eq (svn, "2.5.0");
  ck_assert_int_eq (info->profile_version.revision, 1);
  ck_assert_int_eq (info->firmware_version.minor, 2);
  ck_assert (info->has_installed_applications);
  ck_assert_uint_eq (info->installed_applications, 5);
  ck_assert (info->has_free_nvm);
  ck_assert_uint_eq (info->free_nvm, 65536);
  ck_assert (info->has_free_ram);
  ck_assert_uint_eq (info->free_ram, 8192);
  ck_assert_uint_eq (info->uicc_capability, (1u << 1) | (1u << 2) | (1u << 3) | (1u << 5) | (1u << 6) | (1u << 8) |
                                                (1u << 9) | (1u << 10));
  ck_assert (info->has_ts102241_version);
  ck_assert_int_eq (info->ts102241_version.major, 9);
  ck_assert (info->has_globalplatform_version);
  ck_assert_uint_eq (info->rsp_capability, ES10_RSP_CAP_ADDITIONAL_PROFILE | ES10_RSP_CAP_TEST_PROFILE_SUPPORT);
  ck_assert_uint_eq (info->ci_pkids_verification->len, 1);
  ck_assert_uint_eq (info->ci_pkids_signing->len, 1);
  ck_assert (info->has_euicc_category);
  ck_assert_int_eq (info->euicc_category, 2);
  ck_assert (info->has_forbidden_ppr);
  ck_assert_uint_eq (info->forbidden_ppr, ES10_PPR1);
  ck_assert_int_eq (info->pp_version.major, 1);
  ck_assert_str_eq (info->sas_accreditation_number, "SAS-123456");
  ck_assert_str_eq (info->certification_platform_label, "label");
  ck_assert_str_eq (info->certification_discovery_url, "dl.test");
  ck_assert (info->has_ipa_mode);
  ck_assert_int_eq (info->ipa_mode, 0);
  ck_assert (info->has_iot_specific_info);
  ck_assert_uint_eq (info->iot_versions->len, 1);
  ck_assert_int_eq (g_array_index (info->iot_versions, RspVersion, 0).minor, 2);
  ck_assert (info->ecall_supported);
  ck_assert (info->fallback_supported);
  ck_assert (!info->has_highest_svn);
  assert_bytes_hex (info->raw, hex);
}
END_TEST

START_TEST (test_decode_euicc_info2_refusals)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *short_svn = build_euicc_info2 ("82020205");
  g_autofree gchar *no_svn = build_euicc_info2 ("");
  g_autofree gchar *bad_ecr = NULL;
  g_autoptr(GBytes) b1 = from_hex (short_svn);
  g_autoptr(GBytes) b2 = from_hex (no_svn);
  g_autoptr(GBytes) b3 = NULL;
  g_autoptr(GBytes) garbage = from_hex ("DEADBEEF0102030405");
  Es10EuiccInfo2 *info;

  info = es10_get_euicc_info2_decode (DATA (b1), &error);
  ck_assert_ptr_null (info);
  ck_assert_int_eq (error->code, EUICCD_ERROR_INVALID_DATA);
  ck_assert_str_eq (error->message, "EUICCInfo2: svn (82): length 2, expected 3");
  g_clear_error (&error);

  info = es10_get_euicc_info2_decode (DATA (b2), &error);
  ck_assert_ptr_null (info);
  ck_assert_str_eq (error->message, "EUICCInfo2: svn (82) missing");
  g_clear_error (&error);

  /* extCardResource item announcing more bytes than it holds: passed on to the eIM as the card gave it, not
   * judged; only the figures read from it are absent. */
  bad_ecr = build_euicc_info2_with ("8203020500", "820401");
  b3 = from_hex (bad_ecr);
  info = es10_get_euicc_info2_decode (DATA (b3), &error);
  ck_assert_msg (info != NULL, "%s", error != NULL ? error->message : "");
  assert_bytes_hex (info->ext_card_resource, "820401");
  ck_assert (!info->has_free_nvm && !info->has_free_ram && !info->has_installed_applications);
  es10_euicc_info2_free (info);

  info = es10_get_euicc_info2_decode (DATA (garbage), &error);
  ck_assert_ptr_null (info);
  ck_assert_ptr_nonnull (strstr (error->message, "EUICCInfo2: "));
  g_clear_error (&error);

  info = es10_get_euicc_info2_decode (NULL, 0, &error);
  ck_assert_ptr_null (info);
  ck_assert_str_eq (error->message, "EUICCInfo2: empty response, expected tag BF22");
}
END_TEST

START_TEST (test_decode_addresses_challenge)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hex = tlvf ("BF3C", cat (tlvf ("80", utf8_hex ("smdp.example.com")),
                                            tlvf ("81", utf8_hex ("lpa.ds.gsma.com")), NULL));
  g_autofree gchar *root_only = tlvf ("BF3C", tlvf ("81", utf8_hex ("lpa.ds.gsma.com")));
  g_autoptr(GBytes) b = from_hex (hex);
  g_autoptr(GBytes) b2 = from_hex (root_only);
  g_autoptr(GBytes) none = from_hex ("BF3C00");
  g_autoptr(GBytes) ch = from_hex ("BF2E1280100102030405060708090A0B0C0D0E0F10");
  g_autoptr(GBytes) ch_short = from_hex ("BF2E038001AA");
  g_autoptr(Es10ConfiguredAddresses) addresses = es10_get_euicc_configured_addresses_decode (DATA (b), &error);
  g_autoptr(Es10ConfiguredAddresses) addresses2 = es10_get_euicc_configured_addresses_decode (DATA (b2), &error);
  g_autoptr(GBytes) challenge = es10_get_euicc_challenge_decode (DATA (ch), &error);
  gpointer bad;

  ck_assert_ptr_null (error);
  ck_assert_str_eq (addresses->default_dp_address, "smdp.example.com");
  ck_assert_str_eq (addresses->root_ds_address, "lpa.ds.gsma.com");
  ck_assert_ptr_null (addresses2->default_dp_address);
  assert_bytes_hex (challenge, "0102030405060708090A0B0C0D0E0F10");

  bad = es10_get_euicc_configured_addresses_decode (DATA (none), &error);
  ck_assert_ptr_null (bad);
  ck_assert_str_eq (error->message, "EuiccConfiguredAddressesResponse: rootDsAddress (81) missing");
  g_clear_error (&error);

  bad = es10_get_euicc_challenge_decode (DATA (ch_short), &error);
  ck_assert_ptr_null (bad);
  ck_assert_str_eq (error->message, "GetEuiccChallengeResponse: euiccChallenge (80): length 1, expected 16");
}
END_TEST

START_TEST (test_decode_certs)
{
  g_autoptr(GError) error = NULL;
  /* Two certificate-shaped SEQUENCEs; [5]/[6] replace their 30 tag (implicit tagging). */
  g_autofree gchar *hex = tlvf ("BF56", tlvf ("A0", cat (tlv ("A5", "3003020101300003020000"),
                                                        tlv ("A6", "3003020102300003020000"), NULL)));
  g_autoptr(GBytes) b = from_hex (hex);
  g_autoptr(GBytes) err = from_hex ("BF5603810101");
  g_autoptr(GBytes) half = from_hex ("BF560FA00DA50B3003020101300003020000");
  g_autoptr(Es10Certs) certs = es10_get_certs_decode (DATA (b), &error);
  g_autoptr(Es10Certs) certs_error = es10_get_certs_decode (DATA (err), &error);
  Es10Certs *bad;

  ck_assert_ptr_null (error);
  ck_assert (!certs->has_error);
  assert_bytes_hex (certs->eum_certificate, "300B3003020101300003020000");
  assert_bytes_hex (certs->euicc_certificate, "300B3003020102300003020000");
  ck_assert (certs_error->has_error);
  ck_assert_int_eq (certs_error->error_code, 1);
  ck_assert_ptr_null (certs_error->eum_certificate);

  bad = es10_get_certs_decode (DATA (half), &error);
  ck_assert_ptr_null (bad);
  ck_assert_str_eq (error->message, "GetCertsResponse: euiccCertificate (A6) missing");
}
END_TEST

START_TEST (test_decode_rat)
{
  g_autoptr(GError) error = NULL;
  /* One rule: ppr1 allowed for 262-01 with gid1 AA, consent required. */
  g_autofree gchar *hex = tlvf ("BF43", tlvf ("A0", tlvf ("30", cat (g_strdup ("80020640"),
                                                                    tlvf ("A1", tlv ("30", "800362F2108101AA")),
                                                                    g_strdup ("82020780"), NULL))));
  g_autoptr(GBytes) b = from_hex (hex);
  g_autoptr(GBytes) empty = from_hex ("BF4302A000");
  g_autoptr(GBytes) broken = from_hex ("BF4308A006300480020940");
  g_autoptr(Es10Rat) rat = es10_get_rat_decode (DATA (b), &error);
  g_autoptr(Es10Rat) rat_empty = es10_get_rat_decode (DATA (empty), &error);
  Es10RatRule *rule;
  Es10OperatorId *op;
  Es10Rat *bad;

  ck_assert_ptr_null (error);
  ck_assert_uint_eq (rat->rules->len, 1);
  rule = g_ptr_array_index (rat->rules, 0);
  ck_assert_uint_eq (rule->ppr_ids, ES10_PPR1);
  ck_assert (rule->consent_required);
  ck_assert_uint_eq (rule->allowed_operators->len, 1);
  op = g_ptr_array_index (rule->allowed_operators, 0);
  ck_assert_int_eq (op->mcc_mnc[0], 0x62);
  ck_assert_int_eq (op->mcc_mnc[2], 0x10);
  assert_bytes_hex (op->gid1, "AA");
  ck_assert_ptr_null (op->gid2);
  assert_bytes_hex (rat->raw, hex);
  ck_assert_uint_eq (rat_empty->rules->len, 0);

  bad = es10_get_rat_decode (DATA (broken), &error);
  ck_assert_ptr_null (bad);
  ck_assert_ptr_nonnull (strstr (error->message, "GetRatResponse: ProfilePolicyAuthorisationRule: pprIds (80): DER: BIT STRING in tag 80 claims 9 unused bits"));
}
END_TEST

static gchar *
build_profiles (void)
{
  gchar *second = tlvf ("E3", cat (tlv ("5A", "980010325476981032FF"), g_strdup ("9F700100"),
                                   g_strdup ("950100"), NULL));
  gchar *first;

  first = tlvf ("E3", cat (tlv ("5A", ICCID_CODED),
                           tlv ("4F", "A0000005591010FFFFFFFF8900001000"),
                           g_strdup ("9F700101"),
                           tlvf ("90", utf8_hex ("work")),
                           tlvf ("91", utf8_hex ("Op Ltd")),
                           tlvf ("92", utf8_hex ("IoT 1GB")),
                           g_strdup ("930101"),
                           g_strdup ("950102"),
                           tlvf ("B6", tlvf ("30", cat (g_strdup ("80020640"), tlvf ("81", utf8_hex ("smdp.example.com")),
                                                        NULL))),
                           g_strdup ("B7058003" "62F210"),
                           g_strdup ("99020640"),
                           g_strdup ("9F2601FF"),
                           g_strdup ("9F6701FF"),
                           g_strdup ("BF6400"),
                           NULL));
  return tlvf ("BF2D", tlvf ("A0", cat (first, second, NULL)));
}

START_TEST (test_decode_profiles)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hex = build_profiles ();
  g_autoptr(GBytes) b = from_hex (hex);
  g_autoptr(GBytes) err = from_hex ("BF2D0381010B");
  g_autoptr(GBytes) empty = from_hex ("BF2D02A000");
  g_autoptr(Es10ProfileList) list = es10_get_profiles_info_decode (DATA (b), &error);
  g_autoptr(Es10ProfileList) list_error = es10_get_profiles_info_decode (DATA (err), &error);
  g_autoptr(Es10ProfileList) list_empty = es10_get_profiles_info_decode (DATA (empty), &error);
  Es10ProfileInfo *p, *q;
  Es10NotificationConfiguration *nc;

  ck_assert_msg (list != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_ptr_null (error);
  ck_assert (!list->has_error);
  ck_assert_uint_eq (list->profiles->len, 2);
  p = g_ptr_array_index (list->profiles, 0);
  ck_assert_str_eq (p->iccid, ICCID_DIGITS);
  assert_bytes_hex (p->isdp_aid, "A0000005591010FFFFFFFF8900001000");
  ck_assert (p->has_state);
  ck_assert_int_eq (p->state, ES10_PROFILE_STATE_ENABLED);
  ck_assert_str_eq (p->nickname, "work");
  ck_assert_str_eq (p->service_provider_name, "Op Ltd");
  ck_assert_str_eq (p->name, "IoT 1GB");
  ck_assert (p->has_icon_type);
  ck_assert_int_eq (p->icon_type, ES10_ICON_TYPE_PNG);
  ck_assert (p->has_class);
  ck_assert_int_eq (p->profile_class, ES10_PROFILE_CLASS_OPERATIONAL);
  ck_assert_uint_eq (p->notification_configuration->len, 1);
  nc = g_ptr_array_index (p->notification_configuration, 0);
  ck_assert_uint_eq (nc->operation, RSP_NOTIFICATION_ENABLE);
  ck_assert_str_eq (nc->address, "smdp.example.com");
  ck_assert_ptr_nonnull (p->owner);
  ck_assert_int_eq (p->owner->mcc_mnc[1], 0xF2);
  ck_assert (p->has_policy_rules);
  ck_assert_uint_eq (p->policy_rules, ES10_PPR1);
  ck_assert (p->fallback_attribute);
  ck_assert (p->has_fallback_allowed);
  ck_assert (p->fallback_allowed);

  q = g_ptr_array_index (list->profiles, 1);
  ck_assert_str_eq (q->iccid, "890001234567890123");
  ck_assert_int_eq (q->state, ES10_PROFILE_STATE_DISABLED);
  ck_assert_int_eq (q->profile_class, ES10_PROFILE_CLASS_TEST);
  ck_assert (!q->fallback_attribute);  /* DEFAULT FALSE */
  ck_assert (!q->has_fallback_allowed);
  ck_assert_ptr_null (q->nickname);

  ck_assert (list_error->has_error);
  ck_assert_int_eq (list_error->error_code, 11);
  ck_assert_uint_eq (list_error->profiles->len, 0);
  ck_assert_uint_eq (list_empty->profiles->len, 0);
}
END_TEST

static void
assert_one_skipped_profile (GBytes *answer, const gchar *entry_hex, const gchar *reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10ProfileList) list = es10_get_profiles_info_decode (DATA (answer), &error);
  Es10SkippedEntry *skipped;

  ck_assert_msg (list != NULL, "%s", error != NULL ? error->message : "");
  ck_assert (!list->has_error);
  ck_assert_uint_eq (list->profiles->len, 0);
  ck_assert_uint_eq (list->skipped->len, 1);
  skipped = g_ptr_array_index (list->skipped, 0);
  assert_bytes_hex (skipped->raw, entry_hex);
  ck_assert_str_eq (skipped->reason, reason);
}

START_TEST (test_decode_profiles_refusals)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bad_iccid = from_hex ("BF2D0FA00DE30B5A09980010325476981032");
  g_autoptr(GBytes) bad_digit = from_hex ("BF2D10A00EE30C5A0A9800103254769810A285");
  g_autoptr(GBytes) bad_state = from_hex ("BF2D07A005E3039F7000");
  g_autoptr(GBytes) wrong_item = from_hex ("BF2D06A004E0020500");
  g_autoptr(GBytes) wrong_choice = from_hex ("BF2D03820101");
  Es10ProfileList *list;

  /* Each entry that cannot be read is left out with its reason and its bytes; the answer still decodes. */
  assert_one_skipped_profile (bad_iccid, "E30B5A09980010325476981032",
                              "entry 0 (tag E3): ProfileInfo: iccid (5A): ICCID: 9 bytes, expected 10");
  assert_one_skipped_profile (bad_digit, "E30C5A0A9800103254769810A285",
                              "entry 0 (tag E3): ProfileInfo: iccid (5A): ICCID: nibble 17 is A, not a decimal digit");
  assert_one_skipped_profile (bad_state, "E3039F7000",
                              "entry 0 (tag E3): ProfileInfo: profileState (9F70): DER: INTEGER in tag 9F70 is empty");
  assert_one_skipped_profile (wrong_item, "E0020500", "entry 0 (tag E0): ProfileInfo: outer tag E0, expected E3");

  list = es10_get_profiles_info_decode (DATA (wrong_choice), &error);
  ck_assert_ptr_null (list);
  ck_assert_str_eq (error->message, "ProfileInfoListResponse: tag 82, expected profileInfoListOk (A0) or "
                                    "profileInfoListError (81)");
}
END_TEST

#define SIG64 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static gchar *
build_metadata (const gchar *seq, const gchar *operation_bits, gboolean with_iccid)
{
  return tlvf ("BF2F", cat (tlv ("80", seq), tlv ("81", operation_bits), tlvf ("0C", utf8_hex ("smdp.example.com")),
                            with_iccid ? tlv ("5A", ICCID_CODED) : g_strdup (""), NULL));
}

START_TEST (test_decode_pending_notifications)
{
  g_autoptr(GError) error = NULL;
  /* otherSignedNotification (enable, seq 5) and a profileInstallationResult (install, seq 3). */
  gchar *other = tlvf ("30", cat (build_metadata ("05", "0640", TRUE), tlv ("5F37", SIG64),
                                  g_strdup ("300B3003020101300003020000"), g_strdup ("300B3003020102300003020000"),
                                  NULL));
  gchar *pir = tlvf ("BF37", cat (tlvf ("BF27", cat (tlv ("80", "0102030405060708090A0B0C0D0E0F10"),
                                                     build_metadata ("03", "0780", FALSE),
                                                     g_strdup ("06032B0601"),
                                                     tlvf ("A2", tlv ("30", "4F03A00000040100")), NULL)),
                                  tlv ("5F37", SIG64), NULL));
  gchar *compact = tlvf ("A1", cat (tlv ("5A", EID), build_metadata ("0100", "0520", TRUE), tlv ("5F37", SIG64),
                                    NULL));
  g_autofree gchar *hex = tlvf ("BF2B", tlvf ("A0", cat (other, pir, compact, NULL)));
  g_autoptr(GBytes) b = from_hex (hex);
  g_autoptr(Es10PendingNotificationList) list = es10_retrieve_notifications_list_decode (DATA (b), &error);
  Es10PendingNotification *n;
  DerTlv outer, a0, first;

  ck_assert_msg (list != NULL, "%s", error != NULL ? error->message : "");
  ck_assert (!list->has_error);
  ck_assert_uint_eq (list->notifications->len, 3);

  n = g_ptr_array_index (list->notifications, 0);
  ck_assert_int_eq (n->kind, ES10_PENDING_OTHER_SIGNED_NOTIFICATION);
  ck_assert (n->has_seq_number);
  ck_assert_int_eq (n->seq_number, 5);
  ck_assert_uint_eq (n->operation, RSP_NOTIFICATION_ENABLE);
  ck_assert_str_eq (n->address, "smdp.example.com");
  ck_assert_str_eq (n->iccid, ICCID_DIGITS);
  /* The raw TLV is the first item of the list, unchanged. */
  ck_assert (der_parse_single (DATA (b), &outer, NULL));
  ck_assert (der_find_child (&outer, 0xA0, &a0, NULL));
  ck_assert (der_find_child (&a0, 0x30, &first, NULL));
  ck_assert_uint_eq (g_bytes_get_size (n->raw), first.raw_length);
  ck_assert_mem_eq (g_bytes_get_data (n->raw, NULL), first.raw, first.raw_length);

  n = g_ptr_array_index (list->notifications, 1);
  ck_assert_int_eq (n->kind, ES10_PENDING_PROFILE_INSTALLATION_RESULT);
  ck_assert_int_eq (n->seq_number, 3);
  ck_assert_uint_eq (n->operation, RSP_NOTIFICATION_INSTALL);
  ck_assert_ptr_null (n->iccid);
  assert_bytes_hex (n->transaction_id, "0102030405060708090A0B0C0D0E0F10");

  n = g_ptr_array_index (list->notifications, 2);
  ck_assert_int_eq (n->kind, ES10_PENDING_COMPACT_OTHER_SIGNED_NOTIFICATION);
  ck_assert_int_eq (n->seq_number, 256);
  ck_assert_uint_eq (n->operation, RSP_NOTIFICATION_DISABLE);
}
END_TEST

START_TEST (test_decode_package_results)
{
  g_autoptr(GError) error = NULL;
  /* The two EuiccPackageResult vectors of section C. */
  g_autofree gchar *signed_result = g_strconcat ("BF5167A0653020800465696D31810101820801020304050607088301073008830100"
                                                 "BF2D02A0005F3740", SIG64, NULL);
  g_autofree gchar *hex = tlvf ("BF2B", tlvf ("A2", cat (g_strdup ("BF5112A210800465696D3182080102030405060708"),
                                                        g_strdup (signed_result), NULL)));
  g_autoptr(GBytes) b = from_hex (hex);
  g_autoptr(GBytes) err = from_hex ("BF2B0381017F");
  g_autoptr(GBytes) empty = from_hex ("BF2B02A000");
  g_autoptr(GBytes) not_epr = from_hex ("BF2B05A203810100");
  g_autoptr(Es10PendingNotificationList) list = es10_retrieve_notifications_list_decode (DATA (b), &error);
  g_autoptr(Es10PendingNotificationList) list_err = es10_retrieve_notifications_list_decode (DATA (err), &error);
  g_autoptr(Es10PendingNotificationList) list_empty = es10_retrieve_notifications_list_decode (DATA (empty), &error);
  Es10PendingNotificationList *bad;
  Es10PendingNotification *n;

  ck_assert_msg (list != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (list->notifications->len, 2);
  n = g_ptr_array_index (list->notifications, 0);
  ck_assert_int_eq (n->kind, ES10_PENDING_EUICC_PACKAGE_RESULT);
  ck_assert_str_eq (n->eim_id, "eim1");
  ck_assert (!n->has_seq_number);
  assert_bytes_hex (n->transaction_id, "0102030405060708");
  assert_bytes_hex (n->raw, "BF5112A210800465696D3182080102030405060708");
  n = g_ptr_array_index (list->notifications, 1);
  ck_assert (n->has_seq_number);
  ck_assert_int_eq (n->seq_number, 7);
  assert_bytes_hex (n->raw, signed_result);

  ck_assert (list_err->has_error);
  ck_assert_int_eq (list_err->error_code, 127);
  ck_assert_uint_eq (list_empty->notifications->len, 0);

  /* An item of another kind in the package result list is left out, not taken for a result. */
  bad = es10_retrieve_notifications_list_decode (DATA (not_epr), &error);
  ck_assert_msg (bad != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (bad->notifications->len, 0);
  ck_assert_uint_eq (bad->skipped->len, 1);
  ck_assert_str_eq (((Es10SkippedEntry *) g_ptr_array_index (bad->skipped, 0))->reason,
                    "entry 0 (tag 81): euiccPackageResultList (A2): tag 81, expected BF51");
  assert_bytes_hex (((Es10SkippedEntry *) g_ptr_array_index (bad->skipped, 0))->raw, "810100");
  es10_pending_notification_list_free (bad);
}
END_TEST

START_TEST (test_decode_list_notification_and_remove)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hex = tlvf ("BF28", tlvf ("A0", cat (build_metadata ("01", "0780", TRUE),
                                                        build_metadata ("02", "0410", FALSE), NULL)));
  g_autofree gchar *no_address = tlvf ("BF28", tlvf ("A0", tlvf ("BF2F", g_strdup ("800101810207" "80"))));
  g_autoptr(GBytes) b = from_hex (hex);
  g_autoptr(GBytes) b_bad = from_hex (no_address);
  g_autoptr(GBytes) ok = from_hex ("BF3003800100");
  g_autoptr(GBytes) nothing = from_hex ("BF3003800101");
  g_autoptr(GBytes) wrong = from_hex ("BF3103800100");
  g_autoptr(Es10NotificationMetadataList) list = es10_list_notification_decode (DATA (b), &error);
  Es10NotificationMetadataList *bad;
  Es10NotificationMetadata *m;
  gint64 status = -1;

  ck_assert_ptr_null (error);
  ck_assert_uint_eq (list->notifications->len, 2);
  m = g_ptr_array_index (list->notifications, 0);
  ck_assert_int_eq (m->seq_number, 1);
  ck_assert_uint_eq (m->operation, RSP_NOTIFICATION_INSTALL);
  ck_assert_str_eq (m->iccid, ICCID_DIGITS);
  m = g_ptr_array_index (list->notifications, 1);
  ck_assert_uint_eq (m->operation, RSP_NOTIFICATION_DELETE);
  ck_assert_ptr_null (m->iccid);

  bad = es10_list_notification_decode (DATA (b_bad), &error);
  ck_assert_ptr_null (bad);
  ck_assert_str_eq (error->message, "ListNotificationResponse: NotificationMetadata: notificationAddress (0C) missing");
  g_clear_error (&error);

  ck_assert (es10_remove_notification_from_list_decode (DATA (ok), &status, &error));
  ck_assert_int_eq (status, ES10_REMOVE_NOTIFICATION_OK);
  ck_assert (es10_remove_notification_from_list_decode (DATA (nothing), &status, &error));
  ck_assert_int_eq (status, ES10_REMOVE_NOTIFICATION_NOTHING_TO_DELETE);
  ck_assert (!es10_remove_notification_from_list_decode (DATA (wrong), &status, &error));
  ck_assert_str_eq (error->message, "NotificationSentResponse: outer tag BF31, expected BF30");
}
END_TEST

START_TEST (test_decode_eim_configuration)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hex = tlvf ("BF55", tlvf ("A0", cat (
      tlvf ("30", cat (g_strdup ("800465696D31"), tlvf ("81", utf8_hex ("eim.example.com")), g_strdup ("820102"),
                       g_strdup ("830105"), g_strdup ("840107"),
                       tlvf ("A5", tlv ("A0", "300906072A8648CE3D020103060004AABBCCDD")),
                       tlvf ("A6", tlv ("A1", "3003020101300003020000")),
                       g_strdup ("870205A0"), tlv ("88", SKI_NIST), g_strdup ("8900"),
                       g_strdup ("AA00"), NULL)),  /* eSipaProprietaryProtocolInformation [10]: tolerated */
      tlvf ("30", g_strdup ("800465696D32")),
      /* A bare SubjectPublicKeyInfo without the alternative's tag, as some cards send it: tolerated. */
      tlvf ("30", cat (g_strdup ("800465696D33"), tlv ("A5", "3013300906072A8648CE3D020103060004AABBCCDD"), NULL)),
      NULL)));
  g_autoptr(GBytes) b = from_hex (hex);
  g_autoptr(GBytes) empty = from_hex ("BF5502A000");
  g_autoptr(GBytes) no_id = from_hex ("BF5507A005300381010A");
  g_autoptr(GBytes) bad_key = from_hex ("BF550DA00B3009800161A50430020500");
  g_autoptr(Es10EimConfigurationList) list = es10_get_eim_configuration_data_decode (DATA (b), &error);
  g_autoptr(Es10EimConfigurationList) list_empty = es10_get_eim_configuration_data_decode (DATA (empty), &error);
  Es10EimConfigurationList *bad;
  Es10EimConfiguration *eim;

  ck_assert_msg (list != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (list->eims->len, 3);
  eim = g_ptr_array_index (list->eims, 0);
  ck_assert_str_eq (eim->eim_id, "eim1");
  ck_assert_str_eq (eim->eim_fqdn, "eim.example.com");
  ck_assert (eim->has_eim_id_type);
  ck_assert_int_eq (eim->eim_id_type, ES10_EIM_ID_TYPE_FQDN);
  ck_assert (eim->has_counter_value);
  ck_assert_int_eq (eim->counter_value, 5);
  ck_assert (eim->has_association_token);
  ck_assert_int_eq (eim->association_token, 7);
  ck_assert_int_eq (eim->public_key_kind, ES10_EIM_KEY_PUBLIC_KEY);
  assert_bytes_hex (eim->public_key_data, "3013300906072A8648CE3D020103060004AABBCCDD");
  ck_assert_int_eq (eim->tls_kind, ES10_EIM_KEY_CERTIFICATE);
  assert_bytes_hex (eim->tls_data, "300B3003020101300003020000");
  ck_assert (eim->has_supported_protocols);
  ck_assert_uint_eq (eim->supported_protocols, ES10_EIM_RETRIEVE_HTTPS | ES10_EIM_INJECT_HTTPS);
  assert_bytes_hex (eim->euicc_ci_pkid, SKI_NIST);
  ck_assert (eim->indirect_profile_download);
  eim = g_ptr_array_index (list->eims, 1);
  ck_assert_str_eq (eim->eim_id, "eim2");
  ck_assert_ptr_null (eim->eim_fqdn);
  ck_assert (!eim->has_counter_value);
  ck_assert_int_eq (eim->public_key_kind, ES10_EIM_KEY_NONE);
  eim = g_ptr_array_index (list->eims, 2);
  ck_assert_int_eq (eim->public_key_kind, ES10_EIM_KEY_PUBLIC_KEY);
  assert_bytes_hex (eim->public_key_data, "3013300906072A8648CE3D020103060004AABBCCDD");
  ck_assert_uint_eq (list_empty->eims->len, 0);

  /* An entry that cannot be read is left out with its reason; the answer still decodes. */
  bad = es10_get_eim_configuration_data_decode (DATA (no_id), &error);
  ck_assert_msg (bad != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (bad->eims->len, 0);
  ck_assert_uint_eq (bad->skipped->len, 1);
  ck_assert_str_eq (((Es10SkippedEntry *) g_ptr_array_index (bad->skipped, 0))->reason,
                    "entry 0 (tag 30): EimConfigurationData: eimId (80) missing");
  es10_eim_configuration_list_free (bad);

  bad = es10_get_eim_configuration_data_decode (DATA (bad_key), &error);
  ck_assert_msg (bad != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (bad->eims->len, 0);
  ck_assert_uint_eq (bad->skipped->len, 1);
  ck_assert_str_eq (((Es10SkippedEntry *) g_ptr_array_index (bad->skipped, 0))->reason,
                    "entry 0 (tag 30): EimConfigurationData: eimPublicKeyData (A5): SEQUENCE of 1 components, "
                    "expected 2 (SubjectPublicKeyInfo) or 3 (Certificate)");
  assert_bytes_hex (((Es10SkippedEntry *) g_ptr_array_index (bad->skipped, 0))->raw, "3009800161A50430020500");
  es10_eim_configuration_list_free (bad);
}
END_TEST

START_TEST (test_eim_configuration_round_trip)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) in = from_hex ("3021800465696D31810F65696D2E6578616D706C652E636F6D82010283010187020780");
  g_autoptr(Es10EimConfiguration) eim = es10_eim_configuration_decode (DATA (in), &error);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree gchar *hex = NULL;

  ck_assert_ptr_nonnull (eim);
  ck_assert (es10_eim_configuration_encode (eim, out, &error));
  hex = der_to_hex (out->data, out->len);
  ck_assert_str_eq (hex, "3021800465696D31810F65696D2E6578616D706C652E636F6D82010283010187020780");
}
END_TEST

START_TEST (test_decode_add_initial_eim)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ok = from_hex ("BF5707A00584010705 00");
  g_autoptr(GBytes) err = from_hex ("BF5703810102");
  g_autoptr(GBytes) bad_item = from_hex ("BF5705A003800100");
  g_autoptr(Es10AddInitialEimResult) result = es10_add_initial_eim_decode (DATA (ok), &error);
  g_autoptr(Es10AddInitialEimResult) result_err = es10_add_initial_eim_decode (DATA (err), &error);
  Es10AddInitialEimResult *bad;

  ck_assert_ptr_null (error);
  ck_assert (!result->has_error);
  ck_assert_uint_eq (result->entries->len, 2);
  ck_assert (g_array_index (result->entries, Es10AddInitialEimEntry, 0).has_association_token);
  ck_assert_int_eq (g_array_index (result->entries, Es10AddInitialEimEntry, 0).association_token, 7);
  ck_assert (!g_array_index (result->entries, Es10AddInitialEimEntry, 1).has_association_token);
  ck_assert (result_err->has_error);
  ck_assert_int_eq (result_err->error_code, 2);

  bad = es10_add_initial_eim_decode (DATA (bad_item), &error);
  ck_assert_ptr_null (bad);
  ck_assert_str_eq (error->message, "AddInitialEimResponse: addInitialEimOk (A0): item 0 has tag 80, expected "
                                    "associationToken (84) or addOk (05)");
}
END_TEST

START_TEST (test_iccid_coding)
{
  g_autoptr(GError) error = NULL;
  static const guint8 coded19[] = { 0x98, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0xF5 };
  static const guint8 bad_padding[] = { 0x98, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0xF0, 0x32, 0xF5 };
  guint8 out[10];
  g_autofree gchar *digits = es10_iccid_decode (coded19, sizeof coded19, &error);
  gchar *bad;

  ck_assert_str_eq (digits, "8900012345678901235");
  ck_assert (es10_iccid_encode ("8900012345678901235", out, &error));
  ck_assert_mem_eq (out, coded19, 10);
  bad = es10_iccid_decode (bad_padding, sizeof bad_padding, &error);
  ck_assert_ptr_null (bad);
  ck_assert_str_eq (error->message, "ICCID: digit after the F padding at nibble 16");
  g_clear_error (&error);
  ck_assert (!es10_iccid_encode ("12345", out, &error));
  ck_assert_str_eq (error->message, "ICCID: 5 digits, expected 18 to 20");
}
END_TEST

/* Every prefix of a good response is refused, and no single-byte change crashes a decoder (run under valgrind
 * or ASan to catch reads outside the buffer). */
typedef gboolean (*DecodeFunc) (const guint8 *data, gsize length, GError **error);

#define DECODER(name, type, call, freefn)                                                 \
  static gboolean name (const guint8 *data, gsize length, GError **error)                 \
  {                                                                                       \
    type *value = call (data, length, error);                                             \
    gboolean ok = value != NULL;                                                          \
    freefn (value);                                                                       \
    return ok;                                                                            \
  }

DECODER (try_eid, gchar, es10_get_eid_decode, g_free)
DECODER (try_info1, Es10EuiccInfo1, es10_get_euicc_info1_decode, es10_euicc_info1_free)
DECODER (try_info2, Es10EuiccInfo2, es10_get_euicc_info2_decode, es10_euicc_info2_free)
DECODER (try_profiles, Es10ProfileList, es10_get_profiles_info_decode, es10_profile_list_free)
DECODER (try_notifications, Es10PendingNotificationList, es10_retrieve_notifications_list_decode,
         es10_pending_notification_list_free)
DECODER (try_eims, Es10EimConfigurationList, es10_get_eim_configuration_data_decode, es10_eim_configuration_list_free)
DECODER (try_rat, Es10Rat, es10_get_rat_decode, es10_rat_free)

static void
mutilate (DecodeFunc decode, const gchar *hex)
{
  g_autoptr(GBytes) good = from_hex (hex);
  gsize length = g_bytes_get_size (good);
  g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (good, NULL), length);

  {
    g_autoptr(GError) error = NULL;
    ck_assert_msg (decode (copy, length, &error), "%s", error != NULL ? error->message : "");
  }
  for (gsize cut = 0; cut < length; cut++)
    {
      g_autoptr(GError) error = NULL;
      /* A fresh heap block of exactly `cut` bytes, so a read past it is caught by the memory checker. */
      g_autofree guint8 *prefix = g_memdup2 (copy, cut);

      ck_assert_msg (!decode (prefix, cut, &error), "prefix of %zu bytes accepted", cut);
      ck_assert_ptr_nonnull (error);
      ck_assert_int_eq (error->code, EUICCD_ERROR_INVALID_DATA);
    }
  for (gsize i = 0; i < length; i++)
    {
      static const guint8 values[] = { 0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF };
      guint8 saved = copy[i];

      for (gsize v = 0; v < G_N_ELEMENTS (values); v++)
        {
          GError *error = NULL;

          copy[i] = values[v];
          if (!decode (copy, length, &error))
            {
              ck_assert_ptr_nonnull (error);
              g_error_free (error);
            }
        }
      copy[i] = saved;
    }
}

START_TEST (test_hostile_input)
{
  g_autofree gchar *info2 = build_euicc_info2 ("8203020500");
  g_autofree gchar *profiles = build_profiles ();
  g_autofree gchar *notifications = tlvf ("BF2B", tlvf ("A0", tlvf ("30", cat (build_metadata ("05", "0640", TRUE),
                                                                              tlv ("5F37", "AABB"), NULL))));

  mutilate (try_eid, "BF3E125A10" EID);
  mutilate (try_info1, "BF20358203020300A9160414" SKI_NIST "AA160414" SKI_NIST);
  mutilate (try_info2, info2);
  mutilate (try_profiles, profiles);
  mutilate (try_notifications, notifications);
  mutilate (try_eims, "BF5525A0233021800465696D31810F65696D2E6578616D706C652E636F6D82010283010187020780");
  mutilate (try_rat, "BF4318A016301480020640A10A30088003" "62F2108101AA82020780");
}
END_TEST

START_TEST (test_function_names)
{
  ck_assert_str_eq (es10_function_name (0xBF2D), "GetProfilesInfo");
  ck_assert_str_eq (es10_function_name (0xBF55), "GetEimConfigurationData");
  ck_assert_ptr_null (es10_function_name (0xBF7E));
}
END_TEST


/* ES10b.LoadEuiccPackage results (test-vectors.md section C) decoded with their per-operation results. */
START_TEST (test_load_euicc_package_results)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) signed_hex = g_string_new ("BF5167A0653020800465696D31810101820801020304050607088301073008830100BF2D02A0005F3740");
  g_autoptr(GBytes) result_signed = NULL;
  g_autoptr(GBytes) unsigned_error = from_hex ("BF5112A210800465696D3182080102030405060708");
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) not_a_package = from_hex ("BF2D00");
  g_autoptr(Es10PendingNotification) r = NULL;
  const Es10EuiccResultItem *item;
  gsize n;
  const guint8 *d;

  for (int i = 0; i < 64; i++)
    g_string_append (signed_hex, "AA");
  result_signed = from_hex (signed_hex->str);
  d = g_bytes_get_data (result_signed, &n);
  r = es10_load_euicc_package_decode (d, n, &error);
  ck_assert_msg (r != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (r->package_result_variant, 0xA0);
  ck_assert_str_eq (r->eim_id, "eim1");
  ck_assert (r->has_counter_value && r->counter_value == 1);
  ck_assert (r->has_seq_number && r->seq_number == 7);
  ck_assert_uint_eq (g_bytes_get_size (r->transaction_id), 8);
  ck_assert_uint_eq (r->package_operations->len, 2);
  item = &g_array_index (r->package_operations, Es10EuiccResultItem, 0);
  ck_assert_uint_eq (item->tag, 0x83);
  ck_assert (item->has_code && item->code == 0);
  ck_assert_str_eq (es10_euicc_result_name (item->tag), "enable");
  item = &g_array_index (r->package_operations, Es10EuiccResultItem, 1);
  ck_assert_uint_eq (item->tag, 0xBF2D);
  ck_assert (!item->has_code);
  ck_assert (g_bytes_equal (r->raw, result_signed));
  g_clear_pointer (&r, es10_pending_notification_free);

  d = g_bytes_get_data (unsigned_error, &n);
  r = es10_load_euicc_package_decode (d, n, &error);
  ck_assert_msg (r != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (r->package_result_variant, 0xA2);
  ck_assert (!r->has_seq_number);
  ck_assert (r->package_operations == NULL);

  /* The request must be one well-formed BF51; anything else is refused before the card sees it. */
  request = from_hex ("BF5103800100");
  ck_assert (es10_load_euicc_package_check (request, NULL));
  ck_assert (!es10_load_euicc_package_check (not_a_package, &error));
  ck_assert_msg (strstr (error->message, "EuiccPackageRequest") != NULL, "%s", error->message);
  g_clear_error (&error);

  d = g_bytes_get_data (not_a_package, &n);
  ck_assert (es10_load_euicc_package_decode (d, n, &error) == NULL);
  ck_assert_msg (strstr (error->message, "EuiccPackageResult") != NULL, "%s", error->message);
}
END_TEST

/* ---- tolerance: deviations whose meaning is clear are read with a note; the rest is refused -------- */

typedef gpointer (*NotingDecodeFunc) (const guint8 *data, gsize length, GError **error);

/* Decodes `hex` with a collector, as es10_call() does; the notes are left in *ret_deviations. */
static gpointer
decode_noting (NotingDecodeFunc decode, const gchar *hex, Es10Deviations **ret_deviations, GError **error)
{
  g_autoptr(GBytes) b = from_hex (hex);
  Es10Deviations *deviations = es10_deviations_new ("Test");
  gpointer result;

  es10_deviations_collect (deviations);
  result = decode (DATA (b), error);
  es10_deviations_stop (deviations);
  *ret_deviations = deviations;
  return result;
}

static void
assert_noted (const Es10Deviations *deviations, const gchar *note)
{
  GString *all = g_string_new (NULL);
  gboolean found = FALSE;

  for (guint i = 0; i < deviations->notes->len; i++)
    {
      found = found || g_str_equal (g_ptr_array_index (deviations->notes, i), note);
      g_string_append_printf (all, "[%s] ", (const gchar *) g_ptr_array_index (deviations->notes, i));
    }
  ck_assert_msg (found, "note \"%s\" missing; noted: %s", note, all->str);
  g_string_free (all, TRUE);
}

START_TEST (test_tolerate_empty_notification_list)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10Deviations) d = NULL;
  g_autoptr(Es10PendingNotificationList) list =
    decode_noting ((NotingDecodeFunc) es10_retrieve_notifications_list_decode, "BF2B00", &d, &error);

  ck_assert_msg (list != NULL, "%s", error != NULL ? error->message : "");
  ck_assert (!list->has_error);
  ck_assert_uint_eq (list->notifications->len, 0);
  ck_assert_uint_eq (list->skipped->len, 0);
  assert_noted (d, "RetrieveNotificationsListResponse: empty, read as an empty notificationList");
  ck_assert_uint_eq (d->notes->len, 1);
}
END_TEST

START_TEST (test_tolerate_profile_info_sequence_tag)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10Deviations) d = NULL;
  g_autofree gchar *hex = tlvf ("BF2D", tlvf ("A0", cat (tlvf ("30", cat (tlv ("5A", ICCID_CODED), g_strdup ("9F700101"),
                                                                         NULL)),
                                                        tlvf ("E3", cat (tlv ("5A", "980010325476981032FF"),
                                                                         g_strdup ("9F700100"), NULL)),
                                                        NULL)));
  g_autoptr(Es10ProfileList) list = decode_noting ((NotingDecodeFunc) es10_get_profiles_info_decode, hex, &d, &error);
  Es10ProfileInfo *p;

  ck_assert_msg (list != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (list->profiles->len, 2);
  ck_assert_uint_eq (list->skipped->len, 0);
  p = g_ptr_array_index (list->profiles, 0);
  ck_assert_str_eq (p->iccid, ICCID_DIGITS);
  ck_assert (p->has_state && p->state == ES10_PROFILE_STATE_ENABLED);
  assert_noted (d, "ProfileInfo: tagged 30 (SEQUENCE) instead of E3");
  ck_assert_uint_eq (d->notes->len, 1);
}
END_TEST

START_TEST (test_tolerate_encodings)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10Deviations) d = NULL;
  /* profileState 00 01 (a redundant leading octet), a length in long form (81 08 for 8), fallbackAttribute
   * TRUE as 01, and an unknown field from a later version (tolerated without a note: the ASN.1 is extensible). */
  g_autofree gchar *hex = tlvf ("BF2D", tlvf ("A0", tlvf ("E3", cat (g_strdup ("5A810A" ICCID_CODED),
                                                                   g_strdup ("9F70020001"), g_strdup ("9F260101"),
                                                                   g_strdup ("9F7E0100"), NULL))));
  g_autoptr(Es10ProfileList) list = decode_noting ((NotingDecodeFunc) es10_get_profiles_info_decode, hex, &d, &error);
  Es10ProfileInfo *p;

  ck_assert_msg (list != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (list->profiles->len, 1);
  p = g_ptr_array_index (list->profiles, 0);
  ck_assert_str_eq (p->iccid, ICCID_DIGITS);
  ck_assert (p->has_state && p->state == ES10_PROFILE_STATE_ENABLED);
  ck_assert (p->fallback_attribute);
  assert_noted (d, "ProfileInfo: profileState (9F70): INTEGER with redundant leading octets");
  assert_noted (d, "ProfileInfo: length octets in a longer form than needed");
  assert_noted (d, "ProfileInfo: fallbackAttribute (9F26): BOOLEAN TRUE not coded FF");
  ck_assert_uint_eq (d->notes->len, 3);
}
END_TEST

START_TEST (test_strict_der_noted_nothing)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10Deviations) d = NULL;
  g_autofree gchar *icon = g_strnfill (600, 'A');   /* 300 bytes: lengths of two octets (82 01 2C) */
  g_autofree gchar *hex = tlvf ("BF2D", tlvf ("A0", tlvf ("E3", cat (tlv ("5A", ICCID_CODED), g_strdup ("9F700101"),
                                                                   tlv ("94", icon), NULL))));
  g_autoptr(Es10ProfileList) list = decode_noting ((NotingDecodeFunc) es10_get_profiles_info_decode, hex, &d, &error);

  ck_assert_msg (list != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (list->profiles->len, 1);
  ck_assert_uint_eq (g_bytes_get_size (((Es10ProfileInfo *) g_ptr_array_index (list->profiles, 0))->icon), 300);
  ck_assert_msg (d->notes->len == 0, "DER noted as a deviation: %s",
                 d->notes->len > 0 ? (const gchar *) g_ptr_array_index (d->notes, 0) : "");
}
END_TEST

START_TEST (test_tolerate_profile_list_forms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10Deviations) d1 = NULL;
  g_autoptr(Es10Deviations) d2 = NULL;
  g_autoptr(Es10Deviations) d3 = NULL;
  g_autoptr(Es10Deviations) d4 = NULL;
  g_autofree gchar *bare = tlvf ("BF2D", tlvf ("E3", cat (tlv ("5A", ICCID_CODED), g_strdup ("9F700105"), NULL)));
  g_autoptr(Es10ProfileList) unwrapped = decode_noting ((NotingDecodeFunc) es10_get_profiles_info_decode, bare, &d1, &error);
  g_autoptr(Es10ProfileList) empty = decode_noting ((NotingDecodeFunc) es10_get_profiles_info_decode, "BF2D00", &d2, &error);
  g_autoptr(Es10ProfileList) bare_error = decode_noting ((NotingDecodeFunc) es10_get_profiles_info_decode, "BF2D0302010B",
                                                         &d3, &error);
  /* An error code outside the enumeration is still the card saying no, with its number. */
  g_autoptr(Es10ProfileList) odd_code = decode_noting ((NotingDecodeFunc) es10_get_profiles_info_decode, "BF2D0381012A",
                                                       &d4, &error);
  Es10ProfileInfo *p;

  ck_assert_msg (unwrapped != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (unwrapped->profiles->len, 1);
  p = g_ptr_array_index (unwrapped->profiles, 0);
  ck_assert_str_eq (p->iccid, ICCID_DIGITS);
  /* profileState 5: the entry stays, its state unknown rather than guessed. */
  ck_assert (!p->has_state);
  assert_noted (d1, "ProfileInfoListResponse: profileInfoListOk without its A0 wrapper");
  assert_noted (d1, "ProfileInfo: profileState (9F70) outside the enumeration, read as unknown");

  ck_assert_ptr_nonnull (empty);
  ck_assert (!empty->has_error);
  ck_assert_uint_eq (empty->profiles->len, 0);
  assert_noted (d2, "ProfileInfoListResponse: empty, read as an empty profileInfoListOk");

  ck_assert_ptr_nonnull (bare_error);
  ck_assert (bare_error->has_error);
  ck_assert_int_eq (bare_error->error_code, 11);
  assert_noted (d3, "ProfileInfoListResponse: profileInfoListError as a universal INTEGER (02) instead of 81");

  ck_assert_ptr_nonnull (odd_code);
  ck_assert (odd_code->has_error);
  ck_assert_int_eq (odd_code->error_code, 42);
  ck_assert_uint_eq (d4->notes->len, 0);
}
END_TEST

START_TEST (test_tolerate_repeated_fields)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10Deviations) d = NULL;
  /* The first entry repeats its nickname with the same value (read once); the second with another value,
   * which leaves no way to tell which one is meant: that entry is left out, the first stays. */
  g_autofree gchar *hex = tlvf ("BF2D", tlvf ("A0", cat (tlvf ("E3", cat (tlv ("5A", ICCID_CODED), tlvf ("90", utf8_hex ("a")),
                                                                         tlvf ("90", utf8_hex ("a")), NULL)),
                                                        tlvf ("E3", cat (tlv ("5A", "980010325476981032FF"),
                                                                         tlvf ("90", utf8_hex ("a")),
                                                                         tlvf ("90", utf8_hex ("b")), NULL)),
                                                        NULL)));
  g_autoptr(Es10ProfileList) list = decode_noting ((NotingDecodeFunc) es10_get_profiles_info_decode, hex, &d, &error);
  Es10SkippedEntry *skipped;

  ck_assert_msg (list != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (list->profiles->len, 1);
  ck_assert_str_eq (((Es10ProfileInfo *) g_ptr_array_index (list->profiles, 0))->nickname, "a");
  assert_noted (d, "ProfileInfo: field 90 repeated with the same value");
  ck_assert_uint_eq (list->skipped->len, 1);
  skipped = g_ptr_array_index (list->skipped, 0);
  ck_assert_str_eq (skipped->reason, "entry 1 (tag E3): ProfileInfo: field 90 repeated with a different value");
}
END_TEST

START_TEST (test_tolerate_notification_list_forms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10Deviations) d = NULL;
  g_autoptr(Es10Deviations) d2 = NULL;
  g_autoptr(Es10Deviations) d3 = NULL;
  gchar *good = tlvf ("30", cat (build_metadata ("05", "0640", TRUE), tlv ("5F37", SIG64), NULL));
  /* A notification whose ICCID does not read as digits: forwarded as the card signed it, not judged. */
  gchar *odd_iccid = tlvf ("30", cat (tlvf ("BF2F", cat (g_strdup ("800106"), g_strdup ("81020640"),
                                                       tlvf ("0C", utf8_hex ("smdp.example.com")),
                                                       tlv ("5A", "980010325476981032AA"), NULL)),
                                      tlv ("5F37", SIG64), NULL));
  gchar *no_metadata = tlvf ("30", tlv ("5F37", SIG64));
  gchar *newer = g_strdup ("BF7F03800101");  /* an alternative of a later version */
  g_autofree gchar *hex = tlvf ("BF2B", cat (good, odd_iccid, no_metadata, newer, NULL));
  g_autoptr(Es10PendingNotificationList) list =
    decode_noting ((NotingDecodeFunc) es10_retrieve_notifications_list_decode, hex, &d, &error);
  g_autoptr(Es10PendingNotificationList) a1 = NULL;
  g_autoptr(Es10PendingNotificationList) long_form = NULL;
  Es10PendingNotification *n;
  Es10SkippedEntry *skipped;

  ck_assert_msg (list != NULL, "%s", error != NULL ? error->message : "");
  assert_noted (d, "RetrieveNotificationsListResponse: notificationList without its A0 wrapper");
  ck_assert_uint_eq (list->notifications->len, 2);
  n = g_ptr_array_index (list->notifications, 0);
  ck_assert_int_eq (n->seq_number, 5);
  n = g_ptr_array_index (list->notifications, 1);
  ck_assert_int_eq (n->seq_number, 6);
  ck_assert_ptr_null (n->iccid);
  ck_assert_uint_eq (list->skipped->len, 2);
  skipped = g_ptr_array_index (list->skipped, 0);
  ck_assert_str_eq (skipped->reason, "entry 2 (tag 30): OtherSignedNotification: tbsOtherNotification (BF2F) missing");
  skipped = g_ptr_array_index (list->skipped, 1);
  ck_assert_str_eq (skipped->reason, "entry 3 (tag BF7F): PendingNotification: tag BF7F, expected BF37, 30, A0, A1 "
                                     "or BF51");
  assert_bytes_hex (skipped->raw, "BF7F03800101");

  /* A1 straight under BF2B could be a compact notification or an alternative of the answer itself: refused. */
  a1 = decode_noting ((NotingDecodeFunc) es10_retrieve_notifications_list_decode, "BF2B02A100", &d2, &error);
  ck_assert_ptr_null (a1);
  ck_assert_str_eq (error->message, "RetrieveNotificationsListResponse: tag A1, expected notificationList (A0), "
                                    "notificationsListResultError (81) or euiccPackageResultList (A2)");
  g_clear_error (&error);

  /* The outer length in a long form (82 00 02): read, noted. */
  long_form = decode_noting ((NotingDecodeFunc) es10_retrieve_notifications_list_decode, "BF2B820002A000", &d3, &error);
  ck_assert_ptr_nonnull (long_form);
  assert_noted (d3, "RetrieveNotificationsListResponse: length octets in a longer form than needed");
  g_clear_pointer (&d3, es10_deviations_free);

  /* The error code as a bare INTEGER: no other alternative is one. */
  g_clear_pointer (&long_form, es10_pending_notification_list_free);
  long_form = decode_noting ((NotingDecodeFunc) es10_retrieve_notifications_list_decode, "BF2B0302017F", &d3, &error);
  ck_assert_ptr_nonnull (long_form);
  ck_assert (long_form->has_error);
  ck_assert_int_eq (long_form->error_code, 127);
  assert_noted (d3, "RetrieveNotificationsListResponse: notificationsListResultError as a universal INTEGER (02) "
                    "instead of 81");
}
END_TEST

START_TEST (test_tolerate_eim_list_forms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10Deviations) d1 = NULL;
  g_autoptr(Es10Deviations) d2 = NULL;
  g_autoptr(Es10Deviations) d3 = NULL;
  g_autoptr(Es10Deviations) d4 = NULL;
  /* counterValue 00 05 and the entries without their A0 wrapper. */
  g_autoptr(Es10EimConfigurationList) bare =
    decode_noting ((NotingDecodeFunc) es10_get_eim_configuration_data_decode, "BF550E3007800165830200053003800166",
                   &d1, &error);
  g_autoptr(Es10EimConfigurationList) empty =
    decode_noting ((NotingDecodeFunc) es10_get_eim_configuration_data_decode, "BF5500", &d2, &error);
  g_autoptr(Es10EimConfigurationList) twice =
    decode_noting ((NotingDecodeFunc) es10_get_eim_configuration_data_decode, "BF550CA0043002800AA0043002800A", &d3,
                   &error);
  g_autoptr(Es10EimConfigurationList) differ = NULL;
  Es10EimConfiguration *eim;

  ck_assert_msg (bare != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (bare->eims->len, 2);
  eim = g_ptr_array_index (bare->eims, 0);
  ck_assert_str_eq (eim->eim_id, "e");
  ck_assert (eim->has_counter_value && eim->counter_value == 5);
  assert_noted (d1, "GetEimConfigurationDataResponse: eimConfigurationDataList without its A0 wrapper");
  assert_noted (d1, "EimConfigurationData: counterValue (83): INTEGER with redundant leading octets");

  ck_assert_ptr_nonnull (empty);
  ck_assert_uint_eq (empty->eims->len, 0);
  assert_noted (d2, "GetEimConfigurationDataResponse: empty, read as an empty eimConfigurationDataList");

  ck_assert_ptr_nonnull (twice);
  ck_assert_uint_eq (twice->eims->len, 0);
  ck_assert_uint_eq (twice->skipped->len, 1);  /* 30 02 80 0A: eimId of 10 bytes announced in 0 */
  assert_noted (d3, "GetEimConfigurationDataResponse: eimConfigurationDataList (A0) repeated with the same contents");

  differ = decode_noting ((NotingDecodeFunc) es10_get_eim_configuration_data_decode,
                          "BF550EA0053003800165A0053003800166", &d4, &error);
  ck_assert_ptr_null (differ);
  ck_assert_str_eq (error->message, "GetEimConfigurationDataResponse: eimConfigurationDataList (A0) repeated with "
                                    "different contents");
  g_clear_error (&error);
  g_clear_pointer (&d4, es10_deviations_free);

  /* A wrapped list and bare entries beside it: which is the list cannot be told. */
  differ = decode_noting ((NotingDecodeFunc) es10_get_eim_configuration_data_decode, "BF550C3003800165A0053003800166",
                          &d4, &error);
  ck_assert_ptr_null (differ);
  ck_assert_str_eq (error->message, "GetEimConfigurationDataResponse: eimConfigurationDataList (A0) and bare "
                                    "EimConfigurationData (30) together");
}
END_TEST

START_TEST (test_tolerate_euicc_info2_repeats)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10Deviations) d1 = NULL;
  g_autoptr(Es10Deviations) d2 = NULL;
  g_autofree gchar *same = build_euicc_info2 ("82030203008203020300");
  g_autofree gchar *other = build_euicc_info2 ("82030203008203020301");
  g_autoptr(Es10EuiccInfo2) info = decode_noting ((NotingDecodeFunc) es10_get_euicc_info2_decode, same, &d1, &error);
  g_autoptr(Es10EuiccInfo2) refused = NULL;

  ck_assert_msg (info != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_int_eq (info->svn.minor, 3);
  assert_noted (d1, "EUICCInfo2: field 82 repeated with the same value");
  /* Two different SVNs: which one the card runs cannot be known. */
  refused = decode_noting ((NotingDecodeFunc) es10_get_euicc_info2_decode, other, &d2, &error);
  ck_assert_ptr_null (refused);
  ck_assert_str_eq (error->message, "EUICCInfo2: field 82 repeated with a different value");
}
END_TEST

START_TEST (test_tolerate_list_notification_forms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10Deviations) d1 = NULL;
  g_autoptr(Es10Deviations) d2 = NULL;
  g_autofree gchar *bare = tlvf ("BF28", cat (build_metadata ("01", "0780", TRUE), build_metadata ("02", "0640", FALSE),
                                             NULL));
  g_autoptr(Es10NotificationMetadataList) list =
    decode_noting ((NotingDecodeFunc) es10_list_notification_decode, bare, &d1, &error);
  g_autoptr(Es10NotificationMetadataList) empty =
    decode_noting ((NotingDecodeFunc) es10_list_notification_decode, "BF2800", &d2, &error);

  ck_assert_msg (list != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (list->notifications->len, 2);
  ck_assert_int_eq (((Es10NotificationMetadata *) g_ptr_array_index (list->notifications, 1))->seq_number, 2);
  assert_noted (d1, "ListNotificationResponse: notificationMetadataList without its A0 wrapper");
  ck_assert_ptr_nonnull (empty);
  ck_assert_uint_eq (empty->notifications->len, 0);
  assert_noted (d2, "ListNotificationResponse: empty, read as an empty notificationMetadataList");
}
END_TEST

START_TEST (test_tolerance_refusals)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10Deviations) d = NULL;
  gpointer result;

  /* An empty GetEID answer has no EID to read. */
  result = decode_noting ((NotingDecodeFunc) es10_get_eid_decode, "BF3E00", &d, &error);
  ck_assert_ptr_null (result);
  ck_assert_str_eq (error->message, "GetEuiccDataResponse: eidValue (5A) missing");
  g_clear_error (&error);
  g_clear_pointer (&d, es10_deviations_free);

  /* Another outer tag: another answer, not this one. */
  result = decode_noting ((NotingDecodeFunc) es10_get_profiles_info_decode, "BF2B00", &d, &error);
  ck_assert_ptr_null (result);
  ck_assert_str_eq (error->message, "ProfileInfoListResponse: outer tag BF2B, expected BF2D");
  g_clear_error (&error);
  g_clear_pointer (&d, es10_deviations_free);

  /* A structurally unreadable answer fails as a whole: nothing in it can be trusted. */
  result = decode_noting ((NotingDecodeFunc) es10_retrieve_notifications_list_decode, "BF2B05A003300500", &d, &error);
  ck_assert_ptr_null (result);
  ck_assert_ptr_nonnull (strstr (error->message, "RetrieveNotificationsListResponse: DER: length beyond buffer"));
  g_clear_error (&error);
  g_clear_pointer (&d, es10_deviations_free);

  /* A DER INTEGER that is empty, or longer than 64 bits, has no number to read. */
  result = decode_noting ((NotingDecodeFunc) es10_get_profiles_info_decode, "BF2D028100", &d, &error);
  ck_assert_ptr_null (result);
  ck_assert_str_eq (error->message, "ProfileInfoListResponse: profileInfoListError (81): DER: INTEGER in tag 81 is empty");
}
END_TEST

START_TEST (test_deviations_warned_once_per_card)
{
  g_autoptr(Es10Deviations) d = es10_deviations_new ("GetProfilesInfo");
  g_autoptr(Es10Deviations) other = es10_deviations_new ("RetrieveNotificationsList");

  es10_deviations_reset ();
  g_ptr_array_add (d->notes, g_strdup ("ProfileInfo: tagged 30 (SEQUENCE) instead of E3"));
  g_ptr_array_add (other->notes, g_strdup ("ProfileInfo: tagged 30 (SEQUENCE) instead of E3"));
  /* Before the card is named, then named: warned once, the naming keeps what was warned. */
  ck_assert_uint_eq (es10_deviations_warn (d), 1);
  es10_deviations_set_card (EID);
  ck_assert_uint_eq (es10_deviations_warn (d), 0);
  ck_assert_uint_eq (es10_deviations_warn (d), 0);
  /* The same note from another function is another warning. */
  ck_assert_uint_eq (es10_deviations_warn (other), 1);
  es10_deviations_set_card (EID);
  ck_assert_uint_eq (es10_deviations_warn (d), 0);
  /* Another card is warned afresh. */
  es10_deviations_set_card ("89049032123451234512345678901243");
  ck_assert_uint_eq (es10_deviations_warn (d), 1);
  ck_assert_uint_eq (es10_deviations_warn (d), 0);
  es10_deviations_reset ();
  ck_assert_uint_eq (es10_deviations_warn (d), 1);
  es10_deviations_reset ();
}
END_TEST

static Suite *
es10_suite (void)
{
  Suite *s = suite_create ("es10");
  TCase *requests = tcase_create ("requests");
  TCase *decoders = tcase_create ("decoders");
  TCase *tolerance = tcase_create ("tolerance");

  tcase_add_test (requests, test_requests_simple);
  tcase_add_test (requests, test_requests_notifications);
  tcase_add_test (requests, test_requests_profiles);
  tcase_add_test (requests, test_requests_eim_and_certs);
  tcase_add_test (requests, test_requests_add_initial_eim);
  suite_add_tcase (s, requests);

  tcase_add_test (decoders, test_decode_eid);
  tcase_add_test (decoders, test_decode_euicc_info1);
  tcase_add_test (decoders, test_decode_euicc_info2);
  tcase_add_test (decoders, test_decode_euicc_info2_refusals);
  tcase_add_test (decoders, test_decode_addresses_challenge);
  tcase_add_test (decoders, test_decode_certs);
  tcase_add_test (decoders, test_decode_rat);
  tcase_add_test (decoders, test_decode_profiles);
  tcase_add_test (decoders, test_decode_profiles_refusals);
  tcase_add_test (decoders, test_decode_pending_notifications);
  tcase_add_test (decoders, test_decode_package_results);
  tcase_add_test (decoders, test_load_euicc_package_results);
  tcase_add_test (decoders, test_decode_list_notification_and_remove);
  tcase_add_test (decoders, test_decode_eim_configuration);
  tcase_add_test (decoders, test_eim_configuration_round_trip);
  tcase_add_test (decoders, test_decode_add_initial_eim);
  tcase_add_test (decoders, test_iccid_coding);
  tcase_add_test (decoders, test_hostile_input);
  tcase_add_test (decoders, test_function_names);
  suite_add_tcase (s, decoders);

  tcase_add_test (tolerance, test_tolerate_empty_notification_list);
  tcase_add_test (tolerance, test_tolerate_profile_info_sequence_tag);
  tcase_add_test (tolerance, test_tolerate_encodings);
  tcase_add_test (tolerance, test_strict_der_noted_nothing);
  tcase_add_test (tolerance, test_tolerate_profile_list_forms);
  tcase_add_test (tolerance, test_tolerate_repeated_fields);
  tcase_add_test (tolerance, test_tolerate_notification_list_forms);
  tcase_add_test (tolerance, test_tolerate_eim_list_forms);
  tcase_add_test (tolerance, test_tolerate_euicc_info2_repeats);
  tcase_add_test (tolerance, test_tolerate_list_notification_forms);
  tcase_add_test (tolerance, test_tolerance_refusals);
  tcase_add_test (tolerance, test_deviations_warned_once_per_card);
  suite_add_tcase (s, tolerance);
  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (es10_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
