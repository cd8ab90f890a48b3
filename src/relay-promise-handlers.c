/* relay-promise-handlers.c: then, catch, chain, finally, catch_error, tap and
 * then_values, and the adoption of a returned promise
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each method attaches a reaction (relay-promise-private.h) to its promise;
 * user handlers run from the dispatcher on the promise's context.
 */
#include "config.h"

#include "relay-error.h"
#include "relay-promise-private.h"
#include "relay-sync-private.h"

/* ------------------------------------------------------------------------ */
/* Adoption                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayReaction parent;
} AdoptReaction;

static void
adopt_run (RelayReaction *reaction,
           RelayPromise  *source)
{
  _relay_promise_settle_from (reaction->derived, source);
}

void
_relay_promise_abandon_derived (RelayReaction *reaction,
                                RelayPromise  *source)
{
  if (reaction->derived != NULL)
    _relay_promise_reject_code (reaction->derived, RELAY_ERROR, RELAY_ERROR_ABANDONED,
                                "The promise this one was waiting for was finalized before it settled");
}

static void
adopt_free (RelayReaction *reaction)
{
  g_clear_object (&reaction->derived);
  g_free (reaction);
}

static const RelayReactionClass adopt_class = {
  .run = adopt_run,
  .abandon = _relay_promise_abandon_derived,
  .free = adopt_free,
  .internal = TRUE,
};

/* ------------------------------------------------------------------------ */
/* The cycle check                                                          */
/* ------------------------------------------------------------------------ */

/* Edges: a pending promise "waits on" the promise it was derived from or
 * adopts (@upstream) and on a combinator's inputs. Creating a promise adds
 * edges from a promise nothing waits on yet, which cannot close a cycle; only
 * linking an existing promise to another can: adoption (a handler returned a
 * promise) and finally() waiting for its handler's promise. Those links take
 * one global lock for the check and the link together, so two adoptions on
 * two threads cannot each miss the other's half of a cycle.
 *
 * The check: @derived (whose handler just ran, so its own upstream is
 * settled) closes a cycle by waiting on @result exactly when @result waits,
 * transitively, on @derived. If nothing waits on @derived yet (no consumer:
 * the usual case, e.g. each level of a recursion adopting the next), there is
 * no cycle, in O(1). Otherwise it searches from both ends at once, forward
 * from @result along what promises wait on and backward from @derived along
 * what waits on them, one promise per side in turn, and stops when either
 * side runs out: the cost is proportional to the smaller side, never to a
 * long chain on only one of them. */

static GMutex link_lock;
static gsize n_cycle_steps;     /* atomic: promises visited, for the tests */

typedef struct
{
  GPtrArray  *queue;      /* owned references, visited in order */
  guint       next;
  GHashTable *seen;
} SearchSide;

static void
side_init (SearchSide   *side,
           RelayPromise *start)
{
  side->queue = g_ptr_array_new_with_free_func (g_object_unref);
  side->next = 0;
  side->seen = g_hash_table_new (NULL, NULL);
  g_ptr_array_add (side->queue, g_object_ref (start));
  g_hash_table_add (side->seen, start);
}

typedef enum {
  STEP_GO_ON,
  STEP_EXHAUSTED,
  STEP_MET,        /* the two sides share a promise: a cycle */
} StepResult;

/* Adds @promise to @side; TRUE if @other has seen it already. */
static gboolean
side_add (SearchSide   *side,
          SearchSide   *other,
          RelayPromise *promise)
{
  if (g_hash_table_add (side->seen, promise))
    g_ptr_array_add (side->queue, g_object_ref (promise));

  return g_hash_table_contains (other->seen, promise);
}

/* What @promise waits on; its lock held. */
static gboolean
add_forward_locked (SearchSide   *side,
                    SearchSide   *other,
                    RelayPromise *promise)
{
  gboolean met = FALSE;

  if (promise->upstream != NULL)
    met |= side_add (side, other, promise->upstream);
  if (promise->extra != NULL && promise->extra->inputs != NULL)
    for (guint i = 0; i < promise->extra->n_inputs; i++)
      if (promise->extra->inputs[i] != NULL)
        met |= side_add (side, other, promise->extra->inputs[i]);

  return met;
}

/* What waits on @promise: the pending promises its reactions settle; its
 * lock held. */
