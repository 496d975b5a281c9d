/* SPDX-License-Identifier: Apache-2.0 */
/* The SGP.32 v1.2 ESipa messages (IPA <-> eIM) as C structs, shared by the ASN.1 binding (esipa-asn1.h) and the
 * JSON binding (esipa-json.h) so that the procedures never care which binding an eIM speaks.
 *
 * Two kinds of structs:
 * - request inputs (EsipaGetEimPackageRequest, EsipaEimPackageResult, EsipaIpaEuiccData, ...) are filled by the
 *   caller, usually on the stack; their pointers are borrowed and the encoders never free them;
 * - decoded responses (EsipaEimPackage, EsipaProvideResultResponse, ...) are allocated by the decoders and own
 *   everything they point to; each has a free function and a g_autoptr cleanup.
 *
 * Blobs that travel between the eUICC and the eIM untouched (EuiccPackageRequest BF51, EuiccPackageResult BF51,
 * PendingNotifications, EUICCInfo1/2, AuthenticateServerResponse BF38, PrepareDownloadResponse BF21, BPP BF36)
 * are kept as the complete DER TLV, exactly as received. */
#pragma once

#include <glib.h>

#include "rsp/rsp-types.h"

G_BEGIN_DECLS

#define ESIPA_EID_LENGTH 16
#define ESIPA_TRANSACTION_ID_MAX_LENGTH 16  /* TransactionId ::= OCTET STRING (SIZE(1..16)) */

typedef enum {
  ESIPA_BINDING_ASN1 = 0,  /* POST /gsma/rsp2/asn1, DER bodies */
  ESIPA_BINDING_JSON = 1,  /* POST /gsma/rsp2/esipa/<function>, JSON bodies */
} EsipaBinding;

/* The ESipa functions an IPA calls. */
typedef enum {
  ESIPA_FUNCTION_GET_EIM_PACKAGE,
  ESIPA_FUNCTION_PROVIDE_EIM_PACKAGE_RESULT,
  ESIPA_FUNCTION_HANDLE_NOTIFICATION,
  ESIPA_FUNCTION_INITIATE_AUTHENTICATION,
  ESIPA_FUNCTION_AUTHENTICATE_CLIENT,
  ESIPA_FUNCTION_GET_BOUND_PROFILE_PACKAGE,
  ESIPA_FUNCTION_CANCEL_SESSION,
} EsipaFunction;

/* "getEimPackage", ... (the JSON path element, also used in messages). */
const gchar *esipa_function_name (EsipaFunction function);

/* ------------------------------------------------------------------------------------------------------ */
/* Error and cause codes, numbered as in the ASN.1. Decoders pass unknown numbers through unchanged. */

/* StateChangeCause */
typedef enum {
  ESIPA_STATE_CHANGE_OTHER_EIM = 0,
  ESIPA_STATE_CHANGE_FALLBACK = 1,
  ESIPA_STATE_CHANGE_EMERGENCY_PROFILE = 2,
  ESIPA_STATE_CHANGE_LOCAL = 3,
  ESIPA_STATE_CHANGE_RESET = 4,
  ESIPA_STATE_CHANGE_IMMEDIATE_ENABLE_PROFILE = 5,
  ESIPA_STATE_CHANGE_DEVICE_CHANGE = 6,
  ESIPA_STATE_CHANGE_UNDEFINED = 127,
} EsipaStateChangeCause;

/* GetEimPackageResponse.eimPackageError */
typedef enum {
  ESIPA_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE = 1,
  ESIPA_EIM_PACKAGE_ERROR_EID_NOT_FOUND = 2,
  ESIPA_EIM_PACKAGE_ERROR_INVALID_EID = 3,
  ESIPA_EIM_PACKAGE_ERROR_MISSING_EID = 4,
  ESIPA_EIM_PACKAGE_ERROR_UNDEFINED = 127,
} EsipaEimPackageErrorCode;

/* EimPackageResultErrorCode: what the IPA answers for a package it cannot use. */
typedef enum {
  ESIPA_PACKAGE_RESULT_ERROR_INVALID_PACKAGE_FORMAT = 1,
  ESIPA_PACKAGE_RESULT_ERROR_UNKNOWN_PACKAGE = 2,
  ESIPA_PACKAGE_RESULT_ERROR_UNDEFINED = 127,
} EsipaPackageResultErrorCode;

