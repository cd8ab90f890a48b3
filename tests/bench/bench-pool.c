/* bench-pool.c: RelayPool against GTask's thread pool, and a progress flood
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * jobs       1,000,000 trivial jobs (return an int) through relay_run_in_thread(),
 *            each with a `then` handler on the main thread that reads the value.
 *            Baseline: g_task_run_in_thread() per job with a callback that
 *            calls g_task_propagate_int(). Both keep a window of jobs in flight:
 *            each completion submits the next job (GTask's pool queue is sorted,
 *            O(n) per push, so a million queued tasks would measure the queue,
 *            not the pool). Target: ≥ 1.5 × faster. Notes: the CPU time per
 *            job of both (a RelayPool worker briefly spins for the next job),
 *            and the same Relay jobs queued on a GThreadPool of the same size,
 *            the design RelayPool replaced.
 * progress   one job reports progress 1,000,000 times; the time per report on
 *            the worker (target ≤ 100 ns) and how many of the reports reach the
 *            main loop as notify::progress emissions (target ≤ 1 %).
 */
#include "bench-common.h"

#include <time.h>

/* --- jobs ----------------------------------------------------------------- */

typedef struct
{
  guint  n_jobs;
  guint  window;
  guint  submitted;    /* main thread */
  guint  completed;    /* main thread */
  gint64 sum;          /* main thread: the values, so they are really read */
  int    done;

  double cpu_ns;       /* the last run's CPU time per job, all threads */
  GThreadPool *gthreadpool;
} Jobs;

static void submit_relay_job (Jobs *jobs);

static void
trivial_job (RelayJob *job,
             gpointer  user_data)
{
  relay_job_return_int (job, 42);
}

static void submit_gthreadpool (Jobs *jobs);

static RelayPromise *
on_job_done (RelayPromise *promise,
             gpointer      user_data)
{
  Jobs *jobs = user_data;

  jobs->sum += relay_promise_get_int (promise);
  if (++jobs->completed == jobs->n_jobs)
    jobs->done = TRUE;
  else if (jobs->submitted < jobs->n_jobs)
    {
      if (jobs->gthreadpool != NULL)
        submit_gthreadpool (jobs);
      else
        submit_relay_job (jobs);
    }
  return NULL;
}

static void
submit_relay_job (Jobs *jobs)
{
  RelayPromise *promise = relay_run_in_thread (trivial_job, NULL, NULL);

  g_object_unref (relay_promise_then (promise, on_job_done, jobs, NULL));
  g_object_unref (promise);
  jobs->submitted++;
}

/* The same job on a plain GThreadPool: the pool's queue is the only difference. */
typedef struct
{
  RelayPromise *promise;
} PlainJob;

static void
plain_worker (gpointer data,
              gpointer user_data)
{
  PlainJob *job = data;

  relay_promise_resolve_int (job->promise, 42);
  g_object_unref (job->promise);
  g_free (job);
}

static void
submit_gthreadpool (Jobs *jobs)
{
  PlainJob *job = g_new (PlainJob, 1);
  RelayPromise *promise = relay_promise_new ();

  job->promise = g_object_ref (promise);
  g_thread_pool_push (jobs->gthreadpool, job, NULL);
  g_object_unref (relay_promise_then (promise, on_job_done, jobs, NULL));
  g_object_unref (promise);
  jobs->submitted++;
}

static void submit_gtask (Jobs *jobs);

static void
trivial_task (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  g_task_return_int (task, 42);
}

static void
on_task_done (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Jobs *jobs = user_data;

  jobs->sum += g_task_propagate_int (G_TASK (result), NULL);
  if (++jobs->completed == jobs->n_jobs)
    jobs->done = TRUE;
  else if (jobs->submitted < jobs->n_jobs)
    submit_gtask (jobs);
}

static void
submit_gtask (Jobs *jobs)
{
  GTask *task = g_task_new (NULL, NULL, on_task_done, jobs);

  g_task_run_in_thread (task, trivial_task);
  g_object_unref (task);
  jobs->submitted++;
}

static gint64
process_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* ns per job, from the first submission to the last handler */
static double
run_jobs (Jobs  *jobs,
          void (*submit) (Jobs *))
{
  gint64 elapsed, cpu;

  jobs->submitted = jobs->completed = 0;
  jobs->sum = 0;
  jobs->done = FALSE;

  cpu = process_cpu_ns ();
  elapsed = bench_now_ns ();
  for (guint i = 0; i < jobs->window && jobs->submitted < jobs->n_jobs; i++)
    submit (jobs);
  bench_iterate_until (NULL, &jobs->done);
  elapsed = bench_now_ns () - elapsed;
  jobs->cpu_ns = (double) (process_cpu_ns () - cpu) / jobs->n_jobs;

  g_assert_cmpint (jobs->sum, ==, (gint64) 42 * jobs->n_jobs);
  return (double) elapsed / jobs->n_jobs;
}

typedef struct
{
  Jobs   jobs;
  double relay_cpu_min;
  double gtask_cpu_min;
} JobsBench;

/* One round of one side; keeps that side's least CPU time per job. */
static double
run_side (JobsBench *bench,
          void     (*submit) (Jobs *),
          double    *cpu_min)
{
  double ns = run_jobs (&bench->jobs, submit);

  *cpu_min = MIN (*cpu_min, bench->jobs.cpu_ns);
  return ns;
}

