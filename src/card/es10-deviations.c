/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-card"

#include "card/es10-deviations.h"

/* The collector of the decoder running on this thread; decoders are plain functions of their input, so the
 * collector travels beside them rather than through every field reader. */
static GPrivate current_collector = G_PRIVATE_INIT (NULL);

/* What was warned about, per process: one card at a time is read, and the daemon lives as long as it does. */
static GMutex warned_lock;
static GHashTable *warned;    /* "<function>\n<note>" */
static guint card_hash;      /* of the EID, so the EID itself is not kept here */
static gboolean card_named;

Es10Deviations *
es10_deviations_new (const gchar *function)
{
  Es10Deviations *deviations = g_new0 (Es10Deviations, 1);

  deviations->function = g_strdup (function != NULL ? function : "ES10");
  deviations->notes = g_ptr_array_new_with_free_func (g_free);
  return deviations;
}

void
es10_deviations_free (Es10Deviations *deviations)
{
  if (deviations == NULL)
    return;
  g_free (deviations->function);
  g_ptr_array_unref (deviations->notes);
  g_free (deviations);
}

void
es10_deviations_collect (Es10Deviations *deviations)
{
  deviations->outer = g_private_get (&current_collector);
  g_private_set (&current_collector, deviations);
}

void
es10_deviations_stop (Es10Deviations *deviations)
{
  g_return_if_fail (g_private_get (&current_collector) == deviations);
  g_private_set (&current_collector, deviations->outer);
  deviations->outer = NULL;
}

void
es10_deviation_note (const gchar *format, ...)
{
  Es10Deviations *deviations = g_private_get (&current_collector);
  g_autofree gchar *note = NULL;
  va_list ap;

  va_start (ap, format);
  note = g_strdup_vprintf (format, ap);
  va_end (ap);
  if (deviations == NULL)
    {
      g_debug ("ES10 answer: %s; accepted", note);
      return;
    }
  for (guint i = 0; i < deviations->notes->len; i++)
    if (g_str_equal (g_ptr_array_index (deviations->notes, i), note))
      return;
  g_ptr_array_add (deviations->notes, g_steal_pointer (&note));
}

static void
forget_locked (void)
{
  g_clear_pointer (&warned, g_hash_table_unref);
}

void
es10_deviations_set_card (const gchar *eid_hex)
{
  guint hash = g_str_hash (eid_hex != NULL ? eid_hex : "");

  g_mutex_lock (&warned_lock);
  if (card_named && hash != card_hash)
    forget_locked ();
  card_hash = hash;
  card_named = TRUE;
  g_mutex_unlock (&warned_lock);
}

guint
es10_deviations_warn (const Es10Deviations *deviations)
{
  guint logged = 0;

  g_mutex_lock (&warned_lock);
  if (warned == NULL)
    warned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < deviations->notes->len; i++)
    {
      const gchar *note = g_ptr_array_index (deviations->notes, i);
      g_autofree gchar *key = g_strdup_printf ("%s\n%s", deviations->function, note);

      if (g_hash_table_contains (warned, key))
        continue;
      g_hash_table_add (warned, g_steal_pointer (&key));
      g_warning ("%s: %s; accepted (warned once per card)", deviations->function, note);
      logged++;
    }
  g_mutex_unlock (&warned_lock);
  return logged;
}

void
es10_deviations_reset (void)
{
  g_mutex_lock (&warned_lock);
  forget_locked ();
  card_named = FALSE;
  card_hash = 0;
  g_mutex_unlock (&warned_lock);
}
