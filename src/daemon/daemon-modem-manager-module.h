/* SPDX-License-Identifier: Apache-2.0 */
/* The ModemManager client (daemon-modem-manager.c) lives in a module loaded on first use
 * ($(pkglibdir)/modules/modem-manager.so, euiccd-module.h): only `[Card] Device=auto` needs it, so a device
 * configured with its port never maps it. The daemon links daemon-modem-manager-module.c, whose
 * daemon_modem_manager_*() load the module and call it; the library and the unit tests keep the code itself. */
#pragma once

#include "daemon/daemon-modem-manager.h"
#include "euiccd-module.h"

G_BEGIN_DECLS

typedef struct {
  EuiccdModuleHeader header;         /* shares no structure with the daemon: sizes 0 */
  DaemonModemManager *(*new_client) (GMainContext *context, DaemonModemManagerChangedFunc changed,
                                     gpointer user_data);
  void (*free_client) (DaemonModemManager *manager);
  gchar *(*resolve) (DaemonModemManager *manager, guint *ret_slot, GError **error);
  void (*inhibit) (DaemonModemManager *manager);
  void (*release) (DaemonModemManager *manager, gboolean card_changed);
} DaemonModemManagerModule;

#define DAEMON_MODEM_MANAGER_MODULE_SYMBOL "daemon_modem_manager_module"
#define DAEMON_MODEM_MANAGER_MODULE_NAME "modem-manager"

G_END_DECLS
