/* SPDX-License-Identifier: Apache-2.0 */
/* trustedPublicKeyDataTls -> a pin and/or a trust anchor for libcurl. The bytes come from the card and
 * are parsed with mbedTLS; nothing is trusted until it parsed completely. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include "net/tls-trust.h"

#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "euiccd-error.h"

/* mbedTLS 3 made these certificate fields private; 2.28 has no accessors for them. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define TRUST_CRT_PK_RAW(crt) ((crt)->MBEDTLS_PRIVATE (pk_raw))
#define TRUST_CRT_CA_ISTRUE(crt) ((crt)->MBEDTLS_PRIVATE (ca_istrue))
#define TRUST_CRT_EXT_TYPES(crt) ((crt)->MBEDTLS_PRIVATE (ext_types))
#else
#define TRUST_CRT_PK_RAW(crt) ((crt)->pk_raw)
#define TRUST_CRT_CA_ISTRUE(crt) ((crt)->ca_istrue)
#define TRUST_CRT_EXT_TYPES(crt) ((crt)->ext_types)
#endif

/* A certificate larger than this is not something an eUICC stores; refuse before parsing. */
#define TRUST_MAX_DER_SIZE (16 * 1024)

struct _HttpsTrust {
  gint ref_count;
  HttpsTrustKind kind;
  gchar *pin;         /* "sha256//..." of the SubjectPublicKeyInfo */
  gchar *anchor_pem;  /* certificate as PEM, NULL for a bare key */
  gchar *subject;     /* certificate subject, NULL for a bare key */
};

static void
trust_x509_crt_free (mbedtls_x509_crt *crt)
{
  mbedtls_x509_crt_free (crt);
  g_free (crt);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (mbedtls_x509_crt, trust_x509_crt_free)

static void
trust_pk_free (mbedtls_pk_context *pk)
{
  mbedtls_pk_free (pk);
  g_free (pk);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (mbedtls_pk_context, trust_pk_free)

static gchar *
trust_pin_for_spki (const guint8 *spki, gsize spki_len)
{
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree gchar *b64 = NULL;

  g_checksum_update (checksum, spki, (gssize) spki_len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  b64 = g_base64_encode (digest, digest_len);
  return g_strconcat ("sha256//", b64, NULL);
}

static gchar *
trust_pem_for_certificate (const guint8 *der, gsize der_len)
{
  g_autofree gchar *b64 = g_base64_encode (der, der_len);
  GString *pem = g_string_new ("-----BEGIN CERTIFICATE-----\n");
  gsize b64_len = strlen (b64);

  /* RFC 7468 lines of 64 characters; OpenSSL refuses longer ones in some versions. */
  for (gsize i = 0; i < b64_len; i += 64)
    {
      g_string_append_len (pem, b64 + i, (gssize) MIN ((gsize) 64, b64_len - i));
      g_string_append_c (pem, '\n');
    }
  g_string_append (pem, "-----END CERTIFICATE-----\n");
  return g_string_free (pem, FALSE);
}

static gchar *
trust_mbedtls_message (int code)
{
  /* The error module may be compiled out; the number is what matters for a bug report. */
  return g_strdup_printf ("mbedTLS error -0x%04X", (unsigned int) -code);
}

/* The outer TLV must be a SEQUENCE covering exactly the input: no trailing bytes hide behind a
 * certificate or key that mbedTLS would otherwise accept. */
static gboolean
trust_check_outer_sequence (const guint8 *der, gsize der_len, const gchar *field, GError **error)
{
  unsigned char *p = (unsigned char *) der;
  size_t len = 0;
  int rc;

  if (der_len == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: empty", field);
      return FALSE;
    }
  if (der_len > TRUST_MAX_DER_SIZE)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: %" G_GSIZE_FORMAT " bytes, more than the %u a key or certificate may take", field,
                   der_len, (guint) TRUST_MAX_DER_SIZE);
      return FALSE;
    }
  rc = mbedtls_asn1_get_tag (&p, p + der_len, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
  if (rc != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: not a DER SEQUENCE (first byte 0x%02X, %" G_GSIZE_FORMAT " bytes)", field, der[0],
                   der_len);
      return FALSE;
    }
  if ((gsize) (p - der) + len != der_len)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: SEQUENCE of %" G_GSIZE_FORMAT " bytes followed by %" G_GSIZE_FORMAT " trailing bytes",
                   field, (gsize) (p - der) + len, der_len - ((gsize) (p - der) + len));
      return FALSE;
    }
  return TRUE;
}

