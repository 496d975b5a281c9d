/* SPDX-License-Identifier: Apache-2.0 */
/* Whose an item on the eUICC's notification list is, and what an eIM's acknowledgement may remove: the pure
 * decisions that keep eIMs isolated from each other. */
#include "config.h"

#include <check.h>

#include "ipa/ipa-ownership.h"

static Es10EimConfiguration *
eim_new (const gchar *eim_id, const gchar *fqdn)
{
  Es10EimConfiguration *eim = es10_eim_configuration_new ();

  eim->eim_id = g_strdup (eim_id);
  eim->eim_fqdn = g_strdup (fqdn);
  return eim;
}

/* Three eIMs as the tests see them: two on one host with their own ports, one on a host of its own. */
static GPtrArray *
three_eims (void)
{
  GPtrArray *eims = g_ptr_array_new_with_free_func ((GDestroyNotify) es10_eim_configuration_free);

  g_ptr_array_add (eims, eim_new ("eim-a", "127.0.0.1:4431"));
  g_ptr_array_add (eims, eim_new ("eim-b", "127.0.0.1:4432"));
  g_ptr_array_add (eims, eim_new ("eim-c", "EIM.Example.COM"));
  return eims;
}

static Es10PendingNotification *
notification_new (gint64 seq, const gchar *address)
{
  Es10PendingNotification *n = g_new0 (Es10PendingNotification, 1);

  n->kind = ES10_PENDING_OTHER_SIGNED_NOTIFICATION;
  n->has_seq_number = TRUE;
  n->seq_number = seq;
  n->address = g_strdup (address);
  return n;
}

static Es10PendingNotification *
result_new (gint64 seq, const gchar *eim_id)
{
  Es10PendingNotification *n = g_new0 (Es10PendingNotification, 1);

  n->kind = ES10_PENDING_EUICC_PACKAGE_RESULT;
  n->has_seq_number = TRUE;
  n->seq_number = seq;
  n->eim_id = g_strdup (eim_id);
  return n;
}

START_TEST (test_address_match)
{
  static const struct {
    const gchar *address, *fqdn;
    IpaAddressMatch match;
  } cases[] = {
    { "eim.example.com", "eim.example.com", IPA_ADDRESS_SAME },
    { "EIM.example.COM", "eim.EXAMPLE.com", IPA_ADDRESS_SAME },
    { "eim.example.com.", "eim.example.com", IPA_ADDRESS_SAME },
    { "eim.example.com:8443", "eim.example.com:8443", IPA_ADDRESS_SAME },
    { "eim.example.com", "eim.example.com:8443", IPA_ADDRESS_SAME_HOST },
    { "eim.example.com:443", "eim.example.com", IPA_ADDRESS_SAME_HOST },
    { "eim.example.com:8443", "eim.example.com:9443", IPA_ADDRESS_DIFFERENT },
    { "https://eim.example.com:8443/gsma/rsp2", "eim.example.com:8443", IPA_ADDRESS_SAME },
    { "[2001:db8::1]:8443", "[2001:DB8::1]:8443", IPA_ADDRESS_SAME },
    { "2001:db8::1", "[2001:db8::1]:8443", IPA_ADDRESS_SAME_HOST },
    { "eim.example.com", "eim.example.org", IPA_ADDRESS_DIFFERENT },
    { "eim.example.com", "other.eim.example.com", IPA_ADDRESS_DIFFERENT },
    { "smdp.example.com", "eim.example.com", IPA_ADDRESS_DIFFERENT },
    { "", "eim.example.com", IPA_ADDRESS_DIFFERENT },
    { "eim.example.com:", "eim.example.com", IPA_ADDRESS_SAME },
    { "eim.example.com:99999", "eim.example.com", IPA_ADDRESS_DIFFERENT },
    { "eim.example.com:x", "eim.example.com", IPA_ADDRESS_DIFFERENT },
    { NULL, "eim.example.com", IPA_ADDRESS_DIFFERENT },
    { "eim.example.com", NULL, IPA_ADDRESS_DIFFERENT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    ck_assert_msg (ipa_address_match (cases[i].address, cases[i].fqdn) == cases[i].match, "%s vs %s",
                   cases[i].address, cases[i].fqdn);
}
END_TEST

START_TEST (test_address_owner)
{
  g_autoptr(GPtrArray) eims = three_eims ();
  g_autoptr(GPtrArray) same_host = g_ptr_array_new_with_free_func ((GDestroyNotify) es10_eim_configuration_free);
  Es10EimConfiguration *by_id;

  ck_assert_str_eq (ipa_address_owner ("127.0.0.1:4431", eims)->eim_id, "eim-a");
  ck_assert_str_eq (ipa_address_owner ("127.0.0.1:4432", eims)->eim_id, "eim-b");
  ck_assert_str_eq (ipa_address_owner ("eim.example.com", eims)->eim_id, "eim-c");
  ck_assert_str_eq (ipa_address_owner ("eim.example.com:443", eims)->eim_id, "eim-c");
  /* Another port of a host that serves eIMs, an SM-DP+, nothing: no eIM's. */
  ck_assert_ptr_null (ipa_address_owner ("127.0.0.1:4433", eims));
  ck_assert_ptr_null (ipa_address_owner ("smdp.example.com", eims));
  ck_assert_ptr_null (ipa_address_owner (NULL, eims));
  /* A host two eIMs share, without a port: either could be meant, so neither gets it. */
  ck_assert_ptr_null (ipa_address_owner ("127.0.0.1", eims));
  ck_assert_ptr_null (ipa_address_owner ("eim.example.com", NULL));

  /* An exact match wins over one without a port; two entries of one eIM id are one eIM. */
  g_ptr_array_add (same_host, eim_new ("eim-x", "eim.example.com"));
  g_ptr_array_add (same_host, eim_new ("eim-y", "eim.example.com:8443"));
  ck_assert_str_eq (ipa_address_owner ("eim.example.com:8443", same_host)->eim_id, "eim-y");
  ck_assert_str_eq (ipa_address_owner ("eim.example.com", same_host)->eim_id, "eim-x");
  ck_assert_str_eq (ipa_address_owner ("eim.example.com:9443", same_host)->eim_id, "eim-x");
  g_ptr_array_add (same_host, eim_new ("eim-y", "eim.example.com:8443"));
  ck_assert_str_eq (ipa_address_owner ("eim.example.com:8443", same_host)->eim_id, "eim-y");

  /* Without an eimFqdn, an eimId of type FQDN is the eIM's name. */
  by_id = eim_new ("eim.example.org", NULL);
  by_id->has_eim_id_type = TRUE;
  by_id->eim_id_type = ES10_EIM_ID_TYPE_FQDN;
  g_ptr_array_add (eims, by_id);
  ck_assert_str_eq (ipa_address_owner ("EIM.example.org", eims)->eim_id, "eim.example.org");
  by_id->eim_id_type = ES10_EIM_ID_TYPE_OID;
  ck_assert_ptr_null (ipa_address_owner ("eim.example.org", eims));
}
END_TEST

START_TEST (test_item_is_for)
{
  g_autoptr(GPtrArray) eims = three_eims ();
  g_autoptr(Es10PendingNotification) for_a = notification_new (1, "127.0.0.1:4431");
  g_autoptr(Es10PendingNotification) for_smdp = notification_new (2, "smdp.example.com");
  g_autoptr(Es10PendingNotification) result_b = result_new (3, "eim-b");
  g_autoptr(Es10PendingNotification) result_none = result_new (4, NULL);

  ck_assert (ipa_item_is_for (for_a, "eim-a", eims));
  ck_assert (!ipa_item_is_for (for_a, "eim-b", eims));
  ck_assert (!ipa_item_is_for (for_smdp, "eim-a", eims));
  ck_assert (!ipa_item_is_for (for_smdp, "eim-c", eims));
  /* A package result is its eIM's, wherever anything points. */
  ck_assert (ipa_item_is_for (result_b, "eim-b", eims));
  ck_assert (!ipa_item_is_for (result_b, "eim-a", eims));
  ck_assert (!ipa_item_is_for (result_none, "eim-a", eims));
}
END_TEST

static GArray *
seqs (guint n, ...)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gint64));
  va_list args;

  va_start (args, n);
  for (guint i = 0; i < n; i++)
    {
      gint64 seq = va_arg (args, gint);
      g_array_append_val (out, seq);
    }
  va_end (args);
  return out;
}

