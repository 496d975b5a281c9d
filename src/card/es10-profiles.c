/* SPDX-License-Identifier: Apache-2.0 */
/* ES10c.GetProfilesInfo with the SGP.32 v1.2 ProfileInfo (fallbackAttribute, fallbackAllowed, ecallIndication). */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <string.h>

#include "card/es10-private.h"
#include "card/es10-profiles.h"
#include "euiccd-error.h"
#include "euiccd-destroy.h"

EUICCD_DEFINE_DESTROY_NOTIFY (es10_profile_info_free, Es10ProfileInfo)
EUICCD_DEFINE_DESTROY_NOTIFY (es10_skipped_entry_free, Es10SkippedEntry)

static void
es10_notification_configuration_free (Es10NotificationConfiguration *configuration)
{
  if (configuration == NULL)
    return;
  g_free (configuration->address);
  g_free (configuration);
}
EUICCD_DEFINE_DESTROY_NOTIFY (es10_notification_configuration_free, Es10NotificationConfiguration)

void
es10_profile_info_free (Es10ProfileInfo *profile)
{
  if (profile == NULL)
    return;
  g_free (profile->iccid);
  g_clear_pointer (&profile->isdp_aid, g_bytes_unref);
  g_free (profile->nickname);
  g_free (profile->service_provider_name);
  g_free (profile->name);
  g_clear_pointer (&profile->icon, g_bytes_unref);
  g_clear_pointer (&profile->notification_configuration, g_ptr_array_unref);
  g_clear_pointer (&profile->owner, es10_operator_id_free);
  g_clear_pointer (&profile->dp_proprietary_data, g_bytes_unref);
  g_free (profile);
}

void
es10_profile_list_free (Es10ProfileList *list)
{
  if (list == NULL)
    return;
  g_clear_pointer (&list->profiles, g_ptr_array_unref);
  g_clear_pointer (&list->skipped, g_ptr_array_unref);
  g_free (list);
}

const gchar *
es10_profile_state_to_string (Es10ProfileState state)
{
  switch (state)
    {
    case ES10_PROFILE_STATE_DISABLED:
      return "disabled";
    case ES10_PROFILE_STATE_ENABLED:
      return "enabled";
    default:
      return "unknown";
    }
}

const gchar *
es10_profile_class_to_string (Es10ProfileClass profile_class)
{
  switch (profile_class)
    {
    case ES10_PROFILE_CLASS_TEST:
      return "test";
    case ES10_PROFILE_CLASS_PROVISIONING:
      return "provisioning";
    case ES10_PROFILE_CLASS_OPERATIONAL:
      return "operational";
    default:
      return "unknown";
    }
}

GBytes *
es10_get_profiles_info_encode (const Es10ProfileSearch *search, GError **error)
{
  DerWriter writer;

  der_writer_init (&writer);
  der_begin (&writer, 0xBF2D);
  if (search != NULL && search->kind != ES10_PROFILE_SEARCH_ALL)
    {
      /* searchCriteria [0] is a CHOICE, so its tag is explicit: A0 around the chosen alternative. */
      switch (search->kind)
        {
        case ES10_PROFILE_SEARCH_ICCID:
          {
            guint8 coded[10];

            if (!es10_iccid_encode (search->iccid, coded, error))
              {
                der_writer_clear (&writer);
                g_prefix_error (error, "GetProfilesInfo: search criteria: ");
                return NULL;
              }
            der_begin (&writer, 0xA0);
            der_write (&writer, 0x5A, coded, sizeof coded);
            der_end (&writer);
          }
          break;
        case ES10_PROFILE_SEARCH_ISDP_AID:
          if (search->isdp_aid == NULL || search->isdp_aid_length < 1 || search->isdp_aid_length > 16)
            {
              der_writer_clear (&writer);
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                           "GetProfilesInfo: search criteria: ISD-P AID of %" G_GSIZE_FORMAT
                           " bytes, expected 1 to 16", search->isdp_aid != NULL ? search->isdp_aid_length : 0);
              return NULL;
            }
          der_begin (&writer, 0xA0);
          der_write (&writer, 0x4F, search->isdp_aid, search->isdp_aid_length);
          der_end (&writer);
          break;
        case ES10_PROFILE_SEARCH_CLASS:
          der_begin (&writer, 0xA0);
          der_write_int (&writer, 0x95, search->profile_class);
          der_end (&writer);
          break;
        default:
          der_writer_clear (&writer);
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                       "GetProfilesInfo: unknown search criteria kind %d", (int) search->kind);
          return NULL;
        }
    }
  if (search != NULL && search->tag_list != NULL)
    der_write (&writer, 0x5C, search->tag_list, search->tag_list_length);
  der_end (&writer);
  return der_writer_finish (&writer);
}

