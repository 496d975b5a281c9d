/* SPDX-License-Identifier: Apache-2.0 */
/* ESipa messages in the JSON binding. The ASN.1 blobs inside are the same DER the ASN.1 binding carries, so the
 * blobs are decoded with esipa-asn1.c and the results land in the same structs.
 *
 * Conventions of the binding (SGP.22 JSON style): EIDs and transaction ids are hex strings; every ASN.1 data
 * object is the base64 of its complete DER TLV (serverSignature1 is "5F37 ...", euiccCiPKIdentifierToBeUsed
 * "04 ..."); euiccChallenge is the base64 of the 16 bytes themselves. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include <stdarg.h>
#include <string.h>

#include "der/der.h"
#include "euiccd-autoptr.h"
#include "euiccd-error.h"
#include "euiccd-log-policy.h"
#include "net/esipa-asn1.h"
#include "net/esipa-json.h"

static gboolean G_GNUC_PRINTF (3, 4)
fail (GError **error, gint code, const gchar *format, ...)
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

static gchar *
to_hex (const guint8 *data, gsize length)
{
  return der_to_hex (data, length);
}

static gchar *
bytes_to_hex (GBytes *bytes)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  return to_hex (data, length);
}

static gchar *
bytes_to_base64 (GBytes *bytes)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  return g_base64_encode (data, length);
}

/* Strict hex: an even number of hex digits, nothing else. */
static GBytes *
hex_field (const gchar *text, const gchar *message, const gchar *key, GError **error)
{
  gsize length = strlen (text);
  g_autofree guint8 *data = NULL;

  if (length == 0 || length % 2 != 0)
    {
      fail (error, EUICCD_ERROR_INVALID_DATA, "%s: \"%s\": %zu hex digit(s), expected a non-zero even number", message,
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
          fail (error, EUICCD_ERROR_INVALID_DATA, "%s: \"%s\": not hex at character %zu", message, key,
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
static GBytes *
base64_field (const gchar *text, const gchar *message, const gchar *key, GError **error)
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
      fail (error, EUICCD_ERROR_INVALID_DATA, "%s: \"%s\": empty base64", message, key);
      return NULL;
    }
  if (length % 4 == 1 || (padding > 0 && (length + padding) % 4 != 0))
    {
      fail (error, EUICCD_ERROR_INVALID_DATA, "%s: \"%s\": invalid base64 length %zu", message, key, length + padding);
      return NULL;
    }
  out = g_byte_array_sized_new ((guint) (length * 3 / 4 + 1));
  for (n = 0; n < length; n++)
    {
      gint value = base64_value (text[n]);

      if (value < 0)
        {
          g_byte_array_unref (out);
          fail (error, EUICCD_ERROR_INVALID_DATA, "%s: \"%s\": not base64 at character %zu", message, key, n);
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
      fail (error, EUICCD_ERROR_INVALID_DATA, "%s: \"%s\": base64 with stray bits at the end", message, key);
      return NULL;
    }
  return g_byte_array_free_to_bytes (out);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Building request bodies */

static gchar *
print_object (cJSON *object, GError **error)
{
  gchar *printed = cJSON_PrintUnformatted (object);
  gchar *text;

  if (printed == NULL)
    {
      fail (error, EUICCD_ERROR_FAILED, "JSON: out of memory printing a request");
      return NULL;
    }
  text = g_strdup (printed);
  cJSON_free (printed);
  return text;
}

static gboolean
add_string (cJSON *object, const gchar *key, const gchar *value, GError **error)
{
  if (cJSON_AddStringToObject (object, key, value) == NULL)
    return fail (error, EUICCD_ERROR_FAILED, "JSON: cannot add \"%s\"", key);
  return TRUE;
}

static gboolean
add_hex (cJSON *object, const gchar *key, const guint8 *data, gsize length, GError **error)
{
  g_autofree gchar *hex = to_hex (data, length);

  return add_string (object, key, hex, error);
}

static gboolean
add_base64 (cJSON *object, const gchar *key, GBytes *blob, GError **error)
{
  g_autofree gchar *text = bytes_to_base64 (blob);

  return add_string (object, key, text, error);
}

static gboolean
check_transaction_id (GBytes *id, const gchar *message, const gchar *key, GError **error)
{
  gsize length = id != NULL ? g_bytes_get_size (id) : 0;

  if (length < 1 || length > ESIPA_TRANSACTION_ID_MAX_LENGTH)
    return fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: \"%s\": %zu byte(s), expected 1 to %u", message, key, length,
                 (guint) ESIPA_TRANSACTION_ID_MAX_LENGTH);
  return TRUE;
}

/* A raw eUICC answer to embed in base64: one well-formed TLV with the expected tag. */
static gboolean
check_blob (GBytes *blob, guint32 tag, const gchar *message, const gchar *key, GError **error)
{
  DerTlv tlv;
  gsize length;
  const guint8 *data;

  if (blob == NULL)
    return fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: \"%s\" is missing", message, key);
  data = g_bytes_get_data (blob, &length);
  if (length == 0 || !der_parse_single (data, length, &tlv, NULL) || !der_validate (&tlv, NULL))
    return fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: \"%s\" is not one DER TLV", message, key);
  if (tag != 0 && tlv.tag != tag)
    return fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: \"%s\" has tag %02X, expected %02X", message, key, tlv.tag,
                 tag);
  return TRUE;
}

