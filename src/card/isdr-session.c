/* SPDX-License-Identifier: Apache-2.0 */
/* The ISD-R session: one logical channel, ES10 requests cut into STORE DATA blocks, responses assembled from
 * GET RESPONSE pieces (SGP.22 5.7, ISO 7816-4). The APDU rules live here and nowhere else, so every ES10
 * function and every transport gets them right the same way. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <string.h>

#include "card/es10-types.h"
#include "card/isdr-session.h"
#include "euiccd-error.h"

const guint8 ISDR_DEFAULT_AID[16] = {
  0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
};

/* P2 is one octet, so a request can span at most 256 blocks. */
#define ISDR_MAX_BLOCKS 256
/* A card answering 61 xx or 6C xx without ever delivering data would keep us looping; give up after this many
 * answers in a row that brought nothing. */
#define ISDR_MAX_EMPTY_PIECES 8

#define INS_STORE_DATA 0xE2
#define INS_GET_RESPONSE 0xC0
#define P1_MORE_BLOCKS 0x11
#define P1_LAST_BLOCK 0x91

/* Highest logical channel number (ISO 7816-4 with the further interindustry class coding). */
#define ISDR_MAX_CHANNEL 19

struct _IsdrSession {
  CardTransport *transport;
  guint8 aid[16];
  gsize aid_length;
  gboolean want_select_response;
  IsdrChannelNotify channel_notify;
  gpointer channel_notify_data;
  IsdrReconnectFunc reconnect;
  gpointer reconnect_data;
  gboolean reopen_needed;    /* the card session may have reset under the channel: reopen before the next command */
  guint8 channel;
  gboolean channel_open;
  guint block_size;
  gsize max_response_length;
  GBytes *select_response;
  IsdrSessionStats stats;
  gboolean proactive_pending; /* the last answer was 91 xx: a REFRESH resets the card session next */
  guint16 last_status_word;
};

void
isdr_session_options_init (IsdrSessionOptions *options)
{
  memset (options, 0, sizeof *options);
  options->aid = ISDR_DEFAULT_AID;
  options->aid_length = sizeof ISDR_DEFAULT_AID;
  options->block_size = ISDR_DEFAULT_BLOCK_SIZE;
}

static void
notify_channel (IsdrSession *session)
{
  if (session->channel_notify != NULL)
    session->channel_notify (session->channel_open ? session->channel : 0, session->channel_notify_data);
}

/* Closes channels 1..19 after the card refused a new one: with every channel taken, they can only be left over
 * from processes that died holding them (a modem keeps them open after its client is gone). Stops at the
 * first timeout or vanished device: those say nothing about channels. */
static void
close_stale_channels (IsdrSession *session)
{
  for (guint8 channel = 1; channel <= ISDR_MAX_CHANNEL; channel++)
    {
      g_autoptr(GError) error = NULL;

      if (card_transport_close_channel (session->transport, channel, &error))
        {
          session->stats.stale_closes++;
          g_message ("Closed logical channel %u, left open by an earlier process", channel);
          continue;
        }
      g_debug ("Closing stale channel %u: %s", channel, error->message);
      if (error->domain == EUICCD_ERROR && error->code == EUICCD_ERROR_TIMEOUT)
        break;
    }
}

static gboolean
open_channel (IsdrSession *session, GError **error)
{
  g_autoptr(GError) busy_error = NULL;
  GBytes **select_response = session->want_select_response ? &session->select_response : NULL;
  guint8 channel = 0;

  g_clear_pointer (&session->select_response, g_bytes_unref);
  if (!card_transport_open_channel (session->transport, session->aid, session->aid_length, &channel,
                                    select_response, &busy_error))
    {
      if (busy_error->domain != EUICCD_ERROR || busy_error->code != EUICCD_ERROR_BUSY)
        {
          g_propagate_error (error, g_steal_pointer (&busy_error));
          return FALSE;
        }
      g_warning ("%s; closing channels left open by earlier processes and trying again", busy_error->message);
      close_stale_channels (session);
      if (!card_transport_open_channel (session->transport, session->aid, session->aid_length, &channel,
                                        select_response, error))
        return FALSE;
    }
  /* From here on the channel is ours: closing the session closes it. */
  session->channel = channel;
  session->channel_open = TRUE;
  session->reopen_needed = FALSE;
  /* Channel 0 only from a transport that says it has no logical channels (AT+CSIM on the basic channel). */
  if ((channel == 0 && !session->transport->basic_channel) || channel > ISDR_MAX_CHANNEL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s returned logical channel %u, expected 1 to %u",
                   card_transport_name (session->transport), channel, ISDR_MAX_CHANNEL);
      return FALSE;
    }
  notify_channel (session);
  return TRUE;
}