static gboolean
add_backward_locked (SearchSide   *side,
                     SearchSide   *other,
                     RelayPromise *promise)
{
  gboolean met = FALSE;

  for (RelayReaction *r = promise->reactions; r != NULL; r = r->next)
    if (r->derived != NULL && r->back_link != NULL &&
        _relay_promise_state (r->derived) == RELAY_PROMISE_STATE_PENDING)
      met |= side_add (side, other, r->derived);

  return met;
}

/* Expands the next promise of @side. */
static StepResult
side_step (SearchSide *side,
           SearchSide *other,
           gboolean    forward)
{
  RelayPromise *promise;
  gboolean met;

  if (side->next >= side->queue->len)
    return STEP_EXHAUSTED;

  promise = g_ptr_array_index (side->queue, side->next++);
  g_atomic_pointer_add (&n_cycle_steps, 1);

  _relay_promise_lock (promise);
  met = forward ? add_forward_locked (side, other, promise)
                : add_backward_locked (side, other, promise);
  _relay_promise_unlock (promise);

  return met ? STEP_MET : STEP_GO_ON;
}

/* With link_lock held: whether @derived waiting on @result closes a cycle.
 * Visited promises are referenced by @forward and @backward, which the caller
 * frees after dropping the lock. */
static gboolean
closes_cycle_locked (RelayPromise *derived,
                     RelayPromise *result,
                     SearchSide   *forward,
                     SearchSide   *backward)
{
  gboolean has_waiters;

  if (result == derived)
    return TRUE;

  _relay_promise_lock (derived);
  has_waiters = derived->n_consumers > 0;
  _relay_promise_unlock (derived);
  if (!has_waiters)
    return FALSE;

  side_init (forward, result);
  side_init (backward, derived);

  for (;;)
    {
      StepResult step = side_step (forward, backward, TRUE);

      if (step == STEP_GO_ON)
        step = side_step (backward, forward, FALSE);
      if (step != STEP_GO_ON)
        return step == STEP_MET;
    }
}

static void
side_clear (SearchSide *side)
{
  g_clear_pointer (&side->queue, g_ptr_array_unref);
  g_clear_pointer (&side->seen, g_hash_table_unref);
}

/*
 * link_unless_cycle:
 * @derived: a pending promise whose own upstream has settled
 * @result: (transfer none): the promise @derived is to wait on
 * @reaction: (transfer full): an internal reaction of @result that settles
 *   @derived, with its back link at @derived's upstream
 *
 * Makes @derived wait on @result, or rejects it with %RELAY_ERROR_CYCLE.
 */
static void
link_unless_cycle (RelayPromise  *derived,
                   RelayPromise  *result,
                   RelayReaction *reaction,
                   const char    *cycle_message)
{
  SearchSide forward = { NULL }, backward = { NULL };
  gboolean cycle, added = FALSE;

  /* A settled promise waits on nothing: no cycle, nothing to link. */
  if (_relay_promise_state (result) != RELAY_PROMISE_STATE_PENDING && result != derived)
    {
      _relay_promise_run_reaction (result, reaction);
      return;
    }

  relay_mutex_lock (&link_lock);

  cycle = closes_cycle_locked (derived, result, &forward, &backward);
  if (!cycle)
    {
      _relay_promise_lock (derived);
      if (_relay_promise_state (derived) == RELAY_PROMISE_STATE_PENDING)
        derived->upstream = result;
      _relay_promise_unlock (derived);

      added = _relay_promise_add_reaction_if_pending (result, reaction);
    }

  relay_mutex_unlock (&link_lock);

  side_clear (&forward);
  side_clear (&backward);

  if (cycle)
    {
      reaction->klass->free (reaction);
      _relay_promise_reject_code (derived, RELAY_ERROR, RELAY_ERROR_CYCLE, cycle_message);
    }
  else if (!added)
    {
      _relay_promise_run_reaction (result, reaction);    /* @result had settled */
    }
}

gsize
_relay_promise_get_n_cycle_steps (void)
{
  return g_atomic_pointer_get (&n_cycle_steps);
}

/* Makes @derived follow @result (transfer full), the Promises/A+ resolution
 * procedure for promises. */
