/* demo-runner.c: how a job runs, on a RelayPool or the naive way
 *
 * This is the part of the demo that uses Relay. In Relay mode each run is a
 * RelayJobFunc submitted with relay_pool_run(); the worker reports with
 * relay_job_set_progress() thousands of times a second, and the main thread
 * hears about it through notify::progress on the job's promise, coalesced: at
 * most one update per job per dispatch. The result and the error come back
 * through relay_promise_then_values(), and cancelling rejects the promise at
 * once while the worker stops at its next check.
 *
 * In naive mode (`--naive`) the same work runs on a plain GThread per job, at
 * most as many at once as the pool has threads, and every single report is
 * posted to the main loop with g_idle_add(): the usual way, and the comparison
 * the demo's meter and self-test are there to show.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-runner.h"

struct _DemoRunner
{
  GObject    parent_instance;

  gboolean   naive;
  guint      max_running;
  RelayPool *pool;          /* Relay mode */
  GQueue     naive_queue;   /* DemoRun, owned: waiting for a thread */
  guint      naive_running;
  GPtrArray *runs;          /* every run started, for the shutdown */

  int        n_reports;     /* atomic: reports made by every run */
  guint64    n_updates;     /* main thread: progress updates delivered */
};

G_DEFINE_FINAL_TYPE (DemoRunner, demo_runner, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (DemoRunStatus, demo_run_status,
  G_DEFINE_ENUM_VALUE (DEMO_RUN_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE (DEMO_RUN_QUEUED, "queued"),
  G_DEFINE_ENUM_VALUE (DEMO_RUN_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (DEMO_RUN_DONE, "done"),
  G_DEFINE_ENUM_VALUE (DEMO_RUN_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (DEMO_RUN_CANCELLED, "cancelled"))

/* One execution of a job. Shared between the main thread and one worker. */
struct _DemoRun
{
  gatomicrefcount         ref_count;
  DemoRunner             *runner;       /* not owned; outlives its runs' callbacks */
  const DemoJobSpec      *spec;

  /* main thread only */
  const DemoRunCallbacks *callbacks;    /* NULL once detached */
  gpointer                user_data;
  RelayPromise           *promise;      /* Relay mode */
  GThread                *thread;       /* naive mode, until joined */
  gboolean                finished;

  /* worker side, while the work runs */
  RelayJob               *job;          /* Relay mode */
  GCancellable           *cancellable;  /* the job's (Relay) or our own (naive) */

  /* written by the worker; the main thread reads only what a delivered report
   * says is complete */
  guint32                *pixels;
};

/* ------------------------------------------------------------------------ */
/* Runs                                                                     */
/* ------------------------------------------------------------------------ */

static DemoRun *
demo_run_new (DemoRunner             *runner,
              const DemoJobSpec      *spec,
              const DemoRunCallbacks *callbacks,
              gpointer                user_data)
{
  DemoRun *run = g_new0 (DemoRun, 1);

  g_atomic_ref_count_init (&run->ref_count);
  run->runner = runner;
  run->spec = spec;
  run->callbacks = callbacks;
  run->user_data = user_data;
  if (spec->n_pixels > 0)
    run->pixels = g_new0 (guint32, spec->n_pixels);

  return run;
}

DemoRun *
demo_run_ref (DemoRun *run)
{
  g_atomic_ref_count_inc (&run->ref_count);
  return run;
}

void
demo_run_unref (DemoRun *run)
{
  if (!g_atomic_ref_count_dec (&run->ref_count))
    return;

  g_clear_object (&run->cancellable);
  g_clear_object (&run->promise);
  g_free (run->pixels);
  g_free (run);
}

static void
demo_run_unref_closure (gpointer  data,
                        GClosure *closure)
{
  demo_run_unref (data);
}

/* Main thread: no callback after this; the run goes on until it notices a
 * cancellation or ends. */
void
demo_run_detach (DemoRun *run)
{
  run->callbacks = NULL;
  run->user_data = NULL;
}

const guint32 *
demo_run_peek_pixels (DemoRun *run)
{
  return run->pixels;
}

static void
demo_run_deliver_progress (DemoRun    *run,
                           double      fraction,
                           const char *text)
{
  if (run->finished || run->callbacks == NULL)
    return;

  run->runner->n_updates++;
  run->callbacks->progress (run, fraction, text, run->user_data);
}

static void
demo_run_deliver_finished (DemoRun       *run,
                           DemoRunStatus  status,
                           const char    *text)
{
  if (run->finished)
    return;

  run->finished = TRUE;
  if (run->callbacks != NULL)
    run->callbacks->finished (run, status, text, run->user_data);
}

GCancellable *
demo_run_get_cancellable (DemoRun *run)
{
  return run->cancellable;
}

gboolean
demo_run_check_cancelled (DemoRun  *run,
                          GError  **error)
{
  return g_cancellable_set_error_if_cancelled (run->cancellable, error);
}

guint32 *
demo_run_get_pixels (DemoRun *run)
{
  return run->pixels;
}

static void naive_post_progress (DemoRun    *run,
                                 double      fraction,
                                 const char *text);

/* On the worker, in either mode. */
void
demo_run_report (DemoRun    *run,
                 double      fraction,
                 const char *text)
{
  g_atomic_int_inc (&run->runner->n_reports);

  if (run->job != NULL)
    relay_job_set_progress (run->job, fraction, text);
  else
    naive_post_progress (run, fraction, text);
}

/* ------------------------------------------------------------------------ */
/* Relay mode: the pool runs the job; progress and the result come back     */
/* through the job's promise                                                */
/* ------------------------------------------------------------------------ */

/* On a worker of the pool. */
static void
relay_job_func (RelayJob *job,
                gpointer  user_data)
{
  DemoRun *run = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  run->job = job;
  run->cancellable = g_object_ref (relay_job_get_cancellable (job));

  demo_run_report (run, 0.0, "starting");
  summary = run->spec->work (run, &error);
  run->job = NULL;

  /* A cancelled promise is already rejected; nothing more to say. */
  if (relay_job_return_error_if_cancelled (job))
    return;

  if (summary != NULL)
    relay_job_return_string (job, summary);
  else
    relay_job_return_error (job, g_steal_pointer (&error));
}

/* notify::progress, on the main thread, coalesced: however often the worker
 * reported, this runs once per dispatch. */
static void
on_promise_progress (RelayPromise *promise,
                     GParamSpec   *pspec,
                     gpointer      user_data)
{
  g_autofree char *text = relay_promise_dup_progress_text (promise);

  demo_run_deliver_progress (user_data, relay_promise_get_progress (promise), text);
}

static void
on_promise_value (const GValue *value,
                  gpointer      user_data)
{
  demo_run_deliver_finished (user_data, DEMO_RUN_DONE, g_value_get_string (value));
}

static void
on_promise_error (const GError *error,
                  gpointer      user_data)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    demo_run_deliver_finished (user_data, DEMO_RUN_CANCELLED, NULL);
  else
    demo_run_deliver_finished (user_data, DEMO_RUN_FAILED, error->message);
}

static void
relay_submit (DemoRunner *self,
              DemoRun    *run)
{
  run->promise = relay_pool_run (self->pool, NULL, relay_job_func, demo_run_ref (run),
                                 (GDestroyNotify) demo_run_unref);

  /* Every report moves the fraction; the text is read along with it. */
  g_signal_connect_data (run->promise, "notify::progress",
                         G_CALLBACK (on_promise_progress), demo_run_ref (run),
                         demo_run_unref_closure, 0);
  relay_promise_then_values (run->promise,
                             on_promise_value, demo_run_ref (run), (GDestroyNotify) demo_run_unref,
                             on_promise_error, demo_run_ref (run), (GDestroyNotify) demo_run_unref);
}

/* ------------------------------------------------------------------------ */
/* Naive mode: a plain GThread per job, every report posted with            */
/* g_idle_add(). At most as many threads at once as the pool has, so that   */
/* the only difference from Relay mode is how updates reach the main loop.  */
/* ------------------------------------------------------------------------ */

typedef struct
{
  DemoRun *run;
  double   fraction;
  char    *text;
} NaiveProgress;

typedef struct
{
  DemoRun *run;
  char    *summary;
  GError  *error;
} NaiveResult;

static gboolean
naive_progress_idle (gpointer data)
{
  NaiveProgress *progress = data;

  demo_run_deliver_progress (progress->run, progress->fraction, progress->text);

  return G_SOURCE_REMOVE;
}

static void
naive_progress_free (gpointer data)
{
  NaiveProgress *progress = data;

  demo_run_unref (progress->run);
  g_free (progress->text);
  g_free (progress);
}

/* On the job's thread. */
static void
naive_post_progress (DemoRun    *run,
                     double      fraction,
                     const char *text)
{
  NaiveProgress *progress = g_new (NaiveProgress, 1);

  progress->run = demo_run_ref (run);
  progress->fraction = fraction;
  progress->text = g_strdup (text);
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, naive_progress_idle, progress, naive_progress_free);
}

static void naive_start_next (DemoRunner *self);

static gboolean
naive_finished_idle (gpointer data)
{
  NaiveResult *result = data;
  DemoRun *run = result->run;
  DemoRunner *self = run->runner;

  g_thread_join (g_steal_pointer (&run->thread));
  self->naive_running--;
  naive_start_next (self);

  if (result->summary != NULL)
    demo_run_deliver_finished (run, DEMO_RUN_DONE, result->summary);
  else if (g_error_matches (result->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    demo_run_deliver_finished (run, DEMO_RUN_CANCELLED, NULL);
  else
    demo_run_deliver_finished (run, DEMO_RUN_FAILED, result->error->message);

  demo_run_unref (run);
  g_free (result->summary);
  g_clear_error (&result->error);
  g_free (result);

  return G_SOURCE_REMOVE;
}

static gpointer
naive_thread_func (gpointer data)
{
  NaiveResult *result = g_new0 (NaiveResult, 1);

  result->run = data;   /* the reference passes on to naive_finished_idle() */
  demo_run_report (result->run, 0.0, "starting");
  result->summary = result->run->spec->work (result->run, &result->error);
  g_idle_add (naive_finished_idle, result);

  return NULL;
}

static void
naive_start_next (DemoRunner *self)
{
  while (self->naive_running < self->max_running && !g_queue_is_empty (&self->naive_queue))
    {
      DemoRun *run = g_queue_pop_head (&self->naive_queue);

      self->naive_running++;
      run->thread = g_thread_new ("naive-job", naive_thread_func, run);
    }
}

static void
naive_submit (DemoRunner *self,
              DemoRun    *run)
{
  run->cancellable = g_cancellable_new ();
  g_queue_push_tail (&self->naive_queue, demo_run_ref (run));
  naive_start_next (self);
}

/* ------------------------------------------------------------------------ */
/* The runner                                                               */
/* ------------------------------------------------------------------------ */

DemoRun *
demo_runner_start (DemoRunner             *self,
                   const DemoJobSpec      *spec,
                   const DemoRunCallbacks *callbacks,
                   gpointer                user_data)
{
  DemoRun *run = demo_run_new (self, spec, callbacks, user_data);

  g_ptr_array_add (self->runs, demo_run_ref (run));
  if (self->naive)
    naive_submit (self, run);
  else
    relay_submit (self, run);

  return run;
}

/* Main thread. Relay: the promise is rejected now, the finished callback runs
 * from the dispatcher, and the worker stops at its next check. Naive: a
 * queued run never starts; a running thread reports back when it notices. */
void
demo_run_cancel (DemoRun *run)
{
  DemoRunner *self = run->runner;

  if (run->finished)
    return;

  if (run->promise != NULL)
    {
      relay_promise_cancel (run->promise);
      return;
    }

  g_cancellable_cancel (run->cancellable);
  if (g_queue_remove (&self->naive_queue, run))
    {
      demo_run_deliver_finished (run, DEMO_RUN_CANCELLED, NULL);
      demo_run_unref (run);
    }
}

/* Cancels every run and waits for the workers: queued Relay jobs are rejected,
 * running ones notice the cancellation. */
void
demo_runner_shutdown (DemoRunner *self)
{
  for (guint i = 0; i < self->runs->len; i++)
    {
      DemoRun *run = g_ptr_array_index (self->runs, i);

      demo_run_detach (run);
      demo_run_cancel (run);
    }

  if (self->pool != NULL)
    relay_pool_shutdown (self->pool);

  for (guint i = 0; i < self->runs->len; i++)
    {
      DemoRun *run = g_ptr_array_index (self->runs, i);

      if (run->thread != NULL)
        g_thread_join (g_steal_pointer (&run->thread));
    }
}

static void
demo_runner_finalize (GObject *object)
{
  DemoRunner *self = DEMO_RUNNER (object);

  g_queue_clear_full (&self->naive_queue, (GDestroyNotify) demo_run_unref);
  g_ptr_array_unref (self->runs);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (demo_runner_parent_class)->finalize (object);
}

static void
demo_runner_class_init (DemoRunnerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = demo_runner_finalize;
}

static void
demo_runner_init (DemoRunner *self)
{
  g_queue_init (&self->naive_queue);
  self->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) demo_run_unref);
}

/* The pool's workers run at RELAY_WORKER_PRIORITY_UTILITY, the default: nice
 * +10 below the UI thread, so a CPU-bound job never takes the main thread's
 * processor. Naive threads run at the main thread's priority, as plain
 * GThreads do. */
DemoRunner *
demo_runner_new (gboolean naive,
                 guint    max_running)
{
  DemoRunner *self = g_object_new (DEMO_TYPE_RUNNER, NULL);

  self->naive = naive;
  self->max_running = MAX (max_running, 1);
  if (!naive)
    self->pool = relay_pool_new (self->max_running);

  return self;
}

gboolean
demo_runner_is_naive (DemoRunner *self)
{
  return self->naive;
}

guint
demo_runner_get_max_running (DemoRunner *self)
{
  return self->max_running;
}

RelayPool *
demo_runner_get_pool (DemoRunner *self)
{
  return self->pool;
}

guint64
demo_runner_get_n_reports (DemoRunner *self)
{
  return (guint) g_atomic_int_get (&self->n_reports);
}

guint64
demo_runner_get_n_updates (DemoRunner *self)
{
  return self->n_updates;
}
