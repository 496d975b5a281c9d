/* SPDX-License-Identifier: Apache-2.0 */
/* Line splitting and classification of AT answers, kept free of I/O so every quirk of a serial port
 * (split reads, echo, unsolicited lines, noise) can be fed to it byte by byte in unit tests. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <string.h>

#include "card/card-at-parser.h"
#include "der/der.h"
#include "euiccd-error.h"

struct _CardAtParser {
  gsize max_line_length;
  GByteArray *buffer;     /* received bytes; those before `consumed` are already handled */
  gsize consumed;
  gboolean discarding;    /* inside an overlong line: drop bytes up to the next line end */
  gchar *command_name;    /* "AT+CGLA", for errors */
  gchar *prefix;          /* awaited information response prefix, or NULL */
  gboolean bare_number_allowed;
  gchar *info;
  guint skipped;
};

CardAtParser *
card_at_parser_new (gsize max_line_length)
{
  CardAtParser *parser = g_new0 (CardAtParser, 1);

  parser->max_line_length = max_line_length > 0 ? max_line_length : CARD_AT_LINE_MAX_DEFAULT;
  parser->buffer = g_byte_array_new ();
  parser->command_name = g_strdup ("AT");
  return parser;
}

void
card_at_parser_free (CardAtParser *parser)
{
  if (parser == NULL)
    return;
  g_byte_array_unref (parser->buffer);
  g_free (parser->command_name);
  g_free (parser->prefix);
  g_free (parser->info);
  g_free (parser);
}

static void
compact (CardAtParser *parser)
{
  if (parser->consumed == 0)
    return;
  g_byte_array_remove_range (parser->buffer, 0, (guint) parser->consumed);
  parser->consumed = 0;
}

void
card_at_parser_begin (CardAtParser *parser, const gchar *command, const gchar *prefix,
                      gboolean bare_number_allowed)
{
  const gchar *end;
  gsize last_end = 0;
  gboolean have_line_end = FALSE;

  g_return_if_fail (parser != NULL);
  g_return_if_fail (command != NULL);

  /* Complete lines still buffered arrived before this command was sent, so they cannot be its answer (a
   * late OK from an earlier command must not end this one). A trailing partial line may be the start of
   * something still arriving and is kept. */
  for (gsize i = parser->consumed; i < parser->buffer->len; i++)
    {
      if (parser->buffer->data[i] == '\r' || parser->buffer->data[i] == '\n')
        {
          last_end = i + 1;
          have_line_end = TRUE;
        }
    }
  if (have_line_end)
    {
      parser->consumed = last_end;
      parser->discarding = FALSE;
    }
  compact (parser);

  end = strpbrk (command, "=?");
  g_free (parser->command_name);
  parser->command_name = end != NULL ? g_strndup (command, (gsize) (end - command)) : g_strdup (command);
  g_free (parser->prefix);
  parser->prefix = g_strdup (prefix);
  parser->bare_number_allowed = bare_number_allowed;
  g_clear_pointer (&parser->info, g_free);
  parser->skipped = 0;
}

void
card_at_parser_reset (CardAtParser *parser)
{
  g_return_if_fail (parser != NULL);
  g_byte_array_set_size (parser->buffer, 0);
  parser->consumed = 0;
  parser->discarding = FALSE;
  g_clear_pointer (&parser->info, g_free);
  parser->skipped = 0;
}

const gchar *
card_at_parser_get_info (CardAtParser *parser)
{
  g_return_val_if_fail (parser != NULL, NULL);
  return parser->info;
}

guint
card_at_parser_get_skipped (CardAtParser *parser)
{
  g_return_val_if_fail (parser != NULL, 0);
  return parser->skipped;
}

