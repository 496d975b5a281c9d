/* SPDX-License-Identifier: Apache-2.0 */
/* The eUICC in a PC/SC reader, through pcsc-lite: USB readers on the bench, and software eUICCs behind
 * vsmartcard's vpcd in the tests. PC/SC gives the raw basic channel and euiccd is the terminal, so it says
 * TERMINAL CAPABILITY first, then opens logical channels and selects the AID with APDUs
 * (card-apdu-channel.c); the caller's APDUs then go out unchanged, the CLA byte already carrying the
 * channel. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <string.h>

#include <winscard.h>

#include "card/card-transport.h"
#include "euiccd-error.h"

typedef struct {
  CardTransport parent;
  SCARDCONTEXT context;
  gboolean have_context;
  SCARDHANDLE card;
  gboolean have_card;
  DWORD share_mode;
  DWORD protocol;
  gchar *reader;
  gboolean terminal_capability_sent;  /* once per card power-up, before the first MANAGE CHANNEL */
  guint8 *response;  /* MAX_BUFFER_SIZE_EXTENDED bytes, so no answer is ever too long for the buffer */
} CardPcsc;

static void
set_pcsc_error (GError **error, LONG rv, const gchar *operation, const gchar *reader)
{
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s%s%s%s: %s (0x%08X)", operation,
               reader != NULL ? " on reader '" : "", reader != NULL ? reader : "", reader != NULL ? "'" : "",
               pcsc_stringify_error (rv), (guint32) rv);
}

static const SCARD_IO_REQUEST *
protocol_pci (DWORD protocol)
{
  switch (protocol)
    {
    case SCARD_PROTOCOL_T0:
      return SCARD_PCI_T0;
    case SCARD_PROTOCOL_T1:
      return SCARD_PCI_T1;
    default:
      return SCARD_PCI_RAW;
    }
}

static GBytes *
card_pcsc_raw_transmit (CardTransport *transport, const guint8 *apdu, gsize apdu_length, GError **error)
{
  CardPcsc *self = (CardPcsc *) transport;
  LONG rv;
  DWORD response_length;

  if (apdu_length < 4 || apdu_length > MAX_BUFFER_SIZE_EXTENDED)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "APDU of %" G_GSIZE_FORMAT " bytes: expected 4 to %u", apdu_length, (guint) MAX_BUFFER_SIZE_EXTENDED);
      return NULL;
    }

  for (guint attempt = 0;; attempt++)
    {
      response_length = MAX_BUFFER_SIZE_EXTENDED;
      rv = SCardTransmit (self->card, protocol_pci (self->protocol), apdu, (DWORD) apdu_length, NULL,
                          self->response, &response_length);
      if (rv != (LONG) SCARD_W_RESET_CARD || attempt > 0)
        break;

      /* Another application (or the card itself) reset the card: pcsc-lite wants a reconnect before anything
       * else goes through. Channels opened before the reset are gone; the card says so in its status word. */
      g_warning ("PC/SC reader '%s': card was reset, reconnecting", self->reader);
      rv = SCardReconnect (self->card, self->share_mode, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD,
                           &self->protocol);
      if (rv != SCARD_S_SUCCESS)
        {
          set_pcsc_error (error, rv, "SCardReconnect after a card reset", self->reader);
          return NULL;
        }
      self->terminal_capability_sent = FALSE;
    }

  if (rv != SCARD_S_SUCCESS)
    {
      set_pcsc_error (error, rv, "SCardTransmit", self->reader);
      return NULL;
    }
  if (response_length < 2 || response_length > MAX_BUFFER_SIZE_EXTENDED)
    {
      /* Readers report a card pulled in mid-command this way too (vpcd does), so it is the transport failing. */
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT,
                   "SCardTransmit on reader '%s': response of %lu bytes has no status word (card gone?)",
                   self->reader, (unsigned long) response_length);
      return NULL;
    }
  return g_bytes_new (self->response, response_length);
}

static gboolean
card_pcsc_open_channel (CardTransport *transport, const guint8 *aid, gsize aid_length, guint8 *ret_channel,
                        GBytes **ret_select_response, GError **error)
{
  CardPcsc *self = (CardPcsc *) transport;

  if (!self->terminal_capability_sent && transport->options.terminal_capability_length > 0)
    {
      if (!card_apdu_terminal_capability (transport, card_pcsc_raw_transmit, transport->options.terminal_capability,
                                          transport->options.terminal_capability_length, error))
        return FALSE;
      self->terminal_capability_sent = TRUE;
    }
  return card_apdu_open_channel (transport, card_pcsc_raw_transmit, aid, aid_length, ret_channel,
                                 ret_select_response, error);
}

static GBytes *
card_pcsc_transmit (CardTransport *transport, guint8 channel, const guint8 *apdu, gsize apdu_length, GError **error)
{
  return card_pcsc_raw_transmit (transport, apdu, apdu_length, error);
}

static gboolean
card_pcsc_close_channel (CardTransport *transport, guint8 channel, GError **error)
{
  return card_apdu_close_channel (transport, card_pcsc_raw_transmit, channel, error);
}

