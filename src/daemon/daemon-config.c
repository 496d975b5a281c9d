/* SPDX-License-Identifier: Apache-2.0 */
/* Reading euiccd.conf and its drop-ins. Each file is applied on top of the previous ones key by key, so an
 * error can always name the file the bad value came from; the checks that involve two keys run at the end
 * and name both origins. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-daemon"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "daemon/daemon-config.h"
#include "der/der.h"
#include "euiccd-error.h"

#define DURATION_MAX_S (366 * 24 * 3600)
#define DURATION_FORM "expected e.g. 3600, 90s, 15m, 6h, 1d"
#define HISTORY_SIZE_MAX 10000
#define DEVICE_CAPABILITIES_MAX 512

static const gchar *const ipa_feature_names[DAEMON_IPA_FEATURES_BITS] = {
  "directRspServerCommunication",
  "indirectRspServerCommunication",
  "eimDownloadDataHandling",
  "eimCtxParams1Generation",
  "eimProfileMetadataVerification",
  "minimizeEsipaBytes",
};

static const gchar *const binding_names[] = {
  [DAEMON_EIM_BINDING_AUTO] = "auto",
  [DAEMON_EIM_BINDING_ASN1] = "asn1",
  [DAEMON_EIM_BINDING_JSON] = "json",
};

typedef struct _ConfigKey ConfigKey;
/* Parses `value` into the field; on failure returns FALSE with *ret_problem saying what is wrong and what
 * was expected, e.g. "is not a duration (expected ...)". */
typedef gboolean (*ConfigParseFunc) (DaemonConfig *config, const ConfigKey *key, const gchar *value,
                                     gchar **ret_problem);

struct _ConfigKey {
  const gchar *group;
  const gchar *name;
  ConfigParseFunc parse;
  gsize offset;     /* of the field in DaemonConfig */
  gsize size;       /* of the field, for the integer kinds */
  guint64 min;      /* integer and duration bounds */
  guint64 max;
};

#define FIELD(member) offsetof (DaemonConfig, member), sizeof (((DaemonConfig *) NULL)->member)

/* ---- value parsers shared with other inputs ---- */

gboolean
daemon_config_parse_duration (const gchar *text, guint64 *ret_seconds)
{
  guint64 value = 0;
  guint64 unit = 1;
  const gchar *p = text;

  if (text == NULL || !g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    {
      value = value * 10 + (guint64) (*p - '0');
      if (value > DURATION_MAX_S)
        return FALSE;
      p++;
    }
  switch (*p)
    {
    case '\0':
      break;
    case 's':
      p++;
      break;
    case 'm':
      unit = 60;
      p++;
      break;
    case 'h':
      unit = 3600;
      p++;
      break;
    case 'd':
      unit = 24 * 3600;
      p++;
      break;
    default:
      return FALSE;
    }
  if (*p != '\0' || value * unit > DURATION_MAX_S)
    return FALSE;
  *ret_seconds = value * unit;
  return TRUE;
}

static gboolean
all_digits (const gchar *text, gsize length)
{
  if (strlen (text) != length)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  return TRUE;
}

gboolean
daemon_config_imei_is_valid (const gchar *imei)
{
  guint sum = 0;

  if (imei == NULL || !all_digits (imei, 15))
    return FALSE;
  /* Luhn: from the right, every second digit doubled, digits of the products summed. */
  for (gint i = 14; i >= 0; i--)
    {
      guint digit = (guint) (imei[i] - '0');
      if ((14 - i) % 2 == 1)
        {
          digit *= 2;
          if (digit > 9)
            digit -= 9;
        }
      sum += digit;
    }
  return sum % 10 == 0;
}

/* Booleans in the spellings systemd's configuration files accept. */
static gboolean
parse_boolean (const gchar *text, gboolean *ret_value)
{
  static const gchar *const yes[] = { "yes", "true", "on", "1" };
  static const gchar *const no[] = { "no", "false", "off", "0" };

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (text, yes[i]) == 0)
        {
          *ret_value = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (text, no[i]) == 0)
        {
          *ret_value = FALSE;
          return TRUE;
        }
    }
  return FALSE;
}

/* Strict unsigned decimal: no sign, no spaces, no hex, no overflow. */
static gboolean
parse_uint64 (const gchar *text, guint64 *ret_value)
{
  /* GLib's parser skips leading white space; the first character must already be a digit. */
  return g_ascii_isdigit (text[0]) && g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, ret_value, NULL);
}

/* Hex digits, an even number of them, decoded into `out` (at most `max` bytes). */
static gboolean
parse_hex (const gchar *text, guint8 *out, gsize max, gsize *ret_length)
{
  gsize length = strlen (text);

  if (length % 2 != 0 || length / 2 > max)
    return FALSE;
  for (gsize i = 0; i < length; i += 2)
    {
      gint high = g_ascii_xdigit_value (text[i]);
      gint low = g_ascii_xdigit_value (text[i + 1]);
      if (high < 0 || low < 0)
        return FALSE;
      out[i / 2] = (guint8) ((high << 4) | low);
    }
  *ret_length = length / 2;
  return TRUE;
}