gchar *
esipa_json_encode_get_eim_package_request (const EsipaGetEimPackageRequest *request, GError **error)
{
  g_autoptr(cJSON) object = cJSON_CreateObject ();

  g_return_val_if_fail (request != NULL, NULL);

  if (!add_hex (object, "eidValue", request->eid, ESIPA_EID_LENGTH, error))
    return NULL;
  if (request->notify_state_change && cJSON_AddTrueToObject (object, "notifyStateChange") == NULL)
    {
      fail (error, EUICCD_ERROR_FAILED, "JSON: cannot add \"notifyStateChange\"");
      return NULL;
    }
  if (request->has_state_change_cause &&
      cJSON_AddNumberToObject (object, "stateChangeCause", (double) request->state_change_cause) == NULL)
    {
      fail (error, EUICCD_ERROR_FAILED, "JSON: cannot add \"stateChangeCause\"");
      return NULL;
    }
  if (request->has_rplmn)
    {
      g_autoptr(GBytes) rplmn = g_bytes_new (request->rplmn, sizeof request->rplmn);

      if (!add_base64 (object, "rPlmn", rplmn, error))
        return NULL;
    }
  return print_object (object, error);
}

gchar *
esipa_json_encode_provide_eim_package_result (const EsipaEimPackageResult *result, GError **error)
{
  g_autoptr(cJSON) object = cJSON_CreateObject ();
  g_autoptr(GBytes) choice = NULL;

  g_return_val_if_fail (result != NULL, NULL);

  choice = esipa_asn1_encode_eim_package_result_choice (result, error);
  if (choice == NULL)
    {
      g_prefix_error (error, "provideEimPackageResult: ");
      return NULL;
    }
  if (result->eid != NULL && !add_hex (object, "eidValue", result->eid, ESIPA_EID_LENGTH, error))
    return NULL;
  if (!add_base64 (object, "eimPackageResult", choice, error))
    return NULL;
  return print_object (object, error);
}

gchar *
esipa_json_encode_handle_notification (const EsipaNotification *notification, GError **error)
{
  static const gchar message[] = "handleNotification";
  g_autoptr(cJSON) object = cJSON_CreateObject ();

  g_return_val_if_fail (notification != NULL, NULL);

  switch (notification->kind)
    {
    case ESIPA_NOTIFICATION_PENDING:
      {
        DerTlv tlv;
        const guint8 *data;
        gsize length;

        if (!check_blob (notification->pending_notification, 0, message, "pendingNotification", error))
          return NULL;
        data = g_bytes_get_data (notification->pending_notification, &length);
        if (!der_parse_single (data, length, &tlv, NULL) ||
            (tlv.tag != 0xBF37 && tlv.tag != 0x30 && tlv.tag != 0xA0 && tlv.tag != 0xA1))
          {
            fail (error, EUICCD_ERROR_INVALID_ARGS,
                  "%s: \"pendingNotification\" has tag %02X, expected BF37, 30, A0 or A1", message, tlv.tag);
            return NULL;
          }
        if (!add_base64 (object, "pendingNotification", notification->pending_notification, error))
          return NULL;
      }
      break;
    case ESIPA_NOTIFICATION_PACKAGE_RESULT:
      {
        g_autoptr(GBytes) encoded = NULL;

        if (notification->package_result == NULL)
          {
            fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: \"provideEimPackageResult\" is missing", message);
            return NULL;
          }
        encoded = esipa_asn1_encode_provide_eim_package_result (notification->package_result, error);
        if (encoded == NULL)
          {
            g_prefix_error (error, "%s: ", message);
            return NULL;
          }
        if (!add_base64 (object, "provideEimPackageResult", encoded, error))
          return NULL;
      }
      break;
    default:
      fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: unknown notification kind %d", message, (gint) notification->kind);
      return NULL;
    }
  return print_object (object, error);
}

