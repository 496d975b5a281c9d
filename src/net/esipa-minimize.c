/* SPDX-License-Identifier: Apache-2.0 */
/* What minimizeEsipaBytes lets the IPA leave out, and nothing else. SGP.32 v1.2 ASN.1:
 *
 *   SGP32-PendingNotification ::= CHOICE {
 *     profileInstallationResult [55] SGP32-ProfileInstallationResult, -- tag 'BF37'
 *     otherSignedNotification OtherSignedNotification,
 *     compactProfileInstallationResult [0] CompactProfileInstallationResult,
 *     compactOtherSignedNotification [1] CompactOtherSignedNotification }
 *   CompactOtherSignedNotification ::= SEQUENCE {
 *     eidValue [APPLICATION 26] Octet16 OPTIONAL, -- Tag '5A'
 *     tbsOtherNotification NotificationMetadata,
 *     euiccNotificationSignature [APPLICATION 55] OCTET STRING -- eUICC signature of tbsOtherNotification,
 *                                                                 Tag '5F37' }
 *
 * against SGP.22's OtherSignedNotification { tbsOtherNotification, euiccNotificationSignature,
 * euiccCertificate, eumCertificate }: the compact form drops the two certificates (about 1.2 KB with the
 * SGP.26 ones), which the eIM holds from IpaEuiccData (eumCertificate A5, euiccCertificate A6). The signed
 * bytes (the BF2F) are copied untouched, so the eUICC's signature still verifies. */
#include "config.h"

#include "der/der.h"
#include "euiccd-error.h"
#include "net/esipa-minimize.h"

#define TAG_OTHER_SIGNED_NOTIFICATION 0x30
#define TAG_COMPACT_OTHER_SIGNED_NOTIFICATION 0xA1
#define TAG_NOTIFICATION_METADATA 0xBF2F
#define TAG_SIGNATURE 0x5F37
#define TAG_EID 0x5A
#define EID_LENGTH 16

GBytes *
esipa_minimize_pending_notification (GBytes *notification, const guint8 *eid, GError **error)
{
  static const gchar structure[] = "OtherSignedNotification";
  g_auto (DerWriter) writer = { 0 };
  DerTlv tlv, metadata, signature;
  DerReader reader;
  gsize length;
  const guint8 *data;

  g_return_val_if_fail (notification != NULL, NULL);
  data = g_bytes_get_data (notification, &length);
  if (!der_parse_single (data, length, &tlv, error))
    {
      g_prefix_error (error, "PendingNotification: ");
      return NULL;
    }
  if (tlv.tag != TAG_OTHER_SIGNED_NOTIFICATION)
    return g_bytes_ref (notification);

  /* The first two members, in order: tbsOtherNotification, then the signature over it. */
  if (!der_reader_enter (&tlv, &reader, error) || !der_reader_next (&reader, &metadata, error)
      || !der_reader_next (&reader, &signature, error))
    {
      g_prefix_error (error, "%s: ", structure);
      return NULL;
    }
  if (metadata.tag != TAG_NOTIFICATION_METADATA || signature.tag != TAG_SIGNATURE)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: expected tbsOtherNotification (BF2F) then euiccNotificationSignature (5F37), found %02X, %02X",
                   structure, metadata.tag, signature.tag);
      return NULL;
    }

  der_writer_init (&writer);
  der_begin (&writer, TAG_COMPACT_OTHER_SIGNED_NOTIFICATION);
  if (eid != NULL)
    der_write (&writer, TAG_EID, eid, EID_LENGTH);
  der_write_raw (&writer, metadata.raw, metadata.raw_length);
  der_write_raw (&writer, signature.raw, signature.raw_length);
  der_end (&writer);
  return der_writer_finish (&writer);
}
