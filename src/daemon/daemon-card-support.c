/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "card/es10-info.h"
#include "daemon/daemon-card-support.h"
#include "der/der.h"
#include "euiccd-error.h"

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

gboolean
daemon_card_support_is_consumer (IsdrSession *session, const GError *eim_error, GError **error)
{
  g_autoptr(Es10EuiccInfo2) info2 = NULL;
  g_autoptr(GError) info_error = NULL;

  if (!g_error_matches (eim_error, EUICCD_ERROR, EUICCD_ERROR_CARD))
    {
      /* A transport failure, a timeout, an answer that does not decode: the card said nothing about the function. */
      g_propagate_error (error, g_error_copy (eim_error));
      return FALSE;
    }
  if (!isdr_session_refused_as_unknown (session, eim_error))
    {
      g_set_error (error, eim_error->domain, eim_error->code, "%s (not the refusal of a function the card does not "
                   "know: the card is not taken for a consumer eUICC)", eim_error->message);
      return FALSE;
    }
  if (!es10_get_euicc_info2 (session, &info2, &info_error))
    {
      g_set_error (error, info_error->domain, info_error->code, "%s; reading EUICCInfo2 to tell a consumer eUICC: %s",
                   eim_error->message, info_error->message);
      return FALSE;
    }
  if (info2->has_iot_specific_info || info2->has_ipa_mode)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "%s, although the card's EUICCInfo2 has SGP.32's %s: an "
                   "SGP.32 eUICC refusing it, not a consumer eUICC", eim_error->message,
                   info2->has_iot_specific_info ? "iotSpecificInfo" : "ipaMode");
      return FALSE;
    }
  return TRUE;
}
