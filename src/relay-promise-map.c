/* relay-promise-map.c: map a promise-returning function over items with at
 * most N in flight, and reduce over promises in order
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Both keep a small state shared by the result promise's context and the
 * promises they wait on. The user's function only ever runs on the result's
 * context, from a task posted to its dispatcher (a "pump"); the promises it
 * returns may belong to any context and settle on any thread, so they are
 * watched with internal reactions, which only record the outcome under the
 * state's lock and post the pump. The pump starts new work, settles the
 * result when everything is in, and is never queued twice (RelayTask).
 */
#include "config.h"

#include "relay-enums.h"
#include "relay-error.h"
#include "relay-promise-private.h"
#include "relay-sync-private.h"

/* ------------------------------------------------------------------------ */
/* map                                                                      */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayTask        pump;          /* posted to @result's dispatcher */
  int              ref_count;     /* atomic: the caller's setup, each watch, a queued pump */

  RelayPromise    *result;        /* owned */
  RelayMapFunc     func;          /* owner only */
  gpointer         user_data;
  GDestroyNotify   destroy;
  RelayMapFlags    flags;         /* immutable */
  guint            max_in_flight; /* immutable */

  GValue          *items;         /* immutable copies */
  guint            n_items;

  gulong           cancel_id;     /* owner, once set: @result's cancellable handler */

  GMutex           lock;
  guint            next;          /* lock: the next item to start */
  guint            n_running;     /* lock */
  guint            n_done;        /* lock */
  RelayPromise   **mapped;        /* lock: item i's promise once started */
  gboolean         failed;        /* lock: a rejection cancels the rest */
} MapState;

typedef struct
{
  RelayReaction  parent;
  MapState      *state;
  guint          index;
} MapWatch;

static void
map_state_unref (MapState *state)
{
  if (!g_atomic_int_dec_and_test (&state->ref_count))
    return;

  for (guint i = 0; i < state->n_items; i++)
    {
      g_value_unset (&state->items[i]);
      g_clear_object (&state->mapped[i]);
    }
  g_free (state->items);
  g_free (state->mapped);
  if (state->destroy != NULL)
    state->destroy (state->user_data);
  g_object_unref (state->result);
  g_mutex_clear (&state->lock);
  g_free (state);
}

static void
post_pump (MapState *state)
{
  g_atomic_int_inc (&state->ref_count);
  if (!relay_dispatcher_post_at (state->result->dispatcher,
                                 _relay_promise_priority (state->result), &state->pump))
    map_state_unref (state);    /* queued already: that one will look */
}

/* Internal: item @index's promise settled, on whatever thread. */
static void
map_watch_run (RelayReaction *reaction,
               RelayPromise  *source)
{
  MapWatch *self = (MapWatch *) reaction;
  MapState *state = self->state;

  relay_mutex_lock (&state->lock);
  state->n_running--;
  state->n_done++;
  if (_relay_promise_state (source) == RELAY_PROMISE_STATE_REJECTED &&
      !(state->flags & RELAY_MAP_SETTLE_ALL))
    state->failed = TRUE;
  relay_mutex_unlock (&state->lock);

  post_pump (state);
}

static void
map_watch_abandon (RelayReaction *reaction,
                   RelayPromise  *source)
{
  /* The state holds every mapped promise until the end: never abandoned. */
  g_assert_not_reached ();
}

static void
map_watch_free (RelayReaction *reaction)
{
  map_state_unref (((MapWatch *) reaction)->state);
  g_free (reaction);
}

static const RelayReactionClass map_watch_class = {
  .run = map_watch_run,
  .abandon = map_watch_abandon,
  .free = map_watch_free,
  .internal = TRUE,
};

