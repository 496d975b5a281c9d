/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a modem's answers to AT commands, without any I/O: bytes go in as they arrive (split anywhere),
 * complete lines come out classified. Serial ports interleave unsolicited result codes (+CREG:, RING,
 * ^SYSSTART, +QIND: ...) with the answer to the command in flight, may echo the command, and sometimes send
 * noise, so everything that is not the awaited information line or a final result is skipped. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest line kept by default: a +CGLA: answer to an extended-length APDU (65536 data bytes + SW in hex)
 * with room for the prefix and length. Longer lines are dropped whole. */
#define CARD_AT_LINE_MAX_DEFAULT (2 * (65536 + 2) + 64)

typedef enum {
  CARD_AT_PARSE_MORE,   /* no final result yet: feed more bytes */
  CARD_AT_PARSE_DONE,   /* OK seen; the information line, if any, is available */
  CARD_AT_PARSE_ERROR,  /* ERROR / +CME ERROR / +CMS ERROR seen: error is set */
} CardAtParseStatus;

typedef struct _CardAtParser CardAtParser;

/* `max_line_length`: the longest line kept, 0 for CARD_AT_LINE_MAX_DEFAULT. */
CardAtParser *card_at_parser_new (gsize max_line_length);
void card_at_parser_free (CardAtParser *parser);

/* Starts waiting for the answer to `command` (the text sent, without the CR; named in errors up to its '=').
 * `prefix` is the information response awaited ("+CCHO:", "+CGLA:") or NULL when only OK is expected.
 * With `bare_number_allowed`, a line of decimal digits alone also counts as the information response (some
 * modules answer AT+CCHO with the bare session id). Bytes already fed but not yet part of a complete line
 * are kept; complete lines left over from an earlier command were consumed with it. */
void card_at_parser_begin (CardAtParser *parser, const gchar *command, const gchar *prefix,
                           gboolean bare_number_allowed);

/* Feeds received bytes. Returns DONE or ERROR as soon as the final result line is complete; the bytes after it
 * stay buffered for the next command (as lines to skip). */
CardAtParseStatus card_at_parser_feed (CardAtParser *parser, const guint8 *data, gsize length, GError **error);

/* After DONE: the information response with its prefix and following blanks removed, or NULL if the modem
 * sent none. Owned by the parser, valid until the next begin. */
const gchar *card_at_parser_get_info (CardAtParser *parser);

/* Lines skipped since the last begin (echo, unsolicited results, garbage, overlong lines). */
guint card_at_parser_get_skipped (CardAtParser *parser);

/* Drops everything buffered (after a timeout, so a late answer to the old command is not taken for the next). */
void card_at_parser_reset (CardAtParser *parser);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CardAtParser, card_at_parser_free)

/* The value parsers for the information responses, also pure. */

/* "+CCHO: <sessionid>" payload (or the bare number): decimal, optionally quoted. */
gboolean card_at_parse_ccho (const gchar *info, guint32 *ret_session_id, GError **error);

/* "+CGLA: <length>,\"<hex>\"" payload: <length> counts hex characters and must match; the response must hold
 * at least the two status word bytes. */
GBytes *card_at_parse_cgla (const gchar *info, GError **error);
/* "+CSIM: <length>,\"<hex>\"" payload, the same form. */
GBytes *card_at_parse_csim (const gchar *info, GError **error);

/* The command texts (without CR). */
gchar *card_at_format_ccho (const guint8 *aid, gsize aid_length);
gchar *card_at_format_cgla (guint32 session_id, const guint8 *apdu, gsize apdu_length);
gchar *card_at_format_cchc (guint32 session_id);
/* AT+CSIM=<length>,"<hex>": an APDU on the basic channel, sent as given (CLA included). */
gchar *card_at_format_csim (const guint8 *apdu, gsize apdu_length);

G_END_DECLS
