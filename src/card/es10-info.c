/* SPDX-License-Identifier: Apache-2.0 */
/* ES10 functions that describe the eUICC itself: EID, EUICCInfo1/2, configured addresses, challenge,
 * certificates, RAT. Decoders check every length before reading and tolerate fields they do not know,
 * as EXTENSIBILITY IMPLIED requires. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <string.h>

#include "card/es10-info.h"
#include "card/es10-private.h"
#include "euiccd-error.h"
#include "euiccd-destroy.h"

EUICCD_DEFINE_DESTROY_NOTIFY (es10_operator_id_free, Es10OperatorId)

/* ---- GetEID ------------------------------------------------------------------------------------------ */

GBytes *
es10_get_eid_encode (void)
{
  static const guint8 tag_list[] = { 0x5A };
  DerWriter writer;

  der_writer_init (&writer);
  der_begin (&writer, 0xBF3E);
  der_write (&writer, 0x5C, tag_list, sizeof tag_list);
  der_end (&writer);
  return der_writer_finish (&writer);
}

gchar *
es10_get_eid_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "GetEuiccDataResponse";
  DerTlv outer;
  DerTlv item;
  DerReader reader;

  if (!es10_parse_outer (data, length, 0xBF3E, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "GetEuiccDataResponse", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      g_autoptr(GBytes) eid = NULL;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      if (item.tag != 0x5A)
        continue;
      eid = es10_read_octets (&item, structure, "eidValue", 16, 16, error);
      if (eid == NULL)
        return NULL;
      return der_to_hex (item.value, item.length);
    }
  es10_missing (FALSE, structure, "eidValue", 0x5A, error);
  return NULL;
}

gboolean
es10_get_eid (IsdrSession *session, gchar **ret_eid, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_get_eid_encode (), error);

  *ret_eid = response != NULL ? es10_get_eid_decode (ES10_ANSWER_DATA (response), error) : NULL;
  /* The EID names the card whose deviations are warned about once, this answer's included (they are warned
   * about when the answer is freed, after this). */
  if (*ret_eid != NULL)
    es10_deviations_set_card (*ret_eid);
  return *ret_eid != NULL;
}

/* ---- EUICCInfo1 -------------------------------------------------------------------------------------- */

void
es10_euicc_info1_free (Es10EuiccInfo1 *info)
{
  if (info == NULL)
    return;
  g_clear_pointer (&info->ci_pkids_verification, g_ptr_array_unref);
  g_clear_pointer (&info->ci_pkids_signing, g_ptr_array_unref);
  g_clear_pointer (&info->raw, g_bytes_unref);
  g_free (info);
}

GBytes *
es10_get_euicc_info1_encode (void)
{
  return es10_encode_empty (0xBF20);
}

Es10EuiccInfo1 *
es10_get_euicc_info1_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "EUICCInfo1";
  g_autoptr(Es10EuiccInfo1) info = g_new0 (Es10EuiccInfo1, 1);
  gboolean have_svn = FALSE;
  DerTlv outer;
  DerReader reader;

  if (!es10_parse_outer (data, length, 0xBF20, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "EUICCInfo1", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      switch (item.tag)
        {
        case 0x82:
          if (!es10_read_version (&item, structure, "svn", &info->svn, error))
            return NULL;
          have_svn = TRUE;
          break;
        case 0xA9:
          g_clear_pointer (&info->ci_pkids_verification, g_ptr_array_unref);
          info->ci_pkids_verification = es10_read_pkid_list (&item, structure, "euiccCiPKIdListForVerification",
                                                             error);
          if (info->ci_pkids_verification == NULL)
            return NULL;
          break;
        case 0xAA:
          g_clear_pointer (&info->ci_pkids_signing, g_ptr_array_unref);
          info->ci_pkids_signing = es10_read_pkid_list (&item, structure, "euiccCiPKIdListForSigning", error);
          if (info->ci_pkids_signing == NULL)
            return NULL;
          break;
        default:
          break;
        }
    }
  if (es10_missing (have_svn, structure, "svn", 0x82, error) ||
      es10_missing (info->ci_pkids_verification != NULL, structure, "euiccCiPKIdListForVerification", 0xA9, error) ||
      es10_missing (info->ci_pkids_signing != NULL, structure, "euiccCiPKIdListForSigning", 0xAA, error))
    return NULL;
  info->raw = es10_tlv_dup_raw (&outer);
  return g_steal_pointer (&info);
}

