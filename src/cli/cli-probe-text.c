/* SPDX-License-Identifier: Apache-2.0 */
/* The probe report for people: one aligned "Label: value" block, then a table per list. */
#include "config.h"

#include "cli/cli-probe-report.h"

static void
field (GString *out, const gchar *label, const gchar *value)
{
  if (value != NULL && value[0] != '\0')
    g_string_append_printf (out, "%-18s %s\n", label, value);
}

static void
version_field (GString *out, const gchar *label, const RspVersion *version)
{
  g_autofree gchar *text = rsp_version_to_string (version);
  field (out, label, text);
}

static const gchar *
key_kind_name (Es10EimKeyKind kind)
{
  switch (kind)
    {
    case ES10_EIM_KEY_PUBLIC_KEY:
      return "public key";
    case ES10_EIM_KEY_CERTIFICATE:
      return "certificate";
    case ES10_EIM_KEY_NONE:
    default:
      return "none";
    }
}

static void
append_info2 (GString *out, const Es10EuiccInfo2 *info)
{
  g_autofree gchar *caps = cli_rsp_capability_names (info->rsp_capability);

  version_field (out, "SVN:", &info->svn);
  version_field (out, "Firmware:", &info->firmware_version);
  version_field (out, "Profile version:", &info->profile_version);
  version_field (out, "PP version:", &info->pp_version);
  field (out, "Capabilities:", caps);
  if (info->has_ipa_mode)
    field (out, "IPA mode:", info->ipa_mode == 1 ? "ipae" : "ipad");
  if (info->iot_versions != NULL && info->iot_versions->len > 0)
    {
      g_autoptr(GString) versions = g_string_new (NULL);
      for (guint i = 0; i < info->iot_versions->len; i++)
        {
          g_autofree gchar *v = rsp_version_to_string (&g_array_index (info->iot_versions, RspVersion, i));
          g_string_append_printf (versions, "%s%s", i > 0 ? ", " : "", v);
        }
      field (out, "SGP.32 versions:", versions->str);
    }
  if (info->has_free_nvm)
    {
      g_autofree gchar *nvm = g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", info->free_nvm);
      field (out, "Free NVM:", nvm);
    }
  if (info->has_free_ram)
    {
      g_autofree gchar *ram = g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", info->free_ram);
      field (out, "Free RAM:", ram);
    }
  field (out, "SAS accreditation:", info->sas_accreditation_number);
}

gchar *
cli_probe_report_to_text (const CliProbeReport *report)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree gchar *device = g_strdup_printf ("%s (%s)", report->device, report->transport);

  field (out, "Device:", device);
  field (out, "EID:", report->eid);
  if (report->info2 != NULL)
    append_info2 (out, report->info2);
  if (report->addresses != NULL)
    {
      field (out, "Default SM-DP+:", report->addresses->default_dp_address);
      field (out, "Root SM-DS:", report->addresses->root_ds_address);
    }

  if (report->eims != NULL)
    {
      g_string_append_printf (out, "\neIM configurations: %u\n", report->eims->eims->len);
      for (guint i = 0; i < report->eims->eims->len; i++)
        {
          const Es10EimConfiguration *eim = g_ptr_array_index (report->eims->eims, i);
          g_autofree gchar *protocols = cli_eim_protocol_names (eim->supported_protocols);

          g_string_append_printf (out, "  %s\n", eim->eim_id);
          field (out, "    address:", eim->eim_fqdn);
          if (eim->has_counter_value)
            g_string_append_printf (out, "%-18s %" G_GINT64_FORMAT "\n", "    counter:", eim->counter_value);
          if (eim->has_supported_protocols)
            field (out, "    protocols:", protocols);
          field (out, "    signing key:", key_kind_name (eim->public_key_kind));
          field (out, "    TLS trust:", key_kind_name (eim->tls_kind));
        }
    }

  if (report->profiles != NULL)
    {
      g_string_append_printf (out, "\nProfiles: %u\n", report->profiles->profiles->len);
      if (report->profiles->profiles->len > 0)
        g_string_append_printf (out, "  %-22s %-9s %-12s %s\n", "ICCID", "STATE", "CLASS", "NAME");
      for (guint i = 0; i < report->profiles->profiles->len; i++)
        {
          const Es10ProfileInfo *p = g_ptr_array_index (report->profiles->profiles, i);
          g_string_append_printf (out, "  %-22s %-9s %-12s %s%s%s%s%s\n", p->iccid != NULL ? p->iccid : "-",
                                  p->has_state ? es10_profile_state_to_string (p->state) : "-",
                                  p->has_class ? es10_profile_class_to_string (p->profile_class) : "-",
                                  p->name != NULL ? p->name : "-",
                                  p->service_provider_name != NULL ? " (" : "",
                                  p->service_provider_name != NULL ? p->service_provider_name : "",
                                  p->service_provider_name != NULL ? ")" : "",
                                  p->fallback_attribute ? " [fallback]" : "");
        }
    }

  if (report->notifications != NULL)
    {
      g_string_append_printf (out, "\nPending notifications: %u\n", report->notifications->notifications->len);
      for (guint i = 0; i < report->notifications->notifications->len; i++)
        {
          const Es10PendingNotification *n = g_ptr_array_index (report->notifications->notifications, i);
          const gchar *what = n->kind == ES10_PENDING_EUICC_PACKAGE_RESULT
                                ? "eUICC package result"
                                : es10_notification_event_to_string (n->operation);

          if (n->has_seq_number)
            g_string_append_printf (out, "  #%-4" G_GINT64_FORMAT " %s", n->seq_number, what);
          else
            g_string_append_printf (out, "  #-    %s", what);
          if (n->address != NULL)
            g_string_append_printf (out, " to %s", n->address);
          if (n->eim_id != NULL)
            g_string_append_printf (out, " for eIM %s", n->eim_id);
          if (n->iccid != NULL)
            g_string_append_printf (out, " (ICCID %s)", n->iccid);
          g_string_append_c (out, '\n');
        }
    }

  for (guint i = 0; i < report->errors->len; i++)
    g_string_append_printf (out, "\nerror: %s", (const gchar *) g_ptr_array_index (report->errors, i));
  if (report->errors->len > 0)
    g_string_append_c (out, '\n');

  return g_string_free (g_steal_pointer (&out), FALSE);
}
