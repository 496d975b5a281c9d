/* SPDX-License-Identifier: Apache-2.0 */
/* The conventions of the SGP.22 JSON binding shared by ESipa's JSON binding, ES9+ and ES11: strict hex and
 * base64, request building, the functionExecutionStatus header, members holding DER or transaction ids. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include <stdarg.h>
#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "euiccd-log-policy.h"
#include "net/gsma-json.h"

gboolean
gsma_json_fail (GError **error, gint code, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, EUICCD_ERROR, code, message);
  return FALSE;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Hex and base64 */

gchar *
gsma_json_to_hex (const guint8 *data, gsize length)
{
  return der_to_hex (data, length);
}

gchar *
gsma_json_bytes_to_hex (GBytes *bytes)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  return gsma_json_to_hex (data, length);
}

gchar *
gsma_json_bytes_to_base64 (GBytes *bytes)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  return g_base64_encode (data, length);
}

/* Strict hex: an even number of hex digits, nothing else. */
GBytes *
gsma_json_hex_decode (const gchar *text, const gchar *message, const gchar *key, GError **error)
{
  gsize length = strlen (text);
  g_autofree guint8 *data = NULL;

  if (length == 0 || length % 2 != 0)
    {
      gsma_json_fail (error, EUICCD_ERROR_INVALID_DATA, "%s: \"%s\": %zu hex digit(s), expected a non-zero even number", message,
            key, length);
      return NULL;
    }
  data = g_malloc (length / 2);
  for (gsize i = 0; i < length; i += 2)
    {
      gint high = g_ascii_xdigit_value (text[i]);
      gint low = g_ascii_xdigit_value (text[i + 1]);

      if (high < 0 || low < 0)
        {
          gsma_json_fail (error, EUICCD_ERROR_INVALID_DATA, "%s: \"%s\": not hex at character %zu", message, key,
                high < 0 ? i : i + 1);
          return NULL;
        }
      data[i / 2] = (guint8) (high << 4 | low);
    }
  return g_bytes_new_take (g_steal_pointer (&data), length / 2);
}

