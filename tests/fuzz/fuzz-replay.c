/* fuzz-replay.c: runs fuzz programs outside libFuzzer — the committed corpus in
 * `meson test` (suite 'fuzz'), random programs from a seed, or one file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   fuzz-replay DIR|FILE...          run every file (a directory's files in name order)
 *   fuzz-replay --random N SEED      run N random programs (RELAY_FUZZ_SAVE=FILE
 *                                    keeps the one running, for a crash;
 *                                    RELAY_STRESS_SCALE scales N)
 *   fuzz-replay --describe FILE      list a program's operations
 *   fuzz-replay --write N SEED DIR   write N random programs to DIR (seed corpus)
 *
 * Any invariant violation aborts with a message naming it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>

#include "relay-fuzz.h"

static guint
run_path (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      guint n = 0;

      if (dir == NULL)
        g_error ("%s", error->message);
      while ((name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.')
          g_ptr_array_add (names, g_build_filename (path, name, NULL));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);   /* sorts gchar** */
      for (guint i = 0; i < names->len; i++)
        n += run_path (g_ptr_array_index (names, i));
      return n;
    }

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);
  relay_fuzz_run ((const guint8 *) contents, length);
  return 1;
}

static GBytes *
random_program (GRand *rand)
{
  guint length = g_rand_int_range (rand, 1, 160);
  guint8 *bytes = g_malloc (length);

  for (guint i = 0; i < length; i++)
    bytes[i] = (guint8) g_rand_int_range (rand, 0, 256);

  return g_bytes_new_take (bytes, length);
}

int
main (int   argc,
      char *argv[])
{
  guint n = 0;

  if (argc == 4 && g_str_equal (argv[1], "--random"))
    {
      guint count = (guint) g_ascii_strtoull (argv[2], NULL, 10);
      g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) g_ascii_strtoull (argv[3], NULL, 10));
      const char *scale = g_getenv ("RELAY_STRESS_SCALE");

      /* Scaled like the stress suite (valgrind, sanitizers), never below 100. */
      if (scale != NULL && g_ascii_strtod (scale, NULL) > 0.0)
        count = MAX ((guint) (count * g_ascii_strtod (scale, NULL)), MIN (count, 100u));

      for (; n < count; n++)
        {
          g_autoptr(GBytes) program = random_program (rand);
          gsize length;
          const guint8 *data = g_bytes_get_data (program, &length);
          const char *save = g_getenv ("RELAY_FUZZ_SAVE");

          /* Keep the program about to run, to replay it if it crashes. */
          if (save != NULL && !g_file_set_contents (save, (const char *) data, length, NULL))
            g_error ("cannot write %s", save);
          relay_fuzz_run (data, length);
        }
    }
  else if (argc == 5 && g_str_equal (argv[1], "--write"))
    {
      guint count = (guint) g_ascii_strtoull (argv[2], NULL, 10);
      g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) g_ascii_strtoull (argv[3], NULL, 10));

      g_mkdir_with_parents (argv[4], 0755);
      for (; n < count; n++)
        {
          g_autoptr(GBytes) program = random_program (rand);
          g_autofree char *name = g_strdup_printf ("%s/seed-%03u", argv[4], n);
          gsize length;
          const guint8 *data = g_bytes_get_data (program, &length);

          if (!g_file_set_contents (name, (const char *) data, length, NULL))
            g_error ("cannot write %s", name);
        }
    }
  else if (argc == 3 && g_str_equal (argv[1], "--describe"))
    {
      g_autofree char *contents = NULL;
      g_autofree char *listing = NULL;
      gsize length;

      if (!g_file_get_contents (argv[2], &contents, &length, NULL))
        g_error ("cannot read %s", argv[2]);
      listing = relay_fuzz_describe ((const guint8 *) contents, length);
      fputs (listing, stdout);
      return 0;
    }
  else if (argc >= 2)
    {
      for (int i = 1; i < argc; i++)
        n += run_path (argv[i]);
    }
  else
    {
      fprintf (stderr, "usage: %s DIR|FILE... | --random N SEED | --write N SEED DIR | --describe FILE\n",
               argv[0]);
      return 2;
    }

  printf ("relay-fuzz: %u programs, every invariant held\n", n);
  return 0;
}
