/* SPDX-License-Identifier: Apache-2.0 */
/* One log writer for the whole daemon: the journal when stderr is connected to it (structured fields
 * survive), a timestamped line on stderr otherwise, and one level filter in front of both. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-daemon"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon-log.h"
#include "euiccd-log-policy.h"

/* Settings may change on a reload while the worker thread logs, so they are read atomically. */
static gint log_level = DAEMON_LOG_LEVEL_INFO;
static gboolean log_to_journal;

static const gchar *const level_names[] = {
  [DAEMON_LOG_LEVEL_ERROR] = "error",
  [DAEMON_LOG_LEVEL_WARNING] = "warning",
  [DAEMON_LOG_LEVEL_INFO] = "info",
  [DAEMON_LOG_LEVEL_DEBUG] = "debug",
};

gboolean
daemon_log_level_from_string (const gchar *text, DaemonLogLevel *ret_level)
{
  if (text == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (level_names); i++)
    {
      if (g_ascii_strcasecmp (text, level_names[i]) == 0)
        {
          *ret_level = (DaemonLogLevel) i;
          return TRUE;
        }
    }
  return FALSE;
}

const gchar *
daemon_log_level_to_string (DaemonLogLevel level)
{
  if ((guint) level >= G_N_ELEMENTS (level_names))
    return "unknown";
  return level_names[level];
}

/* The daemon level a GLib message belongs to. */
static DaemonLogLevel
level_of_flags (GLogLevelFlags flags)
{
  if ((flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) != 0)
    return DAEMON_LOG_LEVEL_ERROR;
  if ((flags & G_LOG_LEVEL_WARNING) != 0)
    return DAEMON_LOG_LEVEL_WARNING;
  if ((flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO)) != 0)
    return DAEMON_LOG_LEVEL_INFO;
  return DAEMON_LOG_LEVEL_DEBUG;
}

static const gchar *
flags_name (GLogLevelFlags flags)
{
  if ((flags & G_LOG_LEVEL_ERROR) != 0)
    return "error";
  if ((flags & G_LOG_LEVEL_CRITICAL) != 0)
    return "critical";
  if ((flags & G_LOG_LEVEL_WARNING) != 0)
    return "warning";
  if ((flags & G_LOG_LEVEL_MESSAGE) != 0)
    return "message";
  if ((flags & G_LOG_LEVEL_INFO) != 0)
    return "info";
  return "debug";
}

gchar *
daemon_log_format_line (GLogLevelFlags log_level_flags, const gchar *log_domain, const gchar *message,
                        gint64 time_us)
{
  g_autoptr(GDateTime) when = NULL;
  g_autofree gchar *stamp = NULL;

  if (time_us < 0)
    time_us = 0;
  when = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  stamp = when != NULL ? g_date_time_format (when, "%Y-%m-%dT%H:%M:%S") : g_strdup ("0000-00-00T00:00:00");
  return g_strdup_printf ("%s.%03dZ <%s> %s%s%s", stamp, (gint) ((time_us % G_USEC_PER_SEC) / 1000),
                          flags_name (log_level_flags), log_domain != NULL ? log_domain : "",
                          log_domain != NULL ? ": " : "", message != NULL ? message : "(no message)");
}

gboolean
daemon_log_enabled (DaemonLogLevel level)
{
  return (gint) level <= g_atomic_int_get (&log_level);
}

static GLogWriterOutput
daemon_log_writer (GLogLevelFlags flags, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const gchar *message = NULL;
  const gchar *domain = NULL;
  g_autofree gchar *line = NULL;

  /* Fatal messages are written whatever the level: they explain why the daemon stops. */
  if ((flags & G_LOG_FLAG_FATAL) == 0 && !daemon_log_enabled (level_of_flags (flags)))
    return G_LOG_WRITER_HANDLED;

  if (log_to_journal && g_log_writer_journald (flags, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
        message = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
        domain = fields[i].value;
    }
  line = daemon_log_format_line (flags, domain, message, g_get_real_time ());
  fprintf (stderr, "%s\n", line);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

void
daemon_log_setup (DaemonLogLevel level, gboolean log_personal_data_on)
{
  static gsize installed = 0;

  daemon_log_set_level (level);
  daemon_log_set_personal_data (log_personal_data_on);
  /* GLib accepts one writer per process; a reload must not try again. */
  if (g_once_init_enter (&installed))
    {
      log_to_journal = g_log_writer_is_journald (fileno (stderr));
      g_log_set_writer_func (daemon_log_writer, NULL, NULL);
      g_once_init_leave (&installed, 1);
    }
}

void
daemon_log_set_level (DaemonLogLevel level)
{
  g_atomic_int_set (&log_level, (gint) level);
  /* The lower layers format APDUs and ESipa bodies only when this writer will keep the line. */
  euiccd_log_policy_set_debug (level >= DAEMON_LOG_LEVEL_DEBUG);
}

void
daemon_log_set_personal_data (gboolean log_personal_data_on)
{
  /* One switch for the whole process: the card, network and procedure layers read it too. */
  euiccd_log_policy_set_personal_data (log_personal_data_on);
}

gboolean
daemon_log_get_personal_data (void)
{
  return euiccd_log_personal_data_allowed ();
}

gchar *
daemon_log_redact_full (const gchar *value, gboolean log_personal_data_on)
{
  return euiccd_log_redact_full (value, log_personal_data_on);
}

gchar *
daemon_log_redact (const gchar *value)
{
  return daemon_log_redact_full (value, daemon_log_get_personal_data ());
}

