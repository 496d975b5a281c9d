/* SPDX-License-Identifier: Apache-2.0 */
/* Loading the modules of euiccd-module.h. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include <string.h>

#include <gmodule.h>

#include "euiccd-error.h"
#include "euiccd-module.h"

#define MODULE_DIR_ENV "EUICCD_MODULE_DIR"

const gchar *
euiccd_module_dir (void)
{
  const gchar *dir = g_getenv (MODULE_DIR_ENV);

  return dir != NULL && *dir != '\0' ? dir : EUICCD_MODULEDIR;
}

static gconstpointer
load (const gchar *name, const gchar *what, const gchar *symbol, GError **error)
{
  g_autofree gchar *file = g_strconcat (name, ".so", NULL);
  g_autofree gchar *path = g_build_filename (euiccd_module_dir (), file, NULL);
  GModule *module;
  gpointer descriptor = NULL;
  const gchar *version;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "%s is not installed: no module %s (set %s to "
                   "load it from elsewhere)", what, path, MODULE_DIR_ENV);
      return NULL;
    }
  /* Local binding: the module's copies of the helpers only it uses never meet another module's. Immediate
   * binding: a module needing a function this program does not export is refused here, not half-way through. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "%s: cannot load %s: %s", what, path,
                   g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, symbol, &descriptor) || descriptor == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "%s: %s is not a euiccd module (no %s)", what,
                   path, symbol);
      g_module_close (module);
      return NULL;
    }
  version = ((const EuiccdModuleHeader *) descriptor)->version;
  if (g_strcmp0 (version, PACKAGE_VERSION) != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "%s: %s was built for another euiccd (version "
                   "%s; this is %s)", what, path, version != NULL ? version : "?", PACKAGE_VERSION);
      g_module_close (module);
      return NULL;
    }
  g_module_make_resident (module);
  g_debug ("%s loaded from %s", what, path);
  return descriptor;
}

gconstpointer
euiccd_module_get (EuiccdModule *module, GError **error)
{
  gconstpointer descriptor;

  g_mutex_lock (&module->lock);
  if (module->descriptor == NULL)
    {
      descriptor = load (module->name, module->what, module->symbol, error);
      if (descriptor != NULL && memcmp (((const EuiccdModuleHeader *) descriptor)->shared_sizes, module->shared_sizes,
                                        sizeof module->shared_sizes) != 0)
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "%s: the module in %s was built for another "
                     "euiccd (its structures differ)", module->what, euiccd_module_dir ());
      else
        module->descriptor = descriptor;
    }
  descriptor = module->descriptor;
  g_mutex_unlock (&module->lock);
  return descriptor;
}
