/* SPDX-License-Identifier: Apache-2.0 */
/* A session with the ISD-R on one logical channel: ES10 requests go out as STORE DATA blocks, responses come
 * back through GET RESPONSE chaining. One session spans a whole procedure, since reopening the channel in
 * the middle breaks the eUICC's own session state. */
#pragma once

#include <glib.h>

#include "card/card-transport.h"

G_BEGIN_DECLS

/* A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00 */
extern const guint8 ISDR_DEFAULT_AID[16];

#define ISDR_DEFAULT_BLOCK_SIZE 255

/* Called with the logical channel the session now holds, and with 0 once it holds none, so the caller can
 * remember it somewhere that outlives the process (a channel left open by a killed process is closed at the
 * next start). */
typedef void (*IsdrChannelNotify) (guint8 channel, gpointer user_data);

/* Releases `failed` (NULL when an earlier call gave up) and gives the transport to continue on; see
 * isdr_session_open(). */
typedef CardTransport *(*IsdrReconnectFunc) (CardTransport *failed, gpointer user_data, GError **error);

typedef struct {
  const guint8 *aid;      /* NULL: ISDR_DEFAULT_AID */
  gsize aid_length;
  guint block_size;       /* STORE DATA data bytes per block, 1..255; 0: ISDR_DEFAULT_BLOCK_SIZE */
  gboolean want_select_response; /* fetch the SELECT's FCI (an APDU more on PC/SC); FALSE by default */
  IsdrChannelNotify channel_notify; /* optional */
  gpointer channel_notify_data;
  IsdrReconnectFunc reconnect;      /* optional: see isdr_session_open() */
  gpointer reconnect_data;
} IsdrSessionOptions;

typedef struct _IsdrSession IsdrSession;

typedef struct {
  guint es10_commands;     /* ES10 requests sent */
  guint store_data_blocks; /* STORE DATA APDUs */
  guint get_responses;     /* GET RESPONSE APDUs */
  guint reopens;           /* channels reopened after a REFRESH, a lost channel or a transport error */
  guint stale_closes;      /* channels closed to make room when the card had none free */
  guint transport_failures; /* commands and channel opens the transport failed (not card errors) */
  guint reconnects;        /* transports replaced through the reconnect function */
  guint channel_resets;    /* commands the modem refused because the card session under the channel had reset
                            * without a REFRESH (EUICCD_ERROR_CHANNEL_GONE) */
} IsdrSessionStats;

void isdr_session_options_init (IsdrSessionOptions *options);

/* Opens a logical channel on the ISD-R through the transport (which stays owned by the caller). When the card
 * has no free channel (EUICCD_ERROR_BUSY from the transport), channels 1 to 19 are closed (they can only be
 * left over from processes that died holding them) and the open is tried once more.
 *
 * Recovery: after an ES10 command that ended with 91 xx (a REFRESH is pending), or failed on a transport
 * error, the next command first reopens the channel (new MANAGE CHANNEL and SELECT), so nothing is read
 * from a card session that may have reset. A command the card refuses with 6881 (channel not open), 6985
 * (ISD-R no longer selected), or that the modem refuses because it no longer
 * knows the channel (EUICCD_ERROR_CHANNEL_GONE from the transport: the module reset its card session without
 * a REFRESH), never reached the ISD-R: the channel is reopened and the command sent again, once, when it is a
 * whole ES10 function (BFxx); a later segment of a bound profile package is not (it belongs to the lost card
 * session), nor a command whose GET RESPONSE was refused (the card executed it).
 *
 * Modem loss: when reopening the channel fails on the transport itself (the module reset, or left the bus and
 * may come back at another path), the session calls `reconnect` (when given) with the failed transport; it
 * releases it (before opening the device again: a module may take one open at a time) and returns the
 * transport to go on with (a new one, owned by the caller like the first), or NULL with an error; the session
 * then has no transport, and the next command asks again (`failed` is NULL then). The channel is opened on the
 * new transport. A command that failed on the transport is never sent again: the card may have executed it. */
IsdrSession *isdr_session_open (CardTransport *transport, const IsdrSessionOptions *options, GError **error);
/* Sends one ES10 request (a complete DER TLV) and returns the eUICC's response TLV, or an empty GBytes when
 * the card answered 90 00 without data. Card errors become EUICCD_ERROR_CARD with the status word. */
GBytes *isdr_session_es10 (IsdrSession *session, const guint8 *request, gsize request_length, GError **error);
GBytes *isdr_session_es10_bytes (IsdrSession *session, GBytes *request, GError **error);
/* The SELECT response (FCI) the channel was opened with, or NULL. */
GBytes *isdr_session_get_select_response (IsdrSession *session);
const IsdrSessionStats *isdr_session_get_stats (IsdrSession *session);
/* NULL after a reconnect gave up (until the next command reconnects). */
CardTransport *isdr_session_get_transport (IsdrSession *session);
/* Upper bound on one ES10 response assembled from GET RESPONSE pieces; more is refused. */
#define ISDR_MAX_RESPONSE_LENGTH (64 * 1024)
/* Changes that bound for this session (tests; callers expecting larger responses). */
void isdr_session_set_max_response_length (IsdrSession *session, gsize max_length);
/* The logical channel number the session runs on. */
guint8 isdr_session_get_channel (IsdrSession *session);
/* The status word that ended the last ES10 command (0x9000, 0x91xx, or the error status word). */
guint16 isdr_session_get_last_status_word (IsdrSession *session);
/* TRUE when `error` is the card refusing the last ES10 command as one it does not know: 6A80 (wrong data), 6A81
 * (function not supported), 6A86 (wrong P1-P2), 6A88 (referenced data not found) or 6D00 (INS not supported). A
 * card that lacks the function answers so every time; 6F00, other status words, a transport failure, a timeout or
 * an answer that does not decode are no such refusal and may pass. */
gboolean isdr_session_refused_as_unknown (IsdrSession *session, const GError *error);
/* Closes the channel (errors are logged, not returned: nothing more can be done) and frees the session. */
void isdr_session_close (IsdrSession *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsdrSession, isdr_session_close)

G_END_DECLS
