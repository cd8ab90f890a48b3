/* promise-basics.c: create a promise, settle it from another thread, read it
 *
 * The promise belongs to the main context because the main thread created it.
 * A plain GThread fulfils it with two values; the first settle wins. The
 * `notify::state` signal and the handler both run on the main thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static GThread *main_thread;

/* [settle] */
static gpointer
producer (gpointer promise)
{
  GValue values[2] = { G_VALUE_INIT, G_VALUE_INIT };
  gboolean won;

  g_value_init (&values[0], G_TYPE_STRING);
  g_value_set_string (&values[0], "answer");
  g_value_init (&values[1], G_TYPE_INT);
  g_value_set_int (&values[1], 42);

  won = relay_promise_resolve_values (promise, values, 2);   /* any thread */
  g_assert_true (won);

  /* A promise settles once: later settles return FALSE and change nothing. */
  g_assert_false (relay_promise_resolve_int64 (promise, 7));

  g_value_unset (&values[0]);
  g_value_unset (&values[1]);
  return NULL;
}
/* [/settle] */

/* [read] */
static void
state_changed (GObject    *promise,
               GParamSpec *pspec,
               gpointer    user_data)
{
  g_assert (g_thread_self () == main_thread);
  g_print ("state is now %d\n", relay_promise_get_state (RELAY_PROMISE (promise)));
}

static RelayPromise *
print_values (RelayPromise *promise,
              gpointer      loop)
{
  guint n_values;
  const GValue *values = relay_promise_get_values (promise, &n_values);

  g_assert (g_thread_self () == main_thread);
  g_assert_cmpuint (n_values, ==, 2);
  g_print ("%s = %d\n", g_value_get_string (&values[0]), g_value_get_int (&values[1]));

  g_main_loop_quit (loop);
  return g_object_ref (promise);   /* the derived promise gets the same values */
}
/* [/read] */

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  GThread *thread;

  main_thread = g_thread_self ();

  /* [create] */
  g_autoptr(RelayPromise) promise = relay_promise_new ();    /* this thread's context */
  g_autoptr(RelayPromise) printed = NULL;

  g_signal_connect (promise, "notify::state", G_CALLBACK (state_changed), NULL);
  printed = relay_promise_then (promise, print_values, loop, NULL);

  thread = g_thread_new ("producer", producer, promise);
  g_main_loop_run (loop);
  /* [/create] */

  g_thread_join (thread);

  g_assert_cmpint (relay_promise_get_state (printed), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpuint (relay_promise_get_n_values (printed), ==, 2);
  return 0;
}
