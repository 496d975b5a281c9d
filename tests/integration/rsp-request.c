/* SPDX-License-Identifier: Apache-2.0 */
/* Drives the ES9+ and ES11 clients (src/net/rsp-client.c, es9plus-client.c, es11-client.c, smdp-trust.c) against
 * the test SM-DP+ / SM-DS, with the software eUICC answering the ES10b steps in between, so that every message
 * is a real one. One RspClient per run: one connection for the whole conversation.
 *
 *   rsp-request --role smdp|smds --address HOST:PORT --ci PATH --card STATE [--pkid HEX]... [--matching-id ID]
 *               [--until initiate|authenticate|bpp|all] [--cancel] [--address-sent A]
 *
 *   --card STATE   the software eUICC's state file (tests/integration/softcard-es10.py runs it)
 *   --pkid HEX     the CI PKIds the trust is chosen by, instead of the card's euiccCiPKIdListForVerification
 *   --until        stop after that step (all: load the package on the card and send its result back)
 *   --cancel       when stopping early, cancel the session on the card and at the SM-DP+
 *   --address-sent the smdpAddress put in initiateAuthentication (default: --address)
 *
 * Output lines (key=value): "trust ...", "ok function=F ...", "event index=I id=ID address=A",
 * "error step=S code=CODE status=ST subject=SC reason=RC message=M",
 * "stats connections=N requests=N failures=N sent=BYTES received=BYTES" (HTTP headers and bodies).
 * Exit status 0 when every step worked, 1 when one failed, 2 for bad usage. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib.h>

#include "card/es10-download.h"
#include "card/es10-info.h"
#include "der/der.h"
#include "euiccd-error.h"
#include "net/es11-client.h"
#include "net/es9plus-client.h"
#include "net/smdp-trust.h"

typedef struct {
  GSubprocess *process;
  GOutputStream *in;
  GDataInputStream *out;
} Card;

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

static int
report (const gchar *step, RspClient *client, const GError *error)
{
  const RspStatus *status = client != NULL ? rsp_client_get_status (client) : NULL;

  printf ("error step=%s code=%s status=%s subject=%s reason=%s message=%s\n", step, code_name (error),
          status != NULL ? rsp_status_kind_to_string (status->kind) : "-",
          status != NULL && status->subject_code[0] != '\0' ? status->subject_code : "-",
          status != NULL && status->reason_code[0] != '\0' ? status->reason_code : "-", error->message);
  return 1;
}

/* One ES10 command to the software eUICC, its answer back. */
static GBytes *
card_transmit (Card *card, GBytes *command, GError **error)
{
  g_autofree gchar *hex = der_to_hex (g_bytes_get_data (command, NULL), g_bytes_get_size (command));
  g_autofree gchar *line = g_strconcat (hex, "\n", NULL);
  g_autofree gchar *answer = NULL;

  if (!g_output_stream_write_all (card->in, line, strlen (line), NULL, NULL, error) ||
      !g_output_stream_flush (card->in, NULL, error))
    return NULL;
  answer = g_data_input_stream_read_line (card->out, NULL, NULL, error);
  if (answer == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "the software eUICC ended");
      return NULL;
    }
  if (g_str_has_prefix (answer, "ERR"))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "card: %s", answer);
      return NULL;
    }
  if (answer[0] == '\0')
    return g_bytes_new (NULL, 0);
  return der_from_hex (answer, error);
}

static gboolean
card_start (Card *card, const gchar *state, GError **error)
{
  const gchar *python = g_getenv ("PYTHON3") != NULL ? g_getenv ("PYTHON3") : "/usr/bin/python3";
  const gchar *top = g_getenv ("top_srcdir") != NULL ? g_getenv ("top_srcdir") : ".";
  g_autofree gchar *script = g_build_filename (top, "tests", "integration", "softcard-es10.py", NULL);

  card->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, error, python,
                                    script, state, NULL);
  if (card->process == NULL)
    return FALSE;
  card->in = g_subprocess_get_stdin_pipe (card->process);
  card->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (card->process));
  return TRUE;
}

static void
card_stop (Card *card)
{
  if (card->process == NULL)
    return;
  g_output_stream_close (card->in, NULL, NULL);
  g_subprocess_wait (card->process, NULL, NULL);
  g_clear_object (&card->out);
  g_clear_object (&card->process);
}

