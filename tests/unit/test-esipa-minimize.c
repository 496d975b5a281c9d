/* SPDX-License-Identifier: Apache-2.0 */
/* minimizeEsipaBytes in the indirect download (net/esipa-minimize-download.c): each compact form byte for byte
 * from an eUICC answer built from the ASN.1, and the full form kept whenever the eIM could not put back what
 * would be left out. */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "net/esipa-minimize.h"

#define SM_TXID_HEX "0102030405060708090A0B0C0D0E0F10"
#define OTHER_TXID_HEX "1102030405060708090A0B0C0D0E0F10"
#define SERVER_CHALLENGE_HEX "FFEEDDCCBBAA99887766554433221100"
#define EXT_CARD_RESOURCE_HEX "810105820301000083022000"
#define SIMA_OK_HEX "3007A0053003800100"

static GPtrArray *arena;

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

/* A TLV in hex, its DER length computed here (not by src/der). */
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
  return tlv ("5F37", keep (g_strnfill (128, 'A')));
}

static GBytes *
from_hex (const gchar *hex)
{
  GBytes *b = der_from_hex (hex, NULL);

  ck_assert_msg (b != NULL, "bad test hex");
  return b;
}

static void
assert_hex (GBytes *actual, const gchar *expected)
{
  g_autofree gchar *hex = NULL;

  ck_assert_msg (actual != NULL, "no bytes");
  hex = der_to_hex (g_bytes_get_data (actual, NULL), g_bytes_get_size (actual));
  ck_assert_str_eq (hex, expected);
}

/* ---- what the eIM sent and what the eUICC answered, from the ASN.1 ------------------------------------- */

static const gchar *
server_signed1 (const gchar *address)
{
  return tlv ("30", cat (tlv ("80", SM_TXID_HEX), tlv ("81", "00112233445566778899AABBCCDDEEFF"),
                         tlv ("83", utf8 (address)), tlv ("84", SERVER_CHALLENGE_HEX), NULL));
}

static const gchar *
ctx_params1 (const gchar *matching_id)
{
  return tlv ("A0", cat (tlv ("80", utf8 (matching_id)), tlv ("A1", cat (tlv ("80", "35290611"), "A100", NULL)), NULL));
}

static const gchar *
euicc_info2 (void)
{
  return tlv ("BF22", cat ("8103020301", "8203020500", "8303010203", tlv ("84", EXT_CARD_RESOURCE_HEX), "85030576E0",
                           NULL));
}

static const gchar *
euicc_signed1 (const gchar *address, const gchar *info2)
{
  return tlv ("30", cat (tlv ("80", SM_TXID_HEX), tlv ("83", utf8 (address)), tlv ("84", SERVER_CHALLENGE_HEX), info2,
                         ctx_params1 ("MID-1"), NULL));
}

static const gchar *
authenticate_ok (const gchar *signed1)
{
  return tlv ("BF38", tlv ("A0", cat (signed1, sig64 (), tlv ("30", "020101"), tlv ("30", "020102"), NULL)));
}

static const gchar *
prepare_ok (const gchar *txid, gboolean with_hash_cc)
{
  return tlv ("BF21", tlv ("A0", cat (tlv ("30", cat (tlv ("80", txid), tlv ("5F49", "04AABB"),
                                                      with_hash_cc ? tlv ("04", keep (g_strnfill (64, 'C'))) : "",
                                                      NULL)),
                                      sig64 (), NULL)));
}

static const gchar *
pir (const gchar *txid, const gchar *operation, const gchar *iccid, const gchar *final_result)
{
  return tlv ("BF37", cat (tlv ("BF27", cat (tlv ("80", txid),
                                             tlv ("BF2F", cat ("800103", tlv ("81", operation),
                                                               tlv ("0C", utf8 ("smdp.example.com")),
                                                               iccid != NULL ? tlv ("5A", iccid) : "", NULL)),
                                             "06032B0601", tlv ("A2", final_result), NULL)),
                           sig64 (), NULL));
}

static const gchar *
success (const gchar *aid, const gchar *sima)
{
  return tlv ("A0", cat (tlv ("4F", aid), tlv ("04", sima), NULL));
}

/* ---- the tests ----------------------------------------------------------------------------------------- */