/* IpaEuiccDataErrorCode */
typedef enum {
  ESIPA_IPA_EUICC_DATA_ERROR_INCORRECT_TAG_LIST = 1,
  ESIPA_IPA_EUICC_DATA_ERROR_CI_PKID_NOT_FOUND = 5,
  ESIPA_IPA_EUICC_DATA_ERROR_ECALL_ACTIVE = 104,
  ESIPA_IPA_EUICC_DATA_ERROR_UNDEFINED = 127,
} EsipaIpaEuiccDataErrorCode;

/* ProvideEimPackageResultResponse.provideEimPackageResultError */
typedef enum {
  ESIPA_PROVIDE_RESULT_ERROR_EID_NOT_FOUND = 2,
  ESIPA_PROVIDE_RESULT_ERROR_INVALID_EID = 3,
  ESIPA_PROVIDE_RESULT_ERROR_MISSING_EID = 4,
  ESIPA_PROVIDE_RESULT_ERROR_UNDEFINED = 127,
} EsipaProvideResultErrorCode;

/* ProfileDownloadTriggerResult.profileDownloadError.profileDownloadErrorReason */
typedef enum {
  ESIPA_PROFILE_DOWNLOAD_ERROR_ECALL_ACTIVE = 104,
  ESIPA_PROFILE_DOWNLOAD_ERROR_UNDEFINED = 127,
} EsipaProfileDownloadErrorReason;

/* ------------------------------------------------------------------------------------------------------ */
/* GetEimPackageRequest (BF4F) */
typedef struct {
  guint8 eid[ESIPA_EID_LENGTH];
  gboolean notify_state_change;
  gboolean has_state_change_cause;
  gint64 state_change_cause;          /* EsipaStateChangeCause */
  gboolean has_rplmn;
  guint8 rplmn[3];                    /* MCC/MNC of the last registered PLMN, 3GPP TS 24.008 coding */
} EsipaGetEimPackageRequest;

/* ------------------------------------------------------------------------------------------------------ */
/* GetEimPackageResponse (BF4F), decoded */
typedef enum {
  ESIPA_EIM_PACKAGE_EUICC_PACKAGE_REQUEST,   /* BF51: forward `raw` to ES10b.LoadEuiccPackage unchanged */
  ESIPA_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST,  /* BF52 */
  ESIPA_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER,/* BF54 */
  ESIPA_EIM_PACKAGE_ERROR,                   /* eimPackageError; error_code */
} EsipaEimPackageKind;

/* Tag numbers of the Psmo alternatives (context class; listProfileInfo is BF2D, setDefaultDpAddress BF65). */
typedef enum {
  ESIPA_PSMO_ENABLE = 3,
  ESIPA_PSMO_DISABLE = 4,
  ESIPA_PSMO_DELETE = 5,
  ESIPA_PSMO_GET_RAT = 6,
  ESIPA_PSMO_CONFIGURE_IMMEDIATE_ENABLE = 7,
  ESIPA_PSMO_SET_FALLBACK_ATTRIBUTE = 8,
  ESIPA_PSMO_UNSET_FALLBACK_ATTRIBUTE = 9,
  ESIPA_PSMO_LIST_PROFILE_INFO = 45,
  ESIPA_PSMO_SET_DEFAULT_DP_ADDRESS = 101,
} EsipaPsmoKind;

/* Tag numbers of the Eco alternatives. */
typedef enum {
  ESIPA_ECO_ADD_EIM = 8,
  ESIPA_ECO_DELETE_EIM = 9,
  ESIPA_ECO_UPDATE_EIM = 10,
  ESIPA_ECO_LIST_EIM = 11,
} EsipaEcoKind;

/* The readable parts of an EuiccPackageRequest. Only for logs and decisions: the eUICC gets the raw TLV. */
typedef struct {
  gchar *eim_id;
  guint8 eid[ESIPA_EID_LENGTH];
  gint64 counter_value;
  GBytes *eim_transaction_id;         /* NULL when absent */
  gboolean is_eco_list;               /* FALSE: psmoList */
  GArray *operations;                 /* of guint: EsipaPsmoKind or EsipaEcoKind, in package order; an
                                       * alternative this version does not know keeps its tag number */
} EsipaEuiccPackageRequest;