/* ---- the per-key parsers ---- */

static gpointer
field_of (DaemonConfig *config, const ConfigKey *key)
{
  return G_STRUCT_MEMBER_P (config, key->offset);
}

static void
set_string_field (DaemonConfig *config, const ConfigKey *key, const gchar *value)
{
  gchar **field = field_of (config, key);

  g_free (*field);
  *field = (value != NULL && *value != '\0') ? g_strdup (value) : NULL;
}

static void
set_uint_field (DaemonConfig *config, const ConfigKey *key, guint64 value)
{
  if (key->size == sizeof (guint64))
    *(guint64 *) field_of (config, key) = value;
  else
    *(guint *) field_of (config, key) = (guint) value;
}

static gboolean
parse_bool_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  gboolean parsed;

  if (!parse_boolean (value, &parsed))
    {
      *ret_problem = g_strdup ("is not a boolean (expected yes or no)");
      return FALSE;
    }
  *(gboolean *) field_of (config, key) = parsed;
  return TRUE;
}

static gboolean
parse_uint_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  guint64 parsed;

  if (!parse_uint64 (value, &parsed))
    {
      *ret_problem = g_strdup_printf ("is not a number (expected %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT ")",
                                      key->min, key->max);
      return FALSE;
    }
  if (parsed < key->min || parsed > key->max)
    {
      *ret_problem = g_strdup_printf ("is out of range (expected %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT ")",
                                      key->min, key->max);
      return FALSE;
    }
  set_uint_field (config, key, parsed);
  return TRUE;
}

static gboolean
parse_duration_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  guint64 parsed;

  if (!daemon_config_parse_duration (value, &parsed))
    {
      *ret_problem = g_strdup ("is not a duration (" DURATION_FORM ", at most 366d)");
      return FALSE;
    }
  if (parsed < key->min || parsed > key->max)
    {
      *ret_problem = g_strdup_printf ("is out of range (expected %" G_GUINT64_FORMAT "s..%" G_GUINT64_FORMAT "s)",
                                      key->min, key->max);
      return FALSE;
    }
  set_uint_field (config, key, parsed);
  return TRUE;
}

/* "auto" or one of the transport URIs card_transport_open() takes; only the form is checked here, the
 * device is resolved when the card is opened. */
static gboolean
parse_device_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  static const gchar *const path_schemes[] = { "qmi:", "mbim:", "at:" };
  gboolean valid = FALSE;

  if (g_strcmp0 (value, "auto") == 0 || g_str_has_prefix (value, "pcsc:"))
    valid = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (path_schemes) && !valid; i++)
    {
      const gchar *path = value + strlen (path_schemes[i]);
      if (!g_str_has_prefix (value, path_schemes[i]) || path[0] != '/' || path[1] == '\0')
        continue;
      valid = TRUE;
      if (g_str_equal (path_schemes[i], "at:") && strchr (path, '@') != NULL)
        {
          guint64 baud;
          valid = parse_uint64 (strchr (path, '@') + 1, &baud) && baud > 0 && baud <= 4000000;
        }
    }
  if (!valid)
    {
      *ret_problem = g_strdup ("is not a card device (expected auto, qmi:PATH, mbim:PATH, pcsc:READER or "
                               "at:PATH[@BAUD], PATH absolute)");
      return FALSE;
    }
  set_string_field (config, key, value);
  return TRUE;
}

static gboolean
parse_aid_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  guint8 aid[DAEMON_CONFIG_MAX_AID_LENGTH];
  gsize length = 0;

  if (!parse_hex (value, aid, sizeof aid, &length) || length < 5)
    {
      *ret_problem = g_strdup ("is not an AID (expected 5 to 16 bytes in hex, e.g. "
                               DAEMON_CONFIG_DEFAULT_ISDR_AID ")");
      return FALSE;
    }
  memcpy (config->card_isdr_aid, aid, length);
  config->card_isdr_aid_length = length;
  return TRUE;
}

static gboolean
parse_terminal_capability_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  guint8 data[sizeof config->card_terminal_capability];
  gsize length = 0;

  if (!parse_hex (value, data, sizeof data, &length))
    {
      *ret_problem = g_strdup ("is not the data of a TERMINAL CAPABILITY (expected up to 255 bytes in hex, e.g. "
                               DAEMON_CONFIG_DEFAULT_TERMINAL_CAPABILITY ", or nothing to send none)");
      return FALSE;
    }
  memcpy (config->card_terminal_capability, data, length);
  config->card_terminal_capability_length = length;
  return TRUE;
}

