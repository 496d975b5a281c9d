/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon-modem-scan.h"
#include "euiccd-error.h"

const gchar *
daemon_modem_scan_dev_dir (void)
{
  const gchar *dir = g_getenv (DAEMON_MODEM_SCAN_DEV_ENV);
  return dir != NULL && dir[0] != '\0' ? dir : "/dev";
}

const gchar *
daemon_modem_scan_sysfs_dir (void)
{
  const gchar *dir = g_getenv (DAEMON_MODEM_SCAN_SYSFS_ENV);
  return dir != NULL && dir[0] != '\0' ? dir : "/sys";
}

const gchar *
daemon_modem_scan_transport_for_driver (const gchar *driver)
{
  if (g_strcmp0 (driver, "qmi_wwan") == 0)
    return "qmi";
  if (g_strcmp0 (driver, "cdc_mbim") == 0)
    return "mbim";
  return NULL;
}

/* The name of the driver bound to /sys/class/usbmisc/NAME/device, NULL when sysfs does not say. */
static gchar *
read_driver (const gchar *sysfs_directory, const gchar *name)
{
  g_autofree gchar *link = g_build_filename (sysfs_directory, "class", "usbmisc", name, "device", "driver", NULL);
  g_autofree gchar *target = g_file_read_link (link, NULL);

  return target != NULL ? g_path_get_basename (target) : NULL;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

gchar *
daemon_modem_scan_find_port (const gchar *dev_directory, const gchar *sysfs_directory, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open (dev_directory, 0, error);
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GString) skipped = g_string_new (NULL);
  const gchar *name;

  if (dir == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "cdc-wdm"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const gchar *port = g_ptr_array_index (names, i);
      g_autofree gchar *driver = read_driver (sysfs_directory, port);
      const gchar *transport = daemon_modem_scan_transport_for_driver (driver);

      if (driver == NULL)
        {
          g_message ("Device=auto: %s/class/usbmisc/%s names no driver: %s taken as QMI", sysfs_directory, port, port);
          return g_strdup_printf ("qmi:%s/%s", dev_directory, port);
        }
      if (transport != NULL)
        {
          g_message ("Device=auto: %s/%s is driven by %s: %s", dev_directory, port, driver, transport);
          return g_strdup_printf ("%s:%s/%s", transport, dev_directory, port);
        }
      g_string_append_printf (skipped, "%s%s (%s)", skipped->len > 0 ? ", " : "", port, driver);
    }
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND,
               "[Card] Device=auto: no %s/cdc-wdm* port with a QMI (qmi_wwan) or MBIM (cdc_mbim) driver%s%s; set "
               "Device= to qmi:, mbim:, pcsc: or at:", dev_directory, skipped->len > 0 ? ", only " : "", skipped->str);
  return NULL;
}

/* The canonical form of a path, NULL when it does not exist. */
static gchar *
canonical_path (const gchar *path)
{
  char resolved[PATH_MAX];

  return realpath (path, resolved) != NULL ? g_strdup (resolved) : NULL;
}

gchar *
daemon_modem_scan_find_port_of (const gchar *dev_directory, const gchar *sysfs_directory, const gchar *uid,
                                GError **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree gchar *uid_in_sysfs = NULL;
  g_autofree gchar *modem = NULL;
  const gchar *name;

  uid_in_sysfs = g_str_has_prefix (uid, "/sys/") ? g_build_filename (sysfs_directory, uid + 5, NULL) : g_strdup (uid);
  modem = canonical_path (uid_in_sysfs);
  if (modem == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "the modem %s is not in %s", uid, sysfs_directory);
      return NULL;
    }
  dir = g_dir_open (dev_directory, 0, error);
  if (dir == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "cdc-wdm"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const gchar *port = g_ptr_array_index (names, i);
      g_autofree gchar *link = g_build_filename (sysfs_directory, "class", "usbmisc", port, "device", NULL);
      g_autofree gchar *interface = canonical_path (link);
      g_autofree gchar *driver = NULL;
      const gchar *transport;

      /* The port's USB interface lies under the modem's USB device. */
      if (interface == NULL || !g_str_has_prefix (interface, modem) || interface[strlen (modem)] != '/')
        continue;
      driver = read_driver (sysfs_directory, port);
      transport = daemon_modem_scan_transport_for_driver (driver);
      if (transport != NULL)
        return g_strdup_printf ("%s:%s/%s", transport, dev_directory, port);
    }
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "no %s/cdc-wdm* port of the modem %s now",
               dev_directory, uid);
  return NULL;
}
