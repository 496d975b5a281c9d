/* SPDX-License-Identifier: Apache-2.0 */
/* When to poll the eIM next. The decisions are pure functions of the policy, the persisted state, the
 * current time and an injected random source (a GRand, seeded in tests), so they are tested without
 * clocks or I/O:
 *   after a success: now + Interval + uniform(0, Jitter)
 *   after the first success that ends a run of failures: now + Interval/2 + uniform(0, Interval) +
 *     uniform(0, Jitter). The same mean wait, but the device takes a new phase: devices that an eIM outage
 *     sent into backoff together come back in a pattern shaped by their backoff windows, and without this the
 *     pattern would repeat every Interval for days (bench/bench-fleet.c measures it).
 *   after a failure: now + uniform(0, min(BackoffMax, BackoffInitial * 2^attempt)) ("full jitter": many
 *     devices failing together do not come back together), attempt counting consecutive failures from 0,
 *     never sooner than 1 s; a Retry-After from the eIM is honoured as the minimum delay, itself capped at
 *     BackoffMax so a hostile or broken eIM cannot park the device.
 *   on request (D-Bus Poll, a local change the eIM must hear about): now.
 * DaemonTimer is the GLib glue: one source whose ready time is the next poll, nothing ticking between. All
 * times are wall-clock microseconds (g_get_real_time()) so they survive a restart; durations are µs too. */
#pragma once

#include <glib.h>

#include "daemon/daemon-config.h"

G_BEGIN_DECLS

#define DAEMON_SCHEDULE_MIN_DELAY_US G_USEC_PER_SEC

typedef struct {
  gint64 interval_us;
  gint64 jitter_us;
  gint64 backoff_initial_us;
  gint64 backoff_max_us;
} DaemonSchedulePolicy;

/* The [Poll] settings as a policy. */
void daemon_schedule_policy_from_config (DaemonSchedulePolicy *ret_policy, const DaemonConfig *config);

/* The pure decisions. `attempt` is the number of consecutive failures before this one (0 for the first);
 * `retry_after_us` is the eIM's Retry-After, or a negative value when it sent none. */
gint64 daemon_schedule_after_success (const DaemonSchedulePolicy *policy, gint64 now_us, GRand *rand);
gint64 daemon_schedule_after_recovery (const DaemonSchedulePolicy *policy, gint64 now_us, GRand *rand);
gint64 daemon_schedule_backoff_delay (const DaemonSchedulePolicy *policy, guint attempt, gint64 retry_after_us,
                                      GRand *rand);
gint64 daemon_schedule_after_failure (const DaemonSchedulePolicy *policy, guint attempt, gint64 retry_after_us,
                                      gint64 now_us, GRand *rand);

/* Whether an eIM entry of the eUICC is polled. euiccd speaks retrieval over HTTPS, the binding every eIM must
 * offer: an entry without eimSupportedProtocol, or naming retrieveHttps, is polled; one naming only protocols
 * euiccd does not speak (CoAP, injection, proprietary, bits it does not know) is polled all the same, over
 * HTTPS with a warning, when it has an address (its eimFqdn or [Eim] Address=); without one it cannot be. */
typedef enum {
  DAEMON_EIM_POLL,
  DAEMON_EIM_POLL_DESPITE_PROTOCOLS,
  DAEMON_EIM_NOT_POLLED_NO_ADDRESS,
} DaemonEimPolling;

DaemonEimPolling daemon_schedule_eim_polling (gboolean has_supported_protocols, guint32 supported_protocols,
                                              gboolean has_address);

/* What survives a restart (the store writes it as the file DAEMON_SCHEDULE_STATE_FILE). */
#define DAEMON_SCHEDULE_STATE_FILE "schedule"

typedef struct {
  gint64 next_poll_at;      /* wall-clock µs of the next poll; 0 = as soon as possible */
  guint failures;           /* consecutive failed polls since the last success: the next backoff attempt */
  gint64 last_poll_at;      /* when the last poll ended, success or not; 0 = never */
  gint64 last_success_at;   /* 0 = never */
  gchar *last_error;        /* message of the last failure; NULL after a success */
  gboolean poll_requested;  /* poll now whatever next_poll_at says (not persisted: next_poll_at is lowered too) */
} DaemonScheduleState;

void daemon_schedule_state_init (DaemonScheduleState *state);
void daemon_schedule_state_clear (DaemonScheduleState *state);

/* A poll ended: update the state and choose the next poll time. Both clear poll_requested. */
void daemon_schedule_record_success (DaemonScheduleState *state, const DaemonSchedulePolicy *policy,
                                     gint64 now_us, GRand *rand);
void daemon_schedule_record_failure (DaemonScheduleState *state, const DaemonSchedulePolicy *policy,
                                     const gchar *error_message, gint64 retry_after_us, gint64 now_us, GRand *rand);

/* Poll as soon as possible: on a D-Bus request or after a local state change. */
void daemon_schedule_request_poll (DaemonScheduleState *state, gint64 now_us);

/* When the next poll is due: now_us when requested or overdue, else next_poll_at. */
gint64 daemon_schedule_next_poll (const DaemonScheduleState *state, gint64 now_us);
gboolean daemon_schedule_is_due (const DaemonScheduleState *state, gint64 now_us);

/* After loading a persisted state at start. A next poll in the past means "poll now"; one later than
 * now + BackoffMax + 1.5 Interval + Jitter cannot come from this policy with a correct clock (the wall clock went
 * back, or the policy was shortened), so it also means "poll now" rather than waiting an unknown time.
 * Returns TRUE when it changed next_poll_at. */
gboolean daemon_schedule_state_sanitize (DaemonScheduleState *state, const DaemonSchedulePolicy *policy,
                                         gint64 now_us);

/* GKeyFile text ([Schedule] NextPollAt=, Failures=, LastPollAt=, LastSuccessAt=, LastError=) and back.
 * Parsing is strict: a missing group, a malformed or negative number gives EUICCD_ERROR_INVALID_DATA naming
 * the key; missing keys take their "never" values. */
GBytes *daemon_schedule_state_to_bytes (const DaemonScheduleState *state);
gboolean daemon_schedule_state_from_bytes (DaemonScheduleState *state, GBytes *bytes, GError **error);

/* One armed source at a time, firing `func` once at a wall-clock time. Between polls the daemon wakes up
 * zero times: the source has no interval, only a ready time. */
typedef struct _DaemonTimer DaemonTimer;
typedef void (*DaemonTimerFunc) (gpointer user_data);

/* `context` NULL: the thread-default main context at the time of each arm. */
DaemonTimer *daemon_timer_new (GMainContext *context, DaemonTimerFunc func, gpointer user_data);
/* Replaces any armed time. A time in the past fires on the next main loop iteration. */
void daemon_timer_arm_at (DaemonTimer *timer, gint64 wall_clock_us);
void daemon_timer_disarm (DaemonTimer *timer);
gboolean daemon_timer_is_armed (const DaemonTimer *timer);
/* The wall-clock time it is armed for; 0 when not armed. */
gint64 daemon_timer_get_armed_at (const DaemonTimer *timer);
void daemon_timer_free (DaemonTimer *timer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonTimer, daemon_timer_free)

G_END_DECLS
