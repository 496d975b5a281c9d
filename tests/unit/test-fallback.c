/* SPDX-License-Identifier: Apache-2.0 */
/* When euiccd runs ExecuteFallbackMechanism and ReturnFromFallback by itself, from the clock and the polls'
 * outcomes, and the state it keeps across restarts. */
#include "config.h"

#include <check.h>

#include "daemon/daemon-fallback.h"
#include "euiccd-error.h"

#define S ((gint64) G_USEC_PER_SEC)

static const DaemonFallbackPolicy policy = { .after_us = 60 * S, .retry_us = 3600 * S, .attach_us = 120 * S };

START_TEST (test_fallback_after_silence)
{
  DaemonFallback fb;
  DaemonFallbackPolicy off = policy;

  daemon_fallback_init (&fb, FALSE, 0);
  ck_assert_int_eq (daemon_fallback_after_poll (&fb, &policy, FALSE, 59 * S), DAEMON_FALLBACK_NOTHING);
  /* An answer restarts the count. */
  ck_assert_int_eq (daemon_fallback_after_poll (&fb, &policy, TRUE, 50 * S), DAEMON_FALLBACK_NOTHING);
  ck_assert_int_eq (daemon_fallback_after_poll (&fb, &policy, FALSE, 100 * S), DAEMON_FALLBACK_NOTHING);
  ck_assert_int_eq (daemon_fallback_after_poll (&fb, &policy, FALSE, 110 * S), DAEMON_FALLBACK_EXECUTE);
  off.after_us = 0;
  ck_assert_int_eq (daemon_fallback_after_poll (&fb, &off, FALSE, 1000 * S), DAEMON_FALLBACK_NOTHING);

  /* Refused by the eUICC (no fallback profile): not asked again before another FallbackAfter. */
  daemon_fallback_switched (&fb, TRUE, FALSE, 110 * S);
  ck_assert (!fb.active);
  ck_assert_int_eq (daemon_fallback_after_poll (&fb, &policy, FALSE, 150 * S), DAEMON_FALLBACK_NOTHING);
  ck_assert_int_eq (daemon_fallback_after_poll (&fb, &policy, FALSE, 170 * S), DAEMON_FALLBACK_EXECUTE);
  daemon_fallback_switched (&fb, TRUE, TRUE, 170 * S);
  ck_assert (fb.active);
  /* In fallback: no second ExecuteFallbackMechanism, whatever the polls do. */
  ck_assert_int_eq (daemon_fallback_after_poll (&fb, &policy, FALSE, 1000 * S), DAEMON_FALLBACK_NOTHING);
}
END_TEST

START_TEST (test_return_and_fall_back_again)
{
  DaemonFallback fb;

  daemon_fallback_init (&fb, TRUE, 0);   /* as saved before a restart */
  ck_assert_int_eq (daemon_fallback_before_poll (&fb, &policy, 3599 * S), DAEMON_FALLBACK_NOTHING);
  ck_assert_int_eq (daemon_fallback_before_poll (&fb, &policy, 3600 * S), DAEMON_FALLBACK_RETURN);
  daemon_fallback_switched (&fb, FALSE, TRUE, 3600 * S);
  ck_assert (fb.trying_original);
  ck_assert_int_eq (daemon_fallback_before_poll (&fb, &policy, 9000 * S), DAEMON_FALLBACK_NOTHING);
  /* The original profile gets AttachTimeout to reach an eIM, then the fallback profile comes back. */
  ck_assert_int_eq (daemon_fallback_after_poll (&fb, &policy, FALSE, 3700 * S), DAEMON_FALLBACK_NOTHING);
  ck_assert_int_eq (daemon_fallback_after_poll (&fb, &policy, FALSE, 3720 * S), DAEMON_FALLBACK_EXECUTE);
  daemon_fallback_switched (&fb, TRUE, TRUE, 3720 * S);
  ck_assert (fb.active && !fb.trying_original);
  ck_assert_int_eq (daemon_fallback_before_poll (&fb, &policy, 7320 * S), DAEMON_FALLBACK_RETURN);
  daemon_fallback_switched (&fb, FALSE, TRUE, 7320 * S);
  /* An answer over the original profile ends the fallback. */
  ck_assert_int_eq (daemon_fallback_after_poll (&fb, &policy, TRUE, 7330 * S), DAEMON_FALLBACK_NOTHING);
  ck_assert (!fb.active && !fb.trying_original);
  ck_assert_int_eq (daemon_fallback_before_poll (&fb, &policy, 20000 * S), DAEMON_FALLBACK_NOTHING);

  /* A refused return (an eIM's enable or an admin ended the fallback): euiccd lets go. */
  daemon_fallback_init (&fb, TRUE, 0);
  daemon_fallback_switched (&fb, FALSE, FALSE, 3600 * S);
  ck_assert (!fb.active && !fb.trying_original);
}
END_TEST

START_TEST (test_saved_form)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) bad = g_bytes_new_static ("[Fallback]\nActive=perhaps\n", 26);
  DaemonFallback fb;
  gboolean active = FALSE;

  daemon_fallback_init (&fb, TRUE, 0);
  bytes = daemon_fallback_to_bytes (&fb);
  ck_assert (daemon_fallback_parse (bytes, &active, &error));
  ck_assert (active);
  ck_assert (!daemon_fallback_parse (bad, &active, &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_DATA));
  ck_assert (g_str_has_prefix (error->message, "fallback: [Fallback] Active:"));
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("fallback");
  TCase *tc = tcase_create ("decisions");
  SRunner *runner;
  int failed;

  tcase_add_test (tc, test_fallback_after_silence);
  tcase_add_test (tc, test_return_and_fall_back_again);
  tcase_add_test (tc, test_saved_form);
  suite_add_tcase (suite, tc);
  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
