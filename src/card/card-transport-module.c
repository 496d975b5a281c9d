/* SPDX-License-Identifier: Apache-2.0 */
/* Loads a transport's module when a device URI first names its scheme. Only then are the modem library and
 * what it needs mapped: a QMI device costs libqmi, never libmbim or pcsc-lite. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <gmodule.h>
#include <string.h>

#include "card/card-transport-module.h"
#include "euiccd-error.h"
#include "euiccd-log-policy.h"

#define TRANSPORT_DIR_ENV "EUICCD_TRANSPORT_DIR"

typedef struct {
  const gchar *scheme;
  gboolean configured;  /* built by this build's configure (config.h WITH_*) */
  CardTransportOpenFunc open;
  GModule *module;      /* kept: a loaded module stays for the life of the process */
} LoadedModule;

static GMutex modules_lock;
static LoadedModule modules[] = {
#ifdef WITH_QMI
  { "qmi", TRUE, NULL, NULL },
#else
  { "qmi", FALSE, NULL, NULL },
#endif
#ifdef WITH_MBIM
  { "mbim", TRUE, NULL, NULL },
#else
  { "mbim", FALSE, NULL, NULL },
#endif
#ifdef WITH_PCSC
  { "pcsc", TRUE, NULL, NULL },
#else
  { "pcsc", FALSE, NULL, NULL },
#endif
#ifdef WITH_AT
  { "at", TRUE, NULL, NULL },
#else
  { "at", FALSE, NULL, NULL },
#endif
};

const gchar *
card_transport_module_dir (void)
{
  const gchar *dir = g_getenv (TRANSPORT_DIR_ENV);

  return dir != NULL && *dir != '\0' ? dir : EUICCD_TRANSPORTDIR;
}

static const CardTransportModule *
module_descriptor (const gchar *scheme, const gchar *path, GModule **ret_module, GError **error)
{
  GModule *module;
  gpointer symbol = NULL;
  const CardTransportModule *descriptor;

  /* Local binding: two modules' private copies of a helper never meet. Immediate binding: a module that
   * needs a symbol this program lacks is refused here, not when a card is half-way through a command. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "Transport '%s': cannot load %s: %s", scheme,
                   path, g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, CARD_TRANSPORT_MODULE_SYMBOL, &symbol) || symbol == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED,
                   "Transport '%s': %s is not a euiccd transport module (no %s)", scheme, path,
                   CARD_TRANSPORT_MODULE_SYMBOL);
      g_module_close (module);
      return NULL;
    }
  descriptor = symbol;
  if (g_strcmp0 (descriptor->version, PACKAGE_VERSION) != 0 || descriptor->transport_size != sizeof (CardTransport)
      || descriptor->options_size != sizeof (CardTransportOptions) || g_strcmp0 (descriptor->scheme, scheme) != 0
      || descriptor->open == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED,
                   "Transport '%s': %s was built for another euiccd (version %s, scheme %s; this is %s)", scheme,
                   path, descriptor->version != NULL ? descriptor->version : "?",
                   descriptor->scheme != NULL ? descriptor->scheme : "?", PACKAGE_VERSION);
      g_module_close (module);
      return NULL;
    }
  /* Never closed: libqmi and libmbim register GTypes, which cannot be unregistered. */
  g_module_make_resident (module);
  if (descriptor->apply_log_policy != NULL)
    euiccd_log_policy_add_library (descriptor->apply_log_policy);
  g_debug ("transport '%s' loaded from %s", scheme, path);
  *ret_module = module;
  return descriptor;
}

CardTransportOpenFunc
card_transport_module_load (const gchar *scheme, GError **error)
{
  LoadedModule *entry = NULL;
  g_autofree gchar *file = NULL;
  g_autofree gchar *path = NULL;
  const CardTransportModule *descriptor;
  CardTransportOpenFunc open;

  for (gsize i = 0; i < G_N_ELEMENTS (modules); i++)
    if (strcmp (modules[i].scheme, scheme) == 0)
      entry = &modules[i];
  if (entry == NULL || !entry->configured)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED, "Transport '%s' is not built into this euiccd",
                   scheme);
      return NULL;
    }

  g_mutex_lock (&modules_lock);
  if (entry->open != NULL)
    {
      open = entry->open;
      g_mutex_unlock (&modules_lock);
      return open;
    }
  file = g_strconcat (scheme, ".so", NULL);
  path = g_build_filename (card_transport_module_dir (), file, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_mutex_unlock (&modules_lock);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_SUPPORTED,
                   "Transport '%s' is built but not installed: no module %s (set %s to load modules from elsewhere)",
                   scheme, path, TRANSPORT_DIR_ENV);
      return NULL;
    }
  descriptor = module_descriptor (scheme, path, &entry->module, error);
  if (descriptor != NULL)
    entry->open = descriptor->open;
  open = entry->open;
  g_mutex_unlock (&modules_lock);
  return open;
}
