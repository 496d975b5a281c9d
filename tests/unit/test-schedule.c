/* SPDX-License-Identifier: Apache-2.0 */
/* The poll schedule: bounds and spread of the jitter and the full-jitter backoff over many seeded draws,
 * Retry-After, reset on success, immediate polls, the persisted state, and the timer's single wake-up. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon-schedule.h"
#include "euiccd-error.h"

#define S(seconds) ((gint64) (seconds) * G_USEC_PER_SEC)
#define NOW G_GINT64_CONSTANT (1714564800000000)
#define SAMPLES 20000

static const DaemonSchedulePolicy default_policy = {
  .interval_us = S (3600),
  .jitter_us = S (300),
  .backoff_initial_us = S (60),
  .backoff_max_us = S (6 * 3600),
};

START_TEST (test_policy_from_config)
{
  g_autoptr(DaemonConfig) config = daemon_config_new_default ();
  DaemonSchedulePolicy policy;

  config->poll_interval_s = 86400;
  daemon_schedule_policy_from_config (&policy, config);
  ck_assert_int_eq (policy.interval_us, S (86400));
  ck_assert_int_eq (policy.jitter_us, S (300));
  ck_assert_int_eq (policy.backoff_initial_us, S (60));
  ck_assert_int_eq (policy.backoff_max_us, S (21600));
}
END_TEST

START_TEST (test_success_jitter_bounds)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  gint64 low = G_MAXINT64, high = 0;
  gdouble sum = 0;

  for (guint i = 0; i < SAMPLES; i++)
    {
      gint64 next = daemon_schedule_after_success (&default_policy, NOW, rand);
      gint64 extra = next - NOW - S (3600);
      ck_assert_int_ge (extra, 0);
      ck_assert_int_le (extra, S (300));
      low = MIN (low, extra);
      high = MAX (high, extra);
      sum += (gdouble) extra;
    }
  /* Spread over the whole range, not a constant: the extremes are reached within 1 % and the mean is the
   * middle within 2 %. */
  ck_assert_int_lt (low, S (3));
  ck_assert_int_gt (high, S (297));
  ck_assert_double_le (ABS (sum / SAMPLES - (gdouble) S (150)), (gdouble) S (6));
}
END_TEST

START_TEST (test_success_without_jitter)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2);
  DaemonSchedulePolicy policy = default_policy;

  policy.jitter_us = 0;
  for (guint i = 0; i < 100; i++)
    ck_assert_int_eq (daemon_schedule_after_success (&policy, NOW, rand), NOW + S (3600));
}
END_TEST

/* The ceiling of attempt n: min(cap, initial * 2^n). */
static gint64
ceiling_of (const DaemonSchedulePolicy *policy, guint attempt)
{
  gint64 ceiling = policy->backoff_initial_us;

  for (guint i = 0; i < attempt && ceiling < policy->backoff_max_us; i++)
    ceiling *= 2;
  return MIN (ceiling, policy->backoff_max_us);
}

START_TEST (test_backoff_full_jitter)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  static const gint64 expected_ceilings[] = { S (60), S (120), S (240), S (480), S (960), S (1920), S (3840),
                                              S (7680), S (15360), S (21600), S (21600), S (21600) };

  for (guint attempt = 0; attempt < G_N_ELEMENTS (expected_ceilings); attempt++)
    {
      gint64 ceiling = ceiling_of (&default_policy, attempt);
      gint64 low = G_MAXINT64, high = 0;
      gdouble sum = 0;

      ck_assert_int_eq (ceiling, expected_ceilings[attempt]);
      for (guint i = 0; i < SAMPLES; i++)
        {
          gint64 delay = daemon_schedule_backoff_delay (&default_policy, attempt, -1, rand);
          ck_assert_int_ge (delay, S (1));
          ck_assert_int_le (delay, ceiling);
          ck_assert_int_eq (daemon_schedule_after_failure (&default_policy, attempt, -1, NOW, rand) - NOW >= S (1), 1);
          low = MIN (low, delay);
          high = MAX (high, delay);
          sum += (gdouble) delay;
        }
      /* Full jitter: from (almost) nothing to the ceiling, centred on half of it. */
      ck_assert_int_lt (low, S (1) + ceiling / 50);
      ck_assert_int_gt (high, ceiling - ceiling / 50);
      ck_assert_double_le (ABS (sum / SAMPLES - (gdouble) ceiling / 2), (gdouble) ceiling * 0.02);
    }
}
END_TEST

