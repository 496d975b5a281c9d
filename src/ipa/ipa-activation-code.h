/* SPDX-License-Identifier: Apache-2.0 */
/* Activation codes (SGP.22 4.1): `1$<SM-DP+ address>$<matching ID>[$<SM-DP+ OID>[$<confirmation code
 * required flag>]]`, optionally behind the `LPA:` prefix a QR code carries. The code is personal data: errors
 * name the field and what is wrong with it, never its value. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define IPA_ACTIVATION_CODE_MAX_LENGTH 255

typedef struct {
  gchar *smdp_address;                /* FQDN or IP address, with ":port" when one was given */
  gchar *matching_id;                 /* may be empty (the SM-DP+ then finds the profile by EID) */
  gchar *smdp_oid;                    /* dotted OID, NULL when absent */
  gboolean confirmation_code_required;
} IpaActivationCode;

/* Parses `text`; NULL and EUICCD_ERROR_INVALID_ARGS naming the field on anything SGP.22 does not allow:
 * another AC_Format than 1, an empty or malformed SM-DP+ address, a matching ID with characters other than
 * 0-9, A-Z and '-', an OID that is not dotted digits, a confirmation code flag other than "1" or empty, more
 * than five fields, or more than 255 characters. The address may carry ":port" (1-65535), which only a
 * laboratory SM-DP+ needs. */
IpaActivationCode *ipa_activation_code_parse (const gchar *text, GError **error);
void ipa_activation_code_free (IpaActivationCode *code);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IpaActivationCode, ipa_activation_code_free)

G_END_DECLS
