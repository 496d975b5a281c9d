/* SPDX-License-Identifier: Apache-2.0 */
/* ESipa messages in the ASN.1 binding (SGP.32 v1.2 module, AUTOMATIC TAGS).
 *
 * Tagging rules that decide the bytes here, all checked against asn1c (tests/conformance):
 * - a context tag on a CHOICE type is explicit (X.680 31.2.7): HandleNotificationEsipa.pendingNotification [0]
 *   wraps the PendingNotification TLV in A0, ProfileDownloadTriggerRequest.profileDownloadData [0] wraps A0;
 * - a context tag on a type that is itself tagged replaces that tag: [81] EuiccPackageResult stays BF51,
 *   [5] Certificate becomes A5 instead of 30, CancelSessionRequestEsipa's [1] CancelSessionResponse becomes A1
 *   instead of BF41;
 * - automatic tags apply only where no component or alternative of the SEQUENCE or CHOICE carries a tag
 *   (IpaEuiccDataResponse's alternatives get A0/A1; EimPackageResult's do not, so ePRAndNotifications is 30). */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include <stdarg.h>
#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "net/esipa-asn1.h"

/* ------------------------------------------------------------------------------------------------------ */
/* Field readers whose errors say "<structure>: <field> (<tag>): <what>". */

static gboolean G_GNUC_PRINTF (3, 4)
fail (GError **error, gint code, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, EUICCD_ERROR, code, message);
  return FALSE;
}

static gboolean
parse_outer (const guint8 *data, gsize length, guint32 tag, const gchar *structure, DerTlv *ret_tlv, GError **error)
{
  if (data == NULL || length == 0)
    return fail (error, EUICCD_ERROR_INVALID_DATA, "%s: empty message, expected tag %02X", structure, tag);
  if (!der_parse_single (data, length, ret_tlv, error))
    {
      g_prefix_error (error, "%s: ", structure);
      return FALSE;
    }
  if (ret_tlv->tag != tag)
    return fail (error, EUICCD_ERROR_PROTOCOL, "%s: expected tag %02X, found tag %02X", structure, tag,
                 ret_tlv->tag);
  if (!ret_tlv->constructed)
    return fail (error, EUICCD_ERROR_INVALID_DATA, "%s: tag %02X is primitive, expected a constructed value",
                 structure, tag);
  return TRUE;
}

static gboolean
enter (const DerTlv *tlv, const gchar *structure, const gchar *field, DerReader *ret_reader, GError **error)
{
  if (!der_reader_enter (tlv, ret_reader, error))
    {
      g_prefix_error (error, "%s: %s (%02X): ", structure, field, tlv->tag);
      return FALSE;
    }
  return TRUE;
}

static gboolean
next (DerReader *reader, const gchar *structure, const gchar *field, DerTlv *ret_tlv, GError **error)
{
  if (!der_reader_next (reader, ret_tlv, error))
    {
      g_prefix_error (error, "%s: in %s: ", structure, field);
      return FALSE;
    }
  return TRUE;
}

static gboolean
missing (gboolean present, const gchar *structure, const gchar *field, guint32 tag, GError **error)
{
  if (present)
    return TRUE;
  return fail (error, EUICCD_ERROR_INVALID_DATA, "%s: mandatory %s (%02X) is missing", structure, field, tag);
}

static gboolean
read_int (const DerTlv *tlv, const gchar *structure, const gchar *field, gint64 *ret_value, GError **error)
{
  if (!der_tlv_get_int (tlv, ret_value, error))
    {
      g_prefix_error (error, "%s: %s (%02X): ", structure, field, tlv->tag);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_null (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error)
{
  if (tlv->constructed || tlv->length != 0)
    return fail (error, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): expected NULL (empty), found %zu byte(s)",
                 structure, field, tlv->tag, tlv->length);
  return TRUE;
}

static GBytes *
read_octets (const DerTlv *tlv, const gchar *structure, const gchar *field, gsize min_length, gsize max_length,
             GError **error)
{
  if (tlv->constructed)
    {
      fail (error, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): constructed, expected an OCTET STRING", structure,
            field, tlv->tag);
      return NULL;
    }
  if (tlv->length < min_length || tlv->length > max_length)
    {
      if (min_length == max_length)
        fail (error, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): %zu byte(s), expected %zu", structure, field,
              tlv->tag, tlv->length, min_length);
      else
        fail (error, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): %zu byte(s), expected %zu to %zu", structure, field,
              tlv->tag, tlv->length, min_length, max_length);
      return NULL;
    }
  return g_bytes_new (tlv->value, tlv->length);
}

static gchar *
read_utf8 (const DerTlv *tlv, const gchar *structure, const gchar *field, gsize min_length, gsize max_length,
           GError **error)
{
  gchar *text;

  if (tlv->length < min_length || tlv->length > max_length)
    {
      fail (error, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): %zu byte(s), expected %zu to %zu", structure, field,
            tlv->tag, tlv->length, min_length, max_length);
      return NULL;
    }
  text = der_tlv_dup_utf8 (tlv, error);
  if (text == NULL)
    g_prefix_error (error, "%s: %s (%02X): ", structure, field, tlv->tag);
  return text;
}

static gboolean
read_bits (const DerTlv *tlv, const gchar *structure, const gchar *field, guint32 *ret_mask, GError **error)
{
  const guint8 *bits;
  gsize length;
  guint unused;
  guint32 mask = 0;

  if (!der_tlv_get_bits (tlv, &bits, &length, &unused, error))
    {
      g_prefix_error (error, "%s: %s (%02X): ", structure, field, tlv->tag);
      return FALSE;
    }
  for (guint n = 0; n < 32; n++)
    if (der_bits_test (bits, length, unused, n))
      mask |= 1u << n;
  *ret_mask = mask;
  return TRUE;
}

/* A transaction id (TransactionId ::= OCTET STRING (SIZE(1..16))). */
static GBytes *
read_transaction_id (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error)
{
  return read_octets (tlv, structure, field, 1, ESIPA_TRANSACTION_ID_MAX_LENGTH, error);
}

/* A constructed field kept as its whole TLV after checking that everything inside parses. */
static GBytes *
read_raw (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error)
{
  if (!tlv->constructed)
    {
      fail (error, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X): primitive, expected a constructed value", structure,
            field, tlv->tag);
      return NULL;
    }
  if (!der_validate (tlv, error))
    {
      g_prefix_error (error, "%s: %s (%02X): ", structure, field, tlv->tag);
      return NULL;
    }
  return g_bytes_new (tlv->raw, tlv->raw_length);
}

/* The number of a context or application tag (A3 -> 3, BF2D -> 45, BF65 -> 101); G_MAXUINT if it has more than
 * two identifier octets. */
static guint
tag_number (guint32 tag)
{
  if (tag <= 0xFF)
    return tag & 0x1F;
  if (tag <= 0xFFFF)
    return tag & 0x7F;
  return G_MAXUINT;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Checks on the blobs the encoders embed */

static gboolean
check_blob (GBytes *blob, const guint32 *tags, gsize n_tags, const gchar *structure, const gchar *field,
            DerTlv *ret_tlv, GError **error)
{
  DerTlv tlv;
  const guint8 *data;
  gsize length;

  if (blob == NULL)
    return fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: %s is missing", structure, field);
  data = g_bytes_get_data (blob, &length);
  if (length == 0)
    return fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: %s is empty", structure, field);
  if (!der_parse_single (data, length, &tlv, error) || !der_validate (&tlv, error))
    {
      if (error != NULL && *error != NULL)
        (*error)->code = EUICCD_ERROR_INVALID_ARGS;
      g_prefix_error (error, "%s: %s: ", structure, field);
      return FALSE;
    }
  for (gsize i = 0; i < n_tags; i++)
    if (tlv.tag == tags[i])
      {
        if (ret_tlv != NULL)
          *ret_tlv = tlv;
        return TRUE;
      }
  {
    g_autoptr(GString) expected = g_string_new (NULL);

    for (gsize i = 0; i < n_tags; i++)
      g_string_append_printf (expected, "%s%02X", i == 0 ? "" : i + 1 == n_tags ? " or " : ", ", tags[i]);
    return fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: %s has tag %02X, expected %s", structure, field, tlv.tag,
                 expected->str);
  }
}

