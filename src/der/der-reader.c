/* SPDX-License-Identifier: Apache-2.0 */
/* The TLV reader. Every read is preceded by a check of how many bytes remain, so hostile input can make it
 * fail but never makes it read outside the buffer. Offsets in error messages count from the start of the
 * span the caller handed in: the buffer for der_parse_single(), the parent TLV for der_find_child() and
 * der_validate(), the reader's current position for der_reader_next(). */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-der"

#include <string.h>

#include "der/der.h"
#include "der/der-private.h"
#include "euiccd-error.h"

void
der_reader_init (DerReader *reader, const guint8 *data, gsize length)
{
  g_return_if_fail (reader != NULL);
  g_return_if_fail (data != NULL || length == 0);

  reader->pos = data;
  reader->end = data != NULL ? data + length : NULL;
  reader->depth = 0;
}

gboolean
der_reader_at_end (const DerReader *reader)
{
  g_return_val_if_fail (reader != NULL, TRUE);
  return reader->pos == reader->end;
}

guint
der_tag_size (guint32 tag)
{
  if (tag <= 0xFF)
    return 1;
  if (tag <= 0xFFFF)
    return 2;
  if (tag <= 0xFFFFFF)
    return 3;
  return 4;
}

gboolean
der_tag_is_valid (guint32 tag)
{
  guint size = der_tag_size (tag);
  guint8 octets[4] = { 0 };

  if (tag == 0)
    return FALSE;
  for (guint i = 0; i < size; i++)
    octets[i] = (guint8) (tag >> (8 * (size - 1 - i)));

  if ((octets[0] & 0x1F) != 0x1F)
    return size == 1;
  if (size == 1)
    return FALSE;
  /* X.690 8.1.2.4.2: the first subsequent octet must carry bits, the last one ends the tag. */
  if (octets[1] == 0x80)
    return FALSE;
  for (guint i = 1; i < size - 1; i++)
    if ((octets[i] & 0x80) == 0)
      return FALSE;
  if ((octets[size - 1] & 0x80) != 0)
    return FALSE;
  /* Tag numbers below 31 must use the one-octet form (X.690 8.1.2.2). */
  if (size == 2 && octets[1] < 31)
    return FALSE;
  return TRUE;
}

gsize
der_length_size (gsize length)
{
  if (length < 0x80)
    return 1;
  if (length <= 0xFF)
    return 2;
  if (length <= 0xFFFF)
    return 3;
  if (length <= 0xFFFFFF)
    return 4;
  return 5;
}