gboolean
es10_get_euicc_info1 (IsdrSession *session, Es10EuiccInfo1 **ret_info, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_get_euicc_info1_encode (), error);

  *ret_info = response != NULL ? es10_get_euicc_info1_decode (ES10_ANSWER_DATA (response), error) : NULL;
  return *ret_info != NULL;
}

/* ---- EUICCInfo2 -------------------------------------------------------------------------------------- */

void
es10_euicc_info2_free (Es10EuiccInfo2 *info)
{
  if (info == NULL)
    return;
  g_clear_pointer (&info->ext_card_resource, g_bytes_unref);
  g_clear_pointer (&info->ci_pkids_verification, g_ptr_array_unref);
  g_clear_pointer (&info->ci_pkids_signing, g_ptr_array_unref);
  g_clear_pointer (&info->sas_accreditation_number, g_free);
  g_clear_pointer (&info->certification_platform_label, g_free);
  g_clear_pointer (&info->certification_discovery_url, g_free);
  g_clear_pointer (&info->tre_product_reference, g_free);
  g_clear_pointer (&info->additional_profile_package_versions, g_array_unref);
  g_clear_pointer (&info->ci_pkids_signing_v3, g_ptr_array_unref);
  g_clear_pointer (&info->additional_euicc_info, g_bytes_unref);
  g_clear_pointer (&info->iot_versions, g_array_unref);
  g_clear_pointer (&info->euicc_minimum_security_level, g_bytes_unref);
  g_clear_pointer (&info->raw, g_bytes_unref);
  g_free (info);
}

GBytes *
es10_get_euicc_info2_encode (void)
{
  return es10_encode_empty (0xBF22);
}

/* extCardResource (ETSI TS 102 226 8.2.1.7.2): simple one-byte tags and lengths, 81 installed applications,
 * 82 free non-volatile memory, 83 free volatile memory, values big-endian. */
static gboolean
parse_ext_card_resource (Es10EuiccInfo2 *info, const guint8 *data, gsize length, GError **error)
{
  gsize pos = 0;

  while (pos < length)
    {
      guint8 tag;
      gsize item_length;
      guint64 value = 0;

      if (length - pos < 2)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "EUICCInfo2: extCardResource (84): truncated item at offset %" G_GSIZE_FORMAT, pos);
          return FALSE;
        }
      tag = data[pos];
      item_length = data[pos + 1];
      pos += 2;
      if (item_length > length - pos)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "EUICCInfo2: extCardResource (84): item %02X announces %" G_GSIZE_FORMAT " bytes, %"
                       G_GSIZE_FORMAT " remain", tag, item_length, length - pos);
          return FALSE;
        }
      if (tag >= 0x81 && tag <= 0x83)
        {
          if (item_length == 0 || item_length > 8)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                           "EUICCInfo2: extCardResource (84): item %02X has %" G_GSIZE_FORMAT
                           " bytes, expected 1 to 8", tag, item_length);
              return FALSE;
            }
          for (gsize i = 0; i < item_length; i++)
            value = (value << 8) | data[pos + i];
          if (tag == 0x81)
            {
              info->has_installed_applications = TRUE;
              info->installed_applications = (guint) MIN (value, G_MAXUINT);
            }
          else if (tag == 0x82)
            {
              info->has_free_nvm = TRUE;
              info->free_nvm = value;
            }
          else
            {
              info->has_free_ram = TRUE;
              info->free_ram = value;
            }
        }
      pos += item_length;
    }
  return TRUE;
}

