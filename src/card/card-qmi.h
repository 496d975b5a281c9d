/* SPDX-License-Identifier: Apache-2.0 */
/* The UIM messages the QMI backend builds and parses by hand, because libqmi before 1.36 has no typed calls
 * for them. Pure functions of their inputs, so the exact bytes are unit-tested without a modem. */
#pragma once

#include <libqmi-glib.h>

G_BEGIN_DECLS

/* UIM service message ids (libqmi's data/qmi-service-uim.json). */
#define CARD_QMI_UIM_SEND_APDU            0x003B
#define CARD_QMI_UIM_LOGICAL_CHANNEL      0x003F
#define CARD_QMI_UIM_OPEN_LOGICAL_CHANNEL 0x0042

/* Requests. `slot` is the 1-based UIM slot, `client_id`/`transaction_id` those of the UIM client. */
QmiMessage *card_qmi_build_open_logical_channel (guint8 client_id, guint16 transaction_id, guint8 slot,
                                                 const guint8 *aid, gsize aid_length, GError **error);
QmiMessage *card_qmi_build_send_apdu (guint8 client_id, guint16 transaction_id, guint8 slot, guint8 channel,
                                      const guint8 *apdu, gsize apdu_length, GError **error);
QmiMessage *card_qmi_build_close_logical_channel (guint8 client_id, guint16 transaction_id, guint8 slot,
                                                  guint8 channel, GError **error);

/* Responses. Each checks the message id and the result TLV 0x02 first; a QMI error becomes
 * EUICCD_ERROR_TRANSPORT naming the operation, QMI's error name and number (and for Open Logical Channel the
 * card's status word when the modem reports one). */
gboolean card_qmi_parse_open_logical_channel (QmiMessage *response, guint8 *ret_channel,
                                              GBytes **ret_select_response, GError **error);
GBytes *card_qmi_parse_send_apdu (QmiMessage *response, GError **error);
gboolean card_qmi_parse_close_logical_channel (QmiMessage *response, GError **error);

G_END_DECLS
