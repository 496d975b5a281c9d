/* SPDX-License-Identifier: Apache-2.0 */
/* ISD-R session APDU rules against a scripted card: a small CardTransport backend defined here that plays
 * back queued answers and records every command APDU, so block splitting, CLA coding, GET RESPONSE chaining
 * and error handling are checked byte for byte. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "card/card-transport.h"
#include "card/isdr-session.h"
#include "euiccd-error.h"

typedef struct {
  CardTransport parent;
  guint8 channel;          /* what open_channel hands out */
  gboolean open_fails;
  gboolean open_gone;      /* opens fail on the transport itself (the modem left the bus) */
  guint busy_opens;        /* this many opens fail with EUICCD_ERROR_BUSY (no free channel) */
  guint stale_closes;      /* closes of channels this card did not hand out (only while busy_opens was set) */
  gboolean allow_stale_closes;
  gboolean transmit_fails; /* the transport itself fails (not a status word) */
  guint gone_at;           /* the command APDU with this 1-based index is refused as on a channel the modem
                            * no longer knows (EUICCD_ERROR_CHANNEL_GONE); 0: never */
  gboolean channel_open;
  guint opens;
  guint closes;
  GPtrArray *apdus;        /* GBytes, every command APDU in order */
  GQueue answers;          /* GBytes, answers in order; 90 00 when empty */
} ScriptedCard;

static gboolean
scripted_open_channel (CardTransport *transport, const guint8 *aid, gsize aid_length, guint8 *ret_channel,
                       GBytes **ret_select_response, GError **error)
{
  ScriptedCard *card = (ScriptedCard *) transport;

  if (card->open_fails)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "SELECT answered 6A82");
      return FALSE;
    }
  if (card->open_gone)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "the modem device hung up");
      return FALSE;
    }
  if (card->busy_opens > 0)
    {
      card->busy_opens--;
      card->allow_stale_closes = TRUE;
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_BUSY, "MANAGE CHANNEL open: card answered 6881");
      return FALSE;
    }
  ck_assert_uint_eq (aid_length, 16);
  ck_assert_int_eq (aid[0], 0xA0);
  card->opens++;
  card->channel_open = TRUE;
  *ret_channel = card->channel;
  if (ret_select_response != NULL)
    *ret_select_response = g_bytes_new_static ("\x6F\x00", 2);
  return TRUE;
}

static GBytes *
scripted_transmit (CardTransport *transport, guint8 channel, const guint8 *apdu, gsize apdu_length, GError **error)
{
  ScriptedCard *card = (ScriptedCard *) transport;
  GBytes *answer;

  ck_assert (card->channel_open);
  ck_assert_uint_eq (channel, card->channel);
  g_ptr_array_add (card->apdus, g_bytes_new (apdu, apdu_length));
  if (card->transmit_fails)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TIMEOUT, "no answer in 30000 ms");
      return NULL;
    }
  if (card->gone_at == card->apdus->len)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CHANNEL_GONE, "logical channel %u is no longer open", channel);
      return NULL;
    }
  answer = g_queue_pop_head (&card->answers);
  if (answer == NULL)
    answer = g_bytes_new_static ("\x90\x00", 2);
  return answer;
}

static gboolean
scripted_close_channel (CardTransport *transport, guint8 channel, GError **error)
{
  ScriptedCard *card = (ScriptedCard *) transport;

  if (card->allow_stale_closes && !card->channel_open)
    {
      card->stale_closes++;
      return TRUE;
    }
  ck_assert (card->channel_open);
  ck_assert_uint_eq (channel, card->channel);
  card->channel_open = FALSE;
  card->closes++;
  return TRUE;
}

static void
scripted_free (CardTransport *transport)
{
  ScriptedCard *card = (ScriptedCard *) transport;

  g_ptr_array_unref (card->apdus);
  g_queue_clear_full (&card->answers, (GDestroyNotify) g_bytes_unref);
  g_free (card);
}

static const CardTransportOps scripted_ops = {
  .name = "scripted",
  .open_channel = scripted_open_channel,
  .transmit = scripted_transmit,
  .close_channel = scripted_close_channel,
  .free = scripted_free,
};

static ScriptedCard *
scripted_card_new (guint8 channel)
{
  ScriptedCard *card = g_new0 (ScriptedCard, 1);

  card->parent.ops = &scripted_ops;
  card_transport_options_init (&card->parent.options);
  card->parent.device = g_strdup ("test");
  card->channel = channel;
  card->apdus = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_queue_init (&card->answers);
  return card;
}

/* Queues data followed by a status word. */
static void
answer (ScriptedCard *card, const guint8 *data, gsize length, guint16 sw)
{
  guint8 *bytes = g_malloc (length + 2);

  if (length > 0)
    memcpy (bytes, data, length);
  bytes[length] = (guint8) (sw >> 8);
  bytes[length + 1] = (guint8) sw;
  g_queue_push_tail (&card->answers, g_bytes_new_take (bytes, length + 2));
}

