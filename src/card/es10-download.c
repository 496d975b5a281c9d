/* SPDX-License-Identifier: Apache-2.0 */
/* ES10b profile download functions. What the SM-DP+ signed is relayed byte for byte: requests are assembled
 * from the server's TLVs after checking each one's tag, and responses keep the card's bytes. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include "card/es10-download.h"
#include "card/es10-private.h"
#include "euiccd-error.h"
#include "euiccd-destroy.h"

EUICCD_DEFINE_DESTROY_NOTIFY (g_bytes_unref, GBytes)

void
es10_download_response_free (Es10DownloadResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->transaction_id, g_bytes_unref);
  g_clear_pointer (&response->raw, g_bytes_unref);
  g_free (response);
}

void
es10_cancel_session_response_free (Es10CancelSessionResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->raw, g_bytes_unref);
  g_free (response);
}

void
es10_profile_installation_result_free (Es10ProfileInstallationResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->transaction_id, g_bytes_unref);
  g_free (result->notification_address);
  g_clear_pointer (&result->isdp_aid, g_bytes_unref);
  g_clear_pointer (&result->raw, g_bytes_unref);
  g_free (result);
}

/* Appends `tlv` to the request being written after checking that it is exactly one TLV with tag `tag`. */
static gboolean
write_relayed (DerWriter *writer, GBytes *tlv, guint32 tag, const gchar *structure, const gchar *field,
               GError **error)
{
  DerTlv parsed;
  gsize length = 0;
  const guint8 *data;

  if (tlv == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "%s: %s is missing", structure, field);
      return FALSE;
    }
  data = g_bytes_get_data (tlv, &length);
  if (!der_parse_expect (data, length, tag, &parsed, error))
    {
      g_prefix_error (error, "%s: %s: ", structure, field);
      if (error != NULL && *error != NULL)
        (*error)->code = EUICCD_ERROR_INVALID_ARGS;
      return FALSE;
    }
  der_write_raw (writer, data, length);
  return TRUE;
}

GBytes *
es10_ctx_params1_encode (const gchar *matching_id, GBytes *device_info_contents)
{
  DerWriter writer;
  gsize length = 0;
  const guint8 *data = device_info_contents != NULL ? g_bytes_get_data (device_info_contents, &length) : NULL;

  der_writer_init (&writer);
  der_begin (&writer, 0xA0);          /* ctxParamsForCommonAuthentication */
  if (matching_id != NULL)
    der_write_utf8 (&writer, 0x80, matching_id);
  der_begin (&writer, 0xA1);          /* deviceInfo */
  if (data != NULL)
    der_write_raw (&writer, data, length);
  der_end (&writer);
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
es10_authenticate_server_encode (GBytes *server_signed1, GBytes *server_signature1, GBytes *euicc_ci_pkid,
                                 GBytes *server_certificate, GBytes *ctx_params1, GError **error)
{
  static const gchar structure[] = "AuthenticateServerRequest";
  g_auto(DerWriter) writer = { 0 };

  der_writer_init (&writer);
  der_begin (&writer, 0xBF38);
  if (!write_relayed (&writer, server_signed1, 0x30, structure, "serverSigned1", error) ||
      !write_relayed (&writer, server_signature1, 0x5F37, structure, "serverSignature1", error) ||
      !write_relayed (&writer, euicc_ci_pkid, 0x04, structure, "euiccCiPKIdToBeUsed", error) ||
      !write_relayed (&writer, server_certificate, 0x30, structure, "serverCertificate", error) ||
      !write_relayed (&writer, ctx_params1, 0xA0, structure, "ctxParams1", error))
    return NULL;
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
es10_prepare_download_encode (GBytes *smdp_signed2, GBytes *smdp_signature2, GBytes *hash_cc,
                              GBytes *smdp_certificate, GError **error)
{
  static const gchar structure[] = "PrepareDownloadRequest";
  g_auto(DerWriter) writer = { 0 };

  if (hash_cc != NULL && g_bytes_get_size (hash_cc) != 32)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "%s: hashCc is %" G_GSIZE_FORMAT
                   " bytes, expected 32", structure, g_bytes_get_size (hash_cc));
      return NULL;
    }
  der_writer_init (&writer);
  der_begin (&writer, 0xBF21);
  if (!write_relayed (&writer, smdp_signed2, 0x30, structure, "smdpSigned2", error) ||
      !write_relayed (&writer, smdp_signature2, 0x5F37, structure, "smdpSignature2", error))
    return NULL;
  if (hash_cc != NULL)
    der_write_bytes (&writer, 0x04, hash_cc);
  if (!write_relayed (&writer, smdp_certificate, 0x30, structure, "smdpCertificate", error))
    return NULL;
  der_end (&writer);
  return der_writer_finish (&writer);
}

