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
#include <string.h>
#include <glib/gstdio.h>
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

/* The promise's error, asserting that it was rejected with @domain/@code. */
static const GError *
assert_rejected (RelayPromise *promise,
                 GQuark        domain,
                 int           code)
{
  const GError *error;

  g_assert_cmpint (relay_promise_get_state (promise), ==, RELAY_PROMISE_REJECTED);
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

  if (relay_promise_get_state (promise) == RELAY_PROMISE_REJECTED)
    g_error ("rejected: %s", relay_promise_get_error (promise)->message);
  g_assert_cmpint (relay_promise_get_state (promise), ==, RELAY_PROMISE_FULFILLED);
  g_assert_cmpuint (relay_promise_get_n_values (promise), >=, 1);
  value = relay_promise_get_value (promise, 0);
  g_assert_true (G_VALUE_TYPE (value) == type);
  return value;
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/gio/old-entry-points/gio-call", test_old_callback_with_gio_call);
  g_test_add_func ("/gio/old-entry-points/other-results", test_old_callback_other_results);
  g_test_add_func ("/gio/old-entry-points/bare-task", test_old_callback_bare_task);

  return g_test_run ();
}
