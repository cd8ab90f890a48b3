/* test-pool.c: RelayPool and RelayJob — work on threads, results on the owner
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <relay/relay.h>

#include "test-utils.h"

static GThread *main_thread;

/* --- a job in a worker thread, its result on the main thread ------------- */

typedef struct
{
  GString   *log;
  int        value;
  GThread   *handler_thread;
  GThread   *job_thread;
  gboolean   fail;
  TestEvent  ticked;        /* the delay's handler ran on the loop */
} Work;

static void
add_job (RelayJob *job,
         gpointer  data)
{
  Work *work = data;

  work->job_thread = g_thread_self ();
  /* (sleep 3): the job works until the loop, which it must not block, has
   * shown that it still runs; on the loop's own thread it could not. */
  if (work->job_thread != main_thread)
    test_event_wait (&work->ticked, "the loop never ran the delay's handler while the job worked");
  if (work->fail)
    relay_job_return_new_error (job, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot add");
  else
    relay_job_return_int64 (job, 4 + 5);
}

static RelayPromise *
still_running (RelayPromise *promise,
               gpointer      data)
{
  Work *work = data;

  g_string_append (work->log, "event loop still running...\n");
  test_event_set (&work->ticked);
  return NULL;
}

static RelayPromise *
got_val (RelayPromise *promise,
         gpointer      data)
{
  Work *work = data;

  work->value = relay_promise_get_int64 (promise);
  work->handler_thread = g_thread_self ();
  g_string_append_printf (work->log, "got val: %d\n", work->value);
  return NULL;
}

static RelayPromise *
got_err (RelayPromise *promise,
         gpointer      data)
{
  Work *work = data;

  work->handler_thread = g_thread_self ();
  g_string_append_printf (work->log, "err: %s\n", relay_promise_get_error (promise)->message);
  return NULL;
}

static void
run_work_example (gboolean fail)
{
  Work work = { 0 };
  g_autoptr(RelayPromise) delay = relay_promise_new_delay (50);
  g_autoptr(RelayPromise) ticked = relay_promise_then (delay, still_running, &work, NULL);
  g_autoptr(RelayPromise) job = NULL, shown = NULL, caught = NULL;

  work.log = g_string_new (NULL);
  work.fail = fail;
  test_event_init (&work.ticked);
  job = relay_run_in_thread (NULL, add_job, &work, NULL);
  shown = relay_promise_then (job, got_val, &work, NULL);
  caught = relay_promise_catch (shown, got_err, &work, NULL);

  wait_settled (caught);

  /* the delay fired on the loop while the job was still working */
  g_assert_cmpint (relay_promise_get_state (ticked), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_true (work.handler_thread == main_thread);
  g_assert_true (work.job_thread != main_thread);
  if (fail)
    g_assert_cmpstr (work.log->str, ==, "event loop still running...\nerr: cannot add\n");
  else
    g_assert_cmpstr (work.log->str, ==, "event loop still running...\ngot val: 9\n");
  g_string_free (work.log, TRUE);
  test_event_clear (&work.ticked);
}

static void
test_work_example (void)
{
  run_work_example (FALSE);
}

static void
test_work_example_error (void)
{
  run_work_example (TRUE);
}

/* --- multiple values -------------------------------------------------------- */

static void
three_values (RelayJob *job,
              gpointer  data)
{
  GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };

  g_value_init (&values[0], G_TYPE_INT);
  g_value_set_int (&values[0], 1);
  g_value_init (&values[1], G_TYPE_STRING);
  g_value_set_string (&values[1], "two");
  g_value_init (&values[2], G_TYPE_BOOLEAN);
  g_value_set_boolean (&values[2], TRUE);
  relay_job_return_values (job, values, 3);
  for (int i = 0; i < 3; i++)
    g_value_unset (&values[i]);
}

static void
test_multiple_values (void)
{
  g_autoptr(RelayPromise) p = relay_run_in_thread (NULL, three_values, NULL, NULL);

  wait_settled (p);
  g_assert_cmpuint (relay_promise_get_n_values (p), ==, 3);
  g_assert_cmpint (g_value_get_int (relay_promise_get_value (p, 0)), ==, 1);
  g_assert_cmpstr (g_value_get_string (relay_promise_get_value (p, 1)), ==, "two");
  g_assert_true (g_value_get_boolean (relay_promise_get_value (p, 2)));
}

/* --- 10,000 jobs on 4 threads ------------------------------------------------ */

#define N_JOBS 10000

typedef struct
{
  GMutex      lock;
  GHashTable *threads;        /* worker threads seen */
  int         running;        /* atomic */
  int         max_running;    /* atomic */
  int         handled;        /* main thread */
  gboolean    wrong_thread;
} Many;

static void
many_job (RelayJob *job,
          gpointer  data)
{
  Many *many = data;
  int running = g_atomic_int_add (&many->running, 1) + 1;
  int max;

  while ((max = g_atomic_int_get (&many->max_running)) < running &&
         !g_atomic_int_compare_and_exchange (&many->max_running, max, running))
    ;

  g_mutex_lock (&many->lock);
  g_hash_table_add (many->threads, g_thread_self ());
  g_mutex_unlock (&many->lock);

  relay_job_return_int64 (job, 1);
  g_atomic_int_add (&many->running, -1);
}

static RelayPromise *
many_handler (RelayPromise *promise,
              gpointer      data)
{
  Many *many = data;

  if (g_thread_self () != main_thread)
    many->wrong_thread = TRUE;
  many->handled += relay_promise_get_int64 (promise);
  return NULL;
}

static void
test_many_jobs (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (4);
  GPtrArray *promises = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(RelayPromise) all = NULL;
  Many many = { 0 };

  g_mutex_init (&many.lock);
  many.threads = g_hash_table_new (NULL, NULL);
  g_assert_cmpuint (relay_pool_get_max_threads (pool), ==, 4);

  for (int i = 0; i < N_JOBS; i++)
    {
      RelayPromise *job = relay_pool_run (pool, NULL, many_job, &many, NULL);
      g_ptr_array_add (promises, relay_promise_then (job, many_handler, &many, NULL));
      g_object_unref (job);
    }

  all = relay_promise_all ((RelayPromise **) promises->pdata, promises->len);
  wait_settled (all);

  g_assert_cmpint (relay_promise_get_state (all), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpint (many.handled, ==, N_JOBS);
  g_assert_false (many.wrong_thread);
  g_assert_cmpuint (g_hash_table_size (many.threads), <=, 4);
  g_assert_cmpuint (g_hash_table_size (many.threads), >=, 1);
  g_assert_cmpint (many.max_running, <=, 4);
  g_test_message ("%u distinct worker threads, at most %d jobs at once",
                  g_hash_table_size (many.threads), many.max_running);

  /* A job still touches @many after it returned its value: wait for the
   * workers before @many goes. */
  g_clear_object (&pool);
  g_hash_table_unref (many.threads);
  g_mutex_clear (&many.lock);
  g_ptr_array_unref (promises);
}

/* --- jobs really run side by side ------------------------------------------ */

#define N_PARALLEL 4

/* N_PARALLEL jobs meet at a barrier: it only opens if the pool runs all of
 * them at once, which it must, because it may (the bound is N_PARALLEL). A
 * job that sees nobody arrive for the watchdog's stall interval gives up, and
 * so do the others then: the pool did not run them side by side. */
typedef struct
{
  int arrived;                /* atomic, over all rounds */
  int gave_up;                /* atomic */
} Barrier;

static void
barrier_job (RelayJob *job,
             gpointer  data)
{
  Barrier *barrier = data;
  int me = g_atomic_int_add (&barrier->arrived, 1);
  int everyone = (me / N_PARALLEL + 1) * N_PARALLEL;
  int seen = me + 1;
  gboolean met;
  Stall stall;

  stall_init (&stall);
  while (!(met = g_atomic_int_get (&barrier->arrived) >= everyone) &&
         !g_atomic_int_get (&barrier->gave_up))
    {
      int now = g_atomic_int_get (&barrier->arrived);

      if (now != seen)
        {
          seen = now;
          stall_progress (&stall);
        }
      else if (stall_expired (&stall))
        g_atomic_int_set (&barrier->gave_up, TRUE);
      g_usleep (100);
    }

  relay_job_return_int64 (job, met);
}

static void
run_barrier_round (RelayPool *pool,
                   Barrier   *barrier)
{
  RelayPromise *jobs[N_PARALLEL];
  g_autoptr(RelayPromise) all = NULL;

  for (guint i = 0; i < N_PARALLEL; i++)
    jobs[i] = relay_pool_run (pool, NULL, barrier_job, barrier, NULL);
  all = relay_promise_all (jobs, N_PARALLEL);
  wait_settled (all);

  for (guint i = 0; i < N_PARALLEL; i++)
    {
      g_assert_cmpint (relay_promise_get_int64 (jobs[i]), ==, TRUE);
      g_object_unref (jobs[i]);
    }
}

static void
test_parallel (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (N_PARALLEL);
  Barrier barrier = { 0 };

  /* The threads start on demand; */
  run_barrier_round (pool, &barrier);
  /* right after a round one worker is still looking for work, the others
   * sleep: the one that finds a job must wake the rest; */
  run_barrier_round (pool, &barrier);
  /* and after a pause, every worker sleeps. */
  g_usleep (G_USEC_PER_SEC / 10);
  run_barrier_round (pool, &barrier);
  g_assert_cmpint (barrier.arrived, ==, 3 * N_PARALLEL);
}

/* --- submission order -------------------------------------------------------- */

#define N_ORDERED 200

typedef struct
{
  guint order[N_ORDERED];
  guint n;                    /* the pool's only worker */
} Ordered;

typedef struct
{
  Ordered *ordered;
  guint    index;
} OrderedJob;

static void
ordered_job (RelayJob *job,
             gpointer  data)
{
  OrderedJob *item = data;

  item->ordered->order[item->ordered->n++] = item->index;
  relay_job_return_int64 (job, 0);
}

static void
test_fifo (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (1);
  g_autoptr(GPtrArray) promises = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(RelayPromise) all = NULL;
  Ordered ordered = { 0 };

  for (guint i = 0; i < N_ORDERED; i++)
    {
      OrderedJob *item = g_new (OrderedJob, 1);

      item->ordered = &ordered;
      item->index = i;
      g_ptr_array_add (promises, relay_pool_run (pool, NULL, ordered_job, item, g_free));
    }
  all = relay_promise_all ((RelayPromise **) promises->pdata, promises->len);
  wait_settled (all);

  g_assert_cmpuint (ordered.n, ==, N_ORDERED);
  for (guint i = 0; i < N_ORDERED; i++)
    g_assert_cmpuint (ordered.order[i], ==, i);
}

/* --- many threads submitting at once ----------------------------------------- */

#define N_SUBMITTERS 8
#define N_PER_SUBMITTER 2000

typedef struct
{
  RelayPool *pool;
  int        runs[N_SUBMITTERS * N_PER_SUBMITTER];   /* atomic */
} Submitted;

typedef struct
{
  Submitted *submitted;
  guint      first;
} Submitter;

static void
counted_job (RelayJob *job,
             gpointer  data)
{
  int *runs = data;

  g_atomic_int_inc (runs);
  relay_job_return_int64 (job, 7);
}

static gpointer
submitter_thread (gpointer data)
{
  Submitter *submitter = data;
  Submitted *submitted = submitter->submitted;
  GPtrArray *promises = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < N_PER_SUBMITTER; i++)
    g_ptr_array_add (promises, relay_pool_run (submitted->pool, NULL, counted_job,
                                               &submitted->runs[submitter->first + i], NULL));

  /* No main loop here: the promises settle on the workers all the same. */
  for (guint i = 0; i < promises->len; i++)
    {
      while (relay_promise_is_pending (promises->pdata[i]))
        g_usleep (100);
      g_assert_cmpint (relay_promise_get_int64 (promises->pdata[i]), ==, 7);
    }
  g_ptr_array_unref (promises);

  return NULL;
}

static void
test_concurrent_submitters (void)
{
  Submitted *submitted = g_new0 (Submitted, 1);
  Submitter submitters[N_SUBMITTERS];
  GThread *threads[N_SUBMITTERS];

  submitted->pool = relay_pool_new (3);
  for (guint t = 0; t < N_SUBMITTERS; t++)
    {
      submitters[t].submitted = submitted;
      submitters[t].first = t * N_PER_SUBMITTER;
      threads[t] = g_thread_new ("submitter", submitter_thread, &submitters[t]);
    }
  for (guint t = 0; t < N_SUBMITTERS; t++)
    g_thread_join (threads[t]);

  /* Every job ran exactly once. */
  for (guint i = 0; i < G_N_ELEMENTS (submitted->runs); i++)
    g_assert_cmpint (g_atomic_int_get (&submitted->runs[i]), ==, 1);
  g_assert_cmpuint (relay_pool_get_n_queued (submitted->pool), ==, 0);

  g_object_unref (submitted->pool);
  g_free (submitted);
}

/* --- a job drops the pool's last reference ----------------------------------- */

/* Threads of this process whose name is "relay-worker". */
static guint
count_relay_workers (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", tid, "comm", NULL);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_has_prefix (comm, "relay-worker"))
        n++;
    }
  return n;
}

