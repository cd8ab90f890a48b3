/* relay-gio.c: promises from GIO calls
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GIO call is a pair of functions: g_foo_async() starts the operation and
 * calls back, on the thread-default main context of the thread that started
 * it, with a GAsyncResult; g_foo_finish() turns that result into the
 * operation's value or its GError. Only the finish function can read the
 * result: a GTask does not say how its result was set, so no generic code can
 * read one safely (which is why relay_promise_async_ready_callback() cannot).
 *
 * So the bridge is given the finish function. relay_gio_finish_pointer() (or
 * _boolean, _size: the three shapes GIO's finish functions have) packs the
 * promise, the finish function and the type of its value into the user data
 * of relay_gio_ready(), which calls the finish function and settles the
 * promise: fulfilled with the value, typed, or rejected with the GError.
 * The call gets the promise's cancellable, so relay_promise_cancel() cancels
 * the GIO operation too; the optional cancellable given to the bridge (the
 * caller's) cancels the promise, and so the operation.
 *
 *   static RelayPromise *
 *   query_size (GFile *file)
 *   {
 *     RelayPromise *promise = relay_promise_new ();
 *
 *     g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
 *                              G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
 *                              relay_promise_get_cancellable (promise),
 *                              relay_gio_ready,
 *                              relay_gio_finish_pointer (promise, G_TYPE_FILE_INFO,
 *                                                        (RelayFinishPointerFunc) g_file_query_info_finish,
 *                                                        NULL));
 *     return promise;   // fulfilled with a GFileInfo, or rejected with the GIO error
 *   }
 *
 *   static RelayPromise *
 *   print_size (RelayPromise *promise, gpointer user_data)
 *   {
 *     GFileInfo *info = g_value_get_object (relay_promise_get_value (promise, 0));
 *
 *     g_print ("%" G_GOFFSET_FORMAT " bytes\n", g_file_info_get_size (info));
 *     return NULL;
 *   }
 *
 *   int
 *   main (void)
 *   {
 *     g_autoptr(GFile) file = g_file_new_for_path ("/etc/hostname");
 *     g_autoptr(RelayPromise) info = query_size (file);
 *     g_autoptr(RelayPromise) printed = relay_promise_then (info, print_size, NULL, NULL);
 *
 *     while (relay_promise_is_pending (printed))
 *       g_main_context_iteration (NULL, TRUE);
 *     return relay_promise_get_state (printed) == RELAY_PROMISE_STATE_FULFILLED ? 0 : 1;
 *   }
 *
 * The wrappers below (relay_file_load_bytes() and the others) are that, done
 * once for the calls applications use most; they are also what GI bindings
 * call, since a function pointer cannot cross GI. A finish function of
 * another shape (out parameters, no source object) needs a callback of its
 * own: call the finish function there and settle the promise with
 * relay_promise_resolve_values() or relay_promise_reject().
 *
 * Only the public promise API is used here.
 */
#include "config.h"

#include "relay-error.h"
#include "relay-gio.h"

/* ------------------------------------------------------------------------ */
/* One GIO call that settles a promise                                      */
/* ------------------------------------------------------------------------ */

#define GIO_CALL_MAGIC    0x52474331u   /* "RGC1": a call of the wrappers */
#define FINISH_CALL_MAGIC 0x52474631u   /* "RGF1": user data of relay_gio_ready() */

/* What every call holds until GIO calls back. */
typedef struct
{
  guint32       magic;         /* first, so that relay_gio_ready() can check it */
  RelayPromise *promise;       /* strong: settled by the callback */
  GCancellable *cancellable;   /* the caller's, strong, nullable */
  gulong        cancelled_id;  /* its "cancelled" handler: cancels @promise */
} GioCall;

static void
caller_cancelled (GCancellable *cancellable,
                  gpointer      promise)
{
  relay_promise_cancel (promise);
}

static void
unref_closure_data (gpointer  data,
                    GClosure *closure)
{
  g_object_unref (data);
}

/* Links the caller's @cancellable to @promise: cancelling it cancels the
 * promise, whose own cancellable the GIO call was given. A plain signal
 * handler rather than g_cancellable_connect(): the call may complete (and
 * disconnect) from inside the emission, where g_cancellable_disconnect()
 * would wait for itself. */
static void
gio_call_init (GioCall      *call,
               guint32       magic,
               RelayPromise *promise,
               GCancellable *cancellable)
{
  call->magic = magic;
  call->promise = g_object_ref (promise);

  if (cancellable == NULL)
    return;

  call->cancellable = g_object_ref (cancellable);
  call->cancelled_id = g_signal_connect_data (cancellable, "cancelled",
                                              G_CALLBACK (caller_cancelled),
                                              g_object_ref (promise),
                                              unref_closure_data, 0);
  /* Cancelled before (or while) connecting: cancelling twice is harmless. */
  if (g_cancellable_is_cancelled (cancellable))
    relay_promise_cancel (promise);
}

static gpointer
gio_call_new (gsize         size,
              RelayPromise *promise,
              GCancellable *cancellable)
{
  GioCall *call = g_malloc0 (size);

  gio_call_init (call, GIO_CALL_MAGIC, promise, cancellable);
  return call;
}

/* Releases the base of @call (not @call itself). */
static void
gio_call_clear (GioCall *call)
{
  if (call->cancelled_id != 0)
    g_signal_handler_disconnect (call->cancellable, call->cancelled_id);
  call->cancelled_id = 0;
  g_clear_object (&call->cancellable);
  g_clear_object (&call->promise);
  call->magic = 0;
}

static void
gio_call_free (GioCall *call)
{
  gio_call_clear (call);
  g_free (call);
}

