/* relay-promise-gio.c: promises meet GIO — wait_async/wait_finish, a blocking
 * wait, and GTask in both directions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "relay-error.h"
#include "relay-promise-private.h"
#include "relay-sync-private.h"

/* ------------------------------------------------------------------------ */
/* GIO: wait_async, wait, GTask                                             */
/* ------------------------------------------------------------------------ */

static void
value_free (gpointer data)
{
  GValue *value = data;

  g_value_unset (value);
  g_free (value);
}

/* Returns @source's outcome to @task: its first value (as a GValue*) or its error. */
static void
return_outcome_to_task (GTask        *task,
                        RelayPromise *source)
{
  if (_relay_promise_state (source) == RELAY_PROMISE_STATE_REJECTED)
    {
      g_task_return_error (task, g_error_copy (source->error));
    }
  else if (_relay_promise_n_values (source) == 0)
    {
      g_task_return_pointer (task, NULL, NULL);
    }
  else
    {
      GValue *value = g_new0 (GValue, 1);

      g_value_init (value, G_VALUE_TYPE (&source->values[0]));
      g_value_copy (&source->values[0], value);
      g_task_return_pointer (task, value, value_free);
    }
}

typedef struct
{
  RelayReaction  parent;
  GTask         *task;
  int            returned;     /* atomic: the task got its result */
  gulong         cancelled_id;
  int            ref_count;    /* atomic: the reaction and the cancel handler */
} WaitReaction;

static void
wait_unref (WaitReaction *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  g_clear_object (&self->task);
  g_free (self);
}

static void
wait_run (RelayReaction *reaction,
          RelayPromise  *source)
{
  WaitReaction *self = (WaitReaction *) reaction;

  if (g_atomic_int_compare_and_exchange (&self->returned, FALSE, TRUE))
    return_outcome_to_task (self->task, source);
}

static void
wait_abandon (RelayReaction *reaction,
              RelayPromise  *source)
{
  WaitReaction *self = (WaitReaction *) reaction;

  if (g_atomic_int_compare_and_exchange (&self->returned, FALSE, TRUE))
    g_task_return_new_error (self->task, RELAY_ERROR, RELAY_ERROR_ABANDONED,
                             "The promise was finalized before it settled");
}

static void
wait_free (RelayReaction *reaction)
{
  WaitReaction *self = (WaitReaction *) reaction;
  GCancellable *cancellable = g_task_get_cancellable (self->task);

  if (self->cancelled_id != 0)
    g_cancellable_disconnect (cancellable, self->cancelled_id);
  wait_unref (self);
}

static const RelayReactionClass wait_class = {
  .run = wait_run,
  .abandon = wait_abandon,
  .free = wait_free,
  .internal = TRUE,
};

static void
wait_cancelled (GCancellable *cancellable,
                gpointer      user_data)
{
  WaitReaction *self = user_data;

  if (g_atomic_int_compare_and_exchange (&self->returned, FALSE, TRUE))
    g_task_return_new_error (self->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "Waiting for the promise was cancelled");
}

/**
 * relay_promise_wait_async:
 * @self: a promise
 * @cancellable: (nullable): stops the wait (not the promise)
 * @callback: (scope async) (closure user_data): called once @self settles, on the
 *   thread-default main context of the calling thread
 * @user_data: data for @callback
 *
 * Waits for @self in GIO's asynchronous style, so that GJS's `Gio._promisify`
 * and similar helpers can `await` a promise. Finish with
 * [method@Relay.Promise.wait_finish]. The [iface@Gio.AsyncResult] is a
 * [class@Gio.Task]: this is also how a promise becomes a GTask. Counts as
 * handling a rejection. Any thread.
 */