static void
answer_sw (ScriptedCard *card, guint16 sw)
{
  answer (card, NULL, 0, sw);
}

static const guint8 *
apdu_at (ScriptedCard *card, guint i, gsize *ret_length)
{
  GBytes *apdu = g_ptr_array_index (card->apdus, i);
  return g_bytes_get_data (apdu, ret_length);
}

static guint8 *
pattern (gsize length)
{
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = (guint8) (i * 7 + 3);
  /* A real request starts with its tag; BF2D names the function in errors. */
  if (length >= 2)
    {
      data[0] = 0xBF;
      data[1] = 0x2D;
    }
  return data;
}

/* The expected CLA bytes, written out independently of card_apdu_cla(). */
static guint8
expected_store_data_cla (guint8 channel)
{
  return channel < 4 ? (guint8) (0x80 | channel) : (guint8) (0xC0 | (channel - 4));
}

static guint8
expected_get_response_cla (guint8 channel)
{
  return channel < 4 ? channel : (guint8) (0x40 | (channel - 4));
}

static void
check_blocks (ScriptedCard *card, guint8 channel, const guint8 *request, gsize length, guint block_size)
{
  gsize n_blocks = (length + block_size - 1) / block_size;
  gsize offset = 0;

  ck_assert_uint_eq (card->apdus->len, n_blocks);
  for (gsize i = 0; i < n_blocks; i++)
    {
      gsize apdu_length;
      const guint8 *apdu = apdu_at (card, (guint) i, &apdu_length);
      gsize chunk = MIN (block_size, length - offset);

      ck_assert_uint_eq (apdu_length, 5 + chunk);  /* no Le */
      ck_assert_int_eq (apdu[0], expected_store_data_cla (channel));
      ck_assert_int_eq (apdu[1], 0xE2);
      ck_assert_int_eq (apdu[2], i + 1 == n_blocks ? 0x91 : 0x11);
      ck_assert_int_eq (apdu[3], i);
      ck_assert_int_eq (apdu[4], chunk);
      ck_assert_mem_eq (apdu + 5, request + offset, chunk);
      offset += chunk;
    }
  ck_assert_uint_eq (offset, length);
}

static IsdrSession *
open_session (ScriptedCard *card, guint block_size)
{
  g_autoptr(GError) error = NULL;
  IsdrSessionOptions options;
  IsdrSession *session;

  isdr_session_options_init (&options);
  options.block_size = block_size;
  session = isdr_session_open (&card->parent, &options, &error);
  ck_assert_msg (session != NULL, "%s", error != NULL ? error->message : "");
  return session;
}

/* ---- tests ------------------------------------------------------------------------------------------- */

static const gsize split_sizes[] = { 100, 255, 256, 1020, 4000 };

START_TEST (test_block_splitting)
{
  gsize length = split_sizes[_i];
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  g_autofree guint8 *request = pattern (length);
  g_autoptr(GError) error = NULL;
  IsdrSession *session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;
  const IsdrSessionStats *stats;

  response = isdr_session_es10 (session, request, length, &error);
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (g_bytes_get_size (response), 0);
  check_blocks (card, 1, request, length, 255);
  stats = isdr_session_get_stats (session);
  ck_assert_uint_eq (stats->es10_commands, 1);
  ck_assert_uint_eq (stats->store_data_blocks, (length + 254) / 255);
  ck_assert_uint_eq (stats->get_responses, 0);
  isdr_session_close (session);
  ck_assert_uint_eq (card->closes, 1);
}
END_TEST

static const guint block_sizes[] = { 120, 250, 1 };

START_TEST (test_block_size_option)
{
  guint block_size = block_sizes[_i];
  /* 1000 bytes, or as many as 256 blocks carry (P2 runs 00..FF) for tiny blocks. */
  gsize length = MIN (1000, block_size * 256);
  ScriptedCard *card = scripted_card_new (2);
  g_autoptr(CardTransport) transport = &card->parent;
  g_autofree guint8 *request = pattern (length);
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, block_size);
  g_autoptr(GBytes) response = isdr_session_es10 (session, request, length, &error);

  ck_assert_ptr_null (error);
  check_blocks (card, 2, request, length, block_size);
}
END_TEST

START_TEST (test_block_size_out_of_range)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  g_autoptr(GError) error = NULL;
  IsdrSessionOptions options;
  IsdrSession *session;

  isdr_session_options_init (&options);
  options.block_size = 256;
  session = isdr_session_open (&card->parent, &options, &error);
  ck_assert_ptr_null (session);
  ck_assert_str_eq (error->message, "STORE DATA block size 256 is out of range 1..255");
  ck_assert_uint_eq (card->opens, 0);
}
END_TEST

