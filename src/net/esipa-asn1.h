/* SPDX-License-Identifier: Apache-2.0 */
/* ESipa ASN.1 binding: DER encoders for the IPA's EsipaMessageFromIpaToEim bodies and decoders for the eIM's
 * EsipaMessageFromEimToIpa bodies (SGP.32 v1.2, AUTOMATIC TAGS). Pure functions, no I/O.
 *
 * Encoders return the complete HTTP body (the CHOICE alternative's own tag, BF4F, BF50, ...) or, for the inner
 * pieces, the TLV the outer message embeds. They refuse inputs that would not be valid DER of the type (a raw
 * blob with the wrong outer tag, a transaction id longer than 16 bytes, ...) naming the field.
 *
 * Decoders refuse anything that does not parse, naming the message and the field; they check the outer tag,
 * never read past their input and skip unknown optional fields (the modules are EXTENSIBILITY IMPLIED). */
#pragma once

#include <glib.h>

#include "net/esipa-types.h"

G_BEGIN_DECLS

/* Requests, IPA -> eIM */
GBytes *esipa_asn1_encode_get_eim_package_request (const EsipaGetEimPackageRequest *request, GError **error);
GBytes *esipa_asn1_encode_provide_eim_package_result (const EsipaEimPackageResult *result, GError **error);
GBytes *esipa_asn1_encode_handle_notification (const EsipaNotification *notification, GError **error);
GBytes *esipa_asn1_encode_initiate_authentication_request (const EsipaInitiateAuthenticationRequest *request,
                                                           GError **error);
GBytes *esipa_asn1_encode_authenticate_client_request (const EsipaSessionRequest *request, GError **error);
GBytes *esipa_asn1_encode_get_bound_profile_package_request (const EsipaSessionRequest *request, GError **error);
/* The eUICC's CancelSessionResponse (BF41) is decoded and re-encoded under [1] (A1), as the ASN.1 requires. */
GBytes *esipa_asn1_encode_cancel_session_request (const EsipaSessionRequest *request, GError **error);

/* The DER of the chosen EimPackageResult alternative alone (BF51, 30 {BF51, A0}, BF52, BF54 or A0 {...}): what
 * the JSON binding's "eimPackageResult" carries in base64. */
GBytes *esipa_asn1_encode_eim_package_result_choice (const EsipaEimPackageResult *result, GError **error);

/* Inner pieces the IPA builds itself */
/* IpaEuiccDataResponse (BF52) { ipaEuiccData (A0) }. */
GBytes *esipa_asn1_encode_ipa_euicc_data_response (const EsipaIpaEuiccData *data, GError **error);
/* IpaEuiccDataResponse (BF52) { ipaEuiccDataResponseError (A1) {eimTransactionId?, code} }. */
GBytes *esipa_asn1_encode_ipa_euicc_data_error (GBytes *eim_transaction_id, gint64 error_code, GError **error);
/* ProfileDownloadTriggerResult (BF54) with the eUICC's ProfileInstallationResult (raw BF37). */
GBytes *esipa_asn1_encode_profile_download_result (GBytes *eim_transaction_id, GBytes *profile_installation_result,
                                                   GError **error);
/* ProfileDownloadTriggerResult (BF54) with profileDownloadError {reason, errorResponse?}. */
GBytes *esipa_asn1_encode_profile_download_error (GBytes *eim_transaction_id, gint64 reason,
                                                  GBytes *error_response, GError **error);

/* The contents of an SGP.22 DeviceInfo (tac, deviceCapabilities, imei), without its own tag: what ctxParams1
 * carries under [1]. */
GBytes *esipa_asn1_encode_device_info_contents (const EsipaDeviceInfo *info);

/* Responses, eIM -> IPA */
/* GetEimPackageResponse. When the body is a GetEimPackageResponse whose package cannot be used (it does not
 * parse, or it is an alternative this version does not know), returns NULL with the error and, if
 * ret_unusable is not NULL, what the IPA needs to answer it. The error code is EUICCD_ERROR_INVALID_DATA for
 * malformed input and EUICCD_ERROR_NOT_SUPPORTED for an unknown alternative. */
EsipaEimPackage *esipa_asn1_decode_get_eim_package_response (const guint8 *data, gsize length,
                                                             EsipaUnusablePackage **ret_unusable, GError **error);
EsipaProvideResultResponse *esipa_asn1_decode_provide_eim_package_result_response (const guint8 *data, gsize length,
                                                                                  GError **error);
/* EimAcknowledgements (BF53) alone: the JSON binding carries it in base64. */
GArray *esipa_asn1_decode_eim_acknowledgements (const guint8 *data, gsize length, GError **error);
EsipaInitiateAuthenticationResponse *esipa_asn1_decode_initiate_authentication_response (const guint8 *data,
                                                                                        gsize length,
                                                                                        GError **error);
EsipaAuthenticateClientResponse *esipa_asn1_decode_authenticate_client_response (const guint8 *data, gsize length,
                                                                                GError **error);
EsipaGetBoundProfilePackageResponse *esipa_asn1_decode_get_bound_profile_package_response (const guint8 *data,
                                                                                          gsize length,
                                                                                          GError **error);
EsipaCancelSessionResponse *esipa_asn1_decode_cancel_session_response (const guint8 *data, gsize length,
                                                                      GError **error);

/* The inner packages alone (also what the JSON binding carries in base64). Same error conventions as
 * esipa_asn1_decode_get_eim_package_response(). */
EsipaEuiccPackageRequest *esipa_asn1_decode_euicc_package_request (const guint8 *data, gsize length, GError **error);
EsipaIpaEuiccDataRequest *esipa_asn1_decode_ipa_euicc_data_request (const guint8 *data, gsize length,
                                                                    GError **error);
EsipaProfileDownloadTrigger *esipa_asn1_decode_profile_download_trigger (const guint8 *data, gsize length,
                                                                         GError **error);
/* An EsipaEimPackage from one inner TLV (BF51, BF52 or BF54); the JSON binding uses it. */
EsipaEimPackage *esipa_asn1_decode_eim_package (const guint8 *data, gsize length, EsipaUnusablePackage **ret_unusable,
                                                GError **error);

/* The EimPackageResultErrorCode that answers a package refused with `error`: unknownPackage(2) for
 * EUICCD_ERROR_NOT_SUPPORTED, invalidPackageFormat(1) otherwise. */
gint64 esipa_package_result_error_for (const GError *error);

G_END_DECLS
