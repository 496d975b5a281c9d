/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include <string.h>

#include "card/es10-info.h"

#include "daemon/daemon-card.h"
#include "daemon/daemon-log.h"
#include "daemon/daemon-modem-scan.h"
#include "daemon/daemon-sgp22-eims.h"
#include "daemon/daemon-store.h"
#include "der/der.h"
#include "euiccd-error.h"

/* The logical channel this process holds, in the state directory: a process killed while holding it (SIGKILL,
 * OOM, a host reboot with the modem powered) leaves it open on the card, and the next start closes it. */
#define CHANNEL_RECORD_FILE "card-channel"
#define CHANNEL_RECORD_GROUP "Channel"

struct _DaemonCard {
  const DaemonConfig *config;
  DaemonStore *store;    /* NULL: no channel record */
  DaemonSgp22Eims *sgp22_eims;  /* the eIMs euiccd keeps for a consumer eUICC; NULL without a store */
  CardTransport *transport;
  IsdrSession *session;
  gchar *device;         /* resolved when the transport was opened */
  guint slot;            /* likewise */
  DaemonCardResolveFunc resolve;
  gpointer resolve_data;
  gboolean read_details;
  gboolean known;
  guint8 eid[16];
  DaemonCardFacts *facts;
  DaemonCardSupport support;
  gchar *support_reason;
  guint apdus;           /* of transports already closed */
  guint channel_opens;
  /* The modem failed or went away since the card was last read: what answers next may be another module
   * with another card, so the facts are read again, and the eUICC's pending work looked for. */
  gboolean lost;
  gboolean reread_after_loss; /* the facts were read again because of that, for the engine to hear once */
  gboolean went_away;    /* a session asked for a new transport since the card was last read */
  guint reconnects;
  /* The device whose module refused logical channels and reached the ISD-R on the basic channel (AT+CSIM):
   * later transports on it start there. Forgotten when the modem fails or is lost, or the session cannot be
   * opened that way. */
  gchar *basic_channel_device;
};

static void
facts_clear (gpointer data)
{
  DaemonCardFacts *facts = data;

  g_free (facts->eid);
  g_free (facts->transport);
  g_free (facts->device);
  g_clear_pointer (&facts->eims, es10_eim_configuration_list_free);
  g_clear_pointer (&facts->info2, es10_euicc_info2_free);
  g_clear_pointer (&facts->profiles, es10_profile_list_free);
}

DaemonCardFacts *
daemon_card_facts_ref (DaemonCardFacts *facts)
{
  return g_atomic_rc_box_acquire (facts);
}

void
daemon_card_facts_unref (DaemonCardFacts *facts)
{
  if (facts != NULL)
    g_atomic_rc_box_release_full (facts, facts_clear);
}

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
  g_clear_pointer (&card->facts, daemon_card_facts_unref);
  g_free (card->device);
  g_free (card->basic_channel_device);
  g_free (card->support_reason);
  g_clear_pointer (&card->sgp22_eims, daemon_sgp22_eims_free);
  g_free (card);
}

/* g_ptr_array_sort() passes pointers to the elements, not the strings themselves. */
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

gchar *
daemon_card_find_qmi_port (const gchar *dev_directory, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open (dev_directory, 0, error);
  g_autoptr(GPtrArray) found = NULL;
  const gchar *name;

  if (dir == NULL)
    return NULL;
  found = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "cdc-wdm"))
      g_ptr_array_add (found, g_strdup (name));
  if (found->len == 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND,
                   "[Card] Device=auto: no %s/cdc-wdm* modem port found; set Device= to qmi:, mbim:, pcsc: or at:",
                   dev_directory);
      return NULL;
    }
  g_ptr_array_sort (found, compare_names);
  return g_strdup_printf ("qmi:%s/%s", dev_directory, (const gchar *) g_ptr_array_index (found, 0));
}

