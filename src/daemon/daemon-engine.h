/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's engine: what the eUICC holds (EID, eIM configurations), when to poll, and the polls
 * themselves. The main loop owns the engine and its timer; a poll runs in a worker thread (the eUICC is a
 * single resource, so there is never more than one), written as straight-line blocking code, and reports
 * back to the main loop when it ends. */
#pragma once

#include <glib.h>

#include "daemon/daemon-card.h"
#include "daemon/daemon-config.h"
#include "daemon/daemon-modem-manager.h"
#include "daemon/daemon-download.h"
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

/* Called in the main context when a poll (or a refresh) ends; `error` is NULL on success. When the engine is
 * freed before the job ran, it is called with an error saying the daemon is stopping. */
typedef void (*DaemonPollDoneFunc) (DaemonEngine *engine, const GError *error, gpointer user_data);

/* Called in the main context when AddInitialEim ends. `association_token` is meaningful when
 * `has_association_token`. */
typedef void (*DaemonAddInitialEimDoneFunc) (DaemonEngine *engine, gboolean has_association_token,
                                             gint64 association_token, const GError *error, gpointer user_data);

/* Called in the main context when a Download ends: `outcome` when the eUICC gave a result (installed or its
 * refusal), else `error`. */
typedef void (*DaemonDownloadDoneFunc) (DaemonEngine *engine, const DaemonDownloadOutcome *outcome,
                                        const GError *error, gpointer user_data);

/* What the main loop hears from the engine; every call is made in the engine's main context. */
typedef struct {
  /* State, LastPoll, NextPoll or LastError may have changed: read them again. */
  void (*changed) (DaemonEngine *engine, gpointer user_data);
  /* A read of the eUICC found `facts` (NULL: the eUICC could not be reached). */
  void (*card_changed) (DaemonEngine *engine, DaemonCardFacts *facts, gpointer user_data);
  /* An eIM package finished (already in the history). */
  void (*package_finished) (DaemonEngine *engine, const DaemonHistoryEntry *entry, gpointer user_data);
  /* A profile download (asked for over D-Bus or triggered by an eIM) moved on. */
  void (*download_progress) (DaemonEngine *engine, const DaemonDownloadProgress *progress, gpointer user_data);
} DaemonEngineListener;

DaemonEngine *daemon_engine_new (DaemonConfig *config, DaemonStore *store, GMainContext *context, GError **error);
void daemon_engine_free (DaemonEngine *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonEngine, daemon_engine_free)

/* `listener` is copied; set it before daemon_engine_start(). */
void daemon_engine_set_listener (DaemonEngine *engine, const DaemonEngineListener *listener, gpointer user_data);
/* Also read EUICCInfo2 and the profiles, at start and whenever a package changed them (the D-Bus objects show
 * them). An idle poll still reads nothing. Set it before daemon_engine_start(). */
void daemon_engine_set_read_card_details (DaemonEngine *engine, gboolean read_details);

/* Device=auto asks `manager` for the port, and ModemManager is kept off the modem while an eIM package may
 * switch profiles (daemon-modem-manager.h). `manager` must outlive the engine; set it before
 * daemon_engine_start(). */
void daemon_engine_set_modem_manager (DaemonEngine *engine, DaemonModemManager *manager);
/* Arms the timer for the first poll (now when PollOnStart, else the persisted time); with card details on,
 * reads the eUICC first. */
void daemon_engine_start (DaemonEngine *engine);
/* Starts a poll now unless one is running or waiting (then that one counts). `done` is called when it ends.
 * The eUICC is one resource: polls, refreshes and AddInitialEim run one after the other in the worker. */
void daemon_engine_poll_now (DaemonEngine *engine, DaemonPollDoneFunc done, gpointer user_data);
/* Reads the eUICC again (EID, EUICCInfo2, eIM configurations, profiles) after what is running now. */
void daemon_engine_refresh (DaemonEngine *engine, DaemonPollDoneFunc done, gpointer user_data);
/* Runs ES10b.AddInitialEim with `eim` (taken) and reads the eIM configurations again. The eUICC's refusal is an
 * EUICCD_ERROR_CARD error naming its code. */
void daemon_engine_add_initial_eim (DaemonEngine *engine, Es10EimConfiguration *eim, DaemonAddInitialEimDoneFunc done,
                                    gpointer user_data);
