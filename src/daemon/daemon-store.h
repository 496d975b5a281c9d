/* SPDX-License-Identifier: Apache-2.0 */
/* The durable state in StateDirectory (mode 0700, files 0600):
 *   outbox/<eIM>.<key>.msg
 *                     results the eUICC does not keep and an eIM has not acknowledged yet, keyed by eIM and key
 *                     (the eIM id escaped, daemon_store_escape_name()); each file framed
 *                     with its eIM, creation time, length and a SHA-256, so a truncated or damaged file is
 *                     recognised, moved to corrupt/ and skipped instead of being sent or stopping the daemon
 *   <name>            small state files (the scheduler state, cached card facts) written whole
 *   history           the last N eIM package outcomes, one JSON object a line, oldest first
 *   dead-letter/      items an eIM refused for good, kept for a person to look at and drop
 *                     (daemon-dead-letter.h)
 *   corrupt/          files found damaged, kept for a human to look at
 * Every write is atomic: a temporary file in the same directory, write, fsync, rename, fsync of the
 * directory. A power cut leaves the old file or the new one, never half of one; leftover temporary files
 * are removed when the store is opened. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DAEMON_STORE_MAX_KEY_LENGTH 128
#define DAEMON_STORE_MAX_EIM_ID_LENGTH 128
#define DAEMON_STORE_MAX_MESSAGE_SIZE (4 * 1024 * 1024)
#define DAEMON_STORE_MAX_FILE_SIZE (1024 * 1024)
#define DAEMON_STORE_DEFAULT_HISTORY_SIZE 100
#define DAEMON_STORE_DEAD_LETTER_FOLDER "dead-letter"

typedef struct _DaemonStore DaemonStore;

/* Creates `directory` (and parents) when absent, tightens it to 0700, removes leftover temporary files and
 * loads the history (damaged lines are skipped with a warning). `history_size` bounds the history (>= 1). */
DaemonStore *daemon_store_open (const gchar *directory, guint history_size, GError **error);
void daemon_store_free (DaemonStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonStore, daemon_store_free)
const gchar *daemon_store_get_directory (const DaemonStore *store);

/* Keys and file names: 1..128 of [A-Za-z0-9._-], not starting with '.', so they can never name another
 * path. */
gboolean daemon_store_name_is_valid (const gchar *name);

/* Any text (an eIM id: UTF-8 from the eUICC or an eIM) as a name part that is safe in a file name or a key
 * file group: A-Z a-z 0-9 and '-' kept, every other byte as _XX (upper-case hex). Reversible:
 * daemon_store_unescape_name() gives the text back, or NULL for a name that is not such an escape (or is
 * empty, holds a NUL byte or is not UTF-8). */
gchar *daemon_store_escape_name (const gchar *text);
gchar *daemon_store_unescape_name (const gchar *name);

/* ---- outbox ---- */
typedef struct {
  gchar *eim_id;     /* the eIM the message is for */
  gchar *key;        /* the caller's key, e.g. the eimTransactionId in hex */
  GBytes *message;   /* the bytes to deliver */
  gint64 created;    /* wall-clock µs when it was put */
} DaemonOutboxEntry;

void daemon_outbox_entry_free (DaemonOutboxEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonOutboxEntry, daemon_outbox_entry_free)

/* Stores `message` for `eim_id` under `key`, replacing an entry with the same eIM and key (another eIM's
 * entry with the same key is another entry). `eim_id` is 1..128 bytes of UTF-8, any characters; `message` at
 * most DAEMON_STORE_MAX_MESSAGE_SIZE. Files that older versions named by the key alone are renamed when the
 * store is opened, and read as they are when that fails. */
gboolean daemon_store_outbox_put (DaemonStore *store, const gchar *eim_id, const gchar *key, GBytes *message,
                                  GError **error);

/* Every entry, oldest first (DaemonOutboxEntry, freed with the array). Damaged files are moved to corrupt/
 * and skipped; a message naming each of them is logged with g_warning and, when `ret_problems` is not NULL,
 * returned there (a GPtrArray of strings, empty when all was well). Fails only when the outbox itself cannot
 * be read. */
GPtrArray *daemon_store_outbox_list (DaemonStore *store, GPtrArray **ret_problems, GError **error);

