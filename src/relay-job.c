/* relay-job.c: the handle a background job function receives on its worker thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * RelayJob:
 *
 * A job running on a worker thread of a [class@Relay.Pool].
 *
 * The job function receives the job and reports through it: exactly one
 * `relay_job_return_*()` call with its values or error (that settles the job's
 * promise at once, from the worker thread), progress with
 * [method@Relay.Job.set_progress] as often as it likes, and it watches
 * [method@Relay.Job.get_cancellable] to stop early:
 *
 * ```c
 * static void
 * count_primes (RelayJob *job, gpointer user_data)
 * {
 *   guint limit = GPOINTER_TO_UINT (user_data), found = 0;
 *
 *   for (guint n = 2; n < limit; n++)
 *     {
 *       if (relay_job_return_error_if_cancelled (job))
 *         return;
 *       if (is_prime (n))
 *         found++;
 *       relay_job_set_progress (job, (double) n / limit, NULL);
 *     }
 *
 *   relay_job_return_int64 (job, found);
 * }
 * ```
 *
 * The `relay_job_return_*()` functions and [method@Relay.Job.wait] may be
 * called only from the job function, on its worker thread; calling them
 * anywhere else, or after the function returned, reports a critical and does
 * nothing. [method@Relay.Job.get_cancellable], [method@Relay.Job.is_cancelled]
 * and [method@Relay.Job.set_progress] work from any thread, for as long as
 * the job exists. Each job is its own object, created for one run.
 */

#include "config.h"

#include "relay-sync-private.h"

#include "relay-error.h"
#include "relay-job-private.h"
#include "relay-promise-private.h"

G_DEFINE_FINAL_TYPE (RelayJob, relay_job, G_TYPE_OBJECT)

/* Never from the linked cancellable's own ::cancelled handler, which
 * g_cancellable_disconnect() would wait for forever: it runs when the job is
 * done, on its worker or where the pool cancelled it. */
static void
release_data (RelayJob *self)
{
  GDestroyNotify destroy = g_steal_pointer (&self->destroy);

  if (self->linked != NULL)
    {
      g_cancellable_disconnect (self->linked, self->linked_id);
      self->linked_id = 0;
      g_clear_object (&self->linked);
    }

  self->func = NULL;
  if (destroy != NULL)
    destroy (g_steal_pointer (&self->user_data));
}

static void
linked_cancelled (GCancellable *cancellable,
                  gpointer      data)
{
  g_autoptr(RelayPromise) promise = g_weak_ref_get (data);

  if (promise != NULL)
    relay_promise_cancel (promise);
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* Cancelling @cancellable (nullable) cancels the job's promise, until the
 * job is done. */
void
_relay_job_link_cancellable (RelayJob     *self,
                             GCancellable *cancellable)
{
  GWeakRef *weak;

  if (cancellable == NULL)
    return;

  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self->promise);
  self->linked = g_object_ref (cancellable);
  /* Already cancelled: the handler runs now and the id is 0. */
  self->linked_id = g_cancellable_connect (cancellable, G_CALLBACK (linked_cancelled),
                                           weak, weak_ref_free);
}

static void
relay_job_finalize (GObject *object)
{
  RelayJob *self = RELAY_JOB (object);

  /* Every thread that dropped a reference did so before this one dropped the
   * last: GObject's count orders that, invisibly to ThreadSanitizer, whose
   * GLib wrapper (tests/tsan-glib-refcount.c) releases on each unref. */
  relay_tsan_acquire (object);

  release_data (self);
  g_clear_object (&self->promise);

  G_OBJECT_CLASS (relay_job_parent_class)->finalize (object);
}

static void
relay_job_class_init (RelayJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = relay_job_finalize;
}

static void
relay_job_init (RelayJob *self)
{
}

/* A job for @func that settles @promise; nothing runs it yet. */
RelayJob *
_relay_job_new (RelayPromise   *promise,
                RelayJobFunc    func,
                gpointer        user_data,
                GDestroyNotify  destroy)
{
  RelayJob *self = g_object_new (RELAY_TYPE_JOB, NULL);

  self->promise = g_object_ref (promise);
  self->func = func;
  self->user_data = user_data;
  self->destroy = destroy;

  return self;
}

/* The job will never run: reject its promise, release its data. */
void
_relay_job_cancel (RelayJob   *self,
                   GQuark      domain,
                   int         code,
                   const char *message)
{
  relay_promise_reject_literal (self->promise, domain, code, message);
  release_data (self);
  g_atomic_int_set (&self->done, TRUE);
}

/* On a worker thread: runs the function (unless the promise was cancelled
 * while the job was queued), then releases the job's data there. */
void
_relay_job_run (RelayJob                  *self,
                const RelayJobRunnerFuncs *runner_funcs,
                gpointer                   runner)
{
  if (relay_promise_is_pending (self->promise))
    {
      self->runner_funcs = runner_funcs;
      self->runner = runner;
      g_atomic_pointer_set (&self->thread, g_thread_self ());

      self->func (self, self->user_data);

      g_atomic_pointer_set (&self->thread, NULL);
      self->runner_funcs = NULL;
      self->runner = NULL;

      if (!self->returned)
        _relay_promise_reject_code (self->promise, RELAY_ERROR, RELAY_ERROR_NO_RESULT,
                                    "The job function returned without returning a value or an error");
    }

  /* The job's data is released on the worker, as soon as the job is done. */
  release_data (self);
  g_atomic_int_set (&self->done, TRUE);
}