START_TEST (test_backoff_huge_attempts)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  DaemonSchedulePolicy policy = default_policy;
  static const guint attempts[] = { 40, 61, 62, 63, 64, 1000, G_MAXUINT };

  policy.backoff_max_us = S (366 * 86400);
  for (guint i = 0; i < G_N_ELEMENTS (attempts); i++)
    for (guint n = 0; n < 1000; n++)
      {
        gint64 delay = daemon_schedule_backoff_delay (&policy, attempts[i], -1, rand);
        ck_assert_int_ge (delay, S (1));
        ck_assert_int_le (delay, policy.backoff_max_us);
      }
}
END_TEST

START_TEST (test_backoff_floor)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  DaemonSchedulePolicy policy = default_policy;
  guint at_floor = 0;

  /* Draws below one second happen half the time with a 2 s ceiling; they all become 1 s. */
  policy.backoff_initial_us = S (2);
  policy.backoff_max_us = S (2);
  for (guint i = 0; i < SAMPLES; i++)
    {
      gint64 delay = daemon_schedule_backoff_delay (&policy, 0, -1, rand);
      ck_assert_int_ge (delay, S (1));
      ck_assert_int_le (delay, S (2));
      if (delay == S (1))
        at_floor++;
    }
  ck_assert_uint_gt (at_floor, SAMPLES * 45 / 100);
  ck_assert_uint_lt (at_floor, SAMPLES * 55 / 100);

  /* A policy below the floor is lifted to it. */
  policy.backoff_initial_us = 0;
  policy.backoff_max_us = 0;
  ck_assert_int_eq (daemon_schedule_backoff_delay (&policy, 3, -1, rand), S (1));
}
END_TEST

START_TEST (test_retry_after)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (6);
  guint above = 0;

  for (guint i = 0; i < 1000; i++)
    {
      /* Longer than the backoff would be: honoured exactly. */
      ck_assert_int_eq (daemon_schedule_backoff_delay (&default_policy, 0, S (600), rand), S (600));
      /* Longer than BackoffMax: capped. */
      ck_assert_int_eq (daemon_schedule_backoff_delay (&default_policy, 2, S (7 * 86400), rand), S (21600));
      ck_assert_int_eq (daemon_schedule_after_failure (&default_policy, 0, S (600), NOW, rand), NOW + S (600));
    }
  /* Shorter than the backoff: a minimum, the backoff still applies above it. */
  for (guint i = 0; i < SAMPLES; i++)
    {
      gint64 delay = daemon_schedule_backoff_delay (&default_policy, 5, S (100), rand);
      ck_assert_int_ge (delay, S (100));
      ck_assert_int_le (delay, S (1920));
      if (delay > S (100))
        above++;
    }
  ck_assert_uint_gt (above, SAMPLES * 9 / 10);
  /* Zero is a valid Retry-After; the floor still holds. */
  for (guint i = 0; i < 1000; i++)
    ck_assert_int_ge (daemon_schedule_backoff_delay (&default_policy, 0, 0, rand), S (1));
}
END_TEST