static void
close_channel (IsdrSession *session)
{
  g_autoptr(GError) error = NULL;

  if (!session->channel_open)
    return;
  /* After a REFRESH the channel may already be gone; that is not worth more than a log line. */
  if (!card_transport_close_channel (session->transport, session->channel, &error))
    g_message ("Closing the ISD-R session: %s", error->message);
  session->channel_open = FALSE;
  notify_channel (session);
}

/* Whether an error says the card session under the channel may be gone (so the next command must reopen):
 * the modem, reader or port failed, or did not answer. */
static gboolean
is_transport_failure (const GError *error)
{
  return error != NULL && error->domain == EUICCD_ERROR
         && (error->code == EUICCD_ERROR_TRANSPORT || error->code == EUICCD_ERROR_TIMEOUT);
}

/* A new channel for a card session that may have reset (REFRESH, a lost channel, a transport error). */
static gboolean
reopen (IsdrSession *session, const gchar *why, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean reconnect_now = session->transport == NULL; /* an earlier reconnect gave up */

  g_message ("Reopening the ISD-R session on %s (%s)",
             session->transport != NULL ? card_transport_name (session->transport) : "a new transport", why);
  session->stats.reopens++;
  if (!reconnect_now)
    {
      close_channel (session);
      if (open_channel (session, &local_error))
        return TRUE;
      /* The channel cannot even be asked for: the module reset or left the bus. */
      if (is_transport_failure (local_error) && session->reconnect != NULL)
        {
          session->stats.transport_failures++;
          g_message ("%s; reconnecting to the modem", local_error->message);
          g_clear_error (&local_error);
          reconnect_now = TRUE;
        }
    }
  if (reconnect_now)
    {
      /* The card session is gone with the old transport: nothing is closed on it, and it is the reconnect
       * function's to release (before it opens the device again: a module may take one open at a time). */
      CardTransport *failed = g_steal_pointer (&session->transport);

      session->channel_open = FALSE;
      session->transport = session->reconnect (failed, session->reconnect_data, &local_error);
      if (session->transport != NULL)
        {
          session->stats.reconnects++;
          open_channel (session, &local_error);
        }
    }
  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "Reopening the ISD-R session (%s): ", why);
      session->reopen_needed = TRUE;
      return FALSE;
    }
  return TRUE;
}

IsdrSession *
isdr_session_open (CardTransport *transport, const IsdrSessionOptions *options, GError **error)
{
  g_autoptr(IsdrSession) session = NULL;
  const guint8 *aid = ISDR_DEFAULT_AID;
  gsize aid_length = sizeof ISDR_DEFAULT_AID;
  guint block_size = ISDR_DEFAULT_BLOCK_SIZE;

  g_return_val_if_fail (transport != NULL, NULL);

  if (options != NULL)
    {
      if (options->aid != NULL)
        {
          aid = options->aid;
          aid_length = options->aid_length;
        }
      if (options->block_size != 0)
        block_size = options->block_size;
    }
  if (aid_length < 5 || aid_length > 16)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "ISD-R AID has %" G_GSIZE_FORMAT " bytes, expected 5 to 16", aid_length);
      return NULL;
    }
  if (block_size > 255)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "STORE DATA block size %u is out of range 1..255", block_size);
      return NULL;
    }

  session = g_new0 (IsdrSession, 1);
  session->transport = transport;
  memcpy (session->aid, aid, aid_length);
  session->aid_length = aid_length;
  session->block_size = block_size;
  session->max_response_length = ISDR_MAX_RESPONSE_LENGTH;
  if (options != NULL)
    {
      session->want_select_response = options->want_select_response;
      session->channel_notify = options->channel_notify;
      session->channel_notify_data = options->channel_notify_data;
      session->reconnect = options->reconnect;
      session->reconnect_data = options->reconnect_data;
    }

  if (!open_channel (session, error))
    {
      g_prefix_error (error, "Opening the ISD-R session: ");
      return NULL;
    }

  g_debug ("ISD-R session on %s channel %u, STORE DATA blocks of up to %u bytes", card_transport_name (transport),
           session->channel, block_size);
  return g_steal_pointer (&session);
}

