/* SPDX-License-Identifier: Apache-2.0 */
/* The crash record of an enable with rollbackFlag (ipa-rollback.c): written before LoadEuiccPackage, removed once
 * the eIM was reached over the new profile or the rollback is done, so a restart in between takes the rollback
 * decision up where it stopped instead of waiting forever over a profile without coverage. A small key file, so a
 * person can read what was cut short. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gchar *eim_id;                  /* the eIM whose package enabled the profile */
  GBytes *eim_transaction_id;     /* the package's; NULL when it had none (counter_value names it then) */
  gint64 counter_value;           /* the package's counterValue */
  gchar *operation;               /* "psmo:enable,...", as the history names the package */
  gint64 since_s;                 /* Unix time the wait for the eIM over the new profile began */
} IpaRollbackRecord;

void ipa_rollback_record_free (IpaRollbackRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IpaRollbackRecord, ipa_rollback_record_free)
GBytes *ipa_rollback_record_encode (const IpaRollbackRecord *record);
/* EUICCD_ERROR_INVALID_DATA naming what is wrong with a record that is not one of this form. */
IpaRollbackRecord *ipa_rollback_record_decode (GBytes *bytes, GError **error);

/* Where the one record lives (the eUICC holds at most one rollback). */
typedef struct {
  /* Writes the record; must be on disk when it returns. */
  gboolean (*save) (gpointer user_data, GBytes *record, GError **error);
  /* The record, or NULL: with EUICCD_ERROR_NOT_FOUND when there is none. */
  GBytes *(*load) (gpointer user_data, GError **error);
  gboolean (*remove) (gpointer user_data, GError **error);
  gpointer user_data;
} IpaRollbackJournal;

G_END_DECLS
