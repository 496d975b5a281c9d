/* SPDX-License-Identifier: Apache-2.0 */
/* `euiccctl ipae on|off`: activates or deactivates the eUICC's own IPA (IPAe) through the daemon. */
#include "config.h"

#include <stdio.h>

#include "cli/cli-commands.h"
#include "cli/cli-dbus.h"
#include "euiccd-autoptr.h"

int
cli_ipae_main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EuiccdDbusManager) manager = NULL;
  gboolean json = FALSE;
  gboolean active;

  if (!cli_dbus_parse ("ipae", "on|off - activate or deactivate the eUICC's own IPA (IpaeActivation)", NULL, &argc,
                       &argv, &json))
    return CLI_EXIT_USAGE;
  if (argc != 2 || (g_strcmp0 (argv[1], "on") != 0 && g_strcmp0 (argv[1], "off") != 0))
    {
      fprintf (stderr, "euiccctl ipae: expected on or off\n");
      return CLI_EXIT_USAGE;
    }
  active = g_str_equal (argv[1], "on");
  manager = cli_dbus_manager (&error);
  if (manager == NULL || !euiccd_dbus_manager_call_set_ipae_active_sync (manager, active, NULL, &error))
    return cli_dbus_fail ("ipae", error);
  if (json)
    {
      cJSON *object = cJSON_CreateObject ();

      cJSON_AddBoolToObject (object, "ipaeActive", active);
      cli_dbus_print_json (object);
    }
  else
    printf ("The eUICC's IPAe is %s\n", active ? "active: euiccd no longer polls its eIMs" : "inactive");
  return CLI_EXIT_OK;
}
