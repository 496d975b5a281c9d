/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's engine: what the eUICC holds (EID, eIM configurations), when to poll, and the polls
 * themselves. The main loop owns the engine and its timer; a poll runs in a worker thread (the eUICC is a
 * single resource, so there is never more than one), written as straight-line blocking code, and reports
 * back to the main loop when it ends. */
#pragma once

#include <glib.h>

#include "daemon/daemon-config.h"
#include "daemon/daemon-store.h"
#include "net/https-client.h"

G_BEGIN_DECLS

typedef enum {
  DAEMON_STATE_IDLE,
  DAEMON_STATE_POLLING,
  DAEMON_STATE_APPLYING,
  DAEMON_STATE_DOWNLOADING,
  DAEMON_STATE_BACKOFF,
  DAEMON_STATE_ERROR,
  DAEMON_STATE_NO_CARD,
} DaemonState;

const gchar *daemon_state_to_string (DaemonState state);

typedef struct _DaemonEngine DaemonEngine;

/* Called in the main context when a poll ends; `error` is NULL on success. */
typedef void (*DaemonPollDoneFunc) (DaemonEngine *engine, const GError *error, gpointer user_data);

DaemonEngine *daemon_engine_new (DaemonConfig *config, DaemonStore *store, GMainContext *context, GError **error);
void daemon_engine_free (DaemonEngine *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonEngine, daemon_engine_free)

/* Arms the timer for the first poll (now when PollOnStart, else the persisted time). */
void daemon_engine_start (DaemonEngine *engine);
/* Starts a poll now unless one is running (then the running one counts). `done` is called when it ends. */
void daemon_engine_poll_now (DaemonEngine *engine, DaemonPollDoneFunc done, gpointer user_data);
/* Forgets what is known of the card: the next poll reads EID and eIM configurations again. */
void daemon_engine_invalidate_card (DaemonEngine *engine);
gboolean daemon_engine_is_polling (const DaemonEngine *engine);
DaemonState daemon_engine_get_state (const DaemonEngine *engine);
/* Wall-clock µs, 0 when none. */
gint64 daemon_engine_get_next_poll (const DaemonEngine *engine);
gint64 daemon_engine_get_last_poll (const DaemonEngine *engine);
const gchar *daemon_engine_get_last_error (const DaemonEngine *engine);
/* The EID as hex once read, else NULL. */
const gchar *daemon_engine_get_eid (const DaemonEngine *engine);

/* APDUs sent and logical channels opened since start (benchmarks and tests). */
void daemon_engine_get_card_counters (DaemonEngine *engine, guint *ret_apdus, guint *ret_channel_opens);

/* HTTPS counters since start (benchmarks and tests). */
void daemon_engine_get_https_stats (DaemonEngine *engine, HttpsStats *ret_stats);

/* Runs one poll in the calling thread (for `euiccd --once`); the timer is not involved. */
gboolean daemon_engine_poll_blocking (DaemonEngine *engine, GError **error);

G_END_DECLS
