/* gio.c: GIO calls as promises
 *
 * - The wrappers (relay_file_load_bytes() and the others) return a promise.
 * - relay_gio_ready() with relay_gio_finish_pointer() (or _boolean, _size)
 *   turns any other GIO call into one.
 * - Cancelling the promise, or the caller's cancellable, cancels the call.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <relay/relay.h>

/* [chain] */
static RelayPromise *
load_back (RelayPromise *written,
           gpointer      file)
{
  /* The promise then() returned adopts this one. */
  return relay_file_load_bytes (file, NULL);
}

static RelayPromise *
print_contents (RelayPromise *loaded,
                gpointer      user_data)
{
  GBytes *bytes = g_value_get_boxed (relay_promise_get_value (loaded, 0));

  g_print ("read back: %.*s", (int) g_bytes_get_size (bytes),
           (const char *) g_bytes_get_data (bytes, NULL));
  return NULL;
}

static RelayPromise *
print_error (RelayPromise *failed,
             gpointer      user_data)
{
  g_print ("error: %s\n", relay_promise_get_error (failed)->message);
  return NULL;
}

static RelayPromise *
write_and_read (GFile *file)
{
  g_autoptr(GBytes) text = g_bytes_new_static ("buy milk\n", 9);
  g_autoptr(RelayPromise) written = relay_file_replace_contents (file, text, NULL, FALSE,
                                                                 G_FILE_CREATE_NONE, NULL);
  g_autoptr(RelayPromise) loaded = relay_promise_then (written, load_back,
                                                       g_object_ref (file), g_object_unref);

  /* A failure anywhere above (no space left, say) lands in print_error. */
  return relay_promise_chain (loaded, print_contents, print_error, NULL, NULL);
}
/* [/chain] */

/* [bridge] */
/* Any GIO call: the promise's cancellable, relay_gio_ready(), and the
 * finish function with the type of the value it returns. */
static RelayPromise *
query_size (GFile *file)
{
  RelayPromise *promise = relay_promise_new ();

  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                           G_PRIORITY_DEFAULT, relay_promise_get_cancellable (promise),
                           relay_gio_ready,
                           relay_gio_finish_pointer (promise, G_TYPE_FILE_INFO,
                                                     (RelayFinishPointerFunc) g_file_query_info_finish,
                                                     NULL));
  return promise;
}

static RelayPromise *
print_size (RelayPromise *queried,
            gpointer      user_data)
{
  GFileInfo *info = g_value_get_object (relay_promise_get_value (queried, 0));

  g_print ("size: %" G_GOFFSET_FORMAT " bytes\n", g_file_info_get_size (info));
  return NULL;
}
/* [/bridge] */

/* Iterates the default context until @promise has settled. */
static void
run_until_settled (RelayPromise *promise)
{
  while (relay_promise_is_pending (promise))
    g_main_context_iteration (NULL, TRUE);
}

int
main (void)
{
  g_autofree char *dir = g_dir_make_tmp ("relay-sample-gio-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "notes.txt", NULL);
  g_autofree char *missing_path = g_build_filename (dir, "missing.txt", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) missing_file = g_file_new_for_path (missing_path);
  g_autoptr(RelayPromise) done = write_and_read (file);
  g_autoptr(RelayPromise) queried = NULL, sized = NULL;
  g_autoptr(RelayPromise) missing = NULL, reported = NULL;
  g_autoptr(GSubprocess) child = NULL;

  run_until_settled (done);

  queried = query_size (file);
  sized = relay_promise_then (queried, print_size, NULL, NULL);
  run_until_settled (sized);

  /* [error] */
  missing = relay_file_load_bytes (missing_file, NULL);
  reported = relay_promise_catch_error (missing, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                        print_error, NULL, NULL);
  /* [/error] */
  run_until_settled (reported);

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, NULL,
                            "/bin/sh", "-c", "read line; echo \"$line\"", NULL);
  {
    /* [cancel] */
    g_autoptr(GCancellable) stop = g_cancellable_new ();     /* a Stop button's, say */
    g_autoptr(RelayPromise) line =
      relay_input_stream_read_bytes (g_subprocess_get_stdout_pipe (child), 64,
                                     G_PRIORITY_DEFAULT, stop);

    /* The child waits for input that does not come; stop waiting. The promise
     * is rejected at once, and the read sees its cancellable cancelled. */
    g_cancellable_cancel (stop);
    g_print ("read: %s\n", relay_promise_get_error (line)->message);
    /* [/cancel] */
    g_assert_error ((GError *) relay_promise_get_error (line), G_IO_ERROR, G_IO_ERROR_CANCELLED);

    /* The stream is free again once the read has ended. */
    while (g_input_stream_has_pending (g_subprocess_get_stdout_pipe (child)))
      g_main_context_iteration (NULL, TRUE);
  }
  {
    g_autoptr(GBytes) input = g_bytes_new_static ("bye\n", 4);
    g_autoptr(RelayPromise) talked = relay_subprocess_communicate (child, input, NULL);
    GBytes *output;

    run_until_settled (talked);
    output = g_value_get_boxed (relay_promise_get_value (talked, 0));
    g_print ("child said: %.*s", (int) g_bytes_get_size (output),
             (const char *) g_bytes_get_data (output, NULL));
  }

  g_assert_cmpint (relay_promise_get_state (done), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpint (relay_promise_get_state (sized), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpint (relay_promise_get_state (reported), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_remove (path);
  g_rmdir (dir);
  return 0;
}
