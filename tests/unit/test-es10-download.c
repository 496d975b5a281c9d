/* SPDX-License-Identifier: Apache-2.0 */
/* The ES10b download functions: requests assembled from the server's TLVs, the card's answers decoded, and
 * the bound profile package cut into the segments of SGP.22 2.5.5 (test-vectors.md section G) and sent over
 * an ISD-R session to a scripted card that may end the installation early. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "card/card-transport.h"
#include "card/es10-download.h"
#include "der/der.h"
#include "euiccd-error.h"

static GBytes *
hex (const gchar *text)
{
  GBytes *bytes = der_from_hex (text, NULL);

  ck_assert_ptr_nonnull (bytes);
  return bytes;
}

static void
assert_hex (GBytes *bytes, const gchar *expected)
{
  g_autofree gchar *text = der_to_hex (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  ck_assert_str_eq (text, expected);
}

/* ---- requests ---- */

START_TEST (test_authenticate_server_request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) signed1 = hex ("3006800101830161");
  g_autoptr(GBytes) signature = hex ("5F3702AABB");
  g_autoptr(GBytes) pkid = hex ("040211FF");
  g_autoptr(GBytes) certificate = hex ("3003020105");
  g_autoptr(GBytes) device_info = hex ("800412345678A100");
  g_autoptr(GBytes) ctx = es10_ctx_params1_encode ("AB-1", device_info);
  g_autoptr(GBytes) ctx_no_id = es10_ctx_params1_encode (NULL, device_info);
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) refused = NULL;

  assert_hex (ctx, "A010800441422D31A108800412345678A100");
  assert_hex (ctx_no_id, "A00AA108800412345678A100");
  request = es10_authenticate_server_encode (signed1, signature, pkid, certificate, ctx, &error);
  ck_assert_ptr_nonnull (request);
  assert_hex (request, "BF3828" "3006800101830161" "5F3702AABB" "040211FF" "3003020105"
                       "A010800441422D31A108800412345678A100");

  /* A field with another tag, or more than one TLV, is the caller's mistake, named. */
  refused = es10_authenticate_server_encode (signature, signature, pkid, certificate, ctx, &error);
  ck_assert_ptr_null (refused);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  ck_assert (strstr (error->message, "serverSigned1") != NULL);
  g_clear_error (&error);
  {
    g_autoptr(GBytes) two = hex ("040211FF0400");
    g_autoptr(GBytes) bad = es10_authenticate_server_encode (signed1, signature, two, certificate, ctx, &error);
    ck_assert_ptr_null (bad);
    ck_assert (strstr (error->message, "euiccCiPKIdToBeUsed") != NULL);
  }
}
END_TEST

START_TEST (test_prepare_download_request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) signed2 = hex ("30068001010101FF");
  g_autoptr(GBytes) signature = hex ("5F3701AA");
  g_autoptr(GBytes) certificate = hex ("3003020105");
  g_autoptr(GBytes) hash_cc = hex ("0001020304050607080910111213141516171819202122232425262728293031");
  g_autoptr(GBytes) short_hash = hex ("0001");
  g_autoptr(GBytes) with_cc = es10_prepare_download_encode (signed2, signature, hash_cc, certificate, &error);
  g_autoptr(GBytes) without = es10_prepare_download_encode (signed2, signature, NULL, certificate, &error);
  g_autoptr(GBytes) refused = NULL;

  assert_hex (without, "BF2111" "30068001010101FF" "5F3701AA" "3003020105");
  assert_hex (with_cc, "BF2133" "30068001010101FF" "5F3701AA"
                       "04200001020304050607080910111213141516171819202122232425262728293031" "3003020105");
  refused = es10_prepare_download_encode (signed2, signature, short_hash, certificate, &error);
  ck_assert_ptr_null (refused);
  ck_assert (strstr (error->message, "hashCc") != NULL);
}
END_TEST

START_TEST (test_cancel_session_request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) txid = hex ("0102030405060708090A0B0C0D0E0F10");
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) request = es10_cancel_session_encode (txid, ES10_CANCEL_POSTPONED, &error);
  g_autoptr(GBytes) refused = es10_cancel_session_encode (empty, ES10_CANCEL_POSTPONED, &error);

  /* test-vectors.md section C */
  assert_hex (request, "BF411580100102030405060708090A0B0C0D0E0F10810101");
  ck_assert_ptr_null (refused);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
}
END_TEST

