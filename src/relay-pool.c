/* relay-pool.c: a bounded pool of worker threads that returns promises
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * RelayPool:
 *
 * A bounded set of worker threads that run functions in the background and
 * hand back a [class@Relay.Promise] for each result, where
 * g_task_run_in_thread() would call a callback.
 *
 * ```c
 * static void
 * add (RelayJob *job, gpointer user_data)
 * {
 *   g_usleep (3 * G_USEC_PER_SEC);           // on a worker thread
 *   relay_job_return_int64 (job, 4 + 5);
 * }
 *
 * static RelayPromise *
 * show (RelayPromise *promise, gpointer user_data)
 * {
 *   g_print ("got val: %d\n", relay_promise_get_int64 (promise));   // main thread
 *   return NULL;
 * }
 *
 * g_autoptr(RelayPromise) work = relay_run_in_thread (NULL, add, NULL, NULL);
 * g_autoptr(RelayPromise) shown = relay_promise_then (work, show, NULL, NULL);
 * ```
 *
 * The promise belongs to the thread-default main context of the thread that
 * called [method@Relay.Pool.run]; its handlers, progress notifications and
 * `notify::state` run there. The job function runs on a worker and settles the
 * promise through its [class@Relay.Job].
 *
 * ## Bound and reuse
 *
 * A pool runs at most [property@Relay.Pool:max-threads] jobs at once, on
 * threads of its own, however many jobs are queued. Jobs start in the order
 * they were submitted. A job that is queued gets a thread when none is idle
 * or spinning and fewer than max-threads jobs run (one more per job blocked
 * in [method@Relay.Job.wait], see below): the pool grows on demand up to that
 * bound, and each thread is reused for job after job. A thread that has
 * waited [property@Relay.Pool:idle-timeout] (15 s by default) without a job
 * exits, so a pool that goes quiet gives its threads back. The default pool, used by [func@Relay.run_in_thread], is bounded
 * by the number of processors.
 *
 * ## Workers run below the UI thread
 *
 * By default a pool's workers run at %RELAY_WORKER_PRIORITY_UTILITY: nice +10
 * over the main thread on Linux. A CPU-bound job then never makes the main
 * loop wait for a processor, even on a busy two-core machine where "one
 * worker per spare core" leaves no core spare; the job still gets nearly all
 * the time the UI does not use. Choose another
 * [property@Relay.Pool:worker-priority] with [ctor@Relay.Pool.new_full].
 *
 * A worker that runs out of jobs keeps looking for the next one for about
 * 50 µs before it sleeps (at most two workers at a time, and only on machines
 * with more than one processor), so a steady stream of short jobs costs the
 * submitting thread no wake-ups. This is why the pool is not a [struct@GLib.ThreadPool],
 * whose every push wakes a sleeping thread: see the `pool-jobs` benchmark.
 *
 * ## Cancellation
 *
 * Cancelling a job's promise cancels the job's [class@Gio.Cancellable]. A job
 * that has not started never starts; a running job sees the cancellable and
 * should return early; either way the promise is already rejected with
 * %G_IO_ERROR_CANCELLED by the time any handler runs.
 *
 * ## Shutdown
 *
 * [method@Relay.Pool.shutdown] (also run when the last reference is dropped)
 * rejects every queued job with %G_IO_ERROR_CANCELLED without running it, waits
 * for the running jobs to return, and stops the threads. Every call waits,
 * including calls made at the same time from several threads. Later
 * [method@Relay.Pool.run] calls return promises rejected with %G_IO_ERROR_CLOSED.
 * A job's user data is released on its worker once it returned, or by shutdown
 * if it never ran. Handlers never run on a main context that was finalized.
 *
 * When a job drops the pool's last reference (its user data held the pool,
 * say), the shutdown runs on that job's worker and cannot wait for it: the
 * queued jobs are rejected as usual, and the running ones finish and their
 * threads exit on their own.
 *
 * ## Deadlock policy
 *
 * A job that blocks until another job of the same pool finishes deadlocks a
 * saturated pool: the job it waits for is queued behind it and never starts
 * (the oldest bug of GTask's shared pool). Relay keeps the bound honest instead
 * of growing the pool behind your back: blocking waits inside jobs go through
 * [method@Relay.Job.wait], which lifts the pool's bound by one thread for as
 * long as the job waits, so the awaited job can always start. Jobs that block
 * any other way (their own locks, relay_promise_wait()) can still deadlock a
 * saturated pool. Better still, don't block: return and chain with
 * [method@Relay.Promise.then].
 */

