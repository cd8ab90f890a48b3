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
 * `relay-demo --self-test=search` runs the search page the same way, with
 * the same hog and the same measuring: once the window is up, it searches
 * the generated tree for DEMO_SEARCH_TEST_QUERY, whose matches (more than
 * 100,000) a plain walk counted before the window opened; when every match
 * is in the list, it searches again and presses Cancel at 30 % of the tree.
 * While the matches arrive, each batch the store adds is checked as it is
 * added (a few dozen nanoseconds a match, measured with the rest): every
 * hit's ordinal must be the next one, so that the list holds each match
 * exactly once and in order, and its file the one the plain walk found at
 * that ordinal. It fails, saying which, if the full search did not end
 * "Done" with exactly the plain walk's matches, if the cancelled one did not
 * end "Cancelled" with the first few of them and its count on show, or if
 * the main loop stalled for 16 ms of its own. It prints the number of
 * matches, how long they took to reach the list, and the stall figures of
 * the jobs self-test. Replacing the full search's list by the next search's
 * (the store, and its 100,000 matches, freed) happens while measuring, as
 * it would for a user.
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

#include <string.h>

#include "demo-hog.h"
#include "demo-jobs.h"
#include "demo-search.h"
#include "demo-self-test.h"

#define WATCHDOG_S              60   /* seconds without any progress */
#define WARM_FRAMES             10   /* frames drawn before measuring */
#define RUN_ALL_AFTER_FRAMES    3    /* frames between the examples and "Run all" */
#define PROFILED_FRAMES         12   /* frames profiled after "Run all" */
#define FINAL_FRAMES            10   /* frames drawn after measuring, before the screenshot */
#define CANCELLED_JOB           DEMO_JOB_PI
#define CANCEL_AT               0.3
#define MIN_SEARCH_MATCHES      100000

typedef enum {
  STEP_WAIT_FOR_WINDOW,
  STEP_EXAMPLES,          /* jobs */
  STEP_RUNNING,           /* jobs */
  STEP_SEARCH_FULL,       /* search */
  STEP_SEARCH_CANCEL,     /* search */
  STEP_FINAL_FRAMES,
  STEP_DONE,
} Step;

/* One search, checked as its matches reach the list. */
typedef struct
{
  const char    *what;
  GListModel    *model;           /* the store, while connected */
  guint8        *seen;            /* by ordinal, one per expected match */
  guint          n_received;      /* items the store added */
  guint          n_duplicates;
  guint          n_out_of_order;
  guint          n_wrong_file;
  guint          n_out_of_range;
  guint          n_removed;
  char          *first_problem;
  /* when it ended */
  gboolean       ended;
  DemoRunStatus  status;
  guint          n_items;
  guint          n_missing;       /* ordinals below n_items never received */
  double         seconds;
  double         fraction;
  char          *count_text;
  char          *status_text;
} SearchCheck;

struct _DemoSelfTest
{
  DemoWindow   *window;
  DemoRunner   *runner;
  DemoMeasure  *measure;
  DemoSelfTestMode mode;

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

  /* the search mode */
  GArray       *expected;         /* the files that match, by a plain walk */
  SearchCheck   full;
  SearchCheck   cancelled;
  SearchCheck  *checking;         /* the one whose store is connected */
  guint         search_idle_id;   /* starts the next search */

  int           exit_status;
};

static const char *
mode_name (DemoSelfTest *self)
{
  if (self->mode == DEMO_SELF_TEST_SEARCH)
    return "search";
  return demo_runner_is_naive (self->runner) ? "naive: GThread + g_idle_add" : "Relay";
}

