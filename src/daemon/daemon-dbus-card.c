/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-dbus"

#include "daemon/daemon-dbus-auth.h"
#include "daemon/daemon-dbus-card.h"
#include "dbus/euiccd-dbus-generated.h"
#include "euiccd-destroy.h"

#define ADMIN_GROUP_KEY "euiccd-admin-group"

/* ---- skeletons that keep personal properties from other callers ---------------------------------------------
 * The generated skeletons answer Properties.Get and GetAll from their vtable's get_property, which is given the
 * sender. These subclasses wrap it: a personal property asked for by someone who is not root or in the admin
 * group gives AccessDenied to Get and is left out of GetAll (GDBus skips properties whose getter fails).
 *
 * Everything else that carries property values reaches callers the daemon cannot tell apart: the
 * ObjectManager's GetManagedObjects and InterfacesAdded take them from get_properties, which has no sender,
 * and a broadcast signal goes to every listener the bus lets through. So get_properties leaves the personal
 * properties out for everyone, and they are annotated const so no PropertiesChanged carries them: Get and
 * GetAll, checked per caller, are the only ways to them. */

static gboolean
may_read (GDBusConnection *connection, const gchar *sender, gpointer skeleton, const gchar *property_name,
          GError **error)
{
  g_autofree gchar *what = g_strdup_printf ("Reading %s", property_name);
  const gchar *admin_group = g_object_get_data (G_OBJECT (skeleton), ADMIN_GROUP_KEY);

  return daemon_dbus_auth_check (connection, sender, admin_group, what, error);
}

typedef struct {
  EuiccdDbusEuiccSkeleton parent_instance;
} DaemonEuiccSkeleton;

typedef struct {
  EuiccdDbusEuiccSkeletonClass parent_class;
} DaemonEuiccSkeletonClass;

typedef struct {
  EuiccdDbusProfileSkeleton parent_instance;
} DaemonProfileSkeleton;

typedef struct {
  EuiccdDbusProfileSkeletonClass parent_class;
} DaemonProfileSkeletonClass;

GType daemon_euicc_skeleton_get_type (void);
GType daemon_profile_skeleton_get_type (void);
G_DEFINE_TYPE (DaemonEuiccSkeleton, daemon_euicc_skeleton, EUICCD_DBUS_TYPE_EUICC_SKELETON)
G_DEFINE_TYPE (DaemonProfileSkeleton, daemon_profile_skeleton, EUICCD_DBUS_TYPE_PROFILE_SKELETON)

static GDBusInterfaceVTable euicc_vtable;
static GDBusInterfaceGetPropertyFunc euicc_parent_get_property;
static GDBusInterfaceVTable profile_vtable;
static GDBusInterfaceGetPropertyFunc profile_parent_get_property;

static GVariant *
euicc_get_property (GDBusConnection *connection, const gchar *sender, const gchar *object_path,
                    const gchar *interface_name, const gchar *property_name, GError **error, gpointer user_data)
{
  if (g_strcmp0 (property_name, "Eid") == 0 && !may_read (connection, sender, user_data, property_name, error))
    return NULL;
  return euicc_parent_get_property (connection, sender, object_path, interface_name, property_name, error, user_data);
}

static GVariant *
profile_get_property (GDBusConnection *connection, const gchar *sender, const gchar *object_path,
                      const gchar *interface_name, const gchar *property_name, GError **error, gpointer user_data)
{
  if (g_strcmp0 (property_name, "Iccid") == 0 && !may_read (connection, sender, user_data, property_name, error))
    return NULL;
  return profile_parent_get_property (connection, sender, object_path, interface_name, property_name, error,
                                      user_data);
}

/* @all (floating, as get_properties returns it) without the entry @personal; floating too. */
static GVariant *
without_personal (GVariant *all, const gchar *personal)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (all);
  GVariantBuilder builder;
  GVariantIter iter;
  const gchar *name;
  GVariant *value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, owned);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
    {
      if (!g_str_equal (name, personal))
        g_variant_builder_add (&builder, "{sv}", name, value);
      g_variant_unref (value);
    }
  return g_variant_builder_end (&builder);
}

