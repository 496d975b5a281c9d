/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <gio/gio.h>

#include "euiccd-dbus-error.h"
#include "euiccd-error.h"

/* Indexed by EuiccdError; the assertion below keeps the table complete when a code is added. */
static const gchar *const error_names[] = {
  [EUICCD_ERROR_FAILED] = EUICCD_DBUS_ERROR_PREFIX "Failed",
  [EUICCD_ERROR_INVALID_DATA] = EUICCD_DBUS_ERROR_PREFIX "InvalidData",
  [EUICCD_ERROR_INVALID_ARGS] = EUICCD_DBUS_ERROR_PREFIX "InvalidArgs",
  [EUICCD_ERROR_TRANSPORT] = EUICCD_DBUS_ERROR_PREFIX "Transport",
  [EUICCD_ERROR_CARD] = EUICCD_DBUS_ERROR_PREFIX "Card",
  [EUICCD_ERROR_TIMEOUT] = EUICCD_DBUS_ERROR_PREFIX "Timeout",
  [EUICCD_ERROR_NOT_SUPPORTED] = EUICCD_DBUS_ERROR_PREFIX "NotSupported",
  [EUICCD_ERROR_NOT_FOUND] = EUICCD_DBUS_ERROR_PREFIX "NotFound",
  [EUICCD_ERROR_NETWORK] = EUICCD_DBUS_ERROR_PREFIX "Network",
  [EUICCD_ERROR_PROTOCOL] = EUICCD_DBUS_ERROR_PREFIX "Protocol",
  [EUICCD_ERROR_ACCESS_DENIED] = EUICCD_DBUS_ERROR_PREFIX "AccessDenied",
  [EUICCD_ERROR_BUSY] = EUICCD_DBUS_ERROR_PREFIX "Busy",
  [EUICCD_ERROR_CONFIG] = EUICCD_DBUS_ERROR_PREFIX "Config",
  [EUICCD_ERROR_CHANNEL_GONE] = EUICCD_DBUS_ERROR_PREFIX "ChannelGone",
};
G_STATIC_ASSERT (G_N_ELEMENTS (error_names) == EUICCD_ERROR_CHANNEL_GONE + 1);

const gchar *
euiccd_dbus_error_name (gint code)
{
  if (code < 0 || (gsize) code >= G_N_ELEMENTS (error_names))
    return NULL;
  return error_names[code];
}

void
euiccd_dbus_error_register (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      for (gsize i = 0; i < G_N_ELEMENTS (error_names); i++)
        g_dbus_error_register_error (EUICCD_ERROR, (gint) i, error_names[i]);
      g_once_init_leave (&registered, 1);
    }
}
