/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd"

#include <string.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "card/es10-eim.h"
#include "daemon/daemon-sgp22-eims.h"
#include "der/der.h"
#include "euiccd-error.h"

#define STATE_FILE "sgp22-eims"
#define MAX_KEY_DER 4096

/* The results of the eCOs (SGP.32 AddEimResult, DeleteEimResult, UpdateEimResult). */
#define ECO_OK 0
#define ECO_INSUFFICIENT_MEMORY 1
#define ECO_ALREADY_EXISTS 2
#define ECO_NOT_FOUND 1
#define ECO_LAST_EIM_DELETED 2
#define ECO_CI_PK_UNKNOWN 3
#define ECO_COUNTER_OUT_OF_RANGE 6
#define ECO_COMMAND_ERROR 7
#define ECO_UNDEFINED_ERROR 127
#define MAX_KEPT_EIMS 8
#define MAX_COUNTER_VALUE G_GINT64_CONSTANT (0x7FFFFFFF)

struct _DaemonSgp22Eims {
  GMutex lock;
  DaemonStore *store;
  GPtrArray *eims;            /* of Es10EimConfiguration */
  gint64 next_seq_number;
  gint64 next_token;
};

static Es10EimConfiguration *
copy_eim (const Es10EimConfiguration *eim, GError **error)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();

  if (!es10_eim_configuration_encode (eim, buffer, error))
    return NULL;
  return es10_eim_configuration_decode (buffer->data, buffer->len, error);
}

static GBytes *
encode_state (DaemonSgp22Eims *self, GError **error)
{
  g_auto(DerWriter) writer = { 0 };
  g_autoptr(GByteArray) list = g_byte_array_new ();

  for (guint i = 0; i < self->eims->len; i++)
    if (!es10_eim_configuration_encode (g_ptr_array_index (self->eims, i), list, error))
      return NULL;
  der_writer_init (&writer);
  der_begin (&writer, 0x30);
  der_write_int (&writer, 0x80, self->next_seq_number);
  der_write_int (&writer, 0x81, self->next_token);
  der_write (&writer, 0xA0, list->data, list->len);
  der_end (&writer);
  return der_writer_finish (&writer);
}

static gboolean
save (DaemonSgp22Eims *self, GError **error)
{
  g_autoptr(GBytes) bytes = encode_state (self, error);

  if (bytes == NULL || !daemon_store_write_file (self->store, STATE_FILE, bytes, error))
    {
      g_prefix_error (error, "%s/%s: ", daemon_store_get_directory (self->store), STATE_FILE);
      return FALSE;
    }
  return TRUE;
}

static gboolean
decode_state (DaemonSgp22Eims *self, GBytes *bytes, GError **error)
{
  DerTlv outer, field, entry;
  DerReader reader, list;

  if (!der_parse_expect (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), 0x30, &outer, error)
      || !der_reader_enter (&outer, &reader, error))
    return FALSE;
  while (!der_reader_at_end (&reader))
    {
      if (!der_reader_next (&reader, &field, error))
        return FALSE;
      if (field.tag == 0x80 && !der_tlv_get_int (&field, &self->next_seq_number, error))
        return FALSE;
      if (field.tag == 0x81 && !der_tlv_get_int (&field, &self->next_token, error))
        return FALSE;
      if (field.tag != 0xA0)
        continue;
      der_reader_init (&list, field.value, field.length);
      while (!der_reader_at_end (&list))
        {
          Es10EimConfiguration *eim;

          if (!der_reader_next (&list, &entry, error))
            return FALSE;
          eim = es10_eim_configuration_decode (entry.raw, entry.raw_length, error);
          if (eim == NULL)
            return FALSE;
          g_ptr_array_add (self->eims, eim);
        }
    }
  return TRUE;
}

