/* test-gio.c: promises from real GIO calls — the general bridge, the
 * ready-made wrappers, errors, cancellation and threads, and the old
 * GTask entry points
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <glib/gstdio.h>
#include <relay/relay.h>

#include "test-utils.h"

/* A fresh directory for one test, removed (with the files the test put in
 * it, one level deep) by tmpdir_free(). */
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

/* ------------------------------------------------------------------------ */
/* The old entry points with a real GIO call                                */
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
  g_autoptr(RelayPromise) promise = relay_promise_new ();
  const GError *error;

  tmpdir_init (&tmp);
  file = tmpdir_write (&tmp, "hello.txt", "hello");

  g_file_load_contents_async (file, relay_promise_get_cancellable (promise),
                              relay_promise_async_ready_callback, g_object_ref (promise));
  wait_settled (promise);

  /* Not a value it could read: a clear rejection that says what to use. */
  g_assert_cmpint (relay_promise_get_state (promise), ==, RELAY_PROMISE_REJECTED);
  error = relay_promise_get_error (promise);
  g_assert_true (error->domain == RELAY_ERROR);
  g_assert_nonnull (strstr (error->message, "_finish"));

  tmpdir_clear (&tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gio/old-entry-points/gio-call", test_old_callback_with_gio_call);

  return g_test_run ();
}
