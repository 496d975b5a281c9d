/* SPDX-License-Identifier: Apache-2.0 */
/* The ESipa JSON binding lives in a module loaded on first use ($(pkglibdir)/modules/esipa-json.so,
 * euiccd-module.h): a device whose eIM speaks the ASN.1 binding never maps it. The daemon links
 * esipa-json-module.c, whose esipa_json_*() functions load the module and call it; the library and the unit
 * tests keep the binding itself (esipa-json.c). */
#pragma once

#include "euiccd-module.h"
#include "net/esipa-json.h"

G_BEGIN_DECLS

/* The module and the daemon share the ESipa structures: a module from another build is refused. */
typedef struct {
  EuiccdModuleHeader header;         /* shared_sizes: ESIPA_JSON_MODULE_SHARED_SIZES */
  gchar *(*encode_get_eim_package_request) (const EsipaGetEimPackageRequest *request, GError **error);
  gchar *(*encode_provide_eim_package_result) (const EsipaEimPackageResult *result, GError **error);
  gchar *(*encode_handle_notification) (const EsipaNotification *notification, GError **error);
  gchar *(*encode_initiate_authentication_request) (const EsipaInitiateAuthenticationRequest *request,
                                                    GError **error);
  gchar *(*encode_authenticate_client_request) (const EsipaSessionRequest *request, GError **error);
  gchar *(*encode_get_bound_profile_package_request) (const EsipaSessionRequest *request, GError **error);
  gchar *(*encode_cancel_session_request) (const EsipaSessionRequest *request, GError **error);
  EsipaEimPackage *(*decode_get_eim_package_response) (const gchar *body, gsize length,
                                                       EsipaUnusablePackage **ret_unusable, GError **error);
  EsipaProvideResultResponse *(*decode_provide_eim_package_result_response) (const gchar *body, gsize length,
                                                                            GError **error);
  gboolean (*decode_handle_notification_response) (const gchar *body, gsize length, GError **error);
  gboolean (*status_is_failure) (const gchar *body, gsize length);
  EsipaInitiateAuthenticationResponse *(*decode_initiate_authentication_response) (const gchar *body, gsize length,
                                                                                  GError **error);
  EsipaAuthenticateClientResponse *(*decode_authenticate_client_response) (const gchar *body, gsize length,
                                                                          GError **error);
  EsipaGetBoundProfilePackageResponse *(*decode_get_bound_profile_package_response) (const gchar *body,
                                                                                    gsize length, GError **error);
  EsipaCancelSessionResponse *(*decode_cancel_session_response) (const gchar *body, gsize length, GError **error);
} EsipaJsonModule;

#define ESIPA_JSON_MODULE_SYMBOL "esipa_json_module"
#define ESIPA_JSON_MODULE_NAME "esipa-json"
#define ESIPA_JSON_MODULE_SHARED_SIZES { sizeof (EsipaEimPackage), sizeof (EsipaEimPackageResult) }

G_END_DECLS
