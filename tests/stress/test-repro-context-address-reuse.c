/* test-repro-context-address-reuse.c: a new main context allocated at the
 * address of one being finalized must get a dispatcher of its own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GLib frees a context's memory before it finalizes the context's sources.
 * Relay used to find a context's dispatcher in a registry keyed by address
 * and to forget a dispatcher only when its source was finalized, so a context
 * created in between at the same address got the dying dispatcher, and the
 * handlers of its promises were dropped as if that context were gone. One
 * thread creates and frees contexts that have a dispatcher; another creates
 * contexts (often at the same addresses) and checks every handler runs. The
 * dying contexts carry many other sources, which GLib finalizes before ours,
 * to widen the window; meson runs this with one malloc arena and no thread
 * cache, so that memory freed by one thread is what the other allocates.
 */
#include <relay/relay.h>

#include "stress-common.h"

static int stop;

/* Never ready: they only make the context's teardown longer. */
static GSourceFuncs inert_funcs;

static gpointer
churn_thread (gpointer data)
{
  while (!g_atomic_int_get (&stop))
    {
      GMainContext *context = g_main_context_new ();
      RelayPromise *promise = relay_promise_new_for_context (context);

      for (int i = 0; i < 64; i++)
        {
          GSource *inert = g_source_new (&inert_funcs, sizeof (GSource));

          g_source_attach (inert, context);
          g_source_unref (inert);
        }

      g_object_unref (promise);
      g_main_context_unref (context);
    }

  return NULL;
}

static RelayPromise *
count_call (RelayPromise *promise,
            gpointer      data)
{
  (*(int *) data)++;
  return NULL;
}

static void
test_new_context_at_dead_address (void)
{
  guint n_rounds = stress_count (20000, 200);
  GThread *churn = g_thread_new ("churn", churn_thread, NULL);

  for (guint r = 0; r < n_rounds; r++)
    {
      GMainContext *context = g_main_context_new ();
      RelayPromise *promise = relay_promise_new_for_context (context);
      int calls = 0;
      RelayPromise *derived = relay_promise_then (promise, count_call, &calls, NULL);

      relay_promise_resolve_int64 (promise, 1);
      while (g_main_context_iteration (context, FALSE))
        ;

      if (calls != 1)
        g_error ("round %u: the handler of a promise on a live context was dropped (%s)", r,
                 relay_promise_get_error (derived) ? relay_promise_get_error (derived)->message
                                                   : "still pending");
      g_object_unref (derived);
      g_object_unref (promise);
      g_main_context_unref (context);
    }

  g_atomic_int_set (&stop, TRUE);
  g_thread_join (churn);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/repro/new-context-at-dead-address", test_new_context_at_dead_address);

  return g_test_run ();
}
