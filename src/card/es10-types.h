/* SPDX-License-Identifier: Apache-2.0 */
/* The ES10a/b/c (SGP.22 v2.5 as amended by SGP.32 v1.2) requests and responses as C structs. Decoders fill
 * these from the eUICC's DER; encoders build requests from them. Fields absent on the wire are NULL, FALSE or
 * the has_* flag is FALSE. Every struct has a free function and a g_autoptr cleanup. */
#pragma once

#include <glib.h>

#include "rsp/rsp-types.h"

G_BEGIN_DECLS

/* ProfileState */
typedef enum {
  ES10_PROFILE_STATE_DISABLED = 0,
  ES10_PROFILE_STATE_ENABLED = 1,
} Es10ProfileState;

/* ProfileClass */
typedef enum {
  ES10_PROFILE_CLASS_TEST = 0,
  ES10_PROFILE_CLASS_PROVISIONING = 1,
  ES10_PROFILE_CLASS_OPERATIONAL = 2,
} Es10ProfileClass;

/* IconType */
typedef enum {
  ES10_ICON_TYPE_JPG = 0,
  ES10_ICON_TYPE_PNG = 1,
} Es10IconType;

/* PprIds bits as a mask. */
typedef enum {
  ES10_PPR_UPDATE_CONTROL = 1 << 0,
  ES10_PPR1 = 1 << 1,  /* disabling not allowed */
  ES10_PPR2 = 1 << 2,  /* deletion not allowed */
} Es10PprIds;

/* RspCapability bits as a mask. */
typedef enum {
  ES10_RSP_CAP_ADDITIONAL_PROFILE = 1 << 0,
  ES10_RSP_CAP_CRL_SUPPORT = 1 << 1,
  ES10_RSP_CAP_RPM_SUPPORT = 1 << 2,
  ES10_RSP_CAP_TEST_PROFILE_SUPPORT = 1 << 3,
  ES10_RSP_CAP_DEVICE_INFO_EXTENSIBILITY = 1 << 4,
  ES10_RSP_CAP_SERVICE_SPECIFIC_DATA = 1 << 5,
} Es10RspCapability;

/* EimSupportedProtocol bits as a mask. */
typedef enum {
  ES10_EIM_RETRIEVE_HTTPS = 1 << 0,
  ES10_EIM_RETRIEVE_COAPS = 1 << 1,
  ES10_EIM_INJECT_HTTPS = 1 << 2,
  ES10_EIM_INJECT_COAPS = 1 << 3,
  ES10_EIM_PROPRIETARY = 1 << 4,
} Es10EimSupportedProtocol;

/* EimIdType */
typedef enum {
  ES10_EIM_ID_TYPE_OID = 1,
  ES10_EIM_ID_TYPE_FQDN = 2,
  ES10_EIM_ID_TYPE_PROPRIETARY = 3,
} Es10EimIdType;

/* ------------------------------------------------------------------------------------------------------ */
/* EUICCInfo1 (BF20) */
typedef struct {
  RspVersion svn;
  GPtrArray *ci_pkids_verification;  /* of GBytes (SubjectKeyIdentifier values) */
  GPtrArray *ci_pkids_signing;       /* of GBytes */
  GBytes *raw;                        /* the whole BF20 TLV, as IpaEuiccData and ESipa carry it */
} Es10EuiccInfo1;

void es10_euicc_info1_free (Es10EuiccInfo1 *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10EuiccInfo1, es10_euicc_info1_free)

/* SGP32-EUICCInfo2 (BF22) */
typedef struct {
  RspVersion profile_version;
  RspVersion svn;
  RspVersion firmware_version;
  GBytes *ext_card_resource;          /* ETSI TS 102 226 TLVs, as received */
  gboolean has_installed_applications;
  guint installed_applications;       /* extCardResource tag 81 */
  gboolean has_free_nvm;
  guint64 free_nvm;                   /* extCardResource tag 82, bytes */
  gboolean has_free_ram;
  guint64 free_ram;                   /* extCardResource tag 83, bytes */
  guint64 uicc_capability;            /* UICCCapability bits as a mask (bit n = 1 << n), up to bit 63 */
  gboolean has_ts102241_version;
  RspVersion ts102241_version;
  gboolean has_globalplatform_version;
  RspVersion globalplatform_version;
  guint32 rsp_capability;             /* Es10RspCapability mask */
  GPtrArray *ci_pkids_verification;   /* of GBytes */
  GPtrArray *ci_pkids_signing;        /* of GBytes */
  gboolean has_euicc_category;
  gint64 euicc_category;              /* other(0), basicEuicc(1), mediumEuicc(2), contactlessEuicc(3) */
  gboolean has_forbidden_ppr;
  guint32 forbidden_ppr;              /* Es10PprIds mask */
  RspVersion pp_version;
  gchar *sas_accreditation_number;
  gchar *certification_platform_label;   /* certificationDataObject, NULL when absent */
  gchar *certification_discovery_url;
  gboolean has_tre_properties;
  guint32 tre_properties;             /* isDiscrete(0), isIntegrated(1), usesRemoteMemory(2) as a mask */
  gchar *tre_product_reference;
  GArray *additional_profile_package_versions;  /* of RspVersion, NULL when absent */
  gboolean has_ipa_mode;
  gint64 ipa_mode;                    /* ipad(0), ipae(1) */
  GPtrArray *ci_pkids_signing_v3;     /* of GBytes, NULL when absent */
  GBytes *additional_euicc_info;
  gboolean has_highest_svn;
  RspVersion highest_svn;
  /* iotSpecificInfo */
  gboolean has_iot_specific_info;
  GArray *iot_versions;               /* of RspVersion (SGP.32 versions supported) */
  gboolean ecall_supported;
  gboolean fallback_supported;
  GBytes *euicc_minimum_security_level;  /* [21], newer SGP.32 texts; NULL when absent */
  GBytes *raw;                        /* the whole BF22 TLV */
} Es10EuiccInfo2;

