/* SPDX-License-Identifier: Apache-2.0 */
/* `[Card] Device=auto` without ModemManager: the modem ports in /dev (cdc-wdm*), told apart by the kernel
 * driver bound to each (sysfs class usbmisc): qmi_wwan speaks QMI, cdc_mbim speaks MBIM. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Test-only: directories standing in for /dev and /sys (tests/dbus/test-dbus-modem-scan.sh); never set them
 * on a device. */
#define DAEMON_MODEM_SCAN_DEV_ENV "EUICCD_TEST_DEV_DIR"
#define DAEMON_MODEM_SCAN_SYSFS_ENV "EUICCD_TEST_SYSFS_DIR"

/* /dev, or $EUICCD_TEST_DEV_DIR. */
const gchar *daemon_modem_scan_dev_dir (void);
/* /sys, or $EUICCD_TEST_SYSFS_DIR. */
const gchar *daemon_modem_scan_sysfs_dir (void);

/* "qmi" or "mbim" for the kernel driver of a cdc-wdm port, NULL for any other. */
const gchar *daemon_modem_scan_transport_for_driver (const gchar *driver);

/* The device URI ("qmi:PATH" or "mbim:PATH") of the cdc-wdm* port in `dev_directory` that sorts first among
 * those with a QMI or MBIM driver in `sysfs_directory`. A port whose driver sysfs does not name is taken as
 * QMI (a kernel without sysfs, a container), with a log line saying so. */
gchar *daemon_modem_scan_find_port (const gchar *dev_directory, const gchar *sysfs_directory, GError **error);

/* The device URI of the cdc-wdm* port in `dev_directory` that belongs to the USB device `uid` (a sysfs device
 * path such as "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1", ModemManager's Device property; "/sys" stands
 * for `sysfs_directory`) and has a QMI or MBIM driver: where a module renumbered by USB re-enumeration
 * (cdc-wdm0 back as cdc-wdm1) is now. NULL with EUICCD_ERROR_NOT_FOUND when it has none now. */
gchar *daemon_modem_scan_find_port_of (const gchar *dev_directory, const gchar *sysfs_directory, const gchar *uid,
                                       GError **error);

G_END_DECLS
