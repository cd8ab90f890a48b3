/* relay-promise.h: a GObject promise that settles once and runs its handlers on its
 * main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(RELAY_INSIDE) && !defined(RELAY_COMPILATION)
# error "Only <relay/relay.h> can be included directly."
#endif

#include <gio/gio.h>
#include "relay-version.h"

G_BEGIN_DECLS

/**
 * RelayPromiseState:
 * @RELAY_PROMISE_STATE_PENDING: not settled yet
 * @RELAY_PROMISE_STATE_FULFILLED: settled with zero or more values
 * @RELAY_PROMISE_STATE_REJECTED: settled with a #GError
 *
 * The state of a [class@Relay.Promise]. A promise leaves %RELAY_PROMISE_STATE_PENDING
 * exactly once and never changes state again.
 */
typedef enum {
  RELAY_PROMISE_STATE_PENDING,
  RELAY_PROMISE_STATE_FULFILLED,
  RELAY_PROMISE_STATE_REJECTED,
} RelayPromiseState;

#define RELAY_TYPE_PROMISE (relay_promise_get_type ())

RELAY_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (RelayPromise, relay_promise, RELAY, PROMISE, GObject)

/**
 * RelayPromiseFunc:
 * @promise: the settled promise the handler was added to; read its outcome with
 *   [method@Relay.Promise.get_value] or [method@Relay.Promise.get_error]
 * @user_data: the data passed with the handler
 *
 * A handler added with [method@Relay.Promise.then], [method@Relay.Promise.catch],
 * [method@Relay.Promise.chain], [method@Relay.Promise.finally] or
 * [method@Relay.Promise.catch_error]. It runs on the main context of @promise,
 * from Relay's dispatcher, after @promise settled.
 *
 * What the handler returns becomes the outcome of the promise that `then()`
 * & co. returned (the derived promise), as in JavaScript:
 *
 * - a promise (of any context, settled or not): the derived promise adopts
 *   it, settling as it does;
 * - %NULL: the derived promise is fulfilled with no values, as a JavaScript
 *   handler that returns `undefined` fulfils with `undefined`. A
 *   [method@Relay.Promise.catch] handler that returns %NULL has handled the
 *   error; a [method@Relay.Promise.finally] handler that returns %NULL has
 *   nothing for the outcome to wait for.
 *
 * To pass the values of @promise on unchanged, return `g_object_ref (promise)`;
 * to fail, return [ctor@Relay.Promise.new_rejected].
 *
 * Returns: (transfer full) (nullable): a promise for the derived promise to
 *   adopt, or %NULL for "fulfilled with no values"
 */
typedef RelayPromise *(*RelayPromiseFunc) (RelayPromise *promise,
                                           gpointer      user_data);

/**
 * RelayPromiseTapFunc:
 * @promise: the settled promise
 * @user_data: the data passed with the handler
 *
 * An observer added with [method@Relay.Promise.tap]. It runs on the main context
 * of @promise and cannot change the outcome.
 */
typedef void (*RelayPromiseTapFunc) (RelayPromise *promise,
                                     gpointer      user_data);

/**
 * RelayValueFunc:
 * @value: (nullable): the first value the promise was fulfilled with, or %NULL if
 *   it was fulfilled with no values
 * @user_data: the data passed with the callback
 *
 * Receives the value of a fulfilled promise; see [method@Relay.Promise.then_values].
 */
typedef void (*RelayValueFunc) (const GValue *value,
                                gpointer      user_data);

/**
 * RelayErrorFunc:
 * @error: the error the promise was rejected with
 * @user_data: the data passed with the callback
 *
 * Receives the error of a rejected promise; see [method@Relay.Promise.then_values].
 */
typedef void (*RelayErrorFunc) (const GError *error,
                                gpointer      user_data);

/**
 * RelayMapFlags:
 * @RELAY_MAP_FLAGS_NONE: the first rejection rejects the map and cancels the
 *   rest
 * @RELAY_MAP_SETTLE_ALL: every item runs whatever happens to the others; the
 *   map is fulfilled with the settled promises
 *
 * How [func@Relay.Promise.map] treats a rejection.
 */