START_TEST (test_channel_cla)
{
  guint8 channel = (guint8) _i;
  ScriptedCard *card = scripted_card_new (channel);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  static const guint8 piece[] = { 0xAA, 0xBB };
  g_autoptr(GError) error = NULL;
  IsdrSession *session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;
  gsize length;
  const guint8 *apdu;

  answer_sw (card, 0x6102);
  answer (card, piece, sizeof piece, 0x9000);
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (g_bytes_get_size (response), 2);
  ck_assert_uint_eq (isdr_session_get_channel (session), channel);
  ck_assert_uint_eq (card->apdus->len, 2);
  apdu = apdu_at (card, 0, &length);
  ck_assert_int_eq (apdu[0], expected_store_data_cla (channel));
  apdu = apdu_at (card, 1, &length);
  ck_assert_uint_eq (length, 5);
  ck_assert_int_eq (apdu[0], expected_get_response_cla (channel));
  ck_assert_int_eq (apdu[1], 0xC0);
  ck_assert_int_eq (apdu[2], 0x00);
  ck_assert_int_eq (apdu[3], 0x00);
  ck_assert_int_eq (apdu[4], 0x02);
  isdr_session_close (session);
  ck_assert_uint_eq (card->closes, 1);
}
END_TEST

START_TEST (test_get_response_chaining)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x2D, 0x00 };
  g_autofree guint8 *body = pattern (1000);
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;
  static const guint8 expected_le[] = { 0x00, 0x00, 0x00, 0xE8 };

  /* 1000 bytes: 61 00 (256 or more) three times, then 61 E8 for the last 232. */
  answer_sw (card, 0x6100);
  answer (card, body, 256, 0x6100);
  answer (card, body + 256, 256, 0x6100);
  answer (card, body + 512, 256, 0x61E8);
  answer (card, body + 768, 232, 0x9000);
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (g_bytes_get_size (response), 1000);
  ck_assert_mem_eq (g_bytes_get_data (response, NULL), body, 1000);
  ck_assert_uint_eq (card->apdus->len, 5);
  for (guint i = 0; i < 4; i++)
    {
      gsize length;
      const guint8 *apdu = apdu_at (card, 1 + i, &length);
      static const guint8 get_response[] = { 0x01, 0xC0, 0x00, 0x00 };

      ck_assert_uint_eq (length, 5);
      ck_assert_mem_eq (apdu, get_response, 4);
      ck_assert_int_eq (apdu[4], expected_le[i]);
    }
  ck_assert_uint_eq (isdr_session_get_stats (session)->get_responses, 4);
  ck_assert_uint_eq (isdr_session_get_last_status_word (session), 0x9000);
}
END_TEST

START_TEST (test_wrong_length_6c)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x2E, 0x00 };
  g_autofree guint8 *body = pattern (0x12);
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;
  gsize length;
  const guint8 *apdu;

  /* 61 20, the GET RESPONSE for 0x20 is refused with 6C 12, the repeat with Le 12 succeeds. */
  answer_sw (card, 0x6120);
  answer_sw (card, 0x6C12);
  answer (card, body, 0x12, 0x9000);
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (g_bytes_get_size (response), 0x12);
  ck_assert_uint_eq (card->apdus->len, 3);
  apdu = apdu_at (card, 1, &length);
  ck_assert_int_eq (apdu[4], 0x20);
  apdu = apdu_at (card, 2, &length);
  ck_assert_int_eq (apdu[1], 0xC0);
  ck_assert_int_eq (apdu[4], 0x12);
}
END_TEST

START_TEST (test_direct_answers)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x5A, 0x03, 0x80, 0x01, 0x00 };
  static const guint8 result[] = { 0xBF, 0x5A, 0x03, 0x80, 0x01, 0x00 };
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) r1 = NULL;
  g_autoptr(GBytes) r2 = NULL;
  g_autoptr(GBytes) r3 = NULL;

  /* 90 00 with the data in the same answer (T=1 readers, some modems). */
  answer (card, result, sizeof result, 0x9000);
  r1 = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (g_bytes_get_size (r1), sizeof result);
  ck_assert_uint_eq (isdr_session_get_last_status_word (session), 0x9000);

  /* 91 xx: success, a proactive command (REFRESH) is pending. */
  answer (card, result, sizeof result, 0x9110);
  r2 = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (g_bytes_get_size (r2), sizeof result);
  ck_assert_uint_eq (isdr_session_get_last_status_word (session), 0x9110);

  /* 90 00 without data. */
  answer_sw (card, 0x9000);
  r3 = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (g_bytes_get_size (r3), 0);
  ck_assert_uint_eq (card->apdus->len, 3);
}
END_TEST

