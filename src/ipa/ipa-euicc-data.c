/* SPDX-License-Identifier: Apache-2.0 */
/* IpaEuiccData (SGP.32 3.5): the eIM names in a tagList what it wants to know; the IPA collects each item from
 * the eUICC or from itself and answers in one IpaEuiccDataResponse. The eUICC does not keep this answer, so it
 * is stored before it is sent. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-private.h"
#include "net/esipa-asn1.h"

/* The IpaEuiccData fields a tagList may name (SGP.32 v1.2). */
static const guint32 known_tags[] = {
  0xA0, 0x81, 0xA2, 0xBF20, 0xBF22, 0x83, 0x84, 0xA5, 0xA6, 0xA8, 0xA9,
};

static gboolean
tag_is_known (guint32 tag)
{
  for (gsize i = 0; i < G_N_ELEMENTS (known_tags); i++)
    if (known_tags[i] == tag)
      return TRUE;
  return FALSE;
}

typedef struct {
  Es10ConfiguredAddresses *addresses;
  Es10EuiccInfo1 *info1;
  Es10EuiccInfo2 *info2;
  Es10Certs *certs;
  Es10PendingNotificationList *notifications;
  Es10PendingNotificationList *package_results;
  GPtrArray *notification_blobs;
  GPtrArray *package_result_blobs;
} Collected;

static void
collected_clear (Collected *c)
{
  g_clear_pointer (&c->addresses, es10_configured_addresses_free);
  g_clear_pointer (&c->info1, es10_euicc_info1_free);
  g_clear_pointer (&c->info2, es10_euicc_info2_free);
  g_clear_pointer (&c->certs, es10_certs_free);
  g_clear_pointer (&c->notifications, es10_pending_notification_list_free);
  g_clear_pointer (&c->package_results, es10_pending_notification_list_free);
  g_clear_pointer (&c->notification_blobs, g_ptr_array_unref);
  g_clear_pointer (&c->package_result_blobs, g_ptr_array_unref);
}

/* Reads every item the request names. Returns FALSE with `ret_code` set when the request itself is at fault
 * (an IpaEuiccDataResponseError is then due), FALSE with `error` when the card failed. */
static gboolean
collect (IpaExchange *exchange, const EsipaIpaEuiccDataRequest *request, Collected *c, gint64 *ret_code,
         GError **error)
{
  IsdrSession *session;

  *ret_code = 0;
  for (guint i = 0; i < request->tags->len; i++)
    if (!tag_is_known (g_array_index (request->tags, guint32, i)))
      {
        g_message ("IpaEuiccData: tag %X is not an IpaEuiccData field", g_array_index (request->tags, guint32, i));
        *ret_code = ESIPA_IPA_EUICC_DATA_ERROR_INCORRECT_TAG_LIST;
        return FALSE;
      }

  session = ipa_exchange_session (exchange, error);
  if (session == NULL)
    return FALSE;

  if ((esipa_ipa_euicc_data_request_wants (request, 0x81) || esipa_ipa_euicc_data_request_wants (request, 0x83))
      && !es10_get_euicc_configured_addresses (session, &c->addresses, error))
    return FALSE;
  if (esipa_ipa_euicc_data_request_wants (request, 0xBF20) && !es10_get_euicc_info1 (session, &c->info1, error))
    return FALSE;
  if (esipa_ipa_euicc_data_request_wants (request, 0xBF22) && !es10_get_euicc_info2 (session, &c->info2, error))
    return FALSE;
  if (esipa_ipa_euicc_data_request_wants (request, 0xA5) || esipa_ipa_euicc_data_request_wants (request, 0xA6))
    {
      const guint8 *pkid = request->euicc_ci_pkid != NULL ? g_bytes_get_data (request->euicc_ci_pkid, NULL) : NULL;
      gsize pkid_length = request->euicc_ci_pkid != NULL ? g_bytes_get_size (request->euicc_ci_pkid) : 0;

      if (!es10_get_certs (session, pkid, pkid_length, &c->certs, error))
        return FALSE;
      if (c->certs->has_error)
        {
          *ret_code = c->certs->error_code == 1 ? ESIPA_IPA_EUICC_DATA_ERROR_CI_PKID_NOT_FOUND
                                                : ESIPA_IPA_EUICC_DATA_ERROR_UNDEFINED;
          return FALSE;
        }
    }
  if (esipa_ipa_euicc_data_request_wants (request, 0xA0))
    {
      Es10NotificationSearch all = { .kind = ES10_NOTIFICATION_SEARCH_ALL };
      const Es10NotificationSearch *search = request->has_notification_search ? &request->notification_search : &all;

      if (!es10_retrieve_notifications_list (session, search, &c->notifications, error))
        return FALSE;
      ipa_exchange_note_skipped (exchange, "notification", c->notifications->skipped);
      c->notification_blobs = g_ptr_array_new ();
      for (guint i = 0; !c->notifications->has_error && i < c->notifications->notifications->len; i++)
        {
          Es10PendingNotification *n = g_ptr_array_index (c->notifications->notifications, i);
          if (n->kind != ES10_PENDING_EUICC_PACKAGE_RESULT)
            g_ptr_array_add (c->notification_blobs, n->raw);
        }
    }
  if (esipa_ipa_euicc_data_request_wants (request, 0xA2))
    {
      Es10NotificationSearch search = { .kind = ES10_NOTIFICATION_SEARCH_EUICC_PACKAGE_RESULTS };

      if (!es10_retrieve_notifications_list (session, &search, &c->package_results, error))
        return FALSE;
      ipa_exchange_note_skipped (exchange, "notification", c->package_results->skipped);
      c->package_result_blobs = g_ptr_array_new ();
      for (guint i = 0; !c->package_results->has_error && i < c->package_results->notifications->len; i++)
        {
          Es10PendingNotification *n = g_ptr_array_index (c->package_results->notifications, i);
          if (n->kind != ES10_PENDING_EUICC_PACKAGE_RESULT)
            continue;
          if (request->has_package_result_search
              && (!n->has_seq_number || n->seq_number != request->package_result_seq_number))
            continue;
          g_ptr_array_add (c->package_result_blobs, n->raw);
        }
    }
  return TRUE;
}

