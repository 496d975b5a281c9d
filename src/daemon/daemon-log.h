/* SPDX-License-Identifier: Apache-2.0 */
/* Where euiccd's log lines go and what they may contain. Everything logs through GLib structured logging
 * (g_info, g_debug, ... with G_LOG_DOMAIN "euiccd-<layer>"); daemon_log_setup() installs one writer that
 * sends to the journal when stderr is connected to it and otherwise to stderr with a timestamp, dropping
 * messages below the configured level. Personal data (EID, ICCID, activation and confirmation codes) goes
 * through daemon_log_redact() so it only appears when the operator set LogPersonalData=yes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Ordered: a configured level lets through itself and everything before it. */
typedef enum {
  DAEMON_LOG_LEVEL_ERROR,    /* error and critical: the daemon cannot do what it is for */
  DAEMON_LOG_LEVEL_WARNING,  /* something failed and will be retried, or a setting was ignored */
  DAEMON_LOG_LEVEL_INFO,     /* what happened: polls, packages applied, profiles changed (g_message, g_info) */
  DAEMON_LOG_LEVEL_DEBUG,    /* how it happened: APDUs and ESipa messages in hex, decisions */
} DaemonLogLevel;

/* "error", "warning", "info", "debug" (case-insensitive) -> level; FALSE for anything else. */
gboolean daemon_log_level_from_string (const gchar *text, DaemonLogLevel *ret_level);
const gchar *daemon_log_level_to_string (DaemonLogLevel level);

/* Installs the writer (once per process; later calls only change the settings, so a configuration reload
 * may call it again). */
void daemon_log_setup (DaemonLogLevel level, gboolean log_personal_data);
void daemon_log_set_level (DaemonLogLevel level);
void daemon_log_set_personal_data (gboolean log_personal_data);
gboolean daemon_log_get_personal_data (void);

/* TRUE when a message of `level` would be written: lets callers skip building expensive messages. */
gboolean daemon_log_enabled (DaemonLogLevel level);

/* A personal value for a log line, as a new string: the value itself when personal-data logging is on,
 * otherwise a redacted form keeping the first and last four characters ("8904…1235") of values of at
 * least 12 characters and nothing of shorter ones ("…"). NULL gives "(none)". */
gchar *daemon_log_redact (const gchar *value);
/* The same with the setting given, for callers and tests that do not use the process-wide one. */
gchar *daemon_log_redact_full (const gchar *value, gboolean log_personal_data);


/* The line written to stderr when not under the journal, without the trailing newline:
 * "2024-05-01T12:00:00.123Z <warning> euiccd-daemon: message". `time_us` is wall-clock µs. Exposed so the
 * format is tested. */
gchar *daemon_log_format_line (GLogLevelFlags log_level, const gchar *log_domain, const gchar *message,
                               gint64 time_us);

G_END_DECLS
