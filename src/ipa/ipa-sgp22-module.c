/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's side of the SGP.22 mode's module (ipa-sgp22-module.h): an eUICC package for a consumer eUICC loads
 * the module on first use. Linked into the daemon only, ahead of the library, so that the library's own code
 * stays out of the program. Without the module the exchange fails naming the missing file; the package stays
 * with the eIM. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include "euiccd-module.h"
#include "ipa/ipa-sgp22-module.h"

static EuiccdModule module_file = {
  .name = IPA_SGP22_MODULE_NAME, .what = "The SGP.22 mode",
  .symbol = IPA_SGP22_MODULE_SYMBOL, .shared_sizes = IPA_SGP22_MODULE_SHARED_SIZES,
};

static const IpaSgp22Module *
load (GError **error)
{
  return euiccd_module_get (&module_file, error);
}

gboolean
ipa_sgp22_run_euicc_package (IpaExchange *exchange, const EsipaEimPackage *package, GError **error)
{
  const IpaSgp22Module *module = load (error);

  return module != NULL && module->run_euicc_package (exchange, package, error);
}
