/* SPDX-License-Identifier: Apache-2.0 */
/* The euiccctl subcommands; each parses its own options and returns the process exit status. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses, documented in euiccctl(1). */
enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_FAILURE = 1,   /* the operation failed; the message says why */
  CLI_EXIT_USAGE = 2,     /* the command line was wrong */
  CLI_EXIT_ACCESS_DENIED = 3,  /* the daemon or the bus policy refused: root or the admin group is needed */
  CLI_EXIT_NO_DAEMON = 4,      /* euiccd is not running, or the system bus cannot be reached */
};

int cli_probe_main (int argc, char **argv);

/* Through the daemon, over D-Bus. */
int cli_status_main (int argc, char **argv);
int cli_info_main (int argc, char **argv);
int cli_profiles_main (int argc, char **argv);
int cli_eims_main (int argc, char **argv);
int cli_history_main (int argc, char **argv);
int cli_poll_main (int argc, char **argv);
int cli_download_main (int argc, char **argv);
int cli_add_initial_eim_main (int argc, char **argv);
int cli_dead_letters_main (int argc, char **argv);
int cli_drop_dead_letter_main (int argc, char **argv);
int cli_ipae_main (int argc, char **argv);
int cli_nickname_main (int argc, char **argv);
int cli_fallback_main (int argc, char **argv);
int cli_emergency_main (int argc, char **argv);

G_END_DECLS
