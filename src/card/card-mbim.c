/* SPDX-License-Identifier: Apache-2.0 */
/* MBIM backend: the Microsoft UICC low-level access service (Open Channel, APDU, Close Channel) through
 * libmbim's typed messages, normally through mbim-proxy so ModemManager keeps the port. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include <libmbim-glib.h>

#include "card/card-glib-wait.h"
#include "card/card-apdu-log.h"
#include "card/card-transport.h"
#include "euiccd-error.h"

/* Channels opened by this backend form one group (MBIM_CID_MS_UICC_OPEN_CHANNEL's ChannelGroup), so the modem
 * can tell them from its own and from other clients', and so one CLOSE_CHANNEL with channel 0 and this group
 * reclaims every channel a euiccd process left open when it died. ASCII "eUIC". */
#define CARD_MBIM_CHANNEL_GROUP 0x65554943u
#define CARD_MBIM_STATUS_NO_LOGICAL_CHANNELS 0x87430001u
#define CARD_MBIM_STATUS_INVALID_LOGICAL_CHANNEL 0x87430003u

#define CARD_MBIM_TEARDOWN_TIMEOUT_MS 3000

typedef struct {
  CardTransport parent;
  CardGlibWait *wait;
  MbimDevice *device;
  gulong removed_id;
} CardMbim;

/* The MS UICC services report the card's status word as a u32 holding SW1 in the low byte and SW2 in the
 * next one. Returns it in the usual SW1 SW2 order. */
static guint
status_word (guint32 status)
{
  return (status & 0xFF) << 8 | ((status >> 8) & 0xFF);
}

/* libmbim 1.28 does not name the status codes of the MS UICC low-level access service. */
static const gchar *
status_name (guint32 status)
{
  switch (status)
    {
    case 0x87430001:
      return "MsNoLogicalChannels";
    case 0x87430002:
      return "MsSelectFailed";
    case 0x87430003:
      return "MsInvalidLogicalChannel";
    default:
      return mbim_status_error_get_string ((MbimStatusError) status);
    }
}

/* Converts libmbim's errors at the layer edge, keeping the MBIM status name and number. */
static void
propagate_mbim_error (CardMbim *self, GError **error, GError *mbim_error, const gchar *operation)
{
  if (mbim_error->domain == EUICCD_ERROR)
    {
      g_propagate_error (error, mbim_error);
      return;
    }
  if (self->wait != NULL && card_glib_wait_is_gone (self->wait))
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s: modem device %s went away (%s)", operation,
                 self->parent.device, mbim_error->message);
  else if (mbim_error->domain == MBIM_CORE_ERROR && mbim_error->code == MBIM_CORE_ERROR_TIMEOUT)
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TIMEOUT, "%s: %s", operation, mbim_error->message);
  else if (mbim_error->domain == MBIM_STATUS_ERROR)
    {
      const gchar *name = status_name ((guint32) mbim_error->code);
      EuiccdError code = EUICCD_ERROR_TRANSPORT;

      /* Every logical channel of the card is taken: the caller may reclaim stale ones and try again. */
      if ((guint32) mbim_error->code == CARD_MBIM_STATUS_NO_LOGICAL_CHANNELS)
        code = EUICCD_ERROR_BUSY;
      /* The function no longer knows the channel: the UICC reset under it (no REFRESH seen by the host), and
       * the command never reached the card. */
      else if ((guint32) mbim_error->code == CARD_MBIM_STATUS_INVALID_LOGICAL_CHANNEL)
        code = EUICCD_ERROR_CHANNEL_GONE;
      g_set_error (error, EUICCD_ERROR, code, "%s failed: MBIM status %s (0x%08X)", operation,
                   name != NULL ? name : "unknown", (guint32) mbim_error->code);
    }
  else if (mbim_error->domain == MBIM_PROTOCOL_ERROR)
    {
      const gchar *name = mbim_protocol_error_get_string ((MbimProtocolError) mbim_error->code);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s failed: MBIM protocol error %s (%d)", operation,
                   name != NULL ? name : "unknown", mbim_error->code);
    }
  else
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s failed: %s", operation, mbim_error->message);
  g_error_free (mbim_error);
}

