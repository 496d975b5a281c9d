/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's side of the profile download module (ipa-download-module.h): the download entry points load
 * the module on first use and call it. Linked into the daemon only, ahead of the library, so that the
 * library's own download code stays out of the program. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include <gmodule.h>

#include "euiccd-error.h"
#include "ipa/ipa-context.h"
#include "ipa/ipa-download-module.h"
#include "net/esipa-asn1.h"

#define MODULE_DIR_ENV "EUICCD_MODULE_DIR"

static GMutex module_lock;
static const IpaDownloadModule *loaded;  /* the module stays loaded for the life of the process */

const gchar *
ipa_download_module_dir (void)
{
  const gchar *dir = g_getenv (MODULE_DIR_ENV);

  return dir != NULL && *dir != '\0' ? dir : EUICCD_MODULEDIR;
}

static const IpaDownloadModule *
open_module (const gchar *path, GError **error)
{
  GModule *module;
  gpointer symbol = NULL;
  const IpaDownloadModule *descriptor;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "Profile download is not installed: no module %s "
                   "(set %s to load it from elsewhere)", path, MODULE_DIR_ENV);
      return NULL;
    }
  /* Local binding: the module's copies of the helpers only it uses never meet the daemon's. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "Profile download: cannot load %s: %s", path,
                   g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, IPA_DOWNLOAD_MODULE_SYMBOL, &symbol) || symbol == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "Profile download: %s is not a euiccd module "
                   "(no %s)", path, IPA_DOWNLOAD_MODULE_SYMBOL);
      g_module_close (module);
      return NULL;
    }
  descriptor = symbol;
  if (g_strcmp0 (descriptor->version, PACKAGE_VERSION) != 0 || descriptor->exchange_size != sizeof (IpaExchange)
      || descriptor->device_download_size != sizeof (IpaDeviceDownload)
      || descriptor->package_size != sizeof (EsipaEimPackage))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "Profile download: %s was built for another "
                   "euiccd (version %s; this is %s)", path, descriptor->version != NULL ? descriptor->version : "?",
                   PACKAGE_VERSION);
      g_module_close (module);
      return NULL;
    }
  g_module_make_resident (module);
  g_debug ("profile download loaded from %s", path);
  return descriptor;
}

static const IpaDownloadModule *
load (GError **error)
{
  g_autofree gchar *path = NULL;
  const IpaDownloadModule *module;

  g_mutex_lock (&module_lock);
  if (loaded == NULL)
    {
      path = g_build_filename (ipa_download_module_dir (), IPA_DOWNLOAD_MODULE_FILE, NULL);
      loaded = open_module (path, error);
    }
  module = loaded;
  g_mutex_unlock (&module_lock);
  return module;
}

/* Whether the journal holds a session record: only then is there something to recover, and the module needed. */
static gboolean
journal_has_record (const IpaDownloadJournal *journal)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (journal == NULL)
    return FALSE;
  bytes = journal->load (journal->user_data, &error);
  return bytes != NULL || !g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND);
}

gboolean
ipa_run_download_trigger (IpaExchange *exchange, const EsipaEimPackage *package, GError **error)
{
  const EsipaProfileDownloadTrigger *trigger = package->download_trigger;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) result_tlv = NULL;
  g_autoptr(EsipaProvideResultResponse) response = NULL;
  const IpaDownloadModule *module = load (&local_error);
  EsipaEimPackageResult answer = { 0 };

  if (module != NULL)
    return module->run_download_trigger (exchange, package, error);
  /* The eIM learns at once, as of any download that failed before the eUICC gave a result. */
  g_warning ("eIM %s: profile download failed: %s", exchange->eim->eim_id, local_error->message);
  ipa_exchange_report (exchange, trigger->eim_transaction_id, "profileDownload", "failed", local_error->message);
  result_tlv = esipa_asn1_encode_profile_download_error (trigger->eim_transaction_id,
                                                         ESIPA_PROFILE_DOWNLOAD_ERROR_UNDEFINED, NULL, error);
  if (result_tlv == NULL)
    return FALSE;
  answer.eid = exchange->eid;
  answer.kind = ESIPA_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT;
  answer.profile_download_trigger_result = result_tlv;
  return ipa_send_durable_result (exchange, &answer, trigger->eim_transaction_id, &response, error);
}

gboolean
ipa_download_recover_for_eim (IpaExchange *exchange, GError **error)
{
  const IpaDownloadModule *module;

  if (!journal_has_record (exchange->download_journal))
    return TRUE;
  module = load (error);
  return module != NULL && module->recover_for_eim (exchange, error);
}

gboolean
ipa_download_by_device (const IpaDeviceDownload *request, const IpaActivationCode *code,
                        const gchar *confirmation_code, Es10ProfileInstallationResult **ret_result, GError **error)
{
  const IpaDownloadModule *module = load (error);

  return module != NULL && module->download_by_device (request, code, confirmation_code, ret_result, error);
}

gboolean
ipa_download_recover_device (IsdrSession *session, const IpaRspAccess *access, const IpaDownloadJournal *journal,
                             GError **error)
{
  const IpaDownloadModule *module;

  if (access == NULL || !journal_has_record (journal))
    return TRUE;
  module = load (error);
  return module != NULL && module->recover_device (session, access, journal, error);
}
