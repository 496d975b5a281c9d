/* SPDX-License-Identifier: Apache-2.0 */
/* The eIMs euiccd keeps for a consumer (SGP.22) eUICC: what survives a restart (the counter accepted before a
 * package runs, the seqNumbers, eIMs added by AddInitialEim and eCOs), and that a damaged file goes to corrupt/. */
#include "config.h"

#include <check.h>
#include <string.h>
#include <glib/gstdio.h>

#include "daemon/daemon-sgp22-eims.h"
#include "der/der.h"
#include "euiccd-error.h"

static gchar *root;

static void
setup (void)
{
  root = g_dir_make_tmp ("euiccd-sgp22-XXXXXX", NULL);
  ck_assert_ptr_nonnull (root);
}

/* The files in corrupt/ whose names start with `prefix`. */
static guint
count_corrupt (const gchar *prefix)
{
  g_autofree gchar *corrupt = g_build_filename (root, "corrupt", NULL);
  g_autoptr(GDir) dir = g_dir_open (corrupt, 0, NULL);
  const gchar *name;
  guint count = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, prefix))
      count++;
  return count;
}

static void
teardown (void)
{
  g_autofree gchar *file = g_build_filename (root, "sgp22-eims", NULL);
  g_autofree gchar *outbox = g_build_filename (root, "outbox", NULL);
  g_autofree gchar *corrupt = g_build_filename (root, "corrupt", NULL);
  g_autoptr(GDir) dir = g_dir_open (corrupt, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (corrupt, name, NULL);
      g_unlink (path);
    }
  g_unlink (file);
  g_rmdir (corrupt);
  g_rmdir (outbox);
  g_rmdir (root);
  g_clear_pointer (&root, g_free);
}

static Es10EimConfiguration *
eim_new (const gchar *eim_id, gboolean token)
{
  Es10EimConfiguration *eim = es10_eim_configuration_new ();

  eim->eim_id = g_strdup (eim_id);
  eim->eim_fqdn = g_strdup ("eim.example.com");
  eim->has_association_token = token;
  return eim;
}

static GBytes *
run_eco_with_cis (DaemonSgp22Eims *eims, const gchar *hex, const GPtrArray *ci_pkids, gboolean *changed)
{
  g_autoptr(GBytes) eco = der_from_hex (hex, NULL);

  return daemon_sgp22_eims_run_eco (eims, g_bytes_get_data (eco, NULL), g_bytes_get_size (eco), ci_pkids, changed);
}

static GBytes *
run_eco (DaemonSgp22Eims *eims, const gchar *hex, gboolean *changed)
{
  return run_eco_with_cis (eims, hex, NULL, changed);
}

