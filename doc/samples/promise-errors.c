/* promise-errors.c: rejections, catch, catch_error, tap and unhandled rejections
 *
 * A rejection skips `then` handlers and travels down the chain until a
 * `catch` handles it. A rejection that nothing handles is reported with a
 * warning in the Relay log domain, except cancellation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static guint n_unhandled;

/* [job] */
static void
open_config (RelayJob *job,
             gpointer  user_data)
{
  relay_job_return_new_error (job, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                              "%s: no such file", (const char *) user_data);
}
/* [/job] */

static RelayPromise *
never_called (RelayPromise *promise,
              gpointer      user_data)
{
  g_assert_not_reached ();
  return NULL;
}

/* [handlers] */
static void
observe (RelayPromise *promise,
         gpointer      user_data)
{
  /* A tap sees the outcome and cannot change it. */
  g_print ("tap: %s\n", relay_promise_get_error (promise)->message);
}

static RelayPromise *
use_defaults (RelayPromise *promise,
              gpointer      user_data)
{
  const GError *error = relay_promise_get_error (promise);

  g_print ("using the defaults: %s\n", error->message);
  return NULL;          /* handled: the derived promise is fulfilled, with no values */
}

static RelayPromise *
rethrow (RelayPromise *promise,
         gpointer      user_data)
{
  /* To pass an error on from a catch handler, return a rejected promise. */
  return relay_promise_new_rejected (g_error_copy (relay_promise_get_error (promise)));
}
/* [/handlers] */

static RelayPromise *
quit (RelayPromise *promise,
      gpointer      loop)
{
  g_main_loop_quit (loop);
  return NULL;
}

/* [unhandled] */
static void
count_unhandled (const char     *domain,
                 GLogLevelFlags  level,
                 const char     *message,
                 gpointer        user_data)
{
  g_print ("reported: %s\n", message);
  n_unhandled++;
}
/* [/unhandled] */

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "nobody listens");

  g_log_set_handler ("Relay", G_LOG_LEVEL_WARNING, count_unhandled, NULL);

  /* [chain] */
  g_autoptr(RelayPromise) config = relay_run_in_thread (NULL, open_config, "app.conf", NULL);
  g_autoptr(RelayPromise) parsed = relay_promise_then (config, never_called, NULL, NULL);
  g_autoptr(RelayPromise) tapped = relay_promise_tap (parsed, observe, NULL, NULL);
  g_autoptr(RelayPromise) denied = relay_promise_catch_error (tapped, G_IO_ERROR,
                                                              G_IO_ERROR_PERMISSION_DENIED,
                                                              never_called, NULL, NULL);
  g_autoptr(RelayPromise) handled = relay_promise_catch (denied, use_defaults, NULL, NULL);
  /* [/chain] */
  g_autoptr(RelayPromise) failed = relay_promise_new_rejected (g_error_copy (error));
  g_autoptr(RelayPromise) rethrown = relay_promise_catch (failed, rethrow, NULL, NULL);
  g_autoptr(RelayPromise) done = NULL;

  /* [nobody] */
  /* Rejected, and nothing is attached when the dispatcher reaches it: reported. */
  g_autoptr(RelayPromise) ignored = relay_promise_new_rejected (g_error_copy (error));
  /* Cancelled, and nothing attached: cancellation is never reported. */
  g_autoptr(RelayPromise) cancelled = relay_promise_new ();
  relay_promise_cancel (cancelled);
  /* [/nobody] */

  done = relay_promise_finally (handled, quit, loop, NULL);
  g_main_loop_run (loop);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_cmpint (relay_promise_get_state (handled), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpuint (relay_promise_get_n_values (handled), ==, 0);
  g_assert_true (g_error_matches (relay_promise_get_error (denied),
                                  G_IO_ERROR, G_IO_ERROR_NOT_FOUND));

  /* `ignored` was reported; `rethrown` too (nothing handles its new rejection). */
  g_print ("%u unhandled rejections reported\n", n_unhandled);
  return n_unhandled == 2 ? 0 : 1;
}
