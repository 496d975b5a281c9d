/* SPDX-License-Identifier: Apache-2.0 */
/* Who may administer euiccd over D-Bus: root and the members of [Daemon] AdminGroup. The bus policy says the
 * same, but the daemon does not rely on it: every method call and every read of a personal property (EID,
 * ICCID) is checked here from the caller's credentials as the bus daemon reports them. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* TRUE for uid 0 and for a user whose primary or supplementary groups (the user database, as getgrouplist()
 * sees it) include `admin_group`; `admin_group` NULL means root only. */
gboolean daemon_dbus_auth_uid_is_admin (guint32 uid, const gchar *admin_group);

/* Asks the bus for the uid of `sender` and checks it. FALSE with EUICCD_ERROR_ACCESS_DENIED naming `what`
 * ("Calling Poll", "Reading Eid"), the group to join and the caller's uid. */
gboolean daemon_dbus_auth_check (GDBusConnection *connection, const gchar *sender, const gchar *admin_group,
                                 const gchar *what, GError **error);

G_END_DECLS
