/* demo-self-test.c: the demo, run and judged unattended
 *
 * `relay-demo --self-test` does what a person would: once the window is up
 * and drawing, it starts measuring (demo-measure.c says how), starts a CPU
 * hog of its own at the main thread's priority (demo-hog.c), replays the two
 * threading examples, presses "Run all" a few frames later, and cancels
 * "Estimate π" at 30 %. When every job has settled and both examples have
 * printed their results, it stops the hog and the measuring, lets the window
 * draw the final state, saves a screenshot and prints its figures: the worst
 * main-loop stall and what the main thread was doing during it, the 99th
 * percentile stall, the worst frame gap, what the costliest frame and the
 * frames after "Run all" cost by phase, and the share of a CPU the hog got.
 *
 * In Relay mode it fails if a job failed, the cancel did not take, an example
 * did not print its result, the screenshot could not be saved, or the worst
 * stall the application is answerable for reached 16 ms: a probe interval
 * less the time the main thread was ready to run but had no CPU (the
 * kernel's schedstat tells), so that other processes' load (a build beside
 * the test suite) does not decide the verdict; the whole stall is printed
 * beside it. In naive mode (`--naive --self-test`) it runs the same
 * way and prints the same figures as a comparison: only the outcome of the
 * jobs decides there, not the stall.
 *
 * Nothing is warmed up before measuring: the first time a status, a
 * progress text or a log line is drawn (new glyphs, new styles) happens in
 * the measured run and counts. Measured, a second "Run all" frame costs the
 * same as the first, so first-time costs are not what made it expensive.
 * Only the window's start-up (its first WARM_FRAMES frames) is not measured.
 *
 * Nothing here fails on how long the run takes. Two watchdogs fail it on
 * lack of progress instead: on the main thread, when no job reported, no row
 * changed state and no example printed for WATCHDOG_S seconds; on a thread of
 * its own, when the main loop itself stopped (its probe did not run) for as
 * long, which the first could not notice.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <unistd.h>

#include "demo-hog.h"
#include "demo-jobs.h"
#include "demo-self-test.h"

#define WATCHDOG_S              60   /* seconds without any progress */
#define WARM_FRAMES             10   /* frames drawn before measuring */
#define RUN_ALL_AFTER_FRAMES    3    /* frames between the examples and "Run all" */
#define PROFILED_FRAMES         12   /* frames profiled after "Run all" */
#define FINAL_FRAMES            10   /* frames drawn after measuring, before the screenshot */
#define CANCELLED_JOB           DEMO_JOB_PI
#define CANCEL_AT               0.3

typedef enum {
  STEP_WAIT_FOR_WINDOW,
  STEP_EXAMPLES,
  STEP_RUNNING,
  STEP_FINAL_FRAMES,
  STEP_DONE,
} Step;

struct _DemoSelfTest
{
  DemoWindow   *window;
  DemoRunner   *runner;
  DemoMeasure  *measure;

  Step          step;
  guint         step_frame;       /* frames drawn when the step began */
  guint         tick_id;
  DemoHog      *hog;
  gboolean      cancel_requested;

  /* the main-thread watchdog */
  guint         watchdog_id;
  guint64       last_signature;
  gint64        last_progress_us;

  /* the main-loop watchdog thread */
  GThread      *loop_watchdog;
  GMutex        lock;
  GCond         cond;
  gboolean      stopping;

  int           exit_status;
};

static const char *
mode_name (DemoSelfTest *self)
{
  return demo_runner_is_naive (self->runner) ? "naive: GThread + g_idle_add" : "Relay";
}

static DemoJobRow *
row_at (DemoSelfTest *self,
        guint         i)
{
  return demo_jobs_page_get_row (demo_window_get_jobs_page (self->window), i);
}

/* ------------------------------------------------------------------------ */
/* Watchdogs                                                                */
/* ------------------------------------------------------------------------ */

/* Changes whenever a job reports, a row changes state, an example prints a
 * result, or, before the jobs start, a frame is drawn. */
static guint64
progress_signature (DemoSelfTest *self)
{
  guint64 signature = demo_runner_get_n_reports (self->runner);

  signature = signature * 31 + demo_examples_panel_get_seen (demo_window_get_examples_panel (self->window));
  for (guint i = 0; i < DEMO_N_JOBS; i++)
    signature = signature * 7 + demo_job_row_get_status (row_at (self, i));
  if (self->step == STEP_WAIT_FOR_WINDOW || self->step == STEP_FINAL_FRAMES)
    signature = signature * 131 + demo_measure_get_n_frames_drawn (self->measure);

  return signature;
}