/* ------------------------------------------------------------------------ */
/* Settling with a pointer of a known type                                  */
/* ------------------------------------------------------------------------ */

/* Whether a finish function's pointer of type @type can be held in a GValue
 * that takes ownership of it. */
static gboolean
pointer_type_is_supported (GType type)
{
  if (!G_TYPE_IS_VALUE_TYPE (type) || G_TYPE_IS_VALUE_ABSTRACT (type))
    return FALSE;

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_OBJECT:
    case G_TYPE_BOXED:
    case G_TYPE_STRING:
    case G_TYPE_VARIANT:
    case G_TYPE_PARAM:
      return TRUE;

    case G_TYPE_INTERFACE:
      return g_type_is_a (type, G_TYPE_OBJECT);

    default:
      return FALSE;
    }
}

/* Settles @promise with @pointer (transfer full, nullable) as a value of
 * @type, or with @error (transfer full) if it is set; whatever does not
 * settle the promise is released. Any thread. */
static gboolean
settle_with_pointer (RelayPromise *promise,
                     GType         type,
                     gpointer      pointer,
                     GError       *error)
{
  GValue value = G_VALUE_INIT;
  gboolean settled;

  g_value_init (&value, type);

  if (pointer != NULL &&
      (G_TYPE_FUNDAMENTAL (type) == G_TYPE_OBJECT || G_TYPE_FUNDAMENTAL (type) == G_TYPE_INTERFACE) &&
      !G_TYPE_CHECK_INSTANCE_TYPE (pointer, type))
    {
      if (error == NULL)
        error = g_error_new (RELAY_ERROR, RELAY_ERROR_FAILED,
                             "The _finish() function returned a %s, not the %s it was declared to return",
                             G_OBJECT_TYPE_NAME (pointer), g_type_name (type));
      g_object_unref (pointer);
      pointer = NULL;
    }

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_STRING:
      g_value_take_string (&value, pointer);
      break;
    case G_TYPE_VARIANT:
      g_value_take_variant (&value, pointer);
      break;
    case G_TYPE_PARAM:
      g_value_take_param (&value, pointer);
      break;
    case G_TYPE_BOXED:
      g_value_take_boxed (&value, pointer);
      break;
    case G_TYPE_OBJECT:
    case G_TYPE_INTERFACE:
    default:
      g_value_take_object (&value, pointer);
      break;
    }

  if (error != NULL)
    settled = relay_promise_reject (promise, error);
  else
    settled = relay_promise_resolve (promise, &value);

  g_value_unset (&value);
  return settled;
}

/* ------------------------------------------------------------------------ */
/* The general bridge                                                       */
/* ------------------------------------------------------------------------ */

/**
 * relay_promise_settle_from_finish_pointer: (skip)
 * @self: the promise to settle
 * @source_object: (type GObject) (nullable): the source object the operation's
 *   callback received, passed on to @finish
 * @result: the result the operation's callback received
 * @type: the type of the value @finish returns: an object, interface, boxed,
 *   string, variant or param-spec type (%G_TYPE_FILE_INFO, %G_TYPE_BYTES,
 *   %G_TYPE_VARIANT, ...)
 * @finish: the operation's `_finish()` function, cast to
 *   [callback@Relay.FinishPointerFunc]
 *
 * Calls @finish and settles @self with its outcome: fulfilled with one value
 * of @type holding the returned pointer (%NULL too, if @finish returned %NULL
 * without an error), or rejected with the error @finish set. Use it in a
 * [callback@Gio.AsyncReadyCallback] of your own; [func@Relay.gio_ready] with
 * [func@Relay.gio_finish_pointer] needs none.
 *
 * The returned pointer is released if @self was already settled (cancelled,
 * say). An object that is not a @type rejects @self with %RELAY_ERROR_FAILED.
 * Any thread; call it where the operation called back.
 *
 * Returns: %TRUE if this call settled @self; %FALSE if @self was already settled
 */
gboolean
relay_promise_settle_from_finish_pointer (RelayPromise           *self,
                                          gpointer                source_object,
                                          GAsyncResult           *result,
                                          GType                   type,
                                          RelayFinishPointerFunc  finish)
{
  GError *error = NULL;
  gpointer pointer;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (source_object == NULL || G_IS_OBJECT (source_object), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);
  g_return_val_if_fail (pointer_type_is_supported (type), FALSE);
  g_return_val_if_fail (finish != NULL, FALSE);

  pointer = finish (source_object, result, &error);
  return settle_with_pointer (self, type, pointer, error);
}

/**
 * relay_promise_settle_from_finish_boolean: (skip)
 * @self: the promise to settle
 * @source_object: (type GObject) (nullable): the source object the operation's
 *   callback received, passed on to @finish
 * @result: the result the operation's callback received
 * @finish: the operation's `_finish()` function, cast to
 *   [callback@Relay.FinishBooleanFunc]
 *
 * Calls @finish and settles @self with its outcome: rejected with the error
 * @finish set, or else fulfilled with one %G_TYPE_BOOLEAN value, what @finish
 * returned. Use it in a [callback@Gio.AsyncReadyCallback] of your own;
 * [func@Relay.gio_ready] with [func@Relay.gio_finish_boolean] needs none. Any
 * thread; call it where the operation called back.
 *
 * Returns: %TRUE if this call settled @self; %FALSE if @self was already settled
 */
gboolean
relay_promise_settle_from_finish_boolean (RelayPromise           *self,
                                          gpointer                source_object,
                                          GAsyncResult           *result,
                                          RelayFinishBooleanFunc  finish)
{
  GError *error = NULL;
  gboolean value;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (source_object == NULL || G_IS_OBJECT (source_object), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);
  g_return_val_if_fail (finish != NULL, FALSE);

  value = finish (source_object, result, &error);
  if (error != NULL)
    return relay_promise_reject (self, error);
  return relay_promise_resolve_boolean (self, value);
}

