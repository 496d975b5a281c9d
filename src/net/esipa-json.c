/* SPDX-License-Identifier: Apache-2.0 */
/* ESipa messages in the JSON binding. The ASN.1 blobs inside are the same DER the ASN.1 binding carries, so the
 * blobs are decoded with esipa-asn1.c and the results land in the same structs.
 *
 * Conventions of the binding (SGP.22 JSON style): EIDs and transaction ids are hex strings; every ASN.1 data
 * object is the base64 of its complete DER TLV (serverSignature1 is "5F37 ...", euiccCiPKIdentifierToBeUsed
 * "04 ..."); euiccChallenge is the base64 of the 16 bytes themselves. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include <string.h>

#include "der/der.h"
#include "euiccd-autoptr.h"
#include "euiccd-error.h"
#include "euiccd-log-policy.h"
#include "net/esipa-asn1.h"
#include "net/esipa-json.h"
#include "net/gsma-json.h"

/* ------------------------------------------------------------------------------------------------------ */
/* Building request bodies */

gchar *
esipa_json_encode_get_eim_package_request (const EsipaGetEimPackageRequest *request, GError **error)
{
  g_autoptr(cJSON) object = cJSON_CreateObject ();

  g_return_val_if_fail (request != NULL, NULL);

  if (!gsma_json_add_hex (object, "eidValue", request->eid, ESIPA_EID_LENGTH, error))
    return NULL;
  if (request->notify_state_change && cJSON_AddTrueToObject (object, "notifyStateChange") == NULL)
    {
      gsma_json_fail (error, EUICCD_ERROR_FAILED, "JSON: cannot add \"notifyStateChange\"");
      return NULL;
    }
  if (request->has_state_change_cause &&
      cJSON_AddNumberToObject (object, "stateChangeCause", (double) request->state_change_cause) == NULL)
    {
      gsma_json_fail (error, EUICCD_ERROR_FAILED, "JSON: cannot add \"stateChangeCause\"");
      return NULL;
    }
  if (request->has_rplmn)
    {
      g_autoptr(GBytes) rplmn = g_bytes_new (request->rplmn, sizeof request->rplmn);

      if (!gsma_json_add_base64 (object, "rPlmn", rplmn, error))
        return NULL;
    }
  return gsma_json_print (object, error);
}

gchar *
esipa_json_encode_provide_eim_package_result (const EsipaEimPackageResult *result, GError **error)
{
  g_autoptr(cJSON) object = cJSON_CreateObject ();
  g_autoptr(GBytes) choice = NULL;

  g_return_val_if_fail (result != NULL, NULL);

  choice = esipa_asn1_encode_eim_package_result_choice (result, error);
  if (choice == NULL)
    {
      g_prefix_error (error, "provideEimPackageResult: ");
      return NULL;
    }
  if (result->eid != NULL && !gsma_json_add_hex (object, "eidValue", result->eid, ESIPA_EID_LENGTH, error))
    return NULL;
  if (!gsma_json_add_base64 (object, "eimPackageResult", choice, error))
    return NULL;
  return gsma_json_print (object, error);
}

gchar *
esipa_json_encode_handle_notification (const EsipaNotification *notification, GError **error)
{
  static const gchar message[] = "handleNotification";
  g_autoptr(cJSON) object = cJSON_CreateObject ();

  g_return_val_if_fail (notification != NULL, NULL);

  switch (notification->kind)
    {
    case ESIPA_NOTIFICATION_PENDING:
      {
        DerTlv tlv;
        const guint8 *data;
        gsize length;

        if (!gsma_json_check_tlv (notification->pending_notification, 0, message, "pendingNotification", error))
          return NULL;
        data = g_bytes_get_data (notification->pending_notification, &length);
        if (!der_parse_single (data, length, &tlv, NULL) ||
            (tlv.tag != 0xBF37 && tlv.tag != 0x30 && tlv.tag != 0xA0 && tlv.tag != 0xA1))
          {
            gsma_json_fail (error, EUICCD_ERROR_INVALID_ARGS,
                  "%s: \"pendingNotification\" has tag %02X, expected BF37, 30, A0 or A1", message, tlv.tag);
            return NULL;
          }
        if (!gsma_json_add_base64 (object, "pendingNotification", notification->pending_notification, error))
          return NULL;
      }
      break;
    case ESIPA_NOTIFICATION_PACKAGE_RESULT:
      {
        g_autoptr(GBytes) encoded = NULL;

        if (notification->package_result == NULL)
          {
            gsma_json_fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: \"provideEimPackageResult\" is missing", message);
            return NULL;
          }
        encoded = esipa_asn1_encode_provide_eim_package_result (notification->package_result, error);
        if (encoded == NULL)
          {
            g_prefix_error (error, "%s: ", message);
            return NULL;
          }
        if (!gsma_json_add_base64 (object, "provideEimPackageResult", encoded, error))
          return NULL;
      }
      break;
    default:
      gsma_json_fail (error, EUICCD_ERROR_INVALID_ARGS, "%s: unknown notification kind %d", message, (gint) notification->kind);
      return NULL;
    }
  return gsma_json_print (object, error);
}

