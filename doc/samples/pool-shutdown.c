/* pool-shutdown.c: what happens to jobs when a pool shuts down
 *
 * A one-thread pool gets three jobs. Shutting it down waits for the running
 * job, rejects the queued ones with G_IO_ERROR_CANCELLED without running them,
 * and makes later runs fail with G_IO_ERROR_CLOSED. Nothing is lost silently:
 * every promise settles.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static int n_ran;     /* atomic */

/* Works until the pool shuts down, so that the other jobs are still queued
 * then, however slowly the main thread gets there. */
static void
nap (RelayJob *job,
     gpointer  pool)
{
  g_atomic_int_inc (&n_ran);
  while (!relay_pool_is_shut_down (pool))
    g_usleep (1000);
  relay_job_return_boolean (job, TRUE);
}

int
main (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (1);
  RelayPromise *jobs[3];

  for (int i = 0; i < 3; i++)
    jobs[i] = relay_pool_run (pool, NULL, nap, pool, NULL);

  while (relay_pool_get_n_running (pool) == 0)      /* let the first one start */
    g_usleep (1000);

  /* [shutdown] */
  relay_pool_shutdown (pool);       /* returns once the running job returned */

  g_assert_cmpint (relay_promise_get_state (jobs[0]), ==, RELAY_PROMISE_STATE_FULFILLED);
  for (int i = 1; i < 3; i++)
    g_assert_true (g_error_matches (relay_promise_get_error (jobs[i]),
                                    G_IO_ERROR, G_IO_ERROR_CANCELLED));

  g_autoptr(RelayPromise) late = relay_pool_run (pool, NULL, nap, pool, NULL);
  g_assert_true (g_error_matches (relay_promise_get_error (late),
                                  G_IO_ERROR, G_IO_ERROR_CLOSED));
  /* [/shutdown] */

  g_print ("%d of 3 jobs ran\n", g_atomic_int_get (&n_ran));

  /* Handle the rejections, so that none is reported as unhandled. */
  for (int i = 0; i < 3; i++)
    {
      relay_promise_then_values (jobs[i], NULL, NULL, NULL, NULL, NULL, NULL);
      g_object_unref (jobs[i]);
    }
  relay_promise_then_values (late, NULL, NULL, NULL, NULL, NULL, NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  return g_atomic_int_get (&n_ran) == 1 ? 0 : 1;
}
