/* SPDX-License-Identifier: Apache-2.0 */
/* Freeing the ES9+ / ES11 response structs. */
#include "config.h"

#include "net/es9plus-types.h"

void
rsp_initiate_authentication_response_free (RspInitiateAuthenticationResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->transaction_id, g_bytes_unref);
  g_clear_pointer (&response->server_signed1, g_bytes_unref);
  g_clear_pointer (&response->server_signature1, g_bytes_unref);
  g_clear_pointer (&response->euicc_ci_pkid_to_be_used, g_bytes_unref);
  g_clear_pointer (&response->server_certificate, g_bytes_unref);
  g_free (response);
}

void
es9_authenticate_client_response_free (Es9AuthenticateClientResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->transaction_id, g_bytes_unref);
  g_clear_pointer (&response->profile_metadata, g_bytes_unref);
  g_clear_pointer (&response->smdp_signed2, g_bytes_unref);
  g_clear_pointer (&response->smdp_signature2, g_bytes_unref);
  g_clear_pointer (&response->smdp_certificate, g_bytes_unref);
  g_free (response);
}

void
es9_get_bound_profile_package_response_free (Es9GetBoundProfilePackageResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->transaction_id, g_bytes_unref);
  g_clear_pointer (&response->bound_profile_package, g_bytes_unref);
  g_free (response);
}

void
es11_event_entry_free (Es11EventEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->event_id);
  g_free (entry->rsp_server_address);
  g_free (entry);
}

void
es11_authenticate_client_response_free (Es11AuthenticateClientResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->transaction_id, g_bytes_unref);
  g_clear_pointer (&response->events, g_ptr_array_unref);
  g_free (response);
}

const gchar *
rsp_status_kind_to_string (RspStatusKind kind)
{
  switch (kind)
    {
    case RSP_STATUS_NONE:
      return "none";
    case RSP_STATUS_EXECUTED_SUCCESS:
      return "Executed-Success";
    case RSP_STATUS_EXECUTED_WITH_WARNING:
      return "Executed-WithWarning";
    case RSP_STATUS_FAILED:
      return "Failed";
    case RSP_STATUS_EXPIRED:
      return "Expired";
    default:
      return "unknown";
    }
}