START_TEST (test_immediate_enable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = es10_immediate_enable_encode (FALSE);
  g_autoptr(GBytes) answer = hex ("BF5A03800101");
  g_autoptr(GBytes) bad = hex ("BF5A00");
  gint64 result = -1;

  /* test-vectors.md: ES10b.ImmediateEnable {refreshFlag FALSE} */
  assert_hex (request, "BF5A03800100");
  ck_assert (es10_immediate_enable_decode (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), &result,
                                           &error));
  ck_assert_int_eq (result, ES10_IMMEDIATE_ENABLE_NOT_AVAILABLE);
  ck_assert (!es10_immediate_enable_decode (g_bytes_get_data (bad, NULL), g_bytes_get_size (bad), &result, &error));
  ck_assert (strstr (error->message, "immediateEnableResult") != NULL);
}
END_TEST

/* ---- responses ---- */

START_TEST (test_authenticate_server_responses)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ok = hex ("BF380DA00B" "30058003010203" "5F3701AA");
  g_autoptr(GBytes) failed = hex ("BF3809A107" "8002ABCD" "020106");
  g_autoptr(GBytes) failed_81 = hex ("BF3809A107" "8002ABCD" "810106");
  g_autoptr(Es10DownloadResponse) r_failed_81 = NULL;
  g_autoptr(GBytes) compact = hex ("BF3804A2020400");
  g_autoptr(GBytes) other = hex ("BF3803820100");
  g_autoptr(GBytes) empty = hex ("BF3800");
  g_autoptr(Es10DownloadResponse) r_ok = NULL;
  g_autoptr(Es10DownloadResponse) r_failed = NULL;
  g_autoptr(Es10DownloadResponse) r_compact = NULL;
  g_autoptr(Es10DownloadResponse) r_other = NULL;
  g_autoptr(Es10DownloadResponse) r_empty = NULL;

  r_ok = es10_authenticate_server_decode (g_bytes_get_data (ok, NULL), g_bytes_get_size (ok), &error);
  ck_assert_ptr_nonnull (r_ok);
  ck_assert (r_ok->ok);
  assert_hex (r_ok->transaction_id, "010203");
  ck_assert (g_bytes_equal (r_ok->raw, ok));

  r_failed = es10_authenticate_server_decode (g_bytes_get_data (failed, NULL), g_bytes_get_size (failed), &error);
  ck_assert_ptr_nonnull (r_failed);
  ck_assert (!r_failed->ok);
  ck_assert_int_eq (r_failed->error_code, 6);   /* euiccChallengeMismatch */
  assert_hex (r_failed->transaction_id, "ABCD");
  r_failed_81 = es10_authenticate_server_decode (g_bytes_get_data (failed_81, NULL), g_bytes_get_size (failed_81),
                                                 &error);
  ck_assert_ptr_nonnull (r_failed_81);
  ck_assert_int_eq (r_failed_81->error_code, 6);

  r_compact = es10_authenticate_server_decode (g_bytes_get_data (compact, NULL), g_bytes_get_size (compact), &error);
  ck_assert_ptr_nonnull (r_compact);
  ck_assert (r_compact->ok && r_compact->compact);

  r_other = es10_authenticate_server_decode (g_bytes_get_data (other, NULL), g_bytes_get_size (other), &error);
  ck_assert_ptr_null (r_other);
  ck_assert (strstr (error->message, "authenticateResponseOk (A0) or authenticateResponseError (A1)") != NULL);
  g_clear_error (&error);
  r_empty = es10_authenticate_server_decode (g_bytes_get_data (empty, NULL), g_bytes_get_size (empty), &error);
  ck_assert_ptr_null (r_empty);
  ck_assert (strstr (error->message, "empty") != NULL);
}
END_TEST

