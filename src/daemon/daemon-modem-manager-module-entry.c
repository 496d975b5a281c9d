/* SPDX-License-Identifier: Apache-2.0 */
/* The descriptor the ModemManager client's module exports (daemon-modem-manager-module.h); everything else in it
 * is local. */
#include "config.h"

#include "daemon/daemon-modem-manager-module.h"

extern const DaemonModemManagerModule daemon_modem_manager_module;

const DaemonModemManagerModule daemon_modem_manager_module = {
  .header = { PACKAGE_VERSION, { 0 } },
  .new_client = daemon_modem_manager_new,
  .free_client = daemon_modem_manager_free,
  .resolve = daemon_modem_manager_resolve,
  .inhibit = daemon_modem_manager_inhibit,
  .release = daemon_modem_manager_release,
};
