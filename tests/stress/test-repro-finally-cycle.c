/* test-repro-finally-cycle.c: a finally() handler that returns the promise it
 * settles must reject it with RELAY_ERROR_CYCLE, like then() does, and leak
 * nothing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Found by the fuzzer (tests/fuzz). then() runs the adoption through the cycle
 * check; finally() did not: the derived promise waited on itself forever, and
 * the wait reaction it held on itself kept it (and the source) alive for good.
 */
#include <relay/relay.h>

static int finalized;

static void
count_finalized (gpointer data, GObject *where_the_object_was)
{
  finalized++;
}

static RelayPromise *
return_derived (RelayPromise *source, gpointer user_data)
{
  RelayPromise **derived = user_data;

  return g_object_ref (*derived);
}

static RelayPromise *
return_waiter (RelayPromise *source, gpointer user_data)
{
  RelayPromise **waiter = user_data;

  return g_object_ref (*waiter);
}

static void
iterate (void)
{
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
test_finally_returns_itself (void)
{
  RelayPromise *source = relay_promise_new ();
  RelayPromise *derived = relay_promise_finally (source, return_derived, &derived, NULL);

  finalized = 0;
  g_object_weak_ref (G_OBJECT (source), count_finalized, NULL);
  g_object_weak_ref (G_OBJECT (derived), count_finalized, NULL);
  relay_promise_then_values (derived, NULL, NULL, NULL, NULL, NULL, NULL);   /* handled */

  relay_promise_resolve_int64 (source, 1);
  iterate ();

  g_assert_cmpint (relay_promise_get_state (derived), ==, RELAY_PROMISE_STATE_REJECTED);
  g_assert_error ((GError *) relay_promise_get_error (derived), RELAY_ERROR, RELAY_ERROR_CYCLE);

  g_object_unref (source);
  g_object_unref (derived);
  iterate ();
  g_assert_cmpint (finalized, ==, 2);
}

static void
test_finally_returns_a_waiter (void)
{
  RelayPromise *source = relay_promise_new ();
  RelayPromise *waiter = NULL;
  RelayPromise *derived = relay_promise_finally (source, return_waiter, &waiter, NULL);

  /* waiter waits on derived, and derived's handler returns waiter. */
  waiter = relay_promise_then (derived, NULL, NULL, NULL);
  finalized = 0;
  g_object_weak_ref (G_OBJECT (source), count_finalized, NULL);
  g_object_weak_ref (G_OBJECT (derived), count_finalized, NULL);
  g_object_weak_ref (G_OBJECT (waiter), count_finalized, NULL);
  relay_promise_then_values (waiter, NULL, NULL, NULL, NULL, NULL, NULL);    /* handled */

  relay_promise_resolve_int64 (source, 1);
  iterate ();

  g_assert_error ((GError *) relay_promise_get_error (derived), RELAY_ERROR, RELAY_ERROR_CYCLE);
  g_assert_error ((GError *) relay_promise_get_error (waiter), RELAY_ERROR, RELAY_ERROR_CYCLE);

  g_object_unref (source);
  g_object_unref (derived);
  g_object_unref (waiter);
  iterate ();
  g_assert_cmpint (finalized, ==, 3);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/repro/finally-returns-itself", test_finally_returns_itself);
  g_test_add_func ("/stress/repro/finally-returns-a-waiter", test_finally_returns_a_waiter);

  return g_test_run ();
}
