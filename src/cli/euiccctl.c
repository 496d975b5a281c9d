/* SPDX-License-Identifier: Apache-2.0 */
/* euiccctl: the command-line client of euiccd. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli-commands.h"

typedef struct {
  const gchar *name;
  int (*main) (int argc, char **argv);
  const gchar *summary;
} CliCommand;

static const CliCommand commands[] = {
  { "probe", cli_probe_main, "read the eUICC directly, without the daemon" },
};

static void
usage (FILE *out)
{
  fprintf (out, "Usage: euiccctl COMMAND [OPTIONS]\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\n'euiccctl COMMAND --help' shows a command's options.\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("euiccctl %s\n", PACKAGE_VERSION);
      return CLI_EXIT_OK;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        /* The subcommand sees "euiccctl probe" as its program name. */
        g_autofree gchar *name = g_strdup_printf ("%s %s", argv[0], argv[1]);
        argv[1] = name;
        return commands[i].main (argc - 1, argv + 1);
      }

  fprintf (stderr, "euiccctl: unknown command '%s'\n", argv[1]);
  usage (stderr);
  return CLI_EXIT_USAGE;
}