static gint
base64_value (gchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* Strict standard base64 (RFC 4648 section 4): padding optional, but nothing outside the alphabet, no padding
 * in the middle, no impossible lengths and no stray bits. g_base64_decode() skips invalid characters silently,
 * which would turn garbage into plausible bytes. */
GBytes *
gsma_json_base64_decode (const gchar *text, const gchar *message, const gchar *key, GError **error)
{
  gsize length = strlen (text);
  gsize padding = 0;
  gsize n;
  GByteArray *out;
  guint32 accumulator = 0;
  guint bits = 0;

  while (length > 0 && text[length - 1] == '=' && padding < 2)
    {
      length--;
      padding++;
    }
  if (length == 0)
    {
      gsma_json_fail (error, EUICCD_ERROR_INVALID_DATA, "%s: \"%s\": empty base64", message, key);
      return NULL;
    }
  if (length % 4 == 1 || (padding > 0 && (length + padding) % 4 != 0))
    {
      gsma_json_fail (error, EUICCD_ERROR_INVALID_DATA, "%s: \"%s\": invalid base64 length %zu", message, key, length + padding);
      return NULL;
    }
  out = g_byte_array_sized_new ((guint) (length * 3 / 4 + 1));
  for (n = 0; n < length; n++)
    {
      gint value = base64_value (text[n]);

      if (value < 0)
        {
          g_byte_array_unref (out);
          gsma_json_fail (error, EUICCD_ERROR_INVALID_DATA, "%s: \"%s\": not base64 at character %zu", message, key, n);
          return NULL;
        }
      accumulator = (accumulator << 6) | (guint32) value;
      bits += 6;
      if (bits >= 8)
        {
          guint8 octet;

          bits -= 8;
          octet = (guint8) (accumulator >> bits);
          g_byte_array_append (out, &octet, 1);
          accumulator &= (1u << bits) - 1;
        }
    }
  if (accumulator != 0)
    {
      g_byte_array_unref (out);
      gsma_json_fail (error, EUICCD_ERROR_INVALID_DATA, "%s: \"%s\": base64 with stray bits at the end", message, key);
      return NULL;
    }
  return g_byte_array_free_to_bytes (out);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Building request bodies */

gchar *
gsma_json_print (cJSON *object, GError **error)
{
  gchar *printed = cJSON_PrintUnformatted (object);
  gchar *text;

  if (printed == NULL)
    {
      gsma_json_fail (error, EUICCD_ERROR_FAILED, "JSON: out of memory printing a request");
      return NULL;
    }
  text = g_strdup (printed);
  cJSON_free (printed);
  return text;
}

gboolean
gsma_json_add_string (cJSON *object, const gchar *key, const gchar *value, GError **error)
{
  if (cJSON_AddStringToObject (object, key, value) == NULL)
    return gsma_json_fail (error, EUICCD_ERROR_FAILED, "JSON: cannot add \"%s\"", key);
  return TRUE;
}

gboolean
gsma_json_add_hex (cJSON *object, const gchar *key, const guint8 *data, gsize length, GError **error)
{
  g_autofree gchar *hex = gsma_json_to_hex (data, length);

  return gsma_json_add_string (object, key, hex, error);
}

gboolean
gsma_json_add_base64 (cJSON *object, const gchar *key, GBytes *blob, GError **error)
{
  g_autofree gchar *text = gsma_json_bytes_to_base64 (blob);

  return gsma_json_add_string (object, key, text, error);
}

gboolean
gsma_json_check_transaction_id (GBytes *id, const gchar *message, const gchar *key, GError **error)
{
  gsize length = id != NULL ? g_bytes_get_size (id) : 0;

  if (length < 1 || length > GSMA_JSON_TRANSACTION_ID_MAX_LENGTH)
    return gsma_json_fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: \"%s\": %zu byte(s), expected 1 to %u", message, key, length,
                 (guint) GSMA_JSON_TRANSACTION_ID_MAX_LENGTH);
  return TRUE;
}

/* A raw eUICC answer to embed in base64: one well-formed TLV with the expected tag. */
gboolean
gsma_json_check_tlv (GBytes *blob, guint32 tag, const gchar *message, const gchar *key, GError **error)
{
  DerTlv tlv;
  gsize length;
  const guint8 *data;

  if (blob == NULL)
    return gsma_json_fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: \"%s\" is missing", message, key);
  data = g_bytes_get_data (blob, &length);
  if (length == 0 || !der_parse_single (data, length, &tlv, NULL) || !der_validate (&tlv, NULL))
    return gsma_json_fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: \"%s\" is not one DER TLV", message, key);
  if (tag != 0 && tlv.tag != tag)
    return gsma_json_fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: \"%s\" has tag %02X, expected %02X", message, key, tlv.tag,
                 tag);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Reading response bodies */


cJSON *
gsma_json_parse_body (const gchar *body, gsize length, const gchar *message, GError **error)
{
  cJSON *root;

  if (body == NULL || length == 0)
    {
      gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s response: empty body, expected a JSON object", message);
      return NULL;
    }
  root = cJSON_ParseWithLength (body, length);
  if (root == NULL)
    {
      const gchar *where = cJSON_GetErrorPtr ();
      gsize offset = where != NULL && where >= body && where <= body + length ? (gsize) (where - body) : 0;

      gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s response: not JSON (parse error near byte %zu)", message, offset);
      return NULL;
    }
  if (!cJSON_IsObject (root))
    {
      cJSON_Delete (root);
      gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s response: not a JSON object", message);
      return NULL;
    }
  return root;
}

const gchar *
gsma_json_string_member (const cJSON *object, const gchar *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);

  return cJSON_IsString (item) ? item->valuestring : NULL;
}