/* Whether the calling thread is running @self's function. */
static gboolean
job_is_running_here (RelayJob *self)
{
  return g_atomic_pointer_get (&self->thread) == (gpointer) g_thread_self ();
}

static gboolean
begin_return (RelayJob   *self,
              const char *strfunc)
{
  if (!job_is_running_here (self))
    {
      g_critical ("%s: the job is not running on this thread; call it from the job function",
                  strfunc);
      return FALSE;
    }

  if (self->returned)
    {
      g_critical ("%s: the job already returned a result; a job returns exactly once", strfunc);
      return FALSE;
    }

  self->returned = TRUE;
  return TRUE;
}

/**
 * relay_job_return_value:
 * @self: a job
 * @value: (nullable): the value, copied, or %NULL for none
 *
 * Fulfils the job's promise with @value. Call once, from the job function.
 */
void
relay_job_return_value (RelayJob     *self,
                        const GValue *value)
{
  g_return_if_fail (RELAY_IS_JOB (self));
  g_return_if_fail (value == NULL || G_IS_VALUE (value));

  if (begin_return (self, G_STRFUNC))
    relay_promise_resolve (self->promise, value);
}

/**
 * relay_job_return_values:
 * @self: a job
 * @values: (array length=n_values) (nullable): the values, copied
 * @n_values: how many
 *
 * Fulfils the job's promise with several values, where a GTask returns one;
 * handlers read them in order. Call once, from the job function.
 */
void
relay_job_return_values (RelayJob     *self,
                         const GValue *values,
                         guint         n_values)
{
  g_return_if_fail (RELAY_IS_JOB (self));
  g_return_if_fail (values != NULL || n_values == 0);

  if (begin_return (self, G_STRFUNC))
    relay_promise_resolve_values (self->promise, values, n_values);
}

/**
 * relay_job_return_boolean:
 * @self: a job
 * @value: the value
 *
 * Fulfils the job's promise with one boolean. Call once, from the job function.
 */
void
relay_job_return_boolean (RelayJob *self,
                          gboolean  value)
{
  g_return_if_fail (RELAY_IS_JOB (self));

  if (begin_return (self, G_STRFUNC))
    relay_promise_resolve_boolean (self->promise, value);
}

/**
 * relay_job_return_int64:
 * @self: a job
 * @value: the value
 *
 * Fulfils the job's promise with one 64-bit int. Call once, from the job function.
 */
void
relay_job_return_int64 (RelayJob *self,
                        gint64    value)
{
  g_return_if_fail (RELAY_IS_JOB (self));

  if (begin_return (self, G_STRFUNC))
    relay_promise_resolve_int64 (self->promise, value);
}

/**
 * relay_job_return_double:
 * @self: a job
 * @value: the value
 *
 * Fulfils the job's promise with one double. Call once, from the job function.
 */
void
relay_job_return_double (RelayJob *self,
                         double    value)
{
  g_return_if_fail (RELAY_IS_JOB (self));

  if (begin_return (self, G_STRFUNC))
    relay_promise_resolve_double (self->promise, value);
}

/**
 * relay_job_return_string:
 * @self: a job
 * @value: (nullable): the string, copied
 *
 * Fulfils the job's promise with one string. Call once, from the job function.
 */
void
relay_job_return_string (RelayJob   *self,
                         const char *value)
{
  g_return_if_fail (RELAY_IS_JOB (self));

  if (begin_return (self, G_STRFUNC))
    relay_promise_resolve_string (self->promise, value);
}

/**
 * relay_job_return_object:
 * @self: a job
 * @object: (type GObject) (nullable): the object; the promise takes a reference
 *
 * Fulfils the job's promise with one object. Call once, from the job function.
 */
void
relay_job_return_object (RelayJob *self,
                         gpointer  object)
{
  g_return_if_fail (RELAY_IS_JOB (self));
  g_return_if_fail (object == NULL || G_IS_OBJECT (object));

  if (begin_return (self, G_STRFUNC))
    relay_promise_resolve_object (self->promise, object);
}

/**
 * relay_job_return_pointer: (skip)
 * @self: a job
 * @pointer: (nullable): the pointer
 * @destroy: (nullable): releases @pointer when no promise needs it any more
 *
 * Fulfils the job's promise with one pointer; see
 * [method@Relay.Promise.resolve_pointer]. Call once, from the job function.
 */
void
relay_job_return_pointer (RelayJob       *self,
                          gpointer        pointer,
                          GDestroyNotify  destroy)
{
  g_return_if_fail (RELAY_IS_JOB (self));

  if (begin_return (self, G_STRFUNC))
    relay_promise_resolve_pointer (self->promise, pointer, destroy);
  else if (destroy != NULL)
    destroy (pointer);
}

