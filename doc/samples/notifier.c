/* notifier.c: hand one result from a worker thread to the main loop
 *
 * The notifier is created on the main thread and waits in its main context.
 * The worker computes, stores the result in a plain variable and triggers;
 * the callback then runs on the main thread and reads the result. No lock:
 * everything the worker wrote before the trigger is visible to the callback.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static GThread *main_thread;
static int result;            /* written by the worker before it triggers */

static gboolean
job_finished (RelayNotifier *notifier,
              guint          n_triggers,
              gpointer       loop)
{
  g_assert (g_thread_self () == main_thread);
  g_print ("Job finished! %d (covers %u trigger)\n", result, n_triggers);
  g_main_loop_quit (loop);

  return G_SOURCE_REMOVE;
}

static gpointer
worker (gpointer notifier)
{
  g_usleep (G_USEC_PER_SEC / 10);               /* such work */
  result = 42;
  relay_notifier_trigger (notifier);
  return NULL;
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(RelayNotifier) notifier = relay_notifier_new (job_finished, loop, NULL);
  GThread *thread;

  main_thread = g_thread_self ();
  thread = g_thread_new ("worker", worker, notifier);

  g_main_loop_run (loop);
  g_thread_join (thread);

  /* Single-shot: it fired, so a later trigger does nothing. */
  g_assert_false (relay_notifier_trigger (notifier));

  return result == 42 ? 0 : 1;
}