static GBytes *
card_call (Card *card, GBytes *command, const gchar *what, RspClient *client, int *rc)
{
  g_autoptr(GError) error = NULL;
  GBytes *answer = card_transmit (card, command, &error);

  if (answer == NULL)
    *rc = report (what, client, error);
  return answer;
}

static void
print_stats (RspClient *client)
{
  HttpsStats stats;

  rsp_client_get_stats (client, &stats);
  printf ("stats connections=%" G_GUINT64_FORMAT " requests=%" G_GUINT64_FORMAT " failures=%" G_GUINT64_FORMAT
          " sent=%" G_GUINT64_FORMAT " received=%" G_GUINT64_FORMAT "\n",
          stats.connections, stats.requests, stats.failures, stats.bytes_sent, stats.bytes_received);
}

/* ES10b.CancelSession on the card, then ES9+ cancelSession with its answer. */
static int
cancel (Card *card, RspClient *client, GBytes *transaction_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) command = es10_cancel_session_encode (transaction_id, ES10_CANCEL_END_USER_REJECTION, &error);
  g_autoptr(GBytes) answer = NULL;
  RspSessionRequest request = { 0 };
  int rc = 0;

  if (command == NULL)
    return report ("CancelSession", client, error);
  answer = card_call (card, command, "CancelSession", client, &rc);
  if (answer == NULL)
    return rc;
  request.transaction_id = transaction_id;
  request.card_response = answer;
  if (!es9plus_cancel_session (client, &request, &error))
    return report ("cancelSession", client, error);
  printf ("ok function=cancelSession\n");
  return 0;
}

/* Filled by GOption (freed at the end); NULL role is smdp, NULL until is all. */
typedef struct {
  gchar *role;
  gchar *address;
  gchar *address_sent;
  gchar *ci;
  gchar *card_state;
  gchar **pkids;
  gchar *matching_id;
  gchar *until;
  gboolean cancel;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->role);
  g_free (options->address);
  g_free (options->address_sent);
  g_free (options->ci);
  g_free (options->card_state);
  g_strfreev (options->pkids);
  g_free (options->matching_id);
  g_free (options->until);
}

