/* SPDX-License-Identifier: Apache-2.0 */
/* The eUICC through a modem's AT command port (3GPP TS 27.007): AT+CCHO opens a logical channel on an AID,
 * AT+CGLA carries APDUs on it, AT+CCHC closes it. Many IoT modules offer no other way in. The port is a tty
 * driven with poll() so every command has a deadline; the answer is read by the pure parser in
 * card-at-parser.c.
 *
 * Channel numbers: AT+CGLA addresses the channel by the modem's session id, and the modem sets the channel
 * bits of the CLA byte itself. The upper layers still want a channel number for the CLA, so open_channel
 * hands back the session id itself when it is a valid logical channel (1..19, which is what modules that
 * use the card's channel number as session id give), and otherwise the lowest channel number 1..19 not in
 * use; transmit and close map it back to the session id.
 *
 * Modules that refuse logical channels: when AT+CCHO is refused again after the channels a dead process may
 * have left were closed (the ISD-R session does that on the first refusal), the ISD-R is selected on the basic
 * channel through AT+CSIM and the ES10 commands travel there (channel 0, CLA 80). The basic channel is the one
 * the module's own telephony stack uses: selecting the ISD-R there deselects its USIM application until the
 * next SELECT, and the module may select something else between two of our commands (the ISD-R session then
 * sees 6985 and selects the ISD-R again). It is a last resort, logged as such. When AT+CSIM fails too, the
 * error names both answers. The caller may remember the finding for the device
 * (CardTransportOptions.basic_channel_known), so the next transport starts on the basic channel.
 *
 * Timeouts: the port set-up and AT+CCHO (and the SELECT on the basic channel) get [Card] OpenTimeout (15 s by
 * default: a module re-initialising its SIM after a REFRESH answers within a few seconds, and a slow UART at
 * 9600 baud still carries a command in well under one), each AT+CGLA / AT+CSIM gets [Card] ApduTimeout (30 s
 * by default: loading one profile package segment, which makes the card derive keys or write its flash, has
 * taken several seconds on slow modules, and whole loads of 26 s and 89 s were reported over AT). */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "card/card-at-parser.h"
#include "card/card-apdu-log.h"
#include "card/card-transport.h"
#include "euiccd-error.h"
#include "euiccd-log-policy.h"

#define CARD_AT_DEFAULT_BAUD 115200
#define CARD_AT_MAX_CHANNELS 8
#define CARD_AT_MAX_CHANNEL_NUMBER 19
/* free() closes channels left open, but must not hang on a dead modem. */
#define CARD_AT_CLOSE_ON_FREE_TIMEOUT_MS 1000
/* How long the port must stay silent after the first OK, and how often ATE0 is tried for that. */
#define AT_SETTLE_MS 100
#define AT_SETTLE_ATTEMPTS 5

typedef struct {
  gboolean used;
  guint8 channel;
  guint32 session_id;
} CardAtChannel;

typedef struct {
  CardTransport parent;
  int fd;
  gchar *path;
  CardAtParser *parser;
  CardAtChannel channels[CARD_AT_MAX_CHANNELS];
  guint ccho_refusals;
  gchar *ccho_answer;     /* the module's answer to the last refused AT+CCHO */
  gboolean basic_mode;    /* AT+CCHO refused: the ISD-R is on the basic channel, through AT+CSIM */
} CardAt;

typedef struct {
  guint baud;
  speed_t speed;
} CardAtBaud;

static const CardAtBaud baud_rates[] = {
  { 9600, B9600 },       { 19200, B19200 },     { 38400, B38400 },     { 57600, B57600 },
  { 115200, B115200 },   { 230400, B230400 },   { 460800, B460800 },   { 500000, B500000 },
  { 576000, B576000 },   { 921600, B921600 },   { 1000000, B1000000 }, { 1152000, B1152000 },
  { 1500000, B1500000 }, { 2000000, B2000000 }, { 3000000, B3000000 }, { 4000000, B4000000 },
};

static gint64
deadline_after (guint timeout_ms)
{
  return g_get_monotonic_time () + (gint64) timeout_ms * 1000;
}

/* Milliseconds left until `deadline`, rounded up so a poll() never spins at 0 while time remains. */
static int
remaining_ms (gint64 deadline)
{
  gint64 left = deadline - g_get_monotonic_time ();

  if (left <= 0)
    return 0;
  return (int) MIN ((left + 999) / 1000, (gint64) G_MAXINT);
}

