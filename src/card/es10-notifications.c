/* SPDX-License-Identifier: Apache-2.0 */
/* ES10b notifications: the pending list (kept raw, since each entry is forwarded to its recipient exactly as
 * the eUICC signed it), the metadata list, and removal after delivery. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <string.h>

#include "card/es10-notifications.h"
#include "card/es10-private.h"
#include "euiccd-error.h"
#include "euiccd-destroy.h"

EUICCD_DEFINE_DESTROY_NOTIFY (es10_notification_metadata_free, Es10NotificationMetadata)
EUICCD_DEFINE_DESTROY_NOTIFY (es10_pending_notification_free, Es10PendingNotification)
EUICCD_DEFINE_DESTROY_NOTIFY (es10_skipped_entry_free, Es10SkippedEntry)

void
es10_pending_notification_free (Es10PendingNotification *notification)
{
  if (notification == NULL)
    return;
  g_free (notification->address);
  g_free (notification->iccid);
  g_clear_pointer (&notification->transaction_id, g_bytes_unref);
  g_free (notification->eim_id);
  g_clear_pointer (&notification->package_operations, g_array_unref);
  g_clear_pointer (&notification->raw, g_bytes_unref);
  g_free (notification);
}

void
es10_pending_notification_list_free (Es10PendingNotificationList *list)
{
  if (list == NULL)
    return;
  g_clear_pointer (&list->notifications, g_ptr_array_unref);
  g_clear_pointer (&list->skipped, g_ptr_array_unref);
  g_free (list);
}

void
es10_notification_metadata_free (Es10NotificationMetadata *metadata)
{
  if (metadata == NULL)
    return;
  g_free (metadata->address);
  g_free (metadata->iccid);
  g_free (metadata);
}

void
es10_notification_metadata_list_free (Es10NotificationMetadataList *list)
{
  if (list == NULL)
    return;
  g_clear_pointer (&list->notifications, g_ptr_array_unref);
  g_free (list);
}

const gchar *
es10_notification_event_to_string (guint32 operation)
{
  switch (operation)
    {
    case RSP_NOTIFICATION_INSTALL:
      return "install";
    case RSP_NOTIFICATION_ENABLE:
      return "enable";
    case RSP_NOTIFICATION_DISABLE:
      return "disable";
    case RSP_NOTIFICATION_DELETE:
      return "delete";
    case 0:
      return "none";
    default:
      return "several";
    }
}

static gboolean
check_single_operation (guint32 operation, const gchar *what, GError **error)
{
  if (operation == 0 || (operation & ~0x0Fu) != 0 || (operation & (operation - 1)) != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "%s: operation mask 0x%X, expected exactly one of install, enable, disable, delete", what,
                   operation);
      return FALSE;
    }
  return TRUE;
}

/* ---- encoders ---------------------------------------------------------------------------------------- */

