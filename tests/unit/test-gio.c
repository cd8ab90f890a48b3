/* test-gio.c: promises from real GIO calls — the general bridge, the
 * ready-made wrappers, errors, cancellation and threads, the old GTask entry
 * points, and a GIO-style _async()/_finish() pair built on promises
 *
 * Everything runs on this machine without a network: files in a temporary
 * directory, pipes, /bin/sh, a socket service on 127.0.0.1, "localhost", and
 * a peer-to-peer D-Bus connection over a socket pair.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <relay/relay.h>

#include "test-utils.h"

static GThread *main_thread;

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* A fresh directory for one test, removed with its files (one level deep)
 * by tmpdir_clear(). */
typedef struct
{
  char  *path;
  GFile *dir;
} Tmpdir;

static void
tmpdir_init (Tmpdir *tmp)
{
  g_autoptr(GError) error = NULL;

  tmp->path = g_dir_make_tmp ("relay-test-gio-XXXXXX", &error);
  g_assert_no_error (error);
  tmp->dir = g_file_new_for_path (tmp->path);
}

static void
tmpdir_clear (Tmpdir *tmp)
{
  g_autoptr(GDir) dir = g_dir_open (tmp->path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (tmp->path, name, NULL);
      g_assert_cmpint (g_remove (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (tmp->path), ==, 0);
  g_clear_object (&tmp->dir);
  g_clear_pointer (&tmp->path, g_free);
}

static GFile *
tmpdir_write (Tmpdir     *tmp,
              const char *name,
              const char *contents)
{
  g_autoptr(GError) error = NULL;
  GFile *file = g_file_get_child (tmp->dir, name);

  g_file_replace_contents (file, contents, strlen (contents), NULL, FALSE,
                           G_FILE_CREATE_NONE, NULL, NULL, &error);
  g_assert_no_error (error);
  return file;
}

/* Where and how the handlers of a promise saw it settle. */
typedef struct
{
  GThread  *thread;
  gboolean  fulfilled;
  gboolean  rejected;
} Seen;

static void
seen_value (const GValue *value,
            gpointer      data)
{
  Seen *seen = data;

  seen->thread = g_thread_self ();
  seen->fulfilled = TRUE;
}

static void
seen_error (const GError *error,
            gpointer      data)
{
  Seen *seen = data;

  seen->thread = g_thread_self ();
  seen->rejected = TRUE;
}

static void
ignore_value (const GValue *value,
              gpointer      data)
{
}

static void
ignore_error (const GError *error,
              gpointer      data)
{
}

/* Observes @promise from the start, so that a rejection the test expects is
 * not reported as unhandled while the test awaits another promise. */
static RelayPromise *
watch (RelayPromise *promise)
{
  relay_promise_then_values (promise, ignore_value, NULL, NULL, ignore_error, NULL, NULL);
  return promise;
}

/* Iterates the default context until @promise settles and its handlers ran
 * (observing it, so an expected rejection is not reported as unhandled);
 * checks that they ran on the main thread. */
static void
await_promise (RelayPromise *promise)
{
  Seen seen = { 0 };

  relay_promise_then_values (promise, seen_value, &seen, NULL, seen_error, &seen, NULL);
  wait_settled (promise);
  while (!seen.fulfilled && !seen.rejected)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (seen.thread == main_thread);
}

/* Iterates the default context until *@flag is set (failing after 30 s). */
static void
wait_flag (const gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!*flag)
    {
      g_main_context_iteration (NULL, FALSE);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (!*flag)
        g_usleep (100);
    }
}

/* The promise's error, asserting that it was rejected with @domain/@code. */
static const GError *
assert_rejected (RelayPromise *promise,
                 GQuark        domain,
                 int           code)
{
  const GError *error;

  g_assert_cmpint (relay_promise_get_state (promise), ==, RELAY_PROMISE_STATE_REJECTED);
  error = relay_promise_get_error (promise);
  g_assert_error ((GError *) error, domain, code);
  return error;
}

/* The first value of a fulfilled promise, asserting its type. */
static const GValue *
assert_fulfilled (RelayPromise *promise,
                  GType         type)
{
  const GValue *value;

  if (relay_promise_get_state (promise) == RELAY_PROMISE_STATE_REJECTED)
    g_error ("rejected: %s", relay_promise_get_error (promise)->message);
  g_assert_cmpint (relay_promise_get_state (promise), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpuint (relay_promise_get_n_values (promise), >=, 1);
  value = relay_promise_get_value (promise, 0);
  g_assert_true (G_VALUE_TYPE (value) == type);
  return value;
}

static void
assert_bytes (GBytes     *bytes,
              const char *expected)
{
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  g_assert_cmpmem (data, size, expected, strlen (expected));
}

/* A pipe as GIO streams: nothing arrives on @in until @out is written to. */
typedef struct
{
  GInputStream  *in;
  GOutputStream *out;
} Pipe;

static void
pipe_init (Pipe *pipe)
{
  g_autoptr(GError) error = NULL;
  int fds[2];

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, &error));
  g_assert_no_error (error);
  pipe->in = g_unix_input_stream_new (fds[0], TRUE);
  pipe->out = g_unix_output_stream_new (fds[1], TRUE);
}

static void
pipe_clear (Pipe *pipe)
{
  g_clear_object (&pipe->in);
  g_clear_object (&pipe->out);
}

/* ------------------------------------------------------------------------ */
/* The old entry points                                                     */
/* ------------------------------------------------------------------------ */

/* relay_promise_async_ready_callback() used to call g_task_propagate_value()
 * on any GTask: with g_file_load_contents_async(), whose GTask holds a
 * boolean, GLib printed a critical, and so did the reject that followed with
 * no error, and the promise stayed pending forever. */
