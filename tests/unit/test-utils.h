/* test-utils.h: main-loop helpers shared by the unit tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <relay/relay.h>

/* Iterates @context without blocking until nothing is ready, a few times over
 * (a dispatch may queue more work). */
static inline void
drain (GMainContext *context)
{
  for (int i = 0; i < 5; i++)
    while (g_main_context_iteration (context, FALSE))
      ;
}

/* Iterates the default context until @promise settles (failing after 30 s),
 * then drains it, so that the handlers queued by the settle have run. */
static inline void
wait_settled (RelayPromise *promise)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (relay_promise_is_pending (promise))
    {
      g_main_context_iteration (NULL, FALSE);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (relay_promise_is_pending (promise))
        g_usleep (100);
    }
  drain (NULL);
}

/* What a test saw of a promise's notify::progress: how often, on which thread,
 * and whether the value only grew. */
typedef struct
{
  GThread  *owner;          /* the thread notifications must arrive on */
  int       notified;
  double    last;
  gboolean  monotonic;
  gboolean  wrong_thread;
} ProgressSeen;

static inline void
on_progress_seen (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    data)
{
  ProgressSeen *seen = data;
  double now = relay_promise_get_progress (RELAY_PROMISE (object));

  if (g_thread_self () != seen->owner)
    seen->wrong_thread = TRUE;
  if (now < seen->last)
    seen->monotonic = FALSE;
  seen->last = now;
  seen->notified++;
}

/* Watches @promise's progress; the calling thread is its owner. */
static inline void
progress_seen_watch (ProgressSeen *seen,
                     RelayPromise *promise)
{
  *seen = (ProgressSeen) { .owner = g_thread_self (), .monotonic = TRUE };
  g_signal_connect (promise, "notify::progress", G_CALLBACK (on_progress_seen), seen);
}