START_TEST (test_record_sequence)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  DaemonScheduleState state;
  gint64 now = NOW;

  daemon_schedule_state_init (&state);
  ck_assert (daemon_schedule_is_due (&state, now));

  for (guint attempt = 0; attempt < 12; attempt++)
    {
      g_autofree gchar *message = g_strdup_printf ("eIM unreachable %u", attempt);
      daemon_schedule_record_failure (&state, &default_policy, message, -1, now, rand);
      ck_assert_uint_eq (state.failures, attempt + 1);
      ck_assert_str_eq (state.last_error, message);
      ck_assert_int_eq (state.last_poll_at, now);
      ck_assert_int_eq (state.last_success_at, 0);
      ck_assert_int_ge (state.next_poll_at - now, S (1));
      ck_assert_int_le (state.next_poll_at - now, ceiling_of (&default_policy, attempt));
      ck_assert (!daemon_schedule_is_due (&state, now));
      ck_assert (daemon_schedule_is_due (&state, state.next_poll_at));
      now = state.next_poll_at;
    }

  daemon_schedule_record_success (&state, &default_policy, now, rand);
  ck_assert_uint_eq (state.failures, 0);
  ck_assert_ptr_null (state.last_error);
  ck_assert_int_eq (state.last_success_at, now);
  /* The success that ends the failures takes a new phase within Interval/2 .. 1.5 Interval + Jitter. */
  ck_assert_int_ge (state.next_poll_at, now + S (1800));
  ck_assert_int_le (state.next_poll_at, now + S (5700));

  /* After the reset, the next failure starts again from BackoffInitial. */
  now = state.next_poll_at;
  for (guint i = 0; i < 200; i++)
    {
      state.failures = 0;
      daemon_schedule_record_failure (&state, &default_policy, NULL, -1, now, rand);
      ck_assert_int_le (state.next_poll_at - now, S (60));
    }
  ck_assert_str_eq (state.last_error, "unknown error");
  daemon_schedule_state_clear (&state);
}
END_TEST

/* Devices that recover together must not poll together afterwards: the waits after a recovery spread over a
 * whole Interval (a plain success spreads only over Jitter), with the same mean as a plain success. */
START_TEST (test_recovery_takes_a_new_phase)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  guint buckets[10] = { 0 };
  gint64 sum = 0;
  const guint n = 20000;

  for (guint i = 0; i < n; i++)
    {
      DaemonScheduleState state;
      gint64 delay;

      daemon_schedule_state_init (&state);
      daemon_schedule_record_failure (&state, &default_policy, "down", -1, NOW, rand);
      daemon_schedule_record_success (&state, &default_policy, NOW + S (100), rand);
      delay = state.next_poll_at - (NOW + S (100));
      ck_assert_int_ge (delay, S (1800));
      ck_assert_int_le (delay, S (5700));
      sum += delay / G_USEC_PER_SEC;
      buckets[MIN ((delay - S (1800)) / S (390), 9)]++;
      daemon_schedule_state_clear (&state);

      /* The next success is a plain one again. */
      daemon_schedule_state_init (&state);
      daemon_schedule_record_success (&state, &default_policy, NOW, rand);
      ck_assert_int_ge (state.next_poll_at, NOW + S (3600));
      ck_assert_int_le (state.next_poll_at, NOW + S (3900));
      daemon_schedule_state_clear (&state);
    }
  /* Mean Interval + Jitter/2 = 3750 s, like a plain success. */
  ck_assert_int_ge (sum / n, 3700);
  ck_assert_int_le (sum / n, 3800);
  /* Spread over the whole window: no tenth of it empty or crowded (the middle tenths hold the most). */
  for (guint b = 0; b < 10; b++)
    {
      ck_assert_uint_ge (buckets[b], n / 40);
      ck_assert_uint_le (buckets[b], n / 6);
    }
}
END_TEST