static GVariant *
euicc_skeleton_get_properties (GDBusInterfaceSkeleton *skeleton)
{
  return without_personal (
    G_DBUS_INTERFACE_SKELETON_CLASS (daemon_euicc_skeleton_parent_class)->get_properties (skeleton), "Eid");
}

static GVariant *
profile_skeleton_get_properties (GDBusInterfaceSkeleton *skeleton)
{
  return without_personal (
    G_DBUS_INTERFACE_SKELETON_CLASS (daemon_profile_skeleton_parent_class)->get_properties (skeleton), "Iccid");
}

static GDBusInterfaceVTable *
euicc_skeleton_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      GDBusInterfaceVTable *parent =
        G_DBUS_INTERFACE_SKELETON_CLASS (daemon_euicc_skeleton_parent_class)->get_vtable (skeleton);
      euicc_vtable = *parent;
      euicc_parent_get_property = parent->get_property;
      euicc_vtable.get_property = euicc_get_property;
      g_once_init_leave (&done, 1);
    }
  return &euicc_vtable;
}

static GDBusInterfaceVTable *
profile_skeleton_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      GDBusInterfaceVTable *parent =
        G_DBUS_INTERFACE_SKELETON_CLASS (daemon_profile_skeleton_parent_class)->get_vtable (skeleton);
      profile_vtable = *parent;
      profile_parent_get_property = parent->get_property;
      profile_vtable.get_property = profile_get_property;
      g_once_init_leave (&done, 1);
    }
  return &profile_vtable;
}

static void
daemon_euicc_skeleton_class_init (DaemonEuiccSkeletonClass *klass)
{
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = euicc_skeleton_get_vtable;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_properties = euicc_skeleton_get_properties;
}

static void
daemon_euicc_skeleton_init (DaemonEuiccSkeleton *self)
{
}

static void
daemon_profile_skeleton_class_init (DaemonProfileSkeletonClass *klass)
{
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = profile_skeleton_get_vtable;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_properties = profile_skeleton_get_properties;
}

static void
daemon_profile_skeleton_init (DaemonProfileSkeleton *self)
{
}

/* ---- property values ------------------------------------------------------------------------------------- */

static const gchar *const protocol_names[] = {
  "eimRetrieveHttps", "eimRetrieveCoaps", "eimInjectHttps", "eimInjectCoaps", "eimProprietary",
};

GStrv
daemon_dbus_card_protocol_names (guint32 mask)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint bit = 0; bit < G_N_ELEMENTS (protocol_names); bit++)
    if ((mask & (1u << bit)) != 0)
      g_strv_builder_add (builder, protocol_names[bit]);
  return g_strv_builder_end (builder);
}

gboolean
daemon_dbus_card_protocol_from_name (const gchar *name, guint32 *ret_bit)
{
  for (guint bit = 0; bit < G_N_ELEMENTS (protocol_names); bit++)
    if (g_strcmp0 (name, protocol_names[bit]) == 0)
      {
        *ret_bit = 1u << bit;
        return TRUE;
      }
  return FALSE;
}

static void
add_version (GVariantDict *dict, const gchar *key, const RspVersion *version)
{
  g_autofree gchar *text = rsp_version_to_string (version);
  g_variant_dict_insert (dict, key, "s", text);
}

static GVariant *
versions_to_variant (const GArray *versions)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; versions != NULL && i < versions->len; i++)
    {
      g_autofree gchar *text = rsp_version_to_string (&g_array_index (versions, RspVersion, i));
      g_variant_builder_add (&builder, "s", text);
    }
  return g_variant_builder_end (&builder);
}

