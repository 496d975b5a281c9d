/* SPDX-License-Identifier: Apache-2.0 */
/* g_autoptr() support for the third-party types euiccd holds, so every layer frees them the same way. */
#pragma once

#include <glib.h>
#include <cjson/cJSON.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (cJSON, cJSON_Delete)
