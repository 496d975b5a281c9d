/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the TLS trust data (src/net/tls-trust.c): trustedPublicKeyDataTls from the card as
 * DER, and the same parser's PEM-or-DER file contents. Whatever parses must describe itself, carry a pin
 * unless it is a CA certificate and an anchor unless it is a bare key, and its anchor PEM must parse back to
 * the same kind of trust with the same pin. (mbedTLS itself is not instrumented; the target is the code
 * around it.) */
#include "config.h"

#include <string.h>

#include "fuzz/fuzz-common.h"
#include "net/tls-trust.h"

static void
check_trust (HttpsTrust *trust)
{
  HttpsTrustKind kind = https_trust_get_kind (trust);
  const gchar *pin = https_trust_get_pin (trust);
  const gchar *anchor = https_trust_get_anchor_pem (trust);
  g_autofree gchar *description = https_trust_describe (trust);

  FUZZ_CHECK (description != NULL && description[0] != '\0');
  FUZZ_CHECK ((kind == HTTPS_TRUST_CA_CERTIFICATE) == (pin == NULL));
  FUZZ_CHECK (pin == NULL || g_str_has_prefix (pin, "sha256//"));
  FUZZ_CHECK ((kind == HTTPS_TRUST_PINNED_KEY) == (anchor == NULL));
  if (anchor != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HttpsTrust) again = https_trust_new_from_data (anchor, strlen (anchor), "anchor", &error);

      FUZZ_CHECK (again != NULL);
      FUZZ_CHECK (https_trust_get_kind (again) == kind);
      FUZZ_CHECK (g_strcmp0 (https_trust_get_pin (again), pin) == 0);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(HttpsTrust) trust = https_trust_new_from_der (data, size, NULL, &error);

    FUZZ_CHECK_REFUSAL (trust, error);
    if (trust != NULL)
      check_trust (trust);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(HttpsTrust) trust = https_trust_new_from_data ((const gchar *) data, size, "file", &error);

    FUZZ_CHECK_REFUSAL (trust, error);
    if (trust != NULL)
      check_trust (trust);
  }
  return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}
