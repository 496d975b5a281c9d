/* SPDX-License-Identifier: Apache-2.0 */
/* `euiccctl fallback execute|return` and `euiccctl emergency enable|disable`: the profile switches the IPA asks
 * the eUICC for itself (ExecuteFallbackMechanism, ReturnFromFallback, Enable/DisableEmergencyProfile), through
 * the daemon. */
#include "config.h"

#include <stdio.h>

#include "cli/cli-commands.h"
#include "cli/cli-dbus.h"
#include "euiccd-autoptr.h"

typedef gboolean (*SwitchCall) (EuiccdDbusManager *proxy, GCancellable *cancellable, GError **error);

typedef struct {
  const gchar *word;
  SwitchCall call;
  const gchar *method;    /* for --json */
  const gchar *done;      /* for text */
} SwitchChoice;

static int
run_switch (const gchar *command, const gchar *summary, const SwitchChoice *choices, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EuiccdDbusManager) manager = NULL;
  const SwitchChoice *choice = NULL;
  gboolean json = FALSE;

  if (!cli_dbus_parse (command, summary, NULL, &argc, &argv, &json))
    return CLI_EXIT_USAGE;
  for (guint i = 0; i < 2 && argc == 2; i++)
    if (g_strcmp0 (argv[1], choices[i].word) == 0)
      choice = &choices[i];
  if (choice == NULL)
    {
      fprintf (stderr, "euiccctl %s: expected %s or %s\n", command, choices[0].word, choices[1].word);
      return CLI_EXIT_USAGE;
    }
  manager = cli_dbus_manager (&error);
  if (manager == NULL || !choice->call (manager, NULL, &error))
    return cli_dbus_fail (command, error);
  if (json)
    {
      cJSON *object = cJSON_CreateObject ();

      cJSON_AddStringToObject (object, "done", choice->method);
      cli_dbus_print_json (object);
    }
  else
    printf ("%s\n", choice->done);
  return CLI_EXIT_OK;
}

int
cli_fallback_main (int argc, char **argv)
{
  static const SwitchChoice choices[] = {
    { "execute", euiccd_dbus_manager_call_execute_fallback_sync, "ExecuteFallback",
      "The fallback profile is enabled (ExecuteFallbackMechanism)" },
    { "return", euiccd_dbus_manager_call_return_from_fallback_sync, "ReturnFromFallback",
      "The profile enabled before the fallback is enabled again (ReturnFromFallback)" },
  };

  return run_switch ("fallback", "execute|return - switch to the fallback profile, or back from it", choices, argc,
                     argv);
}

int
cli_emergency_main (int argc, char **argv)
{
  static const SwitchChoice choices[] = {
    { "enable", euiccd_dbus_manager_call_enable_emergency_profile_sync, "EnableEmergencyProfile",
      "The emergency profile is enabled" },
    { "disable", euiccd_dbus_manager_call_disable_emergency_profile_sync, "DisableEmergencyProfile",
      "The emergency profile is disabled" },
  };

  return run_switch ("emergency", "enable|disable - enable or disable the emergency profile", choices, argc, argv);
}
