/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include <string.h>

#include <gio/gio.h>

#include "daemon/daemon-modem-manager.h"
#include "daemon/daemon-modem-scan.h"
#include "euiccd-error.h"

#define MM_PATH "/org/freedesktop/ModemManager1"
#define MM_MODEM_INTERFACE "org.freedesktop.ModemManager1.Modem"

/* MMModemPortType */
#define MM_PORT_TYPE_QMI 6
#define MM_PORT_TYPE_MBIM 7

/* How long the first poll waits for ModemManager's first answer, and for an InhibitDevice call. */
#define FIRST_ANSWER_TIMEOUT_S 5
#define INHIBIT_TIMEOUT_MS 10000
/* Signals come in bursts while ModemManager probes a modem: one read of its objects per burst. */
#define REFETCH_DELAY_MS 100

/* What ModemManager named last. */
typedef struct {
  gchar *device;      /* "qmi:/dev/cdc-wdm0" */
  guint slot;         /* PrimarySimSlot, 0 if none */
  gchar *uid;         /* the modem's Device property: what InhibitDevice takes */
  gchar *modem_path;
} Choice;

struct _DaemonModemManager {
  GMainContext *context;
  GCancellable *cancellable;
  DaemonModemManagerChangedFunc changed;
  gpointer user_data;
  guint watch_id;
  guint subscription_id;
  GSource *refetch;
  gchar *last_announced;   /* main loop only */

  GMutex lock;             /* guards what follows: the worker reads it */
  GCond settled_cond;
  gboolean settled;        /* the bus answered once (or cannot be reached) */
  GDBusConnection *connection;
  gboolean present;        /* ModemManager owns its name */
  gchar *absent_reason;    /* why the scan decides, for the log */
  Choice choice;           /* device NULL: ModemManager names no usable port */
  gchar *inhibited_uid;    /* the modem euiccd keeps ModemManager off, NULL if none */
  gboolean logged_fallback;
};

/* What an asynchronous call carries: its answer may be dispatched after the client was freed (a cancelled call
 * still completes once), so the callback looks at the cancellable before it touches the client. */
typedef struct {
  DaemonModemManager *manager;
  GCancellable *cancellable;
} Pending;

static Pending *
pending_new (DaemonModemManager *manager)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->manager = manager;
  pending->cancellable = g_object_ref (manager->cancellable);
  return pending;
}

/* The client the answer is for, NULL when it is gone; frees `pending`. */
static DaemonModemManager *
pending_finish (Pending *pending)
{
  DaemonModemManager *manager = g_cancellable_is_cancelled (pending->cancellable) ? NULL : pending->manager;

  g_object_unref (pending->cancellable);
  g_free (pending);
  return manager;
}

static void
choice_clear (Choice *choice)
{
  g_clear_pointer (&choice->device, g_free);
  g_clear_pointer (&choice->uid, g_free);
  g_clear_pointer (&choice->modem_path, g_free);
  choice->slot = 0;
}

/* Main loop: the snapshot changed; the worker may use it now. */
static void
settle (DaemonModemManager *manager, gboolean present, const gchar *absent_reason, Choice *choice)
{
  g_autofree gchar *announce = NULL;

  g_mutex_lock (&manager->lock);
  manager->present = present;
  g_free (manager->absent_reason);
  manager->absent_reason = g_strdup (absent_reason);
  if (manager->inhibited_uid == NULL && choice != NULL)
    {
      /* While euiccd inhibits, ModemManager has dropped the modem on purpose: the port stays what it was. */
      choice_clear (&manager->choice);
      manager->choice = *choice;
      *choice = (Choice) { 0 };
      manager->logged_fallback = FALSE;
      if (manager->choice.device != NULL && g_strcmp0 (manager->choice.device, manager->last_announced) != 0)
        announce = g_strdup (manager->choice.device);
    }
  manager->settled = TRUE;
  g_cond_broadcast (&manager->settled_cond);
  g_mutex_unlock (&manager->lock);

  if (announce != NULL)
    {
      gboolean first = manager->last_announced == NULL;

      g_free (manager->last_announced);
      manager->last_announced = g_strdup (announce);
      if (!first && manager->changed != NULL)
        manager->changed (manager, announce, manager->user_data);
    }
}