/* IpaEuiccDataRequest (BF52) */
typedef struct {
  GBytes *tag_list;                   /* contents of tagList (5C) as received */
  GArray *tags;                       /* of guint32: the tags of tag_list, e.g. 0x81, 0xBF20, 0xA8 */
  GBytes *euicc_ci_pkid;              /* euiccCiPKIdentifierToBeUsed, NULL when absent */
  gboolean has_notification_search;   /* searchCriteriaNotification: kind is RSP_NOTIFICATION_SEARCH_SEQ_NUMBER */
  RspNotificationSearch notification_search;  /* or RSP_NOTIFICATION_SEARCH_OPERATION */
  gboolean has_package_result_search; /* searchCriteriaEuiccPackageResult.seqNumber */
  gint64 package_result_seq_number;
  GBytes *eim_transaction_id;         /* NULL when absent */
} EsipaIpaEuiccDataRequest;

/* Whether the request's tagList names `tag` (e.g. 0xBF20 for euiccInfo1). */
gboolean esipa_ipa_euicc_data_request_wants (const EsipaIpaEuiccDataRequest *request, guint32 tag);

/* ProfileDownloadTriggerRequest (BF54), also inside AuthenticateClientOkDSEsipa */
typedef enum {
  ESIPA_DOWNLOAD_DATA_NONE = 0,       /* profileDownloadData absent */
  ESIPA_DOWNLOAD_DATA_ACTIVATION_CODE,
  ESIPA_DOWNLOAD_DATA_CONTACT_DEFAULT_SMDP,
  ESIPA_DOWNLOAD_DATA_CONTACT_SMDS,
} EsipaDownloadDataKind;

typedef struct {
  EsipaDownloadDataKind kind;
  gchar *activation_code;             /* ESIPA_DOWNLOAD_DATA_ACTIVATION_CODE (personal data: do not log) */
  gchar *smds_address;                /* ESIPA_DOWNLOAD_DATA_CONTACT_SMDS, NULL when the eIM gave none */
  GBytes *eim_transaction_id;         /* NULL when absent */
} EsipaProfileDownloadTrigger;

typedef struct {
  EsipaEimPackageKind kind;
  GBytes *raw;                        /* the inner BF51/BF52/BF54 TLV exactly as received; NULL for an error */
  gint64 error_code;                  /* ESIPA_EIM_PACKAGE_ERROR: EsipaEimPackageErrorCode */
  EsipaEuiccPackageRequest *euicc_package;          /* set for ESIPA_EIM_PACKAGE_EUICC_PACKAGE_REQUEST */
  EsipaIpaEuiccDataRequest *ipa_euicc_data_request; /* set for ESIPA_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST */
  EsipaProfileDownloadTrigger *download_trigger;    /* set for ESIPA_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER */
} EsipaEimPackage;

/* A package that arrived but cannot be used (malformed, or an alternative this version does not know). The
 * IPA still answers it with ProvideEimPackageResult.eimPackageResultResponseError {eimTransactionId, code}. */
typedef struct {
  gint64 result_error_code;           /* EsipaPackageResultErrorCode that fits */
  GBytes *eim_transaction_id;         /* salvaged; NULL when it could not be read */
  GBytes *raw;                        /* the package bytes as received (for logs), may be NULL */
} EsipaUnusablePackage;

/* ------------------------------------------------------------------------------------------------------ */
/* ProvideEimPackageResult (BF50), encoder input; all pointers borrowed. */
typedef enum {
  ESIPA_RESULT_EUICC_PACKAGE_RESULT,        /* euiccPackageResult: raw BF51 from the eUICC */
  ESIPA_RESULT_EPR_AND_NOTIFICATIONS,       /* ePRAndNotifications {raw BF51, notificationList} */
  ESIPA_RESULT_IPA_EUICC_DATA_RESPONSE,     /* raw BF52 (esipa_asn1_encode_ipa_euicc_data_response()) */
  ESIPA_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT, /* raw BF54 (esipa_asn1_encode_profile_download_trigger_result()) */
  ESIPA_RESULT_ERROR,                       /* eimPackageResultResponseError {eimTransactionId?, code} */
} EsipaEimPackageResultKind;