static gboolean
is_decimal (const gchar *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

static gboolean
has_prefix_nocase (const gchar *line, const gchar *prefix)
{
  return g_ascii_strncasecmp (line, prefix, strlen (prefix)) == 0;
}

/* Classifies one line (text only, no line end, blanks stripped, not empty). */
static CardAtParseStatus
handle_line (CardAtParser *parser, gchar *line, GError **error)
{
  if (strcmp (line, "OK") == 0)
    return CARD_AT_PARSE_DONE;
  if (strcmp (line, "ERROR") == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s: modem answered ERROR", parser->command_name);
      return CARD_AT_PARSE_ERROR;
    }
  if (has_prefix_nocase (line, "+CME ERROR:") || has_prefix_nocase (line, "+CMS ERROR:"))
    {
      /* Numeric with AT+CMEE=1, text with AT+CMEE=2: either way the modem's own words go in the message. */
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s: modem answered %.4s ERROR: %s",
                   parser->command_name, line, g_strstrip (line + strlen ("+CME ERROR:")));
      return CARD_AT_PARSE_ERROR;
    }
  if (parser->info == NULL && parser->prefix != NULL && has_prefix_nocase (line, parser->prefix))
    {
      parser->info = g_strdup (g_strchug (line + strlen (parser->prefix)));
      return CARD_AT_PARSE_MORE;
    }
  if (parser->info == NULL && parser->bare_number_allowed && is_decimal (line))
    {
      parser->info = g_strdup (line);
      return CARD_AT_PARSE_MORE;
    }
  /* Echo of the command, an unsolicited result code, or noise. */
  g_debug ("AT: skipping '%s' while waiting for %s", line, parser->command_name);
  parser->skipped++;
  return CARD_AT_PARSE_MORE;
}

CardAtParseStatus
card_at_parser_feed (CardAtParser *parser, const guint8 *data, gsize length, GError **error)
{
  g_return_val_if_fail (parser != NULL, CARD_AT_PARSE_ERROR);

  if (length > 0)
    g_byte_array_append (parser->buffer, data, (guint) length);

  for (;;)
    {
      gsize available = parser->buffer->len - parser->consumed;
      /* An empty GByteArray may have no storage at all, and NULL + 0 is undefined. */
      const guint8 *start = available > 0 ? parser->buffer->data + parser->consumed : NULL;
      gsize line_length = 0;
      g_autofree gchar *line = NULL;
      gsize kept = 0;
      CardAtParseStatus status;

      while (line_length < available && start[line_length] != '\r' && start[line_length] != '\n')
        line_length++;

      if (line_length == available)
        {
          /* No line end yet. Keep the partial line unless it already outgrew any sane answer. */
          if (available > parser->max_line_length)
            {
              if (!parser->discarding)
                parser->skipped++;
              parser->discarding = TRUE;
              parser->consumed = parser->buffer->len;
            }
          compact (parser);
          return CARD_AT_PARSE_MORE;
        }

      parser->consumed += line_length + 1;
      if (parser->discarding)
        {
          /* The tail of an overlong line. */
          parser->discarding = FALSE;
          continue;
        }
      if (line_length > parser->max_line_length)
        {
          parser->skipped++;
          continue;
        }

      /* Only printable ASCII survives: line noise and NULs around a real answer must not hide it. */
      line = g_malloc (line_length + 1);
      for (gsize i = 0; i < line_length; i++)
        if ((start[i] >= 0x20 && start[i] < 0x7F) || start[i] == '\t')
          line[kept++] = (gchar) start[i];
      line[kept] = '\0';
      g_strstrip (line);
      if (line[0] == '\0')
        {
          if (line_length > 0)
            parser->skipped++;
          continue;
        }

      status = handle_line (parser, line, error);
      if (status != CARD_AT_PARSE_MORE)
        {
          compact (parser);
          return status;
        }
    }
}

gboolean
card_at_parse_ccho (const gchar *info, guint32 *ret_session_id, GError **error)
{
  g_autofree gchar *text = NULL;
  gchar *value;
  gsize length;
  guint64 number = 0;

  if (info == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "AT+CCHO: modem answered OK without a session id");
      return FALSE;
    }
  text = g_strstrip (g_strdup (info));
  value = text;
  length = strlen (value);
  if (length >= 2 && value[0] == '"' && value[length - 1] == '"')
    {
      value[length - 1] = '\0';
      value++;
    }
  if (!is_decimal (value) || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &number, NULL))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "AT+CCHO: session id '%s' is not a number",
                   info);
      return FALSE;
    }
  *ret_session_id = (guint32) number;
  return TRUE;
}

