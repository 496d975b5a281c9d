/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the AT answer parser (src/card/card-at-parser.c) and the +CCHO/+CGLA value parsers.
 *
 * Input layout: byte 0 chooses the awaited prefix (none, +CCHO:, +CGLA:, +CSIM:), whether a bare number counts
 * as the answer and the longest line kept (the default or a small one, so overlong lines are reached); byte 1
 * seeds how the rest is split into reads. The rest is what the modem sent.
 *
 * Besides the sanitizers' findings it checks that reads may be split anywhere: the same bytes fed in one
 * piece, in pseudo-random pieces and (for short inputs) byte by byte give the same status, information line, error and count of
 * skipped lines. Whatever information line comes out also goes through both value parsers, and so does the
 * raw input as one string. */
#include "config.h"

#include <string.h>

#include "card/card-at-parser.h"
#include "fuzz/fuzz-common.h"

typedef struct {
  CardAtParseStatus status;
  gchar *info;
  gchar *error_message;
  guint skipped;
} Outcome;

static const gchar *const prefixes[] = { NULL, "+CCHO:", "+CGLA:", "+CSIM:" };
static const gsize max_lines[] = { 0, 8, 40, 300 };

static void
outcome_clear (Outcome *outcome)
{
  g_free (outcome->info);
  g_free (outcome->error_message);
}

/* Feeds `data` in pieces whose lengths come from `seed` (0: all at once, G_MAXUINT: byte by byte) until the
 * parser reports a final result or the input ends. */
static void
run_parser (guint8 flags, guint seed, const guint8 *data, gsize length, Outcome *ret)
{
  g_autoptr(CardAtParser) parser = card_at_parser_new (max_lines[(flags >> 3) & 3]);
  g_autoptr(GError) error = NULL;
  CardAtParseStatus status = CARD_AT_PARSE_MORE;
  guint32 state = seed * 2654435761u + 1;
  gsize offset = 0;

  card_at_parser_begin (parser, "AT+CGLA=1,10,\"80CA9F7F00\"", prefixes[flags & 3], (flags & 4) != 0);
  while (status == CARD_AT_PARSE_MORE && offset < length)
    {
      gsize piece;

      if (seed == 0)
        piece = length - offset;
      else if (seed == G_MAXUINT)
        piece = 1;
      else
        {
          state = state * 1103515245u + 12345u;
          piece = 1 + (state >> 16) % 16;
        }
      piece = MIN (piece, length - offset);
      status = card_at_parser_feed (parser, data + offset, piece, &error);
      offset += piece;
    }
  if (status == CARD_AT_PARSE_MORE && length == 0)
    status = card_at_parser_feed (parser, NULL, 0, &error);

  FUZZ_CHECK ((status == CARD_AT_PARSE_ERROR) == (error != NULL));
  ret->status = status;
  ret->info = status == CARD_AT_PARSE_DONE ? g_strdup (card_at_parser_get_info (parser)) : NULL;
  ret->error_message = error != NULL ? g_strdup (error->message) : NULL;
  ret->skipped = card_at_parser_get_skipped (parser);

  /* A reset must leave a parser that starts from scratch. */
  card_at_parser_reset (parser);
  FUZZ_CHECK (card_at_parser_get_info (parser) == NULL && card_at_parser_get_skipped (parser) == 0);
}

static void
check_same (const Outcome *a, const Outcome *b)
{
  FUZZ_CHECK (a->status == b->status);
  FUZZ_CHECK (g_strcmp0 (a->info, b->info) == 0);
  FUZZ_CHECK (g_strcmp0 (a->error_message, b->error_message) == 0);
  FUZZ_CHECK (a->skipped == b->skipped);
}

static void
parse_values (const gchar *text)
{
  g_autoptr(GError) ccho_error = NULL;
  g_autoptr(GError) cgla_error = NULL;
  g_autoptr(GBytes) response = NULL;
  guint32 session_id = 0;

  if (!card_at_parse_ccho (text, &session_id, &ccho_error))
    FUZZ_CHECK (ccho_error != NULL && ccho_error->message[0] != '\0');
  response = card_at_parse_cgla (text, &cgla_error);
  FUZZ_CHECK_REFUSAL (response, cgla_error);
  if (response != NULL)
    FUZZ_CHECK (g_bytes_get_size (response) >= 2);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  Outcome whole = { 0 };
  Outcome pieces = { 0 };
  Outcome bytes = { 0 };
  guint8 flags;
  guint seed;

  if (size < 2)
    return 0;
  flags = data[0];
  seed = data[1] + 1u;
  data += 2;
  size -= 2;

  run_parser (flags, 0, data, size, &whole);
  run_parser (flags, seed, data, size, &pieces);
  check_same (&whole, &pieces);
  /* Byte by byte costs a rescan of the partial line per byte: kept to short inputs for speed. */
  if (size <= 512)
    {
      run_parser (flags, G_MAXUINT, data, size, &bytes);
      check_same (&whole, &bytes);
    }
  if (whole.status == CARD_AT_PARSE_DONE)
    parse_values (whole.info);
  outcome_clear (&whole);
  outcome_clear (&pieces);
  outcome_clear (&bytes);

  {
    g_autofree gchar *text = g_strndup ((const gchar *) data, size);

    parse_values (text);
  }
  return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}
