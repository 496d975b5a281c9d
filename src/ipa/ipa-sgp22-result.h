/* SPDX-License-Identifier: Apache-2.0 */
/* The EuiccPackageResult (BF51) euiccd makes for a consumer (SGP.22) eUICC, in SGP.32's forms. It cannot sign as
 * the eUICC: the signed forms carry an empty signature (5F37 00); docs/sgp22.md says what an eIM must accept.
 * Not for use outside src/ipa/ (and its tests). */
#pragma once

#include <glib.h>

#include "der/der.h"

G_BEGIN_DECLS

/* euiccPackageErrorUnsigned (A2): eimId, eimTransactionId when known, associationToken when one is kept. */
GBytes *ipa_sgp22_error_unsigned (const gchar *eim_id, GBytes *transaction_id, gboolean has_token, gint64 token);
/* euiccPackageErrorSigned (A1) with euiccPackageErrorCode `code` and an empty euiccSignEPE. */
GBytes *ipa_sgp22_error_signed (const gchar *eim_id, gint64 counter_value, GBytes *transaction_id, gint64 code);
/* euiccPackageResultSigned (A0): begin opens the euiccResult SEQUENCE, into which the caller writes one
 * EuiccResultData TLV per operation; end closes it, adds the empty euiccSignEPR and returns the BF51. */
void ipa_sgp22_result_begin (DerWriter *writer, const gchar *eim_id, gint64 counter_value, GBytes *transaction_id,
                             gint64 seq_number);
GBytes *ipa_sgp22_result_end (DerWriter *writer);

G_END_DECLS
