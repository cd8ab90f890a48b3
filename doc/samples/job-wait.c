/* job-wait.c: the deadlock policy
 *
 * A pool of ONE thread runs a job that needs the result of another job of
 * the same pool. Waiting with relay_promise_wait() would deadlock: the inner
 * job is queued behind the outer one and never starts. relay_job_wait() lets
 * the pool run one more thread while the outer job waits, so it completes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static RelayPool *pool;

static void
inner (RelayJob *job,
       gpointer  user_data)
{
  relay_job_return_int64 (job, 21);
}

/* [outer] */
static void
outer (RelayJob *job,
       gpointer  user_data)
{
  g_autoptr(RelayPromise) part = relay_pool_run (pool, NULL, inner, NULL, NULL);
  g_autoptr(GError) error = NULL;

  /* Not relay_promise_wait (part, ...): on a saturated pool it never returns. */
  if (!relay_job_wait (job, part, &error))
    {
      relay_job_return_error (job, g_steal_pointer (&error));
      return;
    }

  relay_job_return_int64 (job, 2 * relay_promise_get_int64 (part));
}
/* [/outer] */

int
main (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RelayPromise) whole = NULL;

  pool = relay_pool_new (1);
  whole = relay_pool_run (pool, NULL, outer, NULL, NULL);

  /* Blocking here is fine: the main thread is not one of the pool's workers,
   * and nothing this promise needs runs on the main context. */
  if (!relay_promise_wait (whole, NULL, &error))
    g_error ("%s", error->message);

  g_print ("%" G_GINT64_FORMAT "\n", relay_promise_get_int64 (whole));
  g_object_unref (pool);
  return relay_promise_get_int64 (whole) == 42 ? 0 : 1;
}
