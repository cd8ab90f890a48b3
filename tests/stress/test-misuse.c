/* test-misuse.c: bad input from C gets a critical, a FALSE or a rejection —
 * never a crash, never a leak
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What each misuse gets (the documented answer):
 *   NULL or wrong-type instance            g_return_val_if_fail critical, NULL/FALSE
 *   settle a settled promise               FALSE, the new value/error is freed
 *   cancel a settled promise               FALSE
 *   trigger after destroy / after firing   FALSE
 *   destroy twice                          nothing (idempotent)
 *   then on an abandoned promise           the derived promise rejects with
 *                                          RELAY_ERROR_ABANDONED
 *   a job that returns nothing             rejection with RELAY_ERROR_NO_RESULT
 *   a job that returns twice               critical, the first result stands
 *   shutdown from the pool's own job       critical, the pool keeps running
 *   run on a shut-down pool                rejection with G_IO_ERROR_CLOSED
 *   reading a value as the wrong type      critical, 0/NULL
 *   an unhandled rejection                 one g_warning in domain Relay
 * Run it under the valgrind setup to prove the "never a leak" part.
 */
#include <relay/relay.h>

#include "../notifier-keep.h"

#include "../test-watchdog.h"

#define MISUSE_ERROR (g_quark_from_static_string ("relay-misuse-error"))

static void
expect_critical (const char *pattern)
{
  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, pattern);
}

static void
mark_value_seen (const GValue *value, gpointer flag)
{
  *(gboolean *) flag = TRUE;
}

static void
mark_error_seen (const GError *error, gpointer flag)
{
  *(gboolean *) flag = TRUE;
}

/* Iterates the thread-default context until @p settled and the handlers it
 * had then ran (a job's thread posts them a moment after the state changed:
 * one more handler, added once @p settled, runs after them). Fails only if
 * nothing was dispatched for the watchdog's stall interval. */
static void
wait_settled (RelayPromise *p)
{
  gboolean seen = FALSE;
  Stall stall;

  stall_init (&stall);
  while (relay_promise_is_pending (p))
    {
      if (g_main_context_iteration (NULL, FALSE))
        stall_progress (&stall);
      else
        {
          stall_check (&stall, "a promise the test waits for never settled");
          g_usleep (100);
        }
    }

  stall_progress (&stall);
  relay_promise_then_values (p, mark_value_seen, &seen, NULL, mark_error_seen, &seen, NULL);
  while (!seen)
    {
      if (g_main_context_iteration (NULL, FALSE))
        stall_progress (&stall);
      else
        {
          stall_check (&stall, "the handlers of a settled promise never ran");
          g_usleep (100);
        }
    }
}

