/* SPDX-License-Identifier: Apache-2.0 */
/* The DER codec against the reference vectors (ESipa bodies and ES10 payloads), the writer's encodings of
 * INTEGER, BOOLEAN and named BIT STRING, long-form lengths, and every way the reader must refuse input. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"

#define SIG64 \
  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define EID "89049032123451234512345678901235"
#define TXID16 "0102030405060708090A0B0C0D0E0F10"

/* Each vector with its tree as the reader must see it: "TAG:length" for a primitive, "TAG{children}" for a
 * constructed value. The trees were worked out by hand from the ASN.1. */
typedef struct {
  const gchar *name;
  const gchar *hex;
  const gchar *tree;
} Vector;

static const Vector vectors[] = {
  /* test-vectors.md section A: TLVs inside the start-up APDUs */
  { "TERMINAL CAPABILITY", "A903830107", "A9{83:1}" },
  { "TERMINAL CAPABILITY (lpac)", "A9088100820101830107", "A9{81:0 82:1 83:1}" },
  { "GetEID response", "BF3E125A10" EID, "BF3E{5A:16}" },
  /* section B: ESipa bodies */
  { "GetEimPackageRequest {eid}", "BF4F125A10" EID, "BF4F{5A:16}" },
  { "GetEimPackageRequest {eid, notifyStateChange, cause, rPLMN}",
    "BF4F1C5A10" EID "8000810100820362F210", "BF4F{5A:16 80:0 81:1 82:3}" },
  { "GetEimPackageResponse noEimPackageAvailable", "BF4F03020101", "BF4F{02:1}" },
  { "GetEimPackageResponse undefinedError", "BF4F0302017F", "BF4F{02:1}" },
  { "GetEimPackageResponse profileDownloadTriggerRequest",
    "BF4F31BF542EA02280203124736D64702E6578616D706C652E636F6D244D41544348494E472D49442D3182080102030405060708",
    "BF4F{BF54{A0{80:32} 82:8}}" },
  { "GetEimPackageResponse ipaEuiccDataRequest", "BF4F12BF520F5C0D81BF20BF228384A5A6A8A9A0A2",
    "BF4F{BF52{5C:13}}" },
  { "IpaEuiccDataRequest with search criteria",
    "BF521E5C0D81BF20BF228384A5A6A8A9A0A2A10380010383080102030405060708", "BF52{5C:13 A1{80:1} 83:8}" },
  { "ProvideEimPackageResult ipaEuiccDataResponse",
    "BF503A5A10" EID "BF5225A0238110736D64702E6578616D706C652E636F6D830F6C70612E64732E67736D612E636F6D",
    "BF50{5A:16 BF52{A0{81:16 83:15}}}" },
  { "ProvideEimPackageResult unknownPackage", "BF50175A10" EID "A003020102", "BF50{5A:16 A0{02:1}}" },
  { "ProvideEimPackageResult profileDownloadError",
    "BF50245A10" EID "BF540F82080102030405060708300380017F", "BF50{5A:16 BF54{82:8 30{80:1}}}" },
  { "HandleNotificationEsipa provideEimPackageResult",
    "BF3D27BF50245A10" EID "BF540F82080102030405060708300380017F", "BF3D{BF50{5A:16 BF54{82:8 30{80:1}}}}" },
  { "ProvideEimPackageResultResponse emptyResponse", "BF50023000", "BF50{30{}}" },
  { "ProvideEimPackageResultResponse eimAcknowledgements", "BF500CBF5309800101800102800103",
    "BF50{BF53{80:1 80:1 80:1}}" },
  { "InitiateAuthenticationRequestEsipa",
    "BF395C811000112233445566778899AABBCCDDEEFF8310736D64702E6578616D706C652E636F6D"
    "BF20358203020300A9160414F54172BDF98A95D65CBEB88A38A1C11D800A85C3AA160414F54172BDF98A95D65CBEB88A38A1C11D800A85C3",
    "BF39{81:16 83:16 BF20{82:3 A9{04:20} AA{04:20}}}" },
  { "InitiateAuthenticationResponseEsipa invalidDpAddress", "BF3903810101", "BF39{81:1}" },
  { "AuthenticateClientResponseEsipa noEligibleProfile", "BF3B03820108", "BF3B{82:1}" },
  { "GetBoundProfilePackageResponseEsipa invalidTransactionId", "BF3A0381015F", "BF3A{81:1}" },
  { "CancelSessionRequestEsipa", "BF411780" "10" TXID16 "A103810105", "BF41{80:16 A1{81:1}}" },
  { "CancelSessionResponseEsipa cancelSessionOk", "BF4102A000", "BF41{A0{}}" },
  { "CancelSessionResponseEsipa invalidTransactionId", "BF4103810101", "BF41{81:1}" },
  /* section C: ES10 STORE DATA payloads */
  { "GetEuiccConfiguredAddresses", "BF3C00", "BF3C{}" },
  { "GetEUICCInfo1", "BF2000", "BF20{}" },
  { "GetEUICCInfo2", "BF2200", "BF22{}" },
  { "GetEUICCChallenge", "BF2E00", "BF2E{}" },
  { "ListNotification", "BF2800", "BF28{}" },
  { "RetrieveNotificationsList all", "BF2B00", "BF2B{}" },
  { "RetrieveNotificationsList seqNumber 5", "BF2B05A003800105", "BF2B{A0{80:1}}" },
  { "RetrieveNotificationsList euiccPackageResults", "BF2B04A0028200", "BF2B{A0{82:0}}" },
  { "RemoveNotificationFromList", "BF3003800105", "BF30{80:1}" },
  { "CancelSession", "BF411580" "10" TXID16 "810101", "BF41{80:16 81:1}" },
  { "GetRAT", "BF4300", "BF43{}" },
  { "GetProfilesInfo", "BF2D00", "BF2D{}" },
  { "GetEID", "BF3E035C015A", "BF3E{5C:1}" },
  { "GetEimConfigurationData all", "BF5500", "BF55{}" },
  { "GetEimConfigurationData eim1", "BF5508A006800465696D31", "BF55{A0{80:4}}" },
  { "AddInitialEim",
    "BF5725A0233021800465696D31810F65696D2E6578616D706C652E636F6D82010283010187020780",
    "BF57{A0{30{80:4 81:15 82:1 83:1 87:2}}}" },
  { "GetCerts", "BF5600", "BF56{}" },
  { "ImmediateEnable", "BF5A03800100", "BF5A{80:1}" },
  { "ProfileRollback", "BF5803800100", "BF58{80:1}" },
  { "ConfigureImmediateProfileEnabling", "BF591480008210736D64702E6578616D706C652E636F6D", "BF59{80:0 82:16}" },
  { "ExecuteFallbackMechanism", "BF5D03800100", "BF5D{80:1}" },
  { "ReturnFromFallback", "BF5E03800100", "BF5E{80:1}" },
  { "GetConnectivityParameters", "BF5F00", "BF5F{}" },
  { "IpaeActivationRequest", "BF420480020780", "BF42{80:2}" },
  { "EuiccPackageRequest psmoList",
    "BF517F303A800465696D315A10" EID "81010182080102030405060708A013A30E5A0A980010325476981032850500BF2D00"
    "5F3740" SIG64,
    "BF51{30{80:4 5A:16 81:1 82:8 A0{A3{5A:10 05:0} BF2D{}}} 5F37:64}" },
  { "EuiccPackageRequest ecoList",
    "BF5181883043800465696D315A10" EID "810102A126A822800465696D32811065696D322E6578616D706C652E636F6D"
    "82010283010187020780AB005F3740" SIG64,
    "BF51{30{80:4 5A:16 81:1 A1{A8{80:4 81:16 82:1 83:1 87:2} AB{}}} 5F37:64}" },
  { "EuiccPackageResult euiccPackageErrorUnsigned", "BF5112A210800465696D3182080102030405060708",
    "BF51{A2{80:4 82:8}}" },
  { "EuiccPackageResult euiccPackageResultSigned",
    "BF5167A0653020800465696D31810101820801020304050607088301073008830100BF2D02A0005F3740" SIG64,
    "BF51{A0{30{80:4 81:1 82:8 83:1 30{83:1 BF2D{A0{}}}} 5F37:64}}" },
  { "EUICCInfo1",
    "BF20358203020300A9160414F54172BDF98A95D65CBEB88A38A1C11D800A85C3AA160414F54172BDF98A95D65CBEB88A38A1C11D800A85C3",
    "BF20{82:3 A9{04:20} AA{04:20}}" },
  /* section D: the v1.0 forms, still well-formed TLV */
  { "v1.0 GetEimPackageRequest", "BF4F195A10" EID "8000810362F210", "BF4F{5A:16 80:0 81:3}" },
  { "v1.0 ProvideEimPackageResultResponse", "BF5000", "BF50{}" },
  { "v1.0 provideEimPackageResult", "BF5003020102", "BF50{02:1}" },
  /* section E: the double-tagged Erlang form parses as TLV, one level deeper */
  { "double-tagged GetEimPackageResponse", "BF4F06BF4F03020101", "BF4F{BF4F{02:1}}" },
};

