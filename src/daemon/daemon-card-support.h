/* SPDX-License-Identifier: Apache-2.0 */
/* Whether euiccd can manage the card in the modem, and if not, why: a plain UICC has no ISD-R; an SGP.02 (M2M)
 * eUICC has one but answers no SGP.22/SGP.32 ES10 request (an SM-SR manages it over SCP03, not an eIM); an
 * SGP.32 eUICC whose own IPA (IPAe) is active polls the eIM itself, so the IPAd (euiccd) must stay out. */
#pragma once

#include <glib.h>

#include "card/isdr-session.h"

G_BEGIN_DECLS

typedef enum {
  DAEMON_CARD_SUPPORT_UNKNOWN,      /* not read yet, or not reachable */
  DAEMON_CARD_SUPPORT_SUPPORTED,
  DAEMON_CARD_SUPPORT_PLAIN_UICC,
  DAEMON_CARD_SUPPORT_M2M,
  DAEMON_CARD_SUPPORT_IPAE_ACTIVE,
  DAEMON_CARD_SUPPORT_SGP22,        /* a consumer eUICC: euiccd checks the eIM packages itself (ES10c) */
} DaemonCardSupport;

/* "unknown", "supported", "uicc", "m2m", "ipae-active", "sgp22": the D-Bus CardSupport values. */
const gchar *daemon_card_support_to_string (DaemonCardSupport support);
/* Whether the eIMs may be polled through this card. */
gboolean daemon_card_support_is_manageable (DaemonCardSupport support);

/* What the ISD-R's SELECT response (FCI, 6F) says: the SGP.32 ISDRProprietaryApplicationTemplateIoT (E1)
 * euiccConfiguration bit ipaeSupported(0). FALSE for anything that does not parse. */
gboolean daemon_card_support_fci_ipae_supported (GBytes *fci);

/* Whether a card whose ISD-R failed GetEimConfigurationData with `eim_error` is a consumer (SGP.22) eUICC: the
 * card must have refused it as a function it does not know (isdr_session_refused_as_unknown()), and its EUICCInfo2,
 * read here, must have none of SGP.32's fields (ipaMode, iotSpecificInfo). Anything else (6F00, a transport error,
 * a timeout, an answer that does not decode, an EUICCInfo2 that cannot be read or names SGP.32) is no proof, so the
 * card is not taken for one: FALSE with `error` saying why, for the poll to fail and be tried again. */
gboolean daemon_card_support_is_consumer (IsdrSession *session, const GError *eim_error, GError **error);

G_END_DECLS
