/* promise-cancel.c: how cancellation travels through a chain
 *
 * Cancelling a derived promise rejects it with G_IO_ERROR_CANCELLED and then
 * cancels the promise it came from, if nothing else consumes that one, up to
 * the job, whose cancellable fires so that it stops early. A source that
 * still has another consumer keeps running.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static int n_stopped_early;     /* atomic */

/* [job] */
static void
slow_count (RelayJob *job,
            gpointer  user_data)
{
  for (int i = 0; i < 100; i++)        /* 100 × 20 ms if nobody cancels */
    {
      if (relay_job_return_error_if_cancelled (job))
        {
          g_atomic_int_inc (&n_stopped_early);
          return;
        }
      g_usleep (20 * 1000);
    }

  relay_job_return_int64 (job, 100);
}
/* [/job] */

static RelayPromise *
show (RelayPromise *promise,
      gpointer      user_data)
{
  g_print ("%s: %" G_GINT64_FORMAT "\n", (const char *) user_data, relay_promise_get_int64 (promise));
  return g_object_ref (promise);     /* pass the value on */
}

static RelayPromise *
quit (RelayPromise *promise,
      gpointer      loop)
{
  g_main_loop_quit (loop);
  return NULL;
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  /* [single] */
  g_autoptr(RelayPromise) work = relay_run_in_thread (NULL, slow_count, NULL, NULL);
  g_autoptr(RelayPromise) shown = relay_promise_then (work, show, "single", NULL);

  relay_promise_cancel (shown);
  /* shown is rejected with G_IO_ERROR_CANCELLED at once; work had no other
   * consumer, so it is cancelled too, and the job stops early. */
  g_assert_true (g_error_matches (relay_promise_get_error (shown), G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_assert_true (g_error_matches (relay_promise_get_error (work), G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_assert_true (g_cancellable_is_cancelled (relay_promise_get_cancellable (work)));
  /* [/single] */

  /* [shared] */
  g_autoptr(RelayPromise) shared = relay_run_in_thread (NULL, slow_count, NULL, NULL);
  g_autoptr(RelayPromise) first = relay_promise_then (shared, show, "first", NULL);
  g_autoptr(RelayPromise) second = relay_promise_then (shared, show, "second", NULL);
  g_autoptr(RelayPromise) done = relay_promise_finally (second, quit, loop, NULL);

  relay_promise_cancel (first);
  /* second still consumes shared: the job keeps running and second gets 100. */
  g_assert_true (relay_promise_is_pending (shared));
  /* [/shared] */

  g_main_loop_run (loop);

  g_assert_cmpint (relay_promise_get_int64 (second), ==, 100);
  /* The cancelled job never started, or returned within one step. */
  while (relay_pool_get_n_running (relay_pool_get_default ()) > 0)
    g_usleep (1000);
  g_print ("%d job(s) stopped early\n", g_atomic_int_get (&n_stopped_early));

  return 0;
}
