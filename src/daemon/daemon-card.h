/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's view of the eUICC: how to reach it (from the configuration), and what it holds that every
 * poll needs (EID, eIM configurations). Those facts are read once and kept until something may have changed
 * them (an eCO, a refresh request), so an idle poll needs no APDU at all. The transport and the ISD-R session
 * are opened on first need within a poll and closed at its end.
 *
 * Modem loss: a module may reset its card session or leave the bus (USB re-enumeration after a profile switch)
 * and come back, maybe at another path. Within a poll the ISD-R session asks for a new transport, opened here
 * with backoff until [Card] ReconnectTimeout (the configured device is resolved again each time), and only if
 * the same eUICC answers behind it. Whenever the transport failed or could not be opened, the facts are read
 * again by the next refresh: the module that comes back may hold another card.
 *
 * With details on (the daemon serving D-Bus), a read also takes EUICCInfo2 and the profiles, so the D-Bus
 * objects can show them. Each read makes a new DaemonCardFacts: immutable and reference counted, so the worker
 * that read it and the main loop that shows it can share it without a lock. */
#pragma once

#include <glib.h>

#include "card/es10.h"
#include "daemon/daemon-card-support.h"
#include "daemon/daemon-sgp22-eims.h"
#include "daemon/daemon-config.h"
#include "daemon/daemon-store.h"

G_BEGIN_DECLS

typedef struct _DaemonCard DaemonCard;

/* What one read of the eUICC found. Never changed once made. */
typedef struct {
  gchar *eid;                         /* 32 upper-case hex digits */
  gchar *transport;                   /* "qmi", "mbim", "at", "pcsc" */
  gchar *device;                      /* the device URI with "auto" resolved */
  guint slot;
  Es10EimConfigurationList *eims;
  Es10EuiccInfo2 *info2;              /* NULL when details are off or it could not be read */
  Es10ProfileList *profiles;          /* NULL when details are off or they could not be read */
  gboolean ipae_supported;            /* the ISD-R's FCI (E1) says the eUICC holds an IPAe */
  gboolean ipae_active;               /* EUICCInfo2 ipaMode is ipae(1) */
} DaemonCardFacts;

DaemonCardFacts *daemon_card_facts_ref (DaemonCardFacts *facts);
void daemon_card_facts_unref (DaemonCardFacts *facts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonCardFacts, daemon_card_facts_unref)

DaemonCard *daemon_card_new (const DaemonConfig *config);
void daemon_card_free (DaemonCard *card);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonCard, daemon_card_free)

/* Where the logical channel in use is recorded, so one a killed process left open is closed at the next
 * start (file card-channel). Without a store nothing is recorded. */
void daemon_card_set_store (DaemonCard *card, DaemonStore *store);
/* Also read EUICCInfo2 and the profiles (off by default: `euiccd --once` needs neither). */
void daemon_card_set_read_details (DaemonCard *card, gboolean read_details);
/* Reads EID and eIM configurations (and the details) unless they are known. */
gboolean daemon_card_refresh (DaemonCard *card, GError **error);
/* Forgets them: the next refresh reads the card. The facts stay readable until then. */
void daemon_card_invalidate (DaemonCard *card);
/* Forgets them and drops the facts (the card could not be reached). */
void daemon_card_forget (DaemonCard *card);
gboolean daemon_card_is_known (DaemonCard *card);
/* What the last read found about the card's kind, and for one euiccd cannot manage, why (NULL otherwise). */
DaemonCardSupport daemon_card_get_support (DaemonCard *card, const gchar **ret_reason);
/* Whether the modem went away in the middle of a session (the session asked for a new transport) since the card
 * was last read. */
gboolean daemon_card_went_away (DaemonCard *card);
/* Whether a refresh since the last call read the card because the modem had failed or gone away (a refresh
 * then reads it even when its facts are known); clears the flag. */
gboolean daemon_card_take_lost (DaemonCard *card);
/* Attempts to reopen a modem that went away in the middle of a poll, since the card object was made. */
guint daemon_card_get_reconnects (DaemonCard *card);
/* The facts of the last successful read, NULL before one or after daemon_card_forget(); not a new reference. */
DaemonCardFacts *daemon_card_get_facts (DaemonCard *card);
/* Valid after a successful refresh. */
const guint8 *daemon_card_get_eid (DaemonCard *card);
const gchar *daemon_card_get_eid_hex (DaemonCard *card);
const Es10EimConfigurationList *daemon_card_get_eims (DaemonCard *card);
/* The eIMs euiccd keeps when the card is a consumer (SGP.22) eUICC (CardSupport "sgp22"), else NULL. */
DaemonSgp22Eims *daemon_card_get_sgp22_eims (DaemonCard *card);

/* IpaCardAccess: the session of this poll, opened on first use; release leaves it open for the next eIM. */
IsdrSession *daemon_card_session_open (gpointer card, GError **error);
void daemon_card_session_release (gpointer card, IsdrSession *session);
/* Closes session and transport (end of a poll). */
void daemon_card_close (DaemonCard *card);
/* APDUs and channel opens since the card object was made (benchmarks). */
void daemon_card_get_counters (DaemonCard *card, guint *ret_apdus, guint *ret_channel_opens);

/* Where "auto" points: a device URI and, in *ret_slot, the SIM slot (0: the configured one). Called by the
 * worker when it opens the transport. */
typedef gchar *(*DaemonCardResolveFunc) (guint *ret_slot, gpointer user_data, GError **error);
/* Device=auto asks `func` (ModemManager, daemon-modem-manager.h) instead of scanning /dev itself. */
void daemon_card_set_resolver (DaemonCard *card, DaemonCardResolveFunc func, gpointer user_data);

/* "auto" -> the first /dev/cdc-wdm* with a QMI or MBIM driver (daemon-modem-scan.h); anything else unchanged. */
gchar *daemon_card_resolve_device (const gchar *device, GError **error);
/* The QMI port "auto" picks in `dev_directory` (/dev): the cdc-wdm* name that sorts first, as "qmi:PATH". */
gchar *daemon_card_find_qmi_port (const gchar *dev_directory, GError **error);

G_END_DECLS