/* The child `tag` of `tlv`, which must be there. */
static gboolean
find_required (const DerTlv *tlv, guint32 tag, const gchar *structure, const gchar *field, DerTlv *ret_child,
               GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (der_find_child (tlv, tag, ret_child, &local_error))
    return TRUE;
  if (local_error != NULL)
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: %s: ", structure, field);
  else
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: %s (%02X) missing", structure, field, tag);
  return FALSE;
}

/* The transactionId (80) among the children of `tlv`, NULL when there is none. */
static GBytes *
find_transaction_id (const DerTlv *tlv, const gchar *structure, GError **error)
{
  DerTlv child;
  g_autoptr(GError) local_error = NULL;

  if (!der_find_child (tlv, 0x80, &child, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", structure);
          return NULL;
        }
      return g_bytes_new (NULL, 0);
    }
  return es10_read_octets (&child, structure, "transactionId", 1, 16, error);
}

/* AuthenticateServerResponse and PrepareDownloadResponse share their shape: ok A0 { signed data 30 { 80
 * transactionId ... } ... }, error A1 { 80 transactionId, 81 code }, compact ok A2. */
static Es10DownloadResponse *
download_response_decode (const guint8 *data, gsize length, guint32 tag, const gchar *structure,
                          const gchar *ok_name, const gchar *error_name, GError **error)
{
  g_autoptr(Es10DownloadResponse) response = g_new0 (Es10DownloadResponse, 1);
  g_autoptr(GBytes) transaction_id = NULL;
  DerTlv outer, choice, field;
  DerReader reader;

  if (!es10_parse_outer (data, length, tag, structure, &outer, error) ||
      !es10_enter (&outer, structure, structure, &reader, error))
    return NULL;
  if (der_reader_at_end (&reader))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: empty, expected %s (A0) or %s (A1)",
                   structure, ok_name, error_name);
      return NULL;
    }
  if (!es10_next (&reader, structure, &choice, error))
    return NULL;
  switch (choice.tag)
    {
    case 0xA0:
      {
        DerReader ok;
        DerTlv signed_data;
        if (!es10_enter (&choice, structure, ok_name, &ok, error) || !es10_next (&ok, structure, &signed_data, error))
          return NULL;
        if (signed_data.tag != 0x30)
          {
            g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                         "%s: %s starts with tag %02X, expected the signed data (30)", structure, ok_name,
                         signed_data.tag);
            return NULL;
          }
        transaction_id = find_transaction_id (&signed_data, structure, error);
        if (transaction_id == NULL)
          return NULL;
        response->ok = TRUE;
        break;
      }
    case 0xA1:
      transaction_id = find_transaction_id (&choice, structure, error);
      if (transaction_id == NULL)
        return NULL;
      /* transactionId carries an explicit [0], so AUTOMATIC TAGS leave the error code a plain INTEGER (02), as
       * the eUICCs send it; [1] (81) is read too, its meaning being unambiguous. */
      if (der_find_child (&choice, 0x81, &field, NULL))
        g_warning ("%s: the error code came tagged 81 instead of 02; read all the same", structure);
      else if (!find_required (&choice, 0x02, structure, error_name, &field, error))
        return NULL;
      if (!es10_read_int (&field, structure, error_name, &response->error_code, error))
        return NULL;
      break;
    case 0xA2:
      /* SGP.32's compact form: the eIM expands it; nothing in it is needed here. */
      response->ok = TRUE;
      response->compact = TRUE;
      break;
    default:
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: tag %02X, expected %s (A0) or %s (A1)",
                   structure, choice.tag, ok_name, error_name);
      return NULL;
    }
  if (transaction_id != NULL && g_bytes_get_size (transaction_id) > 0)
    response->transaction_id = g_steal_pointer (&transaction_id);
  response->raw = g_bytes_new (outer.raw, outer.raw_length);
  return g_steal_pointer (&response);
}

Es10DownloadResponse *
es10_authenticate_server_decode (const guint8 *data, gsize length, GError **error)
{
  return download_response_decode (data, length, 0xBF38, "AuthenticateServerResponse", "authenticateResponseOk",
                                   "authenticateResponseError", error);
}

Es10DownloadResponse *
es10_prepare_download_decode (const guint8 *data, gsize length, GError **error)
{
  return download_response_decode (data, length, 0xBF21, "PrepareDownloadResponse", "downloadResponseOk",
                                   "downloadResponseError", error);
}