GVariant *
daemon_dbus_card_info_to_variant (const Es10EuiccInfo2 *info)
{
  static const gchar *const rsp_names[] = {
    "additionalProfile", "crlSupport", "rpmSupport", "testProfileSupport", "deviceInfoExtensibilitySupport",
    "serviceSpecificDataSupport",
  };
  static const gchar *const categories[] = { "other", "basicEuicc", "mediumEuicc", "contactlessEuicc" };
  g_auto(GVariantDict) dict;
  GVariantBuilder names;

  g_variant_dict_init (&dict, NULL);
  if (info == NULL)
    return g_variant_dict_end (&dict);
  add_version (&dict, "firmware", &info->firmware_version);
  add_version (&dict, "profileVersion", &info->profile_version);
  add_version (&dict, "ppVersion", &info->pp_version);
  g_variant_builder_init (&names, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint bit = 0; bit < G_N_ELEMENTS (rsp_names); bit++)
    if ((info->rsp_capability & (1u << bit)) != 0)
      g_variant_builder_add (&names, "s", rsp_names[bit]);
  g_variant_dict_insert_value (&dict, "rspCapability", g_variant_builder_end (&names));
  if (info->has_ipa_mode)
    g_variant_dict_insert (&dict, "ipaMode", "s", info->ipa_mode == 1 ? "ipae" : "ipad");
  if (info->iot_versions != NULL)
    g_variant_dict_insert_value (&dict, "iotVersions", versions_to_variant (info->iot_versions));
  if (info->has_free_nvm)
    g_variant_dict_insert (&dict, "freeNvm", "t", (guint64) info->free_nvm);
  if (info->has_free_ram)
    g_variant_dict_insert (&dict, "freeRam", "t", (guint64) info->free_ram);
  if (info->has_installed_applications)
    g_variant_dict_insert (&dict, "installedApplications", "u", info->installed_applications);
  if (info->has_euicc_category)
    g_variant_dict_insert (&dict, "euiccCategory", "s",
                           info->euicc_category >= 0 && info->euicc_category < (gint64) G_N_ELEMENTS (categories)
                             ? categories[info->euicc_category] : "unknown");
  if (info->sas_accreditation_number != NULL && g_utf8_validate (info->sas_accreditation_number, -1, NULL))
    g_variant_dict_insert (&dict, "sasAccreditationNumber", "s", info->sas_accreditation_number);
  if (info->has_iot_specific_info)
    {
      g_variant_dict_insert (&dict, "fallbackSupported", "b", info->fallback_supported);
      g_variant_dict_insert (&dict, "ecallSupported", "b", info->ecall_supported);
    }
  return g_variant_dict_end (&dict);
}

static const gchar *
eim_id_type_name (gint64 type)
{
  switch (type)
    {
    case ES10_EIM_ID_TYPE_OID: return "oid";
    case ES10_EIM_ID_TYPE_FQDN: return "fqdn";
    case ES10_EIM_ID_TYPE_PROPRIETARY: return "proprietary";
    default: return "unknown";
    }
}

/* Strings from the card go on the bus only when they are UTF-8: GVariant refuses anything else. */
static const gchar *
utf8_or (const gchar *text, const gchar *fallback)
{
  return text != NULL && g_utf8_validate (text, -1, NULL) ? text : fallback;
}

GVariant *
daemon_dbus_card_eims_to_variant (const Es10EimConfigurationList *eims)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; eims != NULL && i < eims->eims->len; i++)
    {
      const Es10EimConfiguration *eim = g_ptr_array_index (eims->eims, i);
      g_auto(GVariantDict) dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "eimId", "s", utf8_or (eim->eim_id, "?"));
      if (eim->eim_fqdn != NULL)
        g_variant_dict_insert (&dict, "eimFqdn", "s", utf8_or (eim->eim_fqdn, "?"));
      if (eim->has_eim_id_type)
        g_variant_dict_insert (&dict, "eimIdType", "s", eim_id_type_name (eim->eim_id_type));
      if (eim->has_counter_value)
        g_variant_dict_insert (&dict, "counterValue", "t", (guint64) eim->counter_value);
      if (eim->has_supported_protocols)
        {
          g_auto(GStrv) names = daemon_dbus_card_protocol_names (eim->supported_protocols);
          g_variant_dict_insert (&dict, "protocols", "^as", names);
        }
      g_variant_dict_insert (&dict, "hasTlsTrust", "b", eim->tls_data != NULL);
      g_variant_dict_insert (&dict, "indirectProfileDownload", "b", eim->indirect_profile_download);
      g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
    }
  return g_variant_builder_end (&builder);
}

