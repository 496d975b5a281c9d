/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration loader against real files in a temporary directory: defaults, every key, drop-in order,
 * the shipped data/euiccd.conf, and the exact wording of every refusal. Also the log helpers the
 * LogPersonalData setting drives. */
#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon-card.h"
#include "daemon/daemon-config.h"
#include "daemon/daemon-log.h"
#include "euiccd-error.h"

typedef struct {
  gchar *dir;
  gchar *main_path;
  gchar *dropin_dir;
} Fixture;

static Fixture fx;

static void
setup (void)
{
  g_autoptr(GError) error = NULL;

  g_unsetenv ("STATE_DIRECTORY");
  fx.dir = g_dir_make_tmp ("euiccd-config-XXXXXX", &error);
  ck_assert_ptr_nonnull (fx.dir);
  fx.main_path = g_build_filename (fx.dir, "euiccd.conf", NULL);
  fx.dropin_dir = g_build_filename (fx.dir, "euiccd.conf.d", NULL);
}

static void
remove_tree (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree gchar *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
teardown (void)
{
  remove_tree (fx.dir);
  g_clear_pointer (&fx.dir, g_free);
  g_clear_pointer (&fx.main_path, g_free);
  g_clear_pointer (&fx.dropin_dir, g_free);
}

static void
write_text (const gchar *path, const gchar *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *parent = g_path_get_dirname (path);

  ck_assert_int_eq (g_mkdir_with_parents (parent, 0700), 0);
  ck_assert_msg (g_file_set_contents (path, text, -1, &error), "%s", error != NULL ? error->message : "");
}

static gchar *
write_dropin (const gchar *name, const gchar *text)
{
  gchar *path = g_build_filename (fx.dropin_dir, name, NULL);

  write_text (path, text);
  return path;
}

static DaemonConfig *
load_main (const gchar *text)
{
  g_autoptr(GError) error = NULL;
  DaemonConfig *config;

  write_text (fx.main_path, text);
  config = daemon_config_load (fx.main_path, NULL, &error);
  ck_assert_msg (config != NULL, "load failed: %s", error != NULL ? error->message : "");
  return config;
}

/* Loads `text` as the main file and expects exactly `message`, with "%s" standing for the file's path. */
static void
assert_main_refused (const gchar *text, const gchar *message_format)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) config = NULL;
  g_autofree gchar *expected = NULL;

  write_text (fx.main_path, text);
  config = daemon_config_load (fx.main_path, NULL, &error);
  ck_assert_msg (config == NULL, "accepted: %s", text);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG));
  {
    g_auto(GStrv) parts = g_strsplit (message_format, "%s", -1);
    expected = g_strjoinv (fx.main_path, parts);
  }
  ck_assert_str_eq (error->message, expected);
  ck_assert (!daemon_config_check (fx.main_path, NULL, NULL));
}

START_TEST (test_defaults)
{
  g_autoptr(DaemonConfig) config = load_main ("");
  static const guint8 isdr[] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00 };

  ck_assert_str_eq (config->card_device, "auto");
  ck_assert_uint_eq (config->card_slot, 1);
  ck_assert (!config->card_exclusive);
  ck_assert_uint_eq (config->card_isdr_aid_length, sizeof isdr);
  ck_assert_mem_eq (config->card_isdr_aid, isdr, sizeof isdr);
  ck_assert_uint_eq (config->card_store_data_block_size, 255);
  ck_assert_uint_eq (config->card_terminal_capability_length, 5);
  ck_assert_mem_eq (config->card_terminal_capability, "\xA9\x03\x83\x01\x07", 5);
  ck_assert_uint_eq (config->card_apdu_timeout_s, 30);
  ck_assert_uint_eq (config->card_open_timeout_s, 15);
  ck_assert_uint_eq (config->card_reconnect_timeout_s, 30);
  ck_assert_ptr_null (config->eim_address);
  ck_assert_int_eq (config->eim_binding, DAEMON_EIM_BINDING_AUTO);
  ck_assert_ptr_null (config->eim_ca_file);
  ck_assert (config->eim_use_system_ca);
  ck_assert (!config->eim_widen_euicc_trust);
  ck_assert_ptr_null (config->eim_proxy);
  ck_assert_uint_eq (config->eim_connect_timeout_s, 30);
  ck_assert_uint_eq (config->eim_timeout_s, 120);
  ck_assert_uint_eq (config->poll_interval_s, 3600);
  ck_assert_uint_eq (config->poll_jitter_s, 300);
  ck_assert_uint_eq (config->poll_backoff_initial_s, 60);
  ck_assert_uint_eq (config->poll_backoff_max_s, 6 * 3600);
  ck_assert (config->poll_on_start);
  ck_assert_ptr_null (config->device_imei);
  ck_assert_ptr_null (config->device_tac);
  ck_assert_uint_eq (config->device_ipa_features, DAEMON_IPA_FEATURE_DIRECT_RSP_SERVER_COMMUNICATION |
                                                    DAEMON_IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION);
  ck_assert_ptr_null (config->device_capabilities);
  ck_assert_str_eq (config->state_directory, "/var/lib/euiccd");
  /* The group the shipped bus policy names. */
  ck_assert_str_eq (config->admin_group, "euiccd");
  ck_assert_int_eq (config->log_level, DAEMON_LOG_LEVEL_INFO);
  ck_assert (!config->log_personal_data);
  ck_assert_uint_eq (config->history_size, 100);
  ck_assert_uint_eq (g_strv_length (config->sources), 1);
  ck_assert_str_eq (config->sources[0], fx.main_path);
  ck_assert_uint_eq (g_strv_length (config->warnings), 0);
}
END_TEST

