/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "euiccd-error.h"

G_DEFINE_QUARK (euiccd-error-quark, euiccd_error)
