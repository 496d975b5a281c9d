/* SPDX-License-Identifier: Apache-2.0 */
/* Telling the service manager how euiccd is doing, without linking libsystemd: the sd_notify protocol is one
 * datagram of "KEY=VALUE" lines sent to the AF_UNIX socket named by $NOTIFY_SOCKET ("/path" or "@abstract").
 * Under systemd (Type=notify) that gives READY=1 once the daemon serves, STATUS= lines a person sees in
 * `systemctl status`, WATCHDOG=1 pings and STOPPING=1. Elsewhere (OpenWrt procd, a shell, the tests without a
 * socket) $NOTIFY_SOCKET is unset and every call is a cheap no-op, so callers never need to check.
 *
 * Every call opens, sends and closes its own socket: safe from any thread, and nothing is held open between
 * polls. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sends @state (newline-separated "KEY=VALUE" assignments) to @socket_address ("/path" or "@abstract-name").
 * FALSE with EUICCD_ERROR_INVALID_ARGS for an unusable address, EUICCD_ERROR_TRANSPORT when the send failed. */
gboolean daemon_sdnotify_send_to (const gchar *socket_address, const gchar *state, GError **error);

/* Sends @state to $NOTIFY_SOCKET. TRUE and *ret_sent = FALSE when $NOTIFY_SOCKET is unset or empty. */
gboolean daemon_sdnotify_send (const gchar *state, gboolean *ret_sent, GError **error);

/* The convenience calls the daemon uses: failures are logged (a warning once, then at debug level) and
 * otherwise ignored, because a daemon must not stop working when its supervisor's socket went away.
 * Each returns TRUE when a message was actually sent. */
gboolean daemon_sdnotify_ready (void);
gboolean daemon_sdnotify_status (const gchar *fmt, ...) G_GNUC_PRINTF (1, 2);
gboolean daemon_sdnotify_stopping (void);
gboolean daemon_sdnotify_watchdog_ping (void);

/* Reads $WATCHDOG_USEC and $WATCHDOG_PID the way sd_watchdog_enabled() does: TRUE and the interval in
 * microseconds when the watchdog is enabled for process @pid; FALSE when it is not (unset, "0", for another
 * pid). FALSE with @error set when a variable is present but malformed (the error names it). */
gboolean daemon_sdnotify_watchdog_interval (const gchar *watchdog_usec, const gchar *watchdog_pid, gint64 pid,
                                            guint64 *ret_interval_us, GError **error);

/* When the service manager asked for a watchdog, sends WATCHDOG=1 now and then from a timer on @context (NULL:
 * the global default context) every half of $WATCHDOG_USEC, as sd_watchdog_enabled(3) recommends. Returns TRUE
 * when the timer runs; FALSE when no watchdog was asked for (or the variables were malformed, which is logged).
 * Calling it again replaces the timer. */
gboolean daemon_sdnotify_watchdog_start (GMainContext *context);
void daemon_sdnotify_watchdog_stop (void);

G_END_DECLS