/**
 * relay_promise_settle_from_finish_size: (skip)
 * @self: the promise to settle
 * @source_object: (type GObject) (nullable): the source object the operation's
 *   callback received, passed on to @finish
 * @result: the result the operation's callback received
 * @finish: the operation's `_finish()` function, cast to
 *   [callback@Relay.FinishSizeFunc]
 *
 * Calls @finish and settles @self with its outcome: rejected with the error
 * @finish set, or else fulfilled with one %G_TYPE_INT64 value, the #gssize
 * @finish returned. Use it in a [callback@Gio.AsyncReadyCallback] of your own;
 * [func@Relay.gio_ready] with [func@Relay.gio_finish_size] needs none. Any
 * thread; call it where the operation called back.
 *
 * Returns: %TRUE if this call settled @self; %FALSE if @self was already settled
 */
gboolean
relay_promise_settle_from_finish_size (RelayPromise        *self,
                                       gpointer             source_object,
                                       GAsyncResult        *result,
                                       RelayFinishSizeFunc  finish)
{
  GError *error = NULL;
  gssize value;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (source_object == NULL || G_IS_OBJECT (source_object), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);
  g_return_val_if_fail (finish != NULL, FALSE);

  value = finish (source_object, result, &error);
  if (error != NULL)
    return relay_promise_reject (self, error);
  return relay_promise_resolve_int64 (self, value);
}

typedef enum
{
  FINISH_POINTER,
  FINISH_BOOLEAN,
  FINISH_SIZE,
} FinishShape;

/* The user data of relay_gio_ready(). */
typedef struct
{
  GioCall      parent;
  FinishShape  shape;
  GType        type;
  union
  {
    RelayFinishPointerFunc pointer;
    RelayFinishBooleanFunc boolean;
    RelayFinishSizeFunc    size;
  } finish;
} FinishCall;

static FinishCall *
finish_call_new (RelayPromise *promise,
                 GCancellable *cancellable,
                 FinishShape   shape)
{
  FinishCall *call = g_new0 (FinishCall, 1);

  gio_call_init (&call->parent, FINISH_CALL_MAGIC, promise, cancellable);
  call->shape = shape;
  return call;
}

/**
 * relay_gio_finish_pointer: (skip)
 * @promise: the promise the operation will settle; a reference is kept until
 *   it has
 * @type: the type of the value @finish returns: an object, interface, boxed,
 *   string, variant or param-spec type (%G_TYPE_FILE_INFO, %G_TYPE_BYTES,
 *   %G_TYPE_VARIANT, ...)
 * @finish: the operation's `_finish()` function, cast to
 *   [callback@Relay.FinishPointerFunc]
 * @cancellable: (nullable): the caller's cancellable: cancelling it cancels
 *   @promise, and so the operation
 *
 * Makes the user data for [func@Relay.gio_ready], for a GIO call whose
 * `_finish()` function returns a pointer with transfer full. Pass the call
 * relay_promise_get_cancellable() of @promise, so that cancelling @promise
 * cancels the call:
 *
 * ```c
 * RelayPromise *promise = relay_promise_new ();
 * gpointer finisher =
 *   relay_gio_finish_pointer (promise, G_TYPE_BYTES,
 *                             (RelayFinishPointerFunc) g_input_stream_read_bytes_finish,
 *                             NULL);
 *
 * g_input_stream_read_bytes_async (stream, 4096, G_PRIORITY_DEFAULT,
 *                                  relay_promise_get_cancellable (promise),
 *                                  relay_gio_ready, finisher);
 * ```
 *
 * When the call completes, @promise is settled as by
 * [method@Relay.Promise.settle_from_finish_pointer]. The finish function must
 * take the source object first, as methods do. Any thread; the call's
 * callback, and so the settling, happens on the thread-default main context
 * of the thread that starts the call.
 *
 * Returns: (transfer full): the user data for [func@Relay.gio_ready], which
 *   frees it; give it to exactly one call
 */