static void
drain (void)
{
  for (int i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
never_called (RelayNotifier *notifier, guint n, gpointer data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

static gboolean
count_call (RelayNotifier *notifier, guint n, gpointer data)
{
  (*(int *) data)++;
  return notifier_keep (notifier);
}

static void
job_returns_nothing (RelayJob *job, gpointer data)
{
}

static void
test_null_arguments (void)
{
  g_autoptr(RelayPromise) p = relay_promise_new ();

  expect_critical ("*func != NULL*");
  g_assert_null (relay_notifier_new (NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*func != NULL*");
  g_assert_null (relay_notifier_new_for_context (NULL, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*RELAY_IS_NOTIFIER*");
  g_assert_false (relay_notifier_trigger (NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*RELAY_IS_NOTIFIER*");
  relay_notifier_destroy (NULL);
  g_test_assert_expected_messages ();

  expect_critical ("*RELAY_IS_PROMISE*");
  g_assert_false (relay_promise_resolve_int64 (NULL, 1));
  g_test_assert_expected_messages ();

  expect_critical ("*RELAY_IS_PROMISE*");
  g_assert_false (relay_promise_cancel (NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*error != NULL*");
  g_assert_false (relay_promise_reject (p, NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*error != NULL*");
  g_assert_false (relay_promise_reject (p, NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*message != NULL*");
  g_assert_false (relay_promise_reject_literal (p, MISUSE_ERROR, 1, NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*values != NULL || n_values == 0*");
  g_assert_false (relay_promise_resolve_values (p, NULL, 3));
  g_test_assert_expected_messages ();

  expect_critical ("*RELAY_IS_PROMISE*");
  g_assert_null (relay_promise_then (NULL, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*on_settled != NULL*");
  g_assert_null (relay_promise_finally (p, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*observer != NULL*");
  g_assert_null (relay_promise_tap (p, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*check_inputs*");
  g_assert_null (relay_promise_all (NULL, 2));
  g_test_assert_expected_messages ();

  expect_critical ("*func != NULL*");
  g_assert_null (relay_run_in_thread (NULL, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*RELAY_IS_POOL*");
  g_assert_null (relay_pool_run (NULL, NULL, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*max_threads <= 1024*");
  g_assert_null (relay_pool_new (5000));
  g_test_assert_expected_messages ();

  /* Still pending, still usable. */
  g_assert_true (relay_promise_is_pending (p));
  g_assert_true (relay_promise_resolve_int64 (p, 3));
}

static void
test_wrong_types (void)
{
  g_autoptr(RelayPromise) p = relay_promise_new ();
  g_autoptr(RelayNotifier) n = relay_notifier_new (never_called, NULL, NULL);
  g_autoptr(GObject) plain = g_object_new (G_TYPE_OBJECT, NULL);
  GValue uninitialized = G_VALUE_INIT;
  RelayPromise *mixed[2];

  expect_critical ("*RELAY_IS_NOTIFIER*");
  g_assert_false (relay_notifier_trigger ((RelayNotifier *) p));
  g_test_assert_expected_messages ();

  expect_critical ("*RELAY_IS_PROMISE*");
  g_assert_false (relay_promise_resolve_int64 ((RelayPromise *) n, 1));
  g_test_assert_expected_messages ();

  expect_critical ("*RELAY_IS_PROMISE*");
  g_assert_null (relay_promise_then ((RelayPromise *) plain, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*RELAY_IS_POOL*");
  g_assert_null (relay_pool_run ((RelayPool *) plain, NULL, job_returns_nothing, NULL, NULL));
  g_test_assert_expected_messages ();

  expect_critical ("*G_IS_VALUE*");
  g_assert_false (relay_promise_resolve (p, &uninitialized));
  g_test_assert_expected_messages ();

  expect_critical ("*G_IS_OBJECT*");
  g_assert_false (relay_promise_resolve_object (p, &uninitialized));
  g_test_assert_expected_messages ();

  /* A combinator input that is not a promise. */
  mixed[0] = p;
  mixed[1] = (RelayPromise *) plain;
  expect_critical ("*check_inputs*");
  g_assert_null (relay_promise_race (mixed, 2));
  g_test_assert_expected_messages ();

  /* Reading a value as a type it does not have. */
  g_assert_true (relay_promise_resolve_string (p, "not a number"));
  expect_critical ("*the promise's value is a gchararray, not a gint64*");
  g_assert_cmpint (relay_promise_get_int64 (p), ==, 0);
  g_test_assert_expected_messages ();

  {
    g_autoptr(RelayPromise) q = relay_promise_new ();

    relay_promise_resolve_int64 (q, 5);
    expect_critical ("*the promise's value is a gint64, not a gchararray*");
    g_assert_null (relay_promise_get_string (q));
    g_test_assert_expected_messages ();
    expect_critical ("*the promise's value is a gint64, not a gpointer*");
    g_assert_null (relay_promise_get_pointer (q));
    g_test_assert_expected_messages ();
  }

  relay_notifier_destroy (n);
}

static void
count_freed (gpointer data)
{
  (*(int *) data)++;
}

static void
test_settle_twice (void)
{
  g_autoptr(RelayPromise) p = relay_promise_new ();
  g_autoptr(RelayPromise) q = relay_promise_new ();
  GValue v = G_VALUE_INIT;
  int pointer_target = 0;

  g_assert_true (relay_promise_resolve_int64 (p, 1));
  g_assert_false (relay_promise_resolve_int64 (p, 2));
  g_assert_false (relay_promise_resolve_string (p, "two"));
  g_assert_false (relay_promise_reject_literal (p, MISUSE_ERROR, 1, "late"));
  /* The error passed with transfer full is freed, not leaked. */
  g_assert_false (relay_promise_reject (p, g_error_new_literal (MISUSE_ERROR, 1, "late")));
  g_assert_false (relay_promise_cancel (p));
  /* A pointer with a destroy notify is released at once. */
  g_assert_false (relay_promise_resolve_pointer (p, &pointer_target, count_freed));
  g_assert_cmpint (pointer_target, ==, 1);
  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, "late");
  g_assert_false (relay_promise_resolve (p, &v));
  g_value_unset (&v);

  g_assert_cmpint (relay_promise_get_state (p), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpint (relay_promise_get_int64 (p), ==, 1);

  /* The first rejection wins the same way (cancelled: no unhandled warning). */
  g_assert_true (relay_promise_cancel (q));
  g_assert_false (relay_promise_cancel (q));
  g_assert_false (relay_promise_resolve_int64 (q, 1));
  g_assert_true (g_error_matches (relay_promise_get_error (q), G_IO_ERROR, G_IO_ERROR_CANCELLED));

  drain ();
}

static void
test_trigger_after_destroy (void)
{
  int calls = 0;
  g_autoptr(RelayNotifier) single = relay_notifier_new (count_call, &calls, NULL);
  g_autoptr(RelayNotifier) repeating = relay_notifier_new (count_call, &calls, NULL);

  notifier_set_keep (repeating, TRUE);

  /* Single-shot: TRUE until it fired, FALSE after. */
  g_assert_true (relay_notifier_trigger (single));
  g_assert_true (relay_notifier_trigger (single));
  drain ();
  g_assert_cmpint (calls, ==, 1);
  g_assert_false (relay_notifier_trigger (single));
  g_assert_false (relay_notifier_is_destroyed (single));
  drain ();
  g_assert_cmpint (calls, ==, 1);

  /* Destroyed with a trigger pending: the callback never runs. */
  g_assert_true (relay_notifier_trigger (repeating));
  relay_notifier_destroy (repeating);
  g_assert_true (relay_notifier_is_destroyed (repeating));
  g_assert_false (relay_notifier_trigger (repeating));
  relay_notifier_destroy (repeating);     /* idempotent */
  drain ();
  g_assert_cmpint (calls, ==, 1);
}

static void
count_value (const GValue *value, gpointer data)
{
  g_assert_not_reached ();
}

static void
record_error (const GError *error, gpointer data)
{
  *(GError **) data = g_error_copy (error);
}

static void
test_then_on_abandoned (void)
{
  RelayPromise *source = relay_promise_new ();
  g_autoptr(RelayPromise) derived = relay_promise_then (source, NULL, NULL, NULL);
  g_autoptr(RelayPromise) later = NULL;
  GError *error = NULL;

  /* The last reference to a pending promise goes: it can never settle. */
  g_object_unref (source);
  g_assert_cmpint (relay_promise_get_state (derived), ==, RELAY_PROMISE_STATE_REJECTED);
  g_assert_true (g_error_matches (relay_promise_get_error (derived),
                                  RELAY_ERROR, RELAY_ERROR_ABANDONED));

  /* Handlers added afterwards still run, with the abandonment. */
  later = relay_promise_then (derived, NULL, NULL, NULL);
  relay_promise_then_values (later, count_value, NULL, NULL, record_error, &error, NULL);
  wait_settled (later);
  drain ();
  g_assert_error (error, RELAY_ERROR, RELAY_ERROR_ABANDONED);
  g_clear_error (&error);

  /* A then_values observer on a promise that is abandoned gets the error too. */
  source = relay_promise_new ();
  relay_promise_then_values (source, count_value, NULL, NULL, record_error, &error, NULL);
  g_object_unref (source);
  drain ();
  g_assert_error (error, RELAY_ERROR, RELAY_ERROR_ABANDONED);
  g_clear_error (&error);
}

static int done_flag;    /* atomic: the job logged what the main thread expects */

static void
job_done (gpointer data)
{
  g_atomic_int_set ((int *) data, TRUE);
}

static void
wait_done (int *flag)
{
  while (!g_atomic_int_get (flag))
    g_usleep (100);
  g_atomic_int_set (flag, FALSE);
}

static void
job_returns_twice (RelayJob *job, gpointer data)
{
  /* The main thread expects the two criticals. */
  relay_job_return_int64 (job, 1);
  relay_job_return_int64 (job, 2);
  relay_job_return_new_error (job, MISUSE_ERROR, 1, "too late");
}

static void
job_shuts_down_its_pool (RelayJob *job, gpointer data)
{
  relay_pool_shutdown (data);    /* the main thread expects the critical */
  g_atomic_int_set (&done_flag, TRUE);
  relay_job_return_boolean (job, relay_pool_is_shut_down (data));
}

static void
test_job_misuse (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (1);
  g_autoptr(RelayPromise) nothing = relay_pool_run (pool, NULL, job_returns_nothing, NULL, NULL);
  g_autoptr(RelayPromise) twice = NULL;
  g_autoptr(RelayPromise) shutdown = NULL;
  g_autoptr(RelayPromise) closed = NULL;
  GError *error = NULL;
  int *done = &done_flag;

  relay_promise_then_values (nothing, count_value, NULL, NULL, record_error, &error, NULL);
  wait_settled (nothing);
  drain ();
  g_assert_error (error, RELAY_ERROR, RELAY_ERROR_NO_RESULT);
  g_clear_error (&error);

  expect_critical ("*already returned*");
  expect_critical ("*already returned*");
  twice = relay_pool_run (pool, NULL, job_returns_twice, done, job_done);
  wait_settled (twice);
  wait_done (done);
  g_test_assert_expected_messages ();
  g_assert_cmpint (relay_promise_get_int64 (twice), ==, 1);

  expect_critical ("*would wait for itself*");
  shutdown = relay_pool_run (pool, NULL, job_shuts_down_its_pool, pool, NULL);
  wait_settled (shutdown);
  wait_done (done);
  g_test_assert_expected_messages ();
  g_assert_false (g_value_get_boolean (relay_promise_get_value (shutdown, 0)));

  relay_pool_shutdown (pool);
  relay_pool_shutdown (pool);    /* idempotent */
  closed = relay_pool_run (pool, NULL, job_returns_nothing, NULL, NULL);
  g_assert_cmpint (relay_promise_get_state (closed), ==, RELAY_PROMISE_STATE_REJECTED);
  g_assert_true (g_error_matches (relay_promise_get_error (closed), G_IO_ERROR, G_IO_ERROR_CLOSED));
  relay_promise_then_values (closed, NULL, NULL, NULL, NULL, NULL, NULL);   /* handled */
  drain ();
}

static void
test_unhandled_rejection (void)
{
  RelayPromise *p = relay_promise_new ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_WARNING,
                         "Unhandled promise rejection: nobody listens*");
  relay_promise_reject_literal (p, MISUSE_ERROR, 3, "nobody listens");
  drain ();
  g_test_assert_expected_messages ();
  /* Reported once: finalizing it says nothing more. */
  g_object_unref (p);
}

static void
test_wait_finish_misuse (void)
{
  g_autoptr(RelayPromise) p = relay_promise_new ();
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

  expect_critical ("*g_task_is_valid*");
  g_assert_null (relay_promise_wait_finish (p, G_ASYNC_RESULT (task), NULL));
  g_test_assert_expected_messages ();

  g_task_return_boolean (task, TRUE);
  relay_promise_cancel (p);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/misuse/null-arguments", test_null_arguments);
  g_test_add_func ("/misuse/wrong-types", test_wrong_types);
  g_test_add_func ("/misuse/settle-twice", test_settle_twice);
  g_test_add_func ("/misuse/trigger-after-destroy", test_trigger_after_destroy);
  g_test_add_func ("/misuse/then-on-abandoned", test_then_on_abandoned);
  g_test_add_func ("/misuse/job", test_job_misuse);
  g_test_add_func ("/misuse/unhandled-rejection", test_unhandled_rejection);
  g_test_add_func ("/misuse/wait-finish", test_wait_finish_misuse);

  return g_test_run ();
}
