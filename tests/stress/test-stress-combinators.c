/* test-stress-combinators.c: all, all_settled, any and race whose inputs
 * settle on 8 threads at once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each round makes 8 inputs and one combinator of each kind over them, then
 * 8 threads settle one input each at the same moment (fulfilled or rejected
 * by a pattern that varies by round). The results must be exactly what the
 * pattern implies, and under ThreadSanitizer the combinators' shared state
 * must show no data race.
 *
 * The map scene runs relay_promise_map() on the main thread over 8 inputs
 * that 8 threads settle while a ninth cancels the map's result, and the main
 * thread dispatches the map's pump at the same time: the outcome must be one
 * the pattern allows, and every input the map started must be released.
 */
#include <relay/relay.h>

#include "stress-common.h"

#define N_INPUTS 8

typedef struct
{
  RelayPromise      *inputs[N_INPUTS];
  guint              rejected_mask;
  pthread_barrier_t  start;
  int                index;    /* atomic: next input to take */
} Round;

static gpointer
settler (gpointer data)
{
  Round *round = data;
  int i = g_atomic_int_add (&round->index, 1);

  pthread_barrier_wait (&round->start);
  if (round->rejected_mask & (1u << i))
    relay_promise_reject_literal (round->inputs[i], G_IO_ERROR, G_IO_ERROR_FAILED, "no");
  else
    relay_promise_resolve_int64 (round->inputs[i], i);

  return NULL;
}

static RelayPromise *
ignore (RelayPromise *promise,
        gpointer      data)
{
  return NULL;
}

