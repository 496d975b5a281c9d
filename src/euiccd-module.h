/* SPDX-License-Identifier: Apache-2.0 */
/* The parts of the daemon loaded on first use ($(pkglibdir)/modules/NAME.so), as the transports are: a device
 * that never needs one never maps it. A module exports one descriptor, which begins with an EuiccdModuleHeader;
 * the daemon exports to the modules the functions they share with it (ld --dynamic-list) and each module keeps
 * its own copies of the code only it uses. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The directory modules are loaded from: $EUICCD_MODULE_DIR when set (tests run from the build tree), else the
 * one configure chose. */
const gchar *euiccd_module_dir (void);

/* What every module's descriptor begins with. The sizes let the daemon refuse a module from another build of
 * the same version, whose structures would not match: version numbers alone miss a local change. */
#define EUICCD_MODULE_SHARED_MAX 3
typedef struct {
  const gchar *version;                         /* PACKAGE_VERSION of the build that made it */
  gsize shared_sizes[EUICCD_MODULE_SHARED_MAX]; /* sizeof the structures it shares with the daemon; 0 where unused */
} EuiccdModuleHeader;

/* One module as the daemon knows it (a static of the file that loads it): the file, and the sizes it must have
 * been built with. */
typedef struct {
  const gchar *name;                            /* "download": download.so */
  const gchar *what;                            /* names the part in messages ("Profile download") */
  const gchar *symbol;                          /* its descriptor, which begins with an EuiccdModuleHeader */
  gsize shared_sizes[EUICCD_MODULE_SHARED_MAX];
  GMutex lock;
  gconstpointer descriptor;                     /* once loaded, for the life of the process */
} EuiccdModule;

/* The module's descriptor, loaded at the first call and kept; from any thread. NULL with
 * EUICCD_ERROR_NOT_SUPPORTED naming the file and what was wrong (missing, not loadable, from another version or
 * build); a later call tries again. */
gconstpointer euiccd_module_get (EuiccdModule *module, GError **error);

G_END_DECLS
