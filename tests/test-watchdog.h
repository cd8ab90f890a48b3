/* test-watchdog.h: progress-based limits for tests that could hang
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * No verdict of the test suites depends on how long something took. A test
 * that could hang on a bug (a lost wake-up, a deadlock) must fail rather than
 * hang, but a slow or busy machine must only make it slower, never red. So
 * nothing here limits the total duration of a wait: what a test waits for
 * fails only when it made no progress at all for test_stall_usec(), one
 * minute, times RELAY_TEST_SLOWDOWN (the valgrind and sanitizer setups in
 * tests/stress/meson.build set it; a sanitizer build run without its setup
 * counts as 10). Progress is whatever the wait can observe: a counter that
 * moved, a main-context iteration that dispatched something.
 *
 * Sleeping and waking go through pthreads and g_atomic_* (compiled inline),
 * never GLib's futex-based GMutex/GCond, so that ThreadSanitizer sees every
 * happens-before edge the tests rely on.
 */
#pragma once

#include <pthread.h>
#include <time.h>
#include <glib.h>

#define TEST_STALL_SECONDS 60

/* How much slower than a plain build this run is expected to be. */
static inline double
test_slowdown (void)
{
  const char *s = g_getenv ("RELAY_TEST_SLOWDOWN");
  double factor = 1.0;

  if (s != NULL)
    factor = g_ascii_strtod (s, NULL);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  else
    factor = 10.0;
#elif defined(__has_feature)
# if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  else
    factor = 10.0;
# endif
#endif

  return factor >= 1.0 ? factor : 1.0;
}

/* How long a wait may see no progress at all before it fails. */
static inline gint64
test_stall_usec (void)
{
  return (gint64) (TEST_STALL_SECONDS * test_slowdown () * G_USEC_PER_SEC);
}

/* --- polling waits --------------------------------------------------------- */

/* Reset by every sign of progress; expires only after test_stall_usec()
 * without one. */
typedef struct
{
  gint64 limit;
  gint64 last_progress;
} Stall;

static inline void
stall_init (Stall *stall)
{
  stall->limit = test_stall_usec ();
  stall->last_progress = g_get_monotonic_time ();
}

static inline void
stall_progress (Stall *stall)
{
  stall->last_progress = g_get_monotonic_time ();
}

static inline gboolean
stall_expired (const Stall *stall)
{
  return g_get_monotonic_time () - stall->last_progress > stall->limit;
}

/* Fails the test, saying what stalled, if @stall expired. */
static inline void
stall_check (const Stall *stall,
             const char  *what)
{
  if (stall_expired (stall))
    g_error ("no progress for %" G_GINT64_FORMAT " s: %s",
             stall->limit / G_USEC_PER_SEC, what);
}

/* --- an event one thread waits for and another sets ------------------------ */

typedef struct
{
  pthread_mutex_t lock;
  pthread_cond_t  cond;
  int             set;       /* atomic, written under @lock */
} TestEvent;

static inline void
test_event_init (TestEvent *event)
{
  pthread_condattr_t attr;

  pthread_condattr_init (&attr);
  pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
  pthread_mutex_init (&event->lock, NULL);
  pthread_cond_init (&event->cond, &attr);
  pthread_condattr_destroy (&attr);
  event->set = FALSE;
}

static inline void
test_event_clear (TestEvent *event)
{
  pthread_mutex_destroy (&event->lock);
  pthread_cond_destroy (&event->cond);
}

static inline void
test_event_set (TestEvent *event)
{
  pthread_mutex_lock (&event->lock);
  g_atomic_int_set (&event->set, TRUE);
  pthread_cond_broadcast (&event->cond);
  pthread_mutex_unlock (&event->lock);
}

static inline gboolean
test_event_is_set (TestEvent *event)
{
  return g_atomic_int_get (&event->set);
}

/* Adds @usec to now on CLOCK_MONOTONIC (the clock of g_get_monotonic_time()). */
static inline struct timespec
test_deadline_after (gint64 usec)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  ts.tv_sec += usec / G_USEC_PER_SEC;
  ts.tv_nsec += (usec % G_USEC_PER_SEC) * 1000;
  if (ts.tv_nsec >= 1000000000)
    {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000;
    }
  return ts;
}

