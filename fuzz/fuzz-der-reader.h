/* SPDX-License-Identifier: Apache-2.0 */
/* The libFuzzer entry points of the DER target, also called by fuzz-standalone-main.c in ordinary builds. */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);
