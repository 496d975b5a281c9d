/* SPDX-License-Identifier: Apache-2.0 */
/* The one small interface every way of reaching the eUICC implements: open a logical channel on an AID,
 * transmit an APDU on it, close it. Calls block the calling thread; backends built on GLib-async
 * libraries (libqmi, libmbim) run their own GMainContext internally while they wait, so the procedures
 * above read top to bottom. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CardTransport CardTransport;

typedef struct {
  guint slot;                /* UIM slot for QMI / MBIM, 1-based (default 1) */
  gboolean exclusive;        /* open the modem directly instead of through qmi-proxy / mbim-proxy */
  guint apdu_timeout_ms;     /* per-APDU timeout (default 30000) */
  guint open_timeout_ms;     /* device open / channel open timeout (default 15000) */
  /* PC/SC, where euiccd is the terminal: the TERMINAL CAPABILITY data sent before the first MANAGE CHANNEL
   * (default CARD_DEFAULT_TERMINAL_CAPABILITY); not copied, must outlive the transport. */
  const guint8 *terminal_capability;
  gsize terminal_capability_length;
  /* An earlier transport on this same device found logical channels refused and the ISD-R on the basic channel
   * (CardTransport.basic_channel): go there at once instead of asking for a channel again (AT). */
  gboolean basic_channel_known;
} CardTransportOptions;

/* Counters the benchmarks and the probe report. */
typedef struct {
  guint apdus;               /* command APDUs that reached the card: channel management and SELECT included,
                              * also those a modem sends for its own open/close requests */
  guint64 bytes_out;         /* command APDU bytes */
  guint64 bytes_in;          /* response bytes including status words */
  guint channel_opens;
  guint channel_closes;
} CardTransportStats;

typedef struct {
  const gchar *name;  /* "qmi", "mbim", "pcsc", "at" */
  /* Opens a logical channel and selects the application `aid` on it. On success *ret_channel is the
   * channel number to put in the CLA byte and to pass back to transmit/close; *ret_select_response, when
   * not NULL, receives the SELECT response data (FCI, without status word) or NULL if the backend has none. */
  gboolean (*open_channel) (CardTransport *transport, const guint8 *aid, gsize aid_length, guint8 *ret_channel,
                            GBytes **ret_select_response, GError **error);
  /* Sends one command APDU on the channel and returns the response data followed by SW1 SW2 (at least two
   * bytes). A card error status word is NOT a transport error: it is returned as data. */
  GBytes *(*transmit) (CardTransport *transport, guint8 channel, const guint8 *apdu, gsize apdu_length,
                       GError **error);
  gboolean (*close_channel) (CardTransport *transport, guint8 channel, GError **error);
  /* Releases the backend and the struct itself; `device` is freed by card_transport_free(). */
  void (*free) (CardTransport *transport);
} CardTransportOps;

/* Backends embed this as their first member. */
struct _CardTransport {
  const CardTransportOps *ops;
  CardTransportOptions options;
  CardTransportStats stats;
  gchar *device;  /* as given after the scheme: "/dev/cdc-wdm0", a reader name, ... */
  /* The backend reaches the ISD-R on the basic channel (channel 0: AT+CSIM on a module that refuses logical
   * channels), so open_channel may return 0. */
  gboolean basic_channel;
};

void card_transport_options_init (CardTransportOptions *options);

/* Opens "qmi:/dev/cdc-wdm0", "mbim:/dev/cdc-wdm0", "pcsc:<reader name>" (or "pcsc:" for the first reader),
 * "at:/dev/ttyUSB2" (optionally "at:/dev/ttyUSB2@115200"). A scheme not built in gives
 * EUICCD_ERROR_NOT_SUPPORTED naming it. */
CardTransport *card_transport_open (const gchar *uri, const CardTransportOptions *options, GError **error);

/* The calls procedures use: they keep the statistics and add the transport name to errors. */
gboolean card_transport_open_channel (CardTransport *transport, const guint8 *aid, gsize aid_length,
                                      guint8 *ret_channel, GBytes **ret_select_response, GError **error);
GBytes *card_transport_transmit (CardTransport *transport, guint8 channel, const guint8 *apdu, gsize apdu_length,
                                 GError **error);
gboolean card_transport_close_channel (CardTransport *transport, guint8 channel, GError **error);
void card_transport_free (CardTransport *transport);
const gchar *card_transport_name (const CardTransport *transport);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CardTransport, card_transport_free)

/* Backend constructors, each present only when built in (see config.h WITH_QMI, WITH_MBIM, WITH_PCSC,
 * WITH_AT). `device` is the part of the URI after the scheme. */
CardTransport *card_qmi_open (const gchar *device, const CardTransportOptions *options, GError **error);
CardTransport *card_mbim_open (const gchar *device, const CardTransportOptions *options, GError **error);
CardTransport *card_pcsc_open (const gchar *reader, const CardTransportOptions *options, GError **error);
CardTransport *card_at_open (const gchar *device, const CardTransportOptions *options, GError **error);

/* Helpers for backends that reach the card's basic channel directly (PC/SC) and must open logical channels
 * themselves: TERMINAL CAPABILITY, MANAGE CHANNEL open, SELECT by AID (P2 04, no Le; GET RESPONSE for the
 * FCI only when ret_select_response is not NULL), MANAGE CHANNEL close. `raw_transmit` sends exactly the
 * bytes given; the helpers log and count each APDU. A card without a free channel (6881, 6A81) gives
 * EUICCD_ERROR_BUSY. */
typedef GBytes *(*CardRawTransmitFunc) (CardTransport *transport, const guint8 *apdu, gsize apdu_length,
                                        GError **error);
gboolean card_apdu_open_channel (CardTransport *transport, CardRawTransmitFunc raw_transmit, const guint8 *aid,
                                 gsize aid_length, guint8 *ret_channel, GBytes **ret_select_response,
                                 GError **error);
gboolean card_apdu_close_channel (CardTransport *transport, CardRawTransmitFunc raw_transmit, guint8 channel,
                                  GError **error);
/* TERMINAL CAPABILITY `80 AA 00 00 Lc data`; a card refusing it is logged, not an error. */
gboolean card_apdu_terminal_capability (CardTransport *transport, CardRawTransmitFunc raw_transmit,
                                        const guint8 *data, gsize data_length, GError **error);
/* flows.md 0: eUICC-related terminal capabilities (A9 03 83 01 07), what PC/SC sends unless configured. */
extern const guint8 CARD_DEFAULT_TERMINAL_CAPABILITY[5];
/* CLA byte for an inter-industry (0x00) or proprietary (0x80) class on a logical channel (ISO 7816-4:
 * channels 0-3 in the low two bits, 4-19 in the further-interindustry form). */
guint8 card_apdu_cla (guint8 class_byte, guint8 channel);

G_END_DECLS