/* ---- reading ModemManager's modems ------------------------------------------------------------------------ */

/* The QMI or MBIM port of one modem from its Modem interface properties; FALSE if it has none. */
static gboolean
choose_port (GVariant *properties, Choice *choice, GString *why_not)
{
  g_autoptr(GVariant) ports = g_variant_lookup_value (properties, "Ports", G_VARIANT_TYPE ("a(su)"));
  g_autoptr(GVariant) drivers = g_variant_lookup_value (properties, "Drivers", G_VARIANT_TYPE_STRING_ARRAY);
  /* Looked up with their types: a property of another type is as good as absent. */
  g_autoptr(GVariant) primary_value = g_variant_lookup_value (properties, "PrimaryPort", G_VARIANT_TYPE_STRING);
  g_autoptr(GVariant) uid_value = g_variant_lookup_value (properties, "Device", G_VARIANT_TYPE_STRING);
  g_autoptr(GVariant) slot_value = g_variant_lookup_value (properties, "PrimarySimSlot", G_VARIANT_TYPE_UINT32);
  const gchar *primary = primary_value != NULL ? g_variant_get_string (primary_value, NULL) : NULL;
  const gchar *uid = uid_value != NULL ? g_variant_get_string (uid_value, NULL) : NULL;
  const gchar *chosen_name = NULL;
  const gchar *chosen_transport = NULL;
  guint32 slot = slot_value != NULL ? g_variant_get_uint32 (slot_value) : 0;
  if (ports == NULL)
    {
      g_string_append (why_not, "no Ports property of type a(su)");
      return FALSE;
    }
  for (gsize i = 0; i < g_variant_n_children (ports); i++)
    {
      const gchar *name;
      guint32 type;
      const gchar *transport;

      g_variant_get_child (ports, i, "(&su)", &name, &type);
      transport = type == MM_PORT_TYPE_QMI ? "qmi" : type == MM_PORT_TYPE_MBIM ? "mbim" : NULL;
      /* A port name is a kernel device name; anything with a path in it is not. */
      if (transport == NULL || name[0] == '\0' || strchr (name, '/') != NULL || g_str_equal (name, ".."))
        continue;
      /* The primary port first: it is the one ModemManager itself talks to. */
      if (chosen_name == NULL || g_strcmp0 (name, primary) == 0)
        {
          chosen_name = name;
          chosen_transport = transport;
        }
    }
  if (chosen_name == NULL && primary != NULL && drivers != NULL)
    {
      /* Older answers may lack port types: the driver names the protocol of the primary port. */
      const gchar **names = g_variant_get_strv (drivers, NULL);

      for (gsize i = 0; names[i] != NULL && chosen_transport == NULL; i++)
        chosen_transport = daemon_modem_scan_transport_for_driver (names[i]);
      g_free (names);
      if (chosen_transport != NULL && g_str_has_prefix (primary, "cdc-wdm"))
        chosen_name = primary;
    }
  if (chosen_name == NULL)
    {
      g_string_append (why_not, "no QMI or MBIM port");
      return FALSE;
    }
  choice->device = g_strdup_printf ("%s:%s/%s", chosen_transport, daemon_modem_scan_dev_dir (), chosen_name);
  choice->slot = slot;
  choice->uid = g_strdup (uid);
  return TRUE;
}

