/* SPDX-License-Identifier: Apache-2.0 */
/* ES10b ProfileRollback, ExecuteFallbackMechanism, ReturnFromFallback, Enable/DisableEmergencyProfile. */
#include "config.h"

#include "card/es10-private.h"
#include "card/es10-switch.h"
#include "euiccd-error.h"

typedef struct {
  guint32 tag;
  const gchar *name;
  const gchar *response;
  const gchar *result_field;   /* the INTEGER's name in the response */
  guint32 result_tag;          /* ProfileRollbackResponse's cmdResult is a plain INTEGER (02), the others [0] */
} SwitchInfo;

static const SwitchInfo switches[] = {
  [ES10_SWITCH_ROLLBACK] = { 0xBF58, "ProfileRollback", "ProfileRollbackResponse", "cmdResult", 0x02 },
  [ES10_SWITCH_EXECUTE_FALLBACK] = { 0xBF5D, "ExecuteFallbackMechanism", "ExecuteFallbackMechanismResponse",
                                     "executeFallbackMechanismResult", 0x80 },
  [ES10_SWITCH_RETURN_FROM_FALLBACK] = { 0xBF5E, "ReturnFromFallback", "ReturnFromFallbackResponse",
                                         "returnFromFallbackResult", 0x80 },
  [ES10_SWITCH_ENABLE_EMERGENCY] = { 0xBF5B, "EnableEmergencyProfile", "EnableEmergencyProfileResponse",
                                     "enableEmergencyProfileResult", 0x80 },
  [ES10_SWITCH_DISABLE_EMERGENCY] = { 0xBF5C, "DisableEmergencyProfile", "DisableEmergencyProfileResponse",
                                      "disableEmergencyProfileResult", 0x80 },
};

void
es10_switch_response_free (Es10SwitchResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->package_result, g_bytes_unref);
  g_free (response);
}

const gchar *
es10_switch_name (Es10Switch which)
{
  g_return_val_if_fail ((guint) which < G_N_ELEMENTS (switches), NULL);
  return switches[which].name;
}

const gchar *
es10_switch_result_name (Es10Switch which, gint64 code)
{
  switch (code)
    {
    case 0: return "ok";
    case 1: return which == ES10_SWITCH_ROLLBACK ? "rollbackNotAllowed" : NULL;
    case 2:
      if (which == ES10_SWITCH_EXECUTE_FALLBACK || which == ES10_SWITCH_ENABLE_EMERGENCY)
        return "profileNotInDisabledState";
      return which == ES10_SWITCH_DISABLE_EMERGENCY ? "profileNotInEnabledState" : NULL;
    case 5: return "catBusy";
    case 6:
      return which == ES10_SWITCH_EXECUTE_FALLBACK || which == ES10_SWITCH_RETURN_FROM_FALLBACK
             ? "fallbackNotAvailable" : NULL;
    case 7:
      return which == ES10_SWITCH_ROLLBACK || which == ES10_SWITCH_EXECUTE_FALLBACK
             || which == ES10_SWITCH_RETURN_FROM_FALLBACK ? "commandError" : NULL;
    case 8: return which == ES10_SWITCH_ENABLE_EMERGENCY ? "ecallNotAvailable" : NULL;
    case 104: return which == ES10_SWITCH_EXECUTE_FALLBACK ? "ecallActive" : NULL;
    case 127: return "undefinedError";
    default: return NULL;
    }
}

GBytes *
es10_switch_encode (Es10Switch which, gboolean refresh)
{
  DerWriter writer;

  g_return_val_if_fail ((guint) which < G_N_ELEMENTS (switches), NULL);
  der_writer_init (&writer);
  der_begin (&writer, switches[which].tag);
  der_write_bool (&writer, 0x80, refresh);
  der_end (&writer);
  return der_writer_finish (&writer);
}

Es10SwitchResponse *
es10_switch_decode (Es10Switch which, const guint8 *data, gsize length, GError **error)
{
  const SwitchInfo *info;
  g_autoptr(Es10SwitchResponse) response = g_new0 (Es10SwitchResponse, 1);
  Es10FieldSet seen = { 0 };
  gboolean has_result = FALSE;
  DerTlv outer, item;
  DerReader reader;

  g_return_val_if_fail ((guint) which < G_N_ELEMENTS (switches), NULL);
  info = &switches[which];
  if (!es10_parse_outer (data, length, info->tag, info->response, &outer, error)
      || !es10_enter (&outer, info->response, info->response, &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      gboolean repeated = FALSE;

      if (!es10_next (&reader, info->response, &item, error)
          || !es10_field_once (&seen, &item, info->response, &repeated, error))
        return NULL;
      if (repeated)
        continue;
      if (item.tag == info->result_tag)
        {
          if (!es10_read_int (&item, info->response, info->result_field, &response->result, error))
            return NULL;
          has_result = TRUE;
        }
      else if (which == ES10_SWITCH_ROLLBACK && item.tag == 0xBF51)
        response->package_result = es10_tlv_dup_raw (&item);
      /* Fields of a later version are passed over: the result is what decides. */
    }
  if (es10_missing (has_result, info->response, info->result_field, info->result_tag, error))
    return NULL;
  return g_steal_pointer (&response);
}

Es10SwitchResponse *
es10_switch (IsdrSession *session, Es10Switch which, gboolean refresh, GError **error)
{
  g_autoptr(Es10Answer) answer = es10_call (session, es10_switch_encode (which, refresh), error);

  return answer != NULL ? es10_switch_decode (which, ES10_ANSWER_DATA (answer), error) : NULL;
}
