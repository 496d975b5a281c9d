/* SPDX-License-Identifier: Apache-2.0 */
/* A profile download (SGP.32 3.2.3): the eUICC's ES10b steps in the order SGP.32 gives them (EUICCInfo1,
 * challenge, AuthenticateServer, PrepareDownload, the Bound Profile Package), with the server calls between
 * them made through an IpaDownloadServer: the eIM relaying ESipa (indirect), or the SM-DP+ itself (direct).
 *
 * Every failure after the server gave a transactionId ends with ES10b.CancelSession on the eUICC and
 * CancelSession at the server. The transactionId is written to the journal before AuthenticateServer and
 * removed once the session is over, so a session cut short by a crash is cancelled after the restart
 * (ipa_download_recover()). */
#pragma once

#include <glib.h>

#include "card/es10.h"
#include "ipa/ipa-activation-code.h"
#include "net/esipa-client.h"
#include "net/smdp-trust.h"

G_BEGIN_DECLS

/* The server side of a download. Each call returns FALSE with an error when no usable answer came; an error
 * the server answered (an Esipa error code, a Failed status) is a successful call with the error in the
 * response, except for cancel, which returns FALSE then too. */
typedef struct {
  const gchar *name;                 /* "eIM eim1", "SM-DP+ smdp.example.com": for messages */
  gboolean (*initiate_authentication) (gpointer user_data, const EsipaInitiateAuthenticationRequest *request,
                                       EsipaInitiateAuthenticationResponse **ret_response, GError **error);
  gboolean (*authenticate_client) (gpointer user_data, const EsipaSessionRequest *request,
                                   EsipaAuthenticateClientResponse **ret_response, GError **error);
  gboolean (*get_bound_profile_package) (gpointer user_data, const EsipaSessionRequest *request,
                                         EsipaGetBoundProfilePackageResponse **ret_response, GError **error);
  gboolean (*cancel_session) (gpointer user_data, const EsipaSessionRequest *request, GError **error);
  /* The install notification (the eUICC's PendingNotification TLV) to the SM-DP+ (directly or relayed). */
  gboolean (*handle_notification) (gpointer user_data, GBytes *pending_notification, GError **error);
  gpointer user_data;
} IpaDownloadServer;

/* Where a download stands, for progress reports. */
typedef enum {
  IPA_DOWNLOAD_PHASE_AUTHENTICATING,  /* EUICCInfo1 .. AuthenticateClient */
  IPA_DOWNLOAD_PHASE_PREPARING,       /* PrepareDownload, GetBoundProfilePackage */
  IPA_DOWNLOAD_PHASE_LOADING,         /* the BPP segments */
  IPA_DOWNLOAD_PHASE_NOTIFYING,       /* the install result to the servers */
  IPA_DOWNLOAD_PHASE_CANCELLING,
} IpaDownloadPhase;

const gchar *ipa_download_phase_to_string (IpaDownloadPhase phase);

/* The durable record of a session in progress (one at a time: the eUICC holds one), and progress. */
typedef struct {
  /* Writes the record; must be on disk when it returns. */
  gboolean (*save) (gpointer user_data, GBytes *record, GError **error);
  /* The record, or NULL: with EUICCD_ERROR_NOT_FOUND when there is none. */
  GBytes *(*load) (gpointer user_data, GError **error);
  gboolean (*remove) (gpointer user_data, GError **error);
  /* May be NULL. `loaded` and `total` are BPP bytes (0 before the package came). */
  void (*progress) (IpaDownloadPhase phase, gsize loaded, gsize total, gpointer user_data);
  gpointer user_data;
} IpaDownloadJournal;

