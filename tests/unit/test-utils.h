/* test-utils.h: main-loop helpers shared by the unit tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <relay/relay.h>

#include "../test-watchdog.h"

/* Iterates @context without blocking until nothing is ready, a few times over
 * (a dispatch may queue more work). Only for work already queued on this
 * thread: what another thread is about to post may come later. */
static inline void
drain (GMainContext *context)
{
  for (int i = 0; i < 5; i++)
    while (g_main_context_iteration (context, FALSE))
      ;
}

/* Iterates the default context until *@flag is set. Fails only if nothing was
 * dispatched for the watchdog's stall interval (see test-watchdog.h). */
static inline void
iterate_until_set (const int  *flag,
                   const char *what)
{
  Stall stall;

  stall_init (&stall);
  while (!g_atomic_int_get (flag))
    {
      if (g_main_context_iteration (NULL, FALSE))
        stall_progress (&stall);
      else if (!g_atomic_int_get (flag))
        {
          stall_check (&stall, what);
          g_usleep (100);
        }
    }
}

static inline void
mark_value_seen (const GValue *value,
                 gpointer      flag)
{
  g_atomic_int_set ((int *) flag, TRUE);
}

static inline void
mark_error_seen (const GError *error,
                 gpointer      flag)
{
  g_atomic_int_set ((int *) flag, TRUE);
}

/* Iterates the default context until @promise (of that context) settled and
 * every handler it had then ran, then drains it.
 *
 * A promise settled on another thread is not pending any more a moment before
 * that thread posts its handlers to the dispatcher, so waiting for the state
 * and then draining could finish before the post: instead this adds one more
 * handler once the promise settled, and waits for it. Handlers run in the
 * order they were added, so when it ran, every earlier one did. Added after
 * the settle, it does not count as a consumer of @promise; it does observe a
 * rejection, like the handled() of the tests that expect one. */
static inline void
wait_settled (RelayPromise *promise)
{
  Stall stall;
  int seen = FALSE;

  g_assert_true (relay_promise_get_context (promise) == g_main_context_default ());

  stall_init (&stall);
  while (relay_promise_is_pending (promise))
    {
      if (g_main_context_iteration (NULL, FALSE))
        stall_progress (&stall);
      else if (relay_promise_is_pending (promise))
        {
          stall_check (&stall, "a promise the test waits for never settled");
          g_usleep (100);
        }
    }

  relay_promise_then_values (promise, mark_value_seen, &seen, NULL, mark_error_seen, &seen, NULL);
  iterate_until_set (&seen, "the handlers of a settled promise never ran");
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