static gboolean
write_blob (DerWriter *writer, GBytes *blob, guint32 tag, const gchar *structure, const gchar *field,
            GError **error)
{
  if (!check_blob (blob, &tag, 1, structure, field, NULL, error))
    return FALSE;
  der_write_raw (writer, g_bytes_get_data (blob, NULL), g_bytes_get_size (blob));
  return TRUE;
}

/* Writes a DER value under an implicit context tag in place of its own (e.g. Certificate 30 -> A5). */
static gboolean
write_retagged (DerWriter *writer, GBytes *blob, guint32 own_tag, guint32 new_tag, const gchar *structure,
                const gchar *field, GError **error)
{
  DerTlv tlv;

  if (!check_blob (blob, &own_tag, 1, structure, field, &tlv, error))
    return FALSE;
  der_write (writer, new_tag, tlv.value, tlv.length);
  return TRUE;
}

static gboolean
check_transaction_id (GBytes *id, const gchar *structure, const gchar *field, GError **error)
{
  gsize length = id != NULL ? g_bytes_get_size (id) : 0;

  if (length < 1 || length > ESIPA_TRANSACTION_ID_MAX_LENGTH)
    return fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: %s: %zu byte(s), expected 1 to %u", structure, field, length,
                 (guint) ESIPA_TRANSACTION_ID_MAX_LENGTH);
  return TRUE;
}

static const guint32 pending_notification_tags[] = { 0xBF37, 0x30, 0xA0, 0xA1 };

