/* SPDX-License-Identifier: Apache-2.0 */
/* The rollback record in the state directory (see daemon-rollback.h). */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include "daemon/daemon-rollback.h"

static gboolean
journal_save (gpointer user_data, GBytes *record, GError **error)
{
  return daemon_store_write_file (user_data, DAEMON_ROLLBACK_FILE, record, error);
}

static GBytes *
journal_load (gpointer user_data, GError **error)
{
  return daemon_store_read_file (user_data, DAEMON_ROLLBACK_FILE, error);
}

static gboolean
journal_remove (gpointer user_data, GError **error)
{
  return daemon_store_remove_file (user_data, DAEMON_ROLLBACK_FILE, error);
}

void
daemon_rollback_journal_init (IpaRollbackJournal *journal, DaemonStore *store)
{
  journal->save = journal_save;
  journal->load = journal_load;
  journal->remove = journal_remove;
  journal->user_data = store;
}
