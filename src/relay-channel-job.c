/* relay-channel-job.c: a pool job that streams its results into a channel
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "relay-channel.h"
#include "relay-error.h"
#include "relay-pool.h"
#include "relay-promise-private.h"

typedef struct
{
  RelayChannel    *channel;   /* owned */
  RelayStreamFunc  func;
  gpointer         user_data;
  GDestroyNotify   destroy;
} Stream;

static void
stream_free (gpointer data)
{
  Stream *stream = data;

  if (stream->destroy != NULL)
    stream->destroy (stream->user_data);
  g_object_unref (stream->channel);
  g_free (stream);
}

static void
stream_job (RelayJob *job,
            gpointer  data)
{
  Stream *stream = data;

  stream->func (job, stream->channel, stream->user_data);

  /* Returning is the end of the stream: no result needed. */
  if (!relay_job_has_returned (job))
    relay_job_return_values (job, NULL, 0);
}

/* Closes the channel when the job's promise settles: when the function
 * returned, when the job was cancelled (at once, on the cancelling thread,
 * even while the function still runs) or when a shutdown dropped it. */
typedef struct
{
  RelayReaction  parent;
  RelayChannel  *channel;   /* owned */
} CloseReaction;

static void
close_run (RelayReaction *reaction,
           RelayPromise  *source)
{
  CloseReaction *self = (CloseReaction *) reaction;
  const GError *error = relay_promise_get_error (source);

  relay_channel_close (self->channel, error != NULL ? g_error_copy (error) : NULL);
}

static void
close_abandon (RelayReaction *reaction,
               RelayPromise  *source)
{
  CloseReaction *self = (CloseReaction *) reaction;

  relay_channel_close (self->channel,
                       g_error_new_literal (RELAY_ERROR, RELAY_ERROR_ABANDONED,
                                            "The job was dropped before it ran"));
}

static void
close_free (RelayReaction *reaction)
{
  CloseReaction *self = (CloseReaction *) reaction;

  g_object_unref (self->channel);
  g_free (self);
}

static const RelayReactionClass close_class = {
  .run = close_run,
  .abandon = close_abandon,
  .free = close_free,
  .internal = TRUE,
};

/**
 * relay_pool_stream:
 * @pool: a pool
 * @capacity: the capacity of the channel, at least 1: how far the job may run
 *   ahead of its receivers before its [method@Relay.Channel.push] blocks
 * @cancellable: (nullable): cancels the job, which closes the channel
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 *   function; it runs on a worker thread
 * @user_data: data for @func
 * @destroy: (nullable): releases @user_data once the job is done
 *
 * Runs @func on a worker of @pool, as [method@Relay.Pool.run] does, and
 * returns a new channel that @func pushes its results into: they can be
 * received while the job runs, in the order it pushed them.
 *
 * The job closes the channel when it ends, so receivers get every value it
 * pushed and then:
 *
 * - %RELAY_ERROR_CLOSED when @func returned (it need not call a
 *   `relay_job_return_*()` function);
 * - the job's error when it returned one with [method@Relay.Job.return_error];
 * - %G_IO_ERROR_CANCELLED as soon as @cancellable is cancelled, even while
 *   @func still runs: its next push (or the one it is blocked in) fails, and
 *   @func should return. A job cancelled before it started never starts;
 * - the pool's error when the pool was shut down before the job started.
 *
 * A receiver that lost interest closes the channel
 * ([method@Relay.Channel.close]): the job's next push fails with the close
 * error, and it should return.
 *
 * Returns: (transfer full): the channel the job streams into
 *
 * Since: 1.0
 */
RelayChannel *
relay_pool_stream (RelayPool       *pool,
                   guint            capacity,
                   GCancellable    *cancellable,
                   RelayStreamFunc  func,
                   gpointer         user_data,
                   GDestroyNotify   destroy)
{
  Stream *stream;
  CloseReaction *reaction;
  RelayChannel *channel;
  RelayPromise *promise;

  g_return_val_if_fail (RELAY_IS_POOL (pool), NULL);
  g_return_val_if_fail (capacity > 0, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  channel = relay_channel_new (capacity);

  stream = g_new0 (Stream, 1);
  stream->channel = g_object_ref (channel);
  stream->func = func;
  stream->user_data = user_data;
  stream->destroy = destroy;

  promise = relay_pool_run (pool, cancellable, stream_job, stream, stream_free);

  reaction = g_new0 (CloseReaction, 1);
  reaction->parent.klass = &close_class;
  reaction->channel = g_object_ref (channel);
  _relay_promise_add_reaction (promise, &reaction->parent);
  g_object_unref (promise);

  return channel;
}

/**
 * relay_stream_in_thread:
 * @capacity: the capacity of the channel, at least 1
 * @cancellable: (nullable): cancels the job, which closes the channel
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 *   function; it runs on a worker thread
 * @user_data: data for @func
 * @destroy: (nullable): releases @user_data once the job is done
 *
 * [method@Relay.Pool.stream] on the default pool
 * ([func@Relay.Pool.get_default]).
 *
 * Returns: (transfer full): the channel the job streams into
 *
 * Since: 1.0
 */
RelayChannel *
relay_stream_in_thread (guint            capacity,
                        GCancellable    *cancellable,
                        RelayStreamFunc  func,
                        gpointer         user_data,
                        GDestroyNotify   destroy)
{
  return relay_pool_stream (relay_pool_get_default (), capacity, cancellable, func, user_data, destroy);
}
