/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the ESipa JSON binding's response decoders (src/net/esipa-json.c): the JSON text,
 * its header, the hex and base64 members and the ASN.1 blobs inside them. Every input goes through every
 * decoder, with the same contract as the ASN.1 target: a result or an error with a message, never both. */
#include "config.h"

#include "euiccd-error.h"
#include "fuzz/fuzz-common.h"
#include "net/esipa-json.h"

typedef void (*DecodeAndFree) (const gchar *body, gsize length);

#define DECODER(name, type, decode, free_func)                                 \
  static void                                                                  \
  name (const gchar *body, gsize length)                                       \
  {                                                                            \
    g_autoptr(GError) error = NULL;                                            \
    type *result = decode (body, length, &error);                              \
                                                                               \
    FUZZ_CHECK_REFUSAL (result, error);                                        \
    FUZZ_CHECK (result == NULL || error == NULL);                              \
    if (result != NULL)                                                        \
      free_func (result);                                                      \
  }

DECODER (run_provide_result, EsipaProvideResultResponse, esipa_json_decode_provide_eim_package_result_response,
         esipa_provide_result_response_free)
DECODER (run_initiate_authentication, EsipaInitiateAuthenticationResponse,
         esipa_json_decode_initiate_authentication_response, esipa_initiate_authentication_response_free)
DECODER (run_authenticate_client, EsipaAuthenticateClientResponse, esipa_json_decode_authenticate_client_response,
         esipa_authenticate_client_response_free)
DECODER (run_bound_profile_package, EsipaGetBoundProfilePackageResponse,
         esipa_json_decode_get_bound_profile_package_response, esipa_get_bound_profile_package_response_free)
DECODER (run_cancel_session, EsipaCancelSessionResponse, esipa_json_decode_cancel_session_response,
         esipa_cancel_session_response_free)

static void
run_get_eim_package (const gchar *body, gsize length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EsipaUnusablePackage) unusable = NULL;
  g_autoptr(EsipaEimPackage) package = esipa_json_decode_get_eim_package_response (body, length, &unusable, &error);
  g_autoptr(GError) error_again = NULL;
  g_autoptr(EsipaEimPackage) package_again = NULL;

  FUZZ_CHECK_REFUSAL (package, error);
  FUZZ_CHECK (package == NULL || (error == NULL && unusable == NULL));
  package_again = esipa_json_decode_get_eim_package_response (body, length, NULL, &error_again);
  FUZZ_CHECK ((package_again == NULL) == (package == NULL));
}

static void
run_handle_notification (const gchar *body, gsize length)
{
  g_autoptr(GError) error = NULL;

  if (!esipa_json_decode_handle_notification_response (body, length, &error))
    FUZZ_CHECK (error != NULL && error->message[0] != '\0');
  else
    FUZZ_CHECK (error == NULL);
}

static const DecodeAndFree decoders[] = {
  run_get_eim_package, run_provide_result, run_handle_notification, run_initiate_authentication,
  run_authenticate_client, run_bound_profile_package, run_cancel_session,
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  for (gsize i = 0; i < G_N_ELEMENTS (decoders); i++)
    decoders[i] ((const gchar *) data, size);
  return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}
