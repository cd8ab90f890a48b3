/* promise-chain.c: chaining handlers, passing values on, adopting promises
 *
 * Each handler returns the promise the next step waits for, or NULL to pass
 * its input on. Handlers run on the main thread, one after another, from
 * Relay's dispatcher; none runs inside the call that added it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static void
square (RelayJob *job,
        gpointer  user_data)
{
  int n = GPOINTER_TO_INT (user_data);

  relay_job_return_int64 (job, n * n);
}

/* [adopt] */
/* Returns a promise: the derived promise adopts it and settles when it does. */
static RelayPromise *
square_again (RelayPromise *promise,
              gpointer      user_data)
{
  int n = relay_promise_get_int64 (promise);

  return relay_run_in_thread (NULL, square, GINT_TO_POINTER (n), NULL);
}
/* [/adopt] */

/* [pass] */
/* Returns the promise itself: the derived promise gets the same values.
 * (Returning NULL would fulfil it with no values, as a JavaScript handler
 * that returns nothing gives `undefined`.) */
static RelayPromise *
log_value (RelayPromise *promise,
           gpointer      user_data)
{
  g_print ("%s: %" G_GINT64_FORMAT "\n", (const char *) user_data, relay_promise_get_int64 (promise));
  return g_object_ref (promise);
}
/* [/pass] */

static RelayPromise *
quit (RelayPromise *promise,
      gpointer      loop)
{
  g_main_loop_quit (loop);
  return NULL;
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  /* [chain] */
  g_autoptr(RelayPromise) start = relay_run_in_thread (NULL, square, GINT_TO_POINTER (3), NULL);
  g_autoptr(RelayPromise) logged = relay_promise_then (start, log_value, "3²", NULL);
  g_autoptr(RelayPromise) again = relay_promise_then (logged, square_again, NULL, NULL);
  g_autoptr(RelayPromise) result = relay_promise_then (again, log_value, "3⁴", NULL);
  g_autoptr(RelayPromise) done = relay_promise_finally (result, quit, loop, NULL);

  g_assert_true (relay_promise_is_pending (result));   /* nothing ran yet */
  g_main_loop_run (loop);
  /* [/chain] */

  g_assert_cmpint (relay_promise_get_int64 (logged), ==, 9);   /* passed on */
  g_assert_cmpint (relay_promise_get_int64 (result), ==, 81);  /* adopted */
  g_assert_cmpint (relay_promise_get_int64 (done), ==, 81);    /* finally keeps it */
  return 0;
}