#include "config.h"

#ifdef __linux__
# include <errno.h>
# include <sys/resource.h>
# include <sys/syscall.h>
# include <unistd.h>
#endif

#include "relay-enums.h"
#include "relay-job-private.h"
#include "relay-pool.h"
#include "relay-promise-private.h"
#include "relay-sync-private.h"

/* How long a worker that ran out of jobs keeps looking before it sleeps. */
#define SPIN_USEC 50

/* How many workers may do so at once. Two: a submitter that is itself
 * busy (a main loop handling one job's result and submitting the next)
 * finds one of them free while the other runs the job it took; with one, it
 * paid a futex wake-up for every other job (17 % of the main thread's time
 * in the pool-jobs benchmark). */
#define MAX_SPINNERS 2

/* How long an idle worker waits for a job before its thread exits. */
#define DEFAULT_IDLE_TIMEOUT_MS 15000

typedef struct _RelayPoolCore RelayPoolCore;
typedef struct _Worker Worker;

/* Each worker frees its own struct when its thread exits. */
struct _Worker
{
  RelayPoolCore *core;
  GThread       *thread;         /* core lock: joined by shutdown, or detached on retiring */
  GCond          cond;
  gboolean       woken;          /* core lock */
  Worker        *next_idle;      /* core lock */
};

/* What the workers share. The pool object and each running worker hold a
 * reference, so a pool whose last reference is dropped by one of its own jobs
 * can let its threads finish on their own. */
struct _RelayPoolCore
{
  int              ref_count;    /* atomic */
  guint            max_threads;  /* immutable */
  gboolean         spin;         /* immutable: more than one processor */
  gboolean         renice;       /* immutable: workers set @nice when they start */
  int              nice;         /* immutable: the workers' nice value */
  guint            idle_timeout_ms; /* atomic */

  int              shut_down;    /* atomic, written under @lock: no job starts any more */
  int              n_queued;     /* atomic, written under @lock: jobs in the queue */
  int              n_threads;    /* atomic, written under @lock: live worker threads */

  GMutex           lock;
  GCond            joined_cond;  /* lock: @joined became TRUE */
  RelayJob        *head;         /* lock: the queue, oldest first (references) */
  RelayJob        *tail;         /* lock */
  GPtrArray       *threads;      /* lock: the GThread of every worker not retired */
  Worker          *idle;         /* lock: sleeping workers, most recent first */
  int              n_busy;       /* atomic, written under @lock: jobs running (or
                                  * blocked in relay_job_wait()) on a worker */
  guint            n_spinning;   /* lock: workers looking for a job without sleeping */
  guint            n_waiting;    /* lock: jobs blocked in relay_job_wait() */
  gboolean         joining;      /* lock: a shutdown took @threads to join them */
  gboolean         joined;       /* lock: every worker has exited */
};

struct _RelayPool
{
  GObject              parent_instance;

  guint                max_threads;      /* immutable after construction */
  RelayWorkerPriority  worker_priority;  /* immutable after construction */
  guint                pending_idle_timeout_ms; /* set before the core exists */
  int                  priority;         /* atomic: of the promises run() returns */
  RelayPoolCore       *core;             /* immutable after construction */
};

