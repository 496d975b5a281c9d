/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-dbus"

#include <string.h>

#include "daemon/daemon-dbus-auth.h"
#include "daemon/daemon-dbus-card.h"
#include "euiccd-dbus-error.h"
#include "daemon/daemon-dbus.h"
#include "daemon/daemon-dead-letter.h"
#include "dbus/euiccd-dbus-generated.h"
#include "der/der.h"
#include "euiccd-error.h"

/* Keys and certificates handed to AddInitialEim are a few hundred bytes; anything past this is a mistake. */
#define MAX_KEY_DATA 16384
#define MAX_EIM_ID 128

struct _DaemonDbus {
  DaemonEngine *engine;
  const DaemonConfig *config;
  DaemonDbusCallbacks callbacks;
  gpointer user_data;
  GDBusConnection *connection;
  GDBusObjectManagerServer *server;
  EuiccdDbusManager *manager;
  DaemonDbusCard *card;
  guint owner_id;
};

gboolean
daemon_bus_from_string (const gchar *text, DaemonBus *ret_bus)
{
  if (g_strcmp0 (text, "system") == 0)
    *ret_bus = DAEMON_BUS_SYSTEM;
  else if (g_strcmp0 (text, "session") == 0)
    *ret_bus = DAEMON_BUS_SESSION;
  else if (g_strcmp0 (text, "none") == 0)
    *ret_bus = DAEMON_BUS_NONE;
  else
    return FALSE;
  return TRUE;
}

/* ---- values ----------------------------------------------------------------------------------------------- */

GVariant *
daemon_dbus_history_entry_to_variant (const DaemonHistoryEntry *entry)
{
  g_auto(GVariantDict) dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "time", "t", (guint64) MAX (entry->time, 0));
  if (entry->eim_id != NULL && g_utf8_validate (entry->eim_id, -1, NULL))
    g_variant_dict_insert (&dict, "eimId", "s", entry->eim_id);
  if (entry->transaction_id != NULL && g_utf8_validate (entry->transaction_id, -1, NULL))
    g_variant_dict_insert (&dict, "transactionId", "s", entry->transaction_id);
  g_variant_dict_insert (&dict, "operation", "s",
                         entry->operation != NULL && g_utf8_validate (entry->operation, -1, NULL) ? entry->operation
                                                                                                   : "unknown");
  g_variant_dict_insert (&dict, "result", "s",
                         entry->result != NULL && g_utf8_validate (entry->result, -1, NULL) ? entry->result : "unknown");
  if (entry->detail != NULL && g_utf8_validate (entry->detail, -1, NULL))
    g_variant_dict_insert (&dict, "detail", "s", entry->detail);
  return g_variant_dict_end (&dict);
}

static gboolean
get_integer (GVariant *value, const gchar *key, gint64 *ret_value, GError **error)
{
  gint64 v;

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    v = g_variant_get_byte (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT16))
    v = g_variant_get_int16 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    v = g_variant_get_uint16 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    v = g_variant_get_int32 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    v = g_variant_get_uint32 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    v = g_variant_get_int64 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64) && g_variant_get_uint64 (value) <= G_MAXINT64)
    v = (gint64) g_variant_get_uint64 (value);
  else
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "AddInitialEim: %s must be an integer from 0 "
                   "to 2^63-1, got a value of type '%s'", key, g_variant_get_type_string (value));
      return FALSE;
    }
  if (v < 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "AddInitialEim: %s must not be negative (%"
                   G_GINT64_FORMAT ")", key, v);
      return FALSE;
    }
  *ret_value = v;
  return TRUE;
}

static gboolean
check_type (GVariant *value, const gchar *key, const GVariantType *type, GError **error)
{
  if (g_variant_is_of_type (value, type))
    return TRUE;
  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "AddInitialEim: %s must be of type '%s', not '%s'",
               key, g_variant_type_peek_string (type), g_variant_get_type_string (value));
  return FALSE;
}

