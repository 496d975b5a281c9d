/* SPDX-License-Identifier: Apache-2.0 */
/* What euiccd does for a consumer (SGP.22) eUICC: the ES10c profile operations' encoders and decoders, and the
 * check of an eIM's package signature (the vectors made with python3-cryptography, not with euiccd). */
#include "config.h"

#include <check.h>
#include <string.h>

#include "card/es10.h"
#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-sgp22-verify.h"

static const gchar key_spki_hex[] =
  "3059301306072A8648CE3D020106082A8648CE3D03010703420004C1C39F6F4F5F0CA558C8A18F25EFC79E5D362515D68F80"
  "B2F1A6322432BCF673E255515BD207DB553CB717358365B03932EC7E104E8931D48E0A37E2B03A3F1E";
/* A self-signed certificate of the same key (with the version field, so subjectPublicKeyInfo is the 7th). */
static const gchar key_certificate_hex[] =
  "308201143081BBA003020102020107300A06082A8648CE3D04030230133111300F06035504030C0865696D2D746573743020"
  "170D3234303130313030303030305A180F32303534303130313030303030305A30133111300F06035504030C0865696D2D74"
  "6573743059301306072A8648CE3D020106082A8648CE3D03010703420004C1C39F6F4F5F0CA558C8A18F25EFC79E5D362515"
  "D68F80B2F1A6322432BCF673E255515BD207DB553CB717358365B03932EC7E104E8931D48E0A37E2B03A3F1E300A06082A86"
  "48CE3D0403020348003045022054FB9A78B12DA6EBCE54D9262B2ADCE2D8F34155347C108A2ECEF8F8D2B563990221008044"
  "EDFCDEBE00D75579A4418B9D03A016292CFC11FB2CE1A937B1FA55B57976";
/* An EuiccPackageSigned followed by the association token TLV 84 01 01, as the eIM signs it. */
static const gchar signed_data_hex[] = "3019800865696D2D74657374810102A00AA3085A06980010325476840101";
/* r || s; r has its top bit set, so its DER INTEGER needs the leading zero octet. */
static const gchar signature_hex[] =
  "EB56B71FC994697ED5FAA9D22A1EE030BC89BA5362F44228B92D262F955D0A9E21989B38B67F665DEE9FD1A828AFA5687D45"
  "3AE0D8EDCD332EE85CF5AAE8DA3C";

static GBytes *
hex (const gchar *text)
{
  GBytes *bytes = der_from_hex (text, NULL);

  ck_assert_ptr_nonnull (bytes);
  return bytes;
}

static gchar *
hex_of (GBytes *bytes)
{
  return der_to_hex (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

START_TEST (test_profile_op_encode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) enable = es10_profile_op_encode (ES10_PROFILE_OP_ENABLE, "89000123456789012358", TRUE, &error);
  g_autoptr(GBytes) disable = es10_profile_op_encode (ES10_PROFILE_OP_DISABLE, "8900012345678900001", FALSE, &error);
  g_autoptr(GBytes) delete = es10_profile_op_encode (ES10_PROFILE_OP_DELETE, "89000123456789012358", TRUE, &error);
  g_autofree gchar *enable_hex = hex_of (enable);
  g_autofree gchar *disable_hex = hex_of (disable);
  g_autofree gchar *delete_hex = hex_of (delete);
  GBytes *bad;

  ck_assert_str_eq (enable_hex, "BF3111A00C5A0A980010325476981032858101FF");
  ck_assert_str_eq (disable_hex, "BF3211A00C5A0A980010325476980000F1810100");
  ck_assert_str_eq (delete_hex, "BF330C5A0A98001032547698103285");
  bad = es10_profile_op_encode (ES10_PROFILE_OP_ENABLE, "89ABC", TRUE, &error);
  ck_assert_ptr_null (bad);
  ck_assert_ptr_nonnull (strstr (error->message, "EnableProfile"));
}
END_TEST

START_TEST (test_profile_op_decode)
{
  static const struct {
    Es10ProfileOp op;
    const gchar *answer;
    gboolean ok;
    gint64 result;
  } cases[] = {
    { ES10_PROFILE_OP_ENABLE, "BF3103800100", TRUE, 0 },
    { ES10_PROFILE_OP_ENABLE, "BF3103800102", TRUE, 2 },
    { ES10_PROFILE_OP_DISABLE, "BF320380017F", TRUE, 127 },
    { ES10_PROFILE_OP_DELETE, "BF3303800103", TRUE, 3 },
    /* A field a later version adds is passed over. */
    { ES10_PROFILE_OP_DELETE, "BF33078102AAAA800101", TRUE, 1 },
    /* Another function's answer, a missing result, a truncated TLV. */
    { ES10_PROFILE_OP_ENABLE, "BF3203800100", FALSE, 0 },
    { ES10_PROFILE_OP_DISABLE, "BF3200", FALSE, 0 },
    { ES10_PROFILE_OP_DELETE, "BF330380", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) answer = hex (cases[i].answer);
      g_autoptr(GError) error = NULL;
      gint64 result = -1;
      gboolean ok = es10_profile_op_decode (cases[i].op, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer),
                                            &result, &error);

      ck_assert_msg (ok == cases[i].ok, "case %u (%s): %s", i, cases[i].answer,
                     error != NULL ? error->message : "accepted");
      if (ok)
        ck_assert_int_eq (result, cases[i].result);
      else
        ck_assert_ptr_nonnull (error);
    }
}
END_TEST