static double
jobs_relay (gpointer user_data)
{
  JobsBench *bench = user_data;

  return run_side (bench, submit_relay_job, &bench->relay_cpu_min);
}

static double
jobs_gtask (gpointer user_data)
{
  JobsBench *bench = user_data;

  return run_side (bench, submit_gtask, &bench->gtask_cpu_min);
}

static double
jobs_gthreadpool (gpointer user_data)
{
  JobsBench *bench = user_data;
  double ns;

  bench->jobs.gthreadpool =
    g_thread_pool_new (plain_worker, NULL,
                       relay_pool_get_max_threads (relay_pool_get_default ()), TRUE, NULL);
  ns = run_jobs (&bench->jobs, submit_gthreadpool);
  g_thread_pool_free (g_steal_pointer (&bench->jobs.gthreadpool), FALSE, TRUE);
  return ns;
}

static void
bench_jobs (void)
{
  JobsBench bench = {
    .jobs = { .window = 256 },
    .relay_cpu_min = G_MAXDOUBLE,
    .gtask_cpu_min = G_MAXDOUBLE,
  };
  Jobs *jobs = &bench.jobs;
  BenchPair pair, plain;

  /* Start the threads of both pools outside the measurement. */
  jobs->n_jobs = 1000;
  jobs_relay (&bench);
  jobs_gtask (&bench);
  jobs->n_jobs = bench_size (1000000, 5000);
  bench.relay_cpu_min = bench.gtask_cpu_min = G_MAXDOUBLE;

  bench_interleave (bench_rounds (3), jobs_relay, jobs_gtask, &bench, &pair);
  bench_compare ("pool-jobs", "ns", &pair, BENCH_AT_LEAST, 1.5);
  bench_note ("pool-jobs: %u jobs, %u in flight; relay pool of %u threads, GTask's pool",
              jobs->n_jobs, jobs->window,
              relay_pool_get_max_threads (relay_pool_get_default ()));
  bench_note ("pool-jobs: CPU time per job, all threads: relay %.4gns, GTask %.4gns",
              bench.relay_cpu_min, bench.gtask_cpu_min);

  /* Why RelayPool has its own queue: the same promises on a GThreadPool. */
  bench_interleave (bench_rounds (3), jobs_relay, jobs_gthreadpool, &bench, &plain);
  bench_note ("pool-jobs: the same Relay jobs on a GThreadPool of %u threads: %.4gns "
              "per job against RelayPool's %.4gns (%.3g x)",
              relay_pool_get_max_threads (relay_pool_get_default ()),
              plain.baseline_min, plain.relay_min, plain.baseline_min / plain.relay_min);
}

/* --- progress ------------------------------------------------------------- */

typedef struct
{
  guint  n_reports;
  gint64 worker_ns;      /* written by the job before it returns */
  guint  n_notified;     /* main thread */
  int    done;
} Flood;

static void
flood_job (RelayJob *job,
           gpointer  user_data)
{
  Flood *flood = user_data;
  gint64 start = bench_now_ns ();

  for (guint i = 0; i < flood->n_reports; i++)
    relay_job_set_progress (job, (double) i / flood->n_reports, NULL);
  flood->worker_ns = bench_now_ns () - start;

  relay_job_return_boolean (job, TRUE);
}

static void
on_progress_notify (GObject    *object,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  Flood *flood = user_data;

  flood->n_notified++;
}

static RelayPromise *
on_flood_done (RelayPromise *promise,
               gpointer      user_data)
{
  Flood *flood = user_data;

  flood->done = TRUE;
  return NULL;
}

static void
run_flood (Flood *flood)
{
  RelayPromise *promise;

  flood->n_notified = 0;
  flood->done = FALSE;

  promise = relay_run_in_thread (flood_job, flood, NULL);
  /* Safe after the job started: notify is emitted only on this thread. */
  g_signal_connect (promise, "notify::progress", G_CALLBACK (on_progress_notify), flood);
  g_object_unref (relay_promise_then (promise, on_flood_done, flood, NULL));
  bench_iterate_until (NULL, &flood->done);
  g_object_unref (promise);
}

static void
bench_progress (void)
{
  Flood flood = { .n_reports = bench_size (1000000, 20000) };
  guint rounds = bench_rounds (7);
  g_autofree double *per_report = g_new (double, rounds);
  g_autofree double *dispatched = g_new (double, rounds);

  for (guint r = 0; r < rounds; r++)
    {
      run_flood (&flood);
      per_report[r] = (double) flood.worker_ns / flood.n_reports;
      dispatched[r] = 100.0 * flood.n_notified / flood.n_reports;
    }

  bench_absolute ("progress-report", "ns", bench_min (per_report, rounds), BENCH_AT_MOST, 100);
  bench_note ("progress-report: median %.4gns per report over %u rounds of %u reports",
              bench_median (per_report, rounds), rounds, flood.n_reports);
  bench_absolute ("progress-dispatch", "%", bench_max (dispatched, rounds), BENCH_AT_MOST, 1);
  bench_note ("progress-dispatch: notify::progress per report, worst of %u rounds "
              "(median %.3g%%, best %.3g%%)",
              rounds, bench_median (dispatched, rounds), bench_min (dispatched, rounds));
}

static const BenchCase cases[] = {
  { "jobs", bench_jobs },
  { "progress", bench_progress },
};

int
main (int    argc,
      char **argv)
{
  return bench_main (argc, argv, cases, G_N_ELEMENTS (cases));
}