static GBytes *
get_der (GVariant *value, const gchar *key, GError **error)
{
  gconstpointer data;
  gsize length;
  DerTlv tlv;

  if (!check_type (value, key, G_VARIANT_TYPE_BYTESTRING, error))
    return NULL;
  data = g_variant_get_fixed_array (value, &length, 1);
  if (length == 0 || length > MAX_KEY_DATA)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "AddInitialEim: %s has %" G_GSIZE_FORMAT
                   " bytes, expected 1 to %d bytes of DER", key, length, MAX_KEY_DATA);
      return NULL;
    }
  if (!der_parse_expect (data, length, 0x30, &tlv, error))
    {
      g_prefix_error (error, "AddInitialEim: %s is not one DER SEQUENCE: ", key);
      if (error != NULL && *error != NULL)
        (*error)->code = EUICCD_ERROR_INVALID_ARGS;
      return NULL;
    }
  return g_bytes_new (data, length);
}

/* A Certificate starts with tbsCertificate (a SEQUENCE holding [0] version or the serial number); a
 * SubjectPublicKeyInfo with its AlgorithmIdentifier (a SEQUENCE holding the algorithm OID). */
static Es10EimKeyKind
key_kind_of (GBytes *der)
{
  DerTlv outer, first, inner;
  DerReader reader, first_reader;

  if (!der_parse_single (g_bytes_get_data (der, NULL), g_bytes_get_size (der), &outer, NULL) ||
      !der_reader_enter (&outer, &reader, NULL) || !der_reader_next (&reader, &first, NULL) || first.tag != 0x30 ||
      !der_reader_enter (&first, &first_reader, NULL) || !der_reader_next (&first_reader, &inner, NULL))
    return ES10_EIM_KEY_NONE;
  if (inner.tag == 0x06)
    return ES10_EIM_KEY_PUBLIC_KEY;
  if (inner.tag == 0xA0 || inner.tag == 0x02)
    return ES10_EIM_KEY_CERTIFICATE;
  return ES10_EIM_KEY_NONE;
}

Es10EimConfiguration *
daemon_dbus_eim_from_variant (GVariant *dict, GError **error)
{
  g_autoptr(Es10EimConfiguration) eim = es10_eim_configuration_new ();
  GVariantIter iter;
  const gchar *key;
  GVariant *raw;

  if (!g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "AddInitialEim: expected a{sv}, got '%s'",
                   g_variant_get_type_string (dict));
      return NULL;
    }
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &raw))
    {
      g_autoptr(GVariant) value = raw;

      if (g_str_equal (key, "eimId"))
        {
          if (!check_type (value, key, G_VARIANT_TYPE_STRING, error))
            return NULL;
          g_free (eim->eim_id);
          eim->eim_id = g_variant_dup_string (value, NULL);
        }
      else if (g_str_equal (key, "eimFqdn"))
        {
          if (!check_type (value, key, G_VARIANT_TYPE_STRING, error))
            return NULL;
          g_free (eim->eim_fqdn);
          eim->eim_fqdn = g_variant_dup_string (value, NULL);
        }
      else if (g_str_equal (key, "eimIdType"))
        {
          const gchar *type;

          if (!check_type (value, key, G_VARIANT_TYPE_STRING, error))
            return NULL;
          type = g_variant_get_string (value, NULL);
          eim->has_eim_id_type = TRUE;
          if (g_str_equal (type, "oid"))
            eim->eim_id_type = ES10_EIM_ID_TYPE_OID;
          else if (g_str_equal (type, "fqdn"))
            eim->eim_id_type = ES10_EIM_ID_TYPE_FQDN;
          else if (g_str_equal (type, "proprietary"))
            eim->eim_id_type = ES10_EIM_ID_TYPE_PROPRIETARY;
          else
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                           "AddInitialEim: eimIdType '%s': expected oid, fqdn or proprietary", type);
              return NULL;
            }
        }
      else if (g_str_equal (key, "counterValue"))
        {
          if (!get_integer (value, key, &eim->counter_value, error))
            return NULL;
          eim->has_counter_value = TRUE;
        }
      else if (g_str_equal (key, "associationToken"))
        {
          if (!check_type (value, key, G_VARIANT_TYPE_BOOLEAN, error))
            return NULL;
          /* Its presence in the request asks the eUICC to assign one; the value sent does not matter. */
          eim->has_association_token = g_variant_get_boolean (value);
          eim->association_token = 0;
        }
      else if (g_str_equal (key, "eimPublicKey") || g_str_equal (key, "eimCertificate"))
        {
          if (eim->public_key_data != NULL)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                           "AddInitialEim: give eimPublicKey or eimCertificate, not both");
              return NULL;
            }
          eim->public_key_data = get_der (value, key, error);
          if (eim->public_key_data == NULL)
            return NULL;
          eim->public_key_kind = g_str_equal (key, "eimPublicKey") ? ES10_EIM_KEY_PUBLIC_KEY : ES10_EIM_KEY_CERTIFICATE;
          if (key_kind_of (eim->public_key_data) != eim->public_key_kind)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "AddInitialEim: %s is not a DER %s", key,
                           eim->public_key_kind == ES10_EIM_KEY_PUBLIC_KEY ? "SubjectPublicKeyInfo" : "Certificate");
              return NULL;
            }
        }
      else if (g_str_equal (key, "trustedPublicKeyDataTls"))
        {
          g_clear_pointer (&eim->tls_data, g_bytes_unref);
          eim->tls_data = get_der (value, key, error);
          if (eim->tls_data == NULL)
            return NULL;
          eim->tls_kind = key_kind_of (eim->tls_data);
          if (eim->tls_kind == ES10_EIM_KEY_NONE)
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "AddInitialEim: trustedPublicKeyDataTls is "
                           "neither a DER SubjectPublicKeyInfo nor a Certificate");
              return NULL;
            }
        }
      else if (g_str_equal (key, "eimSupportedProtocol"))
        {
          g_autofree const gchar **names = NULL;

          if (!check_type (value, key, G_VARIANT_TYPE_STRING_ARRAY, error))
            return NULL;
          names = g_variant_get_strv (value, NULL);
          eim->has_supported_protocols = TRUE;
          eim->supported_protocols = 0;
          for (guint i = 0; names[i] != NULL; i++)
            {
              guint32 bit;
              if (!daemon_dbus_card_protocol_from_name (names[i], &bit))
                {
                  g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "AddInitialEim: eimSupportedProtocol "
                               "'%s': expected eimRetrieveHttps, eimRetrieveCoaps, eimInjectHttps, eimInjectCoaps or "
                               "eimProprietary", names[i]);
                  return NULL;
                }
              eim->supported_protocols |= bit;
            }
        }
      else
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "AddInitialEim: unknown key '%s' (known: eimId, "
                       "eimFqdn, eimIdType, counterValue, associationToken, eimPublicKey, eimCertificate, "
                       "trustedPublicKeyDataTls, eimSupportedProtocol)", key);
          return NULL;
        }
    }
  if (eim->eim_id == NULL || eim->eim_id[0] == '\0' || strlen (eim->eim_id) > MAX_EIM_ID)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "AddInitialEim: eimId is required, 1 to %d bytes", MAX_EIM_ID);
      return NULL;
    }
  return g_steal_pointer (&eim);
}