gchar *
esipa_json_encode_initiate_authentication_request (const EsipaInitiateAuthenticationRequest *request, GError **error)
{
  static const gchar message[] = "initiateAuthentication";
  g_autoptr(cJSON) object = cJSON_CreateObject ();
  g_autoptr(GBytes) challenge = NULL;

  g_return_val_if_fail (request != NULL, NULL);

  challenge = g_bytes_new (request->euicc_challenge, sizeof request->euicc_challenge);
  if (!add_base64 (object, "euiccChallenge", challenge, error))
    return NULL;
  if (request->euicc_info1 != NULL &&
      (!check_blob (request->euicc_info1, 0xBF20, message, "euiccInfo1", error) ||
       !add_base64 (object, "euiccInfo1", request->euicc_info1, error)))
    return NULL;
  if (request->smdp_address != NULL && !add_string (object, "smdpAddress", request->smdp_address, error))
    return NULL;
  if (request->eim_transaction_id != NULL)
    {
      g_autofree gchar *hex = NULL;

      if (!check_transaction_id (request->eim_transaction_id, message, "eimTransactionId", error))
        return NULL;
      hex = bytes_to_hex (request->eim_transaction_id);
      if (!add_string (object, "eimTransactionId", hex, error))
        return NULL;
    }
  return print_object (object, error);
}

static gchar *
encode_session_request (const EsipaSessionRequest *request, const gchar *message, const gchar *key, guint32 tag,
                        GError **error)
{
  g_autoptr(cJSON) object = cJSON_CreateObject ();
  g_autofree gchar *hex = NULL;

  g_return_val_if_fail (request != NULL, NULL);

  if (!check_transaction_id (request->transaction_id, message, "transactionId", error) ||
      !check_blob (request->card_response, tag, message, key, error))
    return NULL;
  hex = bytes_to_hex (request->transaction_id);
  if (!add_string (object, "transactionId", hex, error) || !add_base64 (object, key, request->card_response, error))
    return NULL;
  return print_object (object, error);
}

gchar *
esipa_json_encode_authenticate_client_request (const EsipaSessionRequest *request, GError **error)
{
  return encode_session_request (request, "authenticateClient", "authenticateServerResponse", 0xBF38, error);
}

gchar *
esipa_json_encode_get_bound_profile_package_request (const EsipaSessionRequest *request, GError **error)
{
  return encode_session_request (request, "getBoundProfilePackage", "prepareDownloadResponse", 0xBF21, error);
}

gchar *
esipa_json_encode_cancel_session_request (const EsipaSessionRequest *request, GError **error)
{
  return encode_session_request (request, "cancelSession", "cancelSessionResponse", 0xBF41, error);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Reading response bodies */

typedef struct {
  gboolean success;           /* Executed-Success or Executed-WithWarning */
  const gchar *status;
  const gchar *subject_code;  /* statusCodeData, NULL when absent */
  const gchar *reason_code;
  const gchar *text;
} JsonStatus;

static cJSON *
parse_body (const gchar *body, gsize length, const gchar *message, GError **error)
{
  cJSON *root;

  if (body == NULL || length == 0)
    {
      fail (error, EUICCD_ERROR_PROTOCOL, "%s response: empty body, expected a JSON object", message);
      return NULL;
    }
  root = cJSON_ParseWithLength (body, length);
  if (root == NULL)
    {
      const gchar *where = cJSON_GetErrorPtr ();
      gsize offset = where != NULL && where >= body && where <= body + length ? (gsize) (where - body) : 0;

      fail (error, EUICCD_ERROR_PROTOCOL, "%s response: not JSON (parse error near byte %zu)", message, offset);
      return NULL;
    }
  if (!cJSON_IsObject (root))
    {
      cJSON_Delete (root);
      fail (error, EUICCD_ERROR_PROTOCOL, "%s response: not a JSON object", message);
      return NULL;
    }
  return root;
}

static const gchar *
string_member (const cJSON *object, const gchar *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);

  return cJSON_IsString (item) ? item->valuestring : NULL;
}