static const gchar all_keys[] =
  "[Card]\n"
  "Device=at:/dev/ttyUSB2@115200\n"
  "Slot=2\n"
  "Exclusive=yes\n"
  "IsdrAid=a0000005591010ffffffff8900000177\n"
  "StoreDataBlockSize=120\n"
  "TerminalCapability=A9088100820101830107\n"
  "ApduTimeout=2m\n"
  "OpenTimeout=45\n"
  "ReconnectTimeout=0\n"
  "[Eim]\n"
  "Address=eim.lab.example:8443\n"
  "Binding=json\n"
  "CaFile=/etc/euiccd/lab-ca.pem\n"
  "UseSystemCa=false\n"
  "WidenEuiccTrust=yes\n"
  "Proxy=socks5h://127.0.0.1:1080\n"
  "ConnectTimeout=10s\n"
  "Timeout=5m\n"
  "[Poll]\n"
  "Interval=1d\n"
  "Jitter=0\n"
  "BackoffInitial=30s\n"
  "BackoffMax=2h\n"
  "PollOnStart=off\n"
  "[Connectivity]\n"
  "AttachTimeout=90s\n"
  "AttachRetryInterval=5\n"
  "FallbackAfter=30m\n"
  "FallbackRetryInterval=2h\n"
  "[Device]\n"
  "Imei=490154203237518\n"
  "IpaFeatures=minimizeEsipaBytes; eimCtxParams1Generation,indirectRspServerCommunication\n"
  "DeviceCapabilities=80030800008503080000\n"
  "[Daemon]\n"
  "StateDirectory=/srv/euiccd/state\n"
  "AdminGroup=operators\n"
  "LogLevel=DEBUG\n"
  "LogPersonalData=1\n"
  "HistorySize=7\n";

START_TEST (test_every_key)
{
  g_autoptr(DaemonConfig) config = load_main (all_keys);
  static const guint8 aid[] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x77 };
  static const guint8 capabilities[] = { 0x80, 0x03, 0x08, 0x00, 0x00, 0x85, 0x03, 0x08, 0x00, 0x00 };
  gsize length;
  const guint8 *data;

  ck_assert_str_eq (config->card_device, "at:/dev/ttyUSB2@115200");
  ck_assert_uint_eq (config->card_slot, 2);
  ck_assert (config->card_exclusive);
  ck_assert_uint_eq (config->card_isdr_aid_length, sizeof aid);
  ck_assert_mem_eq (config->card_isdr_aid, aid, sizeof aid);
  ck_assert_uint_eq (config->card_store_data_block_size, 120);
  ck_assert_uint_eq (config->card_terminal_capability_length, 10);
  ck_assert_mem_eq (config->card_terminal_capability, "\xA9\x08\x81\x00\x82\x01\x01\x83\x01\x07", 10);
  ck_assert_uint_eq (config->card_apdu_timeout_s, 120);
  ck_assert_uint_eq (config->card_open_timeout_s, 45);
  ck_assert_uint_eq (config->card_reconnect_timeout_s, 0);
  ck_assert_str_eq (config->eim_address, "eim.lab.example:8443");
  ck_assert_int_eq (config->eim_binding, DAEMON_EIM_BINDING_JSON);
  ck_assert_str_eq (config->eim_ca_file, "/etc/euiccd/lab-ca.pem");
  ck_assert (!config->eim_use_system_ca);
  ck_assert (config->eim_widen_euicc_trust);
  ck_assert_str_eq (config->eim_proxy, "socks5h://127.0.0.1:1080");
  ck_assert_uint_eq (config->eim_connect_timeout_s, 10);
  ck_assert_uint_eq (config->eim_timeout_s, 300);
  ck_assert_uint_eq (config->poll_interval_s, 86400);
  ck_assert_uint_eq (config->poll_jitter_s, 0);
  ck_assert_uint_eq (config->poll_backoff_initial_s, 30);
  ck_assert_uint_eq (config->poll_backoff_max_s, 7200);
  ck_assert (!config->poll_on_start);
  ck_assert_uint_eq (config->connectivity_attach_timeout_s, 90);
  ck_assert_uint_eq (config->connectivity_attach_retry_s, 5);
  ck_assert_uint_eq (config->connectivity_fallback_after_s, 1800);
  ck_assert_uint_eq (config->connectivity_fallback_retry_s, 7200);
  ck_assert_str_eq (config->device_imei, "490154203237518");
  ck_assert_str_eq (config->device_tac, "49015420");  /* derived from the IMEI */
  ck_assert_uint_eq (config->device_ipa_features, DAEMON_IPA_FEATURE_MINIMIZE_ESIPA_BYTES |
                                                    DAEMON_IPA_FEATURE_EIM_CTX_PARAMS1_GENERATION |
                                                    DAEMON_IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION);
  ck_assert_ptr_nonnull (config->device_capabilities);
  data = g_bytes_get_data (config->device_capabilities, &length);
  ck_assert_uint_eq (length, sizeof capabilities);
  ck_assert_mem_eq (data, capabilities, sizeof capabilities);
  ck_assert_str_eq (config->state_directory, "/srv/euiccd/state");
  ck_assert_str_eq (config->admin_group, "operators");
  ck_assert_int_eq (config->log_level, DAEMON_LOG_LEVEL_DEBUG);
  ck_assert (config->log_personal_data);
  ck_assert_uint_eq (config->history_size, 7);
  ck_assert_uint_eq (g_strv_length (config->warnings), 0);
}
END_TEST

START_TEST (test_device_forms)
{
  static const gchar *const accepted[] = { "auto", "qmi:/dev/cdc-wdm0", "mbim:/dev/cdc-wdm1", "pcsc:",
                                           "pcsc:Virtual PCD 00 00", "at:/dev/ttyUSB2", "at:/dev/ttyACM0@921600" };

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autofree gchar *text = g_strdup_printf ("[Card]\nDevice=%s\n", accepted[i]);
      g_autoptr(DaemonConfig) config = load_main (text);
      ck_assert_str_eq (config->card_device, accepted[i]);
    }
}
END_TEST

