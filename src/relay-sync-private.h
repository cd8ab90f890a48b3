/* relay-sync-private.h: the locking primitives Relay's own code uses
 *
 * Relay locks with GMutex. GLib implements GMutex on Linux with futexes, which
 * ThreadSanitizer cannot see, so under TSan every lock and unlock also tells the
 * sanitizer about the happens-before edge the mutex creates. This keeps reports
 * about Relay's own data honest without suppressing Relay frames.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#if defined(__SANITIZE_THREAD__)
# define RELAY_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define RELAY_TSAN 1
# endif
#endif

#ifdef RELAY_TSAN
void __tsan_acquire (void *addr);
void __tsan_release (void *addr);
# define relay_tsan_acquire(addr) __tsan_acquire ((void *) (addr))
# define relay_tsan_release(addr) __tsan_release ((void *) (addr))
#else
# define relay_tsan_acquire(addr) ((void) 0)
# define relay_tsan_release(addr) ((void) 0)
#endif

static inline void
relay_mutex_lock (GMutex *mutex)
{
  g_mutex_lock (mutex);
  relay_tsan_acquire (mutex);
}

static inline void
relay_mutex_unlock (GMutex *mutex)
{
  relay_tsan_release (mutex);
  g_mutex_unlock (mutex);
}

/* Returns whether it took @mutex. */
static inline gboolean
relay_mutex_trylock (GMutex *mutex)
{
  if (!g_mutex_trylock (mutex))
    return FALSE;
  relay_tsan_acquire (mutex);
  return TRUE;
}

static inline void
relay_cond_wait (GCond  *cond,
                 GMutex *mutex)
{
  relay_tsan_release (mutex);
  g_cond_wait (cond, mutex);
  relay_tsan_acquire (mutex);
}

/* Returns FALSE if @end_time (monotonic) passed before a signal. */
static inline gboolean
relay_cond_wait_until (GCond  *cond,
                       GMutex *mutex,
                       gint64  end_time)
{
  gboolean signalled;

  relay_tsan_release (mutex);
  signalled = g_cond_wait_until (cond, mutex, end_time);
  relay_tsan_acquire (mutex);

  return signalled;
}

/* Relaxed atomic pointer accesses, for a field that another thread may probe
 * with a compare-and-swap at any time while this thread owns its value (a
 * queued task's link, say): no ordering is needed, only the absence of a
 * data race. GLib 2.74 only has sequentially consistent atomics, whose store
 * costs a locked instruction on x86. */
#define relay_atomic_pointer_get_relaxed(ptr) \
  ((gpointer) __atomic_load_n ((ptr), __ATOMIC_RELAXED))
#define relay_atomic_pointer_set_relaxed(ptr, value) \
  __atomic_store_n ((ptr), (value), __ATOMIC_RELAXED)