typedef struct {
  const guint8 *eid;                  /* 16 bytes, or NULL to leave eidValue out */
  EsipaEimPackageResultKind kind;
  GBytes *euicc_package_result;       /* BF51 TLV */
  GPtrArray *notifications;           /* of GBytes: raw SGP32-PendingNotification TLVs (BF37, 30, A0, A1) */
  GBytes *ipa_euicc_data_response;    /* BF52 TLV */
  GBytes *profile_download_trigger_result;  /* BF54 TLV */
  GBytes *eim_transaction_id;         /* ESIPA_RESULT_ERROR, NULL when unknown */
  gint64 error_code;                  /* ESIPA_RESULT_ERROR: EsipaPackageResultErrorCode */
} EsipaEimPackageResult;

/* ProvideEimPackageResultResponse (BF50), decoded */
typedef enum {
  ESIPA_PROVIDE_RESULT_ACKNOWLEDGEMENTS,    /* eimAcknowledgements: seq_numbers to remove from the eUICC */
  ESIPA_PROVIDE_RESULT_EMPTY,               /* emptyResponse */
  ESIPA_PROVIDE_RESULT_ERROR,               /* provideEimPackageResultError: error_code */
} EsipaProvideResultKind;

typedef struct {
  EsipaProvideResultKind kind;
  GArray *seq_numbers;                /* of gint64; empty unless ESIPA_PROVIDE_RESULT_ACKNOWLEDGEMENTS */
  gint64 error_code;                  /* EsipaProvideResultErrorCode */
} EsipaProvideResultResponse;

/* HandleNotificationEsipa (BF3D), encoder input; pointers borrowed. */
typedef enum {
  ESIPA_NOTIFICATION_PENDING,         /* pendingNotification: a raw SGP32-PendingNotification TLV */
  ESIPA_NOTIFICATION_PACKAGE_RESULT,  /* provideEimPackageResult */
} EsipaNotificationKind;

typedef struct {
  EsipaNotificationKind kind;
  GBytes *pending_notification;       /* BF37, 30, A0 or A1 TLV from RetrieveNotificationsList */
  const EsipaEimPackageResult *package_result;
} EsipaNotification;

/* ------------------------------------------------------------------------------------------------------ */
/* IpaEuiccData (inside IpaEuiccDataResponse BF52), encoder input; pointers borrowed; NULL/FALSE = leave out. */

/* DeviceCapabilities release fields, in ASN.1 order (the index is the automatic tag number). */
typedef enum {
  ESIPA_DEVCAP_GSM = 0,
  ESIPA_DEVCAP_UTRAN,
  ESIPA_DEVCAP_CDMA2000_ONEX,
  ESIPA_DEVCAP_CDMA2000_HRPD,
  ESIPA_DEVCAP_CDMA2000_EHRPD,
  ESIPA_DEVCAP_EUTRAN_EPC,
  ESIPA_DEVCAP_CONTACTLESS,
  ESIPA_DEVCAP_RSP_CRL,
  ESIPA_DEVCAP_NR_EPC,
  ESIPA_DEVCAP_NR_5GC,
  ESIPA_DEVCAP_EUTRAN_5GC,
  ESIPA_DEVCAP_LPA_SVN,
  ESIPA_DEVCAP_N_RELEASES,
} EsipaDeviceCapability;

/* SGP.22 DeviceInfo */
typedef struct {
  guint8 tac[4];
  guint32 releases_present;           /* bit n set: releases[n] (EsipaDeviceCapability n) is present */
  RspVersion releases[ESIPA_DEVCAP_N_RELEASES];
  gboolean has_imei;
  guint8 imei[8];
} EsipaDeviceInfo;

