/* SPDX-License-Identifier: Apache-2.0 */
/* Runs a GLib-async library call to completion on a private main context, with a deadline. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include "card/card-glib-wait.h"
#include "euiccd-error.h"

/* After cancelling a call that ran out of time, how long to keep iterating so the library can complete the
 * cancelled task and forget its transaction before the next call starts. */
#define CARD_GLIB_CANCEL_DRAIN_MS 1000

struct _CardGlibWait {
  GMainContext *context;
  gchar *gone_reason;  /* set once the device hung up or was removed */
};

struct _CardGlibCall {
  gint refs;
  CardGlibWait *wait;          /* not a reference: the call never outlives its finish() in the backend */
  GMainContext *context;       /* a reference, for a callback that arrives after finish() gave up */
  GCancellable *cancellable;
  GAsyncResult *result;
  gboolean done;
  gboolean pushed;
};

CardGlibWait *
card_glib_wait_new (void)
{
  CardGlibWait *wait = g_new0 (CardGlibWait, 1);

  wait->context = g_main_context_new ();
  return wait;
}

void
card_glib_wait_free (CardGlibWait *wait)
{
  if (wait == NULL)
    return;
  /* Let completions that are already queued (a release or close the backend did not wait for) run, so
   * their closures are freed rather than leaked with the context; bounded, in case a source keeps itself
   * ready. */
  for (guint i = 0; i < 100 && g_main_context_iteration (wait->context, FALSE); i++)
    ;
  g_main_context_unref (wait->context);
  g_free (wait->gone_reason);
  g_free (wait);
}

GMainContext *
card_glib_wait_get_context (CardGlibWait *wait)
{
  return wait->context;
}

void
card_glib_wait_push (CardGlibWait *wait)
{
  g_main_context_push_thread_default (wait->context);
}

void
card_glib_wait_pop (CardGlibWait *wait)
{
  g_main_context_pop_thread_default (wait->context);
}

void
card_glib_wait_set_gone (CardGlibWait *wait, const gchar *reason)
{
  if (wait->gone_reason != NULL)
    return;
  wait->gone_reason = g_strdup (reason != NULL ? reason : "device went away");
  /* Wake an iteration that is blocked in poll() so the waiter sees the flag now. */
  g_main_context_wakeup (wait->context);
}

gboolean
card_glib_wait_is_gone (CardGlibWait *wait)
{
  return wait->gone_reason != NULL;
}

CardGlibCall *
card_glib_call_begin (CardGlibWait *wait)
{
  CardGlibCall *call = g_new0 (CardGlibCall, 1);

  call->refs = 1;
  call->wait = wait;
  call->context = g_main_context_ref (wait->context);
  call->cancellable = g_cancellable_new ();
  g_main_context_push_thread_default (call->context);
  call->pushed = TRUE;
  return call;
}

CardGlibCall *
card_glib_call_ref (CardGlibCall *call)
{
  call->refs++;
  return call;
}

void
card_glib_call_unref (CardGlibCall *call)
{
  if (call == NULL || --call->refs > 0)
    return;
  if (call->pushed)
    g_main_context_pop_thread_default (call->context);
  g_clear_object (&call->result);
  g_clear_object (&call->cancellable);
  g_main_context_unref (call->context);
  g_free (call);
}

GCancellable *
card_glib_call_get_cancellable (CardGlibCall *call)
{
  return call->cancellable;
}

void
card_glib_call_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CardGlibCall *call = user_data;

  if (!call->done)
    {
      call->result = g_object_ref (result);
      call->done = TRUE;
    }
  card_glib_call_unref (call);
}

static gboolean
deadline_reached (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates until the call completed, the flag-setting source fired, or (when `stop_when_gone`) the device
 * went away. */
static void
iterate_until (CardGlibCall *call, guint timeout_ms, gboolean stop_when_gone)
{
  gboolean expired = FALSE;
  GSource *source = g_timeout_source_new (MAX (timeout_ms, 1));

  g_source_set_callback (source, deadline_reached, &expired, NULL);
  g_source_attach (source, call->context);
  while (!call->done && !expired && !(stop_when_gone && call->wait->gone_reason != NULL))
    g_main_context_iteration (call->context, TRUE);
  g_source_destroy (source);
  g_source_unref (source);
}

GAsyncResult *
card_glib_call_finish (CardGlibCall *call, guint timeout_ms, const gchar *operation, GError **error)
{
  g_return_val_if_fail (call->pushed, NULL);

  /* A device already known to be gone answers nothing: fail without waiting out the deadline. */
  if (!call->done)
    iterate_until (call, timeout_ms, TRUE);

  if (!call->done)
    {
      gboolean gone = call->wait->gone_reason != NULL;

      g_cancellable_cancel (call->cancellable);
      iterate_until (call, CARD_GLIB_CANCEL_DRAIN_MS, FALSE);
      g_main_context_pop_thread_default (call->context);
      call->pushed = FALSE;
      if (gone)
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s: %s", operation, call->wait->gone_reason);
      else
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TIMEOUT, "%s: no answer from the modem within %u ms",
                     operation, timeout_ms);
      return NULL;
    }

  g_main_context_pop_thread_default (call->context);
  call->pushed = FALSE;
  return g_steal_pointer (&call->result);
}

guint
card_glib_timeout_seconds (guint timeout_ms)
{
  return timeout_ms / 1000 + 2;
}
