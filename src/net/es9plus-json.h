/* SPDX-License-Identifier: Apache-2.0 */
/* ES9+ in the SGP.22 JSON binding (SGP.22 6.5.2): request bodies from, and response bodies into, the structs of
 * es9plus-types.h. Pure functions, no I/O.
 *
 * Requests: euiccChallenge is the base64 of the 16 bytes, every other binary member the base64 of one whole
 * DER TLV; transactionId is upper-case hex. The encoders check that each card answer is one DER TLV with the
 * expected tag (EUICCD_ERROR_INVALID_ARGS otherwise).
 *
 * Responses: the header's functionExecutionStatus is read first. Executed-Success and Executed-WithWarning go
 * on to the body; Failed and Expired return NULL with EUICCD_ERROR_PROTOCOL naming the function, the status,
 * the subjectCode and the reasonCode (and what SGP.22 calls them), never the server's statusCodeData message;
 * *ret_status (may be NULL) says which, so that a caller can map the codes (RSP_STATUS_NONE when no header
 * could be read). Unknown members are ignored; a
 * missing required member, bad base64 or DER that does not parse (or has another tag) is an error naming the
 * member (EUICCD_ERROR_PROTOCOL or EUICCD_ERROR_INVALID_DATA). */
#pragma once

#include <glib.h>

#include "euiccd-autoptr.h"
#include "net/es9plus-types.h"

G_BEGIN_DECLS

/* Requests: newly allocated UTF-8 JSON text. */
gchar *es9plus_json_encode_initiate_authentication_request (const RspInitiateAuthenticationRequest *request,
                                                            GError **error);
gchar *es9plus_json_encode_authenticate_client_request (const RspSessionRequest *request, GError **error);
gchar *es9plus_json_encode_get_bound_profile_package_request (const RspSessionRequest *request, GError **error);
gchar *es9plus_json_encode_handle_notification_request (const Es9HandleNotificationRequest *request,
                                                        GError **error);
gchar *es9plus_json_encode_cancel_session_request (const RspSessionRequest *request, GError **error);

/* Responses. */
RspInitiateAuthenticationResponse *es9plus_json_decode_initiate_authentication_response (const gchar *body,
                                                                                        gsize length,
                                                                                        RspStatus *ret_status,
                                                                                        GError **error);
Es9AuthenticateClientResponse *es9plus_json_decode_authenticate_client_response (const gchar *body, gsize length,
                                                                                RspStatus *ret_status,
                                                                                GError **error);
Es9GetBoundProfilePackageResponse *es9plus_json_decode_get_bound_profile_package_response (const gchar *body,
                                                                                          gsize length,
                                                                                          RspStatus *ret_status,
                                                                                          GError **error);
/* handleNotification and cancelSession carry nothing but the header; an empty body (HTTP 204) is success. */
gboolean es9plus_json_decode_header_only_response (const gchar *body, gsize length, const gchar *function,
                                                   RspStatus *ret_status, GError **error);

/* Shared with es11-json.c: parses `body`, reads the header into *ret_status (may be NULL) and returns the
 * root object when the function executed; otherwise NULL with the error described above. `server` names the
 * peer in errors ("SM-DP+", "SM-DS"). */
cJSON *rsp_json_open_response (const gchar *body, gsize length, const gchar *function, const gchar *server,
                               RspStatus *ret_status, GError **error);

/* What SGP.22 calls a subject or reason code ("8.2.6" -> "Matching ID"), NULL when this table lacks it. */
const gchar *rsp_subject_code_name (const gchar *code);
const gchar *rsp_reason_code_name (const gchar *code);

G_END_DECLS
