#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The server and eUICC failures again, direct: euiccd speaks ES9+ to the failing SM-DP+ itself.
DOWNLOAD_DIRECT=1
export DOWNLOAD_DIRECT
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/test-e2e-download-faults.sh"
