/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include "card/es10.h"
#include "daemon/daemon-card.h"
#include "daemon/daemon-dbus-card.h"
#include "daemon/daemon-dead-letter.h"
#include "daemon/daemon-engine.h"
#include "daemon/daemon-eim-flags.h"
#include "daemon/daemon-fallback.h"
#include "daemon/daemon-log.h"
#include "daemon/daemon-modem-manager.h"
#include "daemon/daemon-rollback.h"
#include "daemon/daemon-schedule.h"
#include "daemon/daemon-skipped.h"
#include "der/der.h"
#include "euiccd-error.h"
#include "daemon/daemon-download.h"
#include "ipa/ipa-download.h"
#include "ipa/ipa-exchange.h"
#include "net/esipa-client.h"
#include "net/https-client.h"
#include "euiccd-destroy.h"

EUICCD_DEFINE_DESTROY_NOTIFY (daemon_history_entry_free, DaemonHistoryEntry)
EUICCD_DEFINE_DESTROY_NOTIFY (g_source_unref, GSource)
EUICCD_DEFINE_DESTROY_NOTIFY (ipa_outbox_item_free, IpaOutboxItem)

#define EIM_FLAGS_FILE DAEMON_EIM_FLAGS_FILE

/* What the daemon must remember per eIM between polls. */
typedef struct {
  guint card_pending;      /* IpaPending: what the eUICC may hold for this eIM */
  gboolean warned_protocols; /* the warning about its eimSupportedProtocol was given */
  gboolean notify;         /* the next GetEimPackage carries notifyStateChange */
  gint64 cause;            /* its stateChangeCause */
  IpaEimHoldings holdings; /* what it accepted in IpaEuiccData (minimizeEsipaBytes), in memory only */
} EimFlags;

static void
eim_flags_free (EimFlags *flags)
{
  ipa_eim_holdings_clear (&flags->holdings);
  g_free (flags);
}

typedef struct {
  DaemonPollDoneFunc func;
  gpointer user_data;
} PollWaiter;

/* What the worker does; the eUICC is one resource, so jobs run one at a time in the order asked. */
typedef enum {
  JOB_POLL,
  JOB_REFRESH,
  JOB_ADD_INITIAL_EIM,
  JOB_IPAE_ACTIVATION,
  JOB_DOWNLOAD,
  JOB_SWITCH,
  JOB_SET_NICKNAME,
} JobKind;

typedef struct {
  DaemonEngine *engine;
  JobKind kind;
  GArray *waiters;                     /* of PollWaiter (polls and refreshes) */
  Es10EimConfiguration *eim;           /* AddInitialEim */
  gboolean activate_ipae;              /* IpaeActivation */
  Es10Switch switch_kind;              /* a switch asked for over D-Bus */
  gchar *iccid;                        /* SetNickname */
  gchar *nickname;
  DaemonAddInitialEimDoneFunc add_done;
  gpointer add_user_data;
  gboolean ran;                        /* the worker carried it out */
  gboolean completed;                  /* the callers have been answered */
  /* Results, written by the worker */
  GError *error;
  guint packages;
  gboolean has_association_token;
  gint64 association_token;
  DaemonDownloadRequest *download;     /* Download */
  DaemonDownloadDoneFunc download_done;
  gpointer download_user_data;
  DaemonDownloadOutcome download_outcome;
} Job;

/* A call from the worker into the main context. Kept in a list so that freeing the engine can drop the ones
 * not dispatched yet (and answer their callers) instead of leaking them. */
typedef void (*PostedFunc) (DaemonEngine *engine, gpointer data);

typedef struct {
  DaemonEngine *engine;
  PostedFunc func;
  gpointer data;
  GDestroyNotify destroy;
} Posted;

struct _DaemonEngine {
  DaemonConfig *config;
  DaemonStore *store;
  GMainContext *context;
  HttpsClient *https;
  DaemonCard *card;
  DaemonModemManager *modem_manager;  /* NULL: not asked (Device= names the port, or no bus) */
  DaemonSchedulePolicy policy;
  DaemonScheduleState schedule;
  DaemonTimer *timer;
  GRand *rand;
  IpaDeviceProfile device;
  DaemonDownloadJournal downloads;   /* the profile download session record */
  IpaRollbackJournal rollback;       /* the record of an enable with rollbackFlag */
  SmdpTrustStore *ci;                /* GSMA CI certificates; NULL: no direct download */
  IpaRspAccess rsp_access;
  DaemonDownloadProgress download_progress;  /* main context */
  EsipaDeviceInfo device_info;

  DaemonEngineListener listener;
  gpointer listener_data;
  gboolean read_details;

  /* Touched by the worker during a job, by the main loop otherwise; `lock` guards what both read. */
  GMutex lock;
  GCond stop_cond;         /* signalled with `lock` when `stopping` is set */
  gboolean stopping;       /* the daemon is stopping: waits end, no further eIM is polled; under `lock` */
  GHashTable *eim_flags;   /* eim_id -> EimFlags */
  DaemonFallback fallback; /* the fallback euiccd runs by itself, worker only once started */
  DaemonState state;
  GThread *worker;
  Job *current;            /* the job the worker runs, main loop only */
  GQueue pending;          /* of Job, main loop only */
  GPtrArray *posted;       /* of GSource, under `lock` */
  GMutex history_lock;     /* the worker appends while the main loop reads */
  guint poll_packages;     /* packages of the running poll, worker only */
  gboolean poll_card_changed;  /* a package of the running poll changed profiles or eIMs, worker only */
  guint last_poll_packages;    /* main loop only */
  DaemonCardFacts *facts;  /* what the main loop shows, main loop only */

  gint64 last_retry_after_s;  /* the eIM's Retry-After from the last failed exchange, -1 if none */
  DaemonSkipped *skipped;     /* undecodable list entries already reported */
  gchar *storage_problem;     /* the last write to the state directory that failed, under `lock` */
  gboolean poll_storage_ok;   /* no write failed since the running poll began, under `lock` */
  DaemonCardSupport card_support;  /* what the last read of the card found, under `lock` */
  gchar *card_problem;        /* why euiccd cannot manage it, NULL if it can; under `lock` */

  /* Test hook: stop the process hard at a named step (EUICCD_TEST_KILL_AT=step[:n]). */
  gchar *kill_step;
  guint kill_countdown;
};

const gchar *
daemon_state_to_string (DaemonState state)
{
  static const gchar *const names[] = { "idle", "polling", "applying", "downloading", "backoff", "error", "no card" };
  return (guint) state < G_N_ELEMENTS (names) ? names[state] : "unknown";
}

/* ---- calls from the worker into the main context ------------------------------------------------------ */

static gboolean
posted_dispatch (gpointer user_data)
{
  Posted *posted = user_data;
  DaemonEngine *engine = posted->engine;
  GSource *source = g_main_current_source ();

  g_mutex_lock (&engine->lock);
  g_ptr_array_remove_fast (engine->posted, source);
  g_mutex_unlock (&engine->lock);
  posted->func (engine, posted->data);
  return G_SOURCE_REMOVE;
}

static void
posted_free (gpointer user_data)
{
  Posted *posted = user_data;

  if (posted->destroy != NULL && posted->data != NULL)
    posted->destroy (posted->data);
  g_free (posted);
}

static void
post_to_main (DaemonEngine *engine, PostedFunc func, gpointer data, GDestroyNotify destroy)
{
  GSource *source = g_idle_source_new ();
  Posted *posted = g_new0 (Posted, 1);

  posted->engine = engine;
  posted->func = func;
  posted->data = data;
  posted->destroy = destroy;
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, posted_dispatch, posted, posted_free);
  g_mutex_lock (&engine->lock);
  g_ptr_array_add (engine->posted, g_source_ref (source));
  g_mutex_unlock (&engine->lock);
  g_source_attach (source, engine->context);
  g_source_unref (source);
}

static void
notify_changed (DaemonEngine *engine, gpointer data)
{
  if (engine->listener.changed != NULL)
    engine->listener.changed (engine, engine->listener_data);
}

static void
set_state (DaemonEngine *engine, DaemonState state)
{
  gboolean changed;

  g_mutex_lock (&engine->lock);
  changed = engine->state != state;
  engine->state = state;
  g_mutex_unlock (&engine->lock);
  if (changed)
    post_to_main (engine, notify_changed, NULL, NULL);
}

static void note_storage_problem (DaemonEngine *engine, const gchar *message);

/* ---- per-eIM flags, persisted so notifyStateChange survives a restart ---------------------------------- */

/* What each eIM accepted in IpaEuiccData, one record a file named after the eIM (minimizeEsipaBytes). */
#define EIM_HOLDINGS_FOLDER "eim-holdings"
#define EIM_HOLDINGS_MAX 4096

static void
load_eim_holdings (DaemonEngine *engine, const gchar *eim_id, IpaEimHoldings *holdings)
{
  g_autofree gchar *name = daemon_store_escape_name (eim_id);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = daemon_store_folder_read (engine->store, EIM_HOLDINGS_FOLDER, name, EIM_HOLDINGS_MAX,
                                                       &error);

  if (bytes == NULL)
    {
      if (!g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND))
        g_warning ("Reading %s/%s: %s; the downloads it relays go without the omissions it allows",
                   EIM_HOLDINGS_FOLDER, name, error->message);
      return;
    }
  if (!ipa_eim_holdings_decode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), holdings, &error))
    g_warning ("%s/%s is damaged (%s): what the eIM holds is known again at its next IpaEuiccData",
               EIM_HOLDINGS_FOLDER, name, error->message);
}

static void
save_eim_holdings (DaemonEngine *engine, const gchar *eim_id, IpaEimHoldings *holdings)
{
  g_autofree gchar *name = daemon_store_escape_name (eim_id);
  g_autoptr(GBytes) bytes = ipa_eim_holdings_encode (holdings);
  g_autoptr(GError) error = NULL;

  holdings->changed = FALSE;
  if (!daemon_store_folder_write (engine->store, EIM_HOLDINGS_FOLDER, name, bytes, &error))
    {
      /* Not fatal: without the record the next run sends the full forms. */
      g_prefix_error (&error, "Saving what eIM %s holds: ", eim_id);
      g_warning ("%s", error->message);
    }
}