gboolean
gsma_json_read_status (const cJSON *root, const gchar *message, GsmaJsonStatus *ret_status, GError **error)
{
  const cJSON *header = cJSON_GetObjectItemCaseSensitive (root, "header");
  const cJSON *execution = cJSON_GetObjectItemCaseSensitive (header, "functionExecutionStatus");
  const cJSON *code_data;

  memset (ret_status, 0, sizeof *ret_status);
  if (!cJSON_IsObject (header) || !cJSON_IsObject (execution))
    return gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s response: missing \"header\".\"functionExecutionStatus\"", message);
  ret_status->status = gsma_json_string_member (execution, "status");
  if (ret_status->status == NULL)
    return gsma_json_fail (error, EUICCD_ERROR_PROTOCOL,
                 "%s response: missing \"header\".\"functionExecutionStatus\".\"status\"", message);
  if (g_strcmp0 (ret_status->status, "Executed-Success") == 0 ||
      g_strcmp0 (ret_status->status, "Executed-WithWarning") == 0)
    ret_status->success = TRUE;
  else if (g_strcmp0 (ret_status->status, "Failed") != 0 && g_strcmp0 (ret_status->status, "Expired") != 0)
    {
      g_autofree gchar *shown = g_strndup (ret_status->status, 40);

      /* The eIM's own word goes to debug; the error (LastError, history) only says it was none of the four. */
      g_strcanon (shown, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_. ", '?');
      g_debug ("%s response: functionExecutionStatus \"%s\"", message, shown);
      return gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s response: functionExecutionStatus is none of Executed-Success, "
                   "Executed-WithWarning, Failed and Expired", message);
    }
  code_data = cJSON_GetObjectItemCaseSensitive (execution, "statusCodeData");
  if (cJSON_IsObject (code_data))
    {
      ret_status->subject_code = gsma_json_string_member (code_data, "subjectCode");
      ret_status->reason_code = gsma_json_string_member (code_data, "reasonCode");
      ret_status->text = gsma_json_string_member (code_data, "message");
    }
  if (ret_status->text != NULL && euiccd_log_debug_enabled (G_LOG_DOMAIN))
    {
      /* Free text from the eIM: at debug level only, and whole only when personal data may be logged. */
      g_autofree gchar *text = g_strndup (ret_status->text, 120);

      g_strcanon (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -_.,:;/()'+=#@!?", '?');
      if (euiccd_log_personal_data_allowed ())
        g_debug ("%s response: statusCodeData message \"%s\"", message, text);
      else
        g_debug ("%s response: statusCodeData message of %zu bytes", message, strlen (ret_status->text));
    }
  return TRUE;
}

/* A subjectCode or reasonCode as an error may show it: codes are digits and dots ("8.1.1"); anything else
 * from the eIM is not quoted. */
static gchar *
code_for_message (const gchar *code)
{
  if (code == NULL)
    return g_strdup ("-");
  if (code[0] == '\0' || strlen (code) > 16 || strspn (code, "0123456789.") != strlen (code))
    return g_strdup ("(not a code)");
  return g_strdup (code);
}

/* "<status> (subjectCode 8.1.1, reasonCode 3.7)". The statusCodeData message is the eIM's free text: it
 * never goes into an error (LastError, the history), only to gsma_json_read_status()'s debug line. */
gchar *
gsma_json_describe_status (const GsmaJsonStatus *status)
{
  g_autofree gchar *subject = code_for_message (status->subject_code);
  g_autofree gchar *reason = code_for_message (status->reason_code);

  return g_strdup_printf ("%s (subjectCode %s, reasonCode %s)", status->status, subject, reason);
}

static gboolean
status_is (const GsmaJsonStatus *status, const gchar *subject, const gchar *reason)
{
  return g_strcmp0 (status->subject_code, subject) == 0 && (reason == NULL || g_strcmp0 (status->reason_code, reason) == 0);
}