START_TEST (test_empty_optional_values_unset)
{
  g_autoptr(DaemonConfig) config = load_main ("[Eim]\nAddress=\nCaFile=\nProxy=\n[Device]\nImei=\nTac=\n"
                                              "IpaFeatures=\nDeviceCapabilities=\n[Daemon]\nAdminGroup=\n");

  ck_assert_ptr_null (config->eim_address);
  ck_assert_ptr_null (config->eim_ca_file);
  ck_assert_ptr_null (config->eim_proxy);
  ck_assert_ptr_null (config->device_imei);
  ck_assert_ptr_null (config->device_tac);
  ck_assert_uint_eq (config->device_ipa_features, 0);
  ck_assert_ptr_null (config->device_capabilities);
  ck_assert_ptr_null (config->admin_group);
}
END_TEST

START_TEST (test_dropin_order)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) config = NULL;
  g_autofree gchar *b = NULL;
  g_autofree gchar *a = NULL;

  write_text (fx.main_path, "[Poll]\nInterval=10m\nJitter=1m\n[Card]\nSlot=3\n");
  /* Written in the reverse of the order they must be applied in. */
  b = write_dropin ("20-b.conf", "[Poll]\nInterval=30m\n[Card]\nSlot=2\n");
  a = write_dropin ("10-a.conf", "[Poll]\nInterval=20m\nBackoffMax=1h\n");
  g_free (write_dropin ("README", "this is not a key file\n"));
  g_free (write_dropin ("30-c.conf~", "[Poll]\nInterval=bogus\n"));
  g_free (write_dropin ("40-d.conf.disabled", "[Poll]\nInterval=bogus\n"));
  g_free (write_dropin (".50-hidden.conf", "[Poll]\nInterval=bogus\n"));

  config = daemon_config_load (fx.main_path, NULL, &error);
  ck_assert_msg (config != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (config->poll_interval_s, 1800);    /* 20-b.conf wins over 10-a.conf and the main file */
  ck_assert_uint_eq (config->poll_jitter_s, 60);        /* only in the main file */
  ck_assert_uint_eq (config->poll_backoff_max_s, 3600); /* only in 10-a.conf */
  ck_assert_uint_eq (config->card_slot, 2);
  ck_assert_uint_eq (g_strv_length (config->sources), 3);
  ck_assert_str_eq (config->sources[0], fx.main_path);
  ck_assert_str_eq (config->sources[1], a);
  ck_assert_str_eq (config->sources[2], b);
}
END_TEST

START_TEST (test_explicit_dropin_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) config = NULL;
  g_autofree gchar *other = g_build_filename (fx.dir, "other.d", NULL);
  g_autofree gchar *path = g_build_filename (other, "x.conf", NULL);

  write_text (fx.main_path, "[Card]\nSlot=3\n");
  g_free (write_dropin ("x.conf", "[Card]\nSlot=4\n"));
  write_text (path, "[Card]\nSlot=5\n");
  config = daemon_config_load (fx.main_path, other, &error);
  ck_assert_ptr_nonnull (config);
  ck_assert_uint_eq (config->card_slot, 5);
}
END_TEST

START_TEST (test_missing_files)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) config = NULL;
  g_autofree gchar *missing = g_build_filename (fx.dir, "nope.conf", NULL);
  g_autofree gchar *expected = NULL;

  /* An absent drop-in directory is normal. */
  write_text (fx.main_path, "");
  config = daemon_config_load (fx.main_path, NULL, &error);
  ck_assert_ptr_nonnull (config);
  g_clear_pointer (&config, daemon_config_free);

  /* A main file asked for by name must exist. */
  config = daemon_config_load (missing, NULL, &error);
  ck_assert_ptr_null (config);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG));
  expected = g_strdup_printf ("%s: cannot load: No such file or directory", missing);
  ck_assert_str_eq (error->message, expected);
}
END_TEST

START_TEST (test_unparsable_file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) config = NULL;
  g_autofree gchar *path = NULL;

  write_text (fx.main_path, "");
  path = write_dropin ("10-broken.conf", "[Poll\nInterval=1h\n");
  config = daemon_config_load (fx.main_path, NULL, &error);
  ck_assert_ptr_null (config);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG));
  ck_assert_msg (g_str_has_prefix (error->message, path), "%s", error->message);
  ck_assert_msg (strstr (error->message, "cannot load") != NULL, "%s", error->message);
}
END_TEST