/* ---- the objects ------------------------------------------------------------------------------------------- */

typedef struct {
  guint index;
  gchar *path;
  EuiccdDbusObjectSkeleton *object;
  EuiccdDbusProfile *skeleton;
} ProfileObject;

struct _DaemonDbusCard {
  GDBusObjectManagerServer *server;
  const gchar *admin_group;
  guint next_euicc;
  guint next_profile;
  gchar *eid;                          /* of the exported eUICC object, NULL when none */
  gchar *path;
  EuiccdDbusObjectSkeleton *object;
  EuiccdDbusEuicc *skeleton;
  GHashTable *profiles;                /* ICCID -> ProfileObject */
};

static void
profile_object_free (ProfileObject *profile)
{
  g_free (profile->path);
  g_clear_object (&profile->object);
  g_clear_object (&profile->skeleton);
  g_free (profile);
}
EUICCD_DEFINE_DESTROY_NOTIFY (profile_object_free, ProfileObject)

DaemonDbusCard *
daemon_dbus_card_new (GDBusObjectManagerServer *server, const gchar *admin_group)
{
  DaemonDbusCard *card = g_new0 (DaemonDbusCard, 1);

  card->server = g_object_ref (server);
  card->admin_group = admin_group;
  card->profiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, profile_object_free_notify);
  return card;
}

static void
remove_profile (DaemonDbusCard *card, ProfileObject *profile)
{
  g_dbus_object_manager_server_unexport (card->server, profile->path);
}

static void
remove_all (DaemonDbusCard *card)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, card->profiles);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    remove_profile (card, value);
  g_hash_table_remove_all (card->profiles);
  if (card->path != NULL)
    g_dbus_object_manager_server_unexport (card->server, card->path);
  g_clear_pointer (&card->path, g_free);
  g_clear_pointer (&card->eid, g_free);
  g_clear_object (&card->object);
  g_clear_object (&card->skeleton);
}

void
daemon_dbus_card_free (DaemonDbusCard *card)
{
  if (card == NULL)
    return;
  remove_all (card);
  g_hash_table_unref (card->profiles);
  g_object_unref (card->server);
  g_free (card);
}

const gchar *
daemon_dbus_card_get_path (DaemonDbusCard *card)
{
  return card->path;
}

static void
set_profile_properties (EuiccdDbusProfile *skeleton, const Es10ProfileInfo *info)
{
  euiccd_dbus_profile_set_state (skeleton, info->has_state ? es10_profile_state_to_string (info->state) : "");
  euiccd_dbus_profile_set_class (skeleton,
                                 info->has_class ? es10_profile_class_to_string (info->profile_class) : "");
  euiccd_dbus_profile_set_name (skeleton, utf8_or (info->name, ""));
  euiccd_dbus_profile_set_service_provider_name (skeleton, utf8_or (info->service_provider_name, ""));
  euiccd_dbus_profile_set_nickname (skeleton, utf8_or (info->nickname, ""));
  euiccd_dbus_profile_set_fallback_attribute (skeleton, info->fallback_attribute);
}

static gint
compare_index (gconstpointer a, gconstpointer b)
{
  const ProfileObject *pa = *(ProfileObject *const *) a;
  const ProfileObject *pb = *(ProfileObject *const *) b;

  return pa->index < pb->index ? -1 : pa->index > pb->index;
}

