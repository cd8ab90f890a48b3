/* relay-error.h: the Relay error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(RELAY_INSIDE) && !defined(RELAY_COMPILATION)
# error "Only <relay/relay.h> can be included directly."
#endif

#include <glib.h>
#include "relay-version.h"

G_BEGIN_DECLS

/**
 * RELAY_ERROR:
 *
 * The error domain of Relay's own errors; codes are in [enum@Relay.Error].
 */
#define RELAY_ERROR (relay_error_quark ())

/**
 * RelayError:
 * @RELAY_ERROR_FAILED: a generic failure
 * @RELAY_ERROR_CYCLE: a promise was asked to adopt itself, directly or through a
 *   chain of promises that waits on it
 * @RELAY_ERROR_NO_RESULT: a job function returned without returning a value or an error
 * @RELAY_ERROR_AGGREGATE: every input of [func@Relay.Promise.any] was rejected; the
 *   individual errors are available from [method@Relay.Promise.dup_errors]
 * @RELAY_ERROR_ABANDONED: the promise a handler was waiting on was finalized before it
 *   settled, so it can never settle
 * @RELAY_ERROR_NOT_SUPPORTED: Relay cannot do what was asked, such as read the
 *   result of a GIO call without the call's `_finish()` function; the message
 *   says what to use instead
 *
 * Error codes in the %RELAY_ERROR domain.
 */
typedef enum {
  RELAY_ERROR_FAILED,
  RELAY_ERROR_CYCLE,
  RELAY_ERROR_NO_RESULT,
  RELAY_ERROR_AGGREGATE,
  RELAY_ERROR_ABANDONED,
  RELAY_ERROR_NOT_SUPPORTED,
} RelayError;

RELAY_AVAILABLE_IN_1_0
GQuark relay_error_quark (void);

G_END_DECLS
