/* SPDX-License-Identifier: Apache-2.0 */
/* A profile download, card side with the server calls between (see ipa-download.h). */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-download.h"

typedef struct {
  gint64 code;
  const gchar *name;
} CodeName;

static const CodeName initiate_errors[] = {
  { 1, "invalidDpAddress" }, { 2, "euiccVersionNotSupportedByDp" }, { 3, "ciPKIdNotSupported" },
  { 50, "smdpAddressMismatch" }, { 51, "smdpOidMismatch" }, { 52, "invalidEimTransactionId" },
  { 127, "undefinedError" }, { 0, NULL }
};

static const CodeName authenticate_errors[] = {
  { 1, "eumCertificateInvalid" }, { 2, "eumCertificateExpired" }, { 3, "euiccCertificateInvalid" },
  { 4, "euiccCertificateExpired" }, { 5, "euiccSignatureInvalid" }, { 6, "matchingIdRefused" },
  { 7, "eidMismatch" }, { 8, "noEligibleProfile" }, { 9, "ciPKUnknown" }, { 10, "invalidTransactionId" },
  { 11, "insufficientMemory" }, { 50, "pprNotAllowed" }, { 56, "eventIdUnknown" }, { 127, "undefinedError" },
  { 0, NULL }
};

static const CodeName bpp_errors[] = {
  { 1, "euiccSignatureInvalid" }, { 2, "confirmationCodeMissing" }, { 3, "confirmationCodeRefused" },
  { 4, "confirmationCodeRetriesExceeded" }, { 5, "bppRebindingRefused" }, { 6, "downloadOrderExpired" },
  { 50, "metadataMismatch" }, { 95, "invalidTransactionId" }, { 127, "undefinedError" }, { 0, NULL }
};

static const gchar *
code_name (const CodeName *names, gint64 code)
{
  for (; names->name != NULL; names++)
    if (names->code == code)
      return names->name;
  return "unknown";
}

/* One download in progress. */
typedef struct {
  const IpaDownloadContext *context;
  const IpaDownloadOrder *order;
  GBytes *transaction_id;            /* from InitiateAuthentication; NULL before */
  gboolean journaled;
  gsize bpp_total;
} Download;

static void
step (Download *download, const gchar *name)
{
  g_debug ("download step %s", name);
  if (download->context->step != NULL)
    download->context->step (name, download->context->step_data);
}

static void
progress (Download *download, IpaDownloadPhase phase, gsize loaded)
{
  const IpaDownloadJournal *journal = download->context->journal;

  if (journal != NULL && journal->progress != NULL)
    journal->progress (phase, loaded, download->bpp_total, journal->user_data);
}

static void
on_segment (gsize loaded, gsize total, gpointer user_data)
{
  Download *download = user_data;

  download->bpp_total = total;
  progress (download, IPA_DOWNLOAD_PHASE_LOADING, loaded);
  if (loaded < total)
    step (download, "download-bpp-segment");
}

/* `contents` under `tag`, for fields the server gives without their own tag. */
static GBytes *
wrap (guint32 tag, GBytes *contents)
{
  g_auto(DerWriter) writer = { 0 };

  der_writer_init (&writer);
  der_write_bytes (&writer, tag, contents);
  return der_writer_finish (&writer);
}

static gboolean
journal_write (const IpaDownloadJournal *journal, const IpaDownloadOrder *order, GBytes *transaction_id,
               gboolean installed, GError **error)
{
  IpaDownloadRecord record = { .eim_id = (gchar *) order->eim_id, .server = (gchar *) order->smdp_address,
                               .transaction_id = transaction_id,
                               .eim_transaction_id = order->eim_transaction_id, .installed = installed,
                               .direct = order->direct };
  g_autoptr(GBytes) bytes = NULL;

  if (journal == NULL)
    return TRUE;
  bytes = ipa_download_record_encode (&record);
  return journal->save (journal->user_data, bytes, error);
}

static gboolean
journal_save (Download *download, GError **error)
{
  if (!journal_write (download->context->journal, download->order, download->transaction_id, FALSE, error))
    {
      g_prefix_error (error, "Recording the download session before AuthenticateServer: ");
      return FALSE;
    }
  download->journaled = TRUE;
  return TRUE;
}