static void
update_profiles (DaemonDbusCard *card, const Es10ProfileList *list)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) ordered = g_ptr_array_new ();
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < list->profiles->len; i++)
    {
      const Es10ProfileInfo *info = g_ptr_array_index (list->profiles, i);
      ProfileObject *profile;

      /* A profile is known by its ICCID; one without is not shown. */
      if (info->iccid == NULL || !g_utf8_validate (info->iccid, -1, NULL))
        continue;
      g_hash_table_add (seen, info->iccid);
      profile = g_hash_table_lookup (card->profiles, info->iccid);
      if (profile != NULL)
        {
          set_profile_properties (profile->skeleton, info);
          continue;
        }
      profile = g_new0 (ProfileObject, 1);
      profile->index = card->next_profile++;
      profile->path = g_strdup_printf ("%s/Profile/%u", card->path, profile->index);
      profile->skeleton = EUICCD_DBUS_PROFILE (g_object_new (daemon_profile_skeleton_get_type (), NULL));
      g_object_set_data (G_OBJECT (profile->skeleton), ADMIN_GROUP_KEY, (gpointer) card->admin_group);
      euiccd_dbus_profile_set_iccid (profile->skeleton, info->iccid);
      set_profile_properties (profile->skeleton, info);
      profile->object = euiccd_dbus_object_skeleton_new (profile->path);
      euiccd_dbus_object_skeleton_set_profile (profile->object, profile->skeleton);
      g_hash_table_insert (card->profiles, g_strdup (info->iccid), profile);
      g_dbus_object_manager_server_export (card->server, G_DBUS_OBJECT_SKELETON (profile->object));
    }

  g_hash_table_iter_init (&iter, card->profiles);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, key))
      {
        remove_profile (card, value);
        g_hash_table_iter_remove (&iter);
      }
    else
      g_ptr_array_add (ordered, value);

  g_ptr_array_sort (ordered, compare_index);
  for (guint i = 0; i < ordered->len; i++)
    g_ptr_array_add (paths, ((ProfileObject *) g_ptr_array_index (ordered, i))->path);
  g_ptr_array_add (paths, NULL);
  euiccd_dbus_euicc_set_profiles (card->skeleton, (const gchar *const *) paths->pdata);
}

void
daemon_dbus_card_update (DaemonDbusCard *card, const DaemonCardFacts *facts)
{
  g_autofree gchar *svn = NULL;
  gboolean is_new = FALSE;

  if (facts == NULL)
    {
      remove_all (card);
      return;
    }
  if (card->eid != NULL && g_strcmp0 (card->eid, facts->eid) != 0)
    remove_all (card);
  if (card->object == NULL)
    {
      is_new = TRUE;
      card->eid = g_strdup (facts->eid);
      card->path = g_strdup_printf ("%s/Euicc/%u", DAEMON_DBUS_PATH, card->next_euicc++);
      card->skeleton = EUICCD_DBUS_EUICC (g_object_new (daemon_euicc_skeleton_get_type (), NULL));
      g_object_set_data (G_OBJECT (card->skeleton), ADMIN_GROUP_KEY, (gpointer) card->admin_group);
      euiccd_dbus_euicc_set_eid (card->skeleton, facts->eid);
      card->object = euiccd_dbus_object_skeleton_new (card->path);
      euiccd_dbus_object_skeleton_set_euicc (card->object, card->skeleton);
    }
  if (facts->info2 != NULL)
    svn = rsp_version_to_string (&facts->info2->svn);
  euiccd_dbus_euicc_set_transport (card->skeleton, utf8_or (facts->transport, ""));
  euiccd_dbus_euicc_set_device (card->skeleton, utf8_or (facts->device, ""));
  euiccd_dbus_euicc_set_slot (card->skeleton, facts->slot);
  euiccd_dbus_euicc_set_svn (card->skeleton, svn != NULL ? svn : "");
  if (facts->info2 != NULL || is_new)
    euiccd_dbus_euicc_set_info (card->skeleton, daemon_dbus_card_info_to_variant (facts->info2));
  euiccd_dbus_euicc_set_eim_configurations (card->skeleton, daemon_dbus_card_eims_to_variant (facts->eims));
  if (is_new)
    {
      /* Exported with its properties set, so InterfacesAdded carries them (all but the EID); the profiles follow. */
      static const gchar *const none[] = { NULL };
      euiccd_dbus_euicc_set_profiles (card->skeleton, none);
      g_dbus_object_manager_server_export (card->server, G_DBUS_OBJECT_SKELETON (card->object));
    }
  if (facts->profiles != NULL)
    update_profiles (card, facts->profiles);
}
