/* SPDX-License-Identifier: Apache-2.0 */
/* A fleet of devices polling one eIM, simulated with the daemon's own scheduling code: every device keeps a
 * DaemonScheduleState and, after each poll, calls daemon_schedule_record_success() or
 * daemon_schedule_record_failure() exactly as the engine does, with the shipped [Poll] defaults. The eIM is
 * down for one window (connections refused: a failure without Retry-After). The program prints the
 * requests per second the eIM sees, in steady state and after the outage, and can write the per-minute and
 * per-second series for a plot.
 *
 * Events are kept in a timing wheel of one-second slots (every delay the scheduler produces is at least one
 * second), so a week of a million devices is a few hundred million O(1) steps. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "daemon/daemon-config.h"
#include "daemon/daemon-schedule.h"

#define NO_DEVICE G_MAXUINT32

typedef struct {
  guint32 devices;
  guint days;
  gdouble outage_start_h;
  gdouble outage_hours;
  guint32 seed;
  const gchar *series_path;
  guint64 backoff_initial_s;          /* 0: the shipped default */
  guint64 backoff_max_s;              /* 0: the shipped default */
} FleetOptions;

typedef struct {
  guint64 requests;
  guint64 failed;
} SecondCount;

typedef struct {
  gdouble mean_per_s;
  guint64 peak_per_s;
  gdouble mean_per_min;
  guint64 peak_per_min;
} WindowFigures;

static gboolean
eim_is_up (const FleetOptions *options, gint64 second)
{
  gint64 start = (gint64) (options->outage_start_h * 3600);
  gint64 end = start + (gint64) (options->outage_hours * 3600);

  return second < start || second >= end;
}

/* Mean and peak over [from, to) seconds, per second and per whole minute. */
static void
window_figures (const SecondCount *counts, gint64 from, gint64 to, WindowFigures *ret)
{
  guint64 total = 0;
  guint64 minute = 0;
  guint64 minutes = 0;

  *ret = (WindowFigures) { 0 };
  from = (from + 59) / 60 * 60;
  to = to / 60 * 60;
  for (gint64 s = from; s < to; s++)
    {
      total += counts[s].requests;
      ret->peak_per_s = MAX (ret->peak_per_s, counts[s].requests);
      minute += counts[s].requests;
      if ((s + 1) % 60 == 0)
        {
          ret->peak_per_min = MAX (ret->peak_per_min, minute);
          minute = 0;
          minutes++;
        }
    }
  if (to > from)
    {
      ret->mean_per_s = (gdouble) total / (gdouble) (to - from);
      ret->mean_per_min = minutes > 0 ? (gdouble) total / (gdouble) minutes : 0;
    }
}

static gboolean
write_series (const gchar *path, const SecondCount *counts, gint64 seconds, GError **error)
{
  g_autoptr(GString) text = g_string_new ("# minute requests_per_minute failed_per_minute peak_second_in_minute\n");

  for (gint64 m = 0; m + 60 <= seconds; m += 60)
    {
      guint64 requests = 0, failed = 0, peak = 0;
      for (gint64 s = m; s < m + 60; s++)
        {
          requests += counts[s].requests;
          failed += counts[s].failed;
          peak = MAX (peak, counts[s].requests);
        }
      g_string_append_printf (text, "%" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                              " %" G_GUINT64_FORMAT "\n", m / 60, requests, failed, peak);
    }
  return g_file_set_contents (path, text->str, (gssize) text->len, error);
}

static void
usage (const gchar *message)
{
  if (message != NULL)
    g_printerr ("bench-fleet: %s\n", message);
  g_printerr ("usage: bench-fleet [--devices N] [--days N] [--outage-start HOURS] [--outage-hours HOURS]\n"
              "                   [--backoff-initial SECONDS] [--backoff-max SECONDS] [--seed N] [--series FILE]\n");
  exit (2);
}