/* Helpers */

static const Vector *
find_vector (const gchar *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    if (g_str_equal (vectors[i].name, name))
      return &vectors[i];
  ck_abort_msg ("no vector named %s", name);
  return NULL;
}

static GBytes *
hex_bytes (const gchar *hex)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = der_from_hex (hex, &error);

  ck_assert_msg (bytes != NULL, "bad hex in test: %s", error != NULL ? error->message : "?");
  return bytes;
}

static gchar *
bytes_hex (GBytes *bytes)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  return der_to_hex (data, length);
}

/* Renders the tree and rebuilds the same structure with the writer, in one walk. */
static void
walk (DerReader *reader, GString *tree, DerWriter *writer)
{
  gboolean first = TRUE;

  while (!der_reader_at_end (reader))
    {
      g_autoptr(GError) error = NULL;
      DerTlv tlv;

      ck_assert_msg (der_reader_next (reader, &tlv, &error), "next: %s", error != NULL ? error->message : "");
      ck_assert_uint_eq (tlv.depth, reader->depth);
      /* DER headers are minimal: the vectors never use more length octets than needed. */
      ck_assert_uint_eq (tlv.raw_length,
                         der_tag_size (tlv.tag) + (tlv.length < 0x80 ? 1 : tlv.length <= 0xFF ? 2 : 3) + tlv.length);
      if (!first)
        g_string_append_c (tree, ' ');
      first = FALSE;
      g_string_append_printf (tree, "%02X", tlv.tag);
      if (tlv.constructed)
        {
          DerReader child;

          ck_assert (der_reader_enter (&tlv, &child, &error));
          ck_assert_uint_eq (child.depth, tlv.depth + 1);
          g_string_append_c (tree, '{');
          der_begin (writer, tlv.tag);
          walk (&child, tree, writer);
          der_end (writer);
          g_string_append_c (tree, '}');
        }
      else
        {
          g_string_append_printf (tree, ":%zu", tlv.length);
          der_write (writer, tlv.tag, tlv.value, tlv.length);
        }
    }
}

static void
assert_error_contains (const GError *error, const gchar *expected)
{
  ck_assert_msg (error != NULL, "expected an error containing \"%s\", got none", expected);
  ck_assert_msg (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA),
                 "wrong error code %d: %s", error->code, error->message);
  ck_assert_msg (strstr (error->message, expected) != NULL, "error \"%s\" does not contain \"%s\"", error->message,
                 expected);
}

/* Parses `hex` as one TLV and expects the failure message to contain `expected`. */
static void
assert_parse_fails (const gchar *hex, const gchar *expected)
{
  g_autoptr(GBytes) bytes = hex_bytes (hex);
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  DerTlv tlv;

  ck_assert_msg (!der_parse_single (data, length, &tlv, &error), "%s parsed but should not", hex);
  assert_error_contains (error, expected);
}

static void
assert_written (DerWriter *writer, const gchar *expected_hex)
{
  g_autoptr(GBytes) bytes = der_writer_finish (writer);
  g_autofree gchar *hex = NULL;

  ck_assert_ptr_nonnull (bytes);
  hex = bytes_hex (bytes);
  ck_assert_str_eq (hex, expected_hex);
}

/* Counts critical messages from the codec: the writer reports programming errors with g_return_if_fail. */
static guint n_criticals;

static void
count_critical (const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer user_data)
{
  n_criticals++;
}

/* Vectors */

START_TEST (test_vector_roundtrip)
{
  const Vector *v = &vectors[_i];
  g_autoptr(GBytes) bytes = hex_bytes (v->hex);
  g_autoptr(GBytes) rebuilt = NULL;
  g_autoptr(GString) tree = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(DerWriter) writer = { 0 };
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  DerReader reader;
  DerTlv tlv;

  ck_assert_msg (der_parse_single (data, length, &tlv, &error), "%s: %s", v->name, error->message);
  ck_assert_ptr_eq (tlv.raw, data);
  ck_assert_uint_eq (tlv.raw_length, length);
  ck_assert_msg (der_validate (&tlv, &error), "%s: %s", v->name, error != NULL ? error->message : "");

  der_writer_init (&writer);
  der_reader_init (&reader, data, length);
  walk (&reader, tree, &writer);
  ck_assert_msg (g_str_equal (tree->str, v->tree), "%s: tree %s, expected %s", v->name, tree->str, v->tree);

  rebuilt = der_writer_finish (&writer);
  ck_assert_msg (g_bytes_equal (rebuilt, bytes), "%s: re-encoding differs", v->name);
}
END_TEST

