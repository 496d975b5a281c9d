/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the outbox file parser (daemon_store_parse_outbox_entry in src/daemon/daemon-store.c).
 *
 * An outbox file ends in the SHA-256 of what precedes it, which random bytes never match, so the input is
 * parsed twice: as it is, and with its digest appended (the fuzzer then reaches every field behind the
 * checksum). The key the file's name would give is read from the key field itself when the input is long
 * enough to hold one, else "k". A parsed entry holds exactly what its fields said: an eIM id of 1..128
 * bytes of UTF-8, the expected key, and a message that ends where the file's payload ends. */
#include "config.h"

#include <string.h>

#include "daemon/daemon-store.h"
#include "fuzz/fuzz-common.h"

#define HEADER_LENGTH (4 + 1 + 8)

/* The key field as the file lays it out (header, eIM id length and bytes, key length and bytes), without
 * checking anything else: the parser must do the checking. */
static gchar *
key_of (const guint8 *data, gsize size)
{
  gsize offset = HEADER_LENGTH;
  gsize length;

  if (size < offset + 2)
    return g_strdup ("k");
  length = (gsize) data[offset] << 8 | data[offset + 1];
  offset += 2 + length;
  if (size < offset + 2)
    return g_strdup ("k");
  length = (gsize) data[offset] << 8 | data[offset + 1];
  offset += 2;
  if (length == 0 || size - offset < length)
    return g_strdup ("k");
  return g_strndup ((const gchar *) data + offset, length);
}

static void
parse (GBytes *bytes, const gchar *key)
{
  g_autoptr(GError) error = NULL;
  /* The name an older layout gave the file (the key alone): no eIM id to compute, and still accepted. */
  g_autofree gchar *file_name = g_strconcat (key, ".msg", NULL);
  g_autoptr(DaemonOutboxEntry) entry = daemon_store_parse_outbox_entry (bytes, file_name, &error);

  FUZZ_CHECK_REFUSAL (entry, error);
  if (entry == NULL)
    return;
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (entry->eim_id != NULL && strlen (entry->eim_id) >= 1 &&
              strlen (entry->eim_id) <= DAEMON_STORE_MAX_EIM_ID_LENGTH && g_utf8_validate (entry->eim_id, -1, NULL));
  FUZZ_CHECK (g_strcmp0 (entry->key, key) == 0);
  FUZZ_CHECK (entry->created >= 0);
  FUZZ_CHECK (entry->message != NULL && g_bytes_get_size (entry->message) <= g_bytes_get_size (bytes));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree gchar *key = key_of (data, size);
  g_autoptr(GBytes) as_is = g_bytes_new (data, size);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GByteArray) sealed = g_byte_array_sized_new ((guint) size + 32);
  guint8 digest[32];
  gsize digest_length = sizeof digest;

  parse (as_is, key);

  g_checksum_update (checksum, data, (gssize) size);
  g_checksum_get_digest (checksum, digest, &digest_length);
  g_byte_array_append (sealed, data, (guint) size);
  g_byte_array_append (sealed, digest, (guint) digest_length);
  {
    g_autoptr(GBytes) with_digest = g_byte_array_free_to_bytes (g_steal_pointer (&sealed));

    parse (with_digest, key);
  }
  return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}
