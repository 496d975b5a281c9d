/* SPDX-License-Identifier: Apache-2.0 */
/* The profile download session record in the state directory (see daemon-download.h). */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include <string.h>

#include "daemon/daemon-download.h"


static gboolean
journal_save (gpointer user_data, GBytes *record, GError **error)
{
  DaemonDownloadJournal *target = user_data;
  return daemon_store_write_file (target->store, DAEMON_DOWNLOAD_SESSION_FILE, record, error);
}

static GBytes *
journal_load (gpointer user_data, GError **error)
{
  DaemonDownloadJournal *target = user_data;
  return daemon_store_read_file (target->store, DAEMON_DOWNLOAD_SESSION_FILE, error);
}

static gboolean
journal_remove (gpointer user_data, GError **error)
{
  DaemonDownloadJournal *target = user_data;
  return daemon_store_remove_file (target->store, DAEMON_DOWNLOAD_SESSION_FILE, error);
}

static void
journal_progress (IpaDownloadPhase phase, gsize loaded, gsize total, gpointer user_data)
{
  DaemonDownloadJournal *target = user_data;

  g_debug ("download %s %zu/%zu", ipa_download_phase_to_string (phase), loaded, total);
  if (target->progress != NULL)
    target->progress (phase, loaded, total, target->progress_data);
}

void
daemon_download_journal_init (DaemonDownloadJournal *self, DaemonStore *store, DaemonDownloadProgressFunc progress,
                              gpointer progress_data)
{
  self->store = store;
  self->progress = progress;
  self->progress_data = progress_data;
  self->journal.save = journal_save;
  self->journal.load = journal_load;
  self->journal.remove = journal_remove;
  self->journal.progress = journal_progress;
  self->journal.user_data = self;
}

void
daemon_download_request_free (DaemonDownloadRequest *request)
{
  if (request == NULL)
    return;
  ipa_activation_code_free (request->code);
  if (request->confirmation_code != NULL)
    memset (request->confirmation_code, 0, strlen (request->confirmation_code));
  g_free (request->confirmation_code);
  g_free (request);
}

void
daemon_download_outcome_clear (DaemonDownloadOutcome *outcome)
{
  g_clear_pointer (&outcome->iccid, g_free);
}

SmdpTrustStore *
daemon_download_load_ci (const gchar *path)
{
  g_autoptr(GError) error = NULL;
  SmdpTrustStore *store;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_message ("No GSMA CI certificates at %s: profiles are downloaded through the eIM",
                 path != NULL ? path : "(none)");
      return NULL;
    }
  store = smdp_trust_store_load (path, &error);
  if (store == NULL)
    {
      g_warning ("%s; profiles are downloaded through the eIM", error->message);
      return NULL;
    }
  g_message ("Direct profile download: %u GSMA CI certificate(s) from %s", smdp_trust_store_get_size (store), path);
  return store;
}