static EimFlags *
flags_for (DaemonEngine *engine, const gchar *eim_id)
{
  EimFlags *flags = g_hash_table_lookup (engine->eim_flags, eim_id);

  if (flags == NULL)
    {
      flags = g_new0 (EimFlags, 1);
      /* After a start nothing is known about what the eUICC kept: look. */
      flags->card_pending = IPA_PENDING_ALL;
      load_eim_holdings (engine, eim_id, &flags->holdings);
      g_hash_table_insert (engine->eim_flags, g_strdup (eim_id), flags);
    }
  return flags;
}

static void
load_eim_flags (DaemonEngine *engine)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = daemon_store_read_file (engine->store, EIM_FLAGS_FILE, &error);
  g_autoptr(GHashTable) saved = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (bytes == NULL)
    {
      if (!g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND))
        g_warning ("Reading %s: %s", EIM_FLAGS_FILE, error->message);
      return;
    }
  saved = daemon_eim_flags_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  if (saved == NULL)
    {
      g_warning ("%s/%s is damaged (%s): state change flags start afresh", daemon_store_get_directory (engine->store),
                 EIM_FLAGS_FILE, error->message);
      return;
    }
  g_hash_table_iter_init (&iter, saved);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const DaemonEimFlags *entry = value;
      EimFlags *flags = flags_for (engine, key);

      flags->notify = entry->notify;
      flags->cause = entry->cause;
    }
}

static void
save_eim_flags (DaemonEngine *engine)
{
  g_autoptr(GHashTable) saved = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, engine->eim_flags);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const EimFlags *flags = value;
      DaemonEimFlags *entry = g_new0 (DaemonEimFlags, 1);

      entry->notify = flags->notify;
      entry->cause = flags->cause;
      g_hash_table_insert (saved, key, entry);
    }
  bytes = daemon_eim_flags_to_bytes (saved);
  if (!daemon_store_write_file (engine->store, EIM_FLAGS_FILE, bytes, &error))
    {
      g_prefix_error (&error, "Saving state change flags: ");
      g_warning ("%s", error->message);
      note_storage_problem (engine, error->message);
    }
}

/* ---- what could not be written, and the history ------------------------------------------------------- */

/* A write to the state directory failed: the daemon goes on (a result is sent all the same), and says so on
 * the bus (StorageProblem) until a poll gets through all its writes. */
static void
note_storage_problem (DaemonEngine *engine, const gchar *message)
{
  g_mutex_lock (&engine->lock);
  g_free (engine->storage_problem);
  engine->storage_problem = g_strdup (message);
  engine->poll_storage_ok = FALSE;
  g_mutex_unlock (&engine->lock);
  post_to_main (engine, notify_changed, NULL, NULL);
}

static void
begin_storage_check (DaemonEngine *engine)
{
  g_mutex_lock (&engine->lock);
  engine->poll_storage_ok = TRUE;
  g_mutex_unlock (&engine->lock);
}

/* At the end of a poll, its writes the schedule's included: shown until a poll writes everything. */
static void
end_storage_check (DaemonEngine *engine)
{
  g_mutex_lock (&engine->lock);
  if (engine->poll_storage_ok)
    g_clear_pointer (&engine->storage_problem, g_free);
  g_mutex_unlock (&engine->lock);
}

static gboolean
record_history (DaemonEngine *engine, const DaemonHistoryEntry *entry)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_mutex_lock (&engine->history_lock);
  ok = daemon_store_history_append (engine->store, entry, &error);
  g_mutex_unlock (&engine->history_lock);
  if (!ok)
    {
      g_prefix_error (&error, "Recording %s in the history: ", entry->operation);
      g_warning ("%s", error->message);
      note_storage_problem (engine, error->message);
    }
  return ok;
}

/* ---- the outbox, as the procedures see it ------------------------------------------------------------- */

static gboolean
outbox_put (gpointer user_data, const gchar *eim_id, const gchar *key, GBytes *record, GError **error)
{
  DaemonEngine *engine = user_data;
  return daemon_store_outbox_put (engine->store, eim_id, key, record, error);
}

static gboolean
outbox_remove (gpointer user_data, const gchar *eim_id, const gchar *key, GError **error)
{
  DaemonEngine *engine = user_data;
  return daemon_store_outbox_remove (engine->store, eim_id, key, error);
}

static GPtrArray *
outbox_list (gpointer user_data, const gchar *eim_id, GError **error)
{
  DaemonEngine *engine = user_data;
  g_autoptr(GPtrArray) entries = daemon_store_outbox_list (engine->store, NULL, error);
  GPtrArray *items;

  if (entries == NULL)
    return NULL;
  items = g_ptr_array_new_with_free_func (ipa_outbox_item_free_notify);
  for (guint i = 0; i < entries->len; i++)
    {
      const DaemonOutboxEntry *entry = g_ptr_array_index (entries, i);
      IpaOutboxItem *item;

      if (g_strcmp0 (entry->eim_id, eim_id) != 0)
        continue;
      item = g_new0 (IpaOutboxItem, 1);
      item->key = g_strdup (entry->key);
      item->record = g_bytes_ref (entry->message);
      g_ptr_array_add (items, item);
    }
  return items;
}

static gboolean
outbox_bury (gpointer user_data, const gchar *key, const IpaDeadLetter *letter, GError **error)
{
  DaemonEngine *engine = user_data;
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *detail = NULL;
  g_autofree gchar *operation = NULL;
  DaemonHistoryEntry entry = { .time = g_get_real_time () };

  id = daemon_dead_letters_put (engine->store, letter->eim_id, letter->transaction_id, letter->kind, letter->reason,
                                letter->content, error);
  if (id == NULL)
    {
      note_storage_problem (engine, (*error)->message);
      return FALSE;
    }
  /* Should the removal fail, the item is offered once more and set aside again: a second letter, not a loss. */
  if (key != NULL && !daemon_store_outbox_remove (engine->store, letter->eim_id, key, &local_error))
    g_warning ("Removing %s from the outbox after setting it aside as dead letter %s: %s", key, id,
               local_error->message);
  operation = g_strconcat ("deadLetter:", letter->kind, NULL);
  detail = g_strdup_printf ("refused for good (%s); kept as dead letter %s", letter->reason, id);
  entry.eim_id = (gchar *) letter->eim_id;
  entry.transaction_id = (gchar *) letter->transaction_id;
  entry.operation = operation;
  entry.result = (gchar *) "refused";
  entry.detail = detail;
  record_history (engine, &entry);
  post_to_main (engine, notify_changed, NULL, NULL);
  return TRUE;
}

/* ---- hooks the procedures call --------------------------------------------------------------------------- */

static void
announce_outcome (DaemonEngine *engine, gpointer data)
{
  if (engine->listener.package_finished != NULL)
    engine->listener.package_finished (engine, data, engine->listener_data);
}

static void end_download_progress (DaemonEngine *engine, gpointer data);

static void
on_outcome (const IpaOutcome *outcome, gpointer user_data)
{
  DaemonEngine *engine = user_data;
  DaemonHistoryEntry entry = {
    .time = g_get_real_time (),
    .eim_id = (gchar *) outcome->eim_id,
    .transaction_id = (gchar *) outcome->transaction_id,
    .operation = (gchar *) outcome->operation,
    .result = (gchar *) outcome->result,
    .detail = (gchar *) outcome->detail,
  };

  engine->poll_packages++;
  record_history (engine, &entry);
  if (g_str_equal (outcome->operation, "profileDownload"))
    post_to_main (engine, end_download_progress,
                  (gpointer) (g_str_equal (outcome->result, "installed") ? "installed" : "failed"), NULL);
  /* D-Bus signals go out from the main loop. */
  post_to_main (engine, announce_outcome, daemon_history_entry_copy (&entry),
                daemon_history_entry_free_notify);
}

/* In the main loop: what the D-Bus property and signal show. */
static void
announce_progress (DaemonEngine *engine, gpointer data)
{
  DaemonDownloadProgress *progress = data;

  engine->download_progress = *progress;
  if (engine->listener.download_progress != NULL)
    engine->listener.download_progress (engine, progress, engine->listener_data);
}

/* In the worker, from the download procedures. */
static void
on_download_progress (IpaDownloadPhase phase, gsize loaded, gsize total, gpointer user_data)
{
  DaemonEngine *engine = user_data;
  DaemonDownloadProgress *progress = g_new0 (DaemonDownloadProgress, 1);

  progress->active = TRUE;
  progress->phase = ipa_download_phase_to_string (phase);
  progress->loaded = loaded;
  progress->total = total;
  post_to_main (engine, announce_progress, progress, g_free);
}

/* The download is over (or none ran): the progress shows it. */
static void
end_download_progress (DaemonEngine *engine, gpointer data)
{
  engine->download_progress.active = FALSE;
  engine->download_progress.phase = (const gchar *) data;
  if (engine->listener.download_progress != NULL)
    engine->listener.download_progress (engine, &engine->download_progress, engine->listener_data);
}

const DaemonDownloadProgress *
daemon_engine_get_download_progress (const DaemonEngine *engine)
{
  return &engine->download_progress;
}

static void
on_step (const gchar *step, gpointer user_data)
{
  DaemonEngine *engine = user_data;

  if (g_str_equal (step, "before-load"))
    set_state (engine, DAEMON_STATE_APPLYING);
  /* A package may switch profiles, a Bound Profile Package installs one in a long run of card commands, and
   * ImmediateEnable switches to it: ModemManager keeps off the modem until the job has closed the port (polls
   * and downloads release it then, whatever the outcome). */
  if ((g_str_equal (step, "before-load") || g_str_equal (step, "download-before-bpp")
       || g_str_equal (step, "download-before-immediate-enable"))
      && engine->modem_manager != NULL)
    daemon_modem_manager_inhibit (engine->modem_manager);
  if (engine->kill_step != NULL && g_str_equal (step, engine->kill_step) && --engine->kill_countdown == 0)
    {
      g_message ("EUICCD_TEST_KILL_AT: stopping hard at %s", step);
      raise (SIGKILL);
    }
}