START_TEST (test_error_middle_block)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  g_autofree guint8 *request = pattern (600);
  g_autoptr(GError) error = NULL;
  IsdrSession *session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;

  answer_sw (card, 0x9000);
  answer_sw (card, 0x6A80);
  response = isdr_session_es10 (session, request, 600, &error);
  ck_assert_ptr_null (response);
  ck_assert_int_eq (error->code, EUICCD_ERROR_CARD);
  ck_assert_str_eq (error->message, "GetProfilesInfo (BF2D): STORE DATA block 1 of 3 answered 6A80");
  /* The third block is never sent. */
  ck_assert_uint_eq (card->apdus->len, 2);
  isdr_session_close (session);
  ck_assert_uint_eq (card->closes, 1);
}
END_TEST

/* 6985 and 6881 are not among them: they say the channel lost the ISD-R (test_channel_lost_*). */
static const guint16 error_words[] = { 0x6A88, 0x6A80, 0x6D00, 0x6F00 };

START_TEST (test_error_last_block)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x55, 0x00 };
  g_autoptr(GError) error = NULL;
  IsdrSession *session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;
  g_autofree gchar *expected = g_strdup_printf ("GetEimConfigurationData (BF55): card answered %04X",
                                                error_words[_i]);

  answer_sw (card, error_words[_i]);
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (response);
  ck_assert_int_eq (error->code, EUICCD_ERROR_CARD);
  ck_assert_str_eq (error->message, expected);
  ck_assert_uint_eq (isdr_session_get_last_status_word (session), error_words[_i]);
  /* All but 6F00 say the card does not know the function; 6F00 may pass. */
  ck_assert (isdr_session_refused_as_unknown (session, error) == (error_words[_i] != 0x6F00));
  isdr_session_close (session);
  ck_assert_uint_eq (card->closes, 1);
}
END_TEST

START_TEST (test_error_during_get_response)
{
  ScriptedCard *card = scripted_card_new (3);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x7E, 0x00 };
  static const guint8 piece[] = { 1, 2, 3, 4 };
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;

  answer_sw (card, 0x6104);
  answer (card, piece, sizeof piece, 0x6F00);
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (response);
  ck_assert_str_eq (error->message, "ES10 request (BF7E): card answered 6F00");
}
END_TEST

START_TEST (test_response_bound)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x2D, 0x00 };
  g_autofree guint8 *piece = pattern (256);
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;
  guint n = ISDR_MAX_RESPONSE_LENGTH / 256;

  /* Exactly the bound is accepted... */
  answer_sw (card, 0x6100);
  for (guint i = 0; i < n - 1; i++)
    answer (card, piece, 256, 0x6100);
  answer (card, piece, 256, 0x9000);
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (g_bytes_get_size (response), ISDR_MAX_RESPONSE_LENGTH);
  g_clear_pointer (&response, g_bytes_unref);

  /* ...one byte more is not. */
  answer_sw (card, 0x6100);
  for (guint i = 0; i < n; i++)
    answer (card, piece, 256, 0x6101);
  answer (card, piece, 1, 0x9000);
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (response);
  ck_assert_int_eq (error->code, EUICCD_ERROR_INVALID_DATA);
  ck_assert_str_eq (error->message, "GetProfilesInfo (BF2D): response exceeds 65536 bytes");
  g_clear_error (&error);
  g_queue_clear_full (&card->answers, (GDestroyNotify) g_bytes_unref);

  /* A smaller bound set for the session. */
  isdr_session_set_max_response_length (session, 1000);
  answer_sw (card, 0x6100);
  for (guint i = 0; i < 4; i++)
    answer (card, piece, 256, 0x6100);
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (response);
  ck_assert_str_eq (error->message, "GetProfilesInfo (BF2D): response exceeds 1000 bytes");
  /* Stopped at the piece that crossed the bound: STORE DATA + 4 GET RESPONSE. */
  ck_assert_uint_eq (isdr_session_get_stats (session)->get_responses, n + (n + 1) + 4);
}
END_TEST

START_TEST (test_endless_61xx_without_data)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x2B, 0x00 };
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;

  for (guint i = 0; i < 100; i++)
    answer_sw (card, 0x6110);
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (response);
  ck_assert_str_eq (error->message, "RetrieveNotificationsList (BF2B): card answered 6110 9 times in a row without data");
  ck_assert_uint_eq (card->apdus->len, 9);
}
END_TEST

START_TEST (test_request_too_large)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  gsize length = 256 * 255 + 1;
  g_autofree guint8 *request = pattern (length);
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) response = isdr_session_es10 (session, request, length, &error);

  ck_assert_ptr_null (response);
  ck_assert_int_eq (error->code, EUICCD_ERROR_INVALID_ARGS);
  ck_assert_str_eq (error->message, "GetProfilesInfo (BF2D): request of 65281 bytes needs 257 STORE DATA blocks of "
                                    "255 bytes, at most 256 fit in P2");
  ck_assert_uint_eq (card->apdus->len, 0);
}
END_TEST