static gboolean
read_status (const cJSON *root, const gchar *message, JsonStatus *ret_status, GError **error)
{
  const cJSON *header = cJSON_GetObjectItemCaseSensitive (root, "header");
  const cJSON *execution = cJSON_GetObjectItemCaseSensitive (header, "functionExecutionStatus");
  const cJSON *code_data;

  memset (ret_status, 0, sizeof *ret_status);
  if (!cJSON_IsObject (header) || !cJSON_IsObject (execution))
    return fail (error, EUICCD_ERROR_PROTOCOL, "%s response: missing \"header\".\"functionExecutionStatus\"", message);
  ret_status->status = string_member (execution, "status");
  if (ret_status->status == NULL)
    return fail (error, EUICCD_ERROR_PROTOCOL,
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
      return fail (error, EUICCD_ERROR_PROTOCOL, "%s response: functionExecutionStatus is none of Executed-Success, "
                   "Executed-WithWarning, Failed and Expired", message);
    }
  code_data = cJSON_GetObjectItemCaseSensitive (execution, "statusCodeData");
  if (cJSON_IsObject (code_data))
    {
      ret_status->subject_code = string_member (code_data, "subjectCode");
      ret_status->reason_code = string_member (code_data, "reasonCode");
      ret_status->text = string_member (code_data, "message");
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
 * never goes into an error (LastError, the history), only to read_status()'s debug line. */
static gchar *
describe_status (const JsonStatus *status)
{
  g_autofree gchar *subject = code_for_message (status->subject_code);
  g_autofree gchar *reason = code_for_message (status->reason_code);

  return g_strdup_printf ("%s (subjectCode %s, reasonCode %s)", status->status, subject, reason);
}

static gboolean
status_is (const JsonStatus *status, const gchar *subject, const gchar *reason)
{
  return g_strcmp0 (status->subject_code, subject) == 0 && (reason == NULL || g_strcmp0 (status->reason_code, reason) == 0);
}

typedef struct {
  const gchar *subject;
  const gchar *reason;
  gint64 code;
} StatusMapping;

static gint64
map_status (const JsonStatus *status, const StatusMapping *table, gsize n, gint64 fallback)
{
  for (gsize i = 0; i < n; i++)
    if (status_is (status, table[i].subject, table[i].reason))
      return table[i].code;
  return fallback;
}

/* A base64 member holding a DER object, NULL (no error) when absent. */
/* A JSON number that is a whole number a double holds exactly (|n| <= 2^53). The range is checked before the
 * conversion: converting a double outside gint64's range (1e300, Infinity) is undefined behaviour. */
static gboolean
json_integer (const cJSON *item, gint64 *ret_value)
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

static gboolean
base64_member (const cJSON *object, const gchar *message, const gchar *key, gboolean required, GBytes **ret_bytes,
               GError **error)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);

  *ret_bytes = NULL;
  if (item == NULL)
    {
      if (required)
        return fail (error, EUICCD_ERROR_PROTOCOL, "%s response: missing \"%s\"", message, key);
      return TRUE;
    }
  if (!cJSON_IsString (item))
    return fail (error, EUICCD_ERROR_PROTOCOL, "%s response: \"%s\" is not a string", message, key);
  *ret_bytes = base64_field (item->valuestring, message, key, error);
  return *ret_bytes != NULL;
}

/* A base64 member that must be one DER TLV with `tag`; with `contents_only` the TLV's value is returned. */
static gboolean
tlv_member (const cJSON *object, const gchar *message, const gchar *key, guint32 tag, gboolean required,
            gboolean contents_only, GBytes **ret_bytes, GError **error)
{
  g_autoptr(GBytes) blob = NULL;
  DerTlv tlv;
  const guint8 *data;
  gsize length;

  *ret_bytes = NULL;
  if (!base64_member (object, message, key, required, &blob, error))
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
    return fail (error, EUICCD_ERROR_INVALID_DATA, "%s response: \"%s\" has tag %02X, expected %02X", message, key,
                 tlv.tag, tag);
  *ret_bytes = contents_only ? g_bytes_new (tlv.value, tlv.length) : g_steal_pointer (&blob);
  return TRUE;
}

static gboolean
transaction_id_member (const cJSON *object, const gchar *message, const gchar *key, gboolean required,
                       GBytes **ret_bytes, GError **error)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);
  g_autoptr(GBytes) id = NULL;

  *ret_bytes = NULL;
  if (item == NULL)
    {
      if (required)
        return fail (error, EUICCD_ERROR_PROTOCOL, "%s response: missing \"%s\"", message, key);
      return TRUE;
    }
  if (!cJSON_IsString (item))
    return fail (error, EUICCD_ERROR_PROTOCOL, "%s response: \"%s\" is not a string", message, key);
  id = hex_field (item->valuestring, message, key, error);
  if (id == NULL)
    return FALSE;
  if (g_bytes_get_size (id) > ESIPA_TRANSACTION_ID_MAX_LENGTH)
    return fail (error, EUICCD_ERROR_INVALID_DATA, "%s response: \"%s\": %zu bytes, expected 1 to %u", message, key,
                 g_bytes_get_size (id), (guint) ESIPA_TRANSACTION_ID_MAX_LENGTH);
  *ret_bytes = g_steal_pointer (&id);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------------------ */