static GPtrArray *
parse_notification_configuration (const DerTlv *tlv, GError **error)
{
  static const gchar structure[] = "ProfileInfo: notificationConfigurationInfo";
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (es10_notification_configuration_free_notify);
  DerReader reader;

  if (!es10_enter (tlv, "ProfileInfo", "notificationConfigurationInfo", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      Es10NotificationConfiguration *configuration;
      DerTlv entry;
      DerReader fields;
      gboolean have_operation = FALSE;

      if (!es10_next (&reader, structure, &entry, error))
        return NULL;
      if (!es10_enter (&entry, structure, "NotificationConfigurationInformation", &fields, error))
        return NULL;
      configuration = g_new0 (Es10NotificationConfiguration, 1);
      g_ptr_array_add (list, configuration);
      while (!der_reader_at_end (&fields))
        {
          DerTlv item;
          guint64 mask;

          if (!es10_next (&fields, structure, &item, error))
            return NULL;
          if (item.tag == 0x80)
            {
              if (!es10_read_bits (&item, structure, "profileManagementOperation", &mask, error))
                return NULL;
              configuration->operation = (guint32) mask;
              have_operation = TRUE;
            }
          else if (item.tag == 0x81)
            {
              g_clear_pointer (&configuration->address, g_free);
              configuration->address = es10_read_utf8 (&item, structure, "notificationAddress", error);
              if (configuration->address == NULL)
                return NULL;
            }
        }
      if (es10_missing (have_operation, structure, "profileManagementOperation", 0x80, error) ||
          es10_missing (configuration->address != NULL, structure, "notificationAddress", 0x81, error))
        return NULL;
    }
  return g_steal_pointer (&list);
}

/* An enumerated field whose value is outside the enumeration is left unset (shown as unknown) with a note:
 * the rest of the entry is still right, and guessing what the value means would not be. */
static gboolean
read_small_enum (const DerTlv *tlv, const gchar *structure, const gchar *field, gint64 max_known, gint64 *ret_value,
                 gboolean *ret_known, GError **error)
{
  if (!es10_read_int (tlv, structure, field, ret_value, error))
    return FALSE;
  *ret_known = *ret_value >= 0 && *ret_value <= max_known;
  if (!*ret_known)
    es10_deviation_note ("%s: %s (%02X) outside the enumeration, read as unknown", structure, field, tlv->tag);
  return TRUE;
}

Es10ProfileInfo *
es10_profile_info_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "ProfileInfo";
  g_autoptr(Es10ProfileInfo) profile = g_new0 (Es10ProfileInfo, 1);
  DerTlv outer;
  DerReader reader;
  gint64 value;
  guint64 mask;

  Es10FieldSet seen = { 0 };
  gboolean known;

  if (data != NULL && length > 0 && data[0] == 0x30)
    {
      /* The universal SEQUENCE tag instead of [PRIVATE 3]: the contents are read the same way. */
      if (!es10_parse_outer (data, length, 0x30, structure, &outer, error))
        return NULL;
      es10_deviation_note ("%s: tagged 30 (SEQUENCE) instead of E3", structure);
    }
  else if (!es10_parse_outer (data, length, 0xE3, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "ProfileInfo", &reader, error))
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
        case 0x5A:
          g_clear_pointer (&profile->iccid, g_free);
          profile->iccid = es10_read_iccid (&item, structure, "iccid", error);
          if (profile->iccid == NULL)
            return NULL;
          break;
        case 0x4F:
          g_clear_pointer (&profile->isdp_aid, g_bytes_unref);
          profile->isdp_aid = es10_read_octets (&item, structure, "isdpAid", 1, 16, error);
          if (profile->isdp_aid == NULL)
            return NULL;
          break;
        case 0x9F70:
          if (!read_small_enum (&item, structure, "profileState", ES10_PROFILE_STATE_ENABLED, &value, &known, error))
            return NULL;
          profile->has_state = known;
          profile->state = (Es10ProfileState) value;
          break;
        case 0x90:
          g_clear_pointer (&profile->nickname, g_free);
          profile->nickname = es10_read_utf8 (&item, structure, "profileNickname", error);
          if (profile->nickname == NULL)
            return NULL;
          break;
        case 0x91:
          g_clear_pointer (&profile->service_provider_name, g_free);
          profile->service_provider_name = es10_read_utf8 (&item, structure, "serviceProviderName", error);
          if (profile->service_provider_name == NULL)
            return NULL;
          break;
        case 0x92:
          g_clear_pointer (&profile->name, g_free);
          profile->name = es10_read_utf8 (&item, structure, "profileName", error);
          if (profile->name == NULL)
            return NULL;
          break;
        case 0x93:
          if (!read_small_enum (&item, structure, "iconType", ES10_ICON_TYPE_PNG, &value, &known, error))
            return NULL;
          profile->has_icon_type = known;
          profile->icon_type = (Es10IconType) value;
          break;
        case 0x94:
          g_clear_pointer (&profile->icon, g_bytes_unref);
          profile->icon = es10_read_octets (&item, structure, "icon", 0, 1024, error);
          if (profile->icon == NULL)
            return NULL;
          break;
        case 0x95:
          if (!read_small_enum (&item, structure, "profileClass", ES10_PROFILE_CLASS_OPERATIONAL, &value, &known,
                                error))
            return NULL;
          profile->has_class = known;
          profile->profile_class = (Es10ProfileClass) value;
          break;
        case 0xB6:
          g_clear_pointer (&profile->notification_configuration, g_ptr_array_unref);
          profile->notification_configuration = parse_notification_configuration (&item, error);
          if (profile->notification_configuration == NULL)
            return NULL;
          break;
        case 0xB7:
          g_clear_pointer (&profile->owner, es10_operator_id_free);
          profile->owner = es10_read_operator_id (&item, structure, "profileOwner", error);
          if (profile->owner == NULL)
            return NULL;
          break;
        case 0xB8:
          g_clear_pointer (&profile->dp_proprietary_data, g_bytes_unref);
          profile->dp_proprietary_data = es10_tlv_dup_value (&item);
          break;
        case 0x99:
          if (!es10_read_bits (&item, structure, "profilePolicyRules", &mask, error))
            return NULL;
          profile->has_policy_rules = TRUE;
          profile->policy_rules = (guint32) mask;
          break;
        case 0x9F7B:
          if (!es10_read_bool (&item, structure, "ecallIndication", &profile->ecall_indication, error))
            return NULL;
          profile->has_ecall_indication = TRUE;
          break;
        case 0x9F26:
          if (!es10_read_bool (&item, structure, "fallbackAttribute", &profile->fallback_attribute, error))
            return NULL;
          break;
        case 0x9F67:
          if (!es10_read_bool (&item, structure, "fallbackAllowed", &profile->fallback_allowed, error))
            return NULL;
          profile->has_fallback_allowed = TRUE;
          break;
        default:
          break;  /* serviceSpecificDataStoredInEuicc, iotSpecificProfileInfo and later additions */
        }
    }
  return g_steal_pointer (&profile);
}

