/* SPDX-License-Identifier: Apache-2.0 */
/* GSMA CI certificates from the operator, filtered by the PKIds the eUICC trusts. The certificates are read with
 * src/der for the two extensions that matter here (SubjectKeyIdentifier, basicConstraints) and parsed by mbedTLS
 * as a whole, so that nothing reaches libcurl's anchors that its TLS library (OpenSSL or mbedTLS) would read
 * differently. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include "net/smdp-trust.h"

#include <string.h>

#include <mbedtls/x509_crt.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "net/gsma-json.h"

/* A CI certificate file with more than this is not one an operator wrote. */
#define SMDP_TRUST_MAX_FILE_SIZE (1024 * 1024)
#define SMDP_TRUST_MAX_CERTIFICATES 64

typedef struct {
  GBytes *der;
  GBytes *ski;
  gchar *ski_hex;
  gchar *origin;        /* file name, for messages */
} CiCertificate;

struct _SmdpTrustStore {
  GPtrArray *certificates;  /* of CiCertificate */
};

static void
ci_certificate_free (CiCertificate *ci)
{
  g_bytes_unref (ci->der);
  g_bytes_unref (ci->ski);
  g_free (ci->ski_hex);
  g_free (ci->origin);
  g_free (ci);
}

/* The extnValue contents of extension `oid` (DER contents octets of the OBJECT IDENTIFIER), or FALSE. */
static gboolean
find_extension (const guint8 *der, gsize length, const guint8 *oid, gsize oid_length, DerTlv *ret_value)
{
  DerTlv certificate, tbs, item;
  DerReader reader;

  if (!der_parse_expect (der, length, 0x30, &certificate, NULL) || !der_reader_enter (&certificate, &reader, NULL) ||
      !der_reader_next (&reader, &tbs, NULL) || tbs.tag != 0x30 || !der_reader_enter (&tbs, &reader, NULL))
    return FALSE;
  while (der_reader_next (&reader, &item, NULL))
    {
      DerTlv extensions, extension, extension_oid, field;
      DerReader list, parts;

      if (item.tag != 0xA3)
        continue;
      if (!der_reader_enter (&item, &list, NULL) || !der_reader_next (&list, &extensions, NULL) ||
          extensions.tag != 0x30 || !der_reader_enter (&extensions, &list, NULL))
        return FALSE;
      while (der_reader_next (&list, &extension, NULL))
        {
          if (extension.tag != 0x30 || !der_reader_enter (&extension, &parts, NULL) ||
              !der_reader_next (&parts, &extension_oid, NULL) || extension_oid.tag != 0x06)
            return FALSE;
          if (extension_oid.length != oid_length || memcmp (extension_oid.value, oid, oid_length) != 0)
            continue;
          /* critical BOOLEAN DEFAULT FALSE, then extnValue OCTET STRING */
          while (der_reader_next (&parts, &field, NULL))
            if (field.tag == 0x04)
              {
                *ret_value = field;
                return TRUE;
              }
          return FALSE;
        }
      return FALSE;
    }
  return FALSE;
}

GBytes *
smdp_trust_certificate_ski (const guint8 *der, gsize length)
{
  static const guint8 ski_oid[] = { 0x55, 0x1D, 0x0E };  /* 2.5.29.14 */
  DerTlv value, ski;

  if (!find_extension (der, length, ski_oid, sizeof ski_oid, &value) ||
      !der_parse_expect (value.value, value.length, 0x04, &ski, NULL) || ski.length == 0)
    return NULL;
  return g_bytes_new (ski.value, ski.length);
}

