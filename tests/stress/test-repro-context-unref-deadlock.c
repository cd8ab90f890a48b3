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
 * Each round is a fresh context with promises settled from a second thread
 * while the owner frees the context. Either symptom fails the test: the
 * critical is fatal, and a watchdog turns the hang into a failure.
 */
#include <relay/relay.h>

#include "stress-common.h"

#define N_PROMISES 32

typedef struct
{
  RelayPromise     *promises[N_PROMISES];
  GMainContext     *context;      /* for the test thread, afterwards */
  pthread_barrier_t start;
} Round;

static gpointer
owner_thread (gpointer data)
{
  Round *round = data;
  GMainContext *context = g_main_context_new ();

  round->context = g_main_context_ref (context);
  g_main_context_push_thread_default (context);
  for (guint i = 0; i < N_PROMISES; i++)
    {
      round->promises[i] = relay_promise_new ();
      /* A handler, so that settling posts to the dispatcher. */
      g_object_unref (relay_promise_then (round->promises[i], NULL, NULL, NULL));
    }
  g_main_context_pop_thread_default (context);

  pthread_barrier_wait (&round->start);
  g_main_context_unref (context);     /* races the settles below */

  return NULL;
}

static gpointer
settler_thread (gpointer data)
{
  Round *round = data;

  pthread_barrier_wait (&round->start);
  for (guint i = 0; i < N_PROMISES; i++)
    {
      relay_promise_resolve_int (round->promises[i], (int) i);
      g_object_unref (round->promises[i]);
    }

  return NULL;
}

typedef struct
{
  pthread_mutex_t lock;
  pthread_cond_t  cond;
  gboolean        finished;
} Watchdog;

static gpointer
rounds_thread (gpointer data)
{
  Watchdog *watchdog = data;
  guint n_rounds = stress_count (20000, 200);

  for (guint r = 0; r < n_rounds; r++)
    {
      Round round = { 0 };
      GThread *owner, *settler;

      pthread_barrier_init (&round.start, NULL, 2);
      owner = g_thread_new ("owner", owner_thread, &round);
      settler = g_thread_new ("settler", settler_thread, &round);
      g_thread_join (owner);
      g_thread_join (settler);
      pthread_barrier_destroy (&round.start);

      /* The promises kept the context alive with their handlers queued (as a
       * GTask does): whoever iterates it next delivers them, then it goes. */
      while (g_main_context_iteration (round.context, FALSE))
        ;
      g_main_context_unref (round.context);
    }

  pthread_mutex_lock (&watchdog->lock);
  watchdog->finished = TRUE;
  pthread_cond_signal (&watchdog->cond);
  pthread_mutex_unlock (&watchdog->lock);

  return NULL;
}

static void
test_settle_while_context_unreffed (void)
{
  Watchdog watchdog = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, FALSE };
  struct timespec deadline;
  GThread *thread;
  int rc = 0;

  clock_gettime (CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 60;

  thread = g_thread_new ("rounds", rounds_thread, &watchdog);

  pthread_mutex_lock (&watchdog.lock);
  while (!watchdog.finished && rc == 0)
    rc = pthread_cond_timedwait (&watchdog.cond, &watchdog.lock, &deadline);
  pthread_mutex_unlock (&watchdog.lock);

  if (!watchdog.finished)
    g_error ("deadlock: a settle racing g_main_context_unref() did not return in 60 s "
             "(relay_dispatcher_post holds dispatcher->lock while "
             "g_source_set_ready_time waits for the context lock; the context's "
             "finalization holds the context lock while dispatcher_source_finalize "
             "waits for dispatcher->lock)");

  g_thread_join (thread);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/repro/settle-while-context-unreffed", test_settle_while_context_unreffed);

  return g_test_run ();
}