GBytes *
es10_retrieve_notifications_list_encode (const RspNotificationSearch *search, GError **error)
{
  DerWriter writer;

  if (search != NULL && search->kind == RSP_NOTIFICATION_SEARCH_OPERATION &&
      !check_single_operation (search->operation, "RetrieveNotificationsList", error))
    return NULL;
  if (search != NULL && search->kind > RSP_NOTIFICATION_SEARCH_EUICC_PACKAGE_RESULTS)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "RetrieveNotificationsList: unknown search criteria kind %d", (int) search->kind);
      return NULL;
    }

  der_writer_init (&writer);
  der_begin (&writer, 0xBF2B);
  if (search != NULL && search->kind != RSP_NOTIFICATION_SEARCH_ALL)
    {
      /* searchCriteria is an untagged CHOICE in an AUTOMATIC TAGS SEQUENCE: it gets [0], explicitly. */
      der_begin (&writer, 0xA0);
      switch (search->kind)
        {
        case RSP_NOTIFICATION_SEARCH_SEQ_NUMBER:
          der_write_int (&writer, 0x80, search->seq_number);
          break;
        case RSP_NOTIFICATION_SEARCH_OPERATION:
          der_write_named_bits (&writer, 0x81, search->operation, 4);
          break;
        case RSP_NOTIFICATION_SEARCH_EUICC_PACKAGE_RESULTS:
        default:
          der_write_null (&writer, 0x82);
          break;
        }
      der_end (&writer);
    }
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
es10_list_notification_encode (guint32 operation, GError **error)
{
  DerWriter writer;

  if (operation != 0 && !check_single_operation (operation, "ListNotification", error))
    return NULL;
  der_writer_init (&writer);
  der_begin (&writer, 0xBF28);
  if (operation != 0)
    der_write_named_bits (&writer, 0x81, operation, 4);
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
es10_remove_notification_from_list_encode (gint64 seq_number)
{
  DerWriter writer;

  der_writer_init (&writer);
  der_begin (&writer, 0xBF30);
  der_write_int (&writer, 0x80, seq_number);
  der_end (&writer);
  return der_writer_finish (&writer);
}

/* ---- NotificationMetadata ---------------------------------------------------------------------------- */

static Es10NotificationMetadata *
parse_notification_metadata (const DerTlv *tlv, const gchar *context, GError **error)
{
  g_autofree gchar *structure = g_strdup_printf ("%s: NotificationMetadata", context);
  g_autoptr(Es10NotificationMetadata) metadata = g_new0 (Es10NotificationMetadata, 1);
  gboolean have_seq = FALSE, have_operation = FALSE;
  DerReader reader;

  if (tlv->tag != 0xBF2F)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: tag %02X, expected BF2F", structure, tlv->tag);
      return NULL;
    }
  if (!es10_enter (tlv, context, "NotificationMetadata", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;
      guint64 mask;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      switch (item.tag)
        {
        case 0x80:
          if (!es10_read_int (&item, structure, "seqNumber", &metadata->seq_number, error))
            return NULL;
          have_seq = TRUE;
          break;
        case 0x81:
          if (!es10_read_bits (&item, structure, "profileManagementOperation", &mask, error))
            return NULL;
          metadata->operation = (guint32) mask;
          have_operation = TRUE;
          break;
        case 0x0C:
          g_clear_pointer (&metadata->address, g_free);
          metadata->address = es10_read_utf8 (&item, structure, "notificationAddress", error);
          if (metadata->address == NULL)
            return NULL;
          break;
        case 0x5A:
          /* Forwarded inside the notification as the card signed it, not judged here: one that does not read
           * as digits is only not shown. */
          {
            g_autoptr(GError) iccid_error = NULL;

            g_clear_pointer (&metadata->iccid, g_free);
            metadata->iccid = es10_read_iccid (&item, structure, "iccid", &iccid_error);
            if (metadata->iccid == NULL)
              g_debug ("%s", iccid_error->message);
          }
          break;
        default:
          break;
        }
    }
  if (es10_missing (have_seq, structure, "seqNumber", 0x80, error) ||
      es10_missing (have_operation, structure, "profileManagementOperation", 0x81, error) ||
      es10_missing (metadata->address != NULL, structure, "notificationAddress", 0x0C, error))
    return NULL;
  return g_steal_pointer (&metadata);
}

static void
take_metadata (Es10PendingNotification *notification, Es10NotificationMetadata *metadata)
{
  notification->has_seq_number = TRUE;
  notification->seq_number = metadata->seq_number;
  notification->operation = metadata->operation;
  notification->address = g_steal_pointer (&metadata->address);
  notification->iccid = g_steal_pointer (&metadata->iccid);
  es10_notification_metadata_free (metadata);
}

/* Finds the first child with `tag` and fails naming it when absent. */
static gboolean
find_required (const DerTlv *parent, guint32 tag, const gchar *structure, const gchar *field, DerTlv *ret_child,
               GError **error)
{
  GError *local_error = NULL;

  if (der_find_child (parent, tag, ret_child, &local_error))
    return TRUE;
  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, local_error, "%s: ", structure);
      return FALSE;
    }
  es10_missing (FALSE, structure, field, tag, error);
  return FALSE;
}

/* ---- PendingNotification and EuiccPackageResult ------------------------------------------------------ */

