/* work.c: the second threading example, in C: a job on a worker, its value in a promise
 *
 * A job on the default pool sleeps and computes 4 + 5 while a delay on the
 * main loop prints "event loop still running..."; the handler then gets 9 on
 * the main thread. Run with --fail to see the error path: the job returns an
 * error and the catch handler prints it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static gboolean fail;

static void
add (RelayJob *job,
     gpointer  user_data)
{
  g_usleep (G_USEC_PER_SEC);   /* such work */

  if (fail)
    relay_job_return_new_error (job, G_IO_ERROR, G_IO_ERROR_FAILED, "could not add %d and %d", 4, 5);
  else
    relay_job_return_int64 (job, 4 + 5);
}

static RelayPromise *
still_running (RelayPromise *promise,
               gpointer      user_data)
{
  g_print ("event loop still running...\n");
  return NULL;
}

static RelayPromise *
got_val (RelayPromise *promise,
         gpointer      user_data)
{
  g_print ("got val: %" G_GINT64_FORMAT "\n", relay_promise_get_int64 (promise));
  return NULL;
}

static RelayPromise *
got_err (RelayPromise *promise,
         gpointer      user_data)
{
  g_print ("err: %s\n", relay_promise_get_error (promise)->message);
  return NULL;
}

static RelayPromise *
quit (RelayPromise *promise,
      gpointer      loop)
{
  g_main_loop_quit (loop);
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(RelayPromise) delay = NULL, ticked = NULL, work = NULL;
  g_autoptr(RelayPromise) shown = NULL, caught = NULL, done = NULL;

  fail = argc > 1 && g_str_equal (argv[1], "--fail");

  delay = relay_promise_new_delay (300);
  ticked = relay_promise_then (delay, still_running, NULL, NULL);

  work = relay_run_in_thread (NULL, add, NULL, NULL);
  shown = relay_promise_then (work, got_val, NULL, NULL);
  caught = relay_promise_catch (shown, got_err, NULL, NULL);
  done = relay_promise_finally (caught, quit, loop, NULL);

  g_main_loop_run (loop);

  return 0;
}
