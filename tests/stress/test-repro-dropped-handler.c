/* test-repro-dropped-handler.c: a handler added to a promise whose context is
 * gone never runs — and its derived promise must not be left pending with a
 * dangling link to the source
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Found by the fuzzer (tests/fuzz, minimized to four operations). When the
 * dispatcher of a finalized context releases a handler reaction without
 * running it, the derived promise kept its borrowed `upstream` pointer to the
 * source and stayed pending forever. Once the source was finalized, cancelling
 * the derived promise (or a timeout, or a cycle check) followed the pointer
 * into freed memory: a GLib-GObject critical "g_object_ref: assertion
 * 'G_IS_OBJECT (object)' failed" at best, a heap-use-after-free under ASan.
 *
 * Since then a promise keeps its context alive (as a GTask does): the handler
 * added after the owner dropped the context runs once somebody iterates it,
 * and the derived promise never keeps a dangling link to its source.
 */
#include <relay/relay.h>

static int runs, released;

static RelayPromise *
handler (RelayPromise *p, gpointer data)
{
  runs++;
  return NULL;
}

static void
release (gpointer data)
{
  released++;
}

static void
test_then_after_context_freed (void)
{
  GMainContext *context = g_main_context_new ();
  RelayPromise *source, *derived;

  g_main_context_push_thread_default (context);
  source = relay_promise_new ();
  relay_promise_resolve_int64 (source, 1);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);           /* the owner's reference is gone */

  derived = relay_promise_then (source, handler, NULL, release);
  g_assert_cmpint (runs, ==, 0);

  /* The promise kept its context: iterating it runs the handler, once. */
  context = relay_promise_get_context (derived);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpint (runs, ==, 1);
  g_assert_cmpint (released, ==, 1);
  g_assert_cmpint (relay_promise_get_state (derived), ==, RELAY_PROMISE_STATE_FULFILLED);

  g_object_unref (source);                  /* finalized */
  g_assert_false (relay_promise_cancel (derived));   /* used to follow a dangling pointer */

  g_object_unref (derived);
}

static void
test_pending_handler_when_context_freed (void)
{
  GMainContext *context = g_main_context_new ();
  RelayPromise *source, *derived;

  runs = released = 0;
  g_main_context_push_thread_default (context);
  source = relay_promise_new ();
  derived = relay_promise_then (source, handler, NULL, release);
  g_main_context_pop_thread_default (context);

  /* Settled while nobody iterates, then the owner drops the context with the
   * handler queued: it waits for the context, which the promises keep. */
  relay_promise_resolve_int64 (source, 1);
  g_main_context_unref (context);

  g_assert_cmpint (runs, ==, 0);
  g_assert_cmpint (released, ==, 0);
  context = relay_promise_get_context (source);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpint (runs, ==, 1);
  g_assert_cmpint (released, ==, 1);
  g_assert_cmpint (relay_promise_get_state (derived), ==, RELAY_PROMISE_STATE_FULFILLED);

  g_object_unref (source);
  g_assert_false (relay_promise_cancel (derived));
  g_object_unref (derived);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/repro/then-after-context-freed", test_then_after_context_freed);
  g_test_add_func ("/stress/repro/pending-handler-when-context-freed",
                   test_pending_handler_when_context_freed);

  return g_test_run ();
}
