/* SPDX-License-Identifier: Apache-2.0 */
/* What every ES10 codec file needs: field readers whose errors name the structure, field and tag, the ICCID
 * coding, the tag-to-function table and the request/response round trip over the ISD-R session. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <string.h>

#include "card/es10-deviations.h"
#include "card/es10-private.h"
#include "euiccd-error.h"
#include "euiccd-destroy.h"

EUICCD_DEFINE_DESTROY_NOTIFY (g_bytes_unref, GBytes)

/* ES10 request and response tags (SGP.22 v2.5 and SGP.32 v1.2 registries). */
static const struct {
  guint32 tag;
  const gchar *name;
} es10_functions[] = {
  { 0xBF20, "GetEUICCInfo1" },
  { 0xBF21, "PrepareDownload" },
  { 0xBF22, "GetEUICCInfo2" },
  { 0xBF23, "LoadBoundProfilePackage" },
  { 0xBF28, "ListNotification" },
  { 0xBF29, "SetNickname" },
  { 0xBF2A, "UpdateMetadata" },
  { 0xBF2B, "RetrieveNotificationsList" },
  { 0xBF2D, "GetProfilesInfo" },
  { 0xBF2E, "GetEUICCChallenge" },
  { 0xBF30, "RemoveNotificationFromList" },
  { 0xBF31, "EnableProfile" },
  { 0xBF32, "DisableProfile" },
  { 0xBF33, "DeleteProfile" },
  { 0xBF34, "EuiccMemoryReset" },
  { 0xBF35, "LoadCRL" },
  { 0xBF36, "LoadBoundProfilePackage" },
  { 0xBF38, "AuthenticateServer" },
  { 0xBF3C, "GetEuiccConfiguredAddresses" },
  { 0xBF3E, "GetEID" },
  { 0xBF3F, "SetDefaultDpAddress" },
  { 0xBF41, "CancelSession" },
  { 0xBF42, "IpaeActivation" },
  { 0xBF43, "GetRAT" },
  { 0xBF51, "LoadEuiccPackage" },
  { 0xBF52, "IpaEuiccData" },
  { 0xBF55, "GetEimConfigurationData" },
  { 0xBF56, "GetCerts" },
  { 0xBF57, "AddInitialEim" },
  { 0xBF58, "ProfileRollback" },
  { 0xBF59, "ConfigureImmediateProfileEnabling" },
  { 0xBF5A, "ImmediateEnable" },
  { 0xBF5B, "EnableEmergencyProfile" },
  { 0xBF5C, "DisableEmergencyProfile" },
  { 0xBF5D, "ExecuteFallbackMechanism" },
  { 0xBF5E, "ReturnFromFallback" },
  { 0xBF5F, "GetConnectivityParameters" },
  { 0xBF64, "EuiccMemoryReset" },
  { 0xBF65, "SetDefaultDpAddress" },
  { 0xA0, "LoadBoundProfilePackage" },  /* BPP segments after the first */
  { 0xA1, "LoadBoundProfilePackage" },
  { 0xA2, "LoadBoundProfilePackage" },
  { 0xA3, "LoadBoundProfilePackage" },
  { 0x86, "LoadBoundProfilePackage" },
  { 0x87, "LoadBoundProfilePackage" },
  { 0x88, "LoadBoundProfilePackage" },
};

const gchar *
es10_function_name (guint32 tag)
{
  for (gsize i = 0; i < G_N_ELEMENTS (es10_functions); i++)
    if (es10_functions[i].tag == tag)
      return es10_functions[i].name;
  return NULL;
}