START_TEST (test_vector_typed_values)
{
  g_autoptr(GBytes) bytes = hex_bytes (find_vector ("GetEimPackageRequest {eid, notifyStateChange, cause, rPLMN}")->hex);  /* GetEimPackageRequest with stateChangeCause */
  g_autoptr(GError) error = NULL;
  g_autofree gchar *eid = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  DerTlv top, child;
  guint64 cause = 99;

  ck_assert (der_parse_expect (data, length, 0xBF4F, &top, &error));
  ck_assert (der_find_child (&top, 0x5A, &child, &error));
  eid = der_to_hex (child.value, child.length);
  ck_assert_str_eq (eid, EID);
  ck_assert (der_find_child (&top, 0x80, &child, &error));
  ck_assert_uint_eq (child.length, 0);
  ck_assert (der_find_child (&top, 0x81, &child, &error));
  ck_assert (der_tlv_get_uint (&child, &cause, &error));
  ck_assert_uint_eq (cause, 0);
  ck_assert (!der_find_child (&top, 0x83, &child, &error));
  ck_assert_ptr_null (error);
}
END_TEST

START_TEST (test_vector_add_initial_eim_values)
{
  /* AddInitialEim: strings, small integers and the eimSupportedProtocol named bits. */
  g_autoptr(GBytes) bytes = hex_bytes (find_vector ("AddInitialEim")->hex);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *eim_id = NULL;
  g_autofree gchar *fqdn = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  const guint8 *bits;
  gsize n_bits;
  guint unused;
  DerTlv top, list, entry, field;
  guint64 value;

  ck_assert (der_parse_expect (data, length, 0xBF57, &top, &error));
  ck_assert (der_find_child (&top, 0xA0, &list, &error));
  ck_assert (der_find_child (&list, 0x30, &entry, &error));
  ck_assert (der_find_child (&entry, 0x80, &field, &error));
  eim_id = der_tlv_dup_utf8 (&field, &error);
  ck_assert_str_eq (eim_id, "eim1");
  ck_assert (der_find_child (&entry, 0x81, &field, &error));
  fqdn = der_tlv_dup_utf8 (&field, &error);
  ck_assert_str_eq (fqdn, "eim.example.com");
  ck_assert (der_find_child (&entry, 0x82, &field, &error));
  ck_assert (der_tlv_get_uint (&field, &value, &error));
  ck_assert_uint_eq (value, 2);
  ck_assert (der_find_child (&entry, 0x87, &field, &error));
  ck_assert (der_tlv_get_bits (&field, &bits, &n_bits, &unused, &error));
  ck_assert_uint_eq (n_bits, 1);
  ck_assert_uint_eq (unused, 7);
  ck_assert (der_bits_test (bits, n_bits, unused, 0));
  ck_assert (!der_bits_test (bits, n_bits, unused, 1));
  ck_assert (!der_bits_test (bits, n_bits, unused, 8));
}
END_TEST

/* Structures rebuilt with the typed writers give the vectors' bytes. */

START_TEST (test_build_get_eim_package_request)
{
  g_auto(DerWriter) writer = { 0 };
  g_autoptr(GBytes) eid = hex_bytes (EID);
  static const guint8 rplmn[] = { 0x62, 0xF2, 0x10 };

  der_writer_init (&writer);
  der_begin (&writer, 0xBF4F);
  der_write_bytes (&writer, 0x5A, eid);
  der_write_null (&writer, 0x80);
  der_write_int (&writer, 0x81, 0);
  der_write (&writer, 0x82, rplmn, sizeof rplmn);
  der_end (&writer);
  assert_written (&writer, "BF4F1C5A10" EID "8000810100820362F210");
}
END_TEST

START_TEST (test_build_small_responses)
{
  g_auto(DerWriter) writer = { 0 };

  der_writer_init (&writer);
  der_begin (&writer, 0xBF4F);
  der_write_uint (&writer, 0x02, 127);
  der_end (&writer);
  assert_written (&writer, "BF4F0302017F");

  der_writer_init (&writer);
  der_begin (&writer, 0xBF50);
  der_begin (&writer, 0xBF53);
  for (guint i = 1; i <= 3; i++)
    der_write_uint (&writer, 0x80, i);
  der_end (&writer);
  der_end (&writer);
  assert_written (&writer, "BF500CBF5309800101800102800103");

  der_writer_init (&writer);
  der_begin (&writer, 0xBF50);
  der_begin (&writer, 0x30);
  der_end (&writer);
  der_end (&writer);
  assert_written (&writer, "BF50023000");

  der_writer_init (&writer);
  der_begin (&writer, 0xBF5A);
  der_write_bool (&writer, 0x80, FALSE);
  der_end (&writer);
  assert_written (&writer, "BF5A03800100");

  der_writer_init (&writer);
  der_begin (&writer, 0xBF59);
  der_write_null (&writer, 0x80);
  der_write_utf8 (&writer, 0x82, "smdp.example.com");
  der_end (&writer);
  assert_written (&writer, "BF591480008210736D64702E6578616D706C652E636F6D");

  der_writer_init (&writer);
  der_begin (&writer, 0xBF42);
  der_write_named_bits (&writer, 0x80, 1, 1);  /* activateIpae */
  der_end (&writer);
  assert_written (&writer, "BF420480020780");
}
END_TEST

START_TEST (test_build_add_initial_eim)
{
  g_auto(DerWriter) writer = { 0 };

  der_writer_init (&writer);
  der_begin (&writer, 0xBF57);
  der_begin (&writer, 0xA0);
  der_begin (&writer, 0x30);
  der_write_utf8 (&writer, 0x80, "eim1");
  der_write_utf8 (&writer, 0x81, "eim.example.com");
  der_write_uint (&writer, 0x82, 2);
  der_write_uint (&writer, 0x83, 1);
  der_write_named_bits (&writer, 0x87, 1 << 0, 3);  /* eimRetrieveHttps */
  der_end (&writer);
  der_end (&writer);
  der_end (&writer);
  assert_written (&writer, "BF5725A0233021800465696D31810F65696D2E6578616D706C652E636F6D82010283010187020780");
}
END_TEST

static void
write_hex (DerWriter *writer, guint32 tag, const gchar *hex)
{
  g_autoptr(GBytes) bytes = hex_bytes (hex);

  der_write_bytes (writer, tag, bytes);
}

