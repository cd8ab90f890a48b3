/* pool-progress.c: a pool of one's own, and a job that reports progress
 *
 * The job reports a million times; reports are coalesced on their way to the
 * main context, so the `notify::progress` handler runs only a few times, on
 * the main thread, and always sees the latest value.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

#define N_STEPS 1000000

static GThread *main_thread;
static guint n_notifications;

/* [job] */
static void
crunch (RelayJob *job,
        gpointer  user_data)
{
  double total = 0;

  for (int i = 1; i <= N_STEPS; i++)
    {
      total += 1.0 / i;

      if (i % 250000 == 0)
        {
          g_autofree char *text = g_strdup_printf ("step %d of %d", i, N_STEPS);
          relay_job_set_progress (job, (double) i / N_STEPS, text);
        }
      else
        relay_job_set_progress (job, (double) i / N_STEPS, NULL);   /* keeps the text */
    }

  relay_job_return_double (job, total);
}
/* [/job] */

/* [notify] */
static void
progress_changed (RelayPromise *promise,
                  GParamSpec   *pspec,
                  gpointer      user_data)
{
  g_autofree char *text = relay_promise_dup_progress_text (promise);

  g_assert (g_thread_self () == main_thread);
  n_notifications++;
  g_print ("%3.0f%% %s\n", 100 * relay_promise_get_progress (promise), text ? text : "");
}
/* [/notify] */

static RelayPromise *
finished (RelayPromise *promise,
          gpointer      loop)
{
  const GValue *total = relay_promise_get_value (promise, 0);

  /* Progress was posted before the result, so it has been delivered. */
  g_assert_cmpfloat (relay_promise_get_progress (promise), ==, 1.0);
  g_print ("H(%d) = %f\n", N_STEPS, g_value_get_double (total));
  g_main_loop_quit (loop);
  return NULL;
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  main_thread = g_thread_self ();

  /* [run] */
  g_autoptr(RelayPool) pool = relay_pool_new (2);      /* at most 2 jobs at once */
  g_autoptr(RelayPromise) job = relay_pool_run (pool, NULL, crunch, NULL, NULL);
  g_autoptr(RelayPromise) shown = NULL;

  g_signal_connect (job, "notify::progress", G_CALLBACK (progress_changed), NULL);
  shown = relay_promise_then (job, finished, loop, NULL);
  g_main_loop_run (loop);
  /* [/run] */

  g_print ("%d reports, %u notifications\n", N_STEPS, n_notifications);
  g_assert_cmpuint (n_notifications, <, N_STEPS / 100);
  return 0;
}