typedef enum /*< flags >*/ {
  RELAY_MAP_FLAGS_NONE = 0,
  RELAY_MAP_SETTLE_ALL = 1 << 0,
} RelayMapFlags;

/**
 * RelayMapFunc:
 * @item: the item
 * @index: its index in the items given to [func@Relay.Promise.map]
 * @user_data: the data passed to [func@Relay.Promise.map]
 *
 * Starts the work for one item of [func@Relay.Promise.map], on the map's
 * context.
 *
 * Returns: (transfer full) (nullable): a promise for the item's result, or
 *   %NULL for one fulfilled with no values
 */
typedef RelayPromise *(*RelayMapFunc) (const GValue *item,
                                       guint         index,
                                       gpointer      user_data);

/**
 * RelayReduceFunc:
 * @accumulator: the settled accumulator so far
 * @item: the settled next input
 * @user_data: the data passed to [func@Relay.Promise.reduce]
 *
 * Folds one input into the accumulator of [func@Relay.Promise.reduce], on the
 * reduction's context.
 *
 * Returns: (transfer full) (nullable): a promise for the next accumulator, or
 *   %NULL for one fulfilled with no values
 */
typedef RelayPromise *(*RelayReduceFunc) (RelayPromise *accumulator,
                                          RelayPromise *item,
                                          gpointer      user_data);

/* Construction */
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_new                 (void);
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_new_for_context     (GMainContext        *context);
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_new_resolved        (const GValue        *value);
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_new_resolved_values (const GValue        *values,
                                                      guint                n_values);
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_new_rejected        (GError              *error);
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_new_delay           (guint                milliseconds);

/* Settling (any thread) */
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_resolve             (RelayPromise        *self,
                                                      const GValue        *value);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_resolve_values      (RelayPromise        *self,
                                                      const GValue        *values,
                                                      guint                n_values);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_resolve_boolean     (RelayPromise        *self,
                                                      gboolean             value);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_resolve_int64       (RelayPromise        *self,
                                                      gint64               value);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_resolve_double      (RelayPromise        *self,
                                                      double               value);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_resolve_string      (RelayPromise        *self,
                                                      const char          *value);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_resolve_object      (RelayPromise        *self,
                                                      gpointer             object);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_resolve_pointer     (RelayPromise        *self,
                                                      gpointer             pointer,
                                                      GDestroyNotify       destroy);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_reject              (RelayPromise        *self,
                                                      GError              *error);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_reject_literal      (RelayPromise        *self,
                                                      GQuark               domain,
                                                      int                  code,
                                                      const char          *message);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_cancel              (RelayPromise        *self);