/* ICCID: EFiccid coding, two BCD digits per octet with the low nibble first, F filling the unused nibbles. */
gchar *
es10_iccid_decode (const guint8 *data, gsize length, GError **error)
{
  GString *digits;

  if (length != 10)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "ICCID: %" G_GSIZE_FORMAT " bytes, expected 10",
                   length);
      return NULL;
    }
  digits = g_string_sized_new (20);
  for (gsize i = 0; i < 2 * length; i++)
    {
      guint8 nibble = (i % 2 == 0) ? (data[i / 2] & 0x0F) : (data[i / 2] >> 4);

      if (nibble == 0x0F)
        {
          /* Padding: only allowed as the tail. */
          for (gsize j = i + 1; j < 2 * length; j++)
            {
              guint8 rest = (j % 2 == 0) ? (data[j / 2] & 0x0F) : (data[j / 2] >> 4);
              if (rest != 0x0F)
                {
                  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                               "ICCID: digit after the F padding at nibble %" G_GSIZE_FORMAT, j);
                  g_string_free (digits, TRUE);
                  return NULL;
                }
            }
          break;
        }
      if (nibble > 9)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "ICCID: nibble %" G_GSIZE_FORMAT " is %X, not a decimal digit", i, nibble);
          g_string_free (digits, TRUE);
          return NULL;
        }
      g_string_append_c (digits, (gchar) ('0' + nibble));
    }
  if (digits->len < 18)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "ICCID: %" G_GSIZE_FORMAT " digits, expected 18 to 20",
                   digits->len);
      g_string_free (digits, TRUE);
      return NULL;
    }
  return g_string_free (digits, FALSE);
}

gboolean
es10_iccid_encode (const gchar *iccid, guint8 ret_coded[10], GError **error)
{
  gsize n = iccid != NULL ? strlen (iccid) : 0;

  if (n < 18 || n > 20)
    {
      /* The value itself stays out of the message: errors reach logs and D-Bus callers. */
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "ICCID: %" G_GSIZE_FORMAT
                   " digits, expected 18 to 20", n);
      return FALSE;
    }
  memset (ret_coded, 0xFF, 10);
  for (gsize i = 0; i < n; i++)
    {
      guint8 digit;

      if (!g_ascii_isdigit (iccid[i]))
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                       "ICCID: character %" G_GSIZE_FORMAT " is not a digit", i);
          return FALSE;
        }
      digit = (guint8) (iccid[i] - '0');
      if (i % 2 == 0)
        ret_coded[i / 2] = (guint8) ((ret_coded[i / 2] & 0xF0) | digit);
      else
        ret_coded[i / 2] = (guint8) ((ret_coded[i / 2] & 0x0F) | (digit << 4));
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------------------ */

/* BER lets a length take more octets than it needs (81 05 for 05); DER does not. The value is the same. */
static void
note_length_form (const DerTlv *tlv, const gchar *structure)
{
  gsize header = tlv->raw_length - tlv->length;
  gsize needed = 1;

  if (tlv->length >= 0x80)
    for (gsize rest = tlv->length; rest > 0; rest >>= 8)
      needed++;
  if (header > der_tag_size (tlv->tag) + needed)
    es10_deviation_note ("%s: length octets in a longer form than needed", structure);
}

gboolean
es10_parse_outer (const guint8 *data, gsize length, guint32 tag, const gchar *structure, DerTlv *ret_tlv,
                  GError **error)
{
  if (data == NULL || length == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: empty response, expected tag %02X", structure,
                   tag);
      return FALSE;
    }
  if (!der_parse_single (data, length, ret_tlv, error))
    {
      g_prefix_error (error, "%s: ", structure);
      return FALSE;
    }
  if (ret_tlv->tag != tag)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: outer tag %02X, expected %02X", structure,
                   ret_tlv->tag, tag);
      return FALSE;
    }
  if (!ret_tlv->constructed)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: outer tag %02X is primitive, expected constructed",
                   structure, tag);
      return FALSE;
    }
  note_length_form (ret_tlv, structure);
  return TRUE;
}

gboolean
es10_enter (const DerTlv *tlv, const gchar *structure, const gchar *field, DerReader *ret_reader, GError **error)
{
  if (!tlv->constructed)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): primitive, expected constructed",
                   structure, field, tlv->tag);
      return FALSE;
    }
  if (!der_reader_enter (tlv, ret_reader, error))
    {
      g_prefix_error (error, "%s: %s (%02X): ", structure, field, tlv->tag);
      return FALSE;
    }
  return TRUE;
}

