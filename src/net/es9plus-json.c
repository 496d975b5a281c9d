/* SPDX-License-Identifier: Apache-2.0 */
/* ES9+ bodies in the SGP.22 JSON binding. Member names as SGP.22 6.5.2 gives them; where SGP.32's ESipa
 * binding names the same thing differently (euiccCiPKIdentifierToBeUsed) the other name is read too. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "net/es9plus-json.h"
#include "net/gsma-json.h"

/* ------------------------------------------------------------------------------------------------------ */
/* Status codes (SGP.22 6.5.1.4) */

static const struct {
  const gchar *code;
  const gchar *name;
} subject_names[] = {
  { "8.1", "eUICC" },
  { "8.1.1", "EID" },
  { "8.1.2", "EUM certificate" },
  { "8.1.3", "eUICC certificate" },
  { "8.2", "profile" },
  { "8.2.1", "profile ICCID" },
  { "8.2.5", "profile type" },
  { "8.2.6", "matching ID" },
  { "8.2.7", "confirmation code" },
  { "8.2.8", "profile policy rules" },
  { "8.2.9", "profile metadata" },
  { "8.8", "SM-DP+" },
  { "8.8.1", "SM-DP+ address" },
  { "8.8.2", "SM-DP+ security configuration" },
  { "8.8.3", "SM-DP+ specification version" },
  { "8.8.4", "SM-DP+ certificate" },
  { "8.8.5", "download order" },
  { "8.9", "SM-DS" },
  { "8.9.1", "SM-DS address" },
  { "8.9.2", "SM-DS security configuration" },
  { "8.9.3", "SM-DS specification version" },
  { "8.9.4", "SM-DS certificate" },
  { "8.9.5", "event record" },
  { "8.10.1", "transaction ID" },
  { "8.11.1", "CI public key" },
};

static const struct {
  const gchar *code;
  const gchar *name;
} reason_names[] = {
  { "1.1", "access denied" },
  { "1.2", "not allowed" },
  { "2.1", "invalid" },
  { "2.2", "mandatory element missing" },
  { "3.1", "unsupported" },
  { "3.3", "already in use" },
  { "3.7", "unavailable" },
  { "3.8", "refused" },
  { "3.9", "unknown" },
  { "3.10", "invalid association" },
  { "4.2", "execution error" },
  { "4.8", "insufficient memory" },
  { "4.10", "time to live expired" },
  { "5.1", "inconsistent" },
  { "6.1", "verification failed" },
  { "6.3", "expired" },
  { "6.4", "maximum number of retries exceeded" },
  { "8.1", "more than one profile" },
};

const gchar *
rsp_subject_code_name (const gchar *code)
{
  for (gsize i = 0; code != NULL && i < G_N_ELEMENTS (subject_names); i++)
    if (strcmp (code, subject_names[i].code) == 0)
      return subject_names[i].name;
  return NULL;
}

const gchar *
rsp_reason_code_name (const gchar *code)
{
  for (gsize i = 0; code != NULL && i < G_N_ELEMENTS (reason_names); i++)
    if (strcmp (code, reason_names[i].code) == 0)
      return reason_names[i].name;
  return NULL;
}

/* A code as the server sent it when it is one (digits and dots, at most 16), else "". */
static void
copy_code (gchar out[17], const gchar *code)
{
  out[0] = '\0';
  if (code != NULL && code[0] != '\0' && strlen (code) <= 16 && strspn (code, "0123456789.") == strlen (code))
    g_strlcpy (out, code, 17);
}

static RspStatusKind
status_kind (const GsmaJsonStatus *status)
{
  if (g_strcmp0 (status->status, "Executed-Success") == 0)
    return RSP_STATUS_EXECUTED_SUCCESS;
  if (g_strcmp0 (status->status, "Executed-WithWarning") == 0)
    return RSP_STATUS_EXECUTED_WITH_WARNING;
  if (g_strcmp0 (status->status, "Expired") == 0)
    return RSP_STATUS_EXPIRED;
  return RSP_STATUS_FAILED;
}

/* " (matching ID)" or "" */
static gchar *
named (const gchar *name)
{
  return name != NULL ? g_strdup_printf (" (%s)", name) : g_strdup ("");
}