static void
finish (DemoSelfTest *self,
        int           exit_status)
{
  self->exit_status = exit_status;
  self->step = STEP_DONE;
  g_main_context_wakeup (NULL);
}

static gboolean
watchdog (gpointer user_data)
{
  DemoSelfTest *self = user_data;
  guint64 signature = progress_signature (self);
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GString) waiting = NULL;
  guint seen;

  if (signature != self->last_signature || self->last_progress_us == 0)
    {
      self->last_signature = signature;
      self->last_progress_us = now;
      return G_SOURCE_CONTINUE;
    }

  if (now - self->last_progress_us < WATCHDOG_S * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;

  waiting = g_string_new (NULL);
  if (self->step == STEP_WAIT_FOR_WINDOW)
    g_string_append (waiting, "the window to draw");
  for (guint i = 0; i < DEMO_N_JOBS; i++)
    if (DEMO_RUN_STATUS_IS_ACTIVE (demo_job_row_get_status (row_at (self, i))))
      g_string_append_printf (waiting, "%s\"%s\" at %.0f %%", waiting->len > 0 ? ", " : "",
                              demo_job_row_get_spec (row_at (self, i))->title,
                              100 * demo_job_row_get_fraction (row_at (self, i)));
  seen = demo_examples_panel_get_seen (demo_window_get_examples_panel (self->window));
  if ((seen & DEMO_EXAMPLE_NOTIFIER_FIRED) == 0)
    g_string_append_printf (waiting, "%sthe notifier example", waiting->len > 0 ? ", " : "");
  if ((seen & DEMO_EXAMPLE_GOT_VAL) == 0)
    g_string_append_printf (waiting, "%sthe work example", waiting->len > 0 ? ", " : "");

  g_print ("relay-demo self-test (%s): FAIL: no progress for %d s; still waiting for %s\n",
           mode_name (self), WATCHDOG_S, waiting->str);
  self->watchdog_id = 0;
  finish (self, 1);

  return G_SOURCE_REMOVE;
}

/* On a thread of its own: the main loop's probe must keep running. */
static gpointer
loop_watchdog_thread (gpointer data)
{
  DemoSelfTest *self = data;
  guint last_beats = demo_measure_get_n_beats_atomic (self->measure);
  gint64 last_progress = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      gint64 now = g_get_monotonic_time ();
      guint beats = demo_measure_get_n_beats_atomic (self->measure);

      if (beats != last_beats)
        {
          last_beats = beats;
          last_progress = now;
        }
      else if (now - last_progress >= WATCHDOG_S * G_USEC_PER_SEC)
        {
          fprintf (stdout, "relay-demo self-test: FAIL: the main loop made no progress for %d s\n",
                   WATCHDOG_S);
          fflush (stdout);
          _exit (1);
        }

      g_cond_wait_until (&self->cond, &self->lock, now + G_USEC_PER_SEC);
    }
  g_mutex_unlock (&self->lock);

  return NULL;
}

/* ------------------------------------------------------------------------ */
/* The end                                                                  */
/* ------------------------------------------------------------------------ */

static gboolean
save_screenshot (GtkWidget  *window,
                 const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return FALSE;

  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));

  return texture != NULL && gdk_texture_save_to_png (texture, path);
}

static void
print_frame_cost (const char          *what,
                  const DemoFrameCost *cost)
{
  g_print ("%s %.1f ms of CPU (update %.1f, layout %.1f, paint %.1f; %.1f ms from start to end)",
           what, cost->update_ms + cost->layout_ms + cost->paint_ms,
           cost->update_ms, cost->layout_ms, cost->paint_ms, cost->wall_ms);
}

static const char *
worker_priority (DemoSelfTest *self)
{
  RelayPool *pool = demo_runner_get_pool (self->runner);

  if (pool == NULL)
    return "naive threads at the main thread's nice value";

  switch (relay_pool_get_worker_priority (pool))
    {
    case RELAY_WORKER_PRIORITY_NORMAL:
      return "pool workers at the main thread's nice value";
    case RELAY_WORKER_PRIORITY_UTILITY:
      return "pool workers at nice +10 below the main thread";
    case RELAY_WORKER_PRIORITY_BACKGROUND:
      return "pool workers at nice 19";
    default:
      return "pool workers at an unknown priority";
    }
}