void
relay_promise_wait_async (RelayPromise        *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  WaitReaction *reaction;

  g_return_if_fail (RELAY_IS_PROMISE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  reaction = g_new0 (WaitReaction, 1);
  reaction->parent.klass = &wait_class;
  reaction->parent.consumer = TRUE;
  reaction->ref_count = 1;
  reaction->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (reaction->task, relay_promise_wait_async);
  g_task_set_check_cancellable (reaction->task, FALSE);

  if (cancellable != NULL)
    {
      g_atomic_int_inc (&reaction->ref_count);
      /* If already cancelled, this runs the handler and the unref at once. */
      reaction->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (wait_cancelled),
                                                      reaction, (GDestroyNotify) wait_unref);
    }

  _relay_promise_add_reaction (self, &reaction->parent);
}

/**
 * relay_promise_wait_finish:
 * @self: a promise
 * @result: the result passed to the callback of [method@Relay.Promise.wait_async]
 * @error: return location for the error @self was rejected with
 *
 * Finishes [method@Relay.Promise.wait_async]. Call it from the callback, which
 * runs on the thread-default main context of the thread that started the wait.
 *
 * Returns: (transfer full) (nullable): a copy of the first value @self was
 *   fulfilled with, or %NULL with @error set if it was rejected (or %NULL
 *   without an error if it was fulfilled with no values)
 */
GValue *
relay_promise_wait_finish (RelayPromise  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == relay_promise_wait_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  RelayReaction parent;
  GMutex        mutex;
  GCond         cond;
  gboolean      done;
  int           ref_count;    /* atomic: the reaction and the waiter */
} SyncReaction;

static void
sync_unref (SyncReaction *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

static void
sync_wake (SyncReaction *self)
{
  relay_mutex_lock (&self->mutex);
  self->done = TRUE;
  g_cond_broadcast (&self->cond);
  relay_mutex_unlock (&self->mutex);
}

static void
sync_run (RelayReaction *reaction,
          RelayPromise  *source)
{
  sync_wake ((SyncReaction *) reaction);
}

static void
sync_abandon (RelayReaction *reaction,
              RelayPromise  *source)
{
  sync_wake ((SyncReaction *) reaction);
}

static void
sync_free (RelayReaction *reaction)
{
  sync_unref ((SyncReaction *) reaction);
}

static const RelayReactionClass sync_class = {
  .run = sync_run,
  .abandon = sync_abandon,
  .free = sync_free,
  .internal = TRUE,
};

static void
sync_cancelled (GCancellable *cancellable,
                gpointer      user_data)
{
  sync_wake (user_data);
}

/**
 * relay_promise_wait:
 * @self: a promise
 * @cancellable: (nullable): stops the wait (not the promise)
 * @error: return location for the error @self was rejected with
 *
 * Blocks the calling thread until @self settles. This does not iterate any main
 * context and needs none: @self is woken from the thread that settles it. Never
 * call it on the thread of @self's context if handlers must run before @self
 * can settle. From a pool job, prefer [method@Relay.Job.wait], which keeps the
 * pool from deadlocking.
 *
 * Returns: %TRUE if @self was fulfilled; %FALSE with @error set if it was
 *   rejected or the wait was cancelled
 */
gboolean
relay_promise_wait (RelayPromise  *self,
                    GCancellable  *cancellable,
                    GError       **error)
{
  SyncReaction *reaction;
  gulong cancelled_id = 0;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  reaction = g_new0 (SyncReaction, 1);
  reaction->parent.klass = &sync_class;
  reaction->parent.consumer = TRUE;
  reaction->ref_count = 2;
  g_mutex_init (&reaction->mutex);
  g_cond_init (&reaction->cond);

  if (cancellable != NULL)
    cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (sync_cancelled), reaction, NULL);

  _relay_promise_add_reaction (self, &reaction->parent);

  relay_mutex_lock (&reaction->mutex);
  while (!reaction->done)
    relay_cond_wait (&reaction->cond, &reaction->mutex);
  relay_mutex_unlock (&reaction->mutex);

  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, cancelled_id);
  sync_unref (reaction);

  switch (relay_promise_get_state (self))
    {
    case RELAY_PROMISE_STATE_FULFILLED:
      return TRUE;

    case RELAY_PROMISE_STATE_REJECTED:
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;

    case RELAY_PROMISE_STATE_PENDING:
    default:
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error_literal (error, RELAY_ERROR, RELAY_ERROR_ABANDONED,
                             "The promise was finalized before it settled");
      return FALSE;
    }
}

