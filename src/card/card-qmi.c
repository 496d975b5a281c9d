/* SPDX-License-Identifier: Apache-2.0 */
/* QMI backend: the UIM service's Open Logical Channel, Send APDU and Logical Channel (close) through libqmi.
 * The three messages are built and parsed here by hand (see card-qmi.h); libqmi carries them and owns the
 * QMUX framing, the client id and qmi-proxy. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"


#include "card/card-glib-wait.h"
#include "card/card-qmi.h"
#include "card/card-apdu-log.h"
#include "card/card-transport.h"
#include "euiccd-error.h"

/* Standard TLVs of every QMI response, and the UIM ones used here. */
#define TLV_RESULT            0x02
#define TLV_IN_SLOT           0x01
#define TLV_IN_APDU           0x02
#define TLV_IN_OPEN_AID       0x10
#define TLV_IN_APDU_CHANNEL   0x10
#define TLV_IN_CLOSE_CHANNEL  0x11
#define TLV_IN_CLOSE_TERMINATE 0x13
#define TLV_OUT_CHANNEL       0x10
#define TLV_OUT_CARD_RESULT   0x11
#define TLV_OUT_SELECT        0x12
#define TLV_OUT_APDU          0x10

/* How long free() waits for the client release and the close, which nothing waits on afterwards. */
#define CARD_QMI_TEARDOWN_TIMEOUT_MS 3000

static const gchar *
operation_name (guint16 message_id)
{
  switch (message_id)
    {
    case CARD_QMI_UIM_OPEN_LOGICAL_CHANNEL:
      return "UIM Open Logical Channel (0x0042)";
    case CARD_QMI_UIM_SEND_APDU:
      return "UIM Send APDU (0x003B)";
    case CARD_QMI_UIM_LOGICAL_CHANNEL:
      return "UIM Logical Channel close (0x003F)";
    default:
      return "UIM request";
    }
}

/* ---- building ---- */

static gboolean
write_u8_tlv (QmiMessage *message, guint8 type, guint8 value, GError **error)
{
  gsize init = qmi_message_tlv_write_init (message, type, error);

  return init != 0 && qmi_message_tlv_write_guint8 (message, value, error)
         && qmi_message_tlv_write_complete (message, init, error);
}

QmiMessage *
card_qmi_build_open_logical_channel (guint8 client_id, guint16 transaction_id, guint8 slot, const guint8 *aid,
                                     gsize aid_length, GError **error)
{
  g_autoptr(QmiMessage) message = NULL;
  gsize init;

  if (aid_length == 0 || aid_length > 16)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "%s: AID of %" G_GSIZE_FORMAT " bytes (expected 1 to 16)",
                   operation_name (CARD_QMI_UIM_OPEN_LOGICAL_CHANNEL), aid_length);
      return NULL;
    }

  message = qmi_message_new (QMI_SERVICE_UIM, client_id, transaction_id, CARD_QMI_UIM_OPEN_LOGICAL_CHANNEL);
  if (!write_u8_tlv (message, TLV_IN_SLOT, slot, error))
    return NULL;
  /* AID: one length byte, then the bytes. */
  init = qmi_message_tlv_write_init (message, TLV_IN_OPEN_AID, error);
  if (init == 0 || !qmi_message_tlv_write_guint8 (message, (guint8) aid_length, error))
    return NULL;
  for (gsize i = 0; i < aid_length; i++)
    if (!qmi_message_tlv_write_guint8 (message, aid[i], error))
      return NULL;
  if (!qmi_message_tlv_write_complete (message, init, error))
    return NULL;
  return g_steal_pointer (&message);
}