static void
set_unusable (EsipaUnusablePackage **ret_unusable, const GError *error, GBytes *raw)
{
  EsipaUnusablePackage *unusable;

  if (ret_unusable == NULL)
    return;
  unusable = g_new0 (EsipaUnusablePackage, 1);
  unusable->result_error_code = esipa_package_result_error_for (error);
  if (raw != NULL)
    {
      unusable->raw = g_bytes_ref (raw);
      unusable->eim_transaction_id = esipa_eim_package_salvage_transaction_id (g_bytes_get_data (raw, NULL),
                                                                               g_bytes_get_size (raw));
    }
  *ret_unusable = unusable;
}

EsipaEimPackage *
esipa_json_decode_get_eim_package_response (const gchar *body, gsize length, EsipaUnusablePackage **ret_unusable,
                                            GError **error)
{
  static const gchar message[] = "getEimPackage";
  static const struct {
    const gchar *key;
    guint32 tag;
  } packages[] = {
    { "euiccPackageRequest", 0xBF51 },
    { "ipaEuiccDataRequest", 0xBF52 },
    { "profileDownloadTriggerRequest", 0xBF54 },
  };
  static const StatusMapping failures[] = {
    { "8.1.1", "3.7", ESIPA_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE },
    { "8.1.1", "2.1", ESIPA_EIM_PACKAGE_ERROR_INVALID_EID },
    { "8.1.1", "2.2", ESIPA_EIM_PACKAGE_ERROR_MISSING_EID },
    { "8.1.1", "3.9", ESIPA_EIM_PACKAGE_ERROR_EID_NOT_FOUND },
  };
  g_autoptr(cJSON) root = NULL;
  g_autoptr(EsipaEimPackage) package = NULL;
  GError *local_error = NULL;
  JsonStatus status;
  gint64 error_code;
  const cJSON *item;

  root = parse_body (body, length, message, &local_error);
  if (root == NULL || !read_status (root, message, &status, &local_error))
    {
      set_unusable (ret_unusable, local_error, NULL);
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (!status.success)
    {
      g_autofree gchar *described = describe_status (&status);

      package = g_new0 (EsipaEimPackage, 1);
      package->kind = ESIPA_EIM_PACKAGE_ERROR;
      package->error_code = map_status (&status, failures, G_N_ELEMENTS (failures), ESIPA_EIM_PACKAGE_ERROR_UNDEFINED);
      g_debug ("%s: %s read as eimPackageError %s(%" G_GINT64_FORMAT ")", message, described,
               esipa_eim_package_error_to_string (package->error_code), package->error_code);
      return g_steal_pointer (&package);
    }

  item = cJSON_GetObjectItemCaseSensitive (root, "eimPackageError");
  if (item != NULL)
    {
      if (!json_integer (item, &error_code))
        {
          fail (&local_error, EUICCD_ERROR_INVALID_DATA, "%s response: \"eimPackageError\" is not an integer", message);
          set_unusable (ret_unusable, local_error, NULL);
          g_propagate_error (error, local_error);
          return NULL;
        }
      package = g_new0 (EsipaEimPackage, 1);
      package->kind = ESIPA_EIM_PACKAGE_ERROR;
      package->error_code = error_code;
      return g_steal_pointer (&package);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (packages); i++)
    {
      g_autoptr(GBytes) blob = NULL;
      DerTlv tlv;

      if (cJSON_GetObjectItemCaseSensitive (root, packages[i].key) == NULL)
        continue;
      if (!base64_member (root, message, packages[i].key, TRUE, &blob, &local_error))
        {
          set_unusable (ret_unusable, local_error, NULL);
          g_propagate_error (error, local_error);
          return NULL;
        }
      /* The key says which alternative this is; a blob of another kind is a malformed package. */
      if (der_parse_single (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), &tlv, NULL) &&
          tlv.tag != packages[i].tag)
        {
          fail (&local_error, EUICCD_ERROR_INVALID_DATA, "%s response: \"%s\" has tag %02X, expected %02X", message,
                packages[i].key, tlv.tag, packages[i].tag);
          set_unusable (ret_unusable, local_error, blob);
          g_propagate_error (error, local_error);
          return NULL;
        }
      package = esipa_asn1_decode_eim_package (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), ret_unusable,
                                               error);
      if (package == NULL)
        g_prefix_error (error, "%s response: \"%s\": ", message, packages[i].key);
      return g_steal_pointer (&package);
    }

  fail (&local_error, EUICCD_ERROR_NOT_SUPPORTED,
        "%s response: none of \"euiccPackageRequest\", \"ipaEuiccDataRequest\", \"profileDownloadTriggerRequest\" "
        "or \"eimPackageError\"", message);
  set_unusable (ret_unusable, local_error, NULL);
  g_propagate_error (error, local_error);
  return NULL;
}