/* Rejects @self because @result can only be read by its own _finish()
 * function, which is not known here. */
static void
reject_unreadable (RelayPromise *self,
                   GAsyncResult *result)
{
  GObject *source = G_IS_TASK (result) ? g_task_get_source_object (G_TASK (result)) : NULL;
  g_autofree char *what = NULL;

  if (!G_IS_TASK (result))
    what = g_strdup_printf ("a %s, not a GTask", G_OBJECT_TYPE_NAME (result));
  else if (source != NULL)
    what = g_strdup_printf ("a GTask of a %s operation", G_OBJECT_TYPE_NAME (source));
  else
    what = g_strdup ("a GTask with a source tag");

  relay_promise_reject (self,
                              g_error_new (RELAY_ERROR, RELAY_ERROR_NOT_SUPPORTED,
                                           "relay_promise_settle_from_task() and "
                                           "relay_promise_async_ready_callback() were given %s: "
                                           "only the operation's own _finish() function can read "
                                           "its result. Use relay_gio_ready() with "
                                           "relay_gio_finish_pointer() (or _boolean(), _size()) "
                                           "and that function, or a wrapper from relay-gio.h such "
                                           "as relay_file_load_bytes()", what));
}

/**
 * relay_promise_settle_from_task:
 * @self: a promise
 * @result: the result of an asynchronous operation
 *
 * Settles @self from a bare [class@Gio.Task] made for it: one with no source
 * object and no source tag, completed with g_task_return_value() or an
 * error, as in the example of [func@Relay.Promise.async_ready_callback]. @self
 * is fulfilled with the task's value or rejected with its error, and the
 * result is consumed.
 *
 * Any other result can only be read by its operation's own `_finish()`
 * function: a GTask has no way to tell how its result was set. That covers
 * every GIO call (each GTask of GIO has a source object or a source tag) and
 * any API with its own `_finish()`. @self is then rejected with
 * %RELAY_ERROR_NOT_SUPPORTED, whose message says what to use instead:
 * [func@Relay.gio_ready] with the call's finish function, or a wrapper such as
 * [func@Relay.file_load_bytes].
 *
 * A bare task completed with g_task_return_pointer() (or _boolean(), _int())
 * makes GLib print a critical, and rejects @self with
 * %RELAY_ERROR_NOT_SUPPORTED too; @self never stays pending. Any thread.
 */
void
relay_promise_settle_from_task (RelayPromise *self,
                                GAsyncResult *result)
{
  GValue value = G_VALUE_INIT;
  GError *error = NULL;

  g_return_if_fail (RELAY_IS_PROMISE (self));
  g_return_if_fail (G_IS_ASYNC_RESULT (result));

  if (!G_IS_TASK (result) ||
      g_task_get_source_object (G_TASK (result)) != NULL ||
      g_task_get_source_tag (G_TASK (result)) != NULL)
    {
      reject_unreadable (self, result);
      return;
    }

  if (g_task_propagate_value (G_TASK (result), &value, &error))
    _relay_promise_resolve_take (self, &value);
  else if (error != NULL)
    relay_promise_reject (self, error);
  else
    relay_promise_reject_literal (self, RELAY_ERROR, RELAY_ERROR_NOT_SUPPORTED,
                                  "relay_promise_settle_from_task() was given a GTask that "
                                  "was not completed with g_task_return_value(): complete it "
                                  "with g_task_return_value(), or settle the promise with "
                                  "relay_gio_ready() and the operation's _finish() function");
}