/* ---- the manager's properties and signal ---------------------------------------------------------------- */

GVariant *
daemon_dbus_dead_letter_to_variant (const DaemonDeadLetter *letter)
{
  g_auto(GVariantDict) dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "id", "s", letter->id);
  g_variant_dict_insert (&dict, "time", "t", (guint64) MAX (letter->time, 0));
  g_variant_dict_insert (&dict, "eimId", "s", letter->eim_id);
  if (letter->transaction_id != NULL)
    g_variant_dict_insert (&dict, "transactionId", "s", letter->transaction_id);
  g_variant_dict_insert (&dict, "kind", "s", letter->kind);
  g_variant_dict_insert (&dict, "reason", "s", letter->reason);
  g_variant_dict_insert (&dict, "size", "u", (guint32) g_bytes_get_size (letter->content));
  return g_variant_dict_end (&dict);
}

static void
sync_dead_letters (DaemonDbus *dbus)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) letters = daemon_engine_list_dead_letters (dbus->engine, &error);
  GVariantBuilder builder;

  if (letters == NULL)
    {
      /* What the bus showed last stays: better stale than empty. */
      g_warning ("Listing the dead letters: %s", error->message);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < letters->len; i++)
    g_variant_builder_add_value (&builder, daemon_dbus_dead_letter_to_variant (g_ptr_array_index (letters, i)));
  euiccd_dbus_manager_set_dead_letters (dbus->manager, g_variant_builder_end (&builder));
}

static void
sync_card_support (DaemonDbus *dbus)
{
  g_autofree gchar *problem = NULL;
  DaemonCardSupport support = daemon_engine_get_card_support (dbus->engine, &problem);
  DaemonCardFacts *facts = daemon_engine_get_card_facts (dbus->engine);

  euiccd_dbus_manager_set_card_support (dbus->manager, daemon_card_support_to_string (support));
  euiccd_dbus_manager_set_card_problem (dbus->manager, problem != NULL && g_utf8_validate (problem, -1, NULL)
                                                       ? problem : "");
  euiccd_dbus_manager_set_ipae_supported (dbus->manager, facts != NULL && facts->ipae_supported);
}

