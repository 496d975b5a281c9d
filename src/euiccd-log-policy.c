/* SPDX-License-Identifier: Apache-2.0 */
/* The personal-data switch and the formatters that honour it. Masked forms keep what identifies a message
 * (headers, status words, tags, lengths, member names) because that is what makes a debug log worth having;
 * the values are what identify the device and its subscriptions. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include <string.h>

#include "der/der.h"
#include "euiccd-autoptr.h"
#include "euiccd-log-policy.h"

static gint personal_data_allowed = FALSE;
/* -1: nobody said; GLib's default writer decides. */
static gint debug_state = -1;

/* The modem libraries' trace switches, registered by the transport modules that link them. */
static GMutex libraries_lock;
static EuiccdLogLibraryFunc libraries[8];
static guint n_libraries;

/* libqmi and libmbim print whole QMI/MBIM messages, APDU bytes included, when their traces are on; their
 * personal-information switch only shortens the raw dump. So the traces follow this policy, not theirs. */
static void
apply_to_library (EuiccdLogLibraryFunc apply)
{
  gboolean personal = g_atomic_int_get (&personal_data_allowed);
  gboolean traces = personal && g_atomic_int_get (&debug_state) == 1;

  apply (personal, traces);
}

static void
apply_to_modem_libraries (void)
{
  g_mutex_lock (&libraries_lock);
  for (guint i = 0; i < n_libraries; i++)
    apply_to_library (libraries[i]);
  g_mutex_unlock (&libraries_lock);
}

void
euiccd_log_policy_add_library (EuiccdLogLibraryFunc apply)
{
  g_mutex_lock (&libraries_lock);
  for (guint i = 0; i < n_libraries; i++)
    if (libraries[i] == apply)
      {
        g_mutex_unlock (&libraries_lock);
        return;
      }
  if (n_libraries < G_N_ELEMENTS (libraries))
    {
      libraries[n_libraries++] = apply;
      apply_to_library (apply);
    }
  else
    g_critical ("too many libraries with traces of their own; this one keeps its own settings");
  g_mutex_unlock (&libraries_lock);
}

void
euiccd_log_policy_set_personal_data (gboolean allowed)
{
  g_atomic_int_set (&personal_data_allowed, allowed ? TRUE : FALSE);
  apply_to_modem_libraries ();
}

gboolean
euiccd_log_personal_data_allowed (void)
{
  return g_atomic_int_get (&personal_data_allowed);
}

gboolean
euiccd_log_hex_allowed (void)
{
  return euiccd_log_personal_data_allowed ();
}

void
euiccd_log_policy_set_debug (gboolean enabled)
{
  g_atomic_int_set (&debug_state, enabled ? 1 : 0);
  apply_to_modem_libraries ();
}

gboolean
euiccd_log_debug_enabled (const gchar *log_domain)
{
  gint state = g_atomic_int_get (&debug_state);

  if (state >= 0)
    return state == 1;
  return !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, log_domain);
}

/* ---- single values ---- */

/* Short values keep nothing: four characters of each end of a six-digit code would be all of it. */
#define REDACT_KEEP 4
#define REDACT_MIN_LENGTH 12

gchar *
euiccd_log_redact_full (const gchar *value, gboolean allowed)
{
  glong length;
  g_autofree gchar *head = NULL;
  g_autofree gchar *tail = NULL;

  if (value == NULL)
    return g_strdup ("(none)");
  if (allowed)
    return g_strdup (value);
  if (!g_utf8_validate (value, -1, NULL))
    return g_strdup ("…");
  length = g_utf8_strlen (value, -1);
  if (length < REDACT_MIN_LENGTH)
    return g_strdup ("…");
  head = g_utf8_substring (value, 0, REDACT_KEEP);
  tail = g_utf8_substring (value, length - REDACT_KEEP, length);
  return g_strconcat (head, "…", tail, NULL);
}

gchar *
euiccd_log_redact (const gchar *value)
{
  return euiccd_log_redact_full (value, euiccd_log_personal_data_allowed ());
}

/* ---- APDUs ---- */

#define INS_SELECT 0xA4
#define INS_STORE_DATA 0xE2

static void
append_masked (GString *out, gsize length)
{
  g_string_append_printf (out, "<%" G_GSIZE_FORMAT " byte%s>", length, length == 1 ? "" : "s");
}