static void
adopt (RelayPromise *derived,
       RelayPromise *result)
{
  AdoptReaction *reaction = g_new0 (AdoptReaction, 1);

  reaction->parent.klass = &adopt_class;
  reaction->parent.derived = g_object_ref (derived);
  reaction->parent.back_link = &derived->upstream;
  reaction->parent.consumer = TRUE;

  link_unless_cycle (derived, result, &reaction->parent,
                     result == derived
                       ? "A promise cannot adopt itself"
                       : "A promise cannot adopt a promise that waits for it");
  g_object_unref (result);
}

/* ------------------------------------------------------------------------ */
/* then, catch, chain, finally, catch_error, tap                            */
/* ------------------------------------------------------------------------ */

typedef enum {
  MODE_CHAIN,
  MODE_FINALLY,
  MODE_TAP,
} HandlerMode;

typedef struct
{
  RelayReaction        parent;
  HandlerMode          mode;
  RelayPromiseFunc     on_fulfilled;
  RelayPromiseFunc     on_rejected;
  RelayPromiseTapFunc  tap;
  gpointer             user_data;
  GDestroyNotify       destroy;
  GQuark               domain;    /* catch_error(): 0 for any */
  int                  code;      /* catch_error(): -1 for any */
} HandlerReaction;

/* finally(): waits for the promise the handler returned, then passes the
 * original outcome on unless that promise was rejected. */
typedef struct
{
  RelayReaction  parent;
  RelayPromise  *original;
} FinallyWaitReaction;

static void
finally_wait_run (RelayReaction *reaction,
                  RelayPromise  *source)
{
  FinallyWaitReaction *self = (FinallyWaitReaction *) reaction;

  if (_relay_promise_state (source) == RELAY_PROMISE_STATE_REJECTED)
    _relay_promise_settle_from (reaction->derived, source);
  else
    _relay_promise_settle_from (reaction->derived, self->original);
}

static void
finally_wait_free (RelayReaction *reaction)
{
  FinallyWaitReaction *self = (FinallyWaitReaction *) reaction;

  g_clear_object (&self->original);
  g_clear_object (&reaction->derived);
  g_free (self);
}

static const RelayReactionClass finally_wait_class = {
  .run = finally_wait_run,
  .abandon = _relay_promise_abandon_derived,
  .free = finally_wait_free,
  .internal = TRUE,
};

static gboolean
handler_matches (HandlerReaction *self,
                 const GError    *error)
{
  if (self->domain == 0)
    return TRUE;

  return error->domain == self->domain && (self->code < 0 || error->code == self->code);
}

static void
handler_run (RelayReaction *reaction,
             RelayPromise  *source)
{
  HandlerReaction *self = (HandlerReaction *) reaction;
  RelayPromise *derived = reaction->derived;
  gboolean fulfilled = _relay_promise_state (source) == RELAY_PROMISE_STATE_FULFILLED;
  RelayPromiseFunc func;
  RelayPromise *result;

  /* Cancelled while we were queued: nothing to compute. */
  if (derived != NULL && _relay_promise_state (derived) != RELAY_PROMISE_STATE_PENDING)
    return;

  switch (self->mode)
    {
    case MODE_TAP:
      self->tap (source, self->user_data);
      _relay_promise_settle_from (derived, source);
      return;

    case MODE_FINALLY:
      result = self->on_fulfilled (source, self->user_data);
      if (result == NULL)
        {
          _relay_promise_settle_from (derived, source);
        }
      else
        {
          FinallyWaitReaction *wait = g_new0 (FinallyWaitReaction, 1);

          wait->parent.klass = &finally_wait_class;
          wait->parent.derived = g_object_ref (derived);
          wait->parent.back_link = &derived->upstream;
          wait->parent.consumer = TRUE;
          wait->original = g_object_ref (source);
          link_unless_cycle (derived, result, &wait->parent,
                             "A finally handler cannot return a promise that waits for its own outcome");
          g_object_unref (result);
        }
      return;

    case MODE_CHAIN:
      if (fulfilled)
        func = self->on_fulfilled;
      else
        func = handler_matches (self, source->error) ? self->on_rejected : NULL;

      if (func == NULL)
        {
          _relay_promise_settle_from (derived, source);
          return;
        }

      /* NULL means one thing everywhere: a promise fulfilled with no values
       * (JavaScript's `undefined`); see RelayPromiseFunc. */
      result = func (source, self->user_data);
      if (result == NULL)
        {
          _relay_promise_settle (derived, RELAY_PROMISE_STATE_FULFILLED, NULL, 0, NULL, FALSE);
        }
      else if (result != derived &&
               _relay_promise_state (result) != RELAY_PROMISE_STATE_PENDING)
        {
          /* A settled promise (the source itself, to pass its values on, say)
           * waits on nothing: take its outcome at once. */
          _relay_promise_mark_handled (result);
          _relay_promise_settle_from (derived, result);
          g_object_unref (result);
        }
      else
        {
          adopt (derived, result);
        }
      return;
    }
}