static void
assert_hex (GBytes *bytes, const gchar *expected)
{
  g_autofree gchar *hex = NULL;

  ck_assert_ptr_nonnull (bytes);
  hex = der_to_hex (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  ck_assert_str_eq (hex, expected);
  g_bytes_unref (bytes);
}

START_TEST (test_kept_across_restarts)
{
  g_autoptr(DaemonConfig) config = daemon_config_new_default ();
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10EimConfiguration) eim = eim_new ("eim-a", TRUE);
  gboolean has_token = FALSE, changed = FALSE;
  gint64 token = 0, seq = 0;

  {
    g_autoptr(DaemonStore) store = daemon_store_open (root, 10, &error);
    g_autoptr(DaemonSgp22Eims) eims = daemon_sgp22_eims_new (store, config);

    ck_assert_int_eq (daemon_sgp22_eims_get_counter (eims, "eim-a"), G_MAXINT64);  /* unknown: nothing passes */
    ck_assert (daemon_sgp22_eims_add_initial (eims, eim, NULL, &has_token, &token, &error));
    ck_assert (has_token);
    ck_assert_int_eq (token, 1);
    ck_assert (!daemon_sgp22_eims_add_initial (eims, eim, NULL, &has_token, &token, &error));
    ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_BUSY));
    g_clear_error (&error);
    ck_assert_int_eq (daemon_sgp22_eims_get_counter (eims, "eim-a"), 0);
    ck_assert (daemon_sgp22_eims_accept_counter (eims, "eim-a", 5, &seq, &error));
    ck_assert_int_eq (seq, 1);
    ck_assert (daemon_sgp22_eims_accept_counter (eims, "eim-a", 6, &seq, &error));
    ck_assert_int_eq (seq, 2);
    ck_assert (!daemon_sgp22_eims_accept_counter (eims, "eim-x", 6, &seq, &error));
    g_clear_error (&error);
    /* addEim asking for a token (84 00 inside), then a duplicate. */
    assert_hex (run_eco (eims, "A80A800565696D2D62840100", &changed), "A803840102");
    ck_assert (changed);
    assert_hex (run_eco (eims, "A807800565696D2D62", &changed), "A803020102");
    ck_assert (!changed);
  }
  {
    /* A new process: the counter, the next seqNumber and token, and both eIMs are back. */
    g_autoptr(DaemonStore) store = daemon_store_open (root, 10, &error);
    g_autoptr(DaemonSgp22Eims) eims = daemon_sgp22_eims_new (store, config);
    g_autoptr(Es10EimConfigurationList) list = daemon_sgp22_eims_list (eims);

    ck_assert_int_eq (daemon_sgp22_eims_get_counter (eims, "eim-a"), 6);
    ck_assert (daemon_sgp22_eims_accept_counter (eims, "eim-a", 7, &seq, &error));
    ck_assert_int_eq (seq, 3);
    ck_assert_uint_eq (list->eims->len, 2);
    assert_hex (run_eco (eims, "AB00", &changed),
                "AB14A0123007800565696D2D613007800565696D2D62");
  }
}
END_TEST

/* A new eIM's euiccCiPKId must name a CI the card signs with, as an SGP.32 eUICC checks it: else ciPKUnknown(3)
 * (addEim, updateEim, AddInitialEim), or undefinedError(127) when the card's CIs could not be read. */
START_TEST (test_ci_pkid_checked)
{
  g_autoptr(DaemonConfig) config = daemon_config_new_default ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cis = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(Es10EimConfiguration) eim = eim_new ("eim-a", FALSE);
  g_autoptr(DaemonStore) store = daemon_store_open (root, 10, &error);
  g_autoptr(DaemonSgp22Eims) eims = daemon_sgp22_eims_new (store, config);
  g_autoptr(Es10EimConfigurationList) list = NULL;
  gboolean has_token = FALSE, changed = TRUE;
  gint64 token = 0;

  g_ptr_array_add (cis, der_from_hex ("F54172BDF98A95D65CBEB88A38A1C11D800A85C3", NULL));
  g_ptr_array_add (cis, der_from_hex ("C0BC70BA36929D43B467FF57570530E57AB8FCD8", NULL));
  /* AddInitialEim with an unknown CI: refused, nothing kept; with the card's second CI: kept. */
  eim->euicc_ci_pkid = der_from_hex ("0102030405060708090A0B0C0D0E0F1011121314", NULL);
  ck_assert (!daemon_sgp22_eims_add_initial (eims, eim, cis, &has_token, &token, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_CARD));
  ck_assert_ptr_nonnull (strstr (error->message, "ciPKUnknown(3)"));
  g_clear_error (&error);
  g_bytes_unref (eim->euicc_ci_pkid);
  eim->euicc_ci_pkid = der_from_hex ("C0BC70BA36929D43B467FF57570530E57AB8FCD8", NULL);
  ck_assert (daemon_sgp22_eims_add_initial (eims, eim, cis, &has_token, &token, &error));
  /* addEim eim-b naming an unknown CI (88 04 01020304): ciPKUnknown, not added. */
  assert_hex (run_eco_with_cis (eims, "A80D800565696D2D62880401020304", cis, &changed), "A803020103");
  ck_assert (!changed);
  /* ... naming the start of the card's first CI (a truncated identifier): added. */
  assert_hex (run_eco_with_cis (eims, "A80D800565696D2D628804F54172BD", cis, &changed), "A803020100");
  ck_assert (changed);
  /* updateEim naming an unknown CI: ciPKUnknown; the CIs not read: undefinedError; without a CI: no check. */
  assert_hex (run_eco_with_cis (eims, "AA0D800565696D2D62880401020304", cis, &changed), "8A0103");
  assert_hex (run_eco_with_cis (eims, "AA0D800565696D2D628804F54172BD", NULL, &changed), "8A017F");
  assert_hex (run_eco_with_cis (eims, "AA07800565696D2D62", NULL, &changed), "8A0100");
  list = daemon_sgp22_eims_list (eims);
  ck_assert_uint_eq (list->eims->len, 2);
}
END_TEST

