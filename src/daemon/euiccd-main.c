/* SPDX-License-Identifier: Apache-2.0 */
/* euiccd: the SGP.32 IoT eSIM agent (IPAd). Polls the eIM, applies its packages to the eUICC, reports back. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/daemon-config.h"
#include "daemon/daemon-dbus.h"
#include "daemon/daemon-engine.h"
#include "daemon/daemon-log.h"
#include "daemon/daemon-sdnotify.h"
#include "daemon/daemon-store.h"
#include "euiccd-error.h"

typedef struct {
  gchar *config_path;
  gchar *config_dir;
  gchar *state_dir;
  gchar *bus;
  gboolean debug;
  gboolean check_config;
  gboolean once;
  gboolean stats;
  gboolean version;
} MainOptions;

/* What the running daemon ties together: the engine, its D-Bus face and the service manager. */
typedef struct {
  GMainLoop *loop;
  DaemonEngine *engine;
  DaemonDbus *dbus;        /* NULL with --bus none */
  DaemonState shown_state; /* last state told to the service manager */
  gboolean state_shown;
  int status;
} Service;

static gboolean
on_quit_signal (gpointer user_data)
{
  Service *service = user_data;

  g_message ("Stopping");
  g_main_loop_quit (service->loop);
  return G_SOURCE_CONTINUE;
}

static void
tell_state (Service *service)
{
  DaemonState state = daemon_engine_get_state (service->engine);
  gint64 next = daemon_engine_get_next_poll (service->engine);
  const gchar *last_error = daemon_engine_get_last_error (service->engine);

  if (service->state_shown && state == service->shown_state)
    return;
  service->state_shown = TRUE;
  service->shown_state = state;
  if (state == DAEMON_STATE_BACKOFF && last_error != NULL)
    daemon_sdnotify_status ("backoff: %s", last_error);
  else if (state == DAEMON_STATE_IDLE && next > 0)
    daemon_sdnotify_status ("idle; next poll in %" G_GINT64_FORMAT " s",
                            MAX (next - g_get_real_time (), 0) / G_USEC_PER_SEC);
  else
    daemon_sdnotify_status ("%s", daemon_state_to_string (state));
}

static void
on_engine_changed (DaemonEngine *engine, gpointer user_data)
{
  Service *service = user_data;

  if (service->dbus != NULL)
    daemon_dbus_sync_state (service->dbus);
  tell_state (service);
}

static void
on_card_changed (DaemonEngine *engine, DaemonCardFacts *facts, gpointer user_data)
{
  Service *service = user_data;

  if (service->dbus != NULL)
    daemon_dbus_sync_card (service->dbus, facts);
}

static void
on_package_finished (DaemonEngine *engine, const DaemonHistoryEntry *entry, gpointer user_data)
{
  Service *service = user_data;

  if (service->dbus != NULL)
    daemon_dbus_emit_package_finished (service->dbus, entry);
}

static void
on_download_progress (DaemonEngine *engine, const DaemonDownloadProgress *progress, gpointer user_data)
{
  Service *service = user_data;

  if (service->dbus != NULL)
    daemon_dbus_emit_download_progress (service->dbus, progress);
}

static void
on_name_acquired (gpointer user_data)
{
  daemon_sdnotify_ready ();
}

static void
on_name_lost (const gchar *message, gpointer user_data)
{
  Service *service = user_data;

  g_critical ("Stopping: %s", message);
  service->status = 1;
  g_main_loop_quit (service->loop);
}