gchar *
esipa_json_encode_initiate_authentication_request (const EsipaInitiateAuthenticationRequest *request, GError **error)
{
  static const gchar message[] = "initiateAuthentication";
  g_autoptr(cJSON) object = cJSON_CreateObject ();
  g_autoptr(GBytes) challenge = NULL;

  g_return_val_if_fail (request != NULL, NULL);

  challenge = g_bytes_new (request->euicc_challenge, sizeof request->euicc_challenge);
  if (!gsma_json_add_base64 (object, "euiccChallenge", challenge, error))
    return NULL;
  if (request->euicc_info1 != NULL &&
      (!gsma_json_check_tlv (request->euicc_info1, 0xBF20, message, "euiccInfo1", error) ||
       !gsma_json_add_base64 (object, "euiccInfo1", request->euicc_info1, error)))
    return NULL;
  if (request->smdp_address != NULL && !gsma_json_add_string (object, "smdpAddress", request->smdp_address, error))
    return NULL;
  if (request->eim_transaction_id != NULL)
    {
      g_autofree gchar *hex = NULL;

      if (!gsma_json_check_transaction_id (request->eim_transaction_id, message, "eimTransactionId", error))
        return NULL;
      hex = gsma_json_bytes_to_hex (request->eim_transaction_id);
      if (!gsma_json_add_string (object, "eimTransactionId", hex, error))
        return NULL;
    }
  return gsma_json_print (object, error);
}

static gchar *
encode_session_request (const EsipaSessionRequest *request, const gchar *message, const gchar *key, guint32 tag,
                        GError **error)
{
  g_autoptr(cJSON) object = cJSON_CreateObject ();
  g_autofree gchar *hex = NULL;

  g_return_val_if_fail (request != NULL, NULL);

  if (!gsma_json_check_transaction_id (request->transaction_id, message, "transactionId", error) ||
      !gsma_json_check_tlv (request->card_response, tag, message, key, error))
    return NULL;
  hex = gsma_json_bytes_to_hex (request->transaction_id);
  if (!gsma_json_add_string (object, "transactionId", hex, error) || !gsma_json_add_base64 (object, key, request->card_response, error))
    return NULL;
  return gsma_json_print (object, error);
}

gchar *
esipa_json_encode_authenticate_client_request (const EsipaSessionRequest *request, GError **error)
{
  return encode_session_request (request, "authenticateClient", "authenticateServerResponse", 0xBF38, error);
}

gchar *
esipa_json_encode_get_bound_profile_package_request (const EsipaSessionRequest *request, GError **error)
{
  return encode_session_request (request, "getBoundProfilePackage", "prepareDownloadResponse", 0xBF21, error);
}

gchar *
esipa_json_encode_cancel_session_request (const EsipaSessionRequest *request, GError **error)
{
  return encode_session_request (request, "cancelSession", "cancelSessionResponse", 0xBF41, error);
}


/* ------------------------------------------------------------------------------------------------------ */

static void
set_unusable (EsipaUnusablePackage **ret_unusable, const GError *error, GBytes *raw)
{
  EsipaUnusablePackage *unusable;

  if (ret_unusable == NULL)
    return;
  unusable = g_new0 (EsipaUnusablePackage, 1);
  unusable->result_error_code = esipa_package_result_error_for (error);
  if (raw != NULL)
    {
      unusable->raw = g_bytes_ref (raw);
      unusable->eim_transaction_id = esipa_eim_package_salvage_transaction_id (g_bytes_get_data (raw, NULL),
                                                                               g_bytes_get_size (raw));
    }
  *ret_unusable = unusable;
}