/* On the owner, everything is in (or a rejection stops it): settle. */
static void
map_finish (MapState *state)
{
  RelayPromise *first_rejected = NULL;
  GValue *values;

  for (guint i = 0; i < state->n_items && first_rejected == NULL; i++)
    if (state->mapped[i] != NULL &&
        relay_promise_get_state (state->mapped[i]) == RELAY_PROMISE_STATE_REJECTED &&
        !(state->flags & RELAY_MAP_SETTLE_ALL))
      first_rejected = state->mapped[i];

  if (first_rejected != NULL)
    {
      _relay_promise_settle_from (state->result, first_rejected);
      return;
    }

  values = state->n_items > 0 ? g_new0 (GValue, state->n_items) : NULL;
  for (guint i = 0; i < state->n_items; i++)
    {
      RelayPromise *mapped = state->mapped[i];

      if (state->flags & RELAY_MAP_SETTLE_ALL)
        {
          g_value_init (&values[i], RELAY_TYPE_PROMISE);
          g_value_set_object (&values[i], mapped);
        }
      else if (relay_promise_get_n_values (mapped) > 0)
        {
          const GValue *first = relay_promise_get_value (mapped, 0);

          g_value_init (&values[i], G_VALUE_TYPE (first));
          g_value_copy (first, &values[i]);
        }
      else
        {
          g_value_init (&values[i], G_TYPE_POINTER);
        }
    }

  _relay_promise_settle_take (state->result, values, state->n_items, NULL);
}

/* On the owner, once the result has settled: stop what still runs, and let
 * go of the result's cancellable (whose handler holds the state). Never
 * called from that handler, which only posts the pump. */
static void
map_stop (MapState *state)
{
  for (guint i = 0; i < state->n_items; i++)
    if (state->mapped[i] != NULL)
      relay_promise_cancel (state->mapped[i]);

  if (state->cancel_id != 0)
    {
      gulong id = state->cancel_id;

      state->cancel_id = 0;
      g_cancellable_disconnect (relay_promise_get_cancellable (state->result), id);
    }
}

/* On the owner: starts items while there is room, or settles the result. */
static void
map_pump (RelayTask *task,
          gboolean   dispatch)
{
  MapState *state = (MapState *) task;

  if (dispatch && !relay_promise_is_pending (state->result))
    map_stop (state);

  while (dispatch && relay_promise_is_pending (state->result))
    {
      RelayPromise *mapped;
      MapWatch *watch;
      gboolean finish, cancel_rest;
      guint index;

      relay_mutex_lock (&state->lock);
      finish = state->n_done == state->n_items || (state->failed && state->n_running == 0);
      cancel_rest = state->failed;
      index = state->next;
      if (!finish && !cancel_rest && index < state->n_items &&
          state->n_running < state->max_in_flight)
        {
          state->next++;
          state->n_running++;
        }
      else
        {
          index = G_MAXUINT;
        }
      relay_mutex_unlock (&state->lock);

      if (finish)
        {
          map_finish (state);
          map_stop (state);
          break;
        }

      if (cancel_rest)
        {
          /* A rejection: cancel what still runs; its reaction pumps again. */
          for (guint i = 0; i < state->n_items; i++)
            if (state->mapped[i] != NULL)
              relay_promise_cancel (state->mapped[i]);
          relay_mutex_lock (&state->lock);
          finish = state->n_running == 0;
          relay_mutex_unlock (&state->lock);
          if (finish)
            {
              map_finish (state);
              map_stop (state);
            }
          break;
        }

      if (index == G_MAXUINT)
        break;

      mapped = state->func (&state->items[index], index, state->user_data);
      if (mapped == NULL)
        {
          /* NULL: fulfilled with no values, as a handler's NULL. */
          mapped = _relay_promise_new_derived (state->result);
          _relay_promise_settle (mapped, RELAY_PROMISE_STATE_FULFILLED, NULL, 0, NULL, FALSE);
        }
      relay_mutex_lock (&state->lock);
      state->mapped[index] = mapped;
      relay_mutex_unlock (&state->lock);

      watch = g_new0 (MapWatch, 1);
      watch->parent.klass = &map_watch_class;
      watch->parent.consumer = TRUE;
      watch->state = state;
      watch->index = index;
      g_atomic_int_inc (&state->ref_count);
      _relay_promise_add_reaction (mapped, &watch->parent);
    }

  map_state_unref (state);    /* the reference this post took */
}

/* Cancelling the result cancels the work in flight and starts no more. */
static void
map_result_cancelled (GCancellable *cancellable,
                      gpointer      data)
{
  MapState *state = data;

  relay_mutex_lock (&state->lock);
  state->failed = TRUE;
  relay_mutex_unlock (&state->lock);
  post_pump (state);
}

