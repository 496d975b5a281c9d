/* SPDX-License-Identifier: Apache-2.0 */
/* The names of a download's phases, for progress reports: the daemon shows them without loading the download
 * module (ipa-download-module.h). */
#include "config.h"

#include "ipa/ipa-download.h"

const gchar *
ipa_download_phase_to_string (IpaDownloadPhase phase)
{
  switch (phase)
    {
    case IPA_DOWNLOAD_PHASE_AUTHENTICATING:
      return "authenticating";
    case IPA_DOWNLOAD_PHASE_PREPARING:
      return "preparing";
    case IPA_DOWNLOAD_PHASE_LOADING:
      return "loading";
    case IPA_DOWNLOAD_PHASE_NOTIFYING:
      return "notifying";
    case IPA_DOWNLOAD_PHASE_CANCELLING:
      return "cancelling";
    default:
      return "unknown";
    }
}

