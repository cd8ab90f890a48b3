/* notifier.c: the first threading example, in C: a notifier triggered from a thread
 *
 * A notifier waits in the main loop; a worker thread sleeps ("such work"),
 * stores 42 in a plain variable without a lock and triggers the notifier; the
 * callback then runs on the main thread and reads 42.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static int result;   /* written by the worker before it triggers; no lock needed */

static gboolean
job_finished (RelayNotifier *notifier,
              guint          n_triggers,
              gpointer       user_data)
{
  g_print ("Job finished! %d\n", result);
  g_main_loop_quit (user_data);

  return G_SOURCE_REMOVE;
}

static gpointer
worker (gpointer notifier)
{
  g_usleep (G_USEC_PER_SEC / 2);   /* such work */
  result = 42;
  relay_notifier_trigger (notifier);
  return NULL;
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(RelayNotifier) notifier = relay_notifier_new (job_finished, loop, NULL);
  GThread *thread = g_thread_new ("worker", worker, notifier);

  g_main_loop_run (loop);
  g_thread_join (thread);

  return result == 42 ? 0 : 1;
}