static void
test_old_callback_with_gio_call (void)
{
  Tmpdir tmp;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) missing = NULL;
  g_autoptr(RelayPromise) promise = relay_promise_new ();
  g_autoptr(RelayPromise) failing = relay_promise_new ();
  const GError *error;

  tmpdir_init (&tmp);
  file = tmpdir_write (&tmp, "hello.txt", "hello");
  missing = g_file_get_child (tmp.dir, "missing.txt");

  g_file_load_contents_async (file, relay_promise_get_cancellable (promise),
                              relay_promise_async_ready_callback, g_object_ref (promise));
  await_promise (promise);

  /* Not a value it could read: a clear rejection that says what to use. */
  error = assert_rejected (promise, RELAY_ERROR, RELAY_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "GLocalFile"));
  g_assert_nonnull (strstr (error->message, "_finish()"));
  g_assert_nonnull (strstr (error->message, "relay_gio_ready()"));
  g_assert_nonnull (strstr (error->message, "relay_file_load_bytes()"));

  /* The same when the call fails: the misuse shows on every path. */
  g_file_load_contents_async (missing, NULL, relay_promise_async_ready_callback,
                              g_object_ref (failing));
  await_promise (failing);
  assert_rejected (failing, RELAY_ERROR, RELAY_ERROR_NOT_SUPPORTED);

  tmpdir_clear (&tmp);
}

/* Results that are not GTasks at all, and tagged tasks without a source. */
static void
test_old_callback_other_results (void)
{
  g_autoptr(RelayPromise) simple = relay_promise_new ();
  g_autoptr(RelayPromise) tagged = relay_promise_new ();
  GTask *task;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    GSimpleAsyncResult *result = g_simple_async_result_new (NULL, relay_promise_async_ready_callback,
                                                            g_object_ref (simple), NULL);
    g_simple_async_result_set_op_res_gboolean (result, TRUE);
    g_simple_async_result_complete_in_idle (result);
    g_object_unref (result);
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
  await_promise (simple);
  g_assert_nonnull (strstr (assert_rejected (simple, RELAY_ERROR, RELAY_ERROR_NOT_SUPPORTED)->message,
                            "GSimpleAsyncResult, not a GTask"));

  task = g_task_new (NULL, NULL, relay_promise_async_ready_callback, g_object_ref (tagged));
  g_task_set_source_tag (task, test_old_callback_other_results);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
  await_promise (tagged);
  g_assert_nonnull (strstr (assert_rejected (tagged, RELAY_ERROR, RELAY_ERROR_NOT_SUPPORTED)->message,
                            "source tag"));
}

/* What the old entry points were made for keeps working: a bare task. */
static void
test_old_callback_bare_task (void)
{
  g_autoptr(RelayPromise) fulfilled = relay_promise_new ();
  g_autoptr(RelayPromise) rejected = relay_promise_new ();
  g_autoptr(RelayPromise) pointer = relay_promise_new ();
  GValue value = G_VALUE_INIT;
  GTask *task;

  task = g_task_new (NULL, relay_promise_get_cancellable (fulfilled),
                     relay_promise_async_ready_callback, g_object_ref (fulfilled));
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "from a task");
  g_task_return_value (task, &value);
  g_value_unset (&value);
  g_object_unref (task);
  await_promise (fulfilled);
  g_assert_cmpstr (g_value_get_string (assert_fulfilled (fulfilled, G_TYPE_STRING)), ==, "from a task");

  task = g_task_new (NULL, NULL, relay_promise_async_ready_callback, g_object_ref (rejected));
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "denied");
  g_object_unref (task);
  await_promise (rejected);
  g_assert_cmpstr (assert_rejected (rejected, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED)->message,
                   ==, "denied");

  /* A bare task with a pointer result: GTask cannot say so, GLib complains,
   * and the promise is rejected rather than left pending. */
  task = g_task_new (NULL, NULL, relay_promise_async_ready_callback, g_object_ref (pointer));
  g_task_return_pointer (task, g_strdup ("not a GValue"), g_free);
  g_object_unref (task);
  g_test_expect_message ("GLib-GIO", G_LOG_LEVEL_CRITICAL, "*value_free*");
  await_promise (pointer);
  g_test_assert_expected_messages ();
  g_assert_nonnull (strstr (assert_rejected (pointer, RELAY_ERROR, RELAY_ERROR_NOT_SUPPORTED)->message,
                            "g_task_return_value()"));
}

/* ------------------------------------------------------------------------ */
/* The general bridge                                                       */
/* ------------------------------------------------------------------------ */

static void
test_bridge_pointer (void)
{
  Tmpdir tmp;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) missing = NULL;
  g_autoptr(RelayPromise) promise = relay_promise_new ();
  g_autoptr(RelayPromise) failing = relay_promise_new ();
  GFileInfo *info;
  const GError *error;

  tmpdir_init (&tmp);
  file = tmpdir_write (&tmp, "five.txt", "12345");
  missing = g_file_get_child (tmp.dir, "missing.txt");

  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                           G_PRIORITY_DEFAULT, relay_promise_get_cancellable (promise),
                           relay_gio_ready,
                           relay_gio_finish_pointer (promise, G_TYPE_FILE_INFO,
                                                     (RelayFinishPointerFunc) g_file_query_info_finish,
                                                     NULL));
  await_promise (promise);
  info = g_value_get_object (assert_fulfilled (promise, G_TYPE_FILE_INFO));
  g_assert_cmpint (g_file_info_get_size (info), ==, 5);

  g_file_query_info_async (missing, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                           G_PRIORITY_DEFAULT, relay_promise_get_cancellable (failing),
                           relay_gio_ready,
                           relay_gio_finish_pointer (failing, G_TYPE_FILE_INFO,
                                                     (RelayFinishPointerFunc) g_file_query_info_finish,
                                                     NULL));
  await_promise (failing);
  error = assert_rejected (failing, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "missing.txt"));

  tmpdir_clear (&tmp);
}