EsipaProvideResultResponse *
esipa_json_decode_provide_eim_package_result_response (const gchar *body, gsize length, GError **error)
{
  static const gchar message[] = "provideEimPackageResult";
  static const StatusMapping failures[] = {
    { "8.1.1", "3.9", ESIPA_PROVIDE_RESULT_ERROR_EID_NOT_FOUND },
    { "8.1.1", "2.1", ESIPA_PROVIDE_RESULT_ERROR_INVALID_EID },
    { "8.1.1", "2.2", ESIPA_PROVIDE_RESULT_ERROR_MISSING_EID },
  };
  g_autoptr(cJSON) root = parse_body (body, length, message, error);
  g_autoptr(EsipaProvideResultResponse) response = NULL;
  g_autoptr(GBytes) acks = NULL;
  JsonStatus status;

  if (root == NULL || !read_status (root, message, &status, error))
    return NULL;
  response = g_new0 (EsipaProvideResultResponse, 1);
  if (!status.success)
    {
      g_autofree gchar *described = describe_status (&status);

      response->kind = ESIPA_PROVIDE_RESULT_ERROR;
      response->error_code = map_status (&status, failures, G_N_ELEMENTS (failures), ESIPA_PROVIDE_RESULT_ERROR_UNDEFINED);
      response->seq_numbers = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_debug ("%s: %s read as provideEimPackageResultError %" G_GINT64_FORMAT, message, described,
               response->error_code);
      return g_steal_pointer (&response);
    }
  if (!base64_member (root, message, "eimAcknowledgements", FALSE, &acks, error))
    return NULL;
  if (acks == NULL)
    {
      response->kind = ESIPA_PROVIDE_RESULT_EMPTY;
      response->seq_numbers = g_array_new (FALSE, FALSE, sizeof (gint64));
      return g_steal_pointer (&response);
    }
  response->kind = ESIPA_PROVIDE_RESULT_ACKNOWLEDGEMENTS;
  response->seq_numbers = esipa_asn1_decode_eim_acknowledgements (g_bytes_get_data (acks, NULL),
                                                                  g_bytes_get_size (acks), error);
  if (response->seq_numbers == NULL)
    {
      g_prefix_error (error, "%s response: \"eimAcknowledgements\": ", message);
      return NULL;
    }
  return g_steal_pointer (&response);
}

gboolean
esipa_json_decode_handle_notification_response (const gchar *body, gsize length, GError **error)
{
  static const gchar message[] = "handleNotification";
  g_autoptr(cJSON) root = NULL;
  JsonStatus status;

  if (body == NULL || length == 0)
    return TRUE;
  root = parse_body (body, length, message, error);
  if (root == NULL || !read_status (root, message, &status, error))
    return FALSE;
  if (!status.success)
    {
      g_autofree gchar *described = describe_status (&status);

      return fail (error, EUICCD_ERROR_PROTOCOL, "%s: the eIM refused the notification: %s", message, described);
    }
  return TRUE;
}

gboolean
esipa_json_status_is_failure (const gchar *body, gsize length)
{
  g_autoptr(cJSON) root = NULL;
  JsonStatus status;

  if (body == NULL || length == 0)
    return FALSE;
  root = parse_body (body, length, "answer", NULL);
  return root != NULL && read_status (root, "answer", &status, NULL) && !status.success;
}