EsipaEimPackage *
esipa_json_decode_get_eim_package_response (const gchar *body, gsize length, EsipaUnusablePackage **ret_unusable,
                                            GError **error)
{
  static const gchar message[] = "getEimPackage";
  static const struct {
    const gchar *key;
    guint32 tag;
  } packages[] = {
    { "euiccPackageRequest", 0xBF51 },
    { "ipaEuiccDataRequest", 0xBF52 },
    { "profileDownloadTriggerRequest", 0xBF54 },
  };
  static const GsmaJsonStatusMapping failures[] = {
    { "8.1.1", "3.7", ESIPA_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE },
    { "8.1.1", "2.1", ESIPA_EIM_PACKAGE_ERROR_INVALID_EID },
    { "8.1.1", "2.2", ESIPA_EIM_PACKAGE_ERROR_MISSING_EID },
    { "8.1.1", "3.9", ESIPA_EIM_PACKAGE_ERROR_EID_NOT_FOUND },
  };
  g_autoptr(cJSON) root = NULL;
  g_autoptr(EsipaEimPackage) package = NULL;
  GError *local_error = NULL;
  GsmaJsonStatus status;
  gint64 error_code;
  const cJSON *item;

  root = gsma_json_parse_body (body, length, message, &local_error);
  if (root == NULL || !gsma_json_read_status (root, message, &status, &local_error))
    {
      set_unusable (ret_unusable, local_error, NULL);
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (!status.success)
    {
      g_autofree gchar *described = gsma_json_describe_status (&status);

      package = g_new0 (EsipaEimPackage, 1);
      package->kind = ESIPA_EIM_PACKAGE_ERROR;
      package->error_code = gsma_json_map_status (&status, failures, G_N_ELEMENTS (failures), ESIPA_EIM_PACKAGE_ERROR_UNDEFINED);
      g_debug ("%s: %s read as eimPackageError %s(%" G_GINT64_FORMAT ")", message, described,
               esipa_eim_package_error_to_string (package->error_code), package->error_code);
      return g_steal_pointer (&package);
    }

  item = cJSON_GetObjectItemCaseSensitive (root, "eimPackageError");
  if (item != NULL)
    {
      if (!gsma_json_integer (item, &error_code))
        {
          gsma_json_fail (&local_error, EUICCD_ERROR_INVALID_DATA, "%s response: \"eimPackageError\" is not an integer", message);
          set_unusable (ret_unusable, local_error, NULL);
          g_propagate_error (error, local_error);
          return NULL;
        }
      package = g_new0 (EsipaEimPackage, 1);
      package->kind = ESIPA_EIM_PACKAGE_ERROR;
      package->error_code = error_code;
      return g_steal_pointer (&package);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (packages); i++)
    {
      g_autoptr(GBytes) blob = NULL;
      DerTlv tlv;

      if (cJSON_GetObjectItemCaseSensitive (root, packages[i].key) == NULL)
        continue;
      if (!gsma_json_base64_member (root, message, packages[i].key, TRUE, &blob, &local_error))
        {
          set_unusable (ret_unusable, local_error, NULL);
          g_propagate_error (error, local_error);
          return NULL;
        }
      /* The key says which alternative this is; a blob of another kind is a malformed package. */
      if (der_parse_single (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), &tlv, NULL) &&
          tlv.tag != packages[i].tag)
        {
          gsma_json_fail (&local_error, EUICCD_ERROR_INVALID_DATA, "%s response: \"%s\" has tag %02X, expected %02X", message,
                packages[i].key, tlv.tag, packages[i].tag);
          set_unusable (ret_unusable, local_error, blob);
          g_propagate_error (error, local_error);
          return NULL;
        }
      package = esipa_asn1_decode_eim_package (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), ret_unusable,
                                               error);
      if (package == NULL)
        g_prefix_error (error, "%s response: \"%s\": ", message, packages[i].key);
      return g_steal_pointer (&package);
    }

  gsma_json_fail (&local_error, EUICCD_ERROR_NOT_SUPPORTED,
        "%s response: none of \"euiccPackageRequest\", \"ipaEuiccDataRequest\", \"profileDownloadTriggerRequest\" "
        "or \"eimPackageError\"", message);
  set_unusable (ret_unusable, local_error, NULL);
  g_propagate_error (error, local_error);
  return NULL;
}

