/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the ESipa ASN.1 binding's decoders (src/net/esipa-asn1.c): every message the eIM can
 * send, and the inner packages the JSON binding carries in base64. Every input goes through every decoder.
 * A decoder returns a result or an error with a message, never both; an unusable package comes with what the
 * IPA needs to answer it only when the decoder refused the package. */
#include "config.h"

#include "euiccd-error.h"
#include "fuzz/fuzz-common.h"
#include "net/esipa-asn1.h"

typedef void (*DecodeAndFree) (const guint8 *data, gsize length);

#define DECODER(name, type, decode, free_func)                                 \
  static void                                                                  \
  name (const guint8 *data, gsize length)                                      \
  {                                                                            \
    g_autoptr(GError) error = NULL;                                            \
    type *result = decode (data, length, &error);                              \
                                                                               \
    FUZZ_CHECK_REFUSAL (result, error);                                        \
    FUZZ_CHECK (result == NULL || error == NULL);                              \
    if (result != NULL)                                                        \
      free_func (result);                                                      \
  }

DECODER (run_provide_result, EsipaProvideResultResponse, esipa_asn1_decode_provide_eim_package_result_response,
         esipa_provide_result_response_free)
DECODER (run_acknowledgements, GArray, esipa_asn1_decode_eim_acknowledgements, g_array_unref)
DECODER (run_initiate_authentication, EsipaInitiateAuthenticationResponse,
         esipa_asn1_decode_initiate_authentication_response, esipa_initiate_authentication_response_free)
DECODER (run_authenticate_client, EsipaAuthenticateClientResponse, esipa_asn1_decode_authenticate_client_response,
         esipa_authenticate_client_response_free)
DECODER (run_bound_profile_package, EsipaGetBoundProfilePackageResponse,
         esipa_asn1_decode_get_bound_profile_package_response, esipa_get_bound_profile_package_response_free)
DECODER (run_cancel_session, EsipaCancelSessionResponse, esipa_asn1_decode_cancel_session_response,
         esipa_cancel_session_response_free)
DECODER (run_euicc_package_request, EsipaEuiccPackageRequest, esipa_asn1_decode_euicc_package_request,
         esipa_euicc_package_request_free)
DECODER (run_ipa_euicc_data_request, EsipaIpaEuiccDataRequest, esipa_asn1_decode_ipa_euicc_data_request,
         esipa_ipa_euicc_data_request_free)
DECODER (run_download_trigger, EsipaProfileDownloadTrigger, esipa_asn1_decode_profile_download_trigger,
         esipa_profile_download_trigger_free)

typedef EsipaEimPackage *(*PackageDecoder) (const guint8 *data, gsize length, EsipaUnusablePackage **ret_unusable,
                                            GError **error);

static void
run_package_decoder (PackageDecoder decode, const guint8 *data, gsize length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EsipaUnusablePackage) unusable = NULL;
  g_autoptr(EsipaEimPackage) package = decode (data, length, &unusable, &error);

  FUZZ_CHECK_REFUSAL (package, error);
  FUZZ_CHECK (package == NULL || (error == NULL && unusable == NULL));
  if (package == NULL)
    {
      gint64 code = esipa_package_result_error_for (error);

      FUZZ_CHECK (code == 1 || code == 2);
    }
  /* Without a place for the unusable package the decoder must behave the same. */
  {
    g_autoptr(GError) error_again = NULL;
    g_autoptr(EsipaEimPackage) package_again = decode (data, length, NULL, &error_again);

    FUZZ_CHECK ((package_again == NULL) == (package == NULL));
  }
}

static void
run_get_eim_package (const guint8 *data, gsize length)
{
  run_package_decoder (esipa_asn1_decode_get_eim_package_response, data, length);
}

static void
run_eim_package (const guint8 *data, gsize length)
{
  run_package_decoder (esipa_asn1_decode_eim_package, data, length);
}

static const DecodeAndFree decoders[] = {
  run_get_eim_package, run_eim_package, run_provide_result, run_acknowledgements, run_initiate_authentication,
  run_authenticate_client, run_bound_profile_package, run_cancel_session, run_euicc_package_request,
  run_ipa_euicc_data_request, run_download_trigger,
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  for (gsize i = 0; i < G_N_ELEMENTS (decoders); i++)
    decoders[i] (data, size);
  return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}
