/* SPDX-License-Identifier: Apache-2.0 */
/* ES10a/b/c functions that read what the eUICC is: EID, EUICCInfo1/2, configured addresses, the challenge,
 * its certificates and the Rules Authorisation Table. Encoders are pure and return the request TLV;
 * decoders take the response TLV and refuse (EUICCD_ERROR_INVALID_DATA, naming structure and field) what
 * does not parse; wrappers run the function over an ISD-R session. */
#pragma once

#include <glib.h>

#include "card/es10-types.h"
#include "card/isdr-session.h"

G_BEGIN_DECLS

/* ES10c.GetEID: GetEuiccDataRequest {tagList 5A} (BF3E035C015A). The EID comes back as 32 upper-case hex
 * digits. */
GBytes *es10_get_eid_encode (void);
gchar *es10_get_eid_decode (const guint8 *data, gsize length, GError **error);
gboolean es10_get_eid (IsdrSession *session, gchar **ret_eid, GError **error);

/* ES10b.GetEUICCInfo1 (BF2000) */
GBytes *es10_get_euicc_info1_encode (void);
Es10EuiccInfo1 *es10_get_euicc_info1_decode (const guint8 *data, gsize length, GError **error);
gboolean es10_get_euicc_info1 (IsdrSession *session, Es10EuiccInfo1 **ret_info, GError **error);

/* ES10b.GetEUICCInfo2 (BF2200) */
GBytes *es10_get_euicc_info2_encode (void);
Es10EuiccInfo2 *es10_get_euicc_info2_decode (const guint8 *data, gsize length, GError **error);
gboolean es10_get_euicc_info2 (IsdrSession *session, Es10EuiccInfo2 **ret_info, GError **error);

/* ES10a.GetEuiccConfiguredAddresses / GetEuiccConfiguredData (BF3C00) */
GBytes *es10_get_euicc_configured_addresses_encode (void);
Es10ConfiguredAddresses *es10_get_euicc_configured_addresses_decode (const guint8 *data, gsize length,
                                                                     GError **error);
gboolean es10_get_euicc_configured_addresses (IsdrSession *session, Es10ConfiguredAddresses **ret_addresses,
                                              GError **error);

/* ES10b.GetEUICCChallenge (BF2E00); the challenge is 16 bytes. */
GBytes *es10_get_euicc_challenge_encode (void);
GBytes *es10_get_euicc_challenge_decode (const guint8 *data, gsize length, GError **error);
gboolean es10_get_euicc_challenge (IsdrSession *session, GBytes **ret_challenge, GError **error);

/* ES10b.GetCerts (BF56); ci_pkid NULL: the eUICC's default CI. */
GBytes *es10_get_certs_encode (const guint8 *ci_pkid, gsize ci_pkid_length);
Es10Certs *es10_get_certs_decode (const guint8 *data, gsize length, GError **error);
gboolean es10_get_certs (IsdrSession *session, const guint8 *ci_pkid, gsize ci_pkid_length, Es10Certs **ret_certs,
                         GError **error);

/* ES10b.GetRAT (BF4300) */
GBytes *es10_get_rat_encode (void);
Es10Rat *es10_get_rat_decode (const guint8 *data, gsize length, GError **error);
gboolean es10_get_rat (IsdrSession *session, Es10Rat **ret_rat, GError **error);

G_END_DECLS
