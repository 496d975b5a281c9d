/* SPDX-License-Identifier: Apache-2.0 */
/* The compact forms of the indirect profile download under minimizeEsipaBytes (SGP.32 v1.2 ASN.1):
 *
 *   CompactAuthenticateResponseOk ::= SEQUENCE { signedData CHOICE { euiccSigned1 SGP32-EuiccSigned1,
 *       compactEuiccSigned1 [0] CompactEuiccSigned1 }, euiccSignature1 [APPLICATION 55] OCTET STRING,
 *       euiccCertificate [1] Certificate OPTIONAL, eumCertificate [2] Certificate OPTIONAL }
 *   CompactEuiccSigned1 ::= SEQUENCE { extCardResource [4] OCTET STRING, ctxParams1 [2] CtxParams1 OPTIONAL }
 *   CompactPrepareDownloadResponseOk ::= SEQUENCE { compactEuiccSigned2 SEQUENCE { euiccOtpk [APPLICATION 73]
 *       OCTET STRING OPTIONAL, hashCc Octet32 OPTIONAL }, euiccSignature2 [APPLICATION 55] OCTET STRING }
 *   CompactCancelSessionResponseOk ::= SEQUENCE { compactEuiccCancelSessionSigned SEQUENCE { reason
 *       CancelSessionReason OPTIONAL }, euiccCancelSessionSignature [APPLICATION 55] OCTET STRING }
 *   CompactProfileInstallationResult ::= SEQUENCE { compactProfileInstallationResultData [0] SEQUENCE {
 *       transactionId [0], seqNumber INTEGER, iccidPresent BOOLEAN DEFAULT TRUE, compactFinalResult [2] CHOICE {
 *       compactSuccessResult SEQUENCE { compactAid [APPLICATION 15] OCTET STRING (SIZE (2)), simaResponse OCTET
 *       STRING OPTIONAL }, errorResult ErrorResult } }, euiccSignPIR EuiccSignPIR }
 *
 * Each is the third alternative (A2) of its CHOICE, or [0] of SGP32-PendingNotification. The signatures are
 * the eUICC's over the full signed data, so each leaves out only what the eIM can put back byte for byte; the
 * checks below refuse to compact (the full form goes) when the card's data is not what the eIM can rebuild. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "net/esipa-minimize.h"

#define TAG_SIGNATURE 0x5F37
#define TAG_OK 0xA0
#define TAG_COMPACT_OK 0xA2

/* SGP.02's ISD-P AID: this prefix, the two bytes that tell ISD-Ps apart (bytes 14 and 15), then 00. */
static const guint8 isdp_aid_prefix[] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF,
                                          0x89, 0x00 };
#define ISDP_AID_LENGTH 16
/* EUICCResponse for "every profile element installed": the simaResponse CompactSuccessResult may leave out. */
static const guint8 sima_ok[] = { 0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00 };
/* NotificationEvent with install (bit 0) alone. */
static const guint8 operation_install[] = { 0x07, 0x80 };

static gboolean
value_is (const DerTlv *tlv, const guint8 *data, gsize length)
{
  return tlv->length == length && memcmp (tlv->value, data, length) == 0;
}

static gboolean
value_is_bytes (const DerTlv *tlv, GBytes *bytes)
{
  return bytes != NULL && value_is (tlv, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static gboolean
raw_is_bytes (const DerTlv *tlv, GBytes *bytes)
{
  return bytes != NULL && tlv->raw_length == g_bytes_get_size (bytes)
         && memcmp (tlv->raw, g_bytes_get_data (bytes, NULL), tlv->raw_length) == 0;
}

/* Up to `max` children of `parent`, in order; FALSE when there are more or they do not parse. */
static gboolean
children (const DerTlv *parent, DerTlv *ret, gsize max, gsize *ret_count, GError **error)
{
  DerReader reader;
  gsize n = 0;

  if (!der_reader_enter (parent, &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      if (n == max)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "more than %zu members in %X", max,
                       parent->tag);
          return FALSE;
        }
      if (!der_reader_next (&reader, &ret[n++], error))
        return FALSE;
    }
  *ret_count = n;
  return TRUE;
}

/* The one alternative inside the eUICC's answer `response` (`outer`, e.g. BF38). */
static gboolean
parse_answer (GBytes *response, guint32 outer, const gchar *structure, DerTlv *ret_choice, GError **error)
{
  DerTlv tlv;
  gsize n = 0;

  if (!der_parse_expect (g_bytes_get_data (response, NULL), g_bytes_get_size (response), outer, &tlv, error)
      || !children (&tlv, ret_choice, 1, &n, error))
    {
      g_prefix_error (error, "%s: ", structure);
      return FALSE;
    }
  if (n != 1)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "%s: empty", structure);
      return FALSE;
    }
  return TRUE;
}

