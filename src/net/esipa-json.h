/* SPDX-License-Identifier: Apache-2.0 */
/* ESipa JSON binding (paths /gsma/rsp2/esipa/<function>): request bodies built from, and response bodies decoded
 * into, the same structs as the ASN.1 binding (esipa-types.h). EIDs and transaction ids travel as upper-case
 * hex, ASN.1 blobs as standard base64 of their DER. Pure functions, no I/O.
 *
 * Every response carries the SGP.22 header {"header":{"functionExecutionStatus":{"status": ...}}}. "Failed"
 * and "Expired" are mapped onto the function's own error alternative where the binding defines one
 * (getEimPackage: statusCodeData 8.1.1/3.7 is noEimPackageAvailable, ...); otherwise the decoder fails with
 * EUICCD_ERROR_PROTOCOL naming the status, subjectCode, reasonCode and message. */
#pragma once

#include <glib.h>

#include "net/esipa-types.h"

G_BEGIN_DECLS

/* Requests: newly allocated UTF-8 JSON text. */
gchar *esipa_json_encode_get_eim_package_request (const EsipaGetEimPackageRequest *request, GError **error);
gchar *esipa_json_encode_provide_eim_package_result (const EsipaEimPackageResult *result, GError **error);
gchar *esipa_json_encode_handle_notification (const EsipaNotification *notification, GError **error);
gchar *esipa_json_encode_initiate_authentication_request (const EsipaInitiateAuthenticationRequest *request,
                                                          GError **error);
gchar *esipa_json_encode_authenticate_client_request (const EsipaSessionRequest *request, GError **error);
gchar *esipa_json_encode_get_bound_profile_package_request (const EsipaSessionRequest *request, GError **error);
/* "cancelSessionResponse" is the eUICC's CancelSessionResponse (BF41) in base64, as the card returned it. */
gchar *esipa_json_encode_cancel_session_request (const EsipaSessionRequest *request, GError **error);

/* Responses. Same conventions as the esipa_asn1_decode_*() functions; ret_unusable as there. */
EsipaEimPackage *esipa_json_decode_get_eim_package_response (const gchar *body, gsize length,
                                                             EsipaUnusablePackage **ret_unusable, GError **error);
EsipaProvideResultResponse *esipa_json_decode_provide_eim_package_result_response (const gchar *body, gsize length,
                                                                                  GError **error);
/* handleNotification has no output data: TRUE when the header says Executed-Success or Executed-WithWarning.
 * An empty body (HTTP 204) is accepted. */
gboolean esipa_json_decode_handle_notification_response (const gchar *body, gsize length, GError **error);
/* Whether `body` is a JSON answer whose header.functionExecutionStatus.status is Failed or Expired. */
gboolean esipa_json_status_is_failure (const gchar *body, gsize length);
EsipaInitiateAuthenticationResponse *esipa_json_decode_initiate_authentication_response (const gchar *body,
                                                                                        gsize length,
                                                                                        GError **error);
EsipaAuthenticateClientResponse *esipa_json_decode_authenticate_client_response (const gchar *body, gsize length,
                                                                                GError **error);
EsipaGetBoundProfilePackageResponse *esipa_json_decode_get_bound_profile_package_response (const gchar *body,
                                                                                          gsize length,
                                                                                          GError **error);
EsipaCancelSessionResponse *esipa_json_decode_cancel_session_response (const gchar *body, gsize length,
                                                                      GError **error);

G_END_DECLS
