/* SPDX-License-Identifier: Apache-2.0 */
/* sd_notify without libsystemd: the protocol is small and stable (sd_notify(3)), and keeping libsystemd out lets
 * the same binary run under procd or in a container without it. */
#include "config.h"

#include "daemon/daemon-sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "euiccd-error.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "euiccd-daemon"

/* Fills @ret_addr from "/path" or "@abstract". The abstract form's '@' becomes the leading NUL and the length
 * excludes any trailing NUL, which is how the kernel tells the two apart. */
static gboolean
sdnotify_address_parse (const gchar *socket_address, struct sockaddr_un *ret_addr, socklen_t *ret_length,
                        GError **error)
{
  gsize length;

  if (socket_address == NULL || socket_address[0] == '\0')
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "sd_notify: NOTIFY_SOCKET is empty");
      return FALSE;
    }
  if (socket_address[0] != '/' && socket_address[0] != '@')
    {
      /* systemd 254 added "vsock:CID:PORT" for virtual machines; a modem gateway has no use for it. */
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "sd_notify: NOTIFY_SOCKET '%s' is neither an absolute path nor an abstract name (@...)",
                   socket_address);
      return FALSE;
    }
  length = strlen (socket_address);
  if (length < 2)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "sd_notify: NOTIFY_SOCKET '%s' names no socket",
                   socket_address);
      return FALSE;
    }
  /* A path needs room for its terminating NUL; an abstract name does not have one. */
  if (length > sizeof (ret_addr->sun_path) - (socket_address[0] == '/' ? 1 : 0))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "sd_notify: NOTIFY_SOCKET is %" G_GSIZE_FORMAT " bytes long, more than a socket address holds (%"
                   G_GSIZE_FORMAT ")",
                   length, sizeof (ret_addr->sun_path));
      return FALSE;
    }

  memset (ret_addr, 0, sizeof (*ret_addr));
  ret_addr->sun_family = AF_UNIX;
  memcpy (ret_addr->sun_path, socket_address, length);
  if (socket_address[0] == '@')
    {
      ret_addr->sun_path[0] = '\0';
      *ret_length = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + length);
    }
  else
    {
      *ret_length = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + length + 1);
    }
  return TRUE;
}

gboolean
daemon_sdnotify_send_to (const gchar *socket_address, const gchar *state, GError **error)
{
  struct sockaddr_un addr;
  socklen_t addr_length = 0;
  gsize state_length;
  ssize_t sent;
  int fd;
  int saved_errno;

  g_return_val_if_fail (state != NULL, FALSE);

  state_length = strlen (state);
  if (state_length == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "sd_notify: nothing to send");
      return FALSE;
    }
  if (!sdnotify_address_parse (socket_address, &addr, &addr_length, error))
    return FALSE;

  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "sd_notify: cannot create a datagram socket: %s",
                   g_strerror (saved_errno));
      return FALSE;
    }

  /* One datagram per message: the manager reads the whole state at once, credentials attached by the kernel. */
  do
    sent = sendto (fd, state, state_length, MSG_NOSIGNAL, (const struct sockaddr *) &addr, addr_length);
  while (sent < 0 && errno == EINTR);
  saved_errno = errno;
  g_close (fd, NULL);

  if (sent < 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "sd_notify: sending to '%s' failed: %s",
                   socket_address, g_strerror (saved_errno));
      return FALSE;
    }
  if ((gsize) sent != state_length)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT,
                   "sd_notify: sending to '%s' was cut short (%" G_GSSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes)",
                   socket_address, (gssize) sent, state_length);
      return FALSE;
    }
  return TRUE;
}

gboolean
daemon_sdnotify_send (const gchar *state, gboolean *ret_sent, GError **error)
{
  const gchar *socket_address = g_getenv ("NOTIFY_SOCKET");

  if (ret_sent != NULL)
    *ret_sent = FALSE;
  if (socket_address == NULL || socket_address[0] == '\0')
    return TRUE;
  if (!daemon_sdnotify_send_to (socket_address, state, error))
    return FALSE;
  if (ret_sent != NULL)
    *ret_sent = TRUE;
  return TRUE;
}

/* The daemon keeps working when notifications fail; a broken socket would otherwise log a warning per ping. */
static gboolean
sdnotify_send_logged (const gchar *state)
{
  static gint warned = 0;
  g_autoptr (GError) error = NULL;
  gboolean sent = FALSE;

  if (!daemon_sdnotify_send (state, &sent, &error))
    {
      if (g_atomic_int_compare_and_exchange (&warned, 0, 1))
        g_warning ("%s (further failures are logged at debug level)", error->message);
      else
        g_debug ("%s", error->message);
      return FALSE;
    }
  return sent;
}

gboolean
daemon_sdnotify_ready (void)
{
  return sdnotify_send_logged ("READY=1");
}

