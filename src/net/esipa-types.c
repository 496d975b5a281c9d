/* SPDX-License-Identifier: Apache-2.0 */
/* The ESipa structs' free functions and code names, shared by both bindings. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include "net/esipa-types.h"

const gchar *
esipa_function_name (EsipaFunction function)
{
  switch (function)
    {
    case ESIPA_FUNCTION_GET_EIM_PACKAGE:
      return "getEimPackage";
    case ESIPA_FUNCTION_PROVIDE_EIM_PACKAGE_RESULT:
      return "provideEimPackageResult";
    case ESIPA_FUNCTION_HANDLE_NOTIFICATION:
      return "handleNotification";
    case ESIPA_FUNCTION_INITIATE_AUTHENTICATION:
      return "initiateAuthentication";
    case ESIPA_FUNCTION_AUTHENTICATE_CLIENT:
      return "authenticateClient";
    case ESIPA_FUNCTION_GET_BOUND_PROFILE_PACKAGE:
      return "getBoundProfilePackage";
    case ESIPA_FUNCTION_CANCEL_SESSION:
      return "cancelSession";
    default:
      return "unknown";
    }
}

const gchar *
esipa_eim_package_error_to_string (gint64 code)
{
  switch (code)
    {
    case ESIPA_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE:
      return "noEimPackageAvailable";
    case ESIPA_EIM_PACKAGE_ERROR_EID_NOT_FOUND:
      return "eidNotFound";
    case ESIPA_EIM_PACKAGE_ERROR_INVALID_EID:
      return "invalidEid";
    case ESIPA_EIM_PACKAGE_ERROR_MISSING_EID:
      return "missingEid";
    case ESIPA_EIM_PACKAGE_ERROR_UNDEFINED:
      return "undefinedError";
    default:
      return "unknown";
    }
}

const gchar *
esipa_provide_result_error_to_string (gint64 code)
{
  switch (code)
    {
    case ESIPA_PROVIDE_RESULT_ERROR_EID_NOT_FOUND:
      return "eidNotFound";
    case ESIPA_PROVIDE_RESULT_ERROR_INVALID_EID:
      return "invalidEid";
    case ESIPA_PROVIDE_RESULT_ERROR_MISSING_EID:
      return "missingEid";
    case ESIPA_PROVIDE_RESULT_ERROR_UNDEFINED:
      return "undefinedError";
    default:
      return "unknown";
    }
}

gboolean
esipa_ipa_euicc_data_request_wants (const EsipaIpaEuiccDataRequest *request, guint32 tag)
{
  g_return_val_if_fail (request != NULL, FALSE);

  if (request->tags == NULL)
    return FALSE;
  for (guint i = 0; i < request->tags->len; i++)
    if (g_array_index (request->tags, guint32, i) == tag)
      return TRUE;
  return FALSE;
}

void
esipa_euicc_package_request_free (EsipaEuiccPackageRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->eim_id);
  g_clear_pointer (&request->eim_transaction_id, g_bytes_unref);
  g_clear_pointer (&request->operations, g_array_unref);
  g_free (request);
}

void
esipa_ipa_euicc_data_request_free (EsipaIpaEuiccDataRequest *request)
{
  if (request == NULL)
    return;
  g_clear_pointer (&request->tag_list, g_bytes_unref);
  g_clear_pointer (&request->tags, g_array_unref);
  g_clear_pointer (&request->euicc_ci_pkid, g_bytes_unref);
  g_clear_pointer (&request->eim_transaction_id, g_bytes_unref);
  g_free (request);
}

void
esipa_profile_download_trigger_free (EsipaProfileDownloadTrigger *trigger)
{
  if (trigger == NULL)
    return;
  /* The activation code may hold a matching id: do not leave it in freed memory. */
  if (trigger->activation_code != NULL)
    {
      volatile gchar *p = trigger->activation_code;
      while (*p != '\0')
        *p++ = '\0';
    }
  g_free (trigger->activation_code);
  g_free (trigger->smds_address);
  g_clear_pointer (&trigger->eim_transaction_id, g_bytes_unref);
  g_free (trigger);
}

void
esipa_eim_package_free (EsipaEimPackage *package)
{
  if (package == NULL)
    return;
  g_clear_pointer (&package->raw, g_bytes_unref);
  esipa_euicc_package_request_free (package->euicc_package);
  esipa_ipa_euicc_data_request_free (package->ipa_euicc_data_request);
  esipa_profile_download_trigger_free (package->download_trigger);
  g_free (package);
}

void
esipa_unusable_package_free (EsipaUnusablePackage *unusable)
{
  if (unusable == NULL)
    return;
  g_clear_pointer (&unusable->eim_transaction_id, g_bytes_unref);
  g_clear_pointer (&unusable->raw, g_bytes_unref);
  g_free (unusable);
}

void
esipa_provide_result_response_free (EsipaProvideResultResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->seq_numbers, g_array_unref);
  g_free (response);
}

void
esipa_initiate_authentication_response_free (EsipaInitiateAuthenticationResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->transaction_id, g_bytes_unref);
  g_clear_pointer (&response->server_signed1, g_bytes_unref);
  g_clear_pointer (&response->server_signature1, g_bytes_unref);
  g_clear_pointer (&response->euicc_ci_pkid_to_be_used, g_bytes_unref);
  g_clear_pointer (&response->server_certificate, g_bytes_unref);
  g_free (response->matching_id);
  g_clear_pointer (&response->ctx_params1, g_bytes_unref);
  g_free (response);
}

void
esipa_authenticate_client_response_free (EsipaAuthenticateClientResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->transaction_id, g_bytes_unref);
  g_clear_pointer (&response->profile_metadata, g_bytes_unref);
  g_clear_pointer (&response->smdp_signed2, g_bytes_unref);
  g_clear_pointer (&response->smdp_signature2, g_bytes_unref);
  g_clear_pointer (&response->smdp_certificate, g_bytes_unref);
  g_clear_pointer (&response->hash_cc, g_bytes_unref);
  esipa_profile_download_trigger_free (response->download_trigger);
  g_free (response);
}

void
esipa_get_bound_profile_package_response_free (EsipaGetBoundProfilePackageResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->transaction_id, g_bytes_unref);
  g_clear_pointer (&response->bound_profile_package, g_bytes_unref);
  g_free (response);
}

void
esipa_cancel_session_response_free (EsipaCancelSessionResponse *response)
{
  g_free (response);
}
