/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the configuration reader (src/daemon/daemon-config.c) on one key file's text, and its
 * value parsers (durations, IMEIs) on the raw input. A configuration that loads must write itself out
 * (--check-config) as text that loads again to the same configuration: the second write-out is identical to
 * the first. */
#include "config.h"

#include <string.h>

#include "daemon/daemon-config.h"
#include "fuzz/fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonConfig) config = daemon_config_load_from_data ((const gchar *) data, size, "fuzz.conf", &error);
  g_autofree gchar *text = g_strndup ((const gchar *) data, size);
  guint64 seconds = 0;

  FUZZ_CHECK_REFUSAL (config, error);
  if (config != NULL)
    {
      g_autoptr(GError) error_again = NULL;
      g_autofree gchar *written = daemon_config_to_data (config);
      g_autoptr(DaemonConfig) again = daemon_config_load_from_data (written, strlen (written), "written.conf",
                                                                    &error_again);
      g_autofree gchar *written_again = NULL;

      if (again == NULL)
        fprintf (stderr, "the written configuration does not load: %s\n%s", error_again->message, written);
      FUZZ_CHECK (again != NULL);
      written_again = daemon_config_to_data (again);
      FUZZ_CHECK (g_strcmp0 (written, written_again) == 0);
    }

  if (daemon_config_parse_duration (text, &seconds))
    FUZZ_CHECK (seconds <= 366 * 24 * 3600);
  if (daemon_config_imei_is_valid (text))
    FUZZ_CHECK (strlen (text) == 15);
  return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}