START_TEST (test_build_euicc_package_request)
{
  /* 136 content octets: der_end() has to widen the placeholder to 81 88 and move the contents. */
  g_auto(DerWriter) writer = { 0 };

  der_writer_init (&writer);
  der_begin (&writer, 0xBF51);
  der_begin (&writer, 0x30);
  der_write_utf8 (&writer, 0x80, "eim1");
  write_hex (&writer, 0x5A, EID);
  der_write_uint (&writer, 0x81, 2);
  der_begin (&writer, 0xA1);
  der_begin (&writer, 0xA8);
  der_write_utf8 (&writer, 0x80, "eim2");
  der_write_utf8 (&writer, 0x81, "eim2.example.com");
  der_write_uint (&writer, 0x82, 2);
  der_write_uint (&writer, 0x83, 1);
  der_write_named_bits (&writer, 0x87, 1, 3);
  der_end (&writer);
  der_begin (&writer, 0xAB);
  der_end (&writer);
  der_end (&writer);
  der_end (&writer);
  write_hex (&writer, 0x5F37, SIG64);
  der_end (&writer);
  assert_written (&writer, find_vector ("EuiccPackageRequest ecoList")->hex);
}
END_TEST

START_TEST (test_build_cancel_session_and_result)
{
  g_auto(DerWriter) writer = { 0 };

  der_writer_init (&writer);
  der_begin (&writer, 0xBF41);
  write_hex (&writer, 0x80, TXID16);
  der_begin (&writer, 0xA1);
  der_write_uint (&writer, 0x81, 5);
  der_end (&writer);
  der_end (&writer);
  assert_written (&writer, "BF411780" "10" TXID16 "A103810105");

  der_writer_init (&writer);
  der_begin (&writer, 0xBF51);
  der_begin (&writer, 0xA0);
  der_begin (&writer, 0x30);
  der_write_utf8 (&writer, 0x80, "eim1");
  der_write_uint (&writer, 0x81, 1);
  write_hex (&writer, 0x82, "0102030405060708");
  der_write_uint (&writer, 0x83, 7);
  der_begin (&writer, 0x30);
  der_write_uint (&writer, 0x83, 0);
  der_begin (&writer, 0xBF2D);
  der_begin (&writer, 0xA0);
  der_end (&writer);
  der_end (&writer);
  der_end (&writer);
  der_end (&writer);
  write_hex (&writer, 0x5F37, SIG64);
  der_end (&writer);
  der_end (&writer);
  assert_written (&writer, "BF5167A0653020800465696D31810101820801020304050607088301073008830100BF2D02A0005F3740" SIG64);
}
END_TEST

/* Tags */

START_TEST (test_tags)
{
  g_autoptr(GBytes) bytes = hex_bytes ("BF2E00" "5F3700" "BF6400" "9F7000" "BF81800100" "1E00");
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  static const guint32 expected[] = { 0xBF2E, 0x5F37, 0xBF64, 0x9F70, 0xBF818001, 0x1E };
  static const gboolean constructed[] = { TRUE, FALSE, TRUE, FALSE, TRUE, FALSE };
  DerReader reader;

  der_reader_init (&reader, data, length);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      DerTlv tlv;

      ck_assert_msg (der_reader_next (&reader, &tlv, &error), "tag %u: %s", i, error->message);
      ck_assert_uint_eq (tlv.tag, expected[i]);
      ck_assert_int_eq (tlv.constructed, constructed[i]);
      ck_assert_uint_eq (tlv.raw_length, der_tag_size (expected[i]) + 1);
    }
  ck_assert (der_reader_at_end (&reader));

  ck_assert_uint_eq (der_tag_size (0x5A), 1);
  ck_assert_uint_eq (der_tag_size (0xBF2E), 2);
  ck_assert_uint_eq (der_tag_size (0x5F37), 2);
  ck_assert_uint_eq (der_tag_size (0xBF8101), 3);
  ck_assert_uint_eq (der_tag_size (0xBF818101), 4);

  ck_assert (der_tag_is_valid (0x5A));
  ck_assert (der_tag_is_valid (0xBF2E));
  ck_assert (der_tag_is_valid (0xBF818001));
  ck_assert (!der_tag_is_valid (0));
  ck_assert (!der_tag_is_valid (0x1F));       /* high-tag form with no number octet */
  ck_assert (!der_tag_is_valid (0x5A01));     /* one-octet form followed by more */
  ck_assert (!der_tag_is_valid (0xBF05));     /* number below 31 in the long form */
  ck_assert (!der_tag_is_valid (0xBF8001));   /* leading 0x80 number octet */
  ck_assert (!der_tag_is_valid (0xBF81));     /* continuation bit on the last octet */
  ck_assert (!der_tag_is_valid (0xBF0101));   /* continuation bit missing in the middle */
}
END_TEST

/* Lengths */

static void
check_long_length (gsize content_length, const gchar *expected_header)
{
  g_auto(DerWriter) writer = { 0 };
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *content = g_malloc (content_length);
  g_autofree gchar *header = NULL;
  gsize header_length = strlen (expected_header) / 2;
  gsize length;
  const guint8 *data;
  DerTlv outer, inner;

  for (gsize i = 0; i < content_length; i++)
    content[i] = (guint8) (i * 7);

  /* Through der_begin/der_end, so the length is fixed up after the fact. */
  der_writer_init (&writer);
  der_begin (&writer, 0xBF64);
  der_write_raw (&writer, (const guint8 *) "\x04\x00", 2);
  der_write_raw (&writer, content, content_length - 2);
  der_end (&writer);
  out = der_writer_finish (&writer);
  data = g_bytes_get_data (out, &length);
  ck_assert_uint_eq (length, 2 + header_length + content_length);
  header = der_to_hex (data, 2 + header_length);
  ck_assert_str_eq (header + 4, expected_header);
  ck_assert (der_parse_expect (data, length, 0xBF64, &outer, &error));
  ck_assert_uint_eq (outer.length, content_length);
  ck_assert (memcmp (outer.value + 2, content, content_length - 2) == 0);
  ck_assert (der_find_child (&outer, 0x04, &inner, &error));
  ck_assert_uint_eq (inner.length, 0);

  /* And directly with der_write. */
  g_clear_pointer (&out, g_bytes_unref);
  g_clear_pointer (&header, g_free);
  der_writer_init (&writer);
  der_write (&writer, 0x5F37, content, content_length);
  out = der_writer_finish (&writer);
  data = g_bytes_get_data (out, &length);
  header = der_to_hex (data, 2 + header_length);
  ck_assert_str_eq (header + 4, expected_header);
  ck_assert (der_parse_expect (data, length, 0x5F37, &outer, &error));
  ck_assert_uint_eq (outer.length, content_length);
  ck_assert (memcmp (outer.value, content, content_length) == 0);
}

