/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "rsp/rsp-types.h"

gchar *
rsp_version_to_string (const RspVersion *version)
{
  return g_strdup_printf ("%u.%u.%u", version->major, version->minor, version->revision);
}