static void
journal_remove (const IpaDownloadJournal *journal)
{
  g_autoptr(GError) local_error = NULL;

  if (journal != NULL && !journal->remove (journal->user_data, &local_error))
    g_warning ("Removing the download session record: %s; the next start cancels a session the eUICC no "
               "longer has, which is harmless", local_error->message);
}

/* ES10b.CancelSession on the eUICC, then CancelSession at the server with the eUICC's signed answer. Both are
 * tried; failures are logged. The record goes once the eUICC answered (a session it does not know is over). */
static gboolean
cancel_session (const IpaDownloadContext *context, GBytes *transaction_id, Es10CancelSessionReason reason,
                gboolean remove_record, gboolean *ret_card_lost)
{
  g_autoptr(Es10CancelSessionResponse) response = NULL;
  g_autoptr(GError) local_error = NULL;
  EsipaSessionRequest request = { 0 };

  if (ret_card_lost != NULL)
    *ret_card_lost = FALSE;
  response = es10_cancel_session (context->session, transaction_id, reason, &local_error);
  if (response == NULL)
    {
      g_warning ("ES10b.CancelSession: %s; the session is cancelled at the next start", local_error->message);
      if (ret_card_lost != NULL)
        *ret_card_lost = TRUE;
      return FALSE;
    }
  if (remove_record)
    journal_remove (context->journal);
  if (!response->ok)
    {
      g_message ("ES10b.CancelSession: the eUICC answered error %" G_GINT64_FORMAT " (no such session)",
                 response->error_code);
      return FALSE;
    }
  request.transaction_id = transaction_id;
  request.card_response = response->raw;
  if (!context->server->cancel_session (context->server->user_data, &request, &local_error))
    {
      g_warning ("CancelSession at %s: %s", context->server->name, local_error->message);
      return TRUE;
    }
  g_message ("Download session cancelled on the eUICC and at %s (reason %d)", context->server->name, reason);
  return TRUE;
}

/* Ends a failed download: cancels, and passes `error` on with what was done. Returns NULL, for the callers'
 * return. */
static gpointer
fail (Download *download, Es10CancelSessionReason reason, GError **error)
{
  gboolean card_lost = FALSE;

  if (download->transaction_id == NULL)
    return NULL;
  progress (download, IPA_DOWNLOAD_PHASE_CANCELLING, 0);
  step (download, "download-before-cancel");
  cancel_session (download->context, download->transaction_id, reason, download->journaled, &card_lost);
  if (card_lost && download->journaled)
    g_prefix_error (error, "(the session stays recorded for cancellation) ");
  return NULL;
}

/* A server call that failed: a time-out cancels with reason timeout, anything else undefinedReason. */
static Es10CancelSessionReason
reason_for (const GError *error)
{
  return g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_TIMEOUT) ? ES10_CANCEL_TIMEOUT
                                                                     : ES10_CANCEL_UNDEFINED_REASON;
}

static gboolean
same_transaction (Download *download, GBytes *answered, const gchar *function, GError **error)
{
  if (answered == NULL || g_bytes_equal (answered, download->transaction_id))
    return TRUE;
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: %s answered for another transactionId", function,
               download->context->server->name);
  return FALSE;
}

/* ccRequiredFlag of SmdpSigned2 (30 { 80 transactionId, 01 ccRequiredFlag, ... }). */
static gboolean
cc_required (GBytes *smdp_signed2, gboolean *ret_required, GError **error)
{
  DerTlv signed2, flag;

  if (!der_parse_expect (g_bytes_get_data (smdp_signed2, NULL), g_bytes_get_size (smdp_signed2), 0x30, &signed2,
                         error)
      || !der_find_child (&signed2, 0x01, &flag, error) || !der_tlv_get_bool (&flag, ret_required, error))
    {
      g_prefix_error (error, "smdpSigned2: ");
      return FALSE;
    }
  return TRUE;
}

