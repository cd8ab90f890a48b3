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
G_DEFINE_QUARK (relay-error-quark, relay_error)
