/* SPDX-License-Identifier: Apache-2.0 */
/* ES10b profile switches the IPA asks for itself (SGP.32 v1.2 5.9.15-5.9.23): ProfileRollback [BF58],
 * ExecuteFallbackMechanism [BF5D], ReturnFromFallback [BF5E], EnableEmergencyProfile [BF5B] and
 * DisableEmergencyProfile [BF5C]. Each request carries refreshFlag: whether the eUICC asks the modem to REFRESH
 * after the switch. */
#pragma once

#include <glib.h>

#include "card/isdr-session.h"

G_BEGIN_DECLS

typedef enum {
  ES10_SWITCH_ROLLBACK,            /* ProfileRollback, BF58 */
  ES10_SWITCH_EXECUTE_FALLBACK,    /* ExecuteFallbackMechanism, BF5D */
  ES10_SWITCH_RETURN_FROM_FALLBACK,/* ReturnFromFallback, BF5E */
  ES10_SWITCH_ENABLE_EMERGENCY,    /* EnableEmergencyProfile, BF5B */
  ES10_SWITCH_DISABLE_EMERGENCY,   /* DisableEmergencyProfile, BF5C */
} Es10Switch;

/* The answer of one switch: the result code (0 ok) and, for ProfileRollback only, the signed eUICC package
 * result the eUICC made of it (BF51 as the card gave it; NULL when absent). */
typedef struct {
  gint64 result;
  GBytes *package_result;
} Es10SwitchResponse;

void es10_switch_response_free (Es10SwitchResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10SwitchResponse, es10_switch_response_free)

/* "ProfileRollback", "ExecuteFallbackMechanism", ... */
const gchar *es10_switch_name (Es10Switch which);
/* The name of a result code of `which` ("ok", "rollbackNotAllowed", "fallbackNotAvailable", ...), or NULL for a
 * code the ASN.1 does not name. */
const gchar *es10_switch_result_name (Es10Switch which, gint64 code);

GBytes *es10_switch_encode (Es10Switch which, gboolean refresh);
Es10SwitchResponse *es10_switch_decode (Es10Switch which, const guint8 *data, gsize length, GError **error);
Es10SwitchResponse *es10_switch (IsdrSession *session, Es10Switch which, gboolean refresh, GError **error);

G_END_DECLS
