/* SPDX-License-Identifier: Apache-2.0 */
/* What the euiccctl commands that talk to euiccd share: the connection to the system bus (DBUS_SYSTEM_BUS_ADDRESS
 * is honoured), the generated proxies, the mapping of failures to exit statuses, and output helpers for the
 * human and the --json forms. */
#pragma once

#include <gio/gio.h>
#include <cjson/cJSON.h>

#include "dbus/euiccd-dbus-generated.h"

G_BEGIN_DECLS

/* gdbus-codegen declares cleanups for its proxy and skeleton classes, not for the interfaces themselves. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EuiccdDbusManager, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EuiccdDbusEuicc, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EuiccdDbusProfile, g_object_unref)

#define CLI_DBUS_NAME "org.euiccd.Euiccd1"
#define CLI_DBUS_PATH "/org/euiccd/Euiccd1"

/* Parses a command's options: `entries` (may be NULL) plus --json. Prints the problem and returns FALSE on a
 * usage error; `ret_args` gets the positional arguments left (may be NULL when none are allowed). */
gboolean cli_dbus_parse (const gchar *command, const gchar *summary, const GOptionEntry *entries, int *argc,
                         char ***argv, gboolean *ret_json);

/* The manager proxy, with the daemon known to be there; NULL with an error otherwise. */
EuiccdDbusManager *cli_dbus_manager (GError **error);
/* The eUICC objects under the manager (found by introspection, which anyone may do), as proxies. */
GPtrArray *cli_dbus_euiccs (GError **error);
/* A profile object as a proxy. */
EuiccdDbusProfile *cli_dbus_profile (const gchar *path, GError **error);

/* Prints "euiccctl COMMAND: message" on stderr and returns the exit status for `error`: access denied 3,
 * daemon or bus not there 4, anything else 1. */
int cli_dbus_fail (const gchar *command, const GError *error);

/* GVariant to JSON: numbers, strings, booleans, arrays, a{sv} as objects, ay as hex. */
cJSON *cli_dbus_variant_to_json (GVariant *value);
/* Prints `json` (taken) formatted, with a newline. */
void cli_dbus_print_json (cJSON *json);

/* "2024-05-01 12:00:00 UTC" for µs since the epoch, "never" for 0. */
gchar *cli_dbus_format_time (guint64 time_us);
/* "idle", "polling", ... for the State property. */
const gchar *cli_dbus_state_name (guint state);

G_END_DECLS