static int
run (const Options *options, Card *card)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HttpsClient) https = NULL;
  g_autoptr(SmdpTrustStore) store = NULL;
  g_autoptr(HttpsTrust) trust = NULL;
  g_autoptr(RspClient) client = NULL;
  g_autoptr(GBytes) info1_raw = NULL;
  g_autoptr(GBytes) challenge = NULL;
  g_autoptr(Es10EuiccInfo1) info1 = NULL;
  g_autoptr(GPtrArray) pkids = NULL;
  g_autoptr(GBytes) command = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(RspInitiateAuthenticationResponse) initiated = NULL;
  g_autoptr(GBytes) ctx = NULL;
  g_autoptr(GBytes) device_info = NULL;
  RspInitiateAuthenticationRequest initiate;
  RspSessionRequest session = { 0 };
  gboolean smds = g_strcmp0 (options->role, "smds") == 0;
  HttpsClientOptions https_options;
  int rc = 0;

  https_client_options_init (&https_options);
  https_options.connect_timeout_ms = 5000;
  https_options.total_timeout_ms = 20000;
  https = https_client_new (&https_options, &error);
  if (https == NULL)
    return report ("client", NULL, error);

  g_clear_pointer (&command, g_bytes_unref);
  command = es10_get_euicc_info1_encode ();
  info1_raw = card_call (card, command, "GetEUICCInfo1", NULL, &rc);
  if (info1_raw == NULL)
    return rc;
  info1 = es10_get_euicc_info1_decode (g_bytes_get_data (info1_raw, NULL), g_bytes_get_size (info1_raw), &error);
  if (info1 == NULL)
    return report ("GetEUICCInfo1", NULL, error);
  g_clear_pointer (&command, g_bytes_unref);
  command = es10_get_euicc_challenge_encode ();
  answer = card_call (card, command, "GetEUICCChallenge", NULL, &rc);
  if (answer == NULL)
    return rc;
  challenge = es10_get_euicc_challenge_decode (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), &error);
  if (challenge == NULL)
    return report ("GetEUICCChallenge", NULL, error);

  /* The trust: the configured CI certificates the eUICC (or --pkid) names. */
  if (options->pkids != NULL)
    {
      pkids = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      for (gsize i = 0; options->pkids[i] != NULL; i++)
        {
          GBytes *pkid = der_from_hex (options->pkids[i], &error);

          if (pkid == NULL)
            return report ("pkid", NULL, error);
          g_ptr_array_add (pkids, pkid);
        }
    }
  else
    pkids = g_ptr_array_ref (info1->ci_pkids_verification);
  store = smdp_trust_store_load (options->ci, &error);
  if (store == NULL)
    return report ("trust", NULL, error);
  trust = smdp_trust_store_select (store, pkids, &error);
  if (trust == NULL)
    return report ("trust", NULL, error);
  {
    g_autofree gchar *described = https_trust_describe (trust);

    printf ("trust %s\n", described);
  }

  client = rsp_client_begin (https, smds ? RSP_SERVER_SMDS : RSP_SERVER_SMDP, options->address, trust, &error);
  if (client == NULL)
    return report ("begin", NULL, error);

  memset (&initiate, 0, sizeof initiate);
  memcpy (initiate.euicc_challenge, g_bytes_get_data (challenge, NULL), sizeof initiate.euicc_challenge);
  initiate.euicc_info1 = info1_raw;
  initiate.server_address = options->address_sent != NULL ? options->address_sent : options->address;
  if (!(smds ? es11_initiate_authentication : es9plus_initiate_authentication) (client, &initiate, &initiated,
                                                                                &error))
    {
      rc = report ("initiateAuthentication", client, error);
      print_stats (client);
      return rc;
    }
  {
    g_autofree gchar *txid = der_to_hex (g_bytes_get_data (initiated->transaction_id, NULL),
                                         g_bytes_get_size (initiated->transaction_id));
    g_autofree gchar *pkid = der_to_hex (g_bytes_get_data (initiated->euicc_ci_pkid_to_be_used, NULL),
                                         g_bytes_get_size (initiated->euicc_ci_pkid_to_be_used));

    printf ("ok function=initiateAuthentication txid=%s pkid=%s certificate-bytes=%zu\n", txid, pkid,
            g_bytes_get_size (initiated->server_certificate));
  }
  session.transaction_id = initiated->transaction_id;
  if (g_strcmp0 (options->until, "initiate") == 0)
    {
      print_stats (client);
      return 0;
    }

  /* ES10b.AuthenticateServer: deviceInfo {tac 35290611, deviceCapabilities {}} */
  device_info = der_from_hex ("800435290611A100", NULL);
  ctx = es10_ctx_params1_encode (smds ? NULL : options->matching_id, device_info);
  g_clear_pointer (&command, g_bytes_unref);
  command = es10_authenticate_server_encode (initiated->server_signed1, initiated->server_signature1,
                                             initiated->euicc_ci_pkid_to_be_used, initiated->server_certificate, ctx,
                                             &error);
  if (command == NULL)
    return report ("AuthenticateServer", client, error);
  g_clear_pointer (&answer, g_bytes_unref);
  answer = card_call (card, command, "AuthenticateServer", client, &rc);
  if (answer == NULL)
    return rc;
  session.card_response = answer;

  if (smds)
    {
      g_autoptr(Es11AuthenticateClientResponse) events = NULL;

      if (!es11_authenticate_client (client, &session, &events, &error))
        rc = report ("authenticateClient", client, error);
      else
        {
          printf ("ok function=authenticateClient events=%u skipped=%u\n", events->events->len, events->skipped);
          for (guint i = 0; i < events->events->len; i++)
            {
              Es11EventEntry *entry = g_ptr_array_index (events->events, i);

              printf ("event index=%u id=%s address=%s\n", i, entry->event_id, entry->rsp_server_address);
            }
        }
      print_stats (client);
      return rc;
    }

  {
    g_autoptr(Es9AuthenticateClientResponse) authenticated = NULL;
    g_autoptr(Es9GetBoundProfilePackageResponse) bpp = NULL;
    g_autoptr(Es10ProfileInstallationResult) result = NULL;
    g_autoptr(GPtrArray) segments = NULL;
    Es9HandleNotificationRequest notification = { 0 };

    if (!es9plus_authenticate_client (client, &session, &authenticated, &error))
      {
        rc = report ("authenticateClient", client, error);
        print_stats (client);
        return rc;
      }
    printf ("ok function=authenticateClient metadata-bytes=%zu\n", g_bytes_get_size (authenticated->profile_metadata));
    if (g_strcmp0 (options->until, "authenticate") == 0)
      {
        if (options->cancel)
          rc = cancel (card, client, initiated->transaction_id);
        print_stats (client);
        return rc;
      }

    g_clear_pointer (&command, g_bytes_unref);
    command = es10_prepare_download_encode (authenticated->smdp_signed2, authenticated->smdp_signature2, NULL,
                                            authenticated->smdp_certificate, &error);
    if (command == NULL)
      return report ("PrepareDownload", client, error);
    g_clear_pointer (&answer, g_bytes_unref);
    answer = card_call (card, command, "PrepareDownload", client, &rc);
    if (answer == NULL)
      return rc;
    session.card_response = answer;
    if (!es9plus_get_bound_profile_package (client, &session, &bpp, &error))
      {
        rc = report ("getBoundProfilePackage", client, error);
        print_stats (client);
        return rc;
      }
    printf ("ok function=getBoundProfilePackage bpp-bytes=%zu\n", g_bytes_get_size (bpp->bound_profile_package));
    if (g_strcmp0 (options->until, "bpp") == 0)
      {
        if (options->cancel)
          rc = cancel (card, client, initiated->transaction_id);
        print_stats (client);
        return rc;
      }

    /* ES10b.LoadBoundProfilePackage, segment by segment; the last answer is the result. */
    segments = es10_bound_profile_package_segments (bpp->bound_profile_package, &error);
    if (segments == NULL)
      return report ("LoadBoundProfilePackage", client, error);
    for (guint i = 0; i < segments->len && result == NULL; i++)
      {
        g_clear_pointer (&answer, g_bytes_unref);
        answer = card_call (card, g_ptr_array_index (segments, i), "LoadBoundProfilePackage", client, &rc);
        if (answer == NULL)
          return rc;
        if (g_bytes_get_size (answer) > 0)
          {
            result = es10_profile_installation_result_decode (g_bytes_get_data (answer, NULL),
                                                              g_bytes_get_size (answer), &error);
            if (result == NULL)
              return report ("LoadBoundProfilePackage", client, error);
          }
      }
    if (result == NULL)
      {
        g_set_error (&error, EUICCD_ERROR, EUICCD_ERROR_CARD, "no ProfileInstallationResult");
        return report ("LoadBoundProfilePackage", client, error);
      }
    printf ("ok function=load segments=%u result=%s\n", segments->len, result->success ? "success" : "error");
    notification.pending_notification = result->raw;
    if (!es9plus_handle_notification (client, &notification, &error))
      rc = report ("handleNotification", client, error);
    else
      printf ("ok function=handleNotification\n");
  }
  print_stats (client);
  return rc;
}

