/* SPDX-License-Identifier: Apache-2.0 */
/* The fallback mechanism euiccd runs by itself (SGP.32 3.3, 5.9.20-21): when no eIM has answered for
 * [Connectivity] FallbackAfter, the eUICC switches to the profile with the fallback attribute
 * (ExecuteFallbackMechanism). Every FallbackRetryInterval the original profile is tried again
 * (ReturnFromFallback): when an eIM answers over it the fallback is over; when none does within AttachTimeout,
 * the fallback profile is enabled again. What to do is decided here, from the clock and the polls' outcomes; the
 * engine runs the switches. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  DAEMON_FALLBACK_NOTHING,
  DAEMON_FALLBACK_EXECUTE,     /* ExecuteFallbackMechanism */
  DAEMON_FALLBACK_RETURN,      /* ReturnFromFallback, to try the original profile */
} DaemonFallbackAction;

typedef struct {
  gint64 after_us;             /* FallbackAfter; 0: never */
  gint64 retry_us;             /* FallbackRetryInterval */
  gint64 attach_us;            /* AttachTimeout: how long the original profile gets to reach an eIM */
} DaemonFallbackPolicy;

typedef struct {
  gint64 last_reached_us;      /* monotonic: the last time an eIM answered (or when euiccd started) */
  gboolean active;             /* euiccd enabled the fallback profile and has not returned for good */
  gint64 since_us;             /* monotonic: when it did, or last went back to it */
  gboolean trying_original;    /* ReturnFromFallback ran; a poll has to show the original profile works */
  gint64 returned_us;          /* monotonic: when */
} DaemonFallback;

/* Starts the clock; `active` as saved (daemon_fallback_load). */
void daemon_fallback_init (DaemonFallback *fallback, gboolean active, gint64 now_us);
/* What to do before a poll: try the original profile when the fallback has lasted a retry interval. */
DaemonFallbackAction daemon_fallback_before_poll (const DaemonFallback *fallback, const DaemonFallbackPolicy *policy,
                                                  gint64 now_us);
/* Takes a poll's outcome (`reached`: an eIM answered) and says what to do now. Ends the fallback when the
 * original profile reached an eIM. */
DaemonFallbackAction daemon_fallback_after_poll (DaemonFallback *fallback, const DaemonFallbackPolicy *policy,
                                                 gboolean reached, gint64 now_us);
/* A switch ran: ExecuteFallbackMechanism (`execute`) or ReturnFromFallback, and whether the eUICC did it.
 * A refused return means the fallback ended another way (an eIM enabled a profile, an admin returned): euiccd
 * then no longer manages it. */
void daemon_fallback_switched (DaemonFallback *fallback, gboolean execute, gboolean done, gint64 now_us);
/* An admin's ReturnFromFallback: the fallback is not euiccd's to end any more. */
void daemon_fallback_forget (DaemonFallback *fallback);

/* The saved form ("[Fallback]\nActive=true\n"), for the state directory: a restart keeps trying to return. */
GBytes *daemon_fallback_to_bytes (const DaemonFallback *fallback);
/* FALSE with the reason for bytes that do not parse (the caller starts afresh). */
gboolean daemon_fallback_parse (GBytes *bytes, gboolean *ret_active, GError **error);

#define DAEMON_FALLBACK_FILE "fallback"

G_END_DECLS
