/* SPDX-License-Identifier: Apache-2.0 */
/* `euiccctl dead-letters` and `euiccctl drop-dead-letter ID`: what an eIM refused for good, and dropping it
 * once a person has dealt with it. */
#include "config.h"

#include <stdio.h>

#include "cli/cli-commands.h"
#include "cli/cli-dbus.h"
#include "euiccd-autoptr.h"

int
cli_dead_letters_main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EuiccdDbusManager) manager = NULL;
  GVariant *letters;
  gboolean json = FALSE;
  GVariantIter iter;
  GVariant *entry;

  if (!cli_dbus_parse ("dead-letters", "- what an eIM refused for good, kept until dropped", NULL, &argc, &argv,
                       &json))
    return CLI_EXIT_USAGE;
  if (argc > 1)
    {
      fprintf (stderr, "euiccctl dead-letters: unexpected argument '%s'\n", argv[1]);
      return CLI_EXIT_USAGE;
    }
  manager = cli_dbus_manager (&error);
  if (manager == NULL)
    return cli_dbus_fail ("dead-letters", error);
  letters = euiccd_dbus_manager_get_dead_letters (manager);
  if (letters == NULL)
    {
      fprintf (stderr, "euiccctl dead-letters: euiccd does not show a DeadLetters property\n");
      return CLI_EXIT_FAILURE;
    }
  if (json)
    {
      cli_dbus_print_json (cli_dbus_variant_to_json (letters));
      return CLI_EXIT_OK;
    }
  if (g_variant_n_children (letters) == 0)
    {
      printf ("No dead letters.\n");
      return CLI_EXIT_OK;
    }
  g_variant_iter_init (&iter, letters);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = entry;
      g_auto(GVariantDict) dict;
      g_autofree gchar *when = NULL;
      const gchar *id = "?", *eim_id = "?", *kind = "?", *reason = "?", *transaction_id = NULL;
      guint64 time = 0;

      g_variant_dict_init (&dict, entry);
      g_variant_dict_lookup (&dict, "id", "&s", &id);
      g_variant_dict_lookup (&dict, "time", "t", &time);
      g_variant_dict_lookup (&dict, "eimId", "&s", &eim_id);
      g_variant_dict_lookup (&dict, "kind", "&s", &kind);
      g_variant_dict_lookup (&dict, "reason", "&s", &reason);
      g_variant_dict_lookup (&dict, "transactionId", "&s", &transaction_id);
      when = cli_dbus_format_time (time);
      printf ("%s  %s  %-12s %-14s %s%s%s\n", id, when, eim_id, kind, reason, transaction_id != NULL ? "  tx " : "",
              transaction_id != NULL ? transaction_id : "");
    }
  return CLI_EXIT_OK;
}

int
cli_drop_dead_letter_main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EuiccdDbusManager) manager = NULL;
  gboolean json = FALSE;

  if (!cli_dbus_parse ("drop-dead-letter", "ID - delete a dead letter for good", NULL, &argc, &argv, &json))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    {
      fprintf (stderr, "euiccctl drop-dead-letter: %s\n", argc < 2 ? "which one? give its ID (euiccctl dead-letters)"
                                                                   : "one ID at a time");
      return CLI_EXIT_USAGE;
    }
  manager = cli_dbus_manager (&error);
  if (manager == NULL || !euiccd_dbus_manager_call_drop_dead_letter_sync (manager, argv[1], NULL, &error))
    return cli_dbus_fail ("drop-dead-letter", error);
  if (json)
    {
      cJSON *object = cJSON_CreateObject ();

      cJSON_AddStringToObject (object, "dropped", argv[1]);
      cli_dbus_print_json (object);
    }
  else
    printf ("Dead letter %s dropped.\n", argv[1]);
  return CLI_EXIT_OK;
}