G_DEFINE_FINAL_TYPE (RelayPool, relay_pool, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MAX_THREADS,
  PROP_WORKER_PRIORITY,
  PROP_IDLE_TIMEOUT,
  PROP_PRIORITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GPrivate current_core;   /* the pool core whose worker this thread is, if any */

static gpointer worker_main (gpointer data);

/* The nice value workers of @priority run at, relative to the main thread's
 * (a pool created on a worker of another pool must not inherit that worker's
 * lowered priority). Returns FALSE where threads have no nice value of their
 * own, or to leave the inherited one alone. */
static gboolean
worker_nice_for (RelayWorkerPriority  priority,
                 int                 *nice)
{
#ifdef __linux__
  int base;

  if (priority == RELAY_WORKER_PRIORITY_NORMAL)
    return FALSE;

  /* On Linux, the "process" getpid() names is the main thread. */
  errno = 0;
  base = getpriority (PRIO_PROCESS, (id_t) getpid ());
  if (base == -1 && errno != 0)
    base = 0;

  *nice = priority == RELAY_WORKER_PRIORITY_BACKGROUND ? 19 : MIN (base + 10, 19);
  return TRUE;
#else
  return FALSE;
#endif
}

/* On a new worker: lowers its CPU priority (never raises it: that needs
 * privileges, and a thread only starts with a higher nice value when a worker
 * of a lower-priority pool started it). */
static void
apply_worker_nice (RelayPoolCore *core)
{
#ifdef __linux__
  id_t tid = (id_t) syscall (SYS_gettid);

  if (!core->renice)
    return;

  errno = 0;
  if (getpriority (PRIO_PROCESS, tid) < core->nice || errno != 0)
    if (setpriority (PRIO_PROCESS, tid, core->nice) != 0)
      g_debug ("Cannot set a pool worker's nice value to %d: %s",
               core->nice, g_strerror (errno));
#endif
}

static RelayPoolCore *
core_new (guint               max_threads,
          RelayWorkerPriority priority)
{
  RelayPoolCore *core = g_new0 (RelayPoolCore, 1);

  core->ref_count = 1;
  core->max_threads = max_threads;
  core->spin = g_get_num_processors () > 1;
  core->renice = worker_nice_for (priority, &core->nice);
  core->idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
  g_mutex_init (&core->lock);
  g_cond_init (&core->joined_cond);
  core->threads = g_ptr_array_new ();

  return core;
}

static RelayPoolCore *
core_ref (RelayPoolCore *core)
{
  g_atomic_int_inc (&core->ref_count);
  return core;
}

static void
core_unref (RelayPoolCore *core)
{
  relay_tsan_release (core);
  if (!g_atomic_int_dec_and_test (&core->ref_count))
    return;
  relay_tsan_acquire (core);

  /* Every worker has exited (each held a reference) and the queue is empty
   * (shutdown emptied it, and nothing queues after shutdown). */
  g_assert (core->head == NULL);
  g_ptr_array_unref (core->threads);
  g_cond_clear (&core->joined_cond);
  g_mutex_clear (&core->lock);
  g_free (core);
}

/* Lock held. How many jobs may hold a worker at once: relay_job_wait() lifts
 * the bound by one per waiting job. */
static guint
bound_locked (RelayPoolCore *core)
{
  return core->max_threads + core->n_waiting;
}

/* Lock held. Makes sure a queued job has a worker on its way, without waking
 * more threads than the work needs: none if a worker is spinning (it will
 * take the job), else the most recently idle one, else a new thread while
 * under the bound. */
static void
wake_locked (RelayPoolCore *core)
{
  Worker *worker;

  if (core->head == NULL || core->shut_down ||
      core->n_spinning > 0 || (guint) core->n_busy >= bound_locked (core))
    return;

  if (core->idle != NULL)
    {
      worker = core->idle;
      core->idle = worker->next_idle;
      worker->next_idle = NULL;
      worker->woken = TRUE;
      g_cond_signal (&worker->cond);
    }
  else if ((guint) core->n_threads < bound_locked (core))
    {
      worker = g_new0 (Worker, 1);
      worker->core = core_ref (core);   /* the thread's */
      g_cond_init (&worker->cond);
      g_atomic_int_set (&core->n_threads, core->n_threads + 1);
      worker->thread = g_thread_new ("relay-worker", worker_main, worker);
      g_ptr_array_add (core->threads, worker->thread);
    }
}

/* Lock held, queue not empty. */
static RelayJob *
pop_locked (RelayPoolCore *core)
{
  RelayJob *job = core->head;

  core->head = job->next;
  if (core->head == NULL)
    core->tail = NULL;
  job->next = NULL;
  g_atomic_int_set (&core->n_queued, core->n_queued - 1);

  return job;
}

/* Without the lock: watches the queue for up to SPIN_USEC. A steady stream
 * of short jobs then never pays for a futex wake-up on the submitting thread
 * and a sleep on the worker (see tests/bench/bench-pool.c). Yielding keeps a
 * spinner from starving the submitter when they share a processor. Returns
 * TRUE if it saw a job (or the shutdown), FALSE if it gave up: a spinner
 * that saw a job another worker took first watches again, for a stream is
 * flowing. */
static gboolean
spin_for_work (RelayPoolCore *core)
{
  gint64 deadline = g_get_monotonic_time () + SPIN_USEC;

  do
    {
      if (g_atomic_int_get (&core->n_queued) > 0 || g_atomic_int_get (&core->shut_down))
        return TRUE;
      g_thread_yield ();
    }
  while (g_get_monotonic_time () < deadline);

  return FALSE;
}

static void runner_begin_wait (gpointer runner);
static void runner_end_wait   (gpointer runner);

static const RelayJobRunnerFuncs runner_funcs = {
  .begin_wait = runner_begin_wait,
  .end_wait = runner_end_wait,
};

/* Lock held: sleeps until woken; FALSE if the idle timeout passed first and
 * the worker left the idle list to retire. */
static gboolean
idle_wait_locked (RelayPoolCore *core,
                  Worker        *worker)
{
  guint timeout_ms = g_atomic_int_get (&core->idle_timeout_ms);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  worker->woken = FALSE;
  worker->next_idle = core->idle;
  core->idle = worker;

  while (!worker->woken)
    if (!relay_cond_wait_until (&worker->cond, &core->lock, deadline) && !worker->woken)
      {
        Worker **link = &core->idle;

        /* Retire: nobody can wake us once we are off the idle list. */
        while (*link != worker)
          link = &(*link)->next_idle;
        *link = worker->next_idle;
        return FALSE;
      }

  return TRUE;
}

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  RelayPoolCore *core = worker->core;
  gboolean may_spin = FALSE, retired = FALSE;

  g_private_set (&current_core, core);
  apply_worker_nice (core);

  relay_mutex_lock (&core->lock);
  while (!g_atomic_int_get (&core->shut_down))
    {
      if (core->head != NULL && (guint) core->n_busy < bound_locked (core))
        {
          RelayJob *job = pop_locked (core);

          g_atomic_int_set (&core->n_busy, core->n_busy + 1);
          wake_locked (core);   /* more jobs queued: get another worker going */
          relay_mutex_unlock (&core->lock);

          _relay_job_run (job, &runner_funcs, core);
          g_object_unref (job);

          relay_mutex_lock (&core->lock);
          g_atomic_int_set (&core->n_busy, core->n_busy - 1);
          may_spin = core->spin;
        }
      else if (may_spin && core->n_spinning < MAX_SPINNERS && (guint) core->n_busy < bound_locked (core))
        {
          /* At most MAX_SPINNERS workers look for the next job before
           * sleeping. */
          core->n_spinning++;
          relay_mutex_unlock (&core->lock);

          may_spin = spin_for_work (core);

          relay_mutex_lock (&core->lock);
          core->n_spinning--;
        }
      else if (!idle_wait_locked (core, worker))
        {
          retired = TRUE;
          g_ptr_array_remove_fast (core->threads, worker->thread);
          break;
        }
      else
        {
          may_spin = FALSE;
        }
    }
  g_atomic_int_set (&core->n_threads, core->n_threads - 1);
  relay_mutex_unlock (&core->lock);

  /* A retired thread detaches itself; the others are joined by shutdown. */
  if (retired)
    g_thread_unref (worker->thread);
  g_cond_clear (&worker->cond);
  g_free (worker);

  g_private_set (&current_core, NULL);
  core_unref (core);

  return NULL;
}