static DemoSearchPage *
search_page (DemoSelfTest *self)
{
  return demo_window_get_search_page (self->window);
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

  if (self->mode == DEMO_SELF_TEST_SEARCH)
    {
      GListModel *model = demo_search_page_get_model (search_page (self));

      signature = self->step;
      signature = signature * 31 + demo_search_page_get_status (search_page (self));
      signature = signature * 1000003 + (guint64) (demo_search_page_get_fraction (search_page (self)) * 1e6);
      signature = signature * 1000003 + (model != NULL ? g_list_model_get_n_items (model) : 0);
      signature = signature * 1000003 + demo_search_page_get_n_pending (search_page (self));
      if (self->step == STEP_WAIT_FOR_WINDOW || self->step == STEP_FINAL_FRAMES)
        signature = signature * 131 + demo_measure_get_n_frames_drawn (self->measure);
      return signature;
    }

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
  if (self->mode == DEMO_SELF_TEST_SEARCH)
    {
      GListModel *model = demo_search_page_get_model (search_page (self));

      if (self->checking != NULL)
        g_string_append_printf (waiting, "the %s: \"%s\", %u matches in the list, %u pending, "
                                "%.0f %% of the tree walked",
                                self->checking->what, demo_search_page_get_status_text (search_page (self)),
                                model != NULL ? g_list_model_get_n_items (model) : 0,
                                demo_search_page_get_n_pending (search_page (self)),
                                100 * demo_search_page_get_fraction (search_page (self)));
      else if (self->step == STEP_FINAL_FRAMES)
        g_string_append (waiting, "the final frames");
      g_print ("relay-demo self-test (%s): FAIL: no progress for %d s; still waiting for %s\n",
               mode_name (self), WATCHDOG_S, waiting->str);
      self->watchdog_id = 0;
      finish (self, 1);
      return G_SOURCE_REMOVE;
    }
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

/* The figures both modes print: the load, and the worst stall, whole and
 * the application's own, with what they were made of. */
static void
print_load_and_stalls (DemoSelfTest            *self,
                       const DemoMeasureReport *figures)
{
  g_print ("relay-demo self-test (%s): load: 1 CPU hog at nice %d got %.0f %% of a CPU; "
           "%s; %u processors\n",
           mode_name (self), demo_hog_get_nice (self->hog), 100 * demo_hog_get_cpu_share (self->hog),
           worker_priority (self), g_get_num_processors ());

  g_print ("relay-demo self-test (%s): worst stall %.1f ms", mode_name (self), figures->worst_stall_ms);
  if (figures->have_schedstat)
    g_print (" (a %.1f ms probe interval: %.1f ms on the CPU, %.1f waiting for a CPU, %.1f asleep)",
             figures->worst_interval_ms, figures->worst_on_cpu_ms, figures->worst_waiting_ms,
             figures->worst_asleep_ms);
  g_print ("; p99 stall %.1f ms over %u probes\n", figures->p99_stall_ms, figures->n_probes);
  if (figures->have_schedstat)
    g_print ("relay-demo self-test (%s): worst own stall %.1f ms, the verdict's figure "
             "(a %.1f ms probe interval less %.1f ms waiting for a CPU, %.1f ms of the X server "
             "waiting for a CPU and %.1f ms of GTK painting: %.1f ms on the CPU in all, the rest "
             "asleep); limit %.0f ms\n",
             mode_name (self), figures->worst_own_stall_ms, figures->worst_own_interval_ms,
             figures->worst_own_waiting_ms, figures->worst_own_server_waiting_ms,
             figures->worst_own_paint_ms,
             figures->worst_own_on_cpu_ms, DEMO_STALL_LIMIT_MS);
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

  print_load_and_stalls (self, &figures);
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

/* ------------------------------------------------------------------------ */
/* The search mode                                                          */
/* ------------------------------------------------------------------------ */

static void G_GNUC_PRINTF (2, 3)
check_problem (SearchCheck *check,
               const char  *format,
               ...)
{
  va_list args;

  if (check->first_problem != NULL)
    return;

  va_start (args, format);
  check->first_problem = g_strdup_vprintf (format, args);
  va_end (args);
}

/* In the store's batch, on the main thread: the items it just added, checked
 * one by one. The n-th item the list receives must be the n-th match (its
 * ordinal), of the file the plain walk found n-th. */
static void
on_search_items_changed (GListModel   *model,
                         guint         position,
                         guint         removed,
                         guint         added,
                         DemoSelfTest *self)
{
  SearchCheck *check = self->checking;

  if (removed > 0)
    {
      check->n_removed += removed;
      check_problem (check, "%u items removed at %u", removed, position);
    }

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(DemoSearchHit) hit = g_list_model_get_item (model, i);
      guint ordinal = demo_search_hit_get_ordinal (hit);
      guint file = demo_search_hit_get_file (hit);

      if (ordinal != check->n_received)
        {
          check->n_out_of_order++;
          check_problem (check, "item %u of the list is match %u", check->n_received, ordinal);
        }
      check->n_received++;

      if (ordinal >= self->expected->len)
        {
          check->n_out_of_range++;
          check_problem (check, "match %u: the plain walk found %u matches", ordinal, self->expected->len);
          continue;
        }
      if (check->seen[ordinal])
        {
          check->n_duplicates++;
          check_problem (check, "match %u arrived twice", ordinal);
        }
      check->seen[ordinal] = TRUE;
      if (file != g_array_index (self->expected, guint, ordinal))
        {
          check->n_wrong_file++;
          check_problem (check, "match %u is file %u, the plain walk's is file %u",
                         ordinal, file, g_array_index (self->expected, guint, ordinal));
        }
    }
}

static gboolean
begin_search (gpointer user_data)
{
  DemoSelfTest *self = user_data;
  SearchCheck *check = self->step == STEP_SEARCH_FULL ? &self->full : &self->cancelled;

  self->search_idle_id = 0;
  check->what = self->step == STEP_SEARCH_FULL ? "full search" : "cancelled search";
  check->seen = g_new0 (guint8, self->expected->len);
  demo_search_page_start (search_page (self), DEMO_SEARCH_TEST_QUERY);
  check->model = g_object_ref (demo_search_page_get_model (search_page (self)));
  g_signal_connect (check->model, "items-changed", G_CALLBACK (on_search_items_changed), self);
  self->checking = check;

  return G_SOURCE_REMOVE;
}

/* Presses Search the way a click would: in a dispatch of its own at the
 * priority GDK delivers input at, not inside a frame's update phase, where
 * its work (the previous search's rows destroyed) would add to the frame's. */
static void
queue_search (DemoSelfTest *self,
              Step          step)
{
  begin_step (self, step);
  self->search_idle_id = g_idle_add_full (G_PRIORITY_DEFAULT, begin_search, self, NULL);
}

/* The search's status is final: its count and texts are what the user sees. */
static void
end_search (DemoSelfTest *self,
            SearchCheck  *check)
{
  DemoSearchPage *page = search_page (self);

  check->ended = TRUE;
  check->status = demo_search_page_get_status (page);
  check->n_items = g_list_model_get_n_items (check->model);
  check->seconds = demo_search_page_get_seconds (page);
  check->fraction = demo_search_page_get_fraction (page);
  check->count_text = g_strdup (demo_search_page_get_count_text (page));
  check->status_text = g_strdup (demo_search_page_get_status_text (page));
  for (guint i = 0; i < MIN (check->n_items, self->expected->len); i++)
    check->n_missing += check->seen[i] == 0;

  g_signal_handlers_disconnect_by_data (check->model, self);
  g_clear_object (&check->model);
  self->checking = NULL;
}

static void
on_search_fraction (DemoSearchPage *page,
                    GParamSpec     *pspec,
                    DemoSelfTest   *self)
{
  if (self->step == STEP_SEARCH_CANCEL && !self->cancel_requested &&
      demo_search_page_get_status (page) == DEMO_RUN_RUNNING &&
      demo_search_page_get_fraction (page) >= CANCEL_AT)
    {
      self->cancel_requested = TRUE;
      demo_search_page_cancel (page);
    }
}

/* Every match arrived exactly once, in order, the plain walk's file. */
static gboolean
search_check_clean (DemoSelfTest *self,
                    SearchCheck  *check)
{
  return check->ended && check->n_received == check->n_items && check->n_missing == 0 &&
         check->n_duplicates + check->n_out_of_order + check->n_wrong_file +
         check->n_out_of_range + check->n_removed == 0;
}

/* Appends what is wrong with @check to @failures; says what it got. */
static void
judge_search (DemoSelfTest *self,
              SearchCheck  *check,
              DemoRunStatus wanted,
              guint         wanted_items,
              GString      *failures)
{
  char number[32];
  g_autofree char *count_text = g_strdup_printf ("%s match%s", demo_format_count (number, check->n_items),
                                                 check->n_items == 1 ? "" : "es");
  g_autoptr(GEnumClass) statuses = g_type_class_ref (DEMO_TYPE_RUN_STATUS);
  GString *wrong = g_string_new (NULL);

  if (!check->ended)
    g_string_append_printf (wrong, "; it never ended");
  else
    {
      if (check->status != wanted)
        g_string_append_printf (wrong, "; it ended %s, not %s",
                                g_enum_get_value (statuses, check->status)->value_nick,
                                g_enum_get_value (statuses, wanted)->value_nick);
      if (wanted == DEMO_RUN_DONE && check->n_items != wanted_items)
        g_string_append_printf (wrong, "; %u matches in the list, the plain walk found %u",
                                check->n_items, wanted_items);
      if (wanted == DEMO_RUN_CANCELLED && (check->n_items == 0 || check->n_items >= wanted_items))
        g_string_append_printf (wrong, "; %u matches in the list: a cancelled search has some, not all %u",
                                check->n_items, wanted_items);
      if (check->n_received != check->n_items)
        g_string_append_printf (wrong, "; the list announced %u items, it has %u",
                                check->n_received, check->n_items);
      if (check->n_missing > 0)
        g_string_append_printf (wrong, "; %u of the ordinals 0..%u missing", check->n_missing,
                                check->n_items - 1);
      if (check->n_duplicates + check->n_out_of_order + check->n_wrong_file +
          check->n_out_of_range + check->n_removed > 0)
        g_string_append_printf (wrong, "; %u duplicates, %u out of order, %u of the wrong file, "
                                "%u beyond the last match, %u removed (first: %s)",
                                check->n_duplicates, check->n_out_of_order, check->n_wrong_file,
                                check->n_out_of_range, check->n_removed, check->first_problem);
      if (g_strcmp0 (check->count_text, count_text) != 0)
        g_string_append_printf (wrong, "; the count shows \"%s\", not \"%s\"", check->count_text, count_text);
      if (wanted == DEMO_RUN_CANCELLED && !g_str_has_prefix (check->status_text, "Cancelled"))
        g_string_append_printf (wrong, "; the status shows \"%s\"", check->status_text);
    }

  if (wrong->len > 0)
    g_string_append_printf (failures, "relay-demo self-test (%s): FAIL: the %s%s\n",
                            mode_name (self), check->what, wrong->str);
  g_string_free (wrong, TRUE);
}

static void
report_search (DemoSelfTest *self)
{
  const char *path = "relay-demo-self-test-search.png";
  g_autoptr(GString) failures = g_string_new (NULL);
  char number[32], total[32], rate[32];
  DemoMeasureReport figures;
  gboolean saved, stall_ok;

  demo_measure_get_report (self->measure, &figures);
  saved = save_screenshot (GTK_WIDGET (self->window), path);
  stall_ok = figures.worst_own_stall_ms < DEMO_STALL_LIMIT_MS;

  if (self->expected->len != DEMO_SEARCH_TEST_MATCHES || self->expected->len < MIN_SEARCH_MATCHES)
    g_string_append_printf (failures, "relay-demo self-test (%s): FAIL: the plain walk found %u matches "
                            "for \"%s\"; the test expects %u, and at least %u (did the tree change?)\n",
                            mode_name (self), self->expected->len, DEMO_SEARCH_TEST_QUERY,
                            DEMO_SEARCH_TEST_MATCHES, MIN_SEARCH_MATCHES);
  judge_search (self, &self->full, DEMO_RUN_DONE, self->expected->len, failures);
  judge_search (self, &self->cancelled, DEMO_RUN_CANCELLED, self->expected->len, failures);
  if (!self->cancel_requested)
    g_string_append_printf (failures, "relay-demo self-test (%s): FAIL: the second search ended before "
                            "the self-test could press Cancel\n", mode_name (self));
  if (!saved)
    g_string_append_printf (failures, "relay-demo self-test (%s): FAIL: no screenshot\n", mode_name (self));

  print_load_and_stalls (self, &figures);
  g_print ("relay-demo self-test (%s): the tree has %s paths; \"%s\" is in %s of them (a plain walk)\n",
           mode_name (self), demo_format_count (total, DEMO_SEARCH_N_FILES), DEMO_SEARCH_TEST_QUERY,
           demo_format_count (number, self->expected->len));
  g_print ("relay-demo self-test (%s): full search: \"%s\", %s matches in the list in %.2f s "
           "(%s a second), %s\n",
           mode_name (self), self->full.status_text ? self->full.status_text : "",
           demo_format_count (number, self->full.n_items), self->full.seconds,
           demo_format_count (rate, self->full.seconds > 0 ? (guint64) (self->full.n_items / self->full.seconds) : 0),
           search_check_clean (self, &self->full) ? "each once and in order" : "NOT each once and in order");
  g_print ("relay-demo self-test (%s): cancelled search: Cancel pressed at %.0f %% of the tree; "
           "\"%s\", \"%s\", %s\n",
           mode_name (self), 100 * CANCEL_AT, self->cancelled.status_text ? self->cancelled.status_text : "",
           self->cancelled.count_text ? self->cancelled.count_text : "",
           search_check_clean (self, &self->cancelled) ? "each once and in order" : "NOT each once and in order");
  g_print ("relay-demo self-test (%s): ", mode_name (self));
  print_frame_cost ("costliest frame", &figures.costliest_frame);
  g_print ("\n");
  g_print ("%s", failures->str);

  g_print ("relay-demo self-test (%s): %s matches streamed in %.2f s; worst main-loop stall "
           "%.1f ms (own %.1f ms, limit %.0f), p99 %.1f ms; %u frames, worst frame gap %.1f ms; "
           "%.1f s; screenshot %s; %s\n",
           mode_name (self), demo_format_count (number, self->full.n_items), self->full.seconds,
           figures.worst_stall_ms, figures.worst_own_stall_ms, DEMO_STALL_LIMIT_MS,
           figures.p99_stall_ms, figures.n_frames, figures.worst_frame_gap_ms,
           figures.seconds, saved ? path : "NOT SAVED",
           failures->len == 0 && stall_ok ? "PASS" : "FAIL");

  finish (self, failures->len == 0 && stall_ok ? 0 : 1);
}

/* The search mode's steps while measuring, every frame: returns %TRUE once
 * the last is over. */
static gboolean
search_tick (DemoSelfTest *self,
             guint         frames)
{
  DemoSearchPage *page = search_page (self);

  switch (self->step)
    {
    case STEP_SEARCH_FULL:
      if (self->checking == NULL || DEMO_RUN_STATUS_IS_ACTIVE (demo_search_page_get_status (page)))
        break;
      end_search (self, &self->full);
      /* The same search again, cancelled on the way: its list replaces the
       * full one, which is freed. */
      queue_search (self, STEP_SEARCH_CANCEL);
      break;

    case STEP_SEARCH_CANCEL:
      if (self->checking == NULL || DEMO_RUN_STATUS_IS_ACTIVE (demo_search_page_get_status (page)))
        break;
      end_search (self, &self->cancelled);
      return TRUE;

    default:
      break;
    }

  return FALSE;
}

static void
search_check_clear (SearchCheck *check)
{
  if (check->model != NULL)
    g_signal_handlers_disconnect_matched (check->model, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                          on_search_items_changed, NULL);
  g_clear_object (&check->model);
  g_clear_pointer (&check->seen, g_free);
  g_clear_pointer (&check->first_problem, g_free);
  g_clear_pointer (&check->count_text, g_free);
  g_clear_pointer (&check->status_text, g_free);
}

/* The jobs mode's steps while measuring, every frame: returns %TRUE once
 * the last is over. */
static gboolean
jobs_tick (DemoSelfTest *self,
           guint         frames)
{
  switch (self->step)
    {
    case STEP_EXAMPLES:
      if (frames < RUN_ALL_AFTER_FRAMES)
        break;
      demo_measure_profile_frames (self->measure, PROFILED_FRAMES);
      demo_jobs_page_run_all (demo_window_get_jobs_page (self->window));
      begin_step (self, STEP_RUNNING);
      break;

    case STEP_RUNNING:
      return all_settled (self);

    default:
      break;
    }

  return FALSE;
}

/* Every frame, in the update phase. Both modes start and end the same way:
 * the window's first frames, then measuring with the hog running, then, once
 * the mode's own steps (jobs_tick(), search_tick()) are over, the final
 * frames and the report. */
static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  DemoSelfTest *self = user_data;
  guint frames = demo_measure_get_n_frames_drawn (self->measure) - self->step_frame;
  gboolean search = self->mode == DEMO_SELF_TEST_SEARCH;
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
      if (search)
        queue_search (self, STEP_SEARCH_FULL);
      else
        {
          demo_examples_panel_replay_notifier (examples);
          demo_examples_panel_replay_work (examples, FALSE);
          begin_step (self, STEP_EXAMPLES);
        }
      break;

    case STEP_FINAL_FRAMES:
      if (frames < FINAL_FRAMES)
        break;
      if (search)
        report_search (self);
      else
        report (self);
      break;

    case STEP_DONE:
      break;

    default:
      if (search ? search_tick (self, frames) : jobs_tick (self, frames))
        {
          /* Stop before the screenshot, which renders on the main thread. */
          demo_measure_stop (self->measure);
          demo_hog_stop (self->hog);
          begin_step (self, STEP_FINAL_FRAMES);
        }
      break;
    }

  return G_SOURCE_CONTINUE;
}

