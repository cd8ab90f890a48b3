/* relay-pool.c: a bounded pool of worker threads that returns promises
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * RelayPool:
 *
 * A bounded set of worker threads that run functions in the background and
 * hand back a [class@Relay.Promise] for each result: cl-async's `work`, done
 * properly.
 *
 * ```c
 * static void
 * add (RelayJob *job, gpointer user_data)
 * {
 *   g_usleep (3 * G_USEC_PER_SEC);           // on a worker thread
 *   relay_job_return_int (job, 4 + 5);
 * }
 *
 * static RelayPromise *
 * show (RelayPromise *promise, gpointer user_data)
 * {
 *   g_print ("got val: %d\n", relay_promise_get_int (promise));   // main thread
 *   return NULL;
 * }
 *
 * g_autoptr(RelayPromise) work = relay_run_in_thread (add, NULL, NULL);
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
 * threads it keeps and reuses (a [struct@GLib.ThreadPool] of its own), however
 * many jobs are queued. Jobs start in the order they were submitted. The
 * default pool, used by [func@Relay.run_in_thread], is bounded by the number
 * of processors.
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
 * for the running jobs to return, and stops the threads. Later
 * [method@Relay.Pool.run] calls return promises rejected with %G_IO_ERROR_CLOSED.
 * A job's user data is released on its worker once it returned, or by shutdown
 * if it never ran. Handlers never run on a main context that was finalized.
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

#include "relay-job-private.h"
#include "relay-pool.h"
#include "relay-promise-private.h"
#include "relay-sync-private.h"

struct _RelayPool
{
  GObject      parent_instance;

  guint        max_threads;    /* immutable after construction */

  int          shut_down;      /* atomic, written under @lock: no job starts any more */
  int          n_running;      /* atomic */

  GMutex       lock;
  GThreadPool *threads;        /* lock; NULL once shut down */
  guint        n_waiting;      /* lock: jobs blocked in relay_job_wait() */
};

