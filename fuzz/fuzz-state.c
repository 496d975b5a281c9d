/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the small state files the daemon reads back at start: the poll schedule
 * (daemon_schedule_state_from_bytes), the per-eIM flags (daemon_eim_flags_parse) and the package history
 * (daemon_store_parse_history). Every input goes through all three. What they read must write back to text
 * that reads to the same values, and a schedule read from disk must, once sanitized, never park the next poll
 * beyond what the policy can produce. */
#include "config.h"

#include "daemon/daemon-config.h"
#include "daemon/daemon-eim-flags.h"
#include "daemon/daemon-schedule.h"
#include "daemon/daemon-store.h"
#include "fuzz/fuzz-common.h"

#define NOW_US G_GINT64_CONSTANT (1764700000000000)

static DaemonSchedulePolicy policy;

static void
run_schedule (const guint8 *data, gsize size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  DaemonScheduleState state;

  daemon_schedule_state_init (&state);
  if (!daemon_schedule_state_from_bytes (&state, bytes, &error))
    FUZZ_CHECK (error != NULL && error->message[0] != '\0');
  else
    {
      g_autoptr(GBytes) written = daemon_schedule_state_to_bytes (&state);
      g_autoptr(GError) error_again = NULL;
      DaemonScheduleState again;

      daemon_schedule_state_init (&again);
      FUZZ_CHECK (daemon_schedule_state_from_bytes (&again, written, &error_again));
      FUZZ_CHECK (again.next_poll_at == state.next_poll_at && again.failures == state.failures &&
                  again.last_poll_at == state.last_poll_at && again.last_success_at == state.last_success_at &&
                  g_strcmp0 (again.last_error, state.last_error) == 0);
      daemon_schedule_state_clear (&again);

      daemon_schedule_state_sanitize (&state, &policy, NOW_US);
      FUZZ_CHECK (daemon_schedule_next_poll (&state, NOW_US) >= NOW_US);
      FUZZ_CHECK (daemon_schedule_next_poll (&state, NOW_US) - NOW_US <=
                  policy.backoff_max_us + policy.interval_us * 3 / 2 + policy.jitter_us);
    }
  daemon_schedule_state_clear (&state);
}

static void
run_eim_flags (const guint8 *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) flags = daemon_eim_flags_parse ((const gchar *) data, size, &error);
  GHashTableIter iter;
  gpointer key, value;

  FUZZ_CHECK_REFUSAL (flags, error);
  if (flags == NULL)
    return;
  {
    g_autoptr(GBytes) written = daemon_eim_flags_to_bytes (flags);
    g_autoptr(GError) error_again = NULL;
    g_autoptr(GHashTable) again = daemon_eim_flags_parse (g_bytes_get_data (written, NULL),
                                                          g_bytes_get_size (written), &error_again);

    FUZZ_CHECK (again != NULL);
    g_hash_table_iter_init (&iter, flags);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        const DaemonEimFlags *entry = value;
        const DaemonEimFlags *entry_again = g_hash_table_lookup (again, key);

        FUZZ_CHECK (entry->cause >= 0 && entry->cause <= 127);
        if (entry->notify)
          FUZZ_CHECK (entry_again != NULL && entry_again->notify && entry_again->cause == entry->cause);
        else
          FUZZ_CHECK (entry_again == NULL);
      }
  }
}

static void
run_history (const guint8 *data, gsize size, guint history_size)
{
  g_autoptr(GPtrArray) history = daemon_store_parse_history ((const gchar *) data, size, "fuzz", history_size);

  FUZZ_CHECK (history->len <= MAX (history_size, 1));
  for (guint i = 0; i < history->len; i++)
    {
      const DaemonHistoryEntry *entry = g_ptr_array_index (history, i);

      FUZZ_CHECK (entry->operation != NULL && entry->result != NULL && entry->time >= 0);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  run_schedule (data, size);
  run_eim_flags (data, size);
  run_history (data, size, DAEMON_STORE_DEFAULT_HISTORY_SIZE);
  run_history (data, size, 0);
  return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr(DaemonConfig) config = daemon_config_new_default ();

  fuzz_setup_logging ();
  daemon_schedule_policy_from_config (&policy, config);
  return 0;
}
