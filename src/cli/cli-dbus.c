/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdio.h>

#include "cli/cli-commands.h"
#include "cli/cli-dbus.h"
#include "der/der.h"
#include "euiccd-dbus-error.h"
#include "euiccd-error.h"

/* Polls wait for whole eIM exchanges; the daemon bounds each by its own timeouts. */
#define CALL_TIMEOUT_MS (15 * 60 * 1000)

gboolean
cli_dbus_parse (const gchar *command, const gchar *summary, const GOptionEntry *entries, int *argc, char ***argv,
                gboolean *ret_json)
{
  g_autoptr(GOptionContext) context = g_option_context_new (summary);
  g_autoptr(GError) error = NULL;
  GOptionEntry common[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, ret_json, "print JSON", NULL },
    { NULL }
  };

  g_option_context_set_description (context, "Exit status: 0 ok, 1 failure, 2 usage, 3 access denied, "
                                             "4 euiccd not running or no system bus.");
  g_option_context_add_main_entries (context, common, NULL);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      fprintf (stderr, "euiccctl %s: %s\n", command, error->message);
      return FALSE;
    }
  return TRUE;
}

static GDBusConnection *
connect_bus (GError **error)
{
  g_autoptr(GError) local_error = NULL;
  GDBusConnection *connection;

  euiccd_dbus_error_register ();
  connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &local_error);
  if (connection == NULL)
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN, "cannot reach the system bus (%s)",
                 local_error->message);
  return connection;
}

static gboolean
check_running (GDBusProxy *proxy, GError **error)
{
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (proxy);

  if (owner != NULL)
    return TRUE;
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER,
               "euiccd is not running: nobody owns %s on the system bus (systemctl start euiccd)", CLI_DBUS_NAME);
  return FALSE;
}

EuiccdDbusManager *
cli_dbus_manager (GError **error)
{
  g_autoptr(GDBusConnection) connection = connect_bus (error);
  g_autoptr(EuiccdDbusManager) manager = NULL;

  if (connection == NULL)
    return NULL;
  manager = euiccd_dbus_manager_proxy_new_sync (connection, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, CLI_DBUS_NAME,
                                                CLI_DBUS_PATH, NULL, error);
  if (manager == NULL || !check_running (G_DBUS_PROXY (manager), error))
    return NULL;
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (manager), CALL_TIMEOUT_MS);
  return g_steal_pointer (&manager);
}

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  const gchar *pa = g_dbus_proxy_get_object_path (*(GDBusProxy *const *) a);
  const gchar *pb = g_dbus_proxy_get_object_path (*(GDBusProxy *const *) b);

  return g_strcmp0 (pa, pb);
}

GPtrArray *
cli_dbus_euiccs (GError **error)
{
  g_autoptr(GDBusConnection) connection = connect_bus (error);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GPtrArray) euiccs = NULL;
  g_autoptr(GError) local_error = NULL;
  const gchar *xml;

  if (connection == NULL)
    return NULL;
  euiccs = g_ptr_array_new_with_free_func (g_object_unref);
  reply = g_dbus_connection_call_sync (connection, CLI_DBUS_NAME, CLI_DBUS_PATH "/Euicc",
                                       "org.freedesktop.DBus.Introspectable", "Introspect", NULL, G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(&s)", &xml);
  node = g_dbus_node_info_new_for_xml (xml, &local_error);
  if (node == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "euiccd's introspection data did not parse: %s",
                   local_error->message);
      return NULL;
    }
  for (guint i = 0; node->nodes != NULL && node->nodes[i] != NULL; i++)
    {
      g_autofree gchar *path = g_strdup_printf ("%s/Euicc/%s", CLI_DBUS_PATH, node->nodes[i]->path);
      EuiccdDbusEuicc *euicc;

      if (!g_variant_is_object_path (path))
        continue;
      euicc = euiccd_dbus_euicc_proxy_new_sync (connection, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, CLI_DBUS_NAME, path,
                                                NULL, error);
      if (euicc == NULL)
        return NULL;
      g_ptr_array_add (euiccs, euicc);
    }
  g_ptr_array_sort (euiccs, compare_paths);
  return g_steal_pointer (&euiccs);
}

