/* SPDX-License-Identifier: Apache-2.0 */
/* SGP.32 eIM configuration on the eUICC: GetEimConfigurationData tells the IPA which eIM to poll and which key
 * the eIM's TLS server must present; AddInitialEim installs the first eIM. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <string.h>

#include "card/es10-eim.h"
#include "card/es10-private.h"
#include "euiccd-error.h"
#include "euiccd-destroy.h"

EUICCD_DEFINE_DESTROY_NOTIFY (es10_eim_configuration_free, Es10EimConfiguration)
EUICCD_DEFINE_DESTROY_NOTIFY (es10_skipped_entry_free, Es10SkippedEntry)

#define EIM_ID_MAX_LENGTH 128

Es10EimConfiguration *
es10_eim_configuration_new (void)
{
  return g_new0 (Es10EimConfiguration, 1);
}

void
es10_eim_configuration_free (Es10EimConfiguration *eim)
{
  if (eim == NULL)
    return;
  g_free (eim->eim_id);
  g_free (eim->eim_fqdn);
  g_clear_pointer (&eim->public_key_data, g_bytes_unref);
  g_clear_pointer (&eim->tls_data, g_bytes_unref);
  g_clear_pointer (&eim->euicc_ci_pkid, g_bytes_unref);
  g_free (eim);
}

void
es10_eim_configuration_list_free (Es10EimConfigurationList *list)
{
  if (list == NULL)
    return;
  g_clear_pointer (&list->eims, g_ptr_array_unref);
  g_clear_pointer (&list->skipped, g_ptr_array_unref);
  g_free (list);
}

void
es10_add_initial_eim_result_free (Es10AddInitialEimResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->entries, g_array_unref);
  g_free (result);
}

/* ---- EimConfigurationData ---------------------------------------------------------------------------- */

/* eimPublicKeyData [5] and trustedPublicKeyDataTls [6] are CHOICEs, so their tags are explicit; inside, the
 * untagged alternatives get automatic tags: [0] SubjectPublicKeyInfo (A0), [1] Certificate (A1), each implicit,
 * so the SEQUENCE's own 30 tag is replaced. Some implementations put the bare SEQUENCE (30) there instead;
 * that is accepted too, told apart by its component count (an SPKI has two, a Certificate three). */
static gboolean
read_key_choice (const DerTlv *tlv, const gchar *structure, const gchar *field, Es10EimKeyKind *ret_kind,
                 GBytes **ret_data, GError **error)
{
  DerReader reader;
  DerTlv key;
  DerReader parts;
  guint n_parts = 0;

  if (!es10_enter (tlv, structure, field, &reader, error))
    return FALSE;
  if (der_reader_at_end (&reader))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: %s (%02X): empty, expected eimPublicKey (A0) or eimCertificate (A1)", structure, field,
                   tlv->tag);
      return FALSE;
    }
  if (!es10_next (&reader, structure, &key, error))
    return FALSE;
  if (key.tag == 0xA0 || key.tag == 0xA1)
    {
      *ret_data = es10_read_implicit_sequence (&key, structure, field, error);
      if (*ret_data == NULL)
        return FALSE;
      *ret_kind = key.tag == 0xA0 ? ES10_EIM_KEY_PUBLIC_KEY : ES10_EIM_KEY_CERTIFICATE;
      return TRUE;
    }
  if (key.tag != 0x30)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: %s (%02X): tag %02X, expected eimPublicKey (A0) or eimCertificate (A1)", structure, field,
                   tlv->tag, key.tag);
      return FALSE;
    }
  if (!es10_enter (&key, structure, field, &parts, error))
    return FALSE;
  while (!der_reader_at_end (&parts))
    {
      DerTlv part;

      if (!es10_next (&parts, structure, &part, error))
        return FALSE;
      n_parts++;
    }
  if (n_parts == 2)
    *ret_kind = ES10_EIM_KEY_PUBLIC_KEY;
  else if (n_parts == 3)
    *ret_kind = ES10_EIM_KEY_CERTIFICATE;
  else
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: %s (%02X): SEQUENCE of %u components, expected 2 (SubjectPublicKeyInfo) or 3 (Certificate)",
                   structure, field, tlv->tag, n_parts);
      return FALSE;
    }
  *ret_data = es10_tlv_dup_raw (&key);
  return TRUE;
}