static gboolean
parse_certification_data (Es10EuiccInfo2 *info, const DerTlv *tlv, GError **error)
{
  static const gchar structure[] = "EUICCInfo2: certificationDataObject";
  DerReader reader;

  if (!es10_enter (tlv, "EUICCInfo2", "certificationDataObject", &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;

      if (!es10_next (&reader, structure, &item, error))
        return FALSE;
      if (item.tag == 0x80)
        {
          g_clear_pointer (&info->certification_platform_label, g_free);
          info->certification_platform_label = es10_read_utf8 (&item, structure, "platformLabel", error);
          if (info->certification_platform_label == NULL)
            return FALSE;
        }
      else if (item.tag == 0x81)
        {
          g_clear_pointer (&info->certification_discovery_url, g_free);
          info->certification_discovery_url = es10_read_utf8 (&item, structure, "discoveryBaseURL", error);
          if (info->certification_discovery_url == NULL)
            return FALSE;
        }
    }
  if (es10_missing (info->certification_platform_label != NULL, structure, "platformLabel", 0x80, error) ||
      es10_missing (info->certification_discovery_url != NULL, structure, "discoveryBaseURL", 0x81, error))
    return FALSE;
  return TRUE;
}

static gboolean
parse_iot_specific_info (Es10EuiccInfo2 *info, const DerTlv *tlv, GError **error)
{
  static const gchar structure[] = "EUICCInfo2: iotSpecificInfo";
  DerReader reader;

  if (!es10_enter (tlv, "EUICCInfo2", "iotSpecificInfo", &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;

      if (!es10_next (&reader, structure, &item, error))
        return FALSE;
      switch (item.tag)
        {
        case 0xA0:
          g_clear_pointer (&info->iot_versions, g_array_unref);
          info->iot_versions = es10_read_version_list (&item, structure, "iotVersion", error);
          if (info->iot_versions == NULL)
            return FALSE;
          break;
        case 0x81:
          if (!es10_read_null (&item, structure, "ecallSupported", error))
            return FALSE;
          info->ecall_supported = TRUE;
          break;
        case 0x82:
          if (!es10_read_null (&item, structure, "fallbackSupported", error))
            return FALSE;
          info->fallback_supported = TRUE;
          break;
        default:
          break;
        }
    }
  if (es10_missing (info->iot_versions != NULL, structure, "iotVersion", 0xA0, error))
    return FALSE;
  info->has_iot_specific_info = TRUE;
  return TRUE;
}

Es10EuiccInfo2 *
es10_get_euicc_info2_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "EUICCInfo2";
  g_autoptr(Es10EuiccInfo2) info = g_new0 (Es10EuiccInfo2, 1);
  gboolean have_profile_version = FALSE, have_svn = FALSE, have_firmware = FALSE, have_uicc_capability = FALSE;
  gboolean have_rsp_capability = FALSE, have_pp_version = FALSE;
  Es10FieldSet seen = { 0 };
  DerTlv outer;
  DerReader reader;
  guint64 mask;

  if (!es10_parse_outer (data, length, 0xBF22, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "EUICCInfo2", &reader, error))
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
        case 0x81:
          if (!es10_read_version (&item, structure, "profileVersion", &info->profile_version, error))
            return NULL;
          have_profile_version = TRUE;
          break;
        case 0x82:
          if (!es10_read_version (&item, structure, "svn", &info->svn, error))
            return NULL;
          have_svn = TRUE;
          break;
        case 0x83:
          if (!es10_read_version (&item, structure, "euiccFirmwareVer", &info->firmware_version, error))
            return NULL;
          have_firmware = TRUE;
          break;
        case 0x84:
          g_clear_pointer (&info->ext_card_resource, g_bytes_unref);
          info->ext_card_resource = es10_read_octets (&item, structure, "extCardResource", 0, G_MAXSIZE, error);
          if (info->ext_card_resource == NULL)
            return NULL;
          /* Passed on to the eIM as the card gave it; only the figures shown locally need it readable. */
          {
            g_autoptr(GError) resource_error = NULL;

            if (!parse_ext_card_resource (info, item.value, item.length, &resource_error))
              {
                g_debug ("%s", resource_error->message);
                info->has_installed_applications = info->has_free_nvm = info->has_free_ram = FALSE;
              }
          }
          break;
        case 0x85:
          if (!es10_read_bits (&item, structure, "uiccCapability", &info->uicc_capability, error))
            return NULL;
          have_uicc_capability = TRUE;
          break;
        case 0x86:
          if (!es10_read_version (&item, structure, "ts102241Version", &info->ts102241_version, error))
            return NULL;
          info->has_ts102241_version = TRUE;
          break;
        case 0x87:
          if (!es10_read_version (&item, structure, "globalplatformVersion", &info->globalplatform_version, error))
            return NULL;
          info->has_globalplatform_version = TRUE;
          break;
        case 0x88:
          if (!es10_read_bits (&item, structure, "rspCapability", &mask, error))
            return NULL;
          info->rsp_capability = (guint32) mask;
          have_rsp_capability = TRUE;
          break;
        case 0xA9:
          g_clear_pointer (&info->ci_pkids_verification, g_ptr_array_unref);
          info->ci_pkids_verification = es10_read_pkid_list (&item, structure, "euiccCiPKIdListForVerification",
                                                             error);
          if (info->ci_pkids_verification == NULL)
            return NULL;
          break;
        case 0xAA:
          g_clear_pointer (&info->ci_pkids_signing, g_ptr_array_unref);
          info->ci_pkids_signing = es10_read_pkid_list (&item, structure, "euiccCiPKIdListForSigning", error);
          if (info->ci_pkids_signing == NULL)
            return NULL;
          break;
        case 0x8B:
          if (!es10_read_int (&item, structure, "euiccCategory", &info->euicc_category, error))
            return NULL;
          info->has_euicc_category = TRUE;
          break;
        case 0x99:
          if (!es10_read_bits (&item, structure, "forbiddenProfilePolicyRules", &mask, error))
            return NULL;
          info->forbidden_ppr = (guint32) mask;
          info->has_forbidden_ppr = TRUE;
          break;
        case 0x04:
          if (!es10_read_version (&item, structure, "ppVersion", &info->pp_version, error))
            return NULL;
          have_pp_version = TRUE;
          break;
        case 0x0C:
          g_clear_pointer (&info->sas_accreditation_number, g_free);
          info->sas_accreditation_number = es10_read_utf8 (&item, structure, "sasAcreditationNumber", error);
          if (info->sas_accreditation_number == NULL)
            return NULL;
          break;
        case 0xAC:
          if (!parse_certification_data (info, &item, error))
            return NULL;
          break;
        case 0x8D:
          if (!es10_read_bits (&item, structure, "treProperties", &mask, error))
            return NULL;
          info->tre_properties = (guint32) mask;
          info->has_tre_properties = TRUE;
          break;
        case 0x8E:
          g_clear_pointer (&info->tre_product_reference, g_free);
          info->tre_product_reference = es10_read_utf8 (&item, structure, "treProductReference", error);
          if (info->tre_product_reference == NULL)
            return NULL;
          break;
        case 0xAF:
          g_clear_pointer (&info->additional_profile_package_versions, g_array_unref);
          info->additional_profile_package_versions =
            es10_read_version_list (&item, structure, "additionalEuiccProfilePackageVersions", error);
          if (info->additional_profile_package_versions == NULL)
            return NULL;
          break;
        case 0x90:
          if (!es10_read_int (&item, structure, "ipaMode", &info->ipa_mode, error))
            return NULL;
          info->has_ipa_mode = TRUE;
          break;
        case 0xB1:
          g_clear_pointer (&info->ci_pkids_signing_v3, g_ptr_array_unref);
          info->ci_pkids_signing_v3 = es10_read_pkid_list (&item, structure, "euiccCiPKIdListForSigningV3", error);
          if (info->ci_pkids_signing_v3 == NULL)
            return NULL;
          break;
        case 0x92:
          g_clear_pointer (&info->additional_euicc_info, g_bytes_unref);
          info->additional_euicc_info = es10_read_octets (&item, structure, "additionalEuiccInfo", 0, 32, error);
          if (info->additional_euicc_info == NULL)
            return NULL;
          break;
        case 0x93:
          if (!es10_read_version (&item, structure, "highestSvn", &info->highest_svn, error))
            return NULL;
          info->has_highest_svn = TRUE;
          break;
        case 0xB4:
          if (!parse_iot_specific_info (info, &item, error))
            return NULL;
          break;
        case 0x95:
          g_clear_pointer (&info->euicc_minimum_security_level, g_bytes_unref);
          info->euicc_minimum_security_level =
            es10_read_octets (&item, structure, "euiccMinimumSecurityLevel", 1, 1, error);
          if (info->euicc_minimum_security_level == NULL)
            return NULL;
          break;
        default:
          break;  /* later versions add fields; EXTENSIBILITY IMPLIED */
        }
    }

  if (es10_missing (have_profile_version, structure, "profileVersion", 0x81, error) ||
      es10_missing (have_svn, structure, "svn", 0x82, error) ||
      es10_missing (have_firmware, structure, "euiccFirmwareVer", 0x83, error) ||
      es10_missing (info->ext_card_resource != NULL, structure, "extCardResource", 0x84, error) ||
      es10_missing (have_uicc_capability, structure, "uiccCapability", 0x85, error) ||
      es10_missing (have_rsp_capability, structure, "rspCapability", 0x88, error) ||
      es10_missing (info->ci_pkids_verification != NULL, structure, "euiccCiPKIdListForVerification", 0xA9, error) ||
      es10_missing (info->ci_pkids_signing != NULL, structure, "euiccCiPKIdListForSigning", 0xAA, error) ||
      es10_missing (have_pp_version, structure, "ppVersion", 0x04, error) ||
      es10_missing (info->sas_accreditation_number != NULL, structure, "sasAcreditationNumber", 0x0C, error))
    return NULL;

  info->raw = es10_tlv_dup_raw (&outer);
  return g_steal_pointer (&info);
}