gboolean
daemon_sgp22_eims_read_key_file (const gchar *path, Es10EimKeyKind *ret_kind, GBytes **ret_data, GError **error)
{
  g_autofree gchar *pem = NULL;
  gsize length;
  int rc;

  if (!g_file_get_contents (path, &pem, &length, error))
    return FALSE;
  if (strstr (pem, "-----BEGIN CERTIFICATE-----") != NULL)
    {
      mbedtls_x509_crt crt;

      mbedtls_x509_crt_init (&crt);
      rc = mbedtls_x509_crt_parse (&crt, (const unsigned char *) pem, length + 1);
      if (rc == 0)
        *ret_data = g_bytes_new (crt.raw.p, crt.raw.len);
      mbedtls_x509_crt_free (&crt);
      *ret_kind = ES10_EIM_KEY_CERTIFICATE;
    }
  else
    {
      mbedtls_pk_context pk;
      guint8 der[MAX_KEY_DER];

      mbedtls_pk_init (&pk);
      rc = mbedtls_pk_parse_public_key (&pk, (const unsigned char *) pem, length + 1);
      if (rc == 0)
        {
          /* mbedtls writes at the end of the buffer. */
          rc = mbedtls_pk_write_pubkey_der (&pk, der, sizeof der);
          if (rc > 0)
            *ret_data = g_bytes_new (der + sizeof der - rc, rc);
          rc = rc > 0 ? 0 : rc;
        }
      mbedtls_pk_free (&pk);
      *ret_kind = ES10_EIM_KEY_PUBLIC_KEY;
    }
  if (rc != 0)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CONFIG,
                   "%s: not a PEM public key or certificate (mbedTLS -0x%04X)", path, (unsigned) -rc);
      return FALSE;
    }
  return TRUE;
}

static void
add_configured (DaemonSgp22Eims *self, const DaemonConfig *config)
{
  g_autoptr(Es10EimConfiguration) eim = es10_eim_configuration_new ();
  g_autoptr(GError) error = NULL;

  if (config->sgp22_eim_id == NULL)
    return;
  eim->eim_id = g_strdup (config->sgp22_eim_id);
  eim->eim_fqdn = g_strdup (config->sgp22_eim_fqdn);
  eim->has_eim_id_type = TRUE;
  eim->eim_id_type = 2;  /* eimIdTypeFqdn */
  eim->has_counter_value = TRUE;
  eim->counter_value = 0;
  if (config->sgp22_eim_public_key == NULL)
    {
      g_warning ("[Sgp22] EimId is set but EimPublicKey is not: no package of eIM %s can be verified",
                 eim->eim_id);
    }
  else if (!daemon_sgp22_eims_read_key_file (config->sgp22_eim_public_key, &eim->public_key_kind,
                                             &eim->public_key_data, &error))
    {
      g_warning ("[Sgp22] EimPublicKey: %s; eIM %s not added", error->message, eim->eim_id);
      return;
    }
  g_ptr_array_add (self->eims, g_steal_pointer (&eim));
  if (!save (self, &error))
    g_warning ("Storing the [Sgp22] eIM: %s", error->message);
  g_message ("Consumer eUICC eIM %s taken from the configuration", config->sgp22_eim_id);
}

/* A file that does not decode is kept in corrupt/ for a person to look at, and euiccd goes on without it: the
 * eIM comes again from [Sgp22] or AddInitialEim. Its counters and seqNumbers are lost with it. */
static void
set_aside_damaged (DaemonSgp22Eims *self, const gchar *why)
{
  g_autofree gchar *moved = daemon_store_set_aside_file (self->store, STATE_FILE);

  g_ptr_array_set_size (self->eims, 0);
  self->next_seq_number = 1;
  self->next_token = 1;
  g_warning ("%s/%s is damaged (%s): %s%s; the consumer eUICC's eIM configuration comes again from [Sgp22] or "
             "AddInitialEim", daemon_store_get_directory (self->store), STATE_FILE, why,
             moved != NULL ? "moved to " : "left in place", moved != NULL ? moved : "");
}

DaemonSgp22Eims *
daemon_sgp22_eims_new (DaemonStore *store, const DaemonConfig *config)
{
  DaemonSgp22Eims *self = g_new0 (DaemonSgp22Eims, 1);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_mutex_init (&self->lock);
  self->store = store;
  self->eims = g_ptr_array_new_with_free_func ((GDestroyNotify) es10_eim_configuration_free);
  self->next_seq_number = 1;
  self->next_token = 1;
  bytes = daemon_store_read_file (store, STATE_FILE, &error);
  if (bytes == NULL && g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA))
    set_aside_damaged (self, error->message);
  else if (bytes == NULL && !g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND))
    g_warning ("%s/%s: %s", daemon_store_get_directory (store), STATE_FILE, error->message);
  else if (bytes != NULL && !decode_state (self, bytes, &error))
    set_aside_damaged (self, error->message);
  if (self->eims->len == 0)
    add_configured (self, config);
  return self;
}

void
daemon_sgp22_eims_free (DaemonSgp22Eims *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->eims);
  g_mutex_clear (&self->lock);
  g_free (self);
}