static gboolean
parse_profile_installation_result (Es10PendingNotification *notification, const DerTlv *tlv, GError **error)
{
  static const gchar structure[] = "ProfileInstallationResult";
  DerTlv data_tlv, metadata_tlv, item;
  Es10NotificationMetadata *metadata;

  if (!find_required (tlv, 0xBF27, structure, "profileInstallationResultData", &data_tlv, error))
    return FALSE;
  if (!data_tlv.constructed)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: profileInstallationResultData (BF27): primitive, expected constructed", structure);
      return FALSE;
    }
  if (!find_required (&data_tlv, 0xBF2F, structure, "notificationMetadata", &metadata_tlv, error))
    return FALSE;
  metadata = parse_notification_metadata (&metadata_tlv, structure, error);
  if (metadata == NULL)
    return FALSE;
  take_metadata (notification, metadata);
  if (der_find_child (&data_tlv, 0x80, &item, NULL))
    {
      notification->transaction_id = es10_read_octets (&item, structure, "transactionId", 1, 16, error);
      if (notification->transaction_id == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_compact_installation_result (Es10PendingNotification *notification, const DerTlv *tlv, GError **error)
{
  static const gchar structure[] = "CompactProfileInstallationResult";
  DerTlv data_tlv, item;

  if (!find_required (tlv, 0xA0, structure, "compactProfileInstallationResultData", &data_tlv, error))
    return FALSE;
  if (!data_tlv.constructed)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: compactProfileInstallationResultData (A0): primitive, expected constructed", structure);
      return FALSE;
    }
  if (!find_required (&data_tlv, 0x02, structure, "seqNumber", &item, error))
    return FALSE;
  if (!es10_read_int (&item, structure, "seqNumber", &notification->seq_number, error))
    return FALSE;
  notification->has_seq_number = TRUE;
  notification->operation = RSP_NOTIFICATION_INSTALL;
  if (der_find_child (&data_tlv, 0x80, &item, NULL))
    {
      notification->transaction_id = es10_read_octets (&item, structure, "transactionId", 1, 16, error);
      if (notification->transaction_id == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_other_signed (Es10PendingNotification *notification, const DerTlv *tlv, const gchar *structure,
                    GError **error)
{
  DerTlv metadata_tlv;
  Es10NotificationMetadata *metadata;

  if (!find_required (tlv, 0xBF2F, structure, "tbsOtherNotification", &metadata_tlv, error))
    return FALSE;
  metadata = parse_notification_metadata (&metadata_tlv, structure, error);
  if (metadata == NULL)
    return FALSE;
  take_metadata (notification, metadata);
  return TRUE;
}

const gchar *
es10_euicc_result_name (guint32 tag)
{
  switch (tag)
    {
    case 0x83: return "enable";
    case 0x84: return "disable";
    case 0x85: return "delete";
    case 0xBF2D: return "listProfileInfo";
    case 0xA6: return "getRAT";
    case 0x87: return "configureImmediateEnable";
    case 0xA8: return "addEim";
    case 0x89: return "deleteEim";
    case 0x8A: return "updateEim";
    case 0xAB: return "listEim";
    case 0x8C: return "rollback";
    case 0x8D: return "setFallbackAttribute";
    case 0x8E: return "unsetFallbackAttribute";
    case 0x02: return "processingTerminated";
    case 0xBF65: return "setDefaultDpAddress";
    default: return "unknown";
    }
}

/* euiccResult: SEQUENCE OF EuiccResultData. Plain INTEGER results keep their code; structured ones (profile
 * lists, RAT, eIM lists) only their tag, except addEimResult whose CHOICE is either a token (ok) or a code. */
static gboolean
parse_euicc_results (Es10PendingNotification *notification, const DerTlv *list, const gchar *structure,
                     GError **error)
{
  DerReader reader;

  if (!es10_enter (list, structure, "euiccResult", &reader, error))
    return FALSE;
  notification->package_operations = g_array_new (FALSE, TRUE, sizeof (Es10EuiccResultItem));
  while (!der_reader_at_end (&reader))
    {
      Es10EuiccResultItem item = { 0 };
      DerTlv result;

      if (!es10_next (&reader, structure, &result, error))
        return FALSE;
      item.tag = result.tag;
      if (!result.constructed)
        {
          if (!es10_read_int (&result, structure, es10_euicc_result_name (result.tag), &item.code, error))
            return FALSE;
          item.has_code = TRUE;
        }
      else if (result.tag == 0xA8)
        {
          DerReader inner;
          DerTlv choice;

          if (!es10_enter (&result, structure, "addEimResult", &inner, error) ||
              !es10_next (&inner, structure, &choice, error))
            return FALSE;
          item.has_code = TRUE;
          if (choice.tag == 0x02 && !es10_read_int (&choice, structure, "addEimResultCode", &item.code, error))
            return FALSE;
        }
      g_array_append_val (notification->package_operations, item);
    }
  return TRUE;
}

static gboolean
parse_euicc_package_result (Es10PendingNotification *notification, const DerTlv *tlv, GError **error)
{
  static const gchar structure[] = "EuiccPackageResult";
  DerReader reader;
  DerTlv choice, body;
  const gchar *variant;
  gboolean have_eim_id = FALSE;

  if (!es10_enter (tlv, structure, "EuiccPackageResult", &reader, error))
    return FALSE;
  if (der_reader_at_end (&reader))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: empty, expected A0, A1 or A2", structure);
      return FALSE;
    }
  if (!es10_next (&reader, structure, &choice, error))
    return FALSE;

  switch (choice.tag)
    {
    case 0xA0:
      variant = "euiccPackageResultSigned";
      break;
    case 0xA1:
      variant = "euiccPackageErrorSigned";
      break;
    case 0xA2:
      variant = "euiccPackageErrorUnsigned";
      break;
    default:
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: tag %02X, expected euiccPackageResultSigned (A0), euiccPackageErrorSigned (A1) or "
                   "euiccPackageErrorUnsigned (A2)", structure, choice.tag);
      return FALSE;
    }

  notification->package_result_variant = choice.tag;
  if (choice.tag == 0xA2)
    body = choice;
  else if (!find_required (&choice, 0x30, structure, variant, &body, error))
    return FALSE;

  if (!es10_enter (&body, structure, variant, &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;

      if (!es10_next (&reader, structure, &item, error))
        return FALSE;
      switch (item.tag)
        {
        case 0x80:
          g_clear_pointer (&notification->eim_id, g_free);
          notification->eim_id = es10_read_utf8 (&item, structure, "eimId", error);
          if (notification->eim_id == NULL)
            return FALSE;
          have_eim_id = TRUE;
          break;
        case 0x82:
          g_clear_pointer (&notification->transaction_id, g_bytes_unref);
          notification->transaction_id = es10_read_octets (&item, structure, "eimTransactionId", 1, 16, error);
          if (notification->transaction_id == NULL)
            return FALSE;
          break;
        case 0x81:
          if (choice.tag != 0xA2)
            {
              if (!es10_read_int (&item, structure, "counterValue", &notification->counter_value, error))
                return FALSE;
              notification->has_counter_value = TRUE;
            }
          break;
        case 0x30:
          if (choice.tag == 0xA0 && !parse_euicc_results (notification, &item, structure, error))
            return FALSE;
          break;
        case 0x83:
          if (choice.tag == 0xA0)
            {
              if (!es10_read_int (&item, structure, "seqNumber", &notification->seq_number, error))
                return FALSE;
              notification->has_seq_number = TRUE;
            }
          break;
        case 0x02:
          if (choice.tag == 0xA1 &&
              !es10_read_int (&item, structure, "euiccPackageErrorCode", &notification->package_error_code, error))
            return FALSE;
          break;
        default:
          break;
        }
    }
  if (es10_missing (have_eim_id, structure, "eimId", 0x80, error))
    return FALSE;
  if (choice.tag == 0xA0 && es10_missing (notification->has_seq_number, structure, "seqNumber", 0x83, error))
    return FALSE;
  return TRUE;
}

static Es10PendingNotification *
parse_pending (const DerTlv *tlv, GError **error)
{
  g_autoptr(Es10PendingNotification) notification = g_new0 (Es10PendingNotification, 1);
  gboolean ok;

  if (!tlv->constructed)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "PendingNotification: tag %02X is primitive, expected BF37, 30, A0, A1 or BF51", tlv->tag);
      return NULL;
    }
  switch (tlv->tag)
    {
    case 0xBF37:
      notification->kind = ES10_PENDING_PROFILE_INSTALLATION_RESULT;
      ok = parse_profile_installation_result (notification, tlv, error);
      break;
    case 0x30:
      notification->kind = ES10_PENDING_OTHER_SIGNED_NOTIFICATION;
      ok = parse_other_signed (notification, tlv, "OtherSignedNotification", error);
      break;
    case 0xA0:
      notification->kind = ES10_PENDING_COMPACT_PROFILE_INSTALLATION_RESULT;
      ok = parse_compact_installation_result (notification, tlv, error);
      break;
    case 0xA1:
      notification->kind = ES10_PENDING_COMPACT_OTHER_SIGNED_NOTIFICATION;
      ok = parse_other_signed (notification, tlv, "CompactOtherSignedNotification", error);
      break;
    case 0xBF51:
      notification->kind = ES10_PENDING_EUICC_PACKAGE_RESULT;
      ok = parse_euicc_package_result (notification, tlv, error);
      break;
    default:
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "PendingNotification: tag %02X, expected BF37, 30, A0, A1 or BF51", tlv->tag);
      return NULL;
    }
  if (!ok)
    return NULL;
  notification->raw = es10_tlv_dup_raw (tlv);
  return g_steal_pointer (&notification);
}