/* SHA-256(SHA-256(confirmation code) || transactionId), SGP.22 3.1.3.1. */
static GBytes *
hash_confirmation_code (const gchar *code, GBytes *transaction_id)
{
  g_autoptr(GChecksum) inner = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GChecksum) outer = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  g_checksum_update (inner, (const guchar *) code, strlen (code));
  g_checksum_get_digest (inner, digest, &length);
  g_checksum_update (outer, digest, length);
  g_checksum_update (outer, g_bytes_get_data (transaction_id, NULL), g_bytes_get_size (transaction_id));
  length = sizeof digest;
  g_checksum_get_digest (outer, digest, &length);
  return g_bytes_new (digest, length);
}

/* EUICCInfo1, challenge, InitiateAuthentication, AuthenticateServer, AuthenticateClient. */
static EsipaAuthenticateClientResponse *
authenticate (Download *download, GError **error)
{
  const IpaDownloadContext *context = download->context;
  const IpaDownloadServer *server = context->server;
  g_autoptr(Es10EuiccInfo1) info1 = NULL;
  g_autoptr(GBytes) challenge = NULL;
  g_autoptr(EsipaInitiateAuthenticationResponse) initiated = NULL;
  g_autoptr(GBytes) ctx_params1 = NULL;
  g_autoptr(GBytes) signature1 = NULL;
  g_autoptr(GBytes) pkid = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(Es10DownloadResponse) authenticated = NULL;
  g_autoptr(EsipaAuthenticateClientResponse) answer = NULL;
  g_autoptr(GError) local_error = NULL;
  EsipaInitiateAuthenticationRequest initiate = { 0 };
  EsipaSessionRequest session_request = { 0 };
  const gchar *matching_id;

  progress (download, IPA_DOWNLOAD_PHASE_AUTHENTICATING, 0);
  if (!es10_get_euicc_info1 (context->session, &info1, error) || !es10_get_euicc_challenge (context->session,
                                                                                            &challenge, error))
    return NULL;
  if (g_bytes_get_size (challenge) != sizeof initiate.euicc_challenge)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "GetEUICCChallenge: %zu bytes, expected 16",
                   g_bytes_get_size (challenge));
      return NULL;
    }
  memcpy (initiate.euicc_challenge, g_bytes_get_data (challenge, NULL), sizeof initiate.euicc_challenge);
  initiate.smdp_address = download->order->smdp_address;
  initiate.euicc_info1 = info1->raw;
  initiate.eim_transaction_id = download->order->eim_transaction_id;
  step (download, "download-before-initiate");
  if (!server->initiate_authentication (server->user_data, &initiate, &initiated, error))
    return NULL;
  if (initiated->has_error)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "InitiateAuthentication: %s answered %s (%"
                   G_GINT64_FORMAT ")", server->name, code_name (initiate_errors, initiated->error_code),
                   initiated->error_code);
      return NULL;
    }
  if (initiated->transaction_id == NULL || initiated->server_signed1 == NULL || initiated->server_signature1 == NULL
      || initiated->euicc_ci_pkid_to_be_used == NULL || initiated->server_certificate == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "InitiateAuthentication: %s left out a field the "
                   "eUICC needs", server->name);
      return NULL;
    }
  download->transaction_id = g_bytes_ref (initiated->transaction_id);

  /* From here on the server holds a session: every failure cancels it. */
  if (initiated->ctx_params1 != NULL)
    ctx_params1 = g_bytes_ref (initiated->ctx_params1);
  else
    {
      matching_id = initiated->matching_id != NULL ? initiated->matching_id : download->order->matching_id;
      ctx_params1 = es10_ctx_params1_encode (matching_id, context->device_info);
    }
  signature1 = wrap (0x5F37, initiated->server_signature1);
  pkid = wrap (0x04, initiated->euicc_ci_pkid_to_be_used);
  request = es10_authenticate_server_encode (initiated->server_signed1, signature1, pkid, initiated->server_certificate,
                                             ctx_params1, &local_error);
  if (request == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "InitiateAuthentication answer of %s: ",
                                  server->name);
      return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);
    }
  if (!journal_save (download, error))
    return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);
  step (download, "download-before-authenticate-server");
  authenticated = es10_authenticate_server (context->session, request, error);
  if (authenticated == NULL)
    return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);

  /* An error the eUICC answered goes to the server too: it ends the session there. */
  session_request.transaction_id = download->transaction_id;
  session_request.card_response = authenticated->raw;
  step (download, "download-before-authenticate-client");
  if (!server->authenticate_client (server->user_data, &session_request, &answer, &local_error))
    {
      Es10CancelSessionReason reason = reason_for (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return fail (download, reason, error);
    }
  if (!authenticated->ok)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "AuthenticateServer: the eUICC refused %s with "
                   "authenticateErrorCode %" G_GINT64_FORMAT, server->name, authenticated->error_code);
      return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);
    }
  if (answer->kind == ESIPA_AUTHENTICATE_CLIENT_ERROR)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "AuthenticateClient: %s answered %s (%"
                   G_GINT64_FORMAT ")", server->name, code_name (authenticate_errors, answer->error_code),
                   answer->error_code);
      return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);
    }
  if (!same_transaction (download, answer->transaction_id, "AuthenticateClient", error))
    return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);
  return g_steal_pointer (&answer);
}