gboolean
der_read_tlv (const guint8 *base, const guint8 *pos, const guint8 *end, guint depth, DerTlv *ret_tlv,
              GError **error)
{
  const guint8 *p = pos;
  guint32 tag;
  gsize length;

  if (p >= end)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: no TLV at offset %zu: the data ends there", (gsize) (p - base));
      return FALSE;
    }

  /* Identifier octets */
  tag = *p++;
  if ((tag & 0x1F) == 0x1F)
    {
      guint n = 1;

      for (;;)
        {
          if (p >= end)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                           "DER: truncated tag at offset %zu: the data ends inside a multi-byte tag",
                           (gsize) (pos - base));
              return FALSE;
            }
          if (n == 1 && *p == 0x80)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                           "DER: non-minimal tag at offset %zu: first tag number octet is 0x80",
                           (gsize) (pos - base));
              return FALSE;
            }
          if (n == 4)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                           "DER: tag at offset %zu has more than 4 identifier octets", (gsize) (pos - base));
              return FALSE;
            }
          tag = (tag << 8) | *p;
          n++;
          if ((*p++ & 0x80) == 0)
            break;
        }
      if (n == 2 && (tag & 0xFF) < 31)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "DER: tag %02X at offset %zu uses the multi-byte form for tag number %u", tag,
                       (gsize) (pos - base), tag & 0xFF);
          return FALSE;
        }
    }
  else if (tag == 0)
    {
      /* Without indefinite lengths there is no end-of-contents marker, so 00 is never a valid tag. */
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: tag 00 (end-of-contents) at offset %zu is not allowed", (gsize) (pos - base));
      return FALSE;
    }

  /* Length octets */
  if (p >= end)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: truncated length at offset %zu: tag %02X has no length octet", (gsize) (p - base), tag);
      return FALSE;
    }
  if (*p < 0x80)
    {
      length = *p++;
    }
  else if (*p == 0x80)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: indefinite length (0x80) at offset %zu for tag %02X is not allowed", (gsize) (p - base),
                   tag);
      return FALSE;
    }
  else
    {
      gsize n_octets = *p & 0x7F;
      const guint8 *length_pos = p;

      if (n_octets > 4)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "DER: length at offset %zu for tag %02X has %zu length octets (more than 4)",
                       (gsize) (p - base), tag, n_octets);
          return FALSE;
        }
      p++;
      if ((gsize) (end - p) < n_octets)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "DER: truncated length at offset %zu for tag %02X: %zu length octets announced, %zu present",
                       (gsize) (length_pos - base), tag, n_octets, (gsize) (end - p));
          return FALSE;
        }
      length = 0;
      for (gsize i = 0; i < n_octets; i++)
        length = (length << 8) | *p++;
    }

  if (length > (gsize) (end - p))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: length beyond buffer: tag %02X at offset %zu announces %zu bytes but only %zu remain",
                   tag, (gsize) (pos - base), length, (gsize) (end - p));
      return FALSE;
    }

  ret_tlv->tag = tag;
  ret_tlv->constructed = (pos[0] & 0x20) != 0;
  ret_tlv->value = p;
  ret_tlv->length = length;
  ret_tlv->raw = pos;
  ret_tlv->raw_length = (gsize) (p - pos) + length;
  ret_tlv->depth = depth;
  return TRUE;
}

gboolean
der_reader_next (DerReader *reader, DerTlv *ret_tlv, GError **error)
{
  DerTlv tlv;

  g_return_val_if_fail (reader != NULL, FALSE);
  g_return_val_if_fail (ret_tlv != NULL, FALSE);

  if (!der_read_tlv (reader->pos, reader->pos, reader->end, reader->depth, &tlv, error))
    return FALSE;
  reader->pos = tlv.raw + tlv.raw_length;
  *ret_tlv = tlv;
  return TRUE;
}

gboolean
der_reader_enter (const DerTlv *tlv, DerReader *ret_child, GError **error)
{
  g_return_val_if_fail (tlv != NULL, FALSE);
  g_return_val_if_fail (ret_child != NULL, FALSE);

  if (!tlv->constructed)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: tag %02X is primitive, expected a constructed value", tlv->tag);
      return FALSE;
    }
  if (tlv->depth >= DER_MAX_DEPTH)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: tag %02X nests deeper than %u levels", tlv->tag, (guint) DER_MAX_DEPTH);
      return FALSE;
    }
  ret_child->pos = tlv->value;
  ret_child->end = tlv->value + tlv->length;
  ret_child->depth = tlv->depth + 1;
  return TRUE;
}

gboolean
der_parse_single (const guint8 *data, gsize length, DerTlv *ret_tlv, GError **error)
{
  DerTlv tlv;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (ret_tlv != NULL, FALSE);

  if (length == 0)
    {
      g_set_error_literal (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "DER: empty data, expected one TLV");
      return FALSE;
    }
  if (!der_read_tlv (data, data, data + length, 0, &tlv, error))
    return FALSE;
  if (tlv.raw_length != length)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: trailing data at offset %zu: %zu byte(s) after the TLV with tag %02X", tlv.raw_length,
                   length - tlv.raw_length, tlv.tag);
      return FALSE;
    }
  *ret_tlv = tlv;
  return TRUE;
}

gboolean
der_parse_expect (const guint8 *data, gsize length, guint32 tag, DerTlv *ret_tlv, GError **error)
{
  DerTlv tlv;

  if (!der_parse_single (data, length, &tlv, error))
    {
      g_prefix_error (error, "expecting tag %02X: ", tag);
      return FALSE;
    }
  if (tlv.tag != tag)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "DER: expected tag %02X, found tag %02X", tag,
                   tlv.tag);
      return FALSE;
    }
  *ret_tlv = tlv;
  return TRUE;
}