gboolean
es10_next (DerReader *reader, const gchar *structure, DerTlv *ret_tlv, GError **error)
{
  if (!der_reader_next (reader, ret_tlv, error))
    {
      g_prefix_error (error, "%s: ", structure);
      return FALSE;
    }
  note_length_form (ret_tlv, structure);
  return TRUE;
}

static gboolean
es10_check_primitive (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error)
{
  if (tlv->constructed)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): constructed, expected primitive",
                   structure, field, tlv->tag);
      return FALSE;
    }
  return TRUE;
}

gboolean
es10_read_version (const DerTlv *tlv, const gchar *structure, const gchar *field, RspVersion *ret_version,
                   GError **error)
{
  if (!es10_check_primitive (tlv, structure, field, error))
    return FALSE;
  if (tlv->length != 3)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): length %" G_GSIZE_FORMAT
                   ", expected 3", structure, field, tlv->tag, tlv->length);
      return FALSE;
    }
  ret_version->major = tlv->value[0];
  ret_version->minor = tlv->value[1];
  ret_version->revision = tlv->value[2];
  return TRUE;
}

gchar *
es10_read_utf8 (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error)
{
  gchar *text = der_tlv_dup_utf8 (tlv, error);

  if (text == NULL)
    g_prefix_error (error, "%s: %s (%02X): ", structure, field, tlv->tag);
  return text;
}

gboolean
es10_read_int (const DerTlv *tlv, const gchar *structure, const gchar *field, gint64 *ret_value, GError **error)
{
  DerTlv minimal = *tlv;

  /* A redundant leading 00 (or FF before a negative octet) does not change the number: read it without. */
  while (!minimal.constructed && minimal.length >= 2 &&
         ((minimal.value[0] == 0x00 && (minimal.value[1] & 0x80) == 0) ||
          (minimal.value[0] == 0xFF && (minimal.value[1] & 0x80) != 0)))
    {
      minimal.value++;
      minimal.length--;
    }
  if (minimal.length != tlv->length)
    es10_deviation_note ("%s: %s (%02X): INTEGER with redundant leading octets", structure, field, tlv->tag);
  if (!der_tlv_get_int (&minimal, ret_value, error))
    {
      g_prefix_error (error, "%s: %s (%02X): ", structure, field, tlv->tag);
      return FALSE;
    }
  return TRUE;
}

gboolean
es10_read_bool (const DerTlv *tlv, const gchar *structure, const gchar *field, gboolean *ret_value, GError **error)
{
  if (!der_tlv_get_bool (tlv, ret_value, error))
    {
      g_prefix_error (error, "%s: %s (%02X): ", structure, field, tlv->tag);
      return FALSE;
    }
  if (tlv->value[0] != 0x00 && tlv->value[0] != 0xFF)
    es10_deviation_note ("%s: %s (%02X): BOOLEAN TRUE not coded FF", structure, field, tlv->tag);
  return TRUE;
}

gboolean
es10_read_null (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error)
{
  if (!es10_check_primitive (tlv, structure, field, error))
    return FALSE;
  if (tlv->length != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): NULL of length %" G_GSIZE_FORMAT
                   ", expected 0", structure, field, tlv->tag, tlv->length);
      return FALSE;
    }
  return TRUE;
}

gboolean
es10_read_bits (const DerTlv *tlv, const gchar *structure, const gchar *field, guint64 *ret_mask, GError **error)
{
  const guint8 *bits = NULL;
  gsize length = 0;
  guint unused = 0;
  guint64 mask = 0;

  if (!der_tlv_get_bits (tlv, &bits, &length, &unused, error))
    {
      g_prefix_error (error, "%s: %s (%02X): ", structure, field, tlv->tag);
      return FALSE;
    }
  for (guint n = 0; n < 64 && n / 8 < length; n++)
    if (der_bits_test (bits, length, unused, n))
      mask |= G_GUINT64_CONSTANT (1) << n;
  *ret_mask = mask;
  return TRUE;
}

