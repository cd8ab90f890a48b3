/* migrate-gtask-relay.c: the same background work with Relay (after)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static void
checksum_job (RelayJob *job,
              gpointer  data)
{
  if (relay_job_return_error_if_cancelled (job))
    return;

  relay_job_return_pointer (job,
                            g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data),
                            g_free);
}

static RelayPromise *
checksum_done (RelayPromise *promise,
               gpointer      user_data)
{
  g_print ("sha256 = %s\n", (char *) relay_promise_get_pointer (promise));
  return NULL;
}

static RelayPromise *
checksum_failed (RelayPromise *promise,
                 gpointer      user_data)
{
  g_printerr ("failed: %s\n", relay_promise_get_error (promise)->message);
  return NULL;
}

static RelayPromise *
quit (RelayPromise *promise,
      gpointer      loop)
{
  g_main_loop_quit (loop);
  return NULL;
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GBytes) data = g_bytes_new_static ("hello", 5);

  g_autoptr(RelayPromise) sum = relay_run_in_thread (NULL, checksum_job, g_bytes_ref (data),
                                                     (GDestroyNotify) g_bytes_unref);
  g_autoptr(RelayPromise) shown = relay_promise_chain (sum, checksum_done, checksum_failed,
                                                       NULL, NULL);
  g_autoptr(RelayPromise) done = relay_promise_finally (shown, quit, loop, NULL);

  /* To cancel: relay_promise_cancel (sum), or (shown): it travels up. */
  g_main_loop_run (loop);
  return 0;
}
