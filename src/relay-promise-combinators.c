/* relay-promise-combinators.c: all, all_settled, any and race over promises
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each combinator creates a result promise on the caller's thread-default
 * context and attaches one internal reaction to every input. The reactions
 * share a small refcounted state; they run no user code, so they run wherever
 * an input settles and only settle the result, which is thread-safe. The
 * result keeps borrowed back links to its inputs so that cancelling it cancels
 * the inputs nobody else consumes; they are set, under the result's lock,
 * before the first reaction is attached.
 *
 * Inputs settle on any threads at once: each reaction writes only its own
 * slot of the shared state, and the atomic countdown orders those writes
 * before the read by whichever reaction brings it to zero.
 */
#include "config.h"

#include "relay-error.h"
#include "relay-promise-private.h"

typedef enum {
  COMBINE_ALL,
  COMBINE_ALL_SETTLED,
  COMBINE_ANY,
  COMBINE_RACE,
} CombineMode;

typedef struct
{
  int            ref_count;   /* atomic: one per reaction */
  CombineMode    mode;
  RelayPromise  *result;      /* owned */
  int            remaining;   /* atomic: inputs not settled yet */
  guint          n_inputs;
  RelayPromise **settled;     /* all, all_settled: the settled inputs, by index */
  GError       **errors;      /* any: the errors, by index */
} CombineState;

typedef struct
{
  RelayReaction  parent;
  CombineState  *state;
  guint          index;
} CombineReaction;

static void
combine_state_unref (CombineState *state)
{
  if (!g_atomic_int_dec_and_test (&state->ref_count))
    return;

  for (guint i = 0; i < state->n_inputs; i++)
    {
      if (state->settled != NULL)
        g_clear_object (&state->settled[i]);
      if (state->errors != NULL)
        g_clear_error (&state->errors[i]);
    }
  g_free (state->settled);
  g_free (state->errors);
  g_object_unref (state->result);
  g_free (state);
}

/* Fulfils @result with one value per input: each input's first value, or a
 * %G_TYPE_POINTER %NULL for an input fulfilled with no values. */
static void
resolve_with_first_values (RelayPromise  *result,
                           RelayPromise **promises,
                           guint          n)
{
  GValue *values = n > 0 ? g_new0 (GValue, n) : NULL;

  for (guint i = 0; i < n; i++)
    {
      const GValue *first = relay_promise_get_n_values (promises[i]) > 0
                              ? relay_promise_get_value (promises[i], 0) : NULL;

      if (first != NULL)
        {
          g_value_init (&values[i], G_VALUE_TYPE (first));
          g_value_copy (first, &values[i]);
        }
      else
        {
          g_value_init (&values[i], G_TYPE_POINTER);
        }
    }

  _relay_promise_settle_take (result, values, n, NULL);
}

/* Fulfils @result with one object value per input: the settled inputs. */
static void
resolve_with_promises (RelayPromise  *result,
                       RelayPromise **promises,
                       guint          n)
{
  GValue *values = n > 0 ? g_new0 (GValue, n) : NULL;

  for (guint i = 0; i < n; i++)
    {
      g_value_init (&values[i], RELAY_TYPE_PROMISE);
      g_value_set_object (&values[i], promises[i]);
    }

  _relay_promise_settle_take (result, values, n, NULL);
}

static void
reject_aggregate (RelayPromise  *result,
                  GError       **errors,
                  guint          n)
{
  GPtrArray *array = g_ptr_array_new_full (n, (GDestroyNotify) g_error_free);
  GString *message = g_string_new (NULL);

  g_string_printf (message, "All %u promises were rejected", n);
  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (message, "%s%s", i == 0 ? ": " : "; ", errors[i]->message);
      g_ptr_array_add (array, g_error_copy (errors[i]));
    }

  _relay_promise_set_errors (result, array);
  _relay_promise_settle_take (result, NULL, 0,
                              g_error_new_literal (RELAY_ERROR, RELAY_ERROR_AGGREGATE, message->str));
  g_string_free (message, TRUE);
}

