/* SPDX-License-Identifier: Apache-2.0 */
/* IpaEuiccData (SGP.32 3.5): the eIM names in a tagList what it wants to know; the IPA collects each item from
 * the eUICC or from itself and answers in one IpaEuiccDataResponse. Every item is read fresh from the eUICC, in
 * the order of the tagList; notifications and eUICC package results are the asking eIM's only. The eUICC does
 * not keep this answer, so it is stored before it is sent. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "ipa/ipa-context.h"
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
  gboolean has_association_token;
  gint64 association_token;
  gboolean read_addresses, read_certs, read_eim, read_notifications, read_package_results;
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
  g_clear_pointer (&c->notification_blobs, g_ptr_array_unref);
  g_clear_pointer (&c->package_result_blobs, g_ptr_array_unref);
}

static gboolean
notification_matches (const EsipaIpaEuiccDataRequest *request, const Es10PendingNotification *n)
{
  if (!request->has_notification_search)
    return TRUE;
  switch (request->notification_search.kind)
    {
    case RSP_NOTIFICATION_SEARCH_SEQ_NUMBER:
      return n->has_seq_number && n->seq_number == request->notification_search.seq_number;
    case RSP_NOTIFICATION_SEARCH_OPERATION:
      return (n->operation & request->notification_search.operation) != 0;
    default:
      return TRUE;
    }
}

/* notificationsList: the eUICC's profile notifications for the asking eIM, the search criteria applied here
 * to the whole list, so the list read also tells whose every other item is. */
static gboolean
collect_notifications (IpaExchange *exchange, const EsipaIpaEuiccDataRequest *request, Collected *c, GError **error)
{
  const Es10PendingNotificationList *list = ipa_read_list (exchange, FALSE, TRUE, error);

  if (list == NULL)
    return FALSE;
  ipa_exchange_note_skipped (exchange, "notification", list->skipped);
  c->notification_blobs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; !list->has_error && i < list->notifications->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (list->notifications, i);
      if (n->kind != ES10_PENDING_EUICC_PACKAGE_RESULT && ipa_item_is_ours (exchange, n)
          && notification_matches (request, n))
        /* In a ProvideEimPackageResult with its eidValue: no EID in the notification itself. */
        g_ptr_array_add (c->notification_blobs, ipa_notification_for_eim (exchange, n->raw, FALSE));
    }
  return TRUE;
}

/* euiccPackageResultList: the asking eIM's results only. */
static gboolean
collect_package_results (IpaExchange *exchange, const EsipaIpaEuiccDataRequest *request, Collected *c,
                         GError **error)
{
  const Es10PendingNotificationList *list = ipa_read_list (exchange, TRUE, TRUE, error);

  if (list == NULL)
    return FALSE;
  ipa_exchange_note_skipped (exchange, "notification", list->skipped);
  c->package_result_blobs = g_ptr_array_new ();
  for (guint i = 0; !list->has_error && i < list->notifications->len; i++)
    {
      const Es10PendingNotification *n = g_ptr_array_index (list->notifications, i);
      if (n->kind != ES10_PENDING_EUICC_PACKAGE_RESULT || !ipa_item_is_ours (exchange, n))
        continue;
      if (request->has_package_result_search
          && (!n->has_seq_number || n->seq_number != request->package_result_seq_number))
        continue;
      g_ptr_array_add (c->package_result_blobs, n->raw);
    }
  return TRUE;
}

/* associationToken: from this eIM's configuration as the eUICC holds it now (an eCO earlier in the exchange
 * may have changed it). */
