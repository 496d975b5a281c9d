/* SPDX-License-Identifier: Apache-2.0 */
/* See https-mbedtls.h. */
#include "config.h"

#include <dlfcn.h>
#include <string.h>

#include <curl/curl.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "euiccd-error.h"
#include "net/https-mbedtls.h"

/* From libmbedtls, which libcurl's mbedTLS backend has loaded; looked up, so a build on another libcurl
 * does not map libmbedtls for it (euiccd itself links only mbedx509 and mbedcrypto). */
typedef void (*ConfVerifyFunc) (mbedtls_ssl_config *conf,
                                int (*f_vrfy) (void *, mbedtls_x509_crt *, int, uint32_t *), void *p_vrfy);

static gboolean
curl_on_mbedtls (void)
{
  const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);

  return info->ssl_version != NULL && g_str_has_prefix (info->ssl_version, "mbedTLS/");
}

static ConfVerifyFunc
conf_verify_func (void)
{
  static gsize done = 0;
  static ConfVerifyFunc func = NULL;

  if (g_once_init_enter (&done))
    {
      if (curl_on_mbedtls ())
        {
          void *symbol = dlsym (RTLD_DEFAULT, "mbedtls_ssl_conf_verify");

          /* ISO C forbids object-to-function pointer casts; POSIX requires dlsym's to work. */
          memcpy (&func, &symbol, sizeof func);
        }
      g_once_init_leave (&done, 1);
    }
  return func;
}

gboolean
https_mbedtls_reads_gsma_certificates (void)
{
#if defined(MBEDTLS_X509_ALLOW_UNSUPPORTED_CRITICAL_EXTENSION)
  return TRUE;
#else
  return !curl_on_mbedtls ();
#endif
}

struct _HttpsMbedtlsAnchor {
  mbedtls_x509_crt crt;
};

gboolean
https_mbedtls_anchor_supported (void)
{
  return conf_verify_func () != NULL;
}

HttpsMbedtlsAnchor *
https_mbedtls_anchor_new (const gchar *pem, GError **error)
{
  HttpsMbedtlsAnchor *anchor = g_new0 (HttpsMbedtlsAnchor, 1);
  int rc;

  mbedtls_x509_crt_init (&anchor->crt);
  /* The PEM parser wants the terminating NUL counted. */
  rc = mbedtls_x509_crt_parse (&anchor->crt, (const unsigned char *) pem, strlen (pem) + 1);
  if (rc != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_FAILED, "TLS: the eUICC's server certificate does not parse (mbedTLS -0x%04X)",
                   (unsigned int) -rc);
      https_mbedtls_anchor_free (anchor);
      return NULL;
    }
  return anchor;
}

void
https_mbedtls_anchor_free (HttpsMbedtlsAnchor *anchor)
{
  if (anchor == NULL)
    return;
  mbedtls_x509_crt_free (&anchor->crt);
  g_free (anchor);
}

/* Called for each certificate of the chain, the top first and the server's last (depth 0); the flags are
 * what mbedTLS found wrong with it, and the verdict is the union over the chain. */
static int
anchor_verify (void *data, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
  const HttpsMbedtlsAnchor *anchor = data;

  if (depth > 0)
    {
      /* Above the anchored certificate: not consulted (depth 0 decides whether there is an anchor). */
      *flags = 0;
      return 0;
    }
  if (crt->raw.len == anchor->crt.raw.len && memcmp (crt->raw.p, anchor->crt.raw.p, crt->raw.len) == 0)
    *flags &= ~(uint32_t) MBEDTLS_X509_BADCERT_NOT_TRUSTED;
  else
    *flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
  return 0;
}

CURLcode
https_mbedtls_anchor_ssl_ctx (CURL *curl, void *ssl_config, void *anchor)
{
  ConfVerifyFunc conf_verify = conf_verify_func ();

  (void) curl;
  if (conf_verify == NULL || anchor == NULL)
    return CURLE_SSL_CERTPROBLEM;
  conf_verify (ssl_config, anchor_verify, anchor);
  return CURLE_OK;
}

gboolean
https_mbedtls_resumption_observable (void)
{
#if MBEDTLS_VERSION_MAJOR == 2 && defined(MBEDTLS_VERSION_C)
  /* The structure read below must be the one the running mbedTLS has: same major and minor version. */
  return curl_on_mbedtls () && (mbedtls_version_get_number () >> 16) == (MBEDTLS_VERSION_NUMBER >> 16);
#else
  return FALSE;
#endif
}

gint
https_mbedtls_session_resumed (HttpsMbedtlsSessions *seen, const void *ssl_context)
{
#if MBEDTLS_VERSION_MAJOR == 2
  const mbedtls_ssl_context *ssl = ssl_context;
  g_autoptr(GChecksum) checksum = NULL;
  guint8 fingerprint[32];
  gsize length = sizeof fingerprint;
  gint resumed = 0;

  if (ssl == NULL || ssl->session == NULL)
    return -1;
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, ssl->session->master, sizeof ssl->session->master);
  g_checksum_get_digest (checksum, fingerprint, &length);

  g_mutex_lock (&seen->lock);
  for (guint i = 0; i < seen->count && resumed == 0; i++)
    if (memcmp (seen->fingerprints[i], fingerprint, sizeof fingerprint) == 0)
      resumed = 1;
  if (resumed == 0)
    {
      memcpy (seen->fingerprints[seen->next], fingerprint, sizeof fingerprint);
      seen->next = (seen->next + 1) % HTTPS_MBEDTLS_SESSIONS_KEPT;
      seen->count = MIN (seen->count + 1, HTTPS_MBEDTLS_SESSIONS_KEPT);
    }
  g_mutex_unlock (&seen->lock);
  return resumed;
#else
  (void) seen;
  (void) ssl_context;
  return -1;
#endif
}