static void
test_inputs_settle_on_8_threads (void)
{
  guint n_rounds = stress_count (3000, 30);

  for (guint r = 0; r < n_rounds; r++)
    {
      Round round = { .rejected_mask = r % 3 == 0 ? 0 : (r % 3 == 1 ? 0xff : (1u << (r % N_INPUTS))) };
      RelayPromise *all, *settled, *any, *race;
      RelayPromise *handled[4];
      GThread *threads[N_INPUTS];

      for (int i = 0; i < N_INPUTS; i++)
        round.inputs[i] = relay_promise_new ();
      all = relay_promise_all (round.inputs, N_INPUTS);
      settled = relay_promise_all_settled (round.inputs, N_INPUTS);
      any = relay_promise_any (round.inputs, N_INPUTS);
      race = relay_promise_race (round.inputs, N_INPUTS);
      handled[0] = relay_promise_catch (all, ignore, NULL, NULL);
      handled[1] = relay_promise_catch (settled, ignore, NULL, NULL);
      handled[2] = relay_promise_catch (any, ignore, NULL, NULL);
      handled[3] = relay_promise_catch (race, ignore, NULL, NULL);

      pthread_barrier_init (&round.start, NULL, N_INPUTS);
      for (int i = 0; i < N_INPUTS; i++)
        threads[i] = g_thread_new ("settler", settler, &round);
      for (int i = 0; i < N_INPUTS; i++)
        g_thread_join (threads[i]);
      pthread_barrier_destroy (&round.start);

      /* The combinators settle on the inputs' threads: no iteration needed. */
      g_assert_false (relay_promise_is_pending (all));
      g_assert_false (relay_promise_is_pending (settled));
      g_assert_false (relay_promise_is_pending (any));
      g_assert_false (relay_promise_is_pending (race));

      g_assert_cmpint (relay_promise_get_state (all), ==,
                       round.rejected_mask ? RELAY_PROMISE_STATE_REJECTED : RELAY_PROMISE_STATE_FULFILLED);
      if (!round.rejected_mask)
        g_assert_cmpuint (relay_promise_get_n_values (all), ==, N_INPUTS);
      g_assert_cmpint (relay_promise_get_state (settled), ==, RELAY_PROMISE_STATE_FULFILLED);
      g_assert_cmpuint (relay_promise_get_n_values (settled), ==, N_INPUTS);
      g_assert_cmpint (relay_promise_get_state (any), ==,
                       round.rejected_mask == 0xff ? RELAY_PROMISE_STATE_REJECTED : RELAY_PROMISE_STATE_FULFILLED);
      if (round.rejected_mask == 0xff)
        {
          guint n_errors;
          GError **errors = relay_promise_dup_errors (any, &n_errors);

          g_assert_cmpuint (n_errors, ==, N_INPUTS);
          for (guint i = 0; i < n_errors; i++)
            g_error_free (errors[i]);
          g_free (errors);
        }
      g_assert_cmpint (relay_promise_get_state (race), !=, RELAY_PROMISE_STATE_PENDING);

      /* Let the handlers run and release what they hold. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      for (int i = 0; i < 4; i++)
        g_object_unref (handled[i]);
      g_object_unref (all);
      g_object_unref (settled);
      g_object_unref (any);
      g_object_unref (race);
      for (int i = 0; i < N_INPUTS; i++)
        g_object_unref (round.inputs[i]);
    }
}

typedef struct
{
  Round  round;
  RelayPromise *result;
  int    calls;        /* main thread only */
  gboolean cancel;
} MapRound;

static void
ignore_error (const GError *error,
              gpointer      data)
{
}

static RelayPromise *
map_input (const GValue *item,
           guint         index,
           gpointer      data)
{
  MapRound *map = data;

  map->calls++;
  return g_object_ref (map->round.inputs[g_value_get_uint (item)]);
}

static gpointer
map_canceller (gpointer data)
{
  MapRound *map = data;

  pthread_barrier_wait (&map->round.start);
  relay_promise_cancel (map->result);
  return NULL;
}

static void
test_map_settle_and_cancel_on_9_threads (void)
{
  guint n_rounds = stress_count (3000, 30);
  GValue items[N_INPUTS] = { G_VALUE_INIT, };

  for (int i = 0; i < N_INPUTS; i++)
    {
      g_value_init (&items[i], G_TYPE_UINT);
      g_value_set_uint (&items[i], i);
    }

  for (guint r = 0; r < n_rounds; r++)
    {
      MapRound map = { .round.rejected_mask = r % 3 == 0 ? 0 : (1u << (r % N_INPUTS)),
                       .cancel = (r / 3) % 2 == 1 };
      RelayPromise *handled;
      GThread *threads[N_INPUTS + 1];
      int n_threads = N_INPUTS + (map.cancel ? 1 : 0);
      const GError *error;

      for (int i = 0; i < N_INPUTS; i++)
        {
          /* Items after a rejection never start, so the map never sees
           * their promises: this test made them, it handles them. */
          map.round.inputs[i] = relay_promise_new ();
          relay_promise_then_values (map.round.inputs[i], NULL, NULL, NULL, ignore_error, NULL, NULL);
        }
      map.result = relay_promise_map (items, N_INPUTS, 1 + r % 4, RELAY_MAP_FLAGS_NONE,
                                      map_input, &map, NULL);
      handled = relay_promise_catch (map.result, ignore, NULL, NULL);

      pthread_barrier_init (&map.round.start, NULL, n_threads);
      for (int i = 0; i < N_INPUTS; i++)
        threads[i] = g_thread_new ("settler", settler, &map.round);
      if (map.cancel)
        threads[N_INPUTS] = g_thread_new ("canceller", map_canceller, &map);

      /* The pump runs here while the inputs settle and the result is
       * cancelled on the other threads. */
      while (relay_promise_is_pending (map.result))
        g_main_context_iteration (NULL, TRUE);
      for (int i = 0; i < n_threads; i++)
        g_thread_join (threads[i]);
      pthread_barrier_destroy (&map.round.start);
      while (g_main_context_iteration (NULL, FALSE))
        ;

      g_assert_cmpint (map.calls, <=, N_INPUTS);
      error = relay_promise_get_error (map.result);
      if (error == NULL)
        {
          /* Only possible if nothing was rejected (a cancel that came too
           * late is a no-op). */
          g_assert_cmpuint (map.round.rejected_mask, ==, 0);
          g_assert_cmpint (map.calls, ==, N_INPUTS);
          g_assert_cmpuint (relay_promise_get_n_values (map.result), ==, N_INPUTS);
          for (int i = 0; i < N_INPUTS; i++)
            g_assert_cmpint (g_value_get_int64 (relay_promise_get_value (map.result, i)), ==, i);
        }
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* The result's cancel, or an input the map cancelled after a
           * rejection lost the race to settle first: never without either. */
          g_assert_true (map.cancel || map.round.rejected_mask != 0);
        }
      else
        {
          g_assert_error ((GError *) error, G_IO_ERROR, G_IO_ERROR_FAILED);
          g_assert_cmpuint (map.round.rejected_mask, !=, 0);
        }

      g_object_unref (handled);
      g_object_unref (map.result);
      for (int i = 0; i < N_INPUTS; i++)
        {
          /* The map let go of every input it started. */
          g_assert_cmpuint (G_OBJECT (map.round.inputs[i])->ref_count, ==, 1);
          g_object_unref (map.round.inputs[i]);
        }
    }

  for (int i = 0; i < N_INPUTS; i++)
    g_value_unset (&items[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/combinators/inputs-settle-on-8-threads", test_inputs_settle_on_8_threads);

  g_test_add_func ("/stress/combinators/map-settle-and-cancel-on-9-threads",
                   test_map_settle_and_cancel_on_9_threads);

  return g_test_run ();
}
