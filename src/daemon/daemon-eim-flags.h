/* SPDX-License-Identifier: Apache-2.0 */
/* The per-eIM flags that survive a restart, kept in the state file "eim-flags": a key file with one group per
 * eIM id,
 *   [<eimId, with '%', '[', ']' and control characters as %XX>]
 *   NotifyStateChange=true
 *   StateChangeCause=<StateChangeCause number>
 * written whole by the engine through the store. Parsing is pure (bytes in, table out) and tolerant: a damaged
 * group is skipped with a warning and the others are kept. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DAEMON_EIM_FLAGS_FILE "eim-flags"

typedef struct {
  gboolean notify;  /* the next GetEimPackage to this eIM carries notifyStateChange */
  gint64 cause;     /* its stateChangeCause, 0..127 */
} DaemonEimFlags;

/* eim_id -> DaemonEimFlags (both freed with the table). EUICCD_ERROR_INVALID_DATA when the text is not a key
 * file at all. A group whose NotifyStateChange is not a boolean is skipped with a warning; a missing or
 * out-of-range StateChangeCause reads as undefined (127), so the eIM still hears that something changed. */
GHashTable *daemon_eim_flags_parse (const gchar *data, gsize length, GError **error);
/* The file's text for `flags` (eim_id -> DaemonEimFlags); only eIMs with notify set are written. */
GBytes *daemon_eim_flags_to_bytes (GHashTable *flags);

G_END_DECLS
