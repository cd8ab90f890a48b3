/* test-promise-adoption.c: the cycle check of adoption stays linear in the
 * number of adoptions, in both orders, and still rejects every cycle
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * White-box: counts the promises the cycle check visits
 * (_relay_promise_get_n_cycle_steps(), src/relay-promise-handlers.c). The
 * check used to walk the whole chain from the adopted promise each time, so
 * N nested adoptions cost O(N²) steps (20,000 of them took 7.5 s).
 */
#include <relay/relay.h>

#include "relay-promise-private.h"
#include "test-utils.h"

#define N_NESTED 20000

static RelayPromise **levels;

/* Level i's handler returns level i-1's promise (or the root). */
static RelayPromise *
return_previous (RelayPromise *promise,
                 gpointer      data)
{
  guint i = GPOINTER_TO_UINT (data);

  return g_object_ref (levels[i - 1]);
}

static void
run_nested (gboolean forwards)
{
  RelayPromise *triggers[N_NESTED + 1];
  gsize steps_before;
  gsize steps;

  levels = g_new0 (RelayPromise *, N_NESTED + 1);
  levels[0] = relay_promise_new ();          /* the root everything ends up adopting */
  for (guint i = 1; i <= N_NESTED; i++)
    {
      triggers[i] = relay_promise_new ();
      levels[i] = relay_promise_then (triggers[i], return_previous, GUINT_TO_POINTER (i), NULL);
    }

  steps_before = _relay_promise_get_n_cycle_steps ();
  for (guint k = 1; k <= N_NESTED; k++)
    {
      guint i = forwards ? k : N_NESTED + 1 - k;

      relay_promise_resolve_int64 (triggers[i], (int) i);
      drain (NULL);             /* level i now adopts level i-1 */
    }
  steps = _relay_promise_get_n_cycle_steps () - steps_before;
  g_test_message ("%u nested adoptions (%s): %" G_GSIZE_FORMAT " cycle-check steps",
                  N_NESTED, forwards ? "inner first" : "outer first", steps);
  g_assert_cmpuint (steps, <=, 8 * N_NESTED);

  relay_promise_resolve_int64 (levels[0], 42);
  drain (NULL);
  g_assert_cmpint (relay_promise_get_int64 (levels[N_NESTED]), ==, 42);

  for (guint i = 1; i <= N_NESTED; i++)
    g_object_unref (triggers[i]);
  for (guint i = 0; i <= N_NESTED; i++)
    g_object_unref (levels[i]);
  g_clear_pointer (&levels, g_free);
}

static void
test_nested_inner_first (void)
{
  run_nested (TRUE);
}

static void
test_nested_outer_first (void)
{
  run_nested (FALSE);
}

/* A handler that returns a promise at the end of a long chain hanging off its
 * own derived promise: a cycle, found although both sides are long. */
static RelayPromise *chain_end;

static RelayPromise *
return_chain_end (RelayPromise *promise,
                  gpointer      data)
{
  return g_object_ref (chain_end);
}

static RelayPromise *
pass (RelayPromise *promise,
      gpointer      data)
{
  return NULL;
}

static RelayPromise *
ignore (RelayPromise *promise,
        gpointer      data)
{
  return NULL;
}

static void
test_long_cycle_found (void)
{
  g_autoptr(RelayPromise) trigger = relay_promise_new ();
  g_autoptr(RelayPromise) derived = relay_promise_then (trigger, return_chain_end, NULL, NULL);
  g_autoptr(RelayPromise) handled = NULL;

  chain_end = g_object_ref (derived);
  for (int i = 0; i < 1000; i++)
    {
      RelayPromise *next = relay_promise_then (chain_end, pass, NULL, NULL);

      g_object_unref (chain_end);
      chain_end = next;
    }
  handled = relay_promise_catch (chain_end, ignore, NULL, NULL);

  relay_promise_resolve_int64 (trigger, 1);
  drain (NULL);
  g_assert_error ((GError *) relay_promise_get_error (derived), RELAY_ERROR, RELAY_ERROR_CYCLE);
  g_assert_error ((GError *) relay_promise_get_error (chain_end), RELAY_ERROR, RELAY_ERROR_CYCLE);
  g_clear_object (&chain_end);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/promise/adoption/nested-inner-first", test_nested_inner_first);
  g_test_add_func ("/promise/adoption/nested-outer-first", test_nested_outer_first);
  g_test_add_func ("/promise/adoption/long-cycle-found", test_long_cycle_found);

  return g_test_run ();
}
