/* test-repro-timer-context-unref.c: timers armed for a promise from a worker
 * (progress throttling, timeouts) must not race the last unref of the
 * promise's context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A throttled progress report and relay_promise_timeout() used to take a
 * reference to the promise's context from the calling thread and attach a
 * timer to it. When the owner dropped the context's last reference at the
 * same moment, the reference was taken on a context already being finalized
 * ("g_main_context_ref: assertion 'ref_count > 0' failed"). Each round: the
 * owner thread creates a context and a promise, then drops the context while
 * a worker reports progress twice in a row (the second is throttled) and adds
 * a timeout.
 */
#include <relay/relay.h>

#include "stress-common.h"

typedef struct
{
  RelayPromise     *promise;
  pthread_barrier_t start;
} Round;

static gpointer
owner_thread (gpointer data)
{
  Round *round = data;
  GMainContext *context = g_main_context_new ();

  round->promise = relay_promise_new_for_context (context);
  pthread_barrier_wait (&round->start);
  g_main_context_unref (context);     /* races the worker below */

  return NULL;
}

static gpointer
worker_thread (gpointer data)
{
  Round *round = data;
  RelayPromise *timed;

  pthread_barrier_wait (&round->start);
  relay_promise_report_progress (round->promise, 0.25, NULL);
  relay_promise_report_progress (round->promise, 0.5, NULL);
  timed = relay_promise_timeout (round->promise, 60000);
  relay_promise_report_progress (round->promise, 0.75, NULL);
  g_object_unref (timed);

  return NULL;
}

static void
test_timers_race_context_unref (void)
{
  guint n_rounds = stress_count (8000, 100);

  for (guint r = 0; r < n_rounds; r++)
    {
      Round round = { 0 };
      GThread *owner, *worker;

      pthread_barrier_init (&round.start, NULL, 2);
      owner = g_thread_new ("owner", owner_thread, &round);
      worker = g_thread_new ("worker", worker_thread, &round);
      g_thread_join (owner);
      g_thread_join (worker);
      pthread_barrier_destroy (&round.start);

      relay_promise_cancel (round.promise);
      g_object_unref (round.promise);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/repro/timers-race-context-unref", test_timers_race_context_unref);

  return g_test_run ();
}