EsipaProvideResultResponse *
esipa_json_decode_provide_eim_package_result_response (const gchar *body, gsize length, GError **error)
{
  static const gchar message[] = "provideEimPackageResult";
  static const GsmaJsonStatusMapping failures[] = {
    { "8.1.1", "3.9", ESIPA_PROVIDE_RESULT_ERROR_EID_NOT_FOUND },
    { "8.1.1", "2.1", ESIPA_PROVIDE_RESULT_ERROR_INVALID_EID },
    { "8.1.1", "2.2", ESIPA_PROVIDE_RESULT_ERROR_MISSING_EID },
  };
  g_autoptr(cJSON) root = gsma_json_parse_body (body, length, message, error);
  g_autoptr(EsipaProvideResultResponse) response = NULL;
  g_autoptr(GBytes) acks = NULL;
  GsmaJsonStatus status;

  if (root == NULL || !gsma_json_read_status (root, message, &status, error))
    return NULL;
  response = g_new0 (EsipaProvideResultResponse, 1);
  if (!status.success)
    {
      g_autofree gchar *described = gsma_json_describe_status (&status);

      response->kind = ESIPA_PROVIDE_RESULT_ERROR;
      response->error_code = gsma_json_map_status (&status, failures, G_N_ELEMENTS (failures), ESIPA_PROVIDE_RESULT_ERROR_UNDEFINED);
      response->seq_numbers = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_debug ("%s: %s read as provideEimPackageResultError %" G_GINT64_FORMAT, message, described,
               response->error_code);
      return g_steal_pointer (&response);
    }
  if (!gsma_json_base64_member (root, message, "eimAcknowledgements", FALSE, &acks, error))
    return NULL;
  if (acks == NULL)
    {
      response->kind = ESIPA_PROVIDE_RESULT_EMPTY;
      response->seq_numbers = g_array_new (FALSE, FALSE, sizeof (gint64));
      return g_steal_pointer (&response);
    }
  response->kind = ESIPA_PROVIDE_RESULT_ACKNOWLEDGEMENTS;
  response->seq_numbers = esipa_asn1_decode_eim_acknowledgements (g_bytes_get_data (acks, NULL),
                                                                  g_bytes_get_size (acks), error);
  if (response->seq_numbers == NULL)
    {
      g_prefix_error (error, "%s response: \"eimAcknowledgements\": ", message);
      return NULL;
    }
  return g_steal_pointer (&response);
}

gboolean
esipa_json_decode_handle_notification_response (const gchar *body, gsize length, GError **error)
{
  static const gchar message[] = "handleNotification";
  g_autoptr(cJSON) root = NULL;
  GsmaJsonStatus status;

  if (body == NULL || length == 0)
    return TRUE;
  root = gsma_json_parse_body (body, length, message, error);
  if (root == NULL || !gsma_json_read_status (root, message, &status, error))
    return FALSE;
  if (!status.success)
    {
      g_autofree gchar *described = gsma_json_describe_status (&status);

      return gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s: the eIM refused the notification: %s", message, described);
    }
  return TRUE;
}

gboolean
esipa_json_status_is_failure (const gchar *body, gsize length)
{
  g_autoptr(cJSON) root = NULL;
  GsmaJsonStatus status;

  if (body == NULL || length == 0)
    return FALSE;
  root = gsma_json_parse_body (body, length, "answer", NULL);
  return root != NULL && gsma_json_read_status (root, "answer", &status, NULL) && !status.success;
}