static void
on_managed_objects (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DaemonModemManager *manager = pending_finish (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GString) why_not = g_string_new (NULL);
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();
  Choice choice = { 0 };
  GVariantIter iter;
  const gchar *path;
  GVariant *interfaces;

  if (manager == NULL)
    return;
  if (reply == NULL)
    {
      g_autofree gchar *reason = NULL;

      reason = g_strdup_printf ("ModemManager answered GetManagedObjects with an error (%s)", error->message);
      g_warning ("%s: Device=auto scans /dev/cdc-wdm* instead", reason);
      settle (manager, FALSE, reason, NULL);
      return;
    }
  objects = g_variant_get_child_value (reply, 0);
  /* The modem with the lowest object path wins, whatever order the answer has. */
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr(GVariant) owned = interfaces;
      g_autoptr(GVariant) modem = g_variant_lookup_value (interfaces, MM_MODEM_INTERFACE, G_VARIANT_TYPE_VARDICT);
      Choice candidate = { 0 };

      if (modem == NULL)
        continue;
      g_string_append_printf (why_not, "%s%s: ", why_not->len > 0 ? "; " : "", path);
      if (!choose_port (modem, &candidate, why_not))
        continue;
      g_string_append (why_not, candidate.device);
      if (choice.modem_path == NULL || g_strcmp0 (path, choice.modem_path) < 0)
        {
          choice_clear (&choice);
          choice = candidate;
          choice.modem_path = g_strdup (path);
        }
      else
        choice_clear (&candidate);
    }
  if (choice.device != NULL)
    g_message ("ModemManager: modem %s, port %s, SIM slot %u", choice.modem_path, choice.device, choice.slot);
  else
    g_message ("ModemManager names no modem with a QMI or MBIM port (%s): Device=auto scans /dev/cdc-wdm*",
               why_not->len > 0 ? why_not->str : "no modems");
  settle (manager, TRUE, NULL, &choice);
  choice_clear (&choice);
}

static void
fetch_objects (DaemonModemManager *manager)
{
  g_dbus_connection_call (manager->connection, DAEMON_MODEM_MANAGER_NAME, MM_PATH,
                          "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                          G_VARIANT_TYPE ("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, -1, manager->cancellable,
                          on_managed_objects, pending_new (manager));
}

static gboolean
on_refetch (gpointer user_data)
{
  DaemonModemManager *manager = user_data;

  g_clear_pointer (&manager->refetch, g_source_unref);
  fetch_objects (manager);
  return G_SOURCE_REMOVE;
}

/* InterfacesAdded/Removed (a modem appeared or went), PropertiesChanged (its ports were probed). */
static void
on_mm_signal (GDBusConnection *connection, const gchar *sender, const gchar *path, const gchar *interface,
              const gchar *signal, GVariant *parameters, gpointer user_data)
{
  DaemonModemManager *manager = user_data;

  g_debug ("ModemManager: %s.%s on %s", interface, signal, path);
  if (manager->refetch != NULL)
    return;
  manager->refetch = g_timeout_source_new (REFETCH_DELAY_MS);
  g_source_set_callback (manager->refetch, on_refetch, manager, NULL);
  g_source_attach (manager->refetch, manager->context);
}

static void
on_name_appeared (GDBusConnection *connection, const gchar *name, const gchar *owner, gpointer user_data)
{
  DaemonModemManager *manager = user_data;

  g_message ("ModemManager is on the bus (%s): Device=auto asks it for the modem", owner);
  if (manager->subscription_id == 0)
    manager->subscription_id = g_dbus_connection_signal_subscribe (connection, DAEMON_MODEM_MANAGER_NAME, NULL, NULL,
                                                                   NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_mm_signal,
                                                                   manager, NULL);
  fetch_objects (manager);
}

static void
on_name_vanished (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  DaemonModemManager *manager = user_data;
  Choice none = { 0 };

  if (connection == NULL)
    {
      settle (manager, FALSE, "the system bus cannot be reached", &none);
      return;
    }
  g_message ("ModemManager is not on the bus: Device=auto scans /dev/cdc-wdm* with the drivers sysfs names");
  /* Whatever it held is released with its name, the inhibition included. */
  g_mutex_lock (&manager->lock);
  g_clear_pointer (&manager->inhibited_uid, g_free);
  g_mutex_unlock (&manager->lock);
  settle (manager, FALSE, "ModemManager is not on the bus", &none);
}

static void
on_bus (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DaemonModemManager *manager = pending_finish (user_data);
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection = g_bus_get_finish (result, &error);

  if (manager == NULL)
    {
      g_clear_object (&connection);
      return;
    }
  if (connection == NULL)
    {
      g_autofree gchar *reason = NULL;

      reason = g_strdup_printf ("the system bus cannot be reached (%s)", error->message);
      g_message ("ModemManager: %s: Device=auto scans /dev/cdc-wdm*", reason);
      settle (manager, FALSE, reason, NULL);
      return;
    }
  /* The system bus going away must not end the daemon (it may serve another bus, or none). */
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  g_mutex_lock (&manager->lock);
  manager->connection = connection;
  g_mutex_unlock (&manager->lock);
  manager->watch_id = g_bus_watch_name_on_connection (connection, DAEMON_MODEM_MANAGER_NAME,
                                                      G_BUS_NAME_WATCHER_FLAGS_NONE, on_name_appeared,
                                                      on_name_vanished, manager, NULL);
}