static gboolean
is_stopping (DaemonEngine *engine)
{
  gboolean stopping;

  g_mutex_lock (&engine->lock);
  stopping = engine->stopping;
  g_mutex_unlock (&engine->lock);
  return stopping;
}

/* In the worker: the wait for the module to attach, which a stop of the daemon ends at once (the state it
 * needs to go on is on disk already). */
static gboolean
wait_unless_stopping (gint64 us, gpointer user_data)
{
  DaemonEngine *engine = user_data;
  gint64 end = g_get_monotonic_time () + us;
  gboolean stopping;

  g_mutex_lock (&engine->lock);
  while (!engine->stopping && g_cond_wait_until (&engine->stop_cond, &engine->lock, end))
    ;
  stopping = engine->stopping;
  g_mutex_unlock (&engine->lock);
  return !stopping;
}

static void
report_skipped (DaemonEngine *engine, const gchar *list, GBytes *raw, const gchar *reason)
{
  g_autofree gchar *operation = NULL;
  DaemonHistoryEntry entry = { .time = g_get_real_time () };

  if (!daemon_skipped_note (engine->skipped, list, raw))
    return;
  g_warning ("The eUICC's %s list holds an entry that cannot be decoded (%s; %" G_GSIZE_FORMAT " bytes): it is left "
             "out and the rest goes on", list, reason, raw != NULL ? g_bytes_get_size (raw) : 0);
  operation = g_strconcat ("skipped:", list, NULL);
  entry.operation = operation;
  entry.result = (gchar *) "undecodable";
  entry.detail = (gchar *) reason;
  record_history (engine, &entry);
  post_to_main (engine, notify_changed, NULL, NULL);
}

static void
on_skipped (const gchar *list, const Es10SkippedEntry *skipped, gpointer user_data)
{
  report_skipped (user_data, list, skipped->raw, skipped->reason);
}

/* The lists of the card facts just read: profiles and eIM configurations. */
static void
report_card_skipped (DaemonEngine *engine)
{
  DaemonCardFacts *facts = daemon_card_get_facts (engine->card);

  if (facts == NULL)
    return;
  for (guint i = 0; facts->eims != NULL && facts->eims->skipped != NULL && i < facts->eims->skipped->len; i++)
    {
      const Es10SkippedEntry *entry = g_ptr_array_index (facts->eims->skipped, i);
      report_skipped (engine, "eimConfiguration", entry->raw, entry->reason);
    }
  for (guint i = 0; facts->profiles != NULL && facts->profiles->skipped != NULL && i < facts->profiles->skipped->len;
       i++)
    {
      const Es10SkippedEntry *entry = g_ptr_array_index (facts->profiles->skipped, i);
      report_skipped (engine, "profile", entry->raw, entry->reason);
    }
}

static void
on_storage_failed (const GError *error, gpointer user_data)
{
  note_storage_problem (user_data, error->message);
}

/* ---- one poll --------------------------------------------------------------------------------------------- */

static EsipaBinding
binding_for (const DaemonEngine *engine)
{
  return engine->config->eim_binding == DAEMON_EIM_BINDING_JSON ? ESIPA_BINDING_JSON : ESIPA_BINDING_ASN1;
}

/* Whether to poll the eIM (daemon_schedule_eim_polling()); says why not, or warns once per daemon run when
 * an eIM is polled over HTTPS although it names no protocol euiccd speaks. */
static gboolean
eim_is_pollable (DaemonEngine *engine, const Es10EimConfiguration *eim)
{
  EimFlags *flags = flags_for (engine, eim->eim_id);
  g_auto(GStrv) names = NULL;
  g_autofree gchar *listed = NULL;

  switch (daemon_schedule_eim_polling (eim->has_supported_protocols, eim->supported_protocols,
                                       eim->eim_fqdn != NULL || engine->config->eim_address != NULL))
    {
    case DAEMON_EIM_POLL:
      return TRUE;
    case DAEMON_EIM_POLL_DESPITE_PROTOCOLS:
      if (!flags->warned_protocols)
        {
          flags->warned_protocols = TRUE;
          names = daemon_dbus_card_protocol_names (eim->supported_protocols);
          listed = g_strjoinv (", ", names);
          g_warning ("eIM %s names no protocol euiccd speaks in eimSupportedProtocol (%s, bits 0x%X): polled "
                     "over HTTPS, the binding every eIM must offer", eim->eim_id,
                     listed[0] != '\0' ? listed : "none known", eim->supported_protocols);
        }
      return TRUE;
    case DAEMON_EIM_NOT_POLLED_NO_ADDRESS:
    default:
      g_message ("eIM %s offers no retrieval over HTTPS and has no address: not polled", eim->eim_id);
      return FALSE;
    }
}

/* An HTTPS exchange with `eim` (*ret_https) and the ESipa client over it. */
static EsipaClient *
begin_esipa (DaemonEngine *engine, const Es10EimConfiguration *eim, HttpsExchange **ret_https, GError **error)
{
  g_autofree gchar *base_url = NULL;
  g_autoptr(HttpsTrust) trust = NULL;
  HttpsExchange *https;

  if (engine->config->eim_address != NULL)
    base_url = https_base_url_from_fqdn (engine->config->eim_address, error);
  else if (eim->eim_fqdn != NULL)
    base_url = https_base_url_from_fqdn (eim->eim_fqdn, error);
  else
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG,
                 "eIM %s has no address on the eUICC and none is configured ([Eim] Address)", eim->eim_id);
  if (base_url == NULL)
    return NULL;

  if (eim->tls_data != NULL)
    {
      trust = https_trust_new_from_bytes (eim->tls_data, "trustedPublicKeyDataTls", error);
      if (trust == NULL)
        {
          g_prefix_error (error, "eIM %s: ", eim->eim_id);
          return NULL;
        }
    }

  https = https_exchange_begin (engine->https, base_url, trust, error);
  if (https == NULL)
    return NULL;
  *ret_https = https;
  return esipa_client_new (https, base_url, binding_for (engine));
}

static gint64
sgp22_get_counter (gpointer user_data, const gchar *eim_id)
{
  return daemon_sgp22_eims_get_counter (user_data, eim_id);
}

static gboolean
sgp22_accept_counter (gpointer user_data, const gchar *eim_id, gint64 counter_value, gint64 *ret_seq_number,
                      GError **error)
{
  return daemon_sgp22_eims_accept_counter (user_data, eim_id, counter_value, ret_seq_number, error);
}

static GBytes *
sgp22_run_eco (gpointer user_data, const guint8 *eco, gsize length, const GPtrArray *ci_pkids, gboolean *ret_changed)
{
  return daemon_sgp22_eims_run_eco (user_data, eco, length, ci_pkids, ret_changed);
}

static gboolean
run_exchange (DaemonEngine *engine, const Es10EimConfiguration *eim, IpaCardLists *lists, GError **error)
{
  g_autoptr(HttpsExchange) https = NULL;
  g_autoptr(EsipaClient) esipa = NULL;
  EimFlags *flags = flags_for (engine, eim->eim_id);
  DaemonSgp22Eims *sgp22_eims = daemon_card_get_sgp22_eims (engine->card);
  IpaSgp22Access sgp22 = { sgp22_get_counter, sgp22_accept_counter, sgp22_run_eco, sgp22_eims };
  IpaExchange exchange;
  gboolean ok;

  esipa = begin_esipa (engine, eim, &https, error);
  if (esipa == NULL)
    return FALSE;

  ipa_exchange_init (&exchange);
  exchange.esipa = esipa;
  exchange.eim = eim;
  exchange.eims = daemon_card_get_eims (engine->card)->eims;
  memcpy (exchange.eid, daemon_card_get_eid (engine->card), 16);
  exchange.card.open = daemon_card_session_open;
  exchange.card.close = daemon_card_session_release;
  exchange.card.user_data = engine->card;
  exchange.outbox.put = outbox_put;
  exchange.outbox.remove = outbox_remove;
  exchange.outbox.list = outbox_list;
  exchange.outbox.bury = outbox_bury;
  exchange.outbox.user_data = engine;
  exchange.device = &engine->device;
  exchange.notify_state_change = flags->notify;
  exchange.has_state_change_cause = flags->notify;
  exchange.state_change_cause = flags->cause;
  exchange.card_pending = flags->card_pending;
  exchange.lists = lists;
  exchange.attach_timeout_s = engine->config->connectivity_attach_timeout_s;
  exchange.attach_retry_s = engine->config->connectivity_attach_retry_s;
  exchange.rollback_journal = &engine->rollback;
  exchange.outcome = on_outcome;
  exchange.step = on_step;
  exchange.wait = wait_unless_stopping;
  exchange.download_journal = &engine->downloads.journal;
  exchange.rsp_access = engine->ci != NULL ? &engine->rsp_access : NULL;
  exchange.sgp22 = sgp22_eims != NULL ? &sgp22 : NULL;
  exchange.eim_holdings = &flags->holdings;
  exchange.skipped = on_skipped;
  exchange.storage_failed = on_storage_failed;
  exchange.user_data = engine;

  ok = ipa_exchange_run (&exchange, error);
  ipa_exchange_clear (&exchange);
  if (flags->holdings.changed)
    save_eim_holdings (engine, eim->eim_id, &flags->holdings);

  /* The notification went out with the first GetEimPackage that reached the eIM. */
  if (flags->notify && !exchange.notify_state_change)
    flags->notify = FALSE;
  flags->card_pending = exchange.card_pending;
  if (exchange.profiles_changed)
    {
      /* The other eIMs do not know yet: they hear of it at their next poll. */
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, engine->eim_flags);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (!g_str_equal (key, eim->eim_id))
          {
            ((EimFlags *) value)->notify = TRUE;
            ((EimFlags *) value)->cause = 0; /* otherEim */
            /* The change made profile notifications; another eIM's package made no result for this one. */
            ((EimFlags *) value)->card_pending |= IPA_PENDING_NOTIFICATIONS;
          }
    }
  if (exchange.eims_changed)
    daemon_card_invalidate (engine->card);
  if (exchange.eims_changed || exchange.profiles_changed)
    engine->poll_card_changed = TRUE;
  if (!ok)
    g_prefix_error (error, "eIM %s: ", eim->eim_id);
  engine->last_retry_after_s = exchange.retry_after_s;
  return ok;
}

