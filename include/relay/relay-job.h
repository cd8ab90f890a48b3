/* relay-job.h: the handle a background job function receives on its worker thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(RELAY_INSIDE) && !defined(RELAY_COMPILATION)
# error "Only <relay/relay.h> can be included directly."
#endif

#include <gio/gio.h>
#include "relay-version.h"
#include "relay-promise.h"

G_BEGIN_DECLS

#define RELAY_TYPE_JOB (relay_job_get_type ())

RELAY_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (RelayJob, relay_job, RELAY, JOB, GObject)

/**
 * RelayJobFunc:
 * @job: the job: return its result through it
 * @user_data: the data passed to [method@Relay.Pool.run]
 *
 * A function run on a worker thread of a [class@Relay.Pool]. Before it returns
 * it calls one of the `relay_job_return_*()` functions exactly once; a job that
 * returns none rejects its promise with %RELAY_ERROR_NO_RESULT.
 */
typedef void (*RelayJobFunc) (RelayJob *job,
                              gpointer  user_data);

RELAY_AVAILABLE_IN_1_0
void          relay_job_return_value         (RelayJob      *self,
                                              const GValue  *value);
RELAY_AVAILABLE_IN_1_0
void          relay_job_return_values        (RelayJob      *self,
                                              const GValue  *values,
                                              guint          n_values);
RELAY_AVAILABLE_IN_1_0
void          relay_job_return_boolean       (RelayJob      *self,
                                              gboolean       value);
RELAY_AVAILABLE_IN_1_0
void          relay_job_return_int64         (RelayJob      *self,
                                              gint64         value);
RELAY_AVAILABLE_IN_1_0
void          relay_job_return_double        (RelayJob      *self,
                                              double         value);
RELAY_AVAILABLE_IN_1_0
void          relay_job_return_string        (RelayJob      *self,
                                              const char    *value);
RELAY_AVAILABLE_IN_1_0
void          relay_job_return_object        (RelayJob      *self,
                                              gpointer       object);
RELAY_AVAILABLE_IN_1_0
void          relay_job_return_pointer       (RelayJob      *self,
                                              gpointer       pointer,
                                              GDestroyNotify destroy);
RELAY_AVAILABLE_IN_1_0
void          relay_job_return_error         (RelayJob      *self,
                                              GError        *error);
RELAY_AVAILABLE_IN_1_0
void          relay_job_return_new_error     (RelayJob      *self,
                                              GQuark         domain,
                                              int            code,
                                              const char    *format,
                                              ...) G_GNUC_PRINTF (4, 5);
RELAY_AVAILABLE_IN_1_0
gboolean      relay_job_return_error_if_cancelled (RelayJob *self);
RELAY_AVAILABLE_IN_1_0
gboolean      relay_job_has_returned         (RelayJob      *self);
RELAY_AVAILABLE_IN_1_0
GCancellable *relay_job_get_cancellable      (RelayJob      *self);
RELAY_AVAILABLE_IN_1_0
gboolean      relay_job_is_cancelled         (RelayJob      *self);
RELAY_AVAILABLE_IN_1_0
void          relay_job_set_progress         (RelayJob      *self,
                                              double         fraction,
                                              const char    *text);
RELAY_AVAILABLE_IN_1_0
gboolean      relay_job_wait                 (RelayJob      *self,
                                              RelayPromise  *promise,
                                              GError       **error);

G_END_DECLS