/**
 * relay_promise_async_ready_callback: (skip)
 * @source_object: (nullable): the source object of the operation
 * @result: the result of the operation, as for
 *   [method@Relay.Promise.settle_from_task]
 * @promise: (transfer full): the [class@Relay.Promise] to settle
 *
 * A [callback@Gio.AsyncReadyCallback] that settles @promise from a bare GTask
 * made for it, as [method@Relay.Promise.settle_from_task] does, and drops the
 * reference passed as user data. It may run on any thread; the handlers of
 * @promise still run on the promise's own context:
 *
 * ```c
 * RelayPromise *promise = relay_promise_new ();
 * GTask *task = g_task_new (NULL, relay_promise_get_cancellable (promise),
 *                           relay_promise_async_ready_callback,
 *                           g_object_ref (promise));
 * ```
 *
 * For a GIO call (g_file_load_contents_async() and the like), whose result
 * only its `_finish()` function can read, use [func@Relay.gio_ready] or a
 * wrapper such as [func@Relay.file_load_bytes]; given such a result, this
 * rejects @promise with %RELAY_ERROR_NOT_SUPPORTED.
 */
void
relay_promise_async_ready_callback (GObject      *source_object,
                                    GAsyncResult *result,
                                    gpointer      promise)
{
  g_return_if_fail (RELAY_IS_PROMISE (promise));

  relay_promise_settle_from_task (promise, result);
  g_object_unref (promise);
}

typedef struct
{
  RelayReaction  parent;
  GTask         *task;
} ToTaskReaction;

static void
to_task_run (RelayReaction *reaction,
             RelayPromise  *source)
{
  ToTaskReaction *self = (ToTaskReaction *) reaction;

  if (_relay_promise_state (source) == RELAY_PROMISE_STATE_REJECTED)
    {
      g_task_return_error (self->task, g_error_copy (source->error));
    }
  else if (_relay_promise_n_values (source) > 0)
    {
      g_task_return_value (self->task, (GValue *) &source->values[0]);
    }
  else
    {
      GValue none = G_VALUE_INIT;

      g_value_init (&none, G_TYPE_POINTER);
      g_task_return_value (self->task, &none);
    }
}

static void
to_task_abandon (RelayReaction *reaction,
                 RelayPromise  *source)
{
  ToTaskReaction *self = (ToTaskReaction *) reaction;

  g_task_return_new_error (self->task, RELAY_ERROR, RELAY_ERROR_ABANDONED,
                           "The promise was finalized before it settled");
}

static void
to_task_free (RelayReaction *reaction)
{
  ToTaskReaction *self = (ToTaskReaction *) reaction;

  g_clear_object (&self->task);
  g_free (self);
}

static const RelayReactionClass to_task_class = {
  .run = to_task_run,
  .abandon = to_task_abandon,
  .free = to_task_free,
  .internal = TRUE,
};

/**
 * relay_promise_return_to_task:
 * @self: a promise
 * @task: a [class@Gio.Task] that has not returned yet
 *
 * Completes @task with @self's outcome once it settles: g_task_return_value()
 * with the first value (a %G_TYPE_POINTER %NULL if there is none), or
 * g_task_return_error(). This is how an API built on GTask hands out work done
 * with promises; read the result with g_task_propagate_value(). Any thread.
 */
void
relay_promise_return_to_task (RelayPromise *self,
                              GTask        *task)
{
  ToTaskReaction *reaction;

  g_return_if_fail (RELAY_IS_PROMISE (self));
  g_return_if_fail (G_IS_TASK (task));

  reaction = g_new0 (ToTaskReaction, 1);
  reaction->parent.klass = &to_task_class;
  reaction->parent.consumer = TRUE;
  reaction->task = g_object_ref (task);

  _relay_promise_add_reaction (self, &reaction->parent);
}
