/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "card/es10-ipae.h"
#include "card/es10-private.h"

GBytes *
es10_ipae_activation_encode (gboolean activate)
{
  /* One named bit: unused-bits octet 7, then bit 0 as the top bit. No bit set: the empty BIT STRING. */
  static const guint8 activate_bits[] = { 0x07, 0x80 };
  static const guint8 no_bits[] = { 0x00 };
  DerWriter writer;

  der_writer_init (&writer);
  der_begin (&writer, 0xBF42);
  if (activate)
    der_write (&writer, 0x80, activate_bits, sizeof activate_bits);
  else
    der_write (&writer, 0x80, no_bits, sizeof no_bits);
  der_end (&writer);
  return der_writer_finish (&writer);
}

gboolean
es10_ipae_activation_decode (const guint8 *data, gsize length, gint64 *ret_result, GError **error)
{
  static const gchar structure[] = "IpaeActivationResponse";
  DerTlv outer;
  DerTlv item;
  DerReader reader;

  if (!es10_parse_outer (data, length, 0xBF42, structure, &outer, error)
      || !es10_enter (&outer, structure, structure, &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      if (!es10_next (&reader, structure, &item, error))
        return FALSE;
      if (item.tag == 0x80)
        return es10_read_int (&item, structure, "ipaeActivationResult", ret_result, error);
    }
  return es10_missing (FALSE, structure, "ipaeActivationResult", 0x80, error);
}

gboolean
es10_ipae_activation (IsdrSession *session, gboolean activate, gint64 *ret_result, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_ipae_activation_encode (activate), error);

  return response != NULL && es10_ipae_activation_decode (ES10_ANSWER_DATA (response), ret_result, error);
}
