/* SPDX-License-Identifier: Apache-2.0 */
/* TLS trust from trustedPublicKeyDataTls. The keys and certificates are made fresh by the openssl
 * command line tool when the test starts (in a temporary directory), and the expected pins come from
 * openssl too: `openssl pkey -pubout -outform der | openssl dgst -sha256 -binary | base64`. So the pin
 * computation here is checked against an independent implementation, not against itself. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "euiccd-error.h"
#include "net/tls-trust.h"

static gchar *work_dir;

/* Runs a shell command in the work directory; its stdout, trimmed, is returned. Aborts the test
 * program on failure: without its inputs no test can say anything. */
static gchar *
run (const gchar *command)
{
  const gchar *argv[] = { "/bin/sh", "-c", command, NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr (GError) error = NULL;
  gint status = 0;

  if (!g_spawn_sync (work_dir, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error))
    {
      fprintf (stderr, "cannot run \"%s\": %s\n", command, error->message);
      exit (99);
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      fprintf (stderr, "\"%s\" failed:\n%s\n", command, err);
      exit (99);
    }
  return g_strstrip (g_steal_pointer (&out));
}

static GBytes *
read_file (const gchar *name)
{
  g_autofree gchar *path = g_build_filename (work_dir, name, NULL);
  gchar *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    {
      fprintf (stderr, "cannot read %s\n", path);
      exit (99);
    }
  return g_bytes_new_take (contents, len);
}

static gchar *
expected_pin (const gchar *key_file)
{
  g_autofree gchar *command = g_strdup_printf (
    "openssl pkey -in %s -pubout -outform der | openssl dgst -sha256 -binary | base64", key_file);
  g_autofree gchar *b64 = run (command);

  return g_strconcat ("sha256//", b64, NULL);
}

static void
make_inputs (void)
{
  g_autofree gchar *version = NULL;

  /* Keys: P-256, RSA, Ed25519 (a key mbedTLS 2.28 cannot use but that can still be pinned). */
  g_free (run ("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key"));
  g_free (run ("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key"));
  g_free (run ("openssl genpkey -algorithm ED25519 -out ed.key"));
  g_free (run ("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key"));
  g_free (run ("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ee.key"));
  g_free (run ("for k in ec rsa ed; do openssl pkey -in $k.key -pubout -outform der -out $k.spki.der; done"));
  g_free (run ("openssl pkey -in ec.key -pubout -out ec.spki.pem"));

  /* A CA (req -x509 marks it cA TRUE), an end-entity certificate it signed with an explicit cA FALSE,
   * one with no basicConstraints at all, and a self-signed end-entity certificate. */
  g_free (run ("openssl req -x509 -new -key ca.key -subj '/CN=Test TLS CA/O=euiccd' -days 2 "
               "-addext keyUsage=critical,keyCertSign -out ca.pem"));
  g_free (run ("openssl x509 -in ca.pem -outform der -out ca.der"));
  g_free (run ("openssl req -new -key ee.key -subj '/CN=eim.example' -out ee.csr"));
  g_free (run ("printf 'basicConstraints=CA:FALSE\\nsubjectAltName=DNS:eim.example\\n' > ee.ext && "
               "openssl x509 -req -in ee.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
               "-extfile ee.ext -outform der -out ee.der"));
  g_free (run ("openssl x509 -req -in ee.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
               "-outform der -out ee-noext.der"));
  g_free (run ("openssl x509 -req -in ee.csr -key ee.key -days 2 -outform der -out ee-self.der"));
  g_free (run ("openssl x509 -in ee.der -inform der -out ee.pem"));
  version = run ("openssl version");
  g_test_message ("inputs made with %s", version);
}

static void
assert_invalid (GBytes *input, const gchar *field, const gchar *expect_in_message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HttpsTrust) trust = https_trust_new_from_bytes (input, field, &error);

  ck_assert_ptr_null (trust);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA), "code %d: %s", error->code,
                 error->message);
  ck_assert_msg (strstr (error->message, field != NULL ? field : "trustedPublicKeyDataTls") != NULL,
                 "field not named: %s", error->message);
  if (expect_in_message != NULL)
    ck_assert_msg (strstr (error->message, expect_in_message) != NULL, "\"%s\" not in: %s", expect_in_message,
                   error->message);
}

