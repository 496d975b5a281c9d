/* SPDX-License-Identifier: Apache-2.0 */
/* ES10b eIM configuration functions of SGP.32: GetEimConfigurationData (where the eIMs are and how to trust them)
 * and AddInitialEim (the first eIM, on an eUICC that has none). */
#pragma once

#include <glib.h>

#include "card/es10-types.h"
#include "card/isdr-session.h"

G_BEGIN_DECLS

/* GetEimConfigurationDataRequest (BF55); eim_id NULL: every eIM (BF5500). Fails on an eimId of 0 or more than
 * 128 bytes. */
GBytes *es10_get_eim_configuration_data_encode (const gchar *eim_id, GError **error);
Es10EimConfigurationList *es10_get_eim_configuration_data_decode (const guint8 *data, gsize length, GError **error);
gboolean es10_get_eim_configuration_data (IsdrSession *session, const gchar *eim_id,
                                          Es10EimConfigurationList **ret_list, GError **error);

/* One EimConfigurationData SEQUENCE (30) TLV, e.g. from an addEim eCO. */
Es10EimConfiguration *es10_eim_configuration_decode (const guint8 *data, gsize length, GError **error);
/* Appends one EimConfigurationData (30) TLV to `buffer`; fails on a missing or oversized eimId or key data that
 * is not a DER SEQUENCE. */
gboolean es10_eim_configuration_encode (const Es10EimConfiguration *eim, GByteArray *buffer, GError **error);

/* AddInitialEimRequest (BF57) with every configuration given. */
GBytes *es10_add_initial_eim_encode (const Es10EimConfiguration *const *eims, gsize n_eims, GError **error);
Es10AddInitialEimResult *es10_add_initial_eim_decode (const guint8 *data, gsize length, GError **error);
gboolean es10_add_initial_eim (IsdrSession *session, const Es10EimConfiguration *const *eims, gsize n_eims,
                               Es10AddInitialEimResult **ret_result, GError **error);

G_END_DECLS