/* "host" or "host:port", IPv6 literals in brackets; nothing that would change the URL's path or scheme. */
static gboolean
address_is_valid (const gchar *value)
{
  const gchar *port = NULL;
  guint64 port_number;

  for (const gchar *p = value; *p != '\0'; p++)
    if (g_ascii_isspace (*p) || strchr ("/?#@\\", *p) != NULL || (guchar) *p < 0x20 || (guchar) *p >= 0x7f)
      return FALSE;
  if (value[0] == '[')
    {
      const gchar *close = strchr (value, ']');
      if (close == NULL || close == value + 1)
        return FALSE;
      if (close[1] == ':')
        port = close + 2;
      else if (close[1] != '\0')
        return FALSE;
    }
  else
    {
      const gchar *colon = strchr (value, ':');
      if (value[0] == ':' || (colon != NULL && strchr (colon + 1, ':') != NULL))
        return FALSE;
      if (colon != NULL)
        port = colon + 1;
    }
  if (port != NULL && (!parse_uint64 (port, &port_number) || port_number == 0 || port_number > 65535))
    return FALSE;
  return TRUE;
}

static gboolean
parse_address_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  if (*value != '\0' && !address_is_valid (value))
    {
      *ret_problem = g_strdup ("is not an eIM address (expected host or host:port, empty for the eUICC's)");
      return FALSE;
    }
  set_string_field (config, key, value);
  return TRUE;
}

static gboolean
parse_eim_id_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  if (strlen (value) > 128)
    {
      *ret_problem = g_strdup ("is longer than the 128 bytes of an eimId");
      return FALSE;
    }
  set_string_field (config, key, value);
  return TRUE;
}

static gboolean
parse_binding_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  for (guint i = 0; i < G_N_ELEMENTS (binding_names); i++)
    {
      if (g_str_equal (value, binding_names[i]))
        {
          config->eim_binding = (DaemonEimBinding) i;
          return TRUE;
        }
    }
  *ret_problem = g_strdup ("is not an ESipa binding (expected auto, asn1 or json)");
  return FALSE;
}

static gboolean
parse_optional_path_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  if (*value != '\0' && !g_path_is_absolute (value))
    {
      *ret_problem = g_strdup ("is not an absolute path (expected e.g. /etc/euiccd/eim-ca.pem, or empty)");
      return FALSE;
    }
  set_string_field (config, key, value);
  return TRUE;
}

static gboolean
parse_path_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  if (!g_path_is_absolute (value))
    {
      *ret_problem = g_strdup ("is not an absolute path (expected e.g. " DAEMON_CONFIG_DEFAULT_STATE_DIRECTORY ")");
      return FALSE;
    }
  set_string_field (config, key, value);
  return TRUE;
}

static gboolean
parse_ci_certificates_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  if (!g_path_is_absolute (value))
    {
      *ret_problem = g_strdup ("is not an absolute path (expected a PEM file or a directory, e.g. "
                               DAEMON_CONFIG_DEFAULT_CI_CERTIFICATES ")");
      return FALSE;
    }
  set_string_field (config, key, value);
  return TRUE;
}

static gboolean
parse_proxy_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  static const gchar *const schemes[] = { "http://", "https://", "socks4://", "socks4a://", "socks5://",
                                          "socks5h://" };
  gboolean valid = (*value == '\0');

  for (guint i = 0; i < G_N_ELEMENTS (schemes) && !valid; i++)
    {
      gsize prefix = strlen (schemes[i]);
      if (g_ascii_strncasecmp (value, schemes[i], prefix) == 0 && value[prefix] != '\0')
        valid = TRUE;
    }
  for (const gchar *p = value; valid && *p != '\0'; p++)
    if (g_ascii_isspace (*p) || (guchar) *p < 0x20)
      valid = FALSE;
  if (!valid)
    {
      *ret_problem = g_strdup ("is not a proxy URL (expected e.g. http://proxy.example:3128 or "
                               "socks5h://127.0.0.1:1080, or empty)");
      return FALSE;
    }
  set_string_field (config, key, value);
  return TRUE;
}

static gboolean
parse_imei_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  if (*value != '\0' && !daemon_config_imei_is_valid (value))
    {
      *ret_problem = g_strdup (all_digits (value, 15) ? "has a wrong check digit (expected an IMEI whose 15th "
                                                        "digit is its Luhn check digit)"
                                                      : "is not an IMEI (expected 15 digits)");
      return FALSE;
    }
  set_string_field (config, key, value);
  return TRUE;
}

static gboolean
parse_tac_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  if (*value != '\0' && !all_digits (value, 8))
    {
      *ret_problem = g_strdup ("is not a TAC (expected 8 digits)");
      return FALSE;
    }
  set_string_field (config, key, value);
  return TRUE;
}

static gboolean
parse_features_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  g_auto(GStrv) names = g_strsplit_set (value, ";, \t", -1);
  guint features = 0;

  for (guint i = 0; names[i] != NULL; i++)
    {
      gboolean known = FALSE;
      if (names[i][0] == '\0')
        continue;
      for (guint bit = 0; bit < DAEMON_IPA_FEATURES_BITS; bit++)
        {
          if (g_str_equal (names[i], ipa_feature_names[bit]))
            {
              features |= 1u << bit;
              known = TRUE;
            }
        }
      if (!known)
        {
          g_autofree gchar *all = g_strjoinv (", ", (gchar **) ipa_feature_names);
          *ret_problem = g_strdup_printf ("names an unknown feature '%s' (expected a list of: %s)", names[i], all);
          return FALSE;
        }
    }
  config->device_ipa_features = features;
  return TRUE;
}