/**
 * relay_job_return_error:
 * @self: a job
 * @error: (transfer full): the error
 *
 * Rejects the job's promise with @error. Call once, from the job function.
 */
void
relay_job_return_error (RelayJob *self,
                        GError   *error)
{
  g_return_if_fail (RELAY_IS_JOB (self));
  g_return_if_fail (error != NULL);

  if (begin_return (self, G_STRFUNC))
    relay_promise_reject (self->promise, error);
  else
    g_error_free (error);
}

/**
 * relay_job_return_new_error: (skip)
 * @self: a job
 * @domain: the error domain
 * @code: the error code
 * @format: a printf() format for the message
 * @...: the format's arguments
 *
 * Rejects the job's promise with a new error. Call once, from the job function.
 */
void
relay_job_return_new_error (RelayJob   *self,
                            GQuark      domain,
                            int         code,
                            const char *format,
                            ...)
{
  va_list args;
  GError *error;

  g_return_if_fail (RELAY_IS_JOB (self));
  g_return_if_fail (format != NULL);

  va_start (args, format);
  error = g_error_new_valist (domain, code, format, args);
  va_end (args);

  relay_job_return_error (self, error);
}

/**
 * relay_job_return_error_if_cancelled:
 * @self: a job
 *
 * If the job was cancelled, returns %G_IO_ERROR_CANCELLED (its promise is
 * already rejected with it) and returns %TRUE: the job function should then
 * return at once.
 *
 * Returns: %TRUE if the job was cancelled
 */
gboolean
relay_job_return_error_if_cancelled (RelayJob *self)
{
  g_return_val_if_fail (RELAY_IS_JOB (self), FALSE);

  if (!relay_job_is_cancelled (self))
    return FALSE;

  if (!self->returned)
    relay_job_return_error (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                       "Operation was cancelled"));
  return TRUE;
}

/**
 * relay_job_has_returned:
 * @self: a job
 *
 * Whether the job function already settled the job's promise. Call from the
 * job function, on its worker thread.
 *
 * Returns: whether a `relay_job_return_*()` function was called
 */
gboolean
relay_job_has_returned (RelayJob *self)
{
  g_return_val_if_fail (RELAY_IS_JOB (self), FALSE);

  return self->returned;
}

/**
 * relay_job_get_cancellable:
 * @self: a job
 *
 * The cancellable that is cancelled when the job's promise is cancelled (or the
 * pool shuts down before the job could start). Any thread, at any time.
 *
 * Returns: (transfer none): the cancellable, valid as long as the job
 */
GCancellable *
relay_job_get_cancellable (RelayJob *self)
{
  g_return_val_if_fail (RELAY_IS_JOB (self), NULL);

  return relay_promise_get_cancellable (self->promise);
}

/**
 * relay_job_is_cancelled:
 * @self: a job
 *
 * Cheap enough to call in a tight loop. Any thread, at any time.
 *
 * Returns: whether the job's promise was cancelled
 */
gboolean
relay_job_is_cancelled (RelayJob *self)
{
  g_return_val_if_fail (RELAY_IS_JOB (self), FALSE);

  return relay_promise_get_state (self->promise) == RELAY_PROMISE_STATE_REJECTED &&
         _relay_promise_cancel_requested (self->promise);
}

/**
 * relay_job_set_progress:
 * @self: a job
 * @fraction: how far the job is, from 0 to 1
 * @text: (nullable): what it is doing, or %NULL to keep the previous text
 *
 * Reports progress. Call as often as you like: reports are coalesced on the
 * way to the main context (the latest wins), where they update
 * [property@Relay.Promise:progress] and [property@Relay.Promise:progress-text]
 * of the job's promise and emit `notify`.
 */
void
relay_job_set_progress (RelayJob   *self,
                        double      fraction,
                        const char *text)
{
  g_return_if_fail (RELAY_IS_JOB (self));

  relay_promise_report_progress (self->promise, fraction, text);
}

/**
 * relay_job_wait:
 * @self: the calling job
 * @promise: the promise to wait for
 * @error: return location for its error
 *
 * Blocks the job until @promise settles, typically the promise of another job.
 *
 * This is Relay's answer to the thread-pool deadlock (a job waiting for a job
 * queued behind it on a saturated pool, which never starts): while a job waits
 * here, its pool may run one more thread, so the job it waits for can start.
 * Waiting on a promise some other way (a lock, relay_promise_wait()) gets no
 * such help.
 *
 * Returns: %TRUE if @promise was fulfilled; %FALSE with @error set if it was
 *   rejected or the job was cancelled while waiting
 */
gboolean
relay_job_wait (RelayJob      *self,
                RelayPromise  *promise,
                GError       **error)
{
  gboolean fulfilled;

  g_return_val_if_fail (RELAY_IS_JOB (self), FALSE);
  g_return_val_if_fail (job_is_running_here (self), FALSE);
  g_return_val_if_fail (RELAY_IS_PROMISE (promise), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self->runner_funcs->begin_wait (self->runner);
  fulfilled = relay_promise_wait (promise, relay_job_get_cancellable (self), error);
  self->runner_funcs->end_wait (self->runner);

  return fulfilled;
}