/* Queues @job (a reference is taken) unless the pool was shut down. */
static gboolean
core_push (RelayPoolCore *core,
           RelayJob      *job)
{
  relay_mutex_lock (&core->lock);
  if (g_atomic_int_get (&core->shut_down))
    {
      relay_mutex_unlock (&core->lock);
      return FALSE;
    }

  g_object_ref (job);
  if (core->tail != NULL)
    core->tail->next = job;
  else
    core->head = job;
  core->tail = job;
  g_atomic_int_set (&core->n_queued, core->n_queued + 1);
  wake_locked (core);
  relay_mutex_unlock (&core->lock);

  return TRUE;
}

/* Stops taking jobs, rejects the queued ones in order and wakes the sleeping
 * workers so they exit. Then, if @wait, returns only once every worker has
 * exited, whichever call of several does the joining. Without @wait (on a
 * worker of this very pool, which cannot wait for itself) the threads finish
 * their jobs and exit on their own. */
static void
core_shutdown (RelayPoolCore *core,
               gboolean       wait)
{
  RelayJob *queued = NULL;
  GPtrArray *threads = NULL;

  relay_mutex_lock (&core->lock);
  if (!g_atomic_int_get (&core->shut_down))
    {
      g_atomic_int_set (&core->shut_down, TRUE);   /* no more threads start */

      queued = g_steal_pointer (&core->head);
      core->tail = NULL;
      g_atomic_int_set (&core->n_queued, 0);

      /* Busy and spinning workers see the flag on their own. */
      while (core->idle != NULL)
        {
          Worker *worker = core->idle;

          core->idle = worker->next_idle;
          worker->woken = TRUE;
          g_cond_signal (&worker->cond);
        }
    }

  /* The first call that may wait joins; later ones wait for it. */
  if (!core->joining)
    {
      core->joining = TRUE;
      threads = g_steal_pointer (&core->threads);
      core->threads = g_ptr_array_new ();
    }
  relay_mutex_unlock (&core->lock);

  while (queued != NULL)
    {
      RelayJob *job = queued;

      queued = job->next;
      job->next = NULL;
      _relay_job_cancel (job, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                         "The pool was shut down before the job started");
      g_object_unref (job);
    }

  if (threads != NULL)
    {
      for (guint i = 0; i < threads->len; i++)
        {
          if (wait)
            g_thread_join (g_ptr_array_index (threads, i));
          else
            g_thread_unref (g_ptr_array_index (threads, i));   /* detached */
        }
      g_ptr_array_unref (threads);

      relay_mutex_lock (&core->lock);
      core->joined = TRUE;
      g_cond_broadcast (&core->joined_cond);
      relay_mutex_unlock (&core->lock);
    }
  else if (wait)
    {
      relay_mutex_lock (&core->lock);
      while (!core->joined)
        relay_cond_wait (&core->joined_cond, &core->lock);
      relay_mutex_unlock (&core->lock);
    }
}