Es10EimConfigurationList *
daemon_sgp22_eims_list (DaemonSgp22Eims *self)
{
  Es10EimConfigurationList *list = g_new0 (Es10EimConfigurationList, 1);

  list->eims = g_ptr_array_new_with_free_func ((GDestroyNotify) es10_eim_configuration_free);
  list->skipped = g_ptr_array_new ();
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->eims->len; i++)
    {
      g_autoptr(GError) error = NULL;
      Es10EimConfiguration *copy = copy_eim (g_ptr_array_index (self->eims, i), &error);

      if (copy != NULL)
        g_ptr_array_add (list->eims, copy);
      else
        g_warning ("A kept eIM configuration: %s", error->message);
    }
  g_mutex_unlock (&self->lock);
  return list;
}

static Es10EimConfiguration *
find (DaemonSgp22Eims *self, const gchar *eim_id)
{
  for (guint i = 0; i < self->eims->len; i++)
    {
      Es10EimConfiguration *eim = g_ptr_array_index (self->eims, i);
      if (g_strcmp0 (eim->eim_id, eim_id) == 0)
        return eim;
    }
  return NULL;
}

gint64
daemon_sgp22_eims_get_counter (DaemonSgp22Eims *self, const gchar *eim_id)
{
  Es10EimConfiguration *eim;
  gint64 counter;

  g_mutex_lock (&self->lock);
  eim = find (self, eim_id);
  counter = eim == NULL ? G_MAXINT64 : eim->has_counter_value ? eim->counter_value : 0;
  g_mutex_unlock (&self->lock);
  return counter;
}