GBytes *
es10_read_octets (const DerTlv *tlv, const gchar *structure, const gchar *field, gsize min_length, gsize max_length,
                  GError **error)
{
  if (!es10_check_primitive (tlv, structure, field, error))
    return NULL;
  if (tlv->length < min_length || tlv->length > max_length)
    {
      if (min_length == max_length)
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): length %" G_GSIZE_FORMAT
                     ", expected %" G_GSIZE_FORMAT, structure, field, tlv->tag, tlv->length, min_length);
      else
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): length %" G_GSIZE_FORMAT
                     ", expected %" G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT, structure, field, tlv->tag, tlv->length,
                     min_length, max_length);
      return NULL;
    }
  return g_bytes_new (tlv->value, tlv->length);
}

gchar *
es10_read_iccid (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error)
{
  gchar *iccid;

  if (!es10_check_primitive (tlv, structure, field, error))
    return NULL;
  iccid = es10_iccid_decode (tlv->value, tlv->length, error);
  if (iccid == NULL)
    g_prefix_error (error, "%s: %s (%02X): ", structure, field, tlv->tag);
  return iccid;
}

GPtrArray *
es10_read_pkid_list (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_bytes_unref_notify);
  DerReader reader;

  if (!es10_enter (tlv, structure, field, &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;
      GBytes *pkid;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      if (item.tag != 0x04)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "%s: %s (%02X): item tag %02X, expected 04 (SubjectKeyIdentifier)", structure, field, tlv->tag,
                       item.tag);
          return NULL;
        }
      pkid = es10_read_octets (&item, structure, field, 1, 64, error);
      if (pkid == NULL)
        return NULL;
      g_ptr_array_add (list, pkid);
    }
  return g_steal_pointer (&list);
}

GArray *
es10_read_version_list (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error)
{
  g_autoptr(GArray) list = g_array_new (FALSE, TRUE, sizeof (RspVersion));
  DerReader reader;

  if (!es10_enter (tlv, structure, field, &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;
      RspVersion version;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      if (item.tag != 0x04)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "%s: %s (%02X): item tag %02X, expected 04 (VersionType)", structure, field, tlv->tag, item.tag);
          return NULL;
        }
      if (!es10_read_version (&item, structure, field, &version, error))
        return NULL;
      g_array_append_val (list, version);
    }
  return g_steal_pointer (&list);
}

void
es10_operator_id_free (Es10OperatorId *operator_id)
{
  if (operator_id == NULL)
    return;
  g_clear_pointer (&operator_id->gid1, g_bytes_unref);
  g_clear_pointer (&operator_id->gid2, g_bytes_unref);
  g_free (operator_id);
}

Es10OperatorId *
es10_read_operator_id (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error)
{
  g_autoptr(Es10OperatorId) operator_id = g_new0 (Es10OperatorId, 1);
  gboolean have_mcc_mnc = FALSE;
  DerReader reader;

  if (!es10_enter (tlv, structure, field, &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      switch (item.tag)
        {
        case 0x80:
          if (!es10_check_primitive (&item, structure, "mccMnc", error))
            return NULL;
          if (item.length != 3)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                           "%s: %s: mccMnc (80): length %" G_GSIZE_FORMAT ", expected 3", structure, field,
                           item.length);
              return NULL;
            }
          memcpy (operator_id->mcc_mnc, item.value, 3);
          have_mcc_mnc = TRUE;
          break;
        case 0x81:
          g_clear_pointer (&operator_id->gid1, g_bytes_unref);
          operator_id->gid1 = es10_read_octets (&item, structure, "gid1", 0, G_MAXSIZE, error);
          if (operator_id->gid1 == NULL)
            return NULL;
          break;
        case 0x82:
          g_clear_pointer (&operator_id->gid2, g_bytes_unref);
          operator_id->gid2 = es10_read_octets (&item, structure, "gid2", 0, G_MAXSIZE, error);
          if (operator_id->gid2 == NULL)
            return NULL;
          break;
        default:
          break;  /* extensibility */
        }
    }
  if (!have_mcc_mnc)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %s: mccMnc (80) missing", structure, field);
      return NULL;
    }
  return g_steal_pointer (&operator_id);
}

