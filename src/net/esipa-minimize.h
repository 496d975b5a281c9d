/* SPDX-License-Identifier: Apache-2.0 */
/* IpaCapabilities.ipaFeatures minimizeEsipaBytes (5), SGP.32 v1.2: the shorter forms of what the IPA forwards
 * from the eUICC that the ESipa ASN.1 defines, built from the eUICC's full answers. The eIM completes them
 * from what it already knows (the eUICC certificates it was given in IpaEuiccData).
 *
 * Built here: compactOtherSignedNotification. The ASN.1 has more, all in the indirect profile download:
 * CompactProfileInstallationResult, CompactAuthenticateResponseOk (compactEuiccSigned1, certificates
 * OPTIONAL), CompactPrepareDownloadResponseOk, CompactCancelSessionResponseOk, and euiccInfo1 OPTIONAL in
 * InitiateAuthenticationRequestEsipa; their use belongs with that procedure. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One SGP32-PendingNotification as read from the eUICC, for ESipa under minimizeEsipaBytes:
 * an OtherSignedNotification (30) becomes a compactOtherSignedNotification (A1): the NotificationMetadata
 * and the eUICC's signature over it, byte for byte, without the eUICC and EUM certificates, and with
 * eidValue when @eid (16 bytes) is not NULL. Anything else comes back as it is (a new reference).
 * Errors: EUICCD_ERROR_INVALID_DATA when an OtherSignedNotification lacks its metadata or signature. */
GBytes *esipa_minimize_pending_notification (GBytes *notification, const guint8 *eid, GError **error);

G_END_DECLS