static void
assert_pinned_key (const gchar *spki_file, const gchar *key_file)
{
  g_autoptr (GBytes) der = read_file (spki_file);
  g_autoptr (GError) error = NULL;
  g_autoptr (HttpsTrust) trust = https_trust_new_from_bytes (der, NULL, &error);
  g_autofree gchar *pin = expected_pin (key_file);
  g_autofree gchar *description = NULL;

  ck_assert_msg (trust != NULL, "%s: %s", spki_file, error != NULL ? error->message : "?");
  ck_assert_int_eq (https_trust_get_kind (trust), HTTPS_TRUST_PINNED_KEY);
  ck_assert_str_eq (https_trust_get_pin (trust), pin);
  ck_assert_ptr_null (https_trust_get_anchor_pem (trust));
  description = https_trust_describe (trust);
  ck_assert_ptr_nonnull (strstr (description, pin));
}

START_TEST (test_spki_ec)
{
  assert_pinned_key ("ec.spki.der", "ec.key");
}
END_TEST

START_TEST (test_spki_rsa)
{
  assert_pinned_key ("rsa.spki.der", "rsa.key");
}
END_TEST

START_TEST (test_spki_ed25519)
{
  assert_pinned_key ("ed.spki.der", "ed.key");
}
END_TEST

/* The PEM anchor must carry exactly the input certificate. */
static void
assert_pem_is (const gchar *pem, GBytes *der)
{
  const gchar *begin = "-----BEGIN CERTIFICATE-----\n";
  const gchar *end = strstr (pem, "-----END CERTIFICATE-----\n");
  g_autofree gchar *b64 = NULL;
  g_autofree guint8 *decoded = NULL;
  gsize decoded_len = 0;
  gchar **lines;

  ck_assert (g_str_has_prefix (pem, begin));
  ck_assert_ptr_nonnull (end);
  b64 = g_strndup (pem + strlen (begin), (gsize) (end - pem) - strlen (begin));
  lines = g_strsplit (b64, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    ck_assert_int_le (strlen (lines[i]), 64);
  g_strfreev (lines);
  decoded = g_base64_decode (b64, &decoded_len);
  ck_assert_uint_eq (decoded_len, g_bytes_get_size (der));
  ck_assert_mem_eq (decoded, g_bytes_get_data (der, NULL), decoded_len);
}

START_TEST (test_ca_certificate)
{
  g_autoptr (GBytes) der = read_file ("ca.der");
  g_autoptr (GError) error = NULL;
  g_autoptr (HttpsTrust) trust = https_trust_new_from_bytes (der, NULL, &error);
  g_autofree gchar *description = NULL;

  ck_assert_msg (trust != NULL, "%s", error != NULL ? error->message : "?");
  ck_assert_int_eq (https_trust_get_kind (trust), HTTPS_TRUST_CA_CERTIFICATE);
  ck_assert_ptr_null (https_trust_get_pin (trust));
  assert_pem_is (https_trust_get_anchor_pem (trust), der);
  description = https_trust_describe (trust);
  ck_assert_msg (strstr (description, "CN=Test TLS CA") != NULL, "%s", description);
}
END_TEST

static void
assert_server_certificate (const gchar *file)
{
  g_autoptr (GBytes) der = read_file (file);
  g_autoptr (GError) error = NULL;
  g_autoptr (HttpsTrust) trust = https_trust_new_from_bytes (der, NULL, &error);
  g_autofree gchar *pin = expected_pin ("ee.key");

  ck_assert_msg (trust != NULL, "%s: %s", file, error != NULL ? error->message : "?");
  ck_assert_int_eq (https_trust_get_kind (trust), HTTPS_TRUST_SERVER_CERTIFICATE);
  ck_assert_str_eq (https_trust_get_pin (trust), pin);
  assert_pem_is (https_trust_get_anchor_pem (trust), der);
}

START_TEST (test_server_certificate)
{
  assert_server_certificate ("ee.der");
  assert_server_certificate ("ee-noext.der");
  assert_server_certificate ("ee-self.der");
}
END_TEST

START_TEST (test_refcount)
{
  g_autoptr (GBytes) der = read_file ("ec.spki.der");
  HttpsTrust *trust = https_trust_new_from_bytes (der, NULL, NULL);
  g_autofree gchar *pin = NULL;

  ck_assert_ptr_nonnull (trust);
  ck_assert_ptr_eq (https_trust_ref (trust), trust);
  https_trust_unref (trust);
  /* still alive after one unref */
  pin = g_strdup (https_trust_get_pin (trust));
  ck_assert (g_str_has_prefix (pin, "sha256//"));
  https_trust_unref (trust);
  https_trust_unref (NULL);
}
END_TEST

START_TEST (test_garbage)
{
  static const guint8 not_sequence[] = { 0x04, 0x03, 0x01, 0x02, 0x03 };
  static const guint8 sequence_of_bool[] = { 0x30, 0x03, 0x01, 0x01, 0xff };
  static const guint8 bad_length[] = { 0x30, 0x82, 0xff, 0xff, 0x00 };
  static const guint8 spki_without_key[] = { 0x30, 0x0b, 0x30, 0x09, 0x06, 0x07, 0x2a, 0x86,
                                             0x48, 0xce, 0x3d, 0x02, 0x01 };
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GBytes) b1 = g_bytes_new_static (not_sequence, sizeof not_sequence);
  g_autoptr (GBytes) b2 = g_bytes_new_static (sequence_of_bool, sizeof sequence_of_bool);
  g_autoptr (GBytes) b3 = g_bytes_new_static (bad_length, sizeof bad_length);
  g_autoptr (GBytes) b4 = g_bytes_new_static (spki_without_key, sizeof spki_without_key);
  g_autoptr (GError) error = NULL;

  assert_invalid (empty, NULL, "empty");
  assert_invalid (b1, NULL, "not a DER SEQUENCE");
  assert_invalid (b2, "eim[0].trustedPublicKeyDataTls", "certificate");
  assert_invalid (b3, NULL, NULL);
  assert_invalid (b4, NULL, "SubjectPublicKeyInfo");
  ck_assert_ptr_null (https_trust_new_from_bytes (NULL, NULL, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
}
END_TEST

/* Bytes after a valid object are not ignored: the card stored something other than we think. */
START_TEST (test_trailing_bytes)
{
  g_autoptr (GBytes) cert = read_file ("ca.der");
  g_autoptr (GBytes) spki = read_file ("ec.spki.der");
  g_autoptr (GByteArray) a = g_byte_array_new ();
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_autoptr (GBytes) cert_plus = NULL;
  g_autoptr (GBytes) spki_plus = NULL;

  g_byte_array_append (a, g_bytes_get_data (cert, NULL), (guint) g_bytes_get_size (cert));
  g_byte_array_append (a, (const guint8 *) "\x00", 1);
  g_byte_array_append (b, g_bytes_get_data (spki, NULL), (guint) g_bytes_get_size (spki));
  g_byte_array_append (b, (const guint8 *) "\x05\x00", 2);
  cert_plus = g_bytes_new (a->data, a->len);
  spki_plus = g_bytes_new (b->data, b->len);
  assert_invalid (cert_plus, NULL, "trailing");
  assert_invalid (spki_plus, NULL, "trailing");
}
END_TEST

START_TEST (test_truncated)
{
  g_autoptr (GBytes) cert = read_file ("ee.der");
  g_autoptr (GBytes) spki = read_file ("ec.spki.der");

  /* Every prefix fails cleanly. */
  for (gsize n = 1; n < g_bytes_get_size (cert); n += 7)
    {
      g_autoptr (GBytes) cut = g_bytes_new_from_bytes (cert, 0, n);
      assert_invalid (cut, NULL, NULL);
    }
  for (gsize n = 1; n < g_bytes_get_size (spki); n++)
    {
      g_autoptr (GBytes) cut = g_bytes_new_from_bytes (spki, 0, n);
      assert_invalid (cut, NULL, NULL);
    }
}
END_TEST

/* An EC point that is not on the curve: the algorithm is known, so mbedTLS must accept the key. */
START_TEST (test_bad_ec_point)
{
  g_autoptr (GBytes) spki = read_file ("ec.spki.der");
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (spki, &len);
  g_autofree guint8 *copy = g_memdup2 (data, len);
  g_autoptr (GBytes) broken = NULL;

  /* The point is the last 65 bytes: 04 || X || Y. Flip a bit of Y. */
  ck_assert_int_eq (copy[len - 65], 0x04);
  copy[len - 1] ^= 0x01;
  broken = g_bytes_new (copy, len);
  assert_invalid (broken, NULL, "SubjectPublicKeyInfo");
}
END_TEST

/* Random corruption of a real certificate never crashes; what parses must be self-consistent. */
START_TEST (test_mutations)
{
  g_autoptr (GBytes) cert = read_file ("ee.der");
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (cert, &len);
  g_autoptr (GRand) rand = g_rand_new_with_seed (0x5eed);
  guint parsed = 0;

  for (guint round = 0; round < 2000; round++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, len);
      g_autoptr (GError) error = NULL;
      g_autoptr (HttpsTrust) trust = NULL;
      guint flips = g_rand_int_range (rand, 1, 4);

      for (guint i = 0; i < flips; i++)
        copy[g_rand_int_range (rand, 0, (gint32) len)] ^= (guint8) g_rand_int_range (rand, 1, 256);
      trust = https_trust_new_from_der (copy, len, NULL, &error);
      if (trust != NULL)
        {
          parsed++;
          ck_assert_ptr_nonnull (https_trust_get_anchor_pem (trust));
        }
      else
        ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
    }
  g_test_message ("%u of 2000 mutated certificates still parsed", parsed);
}
END_TEST

START_TEST (test_files)
{
  g_autofree gchar *ca_pem = g_build_filename (work_dir, "ca.pem", NULL);
  g_autofree gchar *ee_pem = g_build_filename (work_dir, "ee.pem", NULL);
  g_autofree gchar *spki_pem = g_build_filename (work_dir, "ec.spki.pem", NULL);
  g_autofree gchar *spki_der = g_build_filename (work_dir, "ec.spki.der", NULL);
  g_autofree gchar *missing = g_build_filename (work_dir, "missing.pem", NULL);
  g_autofree gchar *junk = g_build_filename (work_dir, "junk.pem", NULL);
  g_autofree gchar *pin = expected_pin ("ec.key");
  g_autoptr (GError) error = NULL;
  HttpsTrust *trust;

  trust = https_trust_new_from_file (ca_pem, &error);
  ck_assert_msg (trust != NULL, "%s", error != NULL ? error->message : "?");
  ck_assert_int_eq (https_trust_get_kind (trust), HTTPS_TRUST_CA_CERTIFICATE);
  https_trust_unref (trust);

  trust = https_trust_new_from_file (ee_pem, &error);
  ck_assert_msg (trust != NULL, "%s", error != NULL ? error->message : "?");
  ck_assert_int_eq (https_trust_get_kind (trust), HTTPS_TRUST_SERVER_CERTIFICATE);
  https_trust_unref (trust);

  trust = https_trust_new_from_file (spki_pem, &error);
  ck_assert_msg (trust != NULL, "%s", error != NULL ? error->message : "?");
  ck_assert_str_eq (https_trust_get_pin (trust), pin);
  https_trust_unref (trust);

  trust = https_trust_new_from_file (spki_der, &error);
  ck_assert_msg (trust != NULL, "%s", error != NULL ? error->message : "?");
  ck_assert_str_eq (https_trust_get_pin (trust), pin);
  https_trust_unref (trust);

  ck_assert_ptr_null (https_trust_new_from_file (missing, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "missing.pem"));
  g_clear_error (&error);

  ck_assert (g_file_set_contents (junk, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", -1, NULL));
  ck_assert_ptr_null (https_trust_new_from_file (junk, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
  ck_assert_ptr_nonnull (strstr (error->message, "junk.pem"));
}
END_TEST

static Suite *
trust_suite (void)
{
  Suite *s = suite_create ("tls-trust");
  TCase *tc = tcase_create ("parse");

  tcase_add_test (tc, test_spki_ec);
  tcase_add_test (tc, test_spki_rsa);
  tcase_add_test (tc, test_spki_ed25519);
  tcase_add_test (tc, test_ca_certificate);
  tcase_add_test (tc, test_server_certificate);
  tcase_add_test (tc, test_refcount);
  tcase_add_test (tc, test_garbage);
  tcase_add_test (tc, test_trailing_bytes);
  tcase_add_test (tc, test_truncated);
  tcase_add_test (tc, test_bad_ec_point);
  tcase_add_test (tc, test_mutations);
  tcase_add_test (tc, test_files);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *openssl = g_find_program_in_path ("openssl");
  SRunner *runner;
  int failed;

  if (openssl == NULL)
    {
      fprintf (stderr, "SKIP: the openssl command line tool is needed to make test keys\n");
      return 77;
    }
  work_dir = g_dir_make_tmp ("test-tls-trust-XXXXXX", &error);
  if (work_dir == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 99;
    }
  make_inputs ();

  runner = srunner_create (trust_suite ());
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  {
    const gchar *argv[] = { "rm", "-rf", work_dir, NULL };
    g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  g_free (work_dir);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
