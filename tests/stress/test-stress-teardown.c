/* test-stress-teardown.c: contexts and pools torn down with work in flight
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Nothing may be lost silently and nothing may run where it must not. A
 * promise keeps its context alive, as a GTask does, so "the owner drops its
 * context" means: the context lives on while its promises do, nothing runs
 * there until some thread iterates it again, and then everything queued runs
 * exactly once; once the promises are gone, so is the context.
 *   - an owner that stops iterating and drops its context while other threads
 *     settle its promises: no handler runs until the context is iterated
 *     again (here by the test thread, after everyone finished), then every
 *     handler runs once, every handler's user data is released exactly once,
 *     every promise and the context are finalized;
 *   - a pool shut down (or unreffed) while jobs are queued and running, with
 *     cancels racing: every promise settles exactly once, jobs that never ran
 *     are rejected with G_IO_ERROR_CANCELLED, job data is released exactly once,
 *     never more than max-threads jobs run at once;
 *   - an owner that drops its context while its pool jobs still run: the
 *     late results wait for the context to be iterated, nothing leaks.
 */
#include <relay/relay.h>

#include "stress-common.h"
#include "../notifier-keep.h"

static int finalized;    /* atomic */

/* A source whose finalization says that its context was finalized. */
static void
sentinel_finalize (GSource *source)
{
  g_atomic_int_set (*(int **) (source + 1), TRUE);
}

/* Filled in once, here: the owner threads share it. */
static GSourceFuncs sentinel_funcs = { .finalize = sentinel_finalize };

static void
watch_context_finalized (GMainContext *context,
                         int          *finalized_flag)
{
  GSource *source;

  source = g_source_new (&sentinel_funcs, sizeof (GSource) + sizeof (int *));
  *(int **) (source + 1) = finalized_flag;
  g_source_attach (source, context);
  g_source_unref (source);
}

/* Iterates @context on this thread until nothing is ready, a few times over. */
static void
reap (GMainContext *context)
{
  g_main_context_push_thread_default (context);
  for (int i = 0; i < 5; i++)
    while (g_main_context_iteration (context, FALSE))
      ;
  g_main_context_pop_thread_default (context);
}

static void
count_finalized (gpointer  data,
                 GObject  *where_the_object_was)
{
  g_atomic_int_inc (&finalized);
}

/* ------------------------------------------------------------------------ */
/* A context freed while other threads settle its promises                  */
/* ------------------------------------------------------------------------ */

#define N_SETTLERS 4

typedef struct
{
  GThread       *owner_thread;
  GThread       *reaper_thread;     /* iterates the context after everyone finished */
  GMainContext  *context;           /* a reference for the reaper */
  int            context_finalized; /* atomic */
  int            reaped;            /* atomic: the reaper started */
  int            gone;              /* atomic: the owner stopped iterating */
  int            late_runs;         /* atomic: handlers run after gone */
  int            wrong_thread;      /* atomic */
  int            runs;              /* atomic */
  int            notifier_runs;     /* atomic */
  int            released;          /* atomic */
  guint          n_promises;
  RelayPromise **promises;          /* each settler holds one reference to each */
  pthread_barrier_t start;
  guint          n_iterations;      /* how long the owner iterates */
} Doomed;

typedef struct
{
  Doomed *doomed;
  int     index;
} DoomedRef;

static RelayPromise *
doomed_handler (RelayPromise *p,
                gpointer      user_data)
{
  DoomedRef *ref = user_data;
  Doomed *doomed = ref->doomed;

  if (g_atomic_int_get (&doomed->gone) && !g_atomic_int_get (&doomed->reaped))
    g_atomic_int_inc (&doomed->late_runs);
  if (g_thread_self () != (g_atomic_int_get (&doomed->reaped) ? doomed->reaper_thread
                                                             : doomed->owner_thread))
    g_atomic_int_inc (&doomed->wrong_thread);
  g_atomic_int_inc (&doomed->runs);
  return NULL;
}