/* Input @index settled: @input is it, or %NULL with @error when it was
 * finalized before settling. */
static void
combine_input (CombineState *state,
               guint         index,
               RelayPromise *input,
               const GError *error)
{
  gboolean fulfilled = input != NULL && relay_promise_get_state (input) == RELAY_PROMISE_STATE_FULFILLED;
  RelayPromise *stand_in = NULL;

  if (input == NULL)
    {
      stand_in = relay_promise_new_rejected (g_error_copy (error));
      /* The stand-in is consumed here; it is not an unhandled rejection. */
      relay_promise_then_values (stand_in, NULL, NULL, NULL, NULL, NULL, NULL);
      input = stand_in;
    }
  else
    {
      error = relay_promise_get_error (input);
    }

  switch (state->mode)
    {
    case COMBINE_RACE:
      _relay_promise_settle_from (state->result, input);
      break;

    case COMBINE_ALL:
    case COMBINE_ALL_SETTLED:
      if (state->mode == COMBINE_ALL && !fulfilled)
        {
          _relay_promise_settle_from (state->result, input);
          break;
        }
      state->settled[index] = g_object_ref (input);
      /* The decrement orders the store above before the read by the last input. */
      if (g_atomic_int_dec_and_test (&state->remaining))
        {
          if (state->mode == COMBINE_ALL)
            resolve_with_first_values (state->result, state->settled, state->n_inputs);
          else
            resolve_with_promises (state->result, state->settled, state->n_inputs);
        }
      break;

    case COMBINE_ANY:
      if (fulfilled)
        {
          _relay_promise_settle_from (state->result, input);
          break;
        }
      state->errors[index] = g_error_copy (error);
      if (g_atomic_int_dec_and_test (&state->remaining))
        reject_aggregate (state->result, state->errors, state->n_inputs);
      break;
    }

  g_clear_object (&stand_in);
}

static void
combine_run (RelayReaction *reaction,
             RelayPromise  *source)
{
  CombineReaction *self = (CombineReaction *) reaction;

  /* This input is consumed: the result must not follow its link any more,
   * the input may be finalized long before the result settles. */
  _relay_promise_unlink (reaction, source);
  combine_input (self->state, self->index, source, NULL);
}

static void
combine_abandon (RelayReaction *reaction,
                 RelayPromise  *source)
{
  CombineReaction *self = (CombineReaction *) reaction;
  g_autoptr(GError) error = g_error_new_literal (RELAY_ERROR, RELAY_ERROR_ABANDONED,
                                                 "An input promise was finalized before it settled");

  combine_input (self->state, self->index, NULL, error);
}

static void
combine_free (RelayReaction *reaction)
{
  CombineReaction *self = (CombineReaction *) reaction;

  combine_state_unref (self->state);
  g_clear_object (&reaction->derived);
  g_free (self);
}

static const RelayReactionClass combine_class = {
  .run = combine_run,
  .abandon = combine_abandon,
  .free = combine_free,
  .internal = TRUE,
};

static RelayPromise *
combine (CombineMode    mode,
         RelayPromise **promises,
         guint          n_promises)
{
  RelayPromise *result = relay_promise_new ();
  CombineState *state;

  if (n_promises == 0)
    {
      switch (mode)
        {
        case COMBINE_ALL:
        case COMBINE_ALL_SETTLED:
          _relay_promise_settle_take (result, NULL, 0, NULL);
          break;
        case COMBINE_ANY:
          reject_aggregate (result, NULL, 0);
          break;
        case COMBINE_RACE:
          break;    /* as in JavaScript: forever pending */
        }
      return result;
    }

  state = g_new0 (CombineState, 1);
  state->ref_count = n_promises;
  state->mode = mode;
  state->result = g_object_ref (result);
  state->remaining = n_promises;
  state->n_inputs = n_promises;
  if (mode == COMBINE_ALL || mode == COMBINE_ALL_SETTLED)
    state->settled = g_new0 (RelayPromise *, n_promises);
  if (mode == COMBINE_ANY)
    state->errors = g_new0 (GError *, n_promises);

  _relay_promise_set_inputs (result, promises, n_promises);

  for (guint i = 0; i < n_promises; i++)
    {
      CombineReaction *reaction = g_new0 (CombineReaction, 1);

      reaction->parent.klass = &combine_class;
      reaction->parent.derived = g_object_ref (result);
      reaction->parent.back_link = &result->extra->inputs[i];
      reaction->parent.consumer = TRUE;
      reaction->state = state;
      reaction->index = i;
      _relay_promise_add_reaction (promises[i], &reaction->parent);
    }

  return result;
}

