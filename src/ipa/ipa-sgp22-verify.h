/* SPDX-License-Identifier: Apache-2.0 */
/* The eIM's signature over an eUICC package, checked by euiccd for a consumer (SGP.22) eUICC that cannot check it
 * itself: ECDSA with SHA-256, the signature as r || s (SGP.32 2.11). Not for use outside src/ipa/. */
#pragma once

#include <glib.h>

#include "card/es10-types.h"

G_BEGIN_DECLS

/* TRUE when `signature` is the eIM key's signature over `data`. FALSE with an error naming what failed: a key
 * that cannot be used (`key_data` is a DER SubjectPublicKeyInfo or Certificate as `key_kind` says), a signature
 * of the wrong form, or one that does not verify. */
gboolean ipa_sgp22_verify_signature (Es10EimKeyKind key_kind, GBytes *key_data, const guint8 *data, gsize length,
                                     const guint8 *signature, gsize signature_length, GError **error);

G_END_DECLS
