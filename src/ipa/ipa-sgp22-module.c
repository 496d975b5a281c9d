/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's side of the SGP.22 mode's module (ipa-sgp22-module.h): an eUICC package for a consumer eUICC loads
 * the module on first use. Linked into the daemon only, ahead of the library, so that the library's own code
 * stays out of the program. Without the module the exchange fails naming the missing file; the package stays
 * with the eIM. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "euiccd-error.h"
#include "euiccd-module.h"
#include "ipa/ipa-sgp22-module.h"

static GMutex module_lock;
static const IpaSgp22Module *loaded;  /* kept for the life of the process */

static const IpaSgp22Module *
load (GError **error)
{
  const IpaSgp22Module *module;

  g_mutex_lock (&module_lock);
  if (loaded == NULL)
    {
      module = euiccd_module_load (IPA_SGP22_MODULE_NAME, "The SGP.22 mode", IPA_SGP22_MODULE_SYMBOL, error);
      if (module != NULL && (module->exchange_size != sizeof (IpaExchange)
                             || module->package_size != sizeof (EsipaEimPackage)))
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "The SGP.22 mode: the module in %s was built "
                     "for another euiccd (its structures differ)", euiccd_module_dir ());
      else
        loaded = module;
    }
  module = loaded;
  g_mutex_unlock (&module_lock);
  return module;
}

gboolean
ipa_sgp22_run_euicc_package (IpaExchange *exchange, const EsipaEimPackage *package, GError **error)
{
  const IpaSgp22Module *module = load (error);

  return module != NULL && module->run_euicc_package (exchange, package, error);
}