/* PrepareDownload, GetBoundProfilePackage; returns the BPP. */
static GBytes *
prepare (Download *download, const EsipaAuthenticateClientResponse *authenticated, GError **error)
{
  const IpaDownloadContext *context = download->context;
  const IpaDownloadServer *server = context->server;
  g_autoptr(GBytes) signature2 = NULL;
  g_autoptr(GBytes) hash_cc = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(Es10DownloadResponse) prepared = NULL;
  g_autoptr(EsipaGetBoundProfilePackageResponse) answer = NULL;
  g_autoptr(GError) local_error = NULL;
  EsipaSessionRequest session_request = { 0 };
  gboolean required = FALSE;

  progress (download, IPA_DOWNLOAD_PHASE_PREPARING, 0);
  if (authenticated->smdp_signed2 == NULL || authenticated->smdp_signature2 == NULL
      || authenticated->smdp_certificate == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "AuthenticateClient: %s left out a field the eUICC "
                   "needs", server->name);
      return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);
    }
  if (authenticated->hash_cc != NULL)
    hash_cc = g_bytes_ref (authenticated->hash_cc);
  else
    {
      if (!cc_required (authenticated->smdp_signed2, &required, error))
        return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);
      if (required && download->order->confirmation_code == NULL)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "The SM-DP+ requires a confirmation code "
                       "and none was given");
          return fail (download, ES10_CANCEL_POSTPONED, error);
        }
      if (required)
        hash_cc = hash_confirmation_code (download->order->confirmation_code, download->transaction_id);
    }
  signature2 = wrap (0x5F37, authenticated->smdp_signature2);
  request = es10_prepare_download_encode (authenticated->smdp_signed2, signature2, hash_cc,
                                          authenticated->smdp_certificate, &local_error);
  if (request == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "AuthenticateClient answer of %s: ",
                                  server->name);
      return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);
    }
  step (download, "download-before-prepare");
  prepared = es10_prepare_download (context->session, request, error);
  if (prepared == NULL)
    return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);

  session_request.transaction_id = download->transaction_id;
  session_request.card_response = prepared->raw;
  step (download, "download-before-get-bpp");
  if (!server->get_bound_profile_package (server->user_data, &session_request, &answer, &local_error))
    {
      Es10CancelSessionReason reason = reason_for (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return fail (download, reason, error);
    }
  if (!prepared->ok)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "PrepareDownload: the eUICC answered "
                   "downloadErrorCode %" G_GINT64_FORMAT, prepared->error_code);
      return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);
    }
  if (answer->has_error || answer->bound_profile_package == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "GetBoundProfilePackage: %s answered %s (%"
                   G_GINT64_FORMAT ")", server->name, code_name (bpp_errors, answer->error_code),
                   answer->error_code);
      return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);
    }
  if (!same_transaction (download, answer->transaction_id, "GetBoundProfilePackage", error))
    return fail (download, ES10_CANCEL_UNDEFINED_REASON, error);
  return g_bytes_ref (answer->bound_profile_package);
}