DemoSelfTest *
demo_self_test_new (DemoWindow       *window,
                    DemoRunner       *runner,
                    DemoMeasure      *measure,
                    DemoSelfTestMode  mode)
{
  DemoSelfTest *self = g_new0 (DemoSelfTest, 1);

  self->window = g_object_ref (window);
  self->runner = g_object_ref (runner);
  self->measure = g_object_ref (measure);
  self->mode = mode;
  self->step = STEP_WAIT_FOR_WINDOW;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);

  if (mode == DEMO_SELF_TEST_SEARCH)
    {
      /* What the search must find, before anything is measured. */
      self->expected = demo_search_walk_plain (DEMO_SEARCH_TEST_QUERY);
      demo_window_show_page (window, "search");
      g_signal_connect (search_page (self), "notify::fraction", G_CALLBACK (on_search_fraction), self);
    }
  else
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
  g_clear_handle_id (&self->search_idle_id, g_source_remove);
  gtk_widget_remove_tick_callback (GTK_WIDGET (self->window), self->tick_id);
  g_signal_handlers_disconnect_by_data (row_at (self, CANCELLED_JOB), self);
  g_signal_handlers_disconnect_by_data (search_page (self), self);
  search_check_clear (&self->full);
  search_check_clear (&self->cancelled);
  g_clear_pointer (&self->expected, g_array_unref);
  g_clear_pointer (&self->hog, demo_hog_free);
  g_clear_object (&self->window);
  g_clear_object (&self->runner);
  g_clear_object (&self->measure);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
