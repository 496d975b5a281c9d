#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test-e2e-rollback.sh over the mbim transport: the same rollback, final report and removals behind the fake mbim modem.
E2E_TRANSPORT=mbim exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/test-e2e-rollback.sh"