START_TEST (test_transport_failure)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  g_autoptr(GError) error = NULL;
  IsdrSession *session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;

  card->transmit_fails = TRUE;
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (response);
  ck_assert_int_eq (error->code, EUICCD_ERROR_TIMEOUT);
  ck_assert_str_eq (error->message, "GetEID (BF3E): STORE DATA block 0: scripted: APDU 81 E2: no answer in 30000 ms");
  ck_assert (!isdr_session_refused_as_unknown (session, error));
  isdr_session_close (session);
  ck_assert_uint_eq (card->closes, 1);
  ck_assert (!card->channel_open);
}
END_TEST

static const guint16 lost_words[] = { 0x6881, 0x6985 };

/* A STORE DATA refused because the channel lost the ISD-R never reached it: reopened and sent again, once. */
START_TEST (test_channel_lost_reopens_and_retries)
{
  ScriptedCard *card = scripted_card_new (2);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  static const guint8 eid[] = { 0xBF, 0x3E, 0x03, 0x5A, 0x01, 0x89 };
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;

  answer_sw (card, lost_words[_i]);
  answer (card, eid, sizeof eid, 0x9000);
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_msg (response != NULL, "%s", error != NULL ? error->message : "");
  ck_assert (g_bytes_get_size (response) == sizeof eid && memcmp (g_bytes_get_data (response, NULL), eid, sizeof eid) == 0);
  ck_assert_uint_eq (card->opens, 2);
  ck_assert_uint_eq (card->closes, 1);
  ck_assert_uint_eq (card->apdus->len, 2);
  ck_assert_uint_eq (isdr_session_get_stats (session)->reopens, 1);
}
END_TEST

/* The modem refuses an APDU on a channel it no longer knows (its card session reset without a REFRESH): the
 * command never reached the card, so the whole ES10 function is sent again on a new channel, from block 0. */
START_TEST (test_channel_gone_resends_whole_function)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  g_autofree guint8 *request = pattern (300);
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;
  gsize length;

  card->gone_at = 2;  /* the second block */
  response = isdr_session_es10 (session, request, 300, &error);
  ck_assert_msg (response != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (card->opens, 2);
  ck_assert_uint_eq (card->apdus->len, 4);  /* blocks 0, 1 (refused), then 0 and 1 on the new channel */
  ck_assert_int_eq (apdu_at (card, 2, &length)[3], 0);
  ck_assert_uint_eq (isdr_session_get_stats (session)->channel_resets, 1);
  ck_assert_uint_eq (isdr_session_get_stats (session)->transport_failures, 0);
}
END_TEST

/* Refused at GET RESPONSE: the card executed the command and its answer is lost; it is not sent again, and the
 * next command starts on a new channel. */
START_TEST (test_channel_gone_at_get_response_not_resent)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GBytes) second = NULL;

  answer_sw (card, 0x6110);
  card->gone_at = 2;
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (response);
  ck_assert_int_eq (error->code, EUICCD_ERROR_CHANNEL_GONE);
  ck_assert_uint_eq (card->opens, 1);
  ck_assert_uint_eq (card->apdus->len, 2);
  second = isdr_session_es10 (session, request, sizeof request, NULL);
  ck_assert_ptr_nonnull (second);
  ck_assert_uint_eq (card->opens, 2);
}
END_TEST

/* Lost twice in a row: the error names the status word, and the next command reopens again first. */
START_TEST (test_channel_lost_twice)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GBytes) second = NULL;

  answer_sw (card, 0x6881);
  answer_sw (card, 0x6881);
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (response);
  ck_assert_int_eq (error->code, EUICCD_ERROR_CARD);
  ck_assert_str_eq (error->message, "GetEID (BF3E): STORE DATA block 0 answered 6881: the channel lost the ISD-R");
  ck_assert_uint_eq (card->opens, 2);
  second = isdr_session_es10 (session, request, sizeof request, NULL);
  ck_assert_ptr_nonnull (second);
  ck_assert_uint_eq (card->opens, 3);
}
END_TEST

/* A later segment of a bound profile package (not a BFxx function) is not sent again on a new channel. */
START_TEST (test_channel_lost_segment_not_retried)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 segment[] = { 0xA1, 0x03, 0x88, 0x01, 0x00 };
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) response = NULL;

  answer_sw (card, 0x6985);
  response = isdr_session_es10 (session, segment, sizeof segment, &error);
  ck_assert_ptr_null (response);
  ck_assert_int_eq (error->code, EUICCD_ERROR_CARD);
  ck_assert_uint_eq (card->opens, 1);
  ck_assert_uint_eq (card->apdus->len, 1);
  /* The next command starts on a new channel. */
  g_clear_pointer (&response, g_bytes_unref);
  response = isdr_session_es10 (session, (const guint8 *) "\xBF\x3E\x03\x5C\x01\x5A", 6, NULL);
  ck_assert_ptr_nonnull (response);
  ck_assert_uint_eq (card->opens, 2);
}
END_TEST