QmiMessage *
card_qmi_build_send_apdu (guint8 client_id, guint16 transaction_id, guint8 slot, guint8 channel,
                          const guint8 *apdu, gsize apdu_length, GError **error)
{
  g_autoptr(QmiMessage) message = NULL;
  gsize init;

  /* The TLV length field is 16 bits and the TLV also holds the 2-byte APDU length. */
  if (apdu_length < 4 || apdu_length > G_MAXUINT16 - 2)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "%s: command APDU of %" G_GSIZE_FORMAT " bytes", operation_name (CARD_QMI_UIM_SEND_APDU),
                   apdu_length);
      return NULL;
    }

  message = qmi_message_new (QMI_SERVICE_UIM, client_id, transaction_id, CARD_QMI_UIM_SEND_APDU);
  if (!write_u8_tlv (message, TLV_IN_SLOT, slot, error))
    return NULL;
  init = qmi_message_tlv_write_init (message, TLV_IN_APDU, error);
  if (init == 0 || !qmi_message_tlv_write_guint16 (message, QMI_ENDIAN_LITTLE, (guint16) apdu_length, error))
    return NULL;
  for (gsize i = 0; i < apdu_length; i++)
    if (!qmi_message_tlv_write_guint8 (message, apdu[i], error))
      return NULL;
  if (!qmi_message_tlv_write_complete (message, init, error))
    return NULL;
  /* Channel 0 is the basic channel: the request then carries no channel id (some modems only allow that). */
  if (channel != 0 && !write_u8_tlv (message, TLV_IN_APDU_CHANNEL, channel, error))
    return NULL;
  return g_steal_pointer (&message);
}

QmiMessage *
card_qmi_build_close_logical_channel (guint8 client_id, guint16 transaction_id, guint8 slot, guint8 channel,
                                      GError **error)
{
  g_autoptr(QmiMessage) message = NULL;

  message = qmi_message_new (QMI_SERVICE_UIM, client_id, transaction_id, CARD_QMI_UIM_LOGICAL_CHANNEL);
  if (!write_u8_tlv (message, TLV_IN_SLOT, slot, error) || !write_u8_tlv (message, TLV_IN_CLOSE_CHANNEL, channel, error)
      /* Terminate the application too, so the ISD-R session state on the card ends with the channel. */
      || !write_u8_tlv (message, TLV_IN_CLOSE_TERMINATE, 1, error))
    return NULL;
  return g_steal_pointer (&message);
}

/* ---- parsing ---- */

/* Status word from the optional card result TLV (SW1, SW2), or -1 when absent or malformed. */
static gint
read_card_result (QmiMessage *response)
{
  guint16 length = 0;
  const guint8 *value = qmi_message_get_raw_tlv (response, TLV_OUT_CARD_RESULT, &length);

  if (value == NULL || length != 2)
    return -1;
  return value[0] << 8 | value[1];
}

static gboolean
check_response (QmiMessage *response, guint16 message_id, GError **error)
{
  const gchar *operation = operation_name (message_id);
  g_autoptr(GError) tlv_error = NULL;
  guint16 status = 0;
  guint16 code = 0;
  gsize offset = 0;
  gsize init;

  if (qmi_message_get_service (response) != QMI_SERVICE_UIM || !qmi_message_is_response (response)
      || qmi_message_get_message_id (response) != message_id)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL,
                   "%s: answered by a message that is not its response (service 0x%02X, message 0x%04X)", operation,
                   qmi_message_get_service (response), qmi_message_get_message_id (response));
      return FALSE;
    }

  init = qmi_message_tlv_read_init (response, TLV_RESULT, NULL, &tlv_error);
  if (init == 0 || !qmi_message_tlv_read_guint16 (response, init, &offset, QMI_ENDIAN_LITTLE, &status, &tlv_error)
      || !qmi_message_tlv_read_guint16 (response, init, &offset, QMI_ENDIAN_LITTLE, &code, &tlv_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: response without a valid result TLV: %s",
                   operation, tlv_error->message);
      return FALSE;
    }
  if (status != 0 || code != 0)
    {
      const gchar *name = qmi_protocol_error_get_string ((QmiProtocolError) code);
      gint sw = read_card_result (response);

      if (sw >= 0)
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT,
                     "%s failed: QMI error %s (%u), card status word %04X", operation,
                     name != NULL ? name : "unknown", code, (guint) sw);
      else
        g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s failed: QMI error %s (%u)", operation,
                     name != NULL ? name : "unknown", code);
      return FALSE;
    }
  return TRUE;
}

/* Success status words for a SELECT: normal (90xx, 91xx), more data (61xx) and warnings (62xx, 63xx). */
static gboolean
select_status_ok (guint sw)
{
  guint sw1 = sw >> 8;

  return sw1 == 0x90 || sw1 == 0x91 || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63;
}

