/* stress-common.h: shared helpers for the stress suite — owner threads that
 * iterate their own main context, a start barrier, the scale knob and heap
 * measurement
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Synchronisation between test threads goes through pthreads and g_atomic_*
 * (compiled inline), never through GLib's futex-based GMutex/GCond/GAsyncQueue,
 * so that ThreadSanitizer sees every happens-before edge the tests rely on.
 *
 * RELAY_STRESS_SCALE (a factor, default 1.0) scales every iteration count:
 * the normal suite runs the full counts; valgrind and sanitizer runs set e.g.
 * RELAY_STRESS_SCALE=0.01. Counts never drop below a small minimum, so every
 * code path still runs.
 */
#pragma once

#include <pthread.h>
#include <relay/relay.h>

#include "../test-watchdog.h"

#include "../../src/relay-sync-private.h"   /* relay_tsan_acquire/release */

/* --- running a function on an owner's context ------------------------------ */

typedef struct
{
  GSourceFunc func;
  gpointer    data;
} StressInvoke;

static inline gboolean
stress_invoke_dispatch (gpointer user_data)
{
  StressInvoke *invoke = user_data;

  relay_tsan_acquire (invoke);
  return invoke->func (invoke->data);
}

/* g_main_context_invoke() from a thread that does not own @context, told
 * to ThreadSanitizer: GLib hands the idle source it allocates here to the
 * owner, which frees it, under the context's futex lock, which TSan cannot
 * see (it reported the free as a race with the allocation). The source is
 * made here and published with a release on its callback data; the owner
 * acquires it before calling @func, and GLib frees both after that. */
static inline void
stress_invoke (GMainContext *context,
               GSourceFunc   func,
               gpointer      data)
{
  GSource *source = g_idle_source_new ();
  StressInvoke *invoke = g_new (StressInvoke, 1);

  invoke->func = func;
  invoke->data = data;
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "stress_invoke");
  g_source_set_callback (source, stress_invoke_dispatch, invoke, g_free);
  relay_tsan_release (invoke);
  g_source_attach (source, context);
  g_source_unref (source);
}

static inline double
stress_scale (void)
{
  const char *s = g_getenv ("RELAY_STRESS_SCALE");
  double scale = s != NULL ? g_ascii_strtod (s, NULL) : 1.0;

  return scale > 0.0 ? scale : 1.0;
}

/* @full scaled by RELAY_STRESS_SCALE, at least @min. */
static inline guint
stress_count (guint full,
              guint min)
{
  double n = full * stress_scale ();

  return n < min ? min : (guint) n;
}

/* A thread that owns a main context and iterates it until told to stop. */
typedef struct
{
  GThread         *thread;
  GMainContext    *context;     /* owned by the thread while it runs */
  int              stop;        /* atomic */
  int              index;
  pthread_mutex_t  lock;
  pthread_cond_t   cond;
  gboolean         ready;       /* lock */
  /* Optional: run on the owner thread with the context pushed, before
   * iterating; and a predicate that ends the loop early when TRUE. */
  void           (*setup)      (gpointer data);
  gboolean       (*done)       (gpointer data);
  gpointer         data;
} Owner;

static inline void
owner_wake (Owner *owner)
{
  g_main_context_wakeup (owner->context);
}

static gpointer
owner_thread_func (gpointer data)
{
  Owner *owner = data;

  g_main_context_push_thread_default (owner->context);

  if (owner->setup != NULL)
    owner->setup (owner->data);

  pthread_mutex_lock (&owner->lock);
  owner->ready = TRUE;
  pthread_cond_broadcast (&owner->cond);
  pthread_mutex_unlock (&owner->lock);

  while (!g_atomic_int_get (&owner->stop) &&
         (owner->done == NULL || !owner->done (owner->data)))
    g_main_context_iteration (owner->context, TRUE);

  g_main_context_pop_thread_default (owner->context);
  return NULL;
}

/* Starts @owner's thread on a new context and waits for its setup to finish. */
static inline void
owner_start (Owner      *owner,
             int         index,
             void      (*setup) (gpointer),
             gboolean  (*done)  (gpointer),
             gpointer    data)
{
  char name[32];

  owner->index = index;
  owner->context = g_main_context_new ();
  owner->stop = FALSE;
  owner->ready = FALSE;
  owner->setup = setup;
  owner->done = done;
  owner->data = data;
  pthread_mutex_init (&owner->lock, NULL);
  pthread_cond_init (&owner->cond, NULL);

  g_snprintf (name, sizeof name, "owner-%d", index);
  owner->thread = g_thread_new (name, owner_thread_func, owner);

  pthread_mutex_lock (&owner->lock);
  while (!owner->ready)
    pthread_cond_wait (&owner->cond, &owner->lock);
  pthread_mutex_unlock (&owner->lock);
}

/* Joins @owner's thread (after asking it to stop) and frees its context. */
static inline void
owner_join (Owner *owner)
{
  g_atomic_int_set (&owner->stop, TRUE);
  g_main_context_wakeup (owner->context);
  g_thread_join (owner->thread);
  owner->thread = NULL;
  g_clear_pointer (&owner->context, g_main_context_unref);
  pthread_mutex_destroy (&owner->lock);
  pthread_cond_destroy (&owner->cond);
}

/* Polls @counter (atomic) until it reaches @target. Fails the test only if
 * the counter stops moving for the watchdog's stall interval (see
 * tests/test-watchdog.h), never because reaching @target takes long.
 * Returns the value seen. */
static inline int
wait_for_count (int *counter,
                int  target)
{
  Stall stall;
  int value, last;

  stall_init (&stall);
  last = g_atomic_int_get (counter);
  while ((value = g_atomic_int_get (counter)) < target)
    {
      if (value != last)
        {
          last = value;
          stall_progress (&stall);
        }
      stall_check (&stall, "a counter the test waits for stopped moving");
      g_usleep (1000);
    }

  return value;
}
