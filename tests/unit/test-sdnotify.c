/* SPDX-License-Identifier: Apache-2.0 */
/* sd_notify: what arrives on a real datagram socket bound where $NOTIFY_SOCKET points, for path and abstract
 * addresses, with the sender's credentials systemd checks for NotifyAccess=main; the watchdog variables' rules;
 * and the timer's pings arriving at half the interval. */
/* struct ucred and SCM_CREDENTIALS are Linux extensions. */
#define _GNU_SOURCE
#include "config.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "daemon/daemon-sdnotify.h"
#include "euiccd-error.h"

typedef struct {
  int fd;
  gchar *address; /* as $NOTIFY_SOCKET names it */
  gchar *directory;
} Receiver;

static void
receiver_free (Receiver *receiver)
{
  if (receiver->fd >= 0)
    close (receiver->fd);
  if (receiver->address != NULL && receiver->address[0] == '/')
    g_unlink (receiver->address);
  if (receiver->directory != NULL)
    g_rmdir (receiver->directory);
  g_free (receiver->address);
  g_free (receiver->directory);
  g_free (receiver);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Receiver, receiver_free)

/* A socket like the one systemd listens on: datagrams, with SO_PASSCRED so each carries the sender's pid. */
static Receiver *
receiver_new (gboolean abstract)
{
  Receiver *receiver = g_new0 (Receiver, 1);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  socklen_t length;
  int on = 1;

  receiver->fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ck_assert_int_ge (receiver->fd, 0);
  ck_assert_int_eq (setsockopt (receiver->fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on), 0);

  if (abstract)
    {
      receiver->address = g_strdup_printf ("@euiccd-test-sdnotify/%d/%u", (int) getpid (), g_random_int ());
      memcpy (addr.sun_path, receiver->address, strlen (receiver->address));
      addr.sun_path[0] = '\0';
      length = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + strlen (receiver->address));
    }
  else
    {
      g_autoptr (GError) error = NULL;

      receiver->directory = g_dir_make_tmp ("euiccd-sdnotify-XXXXXX", &error);
      ck_assert_ptr_nonnull (receiver->directory);
      receiver->address = g_build_filename (receiver->directory, "notify", NULL);
      ck_assert_uint_lt (strlen (receiver->address), sizeof addr.sun_path);
      strcpy (addr.sun_path, receiver->address);
      length = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + strlen (receiver->address) + 1);
    }
  ck_assert_msg (bind (receiver->fd, (struct sockaddr *) &addr, length) == 0, "bind %s: %s", receiver->address,
                 g_strerror (errno));
  return receiver;
}

