/* SPDX-License-Identifier: Apache-2.0 */
/* euiccd's configuration: /etc/euiccd/euiccd.conf (a GKeyFile) and then every *.conf in
 * /etc/euiccd/euiccd.conf.d/ in lexical order, later files winning key by key, like systemd's own daemons.
 * Every setting is typed and defaulted here, so the rest of the daemon never parses a string. data/euiccd.conf
 * documents each key. */
#pragma once

#include <glib.h>

#include "daemon/daemon-log.h"

G_BEGIN_DECLS

/* The configuration follows configure's --sysconfdir (Makefile.am passes it): /etc/euiccd/euiccd.conf in a
 * package built with --sysconfdir=/etc. The state directory stays the one data/euiccd.conf documents: under
 * systemd $STATE_DIRECTORY names it anyway, and OpenWrt passes --state-dir. */
#define DAEMON_CONFIG_DEFAULT_PATH EUICCD_SYSCONFDIR "/euiccd/euiccd.conf"
#define DAEMON_CONFIG_DEFAULT_STATE_DIRECTORY "/var/lib/euiccd"
#define DAEMON_CONFIG_DEFAULT_CI_CERTIFICATES "/etc/euiccd/ci"
/* The group the shipped bus policy (dbus/org.euiccd.Euiccd1.conf) names and the Debian package creates. */
#define DAEMON_CONFIG_DEFAULT_ADMIN_GROUP "euiccd"
#define DAEMON_CONFIG_DEFAULT_ISDR_AID "A0000005591010FFFFFFFF8900000100"
#define DAEMON_CONFIG_MAX_AID_LENGTH 16
/* flows.md 0: eUICC-related terminal capabilities. */
#define DAEMON_CONFIG_DEFAULT_TERMINAL_CAPABILITY "A903830107"

/* Which ESipa binding to speak to the eIM. */
typedef enum {
  DAEMON_EIM_BINDING_AUTO,  /* from the eIM's eimSupportedProtocol, ASN.1 when it does not say */
  DAEMON_EIM_BINDING_ASN1,
  DAEMON_EIM_BINDING_JSON,
} DaemonEimBinding;

/* IpaCapabilities.ipaFeatures: the flag for bit N of the BIT STRING is 1 << N (SGP.32 v1.2 numbering). */
typedef enum {
  DAEMON_IPA_FEATURE_DIRECT_RSP_SERVER_COMMUNICATION = 1 << 0,
  DAEMON_IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION = 1 << 1,
  DAEMON_IPA_FEATURE_EIM_DOWNLOAD_DATA_HANDLING = 1 << 2,
  DAEMON_IPA_FEATURE_EIM_CTX_PARAMS1_GENERATION = 1 << 3,
  DAEMON_IPA_FEATURE_EIM_PROFILE_METADATA_VERIFICATION = 1 << 4,
  DAEMON_IPA_FEATURE_MINIMIZE_ESIPA_BYTES = 1 << 5,
} DaemonIpaFeatures;
#define DAEMON_IPA_FEATURES_BITS 6