Es10DownloadResponse *
es10_authenticate_server (IsdrSession *session, GBytes *request, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, g_bytes_ref (request), error);

  return response != NULL ? es10_authenticate_server_decode (ES10_ANSWER_DATA (response), error) : NULL;
}

Es10DownloadResponse *
es10_prepare_download (IsdrSession *session, GBytes *request, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, g_bytes_ref (request), error);

  return response != NULL ? es10_prepare_download_decode (ES10_ANSWER_DATA (response), error) : NULL;
}

GBytes *
es10_cancel_session_encode (GBytes *transaction_id, Es10CancelSessionReason reason, GError **error)
{
  DerWriter writer;
  gsize length = transaction_id != NULL ? g_bytes_get_size (transaction_id) : 0;

  if (length < 1 || length > 16)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "CancelSessionRequest: transactionId is %" G_GSIZE_FORMAT " bytes, expected 1 to 16", length);
      return NULL;
    }
  der_writer_init (&writer);
  der_begin (&writer, 0xBF41);
  der_write_bytes (&writer, 0x80, transaction_id);
  der_write_int (&writer, 0x81, reason);
  der_end (&writer);
  return der_writer_finish (&writer);
}

Es10CancelSessionResponse *
es10_cancel_session_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "CancelSessionResponse";
  g_autoptr(Es10CancelSessionResponse) response = g_new0 (Es10CancelSessionResponse, 1);
  gboolean has_error = FALSE;
  DerTlv outer;
  DerReader reader;

  if (!es10_parse_outer (data, length, 0xBF41, structure, &outer, error) ||
      !es10_enter (&outer, structure, structure, &reader, error) ||
      !es10_read_ok_or_error (&reader, structure, "cancelSessionResponseOk", "cancelSessionResponseError",
                              &has_error, &response->error_code, error))
    return NULL;
  response->ok = !has_error;
  response->raw = g_bytes_new (outer.raw, outer.raw_length);
  return g_steal_pointer (&response);
}

Es10CancelSessionResponse *
es10_cancel_session (IsdrSession *session, GBytes *transaction_id, Es10CancelSessionReason reason, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_cancel_session_encode (transaction_id, reason, error), error);

  return response != NULL ? es10_cancel_session_decode (ES10_ANSWER_DATA (response), error) : NULL;
}

GBytes *
es10_immediate_enable_encode (gboolean refresh)
{
  DerWriter writer;

  der_writer_init (&writer);
  der_begin (&writer, 0xBF5A);
  der_write_bool (&writer, 0x80, refresh);
  der_end (&writer);
  return der_writer_finish (&writer);
}

gboolean
es10_immediate_enable_decode (const guint8 *data, gsize length, gint64 *ret_result, GError **error)
{
  static const gchar structure[] = "ImmediateEnableResponse";
  DerTlv outer, field;

  if (!es10_parse_outer (data, length, 0xBF5A, structure, &outer, error)
      || !find_required (&outer, 0x80, structure, "immediateEnableResult", &field, error))
    return FALSE;
  return es10_read_int (&field, structure, "immediateEnableResult", ret_result, error);
}

gboolean
es10_immediate_enable (IsdrSession *session, gboolean refresh, gint64 *ret_result, GError **error)
{
  g_autoptr(Es10Answer) response = es10_call (session, es10_immediate_enable_encode (refresh), error);

  return response != NULL && es10_immediate_enable_decode (ES10_ANSWER_DATA (response), ret_result, error);
}

