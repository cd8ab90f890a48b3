/* promise-gio.c: promises and GIO's asynchronous style, both ways
 *
 * - A bare GTask made for a promise (no source object, no source tag,
 *   completed with g_task_return_value()) settles it through
 *   relay_promise_async_ready_callback(). A GIO call needs its finish
 *   function instead: see gio.c.
 * - A promise backs a GIO-style _async()/_finish() pair with
 *   relay_promise_return_to_task().
 * - relay_promise_wait_async()/_finish() wait for a promise the GIO way.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

/* A GTask made for the caller's callback: no source object, no source tag,
 * and the result set with g_task_return_value(). */
static void
legacy_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "from a GTask");
  g_task_return_value (task, &value);
  g_value_unset (&value);
}

static void
legacy_async (GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_run_in_thread (task, legacy_thread);
}

/* [promise-backed-api] */
static void
compute (RelayJob *job,
         gpointer  user_data)
{
  relay_job_return_int64 (job, 6 * 7);
}

/* A GIO-style pair whose work is done with a promise. */
static void
answer_async (GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(RelayPromise) promise = relay_run_in_thread (NULL, compute, NULL, NULL);

  relay_promise_return_to_task (promise, task);
}

static int
answer_finish (GAsyncResult  *result,
               GError       **error)
{
  GValue value = G_VALUE_INIT;
  int answer;

  if (!g_task_propagate_value (G_TASK (result), &value, error))
    return -1;

  answer = (int) g_value_get_int64 (&value);
  g_value_unset (&value);
  return answer;
}
/* [/promise-backed-api] */

typedef struct
{
  GMainLoop *loop;
  int        pending;
} Waiting;

static void
done_one (Waiting *waiting)
{
  if (--waiting->pending == 0)
    g_main_loop_quit (waiting->loop);
}

static void
got_answer (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  int answer = answer_finish (result, &error);

  g_assert_no_error (error);
  g_print ("answer_finish: %d\n", answer);
  g_assert_cmpint (answer, ==, 42);
  done_one (user_data);
}

/* [wait] */
static void
waited (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GValue *value = relay_promise_wait_finish (RELAY_PROMISE (source), result, &error);

  g_assert_no_error (error);
  g_print ("wait_finish: %s\n", g_value_get_string (value));
  g_boxed_free (G_TYPE_VALUE, value);
  done_one (user_data);
}
/* [/wait] */

int
main (void)
{
  Waiting waiting = { g_main_loop_new (NULL, FALSE), 2 };

  /* [from-task] */
  g_autoptr(RelayPromise) promise = relay_promise_new ();

  /* The callback settles the promise and drops the reference it was given;
   * the promise's cancellable cancels the GTask. */
  legacy_async (relay_promise_get_cancellable (promise),
                relay_promise_async_ready_callback, g_object_ref (promise));
  /* [/from-task] */

  relay_promise_wait_async (promise, NULL, waited, &waiting);
  answer_async (NULL, got_answer, &waiting);

  g_main_loop_run (waiting.loop);
  g_main_loop_unref (waiting.loop);
  return 0;
}
