#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The crash scenario again, direct: the session a restart finds is cancelled at the SM-DP+ over ES9+.
DOWNLOAD_DIRECT=1
export DOWNLOAD_DIRECT
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/test-e2e-download-crash.sh"