/* Octets of the BER tag and length at the start of `data`, 0 when they do not fit or are not a definite
 * length of at most four octets. Only the header: the value may continue in later blocks. */
static gsize
tlv_header_size (const guint8 *data, gsize length)
{
  gsize pos = 0;
  guint length_octets;

  if (length == 0)
    return 0;
  if ((data[pos++] & 0x1F) == 0x1F)
    {
      /* Subsequent tag octets while bit 8 is set; SGP tags take at most four octets in all. */
      while (pos < length && pos < 3 && (data[pos] & 0x80) != 0)
        pos++;
      if (pos >= length || (data[pos] & 0x80) != 0)
        return 0;
      pos++;
    }
  if (pos >= length)
    return 0;
  if ((data[pos] & 0x80) == 0)
    return pos + 1;
  length_octets = data[pos] & 0x7F;
  if (length_octets == 0 || length_octets > 4 || length - pos - 1 < length_octets)
    return 0;
  return pos + 1 + length_octets;
}

/* Data that names the message (a leading tag and length) and then the rest masked. */
static void
append_leading_tag_masked (GString *out, const guint8 *data, gsize length)
{
  gsize header = tlv_header_size (data, length);

  der_append_hex (out, data, header);
  if (header < length)
    {
      if (header > 0)
        g_string_append_c (out, ' ');
      append_masked (out, length - header);
    }
}

