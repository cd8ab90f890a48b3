/* test-wakeup.c: the dispatcher's wake-up descriptor (option 'wakeup')
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Another thread that settles a promise wakes the owner of the promise's
 * context through a descriptor of the dispatcher's: an eventfd or a pipe,
 * chosen when configuring (-Dwakeup=auto|eventfd|pipe). meson.build runs this
 * program with RELAY_TEST_WAKEUP set to the mechanism the build chose, so the
 * first test fails if the library was built with the other one, and the
 * second drives that mechanism from two threads while the owner sleeps in
 * poll: a lost wake-up leaves the owner asleep, and the watchdog fails the
 * test.
 *
 * Linux only: the descriptors are told apart by their /proc/self/fd links.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "test-utils.h"

/* --- counting descriptors by kind ----------------------------------------- */

typedef struct
{
  int eventfds;
  int pipes;
} FdCount;

static FdCount
count_fds (void)
{
  FdCount count = { 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, &error);
  const char *name;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      /* The directory's own descriptor is gone by now: no target. */
      if (target == NULL)
        continue;
      if (strcmp (target, "anon_inode:[eventfd]") == 0)
        count.eventfds++;
      else if (g_str_has_prefix (target, "pipe:"))
        count.pipes++;
    }
  return count;
}

static const char *
expected_wakeup (void)
{
  const char *expected = g_getenv ("RELAY_TEST_WAKEUP");

  if (expected == NULL || (strcmp (expected, "eventfd") != 0 && strcmp (expected, "pipe") != 0))
    g_error ("RELAY_TEST_WAKEUP must say eventfd or pipe (tests/unit/meson.build sets it)");
  return expected;
}

/* The first promise of a context creates its dispatcher, whose lane of the
 * default priority opens the wake-up descriptor: one eventfd, or the two ends
 * of a pipe, and nothing else. */
static void
test_descriptor (void)
{
  const char *expected = expected_wakeup ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  FdCount before, after;
  RelayPromise *promise;

  before = count_fds ();
  promise = relay_promise_new_for_context (context);
  after = count_fds ();

  if (strcmp (expected, "eventfd") == 0)
    {
      g_assert_cmpint (after.eventfds - before.eventfds, ==, 1);
      g_assert_cmpint (after.pipes - before.pipes, ==, 0);
    }
  else
    {
      g_assert_cmpint (after.eventfds - before.eventfds, ==, 0);
      g_assert_cmpint (after.pipes - before.pipes, ==, 2);
    }

  g_object_unref (promise);
}

/* --- two threads waking a sleeping owner ----------------------------------- */

#define N_WORKERS 2
#define N_ROUNDS  2000

/* One promise at a time handed from the owner to a worker. pthreads, not
 * GLib's futex-based locks, so ThreadSanitizer sees the hand-over. */
typedef struct
{
  pthread_mutex_t  lock;
  pthread_cond_t   cond;
  RelayPromise    *promise;   /* @lock: owned, NULL when empty */
  gint64           value;     /* @lock */
  gboolean         quit;      /* @lock */
  guint32          seed;
  pthread_t        thread;
} Worker;

typedef struct
{
  GThread *owner;
  int      ran;          /* atomic: handlers run, the watchdog's progress */
  int      wrong_thread; /* atomic */
  gint64   expected;     /* owner only: the round's value */
} Round;

static void *
worker_main (void *data)
{
  Worker *worker = data;
  GRand *rand = g_rand_new_with_seed (worker->seed);

  for (;;)
    {
      RelayPromise *promise;
      gint64 value;
      guint spins;

      pthread_mutex_lock (&worker->lock);
      while (worker->promise == NULL && !worker->quit)
        pthread_cond_wait (&worker->cond, &worker->lock);
      if (worker->promise == NULL)
        {
          pthread_mutex_unlock (&worker->lock);
          break;
        }
      promise = g_steal_pointer (&worker->promise);
      value = worker->value;
      pthread_mutex_unlock (&worker->lock);

      /* A varying head start for the owner, counted in loop turns, never in
       * time: sometimes the settle comes before the owner polls, sometimes
       * while it sleeps, and the two workers' settles race each other. */
      spins = g_rand_int_range (rand, 0, 20000);
      for (volatile guint i = 0; i < spins; i++)
        ;

      g_assert_true (relay_promise_resolve_int64 (promise, value));
      g_object_unref (promise);
    }

  g_rand_free (rand);
  return NULL;
}

static RelayPromise *
on_value (RelayPromise *promise,
          gpointer      data)
{
  Round *round = data;

  if (g_thread_self () != round->owner)
    g_atomic_int_inc (&round->wrong_thread);
  g_assert_cmpint (relay_promise_get_int64 (promise), ==, round->expected);
  g_atomic_int_inc (&round->ran);
  return NULL;
}

static void
test_cross_thread (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Worker workers[N_WORKERS];
  Round round = { g_thread_self (), 0, 0, 0 };
  Watchdog watchdog;

  expected_wakeup ();
  g_main_context_push_thread_default (context);

  for (int w = 0; w < N_WORKERS; w++)
    {
      pthread_mutex_init (&workers[w].lock, NULL);
      pthread_cond_init (&workers[w].cond, NULL);
      workers[w].promise = NULL;
      workers[w].quit = FALSE;
      workers[w].seed = g_test_rand_int ();
      g_assert_cmpint (pthread_create (&workers[w].thread, NULL, worker_main, &workers[w]), ==, 0);
    }

  watchdog_start (&watchdog, &round.ran, "a handler waiting for a wake-up from another thread",
                  NULL, NULL);

  for (int r = 1; r <= N_ROUNDS; r++)
    {
      int target = r * N_WORKERS;

      round.expected = r;
      for (int w = 0; w < N_WORKERS; w++)
        {
          RelayPromise *promise = relay_promise_new ();

          relay_promise_disown (relay_promise_then (promise, on_value, &round, NULL));
          pthread_mutex_lock (&workers[w].lock);
          workers[w].promise = promise;
          workers[w].value = r;
          pthread_cond_signal (&workers[w].cond);
          pthread_mutex_unlock (&workers[w].lock);
        }

      /* Sleeps in poll until a worker's settle writes the descriptor: the
       * only source of this context is the dispatcher's. */
      while (g_atomic_int_get (&round.ran) < target)
        g_main_context_iteration (context, TRUE);
      g_assert_cmpint (g_atomic_int_get (&round.ran), ==, target);
    }

  watchdog_stop (&watchdog);

  for (int w = 0; w < N_WORKERS; w++)
    {
      pthread_mutex_lock (&workers[w].lock);
      workers[w].quit = TRUE;
      pthread_cond_signal (&workers[w].cond);
      pthread_mutex_unlock (&workers[w].lock);
      pthread_join (workers[w].thread, NULL);
      pthread_mutex_destroy (&workers[w].lock);
      pthread_cond_destroy (&workers[w].cond);
    }

  drain (context);
  g_main_context_pop_thread_default (context);

  g_assert_cmpint (round.ran, ==, N_ROUNDS * N_WORKERS);
  g_assert_cmpint (round.wrong_thread, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wakeup/descriptor", test_descriptor);
  g_test_add_func ("/wakeup/cross-thread", test_cross_thread);

  return g_test_run ();
}
