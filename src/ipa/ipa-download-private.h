/* SPDX-License-Identifier: Apache-2.0 */
/* What the ipa-download*.c files share. Not for use outside src/ipa/. */
#pragma once

#include "ipa/ipa-download.h"
#include "net/esipa-client.h"

G_BEGIN_DECLS

/* The eIM as the server of a download: each call relayed over ESipa by `client` (borrowed). */
void ipa_download_server_esipa (IpaDownloadServer *server, EsipaClient *client, const gchar *name);

G_END_DECLS