gboolean
daemon_sgp22_eims_accept_counter (DaemonSgp22Eims *self, const gchar *eim_id, gint64 counter_value,
                                  gint64 *ret_seq_number, GError **error)
{
  Es10EimConfiguration *eim;
  gint64 old_counter;
  gboolean ok;

  g_mutex_lock (&self->lock);
  eim = find (self, eim_id);
  if (eim == NULL)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_NOT_FOUND, "eIM %s is not kept for this eUICC", eim_id);
      return FALSE;
    }
  old_counter = eim->counter_value;
  eim->has_counter_value = TRUE;
  eim->counter_value = counter_value;
  *ret_seq_number = self->next_seq_number++;
  ok = save (self, error);
  if (!ok)
    {
      eim->counter_value = old_counter;
      self->next_seq_number--;
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

/* Whether `pkid` names one of the eUICC's CIs for signing: the whole SubjectKeyIdentifier, or its start. */
static gboolean
ci_is_known (const GPtrArray *ci_pkids, GBytes *pkid)
{
  gsize length = g_bytes_get_size (pkid);

  for (guint i = 0; ci_pkids != NULL && length > 0 && i < ci_pkids->len; i++)
    {
      GBytes *known = g_ptr_array_index (ci_pkids, i);

      if (g_bytes_get_size (known) >= length && memcmp (g_bytes_get_data (known, NULL), g_bytes_get_data (pkid, NULL),
                                                        length) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The check an SGP.32 eUICC makes of a new eIM's euiccCiPKId: 0 when it is absent or one of the card's, else
 * ciPKUnknown(3), or undefinedError(127) when the card's list could not be read. */
static gint64
check_ci_pkid (const Es10EimConfiguration *eim, const GPtrArray *ci_pkids)
{
  g_autofree gchar *hex = NULL;

  if (eim->euicc_ci_pkid == NULL)
    return ECO_OK;
  if (ci_pkids == NULL)
    {
      g_warning ("eIM %s: its euiccCiPKId cannot be checked: the eUICC's CI list was not read", eim->eim_id);
      return ECO_UNDEFINED_ERROR;
    }
  if (ci_is_known (ci_pkids, eim->euicc_ci_pkid))
    return ECO_OK;
  hex = der_to_hex (g_bytes_get_data (eim->euicc_ci_pkid, NULL), g_bytes_get_size (eim->euicc_ci_pkid));
  g_warning ("eIM %s: euiccCiPKId %s is none of the CIs the eUICC signs with: ciPKUnknown", eim->eim_id, hex);
  return ECO_CI_PK_UNKNOWN;
}

gboolean
daemon_sgp22_eims_add_initial (DaemonSgp22Eims *self, const Es10EimConfiguration *eim, const GPtrArray *ci_pkids,
                               gboolean *ret_has_token, gint64 *ret_token, GError **error)
{
  Es10EimConfiguration *copy;
  gint64 code;
  gboolean ok;

  code = check_ci_pkid (eim, ci_pkids);
  if (code != ECO_OK)
    {
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_CARD, "AddInitialEim: refused with %s(%" G_GINT64_FORMAT "): %s",
                   code == ECO_CI_PK_UNKNOWN ? "ciPKUnknown" : "undefinedError", code,
                   code == ECO_CI_PK_UNKNOWN ? "its euiccCiPKId is none of the CIs the consumer eUICC signs with"
                                             : "the consumer eUICC's CI list could not be read");
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  if (self->eims->len > 0)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_BUSY,
                   "AddInitialEim: euiccd already keeps an eIM for this consumer eUICC");
      return FALSE;
    }
  copy = copy_eim (eim, error);
  if (copy == NULL)
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  if (!copy->has_counter_value)
    {
      copy->has_counter_value = TRUE;
      copy->counter_value = 0;
    }
  *ret_has_token = copy->has_association_token;
  if (copy->has_association_token)
    {
      copy->association_token = self->next_token++;
      *ret_token = copy->association_token;
    }
  g_ptr_array_add (self->eims, copy);
  ok = save (self, error);
  if (!ok)
    g_ptr_array_set_size (self->eims, 0);
  g_mutex_unlock (&self->lock);
  return ok;
}


static GBytes *
single_int (guint32 tag, gint64 value)
{
  g_auto(DerWriter) writer = { 0 };

  der_writer_init (&writer);
  der_write_int (&writer, tag, value);
  return der_writer_finish (&writer);
}

/* AddEimResult is an untagged CHOICE: its [8] is explicit around the alternative. */
static GBytes *
add_result (guint32 inner_tag, gint64 value)
{
  g_auto(DerWriter) writer = { 0 };

  der_writer_init (&writer);
  der_begin (&writer, 0xA8);
  der_write_int (&writer, inner_tag, value);
  der_end (&writer);
  return der_writer_finish (&writer);
}

/* EimConfigurationData under the eCO's implicit tag, with its SEQUENCE tag put back. */
static Es10EimConfiguration *
decode_eco_configuration (const DerTlv *eco, const GPtrArray *ci_pkids, gint64 *ret_code)
{
  g_auto(DerWriter) writer = { 0 };
  g_autoptr(GBytes) sequence = NULL;
  g_autoptr(GError) error = NULL;
  Es10EimConfiguration *eim;

  der_writer_init (&writer);
  der_write (&writer, 0x30, eco->value, eco->length);
  sequence = der_writer_finish (&writer);
  eim = es10_eim_configuration_decode (g_bytes_get_data (sequence, NULL), g_bytes_get_size (sequence), &error);
  if (eim == NULL)
    {
      g_warning ("eCO %X: %s", eco->tag, error->message);
      *ret_code = ECO_COMMAND_ERROR;
      return NULL;
    }
  if (eim->has_counter_value && (eim->counter_value < 0 || eim->counter_value > MAX_COUNTER_VALUE))
    {
      es10_eim_configuration_free (eim);
      *ret_code = ECO_COUNTER_OUT_OF_RANGE;
      return NULL;
    }
  *ret_code = check_ci_pkid (eim, ci_pkids);
  if (*ret_code != ECO_OK)
    {
      es10_eim_configuration_free (eim);
      return NULL;
    }
  return eim;
}

static guint
index_of (DaemonSgp22Eims *self, const gchar *eim_id)
{
  for (guint i = 0; i < self->eims->len; i++)
    if (g_strcmp0 (((Es10EimConfiguration *) g_ptr_array_index (self->eims, i))->eim_id, eim_id) == 0)
      return i;
  return G_MAXUINT;
}

static GBytes *
eco_add (DaemonSgp22Eims *self, const DerTlv *eco, const GPtrArray *ci_pkids, gboolean *ret_changed)
{
  g_autoptr(GError) error = NULL;
  Es10EimConfiguration *eim;
  gint64 code = ECO_OK;
  gint64 token = 0;

  eim = decode_eco_configuration (eco, ci_pkids, &code);
  if (eim == NULL)
    return add_result (0x02, code);
  if (index_of (self, eim->eim_id) != G_MAXUINT || self->eims->len >= MAX_KEPT_EIMS)
    {
      code = index_of (self, eim->eim_id) != G_MAXUINT ? ECO_ALREADY_EXISTS : ECO_INSUFFICIENT_MEMORY;
      es10_eim_configuration_free (eim);
      return add_result (0x02, code);
    }
  if (!eim->has_counter_value)
    {
      eim->has_counter_value = TRUE;
      eim->counter_value = 0;
    }
  if (eim->has_association_token)
    eim->association_token = token = self->next_token++;
  g_ptr_array_add (self->eims, eim);
  if (!save (self, &error))
    {
      g_warning ("addEim: %s", error->message);
      g_ptr_array_remove_index (self->eims, self->eims->len - 1);
      if (token != 0)
        self->next_token--;
      return add_result (0x02, ECO_UNDEFINED_ERROR);
    }
  *ret_changed = TRUE;
  return token != 0 ? add_result (0x84, token) : add_result (0x02, ECO_OK);
}

static GBytes *
eco_delete (DaemonSgp22Eims *self, const DerTlv *eco, gboolean *ret_changed)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *eim_id = NULL;
  Es10EimConfiguration *removed;
  DerTlv field;
  guint index;

  if (!der_find_child (eco, 0x80, &field, NULL) || (eim_id = der_tlv_dup_utf8 (&field, NULL)) == NULL)
    return single_int (0x89, ECO_COMMAND_ERROR);
  index = index_of (self, eim_id);
  if (index == G_MAXUINT)
    return single_int (0x89, ECO_NOT_FOUND);
  removed = g_ptr_array_steal_index (self->eims, index);
  if (!save (self, &error))
    {
      g_warning ("deleteEim: %s", error->message);
      g_ptr_array_insert (self->eims, index, removed);
      return single_int (0x89, ECO_UNDEFINED_ERROR);
    }
  es10_eim_configuration_free (removed);
  *ret_changed = TRUE;
  /* Deleted either way; the code tells the eIM that none is left. */
  return single_int (0x89, self->eims->len == 0 ? ECO_LAST_EIM_DELETED : ECO_OK);
}

static GBytes *
eco_update (DaemonSgp22Eims *self, const DerTlv *eco, const GPtrArray *ci_pkids, gboolean *ret_changed)
{
  g_autoptr(GError) error = NULL;
  Es10EimConfiguration *eim, *old;
  gint64 code = ECO_OK;
  guint index;

  eim = decode_eco_configuration (eco, ci_pkids, &code);
  if (eim == NULL)
    return single_int (0x8A, code);
  index = index_of (self, eim->eim_id);
  if (index == G_MAXUINT)
    {
      es10_eim_configuration_free (eim);
      return single_int (0x8A, ECO_NOT_FOUND);
    }
  old = self->eims->pdata[index];
  /* The association token stays, and the counter unless a new one is given. */
  eim->has_association_token = old->has_association_token;
  eim->association_token = old->association_token;
  if (!eim->has_counter_value)
    {
      eim->has_counter_value = old->has_counter_value;
      eim->counter_value = old->counter_value;
    }
  self->eims->pdata[index] = eim;
  if (!save (self, &error))
    {
      g_warning ("updateEim: %s", error->message);
      self->eims->pdata[index] = old;
      es10_eim_configuration_free (eim);
      return single_int (0x8A, ECO_UNDEFINED_ERROR);
    }
  es10_eim_configuration_free (old);
  *ret_changed = TRUE;
  return single_int (0x8A, ECO_OK);
}

static GBytes *
eco_list (DaemonSgp22Eims *self)
{
  g_auto(DerWriter) writer = { 0 };

  der_writer_init (&writer);
  der_begin (&writer, 0xAB);
  der_begin (&writer, 0xA0);
  for (guint i = 0; i < self->eims->len; i++)
    {
      const Es10EimConfiguration *eim = g_ptr_array_index (self->eims, i);

      der_begin (&writer, 0x30);
      der_write_utf8 (&writer, 0x80, eim->eim_id);
      /* eimIdType is given for the OID and FQDN types only. */
      if (eim->has_eim_id_type && (eim->eim_id_type == 1 || eim->eim_id_type == 2))
        der_write_int (&writer, 0x82, eim->eim_id_type);
      der_end (&writer);
    }
  der_end (&writer);
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
daemon_sgp22_eims_run_eco (DaemonSgp22Eims *self, const guint8 *eco, gsize length, const GPtrArray *ci_pkids,
                           gboolean *ret_changed)
{
  GBytes *result = NULL;
  DerTlv tlv;

  *ret_changed = FALSE;
  if (!der_parse_single (eco, length, &tlv, NULL) || !der_validate (&tlv, NULL))
    return NULL;
  g_mutex_lock (&self->lock);
  switch (tlv.tag)
    {
    case 0xA8: result = eco_add (self, &tlv, ci_pkids, ret_changed); break;
    case 0xA9: result = eco_delete (self, &tlv, ret_changed); break;
    case 0xAA: result = eco_update (self, &tlv, ci_pkids, ret_changed); break;
    case 0xAB: result = eco_list (self); break;
    default: break;
    }
  g_mutex_unlock (&self->lock);
  return result;
}
