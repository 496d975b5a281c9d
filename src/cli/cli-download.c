/* SPDX-License-Identifier: Apache-2.0 */
/* `euiccctl download`: asks the daemon to download and install a profile, showing its progress on the way. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli-commands.h"
#include "cli/cli-dbus.h"
#include "euiccd-autoptr.h"

/* Server round trips, a 30 KB package in STORE DATA commands through a slow AT modem, retries: generous. */
#define DOWNLOAD_TIMEOUT_MS (15 * 60 * 1000)

typedef struct {
  GMainLoop *loop;
  GVariant *result;
  GError *error;
  gboolean show_progress;
  gboolean terminal;
  gchar *last_phase;
} DownloadCall;

static void
on_progress (EuiccdDbusManager *manager, const gchar *phase, guint64 loaded, guint64 total, gpointer user_data)
{
  DownloadCall *call = user_data;

  if (!call->show_progress)
    return;
  if (total > 0 && g_str_equal (phase, "loading"))
    {
      /* One line rewritten in place on a terminal; one line per step of ten percent elsewhere. */
      guint percent = (guint) (loaded * 100 / total);

      if (call->terminal)
        fprintf (stderr, "\rloading: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes (%u%%)", loaded, total,
                 percent);
      else if (g_strcmp0 (call->last_phase, phase) != 0 || loaded == total || percent % 10 == 0)
        fprintf (stderr, "loading: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes (%u%%)\n", loaded, total,
                 percent);
    }
  else if (g_strcmp0 (call->last_phase, phase) != 0)
    fprintf (stderr, "%s%s\n", call->terminal && g_strcmp0 (call->last_phase, "loading") == 0 ? "\n" : "", phase);
  g_free (call->last_phase);
  call->last_phase = g_strdup (phase);
}

static void
on_download_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  DownloadCall *call = user_data;

  euiccd_dbus_manager_call_download_finish (EUICCD_DBUS_MANAGER (source), &call->result, res, &call->error);
  g_main_loop_quit (call->loop);
}

int
cli_download_main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EuiccdDbusManager) manager = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree gchar *confirmation_code = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  gboolean json = FALSE;
  gboolean installed = FALSE;
  const gchar *iccid = NULL;
  gint64 command_id = 0, reason = 0;
  DownloadCall call = { 0 };
  gulong handler;
  const GOptionEntry entries[] = {
    { "confirmation-code", 0, 0, G_OPTION_ARG_STRING, &confirmation_code,
      "the confirmation code the profile's owner gave", "CODE" },
    { NULL }
  };

  if (!cli_dbus_parse ("download", "ACTIVATION-CODE - download a profile and install it on the eUICC", entries,
                       &argc, &argv, &json))
    return CLI_EXIT_USAGE;
  if (argc != 2)
    {
      fprintf (stderr, argc < 2 ? "euiccctl download: the activation code is missing\n"
                                : "euiccctl download: unexpected argument '%s'\n", argc < 2 ? "" : argv[2]);
      return CLI_EXIT_USAGE;
    }
  manager = cli_dbus_manager (&error);
  if (manager == NULL)
    return cli_dbus_fail ("download", error);
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (manager), DOWNLOAD_TIMEOUT_MS);

  loop = g_main_loop_new (NULL, FALSE);
  call.loop = loop;
  call.show_progress = !json;
  call.terminal = isatty (STDERR_FILENO);
  handler = g_signal_connect (manager, "download-progress", G_CALLBACK (on_progress), &call);
  euiccd_dbus_manager_call_download (manager, argv[1], confirmation_code != NULL ? confirmation_code : "", NULL,
                                     on_download_done, &call);
  g_main_loop_run (loop);
  g_signal_handler_disconnect (manager, handler);
  if (call.terminal && g_strcmp0 (call.last_phase, "loading") == 0)
    fprintf (stderr, "\n");
  g_free (call.last_phase);
  if (call.error != NULL)
    {
      g_autoptr(GError) failed = call.error;
      if (json)
        {
          cJSON *out = cJSON_CreateObject ();
          g_autofree gchar *name = g_dbus_error_get_remote_error (failed);

          g_dbus_error_strip_remote_error (failed);
          cJSON_AddBoolToObject (out, "installed", FALSE);
          cJSON_AddStringToObject (out, "errorName", name != NULL ? name : "");
          cJSON_AddStringToObject (out, "errorMessage", failed->message);
          cli_dbus_print_json (out);
        }
      return cli_dbus_fail ("download", failed);
    }

  g_variant_dict_init (&dict, call.result);
  g_variant_dict_lookup (&dict, "installed", "b", &installed);
  g_variant_dict_lookup (&dict, "iccid", "&s", &iccid);
  g_variant_dict_lookup (&dict, "bppCommandId", "x", &command_id);
  g_variant_dict_lookup (&dict, "errorReason", "x", &reason);
  if (json)
    cli_dbus_print_json (cli_dbus_variant_to_json (call.result));
  else if (installed)
    printf ("Profile %s installed (disabled)\n", iccid != NULL ? iccid : "");
  else
    printf ("The eUICC refused the profile: bppCommandId %" G_GINT64_FORMAT ", errorReason %" G_GINT64_FORMAT "\n",
            command_id, reason);
  g_variant_unref (call.result);
  return installed ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}
