/* migrate-idle-glib.c: a worker reports progress with g_idle_add (before)
 *
 * Every report allocates, takes the context lock, wakes the main loop and
 * queues a source, however fast the worker goes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>

#define N_STEPS 10000

typedef struct
{
  GMainLoop *loop;
  double     fraction;
  gboolean   last;
} Report;

static guint n_dispatches;

static gboolean
show_report (gpointer data)
{
  Report *report = data;

  n_dispatches++;
  if (report->last)
    {
      g_print ("done after %u main-loop dispatches\n", n_dispatches);
      g_main_loop_quit (report->loop);
    }
  return G_SOURCE_REMOVE;
}

static gpointer
worker (gpointer loop)
{
  for (int i = 1; i <= N_STEPS; i++)
    {
      Report *report = g_new0 (Report, 1);

      report->loop = loop;
      report->fraction = (double) i / N_STEPS;
      report->last = i == N_STEPS;
      g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, show_report, report, g_free);
    }
  return NULL;
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  GThread *thread = g_thread_new ("worker", worker, loop);

  g_main_loop_run (loop);
  g_thread_join (thread);
  return 0;
}
