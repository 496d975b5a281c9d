/* SPDX-License-Identifier: Apache-2.0 */
/* `euiccctl add-initial-eim`: factory provisioning of the first eIM through the daemon (AddInitialEim). Keys and
 * certificates are read from PEM or DER files and sent as DER. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli-commands.h"
#include "cli/cli-dbus.h"
#include "euiccd-autoptr.h"
#include "euiccd-error.h"

#define MAX_FILE_SIZE (64 * 1024)

/* The first PEM block of `text` decoded, or the bytes as they are when they are not PEM. */
static GBytes *
read_der_file (const gchar *option, const gchar *path, GError **error)
{
  g_autofree gchar *contents = NULL;
  gsize length;
  const gchar *begin, *body, *end;
  g_autofree gchar *base64 = NULL;
  guchar *der;
  gsize der_length;

  if (!g_file_get_contents (path, &contents, &length, error))
    {
      g_prefix_error (error, "%s: ", option);
      return NULL;
    }
  if (length > MAX_FILE_SIZE)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "%s %s: %" G_GSIZE_FORMAT " bytes is too large for "
                   "a key or certificate", option, path, length);
      return NULL;
    }
  begin = g_strstr_len (contents, length, "-----BEGIN ");
  if (begin == NULL)
    return g_bytes_new (contents, length);
  body = strchr (begin + 11, '\n');
  end = body != NULL ? strstr (body, "-----END ") : NULL;
  if (body == NULL || end == NULL)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "%s %s: a PEM block without its END line", option,
                   path);
      return NULL;
    }
  base64 = g_strndup (body, (gsize) (end - body));
  der = g_base64_decode (base64, &der_length);
  if (der_length == 0)
    {
      g_free (der);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "%s %s: the PEM block holds no data", option, path);
      return NULL;
    }
  return g_bytes_new_take (der, der_length);
}

static void
insert_bytes (GVariantDict *dict, const gchar *key, GBytes *bytes)
{
  g_variant_dict_insert_value (dict, key, g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE));
}

int
cli_add_initial_eim_main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EuiccdDbusManager) manager = NULL;
  g_autoptr(GVariant) result = NULL;
  g_auto(GVariantDict) dict;
  g_autofree gchar *eim_id = NULL, *fqdn = NULL, *id_type = NULL, *public_key = NULL, *certificate = NULL;
  g_autofree gchar *tls = NULL;
  g_auto(GStrv) protocols = NULL;
  gint64 counter = -1;
  gboolean token = FALSE;
  gboolean json = FALSE;
  gint64 assigned;
  GOptionEntry entries[] = {
    { "eim-id", 0, 0, G_OPTION_ARG_STRING, &eim_id, "the eIM's identifier (required)", "ID" },
    { "fqdn", 0, 0, G_OPTION_ARG_STRING, &fqdn, "where the eIM is", "HOST[:PORT]" },
    { "id-type", 0, 0, G_OPTION_ARG_STRING, &id_type, "what the identifier is: oid, fqdn or proprietary", "TYPE" },
    { "counter", 0, 0, G_OPTION_ARG_INT64, &counter, "initial replay counter value", "N" },
    { "association-token", 0, 0, G_OPTION_ARG_NONE, &token, "ask the eUICC for an association token", NULL },
    { "public-key", 0, 0, G_OPTION_ARG_FILENAME, &public_key, "the eIM's signing key (PEM or DER SubjectPublicKeyInfo)",
      "FILE" },
    { "certificate", 0, 0, G_OPTION_ARG_FILENAME, &certificate, "or its certificate (PEM or DER)", "FILE" },
    { "tls-trust", 0, 0, G_OPTION_ARG_FILENAME, &tls, "key or certificate the eIM's TLS server must present", "FILE" },
    { "protocol", 0, 0, G_OPTION_ARG_STRING_ARRAY, &protocols, "eimRetrieveHttps, eimRetrieveCoaps, eimInjectHttps, "
      "eimInjectCoaps or eimProprietary (repeat, or separate with commas)", "NAME" },
    { NULL }
  };

  if (!cli_dbus_parse ("add-initial-eim", "- write the first eIM onto a fresh eUICC (factory provisioning)", entries,
                       &argc, &argv, &json))
    return CLI_EXIT_USAGE;
  if (argc > 1 || eim_id == NULL)
    {
      fprintf (stderr, "euiccctl add-initial-eim: %s\n", argc > 1 ? "unexpected argument" : "--eim-id is required");
      return CLI_EXIT_USAGE;
    }
  if (public_key != NULL && certificate != NULL)
    {
      fprintf (stderr, "euiccctl add-initial-eim: give --public-key or --certificate, not both\n");
      return CLI_EXIT_USAGE;
    }

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "eimId", "s", eim_id);
  if (fqdn != NULL)
    g_variant_dict_insert (&dict, "eimFqdn", "s", fqdn);
  if (id_type != NULL)
    g_variant_dict_insert (&dict, "eimIdType", "s", id_type);
  if (counter >= 0)
    g_variant_dict_insert (&dict, "counterValue", "t", (guint64) counter);
  if (token)
    g_variant_dict_insert (&dict, "associationToken", "b", TRUE);
  if (public_key != NULL || certificate != NULL)
    {
      const gchar *option = public_key != NULL ? "--public-key" : "--certificate";
      g_autoptr(GBytes) der = read_der_file (option, public_key != NULL ? public_key : certificate, &error);
      if (der == NULL)
        {
          fprintf (stderr, "euiccctl add-initial-eim: %s\n", error->message);
          return CLI_EXIT_USAGE;
        }
      insert_bytes (&dict, public_key != NULL ? "eimPublicKey" : "eimCertificate", der);
    }
  if (tls != NULL)
    {
      g_autoptr(GBytes) der = read_der_file ("--tls-trust", tls, &error);
      if (der == NULL)
        {
          fprintf (stderr, "euiccctl add-initial-eim: %s\n", error->message);
          return CLI_EXIT_USAGE;
        }
      insert_bytes (&dict, "trustedPublicKeyDataTls", der);
    }
  if (protocols != NULL)
    {
      g_autofree gchar *joined = g_strjoinv (",", protocols);
      g_auto(GStrv) names = g_strsplit (joined, ",", -1);
      g_variant_dict_insert (&dict, "eimSupportedProtocol", "^as", names);
    }

  manager = cli_dbus_manager (&error);
  if (manager == NULL ||
      !euiccd_dbus_manager_call_add_initial_eim_sync (manager, g_variant_dict_end (&dict), &result, NULL, &error))
    return cli_dbus_fail ("add-initial-eim", error);

  if (json)
    {
      cJSON *object = cli_dbus_variant_to_json (result);
      cJSON_AddStringToObject (object, "eimId", eim_id);
      cli_dbus_print_json (object);
    }
  else if (g_variant_lookup (result, "associationToken", "x", &assigned))
    printf ("eIM %s added; association token %" G_GINT64_FORMAT "\n", eim_id, assigned);
  else
    printf ("eIM %s added\n", eim_id);
  return CLI_EXIT_OK;
}