static gboolean
collect_association_token (IpaExchange *exchange, IsdrSession *session, Collected *c, GError **error)
{
  g_autoptr(Es10EimConfigurationList) eims = NULL;

  if (!es10_get_eim_configuration_data (session, exchange->eim->eim_id, &eims, error))
    return FALSE;
  for (guint i = 0; i < eims->eims->len; i++)
    {
      const Es10EimConfiguration *eim = g_ptr_array_index (eims->eims, i);
      if (g_strcmp0 (eim->eim_id, exchange->eim->eim_id) == 0 && eim->has_association_token)
        {
          c->has_association_token = TRUE;
          c->association_token = eim->association_token;
        }
    }
  return TRUE;
}

/* A consumer eUICC without GetCerts cannot check the euiccCiPKIdentifierToBeUsed: it is checked here against the
 * CIs the card signs with (EUICCInfo1), the whole identifier or its start, as GetCerts would
 * (euiccCiPKIdNotFound). */
static gboolean
check_consumer_ci (IsdrSession *session, const guint8 *pkid, gsize pkid_length, gint64 *ret_code, GError **error)
{
  g_autoptr(Es10EuiccInfo1) info1 = NULL;

  if (pkid == NULL)
    return TRUE;
  if (!es10_get_euicc_info1 (session, &info1, error))
    return FALSE;
  for (guint i = 0; info1->ci_pkids_signing != NULL && i < info1->ci_pkids_signing->len; i++)
    {
      GBytes *known = g_ptr_array_index (info1->ci_pkids_signing, i);

      if (pkid_length > 0 && g_bytes_get_size (known) >= pkid_length
          && memcmp (g_bytes_get_data (known, NULL), pkid, pkid_length) == 0)
        return TRUE;
    }
  g_message ("IpaEuiccData: euiccCiPKIdentifierToBeUsed is none of the consumer eUICC's CIs");
  *ret_code = ESIPA_IPA_EUICC_DATA_ERROR_CI_PKID_NOT_FOUND;
  return FALSE;
}

/* Reads one item of the tagList from the eUICC. Items that share a read (81 and 83, A5 and A6) are read once.
 * Returns FALSE with `ret_code` set when the request is at fault, FALSE with `error` when the card failed. */
static gboolean
collect_tag (IpaExchange *exchange, const EsipaIpaEuiccDataRequest *request, IsdrSession *session, guint32 tag,
             Collected *c, gint64 *ret_code, GError **error)
{
  g_autoptr(GError) certs_error = NULL;
  const guint8 *pkid = request->euicc_ci_pkid != NULL ? g_bytes_get_data (request->euicc_ci_pkid, NULL) : NULL;
  gsize pkid_length = request->euicc_ci_pkid != NULL ? g_bytes_get_size (request->euicc_ci_pkid) : 0;

  switch (tag)
    {
    case 0x81:
    case 0x83:
      if (c->read_addresses)
        return TRUE;
      c->read_addresses = TRUE;
      return es10_get_euicc_configured_addresses (session, &c->addresses, error);
    case 0xBF20:
      return c->info1 != NULL || es10_get_euicc_info1 (session, &c->info1, error);
    case 0xBF22:
      return c->info2 != NULL || es10_get_euicc_info2 (session, &c->info2, error);
    case 0x84:
      if (c->read_eim)
        return TRUE;
      c->read_eim = TRUE;
      if (exchange->sgp22 != NULL)
        {
          /* A consumer eUICC holds no eIM: the token is the one euiccd keeps. */
          c->has_association_token = exchange->eim->has_association_token;
          c->association_token = exchange->eim->association_token;
          return TRUE;
        }
      return collect_association_token (exchange, session, c, error);
    case 0xA5:
    case 0xA6:
      if (c->read_certs)
        return TRUE;
      c->read_certs = TRUE;
      if (!es10_get_certs (session, pkid, pkid_length, &c->certs, &certs_error))
        {
          /* A consumer eUICC without GetCerts gives its certificates only in AuthenticateServer, to an SM-DP+ it
           * has authenticated: they are left out of the answer, the other items given. */
          if (exchange->sgp22 != NULL && isdr_session_refused_as_unknown (session, certs_error))
            {
              g_message ("IpaEuiccData: the consumer eUICC has no GetCerts (%s): the certificates are left out",
                         certs_error->message);
              return check_consumer_ci (session, pkid, pkid_length, ret_code, error);
            }
          g_propagate_error (error, g_steal_pointer (&certs_error));
          return FALSE;
        }
      if (c->certs->has_error)
        {
          *ret_code = c->certs->error_code == 1 ? ESIPA_IPA_EUICC_DATA_ERROR_CI_PKID_NOT_FOUND
                                                : ESIPA_IPA_EUICC_DATA_ERROR_UNDEFINED;
          return FALSE;
        }
      return TRUE;
    case 0xA0:
      if (c->read_notifications)
        return TRUE;
      c->read_notifications = TRUE;
      return collect_notifications (exchange, request, c, error);
    case 0xA2:
      if (c->read_package_results)
        return TRUE;
      c->read_package_results = TRUE;
      if (exchange->sgp22 != NULL)
        {
          /* A consumer eUICC keeps no package results; euiccd's own wait in its outbox. */
          c->package_result_blobs = g_ptr_array_new ();
          return TRUE;
        }
      return collect_package_results (exchange, request, c, error);
    default:
      /* ipaCapabilities (A8) and deviceInfo (A9) are the IPA's own. */
      return TRUE;
    }
}