/* Each invalid form and the whole message it must give, "%s" being the file. */
static const struct {
  const gchar *text;
  const gchar *message;
} refusals[] = {
  { "[Poll]\nInterval=abc\n",
    "%s: [Poll] Interval: 'abc' is not a duration (expected e.g. 3600, 90s, 15m, 6h, 1d, at most 366d)" },
  { "[Poll]\nInterval=10x\n",
    "%s: [Poll] Interval: '10x' is not a duration (expected e.g. 3600, 90s, 15m, 6h, 1d, at most 366d)" },
  { "[Poll]\nInterval=-5\n",
    "%s: [Poll] Interval: '-5' is not a duration (expected e.g. 3600, 90s, 15m, 6h, 1d, at most 366d)" },
  { "[Poll]\nInterval=367d\n",
    "%s: [Poll] Interval: '367d' is not a duration (expected e.g. 3600, 90s, 15m, 6h, 1d, at most 366d)" },
  { "[Poll]\nInterval=99999999999999999999999\n",
    "%s: [Poll] Interval: '99999999999999999999999' is not a duration (expected e.g. 3600, 90s, 15m, 6h, 1d, at "
    "most 366d)" },
  { "[Poll]\nInterval=0\n", "%s: [Poll] Interval: '0' is out of range (expected 1s..31622400s)" },
  { "[Poll]\nJitter=1h 5m\n",
    "%s: [Poll] Jitter: '1h 5m' is not a duration (expected e.g. 3600, 90s, 15m, 6h, 1d, at most 366d)" },
  { "[Poll]\nBackoffInitial=0s\n", "%s: [Poll] BackoffInitial: '0s' is out of range (expected 1s..31622400s)" },
  { "[Poll]\nPollOnStart=maybe\n", "%s: [Poll] PollOnStart: 'maybe' is not a boolean (expected yes or no)" },
  { "[Card]\nApduTimeout=2h\n", "%s: [Card] ApduTimeout: '2h' is out of range (expected 1s..3600s)" },
  { "[Card]\nOpenTimeout=\n",
    "%s: [Card] OpenTimeout: '' is not a duration (expected e.g. 3600, 90s, 15m, 6h, 1d, at most 366d)" },
  { "[Card]\nDevice=cdc-wdm0\n",
    "%s: [Card] Device: 'cdc-wdm0' is not a card device (expected auto, qmi:PATH, mbim:PATH, pcsc:READER or "
    "at:PATH[@BAUD], PATH absolute)" },
  { "[Card]\nDevice=qmi:\n",
    "%s: [Card] Device: 'qmi:' is not a card device (expected auto, qmi:PATH, mbim:PATH, pcsc:READER or "
    "at:PATH[@BAUD], PATH absolute)" },
  { "[Card]\nDevice=at:/dev/ttyUSB2@fast\n",
    "%s: [Card] Device: 'at:/dev/ttyUSB2@fast' is not a card device (expected auto, qmi:PATH, mbim:PATH, "
    "pcsc:READER or at:PATH[@BAUD], PATH absolute)" },
  { "[Card]\nSlot=0\n", "%s: [Card] Slot: '0' is out of range (expected 1..255)" },
  { "[Card]\nSlot=one\n", "%s: [Card] Slot: 'one' is not a number (expected 1..255)" },
  { "[Card]\nSlot=+1\n", "%s: [Card] Slot: '+1' is not a number (expected 1..255)" },
  { "[Card]\nExclusive=2\n", "%s: [Card] Exclusive: '2' is not a boolean (expected yes or no)" },
  { "[Card]\nIsdrAid=A00000055\n",
    "%s: [Card] IsdrAid: 'A00000055' is not an AID (expected 5 to 16 bytes in hex, e.g. "
    "A0000005591010FFFFFFFF8900000100)" },
  { "[Card]\nIsdrAid=A0000005\n",
    "%s: [Card] IsdrAid: 'A0000005' is not an AID (expected 5 to 16 bytes in hex, e.g. "
    "A0000005591010FFFFFFFF8900000100)" },
  { "[Card]\nIsdrAid=A0000005591010FFFFFFFF890000010000\n",
    "%s: [Card] IsdrAid: 'A0000005591010FFFFFFFF890000010000' is not an AID (expected 5 to 16 bytes in hex, e.g. "
    "A0000005591010FFFFFFFF8900000100)" },
  { "[Card]\nIsdrAid=G000000559\n",
    "%s: [Card] IsdrAid: 'G000000559' is not an AID (expected 5 to 16 bytes in hex, e.g. "
    "A0000005591010FFFFFFFF8900000100)" },
  { "[Card]\nStoreDataBlockSize=256\n", "%s: [Card] StoreDataBlockSize: '256' is out of range (expected 1..255)" },
  { "[Card]\nTerminalCapability=A90\n",
    "%s: [Card] TerminalCapability: 'A90' is not the data of a TERMINAL CAPABILITY (expected up to 255 bytes in hex, "
    "e.g. A903830107, or nothing to send none)" },
  { "[Eim]\nAddress=https://eim.example/\n",
    "%s: [Eim] Address: 'https://eim.example/' is not an eIM address (expected host or host:port, empty for the "
    "eUICC's)" },
  { "[Eim]\nAddress=eim.example:0\n",
    "%s: [Eim] Address: 'eim.example:0' is not an eIM address (expected host or host:port, empty for the eUICC's)" },
  { "[Eim]\nAddress=eim.example:70000\n",
    "%s: [Eim] Address: 'eim.example:70000' is not an eIM address (expected host or host:port, empty for the "
    "eUICC's)" },
  { "[Eim]\nBinding=xml\n", "%s: [Eim] Binding: 'xml' is not an ESipa binding (expected auto, asn1 or json)" },
  { "[Eim]\nCaFile=certs/ca.pem\n",
    "%s: [Eim] CaFile: 'certs/ca.pem' is not an absolute path (expected e.g. /etc/euiccd/eim-ca.pem, or empty)" },
  { "[Eim]\nUseSystemCa=ja\n", "%s: [Eim] UseSystemCa: 'ja' is not a boolean (expected yes or no)" },
  { "[Eim]\nProxy=proxy.example:3128\n",
    "%s: [Eim] Proxy: 'proxy.example:3128' is not a proxy URL (expected e.g. http://proxy.example:3128 or "
    "socks5h://127.0.0.1:1080, or empty)" },
  { "[Eim]\nConnectTimeout=1d\n", "%s: [Eim] ConnectTimeout: '1d' is out of range (expected 1s..3600s)" },
  { "[Eim]\nTimeout=fast\n",
    "%s: [Eim] Timeout: 'fast' is not a duration (expected e.g. 3600, 90s, 15m, 6h, 1d, at most 366d)" },
  { "[Device]\nImei=49015420323751\n", "%s: [Device] Imei: '49015420323751' is not an IMEI (expected 15 digits)" },
  { "[Device]\nImei=490154203237519\n",
    "%s: [Device] Imei: '490154203237519' has a wrong check digit (expected an IMEI whose 15th digit is its Luhn "
    "check digit)" },
  { "[Device]\nTac=4901542\n", "%s: [Device] Tac: '4901542' is not a TAC (expected 8 digits)" },
  { "[Device]\nIpaFeatures=directRspServerCommunication;teleport\n",
    "%s: [Device] IpaFeatures: 'directRspServerCommunication;teleport' names an unknown feature 'teleport' "
    "(expected a list of: directRspServerCommunication, indirectRspServerCommunication, eimDownloadDataHandling, "
    "eimCtxParams1Generation, eimProfileMetadataVerification, minimizeEsipaBytes)" },
  { "[Device]\nDeviceCapabilities=8003080000850308000\n",
    "%s: [Device] DeviceCapabilities: '8003080000850308000' is not hex (expected the DER contents of SGP.22 "
    "DeviceCapabilities in hex, at most 512 bytes, e.g. 80030800008503080000 for GSM and LTE release 8)" },
  { "[Device]\nDeviceCapabilities=800508000085\n",
    "%s: [Device] DeviceCapabilities: '800508000085' is not DER (expected the contents of SGP.22 "
    "DeviceCapabilities: DER: length beyond buffer: tag 80 at offset 0 announces 5 bytes but only 4 remain)" },
  { "[Device]\nDeviceCapabilities=0403080000\n",
    "%s: [Device] DeviceCapabilities: '0403080000' holds tag 04, not a DeviceCapabilities field (expected "
    "context-specific tags 80, 81, ...)" },
  { "[Daemon]\nStateDirectory=var/lib/euiccd\n",
    "%s: [Daemon] StateDirectory: 'var/lib/euiccd' is not an absolute path (expected e.g. /var/lib/euiccd)" },
  { "[Daemon]\nAdminGroup=wheel group\n",
    "%s: [Daemon] AdminGroup: 'wheel group' is not a group name (expected e.g. euiccd, or empty for root only)" },
  { "[Daemon]\nLogLevel=verbose\n",
    "%s: [Daemon] LogLevel: 'verbose' is not a log level (expected error, warning, info or debug)" },
  { "[Daemon]\nLogPersonalData=please\n",
    "%s: [Daemon] LogPersonalData: 'please' is not a boolean (expected yes or no)" },
  { "[Connectivity]\nAttachTimeout=2h\n",
    "%s: [Connectivity] AttachTimeout: '2h' is out of range (expected 0s..3600s)" },
  { "[Connectivity]\nAttachRetryInterval=0\n",
    "%s: [Connectivity] AttachRetryInterval: '0' is out of range (expected 1s..3600s)" },
  { "[Daemon]\nHistorySize=0\n", "%s: [Daemon] HistorySize: '0' is out of range (expected 1..10000)" },
  { "[Daemon]\nHistorySize=10001\n", "%s: [Daemon] HistorySize: '10001' is out of range (expected 1..10000)" },
};