/* The ok alternative's signed SEQUENCE and the signature after it; FALSE (no error) when there is more. */
static gboolean
signed_and_signature (const DerTlv *ok, DerTlv *ret_signed, DerTlv *ret_signature, gsize *ret_extra,
                      const gchar *structure, GError **error)
{
  DerTlv parts[4];
  gsize n = 0;

  if (!children (ok, parts, G_N_ELEMENTS (parts), &n, error))
    {
      g_prefix_error (error, "%s: ", structure);
      return FALSE;
    }
  if (n < 2 || parts[0].tag != 0x30 || parts[1].tag != TAG_SIGNATURE)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                   "%s: expected the signed SEQUENCE (30) then the eUICC's signature (5F37)", structure);
      return FALSE;
    }
  *ret_signed = parts[0];
  *ret_signature = parts[1];
  *ret_extra = n - 2;
  return TRUE;
}

static GBytes *
not_compacted (GBytes *response, const gchar *structure, const gchar *why)
{
  g_debug ("%s goes in full: %s", structure, why);
  return g_bytes_ref (response);
}

/* Whether the eUICC's euiccInfo2 is the one the eIM holds once its extCardResource is put in: member by member,
 * in order, the same bytes except the value of extCardResource (84). */
static gboolean
same_but_ext_card_resource (const DerTlv *info2, GBytes *eim_info2)
{
  DerTlv held, a, b;
  DerReader mine, theirs;

  if (eim_info2 == NULL
      || !der_parse_expect (g_bytes_get_data (eim_info2, NULL), g_bytes_get_size (eim_info2), 0xBF22, &held, NULL)
      || !der_reader_enter (info2, &mine, NULL) || !der_reader_enter (&held, &theirs, NULL))
    return FALSE;
  while (!der_reader_at_end (&mine) && !der_reader_at_end (&theirs))
    {
      if (!der_reader_next (&mine, &a, NULL) || !der_reader_next (&theirs, &b, NULL) || a.tag != b.tag)
        return FALSE;
      if (a.tag != 0x84 && (a.raw_length != b.raw_length || memcmp (a.raw, b.raw, a.raw_length) != 0))
        return FALSE;
    }
  return der_reader_at_end (&mine) && der_reader_at_end (&theirs);
}

/* Whether euiccSigned1 {80, 83, 84, BF22, A0} is about the serverSigned1 the eIM sent. */
static gboolean
about_server_signed1 (const DerTlv *fields, GBytes *server_signed1, GError **error)
{
  DerTlv server, server_fields[4];
  gsize n = 0;

  if (!der_parse_expect (g_bytes_get_data (server_signed1, NULL), g_bytes_get_size (server_signed1), 0x30, &server,
                         error)
      || !children (&server, server_fields, G_N_ELEMENTS (server_fields), &n, error))
    {
      g_prefix_error (error, "serverSigned1: ");
      return FALSE;
    }
  return n == 4 && server_fields[0].tag == 0x80 && server_fields[2].tag == 0x83 && server_fields[3].tag == 0x84
         && value_is (&fields[0], server_fields[0].value, server_fields[0].length)
         && value_is (&fields[1], server_fields[2].value, server_fields[2].length)
         && value_is (&fields[2], server_fields[3].value, server_fields[3].length);
}