G_DEFINE_FINAL_TYPE (RelayPool, relay_pool, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MAX_THREADS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GPrivate current_pool;   /* the pool whose worker this thread is, if any */

/* A worker took @data, a RelayJobRequest, off the GThreadPool queue. */
static void
worker_func (gpointer data,
             gpointer user_data)
{
  RelayPool *self = user_data;
  RelayJobRequest *request = data;

  /* GThreadPool's queue made the hand-off; tell ThreadSanitizer. */
  relay_tsan_acquire (request);
  g_private_set (&current_pool, self);

  if (g_atomic_int_get (&self->shut_down))
    {
      /* Shutdown drains the queue through here: reject, never run. */
      _relay_job_request_cancel (request, "The pool was shut down before the job started");
    }
  else
    {
      g_atomic_int_inc (&self->n_running);
      _relay_job_run_request (self, request);
      g_atomic_int_add (&self->n_running, -1);
    }

  /* Everything this job did happens before relay_pool_shutdown() returns:
   * GThreadPool waits for its workers with a futex ThreadSanitizer cannot see. */
  relay_tsan_release (self);
}

static void
relay_pool_constructed (GObject *object)
{
  RelayPool *self = RELAY_POOL (object);
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (relay_pool_parent_class)->constructed (object);

  if (self->max_threads == 0)
    self->max_threads = MAX (g_get_num_processors (), 1);

  /* Exclusive: the threads are this pool's own, started now and reused for
   * every job, so the bound is also the number of distinct threads. */
  self->threads = g_thread_pool_new (worker_func, self, self->max_threads, TRUE, &error);
  if (self->threads == NULL)
    g_error ("Relay: cannot start %u worker threads: %s", self->max_threads, error->message);
}

static void
relay_pool_dispose (GObject *object)
{
  relay_pool_shutdown (RELAY_POOL (object));

  G_OBJECT_CLASS (relay_pool_parent_class)->dispose (object);
}

static void
relay_pool_finalize (GObject *object)
{
  RelayPool *self = RELAY_POOL (object);

  g_mutex_clear (&self->lock);

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
  object_class->get_property = relay_pool_get_property;
  object_class->set_property = relay_pool_set_property;

  /**
   * RelayPool:max-threads:
   *
   * The most jobs the pool runs at once, which is also the number of worker
   * threads it keeps. 0 at construction means the number of processors.
   */
  properties[PROP_MAX_THREADS] =
    g_param_spec_uint ("max-threads", NULL, NULL,
                       0, 1024, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
relay_pool_init (RelayPool *self)
{
  g_mutex_init (&self->lock);
}

/**
 * relay_pool_new:
 * @max_threads: the most jobs to run at once, or 0 for the number of processors
 *
 * Creates a pool with its own @max_threads worker threads.
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
 * @func: (scope notified) (closure user_data) (destroy destroy): the job function,
 *   run on a worker thread
 * @user_data: data for @func
 * @destroy: (nullable): releases @user_data once the job is done (on the worker)
 *   or dropped
 *
 * Queues @func to run on one of the pool's threads. Any thread; the promise
 * belongs to the calling thread's thread-default main context.
 *
 * Returns: (transfer full): a promise for the job's result; cancel it to
 *   cancel the job
 */
RelayPromise *
relay_pool_run (RelayPool      *self,
                RelayJobFunc    func,
                gpointer        user_data,
                GDestroyNotify  destroy)
{
  RelayPromise *promise;
  RelayJobRequest *request;

  g_return_val_if_fail (RELAY_IS_POOL (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  promise = relay_promise_new ();
  request = _relay_job_request_new (promise, func, user_data, destroy);

  relay_mutex_lock (&self->lock);
  if (g_atomic_int_get (&self->shut_down))
    {
      relay_mutex_unlock (&self->lock);
      relay_promise_reject_literal (promise, G_IO_ERROR, G_IO_ERROR_CLOSED,
                                    "The pool was shut down");
      if (destroy != NULL)
        destroy (user_data);
      g_object_unref (request->promise);
      g_free (request);
      return promise;
    }

  relay_tsan_release (request);
  g_thread_pool_push (self->threads, request, NULL);   /* the queue owns the request */
  relay_mutex_unlock (&self->lock);

  return promise;
}

/**
 * relay_run_in_thread:
 * @func: (scope notified) (closure user_data) (destroy destroy): the job function,
 *   run on a worker thread
 * @user_data: data for @func
 * @destroy: (nullable): releases @user_data once the job is done
 *
 * Runs @func on the default pool (see [func@Relay.Pool.get_default]).
 *
 * Returns: (transfer full): a promise for the job's result
 */
RelayPromise *
relay_run_in_thread (RelayJobFunc    func,
                     gpointer        user_data,
                     GDestroyNotify  destroy)
{
  g_return_val_if_fail (func != NULL, NULL);

  return relay_pool_run (relay_pool_get_default (), func, user_data, destroy);
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
  guint n = 0;

  g_return_val_if_fail (RELAY_IS_POOL (self), 0);

  relay_mutex_lock (&self->lock);
  if (self->threads != NULL)
    n = g_thread_pool_unprocessed (self->threads);
  relay_mutex_unlock (&self->lock);

  return n;
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

  return (guint) g_atomic_int_get (&self->n_running);
}

/**
 * relay_pool_shutdown:
 * @self: a pool
 *
 * Stops the pool: queued jobs are rejected with %G_IO_ERROR_CANCELLED and never
 * run, running jobs are waited for, the threads exit. Idempotent; also done
 * when the last reference is dropped. Call from any thread but the pool's own
 * workers (a job cannot wait for itself).
 */
void
relay_pool_shutdown (RelayPool *self)
{
  GThreadPool *threads;

  g_return_if_fail (RELAY_IS_POOL (self));

  if (g_private_get (&current_pool) == self)
    {
      g_critical ("%s: called from a job of the same pool, which would wait for itself",
                  G_STRFUNC);
      return;
    }

  relay_mutex_lock (&self->lock);
  if (g_atomic_int_get (&self->shut_down))
    {
      relay_mutex_unlock (&self->lock);
      return;
    }
  g_atomic_int_set (&self->shut_down, TRUE);
  threads = g_steal_pointer (&self->threads);
  relay_mutex_unlock (&self->lock);

  /* Drain the queue (every job still in it is rejected by worker_func, not
   * run) and wait for the running jobs to return. */
  g_thread_pool_free (threads, FALSE, TRUE);
  relay_tsan_acquire (self);   /* pairs with the end of worker_func() */
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

  return g_atomic_int_get (&self->shut_down);
}

/* A job of this pool blocks in relay_job_wait(): let one more thread run. */
void
_relay_pool_begin_wait (RelayPool *self)
{
  relay_mutex_lock (&self->lock);
  self->n_waiting++;
  if (self->threads != NULL)
    g_thread_pool_set_max_threads (self->threads, self->max_threads + self->n_waiting, NULL);
  relay_mutex_unlock (&self->lock);
}

void
_relay_pool_end_wait (RelayPool *self)
{
  relay_mutex_lock (&self->lock);
  self->n_waiting--;
  if (self->threads != NULL)
    g_thread_pool_set_max_threads (self->threads, self->max_threads + self->n_waiting, NULL);
  relay_mutex_unlock (&self->lock);
}