/* The contents of a DeviceCapabilities SEQUENCE: context-specific TLVs, each one well formed. */
static gboolean
parse_capabilities_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  guint8 buffer[DEVICE_CAPABILITIES_MAX];
  gsize length = 0;
  DerReader reader;

  if (*value == '\0')
    {
      g_clear_pointer (&config->device_capabilities, g_bytes_unref);
      return TRUE;
    }
  if (!parse_hex (value, buffer, sizeof buffer, &length))
    {
      *ret_problem = g_strdup_printf ("is not hex (expected the DER contents of SGP.22 DeviceCapabilities in hex, "
                                      "at most %u bytes, e.g. 80030800008503080000 for GSM and LTE release 8)",
                                      (guint) DEVICE_CAPABILITIES_MAX);
      return FALSE;
    }
  der_reader_init (&reader, buffer, length);
  while (!der_reader_at_end (&reader))
    {
      DerTlv tlv;
      g_autoptr(GError) der_error = NULL;
      if (!der_reader_next (&reader, &tlv, &der_error))
        {
          *ret_problem = g_strdup_printf ("is not DER (expected the contents of SGP.22 DeviceCapabilities: %s)",
                                          der_error->message);
          return FALSE;
        }
      if ((tlv.raw[0] & 0xC0) != 0x80)
        {
          *ret_problem = g_strdup_printf ("holds tag %02X, not a DeviceCapabilities field (expected context-specific "
                                          "tags 80, 81, ...)", tlv.tag);
          return FALSE;
        }
    }
  g_clear_pointer (&config->device_capabilities, g_bytes_unref);
  config->device_capabilities = g_bytes_new (buffer, length);
  return TRUE;
}

/* Group names as getent knows them; checked for form only, the group may be created after the file. */
static gboolean
parse_group_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  gboolean valid = strlen (value) <= 32 && value[0] != '-';

  for (const gchar *p = value; valid && *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("_.-", *p) == NULL)
      valid = FALSE;
  if (!valid)
    {
      *ret_problem = g_strdup ("is not a group name (expected e.g. euiccd, or empty for root only)");
      return FALSE;
    }
  set_string_field (config, key, value);
  return TRUE;
}

static gboolean
parse_log_level_key (DaemonConfig *config, const ConfigKey *key, const gchar *value, gchar **ret_problem)
{
  if (!daemon_log_level_from_string (value, &config->log_level))
    {
      *ret_problem = g_strdup ("is not a log level (expected error, warning, info or debug)");
      return FALSE;
    }
  return TRUE;
}

static const ConfigKey config_keys[] = {
  { "Card", "Device", parse_device_key, FIELD (card_device), 0, 0 },
  { "Card", "Slot", parse_uint_key, FIELD (card_slot), 1, 255 },
  { "Card", "Exclusive", parse_bool_key, FIELD (card_exclusive), 0, 0 },
  { "Card", "IsdrAid", parse_aid_key, FIELD (card_isdr_aid), 0, 0 },
  { "Card", "StoreDataBlockSize", parse_uint_key, FIELD (card_store_data_block_size), 1, 255 },
  { "Card", "TerminalCapability", parse_terminal_capability_key, FIELD (card_terminal_capability), 0, 0 },
  { "Card", "ApduTimeout", parse_duration_key, FIELD (card_apdu_timeout_s), 1, 3600 },
  { "Card", "OpenTimeout", parse_duration_key, FIELD (card_open_timeout_s), 1, 3600 },
  { "Card", "ReconnectTimeout", parse_duration_key, FIELD (card_reconnect_timeout_s), 0, 3600 },
  { "Eim", "Address", parse_address_key, FIELD (eim_address), 0, 0 },
  { "Eim", "Binding", parse_binding_key, FIELD (eim_binding), 0, 0 },
  { "Eim", "CaFile", parse_optional_path_key, FIELD (eim_ca_file), 0, 0 },
  { "Eim", "UseSystemCa", parse_bool_key, FIELD (eim_use_system_ca), 0, 0 },
  { "Eim", "WidenEuiccTrust", parse_bool_key, FIELD (eim_widen_euicc_trust), 0, 0 },
  { "Eim", "Proxy", parse_proxy_key, FIELD (eim_proxy), 0, 0 },
  { "Eim", "ConnectTimeout", parse_duration_key, FIELD (eim_connect_timeout_s), 1, 3600 },
  { "Eim", "Timeout", parse_duration_key, FIELD (eim_timeout_s), 1, 24 * 3600 },
  { "Sgp22", "EimId", parse_eim_id_key, FIELD (sgp22_eim_id), 0, 0 },
  { "Sgp22", "EimFqdn", parse_address_key, FIELD (sgp22_eim_fqdn), 0, 0 },
  { "Sgp22", "EimPublicKey", parse_optional_path_key, FIELD (sgp22_eim_public_key), 0, 0 },
  { "Download", "CiCertificates", parse_ci_certificates_key, FIELD (download_ci_certificates), 0, 0 },
  { "Poll", "Interval", parse_duration_key, FIELD (poll_interval_s), 1, DURATION_MAX_S },
  { "Poll", "Jitter", parse_duration_key, FIELD (poll_jitter_s), 0, DURATION_MAX_S },
  { "Poll", "BackoffInitial", parse_duration_key, FIELD (poll_backoff_initial_s), 1, DURATION_MAX_S },
  { "Poll", "BackoffMax", parse_duration_key, FIELD (poll_backoff_max_s), 1, DURATION_MAX_S },
  { "Poll", "PollOnStart", parse_bool_key, FIELD (poll_on_start), 0, 0 },
  { "Connectivity", "AttachTimeout", parse_duration_key, FIELD (connectivity_attach_timeout_s), 0, 3600 },
  { "Connectivity", "AttachRetryInterval", parse_duration_key, FIELD (connectivity_attach_retry_s), 1, 3600 },
  { "Connectivity", "FallbackAfter", parse_duration_key, FIELD (connectivity_fallback_after_s), 0, DURATION_MAX_S },
  { "Connectivity", "FallbackRetryInterval", parse_duration_key, FIELD (connectivity_fallback_retry_s), 1,
    DURATION_MAX_S },
  { "Device", "Imei", parse_imei_key, FIELD (device_imei), 0, 0 },
  { "Device", "Tac", parse_tac_key, FIELD (device_tac), 0, 0 },
  { "Device", "IpaFeatures", parse_features_key, FIELD (device_ipa_features), 0, 0 },
  { "Device", "DeviceCapabilities", parse_capabilities_key, FIELD (device_capabilities), 0, 0 },
  { "Daemon", "StateDirectory", parse_path_key, FIELD (state_directory), 0, 0 },
  { "Daemon", "AdminGroup", parse_group_key, FIELD (admin_group), 0, 0 },
  { "Daemon", "LogLevel", parse_log_level_key, FIELD (log_level), 0, 0 },
  { "Daemon", "LogPersonalData", parse_bool_key, FIELD (log_personal_data), 0, 0 },
  { "Daemon", "HistorySize", parse_uint_key, FIELD (history_size), 1, HISTORY_SIZE_MAX },
};