/* What one download is for. */
typedef struct {
  const gchar *smdp_address;         /* the SM-DP+ (or, for discovery, SM-DS) address */
  const gchar *matching_id;          /* NULL: none */
  GBytes *eim_transaction_id;        /* of the trigger, NULL when none */
  const gchar *eim_id;               /* the eIM that triggered it, NULL for a download the device asked for */
  const gchar *confirmation_code;    /* NULL: none given; used when the SM-DP+ requires one and sends no hashCc */
  gboolean direct;                   /* recorded, for the recovery to know whom to tell */
} IpaDownloadOrder;

typedef void (*IpaDownloadStepFunc) (const gchar *step, gpointer user_data);

typedef struct {
  IsdrSession *session;
  const IpaDownloadServer *server;
  const IpaDownloadJournal *journal;  /* NULL: no crash record (tests) */
  GBytes *device_info;                /* contents of DeviceInfo for ctxParams1 */
  IpaDownloadStepFunc step;           /* may be NULL; the crash tests stop the daemon at the named steps */
  gpointer step_data;
} IpaDownloadContext;

/* Runs the download. TRUE with the eUICC's ProfileInstallationResult (success or the card's own error) once
 * the card gave one. FALSE when the download ended before that: the session was cancelled on the eUICC and at
 * the server (as far as each could be reached; when the eUICC could not, the journal keeps the record for
 * ipa_download_recover()). On success the session record stays until ipa_download_journal_done(), so that a
 * crash before the caller stored the result finds it; the install notification is not delivered here
 * (ipa_download_deliver_notification()). */
gboolean ipa_download_run (const IpaDownloadContext *context, const IpaDownloadOrder *order,
                           Es10ProfileInstallationResult **ret_result, GError **error);

/* After a successful installation: ES10b.ImmediateEnable (with REFRESH), which enables the new profile when the
 * eUICC is configured for immediate enabling and answers immediateEnableNotAvailable otherwise. TRUE when the
 * profile was enabled; failures are logged and end nothing. */
gboolean ipa_download_immediate_enable (const IpaDownloadContext *context);

/* The result of a successful ipa_download_run() is stored where it cannot be lost: the record now says so, and
 * a restart only delivers the install notification that may still be on the eUICC. */
gboolean ipa_download_journal_installed (const IpaDownloadContext *context, const IpaDownloadOrder *order,
                                         const Es10ProfileInstallationResult *result, GError **error);
/* The download is over: the session record goes. */
void ipa_download_journal_done (const IpaDownloadContext *context);

/* Event retrieval (SGP.22 3.6.3 / SGP.32 3.2.3.2 with an SM-DS): authenticates the eUICC with the SM-DS at
 * `order->smdp_address` and returns the activation code of the profileDownloadTrigger the answer carried
 * (personal data), or NULL with EUICCD_ERROR_NOT_FOUND when the SM-DS has no event for this eUICC. */
gchar *ipa_download_discover (const IpaDownloadContext *context, const IpaDownloadOrder *order, GError **error);

/* Delivers the install notification of `result` to the server, then removes it from the eUICC. Failures are
 * logged and end nothing: the notification stays on the eUICC. */
void ipa_download_deliver_notification (const IpaDownloadContext *context, const Es10ProfileInstallationResult *result);

/* What a direct download needs (ES9+ to the SM-DP+, ES11 to an SM-DS): the HTTPS client and the GSMA CI
 * certificates the servers' TLS must chain to. */
typedef struct {
  HttpsClient *https;
  const SmdpTrustStore *ci;
} IpaRspAccess;

/* What an eIM was given in an IpaEuiccData it accepted: the premises of the omissions minimizeEsipaBytes allows
 * in a download relayed by that eIM (docs/benchmarks.md, "Bytes on the wire"). Kept per eIM by the daemon, on
 * disk as ipa_eim_holdings_encode() gives them. */
typedef struct {
  guint8 eid[16];                    /* the eUICC they are about */
  gboolean has_eid;
  GBytes *euicc_info1;               /* BF20 as given, NULL: not given */
  GBytes *euicc_info2;               /* BF22 as given */
  gboolean certificates;             /* both the EUM and the eUICC certificate */
  gboolean changed;                  /* learnt something since the daemon last saved them */
} IpaEimHoldings;

