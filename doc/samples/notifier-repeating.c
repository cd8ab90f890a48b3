/* notifier-repeating.c: a repeating notifier that coalesces a burst of triggers
 *
 * A worker publishes 100,000 updates and triggers after each. The callback
 * runs far fewer times, learns how many triggers each call covers, and is
 * guaranteed to run once more after the last trigger, so it always sees the
 * final value.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

#define N_UPDATES 100000

typedef struct
{
  GMainLoop     *loop;
  RelayNotifier *notifier;
  int            latest;       /* atomic: written by the worker */
  guint          n_calls;      /* main thread only */
  guint          n_covered;    /* main thread only */
} State;

/* [callback] */
static gboolean
on_update (RelayNotifier *notifier,
           guint          n_triggers,
           gpointer       user_data)
{
  State *state = user_data;
  int latest = g_atomic_int_get (&state->latest);

  state->n_calls++;
  state->n_covered += n_triggers;

  /* Every trigger is counted exactly once, so this call covers the last one,
   * and the worker's last write is visible. */
  if (state->n_covered == N_UPDATES)
    {
      g_assert_cmpint (latest, ==, N_UPDATES);
      g_main_loop_quit (state->loop);
      return G_SOURCE_REMOVE;                    /* no more calls after this */
    }

  return G_SOURCE_CONTINUE;                      /* armed for the next trigger */
}
/* [/callback] */

/* [worker] */
static gpointer
worker (gpointer user_data)
{
  State *state = user_data;

  for (int i = 1; i <= N_UPDATES; i++)
    {
      g_atomic_int_set (&state->latest, i);
      relay_notifier_trigger (state->notifier);  /* cheap: wakes the loop only when idle */
    }

  return NULL;
}
/* [/worker] */

int
main (void)
{
  State state = { 0 };
  GThread *thread;

  state.loop = g_main_loop_new (NULL, FALSE);

  /* [create] */
  state.notifier = relay_notifier_new (on_update, &state, NULL);
  /* [/create] */

  thread = g_thread_new ("worker", worker, &state);
  g_main_loop_run (state.loop);
  g_thread_join (thread);

  g_print ("%d triggers, %u callback calls covering %u of them\n",
           N_UPDATES, state.n_calls, state.n_covered);

  g_assert_cmpuint (state.n_covered, ==, N_UPDATES);
  g_assert_cmpuint (state.n_calls, <=, N_UPDATES);
  g_assert_false (relay_notifier_trigger (state.notifier));   /* done */

  g_object_unref (state.notifier);
  g_main_loop_unref (state.loop);
  return 0;
}
