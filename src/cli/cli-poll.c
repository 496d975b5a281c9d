/* SPDX-License-Identifier: Apache-2.0 */
/* `euiccctl poll`: asks the daemon to poll its eIMs now and waits for the outcome. A failed exchange exits 1. */
#include "config.h"

#include <stdio.h>

#include "cli/cli-commands.h"
#include "cli/cli-dbus.h"
#include "euiccd-autoptr.h"

int
cli_poll_main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EuiccdDbusManager) manager = NULL;
  g_autoptr(GVariant) outcome = NULL;
  g_auto(GVariantDict) dict;
  g_autofree gchar *next = NULL;
  gboolean json = FALSE;
  gboolean success = FALSE;
  guint packages = 0;
  guint64 next_poll = 0;
  const gchar *message = NULL;

  if (!cli_dbus_parse ("poll", "- poll the eIMs now and wait for the outcome", NULL, &argc, &argv, &json))
    return CLI_EXIT_USAGE;
  if (argc > 1)
    {
      fprintf (stderr, "euiccctl poll: unexpected argument '%s'\n", argv[1]);
      return CLI_EXIT_USAGE;
    }
  manager = cli_dbus_manager (&error);
  if (manager == NULL || !euiccd_dbus_manager_call_poll_sync (manager, &outcome, NULL, &error))
    return cli_dbus_fail ("poll", error);

  g_variant_dict_init (&dict, outcome);
  g_variant_dict_lookup (&dict, "success", "b", &success);
  g_variant_dict_lookup (&dict, "packages", "u", &packages);
  g_variant_dict_lookup (&dict, "nextPoll", "t", &next_poll);
  g_variant_dict_lookup (&dict, "errorMessage", "&s", &message);
  if (json)
    cli_dbus_print_json (cli_dbus_variant_to_json (outcome));
  else
    {
      next = cli_dbus_format_time (next_poll);
      if (success)
        printf ("Poll finished: %u eIM package(s) handled; next poll %s\n", packages, next);
      else
        printf ("Poll failed: %s\n%u eIM package(s) handled; next try %s\n", message != NULL ? message : "unknown error",
                packages, next);
    }
  return success ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}