/* 91 xx: the command succeeded and a REFRESH follows; the next command starts on a new channel. */
START_TEST (test_refresh_reopens_before_next_command)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;

  answer_sw (card, 0x910B);
  first = isdr_session_es10 (session, request, sizeof request, NULL);
  ck_assert_ptr_nonnull (first);
  ck_assert_uint_eq (card->opens, 1);
  second = isdr_session_es10 (session, request, sizeof request, NULL);
  ck_assert_ptr_nonnull (second);
  ck_assert_uint_eq (card->opens, 2);
  ck_assert_uint_eq (card->closes, 1);
}
END_TEST

/* After a transport failure the command may or may not have run: it is not sent again, but the next command
 * reopens the channel before anything is read. */
START_TEST (test_transport_failure_reopens_next)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session (card, 0);
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;

  card->transmit_fails = TRUE;
  first = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (first);
  ck_assert_uint_eq (card->apdus->len, 1);
  card->transmit_fails = FALSE;
  second = isdr_session_es10 (session, request, sizeof request, NULL);
  ck_assert_ptr_nonnull (second);
  ck_assert_uint_eq (card->opens, 2);
  ck_assert_uint_eq (card->apdus->len, 2);
}
END_TEST

/* The modem behind the session: what the reconnect function hands out next (NULL: fails). */
typedef struct {
  CardTransport *failed;   /* what the session passed */
  ScriptedCard *next;
  guint calls;
} Reconnector;

static CardTransport *
reconnect_to_next (CardTransport *failed, gpointer user_data, GError **error)
{
  Reconnector *r = user_data;

  r->calls++;
  r->failed = failed;
  if (r->next == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "QMI device /dev/cdc-wdm0 does not exist");
      return NULL;
    }
  return &r->next->parent;
}

static IsdrSession *
open_session_reconnecting (ScriptedCard *card, Reconnector *r)
{
  g_autoptr(GError) error = NULL;
  IsdrSessionOptions options;
  IsdrSession *session;

  isdr_session_options_init (&options);
  options.reconnect = reconnect_to_next;
  options.reconnect_data = r;
  session = isdr_session_open (&card->parent, &options, &error);
  ck_assert_msg (session != NULL, "%s", error != NULL ? error->message : "");
  return session;
}

/* The modem leaves the bus during a command: that command fails and is not sent again (the card may have
 * executed it); the next one reopens, finds the transport dead, reconnects and goes on the new transport. */
START_TEST (test_modem_gone_reconnects)
{
  ScriptedCard *card = scripted_card_new (1);
  ScriptedCard *back = scripted_card_new (2);
  g_autoptr(CardTransport) transport = &card->parent;
  g_autoptr(CardTransport) transport_back = &back->parent;
  static const guint8 request[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  Reconnector r = { .next = back };
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session_reconnecting (card, &r);
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  gsize length;
  const guint8 *apdu;

  card->transmit_fails = TRUE;
  first = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (first);
  ck_assert_uint_eq (r.calls, 0);
  card->open_gone = TRUE;
  second = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_msg (second != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (r.calls, 1);
  ck_assert_ptr_eq (r.failed, &card->parent);
  ck_assert_ptr_eq (isdr_session_get_transport (session), &back->parent);
  ck_assert_uint_eq (card->apdus->len, 1);    /* never re-sent on the old transport */
  ck_assert_uint_eq (back->opens, 1);
  ck_assert_uint_eq (back->apdus->len, 1);
  apdu = apdu_at (back, 0, &length);
  ck_assert_int_eq (apdu[0], expected_store_data_cla (2));
  ck_assert_uint_eq (isdr_session_get_stats (session)->reconnects, 1);
  ck_assert_uint_ge (isdr_session_get_stats (session)->transport_failures, 2);
}
END_TEST

/* The modem does not come back: the command fails naming why, the session is left without a transport, and the
 * next command asks for one again. */
START_TEST (test_modem_gone_for_good)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  Reconnector r = { .next = NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) session = open_session_reconnecting (card, &r);
  g_autoptr(GBytes) response = NULL;

  card->transmit_fails = TRUE;
  response = isdr_session_es10 (session, request, sizeof request, NULL);
  ck_assert_ptr_null (response);
  card->open_gone = TRUE;
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (response);
  ck_assert_msg (strstr (error->message, "Reopening the ISD-R session (after an error): QMI device /dev/cdc-wdm0 "
                                         "does not exist") != NULL, "%s", error->message);
  g_clear_error (&error);
  response = isdr_session_es10 (session, request, sizeof request, &error);
  ck_assert_ptr_null (response);
  ck_assert_uint_eq (r.calls, 2);
  ck_assert_ptr_null (r.failed);                 /* released by the first call: nothing to release again */
  ck_assert_ptr_null (isdr_session_get_transport (session));
  ck_assert_uint_eq (card->apdus->len, 1);
}
END_TEST

/* A card error on the open is no modem loss: no reconnect. */
START_TEST (test_card_error_no_reconnect)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  Reconnector r = { .next = NULL };
  g_autoptr(IsdrSession) session = open_session_reconnecting (card, &r);
  g_autoptr(GBytes) response = NULL;

  card->transmit_fails = TRUE;
  response = isdr_session_es10 (session, request, sizeof request, NULL);
  card->open_fails = TRUE;
  response = isdr_session_es10 (session, request, sizeof request, NULL);
  ck_assert_ptr_null (response);
  ck_assert_uint_eq (r.calls, 0);
}
END_TEST

