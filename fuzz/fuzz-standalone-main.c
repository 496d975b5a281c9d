/* SPDX-License-Identifier: Apache-2.0 */
/* Runs a fuzz target's entry function over corpus files without libFuzzer, so that every build compiles the
 * target and every `make check` exercises it. Besides each file as it is, every proper prefix of it is run:
 * truncation is the commonest way real input goes wrong, and it reaches the reader's refusal paths.
 *
 * Usage: fuzz-NAME-smoke [FILE|DIR]...   (default: $top_srcdir/fuzz/FUZZ_CORPUS, else ./fuzz/FUZZ_CORPUS, where
 * the build names the target's corpus directory in FUZZ_CORPUS) */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <glib.h>

/* The target's entry points (each target's own header declares them too). */
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* Fewer files than this means the corpus went missing, and the smoke test would prove nothing. */
#define MIN_CORPUS_FILES 10

static gboolean
run_file (const gchar *path, guint *n_files, guint *n_runs)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "cannot read %s: %s\n", path, error->message);
      return FALSE;
    }
  for (gsize prefix = 0; prefix <= length; prefix++)
    {
      /* A copy of exactly `prefix` bytes, so a read past the end is caught by valgrind or ASan. */
      g_autofree guint8 *copy = g_memdup2 (contents, prefix > 0 ? prefix : 1);

      LLVMFuzzerTestOneInput (copy, prefix);
      (*n_runs)++;
    }
  (*n_files)++;
  return TRUE;
}

static gboolean
run_path (const gchar *path, guint *n_files, guint *n_runs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const gchar *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return run_file (path, n_files, n_runs);

  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      fprintf (stderr, "cannot open %s: %s\n", path, error->message);
      return FALSE;
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  for (guint i = 0; i < names->len; i++)
    if (!run_file (g_ptr_array_index (names, i), n_files, n_runs))
      return FALSE;
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree gchar *default_corpus = NULL;
  guint n_files = 0;
  guint n_runs = 0;

  LLVMFuzzerInitialize (&argc, &argv);

  if (argc > 1)
    {
      for (int i = 1; i < argc; i++)
        if (!run_path (argv[i], &n_files, &n_runs))
          return 1;
      printf ("%u files, %u runs, no property failed\n", n_files, n_runs);
      return 0;
    }

  default_corpus = g_build_filename (g_getenv ("top_srcdir") != NULL ? g_getenv ("top_srcdir") : ".", "fuzz",
                                     FUZZ_CORPUS, NULL);
  if (!run_path (default_corpus, &n_files, &n_runs))
    return 1;
  if (n_files < MIN_CORPUS_FILES)
    {
      fprintf (stderr, "only %u corpus files in %s, expected at least %u\n", n_files, default_corpus,
               MIN_CORPUS_FILES);
      return 1;
    }
  printf ("%s: %u files, %u runs, no property failed\n", default_corpus, n_files, n_runs);
  return 0;
}