gboolean
es10_missing (gboolean present, const gchar *structure, const gchar *field, guint32 tag, GError **error)
{
  if (present)
    return FALSE;
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X) missing", structure, field, tag);
  return TRUE;
}

/* Under AUTOMATIC TAGS a context tag on a SEQUENCE type is implicit: the A5/A6/A0 TLV holds the SEQUENCE's
 * contents. Putting the universal SEQUENCE tag back gives the value's own DER (a certificate as issued). */
GBytes *
es10_read_implicit_sequence (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error)
{
  g_autofree guint8 *der = NULL;
  DerTlv check;

  if (!tlv->constructed || tlv->raw_length < 2 || tlv->raw[0] != (guint8) tlv->tag)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): expected a constructed one-byte tag",
                   structure, field, tlv->tag);
      return NULL;
    }
  der = g_memdup2 (tlv->raw, tlv->raw_length);
  der[0] = 0x30;
  if (!der_parse_single (der, tlv->raw_length, &check, error) || !der_validate (&check, error))
    {
      g_prefix_error (error, "%s: %s (%02X): ", structure, field, tlv->tag);
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&der), tlv->raw_length);
}

GBytes *
es10_tlv_dup_value (const DerTlv *tlv)
{
  return g_bytes_new (tlv->value, tlv->length);
}

GBytes *
es10_tlv_dup_raw (const DerTlv *tlv)
{
  return g_bytes_new (tlv->raw, tlv->raw_length);
}

GBytes *
es10_encode_empty (guint32 tag)
{
  DerWriter writer;

  der_writer_init (&writer);
  der_begin (&writer, tag);
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
es10_transact (IsdrSession *session, GBytes *request, GError **error)
{
  g_autoptr(GBytes) response = isdr_session_es10_bytes (session, request, error);

  if (response == NULL)
    return NULL;
  if (g_bytes_get_size (response) == 0)
    {
      gsize length = 0;
      const guint8 *data = g_bytes_get_data (request, &length);
      guint32 tag = length >= 2 ? (guint32) ((data[0] << 8) | data[1]) : 0;
      const gchar *name = es10_function_name (tag);

      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s (%02X): the card answered without response data",
                   name != NULL ? name : "ES10 request", tag);
      return NULL;
    }
  return g_steal_pointer (&response);
}

Es10Answer *
es10_call (IsdrSession *session, GBytes *request, GError **error)
{
  g_autoptr(GBytes) owned_request = request;
  g_autoptr(GBytes) response = NULL;
  Es10Answer *answer;
  gsize length = 0;
  const guint8 *data;

  if (owned_request == NULL)
    return NULL;
  response = es10_transact (session, owned_request, error);
  if (response == NULL)
    return NULL;
  data = g_bytes_get_data (owned_request, &length);
  answer = g_new0 (Es10Answer, 1);
  answer->bytes = g_steal_pointer (&response);
  answer->deviations = es10_deviations_new (es10_function_name (length >= 2 ? (guint32) ((data[0] << 8) | data[1]) : 0));
  es10_deviations_collect (answer->deviations);
  return answer;
}

void
es10_answer_free (Es10Answer *answer)
{
  if (answer == NULL)
    return;
  es10_deviations_stop (answer->deviations);
  es10_deviations_warn (answer->deviations);
  es10_deviations_free (answer->deviations);
  g_bytes_unref (answer->bytes);
  g_free (answer);
}

static gboolean
is_one_of (guint32 tag, const guint32 *tags)
{
  for (; tags != NULL && *tags != 0; tags++)
    if (*tags == tag)
      return TRUE;
  return FALSE;
}

