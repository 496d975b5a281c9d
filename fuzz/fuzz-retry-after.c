/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the eIM's Retry-After header (https_parse_retry_after() in src/net/https-client.c:
 * delta-seconds or an HTTP-date) and the backoff it feeds (src/daemon/daemon-schedule.c).
 *
 * Input layout: 8 bytes of "now" (Unix seconds, big-endian, kept within the years 1970..10000), one byte of
 * backoff attempt, then the header value. The parsed delay must be "none" (-1) or 0..7 days, and the next
 * poll it leads to must come between the minimum delay and BackoffMax, honouring the Retry-After up to that
 * cap, whatever the header said. */
#include "config.h"

#include "daemon/daemon-config.h"
#include "daemon/daemon-schedule.h"
#include "fuzz/fuzz-common.h"
#include "net/https-client.h"

#define RETRY_AFTER_MAX_S (7 * 24 * 3600)
#define NOW_MAX_S G_GINT64_CONSTANT (253402300799) /* 9999-12-31T23:59:59Z */

static DaemonSchedulePolicy policy;
static GRand *rand_source;

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree gchar *value = NULL;
  guint64 now = 0;
  guint attempt;
  gint64 retry_after_s;
  gint64 delay;

  if (size < 9)
    return 0;
  for (gsize i = 0; i < 8; i++)
    now = now << 8 | data[i];
  now %= (guint64) NOW_MAX_S;
  attempt = data[8];
  value = g_strndup ((const gchar *) data + 9, size - 9);

  retry_after_s = https_parse_retry_after (value, (gint64) now);
  FUZZ_CHECK (retry_after_s == -1 || (retry_after_s >= 0 && retry_after_s <= RETRY_AFTER_MAX_S));

  delay = daemon_schedule_backoff_delay (&policy, attempt, retry_after_s >= 0 ? retry_after_s * G_USEC_PER_SEC : -1,
                                         rand_source);
  FUZZ_CHECK (delay >= DAEMON_SCHEDULE_MIN_DELAY_US && delay <= policy.backoff_max_us);
  if (retry_after_s >= 0)
    FUZZ_CHECK (delay >= MIN (retry_after_s * G_USEC_PER_SEC, policy.backoff_max_us));
  return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr(DaemonConfig) config = daemon_config_new_default ();

  fuzz_setup_logging ();
  daemon_schedule_policy_from_config (&policy, config);
  rand_source = g_rand_new_with_seed (42);
  return 0;
}
