/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <string.h>

#include "card/es10-private.h"
#include "card/es10-profile-ops.h"
#include "euiccd-error.h"

#define MAX_NICKNAME_LENGTH 64

const gchar *
es10_profile_op_name (Es10ProfileOp op)
{
  switch (op)
    {
    case ES10_PROFILE_OP_ENABLE: return "EnableProfile";
    case ES10_PROFILE_OP_DISABLE: return "DisableProfile";
    case ES10_PROFILE_OP_DELETE: return "DeleteProfile";
    default: return "ProfileOperation";
    }
}

GBytes *
es10_profile_op_encode (Es10ProfileOp op, const gchar *iccid, gboolean refresh, GError **error)
{
  g_auto(DerWriter) writer = { 0 };
  guint8 coded[10];

  if (op != ES10_PROFILE_OP_ENABLE && op != ES10_PROFILE_OP_DISABLE && op != ES10_PROFILE_OP_DELETE)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "Unknown profile operation %X", op);
      return NULL;
    }
  if (!es10_iccid_encode (iccid, coded, error))
    {
      g_prefix_error (error, "%s: ", es10_profile_op_name (op));
      return NULL;
    }
  der_writer_init (&writer);
  der_begin (&writer, op);
  if (op == ES10_PROFILE_OP_DELETE)
    der_write (&writer, 0x5A, coded, sizeof coded);
  else
    {
      /* profileIdentifier is an untagged CHOICE under the module's automatic tags: [0], constructed. */
      der_begin (&writer, 0xA0);
      der_write (&writer, 0x5A, coded, sizeof coded);
      der_end (&writer);
      der_write_bool (&writer, 0x81, refresh);
    }
  der_end (&writer);
  return der_writer_finish (&writer);
}

/* Every one of these answers is `tag { 80 INTEGER }`. */
static gboolean
decode_single_result (guint32 tag, const gchar *structure, const guint8 *data, gsize length, gint64 *ret_result,
                      GError **error)
{
  DerTlv outer;
  DerTlv field;
  DerReader reader;
  gboolean found = FALSE;

  if (!es10_parse_outer (data, length, tag, structure, &outer, error)
      || !es10_enter (&outer, structure, "contents", &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      if (!es10_next (&reader, structure, &field, error))
        return FALSE;
      if (field.tag != 0x80 || found)
        continue;  /* a field a later version may add */
      if (!es10_read_int (&field, structure, "result", ret_result, error))
        return FALSE;
      found = TRUE;
    }
  return !es10_missing (found, structure, "result", 0x80, error);
}

gboolean
es10_profile_op_decode (Es10ProfileOp op, const guint8 *data, gsize length, gint64 *ret_result, GError **error)
{
  g_autofree gchar *structure = g_strdup_printf ("%sResponse", es10_profile_op_name (op));

  return decode_single_result (op, structure, data, length, ret_result, error);
}

gboolean
es10_profile_op (IsdrSession *session, Es10ProfileOp op, const gchar *iccid, gboolean refresh, gint64 *ret_result,
                 GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_profile_op_encode (op, iccid, refresh, error), error);

  return response != NULL && es10_profile_op_decode (op, ES10_ANSWER_DATA (response), ret_result, error);
}

GBytes *
es10_set_nickname_encode (const gchar *iccid, const gchar *nickname, GError **error)
{
  g_auto(DerWriter) writer = { 0 };
  guint8 coded[10];

  if (!es10_iccid_encode (iccid, coded, error))
    {
      g_prefix_error (error, "SetNickname: ");
      return NULL;
    }
  if (nickname == NULL || strlen (nickname) > MAX_NICKNAME_LENGTH || !g_utf8_validate (nickname, -1, NULL))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "SetNickname: the nickname must be UTF-8 of at most %d bytes", MAX_NICKNAME_LENGTH);
      return NULL;
    }
  der_writer_init (&writer);
  der_begin (&writer, 0xBF29);
  der_write (&writer, 0x5A, coded, sizeof coded);
  der_write_utf8 (&writer, 0x90, nickname);
  der_end (&writer);
  return der_writer_finish (&writer);
}

gboolean
es10_set_nickname_decode (const guint8 *data, gsize length, gint64 *ret_result, GError **error)
{
  return decode_single_result (0xBF29, "SetNicknameResponse", data, length, ret_result, error);
}

gboolean
es10_set_nickname (IsdrSession *session, const gchar *iccid, const gchar *nickname, gint64 *ret_result,
                   GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_set_nickname_encode (iccid, nickname, error), error);

  return response != NULL && es10_set_nickname_decode (ES10_ANSWER_DATA (response), ret_result, error);
}

GBytes *
es10_get_profiles_info_raw (IsdrSession *session, GBytes *request, GError **error)
{
  g_autoptr(GBytes) answer = NULL;
  DerTlv tlv;

  if (!es10_parse_outer (g_bytes_get_data (request, NULL), g_bytes_get_size (request), 0xBF2D,
                         "ProfileInfoListRequest", &tlv, error))
    return NULL;
  answer = es10_transact (session, request, error);
  if (answer == NULL
      || !es10_parse_outer (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), 0xBF2D,
                            "ProfileInfoListResponse", &tlv, error)
      || !der_validate (&tlv, error))
    return NULL;
  return g_steal_pointer (&answer);
}
