/* SPDX-License-Identifier: Apache-2.0 */
/* The D-Bus service's pure parts, without a bus: every error code has its D-Bus name and comes back as itself,
 * AddInitialEim's dictionary is checked key by key, the values the objects show are built from the ES10 structs,
 * and the admin check follows the user database. */
#include "config.h"

#include <check.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon-dbus-auth.h"
#include "daemon/daemon-dbus-card.h"
#include "euiccd-dbus-error.h"
#include "daemon/daemon-dbus.h"
#include "euiccd-error.h"

START_TEST (test_error_names)
{
  euiccd_dbus_error_register ();
  for (gint code = EUICCD_ERROR_FAILED; code <= EUICCD_ERROR_CHANNEL_GONE; code++)
    {
      g_autoptr(GError) error = g_error_new (EUICCD_ERROR, code, "message %d", code);
      g_autofree gchar *name = g_dbus_error_encode_gerror (error);
      g_autoptr(GError) back = NULL;

      ck_assert_str_eq (name, euiccd_dbus_error_name (code));
      ck_assert (g_str_has_prefix (name, EUICCD_DBUS_ERROR_PREFIX));
      back = g_dbus_error_new_for_dbus_error (name, "from the bus");
      ck_assert (g_error_matches (back, EUICCD_ERROR, code));
    }
  ck_assert_str_eq (euiccd_dbus_error_name (EUICCD_ERROR_ACCESS_DENIED), "org.euiccd.Euiccd1.Error.AccessDenied");
  ck_assert_str_eq (euiccd_dbus_error_name (EUICCD_ERROR_CARD), "org.euiccd.Euiccd1.Error.Card");
  ck_assert_ptr_null (euiccd_dbus_error_name (EUICCD_ERROR_CHANNEL_GONE + 1));
  ck_assert_ptr_null (euiccd_dbus_error_name (-1));
}
END_TEST

/* Minimal DER shapes: SubjectPublicKeyInfo starts with AlgorithmIdentifier {OID ...}, a Certificate with
 * tbsCertificate {[0] version ...}. */
static const guint8 spki[] = { 0x30, 0x0B, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x02, 0x00, 0x01 };
static const guint8 cert[] = { 0x30, 0x0A, 0x30, 0x05, 0xA0, 0x03, 0x02, 0x01, 0x02, 0x03, 0x01, 0x00 };

static GVariant *
bytes_value (const guint8 *data, gsize length)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, length, 1);
}

static void
assert_invalid (GVariant *dict, const gchar *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) owned = g_variant_ref_sink (dict);
  Es10EimConfiguration *eim = daemon_dbus_eim_from_variant (owned, &error);

  ck_assert_ptr_null (eim);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  ck_assert_msg (strstr (error->message, fragment) != NULL, "'%s' lacks '%s'", error->message, fragment);
}

START_TEST (test_eim_from_variant)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10EimConfiguration) eim = NULL;
  g_autoptr(GVariant) dict = NULL;
  GVariantBuilder builder;
  const gchar *protocols[] = { "eimRetrieveHttps", "eimInjectHttps", NULL };

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "eimId", g_variant_new_string ("eim-1"));
  g_variant_builder_add (&builder, "{sv}", "eimFqdn", g_variant_new_string ("eim.example.com:8443"));
  g_variant_builder_add (&builder, "{sv}", "eimIdType", g_variant_new_string ("proprietary"));
  g_variant_builder_add (&builder, "{sv}", "counterValue", g_variant_new_uint32 (7));
  g_variant_builder_add (&builder, "{sv}", "associationToken", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&builder, "{sv}", "eimPublicKey", bytes_value (spki, sizeof spki));
  g_variant_builder_add (&builder, "{sv}", "trustedPublicKeyDataTls", bytes_value (cert, sizeof cert));
  g_variant_builder_add (&builder, "{sv}", "eimSupportedProtocol", g_variant_new_strv (protocols, -1));
  dict = g_variant_ref_sink (g_variant_builder_end (&builder));

  eim = daemon_dbus_eim_from_variant (dict, &error);
  ck_assert_msg (eim != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_str_eq (eim->eim_id, "eim-1");
  ck_assert_str_eq (eim->eim_fqdn, "eim.example.com:8443");
  ck_assert (eim->has_eim_id_type && eim->eim_id_type == ES10_EIM_ID_TYPE_PROPRIETARY);
  ck_assert (eim->has_counter_value && eim->counter_value == 7);
  ck_assert (eim->has_association_token);
  ck_assert_int_eq (eim->public_key_kind, ES10_EIM_KEY_PUBLIC_KEY);
  ck_assert_uint_eq (g_bytes_get_size (eim->public_key_data), sizeof spki);
  ck_assert_int_eq (eim->tls_kind, ES10_EIM_KEY_CERTIFICATE);
  ck_assert (eim->has_supported_protocols);
  ck_assert_uint_eq (eim->supported_protocols, ES10_EIM_RETRIEVE_HTTPS | ES10_EIM_INJECT_HTTPS);
}
END_TEST