gchar *
daemon_card_resolve_device (const gchar *device, GError **error)
{
  if (g_strcmp0 (device, "auto") != 0)
    return g_strdup (device);
  return daemon_modem_scan_find_port (daemon_modem_scan_dev_dir (), daemon_modem_scan_sysfs_dir (), error);
}

void
daemon_card_set_resolver (DaemonCard *card, DaemonCardResolveFunc func, gpointer user_data)
{
  card->resolve = func;
  card->resolve_data = user_data;
}

void
daemon_card_set_store (DaemonCard *card, DaemonStore *store)
{
  card->store = store;
  g_clear_pointer (&card->sgp22_eims, daemon_sgp22_eims_free);
  if (store != NULL)
    card->sgp22_eims = daemon_sgp22_eims_new (store, card->config);
}

DaemonSgp22Eims *
daemon_card_get_sgp22_eims (DaemonCard *card)
{
  return card->support == DAEMON_CARD_SUPPORT_SGP22 ? card->sgp22_eims : NULL;
}

static void
record_channel (guint8 channel, gpointer user_data)
{
  DaemonCard *card = user_data;
  g_autoptr(GError) error = NULL;

  if (card->store == NULL)
    return;
  if (channel == 0)
    {
      if (!daemon_store_remove_file (card->store, CHANNEL_RECORD_FILE, &error))
        g_warning ("Removing the channel record: %s", error->message);
      return;
    }
  {
    g_autoptr(GKeyFile) record = g_key_file_new ();
    g_autofree gchar *text = NULL;
    g_autoptr(GBytes) bytes = NULL;
    gsize length = 0;

    g_key_file_set_string (record, CHANNEL_RECORD_GROUP, "Device", card->device);
    g_key_file_set_integer (record, CHANNEL_RECORD_GROUP, "Slot", (gint) card->slot);
    g_key_file_set_integer (record, CHANNEL_RECORD_GROUP, "Channel", channel);
    text = g_key_file_to_data (record, &length, NULL);
    bytes = g_bytes_new_take (g_steal_pointer (&text), length);
    if (!daemon_store_write_file (card->store, CHANNEL_RECORD_FILE, bytes, &error))
      g_warning ("Recording logical channel %u: %s", channel, error->message);
  }
}

/* Closes the channel an earlier process recorded and did not close (it was killed, or the close failed).
 * Nothing here may stop the poll: the worst case is a channel still taken, which the session's own
 * close-and-retry deals with. */
static void
close_recorded_channel (DaemonCard *card)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GKeyFile) record = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *device = NULL;
  gint slot;
  gint channel;

  if (card->store == NULL)
    return;
  bytes = daemon_store_read_file (card->store, CHANNEL_RECORD_FILE, &error);
  if (bytes == NULL)
    {
      if (!g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND))
        g_warning ("Reading the channel record: %s", error->message);
      return;
    }
  if (!g_key_file_load_from_data (record, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                  G_KEY_FILE_NONE, &error)
      || (device = g_key_file_get_string (record, CHANNEL_RECORD_GROUP, "Device", &error)) == NULL
      || (slot = g_key_file_get_integer (record, CHANNEL_RECORD_GROUP, "Slot", &error), error != NULL)
      || (channel = g_key_file_get_integer (record, CHANNEL_RECORD_GROUP, "Channel", &error), error != NULL))
    {
      g_warning ("%s/%s is damaged (%s): removed", daemon_store_get_directory (card->store), CHANNEL_RECORD_FILE,
                 error->message);
    }
  else if (g_strcmp0 (device, card->device) != 0 || slot != (gint) card->slot || channel < 1
           || channel > 19)
    g_message ("The recorded logical channel %d is on %s slot %d, not this card: forgotten", channel, device, slot);
  else
    {
      g_autoptr(GError) close_error = NULL;

      if (card_transport_close_channel (card->transport, (guint8) channel, &close_error))
        g_message ("Closed logical channel %d, left open by an earlier euiccd", channel);
      else
        g_message ("Closing logical channel %d left by an earlier euiccd: %s", channel, close_error->message);
    }
  g_clear_error (&error);
  if (!daemon_store_remove_file (card->store, CHANNEL_RECORD_FILE, &error))
    g_warning ("Removing the channel record: %s", error->message);
}