gpointer
relay_gio_finish_pointer (RelayPromise           *promise,
                          GType                   type,
                          RelayFinishPointerFunc  finish,
                          GCancellable           *cancellable)
{
  FinishCall *call;

  g_return_val_if_fail (RELAY_IS_PROMISE (promise), NULL);
  g_return_val_if_fail (pointer_type_is_supported (type), NULL);
  g_return_val_if_fail (finish != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  call = finish_call_new (promise, cancellable, FINISH_POINTER);
  call->type = type;
  call->finish.pointer = finish;
  return call;
}

/**
 * relay_gio_finish_boolean: (skip)
 * @promise: the promise the operation will settle; a reference is kept until
 *   it has
 * @finish: the operation's `_finish()` function, cast to
 *   [callback@Relay.FinishBooleanFunc]
 * @cancellable: (nullable): the caller's cancellable: cancelling it cancels
 *   @promise, and so the operation
 *
 * Makes the user data for [func@Relay.gio_ready], for a GIO call whose
 * `_finish()` function returns a #gboolean; @promise is settled as by
 * [method@Relay.Promise.settle_from_finish_boolean]. See
 * [func@Relay.gio_finish_pointer]. Any thread.
 *
 * Returns: (transfer full): the user data for [func@Relay.gio_ready], which
 *   frees it; give it to exactly one call
 */
gpointer
relay_gio_finish_boolean (RelayPromise           *promise,
                          RelayFinishBooleanFunc  finish,
                          GCancellable           *cancellable)
{
  FinishCall *call;

  g_return_val_if_fail (RELAY_IS_PROMISE (promise), NULL);
  g_return_val_if_fail (finish != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  call = finish_call_new (promise, cancellable, FINISH_BOOLEAN);
  call->finish.boolean = finish;
  return call;
}

/**
 * relay_gio_finish_size: (skip)
 * @promise: the promise the operation will settle; a reference is kept until
 *   it has
 * @finish: the operation's `_finish()` function, cast to
 *   [callback@Relay.FinishSizeFunc]
 * @cancellable: (nullable): the caller's cancellable: cancelling it cancels
 *   @promise, and so the operation
 *
 * Makes the user data for [func@Relay.gio_ready], for a GIO call whose
 * `_finish()` function returns a #gssize; @promise is settled as by
 * [method@Relay.Promise.settle_from_finish_size]. See
 * [func@Relay.gio_finish_pointer]. Any thread.
 *
 * Returns: (transfer full): the user data for [func@Relay.gio_ready], which
 *   frees it; give it to exactly one call
 */
gpointer
relay_gio_finish_size (RelayPromise        *promise,
                       RelayFinishSizeFunc  finish,
                       GCancellable        *cancellable)
{
  FinishCall *call;

  g_return_val_if_fail (RELAY_IS_PROMISE (promise), NULL);
  g_return_val_if_fail (finish != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  call = finish_call_new (promise, cancellable, FINISH_SIZE);
  call->finish.size = finish;
  return call;
}

/**
 * relay_gio_ready: (skip)
 * @source_object: (nullable): the source object of the operation
 * @result: the result of the operation
 * @finisher: (transfer full): the user data made by
 *   [func@Relay.gio_finish_pointer], [func@Relay.gio_finish_boolean] or
 *   [func@Relay.gio_finish_size]
 *
 * A [callback@Gio.AsyncReadyCallback] that finishes a GIO call with the
 * finish function @finisher names and settles its promise; it frees
 * @finisher. GIO calls it on the thread-default main context of the thread
 * that started the call; the promise's handlers run on the promise's own
 * context.
 */
void
relay_gio_ready (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      finisher)
{
  FinishCall *call = finisher;
  RelayPromise *promise;

  g_return_if_fail (G_IS_ASYNC_RESULT (result));
  g_return_if_fail (call != NULL && call->parent.magic == FINISH_CALL_MAGIC);

  promise = call->parent.promise;
  switch (call->shape)
    {
    case FINISH_POINTER:
      relay_promise_settle_from_finish_pointer (promise, source_object, result,
                                                call->type, call->finish.pointer);
      break;
    case FINISH_BOOLEAN:
      relay_promise_settle_from_finish_boolean (promise, source_object, result,
                                                call->finish.boolean);
      break;
    case FINISH_SIZE:
    default:
      relay_promise_settle_from_finish_size (promise, source_object, result,
                                             call->finish.size);
      break;
    }

  gio_call_clear (&call->parent);
  g_free (call);
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */
/* ------------------------------------------------------------------------ */

static void
load_bytes_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  GioCall *call = data;
  GError *error = NULL;
  GBytes *bytes = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);

  settle_with_pointer (call->promise, G_TYPE_BYTES, bytes, error);
  gio_call_free (call);
}

/**
 * relay_file_load_bytes:
 * @file: the file to read
 * @cancellable: (nullable): cancelling it cancels the promise, and so the load
 *
 * Loads the whole contents of @file, as g_file_load_bytes_async() does. Any
 * thread: the promise belongs to the calling thread's thread-default main
 * context, where GIO calls back and the promise's handlers run.
 * [method@Relay.Promise.cancel] cancels the load.
 *
 * Returns: (transfer full): a promise fulfilled with one [struct@GLib.Bytes]
 *   value, the contents, or rejected with the GIO error (such as
 *   %G_IO_ERROR_NOT_FOUND)
 */
RelayPromise *
relay_file_load_bytes (GFile        *file,
                       GCancellable *cancellable)
{
  RelayPromise *promise;
  GioCall *call;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  promise = relay_promise_new ();
  call = gio_call_new (sizeof (GioCall), promise, cancellable);
  g_file_load_bytes_async (file, relay_promise_get_cancellable (promise), load_bytes_done, call);
  return promise;
}

static void
replace_contents_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  GioCall *call = data;
  GError *error = NULL;
  char *new_etag = NULL;

  g_file_replace_contents_finish (G_FILE (source), result, &new_etag, &error);
  settle_with_pointer (call->promise, G_TYPE_STRING, new_etag, error);
  gio_call_free (call);
}

/**
 * relay_file_replace_contents:
 * @file: the file to write
 * @contents: the new contents
 * @etag: (nullable): the entity tag @file is expected to have, or %NULL
 * @make_backup: whether to keep a backup of the old contents
 * @flags: how to create the file
 * @cancellable: (nullable): cancelling it cancels the promise, and so the write
 *
 * Replaces the contents of @file with @contents (safely, through a temporary
 * file), as g_file_replace_contents_bytes_async() does. Any thread: the
 * promise belongs to the calling thread's thread-default main context, where
 * GIO calls back and the promise's handlers run.
 * [method@Relay.Promise.cancel] cancels the write.
 *
 * Returns: (transfer full): a promise fulfilled with one %G_TYPE_STRING value,
 *   the new entity tag of @file (which may be %NULL), or rejected with the GIO
 *   error
 */
RelayPromise *
relay_file_replace_contents (GFile            *file,
                             GBytes           *contents,
                             const char       *etag,
                             gboolean          make_backup,
                             GFileCreateFlags  flags,
                             GCancellable     *cancellable)
{
  RelayPromise *promise;
  GioCall *call;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (contents != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  promise = relay_promise_new ();
  call = gio_call_new (sizeof (GioCall), promise, cancellable);
  g_file_replace_contents_bytes_async (file, contents, etag, make_backup, flags,
                                       relay_promise_get_cancellable (promise),
                                       replace_contents_done, call);
  return promise;
}

/**
 * relay_file_query_info:
 * @file: the file to query
 * @attributes: the attributes to query, such as `"standard::*"`
 * @flags: how to query (whether to follow symbolic links)
 * @io_priority: the I/O priority, such as %G_PRIORITY_DEFAULT
 * @cancellable: (nullable): cancelling it cancels the promise, and so the query
 *
 * Queries @attributes of @file, as g_file_query_info_async() does. Any thread:
 * the promise belongs to the calling thread's thread-default main context,
 * where GIO calls back and the promise's handlers run.
 * [method@Relay.Promise.cancel] cancels the query.
 *
 * Returns: (transfer full): a promise fulfilled with one [class@Gio.FileInfo]
 *   value, or rejected with the GIO error
 */
RelayPromise *
relay_file_query_info (GFile               *file,
                       const char          *attributes,
                       GFileQueryInfoFlags  flags,
                       int                  io_priority,
                       GCancellable        *cancellable)
{
  RelayPromise *promise;
  gpointer finisher;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (attributes != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  promise = relay_promise_new ();
  finisher = relay_gio_finish_pointer (promise, G_TYPE_FILE_INFO,
                                       (RelayFinishPointerFunc) g_file_query_info_finish,
                                       cancellable);
  g_file_query_info_async (file, attributes, flags, io_priority,
                           relay_promise_get_cancellable (promise),
                           relay_gio_ready, finisher);
  return promise;
}

/* Enumerating children: open, read in batches, close, then settle. */
typedef struct
{
  GioCall          parent;
  GFileEnumerator *enumerator;
  GListStore      *infos;
  int              io_priority;
} EnumerateCall;

#define ENUMERATE_BATCH 64

static void
enumerate_call_free (EnumerateCall *call)
{
  g_clear_object (&call->enumerator);
  g_clear_object (&call->infos);
  gio_call_free (&call->parent);
}

static void
enumerate_fail (EnumerateCall *call,
                GError        *error)
{
  relay_promise_reject (call->parent.promise, error);
  /* Close in the background rather than synchronously from dispose. */
  if (call->enumerator != NULL)
    g_file_enumerator_close_async (call->enumerator, call->io_priority, NULL, NULL, NULL);
  enumerate_call_free (call);
}

static void
enumerate_closed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  EnumerateCall *call = data;
  GError *error = NULL;

  if (g_file_enumerator_close_finish (call->enumerator, result, &error))
    settle_with_pointer (call->parent.promise, G_TYPE_LIST_MODEL,
                         g_object_ref (call->infos), NULL);
  else
    relay_promise_reject (call->parent.promise, error);
  enumerate_call_free (call);
}

static void enumerate_next (EnumerateCall *call);

static void
enumerate_got (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  EnumerateCall *call = data;
  GError *error = NULL;
  GList *infos = g_file_enumerator_next_files_finish (call->enumerator, result, &error);

  if (error != NULL)
    {
      enumerate_fail (call, error);
      return;
    }

  if (infos == NULL)
    {
      g_file_enumerator_close_async (call->enumerator, call->io_priority, NULL,
                                     enumerate_closed, call);
      return;
    }

  for (GList *l = infos; l != NULL; l = l->next)
    g_list_store_append (call->infos, l->data);
  g_list_free_full (infos, g_object_unref);
  enumerate_next (call);
}

static void
enumerate_next (EnumerateCall *call)
{
  g_file_enumerator_next_files_async (call->enumerator, ENUMERATE_BATCH, call->io_priority,
                                      relay_promise_get_cancellable (call->parent.promise),
                                      enumerate_got, call);
}

static void
enumerate_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  EnumerateCall *call = data;
  GError *error = NULL;

  call->enumerator = g_file_enumerate_children_finish (G_FILE (source), result, &error);
  if (call->enumerator == NULL)
    enumerate_fail (call, error);
  else
    enumerate_next (call);
}

/**
 * relay_file_enumerate_children:
 * @file: the directory to list
 * @attributes: the attributes to query for each child, such as
 *   `"standard::name,standard::type"`
 * @flags: how to query (whether to follow symbolic links)
 * @io_priority: the I/O priority, such as %G_PRIORITY_DEFAULT
 * @cancellable: (nullable): cancelling it cancels the promise, and so the listing
 *
 * Lists the children of the directory @file: g_file_enumerate_children_async(),
 * then g_file_enumerator_next_files_async() until the end, then
 * g_file_enumerator_close_async(). The promise settles once the whole
 * directory has been read and the enumerator closed. Any thread: the promise
 * belongs to the calling thread's thread-default main context, where GIO
 * calls back and the promise's handlers run. [method@Relay.Promise.cancel]
 * stops the listing.
 *
 * Each child is a [class@Gio.FileInfo] with @attributes; include
 * `standard::name` to get at the child with
 * `g_file_get_child (file, g_file_info_get_name (info))`. The order is the
 * file system's.
 *
 * Returns: (transfer full): a promise fulfilled with one [iface@Gio.ListModel]
 *   value (a [class@Gio.ListStore]) of [class@Gio.FileInfo], or rejected with
 *   the GIO error (%G_IO_ERROR_NOT_DIRECTORY, %G_IO_ERROR_NOT_FOUND, ...)
 */
RelayPromise *
relay_file_enumerate_children (GFile               *file,
                               const char          *attributes,
                               GFileQueryInfoFlags  flags,
                               int                  io_priority,
                               GCancellable        *cancellable)
{
  RelayPromise *promise;
  EnumerateCall *call;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (attributes != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  promise = relay_promise_new ();
  call = gio_call_new (sizeof (EnumerateCall), promise, cancellable);
  call->infos = g_list_store_new (G_TYPE_FILE_INFO);
  call->io_priority = io_priority;
  g_file_enumerate_children_async (file, attributes, flags, io_priority,
                                   relay_promise_get_cancellable (promise),
                                   enumerate_opened, call);
  return promise;
}

/* ------------------------------------------------------------------------ */
/* Streams                                                                  */
/* ------------------------------------------------------------------------ */

/**
 * relay_input_stream_read_bytes:
 * @stream: the stream to read from
 * @count: the most bytes to read
 * @io_priority: the I/O priority, such as %G_PRIORITY_DEFAULT
 * @cancellable: (nullable): cancelling it cancels the promise, and so the read
 *
 * Reads up to @count bytes from @stream, as g_input_stream_read_bytes_async()
 * does: as many as are available, fewer than @count at times. Any thread: the
 * promise belongs to the calling thread's thread-default main context, where
 * GIO calls back and the promise's handlers run.
 * [method@Relay.Promise.cancel] cancels the read.
 *
 * Returns: (transfer full): a promise fulfilled with one [struct@GLib.Bytes]
 *   value (empty at the end of the stream), or rejected with the GIO error
 */
RelayPromise *
relay_input_stream_read_bytes (GInputStream *stream,
                               gsize         count,
                               int           io_priority,
                               GCancellable *cancellable)
{
  RelayPromise *promise;
  gpointer finisher;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  promise = relay_promise_new ();
  finisher = relay_gio_finish_pointer (promise, G_TYPE_BYTES,
                                       (RelayFinishPointerFunc) g_input_stream_read_bytes_finish,
                                       cancellable);
  g_input_stream_read_bytes_async (stream, count, io_priority,
                                   relay_promise_get_cancellable (promise),
                                   relay_gio_ready, finisher);
  return promise;
}

/**
 * relay_output_stream_write_bytes:
 * @stream: the stream to write to
 * @bytes: the bytes to write
 * @io_priority: the I/O priority, such as %G_PRIORITY_DEFAULT
 * @cancellable: (nullable): cancelling it cancels the promise, and so the write
 *
 * Writes @bytes to @stream, as g_output_stream_write_bytes_async() does: one
 * write, which may take fewer bytes than offered; see
 * [func@Relay.output_stream_write_all_bytes] to write them all. Any thread:
 * the promise belongs to the calling thread's thread-default main context,
 * where GIO calls back and the promise's handlers run.
 * [method@Relay.Promise.cancel] cancels the write.
 *
 * Returns: (transfer full): a promise fulfilled with one %G_TYPE_INT64 value,
 *   the number of bytes written, or rejected with the GIO error
 */
RelayPromise *
relay_output_stream_write_bytes (GOutputStream *stream,
                                 GBytes        *bytes,
                                 int            io_priority,
                                 GCancellable  *cancellable)
{
  RelayPromise *promise;
  gpointer finisher;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), NULL);
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  promise = relay_promise_new ();
  finisher = relay_gio_finish_size (promise,
                                    (RelayFinishSizeFunc) g_output_stream_write_bytes_finish,
                                    cancellable);
  g_output_stream_write_bytes_async (stream, bytes, io_priority,
                                     relay_promise_get_cancellable (promise),
                                     relay_gio_ready, finisher);
  return promise;
}