static void
relay_pool_constructed (GObject *object)
{
  RelayPool *self = RELAY_POOL (object);

  G_OBJECT_CLASS (relay_pool_parent_class)->constructed (object);

  if (self->max_threads == 0)
    self->max_threads = MAX (g_get_num_processors (), 1);
  self->core = core_new (self->max_threads, self->worker_priority);
  self->core->idle_timeout_ms = self->pending_idle_timeout_ms;
}

static void
relay_pool_dispose (GObject *object)
{
  RelayPool *self = RELAY_POOL (object);

  /* A job of this pool may drop the last reference (its user data held it):
   * it cannot wait for itself, so the threads are left to finish alone. */
  core_shutdown (self->core, g_private_get (&current_core) != self->core);

  G_OBJECT_CLASS (relay_pool_parent_class)->dispose (object);
}

static void
relay_pool_finalize (GObject *object)
{
  RelayPool *self = RELAY_POOL (object);

  core_unref (self->core);

  G_OBJECT_CLASS (relay_pool_parent_class)->finalize (object);
}

static void
relay_pool_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  RelayPool *self = RELAY_POOL (object);

  switch (prop_id)
    {
    case PROP_MAX_THREADS:
      g_value_set_uint (value, self->max_threads);
      break;

    case PROP_WORKER_PRIORITY:
      g_value_set_enum (value, self->worker_priority);
      break;

    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, relay_pool_get_idle_timeout (self));
      break;

    case PROP_PRIORITY:
      g_value_set_int (value, relay_pool_get_priority (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
relay_pool_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  RelayPool *self = RELAY_POOL (object);

  switch (prop_id)
    {
    case PROP_MAX_THREADS:
      self->max_threads = g_value_get_uint (value);
      break;

    case PROP_WORKER_PRIORITY:
      self->worker_priority = g_value_get_enum (value);
      break;

    case PROP_IDLE_TIMEOUT:
      relay_pool_set_idle_timeout (self, g_value_get_uint (value));
      break;

    case PROP_PRIORITY:
      relay_pool_set_priority (self, g_value_get_int (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
relay_pool_class_init (RelayPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = relay_pool_constructed;
  object_class->dispose = relay_pool_dispose;
  object_class->finalize = relay_pool_finalize;

  /* Every job has a GCancellable, and workers create them. Initialise its
   * class before any worker exists: a class initialised later on another
   * thread reaches the workers through GLib's own atomics, which
   * ThreadSanitizer does not see in an uninstrumented GLib, so every read of
   * the class from a worker was reported as a race (test-list-store's drain
   * under the tsan setup, one run in two). */
  g_type_class_unref (g_type_class_ref (G_TYPE_CANCELLABLE));
  object_class->get_property = relay_pool_get_property;
  object_class->set_property = relay_pool_set_property;

  /**
   * RelayPool:max-threads:
   *
   * The most jobs the pool runs at once, which is also the most worker
   * threads it starts (they start on demand and are kept until shutdown).
   * 0 at construction means the number of processors.
   */
  properties[PROP_MAX_THREADS] =
    g_param_spec_uint ("max-threads", NULL, NULL,
                       0, 1024, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * RelayPool:worker-priority:
   *
   * The CPU priority the pool's worker threads run at; see
   * [enum@Relay.WorkerPriority] for the choices and why the default,
   * %RELAY_WORKER_PRIORITY_UTILITY, runs them below the UI thread.
   */
  properties[PROP_WORKER_PRIORITY] =
    g_param_spec_enum ("worker-priority", NULL, NULL,
                       RELAY_TYPE_WORKER_PRIORITY, RELAY_WORKER_PRIORITY_UTILITY,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * RelayPool:idle-timeout:
   *
   * How long, in milliseconds, a worker thread with nothing to do waits for a
   * job before it exits (15000 by default). A pool that goes quiet thus gives
   * its threads back; the next job starts one again. May be changed at any
   * time; it applies from the next wait.
   */
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL,
                       0, G_MAXUINT, DEFAULT_IDLE_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * RelayPool:priority:
   *
   * The [struct@GLib.Source] priority of the promises [method@Relay.Pool.run]
   * returns (see [property@Relay.Promise:priority]): the results, their
   * handlers and progress are dispatched at it. %G_PRIORITY_DEFAULT unless
   * set; a pool whose results come in floods can use %G_PRIORITY_DEFAULT_IDLE
   * so that a GTK application keeps drawing ahead of them.
   */
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL,
                      G_MININT, G_MAXINT, G_PRIORITY_DEFAULT,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
relay_pool_init (RelayPool *self)
{
  self->worker_priority = RELAY_WORKER_PRIORITY_UTILITY;
  self->pending_idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
  self->priority = G_PRIORITY_DEFAULT;
}

/**
 * relay_pool_new:
 * @max_threads: the most jobs to run at once, or 0 for the number of processors
 *
 * Creates a pool that runs up to @max_threads jobs at once, on threads of its
 * own, at %RELAY_WORKER_PRIORITY_UTILITY.
 *
 * Returns: (transfer full): a new pool
 */
RelayPool *
relay_pool_new (guint max_threads)
{
  g_return_val_if_fail (max_threads <= 1024, NULL);

  return g_object_new (RELAY_TYPE_POOL, "max-threads", max_threads, NULL);
}

/**
 * relay_pool_new_full:
 * @max_threads: the most jobs to run at once, or 0 for the number of processors
 * @priority: the CPU priority of the pool's workers
 *
 * Creates a pool like [ctor@Relay.Pool.new] whose workers run at @priority.
 *
 * Returns: (transfer full): a new pool
 */
RelayPool *
relay_pool_new_full (guint               max_threads,
                     RelayWorkerPriority priority)
{
  g_return_val_if_fail (max_threads <= 1024, NULL);
  g_return_val_if_fail (priority <= RELAY_WORKER_PRIORITY_BACKGROUND, NULL);

  return g_object_new (RELAY_TYPE_POOL,
                       "max-threads", max_threads,
                       "worker-priority", priority,
                       NULL);
}

/**
 * relay_pool_get_default:
 *
 * The pool [func@Relay.run_in_thread] uses, bounded by the number of
 * processors. Created on first use; it lives until the process exits.
 *
 * Returns: (transfer none): the default pool
 */
RelayPool *
relay_pool_get_default (void)
{
  static gsize default_pool;

  if (g_once_init_enter (&default_pool))
    g_once_init_leave (&default_pool, (gsize) relay_pool_new (0));

  return (RelayPool *) default_pool;
}

/**
 * relay_pool_run:
 * @self: a pool
 * @cancellable: (nullable): cancels the job, as cancelling the promise does
 * @func: (scope notified) (closure user_data) (destroy destroy): the job function,
 *   run on a worker thread
 * @user_data: data for @func
 * @destroy: (nullable): releases @user_data once the job is done (on the worker)
 *   or dropped
 *
 * Queues @func to run on one of the pool's threads. Any thread; the promise
 * belongs to the calling thread's thread-default main context and is
 * dispatched at the pool's [property@Relay.Pool:priority].
 *
 * The job has a [class@Gio.Cancellable] of its own (the promise's, see
 * [method@Relay.Job.get_cancellable]); @cancellable, like the one of any GIO
 * call, is linked to it: cancelling @cancellable cancels the promise and so
 * the job. An already cancelled @cancellable gives a promise rejected with
 * %G_IO_ERROR_CANCELLED whose job never runs.
 *
 * Returns: (transfer full): a promise for the job's result; cancel it to
 *   cancel the job
 */
RelayPromise *
relay_pool_run (RelayPool      *self,
                GCancellable   *cancellable,
                RelayJobFunc    func,
                gpointer        user_data,
                GDestroyNotify  destroy)
{
  RelayPromise *promise;
  g_autoptr(RelayJob) job = NULL;

  g_return_val_if_fail (RELAY_IS_POOL (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  promise = relay_promise_new ();
  relay_promise_set_priority (promise, g_atomic_int_get (&self->priority));
  job = _relay_job_new (promise, func, user_data, destroy);
  _relay_job_link_cancellable (job, cancellable);

  if (!core_push (self->core, job))
    _relay_job_cancel (job, G_IO_ERROR, G_IO_ERROR_CLOSED, "The pool was shut down");

  return promise;
}

/**
 * relay_run_in_thread:
 * @cancellable: (nullable): cancels the job, as cancelling the promise does
 * @func: (scope notified) (closure user_data) (destroy destroy): the job function,
 *   run on a worker thread
 * @user_data: data for @func
 * @destroy: (nullable): releases @user_data once the job is done
 *
 * Runs @func on the default pool (see [func@Relay.Pool.get_default] and
 * [method@Relay.Pool.run]).
 *
 * Returns: (transfer full): a promise for the job's result
 */
RelayPromise *
relay_run_in_thread (GCancellable   *cancellable,
                     RelayJobFunc    func,
                     gpointer        user_data,
                     GDestroyNotify  destroy)
{
  g_return_val_if_fail (func != NULL, NULL);

  return relay_pool_run (relay_pool_get_default (), cancellable, func, user_data, destroy);
}

/**
 * relay_pool_get_max_threads:
 * @self: a pool
 *
 * Gets [property@Relay.Pool:max-threads]. Any thread.
 *
 * Returns: the most jobs the pool runs at once
 */
guint
relay_pool_get_max_threads (RelayPool *self)
{
  g_return_val_if_fail (RELAY_IS_POOL (self), 0);

  return self->max_threads;
}

/**
 * relay_pool_get_worker_priority:
 * @self: a pool
 *
 * Gets [property@Relay.Pool:worker-priority]. Any thread.
 *
 * Returns: the CPU priority of the pool's workers
 */
RelayWorkerPriority
relay_pool_get_worker_priority (RelayPool *self)
{
  g_return_val_if_fail (RELAY_IS_POOL (self), RELAY_WORKER_PRIORITY_NORMAL);

  return self->worker_priority;
}

/**
 * relay_pool_get_idle_timeout:
 * @self: a pool
 *
 * Gets [property@Relay.Pool:idle-timeout]. Any thread.
 *
 * Returns: how long an idle worker waits before it exits, in milliseconds
 */
guint
relay_pool_get_idle_timeout (RelayPool *self)
{
  g_return_val_if_fail (RELAY_IS_POOL (self), 0);

  if (self->core == NULL)
    return self->pending_idle_timeout_ms;
  return g_atomic_int_get (&self->core->idle_timeout_ms);
}

/**
 * relay_pool_set_idle_timeout:
 * @self: a pool
 * @timeout_ms: how long an idle worker waits for a job before it exits, in
 *   milliseconds
 *
 * Sets [property@Relay.Pool:idle-timeout]. Any thread.
 */
void
relay_pool_set_idle_timeout (RelayPool *self,
                             guint      timeout_ms)
{
  g_return_if_fail (RELAY_IS_POOL (self));

  if (self->core == NULL)
    {
      self->pending_idle_timeout_ms = timeout_ms;
      return;
    }

  if ((guint) g_atomic_int_exchange (&self->core->idle_timeout_ms, timeout_ms) != timeout_ms)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT]);
}

/**
 * relay_pool_get_priority:
 * @self: a pool
 *
 * Gets [property@Relay.Pool:priority]. Any thread.
 *
 * Returns: the priority of the promises the pool returns
 */
int
relay_pool_get_priority (RelayPool *self)
{
  g_return_val_if_fail (RELAY_IS_POOL (self), G_PRIORITY_DEFAULT);

  return g_atomic_int_get (&self->priority);
}

/**
 * relay_pool_set_priority:
 * @self: a pool
 * @priority: a [struct@GLib.Source] priority
 *
 * Sets [property@Relay.Pool:priority], for the jobs run after this call. Any
 * thread.
 */
void
relay_pool_set_priority (RelayPool *self,
                         int        priority)
{
  g_return_if_fail (RELAY_IS_POOL (self));

  if (g_atomic_int_exchange (&self->priority, priority) != priority)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
}

/**
 * relay_pool_get_n_threads:
 * @self: a pool
 *
 * Counts the pool's worker threads: those running jobs and those waiting
 * for one (until their [property@Relay.Pool:idle-timeout]). Any thread.
 *
 * Returns: how many worker threads the pool has (a snapshot)
 */
guint
relay_pool_get_n_threads (RelayPool *self)
{
  g_return_val_if_fail (RELAY_IS_POOL (self), 0);

  return (guint) g_atomic_int_get (&self->core->n_threads);
}

/**
 * relay_pool_get_n_queued:
 * @self: a pool
 *
 * Counts the jobs that were submitted and have not started yet. Any thread.
 *
 * Returns: how many jobs wait for a thread (a snapshot)
 */
guint
relay_pool_get_n_queued (RelayPool *self)
{
  g_return_val_if_fail (RELAY_IS_POOL (self), 0);

  return (guint) g_atomic_int_get (&self->core->n_queued);
}

/**
 * relay_pool_get_n_running:
 * @self: a pool
 *
 * Counts the jobs whose function is running on a worker right now. Any
 * thread.
 *
 * Returns: how many jobs are running (a snapshot)
 */
guint
relay_pool_get_n_running (RelayPool *self)
{
  g_return_val_if_fail (RELAY_IS_POOL (self), 0);

  return (guint) g_atomic_int_get (&self->core->n_busy);
}

/**
 * relay_pool_shutdown:
 * @self: a pool
 *
 * Stops the pool: queued jobs are rejected with %G_IO_ERROR_CANCELLED and never
 * run, running jobs are waited for, the threads exit. Idempotent: every call,
 * even several at once from different threads, returns only after the running
 * jobs returned and the threads exited. Also done when the last reference is
 * dropped. Call from any thread but the pool's own workers (a job cannot wait
 * for itself).
 */
void
relay_pool_shutdown (RelayPool *self)
{
  g_return_if_fail (RELAY_IS_POOL (self));

  if (g_private_get (&current_core) == self->core)
    {
      g_critical ("%s: called from a job of the same pool, which would wait for itself",
                  G_STRFUNC);
      return;
    }

  core_shutdown (self->core, TRUE);
}

/**
 * relay_pool_is_shut_down:
 * @self: a pool
 *
 * Whether the pool stopped accepting jobs. Any thread.
 *
 * Returns: whether [method@Relay.Pool.shutdown] was called
 */
gboolean
relay_pool_is_shut_down (RelayPool *self)
{
  g_return_val_if_fail (RELAY_IS_POOL (self), FALSE);

  return g_atomic_int_get (&self->core->shut_down);
}

/* A job of this pool blocks in relay_job_wait(): let one more thread run. */
static void
runner_begin_wait (gpointer runner)
{
  RelayPoolCore *core = runner;

  relay_mutex_lock (&core->lock);
  core->n_waiting++;
  wake_locked (core);
  relay_mutex_unlock (&core->lock);
}

static void
runner_end_wait (gpointer runner)
{
  RelayPoolCore *core = runner;

  relay_mutex_lock (&core->lock);
  core->n_waiting--;
  relay_mutex_unlock (&core->lock);
}
