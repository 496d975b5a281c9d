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
};

int cli_probe_main (int argc, char **argv);

G_END_DECLS