EsipaInitiateAuthenticationResponse *
esipa_json_decode_initiate_authentication_response (const gchar *body, gsize length, GError **error)
{
  static const gchar message[] = "initiateAuthentication";
  static const GsmaJsonStatusMapping failures[] = {
    { "8.8.1", "3.8", 1 },  /* invalidDpAddress */
    { "8.8.1", "3.10", 50 }, /* smdpAddressMismatch */
    { "8.8.2", "3.1", 3 },  /* ciPKIdNotSupported */
    { "8.8.3", "3.1", 2 },  /* euiccVersionNotSupportedByDp */
    { "8.8.4", "3.7", 3 },  /* ciPKIdNotSupported */
    { "8.9.1", "3.8", 1 },
    { "8.9.1", "3.10", 50 },
    { "8.9.2", "3.1", 3 },
    { "8.9.3", "3.1", 2 },
    { "8.9.4", "3.7", 3 },
  };
  g_autoptr(cJSON) root = gsma_json_parse_body (body, length, message, error);
  g_autoptr(EsipaInitiateAuthenticationResponse) response = NULL;
  const cJSON *matching_id;
  GsmaJsonStatus status;

  if (root == NULL || !gsma_json_read_status (root, message, &status, error))
    return NULL;
  response = g_new0 (EsipaInitiateAuthenticationResponse, 1);
  if (!status.success)
    {
      response->has_error = TRUE;
      response->error_code = gsma_json_map_status (&status, failures, G_N_ELEMENTS (failures), 127);
      return g_steal_pointer (&response);
    }
  if (!gsma_json_transaction_id_member (root, message, "transactionId", FALSE, &response->transaction_id, error) ||
      !gsma_json_tlv_member (root, message, "serverSigned1", 0x30, TRUE, FALSE, &response->server_signed1, error) ||
      !gsma_json_tlv_member (root, message, "serverSignature1", 0x5F37, TRUE, TRUE, &response->server_signature1, error) ||
      !gsma_json_tlv_member (root, message, "euiccCiPKIdentifierToBeUsed", 0x04, TRUE, TRUE,
                   &response->euicc_ci_pkid_to_be_used, error) ||
      !gsma_json_tlv_member (root, message, "serverCertificate", 0x30, TRUE, FALSE, &response->server_certificate, error) ||
      !gsma_json_tlv_member (root, message, "ctxParams1", 0, FALSE, FALSE, &response->ctx_params1, error))
    return NULL;
  matching_id = cJSON_GetObjectItemCaseSensitive (root, "matchingId");
  if (matching_id != NULL)
    {
      if (!cJSON_IsString (matching_id))
        {
          gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s response: \"matchingId\" is not a string", message);
          return NULL;
        }
      response->matching_id = g_strdup (matching_id->valuestring);
    }
  return g_steal_pointer (&response);
}

EsipaAuthenticateClientResponse *
esipa_json_decode_authenticate_client_response (const gchar *body, gsize length, GError **error)
{
  static const gchar message[] = "authenticateClient";
  /* SGP.22 ES9+ AuthenticateClient status codes, onto AuthenticateClientResponseEsipa's error numbers. */
  static const GsmaJsonStatusMapping failures[] = {
    { "8.1.2", "6.1", 1 },   /* eumCertificateInvalid */
    { "8.1.2", "6.3", 2 },   /* eumCertificateExpired */
    { "8.1.3", "6.1", 3 },   /* euiccCertificateInvalid */
    { "8.1.3", "6.3", 4 },   /* euiccCertificateExpired */
    { "8.1", "6.1", 5 },     /* euiccSignatureInvalid */
    { "8.2.6", "3.8", 6 },   /* matchingIdRefused */
    { "8.1.1", "3.8", 7 },   /* eidMismatch */
    { "8.11.1", "3.9", 9 },  /* ciPKUnknown */
    { "8.10.1", "3.9", 10 }, /* invalidTransactionId */
    { "8.1", "4.8", 11 },    /* insufficientMemory */
  };
  g_autoptr(cJSON) root = gsma_json_parse_body (body, length, message, error);
  g_autoptr(EsipaAuthenticateClientResponse) response = NULL;
  GsmaJsonStatus status;

  if (root == NULL || !gsma_json_read_status (root, message, &status, error))
    return NULL;
  response = g_new0 (EsipaAuthenticateClientResponse, 1);
  if (!status.success)
    {
      response->kind = ESIPA_AUTHENTICATE_CLIENT_ERROR;
      response->error_code = gsma_json_map_status (&status, failures, G_N_ELEMENTS (failures), 127);
      return g_steal_pointer (&response);
    }
  if (cJSON_GetObjectItemCaseSensitive (root, "smdpSigned2") != NULL)
    {
      g_autoptr(GBytes) hash_cc = NULL;

      response->kind = ESIPA_AUTHENTICATE_CLIENT_OK_DP;
      if (!gsma_json_transaction_id_member (root, message, "transactionId", FALSE, &response->transaction_id, error) ||
          !gsma_json_tlv_member (root, message, "profileMetadata", 0xBF25, FALSE, FALSE, &response->profile_metadata, error) ||
          !gsma_json_tlv_member (root, message, "smdpSigned2", 0x30, TRUE, FALSE, &response->smdp_signed2, error) ||
          !gsma_json_tlv_member (root, message, "smdpSignature2", 0x5F37, TRUE, TRUE, &response->smdp_signature2, error) ||
          !gsma_json_tlv_member (root, message, "smdpCertificate", 0x30, TRUE, FALSE, &response->smdp_certificate, error) ||
          !gsma_json_base64_member (root, message, "hashCc", FALSE, &hash_cc, error))
        return NULL;
      if (hash_cc != NULL)
        {
          DerTlv tlv;

          /* The 32 bytes, or (as other blobs) their 04 TLV. */
          if (g_bytes_get_size (hash_cc) == 32)
            response->hash_cc = g_steal_pointer (&hash_cc);
          else if (der_parse_single (g_bytes_get_data (hash_cc, NULL), g_bytes_get_size (hash_cc), &tlv, NULL) &&
                   tlv.tag == 0x04 && tlv.length == 32)
            response->hash_cc = g_bytes_new (tlv.value, tlv.length);
          else
            {
              gsma_json_fail (error, EUICCD_ERROR_INVALID_DATA, "%s response: \"hashCc\": %zu bytes, expected 32", message,
                    g_bytes_get_size (hash_cc));
              return NULL;
            }
        }
      return g_steal_pointer (&response);
    }
  else
    {
      g_autoptr(GBytes) trigger = NULL;

      response->kind = ESIPA_AUTHENTICATE_CLIENT_OK_DS;
      if (!gsma_json_transaction_id_member (root, message, "transactionId", TRUE, &response->transaction_id, error) ||
          !gsma_json_tlv_member (root, message, "profileDownloadTrigger", 0xBF54, FALSE, FALSE, &trigger, error))
        return NULL;
      if (trigger != NULL)
        {
          response->download_trigger = esipa_asn1_decode_profile_download_trigger (g_bytes_get_data (trigger, NULL),
                                                                                   g_bytes_get_size (trigger), error);
          if (response->download_trigger == NULL)
            {
              g_prefix_error (error, "%s response: \"profileDownloadTrigger\": ", message);
              return NULL;
            }
        }
      return g_steal_pointer (&response);
    }
}