/* A SubjectPublicKeyInfo is SEQUENCE { SEQUENCE { OID, params }, BIT STRING }; a certificate is
 * SEQUENCE { SEQUENCE { ... tbs }, SEQUENCE { OID ... }, BIT STRING }. The first inner SEQUENCE of an
 * SPKI starts with an OID; that of a certificate does not. */
static gboolean
trust_looks_like_spki (const guint8 *der, gsize der_len)
{
  unsigned char *p = (unsigned char *) der;
  unsigned char *end = p + der_len;
  size_t len = 0;

  if (mbedtls_asn1_get_tag (&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
    return FALSE;
  end = p + len;
  if (mbedtls_asn1_get_tag (&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
    return FALSE;
  return p < end && *p == MBEDTLS_ASN1_OID;
}

/* Keys mbedTLS cannot use (Ed25519 in 2.28, for one) can still be pinned: curl compares bytes. The
 * structure must still be a well-formed SPKI with nothing left over. */
static gboolean
trust_check_spki_structure (const guint8 *der, gsize der_len)
{
  unsigned char *p = (unsigned char *) der;
  unsigned char *end = p + der_len;
  unsigned char *alg_end;
  size_t len = 0;

  if (mbedtls_asn1_get_tag (&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0
      || p + len != end)
    return FALSE;
  if (mbedtls_asn1_get_tag (&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
    return FALSE;
  alg_end = p + len;
  if (mbedtls_asn1_get_tag (&p, alg_end, &len, MBEDTLS_ASN1_OID) != 0 || len == 0)
    return FALSE;
  p = alg_end;
  if (mbedtls_asn1_get_tag (&p, end, &len, MBEDTLS_ASN1_BIT_STRING) != 0 || len < 2)
    return FALSE;
  return p + len == end;
}

static HttpsTrust *
trust_new_from_spki (const guint8 *der, gsize der_len, const gchar *field, GError **error)
{
  g_autoptr (mbedtls_pk_context) pk = g_new0 (mbedtls_pk_context, 1);
  HttpsTrust *trust;
  int rc;

  mbedtls_pk_init (pk);
  rc = mbedtls_pk_parse_public_key (pk, der, der_len);
  if (rc == MBEDTLS_ERR_PK_UNKNOWN_PK_ALG && trust_check_spki_structure (der, der_len))
    g_debug ("%s: key algorithm unknown to mbedTLS; pinning its bytes", field);
  else if (rc != 0)
    {
      g_autofree gchar *why = trust_mbedtls_message (rc);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: not a valid SubjectPublicKeyInfo (%s)", field, why);
      return NULL;
    }

  trust = g_new0 (HttpsTrust, 1);
  trust->ref_count = 1;
  trust->kind = HTTPS_TRUST_PINNED_KEY;
  trust->pin = trust_pin_for_spki (der, der_len);
  return trust;
}

static HttpsTrust *
trust_new_from_certificate (const guint8 *der, gsize der_len, const gchar *field, GError **error)
{
  g_autoptr (mbedtls_x509_crt) crt = g_new0 (mbedtls_x509_crt, 1);
  HttpsTrust *trust;
  char subject[512];
  gboolean is_ca;
  int rc;

  mbedtls_x509_crt_init (crt);
  rc = mbedtls_x509_crt_parse_der (crt, der, der_len);
  if (rc != 0)
    {
      g_autofree gchar *why = trust_mbedtls_message (rc);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: neither a SubjectPublicKeyInfo nor a valid X.509 certificate (%s)", field, why);
      return NULL;
    }
  if (TRUST_CRT_PK_RAW (crt).p == NULL || TRUST_CRT_PK_RAW (crt).len == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: certificate without a subjectPublicKeyInfo", field);
      return NULL;
    }
  if (mbedtls_x509_dn_gets (subject, sizeof subject, &crt->subject) < 0)
    g_strlcpy (subject, "(unprintable subject)", sizeof subject);

  is_ca = (TRUST_CRT_EXT_TYPES (crt) & MBEDTLS_X509_EXT_BASIC_CONSTRAINTS) != 0 && TRUST_CRT_CA_ISTRUE (crt) != 0;

  trust = g_new0 (HttpsTrust, 1);
  trust->ref_count = 1;
  trust->subject = g_strdup (subject);
  trust->anchor_pem = trust_pem_for_certificate (der, der_len);
  if (is_ca)
    trust->kind = HTTPS_TRUST_CA_CERTIFICATE;
  else
    {
      /* The server's own certificate: only that key will do. It also goes into the anchors so a
       * self-signed eIM certificate verifies (OpenSSL accepts any certificate in the store as an
       * anchor with partial chains, which libcurl enables); the host name is still checked. */
      trust->kind = HTTPS_TRUST_SERVER_CERTIFICATE;
      trust->pin = trust_pin_for_spki (TRUST_CRT_PK_RAW (crt).p, TRUST_CRT_PK_RAW (crt).len);
    }
  return trust;
}

HttpsTrust *
https_trust_new_from_der (const guint8 *der, gsize der_len, const gchar *field, GError **error)
{
  if (field == NULL)
    field = "trustedPublicKeyDataTls";
  if (der == NULL && der_len != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "%s: no data", field);
      return NULL;
    }
  if (!trust_check_outer_sequence (der, der_len, field, error))
    return NULL;
  if (trust_looks_like_spki (der, der_len))
    return trust_new_from_spki (der, der_len, field, error);
  return trust_new_from_certificate (der, der_len, field, error);
}

HttpsTrust *
https_trust_new_ci_anchors (GPtrArray *certificates, const gchar *description)
{
  HttpsTrust *trust;
  GString *pem = g_string_new (NULL);

  g_return_val_if_fail (certificates != NULL && certificates->len > 0, NULL);

  for (guint i = 0; i < certificates->len; i++)
    {
      gsize len = 0;
      const guint8 *der = g_bytes_get_data (g_ptr_array_index (certificates, i), &len);
      g_autofree gchar *one = trust_pem_for_certificate (der, len);

      g_string_append (pem, one);
    }
  trust = g_new0 (HttpsTrust, 1);
  trust->ref_count = 1;
  trust->kind = HTTPS_TRUST_CI_CERTIFICATES;
  trust->subject = g_strdup (description != NULL ? description : "GSMA CI certificates");
  trust->anchor_pem = g_string_free (pem, FALSE);
  return trust;
}

HttpsTrust *
https_trust_new_from_bytes (GBytes *der, const gchar *field, GError **error)
{
  gsize len = 0;
  const guint8 *data;

  if (der == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: absent",
                   field != NULL ? field : "trustedPublicKeyDataTls");
      return NULL;
    }
  data = g_bytes_get_data (der, &len);
  return https_trust_new_from_der (data, len, field, error);
}

/* The base64 between "-----BEGIN <label>-----" and "-----END <label>-----", for the first block of
 * a label we know. NULL if the text has no such block. */
static guint8 *
trust_pem_decode (const gchar *text, gsize text_len, gsize *ret_len)
{
  static const gchar *const labels[] = { "CERTIFICATE", "PUBLIC KEY", "TRUSTED CERTIFICATE" };

  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      g_autofree gchar *begin = g_strdup_printf ("-----BEGIN %s-----", labels[i]);
      g_autofree gchar *end = g_strdup_printf ("-----END %s-----", labels[i]);
      const gchar *start = g_strstr_len (text, (gssize) text_len, begin);
      const gchar *stop;
      g_autofree gchar *b64 = NULL;
      guint8 *der;

      if (start == NULL)
        continue;
      start += strlen (begin);
      stop = g_strstr_len (start, (gssize) (text_len - (gsize) (start - text)), end);
      if (stop == NULL)
        return NULL;
      b64 = g_strndup (start, (gsize) (stop - start));
      /* g_base64_decode skips whitespace but not other junk; refuse anything else. */
      for (const gchar *c = b64; *c != '\0'; c++)
        if (!g_ascii_isalnum (*c) && *c != '+' && *c != '/' && *c != '=' && !g_ascii_isspace (*c))
          return NULL;
      der = g_base64_decode (b64, ret_len);
      if (*ret_len == 0)
        {
          g_free (der);
          return NULL;
        }
      return der;
    }
  return NULL;
}

HttpsTrust *
https_trust_new_from_file (const gchar *path, GError **error)
{
  g_autofree gchar *contents = NULL;
  g_autofree gchar *field = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, error))
    {
      g_prefix_error (error, "TLS trust: ");
      return NULL;
    }
  field = g_strdup_printf ("TLS trust file %s", path);
  return https_trust_new_from_data (contents, len, field, error);
}

HttpsTrust *
https_trust_new_from_data (const gchar *contents, gsize len, const gchar *field, GError **error)
{
  if (g_strstr_len (contents, (gssize) len, "-----BEGIN ") != NULL)
    {
      g_autofree guint8 *der = NULL;
      gsize der_len = 0;

      der = trust_pem_decode (contents, len, &der_len);
      if (der == NULL)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "%s: no readable CERTIFICATE or PUBLIC KEY PEM block", field);
          return NULL;
        }
      return https_trust_new_from_der (der, der_len, field, error);
    }
  return https_trust_new_from_der ((const guint8 *) contents, len, field, error);
}

