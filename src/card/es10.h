/* SPDX-License-Identifier: Apache-2.0 */
/* Every ES10 function euiccd speaks, for callers that want them all. */
#pragma once

#include "card/es10-types.h"
#include "card/es10-info.h"
#include "card/es10-profiles.h"
#include "card/es10-notifications.h"
#include "card/es10-eim.h"
#include "card/es10-package.h"
#include "card/es10-profile-ops.h"
#include "card/es10-download.h"
#include "card/es10-switch.h"
#include "card/es10-deviations.h"
#include "card/es10-ipae.h"