static void
doomed_release (gpointer user_data)
{
  DoomedRef *ref = user_data;

  g_atomic_int_inc (&ref->doomed->released);
  g_free (ref);
}

static gboolean
doomed_notified (RelayNotifier *notifier,
                 guint          n_triggers,
                 gpointer       user_data)
{
  Doomed *doomed = user_data;

  if (g_atomic_int_get (&doomed->gone))
    g_atomic_int_inc (&doomed->late_runs);
  g_atomic_int_inc (&doomed->notifier_runs);

  return notifier_keep (notifier);
}

static gpointer
doomed_owner (gpointer data)
{
  Doomed *doomed = data;
  GMainContext *context = g_main_context_new ();
  RelayNotifier *notifier;

  doomed->context = g_main_context_ref (context);
  watch_context_finalized (context, &doomed->context_finalized);
  g_main_context_push_thread_default (context);

  for (guint i = 0; i < doomed->n_promises; i++)
    {
      RelayPromise *p = relay_promise_new ();
      DoomedRef *ref = g_new0 (DoomedRef, 1);

      ref->doomed = doomed;
      ref->index = i;
      g_object_weak_ref (G_OBJECT (p), count_finalized, NULL);
      /* The derived promise is dropped at once: the source keeps the handler. */
      g_object_unref (relay_promise_chain (p, doomed_handler, doomed_handler, ref, doomed_release));
      doomed->promises[i] = p;
      for (int s = 1; s < N_SETTLERS; s++)
        g_object_ref (p);
    }

  /* A notifier too, so that a context with both kinds of sources goes away. */
  notifier = relay_notifier_new (doomed_notified, doomed, NULL);
  notifier_set_keep (notifier, TRUE);
  relay_notifier_trigger (notifier);

  pthread_barrier_wait (&doomed->start);

  for (guint i = 0; i < doomed->n_iterations; i++)
    g_main_context_iteration (context, FALSE);

  g_atomic_int_set (&doomed->gone, TRUE);
  relay_notifier_destroy (notifier);
  g_object_unref (notifier);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);    /* the owner's last reference, with work queued */

  return NULL;
}

typedef struct
{
  Doomed *doomed;
  int     index;
} Settler;

static gpointer
doomed_settler (gpointer data)
{
  Settler *settler = data;
  Doomed *doomed = settler->doomed;

  pthread_barrier_wait (&doomed->start);

  for (guint i = settler->index; i < doomed->n_promises + settler->index; i++)
    {
      RelayPromise *p = doomed->promises[i % doomed->n_promises];

      if (i % 3 == 0)
        relay_promise_resolve_int64 (p, (int) i);
      else if (i % 3 == 1)
        relay_promise_reject_literal (p, G_IO_ERROR, G_IO_ERROR_FAILED, "late");
      else
        relay_promise_cancel (p);
      g_object_unref (p);
    }

  return NULL;
}

