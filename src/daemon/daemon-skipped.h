/* SPDX-License-Identifier: Apache-2.0 */
/* The entries of the eUICC's lists (profiles, notifications, eIM configurations) that could not be decoded and
 * were left out. The same bad entry comes back at every read of its list; it is reported once (a log line, a
 * history entry) and counted once, for as long as the daemon runs. Safe to use from the worker and the main
 * loop. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DaemonSkipped DaemonSkipped;

DaemonSkipped *daemon_skipped_new (void);
void daemon_skipped_free (DaemonSkipped *skipped);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonSkipped, daemon_skipped_free)

/* Records an entry of `list` left out; TRUE the first time this entry (its list and bytes) is seen. */
gboolean daemon_skipped_note (DaemonSkipped *skipped, const gchar *list, GBytes *raw);
/* Distinct entries left out since start. */
guint daemon_skipped_count (DaemonSkipped *skipped);

G_END_DECLS