/* Blocks until @event is set. Nothing else can count as progress here, so a
 * wait that sees nothing for test_stall_usec() fails the test, naming @what. */
static inline void
test_event_wait (TestEvent  *event,
                 const char *what)
{
  struct timespec deadline = test_deadline_after (test_stall_usec ());
  int rc = 0;

  pthread_mutex_lock (&event->lock);
  while (!g_atomic_int_get (&event->set) && rc == 0)
    rc = pthread_cond_timedwait (&event->cond, &event->lock, &deadline);
  pthread_mutex_unlock (&event->lock);

  if (!g_atomic_int_get (&event->set))
    g_error ("no progress for %" G_GINT64_FORMAT " s: %s",
             test_stall_usec () / G_USEC_PER_SEC, what);
}

/* --- a watchdog thread over a progress counter ------------------------------ */

/* For a test thread that blocks where it cannot check anything itself (in
 * g_thread_join(), in poll): a second thread samples @progress, an atomic
 * counter the watched code advances, once a second, and calls @on_stall once
 * (or, without one, fails the test with g_error()) when it stayed the same
 * for test_stall_usec(). The watchdog never touches what it watches, so it
 * cannot hide the hang it is there to catch. */
typedef struct
{
  const int        *progress;
  const char       *what;
  void            (*on_stall) (gpointer data);
  gpointer          data;

  pthread_t         thread;
  pthread_mutex_t   lock;
  pthread_cond_t    cond;
  gboolean          stop;      /* @lock */
} Watchdog;

static inline void *
watchdog_thread (void *data)
{
  Watchdog *watchdog = data;
  gint64 limit = test_stall_usec ();
  int last = g_atomic_int_get (watchdog->progress);
  gint64 last_change = g_get_monotonic_time ();
  gboolean stalled = FALSE;

  pthread_mutex_lock (&watchdog->lock);
  while (!watchdog->stop)
    {
      struct timespec tick = test_deadline_after (G_USEC_PER_SEC);
      int now;

      pthread_cond_timedwait (&watchdog->cond, &watchdog->lock, &tick);
      if (watchdog->stop)
        break;

      now = g_atomic_int_get (watchdog->progress);
      if (now != last)
        {
          last = now;
          last_change = g_get_monotonic_time ();
        }
      else if (g_get_monotonic_time () - last_change > limit)
        {
          stalled = TRUE;
          break;
        }
    }
  pthread_mutex_unlock (&watchdog->lock);

  if (stalled)
    {
      if (watchdog->on_stall == NULL)
        g_error ("no progress for %" G_GINT64_FORMAT " s (stuck at %d): %s",
                 limit / G_USEC_PER_SEC, last, watchdog->what);
      watchdog->on_stall (watchdog->data);
    }

  return NULL;
}

static inline void
watchdog_start (Watchdog   *watchdog,
                const int  *progress,
                const char *what,
                void      (*on_stall) (gpointer data),
                gpointer    data)
{
  pthread_condattr_t attr;

  watchdog->progress = progress;
  watchdog->what = what;
  watchdog->on_stall = on_stall;
  watchdog->data = data;
  watchdog->stop = FALSE;

  pthread_condattr_init (&attr);
  pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
  pthread_mutex_init (&watchdog->lock, NULL);
  pthread_cond_init (&watchdog->cond, &attr);
  pthread_condattr_destroy (&attr);

  g_assert_cmpint (pthread_create (&watchdog->thread, NULL, watchdog_thread, watchdog), ==, 0);
}

static inline void
watchdog_stop (Watchdog *watchdog)
{
  pthread_mutex_lock (&watchdog->lock);
  watchdog->stop = TRUE;
  pthread_cond_signal (&watchdog->cond);
  pthread_mutex_unlock (&watchdog->lock);

  pthread_join (watchdog->thread, NULL);
  pthread_mutex_destroy (&watchdog->lock);
  pthread_cond_destroy (&watchdog->cond);
}