static void
assert_seqs (const GArray *got, const gchar *expected)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < got->len; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i > 0 ? " " : "", g_array_index (got, gint64, i));
  ck_assert_str_eq (text->str, expected);
}

START_TEST (test_removable_seq_numbers)
{
  g_autoptr(GPtrArray) eims = three_eims ();
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) es10_pending_notification_free);
  g_autoptr(GArray) acked = NULL;
  g_autoptr(GArray) removable = NULL;

  g_ptr_array_add (list, notification_new (1, "127.0.0.1:4431"));   /* A's */
  g_ptr_array_add (list, notification_new (2, "127.0.0.1:4432"));   /* B's */
  g_ptr_array_add (list, notification_new (3, "smdp.example.com")); /* an SM-DP+'s */
  g_ptr_array_add (list, result_new (4, "eim-a"));
  g_ptr_array_add (list, result_new (5, "eim-b"));

  /* A acknowledges everything it could name: only its own leave, and what the list did not show (flows.md
   * 1 step 7: each acknowledged seqNumber is removed). */
  acked = seqs (7, 1, 2, 3, 4, 5, 9, 1);
  removable = ipa_removable_seq_numbers (acked, list, "eim-a", eims);
  assert_seqs (removable, "1 4 9");
  g_clear_pointer (&removable, g_array_unref);

  removable = ipa_removable_seq_numbers (acked, list, "eim-b", eims);
  assert_seqs (removable, "2 5 9");
  g_clear_pointer (&removable, g_array_unref);

  /* The SM-DP+'s notification is nobody's to acknowledge among the eIMs. */
  removable = ipa_removable_seq_numbers (acked, list, "eim-c", eims);
  assert_seqs (removable, "9");
  g_clear_pointer (&removable, g_array_unref);

  /* No list read: nothing known to be another's. */
  removable = ipa_removable_seq_numbers (acked, NULL, "eim-a", eims);
  assert_seqs (removable, "1 2 3 4 5 9");
  g_clear_pointer (&removable, g_array_unref);
  g_clear_pointer (&acked, g_array_unref);

  acked = seqs (0);
  removable = ipa_removable_seq_numbers (acked, list, "eim-a", eims);
  assert_seqs (removable, "");
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ipa-ownership");
  TCase *tc = tcase_create ("ownership");
  SRunner *runner;
  int failed;

  tcase_add_test (tc, test_address_match);
  tcase_add_test (tc, test_address_owner);
  tcase_add_test (tc, test_item_is_for);
  tcase_add_test (tc, test_removable_seq_numbers);
  suite_add_tcase (suite, tc);
  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
