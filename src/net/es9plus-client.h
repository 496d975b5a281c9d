/* SPDX-License-Identifier: Apache-2.0 */
/* ES9+ (SGP.22 5.6), the functions an IPA calls on an SM-DP+ for a direct profile download (SGP.32 3.2.3.1),
 * over an RspClient begun with RSP_SERVER_SMDP (rsp-client.h: headers, errors, one connection per download).
 *
 * A download runs, with the card's ES10b functions between the calls:
 *   es9plus_initiate_authentication   (GetEUICCChallenge, GetEUICCInfo1 before; AuthenticateServer after)
 *   es9plus_authenticate_client       (PrepareDownload after)
 *   es9plus_get_bound_profile_package (LoadBoundProfilePackage after)
 *   es9plus_handle_notification       (the install result; RemoveNotificationFromList after)
 * or, on any failure after the first call, ES10b.CancelSession and es9plus_cancel_session.
 *
 * Each returns TRUE with the decoded answer, or FALSE with an error; when the SM-DP+ answered Failed or Expired
 * the error names the subjectCode and reasonCode and rsp_client_get_status() holds them. An answer's
 * transactionId, when present, must be the one sent. */
#pragma once

#include <glib.h>

#include "net/es9plus-types.h"
#include "net/rsp-client.h"

G_BEGIN_DECLS

gboolean es9plus_initiate_authentication (RspClient *client, const RspInitiateAuthenticationRequest *request,
                                          RspInitiateAuthenticationResponse **ret_response, GError **error);
/* request->card_response: the eUICC's AuthenticateServerResponse (BF38). */
gboolean es9plus_authenticate_client (RspClient *client, const RspSessionRequest *request,
                                      Es9AuthenticateClientResponse **ret_response, GError **error);
/* request->card_response: the eUICC's PrepareDownloadResponse (BF21). */
gboolean es9plus_get_bound_profile_package (RspClient *client, const RspSessionRequest *request,
                                            Es9GetBoundProfilePackageResponse **ret_response, GError **error);
/* TRUE once the SM-DP+ accepted it (HTTP 204, or 200 with Executed-Success / Executed-WithWarning). */
gboolean es9plus_handle_notification (RspClient *client, const Es9HandleNotificationRequest *request,
                                      GError **error);
/* request->card_response: the eUICC's CancelSessionResponse (BF41). */
gboolean es9plus_cancel_session (RspClient *client, const RspSessionRequest *request, GError **error);

G_END_DECLS