static void
card_pcsc_free (CardTransport *transport)
{
  CardPcsc *self = (CardPcsc *) transport;

  if (self->have_card)
    SCardDisconnect (self->card, SCARD_LEAVE_CARD);
  if (self->have_context)
    SCardReleaseContext (self->context);
  g_free (self->reader);
  g_free (self->response);
  g_free (self);
}

static const CardTransportOps card_pcsc_ops = {
  .name = "pcsc",
  .open_channel = card_pcsc_open_channel,
  .transmit = card_pcsc_transmit,
  .close_channel = card_pcsc_close_channel,
  .free = card_pcsc_free,
};

/* The reader names pcscd knows, from its multi-string (names separated by NULs, ending with an empty one). */
static GPtrArray *
list_readers (CardPcsc *self, GError **error)
{
  g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *names = NULL;
  DWORD length = 0;
  LONG rv;

  rv = SCardListReaders (self->context, NULL, NULL, &length);
  if (rv == (LONG) SCARD_E_NO_READERS_AVAILABLE)
    return g_steal_pointer (&readers);
  if (rv != SCARD_S_SUCCESS)
    {
      set_pcsc_error (error, rv, "SCardListReaders", NULL);
      return NULL;
    }
  names = g_malloc0 ((gsize) length + 2);
  rv = SCardListReaders (self->context, NULL, names, &length);
  if (rv == (LONG) SCARD_E_NO_READERS_AVAILABLE)
    return g_steal_pointer (&readers);
  if (rv != SCARD_S_SUCCESS)
    {
      set_pcsc_error (error, rv, "SCardListReaders", NULL);
      return NULL;
    }
  /* g_malloc0 with two spare bytes keeps the walk inside the buffer even if pcscd's list is not terminated. */
  for (const gchar *p = names; p < names + length && *p != '\0'; p += strlen (p) + 1)
    g_ptr_array_add (readers, g_strdup (p));
  return g_steal_pointer (&readers);
}

static gboolean
connect_reader (CardPcsc *self, const gchar *reader, GError **error)
{
  LONG rv;

  rv = SCardConnect (self->context, reader, self->share_mode, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &self->card,
                     &self->protocol);
  if (rv != SCARD_S_SUCCESS)
    {
      set_pcsc_error (error, rv, "SCardConnect", reader);
      return FALSE;
    }
  self->have_card = TRUE;
  self->reader = g_strdup (reader);
  g_debug ("PC/SC: connected to '%s' with T=%u", reader, self->protocol == SCARD_PROTOCOL_T1 ? 1u : 0u);
  return TRUE;
}

static gchar *
describe_readers (GPtrArray *readers)
{
  GString *s = g_string_new (NULL);

  if (readers->len == 0)
    return g_string_free (s, FALSE);
  g_string_append (s, " (readers: ");
  for (guint i = 0; i < readers->len; i++)
    g_string_append_printf (s, "%s'%s'", i > 0 ? ", " : "", (const gchar *) readers->pdata[i]);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

/* "" picks the first reader holding a card; otherwise an exact name wins over the first name containing it. */
static gboolean
choose_and_connect (CardPcsc *self, const gchar *wanted, GError **error)
{
  g_autoptr(GPtrArray) readers = NULL;
  g_autofree gchar *available = NULL;

  readers = list_readers (self, error);
  if (readers == NULL)
    return FALSE;
  if (readers->len == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "no PC/SC reader is connected");
      return FALSE;
    }

  if (*wanted == '\0')
    {
      g_autoptr(GError) last_error = NULL;

      for (guint i = 0; i < readers->len; i++)
        {
          g_clear_error (&last_error);
          if (connect_reader (self, readers->pdata[i], &last_error))
            return TRUE;
          g_debug ("PC/SC: skipping reader: %s", last_error->message);
        }
      available = describe_readers (readers);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "no PC/SC reader holds a usable card%s: %s",
                   available, last_error->message);
      return FALSE;
    }

  for (guint i = 0; i < readers->len; i++)
    if (strcmp (readers->pdata[i], wanted) == 0)
      return connect_reader (self, readers->pdata[i], error);
  for (guint i = 0; i < readers->len; i++)
    if (strstr (readers->pdata[i], wanted) != NULL)
      return connect_reader (self, readers->pdata[i], error);

  available = describe_readers (readers);
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "no PC/SC reader named or containing '%s'%s", wanted,
               available);
  return FALSE;
}

CardTransport *
card_pcsc_open (const gchar *reader, const CardTransportOptions *options, GError **error)
{
  CardPcsc *self;
  LONG rv;

  g_return_val_if_fail (reader != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  self = g_new0 (CardPcsc, 1);
  self->parent.ops = &card_pcsc_ops;
  self->parent.options = *options;
  self->parent.device = g_strdup (reader);
  /* Shared unless asked otherwise, so pcscd's other clients (a phone-side LPA, pcsc_scan) can coexist. */
  self->share_mode = options->exclusive ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED;
  self->response = g_malloc (MAX_BUFFER_SIZE_EXTENDED);

  rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &self->context);
  if (rv != SCARD_S_SUCCESS)
    {
      set_pcsc_error (error, rv, "SCardEstablishContext", NULL);
      card_transport_free (&self->parent);
      return NULL;
    }
  self->have_context = TRUE;

  if (!choose_and_connect (self, reader, error))
    {
      card_transport_free (&self->parent);
      return NULL;
    }
  return &self->parent;
}