/* Channel 0 only from a transport that reaches the ISD-R on the basic channel (AT+CSIM); STORE DATA there has
 * CLA 80, GET RESPONSE CLA 00. */
START_TEST (test_basic_channel)
{
  ScriptedCard *card = scripted_card_new (0);
  g_autoptr(CardTransport) transport = &card->parent;
  static const guint8 request[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };
  static const guint8 eid[] = { 0xBF, 0x3E, 0x02, 0x5A, 0x00 };
  g_autoptr(GError) error = NULL;
  g_autoptr(IsdrSession) refused = NULL;
  g_autoptr(IsdrSession) session = NULL;
  g_autoptr(GBytes) response = NULL;
  const guint8 *apdu;
  gsize length;

  refused = isdr_session_open (&card->parent, NULL, &error);
  ck_assert_ptr_null (refused);
  ck_assert_msg (strstr (error->message, "returned logical channel 0") != NULL, "%s", error->message);
  card->channel_open = FALSE;
  card->parent.basic_channel = TRUE;
  session = open_session (card, 0);
  ck_assert_uint_eq (isdr_session_get_channel (session), 0);
  answer_sw (card, 0x6105);
  answer (card, eid, sizeof eid, 0x9000);
  response = isdr_session_es10 (session, request, sizeof request, NULL);
  ck_assert_ptr_nonnull (response);
  ck_assert_uint_eq (card->apdus->len, 2);
  apdu = apdu_at (card, 0, &length);
  ck_assert_int_eq (apdu[0], 0x80);
  apdu = apdu_at (card, 1, &length);
  ck_assert_int_eq (apdu[0], 0x00);
  ck_assert_int_eq (apdu[1], 0xC0);
}
END_TEST

/* A card with no free channel: channels 1..19 are closed (left by dead processes) and the open tried again. */
static guint8 notified_channel = 0xFF;

static void
on_channel (guint8 channel, gpointer user_data)
{
  notified_channel = channel;
  (*(guint *) user_data)++;
}