gboolean
es10_read_list_or_error (DerReader *reader, const gchar *structure, const gchar *list_name, const gchar *error_name,
                         const guint32 *entry_tags, gboolean *ret_has_error, gint64 *ret_error_code, GError **error)
{
  DerReader peek = *reader;
  DerTlv first;

  *ret_has_error = FALSE;
  if (der_reader_at_end (reader))
    {
      es10_deviation_note ("%s: empty, read as an empty %s", structure, list_name);
      return TRUE;
    }
  if (!es10_next (&peek, structure, &first, error))
    return FALSE;
  if (first.tag == 0x02)
    {
      /* The error code as a bare INTEGER: no other alternative is an INTEGER. */
      if (!es10_read_int (&first, structure, error_name, ret_error_code, error))
        return FALSE;
      es10_deviation_note ("%s: %s as a universal INTEGER (02) instead of 81", structure, error_name);
      *ret_has_error = TRUE;
      *reader = peek;
      return TRUE;
    }
  if (first.constructed && is_one_of (first.tag, entry_tags))
    {
      /* Entries straight under the outer tag: they can only be the list whose A0 wrapper was left out. */
      es10_deviation_note ("%s: %s without its A0 wrapper", structure, list_name);
      return TRUE;
    }
  return es10_read_ok_or_error (reader, structure, list_name, error_name, ret_has_error, ret_error_code, error);
}

gboolean
es10_read_ok_or_error (DerReader *reader, const gchar *structure, const gchar *ok_name, const gchar *error_name,
                       gboolean *ret_has_error, gint64 *ret_error_code, GError **error)
{
  DerTlv choice;

  *ret_has_error = FALSE;
  if (der_reader_at_end (reader))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: empty, expected %s (A0) or %s (81)", structure,
                   ok_name, error_name);
      return FALSE;
    }
  if (!es10_next (reader, structure, &choice, error))
    return FALSE;
  if (choice.tag == 0x81)
    {
      if (!es10_read_int (&choice, structure, error_name, ret_error_code, error))
        return FALSE;
      *ret_has_error = TRUE;
      return TRUE;
    }
  if (choice.tag != 0xA0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: tag %02X, expected %s (A0) or %s (81)",
                   structure, choice.tag, ok_name, error_name);
      return FALSE;
    }
  return es10_enter (&choice, structure, ok_name, reader, error);
}

Es10SkippedEntry *
es10_skipped_entry_new (GBytes *raw, const gchar *reason)
{
  Es10SkippedEntry *entry = g_new0 (Es10SkippedEntry, 1);

  entry->raw = raw != NULL ? g_bytes_ref (raw) : NULL;
  entry->reason = g_strdup (reason);
  return entry;
}

void
es10_skipped_entry_free (Es10SkippedEntry *entry)
{
  if (entry == NULL)
    return;
  g_clear_pointer (&entry->raw, g_bytes_unref);
  g_free (entry->reason);
  g_free (entry);
}

gboolean
es10_field_once (Es10FieldSet *set, const DerTlv *item, const gchar *structure, gboolean *ret_repeated,
                 GError **error)
{
  *ret_repeated = FALSE;
  for (guint i = 0; i < set->n; i++)
    {
      if (set->tags[i] != item->tag)
        continue;
      if (set->lengths[i] != item->raw_length || memcmp (set->raws[i], item->raw, item->raw_length) != 0)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "%s: field %02X repeated with a different value", structure, item->tag);
          return FALSE;
        }
      es10_deviation_note ("%s: field %02X repeated with the same value", structure, item->tag);
      *ret_repeated = TRUE;
      return TRUE;
    }
  if (set->n < G_N_ELEMENTS (set->tags))
    {
      set->tags[set->n] = item->tag;
      set->raws[set->n] = item->raw;
      set->lengths[set->n] = item->raw_length;
      set->n++;
    }
  return TRUE;
}

void
es10_skip_entry (GPtrArray *skipped, const DerTlv *entry, const gchar *structure, guint index, const GError *reason)
{
  g_autoptr(GBytes) raw = es10_tlv_dup_raw (entry);
  g_autofree gchar *text = g_strdup_printf ("entry %u (tag %02X): %s", index, entry->tag,
                                            reason != NULL ? reason->message : "not understood");

  g_debug ("%s: left out %s", structure, text);
  g_ptr_array_add (skipped, es10_skipped_entry_new (raw, text));
}
