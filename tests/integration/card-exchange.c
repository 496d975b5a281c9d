/* SPDX-License-Identifier: Apache-2.0 */
/* Opens a logical channel on an AID through any transport and sends raw APDUs on it, printing each
 * response in hex. Lets the transport tests drive a fake modem through the real backend code without
 * the ISD-R layer on top.
 *
 *   card-exchange [--slot N] [--exclusive] URI AID APDU...
 *
 * The channel number is merged into each APDU's CLA byte. Output lines: "channel N", "select HEX|-",
 * one "HEX" per APDU, then "stats APDUS BYTES_OUT BYTES_IN". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "card/card-transport.h"
#include "euiccd-error.h"

static GBytes *
parse_hex (const gchar *hex, GError **error)
{
  gsize n = strlen (hex);
  g_autoptr(GByteArray) out = g_byte_array_sized_new (n / 2);

  if (n % 2 != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "odd number of hex digits in '%s'", hex);
      return NULL;
    }
  for (gsize i = 0; i < n; i += 2)
    {
      gint hi = g_ascii_xdigit_value (hex[i]);
      gint lo = g_ascii_xdigit_value (hex[i + 1]);
      guint8 b;
      if (hi < 0 || lo < 0)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "not hex: '%s'", hex);
          return NULL;
        }
      b = (guint8) (hi << 4 | lo);
      g_byte_array_append (out, &b, 1);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
print_hex (GBytes *bytes)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (bytes, &n);
  for (gsize i = 0; i < n; i++)
    printf ("%02X", p[i]);
  printf ("\n");
  /* Line by line, so a test can act between answers (and no stdbuf, which sanitizer builds refuse). */
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("URI AID APDU...");
  g_autoptr(CardTransport) transport = NULL;
  g_autoptr(GBytes) aid = NULL;
  g_autoptr(GBytes) select_response = NULL;
  CardTransportOptions options;
  gint slot = 1;
  gboolean exclusive = FALSE;
  guint8 channel = 0;
  GOptionEntry entries[] = {
    { "slot", 0, 0, G_OPTION_ARG_INT, &slot, "UIM slot", "N" },
    { "exclusive", 0, 0, G_OPTION_ARG_NONE, &exclusive, "open the device without the proxy", NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 3)
    {
      fprintf (stderr, "usage: card-exchange [--slot N] [--exclusive] URI AID APDU...%s%s\n",
               error != NULL ? ": " : "", error != NULL ? error->message : "");
      return 2;
    }

  card_transport_options_init (&options);
  options.slot = (guint) slot;
  options.exclusive = exclusive;

  aid = parse_hex (argv[2], &error);
  if (aid == NULL || (transport = card_transport_open (argv[1], &options, &error)) == NULL
      || !card_transport_open_channel (transport, g_bytes_get_data (aid, NULL), g_bytes_get_size (aid), &channel,
                                       &select_response, &error))
    {
      fprintf (stderr, "error: %s\n", error->message);
      return 1;
    }
  printf ("channel %u\n", channel);
  if (select_response != NULL)
    {
      printf ("select ");
      print_hex (select_response);
    }
  else
    printf ("select -\n");
  /* Tests that pull the modem mid-exchange wait for this line. */
  fflush (stdout);

  for (int i = 3; i < argc; i++)
    {
      g_autoptr(GBytes) apdu = parse_hex (argv[i], &error);
      g_autoptr(GBytes) response = NULL;
      g_autofree guint8 *copy = NULL;
      const guint8 *data;
      gsize n;

      if (apdu == NULL || g_bytes_get_size (apdu) < 4)
        {
          fprintf (stderr, "error: APDU '%s': %s\n", argv[i], error != NULL ? error->message : "too short");
          return 2;
        }
      data = g_bytes_get_data (apdu, &n);
      copy = g_memdup2 (data, n);
      copy[0] = card_apdu_cla (copy[0], channel);
      response = card_transport_transmit (transport, channel, copy, n, &error);
      if (response == NULL)
        {
          fprintf (stderr, "error: %s\n", error->message);
          return 1;
        }
      print_hex (response);
    }

  if (!card_transport_close_channel (transport, channel, &error))
    {
      fprintf (stderr, "error: %s\n", error->message);
      return 1;
    }
  printf ("stats %u %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n", transport->stats.apdus,
          transport->stats.bytes_out, transport->stats.bytes_in);
  return 0;
}
