/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "daemon/daemon-card-support.h"
#include "der/der.h"

const gchar *
daemon_card_support_to_string (DaemonCardSupport support)
{
  static const gchar *const names[] = { "unknown", "supported", "uicc", "m2m", "ipae-active", "sgp22" };
  return (guint) support < G_N_ELEMENTS (names) ? names[support] : "unknown";
}

gboolean
daemon_card_support_is_manageable (DaemonCardSupport support)
{
  return support == DAEMON_CARD_SUPPORT_SUPPORTED || support == DAEMON_CARD_SUPPORT_SGP22
         || support == DAEMON_CARD_SUPPORT_UNKNOWN;
}

gboolean
daemon_card_support_fci_ipae_supported (GBytes *fci)
{
  DerReader outer;
  DerReader inner;
  DerTlv tlv;
  DerTlv field;

  if (fci == NULL)
    return FALSE;
  der_reader_init (&outer, g_bytes_get_data (fci, NULL), g_bytes_get_size (fci));
  if (!der_reader_next (&outer, &tlv, NULL) || tlv.tag != 0x6F)
    return FALSE;
  der_reader_init (&inner, tlv.value, tlv.length);
  while (!der_reader_at_end (&inner) && der_reader_next (&inner, &field, NULL))
    {
      DerReader template;
      DerTlv bits;

      if (field.tag != 0xE1)
        continue;
      der_reader_init (&template, field.value, field.length);
      /* euiccConfiguration BIT STRING, [0] (80) under the module's automatic tags; also read as a plain BIT STRING
       * (03), which some cards send. Unused-bits octet first, then bit 0 is the top bit of the first octet. */
      if (der_reader_next (&template, &bits, NULL) && (bits.tag == 0x80 || bits.tag == 0x03) && bits.length >= 2
          && bits.value[0] < 8)
        return (bits.value[1] & 0x80) != 0;
      return FALSE;
    }
  return FALSE;
}