/* IpaCapabilities.ipaFeatures bits as a mask */
typedef enum {
  ESIPA_IPA_FEATURE_DIRECT_RSP_SERVER = 1 << 0,
  ESIPA_IPA_FEATURE_INDIRECT_RSP_SERVER = 1 << 1,
  ESIPA_IPA_FEATURE_EIM_DOWNLOAD_DATA_HANDLING = 1 << 2,
  ESIPA_IPA_FEATURE_EIM_CTX_PARAMS1_GENERATION = 1 << 3,
  ESIPA_IPA_FEATURE_EIM_PROFILE_METADATA_VERIFICATION = 1 << 4,
  ESIPA_IPA_FEATURE_MINIMIZE_ESIPA_BYTES = 1 << 5,
} EsipaIpaFeature;

/* IpaCapabilities.ipaSupportedProtocols bits as a mask */
typedef enum {
  ESIPA_IPA_PROTOCOL_RETRIEVE_HTTPS = 1 << 0,
  ESIPA_IPA_PROTOCOL_RETRIEVE_COAPS = 1 << 1,
  ESIPA_IPA_PROTOCOL_INJECT_HTTPS = 1 << 2,
  ESIPA_IPA_PROTOCOL_INJECT_COAPS = 1 << 3,
  ESIPA_IPA_PROTOCOL_PROPRIETARY = 1 << 4,
} EsipaIpaProtocol;

typedef struct {
  GPtrArray *notifications;           /* notificationsList (A0): GBytes raw PendingNotifications; NULL: absent,
                                       * empty array: present and empty */
  const gchar *default_smdp_address;  /* 81 */
  GPtrArray *euicc_package_results;   /* euiccPackageResultList (A2): GBytes raw BF51; NULL: absent */
  GBytes *euicc_info1;                /* raw BF20 */
  GBytes *euicc_info2;                /* raw BF22 */
  const gchar *root_smds_address;     /* 83 */
  gboolean has_association_token;
  gint64 association_token;           /* 84 */
  GBytes *eum_certificate;            /* DER Certificate (30 ...), sent as A5 */
  GBytes *euicc_certificate;          /* DER Certificate (30 ...), sent as A6 */
  GBytes *eim_transaction_id;         /* 87 */
  gboolean has_ipa_capabilities;      /* A8 */
  guint32 ipa_features;               /* EsipaIpaFeature mask */
  gboolean has_ipa_supported_protocols;
  guint32 ipa_supported_protocols;    /* EsipaIpaProtocol mask */
  const EsipaDeviceInfo *device_info; /* A9 */
} EsipaIpaEuiccData;

/* ------------------------------------------------------------------------------------------------------ */
/* Indirect profile download (SGP.32 3.2.3.2): requests are encoder inputs with borrowed pointers. */

/* InitiateAuthenticationRequestEsipa (BF39) */
typedef struct {
  guint8 euicc_challenge[16];
  const gchar *smdp_address;          /* NULL: leave out */
  GBytes *euicc_info1;                /* raw BF20, NULL: leave out */
  GBytes *eim_transaction_id;         /* NULL: leave out */
} EsipaInitiateAuthenticationRequest;

/* InitiateAuthenticationResponseEsipa, decoded */
typedef struct {
  gboolean has_error;
  gint64 error_code;                  /* invalidDpAddress(1), euiccVersionNotSupportedByDp(2), ciPKIdNotSupported(3),
                                       * smdpAddressMismatch(50), smdpOidMismatch(51), invalidEimTransactionId(52),
                                       * undefinedError(127) */
  GBytes *transaction_id;             /* NULL when absent */
  GBytes *server_signed1;             /* ServerSigned1 SEQUENCE TLV (30) */
  GBytes *server_signature1;          /* contents of 5F37 */
  GBytes *euicc_ci_pkid_to_be_used;   /* contents of the OCTET STRING */
  GBytes *server_certificate;         /* Certificate TLV (30) */
  gchar *matching_id;                 /* NULL when absent */
  GBytes *ctx_params1;                /* the CtxParams1 value (A0 ...), as AuthenticateServerRequest takes it */
} EsipaInitiateAuthenticationResponse;

/* AuthenticateClientRequestEsipa (BF3B) / GetBoundProfilePackageRequestEsipa (BF3A) / CancelSessionRequestEsipa
 * (BF41) */
typedef struct {
  GBytes *transaction_id;             /* 1 to 16 bytes */
  GBytes *card_response;              /* BF3B: the eUICC's BF38 AuthenticateServerResponse;
                                       * BF3A: the eUICC's BF21 PrepareDownloadResponse;
                                       * BF41: the eUICC's BF41 CancelSessionResponse (re-tagged A1) */
} EsipaSessionRequest;

