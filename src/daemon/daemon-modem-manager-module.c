/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's side of the ModemManager client's module (daemon-modem-manager-module.h). Linked into the daemon
 * only, ahead of the library, so that the library's own client stays out of the program. Without the module,
 * Device=auto finds the port by the /dev/cdc-wdm* scan, as it does when ModemManager is not running. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include "daemon/daemon-modem-manager-module.h"
#include "euiccd-module.h"

static EuiccdModule module_file = {
  .name = DAEMON_MODEM_MANAGER_MODULE_NAME, .what = "The ModemManager client",
  .symbol = DAEMON_MODEM_MANAGER_MODULE_SYMBOL,
};

/* A manager exists only once the module is loaded, and the module stays: the calls on a manager need no lock. */
static const DaemonModemManagerModule *
loaded (void)
{
  return module_file.descriptor;
}

DaemonModemManager *
daemon_modem_manager_new (GMainContext *context, DaemonModemManagerChangedFunc changed, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  const DaemonModemManagerModule *module = euiccd_module_get (&module_file, &error);

  if (module == NULL)
    {
      g_warning ("%s; Device=auto finds the modem's port by scanning /dev/cdc-wdm*", error->message);
      return NULL;
    }
  return module->new_client (context, changed, user_data);
}

void
daemon_modem_manager_free (DaemonModemManager *manager)
{
  if (manager != NULL)
    loaded ()->free_client (manager);
}

gchar *
daemon_modem_manager_resolve (DaemonModemManager *manager, guint *ret_slot, GError **error)
{
  return loaded ()->resolve (manager, ret_slot, error);
}

void
daemon_modem_manager_inhibit (DaemonModemManager *manager)
{
  loaded ()->inhibit (manager);
}

void
daemon_modem_manager_release (DaemonModemManager *manager, gboolean card_changed)
{
  loaded ()->release (manager, card_changed);
}