typedef struct
{
  GioCall  parent;
  GBytes  *bytes;     /* the buffer being written */
} WriteAllCall;

static void
write_all_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  WriteAllCall *call = data;
  GError *error = NULL;
  gsize written = 0;

  if (g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, &error))
    relay_promise_resolve_int64 (call->parent.promise, written);
  else
    relay_promise_reject (call->parent.promise, error);

  g_bytes_unref (call->bytes);
  gio_call_free (&call->parent);
}

/**
 * relay_output_stream_write_all_bytes:
 * @stream: the stream to write to
 * @bytes: the bytes to write
 * @io_priority: the I/O priority, such as %G_PRIORITY_DEFAULT
 * @cancellable: (nullable): cancelling it cancels the promise, and so the write
 *
 * Writes all of @bytes to @stream, as g_output_stream_write_all_async() does.
 * Any thread: the promise belongs to the calling thread's thread-default main
 * context, where GIO calls back and the promise's handlers run.
 * [method@Relay.Promise.cancel] cancels the write.
 *
 * Returns: (transfer full): a promise fulfilled with one %G_TYPE_INT64 value,
 *   the size of @bytes, or rejected with the GIO error
 */
RelayPromise *
relay_output_stream_write_all_bytes (GOutputStream *stream,
                                     GBytes        *bytes,
                                     int            io_priority,
                                     GCancellable  *cancellable)
{
  RelayPromise *promise;
  WriteAllCall *call;
  gconstpointer data;
  gsize size;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), NULL);
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  promise = relay_promise_new ();
  call = gio_call_new (sizeof (WriteAllCall), promise, cancellable);
  call->bytes = g_bytes_ref (bytes);
  data = g_bytes_get_data (bytes, &size);
  g_output_stream_write_all_async (stream, data, size, io_priority,
                                   relay_promise_get_cancellable (promise),
                                   write_all_done, call);
  return promise;
}

