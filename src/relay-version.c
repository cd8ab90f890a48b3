/* relay-version.c: the version of the Relay library the program runs with
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The macros in relay-version.h say which headers a program was compiled
 * against; these functions say which library it runs with.
 */
#include "config.h"

#include "relay-version.h"

/**
 * relay_get_major_version:
 *
 * The major version of the Relay library in use (the 1 of 1.0.0), which may
 * differ from %RELAY_MAJOR_VERSION, the version of the headers a program was
 * compiled against. Any thread.
 *
 * Returns: the major version of the running library
 */
guint
relay_get_major_version (void)
{
  return RELAY_MAJOR_VERSION;
}

/**
 * relay_get_minor_version:
 *
 * The minor version of the Relay library in use. Any thread.
 *
 * Returns: the minor version of the running library
 */
guint
relay_get_minor_version (void)
{
  return RELAY_MINOR_VERSION;
}

/**
 * relay_get_micro_version:
 *
 * The micro version of the Relay library in use. Any thread.
 *
 * Returns: the micro version of the running library
 */
guint
relay_get_micro_version (void)
{
  return RELAY_MICRO_VERSION;
}

/**
 * relay_check_version:
 * @required_major: the major version required
 * @required_minor: the minor version required
 * @required_micro: the micro version required
 *
 * Checks at run time that the Relay library in use is compatible with the
 * given version: the same major version, and at least the given minor and
 * micro version. Use [func@Relay.CHECK_VERSION] for the headers at compile
 * time. Any thread.
 *
 * Returns: (nullable): %NULL if the library is compatible, or a string
 *   owned by Relay that says why not
 */
const char *
relay_check_version (guint required_major,
                     guint required_minor,
                     guint required_micro)
{
  if (required_major > RELAY_MAJOR_VERSION)
    return "Relay version too old (major mismatch)";
  if (required_major < RELAY_MAJOR_VERSION)
    return "Relay version too new (major mismatch)";
  if (required_minor > RELAY_MINOR_VERSION ||
      (required_minor == RELAY_MINOR_VERSION && required_micro > RELAY_MICRO_VERSION))
    return "Relay version too old (micro mismatch)";
  return NULL;
}
