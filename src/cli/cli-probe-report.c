/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "cli/cli-probe-report.h"
#include "euiccd-error.h"

static const struct {
  const gchar *name;
  const gchar *key;
} parts[CLI_PROBE_N_PARTS] = {
  [CLI_PROBE_PART_EID] = { "EID", "eid" },
  [CLI_PROBE_PART_INFO2] = { "EUICCInfo2", "euiccInfo2" },
  [CLI_PROBE_PART_ADDRESSES] = { "configured addresses", "configuredAddresses" },
  [CLI_PROBE_PART_EIMS] = { "eIM configuration", "eimConfigurations" },
  [CLI_PROBE_PART_PROFILES] = { "profiles", "profiles" },
  [CLI_PROBE_PART_NOTIFICATIONS] = { "notifications", "notifications" },
};

const gchar *
cli_probe_part_name (CliProbePart part)
{
  return parts[part].name;
}

const gchar *
cli_probe_part_key (CliProbePart part)
{
  return parts[part].key;
}

CliProbeReport *
cli_probe_report_new (void)
{
  CliProbeReport *report = g_new0 (CliProbeReport, 1);
  report->errors = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < CLI_PROBE_N_PARTS; i++)
    report->part_errors[i] = g_ptr_array_new_with_free_func (g_free);
  return report;
}

void
cli_probe_report_free (CliProbeReport *report)
{
  if (report == NULL)
    return;
  g_free (report->device);
  g_free (report->transport);
  g_free (report->eid);
  g_clear_pointer (&report->info2, es10_euicc_info2_free);
  g_clear_pointer (&report->addresses, es10_configured_addresses_free);
  g_clear_pointer (&report->eims, es10_eim_configuration_list_free);
  g_clear_pointer (&report->profiles, es10_profile_list_free);
  g_clear_pointer (&report->notifications, es10_pending_notification_list_free);
  g_ptr_array_unref (report->errors);
  for (guint i = 0; i < CLI_PROBE_N_PARTS; i++)
    g_ptr_array_unref (report->part_errors[i]);
  g_free (report);
}

static void
record (CliProbeReport *report, CliProbePart part, const gchar *message)
{
  g_ptr_array_add (report->errors, g_strdup_printf ("%s: %s", parts[part].name, message));
  g_ptr_array_add (report->part_errors[part], g_strdup (message));
}

/* Records a failed read (error set) and clears the error for the next part. */
static void
record_error (CliProbeReport *report, CliProbePart part, GError **error)
{
  record (report, part, (*error)->message);
  g_clear_error (error);
}

/* Entries of a list the card layer could not decode: the list is shown without them, each named here. */
static void
record_skipped (CliProbeReport *report, CliProbePart part, const GPtrArray *skipped)
{
  for (guint i = 0; skipped != NULL && i < skipped->len; i++)
    {
      const Es10SkippedEntry *entry = g_ptr_array_index (skipped, i);
      g_autofree gchar *message = g_strdup_printf ("left out %s", entry->reason);

      record (report, part, message);
    }
}

void
cli_probe_report_collect (CliProbeReport *report, IsdrSession *session)
{
  g_autoptr(GError) error = NULL;
  Es10ProfileSearch all_profiles = { .kind = ES10_PROFILE_SEARCH_ALL };
  RspNotificationSearch all_notifications = { .kind = RSP_NOTIFICATION_SEARCH_ALL };

  if (!es10_get_eid (session, &report->eid, &error))
    record_error (report, CLI_PROBE_PART_EID, &error);
  if (!es10_get_euicc_info2 (session, &report->info2, &error))
    record_error (report, CLI_PROBE_PART_INFO2, &error);
  if (!es10_get_euicc_configured_addresses (session, &report->addresses, &error))
    record_error (report, CLI_PROBE_PART_ADDRESSES, &error);
  if (!es10_get_eim_configuration_data (session, NULL, &report->eims, &error))
    record_error (report, CLI_PROBE_PART_EIMS, &error);
  else
    record_skipped (report, CLI_PROBE_PART_EIMS, report->eims->skipped);
  if (!es10_get_profiles_info (session, &all_profiles, &report->profiles, &error))
    record_error (report, CLI_PROBE_PART_PROFILES, &error);
  else if (report->profiles->has_error)
    {
      g_autofree gchar *message = g_strdup_printf ("the eUICC answered profileInfoListError %" G_GINT64_FORMAT,
                                                   report->profiles->error_code);
      record (report, CLI_PROBE_PART_PROFILES, message);
    }
  else
    record_skipped (report, CLI_PROBE_PART_PROFILES, report->profiles->skipped);
  if (!es10_retrieve_notifications_list (session, &all_notifications, &report->notifications, &error))
    record_error (report, CLI_PROBE_PART_NOTIFICATIONS, &error);
  else if (report->notifications->has_error)
    {
      g_autofree gchar *message = g_strdup_printf ("the eUICC answered notificationsListResultError %"
                                                   G_GINT64_FORMAT, report->notifications->error_code);
      record (report, CLI_PROBE_PART_NOTIFICATIONS, message);
    }
  else
    record_skipped (report, CLI_PROBE_PART_NOTIFICATIONS, report->notifications->skipped);
}

static gchar *
join_bit_names (guint32 mask, const gchar *const *names, gsize n_names)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (gsize bit = 0; bit < 32; bit++)
    {
      if ((mask & (1u << bit)) == 0)
        continue;
      if (out->len > 0)
        g_string_append (out, ", ");
      if (bit < n_names)
        g_string_append (out, names[bit]);
      else
        g_string_append_printf (out, "bit%" G_GSIZE_FORMAT, bit);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gchar *
cli_rsp_capability_names (guint32 mask)
{
  static const gchar *const names[] = {
    "additionalProfile", "crlSupport", "rpmSupport", "testProfileSupport", "deviceInfoExtensibilitySupport",
    "serviceSpecificDataSupport",
  };
  return join_bit_names (mask, names, G_N_ELEMENTS (names));
}

gchar *
cli_eim_protocol_names (guint32 mask)
{
  static const gchar *const names[] = {
    "eimRetrieveHttps", "eimRetrieveCoaps", "eimInjectHttps", "eimInjectCoaps", "eimProprietary",
  };
  return join_bit_names (mask, names, G_N_ELEMENTS (names));
}
