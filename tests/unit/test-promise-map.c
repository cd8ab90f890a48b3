/* test-promise-map.c: relay_promise_map (bounded parallel map) and
 * relay_promise_reduce (in-order reduction)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

#include "test-utils.h"

static GThread *main_thread;

/* Waits for a promise the test expects to be rejected, with an error handler
 * attached first, as its user would: a rejection nobody handles is reported. */
static void
wait_rejected (RelayPromise *promise)
{
  int seen = FALSE;

  relay_promise_then_values (promise, mark_value_seen, &seen, NULL, mark_error_seen, &seen, NULL);
  iterate_until_set (&seen, "a promise the test expects to be rejected never settled");
  drain (NULL);
  g_assert_cmpint (relay_promise_get_state (promise), ==, RELAY_PROMISE_STATE_REJECTED);
}

/* --- map ------------------------------------------------------------------- */

typedef struct
{
  int  running;       /* atomic: jobs running now */
  int  max_running;   /* atomic */
  int  started;       /* atomic */
  int  calls;         /* main thread: func calls */
  int  fail_at;       /* item that rejects, or -1 */
  int  gate;          /* atomic: jobs may finish */
  gboolean wrong_thread;
} MapRun;

/* The MapRun of the test that runs: set by the main thread before any job
 * starts (a job only gets its item). */
static MapRun *current_run;

static void
square_job (RelayJob *job,
            gpointer  data)
{
  MapRun *run = current_run;
  int n = GPOINTER_TO_INT (data);
  int now = g_atomic_int_add (&run->running, 1) + 1;
  int max;

  g_atomic_int_inc (&run->started);
  while ((max = g_atomic_int_get (&run->max_running)) < now &&
         !g_atomic_int_compare_and_exchange (&run->max_running, max, now))
    ;

  while (!g_atomic_int_get (&run->gate) && !relay_job_is_cancelled (job))
    g_thread_yield ();

  g_atomic_int_add (&run->running, -1);
  if (relay_job_return_error_if_cancelled (job))
    return;
  if (n == run->fail_at)
    relay_job_return_new_error (job, G_IO_ERROR, G_IO_ERROR_FAILED, "item %d failed", n);
  else
    relay_job_return_int64 (job, (gint64) n * n);
}

static RelayPool *map_pool;

static GValue *
int_items (guint n)
{
  GValue *items = g_new0 (GValue, n);

  for (guint i = 0; i < n; i++)
    {
      g_value_init (&items[i], G_TYPE_INT);
      g_value_set_int (&items[i], (int) i);
    }
  return items;
}

static void
free_items (GValue *items,
            guint   n)
{
  for (guint i = 0; i < n; i++)
    g_value_unset (&items[i]);
  g_free (items);
}

static RelayPromise *
start_square_global (const GValue *item,
                     guint         index,
                     gpointer      data)
{
  MapRun *run = data;

  if (g_thread_self () != main_thread)
    run->wrong_thread = TRUE;
  run->calls++;
  g_assert_cmpuint (index, ==, (guint) g_value_get_int (item));
  return relay_pool_run (map_pool, NULL, square_job,
                         GINT_TO_POINTER (g_value_get_int (item)), NULL);
}