Es10PendingNotification *
es10_pending_notification_decode (const guint8 *data, gsize length, GError **error)
{
  DerTlv tlv;

  if (data == NULL || length == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "PendingNotification: empty");
      return NULL;
    }
  if (!der_parse_single (data, length, &tlv, error))
    {
      g_prefix_error (error, "PendingNotification: ");
      return NULL;
    }
  return parse_pending (&tlv, error);
}

Es10PendingNotificationList *
es10_retrieve_notifications_list_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "RetrieveNotificationsListResponse";
  g_autoptr(Es10PendingNotificationList) list = g_new0 (Es10PendingNotificationList, 1);
  DerTlv outer, choice;
  DerReader reader, peek;
  guint32 list_tag;
  guint index = 0;

  list->notifications = g_ptr_array_new_with_free_func (es10_pending_notification_free_notify);
  list->skipped = g_ptr_array_new_with_free_func (es10_skipped_entry_free_notify);
  if (!es10_parse_outer (data, length, 0xBF2B, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "RetrieveNotificationsListResponse", &reader, error))
    return NULL;
  if (der_reader_at_end (&reader))
    {
      /* BF2B00: nothing pending, said without the empty list inside. */
      es10_deviation_note ("%s: empty, read as an empty notificationList", structure);
      return g_steal_pointer (&list);
    }
  peek = reader;
  if (!es10_next (&peek, structure, &choice, error))
    return NULL;
  switch (choice.tag)
    {
    case 0x81:
    case 0x02:
      if (!es10_read_int (&choice, structure, "notificationsListResultError", &list->error_code, error))
        return NULL;
      /* The error code as a bare INTEGER: no other alternative is an INTEGER. */
      if (choice.tag == 0x02)
        es10_deviation_note ("%s: notificationsListResultError as a universal INTEGER (02) instead of 81", structure);
      list->has_error = TRUE;
      return g_steal_pointer (&list);
    case 0xA0:
    case 0xA2:
      if (!es10_enter (&choice, structure, choice.tag == 0xA0 ? "notificationList" : "euiccPackageResultList",
                       &reader, error))
        return NULL;
      list_tag = choice.tag;
      break;
    case 0xBF37:
    case 0x30:
    case 0xBF51:
      /* Pending notifications straight under BF2B: the list whose A0 wrapper was left out. A0 and A1 entries
       * are not taken so, as they could as well be alternatives of the answer itself. */
      es10_deviation_note ("%s: notificationList without its A0 wrapper", structure);
      list_tag = 0xA0;
      break;
    default:
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: tag %02X, expected notificationList (A0), notificationsListResultError (81) or "
                   "euiccPackageResultList (A2)", structure, choice.tag);
      return NULL;
    }

  /* One entry that cannot be read leaves the others standing: it goes to `skipped` with the reason. */
  for (; !der_reader_at_end (&reader); index++)
    {
      g_autoptr(GError) entry_error = NULL;
      DerTlv item;
      Es10PendingNotification *notification;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      if (list_tag == 0xA2 && item.tag != 0xBF51)
        {
          g_set_error (&entry_error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "euiccPackageResultList (A2): tag %02X, expected BF51", item.tag);
          es10_skip_entry (list->skipped, &item, structure, index, entry_error);
          continue;
        }
      notification = parse_pending (&item, &entry_error);
      if (notification == NULL)
        {
          es10_skip_entry (list->skipped, &item, structure, index, entry_error);
          continue;
        }
      g_ptr_array_add (list->notifications, notification);
    }
  return g_steal_pointer (&list);
}

