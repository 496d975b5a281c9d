#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The D-Bus download scenario again, direct: euiccd has the CI certificate and speaks ES9+ to the SM-DP+ itself.
DOWNLOAD_DIRECT=1
export DOWNLOAD_DIRECT
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/dbus/test-dbus-download.sh"
