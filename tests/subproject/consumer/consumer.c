/* consumer.c: a program built against Relay by another Meson project
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs a job on a worker and prints its value from the main thread, then the
 * file the dynamic linker loaded librelay from, so that the test can check
 * it is the Relay it built against.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <relay/relay.h>

#if !RELAY_CHECK_VERSION (1, 0, 0)
# error "RELAY_CHECK_VERSION (1, 0, 0) is false"
#endif

static GThread *main_thread;

static void
add (RelayJob *job,
     gpointer  user_data G_GNUC_UNUSED)
{
  g_assert_true (g_thread_self () != main_thread);
  relay_job_return_int64 (job, 4 + 5);
}

static RelayPromise *
show (RelayPromise *promise,
      gpointer      loop)
{
  g_assert_true (g_thread_self () == main_thread);
  g_print ("got val: %" G_GINT64_FORMAT "\n", relay_promise_get_int64 (promise));
  g_main_loop_quit (loop);
  return NULL;
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(RelayPromise) work = NULL;
  g_autoptr(RelayPromise) shown = NULL;
  Dl_info info;

  main_thread = g_thread_self ();
  work = relay_run_in_thread (NULL, add, NULL, NULL);
  shown = relay_promise_then (work, show, loop, NULL);
  g_main_loop_run (loop);

  if (dladdr ((void *) relay_promise_new, &info) == 0 || info.dli_fname == NULL)
    g_error ("dladdr() cannot say where relay_promise_new() comes from");
  g_print ("librelay: %s\n", info.dli_fname);
  return 0;
}
