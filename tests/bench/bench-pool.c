/* bench-pool.c: RelayPool against GTask's thread pool, and a progress flood
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * jobs       1,000,000 trivial jobs (return an int) through relay_run_in_thread(NULL, ),
 *            each with a `then` handler on the main thread that reads the value.
 *            Baseline: g_task_run_in_thread() per job with a callback that
 *            calls g_task_propagate_int(). Both keep a window of jobs in flight:
 *            each completion submits the next job (all 1,000,000 queued at
 *            once, on both sides, peaked at 870 MB of RSS here). The cost
 *            depends on the window, and not alike for both, so a sweep over
 *            windows from 16 to 16,384 (printed) picks each side's fastest,
 *            and the timed rounds run each side at its own. Target: Relay
 *            ≤ 0.2 × GTask's time. Notes: the CPU time per job of both (a
 *            RelayPool worker briefly spins for the next job), and the same
 *            Relay jobs queued on a GThreadPool of the same size, the design
 *            RelayPool replaced.
 * progress   one job reports progress 1,000,000 times; the time per report on
 *            the worker (target ≤ 20 ns) and how many of the reports reach the
 *            main loop as notify::progress emissions (target ≤ 1 %).
 */
#include "bench-common.h"

#include <relay/relay.h>

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
  relay_job_return_int64 (job, 42);
}

static void submit_gthreadpool (Jobs *jobs);