static void
device_removed_cb (MbimDevice *device, gpointer user_data)
{
  CardMbim *self = user_data;

  g_debug ("mbim: %s removed", self->parent.device);
  card_glib_wait_set_gone (self->wait, "the modem device hung up");
}

/* Sends one request and returns its COMMAND_DONE response with a successful status, within timeout_ms.
 * Takes ownership of `request` (NULL when building it failed, with `build_error` set). */
static MbimMessage *
command (CardMbim *self, MbimMessage *request, GError *build_error, guint timeout_ms, const gchar *operation,
         GError **error)
{
  g_autoptr(MbimMessage) owned_request = request;
  g_autoptr(CardGlibCall) call = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(MbimMessage) response = NULL;
  GError *local_error = NULL;

  if (owned_request == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "%s: %s", operation,
                   build_error != NULL ? build_error->message : "request not built");
      g_clear_error (&build_error);
      return NULL;
    }

  call = card_glib_call_begin (self->wait);
  mbim_device_command (self->device, owned_request, card_glib_timeout_seconds (timeout_ms),
                       card_glib_call_get_cancellable (call), card_glib_call_ready, card_glib_call_ref (call));
  result = card_glib_call_finish (call, timeout_ms, operation, &local_error);
  if (result == NULL)
    {
      propagate_mbim_error (self, error, local_error, operation);
      return NULL;
    }
  response = mbim_device_command_finish (self->device, result, &local_error);
  if (response == NULL || !mbim_message_response_get_result (response, MBIM_MESSAGE_TYPE_COMMAND_DONE, &local_error))
    {
      propagate_mbim_error (self, error, local_error, operation);
      return NULL;
    }
  return g_steal_pointer (&response);
}

static gboolean close_channel_request (CardMbim *self, guint32 channel, GError **error);

/* SELECT P2 of the open request: 04, first or only occurrence, as flows.md 0 gives it. */
#define CARD_MBIM_SELECT_P2 0x04

static gboolean
mbim_open_channel (CardTransport *transport, const guint8 *aid, gsize aid_length, guint8 *ret_channel,
                   GBytes **ret_select_response, GError **error)
{
  CardMbim *self = (CardMbim *) transport;
  const gchar *operation = "MS UICC Open Channel";
  g_autoptr(MbimMessage) response = NULL;
  GError *local_error = NULL;
  MbimMessage *request;
  const guint8 *select = NULL;
  guint32 select_length = 0;
  guint32 status = 0;
  guint32 channel = 0;
  guint sw;

  if (aid_length == 0 || aid_length > 16)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "%s: AID of %" G_GSIZE_FORMAT " bytes",
                   operation, aid_length);
      return FALSE;
    }
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(GError) open_error = NULL;
      g_autoptr(GError) close_error = NULL;

      request = mbim_message_ms_uicc_low_level_access_open_channel_set_new ((guint32) aid_length, aid,
                                                                            CARD_MBIM_SELECT_P2,
                                                                            CARD_MBIM_CHANNEL_GROUP, &local_error);
      response = command (self, request, local_error, transport->options.open_timeout_ms, operation, &open_error);
      local_error = NULL;
      if (response != NULL)
        break;
      if (attempt > 0 || open_error->code != EUICCD_ERROR_BUSY)
        {
          g_propagate_error (error, g_steal_pointer (&open_error));
          return FALSE;
        }
      /* No channel left: those of our group belong to euiccd processes that died without closing them. */
      g_warning ("mbim: %s: %s; closing the channels of euiccd's channel group and trying again",
                 transport->device, open_error->message);
      if (!close_channel_request (self, 0, &close_error))
        g_warning ("mbim: %s: closing channel group 0x%08X: %s", transport->device, CARD_MBIM_CHANNEL_GROUP,
                   close_error->message);
    }
  if (!mbim_message_ms_uicc_low_level_access_open_channel_response_parse (response, &status, &channel,
                                                                         &select_length, &select, &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: response does not parse: %s", operation,
                   local_error->message);
      g_error_free (local_error);
      return FALSE;
    }

  sw = status_word (status);
  if (sw >> 8 != 0x90 && sw >> 8 != 0x91 && sw >> 8 != 0x61 && sw >> 8 != 0x62 && sw >> 8 != 0x63)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "%s: the card refused the SELECT with status word %04X",
                   operation, sw);
      return FALSE;
    }
  if (channel == 0 || channel > 19)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: modem gave logical channel %u (expected 1 to 19)",
                   operation, channel);
      return FALSE;
    }
  *ret_channel = (guint8) channel;
  card_transport_note_modem_open (transport, *ret_channel, aid, aid_length, CARD_MBIM_SELECT_P2, (guint16) sw);
  if (ret_select_response != NULL)
    *ret_select_response = (select != NULL && select_length > 0) ? g_bytes_new (select, select_length) : NULL;
  return TRUE;
}