START_TEST (test_ecos_and_damage)
{
  g_autoptr(DaemonConfig) config = daemon_config_new_default ();
  g_autoptr(GError) error = NULL;
  g_autoptr(Es10EimConfiguration) eim = eim_new ("eim-a", FALSE);
  g_autofree gchar *file = g_build_filename (root, "sgp22-eims", NULL);
  gboolean has_token = TRUE, changed = FALSE;
  gint64 token = -1;

  {
    g_autoptr(DaemonStore) store = daemon_store_open (root, 10, &error);
    g_autoptr(DaemonSgp22Eims) eims = daemon_sgp22_eims_new (store, config);

    ck_assert (daemon_sgp22_eims_add_initial (eims, eim, NULL, &has_token, &token, &error));
    ck_assert (!has_token);
    /* updateEim with a new counter; of an unknown eIM; a counter out of range. */
    assert_hex (run_eco (eims, "AA0A800565696D2D61830109", &changed), "8A0100");
    ck_assert (changed);
    ck_assert_int_eq (daemon_sgp22_eims_get_counter (eims, "eim-a"), 9);
    assert_hex (run_eco (eims, "AA07800565696D2D7A", &changed), "8A0101");
    assert_hex (run_eco (eims, "AA0E800565696D2D6183050100000000", &changed), "8A0106");
    /* deleteEim of an unknown eIM, of the last one; a TLV that is no eCO. */
    assert_hex (run_eco (eims, "A907800565696D2D7A", &changed), "890101");
    assert_hex (run_eco (eims, "A907800565696D2D61", &changed), "890102");
    ck_assert (changed);
    ck_assert_ptr_null (run_eco (eims, "A100", &changed));
    ck_assert_ptr_null (run_eco (eims, "A8", &changed));
  }
  /* A damaged file: moved to corrupt/, and euiccd starts without eIMs instead of failing. */
  ck_assert (g_file_set_contents (file, "\x30\x05\x80", 3, NULL));
  {
    g_autoptr(DaemonStore) store = daemon_store_open (root, 10, &error);
    g_autoptr(DaemonSgp22Eims) eims = daemon_sgp22_eims_new (store, config);
    g_autoptr(Es10EimConfigurationList) list = daemon_sgp22_eims_list (eims);

    ck_assert_uint_eq (list->eims->len, 0);
  }
  ck_assert (!g_file_test (file, G_FILE_TEST_EXISTS));
  ck_assert_uint_eq (count_corrupt ("sgp22-eims."), 1);
}
END_TEST

