/* SPDX-License-Identifier: Apache-2.0 */
/* What every fuzz target shares: the libFuzzer entry points (also called by fuzz-standalone-main.c in
 * ordinary builds) and the checks that turn a broken promise into a crash the fuzzer reports. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

#define FUZZ_CHECK(cond)                                                                         \
  G_STMT_START                                                                                   \
  {                                                                                              \
    if (!(cond))                                                                                 \
      {                                                                                          \
        fprintf (stderr, "fuzz: property failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
        abort ();                                                                                \
      }                                                                                          \
  }                                                                                              \
  G_STMT_END

/* A decoder that refuses its input must say why: an error with a message, and no result. */
#define FUZZ_CHECK_REFUSAL(result, error) FUZZ_CHECK ((result) != NULL || ((error) != NULL && (error)->message[0] != '\0'))

/* Decoders warn about what they tolerate; those lines are expected and only slow the fuzzer down, so they are
 * dropped. A critical (a g_return_if_fail() that fired) or an error is a bug and aborts. */
void fuzz_setup_logging (void);
