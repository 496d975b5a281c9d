/* SPDX-License-Identifier: Apache-2.0 */
/* `euiccctl history [N]`: the last eIM package outcomes the daemon recorded. */
#include "config.h"

#include <stdio.h>

#include "cli/cli-commands.h"
#include "cli/cli-dbus.h"
#include "euiccd-autoptr.h"

#define DEFAULT_COUNT 20

int
cli_history_main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EuiccdDbusManager) manager = NULL;
  g_autoptr(GVariant) history = NULL;
  gboolean json = FALSE;
  guint64 count = DEFAULT_COUNT;
  GVariantIter iter;
  GVariant *entry;

  if (!cli_dbus_parse ("history", "[N] - the last N eIM package outcomes (default 20, 0 for all kept)", NULL, &argc,
                       &argv, &json))
    return CLI_EXIT_USAGE;
  if (argc > 2 || (argc == 2 && !g_ascii_string_to_unsigned (argv[1], 10, 0, G_MAXUINT32, &count, NULL)))
    {
      fprintf (stderr, "euiccctl history: %s\n", argc > 2 ? "at most one argument, the count" :
                                                             "the count must be a whole number");
      return CLI_EXIT_USAGE;
    }
  manager = cli_dbus_manager (&error);
  if (manager == NULL || !euiccd_dbus_manager_call_get_history_sync (manager, (guint) count, &history, NULL, &error))
    return cli_dbus_fail ("history", error);

  if (json)
    {
      cli_dbus_print_json (cli_dbus_variant_to_json (history));
      return CLI_EXIT_OK;
    }
  if (g_variant_n_children (history) == 0)
    {
      printf ("No eIM package has been handled yet.\n");
      return CLI_EXIT_OK;
    }
  g_variant_iter_init (&iter, history);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = entry;
      g_auto(GVariantDict) dict;
      g_autofree gchar *when = NULL;
      const gchar *eim_id = "?", *operation = "?", *result = "?", *transaction_id = NULL, *detail = NULL;
      guint64 time = 0;

      g_variant_dict_init (&dict, entry);
      g_variant_dict_lookup (&dict, "time", "t", &time);
      g_variant_dict_lookup (&dict, "eimId", "&s", &eim_id);
      g_variant_dict_lookup (&dict, "operation", "&s", &operation);
      g_variant_dict_lookup (&dict, "result", "&s", &result);
      g_variant_dict_lookup (&dict, "transactionId", "&s", &transaction_id);
      g_variant_dict_lookup (&dict, "detail", "&s", &detail);
      when = cli_dbus_format_time (time);
      printf ("%s  %-12s %-28s %s%s%s%s%s\n", when, eim_id, operation, result,
              transaction_id != NULL ? "  tx " : "", transaction_id != NULL ? transaction_id : "",
              detail != NULL ? "  " : "", detail != NULL ? detail : "");
    }
  return CLI_EXIT_OK;
}
