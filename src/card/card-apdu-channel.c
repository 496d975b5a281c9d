/* SPDX-License-Identifier: Apache-2.0 */
/* Logical channels for backends that talk to the card's basic channel themselves (PC/SC), as flows.md 0
 * gives the start-up: TERMINAL CAPABILITY, MANAGE CHANNEL open, SELECT by AID on the new channel (P2 04, no
 * Le; the FCI fetched through GET RESPONSE only when the caller wants it), MANAGE CHANNEL close. Every APDU
 * goes through the transport's log and counters like those of card_transport_transmit().
 * Modems (QMI, MBIM, AT) do these steps inside their own "open channel" request. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <string.h>

#include "card/card-apdu-log.h"
#include "card/card-transport.h"
#include "der/der.h"
#include "euiccd-error.h"

/* ISO 7816-4 allows logical channels 1..19 (0 is the basic channel). */
#define CARD_APDU_MAX_CHANNEL 19
/* A hostile or broken card could answer 61xx forever; an FCI is a few hundred bytes at most, so this many
 * GET RESPONSE rounds (up to 64 KiB) is far more than any real card needs. */
#define CARD_APDU_MAX_GET_RESPONSES 256

static const guint8 isdr_aid[16] = {
  0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00
};

/* Errors read better with "ISD-R" than with 32 hex digits for the one AID everybody selects. */
static gchar *
aid_describe (const guint8 *aid, gsize aid_length)
{
  GString *s;

  if (aid_length == sizeof isdr_aid && memcmp (aid, isdr_aid, sizeof isdr_aid) == 0)
    return g_strdup ("ISD-R");
  s = g_string_new ("AID ");
  der_append_hex (s, aid, aid_length);
  return g_string_free (s, FALSE);
}

/* Sends one APDU on `channel` (for the log; the CLA byte already says it), logs and counts it, and splits off
 * the status word, checking the response has one. */
static GBytes *
exchange (CardTransport *transport, CardRawTransmitFunc raw_transmit, guint8 channel, const guint8 *apdu,
          gsize apdu_length, const gchar *step, guint8 *ret_sw1, guint8 *ret_sw2, GError **error)
{
  g_autoptr(GBytes) response = NULL;
  const guint8 *data;
  gsize length;

  card_transport_log_command (transport, channel, apdu, apdu_length, NULL);
  response = raw_transmit (transport, apdu, apdu_length, error);
  if (response == NULL)
    {
      g_prefix_error (error, "%s: ", step);
      return NULL;
    }
  data = g_bytes_get_data (response, &length);
  if (length < 2)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: response has %" G_GSIZE_FORMAT " bytes, no status word", step, length);
      return NULL;
    }
  card_transport_log_response (transport, channel, apdu[1], data, length);
  card_transport_count_apdu (transport, apdu_length, length);
  *ret_sw1 = data[length - 2];
  *ret_sw2 = data[length - 1];
  return g_bytes_new_from_bytes (response, 0, length - 2);
}

/* 90 00, or 91 xx (normal ending with a proactive command pending, which the modem or the ISD-R session deals
 * with later). */
static gboolean
sw_is_success (guint8 sw1, guint8 sw2)
{
  return (sw1 == 0x90 && sw2 == 0x00) || sw1 == 0x91;
}

/* SELECT by DF name on `channel`, following 6C xx (repeat with the right Le) and, when `want_fci`, 61 xx
 * (GET RESPONSE until the FCI is complete). Returns the FCI, possibly empty (always empty without
 * `want_fci`: 61 xx already says the SELECT worked, and fetching what nobody reads costs an APDU). */
