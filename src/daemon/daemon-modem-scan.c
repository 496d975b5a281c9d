/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

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