static gboolean
write_all (CardAt *self, const gchar *what, const guint8 *data, gsize length, gint64 deadline, guint timeout_ms,
           GError **error)
{
  gsize done = 0;

  while (done < length)
    {
      ssize_t n = write (self->fd, data + done, length - done);

      if (n > 0)
        {
          done += (gsize) n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          struct pollfd pfd = { .fd = self->fd, .events = POLLOUT };
          int ready;
          int timeout = remaining_ms (deadline);

          if (timeout == 0)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TIMEOUT,
                           "%s on %s: port did not take the command within %u ms", what, self->path, timeout_ms);
              return FALSE;
            }
          ready = poll (&pfd, 1, timeout);
          if (ready < 0 && errno != EINTR)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s on %s: poll: %s", what, self->path,
                           g_strerror (errno));
              return FALSE;
            }
          continue;
        }
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s on %s: write: %s", what, self->path,
                   n < 0 ? g_strerror (errno) : "nothing written");
      return FALSE;
    }
  return TRUE;
}

/* Throws away whatever the modem sent while nobody was asking (unsolicited lines, a late answer to a command
 * that timed out) so it cannot be read as the answer to the next command. */
static void
drain_input (CardAt *self)
{
  guint8 scratch[1024];

  for (;;)
    {
      ssize_t n = read (self->fd, scratch, sizeof scratch);
      if (n > 0)
        continue;
      if (n < 0 && errno == EINTR)
        continue;
      break;
    }
  card_at_parser_reset (self->parser);
}

/* Whether the modem stays silent for `quiet_ms`. A late answer to a command another process sent before it
 * died (the modem still ran it) arrives before the answer to our first command, so our first OK may have been
 * that answer's: if more arrives right after, the port is not yet in step. */
static gboolean
port_is_quiet (CardAt *self, int quiet_ms)
{
  struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
  int ready;

  do
    ready = poll (&pfd, 1, quiet_ms);
  while (ready < 0 && errno == EINTR);
  return ready == 0;
}

/* The command as a log line may show it: the APDU inside AT+CGLA / AT+CSIM carries personal data and is
 * logged (through the redaction policy) by card_transport_transmit(), so only the command's head shows
 * here. */
static gchar *
shown_command (const gchar *command)
{
  const gchar *quote = strchr (command, '"');

  if ((g_str_has_prefix (command, "AT+CGLA=") || g_str_has_prefix (command, "AT+CSIM=")) && quote != NULL)
    return g_strdup_printf ("%.*s\"<APDU>\"", (int) (quote - command), command);
  return g_strdup (command);
}

static gchar *
shown_info (const gchar *prefix, const gchar *info)
{
  if (g_strcmp0 (prefix, "+CGLA:") == 0 || g_strcmp0 (prefix, "+CSIM:") == 0)
    return g_strdup_printf ("<response, %" G_GSIZE_FORMAT " characters>", strlen (info));
  return g_strdup (info);
}

/* Sends one command and waits for its final result. *ret_info receives the information response (without
 * prefix) or NULL; it is owned by the caller. *ret_refused, when given, tells a modem's ERROR answer apart from
 * a failing port or a timeout. */
