/* test-repro-timeout-consumer.c: a timeout must count as a consumer of its
 * source before its timer can fire
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * relay_promise_timeout() used to attach its timer before it registered as a
 * consumer of the promise it watches. From a thread other than the owner, a
 * 0 ms timeout could fire on the owner in between: the timeout released a
 * consumer that was never counted (the handler's), and cancelled the source
 * although that handler still consumed it. Each round: a handler on the
 * source, then a 0 ms timeout from this (non-owner) thread while the owner
 * iterates; once the timeout has fired, the source must still be pending.
 */
#include <string.h>
#include <relay/relay.h>

#include "stress-common.h"

static RelayPromise *
noop (RelayPromise *promise,
      gpointer      data)
{
  return NULL;
}

/* The timeout may fire and be dispatched before this thread adds a handler
 * to it; that report is expected here, any other warning fails the test. */
static gboolean
ignore_unhandled_timeout (const char     *log_domain,
                          GLogLevelFlags  log_level,
                          const char     *message,
                          gpointer        data)
{
  return strstr (message, "Unhandled promise rejection: The operation timed out") == NULL;
}

static void
swallow_unhandled_timeout (const char     *log_domain,
                           GLogLevelFlags  log_level,
                           const char     *message,
                           gpointer        data)
{
  if (ignore_unhandled_timeout (log_domain, log_level, message, data))
    g_error ("unexpected warning: %s", message);
}

static void
test_timeout_counts_before_firing (void)
{
  Owner owner = { 0 };
  guint n_rounds = stress_count (2000, 50);

  g_test_log_set_fatal_handler (ignore_unhandled_timeout, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_handler ("Relay", G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL, swallow_unhandled_timeout, NULL);
  owner_start (&owner, 0, NULL, NULL, NULL);

  for (guint r = 0; r < n_rounds; r++)
    {
      g_autoptr(RelayPromise) source = relay_promise_new_for_context (owner.context);
      G_GNUC_UNUSED g_autoptr(RelayPromise) handled = relay_promise_then (source, noop, NULL, NULL);
      g_autoptr(RelayPromise) timed = relay_promise_timeout (source, 0);
      G_GNUC_UNUSED g_autoptr(RelayPromise) timed_handled = relay_promise_catch (timed, noop, NULL, NULL);

      owner_wake (&owner);
      while (relay_promise_is_pending (timed))
        g_thread_yield ();

      g_assert_true (g_error_matches (relay_promise_get_error (timed),
                                      G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
      /* The handler still consumes the source: it must not be cancelled. */
      g_assert_true (relay_promise_is_pending (source));
      relay_promise_resolve_int64 (source, (int) r);
    }

  owner_join (&owner);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/repro/timeout-counts-before-firing", test_timeout_counts_before_firing);

  return g_test_run ();
}