gboolean
ipa_download_run (const IpaDownloadContext *context, const IpaDownloadOrder *order,
                  Es10ProfileInstallationResult **ret_result, GError **error)
{
  Download download = { .context = context, .order = order };
  g_autoptr(EsipaAuthenticateClientResponse) authenticated = NULL;
  g_autoptr(GBytes) bpp = NULL;
  g_autoptr(GPtrArray) segments = NULL;
  g_autoptr(Es10ProfileInstallationResult) result = NULL;
  gboolean ok = FALSE;

  *ret_result = NULL;
  authenticated = authenticate (&download, error);
  if (authenticated != NULL)
    bpp = prepare (&download, authenticated, error);
  if (bpp != NULL)
    {
      /* A package the eUICC would refuse halfway is refused before its first segment. */
      segments = es10_bound_profile_package_segments (bpp, error);
      if (segments == NULL)
        {
          g_prefix_error (error, "BoundProfilePackage from %s: ", context->server->name);
          fail (&download, ES10_CANCEL_LOAD_BPP_EXECUTION_ERROR, error);
        }
    }
  if (segments != NULL)
    {
      download.bpp_total = g_bytes_get_size (bpp);
      progress (&download, IPA_DOWNLOAD_PHASE_LOADING, 0);
      step (&download, "download-before-bpp");
      result = es10_load_bound_profile_package (context->session, bpp, on_segment, &download, error);
      if (result == NULL)
        fail (&download, ES10_CANCEL_LOAD_BPP_EXECUTION_ERROR, error);
      else
        {
          /* The eUICC ended the session itself with its result; the record stays until the caller stored
           * the result (ipa_download_journal_done()). */
          step (&download, "download-after-bpp");
          ok = TRUE;
        }
    }
  g_clear_pointer (&download.transaction_id, g_bytes_unref);
  if (ok)
    *ret_result = g_steal_pointer (&result);
  return ok;
}

gchar *
ipa_download_discover (const IpaDownloadContext *context, const IpaDownloadOrder *order, GError **error)
{
  Download download = { .context = context, .order = order };
  g_autoptr(EsipaAuthenticateClientResponse) answer = NULL;
  gchar *activation_code = NULL;

  answer = authenticate (&download, error);
  if (answer != NULL && answer->kind != ESIPA_AUTHENTICATE_CLIENT_OK_DS)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "AuthenticateClient: %s answered as an SM-DP+, not "
                   "as an SM-DS", context->server->name);
      fail (&download, ES10_CANCEL_UNDEFINED_REASON, error);
    }
  else if (answer != NULL)
    {
      /* The SM-DS session ends with its answer; the eUICC's ends at the next AuthenticateServer. */
      if (download.journaled)
        journal_remove (context->journal);
      if (answer->download_trigger == NULL || answer->download_trigger->kind != ESIPA_DOWNLOAD_DATA_ACTIVATION_CODE)
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "%s holds no event for this eUICC",
                     context->server->name);
      else
        activation_code = g_strdup (answer->download_trigger->activation_code);
    }
  g_clear_pointer (&download.transaction_id, g_bytes_unref);
  return activation_code;
}

gboolean
ipa_download_immediate_enable (const IpaDownloadContext *context)
{
  g_autoptr(GError) local_error = NULL;
  gint64 result = 0;

  if (context->step != NULL)
    context->step ("download-before-immediate-enable", context->step_data);
  if (!es10_immediate_enable (context->session, TRUE, &result, &local_error))
    {
      g_warning ("ImmediateEnable after the installation: %s; the new profile stays disabled", local_error->message);
      return FALSE;
    }
  if (result == ES10_IMMEDIATE_ENABLE_NOT_AVAILABLE)
    {
      g_debug ("ImmediateEnable: the eUICC is not configured for it; the new profile stays disabled");
      return FALSE;
    }
  if (result != ES10_IMMEDIATE_ENABLE_OK)
    {
      g_warning ("ImmediateEnable after the installation: the eUICC answered %" G_GINT64_FORMAT
                 "; the new profile stays disabled", result);
      return FALSE;
    }
  g_message ("The new profile was enabled at once (ImmediateEnable): the eUICC is configured for it");
  return TRUE;
}

