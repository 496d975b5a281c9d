/* SPDX-License-Identifier: Apache-2.0 */
/* Blocking calls on top of GLib-async libraries (libqmi, libmbim). Each backend owns one private
 * GMainContext; it is made the thread default while a device is created and while each call runs, so the
 * library's I/O and completions are dispatched there and nowhere else (not in the daemon's main loop,
 * which may be blocked in the very procedure that is waiting). Every wait has a deadline.
 *
 *   g_autoptr(CardGlibCall) call = card_glib_call_begin (wait);
 *   qmi_device_command_full (device, message, NULL, seconds, card_glib_call_get_cancellable (call),
 *                            card_glib_call_ready, card_glib_call_ref (call));
 *   result = card_glib_call_finish (call, timeout_ms, "Send APDU", error);
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CardGlibWait CardGlibWait;
typedef struct _CardGlibCall CardGlibCall;

CardGlibWait *card_glib_wait_new (void);
void card_glib_wait_free (CardGlibWait *wait);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CardGlibWait, card_glib_wait_free)

GMainContext *card_glib_wait_get_context (CardGlibWait *wait);

/* Make the private context the thread default (for creating a device, whose I/O sources attach to the
 * context current at creation) and undo it. Calls nest like g_main_context_push_thread_default(). */
void card_glib_wait_push (CardGlibWait *wait);
void card_glib_wait_pop (CardGlibWait *wait);

/* Marks the device as gone (hangup, "device-removed"): the call being waited for and every later call
 * fail at once with EUICCD_ERROR_TRANSPORT naming `reason` instead of running into their timeout. */
void card_glib_wait_set_gone (CardGlibWait *wait, const gchar *reason);
gboolean card_glib_wait_is_gone (CardGlibWait *wait);

/* Starts one call: pushes the context. Pass card_glib_call_ready with card_glib_call_ref(call) as the
 * library's callback and user data. */
CardGlibCall *card_glib_call_begin (CardGlibWait *wait);
CardGlibCall *card_glib_call_ref (CardGlibCall *call);
void card_glib_call_unref (CardGlibCall *call);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CardGlibCall, card_glib_call_unref)
GCancellable *card_glib_call_get_cancellable (CardGlibCall *call);
void card_glib_call_ready (GObject *source, GAsyncResult *result, gpointer user_data);

/* Iterates the private context until the callback ran, `timeout_ms` passed (EUICCD_ERROR_TIMEOUT naming
 * `operation`) or the device went away (EUICCD_ERROR_TRANSPORT), then pops the context. On success returns
 * the GAsyncResult for the library's _finish() function (transfer full). On timeout the library call is
 * cancelled; a callback that comes later only drops its reference. */
GAsyncResult *card_glib_call_finish (CardGlibCall *call, guint timeout_ms, const gchar *operation, GError **error);

/* Library timeouts are whole seconds: a value that cannot fire before our own millisecond deadline, so the
 * error the caller sees is ours and names the operation. */
guint card_glib_timeout_seconds (guint timeout_ms);

G_END_DECLS