/* One line per poll with what it cost: the benchmarks and the idle-poll tests read it. */
static void
log_poll_cost (DaemonEngine *engine, guint apdus_before, guint opens_before, const HttpsStats *https_before)
{
  HttpsStats https;
  guint apdus, opens;

  daemon_card_get_counters (engine->card, &apdus, &opens);
  https_client_get_stats (engine->https, &https);
  g_message ("poll cost: apdus=%u channel_opens=%u http_requests=%" G_GUINT64_FORMAT " connections=%" G_GUINT64_FORMAT
             " tls_resumed=%" G_GUINT64_FORMAT " bytes_sent=%" G_GUINT64_FORMAT " bytes_received=%" G_GUINT64_FORMAT,
             apdus - apdus_before, opens - opens_before, https.requests - https_before->requests,
             https.connections - https_before->connections, https.tls_resumed - https_before->tls_resumed,
             https.bytes_sent - https_before->bytes_sent, https.bytes_received - https_before->bytes_received);
}

static gboolean poll_all_eims (DaemonEngine *engine, GError **error);
static void note_card_support (DaemonEngine *engine);

static gboolean run_switch (DaemonEngine *engine, Es10Switch which, GError **error);

static void
load_fallback (DaemonEngine *engine)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = daemon_store_read_file (engine->store, DAEMON_FALLBACK_FILE, &error);
  gboolean active = FALSE;

  if (bytes != NULL && !daemon_fallback_parse (bytes, &active, &error))
    g_warning ("%s; euiccd no longer counts the fallback profile as its own", error->message);
  daemon_fallback_init (&engine->fallback, active, g_get_monotonic_time ());
}

static void
save_fallback (DaemonEngine *engine)
{
  g_autoptr(GBytes) bytes = daemon_fallback_to_bytes (&engine->fallback);
  g_autoptr(GError) error = NULL;

  if (!daemon_store_write_file (engine->store, DAEMON_FALLBACK_FILE, bytes, &error))
    {
      g_prefix_error (&error, "Saving the fallback state: ");
      g_warning ("%s", error->message);
      note_storage_problem (engine, error->message);
    }
}

static void
fallback_policy (DaemonEngine *engine, DaemonFallbackPolicy *ret_policy)
{
  ret_policy->after_us = (gint64) engine->config->connectivity_fallback_after_s * G_USEC_PER_SEC;
  ret_policy->retry_us = (gint64) engine->config->connectivity_fallback_retry_s * G_USEC_PER_SEC;
  ret_policy->attach_us = (gint64) engine->config->connectivity_attach_timeout_s * G_USEC_PER_SEC;
}

/* Worker: ExecuteFallbackMechanism (`execute`) or ReturnFromFallback because of how the polls went. */
static gboolean
run_fallback_switch (DaemonEngine *engine, gboolean execute)
{
  g_autoptr(GError) error = NULL;
  gboolean done;

  if (execute)
    g_warning ("No eIM reached %s: asking the eUICC for its fallback profile",
               engine->fallback.trying_original ? "over the original profile either"
                                                : "for [Connectivity] FallbackAfter");
  else
    g_message ("The fallback profile has been in use for [Connectivity] FallbackRetryInterval: trying the original "
               "profile again");
  done = run_switch (engine, execute ? ES10_SWITCH_EXECUTE_FALLBACK : ES10_SWITCH_RETURN_FROM_FALLBACK, &error);
  if (!done)
    g_warning ("%s%s", error->message,
               execute ? "" : "; the fallback ended another way, euiccd no longer manages it");
  daemon_fallback_switched (&engine->fallback, execute, done, g_get_monotonic_time ());
  save_fallback (engine);
  return done;
}

gboolean
daemon_engine_poll_blocking (DaemonEngine *engine, GError **error)
{
  HttpsStats https_before;
  guint apdus_before, opens_before;
  gboolean ok;

  DaemonFallbackPolicy fallback;
  HttpsStats https_after;
  gboolean was_active;

  fallback_policy (engine, &fallback);
  if (daemon_fallback_before_poll (&engine->fallback, &fallback, g_get_monotonic_time ()) == DAEMON_FALLBACK_RETURN)
    run_fallback_switch (engine, FALSE);
  daemon_card_get_counters (engine->card, &apdus_before, &opens_before);
  https_client_get_stats (engine->https, &https_before);
  ok = poll_all_eims (engine, error);
  https_client_get_stats (engine->https, &https_after);
  was_active = engine->fallback.active;
  /* Any answer over HTTP shows the way to the eIMs works; only transport failures count against it. A poll a
   * stop cut short says nothing about it. */
  if (!is_stopping (engine)
      && daemon_fallback_after_poll (&engine->fallback, &fallback, https_after.requests > https_before.requests,
                                  g_get_monotonic_time ()) == DAEMON_FALLBACK_EXECUTE
      && run_fallback_switch (engine, TRUE))
    {
      /* Over the fallback profile at once: what waits for the eIMs goes now, with notifyStateChange. */
      g_clear_error (error);
      ok = poll_all_eims (engine, error);
    }
  if (engine->fallback.active != was_active)
    {
      g_message ("An eIM answered over the original profile: the fallback is over");
      save_fallback (engine);
    }
  log_poll_cost (engine, apdus_before, opens_before, &https_before);
  return ok;
}

static gboolean
poll_all_eims (DaemonEngine *engine, GError **error)
{
  g_autoptr(GError) first_error = NULL;
  const Es10EimConfigurationList *eims;
  /* The eUICC's lists as read in this poll's card session, shared by the exchanges. */
  IpaCardLists lists = { 0 };
  guint polled = 0;

  set_state (engine, DAEMON_STATE_POLLING);
  engine->last_retry_after_s = -1;
  engine->poll_card_changed = FALSE;
  begin_storage_check (engine);
  if (!daemon_card_refresh (engine->card, error))
    {
      daemon_card_close (engine->card);
      daemon_card_forget (engine->card);
      note_card_support (engine);
      set_state (engine, DAEMON_STATE_NO_CARD);
      return FALSE;
    }
  note_card_support (engine);
  report_card_skipped (engine);
  if (!daemon_card_support_is_manageable (daemon_card_get_support (engine->card, NULL)))
    {
      /* The eUICC's own IPA polls its eIMs; two IPAs answering the same eIM would undo each other. */
      daemon_card_close (engine->card);
      g_message ("The eUICC's IPAe is active: its eIMs are not polled by euiccd");
      return TRUE;
    }
  if (daemon_card_take_lost (engine->card))
    {
      /* The module went away and came back (maybe another module, another card): look for everything the
       * eUICC may hold for the eIMs (results, notifications), as after SIGHUP. */
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, engine->eim_flags);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        ((EimFlags *) value)->card_pending = IPA_PENDING_ALL;
    }
  eims = daemon_card_get_eims (engine->card);
  /* Every eIM has its flags before the first exchange, so a change made by one reaches those polled after it. */
  for (guint i = 0; i < eims->eims->len; i++)
    flags_for (engine, ((const Es10EimConfiguration *) g_ptr_array_index (eims->eims, i))->eim_id);
  for (guint i = 0; i < eims->eims->len; i++)
    {
      const Es10EimConfiguration *eim = g_ptr_array_index (eims->eims, i);
      g_autoptr(GError) local_error = NULL;

      if (is_stopping (engine))
        break;
      if (!eim_is_pollable (engine, eim))
        continue;
      polled++;
      if (!run_exchange (engine, eim, &lists, &local_error))
        {
          g_warning ("%s", local_error->message);
          if (first_error == NULL)
            first_error = g_steal_pointer (&local_error);
        }
    }
  /* The modem went away during the poll: what is behind it now is read at once, since it may be another card.
   * Another card ends the poll as failed, so the backoff polls it soon instead of an interval later. */
  if (daemon_card_went_away (engine->card))
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree gchar *before = g_strdup (daemon_card_get_eid_hex (engine->card));

      daemon_card_close (engine->card);
      if (!daemon_card_refresh (engine->card, &local_error))
        g_warning ("Reading the eUICC after the modem failed: %s", local_error->message);
      else
        {
          report_card_skipped (engine);
          engine->poll_card_changed = FALSE;
          if (g_strcmp0 (before, daemon_card_get_eid_hex (engine->card)) != 0 && first_error == NULL)
            first_error = g_error_new (EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND,
                                       "The modem came back with another eUICC during the poll; it is polled next");
        }
    }
  /* What the packages changed is read in this same card session, so the D-Bus objects follow the card without
   * an idle poll ever reading profiles. */
  if (engine->read_details && engine->poll_card_changed)
    {
      g_autoptr(GError) local_error = NULL;

      daemon_card_invalidate (engine->card);
      if (!daemon_card_refresh (engine->card, &local_error))
        g_warning ("Reading the eUICC after its changes: %s", local_error->message);
      else
        report_card_skipped (engine);
    }
  /* The channel and the modem port are not held between polls. */
  daemon_card_close (engine->card);
  if (engine->modem_manager != NULL)
    daemon_modem_manager_release (engine->modem_manager, engine->poll_card_changed);
  ipa_card_lists_clear (&lists);
  save_eim_flags (engine);

  if (first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }
  if (polled == 0)
    g_message ("The eUICC has no eIM configured for retrieval over HTTPS: nothing to poll");
  return TRUE;
}

/* ---- what kind of card ------------------------------------------------------------------------------------ */

/* Worker: the card's kind as the last read found it, for the main loop to show. A card euiccd cannot manage is
 * looked at again at the poll interval, not at the backoff's pace: it will not change by itself. */