HttpsTrust *
https_trust_ref (HttpsTrust *trust)
{
  g_return_val_if_fail (trust != NULL, NULL);
  g_atomic_int_inc (&trust->ref_count);
  return trust;
}

void
https_trust_unref (HttpsTrust *trust)
{
  if (trust == NULL)
    return;
  if (!g_atomic_int_dec_and_test (&trust->ref_count))
    return;
  g_free (trust->pin);
  g_free (trust->anchor_pem);
  g_free (trust->subject);
  g_free (trust);
}

HttpsTrustKind
https_trust_get_kind (const HttpsTrust *trust)
{
  return trust->kind;
}

const gchar *
https_trust_get_pin (const HttpsTrust *trust)
{
  return trust->pin;
}

const gchar *
https_trust_get_anchor_pem (const HttpsTrust *trust)
{
  return trust->anchor_pem;
}

gchar *
https_trust_describe (const HttpsTrust *trust)
{
  switch (trust->kind)
    {
    case HTTPS_TRUST_PINNED_KEY:
      return g_strdup_printf ("pinned public key %s", trust->pin);
    case HTTPS_TRUST_CA_CERTIFICATE:
      return g_strdup_printf ("CA certificate \"%s\" as the anchor", trust->subject);
    case HTTPS_TRUST_SERVER_CERTIFICATE:
      return g_strdup_printf ("server certificate \"%s\", key pinned %s", trust->subject, trust->pin);
    case HTTPS_TRUST_CI_CERTIFICATES:
      return g_strdup_printf ("%s as the only anchors", trust->subject);
    default:
      return g_strdup ("unknown trust");
    }
}