void es10_euicc_info2_free (Es10EuiccInfo2 *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10EuiccInfo2, es10_euicc_info2_free)

/* EuiccConfiguredAddressesResponse (BF3C), also called EuiccConfiguredData. */
typedef struct {
  gchar *default_dp_address;          /* NULL when none is configured */
  gchar *root_ds_address;
} Es10ConfiguredAddresses;

void es10_configured_addresses_free (Es10ConfiguredAddresses *addresses);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10ConfiguredAddresses, es10_configured_addresses_free)

/* GetCertsResponse (BF56) */
typedef struct {
  gboolean has_error;
  gint64 error_code;                  /* invalidCiPKId(1), undefinedError(127) */
  GBytes *eum_certificate;            /* DER Certificate (outer tag 30), NULL on error */
  GBytes *euicc_certificate;
} Es10Certs;

void es10_certs_free (Es10Certs *certs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10Certs, es10_certs_free)

/* OperatorId */
typedef struct {
  guint8 mcc_mnc[3];
  GBytes *gid1;                       /* NULL when absent */
  GBytes *gid2;
} Es10OperatorId;

/* ProfilePolicyAuthorisationRule */
typedef struct {
  guint32 ppr_ids;                    /* Es10PprIds mask */
  GPtrArray *allowed_operators;       /* of Es10OperatorId */
  gboolean consent_required;          /* pprFlags bit 0 */
} Es10RatRule;

/* GetRatResponse (BF43) */
typedef struct {
  GPtrArray *rules;                   /* of Es10RatRule */
  GBytes *raw;                        /* the whole BF43 TLV */
} Es10Rat;

void es10_rat_free (Es10Rat *rat);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10Rat, es10_rat_free)

/* ------------------------------------------------------------------------------------------------------ */
/* SGP32-ProfileInfo (E3) */
typedef struct {
  gchar *iccid;                       /* digits, NULL when absent */
  GBytes *isdp_aid;
  gboolean has_state;
  Es10ProfileState state;
  gchar *nickname;
  gchar *service_provider_name;
  gchar *name;
  gboolean has_icon_type;
  Es10IconType icon_type;
  GBytes *icon;
  gboolean has_class;
  Es10ProfileClass profile_class;
  GPtrArray *notification_configuration;  /* of Es10NotificationConfiguration, NULL when absent */
  Es10OperatorId *owner;              /* NULL when absent */
  GBytes *dp_proprietary_data;        /* contents of B8 as received */
  gboolean has_policy_rules;
  guint32 policy_rules;               /* Es10PprIds mask */
  gboolean has_ecall_indication;
  gboolean ecall_indication;
  gboolean fallback_attribute;        /* DEFAULT FALSE */
  gboolean has_fallback_allowed;
  gboolean fallback_allowed;
} Es10ProfileInfo;

typedef struct {
  guint32 operation;                  /* RspNotificationEvent mask */
  gchar *address;
} Es10NotificationConfiguration;

/* SGP32-ProfileInfoListResponse (BF2D) */
typedef struct {
  gboolean has_error;
  gint64 error_code;                  /* incorrectInputValues(1), profileChangeOngoing(11), undefinedError(127) */
  GPtrArray *profiles;                /* of Es10ProfileInfo, empty on error */
  GPtrArray *skipped;                 /* of Es10SkippedEntry: ProfileInfo entries that could not be decoded */
} Es10ProfileList;

