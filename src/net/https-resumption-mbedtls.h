/* SPDX-License-Identifier: Apache-2.0 */
/* Whether a connection of libcurl's mbedTLS backend resumed its TLS session. libcurl does not say, and
 * mbedTLS forgets once the handshake is over; but a resumed TLS 1.2 session carries on the master secret of
 * the session it resumes, while a full handshake makes a new one. So the client keeps fingerprints (SHA-256)
 * of the master secrets it has seen: one seen before is a resumption. mbedTLS 2.x only, whose session
 * structure is public; with another version resumption stays unobservable (the counts say so). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HTTPS_MBEDTLS_SESSIONS_KEPT 8

typedef struct {
  GMutex lock;
  guint8 fingerprints[HTTPS_MBEDTLS_SESSIONS_KEPT][32];
  guint count;
  guint next;
} HttpsMbedtlsSessions;

/* TRUE when libcurl runs on mbedTLS of the major and minor version euiccd was built with, and that version
 * lets the session be read (2.x). */
gboolean https_mbedtls_resumption_observable (void);

/* `ssl_context` is CURLINFO_TLS_SSL_PTR's internals (an mbedtls_ssl_context) of a connection whose
 * handshake is over. 1: resumed, 0: a full handshake (remembered from now on), -1: cannot tell. */
gint https_mbedtls_session_resumed (HttpsMbedtlsSessions *seen, const void *ssl_context);

G_END_DECLS