gboolean
es10_retrieve_notifications_list (IsdrSession *session, const RspNotificationSearch *search,
                                  Es10PendingNotificationList **ret_list, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_retrieve_notifications_list_encode (search, error), error);

  *ret_list = response != NULL ? es10_retrieve_notifications_list_decode (ES10_ANSWER_DATA (response), error) : NULL;
  return *ret_list != NULL;
}

/* ---- ListNotification -------------------------------------------------------------------------------- */

Es10NotificationMetadataList *
es10_list_notification_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "ListNotificationResponse";
  g_autoptr(Es10NotificationMetadataList) list = g_new0 (Es10NotificationMetadataList, 1);
  DerTlv outer;
  DerReader reader;

  list->notifications = g_ptr_array_new_with_free_func (es10_notification_metadata_free_notify);
  if (!es10_parse_outer (data, length, 0xBF28, structure, &outer, error))
    return NULL;
  if (!es10_enter (&outer, structure, "ListNotificationResponse", &reader, error))
    return NULL;
  static const guint32 entry_tags[] = { 0xBF2F, 0 };

  if (!es10_read_list_or_error (&reader, structure, "notificationMetadataList", "listNotificationsResultError",
                                entry_tags, &list->has_error, &list->error_code, error))
    return NULL;
  if (list->has_error)
    return g_steal_pointer (&list);
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;
      Es10NotificationMetadata *metadata;

      if (!es10_next (&reader, structure, &item, error))
        return NULL;
      metadata = parse_notification_metadata (&item, structure, error);
      if (metadata == NULL)
        return NULL;
      g_ptr_array_add (list->notifications, metadata);
    }
  return g_steal_pointer (&list);
}

