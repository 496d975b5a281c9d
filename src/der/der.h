/* SPDX-License-Identifier: Apache-2.0 */
/* BER-TLV / DER reader and writer for the subset SGP.22 and SGP.32 use.
 *
 * Tags are held as the big-endian integer of their identifier octets, so the constants read like the
 * specifications: 0x5A (eidValue), 0xBF2E (GetEUICCChallenge), 0x5F37 (signature), 0xBF64. Tags of up to
 * four identifier octets are accepted. Lengths are definite, in short or long form with up to four length
 * octets. The reader never reads outside the buffer it was given, never allocates, and names what was
 * wrong when it refuses input. The writer builds into a GByteArray and fixes lengths when a constructed
 * value is closed. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Deeper nesting than this is refused: no SGP message comes close, hostile input might. */
#define DER_MAX_DEPTH 32

typedef struct {
  guint32 tag;           /* identifier octets as a big-endian integer, e.g. 0xBF2E */
  gboolean constructed;  /* bit 6 of the first identifier octet */
  const guint8 *value;   /* the contents octets, inside the reader's buffer */
  gsize length;          /* number of contents octets */
  const guint8 *raw;     /* the whole TLV (identifier, length and contents) */
  gsize raw_length;
  guint depth;           /* nesting depth of the reader that produced it (0 = top level) */
} DerTlv;

typedef struct {
  const guint8 *pos;
  const guint8 *end;
  guint depth;
} DerReader;

/* Reading */
void der_reader_init (DerReader *reader, const guint8 *data, gsize length);
gboolean der_reader_at_end (const DerReader *reader);
/* Reads the next TLV. On malformed input (truncated tag or length, indefinite length, more than four length
 * octets, a length running past the buffer) returns FALSE with EUICCD_ERROR_INVALID_DATA naming the problem
 * and the offset. Reading at the end is also an error. */
gboolean der_reader_next (DerReader *reader, DerTlv *ret_tlv, GError **error);
/* A reader over the contents of a constructed TLV, one level deeper; refuses primitive TLVs and nesting
 * beyond DER_MAX_DEPTH. */
gboolean der_reader_enter (const DerTlv *tlv, DerReader *ret_child, GError **error);
/* Parses a buffer holding exactly one TLV (trailing bytes are an error). */
gboolean der_parse_single (const guint8 *data, gsize length, DerTlv *ret_tlv, GError **error);
/* Parses exactly one TLV and checks its tag. */
gboolean der_parse_expect (const guint8 *data, gsize length, guint32 tag, DerTlv *ret_tlv, GError **error);
/* Looks among the direct children of a constructed TLV for the first with this tag. Returns FALSE without
 * setting error when there is none; returns FALSE with error when the children do not parse. Callers that
 * need to tell the two apart pass an error pointer and check it. */
gboolean der_find_child (const DerTlv *parent, guint32 tag, DerTlv *ret_child, GError **error);
/* Checks that every child of a constructed TLV parses, recursively for constructed children (bounded by
 * DER_MAX_DEPTH). */
gboolean der_validate (const DerTlv *tlv, GError **error);

/* Primitive values. Each checks the length and names the tag in its error. */
gboolean der_tlv_get_uint (const DerTlv *tlv, guint64 *ret_value, GError **error);   /* INTEGER >= 0, up to 64 bits */
gboolean der_tlv_get_int (const DerTlv *tlv, gint64 *ret_value, GError **error);     /* INTEGER, up to 64 bits */
gboolean der_tlv_get_bool (const DerTlv *tlv, gboolean *ret_value, GError **error);  /* BOOLEAN, one octet */
/* UTF8String: refuses invalid UTF-8 and embedded NULs; returns a newly allocated string. */
gchar *der_tlv_dup_utf8 (const DerTlv *tlv, GError **error);
/* BIT STRING: unused-bits octet followed by the bits; returns the bytes after the unused-bits octet. */
gboolean der_tlv_get_bits (const DerTlv *tlv, const guint8 **ret_bits, gsize *ret_length, guint *ret_unused,
                           GError **error);
/* BIT STRING bit n (0 = most significant bit of the first octet), FALSE past the end. */
gboolean der_bits_test (const guint8 *bits, gsize length, guint unused, guint n);
/* Number of identifier octets a tag takes (1 to 4). */
guint der_tag_size (guint32 tag);
/* Whether a tag integer is a well-formed identifier (X.690 8.1.2): one octet for tag numbers below 31,
 * otherwise 1F-form octets with continuation bits set on all but the last. 0 is never valid. */
gboolean der_tag_is_valid (guint32 tag);

/* Writing */
typedef struct {
  GByteArray *buffer;
  gsize open[DER_MAX_DEPTH];  /* offsets of the length octets of each open constructed value */
  guint n_open;
} DerWriter;

void der_writer_init (DerWriter *writer);
void der_writer_clear (DerWriter *writer);
/* A primitive or pre-encoded value: tag, length, then the bytes. */
void der_write (DerWriter *writer, guint32 tag, const guint8 *value, gsize length);
void der_write_bytes (DerWriter *writer, guint32 tag, GBytes *value);
/* Appends bytes that are already a complete TLV (or several), unchanged. */
void der_write_raw (DerWriter *writer, const guint8 *data, gsize length);
void der_write_uint (DerWriter *writer, guint32 tag, guint64 value);   /* minimal INTEGER encoding */
void der_write_int (DerWriter *writer, guint32 tag, gint64 value);
void der_write_bool (DerWriter *writer, guint32 tag, gboolean value);  /* DER TRUE is FF */
void der_write_null (DerWriter *writer, guint32 tag);
void der_write_utf8 (DerWriter *writer, guint32 tag, const gchar *value);
/* BIT STRING from the named bits set in `bits` (bit 0 = first named bit), trailing zero bits removed as DER
 * requires for named-bit lists. */
void der_write_named_bits (DerWriter *writer, guint32 tag, guint64 bits, guint n_named_bits);
/* Opens a constructed value; close it with der_end(). Opening more than DER_MAX_DEPTH levels is a
 * programming error (g_return_if_fail). */
void der_begin (DerWriter *writer, guint32 tag);
void der_end (DerWriter *writer);
/* Returns the encoding; every der_begin() must have been closed. The writer is cleared. */
GBytes *der_writer_finish (DerWriter *writer);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DerWriter, der_writer_clear)

/* Hex helpers for logs, tests and the command line. */
gchar *der_to_hex (const guint8 *data, gsize length);  /* upper case, no separators */
void der_append_hex (GString *out, const guint8 *data, gsize length);  /* the same, appended */
GBytes *der_from_hex (const gchar *hex, GError **error); /* accepts upper/lower case, ignores white space */

G_END_DECLS