START_TEST (test_length_forms)
{
  check_long_length (2, "02");
  check_long_length (127, "7F");
  check_long_length (128, "8180");
  check_long_length (255, "81FF");
  check_long_length (256, "820100");
  check_long_length (65535, "82FFFF");
  check_long_length (65536, "83010000");
  check_long_length (16777216, "8401000000");
}
END_TEST

START_TEST (test_nested_widening)
{
  /* Two open values both outgrow their one-octet placeholder; the inner move must not disturb the outer. */
  g_auto(DerWriter) writer = { 0 };
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  guint8 content[300];
  gsize length;
  const guint8 *data;
  DerTlv outer, a, b, c;

  memset (content, 0x5A, sizeof content);
  der_writer_init (&writer);
  der_begin (&writer, 0x30);
  der_write_uint (&writer, 0x80, 1);
  der_begin (&writer, 0xA1);
  der_write (&writer, 0x04, content, sizeof content);
  der_end (&writer);
  der_write_uint (&writer, 0x82, 2);
  der_end (&writer);
  out = der_writer_finish (&writer);
  data = g_bytes_get_data (out, &length);
  ck_assert_uint_eq (length, 4 + 3 + 4 + 4 + 300 + 3);
  ck_assert (der_parse_expect (data, length, 0x30, &outer, &error));
  ck_assert (der_validate (&outer, &error));
  ck_assert (der_find_child (&outer, 0xA1, &a, &error));
  ck_assert (der_find_child (&a, 0x04, &b, &error));
  ck_assert_uint_eq (b.length, 300);
  ck_assert (der_find_child (&outer, 0x82, &c, &error));
  ck_assert_uint_eq (c.value[0], 2);
}
END_TEST

