/* SPDX-License-Identifier: Apache-2.0 */
/* `euiccctl nickname ICCID NICKNAME`: sets a profile's nickname (ES10c SetNickname) through the daemon. */
#include "config.h"

#include <stdio.h>

#include "cli/cli-commands.h"
#include "cli/cli-dbus.h"

int
cli_nickname_main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EuiccdDbusManager) manager = NULL;
  gboolean json = FALSE;

  if (!cli_dbus_parse ("nickname", "ICCID NICKNAME - set a profile's nickname (SetNickname; \"\" clears it)", NULL,
                       &argc, &argv, &json))
    return CLI_EXIT_USAGE;
  if (argc != 3)
    {
      fprintf (stderr, "euiccctl nickname: expected the profile's ICCID and the nickname (\"\" to clear it)\n");
      return CLI_EXIT_USAGE;
    }
  /* A D-Bus string must be UTF-8: the call could not even carry it. */
  if (!g_utf8_validate (argv[2], -1, NULL))
    {
      fprintf (stderr, "euiccctl nickname: the nickname is not UTF-8\n");
      return CLI_EXIT_USAGE;
    }
  manager = cli_dbus_manager (&error);
  if (manager == NULL
      || !euiccd_dbus_manager_call_set_profile_nickname_sync (manager, argv[1], argv[2], NULL, &error))
    return cli_dbus_fail ("nickname", error);
  if (json)
    {
      cJSON *object = cJSON_CreateObject ();

      cJSON_AddStringToObject (object, "iccid", argv[1]);
      cJSON_AddStringToObject (object, "nickname", argv[2]);
      cli_dbus_print_json (object);
    }
  else
    printf ("Profile %s is now called \"%s\"\n", argv[1], argv[2]);
  return CLI_EXIT_OK;
}
