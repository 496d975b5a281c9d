/* SPDX-License-Identifier: Apache-2.0 */
/* The eUICC and its profiles as D-Bus objects under /org/euiccd/Euiccd1: one org.euiccd.Euiccd1.Euicc object
 * per card and one org.euiccd.Euiccd1.Profile object per profile, exported through the ObjectManager and kept
 * equal to the last read of the card. Personal properties (Eid, Iccid) are given only through Get and GetAll,
 * to callers that pass the admin check (GetAll leaves them out for the others); GetManagedObjects,
 * InterfacesAdded and PropertiesChanged never carry them, for anyone. */
#pragma once

#include <gio/gio.h>

#include "daemon/daemon-card.h"

G_BEGIN_DECLS

#define DAEMON_DBUS_PATH "/org/euiccd/Euiccd1"

typedef struct _DaemonDbusCard DaemonDbusCard;

/* `admin_group` (may be NULL) must outlive the objects. */
DaemonDbusCard *daemon_dbus_card_new (GDBusObjectManagerServer *server, const gchar *admin_group);
void daemon_dbus_card_free (DaemonDbusCard *card);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonDbusCard, daemon_dbus_card_free)

/* Makes the objects show `facts`: NULL removes them all, a different EID replaces the eUICC object, profiles
 * come and go by ICCID (facts without profiles leave the profile objects as they were). */
void daemon_dbus_card_update (DaemonDbusCard *card, const DaemonCardFacts *facts);

/* The eUICC object's path, NULL when there is none. */
const gchar *daemon_dbus_card_get_path (DaemonDbusCard *card);

/* The Info and EimConfigurations property values (floating references), exposed for the tests. */
GVariant *daemon_dbus_card_info_to_variant (const Es10EuiccInfo2 *info);
GVariant *daemon_dbus_card_eims_to_variant (const Es10EimConfigurationList *eims);
/* Names of the bits of an Es10EimSupportedProtocol mask ("eimRetrieveHttps", ...), NULL-terminated. */
GStrv daemon_dbus_card_protocol_names (guint32 mask);
/* The mask for one such name; FALSE for an unknown name. */
gboolean daemon_dbus_card_protocol_from_name (const gchar *name, guint32 *ret_bit);

G_END_DECLS
