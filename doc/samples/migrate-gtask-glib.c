/* migrate-gtask-glib.c: background work with GTask (before)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gio/gio.h>

static void
checksum_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GBytes *data = task_data;

  if (g_task_return_error_if_cancelled (task))
    return;

  g_task_return_pointer (task,
                         g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data),
                         g_free);
}

static void
checksum_done (GObject      *source_object,
               GAsyncResult *result,
               gpointer      loop)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sum = g_task_propagate_pointer (G_TASK (result), &error);

  if (error != NULL)
    g_printerr ("failed: %s\n", error->message);
  else
    g_print ("sha256 = %s\n", sum);

  g_main_loop_quit (loop);
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GBytes) data = g_bytes_new_static ("hello", 5);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, checksum_done, loop);

  g_task_set_task_data (task, g_bytes_ref (data), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, checksum_thread);

  g_main_loop_run (loop);
  return 0;
}
