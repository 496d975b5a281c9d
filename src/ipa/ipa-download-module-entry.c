/* SPDX-License-Identifier: Apache-2.0 */
/* The descriptor the profile download module exports (ipa-download-module.h); everything else in it is local. */
#include "config.h"

#include "ipa/ipa-download-module.h"

extern const IpaDownloadModule ipa_download_module;

const IpaDownloadModule ipa_download_module = {
  .header = { PACKAGE_VERSION, IPA_DOWNLOAD_MODULE_SHARED_SIZES },
  .run_download_trigger = ipa_run_download_trigger,
  .recover_for_eim = ipa_download_recover_for_eim,
  .download_by_device = ipa_download_by_device,
  .recover_device = ipa_download_recover_device,
};
