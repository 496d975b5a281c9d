/* SPDX-License-Identifier: Apache-2.0 */
/* Whose an item on the eUICC's notification list is (see ipa-ownership.h). */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include <string.h>

#include "ipa/ipa-ownership.h"

/* "https://Host.Example:8443/path" -> host "host.example", port 8443; port -1 when none is given. Returns
 * FALSE when no host is left. */
static gboolean
split_address (const gchar *address, gchar **ret_host, gint *ret_port)
{
  const gchar *start = address;
  const gchar *scheme_end = strstr (address, "://");
  const gchar *end;
  const gchar *port_text = NULL;
  g_autofree gchar *host = NULL;
  gsize host_length;

  *ret_port = -1;
  if (scheme_end != NULL)
    start = scheme_end + 3;
  end = start + strcspn (start, "/?#");
  if (*start == '[')
    {
      const gchar *close = memchr (start, ']', end - start);
      if (close == NULL)
        return FALSE;
      host = g_strndup (start + 1, close - start - 1);
      if (close + 1 < end && close[1] == ':')
        port_text = close + 2;
    }
  else
    {
      const gchar *colon = memchr (start, ':', end - start);
      /* A second colon: an IPv6 address without brackets, all host. */
      if (colon != NULL && memchr (colon + 1, ':', end - colon - 1) == NULL)
        {
          host = g_strndup (start, colon - start);
          port_text = colon + 1;
        }
      else
        host = g_strndup (start, end - start);
    }
  if (port_text != NULL && port_text < end)
    {
      guint64 port = 0;
      g_autofree gchar *digits = g_strndup (port_text, end - port_text);

      if (!g_ascii_string_to_unsigned (digits, 10, 1, 65535, &port, NULL))
        return FALSE;
      *ret_port = (gint) port;
    }
  host_length = strlen (host);
  /* "host." is the same absolute name as "host". */
  if (host_length > 0 && host[host_length - 1] == '.')
    host[--host_length] = '\0';
  if (host_length == 0)
    return FALSE;
  *ret_host = g_ascii_strdown (host, -1);
  return TRUE;
}

IpaAddressMatch
ipa_address_match (const gchar *address, const gchar *fqdn)
{
  g_autofree gchar *host_a = NULL;
  g_autofree gchar *host_b = NULL;
  gint port_a, port_b;

  if (address == NULL || fqdn == NULL || !split_address (address, &host_a, &port_a)
      || !split_address (fqdn, &host_b, &port_b) || !g_str_equal (host_a, host_b))
    return IPA_ADDRESS_DIFFERENT;
  if (port_a == port_b)
    return IPA_ADDRESS_SAME;
  if (port_a < 0 || port_b < 0)
    return IPA_ADDRESS_SAME_HOST;
  return IPA_ADDRESS_DIFFERENT;
}

/* The name an eIM is reached by: its eimFqdn, else its eimId when that is an FQDN. */
static const gchar *
eim_address (const Es10EimConfiguration *eim)
{
  if (eim->eim_fqdn != NULL)
    return eim->eim_fqdn;
  if (eim->has_eim_id_type && eim->eim_id_type == ES10_EIM_ID_TYPE_FQDN)
    return eim->eim_id;
  return NULL;
}

const Es10EimConfiguration *
ipa_address_owner (const gchar *address, const GPtrArray *eims)
{
  const Es10EimConfiguration *best = NULL;
  IpaAddressMatch best_match = IPA_ADDRESS_DIFFERENT;
  gboolean ambiguous = FALSE;

  for (guint i = 0; address != NULL && eims != NULL && i < eims->len; i++)
    {
      const Es10EimConfiguration *eim = g_ptr_array_index (eims, i);
      IpaAddressMatch match = ipa_address_match (address, eim_address (eim));

      if (match == IPA_ADDRESS_DIFFERENT || match < best_match)
        continue;
      if (match == best_match && best != NULL && g_strcmp0 (best->eim_id, eim->eim_id) != 0)
        {
          ambiguous = TRUE;
          continue;
        }
      if (match > best_match)
        ambiguous = FALSE;
      best = eim;
      best_match = match;
    }
  return ambiguous ? NULL : best;
}

gboolean
ipa_item_is_for (const Es10PendingNotification *n, const gchar *eim_id, const GPtrArray *eims)
{
  const Es10EimConfiguration *owner;

  if (n->kind == ES10_PENDING_EUICC_PACKAGE_RESULT)
    return n->eim_id != NULL && g_strcmp0 (n->eim_id, eim_id) == 0;
  owner = ipa_address_owner (n->address, eims);
  return owner != NULL && g_strcmp0 (owner->eim_id, eim_id) == 0;
}

GArray *
ipa_removable_seq_numbers (const GArray *acknowledged, const GPtrArray *last_list, const gchar *eim_id,
                           const GPtrArray *eims)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; acknowledged != NULL && i < acknowledged->len; i++)
    {
      gint64 seq = g_array_index (acknowledged, gint64, i);
      gboolean keep = FALSE;

      for (guint j = 0; j < out->len && !keep; j++)
        keep = g_array_index (out, gint64, j) == seq;
      for (guint j = 0; last_list != NULL && j < last_list->len && !keep; j++)
        {
          const Es10PendingNotification *n = g_ptr_array_index (last_list, j);
          keep = n->has_seq_number && n->seq_number == seq && !ipa_item_is_for (n, eim_id, eims);
        }
      if (!keep)
        g_array_append_val (out, seq);
    }
  return out;
}