static GVariant *
dict_of (const gchar *key, GVariant *value, gboolean with_id)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  if (with_id)
    g_variant_builder_add (&builder, "{sv}", "eimId", g_variant_new_string ("eim-1"));
  if (key != NULL)
    g_variant_builder_add (&builder, "{sv}", key, value);
  return g_variant_builder_end (&builder);
}

START_TEST (test_eim_from_variant_refusals)
{
  g_autofree gchar *long_id = g_strnfill (129, 'a');
  GVariantBuilder both;

  assert_invalid (dict_of (NULL, NULL, FALSE), "eimId is required");
  assert_invalid (dict_of ("eimId", g_variant_new_string (long_id), FALSE), "eimId is required, 1 to 128 bytes");
  assert_invalid (dict_of ("eimId", g_variant_new_uint32 (1), FALSE), "eimId must be of type 's', not 'u'");
  assert_invalid (dict_of ("colour", g_variant_new_string ("blue"), TRUE), "unknown key 'colour'");
  assert_invalid (dict_of ("counterValue", g_variant_new_int64 (-1), TRUE), "counterValue must not be negative");
  assert_invalid (dict_of ("counterValue", g_variant_new_string ("1"), TRUE), "counterValue must be an integer");
  assert_invalid (dict_of ("eimIdType", g_variant_new_string ("url"), TRUE), "eimIdType 'url'");
  assert_invalid (dict_of ("associationToken", g_variant_new_uint32 (1), TRUE), "associationToken must be of type 'b'");
  assert_invalid (dict_of ("eimPublicKey", bytes_value ((const guint8 *) "\x01\x02", 2), TRUE),
                  "eimPublicKey is not one DER SEQUENCE");
  assert_invalid (dict_of ("eimPublicKey", bytes_value (cert, sizeof cert), TRUE),
                  "eimPublicKey is not a DER SubjectPublicKeyInfo");
  assert_invalid (dict_of ("eimCertificate", bytes_value (spki, sizeof spki), TRUE),
                  "eimCertificate is not a DER Certificate");
  assert_invalid (dict_of ("eimPublicKey", bytes_value (spki, 0), TRUE), "eimPublicKey has 0 bytes");
  /* A length that runs past the data. */
  assert_invalid (dict_of ("trustedPublicKeyDataTls", bytes_value (spki, sizeof spki - 1), TRUE),
                  "trustedPublicKeyDataTls is not one DER SEQUENCE");
  {
    const gchar *bad[] = { "eimRetrieveHttps", "carrierPigeon", NULL };
    assert_invalid (dict_of ("eimSupportedProtocol", g_variant_new_strv (bad, -1), TRUE),
                    "eimSupportedProtocol 'carrierPigeon'");
  }
  g_variant_builder_init (&both, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&both, "{sv}", "eimId", g_variant_new_string ("eim-1"));
  g_variant_builder_add (&both, "{sv}", "eimPublicKey", bytes_value (spki, sizeof spki));
  g_variant_builder_add (&both, "{sv}", "eimCertificate", bytes_value (cert, sizeof cert));
  assert_invalid (g_variant_builder_end (&both), "not both");
}
END_TEST

START_TEST (test_history_variant)
{
  DaemonHistoryEntry entry = {
    .time = 1700000000000000,
    .eim_id = (gchar *) "eim-1",
    .transaction_id = NULL,
    .operation = (gchar *) "psmo:enable",
    .result = (gchar *) "ok",
    .detail = (gchar *) "bad \xFF utf-8",
  };
  g_autoptr(GVariant) value = g_variant_ref_sink (daemon_dbus_history_entry_to_variant (&entry));
  guint64 time;
  const gchar *text;

  ck_assert (g_variant_lookup (value, "time", "t", &time));
  ck_assert_uint_eq (time, 1700000000000000);
  ck_assert (g_variant_lookup (value, "eimId", "&s", &text));
  ck_assert_str_eq (text, "eim-1");
  ck_assert (g_variant_lookup (value, "operation", "&s", &text));
  ck_assert_str_eq (text, "psmo:enable");
  ck_assert (g_variant_lookup (value, "result", "&s", &text));
  ck_assert_str_eq (text, "ok");
  /* Absent and not-UTF-8 values are left out rather than breaking the message. */
  ck_assert (!g_variant_lookup (value, "transactionId", "&s", &text));
  ck_assert (!g_variant_lookup (value, "detail", "&s", &text));
}
END_TEST