GBytes *
esipa_minimize_authenticate_server_response (GBytes *response, GBytes *server_signed1, GBytes *eim_ctx_params1,
                                             GBytes *eim_euicc_info2, gboolean eim_holds_certificates, GError **error)
{
  static const gchar structure[] = "AuthenticateServerResponse";
  g_auto (DerWriter) writer = { 0 };
  g_autoptr(GError) local_error = NULL;
  DerTlv choice, signed1, signature, parts[4], fields[5], ext_card_resource;
  gsize extra = 0, n = 0, m = 0;
  gboolean compact_signed1;

  g_return_val_if_fail (response != NULL && server_signed1 != NULL, NULL);
  if (!parse_answer (response, 0xBF38, structure, &choice, error))
    return NULL;
  if (choice.tag != TAG_OK)
    return g_bytes_ref (response);
  if (!signed_and_signature (&choice, &signed1, &signature, &extra, structure, error)
      || !children (&choice, parts, G_N_ELEMENTS (parts), &m, error)
      || !children (&signed1, fields, G_N_ELEMENTS (fields), &n, error))
    return NULL;
  if (n != 5 || fields[0].tag != 0x80 || fields[1].tag != 0x83 || fields[2].tag != 0x84 || fields[3].tag != 0xBF22
      || fields[4].tag != 0xA0 || m != 4 || parts[2].tag != 0x30 || parts[3].tag != 0x30)
    return not_compacted (response, structure, "not {euiccSigned1 {80, 83, 84, BF22, A0}, 5F37, 30, 30}");

  /* transactionId, serverAddress and serverChallenge from the serverSigned1 the eIM sent; euiccInfo2 the eIM
   * holds from IpaEuiccData, of which only extCardResource changes with what is installed. */
  compact_signed1 = about_server_signed1 (fields, server_signed1, &local_error)
                    && der_find_child (&fields[3], 0x84, &ext_card_resource, NULL)
                    && same_but_ext_card_resource (&fields[3], eim_euicc_info2);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!compact_signed1 && !eim_holds_certificates)
    return not_compacted (response, structure, "the eIM could put back neither euiccSigned1 nor the certificates");

  der_writer_init (&writer);
  der_begin (&writer, 0xBF38);
  der_begin (&writer, TAG_COMPACT_OK);
  if (compact_signed1)
    {
      der_begin (&writer, 0xA0);
      der_write (&writer, 0x84, ext_card_resource.value, ext_card_resource.length);
      /* ctxParams1 goes unless it is the one the eIM sent (eimCtxParams1Generation). */
      if (!raw_is_bytes (&fields[4], eim_ctx_params1))
        {
          der_begin (&writer, 0xA2);
          der_write_raw (&writer, fields[4].raw, fields[4].raw_length);
          der_end (&writer);
        }
      der_end (&writer);
    }
  else
    der_write_raw (&writer, signed1.raw, signed1.raw_length);
  der_write_raw (&writer, signature.raw, signature.raw_length);
  /* euiccCertificate [1], eumCertificate [2]: unless the eIM holds them (IpaEuiccData A6, A5). */
  if (!eim_holds_certificates)
    {
      der_write (&writer, 0xA1, parts[2].value, parts[2].length);
      der_write (&writer, 0xA2, parts[3].value, parts[3].length);
    }
  der_end (&writer);
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
esipa_minimize_prepare_download_response (GBytes *response, GBytes *transaction_id, GBytes *eim_hash_cc,
                                          GError **error)
{
  static const gchar structure[] = "PrepareDownloadResponse";
  g_auto (DerWriter) writer = { 0 };
  DerTlv choice, signed2, signature, fields[3];
  gsize extra = 0, n = 0, next = 1;

  g_return_val_if_fail (response != NULL && transaction_id != NULL, NULL);
  if (!parse_answer (response, 0xBF21, structure, &choice, error))
    return NULL;
  if (choice.tag != TAG_OK)
    return g_bytes_ref (response);
  if (!signed_and_signature (&choice, &signed2, &signature, &extra, structure, error)
      || !children (&signed2, fields, G_N_ELEMENTS (fields), &n, error))
    return NULL;
  if (extra != 0 || n < 1 || fields[0].tag != 0x80 || !value_is_bytes (&fields[0], transaction_id))
    return not_compacted (response, structure, "euiccSigned2 is not for this session's transactionId");

  der_writer_init (&writer);
  der_begin (&writer, 0xBF21);
  der_begin (&writer, TAG_COMPACT_OK);
  der_begin (&writer, 0x30);
  if (next < n && fields[next].tag == 0x5F49)
    {
      der_write_raw (&writer, fields[next].raw, fields[next].raw_length);
      next++;
    }
  if (next < n && fields[next].tag == 0x04)
    {
      /* hashCc only when the eIM did not give it: then the IPA computed it from the confirmation code. */
      if (!value_is_bytes (&fields[next], eim_hash_cc))
        der_write_raw (&writer, fields[next].raw, fields[next].raw_length);
      next++;
    }
  if (next != n)
    return not_compacted (response, structure, "euiccSigned2 has a member the compact form has no place for");
  der_end (&writer);
  der_write_raw (&writer, signature.raw, signature.raw_length);
  der_end (&writer);
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
esipa_minimize_cancel_session_response (GBytes *response, GBytes *transaction_id, GError **error)
{
  static const gchar structure[] = "CancelSessionResponse";
  g_auto (DerWriter) writer = { 0 };
  DerTlv choice, cancel_signed, signature, fields[3];
  gsize extra = 0, n = 0;

  g_return_val_if_fail (response != NULL && transaction_id != NULL, NULL);
  if (!parse_answer (response, 0xBF41, structure, &choice, error))
    return NULL;
  if (choice.tag != TAG_OK)
    return g_bytes_ref (response);
  if (!signed_and_signature (&choice, &cancel_signed, &signature, &extra, structure, error)
      || !children (&cancel_signed, fields, G_N_ELEMENTS (fields), &n, error))
    return NULL;
  /* {transactionId [0], smdpOid [1], reason [2]}: the eIM knows the first two from the session. */
  if (extra != 0 || n != 3 || fields[0].tag != 0x80 || fields[1].tag != 0x81 || fields[2].tag != 0x82
      || !value_is_bytes (&fields[0], transaction_id))
    return not_compacted (response, structure, "euiccCancelSessionSigned is not {80 this session, 81, 82}");

  der_writer_init (&writer);
  der_begin (&writer, 0xBF41);
  der_begin (&writer, TAG_COMPACT_OK);
  der_begin (&writer, 0x30);
  der_write (&writer, 0x80, fields[2].value, fields[2].length);
  der_end (&writer);
  der_write_raw (&writer, signature.raw, signature.raw_length);
  der_end (&writer);
  der_end (&writer);
  return der_writer_finish (&writer);
}

/* compactFinalResult [2] from finalResult [2]: FALSE (no error) when the success result cannot be compacted. */
static gboolean
write_compact_final_result (DerWriter *writer, const DerTlv *final_result, GError **error)
{
  DerTlv choice[1], success[2];
  gsize n = 0, m = 0;

  if (!children (final_result, choice, 1, &n, error) || n != 1)
    return FALSE;
  if (choice[0].tag == 0xA1)
    {
      der_begin (writer, 0xA2);
      der_write_raw (writer, choice[0].raw, choice[0].raw_length);
      der_end (writer);
      return TRUE;
    }
  if (choice[0].tag != 0xA0 || !children (&choice[0], success, 2, &m, error) || m != 2 || success[0].tag != 0x4F
      || success[1].tag != 0x04 || success[0].length != ISDP_AID_LENGTH
      || memcmp (success[0].value, isdp_aid_prefix, sizeof isdp_aid_prefix) != 0
      || success[0].value[ISDP_AID_LENGTH - 1] != 0x00)
    return FALSE;
  der_begin (writer, 0xA2);
  der_begin (writer, 0xA0);
  der_write (writer, 0x4F, success[0].value + 13, 2);
  if (!value_is (&success[1], sima_ok, sizeof sima_ok))
    der_write_raw (writer, success[1].raw, success[1].raw_length);
  der_end (writer);
  der_end (writer);
  return TRUE;
}

GBytes *
esipa_minimize_profile_installation_result (GBytes *result, GBytes *transaction_id, const gchar *server_address,
                                            GError **error)
{
  static const gchar structure[] = "ProfileInstallationResult";
  g_auto (DerWriter) writer = { 0 };
  DerTlv pir, parts[2], data[4], metadata[4];
  gsize n = 0, m = 0, k = 0;

  g_return_val_if_fail (result != NULL, NULL);
  if (!der_parse_single (g_bytes_get_data (result, NULL), g_bytes_get_size (result), &pir, error))
    {
      g_prefix_error (error, "%s: ", structure);
      return NULL;
    }
  if (pir.tag != 0xBF37)
    return g_bytes_ref (result);
  if (!children (&pir, parts, 2, &n, error) || n != 2 || parts[0].tag != 0xBF27 || parts[1].tag != TAG_SIGNATURE
      || !children (&parts[0], data, 4, &m, error) || m != 4 || data[0].tag != 0x80 || data[1].tag != 0xBF2F
      || data[2].tag != 0x06 || data[3].tag != 0xA2 || !children (&data[1], metadata, 4, &k, error) || k < 3)
    {
      g_prefix_error (error, "%s: ", structure);
      if (error != NULL && *error == NULL)
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA,
                     "%s: expected BF27 {80, BF2F {80, 81, 0C, [5A]}, 06, A2} then 5F37", structure);
      return NULL;
    }
  /* The eIM rebuilds notificationMetadata from the session (install, the SM-DP+'s address, the ICCID of the
   * profile metadata it relayed) and smdpOid from CERT.DPpb: so only this session's install result. */
  if (transaction_id == NULL || server_address == NULL || !value_is_bytes (&data[0], transaction_id))
    return not_compacted (result, structure, "not the result of this session");
  if (metadata[0].tag != 0x80 || metadata[1].tag != 0x81 || metadata[2].tag != 0x0C
      || (k == 4 && metadata[3].tag != 0x5A)
      || !value_is (&metadata[1], operation_install, sizeof operation_install)
      || !value_is (&metadata[2], (const guint8 *) server_address, strlen (server_address)))
    return not_compacted (result, structure, "its notificationMetadata is not the install one of this session");

  der_writer_init (&writer);
  der_begin (&writer, 0xA0);
  der_begin (&writer, 0xA0);
  der_write_raw (&writer, data[0].raw, data[0].raw_length);
  der_write (&writer, 0x02, metadata[0].value, metadata[0].length);
  if (k == 3)
    der_write_bool (&writer, 0x01, FALSE);
  if (!write_compact_final_result (&writer, &data[3], NULL))
    return not_compacted (result, structure, "its finalResult has no compact form (ISD-P AID not SGP.02's)");
  der_end (&writer);
  der_write_raw (&writer, parts[1].raw, parts[1].raw_length);
  der_end (&writer);
  return der_writer_finish (&writer);
}