static gboolean
at_command_full (CardAt *self, const gchar *command, const gchar *prefix, gboolean bare_number_allowed,
                 guint timeout_ms, gchar **ret_info, gboolean *ret_refused, GError **error)
{
  g_autofree gchar *line = g_strconcat (command, "\r", NULL);
  g_autofree gchar *what = NULL;
  const gchar *end = strpbrk (command, "=?");
  gint64 deadline = deadline_after (timeout_ms);

  what = end != NULL ? g_strndup (command, (gsize) (end - command)) : g_strdup (command);
  if (euiccd_log_debug_enabled (G_LOG_DOMAIN))
    {
      g_autofree gchar *shown = shown_command (command);
      g_debug ("AT %s > %s", self->path, shown);
    }

  drain_input (self);
  card_at_parser_begin (self->parser, command, prefix, bare_number_allowed);
  if (!write_all (self, what, (const guint8 *) line, strlen (line), deadline, timeout_ms, error))
    return FALSE;

  for (;;)
    {
      struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
      guint8 buffer[4096];
      int timeout = remaining_ms (deadline);
      int ready;
      ssize_t n;
      CardAtParseStatus status;

      if (timeout == 0)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TIMEOUT, "%s on %s: no answer within %u ms", what,
                       self->path, timeout_ms);
          card_at_parser_reset (self->parser);
          return FALSE;
        }
      ready = poll (&pfd, 1, timeout);
      if (ready < 0)
        {
          if (errno == EINTR)
            continue;
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s on %s: poll: %s", what, self->path,
                       g_strerror (errno));
          return FALSE;
        }
      if (ready == 0)
        continue;

      /* Read even on POLLHUP/POLLERR: the last answer may still be waiting before the end. */
      n = read (self->fd, buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        continue;
      if (n <= 0)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s on %s: modem port closed (%s)", what,
                       self->path, n < 0 ? g_strerror (errno) : "end of file");
          return FALSE;
        }

      status = card_at_parser_feed (self->parser, buffer, (gsize) n, error);
      if (status == CARD_AT_PARSE_ERROR)
        {
          if (ret_refused != NULL)
            *ret_refused = TRUE;
          return FALSE;
        }
      if (status == CARD_AT_PARSE_DONE)
        {
          const gchar *info = card_at_parser_get_info (self->parser);

          if (info != NULL)
            {
              g_autofree gchar *shown = shown_info (prefix, info);
              g_debug ("AT %s < %s %s, OK", self->path, prefix != NULL ? prefix : "", shown);
            }
          else
            g_debug ("AT %s < OK", self->path);
          if (ret_info != NULL)
            *ret_info = g_strdup (info);
          return TRUE;
        }
    }
}

static gboolean
at_command (CardAt *self, const gchar *command, const gchar *prefix, gboolean bare_number_allowed,
            guint timeout_ms, gchar **ret_info, GError **error)
{
  return at_command_full (self, command, prefix, bare_number_allowed, timeout_ms, ret_info, NULL, error);
}

static CardAtChannel *
find_channel (CardAt *self, guint8 channel)
{
  for (guint i = 0; i < CARD_AT_MAX_CHANNELS; i++)
    if (self->channels[i].used && self->channels[i].channel == channel)
      return &self->channels[i];
  return NULL;
}

/* See the top of the file for why the session id doubles as the channel number when it can. */
static guint8
choose_channel_number (CardAt *self, guint32 session_id)
{
  if (session_id >= 1 && session_id <= CARD_AT_MAX_CHANNEL_NUMBER && find_channel (self, (guint8) session_id) == NULL)
    return (guint8) session_id;
  for (guint8 channel = 1; channel <= CARD_AT_MAX_CHANNEL_NUMBER; channel++)
    if (find_channel (self, channel) == NULL)
      return channel;
  return 0;
}

static gboolean
close_session (CardAt *self, guint32 session_id, guint timeout_ms, GError **error)
{
  g_autofree gchar *command = card_at_format_cchc (session_id);

  return at_command (self, command, NULL, FALSE, timeout_ms, NULL, error);
}

/* One APDU on the basic channel, sent as given; logged and counted like the others. */
static GBytes *
csim_transmit (CardAt *self, const guint8 *apdu, gsize apdu_length, guint timeout_ms, gboolean *ret_refused,
               GError **error)
{
  g_autofree gchar *command = card_at_format_csim (apdu, apdu_length);
  g_autofree gchar *info = NULL;

  if (!at_command_full (self, command, "+CSIM:", FALSE, timeout_ms, &info, ret_refused, error))
    return NULL;
  return card_at_parse_csim (info, error);
}