cJSON *
rsp_json_open_response (const gchar *body, gsize length, const gchar *function, const gchar *server,
                        RspStatus *ret_status, GError **error)
{
  g_autoptr(cJSON) root = NULL;
  GsmaJsonStatus status;
  RspStatus copy = { 0 };
  g_autofree gchar *subject_name = NULL;
  g_autofree gchar *reason_name = NULL;

  if (ret_status != NULL)
    *ret_status = copy;
  root = gsma_json_parse_body (body, length, function, error);
  if (root == NULL || !gsma_json_read_status (root, function, &status, error))
    return NULL;
  copy.kind = status_kind (&status);
  copy_code (copy.subject_code, status.subject_code);
  copy_code (copy.reason_code, status.reason_code);
  if (ret_status != NULL)
    *ret_status = copy;
  if (status.success)
    {
      if (copy.kind == RSP_STATUS_EXECUTED_WITH_WARNING)
        g_info ("%s: the %s executed it with a warning (subjectCode %s, reasonCode %s)", function, server,
                copy.subject_code[0] != '\0' ? copy.subject_code : "-",
                copy.reason_code[0] != '\0' ? copy.reason_code : "-");
      return g_steal_pointer (&root);
    }
  subject_name = named (rsp_subject_code_name (copy.subject_code));
  reason_name = named (rsp_reason_code_name (copy.reason_code));
  gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s: the %s answered %s, subjectCode %s%s, reasonCode %s%s", function,
                  server, rsp_status_kind_to_string (copy.kind),
                  copy.subject_code[0] != '\0' ? copy.subject_code : "(none)", subject_name,
                  copy.reason_code[0] != '\0' ? copy.reason_code : "(none)", reason_name);
  return NULL;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Requests */

gchar *
es9plus_json_encode_initiate_authentication_request (const RspInitiateAuthenticationRequest *request,
                                                     GError **error)
{
  static const gchar message[] = "initiateAuthentication";
  g_autoptr(cJSON) object = cJSON_CreateObject ();
  g_autoptr(GBytes) challenge = NULL;

  g_return_val_if_fail (request != NULL, NULL);

  if (request->server_address == NULL || request->server_address[0] == '\0')
    {
      gsma_json_fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: no server address", message);
      return NULL;
    }
  if (!gsma_json_check_tlv (request->euicc_info1, 0xBF20, message, "euiccInfo1", error))
    return NULL;
  challenge = g_bytes_new (request->euicc_challenge, sizeof request->euicc_challenge);
  if (!gsma_json_add_base64 (object, "euiccChallenge", challenge, error) ||
      !gsma_json_add_base64 (object, "euiccInfo1", request->euicc_info1, error) ||
      !gsma_json_add_string (object, "smdpAddress", request->server_address, error))
    return NULL;
  return gsma_json_print (object, error);
}

static gchar *
encode_session_request (const RspSessionRequest *request, const gchar *message, const gchar *key, guint32 tag,
                        GError **error)
{
  g_autoptr(cJSON) object = cJSON_CreateObject ();
  g_autofree gchar *hex = NULL;

  g_return_val_if_fail (request != NULL, NULL);

  if (!gsma_json_check_transaction_id (request->transaction_id, message, "transactionId", error) ||
      !gsma_json_check_tlv (request->card_response, tag, message, key, error))
    return NULL;
  hex = gsma_json_bytes_to_hex (request->transaction_id);
  if (!gsma_json_add_string (object, "transactionId", hex, error) ||
      !gsma_json_add_base64 (object, key, request->card_response, error))
    return NULL;
  return gsma_json_print (object, error);
}

gchar *
es9plus_json_encode_authenticate_client_request (const RspSessionRequest *request, GError **error)
{
  return encode_session_request (request, "authenticateClient", "authenticateServerResponse", 0xBF38, error);
}

gchar *
es9plus_json_encode_get_bound_profile_package_request (const RspSessionRequest *request, GError **error)
{
  return encode_session_request (request, "getBoundProfilePackage", "prepareDownloadResponse", 0xBF21, error);
}

gchar *
es9plus_json_encode_cancel_session_request (const RspSessionRequest *request, GError **error)
{
  return encode_session_request (request, "cancelSession", "cancelSessionResponse", 0xBF41, error);
}

gchar *
es9plus_json_encode_handle_notification_request (const Es9HandleNotificationRequest *request, GError **error)
{
  static const gchar message[] = "handleNotification";
  g_autoptr(cJSON) object = cJSON_CreateObject ();
  DerTlv tlv;

  g_return_val_if_fail (request != NULL, NULL);

  if (!gsma_json_check_tlv (request->pending_notification, 0, message, "pendingNotification", error))
    return NULL;
  /* PendingNotification ::= CHOICE { profileInstallationResult BF37, otherSignedNotification SEQUENCE } */
  if (!der_parse_single (g_bytes_get_data (request->pending_notification, NULL),
                         g_bytes_get_size (request->pending_notification), &tlv, NULL) ||
      (tlv.tag != 0xBF37 && tlv.tag != 0x30))
    {
      gsma_json_fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: \"pendingNotification\" has tag %02X, expected BF37 or 30",
                      message, tlv.tag);
      return NULL;
    }
  if (!gsma_json_add_base64 (object, "pendingNotification", request->pending_notification, error))
    return NULL;
  return gsma_json_print (object, error);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Responses */

