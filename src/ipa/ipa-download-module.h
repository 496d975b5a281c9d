/* SPDX-License-Identifier: Apache-2.0 */
/* Profile download lives in a module loaded on first use ($(pkglibdir)/modules/download.so, euiccd-module.h):
 * a device that never downloads a profile never maps its ES9+/ES11 clients, the Bound Profile Package steps and
 * the recovery of a session cut short. The daemon links ipa-download-module.c, whose functions of the
 * same names as the module's (ipa-download.h, ipa-private.h) load the module and call it; the library and the
 * unit tests keep the code itself. */
#pragma once

#include "euiccd-module.h"
#include "ipa/ipa-private.h"

G_BEGIN_DECLS

/* The module and the daemon share the exchange's structures: a module from another build (another version,
 * or structures of another size) is refused instead of corrupting memory. */
typedef struct {
  EuiccdModuleHeader header;         /* shared_sizes: IPA_DOWNLOAD_MODULE_SHARED_SIZES */
  gboolean (*run_download_trigger) (IpaExchange *exchange, const EsipaEimPackage *package, GError **error);
  gboolean (*recover_for_eim) (IpaExchange *exchange, GError **error);
  gboolean (*download_by_device) (const IpaDeviceDownload *request, const IpaActivationCode *code,
                                  const gchar *confirmation_code, Es10ProfileInstallationResult **ret_result,
                                  GError **error);
  gboolean (*recover_device) (IsdrSession *session, const IpaRspAccess *access, const IpaDownloadJournal *journal,
                              GError **error);
} IpaDownloadModule;

#define IPA_DOWNLOAD_MODULE_SYMBOL "ipa_download_module"
#define IPA_DOWNLOAD_MODULE_NAME "download"
#define IPA_DOWNLOAD_MODULE_SHARED_SIZES { sizeof (IpaExchange), sizeof (IpaDeviceDownload), sizeof (EsipaEimPackage) }

G_END_DECLS
