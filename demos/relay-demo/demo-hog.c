/* demo-hog.c: a busy thread at the UI thread's priority, for the self-test
 *
 * The self-test's "busy machine": one thread that never sleeps, at the same
 * nice value as the main thread, the way a compiler running in another window
 * would be. It is started when measuring starts and stopped when it stops, so
 * every stall the self-test reports was measured with it competing for the
 * processors. On two cores it leaves one core to share between the main
 * thread, the pool's worker (nice +10 by default) and the X server.
 *
 * It reports the share of a CPU it actually got, from its own thread CPU
 * clock, so the self-test can show that it did compete.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE   /* gettid() */

#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "demo-hog.h"

struct _DemoHog
{
  GThread *thread;
  int      stop;           /* atomic */
  int      nice;           /* the main thread's, which the hog takes */
  int      nice_set;       /* atomic: the hog's own nice value, once set */
  gint64   start_us;
  gint64   end_us;
  gint64   cpu_ns;         /* the hog's CPU time when it stopped */
  guint64  sink;
};

static gint64
thread_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);

  return ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static gpointer
hog_thread (gpointer data)
{
  DemoHog *hog = data;
  guint64 x = 0x9e3779b97f4a7c15u;

  int nice;

  /* A new thread inherits its creator's nice value on Linux; set it anyway,
   * so that the hog is at the main thread's priority whoever started it. */
  if (setpriority (PRIO_PROCESS, gettid (), hog->nice) != 0)
    g_warning ("cpu-hog: cannot set nice %d: %s", hog->nice, g_strerror (errno));
  errno = 0;
  nice = getpriority (PRIO_PROCESS, gettid ());
  if (errno == 0)
    g_atomic_int_set (&hog->nice_set, nice);

  while (!g_atomic_int_get (&hog->stop))
    for (int i = 0; i < 100000; i++)
      x = x * 6364136223846793005u + 1442695040888963407u;

  hog->sink = x;
  hog->cpu_ns = thread_cpu_ns ();

  return NULL;
}

/* Call on the main thread. */
DemoHog *
demo_hog_start (void)
{
  DemoHog *hog = g_new0 (DemoHog, 1);

  errno = 0;
  hog->nice = getpriority (PRIO_PROCESS, gettid ());
  if (errno != 0)
    hog->nice = 0;
  hog->nice_set = G_MININT;
  hog->start_us = g_get_monotonic_time ();
  hog->thread = g_thread_new ("cpu-hog", hog_thread, hog);

  return hog;
}

void
demo_hog_stop (DemoHog *hog)
{
  if (hog->thread == NULL)
    return;

  g_atomic_int_set (&hog->stop, TRUE);
  g_thread_join (g_steal_pointer (&hog->thread));
  hog->end_us = g_get_monotonic_time ();
}

/* The hog's nice value as it ran, or the main thread's if it could not be
 * read. */
int
demo_hog_get_nice (DemoHog *hog)
{
  int nice = g_atomic_int_get (&hog->nice_set);

  return nice == G_MININT ? hog->nice : nice;
}

/* After demo_hog_stop(): the CPU it got, as a fraction of one processor. */
double
demo_hog_get_cpu_share (DemoHog *hog)
{
  gint64 wall_us = hog->end_us - hog->start_us;

  return wall_us > 0 ? hog->cpu_ns / 1000.0 / wall_us : 0;
}

void
demo_hog_free (DemoHog *hog)
{
  demo_hog_stop (hog);
  g_free (hog);
}