static GBytes *
select_aid (CardTransport *transport, CardRawTransmitFunc raw_transmit, guint8 channel, const guint8 *aid,
            gsize aid_length, const gchar *what, gboolean want_fci, GError **error)
{
  g_autofree gchar *step = g_strdup_printf ("SELECT %s", what);
  g_autoptr(GByteArray) fci = g_byte_array_new ();
  g_autoptr(GBytes) data = NULL;
  guint8 apdu[5 + 16 + 1];
  gsize apdu_length;
  guint8 cla = card_apdu_cla (0x00, channel);
  guint8 sw1 = 0;
  guint8 sw2 = 0;

  /* As flows.md 0 gives it: case 3 without Le, as T=0 cards expect; P2 = 04, first or only occurrence. The
   * answer is 61 xx (FCI waiting) or 90 00. */
  apdu[0] = cla;
  apdu[1] = 0xA4;
  apdu[2] = 0x04;
  apdu[3] = 0x04;
  apdu[4] = (guint8) aid_length;
  memcpy (apdu + 5, aid, aid_length);
  apdu_length = 5 + aid_length;

  data = exchange (transport, raw_transmit, channel, apdu, apdu_length, step, &sw1, &sw2, error);
  if (data == NULL)
    return NULL;

  if (sw1 == 0x6C)
    {
      /* Wrong length: the card names the right Le; send the same command again with it (case 4). */
      g_clear_pointer (&data, g_bytes_unref);
      apdu[apdu_length++] = sw2;
      data = exchange (transport, raw_transmit, channel, apdu, apdu_length, step, &sw1, &sw2, error);
      if (data == NULL)
        return NULL;
    }
  g_byte_array_append (fci, g_bytes_get_data (data, NULL), g_bytes_get_size (data));

  for (guint round = 0; sw1 == 0x61 && want_fci; round++)
    {
      guint8 get_response[5] = { cla, 0xC0, 0x00, 0x00, sw2 };

      if (round >= CARD_APDU_MAX_GET_RESPONSES)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL,
                       "%s: card still answered 61%02X after %u GET RESPONSE commands", step, sw2, round);
          return NULL;
        }
      g_clear_pointer (&data, g_bytes_unref);
      data = exchange (transport, raw_transmit, channel, get_response, sizeof get_response, step, &sw1, &sw2, error);
      if (data == NULL)
        return NULL;
      if (sw1 == 0x6C)
        {
          /* GET RESPONSE with the wrong Le: the card tells the right one. */
          get_response[4] = sw2;
          g_clear_pointer (&data, g_bytes_unref);
          data = exchange (transport, raw_transmit, channel, get_response, sizeof get_response, step, &sw1, &sw2, error);
          if (data == NULL)
            return NULL;
        }
      g_byte_array_append (fci, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
    }

  if (!sw_is_success (sw1, sw2) && !(sw1 == 0x61 && !want_fci))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "%s: card answered %02X%02X", step, sw1, sw2);
      return NULL;
    }
  if (!want_fci)
    g_byte_array_set_size (fci, 0);
  return g_byte_array_free_to_bytes (g_steal_pointer (&fci));
}

