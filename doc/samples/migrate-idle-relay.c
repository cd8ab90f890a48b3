/* migrate-idle-relay.c: the same progress reports with Relay (after)
 *
 * Reports are coalesced: the latest wins, and the main loop wakes only when
 * it is not already about to deliver one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

#define N_STEPS 10000

static guint n_dispatches;

static void
work (RelayJob *job,
      gpointer  user_data)
{
  for (int i = 1; i <= N_STEPS; i++)
    relay_job_set_progress (job, (double) i / N_STEPS, NULL);

  relay_job_return_boolean (job, TRUE);
}

static void
show_progress (RelayPromise *promise,
               GParamSpec   *pspec,
               gpointer      user_data)
{
  n_dispatches++;
}

static RelayPromise *
done (RelayPromise *promise,
      gpointer      loop)
{
  g_print ("done after %u main-loop dispatches\n", n_dispatches);
  g_main_loop_quit (loop);
  return NULL;
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(RelayPromise) job = relay_run_in_thread (NULL, work, NULL, NULL);
  g_autoptr(RelayPromise) finished = NULL;

  g_signal_connect (job, "notify::progress", G_CALLBACK (show_progress), NULL);
  finished = relay_promise_then (job, done, loop, NULL);

  g_main_loop_run (loop);
  return 0;
}