gboolean
card_qmi_parse_open_logical_channel (QmiMessage *response, guint8 *ret_channel, GBytes **ret_select_response,
                                     GError **error)
{
  const gchar *operation = operation_name (CARD_QMI_UIM_OPEN_LOGICAL_CHANNEL);
  g_autoptr(GError) tlv_error = NULL;
  const guint8 *select;
  guint16 select_length = 0;
  guint8 channel = 0;
  gsize offset = 0;
  gsize init;
  gint sw;

  if (!check_response (response, CARD_QMI_UIM_OPEN_LOGICAL_CHANNEL, error))
    return FALSE;

  sw = read_card_result (response);
  if (sw >= 0 && !select_status_ok ((guint) sw))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "%s: the card refused the SELECT with status word %04X",
                   operation, (guint) sw);
      return FALSE;
    }

  init = qmi_message_tlv_read_init (response, TLV_OUT_CHANNEL, NULL, &tlv_error);
  if (init == 0 || !qmi_message_tlv_read_guint8 (response, init, &offset, &channel, &tlv_error))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: success without a channel id: %s", operation,
                   tlv_error->message);
      return FALSE;
    }
  /* ISO 7816-4 has channels 1-19 besides the basic channel; anything else cannot be put in a CLA byte. */
  if (channel == 0 || channel > 19)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: modem gave logical channel %u (expected 1 to 19)",
                   operation, channel);
      return FALSE;
    }

  select = qmi_message_get_raw_tlv (response, TLV_OUT_SELECT, &select_length);
  if (select != NULL)
    {
      if (select_length < 1 || (gsize) select[0] + 1 != select_length)
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL,
                       "%s: select response TLV of %u bytes announces %u bytes of data", operation, select_length,
                       select_length > 0 ? select[0] : 0);
          return FALSE;
        }
    }

  *ret_channel = channel;
  if (ret_select_response != NULL)
    *ret_select_response = (select != NULL && select[0] > 0) ? g_bytes_new (select + 1, select[0]) : NULL;
  return TRUE;
}

GBytes *
card_qmi_parse_send_apdu (QmiMessage *response, GError **error)
{
  const gchar *operation = operation_name (CARD_QMI_UIM_SEND_APDU);
  const guint8 *value;
  guint16 length = 0;
  guint16 apdu_length;

  if (!check_response (response, CARD_QMI_UIM_SEND_APDU, error))
    return NULL;

  value = qmi_message_get_raw_tlv (response, TLV_OUT_APDU, &length);
  if (value == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: success without an APDU response TLV (0x10)",
                   operation);
      return NULL;
    }
  if (length < 2)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: APDU response TLV of %u bytes", operation, length);
      return NULL;
    }
  apdu_length = (guint16) (value[0] | value[1] << 8);
  if ((gsize) apdu_length + 2 != length)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL,
                   "%s: APDU response TLV of %u bytes announces %u bytes of response", operation, length, apdu_length);
      return NULL;
    }
  if (apdu_length < 2)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "%s: response of %u bytes has no status word",
                   operation, apdu_length);
      return NULL;
    }
  return g_bytes_new (value + 2, apdu_length);
}

gboolean
card_qmi_parse_close_logical_channel (QmiMessage *response, GError **error)
{
  return check_response (response, CARD_QMI_UIM_LOGICAL_CHANNEL, error);
}

/* ---- the backend ---- */

typedef struct {
  CardTransport parent;
  CardGlibWait *wait;
  QmiDevice *device;
  QmiClient *client;
  gulong removed_id;
  guint8 slot;
} CardQmi;

/* Converts a libqmi error (or the waiter's own) at the layer edge, keeping QMI's name and number. */
static void
propagate_qmi_error (CardQmi *self, GError **error, GError *qmi_error, const gchar *operation)
{
  if (qmi_error->domain == EUICCD_ERROR)
    {
      g_propagate_error (error, qmi_error);
      return;
    }
  if (self->wait != NULL && card_glib_wait_is_gone (self->wait))
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s: modem device %s went away (%s)", operation,
                 self->parent.device, qmi_error->message);
  else if (qmi_error->domain == QMI_CORE_ERROR && qmi_error->code == QMI_CORE_ERROR_TIMEOUT)
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TIMEOUT, "%s: %s", operation, qmi_error->message);
  else if (qmi_error->domain == QMI_PROTOCOL_ERROR)
    {
      const gchar *name = qmi_protocol_error_get_string ((QmiProtocolError) qmi_error->code);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s failed: QMI error %s (%d)", operation,
                   name != NULL ? name : "unknown", qmi_error->code);
    }
  else
    g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "%s failed: %s", operation, qmi_error->message);
  g_error_free (qmi_error);
}

