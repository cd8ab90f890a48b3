/* Relay demo: a window that stays responsive while background jobs run
 *
 * A GTK 4 window that runs real work on a RelayPool (counting primes,
 * rendering a Mandelbrot set tile by tile, hashing a large temporary file,
 * estimating π and searching Collatz chains) while an animation driven by the
 * frame clock keeps moving and a meter shows the worst gap between frames and
 * the worst main-loop stall of the last three seconds. Every job reports its
 * progress thousands of times a second; Relay coalesces the reports on their
 * way to the main loop. Run it with `--naive` to do the same jobs the naive
 * way (a thread per job that posts every report with g_idle_add()) and watch
 * the meter, and with `--self-test` to run everything unattended against a
 * CPU hog of its own and print the figures. The search page streams the
 * matches of a search over a generated tree into a list as a worker finds
 * them; `--self-test=search` runs it the same way.
 *
 * One file per part, as in gtk4-demo, each starting with what it shows:
 *
 *   main.c                 options, start-up, the main loop
 *   demo-window.c/.ui      the window and its layout
 *   demo-jobs-page.c/.ui   the page of jobs, "Run all" and "Cancel all"
 *   demo-job-row.c/.ui     one job's row
 *   demo-jobs.c            the five jobs themselves (worker threads, no GTK)
 *   demo-search-page.c/.ui the search page: a stream job, a channel, a list store
 *   demo-search.c          the search itself and its generated tree (no GTK)
 *   demo-runner.c          how a job runs: RelayPool, or GThread + g_idle_add
 *   demo-examples-panel.c  the two threading examples
 *   demo-meter-panel.c     the responsiveness meter
 *   demo-preview.c         the Mandelbrot preview
 *   demo-measure.c         how stalls, frame gaps and frame costs are measured
 *   demo-hog.c             the self-test's CPU hog
 *   demo-self-test.c       the self-test
 *   style.css              the style, with the .ui files in a GResource
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gtk/gtk.h>

#include "demo-self-test.h"
#include "demo-window.h"

typedef struct
{
  gboolean         enabled;
  DemoSelfTestMode mode;
} SelfTestOption;

/* --self-test, --self-test=jobs or --self-test=search */
static gboolean
parse_self_test (const char  *option_name,
                 const char  *value,
                 gpointer     data,
                 GError     **error)
{
  SelfTestOption *option = data;

  option->enabled = TRUE;
  if (value == NULL || g_str_equal (value, "jobs"))
    option->mode = DEMO_SELF_TEST_JOBS;
  else if (g_str_equal (value, "search"))
    option->mode = DEMO_SELF_TEST_SEARCH;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--self-test takes \"jobs\" or \"search\", not \"%s\"", value);
      return FALSE;
    }

  return TRUE;
}

static gboolean
on_close_request (GtkWindow *window,
                  gboolean  *quit)
{
  *quit = TRUE;
  return FALSE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GOptionGroup) group = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkCssProvider) provider = NULL;
  g_autoptr(DemoRunner) runner = NULL;
  g_autoptr(DemoMeasure) measure = NULL;
  g_autoptr(DemoSelfTest) self_test = NULL;
  DemoWindow *window;
  SelfTestOption self_test_option = { FALSE, DEMO_SELF_TEST_JOBS };
  gboolean naive = FALSE, quit = FALSE;
  int threads = 0, exit_status = 0;
  const GOptionEntry entries[] = {
    { "self-test", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, parse_self_test,
      "Run all jobs (or, with =search, two searches) against a CPU hog, cancel one, measure, "
      "save a screenshot, print the figures", "jobs|search" },
    { "naive", 0, 0, G_OPTION_ARG_NONE, &naive,
      "Run the jobs on plain threads that post every update with g_idle_add()", NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
      "How many jobs run at once (default: processors − 1, at least 1)", "N" },
    { NULL }
  };

  context = g_option_context_new ("— a GTK window that stays responsive during background jobs");
  /* A group of our own, for the callback's data. */
  group = g_option_group_new ("relay-demo", "relay-demo", "relay-demo", &self_test_option, NULL);
  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, g_steal_pointer (&group));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("relay-demo: %s\n", error->message);
      return 2;
    }
  if (naive && self_test_option.enabled && self_test_option.mode == DEMO_SELF_TEST_SEARCH)
    {
      g_printerr ("relay-demo: the search has no naive mode: it is a stream job on Relay's pool\n");
      return 2;
    }

  /* Under Xvfb, GTK's GL renderer runs on Mesa's software rasteriser and takes
   * 30 to 50 ms of the main thread per frame: that would measure Mesa, not the
   * main loop. The self-test uses the cairo renderer unless told otherwise. */
  if (self_test_option.enabled)
    g_setenv ("GSK_RENDERER", "cairo", FALSE);

  /* A failure here is a failure, never a skip: the self-test must see a display. */
  if (!gtk_init_check ())
    {
      g_printerr ("relay-demo: cannot open a display; set DISPLAY or WAYLAND_DISPLAY, "
                  "or run it under `xvfb-run -a`\n");
      return 1;
    }

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/org/relay/Demo/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  /* Leave a processor to the main thread: the jobs are CPU-bound. */
  runner = demo_runner_new (naive, threads > 0 ? (guint) threads : MAX (g_get_num_processors () - 1, 1));
  measure = demo_measure_new ();
  window = demo_window_new (runner, measure);
  g_signal_connect (window, "close-request", G_CALLBACK (on_close_request), &quit);

  if (self_test_option.enabled)
    self_test = demo_self_test_new (window, runner, measure, self_test_option.mode);
  else
    demo_measure_start (measure);

  gtk_window_present (GTK_WINDOW (window));

  while (!quit && (self_test == NULL || !demo_self_test_is_done (self_test)))
    g_main_context_iteration (NULL, TRUE);

  if (self_test != NULL)
    exit_status = demo_self_test_get_exit_status (self_test);
  g_clear_pointer (&self_test, demo_self_test_free);

  /* A search's worker may be waiting for room in its channel, which only
   * the main loop makes: cancel it, or the shutdown would wait for it. (A
   * closed window cancelled it already.) */
  if (!quit)
    demo_search_page_cancel (demo_window_get_search_page (window));

  /* Queued jobs are rejected, running ones notice the cancellation. */
  demo_runner_shutdown (runner);
  if (!quit)
    gtk_window_destroy (GTK_WINDOW (window));

  return exit_status;
}
