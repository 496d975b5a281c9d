/* SPDX-License-Identifier: Apache-2.0 */
/* One exchange with one eIM (SGP.32 3.1.1.1 / 3.3.1 / 3.5 / 3.7): deliver what earlier exchanges left
 * undelivered, then GetEimPackage -> execute -> ProvideEimPackageResult until the eIM has nothing more.
 *
 * The exchange touches the card only when it has to: an idle poll (nothing stored, nothing pending on the
 * card, no package) sends no APDU and opens no channel. The card is reached through IpaCardAccess, which
 * opens the ISD-R session on first use. Results the eUICC does not keep are written to the outbox before
 * they are sent and removed only after the eIM accepted them; results the eUICC keeps are removed from the
 * eUICC only after the eIM acknowledged them. */
#pragma once

#include <glib.h>

#include "card/es10.h"
#include "ipa/ipa-download.h"
#include "ipa/ipa-rollback-record.h"
#include "net/esipa-client.h"

G_BEGIN_DECLS

/* Opens the ISD-R session on first need; the exchange closes it with close() when done. */
typedef struct {
  IsdrSession *(*open) (gpointer user_data, GError **error);
  void (*close) (gpointer user_data, IsdrSession *session);
  gpointer user_data;
} IpaCardAccess;

/* One stored result waiting for its eIM. */
typedef struct {
  gchar *key;
  GBytes *record;  /* ipa_result_record_encode() */
} IpaOutboxItem;

void ipa_outbox_item_free (IpaOutboxItem *item);

/* An item an eIM refused for good (ipa_refusal_reason()): kept aside for a person, never retried. No personal
 * data, and nothing quoted from the eIM's answer. */
typedef struct {
  const gchar *eim_id;
  const gchar *transaction_id;       /* hex, NULL when unknown */
  const gchar *kind;                 /* "packageResult", "notification", "storedResult" */
  const gchar *reason;               /* "HTTP 403", "provideEimPackageResultError invalidEid (2)", ... */
  GBytes *content;                   /* what was refused: an outbox record or the eUICC's TLV */
} IpaDeadLetter;

/* Durable storage for results the eUICC does not keep (IpaEuiccData responses, errors the IPA answered,
 * eUICC package errors without a sequence number). put() must be on disk when it returns. */
typedef struct {
  /* Entries are keyed by eIM and key together: two eIMs may use the same key (the same eimTransactionId). */
  gboolean (*put) (gpointer user_data, const gchar *eim_id, const gchar *key, GBytes *record, GError **error);
  gboolean (*remove) (gpointer user_data, const gchar *eim_id, const gchar *key, GError **error);
  /* Items for `eim_id`, oldest first (IpaOutboxItem). */
  GPtrArray *(*list) (gpointer user_data, const gchar *eim_id, GError **error);
  /* Stores `letter` among the dead letters, then removes the outbox item `key` (NULL for an item that was only
   * on the eUICC). On failure nothing is removed: the item is tried again later. */
  gboolean (*bury) (gpointer user_data, const gchar *key, const IpaDeadLetter *letter, GError **error);
  gpointer user_data;
} IpaOutbox;

/* The eUICC's two lists as last read within one card session, kept true as items are removed, so the
 * exchanges of one poll share a read: the next eIM's delivery looks at what the previous exchange read instead
 * of reading again. Reads that must be fresh (after LoadEuiccPackage, for IpaEuiccData) replace them. */
typedef struct {
  Es10PendingNotificationList *notifications;    /* NULL: not read in this session */
  Es10PendingNotificationList *package_results;
} IpaCardLists;

/* Forgets both lists (the card session ended). */
void ipa_card_lists_clear (IpaCardLists *lists);

/* What the IPA itself reports in IpaEuiccData. */
typedef struct {
  guint32 ipa_features;              /* EsipaIpaFeature mask */
  guint32 ipa_supported_protocols;   /* EsipaIpaProtocol mask */
  const EsipaDeviceInfo *device_info;  /* NULL: not configured */
} IpaDeviceProfile;

/* One finished eIM package, for the history, logs and D-Bus. No personal data. */
typedef struct {
  const gchar *eim_id;
  const gchar *transaction_id;       /* hex, NULL when the package had none */
  const gchar *operation;            /* "psmo:enable,listProfileInfo", "eco:addEim", "ipaEuiccData", ... */
  const gchar *result;               /* "ok", "executed", an error name, ... */
  const gchar *detail;               /* a sentence, or NULL */
} IpaOutcome;

typedef void (*IpaOutcomeFunc) (const IpaOutcome *outcome, gpointer user_data);
/* An entry of a list the eUICC gave that could not be decoded and was left out; `list` names the list
 * ("notification", "profile", "eimConfiguration"). Called at every read: the receiver reports each once. */
typedef void (*IpaSkippedFunc) (const gchar *list, const Es10SkippedEntry *entry, gpointer user_data);
/* The outbox could not be written: the result is sent all the same, but would be lost if that send failed. */
typedef void (*IpaStorageFunc) (const GError *error, gpointer user_data);
/* Called at the named steps of an exchange; the crash tests stop the daemon there. */
typedef void (*IpaStepFunc) (const gchar *step, gpointer user_data);
/* Waits `us` microseconds, or less when the daemon is stopping: then FALSE. */
typedef gboolean (*IpaWaitFunc) (gint64 us, gpointer user_data);

/* What the eUICC may hold for an eIM that it has not been given yet. SGP.32's RetrieveNotificationsList answers
 * either the profile notifications or the eUICC package results, so each kind costs a read of its own and is
 * read only when it may hold something. */