static void
device_removed_cb (QmiDevice *device, gpointer user_data)
{
  CardQmi *self = user_data;

  g_debug ("qmi: %s removed", self->parent.device);
  card_glib_wait_set_gone (self->wait, "the modem device hung up");
}

/* Sends one raw UIM request and waits for its response, within timeout_ms. */
static QmiMessage *
command (CardQmi *self, QmiMessage *request, guint timeout_ms, GError **error)
{
  const gchar *operation = operation_name (qmi_message_get_message_id (request));
  g_autoptr(CardGlibCall) call = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GError *local_error = NULL;
  QmiMessage *response;

  call = card_glib_call_begin (self->wait);
  qmi_device_command_full (self->device, request, NULL, card_glib_timeout_seconds (timeout_ms),
                           card_glib_call_get_cancellable (call), card_glib_call_ready, card_glib_call_ref (call));
  result = card_glib_call_finish (call, timeout_ms, operation, &local_error);
  if (result == NULL)
    {
      propagate_qmi_error (self, error, local_error, operation);
      return NULL;
    }
  response = qmi_device_command_full_finish (self->device, result, &local_error);
  if (response == NULL)
    {
      propagate_qmi_error (self, error, local_error, operation);
      return NULL;
    }
  return response;
}

/* The QMI error code of a response's result TLV, 0 when it has none. */
static guint16
result_code (QmiMessage *response)
{
  guint16 length = 0;
  const guint8 *value = qmi_message_get_raw_tlv (response, TLV_RESULT, &length);

  if (value == NULL || length != 4)
    return 0;
  return (guint16) (value[2] | value[3] << 8);
}

static gboolean
qmi_open_channel (CardTransport *transport, const guint8 *aid, gsize aid_length, guint8 *ret_channel,
                  GBytes **ret_select_response, GError **error)
{
  CardQmi *self = (CardQmi *) transport;
  g_autoptr(QmiMessage) request = NULL;
  g_autoptr(QmiMessage) response = NULL;
  gint sw;

  request = card_qmi_build_open_logical_channel (qmi_client_get_cid (self->client),
                                                 qmi_client_get_next_transaction_id (self->client), self->slot, aid,
                                                 aid_length, error);
  if (request == NULL)
    return FALSE;
  response = command (self, request, transport->options.open_timeout_ms, error);
  if (response == NULL)
    return FALSE;
  if (!card_qmi_parse_open_logical_channel (response, ret_channel, ret_select_response, error))
    {
      /* The modem's answer when every logical channel of the card is taken. */
      if (result_code (response) == QMI_PROTOCOL_ERROR_INSUFFICIENT_RESOURCES && error != NULL && *error != NULL)
        {
          (*error)->code = EUICCD_ERROR_BUSY;
          g_prefix_error (error, "no free logical channel: ");
        }
      /* The card itself said it has no such application (a UICC without an ISD-R): the card's answer, not the
       * modem's failure. */
      else if ((result_code (response) == QMI_PROTOCOL_ERROR_SIM_FILE_NOT_FOUND || read_card_result (response) == 0x6A82)
               && error != NULL && *error != NULL)
        (*error)->code = EUICCD_ERROR_CARD;
      g_prefix_error (error, "slot %u: ", self->slot);
      return FALSE;
    }
  sw = read_card_result (response);
  card_transport_note_modem_open (transport, *ret_channel, aid, aid_length, 0x00, sw >= 0 ? (guint16) sw : 0x9000);
  return TRUE;
}