START_TEST (test_prepare_download_responses)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ok = hex ("BF2112A010" "300A800201025F4903040506" "5F3701AA");
  g_autoptr(GBytes) failed = hex ("BF2109A107" "8002ABCD" "020105");
  g_autoptr(Es10DownloadResponse) r_ok = es10_prepare_download_decode (g_bytes_get_data (ok, NULL),
                                                                      g_bytes_get_size (ok), &error);
  g_autoptr(Es10DownloadResponse) r_failed = es10_prepare_download_decode (g_bytes_get_data (failed, NULL),
                                                                          g_bytes_get_size (failed), &error);

  ck_assert_ptr_nonnull (r_ok);
  ck_assert (r_ok->ok);
  assert_hex (r_ok->transaction_id, "0102");
  ck_assert_ptr_nonnull (r_failed);
  ck_assert (!r_failed->ok);
  ck_assert_int_eq (r_failed->error_code, 5);   /* invalidTransactionId */
}
END_TEST

START_TEST (test_cancel_session_responses)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ok = hex ("BF410AA008" "30038001015F3700");
  g_autoptr(GBytes) failed = hex ("BF4103810105");
  g_autoptr(Es10CancelSessionResponse) r_ok = es10_cancel_session_decode (g_bytes_get_data (ok, NULL),
                                                                         g_bytes_get_size (ok), &error);
  g_autoptr(Es10CancelSessionResponse) r_failed = es10_cancel_session_decode (g_bytes_get_data (failed, NULL),
                                                                             g_bytes_get_size (failed), &error);

  ck_assert_ptr_nonnull (r_ok);
  ck_assert (r_ok->ok);
  ck_assert (g_bytes_equal (r_ok->raw, ok));
  ck_assert_ptr_nonnull (r_failed);
  ck_assert (!r_failed->ok);
  ck_assert_int_eq (r_failed->error_code, 5);
}
END_TEST

/* ProfileInstallationResult: success with the ISD-P AID, error with the failing BPP command and reason. */
#define PIR_DATA_HEAD "8003AABBCC" "BF2F15" "800105" "81020780" "0C0C736D64702E6578616D706C65" "0603" "2B0601"
static const gchar pir_success[] =
  "BF373D" "BF2733" PIR_DATA_HEAD "A20F" "A00D" "4F05A000000559" "04041122" "3344" "5F3704DEADBEEF";
static const gchar pir_error[] =
  "BF373A" "BF2730" PIR_DATA_HEAD "A20C" "A10A" "800103" "810108" "04020000" "5F3704DEADBEEF";

START_TEST (test_profile_installation_result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) success = hex (pir_success);
  g_autoptr(GBytes) failed = hex (pir_error);
  g_autoptr(GBytes) no_final = hex ("BF370DBF270A8003AABBCC" "0603" "2B0601");
  g_autoptr(Es10ProfileInstallationResult) r_success = NULL;
  g_autoptr(Es10ProfileInstallationResult) r_failed = NULL;
  g_autoptr(Es10ProfileInstallationResult) r_no_final = NULL;

  r_success = es10_profile_installation_result_decode (g_bytes_get_data (success, NULL), g_bytes_get_size (success),
                                                       &error);
  ck_assert_msg (r_success != NULL, "%s", error != NULL ? error->message : "");
  ck_assert (r_success->success);
  assert_hex (r_success->transaction_id, "AABBCC");
  assert_hex (r_success->isdp_aid, "A000000559");
  ck_assert (r_success->has_seq_number);
  ck_assert_int_eq (r_success->seq_number, 5);
  ck_assert_str_eq (r_success->notification_address, "smdp.example");
  ck_assert (g_bytes_equal (r_success->raw, success));

  r_failed = es10_profile_installation_result_decode (g_bytes_get_data (failed, NULL), g_bytes_get_size (failed),
                                                      &error);
  ck_assert_msg (r_failed != NULL, "%s", error != NULL ? error->message : "");
  ck_assert (!r_failed->success);
  ck_assert_int_eq (r_failed->bpp_command_id, 3);
  ck_assert_int_eq (r_failed->error_reason, 8);

  r_no_final = es10_profile_installation_result_decode (g_bytes_get_data (no_final, NULL),
                                                        g_bytes_get_size (no_final), &error);
  ck_assert_ptr_null (r_no_final);
  ck_assert (strstr (error->message, "finalResult (A2) missing") != NULL);
}
END_TEST