gboolean
card_apdu_open_channel (CardTransport *transport, CardRawTransmitFunc raw_transmit, const guint8 *aid,
                        gsize aid_length, guint8 *ret_channel, GBytes **ret_select_response, GError **error)
{
  static const guint8 manage_channel_open[5] = { 0x00, 0x70, 0x00, 0x00, 0x01 };
  g_autofree gchar *what = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GBytes) fci = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 sw1 = 0;
  guint8 sw2 = 0;
  guint8 channel;

  g_return_val_if_fail (raw_transmit != NULL, FALSE);
  g_return_val_if_fail (ret_channel != NULL, FALSE);

  /* SELECT by DF name takes 1..16 bytes (ISO 7816-5 AIDs are 5..16). */
  if (aid == NULL || aid_length == 0 || aid_length > 16)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "AID of %" G_GSIZE_FORMAT " bytes: expected 1 to 16", aid != NULL ? aid_length : 0);
      return FALSE;
    }
  what = aid_describe (aid, aid_length);

  data = exchange (transport, raw_transmit, 0, manage_channel_open, sizeof manage_channel_open, "MANAGE CHANNEL open",
                   &sw1, &sw2, error);
  if (data == NULL)
    return FALSE;
  if ((sw1 == 0x68 && sw2 == 0x81) || (sw1 == 0x6A && sw2 == 0x81))
    {
      /* "Logical channel not supported" / "function not supported": every channel the card has is taken. */
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_BUSY,
                   "MANAGE CHANNEL open: card answered %02X%02X (no free logical channel)", sw1, sw2);
      return FALSE;
    }
  if (!sw_is_success (sw1, sw2))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "MANAGE CHANNEL open: card answered %02X%02X", sw1,
                   sw2);
      return FALSE;
    }
  if (g_bytes_get_size (data) != 1)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "MANAGE CHANNEL open: answer has %" G_GSIZE_FORMAT " data bytes, expected the channel number",
                   g_bytes_get_size (data));
      return FALSE;
    }
  channel = *(const guint8 *) g_bytes_get_data (data, NULL);
  if (channel == 0 || channel > CARD_APDU_MAX_CHANNEL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "MANAGE CHANNEL open: card gave channel %u, expected 1 to %u", channel, CARD_APDU_MAX_CHANNEL);
      return FALSE;
    }

  fci = select_aid (transport, raw_transmit, channel, aid, aid_length, what, ret_select_response != NULL, error);
  if (fci == NULL)
    {
      /* Do not leak the channel: cards have only a few. The SELECT error is the one worth reporting. */
      if (!card_apdu_close_channel (transport, raw_transmit, channel, &local_error))
        g_warning ("Closing channel %u after the failed SELECT: %s", channel, local_error->message);
      return FALSE;
    }

  *ret_channel = channel;
  if (ret_select_response != NULL)
    *ret_select_response = g_bytes_get_size (fci) > 0 ? g_steal_pointer (&fci) : NULL;
  return TRUE;
}

gboolean
card_apdu_terminal_capability (CardTransport *transport, CardRawTransmitFunc raw_transmit, const guint8 *data,
                               gsize data_length, GError **error)
{
  g_autoptr(GBytes) answer = NULL;
  guint8 apdu[5 + 255];
  guint8 sw1 = 0;
  guint8 sw2 = 0;

  g_return_val_if_fail (raw_transmit != NULL, FALSE);

  if (data == NULL || data_length == 0 || data_length > 255)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "TERMINAL CAPABILITY data of %" G_GSIZE_FORMAT " bytes: expected 1 to 255", data_length);
      return FALSE;
    }
  apdu[0] = 0x80;
  apdu[1] = 0xAA;
  apdu[2] = 0x00;
  apdu[3] = 0x00;
  apdu[4] = (guint8) data_length;
  memcpy (apdu + 5, data, data_length);
  answer = exchange (transport, raw_transmit, 0, apdu, 5 + data_length, "TERMINAL CAPABILITY", &sw1, &sw2, error);
  if (answer == NULL)
    return FALSE;
  if (!sw_is_success (sw1, sw2))
    {
      /* Cards that predate it answer 6D00 or 6E00; they work without it, so it is worth a line, not a failure. */
      g_debug ("TERMINAL CAPABILITY: card answered %02X%02X; going on without it", sw1, sw2);
    }
  return TRUE;
}

gboolean
card_apdu_close_channel (CardTransport *transport, CardRawTransmitFunc raw_transmit, guint8 channel,
                         GError **error)
{
  guint8 apdu[5] = { 0x00, 0x70, 0x80, channel, 0x00 };
  g_autoptr(GBytes) data = NULL;
  guint8 sw1 = 0;
  guint8 sw2 = 0;

  g_return_val_if_fail (raw_transmit != NULL, FALSE);

  if (channel == 0 || channel > CARD_APDU_MAX_CHANNEL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "MANAGE CHANNEL close: channel %u is not a logical channel (1 to %u)", channel,
                   CARD_APDU_MAX_CHANNEL);
      return FALSE;
    }
  /* Sent on the basic channel (CLA 00), logged as such. */
  data = exchange (transport, raw_transmit, 0, apdu, sizeof apdu, "MANAGE CHANNEL close", &sw1, &sw2, error);
  if (data == NULL)
    return FALSE;
  if (!sw_is_success (sw1, sw2))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "MANAGE CHANNEL close %u: card answered %02X%02X",
                   channel, sw1, sw2);
      return FALSE;
    }
  return TRUE;
}
