/* SPDX-License-Identifier: Apache-2.0 */
/* `euiccctl status`: what the daemon is doing, and the EID when the caller may read it. */
#include "config.h"

#include <stdio.h>

#include "cli/cli-commands.h"
#include "cli/cli-dbus.h"
#include "euiccd-autoptr.h"

int
cli_status_main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EuiccdDbusManager) manager = NULL;
  g_autoptr(GPtrArray) euiccs = NULL;
  g_autofree gchar *last = NULL;
  g_autofree gchar *next = NULL;
  const gchar *eid = NULL;
  const gchar *last_error;
  const gchar *storage_problem;
  const gchar *card_support;
  const gchar *card_problem;
  GVariant *dead_letters;
  gboolean json = FALSE;
  guint state;

  if (!cli_dbus_parse ("status", "- what euiccd is doing", NULL, &argc, &argv, &json))
    return CLI_EXIT_USAGE;
  if (argc > 1)
    {
      fprintf (stderr, "euiccctl status: unexpected argument '%s'\n", argv[1]);
      return CLI_EXIT_USAGE;
    }
  manager = cli_dbus_manager (&error);
  if (manager == NULL)
    return cli_dbus_fail ("status", error);
  euiccs = cli_dbus_euiccs (&error);
  if (euiccs == NULL)
    return cli_dbus_fail ("status", error);
  /* Readable only by root and the admin group: for others the proxy has no value and none is shown. */
  if (euiccs->len > 0)
    eid = euiccd_dbus_euicc_get_eid (g_ptr_array_index (euiccs, 0));

  state = euiccd_dbus_manager_get_state (manager);
  last_error = euiccd_dbus_manager_get_last_error (manager);
  storage_problem = euiccd_dbus_manager_get_storage_problem (manager);
  dead_letters = euiccd_dbus_manager_get_dead_letters (manager);
  card_support = euiccd_dbus_manager_get_card_support (manager);
  card_problem = euiccd_dbus_manager_get_card_problem (manager);
  if (json)
    {
      cJSON *object = cJSON_CreateObject ();

      cJSON_AddStringToObject (object, "version", euiccd_dbus_manager_get_version (manager));
      cJSON_AddStringToObject (object, "state", cli_dbus_state_name (state));
      cJSON_AddNumberToObject (object, "stateCode", state);
      cJSON_AddNumberToObject (object, "lastPoll", (double) euiccd_dbus_manager_get_last_poll (manager));
      cJSON_AddNumberToObject (object, "nextPoll", (double) euiccd_dbus_manager_get_next_poll (manager));
      cJSON_AddStringToObject (object, "lastError", last_error != NULL ? last_error : "");
      cJSON_AddNumberToObject (object, "euiccs", euiccs->len);
      cJSON_AddNumberToObject (object, "skippedItems", euiccd_dbus_manager_get_skipped_items (manager));
      cJSON_AddNumberToObject (object, "deadLetters", dead_letters != NULL ? g_variant_n_children (dead_letters) : 0);
      cJSON_AddStringToObject (object, "storageProblem", storage_problem != NULL ? storage_problem : "");
      cJSON_AddStringToObject (object, "cardSupport", card_support != NULL ? card_support : "");
      cJSON_AddStringToObject (object, "cardProblem", card_problem != NULL ? card_problem : "");
      cJSON_AddBoolToObject (object, "ipaeSupported", euiccd_dbus_manager_get_ipae_supported (manager));
      if (eid != NULL)
        cJSON_AddStringToObject (object, "eid", eid);
      cli_dbus_print_json (object);
      return CLI_EXIT_OK;
    }
  last = cli_dbus_format_time (euiccd_dbus_manager_get_last_poll (manager));
  next = cli_dbus_format_time (euiccd_dbus_manager_get_next_poll (manager));
  printf ("State:       %s\n", cli_dbus_state_name (state));
  printf ("Version:     %s\n", euiccd_dbus_manager_get_version (manager));
  printf ("Last poll:   %s\n", last);
  printf ("Next poll:   %s\n", euiccd_dbus_manager_get_next_poll (manager) != 0 ? next : "not scheduled");
  printf ("Last error:  %s\n", last_error != NULL && last_error[0] != '\0' ? last_error : "-");
  if (storage_problem != NULL && storage_problem[0] != '\0')
    printf ("Storage:     %s\n", storage_problem);
  if (card_support != NULL && card_support[0] != '\0')
    printf ("Card:        %s%s%s%s\n", card_support, card_problem != NULL && card_problem[0] != '\0' ? ": " : "",
            card_problem != NULL ? card_problem : "", euiccd_dbus_manager_get_ipae_supported (manager)
            && g_strcmp0 (card_support, "ipae-active") != 0 ? " (the eUICC holds an IPAe, not active)" : "");
  if (dead_letters != NULL && g_variant_n_children (dead_letters) > 0)
    printf ("Dead letters: %" G_GSIZE_FORMAT " (euiccctl dead-letters)\n", g_variant_n_children (dead_letters));
  if (euiccd_dbus_manager_get_skipped_items (manager) > 0)
    printf ("Skipped:     %u undecodable card entries left out (euiccctl history)\n",
            euiccd_dbus_manager_get_skipped_items (manager));
  if (euiccs->len == 0)
    printf ("eUICC:       not read (see the daemon's log)\n");
  else
    printf ("EID:         %s\n", eid != NULL ? eid : "(needs root or the admin group)");
  return CLI_EXIT_OK;
}