void
daemon_dbus_sync_state (DaemonDbus *dbus)
{
  const gchar *last_error = daemon_engine_get_last_error (dbus->engine);
  g_autofree gchar *storage_problem = daemon_engine_dup_storage_problem (dbus->engine);

  euiccd_dbus_manager_set_state (dbus->manager, daemon_engine_get_state (dbus->engine));
  euiccd_dbus_manager_set_last_poll (dbus->manager, (guint64) MAX (daemon_engine_get_last_poll (dbus->engine), 0));
  euiccd_dbus_manager_set_next_poll (dbus->manager, (guint64) MAX (daemon_engine_get_next_poll (dbus->engine), 0));
  euiccd_dbus_manager_set_last_error (dbus->manager,
                                      last_error != NULL && g_utf8_validate (last_error, -1, NULL) ? last_error : "");
  euiccd_dbus_manager_set_skipped_items (dbus->manager, daemon_engine_get_skipped_items (dbus->engine));
  sync_card_support (dbus);
  euiccd_dbus_manager_set_storage_problem (dbus->manager, storage_problem != NULL &&
                                           g_utf8_validate (storage_problem, -1, NULL) ? storage_problem : "");
  sync_dead_letters (dbus);
}

void
daemon_dbus_sync_card (DaemonDbus *dbus, DaemonCardFacts *facts)
{
  daemon_dbus_card_update (dbus->card, facts);
}

void
daemon_dbus_emit_package_finished (DaemonDbus *dbus, const DaemonHistoryEntry *entry)
{
  euiccd_dbus_manager_emit_package_finished (dbus->manager, daemon_dbus_history_entry_to_variant (entry));
}

/* ---- methods ---------------------------------------------------------------------------------------------- */

/* Every method of org.euiccd.Euiccd1 needs root or the admin group; reading its properties does not. */
static gboolean
on_authorize_method (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  DaemonDbus *dbus = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *what = NULL;

  if (g_strcmp0 (g_dbus_method_invocation_get_interface_name (invocation), DAEMON_DBUS_NAME) != 0)
    return TRUE;
  what = g_strdup_printf ("Calling %s", g_dbus_method_invocation_get_method_name (invocation));
  if (daemon_dbus_auth_check (dbus->connection, g_dbus_method_invocation_get_sender (invocation),
                              dbus->config->admin_group, what, &error))
    return TRUE;
  g_dbus_method_invocation_return_gerror (g_object_ref (invocation), error);
  return FALSE;
}

static void
on_poll_done (DaemonEngine *engine, const GError *error, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_auto(GVariantDict) outcome;

  g_variant_dict_init (&outcome, NULL);
  g_variant_dict_insert (&outcome, "success", "b", error == NULL);
  g_variant_dict_insert (&outcome, "packages", "u", daemon_engine_get_last_poll_packages (engine));
  if (error != NULL)
    {
      g_autofree gchar *name = g_dbus_error_encode_gerror (error);
      g_variant_dict_insert (&outcome, "errorName", "s", name);
      g_variant_dict_insert (&outcome, "errorMessage", "s",
                             g_utf8_validate (error->message, -1, NULL) ? error->message : "(not UTF-8)");
    }
  g_variant_dict_insert (&outcome, "nextPoll", "t", (guint64) MAX (daemon_engine_get_next_poll (engine), 0));
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a{sv})", g_variant_dict_end (&outcome)));
}

static gboolean
on_handle_poll (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation, gpointer user_data)
{
  DaemonDbus *dbus = user_data;

  g_message ("Poll requested over D-Bus by %s", g_dbus_method_invocation_get_sender (invocation));
  daemon_engine_poll_now (dbus->engine, on_poll_done, g_object_ref (invocation));
  return TRUE;
}

static gboolean
on_handle_get_history (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation, guint count, gpointer user_data)
{
  DaemonDbus *dbus = user_data;
  g_autoptr(GPtrArray) history = daemon_engine_get_history (dbus->engine, count);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < history->len; i++)
    g_variant_builder_add_value (&builder, daemon_dbus_history_entry_to_variant (g_ptr_array_index (history, i)));
  euiccd_dbus_manager_complete_get_history (manager, invocation, g_variant_builder_end (&builder));
  return TRUE;
}