START_TEST (test_read_long_lengths)
{
  /* Long-form lengths with one to four octets; non-minimal ones are read (BER) but not produced. */
  static const struct {
    const gchar *header;
    gsize length;
  } cases[] = {
    { "0401", 1 }, { "048180", 128 }, { "04820100", 256 }, { "0483010000", 65536 }, { "048400000003", 3 },
    { "04810A", 10 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize header_length = strlen (cases[i].header) / 2;
      g_autofree guint8 *data = g_malloc0 (header_length + cases[i].length);
      g_autoptr(GBytes) header = hex_bytes (cases[i].header);
      DerTlv tlv;

      memcpy (data, g_bytes_get_data (header, NULL), header_length);
      ck_assert_msg (der_parse_single (data, header_length + cases[i].length, &tlv, &error), "%s: %s",
                     cases[i].header, error != NULL ? error->message : "");
      ck_assert_uint_eq (tlv.length, cases[i].length);
      ck_assert_ptr_eq (tlv.value, data + header_length);
    }
}
END_TEST

/* Refusals */

START_TEST (test_error_indefinite_length)
{
  assert_parse_fails ("30800400", "indefinite length (0x80) at offset 1");
  assert_parse_fails ("BF2E80", "indefinite length (0x80) at offset 2 for tag BF2E");
}
END_TEST

START_TEST (test_error_truncated_tag)
{
  assert_parse_fails ("BF", "truncated tag at offset 0");
  assert_parse_fails ("BF81", "truncated tag at offset 0");
  assert_parse_fails ("BF818181", "truncated tag at offset 0");
}
END_TEST

START_TEST (test_error_truncated_length)
{
  assert_parse_fails ("5A", "truncated length at offset 1: tag 5A has no length octet");
  assert_parse_fails ("BF2E", "truncated length at offset 2: tag BF2E has no length octet");
  assert_parse_fails ("5A8201", "truncated length at offset 1 for tag 5A: 2 length octets announced, 1 present");
  assert_parse_fails ("5A84000000", "truncated length at offset 1 for tag 5A: 4 length octets announced, 3 present");
}
END_TEST

START_TEST (test_error_length_beyond_buffer)
{
  assert_parse_fails ("5A0501020304", "length beyond buffer: tag 5A at offset 0 announces 5 bytes but only 4 remain");
  assert_parse_fails ("BF4F8201000102", "tag BF4F at offset 0 announces 256 bytes but only 2 remain");
  assert_parse_fails ("0484FFFFFFFF00", "announces 4294967295 bytes but only 1 remain");
}
END_TEST

START_TEST (test_error_too_many_length_octets)
{
  assert_parse_fails ("5A850000000001AA", "length at offset 1 for tag 5A has 5 length octets (more than 4)");
  assert_parse_fails ("5AFF", "has 127 length octets (more than 4)");
}
END_TEST

START_TEST (test_error_bad_tags)
{
  assert_parse_fails ("BF8181810100", "tag at offset 0 has more than 4 identifier octets");
  assert_parse_fails ("BF800100", "non-minimal tag at offset 0");
  assert_parse_fails ("1F0500", "uses the multi-byte form for tag number 5");
  assert_parse_fails ("0000", "tag 00 (end-of-contents) at offset 0");
}
END_TEST

START_TEST (test_error_trailing_garbage)
{
  g_autoptr(GBytes) bytes = hex_bytes ("BF2E0000");
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  DerReader reader;
  DerTlv tlv;

  assert_parse_fails ("BF2E0000", "trailing data at offset 3: 1 byte(s) after the TLV with tag BF2E");
  assert_parse_fails ("5A0101FFFF", "trailing data at offset 3: 2 byte(s)");

  /* The reader itself reads the first TLV and then stumbles on the garbage. */
  der_reader_init (&reader, data, length);
  ck_assert (der_reader_next (&reader, &tlv, &error));
  ck_assert (!der_reader_at_end (&reader));
  ck_assert (!der_reader_next (&reader, &tlv, &error));
  assert_error_contains (error, "tag 00 (end-of-contents) at offset 0 is not allowed");
}
END_TEST

START_TEST (test_error_empty_and_at_end)
{
  g_autoptr(GError) error = NULL;
  DerReader reader;
  DerTlv tlv;

  ck_assert (!der_parse_single ((const guint8 *) "", 0, &tlv, &error));
  assert_error_contains (error, "empty data");
  g_clear_error (&error);

  der_reader_init (&reader, NULL, 0);
  ck_assert (der_reader_at_end (&reader));
  ck_assert (!der_reader_next (&reader, &tlv, &error));
  assert_error_contains (error, "no TLV at offset 0");
}
END_TEST

START_TEST (test_error_expect_and_enter)
{
  g_autoptr(GBytes) bytes = hex_bytes ("BF2E00");
  g_autoptr(GBytes) primitive = hex_bytes ("5A0101");
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  DerReader child;
  DerTlv tlv, found;

  ck_assert (!der_parse_expect (data, length, 0xBF2B, &tlv, &error));
  assert_error_contains (error, "expected tag BF2B, found tag BF2E");
  g_clear_error (&error);

  data = g_bytes_get_data (primitive, &length);
  ck_assert (der_parse_single (data, length, &tlv, &error));
  ck_assert (!der_reader_enter (&tlv, &child, &error));
  assert_error_contains (error, "tag 5A is primitive, expected a constructed value");
  g_clear_error (&error);
  ck_assert (!der_find_child (&tlv, 0x01, &found, &error));
  assert_error_contains (error, "tag 5A is primitive");
  g_clear_error (&error);
  /* A primitive TLV has no children to check. */
  ck_assert (der_validate (&tlv, &error));
}
END_TEST

START_TEST (test_error_children)
{
  /* The second child runs past its parent: find_child finds the first, fails on the search for a later one,
   * and names the offset from the parent's first byte. */
  g_autoptr(GBytes) bytes = hex_bytes ("BF550780010181050102");
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  DerTlv top, child;

  ck_assert (der_parse_single (data, length, &top, &error));
  ck_assert (der_find_child (&top, 0x80, &child, &error));
  ck_assert_uint_eq (child.value[0], 0x01);
  ck_assert (!der_find_child (&top, 0x82, &child, &error));
  assert_error_contains (error, "in tag BF55: DER: length beyond buffer: tag 81 at offset 6 announces 5 bytes but only 2 remain");
  g_clear_error (&error);
  ck_assert (!der_validate (&top, &error));
  assert_error_contains (error, "tag 81 at offset 6 announces 5 bytes");
  g_clear_error (&error);

  /* A broken grandchild is found by der_validate, not by a look at the direct children. */
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = hex_bytes ("3009A1045A8201FF800100");
  data = g_bytes_get_data (bytes, &length);
  ck_assert (der_parse_single (data, length, &top, &error));
  ck_assert (der_find_child (&top, 0x80, &child, &error));
  ck_assert (!der_validate (&top, &error));
  assert_error_contains (error, "in tag A1: DER: length beyond buffer: tag 5A at offset 4 announces 511 bytes");
}
END_TEST

static GBytes *
nested (guint levels)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  /* A0 (2n-2) A0 (2n-4) ... A0 00, written by hand so that no writer limit is involved. */
  for (guint i = 0; i < levels; i++)
    {
      guint8 header[2] = { 0xA0, (guint8) (2 * (levels - 1 - i)) };

      g_assert (2 * levels < 0x80);
      g_byte_array_append (out, header, 2);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

START_TEST (test_error_depth)
{
  g_autoptr(GBytes) ok = nested (DER_MAX_DEPTH);
  g_autoptr(GBytes) deep = nested (DER_MAX_DEPTH + 1);
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (ok, &length);
  DerTlv tlv;
  DerReader reader;
  guint depth = 0;

  ck_assert (der_parse_single (data, length, &tlv, &error));
  ck_assert_msg (der_validate (&tlv, &error), "%s", error != NULL ? error->message : "");
  /* Walk down by hand: the innermost value sits at depth DER_MAX_DEPTH - 1 and can still be entered. */
  while (tlv.length > 0)
    {
      ck_assert (der_reader_enter (&tlv, &reader, &error));
      ck_assert (der_reader_next (&reader, &tlv, &error));
      depth++;
    }
  ck_assert_uint_eq (depth, DER_MAX_DEPTH - 1);
  ck_assert_uint_eq (tlv.depth, DER_MAX_DEPTH - 1);
  ck_assert (der_reader_enter (&tlv, &reader, &error));

  data = g_bytes_get_data (deep, &length);
  ck_assert (der_parse_single (data, length, &tlv, &error));
  ck_assert (!der_validate (&tlv, &error));
  assert_error_contains (error, "at offset 64: DER: tag A0 nests deeper than 32 levels");
}
END_TEST

START_TEST (test_writer_depth_limit)
{
  g_auto(DerWriter) writer = { 0 };
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  guint handler;
  gsize length;
  const guint8 *data;
  DerTlv tlv;

  der_writer_init (&writer);
  for (guint i = 0; i < DER_MAX_DEPTH; i++)
    der_begin (&writer, 0xA0);
  der_write_uint (&writer, 0x80, 1);

  n_criticals = 0;
  handler = g_log_set_handler ("euiccd-der", G_LOG_LEVEL_CRITICAL, count_critical, NULL);
  der_begin (&writer, 0xA0);  /* one too many: refused, nothing written */
  g_log_remove_handler ("euiccd-der", handler);
  ck_assert_uint_eq (n_criticals, 1);

  for (guint i = 0; i < DER_MAX_DEPTH; i++)
    der_end (&writer);
  out = der_writer_finish (&writer);
  data = g_bytes_get_data (out, &length);
  ck_assert_uint_eq (length, 2 * DER_MAX_DEPTH + 3);
  ck_assert (der_parse_single (data, length, &tlv, &error));
  /* Everything the writer can produce, the reader accepts. */
  ck_assert_msg (der_validate (&tlv, &error), "%s", error != NULL ? error->message : "");
}
END_TEST

START_TEST (test_writer_programming_errors)
{
  g_auto(DerWriter) writer = { 0 };
  guint handler;

  der_writer_init (&writer);
  n_criticals = 0;
  handler = g_log_set_handler ("euiccd-der", G_LOG_LEVEL_CRITICAL, count_critical, NULL);
  der_write (&writer, 0, (const guint8 *) "x", 1);
  der_write_uint (&writer, 0, 5);
  der_begin (&writer, 0);
  der_write (&writer, 0xBF05, NULL, 0);
  der_end (&writer);  /* nothing open */
  ck_assert_uint_eq (writer.buffer->len, 0);
  der_begin (&writer, 0x30);
  ck_assert_ptr_null (der_writer_finish (&writer));  /* still open */
  g_log_remove_handler ("euiccd-der", handler);
  ck_assert_uint_eq (n_criticals, 6);
}
END_TEST

/* Values */

static DerTlv
parse_hex (const gchar *hex, GBytes **ret_bytes)
{
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data;
  DerTlv tlv;

  *ret_bytes = hex_bytes (hex);
  data = g_bytes_get_data (*ret_bytes, &length);
  ck_assert_msg (der_parse_single (data, length, &tlv, &error), "%s: %s", hex, error != NULL ? error->message : "");
  return tlv;
}

START_TEST (test_uint_encoding)
{
  static const struct {
    guint64 value;
    const gchar *hex;
  } cases[] = {
    { 0, "020100" }, { 1, "020101" }, { 127, "02017F" }, { 128, "02020080" }, { 255, "020200FF" },
    { 256, "02020100" }, { 32767, "02027FFF" }, { 32768, "0203008000" }, { 0x7FFFFFFFFFFFFFFF, "02087FFFFFFFFFFFFFFF" },
    { G_MAXUINT64, "020900FFFFFFFFFFFFFFFF" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(DerWriter) writer = { 0 };
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      DerTlv tlv;
      guint64 value = 12345;

      der_writer_init (&writer);
      der_write_uint (&writer, 0x02, cases[i].value);
      assert_written (&writer, cases[i].hex);
      tlv = parse_hex (cases[i].hex, &bytes);
      ck_assert_msg (der_tlv_get_uint (&tlv, &value, &error), "%s", error != NULL ? error->message : "");
      ck_assert_uint_eq (value, cases[i].value);
    }
}
END_TEST

START_TEST (test_int_encoding)
{
  static const struct {
    gint64 value;
    const gchar *hex;
  } cases[] = {
    { 0, "020100" }, { 1, "020101" }, { -1, "0201FF" }, { 127, "02017F" }, { 128, "02020080" },
    { -128, "020180" }, { -129, "0202FF7F" }, { -256, "0202FF00" }, { -32769, "0203FF7FFF" },
    { G_MAXINT64, "02087FFFFFFFFFFFFFFF" }, { G_MININT64, "02088000000000000000" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(DerWriter) writer = { 0 };
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      DerTlv tlv;
      gint64 value = 12345;

      der_writer_init (&writer);
      der_write_int (&writer, 0x02, cases[i].value);
      assert_written (&writer, cases[i].hex);
      tlv = parse_hex (cases[i].hex, &bytes);
      ck_assert_msg (der_tlv_get_int (&tlv, &value, &error), "%s", error != NULL ? error->message : "");
      ck_assert_int_eq (value, cases[i].value);
    }
}
END_TEST

START_TEST (test_int_errors)
{
  static const struct {
    const gchar *hex;
    gboolean as_uint;
    const gchar *expected;
  } cases[] = {
    { "0200", TRUE, "INTEGER in tag 02 is empty" },
    { "0200", FALSE, "INTEGER in tag 02 is empty" },
    { "80020005", TRUE, "non-minimal INTEGER in tag 80: redundant leading octet 00" },
    { "0202FF80", FALSE, "non-minimal INTEGER in tag 02: redundant leading octet FF" },
    { "02020000", FALSE, "non-minimal INTEGER" },
    { "0201FF", TRUE, "INTEGER in tag 02 is negative" },
    { "020A01000000000000000000", TRUE, "10 octets, more than 64 bits" },
    { "02090100000000000000FF", TRUE, "9 octets, more than 64 bits" },
    { "020900FFFFFFFFFFFFFFFF", FALSE, "9 octets, more than 64 bits" },
    { "A2030201FF", TRUE, "tag A2 is constructed, expected a primitive INTEGER" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      DerTlv tlv = parse_hex (cases[i].hex, &bytes);
      gboolean ok;

      if (cases[i].as_uint)
        {
          guint64 value;
          ok = der_tlv_get_uint (&tlv, &value, &error);
        }
      else
        {
          gint64 value;
          ok = der_tlv_get_int (&tlv, &value, &error);
        }
      ck_assert_msg (!ok, "%s accepted", cases[i].hex);
      assert_error_contains (error, cases[i].expected);
    }
}
END_TEST

START_TEST (test_bool)
{
  static const struct {
    const gchar *hex;
    gboolean value;
  } cases[] = { { "0101FF", TRUE }, { "010100", FALSE }, { "800101", TRUE } };
  g_auto(DerWriter) writer = { 0 };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  DerTlv tlv;
  gboolean value;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) b = NULL;

      tlv = parse_hex (cases[i].hex, &b);
      value = !cases[i].value;
      ck_assert (der_tlv_get_bool (&tlv, &value, &error));
      ck_assert_int_eq (value, cases[i].value);
    }

  der_writer_init (&writer);
  der_write_bool (&writer, 0x01, TRUE);
  der_write_bool (&writer, 0x81, FALSE);
  der_write_bool (&writer, 0x82, 42);
  assert_written (&writer, "0101FF8101008201FF");

  tlv = parse_hex ("01020000", &bytes);
  ck_assert (!der_tlv_get_bool (&tlv, &value, &error));
  assert_error_contains (error, "BOOLEAN in tag 01 has 2 octets, expected 1");
}
END_TEST

START_TEST (test_utf8)
{
  g_autoptr(GBytes) b1 = NULL;
  g_autoptr(GBytes) b2 = NULL;
  g_autoptr(GBytes) b3 = NULL;
  g_autoptr(GBytes) b4 = NULL;
  g_autoptr(GBytes) b5 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *empty = NULL;
  g_auto(DerWriter) writer = { 0 };
  DerTlv tlv;

  tlv = parse_hex ("0C0A736DC3B67264C3A5732D", &b1);
  ck_assert_uint_eq (tlv.length, 10);
  text = der_tlv_dup_utf8 (&tlv, &error);
  ck_assert_str_eq (text, "sm\xc3\xb6rd\xc3\xa5s-");

  tlv = parse_hex ("8000", &b2);
  empty = der_tlv_dup_utf8 (&tlv, &error);
  ck_assert_str_eq (empty, "");

  tlv = parse_hex ("0C0341C328", &b3);
  ck_assert_ptr_null (der_tlv_dup_utf8 (&tlv, &error));
  assert_error_contains (error, "UTF8String in tag 0C has invalid UTF-8 at offset 1 of its value");
  g_clear_error (&error);

  tlv = parse_hex ("810441420043", &b4);
  ck_assert_ptr_null (der_tlv_dup_utf8 (&tlv, &error));
  assert_error_contains (error, "UTF8String in tag 81 has a NUL byte at offset 2 of its value");
  g_clear_error (&error);

  tlv = parse_hex ("8102E282", &b5);  /* a multi-byte sequence cut short by the end of the value */
  ck_assert_ptr_null (der_tlv_dup_utf8 (&tlv, &error));
  assert_error_contains (error, "invalid UTF-8 at offset 0 of its value");

  der_writer_init (&writer);
  der_write_utf8 (&writer, 0x80, "eim1");
  der_write_utf8 (&writer, 0x81, "");
  assert_written (&writer, "800465696D318100");
}
END_TEST

START_TEST (test_named_bits_write)
{
  static const struct {
    guint64 bits;
    guint n_named;
    const gchar *hex;
  } cases[] = {
    { 0, 8, "030100" },              /* empty: only the unused-bits octet */
    { 1 << 0, 8, "03020780" },       /* first named bit */
    { 1 << 1, 8, "03020640" },
    { (1 << 0) | (1 << 7), 8, "03020081" },
    { 1 << 8, 16, "0303070080" },    /* trailing zero bits of the first octet stay: they are not trailing */
    { 0xFF00, 16, "030300" "00FF" }, /* no trailing zeros to drop */
    { 1 << 9, 9, "030100" },         /* beyond the named bits: ignored */
    { G_GUINT64_CONSTANT (1) << 63, 64, "0309000000000000000001" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(DerWriter) writer = { 0 };
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      const guint8 *bits;
      gsize n_bits;
      guint unused;
      DerTlv tlv;

      der_writer_init (&writer);
      der_write_named_bits (&writer, 0x03, cases[i].bits, cases[i].n_named);
      assert_written (&writer, cases[i].hex);

      /* Reading back gives every named bit as it was written. */
      tlv = parse_hex (cases[i].hex, &bytes);
      ck_assert (der_tlv_get_bits (&tlv, &bits, &n_bits, &unused, &error));
      for (guint n = 0; n < 64; n++)
        {
          gboolean expected = n < cases[i].n_named && ((cases[i].bits >> n) & 1) != 0;
          ck_assert_msg (der_bits_test (bits, n_bits, unused, n) == expected, "case %u bit %u", i, n);
        }
    }
}
END_TEST

START_TEST (test_bits_read)
{
  g_autoptr(GBytes) b1 = NULL;
  g_autoptr(GBytes) b2 = NULL;
  g_autoptr(GBytes) b3 = NULL;
  g_autoptr(GBytes) b4 = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *bits = NULL;
  gsize n_bits = 99;
  guint unused = 99;
  DerTlv tlv;

  /* A BER sender may leave garbage in the unused bits: they are not part of the string. */
  tlv = parse_hex ("030206FF", &b1);
  ck_assert (der_tlv_get_bits (&tlv, &bits, &n_bits, &unused, &error));
  ck_assert_uint_eq (n_bits, 1);
  ck_assert_uint_eq (unused, 6);
  ck_assert (der_bits_test (bits, n_bits, unused, 0));
  ck_assert (der_bits_test (bits, n_bits, unused, 1));
  ck_assert (!der_bits_test (bits, n_bits, unused, 2));
  ck_assert (!der_bits_test (bits, n_bits, unused, 7));

  tlv = parse_hex ("030208FF", &b2);
  ck_assert (!der_tlv_get_bits (&tlv, &bits, &n_bits, &unused, &error));
  assert_error_contains (error, "BIT STRING in tag 03 claims 8 unused bits (at most 7)");
  g_clear_error (&error);

  tlv = parse_hex ("030103", &b3);
  ck_assert (!der_tlv_get_bits (&tlv, &bits, &n_bits, &unused, &error));
  assert_error_contains (error, "empty BIT STRING in tag 03 claims 3 unused bits");
  g_clear_error (&error);

  tlv = parse_hex ("8700", &b4);
  ck_assert (!der_tlv_get_bits (&tlv, &bits, &n_bits, &unused, &error));
  assert_error_contains (error, "BIT STRING in tag 87 is empty");
}
END_TEST

/* Hex */

START_TEST (test_hex)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hex = NULL;
  g_autofree gchar *empty = NULL;
  static const guint8 expected[] = { 0xBF, 0x2E, 0x00, 0x0a };

  bytes = der_from_hex (" bf2E\n00 0A\t", &error);
  ck_assert_ptr_nonnull (bytes);
  ck_assert_uint_eq (g_bytes_get_size (bytes), sizeof expected);
  ck_assert (memcmp (g_bytes_get_data (bytes, NULL), expected, sizeof expected) == 0);
  hex = der_to_hex (expected, sizeof expected);
  ck_assert_str_eq (hex, "BF2E000A");
  empty = der_to_hex (NULL, 0);
  ck_assert_str_eq (empty, "");
  g_clear_pointer (&bytes, g_bytes_unref);

  bytes = der_from_hex ("", &error);
  ck_assert_uint_eq (g_bytes_get_size (bytes), 0);
  g_clear_pointer (&bytes, g_bytes_unref);

  ck_assert_ptr_null (der_from_hex ("BF2G00", &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  ck_assert_str_eq (error->message, "hex: 'G' at offset 3 is not a hex digit");
  g_clear_error (&error);

  ck_assert_ptr_null (der_from_hex ("BF 2E 0", &error));
  ck_assert_str_eq (error->message, "hex: odd number of digits, the last one at offset 6 has no partner");
  g_clear_error (&error);

  ck_assert_ptr_null (der_from_hex ("00\x01", &error));
  ck_assert_str_eq (error->message, "hex: byte 0x01 at offset 2 is not a hex digit");
}
END_TEST

static Suite *
der_suite (void)
{
  Suite *s = suite_create ("der");
  TCase *tc;

  tc = tcase_create ("vectors");
  tcase_add_loop_test (tc, test_vector_roundtrip, 0, G_N_ELEMENTS (vectors));
  tcase_add_test (tc, test_vector_typed_values);
  tcase_add_test (tc, test_vector_add_initial_eim_values);
  tcase_add_test (tc, test_build_get_eim_package_request);
  tcase_add_test (tc, test_build_small_responses);
  tcase_add_test (tc, test_build_add_initial_eim);
  tcase_add_test (tc, test_build_euicc_package_request);
  tcase_add_test (tc, test_build_cancel_session_and_result);
  suite_add_tcase (s, tc);

  tc = tcase_create ("structure");
  tcase_add_test (tc, test_tags);
  tcase_add_test (tc, test_length_forms);
  tcase_add_test (tc, test_nested_widening);
  tcase_add_test (tc, test_read_long_lengths);
  tcase_add_test (tc, test_writer_depth_limit);
  tcase_add_test (tc, test_writer_programming_errors);
  suite_add_tcase (s, tc);

  tc = tcase_create ("refusals");
  tcase_add_test (tc, test_error_indefinite_length);
  tcase_add_test (tc, test_error_truncated_tag);
  tcase_add_test (tc, test_error_truncated_length);
  tcase_add_test (tc, test_error_length_beyond_buffer);
  tcase_add_test (tc, test_error_too_many_length_octets);
  tcase_add_test (tc, test_error_bad_tags);
  tcase_add_test (tc, test_error_trailing_garbage);
  tcase_add_test (tc, test_error_empty_and_at_end);
  tcase_add_test (tc, test_error_expect_and_enter);
  tcase_add_test (tc, test_error_children);
  tcase_add_test (tc, test_error_depth);
  suite_add_tcase (s, tc);

  tc = tcase_create ("values");
  tcase_add_test (tc, test_uint_encoding);
  tcase_add_test (tc, test_int_encoding);
  tcase_add_test (tc, test_int_errors);
  tcase_add_test (tc, test_bool);
  tcase_add_test (tc, test_utf8);
  tcase_add_test (tc, test_named_bits_write);
  tcase_add_test (tc, test_bits_read);
  tcase_add_test (tc, test_hex);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (der_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