START_TEST (test_refusals)
{
  assert_main_refused (refusals[_i].text, refusals[_i].message);
}
END_TEST

START_TEST (test_refusal_names_dropin)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) config = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *expected = NULL;

  write_text (fx.main_path, "[Poll]\nInterval=1h\n");
  g_free (write_dropin ("10-good.conf", "[Poll]\nInterval=2h\n"));
  path = write_dropin ("20-bad.conf", "[Poll]\nInterval=abc\n");
  config = daemon_config_load (fx.main_path, NULL, &error);
  ck_assert_ptr_null (config);
  expected = g_strdup_printf ("%s: [Poll] Interval: 'abc' is not a duration (expected e.g. 3600, 90s, 15m, 6h, 1d, "
                              "at most 366d)", path);
  ck_assert_str_eq (error->message, expected);
}
END_TEST

START_TEST (test_backoff_order)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) config = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *expected = NULL;

  write_text (fx.main_path, "[Poll]\nBackoffInitial=10m\n");
  path = write_dropin ("10-max.conf", "[Poll]\nBackoffMax=5m\n");
  config = daemon_config_load (fx.main_path, NULL, &error);
  ck_assert_ptr_null (config);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG));
  expected = g_strdup_printf ("%s: [Poll] BackoffMax: '5m' is less than [Poll] BackoffInitial '10m' from %s "
                              "(expected BackoffMax >= BackoffInitial)", path, fx.main_path);
  ck_assert_str_eq (error->message, expected);
  g_clear_error (&error);

  /* Equal is fine: the backoff is then constant. */
  write_text (path, "[Poll]\nBackoffMax=10m\n");
  config = daemon_config_load (fx.main_path, NULL, &error);
  ck_assert_ptr_nonnull (config);
}
END_TEST

START_TEST (test_tac)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) config = NULL;
  g_autofree gchar *expected = NULL;

  config = load_main ("[Device]\nTac=35209900\n");
  ck_assert_str_eq (config->device_tac, "35209900");
  ck_assert_ptr_null (config->device_imei);
  g_clear_pointer (&config, daemon_config_free);

  config = load_main ("[Device]\nImei=490154203237518\nTac=49015420\n");
  ck_assert_str_eq (config->device_tac, "49015420");
  g_clear_pointer (&config, daemon_config_free);

  write_text (fx.main_path, "[Device]\nImei=490154203237518\nTac=35209900\n");
  config = daemon_config_load (fx.main_path, NULL, &error);
  ck_assert_ptr_null (config);
  expected = g_strdup_printf ("%s: [Device] Tac: '35209900' is not the TAC of [Device] Imei '490154203237518' from "
                              "%s (expected the first 8 digits of the IMEI, or no Tac)", fx.main_path, fx.main_path);
  ck_assert_str_eq (error->message, expected);
}
END_TEST

