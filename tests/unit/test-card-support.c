/* SPDX-License-Identifier: Apache-2.0 */
/* Telling cards and modem ports apart: the /dev/cdc-wdm* scan with the driver sysfs names (in temporary
 * directories standing in for /dev and /sys), the IPAe bit of the ISD-R's FCI, and ES10b.IpaeActivation's
 * bytes (hand-encoded from the SGP.32 v1.2 ASN.1: ipaeOption is [0] under automatic tags). */
#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card/es10.h"
#include "daemon/daemon-card-support.h"
#include "daemon/daemon-modem-scan.h"
#include "der/der.h"
#include "euiccd-error.h"

static gchar *root;

static void
setup (void)
{
  g_autoptr(GError) error = NULL;

  root = g_dir_make_tmp ("euiccd-scan-XXXXXX", &error);
  ck_assert_ptr_nonnull (root);
}

static void
remove_tree (const gchar *path)
{
  g_autoptr(GDir) dir = g_file_test (path, G_FILE_TEST_IS_SYMLINK) ? NULL : g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_remove (path);
}

static void
teardown (void)
{
  remove_tree (root);
  g_clear_pointer (&root, g_free);
}

/* A port in <root>/dev and, when `driver` is not NULL, its driver link in <root>/sys as the kernel makes it. */
static void
add_port (const gchar *name, const gchar *driver)
{
  g_autofree gchar *dev = g_build_filename (root, "dev", name, NULL);
  g_autofree gchar *device = g_build_filename (root, "sys", "class", "usbmisc", name, "device", NULL);
  g_autofree gchar *link = g_build_filename (device, "driver", NULL);
  g_autofree gchar *target = NULL;
  g_autofree gchar *dev_dir = g_path_get_dirname (dev);

  ck_assert_int_eq (g_mkdir_with_parents (dev_dir, 0700), 0);
  ck_assert (g_file_set_contents (dev, "", 0, NULL));
  if (driver == NULL)
    return;
  ck_assert_int_eq (g_mkdir_with_parents (device, 0700), 0);
  target = g_strconcat ("../../../../bus/usb/drivers/", driver, NULL);
  ck_assert_int_eq (symlink (target, link), 0);
}

static gchar *
scan (GError **error)
{
  g_autofree gchar *dev = g_build_filename (root, "dev", NULL);
  g_autofree gchar *sys = g_build_filename (root, "sys", NULL);

  return daemon_modem_scan_find_port (dev, sys, error);
}

START_TEST (test_scan_driver_decides_protocol)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  g_autofree gchar *expected = NULL;

  add_port ("cdc-wdm0", "option");
  add_port ("cdc-wdm1", "cdc_mbim");
  add_port ("ttyUSB0", "qmi_wwan");
  first = scan (&error);
  ck_assert_msg (first != NULL, "%s", error != NULL ? error->message : "");
  expected = g_strdup_printf ("mbim:%s/dev/cdc-wdm1", root);
  ck_assert_str_eq (first, expected);

  /* A QMI port that sorts before it wins. */
  add_port ("cdc-wdm00", "qmi_wwan");
  second = scan (&error);
  g_free (expected);
  expected = g_strdup_printf ("qmi:%s/dev/cdc-wdm00", root);
  ck_assert_str_eq (second, expected);
}
END_TEST

START_TEST (test_scan_without_sysfs_takes_qmi)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *found = NULL;
  g_autofree gchar *expected = NULL;

  add_port ("cdc-wdm3", NULL);
  found = scan (&error);
  expected = g_strdup_printf ("qmi:%s/dev/cdc-wdm3", root);
  ck_assert_str_eq (found, expected);
}
END_TEST

START_TEST (test_scan_refusal_names_other_drivers)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *found = NULL;

  add_port ("cdc-wdm0", "usb-storage");
  found = scan (&error);
  ck_assert_ptr_null (found);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND));
  ck_assert_msg (strstr (error->message, "cdc-wdm0 (usb-storage)") != NULL, "%s", error->message);
}
END_TEST

static GBytes *
hex (const gchar *text)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = der_from_hex (text, &error);

  ck_assert_msg (bytes != NULL, "%s", error != NULL ? error->message : "");
  return bytes;
}

START_TEST (test_fci_ipae_bit)
{
  /* 6F { 84 AID, E1 { 80 euiccConfiguration } }: ipaeSupported and enabledProfile; enabledProfile only; bit 0
   * in a universal BIT STRING. */
  g_autoptr(GBytes) with_ipae = hex ("6F18 8410A0000005591010FFFFFFFF8900000100 E104800206C0");
  g_autoptr(GBytes) without = hex ("6F18 8410A0000005591010FFFFFFFF8900000100 E10480020640");
  g_autoptr(GBytes) plain_bit_string = hex ("6F18 8410A0000005591010FFFFFFFF8900000100 E10403020780");
  g_autoptr(GBytes) no_template = hex ("6F128410A0000005591010FFFFFFFF8900000100");

  ck_assert (daemon_card_support_fci_ipae_supported (with_ipae));
  ck_assert (!daemon_card_support_fci_ipae_supported (without));
  ck_assert (daemon_card_support_fci_ipae_supported (plain_bit_string));
  ck_assert (!daemon_card_support_fci_ipae_supported (no_template));
  ck_assert (!daemon_card_support_fci_ipae_supported (NULL));
}
END_TEST

START_TEST (test_ipae_activation_bytes)
{
  g_autoptr(GBytes) on = es10_ipae_activation_encode (TRUE);
  g_autoptr(GBytes) off = es10_ipae_activation_encode (FALSE);
  g_autofree gchar *on_hex = der_to_hex (g_bytes_get_data (on, NULL), g_bytes_get_size (on));
  g_autofree gchar *off_hex = der_to_hex (g_bytes_get_data (off, NULL), g_bytes_get_size (off));
  g_autoptr(GError) error = NULL;
  static const guint8 not_supported[] = { 0xBF, 0x42, 0x03, 0x80, 0x01, 0x01 };
  static const guint8 wrong_tag[] = { 0xBF, 0x41, 0x03, 0x80, 0x01, 0x00 };
  gint64 result = -1;

  ck_assert_str_eq (on_hex, "BF420480020780");
  ck_assert_str_eq (off_hex, "BF4203800100");
  ck_assert (es10_ipae_activation_decode (not_supported, sizeof not_supported, &result, &error));
  ck_assert_int_eq (result, ES10_IPAE_ACTIVATION_NOT_SUPPORTED);
  ck_assert (!es10_ipae_activation_decode (wrong_tag, sizeof wrong_tag, &result, &error));
  ck_assert_msg (strstr (error->message, "IpaeActivationResponse") != NULL, "%s", error->message);
}
END_TEST

static Suite *
card_support_suite (void)
{
  Suite *suite = suite_create ("card-support");
  TCase *tc = tcase_create ("scan");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_scan_driver_decides_protocol);
  tcase_add_test (tc, test_scan_without_sysfs_takes_qmi);
  tcase_add_test (tc, test_scan_refusal_names_other_drivers);
  suite_add_tcase (suite, tc);
  tc = tcase_create ("card");
  tcase_add_test (tc, test_fci_ipae_bit);
  tcase_add_test (tc, test_ipae_activation_bytes);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  SRunner *runner = srunner_create (card_support_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
