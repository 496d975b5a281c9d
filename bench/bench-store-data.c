/* SPDX-License-Identifier: Apache-2.0 */
/* Counts the STORE DATA blocks euiccd sends for ES10 requests of given sizes, over a real transport.
 *
 *   bench-store-data [--block-size N] [--exclusive] URI SIZE...
 *
 * Each request is a GetProfilesInfo whose tagList is padded with repeated ICCID tags until the whole
 * request is SIZE bytes, which a card answers like the short form. Prints one line per size:
 * "size=N blocks=B expected=E apdus=A bytes_out=O bytes_in=I ms=T" and exits 1 if any B != E. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/isdr-session.h"
#include "der/der.h"
#include "euiccd-error.h"

/* BF2D L ( 5C L' <tags> ): the tag list is all 5A so the answer stays small. No DER TLV with a two-byte tag is
 * 131 or 260 bytes long (the length field grows by a byte there), so those sizes give NULL. */
static GBytes *
padded_profiles_request (gsize size)
{
  /* Tag and length fields take at most 9 bytes below 64 KiB, so only the last few tag counts can fit. */
  for (gsize tags = size > 16 ? size - 16 : 0; tags < size; tags++)
    {
      DerWriter w;
      g_autoptr(GBytes) request = NULL;
      g_autofree guint8 *list = g_malloc (tags > 0 ? tags : 1);

      memset (list, 0x5A, tags);
      der_writer_init (&w);
      der_begin (&w, 0xBF2D);
      der_write (&w, 0x5C, list, tags);
      der_end (&w);
      request = der_writer_finish (&w);
      if (g_bytes_get_size (request) == size)
        return g_steal_pointer (&request);
      if (g_bytes_get_size (request) > size)
        break;
    }
  return NULL;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("URI SIZE...");
  g_autoptr(CardTransport) transport = NULL;
  g_autoptr(IsdrSession) session = NULL;
  CardTransportOptions transport_options;
  IsdrSessionOptions session_options;
  gint block_size = ISDR_DEFAULT_BLOCK_SIZE;
  gboolean exclusive = FALSE;
  gboolean all_expected = TRUE;
  GOptionEntry entries[] = {
    { "block-size", 0, 0, G_OPTION_ARG_INT, &block_size, "STORE DATA bytes per block", "N" },
    { "exclusive", 0, 0, G_OPTION_ARG_NONE, &exclusive, "open QMI/MBIM without the proxy", NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 3 || block_size < 1 || block_size > 255)
    {
      fprintf (stderr, "usage: bench-store-data [--block-size N] [--exclusive] URI SIZE...\n");
      return 2;
    }

  card_transport_options_init (&transport_options);
  transport_options.exclusive = exclusive;
  isdr_session_options_init (&session_options);
  session_options.block_size = (guint) block_size;

  transport = card_transport_open (argv[1], &transport_options, &error);
  if (transport == NULL || (session = isdr_session_open (transport, &session_options, &error)) == NULL)
    {
      fprintf (stderr, "bench-store-data: %s\n", error->message);
      return 1;
    }

  for (int i = 2; i < argc; i++)
    {
      gsize size = (gsize) g_ascii_strtoull (argv[i], NULL, 10);
      g_autoptr(GBytes) request = padded_profiles_request (size);
      g_autoptr(GBytes) response = NULL;
      IsdrSessionStats before = *isdr_session_get_stats (session);
      CardTransportStats transport_before = transport->stats;
      guint blocks;
      guint expected = (guint) ((size + (gsize) block_size - 1) / (gsize) block_size);
      gint64 start = g_get_monotonic_time ();

      if (request == NULL)
        {
          fprintf (stderr, "bench-store-data: no GetProfilesInfo request (BF2D TLV) is exactly %" G_GSIZE_FORMAT
                   " bytes long in DER\n", size);
          return 2;
        }
      response = isdr_session_es10_bytes (session, request, &error);
      if (response == NULL)
        {
          /* The block count is what is measured; the card's verdict on the padded list is reported. */
          fprintf (stderr, "bench-store-data: %" G_GSIZE_FORMAT " bytes: %s\n", size, error->message);
          g_clear_error (&error);
        }
      blocks = isdr_session_get_stats (session)->store_data_blocks - before.store_data_blocks;
      printf ("size=%" G_GSIZE_FORMAT " blocks=%u expected=%u apdus=%u bytes_out=%" G_GUINT64_FORMAT
              " bytes_in=%" G_GUINT64_FORMAT " ms=%.2f\n",
              size, blocks, expected, transport->stats.apdus - transport_before.apdus,
              transport->stats.bytes_out - transport_before.bytes_out,
              transport->stats.bytes_in - transport_before.bytes_in,
              (double) (g_get_monotonic_time () - start) / 1000.0);
      if (blocks != expected)
        all_expected = FALSE;
    }
  return all_expected ? 0 : 1;
}
