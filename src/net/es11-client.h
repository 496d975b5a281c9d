/* SPDX-License-Identifier: Apache-2.0 */
/* ES11 (SGP.22 5.8), event retrieval from an SM-DS, over an RspClient begun with RSP_SERVER_SMDS (rsp-client.h).
 *   es11_initiate_authentication   (GetEUICCChallenge, GetEUICCInfo1 before; AuthenticateServer after, with no
 *                                   matchingId: the SM-DS then lists every event it holds for the EID)
 *   es11_authenticate_client       -> the events: eventId and the SM-DP+ address of each
 * The request structs are ES9+'s: server_address is the SM-DS's address here. Errors as for ES9+. */
#pragma once

#include <glib.h>

#include "net/es9plus-types.h"
#include "net/rsp-client.h"

G_BEGIN_DECLS

gboolean es11_initiate_authentication (RspClient *client, const RspInitiateAuthenticationRequest *request,
                                       RspInitiateAuthenticationResponse **ret_response, GError **error);
/* request->card_response: the eUICC's AuthenticateServerResponse (BF38). */
gboolean es11_authenticate_client (RspClient *client, const RspSessionRequest *request,
                                   Es11AuthenticateClientResponse **ret_response, GError **error);

G_END_DECLS