gint64
gsma_json_map_status (const GsmaJsonStatus *status, const GsmaJsonStatusMapping *table, gsize n, gint64 fallback)
{
  for (gsize i = 0; i < n; i++)
    if (status_is (status, table[i].subject, table[i].reason))
      return table[i].code;
  return fallback;
}

/* A base64 member holding a DER object, NULL (no error) when absent. */
/* A JSON number that is a whole number a double holds exactly (|n| <= 2^53). The range is checked before the
 * conversion: converting a double outside gint64's range (1e300, Infinity) is undefined behaviour. */
gboolean
gsma_json_integer (const cJSON *item, gint64 *ret_value)
{
  static const double limit = 9007199254740992.0; /* 2^53 */
  double value;

  if (!cJSON_IsNumber (item))
    return FALSE;
  value = item->valuedouble;
  if (!(value >= -limit && value <= limit))  /* also refuses NaN */
    return FALSE;
  if (value != (double) (gint64) value)
    return FALSE;
  *ret_value = (gint64) value;
  return TRUE;
}

gboolean
gsma_json_base64_member (const cJSON *object, const gchar *message, const gchar *key, gboolean required, GBytes **ret_bytes,
               GError **error)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);

  *ret_bytes = NULL;
  if (item == NULL)
    {
      if (required)
        return gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s response: missing \"%s\"", message, key);
      return TRUE;
    }
  if (!cJSON_IsString (item))
    return gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s response: \"%s\" is not a string", message, key);
  *ret_bytes = gsma_json_base64_decode (item->valuestring, message, key, error);
  return *ret_bytes != NULL;
}

/* A base64 member that must be one DER TLV with `tag`; with `contents_only` the TLV's value is returned. */
gboolean
gsma_json_tlv_member (const cJSON *object, const gchar *message, const gchar *key, guint32 tag, gboolean required,
            gboolean contents_only, GBytes **ret_bytes, GError **error)
{
  g_autoptr(GBytes) blob = NULL;
  DerTlv tlv;
  const guint8 *data;
  gsize length;

  *ret_bytes = NULL;
  if (!gsma_json_base64_member (object, message, key, required, &blob, error))
    return FALSE;
  if (blob == NULL)
    return TRUE;
  data = g_bytes_get_data (blob, &length);
  if (!der_parse_single (data, length, &tlv, error) || !der_validate (&tlv, error))
    {
      g_prefix_error (error, "%s response: \"%s\": ", message, key);
      return FALSE;
    }
  if (tag != 0 && tlv.tag != tag)
    return gsma_json_fail (error, EUICCD_ERROR_INVALID_DATA, "%s response: \"%s\" has tag %02X, expected %02X", message, key,
                 tlv.tag, tag);
  *ret_bytes = contents_only ? g_bytes_new (tlv.value, tlv.length) : g_steal_pointer (&blob);
  return TRUE;
}

gboolean
gsma_json_transaction_id_member (const cJSON *object, const gchar *message, const gchar *key, gboolean required,
                       GBytes **ret_bytes, GError **error)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
  g_autoptr(GBytes) id = NULL;

  *ret_bytes = NULL;
  if (item == NULL)
    {
      if (required)
        return gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s response: missing \"%s\"", message, key);
      return TRUE;
    }
  if (!cJSON_IsString (item))
    return gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s response: \"%s\" is not a string", message, key);
  id = gsma_json_hex_decode (item->valuestring, message, key, error);
  if (id == NULL)
    return FALSE;
  if (g_bytes_get_size (id) > GSMA_JSON_TRANSACTION_ID_MAX_LENGTH)
    return gsma_json_fail (error, EUICCD_ERROR_INVALID_DATA, "%s response: \"%s\": %zu bytes, expected 1 to %u", message, key,
                 g_bytes_get_size (id), (guint) GSMA_JSON_TRANSACTION_ID_MAX_LENGTH);
  *ret_bytes = g_steal_pointer (&id);
  return TRUE;
}