EsipaInitiateAuthenticationResponse *
esipa_json_decode_initiate_authentication_response (const gchar *body, gsize length, GError **error)
{
  static const gchar message[] = "initiateAuthentication";
  static const StatusMapping failures[] = {
    { "8.8.1", "3.8", 1 },  /* invalidDpAddress */
    { "8.8.1", "3.10", 50 }, /* smdpAddressMismatch */
    { "8.8.2", "3.1", 3 },  /* ciPKIdNotSupported */
    { "8.8.3", "3.1", 2 },  /* euiccVersionNotSupportedByDp */
    { "8.8.4", "3.7", 3 },  /* ciPKIdNotSupported */
    { "8.9.1", "3.8", 1 },
    { "8.9.1", "3.10", 50 },
    { "8.9.2", "3.1", 3 },
    { "8.9.3", "3.1", 2 },
    { "8.9.4", "3.7", 3 },
  };
  g_autoptr(cJSON) root = parse_body (body, length, message, error);
  g_autoptr(EsipaInitiateAuthenticationResponse) response = NULL;
  const cJSON *matching_id;
  JsonStatus status;

  if (root == NULL || !read_status (root, message, &status, error))
    return NULL;
  response = g_new0 (EsipaInitiateAuthenticationResponse, 1);
  if (!status.success)
    {
      response->has_error = TRUE;
      response->error_code = map_status (&status, failures, G_N_ELEMENTS (failures), 127);
      return g_steal_pointer (&response);
    }
  if (!transaction_id_member (root, message, "transactionId", FALSE, &response->transaction_id, error) ||
      !tlv_member (root, message, "serverSigned1", 0x30, TRUE, FALSE, &response->server_signed1, error) ||
      !tlv_member (root, message, "serverSignature1", 0x5F37, TRUE, TRUE, &response->server_signature1, error) ||
      !tlv_member (root, message, "euiccCiPKIdentifierToBeUsed", 0x04, TRUE, TRUE,
                   &response->euicc_ci_pkid_to_be_used, error) ||
      !tlv_member (root, message, "serverCertificate", 0x30, TRUE, FALSE, &response->server_certificate, error) ||
      !tlv_member (root, message, "ctxParams1", 0, FALSE, FALSE, &response->ctx_params1, error))
    return NULL;
  matching_id = cJSON_GetObjectItemCaseSensitive (root, "matchingId");
  if (matching_id != NULL)
    {
      if (!cJSON_IsString (matching_id))
        {
          fail (error, EUICCD_ERROR_PROTOCOL, "%s response: \"matchingId\" is not a string", message);
          return NULL;
        }
      response->matching_id = g_strdup (matching_id->valuestring);
    }
  return g_steal_pointer (&response);
}

EsipaAuthenticateClientResponse *
esipa_json_decode_authenticate_client_response (const gchar *body, gsize length, GError **error)
{
  static const gchar message[] = "authenticateClient";
  /* SGP.22 ES9+ AuthenticateClient status codes, onto AuthenticateClientResponseEsipa's error numbers. */
  static const StatusMapping failures[] = {
    { "8.1.2", "6.1", 1 },   /* eumCertificateInvalid */
    { "8.1.2", "6.3", 2 },   /* eumCertificateExpired */
    { "8.1.3", "6.1", 3 },   /* euiccCertificateInvalid */
    { "8.1.3", "6.3", 4 },   /* euiccCertificateExpired */
    { "8.1", "6.1", 5 },     /* euiccSignatureInvalid */
    { "8.2.6", "3.8", 6 },   /* matchingIdRefused */
    { "8.1.1", "3.8", 7 },   /* eidMismatch */
    { "8.11.1", "3.9", 9 },  /* ciPKUnknown */
    { "8.10.1", "3.9", 10 }, /* invalidTransactionId */
    { "8.1", "4.8", 11 },    /* insufficientMemory */
  };
  g_autoptr(cJSON) root = parse_body (body, length, message, error);
  g_autoptr(EsipaAuthenticateClientResponse) response = NULL;
  JsonStatus status;

  if (root == NULL || !read_status (root, message, &status, error))
    return NULL;
  response = g_new0 (EsipaAuthenticateClientResponse, 1);
  if (!status.success)
    {
      response->kind = ESIPA_AUTHENTICATE_CLIENT_ERROR;
      response->error_code = map_status (&status, failures, G_N_ELEMENTS (failures), 127);
      return g_steal_pointer (&response);
    }
  if (cJSON_GetObjectItemCaseSensitive (root, "smdpSigned2") != NULL)
    {
      g_autoptr(GBytes) hash_cc = NULL;

      response->kind = ESIPA_AUTHENTICATE_CLIENT_OK_DP;
      if (!transaction_id_member (root, message, "transactionId", FALSE, &response->transaction_id, error) ||
          !tlv_member (root, message, "profileMetadata", 0xBF25, FALSE, FALSE, &response->profile_metadata, error) ||
          !tlv_member (root, message, "smdpSigned2", 0x30, TRUE, FALSE, &response->smdp_signed2, error) ||
          !tlv_member (root, message, "smdpSignature2", 0x5F37, TRUE, TRUE, &response->smdp_signature2, error) ||
          !tlv_member (root, message, "smdpCertificate", 0x30, TRUE, FALSE, &response->smdp_certificate, error) ||
          !base64_member (root, message, "hashCc", FALSE, &hash_cc, error))
        return NULL;
      if (hash_cc != NULL)
        {
          DerTlv tlv;

          /* The 32 bytes, or (as other blobs) their 04 TLV. */
          if (g_bytes_get_size (hash_cc) == 32)
            response->hash_cc = g_steal_pointer (&hash_cc);
          else if (der_parse_single (g_bytes_get_data (hash_cc, NULL), g_bytes_get_size (hash_cc), &tlv, NULL) &&
                   tlv.tag == 0x04 && tlv.length == 32)
            response->hash_cc = g_bytes_new (tlv.value, tlv.length);
          else
            {
              fail (error, EUICCD_ERROR_INVALID_DATA, "%s response: \"hashCc\": %zu bytes, expected 32", message,
                    g_bytes_get_size (hash_cc));
              return NULL;
            }
        }
      return g_steal_pointer (&response);
    }
  else
    {
      g_autoptr(GBytes) trigger = NULL;

      response->kind = ESIPA_AUTHENTICATE_CLIENT_OK_DS;
      if (!transaction_id_member (root, message, "transactionId", TRUE, &response->transaction_id, error) ||
          !tlv_member (root, message, "profileDownloadTrigger", 0xBF54, FALSE, FALSE, &trigger, error))
        return NULL;
      if (trigger != NULL)
        {
          response->download_trigger = esipa_asn1_decode_profile_download_trigger (g_bytes_get_data (trigger, NULL),
                                                                                   g_bytes_get_size (trigger), error);
          if (response->download_trigger == NULL)
            {
              g_prefix_error (error, "%s response: \"profileDownloadTrigger\": ", message);
              return NULL;
            }
        }
      return g_steal_pointer (&response);
    }
}