/* NotificationMetadata (BF2F): seqNumber 80, profileManagementOperation 81, notificationAddress 0C, iccid 5A. */
static gboolean
read_notification_metadata (const DerTlv *tlv, Es10ProfileInstallationResult *result, const gchar *structure,
                            GError **error)
{
  DerReader reader;
  DerTlv field;

  if (!es10_enter (tlv, structure, "notificationMetadata", &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      if (!es10_next (&reader, structure, &field, error))
        return FALSE;
      if (field.tag == 0x80)
        {
          if (!es10_read_int (&field, structure, "seqNumber", &result->seq_number, error))
            return FALSE;
          result->has_seq_number = TRUE;
        }
      else if (field.tag == 0x0C)
        {
          g_free (result->notification_address);
          result->notification_address = es10_read_utf8 (&field, structure, "notificationAddress", error);
          if (result->notification_address == NULL)
            return FALSE;
        }
    }
  return TRUE;
}

/* finalResult (A2): successResult (A0 { 4F aid, 04 simaResponse }) or errorResult (A1 { 80 bppCommandId,
 * 81 errorReason, 04 simaResponse? }). */
static gboolean
read_final_result (const DerTlv *tlv, Es10ProfileInstallationResult *result, const gchar *structure, GError **error)
{
  DerReader reader;
  DerTlv choice, field;

  if (!es10_enter (tlv, structure, "finalResult", &reader, error) || !es10_next (&reader, structure, &choice, error))
    return FALSE;
  if (choice.tag == 0xA0)
    {
      if (!find_required (&choice, 0x4F, structure, "aid", &field, error))
        return FALSE;
      result->isdp_aid = es10_read_octets (&field, structure, "aid", 5, 16, error);
      if (result->isdp_aid == NULL)
        return FALSE;
      result->success = TRUE;
      return TRUE;
    }
  if (choice.tag == 0xA1)
    {
      if (!find_required (&choice, 0x80, structure, "bppCommandId", &field, error))
        return FALSE;
      if (!es10_read_int (&field, structure, "bppCommandId", &result->bpp_command_id, error))
        return FALSE;
      if (!find_required (&choice, 0x81, structure, "errorReason", &field, error))
        return FALSE;
      return es10_read_int (&field, structure, "errorReason", &result->error_reason, error);
    }
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
               "%s: finalResult: tag %02X, expected successResult (A0) or errorResult (A1)", structure, choice.tag);
  return FALSE;
}

Es10ProfileInstallationResult *
es10_profile_installation_result_decode (const guint8 *data, gsize length, GError **error)
{
  static const gchar structure[] = "ProfileInstallationResult";
  g_autoptr(Es10ProfileInstallationResult) result = g_new0 (Es10ProfileInstallationResult, 1);
  gboolean have_final = FALSE;
  DerTlv outer, result_data, field;
  DerReader reader;

  if (!es10_parse_outer (data, length, 0xBF37, structure, &outer, error))
    return NULL;
  if (!find_required (&outer, 0xBF27, structure, "profileInstallationResultData", &result_data, error))
    return NULL;
  if (!es10_enter (&result_data, structure, "profileInstallationResultData", &reader, error))
    return NULL;
  while (!der_reader_at_end (&reader))
    {
      if (!es10_next (&reader, structure, &field, error))
        return NULL;
      switch (field.tag)
        {
        case 0x80:
          result->transaction_id = es10_read_octets (&field, structure, "transactionId", 1, 16, error);
          if (result->transaction_id == NULL)
            return NULL;
          break;
        case 0xBF2F:
          if (!read_notification_metadata (&field, result, structure, error))
            return NULL;
          break;
        case 0xA2:
          if (!read_final_result (&field, result, structure, error))
            return NULL;
          have_final = TRUE;
          break;
        default:
          break;                      /* smdpOid and fields of later versions */
        }
    }
  if (es10_missing (result->transaction_id != NULL, structure, "transactionId", 0x80, error) ||
      es10_missing (have_final, structure, "finalResult", 0xA2, error))
    return NULL;
  result->raw = g_bytes_new (outer.raw, outer.raw_length);
  return g_steal_pointer (&result);
}

/* ---- Bound profile package segmentation ---------------------------------------------------------------- */

static void
add_segment (GPtrArray *segments, const guint8 *data, gsize length)
{
  g_ptr_array_add (segments, g_bytes_new (data, length));
}

/* The tag and length octets of a TLV, without its contents. */
static gsize
header_length (const DerTlv *tlv)
{
  return tlv->raw_length - tlv->length;
}

/* A0/A2 (87s) and A1 (88s), A3 (86s): the header alone or with the first child, then each further child. */
static gboolean
add_sequence_segments (GPtrArray *segments, const DerTlv *sequence, guint32 child_tag, gboolean first_with_header,
                       const gchar *name, GError **error)
{
  DerReader reader;
  DerTlv child;
  gboolean first = TRUE;

  if (!der_reader_enter (sequence, &reader, error))
    {
      g_prefix_error (error, "BoundProfilePackage: %s: ", name);
      return FALSE;
    }
  if (!first_with_header)
    add_segment (segments, sequence->raw, header_length (sequence));
  while (!der_reader_at_end (&reader))
    {
      if (!der_reader_next (&reader, &child, error))
        {
          g_prefix_error (error, "BoundProfilePackage: %s: ", name);
          return FALSE;
        }
      if (child.tag != child_tag)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "BoundProfilePackage: %s holds tag %02X, expected %02X", name, child.tag, child_tag);
          return FALSE;
        }
      if (first && first_with_header)
        /* Header and first child are contiguous in the package. */
        add_segment (segments, sequence->raw, header_length (sequence) + child.raw_length);
      else
        add_segment (segments, child.raw, child.raw_length);
      first = FALSE;
    }
  if (first && first_with_header)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "BoundProfilePackage: %s is empty", name);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
