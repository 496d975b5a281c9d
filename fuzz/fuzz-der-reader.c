/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the DER codec. It reads every TLV the input holds, descends into every constructed
 * value, asks each primitive for every kind of value, and re-encodes what it read with the writer. Besides
 * the sanitizers' own findings it checks properties that must hold for any input:
 *  - a value getter that accepts a TLV agrees with the matching writer (INTEGER, BOOLEAN, UTF8String, named
 *    BIT STRING), so reader and writer cannot drift apart;
 *  - der_validate() accepts a constructed TLV exactly when the recursive walk does;
 *  - der_find_child() finds the first child with a tag;
 *  - an input that parses completely with minimal headers (that is, was DER) re-encodes to identical bytes,
 *    and any input that parses re-encodes to something that re-encodes to itself. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der/der.h"
#include "fuzz/fuzz-der-reader.h"

#define FUZZ_CHECK(cond)                                                                            \
  G_STMT_START                                                                                      \
  {                                                                                                 \
    if (!(cond))                                                                                    \
      {                                                                                             \
        fprintf (stderr, "fuzz-der-reader: property failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
        abort ();                                                                                   \
      }                                                                                             \
  }                                                                                                 \
  G_STMT_END

/* What the walk learnt about the input so far. */
typedef struct {
  DerWriter writer;
  gboolean minimal;  /* every header used the fewest length octets */
} Walk;

static gsize
expected_header_size (const DerTlv *tlv)
{
  gsize length_octets;

  if (tlv->length < 0x80)
    length_octets = 1;
  else if (tlv->length <= 0xFF)
    length_octets = 2;
  else if (tlv->length <= 0xFFFF)
    length_octets = 3;
  else if (tlv->length <= 0xFFFFFF)
    length_octets = 4;
  else
    length_octets = 5;
  return der_tag_size (tlv->tag) + length_octets;
}

/* The writer's encoding of one primitive must carry exactly `value`/`length` under `tag`. */
static void
check_written_value (DerWriter *writer, const DerTlv *tlv)
{
  g_autoptr(GBytes) out = der_writer_finish (writer);
  gsize out_length;
  const guint8 *out_data;
  DerTlv back;

  FUZZ_CHECK (out != NULL);
  out_data = g_bytes_get_data (out, &out_length);
  FUZZ_CHECK (der_parse_single (out_data, out_length, &back, NULL));
  FUZZ_CHECK (back.tag == tlv->tag);
  FUZZ_CHECK (back.length == tlv->length);
  FUZZ_CHECK (back.length == 0 || memcmp (back.value, tlv->value, back.length) == 0);
}

static void
exercise_primitive (const DerTlv *tlv)
{
  DerWriter writer;
  guint64 u;
  gint64 i;
  gboolean b;
  const guint8 *bits;
  gsize n_bits;
  guint unused;
  g_autofree gchar *text = NULL;

  if (der_tlv_get_uint (tlv, &u, NULL))
    {
      der_writer_init (&writer);
      der_write_uint (&writer, tlv->tag, u);
      check_written_value (&writer, tlv);
    }
  if (der_tlv_get_int (tlv, &i, NULL))
    {
      der_writer_init (&writer);
      der_write_int (&writer, tlv->tag, i);
      check_written_value (&writer, tlv);
    }
  if (der_tlv_get_bool (tlv, &b, NULL))
    {
      FUZZ_CHECK (b == (tlv->value[0] != 0));
      /* DER has one encoding per value; BER's other non-zero octets read as TRUE but are not written. */
      if (tlv->value[0] == 0x00 || tlv->value[0] == 0xFF)
        {
          der_writer_init (&writer);
          der_write_bool (&writer, tlv->tag, b);
          check_written_value (&writer, tlv);
        }
    }
  text = der_tlv_dup_utf8 (tlv, NULL);
  if (text != NULL)
    {
      FUZZ_CHECK (strlen (text) == tlv->length);
      der_writer_init (&writer);
      der_write_utf8 (&writer, tlv->tag, text);
      check_written_value (&writer, tlv);
    }
  if (der_tlv_get_bits (tlv, &bits, &n_bits, &unused, NULL))
    {
      gsize total = n_bits > 0 ? n_bits * 8 - unused : 0;
      /* Bits past 72 add nothing the first 72 do not already test. */
      guint n_named = (guint) MIN (total, (gsize) 72);
      guint64 named = 0;
      gboolean last_set = FALSE;
      gboolean unused_clear = n_bits == 0 || (bits[n_bits - 1] & ((1u << unused) - 1)) == 0;

      FUZZ_CHECK (n_bits == tlv->length - 1);
      for (guint n = 0; n < n_named; n++)
        {
          gboolean set = der_bits_test (bits, n_bits, unused, n);

          FUZZ_CHECK (set == ((bits[n / 8] & (0x80 >> (n % 8))) != 0));
          if (set && n < 64)
            named |= G_GUINT64_CONSTANT (1) << n;
          last_set = set;
        }
      if (total == n_named)
        FUZZ_CHECK (!der_bits_test (bits, n_bits, unused, n_named));
      /* A named-bit string in DER form (no trailing zero bits, unused bits clear, at most 64 bits) is what
       * der_write_named_bits() produces from the same bits. */
      if (total <= 64 && unused_clear && (n_named == 0 || last_set))
        {
          der_writer_init (&writer);
          der_write_named_bits (&writer, tlv->tag, named, n_named);
          check_written_value (&writer, tlv);
        }
    }
}

/* Walks the TLVs of `reader` into `walk->writer`. Returns FALSE at the first TLV that does not parse; the
 * depth is bounded by der_reader_enter(). */
static gboolean
walk_reader (Walk *walk, DerReader *reader)
{
  while (!der_reader_at_end (reader))
    {
      DerTlv tlv;
      DerReader child;
      gboolean ok;

      if (!der_reader_next (reader, &tlv, NULL))
        return FALSE;
      FUZZ_CHECK (der_tag_is_valid (tlv.tag));
      FUZZ_CHECK (tlv.depth == reader->depth);
      FUZZ_CHECK (tlv.raw_length >= expected_header_size (&tlv));
      FUZZ_CHECK (tlv.value + tlv.length == tlv.raw + tlv.raw_length);
      if (tlv.raw_length != expected_header_size (&tlv) + tlv.length)
        walk->minimal = FALSE;

      if (!tlv.constructed)
        {
          exercise_primitive (&tlv);
          der_write (&walk->writer, tlv.tag, tlv.value, tlv.length);
          continue;
        }

      if (!der_reader_enter (&tlv, &child, NULL))
        {
          FUZZ_CHECK (tlv.depth >= DER_MAX_DEPTH);
          FUZZ_CHECK (!der_validate (&tlv, NULL));
          return FALSE;
        }
      /* der_find_child() must land on the first child, whatever its tag. */
      if (tlv.length > 0)
        {
          DerReader first_reader = child;
          DerTlv first, found;

          if (der_reader_next (&first_reader, &first, NULL))
            {
              FUZZ_CHECK (der_find_child (&tlv, first.tag, &found, NULL));
              FUZZ_CHECK (found.raw == first.raw && found.raw_length == first.raw_length);
            }
        }
      der_begin (&walk->writer, tlv.tag);
      ok = walk_reader (walk, &child);
      FUZZ_CHECK (ok == der_validate (&tlv, NULL));
      if (!ok)
        return FALSE;
      der_end (&walk->writer);
    }
  return TRUE;
}

/* Re-encodes `data` structurally; returns NULL when it does not parse completely. */
static GBytes *
reencode (const guint8 *data, gsize size, gboolean *ret_minimal)
{
  Walk walk = { .minimal = TRUE };
  DerReader reader;

  der_writer_init (&walk.writer);
  der_reader_init (&reader, data, size);
  if (!walk_reader (&walk, &reader))
    {
      der_writer_clear (&walk.writer);
      return NULL;
    }
  *ret_minimal = walk.minimal;
  return der_writer_finish (&walk.writer);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) input = g_bytes_new_static (data, size);
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  gboolean minimal = FALSE;
  gboolean minimal_again = FALSE;
  DerTlv single;
  g_autoptr(GError) error = NULL;

  /* der_parse_single() succeeds exactly when the input is one TLV and nothing else. */
  if (der_parse_single (data, size, &single, &error))
    {
      FUZZ_CHECK (single.raw == data && single.raw_length == size);
      FUZZ_CHECK (der_parse_expect (data, size, single.tag, &single, NULL));
    }
  else
    {
      FUZZ_CHECK (error != NULL && error->message[0] != '\0');
    }

  /* Small inputs also go through the hex helpers and back. */
  if (size <= 256)
    {
      g_autofree gchar *hex = der_to_hex (data, size);
      g_autoptr(GBytes) back = der_from_hex (hex, NULL);

      FUZZ_CHECK (back != NULL && g_bytes_equal (back, input));
    }

  first = reencode (data, size, &minimal);
  if (first == NULL)
    return 0;
  if (minimal)
    FUZZ_CHECK (g_bytes_equal (first, input));
  FUZZ_CHECK (g_bytes_get_size (first) <= size);
  second = reencode (g_bytes_get_data (first, NULL), g_bytes_get_size (first), &minimal_again);
  FUZZ_CHECK (second != NULL);
  FUZZ_CHECK (minimal_again);
  FUZZ_CHECK (g_bytes_equal (first, second));
  return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* A g_return_if_fail() in the codec is a bug the fuzzer should report, not a log line. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}
