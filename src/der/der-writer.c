/* SPDX-License-Identifier: Apache-2.0 */
/* The TLV writer. Constructed values are written with a one-octet length placeholder, and der_end() widens
 * it once the contents are known: most SGP messages are short, so the common case moves nothing. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-der"

#include <string.h>

#include "der/der.h"
#include "der/der-private.h"

void
der_writer_init (DerWriter *writer)
{
  g_return_if_fail (writer != NULL);

  writer->buffer = g_byte_array_new ();
  writer->n_open = 0;
}

void
der_writer_clear (DerWriter *writer)
{
  g_return_if_fail (writer != NULL);

  g_clear_pointer (&writer->buffer, g_byte_array_unref);
  writer->n_open = 0;
}

static void
der_put_tag (GByteArray *buffer, guint32 tag)
{
  guint size = der_tag_size (tag);
  guint8 octets[4];

  for (guint i = 0; i < size; i++)
    octets[i] = (guint8) (tag >> (8 * (size - 1 - i)));
  g_byte_array_append (buffer, octets, size);
}

/* Fills `octets` with the DER length encoding and returns how many octets it took. */
static gsize
der_encode_length (gsize length, guint8 octets[5])
{
  gsize size = der_length_size (length);

  if (size == 1)
    {
      octets[0] = (guint8) length;
      return 1;
    }
  octets[0] = (guint8) (0x80 | (size - 1));
  for (gsize i = 1; i < size; i++)
    octets[i] = (guint8) (length >> (8 * (size - 1 - i)));
  return size;
}

void
der_write (DerWriter *writer, guint32 tag, const guint8 *value, gsize length)
{
  guint8 octets[5];
  gsize n;

  g_return_if_fail (writer != NULL && writer->buffer != NULL);
  g_return_if_fail (der_tag_is_valid (tag));
  g_return_if_fail (value != NULL || length == 0);
  g_return_if_fail (length <= G_MAXUINT32);

  der_put_tag (writer->buffer, tag);
  n = der_encode_length (length, octets);
  g_byte_array_append (writer->buffer, octets, n);
  if (length > 0)
    g_byte_array_append (writer->buffer, value, length);
}

void
der_write_bytes (DerWriter *writer, guint32 tag, GBytes *value)
{
  gsize length = 0;
  const guint8 *data = NULL;

  if (value != NULL)
    data = g_bytes_get_data (value, &length);
  der_write (writer, tag, data, length);
}

void
der_write_raw (DerWriter *writer, const guint8 *data, gsize length)
{
  g_return_if_fail (writer != NULL && writer->buffer != NULL);
  g_return_if_fail (data != NULL || length == 0);

  if (length > 0)
    g_byte_array_append (writer->buffer, data, length);
}

void
der_write_uint (DerWriter *writer, guint32 tag, guint64 value)
{
  guint8 octets[9];
  gsize n = 0;
  guint shift = 64;

  /* Skip leading zero octets, keep at least one. */
  while (shift > 8 && (value >> (shift - 8)) == 0)
    shift -= 8;
  /* A set top bit would read as negative: a leading 00 keeps it positive. */
  if (((value >> (shift - 8)) & 0x80) != 0)
    octets[n++] = 0x00;
  while (shift > 0)
    {
      shift -= 8;
      octets[n++] = (guint8) (value >> shift);
    }
  der_write (writer, tag, octets, n);
}

void
der_write_int (DerWriter *writer, guint32 tag, gint64 value)
{
  guint8 octets[8];
  guint64 bits = (guint64) value;
  gsize start = 0;

  for (gsize i = 0; i < 8; i++)
    octets[i] = (guint8) (bits >> (8 * (7 - i)));
  /* Minimal two's complement: drop a leading 00 or FF while the next octet carries the same sign. */
  while (start < 7 &&
         ((octets[start] == 0x00 && (octets[start + 1] & 0x80) == 0) ||
          (octets[start] == 0xFF && (octets[start + 1] & 0x80) != 0)))
    start++;
  der_write (writer, tag, octets + start, 8 - start);
}

void
der_write_bool (DerWriter *writer, guint32 tag, gboolean value)
{
  guint8 octet = value ? 0xFF : 0x00;

  der_write (writer, tag, &octet, 1);
}

void
der_write_null (DerWriter *writer, guint32 tag)
{
  der_write (writer, tag, NULL, 0);
}

void
der_write_utf8 (DerWriter *writer, guint32 tag, const gchar *value)
{
  g_return_if_fail (value != NULL);

  der_write (writer, tag, (const guint8 *) value, strlen (value));
}

void
der_write_named_bits (DerWriter *writer, guint32 tag, guint64 bits, guint n_named_bits)
{
  guint8 octets[1 + 8] = { 0 };
  gint highest = -1;
  gsize n_octets;

  g_return_if_fail (n_named_bits <= 64);

  /* Bits beyond the named ones are not part of the type. */
  if (n_named_bits < 64)
    bits &= (G_GUINT64_CONSTANT (1) << n_named_bits) - 1;
  for (gint i = 63; i >= 0; i--)
    if ((bits >> i) & 1)
      {
        highest = i;
        break;
      }
  /* X.690 11.2.2: trailing zero bits are removed; with none set the string is empty (03 01 00). */
  if (highest < 0)
    {
      der_write (writer, tag, octets, 1);
      return;
    }
  n_octets = (gsize) highest / 8 + 1;
  octets[0] = (guint8) (7 - highest % 8);
  for (gint i = 0; i <= highest; i++)
    if ((bits >> i) & 1)
      octets[1 + i / 8] |= (guint8) (0x80 >> (i % 8));
  der_write (writer, tag, octets, 1 + n_octets);
}

void
der_begin (DerWriter *writer, guint32 tag)
{
  g_return_if_fail (writer != NULL && writer->buffer != NULL);
  g_return_if_fail (der_tag_is_valid (tag));
  g_return_if_fail (writer->n_open < DER_MAX_DEPTH);

  der_put_tag (writer->buffer, tag);
  writer->open[writer->n_open++] = writer->buffer->len;
  g_byte_array_append (writer->buffer, (const guint8 *) "", 1);
}

void
der_end (DerWriter *writer)
{
  gsize offset;
  gsize length;
  guint8 octets[5];
  gsize n;

  g_return_if_fail (writer != NULL && writer->buffer != NULL);
  g_return_if_fail (writer->n_open > 0);

  offset = writer->open[--writer->n_open];
  length = writer->buffer->len - offset - 1;
  g_return_if_fail (length <= G_MAXUINT32);

  n = der_encode_length (length, octets);
  if (n > 1)
    {
      /* The placeholder was one octet: make room and slide the contents along. */
      g_byte_array_set_size (writer->buffer, writer->buffer->len + (n - 1));
      memmove (writer->buffer->data + offset + n, writer->buffer->data + offset + 1, length);
    }
  memcpy (writer->buffer->data + offset, octets, n);
}

GBytes *
der_writer_finish (DerWriter *writer)
{
  GByteArray *buffer;

  g_return_val_if_fail (writer != NULL && writer->buffer != NULL, NULL);
  g_return_val_if_fail (writer->n_open == 0, NULL);

  buffer = g_steal_pointer (&writer->buffer);
  return g_byte_array_free_to_bytes (buffer);
}