static const ConfigKey *
find_key (const gchar *group, const gchar *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (config_keys); i++)
    if (g_str_equal (config_keys[i].group, group) && g_str_equal (config_keys[i].name, name))
      return &config_keys[i];
  return NULL;
}

static gboolean
group_is_known (const gchar *group)
{
  for (guint i = 0; i < G_N_ELEMENTS (config_keys); i++)
    if (g_str_equal (config_keys[i].group, group))
      return TRUE;
  return FALSE;
}

/* ---- loading ---- */

DaemonConfig *
daemon_config_new_default (void)
{
  DaemonConfig *config = g_new0 (DaemonConfig, 1);
  gsize aid_length = 0;

  config->card_device = g_strdup ("auto");
  config->admin_group = g_strdup (DAEMON_CONFIG_DEFAULT_ADMIN_GROUP);
  config->card_slot = 1;
  config->card_exclusive = FALSE;
  parse_hex (DAEMON_CONFIG_DEFAULT_ISDR_AID, config->card_isdr_aid, sizeof config->card_isdr_aid, &aid_length);
  config->card_isdr_aid_length = aid_length;
  config->card_store_data_block_size = 255;
  parse_hex (DAEMON_CONFIG_DEFAULT_TERMINAL_CAPABILITY, config->card_terminal_capability,
             sizeof config->card_terminal_capability, &config->card_terminal_capability_length);
  config->card_apdu_timeout_s = 30;
  config->card_open_timeout_s = 15;
  /* A module that re-enumerates on USB after a profile switch (firmware reboot) is back within 5 to 20 s on the
   * modules seen in the field; 30 s covers them with room, and a poll waits no longer than that. */
  config->card_reconnect_timeout_s = 30;
  config->eim_binding = DAEMON_EIM_BINDING_AUTO;
  config->eim_use_system_ca = TRUE;
  config->eim_connect_timeout_s = 30;
  config->eim_timeout_s = 120;
  config->poll_interval_s = 3600;
  config->poll_jitter_s = 300;
  config->poll_backoff_initial_s = 60;
  config->poll_backoff_max_s = 6 * 3600;
  config->poll_on_start = TRUE;
  /* A module attaches to a new network within a minute or two where there is coverage; 3 min leaves room
   * before a profile without coverage is rolled back. */
  config->connectivity_attach_timeout_s = 180;
  config->connectivity_attach_retry_s = 10;
  config->connectivity_fallback_after_s = 0;
  config->connectivity_fallback_retry_s = 3600;
  config->device_ipa_features = DAEMON_IPA_FEATURE_DIRECT_RSP_SERVER_COMMUNICATION |
                                DAEMON_IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION;
  config->state_directory = g_strdup (DAEMON_CONFIG_DEFAULT_STATE_DIRECTORY);
  config->download_ci_certificates = g_strdup (DAEMON_CONFIG_DEFAULT_CI_CERTIFICATES);
  config->log_level = DAEMON_LOG_LEVEL_INFO;
  config->log_personal_data = FALSE;
  config->history_size = 100;
  config->sources = g_new0 (gchar *, 1);
  config->warnings = g_new0 (gchar *, 1);
  return config;
}