gboolean
es10_get_euicc_info2 (IsdrSession *session, Es10EuiccInfo2 **ret_info, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_get_euicc_info2_encode (), error);

  *ret_info = response != NULL ? es10_get_euicc_info2_decode (ES10_ANSWER_DATA (response), error) : NULL;
  return *ret_info != NULL;
}

/* ---- EuiccConfiguredAddresses ------------------------------------------------------------------------ */

void
es10_configured_addresses_free (Es10ConfiguredAddresses *addresses)
{
  if (addresses == NULL)
    return;
  g_clear_pointer (&addresses->default_dp_address, g_free);
  g_clear_pointer (&addresses->root_ds_address, g_free);
  g_free (addresses);
}

GBytes *
es10_get_euicc_configured_addresses_encode (void)
{
  return es10_encode_empty (0xBF3C);
}

Es10ConfiguredAddresses *
es10_get_euicc_configured_addresses_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "EuiccConfiguredAddressesResponse";
  g_autoptr(Es10ConfiguredAddresses) addresses = g_new0 (Es10ConfiguredAddresses, 1);
  DerTlv outer;
  DerReader reader;

  if (!es10_parse_outer (data, length, 0xBF3C, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "EuiccConfiguredAddressesResponse", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      if (item.tag == 0x80)
        {
          g_clear_pointer (&addresses->default_dp_address, g_free);
          addresses->default_dp_address = es10_read_utf8 (&item, structure, "defaultDpAddress", error);
          if (addresses->default_dp_address == NULL)
            return NULL;
        }
      else if (item.tag == 0x81)
        {
          g_clear_pointer (&addresses->root_ds_address, g_free);
          addresses->root_ds_address = es10_read_utf8 (&item, structure, "rootDsAddress", error);
          if (addresses->root_ds_address == NULL)
            return NULL;
        }
    }
  if (es10_missing (addresses->root_ds_address != NULL, structure, "rootDsAddress", 0x81, error))
    return NULL;
  return g_steal_pointer (&addresses);
}