/* SELECT by AID on the basic channel (P2 04, no Le, as on the logical channels). */
static gboolean
open_basic_channel (CardAt *self, const guint8 *aid, gsize aid_length, guint8 *ret_channel, GError **error)
{
  CardTransport *transport = &self->parent;
  g_autoptr(GError) csim_error = NULL;
  g_autoptr(GBytes) response = NULL;
  guint8 select[5 + 16] = { 0x00, 0xA4, 0x04, 0x04, (guint8) aid_length };
  const guint8 *data;
  gsize length = 0;
  guint16 sw;

  memcpy (select + 5, aid, aid_length);
  card_transport_log_command (transport, 0, select, 5 + aid_length, NULL);
  response = csim_transmit (self, select, 5 + aid_length, transport->options.open_timeout_ms, NULL, &csim_error);
  if (response == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED,
                   "the module on %s offers no way to the eUICC: %s, and on the basic channel %s", self->path,
                   self->ccho_answer != NULL ? self->ccho_answer : "AT+CCHO refused", csim_error->message);
      return FALSE;
    }
  data = g_bytes_get_data (response, &length);
  card_transport_log_response (transport, 0, select[1], data, length);
  card_transport_count_apdu (transport, 5 + aid_length, length);
  sw = (guint16) (data[length - 2] << 8 | data[length - 1]);
  if (sw != 0x9000 && (sw >> 8) != 0x61)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD,
                   "%s: %s, and the SELECT of the ISD-R through AT+CSIM answered %04X%s", self->path,
                   self->ccho_answer != NULL ? self->ccho_answer : "AT+CCHO refused", sw,
                   sw == 0x6A82 ? ": no ISD-R on this card (not an eUICC)" : "");
      return FALSE;
    }
  if (!self->basic_mode)
    g_warning ("AT %s: no logical channel to be had (%s): using the basic channel through AT+CSIM", self->path,
               self->ccho_answer != NULL ? self->ccho_answer : "AT+CCHO refused");
  self->basic_mode = TRUE;
  transport->basic_channel = TRUE;
  *ret_channel = 0;
  return TRUE;
}

static gboolean
card_at_open_channel (CardTransport *transport, const guint8 *aid, gsize aid_length, guint8 *ret_channel,
                      GBytes **ret_select_response, GError **error)
{
  CardAt *self = (CardAt *) transport;
  g_autofree gchar *command = NULL;
  g_autofree gchar *info = NULL;
  g_autoptr(GError) local_error = NULL;
  CardAtChannel *slot = NULL;
  guint32 session_id = 0;
  gboolean refused = FALSE;
  guint8 channel;

  if (aid == NULL || aid_length == 0 || aid_length > 16)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "AID of %" G_GSIZE_FORMAT " bytes: expected 1 to 16", aid != NULL ? aid_length : 0);
      return FALSE;
    }

  /* AT+CCHO does not return the SELECT response, nor does the basic channel here. */
  if (ret_select_response != NULL)
    *ret_select_response = NULL;
  if (self->basic_mode)
    return open_basic_channel (self, aid, aid_length, ret_channel, error);

  command = card_at_format_ccho (aid, aid_length);
  if (!at_command_full (self, command, "+CCHO:", TRUE, transport->options.open_timeout_ms, &info, &refused,
                        &local_error))
    {
      /* SIM busy (27.007 code 14): the module is still re-initialising the card (after a REFRESH); a passing
       * state, not a refusal of logical channels, so it fails as the transport does and is tried again. */
      if (!refused || strstr (local_error->message, "ERROR: 14") != NULL
          || strstr (local_error->message, "ERROR: SIM busy") != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_free (self->ccho_answer);
      self->ccho_answer = g_strdup (local_error->message);
      /* 27.007 has no code for "no channel left", and modules answer it with assorted CME errors: the first
       * refusal may be that, so the caller may reclaim stale channels and try once more. A second one means
       * the module gives no logical channel at all. +CME ERROR: 22 (not found) is no such thing: the card has
       * no such application (a plain UICC), which the SELECT on the basic channel tells at once. */
      if (++self->ccho_refusals >= 2 || strstr (local_error->message, "ERROR: 22") != NULL
          || strstr (local_error->message, "ERROR: not found") != NULL)
        return open_basic_channel (self, aid, aid_length, ret_channel, error);
      local_error->code = EUICCD_ERROR_BUSY;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!card_at_parse_ccho (info, &session_id, error))
    return FALSE;

  for (guint i = 0; i < CARD_AT_MAX_CHANNELS && slot == NULL; i++)
    if (!self->channels[i].used)
      slot = &self->channels[i];
  channel = choose_channel_number (self, session_id);
  if (slot == NULL || channel == 0)
    {
      if (!close_session (self, session_id, transport->options.open_timeout_ms, &local_error))
        g_warning ("Closing AT session %" G_GUINT32_FORMAT " again: %s", session_id, local_error->message);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_BUSY, "AT+CCHO on %s: already %u channels open", self->path,
                   CARD_AT_MAX_CHANNELS);
      return FALSE;
    }

  slot->used = TRUE;
  slot->channel = channel;
  slot->session_id = session_id;
  g_debug ("AT %s: session %" G_GUINT32_FORMAT " is channel %u", self->path, session_id, channel);
  card_transport_note_modem_open (transport, channel, aid, aid_length, 0x00, 0x9000);
  *ret_channel = channel;
  return TRUE;
}

