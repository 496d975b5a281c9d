/* SPDX-License-Identifier: Apache-2.0 */
/* Chooses the backend from the device URI and wraps every call, so statistics and error context are kept in
 * one place instead of in each backend. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <string.h>

#include "card/card-apdu-log.h"
#include "card/card-transport.h"
#include "card/card-transport-module.h"
#include "euiccd-error.h"

const guint8 CARD_DEFAULT_TERMINAL_CAPABILITY[5] = { 0xA9, 0x03, 0x83, 0x01, 0x07 };

void
card_transport_options_init (CardTransportOptions *options)
{
  memset (options, 0, sizeof *options);
  options->slot = 1;
  options->exclusive = FALSE;
  options->apdu_timeout_ms = 30000;
  options->open_timeout_ms = 15000;
  options->terminal_capability = CARD_DEFAULT_TERMINAL_CAPABILITY;
  options->terminal_capability_length = sizeof CARD_DEFAULT_TERMINAL_CAPABILITY;
}

/* The schemes a URI may name; each is a module (card-transport-module.c), loaded when first named. */
static const gchar *const schemes[] = { "qmi", "mbim", "pcsc", "at" };

CardTransport *
card_transport_open (const gchar *uri, const CardTransportOptions *options, GError **error)
{
  CardTransportOptions defaults;
  const gchar *colon;

  g_return_val_if_fail (uri != NULL, NULL);

  if (options == NULL)
    {
      card_transport_options_init (&defaults);
      options = &defaults;
    }

  colon = strchr (uri, ':');
  if (colon == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "Device '%s' has no transport: expected qmi:PATH, mbim:PATH, pcsc:READER or at:PATH", uri);
      return NULL;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (schemes); i++)
    {
      gsize scheme_length = strlen (schemes[i]);
      CardTransportOpenFunc open;
      CardTransport *transport;

      if ((gsize) (colon - uri) != scheme_length || strncmp (uri, schemes[i], scheme_length) != 0)
        continue;
      open = card_transport_module_load (schemes[i], error);
      if (open == NULL)
        return NULL;
      transport = open (colon + 1, options, error);
      if (transport == NULL)
        {
          g_prefix_error (error, "%s: ", schemes[i]);
          return NULL;
        }
      return transport;
    }

  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
               "Unknown transport '%.*s' in '%s': expected qmi, mbim, pcsc or at", (int) (colon - uri), uri, uri);
  return NULL;
}

const gchar *
card_transport_name (const CardTransport *transport)
{
  return transport->ops->name;
}

gboolean
card_transport_open_channel (CardTransport *transport, const guint8 *aid, gsize aid_length, guint8 *ret_channel,
                             GBytes **ret_select_response, GError **error)
{
  if (ret_select_response != NULL)
    *ret_select_response = NULL;
  if (!transport->ops->open_channel (transport, aid, aid_length, ret_channel, ret_select_response, error))
    {
      g_prefix_error (error, "%s: opening a logical channel: ", transport->ops->name);
      return FALSE;
    }
  transport->stats.channel_opens++;
  g_debug ("%s: logical channel %u open", transport->ops->name, *ret_channel);
  return TRUE;
}

GBytes *
card_transport_transmit (CardTransport *transport, guint8 channel, const guint8 *apdu, gsize apdu_length,
                         GError **error)
{
  g_autoptr(GBytes) response = NULL;

  card_transport_log_command (transport, channel, apdu, apdu_length, NULL);
  response = transport->ops->transmit (transport, channel, apdu, apdu_length, error);
  if (response == NULL)
    {
      g_prefix_error (error, "%s: APDU %02X %02X: ", transport->ops->name, apdu_length > 0 ? apdu[0] : 0,
                      apdu_length > 1 ? apdu[1] : 0);
      return NULL;
    }
  if (g_bytes_get_size (response) < 2)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT,
                   "%s: response to APDU %02X %02X has %" G_GSIZE_FORMAT " bytes, no status word",
                   transport->ops->name, apdu_length > 0 ? apdu[0] : 0, apdu_length > 1 ? apdu[1] : 0,
                   g_bytes_get_size (response));
      return NULL;
    }
  card_transport_log_response (transport, channel, apdu_length > 1 ? apdu[1] : 0,
                               g_bytes_get_data (response, NULL), g_bytes_get_size (response));
  card_transport_count_apdu (transport, apdu_length, g_bytes_get_size (response));
  return g_steal_pointer (&response);
}

gboolean
card_transport_close_channel (CardTransport *transport, guint8 channel, GError **error)
{
  if (!transport->ops->close_channel (transport, channel, error))
    {
      g_prefix_error (error, "%s: closing logical channel %u: ", transport->ops->name, channel);
      return FALSE;
    }
  transport->stats.channel_closes++;
  return TRUE;
}

void
card_transport_free (CardTransport *transport)
{
  gchar *device;

  if (transport == NULL)
    return;
  device = transport->device;
  transport->ops->free (transport);
  g_free (device);
}

guint8
card_apdu_cla (guint8 class_byte, guint8 channel)
{
  if (channel < 4)
    return (guint8) ((class_byte & 0x80) | channel);
  /* Further inter-industry coding: b7 set, channel - 4 in the low nibble (ISO 7816-4, 5.4.1). */
  return (guint8) ((class_byte & 0x80) | 0x40 | ((channel - 4) & 0x0F));
}
