/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-dbus"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include "daemon/daemon-dbus-auth.h"
#include "euiccd-error.h"

/* Enough for any real user; getgrouplist() says how many it needs and the list is grown to that once. */
#define INITIAL_GROUPS 64
#define MAX_GROUPS 65536

static gboolean
lookup_group (const gchar *name, gid_t *ret_gid)
{
  struct group group, *found = NULL;
  g_autofree gchar *buffer = NULL;
  gsize size = 1024;
  int rc;

  do
    {
      g_free (buffer);
      buffer = g_malloc (size);
      rc = getgrnam_r (name, &group, buffer, size, &found);
      size *= 2;
    }
  while (rc == ERANGE && size <= 1024 * 1024);
  if (rc != 0 || found == NULL)
    return FALSE;
  *ret_gid = group.gr_gid;
  return TRUE;
}

gboolean
daemon_dbus_auth_uid_is_admin (guint32 uid, const gchar *admin_group)
{
  struct passwd user, *found = NULL;
  g_autofree gchar *buffer = NULL;
  g_autofree gid_t *groups = NULL;
  gsize size = 1024;
  int n_groups = INITIAL_GROUPS;
  gid_t admin_gid;
  int rc;

  if (uid == 0)
    return TRUE;
  if (admin_group == NULL || !lookup_group (admin_group, &admin_gid))
    return FALSE;
  do
    {
      g_free (buffer);
      buffer = g_malloc (size);
      rc = getpwuid_r ((uid_t) uid, &user, buffer, size, &found);
      size *= 2;
    }
  while (rc == ERANGE && size <= 1024 * 1024);
  if (rc != 0 || found == NULL)
    return FALSE;
  if (user.pw_gid == admin_gid)
    return TRUE;

  groups = g_new (gid_t, n_groups);
  if (getgrouplist (user.pw_name, user.pw_gid, groups, &n_groups) < 0)
    {
      /* n_groups now says how many there are. */
      if (n_groups <= 0 || n_groups > MAX_GROUPS)
        return FALSE;
      g_free (groups);
      groups = g_new (gid_t, n_groups);
      if (getgrouplist (user.pw_name, user.pw_gid, groups, &n_groups) < 0)
        return FALSE;
    }
  for (int i = 0; i < n_groups; i++)
    if (groups[i] == admin_gid)
      return TRUE;
  return FALSE;
}

static gboolean
get_sender_uid (GDBusConnection *connection, const gchar *sender, guint32 *ret_uid, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixUser", g_variant_new ("(s)", sender),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(u)", ret_uid);
  return TRUE;
}

gboolean
daemon_dbus_auth_check (GDBusConnection *connection, const gchar *sender, const gchar *admin_group,
                        const gchar *what, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint32 uid;

  if (sender == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_ACCESS_DENIED, "%s: the caller is not known to the bus", what);
      return FALSE;
    }
  if (!get_sender_uid (connection, sender, &uid, &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_ACCESS_DENIED, "%s: the bus did not say who the caller is (%s)",
                   what, local_error->message);
      return FALSE;
    }
  if (daemon_dbus_auth_uid_is_admin (uid, admin_group))
    return TRUE;
  if (admin_group != NULL)
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_ACCESS_DENIED,
                 "%s needs root or membership of group '%s' ([Daemon] AdminGroup in euiccd.conf); the caller, uid %u, "
                 "is neither", what, admin_group, uid);
  else
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_ACCESS_DENIED,
                 "%s needs root; the caller is uid %u (set [Daemon] AdminGroup in euiccd.conf to let a group in)", what,
                 uid);
  g_debug ("%s by %s (uid %u) refused", what, sender, uid);
  return FALSE;
}