static void
test_map_bounded_in_order (void)
{
  MapRun run = { .fail_at = -1, .gate = TRUE };
  GValue *items = int_items (20);
  g_autoptr(RelayPromise) mapped = NULL;

  current_run = &run;
  map_pool = relay_pool_new (8);
  mapped = relay_promise_map (items, 20, 3, RELAY_MAP_FLAGS_NONE, start_square_global, &run, NULL);
  g_assert_cmpint (run.calls, ==, 0);          /* never inside the call */

  wait_settled (mapped);
  g_assert_cmpint (relay_promise_get_state (mapped), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpuint (relay_promise_get_n_values (mapped), ==, 20);
  for (guint i = 0; i < 20; i++)
    g_assert_cmpint (g_value_get_int64 (relay_promise_get_value (mapped, i)), ==, (gint64) i * i);
  g_assert_cmpint (run.calls, ==, 20);
  g_assert_cmpint (g_atomic_int_get (&run.max_running), <=, 3);
  g_assert_false (run.wrong_thread);

  free_items (items, 20);
  g_clear_object (&map_pool);
}

static void
test_map_first_rejection_cancels_the_rest (void)
{
  MapRun run = { .fail_at = 2, .gate = TRUE };
  GValue *items = int_items (50);
  g_autoptr(RelayPromise) mapped = NULL;

  current_run = &run;
  map_pool = relay_pool_new (2);
  mapped = relay_promise_map (items, 50, 2, RELAY_MAP_FLAGS_NONE, start_square_global, &run, NULL);
  wait_rejected (mapped);
  g_assert_error ((GError *) relay_promise_get_error (mapped), G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (relay_promise_get_error (mapped)->message, ==, "item 2 failed");
  /* No item starts after the rejection was seen: at most the ones in flight. */
  g_assert_cmpint (run.calls, <, 50);

  free_items (items, 50);
  g_clear_object (&map_pool);
}

static void
test_map_settle_all (void)
{
  MapRun run = { .fail_at = 1, .gate = TRUE };
  GValue *items = int_items (4);
  g_autoptr(RelayPromise) mapped = NULL;

  current_run = &run;
  map_pool = relay_pool_new (2);
  mapped = relay_promise_map (items, 4, 0, RELAY_MAP_SETTLE_ALL, start_square_global, &run, NULL);
  wait_settled (mapped);
  g_assert_cmpint (relay_promise_get_state (mapped), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpint (run.calls, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      RelayPromise *item = g_value_get_object (relay_promise_get_value (mapped, i));

      g_assert_cmpint (relay_promise_get_state (item), ==,
                       i == 1 ? RELAY_PROMISE_STATE_REJECTED : RELAY_PROMISE_STATE_FULFILLED);
    }

  free_items (items, 4);
  g_clear_object (&map_pool);
}

static void
test_map_cancel (void)
{
  MapRun run = { .fail_at = -1, .gate = FALSE };
  GValue *items = int_items (10);
  g_autoptr(RelayPromise) mapped = NULL;

  current_run = &run;
  map_pool = relay_pool_new (2);
  mapped = relay_promise_map (items, 10, 2, RELAY_MAP_FLAGS_NONE, start_square_global, &run, NULL);
  while (g_atomic_int_get (&run.started) < 2)
    g_main_context_iteration (NULL, FALSE);

  g_assert_true (relay_promise_cancel (mapped));
  g_assert_error ((GError *) relay_promise_get_error (mapped), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The jobs in flight see their cancellation and end; no more start. */
  while (g_atomic_int_get (&run.running) > 0)
    g_main_context_iteration (NULL, FALSE);
  drain (NULL);
  g_assert_cmpint (run.calls, ==, 2);

  free_items (items, 10);
  g_clear_object (&map_pool);
}

static RelayPromise *
return_null (const GValue *item,
             guint         index,
             gpointer      data)
{
  return NULL;
}

static void
test_map_null_and_empty (void)
{
  GValue *items = int_items (2);
  g_autoptr(RelayPromise) nulls = relay_promise_map (items, 2, 1, RELAY_MAP_FLAGS_NONE, return_null, NULL, NULL);
  g_autoptr(RelayPromise) empty = relay_promise_map (NULL, 0, 1, RELAY_MAP_FLAGS_NONE, return_null, NULL, NULL);

  wait_settled (nulls);
  g_assert_cmpuint (relay_promise_get_n_values (nulls), ==, 2);
  g_assert_true (G_VALUE_HOLDS_POINTER (relay_promise_get_value (nulls, 0)));
  wait_settled (empty);
  g_assert_cmpint (relay_promise_get_state (empty), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpuint (relay_promise_get_n_values (empty), ==, 0);
  free_items (items, 2);
}

/* --- reduce ---------------------------------------------------------------- */

static GString *reduce_log;

static RelayPromise *
add_item (RelayPromise *accumulator,
          RelayPromise *item,
          gpointer      data)
{
  RelayPromise *next = relay_promise_new ();

  g_assert_true (g_thread_self () == main_thread);
  g_string_append_printf (reduce_log, "%" G_GINT64_FORMAT "+%" G_GINT64_FORMAT " ",
                          relay_promise_get_int64 (accumulator), relay_promise_get_int64 (item));
  relay_promise_resolve_int64 (next, relay_promise_get_int64 (accumulator) + relay_promise_get_int64 (item));
  return next;
}

static void
test_reduce_in_order (void)
{
  RelayPromise *inputs[4];
  GValue zero = G_VALUE_INIT;
  g_autoptr(RelayPromise) sum = NULL;

  reduce_log = g_string_new (NULL);
  g_value_init (&zero, G_TYPE_INT64);
  for (int i = 0; i < 4; i++)
    inputs[i] = relay_promise_new ();
  sum = relay_promise_reduce (inputs, 4, &zero, add_item, NULL, NULL);

  /* Settled in reverse: folded in input order all the same. */
  for (int i = 3; i >= 0; i--)
    {
      relay_promise_resolve_int64 (inputs[i], i + 1);
      drain (NULL);
    }
  wait_settled (sum);
  g_assert_cmpint (relay_promise_get_int64 (sum), ==, 10);
  g_assert_cmpstr (reduce_log->str, ==, "0+1 1+2 3+3 6+4 ");

  for (int i = 0; i < 4; i++)
    g_object_unref (inputs[i]);
  g_string_free (reduce_log, TRUE);
}

static void
test_reduce_rejection_and_empty (void)
{
  RelayPromise *inputs[3];
  GValue seven = G_VALUE_INIT;
  g_autoptr(RelayPromise) sum = NULL;
  g_autoptr(RelayPromise) none = NULL;

  reduce_log = g_string_new (NULL);
  g_value_init (&seven, G_TYPE_INT64);
  g_value_set_int64 (&seven, 7);
  for (int i = 0; i < 3; i++)
    inputs[i] = relay_promise_new ();
  sum = relay_promise_reduce (inputs, 3, &seven, add_item, NULL, NULL);
  relay_promise_resolve_int64 (inputs[0], 1);
  relay_promise_reject_literal (inputs[1], G_IO_ERROR, G_IO_ERROR_FAILED, "second");
  relay_promise_resolve_int64 (inputs[2], 3);
  wait_rejected (sum);
  g_assert_cmpstr (relay_promise_get_error (sum)->message, ==, "second");
  g_assert_cmpstr (reduce_log->str, ==, "7+1 ");

  none = relay_promise_reduce (NULL, 0, &seven, add_item, NULL, NULL);
  wait_settled (none);
  g_assert_cmpint (relay_promise_get_int64 (none), ==, 7);

  for (int i = 0; i < 3; i++)
    g_object_unref (inputs[i]);
  g_string_free (reduce_log, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/promise/map/bounded-in-order", test_map_bounded_in_order);
  g_test_add_func ("/promise/map/first-rejection-cancels-the-rest", test_map_first_rejection_cancels_the_rest);
  g_test_add_func ("/promise/map/settle-all", test_map_settle_all);
  g_test_add_func ("/promise/map/cancel", test_map_cancel);
  g_test_add_func ("/promise/map/null-and-empty", test_map_null_and_empty);
  g_test_add_func ("/promise/reduce/in-order", test_reduce_in_order);
  g_test_add_func ("/promise/reduce/rejection-and-empty", test_reduce_rejection_and_empty);

  return g_test_run ();
}
