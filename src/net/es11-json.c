/* SPDX-License-Identifier: Apache-2.0 */
/* ES11.AuthenticateClient's answer: the SM-DS's event entries. An eventId becomes the matchingId of the download
 * it announces, so it is treated as personal data: never logged, only counted. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-net"

#include <string.h>

#include "der/der.h"
#include "euiccd-error.h"
#include "net/es11-json.h"
#include "net/es9plus-json.h"
#include "net/gsma-json.h"
#include "net/https-client.h"

/* SGP.22 does not bound an eventId; a matching ID is short. Longer is garbage, not an event. */
#define ES11_MAX_EVENT_ID_LENGTH 255

static gboolean
event_id_usable (const gchar *event_id, const gchar **ret_problem)
{
  gsize length = event_id != NULL ? strlen (event_id) : 0;

  if (length == 0)
    *ret_problem = "no eventId";
  else if (length > ES11_MAX_EVENT_ID_LENGTH)
    *ret_problem = "an eventId longer than 255 bytes";
  else if (!g_utf8_validate (event_id, (gssize) length, NULL))
    *ret_problem = "an eventId that is not UTF-8";
  else
    {
      for (const gchar *c = event_id; *c != '\0'; c++)
        if ((guint8) *c < 0x20 || *c == 0x7F)
          {
            *ret_problem = "an eventId with control characters";
            return FALSE;
          }
      return TRUE;
    }
  return FALSE;
}

typedef struct {
  GPtrArray *events;
  guint *skipped;
  gboolean capped;    /* the cap was reached and said so */
} EventSink;

/* Adds the entry to the events, or warns and counts it as skipped. */
static void
add_event (EventSink *sink, guint index, const gchar *event_id, const gchar *address)
{
  g_autoptr(Es11EventEntry) entry = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *url = NULL;
  const gchar *problem = NULL;

  if (sink->events->len >= ES11_MAX_EVENTS)
    {
      if (!sink->capped)
        g_warning ("ES11 authenticateClient: more than %u events; entry %u and those after it are ignored",
                   ES11_MAX_EVENTS, index);
      sink->capped = TRUE;
      (*sink->skipped)++;
      return;
    }
  if (!event_id_usable (event_id, &problem))
    {
      g_warning ("ES11 authenticateClient: event entry %u left out: %s", index, problem);
      (*sink->skipped)++;
      return;
    }
  url = address != NULL ? https_base_url_from_fqdn (address, &local_error) : NULL;
  if (url == NULL)
    {
      g_warning ("ES11 authenticateClient: event entry %u left out: rspServerAddress: %s", index,
                 local_error != NULL ? local_error->message : "missing");
      (*sink->skipped)++;
      return;
    }
  entry = g_new0 (Es11EventEntry, 1);
  entry->event_id = g_strdup (event_id);
  entry->rsp_server_address = g_strdup (address);
  g_ptr_array_add (sink->events, g_steal_pointer (&entry));
}

gboolean
es11_event_entries_from_der (const guint8 *data, gsize length, GPtrArray *events, guint *ret_skipped,
                             GError **error)
{
  DerTlv outer;
  DerTlv item;
  DerReader reader;
  guint index = 0;
  EventSink sink = { events, ret_skipped, FALSE };

  if (!der_parse_single (data, length, &outer, error) || !der_validate (&outer, error))
    return FALSE;
  /* SEQUENCE OF EventEntries on its own (30), or as eventEntries [1] of AuthenticateClientOkEs11 (A1). */
  if (outer.tag != 0x30 && outer.tag != 0xA1)
    return gsma_json_fail (error, EUICCD_ERROR_INVALID_DATA, "eventEntries has tag %02X, expected 30 or A1",
                           outer.tag);
  if (!der_reader_enter (&outer, &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      DerTlv id_tlv;
      DerTlv address_tlv;
      g_autofree gchar *event_id = NULL;
      g_autofree gchar *address = NULL;

      if (!der_reader_next (&reader, &item, error))
        return FALSE;
      /* EventEntries ::= SEQUENCE { eventId [0] UTF8String, rspServerAddress [1] UTF8String } (AUTOMATIC TAGS) */
      if (item.tag == 0x30 && der_find_child (&item, 0x80, &id_tlv, NULL) &&
          der_find_child (&item, 0x81, &address_tlv, NULL))
        {
          event_id = der_tlv_dup_utf8 (&id_tlv, NULL);
          address = der_tlv_dup_utf8 (&address_tlv, NULL);
        }
      add_event (&sink, index++, event_id, address);
    }
  return TRUE;
}

static void
entries_from_json (const cJSON *array, GPtrArray *events, guint *ret_skipped)
{
  const cJSON *item;
  guint index = 0;
  EventSink sink = { events, ret_skipped, FALSE };

  cJSON_ArrayForEach (item, array)
    {
      const gchar *event_id = NULL;
      const gchar *address = NULL;

      if (cJSON_IsObject (item))
        {
          event_id = gsma_json_string_member (item, "eventId");
          address = gsma_json_string_member (item, "rspServerAddress");
        }
      add_event (&sink, index++, event_id, address);
    }
}

Es11AuthenticateClientResponse *
es11_json_decode_authenticate_client_response (const gchar *body, gsize length, RspStatus *ret_status,
                                               GError **error)
{
  static const gchar message[] = "authenticateClient";
  g_autoptr(cJSON) root = rsp_json_open_response (body, length, message, "SM-DS", ret_status, error);
  g_autoptr(Es11AuthenticateClientResponse) response = NULL;
  const cJSON *entries;

  if (root == NULL)
    return NULL;
  response = g_new0 (Es11AuthenticateClientResponse, 1);
  response->events = g_ptr_array_new_with_free_func ((GDestroyNotify) es11_event_entry_free);
  if (!gsma_json_transaction_id_member (root, message, "transactionId", FALSE, &response->transaction_id, error))
    return NULL;
  entries = cJSON_GetObjectItemCaseSensitive (root, "eventEntries");
  if (entries == NULL)
    {
      gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s response: missing \"eventEntries\"", message);
      return NULL;
    }
  if (cJSON_IsArray (entries))
    entries_from_json (entries, response->events, &response->skipped);
  else if (cJSON_IsString (entries))
    {
      g_autoptr(GBytes) der = gsma_json_base64_decode (entries->valuestring, message, "eventEntries", error);

      if (der == NULL)
        return NULL;
      if (!es11_event_entries_from_der (g_bytes_get_data (der, NULL), g_bytes_get_size (der), response->events,
                                        &response->skipped, error))
        {
          g_prefix_error (error, "%s response: \"eventEntries\": ", message);
          return NULL;
        }
    }
  else
    {
      gsma_json_fail (error, EUICCD_ERROR_PROTOCOL, "%s response: \"eventEntries\" is neither an array nor base64",
                      message);
      return NULL;
    }
  return g_steal_pointer (&response);
}