/* ------------------------------------------------------------------------ */
/* Processes                                                                */
/* ------------------------------------------------------------------------ */

static void
communicate_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  GioCall *call = data;
  GError *error = NULL;
  GBytes *stdout_buf = NULL, *stderr_buf = NULL;

  if (g_subprocess_communicate_finish (G_SUBPROCESS (source), result,
                                       &stdout_buf, &stderr_buf, &error))
    {
      GValue values[2] = { G_VALUE_INIT, G_VALUE_INIT };

      g_value_init (&values[0], G_TYPE_BYTES);
      g_value_take_boxed (&values[0], stdout_buf);
      g_value_init (&values[1], G_TYPE_BYTES);
      g_value_take_boxed (&values[1], stderr_buf);
      relay_promise_resolve_values (call->promise, values, G_N_ELEMENTS (values));
      g_value_unset (&values[0]);
      g_value_unset (&values[1]);
    }
  else
    {
      relay_promise_reject (call->promise, error);
    }

  gio_call_free (call);
}

/**
 * relay_subprocess_communicate:
 * @subprocess: a process started with the pipes to use
 *   (%G_SUBPROCESS_FLAGS_STDIN_PIPE, %G_SUBPROCESS_FLAGS_STDOUT_PIPE,
 *   %G_SUBPROCESS_FLAGS_STDERR_PIPE)
 * @stdin_buf: (nullable): what to write to its standard input, which is then
 *   closed, or %NULL
 * @cancellable: (nullable): cancelling it cancels the promise, and so the
 *   communication (not the process)
 *
 * Writes @stdin_buf to @subprocess and reads its output until it exits, as
 * g_subprocess_communicate_async() does. Any thread: the promise belongs to
 * the calling thread's thread-default main context, where GIO calls back and
 * the promise's handlers run. [method@Relay.Promise.cancel] cancels the
 * communication; the process keeps running.
 *
 * Returns: (transfer full): a promise fulfilled with two [struct@GLib.Bytes]
 *   values, the standard output and the standard error (each %NULL if it was
 *   not a pipe), or rejected with the GIO error. A process that exits with an
 *   error status still fulfils it; see [func@Relay.subprocess_wait_check].
 */
