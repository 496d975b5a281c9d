/* SPDX-License-Identifier: Apache-2.0 */
/* The eIMs of a consumer (SGP.22) eUICC, kept by euiccd since the card cannot hold them: their configuration
 * (what GetEimConfigurationData would give), the counterValue last accepted from each, and the seqNumbers of
 * the results euiccd makes. In the state file "sgp22-eims", rewritten whole and atomically (daemon-store.h):
 *   30 { 80 nextSeqNumber, 81 nextAssociationToken, A0 { EimConfigurationData (30) ... } }
 * The counter is on disk before a package runs, so a replay is refused after a crash or power loss too. */
#pragma once

#include <glib.h>

#include "card/es10-types.h"
#include "daemon/daemon-config.h"
#include "daemon/daemon-store.h"

G_BEGIN_DECLS

typedef struct _DaemonSgp22Eims DaemonSgp22Eims;

/* Reads the state file (a damaged one is moved to corrupt/ with a warning and euiccd starts without eIMs); when
 * no eIM is kept yet and [Sgp22] names one, that one is added (a key file that cannot be read is a warning). */
DaemonSgp22Eims *daemon_sgp22_eims_new (DaemonStore *store, const DaemonConfig *config);
void daemon_sgp22_eims_free (DaemonSgp22Eims *eims);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonSgp22Eims, daemon_sgp22_eims_free)

/* A copy of the eIMs, as GetEimConfigurationData would list them. */
Es10EimConfigurationList *daemon_sgp22_eims_list (DaemonSgp22Eims *eims);
/* The counterValue last accepted from `eim_id`; G_MAXINT64 (nothing accepted) for an eIM not kept. */
gint64 daemon_sgp22_eims_get_counter (DaemonSgp22Eims *eims, const gchar *eim_id);
/* Stores `counter_value` for `eim_id` and gives the next seqNumber; written to disk before it returns TRUE. */
gboolean daemon_sgp22_eims_accept_counter (DaemonSgp22Eims *eims, const gchar *eim_id, gint64 counter_value,
                                           gint64 *ret_seq_number, GError **error);
/* AddInitialEim: only while no eIM is kept (EUICCD_ERROR_BUSY otherwise, as the eUICC answers
 * associatedEimAlreadyExists). An association token asked for (has_association_token set) is given one.
 * `ci_pkids` are the CIs the card signs with (GBytes SubjectKeyIdentifiers, its euiccCiPKIdListForSigning; NULL:
 * not read): an euiccCiPKId not among them is refused (EUICCD_ERROR_CARD, ciPKUnknown), as the eUICC would. */
gboolean daemon_sgp22_eims_add_initial (DaemonSgp22Eims *eims, const Es10EimConfiguration *eim,
                                        const GPtrArray *ci_pkids, gboolean *ret_has_token, gint64 *ret_token,
                                        GError **error);

/* One eCO (SGP.32 Eco: addEim A8, deleteEim A9, updateEim AA, listEim AB) run against the kept eIMs, written to
 * disk before it returns; the EuiccResultData TLV answering it (addEimResult A8, deleteEimResult 89,
 * updateEimResult 8A, listEimResult AB), or NULL for a TLV that is no eCO (processingTerminated). *ret_changed
 * tells whether the eIMs changed. An addEim or updateEim whose euiccCiPKId is none of `ci_pkids` (as for
 * daemon_sgp22_eims_add_initial()) is answered ciPKUnknown(3), undefinedError(127) when they are NULL. */
GBytes *daemon_sgp22_eims_run_eco (DaemonSgp22Eims *eims, const guint8 *eco, gsize length, const GPtrArray *ci_pkids,
                                   gboolean *ret_changed);

/* The eIM public key (PEM: a SubjectPublicKeyInfo or a certificate) as eimPublicKeyData. */
gboolean daemon_sgp22_eims_read_key_file (const gchar *path, Es10EimKeyKind *ret_kind, GBytes **ret_data,
                                          GError **error);

G_END_DECLS