static void
report (DemoSelfTest *self)
{
  gboolean naive = demo_runner_is_naive (self->runner);
  const char *path = naive ? "relay-demo-self-test-naive.png" : "relay-demo-self-test.png";
  guint seen = demo_examples_panel_get_seen (demo_window_get_examples_panel (self->window));
  guint n_done = 0, n_cancelled = 0, n_failed = 0;
  char reports[32], updates[32];
  DemoMeasureReport figures;
  gboolean saved, jobs_ok, stall_ok;

  demo_measure_get_report (self->measure, &figures);

  for (guint i = 0; i < DEMO_N_JOBS; i++)
    {
      DemoRunStatus status = demo_job_row_get_status (row_at (self, i));

      n_done += status == DEMO_RUN_DONE;
      n_cancelled += status == DEMO_RUN_CANCELLED;
      n_failed += status == DEMO_RUN_FAILED;
    }

  saved = save_screenshot (GTK_WIDGET (self->window), path);
  jobs_ok = n_failed == 0 && n_cancelled == 1 && seen == DEMO_EXAMPLES_ALL && saved;
  /* The verdict is on the stall the application is answerable for: the
   * worst probe interval less the time the main thread was ready to run but
   * had no CPU. On an otherwise idle 2-core machine, with our own hog, the
   * two are nearly equal (the main thread outranks the nice +10 workers, and
   * shares the second core with the hog); when the machine is busier than
   * that (a build beside the test suite), the scheduler's share goes to the
   * other load, not to Relay. Without schedstat, the whole stall counts. */
  stall_ok = figures.worst_own_stall_ms < DEMO_STALL_LIMIT_MS;

  g_print ("relay-demo self-test (%s): load: 1 CPU hog at nice %d got %.0f %% of a CPU; "
           "%s; %u processors\n",
           mode_name (self), demo_hog_get_nice (self->hog), 100 * demo_hog_get_cpu_share (self->hog),
           worker_priority (self), g_get_num_processors ());

  g_print ("relay-demo self-test (%s): worst stall %.1f ms", mode_name (self), figures.worst_stall_ms);
  if (figures.have_schedstat)
    g_print (" (a %.1f ms probe interval: %.1f ms on the CPU, %.1f waiting for a CPU, %.1f asleep)",
             figures.worst_interval_ms, figures.worst_on_cpu_ms, figures.worst_waiting_ms,
             figures.worst_asleep_ms);
  g_print ("; p99 stall %.1f ms over %u probes\n", figures.p99_stall_ms, figures.n_probes);
  if (figures.have_schedstat)
    g_print ("relay-demo self-test (%s): worst own stall %.1f ms, the verdict's figure "
             "(a %.1f ms probe interval less %.1f ms waiting for a CPU: %.1f ms on the CPU, "
             "the rest asleep); limit %.0f ms\n",
             mode_name (self), figures.worst_own_stall_ms, figures.worst_own_interval_ms,
             figures.worst_own_waiting_ms, figures.worst_own_on_cpu_ms, DEMO_STALL_LIMIT_MS);

  g_print ("relay-demo self-test (%s): ", mode_name (self));
  print_frame_cost ("costliest frame", &figures.costliest_frame);
  g_print ("; ");
  print_frame_cost ("costliest of the frames after \"Run all\"", &figures.costliest_profiled);
  g_print ("\n");

  g_print ("relay-demo self-test (%s): %u done, %u cancelled, %u failed; "
           "worst main-loop stall %.1f ms, p99 %.1f ms; %u frames, worst frame gap %.1f ms; "
           "%s progress reports, %s window updates; threading examples %s; %.1f s; "
           "screenshot %s; %s\n",
           mode_name (self), n_done, n_cancelled, n_failed,
           figures.worst_stall_ms, figures.p99_stall_ms, figures.n_frames, figures.worst_frame_gap_ms,
           demo_format_count (reports, demo_runner_get_n_reports (self->runner)),
           demo_format_count (updates, demo_runner_get_n_updates (self->runner)),
           seen == DEMO_EXAMPLES_ALL ? "ok" : "MISSING",
           figures.seconds, saved ? path : "NOT SAVED",
           naive ? (jobs_ok ? "done (a comparison: no stall limit)" : "FAIL")
                 : (jobs_ok && stall_ok ? "PASS" : "FAIL"));

  finish (self, jobs_ok && (naive || stall_ok) ? 0 : 1);
}

/* ------------------------------------------------------------------------ */
/* The run                                                                  */
/* ------------------------------------------------------------------------ */