typedef enum {
  IPA_PENDING_NONE = 0,
  IPA_PENDING_PACKAGE_RESULTS = 1 << 0,  /* signed eUICC package results (BF51) */
  IPA_PENDING_NOTIFICATIONS = 1 << 1,    /* profile notifications */
  IPA_PENDING_ALL = IPA_PENDING_PACKAGE_RESULTS | IPA_PENDING_NOTIFICATIONS,
} IpaPending;

/* A consumer (SGP.22) eUICC has no LoadEuiccPackage: euiccd checks the eIM's packages itself (ipa-sgp22.c) and
 * keeps each eIM's counterValue, which these give. */
typedef struct {
  /* The last counterValue accepted from `eim_id` (the one configured before any package). */
  gint64 (*get_counter) (gpointer user_data, const gchar *eim_id);
  /* Stores `counter_value` as the last accepted from `eim_id` and gives a fresh seqNumber for the result;
   * on disk when it returns TRUE. */
  gboolean (*accept_counter) (gpointer user_data, const gchar *eim_id, gint64 counter_value, gint64 *ret_seq_number,
                              GError **error);
  /* Runs one eCO TLV against the eIMs euiccd keeps; its EuiccResultData TLV, or NULL for a TLV that is no eCO.
   * `ci_pkids`: the CIs the card signs with (EUICCInfo1 euiccCiPKIdListForSigning, GBytes; NULL: not read), which
   * a new eIM's euiccCiPKId must name. *ret_changed: the eIMs changed. */
  GBytes *(*run_eco) (gpointer user_data, const guint8 *eco, gsize length, const GPtrArray *ci_pkids,
                      gboolean *ret_changed);
  gpointer user_data;
} IpaSgp22Access;

typedef struct {
  /* Inputs */
  EsipaClient *esipa;
  const Es10EimConfiguration *eim;
  const GPtrArray *eims;             /* every eIM on the eUICC (Es10EimConfiguration), to know whose a
                                      * notification is; NULL: `eim` alone */
  guint8 eid[16];
  IpaCardAccess card;
  IpaOutbox outbox;
  const IpaDeviceProfile *device;
  gboolean notify_state_change;      /* tell the eIM its view of the eUICC is stale */
  gboolean has_state_change_cause;
  gint64 state_change_cause;         /* EsipaStateChangeCause */
  guint card_pending;                /* IpaPending: what the eUICC may hold for this eIM, not yet delivered */
  IpaCardLists *lists;               /* shared by the exchanges of one card session; NULL: this exchange's own */
  guint max_packages;                /* bound on packages per exchange (0: 32) */
  const IpaDownloadJournal *download_journal;  /* the profile download session record; NULL: none kept */
  const IpaRspAccess *rsp_access;    /* direct download (ES9+, ES11); NULL: downloads go through the eIM */
  guint attach_timeout_s;            /* how long the eIM may stay unreachable over a profile enabled with
                                      * rollbackFlag before ProfileRollback (0: after one try) */
  guint attach_retry_s;              /* between tries within that time (0: 1 s) */
  const IpaRollbackJournal *rollback_journal;  /* the record of an enable with rollbackFlag; NULL: none kept */
  const IpaSgp22Access *sgp22;       /* a consumer (SGP.22) eUICC; NULL: an SGP.32 eUICC */
  IpaEimHoldings *eim_holdings;      /* what this eIM holds from IpaEuiccData, updated when it accepts one;
                                      * NULL: not kept */
  IpaOutcomeFunc outcome;
  IpaStepFunc step;
  IpaWaitFunc wait;                  /* the waits for the module to attach; NULL: g_usleep(), not cut short */
  IpaSkippedFunc skipped;            /* may be NULL */
  IpaStorageFunc storage_failed;     /* may be NULL */
  gpointer user_data;

  /* Outputs */
  guint packages;                    /* eIM packages received */
  gboolean profiles_changed;         /* a package changed profile states (enable, disable, delete, ...) */
  gboolean eims_changed;             /* a package changed the eIM configuration (eCOs) */
  gint64 retry_after_s;              /* the eIM's Retry-After on a failure, -1 if none */
  guint dead_letters;                /* items the eIM refused for good, set aside */
  gboolean stopped;                  /* a wait was cut short because the daemon is stopping: the exchange ended */

  /* Private */
  IsdrSession *session;
  /* The last list of each kind read (`lists`, or own_lists): whose each item is decides what an
   * acknowledgement may remove. */
  IpaCardLists own_lists;
  GArray *own_results;               /* seqNumbers of the package results LoadEuiccPackage gave this eIM */
  gboolean cleanup_failed;           /* a removal from the eUICC failed: look again next time */
} IpaExchange;

void ipa_exchange_init (IpaExchange *exchange);
/* Runs the exchange. What earlier exchanges left is delivered first, but its failure never keeps
 * GetEimPackage from running: the items stay for a later exchange (or go to the dead letters when the eIM
 * refused them for good), and the exchange then ends with the first such failure once the packages are done.
 * On success card_pending tells what the eUICC may still hold for this eIM. */
gboolean ipa_exchange_run (IpaExchange *exchange, GError **error);
/* Closes the card session if one was opened and frees what the exchange remembered. */
void ipa_exchange_clear (IpaExchange *exchange);

/* Whether an eIM's answer to a delivery refuses the item for good: an HTTP 4xx other than 408 (Request
 * Timeout) and 429 (Too Many Requests), or a JSON functionExecutionStatus of Failed or Expired
 * (`eim_failed`). Returns the reason ("HTTP 403", "the eIM answered Failed"), or NULL when the failure may
 * pass: no answer (connection, TLS, time-out), 408, 429, any 5xx or 3xx, an answer that did not decode. An
 * explicit provideEimPackageResultError is a refusal too; the exchange names it itself. */
gchar *ipa_refusal_reason (guint http_status, gboolean eim_failed);

G_END_DECLS