typedef enum {
  ESIPA_AUTHENTICATE_CLIENT_OK_DP,
  ESIPA_AUTHENTICATE_CLIENT_OK_DS,
  ESIPA_AUTHENTICATE_CLIENT_ERROR,
} EsipaAuthenticateClientKind;

/* AuthenticateClientResponseEsipa, decoded */
typedef struct {
  EsipaAuthenticateClientKind kind;
  gint64 error_code;                  /* eumCertificateInvalid(1) ... noEligibleProfile(8) ... undefinedError(127) */
  GBytes *transaction_id;             /* NULL when absent */
  GBytes *profile_metadata;           /* StoreMetadataRequest TLV (BF25), NULL when absent */
  GBytes *smdp_signed2;               /* SmdpSigned2 TLV (30) */
  GBytes *smdp_signature2;            /* contents of 5F37 */
  GBytes *smdp_certificate;           /* Certificate TLV (30) */
  GBytes *hash_cc;                    /* 32 bytes, NULL when absent */
  EsipaProfileDownloadTrigger *download_trigger;  /* OK_DS: NULL when absent */
} EsipaAuthenticateClientResponse;

/* GetBoundProfilePackageResponseEsipa, decoded */
typedef struct {
  gboolean has_error;
  gint64 error_code;                  /* euiccSignatureInvalid(1) ... invalidTransactionId(95), undefinedError(127) */
  GBytes *transaction_id;             /* NULL when absent */
  GBytes *bound_profile_package;      /* BF36 TLV */
} EsipaGetBoundProfilePackageResponse;

/* CancelSessionResponseEsipa, decoded */
typedef struct {
  gboolean has_error;
  gint64 error_code;                  /* invalidTransactionId(1), euiccSignatureInvalid(2), undefinedError(127) */
} EsipaCancelSessionResponse;

/* ------------------------------------------------------------------------------------------------------ */
void esipa_euicc_package_request_free (EsipaEuiccPackageRequest *request);
void esipa_ipa_euicc_data_request_free (EsipaIpaEuiccDataRequest *request);
void esipa_profile_download_trigger_free (EsipaProfileDownloadTrigger *trigger);
void esipa_eim_package_free (EsipaEimPackage *package);
void esipa_unusable_package_free (EsipaUnusablePackage *unusable);
void esipa_provide_result_response_free (EsipaProvideResultResponse *response);
void esipa_initiate_authentication_response_free (EsipaInitiateAuthenticationResponse *response);
void esipa_authenticate_client_response_free (EsipaAuthenticateClientResponse *response);
void esipa_get_bound_profile_package_response_free (EsipaGetBoundProfilePackageResponse *response);
void esipa_cancel_session_response_free (EsipaCancelSessionResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EsipaEuiccPackageRequest, esipa_euicc_package_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EsipaIpaEuiccDataRequest, esipa_ipa_euicc_data_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EsipaProfileDownloadTrigger, esipa_profile_download_trigger_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EsipaEimPackage, esipa_eim_package_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EsipaUnusablePackage, esipa_unusable_package_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EsipaProvideResultResponse, esipa_provide_result_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EsipaInitiateAuthenticationResponse, esipa_initiate_authentication_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EsipaAuthenticateClientResponse, esipa_authenticate_client_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EsipaGetBoundProfilePackageResponse, esipa_get_bound_profile_package_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EsipaCancelSessionResponse, esipa_cancel_session_response_free)

/* Readable names of codes, for logs and error messages ("noEimPackageAvailable"); "unknown" otherwise. */
const gchar *esipa_eim_package_error_to_string (gint64 code);
const gchar *esipa_provide_result_error_to_string (gint64 code);

/* Best effort: the eimTransactionId of a package that otherwise does not parse. `data` may be a whole
 * GetEimPackageResponse (BF4F ...) or the inner BF51/BF52/BF54 TLV, also truncated; NULL when none is readable. */
GBytes *esipa_eim_package_salvage_transaction_id (const guint8 *data, gsize length);

G_END_DECLS