static gboolean
write_pending_notification (DerWriter *writer, GBytes *notification, const gchar *structure, const gchar *field,
                            GError **error)
{
  if (!check_blob (notification, pending_notification_tags, G_N_ELEMENTS (pending_notification_tags), structure,
                   field, NULL, error))
    return FALSE;
  der_write_raw (writer, g_bytes_get_data (notification, NULL), g_bytes_get_size (notification));
  return TRUE;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Encoders */

GBytes *
esipa_asn1_encode_get_eim_package_request (const EsipaGetEimPackageRequest *request, GError **error)
{
  g_auto(DerWriter) writer = { 0 };

  g_return_val_if_fail (request != NULL, NULL);

  der_writer_init (&writer);
  der_begin (&writer, 0xBF4F);
  der_write (&writer, 0x5A, request->eid, ESIPA_EID_LENGTH);
  if (request->notify_state_change)
    der_write_null (&writer, 0x80);
  if (request->has_state_change_cause)
    der_write_int (&writer, 0x81, request->state_change_cause);
  if (request->has_rplmn)
    der_write (&writer, 0x82, request->rplmn, sizeof request->rplmn);
  der_end (&writer);
  return der_writer_finish (&writer);
}

static gboolean
write_eim_package_result_choice (DerWriter *writer, const EsipaEimPackageResult *result, GError **error)
{
  static const gchar structure[] = "EimPackageResult";

  switch (result->kind)
    {
    case ESIPA_RESULT_EUICC_PACKAGE_RESULT:
      return write_blob (writer, result->euicc_package_result, 0xBF51, structure, "euiccPackageResult", error);
    case ESIPA_RESULT_EPR_AND_NOTIFICATIONS:
      der_begin (writer, 0x30);
      if (!write_blob (writer, result->euicc_package_result, 0xBF51, structure,
                       "ePRAndNotifications.euiccPackageResult", error))
        return FALSE;
      der_begin (writer, 0xA0);
      for (guint i = 0; result->notifications != NULL && i < result->notifications->len; i++)
        if (!write_pending_notification (writer, g_ptr_array_index (result->notifications, i), structure,
                                         "ePRAndNotifications.notificationList", error))
          return FALSE;
      der_end (writer);
      der_end (writer);
      return TRUE;
    case ESIPA_RESULT_IPA_EUICC_DATA_RESPONSE:
      return write_blob (writer, result->ipa_euicc_data_response, 0xBF52, structure, "ipaEuiccDataResponse", error);
    case ESIPA_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT:
      return write_blob (writer, result->profile_download_trigger_result, 0xBF54, structure,
                         "profileDownloadTriggerResult", error);
    case ESIPA_RESULT_ERROR:
      if (result->eim_transaction_id != NULL &&
          !check_transaction_id (result->eim_transaction_id, structure,
                                 "eimPackageResultResponseError.eimTransactionId", error))
        return FALSE;
      der_begin (writer, 0xA0);
      if (result->eim_transaction_id != NULL)
        der_write_bytes (writer, 0x80, result->eim_transaction_id);
      der_write_int (writer, 0x02, result->error_code);
      der_end (writer);
      return TRUE;
    default:
      return fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: unknown alternative %d", structure, (gint) result->kind);
    }
}

static gboolean
write_provide_eim_package_result (DerWriter *writer, const EsipaEimPackageResult *result, GError **error)
{
  der_begin (writer, 0xBF50);
  if (result->eid != NULL)
    der_write (writer, 0x5A, result->eid, ESIPA_EID_LENGTH);
  if (!write_eim_package_result_choice (writer, result, error))
    {
      g_prefix_error (error, "ProvideEimPackageResult: ");
      return FALSE;
    }
  der_end (writer);
  return TRUE;
}

GBytes *
esipa_asn1_encode_provide_eim_package_result (const EsipaEimPackageResult *result, GError **error)
{
  g_auto(DerWriter) writer = { 0 };

  g_return_val_if_fail (result != NULL, NULL);

  der_writer_init (&writer);
  if (!write_provide_eim_package_result (&writer, result, error))
    return NULL;
  return der_writer_finish (&writer);
}

GBytes *
esipa_asn1_encode_eim_package_result_choice (const EsipaEimPackageResult *result, GError **error)
{
  g_auto(DerWriter) writer = { 0 };

  g_return_val_if_fail (result != NULL, NULL);

  der_writer_init (&writer);
  if (!write_eim_package_result_choice (&writer, result, error))
    return NULL;
  return der_writer_finish (&writer);
}

GBytes *
esipa_asn1_encode_handle_notification (const EsipaNotification *notification, GError **error)
{
  static const gchar structure[] = "HandleNotificationEsipa";
  g_auto(DerWriter) writer = { 0 };

  g_return_val_if_fail (notification != NULL, NULL);

  der_writer_init (&writer);
  der_begin (&writer, 0xBF3D);
  switch (notification->kind)
    {
    case ESIPA_NOTIFICATION_PENDING:
      /* [0] on the PendingNotification CHOICE is an explicit tag: A0 wraps the card's TLV. An EuiccPackageResult
       * (BF51) is not a PendingNotification; it travels as provideEimPackageResult. */
      der_begin (&writer, 0xA0);
      if (!write_pending_notification (&writer, notification->pending_notification, structure,
                                       "pendingNotification", error))
        return NULL;
      der_end (&writer);
      break;
    case ESIPA_NOTIFICATION_PACKAGE_RESULT:
      if (notification->package_result == NULL)
        {
          fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: provideEimPackageResult is missing", structure);
          return NULL;
        }
      if (!write_provide_eim_package_result (&writer, notification->package_result, error))
        {
          g_prefix_error (error, "%s: ", structure);
          return NULL;
        }
      break;
    default:
      fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: unknown alternative %d", structure, (gint) notification->kind);
      return NULL;
    }
  der_end (&writer);
  return der_writer_finish (&writer);
}

static void
write_device_info_fields (DerWriter *writer, const EsipaDeviceInfo *info)
{
  der_write (writer, 0x80, info->tac, sizeof info->tac);
  der_begin (writer, 0xA1);
  for (guint n = 0; n < ESIPA_DEVCAP_N_RELEASES; n++)
    if ((info->releases_present & (1u << n)) != 0)
      {
        guint8 version[3] = { info->releases[n].major, info->releases[n].minor, info->releases[n].revision };

        der_write (writer, 0x80 | n, version, sizeof version);
      }
  der_end (writer);
  if (info->has_imei)
    der_write (writer, 0x82, info->imei, sizeof info->imei);
}

static void
write_device_info (DerWriter *writer, guint32 tag, const EsipaDeviceInfo *info)
{
  der_begin (writer, tag);
  write_device_info_fields (writer, info);
  der_end (writer);
}

GBytes *
esipa_asn1_encode_device_info_contents (const EsipaDeviceInfo *info)
{
  g_auto(DerWriter) writer = { 0 };

  der_writer_init (&writer);
  write_device_info_fields (&writer, info);
  return der_writer_finish (&writer);
}

GBytes *
esipa_asn1_encode_ipa_euicc_data_response (const EsipaIpaEuiccData *data, GError **error)
{
  static const gchar structure[] = "IpaEuiccData";
  g_auto(DerWriter) writer = { 0 };

  g_return_val_if_fail (data != NULL, NULL);

  der_writer_init (&writer);
  der_begin (&writer, 0xBF52);
  der_begin (&writer, 0xA0);  /* ipaEuiccData: automatic tag [0] of IpaEuiccDataResponse */
  /* In the order of the SEQUENCE, which is not the order of the tag numbers. */
  if (data->notifications != NULL)
    {
      der_begin (&writer, 0xA0);
      for (guint i = 0; i < data->notifications->len; i++)
        if (!write_pending_notification (&writer, g_ptr_array_index (data->notifications, i), structure,
                                         "notificationsList", error))
          return NULL;
      der_end (&writer);
    }
  if (data->default_smdp_address != NULL)
    der_write_utf8 (&writer, 0x81, data->default_smdp_address);
  if (data->euicc_package_results != NULL)
    {
      der_begin (&writer, 0xA2);
      for (guint i = 0; i < data->euicc_package_results->len; i++)
        if (!write_blob (&writer, g_ptr_array_index (data->euicc_package_results, i), 0xBF51, structure,
                         "euiccPackageResultList", error))
          return NULL;
      der_end (&writer);
    }
  if (data->euicc_info1 != NULL && !write_blob (&writer, data->euicc_info1, 0xBF20, structure, "euiccInfo1", error))
    return NULL;
  if (data->euicc_info2 != NULL && !write_blob (&writer, data->euicc_info2, 0xBF22, structure, "euiccInfo2", error))
    return NULL;
  if (data->root_smds_address != NULL)
    der_write_utf8 (&writer, 0x83, data->root_smds_address);
  if (data->has_association_token)
    der_write_int (&writer, 0x84, data->association_token);
  if (data->eum_certificate != NULL &&
      !write_retagged (&writer, data->eum_certificate, 0x30, 0xA5, structure, "eumCertificate", error))
    return NULL;
  if (data->euicc_certificate != NULL &&
      !write_retagged (&writer, data->euicc_certificate, 0x30, 0xA6, structure, "euiccCertificate", error))
    return NULL;
  if (data->eim_transaction_id != NULL)
    {
      if (!check_transaction_id (data->eim_transaction_id, structure, "eimTransactionId", error))
        return NULL;
      der_write_bytes (&writer, 0x87, data->eim_transaction_id);
    }
  if (data->has_ipa_capabilities)
    {
      der_begin (&writer, 0xA8);
      der_write_named_bits (&writer, 0x80, data->ipa_features, 6);
      if (data->has_ipa_supported_protocols)
        der_write_named_bits (&writer, 0x81, data->ipa_supported_protocols, 5);
      der_end (&writer);
    }
  if (data->device_info != NULL)
    write_device_info (&writer, 0xA9, data->device_info);
  der_end (&writer);
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
esipa_asn1_encode_ipa_euicc_data_error (GBytes *eim_transaction_id, gint64 error_code, GError **error)
{
  g_auto(DerWriter) writer = { 0 };

  if (eim_transaction_id != NULL &&
      !check_transaction_id (eim_transaction_id, "IpaEuiccDataResponseError", "eimTransactionId", error))
    return NULL;
  der_writer_init (&writer);
  der_begin (&writer, 0xBF52);
  der_begin (&writer, 0xA1);  /* ipaEuiccDataResponseError: automatic tag [1] */
  if (eim_transaction_id != NULL)
    der_write_bytes (&writer, 0x80, eim_transaction_id);
  der_write_int (&writer, 0x02, error_code);
  der_end (&writer);
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
esipa_asn1_encode_profile_download_result (GBytes *eim_transaction_id, GBytes *profile_installation_result,
                                           GError **error)
{
  static const gchar structure[] = "ProfileDownloadTriggerResult";
  g_auto(DerWriter) writer = { 0 };

  if (eim_transaction_id != NULL && !check_transaction_id (eim_transaction_id, structure, "eimTransactionId", error))
    return NULL;
  der_writer_init (&writer);
  der_begin (&writer, 0xBF54);
  if (eim_transaction_id != NULL)
    der_write_bytes (&writer, 0x82, eim_transaction_id);
  if (!write_blob (&writer, profile_installation_result, 0xBF37, structure, "profileInstallationResult", error))
    return NULL;
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
esipa_asn1_encode_profile_download_error (GBytes *eim_transaction_id, gint64 reason, GBytes *error_response,
                                          GError **error)
{
  static const gchar structure[] = "ProfileDownloadTriggerResult";
  g_auto(DerWriter) writer = { 0 };

  if (eim_transaction_id != NULL && !check_transaction_id (eim_transaction_id, structure, "eimTransactionId", error))
    return NULL;
  der_writer_init (&writer);
  der_begin (&writer, 0xBF54);
  if (eim_transaction_id != NULL)
    der_write_bytes (&writer, 0x82, eim_transaction_id);
  /* profileDownloadError: the CHOICE has a tagged alternative, so no automatic tag: a plain SEQUENCE; inside
   * it profileDownloadErrorReason is tagged [0], so errorResponse keeps its universal tag 04. */
  der_begin (&writer, 0x30);
  der_write_int (&writer, 0x80, reason);
  if (error_response != NULL)
    der_write_bytes (&writer, 0x04, error_response);
  der_end (&writer);
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
esipa_asn1_encode_initiate_authentication_request (const EsipaInitiateAuthenticationRequest *request, GError **error)
{
  static const gchar structure[] = "InitiateAuthenticationRequestEsipa";
  g_auto(DerWriter) writer = { 0 };

  g_return_val_if_fail (request != NULL, NULL);

  der_writer_init (&writer);
  der_begin (&writer, 0xBF39);
  der_write (&writer, 0x81, request->euicc_challenge, sizeof request->euicc_challenge);
  if (request->smdp_address != NULL)
    der_write_utf8 (&writer, 0x83, request->smdp_address);
  if (request->euicc_info1 != NULL &&
      !write_blob (&writer, request->euicc_info1, 0xBF20, structure, "euiccInfo1", error))
    return NULL;
  if (request->eim_transaction_id != NULL)
    {
      if (!check_transaction_id (request->eim_transaction_id, structure, "eimTransactionId", error))
        return NULL;
      der_write_bytes (&writer, 0x82, request->eim_transaction_id);
    }
  der_end (&writer);
  return der_writer_finish (&writer);
}

static GBytes *
encode_session_request (const EsipaSessionRequest *request, guint32 tag, const gchar *structure, guint32 card_tag,
                        const gchar *card_field, GError **error)
{
  g_auto(DerWriter) writer = { 0 };

  g_return_val_if_fail (request != NULL, NULL);

  if (!check_transaction_id (request->transaction_id, structure, "transactionId", error))
    return NULL;
  der_writer_init (&writer);
  der_begin (&writer, tag);
  der_write_bytes (&writer, 0x80, request->transaction_id);
  if (!write_blob (&writer, request->card_response, card_tag, structure, card_field, error))
    return NULL;
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
esipa_asn1_encode_authenticate_client_request (const EsipaSessionRequest *request, GError **error)
{
  return encode_session_request (request, 0xBF3B, "AuthenticateClientRequestEsipa", 0xBF38,
                                 "authenticateServerResponse", error);
}

GBytes *
esipa_asn1_encode_get_bound_profile_package_request (const EsipaSessionRequest *request, GError **error)
{
  return encode_session_request (request, 0xBF3A, "GetBoundProfilePackageRequestEsipa", 0xBF21,
                                 "prepareDownloadResponse", error);
}

GBytes *
esipa_asn1_encode_cancel_session_request (const EsipaSessionRequest *request, GError **error)
{
  static const gchar structure[] = "CancelSessionRequestEsipa";
  static const guint32 card_tag = 0xBF41;
  g_auto(DerWriter) writer = { 0 };
  DerTlv response, choice;
  DerReader reader;

  g_return_val_if_fail (request != NULL, NULL);

  if (!check_transaction_id (request->transaction_id, structure, "transactionId", error))
    return NULL;
  if (!check_blob (request->card_response, &card_tag, 1, structure, "cancelSessionResponse", &response, error))
    return NULL;
  /* The eUICC's SGP32-CancelSessionResponse is one CHOICE value: cancelSessionResponseOk (A0),
   * cancelSessionResponseError (81) or compactCancelSessionResponseOk (A2). Under [1] it keeps that value and
   * loses its own BF41. */
  if (!der_reader_enter (&response, &reader, error) || der_reader_at_end (&reader) ||
      !der_reader_next (&reader, &choice, error) || !der_reader_at_end (&reader) ||
      (choice.tag != 0xA0 && choice.tag != 0x81 && choice.tag != 0xA2))
    {
      g_clear_error (error);
      fail (error, EUICCD_ERROR_INVALID_ARGS,
            "%s: cancelSessionResponse: expected one cancelSessionResponseOk (A0), cancelSessionResponseError (81) or "
            "compactCancelSessionResponseOk (A2) inside BF41", structure);
      return NULL;
    }
  der_writer_init (&writer);
  der_begin (&writer, 0xBF41);
  der_write_bytes (&writer, 0x80, request->transaction_id);
  der_begin (&writer, 0xA1);
  der_write_raw (&writer, choice.raw, choice.raw_length);
  der_end (&writer);
  der_end (&writer);
  return der_writer_finish (&writer);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Package decoders */

EsipaEuiccPackageRequest *
esipa_asn1_decode_euicc_package_request (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "EuiccPackageRequest";
  g_autoptr(EsipaEuiccPackageRequest) request = g_new0 (EsipaEuiccPackageRequest, 1);
  DerTlv outer, child, signed_tlv = { 0 };
  DerReader reader, inner;
  gboolean has_signed = FALSE, has_signature = FALSE;
  gboolean has_eim_id = FALSE, has_eid = FALSE, has_counter = FALSE, has_package = FALSE;

  request->operations = g_array_new (FALSE, FALSE, sizeof (guint));
  if (!parse_outer (data, length, 0xBF51, structure, &outer, error))
    return NULL;
  if (!der_validate (&outer, error))
    {
      g_prefix_error (error, "%s: ", structure);
      return NULL;
    }
  if (!enter (&outer, structure, structure, &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      if (!next (&reader, structure, structure, &child, error))
        return NULL;
      if (child.tag == 0x30 && !has_signed)
        {
          signed_tlv = child;
          has_signed = TRUE;
        }
      else if (child.tag == 0x5F37)
        {
          if (child.constructed)
            {
              fail (error, EUICCD_ERROR_INVALID_DATA, "%s: eimSignature (5F37): constructed, expected an OCTET STRING",
                    structure);
              return NULL;
            }
          has_signature = TRUE;
        }
    }
  if (!missing (has_signed, structure, "euiccPackageSigned", 0x30, error) ||
      !missing (has_signature, structure, "eimSignature", 0x5F37, error))
    return NULL;

  if (!enter (&signed_tlv, structure, "euiccPackageSigned", &inner, error))
    return NULL;
  while (!der_reader_at_end (&inner))
    {
      if (!next (&inner, structure, "euiccPackageSigned", &child, error))
        return NULL;
      switch (child.tag)
        {
        case 0x80:
          g_clear_pointer (&request->eim_id, g_free);
          request->eim_id = read_utf8 (&child, structure, "eimId", 1, 128, error);
          if (request->eim_id == NULL)
            return NULL;
          has_eim_id = TRUE;
          break;
        case 0x5A:
          {
            g_autoptr(GBytes) eid = read_octets (&child, structure, "eidValue", ESIPA_EID_LENGTH, ESIPA_EID_LENGTH,
                                                 error);

            if (eid == NULL)
              return NULL;
            memcpy (request->eid, g_bytes_get_data (eid, NULL), ESIPA_EID_LENGTH);
            has_eid = TRUE;
          }
          break;
        case 0x81:
          if (!read_int (&child, structure, "counterValue", &request->counter_value, error))
            return NULL;
          has_counter = TRUE;
          break;
        case 0x82:
          g_clear_pointer (&request->eim_transaction_id, g_bytes_unref);
          request->eim_transaction_id = read_transaction_id (&child, structure, "eimTransactionId", error);
          if (request->eim_transaction_id == NULL)
            return NULL;
          break;
        case 0xA0:
        case 0xA1:
          {
            DerReader list;
            const gchar *field = child.tag == 0xA0 ? "psmoList" : "ecoList";

            if (has_package)
              {
                fail (error, EUICCD_ERROR_INVALID_DATA, "%s: euiccPackage appears twice", structure);
                return NULL;
              }
            has_package = TRUE;
            request->is_eco_list = child.tag == 0xA1;
            if (!enter (&child, structure, field, &list, error))
              return NULL;
            while (!der_reader_at_end (&list))
              {
                DerTlv operation;
                guint number;

                if (!next (&list, structure, field, &operation, error))
                  return NULL;
                number = tag_number (operation.tag);
                if (!operation.constructed || number == G_MAXUINT)
                  {
                    fail (error, EUICCD_ERROR_INVALID_DATA, "%s: %s: tag %02X is not a %s", structure, field,
                          operation.tag, child.tag == 0xA0 ? "Psmo" : "Eco");
                    return NULL;
                  }
                g_array_append_val (request->operations, number);
              }
          }
          break;
        default:
          g_debug ("%s: skipping unknown field %02X of euiccPackageSigned", structure, child.tag);
          break;
        }
    }
  if (!missing (has_eim_id, structure, "eimId", 0x80, error) ||
      !missing (has_eid, structure, "eidValue", 0x5A, error) ||
      !missing (has_counter, structure, "counterValue", 0x81, error))
    return NULL;
  if (!has_package)
    {
      fail (error, EUICCD_ERROR_INVALID_DATA, "%s: mandatory euiccPackage (psmoList A0 or ecoList A1) is missing",
            structure);
      return NULL;
    }
  return g_steal_pointer (&request);
}

/* tagList: a string of BER tags (one to four identifier octets each). */
static GArray *
parse_tag_list (const guint8 *data, gsize length, const gchar *structure, GError **error)
{
  g_autoptr(GArray) tags = g_array_new (FALSE, FALSE, sizeof (guint32));
  gsize i = 0;

  while (i < length)
    {
      gsize start = i;
      guint32 tag = data[i++];

      if ((tag & 0x1F) == 0x1F)
        {
          gboolean more = TRUE;

          while (more)
            {
              if (i >= length)
                {
                  fail (error, EUICCD_ERROR_INVALID_DATA, "%s: tagList (5C): tag at offset %zu is truncated",
                        structure, start);
                  return NULL;
                }
              if (i - start >= 4)
                {
                  fail (error, EUICCD_ERROR_INVALID_DATA,
                        "%s: tagList (5C): tag at offset %zu is longer than 4 octets", structure, start);
                  return NULL;
                }
              more = (data[i] & 0x80) != 0;
              tag = (tag << 8) | data[i++];
            }
        }
      g_array_append_val (tags, tag);
    }
  return g_steal_pointer (&tags);
}

EsipaIpaEuiccDataRequest *
esipa_asn1_decode_ipa_euicc_data_request (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "IpaEuiccDataRequest";
  g_autoptr(EsipaIpaEuiccDataRequest) request = g_new0 (EsipaIpaEuiccDataRequest, 1);
  DerTlv outer, child;
  DerReader reader;

  if (!parse_outer (data, length, 0xBF52, structure, &outer, error))
    return NULL;
  if (!enter (&outer, structure, structure, &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      if (!next (&reader, structure, structure, &child, error))
        return NULL;
      switch (child.tag)
        {
        case 0x5C:
          if (child.constructed)
            {
              fail (error, EUICCD_ERROR_INVALID_DATA, "%s: tagList (5C): constructed, expected an OCTET STRING",
                    structure);
              return NULL;
            }
          g_clear_pointer (&request->tag_list, g_bytes_unref);
          g_clear_pointer (&request->tags, g_array_unref);
          request->tag_list = g_bytes_new (child.value, child.length);
          request->tags = parse_tag_list (child.value, child.length, structure, error);
          if (request->tags == NULL)
            return NULL;
          break;
        case 0x04:
          g_clear_pointer (&request->euicc_ci_pkid, g_bytes_unref);
          request->euicc_ci_pkid = read_octets (&child, structure, "euiccCiPKIdentifierToBeUsed", 1, 64, error);
          if (request->euicc_ci_pkid == NULL)
            return NULL;
          break;
        case 0xA1:
          {
            DerReader choice_reader;
            DerTlv choice;

            if (!enter (&child, structure, "searchCriteriaNotification", &choice_reader, error))
              return NULL;
            if (der_reader_at_end (&choice_reader))
              {
                fail (error, EUICCD_ERROR_INVALID_DATA, "%s: searchCriteriaNotification (A1) is empty", structure);
                return NULL;
              }
            if (!next (&choice_reader, structure, "searchCriteriaNotification", &choice, error))
              return NULL;
            if (choice.tag == 0x80)
              {
                request->notification_search.kind = RSP_NOTIFICATION_SEARCH_SEQ_NUMBER;
                if (!read_int (&choice, structure, "searchCriteriaNotification.seqNumber",
                               &request->notification_search.seq_number, error))
                  return NULL;
              }
            else if (choice.tag == 0x81)
              {
                request->notification_search.kind = RSP_NOTIFICATION_SEARCH_OPERATION;
                if (!read_bits (&choice, structure, "searchCriteriaNotification.profileManagementOperation",
                                &request->notification_search.operation, error))
                  return NULL;
              }
            else
              {
                fail (error, EUICCD_ERROR_INVALID_DATA,
                      "%s: searchCriteriaNotification: tag %02X, expected seqNumber (80) or "
                      "profileManagementOperation (81)", structure, choice.tag);
                return NULL;
              }
            request->has_notification_search = TRUE;
          }
          break;
        case 0xA2:
          {
            DerReader choice_reader;
            DerTlv choice;

            if (!enter (&child, structure, "searchCriteriaEuiccPackageResult", &choice_reader, error))
              return NULL;
            if (der_reader_at_end (&choice_reader))
              {
                fail (error, EUICCD_ERROR_INVALID_DATA, "%s: searchCriteriaEuiccPackageResult (A2) is empty",
                      structure);
                return NULL;
              }
            if (!next (&choice_reader, structure, "searchCriteriaEuiccPackageResult", &choice, error))
              return NULL;
            if (choice.tag != 0x80)
              {
                fail (error, EUICCD_ERROR_INVALID_DATA,
                      "%s: searchCriteriaEuiccPackageResult: tag %02X, expected seqNumber (80)", structure,
                      choice.tag);
                return NULL;
              }
            if (!read_int (&choice, structure, "searchCriteriaEuiccPackageResult.seqNumber",
                           &request->package_result_seq_number, error))
              return NULL;
            request->has_package_result_search = TRUE;
          }
          break;
        case 0x83:
          g_clear_pointer (&request->eim_transaction_id, g_bytes_unref);
          request->eim_transaction_id = read_transaction_id (&child, structure, "eimTransactionId", error);
          if (request->eim_transaction_id == NULL)
            return NULL;
          break;
        default:
          g_debug ("%s: skipping unknown field %02X", structure, child.tag);
          break;
        }
    }
  if (!missing (request->tags != NULL, structure, "tagList", 0x5C, error))
    return NULL;
  return g_steal_pointer (&request);
}

static EsipaProfileDownloadTrigger *
parse_download_trigger (const DerTlv *outer, GError **error)
{
  static const gchar structure[] = "ProfileDownloadTriggerRequest";
  g_autoptr(EsipaProfileDownloadTrigger) trigger = g_new0 (EsipaProfileDownloadTrigger, 1);
  DerTlv child;
  DerReader reader;

  if (!enter (outer, structure, structure, &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      if (!next (&reader, structure, structure, &child, error))
        return NULL;
      if (child.tag == 0xA0)
        {
          DerReader choice_reader;
          DerTlv choice;

          if (!enter (&child, structure, "profileDownloadData", &choice_reader, error))
            return NULL;
          if (der_reader_at_end (&choice_reader))
            {
              fail (error, EUICCD_ERROR_INVALID_DATA, "%s: profileDownloadData (A0) is empty", structure);
              return NULL;
            }
          if (!next (&choice_reader, structure, "profileDownloadData", &choice, error))
            return NULL;
          g_clear_pointer (&trigger->activation_code, g_free);
          g_clear_pointer (&trigger->smds_address, g_free);
          switch (choice.tag)
            {
            case 0x80:
              trigger->kind = ESIPA_DOWNLOAD_DATA_ACTIVATION_CODE;
              trigger->activation_code = read_utf8 (&choice, structure, "activationCode", 0, 255, error);
              if (trigger->activation_code == NULL)
                return NULL;
              break;
            case 0x81:
              trigger->kind = ESIPA_DOWNLOAD_DATA_CONTACT_DEFAULT_SMDP;
              if (!read_null (&choice, structure, "contactDefaultSmdp", error))
                return NULL;
              break;
            case 0xA2:
              {
                DerReader smds;
                DerTlv address;

                trigger->kind = ESIPA_DOWNLOAD_DATA_CONTACT_SMDS;
                if (!enter (&choice, structure, "contactSmds", &smds, error))
                  return NULL;
                while (!der_reader_at_end (&smds))
                  {
                    if (!next (&smds, structure, "contactSmds", &address, error))
                      return NULL;
                    if (address.tag == 0x80 && trigger->smds_address == NULL)
                      {
                        trigger->smds_address = read_utf8 (&address, structure, "contactSmds.smdsAddress", 0, 255,
                                                           error);
                        if (trigger->smds_address == NULL)
                          return NULL;
                      }
                  }
              }
              break;
            default:
              fail (error, EUICCD_ERROR_NOT_SUPPORTED,
                    "%s: profileDownloadData: unknown alternative tag %02X, expected activationCode (80), "
                    "contactDefaultSmdp (81) or contactSmds (A2)", structure, choice.tag);
              return NULL;
            }
        }
      else if (child.tag == 0x82)
        {
          g_clear_pointer (&trigger->eim_transaction_id, g_bytes_unref);
          trigger->eim_transaction_id = read_transaction_id (&child, structure, "eimTransactionId", error);
          if (trigger->eim_transaction_id == NULL)
            return NULL;
        }
      else
        g_debug ("%s: skipping unknown field %02X", structure, child.tag);
    }
  return g_steal_pointer (&trigger);
}

EsipaProfileDownloadTrigger *
esipa_asn1_decode_profile_download_trigger (const guint8 *data, gsize length, GError **error)
{
  DerTlv outer;

  if (!parse_outer (data, length, 0xBF54, "ProfileDownloadTriggerRequest", &outer, error))
    return NULL;
  return parse_download_trigger (&outer, error);
}

/* Lenient TLV step for salvaging: reads one tag and length at `pos` and clamps the value to what is there, so
 * a truncated package still shows its leading fields. */
static gboolean
salvage_next (const guint8 **pos, const guint8 *end, guint32 *ret_tag, const guint8 **ret_value,
              gsize *ret_length, gboolean *ret_clamped)
{
  const guint8 *p = *pos;
  guint32 tag;
  gsize length = 0;

  if (p >= end)
    return FALSE;
  tag = *p++;
  if ((tag & 0x1F) == 0x1F)
    {
      guint n = 0;

      do
        {
          if (p >= end || ++n > 3)
            return FALSE;
          tag = (tag << 8) | *p;
        }
      while ((*p++ & 0x80) != 0);
    }
  if (p >= end)
    return FALSE;
  if (*p < 0x80)
    length = *p++;
  else
    {
      guint n = *p++ & 0x7F;

      if (n == 0 || n > 4)
        return FALSE;
      for (guint i = 0; i < n; i++)
        {
          if (p >= end)
            return FALSE;
          length = (length << 8) | *p++;
        }
    }
  *ret_clamped = length > (gsize) (end - p);
  if (*ret_clamped)
    length = (gsize) (end - p);
  *ret_tag = tag;
  *ret_value = p;
  *ret_length = length;
  *pos = p + length;
  return TRUE;
}

/* Looks for a primitive `tag` of 1 to 16 bytes among the TLVs in [data, data + length). */
static GBytes *
salvage_find_id (const guint8 *data, gsize length, guint32 tag)
{
  const guint8 *pos = data;
  const guint8 *end = data + length;
  guint32 found;
  const guint8 *value;
  gsize value_length;
  gboolean clamped;

  while (salvage_next (&pos, end, &found, &value, &value_length, &clamped))
    {
      /* A truncated id is no id; the primitive tags searched for are single octets. */
      if (found == tag && !clamped && value_length >= 1 && value_length <= ESIPA_TRANSACTION_ID_MAX_LENGTH)
        return g_bytes_new (value, value_length);
    }
  return NULL;
}

GBytes *
esipa_eim_package_salvage_transaction_id (const guint8 *data, gsize length)
{
  const guint8 *pos = data;
  const guint8 *end;
  guint32 tag;
  const guint8 *value;
  gsize value_length;
  gboolean clamped;

  if (data == NULL || length == 0)
    return NULL;
  end = data + length;
  if (!salvage_next (&pos, end, &tag, &value, &value_length, &clamped))
    return NULL;
  if (tag == 0xBF4F)
    {
      /* The whole GetEimPackageResponse: look inside. */
      pos = value;
      end = value + value_length;
      if (!salvage_next (&pos, end, &tag, &value, &value_length, &clamped))
        return NULL;
    }
  switch (tag)
    {
    case 0xBF51:
      {
        const guint8 *inner = value;
        const guint8 *inner_end = value + value_length;
        guint32 signed_tag;
        const guint8 *signed_value;
        gsize signed_length;

        if (!salvage_next (&inner, inner_end, &signed_tag, &signed_value, &signed_length, &clamped) ||
            signed_tag != 0x30)
          return NULL;
        return salvage_find_id (signed_value, signed_length, 0x82);
      }
    case 0xBF52:
      return salvage_find_id (value, value_length, 0x83);
    case 0xBF54:
      return salvage_find_id (value, value_length, 0x82);
    default:
      return NULL;
    }
}

gint64
esipa_package_result_error_for (const GError *error)
{
  if (error != NULL && error->domain == EUICCD_ERROR && error->code == EUICCD_ERROR_NOT_SUPPORTED)
    return ESIPA_PACKAGE_RESULT_ERROR_UNKNOWN_PACKAGE;
  return ESIPA_PACKAGE_RESULT_ERROR_INVALID_PACKAGE_FORMAT;
}

static void
set_unusable (EsipaUnusablePackage **ret_unusable, const guint8 *data, gsize length, const GError *error)
{
  EsipaUnusablePackage *unusable;

  if (ret_unusable == NULL)
    return;
  unusable = g_new0 (EsipaUnusablePackage, 1);
  unusable->result_error_code = esipa_package_result_error_for (error);
  unusable->eim_transaction_id = esipa_eim_package_salvage_transaction_id (data, length);
  if (data != NULL && length > 0)
    unusable->raw = g_bytes_new (data, length);
  *ret_unusable = unusable;
}

/* One package TLV (BF51, BF52, BF54) or eimPackageError (02) as a CHOICE value. */
static EsipaEimPackage *
parse_package (const DerTlv *choice, const gchar *structure, GError **error)
{
  g_autoptr(EsipaEimPackage) package = g_new0 (EsipaEimPackage, 1);

  switch (choice->tag)
    {
    case 0xBF51:
      package->kind = ESIPA_EIM_PACKAGE_EUICC_PACKAGE_REQUEST;
      package->euicc_package = esipa_asn1_decode_euicc_package_request (choice->raw, choice->raw_length, error);
      if (package->euicc_package == NULL)
        return NULL;
      break;
    case 0xBF52:
      package->kind = ESIPA_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST;
      package->ipa_euicc_data_request = esipa_asn1_decode_ipa_euicc_data_request (choice->raw, choice->raw_length,
                                                                                   error);
      if (package->ipa_euicc_data_request == NULL)
        return NULL;
      break;
    case 0xBF54:
      package->kind = ESIPA_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER;
      package->download_trigger = parse_download_trigger (choice, error);
      if (package->download_trigger == NULL)
        return NULL;
      break;
    case 0x02:
      package->kind = ESIPA_EIM_PACKAGE_ERROR;
      if (!read_int (choice, structure, "eimPackageError", &package->error_code, error))
        return NULL;
      return g_steal_pointer (&package);
    default:
      fail (error, EUICCD_ERROR_NOT_SUPPORTED,
            "%s: unknown package alternative tag %02X, expected euiccPackageRequest (BF51), ipaEuiccDataRequest "
            "(BF52), profileDownloadTriggerRequest (BF54) or eimPackageError (02)", structure, choice->tag);
      return NULL;
    }
  package->raw = g_bytes_new (choice->raw, choice->raw_length);
  return g_steal_pointer (&package);
}

EsipaEimPackage *
esipa_asn1_decode_eim_package (const guint8 *data, gsize length, EsipaUnusablePackage **ret_unusable, GError **error)
{
  static const gchar structure[] = "eIM package";
  EsipaEimPackage *package;
  DerTlv tlv;
  GError *local_error = NULL;

  if (data == NULL || length == 0)
    fail (&local_error, EUICCD_ERROR_INVALID_DATA, "%s: empty", structure);
  else if (der_parse_single (data, length, &tlv, &local_error))
    {
      package = parse_package (&tlv, structure, &local_error);
      if (package != NULL)
        return package;
    }
  else
    g_prefix_error (&local_error, "%s: ", structure);
  set_unusable (ret_unusable, data, length, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

EsipaEimPackage *
esipa_asn1_decode_get_eim_package_response (const guint8 *data, gsize length, EsipaUnusablePackage **ret_unusable,
                                            GError **error)
{
  static const gchar structure[] = "GetEimPackageResponse";
  GError *local_error = NULL;
  DerTlv outer, choice;
  DerReader reader;

  if (parse_outer (data, length, 0xBF4F, structure, &outer, &local_error) &&
      enter (&outer, structure, structure, &reader, &local_error))
    {
      if (der_reader_at_end (&reader))
        fail (&local_error, EUICCD_ERROR_INVALID_DATA, "%s: empty, expected a package or eimPackageError",
              structure);
      else if (next (&reader, structure, structure, &choice, &local_error))
        {
          if (!der_reader_at_end (&reader))
            fail (&local_error, EUICCD_ERROR_INVALID_DATA,
                  "%s: data after the %02X alternative (a CHOICE holds one value)", structure, choice.tag);
          else
            {
              EsipaEimPackage *package = parse_package (&choice, structure, &local_error);

              if (package != NULL)
                return package;
              g_prefix_error (&local_error, "%s: ", structure);
            }
        }
    }
  set_unusable (ret_unusable, data, length, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Other response decoders */

/* The one CHOICE value inside an outer TLV. */
static gboolean
single_choice (const guint8 *data, gsize length, guint32 tag, const gchar *structure, DerTlv *ret_choice,
               GError **error)
{
  DerTlv outer;
  DerReader reader;

  if (!parse_outer (data, length, tag, structure, &outer, error) ||
      !enter (&outer, structure, structure, &reader, error))
    return FALSE;
  if (der_reader_at_end (&reader))
    return fail (error, EUICCD_ERROR_INVALID_DATA, "%s: empty, expected one alternative", structure);
  if (!next (&reader, structure, structure, ret_choice, error))
    return FALSE;
  if (!der_reader_at_end (&reader))
    return fail (error, EUICCD_ERROR_INVALID_DATA, "%s: data after the %02X alternative (a CHOICE holds one value)",
                 structure, ret_choice->tag);
  return TRUE;
}

static GArray *
parse_acknowledgements (const DerTlv *tlv, const gchar *structure, GError **error)
{
  g_autoptr(GArray) seq_numbers = g_array_new (FALSE, FALSE, sizeof (gint64));
  DerReader reader;
  DerTlv child;

  if (!enter (tlv, structure, "eimAcknowledgements", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      gint64 seq_number;

      if (!next (&reader, structure, "eimAcknowledgements", &child, error))
        return NULL;
      if (child.tag != 0x80)
        {
          fail (error, EUICCD_ERROR_INVALID_DATA, "%s: eimAcknowledgements: tag %02X, expected SequenceNumber (80)",
                structure, child.tag);
          return NULL;
        }
      if (!read_int (&child, structure, "eimAcknowledgements.SequenceNumber", &seq_number, error))
        return NULL;
      g_array_append_val (seq_numbers, seq_number);
    }
  return g_steal_pointer (&seq_numbers);
}

GArray *
esipa_asn1_decode_eim_acknowledgements (const guint8 *data, gsize length, GError **error)
{
  DerTlv outer;

  if (!parse_outer (data, length, 0xBF53, "EimAcknowledgements", &outer, error))
    return NULL;
  return parse_acknowledgements (&outer, "EimAcknowledgements", error);
}

EsipaProvideResultResponse *
esipa_asn1_decode_provide_eim_package_result_response (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "ProvideEimPackageResultResponse";
  g_autoptr(EsipaProvideResultResponse) response = g_new0 (EsipaProvideResultResponse, 1);
  DerTlv choice;

  if (!single_choice (data, length, 0xBF50, structure, &choice, error))
    return NULL;
  switch (choice.tag)
    {
    case 0xBF53:
      response->kind = ESIPA_PROVIDE_RESULT_ACKNOWLEDGEMENTS;
      response->seq_numbers = parse_acknowledgements (&choice, structure, error);
      if (response->seq_numbers == NULL)
        return NULL;
      return g_steal_pointer (&response);
    case 0x30:
      /* emptyResponse SEQUENCE {}: EXTENSIBILITY IMPLIED lets it grow, so contents are ignored. */
      response->kind = ESIPA_PROVIDE_RESULT_EMPTY;
      break;
    case 0x02:
      response->kind = ESIPA_PROVIDE_RESULT_ERROR;
      if (!read_int (&choice, structure, "provideEimPackageResultError", &response->error_code, error))
        return NULL;
      break;
    default:
      fail (error, EUICCD_ERROR_INVALID_DATA,
            "%s: tag %02X, expected eimAcknowledgements (BF53), emptyResponse (30) or provideEimPackageResultError "
            "(02)", structure, choice.tag);
      return NULL;
    }
  response->seq_numbers = g_array_new (FALSE, FALSE, sizeof (gint64));
  return g_steal_pointer (&response);
}

EsipaInitiateAuthenticationResponse *
esipa_asn1_decode_initiate_authentication_response (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "InitiateAuthenticationResponseEsipa";
  g_autoptr(EsipaInitiateAuthenticationResponse) response = g_new0 (EsipaInitiateAuthenticationResponse, 1);
  DerTlv choice, child;
  DerReader reader;

  if (!single_choice (data, length, 0xBF39, structure, &choice, error))
    return NULL;
  if (choice.tag == 0x81)
    {
      response->has_error = TRUE;
      if (!read_int (&choice, structure, "initiateAuthenticationErrorEsipa", &response->error_code, error))
        return NULL;
      return g_steal_pointer (&response);
    }
  if (choice.tag != 0xA0)
    {
      fail (error, EUICCD_ERROR_INVALID_DATA,
            "%s: tag %02X, expected initiateAuthenticationOkEsipa (A0) or initiateAuthenticationErrorEsipa (81)",
            structure, choice.tag);
      return NULL;
    }
  if (!enter (&choice, structure, "initiateAuthenticationOkEsipa", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      if (!next (&reader, structure, "initiateAuthenticationOkEsipa", &child, error))
        return NULL;
      switch (child.tag)
        {
        case 0x80:
          if (response->transaction_id == NULL &&
              (response->transaction_id = read_transaction_id (&child, structure, "transactionId", error)) == NULL)
            return NULL;
          break;
        case 0x30:
          /* Two untagged SEQUENCEs: serverSigned1 first, serverCertificate after the signature. */
          if (response->server_signed1 == NULL)
            {
              if ((response->server_signed1 = read_raw (&child, structure, "serverSigned1", error)) == NULL)
                return NULL;
            }
          else if (response->server_certificate == NULL)
            {
              if ((response->server_certificate = read_raw (&child, structure, "serverCertificate", error)) == NULL)
                return NULL;
            }
          break;
        case 0x5F37:
          if (response->server_signature1 == NULL &&
              (response->server_signature1 = read_octets (&child, structure, "serverSignature1", 1, 512,
                                                          error)) == NULL)
            return NULL;
          break;
        case 0x04:
          if (response->euicc_ci_pkid_to_be_used == NULL &&
              (response->euicc_ci_pkid_to_be_used = read_octets (&child, structure, "euiccCiPKIdentifierToBeUsed", 1,
                                                                 64, error)) == NULL)
            return NULL;
          break;
        case 0x0C:
          if (response->matching_id == NULL &&
              (response->matching_id = read_utf8 (&child, structure, "matchingId", 0, 255, error)) == NULL)
            return NULL;
          break;
        case 0xA2:
          {
            DerReader ctx;
            DerTlv value;

            /* [2] on the CtxParams1 CHOICE is explicit: keep the CHOICE value (A0 ...) that AuthenticateServer
             * takes. */
            if (!enter (&child, structure, "ctxParams1", &ctx, error))
              return NULL;
            if (der_reader_at_end (&ctx))
              {
                fail (error, EUICCD_ERROR_INVALID_DATA, "%s: ctxParams1 (A2) is empty", structure);
                return NULL;
              }
            if (!next (&ctx, structure, "ctxParams1", &value, error))
              return NULL;
            g_clear_pointer (&response->ctx_params1, g_bytes_unref);
            if ((response->ctx_params1 = read_raw (&value, structure, "ctxParams1", error)) == NULL)
              return NULL;
          }
          break;
        default:
          g_debug ("%s: skipping unknown field %02X", structure, child.tag);
          break;
        }
    }
  if (!missing (response->server_signed1 != NULL, structure, "serverSigned1", 0x30, error) ||
      !missing (response->server_signature1 != NULL, structure, "serverSignature1", 0x5F37, error) ||
      !missing (response->euicc_ci_pkid_to_be_used != NULL, structure, "euiccCiPKIdentifierToBeUsed", 0x04, error) ||
      !missing (response->server_certificate != NULL, structure, "serverCertificate", 0x30, error))
    return NULL;
  return g_steal_pointer (&response);
}

EsipaAuthenticateClientResponse *
esipa_asn1_decode_authenticate_client_response (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "AuthenticateClientResponseEsipa";
  g_autoptr(EsipaAuthenticateClientResponse) response = g_new0 (EsipaAuthenticateClientResponse, 1);
  DerTlv choice, child;
  DerReader reader;

  if (!single_choice (data, length, 0xBF3B, structure, &choice, error))
    return NULL;
  switch (choice.tag)
    {
    case 0x82:
      response->kind = ESIPA_AUTHENTICATE_CLIENT_ERROR;
      if (!read_int (&choice, structure, "authenticateClientErrorEsipa", &response->error_code, error))
        return NULL;
      return g_steal_pointer (&response);
    case 0xA0:
      response->kind = ESIPA_AUTHENTICATE_CLIENT_OK_DP;
      if (!enter (&choice, structure, "authenticateClientOkDPEsipa", &reader, error))
        return NULL;
      while (!der_reader_at_end (&reader))
        {
          if (!next (&reader, structure, "authenticateClientOkDPEsipa", &child, error))
            return NULL;
          switch (child.tag)
            {
            case 0x80:
              if (response->transaction_id == NULL &&
                  (response->transaction_id = read_transaction_id (&child, structure, "transactionId", error)) == NULL)
                return NULL;
              break;
            case 0xBF25:
              if (response->profile_metadata == NULL &&
                  (response->profile_metadata = read_raw (&child, structure, "profileMetaData", error)) == NULL)
                return NULL;
              break;
            case 0x30:
              if (response->smdp_signed2 == NULL)
                {
                  if ((response->smdp_signed2 = read_raw (&child, structure, "smdpSigned2", error)) == NULL)
                    return NULL;
                }
              else if (response->smdp_certificate == NULL)
                {
                  if ((response->smdp_certificate = read_raw (&child, structure, "smdpCertificate", error)) == NULL)
                    return NULL;
                }
              break;
            case 0x5F37:
              if (response->smdp_signature2 == NULL &&
                  (response->smdp_signature2 = read_octets (&child, structure, "smdpSignature2", 1, 512, error)) ==
                  NULL)
                return NULL;
              break;
            case 0x04:
              if (response->hash_cc == NULL &&
                  (response->hash_cc = read_octets (&child, structure, "hashCc", 32, 32, error)) == NULL)
                return NULL;
              break;
            default:
              g_debug ("%s: skipping unknown field %02X", structure, child.tag);
              break;
            }
        }
      if (!missing (response->smdp_signed2 != NULL, structure, "smdpSigned2", 0x30, error) ||
          !missing (response->smdp_signature2 != NULL, structure, "smdpSignature2", 0x5F37, error) ||
          !missing (response->smdp_certificate != NULL, structure, "smdpCertificate", 0x30, error))
        return NULL;
      return g_steal_pointer (&response);
    case 0xA1:
      response->kind = ESIPA_AUTHENTICATE_CLIENT_OK_DS;
      if (!enter (&choice, structure, "authenticateClientOkDSEsipa", &reader, error))
        return NULL;
      while (!der_reader_at_end (&reader))
        {
          if (!next (&reader, structure, "authenticateClientOkDSEsipa", &child, error))
            return NULL;
          if (child.tag == 0x80 && response->transaction_id == NULL)
            {
              if ((response->transaction_id = read_transaction_id (&child, structure, "transactionId", error)) == NULL)
                return NULL;
            }
          else if (child.tag == 0xBF54 && response->download_trigger == NULL)
            {
              if ((response->download_trigger = parse_download_trigger (&child, error)) == NULL)
                {
                  g_prefix_error (error, "%s: ", structure);
                  return NULL;
                }
            }
          else
            g_debug ("%s: skipping unknown field %02X", structure, child.tag);
        }
      if (!missing (response->transaction_id != NULL, structure, "transactionId", 0x80, error))
        return NULL;
      return g_steal_pointer (&response);
    default:
      fail (error, EUICCD_ERROR_INVALID_DATA,
            "%s: tag %02X, expected authenticateClientOkDPEsipa (A0), authenticateClientOkDSEsipa (A1) or "
            "authenticateClientErrorEsipa (82)", structure, choice.tag);
      return NULL;
    }
}

EsipaGetBoundProfilePackageResponse *
esipa_asn1_decode_get_bound_profile_package_response (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "GetBoundProfilePackageResponseEsipa";
  g_autoptr(EsipaGetBoundProfilePackageResponse) response = g_new0 (EsipaGetBoundProfilePackageResponse, 1);
  DerTlv choice, child;
  DerReader reader;

  if (!single_choice (data, length, 0xBF3A, structure, &choice, error))
    return NULL;
  if (choice.tag == 0x81)
    {
      response->has_error = TRUE;
      if (!read_int (&choice, structure, "getBoundProfilePackageErrorEsipa", &response->error_code, error))
        return NULL;
      return g_steal_pointer (&response);
    }
  if (choice.tag != 0xA0)
    {
      fail (error, EUICCD_ERROR_INVALID_DATA,
            "%s: tag %02X, expected getBoundProfilePackageOkEsipa (A0) or getBoundProfilePackageErrorEsipa (81)",
            structure, choice.tag);
      return NULL;
    }
  if (!enter (&choice, structure, "getBoundProfilePackageOkEsipa", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      if (!next (&reader, structure, "getBoundProfilePackageOkEsipa", &child, error))
        return NULL;
      if (child.tag == 0x80 && response->transaction_id == NULL)
        {
          if ((response->transaction_id = read_transaction_id (&child, structure, "transactionId", error)) == NULL)
            return NULL;
        }
      else if (child.tag == 0xBF36 && response->bound_profile_package == NULL)
        {
          if ((response->bound_profile_package = read_raw (&child, structure, "boundProfilePackage", error)) == NULL)
            return NULL;
        }
      else
        g_debug ("%s: skipping unknown field %02X", structure, child.tag);
    }
  if (!missing (response->bound_profile_package != NULL, structure, "boundProfilePackage", 0xBF36, error))
    return NULL;
  return g_steal_pointer (&response);
}

EsipaCancelSessionResponse *
esipa_asn1_decode_cancel_session_response (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "CancelSessionResponseEsipa";
  g_autoptr(EsipaCancelSessionResponse) response = g_new0 (EsipaCancelSessionResponse, 1);
  DerTlv choice;

  if (!single_choice (data, length, 0xBF41, structure, &choice, error))
    return NULL;
  if (choice.tag == 0x81)
    {
      response->has_error = TRUE;
      if (!read_int (&choice, structure, "cancelSessionError", &response->error_code, error))
        return NULL;
    }
  else if (choice.tag != 0xA0)
    {
      fail (error, EUICCD_ERROR_INVALID_DATA, "%s: tag %02X, expected cancelSessionOk (A0) or cancelSessionError (81)",
            structure, choice.tag);
      return NULL;
    }
  return g_steal_pointer (&response);
}