START_TEST (test_unknown_keys_warn)
{
  g_autoptr(DaemonConfig) config = NULL;
  g_autofree gchar *dropin = NULL;
  g_autofree gchar *w0 = NULL;
  g_autofree gchar *w1 = NULL;
  g_autofree gchar *w2 = NULL;

  dropin = write_dropin ("10-x.conf", "[Eim]\nAdress=eim.example\n");
  config = load_main ("[Poll]\nInterval=2h\nIntervall=3h\n[Modem]\nDevice=/dev/cdc-wdm0\n");
  /* Not fatal, and the known keys still count. */
  ck_assert_uint_eq (config->poll_interval_s, 7200);
  ck_assert_ptr_null (config->eim_address);
  ck_assert_uint_eq (g_strv_length (config->warnings), 3);
  w0 = g_strdup_printf ("%s: [Poll] Intervall: unknown key, ignored", fx.main_path);
  w1 = g_strdup_printf ("%s: [Modem]: unknown group, ignored", fx.main_path);
  w2 = g_strdup_printf ("%s: [Eim] Adress: unknown key, ignored", dropin);
  ck_assert_str_eq (config->warnings[0], w0);
  ck_assert_str_eq (config->warnings[1], w1);
  ck_assert_str_eq (config->warnings[2], w2);
}
END_TEST

START_TEST (test_state_directory_env)
{
  g_autoptr(DaemonConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  g_setenv ("STATE_DIRECTORY", "/run/state/euiccd:/run/state/other", TRUE);
  config = load_main ("[Daemon]\nStateDirectory=/srv/euiccd\n");
  ck_assert_str_eq (config->state_directory, "/run/state/euiccd");
  g_clear_pointer (&config, daemon_config_free);

  g_setenv ("STATE_DIRECTORY", "relative", TRUE);
  config = daemon_config_load (fx.main_path, NULL, &error);
  ck_assert_ptr_null (config);
  ck_assert_str_eq (error->message, "$STATE_DIRECTORY: 'relative' is not an absolute path (expected e.g. "
                                    "/var/lib/euiccd)");
}
END_TEST

/* data/euiccd.conf must load as the defaults, and with every key uncommented still give the defaults: the
 * shipped documentation then cannot drift from the code. */
START_TEST (test_shipped_file)
{
  const gchar *srcdir = g_getenv ("top_srcdir");
  g_autofree gchar *shipped = g_build_filename (srcdir != NULL ? srcdir : "../..", "data", "euiccd.conf", NULL);
  g_autofree gchar *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) defaults = daemon_config_new_default ();
  g_autoptr(DaemonConfig) config = NULL;
  g_autofree gchar *defaults_data = daemon_config_to_data (defaults);
  g_autofree gchar *config_data = NULL;
  g_autoptr(GString) uncommented = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  guint keys = 0;

  ck_assert_msg (g_file_get_contents (shipped, &text, NULL, &error), "%s", error != NULL ? error->message : "");
  config = daemon_config_load (shipped, fx.dropin_dir, &error);
  ck_assert_msg (config != NULL, "%s", error != NULL ? error->message : "");
  config_data = daemon_config_to_data (config);
  ck_assert_str_eq (config_data, defaults_data);
  g_clear_pointer (&config, daemon_config_free);
  g_clear_pointer (&config_data, g_free);

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* "#Key=value" is a setting; "# words" is documentation. */
      if (lines[i][0] == '#' && g_ascii_isupper (lines[i][1]) && strchr (lines[i], '=') != NULL)
        {
          g_string_append_printf (uncommented, "%s\n", lines[i] + 1);
          keys++;
        }
      else
        g_string_append_printf (uncommented, "%s\n", lines[i]);
    }
  ck_assert_uint_eq (keys, 39);
  write_text (fx.main_path, uncommented->str);
  config = daemon_config_load (fx.main_path, NULL, &error);
  ck_assert_msg (config != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (g_strv_length (config->warnings), 0);
  config_data = daemon_config_to_data (config);
  ck_assert_str_eq (config_data, defaults_data);
}
END_TEST

/* The bus policy lets the admin group past the bus; the daemon admits [Daemon] AdminGroup. Out of the box
 * both must name the same group, or its members would be let through by one and refused by the other. */
START_TEST (test_default_admin_group_is_the_policy_group)
{
  const gchar *srcdir = g_getenv ("top_srcdir");
  g_autofree gchar *policy = g_build_filename (srcdir != NULL ? srcdir : "../..", "dbus", "org.euiccd.Euiccd1.conf", NULL);
  g_autoptr(DaemonConfig) config = daemon_config_new_default ();
  g_autofree gchar *text = NULL;
  g_autofree gchar *expected = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *first, *again;

  ck_assert_msg (g_file_get_contents (policy, &text, NULL, &error), "%s", error != NULL ? error->message : "");
  ck_assert_str_eq (config->admin_group, DAEMON_CONFIG_DEFAULT_ADMIN_GROUP);
  expected = g_strdup_printf ("<policy group=\"%s\">", config->admin_group);
  first = strstr (text, "<policy group=");
  ck_assert_msg (first != NULL && g_str_has_prefix (first, expected), "the policy's group is not %s", expected);
  again = strstr (first + 1, "<policy group=");
  ck_assert_msg (again == NULL, "the policy names a second group");
}
END_TEST

START_TEST (test_to_data_round_trip)
{
  g_autoptr(DaemonConfig) config = load_main (all_keys);
  g_autofree gchar *data = daemon_config_to_data (config);
  g_autofree gchar *path = g_build_filename (fx.dir, "round.conf", NULL);
  g_autoptr(DaemonConfig) again = NULL;
  g_autofree gchar *data_again = NULL;
  g_autoptr(GError) error = NULL;

  write_text (path, data);
  again = daemon_config_load (path, fx.dropin_dir, &error);
  ck_assert_msg (again != NULL, "%s", error != NULL ? error->message : "");
  data_again = daemon_config_to_data (again);
  ck_assert_str_eq (data_again, data);
  ck_assert_uint_eq (again->poll_interval_s, 86400);
  ck_assert_str_eq (again->device_tac, "49015420");
}
END_TEST

/* One file's text, without touching the file system: the same keys, checks and error wording, named by the
 * caller. */
