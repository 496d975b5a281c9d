/* SPDX-License-Identifier: Apache-2.0 */
/* The one error domain of euiccd. Every layer reports through it, so a D-Bus caller, a log line and a
 * test all see the same codes. Libraries' own errors (libqmi, libmbim, curl, mbedTLS, pcsc-lite) are
 * converted at the layer edge and their numbers kept in the message. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EUICCD_ERROR (euiccd_error_quark ())
GQuark euiccd_error_quark (void);

typedef enum {
  EUICCD_ERROR_FAILED,         /* nothing more specific applies */
  EUICCD_ERROR_INVALID_DATA,   /* bytes from the card, network, disk or a caller did not parse */
  EUICCD_ERROR_INVALID_ARGS,   /* a caller asked for something malformed */
  EUICCD_ERROR_TRANSPORT,      /* the modem, reader or serial port failed or refused */
  EUICCD_ERROR_CARD,           /* the card answered with an error status word */
  EUICCD_ERROR_TIMEOUT,        /* no answer in time */
  EUICCD_ERROR_NOT_SUPPORTED,  /* not built in, or not offered by the card or modem */
  EUICCD_ERROR_NOT_FOUND,      /* no such device, reader, profile or eIM */
  EUICCD_ERROR_NETWORK,        /* HTTPS or TLS failure talking to an eIM or SM-DP+ */
  EUICCD_ERROR_PROTOCOL,       /* a peer broke the protocol (unexpected message, wrong state) */
  EUICCD_ERROR_ACCESS_DENIED,  /* the caller may not do this */
  EUICCD_ERROR_BUSY,           /* the eUICC is in use by another procedure */
  EUICCD_ERROR_CONFIG,         /* configuration is invalid */
  EUICCD_ERROR_CHANNEL_GONE,   /* the modem no longer knows the logical channel (its card session reset): the
                                * command was refused before it reached the card */
} EuiccdError;

G_END_DECLS