static Es10EimConfiguration *
parse_eim_configuration (const DerTlv *tlv, GError **error)
{
  static const gchar structure[] = "EimConfigurationData";
  g_autoptr(Es10EimConfiguration) eim = es10_eim_configuration_new ();
  Es10FieldSet seen = { 0 };
  DerReader reader;
  guint64 mask;

  if (tlv->tag != 0x30)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: tag %02X, expected 30", structure, tlv->tag);
      return NULL;
    }
  if (!es10_enter (tlv, structure, "EimConfigurationData", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;
      gboolean repeated;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      if (!es10_field_once (&seen, &item, structure, &repeated, error))
        return NULL;
      if (repeated)
        continue;
      switch (item.tag)
        {
        case 0x80:
          g_clear_pointer (&eim->eim_id, g_free);
          eim->eim_id = es10_read_utf8 (&item, structure, "eimId", error);
          if (eim->eim_id == NULL)
            return NULL;
          if (item.length == 0 || item.length > EIM_ID_MAX_LENGTH)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                           "%s: eimId (80): length %" G_GSIZE_FORMAT ", expected 1 to %u", structure, item.length,
                           EIM_ID_MAX_LENGTH);
              return NULL;
            }
          break;
        case 0x81:
          g_clear_pointer (&eim->eim_fqdn, g_free);
          eim->eim_fqdn = es10_read_utf8 (&item, structure, "eimFqdn", error);
          if (eim->eim_fqdn == NULL)
            return NULL;
          break;
        case 0x82:
          if (!es10_read_int (&item, structure, "eimIdType", &eim->eim_id_type, error))
            return NULL;
          eim->has_eim_id_type = TRUE;
          break;
        case 0x83:
          if (!es10_read_int (&item, structure, "counterValue", &eim->counter_value, error))
            return NULL;
          eim->has_counter_value = TRUE;
          break;
        case 0x84:
          if (!es10_read_int (&item, structure, "associationToken", &eim->association_token, error))
            return NULL;
          eim->has_association_token = TRUE;
          break;
        case 0xA5:
          g_clear_pointer (&eim->public_key_data, g_bytes_unref);
          if (!read_key_choice (&item, structure, "eimPublicKeyData", &eim->public_key_kind, &eim->public_key_data,
                                error))
            return NULL;
          break;
        case 0xA6:
          g_clear_pointer (&eim->tls_data, g_bytes_unref);
          if (!read_key_choice (&item, structure, "trustedPublicKeyDataTls", &eim->tls_kind, &eim->tls_data, error))
            return NULL;
          break;
        case 0x87:
          if (!es10_read_bits (&item, structure, "eimSupportedProtocol", &mask, error))
            return NULL;
          eim->supported_protocols = (guint32) mask;
          eim->has_supported_protocols = TRUE;
          break;
        case 0x88:
          g_clear_pointer (&eim->euicc_ci_pkid, g_bytes_unref);
          eim->euicc_ci_pkid = es10_read_octets (&item, structure, "euiccCiPKId", 1, 64, error);
          if (eim->euicc_ci_pkid == NULL)
            return NULL;
          break;
        case 0x89:
          if (!es10_read_null (&item, structure, "indirectProfileDownload", error))
            return NULL;
          eim->indirect_profile_download = TRUE;
          break;
        default:
          break;  /* eSipaProprietaryProtocolInformation [10] and later additions */
        }
    }
  if (es10_missing (eim->eim_id != NULL, structure, "eimId", 0x80, error))
    return NULL;
  return g_steal_pointer (&eim);
}