/* A damaged file with [Sgp22] set: set aside, and the configured eIM is kept afresh (counter 0). */
START_TEST (test_damaged_then_configured)
{
  g_autoptr(DaemonConfig) config = daemon_config_new_default ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *file = g_build_filename (root, "sgp22-eims", NULL);
  /* An EimConfigurationData list entry that is no SEQUENCE. */
  static const guint8 damaged[] = { 0x30, 0x08, 0x80, 0x01, 0x05, 0xA0, 0x03, 0x04, 0x01, 0x00 };

  config->sgp22_eim_id = g_strdup ("eim-conf");
  config->sgp22_eim_fqdn = g_strdup ("eim.example.com");
  ck_assert (g_file_set_contents (file, (const gchar *) damaged, sizeof damaged, NULL));
  {
    g_autoptr(DaemonStore) store = daemon_store_open (root, 10, &error);
    g_autoptr(DaemonSgp22Eims) eims = daemon_sgp22_eims_new (store, config);
    g_autoptr(Es10EimConfigurationList) list = daemon_sgp22_eims_list (eims);
    gint64 seq = 0;

    ck_assert_uint_eq (list->eims->len, 1);
    ck_assert_str_eq (((Es10EimConfiguration *) g_ptr_array_index (list->eims, 0))->eim_id, "eim-conf");
    ck_assert_int_eq (daemon_sgp22_eims_get_counter (eims, "eim-conf"), 0);
    ck_assert (daemon_sgp22_eims_accept_counter (eims, "eim-conf", 1, &seq, &error));
    ck_assert_int_eq (seq, 1);
  }
  ck_assert_uint_eq (count_corrupt ("sgp22-eims."), 1);
  /* The new file is whole again: read back as it was written. */
  {
    g_autoptr(DaemonStore) store = daemon_store_open (root, 10, &error);
    g_autoptr(DaemonSgp22Eims) eims = daemon_sgp22_eims_new (store, config);

    ck_assert_int_eq (daemon_sgp22_eims_get_counter (eims, "eim-conf"), 1);
  }
  ck_assert_uint_eq (count_corrupt ("sgp22-eims."), 1);
}
END_TEST

START_TEST (test_from_configuration)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) config = daemon_config_new_default ();
  g_autofree gchar *key = g_build_filename (root, "eim.pem", NULL);
  /* A P-256 public key (SubjectPublicKeyInfo, PEM). */
  static const gchar pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEwcOfb09fDKVYyKGPJe/Hnl02JRXW\n"
    "j4Cy8aYyJDK89nPiVVFb0gfbVTy3FzWDZbA5Mux+EE6JMdSOCjfisDo/Hg==\n"
    "-----END PUBLIC KEY-----\n";

  ck_assert (g_file_set_contents (key, pem, -1, NULL));
  config->sgp22_eim_id = g_strdup ("eim-conf");
  config->sgp22_eim_fqdn = g_strdup ("eim.example.com:8443");
  config->sgp22_eim_public_key = g_strdup (key);
  {
    g_autoptr(DaemonStore) store = daemon_store_open (root, 10, &error);
    g_autoptr(DaemonSgp22Eims) eims = daemon_sgp22_eims_new (store, config);
    g_autoptr(Es10EimConfigurationList) list = daemon_sgp22_eims_list (eims);
    const Es10EimConfiguration *kept;
    g_autofree gchar *spki = NULL;

    ck_assert_uint_eq (list->eims->len, 1);
    kept = g_ptr_array_index (list->eims, 0);
    ck_assert_str_eq (kept->eim_id, "eim-conf");
    ck_assert_str_eq (kept->eim_fqdn, "eim.example.com:8443");
    ck_assert_int_eq (kept->public_key_kind, ES10_EIM_KEY_PUBLIC_KEY);
    spki = der_to_hex (g_bytes_get_data (kept->public_key_data, NULL), g_bytes_get_size (kept->public_key_data));
    ck_assert_str_eq (spki, "3059301306072A8648CE3D020106082A8648CE3D03010703420004C1C39F6F4F5F0CA558C8A18F25EFC79E"
                            "5D362515D68F80B2F1A6322432BCF673E255515BD207DB553CB717358365B03932EC7E104E8931D48E0A37"
                            "E2B03A3F1E");
  }
  g_unlink (key);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("sgp22-eims");
  TCase *tc = tcase_create ("core");
  SRunner *runner;
  int failed;

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_kept_across_restarts);
  tcase_add_test (tc, test_ci_pkid_checked);
  tcase_add_test (tc, test_ecos_and_damage);
  tcase_add_test (tc, test_damaged_then_configured);
  tcase_add_test (tc, test_from_configuration);
  suite_add_tcase (suite, tc);
  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