static void
test_context_freed_with_promises_in_flight (void)
{
  guint n_rounds = stress_count (3000, 10);
  guint64 total_runs = 0, total_handlers = 0;

  g_atomic_int_set (&finalized, 0);

  for (guint r = 0; r < n_rounds; r++)
    {
      Doomed doomed = { 0 };
      Settler settlers[N_SETTLERS];
      GThread *threads[N_SETTLERS];

      doomed.n_promises = 256;
      doomed.promises = g_new0 (RelayPromise *, doomed.n_promises);
      doomed.n_iterations = r % 7;
      pthread_barrier_init (&doomed.start, NULL, N_SETTLERS + 1);

      doomed.owner_thread = g_thread_new ("doomed-owner", doomed_owner, &doomed);
      for (int s = 0; s < N_SETTLERS; s++)
        {
          settlers[s].doomed = &doomed;
          settlers[s].index = s * 64;
          threads[s] = g_thread_new ("settler", doomed_settler, &settlers[s]);
        }

      g_thread_join (doomed.owner_thread);
      for (int s = 0; s < N_SETTLERS; s++)
        g_thread_join (threads[s]);

      /* Nothing ran after the owner stopped; the promises keep the context. */
      g_assert_cmpint (doomed.late_runs, ==, 0);
      g_assert_cmpint (doomed.wrong_thread, ==, 0);
      g_assert_false (g_atomic_int_get (&doomed.context_finalized));
      total_runs += doomed.runs;

      /* Whoever iterates it next runs the rest, once each. */
      doomed.reaper_thread = g_thread_self ();
      g_atomic_int_set (&doomed.reaped, TRUE);
      reap (doomed.context);
      g_clear_pointer (&doomed.context, g_main_context_unref);

      g_assert_cmpint (doomed.wrong_thread, ==, 0);
      g_assert_cmpint (doomed.released, ==, (int) doomed.n_promises);
      g_assert_cmpint (doomed.runs, ==, (int) doomed.n_promises);
      g_assert_cmpint (doomed.notifier_runs, <=, 1);
      g_assert_true (g_atomic_int_get (&doomed.context_finalized));
      total_handlers += doomed.n_promises;

      pthread_barrier_destroy (&doomed.start);
      g_free (doomed.promises);
    }

  g_assert_cmpint (g_atomic_int_get (&finalized), ==, (int) (n_rounds * 256));
  g_test_message ("%u contexts dropped by their owners with 256 promises each settled by %d "
                  "threads: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " handlers ran before "
                  "the owner stopped, the rest when the context was iterated again",
                  n_rounds, N_SETTLERS, total_runs, total_handlers);
}

/* ------------------------------------------------------------------------ */
/* A pool shut down with jobs queued and running, cancels racing            */
/* ------------------------------------------------------------------------ */

#define POOL_THREADS 4

typedef struct
{
  int running;        /* atomic: jobs running right now */
  int max_running;    /* atomic */
  int started;        /* atomic */
  int released;       /* atomic: job data released */
  int outcomes;       /* atomic */
  int wrong_thread;   /* atomic */
  GThread *main_thread;
} PoolRun;

typedef struct
{
  PoolRun *run;
  guint    index;
  int      started;         /* atomic */
  int      cancel_won;      /* atomic */
  int      outcome_runs;    /* atomic */
  int      outcome;         /* 0 value, 1 cancelled, 2 no result, 3 error, 4 other */
  int      released;        /* atomic */
} JobData;

static void
job_func (RelayJob *job,
          gpointer  user_data)
{
  JobData *data = user_data;
  PoolRun *run = data->run;
  int running = g_atomic_int_add (&run->running, 1) + 1;
  int max = g_atomic_int_get (&run->max_running);

  while (running > max && !g_atomic_int_compare_and_exchange (&run->max_running, max, running))
    max = g_atomic_int_get (&run->max_running);

  g_atomic_int_inc (&data->started);
  g_atomic_int_inc (&run->started);

  /* A little work, watching for cancellation. */
  for (guint spin = 0; spin < 20; spin++)
    {
      if (relay_job_return_error_if_cancelled (job))
        goto out;
      g_thread_yield ();
    }

  switch (data->index % 4)
    {
    case 0:
    case 1:
      relay_job_return_int64 (job, (int) data->index);
      break;
    case 2:
      relay_job_return_new_error (job, G_IO_ERROR, G_IO_ERROR_FAILED, "job %u failed", data->index);
      break;
    case 3:
      break;   /* returns nothing: RELAY_ERROR_NO_RESULT */
    }

out:
  g_atomic_int_add (&run->running, -1);
}

static void
job_release (gpointer user_data)
{
  JobData *data = user_data;

  g_atomic_int_inc (&data->released);
  g_atomic_int_inc (&data->run->released);
}

static void
job_value (const GValue *value,
           gpointer      user_data)
{
  JobData *data = user_data;

  if (g_thread_self () != data->run->main_thread)
    g_atomic_int_inc (&data->run->wrong_thread);
  data->outcome = value != NULL && G_VALUE_HOLDS_INT64 (value) &&
                  g_value_get_int64 (value) == (int) data->index ? 0 : 4;
  g_atomic_int_inc (&data->outcome_runs);
  g_atomic_int_inc (&data->run->outcomes);
}