gboolean
ipa_download_journal_installed (const IpaDownloadContext *context, const IpaDownloadOrder *order,
                                const Es10ProfileInstallationResult *result, GError **error)
{
  if (result->transaction_id == NULL)
    return TRUE;
  if (!journal_write (context->journal, order, result->transaction_id, TRUE, error))
    {
      g_prefix_error (error, "Recording the stored download result: ");
      return FALSE;
    }
  return TRUE;
}

void
ipa_download_journal_done (const IpaDownloadContext *context)
{
  journal_remove (context->journal);
}

void
ipa_download_deliver_notification (const IpaDownloadContext *context, const Es10ProfileInstallationResult *result)
{
  g_autoptr(GError) local_error = NULL;
  gint64 status = 0;

  if (context->step != NULL)
    context->step ("download-before-notification", context->step_data);
  if (!context->server->handle_notification (context->server->user_data, result->raw, &local_error))
    {
      g_warning ("Install notification to %s: %s; it stays on the eUICC", context->server->name,
                 local_error->message);
      return;
    }
  if (!result->has_seq_number)
    return;
  if (!es10_remove_notification_from_list (context->session, result->seq_number, &status, &local_error))
    g_warning ("RemoveNotificationFromList %" G_GINT64_FORMAT ": %s", result->seq_number, local_error->message);
  else if (status != ES10_REMOVE_NOTIFICATION_OK)
    g_warning ("RemoveNotificationFromList %" G_GINT64_FORMAT ": eUICC answered %" G_GINT64_FORMAT,
               result->seq_number, status);
}

/* The install result the eUICC keeps for `transaction_id`, when the crash came after the last segment. */
static Es10ProfileInstallationResult *
find_install_result (IsdrSession *session, GBytes *transaction_id)
{
  RspNotificationSearch search = { .kind = RSP_NOTIFICATION_SEARCH_ALL };
  g_autoptr(Es10PendingNotificationList) list = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!es10_retrieve_notifications_list (session, &search, &list, &local_error))
    {
      g_warning ("Looking for the result of the interrupted download: %s", local_error->message);
      return NULL;
    }
  for (guint i = 0; !list->has_error && i < list->notifications->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (list->notifications, i);
      const guint8 *data;
      gsize length;

      if (n->transaction_id == NULL || !g_bytes_equal (n->transaction_id, transaction_id) || n->raw == NULL)
        continue;
      data = g_bytes_get_data (n->raw, &length);
      if (length > 2 && data[0] == 0xBF && data[1] == 0x37)
        return es10_profile_installation_result_decode (data, length, NULL);
    }
  return NULL;
}

gboolean
ipa_download_recover (const IpaDownloadContext *context, const IpaDownloadRecord *record,
                      Es10ProfileInstallationResult **ret_result, GError **error)
{
  g_autoptr(Es10CancelSessionResponse) response = NULL;
  g_autoptr(GError) local_error = NULL;
  EsipaSessionRequest request = { 0 };

  *ret_result = NULL;
  if (record->installed)
    {
      *ret_result = find_install_result (context->session, record->transaction_id);
      return TRUE;
    }
  response = es10_cancel_session (context->session, record->transaction_id, ES10_CANCEL_UNDEFINED_REASON, error);
  if (response == NULL)
    {
      g_prefix_error (error, "Cancelling the download session a restart cut short: ");
      return FALSE;
    }
  if (!response->ok)
    {
      /* No session: it ended before AuthenticateServer, or with the eUICC's result. */
      *ret_result = find_install_result (context->session, record->transaction_id);
      g_message ("Interrupted download: the eUICC holds no session for it (%" G_GINT64_FORMAT "); %s",
                 response->error_code, *ret_result != NULL ? "its installation result is there"
                                                          : "no installation result either");
      return TRUE;
    }
  request.transaction_id = record->transaction_id;
  request.card_response = response->raw;
  if (!context->server->cancel_session (context->server->user_data, &request, &local_error))
    g_warning ("Interrupted download cancelled on the eUICC; CancelSession at %s failed: %s", context->server->name,
               local_error->message);
  else
    g_message ("Interrupted download cancelled on the eUICC and at %s", context->server->name);
  return TRUE;
}