static void
on_add_initial_eim_done (DaemonEngine *engine, gboolean has_association_token, gint64 association_token,
                         const GError *error, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_auto(GVariantDict) result;

  if (error != NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  g_variant_dict_init (&result, NULL);
  if (has_association_token)
    g_variant_dict_insert (&result, "associationToken", "x", association_token);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a{sv})", g_variant_dict_end (&result)));
}

static gboolean
on_handle_add_initial_eim (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation, GVariant *arg,
                           gpointer user_data)
{
  DaemonDbus *dbus = user_data;
  g_autoptr(GError) error = NULL;
  Es10EimConfiguration *eim = daemon_dbus_eim_from_variant (arg, &error);

  if (eim == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  g_message ("AddInitialEim of eIM %s requested over D-Bus", eim->eim_id);
  daemon_engine_add_initial_eim (dbus->engine, eim, on_add_initial_eim_done, g_object_ref (invocation));
  return TRUE;
}

static void
on_refresh_done (DaemonEngine *engine, const GError *error, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;

  if (error != NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
on_handle_refresh (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation, gpointer user_data)
{
  DaemonDbus *dbus = user_data;

  daemon_engine_refresh (dbus->engine, on_refresh_done, g_object_ref (invocation));
  return TRUE;
}

static void
on_ipae_done (DaemonEngine *engine, const GError *error, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;

  if (error != NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
on_handle_set_ipae_active (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation, gboolean active,
                           gpointer user_data)
{
  DaemonDbus *dbus = user_data;

  g_message ("IpaeActivation (%s) requested over D-Bus by %s", active ? "activate" : "deactivate",
             g_dbus_method_invocation_get_sender (invocation));
  daemon_engine_set_ipae_active (dbus->engine, active, on_ipae_done, g_object_ref (invocation));
  return TRUE;
}

static gboolean
on_handle_set_profile_nickname (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation, const gchar *iccid,
                                const gchar *nickname, gpointer user_data)
{
  DaemonDbus *dbus = user_data;
  g_autoptr(GError) error = NULL;
  /* Encoded once here so that a malformed ICCID or nickname is refused before the card is touched. */
  g_autoptr(GBytes) request = es10_set_nickname_encode (iccid, nickname, &error);

  if (request == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  g_message ("SetNickname requested over D-Bus by %s", g_dbus_method_invocation_get_sender (invocation));
  /* Answered like SetIpaeActive: nothing, or the error. */
  daemon_engine_set_nickname (dbus->engine, iccid, nickname, on_ipae_done, g_object_ref (invocation));
  return TRUE;
}

static gboolean
handle_switch (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation, Es10Switch which, gpointer user_data)
{
  DaemonDbus *dbus = user_data;

  g_message ("%s requested over D-Bus by %s", es10_switch_name (which),
             g_dbus_method_invocation_get_sender (invocation));
  /* Answered like SetIpaeActive: nothing, or the error. */
  daemon_engine_switch_profile (dbus->engine, which, on_ipae_done, g_object_ref (invocation));
  return TRUE;
}

static gboolean
on_handle_execute_fallback (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation, gpointer user_data)
{
  return handle_switch (manager, invocation, ES10_SWITCH_EXECUTE_FALLBACK, user_data);
}

static gboolean
on_handle_return_from_fallback (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation, gpointer user_data)
{
  return handle_switch (manager, invocation, ES10_SWITCH_RETURN_FROM_FALLBACK, user_data);
}

static gboolean
on_handle_enable_emergency_profile (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation,
                                    gpointer user_data)
{
  return handle_switch (manager, invocation, ES10_SWITCH_ENABLE_EMERGENCY, user_data);
}

static gboolean
on_handle_disable_emergency_profile (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation,
                                     gpointer user_data)
{
  return handle_switch (manager, invocation, ES10_SWITCH_DISABLE_EMERGENCY, user_data);
}

static gboolean
on_handle_drop_dead_letter (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation, const gchar *id,
                            gpointer user_data)
{
  DaemonDbus *dbus = user_data;
  g_autoptr(GError) error = NULL;

  if (!daemon_engine_drop_dead_letter (dbus->engine, id, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  g_message ("Dead letter %s dropped at the request of %s", id, g_dbus_method_invocation_get_sender (invocation));
  sync_dead_letters (dbus);
  euiccd_dbus_manager_complete_drop_dead_letter (manager, invocation);
  return TRUE;
}

static void
on_download_done (DaemonEngine *engine, const DaemonDownloadOutcome *outcome, const GError *error, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_auto(GVariantDict) result;

  if (error != NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  g_variant_dict_init (&result, NULL);
  g_variant_dict_insert (&result, "installed", "b", outcome->installed);
  if (outcome->iccid != NULL)
    g_variant_dict_insert (&result, "iccid", "s", outcome->iccid);
  if (!outcome->installed)
    {
      g_variant_dict_insert (&result, "bppCommandId", "x", outcome->bpp_command_id);
      g_variant_dict_insert (&result, "errorReason", "x", outcome->error_reason);
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a{sv})", g_variant_dict_end (&result)));
}

static gboolean
on_handle_download (EuiccdDbusManager *manager, GDBusMethodInvocation *invocation, const gchar *activation_code,
                    const gchar *confirmation_code, gpointer user_data)
{
  DaemonDbus *dbus = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DaemonDownloadRequest) request = g_new0 (DaemonDownloadRequest, 1);

  request->code = ipa_activation_code_parse (activation_code, &error);
  if (request->code == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  if (confirmation_code[0] != '\0')
    request->confirmation_code = g_strdup (confirmation_code);
  if (request->code->confirmation_code_required && request->confirmation_code == NULL)
    {
      g_dbus_method_invocation_return_error_literal (invocation, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                                                     "The activation code says a confirmation code is required, "
                                                     "and none was given");
      return TRUE;
    }
  g_message ("Profile download requested over D-Bus by %s", g_dbus_method_invocation_get_sender (invocation));
  daemon_engine_download (dbus->engine, g_steal_pointer (&request), on_download_done, g_object_ref (invocation));
  return TRUE;
}

static GVariant *
download_progress_to_variant (const DaemonDownloadProgress *progress)
{
  g_auto(GVariantDict) dict;

  g_variant_dict_init (&dict, NULL);
  if (progress->phase != NULL)
    {
      g_variant_dict_insert (&dict, "active", "b", progress->active);
      g_variant_dict_insert (&dict, "phase", "s", progress->phase);
      g_variant_dict_insert (&dict, "loaded", "t", progress->loaded);
      g_variant_dict_insert (&dict, "total", "t", progress->total);
    }
  return g_variant_dict_end (&dict);
}

void
daemon_dbus_emit_download_progress (DaemonDbus *dbus, const DaemonDownloadProgress *progress)
{
  euiccd_dbus_manager_set_download (dbus->manager, download_progress_to_variant (progress));
  euiccd_dbus_manager_emit_download_progress (dbus->manager, progress->phase, progress->loaded, progress->total);
}

/* ---- the name ------------------------------------------------------------------------------------------- */

static void
on_name_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  DaemonDbus *dbus = user_data;

  g_message ("Serving %s", name);
  if (dbus->callbacks.name_acquired != NULL)
    dbus->callbacks.name_acquired (dbus->user_data);
}

static void
on_name_lost (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  DaemonDbus *dbus = user_data;
  g_autofree gchar *message = NULL;

  if (connection == NULL || g_dbus_connection_is_closed (connection))
    message = g_strdup_printf ("the connection to the bus was closed; %s is no longer served", name);
  else
    message = g_strdup_printf ("the bus name %s could not be owned or was taken away: is another euiccd running, "
                               "and does the bus policy (org.euiccd.Euiccd1.conf) let this user own it?", name);
  if (dbus->callbacks.name_lost != NULL)
    dbus->callbacks.name_lost (message, dbus->user_data);
}

DaemonDbus *
daemon_dbus_new (DaemonEngine *engine, const DaemonConfig *config, DaemonBus bus, const DaemonDbusCallbacks *callbacks,
                 gpointer user_data, GError **error)
{
  g_autoptr(DaemonDbus) dbus = g_new0 (DaemonDbus, 1);
  g_autoptr(GError) local_error = NULL;
  GBusType bus_type = bus == DAEMON_BUS_SESSION ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM;

  euiccd_dbus_error_register ();
  dbus->engine = engine;
  dbus->config = config;
  if (callbacks != NULL)
    dbus->callbacks = *callbacks;
  dbus->user_data = user_data;

  dbus->connection = g_bus_get_sync (bus_type, NULL, &local_error);
  if (dbus->connection == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT, "Connecting to the %s bus: %s (use --bus none to run "
                   "without D-Bus)", bus == DAEMON_BUS_SESSION ? "session" : "system", local_error->message);
      return NULL;
    }
  /* Losing the bus is reported through name_lost; the process must not just exit. */
  g_dbus_connection_set_exit_on_close (dbus->connection, FALSE);

  dbus->manager = euiccd_dbus_manager_skeleton_new ();
  euiccd_dbus_manager_set_version (dbus->manager, PACKAGE_VERSION);
  g_signal_connect (dbus->manager, "g-authorize-method", G_CALLBACK (on_authorize_method), dbus);
  g_signal_connect (dbus->manager, "handle-poll", G_CALLBACK (on_handle_poll), dbus);
  g_signal_connect (dbus->manager, "handle-get-history", G_CALLBACK (on_handle_get_history), dbus);
  g_signal_connect (dbus->manager, "handle-add-initial-eim", G_CALLBACK (on_handle_add_initial_eim), dbus);
  g_signal_connect (dbus->manager, "handle-refresh", G_CALLBACK (on_handle_refresh), dbus);
  g_signal_connect (dbus->manager, "handle-drop-dead-letter", G_CALLBACK (on_handle_drop_dead_letter), dbus);
  g_signal_connect (dbus->manager, "handle-set-ipae-active", G_CALLBACK (on_handle_set_ipae_active), dbus);
  g_signal_connect (dbus->manager, "handle-execute-fallback", G_CALLBACK (on_handle_execute_fallback), dbus);
  g_signal_connect (dbus->manager, "handle-return-from-fallback", G_CALLBACK (on_handle_return_from_fallback), dbus);
  g_signal_connect (dbus->manager, "handle-enable-emergency-profile",
                    G_CALLBACK (on_handle_enable_emergency_profile), dbus);
  g_signal_connect (dbus->manager, "handle-disable-emergency-profile",
                    G_CALLBACK (on_handle_disable_emergency_profile), dbus);
  g_signal_connect (dbus->manager, "handle-download", G_CALLBACK (on_handle_download), dbus);
  g_signal_connect (dbus->manager, "handle-set-profile-nickname", G_CALLBACK (on_handle_set_profile_nickname), dbus);
  euiccd_dbus_manager_set_download (dbus->manager,
                                    download_progress_to_variant (daemon_engine_get_download_progress (engine)));
  daemon_dbus_sync_state (dbus);

  dbus->server = g_dbus_object_manager_server_new (DAEMON_DBUS_PATH);
  dbus->card = daemon_dbus_card_new (dbus->server, config->admin_group);
  if (daemon_engine_get_card_facts (engine) != NULL)
    daemon_dbus_card_update (dbus->card, daemon_engine_get_card_facts (engine));
  g_dbus_object_manager_server_set_connection (dbus->server, dbus->connection);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (dbus->manager), dbus->connection,
                                         DAEMON_DBUS_PATH, error))
    {
      g_prefix_error (error, "Exporting %s: ", DAEMON_DBUS_PATH);
      return NULL;
    }

  /* Objects first, name second: whoever sees the name appear finds the objects there. */
  dbus->owner_id = g_bus_own_name_on_connection (dbus->connection, DAEMON_DBUS_NAME,
                                                 G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_name_acquired, on_name_lost,
                                                 dbus, NULL);
  return g_steal_pointer (&dbus);
}

void
daemon_dbus_free (DaemonDbus *dbus)
{
  if (dbus == NULL)
    return;
  if (dbus->owner_id != 0)
    g_bus_unown_name (dbus->owner_id);
  g_clear_pointer (&dbus->card, daemon_dbus_card_free);
  if (dbus->manager != NULL)
    {
      g_signal_handlers_disconnect_by_data (dbus->manager, dbus);
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (dbus->manager));
    }
  g_clear_object (&dbus->manager);
  if (dbus->server != NULL)
    g_dbus_object_manager_server_set_connection (dbus->server, NULL);
  g_clear_object (&dbus->server);
  if (dbus->connection != NULL)
    {
      /* Replies and signals queued so far (e.g. callers told the daemon is stopping) go out before exit. */
      g_dbus_connection_flush_sync (dbus->connection, NULL, NULL);
      g_clear_object (&dbus->connection);
    }
  g_free (dbus);
}
