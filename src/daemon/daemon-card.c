/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include <string.h>

#include "daemon/daemon-card.h"
#include "daemon/daemon-log.h"
#include "der/der.h"
#include "euiccd-error.h"

struct _DaemonCard {
  const DaemonConfig *config;
  CardTransport *transport;
  IsdrSession *session;
  gboolean known;
  guint8 eid[16];
  gchar *eid_hex;
  Es10EimConfigurationList *eims;
  guint apdus;           /* of transports already closed */
  guint channel_opens;
};

DaemonCard *
daemon_card_new (const DaemonConfig *config)
{
  DaemonCard *card = g_new0 (DaemonCard, 1);
  card->config = config;
  return card;
}

void
daemon_card_free (DaemonCard *card)
{
  if (card == NULL)
    return;
  daemon_card_close (card);
  g_free (card->eid_hex);
  g_clear_pointer (&card->eims, es10_eim_configuration_list_free);
  g_free (card);
}

gchar *
daemon_card_resolve_device (const gchar *device, GError **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) found = NULL;
  const gchar *name;

  if (g_strcmp0 (device, "auto") != 0)
    return g_strdup (device);
  dir = g_dir_open ("/dev", 0, error);
  if (dir == NULL)
    return NULL;
  found = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "cdc-wdm"))
      g_ptr_array_add (found, g_strdup (name));
  if (found->len == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND,
                   "[Card] Device=auto: no /dev/cdc-wdm* modem port found; set Device= to qmi:, mbim:, pcsc: or at:");
      return NULL;
    }
  g_ptr_array_sort (found, (GCompareFunc) g_strcmp0);
  return g_strdup_printf ("qmi:/dev/%s", (const gchar *) g_ptr_array_index (found, 0));
}

IsdrSession *
daemon_card_session_open (gpointer user_data, GError **error)
{
  DaemonCard *card = user_data;
  const DaemonConfig *config = card->config;
  g_autofree gchar *device = NULL;
  CardTransportOptions transport_options;
  IsdrSessionOptions session_options;

  if (card->session != NULL)
    return card->session;

  device = daemon_card_resolve_device (config->card_device, error);
  if (device == NULL)
    return NULL;
  card_transport_options_init (&transport_options);
  transport_options.slot = config->card_slot;
  transport_options.exclusive = config->card_exclusive;
  transport_options.apdu_timeout_ms = config->card_apdu_timeout_s * 1000;
  transport_options.open_timeout_ms = config->card_open_timeout_s * 1000;
  card->transport = card_transport_open (device, &transport_options, error);
  if (card->transport == NULL)
    return NULL;

  isdr_session_options_init (&session_options);
  session_options.aid = config->card_isdr_aid;
  session_options.aid_length = config->card_isdr_aid_length;
  session_options.block_size = config->card_store_data_block_size;
  card->session = isdr_session_open (card->transport, &session_options, error);
  if (card->session == NULL)
    {
      daemon_card_close (card);
      return NULL;
    }
  return card->session;
}

void
daemon_card_session_release (gpointer user_data, IsdrSession *session)
{
  /* Kept open until the poll ends: the next eIM of the same poll uses it too. */
}

void
daemon_card_close (DaemonCard *card)
{
  g_clear_pointer (&card->session, isdr_session_close);
  if (card->transport != NULL)
    {
      card->apdus += card->transport->stats.apdus;
      card->channel_opens += card->transport->stats.channel_opens;
      g_clear_pointer (&card->transport, card_transport_free);
    }
}

void
daemon_card_get_counters (DaemonCard *card, guint *ret_apdus, guint *ret_channel_opens)
{
  *ret_apdus = card->apdus + (card->transport != NULL ? card->transport->stats.apdus : 0);
  *ret_channel_opens = card->channel_opens + (card->transport != NULL ? card->transport->stats.channel_opens : 0);
}

void
daemon_card_invalidate (DaemonCard *card)
{
  card->known = FALSE;
}

gboolean
daemon_card_is_known (DaemonCard *card)
{
  return card->known;
}

gboolean
daemon_card_refresh (DaemonCard *card, GError **error)
{
  g_autofree gchar *eid_hex = NULL;
  g_autoptr(Es10EimConfigurationList) eims = NULL;
  g_autoptr(GBytes) eid = NULL;
  g_autofree gchar *shown = NULL;
  IsdrSession *session;

  if (card->known)
    return TRUE;
  session = daemon_card_session_open (card, error);
  if (session == NULL)
    return FALSE;
  if (!es10_get_eid (session, &eid_hex, error))
    return FALSE;
  eid = der_from_hex (eid_hex, error);
  if (eid == NULL)
    return FALSE;
  if (g_bytes_get_size (eid) != 16)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "GetEID: the EID has %" G_GSIZE_FORMAT
                   " bytes, expected 16", g_bytes_get_size (eid));
      return FALSE;
    }
  if (!es10_get_eim_configuration_data (session, NULL, &eims, error))
    return FALSE;

  memcpy (card->eid, g_bytes_get_data (eid, NULL), 16);
  g_free (card->eid_hex);
  card->eid_hex = g_steal_pointer (&eid_hex);
  g_clear_pointer (&card->eims, es10_eim_configuration_list_free);
  card->eims = g_steal_pointer (&eims);
  card->known = TRUE;
  shown = daemon_log_redact (card->eid_hex);
  g_message ("eUICC %s with %u eIM configuration(s)", shown, card->eims->eims->len);
  return TRUE;
}

const guint8 *
daemon_card_get_eid (DaemonCard *card)
{
  return card->eid;
}

const gchar *
daemon_card_get_eid_hex (DaemonCard *card)
{
  return card->known ? card->eid_hex : NULL;
}

const Es10EimConfigurationList *
daemon_card_get_eims (DaemonCard *card)
{
  return card->eims;
}
