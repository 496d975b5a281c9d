/* SPDX-License-Identifier: Apache-2.0 */
/* Drives src/net/https-client.c from the integration test: a number of exchanges of a number of POSTs
 * each, printing one line per answer and the statistics, so a shell script can check them against
 * what the server saw.
 *
 *   https-request [options] BASE_URL
 *     --ca-file F  --no-system-ca  --widen-trust  --proxy URL  --connect-timeout MS  --timeout MS  --max-size N
 *     --trust F (PEM or DER key/certificate, as trustedPublicKeyDataTls)  --path P  --content-type T
 *     --header "Name: value" (repeatable)  --body-hex HEX  --requests N  --exchanges N
 *   https-request --tls-backend      prints libcurl's TLS backend and version (e.g. OpenSSL/3.0.x, mbedTLS/2.28.x)
 *
 * Output lines (key=value):
 *   response exchange=E request=R status=S content-type=T body-bytes=N retry-after=S body-hex=H
 *   error exchange=E request=R code=CODE elapsed-ms=MS message=...
 *   stats exchange=E requests= failures= connections= sent= received= tls-resumed= tls-known=
 *   stats client ...
 * Exit status 0 when every request got an HTTP answer, 1 when one failed (the rest still run),
 * 2 for bad usage. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <glib.h>

#include "euiccd-error.h"
#include "net/https-client.h"

static const gchar *
code_name (const GError *error)
{
  static const gchar *const names[] = {
    "FAILED", "INVALID_DATA", "INVALID_ARGS", "TRANSPORT", "CARD", "TIMEOUT", "NOT_SUPPORTED",
    "NOT_FOUND", "NETWORK", "PROTOCOL", "ACCESS_DENIED", "BUSY", "CONFIG",
  };

  if (error->domain != EUICCD_ERROR)
    return "OTHER_DOMAIN";
  if (error->code >= 0 && (gsize) error->code < G_N_ELEMENTS (names))
    return names[error->code];
  return "UNKNOWN";
}

static void
print_stats (const gchar *who, const HttpsStats *stats)
{
  printf ("stats %s requests=%" G_GUINT64_FORMAT " failures=%" G_GUINT64_FORMAT " connections=%" G_GUINT64_FORMAT
          " sent=%" G_GUINT64_FORMAT " received=%" G_GUINT64_FORMAT " tls-resumed=%" G_GUINT64_FORMAT
          " tls-known=%d\n",
          who, stats->requests, stats->failures, stats->connections, stats->bytes_sent, stats->bytes_received,
          stats->tls_resumed, stats->tls_resumption_known ? 1 : 0);
}

static gchar *
hex_of (GBytes *bytes, gsize max)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < MIN (len, max); i++)
    g_string_append_printf (out, "%02X", data[i]);
  return g_string_free (out, FALSE);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *ca_file = NULL;
  g_autofree gchar *proxy = NULL;
  g_autofree gchar *trust_file = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *content_type = NULL;
  g_autofree gchar *body_hex = NULL;
  g_auto (GStrv) headers = NULL;
  gboolean no_system_ca = FALSE;
  gboolean widen_trust = FALSE;
  gboolean tls_backend = FALSE;
  gint connect_timeout = 0, timeout = 0, requests = 1, exchanges = 1;
  gint64 max_size = 0;
  GOptionEntry entries[] = {
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "extra CA bundle", "F" },
    { "no-system-ca", 0, 0, G_OPTION_ARG_NONE, &no_system_ca, "do not trust the system store", NULL },
    { "proxy", 0, 0, G_OPTION_ARG_STRING, &proxy, "proxy URL (\"\" = none)", "URL" },
    { "connect-timeout", 0, 0, G_OPTION_ARG_INT, &connect_timeout, "connect timeout", "MS" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "total timeout per request", "MS" },
    { "max-size", 0, 0, G_OPTION_ARG_INT64, &max_size, "response body cap", "N" },
    { "widen-trust", 0, 0, G_OPTION_ARG_NONE, &widen_trust, "CA file and system store next to a CA from --trust",
      NULL },
    { "trust", 0, 0, G_OPTION_ARG_FILENAME, &trust_file, "trustedPublicKeyDataTls (PEM or DER)", "F" },
    { "path", 0, 0, G_OPTION_ARG_STRING, &path, "request path", "P" },
    { "content-type", 0, 0, G_OPTION_ARG_STRING, &content_type, "request Content-Type", "T" },
    { "header", 0, 0, G_OPTION_ARG_STRING_ARRAY, &headers, "extra header", "H" },
    { "body-hex", 0, 0, G_OPTION_ARG_STRING, &body_hex, "request body", "HEX" },
    { "requests", 0, 0, G_OPTION_ARG_INT, &requests, "requests per exchange", "N" },
    { "exchanges", 0, 0, G_OPTION_ARG_INT, &exchanges, "exchanges", "N" },
    { "tls-backend", 0, 0, G_OPTION_ARG_NONE, &tls_backend, "print libcurl's TLS backend and exit", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("BASE_URL");
  g_autoptr (GError) error = NULL;
  g_autoptr (HttpsClient) client = NULL;
  g_autoptr (HttpsTrust) trust = NULL;
  g_autoptr (GBytes) body = NULL;
  HttpsClientOptions options;
  HttpsStats stats;
  gboolean all_ok = TRUE;

  g_option_context_add_main_entries (context, entries, NULL);
  if (g_option_context_parse (context, &argc, &argv, &error) && tls_backend)
    {
      const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);

      printf ("%s\n", info->ssl_version != NULL ? info->ssl_version : "none");
      return 0;
    }
  if (error != NULL || argc != 2)
    {
      fprintf (stderr, "usage: %s [options] BASE_URL%s%s\n", g_get_prgname (), error != NULL ? ": " : "",
               error != NULL ? error->message : "");
      return 2;
    }

  if (body_hex != NULL)
    {
      gsize len = strlen (body_hex);
      GByteArray *array = g_byte_array_new ();

      if (len % 2 != 0)
        {
          fprintf (stderr, "--body-hex: odd number of digits\n");
          return 2;
        }
      for (gsize i = 0; i < len; i += 2)
        {
          gint hi = g_ascii_xdigit_value (body_hex[i]), lo = g_ascii_xdigit_value (body_hex[i + 1]);
          guint8 byte;

          if (hi < 0 || lo < 0)
            {
              fprintf (stderr, "--body-hex: not hex\n");
              g_byte_array_unref (array);
              return 2;
            }
          byte = (guint8) (hi << 4 | lo);
          g_byte_array_append (array, &byte, 1);
        }
      body = g_byte_array_free_to_bytes (array);
    }

  if (trust_file != NULL)
    {
      trust = https_trust_new_from_file (trust_file, &error);
      if (trust == NULL)
        {
          printf ("error exchange=0 request=0 code=%s elapsed-ms=0 message=%s\n", code_name (error), error->message);
          return 1;
        }
    }

  https_client_options_init (&options);
  options.ca_file = ca_file;
  options.use_system_ca = !no_system_ca;
  options.widen_euicc_trust = widen_trust;
  options.proxy = proxy;
  options.connect_timeout_ms = (guint) MAX (connect_timeout, 0);
  options.total_timeout_ms = (guint) MAX (timeout, 0);
  options.max_response_size = (gsize) MAX (max_size, 0);
  client = https_client_new (&options, &error);
  if (client == NULL)
    {
      printf ("error exchange=0 request=0 code=%s elapsed-ms=0 message=%s\n", code_name (error), error->message);
      return 1;
    }

  for (gint e = 1; e <= exchanges; e++)
    {
      g_autoptr (HttpsExchange) exchange = https_exchange_begin (client, argv[1], trust, &error);
      g_autofree gchar *who = g_strdup_printf ("exchange=%d", e);

      if (exchange == NULL)
        {
          printf ("error exchange=%d request=0 code=%s elapsed-ms=0 message=%s\n", e, code_name (error),
                  error->message);
          return 1;
        }
      for (gint r = 1; r <= requests; r++)
        {
          g_autoptr (HttpsResponse) response = NULL;
          gint64 started = g_get_monotonic_time ();

          g_clear_error (&error);
          if (!https_exchange_post (exchange, path != NULL ? path : "/gsma/rsp2/asn1",
                                    content_type != NULL ? content_type : "application/x-gsma-rsp-asn1",
                                    (const gchar *const *) headers, body, &response, &error))
            {
              printf ("error exchange=%d request=%d code=%s elapsed-ms=%" G_GINT64_FORMAT " message=%s\n", e, r,
                      code_name (error), (g_get_monotonic_time () - started) / 1000, error->message);
              all_ok = FALSE;
              continue;
            }
          {
            g_autofree gchar *hex = hex_of (response->body, 64);
            printf ("response exchange=%d request=%d status=%u content-type=%s body-bytes=%" G_GSIZE_FORMAT
                    " retry-after=%" G_GINT64_FORMAT " body-hex=%s\n",
                    e, r, response->status, response->content_type != NULL ? response->content_type : "-",
                    g_bytes_get_size (response->body), response->retry_after_s, hex);
          }
        }
      https_exchange_get_stats (exchange, &stats);
      print_stats (who, &stats);
    }
  https_client_get_stats (client, &stats);
  print_stats ("client", &stats);
  return all_ok ? 0 : 1;
}