START_TEST (test_card_values)
{
  g_autoptr(Es10EuiccInfo2) info = g_new0 (Es10EuiccInfo2, 1);
  g_autoptr(Es10EimConfigurationList) eims = g_new0 (Es10EimConfigurationList, 1);
  Es10EimConfiguration *eim = es10_eim_configuration_new ();
  RspVersion v120 = { 1, 2, 0 };
  g_autoptr(GVariant) info_value = NULL;
  g_autoptr(GVariant) eims_value = NULL;
  g_autoptr(GVariant) one = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree const gchar **strv = NULL;
  const gchar *text;
  guint64 number;
  gboolean flag;
  guint32 bit;

  info->firmware_version = (RspVersion) { 3, 1, 4 };
  info->rsp_capability = ES10_RSP_CAP_ADDITIONAL_PROFILE | ES10_RSP_CAP_TEST_PROFILE_SUPPORT;
  info->has_free_nvm = TRUE;
  info->free_nvm = 98304;
  info->has_ipa_mode = TRUE;
  info->ipa_mode = 0;
  info->iot_versions = g_array_new (FALSE, FALSE, sizeof (RspVersion));
  g_array_append_val (info->iot_versions, v120);
  info_value = g_variant_ref_sink (daemon_dbus_card_info_to_variant (info));
  ck_assert (g_variant_lookup (info_value, "firmware", "&s", &text));
  ck_assert_str_eq (text, "3.1.4");
  ck_assert (g_variant_lookup (info_value, "freeNvm", "t", &number));
  ck_assert_uint_eq (number, 98304);
  ck_assert (g_variant_lookup (info_value, "ipaMode", "&s", &text));
  ck_assert_str_eq (text, "ipad");
  ck_assert (g_variant_lookup (info_value, "rspCapability", "^a&s", &strv));
  ck_assert_uint_eq (g_strv_length ((gchar **) strv), 2);
  ck_assert_str_eq (strv[0], "additionalProfile");
  ck_assert_str_eq (strv[1], "testProfileSupport");
  ck_assert (!g_variant_lookup (info_value, "freeRam", "t", &number));

  eims->eims = g_ptr_array_new_with_free_func ((GDestroyNotify) es10_eim_configuration_free);
  eim->eim_id = g_strdup ("eim-1");
  eim->has_counter_value = TRUE;
  eim->counter_value = 5;
  eim->has_supported_protocols = TRUE;
  eim->supported_protocols = ES10_EIM_RETRIEVE_HTTPS;
  eim->has_association_token = TRUE;
  eim->association_token = 42;
  g_ptr_array_add (eims->eims, eim);
  eims_value = g_variant_ref_sink (daemon_dbus_card_eims_to_variant (eims));
  ck_assert_uint_eq (g_variant_n_children (eims_value), 1);
  one = g_variant_get_child_value (eims_value, 0);
  ck_assert (g_variant_lookup (one, "eimId", "&s", &text));
  ck_assert_str_eq (text, "eim-1");
  ck_assert (g_variant_lookup (one, "counterValue", "t", &number));
  ck_assert_uint_eq (number, 5);
  ck_assert (g_variant_lookup (one, "hasTlsTrust", "b", &flag));
  ck_assert (!flag);
  /* The association token is a secret shared with the eIM: never shown. */
  ck_assert (!g_variant_lookup (one, "associationToken", "x", &number));
  ck_assert (!g_variant_lookup (one, "eimFqdn", "&s", &text));

  names = daemon_dbus_card_protocol_names (ES10_EIM_RETRIEVE_HTTPS | ES10_EIM_PROPRIETARY);
  ck_assert_uint_eq (g_strv_length (names), 2);
  ck_assert_str_eq (names[1], "eimProprietary");
  ck_assert (daemon_dbus_card_protocol_from_name ("eimInjectCoaps", &bit));
  ck_assert_uint_eq (bit, ES10_EIM_INJECT_COAPS);
  ck_assert (!daemon_dbus_card_protocol_from_name ("eimretrievehttps", &bit));
}
END_TEST

/* GetManagedObjects and InterfacesAdded are built from get_properties, which does not know who asks, and
 * PropertiesChanged goes to every listener: none of them may carry the EID or an ICCID. */