static void
job_error (const GError *error,
           gpointer      user_data)
{
  JobData *data = user_data;

  if (g_thread_self () != data->run->main_thread)
    g_atomic_int_inc (&data->run->wrong_thread);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    data->outcome = 1;
  else if (g_error_matches (error, RELAY_ERROR, RELAY_ERROR_NO_RESULT))
    data->outcome = 2;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED))
    data->outcome = 3;
  else
    data->outcome = 4;
  g_atomic_int_inc (&data->outcome_runs);
  g_atomic_int_inc (&data->run->outcomes);
}

typedef struct
{
  RelayPool     *pool;          /* the stopper's reference (transfer) */
  RelayPromise **promises;
  JobData       *jobs;
  guint          n_jobs;
  guint          delay;
  gboolean       unref;         /* drop the last reference instead of shutdown */
} Stopper;

static gpointer
stopper_thread (gpointer data)
{
  Stopper *stopper = data;

  /* Cancel every fifth job, racing the workers. */
  for (guint i = 0; i < stopper->n_jobs; i += 5)
    if (relay_promise_cancel (stopper->promises[i]))
      g_atomic_int_set (&stopper->jobs[i].cancel_won, TRUE);

  g_usleep (stopper->delay);

  if (stopper->unref)
    {
      g_clear_object (&stopper->pool);    /* dispose shuts down */
    }
  else
    {
      relay_pool_shutdown (stopper->pool);
      g_assert_true (relay_pool_is_shut_down (stopper->pool));
      g_clear_object (&stopper->pool);
    }

  return NULL;
}

static void
test_pool_shutdown_with_jobs_in_flight (void)
{
  GMainContext *context = g_main_context_new ();
  guint n_rounds = stress_count (200, 4);
  guint n_jobs = stress_count (2000, 100);
  guint totals[5] = { 0 };
  int max_running = 0;

  g_main_context_push_thread_default (context);

  for (guint r = 0; r < n_rounds; r++)
    {
      PoolRun run = { 0 };
      Stopper stopper = { 0 };
      GThread *thread;
      RelayPromise **promises = g_new0 (RelayPromise *, n_jobs);
      JobData *jobs = g_new0 (JobData, n_jobs);
      RelayPool *pool = relay_pool_new (POOL_THREADS);

      run.main_thread = g_thread_self ();

      for (guint i = 0; i < n_jobs; i++)
        {
          jobs[i].run = &run;
          jobs[i].index = i;
          promises[i] = relay_pool_run (pool, NULL, job_func, &jobs[i], job_release);
          relay_promise_then_values (promises[i], job_value, &jobs[i], NULL,
                                     job_error, &jobs[i], NULL);
        }

      stopper.pool = pool;
      stopper.promises = promises;
      stopper.jobs = jobs;
      stopper.n_jobs = n_jobs;
      stopper.delay = (r * 997) % 20000;
      stopper.unref = r % 2 == 1;
      thread = g_thread_new ("stopper", stopper_thread, &stopper);

      /* Iterate while the pool stops under us, until every outcome arrived. */
      while (g_atomic_int_get (&run.outcomes) < (int) n_jobs)
        g_main_context_iteration (context, TRUE);
      g_thread_join (thread);

      g_assert_cmpint (run.wrong_thread, ==, 0);
      g_assert_cmpint (run.released, ==, (int) n_jobs);
      g_assert_cmpint (run.max_running, <=, POOL_THREADS);
      max_running = MAX (max_running, run.max_running);

      for (guint i = 0; i < n_jobs; i++)
        {
          JobData *job = &jobs[i];

          g_assert_cmpint (job->outcome_runs, ==, 1);
          g_assert_cmpint (job->released, ==, 1);
          g_assert_cmpint (job->started, <=, 1);
          g_assert_cmpint (job->outcome, !=, 4);

          if (job->cancel_won || !job->started)
            {
              /* Cancelled, or dropped by the shutdown before it started. */
              g_assert_cmpint (job->outcome, ==, 1);
            }
          else
            {
              static const int expected[4] = { 0, 0, 3, 2 };

              /* Ran to the end without a cancel (a cancel always wins above),
               * unless the job saw the cancel of the shutdown: never, since
               * shutdown does not cancel running jobs. */
              g_assert_cmpint (job->outcome, ==, expected[i % 4]);
            }
          totals[job->outcome]++;
          g_object_unref (promises[i]);
        }

      g_free (promises);
      g_free (jobs);
    }

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  g_test_message ("%u pools x %u jobs, shutdown/unref racing cancels: %u values, "
                  "%u cancelled, %u no-result, %u errors; at most %d running at once",
                  n_rounds, n_jobs, totals[0], totals[1], totals[2], totals[3], max_running);
}