static void
note_card_support (DaemonEngine *engine)
{
  const gchar *reason = NULL;
  DaemonCardSupport support = daemon_card_get_support (engine->card, &reason);

  g_mutex_lock (&engine->lock);
  engine->card_support = support;
  g_free (engine->card_problem);
  engine->card_problem = g_strdup (reason);
  g_mutex_unlock (&engine->lock);
  if (support == DAEMON_CARD_SUPPORT_PLAIN_UICC || support == DAEMON_CARD_SUPPORT_M2M)
    engine->last_retry_after_s = engine->config->poll_interval_s;
}

DaemonCardSupport
daemon_engine_get_card_support (DaemonEngine *engine, gchar **ret_problem)
{
  DaemonCardSupport support;

  g_mutex_lock (&engine->lock);
  support = engine->card_support;
  if (ret_problem != NULL)
    *ret_problem = g_strdup (engine->card_problem);
  g_mutex_unlock (&engine->lock);
  return support;
}

/* ---- the IPA's own data for IpaEuiccData ------------------------------------------------------------------ */

/* Digits packed two per octet in reading order, padded with F (TAC and IMEI, 3GPP TS 23.003). */
static void
pack_digits (const gchar *digits, guint8 *out, gsize out_length)
{
  memset (out, 0xFF, out_length);
  for (gsize i = 0; digits[i] != '\0' && i / 2 < out_length; i++)
    {
      guint8 nibble = (guint8) (digits[i] - '0');
      if (i % 2 == 0)
        out[i / 2] = (guint8) ((nibble << 4) | 0x0F);
      else
        out[i / 2] = (guint8) ((out[i / 2] & 0xF0) | nibble);
    }
}

/* DeviceCapabilities from the configuration's DER contents: each [n] VersionType field sets release n. */
static void
parse_device_capabilities (EsipaDeviceInfo *info, GBytes *contents)
{
  DerReader reader;
  DerTlv field;

  der_reader_init (&reader, g_bytes_get_data (contents, NULL), g_bytes_get_size (contents));
  while (!der_reader_at_end (&reader) && der_reader_next (&reader, &field, NULL))
    {
      guint n = field.tag & 0x1F;
      if ((field.tag & 0xE0) != 0x80 || n >= ESIPA_DEVCAP_N_RELEASES || field.length != 3)
        continue;
      info->releases_present |= 1u << n;
      info->releases[n].major = field.value[0];
      info->releases[n].minor = field.value[1];
      info->releases[n].revision = field.value[2];
    }
}

static void
setup_device_profile (DaemonEngine *engine)
{
  const DaemonConfig *config = engine->config;

  engine->device.ipa_features = config->device_ipa_features;  /* same bit order as EsipaIpaFeature */
  /* Direct download needs the CI certificates the SM-DP+ TLS is checked against: without them announcing it
   * would have the eIM expect what cannot work. */
  if ((engine->device.ipa_features & ESIPA_IPA_FEATURE_DIRECT_RSP_SERVER) != 0 && engine->ci == NULL)
    {
      g_message ("[Device] IpaFeatures: directRspServerCommunication not announced: no GSMA CI certificates "
                 "([Download] CiCertificates=), so profiles are downloaded through the eIM");
      engine->device.ipa_features &= ~(guint32) ESIPA_IPA_FEATURE_DIRECT_RSP_SERVER;
    }
  engine->device.ipa_supported_protocols = ESIPA_IPA_PROTOCOL_RETRIEVE_HTTPS;
  if (config->device_tac == NULL)
    return;
  pack_digits (config->device_tac, engine->device_info.tac, sizeof engine->device_info.tac);
  if (config->device_imei != NULL)
    {
      engine->device_info.has_imei = TRUE;
      pack_digits (config->device_imei, engine->device_info.imei, sizeof engine->device_info.imei);
    }
  if (config->device_capabilities != NULL)
    parse_device_capabilities (&engine->device_info, config->device_capabilities);
  engine->device.device_info = &engine->device_info;
}

/* ---- scheduling ------------------------------------------------------------------------------------------- */

static void
save_schedule (DaemonEngine *engine)
{
  g_autoptr(GBytes) bytes = daemon_schedule_state_to_bytes (&engine->schedule);
  g_autoptr(GError) error = NULL;

  if (!daemon_store_write_file (engine->store, DAEMON_SCHEDULE_STATE_FILE, bytes, &error))
    {
      g_prefix_error (&error, "Saving the poll schedule: ");
      g_warning ("%s", error->message);
      note_storage_problem (engine, error->message);
    }
}

static void
load_schedule (DaemonEngine *engine)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = daemon_store_read_file (engine->store, DAEMON_SCHEDULE_STATE_FILE, &error);

  if (bytes == NULL)
    {
      if (!g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND))
        g_warning ("Reading the poll schedule: %s", error->message);
      return;
    }
  if (!daemon_schedule_state_from_bytes (&engine->schedule, bytes, &error))
    {
      g_warning ("The saved poll schedule %s/%s is damaged (%s): polling now", daemon_store_get_directory (engine->store),
                 DAEMON_SCHEDULE_STATE_FILE, error->message);
      daemon_schedule_state_clear (&engine->schedule);
      daemon_schedule_state_init (&engine->schedule);
    }
}

static void
arm_timer (DaemonEngine *engine)
{
  gint64 next = daemon_schedule_next_poll (&engine->schedule, g_get_real_time ());
  daemon_timer_arm_at (engine->timer, next);
}

static void
on_timer (gpointer user_data)
{
  daemon_engine_poll_now (user_data, NULL, NULL);
}

/* ---- the worker ------------------------------------------------------------------------------------------- */

static Job *
job_new (DaemonEngine *engine, JobKind kind)
{
  Job *job = g_new0 (Job, 1);

  job->engine = engine;
  job->kind = kind;
  job->waiters = g_array_new (FALSE, FALSE, sizeof (PollWaiter));
  return job;
}

/* Answers the callers once. */
static void
job_complete (Job *job, const GError *error)
{
  if (job->completed)
    return;
  job->completed = TRUE;
  for (guint i = 0; i < job->waiters->len; i++)
    {
      PollWaiter *w = &g_array_index (job->waiters, PollWaiter, i);
      w->func (job->engine, error, w->user_data);
    }
  if (job->add_done != NULL)
    job->add_done (job->engine, job->has_association_token, job->association_token, error, job->add_user_data);
  if (job->download_done != NULL)
    job->download_done (job->engine, error == NULL ? &job->download_outcome : NULL, error, job->download_user_data);
}

static void
job_free (Job *job)
{
  if (!job->completed && job->ran)
    job_complete (job, job->error);
  else if (!job->completed)
    {
      g_autoptr(GError) error = g_error_new (EUICCD_ERROR, EUICCD_ERROR_FAILED,
                                             "euiccd is stopping; the request was not carried out");
      job_complete (job, error);
    }
  g_array_unref (job->waiters);
  g_clear_pointer (&job->eim, es10_eim_configuration_free);
  g_free (job->iccid);
  g_free (job->nickname);
  g_clear_pointer (&job->download, daemon_download_request_free);
  daemon_download_outcome_clear (&job->download_outcome);
  g_clear_error (&job->error);
  g_free (job);
}
EUICCD_DEFINE_DESTROY_NOTIFY (job_free, Job)

/* A download the device asked for, relayed by the first eIM euiccd polls. */
static gboolean
run_download (DaemonEngine *engine, const DaemonDownloadRequest *request, DaemonDownloadOutcome *outcome,
              GError **error)
{
  const Es10EimConfigurationList *eims;
  const Es10EimConfiguration *eim = NULL;
  g_autoptr(HttpsExchange) https = NULL;
  g_autoptr(EsipaClient) esipa = NULL;
  g_autoptr(Es10ProfileInstallationResult) result = NULL;
  g_autoptr(Es10PendingNotification) notification = NULL;
  g_autofree gchar *detail = NULL;
  g_autoptr(GError) local_error = NULL;
  IpaDeviceDownload download = { 0 };
  DaemonHistoryEntry entry = { .operation = (gchar *) "profileDownload" };
  DaemonState before = daemon_engine_get_state (engine);
  gboolean ok;

  if (!daemon_card_refresh (engine->card, error))
    {
      daemon_card_close (engine->card);
      daemon_card_forget (engine->card);
      set_state (engine, DAEMON_STATE_NO_CARD);
      return FALSE;
    }
  eims = daemon_card_get_eims (engine->card);
  for (guint i = 0; i < eims->eims->len && eim == NULL; i++)
    if (eim_is_pollable (engine, g_ptr_array_index (eims->eims, i)))
      eim = g_ptr_array_index (eims->eims, i);
  if (eim == NULL && engine->ci == NULL)
    {
      daemon_card_close (engine->card);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "No way to the SM-DP+: no GSMA CI certificates "
                   "for a direct download ([Download] CiCertificates=) and no eIM to relay it");
      return FALSE;
    }
  /* Direct when the SM-DP+ TLS can be checked; else the eIM relays. */
  if (engine->ci == NULL)
    esipa = begin_esipa (engine, eim, &https, error);
  download.session = engine->ci != NULL || esipa != NULL ? daemon_card_session_open (engine->card, error) : NULL;
  if (download.session == NULL)
    {
      daemon_card_close (engine->card);
      return FALSE;
    }
  set_state (engine, DAEMON_STATE_DOWNLOADING);
  if (eim == NULL && !ipa_download_recover_device (download.session, &engine->rsp_access,
                                                   &engine->downloads.journal, &local_error))
    g_warning ("%s", local_error->message);
  g_clear_error (&local_error);
  download.rsp = engine->ci != NULL ? &engine->rsp_access : NULL;
  download.esipa = esipa;
  /* The eIM whose exchange finishes a download a crash cut short; none: nobody does (logged at the restart). */
  download.eim_id = eim != NULL ? eim->eim_id : NULL;
  download.journal = &engine->downloads.journal;
  download.device_info = engine->device.device_info;
  download.minimize_esipa_bytes = (engine->device.ipa_features & ESIPA_IPA_FEATURE_MINIMIZE_ESIPA_BYTES) != 0;
  download.eim_holdings = eim != NULL ? &flags_for (engine, eim->eim_id)->holdings : NULL;
  download.eid = daemon_card_get_eid (engine->card);
  download.step = on_step;
  download.step_data = engine;
  entry.eim_id = eim != NULL ? eim->eim_id : NULL;
  ok = ipa_download_by_device (&download, request->code, request->confirmation_code, &result, error);
  if (ok)
    {
      outcome->installed = result->success;
      notification = es10_pending_notification_decode (g_bytes_get_data (result->raw, NULL),
                                                       g_bytes_get_size (result->raw), NULL);
      if (notification != NULL)
        outcome->iccid = g_strdup (notification->iccid);
      outcome->bpp_command_id = result->bpp_command_id;
      outcome->error_reason = result->error_reason;
      if (!result->success)
        detail = g_strdup_printf ("the eUICC refused the package: bppCommandId %" G_GINT64_FORMAT ", errorReason %"
                                  G_GINT64_FORMAT, result->bpp_command_id, result->error_reason);
      entry.result = (gchar *) (result->success ? "installed" : "installFailed");
      entry.detail = detail;
    }
  else
    {
      entry.result = (gchar *) "failed";
      entry.detail = (*error)->message;
    }
  entry.time = g_get_real_time ();
  record_history (engine, &entry);
  post_to_main (engine, announce_outcome, daemon_history_entry_copy (&entry), daemon_history_entry_free_notify);
  if (ok && result->success)
    {
      /* The new profile: the objects show it, and every eIM hears of it at its next poll. */
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, engine->eim_flags);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          ((EimFlags *) value)->notify = TRUE;
          ((EimFlags *) value)->cause = ESIPA_STATE_CHANGE_LOCAL;
        }
      save_eim_flags (engine);
      daemon_card_invalidate (engine->card);
      if (engine->read_details && !daemon_card_refresh (engine->card, NULL))
        g_warning ("Reading the eUICC after the download failed");
    }
  daemon_card_close (engine->card);
  set_state (engine, before);
  post_to_main (engine, end_download_progress, (gpointer) (ok && result->success ? "installed" : "failed"), NULL);
  return ok;
}

