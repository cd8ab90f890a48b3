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

/* Whether @target is reachable from @from by following what each promise
 * waits on: the promise it adopts or was derived from, and a combinator's
 * inputs. A plain chain is walked without allocating. */
static gboolean
waits_on (RelayPromise *from,
          RelayPromise *target)
{
  GPtrArray *pending = NULL;    /* promises still to visit, owned */
  GHashTable *visited = NULL;   /* only once combinators fan out */
  RelayPromise *current = g_object_ref (from);
  gboolean found = FALSE;

  while (current != NULL)
    {
      RelayPromise *next = NULL;

      if (current == target)
        {
          found = TRUE;
          g_object_unref (current);
          break;
        }

      relay_mutex_lock (&current->lock);
      if (current->upstream != NULL)
        next = g_object_ref (current->upstream);
      if (current->extra != NULL && current->extra->inputs != NULL)
        {
          if (pending == NULL)
            {
              pending = g_ptr_array_new_with_free_func (g_object_unref);
              visited = g_hash_table_new (NULL, NULL);
            }
          for (guint i = 0; i < current->extra->n_inputs; i++)
            {
              RelayPromise *input = current->extra->inputs[i];

              if (input != NULL && g_hash_table_add (visited, input))
                g_ptr_array_add (pending, g_object_ref (input));
            }
        }
      relay_mutex_unlock (&current->lock);

      g_object_unref (current);
      current = next;
      if (current == NULL && pending != NULL && pending->len > 0)
        current = g_ptr_array_steal_index_fast (pending, pending->len - 1);
    }

  g_clear_pointer (&pending, g_ptr_array_unref);
  g_clear_pointer (&visited, g_hash_table_unref);

  return found;
}

/* Makes @derived follow @result (transfer full), the Promises/A+ resolution
 * procedure for promises. */
static void
adopt (RelayPromise *derived,
       RelayPromise *result)
{
  AdoptReaction *reaction;

  if (waits_on (result, derived))
    {
      _relay_promise_reject_code (derived, RELAY_ERROR, RELAY_ERROR_CYCLE,
                                  result == derived
                                    ? "A promise cannot adopt itself"
                                    : "A promise cannot adopt a promise that waits for it");
      g_object_unref (result);
      return;
    }

  relay_mutex_lock (&derived->lock);
  if (derived->state == RELAY_PROMISE_PENDING)
    derived->upstream = result;
  relay_mutex_unlock (&derived->lock);

  reaction = g_new0 (AdoptReaction, 1);
  reaction->parent.klass = &adopt_class;
  reaction->parent.derived = g_object_ref (derived);
  reaction->parent.back_link = &derived->upstream;
  reaction->parent.consumer = TRUE;
  _relay_promise_add_reaction (result, &reaction->parent);

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

  if (source->state == RELAY_PROMISE_REJECTED)
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
  gboolean fulfilled = source->state == RELAY_PROMISE_FULFILLED;
  RelayPromiseFunc func;
  RelayPromise *result;

  /* Cancelled while we were queued: nothing to compute. */
  if (derived != NULL && g_atomic_int_get (&derived->state) != RELAY_PROMISE_PENDING)
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
      else if (waits_on (result, derived))
        {
          _relay_promise_reject_code (derived, RELAY_ERROR, RELAY_ERROR_CYCLE,
                                      "A finally handler cannot return a promise that waits for its own outcome");
          g_object_unref (result);
        }
      else
        {
          FinallyWaitReaction *wait = g_new0 (FinallyWaitReaction, 1);

          wait->parent.klass = &finally_wait_class;
          wait->parent.derived = g_object_ref (derived);
          wait->parent.back_link = &derived->upstream;
          wait->parent.consumer = TRUE;
          wait->original = g_object_ref (source);
          relay_mutex_lock (&derived->lock);
          if (derived->state == RELAY_PROMISE_PENDING)
            derived->upstream = result;
          relay_mutex_unlock (&derived->lock);
          _relay_promise_add_reaction (result, &wait->parent);
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

      result = func (source, self->user_data);
      if (result != NULL)
        adopt (derived, result);
      else if (fulfilled)
        _relay_promise_settle_from (derived, source);   /* pass the values on */
      else
        _relay_promise_settle (derived, RELAY_PROMISE_FULFILLED, NULL, 0, NULL, FALSE);   /* handled */
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
  RelayPromise *derived = _relay_promise_new_for_dispatcher (self->dispatcher);

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
 * The returned promise (of the same context) adopts the promise @on_fulfilled
 * returns; if it returns %NULL, it is fulfilled with @self's values. If @self is
 * rejected, the handler is skipped and the returned promise is rejected with the
 * same error. Any thread.
 *
 * Bindings: in introspection, `then` is [method@Relay.Promise.then_values], so
 * that `await` works in JavaScript (Relay's Python override puts a `then` that
 * takes Python callables on top); this function is [method@Relay.Promise.chain]
 * there.
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
 * [ctor@Relay.Promise.new_rejected]. If @self is fulfilled, the handler is skipped
 * and the values pass through. Any thread.
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
 * The two-handler form of [method@Relay.Promise.then] (Promises/A+ `then`):
 * exactly one of the handlers runs, with the meanings of
 * [method@Relay.Promise.then] and [method@Relay.Promise.catch]. Either may be
 * %NULL to pass that outcome through. Any thread.
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
 * waits for it, and if that promise is rejected, its error replaces the outcome.
 * Any thread.
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
 * other errors pass through to the returned promise untouched, like Blackbird's
 * `catcher` with a condition type. Any thread.
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

  if (source->state == RELAY_PROMISE_FULFILLED)
    {
      if (self->on_value != NULL)
        self->on_value (source->n_values > 0 ? &source->values[0] : NULL, self->value_data);
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
  RelayPromise *abandoned = _relay_promise_new_for_dispatcher (source->dispatcher);

  /* The callbacks must still run on the context, so hand them to a stand-in
   * promise that is rejected at once. */
  *moved = *self;
  moved->parent.next = NULL;
  self->value_destroy = NULL;
  self->error_destroy = NULL;
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

  _relay_promise_add_reaction (self, &reaction->parent);
}
