/* gtk-progress.c: a GTK 4 window that runs a job and shows its progress
 *
 * The job runs on the default pool; the promise belongs to GTK's main context
 * (the thread-default context of the main thread), so `notify::progress` and
 * the result handler run on the GTK thread and may touch widgets. The window
 * closes itself when the job is done, so the test suite can run it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gtk/gtk.h>
#include <relay/relay.h>

#define N_STEPS 300000

/* [job] */
static void
count_primes (RelayJob *job,
              gpointer  user_data)
{
  int found = 0;

  for (int n = 2; n < N_STEPS; n++)
    {
      gboolean prime = TRUE;

      if (n % 4096 == 0 && relay_job_return_error_if_cancelled (job))
        return;

      for (int d = 2; d * d <= n && prime; d++)
        prime = n % d != 0;
      found += prime;

      relay_job_set_progress (job, (double) n / N_STEPS, NULL);   /* no flood */
    }

  relay_job_return_int64 (job, found);
}
/* [/job] */

/* [ui] */
static void
progress_changed (RelayPromise   *promise,
                  GParamSpec     *pspec,
                  GtkProgressBar *bar)
{
  gtk_progress_bar_set_fraction (bar, relay_promise_get_progress (promise));
}

static RelayPromise *
show_result (RelayPromise *promise,
             gpointer      user_data)
{
  GtkWindow *window = user_data;
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT " primes", relay_promise_get_int64 (promise));

  gtk_window_set_title (window, text);
  gtk_window_destroy (window);     /* the demo is over */
  return NULL;
}

static void
drop_promise (gpointer  promise,
              GClosure *closure)
{
  g_object_unref (promise);
}

static void
activate (GtkApplication *app,
          gpointer        user_data)
{
  GtkWidget *window = gtk_application_window_new (app);
  GtkWidget *bar = gtk_progress_bar_new ();
  g_autoptr(RelayPromise) job = relay_run_in_thread (NULL, count_primes, NULL, NULL);
  g_autoptr(RelayPromise) shown = NULL;

  gtk_window_set_child (GTK_WINDOW (window), bar);
  gtk_window_present (GTK_WINDOW (window));

  g_signal_connect_object (job, "notify::progress", G_CALLBACK (progress_changed), bar, 0);
  shown = relay_promise_then (job, show_result, window, NULL);

  /* Closing the window early cancels the job: the promise stops it. */
  g_signal_connect_data (window, "destroy", G_CALLBACK (relay_promise_cancel),
                         g_object_ref (job), drop_promise, G_CONNECT_SWAPPED);
}
/* [/ui] */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkApplication) app = gtk_application_new ("org.example.RelayProgress",
                                                       G_APPLICATION_NON_UNIQUE);

  g_signal_connect (app, "activate", G_CALLBACK (activate), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
