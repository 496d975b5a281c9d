/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-sgp22-verify.h"

#define SHA256_LENGTH 32

/* The subjectPublicKeyInfo of a Certificate: the seventh field of tbsCertificate when the version ([0]) is there,
 * the sixth otherwise. Read with our own DER code, as mbedTLS 2 and 3 differ in what they expose of a
 * certificate. */
static gboolean
certificate_public_key (GBytes *certificate, DerTlv *ret_spki, GError **error)
{
  DerTlv cert, tbs, field;
  DerReader reader;
  guint index = 0;
  guint wanted = 6;

  if (!der_parse_expect (g_bytes_get_data (certificate, NULL), g_bytes_get_size (certificate), 0x30, &cert, error)
      || !der_reader_enter (&cert, &reader, error) || !der_reader_next (&reader, &tbs, error)
      || !der_reader_enter (&tbs, &reader, error))
    return FALSE;
  while (der_reader_next (&reader, &field, error))
    {
      if (index == 0 && field.tag == 0xA0)
        wanted = 7;
      if (++index == wanted)
        {
          *ret_spki = field;
          return TRUE;
        }
    }
  if (error != NULL && *error == NULL)
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "the certificate has no subjectPublicKeyInfo");
  return FALSE;
}

/* One INTEGER of the DER ECDSA-Sig-Value from an unsigned big-endian half of r || s. */
static void
write_unsigned_integer (DerWriter *writer, const guint8 *value, gsize length)
{
  guint8 buffer[1 + 66];
  gsize skip = 0;

  while (skip + 1 < length && value[skip] == 0)
    skip++;
  length -= skip;
  value += skip;
  buffer[0] = 0;
  memcpy (buffer + 1, value, length);
  /* A leading 1 bit would make it negative: one zero octet in front. */
  if ((value[0] & 0x80) != 0)
    der_write (writer, 0x02, buffer, length + 1);
  else
    der_write (writer, 0x02, value, length);
}

gboolean
ipa_sgp22_verify_signature (Es10EimKeyKind key_kind, GBytes *key_data, const guint8 *data, gsize length,
                            const guint8 *signature, gsize signature_length, GError **error)
{
  g_auto(DerWriter) writer = { 0 };
  g_autoptr(GBytes) der_signature = NULL;
  guint8 hash[SHA256_LENGTH];
  mbedtls_pk_context pk;
  DerTlv spki;
  int rc;

  if (key_data == NULL || key_kind == ES10_EIM_KEY_NONE)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG, "no eimPublicKeyData is configured for this eIM");
      return FALSE;
    }
  if (signature_length == 0 || signature_length % 2 != 0 || signature_length > 132)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "eimSignature has %" G_GSIZE_FORMAT " bytes, expected r || s (64 for P-256)", signature_length);
      return FALSE;
    }
  if (key_kind == ES10_EIM_KEY_CERTIFICATE)
    {
      if (!certificate_public_key (key_data, &spki, error))
        {
          g_prefix_error (error, "eimPublicKeyData: ");
          return FALSE;
        }
    }
  else if (!der_parse_single (g_bytes_get_data (key_data, NULL), g_bytes_get_size (key_data), &spki, error))
    {
      g_prefix_error (error, "eimPublicKeyData: ");
      return FALSE;
    }

  der_writer_init (&writer);
  der_begin (&writer, 0x30);
  write_unsigned_integer (&writer, signature, signature_length / 2);
  write_unsigned_integer (&writer, signature + signature_length / 2, signature_length / 2);
  der_end (&writer);
  der_signature = der_writer_finish (&writer);

  if (mbedtls_md (mbedtls_md_info_from_type (MBEDTLS_MD_SHA256), data, length, hash) != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED, "SHA-256 is not available");
      return FALSE;
    }
  mbedtls_pk_init (&pk);
  rc = mbedtls_pk_parse_public_key (&pk, spki.raw, spki.raw_length);
  if (rc != 0)
    {
      mbedtls_pk_free (&pk);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "eimPublicKeyData: the public key cannot be used (mbedTLS -0x%04X)", (unsigned) -rc);
      return FALSE;
    }
  if (!mbedtls_pk_can_do (&pk, MBEDTLS_PK_ECDSA))
    {
      mbedtls_pk_free (&pk);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "eimPublicKeyData: not an elliptic curve key");
      return FALSE;
    }
  rc = mbedtls_pk_verify (&pk, MBEDTLS_MD_SHA256, hash, sizeof hash, g_bytes_get_data (der_signature, NULL),
                          g_bytes_get_size (der_signature));
  mbedtls_pk_free (&pk);
  if (rc != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_ACCESS_DENIED,
                   "the eimSignature does not verify with the eIM's key (mbedTLS -0x%04X)", (unsigned) -rc);
      return FALSE;
    }
  return TRUE;
}