/* ---- segmentation (test-vectors.md section G) ---- */

/* BF36 { BF23 {..}, A0 { 87 }, A1 { 88, 88 }, A2 { 87 }, A3 { 86, 86, 86 } } */
static const gchar *const bpp_parts[] = {
  "BF3623" "BF2303800101",            /* 1: BF36 header + the whole BF23 */
  "A003" "870111",                     /* 2: A0 header + its 87 */
  "A106",                              /* 3: A1 header alone */
  "880122", "880133",                  /*    each 88 */
  "A203" "870144",                     /* 4: A2 header + its 87 */
  "A309",                              /* 5: A3 header alone */
  "860155", "860166", "860177",        /*    each 86 */
};

static GBytes *
bpp_bytes (void)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bpp_parts); i++)
    g_string_append (text, bpp_parts[i]);
  return hex (text->str);
}

START_TEST (test_segments)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bpp = bpp_bytes ();
  g_autoptr(GPtrArray) segments = es10_bound_profile_package_segments (bpp, &error);

  ck_assert_msg (segments != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (segments->len, G_N_ELEMENTS (bpp_parts));
  for (guint i = 0; i < segments->len; i++)
    assert_hex (g_ptr_array_index (segments, i), bpp_parts[i]);
}
END_TEST

START_TEST (test_segments_without_a2)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bpp = hex ("BF3618" "BF2303800101" "A003870111" "A103880122" "A306860155860166");
  g_autoptr(GPtrArray) segments = es10_bound_profile_package_segments (bpp, &error);

  ck_assert_msg (segments != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (segments->len, 7);
  assert_hex (g_ptr_array_index (segments, 0), "BF3618BF2303800101");
  assert_hex (g_ptr_array_index (segments, 1), "A003870111");
  assert_hex (g_ptr_array_index (segments, 2), "A103");
  assert_hex (g_ptr_array_index (segments, 3), "880122");
  assert_hex (g_ptr_array_index (segments, 4), "A306");
  assert_hex (g_ptr_array_index (segments, 5), "860155");
  assert_hex (g_ptr_array_index (segments, 6), "860166");
}
END_TEST

static const struct {
  const gchar *bpp;
  const gchar *reason;
} bad_bpps[] = {
  { "BF3603A00100", "expected initialiseSecureChannelRequest (BF23)" },
  { "BF3605BF2300A100", "where firstSequenceOf87 (A0) belongs" },
  { "BF3608BF2300A003880100", "holds tag 88, expected 87" },
  { "BF3607BF2300A0021234", "" },
  { "BF360ABF2300A003870111A300", "where sequenceOf88 (A1) belongs" },
  { "BF3608BF2300A003870111", "sequenceOf88 (A1) is missing" },
  { "BF3610BF2300A003870111A100A300A1020500", "unexpected data" },
  { "BF3605BF2300A000", "firstSequenceOf87 (A0) is empty" },
  { "BF2300", "" },
};

START_TEST (test_segments_refused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bpp = hex (bad_bpps[_i].bpp);
  g_autoptr(GPtrArray) segments = es10_bound_profile_package_segments (bpp, &error);

  ck_assert_msg (segments == NULL, "accepted %s", bad_bpps[_i].bpp);
  ck_assert_msg (strstr (error->message, "BoundProfilePackage") != NULL, "%s", error->message);
  ck_assert_msg (strstr (error->message, bad_bpps[_i].reason) != NULL, "%s: %s", bad_bpps[_i].bpp, error->message);
}
END_TEST

/* ---- loading over an ISD-R session ---- */

typedef struct {
  CardTransport parent;
  GPtrArray *commands;                /* ES10 commands the card received (STORE DATA blocks joined) */
  GByteArray *pending;                /* blocks of the command being received */
  guint answer_after;                 /* 1-based command that gets `answer`; 0 = the last one */
  GBytes *answer;                     /* data to answer then; every other command gets 90 00 */
  guint commands_expected;
} LoadCard;

