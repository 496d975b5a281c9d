/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the ES10 response decoders (src/card/es10-*.c): every input goes through every
 * decoder, so one corpus of card answers serves them all and a mutation of one response can wander into
 * another's outer tag. Each decoder must either return a result (which is then freed) or set an error with a
 * message; the sanitizers catch the rest. */
#include "config.h"

#include "card/es10.h"
#include "fuzz/fuzz-common.h"

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

DECODER (run_eid, gchar, es10_get_eid_decode, g_free)
DECODER (run_info1, Es10EuiccInfo1, es10_get_euicc_info1_decode, es10_euicc_info1_free)
DECODER (run_info2, Es10EuiccInfo2, es10_get_euicc_info2_decode, es10_euicc_info2_free)
DECODER (run_addresses, Es10ConfiguredAddresses, es10_get_euicc_configured_addresses_decode,
         es10_configured_addresses_free)
DECODER (run_challenge, GBytes, es10_get_euicc_challenge_decode, g_bytes_unref)
DECODER (run_certs, Es10Certs, es10_get_certs_decode, es10_certs_free)
DECODER (run_rat, Es10Rat, es10_get_rat_decode, es10_rat_free)
DECODER (run_profiles, Es10ProfileList, es10_get_profiles_info_decode, es10_profile_list_free)
DECODER (run_profile, Es10ProfileInfo, es10_profile_info_decode, es10_profile_info_free)
DECODER (run_notifications, Es10PendingNotificationList, es10_retrieve_notifications_list_decode,
         es10_pending_notification_list_free)
DECODER (run_notification, Es10PendingNotification, es10_pending_notification_decode,
         es10_pending_notification_free)
DECODER (run_metadata, Es10NotificationMetadataList, es10_list_notification_decode,
         es10_notification_metadata_list_free)
DECODER (run_eim_list, Es10EimConfigurationList, es10_get_eim_configuration_data_decode,
         es10_eim_configuration_list_free)
DECODER (run_eim, Es10EimConfiguration, es10_eim_configuration_decode, es10_eim_configuration_free)
DECODER (run_add_eim, Es10AddInitialEimResult, es10_add_initial_eim_decode, es10_add_initial_eim_result_free)
DECODER (run_package, Es10PendingNotification, es10_load_euicc_package_decode, es10_pending_notification_free)
DECODER (run_iccid, gchar, es10_iccid_decode, g_free)
DECODER (run_authenticate_server, Es10DownloadResponse, es10_authenticate_server_decode, es10_download_response_free)
DECODER (run_prepare_download, Es10DownloadResponse, es10_prepare_download_decode, es10_download_response_free)
DECODER (run_cancel_session, Es10CancelSessionResponse, es10_cancel_session_decode, es10_cancel_session_response_free)
DECODER (run_installation_result, Es10ProfileInstallationResult, es10_profile_installation_result_decode,
         es10_profile_installation_result_free)

static void
run_remove_notification (const guint8 *data, gsize length)
{
  g_autoptr(GError) error = NULL;
  gint64 status = -1;

  if (!es10_remove_notification_from_list_decode (data, length, &status, &error))
    FUZZ_CHECK (error != NULL && error->message[0] != '\0');
  else
    FUZZ_CHECK (error == NULL);
}

static const DecodeAndFree decoders[] = {
  run_eid, run_info1, run_info2, run_addresses, run_challenge, run_certs, run_rat, run_profiles, run_profile,
  run_notifications, run_notification, run_metadata, run_eim_list, run_eim, run_add_eim, run_package, run_iccid,
  run_remove_notification, run_authenticate_server, run_prepare_download, run_cancel_session,
  run_installation_result,
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
