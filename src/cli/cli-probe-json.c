/* SPDX-License-Identifier: Apache-2.0 */
/* The probe report for machines. Keys are camelCase as in the ASN.1 field names; absent fields are left out. */
#include "config.h"

#include "cli/cli-probe-report.h"
#include "euiccd-autoptr.h"

static void
add_string (cJSON *object, const gchar *key, const gchar *value)
{
  if (value != NULL)
    cJSON_AddStringToObject (object, key, value);
}

static void
add_version (cJSON *object, const gchar *key, const RspVersion *version)
{
  g_autofree gchar *text = rsp_version_to_string (version);
  cJSON_AddStringToObject (object, key, text);
}

static void
add_names (cJSON *object, const gchar *key, gchar *names /* owned */)
{
  cJSON *array = cJSON_AddArrayToObject (object, key);
  g_auto(GStrv) parts = g_strsplit (names, ", ", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      cJSON_AddItemToArray (array, cJSON_CreateString (parts[i]));
  g_free (names);
}

static cJSON *
info2_to_json (const Es10EuiccInfo2 *info)
{
  cJSON *object = cJSON_CreateObject ();

  add_version (object, "svn", &info->svn);
  add_version (object, "euiccFirmwareVersion", &info->firmware_version);
  add_version (object, "profileVersion", &info->profile_version);
  add_version (object, "ppVersion", &info->pp_version);
  add_names (object, "rspCapability", cli_rsp_capability_names (info->rsp_capability));
  if (info->has_ipa_mode)
    cJSON_AddStringToObject (object, "ipaMode", info->ipa_mode == 1 ? "ipae" : "ipad");
  if (info->iot_versions != NULL)
    {
      cJSON *versions = cJSON_AddArrayToObject (object, "iotVersions");
      for (guint i = 0; i < info->iot_versions->len; i++)
        {
          g_autofree gchar *v = rsp_version_to_string (&g_array_index (info->iot_versions, RspVersion, i));
          cJSON_AddItemToArray (versions, cJSON_CreateString (v));
        }
    }
  if (info->has_free_nvm)
    cJSON_AddNumberToObject (object, "freeNvm", (double) info->free_nvm);
  if (info->has_free_ram)
    cJSON_AddNumberToObject (object, "freeRam", (double) info->free_ram);
  if (info->has_euicc_category)
    cJSON_AddNumberToObject (object, "euiccCategory", (double) info->euicc_category);
  add_string (object, "sasAccreditationNumber", info->sas_accreditation_number);
  return object;
}

static const gchar *
key_kind_name (Es10EimKeyKind kind)
{
  return kind == ES10_EIM_KEY_PUBLIC_KEY ? "publicKey" : kind == ES10_EIM_KEY_CERTIFICATE ? "certificate" : NULL;
}

static cJSON *
eim_to_json (const Es10EimConfiguration *eim)
{
  cJSON *object = cJSON_CreateObject ();

  add_string (object, "eimId", eim->eim_id);
  add_string (object, "eimFqdn", eim->eim_fqdn);
  if (eim->has_eim_id_type)
    cJSON_AddNumberToObject (object, "eimIdType", (double) eim->eim_id_type);
  if (eim->has_counter_value)
    cJSON_AddNumberToObject (object, "counterValue", (double) eim->counter_value);
  if (eim->has_supported_protocols)
    add_names (object, "eimSupportedProtocol", cli_eim_protocol_names (eim->supported_protocols));
  add_string (object, "eimPublicKeyData", key_kind_name (eim->public_key_kind));
  add_string (object, "trustedPublicKeyDataTls", key_kind_name (eim->tls_kind));
  return object;
}

static cJSON *
profile_to_json (const Es10ProfileInfo *p)
{
  cJSON *object = cJSON_CreateObject ();

  add_string (object, "iccid", p->iccid);
  if (p->has_state)
    cJSON_AddStringToObject (object, "profileState", es10_profile_state_to_string (p->state));
  if (p->has_class)
    cJSON_AddStringToObject (object, "profileClass", es10_profile_class_to_string (p->profile_class));
  add_string (object, "profileName", p->name);
  add_string (object, "serviceProviderName", p->service_provider_name);
  add_string (object, "profileNickname", p->nickname);
  cJSON_AddBoolToObject (object, "fallbackAttribute", p->fallback_attribute);
  return object;
}

static cJSON *
notification_to_json (const Es10PendingNotification *n)
{
  cJSON *object = cJSON_CreateObject ();

  if (n->has_seq_number)
    cJSON_AddNumberToObject (object, "seqNumber", (double) n->seq_number);
  cJSON_AddStringToObject (object, "event", n->kind == ES10_PENDING_EUICC_PACKAGE_RESULT
                                               ? "euiccPackageResult"
                                               : es10_notification_event_to_string (n->operation));
  add_string (object, "notificationAddress", n->address);
  add_string (object, "eimId", n->eim_id);
  add_string (object, "iccid", n->iccid);
  return object;
}

gchar *
cli_probe_report_to_json (const CliProbeReport *report)
{
  g_autoptr(cJSON) root = cJSON_CreateObject ();
  g_autofree gchar *text = NULL;
  gchar *printed;

  add_string (root, "device", report->device);
  add_string (root, "transport", report->transport);
  add_string (root, "eid", report->eid);
  if (report->info2 != NULL)
    cJSON_AddItemToObject (root, "euiccInfo2", info2_to_json (report->info2));
  if (report->addresses != NULL)
    {
      add_string (root, "defaultSmdpAddress", report->addresses->default_dp_address);
      add_string (root, "rootSmdsAddress", report->addresses->root_ds_address);
    }
  if (report->eims != NULL)
    {
      cJSON *array = cJSON_AddArrayToObject (root, "eimConfigurations");
      for (guint i = 0; i < report->eims->eims->len; i++)
        cJSON_AddItemToArray (array, eim_to_json (g_ptr_array_index (report->eims->eims, i)));
    }
  if (report->profiles != NULL)
    {
      cJSON *array = cJSON_AddArrayToObject (root, "profiles");
      for (guint i = 0; i < report->profiles->profiles->len; i++)
        cJSON_AddItemToArray (array, profile_to_json (g_ptr_array_index (report->profiles->profiles, i)));
    }
  if (report->notifications != NULL)
    {
      cJSON *array = cJSON_AddArrayToObject (root, "notifications");
      for (guint i = 0; i < report->notifications->notifications->len; i++)
        cJSON_AddItemToArray (array,
                              notification_to_json (g_ptr_array_index (report->notifications->notifications, i)));
    }
  if (report->errors->len > 0)
    {
      /* Per part, what could not be read: the part's own error, or each list entry left out. */
      cJSON *errors = cJSON_AddObjectToObject (root, "errors");

      for (guint part = 0; part < CLI_PROBE_N_PARTS; part++)
        {
          const GPtrArray *messages = report->part_errors[part];
          cJSON *array;

          if (messages->len == 0)
            continue;
          array = cJSON_AddArrayToObject (errors, cli_probe_part_key (part));
          for (guint i = 0; i < messages->len; i++)
            cJSON_AddItemToArray (array, cJSON_CreateString (g_ptr_array_index (messages, i)));
        }
    }

  /* cJSON allocates with malloc: hand back a GLib-owned copy. */
  printed = cJSON_Print (root);
  text = g_strconcat (printed, "\n", NULL);
  cJSON_free (printed);
  return g_steal_pointer (&text);
}
