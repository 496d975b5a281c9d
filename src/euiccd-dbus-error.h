/* SPDX-License-Identifier: Apache-2.0 */
/* euiccd's error domain on the bus: every EUICCD_ERROR_* code travels as org.euiccd.Euiccd1.Error.<Name>, and
 * comes back as the same code on the client side (euiccctl), so both ends speak of the same errors. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EUICCD_DBUS_ERROR_PREFIX "org.euiccd.Euiccd1.Error."

/* Registers the names with GDBus (once per process; later calls do nothing). */
void euiccd_dbus_error_register (void);

/* The D-Bus error name of an EUICCD_ERROR code, e.g. "org.euiccd.Euiccd1.Error.Card"; NULL for a code that
 * is not one. */
const gchar *euiccd_dbus_error_name (gint code);

G_END_DECLS