static GBytes *
card_at_transmit (CardTransport *transport, guint8 channel, const guint8 *apdu, gsize apdu_length, GError **error)
{
  CardAt *self = (CardAt *) transport;
  CardAtChannel *slot = find_channel (self, channel);
  g_autofree gchar *command = NULL;
  g_autofree gchar *info = NULL;
  gboolean refused = FALSE;

  if (channel == 0 && self->basic_mode && apdu_length >= 4)
    return csim_transmit (self, apdu, apdu_length, transport->options.apdu_timeout_ms, NULL, error);
  if (slot == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "channel %u is not open on %s", channel,
                   self->path);
      return NULL;
    }
  if (apdu_length < 4)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "APDU of %" G_GSIZE_FORMAT " bytes: at least CLA INS P1 P2 needed", apdu_length);
      return NULL;
    }

  command = card_at_format_cgla (slot->session_id, apdu, apdu_length);
  if (!at_command_full (self, command, "+CGLA:", FALSE, transport->options.apdu_timeout_ms, &info, &refused, error))
    {
      /* +CME ERROR: 21 (invalid index): the module no longer knows the session, its SIM reset on its own (no
       * REFRESH seen here), and the APDU never reached the card. The session is forgotten. */
      if (refused && error != NULL && *error != NULL
          && (strstr ((*error)->message, "ERROR: 21") != NULL || strstr ((*error)->message, "invalid index") != NULL))
        {
          slot->used = FALSE;
          (*error)->code = EUICCD_ERROR_CHANNEL_GONE;
          g_prefix_error (error, "session %" G_GUINT32_FORMAT " (channel %u) is no longer open on the module: ",
                          slot->session_id, channel);
        }
      return NULL;
    }
  return card_at_parse_cgla (info, error);
}

static gboolean
card_at_close_channel (CardTransport *transport, guint8 channel, GError **error)
{
  CardAt *self = (CardAt *) transport;
  CardAtChannel *slot = find_channel (self, channel);
  guint32 session_id;

  /* The basic channel is never closed; the ISD-R stays selected there until something else is. */
  if (channel == 0 && self->basic_mode)
    return TRUE;
  if (slot == NULL)
    {
      /* Not opened by this process: a channel a dead one left behind, known by the number it was given,
       * which is its session id on the modules that number sessions by channel. */
      session_id = channel;
    }
  else
    {
      /* Forget the channel whatever the modem answers: a session it refuses to close is of no further use. */
      session_id = slot->session_id;
      slot->used = FALSE;
    }
  if (!close_session (self, session_id, transport->options.apdu_timeout_ms, error))
    return FALSE;
  card_transport_note_modem_close (transport, channel);
  return TRUE;
}

static void
card_at_free (CardTransport *transport)
{
  CardAt *self = (CardAt *) transport;

  if (self->fd >= 0)
    {
      for (guint i = 0; i < CARD_AT_MAX_CHANNELS; i++)
        {
          g_autoptr(GError) error = NULL;

          if (!self->channels[i].used)
            continue;
          self->channels[i].used = FALSE;
          if (!close_session (self, self->channels[i].session_id, CARD_AT_CLOSE_ON_FREE_TIMEOUT_MS, &error))
            g_debug ("Closing AT session %" G_GUINT32_FORMAT " on %s: %s", self->channels[i].session_id,
                     self->path, error->message);
        }
      close (self->fd);
    }
  card_at_parser_free (self->parser);
  g_free (self->ccho_answer);
  g_free (self->path);
  g_free (self);
}

static const CardTransportOps card_at_ops = {
  .name = "at",
  .open_channel = card_at_open_channel,
  .transmit = card_at_transmit,
  .close_channel = card_at_close_channel,
  .free = card_at_free,
};

/* "PATH" or "PATH@BAUD". */
static gboolean
parse_device (const gchar *device, gchar **ret_path, speed_t *ret_speed, GError **error)
{
  const gchar *at = strrchr (device, '@');
  guint64 baud = CARD_AT_DEFAULT_BAUD;

  if (at != NULL)
    {
      if (!g_ascii_string_to_unsigned (at + 1, 10, 1, G_MAXUINT32, &baud, NULL))
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "'%s': baud rate '%s' is not a number",
                       device, at + 1);
          return FALSE;
        }
    }
  *ret_path = at != NULL ? g_strndup (device, (gsize) (at - device)) : g_strdup (device);
  if (**ret_path == '\0')
    {
      g_clear_pointer (ret_path, g_free);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "'%s': no serial port given (expected at:/dev/ttyUSB2 or at:/dev/ttyUSB2@115200)", device);
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (baud_rates); i++)
    {
      if (baud_rates[i].baud == baud)
        {
          *ret_speed = baud_rates[i].speed;
          return TRUE;
        }
    }
  g_clear_pointer (ret_path, g_free);
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "'%s': unsupported baud rate %" G_GUINT64_FORMAT,
               device, baud);
  return FALSE;
}