static void
parse_options (int argc, char **argv, FleetOptions *options)
{
  *options = (FleetOptions) { .devices = 1000000, .days = 7, .outage_start_h = 84, .outage_hours = 2,
                              .seed = 1 };
  for (int i = 1; i < argc; i++)
    {
      const gchar *value = i + 1 < argc ? argv[i + 1] : NULL;
      guint64 number = 0;
      gchar *end = NULL;

      if (g_str_equal (argv[i], "--series") && value != NULL)
        {
          options->series_path = value;
          i++;
          continue;
        }
      if (value == NULL)
        usage (g_strdup_printf ("%s needs a value", argv[i]));
      if (g_str_equal (argv[i], "--outage-start") || g_str_equal (argv[i], "--outage-hours"))
        {
          gdouble hours = g_ascii_strtod (value, &end);
          if (end == value || *end != '\0' || hours < 0)
            usage (g_strdup_printf ("%s: %s is not a number of hours", argv[i], value));
          if (g_str_equal (argv[i], "--outage-start"))
            options->outage_start_h = hours;
          else
            options->outage_hours = hours;
          i++;
          continue;
        }
      if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT32 - 1, &number, NULL))
        usage (g_strdup_printf ("%s: %s is not a positive number", argv[i], value));
      if (g_str_equal (argv[i], "--devices"))
        options->devices = (guint32) number;
      else if (g_str_equal (argv[i], "--days") && number <= 366)
        options->days = (guint) number;
      else if (g_str_equal (argv[i], "--seed"))
        options->seed = (guint32) number;
      else if (g_str_equal (argv[i], "--backoff-initial"))
        options->backoff_initial_s = number;
      else if (g_str_equal (argv[i], "--backoff-max"))
        options->backoff_max_s = number;
      else
        usage (g_strdup_printf ("unknown option or value out of range: %s %s", argv[i], value));
      i++;
    }
}