static void
handler_free (RelayReaction *reaction)
{
  HandlerReaction *self = (HandlerReaction *) reaction;

  if (self->destroy != NULL)
    self->destroy (self->user_data);
  g_clear_object (&reaction->derived);
  g_free (self);
}

static const RelayReactionClass handler_class = {
  .run = handler_run,
  .abandon = _relay_promise_abandon_derived,
  .free = handler_free,
};

static RelayPromise *
add_handler (RelayPromise        *self,
             HandlerMode          mode,
             RelayPromiseFunc     on_fulfilled,
             RelayPromiseFunc     on_rejected,
             RelayPromiseTapFunc  tap,
             GQuark               domain,
             int                  code,
             gpointer             user_data,
             GDestroyNotify       destroy)
{
  HandlerReaction *reaction = g_new0 (HandlerReaction, 1);
  RelayPromise *derived = _relay_promise_new_derived (self);

  /* No lock: nobody else can see @derived yet. */
  derived->upstream = self;

  reaction->parent.klass = &handler_class;
  reaction->parent.derived = g_object_ref (derived);
  reaction->parent.back_link = &derived->upstream;
  reaction->parent.consumer = TRUE;
  reaction->mode = mode;
  reaction->on_fulfilled = on_fulfilled;
  reaction->on_rejected = on_rejected;
  reaction->tap = tap;
  reaction->domain = domain;
  reaction->code = code;
  reaction->user_data = user_data;
  reaction->destroy = destroy;
  reaction->parent.free_on_owner = destroy != NULL;

  _relay_promise_add_reaction (self, &reaction->parent);

  return derived;
}

/**
 * relay_promise_then:
 * @self: a promise
 * @on_fulfilled: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   runs if @self is fulfilled
 * @user_data: data for @on_fulfilled
 * @destroy: (nullable): releases @user_data once the handler ran or can no
 *   longer run
 *
 * Adds a handler for the values of @self. It runs on @self's context, from the
 * dispatcher, after @self is fulfilled and after every handler added before it.
 *
 * The returned promise (of the same context, at the same priority) settles
 * with what @on_fulfilled returns (see [callback@Relay.PromiseFunc]): it adopts
 * a returned promise, and %NULL fulfils it with no values. If @self is
 * rejected, the handler is skipped and the returned promise is rejected with
 * the same error. Any thread.
 *
 * If nothing needs the returned promise, give it to
 * [method@Relay.Promise.disown] rather than dropping it:
 * `relay_promise_disown (relay_promise_then (p, on_done, data, NULL));`.
 *
 * Returns: (transfer full): a new promise for the handler's outcome
 */
RelayPromise *
relay_promise_then (RelayPromise     *self,
                    RelayPromiseFunc  on_fulfilled,
                    gpointer          user_data,
                    GDestroyNotify    destroy)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  return add_handler (self, MODE_CHAIN, on_fulfilled, NULL, NULL, 0, -1, user_data, destroy);
}

/**
 * relay_promise_catch:
 * @self: a promise
 * @on_rejected: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   runs if @self is rejected
 * @user_data: data for @on_rejected
 * @destroy: (nullable): releases @user_data
 *
 * Adds a handler for the error of @self; like [method@Relay.Promise.then]
 * otherwise. If @on_rejected returns %NULL, the error counts as handled and the
 * returned promise is fulfilled with no values; to pass the error on, return
 * `g_object_ref (promise)` or a new [ctor@Relay.Promise.new_rejected]. If @self
 * is fulfilled, the handler is skipped and the values pass through. Any thread.
 *
 * Returns: (transfer full): a new promise for the handler's outcome
 */
RelayPromise *
relay_promise_catch (RelayPromise     *self,
                     RelayPromiseFunc  on_rejected,
                     gpointer          user_data,
                     GDestroyNotify    destroy)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  return add_handler (self, MODE_CHAIN, NULL, on_rejected, NULL, 0, -1, user_data, destroy);
}