EsipaGetBoundProfilePackageResponse *
esipa_json_decode_get_bound_profile_package_response (const gchar *body, gsize length, GError **error)
{
  static const gchar message[] = "getBoundProfilePackage";
  static const StatusMapping failures[] = {
    { "8.1", "6.1", 1 },     /* euiccSignatureInvalid */
    { "8.2.7", "2.2", 2 },   /* confirmationCodeMissing */
    { "8.2.7", "3.8", 3 },   /* confirmationCodeRefused */
    { "8.2.7", "6.4", 4 },   /* confirmationCodeRetriesExceeded */
    { "8.2", "3.8", 5 },     /* bppRebindingRefused */
    { "8.8.5", "4.10", 6 },  /* downloadOrderExpired */
    { "8.10.1", "3.9", 95 }, /* invalidTransactionId */
  };
  g_autoptr(cJSON) root = parse_body (body, length, message, error);
  g_autoptr(EsipaGetBoundProfilePackageResponse) response = NULL;
  JsonStatus status;

  if (root == NULL || !read_status (root, message, &status, error))
    return NULL;
  response = g_new0 (EsipaGetBoundProfilePackageResponse, 1);
  if (!status.success)
    {
      response->has_error = TRUE;
      response->error_code = map_status (&status, failures, G_N_ELEMENTS (failures), 127);
      return g_steal_pointer (&response);
    }
  if (!transaction_id_member (root, message, "transactionId", FALSE, &response->transaction_id, error) ||
      !tlv_member (root, message, "boundProfilePackage", 0xBF36, TRUE, FALSE, &response->bound_profile_package,
                   error))
    return NULL;
  return g_steal_pointer (&response);
}

EsipaCancelSessionResponse *
esipa_json_decode_cancel_session_response (const gchar *body, gsize length, GError **error)
{
  static const gchar message[] = "cancelSession";
  static const StatusMapping failures[] = {
    { "8.10.1", "3.9", 1 },  /* invalidTransactionId */
    { "8.1", "6.1", 2 },     /* euiccSignatureInvalid */
  };
  g_autoptr(cJSON) root = NULL;
  g_autoptr(EsipaCancelSessionResponse) response = g_new0 (EsipaCancelSessionResponse, 1);
  JsonStatus status;

  /* cancelSession has no output data; an eIM may answer 204. */
  if (body == NULL || length == 0)
    return g_steal_pointer (&response);
  root = parse_body (body, length, message, error);
  if (root == NULL || !read_status (root, message, &status, error))
    return NULL;
  if (!status.success)
    {
      response->has_error = TRUE;
      response->error_code = map_status (&status, failures, G_N_ELEMENTS (failures), 127);
    }
  return g_steal_pointer (&response);
}