/* Outcome */
RELAY_AVAILABLE_IN_1_0
RelayPromiseState  relay_promise_get_state           (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_is_pending          (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
guint              relay_promise_get_n_values        (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
const GValue      *relay_promise_get_value           (RelayPromise        *self,
                                                      guint                index);
RELAY_AVAILABLE_IN_1_0
const GValue      *relay_promise_get_values          (RelayPromise        *self,
                                                      guint               *n_values);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_get_boolean         (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
gint64             relay_promise_get_int64           (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
double             relay_promise_get_double          (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
const char        *relay_promise_get_string          (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
gpointer           relay_promise_get_object          (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
gpointer           relay_promise_get_pointer         (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
const GError      *relay_promise_get_error           (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
GError          **relay_promise_dup_errors          (RelayPromise        *self,
                                                      guint               *n_errors);
RELAY_AVAILABLE_IN_1_0
GMainContext      *relay_promise_get_context         (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
GCancellable      *relay_promise_get_cancellable     (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
int                relay_promise_get_priority        (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
void               relay_promise_set_priority        (RelayPromise        *self,
                                                      int                  priority);

/* Progress (reported from any thread, delivered coalesced on the main context) */
RELAY_AVAILABLE_IN_1_0
void               relay_promise_report_progress     (RelayPromise        *self,
                                                      double               fraction,
                                                      const char          *text);
RELAY_AVAILABLE_IN_1_0
double             relay_promise_get_progress        (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
char              *relay_promise_dup_progress_text   (RelayPromise        *self);

/* Handlers */
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_then                (RelayPromise        *self,
                                                      RelayPromiseFunc     on_fulfilled,
                                                      gpointer             user_data,
                                                      GDestroyNotify       destroy) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_catch               (RelayPromise        *self,
                                                      RelayPromiseFunc     on_rejected,
                                                      gpointer             user_data,
                                                      GDestroyNotify       destroy) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_chain               (RelayPromise        *self,
                                                      RelayPromiseFunc     on_fulfilled,
                                                      RelayPromiseFunc     on_rejected,
                                                      gpointer             user_data,
                                                      GDestroyNotify       destroy) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_finally             (RelayPromise        *self,
                                                      RelayPromiseFunc     on_settled,
                                                      gpointer             user_data,
                                                      GDestroyNotify       destroy) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_catch_error         (RelayPromise        *self,
                                                      GQuark               domain,
                                                      int                  code,
                                                      RelayPromiseFunc     on_rejected,
                                                      gpointer             user_data,
                                                      GDestroyNotify       destroy) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_tap                 (RelayPromise        *self,
                                                      RelayPromiseTapFunc  observer,
                                                      gpointer             user_data,
                                                      GDestroyNotify       destroy) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
void               relay_promise_disown              (RelayPromise        *self);
RELAY_AVAILABLE_IN_1_0
void               relay_promise_then_values         (RelayPromise        *self,
                                                      RelayValueFunc       on_value,
                                                      gpointer             value_data,
                                                      GDestroyNotify       value_destroy,
                                                      RelayErrorFunc       on_error,
                                                      gpointer             error_data,
                                                      GDestroyNotify       error_destroy);
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_timeout             (RelayPromise        *self,
                                                      guint                milliseconds) G_GNUC_WARN_UNUSED_RESULT;

/* Combinators */
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_all                 (RelayPromise       **promises,
                                                      guint                n_promises) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_all_settled         (RelayPromise       **promises,
                                                      guint                n_promises) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_any                 (RelayPromise       **promises,
                                                      guint                n_promises) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_race                (RelayPromise       **promises,
                                                      guint                n_promises) G_GNUC_WARN_UNUSED_RESULT;

RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_map                 (const GValue        *items,
                                                      guint                n_items,
                                                      guint                max_in_flight,
                                                      RelayMapFlags        flags,
                                                      RelayMapFunc         func,
                                                      gpointer             user_data,
                                                      GDestroyNotify       destroy) G_GNUC_WARN_UNUSED_RESULT;
RELAY_AVAILABLE_IN_1_0
RelayPromise      *relay_promise_reduce              (RelayPromise       **promises,
                                                      guint                n_promises,
                                                      const GValue        *initial,
                                                      RelayReduceFunc      func,
                                                      gpointer             user_data,
                                                      GDestroyNotify       destroy) G_GNUC_WARN_UNUSED_RESULT;

/* Dispatch */
RELAY_AVAILABLE_IN_1_0
void               relay_main_context_set_dispatch_budget (GMainContext *context,
                                                           guint         budget_usec);
RELAY_AVAILABLE_IN_1_0
guint              relay_main_context_get_dispatch_budget (GMainContext *context);

/* GIO */
RELAY_AVAILABLE_IN_1_0
void               relay_promise_wait_async          (RelayPromise        *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
RELAY_AVAILABLE_IN_1_0
GValue            *relay_promise_wait_finish         (RelayPromise        *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);
RELAY_AVAILABLE_IN_1_0
gboolean           relay_promise_wait                (RelayPromise        *self,
                                                      GCancellable        *cancellable,
                                                      GError             **error);
RELAY_AVAILABLE_IN_1_0
void               relay_promise_settle_from_task    (RelayPromise        *self,
                                                      GAsyncResult        *result);
RELAY_AVAILABLE_IN_1_0
void               relay_promise_async_ready_callback (GObject            *source_object,
                                                      GAsyncResult        *result,
                                                      gpointer             promise);
RELAY_AVAILABLE_IN_1_0
void               relay_promise_return_to_task      (RelayPromise        *self,
                                                      GTask               *task);


G_END_DECLS