/* Runs ES10b.IpaeActivation (activate or deactivate the eUICC's own IPA) and reads the eUICC again. An eUICC
 * without an IPAe gives EUICCD_ERROR_NOT_SUPPORTED. */
void daemon_engine_set_ipae_active (DaemonEngine *engine, gboolean activate, DaemonPollDoneFunc done,
                                    gpointer user_data);
/* Runs an ES10b switch the IPA asks for itself (ExecuteFallbackMechanism, ReturnFromFallback, Enable/
 * DisableEmergencyProfile) with refreshFlag, reads the eUICC again and has every eIM told at its next poll
 * (notifyStateChange, stateChangeCause fallback or emergencyProfile). The eUICC's refusal is an EUICCD_ERROR_CARD
 * naming its code. */
void daemon_engine_switch_profile (DaemonEngine *engine, Es10Switch which, DaemonPollDoneFunc done,
                                   gpointer user_data);
/* Runs ES10c SetNickname (validate `iccid` and `nickname` first: es10_set_nickname_encode) and reads the profiles
 * again. iccidNotFound and undefinedError are EUICCD_ERROR_CARD naming the code; an eUICC that does not know the
 * function (an SGP.32 IoT eUICC) gives EUICCD_ERROR_NOT_SUPPORTED. */
void daemon_engine_set_nickname (DaemonEngine *engine, const gchar *iccid, const gchar *nickname,
                                 DaemonPollDoneFunc done, gpointer user_data);
/* What the last read found about the card's kind; *ret_problem (to free) says why euiccd cannot manage it, NULL
 * when it can. */
DaemonCardSupport daemon_engine_get_card_support (DaemonEngine *engine, gchar **ret_problem);
/* Downloads a profile (`request` taken) through the eIM, after what is running now. */
void daemon_engine_download (DaemonEngine *engine, DaemonDownloadRequest *request, DaemonDownloadDoneFunc done,
                             gpointer user_data);
/* The download in progress, or how the last one ended. */
const DaemonDownloadProgress *daemon_engine_get_download_progress (const DaemonEngine *engine);
/* The last `count` eIM package outcomes (0: all kept), oldest first (DaemonHistoryEntry). */
GPtrArray *daemon_engine_get_history (DaemonEngine *engine, guint count);
/* eIM packages handled by the last poll that finished. */
guint daemon_engine_get_last_poll_packages (const DaemonEngine *engine);
/* What the last read of the eUICC found, as the main loop knows it; NULL when not read or unreachable. */
DaemonCardFacts *daemon_engine_get_card_facts (const DaemonEngine *engine);
DaemonState daemon_engine_get_state (const DaemonEngine *engine);
/* Wall-clock µs, 0 when none. */
gint64 daemon_engine_get_next_poll (const DaemonEngine *engine);
gint64 daemon_engine_get_last_poll (const DaemonEngine *engine);
const gchar *daemon_engine_get_last_error (const DaemonEngine *engine);

/* Distinct undecodable entries of the eUICC's lists left out since start (each reported once). */
guint daemon_engine_get_skipped_items (DaemonEngine *engine);
/* What the last failed write to the state directory said, NULL when the last poll's writes all got through. */
gchar *daemon_engine_dup_storage_problem (DaemonEngine *engine);
/* The dead letters, oldest first (DaemonDeadLetter, daemon-dead-letter.h). */
GPtrArray *daemon_engine_list_dead_letters (DaemonEngine *engine, GError **error);
/* Drops one (recorded in the history); EUICCD_ERROR_NOT_FOUND when there is no such id. */
gboolean daemon_engine_drop_dead_letter (DaemonEngine *engine, const gchar *id, GError **error);

/* APDUs sent and logical channels opened since start (benchmarks and tests). */
void daemon_engine_get_card_counters (DaemonEngine *engine, guint *ret_apdus, guint *ret_channel_opens);

/* HTTPS counters since start (benchmarks and tests). */
void daemon_engine_get_https_stats (DaemonEngine *engine, HttpsStats *ret_stats);

/* Runs one poll in the calling thread (for `euiccd --once`); the timer is not involved. */
gboolean daemon_engine_poll_blocking (DaemonEngine *engine, GError **error);

G_END_DECLS
