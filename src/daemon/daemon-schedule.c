/* SPDX-License-Identifier: Apache-2.0 */
/* The poll schedule: pure decisions over an injected GRand, the persisted state, and a one-shot timer. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-daemon"

#include "daemon/daemon-schedule.h"
#include "euiccd-error.h"

#define STATE_GROUP "Schedule"

void
daemon_schedule_policy_from_config (DaemonSchedulePolicy *ret_policy, const DaemonConfig *config)
{
  ret_policy->interval_us = (gint64) config->poll_interval_s * G_USEC_PER_SEC;
  ret_policy->jitter_us = (gint64) config->poll_jitter_s * G_USEC_PER_SEC;
  ret_policy->backoff_initial_us = (gint64) config->poll_backoff_initial_s * G_USEC_PER_SEC;
  ret_policy->backoff_max_us = (gint64) config->poll_backoff_max_s * G_USEC_PER_SEC;
}

/* Uniform in [0, bound], without the bias of a plain modulo: draws from the top of the 64-bit range that
 * would favour small results are rejected. */
static guint64
uniform_u64 (GRand *rand, guint64 bound)
{
  guint64 range;
  guint64 threshold;

  if (bound == 0)
    return 0;
  for (;;)
    {
      guint64 r = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);
      if (bound == G_MAXUINT64)
        return r;
      range = bound + 1;
      threshold = (0 - range) % range;  /* 2^64 mod range */
      if (r >= threshold)
        return r % range;
    }
}

static gint64
uniform_delay (GRand *rand, gint64 bound_us)
{
  return bound_us <= 0 ? 0 : (gint64) uniform_u64 (rand, (guint64) bound_us);
}

gint64
daemon_schedule_after_success (const DaemonSchedulePolicy *policy, gint64 now_us, GRand *rand)
{
  gint64 delay = MAX (policy->interval_us, 0) + uniform_delay (rand, policy->jitter_us);

  return now_us + MAX (delay, DAEMON_SCHEDULE_MIN_DELAY_US);
}

gint64
daemon_schedule_after_recovery (const DaemonSchedulePolicy *policy, gint64 now_us, GRand *rand)
{
  gint64 interval = MAX (policy->interval_us, 0);
  gint64 delay = interval / 2 + uniform_delay (rand, interval) + uniform_delay (rand, policy->jitter_us);

  return now_us + MAX (delay, DAEMON_SCHEDULE_MIN_DELAY_US);
}

gint64
daemon_schedule_backoff_delay (const DaemonSchedulePolicy *policy, guint attempt, gint64 retry_after_us,
                               GRand *rand)
{
  gint64 cap = MAX (policy->backoff_max_us, DAEMON_SCHEDULE_MIN_DELAY_US);
  gint64 initial = CLAMP (policy->backoff_initial_us, DAEMON_SCHEDULE_MIN_DELAY_US, cap);
  gint64 ceiling;
  gint64 delay;

  /* initial * 2^attempt, saturating at the cap before it can overflow. */
  if (attempt >= 62 || initial > (cap >> attempt))
    ceiling = cap;
  else
    ceiling = MIN (cap, initial << attempt);
  delay = uniform_delay (rand, ceiling);
  if (retry_after_us >= 0)
    delay = MAX (delay, MIN (retry_after_us, cap));
  return MAX (delay, DAEMON_SCHEDULE_MIN_DELAY_US);
}

gint64
daemon_schedule_after_failure (const DaemonSchedulePolicy *policy, guint attempt, gint64 retry_after_us,
                               gint64 now_us, GRand *rand)
{
  return now_us + daemon_schedule_backoff_delay (policy, attempt, retry_after_us, rand);
}

void
daemon_schedule_state_init (DaemonScheduleState *state)
{
  *state = (DaemonScheduleState) { 0 };
}

void
daemon_schedule_state_clear (DaemonScheduleState *state)
{
  g_clear_pointer (&state->last_error, g_free);
  daemon_schedule_state_init (state);
}

