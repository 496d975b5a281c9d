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
  { "status", cli_status_main, "what euiccd is doing: state, last and next poll, last error" },
  { "info", cli_info_main, "the eUICC: EID, transport, EUICCInfo2" },
  { "profiles", cli_profiles_main, "the profiles on the eUICC" },
  { "eims", cli_eims_main, "the eIMs configured on the eUICC" },
  { "history", cli_history_main, "[N] the last eIM package outcomes" },
  { "poll", cli_poll_main, "poll the eIMs now and wait for the outcome" },
  { "download", cli_download_main, "AC [--confirmation-code CODE] download and install a profile" },
  { "dead-letters", cli_dead_letters_main, "what an eIM refused for good, kept until dropped" },
  { "drop-dead-letter", cli_drop_dead_letter_main, "ID delete a dead letter for good" },
  { "add-initial-eim", cli_add_initial_eim_main, "write the first eIM onto a fresh eUICC (factory)" },
  { "nickname", cli_nickname_main, "ICCID NICKNAME set a profile's nickname" },
  { "ipae", cli_ipae_main, "on|off activate or deactivate the eUICC's own IPA (IPAe)" },
  { "fallback", cli_fallback_main, "execute|return switch to the fallback profile, or back" },
  { "emergency", cli_emergency_main, "enable|disable enable or disable the emergency profile" },
  { "probe", cli_probe_main, "read the eUICC directly, without the daemon" },
};

static void
usage (FILE *out)
{
  fprintf (out, "Usage: euiccctl [--json] COMMAND [OPTIONS]\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-16s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nEvery command but probe talks to euiccd on the system bus (DBUS_SYSTEM_BUS_ADDRESS is honoured);\n"
                "--json (before or after the command) prints JSON instead of text. 'euiccctl COMMAND --help' shows a\n"
                "command's options.\n"
                "\nExit status:\n"
                "  0  success\n"
                "  1  the operation failed (the message says why; for poll: the exchange failed)\n"
                "  2  usage error\n"
                "  3  access denied: root or the admin group ([Daemon] AdminGroup) is needed\n"
                "  4  euiccd is not running, or the system bus cannot be reached\n");
}

/* Global options may come before the command, as with systemctl: they move behind it, where the command's
 * own parser takes them. Returns the index of the command in the reordered argv, or argc when there is none. */
static int
move_global_options (int argc, char **argv)
{
  int command = 1;

  while (command < argc && (strcmp (argv[command], "--json") == 0 || strcmp (argv[command], "-j") == 0))
    command++;
  if (command == 1 || command == argc)
    return command == argc ? argc : 1;
  /* argv[1..command-1] are global options: rotate the command to the front. */
  {
    char *name = argv[command];

    memmove (argv + 2, argv + 1, (command - 1) * sizeof *argv);
    argv[1] = name;
  }
  return 1;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");

  if (argc >= 2 && move_global_options (argc, argv) == argc)
    {
      fprintf (stderr, "euiccctl: a command is needed\n");
      usage (stderr);
      return CLI_EXIT_USAGE;
    }

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