static gboolean
load_open_channel (CardTransport *transport, const guint8 *aid, gsize aid_length, guint8 *ret_channel,
                   GBytes **ret_select_response, GError **error)
{
  *ret_channel = 1;
  if (ret_select_response != NULL)
    *ret_select_response = NULL;
  return TRUE;
}

static GBytes *
load_transmit (CardTransport *transport, guint8 channel, const guint8 *apdu, gsize apdu_length, GError **error)
{
  LoadCard *card = (LoadCard *) transport;
  guint number;

  ck_assert_uint_ge (apdu_length, 5);
  if (apdu[1] == 0xC0)                /* GET RESPONSE: the rest of `answer` */
    {
      gsize length = g_bytes_get_size (card->answer);
      GByteArray *out = g_byte_array_new ();
      g_byte_array_append (out, g_bytes_get_data (card->answer, NULL), (guint) length);
      g_byte_array_append (out, (const guint8 *) "\x90\x00", 2);
      return g_byte_array_free_to_bytes (out);
    }
  ck_assert_int_eq (apdu[1], 0xE2);
  ck_assert_uint_le (apdu[4], 255);
  g_byte_array_append (card->pending, apdu + 5, apdu[4]);
  if ((apdu[2] & 0x80) == 0)          /* more blocks follow */
    return g_bytes_new_static ("\x90\x00", 2);
  g_ptr_array_add (card->commands, g_byte_array_free_to_bytes (card->pending));
  card->pending = g_byte_array_new ();
  number = card->commands->len;
  if (card->answer != NULL &&
      (number == card->answer_after || (card->answer_after == 0 && number == card->commands_expected)))
    {
      guint8 sw[2] = { 0x61, (guint8) g_bytes_get_size (card->answer) };
      return g_bytes_new (sw, 2);
    }
  return g_bytes_new_static ("\x90\x00", 2);
}

static gboolean
load_close_channel (CardTransport *transport, guint8 channel, GError **error)
{
  return TRUE;
}

static void
load_free (CardTransport *transport)
{
  LoadCard *card = (LoadCard *) transport;

  g_ptr_array_unref (card->commands);
  g_byte_array_unref (card->pending);
  g_clear_pointer (&card->answer, g_bytes_unref);
  g_free (card);
}

static const CardTransportOps load_ops = {
  .name = "scripted",
  .open_channel = load_open_channel,
  .transmit = load_transmit,
  .close_channel = load_close_channel,
  .free = load_free,
};

static LoadCard *
load_card_new (const gchar *answer_hex, guint answer_after, guint commands_expected)
{
  LoadCard *card = g_new0 (LoadCard, 1);

  card->parent.ops = &load_ops;
  card_transport_options_init (&card->parent.options);
  card->parent.device = g_strdup ("test");
  card->commands = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  card->pending = g_byte_array_new ();
  card->answer = answer_hex != NULL ? hex (answer_hex) : NULL;
  card->answer_after = answer_after;
  card->commands_expected = commands_expected;
  return card;
}

static void
count_progress (gsize loaded, gsize total, gpointer user_data)
{
  gsize *last = user_data;

  ck_assert_uint_gt (loaded, *last);
  ck_assert_uint_le (loaded, total);
  *last = loaded;
}

START_TEST (test_load_every_segment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bpp = bpp_bytes ();
  LoadCard *card = load_card_new (pir_success, 0, G_N_ELEMENTS (bpp_parts));
  g_autoptr(CardTransport) transport = (CardTransport *) card;
  IsdrSessionOptions options;
  g_autoptr(IsdrSession) session = NULL;
  g_autoptr(Es10ProfileInstallationResult) result = NULL;
  gsize progress = 0;

  isdr_session_options_init (&options);
  session = isdr_session_open (transport, &options, &error);
  ck_assert_ptr_nonnull (session);
  result = es10_load_bound_profile_package (session, bpp, count_progress, &progress, &error);
  ck_assert_msg (result != NULL, "%s", error != NULL ? error->message : "");
  ck_assert (result->success);
  ck_assert_uint_eq (progress, g_bytes_get_size (bpp));
  /* One ES10 command per segment, each exactly the segment. */
  ck_assert_uint_eq (card->commands->len, G_N_ELEMENTS (bpp_parts));
  for (guint i = 0; i < card->commands->len; i++)
    assert_hex (g_ptr_array_index (card->commands, i), bpp_parts[i]);
}
END_TEST