gboolean
der_find_child (const DerTlv *parent, guint32 tag, DerTlv *ret_child, GError **error)
{
  DerReader reader;

  g_return_val_if_fail (parent != NULL, FALSE);
  g_return_val_if_fail (ret_child != NULL, FALSE);

  if (!der_reader_enter (parent, &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      DerTlv child;

      if (!der_read_tlv (parent->raw, reader.pos, reader.end, reader.depth, &child, error))
        {
          g_prefix_error (error, "in tag %02X: ", parent->tag);
          return FALSE;
        }
      reader.pos = child.raw + child.raw_length;
      if (child.tag == tag)
        {
          *ret_child = child;
          return TRUE;
        }
    }
  return FALSE;
}

/* Recursion is bounded by der_reader_enter(), which refuses to go below DER_MAX_DEPTH. Offsets count from
 * `base`, the TLV der_validate() was called on. */
static gboolean
der_validate_at (const guint8 *base, const DerTlv *tlv, GError **error)
{
  DerReader reader;

  if (!der_reader_enter (tlv, &reader, error))
    {
      g_prefix_error (error, "at offset %zu: ", (gsize) (tlv->raw - base));
      return FALSE;
    }
  while (!der_reader_at_end (&reader))
    {
      DerTlv child;

      if (!der_read_tlv (base, reader.pos, reader.end, reader.depth, &child, error))
        {
          g_prefix_error (error, "in tag %02X: ", tlv->tag);
          return FALSE;
        }
      reader.pos = child.raw + child.raw_length;
      if (child.constructed && !der_validate_at (base, &child, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
der_validate (const DerTlv *tlv, GError **error)
{
  g_return_val_if_fail (tlv != NULL, FALSE);

  if (!tlv->constructed)
    return TRUE;
  return der_validate_at (tlv->raw, tlv, error);
}

/* Primitive values */

static gboolean
der_check_primitive (const DerTlv *tlv, const gchar *what, GError **error)
{
  if (tlv->constructed)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: tag %02X is constructed, expected a primitive %s", tlv->tag, what);
      return FALSE;
    }
  return TRUE;
}

/* X.690 8.3.2: the first nine bits of an INTEGER are never all zeros or all ones. This is a BER rule, not
 * only a DER one, so a non-minimal INTEGER is refused rather than tolerated. */
static gboolean
der_check_integer (const DerTlv *tlv, GError **error)
{
  if (!der_check_primitive (tlv, "INTEGER", error))
    return FALSE;
  if (tlv->length == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "DER: INTEGER in tag %02X is empty", tlv->tag);
      return FALSE;
    }
  if (tlv->length >= 2 &&
      ((tlv->value[0] == 0x00 && (tlv->value[1] & 0x80) == 0) ||
       (tlv->value[0] == 0xFF && (tlv->value[1] & 0x80) != 0)))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: non-minimal INTEGER in tag %02X: redundant leading octet %02X", tlv->tag, tlv->value[0]);
      return FALSE;
    }
  return TRUE;
}

gboolean
der_tlv_get_uint (const DerTlv *tlv, guint64 *ret_value, GError **error)
{
  const guint8 *v;
  gsize n;
  guint64 value = 0;

  g_return_val_if_fail (tlv != NULL, FALSE);
  g_return_val_if_fail (ret_value != NULL, FALSE);

  if (!der_check_integer (tlv, error))
    return FALSE;
  v = tlv->value;
  n = tlv->length;
  if ((v[0] & 0x80) != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: INTEGER in tag %02X is negative, expected a value >= 0", tlv->tag);
      return FALSE;
    }
  /* A leading 00 only keeps the sign positive; it does not count against the 64 bits. */
  if (v[0] == 0x00 && n > 1)
    {
      v++;
      n--;
    }
  if (n > 8)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: INTEGER in tag %02X has %zu octets, more than 64 bits", tlv->tag, tlv->length);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    value = (value << 8) | v[i];
  *ret_value = value;
  return TRUE;
}

gboolean
der_tlv_get_int (const DerTlv *tlv, gint64 *ret_value, GError **error)
{
  guint64 value;

  g_return_val_if_fail (tlv != NULL, FALSE);
  g_return_val_if_fail (ret_value != NULL, FALSE);

  if (!der_check_integer (tlv, error))
    return FALSE;
  if (tlv->length > 8)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: INTEGER in tag %02X has %zu octets, more than 64 bits", tlv->tag, tlv->length);
      return FALSE;
    }
  /* Sign-extend from the first octet, then shift the rest in. */
  value = (tlv->value[0] & 0x80) != 0 ? G_MAXUINT64 : 0;
  for (gsize i = 0; i < tlv->length; i++)
    value = (value << 8) | tlv->value[i];
  *ret_value = (gint64) value;
  return TRUE;
}

gboolean
der_tlv_get_bool (const DerTlv *tlv, gboolean *ret_value, GError **error)
{
  g_return_val_if_fail (tlv != NULL, FALSE);
  g_return_val_if_fail (ret_value != NULL, FALSE);

  if (!der_check_primitive (tlv, "BOOLEAN", error))
    return FALSE;
  if (tlv->length != 1)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: BOOLEAN in tag %02X has %zu octets, expected 1", tlv->tag, tlv->length);
      return FALSE;
    }
  /* DER writes FF for TRUE; any non-zero octet is TRUE in BER, and reading it so costs nothing. */
  *ret_value = tlv->value[0] != 0;
  return TRUE;
}