void ipa_eim_holdings_clear (IpaEimHoldings *holdings);
/* Adds what one accepted IpaEuiccData gave (NULL / FALSE: not in it); another eUICC's holdings are dropped. */
void ipa_eim_holdings_learn (IpaEimHoldings *holdings, const guint8 eid[16], GBytes *euicc_info1, GBytes *euicc_info2,
                             gboolean certificates);
/* The record: 30 {5A eid, [BF20], [BF22], [01 certificates]}. Decoding refuses (EUICCD_ERROR_INVALID_DATA)
 * anything else, and the holdings stay empty: then nothing is left out. */
GBytes *ipa_eim_holdings_encode (const IpaEimHoldings *holdings);
gboolean ipa_eim_holdings_decode (const guint8 *data, gsize length, IpaEimHoldings *holdings, GError **error);

/* A download the device asked for: direct when `rsp` is set, else relayed by the eIM `eim_id` over `esipa`
 * (borrowed). */
typedef struct {
  IsdrSession *session;
  const IpaRspAccess *rsp;
  EsipaClient *esipa;
  const gchar *eim_id;
  const IpaDownloadJournal *journal;
  const EsipaDeviceInfo *device_info;  /* NULL: an empty DeviceInfo */
  gboolean minimize_esipa_bytes;     /* the eIM is told minimizeEsipaBytes: the compact forms go to it */
  const IpaEimHoldings *eim_holdings;  /* what that eIM holds of the eUICC `eid`; NULL: nothing known */
  const guint8 *eid;
  IpaDownloadStepFunc step;
  gpointer step_data;
} IpaDeviceDownload;

/* Runs it, then delivers the install notification through the eIM. `confirmation_code` may be NULL; it is
 * refused up front when the activation code says one is required. */
gboolean ipa_download_by_device (const IpaDeviceDownload *request, const IpaActivationCode *code,
                                 const gchar *confirmation_code, Es10ProfileInstallationResult **ret_result,
                                 GError **error);

/* A direct download asked for over D-Bus with no eIM to finish it (record without eimId): its session is
 * cancelled on the eUICC and at the SM-DP+, or its install notification delivered. TRUE when there was nothing
 * to do or it was done. */
gboolean ipa_download_recover_device (IsdrSession *session, const IpaRspAccess *access,
                                      const IpaDownloadJournal *journal, GError **error);

/* The record of a session a crash cut short (ipa-download-record.c). */
typedef struct {
  gchar *eim_id;                     /* NULL: a download without an eIM */
  gchar *server;                     /* the server's address */
  GBytes *transaction_id;
  GBytes *eim_transaction_id;        /* NULL when none */
  gboolean installed;                /* the eUICC's result is stored: only the notification may be left */
  gboolean direct;                   /* `server` is the SM-DP+ itself (ES9+), not relayed by the eIM */
} IpaDownloadRecord;

void ipa_download_record_free (IpaDownloadRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IpaDownloadRecord, ipa_download_record_free)
GBytes *ipa_download_record_encode (const IpaDownloadRecord *record);
IpaDownloadRecord *ipa_download_record_decode (GBytes *bytes, GError **error);

/* After a restart: for a record marked installed, only the install result is looked for among the
 * notifications. Otherwise a session the record names is cancelled on the eUICC (reason undefinedReason) and, when
 * the eUICC signed the cancellation, at `server`. When the eUICC no longer holds the session, its
 * ProfileInstallationResult is looked for among the notifications (the crash came after the last segment)
 * and returned in *ret_result. TRUE when the eUICC answered; the caller removes the record once the outcome
 * is stored (ipa_download_journal_done()). */
gboolean ipa_download_recover (const IpaDownloadContext *context, const IpaDownloadRecord *record,
                               Es10ProfileInstallationResult **ret_result, GError **error);

G_END_DECLS