START_TEST (test_busy_closes_stale_channels)
{
  ScriptedCard *card = scripted_card_new (3);
  g_autoptr(CardTransport) transport = &card->parent;
  g_autoptr(GError) error = NULL;
  IsdrSessionOptions options;
  IsdrSession *session;
  guint notifications = 0;

  isdr_session_options_init (&options);
  options.channel_notify = on_channel;
  options.channel_notify_data = &notifications;
  card->busy_opens = 1;
  session = isdr_session_open (transport, &options, &error);
  ck_assert_msg (session != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (card->stale_closes, 19);
  ck_assert_uint_eq (isdr_session_get_stats (session)->stale_closes, 19);
  ck_assert_uint_eq (notified_channel, 3);
  isdr_session_close (session);
  ck_assert_uint_eq (notified_channel, 0);
  ck_assert_uint_eq (notifications, 2);

  /* Still none free after that: the error says so. */
  card->busy_opens = 2;
  session = isdr_session_open (transport, NULL, &error);
  ck_assert_ptr_null (session);
  ck_assert_int_eq (error->code, EUICCD_ERROR_BUSY);
}
END_TEST

START_TEST (test_open_failures)
{
  g_autoptr(GError) error = NULL;
  ScriptedCard *refused = scripted_card_new (1);
  ScriptedCard *bad_channel = scripted_card_new (20);
  ScriptedCard *zero_channel = scripted_card_new (0);
  g_autoptr(CardTransport) t1 = &refused->parent;
  g_autoptr(CardTransport) t2 = &bad_channel->parent;
  g_autoptr(CardTransport) t3 = &zero_channel->parent;
  IsdrSession *session;

  refused->open_fails = TRUE;
  session = isdr_session_open (t1, NULL, &error);
  ck_assert_ptr_null (session);
  ck_assert_str_eq (error->message, "Opening the ISD-R session: scripted: opening a logical channel: SELECT answered 6A82");
  ck_assert_uint_eq (refused->closes, 0);
  g_clear_error (&error);

  /* A channel the CLA byte cannot carry: refused, and the channel that was opened is closed again. */
  session = isdr_session_open (t2, NULL, &error);
  ck_assert_ptr_null (session);
  ck_assert_str_eq (error->message, "Opening the ISD-R session: scripted returned logical channel 20, expected 1 to 19");
  ck_assert_uint_eq (bad_channel->opens, 1);
  ck_assert_uint_eq (bad_channel->closes, 1);
  g_clear_error (&error);

  session = isdr_session_open (t3, NULL, &error);
  ck_assert_ptr_null (session);
  ck_assert_uint_eq (zero_channel->closes, 1);
}
END_TEST

START_TEST (test_select_response_and_default_aid)
{
  ScriptedCard *card = scripted_card_new (1);
  g_autoptr(CardTransport) transport = &card->parent;
  g_autoptr(GError) error = NULL;
  IsdrSessionOptions options;
  g_autoptr(IsdrSession) session = NULL;
  g_autoptr(IsdrSession) plain = NULL;
  GBytes *fci;

  /* Not asked for, the FCI is not fetched (the backend gets no place to put it). */
  plain = isdr_session_open (transport, NULL, &error);
  ck_assert_ptr_nonnull (plain);
  ck_assert_ptr_null (isdr_session_get_select_response (plain));
  g_clear_pointer (&plain, isdr_session_close);

  isdr_session_options_init (&options);
  options.want_select_response = TRUE;
  session = isdr_session_open (transport, &options, &error);
  ck_assert_ptr_nonnull (session);
  fci = isdr_session_get_select_response (session);
  ck_assert_ptr_nonnull (fci);
  ck_assert_uint_eq (g_bytes_get_size (fci), 2);
  ck_assert_ptr_eq (isdr_session_get_transport (session), transport);
  ck_assert_int_eq (ISDR_DEFAULT_AID[0], 0xA0);
  ck_assert_int_eq (ISDR_DEFAULT_AID[15], 0x00);
  ck_assert_int_eq (ISDR_DEFAULT_AID[14], 0x01);
}
END_TEST

static Suite *
isdr_session_suite (void)
{
  Suite *s = suite_create ("isdr-session");
  TCase *blocks = tcase_create ("blocks");
  TCase *responses = tcase_create ("responses");
  TCase *lifecycle = tcase_create ("lifecycle");

  tcase_add_loop_test (blocks, test_block_splitting, 0, G_N_ELEMENTS (split_sizes));
  tcase_add_loop_test (blocks, test_block_size_option, 0, G_N_ELEMENTS (block_sizes));
  tcase_add_test (blocks, test_block_size_out_of_range);
  tcase_add_loop_test (blocks, test_channel_cla, 1, 20);
  tcase_add_test (blocks, test_request_too_large);
  suite_add_tcase (s, blocks);

  tcase_add_test (responses, test_get_response_chaining);
  tcase_add_test (responses, test_wrong_length_6c);
  tcase_add_test (responses, test_direct_answers);
  tcase_add_test (responses, test_error_middle_block);
  tcase_add_loop_test (responses, test_error_last_block, 0, G_N_ELEMENTS (error_words));
  tcase_add_test (responses, test_error_during_get_response);
  tcase_add_test (responses, test_response_bound);
  tcase_add_test (responses, test_endless_61xx_without_data);
  tcase_add_test (responses, test_transport_failure);
  tcase_add_loop_test (responses, test_channel_lost_reopens_and_retries, 0, G_N_ELEMENTS (lost_words));
  tcase_add_test (responses, test_channel_lost_twice);
  tcase_add_test (responses, test_channel_gone_resends_whole_function);
  tcase_add_test (responses, test_channel_gone_at_get_response_not_resent);
  tcase_add_test (responses, test_channel_lost_segment_not_retried);
  tcase_add_test (responses, test_refresh_reopens_before_next_command);
  tcase_add_test (responses, test_transport_failure_reopens_next);
  suite_add_tcase (s, responses);

  tcase_add_test (lifecycle, test_open_failures);
  tcase_add_test (lifecycle, test_busy_closes_stale_channels);
  tcase_add_test (lifecycle, test_select_response_and_default_aid);
  tcase_add_test (lifecycle, test_modem_gone_reconnects);
  tcase_add_test (lifecycle, test_modem_gone_for_good);
  tcase_add_test (lifecycle, test_card_error_no_reconnect);
  tcase_add_test (lifecycle, test_basic_channel);
  suite_add_tcase (s, lifecycle);
  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (isdr_session_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