gchar *
der_tlv_dup_utf8 (const DerTlv *tlv, GError **error)
{
  const gchar *text;
  const gchar *invalid = NULL;
  const void *nul;

  g_return_val_if_fail (tlv != NULL, NULL);

  if (!der_check_primitive (tlv, "UTF8String", error))
    return NULL;
  text = (const gchar *) tlv->value;
  nul = tlv->length > 0 ? memchr (text, 0, tlv->length) : NULL;
  if (nul != NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: UTF8String in tag %02X has a NUL byte at offset %zu of its value", tlv->tag,
                   (gsize) ((const gchar *) nul - text));
      return NULL;
    }
  if (!g_utf8_validate_len (text, tlv->length, &invalid))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: UTF8String in tag %02X has invalid UTF-8 at offset %zu of its value", tlv->tag,
                   (gsize) (invalid - text));
      return NULL;
    }
  return g_strndup (text, tlv->length);
}

gboolean
der_tlv_get_bits (const DerTlv *tlv, const guint8 **ret_bits, gsize *ret_length, guint *ret_unused,
                  GError **error)
{
  guint unused;

  g_return_val_if_fail (tlv != NULL, FALSE);

  if (!der_check_primitive (tlv, "BIT STRING", error))
    return FALSE;
  if (tlv->length == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: BIT STRING in tag %02X is empty (no unused-bits octet)", tlv->tag);
      return FALSE;
    }
  unused = tlv->value[0];
  if (unused > 7)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: BIT STRING in tag %02X claims %u unused bits (at most 7)", tlv->tag, unused);
      return FALSE;
    }
  if (tlv->length == 1 && unused != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "DER: empty BIT STRING in tag %02X claims %u unused bits (must be 0)", tlv->tag, unused);
      return FALSE;
    }
  if (ret_bits != NULL)
    *ret_bits = tlv->value + 1;
  if (ret_length != NULL)
    *ret_length = tlv->length - 1;
  if (ret_unused != NULL)
    *ret_unused = unused;
  return TRUE;
}

gboolean
der_bits_test (const guint8 *bits, gsize length, guint unused, guint n)
{
  gsize octet = n / 8;

  if (octet >= length)
    return FALSE;
  /* The unused bits at the end of the last octet are not part of the string. */
  if (octet == length - 1 && (n % 8) >= 8 - MIN (unused, 7u))
    return FALSE;
  return (bits[octet] & (0x80 >> (n % 8))) != 0;
}
