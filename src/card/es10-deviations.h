/* SPDX-License-Identifier: Apache-2.0 */
/* Deviations from the ES10 schema that a decoder accepted because their meaning is unambiguous: an empty
 * BF2B00 for "nothing pending", ProfileInfo tagged 30 instead of E3, an INTEGER with a redundant leading octet,
 * a list without its A0 wrapper (docs/card-tolerance.md lists them all). Decoders note them while they read one
 * answer; es10_call() then warns about each once per card, so a daemon that reads the same answer at every
 * poll warns once, not at every poll. Notes name the structure and the deviation, never a value read. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gchar *function;       /* the ES10 function whose answer was read, e.g. "GetProfilesInfo" */
  GPtrArray *notes;      /* of gchar *, each distinct, in the order noted */
  gpointer outer;        /* the collector this one interrupted, restored by es10_deviations_stop() */
} Es10Deviations;

Es10Deviations *es10_deviations_new (const gchar *function);
void es10_deviations_free (Es10Deviations *deviations);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Es10Deviations, es10_deviations_free)

/* Until es10_deviations_stop(), what decoders on this thread note goes into `deviations`. Collectors nest:
 * stopping one gives the notes back to the one it interrupted. */
void es10_deviations_collect (Es10Deviations *deviations);
void es10_deviations_stop (Es10Deviations *deviations);

/* For decoders: notes one deviation of the answer being read. With no collector on this thread (a decoder
 * called directly) the note is only logged at debug level. */
void es10_deviation_note (const gchar *format, ...) G_GNUC_PRINTF (1, 2);

/* The card the answers come from, by its EID in hex. Warnings given before any card was named count for
 * the first card named; naming a different card than before forgets them, so that card is warned afresh. */
void es10_deviations_set_card (const gchar *eid_hex);

/* Logs "<function>: <note>; accepted" as a warning for each note not yet warned about for the current card;
 * returns how many warnings it logged. */
guint es10_deviations_warn (const Es10Deviations *deviations);

/* Forgets the card and every warning given. */
void es10_deviations_reset (void);

G_END_DECLS