static gboolean
certificate_is_ca (const guint8 *der, gsize length)
{
  static const guint8 bc_oid[] = { 0x55, 0x1D, 0x13 };  /* 2.5.29.19 */
  DerTlv value, sequence, ca;
  gboolean is_ca = FALSE;

  if (!find_extension (der, length, bc_oid, sizeof bc_oid, &value) ||
      !der_parse_expect (value.value, value.length, 0x30, &sequence, NULL))
    return FALSE;
  /* BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
  if (der_find_child (&sequence, 0x01, &ca, NULL) && der_tlv_get_bool (&ca, &is_ca, NULL))
    return is_ca;
  return FALSE;
}

/* GSMA certificates carry a critical certificatePolicies extension naming the RSP policy, which mbedTLS does not
 * know and so refuses; the policy is the GSMA's to enforce, the chain is what is checked here. */
static int
accept_policies (void *context, mbedtls_x509_crt const *crt, mbedtls_x509_buf const *oid, int critical,
                 const unsigned char *p, const unsigned char *end)
{
  static const guint8 policies_oid[] = { 0x55, 0x1D, 0x20 };  /* 2.5.29.32 */

  (void) context, (void) crt, (void) critical, (void) p, (void) end;
  return oid->len == sizeof policies_oid && memcmp (oid->p, policies_oid, sizeof policies_oid) == 0 ? 0 : -1;
}

static gboolean
mbedtls_accepts (const guint8 *der, gsize length)
{
  mbedtls_x509_crt crt;
  int rc;

  mbedtls_x509_crt_init (&crt);
  rc = mbedtls_x509_crt_parse_der_with_ext_cb (&crt, der, length, 1, accept_policies, NULL);
  mbedtls_x509_crt_free (&crt);
  return rc == 0;
}

/* Adds the certificate, or says why it is not a CI certificate (and skips it). */
static void
add_certificate (SmdpTrustStore *store, GBytes *der, const gchar *origin, guint index)
{
  const guint8 *data = g_bytes_get_data (der, NULL);
  gsize length = g_bytes_get_size (der);
  g_autoptr(GBytes) ski = NULL;
  CiCertificate *ci;

  if (!mbedtls_accepts (data, length))
    {
      g_warning ("CI certificates: %s: certificate %u does not parse; skipped", origin, index);
      return;
    }
  if (!certificate_is_ca (data, length))
    {
      g_warning ("CI certificates: %s: certificate %u is not a CA (basicConstraints cA); skipped", origin, index);
      return;
    }
  ski = smdp_trust_certificate_ski (data, length);
  if (ski == NULL)
    {
      g_warning ("CI certificates: %s: certificate %u has no SubjectKeyIdentifier; skipped", origin, index);
      return;
    }
  if (store->certificates->len >= SMDP_TRUST_MAX_CERTIFICATES)
    {
      g_warning ("CI certificates: %s: more than %u certificates; the rest are ignored", origin,
                 SMDP_TRUST_MAX_CERTIFICATES);
      return;
    }
  ci = g_new0 (CiCertificate, 1);
  ci->der = g_bytes_ref (der);
  ci->ski_hex = gsma_json_bytes_to_hex (ski);
  ci->ski = g_steal_pointer (&ski);
  ci->origin = g_strdup (origin);
  g_ptr_array_add (store->certificates, ci);
}

/* Every CERTIFICATE block of `pem`; other blocks (keys, comments) are passed over. */
static gboolean
add_pem (SmdpTrustStore *store, const gchar *pem, gsize length, const gchar *origin, GError **error)
{
  static const gchar begin[] = "-----BEGIN CERTIFICATE-----";
  static const gchar end[] = "-----END CERTIFICATE-----";
  const gchar *cursor = pem;
  const gchar *limit = pem + length;
  guint index = 0;

  while (cursor < limit)
    {
      const gchar *start = g_strstr_len (cursor, limit - cursor, begin);
      const gchar *stop;
      g_autoptr(GString) b64 = NULL;
      g_autoptr(GBytes) der = NULL;
      g_autoptr(GError) local_error = NULL;

      if (start == NULL)
        break;
      start += strlen (begin);
      stop = g_strstr_len (start, limit - start, end);
      if (stop == NULL)
        return gsma_json_fail (error, EUICCD_ERROR_CONFIG, "CI certificates: %s: certificate %u has no END line",
                               origin, index);
      b64 = g_string_sized_new ((gsize) (stop - start));
      for (const gchar *c = start; c < stop; c++)
        if (!g_ascii_isspace (*c))
          g_string_append_c (b64, *c);
      der = gsma_json_base64_decode (b64->str, "CI certificates", origin, &local_error);
      if (der == NULL)
        g_warning ("CI certificates: %s: certificate %u is not base64; skipped", origin, index);
      else
        add_certificate (store, der, origin, index);
      index++;
      cursor = stop + strlen (end);
    }
  if (index == 0)
    return gsma_json_fail (error, EUICCD_ERROR_CONFIG, "CI certificates: %s: no PEM certificate", origin);
  return TRUE;
}

static SmdpTrustStore *
store_new (void)
{
  SmdpTrustStore *store = g_new0 (SmdpTrustStore, 1);

  store->certificates = g_ptr_array_new_with_free_func ((GDestroyNotify) ci_certificate_free);
  return store;
}

static gboolean
add_file (SmdpTrustStore *store, const gchar *path, GError **error)
{
  g_autofree gchar *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    return gsma_json_fail (error, EUICCD_ERROR_CONFIG, "CI certificates: %s", local_error->message);
  if (length > SMDP_TRUST_MAX_FILE_SIZE)
    return gsma_json_fail (error, EUICCD_ERROR_CONFIG, "CI certificates: %s: %zu bytes, more than %u", path, length,
                           (guint) SMDP_TRUST_MAX_FILE_SIZE);
  return add_pem (store, contents, length, path, error);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

SmdpTrustStore *
smdp_trust_store_load (const gchar *path, GError **error)
{
  g_autoptr(SmdpTrustStore) store = store_new ();

  g_return_val_if_fail (path != NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GDir) dir = g_dir_open (path, 0, &local_error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const gchar *name;

      if (dir == NULL)
        {
          gsma_json_fail (error, EUICCD_ERROR_CONFIG, "CI certificates: %s", local_error->message);
          return NULL;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".pem") || g_str_has_suffix (name, ".crt"))
          g_ptr_array_add (names, g_build_filename (path, name, NULL));
      g_ptr_array_sort (names, compare_names);
      for (guint i = 0; i < names->len; i++)
        {
          g_autoptr(GError) file_error = NULL;

          /* One unreadable file does not take the others with it. */
          if (!add_file (store, g_ptr_array_index (names, i), &file_error))
            g_warning ("%s", file_error->message);
        }
    }
  else if (!add_file (store, path, error))
    return NULL;
  if (store->certificates->len == 0)
    {
      gsma_json_fail (error, EUICCD_ERROR_CONFIG, "CI certificates: %s: no usable CI certificate (PEM, a CA with a "
                      "SubjectKeyIdentifier)", path);
      return NULL;
    }
  return g_steal_pointer (&store);
}

SmdpTrustStore *
smdp_trust_store_new_from_pem (const gchar *pem, gsize length, const gchar *origin, GError **error)
{
  g_autoptr(SmdpTrustStore) store = store_new ();

  if (!add_pem (store, pem, length, origin, error))
    return NULL;
  if (store->certificates->len == 0)
    {
      gsma_json_fail (error, EUICCD_ERROR_CONFIG, "CI certificates: %s: no usable CI certificate", origin);
      return NULL;
    }
  return g_steal_pointer (&store);
}

void
smdp_trust_store_free (SmdpTrustStore *store)
{
  if (store == NULL)
    return;
  g_ptr_array_unref (store->certificates);
  g_free (store);
}

guint
smdp_trust_store_get_size (const SmdpTrustStore *store)
{
  return store->certificates->len;
}

const gchar *
smdp_trust_store_get_pkid (const SmdpTrustStore *store, guint i)
{
  g_return_val_if_fail (i < store->certificates->len, NULL);
  return ((CiCertificate *) g_ptr_array_index (store->certificates, i))->ski_hex;
}

static gchar *
join_hex (GPtrArray *pkids)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; pkids != NULL && i < pkids->len; i++)
    {
      g_autofree gchar *hex = gsma_json_bytes_to_hex (g_ptr_array_index (pkids, i));

      g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", hex);
    }
  if (out->len == 0)
    g_string_append (out, "none");
  return g_string_free (out, FALSE);
}