/* The next datagram, or NULL after @timeout_ms. Checks that it came from this process. */
static gchar *
receiver_next (Receiver *receiver, int timeout_ms)
{
  struct pollfd pfd = { .fd = receiver->fd, .events = POLLIN };
  gchar buffer[4096];
  union {
    struct cmsghdr align;
    gchar space[CMSG_SPACE (sizeof (struct ucred))];
  } control;
  struct iovec iov = { .iov_base = buffer, .iov_len = sizeof buffer - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
  struct ucred *cred = NULL;
  ssize_t n;

  if (poll (&pfd, 1, timeout_ms) <= 0)
    return NULL;
  n = recvmsg (receiver->fd, &msg, MSG_DONTWAIT);
  ck_assert_int_ge (n, 0);
  ck_assert_msg ((msg.msg_flags & MSG_TRUNC) == 0, "datagram truncated");
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
      cred = (struct ucred *) (void *) CMSG_DATA (c);
  ck_assert_ptr_nonnull (cred);
  ck_assert_int_eq (cred->pid, getpid ());
  return g_strndup (buffer, (gsize) n);
}

START_TEST (test_send_to_path)
{
  g_autoptr (Receiver) receiver = receiver_new (FALSE);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *got = NULL;

  ck_assert (daemon_sdnotify_send_to (receiver->address, "READY=1\nSTATUS=up", &error));
  ck_assert_ptr_null (error);
  got = receiver_next (receiver, 2000);
  ck_assert_str_eq (got, "READY=1\nSTATUS=up");
}
END_TEST

START_TEST (test_send_to_abstract)
{
  g_autoptr (Receiver) receiver = receiver_new (TRUE);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *got = NULL;

  ck_assert (daemon_sdnotify_send_to (receiver->address, "WATCHDOG=1", &error));
  got = receiver_next (receiver, 2000);
  ck_assert_str_eq (got, "WATCHDOG=1");
}
END_TEST

START_TEST (test_bad_addresses)
{
  g_autofree gchar *too_long = g_strnfill (sizeof (((struct sockaddr_un *) NULL)->sun_path), 'x');
  const gchar *bad[] = { "", "@", "/", "relative/notify", "vsock:2:1234", NULL };

  too_long[0] = '/';
  for (gsize i = 0; bad[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;

      ck_assert_msg (!daemon_sdnotify_send_to (bad[i], "READY=1", &error), "'%s' accepted", bad[i]);
      ck_assert_msg (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS), "'%s': %s", bad[i],
                     error->message);
      ck_assert_ptr_nonnull (strstr (error->message, "NOTIFY_SOCKET"));
    }
  {
    g_autoptr (GError) error = NULL;

    /* A path of exactly sizeof sun_path bytes leaves no room for its NUL. */
    ck_assert (!daemon_sdnotify_send_to (too_long, "READY=1", &error));
    ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  }
  {
    g_autoptr (GError) error = NULL;

    ck_assert (!daemon_sdnotify_send_to ("/run/euiccd-test", "", &error));
    ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_INVALID_ARGS));
  }
}
END_TEST

START_TEST (test_nobody_listening)
{
  g_autoptr (Receiver) receiver = receiver_new (FALSE);
  g_autofree gchar *gone = g_strdup (receiver->address);
  g_autoptr (GError) error = NULL;

  g_unlink (gone);
  ck_assert (!daemon_sdnotify_send_to (gone, "READY=1", &error));
  ck_assert (g_error_matches (error, EUICCD_ERROR, EUICCD_ERROR_TRANSPORT));
  ck_assert_msg (strstr (error->message, gone) != NULL, "%s", error->message);

  /* The daemon's calls only log it: a supervisor going away must not stop the daemon. */
  g_setenv ("NOTIFY_SOCKET", gone, TRUE);
  ck_assert (!daemon_sdnotify_ready ());
  ck_assert (!daemon_sdnotify_ready ());
}
END_TEST

START_TEST (test_without_notify_socket)
{
  g_autoptr (GError) error = NULL;
  gboolean sent = TRUE;

  g_unsetenv ("NOTIFY_SOCKET");
  ck_assert (daemon_sdnotify_send ("READY=1", &sent, &error));
  ck_assert (!sent);
  ck_assert_ptr_null (error);
  ck_assert (!daemon_sdnotify_ready ());
  ck_assert (!daemon_sdnotify_status ("polling %s", "eim.example"));
  ck_assert (!daemon_sdnotify_stopping ());

  g_setenv ("NOTIFY_SOCKET", "", TRUE);
  sent = TRUE;
  ck_assert (daemon_sdnotify_send ("READY=1", &sent, &error));
  ck_assert (!sent);
}
END_TEST

