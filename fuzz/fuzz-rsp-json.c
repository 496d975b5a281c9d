/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the ES9+ and ES11 response decoders (src/net/es9plus-json.c, es11-json.c): the JSON text,
 * the functionExecutionStatus header, the hex and base64 members, the DER checks and the event entries (JSON
 * array or DER). Every input goes through every decoder: a result or an error with a message, never both; the
 * status read is one of the four kinds and its codes are digits and dots. */
#include "config.h"

#include <string.h>

#include "euiccd-error.h"
#include "fuzz/fuzz-common.h"
#include "net/es11-json.h"
#include "net/es9plus-json.h"

static void
check_status (const RspStatus *status)
{
  FUZZ_CHECK (status->kind <= RSP_STATUS_EXPIRED);
  FUZZ_CHECK (strspn (status->subject_code, "0123456789.") == strlen (status->subject_code));
  FUZZ_CHECK (strspn (status->reason_code, "0123456789.") == strlen (status->reason_code));
}

#define DECODER(name, type, decode, free_func)                                 \
  static void                                                                  \
  name (const gchar *body, gsize length)                                       \
  {                                                                            \
    g_autoptr(GError) error = NULL;                                            \
    RspStatus status = { 0 };                                                  \
    type *result = decode (body, length, &status, &error);                     \
                                                                               \
    FUZZ_CHECK_REFUSAL (result, error);                                        \
    FUZZ_CHECK (result == NULL || error == NULL);                              \
    check_status (&status);                                                    \
    if (result != NULL)                                                        \
      free_func (result);                                                      \
  }

DECODER (run_initiate_authentication, RspInitiateAuthenticationResponse,
         es9plus_json_decode_initiate_authentication_response, rsp_initiate_authentication_response_free)
DECODER (run_authenticate_client, Es9AuthenticateClientResponse, es9plus_json_decode_authenticate_client_response,
         es9_authenticate_client_response_free)
DECODER (run_bound_profile_package, Es9GetBoundProfilePackageResponse,
         es9plus_json_decode_get_bound_profile_package_response, es9_get_bound_profile_package_response_free)

static void
run_es11 (const gchar *body, gsize length)
{
  g_autoptr(GError) error = NULL;
  RspStatus status = { 0 };
  g_autoptr(Es11AuthenticateClientResponse) response =
    es11_json_decode_authenticate_client_response (body, length, &status, &error);

  FUZZ_CHECK_REFUSAL (response, error);
  FUZZ_CHECK (response == NULL || error == NULL);
  check_status (&status);
  if (response == NULL)
    return;
  FUZZ_CHECK (response->events->len <= ES11_MAX_EVENTS);
  for (guint i = 0; i < response->events->len; i++)
    {
      Es11EventEntry *entry = g_ptr_array_index (response->events, i);

      FUZZ_CHECK (entry->event_id != NULL && entry->event_id[0] != '\0');
      FUZZ_CHECK (entry->rsp_server_address != NULL && entry->rsp_server_address[0] != '\0');
    }
}

static void
run_header_only (const gchar *body, gsize length)
{
  g_autoptr(GError) error = NULL;
  RspStatus status = { 0 };

  if (!es9plus_json_decode_header_only_response (body, length, "handleNotification", &status, &error))
    FUZZ_CHECK (error != NULL && error->message[0] != '\0');
  else
    FUZZ_CHECK (error == NULL);
  check_status (&status);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const gchar *body = (const gchar *) data;

  run_initiate_authentication (body, size);
  run_authenticate_client (body, size);
  run_bound_profile_package (body, size);
  run_es11 (body, size);
  run_header_only (body, size);
  return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}
