/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "ipa/ipa-sgp22-result.h"

GBytes *
ipa_sgp22_error_unsigned (const gchar *eim_id, GBytes *transaction_id, gboolean has_token, gint64 token)
{
  g_auto(DerWriter) writer = { 0 };

  der_writer_init (&writer);
  der_begin (&writer, 0xBF51);
  der_begin (&writer, 0xA2);
  der_write_utf8 (&writer, 0x80, eim_id);
  if (transaction_id != NULL)
    der_write_bytes (&writer, 0x82, transaction_id);
  if (has_token)
    der_write_int (&writer, 0x84, token);
  der_end (&writer);
  der_end (&writer);
  return der_writer_finish (&writer);
}

GBytes *
ipa_sgp22_error_signed (const gchar *eim_id, gint64 counter_value, GBytes *transaction_id, gint64 code)
{
  g_auto(DerWriter) writer = { 0 };

  der_writer_init (&writer);
  der_begin (&writer, 0xBF51);
  der_begin (&writer, 0xA1);
  der_begin (&writer, 0x30);
  der_write_utf8 (&writer, 0x80, eim_id);
  der_write_int (&writer, 0x81, counter_value);
  if (transaction_id != NULL)
    der_write_bytes (&writer, 0x82, transaction_id);
  der_write_int (&writer, 0x02, code);
  der_end (&writer);
  /* Present, as the syntax wants it, and empty: no eUICC signature can be made here. */
  der_write (&writer, 0x5F37, NULL, 0);
  der_end (&writer);
  der_end (&writer);
  return der_writer_finish (&writer);
}

void
ipa_sgp22_result_begin (DerWriter *writer, const gchar *eim_id, gint64 counter_value, GBytes *transaction_id,
                        gint64 seq_number)
{
  der_writer_init (writer);
  der_begin (writer, 0xBF51);
  der_begin (writer, 0xA0);
  der_begin (writer, 0x30);
  der_write_utf8 (writer, 0x80, eim_id);
  der_write_int (writer, 0x81, counter_value);
  if (transaction_id != NULL)
    der_write_bytes (writer, 0x82, transaction_id);
  der_write_int (writer, 0x83, seq_number);
  der_begin (writer, 0x30);
}

GBytes *
ipa_sgp22_result_end (DerWriter *writer)
{
  der_end (writer);  /* euiccResult */
  der_end (writer);  /* EuiccPackageResultDataSigned */
  der_write (writer, 0x5F37, NULL, 0);
  der_end (writer);  /* A0 */
  der_end (writer);  /* BF51 */
  return der_writer_finish (writer);
}