gboolean
es10_get_euicc_configured_addresses (IsdrSession *session, Es10ConfiguredAddresses **ret_addresses, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_get_euicc_configured_addresses_encode (), error);

  *ret_addresses = response != NULL ? es10_get_euicc_configured_addresses_decode (ES10_ANSWER_DATA (response), error) : NULL;
  return *ret_addresses != NULL;
}

/* ---- GetEUICCChallenge ------------------------------------------------------------------------------- */

GBytes *
es10_get_euicc_challenge_encode (void)
{
  return es10_encode_empty (0xBF2E);
}

GBytes *
es10_get_euicc_challenge_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "GetEuiccChallengeResponse";
  DerTlv outer;
  DerReader reader;

  if (!es10_parse_outer (data, length, 0xBF2E, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "GetEuiccChallengeResponse", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      if (item.tag == 0x80)
        return es10_read_octets (&item, structure, "euiccChallenge", 16, 16, error);
    }
  es10_missing (FALSE, structure, "euiccChallenge", 0x80, error);
  return NULL;
}

gboolean
es10_get_euicc_challenge (IsdrSession *session, GBytes **ret_challenge, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_get_euicc_challenge_encode (), error);

  *ret_challenge = response != NULL ? es10_get_euicc_challenge_decode (ES10_ANSWER_DATA (response), error) : NULL;
  return *ret_challenge != NULL;
}