static GBytes *
qmi_transmit (CardTransport *transport, guint8 channel, const guint8 *apdu, gsize apdu_length, GError **error)
{
  CardQmi *self = (CardQmi *) transport;
  g_autoptr(QmiMessage) request = NULL;
  g_autoptr(QmiMessage) response = NULL;
  GBytes *apdu_response;

  request = card_qmi_build_send_apdu (qmi_client_get_cid (self->client),
                                      qmi_client_get_next_transaction_id (self->client), self->slot, channel, apdu,
                                      apdu_length, error);
  if (request == NULL)
    return NULL;
  response = command (self, request, transport->options.apdu_timeout_ms, error);
  if (response == NULL)
    return NULL;
  apdu_response = card_qmi_parse_send_apdu (response, error);
  /* InvalidArgument to an APDU on a logical channel: the modem checks the channel id against those it holds,
   * and a UIM that reset on its own (no REFRESH seen by the host) holds none; the APDU never reached the card. */
  if (apdu_response == NULL && channel != 0 && result_code (response) == QMI_PROTOCOL_ERROR_INVALID_ARGUMENT
      && error != NULL && *error != NULL)
    {
      (*error)->code = EUICCD_ERROR_CHANNEL_GONE;
      g_prefix_error (error, "logical channel %u is no longer open on the modem: ", channel);
    }
  return apdu_response;
}

static gboolean
qmi_close_channel (CardTransport *transport, guint8 channel, GError **error)
{
  CardQmi *self = (CardQmi *) transport;
  g_autoptr(QmiMessage) request = NULL;
  g_autoptr(QmiMessage) response = NULL;

  request = card_qmi_build_close_logical_channel (qmi_client_get_cid (self->client),
                                                  qmi_client_get_next_transaction_id (self->client), self->slot,
                                                  channel, error);
  if (request == NULL)
    return FALSE;
  response = command (self, request, transport->options.apdu_timeout_ms, error);
  if (response == NULL)
    return FALSE;
  if (!card_qmi_parse_close_logical_channel (response, error))
    return FALSE;
  card_transport_note_modem_close (transport, channel);
  return TRUE;
}

static void
qmi_free (CardTransport *transport)
{
  CardQmi *self = (CardQmi *) transport;

  if (self->client != NULL && self->device != NULL && !card_glib_wait_is_gone (self->wait))
    {
      g_autoptr(CardGlibCall) call = card_glib_call_begin (self->wait);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) local_error = NULL;

      /* Give the client id back to the modem (or qmi-proxy): they are a scarce per-service resource. */
      qmi_device_release_client (self->device, self->client, QMI_DEVICE_RELEASE_CLIENT_FLAGS_RELEASE_CID,
                                 card_glib_timeout_seconds (CARD_QMI_TEARDOWN_TIMEOUT_MS),
                                 card_glib_call_get_cancellable (call), card_glib_call_ready,
                                 card_glib_call_ref (call));
      result = card_glib_call_finish (call, CARD_QMI_TEARDOWN_TIMEOUT_MS, "releasing the UIM client", &local_error);
      if (result == NULL || !qmi_device_release_client_finish (self->device, result, &local_error))
        g_debug ("qmi: %s: releasing the UIM client: %s", transport->device, local_error->message);
    }
  g_clear_object (&self->client);

  if (self->device != NULL)
    {
      g_autoptr(CardGlibCall) call = card_glib_call_begin (self->wait);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) local_error = NULL;

      if (self->removed_id != 0)
        g_signal_handler_disconnect (self->device, self->removed_id);
      qmi_device_close_async (self->device, card_glib_timeout_seconds (CARD_QMI_TEARDOWN_TIMEOUT_MS),
                              card_glib_call_get_cancellable (call), card_glib_call_ready, card_glib_call_ref (call));
      result = card_glib_call_finish (call, CARD_QMI_TEARDOWN_TIMEOUT_MS, "closing the device", &local_error);
      if (result == NULL || !qmi_device_close_finish (self->device, result, &local_error))
        g_debug ("qmi: %s: closing: %s", transport->device, local_error->message);

      /* The device's last reference goes with its context pushed: its sources live there. */
      card_glib_wait_push (self->wait);
      g_clear_object (&self->device);
      card_glib_wait_pop (self->wait);
    }
  g_clear_pointer (&self->wait, card_glib_wait_free);
  g_free (self);
}

static const CardTransportOps card_qmi_ops = {
  .name = "qmi",
  .open_channel = qmi_open_channel,
  .transmit = qmi_transmit,
  .close_channel = qmi_close_channel,
  .free = qmi_free,
};