static GBytes *
mbim_transmit (CardTransport *transport, guint8 channel, const guint8 *apdu, gsize apdu_length, GError **error)
{
  CardMbim *self = (CardMbim *) transport;
  const gchar *operation = "MS UICC APDU";
  g_autoptr(MbimMessage) response = NULL;
  GError *local_error = NULL;
  MbimMessage *request;
  const guint8 *data = NULL;
  guint32 data_length = 0;
  guint32 status = 0;
  GByteArray *out;
  guint sw;
  guint8 sw_bytes[2];

  if (apdu_length < 4 || apdu_length > G_MAXUINT16)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "%s: command APDU of %" G_GSIZE_FORMAT " bytes",
                   operation, apdu_length);
      return NULL;
    }
  request = mbim_message_ms_uicc_low_level_access_apdu_set_new (channel, MBIM_UICC_SECURE_MESSAGING_NONE,
                                                                MBIM_UICC_CLASS_BYTE_TYPE_INTER_INDUSTRY,
                                                                (guint32) apdu_length, apdu, &local_error);
  response = command (self, request, local_error, transport->options.apdu_timeout_ms, operation, error);
  if (response == NULL)
    return NULL;
  if (!mbim_message_ms_uicc_low_level_access_apdu_response_parse (response, &status, &data_length, &data,
                                                                 &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: response does not parse: %s", operation,
                   local_error->message);
      g_error_free (local_error);
      return NULL;
    }
  /* The status word travels apart from the data; the transport interface wants it appended. */
  if (status > 0xFFFF)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: status 0x%08X is not a status word", operation,
                   status);
      return NULL;
    }
  sw = status_word (status);
  sw_bytes[0] = (guint8) (sw >> 8);
  sw_bytes[1] = (guint8) sw;
  out = g_byte_array_sized_new (data_length + 2);
  if (data != NULL && data_length > 0)
    g_byte_array_append (out, data, data_length);
  g_byte_array_append (out, sw_bytes, 2);
  return g_byte_array_free_to_bytes (out);
}

/* CLOSE_CHANNEL of one channel, or with channel 0 of every channel in euiccd's group. */
static gboolean
close_channel_request (CardMbim *self, guint32 channel, GError **error)
{
  const gchar *operation = "MS UICC Close Channel";
  g_autoptr(MbimMessage) response = NULL;
  GError *local_error = NULL;
  MbimMessage *request;
  guint32 status = 0;

  request = mbim_message_ms_uicc_low_level_access_close_channel_set_new (channel, CARD_MBIM_CHANNEL_GROUP,
                                                                         &local_error);
  response = command (self, request, local_error, self->parent.options.apdu_timeout_ms, operation, error);
  if (response == NULL)
    return FALSE;
  if (!mbim_message_ms_uicc_low_level_access_close_channel_response_parse (response, &status, &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: response does not parse: %s", operation,
                   local_error->message);
      g_error_free (local_error);
      return FALSE;
    }
  if (status_word (status) >> 8 != 0x90)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "%s: channel %u: status word %04X", operation, channel,
                   status_word (status));
      return FALSE;
    }
  return TRUE;
}