START_TEST (test_load_from_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) config = daemon_config_load_from_data (all_keys, strlen (all_keys), "inline.conf", &error);
  g_autoptr(DaemonConfig) bad = NULL;
  g_autoptr(DaemonConfig) inconsistent = NULL;
  g_autoptr(DaemonConfig) unparsable = NULL;
  static const gchar bad_text[] = "[Poll]\nInterval=soon\n";
  static const gchar inconsistent_text[] = "[Poll]\nBackoffInitial=2h\nBackoffMax=1h\n";

  ck_assert_msg (config != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (config->poll_interval_s, 86400);
  ck_assert_str_eq (config->sources[0], "inline.conf");
  ck_assert_ptr_null (config->sources[1]);

  bad = daemon_config_load_from_data (bad_text, sizeof bad_text - 1, "inline.conf", &error);
  ck_assert_ptr_null (bad);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG));
  ck_assert_msg (g_str_has_prefix (error->message, "inline.conf: [Poll] Interval: 'soon' "), "%s", error->message);
  g_clear_error (&error);

  inconsistent = daemon_config_load_from_data (inconsistent_text, sizeof inconsistent_text - 1, "x.conf", &error);
  ck_assert_ptr_null (inconsistent);
  ck_assert_msg (strstr (error->message, "BackoffMax") != NULL, "%s", error->message);
  g_clear_error (&error);

  unparsable = daemon_config_load_from_data ("[Poll\n", 6, "y.conf", &error);
  ck_assert_ptr_null (unparsable);
  ck_assert_msg (g_str_has_prefix (error->message, "y.conf: cannot load: "), "%s", error->message);
}
END_TEST

/* Device=auto takes the cdc-wdm port that sorts first, whatever order the directory lists them in. The
 * sort once compared the array's element pointers as if they were the strings. */
START_TEST (test_auto_device_picks_first_port)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dev = g_build_filename (fx.dir, "dev", NULL);
  g_autofree gchar *expected = g_strdup_printf ("qmi:%s/cdc-wdm0", dev);
  g_autofree gchar *found = NULL;
  g_autofree gchar *none = NULL;
  static const gchar *const names[] = { "cdc-wdm3", "ttyUSB0", "cdc-wdm12", "cdc-wdm0", "cdc-wdm1" };

  ck_assert_int_eq (g_mkdir_with_parents (dev, 0700), 0);
  none = daemon_card_find_qmi_port (dev, &error);
  ck_assert_ptr_null (none);
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND));
  g_clear_error (&error);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree gchar *path = g_build_filename (dev, names[i], NULL);

      write_text (path, "");
    }
  found = daemon_card_find_qmi_port (dev, &error);
  ck_assert_msg (found != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_str_eq (found, expected);
}
END_TEST