es10_bound_profile_package_segments (GBytes *bpp, GError **error)
{
  static const struct {
    guint32 tag;
    guint32 child_tag;
    gboolean first_with_header;
    gboolean optional;
    const gchar *name;
  } parts[] = {
    { 0xA0, 0x87, TRUE, FALSE, "firstSequenceOf87 (A0)" },
    { 0xA1, 0x88, FALSE, FALSE, "sequenceOf88 (A1)" },
    { 0xA2, 0x87, TRUE, TRUE, "secondSequenceOf87 (A2)" },
    { 0xA3, 0x86, FALSE, FALSE, "sequenceOf86 (A3)" },
  };
  g_autoptr(GPtrArray) segments = g_ptr_array_new_with_free_func (g_bytes_unref_notify);
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (bpp, &length);
  DerTlv outer, part;
  DerReader reader;
  gboolean have_part = FALSE;

  if (!der_parse_expect (data, length, 0xBF36, &outer, error) || !der_reader_enter (&outer, &reader, error) ||
      !der_reader_next (&reader, &part, error))
    {
      g_prefix_error (error, "BoundProfilePackage: ");
      return NULL;
    }
  if (part.tag != 0xBF23)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "BoundProfilePackage: starts with tag %02X, expected initialiseSecureChannelRequest (BF23)",
                   part.tag);
      return NULL;
    }
  /* BF36 header followed by the whole BF23: contiguous in the package. */
  add_segment (segments, outer.raw, header_length (&outer) + part.raw_length);

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      if (!have_part)
        {
          if (der_reader_at_end (&reader))
            {
              if (parts[i].optional)
                continue;
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "BoundProfilePackage: %s is missing",
                           parts[i].name);
              return NULL;
            }
          if (!der_reader_next (&reader, &part, error))
            {
              g_prefix_error (error, "BoundProfilePackage: ");
              return NULL;
            }
          have_part = TRUE;
        }
      if (part.tag != parts[i].tag)
        {
          if (parts[i].optional)
            continue;
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                       "BoundProfilePackage: tag %02X where %s belongs", part.tag, parts[i].name);
          return NULL;
        }
      if (!add_sequence_segments (segments, &part, parts[i].child_tag, parts[i].first_with_header, parts[i].name,
                                  error))
        return NULL;
      have_part = FALSE;
    }
  if (have_part || !der_reader_at_end (&reader))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "BoundProfilePackage: unexpected data after sequenceOf86 (A3)");
      return NULL;
    }
  return g_steal_pointer (&segments);
}

Es10ProfileInstallationResult *
es10_load_bound_profile_package (IsdrSession *session, GBytes *bpp, Es10LoadProgressFunc progress,
                                 gpointer user_data, GError **error)
{
  g_autoptr(GPtrArray) segments = es10_bound_profile_package_segments (bpp, error);
  gsize total = g_bytes_get_size (bpp);
  gsize loaded = 0;

  if (segments == NULL)
    return NULL;
  for (guint i = 0; i < segments->len; i++)
    {
      GBytes *segment = g_ptr_array_index (segments, i);
      g_autoptr(GBytes) answer = isdr_session_es10_bytes (session, segment, error);
      gsize length = 0;
      const guint8 *data;

      if (answer == NULL)
        {
          g_prefix_error (error, "LoadBoundProfilePackage: segment %u of %u: ", i + 1, segments->len);
          return NULL;
        }
      loaded += g_bytes_get_size (segment);
      if (progress != NULL)
        progress (loaded, total, user_data);
      data = g_bytes_get_data (answer, &length);
      if (length > 0)
        {
          g_autoptr(Es10Deviations) deviations = es10_deviations_new ("LoadBoundProfilePackage");
          Es10ProfileInstallationResult *result;

          es10_deviations_collect (deviations);
          result = es10_profile_installation_result_decode (data, length, error);
          es10_deviations_stop (deviations);
          es10_deviations_warn (deviations);
          if (result == NULL)
            g_prefix_error (error, "LoadBoundProfilePackage: segment %u of %u: ", i + 1, segments->len);
          else if (i + 1 < segments->len)
            g_debug ("LoadBoundProfilePackage: the card ended the installation after segment %u of %u", i + 1,
                     segments->len);
          return result;
        }
    }
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL,
               "LoadBoundProfilePackage: the card gave no ProfileInstallationResult after the last of %u segments",
               segments->len);
  return NULL;
}