void
daemon_config_free (DaemonConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->card_device);
  g_free (config->eim_address);
  g_free (config->eim_ca_file);
  g_free (config->eim_proxy);
  g_free (config->sgp22_eim_id);
  g_free (config->sgp22_eim_fqdn);
  g_free (config->sgp22_eim_public_key);
  g_free (config->device_imei);
  g_free (config->device_tac);
  g_clear_pointer (&config->device_capabilities, g_bytes_unref);
  g_free (config->state_directory);
  g_free (config->download_ci_certificates);
  g_free (config->admin_group);
  g_strfreev (config->sources);
  g_strfreev (config->warnings);
  g_free (config);
}

/* Where each key's current value came from, for the checks across keys. */
typedef struct {
  gchar *file;
  gchar *value;
} ConfigOrigin;

static void
config_origin_free (gpointer data)
{
  ConfigOrigin *origin = data;

  g_free (origin->file);
  g_free (origin->value);
  g_free (origin);
}

typedef struct {
  DaemonConfig *config;
  GHashTable *origins;  /* "Group/Key" -> ConfigOrigin */
  GPtrArray *sources;
  GPtrArray *warnings;
} ConfigLoader;

static void
loader_warn (ConfigLoader *loader, gchar *message)
{
  g_warning ("%s", message);
  g_ptr_array_add (loader->warnings, message);
}

/* Applies one loaded key file; `path` names it in errors and warnings. */
static gboolean
apply_key_file (ConfigLoader *loader, GKeyFile *key_file, const gchar *path, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;

  g_ptr_array_add (loader->sources, g_strdup (path));

  groups = g_key_file_get_groups (key_file, NULL);
  for (guint g = 0; groups[g] != NULL; g++)
    {
      g_auto(GStrv) keys = NULL;

      if (!group_is_known (groups[g]))
        {
          loader_warn (loader, g_strdup_printf ("%s: [%s]: unknown group, ignored", path, groups[g]));
          continue;
        }
      keys = g_key_file_get_keys (key_file, groups[g], NULL, NULL);
      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          const ConfigKey *key = find_key (groups[g], keys[k]);
          g_autofree gchar *value = NULL;
          g_autofree gchar *problem = NULL;
          ConfigOrigin *origin;

          if (key == NULL)
            {
              loader_warn (loader, g_strdup_printf ("%s: [%s] %s: unknown key, ignored", path, groups[g], keys[k]));
              continue;
            }
          value = g_key_file_get_string (key_file, groups[g], keys[k], &local_error);
          if (value == NULL)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG, "%s: [%s] %s: %s", path, groups[g], keys[k],
                           local_error->message);
              return FALSE;
            }
          g_strstrip (value);
          if (!key->parse (loader->config, key, value, &problem))
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG, "%s: [%s] %s: '%s' %s", path, groups[g],
                           keys[k], value, problem);
              return FALSE;
            }
          origin = g_new0 (ConfigOrigin, 1);
          origin->file = g_strdup (path);
          origin->value = g_steal_pointer (&value);
          g_hash_table_replace (loader->origins, g_strdup_printf ("%s/%s", groups[g], keys[k]), origin);
        }
    }
  return TRUE;
}

static gboolean
apply_file (ConfigLoader *loader, const gchar *path, GError **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG, "%s: cannot load: %s", path, local_error->message);
      return FALSE;
    }
  return apply_key_file (loader, key_file, path, error);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

static gboolean
apply_dropins (ConfigLoader *loader, const gchar *dropin_dir, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = g_dir_open (dropin_dir, 0, &local_error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG, "%s: cannot read the drop-in directory: %s", dropin_dir,
                   local_error->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = NULL;
      /* Editors' backups and disabled files ("x.conf~", "x.conf.disabled") do not end in ".conf". */
      if (!g_str_has_suffix (name, ".conf") || name[0] == '.')
        continue;
      path = g_build_filename (dropin_dir, name, NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree gchar *path = g_build_filename (dropin_dir, g_ptr_array_index (names, i), NULL);
      if (!apply_file (loader, path, error))
        return FALSE;
    }
  return TRUE;
}

static const ConfigOrigin *
origin_of (ConfigLoader *loader, const gchar *group_key)
{
  return g_hash_table_lookup (loader->origins, group_key);
}

/* The checks across keys, after every file is applied. */
static gboolean
check_consistency (ConfigLoader *loader, GError **error)
{
  DaemonConfig *config = loader->config;

  if (config->poll_backoff_max_s < config->poll_backoff_initial_s)
    {
      const ConfigOrigin *max = origin_of (loader, "Poll/BackoffMax");
      const ConfigOrigin *initial = origin_of (loader, "Poll/BackoffInitial");
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG,
                   "%s: [Poll] BackoffMax: '%s' is less than [Poll] BackoffInitial '%s'%s%s (expected BackoffMax >= "
                   "BackoffInitial)",
                   max != NULL ? max->file : "(default)",
                   max != NULL ? max->value : "6h", initial != NULL ? initial->value : "1m",
                   initial != NULL ? " from " : "", initial != NULL ? initial->file : "");
      return FALSE;
    }

  if (config->device_imei != NULL)
    {
      if (config->device_tac == NULL)
        config->device_tac = g_strndup (config->device_imei, 8);
      else if (strncmp (config->device_tac, config->device_imei, 8) != 0)
        {
          const ConfigOrigin *tac = origin_of (loader, "Device/Tac");
          const ConfigOrigin *imei = origin_of (loader, "Device/Imei");
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG,
                       "%s: [Device] Tac: '%s' is not the TAC of [Device] Imei '%s' from %s (expected the first 8 "
                       "digits of the IMEI, or no Tac)",
                       tac != NULL ? tac->file : "(default)", config->device_tac, config->device_imei,
                       imei != NULL ? imei->file : "(default)");
          return FALSE;
        }
    }
  return TRUE;
}

