/* test-version.c: the version macros and the run-time version functions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define RELAY_VERSION_MIN_REQUIRED RELAY_VERSION_1_0
#define RELAY_VERSION_MAX_ALLOWED RELAY_VERSION_1_0
#include <relay/relay.h>

static void
test_runtime_matches_headers (void)
{
  g_assert_cmpuint (relay_get_major_version (), ==, RELAY_MAJOR_VERSION);
  g_assert_cmpuint (relay_get_minor_version (), ==, RELAY_MINOR_VERSION);
  g_assert_cmpuint (relay_get_micro_version (), ==, RELAY_MICRO_VERSION);
  g_assert_true (RELAY_CHECK_VERSION (1, 0, 0));
  g_assert_false (RELAY_CHECK_VERSION (RELAY_MAJOR_VERSION + 1, 0, 0));
  g_assert_cmpint (RELAY_VERSION_CUR_STABLE, >=, RELAY_VERSION_1_0);
}

static void
test_check_version (void)
{
  g_assert_null (relay_check_version (RELAY_MAJOR_VERSION, 0, 0));
  g_assert_null (relay_check_version (RELAY_MAJOR_VERSION, RELAY_MINOR_VERSION, RELAY_MICRO_VERSION));
  g_assert_nonnull (relay_check_version (RELAY_MAJOR_VERSION + 1, 0, 0));
  g_assert_nonnull (relay_check_version (RELAY_MAJOR_VERSION, RELAY_MINOR_VERSION + 1, 0));
  g_assert_nonnull (relay_check_version (RELAY_MAJOR_VERSION, RELAY_MINOR_VERSION, RELAY_MICRO_VERSION + 1));
  if (RELAY_MAJOR_VERSION > 0)
    g_assert_nonnull (relay_check_version (RELAY_MAJOR_VERSION - 1, 0, 0));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/version/runtime-matches-headers", test_runtime_matches_headers);
  g_test_add_func ("/version/check-version", test_check_version);

  return g_test_run ();
}