/* Durations are whole seconds. Optional strings are NULL when unset or empty. */
typedef struct {
  /* [Card] */
  gchar *card_device;                /* "auto", "qmi:PATH", "mbim:PATH", "pcsc:READER", "at:PATH[@BAUD]" */
  guint card_slot;                   /* 1-based; default 1 */
  gboolean card_exclusive;           /* open the modem without qmi-proxy / mbim-proxy; default FALSE */
  guint8 card_isdr_aid[DAEMON_CONFIG_MAX_AID_LENGTH];
  gsize card_isdr_aid_length;        /* 5..16; default the SGP.02/22 ISD-R AID */
  guint card_store_data_block_size;  /* 1..255; default 255 */
  guint8 card_terminal_capability[255]; /* PC/SC: TERMINAL CAPABILITY data; default A903830107 */
  gsize card_terminal_capability_length; /* 0: none is sent */
  guint card_apdu_timeout_s;         /* default 30 */
  guint card_open_timeout_s;         /* default 15 */
  guint card_reconnect_timeout_s;    /* how long a poll waits for a modem that went away; default 30, 0: not */

  /* [Eim] */
  gchar *eim_address;                /* NULL: use the eimFqdn the eUICC holds; else "host" or "host:port" */
  DaemonEimBinding eim_binding;      /* default AUTO */
  gchar *eim_ca_file;                /* extra trust anchors (PEM), NULL for none */
  gboolean eim_use_system_ca;        /* default TRUE */
  gboolean eim_widen_euicc_trust;    /* lab only: CaFile and system CAs next to a CA the eUICC names */
  gchar *eim_proxy;                  /* proxy URL, NULL for none */
  guint eim_connect_timeout_s;       /* default 30 */
  guint eim_timeout_s;               /* whole exchange; default 120 */

  /* [Sgp22]: the eIM of a consumer (SGP.22) eUICC, which cannot hold one itself (daemon-sgp22-eims.h) */
  gchar *sgp22_eim_id;               /* NULL: none configured (AddInitialEim may still add one) */
  gchar *sgp22_eim_fqdn;             /* "host" or "host:port" */
  gchar *sgp22_eim_public_key;       /* PEM public key or certificate of the eIM's package signatures */

  /* [Download] */
  gchar *download_ci_certificates;   /* GSMA CI certificates (PEM), a file or a directory; default
                                      * DAEMON_CONFIG_DEFAULT_CI_CERTIFICATES */

  /* [Poll] */
  guint64 poll_interval_s;           /* default 3600 */
  guint64 poll_jitter_s;             /* 0..jitter added to each interval; default 300 */
  guint64 poll_backoff_initial_s;    /* default 60 */
  guint64 poll_backoff_max_s;        /* default 21600; never below backoff_initial */
  gboolean poll_on_start;            /* default TRUE */

  /* [Connectivity] */
  guint connectivity_attach_timeout_s;  /* how long the eIM may stay unreachable over a profile just switched to
                                         * (enable with rollbackFlag) before switching back; default 180 */
  guint connectivity_attach_retry_s;    /* between tries within that time; default 10 */
  guint64 connectivity_fallback_after_s;/* no eIM answered for this long: ExecuteFallbackMechanism; 0 (default):
                                         * never */
  guint64 connectivity_fallback_retry_s;/* in fallback, how often the original profile is tried; default 3600 */

  /* [Device] */
  gchar *device_imei;                /* 15 digits, Luhn-checked; NULL when not set */
  gchar *device_tac;                 /* 8 digits; from the IMEI when not set; NULL when neither is */
  guint device_ipa_features;         /* DaemonIpaFeatures; default direct | indirect */
  GBytes *device_capabilities;       /* contents of SGP.22 DeviceCapabilities (DER, without the outer
                                      * SEQUENCE tag and length); NULL when not set */

  /* [Daemon] */
  gchar *state_directory;            /* default /var/lib/euiccd; $STATE_DIRECTORY (its first path) wins */
  gchar *admin_group;                /* group allowed to administer over D-Bus (default "euiccd"); NULL: root only */
  DaemonLogLevel log_level;          /* default INFO */
  gboolean log_personal_data;        /* default FALSE: EID/ICCID/activation codes redacted */
  guint history_size;                /* eIM package outcomes kept for GetHistory; 1..10000, default 100 */

  /* What was read, in order (the main file only when it existed), and the warnings about unknown groups and
   * keys (each also logged with g_warning). For --check-config and the logs. */
  GStrv sources;
  GStrv warnings;
} DaemonConfig;

/* The defaults, without reading any file or the environment. */
DaemonConfig *daemon_config_new_default (void);

/* Loads `main_path` (NULL: DAEMON_CONFIG_DEFAULT_PATH, which may be absent; an explicit path must exist) and
 * then every "*.conf" in `dropin_dir` (NULL: `main_path` + ".d"; an absent directory is fine) in lexical
 * order. Then $STATE_DIRECTORY overrides StateDirectory. An invalid value, an unreadable or unparsable file,
 * or inconsistent settings (BackoffMax below BackoffInitial, a Tac that is not the Imei's) give
 * EUICCD_ERROR_CONFIG with a message naming the file, [group], key, the bad value and the expected form. */
DaemonConfig *daemon_config_load (const gchar *main_path, const gchar *dropin_dir, GError **error);

/* One configuration file's contents (`name` stands for its path in errors and warnings) applied over the
 * defaults, with the same checks as daemon_config_load() but no drop-ins and no environment. */
DaemonConfig *daemon_config_load_from_data (const gchar *data, gsize length, const gchar *name, GError **error);
/* --check-config: loads and validates everything daemon_config_load() does and returns its verdict. */
gboolean daemon_config_check (const gchar *main_path, const gchar *dropin_dir, GError **error);

/* The effective configuration as key file text with every key set, for --check-config output. */
gchar *daemon_config_to_data (const DaemonConfig *config);

void daemon_config_free (DaemonConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonConfig, daemon_config_free)

/* Parsers shared with other inputs (D-Bus arguments, the command line). They return FALSE on malformed
 * input without setting an error; callers word the error for their context. */
/* "3600", "90s", "15m", "6h", "1d": whole seconds, at most 366 days. */
gboolean daemon_config_parse_duration (const gchar *text, guint64 *ret_seconds);
/* 15 digits with a valid Luhn check digit. */
gboolean daemon_config_imei_is_valid (const gchar *imei);

G_END_DECLS
