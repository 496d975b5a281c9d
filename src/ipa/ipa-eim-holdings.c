/* SPDX-License-Identifier: Apache-2.0 */
/* What an eIM holds of the eUICC from the IpaEuiccData it accepted (ipa-download.h), and its record on disk. */
#include "config.h"

#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-download.h"

#define TAG_RECORD 0x30
#define TAG_EID 0x5A
#define TAG_EUICC_INFO1 0xBF20
#define TAG_EUICC_INFO2 0xBF22
#define TAG_CERTIFICATES 0x01

void
ipa_eim_holdings_clear (IpaEimHoldings *holdings)
{
  g_clear_pointer (&holdings->euicc_info1, g_bytes_unref);
  g_clear_pointer (&holdings->euicc_info2, g_bytes_unref);
  holdings->certificates = FALSE;
  holdings->has_eid = FALSE;
}

/* TRUE when the slot took a different value. */
static gboolean
replace (GBytes **slot, GBytes *bytes)
{
  if (bytes == NULL || (*slot != NULL && g_bytes_equal (*slot, bytes)))
    return FALSE;
  g_clear_pointer (slot, g_bytes_unref);
  *slot = g_bytes_ref (bytes);
  return TRUE;
}

void
ipa_eim_holdings_learn (IpaEimHoldings *holdings, const guint8 eid[16], GBytes *euicc_info1, GBytes *euicc_info2,
                        gboolean certificates)
{
  gboolean changed = FALSE;

  if (!holdings->has_eid || memcmp (holdings->eid, eid, sizeof holdings->eid) != 0)
    {
      ipa_eim_holdings_clear (holdings);
      memcpy (holdings->eid, eid, sizeof holdings->eid);
      holdings->has_eid = TRUE;
      changed = TRUE;
    }
  changed |= replace (&holdings->euicc_info1, euicc_info1);
  changed |= replace (&holdings->euicc_info2, euicc_info2);
  changed |= certificates && !holdings->certificates;
  holdings->certificates |= certificates;
  /* Rewritten on disk only when it says something new: the same IpaEuiccData every poll costs no flash write. */
  holdings->changed |= changed;
}

GBytes *
ipa_eim_holdings_encode (const IpaEimHoldings *holdings)
{
  g_auto (DerWriter) writer = { 0 };

  der_writer_init (&writer);
  der_begin (&writer, TAG_RECORD);
  if (holdings->has_eid)
    der_write (&writer, TAG_EID, holdings->eid, sizeof holdings->eid);
  if (holdings->euicc_info1 != NULL)
    der_write_raw (&writer, g_bytes_get_data (holdings->euicc_info1, NULL), g_bytes_get_size (holdings->euicc_info1));
  if (holdings->euicc_info2 != NULL)
    der_write_raw (&writer, g_bytes_get_data (holdings->euicc_info2, NULL), g_bytes_get_size (holdings->euicc_info2));
  if (holdings->certificates)
    der_write_bool (&writer, TAG_CERTIFICATES, TRUE);
  der_end (&writer);
  return der_writer_finish (&writer);
}

gboolean
ipa_eim_holdings_decode (const guint8 *data, gsize length, IpaEimHoldings *holdings, GError **error)
{
  IpaEimHoldings read = { 0 };
  DerTlv record, item;
  DerReader reader;

  if (!der_parse_expect (data, length, TAG_RECORD, &record, error) || !der_reader_enter (&record, &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      if (!der_reader_next (&reader, &item, error))
        {
          ipa_eim_holdings_clear (&read);
          return FALSE;
        }
      if (item.tag == TAG_EID && item.length == sizeof read.eid)
        {
          memcpy (read.eid, item.value, sizeof read.eid);
          read.has_eid = TRUE;
        }
      else if (item.tag == TAG_EUICC_INFO1 && read.euicc_info1 == NULL)
        read.euicc_info1 = g_bytes_new (item.raw, item.raw_length);
      else if (item.tag == TAG_EUICC_INFO2 && read.euicc_info2 == NULL)
        read.euicc_info2 = g_bytes_new (item.raw, item.raw_length);
      else if (item.tag == TAG_CERTIFICATES && der_tlv_get_bool (&item, &read.certificates, NULL))
        continue;
      else
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "eIM holdings record: unexpected %X",
                       item.tag);
          ipa_eim_holdings_clear (&read);
          return FALSE;
        }
    }
  if (!read.has_eid)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "eIM holdings record: no EID");
      ipa_eim_holdings_clear (&read);
      return FALSE;
    }
  ipa_eim_holdings_clear (holdings);
  *holdings = read;
  return TRUE;
}
