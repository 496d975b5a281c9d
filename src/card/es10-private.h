/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers the es10-*.c files share: reading a field with an error that names the structure, the field and
 * its tag, and running one request over the ISD-R session. Not for use outside src/card/es10-*.c. */
#pragma once

#include <glib.h>

#include "card/es10-deviations.h"
#include "card/es10-types.h"
#include "card/isdr-session.h"
#include "der/der.h"

G_BEGIN_DECLS

/* Parses `data` as exactly one TLV with tag `tag`, refusing anything else with "<structure>: ..." */
gboolean es10_parse_outer (const guint8 *data, gsize length, guint32 tag, const gchar *structure, DerTlv *ret_tlv,
                           GError **error);
/* A reader over a constructed field, "<structure>: <field> (<tag>): ..." on failure. */
gboolean es10_enter (const DerTlv *tlv, const gchar *structure, const gchar *field, DerReader *ret_reader,
                     GError **error);
/* Reads the next child of `reader`, "<structure>: ..." on failure. */
gboolean es10_next (DerReader *reader, const gchar *structure, DerTlv *ret_tlv, GError **error);

/* Typed field readers, each naming structure, field and tag when they refuse. */
gboolean es10_read_version (const DerTlv *tlv, const gchar *structure, const gchar *field, RspVersion *ret_version,
                            GError **error);
gchar *es10_read_utf8 (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error);
gboolean es10_read_int (const DerTlv *tlv, const gchar *structure, const gchar *field, gint64 *ret_value,
                        GError **error);
gboolean es10_read_bool (const DerTlv *tlv, const gchar *structure, const gchar *field, gboolean *ret_value,
                         GError **error);
gboolean es10_read_null (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error);
/* BIT STRING as a mask, bit n = 1 << n; named bits beyond 63 are ignored. */
gboolean es10_read_bits (const DerTlv *tlv, const gchar *structure, const gchar *field, guint64 *ret_mask,
                         GError **error);
/* Primitive OCTET STRING with a length in [min, max]. */
GBytes *es10_read_octets (const DerTlv *tlv, const gchar *structure, const gchar *field, gsize min_length,
                          gsize max_length, GError **error);
gchar *es10_read_iccid (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error);
/* SEQUENCE OF SubjectKeyIdentifier (OCTET STRING, 04) */
GPtrArray *es10_read_pkid_list (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error);
/* SEQUENCE OF VersionType */
GArray *es10_read_version_list (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error);
/* OperatorId contents (80 mccMnc, 81 gid1, 82 gid2) */
Es10OperatorId *es10_read_operator_id (const DerTlv *tlv, const gchar *structure, const gchar *field,
                                       GError **error);
void es10_operator_id_free (Es10OperatorId *operator_id);

gboolean es10_missing (gboolean present, const gchar *structure, const gchar *field, guint32 tag, GError **error);

/* A SEQUENCE type under an implicit context tag (e.g. [5] Certificate, A5): the DER of the SEQUENCE itself, with
 * its universal tag 30 put back, after checking that it parses. */
GBytes *es10_read_implicit_sequence (const DerTlv *tlv, const gchar *structure, const gchar *field, GError **error);

GBytes *es10_tlv_dup_value (const DerTlv *tlv);
GBytes *es10_tlv_dup_raw (const DerTlv *tlv);

/* Sends the request and returns the response; an answer without data is an error naming the function. */
GBytes *es10_transact (IsdrSession *session, GBytes *request, GError **error);

/* The "ok (A0) or error code (81)" CHOICE many ES10 responses consist of, read from the next child of
 * `reader`: an error sets *ret_has_error and *ret_error_code; ok leaves `reader` over the A0 contents.
 * Anything else is refused naming both alternatives. */
gboolean es10_read_ok_or_error (DerReader *reader, const gchar *structure, const gchar *ok_name, const gchar *error_name,
                                gboolean *ret_has_error, gint64 *ret_error_code, GError **error);

/* The "list (A0) or error code (81)" CHOICE of a list answer, with the deviations whose meaning is clear: an
 * empty answer is an empty list, a bare INTEGER (02) is the error code, and entries tagged one of `entry_tags`
 * (0-terminated) straight under the outer tag are the list without its wrapper (reader left before them). */
gboolean es10_read_list_or_error (DerReader *reader, const gchar *structure, const gchar *list_name,
                                  const gchar *error_name, const guint32 *entry_tags, gboolean *ret_has_error,
                                  gint64 *ret_error_code, GError **error);
/* The fields of one SEQUENCE seen so far, to tell a field repeated with the same value (noted and ignored:
 * *ret_repeated) from one repeated with another (refused: which one is meant cannot be known). */
typedef struct {
  guint n;
  guint32 tags[40];
  const guint8 *raws[40];
  gsize lengths[40];
} Es10FieldSet;
gboolean es10_field_once (Es10FieldSet *set, const DerTlv *item, const gchar *structure, gboolean *ret_repeated,
                          GError **error);
/* Puts an entry a list decoder could not read into `skipped`, with the reason (error messages of the field
 * readers name structures, fields and tags, not values). */
void es10_skip_entry (GPtrArray *skipped, const DerTlv *entry, const gchar *structure, guint index,
                      const GError *reason);
/* One ES10 answer while it is decoded: its bytes, and the deviations its decoder notes (collected from
 * es10_call() until the answer is freed, then warned about once per card). */
typedef struct {
  GBytes *bytes;
  Es10Deviations *deviations;
} Es10Answer;
/* Sends `request` (taking it; NULL means its encoder failed and `error` is set) and returns the answer for the
 * caller to decode with its own, typed decoder while the answer lives (g_autoptr): ES10_ANSWER_DATA() gives a
 * decoder's (data, length). Answers are freed in the reverse order of the calls, as g_autoptr does. */
Es10Answer *es10_call (IsdrSession *session, GBytes *request, GError **error);
void es10_answer_free (Es10Answer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10Answer, es10_answer_free)
#define ES10_ANSWER_DATA(answer) g_bytes_get_data ((answer)->bytes, NULL), g_bytes_get_size ((answer)->bytes)
/* An empty request TLV `tag 00`. */
GBytes *es10_encode_empty (guint32 tag);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10OperatorId, es10_operator_id_free)

G_END_DECLS