static void
set_support (DaemonCard *card, DaemonCardSupport support, gchar *reason)
{
  if (reason != NULL && (card->support != support || g_strcmp0 (reason, card->support_reason) != 0))
    g_warning ("The card cannot be managed by euiccd: %s", reason);
  card->support = support;
  g_free (card->support_reason);
  card->support_reason = reason;
}

DaemonCardSupport
daemon_card_get_support (DaemonCard *card, const gchar **ret_reason)
{
  if (ret_reason != NULL)
    *ret_reason = card->support_reason;
  return card->support;
}

/* Resolves the configured device again each time (Device=auto finds a module that came back at another
 * path) and opens it. A failure marks the modem lost. */
static CardTransport *
open_transport (DaemonCard *card, GError **error)
{
  const DaemonConfig *config = card->config;
  g_autofree gchar *device = NULL;
  guint slot = 0;
  CardTransportOptions transport_options;
  CardTransport *transport;

  if (g_strcmp0 (config->card_device, "auto") == 0 && card->resolve != NULL)
    device = card->resolve (&slot, card->resolve_data, error);
  else
    device = daemon_card_resolve_device (config->card_device, error);
  if (device == NULL)
    {
      card->lost = TRUE;
      g_clear_pointer (&card->basic_channel_device, g_free);
      return NULL;
    }
  if (slot == 0)
    slot = config->card_slot;
  card_transport_options_init (&transport_options);
  transport_options.slot = slot;
  transport_options.exclusive = config->card_exclusive;
  transport_options.apdu_timeout_ms = config->card_apdu_timeout_s * 1000;
  transport_options.open_timeout_ms = config->card_open_timeout_s * 1000;
  transport_options.terminal_capability = config->card_terminal_capability;
  transport_options.terminal_capability_length = config->card_terminal_capability_length;
  transport_options.basic_channel_known = g_strcmp0 (card->basic_channel_device, device) == 0;
  transport = card_transport_open (device, &transport_options, error);
  if (transport == NULL)
    {
      card->lost = TRUE;
      g_clear_pointer (&card->basic_channel_device, g_free);
      return NULL;
    }
  g_free (card->device);
  card->device = g_steal_pointer (&device);
  card->slot = slot;
  return transport;
}

/* Whether the card behind a reopened transport is the one this poll works for: a module may come back with
 * another card in it (a swapped module, another slot mapping), and its packages must not go to that one. */
static gboolean
check_same_card (DaemonCard *card, CardTransport *transport, GError **error)
{
  g_autoptr(IsdrSession) session = NULL;
  g_autofree gchar *eid_hex = NULL;
  IsdrSessionOptions options;

  if (card->facts == NULL)
    return TRUE;
  isdr_session_options_init (&options);
  options.aid = card->config->card_isdr_aid;
  options.aid_length = card->config->card_isdr_aid_length;
  session = isdr_session_open (transport, &options, error);
  if (session == NULL || !es10_get_eid (session, &eid_hex, error))
    return FALSE;
  if (g_ascii_strcasecmp (eid_hex, card->facts->eid) != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND,
                   "the modem came back with another eUICC; it is read at the next poll");
      return FALSE;
    }
  return TRUE;
}

/* IsdrReconnectFunc: the module reset or left the bus in the middle of a poll. Its device node may take a
 * while to come back (USB re-enumeration), maybe at another path: the device is resolved and opened again
 * with growing pauses (250 ms doubling up to 4 s) until [Card] ReconnectTimeout has passed. Never a busy loop,
 * and never longer than that: then the poll fails, and the schedule's backoff takes over. */