static gchar *
describe_request (const guint8 *request, gsize request_length)
{
  guint32 tag = 0;
  const gchar *name;

  /* Only the identifier octets matter here; the card judges the rest. */
  if (request_length >= 1)
    {
      tag = request[0];
      if ((request[0] & 0x1F) == 0x1F && request_length >= 2)
        {
          tag = (tag << 8) | request[1];
          if ((request[1] & 0x80) != 0 && request_length >= 3)
            tag = (tag << 8) | request[2];
        }
    }
  name = es10_function_name (tag);
  if (name != NULL)
    return g_strdup_printf ("%s (%02X)", name, tag);
  return g_strdup_printf ("ES10 request (%02X)", tag);
}

/* Splits a transport answer into data and status word. */
static guint16
split_response (GBytes *response, const guint8 **ret_data, gsize *ret_length)
{
  gsize size = 0;
  const guint8 *bytes = g_bytes_get_data (response, &size);

  /* card_transport_transmit() guarantees at least the two status bytes. */
  *ret_data = bytes;
  *ret_length = size - 2;
  return (guint16) ((bytes[size - 2] << 8) | bytes[size - 1]);
}

static gboolean
append_piece (IsdrSession *session, GByteArray *assembled, const guint8 *data, gsize length, const gchar *what,
              GError **error)
{
  if (length > session->max_response_length || assembled->len > session->max_response_length - length)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: response exceeds %" G_GSIZE_FORMAT " bytes", what, session->max_response_length);
      return FALSE;
    }
  g_byte_array_append (assembled, data, (guint) length);
  return TRUE;
}

/* 6881 (no such channel) and 6985 (nothing selected) to a STORE DATA: the channel lost the ISD-R, the
 * command never reached it. 6A88 is not taken for that: the ISD-R answers it itself (to a segment of a bound
 * profile package after it ended the installation, to a request it does not know), and sending such a
 * request again would only hide the answer. */
static gboolean
is_channel_lost (guint16 sw)
{
  return sw == 0x6881 || sw == 0x6985;
}

/* The modem refused the command because it no longer knows the channel: its card session reset without a
 * REFRESH being seen (a module resetting its UIM on its own). The command never reached the card. */
static gboolean
is_channel_gone (const GError *error)
{
  return error != NULL && error->domain == EUICCD_ERROR && error->code == EUICCD_ERROR_CHANNEL_GONE;
}