gboolean
daemon_sdnotify_status (const gchar *fmt, ...)
{
  g_autofree gchar *status = NULL;
  g_autofree gchar *state = NULL;
  va_list args;

  if (g_getenv ("NOTIFY_SOCKET") == NULL)
    return FALSE;

  va_start (args, fmt);
  status = g_strdup_vprintf (fmt, args);
  va_end (args);

  /* STATUS= is one line; a newline inside would start another, possibly meaningful, assignment. */
  g_strdelimit (status, "\r\n", ' ');
  state = g_strconcat ("STATUS=", status, NULL);
  return sdnotify_send_logged (state);
}

gboolean
daemon_sdnotify_stopping (void)
{
  return sdnotify_send_logged ("STOPPING=1");
}

gboolean
daemon_sdnotify_watchdog_ping (void)
{
  return sdnotify_send_logged ("WATCHDOG=1");
}

/* Parses a whole decimal number; no sign, no spaces, no suffix. */
static gboolean
sdnotify_parse_decimal (const gchar *name, const gchar *text, guint64 *ret_value, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (text[0] == '\0')
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "sd_notify: %s is empty", name);
      return FALSE;
    }
  /* GLib's parser skips leading white space; the first character must already be a digit. */
  if (g_ascii_isdigit (text[0]) && g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, ret_value, &local_error))
    return TRUE;
  if (local_error != NULL && g_error_matches (local_error, G_NUMBER_PARSER_ERROR, G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "sd_notify: %s='%s' is too large", name, text);
  else
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "sd_notify: %s='%s' is not a decimal number", name,
                 text);
  return FALSE;
}

gboolean
daemon_sdnotify_watchdog_interval (const gchar *watchdog_usec, const gchar *watchdog_pid, gint64 pid,
                                   guint64 *ret_interval_us, GError **error)
{
  guint64 interval_us = 0;

  g_return_val_if_fail (ret_interval_us != NULL, FALSE);
  *ret_interval_us = 0;

  if (watchdog_usec == NULL)
    return FALSE;
  if (!sdnotify_parse_decimal ("WATCHDOG_USEC", watchdog_usec, &interval_us, error))
    return FALSE;
  if (interval_us == 0)
    return FALSE;

  /* The variables are inherited by children; WATCHDOG_PID says whose watchdog it is. */
  if (watchdog_pid != NULL)
    {
      guint64 for_pid = 0;

      if (!sdnotify_parse_decimal ("WATCHDOG_PID", watchdog_pid, &for_pid, error))
        return FALSE;
      if (for_pid == 0)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "sd_notify: WATCHDOG_PID is 0");
          return FALSE;
        }
      if (pid < 0 || for_pid != (guint64) pid)
        return FALSE;
    }

  *ret_interval_us = interval_us;
  return TRUE;
}

G_LOCK_DEFINE_STATIC (watchdog);
static GSource *watchdog_source = NULL;

static gboolean
sdnotify_watchdog_cb (gpointer user_data)
{
  daemon_sdnotify_watchdog_ping ();
  return G_SOURCE_CONTINUE;
}

gboolean
daemon_sdnotify_watchdog_start (GMainContext *context)
{
  g_autoptr (GError) error = NULL;
  guint64 interval_us = 0;
  guint64 period_ms;
  GSource *source;

  if (!daemon_sdnotify_watchdog_interval (g_getenv ("WATCHDOG_USEC"), g_getenv ("WATCHDOG_PID"), (gint64) getpid (),
                                          &interval_us, &error))
    {
      if (error != NULL)
        g_warning ("No watchdog pings: %s", error->message);
      daemon_sdnotify_watchdog_stop ();
      return FALSE;
    }

  /* Half the interval, as sd_watchdog_enabled(3) advises, so one late wake-up is not a restart. Seconds-granular
   * timers let the kernel batch this wake-up with others; sub-2 s watchdogs need millisecond precision. */
  period_ms = MAX (interval_us / 2000, 1);
  if (period_ms >= 2000)
    source = g_timeout_source_new_seconds ((guint) MIN (period_ms / 1000, G_MAXUINT));
  else
    source = g_timeout_source_new ((guint) period_ms);
  g_source_set_name (source, "euiccd sd_notify watchdog");
  g_source_set_callback (source, sdnotify_watchdog_cb, NULL, NULL);

  G_LOCK (watchdog);
  if (watchdog_source != NULL)
    {
      g_source_destroy (watchdog_source);
      g_source_unref (watchdog_source);
    }
  watchdog_source = source;
  g_source_attach (source, context);
  G_UNLOCK (watchdog);

  g_debug ("Watchdog: WATCHDOG=1 every %" G_GUINT64_FORMAT " ms (WATCHDOG_USEC=%" G_GUINT64_FORMAT ")",
           period_ms >= 2000 ? (period_ms / 1000) * 1000 : period_ms, interval_us);
  daemon_sdnotify_watchdog_ping ();
  return TRUE;
}

void
daemon_sdnotify_watchdog_stop (void)
{
  G_LOCK (watchdog);
  if (watchdog_source != NULL)
    {
      g_source_destroy (watchdog_source);
      g_clear_pointer (&watchdog_source, g_source_unref);
    }
  G_UNLOCK (watchdog);
}
