/* test-repro-context-unref-deadlock.c: settling a promise on one thread while
 * another thread drops the last reference to the promise's context must not
 * deadlock
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Minimal repro of a lock-order inversion between GLib 2.74's context lock and
 * the dispatcher's lock:
 *   - the settling thread: relay_dispatcher_post() takes dispatcher->lock, then
 *     g_source_set_ready_time() takes the context lock;
 *   - the thread freeing the context: g_main_context_unref() holds the context
 *     lock while it finalizes the sources, and dispatcher_source_finalize()
 *     takes dispatcher->lock.
 * and, even without the lock, a poster can call g_source_set_ready_time() on
 * the dispatcher's GSource while its last reference is being dropped (GLib
 * then reports "g_source_set_ready_time: assertion 'ref_count > 0' failed",
 * or touches freed memory).
 *
 * Only the first settle after a context's dispatcher went idle called into
 * GLib, so each fresh context gives the race one chance. A round gives it
 * N_CONTEXTS: the owner frees its contexts while the settler settles their
 * promises in order, in alternate rounds in the opposite order (so that the
 * two threads meet on some context whatever their speeds) or the same (so
 * that they run alongside when the speeds match), and the settler starts a
 * little later each round, which moves the meeting point across the window.
 * One pair of threads serves every round: creating two threads per round, as
 * this test first did, cost most of its time.
 *
 * The window is a few instructions wide, so no count makes this certain.
 * Against the library before the fix (2e1e20d^) on a busy 2-core machine,
 * the first version's 20,000 rounds of one context hit the bug in 1 run of 5
 * in a plain build and 3 of 7 under ASan at half scale (25 to 175 s a run);
 * these 20,000 rounds of 16 hit it in 8 runs of 12 in a plain build and 9 of
 * 23 under ASan (5 to 15 s a run), more often the busier the machine.
 *
 * Since a promise keeps its context alive (as a GTask does), the owner's
 * unref is no longer the last one: the race the test was written for cannot
 * happen by construction. The test stays as the check of that: after each
 * round the owner iterates the contexts it dropped (it kept a reference for
 * that) until the queued handlers ran and the contexts went.
 *
 * Any symptom fails the test: criticals are fatal, GLib aborts on the freed
 * mutex, and a watchdog turns the hang into a failure. The watchdog counts
 * finished rounds and fails only when none finished for a long time
 * (tests/test-watchdog.h), so a slow or busy machine only makes the test
 * slower.
 */
#include <relay/relay.h>

#include "stress-common.h"
#include "../test-watchdog.h"

#define N_CONTEXTS 16
#define MAX_DELAY  4096   /* spins the settler may wait before it starts */

typedef struct
{
  guint             n_rounds;
  RelayPromise     *promises[N_CONTEXTS];   /* handed from owner to settler */
  pthread_barrier_t start;
  pthread_barrier_t end;
  int               rounds_done;            /* atomic */
} Race;

static gpointer
owner_thread (gpointer data)
{
  Race *race = data;

  for (guint r = 0; r < race->n_rounds; r++)
    {
      GMainContext *contexts[N_CONTEXTS], *kept[N_CONTEXTS];

      for (guint i = 0; i < N_CONTEXTS; i++)
        {
          contexts[i] = g_main_context_new ();
          g_main_context_push_thread_default (contexts[i]);
          race->promises[i] = relay_promise_new ();
          /* A handler, so that settling posts to the dispatcher. */
          g_object_unref (relay_promise_then (race->promises[i], NULL, NULL, NULL));
          g_main_context_pop_thread_default (contexts[i]);
        }

      for (guint i = 0; i < N_CONTEXTS; i++)
        kept[i] = g_main_context_ref (contexts[i]);

      pthread_barrier_wait (&race->start);
      /* Races the settles below: last to first, so that the two threads
       * meet on some context whatever their speeds, and every other round
       * first to last, so that they run alongside when the speeds match. */
      if (r % 2 == 0)
        for (guint i = N_CONTEXTS; i-- > 0;)
          g_main_context_unref (contexts[i]);
      else
        for (guint i = 0; i < N_CONTEXTS; i++)
          g_main_context_unref (contexts[i]);
      pthread_barrier_wait (&race->end);

      /* The queued handlers kept each context: deliver them, let it go. */
      for (guint i = 0; i < N_CONTEXTS; i++)
        {
          while (g_main_context_iteration (kept[i], FALSE))
            ;
          g_main_context_unref (kept[i]);
        }
    }

  return NULL;
}

static gpointer
settler_thread (gpointer data)
{
  Race *race = data;

  for (guint r = 0; r < race->n_rounds; r++)
    {
      volatile guint spin = (r * 37) % MAX_DELAY;

      pthread_barrier_wait (&race->start);
      while (spin > 0)
        spin--;
      for (guint i = 0; i < N_CONTEXTS; i++)
        {
          relay_promise_resolve_int64 (race->promises[i], (int) i);
          g_object_unref (race->promises[i]);
        }
      pthread_barrier_wait (&race->end);
      g_atomic_int_inc (&race->rounds_done);
    }

  return NULL;
}

static void
test_settle_while_context_unreffed (void)
{
  Race race = { 0 };
  Watchdog watchdog;
  GThread *owner, *settler;

  race.n_rounds = stress_count (20000, 500);
  pthread_barrier_init (&race.start, NULL, 2);
  pthread_barrier_init (&race.end, NULL, 2);

  watchdog_start (&watchdog, &race.rounds_done,
                  "deadlock: a settle racing g_main_context_unref() did not return "
                  "(relay_dispatcher_post holds dispatcher->lock while "
                  "g_source_set_ready_time waits for the context lock; the context's "
                  "finalization holds the context lock while dispatcher_source_finalize "
                  "waits for dispatcher->lock)",
                  NULL, NULL);

  owner = g_thread_new ("owner", owner_thread, &race);
  settler = g_thread_new ("settler", settler_thread, &race);
  g_thread_join (owner);
  g_thread_join (settler);

  watchdog_stop (&watchdog);

  g_assert_cmpint (g_atomic_int_get (&race.rounds_done), ==, (int) race.n_rounds);
  g_test_message ("%u rounds x %d contexts freed while their promises settled",
                  race.n_rounds, N_CONTEXTS);

  pthread_barrier_destroy (&race.start);
  pthread_barrier_destroy (&race.end);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/repro/settle-while-context-unreffed", test_settle_while_context_unreffed);

  return g_test_run ();
}
