/* SPDX-License-Identifier: Apache-2.0 */
/* The activation code of SGP.22 4.1, parsed strictly: what euiccd sends the SM-DP+ comes from it. */
#include "config.h"

#include <string.h>

#include "euiccd-error.h"
#include "ipa/ipa-activation-code.h"

void
ipa_activation_code_free (IpaActivationCode *code)
{
  if (code == NULL)
    return;
  g_free (code->smdp_address);
  g_free (code->matching_id);
  g_free (code->smdp_oid);
  g_free (code);
}

static gboolean
is_hostname_label_char (gchar c)
{
  return g_ascii_isalnum (c) || c == '-';
}

/* A DNS name (labels of letters, digits and inner hyphens, 1-63 characters, 253 in all) or a dotted IPv4
 * address, with an optional ":port". */
static gboolean
check_address (const gchar *address, GError **error)
{
  g_autofree gchar *host = NULL;
  const gchar *colon = strrchr (address, ':');
  gsize label = 0;

  if (*address == '\0')
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "activation code: the SM-DP+ address is empty");
      return FALSE;
    }
  if (colon != NULL)
    {
      guint64 port = 0;
      if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                       "activation code: the SM-DP+ address has a port that is not a number from 1 to 65535");
          return FALSE;
        }
      host = g_strndup (address, (gsize) (colon - address));
    }
  else
    host = g_strdup (address);

  if (strlen (host) == 0 || strlen (host) > 253)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "activation code: the SM-DP+ address is not a host name of 1 to 253 characters");
      return FALSE;
    }
  for (const gchar *p = host;; p++)
    {
      if (*p == '.' || *p == '\0')
        {
          if (label == 0 || label > 63 || p[-1] == '-' || p[-(gssize) label] == '-')
            {
              g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                           "activation code: the SM-DP+ address has an empty, too long or hyphen-edged label");
              return FALSE;
            }
          label = 0;
          if (*p == '\0')
            break;
          continue;
        }
      if (!is_hostname_label_char (*p))
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                       "activation code: the SM-DP+ address contains a character other than letters, digits, "
                       "'-' and '.'");
          return FALSE;
        }
      label++;
    }
  return TRUE;
}

static gboolean
check_matching_id (const gchar *matching_id, GError **error)
{
  for (const gchar *p = matching_id; *p != '\0'; p++)
    {
      if (!(g_ascii_isdigit (*p) || g_ascii_isupper (*p) || *p == '-'))
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                       "activation code: the matching ID contains a character other than 0-9, A-Z and '-' "
                       "(position %u)", (guint) (p - matching_id) + 1);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_oid (const gchar *oid, GError **error)
{
  gboolean digit_seen = FALSE;
  guint arcs = 0;

  for (const gchar *p = oid;; p++)
    {
      if (g_ascii_isdigit (*p))
        {
          digit_seen = TRUE;
          continue;
        }
      if ((*p == '.' || *p == '\0') && digit_seen)
        {
          arcs++;
          digit_seen = FALSE;
          if (*p == '\0')
            break;
          continue;
        }
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "activation code: the SM-DP+ OID is not dotted decimal numbers");
      return FALSE;
    }
  if (arcs < 2)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "activation code: the SM-DP+ OID has fewer than two arcs");
      return FALSE;
    }
  return TRUE;
}

IpaActivationCode *
ipa_activation_code_parse (const gchar *text, GError **error)
{
  g_autoptr(IpaActivationCode) code = g_new0 (IpaActivationCode, 1);
  g_auto(GStrv) fields = NULL;
  guint n_fields;

  g_return_val_if_fail (text != NULL, NULL);

  if (g_str_has_prefix (text, "LPA:"))
    text += 4;
  if (strlen (text) > IPA_ACTIVATION_CODE_MAX_LENGTH)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "activation code: longer than %d characters", IPA_ACTIVATION_CODE_MAX_LENGTH);
      return NULL;
    }
  if (!g_str_is_ascii (text))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS, "activation code: not ASCII");
      return NULL;
    }
  fields = g_strsplit (text, "$", -1);
  n_fields = g_strv_length (fields);
  if (n_fields < 3)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "activation code: %u field(s), at least three expected (1$<SM-DP+ address>$<matching ID>)",
                   n_fields);
      return NULL;
    }
  if (n_fields > 5)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "activation code: %u fields, at most five expected", n_fields);
      return NULL;
    }
  if (!g_str_equal (fields[0], "1"))
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                   "activation code: AC_Format is not 1 (the only format SGP.22 defines)");
      return NULL;
    }
  if (!check_address (fields[1], error) || !check_matching_id (fields[2], error))
    return NULL;
  if (n_fields >= 4 && *fields[3] != '\0')
    {
      if (!check_oid (fields[3], error))
        return NULL;
      code->smdp_oid = g_strdup (fields[3]);
    }
  if (n_fields == 5)
    {
      if (g_str_equal (fields[4], "1"))
        code->confirmation_code_required = TRUE;
      else if (*fields[4] != '\0')
        {
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS,
                       "activation code: the confirmation code required flag is neither \"1\" nor empty");
          return NULL;
        }
    }
  code->smdp_address = g_strdup (fields[1]);
  code->matching_id = g_strdup (fields[2]);
  return g_steal_pointer (&code);
}
