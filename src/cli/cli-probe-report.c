/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "cli/cli-probe-report.h"
#include "euiccd-error.h"

CliProbeReport *
cli_probe_report_new (void)
{
  CliProbeReport *report = g_new0 (CliProbeReport, 1);
  report->errors = g_ptr_array_new_with_free_func (g_free);
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
  g_free (report);
}

static void
record_error (CliProbeReport *report, const gchar *part, GError *error)
{
  g_ptr_array_add (report->errors, g_strdup_printf ("%s: %s", part, error->message));
}

gboolean
cli_probe_report_collect (CliProbeReport *report, IsdrSession *session, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  Es10ProfileSearch all_profiles = { .kind = ES10_PROFILE_SEARCH_ALL };
  Es10NotificationSearch all_notifications = { .kind = ES10_NOTIFICATION_SEARCH_ALL };

  /* Without the EID the card is not usable as an eUICC at all: that ends the probe. */
  if (!es10_get_eid (session, &report->eid, error))
    return FALSE;

  if (!es10_get_euicc_info2 (session, &report->info2, &local_error))
    {
      record_error (report, "EUICCInfo2", local_error);
      g_clear_error (&local_error);
    }
  if (!es10_get_euicc_configured_addresses (session, &report->addresses, &local_error))
    {
      record_error (report, "configured addresses", local_error);
      g_clear_error (&local_error);
    }
  if (!es10_get_eim_configuration_data (session, NULL, &report->eims, &local_error))
    {
      record_error (report, "eIM configuration", local_error);
      g_clear_error (&local_error);
    }
  if (!es10_get_profiles_info (session, &all_profiles, &report->profiles, &local_error))
    {
      record_error (report, "profiles", local_error);
      g_clear_error (&local_error);
    }
  else if (report->profiles->has_error)
    g_ptr_array_add (report->errors, g_strdup_printf ("profiles: the eUICC answered profileInfoListError %"
                                                      G_GINT64_FORMAT, report->profiles->error_code));
  if (!es10_retrieve_notifications_list (session, &all_notifications, &report->notifications, &local_error))
    {
      record_error (report, "notifications", local_error);
      g_clear_error (&local_error);
    }
  else if (report->notifications->has_error)
    g_ptr_array_add (report->errors, g_strdup_printf ("notifications: the eUICC answered notificationsListResultError %"
                                                      G_GINT64_FORMAT, report->notifications->error_code));
  return TRUE;
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