RspInitiateAuthenticationResponse *
es9plus_json_decode_initiate_authentication_response (const gchar *body, gsize length, RspStatus *ret_status,
                                                      GError **error)
{
  static const gchar message[] = "initiateAuthentication";
  g_autoptr(cJSON) root = rsp_json_open_response (body, length, message, "SM-DP+", ret_status, error);
  g_autoptr(RspInitiateAuthenticationResponse) response = NULL;
  const gchar *pkid_key = "euiccCiPKIdToBeUsed";

  if (root == NULL)
    return NULL;
  if (cJSON_GetObjectItemCaseSensitive (root, pkid_key) == NULL &&
      cJSON_GetObjectItemCaseSensitive (root, "euiccCiPKIdentifierToBeUsed") != NULL)
    pkid_key = "euiccCiPKIdentifierToBeUsed";
  response = g_new0 (RspInitiateAuthenticationResponse, 1);
  if (!gsma_json_transaction_id_member (root, message, "transactionId", TRUE, &response->transaction_id, error) ||
      !gsma_json_tlv_member (root, message, "serverSigned1", 0x30, TRUE, FALSE, &response->server_signed1, error) ||
      !gsma_json_tlv_member (root, message, "serverSignature1", 0x5F37, TRUE, FALSE, &response->server_signature1,
                             error) ||
      !gsma_json_tlv_member (root, message, pkid_key, 0x04, TRUE, FALSE, &response->euicc_ci_pkid_to_be_used, error) ||
      !gsma_json_tlv_member (root, message, "serverCertificate", 0x30, TRUE, FALSE, &response->server_certificate,
                             error))
    return NULL;
  return g_steal_pointer (&response);
}

Es9AuthenticateClientResponse *
es9plus_json_decode_authenticate_client_response (const gchar *body, gsize length, RspStatus *ret_status,
                                                  GError **error)
{
  static const gchar message[] = "authenticateClient";
  g_autoptr(cJSON) root = rsp_json_open_response (body, length, message, "SM-DP+", ret_status, error);
  g_autoptr(Es9AuthenticateClientResponse) response = NULL;

  if (root == NULL)
    return NULL;
  response = g_new0 (Es9AuthenticateClientResponse, 1);
  if (!gsma_json_transaction_id_member (root, message, "transactionId", FALSE, &response->transaction_id, error) ||
      !gsma_json_tlv_member (root, message, "profileMetadata", 0xBF25, TRUE, FALSE, &response->profile_metadata,
                             error) ||
      !gsma_json_tlv_member (root, message, "smdpSigned2", 0x30, TRUE, FALSE, &response->smdp_signed2, error) ||
      !gsma_json_tlv_member (root, message, "smdpSignature2", 0x5F37, TRUE, FALSE, &response->smdp_signature2,
                             error) ||
      !gsma_json_tlv_member (root, message, "smdpCertificate", 0x30, TRUE, FALSE, &response->smdp_certificate, error))
    return NULL;
  return g_steal_pointer (&response);
}

Es9GetBoundProfilePackageResponse *
es9plus_json_decode_get_bound_profile_package_response (const gchar *body, gsize length, RspStatus *ret_status,
                                                        GError **error)
{
  static const gchar message[] = "getBoundProfilePackage";
  g_autoptr(cJSON) root = rsp_json_open_response (body, length, message, "SM-DP+", ret_status, error);
  g_autoptr(Es9GetBoundProfilePackageResponse) response = NULL;

  if (root == NULL)
    return NULL;
  response = g_new0 (Es9GetBoundProfilePackageResponse, 1);
  if (!gsma_json_transaction_id_member (root, message, "transactionId", FALSE, &response->transaction_id, error) ||
      !gsma_json_tlv_member (root, message, "boundProfilePackage", 0xBF36, TRUE, FALSE,
                             &response->bound_profile_package, error))
    return NULL;
  return g_steal_pointer (&response);
}

gboolean
es9plus_json_decode_header_only_response (const gchar *body, gsize length, const gchar *function,
                                          RspStatus *ret_status, GError **error)
{
  g_autoptr(cJSON) root = NULL;

  if (body == NULL || length == 0)
    {
      if (ret_status != NULL)
        *ret_status = (RspStatus) { .kind = RSP_STATUS_EXECUTED_SUCCESS };
      return TRUE;
    }
  root = rsp_json_open_response (body, length, function, "SM-DP+", ret_status, error);
  return root != NULL;
}