/* Runs one of libqmi's device set-up steps; `start` has begun it with the call's callback. */
static GAsyncResult *
wait_setup_step (CardQmi *self, CardGlibCall *call, const gchar *operation, GError **error)
{
  GError *local_error = NULL;
  GAsyncResult *result = card_glib_call_finish (call, self->parent.options.open_timeout_ms, operation, &local_error);

  if (result == NULL)
    propagate_qmi_error (self, error, local_error, operation);
  return result;
}

static gboolean
setup_device (CardQmi *self, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (self->parent.device);
  guint seconds = card_glib_timeout_seconds (self->parent.options.open_timeout_ms);
  QmiDeviceOpenFlags flags = self->parent.options.exclusive ? QMI_DEVICE_OPEN_FLAGS_NONE : QMI_DEVICE_OPEN_FLAGS_PROXY;
  GError *local_error = NULL;

  {
    g_autoptr(CardGlibCall) call = card_glib_call_begin (self->wait);
    g_autoptr(GAsyncResult) result = NULL;

    qmi_device_new (file, card_glib_call_get_cancellable (call), card_glib_call_ready, card_glib_call_ref (call));
    result = wait_setup_step (self, call, "creating the QMI device", error);
    if (result == NULL)
      return FALSE;
    self->device = qmi_device_new_finish (result, &local_error);
    if (self->device == NULL)
      {
        propagate_qmi_error (self, error, local_error, "creating the QMI device");
        return FALSE;
      }
  }
  self->removed_id = g_signal_connect (self->device, QMI_DEVICE_SIGNAL_REMOVED, G_CALLBACK (device_removed_cb), self);

  {
    g_autoptr(CardGlibCall) call = card_glib_call_begin (self->wait);
    g_autoptr(GAsyncResult) result = NULL;
    const gchar *operation = self->parent.options.exclusive ? "opening the device" : "opening the device through qmi-proxy";

    qmi_device_open (self->device, flags, seconds, card_glib_call_get_cancellable (call), card_glib_call_ready,
                     card_glib_call_ref (call));
    result = wait_setup_step (self, call, operation, error);
    if (result == NULL)
      return FALSE;
    if (!qmi_device_open_finish (self->device, result, &local_error))
      {
        propagate_qmi_error (self, error, local_error, operation);
        return FALSE;
      }
  }

  {
    g_autoptr(CardGlibCall) call = card_glib_call_begin (self->wait);
    g_autoptr(GAsyncResult) result = NULL;

    qmi_device_allocate_client (self->device, QMI_SERVICE_UIM, QMI_CID_NONE, seconds,
                                card_glib_call_get_cancellable (call), card_glib_call_ready,
                                card_glib_call_ref (call));
    result = wait_setup_step (self, call, "allocating a UIM client", error);
    if (result == NULL)
      return FALSE;
    self->client = qmi_device_allocate_client_finish (self->device, result, &local_error);
    if (self->client == NULL)
      {
        propagate_qmi_error (self, error, local_error, "allocating a UIM client");
        return FALSE;
      }
  }
  return TRUE;
}

CardTransport *
card_qmi_open (const gchar *device, const CardTransportOptions *options, GError **error)
{
  g_autoptr(CardTransport) transport = NULL;
  CardQmi *self;

  if (options->slot < 1 || options->slot > G_MAXUINT8)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "UIM slot %u is out of range (1 to 255)",
                   options->slot);
      return NULL;
    }
  if (device == NULL || *device == '\0')
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "no QMI device path given (qmi:/dev/cdc-wdmN)");
      return NULL;
    }
  if (!g_file_test (device, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "QMI device %s does not exist", device);
      return NULL;
    }

  self = g_new0 (CardQmi, 1);
  self->parent.ops = &card_qmi_ops;
  self->parent.options = *options;
  self->parent.device = g_strdup (device);
  self->slot = (guint8) options->slot;
  self->wait = card_glib_wait_new ();
  transport = &self->parent;

  if (!setup_device (self, error))
    {
      g_prefix_error (error, "%s: ", device);
      return NULL;
    }
  g_debug ("qmi: %s open%s, UIM client %u, slot %u", device, options->exclusive ? "" : " through qmi-proxy",
           qmi_client_get_cid (self->client), self->slot);
  return g_steal_pointer (&transport);
}
