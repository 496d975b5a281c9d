/* SPDX-License-Identifier: Apache-2.0 */
/* One conversation with an RSP server over the SGP.22 JSON binding: an SM-DP+ (ES9+, es9plus-client.h) or an
 * SM-DS (ES11, es11-client.h). It owns one HttpsExchange, so one TCP/TLS connection serves every function of a
 * download (or of an event retrieval), and the TLS session is resumed from the HttpsClient's cache next time.
 *
 * Every request is POST https://<address>/gsma/rsp2/es9plus/<function> (or /gsma/rsp2/es11/<function>) with
 * Content-Type: application/json;charset=UTF-8 and X-Admin-Protocol: gsma/rsp/v2.2.0, the User-Agent of the
 * HttpsClient (the one ESipa sends) and no Accept header. An answer counts when it is HTTP 200 with an
 * application/json body that decodes (or 204 where the function has no output). Errors name the interface, the
 * function and the server URL: EUICCD_ERROR_PROTOCOL for a 4xx, another 2xx, another content type, a body
 * that does not decode or a functionExecutionStatus Failed / Expired (rsp_client_get_status() then tells the
 * codes); EUICCD_ERROR_NETWORK for a 5xx or a transport or TLS failure; EUICCD_ERROR_TIMEOUT; and
 * EUICCD_ERROR_INVALID_DATA for a body larger than the HttpsClient's max_response_size. The server's own text
 * (a plain-text error page, statusCodeData.message) goes to debug lines only.
 *
 * Calls block; a client belongs to one thread at a time. */
#pragma once

#include <glib.h>

#include "net/es9plus-types.h"
#include "net/https-client.h"

G_BEGIN_DECLS

#define RSP_JSON_CONTENT_TYPE "application/json;charset=UTF-8"
#define RSP_ADMIN_PROTOCOL "gsma/rsp/v2.2.0"
#define ES9PLUS_PATH_PREFIX "/gsma/rsp2/es9plus/"
#define ES11_PATH_PREFIX "/gsma/rsp2/es11/"

typedef enum {
  RSP_SERVER_SMDP,   /* ES9+ */
  RSP_SERVER_SMDS,   /* ES11 */
} RspServerKind;

typedef struct _RspClient RspClient;

/* Starts the conversation with the server at @address ("smdp.example.com" or "host:port", as an activation code
 * or the eUICC gives it). @trust must be the CI anchors of smdp_trust_store_select(): an RSP server is never
 * trusted through the system store. Nothing goes on the network until the first call.
 * Errors: EUICCD_ERROR_INVALID_DATA for an address that is not a host name, EUICCD_ERROR_INVALID_ARGS for a
 * trust that is not CI anchors. */
RspClient *rsp_client_begin (HttpsClient *https, RspServerKind kind, const gchar *address, HttpsTrust *trust,
                             GError **error);
/* Ends the conversation: closes the connection (the TLS session stays cached). NULL is fine. */
void rsp_client_end (RspClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RspClient, rsp_client_end)

RspServerKind rsp_client_get_kind (const RspClient *client);
/* "https://smdp.example.com" */
const gchar *rsp_client_get_url (const RspClient *client);
/* The functionExecutionStatus of the last call's answer: RSP_STATUS_NONE when it carried none (the call failed
 * before: transport, HTTP status, not JSON) or before the first call; Executed-Success for an HTTP 204. */
const RspStatus *rsp_client_get_status (const RspClient *client);
/* Bytes, requests and connections of this conversation. */
void rsp_client_get_stats (RspClient *client, HttpsStats *ret_stats);

/* For es9plus-client.c and es11-client.c: POSTs the JSON text @request to @function and returns the body of an
 * answer to decode (empty for 204 when @allow_empty). Takes @request; NULL means its encoder failed and set
 * @error, which is then named as the request that could not be encoded (nothing is sent). */
GBytes *rsp_client_post (RspClient *client, const gchar *function, gchar *request, gboolean allow_empty,
                         GError **error);
/* Records the status a decoder read and prefixes a decoder's error with the interface, function and URL. */
void rsp_client_note_answer (RspClient *client, const gchar *function, const RspStatus *status, gboolean decoded,
                             GError **error);
/* A transaction id in an answer must be the session's: FALSE (EUICCD_ERROR_PROTOCOL) when it differs. */
gboolean rsp_client_check_transaction_id (RspClient *client, const gchar *function, GBytes *sent, GBytes *received,
                                          GError **error);

G_END_DECLS