void
daemon_schedule_record_success (DaemonScheduleState *state, const DaemonSchedulePolicy *policy, gint64 now_us,
                                GRand *rand)
{
  if (state->failures > 0)
    state->next_poll_at = daemon_schedule_after_recovery (policy, now_us, rand);
  else
    state->next_poll_at = daemon_schedule_after_success (policy, now_us, rand);
  state->failures = 0;
  state->last_poll_at = now_us;
  state->last_success_at = now_us;
  g_clear_pointer (&state->last_error, g_free);
  state->poll_requested = FALSE;
}

void
daemon_schedule_record_failure (DaemonScheduleState *state, const DaemonSchedulePolicy *policy,
                                const gchar *error_message, gint64 retry_after_us, gint64 now_us, GRand *rand)
{
  state->next_poll_at = daemon_schedule_after_failure (policy, state->failures, retry_after_us, now_us, rand);
  if (state->failures < G_MAXUINT)
    state->failures++;
  state->last_poll_at = now_us;
  g_free (state->last_error);
  state->last_error = g_strdup (error_message != NULL ? error_message : "unknown error");
  state->poll_requested = FALSE;
}

void
daemon_schedule_request_poll (DaemonScheduleState *state, gint64 now_us)
{
  state->poll_requested = TRUE;
  /* Lowered too, so a restart before the poll still polls at once. */
  if (state->next_poll_at > now_us)
    state->next_poll_at = now_us;
}

gint64
daemon_schedule_next_poll (const DaemonScheduleState *state, gint64 now_us)
{
  if (state->poll_requested || state->next_poll_at <= now_us)
    return now_us;
  return state->next_poll_at;
}

gboolean
daemon_schedule_is_due (const DaemonScheduleState *state, gint64 now_us)
{
  return daemon_schedule_next_poll (state, now_us) <= now_us;
}

gboolean
daemon_schedule_state_sanitize (DaemonScheduleState *state, const DaemonSchedulePolicy *policy, gint64 now_us)
{
  gint64 latest = now_us + MAX (policy->backoff_max_us, 0) + MAX (policy->interval_us, 0) * 3 / 2 +
                  MAX (policy->jitter_us, 0);

  if (state->next_poll_at < now_us || state->next_poll_at > latest)
    {
      state->next_poll_at = now_us;
      return TRUE;
    }
  return FALSE;
}

GBytes *
daemon_schedule_state_to_bytes (const DaemonScheduleState *state)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  gchar *data;
  gsize length;

  g_key_file_set_int64 (key_file, STATE_GROUP, "NextPollAt", state->next_poll_at);
  g_key_file_set_uint64 (key_file, STATE_GROUP, "Failures", state->failures);
  g_key_file_set_int64 (key_file, STATE_GROUP, "LastPollAt", state->last_poll_at);
  g_key_file_set_int64 (key_file, STATE_GROUP, "LastSuccessAt", state->last_success_at);
  if (state->last_error != NULL)
    g_key_file_set_string (key_file, STATE_GROUP, "LastError", state->last_error);
  data = g_key_file_to_data (key_file, &length, NULL);
  return g_bytes_new_take (data, length);
}

/* A non-negative decimal no larger than `max`; a missing key is 0 ("never"). */
static gboolean
read_number (GKeyFile *key_file, const gchar *key, guint64 max, guint64 *ret_value, GError **error)
{
  g_autofree gchar *text = g_key_file_get_value (key_file, STATE_GROUP, key, NULL);
  g_autoptr(GError) local_error = NULL;

  if (text == NULL)
    {
      *ret_value = 0;
      return TRUE;
    }
  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, 0, max, ret_value, &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "schedule state: [%s] %s: %s", STATE_GROUP, key,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
daemon_schedule_state_from_bytes (DaemonScheduleState *state, GBytes *bytes, GError **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;
  const gchar *data = g_bytes_get_data (bytes, &length);
  guint64 next_poll_at, failures, last_poll_at, last_success_at;

  if (length == 0 || !g_key_file_load_from_data (key_file, data, length, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "schedule state: not a key file: %s",
                   local_error != NULL ? local_error->message : "empty");
      return FALSE;
    }
  if (!g_key_file_has_group (key_file, STATE_GROUP))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "schedule state: no [%s] group", STATE_GROUP);
      return FALSE;
    }
  if (!read_number (key_file, "NextPollAt", G_MAXINT64, &next_poll_at, error) ||
      !read_number (key_file, "Failures", G_MAXUINT, &failures, error) ||
      !read_number (key_file, "LastPollAt", G_MAXINT64, &last_poll_at, error) ||
      !read_number (key_file, "LastSuccessAt", G_MAXINT64, &last_success_at, error))
    return FALSE;

  daemon_schedule_state_clear (state);
  state->next_poll_at = (gint64) next_poll_at;
  state->failures = (guint) failures;
  state->last_poll_at = (gint64) last_poll_at;
  state->last_success_at = (gint64) last_success_at;
  state->last_error = g_key_file_get_string (key_file, STATE_GROUP, "LastError", NULL);
  return TRUE;
}