static CardTransport *
reconnect (CardTransport *failed, gpointer user_data, GError **error)
{
  DaemonCard *card = user_data;
  gint64 deadline = g_get_monotonic_time () + (gint64) card->config->card_reconnect_timeout_s * G_USEC_PER_SEC;
  gulong pause_us = 250 * 1000;
  guint attempts = 0;

  g_return_val_if_fail (failed == card->transport, NULL);
  card->lost = TRUE;
  card->went_away = TRUE;
  /* What comes back may be another module: whether it offers logical channels is found out again. */
  g_clear_pointer (&card->basic_channel_device, g_free);
  /* Released before the device is opened again: an MBIM CLOSE from the old one would close the new one's
   * function too, and a module may take one open at a time. */
  if (failed != NULL)
    {
      card->apdus += failed->stats.apdus;
      card->channel_opens += failed->stats.channel_opens;
      g_clear_pointer (&card->transport, card_transport_free);
    }
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      CardTransport *transport;
      gint64 left;

      attempts++;
      card->reconnects++;
      transport = open_transport (card, &local_error);
      if (transport != NULL && check_same_card (card, transport, &local_error))
        {
          g_message ("Reconnected to the modem at %s (attempt %u)", card->device, attempts);
          card->transport = transport;
          return transport;
        }
      left = deadline - g_get_monotonic_time ();
      if (transport != NULL)
        {
          /* Another card, or one that does not answer: waiting longer changes nothing. */
          if (g_error_matches (local_error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND))
            left = 0;
          card_transport_free (transport);
        }
      if (left <= 0)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "Reconnecting to the modem (%u attempts in %u s): ", attempts,
                                      card->config->card_reconnect_timeout_s);
          return NULL;
        }
      g_debug ("Reconnecting to the modem, attempt %u: %s", attempts, local_error->message);
      g_usleep (MIN ((gint64) pause_us, left));
      pause_us = MIN (pause_us * 2, 4 * G_USEC_PER_SEC);
    }
}