/* systemd passes StateDirectory= as $STATE_DIRECTORY, several paths separated by ':' when the unit lists
 * several; euiccd's is the first. */
static gboolean
apply_environment (DaemonConfig *config, GError **error)
{
  const gchar *env = g_getenv ("STATE_DIRECTORY");
  g_auto(GStrv) paths = NULL;

  if (env == NULL || *env == '\0')
    return TRUE;
  paths = g_strsplit (env, ":", 2);
  if (!g_path_is_absolute (paths[0]))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG,
                   "$STATE_DIRECTORY: '%s' is not an absolute path (expected e.g. /var/lib/euiccd)", env);
      return FALSE;
    }
  g_free (config->state_directory);
  config->state_directory = g_strdup (paths[0]);
  return TRUE;
}

/* Hands the loader's lists over to the configuration it filled. */
static void
loader_finish (ConfigLoader *loader)
{
  DaemonConfig *config = loader->config;

  g_strfreev (config->sources);
  g_ptr_array_add (loader->sources, NULL);
  config->sources = (GStrv) g_ptr_array_steal (loader->sources, NULL);
  g_strfreev (config->warnings);
  g_ptr_array_add (loader->warnings, NULL);
  config->warnings = (GStrv) g_ptr_array_steal (loader->warnings, NULL);
}

DaemonConfig *
daemon_config_load_from_data (const gchar *data, gsize length, const gchar *name, GError **error)
{
  g_autoptr(DaemonConfig) config = daemon_config_new_default ();
  g_autoptr(GHashTable) origins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, config_origin_free);
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  ConfigLoader loader = { config, origins, sources, warnings };

  if (!g_key_file_load_from_data (key_file, data, length, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG, "%s: cannot load: %s", name, local_error->message);
      return NULL;
    }
  if (!apply_key_file (&loader, key_file, name, error) || !check_consistency (&loader, error))
    return NULL;
  loader_finish (&loader);
  return g_steal_pointer (&config);
}

DaemonConfig *
daemon_config_load (const gchar *main_path, const gchar *dropin_dir, GError **error)
{
  g_autoptr(DaemonConfig) config = daemon_config_new_default ();
  g_autoptr(GHashTable) origins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, config_origin_free);
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *default_dropins = NULL;
  ConfigLoader loader = { config, origins, sources, warnings };
  gboolean explicit_main = (main_path != NULL);

  if (main_path == NULL)
    main_path = DAEMON_CONFIG_DEFAULT_PATH;
  if (dropin_dir == NULL)
    {
      default_dropins = g_strconcat (main_path, ".d", NULL);
      dropin_dir = default_dropins;
    }

  if (explicit_main || g_file_test (main_path, G_FILE_TEST_EXISTS))
    {
      if (!apply_file (&loader, main_path, error))
        return NULL;
    }
  if (!apply_dropins (&loader, dropin_dir, error))
    return NULL;
  if (!check_consistency (&loader, error))
    return NULL;
  if (!apply_environment (config, error))
    return NULL;
  loader_finish (&loader);
  return g_steal_pointer (&config);
}

gboolean
daemon_config_check (const gchar *main_path, const gchar *dropin_dir, GError **error)
{
  g_autoptr(DaemonConfig) config = daemon_config_load (main_path, dropin_dir, error);

  return config != NULL;
}

/* ---- writing back ---- */

