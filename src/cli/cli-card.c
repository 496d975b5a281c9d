/* SPDX-License-Identifier: Apache-2.0 */
/* `euiccctl info`, `profiles` and `eims`: what euiccd read from the eUICC, from its D-Bus objects. */
#include "config.h"

#include <stdio.h>

#include "cli/cli-commands.h"
#include "cli/cli-dbus.h"
#include "euiccd-autoptr.h"

/* The one eUICC euiccd serves (the first, should there ever be more). */
static EuiccdDbusEuicc *
first_euicc (const gchar *command, int *ret_status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EuiccdDbusManager) manager = cli_dbus_manager (&error);
  g_autoptr(GPtrArray) euiccs = NULL;

  if (manager == NULL || (euiccs = cli_dbus_euiccs (&error)) == NULL)
    {
      *ret_status = cli_dbus_fail (command, error);
      return NULL;
    }
  if (euiccs->len == 0)
    {
      fprintf (stderr, "euiccctl %s: euiccd has not read an eUICC (state: %s); see its log, or try "
               "'busctl call org.euiccd.Euiccd1 /org/euiccd/Euiccd1 org.euiccd.Euiccd1 Refresh'\n", command,
               cli_dbus_state_name (euiccd_dbus_manager_get_state (manager)));
      *ret_status = CLI_EXIT_FAILURE;
      return NULL;
    }
  return g_object_ref (g_ptr_array_index (euiccs, 0));
}