/* AuthenticateServerResponse: compactEuiccSigned1 {extCardResource, ctxParams1 unless the eIM sent it} when
 * the eIM holds this euiccInfo2, the certificates unless it holds them; the full form when it could put back
 * neither, or when euiccSigned1 is not about the serverSigned1 the eIM sent. */
START_TEST (test_authenticate_server_response)
{
  g_autoptr(GError) error = NULL;
  const gchar *full_signed1 = euicc_signed1 ("smdp.example.com", euicc_info2 ());
  g_autoptr(GBytes) full = from_hex (authenticate_ok (full_signed1));
  g_autoptr(GBytes) signed1 = from_hex (server_signed1 ("smdp.example.com"));
  g_autoptr(GBytes) other_server = from_hex (server_signed1 ("other.example.com"));
  g_autoptr(GBytes) eim_ctx = from_hex (ctx_params1 ("MID-1"));
  g_autoptr(GBytes) other_ctx = from_hex (ctx_params1 ("MID-2"));
  /* The eIM's EUICCInfo2 from before a profile was installed: another extCardResource, otherwise the same. */
  g_autoptr(GBytes) info2 = from_hex (tlv ("BF22", cat ("8103020301", "8203020500", "8303010203",
                                                        tlv ("84", "810104820301200083022000"), "85030576E0", NULL)));
  g_autoptr(GBytes) changed_info2 = from_hex (tlv ("BF22", cat ("8103020301", "8203020500", "8303010203",
                                                                tlv ("84", EXT_CARD_RESOURCE_HEX), "85030576E1",
                                                                NULL)));
  g_autoptr(GBytes) refused = from_hex (tlv ("BF38", tlv ("A1", cat (tlv ("80", SM_TXID_HEX), "020102", NULL))));
  g_autoptr(GBytes) broken = from_hex (tlv ("BF38", tlv ("A0", tlv ("30", ""))));
  g_autoptr(GBytes) with_ctx = NULL, without_ctx = NULL, other = NULL, certs_kept = NULL, signed_kept = NULL;
  g_autoptr(GBytes) mismatch = NULL, stale = NULL, nothing = NULL, same_error = NULL, failed = NULL;
  const gchar *compact_ctx = tlv ("A2", ctx_params1 ("MID-1"));
  const gchar *certificates = cat (tlv ("A1", "020101"), tlv ("A2", "020102"), NULL);

  with_ctx = esipa_minimize_authenticate_server_response (full, signed1, NULL, info2, TRUE, &error);
  ck_assert_ptr_null (error);
  assert_hex (with_ctx, tlv ("BF38", tlv ("A2", cat (tlv ("A0", cat (tlv ("84", EXT_CARD_RESOURCE_HEX), compact_ctx,
                                                                     NULL)),
                                                     sig64 (), NULL))));
  without_ctx = esipa_minimize_authenticate_server_response (full, signed1, eim_ctx, info2, TRUE, &error);
  assert_hex (without_ctx, tlv ("BF38", tlv ("A2", cat (tlv ("A0", tlv ("84", EXT_CARD_RESOURCE_HEX)), sig64 (),
                                                        NULL))));
  /* A ctxParams1 other than the eIM's (the IPA built it) goes. */
  other = esipa_minimize_authenticate_server_response (full, signed1, other_ctx, info2, TRUE, &error);
  ck_assert_msg (g_bytes_equal (other, with_ctx), "left out a ctxParams1 the eIM did not send");
  /* Certificates the eIM does not hold go, as [1] and [2]. */
  certs_kept = esipa_minimize_authenticate_server_response (full, signed1, NULL, info2, FALSE, &error);
  assert_hex (certs_kept, tlv ("BF38", tlv ("A2", cat (tlv ("A0", cat (tlv ("84", EXT_CARD_RESOURCE_HEX), compact_ctx,
                                                                       NULL)),
                                                       sig64 (), certificates, NULL))));
  /* An EUICCInfo2 the eIM does not hold: euiccSigned1 in full. */
  signed_kept = esipa_minimize_authenticate_server_response (full, signed1, NULL, NULL, TRUE, &error);
  assert_hex (signed_kept, tlv ("BF38", tlv ("A2", cat (full_signed1, sig64 (), NULL))));
  stale = esipa_minimize_authenticate_server_response (full, signed1, NULL, changed_info2, TRUE, &error);
  ck_assert_msg (g_bytes_equal (stale, signed_kept), "compacted against an EUICCInfo2 that changed");
  mismatch = esipa_minimize_authenticate_server_response (full, other_server, NULL, info2, TRUE, &error);
  ck_assert_msg (g_bytes_equal (mismatch, signed_kept), "compacted against another serverSigned1");
  nothing = esipa_minimize_authenticate_server_response (full, signed1, NULL, NULL, FALSE, &error);
  ck_assert_msg (g_bytes_equal (nothing, full), "a compact form with nothing left out");

  same_error = esipa_minimize_authenticate_server_response (refused, signed1, NULL, info2, TRUE, &error);
  ck_assert_msg (g_bytes_equal (same_error, refused), "an error answer changed");
  ck_assert_ptr_null (error);
  failed = esipa_minimize_authenticate_server_response (broken, signed1, NULL, info2, TRUE, &error);
  ck_assert_ptr_null (failed);
  ck_assert_int_eq (error->code, EUICCD_ERROR_INVALID_DATA);
}
END_TEST

