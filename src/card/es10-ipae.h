/* SPDX-License-Identifier: Apache-2.0 */
/* ES10b.IpaeActivation (SGP.32 v1.2, BF42): turns the IPA inside the eUICC (IPAe) on or off. While the IPAe is
 * active (EUICCInfo2 ipaMode ipae(1)) the eUICC reaches the eIM itself and the device's IPA stays out. */
#pragma once

#include <glib.h>

#include "card/isdr-session.h"

G_BEGIN_DECLS

/* ipaeActivationResult */
#define ES10_IPAE_ACTIVATION_OK 0
#define ES10_IPAE_ACTIVATION_NOT_SUPPORTED 1

/* IpaeActivationRequest: ipaeOption [0] BIT STRING with activateIpae(0) set to activate, empty to deactivate. */
GBytes *es10_ipae_activation_encode (gboolean activate);
gboolean es10_ipae_activation_decode (const guint8 *data, gsize length, gint64 *ret_result, GError **error);
/* Runs it; *ret_result is the eUICC's ipaeActivationResult (ok or notSupported, or another code it sent). */
gboolean es10_ipae_activation (IsdrSession *session, gboolean activate, gint64 *ret_result, GError **error);

G_END_DECLS