DaemonModemManager *
daemon_modem_manager_new (GMainContext *context, DaemonModemManagerChangedFunc changed, gpointer user_data)
{
  DaemonModemManager *manager = g_new0 (DaemonModemManager, 1);

  manager->context = g_main_context_ref (context);
  manager->cancellable = g_cancellable_new ();
  manager->changed = changed;
  manager->user_data = user_data;
  g_mutex_init (&manager->lock);
  g_cond_init (&manager->settled_cond);
  g_main_context_push_thread_default (context);
  g_bus_get (G_BUS_TYPE_SYSTEM, manager->cancellable, on_bus, pending_new (manager));
  g_main_context_pop_thread_default (context);
  return manager;
}

void
daemon_modem_manager_free (DaemonModemManager *manager)
{
  if (manager == NULL)
    return;
  g_cancellable_cancel (manager->cancellable);
  if (manager->refetch != NULL)
    {
      g_source_destroy (manager->refetch);
      g_clear_pointer (&manager->refetch, g_source_unref);
    }
  if (manager->watch_id != 0)
    g_bus_unwatch_name (manager->watch_id);
  /* Neither calls back once gone (GDBus checks before each dispatch). */
  if (manager->subscription_id != 0)
    g_dbus_connection_signal_unsubscribe (manager->connection, manager->subscription_id);
  g_clear_object (&manager->connection);
  g_clear_object (&manager->cancellable);
  choice_clear (&manager->choice);
  g_free (manager->absent_reason);
  g_free (manager->inhibited_uid);
  g_free (manager->last_announced);
  g_mutex_clear (&manager->lock);
  g_cond_clear (&manager->settled_cond);
  g_main_context_unref (manager->context);
  g_free (manager);
}

/* ---- the worker's side ------------------------------------------------------------------------------------ */

gchar *
daemon_modem_manager_resolve (DaemonModemManager *manager, guint *ret_slot, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + FIRST_ANSWER_TIMEOUT_S * G_USEC_PER_SEC;
  g_autofree gchar *reason = NULL;
  gboolean log_fallback;

  *ret_slot = 0;
  g_mutex_lock (&manager->lock);
  while (!manager->settled)
    if (!g_cond_wait_until (&manager->settled_cond, &manager->lock, deadline))
      {
        manager->settled = TRUE;
        manager->absent_reason = g_strdup ("ModemManager did not answer within "
                                           G_STRINGIFY (FIRST_ANSWER_TIMEOUT_S) " s");
      }
  if (manager->choice.device != NULL)
    {
      gchar *device = g_strdup (manager->choice.device);
      g_autofree gchar *uid = g_strdup (manager->choice.uid);
      const gchar *path = strchr (device, ':');

      *ret_slot = manager->choice.slot;
      g_mutex_unlock (&manager->lock);
      /* The port is gone while ModemManager still names it (it is inhibited, or has not seen the module go): a
       * module renumbered by USB re-enumeration is found at its new port through sysfs, under the same USB
       * device. */
      if (path != NULL && uid != NULL && !g_file_test (path + 1, G_FILE_TEST_EXISTS))
        {
          g_autoptr(GError) local_error = NULL;
          gchar *moved = daemon_modem_scan_find_port_of (daemon_modem_scan_dev_dir (), daemon_modem_scan_sysfs_dir (),
                                                         uid, &local_error);

          if (moved != NULL)
            {
              g_message ("Device=auto: %s is gone; modem %s is now at %s", device, uid, moved);
              g_free (device);
              return moved;
            }
          g_debug ("Device=auto: %s is gone: %s", device, local_error->message);
        }
      return device;
    }
  reason = g_strdup (manager->absent_reason != NULL ? manager->absent_reason : "ModemManager names no QMI or MBIM port");
  log_fallback = !manager->logged_fallback;
  manager->logged_fallback = TRUE;
  g_mutex_unlock (&manager->lock);
  if (log_fallback)
    g_message ("Device=auto: %s: scanning %s/cdc-wdm*", reason, daemon_modem_scan_dev_dir ());
  return daemon_modem_scan_find_port (daemon_modem_scan_dev_dir (), daemon_modem_scan_sysfs_dir (), error);
}

