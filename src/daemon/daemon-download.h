/* SPDX-License-Identifier: Apache-2.0 */
/* Profile downloads as the daemon keeps them: the session record in the state directory (so that a session a
 * crash cut short is cancelled after the restart) and the progress of the download running now. */
#pragma once

#include "daemon/daemon-store.h"
#include "ipa/ipa-download.h"

G_BEGIN_DECLS

/* The state file of the session in progress. */
#define DAEMON_DOWNLOAD_SESSION_FILE "download-session"

/* A download asked for over D-Bus. */
typedef struct {
  IpaActivationCode *code;
  gchar *confirmation_code;           /* NULL: none */
} DaemonDownloadRequest;

void daemon_download_request_free (DaemonDownloadRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonDownloadRequest, daemon_download_request_free)

/* How it ended, when the eUICC gave a result. */
typedef struct {
  gboolean installed;
  gchar *iccid;                       /* NULL when the result named none */
  gint64 bpp_command_id;              /* !installed: the BPP command the eUICC refused, and why */
  gint64 error_reason;
} DaemonDownloadOutcome;

void daemon_download_outcome_clear (DaemonDownloadOutcome *outcome);

/* Where the download in progress stands (D-Bus DownloadProgress). */
typedef struct {
  gboolean active;
  const gchar *phase;                 /* ipa_download_phase_to_string(), or "installed" / "failed" at the end;
                                       * NULL before any download */
  guint64 loaded;
  guint64 total;
} DaemonDownloadProgress;

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

/* The GSMA CI certificates at `path` for direct download; NULL (logged) when there are none or they cannot be
 * used: profiles are then downloaded through the eIM. */
SmdpTrustStore *daemon_download_load_ci (const gchar *path);

G_END_DECLS