IsdrSession *
daemon_card_session_open (gpointer user_data, GError **error)
{
  DaemonCard *card = user_data;
  const DaemonConfig *config = card->config;
  IsdrSessionOptions session_options;

  if (card->session != NULL)
    return card->session;

  card->transport = open_transport (card, error);
  if (card->transport == NULL)
    return NULL;

  isdr_session_options_init (&session_options);
  session_options.aid = config->card_isdr_aid;
  session_options.aid_length = config->card_isdr_aid_length;
  session_options.block_size = config->card_store_data_block_size;
  session_options.channel_notify = record_channel;
  session_options.channel_notify_data = card;
  /* The FCI tells of an IPAe; QMI and MBIM hand it over with the channel, elsewhere it costs an APDU. */
  session_options.want_select_response = g_str_equal (card_transport_name (card->transport), "qmi")
                                         || g_str_equal (card_transport_name (card->transport), "mbim");
  session_options.reconnect = reconnect;
  session_options.reconnect_data = card;
  close_recorded_channel (card);
  card->session = isdr_session_open (card->transport, &session_options, error);
  if (card->session == NULL)
    {
      /* The modem is there and the card answered, but not to the ISD-R. */
      if (error != NULL && *error != NULL && (*error)->domain == EUICCD_ERROR
          && (*error)->code == EUICCD_ERROR_CARD)
        {
          set_support (card, DAEMON_CARD_SUPPORT_PLAIN_UICC,
                       g_strdup_printf ("the card has no ISD-R (%s): a UICC without eSIM, or an eUICC with another "
                                        "ISD-R AID ([Card] IsdrAid=)", (*error)->message));
          g_clear_error (error);
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "The card cannot be managed by euiccd: %s",
                       card->support_reason);
        }
      /* The basic channel remembered may be what failed: the next session asks for a logical channel again. */
      g_clear_pointer (&card->basic_channel_device, g_free);
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
  if (card->session != NULL && (isdr_session_get_stats (card->session)->transport_failures > 0
                                || isdr_session_get_stats (card->session)->channel_resets > 0))
    card->lost = TRUE;
  if (card->lost)
    g_clear_pointer (&card->basic_channel_device, g_free);
  else if (card->session != NULL && card->transport != NULL && card->transport->basic_channel
           && g_strcmp0 (card->basic_channel_device, card->device) != 0)
    {
      g_message ("The module on %s refuses logical channels: its sessions start on the basic channel until it "
                 "fails or goes away", card->device);
      g_free (card->basic_channel_device);
      card->basic_channel_device = g_strdup (card->device);
    }
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
daemon_card_set_read_details (DaemonCard *card, gboolean read_details)
{
  card->read_details = read_details;
}

void
daemon_card_invalidate (DaemonCard *card)
{
  card->known = FALSE;
}

void
daemon_card_forget (DaemonCard *card)
{
  card->known = FALSE;
  g_clear_pointer (&card->facts, daemon_card_facts_unref);
}

gboolean
daemon_card_went_away (DaemonCard *card)
{
  /* A module that reset its card session on its own (the channel gone without a REFRESH) may have done so
   * because the card changed: read like one that went away. */
  return card->went_away
         || (card->session != NULL && isdr_session_get_stats (card->session)->channel_resets > 0);
}

gboolean
daemon_card_take_lost (DaemonCard *card)
{
  gboolean reread = card->reread_after_loss;

  card->reread_after_loss = FALSE;
  return reread;
}

guint
daemon_card_get_reconnects (DaemonCard *card)
{
  return card->reconnects;
}

gboolean
daemon_card_is_known (DaemonCard *card)
{
  return card->known;
}

DaemonCardFacts *
daemon_card_get_facts (DaemonCard *card)
{
  return card->facts;
}

/* EUICCInfo2 and the profiles are for people looking at the card: a failure to read them is logged and the
 * poll goes on without them. */
static void
read_details (DaemonCardFacts *facts, IsdrSession *session)
{
  g_autoptr(GError) error = NULL;
  Es10ProfileSearch all = { .kind = ES10_PROFILE_SEARCH_ALL };

  if (!es10_get_euicc_info2 (session, &facts->info2, &error))
    {
      g_warning ("Reading EUICCInfo2: %s", error->message);
      g_clear_error (&error);
    }
  if (!es10_get_profiles_info (session, &all, &facts->profiles, &error))
    g_warning ("Reading the profiles: %s", error->message);
  else if (facts->profiles->has_error)
    {
      g_warning ("Reading the profiles: the eUICC answered profileInfoListError %" G_GINT64_FORMAT,
                 facts->profiles->error_code);
      g_clear_pointer (&facts->profiles, es10_profile_list_free);
    }
}

gboolean
daemon_card_refresh (DaemonCard *card, GError **error)
{
  g_autofree gchar *eid_hex = NULL;
  g_autoptr(Es10EimConfigurationList) eims = NULL;
  g_autoptr(GError) eid_error = NULL;
  g_autoptr(GError) eim_error = NULL;
  g_autoptr(GBytes) eid = NULL;
  gboolean sgp22 = FALSE;
  g_autofree gchar *shown = NULL;
  DaemonCardFacts *facts;
  IsdrSession *session;
  gboolean was_lost = card->lost;

  if (card->known && !was_lost)
    return TRUE;
  session = daemon_card_session_open (card, error);
  if (session == NULL)
    return FALSE;
  if (!es10_get_eid (session, &eid_hex, &eid_error))
    {
      /* The ISD-R was selected but refuses the first ES10 request outright: it speaks no SGP.22/SGP.32. */
      if (eid_error->domain == EUICCD_ERROR && eid_error->code == EUICCD_ERROR_CARD)
        {
          set_support (card, DAEMON_CARD_SUPPORT_M2M,
                       g_strdup_printf ("the ISD-R answers no ES10 request (%s): an SGP.02 (M2M) eUICC, managed by "
                                        "an SM-SR, not by an eIM", eid_error->message));
          g_clear_error (&eid_error);
          g_set_error (&eid_error, EUICCD_ERROR, EUICCD_ERROR_CARD, "The card cannot be managed by euiccd: %s",
                       card->support_reason);
        }
      g_propagate_error (error, g_steal_pointer (&eid_error));
      return FALSE;
    }
  eid = der_from_hex (eid_hex, error);
  if (eid == NULL)
    return FALSE;
  if (g_bytes_get_size (eid) != 16)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA, "GetEID: the EID has %" G_GSIZE_FORMAT
                   " bytes, expected 16", g_bytes_get_size (eid));
      return FALSE;
    }
  if (!es10_get_eim_configuration_data (session, NULL, &eims, &eim_error))
    {
      /* A consumer (SGP.22) eUICC knows no eIM: euiccd keeps its eIMs and checks their packages itself. */
      if (card->sgp22_eims == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&eim_error));
          return FALSE;
        }
      if (!daemon_card_support_is_consumer (session, eim_error, error))
        return FALSE;
      if (card->support != DAEMON_CARD_SUPPORT_SGP22)
        g_message ("A consumer (SGP.22) eUICC: it refuses GetEimConfigurationData (%s) and its EUICCInfo2 has no "
                   "SGP.32 field; euiccd keeps its eIMs and checks their packages itself", eim_error->message);
      eims = daemon_sgp22_eims_list (card->sgp22_eims);
      sgp22 = TRUE;
    }

  facts = g_atomic_rc_box_new0 (DaemonCardFacts);
  facts->eid = g_steal_pointer (&eid_hex);
  facts->transport = g_strdup (card_transport_name (card->transport));
  facts->device = g_strdup (card->device);
  facts->slot = card->slot;
  facts->eims = g_steal_pointer (&eims);
  if (card->read_details)
    read_details (facts, session);
  facts->ipae_supported = daemon_card_support_fci_ipae_supported (isdr_session_get_select_response (session));
  if (facts->ipae_supported && facts->info2 == NULL)
    {
      g_autoptr(GError) info_error = NULL;

      /* Only a card with an IPAe can have it active: the others are spared the read. */
      if (!es10_get_euicc_info2 (session, &facts->info2, &info_error))
        g_warning ("Reading EUICCInfo2 for the IPA mode: %s", info_error->message);
    }
  facts->ipae_active = facts->info2 != NULL && facts->info2->has_ipa_mode && facts->info2->ipa_mode == 1;
  if (facts->ipae_active)
    set_support (card, DAEMON_CARD_SUPPORT_IPAE_ACTIVE,
                 g_strdup ("the eUICC's own IPA (IPAe) is active (EUICCInfo2 ipaMode ipae): it reaches the eIM "
                           "itself; euiccd does not poll until it is deactivated (euiccctl ipae off)"));
  else if (sgp22)
    set_support (card, DAEMON_CARD_SUPPORT_SGP22, NULL);  /* managed: no problem to report */
  else
    set_support (card, DAEMON_CARD_SUPPORT_SUPPORTED, NULL);

  if (card->facts != NULL && g_strcmp0 (card->facts->eid, facts->eid) != 0)
    g_message ("The modem now holds another eUICC than before");
  memcpy (card->eid, g_bytes_get_data (eid, NULL), 16);
  g_clear_pointer (&card->facts, daemon_card_facts_unref);
  card->facts = facts;
  card->known = TRUE;
  card->lost = FALSE;
  card->went_away = FALSE;
  card->reread_after_loss |= was_lost;
  shown = daemon_log_redact (facts->eid);
  g_message ("eUICC %s with %u eIM configuration(s)", shown, facts->eims->eims->len);
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
  return card->known ? card->facts->eid : NULL;
}

const Es10EimConfigurationList *
daemon_card_get_eims (DaemonCard *card)
{
  return card->facts->eims;
}