START_TEST (test_daemon_messages)
{
  g_autoptr (Receiver) receiver = receiver_new (TRUE);
  g_autofree gchar *ready = NULL;
  g_autofree gchar *status = NULL;
  g_autofree gchar *stopping = NULL;

  g_setenv ("NOTIFY_SOCKET", receiver->address, TRUE);
  ck_assert (daemon_sdnotify_ready ());
  ck_assert (daemon_sdnotify_status ("Polled %s: %u packages", "eim.example", 2u));
  /* A newline in a status would smuggle in another assignment (here READY=1) and must not. */
  ck_assert (daemon_sdnotify_status ("error: %s", "bad\nREADY=1"));
  ck_assert (daemon_sdnotify_stopping ());

  ready = receiver_next (receiver, 2000);
  ck_assert_str_eq (ready, "READY=1");
  status = receiver_next (receiver, 2000);
  ck_assert_str_eq (status, "STATUS=Polled eim.example: 2 packages");
  {
    g_autofree gchar *smuggled = receiver_next (receiver, 2000);
    ck_assert_str_eq (smuggled, "STATUS=error: bad READY=1");
  }
  stopping = receiver_next (receiver, 2000);
  ck_assert_str_eq (stopping, "STOPPING=1");
  ck_assert_ptr_null (receiver_next (receiver, 50));
}
END_TEST

START_TEST (test_watchdog_interval)
{
  guint64 us = 99;

  /* Unset or zero: no watchdog, and no error. */
  {
    g_autoptr (GError) error = NULL;
    ck_assert (!daemon_sdnotify_watchdog_interval (NULL, NULL, 42, &us, &error));
    ck_assert_ptr_null (error);
    ck_assert_uint_eq (us, 0);
    ck_assert (!daemon_sdnotify_watchdog_interval ("0", NULL, 42, &us, &error));
    ck_assert_ptr_null (error);
  }
  /* Enabled, for anyone or for this pid. */
  {
    g_autoptr (GError) error = NULL;
    ck_assert (daemon_sdnotify_watchdog_interval ("900000000", NULL, 42, &us, &error));
    ck_assert_uint_eq (us, 900000000);
    ck_assert (daemon_sdnotify_watchdog_interval ("30000000", "42", 42, &us, &error));
    ck_assert_uint_eq (us, 30000000);
    ck_assert_ptr_null (error);
  }
  /* Inherited from a parent: not ours. */
  {
    g_autoptr (GError) error = NULL;
    ck_assert (!daemon_sdnotify_watchdog_interval ("30000000", "41", 42, &us, &error));
    ck_assert_ptr_null (error);
    ck_assert_uint_eq (us, 0);
  }
  /* Malformed: an error naming the variable. */
  {
    const gchar *bad_usec[] = { "", "15min", "-1", " 5", "18446744073709551616", NULL };
    for (gsize i = 0; bad_usec[i] != NULL; i++)
      {
        g_autoptr (GError) error = NULL;
        ck_assert_msg (!daemon_sdnotify_watchdog_interval (bad_usec[i], NULL, 42, &us, &error), "'%s'", bad_usec[i]);
        ck_assert_ptr_nonnull (error);
        ck_assert_msg (strstr (error->message, "WATCHDOG_USEC") != NULL, "%s", error->message);
      }
  }
  {
    g_autoptr (GError) error = NULL;
    ck_assert (!daemon_sdnotify_watchdog_interval ("1000000", "x42", 42, &us, &error));
    ck_assert_ptr_nonnull (strstr (error->message, "WATCHDOG_PID"));
  }
  {
    g_autoptr (GError) error = NULL;
    ck_assert (!daemon_sdnotify_watchdog_interval ("1000000", "0", 42, &us, &error));
    ck_assert_ptr_nonnull (strstr (error->message, "WATCHDOG_PID"));
  }
  /* The largest value systemd can send still parses. */
  {
    g_autoptr (GError) error = NULL;
    ck_assert (daemon_sdnotify_watchdog_interval ("18446744073709551615", NULL, 42, &us, &error));
    ck_assert_uint_eq (us, G_MAXUINT64);
  }
}
END_TEST

static gboolean
quit_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_for (GMainContext *context, guint ms)
{
  gboolean done = FALSE;
  GSource *timer = g_timeout_source_new (ms);

  g_source_set_callback (timer, quit_cb, &done, NULL);
  g_source_attach (timer, context);
  while (!done)
    g_main_context_iteration (context, TRUE);
  g_source_unref (timer);
}

