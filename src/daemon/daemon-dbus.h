/* SPDX-License-Identifier: Apache-2.0 */
/* euiccd on the bus: the name org.euiccd.Euiccd1, the manager object /org/euiccd/Euiccd1 (interface
 * org.euiccd.Euiccd1 and the ObjectManager) and, through DaemonDbusCard, the eUICC and profile objects. The
 * methods check the caller first (root or [Daemon] AdminGroup) and then hand the work to the engine; replies
 * go out when the engine's job ends. Everything here runs in the main context. */
#pragma once

#include <gio/gio.h>

#include "daemon/daemon-config.h"
#include "daemon/daemon-dead-letter.h"
#include "daemon/daemon-engine.h"

G_BEGIN_DECLS

#define DAEMON_DBUS_NAME "org.euiccd.Euiccd1"

/* --bus system|session|none */
typedef enum {
  DAEMON_BUS_SYSTEM,
  DAEMON_BUS_SESSION,
  DAEMON_BUS_NONE,
} DaemonBus;

gboolean daemon_bus_from_string (const gchar *text, DaemonBus *ret_bus);

typedef struct _DaemonDbus DaemonDbus;

typedef struct {
  /* The name is ours: the service is reachable. */
  void (*name_acquired) (gpointer user_data);
  /* The name could not be had or was lost (or the bus went away); `message` says which. */
  void (*name_lost) (const gchar *message, gpointer user_data);
} DaemonDbusCallbacks;

/* Connects to `bus` (DBUS_SYSTEM_BUS_ADDRESS / DBUS_SESSION_BUS_ADDRESS are honoured), exports the objects and
 * asks for the name; the callbacks say how that went. `engine` and `config` must outlive the service. Fails
 * when the bus cannot be reached. */
DaemonDbus *daemon_dbus_new (DaemonEngine *engine, const DaemonConfig *config, DaemonBus bus,
                             const DaemonDbusCallbacks *callbacks, gpointer user_data, GError **error);
void daemon_dbus_free (DaemonDbus *dbus);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonDbus, daemon_dbus_free)

/* What the engine's listener tells: the properties are read again, the objects follow the card, the signal
 * goes out. */
void daemon_dbus_sync_state (DaemonDbus *dbus);
void daemon_dbus_sync_card (DaemonDbus *dbus, DaemonCardFacts *facts);
void daemon_dbus_emit_package_finished (DaemonDbus *dbus, const DaemonHistoryEntry *entry);
/* The Download property and the DownloadProgress signal. */
void daemon_dbus_emit_download_progress (DaemonDbus *dbus, const DaemonDownloadProgress *progress);

/* A history entry as the a{sv} of GetHistory and PackageFinished (floating reference). */
GVariant *daemon_dbus_history_entry_to_variant (const DaemonHistoryEntry *entry);
/* One entry of the DeadLetters property: id, time, eimId, transactionId, kind, reason, size. */
GVariant *daemon_dbus_dead_letter_to_variant (const DaemonDeadLetter *letter);
/* The AddInitialEim argument as an eIM configuration; EUICCD_ERROR_INVALID_ARGS naming the key at fault. */
Es10EimConfiguration *daemon_dbus_eim_from_variant (GVariant *dict, GError **error);

G_END_DECLS