/* PrepareDownloadResponse: without transactionId; hashCc only when the eIM did not send it. */
START_TEST (test_prepare_download_response)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) full = from_hex (prepare_ok (SM_TXID_HEX, TRUE));
  g_autoptr(GBytes) no_cc = from_hex (prepare_ok (SM_TXID_HEX, FALSE));
  g_autoptr(GBytes) txid = from_hex (SM_TXID_HEX);
  g_autoptr(GBytes) other_txid = from_hex (OTHER_TXID_HEX);
  g_autoptr(GBytes) hash_cc = from_hex (keep (g_strnfill (64, 'C')));
  g_autoptr(GBytes) refused = from_hex (tlv ("BF21", tlv ("A1", cat (tlv ("80", SM_TXID_HEX), "020105", NULL))));
  g_autoptr(GBytes) a = NULL, b = NULL, c = NULL, d = NULL, e = NULL;

  a = esipa_minimize_prepare_download_response (full, txid, NULL, &error);
  assert_hex (a, tlv ("BF21", tlv ("A2", cat (tlv ("30", cat (tlv ("5F49", "04AABB"),
                                                             tlv ("04", keep (g_strnfill (64, 'C'))), NULL)),
                                             sig64 (), NULL))));
  b = esipa_minimize_prepare_download_response (full, txid, hash_cc, &error);
  assert_hex (b, tlv ("BF21", tlv ("A2", cat (tlv ("30", tlv ("5F49", "04AABB")), sig64 (), NULL))));
  c = esipa_minimize_prepare_download_response (no_cc, txid, NULL, &error);
  assert_hex (c, tlv ("BF21", tlv ("A2", cat (tlv ("30", tlv ("5F49", "04AABB")), sig64 (), NULL))));
  d = esipa_minimize_prepare_download_response (full, other_txid, NULL, &error);
  ck_assert_msg (g_bytes_equal (d, full), "compacted for another session");
  e = esipa_minimize_prepare_download_response (refused, txid, NULL, &error);
  ck_assert_msg (g_bytes_equal (e, refused), "an error answer changed");
  ck_assert_ptr_null (error);
}
END_TEST

/* CancelSessionResponse: the reason alone ([0] in the compact form) and the signature. */
START_TEST (test_cancel_session_response)
{
  g_autoptr(GError) error = NULL;
  const gchar *signed_part = tlv ("30", cat (tlv ("80", SM_TXID_HEX), tlv ("81", "2B0601040182F802"), "820105",
                                             NULL));
  g_autoptr(GBytes) full = from_hex (tlv ("BF41", tlv ("A0", cat (signed_part, sig64 (), NULL))));
  g_autoptr(GBytes) txid = from_hex (SM_TXID_HEX);
  g_autoptr(GBytes) other_txid = from_hex (OTHER_TXID_HEX);
  g_autoptr(GBytes) refused = from_hex ("BF4103810105");
  g_autoptr(GBytes) a = NULL, b = NULL, c = NULL;

  a = esipa_minimize_cancel_session_response (full, txid, &error);
  assert_hex (a, tlv ("BF41", tlv ("A2", cat (tlv ("30", "800105"), sig64 (), NULL))));
  b = esipa_minimize_cancel_session_response (full, other_txid, &error);
  ck_assert_msg (g_bytes_equal (b, full), "compacted for another session");
  c = esipa_minimize_cancel_session_response (refused, txid, &error);
  ck_assert_msg (g_bytes_equal (c, refused), "an error answer changed");
  ck_assert_ptr_null (error);
}
END_TEST

