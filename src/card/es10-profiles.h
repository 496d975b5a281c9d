/* SPDX-License-Identifier: Apache-2.0 */
/* ES10c.GetProfilesInfo: which profiles the eUICC holds and their metadata (SGP.32 v1.2 ProfileInfo). */
#pragma once

#include <glib.h>

#include "card/es10-types.h"
#include "card/isdr-session.h"

G_BEGIN_DECLS

/* ProfileInfoListRequest (BF2D); search NULL: every profile, every field (BF2D00). Fails only on a malformed
 * ICCID or AID in the search criteria. */
GBytes *es10_get_profiles_info_encode (const Es10ProfileSearch *search, GError **error);
/* SGP32-ProfileInfoListResponse. profileInfoListError is not a decode error: it is returned in the list. */
Es10ProfileList *es10_get_profiles_info_decode (const guint8 *data, gsize length, GError **error);
gboolean es10_get_profiles_info (IsdrSession *session, const Es10ProfileSearch *search, Es10ProfileList **ret_list,
                                 GError **error);

/* One ProfileInfo (E3) TLV, for callers holding one inside another structure (e.g. the listProfileInfoResult
 * of an eUICC package result). */
Es10ProfileInfo *es10_profile_info_decode (const guint8 *data, gsize length, GError **error);

const gchar *es10_profile_state_to_string (Es10ProfileState state);
const gchar *es10_profile_class_to_string (Es10ProfileClass profile_class);

G_END_DECLS