/* Reads every item the request names, fresh from the eUICC, in the order of its tagList. Returns FALSE with
 * `ret_code` set when the request itself is at fault (an IpaEuiccDataResponseError is then due), FALSE with
 * `error` when the card failed. */
static gboolean
collect (IpaExchange *exchange, const EsipaIpaEuiccDataRequest *request, Collected *c, gint64 *ret_code,
         GError **error)
{
  IsdrSession *session = NULL;

  *ret_code = 0;
  for (guint i = 0; i < request->tags->len; i++)
    if (!tag_is_known (g_array_index (request->tags, guint32, i)))
      {
        g_message ("IpaEuiccData: tag %X is not an IpaEuiccData field", g_array_index (request->tags, guint32, i));
        *ret_code = ESIPA_IPA_EUICC_DATA_ERROR_INCORRECT_TAG_LIST;
        return FALSE;
      }

  for (guint i = 0; i < request->tags->len; i++)
    {
      guint32 tag = g_array_index (request->tags, guint32, i);

      if (tag == 0xA8 || tag == 0xA9)
        continue;
      if (session == NULL && (session = ipa_exchange_session (exchange, error)) == NULL)
        return FALSE;
      if (!collect_tag (exchange, request, session, tag, c, ret_code, error))
        return FALSE;
    }
  return TRUE;
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
      if (esipa_ipa_euicc_data_request_wants (request, 0x84) && c.has_association_token)
        {
          data.has_association_token = TRUE;
          data.association_token = c.association_token;
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
  /* Accepted: the eIM holds these now, which a download under minimizeEsipaBytes may leave out. Only then is it
   * worth a record (a write to flash): without the feature, or for an answer with none of them, nothing changes. */
  if (ok && response != NULL && response->kind != ESIPA_PROVIDE_RESULT_ERROR && exchange->eim_holdings != NULL
      && exchange->device != NULL && (exchange->device->ipa_features & ESIPA_IPA_FEATURE_MINIMIZE_ESIPA_BYTES) != 0
      && (data.euicc_info1 != NULL || data.euicc_info2 != NULL
          || (data.eum_certificate != NULL && data.euicc_certificate != NULL)))
    ipa_eim_holdings_learn (exchange->eim_holdings, exchange->eid, data.euicc_info1, data.euicc_info2,
                            data.eum_certificate != NULL && data.euicc_certificate != NULL);

  /* The eIM may acknowledge the notifications and results it was shown: those leave the eUICC. */
  ipa_remove_acknowledged (exchange, response);
  collected_clear (&c);
  return TRUE;
}