int
main (int argc, char **argv)
{
  Options options = { 0 };
  g_autoptr(GOptionContext) context = g_option_context_new ("- ES9+ / ES11 client against a test server");
  g_autoptr(GError) error = NULL;
  Card card = { 0 };
  int rc;
  GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &options.role, "smdp or smds", "ROLE" },
    { "address", 0, 0, G_OPTION_ARG_STRING, &options.address, "server address", "HOST:PORT" },
    { "address-sent", 0, 0, G_OPTION_ARG_STRING, &options.address_sent, "smdpAddress sent", "A" },
    { "ci", 0, 0, G_OPTION_ARG_STRING, &options.ci, "CI certificates (file or directory)", "PATH" },
    { "card", 0, 0, G_OPTION_ARG_STRING, &options.card_state, "software eUICC state file", "STATE" },
    { "pkid", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.pkids, "CI PKId to choose the trust by", "HEX" },
    { "matching-id", 0, 0, G_OPTION_ARG_STRING, &options.matching_id, "matchingId", "ID" },
    { "until", 0, 0, G_OPTION_ARG_STRING, &options.until, "initiate, authenticate, bpp or all", "STEP" },
    { "cancel", 0, 0, G_OPTION_ARG_NONE, &options.cancel, "cancel the session when stopping early", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || options.address == NULL || options.ci == NULL ||
      options.card_state == NULL)
    {
      fprintf (stderr, "usage: %s --address A --ci PATH --card STATE [...]%s%s\n", argv[0],
               error != NULL ? ": " : "", error != NULL ? error->message : "");
      options_clear (&options);
      return 2;
    }
  if (!card_start (&card, options.card_state, &error))
    {
      fprintf (stderr, "cannot start the software eUICC: %s\n", error->message);
      options_clear (&options);
      return 2;
    }
  if (options.role == NULL)
    options.role = g_strdup ("smdp");
  if (options.until == NULL)
    options.until = g_strdup ("all");
  rc = run (&options, &card);
  card_stop (&card);
  options_clear (&options);
  return rc;
}
