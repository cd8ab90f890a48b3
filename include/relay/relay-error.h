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
 * @RELAY_ERROR_FAILED: a check Relay made failed and no other code fits; today
 *   [func@Relay.gio_ready] uses it, when a `_finish()` function returned
 *   an object of another type than the one the promise was told to expect,
 *   and the GJS override, for a JavaScript exception that is not a
 *   `GLib.Error` thrown by a [method@Relay.Promise.chain] handler (the message
 *   is the exception's `name: message`)
 * @RELAY_ERROR_CYCLE: a handler returned a promise that is the derived promise
 *   itself, or one that waits on it through a chain of adoptions, so it could
 *   never settle; the derived promise is rejected with this instead
 * @RELAY_ERROR_NO_RESULT: a job function returned without calling one of the
 *   `relay_job_return_*()` functions; its promise is rejected with this
 * @RELAY_ERROR_AGGREGATE: every input of [func@Relay.Promise.any] was rejected
 *   (or it had none); the individual errors are available from
 *   [method@Relay.Promise.dup_errors]
 * @RELAY_ERROR_ABANDONED: the last reference to a pending promise was dropped,
 *   so it can never settle; what waited on it (a derived promise, a
 *   combinator, [method@Relay.Promise.wait_async], a GTask from
 *   [method@Relay.Promise.return_to_task]) gets this error. Like
 *   cancellation, it is never reported as an unhandled rejection
 * @RELAY_ERROR_NOT_SUPPORTED: Relay cannot do what was asked, such as read the
 *   result of a GIO call without the call's `_finish()` function; the message
 *   says what to use instead
 * @RELAY_ERROR_CLOSED: the [class@Relay.Channel] was closed without an error
 *   of its own: a send after [method@Relay.Channel.close], or a receive once
 *   the closed channel's queued values were all received
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
  RELAY_ERROR_CLOSED,
} RelayError;

RELAY_AVAILABLE_IN_1_0
GQuark relay_error_quark (void);

G_END_DECLS