EuiccdDbusProfile *
cli_dbus_profile (const gchar *path, GError **error)
{
  g_autoptr(GDBusConnection) connection = connect_bus (error);

  if (connection == NULL)
    return NULL;
  return euiccd_dbus_profile_proxy_new_sync (connection, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, CLI_DBUS_NAME, path,
                                             NULL, error);
}

int
cli_dbus_fail (const gchar *command, const GError *error)
{
  g_autofree gchar *remote = g_dbus_error_get_remote_error (error);
  g_autoptr(GError) copy = g_error_copy (error);
  int status = CLI_EXIT_FAILURE;

  g_dbus_error_strip_remote_error (copy);
  if (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_ACCESS_DENIED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
    status = CLI_EXIT_ACCESS_DENIED;
  else if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    status = CLI_EXIT_NO_DAEMON;

  /* The bus's own refusal names match rules; say what it means instead. */
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
    fprintf (stderr, "euiccctl %s: access denied by the bus policy: this needs root or the group named in "
                     "org.euiccd.Euiccd1.conf and [Daemon] AdminGroup (%s)\n", command, copy->message);
  else
    fprintf (stderr, "euiccctl %s: %s\n", command, copy->message);
  return status;
}

/* ---- JSON ------------------------------------------------------------------------------------------------- */

cJSON *
cli_dbus_variant_to_json (GVariant *value)
{
  const GVariantType *type = g_variant_get_type (value);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);
      return cli_dbus_variant_to_json (inner);
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return cJSON_CreateBool (g_variant_get_boolean (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    return cJSON_CreateNumber (g_variant_get_byte (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT16))
    return cJSON_CreateNumber (g_variant_get_int16 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    return cJSON_CreateNumber (g_variant_get_uint16 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    return cJSON_CreateNumber (g_variant_get_int32 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return cJSON_CreateNumber (g_variant_get_uint32 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return cJSON_CreateNumber ((double) g_variant_get_int64 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    return cJSON_CreateNumber ((double) g_variant_get_uint64 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    return cJSON_CreateNumber (g_variant_get_double (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) || g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_SIGNATURE))
    return cJSON_CreateString (g_variant_get_string (value, NULL));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
    {
      gsize length;
      const guint8 *data = g_variant_get_fixed_array (value, &length, 1);
      g_autofree gchar *hex = der_to_hex (data, length);

      return cJSON_CreateString (hex);
    }
  if (g_variant_type_is_array (type) && g_variant_type_is_dict_entry (g_variant_type_element (type)) &&
      g_variant_type_equal (g_variant_type_key (g_variant_type_element (type)), G_VARIANT_TYPE_STRING))
    {
      cJSON *object = cJSON_CreateObject ();
      GVariantIter iter;
      GVariant *entry;

      g_variant_iter_init (&iter, value);
      while ((entry = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
          g_autoptr(GVariant) item = g_variant_get_child_value (entry, 1);
          cJSON_AddItemToObject (object, g_variant_get_string (key, NULL), cli_dbus_variant_to_json (item));
          g_variant_unref (entry);
        }
      return object;
    }
  if (g_variant_is_container (value))
    {
      cJSON *array = cJSON_CreateArray ();
      gsize n = g_variant_n_children (value);

      for (gsize i = 0; i < n; i++)
        {
          g_autoptr(GVariant) item = g_variant_get_child_value (value, i);
          cJSON_AddItemToArray (array, cli_dbus_variant_to_json (item));
        }
      return array;
    }
  return cJSON_CreateNull ();
}

void
cli_dbus_print_json (cJSON *json)
{
  g_autofree gchar *text = cJSON_Print (json);

  printf ("%s\n", text);
  cJSON_Delete (json);
}

gchar *
cli_dbus_format_time (guint64 time_us)
{
  g_autoptr(GDateTime) time = NULL;

  if (time_us == 0)
    return g_strdup ("never");
  time = g_date_time_new_from_unix_utc ((gint64) (time_us / G_USEC_PER_SEC));
  if (time == NULL)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " µs", time_us);
  return g_date_time_format (time, "%Y-%m-%d %H:%M:%S UTC");
}

const gchar *
cli_dbus_state_name (guint state)
{
  static const gchar *const names[] = { "idle", "polling", "applying", "downloading", "backoff", "error", "no card" };

  return state < G_N_ELEMENTS (names) ? names[state] : "unknown";
}