Es10EimConfiguration *
es10_eim_configuration_decode (const guint8 *data, gsize length, GError **error)
{
  DerTlv tlv;

  if (data == NULL || length == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "EimConfigurationData: empty");
      return NULL;
    }
  if (!der_parse_single (data, length, &tlv, error))
    {
      g_prefix_error (error, "EimConfigurationData: ");
      return NULL;
    }
  return parse_eim_configuration (&tlv, error);
}

static gboolean
check_key_data (GBytes *key, const gchar *field, GError **error)
{
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (key, &length);
  DerTlv tlv;

  if (length == 0 || !der_parse_single (data, length, &tlv, NULL) || tlv.tag != 0x30)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "EimConfigurationData: %s is not one DER SEQUENCE (SubjectPublicKeyInfo or Certificate)", field);
      return FALSE;
    }
  return TRUE;
}

/* [5]/[6] explicit around the CHOICE; the alternative's automatic tag (A0 key, A1 certificate) replaces the
 * SEQUENCE tag of the DER given (checked by check_key_data() to be one SEQUENCE). */
static void
write_key_choice (DerWriter *writer, guint32 tag, Es10EimKeyKind kind, GBytes *key)
{
  DerTlv tlv;

  if (!der_parse_single (g_bytes_get_data (key, NULL), g_bytes_get_size (key), &tlv, NULL))
    g_return_if_reached ();
  der_begin (writer, tag);
  der_write (writer, kind == ES10_EIM_KEY_PUBLIC_KEY ? 0xA0 : 0xA1, tlv.value, tlv.length);
  der_end (writer);
}

gboolean
es10_eim_configuration_encode (const Es10EimConfiguration *eim, GByteArray *buffer, GError **error)
{
  g_autoptr(GBytes) encoded = NULL;
  DerWriter writer;
  gsize eim_id_length = eim->eim_id != NULL ? strlen (eim->eim_id) : 0;

  if (eim_id_length == 0 || eim_id_length > EIM_ID_MAX_LENGTH || !g_utf8_validate (eim->eim_id, -1, NULL))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "EimConfigurationData: eimId of %" G_GSIZE_FORMAT " bytes, expected 1 to %u bytes of UTF-8",
                   eim_id_length, EIM_ID_MAX_LENGTH);
      return FALSE;
    }
  if (eim->eim_fqdn != NULL && !g_utf8_validate (eim->eim_fqdn, -1, NULL))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "EimConfigurationData: eimFqdn is not UTF-8");
      return FALSE;
    }
  if (eim->public_key_kind != ES10_EIM_KEY_NONE &&
      (eim->public_key_data == NULL || !check_key_data (eim->public_key_data, "eimPublicKeyData", error)))
    {
      if (eim->public_key_data == NULL)
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                     "EimConfigurationData: eimPublicKeyData kind set without data");
      return FALSE;
    }
  if (eim->tls_kind != ES10_EIM_KEY_NONE &&
      (eim->tls_data == NULL || !check_key_data (eim->tls_data, "trustedPublicKeyDataTls", error)))
    {
      if (eim->tls_data == NULL)
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                     "EimConfigurationData: trustedPublicKeyDataTls kind set without data");
      return FALSE;
    }

  der_writer_init (&writer);
  der_begin (&writer, 0x30);
  der_write_utf8 (&writer, 0x80, eim->eim_id);
  if (eim->eim_fqdn != NULL)
    der_write_utf8 (&writer, 0x81, eim->eim_fqdn);
  if (eim->has_eim_id_type)
    der_write_int (&writer, 0x82, eim->eim_id_type);
  if (eim->has_counter_value)
    der_write_int (&writer, 0x83, eim->counter_value);
  if (eim->has_association_token)
    der_write_int (&writer, 0x84, eim->association_token);
  if (eim->public_key_kind != ES10_EIM_KEY_NONE)
    write_key_choice (&writer, 0xA5, eim->public_key_kind, eim->public_key_data);
  if (eim->tls_kind != ES10_EIM_KEY_NONE)
    write_key_choice (&writer, 0xA6, eim->tls_kind, eim->tls_data);
  if (eim->has_supported_protocols)
    der_write_named_bits (&writer, 0x87, eim->supported_protocols, 5);
  if (eim->euicc_ci_pkid != NULL)
    der_write_bytes (&writer, 0x88, eim->euicc_ci_pkid);
  if (eim->indirect_profile_download)
    der_write_null (&writer, 0x89);
  der_end (&writer);
  encoded = der_writer_finish (&writer);
  g_byte_array_append (buffer, g_bytes_get_data (encoded, NULL), (guint) g_bytes_get_size (encoded));
  return TRUE;
}

