/* SPDX-License-Identifier: Apache-2.0 */
/* The descriptor the ESipa JSON binding module exports (esipa-json-module.h); everything else in it is local. */
#include "config.h"

#include "net/esipa-json-module.h"

extern const EsipaJsonModule esipa_json_module;

const EsipaJsonModule esipa_json_module = {
  .header = { PACKAGE_VERSION, ESIPA_JSON_MODULE_SHARED_SIZES },
  .encode_get_eim_package_request = esipa_json_encode_get_eim_package_request,
  .encode_provide_eim_package_result = esipa_json_encode_provide_eim_package_result,
  .encode_handle_notification = esipa_json_encode_handle_notification,
  .encode_initiate_authentication_request = esipa_json_encode_initiate_authentication_request,
  .encode_authenticate_client_request = esipa_json_encode_authenticate_client_request,
  .encode_get_bound_profile_package_request = esipa_json_encode_get_bound_profile_package_request,
  .encode_cancel_session_request = esipa_json_encode_cancel_session_request,
  .decode_get_eim_package_response = esipa_json_decode_get_eim_package_response,
  .decode_provide_eim_package_result_response = esipa_json_decode_provide_eim_package_result_response,
  .decode_handle_notification_response = esipa_json_decode_handle_notification_response,
  .status_is_failure = esipa_json_status_is_failure,
  .decode_initiate_authentication_response = esipa_json_decode_initiate_authentication_response,
  .decode_authenticate_client_response = esipa_json_decode_authenticate_client_response,
  .decode_get_bound_profile_package_response = esipa_json_decode_get_bound_profile_package_response,
  .decode_cancel_session_response = esipa_json_decode_cancel_session_response,
};