static gboolean
all_settled (DemoSelfTest *self)
{
  guint seen = demo_examples_panel_get_seen (demo_window_get_examples_panel (self->window));

  for (guint i = 0; i < DEMO_N_JOBS; i++)
    {
      DemoJobRow *row = row_at (self, i);

      if (demo_job_row_get_run (row) == NULL || DEMO_RUN_STATUS_IS_ACTIVE (demo_job_row_get_status (row)))
        return FALSE;
    }

  return (seen & (DEMO_EXAMPLE_NOTIFIER_FIRED | DEMO_EXAMPLE_GOT_VAL)) ==
         (DEMO_EXAMPLE_NOTIFIER_FIRED | DEMO_EXAMPLE_GOT_VAL);
}

static void
on_cancelled_job_fraction (DemoJobRow   *row,
                           GParamSpec   *pspec,
                           DemoSelfTest *self)
{
  if (!self->cancel_requested && demo_job_row_get_fraction (row) >= CANCEL_AT &&
      demo_job_row_get_status (row) == DEMO_RUN_RUNNING)
    {
      self->cancel_requested = TRUE;
      demo_job_row_cancel (row);
    }
}

static void
begin_step (DemoSelfTest *self,
            Step          step)
{
  self->step = step;
  self->step_frame = demo_measure_get_n_frames_drawn (self->measure);
}

/* Every frame, in the update phase. */
static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  DemoSelfTest *self = user_data;
  guint frames = demo_measure_get_n_frames_drawn (self->measure) - self->step_frame;
  DemoExamplesPanel *examples = demo_window_get_examples_panel (self->window);

  switch (self->step)
    {
    case STEP_WAIT_FOR_WINDOW:
      if (frames < WARM_FRAMES)
        break;
      /* Measuring starts here, with the hog running, before anything is
       * pressed. */
      demo_measure_start (self->measure);
      self->hog = demo_hog_start ();
      demo_examples_panel_replay_notifier (examples);
      demo_examples_panel_replay_work (examples, FALSE);
      begin_step (self, STEP_EXAMPLES);
      break;

    case STEP_EXAMPLES:
      if (frames < RUN_ALL_AFTER_FRAMES)
        break;
      demo_measure_profile_frames (self->measure, PROFILED_FRAMES);
      demo_jobs_page_run_all (demo_window_get_jobs_page (self->window));
      begin_step (self, STEP_RUNNING);
      break;

    case STEP_RUNNING:
      if (!all_settled (self))
        break;
      /* Stop before the screenshot, which renders on the main thread. */
      demo_measure_stop (self->measure);
      demo_hog_stop (self->hog);
      begin_step (self, STEP_FINAL_FRAMES);
      break;

    case STEP_FINAL_FRAMES:
      if (frames < FINAL_FRAMES)
        break;
      report (self);
      break;

    case STEP_DONE:
    default:
      break;
    }

  return G_SOURCE_CONTINUE;
}

DemoSelfTest *
demo_self_test_new (DemoWindow  *window,
                    DemoRunner  *runner,
                    DemoMeasure *measure)
{
  DemoSelfTest *self = g_new0 (DemoSelfTest, 1);

  self->window = g_object_ref (window);
  self->runner = g_object_ref (runner);
  self->measure = g_object_ref (measure);
  self->step = STEP_WAIT_FOR_WINDOW;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);

  g_signal_connect (row_at (self, CANCELLED_JOB), "notify::fraction",
                    G_CALLBACK (on_cancelled_job_fraction), self);
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (window), on_tick, self, NULL);
  self->watchdog_id = g_timeout_add_seconds (1, watchdog, self);
  self->loop_watchdog = g_thread_new ("self-test-watchdog", loop_watchdog_thread, self);

  return self;
}

gboolean
demo_self_test_is_done (DemoSelfTest *self)
{
  return self->step == STEP_DONE;
}

int
demo_self_test_get_exit_status (DemoSelfTest *self)
{
  return self->exit_status;
}

void
demo_self_test_free (DemoSelfTest *self)
{
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->loop_watchdog);

  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  gtk_widget_remove_tick_callback (GTK_WIDGET (self->window), self->tick_id);
  g_signal_handlers_disconnect_by_data (row_at (self, CANCELLED_JOB), self);
  g_clear_pointer (&self->hog, demo_hog_free);
  g_clear_object (&self->window);
  g_clear_object (&self->runner);
  g_clear_object (&self->measure);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
