#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/fuzz/fuzz-short-run.sh" esipa-asn1 "${FUZZ_SHORT_RUN_SECONDS:-3}" esipa-asn1