/* ------------------------------------------------------------------------ */
/* A context freed while its pool jobs still run                            */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayPool *pool;
  GThread   *owner_thread;
  GMainContext *context;   /* a reference for the test thread */
  int        context_finalized;   /* atomic */
  int        gone;         /* atomic */
  int        late_runs;    /* atomic */
  int        handlers;     /* atomic: handler data released */
  int        job_data;     /* atomic: job data released */
  int        release;      /* atomic: jobs may finish */
  guint      n_jobs;
} Orphans;

static void
orphan_job (RelayJob *job,
            gpointer  user_data)
{
  Orphans *orphans = user_data;

  while (!g_atomic_int_get (&orphans->release))
    g_thread_yield ();
  relay_job_return_int64 (job, 1);
}

static void
orphan_job_release (gpointer user_data)
{
  Orphans *orphans = user_data;

  g_atomic_int_inc (&orphans->job_data);
}

static RelayPromise *
orphan_handler (RelayPromise *p,
                gpointer      user_data)
{
  Orphans *orphans = user_data;

  if (g_thread_self () != orphans->owner_thread)
    g_atomic_int_inc (&orphans->late_runs);
  return NULL;
}

static void
orphan_handler_release (gpointer user_data)
{
  Orphans *orphans = user_data;

  g_atomic_int_inc (&orphans->handlers);
}

