/* SPDX-License-Identifier: Apache-2.0 */
/* Each transport lives in a loadable module ($(pkglibdir)/transports/SCHEME.so) that links its own modem
 * library, so a daemon on a QMI modem never maps libmbim or pcsc-lite, and a package can leave out the
 * transports a device does not need. A module exports one descriptor; the functions it uses from the daemon
 * (card_*, der_*, euiccd_error_*, euiccd_log_*) are exported by the programs
 * (card-transport-host.list). */
#pragma once

#include "card/card-transport.h"

G_BEGIN_DECLS

typedef CardTransport *(*CardTransportOpenFunc) (const gchar *device, const CardTransportOptions *options,
                                                 GError **error);

/* The module and the program must agree on the structures they share: a module from another build of
 * euiccd (another version, or structures of another size) is refused instead of corrupting memory. */
typedef struct {
  const gchar *version;        /* PACKAGE_VERSION of the build that made it */
  gsize transport_size;        /* sizeof (CardTransport) */
  gsize options_size;          /* sizeof (CardTransportOptions) */
  const gchar *scheme;         /* "qmi", "mbim", "pcsc", "at" */
  CardTransportOpenFunc open;
  /* The modem library's trace switches, which then follow the log policy (NULL: none). */
  void (*apply_log_policy) (gboolean show_personal_info, gboolean traces_enabled);
} CardTransportModule;

#define CARD_TRANSPORT_MODULE_SYMBOL "card_transport_module"

/* The directory modules are loaded from: $EUICCD_TRANSPORT_DIR when set (tests run from the build tree),
 * else the one configure chose. */
const gchar *card_transport_module_dir (void);

/* The open function of the scheme's module, loading the module on first use (it then stays loaded: the
 * modem libraries register GTypes and cannot be unloaded). Thread-safe. */
CardTransportOpenFunc card_transport_module_load (const gchar *scheme, GError **error);

G_END_DECLS
