/* SPDX-License-Identifier: Apache-2.0 */
/* The messages of ES9+ (IPA <-> SM-DP+, SGP.22 5.6 / SGP.32 3.2.3.1) and ES11 (IPA <-> SM-DS, SGP.22 5.8) as C
 * structs, for their SGP.22 JSON binding (es9plus-json.h, es11-json.h).
 *
 * The IPA relays what the server signed and what the card answered without re-encoding either: every binary
 * field is a GBytes holding one whole DER TLV, exactly as the card produced it (requests) or as the card's
 * ES10b function takes it (responses: es10_authenticate_server_encode(), es10_prepare_download_encode(),
 * es10_load_bound_profile_package()). Request structs borrow their pointers; response structs own theirs.
 * Unlike EsipaInitiateAuthenticationResponse, serverSignature1 and euiccCiPKIdToBeUsed keep their tags here. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a server's functionExecutionStatus said (SGP.22 6.5.1.4). */
typedef enum {
  RSP_STATUS_NONE,                    /* no header was read (transport or HTTP failure, a body that is not one) */
  RSP_STATUS_EXECUTED_SUCCESS,
  RSP_STATUS_EXECUTED_WITH_WARNING,
  RSP_STATUS_FAILED,
  RSP_STATUS_EXPIRED,
} RspStatusKind;

typedef struct {
  RspStatusKind kind;
  gchar subject_code[17];             /* statusCodeData.subjectCode ("8.2.6"); "" when absent or not a code */
  gchar reason_code[17];              /* statusCodeData.reasonCode ("3.8"); "" likewise */
} RspStatus;

/* ES9+.InitiateAuthentication and ES11.InitiateAuthentication: request */
typedef struct {
  guint8 euicc_challenge[16];         /* from ES10b.GetEUICCChallenge */
  GBytes *euicc_info1;                /* EUICCInfo1 (BF20) from ES10b.GetEUICCInfo1 */
  const gchar *server_address;        /* the SM-DP+ (or SM-DS) address as the IPA uses it, e.g. "smdp.example.com" */
} RspInitiateAuthenticationRequest;

/* ... and its successful response */
typedef struct {
  GBytes *transaction_id;             /* 1 to 16 bytes */
  GBytes *server_signed1;             /* ServerSigned1 (30) */
  GBytes *server_signature1;          /* serverSignature1 (5F37) */
  GBytes *euicc_ci_pkid_to_be_used;   /* SubjectKeyIdentifier (04) */
  GBytes *server_certificate;         /* Certificate (30) */
} RspInitiateAuthenticationResponse;

/* ES9+.AuthenticateClient, ES9+.GetBoundProfilePackage, ES9+.CancelSession and ES11.AuthenticateClient:
 * a transaction id and the card's answer, relayed unchanged. */
typedef struct {
  GBytes *transaction_id;             /* 1 to 16 bytes */
  GBytes *card_response;              /* AuthenticateServerResponse (BF38), PrepareDownloadResponse (BF21) or
                                       * CancelSessionResponse (BF41), the whole TLV the eUICC returned */
} RspSessionRequest;

/* ES9+.AuthenticateClient: successful response */
typedef struct {
  GBytes *transaction_id;             /* NULL when the SM-DP+ left it out */
  GBytes *profile_metadata;           /* StoreMetadataRequest (BF25) */
  GBytes *smdp_signed2;               /* SmdpSigned2 (30) */
  GBytes *smdp_signature2;            /* smdpSignature2 (5F37) */
  GBytes *smdp_certificate;           /* Certificate (30) */
} Es9AuthenticateClientResponse;

/* ES9+.GetBoundProfilePackage: successful response */
typedef struct {
  GBytes *transaction_id;             /* NULL when the SM-DP+ left it out */
  GBytes *bound_profile_package;      /* BoundProfilePackage (BF36) */
} Es9GetBoundProfilePackageResponse;

/* ES9+.HandleNotification: request. */
typedef struct {
  GBytes *pending_notification;       /* PendingNotification from ES10b.RetrieveNotificationsList: a
                                       * ProfileInstallationResult (BF37) or an OtherSignedNotification (30) */
} Es9HandleNotificationRequest;

/* ES11.AuthenticateClient: one event the SM-DS holds for this eUICC. */
typedef struct {
  gchar *event_id;
  gchar *rsp_server_address;          /* the SM-DP+ (or another SM-DS) to contact */
} Es11EventEntry;

typedef struct {
  GBytes *transaction_id;             /* NULL when the SM-DS left it out */
  GPtrArray *events;                  /* of Es11EventEntry, in the server's order; may be empty */
  guint skipped;                      /* entries left out because they were unusable (each logged) */
} Es11AuthenticateClientResponse;

void rsp_initiate_authentication_response_free (RspInitiateAuthenticationResponse *response);
void es9_authenticate_client_response_free (Es9AuthenticateClientResponse *response);
void es9_get_bound_profile_package_response_free (Es9GetBoundProfilePackageResponse *response);
void es11_event_entry_free (Es11EventEntry *entry);
void es11_authenticate_client_response_free (Es11AuthenticateClientResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RspInitiateAuthenticationResponse, rsp_initiate_authentication_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es9AuthenticateClientResponse, es9_authenticate_client_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es9GetBoundProfilePackageResponse, es9_get_bound_profile_package_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es11EventEntry, es11_event_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es11AuthenticateClientResponse, es11_authenticate_client_response_free)

/* "Executed-Success", "Failed", ... */
const gchar *rsp_status_kind_to_string (RspStatusKind kind);

G_END_DECLS