START_TEST (test_load_stops_at_early_result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bpp = bpp_bytes ();
  LoadCard *card = load_card_new (pir_error, 4, G_N_ELEMENTS (bpp_parts));
  g_autoptr(CardTransport) transport = (CardTransport *) card;
  IsdrSessionOptions options;
  g_autoptr(IsdrSession) session = NULL;
  g_autoptr(Es10ProfileInstallationResult) result = NULL;

  isdr_session_options_init (&options);
  session = isdr_session_open (transport, &options, &error);
  result = es10_load_bound_profile_package (session, bpp, NULL, NULL, &error);
  ck_assert_msg (result != NULL, "%s", error != NULL ? error->message : "");
  ck_assert (!result->success);
  ck_assert_int_eq (result->bpp_command_id, 3);
  ck_assert_uint_eq (card->commands->len, 4);  /* nothing sent after the result */
}
END_TEST

START_TEST (test_load_without_result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bpp = bpp_bytes ();
  LoadCard *card = load_card_new (NULL, 0, G_N_ELEMENTS (bpp_parts));
  g_autoptr(CardTransport) transport = (CardTransport *) card;
  IsdrSessionOptions options;
  g_autoptr(IsdrSession) session = NULL;
  g_autoptr(Es10ProfileInstallationResult) result = NULL;

  isdr_session_options_init (&options);
  session = isdr_session_open (transport, &options, &error);
  result = es10_load_bound_profile_package (session, bpp, NULL, NULL, &error);
  ck_assert_ptr_null (result);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL));
  ck_assert (strstr (error->message, "no ProfileInstallationResult") != NULL);
}
END_TEST

/* A segment larger than one block goes out in 255-byte STORE DATA blocks and arrives whole. */
START_TEST (test_load_long_segment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new ("BF36820322" "BF2303800101" "A003870111" "A100" "A3820311" "8682030D");
  g_autoptr(GBytes) bpp = NULL;
  LoadCard *card;
  g_autoptr(CardTransport) transport = NULL;
  IsdrSessionOptions options;
  g_autoptr(IsdrSession) session = NULL;
  g_autoptr(Es10ProfileInstallationResult) result = NULL;

  for (guint i = 0; i < 0x30D; i++)
    g_string_append (text, "5A");
  bpp = hex (text->str);
  card = load_card_new (pir_success, 0, 5);
  transport = (CardTransport *) card;
  isdr_session_options_init (&options);
  session = isdr_session_open (transport, &options, &error);
  result = es10_load_bound_profile_package (session, bpp, NULL, NULL, &error);
  ck_assert_msg (result != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (card->commands->len, 5);
  ck_assert_uint_eq (g_bytes_get_size (g_ptr_array_index (card->commands, 4)), 4 + 0x30D);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("es10-download");
  TCase *codec = tcase_create ("codec");
  TCase *segments = tcase_create ("segments");
  SRunner *runner;
  int failed;

  tcase_add_test (codec, test_authenticate_server_request);
  tcase_add_test (codec, test_prepare_download_request);
  tcase_add_test (codec, test_cancel_session_request);
  tcase_add_test (codec, test_authenticate_server_responses);
  tcase_add_test (codec, test_prepare_download_responses);
  tcase_add_test (codec, test_cancel_session_responses);
  tcase_add_test (codec, test_profile_installation_result);
  tcase_add_test (codec, test_immediate_enable);
  suite_add_tcase (suite, codec);
  tcase_add_test (segments, test_segments);
  tcase_add_test (segments, test_segments_without_a2);
  tcase_add_loop_test (segments, test_segments_refused, 0, G_N_ELEMENTS (bad_bpps));
  tcase_add_test (segments, test_load_every_segment);
  tcase_add_test (segments, test_load_stops_at_early_result);
  tcase_add_test (segments, test_load_without_result);
  tcase_add_test (segments, test_load_long_segment);
  suite_add_tcase (suite, segments);
  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