/* ---- GetEimConfigurationData ------------------------------------------------------------------------- */

GBytes *
es10_get_eim_configuration_data_encode (const gchar *eim_id, GError **error)
{
  DerWriter writer;

  if (eim_id != NULL && (strlen (eim_id) == 0 || strlen (eim_id) > EIM_ID_MAX_LENGTH))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "GetEimConfigurationData: eimId of %" G_GSIZE_FORMAT " bytes, expected 1 to %u", strlen (eim_id),
                   EIM_ID_MAX_LENGTH);
      return NULL;
    }
  der_writer_init (&writer);
  der_begin (&writer, 0xBF55);
  if (eim_id != NULL)
    {
      /* searchCriteria: untagged CHOICE, automatic [0], explicit. */
      der_begin (&writer, 0xA0);
      der_write_utf8 (&writer, 0x80, eim_id);
      der_end (&writer);
    }
  der_end (&writer);
  return der_writer_finish (&writer);
}

Es10EimConfigurationList *
es10_get_eim_configuration_data_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "GetEimConfigurationDataResponse";
  g_autoptr(Es10EimConfigurationList) list = g_new0 (Es10EimConfigurationList, 1);
  DerTlv outer;
  DerTlv list_tlv = { 0 };
  DerReader reader, entries;

  list->skipped = g_ptr_array_new_with_free_func (es10_skipped_entry_free_notify);

  list->eims = g_ptr_array_new_with_free_func (es10_eim_configuration_free_notify);
  if (!es10_parse_outer (data, length, 0xBF55, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "GetEimConfigurationDataResponse", &reader, error))
    return NULL;
  if (der_reader_at_end (&reader))
    {
      /* BF5500: no eIM configured, said without the empty list inside. */
      es10_deviation_note ("%s: empty, read as an empty eimConfigurationDataList", structure);
      return g_steal_pointer (&list);
    }
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      if (item.tag == 0x30)
        {
          /* EimConfigurationData straight under BF55: the list whose A0 wrapper was left out. */
          if (list_tlv.raw != NULL && list_tlv.tag == 0xA0)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                           "%s: eimConfigurationDataList (A0) and bare EimConfigurationData (30) together",
                           structure);
              return NULL;
            }
          if (list_tlv.raw == NULL)
            es10_deviation_note ("%s: eimConfigurationDataList without its A0 wrapper", structure);
          list_tlv = outer;
          continue;
        }
      if (item.tag != 0xA0)
        continue;
      if (list_tlv.raw != NULL && list_tlv.tag != 0xA0)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "%s: eimConfigurationDataList (A0) and bare EimConfigurationData (30) together", structure);
          return NULL;
        }
      if (list_tlv.raw != NULL)
        {
          /* The same list twice is still one list; two different ones leave no way to tell which is meant. */
          if (list_tlv.raw_length != item.raw_length ||
              memcmp (list_tlv.raw, item.raw, item.raw_length) != 0)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                           "%s: eimConfigurationDataList (A0) repeated with different contents", structure);
              return NULL;
            }
          es10_deviation_note ("%s: eimConfigurationDataList (A0) repeated with the same contents", structure);
          continue;
        }
      list_tlv = item;
    }
  if (es10_missing (list_tlv.raw != NULL, structure, "eimConfigurationDataList", 0xA0, error))
    return NULL;
  if (!es10_enter (&list_tlv, structure, "eimConfigurationDataList", &entries, error))
    return NULL;
  /* One entry that cannot be read leaves the others standing: it goes to `skipped` with the reason. */
  for (guint index = 0; !der_reader_at_end (&entries);)
    {
      g_autoptr(GError) entry_error = NULL;
      DerTlv entry;
      Es10EimConfiguration *eim;

      if (!es10_next (&entries, structure, &entry, error))
        return NULL;
      if (list_tlv.tag != 0xA0 && entry.tag != 0x30)
        continue;  /* beside bare entries: the answer's own later fields */
      eim = parse_eim_configuration (&entry, &entry_error);
      if (eim == NULL)
        es10_skip_entry (list->skipped, &entry, structure, index, entry_error);
      else
        g_ptr_array_add (list->eims, eim);
      index++;
    }
  return g_steal_pointer (&list);
}