void es10_profile_info_free (Es10ProfileInfo *profile);
void es10_profile_list_free (Es10ProfileList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10ProfileInfo, es10_profile_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10ProfileList, es10_profile_list_free)

/* Search criteria of ProfileInfoListRequest. */
typedef enum {
  ES10_PROFILE_SEARCH_ALL = 0,
  ES10_PROFILE_SEARCH_ICCID,
  ES10_PROFILE_SEARCH_ISDP_AID,
  ES10_PROFILE_SEARCH_CLASS,
} Es10ProfileSearchKind;

typedef struct {
  Es10ProfileSearchKind kind;
  const gchar *iccid;                 /* ICCID digits (18 to 20), for ES10_PROFILE_SEARCH_ICCID */
  const guint8 *isdp_aid;             /* 1 to 16 bytes, for ES10_PROFILE_SEARCH_ISDP_AID */
  gsize isdp_aid_length;
  Es10ProfileClass profile_class;     /* for ES10_PROFILE_SEARCH_CLASS */
  const guint8 *tag_list;             /* tagList (5C) contents, e.g. 5A 9F70 90; NULL: every field */
  gsize tag_list_length;
} Es10ProfileSearch;

/* ------------------------------------------------------------------------------------------------------ */
/* Entries of a list answer that could not be decoded. The list keeps every entry it could read; each one it
 * could not is kept here, as the card gave it, with the reason, so the caller can report it and go on. */
typedef struct {
  GBytes *raw;                        /* the entry's whole TLV as the card sent it */
  gchar *reason;                      /* why it was left out, without personal data */
} Es10SkippedEntry;

Es10SkippedEntry *es10_skipped_entry_new (GBytes *raw, const gchar *reason);
void es10_skipped_entry_free (Es10SkippedEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10SkippedEntry, es10_skipped_entry_free)

/* ------------------------------------------------------------------------------------------------------ */
/* Notifications */
typedef enum {
  ES10_PENDING_PROFILE_INSTALLATION_RESULT,          /* BF37 */
  ES10_PENDING_OTHER_SIGNED_NOTIFICATION,            /* 30 */
  ES10_PENDING_COMPACT_PROFILE_INSTALLATION_RESULT,  /* A0 */
  ES10_PENDING_COMPACT_OTHER_SIGNED_NOTIFICATION,    /* A1 */
  ES10_PENDING_EUICC_PACKAGE_RESULT,                 /* BF51 */
} Es10PendingKind;

/* One EuiccResultData of a signed eUICC package result: which PSMO or eCO it answers (its context tag) and its
 * result code where the result is a plain code (ok(0), iccidOrAidNotFound(1), ...). */
typedef struct {
  guint32 tag;                        /* 0x83 enableResult, 0x84 disable, 0x85 delete, 0xBF2D listProfileInfo, ... */
  gboolean has_code;
  gint64 code;
} Es10EuiccResultItem;

/* The PSMO/eCO name of an EuiccResultData tag, e.g. "enable" for 0x83; "unknown" otherwise. */
const gchar *es10_euicc_result_name (guint32 tag);

/* One SGP32-PendingNotification or EuiccPackageResult. `raw` is the whole TLV, to be forwarded unchanged. */
typedef struct {
  Es10PendingKind kind;
  gboolean has_seq_number;            /* FALSE only for some eUICC package error results */
  gint64 seq_number;
  guint32 operation;                  /* RspNotificationEvent mask; 0 for eUICC package results */
  gchar *address;                     /* notificationAddress, NULL when the format carries none */
  gchar *iccid;                       /* digits, NULL when absent */
  GBytes *transaction_id;             /* SM-DP+ transactionId (install results) or eimTransactionId */
  gchar *eim_id;                      /* eUICC package results */
  gint64 package_error_code;          /* euiccPackageErrorCode of euiccPackageErrorSigned, else 0 */
  guint32 package_result_variant;     /* eUICC package results: 0xA0 euiccPackageResultSigned,
                                       * 0xA1 euiccPackageErrorSigned, 0xA2 euiccPackageErrorUnsigned */
  gboolean has_counter_value;
  gint64 counter_value;               /* eUICC package results (signed variants) */
  GArray *package_operations;         /* of Es10EuiccResultItem, one per PSMO/eCO result; NULL otherwise */
  GBytes *raw;
} Es10PendingNotification;

/* SGP32-RetrieveNotificationsListResponse (BF2B) */
typedef struct {
  gboolean has_error;
  gint64 error_code;                  /* notificationsListResultError: undefinedError(127) */
  GPtrArray *notifications;           /* of Es10PendingNotification */
  GPtrArray *skipped;                 /* of Es10SkippedEntry: entries that could not be decoded */
} Es10PendingNotificationList;

