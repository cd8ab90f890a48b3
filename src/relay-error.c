/* relay-error.c: the Relay error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "relay-error.h"

/**
 * relay_error_quark:
 *
 * The quark of the %RELAY_ERROR domain.
 *
 * Returns: the error quark
 */
GQuark
relay_error_quark (void)
{
  /* Not G_DEFINE_QUARK: its plain static is written by whichever thread asks
   * first, a data race when two threads do (a job and a handler, say). */
  static int quark;    /* atomic */
  GQuark q = (GQuark) g_atomic_int_get (&quark);

  if (G_UNLIKELY (q == 0))
    {
      q = g_quark_from_static_string ("relay-error-quark");
      g_atomic_int_set (&quark, (int) q);
    }

  return q;
}