/**
 * relay_promise_chain:
 * @self: a promise
 * @on_fulfilled: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   runs if @self is fulfilled
 * @on_rejected: (nullable) (scope notified) (closure user_data): runs if @self is
 *   rejected
 * @user_data: data for both handlers
 * @destroy: (nullable): releases @user_data
 *
 * The two-handler form of [method@Relay.Promise.then] (JavaScript's
 * `then (onFulfilled, onRejected)`): exactly one of the handlers runs, with
 * the meanings of [method@Relay.Promise.then] and [method@Relay.Promise.catch].
 * Either may be %NULL: that outcome then passes through unchanged. Any thread.
 *
 * Returns: (transfer full): a new promise for the handler's outcome
 */
RelayPromise *
relay_promise_chain (RelayPromise     *self,
                     RelayPromiseFunc  on_fulfilled,
                     RelayPromiseFunc  on_rejected,
                     gpointer          user_data,
                     GDestroyNotify    destroy)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  return add_handler (self, MODE_CHAIN, on_fulfilled, on_rejected, NULL, 0, -1, user_data, destroy);
}

/**
 * relay_promise_finally:
 * @self: a promise
 * @on_settled: (scope notified) (closure user_data) (destroy destroy): runs once
 *   @self settles, either way
 * @user_data: data for @on_settled
 * @destroy: (nullable): releases @user_data
 *
 * Adds a handler for cleanup that does not change the outcome: the returned
 * promise settles like @self. If @on_settled returns a promise, the outcome
 * waits for it, and if that promise is rejected, its error replaces the outcome;
 * %NULL is nothing to wait for. Any thread.
 *
 * Returns: (transfer full): a new promise with @self's outcome
 */
RelayPromise *
relay_promise_finally (RelayPromise     *self,
                       RelayPromiseFunc  on_settled,
                       gpointer          user_data,
                       GDestroyNotify    destroy)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);
  g_return_val_if_fail (on_settled != NULL, NULL);

  return add_handler (self, MODE_FINALLY, on_settled, NULL, NULL, 0, -1, user_data, destroy);
}

/**
 * relay_promise_catch_error:
 * @self: a promise
 * @domain: the error domain to handle
 * @code: the error code to handle, or -1 for every code of @domain
 * @on_rejected: (scope notified) (closure user_data) (destroy destroy): runs if
 *   @self is rejected with a matching error
 * @user_data: data for @on_rejected
 * @destroy: (nullable): releases @user_data
 *
 * Like [method@Relay.Promise.catch], but only for errors of @domain (and @code);
 * other errors pass through to the returned promise untouched. Any thread.
 *
 * Returns: (transfer full): a new promise for the handler's outcome
 */
RelayPromise *
relay_promise_catch_error (RelayPromise     *self,
                           GQuark            domain,
                           int               code,
                           RelayPromiseFunc  on_rejected,
                           gpointer          user_data,
                           GDestroyNotify    destroy)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);
  g_return_val_if_fail (domain != 0, NULL);
  g_return_val_if_fail (on_rejected != NULL, NULL);

  return add_handler (self, MODE_CHAIN, NULL, on_rejected, NULL, domain, code, user_data, destroy);
}

/**
 * relay_promise_disown:
 * @self: (transfer full): a promise nobody needs
 *
 * Drops a reference to a promise that nothing will read or wait for, usually
 * the one [method@Relay.Promise.then] & co. return when only the handler
 * matters, and marks its rejection as handled, so that it is never reported
 * as unhandled: the handler that produced it already dealt with the outcome,
 * or did not care (libdex calls this `dex_future_disown()`). The promise lives
 * on as long as its source needs it; its handlers still run. Any thread.
 */
void
relay_promise_disown (RelayPromise *self)
{
  g_return_if_fail (RELAY_IS_PROMISE (self));

  _relay_promise_lock (self);
  _relay_promise_set_flag (self, FLAG_HANDLED);
  _relay_promise_unlock (self);

  g_object_unref (self);
}

/**
 * relay_promise_tap:
 * @self: a promise
 * @observer: (scope notified) (closure user_data) (destroy destroy): runs once
 *   @self settles, either way
 * @user_data: data for @observer
 * @destroy: (nullable): releases @user_data
 *
 * Observes the outcome of @self without changing it: the returned promise
 * settles exactly like @self. A tap does not handle a rejection. Any thread.
 *
 * Returns: (transfer full): a new promise with @self's outcome
 */