static gboolean
mbim_close_channel (CardTransport *transport, guint8 channel, GError **error)
{
  if (!close_channel_request ((CardMbim *) transport, channel, error))
    return FALSE;
  card_transport_note_modem_close (transport, channel);
  return TRUE;
}

static void
mbim_free (CardTransport *transport)
{
  CardMbim *self = (CardMbim *) transport;

  if (self->device != NULL)
    {
      if (self->removed_id != 0)
        g_signal_handler_disconnect (self->device, self->removed_id);
      if (!card_glib_wait_is_gone (self->wait))
        {
          g_autoptr(CardGlibCall) call = card_glib_call_begin (self->wait);
          g_autoptr(GAsyncResult) result = NULL;
          g_autoptr(GError) local_error = NULL;

          mbim_device_close (self->device, card_glib_timeout_seconds (CARD_MBIM_TEARDOWN_TIMEOUT_MS),
                             card_glib_call_get_cancellable (call), card_glib_call_ready, card_glib_call_ref (call));
          result = card_glib_call_finish (call, CARD_MBIM_TEARDOWN_TIMEOUT_MS, "closing the device", &local_error);
          if (result == NULL || !mbim_device_close_finish (self->device, result, &local_error))
            g_debug ("mbim: %s: closing: %s", transport->device, local_error->message);
        }
      else
        mbim_device_close_force (self->device, NULL);

      /* The device's last reference goes with its context pushed: its sources live there. */
      card_glib_wait_push (self->wait);
      g_clear_object (&self->device);
      card_glib_wait_pop (self->wait);
    }
  g_clear_pointer (&self->wait, card_glib_wait_free);
  g_free (self);
}

static const CardTransportOps card_mbim_ops = {
  .name = "mbim",
  .open_channel = mbim_open_channel,
  .transmit = mbim_transmit,
  .close_channel = mbim_close_channel,
  .free = mbim_free,
};

/* MS UICC low-level access has no slot argument: it reaches the card in the slot mapped to the modem's
 * executor. Make that the requested slot. A modem without slot mappings has one slot, which is fine for
 * slot 1 only. */
static gboolean
select_slot (CardMbim *self, GError **error)
{
  const gchar *operation = "MS Basic Connect Extensions Device Slot Mappings";
  guint wanted = self->parent.options.slot - 1;
  g_autoptr(MbimMessage) response = NULL;
  g_autoptr(MbimSlotArray) maps = NULL;
  g_autoptr(GError) query_error = NULL;
  GError *local_error = NULL;
  MbimMessage *request;
  guint32 map_count = 0;

  request = mbim_message_ms_basic_connect_extensions_device_slot_mappings_query_new (&local_error);
  response = command (self, request, local_error, self->parent.options.open_timeout_ms, operation, &query_error);
  if (response == NULL)
    {
      if (wanted == 0 && query_error->code != EUICCD_ERROR_TIMEOUT && !card_glib_wait_is_gone (self->wait))
        {
          g_debug ("mbim: %s: no slot mappings (%s); using the only slot", self->parent.device, query_error->message);
          return TRUE;
        }
      g_propagate_prefixed_error (error, g_steal_pointer (&query_error), "slot %u cannot be selected: ", wanted + 1);
      return FALSE;
    }
  if (!mbim_message_ms_basic_connect_extensions_device_slot_mappings_response_parse (response, &map_count, &maps,
                                                                                     &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: response does not parse: %s", operation,
                   local_error->message);
      g_error_free (local_error);
      return FALSE;
    }
  if (map_count == 0 || maps == NULL || maps[0] == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: the modem reports no executor", operation);
      return FALSE;
    }
  if (maps[0]->slot == wanted)
    return TRUE;

  g_info ("mbim: %s: switching executor 0 from slot %u to slot %u", self->parent.device, maps[0]->slot + 1,
          wanted + 1);
  maps[0]->slot = wanted;
  request = mbim_message_ms_basic_connect_extensions_device_slot_mappings_set_new (
    map_count, (const MbimSlot *const *) maps, &local_error);
  g_clear_pointer (&response, mbim_message_unref);
  g_clear_pointer (&maps, mbim_slot_array_free);
  response = command (self, request, local_error, self->parent.options.open_timeout_ms, operation, error);
  if (response == NULL)
    {
      g_prefix_error (error, "selecting slot %u: ", wanted + 1);
      return FALSE;
    }
  if (!mbim_message_ms_basic_connect_extensions_device_slot_mappings_response_parse (response, &map_count, &maps,
                                                                                     &local_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: response does not parse: %s", operation,
                   local_error->message);
      g_error_free (local_error);
      return FALSE;
    }
  if (map_count == 0 || maps == NULL || maps[0] == NULL || maps[0]->slot != wanted)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "%s: the modem did not switch to slot %u", operation,
                   wanted + 1);
      return FALSE;
    }
  return TRUE;
}

