/* SPDX-License-Identifier: Apache-2.0 */
/* Every APDU that reaches the card is logged (through the redaction policy) and counted, whichever way it
 * went: card_transport_transmit(), the PC/SC channel management, or a modem's own open and close requests. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <string.h>

#include "card/card-apdu-log.h"
#include "euiccd-log-policy.h"

void
card_transport_log_command (CardTransport *transport, guint8 channel, const guint8 *apdu, gsize apdu_length,
                            const gchar *note)
{
  g_autofree gchar *shown = NULL;

  /* APDUs carry the EID and ICCIDs: the policy decides how much of them a debug line shows. */
  if (!euiccd_log_debug_enabled (G_LOG_DOMAIN))
    return;
  shown = euiccd_log_format_command_apdu (apdu, apdu_length, euiccd_log_hex_allowed ());
  g_debug ("%s: ch%u > %s%s", transport->ops->name, channel, shown, note != NULL ? note : "");
}

void
card_transport_log_response (CardTransport *transport, guint8 channel, guint8 command_ins, const guint8 *response,
                             gsize response_length)
{
  g_autofree gchar *shown = NULL;

  if (!euiccd_log_debug_enabled (G_LOG_DOMAIN))
    return;
  shown = euiccd_log_format_response_apdu (command_ins, response, response_length, euiccd_log_hex_allowed ());
  g_debug ("%s: ch%u < %s", transport->ops->name, channel, shown);
}

void
card_transport_count_apdu (CardTransport *transport, gsize command_length, gsize response_length)
{
  transport->stats.apdus++;
  transport->stats.bytes_out += command_length;
  transport->stats.bytes_in += response_length;
}

void
card_transport_note_modem_apdu (CardTransport *transport, guint8 channel, const guint8 *apdu, gsize apdu_length,
                                const guint8 *response, gsize response_length)
{
  card_transport_log_command (transport, channel, apdu, apdu_length, " (sent by the modem)");
  if (response != NULL && response_length >= 2)
    card_transport_log_response (transport, channel, apdu_length > 1 ? apdu[1] : 0, response, response_length);
  card_transport_count_apdu (transport, apdu_length, response != NULL ? response_length : 0);
}

void
card_transport_note_modem_open (CardTransport *transport, guint8 channel, const guint8 *aid, gsize aid_length,
                                guint8 select_p2, guint16 select_sw)
{
  static const guint8 manage_open[5] = { 0x00, 0x70, 0x00, 0x00, 0x01 };
  guint8 manage_answer[3] = { channel, 0x90, 0x00 };
  guint8 select[5 + 16];
  guint8 select_answer[2] = { (guint8) (select_sw >> 8), (guint8) select_sw };

  card_transport_note_modem_apdu (transport, 0, manage_open, sizeof manage_open, manage_answer,
                                  sizeof manage_answer);
  aid_length = MIN (aid_length, 16);
  select[0] = card_apdu_cla (0x00, channel);
  select[1] = 0xA4;
  select[2] = 0x04;
  select[3] = select_p2;
  select[4] = (guint8) aid_length;
  memcpy (select + 5, aid, aid_length);
  card_transport_note_modem_apdu (transport, channel, select, 5 + aid_length, select_answer, sizeof select_answer);
}

void
card_transport_note_modem_close (CardTransport *transport, guint8 channel)
{
  guint8 manage_close[5] = { 0x00, 0x70, 0x80, channel, 0x00 };
  static const guint8 answer[2] = { 0x90, 0x00 };

  card_transport_note_modem_apdu (transport, 0, manage_close, sizeof manage_close, answer, sizeof answer);
}