RelayPromise *
relay_promise_tap (RelayPromise        *self,
                   RelayPromiseTapFunc  observer,
                   gpointer             user_data,
                   GDestroyNotify       destroy)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);
  g_return_val_if_fail (observer != NULL, NULL);

  return add_handler (self, MODE_TAP, NULL, NULL, observer, 0, -1, user_data, destroy);
}

/* ------------------------------------------------------------------------ */
/* then_values: the await-compatible form                                   */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayReaction   parent;
  RelayValueFunc  on_value;
  gpointer        value_data;
  GDestroyNotify  value_destroy;
  RelayErrorFunc  on_error;
  gpointer        error_data;
  GDestroyNotify  error_destroy;
} ValuesReaction;

static void
values_run (RelayReaction *reaction,
            RelayPromise  *source)
{
  ValuesReaction *self = (ValuesReaction *) reaction;

  if (_relay_promise_state (source) == RELAY_PROMISE_STATE_FULFILLED)
    {
      if (self->on_value != NULL)
        self->on_value (_relay_promise_n_values (source) > 0 ? &source->values[0] : NULL, self->value_data);
    }
  else if (self->on_error != NULL)
    {
      self->on_error (source->error, self->error_data);
    }
}

static void
values_abandon (RelayReaction *reaction,
                RelayPromise  *source)
{
  ValuesReaction *self = (ValuesReaction *) reaction;
  ValuesReaction *moved = g_new0 (ValuesReaction, 1);
  RelayPromise *abandoned = _relay_promise_new_derived (source);

  /* The callbacks must still run on the context, so hand them to a stand-in
   * promise that is rejected at once. */
  *moved = *self;
  moved->parent.next = NULL;
  self->value_destroy = NULL;
  self->error_destroy = NULL;
  self->parent.free_on_owner = FALSE;
  _relay_promise_reject_code (abandoned, RELAY_ERROR, RELAY_ERROR_ABANDONED,
                              "The promise was finalized before it settled");
  _relay_promise_add_reaction (abandoned, &moved->parent);
  g_object_unref (abandoned);
}

static void
values_free (RelayReaction *reaction)
{
  ValuesReaction *self = (ValuesReaction *) reaction;

  if (self->value_destroy != NULL)
    self->value_destroy (self->value_data);
  if (self->error_destroy != NULL)
    self->error_destroy (self->error_data);
  g_free (self);
}

static const RelayReactionClass values_class = {
  .run = values_run,
  .abandon = values_abandon,
  .free = values_free,
};

/**
 * relay_promise_then_values: (rename-to relay_promise_then)
 * @self: a promise
 * @on_value: (nullable) (scope notified) (closure value_data) (destroy value_destroy):
 *   receives the first value if @self is fulfilled
 * @value_data: data for @on_value
 * @value_destroy: (nullable): releases @value_data
 * @on_error: (nullable) (scope notified) (closure error_data) (destroy error_destroy):
 *   receives the error if @self is rejected
 * @error_data: data for @on_error
 * @error_destroy: (nullable): releases @error_data
 *
 * Calls @on_value with the first value or @on_error with the error once @self
 * settles, on @self's context. This is `then` for JavaScript and Python: it has
 * the shape `then(onFulfilled, onRejected)` that `await` calls, so `await promise`
 * works in GJS, and it hands over values, never the promise itself, so it cannot
 * start an endless adoption loop. It handles rejections. Any thread.
 */
void
relay_promise_then_values (RelayPromise   *self,
                           RelayValueFunc  on_value,
                           gpointer        value_data,
                           GDestroyNotify  value_destroy,
                           RelayErrorFunc  on_error,
                           gpointer        error_data,
                           GDestroyNotify  error_destroy)
{
  ValuesReaction *reaction;

  g_return_if_fail (RELAY_IS_PROMISE (self));

  reaction = g_new0 (ValuesReaction, 1);
  reaction->parent.klass = &values_class;
  reaction->parent.consumer = TRUE;
  reaction->on_value = on_value;
  reaction->value_data = value_data;
  reaction->value_destroy = value_destroy;
  reaction->on_error = on_error;
  reaction->error_data = error_data;
  reaction->error_destroy = error_destroy;
  reaction->parent.free_on_owner = value_destroy != NULL || error_destroy != NULL;

  _relay_promise_add_reaction (self, &reaction->parent);
}