/* ---- GetCerts ---------------------------------------------------------------------------------------- */

void
es10_certs_free (Es10Certs *certs)
{
  if (certs == NULL)
    return;
  g_clear_pointer (&certs->eum_certificate, g_bytes_unref);
  g_clear_pointer (&certs->euicc_certificate, g_bytes_unref);
  g_free (certs);
}

GBytes *
es10_get_certs_encode (const guint8 *ci_pkid, gsize ci_pkid_length)
{
  DerWriter writer;

  der_writer_init (&writer);
  der_begin (&writer, 0xBF56);
  if (ci_pkid != NULL)
    der_write (&writer, 0x80, ci_pkid, ci_pkid_length);
  der_end (&writer);
  return der_writer_finish (&writer);
}

Es10Certs *
es10_get_certs_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "GetCertsResponse";
  g_autoptr(Es10Certs) certs = g_new0 (Es10Certs, 1);
  DerTlv outer;
  DerReader reader;

  if (!es10_parse_outer (data, length, 0xBF56, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "GetCertsResponse", &reader, error))
    return NULL;
  if (!es10_read_ok_or_error (&reader, structure, "certs", "getCertsError", &certs->has_error, &certs->error_code, error))
    return NULL;
  if (certs->has_error)
    return g_steal_pointer (&certs);
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      if (item.tag == 0xA5)
        {
          g_clear_pointer (&certs->eum_certificate, g_bytes_unref);
          certs->eum_certificate = es10_read_implicit_sequence (&item, structure, "eumCertificate", error);
          if (certs->eum_certificate == NULL)
            return NULL;
        }
      else if (item.tag == 0xA6)
        {
          g_clear_pointer (&certs->euicc_certificate, g_bytes_unref);
          certs->euicc_certificate = es10_read_implicit_sequence (&item, structure, "euiccCertificate", error);
          if (certs->euicc_certificate == NULL)
            return NULL;
        }
    }
  if (es10_missing (certs->eum_certificate != NULL, structure, "eumCertificate", 0xA5, error) ||
      es10_missing (certs->euicc_certificate != NULL, structure, "euiccCertificate", 0xA6, error))
    return NULL;
  return g_steal_pointer (&certs);
}

gboolean
es10_get_certs (IsdrSession *session, const guint8 *ci_pkid, gsize ci_pkid_length, Es10Certs **ret_certs,
                GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_get_certs_encode (ci_pkid, ci_pkid_length), error);

  *ret_certs = response != NULL ? es10_get_certs_decode (ES10_ANSWER_DATA (response), error) : NULL;
  return *ret_certs != NULL;
}

/* ---- GetRAT ------------------------------------------------------------------------------------------ */

static void
es10_rat_rule_free (Es10RatRule *rule)
{
  if (rule == NULL)
    return;
  g_clear_pointer (&rule->allowed_operators, g_ptr_array_unref);
  g_free (rule);
}
EUICCD_DEFINE_DESTROY_NOTIFY (es10_rat_rule_free, Es10RatRule)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10RatRule, es10_rat_rule_free)