START_TEST (test_duration_parser)
{
  static const struct {
    const gchar *text;
    gboolean valid;
    guint64 seconds;
  } cases[] = {
    { "0", TRUE, 0 }, { "3600", TRUE, 3600 }, { "90s", TRUE, 90 }, { "15m", TRUE, 900 }, { "6h", TRUE, 21600 },
    { "1d", TRUE, 86400 }, { "366d", TRUE, 31622400 }, { "31622400", TRUE, 31622400 }, { "31622401", FALSE, 0 },
    { "367d", FALSE, 0 }, { "", FALSE, 0 }, { "s", FALSE, 0 }, { "1.5h", FALSE, 0 }, { "1hm", FALSE, 0 },
    { " 5", FALSE, 0 }, { "5 ", FALSE, 0 }, { "-1", FALSE, 0 }, { "1H", FALSE, 0 }, { "1w", FALSE, 0 },
    { "18446744073709551617", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint64 seconds = 12345;
      gboolean valid = daemon_config_parse_duration (cases[i].text, &seconds);
      ck_assert_msg (valid == cases[i].valid, "'%s'", cases[i].text);
      if (valid)
        ck_assert_uint_eq (seconds, cases[i].seconds);
      else
        ck_assert_uint_eq (seconds, 12345);
    }
  ck_assert (!daemon_config_parse_duration (NULL, NULL));
}
END_TEST

START_TEST (test_imei)
{
  ck_assert (daemon_config_imei_is_valid ("490154203237518"));
  ck_assert (daemon_config_imei_is_valid ("356938035643809"));
  ck_assert (!daemon_config_imei_is_valid ("356938035643800"));
  ck_assert (!daemon_config_imei_is_valid ("35693803564380"));
  ck_assert (!daemon_config_imei_is_valid ("3569380356438090"));
  ck_assert (!daemon_config_imei_is_valid ("35693803564380a"));
  ck_assert (!daemon_config_imei_is_valid (NULL));
}
END_TEST

/* ---- logging ---- */

START_TEST (test_redact)
{
  g_autofree gchar *eid = daemon_log_redact_full ("89049032123451234512345678901235", FALSE);
  g_autofree gchar *eid_shown = daemon_log_redact_full ("89049032123451234512345678901235", TRUE);
  g_autofree gchar *iccid = daemon_log_redact_full ("8944476500001234567", FALSE);
  g_autofree gchar *code = daemon_log_redact_full ("12345678901", FALSE);
  g_autofree gchar *none = daemon_log_redact_full (NULL, FALSE);
  g_autofree gchar *bad = daemon_log_redact_full ("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4", FALSE);
  g_autofree gchar *via_setting = NULL;
  g_autofree gchar *via_setting_on = NULL;

  ck_assert_str_eq (eid, "8904…1235");
  ck_assert_str_eq (eid_shown, "89049032123451234512345678901235");
  ck_assert_str_eq (iccid, "8944…4567");
  ck_assert_str_eq (code, "…");
  ck_assert_str_eq (none, "(none)");
  ck_assert_str_eq (bad, "…");

  daemon_log_set_personal_data (FALSE);
  via_setting = daemon_log_redact ("1$rsp.example.com$04386-AGYFT-A74Y8-3F815");
  ck_assert_str_eq (via_setting, "1$rs…F815");
  daemon_log_set_personal_data (TRUE);
  via_setting_on = daemon_log_redact ("1$rsp.example.com$04386-AGYFT-A74Y8-3F815");
  ck_assert_str_eq (via_setting_on, "1$rsp.example.com$04386-AGYFT-A74Y8-3F815");
}
END_TEST

START_TEST (test_log_levels)
{
  DaemonLogLevel level = DAEMON_LOG_LEVEL_ERROR;

  ck_assert (daemon_log_level_from_string ("Debug", &level));
  ck_assert_int_eq (level, DAEMON_LOG_LEVEL_DEBUG);
  ck_assert (daemon_log_level_from_string ("warning", &level));
  ck_assert_int_eq (level, DAEMON_LOG_LEVEL_WARNING);
  ck_assert (!daemon_log_level_from_string ("warn", &level));
  ck_assert (!daemon_log_level_from_string (NULL, &level));
  ck_assert_int_eq (level, DAEMON_LOG_LEVEL_WARNING);
  ck_assert_str_eq (daemon_log_level_to_string (DAEMON_LOG_LEVEL_INFO), "info");

  daemon_log_set_level (DAEMON_LOG_LEVEL_WARNING);
  ck_assert (daemon_log_enabled (DAEMON_LOG_LEVEL_ERROR));
  ck_assert (daemon_log_enabled (DAEMON_LOG_LEVEL_WARNING));
  ck_assert (!daemon_log_enabled (DAEMON_LOG_LEVEL_INFO));
  ck_assert (!daemon_log_enabled (DAEMON_LOG_LEVEL_DEBUG));
  daemon_log_set_level (DAEMON_LOG_LEVEL_DEBUG);
  ck_assert (daemon_log_enabled (DAEMON_LOG_LEVEL_DEBUG));
}
END_TEST

START_TEST (test_log_line)
{
  /* 2024-05-01T12:00:00.123456Z */
  g_autofree gchar *line = daemon_log_format_line (G_LOG_LEVEL_WARNING, "euiccd-daemon", "poll failed",
                                                   G_GINT64_CONSTANT (1714564800123456));
  g_autofree gchar *no_domain = daemon_log_format_line (G_LOG_LEVEL_DEBUG, NULL, "x", 0);

  ck_assert_str_eq (line, "2024-05-01T12:00:00.123Z <warning> euiccd-daemon: poll failed");
  ck_assert_str_eq (no_domain, "1970-01-01T00:00:00.000Z <debug> x");
}
END_TEST

/* What the writer lets through reaches stderr; checked in a child so the process keeps its own writer. */
START_TEST (test_writer_filters)
{
  {
    g_autofree gchar *out = NULL;
    g_autofree gchar *err = NULL;
    g_autofree gchar *self = g_file_read_link ("/proc/self/exe", NULL);
    gint status = 0;
    gchar *argv[] = { self, (gchar *) "--log-child", NULL };
    g_autoptr(GError) error = NULL;

    ck_assert_ptr_nonnull (self);
    ck_assert (g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
    ck_assert_msg (strstr (err, "<warning> euiccd-test: shown warning") != NULL, "%s", err);
    ck_assert_msg (strstr (err, "<info> euiccd-test: shown info") != NULL, "%s", err);
    ck_assert_msg (strstr (err, "hidden") == NULL, "%s", err);
    ck_assert_msg (strstr (err, "<debug> euiccd-test: shown debug") != NULL, "%s", err);
  }
}
END_TEST

/* The child of test_writer_filters: info level, then debug. (Hex dumps and their masking are
 * tests/unit/test-log-policy.c's.) */
static int
log_child (void)
{
  daemon_log_setup (DAEMON_LOG_LEVEL_INFO, FALSE);
  g_log ("euiccd-test", G_LOG_LEVEL_WARNING, "shown warning");
  g_log ("euiccd-test", G_LOG_LEVEL_INFO, "shown info");
  g_log ("euiccd-test", G_LOG_LEVEL_DEBUG, "hidden debug");
  daemon_log_setup (DAEMON_LOG_LEVEL_DEBUG, FALSE);
  g_log ("euiccd-test", G_LOG_LEVEL_DEBUG, "shown debug");
  return 0;
}

static Suite *
config_suite (void)
{
  Suite *s = suite_create ("config");
  TCase *tc = tcase_create ("load");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_defaults);
  tcase_add_test (tc, test_every_key);
  tcase_add_test (tc, test_device_forms);
  tcase_add_test (tc, test_empty_optional_values_unset);
  tcase_add_test (tc, test_dropin_order);
  tcase_add_test (tc, test_explicit_dropin_dir);
  tcase_add_test (tc, test_missing_files);
  tcase_add_test (tc, test_unparsable_file);
  tcase_add_loop_test (tc, test_refusals, 0, G_N_ELEMENTS (refusals));
  tcase_add_test (tc, test_refusal_names_dropin);
  tcase_add_test (tc, test_backoff_order);
  tcase_add_test (tc, test_tac);
  tcase_add_test (tc, test_unknown_keys_warn);
  tcase_add_test (tc, test_state_directory_env);
  tcase_add_test (tc, test_shipped_file);
  tcase_add_test (tc, test_default_admin_group_is_the_policy_group);
  tcase_add_test (tc, test_to_data_round_trip);
  tcase_add_test (tc, test_load_from_data);
  tcase_add_test (tc, test_auto_device_picks_first_port);
  suite_add_tcase (s, tc);

  tc = tcase_create ("values");
  tcase_add_test (tc, test_duration_parser);
  tcase_add_test (tc, test_imei);
  suite_add_tcase (s, tc);

  tc = tcase_create ("log");
  tcase_add_test (tc, test_redact);
  tcase_add_test (tc, test_log_levels);
  tcase_add_test (tc, test_log_line);
  tcase_add_test (tc, test_writer_filters);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  SRunner *runner;
  int failed;

  if (argc == 2 && g_str_equal (argv[1], "--log-child"))
    return log_child ();
  runner = srunner_create (config_suite ());
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
