/* SPDX-License-Identifier: Apache-2.0 */
/* For backends: every APDU that reaches the card is logged through the redaction policy and counted in the
 * transport's statistics, also those sent outside card_transport_transmit() (PC/SC channel management and
 * SELECT) and those a modem sends for its own open/close requests (note_modem_*, whose log lines say so). */
#pragma once

#include <glib.h>

#include "card/card-transport.h"

G_BEGIN_DECLS

void card_transport_log_command (CardTransport *transport, guint8 channel, const guint8 *apdu, gsize apdu_length,
                                 const gchar *note);
void card_transport_log_response (CardTransport *transport, guint8 channel, guint8 command_ins,
                                  const guint8 *response, gsize response_length);
void card_transport_count_apdu (CardTransport *transport, gsize command_length, gsize response_length);
void card_transport_note_modem_apdu (CardTransport *transport, guint8 channel, const guint8 *apdu,
                                     gsize apdu_length, const guint8 *response, gsize response_length);
/* The MANAGE CHANNEL open and SELECT (P2 `select_p2`, answered `select_sw`) behind a modem's open request,
 * and the MANAGE CHANNEL close behind its close request. */
void card_transport_note_modem_open (CardTransport *transport, guint8 channel, const guint8 *aid,
                                     gsize aid_length, guint8 select_p2, guint16 select_sw);
void card_transport_note_modem_close (CardTransport *transport, guint8 channel);

G_END_DECLS