/**
 * relay_promise_map:
 * @items: (array length=n_items) (nullable): the items
 * @n_items: how many there are
 * @max_in_flight: the most promises of @func pending at once; 0 for no limit
 * @flags: how a rejection is handled
 * @func: (scope notified) (closure user_data) (destroy destroy): returns a
 *   promise for one item
 * @user_data: data for @func
 * @destroy: (nullable): releases @user_data once the map is done
 *
 * Maps @func over @items with at most @max_in_flight of its promises pending
 * at once — a bounded parallel map, what is usually hand-written with GTask
 * and a counter: with [func@Relay.run_in_thread] as @func's work, say, a
 * thousand files are processed two at a time.
 *
 * @func runs on the calling thread's thread-default context (the context of
 * the returned promise), from its dispatcher, never inside this call; the
 * promises it returns may belong to any context. Returning %NULL is a
 * promise fulfilled with no values.
 *
 * The returned promise is fulfilled with one value per item, in input order:
 * each mapped promise's first value (a %G_TYPE_POINTER %NULL if it has
 * none). The first rejection rejects it and cancels the mapped promises still
 * pending; no more items start. With %RELAY_MAP_SETTLE_ALL every item runs
 * whatever happens to the others, and the returned promise is fulfilled with
 * the settled mapped promises themselves, as [func@Relay.Promise.all_settled]
 * does. Cancelling the returned promise cancels the work in flight and starts
 * no more. Any thread.
 *
 * Returns: (transfer full): a new promise
 */
RelayPromise *
relay_promise_map (const GValue   *items,
                   guint           n_items,
                   guint           max_in_flight,
                   RelayMapFlags   flags,
                   RelayMapFunc    func,
                   gpointer        user_data,
                   GDestroyNotify  destroy)
{
  MapState *state;
  RelayPromise *result;

  g_return_val_if_fail (items != NULL || n_items == 0, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  result = relay_promise_new ();

  state = g_new0 (MapState, 1);
  state->pump.func = map_pump;
  state->ref_count = 1;
  state->result = g_object_ref (result);
  state->func = func;
  state->user_data = user_data;
  state->destroy = destroy;
  state->flags = flags;
  state->max_in_flight = max_in_flight > 0 ? max_in_flight : G_MAXUINT;
  state->items = _relay_values_copy (items, n_items);
  state->n_items = n_items;
  state->mapped = g_new0 (RelayPromise *, MAX (n_items, 1));
  g_mutex_init (&state->lock);

  g_atomic_int_inc (&state->ref_count);    /* the cancel handler's */
  state->cancel_id = g_cancellable_connect (relay_promise_get_cancellable (result),
                                            G_CALLBACK (map_result_cancelled), state,
                                            (GDestroyNotify) map_state_unref);

  post_pump (state);
  map_state_unref (state);

  return result;
}

/* ------------------------------------------------------------------------ */
/* reduce                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayTask        pump;
  int              ref_count;     /* atomic */

  RelayPromise    *result;        /* owned */
  RelayReduceFunc  func;
  gpointer         user_data;
  GDestroyNotify   destroy;
  RelayPromise   **inputs;        /* owned */
  guint            n_inputs;

  /* Owner only: the step in progress. */
  guint            next;          /* the next input to fold in */
  RelayPromise    *accumulator;   /* owned: settled when the step is done */
} ReduceState;

typedef struct
{
  RelayReaction  parent;
  ReduceState   *state;
} ReduceWatch;

static void
reduce_state_unref (ReduceState *state)
{
  if (!g_atomic_int_dec_and_test (&state->ref_count))
    return;

  for (guint i = 0; i < state->n_inputs; i++)
    g_object_unref (state->inputs[i]);
  g_free (state->inputs);
  g_clear_object (&state->accumulator);
  if (state->destroy != NULL)
    state->destroy (state->user_data);
  g_object_unref (state->result);
  g_free (state);
}

static void
reduce_post (ReduceState *state)
{
  g_atomic_int_inc (&state->ref_count);
  if (!relay_dispatcher_post_at (state->result->dispatcher,
                                 _relay_promise_priority (state->result), &state->pump))
    reduce_state_unref (state);
}

static void
reduce_watch_run (RelayReaction *reaction,
                  RelayPromise  *source)
{
  reduce_post (((ReduceWatch *) reaction)->state);
}

static void
reduce_watch_free (RelayReaction *reaction)
{
  reduce_state_unref (((ReduceWatch *) reaction)->state);
  g_free (reaction);
}

static const RelayReactionClass reduce_watch_class = {
  .run = reduce_watch_run,
  .abandon = reduce_watch_run,
  .free = reduce_watch_free,
  .internal = TRUE,
};