static gboolean
configure_port (CardAt *self, speed_t speed, GError **error)
{
  struct termios tio;

  if (tcgetattr (self->fd, &tio) != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s is not a serial port: %s", self->path,
                   g_strerror (errno));
      return FALSE;
    }
  /* Raw bytes both ways: no echo, no CR/LF translation, no flow control characters, no modem-control hangup. */
  cfmakeraw (&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cflag &= ~(tcflag_t) CRTSCTS;
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  if (cfsetispeed (&tio, speed) != 0 || cfsetospeed (&tio, speed) != 0 || tcsetattr (self->fd, TCSANOW, &tio) != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "configuring serial port %s: %s", self->path,
                   g_strerror (errno));
      return FALSE;
    }
  tcflush (self->fd, TCIOFLUSH);
  return TRUE;
}

CardTransport *
card_at_open (const gchar *device, const CardTransportOptions *options, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  CardAt *self;
  speed_t speed = B115200;
  gchar *path = NULL;
  gboolean refused = FALSE;
  int fd;

  g_return_val_if_fail (device != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  if (!parse_device (device, &path, &speed, error))
    return NULL;

  /* Non-blocking: open() must not wait for carrier, and every read/write goes through poll() with a deadline. */
  fd = open (path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, EUICCD_ERROR, saved_errno == ENOENT ? EUICCD_ERROR_NOT_FOUND : EUICCD_ERROR_TRANSPORT,
                   "opening serial port %s: %s", path, g_strerror (saved_errno));
      g_free (path);
      return NULL;
    }

  self = g_new0 (CardAt, 1);
  self->parent.ops = &card_at_ops;
  self->parent.options = *options;
  self->parent.device = g_strdup (device);
  self->fd = fd;
  self->path = path;
  self->parser = card_at_parser_new (0);
  /* The module refused AT+CCHO to an earlier transport: asking again at every session would cost two refused
   * AT+CCHO and the closing of 19 channels each time. */
  if (options->basic_channel_known)
    {
      g_debug ("AT %s: logical channels refused earlier on this module: the basic channel, through AT+CSIM", path);
      self->basic_mode = TRUE;
      self->parent.basic_channel = TRUE;
      self->ccho_answer = g_strdup ("AT+CCHO refused earlier on this module");
    }

  if (!configure_port (self, speed, error))
    {
      card_transport_free (&self->parent);
      return NULL;
    }

  /* Echo off first so answers are not mixed with our own commands (the parser copes either way); repeated
   * until nothing follows its OK, so that the answers of a process that died mid-command are not taken for
   * ours. */
  for (guint attempt = 1;; attempt++)
    {
      if (!at_command (self, "ATE0", NULL, FALSE, options->open_timeout_ms, NULL, error))
        {
          g_prefix_error (error, "setting up the modem on %s: ", path);
          card_transport_free (&self->parent);
          return NULL;
        }
      if (port_is_quiet (self, AT_SETTLE_MS))
        break;
      if (attempt == AT_SETTLE_ATTEMPTS)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT,
                       "setting up the modem on %s: the port keeps sending after ATE0 (%u attempts)", path, attempt);
          card_transport_free (&self->parent);
          return NULL;
        }
      g_debug ("AT %s: more output after ATE0's OK, a late answer to an earlier command: resynchronising", path);
    }
  /* Numeric +CME ERROR codes make failures nameable; a module without AT+CMEE still works with bare ERROR. */
  if (!at_command_full (self, "AT+CMEE=1", NULL, FALSE, options->open_timeout_ms, NULL, &refused, &local_error))
    {
      if (!refused)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "setting up the modem on %s: ", path);
          card_transport_free (&self->parent);
          return NULL;
        }
      g_debug ("AT %s: AT+CMEE=1 refused, continuing: %s", path, local_error->message);
    }

  return &self->parent;
}