gchar *
euiccd_log_format_command_apdu (const guint8 *apdu, gsize length, gboolean allowed)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gsize lc;
  const guint8 *data;
  gsize rest;

  if (apdu == NULL || length < 4)
    {
      /* Not an APDU; its few bytes are no header either. */
      if (allowed && apdu != NULL)
        der_append_hex (out, apdu, length);
      else
        append_masked (out, length);
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  der_append_hex (out, apdu, 4);
  if (length == 4)
    return g_string_free (g_steal_pointer (&out), FALSE);
  g_string_append_c (out, ' ');
  der_append_hex (out, apdu + 4, 1);
  if (length == 5)
    return g_string_free (g_steal_pointer (&out), FALSE);

  /* Short form only: ES10 never uses extended lengths. An Lc that disagrees with the size masks all. */
  lc = apdu[4];
  data = apdu + 5;
  rest = length - 5;
  if (lc == 0 || (rest != lc && rest != lc + 1))
    {
      g_string_append_c (out, ' ');
      if (allowed)
        der_append_hex (out, data, rest);
      else
        append_masked (out, rest);
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  g_string_append_c (out, ' ');
  if (allowed || apdu[1] == INS_SELECT)
    der_append_hex (out, data, lc);
  else if (apdu[1] == INS_STORE_DATA && apdu[3] == 0x00)
    append_leading_tag_masked (out, data, lc);  /* block 0 starts with the ES10 command's tag */
  else
    append_masked (out, lc);
  if (rest == lc + 1)
    {
      g_string_append_c (out, ' ');
      der_append_hex (out, data + lc, 1);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gchar *
euiccd_log_format_response_apdu (guint8 command_ins, const guint8 *response, gsize length, gboolean allowed)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gsize data_length;

  if (response == NULL || length < 2)
    {
      append_masked (out, response != NULL ? length : 0);
      g_string_append (out, " without status word");
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  data_length = length - 2;
  if (data_length > 0)
    {
      if (allowed)
        der_append_hex (out, response, data_length);
      else if (command_ins == INS_STORE_DATA)
        append_leading_tag_masked (out, response, data_length);
      else
        append_masked (out, data_length);
      g_string_append_c (out, ' ');
    }
  der_append_hex (out, response + data_length, 2);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- DER messages ---- */

#define OUTLINE_MAX_TLVS 64

typedef struct {
  GString *out;
  guint tlvs;
  gboolean truncated;
} Outline;

static void
outline_append_tlvs (Outline *outline, DerReader *reader)
{
  gboolean first = TRUE;

  while (!der_reader_at_end (reader))
    {
      DerTlv tlv;

      /* The input was validated before: reading cannot fail here. */
      if (!der_reader_next (reader, &tlv, NULL))
        return;
      if (outline->tlvs >= OUTLINE_MAX_TLVS)
        {
          if (!outline->truncated)
            g_string_append (outline->out, first ? "…" : " …");
          outline->truncated = TRUE;
          return;
        }
      outline->tlvs++;
      if (!first)
        g_string_append_c (outline->out, ' ');
      first = FALSE;
      g_string_append_printf (outline->out, "%0*X[%" G_GSIZE_FORMAT "]", (int) der_tag_size (tlv.tag) * 2, tlv.tag,
                              tlv.length);
      if (tlv.constructed)
        {
          DerReader child;

          if (!der_reader_enter (&tlv, &child, NULL))
            return;
          g_string_append_c (outline->out, '{');
          outline_append_tlvs (outline, &child);
          g_string_append_c (outline->out, '}');
        }
      else if (tlv.length == 1)
        {
          g_string_append_printf (outline->out, "=%02X", tlv.value[0]);
        }
    }
}

/* Every TLV of the buffer parses, constructed ones down to DER_MAX_DEPTH. */
static gboolean
der_sequence_is_valid (const guint8 *data, gsize length)
{
  DerReader reader;

  der_reader_init (&reader, data, length);
  while (!der_reader_at_end (&reader))
    {
      DerTlv tlv;

      if (!der_reader_next (&reader, &tlv, NULL))
        return FALSE;
      if (tlv.constructed && !der_validate (&tlv, NULL))
        return FALSE;
    }
  return TRUE;
}

gchar *
euiccd_log_format_der (const guint8 *data, gsize length, gboolean allowed)
{
  Outline outline = { 0 };
  DerReader reader;

  if (data == NULL)
    length = 0;
  if (allowed)
    return der_to_hex (data, length);
  if (length == 0)
    return g_strdup ("<0 bytes>");
  /* Outlines of garbage would print bytes of it as tags and lengths: only well-formed DER is outlined. */
  if (!der_sequence_is_valid (data, length))
    return g_strdup_printf ("<%" G_GSIZE_FORMAT " bytes, not DER>", length);
  outline.out = g_string_new (NULL);
  der_reader_init (&reader, data, length);
  outline_append_tlvs (&outline, &reader);
  return g_string_free (outline.out, FALSE);
}

/* ---- JSON messages ---- */

#define JSON_TEXT_MAX 4096
#define JSON_MAX_DEPTH 16
#define JSON_MAX_ITEMS 256
#define JSON_NAME_MAX 64
#define JSON_NUMBER_LIMIT 1e10

/* Member names come from the peer: printable ASCII only, quotes and backslashes escaped, bounded. */
static void
json_append_name (GString *out, const gchar *name)
{
  gsize n = 0;

  g_string_append_c (out, '"');
  for (const gchar *p = name; p != NULL && *p != '\0'; p++, n++)
    {
      if (n == JSON_NAME_MAX)
        {
          g_string_append (out, "…");
          break;
        }
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, (*p >= 0x20 && *p < 0x7F) ? *p : '?');
    }
  g_string_append_c (out, '"');
}

typedef struct {
  GString *out;
  guint items;
  gboolean truncated;
} JsonOutline;

/* The binding's status vocabulary (SGP.22 functionExecutionStatus): says how a call went, names nobody. */
static gboolean
json_name_is_status (const gchar *name)
{
  static const gchar *const names[] = { "status", "subjectCode", "reasonCode" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (name, names[i]) == 0)
      return TRUE;
  return FALSE;
}

/* A status is a word ("Executed-Success"), a subject or reason code digits and dots ("8.1.1"); any other
 * value under those names is the peer's free text and is masked like every string. */
static gboolean
json_text_is_status (const gchar *name, const gchar *text)
{
  gboolean is_code = strcmp (name, "status") != 0;
  gsize n = 0;

  for (const gchar *p = text; *p != '\0'; p++, n++)
    if (n >= 32 || !(is_code ? g_ascii_isdigit (*p) || *p == '.' : g_ascii_isalpha (*p) || *p == '-'))
      return FALSE;
  return n > 0;
}

/* ASN.1 objects travel as base64 of their DER: their outline says what they are. Hex strings (EIDs,
 * transaction ids) are base64-shaped too and are never decoded; neither is anything whose decoding is not
 * one well-formed constructed TLV or more, so no bytes of an arbitrary string reach the log. */
static gchar *
json_base64_der_outline (const gchar *text)
{
  gsize n = strlen (text);
  gboolean all_hex = TRUE;
  g_autofree guchar *decoded = NULL;
  gsize decoded_length = 0;

  if (n < 4 || n % 4 != 0)
    return NULL;
  for (gsize i = 0; i < n; i++)
    {
      gchar c = text[i];

      if (!g_ascii_isxdigit (c))
        all_hex = FALSE;
      if (c == '=' && i + 2 >= n)
        continue;
      if (!g_ascii_isalnum (c) && c != '+' && c != '/')
        return NULL;
    }
  if (all_hex)
    return NULL;
  decoded = g_base64_decode (text, &decoded_length);
  if (decoded == NULL || decoded_length < 2 || (decoded[0] & 0x20) == 0)
    return NULL;
  if (!der_sequence_is_valid (decoded, decoded_length))
    return NULL;
  return euiccd_log_format_der (decoded, decoded_length, FALSE);
}

static void
json_outline_append (JsonOutline *outline, const cJSON *item, guint depth)
{
  if (outline->items >= JSON_MAX_ITEMS || depth > JSON_MAX_DEPTH)
    {
      g_string_append (outline->out, "…");
      outline->truncated = TRUE;
      return;
    }
  outline->items++;
  if (cJSON_IsObject (item) || cJSON_IsArray (item))
    {
      gboolean object = cJSON_IsObject (item);
      gboolean first = TRUE;

      g_string_append_c (outline->out, object ? '{' : '[');
      for (const cJSON *child = item->child; child != NULL; child = child->next)
        {
          if (!first)
            g_string_append_c (outline->out, ',');
          first = FALSE;
          if (object)
            {
              json_append_name (outline->out, child->string);
              g_string_append_c (outline->out, ':');
            }
          json_outline_append (outline, child, depth + 1);
          if (outline->truncated)
            break;
        }
      g_string_append_c (outline->out, object ? '}' : ']');
    }
  else if (cJSON_IsString (item))
    {
      const gchar *text = cJSON_GetStringValue (item);
      g_autofree gchar *der = NULL;

      if (text == NULL)
        text = "";
      if (item->string != NULL && json_name_is_status (item->string) && json_text_is_status (item->string, text))
        {
          g_string_append_printf (outline->out, "\"%s\"", text);
          return;
        }
      der = json_base64_der_outline (text);
      if (der != NULL)
        {
          g_string_append_printf (outline->out, "\"<DER %s>\"", der);
          return;
        }
      g_string_append_printf (outline->out, "\"<%ld chars>\"",
                              g_utf8_validate (text, -1, NULL) ? g_utf8_strlen (text, -1) : (glong) strlen (text));
    }
  else if (cJSON_IsNumber (item))
    {
      gdouble value = cJSON_GetNumberValue (item);

      /* Counters, codes and sequence numbers are small; an identifier written as a number is not. The
       * range test comes first: converting a larger double to an integer is undefined. */
      if (!(ABS (value) < JSON_NUMBER_LIMIT))
        g_string_append (outline->out, "\"<large number>\"");
      else if (value == (gdouble) (gint64) value)
        g_string_append_printf (outline->out, "%" G_GINT64_FORMAT, (gint64) value);
      else
        g_string_append_printf (outline->out, "%g", value);
    }
  else if (cJSON_IsTrue (item))
    g_string_append (outline->out, "true");
  else if (cJSON_IsFalse (item))
    g_string_append (outline->out, "false");
  else
    g_string_append (outline->out, "null");
}

/* The text for a log line: control characters and invalid UTF-8 replaced, bounded. */
static gchar *
json_sanitized_text (const guint8 *text, gsize length)
{
  g_autofree gchar *valid = g_utf8_make_valid ((const gchar *) text, (gssize) MIN (length, JSON_TEXT_MAX));
  GString *out = g_string_sized_new (strlen (valid) + 4);

  for (const gchar *p = valid; *p != '\0'; p++)
    g_string_append_c (out, ((guchar) *p < 0x20 || *p == 0x7F) ? ' ' : *p);
  if (length > JSON_TEXT_MAX)
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

gchar *
euiccd_log_format_json (const guint8 *text, gsize length, gboolean allowed)
{
  g_autoptr(cJSON) root = NULL;
  JsonOutline outline = { 0 };

  if (text == NULL)
    length = 0;
  if (length == 0)
    return g_strdup ("<0 bytes>");
  if (allowed)
    return json_sanitized_text (text, length);
  root = cJSON_ParseWithLength ((const char *) text, length);
  if (root == NULL)
    return g_strdup_printf ("<%" G_GSIZE_FORMAT " bytes, not JSON>", length);
  outline.out = g_string_new (NULL);
  json_outline_append (&outline, root, 0);
  return g_string_free (outline.out, FALSE);
}
