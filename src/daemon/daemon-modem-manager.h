/* SPDX-License-Identifier: Apache-2.0 */
/* `[Card] Device=auto` through ModemManager (org.freedesktop.ModemManager1 on the system bus): which port of
 * which modem reaches the eUICC (the modem's QMI or MBIM port, its primary SIM slot), followed as modems come
 * and go; and ModemManager kept off the modem while the eUICC switches profiles.
 *
 * The client lives on the main loop and never blocks it: it watches ModemManager's name and its
 * ObjectManager signals and keeps a snapshot of the chosen port. The poll worker reads that snapshot. Without
 * ModemManager on the bus, or when it answers oddly, the choice falls back to the /dev/cdc-wdm* scan
 * (daemon-modem-scan.h) with a log line saying why. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DAEMON_MODEM_MANAGER_NAME "org.freedesktop.ModemManager1"

typedef struct _DaemonModemManager DaemonModemManager;

/* Called in the main context when ModemManager names another port than before (a modem appeared, or came
 * back at another path). */
typedef void (*DaemonModemManagerChangedFunc) (DaemonModemManager *manager, const gchar *device, gpointer user_data);

/* Connects to the system bus asynchronously in `context`. */
DaemonModemManager *daemon_modem_manager_new (GMainContext *context, DaemonModemManagerChangedFunc changed,
                                              gpointer user_data);
void daemon_modem_manager_free (DaemonModemManager *manager);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonModemManager, daemon_modem_manager_free)

/* From any thread (the poll worker): the device URI for Device=auto and, in *ret_slot, ModemManager's primary
 * SIM slot (0 when it names none: the configured slot applies). Waits at most a few seconds, once, for the
 * first answer from the bus; then falls back to the scan. */
gchar *daemon_modem_manager_resolve (DaemonModemManager *manager, guint *ret_slot, GError **error);

/* From the worker, before the eUICC switches profiles or installs one: asks ModemManager to let go of the modem
 * the device came from. Does nothing when it did not come from ModemManager or is inhibited already. */
void daemon_modem_manager_inhibit (DaemonModemManager *manager);
/* From the poll worker once the port is closed: lifts the inhibition. `card_changed`: the enabled profile
 * may have changed, so ModemManager must read the SIM again (see the .c for how). */
void daemon_modem_manager_release (DaemonModemManager *manager, gboolean card_changed);

G_END_DECLS
