/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for activation codes (ipa_activation_code_parse in src/ipa/ipa-activation-code.c), which
 * reach the IPA from the eIM in a ProfileDownloadTriggerRequest. What parses must be what SGP.22 4.1 allows
 * (an address, a matching ID, an optional OID and flag, within 255 ASCII characters after an optional "LPA:",
 * no '$' inside a field), and the code rebuilt from the parsed fields must parse to the same fields. */
#include "config.h"

#include <string.h>

#include "fuzz/fuzz-common.h"
#include "ipa/ipa-activation-code.h"

static gboolean
same (const IpaActivationCode *a, const IpaActivationCode *b)
{
  return g_strcmp0 (a->smdp_address, b->smdp_address) == 0 && g_strcmp0 (a->matching_id, b->matching_id) == 0 &&
         g_strcmp0 (a->smdp_oid, b->smdp_oid) == 0 && a->confirmation_code_required == b->confirmation_code_required;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree gchar *text = g_strndup ((const gchar *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(IpaActivationCode) code = ipa_activation_code_parse (text, &error);
  g_autoptr(GString) rebuilt = NULL;
  g_autoptr(GError) error_again = NULL;
  g_autoptr(IpaActivationCode) again = NULL;
  const gchar *body;

  FUZZ_CHECK_REFUSAL (code, error);
  if (code == NULL)
    return 0;
  FUZZ_CHECK (error == NULL);
  /* The "LPA:" a QR code puts in front is not part of the code. */
  body = g_str_has_prefix (text, "LPA:") ? text + 4 : text;
  FUZZ_CHECK (strlen (body) <= IPA_ACTIVATION_CODE_MAX_LENGTH && g_str_is_ascii (body));
  FUZZ_CHECK (code->smdp_address != NULL && code->smdp_address[0] != '\0' && code->matching_id != NULL);
  FUZZ_CHECK (strchr (code->smdp_address, '$') == NULL && strchr (code->matching_id, '$') == NULL);
  FUZZ_CHECK (code->smdp_oid == NULL || (code->smdp_oid[0] != '\0' && strchr (code->smdp_oid, '$') == NULL));

  rebuilt = g_string_new ("1$");
  g_string_append_printf (rebuilt, "%s$%s", code->smdp_address, code->matching_id);
  if (code->smdp_oid != NULL || code->confirmation_code_required)
    g_string_append_printf (rebuilt, "$%s", code->smdp_oid != NULL ? code->smdp_oid : "");
  if (code->confirmation_code_required)
    g_string_append (rebuilt, "$1");
  again = ipa_activation_code_parse (rebuilt->str, &error_again);
  FUZZ_CHECK (again != NULL);
  FUZZ_CHECK (same (code, again));
  return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}