/* Removes the entry of `eim_id` with `key`: EUICCD_ERROR_NOT_FOUND when there is none. */
gboolean daemon_store_outbox_remove (DaemonStore *store, const gchar *eim_id, const gchar *key, GError **error);

/* The outbox file parser behind daemon_store_outbox_list(), on bytes already read from the file `file_name`
 * ("<escaped eIM id>.<key>.msg", or "<key>.msg" as older versions named it). EUICCD_ERROR_INVALID_DATA naming
 * what is wrong (truncated, checksum, a field, an eIM id or key that is not the name's). */
DaemonOutboxEntry *daemon_store_parse_outbox_entry (GBytes *bytes, const gchar *file_name, GError **error);

/* ---- small state files ---- */
/* Whole-file atomic write of at most DAEMON_STORE_MAX_FILE_SIZE bytes. */
gboolean daemon_store_write_file (DaemonStore *store, const gchar *name, GBytes *contents, GError **error);
/* EUICCD_ERROR_NOT_FOUND when the file does not exist (a first start), EUICCD_ERROR_INVALID_DATA when it
 * is larger than DAEMON_STORE_MAX_FILE_SIZE. */
GBytes *daemon_store_read_file (DaemonStore *store, const gchar *name, GError **error);
/* Removing a file that does not exist is not an error. */
gboolean daemon_store_remove_file (DaemonStore *store, const gchar *name, GError **error);
/* Moves a damaged state file to corrupt/; returns where it went, NULL when it could not be moved (warned). */
gchar *daemon_store_set_aside_file (DaemonStore *store, const gchar *name);

/* ---- history of eIM package outcomes ---- */
typedef struct {
  gint64 time;            /* wall-clock µs when the package finished */
  gchar *eim_id;          /* NULL when unknown */
  gchar *transaction_id;  /* eimTransactionId in hex, NULL when the package had none */
  gchar *operation;       /* what the package asked: "profileDownload", "enable", "eimConfiguration", ... */
  gchar *result;          /* "ok" or the error's name or code: "iccidNotFound", "network", ... */
  gchar *detail;          /* a human sentence, no personal data; NULL for none */
} DaemonHistoryEntry;

DaemonHistoryEntry *daemon_history_entry_copy (const DaemonHistoryEntry *entry);
void daemon_history_entry_free (DaemonHistoryEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonHistoryEntry, daemon_history_entry_free)

/* Appends `entry` (copied; operation and result are required) and drops the oldest beyond the bound; the
 * file is rewritten atomically before this returns. */
gboolean daemon_store_history_append (DaemonStore *store, const DaemonHistoryEntry *entry, GError **error);
/* A copy of the history, oldest first (DaemonHistoryEntry, freed with the array). */
GPtrArray *daemon_store_history_list (DaemonStore *store);
/* The history file's parser, on its contents: one JSON object a line, oldest first. Damaged lines are skipped
 * with a warning naming `origin` and the line number; at most the newest `history_size` (>= 1) are kept.
 * Returns the entries (DaemonHistoryEntry, freed with the array). */
GPtrArray *daemon_store_parse_history (const gchar *data, gsize length, const gchar *origin, guint history_size);

/* ---- files in a folder of the state directory (dead-letter/), written by the same rules ---- */
/* `folder` and `name` as daemon_store_name_is_valid() says; the folder is made (0700) on first write. */
gboolean daemon_store_folder_write (DaemonStore *store, const gchar *folder, const gchar *name, GBytes *contents,
                                    GError **error);
/* NOT_FOUND when absent, INVALID_DATA when larger than `max`. */
GBytes *daemon_store_folder_read (DaemonStore *store, const gchar *folder, const gchar *name, gsize max,
                                  GError **error);
/* NOT_FOUND when absent. */
gboolean daemon_store_folder_remove (DaemonStore *store, const gchar *folder, const gchar *name, GError **error);
/* The file names in the folder (writes in progress left out), sorted; empty when the folder does not exist. */
GPtrArray *daemon_store_folder_list (DaemonStore *store, const gchar *folder, GError **error);
/* Moves a damaged file to corrupt/; returns where it went, NULL when it could not be moved. */
gchar *daemon_store_folder_set_aside (DaemonStore *store, const gchar *folder, const gchar *name);

G_END_DECLS