static void
test_bridge_boolean (void)
{
  Tmpdir tmp;
  g_autoptr(GFile) file = NULL;
  g_autoptr(RelayPromise) promise = relay_promise_new ();
  g_autoptr(RelayPromise) again = relay_promise_new ();

  tmpdir_init (&tmp);
  file = tmpdir_write (&tmp, "doomed.txt", "bye");

  g_file_delete_async (file, G_PRIORITY_DEFAULT, relay_promise_get_cancellable (promise),
                       relay_gio_ready,
                       relay_gio_finish_boolean (promise, (RelayFinishBooleanFunc) g_file_delete_finish,
                                                 NULL));
  await_promise (promise);
  g_assert_true (g_value_get_boolean (assert_fulfilled (promise, G_TYPE_BOOLEAN)));
  g_assert_false (g_file_query_exists (file, NULL));

  g_file_delete_async (file, G_PRIORITY_DEFAULT, relay_promise_get_cancellable (again),
                       relay_gio_ready,
                       relay_gio_finish_boolean (again, (RelayFinishBooleanFunc) g_file_delete_finish,
                                                 NULL));
  await_promise (again);
  assert_rejected (again, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  tmpdir_clear (&tmp);
}

static void
test_bridge_size (void)
{
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(RelayPromise) promise = relay_promise_new ();
  g_autoptr(RelayPromise) closed = relay_promise_new ();
  static const char text[] = "seven b";

  g_output_stream_write_async (stream, text, strlen (text), G_PRIORITY_DEFAULT,
                               relay_promise_get_cancellable (promise), relay_gio_ready,
                               relay_gio_finish_size (promise, (RelayFinishSizeFunc) g_output_stream_write_finish,
                                                      NULL));
  await_promise (promise);
  g_assert_cmpint (g_value_get_int64 (assert_fulfilled (promise, G_TYPE_INT64)), ==, 7);

  g_assert_true (g_output_stream_close (stream, NULL, NULL));
  g_output_stream_write_async (stream, text, strlen (text), G_PRIORITY_DEFAULT,
                               relay_promise_get_cancellable (closed), relay_gio_ready,
                               relay_gio_finish_size (closed, (RelayFinishSizeFunc) g_output_stream_write_finish,
                                                      NULL));
  await_promise (closed);
  assert_rejected (closed, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

/* The settle functions in a callback of one's own. */
typedef struct
{
  RelayPromise *promise;
  gboolean      settled;
} OwnCallback;

static void
own_callback (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  OwnCallback *own = data;

  g_assert_true (g_thread_self () == main_thread);
  own->settled = relay_promise_settle_from_finish_pointer (own->promise, source, result, G_TYPE_BYTES,
                                                           (RelayFinishPointerFunc) g_input_stream_read_bytes_finish);
}

static void
test_bridge_own_callback (void)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data ("abcdef", 6, NULL);
  g_autoptr(RelayPromise) promise = relay_promise_new ();
  OwnCallback own = { promise, FALSE };

  g_input_stream_read_bytes_async (stream, 4, G_PRIORITY_DEFAULT, NULL, own_callback, &own);
  await_promise (promise);
  g_assert_true (own.settled);
  assert_bytes (g_value_get_boxed (assert_fulfilled (promise, G_TYPE_BYTES)), "abcd");

  /* An already settled promise: FALSE, and the bytes are released. */
  own.settled = TRUE;
  g_input_stream_read_bytes_async (stream, 4, G_PRIORITY_DEFAULT, NULL, own_callback, &own);
  while (own.settled)
    g_main_context_iteration (NULL, TRUE);
  assert_bytes (g_value_get_boxed (relay_promise_get_value (promise, 0)), "abcd");
}

/* A finish function that returns an object of another type than declared. */
static gpointer
wrong_type_finish (gpointer       source,
                   GAsyncResult  *result,
                   GError       **error)
{
  return g_file_query_info_finish (source, result, error);
}

static void
test_bridge_wrong_type (void)
{
  g_autoptr(GFile) file = g_file_new_for_path ("/");
  g_autoptr(RelayPromise) promise = relay_promise_new ();

  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                           G_PRIORITY_DEFAULT, NULL, relay_gio_ready,
                           relay_gio_finish_pointer (promise, G_TYPE_SOCKET_CONNECTION,
                                                     wrong_type_finish, NULL));
  await_promise (promise);
  g_assert_nonnull (strstr (assert_rejected (promise, RELAY_ERROR, RELAY_ERROR_FAILED)->message,
                            "GFileInfo, not the GSocketConnection"));
}

static void
test_bridge_misuse (void)
{
  g_autoptr(RelayPromise) promise = relay_promise_new ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*pointer_type_is_supported*");
  g_assert_null (relay_gio_finish_pointer (promise, G_TYPE_INT,
                                           (RelayFinishPointerFunc) g_file_query_info_finish, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*finish != NULL*");
  g_assert_null (relay_gio_finish_boolean (promise, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*RELAY_IS_PROMISE*");
  g_assert_null (relay_gio_finish_size (NULL, (RelayFinishSizeFunc) g_output_stream_write_finish, NULL));
  g_test_assert_expected_messages ();

  /* A promise passed where relay_gio_ready() expects its user data. */
  {
    g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

    g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*FINISH_CALL_MAGIC*");
    relay_gio_ready (NULL, G_ASYNC_RESULT (task), promise);
    g_test_assert_expected_messages ();
    g_task_return_boolean (task, TRUE);
  }

  g_assert_true (relay_promise_is_pending (promise));
}

/* ------------------------------------------------------------------------ */
/* Cancellation                                                             */
/* ------------------------------------------------------------------------ */

/* g_input_stream_read_bytes_finish(), recording what GIO said. */
static GError *read_finish_error;
static gboolean read_finish_called;

static gpointer
recording_read_bytes_finish (gpointer       stream,
                             GAsyncResult  *result,
                             GError       **error)
{
  GBytes *bytes = g_input_stream_read_bytes_finish (stream, result, error);

  g_clear_error (&read_finish_error);
  if (error != NULL && *error != NULL)
    read_finish_error = g_error_copy (*error);
  read_finish_called = TRUE;
  return bytes;
}

static RelayPromise *
read_pipe (Pipe         *pipe,
           GCancellable *cancellable)
{
  RelayPromise *promise = relay_promise_new ();

  read_finish_called = FALSE;
  g_input_stream_read_bytes_async (pipe->in, 16, G_PRIORITY_DEFAULT,
                                   relay_promise_get_cancellable (promise), relay_gio_ready,
                                   relay_gio_finish_pointer (promise, G_TYPE_BYTES,
                                                             recording_read_bytes_finish,
                                                             cancellable));
  return promise;
}

/* Cancelling the promise mid-call cancels the GIO call. */
static void
test_cancel_promise (void)
{
  Pipe pipe;
  g_autoptr(RelayPromise) promise = NULL;

  pipe_init (&pipe);
  promise = read_pipe (&pipe, NULL);
  drain (NULL);                       /* the read is under way: nothing to read */
  g_assert_true (relay_promise_is_pending (promise));
  g_assert_true (g_input_stream_has_pending (pipe.in));

  g_assert_true (relay_promise_cancel (promise));
  assert_rejected (promise, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  wait_flag (&read_finish_called);    /* GIO saw the cancellable and stopped */
  g_assert_error (read_finish_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_input_stream_has_pending (pipe.in));
  await_promise (promise);
  assert_rejected (promise, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_clear_error (&read_finish_error);
  pipe_clear (&pipe);
}

/* Cancelling the caller's cancellable cancels the promise, and the call. */
static void
test_cancel_caller_cancellable (void)
{
  Pipe pipe;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(RelayPromise) promise = NULL;

  pipe_init (&pipe);
  promise = read_pipe (&pipe, cancellable);
  drain (NULL);
  g_assert_true (relay_promise_is_pending (promise));

  g_cancellable_cancel (cancellable);
  assert_rejected (promise, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_cancellable_is_cancelled (relay_promise_get_cancellable (promise)));

  wait_flag (&read_finish_called);
  g_assert_error (read_finish_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  await_promise (promise);

  /* The handler on the caller's cancellable is gone with the call. */
  g_assert_false (g_signal_has_handler_pending (cancellable,
                                                g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE),
                                                0, FALSE));
  g_clear_error (&read_finish_error);
  pipe_clear (&pipe);
}

/* A caller's cancellable cancelled before the call: the call never runs. */
static void
test_cancel_before (void)
{
  Pipe pipe;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(RelayPromise) promise = NULL;

  pipe_init (&pipe);
  g_cancellable_cancel (cancellable);
  promise = read_pipe (&pipe, cancellable);
  assert_rejected (promise, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  wait_flag (&read_finish_called);
  g_assert_error (read_finish_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  await_promise (promise);

  g_clear_error (&read_finish_error);
  pipe_clear (&pipe);
}

/* A call that completes first: cancelling the caller's cancellable later
 * changes nothing. */
static void
test_cancel_after (void)
{
  Pipe pipe;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(RelayPromise) promise = NULL;
  g_autoptr(GBytes) ping = g_bytes_new_static ("ping", 4);

  pipe_init (&pipe);
  promise = read_pipe (&pipe, cancellable);
  g_assert_cmpint (g_output_stream_write_bytes (pipe.out, ping, NULL, NULL), ==, 4);
  await_promise (promise);
  assert_bytes (g_value_get_boxed (assert_fulfilled (promise, G_TYPE_BYTES)), "ping");

  g_cancellable_cancel (cancellable);
  g_assert_cmpint (relay_promise_get_state (promise), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_false (g_cancellable_is_cancelled (relay_promise_get_cancellable (promise)));
  pipe_clear (&pipe);
}

/* The wrappers pass the promise's cancellable too. */
static void
test_cancel_wrapper (void)
{
  Pipe pipe;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(RelayPromise) read = NULL;
  g_autoptr(RelayPromise) linked = NULL;

  pipe_init (&pipe);
  read = relay_input_stream_read_bytes (pipe.in, 16, G_PRIORITY_DEFAULT, NULL);
  drain (NULL);
  g_assert_true (g_input_stream_has_pending (pipe.in));
  relay_promise_cancel (read);
  while (g_input_stream_has_pending (pipe.in))    /* the read ends: it was cancelled */
    g_main_context_iteration (NULL, TRUE);
  await_promise (read);
  assert_rejected (read, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  linked = relay_input_stream_read_bytes (pipe.in, 16, G_PRIORITY_DEFAULT, cancellable);
  drain (NULL);
  g_assert_true (g_input_stream_has_pending (pipe.in));
  g_cancellable_cancel (cancellable);
  while (g_input_stream_has_pending (pipe.in))
    g_main_context_iteration (NULL, TRUE);
  await_promise (linked);
  assert_rejected (linked, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  pipe_clear (&pipe);
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */
/* ------------------------------------------------------------------------ */

static void
test_file_load_bytes (void)
{
  Tmpdir tmp;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) missing = NULL;
  g_autoptr(RelayPromise) loaded = NULL;
  g_autoptr(RelayPromise) failed = NULL;
  const GError *error;

  tmpdir_init (&tmp);
  file = tmpdir_write (&tmp, "hello.txt", "hello, world");
  missing = g_file_get_child (tmp.dir, "missing.txt");

  loaded = watch (relay_file_load_bytes (file, NULL));
  failed = watch (relay_file_load_bytes (missing, NULL));
  g_assert_true (relay_promise_get_context (loaded) == g_main_context_default ());
  await_promise (loaded);
  await_promise (failed);

  g_assert_cmpuint (relay_promise_get_n_values (loaded), ==, 1);
  assert_bytes (g_value_get_boxed (assert_fulfilled (loaded, G_TYPE_BYTES)), "hello, world");
  error = assert_rejected (failed, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "missing.txt"));

  tmpdir_clear (&tmp);
}

static void
test_file_replace_contents (void)
{
  Tmpdir tmp;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) in_missing_dir = NULL;
  g_autoptr(GBytes) contents = g_bytes_new_static ("new contents", 12);
  g_autoptr(RelayPromise) replaced = NULL;
  g_autoptr(RelayPromise) failed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *read_back = NULL;
  g_autofree char *etag = NULL;

  tmpdir_init (&tmp);
  file = tmpdir_write (&tmp, "file.txt", "old");
  in_missing_dir = g_file_new_build_filename (tmp.path, "no-such-dir", "file.txt", NULL);

  replaced = watch (relay_file_replace_contents (file, contents, NULL, FALSE, G_FILE_CREATE_NONE, NULL));
  failed = watch (relay_file_replace_contents (in_missing_dir, contents, NULL, FALSE,
                                               G_FILE_CREATE_NONE, NULL));
  await_promise (replaced);
  await_promise (failed);

  g_assert_true (g_file_load_contents (file, NULL, &read_back, NULL, &etag, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (read_back, ==, "new contents");
  g_assert_cmpstr (g_value_get_string (assert_fulfilled (replaced, G_TYPE_STRING)), ==, etag);
  assert_rejected (failed, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  tmpdir_clear (&tmp);
}

static void
test_file_query_info (void)
{
  Tmpdir tmp;
  g_autoptr(GFile) file = NULL;
  g_autoptr(RelayPromise) promise = NULL;
  GFileInfo *info;

  tmpdir_init (&tmp);
  file = tmpdir_write (&tmp, "info.txt", "123");

  promise = relay_file_query_info (file, "standard::*", G_FILE_QUERY_INFO_NONE,
                                   G_PRIORITY_DEFAULT, NULL);
  await_promise (promise);
  info = g_value_get_object (assert_fulfilled (promise, G_TYPE_FILE_INFO));
  g_assert_cmpstr (g_file_info_get_name (info), ==, "info.txt");
  g_assert_cmpint (g_file_info_get_size (info), ==, 3);
  g_assert_cmpint (g_file_info_get_file_type (info), ==, G_FILE_TYPE_REGULAR);

  tmpdir_clear (&tmp);
}

static void
test_file_enumerate_children (void)
{
  Tmpdir tmp;
  g_autoptr(GFile) plain = NULL;
  g_autoptr(GFile) missing = NULL;
  g_autoptr(RelayPromise) listed = NULL;
  g_autoptr(RelayPromise) not_dir = NULL;
  g_autoptr(RelayPromise) not_found = NULL;
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GListModel *model;
  const guint n_files = 150;   /* several batches */

  tmpdir_init (&tmp);
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%03u.txt", i);
      g_autoptr(GFile) file = tmpdir_write (&tmp, name, "x");
    }
  plain = g_file_get_child (tmp.dir, "file-000.txt");
  missing = g_file_get_child (tmp.dir, "missing");

  listed = watch (relay_file_enumerate_children (tmp.dir, "standard::name,standard::size",
                                                 G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT, NULL));
  not_dir = watch (relay_file_enumerate_children (plain, "standard::name", G_FILE_QUERY_INFO_NONE,
                                                  G_PRIORITY_DEFAULT, NULL));
  not_found = watch (relay_file_enumerate_children (missing, "standard::name",
                                                    G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                                                    NULL));
  await_promise (listed);
  await_promise (not_dir);
  await_promise (not_found);

  model = g_value_get_object (assert_fulfilled (listed, G_TYPE_LIST_MODEL));
  g_assert_true (g_list_model_get_item_type (model) == G_TYPE_FILE_INFO);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_files);
  for (guint i = 0; i < n_files; i++)
    {
      g_autoptr(GFileInfo) info = g_list_model_get_item (model, i);

      g_assert_cmpint (g_file_info_get_size (info), ==, 1);
      g_hash_table_add (names, g_strdup (g_file_info_get_name (info)));
    }
  g_assert_cmpuint (g_hash_table_size (names), ==, n_files);
  g_assert_true (g_hash_table_contains (names, "file-149.txt"));

  assert_rejected (not_dir, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  assert_rejected (not_found, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  tmpdir_clear (&tmp);
}

/* ------------------------------------------------------------------------ */
/* Streams                                                                  */
/* ------------------------------------------------------------------------ */

static void
test_streams (void)
{
  Pipe pipe;
  g_autoptr(GBytes) hello = g_bytes_new_static ("hello", 5);
  g_autoptr(GBytes) world = g_bytes_new_static (" world", 6);
  g_autoptr(RelayPromise) wrote = NULL;
  g_autoptr(RelayPromise) wrote_all = NULL;
  g_autoptr(RelayPromise) read = NULL;
  g_autoptr(RelayPromise) rest = NULL;
  g_autoptr(RelayPromise) end = NULL;
  g_autoptr(RelayPromise) closed = NULL;

  pipe_init (&pipe);

  wrote = relay_output_stream_write_bytes (pipe.out, hello, G_PRIORITY_DEFAULT, NULL);
  await_promise (wrote);
  g_assert_cmpint (g_value_get_int64 (assert_fulfilled (wrote, G_TYPE_INT64)), ==, 5);

  read = relay_input_stream_read_bytes (pipe.in, 5, G_PRIORITY_DEFAULT, NULL);
  await_promise (read);
  assert_bytes (g_value_get_boxed (assert_fulfilled (read, G_TYPE_BYTES)), "hello");

  wrote_all = relay_output_stream_write_all_bytes (pipe.out, world, G_PRIORITY_DEFAULT, NULL);
  await_promise (wrote_all);
  g_assert_cmpint (g_value_get_int64 (assert_fulfilled (wrote_all, G_TYPE_INT64)), ==, 6);
  g_assert_true (g_output_stream_close (pipe.out, NULL, NULL));

  rest = relay_input_stream_read_bytes (pipe.in, 64, G_PRIORITY_DEFAULT, NULL);
  await_promise (rest);
  assert_bytes (g_value_get_boxed (assert_fulfilled (rest, G_TYPE_BYTES)), " world");

  end = relay_input_stream_read_bytes (pipe.in, 64, G_PRIORITY_DEFAULT, NULL);
  await_promise (end);
  g_assert_cmpuint (g_bytes_get_size (g_value_get_boxed (assert_fulfilled (end, G_TYPE_BYTES))), ==, 0);

  closed = relay_output_stream_write_all_bytes (pipe.out, world, G_PRIORITY_DEFAULT, NULL);
  await_promise (closed);
  assert_rejected (closed, G_IO_ERROR, G_IO_ERROR_CLOSED);

  pipe_clear (&pipe);
}

/* ------------------------------------------------------------------------ */
/* Processes                                                                */
/* ------------------------------------------------------------------------ */

static GSubprocess *
spawn_sh (GSubprocessFlags  flags,
          const char       *script)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *process = g_subprocess_new (flags, &error, "/bin/sh", "-c", script, NULL);

  g_assert_no_error (error);
  return process;
}

static void
test_subprocess_communicate (void)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GSubprocess) quiet = NULL;
  g_autoptr(GBytes) input = g_bytes_new_static ("ping\n", 5);
  g_autoptr(RelayPromise) talked = NULL;
  g_autoptr(RelayPromise) checked = NULL;
  g_autoptr(RelayPromise) quiet_talked = NULL;

  process = spawn_sh (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                      G_SUBPROCESS_FLAGS_STDERR_PIPE,
                      "read line; echo \"got $line\"; echo oops >&2");
  talked = relay_subprocess_communicate (process, input, NULL);
  await_promise (talked);
  g_assert_cmpuint (relay_promise_get_n_values (talked), ==, 2);
  assert_bytes (g_value_get_boxed (assert_fulfilled (talked, G_TYPE_BYTES)), "got ping\n");
  assert_bytes (g_value_get_boxed (relay_promise_get_value (talked, 1)), "oops\n");

  checked = relay_subprocess_wait_check (process, NULL);
  await_promise (checked);
  g_assert_true (g_value_get_boolean (assert_fulfilled (checked, G_TYPE_BOOLEAN)));

  /* Only stdout is a pipe: the second value holds NULL. */
  quiet = spawn_sh (G_SUBPROCESS_FLAGS_STDOUT_PIPE, "echo quiet");
  quiet_talked = relay_subprocess_communicate (quiet, NULL, NULL);
  await_promise (quiet_talked);
  assert_bytes (g_value_get_boxed (assert_fulfilled (quiet_talked, G_TYPE_BYTES)), "quiet\n");
  g_assert_null (g_value_get_boxed (relay_promise_get_value (quiet_talked, 1)));
}

static void
test_subprocess_wait_check (void)
{
  g_autoptr(GSubprocess) failing = spawn_sh (G_SUBPROCESS_FLAGS_NONE, "exit 3");
  g_autoptr(GSubprocess) waiting = spawn_sh (G_SUBPROCESS_FLAGS_STDIN_PIPE, "cat >/dev/null");
  g_autoptr(RelayPromise) failed = watch (relay_subprocess_wait_check (failing, NULL));
  g_autoptr(RelayPromise) cancelled = watch (relay_subprocess_wait_check (waiting, NULL));
  g_autoptr(RelayPromise) done = NULL;
  g_autoptr(GError) error = NULL;

  await_promise (failed);
  assert_rejected (failed, G_SPAWN_EXIT_ERROR, 3);

  /* Cancelling the wait leaves the process running. */
  drain (NULL);
  relay_promise_cancel (cancelled);
  await_promise (cancelled);
  assert_rejected (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (g_subprocess_get_identifier (waiting));

  g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (waiting), NULL, &error));
  g_assert_no_error (error);
  done = relay_subprocess_wait_check (waiting, NULL);
  await_promise (done);
  assert_fulfilled (done, G_TYPE_BOOLEAN);
}

/* ------------------------------------------------------------------------ */
/* Network and D-Bus                                                        */
/* ------------------------------------------------------------------------ */

static gboolean
count_incoming (GSocketService    *service,
                GSocketConnection *connection,
                GObject           *source,
                gpointer           data)
{
  int *incoming = data;

  (*incoming)++;
  return FALSE;
}

static void
test_socket_client (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(RelayPromise) connected = NULL;
  g_autoptr(RelayPromise) to_host = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host_and_port = NULL;
  GSocketConnection *connection;
  int incoming = 0;

  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (service), any_port,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &bound, &error));
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (count_incoming), &incoming);
  g_socket_service_start (service);

  connected = relay_socket_client_connect (client, G_SOCKET_CONNECTABLE (bound), NULL);
  await_promise (connected);
  connection = g_value_get_object (assert_fulfilled (connected, G_TYPE_SOCKET_CONNECTION));
  g_assert_true (g_socket_connection_is_connected (connection));

  host_and_port = g_strdup_printf ("127.0.0.1:%u",
                                   g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  to_host = relay_socket_client_connect_to_host (client, host_and_port, 1, NULL);
  await_promise (to_host);
  assert_fulfilled (to_host, G_TYPE_SOCKET_CONNECTION);

  while (incoming < 2)
    g_main_context_iteration (NULL, TRUE);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
}

static void
test_resolver (void)
{
  g_autoptr(RelayPromise) promise = relay_resolver_lookup_by_name (NULL, "localhost", NULL);
  g_autoptr(RelayPromise) literal = NULL;
  GListModel *model;
  guint n;

  await_promise (promise);
  model = g_value_get_object (assert_fulfilled (promise, G_TYPE_LIST_MODEL));
  g_assert_true (g_list_model_get_item_type (model) == G_TYPE_INET_ADDRESS);
  n = g_list_model_get_n_items (model);
  g_assert_cmpuint (n, >=, 1);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GInetAddress) address = g_list_model_get_item (model, i);
      g_assert_true (g_inet_address_get_is_loopback (address));
    }

  /* An address is returned as is, with the default resolver passed in. */
  {
    g_autoptr(GResolver) resolver = g_resolver_get_default ();
    g_autoptr(GInetAddress) address = NULL;
    g_autofree char *text = NULL;

    literal = relay_resolver_lookup_by_name (resolver, "127.0.0.2", NULL);
    await_promise (literal);
    model = g_value_get_object (assert_fulfilled (literal, G_TYPE_LIST_MODEL));
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
    address = g_list_model_get_item (model, 0);
    text = g_inet_address_to_string (address);
    g_assert_cmpstr (text, ==, "127.0.0.2");
  }
}

/* A peer-to-peer D-Bus connection over a socket pair: no bus needed. */
static const char introspection_xml[] =
  "<node>"
  "  <interface name='org.relay.Test'>"
  "    <method name='Echo'><arg type='s' direction='in'/><arg type='s' direction='out'/></method>"
  "    <method name='Fail'/>"
  "    <method name='Hang'/>"
  "  </interface>"
  "</node>";

typedef struct
{
  GDBusConnection       *server;
  GDBusConnection       *client;
  guint                  registration;
  GDBusMethodInvocation *hanging;
  gboolean               hang_arrived;
} Peers;

static void
method_call (GDBusConnection       *connection,
             const char            *sender,
             const char            *object_path,
             const char            *interface_name,
             const char            *method_name,
             GVariant              *parameters,
             GDBusMethodInvocation *invocation,
             gpointer               data)
{
  Peers *peers = data;

  if (g_str_equal (method_name, "Echo"))
    {
      const char *text;

      g_variant_get (parameters, "(&s)", &text);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", text));
    }
  else if (g_str_equal (method_name, "Fail"))
    {
      g_dbus_method_invocation_return_error (invocation, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                             "not allowed");
    }
  else
    {
      peers->hanging = invocation;     /* answered at the end of the test */
      peers->hang_arrived = TRUE;
    }
}

static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { 0 } };

static void
connection_ready (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  GDBusConnection **connection = data;
  g_autoptr(GError) error = NULL;

  *connection = g_dbus_connection_new_finish (result, &error);
  g_assert_no_error (error);
}

static void
peers_init (Peers *peers)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (introspection_xml, &error);
  g_autofree char *guid = g_dbus_generate_guid ();
  GIOStream *streams[2];
  int fds[2];

  g_assert_no_error (error);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(GSocket) socket = g_socket_new_from_fd (fds[i], &error);

      g_assert_no_error (error);
      streams[i] = G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
    }

  *peers = (Peers) { 0 };
  g_dbus_connection_new (streams[0], guid,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER |
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_ALLOW_ANONYMOUS,
                         NULL, NULL, connection_ready, &peers->server);
  g_dbus_connection_new (streams[1], NULL, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                         NULL, NULL, connection_ready, &peers->client);
  while (peers->server == NULL || peers->client == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_object_unref (streams[0]);
  g_object_unref (streams[1]);

  peers->registration = g_dbus_connection_register_object (peers->server, "/org/relay/Test",
                                                           node->interfaces[0], &vtable,
                                                           peers, NULL, &error);
  g_assert_no_error (error);
}

static void
peers_clear (Peers *peers)
{
  g_autoptr(GError) error = NULL;

  g_dbus_connection_unregister_object (peers->server, peers->registration);
  g_assert_true (g_dbus_connection_close_sync (peers->client, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&peers->client);
  g_clear_object (&peers->server);
  drain (NULL);
}

static void
test_dbus_call (void)
{
  Peers peers;
  g_autoptr(RelayPromise) echoed = NULL;
  g_autoptr(RelayPromise) failed = NULL;
  g_autoptr(RelayPromise) bad_type = NULL;
  g_autoptr(RelayPromise) hung = NULL;
  GVariant *reply;
  const char *text;

  peers_init (&peers);

  echoed = watch (relay_dbus_connection_call (peers.client, NULL, "/org/relay/Test",
                                              "org.relay.Test", "Echo",
                                              g_variant_new ("(s)", "over D-Bus"),
                                              G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE,
                                              -1, NULL));
  failed = watch (relay_dbus_connection_call (peers.client, NULL, "/org/relay/Test",
                                              "org.relay.Test", "Fail", NULL, NULL,
                                              G_DBUS_CALL_FLAGS_NONE, -1, NULL));
  bad_type = watch (relay_dbus_connection_call (peers.client, NULL, "/org/relay/Test",
                                                "org.relay.Test", "Echo",
                                                g_variant_new ("(s)", "x"), G_VARIANT_TYPE ("(i)"),
                                                G_DBUS_CALL_FLAGS_NONE, -1, NULL));
  await_promise (echoed);
  await_promise (failed);
  await_promise (bad_type);

  reply = g_value_get_variant (assert_fulfilled (echoed, G_TYPE_VARIANT));
  g_variant_get (reply, "(&s)", &text);
  g_assert_cmpstr (text, ==, "over D-Bus");
  g_assert_nonnull (strstr (assert_rejected (failed, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED)->message,
                            "not allowed"));
  assert_rejected (bad_type, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);

  /* A method that does not answer: cancelling the promise ends the call. */
  hung = relay_dbus_connection_call (peers.client, NULL, "/org/relay/Test", "org.relay.Test",
                                     "Hang", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL);
  wait_flag (&peers.hang_arrived);
  relay_promise_cancel (hung);
  await_promise (hung);
  assert_rejected (hung, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_dbus_method_invocation_return_value (peers.hanging, NULL);

  peers_clear (&peers);
}

/* ------------------------------------------------------------------------ */
/* Threads                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct
{
  GFile        *file;
  GMainContext *context;
  Seen          seen;
  gboolean      right_context;
  char         *contents;
} InThread;

static gpointer
load_in_thread (gpointer data)
{
  InThread *in = data;
  g_autoptr(RelayPromise) promise = NULL;

  in->context = g_main_context_new ();
  g_main_context_push_thread_default (in->context);

  promise = relay_file_load_bytes (in->file, NULL);
  in->right_context = relay_promise_get_context (promise) == in->context;
  relay_promise_then_values (promise, seen_value, &in->seen, NULL, seen_error, &in->seen, NULL);
  while (!in->seen.fulfilled && !in->seen.rejected)
    g_main_context_iteration (in->context, TRUE);
  if (in->seen.fulfilled)
    {
      GBytes *bytes = g_value_get_boxed (relay_promise_get_value (promise, 0));
      in->contents = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }

  g_clear_object (&promise);
  g_main_context_pop_thread_default (in->context);
  g_main_context_unref (in->context);
  return NULL;
}

/* A wrapper called on another thread gives a promise of that thread's
 * context: GIO calls back there and the handlers run there. */
static void
test_thread (void)
{
  Tmpdir tmp;
  InThread in = { 0 };
  GThread *thread;

  tmpdir_init (&tmp);
  in.file = tmpdir_write (&tmp, "thread.txt", "from a thread");

  thread = g_thread_new ("gio-caller", load_in_thread, &in);
  g_thread_join (thread);

  g_assert_true (in.right_context);
  g_assert_true (in.seen.fulfilled);
  g_assert_true (in.seen.thread == thread);
  g_assert_cmpstr (in.contents, ==, "from a thread");

  g_free (in.contents);
  g_object_unref (in.file);
  tmpdir_clear (&tmp);
}

/* ------------------------------------------------------------------------ */
/* A GIO-style _async()/_finish() pair built on promises                    */
/* ------------------------------------------------------------------------ */

static RelayPromise *
count_lines (RelayPromise *loaded,
             gpointer      user_data)
{
  GBytes *bytes = g_value_get_boxed (relay_promise_get_value (loaded, 0));
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  int lines = 0;
  RelayPromise *counted = relay_promise_new ();

  for (gsize i = 0; i < size; i++)
    lines += data[i] == '\n';
  relay_promise_resolve_int64 (counted, lines);
  return counted;
}

/* Counts the lines of @file: what an application's own API might be. */
static void
test_count_lines_async (GFile               *file,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (file, cancellable, callback, user_data);
  g_autoptr(RelayPromise) loaded = relay_file_load_bytes (file, cancellable);
  g_autoptr(RelayPromise) counted = relay_promise_then (loaded, count_lines, NULL, NULL);

  g_task_set_source_tag (task, test_count_lines_async);
  relay_promise_return_to_task (counted, task);
}

static int
test_count_lines_finish (GFile         *file,
                         GAsyncResult  *result,
                         GError       **error)
{
  GValue value = G_VALUE_INIT;
  int lines;

  g_return_val_if_fail (g_task_is_valid (result, file), -1);
  g_return_val_if_fail (g_async_result_is_tagged (result, test_count_lines_async), -1);

  if (!g_task_propagate_value (G_TASK (result), &value, error))
    return -1;
  lines = (int) g_value_get_int64 (&value);
  g_value_unset (&value);
  return lines;
}

typedef struct
{
  gboolean  done;
  int       lines;
  GError   *error;
} Counted;

static void
counted_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Counted *counted = data;

  g_assert_true (g_thread_self () == main_thread);
  counted->lines = test_count_lines_finish (G_FILE (source), result, &counted->error);
  counted->done = TRUE;
}

static void
test_return_to_task (void)
{
  Tmpdir tmp;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) missing = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Counted ok = { 0 }, failed = { 0 }, cancelled = { 0 };

  tmpdir_init (&tmp);
  file = tmpdir_write (&tmp, "lines.txt", "one\ntwo\nthree\n");
  missing = g_file_get_child (tmp.dir, "missing.txt");

  test_count_lines_async (file, NULL, counted_cb, &ok);
  test_count_lines_async (missing, NULL, counted_cb, &failed);
  test_count_lines_async (file, cancellable, counted_cb, &cancelled);
  g_cancellable_cancel (cancellable);
  wait_flag (&ok.done);
  wait_flag (&failed.done);
  wait_flag (&cancelled.done);

  g_assert_no_error (ok.error);
  g_assert_cmpint (ok.lines, ==, 3);
  g_assert_error (failed.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpint (failed.lines, ==, -1);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_clear_error (&failed.error);
  g_clear_error (&cancelled.error);
  drain (NULL);
  tmpdir_clear (&tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/gio/old-entry-points/gio-call", test_old_callback_with_gio_call);
  g_test_add_func ("/gio/old-entry-points/other-results", test_old_callback_other_results);
  g_test_add_func ("/gio/old-entry-points/bare-task", test_old_callback_bare_task);
  g_test_add_func ("/gio/bridge/pointer", test_bridge_pointer);
  g_test_add_func ("/gio/bridge/boolean", test_bridge_boolean);
  g_test_add_func ("/gio/bridge/size", test_bridge_size);
  g_test_add_func ("/gio/bridge/own-callback", test_bridge_own_callback);
  g_test_add_func ("/gio/bridge/wrong-type", test_bridge_wrong_type);
  g_test_add_func ("/gio/bridge/misuse", test_bridge_misuse);
  g_test_add_func ("/gio/cancel/promise", test_cancel_promise);
  g_test_add_func ("/gio/cancel/caller-cancellable", test_cancel_caller_cancellable);
  g_test_add_func ("/gio/cancel/before", test_cancel_before);
  g_test_add_func ("/gio/cancel/after", test_cancel_after);
  g_test_add_func ("/gio/cancel/wrapper", test_cancel_wrapper);
  g_test_add_func ("/gio/file/load-bytes", test_file_load_bytes);
  g_test_add_func ("/gio/file/replace-contents", test_file_replace_contents);
  g_test_add_func ("/gio/file/query-info", test_file_query_info);
  g_test_add_func ("/gio/file/enumerate-children", test_file_enumerate_children);
  g_test_add_func ("/gio/streams", test_streams);
  g_test_add_func ("/gio/process/communicate", test_subprocess_communicate);
  g_test_add_func ("/gio/process/wait-check", test_subprocess_wait_check);
  g_test_add_func ("/gio/socket-client", test_socket_client);
  g_test_add_func ("/gio/resolver", test_resolver);
  g_test_add_func ("/gio/dbus-call", test_dbus_call);
  g_test_add_func ("/gio/thread", test_thread);
  g_test_add_func ("/gio/return-to-task", test_return_to_task);

  return g_test_run ();
}