START_TEST (test_request_poll)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (8);
  DaemonScheduleState state;

  daemon_schedule_state_init (&state);
  daemon_schedule_record_success (&state, &default_policy, NOW, rand);
  ck_assert_int_gt (daemon_schedule_next_poll (&state, NOW), NOW);
  ck_assert (!daemon_schedule_is_due (&state, NOW + S (10)));

  daemon_schedule_request_poll (&state, NOW + S (10));
  ck_assert (state.poll_requested);
  ck_assert_int_eq (daemon_schedule_next_poll (&state, NOW + S (10)), NOW + S (10));
  ck_assert (daemon_schedule_is_due (&state, NOW + S (10)));
  /* Lowered in the persisted field as well, so a restart polls at once too. */
  ck_assert_int_eq (state.next_poll_at, NOW + S (10));

  daemon_schedule_record_success (&state, &default_policy, NOW + S (20), rand);
  ck_assert (!state.poll_requested);
  ck_assert (!daemon_schedule_is_due (&state, NOW + S (20)));

  /* A request during backoff overrides it; the failure count stays for the next failure. */
  daemon_schedule_record_failure (&state, &default_policy, "x", S (3600), NOW + S (30), rand);
  daemon_schedule_request_poll (&state, NOW + S (40));
  ck_assert (daemon_schedule_is_due (&state, NOW + S (40)));
  ck_assert_uint_eq (state.failures, 1);
  daemon_schedule_state_clear (&state);
}
END_TEST

START_TEST (test_state_round_trip)
{
  DaemonScheduleState state, loaded;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  daemon_schedule_state_init (&state);
  state.next_poll_at = NOW + S (77);
  state.failures = 4;
  state.last_poll_at = NOW - S (5);
  state.last_success_at = NOW - S (86400);
  state.last_error = g_strdup ("eim.example: HTTP 503; retry=later\nsecond line [x] #not a comment ü");
  state.poll_requested = TRUE;

  bytes = daemon_schedule_state_to_bytes (&state);
  daemon_schedule_state_init (&loaded);
  loaded.last_error = g_strdup ("replaced");
  ck_assert_msg (daemon_schedule_state_from_bytes (&loaded, bytes, &error), "%s", error ? error->message : "");
  ck_assert_int_eq (loaded.next_poll_at, state.next_poll_at);
  ck_assert_uint_eq (loaded.failures, 4);
  ck_assert_int_eq (loaded.last_poll_at, state.last_poll_at);
  ck_assert_int_eq (loaded.last_success_at, state.last_success_at);
  ck_assert_str_eq (loaded.last_error, state.last_error);
  ck_assert (!loaded.poll_requested);
  daemon_schedule_state_clear (&loaded);

  /* No error: the key is absent and comes back NULL. */
  g_clear_pointer (&state.last_error, g_free);
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = daemon_schedule_state_to_bytes (&state);
  ck_assert_ptr_null (strstr (g_bytes_get_data (bytes, NULL), "LastError"));
  ck_assert (daemon_schedule_state_from_bytes (&loaded, bytes, &error));
  ck_assert_ptr_null (loaded.last_error);
  ck_assert_uint_eq (loaded.failures, 4);
  daemon_schedule_state_clear (&loaded);
  daemon_schedule_state_clear (&state);
}
END_TEST

/* The message names the key and the bad value; GLib words the rest. */
static const struct {
  const gchar *text;
  const gchar *prefix;
  const gchar *value;
} bad_states[] = {
  { "", "schedule state: not a key file: empty", "" },
  { "[Other]\nNextPollAt=1\n", "schedule state: no [Schedule] group", "" },
  { "[Schedule]\nNextPollAt=abc\n", "schedule state: [Schedule] NextPollAt: ", "abc" },
  { "[Schedule]\nNextPollAt=-5\n", "schedule state: [Schedule] NextPollAt: ", "-5" },
  { "[Schedule]\nFailures=4294967296\n", "schedule state: [Schedule] Failures: ", "4294967296" },
  { "[Schedule]\nLastPollAt=9223372036854775808\n", "schedule state: [Schedule] LastPollAt: ",
    "9223372036854775808" },
  { "[Schedule]\nLastSuccessAt=0x10\n", "schedule state: [Schedule] LastSuccessAt: ", "0x10" },
};