START_TEST (test_objects_without_personal_properties)
{
  static const gchar *const personal[] = { "Eid", "Iccid" };
  g_autoptr(GDBusObjectManagerServer) server = g_dbus_object_manager_server_new (DAEMON_DBUS_PATH);
  g_autoptr(DaemonDbusCard) card = daemon_dbus_card_new (server, NULL);
  g_autoptr(Es10ProfileList) list = g_new0 (Es10ProfileList, 1);
  Es10ProfileInfo *profile = g_new0 (Es10ProfileInfo, 1);
  GList *objects;
  guint n_interfaces = 0;
  DaemonCardFacts facts = {
    .eid = (gchar *) "89049032123451234512345678901234", .transport = (gchar *) "qmi",
    .device = (gchar *) "qmi:/dev/cdc-wdm0", .slot = 1,
  };

  list->profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) es10_profile_info_free);
  profile->iccid = g_strdup ("89000123456789012358");
  profile->has_state = TRUE;
  profile->state = 1;
  g_ptr_array_add (list->profiles, profile);
  facts.profiles = list;
  daemon_dbus_card_update (card, &facts);

  objects = g_dbus_object_manager_get_objects (G_DBUS_OBJECT_MANAGER (server));
  ck_assert_uint_eq (g_list_length (objects), 2);
  for (GList *o = objects; o != NULL; o = o->next)
    {
      GList *interfaces = g_dbus_object_get_interfaces (o->data);

      for (GList *i = interfaces; i != NULL; i = i->next)
        {
          GDBusInterfaceSkeleton *skeleton = i->data;
          GDBusInterfaceInfo *info = g_dbus_interface_skeleton_get_info (skeleton);
          g_autoptr(GVariant) all = g_dbus_interface_skeleton_get_properties (skeleton);
          g_autofree gchar *shown = g_variant_print (all, FALSE);

          n_interfaces++;
          ck_assert_msg (strstr (shown, "8904903212") == NULL && strstr (shown, "8900012345") == NULL, "%s", shown);
          ck_assert_uint_gt (g_variant_n_children (all), 4);
          for (guint k = 0; k < G_N_ELEMENTS (personal); k++)
            {
              GDBusPropertyInfo *property = g_dbus_interface_info_lookup_property (info, personal[k]);

              ck_assert (!g_variant_lookup (all, personal[k], "*", NULL));
              if (property != NULL)
                ck_assert_str_eq (g_dbus_annotation_info_lookup (property->annotations,
                                                                 "org.freedesktop.DBus.Property.EmitsChangedSignal"),
                                  "const");
            }
        }
      g_list_free_full (interfaces, g_object_unref);
    }
  ck_assert_uint_eq (n_interfaces, 2);
  g_list_free_full (objects, g_object_unref);
}
END_TEST

START_TEST (test_admin_check)
{
  struct passwd *daemon_user = getpwnam ("daemon");
  struct passwd *nobody = getpwnam ("nobody");

  ck_assert (daemon_dbus_auth_uid_is_admin (0, NULL));
  ck_assert (daemon_dbus_auth_uid_is_admin (0, "no-such-group-euiccd"));
  if (nobody != NULL)
    {
      ck_assert (!daemon_dbus_auth_uid_is_admin (nobody->pw_uid, NULL));
      ck_assert (!daemon_dbus_auth_uid_is_admin (nobody->pw_uid, "root"));
      ck_assert (!daemon_dbus_auth_uid_is_admin (nobody->pw_uid, "no-such-group-euiccd"));
    }
  /* Debian's daemon user has the daemon group as its primary group. */
  if (daemon_user != NULL && getgrnam ("daemon") != NULL && daemon_user->pw_gid == getgrnam ("daemon")->gr_gid)
    {
      ck_assert (daemon_dbus_auth_uid_is_admin (daemon_user->pw_uid, "daemon"));
      ck_assert (!daemon_dbus_auth_uid_is_admin (daemon_user->pw_uid, NULL));
    }
  /* A uid nobody has: never an admin. */
  ck_assert (!daemon_dbus_auth_uid_is_admin (4000000000u, "daemon"));
}
END_TEST

START_TEST (test_bus_names)
{
  DaemonBus bus;

  ck_assert (daemon_bus_from_string ("system", &bus) && bus == DAEMON_BUS_SYSTEM);
  ck_assert (daemon_bus_from_string ("session", &bus) && bus == DAEMON_BUS_SESSION);
  ck_assert (daemon_bus_from_string ("none", &bus) && bus == DAEMON_BUS_NONE);
  ck_assert (!daemon_bus_from_string ("System", &bus));
  ck_assert (!daemon_bus_from_string ("", &bus));
}
END_TEST

static Suite *
dbus_api_suite (void)
{
  Suite *suite = suite_create ("dbus-api");
  TCase *tc = tcase_create ("core");

  tcase_add_test (tc, test_error_names);
  tcase_add_test (tc, test_eim_from_variant);
  tcase_add_test (tc, test_eim_from_variant_refusals);
  tcase_add_test (tc, test_history_variant);
  tcase_add_test (tc, test_card_values);
  tcase_add_test (tc, test_objects_without_personal_properties);
  tcase_add_test (tc, test_admin_check);
  tcase_add_test (tc, test_bus_names);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  SRunner *runner = srunner_create (dbus_api_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
