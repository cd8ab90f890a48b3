/* test-repro-combinator-input-link.c: cancelling a combinator after one of its
 * inputs settled and was finalized must not touch the finalized input
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Found by the fuzzer (tests/fuzz). A combinator's result keeps borrowed links
 * to its inputs, so that cancelling it cancels the inputs nobody else uses.
 * The link of an input that had settled was kept until the result settled;
 * when that input was then finalized, relay_promise_cancel() on the result
 * (and _relay_promise_release_consumer()) took a reference through the
 * dangling link: "g_object_ref: assertion 'G_IS_OBJECT (object)' failed", or a
 * heap-use-after-free under ASan (run with G_SLICE=always-malloc).
 */
#include <relay/relay.h>

static void
iterate (void)
{
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
run (RelayPromise *(*combinator) (RelayPromise **, guint),
     gboolean        reject_first)
{
  RelayPromise *inputs[2] = { relay_promise_new (), relay_promise_new () };
  RelayPromise *result = combinator (inputs, 2);
  GError *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "first");

  relay_promise_then_values (result, NULL, NULL, NULL, NULL, NULL, NULL);   /* handled */

  /* The first input settles without settling the result ... */
  if (reject_first)
    relay_promise_reject (inputs[0], error);
  else
    {
      relay_promise_resolve_int64 (inputs[0], 1);
      g_error_free (error);
    }
  iterate ();
  g_assert_true (relay_promise_is_pending (result));

  /* ... and is finalized. */
  g_clear_object (&inputs[0]);
  iterate ();

  /* Cancelling the result cancels only the input still linked. */
  g_assert_true (relay_promise_cancel (result));
  g_assert_cmpint (relay_promise_get_state (inputs[1]), ==, RELAY_PROMISE_STATE_REJECTED);
  g_assert_true (g_error_matches (relay_promise_get_error (inputs[1]),
                                  G_IO_ERROR, G_IO_ERROR_CANCELLED));

  iterate ();
  g_object_unref (inputs[1]);
  g_object_unref (result);
}

static void
test_any (void)
{
  run (relay_promise_any, TRUE);
}

static void
test_all (void)
{
  run (relay_promise_all, FALSE);
}

static void
test_all_settled (void)
{
  run (relay_promise_all_settled, TRUE);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/repro/cancel-any-after-an-input-went", test_any);
  g_test_add_func ("/stress/repro/cancel-all-after-an-input-went", test_all);
  g_test_add_func ("/stress/repro/cancel-all-settled-after-an-input-went", test_all_settled);

  return g_test_run ();
}