START_TEST (test_state_refused)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (bad_states[_i].text, strlen (bad_states[_i].text));
  g_autoptr(GError) error = NULL;
  DaemonScheduleState state;

  daemon_schedule_state_init (&state);
  state.failures = 9;
  ck_assert (!daemon_schedule_state_from_bytes (&state, bytes, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
  ck_assert_msg (g_str_has_prefix (error->message, bad_states[_i].prefix), "%s", error->message);
  ck_assert_msg (strstr (error->message, bad_states[_i].value) != NULL, "%s", error->message);
  /* A refused file leaves the state as it was. */
  ck_assert_uint_eq (state.failures, 9);
}
END_TEST

START_TEST (test_state_not_a_key_file)
{
  static const guint8 garbage[] = { 0x00, 0xFF, 0x5B, 0x0A, 0x3D };
  g_autoptr(GBytes) bytes = g_bytes_new_static (garbage, sizeof garbage);
  g_autoptr(GError) error = NULL;
  DaemonScheduleState state;

  daemon_schedule_state_init (&state);
  ck_assert (!daemon_schedule_state_from_bytes (&state, bytes, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
  ck_assert (g_str_has_prefix (error->message, "schedule state: not a key file: "));
}
END_TEST

START_TEST (test_sanitize)
{
  DaemonScheduleState state;
  gint64 latest = NOW + S (21600) + S (5400) + S (300);

  daemon_schedule_state_init (&state);

  state.next_poll_at = NOW - S (1);   /* missed while the daemon was down */
  ck_assert (daemon_schedule_state_sanitize (&state, &default_policy, NOW));
  ck_assert_int_eq (state.next_poll_at, NOW);

  state.next_poll_at = 0;             /* never scheduled */
  ck_assert (daemon_schedule_state_sanitize (&state, &default_policy, NOW));
  ck_assert_int_eq (state.next_poll_at, NOW);

  state.next_poll_at = NOW + S (1800); /* plausible: kept */
  ck_assert (!daemon_schedule_state_sanitize (&state, &default_policy, NOW));
  ck_assert_int_eq (state.next_poll_at, NOW + S (1800));

  state.next_poll_at = latest;         /* the latest this policy can produce: kept */
  ck_assert (!daemon_schedule_state_sanitize (&state, &default_policy, NOW));
  ck_assert_int_eq (state.next_poll_at, latest);

  state.next_poll_at = latest + 1;     /* the clock went back: poll now */
  ck_assert (daemon_schedule_state_sanitize (&state, &default_policy, NOW));
  ck_assert_int_eq (state.next_poll_at, NOW);

  state.next_poll_at = G_MAXINT64;
  ck_assert (daemon_schedule_state_sanitize (&state, &default_policy, NOW));
  ck_assert_int_eq (state.next_poll_at, NOW);
}
END_TEST

/* ---- the timer ---- */

typedef struct {
  guint fired;
  DaemonTimer *timer;
  gint64 rearm_at;  /* when not 0, the callback arms the timer again once */
  GMainLoop *loop;
} TimerProbe;

static void
on_timer (gpointer user_data)
{
  TimerProbe *probe = user_data;

  probe->fired++;
  ck_assert (!daemon_timer_is_armed (probe->timer));
  if (probe->rearm_at != 0)
    {
      daemon_timer_arm_at (probe->timer, probe->rearm_at);
      probe->rearm_at = 0;
      return;
    }
  if (probe->loop != NULL)
    g_main_loop_quit (probe->loop);
}

static gboolean
on_guard (gpointer user_data)
{
  ck_abort_msg ("the timer did not fire in time");
  return G_SOURCE_REMOVE;
}

/* How long the context would sleep in poll(), in ms (-1: forever). */
static gint
context_sleep_ms (GMainContext *context)
{
  GPollFD fds[16];
  gint priority = 0;
  gint timeout = 0;

  ck_assert (g_main_context_acquire (context));
  g_main_context_prepare (context, &priority);
  g_main_context_query (context, priority, &timeout, fds, G_N_ELEMENTS (fds));
  g_main_context_release (context);
  return timeout;
}

START_TEST (test_timer_single_wakeup)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  TimerProbe probe = { 0 };
  g_autoptr(DaemonTimer) timer = daemon_timer_new (context, on_timer, &probe);
  gint64 at = g_get_real_time () + S (3600);
  gint sleep_ms;

  probe.timer = timer;
  ck_assert (!daemon_timer_is_armed (timer));
  ck_assert_int_eq (context_sleep_ms (context), -1);

  daemon_timer_arm_at (timer, at);
  ck_assert (daemon_timer_is_armed (timer));
  ck_assert_int_eq (daemon_timer_get_armed_at (timer), at);
  /* Nothing to do now, and the next wake-up is the poll itself, an hour away: no ticks in between. */
  ck_assert (!g_main_context_iteration (context, FALSE));
  sleep_ms = context_sleep_ms (context);
  ck_assert_int_gt (sleep_ms, 3600 * 1000 - 2000);
  ck_assert_int_le (sleep_ms, 3600 * 1000);
  ck_assert_uint_eq (probe.fired, 0);

  /* Re-arming replaces: still one source. */
  daemon_timer_arm_at (timer, at + S (60));
  sleep_ms = context_sleep_ms (context);
  ck_assert_int_gt (sleep_ms, 3660 * 1000 - 2000);

  daemon_timer_disarm (timer);
  ck_assert (!daemon_timer_is_armed (timer));
  ck_assert_int_eq (daemon_timer_get_armed_at (timer), 0);
  ck_assert_int_eq (context_sleep_ms (context), -1);
}
END_TEST

START_TEST (test_timer_fires_once)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);
  g_autoptr(GSource) guard = g_timeout_source_new_seconds (10);
  TimerProbe probe = { 0 };
  g_autoptr(DaemonTimer) timer = daemon_timer_new (context, on_timer, &probe);
  gint64 start = g_get_monotonic_time ();

  probe.timer = timer;
  probe.loop = loop;
  g_source_set_callback (guard, on_guard, NULL, NULL);
  g_source_attach (guard, context);

  daemon_timer_arm_at (timer, g_get_real_time () + 200 * 1000);
  g_main_loop_run (loop);
  ck_assert_uint_eq (probe.fired, 1);
  ck_assert_int_ge (g_get_monotonic_time () - start, 150 * 1000);
  ck_assert (!daemon_timer_is_armed (timer));
  /* Fired sources do not come back. */
  while (g_main_context_iteration (context, FALSE))
    ;
  ck_assert_uint_eq (probe.fired, 1);

  /* A time in the past fires on the next iteration; re-arming from the callback works. */
  probe.rearm_at = g_get_real_time () + 50 * 1000;
  daemon_timer_arm_at (timer, g_get_real_time () - S (100));
  g_main_loop_run (loop);
  ck_assert_uint_eq (probe.fired, 3);
  g_source_destroy (guard);
}
END_TEST

