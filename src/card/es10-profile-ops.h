/* SPDX-License-Identifier: Apache-2.0 */
/* ES10c profile operations of SGP.22 (EnableProfile, DisableProfile, DeleteProfile, SetNickname): what a
 * consumer eUICC offers instead of SGP.32's LoadEuiccPackage. Profiles are named by ICCID (20 digits or 19 and
 * an F, as es10_iccid_encode() takes them). */
#pragma once

#include <glib.h>

#include "card/isdr-session.h"

G_BEGIN_DECLS

/* The operation, by its request tag. */
typedef enum {
  ES10_PROFILE_OP_ENABLE = 0xBF31,
  ES10_PROFILE_OP_DISABLE = 0xBF32,
  ES10_PROFILE_OP_DELETE = 0xBF33,
} Es10ProfileOp;

/* EnableProfileRequest (BF31) / DisableProfileRequest (BF32): A0 { 5A iccid } 81 refreshFlag;
 * DeleteProfileRequest (BF33): 5A iccid. `refresh` is ignored for delete. Fails on a malformed ICCID. */
GBytes *es10_profile_op_encode (Es10ProfileOp op, const gchar *iccid, gboolean refresh, GError **error);
/* The response (same tag as the request) holding one INTEGER result (80): ok(0), iccidOrAidNotFound(1),
 * profileNotIn...State(2), disallowedByPolicy(3), wrongProfileReenabling(4), catBusy(5), undefinedError(127). */
gboolean es10_profile_op_decode (Es10ProfileOp op, const guint8 *data, gsize length, gint64 *ret_result,
                                 GError **error);
gboolean es10_profile_op (IsdrSession *session, Es10ProfileOp op, const gchar *iccid, gboolean refresh,
                          gint64 *ret_result, GError **error);

/* SetNicknameRequest (BF29): 5A iccid, 90 nickname (at most 64 bytes of UTF-8). */
GBytes *es10_set_nickname_encode (const gchar *iccid, const gchar *nickname, GError **error);
/* SetNicknameResponse (BF29): 80 ok(0), iccidNotFound(1), undefinedError(127). */
gboolean es10_set_nickname_decode (const guint8 *data, gsize length, gint64 *ret_result, GError **error);
gboolean es10_set_nickname (IsdrSession *session, const gchar *iccid, const gchar *nickname, gint64 *ret_result,
                            GError **error);

/* GetProfilesInfo with a ProfileInfoListRequest (BF2D) given whole, e.g. an eIM's listProfileInfo PSMO; the
 * eUICC's answer as it came (checked to be one BF2D TLV). */
GBytes *es10_get_profiles_info_raw (IsdrSession *session, GBytes *request, GError **error);

const gchar *es10_profile_op_name (Es10ProfileOp op);

G_END_DECLS
