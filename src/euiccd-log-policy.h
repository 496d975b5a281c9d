/* SPDX-License-Identifier: Apache-2.0 */
/* What euiccd's log lines may contain, decided in one place for every layer.
 *
 * APDUs and ESipa messages carry the EID, ICCIDs, activation codes and keys. The card, network and
 * procedure layers log them at debug level through the formatters below, which show what a reader needs to
 * follow an exchange (APDU headers and status words, the tags and lengths of ASN.1 messages, the member
 * names of JSON ones) and mask the values unless the process-wide switch "personal data may be logged" is
 * on. The switch is off until the program turns it on: the daemon sets it from LogPersonalData=, other
 * programs (euiccctl, tests) never do.
 *
 * The switches are read atomically: the daemon's worker thread logs while a reload may change them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Personal data (EID, ICCID, activation and confirmation codes, message bodies in full) may be logged.
 * Also sets whether libqmi/libmbim may show personal information in their traces (euiccd_log_policy_add_library). */
void euiccd_log_policy_set_personal_data (gboolean allowed);
gboolean euiccd_log_personal_data_allowed (void);
/* APDUs and ESipa bodies may be logged in full hex: the same switch, named for the call sites. */
gboolean euiccd_log_hex_allowed (void);

/* Whether debug messages are written, set by a program that installs its own log writer (the daemon's
 * filters by level, so GLib's G_MESSAGES_DEBUG test does not apply to it). Without a call, debug output is
 * what GLib's default writer would do for the domain. libqmi and libmbim traces print every APDU byte
 * whatever their own personal-information setting, so they are turned on only when debug and personal data
 * are both on, and off otherwise. */
void euiccd_log_policy_set_debug (gboolean enabled);
/* TRUE when a debug message in `log_domain` would be written: lets callers skip formatting. */
gboolean euiccd_log_debug_enabled (const gchar *log_domain);

/* A library with traces of its own (libqmi, libmbim) follows the two switches above from the moment its
 * transport module registers it: `apply` is called at once and again on every change. */
typedef void (*EuiccdLogLibraryFunc) (gboolean show_personal_info, gboolean traces_enabled);
void euiccd_log_policy_add_library (EuiccdLogLibraryFunc apply);

/* A personal value (EID, ICCID, activation code) for a log line, as a new string: the value itself when
 * `allowed`, otherwise the first and last four characters of values of at least 12 characters
 * ("8904…1235") and nothing of shorter ones ("…"). NULL gives "(none)". */
gchar *euiccd_log_redact_full (const gchar *value, gboolean allowed);
/* The same under the process-wide switch. */
gchar *euiccd_log_redact (const gchar *value);

/* A command APDU for a log line. Allowed: "HEADER LC DATA LE" in hex ("80E29100 03 BF2D00"). Otherwise the
 * header, Lc and Le stay, the data is masked with its length ("80E21100 FF <255 bytes>"), except the
 * AID of a SELECT and the leading tag and length of the first STORE DATA block, which name the ES10
 * function ("80E29100 06 BF3E03 <3 bytes>"). */
gchar *euiccd_log_format_command_apdu (const guint8 *apdu, gsize length, gboolean allowed);
/* A response APDU (data then SW1 SW2) to a command with instruction byte `command_ins`. Allowed:
 * "DATA SW". Otherwise the status word stays and the data is masked with its length; for STORE DATA
 * (whose answer starts with the response's tag) the leading tag and length stay too:
 * "BF2D8201A0 <416 bytes> 9000". */
gchar *euiccd_log_format_response_apdu (guint8 command_ins, const guint8 *response, gsize length,
                                        gboolean allowed);
/* A DER message (an ESipa body). Allowed: hex. Otherwise its TLV outline: tags in hex, lengths in decimal
 * in brackets, constructed contents in braces, primitive values masked except single octets (result codes,
 * states, booleans): "BF50[12]{BF53[9]{80[1]=06 80[1]=04}}". Input that is not well-formed DER shows only
 * its length ("<21 bytes, not DER>"). Outlines stop after 64 TLVs with "…". */
gchar *euiccd_log_format_der (const guint8 *data, gsize length, gboolean allowed);
/* A JSON message (an ESipa body in the JSON binding). Allowed: the text with control characters replaced,
 * at most 4096 bytes. Otherwise its outline: member names and the structure kept, numbers, booleans and
 * null kept, strings replaced by their length: {"eidValue":"<32 chars>","counter":3}. Input that is not
 * JSON shows only its length. */
gchar *euiccd_log_format_json (const guint8 *text, gsize length, gboolean allowed);

G_END_DECLS