static gboolean
run_refresh (DaemonEngine *engine, GError **error)
{
  GHashTableIter iter;
  gpointer value;
  gboolean ok;

  daemon_card_invalidate (engine->card);
  ok = daemon_card_refresh (engine->card, error);
  note_card_support (engine);
  if (ok)
    report_card_skipped (engine);
  daemon_card_close (engine->card);
  if (!ok)
    {
      daemon_card_forget (engine->card);
      set_state (engine, DAEMON_STATE_NO_CARD);
      return FALSE;
    }
  /* It may be another card, or one changed behind the daemon's back: the next poll looks for what it holds. */
  g_hash_table_iter_init (&iter, engine->eim_flags);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((EimFlags *) value)->card_pending = IPA_PENDING_ALL;
  return TRUE;
}

static const gchar *
add_initial_eim_error_name (gint64 code)
{
  switch (code)
    {
    case 1: return "insufficientMemory";
    case 2: return "associatedEimAlreadyExists";
    case 3: return "ciPKUnknown";
    case 5: return "invalidAssociationToken";
    case 6: return "counterValueOutOfRange";
    case 7: return "commandError";
    case 127: return "undefinedError";
    default: return "unknown";
    }
}

static gboolean
run_add_initial_eim (DaemonEngine *engine, Job *job, GError **error)
{
  g_autoptr(Es10AddInitialEimResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  const Es10EimConfiguration *eims[1] = { job->eim };
  IsdrSession *session;

  session = daemon_card_session_open (engine->card, error);
  if (session != NULL && !daemon_card_refresh (engine->card, &local_error))
    g_clear_error (&local_error);  /* the card's answer to AddInitialEim tells */
  if (session != NULL && daemon_card_get_sgp22_eims (engine->card) != NULL)
    {
      /* A consumer eUICC cannot hold the eIM: euiccd keeps it, checking its CI as the eUICC would. */
      g_autoptr(Es10EuiccInfo1) info1 = NULL;
      gboolean ok;

      if (job->eim->euicc_ci_pkid != NULL && !es10_get_euicc_info1 (session, &info1, &local_error))
        g_warning ("AddInitialEim: reading the consumer eUICC's CIs: %s", local_error->message);
      ok = daemon_sgp22_eims_add_initial (daemon_card_get_sgp22_eims (engine->card), job->eim,
                                          info1 != NULL ? info1->ci_pkids_signing : NULL,
                                          &job->has_association_token, &job->association_token, error);
      if (ok)
        g_message ("AddInitialEim: eIM %s kept by euiccd for the consumer eUICC", job->eim->eim_id);
      daemon_card_invalidate (engine->card);
      daemon_card_close (engine->card);
      return ok;
    }
  if (session == NULL || !es10_add_initial_eim (session, eims, 1, &result, error))
    {
      daemon_card_close (engine->card);
      return FALSE;
    }
  if (result->has_error)
    {
      daemon_card_close (engine->card);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "AddInitialEim: the eUICC refused with %s(%" G_GINT64_FORMAT
                   ")%s", add_initial_eim_error_name (result->error_code), result->error_code,
                   result->error_code == 2 ? ": it already has an eIM; further eIMs are added by that eIM with an "
                                             "addEim eCO" : "");
      return FALSE;
    }
  if (result->entries != NULL && result->entries->len > 0)
    {
      const Es10AddInitialEimEntry *entry = &g_array_index (result->entries, Es10AddInitialEimEntry, 0);
      job->has_association_token = entry->has_association_token;
      job->association_token = entry->association_token;
    }
  g_message ("AddInitialEim: eIM %s added", job->eim->eim_id);
  /* The new configuration is read in the same session. */
  daemon_card_invalidate (engine->card);
  if (!daemon_card_refresh (engine->card, &local_error))
    g_warning ("Reading the eUICC after AddInitialEim: %s", local_error->message);
  else
    report_card_skipped (engine);
  daemon_card_close (engine->card);
  return TRUE;
}

/* ExecuteFallbackMechanism, ReturnFromFallback, Enable/DisableEmergencyProfile asked for by an admin. */
static gboolean
run_switch (DaemonEngine *engine, Es10Switch which, GError **error)
{
  g_autoptr(Es10SwitchResponse) response = NULL;
  g_autoptr(GError) local_error = NULL;
  /* stateChangeCause: fallback(1) or emergencyProfile(2). */
  gint64 cause = which == ES10_SWITCH_ENABLE_EMERGENCY || which == ES10_SWITCH_DISABLE_EMERGENCY ? 2 : 1;
  const Es10EimConfigurationList *eims;
  GHashTableIter iter;
  gpointer value;
  IsdrSession *session;

  session = daemon_card_session_open (engine->card, error);
  /* refreshFlag TRUE: the modem has to attach with the profile now enabled, which it does after a REFRESH. */
  if (session != NULL)
    response = es10_switch (session, which, TRUE, error);
  if (response == NULL)
    {
      daemon_card_close (engine->card);
      return FALSE;
    }
  if (response->result != 0)
    {
      const gchar *name = es10_switch_result_name (which, response->result);

      daemon_card_close (engine->card);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "%s: the eUICC answered %s(%" G_GINT64_FORMAT ")",
                   es10_switch_name (which), name != NULL ? name : "unknown", response->result);
      return FALSE;
    }
  g_message ("%s done", es10_switch_name (which));
  daemon_card_invalidate (engine->card);
  if (!daemon_card_refresh (engine->card, &local_error))
    g_warning ("Reading the eUICC after %s: %s", es10_switch_name (which), local_error->message);
  /* Every eIM hears of the change at its next poll (notifyStateChange with the cause), with the notifications
   * the switch made. */
  eims = daemon_card_get_eims (engine->card);
  for (guint i = 0; eims != NULL && eims->eims != NULL && i < eims->eims->len; i++)
    flags_for (engine, ((const Es10EimConfiguration *) g_ptr_array_index (eims->eims, i))->eim_id);
  g_hash_table_iter_init (&iter, engine->eim_flags);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ((EimFlags *) value)->notify = TRUE;
      ((EimFlags *) value)->cause = cause;
      ((EimFlags *) value)->card_pending |= IPA_PENDING_NOTIFICATIONS;
    }
  save_eim_flags (engine);
  daemon_card_close (engine->card);
  return TRUE;
}

static gboolean
run_ipae_activation (DaemonEngine *engine, Job *job, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 result = -1;
  IsdrSession *session;

  session = daemon_card_session_open (engine->card, error);
  if (session == NULL || !es10_ipae_activation (session, job->activate_ipae, &result, error))
    {
      daemon_card_close (engine->card);
      return FALSE;
    }
  if (result != ES10_IPAE_ACTIVATION_OK)
    {
      daemon_card_close (engine->card);
      g_set_error (error, EUICCD_ERROR, result == ES10_IPAE_ACTIVATION_NOT_SUPPORTED ? EUICCD_ERROR_NOT_SUPPORTED
                                                                                    : EUICCD_ERROR_CARD,
                   "IpaeActivation: the eUICC answered %s(%" G_GINT64_FORMAT ")",
                   result == ES10_IPAE_ACTIVATION_NOT_SUPPORTED ? "notSupported: it has no IPAe" : "unknown", result);
      return FALSE;
    }
  g_message ("IpaeActivation: the eUICC's IPAe is %s", job->activate_ipae ? "activated" : "deactivated");
  /* EUICCInfo2's ipaMode says which IPA is active now; read it in the same session. */
  daemon_card_invalidate (engine->card);
  if (!daemon_card_refresh (engine->card, &local_error))
    g_warning ("Reading the eUICC after IpaeActivation: %s", local_error->message);
  note_card_support (engine);
  daemon_card_close (engine->card);
  return TRUE;
}

