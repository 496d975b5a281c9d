/* SPDX-License-Identifier: Apache-2.0 */
/* The ESipa function calls of an IPA, over one HttpsExchange with one eIM, in the binding that eIM speaks.
 *
 * ASN.1 binding: every function is POST <eim>/gsma/rsp2/asn1 with Content-Type application/x-gsma-rsp-asn1.
 * JSON binding: POST <eim>/gsma/rsp2/esipa/<function> with Content-Type application/json;charset=UTF-8.
 * Both send X-Admin-Protocol: gsma/rsp/v2.1.0.
 *
 * A call succeeds when the eIM answered 200 with a body of the binding's content type that decodes (or 204 for
 * handleNotification). Errors name the function, the eIM URL, the HTTP status and the start of a plain-text
 * answer: EUICCD_ERROR_PROTOCOL for a 4xx or a body that is not the expected message, EUICCD_ERROR_NETWORK for a
 * 5xx or a transport failure, EUICCD_ERROR_TIMEOUT from the transport, EUICCD_ERROR_INVALID_DATA or
 * EUICCD_ERROR_NOT_SUPPORTED when a received package cannot be used (see esipa_get_eim_package()).
 *
 * Calls block, like the exchange underneath. Debug logs (G_LOG_DOMAIN "euiccd-net") show the bodies. */
#pragma once

#include <glib.h>

#include "net/esipa-types.h"
#include "net/https-client.h"

G_BEGIN_DECLS

#define ESIPA_ASN1_PATH "/gsma/rsp2/asn1"
#define ESIPA_JSON_PATH_PREFIX "/gsma/rsp2/esipa/"
#define ESIPA_ASN1_CONTENT_TYPE "application/x-gsma-rsp-asn1"
#define ESIPA_JSON_CONTENT_TYPE "application/json;charset=UTF-8"
#define ESIPA_ADMIN_PROTOCOL "gsma/rsp/v2.1.0"

typedef struct _EsipaClient EsipaClient;

/* `exchange` is borrowed and must outlive the client; `eim_url` ("https://eim.example.com") is only used in
 * messages. */
EsipaClient *esipa_client_new (HttpsExchange *exchange, const gchar *eim_url, EsipaBinding binding);
void esipa_client_free (EsipaClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EsipaClient, esipa_client_free)

/* Retry-After of the last answer in seconds, -1 when it had none. */
gint64 esipa_client_get_retry_after (const EsipaClient *client);
/* How the eIM answered the last call, for telling a refusal from a passing failure: its HTTP status (0 when
 * no answer came: connection, TLS or time-out), and whether its JSON functionExecutionStatus said Failed or
 * Expired. */
guint esipa_client_get_last_status (const EsipaClient *client);
gboolean esipa_client_get_last_failed (const EsipaClient *client);

/* ESipa.GetEimPackage. "Nothing to do" is a package of kind ESIPA_EIM_PACKAGE_ERROR with error_code
 * ESIPA_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE (TRUE is returned). When the eIM sent a package that cannot be
 * used, returns FALSE and, if ret_unusable is not NULL, sets it so that the caller can still answer with
 * ProvideEimPackageResult.eimPackageResultResponseError. */
gboolean esipa_get_eim_package (EsipaClient *client, const EsipaGetEimPackageRequest *request,
                                EsipaEimPackage **ret_package, EsipaUnusablePackage **ret_unusable, GError **error);
/* ESipa.ProvideEimPackageResult; ret_response tells which notifications the eIM acknowledged. */
gboolean esipa_provide_eim_package_result (EsipaClient *client, const EsipaEimPackageResult *result,
                                           EsipaProvideResultResponse **ret_response, GError **error);
/* ESipa.HandleNotification: TRUE once the eIM accepted it (200 or 204). */
gboolean esipa_handle_notification (EsipaClient *client, const EsipaNotification *notification, GError **error);

/* Indirect profile download (SGP.32 3.2.3.2). An eIM-side error alternative is a successful call with
 * has_error / ESIPA_AUTHENTICATE_CLIENT_ERROR set in the response. */
gboolean esipa_initiate_authentication (EsipaClient *client, const EsipaInitiateAuthenticationRequest *request,
                                        EsipaInitiateAuthenticationResponse **ret_response, GError **error);
gboolean esipa_authenticate_client (EsipaClient *client, const EsipaSessionRequest *request,
                                    EsipaAuthenticateClientResponse **ret_response, GError **error);
gboolean esipa_get_bound_profile_package (EsipaClient *client, const EsipaSessionRequest *request,
                                          EsipaGetBoundProfilePackageResponse **ret_response, GError **error);
gboolean esipa_cancel_session (EsipaClient *client, const EsipaSessionRequest *request,
                               EsipaCancelSessionResponse **ret_response, GError **error);

G_END_DECLS