static gboolean
check_inputs (RelayPromise **promises,
              guint          n_promises)
{
  if (promises == NULL && n_promises > 0)
    return FALSE;

  for (guint i = 0; i < n_promises; i++)
    if (!RELAY_IS_PROMISE (promises[i]))
      return FALSE;

  return TRUE;
}

/**
 * relay_promise_all:
 * @promises: (array length=n_promises) (nullable): the input promises
 * @n_promises: how many there are
 *
 * Waits for every input to be fulfilled, like JavaScript's `Promise.all`.
 *
 * The returned promise is fulfilled with one value per input, in input order:
 * each input's first value (an input fulfilled with no values gives a
 * %G_TYPE_POINTER %NULL), so input *i*'s value is
 * `relay_promise_get_value (all, i)`. It is rejected with the error of the
 * first input to be rejected. With no inputs it is fulfilled at once, with no
 * values. Cancelling it cancels the inputs nothing else consumes.
 *
 * The result belongs to the calling thread's thread-default context; the
 * inputs may belong to any. Any thread.
 *
 * Returns: (transfer full): a new promise
 */
RelayPromise *
relay_promise_all (RelayPromise **promises,
                   guint          n_promises)
{
  g_return_val_if_fail (check_inputs (promises, n_promises), NULL);

  return combine (COMBINE_ALL, promises, n_promises);
}

/**
 * relay_promise_all_settled:
 * @promises: (array length=n_promises) (nullable): the input promises
 * @n_promises: how many there are
 *
 * Waits for every input to settle, either way, like JavaScript's
 * `Promise.allSettled`. The returned promise is always fulfilled, with one
 * value per input, in input order, holding the settled input
 * [class@Relay.Promise]: ask each for its state, values or error. With no
 * inputs it is fulfilled at once, with no values. Any thread.
 *
 * Returns: (transfer full): a new promise
 */
RelayPromise *
relay_promise_all_settled (RelayPromise **promises,
                           guint          n_promises)
{
  g_return_val_if_fail (check_inputs (promises, n_promises), NULL);

  return combine (COMBINE_ALL_SETTLED, promises, n_promises);
}

/**
 * relay_promise_any:
 * @promises: (array length=n_promises) (nullable): the input promises
 * @n_promises: how many there are
 *
 * Waits for the first input to be fulfilled, like JavaScript's `Promise.any`:
 * the returned promise is fulfilled with that input's values. If every input
 * is rejected (or there are none), it is rejected with %RELAY_ERROR_AGGREGATE,
 * whose message lists the errors; [method@Relay.Promise.dup_errors] returns
 * them one by one, in input order. Any thread.
 *
 * Returns: (transfer full): a new promise
 */
RelayPromise *
relay_promise_any (RelayPromise **promises,
                   guint          n_promises)
{
  g_return_val_if_fail (check_inputs (promises, n_promises), NULL);

  return combine (COMBINE_ANY, promises, n_promises);
}

/**
 * relay_promise_race:
 * @promises: (array length=n_promises) (nullable): the input promises
 * @n_promises: how many there are
 *
 * Settles like the first input to settle, either way, like JavaScript's
 * `Promise.race`. With no inputs it stays pending forever. Any thread.
 *
 * Returns: (transfer full): a new promise
 */
RelayPromise *
relay_promise_race (RelayPromise **promises,
                    guint          n_promises)
{
  g_return_val_if_fail (check_inputs (promises, n_promises), NULL);

  return combine (COMBINE_RACE, promises, n_promises);
}