/* ---- the timer ---- */

struct _DaemonTimer {
  GMainContext *context;  /* NULL: thread default at arm time */
  DaemonTimerFunc func;
  gpointer user_data;
  GSource *source;        /* the armed source, NULL when not armed */
  gint64 armed_at;
};

/* Ready-time sources need only dispatch: GLib wakes the loop at the ready time and never in between. */
static gboolean
timer_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  return callback (user_data);
}

static GSourceFuncs timer_source_funcs = {
  .dispatch = timer_source_dispatch,
};

static gboolean
timer_fire (gpointer user_data)
{
  DaemonTimer *timer = user_data;

  /* Unarmed before the callback so it can arm the next poll. */
  g_clear_pointer (&timer->source, g_source_unref);
  timer->armed_at = 0;
  timer->func (timer->user_data);
  return G_SOURCE_REMOVE;
}

DaemonTimer *
daemon_timer_new (GMainContext *context, DaemonTimerFunc func, gpointer user_data)
{
  DaemonTimer *timer = g_new0 (DaemonTimer, 1);

  timer->context = context != NULL ? g_main_context_ref (context) : NULL;
  timer->func = func;
  timer->user_data = user_data;
  return timer;
}

void
daemon_timer_disarm (DaemonTimer *timer)
{
  if (timer->source != NULL)
    {
      g_source_destroy (timer->source);
      g_clear_pointer (&timer->source, g_source_unref);
    }
  timer->armed_at = 0;
}

void
daemon_timer_arm_at (DaemonTimer *timer, gint64 wall_clock_us)
{
  g_autoptr(GMainContext) context = NULL;
  gint64 now_real = g_get_real_time ();
  gint64 now_mono = g_get_monotonic_time ();
  gint64 ready;

  daemon_timer_disarm (timer);
  context = timer->context != NULL ? g_main_context_ref (timer->context) : g_main_context_ref_thread_default ();
  /* The wall clock may be stepped while we wait; the monotonic one is what GLib sleeps on. */
  ready = wall_clock_us <= now_real ? now_mono : now_mono + (wall_clock_us - now_real);
  timer->source = g_source_new (&timer_source_funcs, sizeof (GSource));
  g_source_set_name (timer->source, "euiccd poll timer");
  g_source_set_callback (timer->source, timer_fire, timer, NULL);
  g_source_set_ready_time (timer->source, ready);
  g_source_attach (timer->source, context);
  timer->armed_at = wall_clock_us;
}

gboolean
daemon_timer_is_armed (const DaemonTimer *timer)
{
  return timer->source != NULL;
}

gint64
daemon_timer_get_armed_at (const DaemonTimer *timer)
{
  return timer->source != NULL ? timer->armed_at : 0;
}

void
daemon_timer_free (DaemonTimer *timer)
{
  if (timer == NULL)
    return;
  daemon_timer_disarm (timer);
  g_clear_pointer (&timer->context, g_main_context_unref);
  g_free (timer);
}

DaemonEimPolling
daemon_schedule_eim_polling (gboolean has_supported_protocols, guint32 supported_protocols, gboolean has_address)
{
  /* Bit 0 of EimSupportedProtocol, eimRetrieveHttps. */
  if (!has_supported_protocols || (supported_protocols & 1u) != 0)
    return DAEMON_EIM_POLL;
  return has_address ? DAEMON_EIM_POLL_DESPITE_PROTOCOLS : DAEMON_EIM_NOT_POLLED_NO_ADDRESS;
}
