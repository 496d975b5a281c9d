/* SPDX-License-Identifier: Apache-2.0 */
/* The parts of the daemon loaded on first use ($(pkglibdir)/modules/NAME.so), as the transports are: a device
 * that never needs one never maps it. A module exports one descriptor, which begins with the version of the
 * build that made it; the daemon exports to the modules the functions they share with it (ld --dynamic-list)
 * and each module keeps its own copies of the code only it uses. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The directory modules are loaded from: $EUICCD_MODULE_DIR when set (tests run from the build tree), else the
 * one configure chose. */
const gchar *euiccd_module_dir (void);

/* The descriptor `symbol` of module `name` (e.g. "download": download.so), loaded now and kept for the life of
 * the process, or NULL with EUICCD_ERROR_NOT_SUPPORTED naming the file and what was wrong: missing, not
 * loadable, or from another version. `what` names the part for messages ("Profile download"). The descriptor's
 * first member is a `const gchar *` with the PACKAGE_VERSION of the module's build; the caller checks the sizes
 * of the structures it shares. Not thread-safe: callers keep the descriptor under their own lock. */
gconstpointer euiccd_module_load (const gchar *name, const gchar *what, const gchar *symbol, GError **error);

G_END_DECLS
