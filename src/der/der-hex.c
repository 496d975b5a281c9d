/* SPDX-License-Identifier: Apache-2.0 */
/* Hex for logs, tests and the command line. Parsing accepts the forms people paste (either case, spaces and
 * line breaks) and says which character was wrong. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-der"

#include "der/der.h"
#include "euiccd-error.h"

void
der_append_hex (GString *out, const guint8 *data, gsize length)
{
  static const gchar digits[] = "0123456789ABCDEF";

  g_return_if_fail (data != NULL || length == 0);
  g_return_if_fail (length < G_MAXSIZE / 2);

  for (gsize i = 0; i < length; i++)
    {
      g_string_append_c (out, digits[data[i] >> 4]);
      g_string_append_c (out, digits[data[i] & 0x0F]);
    }
}

gchar *
der_to_hex (const guint8 *data, gsize length)
{
  GString *hex;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (length < G_MAXSIZE / 2, NULL);

  hex = g_string_sized_new (length * 2);
  der_append_hex (hex, data, length);
  return g_string_free (hex, FALSE);
}

GBytes *
der_from_hex (const gchar *hex, GError **error)
{
  g_autoptr(GByteArray) bytes = NULL;
  gint high = -1;
  gsize high_offset = 0;

  g_return_val_if_fail (hex != NULL, NULL);

  bytes = g_byte_array_new ();
  for (gsize i = 0; hex[i] != '\0'; i++)
    {
      gint nibble;

      if (g_ascii_isspace (hex[i]))
        continue;
      nibble = g_ascii_xdigit_value (hex[i]);
      if (nibble < 0)
        {
          if (g_ascii_isprint (hex[i]))
            g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                         "hex: '%c' at offset %zu is not a hex digit", hex[i], i);
          else
            g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                         "hex: byte 0x%02X at offset %zu is not a hex digit", (guint) (guchar) hex[i], i);
          return NULL;
        }
      if (high < 0)
        {
          high = nibble;
          high_offset = i;
        }
      else
        {
          guint8 octet = (guint8) ((high << 4) | nibble);

          g_byte_array_append (bytes, &octet, 1);
          high = -1;
        }
    }
  if (high >= 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "hex: odd number of digits, the last one at offset %zu has no partner", high_offset);
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}