/* "<length>,\"<hex>\"": the payload +CGLA: and +CSIM: share; `name` is the command named in errors. */
static GBytes *
parse_apdu_response (const gchar *name, const gchar *info, GError **error)
{
  g_autofree gchar *text = NULL;
  g_autoptr(GByteArray) bytes = NULL;
  gchar *comma;
  gchar *count_text;
  gchar *hex;
  gsize hex_length;
  guint64 count = 0;

  if (info == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: modem answered OK without a response", name);
      return NULL;
    }
  text = g_strdup (info);
  comma = strchr (text, ',');
  if (comma == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: response '%.40s' lacks the ',' between length and data", name, info);
      return NULL;
    }
  *comma = '\0';
  count_text = g_strstrip (text);
  hex = g_strstrip (comma + 1);
  hex_length = strlen (hex);
  if (hex_length >= 2 && hex[0] == '"' && hex[hex_length - 1] == '"')
    {
      hex[hex_length - 1] = '\0';
      hex++;
      hex_length -= 2;
    }
  if (!is_decimal (count_text) || !g_ascii_string_to_unsigned (count_text, 10, 0, G_MAXUINT32, &count, NULL))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: length '%.20s' is not a number", name,
                   count_text);
      return NULL;
    }
  if (count != hex_length)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: length field says %" G_GUINT64_FORMAT " characters, response has %" G_GSIZE_FORMAT,
                   name, count, hex_length);
      return NULL;
    }
  if (hex_length % 2 != 0 || hex_length < 4)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: response of %" G_GSIZE_FORMAT " hex characters cannot hold a status word", name, hex_length);
      return NULL;
    }
  bytes = g_byte_array_sized_new ((guint) (hex_length / 2));
  for (gsize i = 0; i < hex_length; i += 2)
    {
      gint hi = g_ascii_xdigit_value (hex[i]);
      gint lo = g_ascii_xdigit_value (hex[i + 1]);
      guint8 b;

      if (hi < 0 || lo < 0)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "%s: response has a non-hex character at position %" G_GSIZE_FORMAT, name,
                       hi < 0 ? i : i + 1);
          return NULL;
        }
      b = (guint8) (hi << 4 | lo);
      g_byte_array_append (bytes, &b, 1);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

GBytes *
card_at_parse_cgla (const gchar *info, GError **error)
{
  return parse_apdu_response ("AT+CGLA", info, error);
}

GBytes *
card_at_parse_csim (const gchar *info, GError **error)
{
  return parse_apdu_response ("AT+CSIM", info, error);
}

gchar *
card_at_format_ccho (const guint8 *aid, gsize aid_length)
{
  GString *s = g_string_new ("AT+CCHO=\"");

  der_append_hex (s, aid, aid_length);
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

gchar *
card_at_format_cgla (guint32 session_id, const guint8 *apdu, gsize apdu_length)
{
  GString *s = g_string_sized_new (32 + 2 * apdu_length);

  g_string_printf (s, "AT+CGLA=%" G_GUINT32_FORMAT ",%" G_GSIZE_FORMAT ",\"", session_id, 2 * apdu_length);
  der_append_hex (s, apdu, apdu_length);
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

gchar *
card_at_format_csim (const guint8 *apdu, gsize apdu_length)
{
  GString *s = g_string_sized_new (32 + 2 * apdu_length);

  g_string_printf (s, "AT+CSIM=%" G_GSIZE_FORMAT ",\"", 2 * apdu_length);
  der_append_hex (s, apdu, apdu_length);
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

gchar *
card_at_format_cchc (guint32 session_id)
{
  return g_strdup_printf ("AT+CCHC=%" G_GUINT32_FORMAT, session_id);
}
