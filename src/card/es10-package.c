/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include "card/es10-notifications.h"
#include "card/es10-package.h"
#include "card/es10-private.h"
#include "euiccd-error.h"

gboolean
es10_load_euicc_package_check (GBytes *request, GError **error)
{
  DerTlv tlv;
  gsize length;
  const guint8 *data = g_bytes_get_data (request, &length);

  if (!der_parse_expect (data, length, 0xBF51, &tlv, error))
    {
      g_prefix_error (error, "EuiccPackageRequest: ");
      return FALSE;
    }
  if (!der_validate (&tlv, error))
    {
      g_prefix_error (error, "EuiccPackageRequest: ");
      return FALSE;
    }
  return TRUE;
}

Es10PendingNotification *
es10_load_euicc_package_decode (const guint8 *data, gsize length, GError **error)
{
  DerTlv tlv;

  /* The same BF51 the notification list carries: one decoder serves both. */
  if (!es10_parse_outer (data, length, 0xBF51, "EuiccPackageResult", &tlv, error))
    return NULL;
  return es10_pending_notification_decode (data, length, error);
}

gboolean
es10_load_euicc_package (IsdrSession *session, GBytes *request, Es10PendingNotification **ret_result, GError **error)
{
  g_autoptr(Es10Answer) response = NULL;

  if (!es10_load_euicc_package_check (request, error))
    return FALSE;
  response = es10_call (session, g_bytes_ref (request), error);
  *ret_result = response != NULL ? es10_load_euicc_package_decode (ES10_ANSWER_DATA (response), error) : NULL;
  return *ret_result != NULL;
}

gboolean
es10_load_euicc_package_keep_raw (IsdrSession *session, GBytes *request, Es10PendingNotification **ret_result,
                                  GBytes **ret_raw, gchar **ret_reason, GError **error)
{
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) decode_error = NULL;
  gsize length = 0;
  const guint8 *data;
  DerTlv tlv;

  *ret_result = NULL;
  *ret_raw = NULL;
  *ret_reason = NULL;
  if (!es10_load_euicc_package_check (request, error))
    return FALSE;
  response = es10_transact (session, request, error);
  if (response == NULL)
    return FALSE;
  data = g_bytes_get_data (response, &length);
  *ret_result = es10_load_euicc_package_decode (data, length, &decode_error);
  if (*ret_result != NULL)
    return TRUE;
  /* Only a whole BF51 can stand for an EuiccPackageResult in the ESipa message it is passed on in. */
  if (!der_parse_expect (data, length, 0xBF51, &tlv, NULL) || !der_validate (&tlv, NULL))
    {
      g_propagate_error (error, g_steal_pointer (&decode_error));
      return FALSE;
    }
  *ret_raw = g_steal_pointer (&response);
  *ret_reason = g_strdup (decode_error->message);
  return TRUE;
}
