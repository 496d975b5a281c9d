/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the reader and writer files of src/der; not part of the API. */
#pragma once

#include "der/der.h"

G_BEGIN_DECLS

/* Reads one TLV at `pos` (before `end`), naming offsets relative to `base` in errors. */
gboolean der_read_tlv (const guint8 *base, const guint8 *pos, const guint8 *end, guint depth, DerTlv *ret_tlv,
                       GError **error);
/* Number of length octets DER uses for this length (1 to 5). */
gsize der_length_size (gsize length);

G_END_DECLS
