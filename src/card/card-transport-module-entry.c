/* SPDX-License-Identifier: Apache-2.0 */
/* The descriptor every transport module exports; compiled once per module with CARD_MODULE_SCHEME and
 * CARD_MODULE_OPEN naming its scheme and its open function (src/card/Makefile.inc). */
#include "config.h"

#include "card/card-transport-module.h"

/* The modem libraries trace whole messages, APDUs included: the daemon's log policy decides. */
#if defined(CARD_MODULE_QMI)
#include <libqmi-glib.h>

static void
apply_log_policy (gboolean show_personal_info, gboolean traces_enabled)
{
  qmi_utils_set_show_personal_info (show_personal_info);
  qmi_utils_set_traces_enabled (traces_enabled);
}
#define CARD_MODULE_LOG_POLICY apply_log_policy
#elif defined(CARD_MODULE_MBIM)
#include <libmbim-glib.h>

static void
apply_log_policy (gboolean show_personal_info, gboolean traces_enabled)
{
  mbim_utils_set_show_personal_info (show_personal_info);
  mbim_utils_set_traces_enabled (traces_enabled);
}
#define CARD_MODULE_LOG_POLICY apply_log_policy
#else
#define CARD_MODULE_LOG_POLICY NULL
#endif

#if !defined(CARD_MODULE_SCHEME) || !defined(CARD_MODULE_OPEN)
#error "CARD_MODULE_SCHEME and CARD_MODULE_OPEN name the module's transport"
#endif

extern const CardTransportModule card_transport_module;

const CardTransportModule card_transport_module = {
  .version = PACKAGE_VERSION,
  .transport_size = sizeof (CardTransport),
  .options_size = sizeof (CardTransportOptions),
  .scheme = CARD_MODULE_SCHEME,
  .open = CARD_MODULE_OPEN,
  .apply_log_policy = CARD_MODULE_LOG_POLICY,
};
