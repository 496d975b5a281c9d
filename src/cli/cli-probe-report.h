/* SPDX-License-Identifier: Apache-2.0 */
/* What `euiccctl probe` learns from a card, gathered once and then printed for people or as JSON. */
#pragma once

#include <glib.h>

#include "card/es10.h"

G_BEGIN_DECLS

typedef struct {
  gchar *device;                       /* the URI as given */
  gchar *transport;                    /* "qmi", "mbim", "pcsc", "at" */
  gchar *eid;
  Es10EuiccInfo2 *info2;
  Es10ConfiguredAddresses *addresses;
  Es10EimConfigurationList *eims;
  Es10ProfileList *profiles;
  Es10PendingNotificationList *notifications;
  /* One message per part that could not be read; the rest of the report still stands. */
  GPtrArray *errors;                   /* of gchar* "<part>: <message>" */
} CliProbeReport;

CliProbeReport *cli_probe_report_new (void);
void cli_probe_report_free (CliProbeReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliProbeReport, cli_probe_report_free)

/* Reads everything the report holds over an open session; failures of single parts are recorded in
 * report->errors. Returns FALSE only when the card could not be reached at all. */
gboolean cli_probe_report_collect (CliProbeReport *report, IsdrSession *session, GError **error);

/* Writers for the two output forms; each returns a newly allocated string. */
gchar *cli_probe_report_to_text (const CliProbeReport *report);
gchar *cli_probe_report_to_json (const CliProbeReport *report);

/* Names of the bits set in an RspCapability mask, e.g. "additionalProfile, crlSupport". */
gchar *cli_rsp_capability_names (guint32 mask);
/* Names of the bits set in an EimSupportedProtocol mask. */
gchar *cli_eim_protocol_names (guint32 mask);

G_END_DECLS
