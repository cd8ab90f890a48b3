/* relay-gio.h: promises from GIO calls — a general bridge for any
 * _async()/_finish() pair, and promise-returning wrappers for common calls
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

/**
 * RelayFinishPointerFunc:
 * @source_object: the object the operation was started on
 * @result: the result passed to the operation's callback
 * @error: return location for the operation's error
 *
 * The shape of a GIO `_finish()` function that returns a pointer with
 * transfer full: an object, a boxed value, a string or a variant, such as
 * g_file_query_info_finish() or g_input_stream_read_bytes_finish(). Cast the
 * function to this type; see [func@Relay.gio_finish_pointer].
 *
 * Returns: (transfer full) (nullable): the operation's result, or %NULL with
 *   @error set if it failed
 */
typedef gpointer (*RelayFinishPointerFunc) (gpointer       source_object,
                                            GAsyncResult  *result,
                                            GError       **error);

/**
 * RelayFinishBooleanFunc:
 * @source_object: the object the operation was started on
 * @result: the result passed to the operation's callback
 * @error: return location for the operation's error
 *
 * The shape of a GIO `_finish()` function that returns a #gboolean, such as
 * g_subprocess_wait_check_finish() or g_file_delete_finish(). Cast the
 * function to this type; see [func@Relay.gio_finish_boolean].
 *
 * Returns: the operation's result; %FALSE with @error set if it failed
 */
typedef gboolean (*RelayFinishBooleanFunc) (gpointer       source_object,
                                            GAsyncResult  *result,
                                            GError       **error);

/**
 * RelayFinishSizeFunc:
 * @source_object: the object the operation was started on
 * @result: the result passed to the operation's callback
 * @error: return location for the operation's error
 *
 * The shape of a GIO `_finish()` function that returns a #gssize, such as
 * g_output_stream_write_bytes_finish() or g_input_stream_skip_finish(). Cast
 * the function to this type; see [func@Relay.gio_finish_size].
 *
 * Returns: the operation's result; -1 with @error set if it failed
 */
typedef gssize   (*RelayFinishSizeFunc)    (gpointer       source_object,
                                            GAsyncResult  *result,
                                            GError       **error);

/* The general bridge: any _async()/_finish() pair (C only) */
RELAY_AVAILABLE_IN_1_0
gpointer       relay_gio_finish_pointer                 (RelayPromise           *promise,
                                                         GType                   type,
                                                         RelayFinishPointerFunc  finish,
                                                         GCancellable           *cancellable);
RELAY_AVAILABLE_IN_1_0
gpointer       relay_gio_finish_boolean                 (RelayPromise           *promise,
                                                         RelayFinishBooleanFunc  finish,
                                                         GCancellable           *cancellable);
RELAY_AVAILABLE_IN_1_0
gpointer       relay_gio_finish_size                    (RelayPromise           *promise,
                                                         RelayFinishSizeFunc     finish,
                                                         GCancellable           *cancellable);
RELAY_AVAILABLE_IN_1_0
void           relay_gio_ready                          (GObject                *source_object,
                                                         GAsyncResult           *result,
                                                         gpointer                finisher);

RELAY_AVAILABLE_IN_1_0
gboolean       relay_promise_settle_from_finish_pointer (RelayPromise           *self,
                                                         gpointer                source_object,
                                                         GAsyncResult           *result,
                                                         GType                   type,
                                                         RelayFinishPointerFunc  finish);
RELAY_AVAILABLE_IN_1_0
gboolean       relay_promise_settle_from_finish_boolean (RelayPromise           *self,
                                                         gpointer                source_object,
                                                         GAsyncResult           *result,
                                                         RelayFinishBooleanFunc  finish);
RELAY_AVAILABLE_IN_1_0
gboolean       relay_promise_settle_from_finish_size    (RelayPromise           *self,
                                                         gpointer                source_object,
                                                         GAsyncResult           *result,
                                                         RelayFinishSizeFunc     finish);

/* Files */
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_file_load_bytes                    (GFile                  *file,
                                                         GCancellable           *cancellable);
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_file_replace_contents              (GFile                  *file,
                                                         GBytes                 *contents,
                                                         const char             *etag,
                                                         gboolean                make_backup,
                                                         GFileCreateFlags        flags,
                                                         GCancellable           *cancellable);
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_file_query_info                    (GFile                  *file,
                                                         const char             *attributes,
                                                         GFileQueryInfoFlags     flags,
                                                         int                     io_priority,
                                                         GCancellable           *cancellable);
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_file_enumerate_children            (GFile                  *file,
                                                         const char             *attributes,
                                                         GFileQueryInfoFlags     flags,
                                                         int                     io_priority,
                                                         GCancellable           *cancellable);

/* Streams */
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_input_stream_read_bytes            (GInputStream           *stream,
                                                         gsize                   count,
                                                         int                     io_priority,
                                                         GCancellable           *cancellable);
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_output_stream_write_bytes          (GOutputStream          *stream,
                                                         GBytes                 *bytes,
                                                         int                     io_priority,
                                                         GCancellable           *cancellable);
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_output_stream_write_all_bytes      (GOutputStream          *stream,
                                                         GBytes                 *bytes,
                                                         int                     io_priority,
                                                         GCancellable           *cancellable);

/* Processes */
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_subprocess_communicate             (GSubprocess            *subprocess,
                                                         GBytes                 *stdin_buf,
                                                         GCancellable           *cancellable);
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_subprocess_wait_check              (GSubprocess            *subprocess,
                                                         GCancellable           *cancellable);

/* Network and D-Bus */
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_socket_client_connect              (GSocketClient          *client,
                                                         GSocketConnectable     *connectable,
                                                         GCancellable           *cancellable);
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_socket_client_connect_to_host      (GSocketClient          *client,
                                                         const char             *host_and_port,
                                                         guint16                 default_port,
                                                         GCancellable           *cancellable);
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_resolver_lookup_by_name            (GResolver              *resolver,
                                                         const char             *hostname,
                                                         GCancellable           *cancellable);
RELAY_AVAILABLE_IN_1_0
RelayPromise  *relay_dbus_connection_call               (GDBusConnection        *connection,
                                                         const char             *bus_name,
                                                         const char             *object_path,
                                                         const char             *interface_name,
                                                         const char             *method_name,
                                                         GVariant               *parameters,
                                                         const GVariantType     *reply_type,
                                                         GDBusCallFlags          flags,
                                                         int                     timeout_msec,
                                                         GCancellable           *cancellable);

G_END_DECLS