static const gchar *
set_nickname_result_name (gint64 result)
{
  switch (result)
    {
    case 1: return "iccidNotFound";
    case 127: return "undefinedError";
    default: return "unknown";
    }
}

/* ES10c SetNickname asked for by an admin: SGP.32 has no PSMO for it, so no eIM ever asks. Recorded in the
 * history without the ICCID or the nickname. */
static gboolean
run_set_nickname (DaemonEngine *engine, Job *job, GError **error)
{
  DaemonHistoryEntry entry = { .time = g_get_real_time (), .operation = (gchar *) "setNickname",
                               .result = (gchar *) "ok" };
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *shown = daemon_log_redact (job->iccid);
  g_autofree gchar *detail = NULL;
  gint64 result = -1;
  IsdrSession *session;

  session = daemon_card_session_open (engine->card, error);
  if (session == NULL)
    {
      daemon_card_close (engine->card);
      return FALSE;
    }
  if (!es10_set_nickname (session, job->iccid, job->nickname, &result, &local_error))
    {
      if (isdr_session_refused_as_unknown (session, local_error))
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "SetNickname: the eUICC does not offer "
                       "ES10c SetNickname (status word %04X); an SGP.32 IoT eUICC has no ES10c",
                       isdr_session_get_last_status_word (session));
          entry.result = (gchar *) "notSupported";
          record_history (engine, &entry);
        }
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      daemon_card_close (engine->card);
      return FALSE;
    }
  if (result != 0)
    {
      daemon_card_close (engine->card);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "SetNickname: the eUICC answered %s(%" G_GINT64_FORMAT
                   ")%s", set_nickname_result_name (result), result,
                   result == 1 ? ": it holds no profile with this ICCID" : "");
      entry.result = (gchar *) set_nickname_result_name (result);
      record_history (engine, &entry);
      return FALSE;
    }
  g_message ("SetNickname: the nickname of profile %s is set", shown);
  if (daemon_log_get_personal_data ())
    g_info ("SetNickname: profile %s is now called '%s'", shown, job->nickname);
  detail = g_strdup_printf ("profile nickname %s by an administrator", job->nickname[0] != '\0' ? "set" : "cleared");
  entry.detail = detail;
  record_history (engine, &entry);
  /* The Profile object's Nickname comes from the profile list: read it in the same session. */
  daemon_card_invalidate (engine->card);
  if (!daemon_card_refresh (engine->card, &local_error))
    g_warning ("Reading the eUICC after SetNickname: %s", local_error->message);
  else
    report_card_skipped (engine);
  daemon_card_close (engine->card);
  return TRUE;
}

static void start_next_job (DaemonEngine *engine);

/* The main loop shows what the worker read last; it is the worker's to change only while a job runs. */
static void
publish_facts (DaemonEngine *engine)
{
  DaemonCardFacts *facts = daemon_card_get_facts (engine->card);

  if (facts == engine->facts)
    return;
  g_clear_pointer (&engine->facts, daemon_card_facts_unref);
  engine->facts = facts != NULL ? daemon_card_facts_ref (facts) : NULL;
  if (engine->listener.card_changed != NULL)
    engine->listener.card_changed (engine, engine->facts, engine->listener_data);
}

static void
poll_finished (DaemonEngine *engine, Job *job)
{
  gint64 now = g_get_real_time ();

  if (job->error == NULL)
    daemon_schedule_record_success (&engine->schedule, &engine->policy, now, engine->rand);
  else
    daemon_schedule_record_failure (&engine->schedule, &engine->policy, job->error->message,
                                    engine->last_retry_after_s >= 0 ? engine->last_retry_after_s * G_USEC_PER_SEC : -1,
                                    now, engine->rand);
  save_schedule (engine);
  end_storage_check (engine);
  engine->last_poll_packages = job->packages;
#ifdef HAVE_MALLOC_TRIM
  /* A poll's TLS and HTTP buffers are freed by now, and the next poll is hours away: give the pages back
   * (glibc keeps freed heap memory otherwise, in the worker thread's arena as in the main one). */
  malloc_trim (0);
#endif

  g_mutex_lock (&engine->lock);
  if (job->error == NULL)
    engine->state = DAEMON_STATE_IDLE;
  else if (engine->state != DAEMON_STATE_NO_CARD)
    engine->state = DAEMON_STATE_BACKOFF;
  g_mutex_unlock (&engine->lock);

  if (job->error == NULL)
    g_message ("Poll finished; next in %" G_GINT64_FORMAT " s",
               (daemon_schedule_next_poll (&engine->schedule, now) - now) / G_USEC_PER_SEC);
  else
    g_warning ("Poll failed: %s; next try in %" G_GINT64_FORMAT " s", job->error->message,
               (daemon_schedule_next_poll (&engine->schedule, now) - now) / G_USEC_PER_SEC);
  arm_timer (engine);
}

static void
job_finished (DaemonEngine *engine, gpointer data)
{
  Job *job = data;

  g_thread_join (engine->worker);
  engine->worker = NULL;
  engine->current = NULL;

  if (job->kind == JOB_POLL)
    poll_finished (engine, job);
  else if (job->error == NULL)
    {
      g_mutex_lock (&engine->lock);
      if (engine->state == DAEMON_STATE_NO_CARD)
        engine->state = DAEMON_STATE_IDLE;
      g_mutex_unlock (&engine->lock);
    }
  publish_facts (engine);
  notify_changed (engine, NULL);
  job_complete (job, job->error);
  /* job_free runs when this call returns (the posted call owns the job). */
  start_next_job (engine);
}

static gpointer
job_thread (gpointer user_data)
{
  Job *job = user_data;
  DaemonEngine *engine = job->engine;

  switch (job->kind)
    {
    case JOB_POLL:
      engine->poll_packages = 0;
      daemon_engine_poll_blocking (engine, &job->error);
      job->packages = engine->poll_packages;
      break;
    case JOB_REFRESH:
      run_refresh (engine, &job->error);
      break;
    case JOB_ADD_INITIAL_EIM:
      run_add_initial_eim (engine, job, &job->error);
      break;
    case JOB_IPAE_ACTIVATION:
      run_ipae_activation (engine, job, &job->error);
      break;
    case JOB_DOWNLOAD:
      run_download (engine, job->download, &job->download_outcome, &job->error);
      /* The port is closed on every way out of the download: ModemManager gets the modem back, and reads the
       * SIM again when a profile came (ImmediateEnable may have enabled it). */
      if (engine->modem_manager != NULL)
        daemon_modem_manager_release (engine->modem_manager, job->download_outcome.installed);
      break;
    case JOB_SWITCH:
      if (run_switch (engine, job->switch_kind, &job->error) && job->switch_kind == ES10_SWITCH_RETURN_FROM_FALLBACK)
        {
          /* An admin ended the fallback: not euiccd's to end any more. */
          daemon_fallback_forget (&engine->fallback);
          save_fallback (engine);
        }
      break;
    case JOB_SET_NICKNAME:
      run_set_nickname (engine, job, &job->error);
      break;
    }
  job->ran = TRUE;
  post_to_main (engine, job_finished, job, job_free_notify);
  return NULL;
}

static void
start_next_job (DaemonEngine *engine)
{
  Job *job;

  if (engine->current != NULL || g_queue_is_empty (&engine->pending))
    return;
  job = g_queue_pop_head (&engine->pending);
  engine->current = job;
  if (job->kind == JOB_POLL)
    {
      daemon_timer_disarm (engine->timer);
      g_mutex_lock (&engine->lock);
      engine->state = DAEMON_STATE_POLLING;
      g_mutex_unlock (&engine->lock);
      notify_changed (engine, NULL);
    }
  engine->worker = g_thread_new ("euiccd-worker", job_thread, job);
}

/* The job of `kind` that has not started yet, to share. */
static Job *
find_pending (DaemonEngine *engine, JobKind kind)
{
  for (GList *l = engine->pending.head; l != NULL; l = l->next)
    if (((Job *) l->data)->kind == kind)
      return l->data;
  return NULL;
}

static void
queue_shared_job (DaemonEngine *engine, JobKind kind, gboolean share_running, DaemonPollDoneFunc done,
                  gpointer user_data)
{
  Job *job = NULL;

  if (share_running && engine->current != NULL && engine->current->kind == kind)
    job = engine->current;
  if (job == NULL)
    job = find_pending (engine, kind);
  if (job == NULL)
    {
      job = job_new (engine, kind);
      g_queue_push_tail (&engine->pending, job);
    }
  if (done != NULL)
    {
      PollWaiter w = { done, user_data };
      g_array_append_val (job->waiters, w);
    }
  start_next_job (engine);
}

void
daemon_engine_poll_now (DaemonEngine *engine, DaemonPollDoneFunc done, gpointer user_data)
{
  /* A running poll counts: it talks to the eIM now. */
  queue_shared_job (engine, JOB_POLL, TRUE, done, user_data);
}

static gchar *
resolve_through_modem_manager (guint *ret_slot, gpointer user_data, GError **error)
{
  return daemon_modem_manager_resolve (user_data, ret_slot, error);
}

void
daemon_engine_set_modem_manager (DaemonEngine *engine, DaemonModemManager *manager)
{
  engine->modem_manager = manager;
  daemon_card_set_resolver (engine->card, manager != NULL ? resolve_through_modem_manager : NULL, manager);
}

void
daemon_engine_refresh (DaemonEngine *engine, DaemonPollDoneFunc done, gpointer user_data)
{
  /* A running refresh may have read the card before what the caller wants to see: read again after it. */
  queue_shared_job (engine, JOB_REFRESH, FALSE, done, user_data);
}

void
daemon_engine_set_ipae_active (DaemonEngine *engine, gboolean activate, DaemonPollDoneFunc done, gpointer user_data)
{
  Job *job = job_new (engine, JOB_IPAE_ACTIVATION);
  PollWaiter w = { done, user_data };

  job->activate_ipae = activate;
  if (done != NULL)
    g_array_append_val (job->waiters, w);
  g_queue_push_tail (&engine->pending, job);
  start_next_job (engine);
}

