/* SPDX-License-Identifier: Apache-2.0 */
/* What `euiccctl probe` learns from a card, gathered once and then printed for people or as JSON. */
#pragma once

#include <glib.h>

#include "card/es10.h"

G_BEGIN_DECLS

/* The parts of the card the probe reads, each on its own: one that fails leaves the others standing. */
typedef enum {
  CLI_PROBE_PART_EID,
  CLI_PROBE_PART_INFO2,
  CLI_PROBE_PART_ADDRESSES,
  CLI_PROBE_PART_EIMS,
  CLI_PROBE_PART_PROFILES,
  CLI_PROBE_PART_NOTIFICATIONS,
  CLI_PROBE_N_PARTS
} CliProbePart;

/* "EID", "EUICCInfo2", ... as the text report names them. */
const gchar *cli_probe_part_name (CliProbePart part);
/* "eid", "euiccInfo2", ... as the JSON report names them. */
const gchar *cli_probe_part_key (CliProbePart part);

typedef struct {
  gchar *device;                       /* the URI as given */
  gchar *transport;                    /* "qmi", "mbim", "pcsc", "at" */
  gchar *eid;
  Es10EuiccInfo2 *info2;
  Es10ConfiguredAddresses *addresses;
  Es10EimConfigurationList *eims;
  Es10ProfileList *profiles;
  Es10PendingNotificationList *notifications;
  /* One message per part that could not be read, and per list entry left out; the rest still stands. */
  GPtrArray *errors;                   /* of gchar* "<part>: <message>" */
  GPtrArray *part_errors[CLI_PROBE_N_PARTS];  /* of gchar* "<message>", per part */
} CliProbeReport;

CliProbeReport *cli_probe_report_new (void);
void cli_probe_report_free (CliProbeReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliProbeReport, cli_probe_report_free)

/* Reads every part the report holds over an open session, each whatever became of the others; what could not
 * be read (a part, or an entry of a list) is recorded in report->errors and report->part_errors. */
void cli_probe_report_collect (CliProbeReport *report, IsdrSession *session);

/* Writers for the two output forms; each returns a newly allocated string. */
gchar *cli_probe_report_to_text (const CliProbeReport *report);
gchar *cli_probe_report_to_json (const CliProbeReport *report);

/* Names of the bits set in an RspCapability mask, e.g. "additionalProfile, crlSupport". */
gchar *cli_rsp_capability_names (guint32 mask);
/* Names of the bits set in an EimSupportedProtocol mask. */
gchar *cli_eim_protocol_names (guint32 mask);

G_END_DECLS
