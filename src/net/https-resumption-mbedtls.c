/* SPDX-License-Identifier: Apache-2.0 */
/* See https-resumption-mbedtls.h. */
#include "config.h"

#include <string.h>

#include <curl/curl.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>

#include "net/https-resumption-mbedtls.h"

gboolean
https_mbedtls_resumption_observable (void)
{
#if MBEDTLS_VERSION_MAJOR == 2 && defined(MBEDTLS_VERSION_C)
  const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);

  /* The structure read below must be the one the running mbedTLS has: same major and minor version. */
  return info->ssl_version != NULL && g_str_has_prefix (info->ssl_version, "mbedTLS/")
         && (mbedtls_version_get_number () >> 16) == (MBEDTLS_VERSION_NUMBER >> 16);
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