static guint
count_pings (Receiver *receiver)
{
  g_autofree gchar *got = NULL;
  guint pings = 0;

  while ((got = receiver_next (receiver, 0)) != NULL)
    {
      ck_assert_str_eq (got, "WATCHDOG=1");
      pings++;
      g_clear_pointer (&got, g_free);
    }
  return pings;
}

START_TEST (test_watchdog_timer)
{
  g_autoptr (Receiver) receiver = receiver_new (FALSE);
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autofree gchar *pid = g_strdup_printf ("%d", (int) getpid ());
  gint64 start, last = 0, shortest_gap = G_MAXINT64;
  guint pings = 0;

  g_setenv ("NOTIFY_SOCKET", receiver->address, TRUE);
  /* 400 ms: a ping at once, then every 200 ms. */
  g_setenv ("WATCHDOG_USEC", "400000", TRUE);
  g_setenv ("WATCHDOG_PID", pid, TRUE);
  start = g_get_monotonic_time ();
  ck_assert (daemon_sdnotify_watchdog_start (context));

  /* The pings are sent from this thread's context, so each is timed as it is received right after the dispatch
   * that sent it. A busy machine can only delay a tick, so the shortest gap shows the period: about 200 ms, far
   * from the 400 ms of a timer at the full interval and from a timer firing in a loop. */
  while (g_get_monotonic_time () - start < 1300 * 1000)
    {
      g_autofree gchar *got = NULL;

      g_main_context_iteration (context, FALSE);
      while ((got = receiver_next (receiver, 0)) != NULL)
        {
          gint64 now = g_get_monotonic_time ();

          ck_assert_str_eq (got, "WATCHDOG=1");
          if (pings > 0)
            shortest_gap = MIN (shortest_gap, now - last);
          last = now;
          pings++;
          g_clear_pointer (&got, g_free);
        }
      g_usleep (5 * 1000);
    }
  ck_assert_msg (pings >= 3 && pings <= 8, "%u pings in 1.3 s", pings);
  ck_assert_msg (shortest_gap >= 150 * 1000 && shortest_gap < 300 * 1000, "shortest gap between pings %" G_GINT64_FORMAT
                 " us, expected about 200000", shortest_gap);

  daemon_sdnotify_watchdog_stop ();
  run_for (context, 500);
  ck_assert_uint_eq (count_pings (receiver), 0);
}
END_TEST

START_TEST (test_watchdog_not_asked)
{
  g_autoptr (Receiver) receiver = receiver_new (FALSE);
  g_autoptr (GMainContext) context = g_main_context_new ();

  g_setenv ("NOTIFY_SOCKET", receiver->address, TRUE);
  g_unsetenv ("WATCHDOG_USEC");
  ck_assert (!daemon_sdnotify_watchdog_start (context));
  /* Another process's watchdog (a parent's, inherited) is not ours to feed. */
  g_setenv ("WATCHDOG_USEC", "400000", TRUE);
  g_setenv ("WATCHDOG_PID", "1", TRUE);
  ck_assert (!daemon_sdnotify_watchdog_start (context));
  run_for (context, 300);
  ck_assert_uint_eq (count_pings (receiver), 0);
}
END_TEST

static Suite *
sdnotify_suite (void)
{
  Suite *suite = suite_create ("sdnotify");
  TCase *tcase = tcase_create ("sdnotify");

  tcase_add_test (tcase, test_send_to_path);
  tcase_add_test (tcase, test_send_to_abstract);
  tcase_add_test (tcase, test_bad_addresses);
  tcase_add_test (tcase, test_nobody_listening);
  tcase_add_test (tcase, test_without_notify_socket);
  tcase_add_test (tcase, test_daemon_messages);
  tcase_add_test (tcase, test_watchdog_interval);
  tcase_add_test (tcase, test_watchdog_timer);
  tcase_add_test (tcase, test_watchdog_not_asked);
  suite_add_tcase (suite, tcase);
  return suite;
}

int
main (void)
{
  SRunner *runner = srunner_create (sdnotify_suite ());
  int failed;

  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