RelayPromise *
relay_subprocess_communicate (GSubprocess  *subprocess,
                              GBytes       *stdin_buf,
                              GCancellable *cancellable)
{
  RelayPromise *promise;
  GioCall *call;

  g_return_val_if_fail (G_IS_SUBPROCESS (subprocess), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  promise = relay_promise_new ();
  call = gio_call_new (sizeof (GioCall), promise, cancellable);
  g_subprocess_communicate_async (subprocess, stdin_buf,
                                  relay_promise_get_cancellable (promise),
                                  communicate_done, call);
  return promise;
}

/**
 * relay_subprocess_wait_check:
 * @subprocess: a process
 * @cancellable: (nullable): cancelling it cancels the promise, and so the wait
 *   (not the process)
 *
 * Waits for @subprocess to exit and checks that it exited normally with
 * status 0, as g_subprocess_wait_check_async() does. Any thread: the promise
 * belongs to the calling thread's thread-default main context, where GIO
 * calls back and the promise's handlers run. [method@Relay.Promise.cancel]
 * cancels the wait; the process keeps running.
 *
 * Returns: (transfer full): a promise fulfilled with one %G_TYPE_BOOLEAN value,
 *   %TRUE, or rejected with the GIO error or a %G_SPAWN_EXIT_ERROR error
 *   whose code is the exit status
 */
RelayPromise *
relay_subprocess_wait_check (GSubprocess  *subprocess,
                             GCancellable *cancellable)
{
  RelayPromise *promise;
  gpointer finisher;

  g_return_val_if_fail (G_IS_SUBPROCESS (subprocess), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  promise = relay_promise_new ();
  finisher = relay_gio_finish_boolean (promise,
                                       (RelayFinishBooleanFunc) g_subprocess_wait_check_finish,
                                       cancellable);
  g_subprocess_wait_check_async (subprocess, relay_promise_get_cancellable (promise),
                                 relay_gio_ready, finisher);
  return promise;
}

/* ------------------------------------------------------------------------ */
/* Network and D-Bus                                                        */
/* ------------------------------------------------------------------------ */

/**
 * relay_socket_client_connect:
 * @client: the client, with its options (TLS, timeout, proxy) set
 * @connectable: what to connect to, such as a [class@Gio.NetworkAddress]
 * @cancellable: (nullable): cancelling it cancels the promise, and so the connection
 *
 * Connects to @connectable, as g_socket_client_connect_async() does. Any
 * thread: the promise belongs to the calling thread's thread-default main
 * context, where GIO calls back and the promise's handlers run.
 * [method@Relay.Promise.cancel] cancels the connection attempt.
 *
 * Returns: (transfer full): a promise fulfilled with one
 *   [class@Gio.SocketConnection] value, or rejected with the GIO error
 */
RelayPromise *
relay_socket_client_connect (GSocketClient      *client,
                             GSocketConnectable *connectable,
                             GCancellable       *cancellable)
{
  RelayPromise *promise;
  gpointer finisher;

  g_return_val_if_fail (G_IS_SOCKET_CLIENT (client), NULL);
  g_return_val_if_fail (G_IS_SOCKET_CONNECTABLE (connectable), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  promise = relay_promise_new ();
  finisher = relay_gio_finish_pointer (promise, G_TYPE_SOCKET_CONNECTION,
                                       (RelayFinishPointerFunc) g_socket_client_connect_finish,
                                       cancellable);
  g_socket_client_connect_async (client, connectable, relay_promise_get_cancellable (promise),
                                 relay_gio_ready, finisher);
  return promise;
}

/**
 * relay_socket_client_connect_to_host:
 * @client: the client, with its options (TLS, timeout, proxy) set
 * @host_and_port: the host name or address, with an optional `:port`
 * @default_port: the port to use if @host_and_port has none
 * @cancellable: (nullable): cancelling it cancels the promise, and so the connection
 *
 * Connects to a host, as g_socket_client_connect_to_host_async() does. Any
 * thread: the promise belongs to the calling thread's thread-default main
 * context, where GIO calls back and the promise's handlers run.
 * [method@Relay.Promise.cancel] cancels the connection attempt.
 *
 * Returns: (transfer full): a promise fulfilled with one
 *   [class@Gio.SocketConnection] value, or rejected with the GIO error
 */
RelayPromise *
relay_socket_client_connect_to_host (GSocketClient *client,
                                     const char    *host_and_port,
                                     guint16        default_port,
                                     GCancellable  *cancellable)
{
  RelayPromise *promise;
  gpointer finisher;

  g_return_val_if_fail (G_IS_SOCKET_CLIENT (client), NULL);
  g_return_val_if_fail (host_and_port != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  promise = relay_promise_new ();
  finisher = relay_gio_finish_pointer (promise, G_TYPE_SOCKET_CONNECTION,
                                       (RelayFinishPointerFunc) g_socket_client_connect_to_host_finish,
                                       cancellable);
  g_socket_client_connect_to_host_async (client, host_and_port, default_port,
                                         relay_promise_get_cancellable (promise),
                                         relay_gio_ready, finisher);
  return promise;
}

static void
lookup_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  GioCall *call = data;
  GError *error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  GListStore *store = NULL;

  if (error == NULL)
    {
      store = g_list_store_new (G_TYPE_INET_ADDRESS);
      for (GList *l = addresses; l != NULL; l = l->next)
        g_list_store_append (store, l->data);
    }
  g_resolver_free_addresses (addresses);

  settle_with_pointer (call->promise, G_TYPE_LIST_MODEL, store, error);
  gio_call_free (call);
}

/**
 * relay_resolver_lookup_by_name:
 * @resolver: (nullable): the resolver, or %NULL for g_resolver_get_default()
 * @hostname: the host name to look up (an IP address is returned as is)
 * @cancellable: (nullable): cancelling it cancels the promise, and so the lookup
 *
 * Resolves @hostname to its addresses, as g_resolver_lookup_by_name_async()
 * does. Any thread: the promise belongs to the calling thread's
 * thread-default main context, where GIO calls back and the promise's
 * handlers run. [method@Relay.Promise.cancel] cancels the lookup.
 *
 * Returns: (transfer full): a promise fulfilled with one [iface@Gio.ListModel]
 *   value (a [class@Gio.ListStore]) of [class@Gio.InetAddress], in the
 *   resolver's order, or rejected with the %G_RESOLVER_ERROR or GIO error
 */
RelayPromise *
relay_resolver_lookup_by_name (GResolver    *resolver,
                               const char   *hostname,
                               GCancellable *cancellable)
{
  g_autoptr(GResolver) used = NULL;
  RelayPromise *promise;
  GioCall *call;

  g_return_val_if_fail (resolver == NULL || G_IS_RESOLVER (resolver), NULL);
  g_return_val_if_fail (hostname != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  used = resolver != NULL ? g_object_ref (resolver) : g_resolver_get_default ();
  promise = relay_promise_new ();
  call = gio_call_new (sizeof (GioCall), promise, cancellable);
  g_resolver_lookup_by_name_async (used, hostname, relay_promise_get_cancellable (promise),
                                   lookup_done, call);
  return promise;
}

/**
 * relay_dbus_connection_call:
 * @connection: the connection
 * @bus_name: (nullable): the unique or well-known name of the peer, or %NULL
 *   on a peer-to-peer connection
 * @object_path: the path of the remote object
 * @interface_name: the D-Bus interface of the method
 * @method_name: the name of the method
 * @parameters: (nullable): the arguments, as a tuple; a floating reference is
 *   consumed
 * @reply_type: (nullable): the expected type of the reply (a tuple), or %NULL
 *   not to check it
 * @flags: the call flags
 * @timeout_msec: the timeout in milliseconds, -1 for the default, %G_MAXINT
 *   for none
 * @cancellable: (nullable): cancelling it cancels the promise, and so the call
 *
 * Calls a D-Bus method, as g_dbus_connection_call() does. Any thread: the
 * promise belongs to the calling thread's thread-default main context, where
 * GIO calls back and the promise's handlers run.
 * [method@Relay.Promise.cancel] cancels the call (the peer is not told).
 *
 * Returns: (transfer full): a promise fulfilled with one %G_TYPE_VARIANT
 *   value, the reply tuple, or rejected with the GIO or D-Bus error (a
 *   remote error has the %G_DBUS_ERROR domain when it is known)
 */
RelayPromise *
relay_dbus_connection_call (GDBusConnection    *connection,
                            const char         *bus_name,
                            const char         *object_path,
                            const char         *interface_name,
                            const char         *method_name,
                            GVariant           *parameters,
                            const GVariantType *reply_type,
                            GDBusCallFlags      flags,
                            int                 timeout_msec,
                            GCancellable       *cancellable)
{
  RelayPromise *promise;
  gpointer finisher;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (object_path != NULL, NULL);
  g_return_val_if_fail (interface_name != NULL, NULL);
  g_return_val_if_fail (method_name != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  promise = relay_promise_new ();
  finisher = relay_gio_finish_pointer (promise, G_TYPE_VARIANT,
                                       (RelayFinishPointerFunc) g_dbus_connection_call_finish,
                                       cancellable);
  g_dbus_connection_call (connection, bus_name, object_path, interface_name, method_name,
                          parameters, reply_type, flags, timeout_msec,
                          relay_promise_get_cancellable (promise),
                          relay_gio_ready, finisher);
  return promise;
}