static GBytes *
es10_attempt (IsdrSession *session, const guint8 *request, gsize request_length, const gchar *what,
              gboolean *ret_channel_lost, GError **error)
{
  g_autoptr(GByteArray) assembled = NULL;
  g_autoptr(GBytes) response = NULL;
  guint8 apdu[5 + 255];
  gsize n_blocks;
  gsize offset = 0;
  const guint8 *data;
  gsize data_length;
  guint16 sw;
  guint empty_pieces = 0;

  *ret_channel_lost = FALSE;
  n_blocks = (request_length + session->block_size - 1) / session->block_size;
  if (n_blocks > ISDR_MAX_BLOCKS)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "%s: request of %" G_GSIZE_FORMAT " bytes needs %" G_GSIZE_FORMAT
                   " STORE DATA blocks of %u bytes, at most %u fit in P2", what, request_length, n_blocks,
                   session->block_size, ISDR_MAX_BLOCKS);
      return NULL;
    }

  session->stats.es10_commands++;
  session->last_status_word = 0;

  for (gsize block = 0; block < n_blocks; block++)
    {
      gsize chunk = MIN (session->block_size, request_length - offset);
      gboolean last = block + 1 == n_blocks;

      /* Case 3 (no Le): what T=0 cards and modems expect; the response comes back through 61 xx. */
      apdu[0] = card_apdu_cla (0x80, session->channel);
      apdu[1] = INS_STORE_DATA;
      apdu[2] = last ? P1_LAST_BLOCK : P1_MORE_BLOCKS;
      apdu[3] = (guint8) block;
      apdu[4] = (guint8) chunk;
      memcpy (apdu + 5, request + offset, chunk);
      offset += chunk;

      g_clear_pointer (&response, g_bytes_unref);
      response = card_transport_transmit (session->transport, session->channel, apdu, 5 + chunk, error);
      session->stats.store_data_blocks++;
      if (response == NULL)
        {
          if (error != NULL && is_channel_gone (*error))
            {
              /* Refused by the modem: none of the request's blocks reached the card session they were for. */
              session->stats.channel_resets++;
              *ret_channel_lost = TRUE;
            }
          g_prefix_error (error, "%s: STORE DATA block %" G_GSIZE_FORMAT ": ", what, block);
          return NULL;
        }
      sw = split_response (response, &data, &data_length);
      session->last_status_word = sw;
      if (is_channel_lost (sw))
        {
          *ret_channel_lost = TRUE;
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD,
                       "%s: STORE DATA block %" G_GSIZE_FORMAT " answered %04X: the channel lost the ISD-R", what,
                       block, sw);
          return NULL;
        }
      if (!last && sw != 0x9000)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD,
                       "%s: STORE DATA block %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " answered %04X", what,
                       block, n_blocks, sw);
          return NULL;
        }
    }

  /* `response` is now the answer to the last block. */
  assembled = g_byte_array_new ();
  for (;;)
    {
      guint8 sw1;
      guint8 get_response[5];

      sw = split_response (response, &data, &data_length);
      session->last_status_word = sw;
      sw1 = (guint8) (sw >> 8);

      if (sw == 0x9000 || sw1 == 0x61 || sw1 == 0x91)
        {
          if (!append_piece (session, assembled, data, data_length, what, error))
            return NULL;
        }

      if (sw == 0x9000)
        break;
      if (sw1 == 0x91)
        {
          /* Expected after enable, rollback or fallback: the modem fetches the REFRESH and the card session
           * resets. The command itself succeeded. */
          g_debug ("%s: card answered %04X, a proactive command is pending", what, sw);
          session->proactive_pending = TRUE;
          break;
        }
      if (sw1 != 0x61 && sw1 != 0x6C)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "%s: card answered %04X", what, sw);
          return NULL;
        }

      if (data_length == 0)
        empty_pieces++;
      else
        empty_pieces = 0;
      if (empty_pieces > ISDR_MAX_EMPTY_PIECES)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD,
                       "%s: card answered %04X %u times in a row without data", what, sw, empty_pieces);
          return NULL;
        }

      /* 61 xx: xx more bytes are waiting (00 means 256 or more); 6C xx: ask again with exactly Le = xx. */
      get_response[0] = card_apdu_cla (0x00, session->channel);
      get_response[1] = INS_GET_RESPONSE;
      get_response[2] = 0x00;
      get_response[3] = 0x00;
      get_response[4] = (guint8) (sw & 0xFF);

      g_clear_pointer (&response, g_bytes_unref);
      response = card_transport_transmit (session->transport, session->channel, get_response, sizeof get_response,
                                          error);
      session->stats.get_responses++;
      if (response == NULL)
        {
          /* The command was executed and its answer is gone with the card session: it is not sent again. */
          if (error != NULL && is_channel_gone (*error))
            session->stats.channel_resets++;
          g_prefix_error (error, "%s: GET RESPONSE: ", what);
          return NULL;
        }
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&assembled));
}

