/* test-repro-combinator-cycle.c: a handler that returns a combinator over its
 * own derived promise closes a cycle; it must reject with RELAY_ERROR_CYCLE
 * and leak nothing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Found by the fuzzer (tests/fuzz, minimized to three operations):
 *   d = then (p, h);  r = any ({ d });  h returns r.
 * The cycle check followed only `upstream` links, not a combinator's inputs,
 * so d adopted r while r waited on d: neither ever settles, and the reactions
 * each holds on the other keep both alive (with the handler's data) forever.
 */
#include <relay/relay.h>

static int finalized;
static RelayPromise *combined;

static void
count_finalized (gpointer data, GObject *where_the_object_was)
{
  finalized++;
}

static RelayPromise *
return_combined (RelayPromise *p, gpointer data)
{
  return g_object_ref (combined);
}

static void
iterate (void)
{
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
run_cycle (RelayPromise *(*combinator) (RelayPromise **, guint))
{
  RelayPromise *source = relay_promise_new ();
  RelayPromise *derived = relay_promise_then (source, return_combined, NULL, NULL);

  finalized = 0;
  combined = combinator (&derived, 1);
  g_object_weak_ref (G_OBJECT (source), count_finalized, NULL);
  g_object_weak_ref (G_OBJECT (derived), count_finalized, NULL);
  g_object_weak_ref (G_OBJECT (combined), count_finalized, NULL);
  relay_promise_then_values (combined, NULL, NULL, NULL, NULL, NULL, NULL);   /* handled */

  relay_promise_resolve_int64 (source, 1);
  iterate ();

  g_assert_cmpint (relay_promise_get_state (derived), ==, RELAY_PROMISE_STATE_REJECTED);
  g_assert_error ((GError *) relay_promise_get_error (derived), RELAY_ERROR, RELAY_ERROR_CYCLE);
  g_assert_cmpint (relay_promise_get_state (combined), ==, RELAY_PROMISE_STATE_REJECTED);

  g_object_unref (source);
  g_object_unref (derived);
  g_clear_object (&combined);
  iterate ();
  g_assert_cmpint (finalized, ==, 3);
}

static void
test_any_of_itself (void)
{
  run_cycle (relay_promise_any);
}

static void
test_all_of_itself (void)
{
  run_cycle (relay_promise_all);
}

static void
test_race_of_itself (void)
{
  run_cycle (relay_promise_race);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/repro/handler-returns-any-of-itself", test_any_of_itself);
  g_test_add_func ("/stress/repro/handler-returns-all-of-itself", test_all_of_itself);
  g_test_add_func ("/stress/repro/handler-returns-race-of-itself", test_race_of_itself);

  return g_test_run ();
}
