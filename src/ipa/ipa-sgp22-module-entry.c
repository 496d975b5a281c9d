/* SPDX-License-Identifier: Apache-2.0 */
/* The descriptor the SGP.22 mode's module exports (ipa-sgp22-module.h); everything else in it is local. */
#include "config.h"

#include "ipa/ipa-sgp22-module.h"

extern const IpaSgp22Module ipa_sgp22_module;

const IpaSgp22Module ipa_sgp22_module = {
  .header = { PACKAGE_VERSION, IPA_SGP22_MODULE_SHARED_SIZES },
  .run_euicc_package = ipa_sgp22_run_euicc_package,
};