typedef struct
{
  RelayPool *pool;            /* the job's reference: the last one once... */
  TestEvent  dropped;         /* ...the test thread dropped its own */
} LastRef;

static void
holds_pool_job (RelayJob *job,
                gpointer  data)
{
  LastRef *last_ref = data;

  g_assert_true (RELAY_IS_POOL (last_ref->pool));
  /* By then the next job is queued, and this job's data holds the only
   * reference to the pool. */
  test_event_wait (&last_ref->dropped, "the test thread never dropped its reference to the pool");
  relay_job_return_int64 (job, 5);
}

static void
last_ref_free (gpointer data)
{
  LastRef *last_ref = data;

  g_object_unref (last_ref->pool);    /* shuts the pool down, from its worker */
}

static void
plain_job (RelayJob *job,
           gpointer  data)
{
  relay_job_return_int64 (job, 6);
}

static void
test_last_ref_in_job (void)
{
  guint n_before = count_relay_workers ();
  RelayPool *pool = relay_pool_new (1);
  g_autoptr(RelayPromise) holder = NULL;
  g_autoptr(RelayPromise) queued = NULL;
  LastRef last_ref = { 0 };
  guint n_workers, last_seen;
  Stall stall;

  /* The job's data is the only reference left: it is dropped on the worker,
   * when the job is done. That shuts the pool down from its own thread,
   * which cannot wait for itself; no critical, nothing leaked. */
  last_ref.pool = g_object_ref (pool);
  test_event_init (&last_ref.dropped);
  holder = relay_pool_run (pool, NULL, holds_pool_job, &last_ref, last_ref_free);
  queued = relay_pool_run (pool, NULL, plain_job, NULL, NULL);
  g_object_unref (pool);
  test_event_set (&last_ref.dropped);

  wait_settled (holder);
  wait_settled (queued);
  g_assert_cmpint (relay_promise_get_int64 (holder), ==, 5);
  g_assert_cmpint (relay_promise_get_state (queued), ==, RELAY_PROMISE_STATE_REJECTED);
  g_assert_error (relay_promise_get_error (queued), G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* The worker exits on its own (and no longer touches @last_ref then). */
  stall_init (&stall);
  last_seen = G_MAXUINT;
  while ((n_workers = count_relay_workers ()) > n_before)
    {
      if (n_workers != last_seen)
        {
          last_seen = n_workers;
          stall_progress (&stall);
        }
      stall_check (&stall, "the worker of a pool shut down from its own job never exited");
      g_usleep (1000);
    }
  test_event_clear (&last_ref.dropped);
}

/* --- progress --------------------------------------------------------------- */

#define N_REPORTS 1000000

static void
progress_job (RelayJob *job,
              gpointer  data)
{
  for (int i = 1; i <= N_REPORTS; i++)
    relay_job_set_progress (job, (double) i / N_REPORTS, NULL);
  relay_job_return_boolean (job, TRUE);
}

static void
test_progress (void)
{
  ProgressSeen progress;
  g_autoptr(RelayPromise) p = relay_run_in_thread (NULL, progress_job, NULL, NULL);
  int handled = FALSE;

  progress_seen_watch (&progress, p);
  /* Iterate blocking, like a real main loop, until a handler ran: the latest
   * progress is delivered before any handler runs. (Waiting for the state
   * alone could stop before the settling worker posted that delivery.) */
  relay_promise_then_values (p, mark_value_seen, &handled, NULL, mark_error_seen, &handled, NULL);
  while (!handled)
    g_main_context_iteration (NULL, TRUE);
  drain (NULL);

  g_assert_false (progress.wrong_thread);
  g_assert_true (progress.monotonic);
  g_assert_cmpfloat (progress.last, ==, 1.0);
  g_assert_cmpfloat (relay_promise_get_progress (p), ==, 1.0);
  g_assert_cmpint (progress.notified, >=, 1);
  /* far fewer wake-ups than reports; the ≤ 1 % target is measured by the bench suite */
  g_assert_cmpint (progress.notified, <, N_REPORTS / 20);
  g_test_message ("%d reports, %d main-loop notifications", N_REPORTS, progress.notified);
}

/* --- cancellation ----------------------------------------------------------- */

typedef struct
{
  int        started;       /* atomic */
  int        iterations;    /* atomic */
  int        go;            /* atomic */
  int        saw_cancel;    /* atomic */
  TestEvent  released;      /* the pool released the job's data */
} Cancel;

static void
blocker_job (RelayJob *job,
             gpointer  data)
{
  Cancel *cancel = data;

  g_atomic_int_inc (&cancel->started);
  while (!g_atomic_int_get (&cancel->go))
    g_usleep (1000);
  relay_job_return_boolean (job, TRUE);
}

static void
never_started_job (RelayJob *job,
                   gpointer  data)
{
  Cancel *cancel = data;

  g_atomic_int_inc (&cancel->started);
  relay_job_return_boolean (job, TRUE);
}

/* Works in steps until it sees the cancel; it gives up only when nobody
 * cancelled it for the watchdog's stall interval. */
static void
long_job (RelayJob *job,
          gpointer  data)
{
  Cancel *cancel = data;
  Stall stall;

  g_atomic_int_inc (&cancel->started);
  stall_init (&stall);
  while (!stall_expired (&stall))
    {
      if (relay_job_return_error_if_cancelled (job))
        {
          g_atomic_int_set (&cancel->saw_cancel, TRUE);
          return;
        }
      g_atomic_int_inc (&cancel->iterations);
      g_usleep (1000);
    }
  relay_job_return_boolean (job, TRUE);
}

static void
cancel_released (gpointer data)
{
  Cancel *cancel = data;

  test_event_set (&cancel->released);
}

static RelayPromise *
check_cancelled (RelayPromise *promise,
                 gpointer      data)
{
  g_assert_error ((GError *) relay_promise_get_error (promise), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  return NULL;
}

static void
test_cancel_before_start (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (1);
  Cancel cancel = { 0 };
  g_autoptr(RelayPromise) blocker = relay_pool_run (pool, NULL, blocker_job, &cancel, NULL);
  g_autoptr(RelayPromise) queued = relay_pool_run (pool, NULL, never_started_job, &cancel, NULL);
  g_autoptr(RelayPromise) seen = relay_promise_catch (queued, check_cancelled, NULL, NULL);

  while (g_atomic_int_get (&cancel.started) == 0)
    g_usleep (1000);
  g_assert_true (relay_promise_cancel (queued));
  g_atomic_int_set (&cancel.go, TRUE);

  wait_settled (blocker);
  wait_settled (seen);
  g_clear_object (&pool);     /* waits for the workers */
  g_assert_cmpint (g_atomic_int_get (&cancel.started), ==, 1);   /* never started */
  g_assert_cmpint (relay_promise_get_state (seen), ==, RELAY_PROMISE_STATE_FULFILLED);
}

static void
test_cancel_running (void)
{
  Cancel cancel = { 0 };
  g_autoptr(RelayPromise) job = NULL;
  g_autoptr(RelayPromise) seen = NULL;

  /* Nobody joins the default pool's workers: the job's data must outlive the
   * job, so the test waits until the pool released it. */
  test_event_init (&cancel.released);
  job = relay_run_in_thread (NULL, long_job, &cancel, cancel_released);
  seen = relay_promise_catch (job, check_cancelled, NULL, NULL);

  while (g_atomic_int_get (&cancel.iterations) < 5)
    g_usleep (1000);
  relay_promise_cancel (job);
  /* rejected already, before any handler ran */
  g_assert_error ((GError *) relay_promise_get_error (job), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  wait_settled (seen);

  /* the job saw it and stopped early: at most the step it was in finishes */
  {
    int before = g_atomic_int_get (&cancel.iterations);
    g_usleep (50 * 1000);     /* room for a job that missed it to go on */
    g_assert_cmpint (g_atomic_int_get (&cancel.iterations), <=, before + 1);
  }
  test_event_wait (&cancel.released, "the cancelled job never returned");
  g_assert_true (g_atomic_int_get (&cancel.saw_cancel));
  test_event_clear (&cancel.released);
}

/* --- results the job forgot ------------------------------------------------ */

static void
forgetful_job (RelayJob *job,
               gpointer  data)
{
}

static void
test_no_result (void)
{
  g_autoptr(RelayPromise) p = relay_run_in_thread (NULL, forgetful_job, NULL, NULL);

  relay_promise_then_values (p, NULL, NULL, NULL, NULL, NULL, NULL);
  wait_settled (p);
  g_assert_error ((GError *) relay_promise_get_error (p), RELAY_ERROR, RELAY_ERROR_NO_RESULT);
  g_assert_nonnull (strstr (relay_promise_get_error (p)->message, "without returning"));
}

static void
twice_job (RelayJob *job,
           gpointer  data)
{
  relay_job_return_int64 (job, 1);
  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*already returned*");
  relay_job_return_int64 (job, 2);
  g_test_assert_expected_messages ();
}

static void
test_return_twice (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (1);
  g_autoptr(RelayPromise) p = relay_pool_run (pool, NULL, twice_job, NULL, NULL);

  wait_settled (p);
  g_assert_cmpint (relay_promise_get_int64 (p), ==, 1);
}

/* --- shutdown ----------------------------------------------------------------- */

static int data_freed;

static void
count_free (gpointer data)
{
  g_atomic_int_inc (&data_freed);
}

static void
test_shutdown (void)
{
  RelayPool *pool = relay_pool_new (2);
  Cancel cancel = { 0 };
  RelayPromise *running[2], *queued[5], *late;

  data_freed = 0;
  for (int i = 0; i < 2; i++)
    running[i] = relay_pool_run (pool, NULL, blocker_job, &cancel, count_free);
  for (int i = 0; i < 5; i++)
    queued[i] = relay_pool_run (pool, NULL, never_started_job, &cancel, count_free);

  while (g_atomic_int_get (&cancel.started) < 2)
    g_usleep (1000);
  g_assert_cmpuint (relay_pool_get_n_running (pool), ==, 2);
  g_assert_cmpuint (relay_pool_get_n_queued (pool), ==, 5);

  /* let the running jobs finish while shutdown waits for them */
  g_atomic_int_set (&cancel.go, TRUE);
  relay_pool_shutdown (pool);
  g_assert_true (relay_pool_is_shut_down (pool));
  relay_pool_shutdown (pool);     /* idempotent */

  for (int i = 0; i < 2; i++)
    {
      g_assert_cmpint (relay_promise_get_state (running[i]), ==, RELAY_PROMISE_STATE_FULFILLED);
      g_object_unref (running[i]);
    }
  for (int i = 0; i < 5; i++)
    {
      g_assert_error ((GError *) relay_promise_get_error (queued[i]), G_IO_ERROR, G_IO_ERROR_CANCELLED);
      relay_promise_then_values (queued[i], NULL, NULL, NULL, NULL, NULL, NULL);
      g_object_unref (queued[i]);
    }
  g_assert_cmpint (g_atomic_int_get (&cancel.started), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&data_freed), ==, 7);   /* every job's data, once */

  late = relay_pool_run (pool, NULL, never_started_job, &cancel, NULL);
  g_assert_error ((GError *) relay_promise_get_error (late), G_IO_ERROR, G_IO_ERROR_CLOSED);
  relay_promise_then_values (late, NULL, NULL, NULL, NULL, NULL, NULL);
  g_object_unref (late);

  g_object_unref (pool);
  drain (NULL);
}

/* A loop on its own context is quit and the context freed while its jobs still
 * run: nothing runs on the dead context, nothing leaks. */
static RelayPromise *
must_not_run (RelayPromise *promise,
              gpointer      data)
{
  g_atomic_int_inc ((int *) data);
  return NULL;
}

static void
slow_job (RelayJob *job,
          gpointer  data)
{
  g_usleep (20 * 1000);
  relay_job_set_progress (job, 0.5, "halfway");
  relay_job_return_int64 (job, 1);
}

static void
test_context_freed_in_flight (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (2);
  GMainContext *context = g_main_context_new ();
  int ran = 0;

  g_main_context_push_thread_default (context);
  for (int i = 0; i < 6; i++)
    {
      RelayPromise *job = relay_pool_run (pool, NULL, slow_job, NULL, NULL);
      RelayPromise *then = relay_promise_then (job, must_not_run, &ran, NULL);
      g_object_unref (then);
      g_object_unref (job);
    }
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  g_clear_object (&pool);      /* waits for every job */
  g_assert_cmpint (g_atomic_int_get (&ran), ==, 0);
}

/* --- the deadlock policy ---------------------------------------------------- */

static void
inner_job (RelayJob *job,
           gpointer  data)
{
  relay_job_return_int64 (job, 5);
}

static void
outer_job (RelayJob *job,
           gpointer  pool)
{
  /* The only thread of the pool waits for a job queued behind it. */
  g_autoptr(RelayPromise) inner = relay_pool_run (pool, NULL, inner_job, NULL, NULL);
  g_autoptr(GError) error = NULL;

  if (relay_job_wait (job, inner, &error))
    relay_job_return_int64 (job, relay_promise_get_int64 (inner) * 2);
  else
    relay_job_return_error (job, g_steal_pointer (&error));
}

static void
test_no_deadlock (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (1);
  g_autoptr(RelayPromise) outer = relay_pool_run (pool, NULL, outer_job, pool, NULL);

  wait_settled (outer);
  g_assert_cmpint (relay_promise_get_int64 (outer), ==, 10);
}

static void
test_misuse (void)
{
  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*func != NULL*");
  g_assert_null (relay_run_in_thread (NULL, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*RELAY_IS_POOL*");
  g_assert_null (relay_pool_run (NULL, NULL, inner_job, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*RELAY_IS_JOB*");
  relay_job_return_int64 (NULL, 1);
  g_test_assert_expected_messages ();

  g_assert_true (relay_pool_get_default () == relay_pool_get_default ());
  g_assert_cmpuint (relay_pool_get_max_threads (relay_pool_get_default ()), ==, g_get_num_processors ());
}

/* --- concurrent shutdown ---------------------------------------------------- */

typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean open;
  int      done;       /* atomic: the gated job finished */
} Gate;

static void
gated_job (RelayJob *job,
           gpointer  data)
{
  Gate *gate = data;

  /* @open is atomic as well as locked: ThreadSanitizer cannot see GMutex. */
  g_mutex_lock (&gate->lock);
  while (!g_atomic_int_get (&gate->open))
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);

  g_atomic_int_set (&gate->done, TRUE);
  relay_job_return_int64 (job, 1);
}

static Gate *shutdown_gate;

/* Returns whether the running job had finished when shutdown returned. */
static gpointer
shutdown_thread (gpointer pool)
{
  relay_pool_shutdown (pool);
  return GINT_TO_POINTER (g_atomic_int_get (&shutdown_gate->done));
}

/* Every shutdown call waits for the running jobs, not only the first. */
static void
test_concurrent_shutdown (void)
{
  Gate gate = { .open = FALSE };
  RelayPool *pool = relay_pool_new (1);
  g_autoptr(RelayPromise) job = NULL;
  GThread *first, *second;

  /* Ready before the job can use them. */
  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  shutdown_gate = &gate;
  job = relay_pool_run (pool, NULL, gated_job, &gate, NULL);

  while (relay_pool_get_n_running (pool) != 1)
    g_thread_yield ();

  first = g_thread_new ("shutdown-1", shutdown_thread, pool);
  while (!relay_pool_is_shut_down (pool))
    g_thread_yield ();
  second = g_thread_new ("shutdown-2", shutdown_thread, pool);
  g_usleep (20000);     /* lets the second call reach its wait (not needed to pass) */

  g_mutex_lock (&gate.lock);
  g_atomic_int_set (&gate.open, TRUE);
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);

  g_assert_true (GPOINTER_TO_INT (g_thread_join (first)));
  g_assert_true (GPOINTER_TO_INT (g_thread_join (second)));

  wait_settled (job);
  g_assert_cmpint (relay_promise_get_int64 (job), ==, 1);
  g_object_unref (pool);
  g_mutex_clear (&gate.lock);
  g_cond_clear (&gate.cond);
}

/* --- idle threads retire ----------------------------------------------------- */

static void
quick_job (RelayJob *job,
           gpointer  data)
{
  relay_job_return_int64 (job, GPOINTER_TO_INT (data));
}

/* The pool grows on demand up to max-threads, and threads with nothing to do
 * for idle-timeout exit; the next job starts one again. */
static void
test_idle_threads_retire (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (2);
  RelayPromise *jobs[8];
  guint timeout;

  g_assert_cmpuint (relay_pool_get_idle_timeout (pool), ==, 15000);
  g_assert_cmpuint (relay_pool_get_n_threads (pool), ==, 0);
  relay_pool_set_idle_timeout (pool, 1);
  g_object_get (pool, "idle-timeout", &timeout, NULL);
  g_assert_cmpuint (timeout, ==, 1);

  for (int i = 0; i < 8; i++)
    jobs[i] = relay_pool_run (pool, NULL, quick_job, GINT_TO_POINTER (i), NULL);
  g_assert_cmpuint (relay_pool_get_n_threads (pool), <=, 2);
  for (int i = 0; i < 8; i++)
    {
      wait_settled (jobs[i]);
      g_assert_cmpint (relay_promise_get_int64 (jobs[i]), ==, i);
      g_object_unref (jobs[i]);
    }

  /* No time limit: the test fails by its meson timeout if they never go. */
  while (relay_pool_get_n_threads (pool) > 0)
    g_usleep (1000);

  jobs[0] = relay_pool_run (pool, NULL, quick_job, GINT_TO_POINTER (42), NULL);
  wait_settled (jobs[0]);
  g_assert_cmpint (relay_promise_get_int64 (jobs[0]), ==, 42);
  g_object_unref (jobs[0]);
}

/* --- worker priority --------------------------------------------------------- */

#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Returns the worker thread's own nice value. */
static void
nice_job (RelayJob *job,
          gpointer  data)
{
  relay_job_return_int64 (job, getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid)));
}

static int
worker_nice (RelayPool *pool)
{
  g_autoptr(RelayPromise) promise = relay_pool_run (pool, NULL, nice_job, NULL, NULL);

  wait_settled (promise);
  g_assert_cmpint (relay_promise_get_state (promise), ==, RELAY_PROMISE_STATE_FULFILLED);
  return relay_promise_get_int64 (promise);
}

static void
test_worker_priority (void)
{
  int base = getpriority (PRIO_PROCESS, (id_t) getpid ());
  g_autoptr(RelayPool) utility = relay_pool_new (1);
  g_autoptr(RelayPool) normal = relay_pool_new_full (1, RELAY_WORKER_PRIORITY_NORMAL);
  g_autoptr(RelayPool) background = relay_pool_new_full (1, RELAY_WORKER_PRIORITY_BACKGROUND);
  RelayWorkerPriority priority;

  g_assert_cmpint (relay_pool_get_worker_priority (utility), ==, RELAY_WORKER_PRIORITY_UTILITY);
  g_assert_cmpint (relay_pool_get_worker_priority (relay_pool_get_default ()), ==,
                   RELAY_WORKER_PRIORITY_UTILITY);
  g_object_get (background, "worker-priority", &priority, NULL);
  g_assert_cmpint (priority, ==, RELAY_WORKER_PRIORITY_BACKGROUND);

  /* Below the main thread by default, never SCHED_IDLE-low; the main thread
   * itself is untouched. */
  g_assert_cmpint (worker_nice (utility), ==, MIN (base + 10, 19));
  g_assert_cmpint (worker_nice (normal), ==, base);
  g_assert_cmpint (worker_nice (background), ==, 19);
  g_assert_cmpint (getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid)), ==, base);
}
#endif

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/pool/work-example", test_work_example);
  g_test_add_func ("/pool/work-example-error", test_work_example_error);
  g_test_add_func ("/pool/multiple-values", test_multiple_values);
  g_test_add_func ("/pool/many-jobs", test_many_jobs);
  g_test_add_func ("/pool/parallel", test_parallel);
  g_test_add_func ("/pool/fifo", test_fifo);
  g_test_add_func ("/pool/concurrent-submitters", test_concurrent_submitters);
  g_test_add_func ("/pool/last-ref-in-job", test_last_ref_in_job);
  g_test_add_func ("/pool/progress", test_progress);
  g_test_add_func ("/pool/cancel-before-start", test_cancel_before_start);
  g_test_add_func ("/pool/cancel-running", test_cancel_running);
  g_test_add_func ("/pool/no-result", test_no_result);
  g_test_add_func ("/pool/return-twice", test_return_twice);
  g_test_add_func ("/pool/shutdown", test_shutdown);
  g_test_add_func ("/pool/context-freed-in-flight", test_context_freed_in_flight);
  g_test_add_func ("/pool/no-deadlock", test_no_deadlock);
  g_test_add_func ("/pool/misuse", test_misuse);
  g_test_add_func ("/pool/concurrent-shutdown", test_concurrent_shutdown);
  g_test_add_func ("/pool/idle-threads-retire", test_idle_threads_retire);
#ifdef __linux__
  g_test_add_func ("/pool/worker-priority", test_worker_priority);
#endif

  return g_test_run ();
}
