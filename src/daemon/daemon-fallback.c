/* SPDX-License-Identifier: Apache-2.0 */
/* When to run ExecuteFallbackMechanism and ReturnFromFallback by itself, and the state kept across restarts. */
#include "config.h"

#include <string.h>

#include "daemon/daemon-fallback.h"
#include "euiccd-error.h"

void
daemon_fallback_init (DaemonFallback *fallback, gboolean active, gint64 now_us)
{
  *fallback = (DaemonFallback) { .last_reached_us = now_us, .active = active, .since_us = now_us };
}

DaemonFallbackAction
daemon_fallback_before_poll (const DaemonFallback *fallback, const DaemonFallbackPolicy *policy, gint64 now_us)
{
  if (fallback->active && !fallback->trying_original && now_us - fallback->since_us >= policy->retry_us)
    return DAEMON_FALLBACK_RETURN;
  return DAEMON_FALLBACK_NOTHING;
}

DaemonFallbackAction
daemon_fallback_after_poll (DaemonFallback *fallback, const DaemonFallbackPolicy *policy, gboolean reached,
                            gint64 now_us)
{
  if (reached)
    {
      fallback->last_reached_us = now_us;
      if (fallback->trying_original)
        {
          /* The original profile works again: the fallback is over. */
          fallback->trying_original = FALSE;
          fallback->active = FALSE;
        }
      return DAEMON_FALLBACK_NOTHING;
    }
  if (fallback->trying_original)
    /* The module needs time to attach with the original profile before it counts as without coverage. */
    return now_us - fallback->returned_us >= policy->attach_us ? DAEMON_FALLBACK_EXECUTE : DAEMON_FALLBACK_NOTHING;
  if (!fallback->active && policy->after_us > 0 && now_us - fallback->last_reached_us >= policy->after_us)
    return DAEMON_FALLBACK_EXECUTE;
  return DAEMON_FALLBACK_NOTHING;
}

void
daemon_fallback_switched (DaemonFallback *fallback, gboolean execute, gboolean done, gint64 now_us)
{
  if (execute)
    {
      if (done)
        {
          fallback->active = TRUE;
          fallback->since_us = now_us;
        }
      else
        /* Refused (no fallback profile, ...): counting starts again, so it is not asked at every poll. */
        fallback->last_reached_us = now_us;
      fallback->trying_original = FALSE;
      return;
    }
  if (done)
    {
      fallback->trying_original = TRUE;
      fallback->returned_us = now_us;
    }
  else
    daemon_fallback_forget (fallback);
}

void
daemon_fallback_forget (DaemonFallback *fallback)
{
  fallback->active = FALSE;
  fallback->trying_original = FALSE;
}

GBytes *
daemon_fallback_to_bytes (const DaemonFallback *fallback)
{
  gchar *text = g_strdup_printf ("[Fallback]\nActive=%s\n", fallback->active ? "true" : "false");

  return g_bytes_new_take (text, strlen (text));
}

gboolean
daemon_fallback_parse (GBytes *bytes, gboolean *ret_active, GError **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  gsize length;
  const gchar *data = g_bytes_get_data (bytes, &length);

  if (!g_key_file_load_from_data (key_file, data != NULL ? data : "", length, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %s", DAEMON_FALLBACK_FILE,
                   local_error->message);
      return FALSE;
    }
  *ret_active = g_key_file_get_boolean (key_file, "Fallback", "Active", &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: [Fallback] Active: %s", DAEMON_FALLBACK_FILE,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}