/* ProfileInstallationResult: transactionId, seqNumber, iccidPresent FALSE when the ICCID is missing, bytes 14
 * and 15 of the ISD-P AID, simaResponse only when it is not the all-installed one, or the errorResult. */
START_TEST (test_profile_installation_result)
{
  static const gchar *aid = "A0000005591010FFFFFFFF8900001000";
  static const gchar *iccid = "98001032547698103285";
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) txid = from_hex (SM_TXID_HEX);
  g_autoptr(GBytes) other_txid = from_hex (OTHER_TXID_HEX);
  g_autoptr(GBytes) ok = from_hex (pir (SM_TXID_HEX, "0780", iccid, success (aid, SIMA_OK_HEX)));
  g_autoptr(GBytes) partial = from_hex (pir (SM_TXID_HEX, "0780", iccid, success (aid, "3007A00530038001FF")));
  g_autoptr(GBytes) failed = from_hex (pir (SM_TXID_HEX, "0780", NULL, tlv ("A1", "800101810108")));
  g_autoptr(GBytes) odd_aid = from_hex (pir (SM_TXID_HEX, "0780", iccid, success ("A000000559101001", SIMA_OK_HEX)));
  g_autoptr(GBytes) not_install = from_hex (pir (SM_TXID_HEX, "0640", iccid, success (aid, SIMA_OK_HEX)));
  g_autoptr(GBytes) other = from_hex ("300401020304");
  g_autoptr(GBytes) a = NULL, b = NULL, c = NULL, d = NULL, e = NULL, f = NULL, g = NULL, h = NULL;
  const gchar *head = tlv ("80", SM_TXID_HEX);

  a = esipa_minimize_profile_installation_result (ok, txid, "smdp.example.com", &error);
  assert_hex (a, tlv ("A0", cat (tlv ("A0", cat (head, "020103", tlv ("A2", tlv ("A0", "4F020010")), NULL)), sig64 (),
                                 NULL)));
  b = esipa_minimize_profile_installation_result (partial, txid, "smdp.example.com", &error);
  assert_hex (b, tlv ("A0", cat (tlv ("A0", cat (head, "020103", tlv ("A2", tlv ("A0", cat ("4F020010",
                                                                                           tlv ("04", "3007A00530038001FF"),
                                                                                           NULL))),
                                                 NULL)),
                                 sig64 (), NULL)));
  c = esipa_minimize_profile_installation_result (failed, txid, "smdp.example.com", &error);
  assert_hex (c, tlv ("A0", cat (tlv ("A0", cat (head, "020103", "010100", tlv ("A2", tlv ("A1", "800101810108")),
                                                 NULL)),
                                 sig64 (), NULL)));
  ck_assert_ptr_null (error);

  /* What the eIM could not put back: the full form. */
  d = esipa_minimize_profile_installation_result (odd_aid, txid, "smdp.example.com", &error);
  ck_assert_msg (g_bytes_equal (d, odd_aid), "compacted an ISD-P AID not of SGP.02's form");
  e = esipa_minimize_profile_installation_result (ok, other_txid, "smdp.example.com", &error);
  ck_assert_msg (g_bytes_equal (e, ok), "compacted another session's result");
  f = esipa_minimize_profile_installation_result (ok, txid, "other.example.com", &error);
  ck_assert_msg (g_bytes_equal (f, ok), "compacted a result for another SM-DP+");
  g = esipa_minimize_profile_installation_result (not_install, txid, "smdp.example.com", &error);
  ck_assert_msg (g_bytes_equal (g, not_install), "compacted metadata that is not an install");
  h = esipa_minimize_profile_installation_result (other, txid, "smdp.example.com", &error);
  ck_assert_msg (g_bytes_equal (h, other), "another notification changed");
  ck_assert_ptr_null (error);
}
END_TEST

static Suite *
minimize_suite (void)
{
  Suite *suite = suite_create ("esipa-minimize");
  TCase *tc = tcase_create ("download");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_authenticate_server_response);
  tcase_add_test (tc, test_prepare_download_response);
  tcase_add_test (tc, test_cancel_session_response);
  tcase_add_test (tc, test_profile_installation_result);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  SRunner *runner = srunner_create (minimize_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
