/* SPDX-License-Identifier: Apache-2.0 */
/* The SGP.22 JSON binding's conventions, shared by ESipa's JSON binding (esipa-json.c), ES9+ (es9plus-json.c)
 * and ES11 (es11-json.c): transaction ids and EIDs as hex, every ASN.1 data object as the standard base64 of its
 * DER, and the response header {"header":{"functionExecutionStatus":{"status", "statusCodeData"}}}.
 *
 * `message` arguments name the function in errors ("initiateAuthentication"), `key` the JSON member. Decoding is
 * strict where a value is data (hex, base64, DER) and tolerant of what it does not need: unknown members are
 * ignored. Nothing a server wrote as free text (statusCodeData.message) ever reaches an error; it goes to a debug
 * line, whole only when personal data may be logged. Pure functions, no I/O. */
#pragma once

#include <glib.h>

#include "euiccd-autoptr.h"

G_BEGIN_DECLS

#define GSMA_JSON_TRANSACTION_ID_MAX_LENGTH 16  /* TransactionId ::= OCTET STRING (SIZE(1..16)) */

/* Sets `error` (EUICCD_ERROR, `code`) and returns FALSE. */
gboolean gsma_json_fail (GError **error, gint code, const gchar *format, ...) G_GNUC_PRINTF (3, 4);

/* Upper-case hex / standard base64 (newly allocated). */
gchar *gsma_json_to_hex (const guint8 *data, gsize length);
gchar *gsma_json_bytes_to_hex (GBytes *bytes);
gchar *gsma_json_bytes_to_base64 (GBytes *bytes);

/* Strict hex: a non-zero even number of hex digits, nothing else. */
GBytes *gsma_json_hex_decode (const gchar *text, const gchar *message, const gchar *key, GError **error);
/* Strict standard base64 (RFC 4648 section 4): padding optional, nothing outside the alphabet, no stray bits.
 * (g_base64_decode() skips invalid characters silently.) */
GBytes *gsma_json_base64_decode (const gchar *text, const gchar *message, const gchar *key, GError **error);

/* Request building. */
gchar *gsma_json_print (cJSON *object, GError **error);
gboolean gsma_json_add_string (cJSON *object, const gchar *key, const gchar *value, GError **error);
gboolean gsma_json_add_hex (cJSON *object, const gchar *key, const guint8 *data, gsize length, GError **error);
gboolean gsma_json_add_base64 (cJSON *object, const gchar *key, GBytes *blob, GError **error);
/* 1 to 16 bytes; EUICCD_ERROR_INVALID_ARGS otherwise. */
gboolean gsma_json_check_transaction_id (GBytes *id, const gchar *message, const gchar *key, GError **error);
/* A card's answer to embed: one well-formed DER TLV, with `tag` unless 0. EUICCD_ERROR_INVALID_ARGS otherwise. */
gboolean gsma_json_check_tlv (GBytes *blob, guint32 tag, const gchar *message, const gchar *key, GError **error);

/* Response reading. */
typedef struct {
  gboolean success;           /* Executed-Success or Executed-WithWarning */
  const gchar *status;        /* one of the four, borrowed from the parsed body */
  const gchar *subject_code;  /* statusCodeData, NULL when absent */
  const gchar *reason_code;
  const gchar *text;          /* statusCodeData.message: never into an error */
} GsmaJsonStatus;

/* The body as a JSON object; EUICCD_ERROR_PROTOCOL when empty, not JSON or not an object. */
cJSON *gsma_json_parse_body (const gchar *body, gsize length, const gchar *message, GError **error);
/* The string member `key`, NULL when absent or not a string. */
const gchar *gsma_json_string_member (const cJSON *object, const gchar *key);
/* The header; EUICCD_ERROR_PROTOCOL when it is missing or its status is none of Executed-Success,
 * Executed-WithWarning, Failed and Expired. */
gboolean gsma_json_read_status (const cJSON *root, const gchar *message, GsmaJsonStatus *ret_status, GError **error);
/* "<status> (subjectCode 8.1.1, reasonCode 3.7)"; codes that are not digits and dots are not quoted. */
gchar *gsma_json_describe_status (const GsmaJsonStatus *status);

typedef struct {
  const gchar *subject;
  const gchar *reason;        /* NULL: any */
  gint64 code;
} GsmaJsonStatusMapping;

gint64 gsma_json_map_status (const GsmaJsonStatus *status, const GsmaJsonStatusMapping *table, gsize n,
                             gint64 fallback);

/* A JSON number that is a whole number a double holds exactly (|n| <= 2^53). */
gboolean gsma_json_integer (const cJSON *item, gint64 *ret_value);
/* A base64 member; *ret_bytes NULL (and TRUE) when absent and not required. */
gboolean gsma_json_base64_member (const cJSON *object, const gchar *message, const gchar *key, gboolean required,
                                  GBytes **ret_bytes, GError **error);
/* A base64 member that must be one DER TLV with `tag` (0: any); with `contents_only` the TLV's value. */
gboolean gsma_json_tlv_member (const cJSON *object, const gchar *message, const gchar *key, guint32 tag,
                               gboolean required, gboolean contents_only, GBytes **ret_bytes, GError **error);
/* A hex member of 1 to 16 bytes. */
gboolean gsma_json_transaction_id_member (const cJSON *object, const gchar *message, const gchar *key,
                                          gboolean required, GBytes **ret_bytes, GError **error);

G_END_DECLS
