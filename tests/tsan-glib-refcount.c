/* tsan-glib-refcount.c: tells ThreadSanitizer about GLib's reference counts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Linked into the test programs of a -Db_sanitize=thread build only.
 *
 * GLib 2.74 is not instrumented. g_object_unref() and g_source_unref() drop a
 * reference with a sequentially consistent atomic read-modify-write, and in
 * C11 terms every such RMW on the same counter synchronizes with the one
 * before it: whatever a thread did before dropping its reference happens
 * before the finalize and free done by whoever drops the last one. TSan cannot
 * see those atomics inside libgobject/libglib, so it reports every object
 * handed between threads and freed as a race with the earlier user.
 *
 * These wrappers interpose the public ref/unref functions (calls from Relay
 * and from the tests; GLib's calls to itself are not interposed) and model the
 * RMW exactly: a release and an acquire on the object's address, then the real
 * call. They add no ordering that the real atomics do not provide, so they
 * hide no race; they are not a suppression. Sources that GLib itself unrefs
 * (a context dropping a removed source) are not covered here: Relay takes its
 * own lock in its source finalizers for that.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <glib-object.h>

void __tsan_acquire (void *addr);
void __tsan_release (void *addr);

static void *
real (void       **slot,
      const char  *name)
{
  void *func = g_atomic_pointer_get (slot);

  if (func == NULL)
    {
      func = dlsym (RTLD_NEXT, name);
      if (func == NULL)
        g_error ("tsan-glib-refcount: no %s", name);
      g_atomic_pointer_set (slot, func);
    }
  return func;
}

static inline void
model_rmw (gpointer address)
{
  if (address == NULL)
    return;
  __tsan_release (address);
  __tsan_acquire (address);
}

/* The names are in parentheses: GLib defines some of them as macros too. */

gpointer
(g_object_ref) (gpointer object)
{
  static void *slot;
  gpointer (*func) (gpointer) = real (&slot, "g_object_ref");

  model_rmw (object);
  return func (object);
}

void
(g_object_unref) (gpointer object)
{
  static void *slot;
  void (*func) (gpointer) = real (&slot, "g_object_unref");

  model_rmw (object);
  func (object);
}

GSource *
(g_source_ref) (GSource *source)
{
  static void *slot;
  GSource *(*func) (GSource *) = real (&slot, "g_source_ref");

  model_rmw (source);
  return func (source);
}

void
(g_source_unref) (GSource *source)
{
  static void *slot;
  void (*func) (GSource *) = real (&slot, "g_source_unref");

  model_rmw (source);
  func (source);
}

GMainContext *
(g_main_context_ref) (GMainContext *context)
{
  static void *slot;
  GMainContext *(*func) (GMainContext *) = real (&slot, "g_main_context_ref");

  model_rmw (context);
  return func (context);
}

void
(g_main_context_unref) (GMainContext *context)
{
  static void *slot;
  void (*func) (GMainContext *) = real (&slot, "g_main_context_unref");

  model_rmw (context);
  func (context);
}