gboolean
es10_get_eim_configuration_data (IsdrSession *session, const gchar *eim_id, Es10EimConfigurationList **ret_list,
                                 GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_get_eim_configuration_data_encode (eim_id, error), error);

  *ret_list = response != NULL ? es10_get_eim_configuration_data_decode (ES10_ANSWER_DATA (response), error) : NULL;
  return *ret_list != NULL;
}

/* ---- AddInitialEim ----------------------------------------------------------------------------------- */

GBytes *
es10_add_initial_eim_encode (const Es10EimConfiguration *const *eims, gsize n_eims, GError **error)
{
  g_autoptr(GByteArray) list = g_byte_array_new ();
  DerWriter writer;

  if (n_eims == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "AddInitialEim: no eIM configuration given");
      return NULL;
    }
  for (gsize i = 0; i < n_eims; i++)
    if (!es10_eim_configuration_encode (eims[i], list, error))
      {
        g_prefix_error (error, "AddInitialEim: eIM %" G_GSIZE_FORMAT ": ", i);
        return NULL;
      }
  der_writer_init (&writer);
  der_begin (&writer, 0xBF57);
  der_begin (&writer, 0xA0);
  der_write_raw (&writer, list->data, list->len);
  der_end (&writer);
  der_end (&writer);
  return der_writer_finish (&writer);
}

Es10AddInitialEimResult *
es10_add_initial_eim_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "AddInitialEimResponse";
  g_autoptr(Es10AddInitialEimResult) result = g_new0 (Es10AddInitialEimResult, 1);
  DerTlv outer;
  DerReader reader;

  result->entries = g_array_new (FALSE, TRUE, sizeof (Es10AddInitialEimEntry));
  if (!es10_parse_outer (data, length, 0xBF57, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "AddInitialEimResponse", &reader, error))
    return NULL;
  if (!es10_read_ok_or_error (&reader, structure, "addInitialEimOk", "addInitialEimError", &result->has_error, &result->error_code, error))
    return NULL;
  if (result->has_error)
    return g_steal_pointer (&result);
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;
      Es10AddInitialEimEntry entry = { 0 };

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      if (item.tag == 0x84)
        {
          if (!es10_read_int (&item, structure, "associationToken", &entry.association_token, error))
            return NULL;
          entry.has_association_token = TRUE;
        }
      else if (item.tag == 0x05)
        {
          if (!es10_read_null (&item, structure, "addOk", error))
            return NULL;
        }
      else
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "%s: addInitialEimOk (A0): item %u has tag %02X, expected associationToken (84) or addOk (05)",
                       structure, result->entries->len, item.tag);
          return NULL;
        }
      g_array_append_val (result->entries, entry);
    }
  return g_steal_pointer (&result);
}

gboolean
es10_add_initial_eim (IsdrSession *session, const Es10EimConfiguration *const *eims, gsize n_eims,
                      Es10AddInitialEimResult **ret_result, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_add_initial_eim_encode (eims, n_eims, error), error);

  *ret_result = response != NULL ? es10_add_initial_eim_decode (ES10_ANSWER_DATA (response), error) : NULL;
  return *ret_result != NULL;
}
