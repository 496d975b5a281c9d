/* SPDX-License-Identifier: Apache-2.0 */
/* euiccd: the SGP.32 IoT eSIM agent (IPAd). Polls the eIM, applies its packages to the eUICC, reports back. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/daemon-config.h"
#include "daemon/daemon-engine.h"
#include "daemon/daemon-log.h"
#include "daemon/daemon-store.h"
#include "euiccd-error.h"

typedef struct {
  gchar *config_path;
  gchar *config_dir;
  gchar *state_dir;
  gboolean debug;
  gboolean check_config;
  gboolean once;
  gboolean stats;
  gboolean version;
} MainOptions;

static gboolean
on_quit_signal (gpointer user_data)
{
  g_message ("Stopping");
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
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
  daemon_engine_invalidate_card (user_data);
  daemon_engine_poll_now (user_data, NULL, NULL);
  return G_SOURCE_CONTINUE;
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
  g_autoptr(DaemonEngine) engine = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  const gchar *main_path = o->config_path != NULL ? o->config_path : DAEMON_CONFIG_DEFAULT_PATH;
  g_autofree gchar *dropin_dir = o->config_dir != NULL ? g_strdup (o->config_dir)
                                                       : g_strconcat (main_path, ".d", NULL);

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
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_unix_signal_add (SIGUSR1, on_poll_signal, engine);
  g_unix_signal_add (SIGHUP, on_refresh_signal, engine);
  g_message ("euiccd %s started (card %s, state in %s)", PACKAGE_VERSION, config->card_device,
             config->state_directory);
  daemon_engine_start (engine);
  g_main_loop_run (loop);
  if (o->stats)
    print_stats (engine);
  return 0;
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
  return status;
}
