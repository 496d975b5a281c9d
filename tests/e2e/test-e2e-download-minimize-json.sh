#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The minimized indirect download again, over the ESipa JSON binding.
E2E_BINDING=json
export E2E_BINDING
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/test-e2e-download-minimize.sh"
