#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test-e2e-modem-reset.sh over the mbim transport.
E2E_TRANSPORT=mbim exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/test-e2e-modem-reset.sh"
