/* relay-promise-timers.c: promises that settle when time passes — new_delay and
 * timeout
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Timers are GLib timeout sources created on the calling thread (their
 * deadline counts from then) and attached, and destroyed, by the owner of the
 * promise's context through its dispatcher: no other thread ever takes that
 * context's lock.
 */
#include "config.h"

#include "relay-promise-private.h"
#include "relay-sync-private.h"

static gboolean
delay_elapsed (gpointer user_data)
{
  relay_promise_resolve_values (user_data, NULL, 0);
  return G_SOURCE_REMOVE;
}

/**
 * relay_promise_new_delay:
 * @milliseconds: how long to wait
 *
 * Creates a promise that is fulfilled, with no values, once @milliseconds have
 * passed on the calling thread's thread-default main context (a g_timeout_add()
 * as a promise). The timer holds a reference to the promise until it fires.
 *
 * Returns: (transfer full): a pending promise
 */
RelayPromise *
relay_promise_new_delay (guint milliseconds)
{
  RelayPromise *self = relay_promise_new ();
  g_autoptr(GSource) source = g_timeout_source_new (milliseconds);

  g_source_set_static_name (source, "[relay] delay");
  g_source_set_callback (source, delay_elapsed, g_object_ref (self), g_object_unref);
  relay_dispatcher_attach_source (self->dispatcher, source);

  return self;
}

/* ------------------------------------------------------------------------ */
/* Timeout                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayReaction  parent;
  GSource       *timer;     /* owned */
} TimeoutReaction;

/* Internal: runs on whatever thread settles or abandons the source. */
static void
timeout_run (RelayReaction *reaction,
             RelayPromise  *source)
{
  TimeoutReaction *self = (TimeoutReaction *) reaction;

  _relay_promise_settle_from (reaction->derived, source);
  relay_dispatcher_destroy_source (reaction->derived->dispatcher, self->timer);
}

static void
timeout_abandon (RelayReaction *reaction,
                 RelayPromise  *source)
{
  TimeoutReaction *self = (TimeoutReaction *) reaction;

  _relay_promise_abandon_derived (reaction, source);
  relay_dispatcher_destroy_source (reaction->derived->dispatcher, self->timer);
}

static void
timeout_free (RelayReaction *reaction)
{
  TimeoutReaction *self = (TimeoutReaction *) reaction;

  g_source_unref (self->timer);
  g_clear_object (&reaction->derived);
  g_free (self);
}

static const RelayReactionClass timeout_class = {
  .run = timeout_run,
  .abandon = timeout_abandon,
  .free = timeout_free,
  .internal = TRUE,
};

static gboolean
timeout_elapsed (gpointer user_data)
{
  RelayPromise *derived = user_data;
  RelayPromise *upstream = NULL;

  _relay_promise_lock (derived);
  if (derived->upstream != NULL)
    upstream = g_object_ref (derived->upstream);
  _relay_promise_unlock (derived);

  if (_relay_promise_reject_code (derived, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                  "The operation timed out") &&
      upstream != NULL)
    _relay_promise_release_consumer (upstream);

  g_clear_object (&upstream);
  return G_SOURCE_REMOVE;
}

/**
 * relay_promise_timeout:
 * @self: a promise
 * @milliseconds: how long to wait for @self
 *
 * Returns a promise that settles like @self, or is rejected with
 * %G_IO_ERROR_TIMED_OUT if @self has not settled after @milliseconds. On a
 * timeout, @self is cancelled unless something else consumes it (see
 * [method@Relay.Promise.cancel]). The time counts from this call; the timer
 * runs on @self's context, which attaches it. Any thread.
 *
 * Returns: (transfer full): a new promise
 */
RelayPromise *
relay_promise_timeout (RelayPromise *self,
                       guint         milliseconds)
{
  TimeoutReaction *reaction;
  RelayPromise *derived;
  g_autoptr(GSource) timer = NULL;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  derived = _relay_promise_new_derived (self);
  derived->upstream = self;

  reaction = g_new0 (TimeoutReaction, 1);
  reaction->parent.klass = &timeout_class;
  reaction->parent.derived = g_object_ref (derived);
  reaction->parent.back_link = &derived->upstream;
  reaction->parent.consumer = TRUE;
  timer = g_timeout_source_new (milliseconds);
  g_source_set_static_name (timer, "[relay] promise timeout");
  g_source_set_callback (timer, timeout_elapsed, g_object_ref (derived), g_object_unref);
  reaction->timer = g_source_ref (timer);

  /* Count as a consumer of @self before the timer can fire and release it;
   * then let the owner attach the timer (unless @self settled meanwhile and
   * the reaction destroyed it). */
  _relay_promise_add_reaction (self, &reaction->parent);
  relay_dispatcher_attach_source (derived->dispatcher, timer);

  return derived;
}
