/* relay-channel.h: a bounded, thread-safe channel of values
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
#include "relay-job.h"
#include "relay-pool.h"

G_BEGIN_DECLS

#define RELAY_TYPE_CHANNEL (relay_channel_get_type ())

RELAY_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (RelayChannel, relay_channel, RELAY, CHANNEL, GObject)

/**
 * RelayStreamFunc:
 * @job: the job, as for a [callback@Relay.JobFunc]
 * @channel: the channel to send the results into, with
 *   [method@Relay.Channel.push] and its typed shortcuts
 * @user_data: the data passed to [method@Relay.Pool.stream]
 *
 * The function of a streaming job (see [method@Relay.Pool.stream]). It runs
 * on a worker thread and pushes its results into @channel as it finds them.
 * Returning ends the stream: there is no need to call a
 * `relay_job_return_*()` function, but [method@Relay.Job.return_error] ends
 * it with that error.
 */
typedef void (*RelayStreamFunc) (RelayJob     *job,
                                 RelayChannel *channel,
                                 gpointer      user_data);

RELAY_AVAILABLE_IN_1_0
RelayChannel *relay_channel_new           (guint          capacity);
RELAY_AVAILABLE_IN_1_0
guint         relay_channel_get_capacity  (RelayChannel  *self);
RELAY_AVAILABLE_IN_1_0
guint         relay_channel_get_n_queued  (RelayChannel  *self);
RELAY_AVAILABLE_IN_1_0
gboolean      relay_channel_is_closed     (RelayChannel  *self);

/* Sending without blocking: a promise fulfilled when the value is queued */
RELAY_AVAILABLE_IN_1_0
RelayPromise *relay_channel_send          (RelayChannel  *self,
                                           const GValue  *value) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise *relay_channel_send_boolean  (RelayChannel  *self,
                                           gboolean       value) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise *relay_channel_send_int64    (RelayChannel  *self,
                                           gint64         value) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise *relay_channel_send_double   (RelayChannel  *self,
                                           double         value) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise *relay_channel_send_string   (RelayChannel  *self,
                                           const char    *value) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise *relay_channel_send_object   (RelayChannel  *self,
                                           gpointer       object) G_GNUC_WARN_UNUSED_RESULT;

/* Sending from a worker: blocks while the channel is full */
RELAY_AVAILABLE_IN_1_0
gboolean      relay_channel_push          (RelayChannel  *self,
                                           const GValue  *value,
                                           GCancellable  *cancellable,
                                           GError       **error);
RELAY_AVAILABLE_IN_1_0
gboolean      relay_channel_push_boolean  (RelayChannel  *self,
                                           gboolean       value,
                                           GCancellable  *cancellable,
                                           GError       **error);
RELAY_AVAILABLE_IN_1_0
gboolean      relay_channel_push_int64    (RelayChannel  *self,
                                           gint64         value,
                                           GCancellable  *cancellable,
                                           GError       **error);
RELAY_AVAILABLE_IN_1_0
gboolean      relay_channel_push_double   (RelayChannel  *self,
                                           double         value,
                                           GCancellable  *cancellable,
                                           GError       **error);
RELAY_AVAILABLE_IN_1_0
gboolean      relay_channel_push_string   (RelayChannel  *self,
                                           const char    *value,
                                           GCancellable  *cancellable,
                                           GError       **error);
RELAY_AVAILABLE_IN_1_0
gboolean      relay_channel_push_object   (RelayChannel  *self,
                                           gpointer       object,
                                           GCancellable  *cancellable,
                                           GError       **error);

/* Receiving: a promise that settles on the caller's thread-default context */
RELAY_AVAILABLE_IN_1_0
RelayPromise *relay_channel_receive       (RelayChannel  *self) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise *relay_channel_receive_many  (RelayChannel  *self,
                                           guint          max_values) G_GNUC_WARN_UNUSED_RESULT;

RELAY_AVAILABLE_IN_1_0
void          relay_channel_close         (RelayChannel  *self,
                                           GError        *error);

/* A job that streams into a channel */
RELAY_AVAILABLE_IN_1_0
RelayChannel *relay_pool_stream           (RelayPool      *pool,
                                           guint           capacity,
                                           GCancellable   *cancellable,
                                           RelayStreamFunc func,
                                           gpointer        user_data,
                                           GDestroyNotify  destroy) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayChannel *relay_stream_in_thread      (guint           capacity,
                                           GCancellable   *cancellable,
                                           RelayStreamFunc func,
                                           gpointer        user_data,
                                           GDestroyNotify  destroy) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
