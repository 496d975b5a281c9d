/* SPDX-License-Identifier: Apache-2.0 */
/* What the ipa-download*.c files share. Not for use outside src/ipa/. */
#pragma once

#include "ipa/ipa-download.h"
#include "net/esipa-client.h"

G_BEGIN_DECLS

/* The eIM as the server of a download: each call relayed over ESipa by `client` (borrowed). */
void ipa_download_server_esipa (IpaDownloadServer *server, EsipaClient *client, const gchar *name);

/* An SM-DP+ (ES9+) or an SM-DS (ES11) as the server of a download; `access` and `session` are borrowed. */
typedef struct _IpaRspServer IpaRspServer;

IpaRspServer *ipa_rsp_server_new (const IpaRspAccess *access, IsdrSession *session, gboolean smds,
                                  const gchar *address);
void ipa_rsp_server_free (IpaRspServer *rsp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IpaRspServer, ipa_rsp_server_free)
const IpaDownloadServer *ipa_rsp_server_get (IpaRspServer *rsp);

G_END_DECLS