EsipaGetBoundProfilePackageResponse *
esipa_json_decode_get_bound_profile_package_response (const gchar *body, gsize length, GError **error)
{
  static const gchar message[] = "getBoundProfilePackage";
  static const GsmaJsonStatusMapping failures[] = {
    { "8.1", "6.1", 1 },     /* euiccSignatureInvalid */
    { "8.2.7", "2.2", 2 },   /* confirmationCodeMissing */
    { "8.2.7", "3.8", 3 },   /* confirmationCodeRefused */
    { "8.2.7", "6.4", 4 },   /* confirmationCodeRetriesExceeded */
    { "8.2", "3.8", 5 },     /* bppRebindingRefused */
    { "8.8.5", "4.10", 6 },  /* downloadOrderExpired */
    { "8.10.1", "3.9", 95 }, /* invalidTransactionId */
  };
  g_autoptr(cJSON) root = gsma_json_parse_body (body, length, message, error);
  g_autoptr(EsipaGetBoundProfilePackageResponse) response = NULL;
  GsmaJsonStatus status;

  if (root == NULL || !gsma_json_read_status (root, message, &status, error))
    return NULL;
  response = g_new0 (EsipaGetBoundProfilePackageResponse, 1);
  if (!status.success)
    {
      response->has_error = TRUE;
      response->error_code = gsma_json_map_status (&status, failures, G_N_ELEMENTS (failures), 127);
      return g_steal_pointer (&response);
    }
  if (!gsma_json_transaction_id_member (root, message, "transactionId", FALSE, &response->transaction_id, error) ||
      !gsma_json_tlv_member (root, message, "boundProfilePackage", 0xBF36, TRUE, FALSE, &response->bound_profile_package,
                   error))
    return NULL;
  return g_steal_pointer (&response);
}

EsipaCancelSessionResponse *
esipa_json_decode_cancel_session_response (const gchar *body, gsize length, GError **error)
{
  static const gchar message[] = "cancelSession";
  static const GsmaJsonStatusMapping failures[] = {
    { "8.10.1", "3.9", 1 },  /* invalidTransactionId */
    { "8.1", "6.1", 2 },     /* euiccSignatureInvalid */
  };
  g_autoptr(cJSON) root = NULL;
  g_autoptr(EsipaCancelSessionResponse) response = g_new0 (EsipaCancelSessionResponse, 1);
  GsmaJsonStatus status;

  /* cancelSession has no output data; an eIM may answer 204. */
  if (body == NULL || length == 0)
    return g_steal_pointer (&response);
  root = gsma_json_parse_body (body, length, message, error);
  if (root == NULL || !gsma_json_read_status (root, message, &status, error))
    return NULL;
  if (!status.success)
    {
      response->has_error = TRUE;
      response->error_code = gsma_json_map_status (&status, failures, G_N_ELEMENTS (failures), 127);
    }
  return g_steal_pointer (&response);
}
