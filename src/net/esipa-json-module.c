/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's side of the ESipa JSON binding module (esipa-json-module.h): each esipa_json_*() function loads
 * the module on first use and calls it. Linked into the daemon only, ahead of the library, so that the
 * library's own binding stays out of the program. Without the module, every JSON request fails with the error
 * naming the missing file, and the exchange with it. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include "euiccd-module.h"
#include "net/esipa-json-module.h"

static EuiccdModule module_file = {
  .name = ESIPA_JSON_MODULE_NAME, .what = "The ESipa JSON binding",
  .symbol = ESIPA_JSON_MODULE_SYMBOL, .shared_sizes = ESIPA_JSON_MODULE_SHARED_SIZES,
};

static const EsipaJsonModule *
load (GError **error)
{
  return euiccd_module_get (&module_file, error);
}

gchar *
esipa_json_encode_get_eim_package_request (const EsipaGetEimPackageRequest *request, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->encode_get_eim_package_request (request, error) : NULL;
}

gchar *
esipa_json_encode_provide_eim_package_result (const EsipaEimPackageResult *result, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->encode_provide_eim_package_result (result, error) : NULL;
}

gchar *
esipa_json_encode_handle_notification (const EsipaNotification *notification, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->encode_handle_notification (notification, error) : NULL;
}

gchar *
esipa_json_encode_initiate_authentication_request (const EsipaInitiateAuthenticationRequest *request, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->encode_initiate_authentication_request (request, error) : NULL;
}

gchar *
esipa_json_encode_authenticate_client_request (const EsipaSessionRequest *request, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->encode_authenticate_client_request (request, error) : NULL;
}

gchar *
esipa_json_encode_get_bound_profile_package_request (const EsipaSessionRequest *request, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->encode_get_bound_profile_package_request (request, error) : NULL;
}

gchar *
esipa_json_encode_cancel_session_request (const EsipaSessionRequest *request, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->encode_cancel_session_request (request, error) : NULL;
}

EsipaEimPackage *
esipa_json_decode_get_eim_package_response (const gchar *body, gsize length, EsipaUnusablePackage **ret_unusable,
                                            GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->decode_get_eim_package_response (body, length, ret_unusable, error) : NULL;
}

EsipaProvideResultResponse *
esipa_json_decode_provide_eim_package_result_response (const gchar *body, gsize length, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->decode_provide_eim_package_result_response (body, length, error) : NULL;
}

gboolean
esipa_json_decode_handle_notification_response (const gchar *body, gsize length, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->decode_handle_notification_response (body, length, error) : FALSE;
}

EsipaInitiateAuthenticationResponse *
esipa_json_decode_initiate_authentication_response (const gchar *body, gsize length, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->decode_initiate_authentication_response (body, length, error) : NULL;
}

EsipaAuthenticateClientResponse *
esipa_json_decode_authenticate_client_response (const gchar *body, gsize length, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->decode_authenticate_client_response (body, length, error) : NULL;
}

EsipaGetBoundProfilePackageResponse *
esipa_json_decode_get_bound_profile_package_response (const gchar *body, gsize length, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->decode_get_bound_profile_package_response (body, length, error) : NULL;
}

EsipaCancelSessionResponse *
esipa_json_decode_cancel_session_response (const gchar *body, gsize length, GError **error)
{
  const EsipaJsonModule *module = load (error);

  return module != NULL ? module->decode_cancel_session_response (body, length, error) : NULL;
}

gboolean
esipa_json_status_is_failure (const gchar *body, gsize length)
{
  /* Asked only about the answer to a request the module encoded, so it is loaded by then. */
  const EsipaJsonModule *module = load (NULL);

  return module != NULL && module->status_is_failure (body, length);
}
