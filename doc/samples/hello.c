/* hello.c: the smallest complete Relay program
 *
 * A job counts on a worker thread of the default pool; the handler gets the
 * result on the main thread, where the promise was created.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static GThread *main_thread;

/* [job] */
static void
count_to (RelayJob *job,
          gpointer  user_data)
{
  guint limit = GPOINTER_TO_UINT (user_data);
  gint64 sum = 0;

  g_assert (g_thread_self () != main_thread);     /* a worker thread */

  for (guint i = 1; i <= limit; i++)
    sum += i;

  relay_job_return_int64 (job, sum);
}
/* [/job] */

/* [handler] */
static RelayPromise *
print_sum (RelayPromise *promise,
           gpointer      loop)
{
  const GValue *sum = relay_promise_get_value (promise, 0);

  g_assert (g_thread_self () == main_thread);     /* the promise's context */
  g_print ("sum = %" G_GINT64_FORMAT "\n", g_value_get_int64 (sum));

  g_main_loop_quit (loop);
  return NULL;
}
/* [/handler] */

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  main_thread = g_thread_self ();

  /* [run] */
  g_autoptr(RelayPromise) sum = relay_run_in_thread (NULL, count_to, GUINT_TO_POINTER (1000), NULL);
  g_autoptr(RelayPromise) printed = relay_promise_then (sum, print_sum, loop, NULL);

  g_main_loop_run (loop);
  /* [/run] */

  return relay_promise_get_state (printed) == RELAY_PROMISE_STATE_FULFILLED ? 0 : 1;
}