int
main (int argc, char **argv)
{
  FleetOptions options;
  DaemonSchedulePolicy policy;
  g_autoptr(DaemonConfig) config = daemon_config_new_default ();
  g_autoptr(GRand) rand = NULL;
  gint64 seconds;
  DaemonScheduleState *devices;
  guint32 *slot_head;
  guint32 *next_in_slot;
  SecondCount *counts;
  gint64 outage_start, outage_end;
  WindowFigures before, after_steady, recovery;
  guint64 polls = 0;
  gint64 started = g_get_monotonic_time ();

  parse_options (argc, argv, &options);
  if (options.backoff_initial_s > 0)
    config->poll_backoff_initial_s = options.backoff_initial_s;
  if (options.backoff_max_s > 0)
    config->poll_backoff_max_s = options.backoff_max_s;
  daemon_schedule_policy_from_config (&policy, config);
  rand = g_rand_new_with_seed (options.seed);
  seconds = (gint64) options.days * 86400;
  outage_start = (gint64) (options.outage_start_h * 3600);
  outage_end = outage_start + (gint64) (options.outage_hours * 3600);
  if (outage_end > seconds)
    usage ("the outage must end within the simulated days");

  devices = g_new0 (DaemonScheduleState, options.devices);
  slot_head = g_new (guint32, seconds);
  next_in_slot = g_new (guint32, options.devices);
  counts = g_new0 (SecondCount, seconds);
  for (gint64 s = 0; s < seconds; s++)
    slot_head[s] = NO_DEVICE;

  /* A fleet already in service: each device's next poll somewhere in one mean period (Interval + Jitter/2),
   * which is what a long steady state converges to. */
  for (guint32 d = 0; d < options.devices; d++)
    {
      gint64 at = g_rand_int_range (rand, 0, (gint32) ((policy.interval_us + policy.jitter_us / 2) / G_USEC_PER_SEC));
      daemon_schedule_state_init (&devices[d]);
      devices[d].next_poll_at = at * G_USEC_PER_SEC + g_rand_int_range (rand, 0, G_USEC_PER_SEC);
      next_in_slot[d] = slot_head[at];
      slot_head[at] = d;
    }

  for (gint64 s = 0; s < seconds; s++)
    {
      gboolean up = eim_is_up (&options, s);
      guint32 d = slot_head[s];

      slot_head[s] = NO_DEVICE;
      while (d != NO_DEVICE)
        {
          guint32 following = next_in_slot[d];
          DaemonScheduleState *state = &devices[d];
          gint64 now_us = state->next_poll_at;
          gint64 slot;

          counts[s].requests++;
          polls++;
          if (up)
            daemon_schedule_record_success (state, &policy, now_us, rand);
          else
            {
              counts[s].failed++;
              daemon_schedule_record_failure (state, &policy, "connection refused", -1, now_us, rand);
            }
          slot = state->next_poll_at / G_USEC_PER_SEC;
          if (slot < seconds)
            {
              next_in_slot[d] = slot_head[slot];
              slot_head[slot] = d;
            }
          d = following;
        }
    }

  /* Steady state: after the first day (the start-up interval is behind) and before the outage, and from
   * twelve hours after the outage (the longest backoff window has passed twice) to the end. The recovery
   * window is the twelve hours after the eIM is back. */
  window_figures (counts, 86400, outage_start, &before);
  window_figures (counts, MIN (outage_end + 12 * 3600, seconds), seconds, &after_steady);
  window_figures (counts, outage_end, MIN (outage_end + 12 * 3600, seconds), &recovery);

  g_print ("fleet: %u devices, %u days, Interval=%" G_GINT64_FORMAT "s Jitter=%" G_GINT64_FORMAT
           "s BackoffInitial=%" G_GINT64_FORMAT "s BackoffMax=%" G_GINT64_FORMAT "s, eIM down %.1fh from hour %.1f\n",
           options.devices, options.days, policy.interval_us / G_USEC_PER_SEC, policy.jitter_us / G_USEC_PER_SEC,
           policy.backoff_initial_us / G_USEC_PER_SEC, policy.backoff_max_us / G_USEC_PER_SEC,
           options.outage_hours, options.outage_start_h);
  g_print ("polls simulated: %" G_GUINT64_FORMAT " in %.1f s\n", polls,
           (g_get_monotonic_time () - started) / 1e6);
  g_print ("steady state before the outage: mean %.1f req/s, peak second %" G_GUINT64_FORMAT
           " (%.2fx), peak minute %" G_GUINT64_FORMAT " (%.3fx the mean minute)\n",
           before.mean_per_s, before.peak_per_s, before.peak_per_s / before.mean_per_s, before.peak_per_min,
           before.peak_per_min / before.mean_per_min);
  if (after_steady.mean_per_s > 0)
    g_print ("steady state after recovery: mean %.1f req/s, peak second %" G_GUINT64_FORMAT
             " (%.2fx), peak minute %" G_GUINT64_FORMAT " (%.3fx the mean minute)\n",
             after_steady.mean_per_s, after_steady.peak_per_s, after_steady.peak_per_s / after_steady.mean_per_s,
             after_steady.peak_per_min, after_steady.peak_per_min / after_steady.mean_per_min);
  {
    WindowFigures outage;
    window_figures (counts, outage_start, outage_end, &outage);
    g_print ("during the outage: mean %.1f attempts/s, peak second %" G_GUINT64_FORMAT " (%.2fx the steady mean)\n",
             outage.mean_per_s, outage.peak_per_s, outage.peak_per_s / before.mean_per_s);
  }
  g_print ("12 h after the outage: mean %.1f req/s, peak second %" G_GUINT64_FORMAT
           " (%.2fx the steady mean), peak minute %" G_GUINT64_FORMAT " (%.2fx the steady mean minute)\n",
           recovery.mean_per_s, recovery.peak_per_s, recovery.peak_per_s / before.mean_per_s,
           recovery.peak_per_min, recovery.peak_per_min / before.mean_per_min);

  if (options.series_path != NULL)
    {
      g_autoptr(GError) error = NULL;
      if (!write_series (options.series_path, counts, seconds, &error))
        {
          g_printerr ("bench-fleet: %s\n", error->message);
          return 1;
        }
    }

  for (guint32 d = 0; d < options.devices; d++)
    daemon_schedule_state_clear (&devices[d]);
  g_free (devices);
  g_free (slot_head);
  g_free (next_in_slot);
  g_free (counts);
  return 0;
}