START_TEST (test_timer_disarm_prevents)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  TimerProbe probe = { 0 };
  g_autoptr(DaemonTimer) timer = daemon_timer_new (context, on_timer, &probe);

  probe.timer = timer;
  daemon_timer_arm_at (timer, g_get_real_time () - S (1));
  daemon_timer_disarm (timer);
  while (g_main_context_iteration (context, FALSE))
    ;
  ck_assert_uint_eq (probe.fired, 0);

  /* Freed while armed: the source goes with it. */
  daemon_timer_arm_at (timer, g_get_real_time () - S (1));
  g_clear_pointer (&timer, daemon_timer_free);
  while (g_main_context_iteration (context, FALSE))
    ;
  ck_assert_uint_eq (probe.fired, 0);
}
END_TEST

START_TEST (test_timer_thread_default_context)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  TimerProbe probe = { 0 };
  g_autoptr(DaemonTimer) timer = daemon_timer_new (NULL, on_timer, &probe);

  probe.timer = timer;
  g_main_context_push_thread_default (context);
  daemon_timer_arm_at (timer, g_get_real_time () - S (1));
  g_main_context_pop_thread_default (context);
  ck_assert (g_main_context_iteration (context, FALSE));
  ck_assert_uint_eq (probe.fired, 1);
}
END_TEST