static gboolean
call_inhibit (GDBusConnection *connection, const gchar *uid, gboolean inhibit, GError **error)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (connection, DAEMON_MODEM_MANAGER_NAME, MM_PATH,
                                                           DAEMON_MODEM_MANAGER_NAME, "InhibitDevice",
                                                           g_variant_new ("(sb)", uid, inhibit), NULL,
                                                           G_DBUS_CALL_FLAGS_NONE, INHIBIT_TIMEOUT_MS, NULL, error);
  return reply != NULL;
}

/* Why euiccd inhibits: enabling, disabling or deleting a profile resets the card session (REFRESH) and may
 * make the module drop off USB. ModemManager, seeing the SIM vanish mid-switch, would probe the modem and
 * talk to the card in the middle of the eUICC's procedure, and keep the old profile's view of the SIM.
 * InhibitDevice makes it close every port of that modem and forget it until the inhibition is lifted.
 * If euiccd dies while inhibiting, nothing stays wedged: ModemManager drops an inhibition when the process
 * that asked for it leaves the bus, and takes the modem back. */
void
daemon_modem_manager_inhibit (DaemonModemManager *manager)
{
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *uid = NULL;

  g_mutex_lock (&manager->lock);
  if (manager->present && manager->inhibited_uid == NULL && manager->choice.uid != NULL
      && manager->connection != NULL)
    {
      uid = g_strdup (manager->choice.uid);
      connection = g_object_ref (manager->connection);
      /* Set before the call: the modem vanishing from ModemManager is expected from here on. */
      manager->inhibited_uid = g_strdup (uid);
    }
  g_mutex_unlock (&manager->lock);
  if (uid == NULL)
    return;
  if (!call_inhibit (connection, uid, TRUE, &error))
    {
      g_warning ("ModemManager refused to inhibit modem %s (%s): the profile switch goes on with ModemManager "
                 "watching", uid, error->message);
      g_mutex_lock (&manager->lock);
      g_clear_pointer (&manager->inhibited_uid, g_free);
      g_mutex_unlock (&manager->lock);
      return;
    }
  g_message ("ModemManager inhibited on modem %s during the profile change", uid);
}

/* How ModemManager 1.20 re-reads the SIM: it has no call for just that (Modem.Reset restarts the module,
 * SetPrimarySimSlot only switches slots). Lifting an inhibition makes it probe the modem from scratch, SIM
 * included, as after a hotplug; so after a switch the inhibition is lifted, and a switch made without one
 * (ModemManager refused it, or appeared meanwhile) gets an inhibit-and-release of its own. */
void
daemon_modem_manager_release (DaemonModemManager *manager, gboolean card_changed)
{
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *uid = NULL;
  gboolean was_inhibited;

  g_mutex_lock (&manager->lock);
  was_inhibited = manager->inhibited_uid != NULL;
  uid = was_inhibited ? g_steal_pointer (&manager->inhibited_uid) : g_strdup (manager->choice.uid);
  if (manager->present && manager->connection != NULL)
    connection = g_object_ref (manager->connection);
  g_mutex_unlock (&manager->lock);
  if (uid == NULL || connection == NULL || (!was_inhibited && !card_changed))
    return;
  if (!was_inhibited && !call_inhibit (connection, uid, TRUE, &error))
    {
      g_warning ("Asking ModemManager to re-read the SIM of modem %s: %s", uid, error->message);
      return;
    }
  if (!call_inhibit (connection, uid, FALSE, &error))
    {
      g_warning ("ModemManager refused to lift the inhibition of modem %s (%s); it lifts it itself when euiccd "
                 "leaves the bus", uid, error->message);
      return;
    }
  if (card_changed)
    g_message ("ModemManager released on modem %s: it probes the modem again and reads the new profile", uid);
  else
    g_message ("ModemManager released on modem %s", uid);
}