void es10_pending_notification_free (Es10PendingNotification *notification);
void es10_pending_notification_list_free (Es10PendingNotificationList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10PendingNotification, es10_pending_notification_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10PendingNotificationList, es10_pending_notification_list_free)

/* NotificationMetadata (BF2F) */
typedef struct {
  gint64 seq_number;
  guint32 operation;                  /* RspNotificationEvent mask */
  gchar *address;
  gchar *iccid;                       /* NULL when absent */
} Es10NotificationMetadata;

/* ListNotificationResponse (BF28) */
typedef struct {
  gboolean has_error;
  gint64 error_code;                  /* undefinedError(127) */
  GPtrArray *notifications;           /* of Es10NotificationMetadata */
} Es10NotificationMetadataList;

void es10_notification_metadata_free (Es10NotificationMetadata *metadata);
void es10_notification_metadata_list_free (Es10NotificationMetadataList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10NotificationMetadata, es10_notification_metadata_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10NotificationMetadataList, es10_notification_metadata_list_free)

/* NotificationSentResponse.deleteNotificationStatus */
typedef enum {
  ES10_REMOVE_NOTIFICATION_OK = 0,
  ES10_REMOVE_NOTIFICATION_NOTHING_TO_DELETE = 1,
  ES10_REMOVE_NOTIFICATION_UNDEFINED_ERROR = 127,
} Es10RemoveNotificationResult;

/* ------------------------------------------------------------------------------------------------------ */
/* eIM configuration */
typedef enum {
  ES10_EIM_KEY_NONE = 0,
  ES10_EIM_KEY_PUBLIC_KEY,            /* SubjectPublicKeyInfo */
  ES10_EIM_KEY_CERTIFICATE,           /* Certificate */
} Es10EimKeyKind;

/* EimConfigurationData; also the input of AddInitialEim. */
typedef struct {
  gchar *eim_id;
  gchar *eim_fqdn;                    /* NULL when absent */
  gboolean has_eim_id_type;
  gint64 eim_id_type;                 /* Es10EimIdType */
  gboolean has_counter_value;
  gint64 counter_value;
  gboolean has_association_token;
  gint64 association_token;
  Es10EimKeyKind public_key_kind;     /* eimPublicKeyData */
  GBytes *public_key_data;            /* DER SubjectPublicKeyInfo or Certificate (outer tag 30) */
  Es10EimKeyKind tls_kind;            /* trustedPublicKeyDataTls */
  GBytes *tls_data;                   /* DER SubjectPublicKeyInfo or Certificate */
  gboolean has_supported_protocols;
  guint32 supported_protocols;        /* Es10EimSupportedProtocol mask */
  GBytes *euicc_ci_pkid;              /* NULL when absent */
  gboolean indirect_profile_download;
} Es10EimConfiguration;

/* GetEimConfigurationDataResponse (BF55) */
typedef struct {
  GPtrArray *eims;                    /* of Es10EimConfiguration */
  GPtrArray *skipped;                 /* of Es10SkippedEntry: EimConfigurationData that could not be decoded */
} Es10EimConfigurationList;

Es10EimConfiguration *es10_eim_configuration_new (void);
void es10_eim_configuration_free (Es10EimConfiguration *eim);
void es10_eim_configuration_list_free (Es10EimConfigurationList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10EimConfiguration, es10_eim_configuration_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10EimConfigurationList, es10_eim_configuration_list_free)

/* One entry of AddInitialEimResponse.addInitialEimOk, in the order of the request's list. */
typedef struct {
  gboolean has_association_token;     /* FALSE: addOk */
  gint64 association_token;
} Es10AddInitialEimEntry;

/* AddInitialEimResponse (BF57) */
typedef struct {
  gboolean has_error;
  gint64 error_code;                  /* insufficientMemory(1), associatedEimAlreadyExists(2), ciPKUnknown(3),
                                       * invalidAssociationToken(5), counterValueOutOfRange(6), commandError(7),
                                       * undefinedError(127) */
  GArray *entries;                    /* of Es10AddInitialEimEntry */
} Es10AddInitialEimResult;

void es10_add_initial_eim_result_free (Es10AddInitialEimResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10AddInitialEimResult, es10_add_initial_eim_result_free)

/* ------------------------------------------------------------------------------------------------------ */
/* ICCID as coded in EFiccid (tag 5A, 10 octets, swapped nibbles, F padding) to digits and back. */
gchar *es10_iccid_decode (const guint8 *data, gsize length, GError **error);
gboolean es10_iccid_encode (const gchar *iccid, guint8 ret_coded[10], GError **error);

/* The ES10 function a request or response tag belongs to, e.g. "GetProfilesInfo" for 0xBF2D; NULL if unknown. */
const gchar *es10_function_name (guint32 tag);

G_END_DECLS
