/* SPDX-License-Identifier: Apache-2.0 */
/* `euiccctl probe`: reaches the card directly, without the daemon, for bring-up on a new board. */
#include "config.h"

#include <stdio.h>

#include "cli/cli-commands.h"
#include "cli/cli-probe-report.h"
#include "der/der.h"
#include "euiccd-error.h"

typedef struct {
  gchar *device;
  gint slot;
  gboolean exclusive;
  gchar *aid_hex;
  gint block_size;
  gint apdu_timeout_ms;
  gboolean json;
  gboolean stats;
} ProbeOptions;

static void
print_stats (const CardTransport *transport, const IsdrSession *session, gdouble seconds)
{
  const IsdrSessionStats *s = isdr_session_get_stats ((IsdrSession *) session);

  fprintf (stderr,
           "stats: apdus=%u bytes_out=%" G_GUINT64_FORMAT " bytes_in=%" G_GUINT64_FORMAT
           " es10=%u store_data=%u get_response=%u channel_opens=%u seconds=%.3f\n",
           transport->stats.apdus, transport->stats.bytes_out, transport->stats.bytes_in, s->es10_commands,
           s->store_data_blocks, s->get_responses, transport->stats.channel_opens, seconds);
}

static gboolean
probe (const ProbeOptions *o, GError **error)
{
  g_autoptr(CardTransport) transport = NULL;
  g_autoptr(IsdrSession) session = NULL;
  g_autoptr(CliProbeReport) report = cli_probe_report_new ();
  g_autoptr(GBytes) aid = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  CardTransportOptions transport_options;
  IsdrSessionOptions session_options;

  card_transport_options_init (&transport_options);
  if (o->slot < 1 || o->slot > 255)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "--slot %d: expected 1 to 255", o->slot);
      return FALSE;
    }
  transport_options.slot = (guint) o->slot;
  transport_options.exclusive = o->exclusive;
  if (o->apdu_timeout_ms > 0)
    transport_options.apdu_timeout_ms = (guint) o->apdu_timeout_ms;

  isdr_session_options_init (&session_options);
  if (o->block_size < 0 || o->block_size > 255)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "--block-size %d: expected 1 to 255",
                   o->block_size);
      return FALSE;
    }
  if (o->block_size > 0)
    session_options.block_size = (guint) o->block_size;
  if (o->aid_hex != NULL)
    {
      aid = der_from_hex (o->aid_hex, error);
      if (aid == NULL)
        {
          g_prefix_error (error, "--aid: ");
          return FALSE;
        }
      if (g_bytes_get_size (aid) < 5 || g_bytes_get_size (aid) > 16)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "--aid: %" G_GSIZE_FORMAT
                       " bytes, an AID has 5 to 16", g_bytes_get_size (aid));
          return FALSE;
        }
      session_options.aid = g_bytes_get_data (aid, &session_options.aid_length);
    }

  transport = card_transport_open (o->device, &transport_options, error);
  if (transport == NULL)
    return FALSE;
  session = isdr_session_open (transport, &session_options, error);
  if (session == NULL)
    return FALSE;

  report->device = g_strdup (o->device);
  report->transport = g_strdup (card_transport_name (transport));
  cli_probe_report_collect (report, session);

  if (o->stats)
    print_stats (transport, session, g_timer_elapsed (timer, NULL));

  text = o->json ? cli_probe_report_to_json (report) : cli_probe_report_to_text (report);
  fputs (text, stdout);
  fflush (stdout);

  if (report->errors->len > 0)
    {
      guint parts = 0;

      for (guint part = 0; part < CLI_PROBE_N_PARTS; part++)
        parts += report->part_errors[part]->len > 0 ? 1 : 0;
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%u part(s) of the card could not be read in full",
                   parts);
      return FALSE;
    }
  return TRUE;
}

int
cli_probe_main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("- read the eUICC directly, without the daemon");
  ProbeOptions o = { .slot = 1 };
  int status;
  GOptionEntry entries[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &o.device,
      "qmi:/dev/cdc-wdm0, mbim:/dev/cdc-wdm0, pcsc:READER or at:/dev/ttyUSB2[@BAUD]", "URI" },
    { "slot", 's', 0, G_OPTION_ARG_INT, &o.slot, "UIM slot for QMI and MBIM (default 1)", "N" },
    { "exclusive", 0, 0, G_OPTION_ARG_NONE, &o.exclusive, "open QMI/MBIM directly, not through the proxy", NULL },
    { "aid", 0, 0, G_OPTION_ARG_STRING, &o.aid_hex, "ISD-R AID in hex (default A0000005591010FFFFFFFF8900000100)",
      "HEX" },
    { "block-size", 0, 0, G_OPTION_ARG_INT, &o.block_size, "STORE DATA bytes per block, 1 to 255 (default 255)",
      "N" },
    { "apdu-timeout", 0, 0, G_OPTION_ARG_INT, &o.apdu_timeout_ms, "per-APDU timeout in milliseconds", "MS" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &o.json, "print JSON", NULL },
    { "stats", 0, 0, G_OPTION_ARG_NONE, &o.stats, "print APDU and byte counts and the time taken on stderr",
      NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "euiccctl probe: %s\n", error->message);
      status = CLI_EXIT_USAGE;
    }
  else if (o.device == NULL || argc > 1)
    {
      fprintf (stderr, "euiccctl probe: %s\n", o.device == NULL ? "--device URI is required" : "unexpected argument");
      status = CLI_EXIT_USAGE;
    }
  else if (!probe (&o, &error))
    {
      fprintf (stderr, "euiccctl probe: %s\n", error->message);
      status = CLI_EXIT_FAILURE;
    }
  else
    status = CLI_EXIT_OK;

  g_free (o.device);
  g_free (o.aid_hex);
  return status;
}