static gboolean
on_poll_signal (gpointer user_data)
{
  g_message ("SIGUSR1: polling now");
  daemon_engine_poll_now (user_data, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_refresh_signal (gpointer user_data)
{
  g_message ("SIGHUP: reading the eUICC again and polling");
  /* Through the worker, so a poll running now is not disturbed. */
  daemon_engine_refresh (user_data, NULL, NULL);
  daemon_engine_poll_now (user_data, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

/* ModemManager names another port: the card there may be another one, and is read again. */
static void
on_modem_changed (DaemonModemManager *manager, const gchar *device, gpointer user_data)
{
  g_message ("ModemManager names another modem port, %s: reading the eUICC there", device);
  daemon_engine_refresh (user_data, NULL, NULL);
}

static void
print_stats (DaemonEngine *engine)
{
  HttpsStats https;
  guint apdus, channel_opens;

  daemon_engine_get_https_stats (engine, &https);
  daemon_engine_get_card_counters (engine, &apdus, &channel_opens);
  fprintf (stderr,
           "stats: apdus=%u channel_opens=%u http_requests=%" G_GUINT64_FORMAT " connections=%" G_GUINT64_FORMAT
           " tls_resumed=%" G_GUINT64_FORMAT " bytes_sent=%" G_GUINT64_FORMAT " bytes_received=%" G_GUINT64_FORMAT "\n",
           apdus, channel_opens, https.requests, https.connections, https.tls_resumed, https.bytes_sent,
           https.bytes_received);
}

static int
run (const MainOptions *o)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) config = NULL;
  g_autoptr(DaemonStore) store = NULL;
  /* Freed after the engine, which uses it. */
  g_autoptr(DaemonModemManager) modem_manager = NULL;
  /* Freed after the engine, so callers still waiting on a job hear that the daemon stops. */
  g_autoptr(DaemonDbus) dbus = NULL;
  g_autoptr(DaemonEngine) engine = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  Service service = { 0 };
  DaemonBus bus = DAEMON_BUS_SYSTEM;
  static const DaemonEngineListener listener = {
    .changed = on_engine_changed,
    .card_changed = on_card_changed,
    .package_finished = on_package_finished,
    .download_progress = on_download_progress,
  };
  static const DaemonDbusCallbacks dbus_callbacks = {
    .name_acquired = on_name_acquired,
    .name_lost = on_name_lost,
  };
  const gchar *main_path = o->config_path != NULL ? o->config_path : DAEMON_CONFIG_DEFAULT_PATH;
  g_autofree gchar *dropin_dir = o->config_dir != NULL ? g_strdup (o->config_dir)
                                                       : g_strconcat (main_path, ".d", NULL);

  if (o->bus != NULL && !daemon_bus_from_string (o->bus, &bus))
    {
      fprintf (stderr, "euiccd: --bus %s: expected system, session or none\n", o->bus);
      return 2;
    }

  if (o->check_config)
    {
      if (!daemon_config_check (main_path, dropin_dir, &error))
        {
          fprintf (stderr, "euiccd: %s\n", error->message);
          return 1;
        }
      printf ("%s: configuration is valid\n", main_path);
      return 0;
    }

  config = daemon_config_load (main_path, dropin_dir, &error);
  if (config == NULL)
    {
      fprintf (stderr, "euiccd: %s\n", error->message);
      return 1;
    }
  if (o->state_dir != NULL)
    {
      g_free (config->state_directory);
      config->state_directory = g_strdup (o->state_dir);
    }
  daemon_log_setup (o->debug ? DAEMON_LOG_LEVEL_DEBUG : config->log_level, config->log_personal_data);

  store = daemon_store_open (config->state_directory, config->history_size, &error);
  if (store == NULL)
    {
      g_critical ("State directory %s: %s", config->state_directory, error->message);
      return 1;
    }
  engine = daemon_engine_new (config, store, g_main_context_default (), &error);
  if (engine == NULL)
    {
      g_critical ("%s", error->message);
      return 1;
    }

  if (o->once)
    {
      gboolean ok = daemon_engine_poll_blocking (engine, &error);
      if (o->stats)
        print_stats (engine);
      if (!ok)
        {
          g_warning ("Poll failed: %s", error->message);
          return 1;
        }
      return 0;
    }

  loop = g_main_loop_new (NULL, FALSE);
  service.loop = loop;
  service.engine = engine;
  if (bus != DAEMON_BUS_NONE)
    {
      /* The bus shows the card's profiles and eIMs, so the engine reads them (at start and after changes). */
      daemon_engine_set_read_card_details (engine, TRUE);
      dbus = daemon_dbus_new (engine, config, bus, &dbus_callbacks, &service, &error);
      if (dbus == NULL)
        {
          g_critical ("%s", error->message);
          return 1;
        }
      service.dbus = dbus;
    }
  daemon_engine_set_listener (engine, &listener, &service);
  if (g_strcmp0 (config->card_device, "auto") == 0)
    {
      modem_manager = daemon_modem_manager_new (g_main_context_default (), on_modem_changed, engine);
      daemon_engine_set_modem_manager (engine, modem_manager);
    }
  g_unix_signal_add (SIGTERM, on_quit_signal, &service);
  g_unix_signal_add (SIGINT, on_quit_signal, &service);
  g_unix_signal_add (SIGUSR1, on_poll_signal, engine);
  g_unix_signal_add (SIGHUP, on_refresh_signal, engine);
  g_message ("euiccd %s started (card %s, state in %s, bus %s)", PACKAGE_VERSION, config->card_device,
             config->state_directory, o->bus != NULL ? o->bus : "system");
  daemon_engine_start (engine);
  /* Without a bus there is no name to wait for: serving starts now. */
  if (bus == DAEMON_BUS_NONE)
    daemon_sdnotify_ready ();
  daemon_sdnotify_watchdog_start (NULL);
  g_main_loop_run (loop);
  daemon_sdnotify_stopping ();
  daemon_sdnotify_watchdog_stop ();
  if (o->stats)
    print_stats (engine);
  /* The engine goes first (see above); the bus connection is flushed when the service is freed. */
  g_clear_pointer (&engine, daemon_engine_free);
  return service.status;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("- SGP.32 eSIM IoT agent");
  MainOptions o = { 0 };
  int status;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config_path, "configuration file (default " DAEMON_CONFIG_DEFAULT_PATH ")", "PATH" },
    { "config-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.config_dir, "drop-in directory (default <config>.d)", "DIR" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.state_dir, "state directory (overrides [Daemon] StateDirectory)", "DIR" },
    { "bus", 0, 0, G_OPTION_ARG_STRING, &o.bus, "where to serve org.euiccd.Euiccd1: system (default), session or none", "BUS" },
    { "debug", 'd', 0, G_OPTION_ARG_NONE, &o.debug, "log at debug level (APDUs and ESipa messages in hex)", NULL },
    { "check-config", 0, 0, G_OPTION_ARG_NONE, &o.check_config, "validate the configuration and exit", NULL },
    { "once", 0, 0, G_OPTION_ARG_NONE, &o.once, "poll every eIM once and exit (status 0 when all succeeded)", NULL },
    { "stats", 0, 0, G_OPTION_ARG_NONE, &o.stats, "print APDU and HTTPS counters on stderr at exit", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &o.version, "print the version and exit", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "euiccd: %s\n", error->message);
      return 2;
    }
  if (o.version)
    {
      printf ("euiccd %s\n", PACKAGE_VERSION);
      return 0;
    }
  status = run (&o);
  g_free (o.config_path);
  g_free (o.config_dir);
  g_free (o.state_dir);
  g_free (o.bus);
  return status;
}
