/* SPDX-License-Identifier: Apache-2.0 */
/* What the ipa-download*.c files share. Not for use outside src/ipa/. */
#pragma once

#include "ipa/ipa-download.h"
#include "net/esipa-client.h"

G_BEGIN_DECLS

/* The eIM as the server of a download: each call relayed over ESipa by `client` (borrowed). Under
 * minimizeEsipaBytes (`minimize`) the eUICC's answers go in their compact forms where what the eIM would put
 * back is what it holds; `relay` (the caller's, cleared with ipa_esipa_relay_clear()) keeps what the eIM sent
 * in the session, which those checks need. */
typedef struct {
  EsipaClient *client;
  gboolean minimize;
  const IpaEimHoldings *holdings;    /* NULL: the eIM holds nothing of this eUICC */
  const guint8 *eid;
  GBytes *transaction_id;            /* the session's, from InitiateAuthentication */
  GBytes *server_signed1;            /* ServerSigned1 TLV the eIM sent */
  gchar *server_address;             /* its serverAddress */
  GBytes *ctx_params1;               /* CtxParams1 the eIM sent, NULL: none */
  GBytes *hash_cc;                   /* hashCc the eIM sent, NULL: none */
} IpaEsipaRelay;

void ipa_download_server_esipa (IpaDownloadServer *server, IpaEsipaRelay *relay, EsipaClient *client,
                                const gchar *name, gboolean minimize, const IpaEimHoldings *holdings,
                                const guint8 *eid);
void ipa_esipa_relay_clear (IpaEsipaRelay *relay);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IpaEsipaRelay, ipa_esipa_relay_clear)

/* An SM-DP+ (ES9+) or an SM-DS (ES11) as the server of a download; `access` and `session` are borrowed. */
typedef struct _IpaRspServer IpaRspServer;

IpaRspServer *ipa_rsp_server_new (const IpaRspAccess *access, IsdrSession *session, gboolean smds,
                                  const gchar *address);
void ipa_rsp_server_free (IpaRspServer *rsp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IpaRspServer, ipa_rsp_server_free)
const IpaDownloadServer *ipa_rsp_server_get (IpaRspServer *rsp);

G_END_DECLS
