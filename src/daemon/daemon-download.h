/* SPDX-License-Identifier: Apache-2.0 */
/* Profile downloads as the daemon keeps them: the session record in the state directory (so that a session a
 * crash cut short is cancelled after the restart) and the progress of the download running now. */
#pragma once

#include "daemon/daemon-store.h"
#include "ipa/ipa-download.h"

G_BEGIN_DECLS

/* The state file of the session in progress. */
#define DAEMON_DOWNLOAD_SESSION_FILE "download-session"

typedef void (*DaemonDownloadProgressFunc) (IpaDownloadPhase phase, gsize loaded, gsize total, gpointer user_data);

/* A journal writing DAEMON_DOWNLOAD_SESSION_FILE in the store; `journal` is what the procedures take. */
typedef struct {
  IpaDownloadJournal journal;
  DaemonStore *store;                 /* borrowed */
  DaemonDownloadProgressFunc progress;  /* may be NULL */
  gpointer progress_data;
} DaemonDownloadJournal;

void daemon_download_journal_init (DaemonDownloadJournal *self, DaemonStore *store,
                                   DaemonDownloadProgressFunc progress, gpointer progress_data);

G_END_DECLS