static RelayPromise *
on_job_done (RelayPromise *promise,
             gpointer      user_data)
{
  Jobs *jobs = user_data;

  jobs->sum += relay_promise_get_int64 (promise);
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
  RelayPromise *promise = relay_run_in_thread (NULL, trivial_job, NULL, NULL);

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

  relay_promise_resolve_int64 (job->promise, 42);
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

#define MAX_ROUNDS 64

typedef struct
{
  Jobs   jobs;
  guint  relay_window;             /* jobs in flight, per side */
  guint  gtask_window;
  double relay_cpu[MAX_ROUNDS];    /* CPU time per job of each round */
  guint  n_relay_cpu;
  double gtask_cpu[MAX_ROUNDS];
  guint  n_gtask_cpu;
} JobsBench;

/* One round of one side; keeps its CPU time per job. */
static double
run_side (JobsBench *bench,
          void     (*submit) (Jobs *),
          double    *cpu,
          guint     *n_cpu)
{
  double ns = run_jobs (&bench->jobs, submit);

  if (*n_cpu < MAX_ROUNDS)
    cpu[(*n_cpu)++] = bench->jobs.cpu_ns;
  return ns;
}

static double
jobs_relay (gpointer user_data)
{
  JobsBench *bench = user_data;

  bench->jobs.window = bench->relay_window;
  return run_side (bench, submit_relay_job, bench->relay_cpu, &bench->n_relay_cpu);
}

static double
jobs_gtask (gpointer user_data)
{
  JobsBench *bench = user_data;

  bench->jobs.window = bench->gtask_window;
  return run_side (bench, submit_gtask, bench->gtask_cpu, &bench->n_gtask_cpu);
}

static double
jobs_gthreadpool (gpointer user_data)
{
  JobsBench *bench = user_data;
  double ns;

  bench->jobs.window = bench->relay_window;
  bench->jobs.gthreadpool =
    g_thread_pool_new (plain_worker, NULL,
                       relay_pool_get_max_threads (relay_pool_get_default ()), TRUE, NULL);
  ns = run_jobs (&bench->jobs, submit_gthreadpool);
  g_thread_pool_free (g_steal_pointer (&bench->jobs.gthreadpool), FALSE, TRUE);
  return ns;
}

static const guint windows[] = { 16, 64, 256, 1024, 4096, 16384 };

/* Runs both sides at every window, in interleaved rounds, prints the table and
 * sets each side's window to its fastest. */
static void
sweep_windows (JobsBench *bench)
{
  guint rounds = bench_rounds (3);
  double relay[G_N_ELEMENTS (windows)], gtask[G_N_ELEMENTS (windows)];
  g_autoptr(GString) line = g_string_new (NULL);
  guint best_relay = 0, best_gtask = 0;

  for (guint w = 0; w < G_N_ELEMENTS (windows); w++)
    {
      BenchPair pair;

      bench->relay_window = bench->gtask_window = windows[w];
      bench_interleave (rounds, jobs_relay, jobs_gtask, bench, &pair);
      relay[w] = pair.relay.median;
      gtask[w] = pair.baseline.median;
      if (relay[w] < relay[best_relay])
        best_relay = w;
      if (gtask[w] < gtask[best_gtask])
        best_gtask = w;
    }

  bench_note ("pool-jobs window sweep: ns per job, median of %u rounds of %u jobs, "
              "by jobs in flight", rounds, bench->jobs.n_jobs);
  g_string_printf (line, "%-6s", "window");
  for (guint w = 0; w < G_N_ELEMENTS (windows); w++)
    g_string_append_printf (line, " %8u", windows[w]);
  bench_note ("%s", line->str);
  g_string_printf (line, "%-6s", "relay");
  for (guint w = 0; w < G_N_ELEMENTS (windows); w++)
    g_string_append_printf (line, " %8.0f", relay[w]);
  bench_note ("%s", line->str);
  g_string_printf (line, "%-6s", "GTask");
  for (guint w = 0; w < G_N_ELEMENTS (windows); w++)
    g_string_append_printf (line, " %8.0f", gtask[w]);
  bench_note ("%s", line->str);

  bench->relay_window = windows[best_relay];
  bench->gtask_window = windows[best_gtask];
}

static void
bench_jobs (void)
{
  JobsBench bench = { .relay_window = 256, .gtask_window = 256 };
  Jobs *jobs = &bench.jobs;
  guint rounds = MIN (bench_rounds (5), MAX_ROUNDS);
  BenchPair pair, plain;
  BenchStats relay_cpu, gtask_cpu;
  g_autofree char *relay_cpu_s = NULL, *gtask_cpu_s = NULL;
  g_autofree char *relay_s = NULL, *plain_s = NULL, *plain_ratio = NULL;

  /* Start the threads of both pools outside the measurement. */
  jobs->n_jobs = 1000;
  jobs_relay (&bench);
  jobs_gtask (&bench);

  jobs->n_jobs = bench_size (100000, 2000);
  sweep_windows (&bench);

  jobs->n_jobs = bench_size (1000000, 5000);
  bench.n_relay_cpu = bench.n_gtask_cpu = 0;
  bench_interleave (rounds, jobs_relay, jobs_gtask, &bench, &pair);
  bench_compare ("pool-jobs", "ns", &pair, BENCH_AT_MOST, 0.2);
  bench_note ("pool-jobs: %u jobs; relay pool of %u threads with %u in flight, GTask's "
              "pool with %u in flight (each side's fastest window in the sweep)",
              jobs->n_jobs, relay_pool_get_max_threads (relay_pool_get_default ()),
              bench.relay_window, bench.gtask_window);
  bench_stats (bench.relay_cpu, bench.n_relay_cpu, &relay_cpu);
  bench_stats (bench.gtask_cpu, bench.n_gtask_cpu, &gtask_cpu);
  relay_cpu_s = bench_format_stats (&relay_cpu, "ns");
  gtask_cpu_s = bench_format_stats (&gtask_cpu, "ns");
  bench_note ("pool-jobs: CPU time per job, all threads: relay %s, GTask %s",
              relay_cpu_s, gtask_cpu_s);

  /* Why RelayPool has its own queue: the same promises on a GThreadPool. */
  bench_interleave (bench_rounds (3), jobs_relay, jobs_gthreadpool, &bench, &plain);
  relay_s = bench_format_stats (&plain.relay, "ns");
  plain_s = bench_format_stats (&plain.baseline, "ns");
  plain_ratio = bench_format_ratio (&plain, BENCH_AT_LEAST);
  bench_note ("pool-jobs: the same Relay jobs on a GThreadPool of %u threads, both with "
              "%u in flight: %s per job against RelayPool's %s (GThreadPool / RelayPool: %s; "
              "above 1, RelayPool is faster)",
              relay_pool_get_max_threads (relay_pool_get_default ()), bench.relay_window,
              plain_s, relay_s, plain_ratio);
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

  promise = relay_run_in_thread (NULL, flood_job, flood, NULL);
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
  BenchStats stats;

  for (guint r = 0; r < rounds; r++)
    {
      run_flood (&flood);
      per_report[r] = (double) flood.worker_ns / flood.n_reports;
      dispatched[r] = 100.0 * flood.n_notified / flood.n_reports;
    }

  bench_stats (per_report, rounds, &stats);
  bench_absolute ("progress-report", "ns", &stats, BENCH_AT_MOST, 20);
  bench_note ("progress-report: ns per relay_job_set_progress() on the worker, %u rounds "
              "of %u reports", rounds, flood.n_reports);
  bench_stats (dispatched, rounds, &stats);
  bench_absolute ("progress-dispatch", "%", &stats, BENCH_AT_MOST, 1);
  bench_note ("progress-dispatch: notify::progress emissions on the main thread per report");
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