void
es10_rat_free (Es10Rat *rat)
{
  if (rat == NULL)
    return;
  g_clear_pointer (&rat->rules, g_ptr_array_unref);
  g_clear_pointer (&rat->raw, g_bytes_unref);
  g_free (rat);
}

GBytes *
es10_get_rat_encode (void)
{
  return es10_encode_empty (0xBF43);
}

static Es10RatRule *
parse_rat_rule (const DerTlv *tlv, GError **error)
{
  static const gchar structure[] = "GetRatResponse: ProfilePolicyAuthorisationRule";
  g_autoptr(Es10RatRule) rule = g_new0 (Es10RatRule, 1);
  gboolean have_ppr_ids = FALSE, have_flags = FALSE;
  DerReader reader;
  guint64 mask;

  if (tlv->tag != 0x30)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "GetRatResponse: rat (A0): item tag %02X, expected 30",
                   tlv->tag);
      return NULL;
    }
  if (!es10_enter (tlv, "GetRatResponse", "ProfilePolicyAuthorisationRule", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      switch (item.tag)
        {
        case 0x80:
          if (!es10_read_bits (&item, structure, "pprIds", &mask, error))
            return NULL;
          rule->ppr_ids = (guint32) mask;
          have_ppr_ids = TRUE;
          break;
        case 0xA1:
          {
            DerReader operators;

            g_clear_pointer (&rule->allowed_operators, g_ptr_array_unref);
            rule->allowed_operators = g_ptr_array_new_with_free_func (es10_operator_id_free_notify);
            if (!es10_enter (&item, structure, "allowedOperators", &operators, error))
              return NULL;
            while (!der_reader_at_end (&operators))
              {
                DerTlv op;
                Es10OperatorId *operator_id;

                if (!es10_next (&operators, structure, &op, error))
                  return NULL;
                operator_id = es10_read_operator_id (&op, structure, "allowedOperators", error);
                if (operator_id == NULL)
                  return NULL;
                g_ptr_array_add (rule->allowed_operators, operator_id);
              }
          }
          break;
        case 0x82:
          if (!es10_read_bits (&item, structure, "pprFlags", &mask, error))
            return NULL;
          rule->consent_required = (mask & 1) != 0;
          have_flags = TRUE;
          break;
        default:
          break;
        }
    }
  if (es10_missing (have_ppr_ids, structure, "pprIds", 0x80, error) ||
      es10_missing (rule->allowed_operators != NULL, structure, "allowedOperators", 0xA1, error) ||
      es10_missing (have_flags, structure, "pprFlags", 0x82, error))
    return NULL;
  return g_steal_pointer (&rule);
}

Es10Rat *
es10_get_rat_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "GetRatResponse";
  g_autoptr(Es10Rat) rat = g_new0 (Es10Rat, 1);
  DerTlv outer;
  DerReader reader;

  if (!es10_parse_outer (data, length, 0xBF43, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "GetRatResponse", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;
      DerReader rules;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      if (item.tag != 0xA0)
        continue;
      g_clear_pointer (&rat->rules, g_ptr_array_unref);
      rat->rules = g_ptr_array_new_with_free_func (es10_rat_rule_free_notify);
      if (!es10_enter (&item, structure, "rat", &rules, error))
        return NULL;
      while (!der_reader_at_end (&rules))
        {
          DerTlv rule_tlv;
          Es10RatRule *rule;

          if (!es10_next (&rules, structure, &rule_tlv, error))
            return NULL;
          rule = parse_rat_rule (&rule_tlv, error);
          if (rule == NULL)
            return NULL;
          g_ptr_array_add (rat->rules, rule);
        }
    }
  if (es10_missing (rat->rules != NULL, structure, "rat", 0xA0, error))
    return NULL;
  rat->raw = es10_tlv_dup_raw (&outer);
  return g_steal_pointer (&rat);
}

gboolean
es10_get_rat (IsdrSession *session, Es10Rat **ret_rat, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_get_rat_encode (), error);

  *ret_rat = response != NULL ? es10_get_rat_decode (ES10_ANSWER_DATA (response), error) : NULL;
  return *ret_rat != NULL;
}