static gpointer
orphan_owner (gpointer data)
{
  Orphans *orphans = data;
  GMainContext *context = g_main_context_new ();

  orphans->context = g_main_context_ref (context);
  watch_context_finalized (context, &orphans->context_finalized);
  g_main_context_push_thread_default (context);

  for (guint i = 0; i < orphans->n_jobs; i++)
    {
      g_autoptr(RelayPromise) job = relay_pool_run (orphans->pool, NULL, orphan_job, orphans,
                                                    orphan_job_release);
      g_autoptr(RelayPromise) shown = relay_promise_then (job, orphan_handler, orphans,
                                                          orphan_handler_release);

      g_object_weak_ref (G_OBJECT (job), count_finalized, NULL);
      g_object_weak_ref (G_OBJECT (shown), count_finalized, NULL);
    }

  g_main_context_iteration (context, FALSE);
  g_atomic_int_set (&orphans->gone, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  /* The jobs finish after their context is gone. */
  g_atomic_int_set (&orphans->release, TRUE);
  return NULL;
}

static void
test_context_freed_with_jobs_in_flight (void)
{
  guint n_rounds = stress_count (1000, 5);

  g_atomic_int_set (&finalized, 0);

  for (guint r = 0; r < n_rounds; r++)
    {
      Orphans orphans = { 0 };

      orphans.pool = relay_pool_new (2);
      orphans.n_jobs = 64;
      orphans.owner_thread = g_thread_new ("orphan-owner", orphan_owner, &orphans);
      g_thread_join (orphans.owner_thread);

      /* Waits for the running jobs; the queued ones are rejected. */
      g_clear_object (&orphans.pool);
      g_assert_cmpint (orphans.late_runs, ==, 0);
      g_assert_cmpint (orphans.job_data, ==, (int) orphans.n_jobs);
      g_assert_false (g_atomic_int_get (&orphans.context_finalized));

      /* The test thread takes the context over: the results are delivered. */
      orphans.owner_thread = g_thread_self ();
      reap (orphans.context);
      g_clear_pointer (&orphans.context, g_main_context_unref);
      g_assert_cmpint (orphans.late_runs, ==, 0);
      g_assert_cmpint (orphans.handlers, ==, (int) orphans.n_jobs);
      g_assert_true (g_atomic_int_get (&orphans.context_finalized));
    }

  g_assert_cmpint (g_atomic_int_get (&finalized), ==, (int) (n_rounds * 64 * 2));
  g_test_message ("%u contexts dropped by their owners with 64 pool jobs each in flight: "
                  "results delivered when iterated again, all data released, all promises "
                  "and contexts finalized", n_rounds);
}

/* ------------------------------------------------------------------------ */
/* 3 contexts dropped by their owners while 8 threads trigger notifiers,    */
/* settle and cancel promises, add timeouts and report progress             */
/* ------------------------------------------------------------------------ */

#define N_SCENE_OWNERS  3
#define N_SCENE_WORKERS 8
#define N_SCENE_ITEMS   64

typedef struct _SceneOwner SceneOwner;

typedef struct
{
  SceneOwner   *owner;
  RelayPromise *promise;        /* one reference per worker, dropped when done */
  int           runs;           /* atomic */
  int           released;       /* atomic */
  int           misplaced;      /* atomic: ran on a thread that does not own the context */
} SceneItem;

struct _SceneOwner
{
  GThread        *thread;
  GMainContext   *context;       /* a reference for the reaper */
  RelayNotifier  *notifier;      /* one reference per worker, dropped when done */
  GThread        *reaper;        /* atomic: set once the test thread reaps */
  int             stopped;       /* atomic: the owner stopped iterating */
  int             destroyed;     /* atomic: its notifier was destroyed */
  int             late_notifies; /* atomic: callbacks after destroy returned */
  int             notifier_released;
  int             context_finalized;
  int             progress_misplaced;
  guint           n_iterations;
  SceneItem       items[N_SCENE_ITEMS];
  pthread_barrier_t *start;
};

static int scene_finalized;     /* atomic: scene promises finalized */

static gboolean
on_scene_thread (SceneOwner *owner)
{
  GThread *reaper = g_atomic_pointer_get (&owner->reaper);

  return g_thread_self () == (reaper != NULL ? reaper : owner->thread);
}

static RelayPromise *
scene_handler (RelayPromise *promise,
               gpointer      data)
{
  SceneItem *item = data;

  if (!on_scene_thread (item->owner))
    g_atomic_int_inc (&item->misplaced);
  g_atomic_int_inc (&item->runs);
  return NULL;
}

static void
scene_release (gpointer data)
{
  SceneItem *item = data;

  g_atomic_int_inc (&item->released);
}

static void
scene_progress (GObject    *object,
                GParamSpec *pspec,
                gpointer    data)
{
  SceneOwner *owner = data;

  if (!on_scene_thread (owner))
    g_atomic_int_inc (&owner->progress_misplaced);
}

static gboolean
scene_notified (RelayNotifier *notifier,
                guint          n_triggers,
                gpointer       data)
{
  SceneOwner *owner = data;

  if (g_atomic_int_get (&owner->destroyed) || g_thread_self () != owner->thread)
    g_atomic_int_inc (&owner->late_notifies);

  return notifier_keep (notifier);
}

static void
scene_notifier_released (gpointer data)
{
  SceneOwner *owner = data;

  owner->notifier_released++;
}

static void
scene_promise_finalized (gpointer  data,
                         GObject  *where_the_object_was)
{
  g_atomic_int_inc (&scene_finalized);
}

static RelayPromise *
scene_ignore (RelayPromise *promise,
              gpointer      data)
{
  return NULL;
}

static gpointer
scene_owner_thread (gpointer data)
{
  SceneOwner *owner = data;
  GMainContext *context = g_main_context_new ();

  owner->context = g_main_context_ref (context);
  watch_context_finalized (context, &owner->context_finalized);
  g_main_context_push_thread_default (context);

  owner->notifier = relay_notifier_new (scene_notified, owner, scene_notifier_released);
  notifier_set_keep (owner->notifier, TRUE);
  for (int w = 0; w < N_SCENE_WORKERS; w++)
    g_object_ref (owner->notifier);        /* the workers'; the owner keeps its own */

  for (guint i = 0; i < N_SCENE_ITEMS; i++)
    {
      SceneItem *item = &owner->items[i];

      item->owner = owner;
      item->promise = relay_promise_new ();
      g_object_weak_ref (G_OBJECT (item->promise), scene_promise_finalized, NULL);
      g_signal_connect (item->promise, "notify::progress", G_CALLBACK (scene_progress), owner);
      g_object_unref (relay_promise_chain (item->promise, scene_handler, scene_handler, item,
                                           scene_release));
      for (int w = 1; w < N_SCENE_WORKERS; w++)
        g_object_ref (item->promise);
    }

  pthread_barrier_wait (owner->start);

  for (guint n = 0; n < owner->n_iterations; n++)
    g_main_context_iteration (context, FALSE);

  /* Stop with everything in flight: the notifier goes, the context is
   * dropped; the promises keep it for whoever iterates it next. */
  relay_notifier_destroy (owner->notifier);
  g_atomic_int_set (&owner->destroyed, TRUE);
  g_object_unref (owner->notifier);
  g_atomic_int_set (&owner->stopped, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

typedef struct
{
  SceneOwner        *owners;
  int                index;
  pthread_barrier_t *start;
} SceneWorker;

static gpointer
scene_worker_thread (gpointer data)
{
  SceneWorker *worker = data;

  pthread_barrier_wait (worker->start);

  for (guint i = 0; i < N_SCENE_ITEMS; i++)
    for (int o = 0; o < N_SCENE_OWNERS; o++)
      {
        SceneOwner *owner = &worker->owners[o];
        RelayPromise *promise = owner->items[i].promise, *timed;
        guint k = i + (guint) worker->index;

        relay_notifier_trigger (owner->notifier);
        relay_promise_report_progress (promise, (double) worker->index / N_SCENE_WORKERS, NULL);
        timed = relay_promise_timeout (promise, k % 4 == 0 ? 0 : 60000);
        g_object_unref (relay_promise_catch (timed, scene_ignore, NULL, NULL));
        g_object_unref (timed);
        relay_promise_report_progress (promise, 1.0, "done");

        /* One worker per item settles it one way or another; two more race it. */
        if (k % N_SCENE_WORKERS == 0)
          {
            switch (i % 3)
              {
              case 0: relay_promise_resolve_int64 (promise, (int) i); break;
              case 1: relay_promise_reject_literal (promise, G_IO_ERROR, G_IO_ERROR_FAILED, "late"); break;
              default: relay_promise_cancel (promise); break;
              }
          }
        else if (k % N_SCENE_WORKERS < 3)
          {
            relay_promise_resolve_int64 (promise, -1);
          }
        g_object_unref (promise);
      }

  for (int o = 0; o < N_SCENE_OWNERS; o++)
    g_object_unref (worker->owners[o].notifier);

  return NULL;
}

/* A worker that adds a timeout and then its catch handler to a promise
 * another worker just rejected races the owner's dispatch of the timeout's
 * rejection, which may then be reported as unhandled: expected here, and
 * any other warning fails the test. */
static void
scene_log (const char     *log_domain,
           GLogLevelFlags  log_level,
           const char     *message,
           gpointer        data)
{
  if (!g_str_has_prefix (message, "Unhandled promise rejection: "))
    g_error ("unexpected message: %s", message);
}

static void
test_contexts_dropped_with_everything_in_flight (void)
{
  guint n_rounds = stress_count (200, 4);

  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_handler ("Relay", G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL, scene_log, NULL);

  for (guint r = 0; r < n_rounds; r++)
    {
      SceneOwner *owners = g_new0 (SceneOwner, N_SCENE_OWNERS);
      SceneWorker workers[N_SCENE_WORKERS];
      GThread *threads[N_SCENE_WORKERS];
      pthread_barrier_t start;

      g_atomic_int_set (&scene_finalized, 0);
      pthread_barrier_init (&start, NULL, N_SCENE_OWNERS + N_SCENE_WORKERS);

      /* The owners create everything before the workers may look at it. */
      for (int o = 0; o < N_SCENE_OWNERS; o++)
        {
          owners[o].start = &start;
          owners[o].n_iterations = (r * 7 + (guint) o * 3) % 11;
          owners[o].thread = g_thread_new ("scene-owner", scene_owner_thread, &owners[o]);
        }
      for (int w = 0; w < N_SCENE_WORKERS; w++)
        {
          workers[w].owners = owners;
          workers[w].index = w;
          workers[w].start = &start;
          threads[w] = g_thread_new ("scene-worker", scene_worker_thread, &workers[w]);
        }

      for (int o = 0; o < N_SCENE_OWNERS; o++)
        g_thread_join (owners[o].thread);
      for (int w = 0; w < N_SCENE_WORKERS; w++)
        g_thread_join (threads[w]);
      pthread_barrier_destroy (&start);

      /* Everything is settled and every reference but the queued work's is
       * gone: the contexts live on for it. Reap them on this thread until
       * every promise is finalized (no time limit: a leak hangs and fails by
       * the meson timeout), then each context goes. */
      for (int o = 0; o < N_SCENE_OWNERS; o++)
        {
          g_assert_false (g_atomic_int_get (&owners[o].context_finalized));
          g_atomic_pointer_set (&owners[o].reaper, g_thread_self ());
        }
      while (g_atomic_int_get (&scene_finalized) < N_SCENE_OWNERS * N_SCENE_ITEMS)
        for (int o = 0; o < N_SCENE_OWNERS; o++)
          {
            g_main_context_push_thread_default (owners[o].context);
            g_main_context_iteration (owners[o].context, FALSE);
            g_main_context_pop_thread_default (owners[o].context);
            g_thread_yield ();
          }

      for (int o = 0; o < N_SCENE_OWNERS; o++)
        {
          SceneOwner *owner = &owners[o];

          /* What is still queued there (timers to destroy, derived promises
           * to dispatch) goes too. */
          reap (owner->context);
          g_clear_pointer (&owner->context, g_main_context_unref);
          g_assert_true (g_atomic_int_get (&owner->context_finalized));
          g_assert_cmpint (owner->late_notifies, ==, 0);
          g_assert_cmpint (owner->notifier_released, ==, 1);
          g_assert_cmpint (owner->progress_misplaced, ==, 0);
          for (guint i = 0; i < N_SCENE_ITEMS; i++)
            {
              SceneItem *item = &owner->items[i];

              g_assert_cmpint (item->misplaced, ==, 0);
              g_assert_cmpint (item->runs, ==, 1);
              g_assert_cmpint (item->released, ==, 1);
            }
        }
      g_free (owners);
    }

  g_test_message ("%u rounds: %d contexts dropped by their owners while %d threads triggered "
                  "notifiers, settled and cancelled %d promises each, added timeouts and "
                  "reported progress; all delivered on the right thread, all released, all "
                  "finalized", n_rounds, N_SCENE_OWNERS, N_SCENE_WORKERS, N_SCENE_ITEMS);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/teardown/context-freed-with-promises-in-flight",
                   test_context_freed_with_promises_in_flight);
  g_test_add_func ("/stress/teardown/pool-shutdown-with-jobs-in-flight",
                   test_pool_shutdown_with_jobs_in_flight);
  g_test_add_func ("/stress/teardown/context-freed-with-jobs-in-flight",
                   test_context_freed_with_jobs_in_flight);
  g_test_add_func ("/stress/teardown/contexts-dropped-with-everything-in-flight",
                   test_contexts_dropped_with_everything_in_flight);

  return g_test_run ();
}
