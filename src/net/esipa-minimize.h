/* SPDX-License-Identifier: Apache-2.0 */
/* IpaCapabilities.ipaFeatures minimizeEsipaBytes (5), SGP.32 v1.2: the shorter forms of what the IPA forwards
 * from the eUICC that the ESipa ASN.1 defines, built from the eUICC's full answers. The eIM completes them
 * from what it already knows: what it was given in IpaEuiccData (the eUICC and EUM certificates, EUICCInfo1,
 * EUICCInfo2) and what it relayed in the download session (serverSigned1, ctxParams1 and hashCc when it gave
 * them, the SM-DP+'s certificates, the profile metadata). docs/benchmarks.md, "Bytes on the wire", says which
 * omission rests on what.
 *
 * Each function takes the eUICC's full answer and gives the compact form, or the answer itself (a new
 * reference) when it is an error alternative or when something the eIM would rebuild is not what the eIM
 * holds; an error only when the answer is not the structure it claims to be. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One SGP32-PendingNotification as read from the eUICC, for ESipa under minimizeEsipaBytes:
 * an OtherSignedNotification (30) becomes a compactOtherSignedNotification (A1): the NotificationMetadata
 * and the eUICC's signature over it, byte for byte, without the eUICC and EUM certificates, and with
 * eidValue when @eid (16 bytes) is not NULL. Anything else comes back as it is (a new reference).
 * Errors: EUICCD_ERROR_INVALID_DATA when an OtherSignedNotification lacks its metadata or signature. */
GBytes *esipa_minimize_pending_notification (GBytes *notification, const guint8 *eid, GError **error);

/* BF38 authenticateResponseOk -> compactAuthenticateResponseOk (A2). signedData is compactEuiccSigned1
 * {extCardResource of euiccInfo2, ctxParams1 unless it is @eim_ctx_params1 (the CtxParams1 TLV the eIM sent, or
 * NULL)} when transactionId, serverAddress and serverChallenge are those of @server_signed1 (the ServerSigned1
 * TLV the eIM sent) and euiccInfo2 is @eim_euicc_info2 (the BF22 the eIM holds, or NULL) but for
 * extCardResource; else the full euiccSigned1. The certificates go unless @eim_holds_certificates. When
 * neither can be left out, the answer itself. */
GBytes *esipa_minimize_authenticate_server_response (GBytes *response, GBytes *server_signed1,
                                                     GBytes *eim_ctx_params1, GBytes *eim_euicc_info2,
                                                     gboolean eim_holds_certificates, GError **error);
/* BF21 downloadResponseOk -> compactDownloadResponseOk (A2): euiccOtpk, hashCc unless it is @eim_hash_cc (the
 * one the eIM sent, or NULL), the signature. Only when euiccSigned2 is for @transaction_id. */
GBytes *esipa_minimize_prepare_download_response (GBytes *response, GBytes *transaction_id, GBytes *eim_hash_cc,
                                                  GError **error);
/* BF41 cancelSessionResponseOk -> compactCancelSessionResponseOk (A2): the reason and the signature. Only when
 * euiccCancelSessionSigned is for @transaction_id. */
GBytes *esipa_minimize_cancel_session_response (GBytes *response, GBytes *transaction_id, GError **error);
/* A ProfileInstallationResult (BF37) -> compactProfileInstallationResult ([0], A0): transactionId, seqNumber,
 * iccidPresent, the success result as bytes 14 and 15 of the ISD-P AID (simaResponse only when it is not the
 * all-installed one) or the errorResult, the signature. Only for the install result of the session
 * @transaction_id with the SM-DP+ @server_address (from serverSigned1), and an ISD-P AID of SGP.02's form. */
GBytes *esipa_minimize_profile_installation_result (GBytes *result, GBytes *transaction_id,
                                                    const gchar *server_address, GError **error);

G_END_DECLS