HttpsTrust *
smdp_trust_store_select (const SmdpTrustStore *store, GPtrArray *ci_pkids, GError **error)
{
  g_autoptr(GPtrArray) chosen = g_ptr_array_new ();
  g_autoptr(GString) description = g_string_new ("GSMA CI");

  g_return_val_if_fail (store != NULL, NULL);

  for (guint i = 0; i < store->certificates->len; i++)
    {
      CiCertificate *ci = g_ptr_array_index (store->certificates, i);

      for (guint j = 0; ci_pkids != NULL && j < ci_pkids->len; j++)
        if (g_bytes_equal (ci->ski, g_ptr_array_index (ci_pkids, j)))
          {
            g_ptr_array_add (chosen, ci->der);
            g_string_append_printf (description, "%s %s", chosen->len > 1 ? "," : "", ci->ski_hex);
            break;
          }
    }
  if (chosen->len == 0)
    {
      g_autofree gchar *wanted = join_hex (ci_pkids);
      g_autoptr(GString) held = g_string_new (NULL);

      for (guint i = 0; i < store->certificates->len; i++)
        g_string_append_printf (held, "%s%s", i > 0 ? ", " : "", smdp_trust_store_get_pkid (store, i));
      gsma_json_fail (error, EUICCD_ERROR_NOT_FOUND,
                      "no configured CI certificate is one the eUICC trusts: it wants CI PKId %s; configured: %s",
                      wanted, held->str);
      return NULL;
    }
  return https_trust_new_ci_anchors (chosen, description->str);
}