gboolean
es10_list_notification (IsdrSession *session, guint32 operation, Es10NotificationMetadataList **ret_list,
                        GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_list_notification_encode (operation, error), error);

  *ret_list = response != NULL ? es10_list_notification_decode (ES10_ANSWER_DATA (response), error) : NULL;
  return *ret_list != NULL;
}

/* ---- RemoveNotificationFromList ---------------------------------------------------------------------- */

gboolean
es10_remove_notification_from_list_decode (const guint8 *data, gsize length, gint64 *ret_status, GError **error)
{
  static const gchar structure[] = "NotificationSentResponse";
  DerTlv outer;
  DerReader reader;

  if (!es10_parse_outer (data, length, 0xBF30, structure, &outer, error))
    return FALSE;
  if (!es10_enter (&outer, structure, "NotificationSentResponse", &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      DerTlv item;

      if (!es10_next (&reader, structure, &item, error))
        return FALSE;
      if (item.tag == 0x80)
        return es10_read_int (&item, structure, "deleteNotificationStatus", ret_status, error);
    }
  es10_missing (FALSE, structure, "deleteNotificationStatus", 0x80, error);
  return FALSE;
}

gboolean
es10_remove_notification_from_list (IsdrSession *session, gint64 seq_number, gint64 *ret_status, GError **error)
{
  g_autoptr(GBytes) request = es10_remove_notification_from_list_encode (seq_number);
  g_autoptr(GBytes) response = es10_transact (session, request, error);
  g_autoptr(Es10Deviations) deviations = es10_deviations_new ("RemoveNotificationFromList");
  gsize length = 0;
  const guint8 *data;
  gboolean ok;

  if (response == NULL)
    return FALSE;
  data = g_bytes_get_data (response, &length);
  es10_deviations_collect (deviations);
  ok = es10_remove_notification_from_list_decode (data, length, ret_status, error);
  es10_deviations_stop (deviations);
  es10_deviations_warn (deviations);
  return ok;
}