static void
add_sequence_numbers (GArray *sent, const Es10PendingNotificationList *list)
{
  for (guint i = 0; list != NULL && !list->has_error && i < list->notifications->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (list->notifications, i);
      if (n->has_seq_number)
        g_array_append_val (sent, n->seq_number);
    }
}

gboolean
ipa_run_ipa_euicc_data (IpaExchange *exchange, const EsipaEimPackage *package, GError **error)
{
  const EsipaIpaEuiccDataRequest *request = package->ipa_euicc_data_request;
  g_autoptr(GBytes) response_tlv = NULL;
  g_autoptr(EsipaProvideResultResponse) response = NULL;
  g_autoptr(GError) card_error = NULL;
  g_autofree gchar *detail = NULL;
  EsipaEimPackageResult answer = { 0 };
  EsipaIpaEuiccData data = { 0 };
  Collected c = { 0 };
  g_autoptr(GArray) sent = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 code = 0;
  gboolean ok;

  ok = collect (exchange, request, &c, &code, &card_error);
  if (!ok && code == 0)
    {
      /* The card failed: the eIM gets an answer all the same, and the log says why. */
      g_warning ("IpaEuiccData: %s", card_error->message);
      code = ESIPA_IPA_EUICC_DATA_ERROR_UNDEFINED;
    }

  if (ok)
    {
      data.notifications = c.notification_blobs;
      data.default_smdp_address = esipa_ipa_euicc_data_request_wants (request, 0x81) && c.addresses != NULL
                                    ? c.addresses->default_dp_address : NULL;
      data.euicc_package_results = c.package_result_blobs;
      data.euicc_info1 = c.info1 != NULL ? c.info1->raw : NULL;
      data.euicc_info2 = c.info2 != NULL ? c.info2->raw : NULL;
      data.root_smds_address = esipa_ipa_euicc_data_request_wants (request, 0x83) && c.addresses != NULL
                                 ? c.addresses->root_ds_address : NULL;
      if (esipa_ipa_euicc_data_request_wants (request, 0x84) && exchange->eim->has_association_token)
        {
          data.has_association_token = TRUE;
          data.association_token = exchange->eim->association_token;
        }
      if (c.certs != NULL)
        {
          data.eum_certificate = esipa_ipa_euicc_data_request_wants (request, 0xA5) ? c.certs->eum_certificate : NULL;
          data.euicc_certificate = esipa_ipa_euicc_data_request_wants (request, 0xA6) ? c.certs->euicc_certificate
                                                                                       : NULL;
        }
      data.eim_transaction_id = request->eim_transaction_id;
      if (esipa_ipa_euicc_data_request_wants (request, 0xA8))
        {
          data.has_ipa_capabilities = TRUE;
          data.ipa_features = exchange->device != NULL ? exchange->device->ipa_features : 0;
          data.has_ipa_supported_protocols = TRUE;
          data.ipa_supported_protocols = exchange->device != NULL ? exchange->device->ipa_supported_protocols
                                                                  : ESIPA_IPA_PROTOCOL_RETRIEVE_HTTPS;
        }
      if (esipa_ipa_euicc_data_request_wants (request, 0xA9) && exchange->device != NULL)
        data.device_info = exchange->device->device_info;
      response_tlv = esipa_asn1_encode_ipa_euicc_data_response (&data, error);
      detail = g_strdup_printf ("%u items requested", request->tags->len);
      add_sequence_numbers (sent, c.notifications);
      add_sequence_numbers (sent, c.package_results);
    }
  else
    {
      response_tlv = esipa_asn1_encode_ipa_euicc_data_error (request->eim_transaction_id, code, error);
      detail = g_strdup_printf ("answered ipaEuiccDataResponseError %" G_GINT64_FORMAT, code);
    }
  if (response_tlv == NULL)
    {
      collected_clear (&c);
      return FALSE;
    }

  answer.eid = exchange->eid;
  answer.kind = ESIPA_RESULT_IPA_EUICC_DATA_RESPONSE;
  answer.ipa_euicc_data_response = response_tlv;
  if (!ipa_send_durable_result (exchange, &answer, request->eim_transaction_id, &response, error))
    {
      collected_clear (&c);
      return FALSE;
    }
  ipa_exchange_report (exchange, request->eim_transaction_id, "ipaEuiccData", ok ? "ok" : "error", detail);

  /* The eIM may acknowledge the notifications and results it was shown: those leave the eUICC. */
  ipa_remove_acknowledged (exchange, response, sent);
  collected_clear (&c);
  return TRUE;
}