static gboolean
setup_device (CardMbim *self, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (self->parent.device);
  guint seconds = card_glib_timeout_seconds (self->parent.options.open_timeout_ms);
  MbimDeviceOpenFlags flags =
    self->parent.options.exclusive ? MBIM_DEVICE_OPEN_FLAGS_NONE : MBIM_DEVICE_OPEN_FLAGS_PROXY;
  const gchar *open_operation =
    self->parent.options.exclusive ? "opening the device" : "opening the device through mbim-proxy";
  GError *local_error = NULL;

  {
    g_autoptr(CardGlibCall) call = card_glib_call_begin (self->wait);
    g_autoptr(GAsyncResult) result = NULL;

    mbim_device_new (file, card_glib_call_get_cancellable (call), card_glib_call_ready, card_glib_call_ref (call));
    result = card_glib_call_finish (call, self->parent.options.open_timeout_ms, "creating the MBIM device",
                                    &local_error);
    if (result != NULL)
      self->device = mbim_device_new_finish (result, &local_error);
    if (self->device == NULL)
      {
        propagate_mbim_error (self, error, local_error, "creating the MBIM device");
        return FALSE;
      }
  }
  self->removed_id =
    g_signal_connect (self->device, MBIM_DEVICE_SIGNAL_REMOVED, G_CALLBACK (device_removed_cb), self);

  {
    g_autoptr(CardGlibCall) call = card_glib_call_begin (self->wait);
    g_autoptr(GAsyncResult) result = NULL;

    mbim_device_open_full (self->device, flags, seconds, card_glib_call_get_cancellable (call),
                           card_glib_call_ready, card_glib_call_ref (call));
    result = card_glib_call_finish (call, self->parent.options.open_timeout_ms, open_operation, &local_error);
    if (result == NULL || !mbim_device_open_full_finish (self->device, result, &local_error))
      {
        propagate_mbim_error (self, error, local_error, open_operation);
        return FALSE;
      }
  }

  return select_slot (self, error);
}

CardTransport *
card_mbim_open (const gchar *device, const CardTransportOptions *options, GError **error)
{
  g_autoptr(CardTransport) transport = NULL;
  CardMbim *self;

  if (options->slot < 1 || options->slot > 16)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "UICC slot %u is out of range (1 to 16)",
                   options->slot);
      return NULL;
    }
  if (device == NULL || *device == '\0')
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "no MBIM device path given (mbim:/dev/cdc-wdmN)");
      return NULL;
    }
  if (!g_file_test (device, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "MBIM device %s does not exist", device);
      return NULL;
    }

  self = g_new0 (CardMbim, 1);
  self->parent.ops = &card_mbim_ops;
  self->parent.options = *options;
  self->parent.device = g_strdup (device);
  self->wait = card_glib_wait_new ();
  transport = &self->parent;

  if (!setup_device (self, error))
    {
      g_prefix_error (error, "%s: ", device);
      return NULL;
    }
  g_debug ("mbim: %s open%s, slot %u", device, options->exclusive ? "" : " through mbim-proxy", options->slot);
  return g_steal_pointer (&transport);
}
