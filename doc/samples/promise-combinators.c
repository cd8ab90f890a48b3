/* promise-combinators.c: all, any, race, all_settled and timeout
 *
 * Combinators take an array of promises and return one promise. `all` and
 * `all_settled` are fulfilled with one value per input, in input order, and
 * each value holds the input promise itself (an input may carry several
 * values), so a handler reads the inputs' own values from there.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static void
triple (RelayJob *job,
        gpointer  user_data)
{
  relay_job_return_int64 (job, 3 * GPOINTER_TO_INT (user_data));
}

/* [all] */
static RelayPromise *
sum_all (RelayPromise *all,
         gpointer      user_data)
{
  gint64 sum = 0;

  /* One value per input, in input order: each job's int64. */
  for (guint i = 0; i < relay_promise_get_n_values (all); i++)
    sum += g_value_get_int64 (relay_promise_get_value (all, i));

  g_print ("all: sum = %" G_GINT64_FORMAT "\n", sum);
  *(gint64 *) user_data = sum;
  return NULL;
}
/* [/all] */

/* [any] */
static RelayPromise *
report_any (RelayPromise *any,
            gpointer      user_data)
{
  guint n_errors;
  GError **errors = relay_promise_dup_errors (any, &n_errors);

  g_assert_true (g_error_matches (relay_promise_get_error (any),
                                  RELAY_ERROR, RELAY_ERROR_AGGREGATE));
  for (guint i = 0; i < n_errors; i++)
    {
      g_print ("any: input %u failed: %s\n", i, errors[i]->message);
      g_error_free (errors[i]);
    }
  g_free (errors);

  return NULL;                          /* handled */
}
/* [/any] */

static RelayPromise *
report_timeout (RelayPromise *promise,
                gpointer      user_data)
{
  g_print ("timeout: %s\n", relay_promise_get_error (promise)->message);
  return NULL;
}

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
  g_autoptr(GError) e1 = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND, "mirror 1 down");
  g_autoptr(GError) e2 = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "mirror 2 slow");
  RelayPromise *jobs[3], *mirrors[2], *racers[2], *steps[4];
  g_autoptr(RelayPromise) forever = relay_promise_new ();
  gint64 sum = -1;

  for (int i = 0; i < 3; i++)
    jobs[i] = relay_run_in_thread (NULL, triple, GINT_TO_POINTER (i + 1), NULL);
  mirrors[0] = relay_promise_new_rejected (g_error_copy (e1));
  mirrors[1] = relay_promise_new_rejected (g_error_copy (e2));

  /* [race] */
  racers[0] = relay_promise_new_delay (10);
  racers[1] = relay_promise_new_delay (5000);
  g_autoptr(RelayPromise) first = relay_promise_race (racers, 2);   /* settles after 10 ms */
  /* [/race] */

  /* [timeout] */
  g_autoptr(RelayPromise) limited = relay_promise_timeout (forever, 20);
  /* After 20 ms: rejected with G_IO_ERROR_TIMED_OUT, and `forever`, which
   * nothing else consumes, is cancelled. */
  /* [/timeout] */

  /* [all-any] */
  g_autoptr(RelayPromise) all = relay_promise_all (jobs, 3);
  g_autoptr(RelayPromise) any = relay_promise_any (mirrors, 2);

  steps[0] = relay_promise_then (all, sum_all, &sum, NULL);
  steps[1] = relay_promise_catch (any, report_any, NULL, NULL);
  /* [/all-any] */
  steps[2] = g_object_ref (first);
  steps[3] = relay_promise_catch (limited, report_timeout, NULL, NULL);

  /* [all-settled] */
  g_autoptr(RelayPromise) everything = relay_promise_all_settled (steps, 4);
  g_autoptr(RelayPromise) done = relay_promise_finally (everything, quit, loop, NULL);
  /* [/all-settled] */

  g_main_loop_run (loop);

  g_assert_cmpuint (relay_promise_get_n_values (everything), ==, 4);
  g_assert_cmpint (sum, ==, 3 + 6 + 9);
  g_assert_true (g_error_matches (relay_promise_get_error (forever), G_IO_ERROR, G_IO_ERROR_CANCELLED));
  /* race does not cancel the losers (racers[1] is pending, or fulfilled if
   * this run took 5 s, but never cancelled) */
  g_assert_cmpint (relay_promise_get_state (racers[1]), !=, RELAY_PROMISE_STATE_REJECTED);

  for (int i = 0; i < 3; i++)
    g_object_unref (jobs[i]);
  for (int i = 0; i < 2; i++)
    g_object_unref (mirrors[i]);
  for (int i = 0; i < 2; i++)
    g_object_unref (racers[i]);
  for (int i = 0; i < 4; i++)
    g_object_unref (steps[i]);
  return 0;
}