START_TEST (test_set_nickname)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = es10_set_nickname_encode ("89000123456789012358", "unit 7", &error);
  g_autofree gchar *request_hex = hex_of (request);
  g_autoptr(GBytes) answer = hex ("BF2903800101");
  g_autofree gchar *long_name = g_strnfill (65, 'x');
  gint64 result = -1;

  ck_assert_str_eq (request_hex, "BF29145A0A980010325476981032859006756E69742037");
  ck_assert (es10_set_nickname_decode (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), &result, &error));
  ck_assert_int_eq (result, 1);  /* iccidNotFound */
  ck_assert_ptr_null (es10_set_nickname_encode ("89000123456789012358", long_name, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "64 bytes"));
}
END_TEST

/* What SetProfileNickname relies on to refuse bad arguments before the card: 64 bytes pass, not 65, nor a
 * nickname that is not UTF-8, nor a malformed ICCID; the card's undefinedError is read as such. */
START_TEST (test_set_nickname_limits)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *name_64 = g_strnfill (64, 'x');
  g_autoptr(GBytes) request = es10_set_nickname_encode ("89000123456789012358", name_64, &error);
  g_autoptr(GBytes) cleared = NULL;
  g_autoptr(GBytes) answer = hex ("BF290380017F");
  gint64 result = -1;

  ck_assert_ptr_nonnull (request);
  ck_assert_uint_eq (g_bytes_get_size (request), 3 + 12 + 2 + 64);  /* BF29 4E, 5A 0A ..., 90 40 ... */
  cleared = es10_set_nickname_encode ("89000123456789012358", "", &error);
  ck_assert_ptr_nonnull (cleared);
  ck_assert_ptr_null (es10_set_nickname_encode ("89000123456789012358", "bad\xff", &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  g_clear_error (&error);
  ck_assert_ptr_null (es10_set_nickname_encode ("8900012345678901235X", "unit 7", &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  ck_assert_ptr_nonnull (strstr (error->message, "SetNickname: ICCID"));
  g_clear_error (&error);
  ck_assert (es10_set_nickname_decode (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), &result, &error));
  ck_assert_int_eq (result, 127);  /* undefinedError */
}
END_TEST

static gboolean
verify (Es10EimKeyKind kind, const gchar *key_hex, GBytes *data, GBytes *signature, GError **error)
{
  g_autoptr(GBytes) key = key_hex != NULL ? hex (key_hex) : NULL;

  return ipa_sgp22_verify_signature (kind, key, g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                     g_bytes_get_data (signature, NULL), g_bytes_get_size (signature), error);
}

START_TEST (test_verify_signature)
{
  g_autoptr(GBytes) data = hex (signed_data_hex);
  g_autoptr(GBytes) signature = hex (signature_hex);
  g_autoptr(GByteArray) tampered = g_byte_array_new ();
  g_autoptr(GBytes) tampered_data = NULL;
  g_autoptr(GBytes) short_signature = g_bytes_new_from_bytes (signature, 0, 63);
  g_autoptr(GError) error = NULL;

  ck_assert (verify (ES10_EIM_KEY_PUBLIC_KEY, key_spki_hex, data, signature, &error));
  ck_assert (verify (ES10_EIM_KEY_CERTIFICATE, key_certificate_hex, data, signature, &error));

  /* The counter changed by one bit: refused. */
  g_byte_array_append (tampered, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  tampered->data[14] ^= 0x01;
  tampered_data = g_byte_array_free_to_bytes (g_steal_pointer (&tampered));
  ck_assert (!verify (ES10_EIM_KEY_PUBLIC_KEY, key_spki_hex, tampered_data, signature, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_ACCESS_DENIED));
  g_clear_error (&error);

  /* Without the association token it was signed with: refused. */
  {
    g_autoptr(GBytes) without_token = g_bytes_new_from_bytes (data, 0, g_bytes_get_size (data) - 3);
    ck_assert (!verify (ES10_EIM_KEY_PUBLIC_KEY, key_spki_hex, without_token, signature, &error));
    g_clear_error (&error);
  }

  ck_assert (!verify (ES10_EIM_KEY_PUBLIC_KEY, key_spki_hex, data, short_signature, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "63 bytes"));
  g_clear_error (&error);
  ck_assert (!verify (ES10_EIM_KEY_NONE, NULL, data, signature, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG));
  g_clear_error (&error);
  /* A key that is not one. */
  ck_assert (!verify (ES10_EIM_KEY_PUBLIC_KEY, "3003020101", data, signature, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "eimPublicKeyData"));
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("sgp22");
  TCase *tc = tcase_create ("core");
  SRunner *runner;
  int failed;

  tcase_add_test (tc, test_profile_op_encode);
  tcase_add_test (tc, test_profile_op_decode);
  tcase_add_test (tc, test_set_nickname);
  tcase_add_test (tc, test_set_nickname_limits);
  tcase_add_test (tc, test_verify_signature);
  suite_add_tcase (suite, tc);
  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
