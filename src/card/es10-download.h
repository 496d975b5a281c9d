/* SPDX-License-Identifier: Apache-2.0 */
/* The ES10b functions of a profile download (SGP.22 3.1.3, SGP.32 3.2.3): AuthenticateServer, PrepareDownload,
 * LoadBoundProfilePackage and CancelSession. The IPA relays what the SM-DP+ signed without re-encoding it, so
 * the encoders take the server's fields as whole TLVs (checked for their tag and that they parse) and the
 * results keep the card's answer as it came, for the server. */
#pragma once

#include <glib.h>

#include "card/es10-types.h"
#include "card/isdr-session.h"

G_BEGIN_DECLS

/* AuthenticateServerResponse (BF38) or PrepareDownloadResponse (BF21): ok (A0), error (A1) or, from an SGP.32
 * eUICC, the compact ok (A2). */
typedef struct {
  gboolean ok;
  gboolean compact;                   /* the ok alternative in SGP.32's compact form */
  gint64 error_code;                  /* AuthenticateErrorCode / DownloadErrorCode when !ok */
  GBytes *transaction_id;             /* from euiccSigned1/2 or the error; NULL when the card gave none */
  GBytes *raw;                        /* the whole response TLV, relayed to the server unchanged */
} Es10DownloadResponse;

void es10_download_response_free (Es10DownloadResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10DownloadResponse, es10_download_response_free)

/* CtxParams1 (A0) for AuthenticateServer: ctxParamsForCommonAuthentication { matchingId (NULL: left out),
 * deviceInfo }, `device_info` being the contents of DeviceInfo (tac 80, deviceCapabilities A1, imei 82). */
GBytes *es10_ctx_params1_encode (const gchar *matching_id, GBytes *device_info_contents);

/* AuthenticateServerRequest (BF38). Each argument is one whole TLV: serverSigned1 (30), serverSignature1
 * (5F37), euiccCiPKIdToBeUsed (04), serverCertificate (30), ctxParams1 (A0). */
GBytes *es10_authenticate_server_encode (GBytes *server_signed1, GBytes *server_signature1, GBytes *euicc_ci_pkid,
                                         GBytes *server_certificate, GBytes *ctx_params1, GError **error);
Es10DownloadResponse *es10_authenticate_server_decode (const guint8 *data, gsize length, GError **error);
Es10DownloadResponse *es10_authenticate_server (IsdrSession *session, GBytes *request, GError **error);

/* PrepareDownloadRequest (BF21): smdpSigned2 (30), smdpSignature2 (5F37), hashCc (32 bytes, NULL: left out),
 * smdpCertificate (30). */
GBytes *es10_prepare_download_encode (GBytes *smdp_signed2, GBytes *smdp_signature2, GBytes *hash_cc,
                                      GBytes *smdp_certificate, GError **error);
Es10DownloadResponse *es10_prepare_download_decode (const guint8 *data, gsize length, GError **error);
Es10DownloadResponse *es10_prepare_download (IsdrSession *session, GBytes *request, GError **error);

/* CancelSessionReason */
typedef enum {
  ES10_CANCEL_END_USER_REJECTION = 0,
  ES10_CANCEL_POSTPONED = 1,
  ES10_CANCEL_TIMEOUT = 2,
  ES10_CANCEL_PPR_NOT_ALLOWED = 3,
  ES10_CANCEL_METADATA_MISMATCH = 4,
  ES10_CANCEL_LOAD_BPP_EXECUTION_ERROR = 5,
  ES10_CANCEL_UNDEFINED_REASON = 127,
} Es10CancelSessionReason;

/* CancelSessionResponse (BF41): ok (A0, signed by the eUICC, for the server) or an error code (81). */
typedef struct {
  gboolean ok;
  gint64 error_code;                  /* invalidTransactionId(5), undefinedError(127) when !ok */
  GBytes *raw;
} Es10CancelSessionResponse;

void es10_cancel_session_response_free (Es10CancelSessionResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10CancelSessionResponse, es10_cancel_session_response_free)

/* CancelSessionRequest (BF41) { transactionId (1-16 bytes), reason }. */
GBytes *es10_cancel_session_encode (GBytes *transaction_id, Es10CancelSessionReason reason, GError **error);
Es10CancelSessionResponse *es10_cancel_session_decode (const guint8 *data, gsize length, GError **error);
Es10CancelSessionResponse *es10_cancel_session (IsdrSession *session, GBytes *transaction_id,
                                                Es10CancelSessionReason reason, GError **error);

/* ES10b.ImmediateEnable (SGP.32 5.9.15): enables the profile just installed when the eUICC is configured for it
 * (ConfigureImmediateProfileEnabling). ImmediateEnableRequest (BF5A) { refreshFlag (80) }. */
typedef enum {
  ES10_IMMEDIATE_ENABLE_OK = 0,
  ES10_IMMEDIATE_ENABLE_NOT_AVAILABLE = 1,   /* not configured: nothing to do */
} Es10ImmediateEnableResult;

GBytes *es10_immediate_enable_encode (gboolean refresh);
/* ImmediateEnableResponse (BF5A) { immediateEnableResult (80) }. */
gboolean es10_immediate_enable_decode (const guint8 *data, gsize length, gint64 *ret_result, GError **error);
gboolean es10_immediate_enable (IsdrSession *session, gboolean refresh, gint64 *ret_result, GError **error);

/* ProfileInstallationResult (BF37), decoded for the IPA's own decisions; `raw` is what goes to the server. */
typedef struct {
  GBytes *transaction_id;
  gboolean has_seq_number;
  gint64 seq_number;                  /* of the install notification the eUICC keeps */
  gchar *notification_address;        /* NULL when absent */
  gboolean success;
  GBytes *isdp_aid;                   /* success: the new profile's ISD-P */
  gint64 bpp_command_id;              /* error: the BPP command that failed (BppCommandId) */
  gint64 error_reason;                /* error: ErrorReason */
  GBytes *raw;
} Es10ProfileInstallationResult;

void es10_profile_installation_result_free (Es10ProfileInstallationResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10ProfileInstallationResult, es10_profile_installation_result_free)

Es10ProfileInstallationResult *es10_profile_installation_result_decode (const guint8 *data, gsize length,
                                                                        GError **error);

/* The ES8+ segments of a BoundProfilePackage (BF36), in the order SGP.22 2.5.5 gives: BF36 header with the
 * whole BF23; A0 header with its first 87; A1 header, then each 88; A2 header with its first 87 (when A2 is
 * present), then any further 87; A3 header, then each 86. Each is one ES10 command. Refuses a package whose
 * structure differs (missing or misplaced parts, trailing bytes). */
GPtrArray *es10_bound_profile_package_segments (GBytes *bpp, GError **error);

/* Called after each segment the card accepted: bytes of the package sent so far, of `total`. */
typedef void (*Es10LoadProgressFunc) (gsize loaded, gsize total, gpointer user_data);

/* Sends the segments one by one. The card answers each but the last without data; a ProfileInstallationResult
 * may come early, after any segment, when the installation failed: sending stops there and that result is
 * returned. An answer without a result after the last segment, or anything but BF37, is an error. */
Es10ProfileInstallationResult *es10_load_bound_profile_package (IsdrSession *session, GBytes *bpp,
                                                                Es10LoadProgressFunc progress, gpointer user_data,
                                                                GError **error);

G_END_DECLS
