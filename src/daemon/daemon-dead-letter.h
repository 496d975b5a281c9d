/* SPDX-License-Identifier: Apache-2.0 */
/* Dead letters: what an eIM refused for good (an HTTP 4xx other than 408 and 429, a JSON Failed or Expired, a
 * provideEimPackageResultError), and stored results that can no longer be read. Retrying them would fail the
 * same way forever and deleting them would lose them silently, so each is kept in dead-letter/<id>.json, with
 * what it was and why it was refused, until an administrator drops it. No personal data is added, and nothing
 * from the eIM's answer is quoted. Written by the state directory's rules (atomic, fsynced). */
#pragma once

#include <glib.h>

#include "daemon/daemon-store.h"

G_BEGIN_DECLS

/* Each text field is cut to this many bytes. */
#define DAEMON_DEAD_LETTER_FIELD_MAX 256

typedef struct {
  gchar *id;              /* the file name without ".json": "<µs>-<4 hex digits>" */
  gint64 time;            /* wall-clock µs when it was set aside */
  gchar *eim_id;
  gchar *transaction_id;  /* eimTransactionId in hex, NULL when unknown */
  gchar *kind;            /* "packageResult", "notification", "storedResult" */
  gchar *reason;          /* why: "HTTP 403", "the eIM answered Failed", ... */
  GBytes *content;        /* what was refused, as it would have been sent or as it was stored */
} DaemonDeadLetter;

void daemon_dead_letter_free (DaemonDeadLetter *letter);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonDeadLetter, daemon_dead_letter_free)

/* The file's contents and back; the parser takes the file as hostile and names what is wrong. */
GBytes *daemon_dead_letter_to_bytes (const DaemonDeadLetter *letter);
DaemonDeadLetter *daemon_dead_letter_from_bytes (GBytes *bytes, const gchar *id, GError **error);

/* Stores a new dead letter (id and time are chosen here; the other fields are copied); returns its id. */
gchar *daemon_dead_letters_put (DaemonStore *store, const gchar *eim_id, const gchar *transaction_id,
                                const gchar *kind, const gchar *reason, GBytes *content, GError **error);
/* Every dead letter, oldest first (DaemonDeadLetter). A damaged file is moved to corrupt/ with a warning. */
GPtrArray *daemon_dead_letters_list (DaemonStore *store, GError **error);
/* EUICCD_ERROR_NOT_FOUND when there is no such dead letter, EUICCD_ERROR_INVALID_ARGS for a malformed id. */
gboolean daemon_dead_letters_drop (DaemonStore *store, const gchar *id, GError **error);

G_END_DECLS