GBytes *
isdr_session_es10 (IsdrSession *session, const guint8 *request, gsize request_length, GError **error)
{
  g_autofree gchar *what = NULL;
  g_autoptr(GError) lost_error = NULL;
  GBytes *response;
  gboolean channel_lost = FALSE;

  g_return_val_if_fail (session != NULL, NULL);
  g_return_val_if_fail (request != NULL || request_length == 0, NULL);

  what = describe_request (request, request_length);
  if (request_length == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "ES10 request is empty");
      return NULL;
    }
  if (session->reopen_needed || !session->channel_open)
    {
      if (!reopen (session, session->proactive_pending ? "after a proactive command (REFRESH)" : "after an error",
                   error))
        {
          g_prefix_error (error, "%s: ", what);
          return NULL;
        }
      session->proactive_pending = FALSE;
    }

  response = es10_attempt (session, request, request_length, what, &channel_lost, &lost_error);
  /* Only a whole ES10 function (a BFxx request) is sent again: the later segments of a bound profile package
   * (A0, A1, 88, 86 ...) belong to the card session the lost channel had, and mean nothing on a new one. */
  if (response == NULL && channel_lost && request[0] == 0xBF)
    {
      /* The command never reached the ISD-R: sending it again on a fresh channel is safe. */
      if (!reopen (session, lost_error->message, error))
        {
          g_prefix_error (error, "%s: ", what);
          return NULL;
        }
      g_clear_error (&lost_error);
      response = es10_attempt (session, request, request_length, what, &channel_lost, &lost_error);
      if (response == NULL && channel_lost)
        session->reopen_needed = TRUE;
    }
  if (response == NULL)
    {
      if (is_transport_failure (lost_error))
        session->stats.transport_failures++;
      if (channel_lost || is_transport_failure (lost_error) || is_channel_gone (lost_error))
        session->reopen_needed = TRUE;
      g_propagate_error (error, g_steal_pointer (&lost_error));
      return NULL;
    }
  /* A REFRESH follows a 91 xx: the card session resets, so the next command starts on a new channel. */
  if (session->proactive_pending)
    session->reopen_needed = TRUE;
  return response;
}

GBytes *
isdr_session_es10_bytes (IsdrSession *session, GBytes *request, GError **error)
{
  gsize length = 0;
  const guint8 *data;

  g_return_val_if_fail (request != NULL, NULL);
  data = g_bytes_get_data (request, &length);
  return isdr_session_es10 (session, data, length, error);
}

GBytes *
isdr_session_get_select_response (IsdrSession *session)
{
  return session->select_response;
}

const IsdrSessionStats *
isdr_session_get_stats (IsdrSession *session)
{
  return &session->stats;
}

CardTransport *
isdr_session_get_transport (IsdrSession *session)
{
  return session->transport;
}

void
isdr_session_set_max_response_length (IsdrSession *session, gsize max_length)
{
  session->max_response_length = max_length;
}

guint8
isdr_session_get_channel (IsdrSession *session)
{
  return session->channel;
}

guint16
isdr_session_get_last_status_word (IsdrSession *session)
{
  return session->last_status_word;
}

gboolean
isdr_session_refused_as_unknown (IsdrSession *session, const GError *error)
{
  if (error == NULL || !g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_CARD))
    return FALSE;
  switch (session->last_status_word)
    {
    case 0x6A80:
    case 0x6A81:
    case 0x6A86:
    case 0x6A88:
    case 0x6D00:
      return TRUE;
    default:
      return FALSE;
    }
}

void
isdr_session_close (IsdrSession *session)
{
  if (session == NULL)
    return;
  close_channel (session);
  g_clear_pointer (&session->select_response, g_bytes_unref);
  g_free (session);
}