/* Pumps again once @promise settles. */
static void
reduce_watch (ReduceState  *state,
              RelayPromise *promise)
{
  ReduceWatch *watch = g_new0 (ReduceWatch, 1);

  watch->parent.klass = &reduce_watch_class;
  watch->parent.consumer = TRUE;
  watch->state = state;
  g_atomic_int_inc (&state->ref_count);
  _relay_promise_add_reaction (promise, &watch->parent);
}

/* On the owner: one step at a time, each once both the accumulator and the
 * next input have settled. */
static void
reduce_pump (RelayTask *task,
             gboolean   dispatch)
{
  ReduceState *state = (ReduceState *) task;

  while (dispatch && relay_promise_is_pending (state->result))
    {
      RelayPromise *input, *next;

      if (relay_promise_is_pending (state->accumulator))
        break;    /* its watch pumps again */

      if (relay_promise_get_state (state->accumulator) == RELAY_PROMISE_STATE_REJECTED ||
          state->next == state->n_inputs)
        {
          _relay_promise_settle_from (state->result, state->accumulator);
          break;
        }

      input = state->inputs[state->next];
      if (relay_promise_is_pending (input))
        {
          reduce_watch (state, input);
          break;
        }
      if (relay_promise_get_state (input) == RELAY_PROMISE_STATE_REJECTED)
        {
          _relay_promise_settle_from (state->result, input);
          break;
        }

      state->next++;
      next = state->func (state->accumulator, input, state->user_data);
      if (next == NULL)
        {
          next = _relay_promise_new_derived (state->result);
          _relay_promise_settle (next, RELAY_PROMISE_STATE_FULFILLED, NULL, 0, NULL, FALSE);
        }
      g_object_unref (state->accumulator);
      state->accumulator = next;
      if (relay_promise_is_pending (next))
        reduce_watch (state, next);
    }

  reduce_state_unref (state);
}

/**
 * relay_promise_reduce:
 * @promises: (array length=n_promises) (nullable): the promises to fold in, in order
 * @n_promises: how many there are
 * @initial: (nullable): the first accumulator's value, or %NULL for none
 * @func: (scope notified) (closure user_data) (destroy destroy): folds one
 *   settled input into the accumulator
 * @user_data: data for @func
 * @destroy: (nullable): releases @user_data once the reduction is done
 *
 * Reduces over @promises in order: @func gets the accumulator (a settled
 * promise, first fulfilled with @initial) and the next input once both have
 * settled, and returns a promise for the next accumulator (or %NULL: one
 * fulfilled with no values). @func runs on the calling thread's
 * thread-default context, from its dispatcher, one step at a time, in input
 * order, however the inputs settle.
 *
 * The returned promise settles like the last accumulator. The first input or
 * accumulator that is rejected rejects it, and @func is not called again.
 * With no inputs it is fulfilled with @initial. Any thread.
 *
 * Returns: (transfer full): a new promise
 */
RelayPromise *
relay_promise_reduce (RelayPromise    **promises,
                      guint             n_promises,
                      const GValue     *initial,
                      RelayReduceFunc   func,
                      gpointer          user_data,
                      GDestroyNotify    destroy)
{
  ReduceState *state;
  RelayPromise *result;

  g_return_val_if_fail (promises != NULL || n_promises == 0, NULL);
  g_return_val_if_fail (initial == NULL || G_IS_VALUE (initial), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  for (guint i = 0; i < n_promises; i++)
    g_return_val_if_fail (RELAY_IS_PROMISE (promises[i]), NULL);

  result = relay_promise_new ();

  state = g_new0 (ReduceState, 1);
  state->pump.func = reduce_pump;
  state->ref_count = 1;
  state->result = g_object_ref (result);
  state->func = func;
  state->user_data = user_data;
  state->destroy = destroy;
  state->inputs = g_new0 (RelayPromise *, MAX (n_promises, 1));
  for (guint i = 0; i < n_promises; i++)
    {
      /* Consumed from now on, though watched only in turn: an input's
       * rejection is the reduction's to report, not the input's. */
      state->inputs[i] = g_object_ref (promises[i]);
      _relay_promise_mark_handled (state->inputs[i]);
    }
  state->n_inputs = n_promises;
  state->accumulator = _relay_promise_new_derived (result);
  relay_promise_resolve (state->accumulator, initial);

  reduce_post (state);
  reduce_state_unref (state);

  return result;
}