void
daemon_engine_switch_profile (DaemonEngine *engine, Es10Switch which, DaemonPollDoneFunc done, gpointer user_data)
{
  Job *job = job_new (engine, JOB_SWITCH);
  PollWaiter w = { done, user_data };

  job->switch_kind = which;
  if (done != NULL)
    g_array_append_val (job->waiters, w);
  g_queue_push_tail (&engine->pending, job);
  start_next_job (engine);
}

void
daemon_engine_set_nickname (DaemonEngine *engine, const gchar *iccid, const gchar *nickname, DaemonPollDoneFunc done,
                            gpointer user_data)
{
  Job *job = job_new (engine, JOB_SET_NICKNAME);
  PollWaiter w = { done, user_data };

  job->iccid = g_strdup (iccid);
  job->nickname = g_strdup (nickname);
  if (done != NULL)
    g_array_append_val (job->waiters, w);
  g_queue_push_tail (&engine->pending, job);
  start_next_job (engine);
}

void
daemon_engine_add_initial_eim (DaemonEngine *engine, Es10EimConfiguration *eim, DaemonAddInitialEimDoneFunc done,
                               gpointer user_data)
{
  Job *job = job_new (engine, JOB_ADD_INITIAL_EIM);

  job->eim = eim;
  job->add_done = done;
  job->add_user_data = user_data;
  g_queue_push_tail (&engine->pending, job);
  start_next_job (engine);
}

void
daemon_engine_download (DaemonEngine *engine, DaemonDownloadRequest *request, DaemonDownloadDoneFunc done,
                        gpointer user_data)
{
  Job *job = job_new (engine, JOB_DOWNLOAD);

  job->download = request;
  job->download_done = done;
  job->download_user_data = user_data;
  g_queue_push_tail (&engine->pending, job);
  start_next_job (engine);
}

GPtrArray *
daemon_engine_get_history (DaemonEngine *engine, guint count)
{
  GPtrArray *history;

  g_mutex_lock (&engine->history_lock);
  history = daemon_store_history_list (engine->store);
  g_mutex_unlock (&engine->history_lock);
  if (count > 0 && history->len > count)
    g_ptr_array_remove_range (history, 0, history->len - count);
  return history;
}

/* ---- life cycle ------------------------------------------------------------------------------------------- */

DaemonEngine *
daemon_engine_new (DaemonConfig *config, DaemonStore *store, GMainContext *context, GError **error)
{
  g_autoptr(DaemonEngine) engine = g_new0 (DaemonEngine, 1);
  HttpsClientOptions https_options;
  const gchar *kill_at = g_getenv ("EUICCD_TEST_KILL_AT");

  engine->config = config;
  engine->store = store;
  daemon_download_journal_init (&engine->downloads, store, on_download_progress, engine);
  daemon_rollback_journal_init (&engine->rollback, store);
  engine->context = g_main_context_ref (context);
  g_mutex_init (&engine->lock);
  g_cond_init (&engine->stop_cond);
  g_mutex_init (&engine->history_lock);
  engine->eim_flags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) eim_flags_free);
  g_queue_init (&engine->pending);
  engine->posted = g_ptr_array_new_with_free_func (g_source_unref_notify);
  engine->rand = g_rand_new ();
  engine->last_retry_after_s = -1;
  engine->skipped = daemon_skipped_new ();
  engine->card = daemon_card_new (config);
  daemon_card_set_store (engine->card, store);
  daemon_schedule_policy_from_config (&engine->policy, config);
  daemon_schedule_state_init (&engine->schedule);
  engine->timer = daemon_timer_new (context, on_timer, engine);
  engine->ci = daemon_download_load_ci (config->download_ci_certificates);
  setup_device_profile (engine);

  https_client_options_init (&https_options);
  https_options.ca_file = config->eim_ca_file;
  https_options.use_system_ca = config->eim_use_system_ca;
  https_options.widen_euicc_trust = config->eim_widen_euicc_trust;
  https_options.proxy = config->eim_proxy;
  https_options.connect_timeout_ms = config->eim_connect_timeout_s * 1000;
  https_options.total_timeout_ms = config->eim_timeout_s * 1000;
  engine->https = https_client_new (&https_options, error);
  if (engine->https == NULL)
    return NULL;
  engine->rsp_access.https = engine->https;
  engine->rsp_access.ci = engine->ci;

  if (kill_at != NULL && kill_at[0] != '\0')
    {
      g_auto(GStrv) parts = g_strsplit (kill_at, ":", 2);
      engine->kill_step = g_strdup (parts[0]);
      engine->kill_countdown = parts[1] != NULL ? (guint) g_ascii_strtoull (parts[1], NULL, 10) : 1;
      if (engine->kill_countdown == 0)
        engine->kill_countdown = 1;
    }

  load_schedule (engine);
  load_eim_flags (engine);
  load_fallback (engine);
  return g_steal_pointer (&engine);
}

void
daemon_engine_free (DaemonEngine *engine)
{
  g_autoptr(GPtrArray) posted = NULL;
  Job *job;

  if (engine == NULL)
    return;
  /* A job waiting for the module to attach ends now instead of holding the stop for minutes. */
  g_mutex_lock (&engine->lock);
  engine->stopping = TRUE;
  g_cond_broadcast (&engine->stop_cond);
  g_mutex_unlock (&engine->lock);
  if (engine->worker != NULL)
    g_thread_join (engine->worker);
  /* Calls the worker posted and jobs not started: their callers hear that the daemon is stopping. */
  if (engine->posted != NULL)
    {
      g_mutex_lock (&engine->lock);
      posted = g_steal_pointer (&engine->posted);
      g_mutex_unlock (&engine->lock);
      for (guint i = 0; i < posted->len; i++)
        g_source_destroy (g_ptr_array_index (posted, i));
    }
  while ((job = g_queue_pop_head (&engine->pending)) != NULL)
    job_free (job);
  g_clear_pointer (&engine->facts, daemon_card_facts_unref);
  g_clear_pointer (&engine->timer, daemon_timer_free);
  g_clear_pointer (&engine->https, https_client_free);
  g_clear_pointer (&engine->ci, smdp_trust_store_free);
  g_clear_pointer (&engine->card, daemon_card_free);
  g_clear_pointer (&engine->eim_flags, g_hash_table_unref);
  g_clear_pointer (&engine->rand, g_rand_free);
  g_clear_pointer (&engine->skipped, daemon_skipped_free);
  g_clear_pointer (&engine->storage_problem, g_free);
  g_clear_pointer (&engine->card_problem, g_free);
  g_clear_pointer (&engine->context, g_main_context_unref);
  daemon_schedule_state_clear (&engine->schedule);
  g_mutex_clear (&engine->lock);
  g_cond_clear (&engine->stop_cond);
  g_mutex_clear (&engine->history_lock);
  g_free (engine->kill_step);
  g_free (engine);
}

void
daemon_engine_set_listener (DaemonEngine *engine, const DaemonEngineListener *listener, gpointer user_data)
{
  engine->listener = *listener;
  engine->listener_data = user_data;
}

void
daemon_engine_set_read_card_details (DaemonEngine *engine, gboolean read_details)
{
  engine->read_details = read_details;
  daemon_card_set_read_details (engine->card, read_details);
}

void
daemon_engine_start (DaemonEngine *engine)
{
  gint64 now = g_get_real_time ();

  /* The objects on the bus show the card from the start, whether or not a poll is due. */
  if (engine->read_details)
    daemon_engine_refresh (engine, NULL, NULL);
  daemon_schedule_state_sanitize (&engine->schedule, &engine->policy, now);
  if (engine->config->poll_on_start)
    daemon_schedule_request_poll (&engine->schedule, now);
  arm_timer (engine);
}

DaemonState
daemon_engine_get_state (const DaemonEngine *engine)
{
  return engine->state;
}

gint64
daemon_engine_get_next_poll (const DaemonEngine *engine)
{
  return daemon_timer_is_armed (engine->timer) ? daemon_timer_get_armed_at (engine->timer) : 0;
}

gint64
daemon_engine_get_last_poll (const DaemonEngine *engine)
{
  return engine->schedule.last_poll_at;
}

const gchar *
daemon_engine_get_last_error (const DaemonEngine *engine)
{
  return engine->schedule.last_error;
}

guint
daemon_engine_get_last_poll_packages (const DaemonEngine *engine)
{
  return engine->last_poll_packages;
}

DaemonCardFacts *
daemon_engine_get_card_facts (const DaemonEngine *engine)
{
  return engine->facts;
}

void
daemon_engine_get_card_counters (DaemonEngine *engine, guint *ret_apdus, guint *ret_channel_opens)
{
  daemon_card_get_counters (engine->card, ret_apdus, ret_channel_opens);
}

void
daemon_engine_get_https_stats (DaemonEngine *engine, HttpsStats *ret_stats)
{
  https_client_get_stats (engine->https, ret_stats);
}

guint
daemon_engine_get_skipped_items (DaemonEngine *engine)
{
  return daemon_skipped_count (engine->skipped);
}

gchar *
daemon_engine_dup_storage_problem (DaemonEngine *engine)
{
  gchar *problem;

  g_mutex_lock (&engine->lock);
  problem = g_strdup (engine->storage_problem);
  g_mutex_unlock (&engine->lock);
  return problem;
}

GPtrArray *
daemon_engine_list_dead_letters (DaemonEngine *engine, GError **error)
{
  return daemon_dead_letters_list (engine->store, error);
}

gboolean
daemon_engine_drop_dead_letter (DaemonEngine *engine, const gchar *id, GError **error)
{
  DaemonHistoryEntry entry = { .time = g_get_real_time (), .operation = (gchar *) "dropDeadLetter",
                               .result = (gchar *) "ok" };
  g_autofree gchar *detail = NULL;

  if (!daemon_dead_letters_drop (engine->store, id, error))
    return FALSE;
  g_message ("Dead letter %s dropped", id);
  detail = g_strdup_printf ("dead letter %s dropped by an administrator", id);
  entry.detail = detail;
  record_history (engine, &entry);
  return TRUE;
}