gchar *
daemon_config_to_data (const DaemonConfig *config)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GPtrArray) features = g_ptr_array_new ();
  g_autofree gchar *aid = der_to_hex (config->card_isdr_aid, config->card_isdr_aid_length);
  g_autofree gchar *terminal_capability = der_to_hex (config->card_terminal_capability,
                                                     config->card_terminal_capability_length);
  g_autofree gchar *feature_list = NULL;
  g_autofree gchar *capabilities = NULL;

  for (guint bit = 0; bit < DAEMON_IPA_FEATURES_BITS; bit++)
    if ((config->device_ipa_features & (1u << bit)) != 0)
      g_ptr_array_add (features, (gpointer) ipa_feature_names[bit]);
  g_ptr_array_add (features, NULL);
  feature_list = g_strjoinv (";", (gchar **) features->pdata);
  if (config->device_capabilities != NULL)
    {
      gsize length;
      const guint8 *data = g_bytes_get_data (config->device_capabilities, &length);
      capabilities = der_to_hex (data, length);
    }

  g_key_file_set_string (key_file, "Card", "Device", config->card_device);
  g_key_file_set_uint64 (key_file, "Card", "Slot", config->card_slot);
  g_key_file_set_string (key_file, "Card", "Exclusive", config->card_exclusive ? "yes" : "no");
  g_key_file_set_string (key_file, "Card", "IsdrAid", aid);
  g_key_file_set_uint64 (key_file, "Card", "StoreDataBlockSize", config->card_store_data_block_size);
  g_key_file_set_string (key_file, "Card", "TerminalCapability", terminal_capability);
  g_key_file_set_uint64 (key_file, "Card", "ApduTimeout", config->card_apdu_timeout_s);
  g_key_file_set_uint64 (key_file, "Card", "OpenTimeout", config->card_open_timeout_s);
  g_key_file_set_uint64 (key_file, "Card", "ReconnectTimeout", config->card_reconnect_timeout_s);
  g_key_file_set_string (key_file, "Eim", "Address", config->eim_address != NULL ? config->eim_address : "");
  g_key_file_set_string (key_file, "Eim", "Binding", binding_names[config->eim_binding]);
  g_key_file_set_string (key_file, "Eim", "CaFile", config->eim_ca_file != NULL ? config->eim_ca_file : "");
  g_key_file_set_string (key_file, "Eim", "UseSystemCa", config->eim_use_system_ca ? "yes" : "no");
  g_key_file_set_string (key_file, "Eim", "WidenEuiccTrust", config->eim_widen_euicc_trust ? "yes" : "no");
  g_key_file_set_string (key_file, "Eim", "Proxy", config->eim_proxy != NULL ? config->eim_proxy : "");
  g_key_file_set_uint64 (key_file, "Eim", "ConnectTimeout", config->eim_connect_timeout_s);
  g_key_file_set_uint64 (key_file, "Eim", "Timeout", config->eim_timeout_s);
  g_key_file_set_string (key_file, "Sgp22", "EimId", config->sgp22_eim_id != NULL ? config->sgp22_eim_id : "");
  g_key_file_set_string (key_file, "Sgp22", "EimFqdn", config->sgp22_eim_fqdn != NULL ? config->sgp22_eim_fqdn : "");
  g_key_file_set_string (key_file, "Sgp22", "EimPublicKey",
                         config->sgp22_eim_public_key != NULL ? config->sgp22_eim_public_key : "");
  g_key_file_set_string (key_file, "Download", "CiCertificates", config->download_ci_certificates);
  g_key_file_set_uint64 (key_file, "Poll", "Interval", config->poll_interval_s);
  g_key_file_set_uint64 (key_file, "Poll", "Jitter", config->poll_jitter_s);
  g_key_file_set_uint64 (key_file, "Poll", "BackoffInitial", config->poll_backoff_initial_s);
  g_key_file_set_uint64 (key_file, "Poll", "BackoffMax", config->poll_backoff_max_s);
  g_key_file_set_string (key_file, "Poll", "PollOnStart", config->poll_on_start ? "yes" : "no");
  g_key_file_set_uint64 (key_file, "Connectivity", "AttachTimeout", config->connectivity_attach_timeout_s);
  g_key_file_set_uint64 (key_file, "Connectivity", "AttachRetryInterval", config->connectivity_attach_retry_s);
  g_key_file_set_uint64 (key_file, "Connectivity", "FallbackAfter", config->connectivity_fallback_after_s);
  g_key_file_set_uint64 (key_file, "Connectivity", "FallbackRetryInterval", config->connectivity_fallback_retry_s);
  g_key_file_set_string (key_file, "Device", "Imei", config->device_imei != NULL ? config->device_imei : "");
  g_key_file_set_string (key_file, "Device", "Tac", config->device_tac != NULL ? config->device_tac : "");
  g_key_file_set_string (key_file, "Device", "IpaFeatures", feature_list);
  g_key_file_set_string (key_file, "Device", "DeviceCapabilities", capabilities != NULL ? capabilities : "");
  g_key_file_set_string (key_file, "Daemon", "StateDirectory", config->state_directory);
  g_key_file_set_string (key_file, "Daemon", "AdminGroup", config->admin_group != NULL ? config->admin_group : "");
  g_key_file_set_string (key_file, "Daemon", "LogLevel", daemon_log_level_to_string (config->log_level));
  g_key_file_set_string (key_file, "Daemon", "LogPersonalData", config->log_personal_data ? "yes" : "no");
  g_key_file_set_uint64 (key_file, "Daemon", "HistorySize", config->history_size);
  return g_key_file_to_data (key_file, NULL, NULL);
}