Es10ProfileList *
es10_get_profiles_info_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "ProfileInfoListResponse";
  g_autoptr(Es10ProfileList) list = g_new0 (Es10ProfileList, 1);
  DerTlv outer;
  DerReader reader;

  list->profiles = g_ptr_array_new_with_free_func (es10_profile_info_free_notify);
  list->skipped = g_ptr_array_new_with_free_func (es10_skipped_entry_free_notify);
  if (!es10_parse_outer (data, length, 0xBF2D, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "ProfileInfoListResponse", &reader, error))
    return NULL;
  static const guint32 entry_tags[] = { 0xE3, 0x30, 0 };
  guint index = 0;

  if (!es10_read_list_or_error (&reader, structure, "profileInfoListOk", "profileInfoListError", entry_tags,
                                &list->has_error, &list->error_code, error))
    return NULL;
  if (list->has_error)
    return g_steal_pointer (&list);
  /* One entry that cannot be read leaves the others standing: it goes to `skipped` with the reason. */
  for (; !der_reader_at_end (&reader); index++)
    {
      g_autoptr(GError) entry_error = NULL;
      DerTlv item;
      Es10ProfileInfo *profile;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      profile = es10_profile_info_decode (item.raw, item.raw_length, &entry_error);
      if (profile == NULL)
        {
          es10_skip_entry (list->skipped, &item, structure, index, entry_error);
          continue;
        }
      g_ptr_array_add (list->profiles, profile);
    }
  return g_steal_pointer (&list);
}

gboolean
es10_get_profiles_info (IsdrSession *session, const Es10ProfileSearch *search, Es10ProfileList **ret_list,
                        GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_get_profiles_info_encode (search, error), error);

  *ret_list = response != NULL ? es10_get_profiles_info_decode (ES10_ANSWER_DATA (response), error) : NULL;
  return *ret_list != NULL;
}
