/* SPDX-License-Identifier: Apache-2.0 */
/* The SGP.22 mode's handling of eUICC packages (ipa-sgp22-package.c: checked by euiccd, run with ES10c) lives in a
 * module loaded on first use ($(pkglibdir)/modules/sgp22.so, euiccd-module.h): a device with an SGP.32 eUICC never
 * maps it. The daemon links ipa-sgp22-module.c, whose ipa_sgp22_run_euicc_package() loads the module and calls
 * it; the library and the unit tests keep the code itself. */
#pragma once

#include "euiccd-module.h"
#include "ipa/ipa-private.h"

G_BEGIN_DECLS

/* The module and the daemon share the exchange's structures: a module from another build is refused. */
typedef struct {
  EuiccdModuleHeader header;         /* shared_sizes: IPA_SGP22_MODULE_SHARED_SIZES */
  gboolean (*run_euicc_package) (IpaExchange *exchange, const EsipaEimPackage *package, GError **error);
} IpaSgp22Module;

#define IPA_SGP22_MODULE_SYMBOL "ipa_sgp22_module"
#define IPA_SGP22_MODULE_NAME "sgp22"
#define IPA_SGP22_MODULE_SHARED_SIZES { sizeof (IpaExchange), sizeof (EsipaEimPackage) }

G_END_DECLS
