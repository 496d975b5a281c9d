#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/fuzz/fuzz-short-run.sh" rsp-json "${FUZZ_SHORT_RUN_SECONDS:-3}" rsp-json
