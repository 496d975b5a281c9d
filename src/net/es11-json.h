/* SPDX-License-Identifier: Apache-2.0 */
/* ES11 (IPA <-> SM-DS, SGP.22 6.6.2) in the SGP.22 JSON binding. ES11.InitiateAuthentication has the bodies of
 * ES9+.InitiateAuthentication (es9plus-json.h), ES11.AuthenticateClient the request of ES9+.AuthenticateClient;
 * only its answer differs: the events the SM-DS holds for the eUICC.
 *
 * "eventEntries" is an array of {"eventId": string, "rspServerAddress": string}, as SGP.22's JSON binding has
 * it. A server that sends instead the base64 of the ASN.1 binding's DER (SEQUENCE OF EventEntries, as 30 or as
 * the A1 member of AuthenticateClientOkEs11) is read too. One unusable entry (no eventId, an address that is
 * not a host name) is left out with a warning and counted in `skipped`; the others still count. */
#pragma once

#include <glib.h>

#include "net/es9plus-types.h"

G_BEGIN_DECLS

/* Events beyond this are ignored (with a warning): no eUICC has that many pending. */
#define ES11_MAX_EVENTS 64

Es11AuthenticateClientResponse *es11_json_decode_authenticate_client_response (const gchar *body, gsize length,
                                                                              RspStatus *ret_status,
                                                                              GError **error);

/* The DER form of eventEntries (see above) into `events` (of Es11EventEntry); FALSE when it does not parse. */
gboolean es11_event_entries_from_der (const guint8 *data, gsize length, GPtrArray *events, guint *ret_skipped,
                                      GError **error);

G_END_DECLS