static gboolean
parse_no_args (const gchar *command, const gchar *summary, int *argc, char ***argv, gboolean *json)
{
  if (!cli_dbus_parse (command, summary, NULL, argc, argv, json))
    return FALSE;
  if (*argc > 1)
    {
      fprintf (stderr, "euiccctl %s: unexpected argument '%s'\n", command, (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

static void
print_value (const gchar *label, GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
    {
      g_autofree const gchar **items = g_variant_get_strv (value, NULL);
      g_autofree gchar *joined = g_strjoinv (", ", (gchar **) items);
      printf ("  %-24s %s\n", label, joined[0] != '\0' ? joined : "-");
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    printf ("  %-24s %s\n", label, g_variant_get_string (value, NULL));
  else
    {
      g_autofree gchar *text = g_variant_print (value, FALSE);
      printf ("  %-24s %s\n", label, text);
    }
}

int
cli_info_main (int argc, char **argv)
{
  g_autoptr(EuiccdDbusEuicc) euicc = NULL;
  GVariant *info;
  const gchar *eid;
  gboolean json = FALSE;
  int status = CLI_EXIT_OK;

  if (!parse_no_args ("info", "- the eUICC euiccd serves", &argc, &argv, &json))
    return CLI_EXIT_USAGE;
  euicc = first_euicc ("info", &status);
  if (euicc == NULL)
    return status;
  eid = euiccd_dbus_euicc_get_eid (euicc);
  info = euiccd_dbus_euicc_get_info (euicc);
  if (json)
    {
      cJSON *object = cJSON_CreateObject ();

      cJSON_AddStringToObject (object, "path", g_dbus_proxy_get_object_path (G_DBUS_PROXY (euicc)));
      if (eid != NULL)
        cJSON_AddStringToObject (object, "eid", eid);
      cJSON_AddStringToObject (object, "transport", euiccd_dbus_euicc_get_transport (euicc));
      cJSON_AddStringToObject (object, "device", euiccd_dbus_euicc_get_device (euicc));
      cJSON_AddNumberToObject (object, "slot", euiccd_dbus_euicc_get_slot (euicc));
      cJSON_AddStringToObject (object, "svn", euiccd_dbus_euicc_get_svn (euicc));
      if (info != NULL)
        cJSON_AddItemToObject (object, "info", cli_dbus_variant_to_json (info));
      cli_dbus_print_json (object);
      return CLI_EXIT_OK;
    }
  printf ("EID:        %s\n", eid != NULL ? eid : "(needs root or the admin group)");
  printf ("Transport:  %s\n", euiccd_dbus_euicc_get_transport (euicc));
  printf ("Device:     %s\n", euiccd_dbus_euicc_get_device (euicc));
  printf ("Slot:       %u\n", euiccd_dbus_euicc_get_slot (euicc));
  printf ("SVN:        %s\n", euiccd_dbus_euicc_get_svn (euicc));
  if (info != NULL && g_variant_n_children (info) > 0)
    {
      GVariantIter iter;
      const gchar *key;
      GVariant *value;

      printf ("EUICCInfo2:\n");
      g_variant_iter_init (&iter, info);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
        {
          print_value (key, value);
          g_variant_unref (value);
        }
    }
  return CLI_EXIT_OK;
}

int
cli_profiles_main (int argc, char **argv)
{
  g_autoptr(EuiccdDbusEuicc) euicc = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *const *paths;
  gboolean json = FALSE;
  int status = CLI_EXIT_OK;
  cJSON *array = NULL;

  if (!parse_no_args ("profiles", "- the profiles on the eUICC", &argc, &argv, &json))
    return CLI_EXIT_USAGE;
  euicc = first_euicc ("profiles", &status);
  if (euicc == NULL)
    return status;
  paths = euiccd_dbus_euicc_get_profiles (euicc);
  if (json)
    array = cJSON_CreateArray ();
  else
    printf ("%-22s %-9s %-13s %-8s %s\n", "ICCID", "STATE", "CLASS", "FALLBACK", "NAME (PROVIDER) \"NICKNAME\"");
  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      g_autoptr(EuiccdDbusProfile) profile = cli_dbus_profile (paths[i], &error);
      const gchar *iccid;

      if (profile == NULL)
        {
          if (array != NULL)
            cJSON_Delete (array);
          return cli_dbus_fail ("profiles", error);
        }
      iccid = euiccd_dbus_profile_get_iccid (profile);
      if (json)
        {
          cJSON *object = cJSON_CreateObject ();

          cJSON_AddStringToObject (object, "path", paths[i]);
          if (iccid != NULL)
            cJSON_AddStringToObject (object, "iccid", iccid);
          cJSON_AddStringToObject (object, "state", euiccd_dbus_profile_get_state (profile));
          cJSON_AddStringToObject (object, "class", euiccd_dbus_profile_get_class (profile));
          cJSON_AddStringToObject (object, "name", euiccd_dbus_profile_get_name (profile));
          cJSON_AddStringToObject (object, "serviceProviderName",
                                   euiccd_dbus_profile_get_service_provider_name (profile));
          cJSON_AddStringToObject (object, "nickname", euiccd_dbus_profile_get_nickname (profile));
          cJSON_AddBoolToObject (object, "fallbackAttribute", euiccd_dbus_profile_get_fallback_attribute (profile));
          cJSON_AddItemToArray (array, object);
        }
      else
        {
          const gchar *nickname = euiccd_dbus_profile_get_nickname (profile);

          printf ("%-22s %-9s %-13s %-8s %s (%s)", iccid != NULL ? iccid : "(restricted)",
                  euiccd_dbus_profile_get_state (profile), euiccd_dbus_profile_get_class (profile),
                  euiccd_dbus_profile_get_fallback_attribute (profile) ? "yes" : "no",
                  euiccd_dbus_profile_get_name (profile), euiccd_dbus_profile_get_service_provider_name (profile));
          if (nickname != NULL && nickname[0] != '\0')
            printf (" \"%s\"", nickname);
          printf ("\n");
        }
    }
  if (json)
    cli_dbus_print_json (array);
  return CLI_EXIT_OK;
}

int
cli_eims_main (int argc, char **argv)
{
  g_autoptr(EuiccdDbusEuicc) euicc = NULL;
  GVariant *eims;
  gboolean json = FALSE;
  int status = CLI_EXIT_OK;
  GVariantIter iter;
  GVariant *eim;

  if (!parse_no_args ("eims", "- the eIMs configured on the eUICC", &argc, &argv, &json))
    return CLI_EXIT_USAGE;
  euicc = first_euicc ("eims", &status);
  if (euicc == NULL)
    return status;
  eims = euiccd_dbus_euicc_get_eim_configurations (euicc);
  if (json)
    {
      cli_dbus_print_json (eims != NULL ? cli_dbus_variant_to_json (eims) : cJSON_CreateArray ());
      return CLI_EXIT_OK;
    }
  if (eims == NULL || g_variant_n_children (eims) == 0)
    {
      printf ("No eIM is configured on the eUICC (euiccctl add-initial-eim adds the first).\n");
      return CLI_EXIT_OK;
    }
  g_variant_iter_init (&iter, eims);
  while ((eim = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = eim;
      g_auto(GVariantDict) dict;
      const gchar *text;
      g_autofree const gchar **protocols = NULL;
      guint64 counter;
      gboolean flag;

      g_variant_dict_init (&dict, eim);
      printf ("eIM %s\n", g_variant_dict_lookup (&dict, "eimId", "&s", &text) ? text : "?");
      if (g_variant_dict_lookup (&dict, "eimFqdn", "&s", &text))
        printf ("  %-24s %s\n", "address", text);
      if (g_variant_dict_lookup (&dict, "eimIdType", "&s", &text))
        printf ("  %-24s %s\n", "id type", text);
      if (g_variant_dict_lookup (&dict, "counterValue", "t", &counter))
        printf ("  %-24s %" G_GUINT64_FORMAT "\n", "counter", counter);
      if (g_variant_dict_lookup (&dict, "protocols", "^a&s", &protocols))
        {
          g_autofree gchar *joined = g_strjoinv (", ", (gchar **) protocols);
          printf ("  %-24s %s\n", "protocols", joined);
        }
      if (g_variant_dict_lookup (&dict, "hasTlsTrust", "b", &flag))
        printf ("  %-24s %s\n", "TLS key pinned", flag ? "yes" : "no (system or configured CAs)");
      if (g_variant_dict_lookup (&dict, "indirectProfileDownload", "b", &flag))
        printf ("  %-24s %s\n", "indirect download", flag ? "yes" : "no");
    }
  return CLI_EXIT_OK;
}
