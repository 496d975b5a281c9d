/* SPDX-License-Identifier: Apache-2.0 */
/* ES10b.LoadEuiccPackage: the eIM's signed EuiccPackageRequest (BF51) goes to the eUICC exactly as received;
 * the eUICC checks signature, counter and EID itself and answers an EuiccPackageResult (BF51). */
#pragma once

#include <glib.h>

#include "card/es10-types.h"
#include "card/isdr-session.h"

G_BEGIN_DECLS

/* Checks that `request` is one BF51 TLV (nothing is re-encoded: the signature covers these bytes). */
gboolean es10_load_euicc_package_check (GBytes *request, GError **error);
/* Decodes an EuiccPackageResult into the notification struct the notification list also uses (kind
 * ES10_PENDING_EUICC_PACKAGE_RESULT, raw = the whole BF51). */
Es10PendingNotification *es10_load_euicc_package_decode (const guint8 *data, gsize length, GError **error);
gboolean es10_load_euicc_package (IsdrSession *session, GBytes *request, Es10PendingNotification **ret_result,
                                  GError **error);
/* es10_load_euicc_package() for callers that pass on what they cannot read: when the eUICC answered with one
 * well-formed BF51 TLV that does not decode, returns TRUE with *ret_result NULL, *ret_raw the answer as the
 * card sent it and *ret_reason why it could not be read. The package ran; its result is the card's to give. */
gboolean es10_load_euicc_package_keep_raw (IsdrSession *session, GBytes *request, Es10PendingNotification **ret_result,
                                           GBytes **ret_raw, gchar **ret_reason, GError **error);

G_END_DECLS