/* Which eIM entries are polled: retrieval over HTTPS is the binding every eIM must offer, so an entry naming
 * only protocols euiccd does not speak is polled over HTTPS all the same when it has an address. */
START_TEST (test_eim_polling)
{
  ck_assert_int_eq (daemon_schedule_eim_polling (FALSE, 0, TRUE), DAEMON_EIM_POLL);
  ck_assert_int_eq (daemon_schedule_eim_polling (FALSE, 0, FALSE), DAEMON_EIM_POLL);
  ck_assert_int_eq (daemon_schedule_eim_polling (TRUE, 1u << 0, TRUE), DAEMON_EIM_POLL);
  ck_assert_int_eq (daemon_schedule_eim_polling (TRUE, (1u << 0) | (1u << 2), TRUE), DAEMON_EIM_POLL);
  /* retrieveCoaps, injectHttps, proprietary, a bit no version defines, none at all */
  ck_assert_int_eq (daemon_schedule_eim_polling (TRUE, 1u << 1, TRUE), DAEMON_EIM_POLL_DESPITE_PROTOCOLS);
  ck_assert_int_eq (daemon_schedule_eim_polling (TRUE, 1u << 2, TRUE), DAEMON_EIM_POLL_DESPITE_PROTOCOLS);
  ck_assert_int_eq (daemon_schedule_eim_polling (TRUE, 1u << 4, TRUE), DAEMON_EIM_POLL_DESPITE_PROTOCOLS);
  ck_assert_int_eq (daemon_schedule_eim_polling (TRUE, 1u << 7, TRUE), DAEMON_EIM_POLL_DESPITE_PROTOCOLS);
  ck_assert_int_eq (daemon_schedule_eim_polling (TRUE, 0, TRUE), DAEMON_EIM_POLL_DESPITE_PROTOCOLS);
  ck_assert_int_eq (daemon_schedule_eim_polling (TRUE, 1u << 1, FALSE), DAEMON_EIM_NOT_POLLED_NO_ADDRESS);
}
END_TEST

static Suite *
schedule_suite (void)
{
  Suite *s = suite_create ("schedule");
  TCase *tc = tcase_create ("decisions");

  tcase_add_test (tc, test_policy_from_config);
  tcase_add_test (tc, test_success_jitter_bounds);
  tcase_add_test (tc, test_success_without_jitter);
  tcase_add_test (tc, test_backoff_full_jitter);
  tcase_add_test (tc, test_backoff_huge_attempts);
  tcase_add_test (tc, test_backoff_floor);
  tcase_add_test (tc, test_retry_after);
  tcase_add_test (tc, test_record_sequence);
  tcase_add_test (tc, test_recovery_takes_a_new_phase);
  tcase_add_test (tc, test_request_poll);
  suite_add_tcase (s, tc);

  tc = tcase_create ("state");
  tcase_add_test (tc, test_state_round_trip);
  tcase_add_loop_test (tc, test_state_refused, 0, G_N_ELEMENTS (bad_states));
  tcase_add_test (tc, test_state_not_a_key_file);
  tcase_add_test (tc, test_sanitize);
  suite_add_tcase (s, tc);

  tc = tcase_create ("eim-polling");
  tcase_add_test (tc, test_eim_polling);
  suite_add_tcase (s, tc);

  tc = tcase_create ("timer");
  tcase_add_test (tc, test_timer_single_wakeup);
  tcase_add_test (tc, test_timer_fires_once);
  tcase_add_test (tc, test_timer_disarm_prevents);
  tcase_add_test (tc, test_timer_thread_default_context);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *runner = srunner_create (schedule_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
