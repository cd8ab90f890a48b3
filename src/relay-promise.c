/* relay-promise.c: the promise's core — its state, settling, reactions,
 * cancellation and the GObject type
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The promise is split by job; this file owns the state machine. The other
 * files (see relay-promise-private.h for who owns which field):
 *   relay-promise-values.c       typed resolve/reject and reading the outcome
 *   relay-promise-handlers.c     then, catch, finally, tap, adoption and its cycle check
 *   relay-promise-progress.c     progress reports from any thread, coalesced
 *   relay-promise-timers.c       new_delay and timeout
 *   relay-promise-gio.c          wait, wait_async and GTask in both directions
 *   relay-promise-combinators.c  all, all_settled, any, race
 */

/**
 * RelayPromise:
 *
 * The eventual outcome of some work: zero or more values, or a [struct@GLib.Error].
 *
 * A promise is created pending and settles exactly once, from any thread:
 * [method@Relay.Promise.resolve] and friends fulfil it, [method@Relay.Promise.reject]
 * and [method@Relay.Promise.cancel] reject it. The first settle wins and returns
 * %TRUE; every later one returns %FALSE and changes nothing.
 *
 * Handlers added with [method@Relay.Promise.then], [method@Relay.Promise.catch] and
 * the others run once the promise has settled, on the promise's main context (the
 * thread-default context of the thread that created it), in the order they were
 * added, and never synchronously inside the call that added them or settled the
 * promise: they run from Relay's dispatcher, one [struct@GLib.Source] per context.
 * Each of those methods returns a new promise for the handler's result, so
 * promises chain:
 *
 * ```c
 * static RelayPromise *
 * on_sum (RelayPromise *promise, gpointer user_data)
 * {
 *   g_print ("got val: %d\n", relay_promise_get_int64 (promise));   // main thread
 *   return NULL;                       // NULL: pass the values on unchanged
 * }
 *
 * static RelayPromise *
 * on_error (RelayPromise *promise, gpointer user_data)
 * {
 *   g_print ("err: %s\n", relay_promise_get_error (promise)->message);
 *   return NULL;                       // NULL: the error is handled
 * }
 *
 * static void
 * sum (RelayJob *job, gpointer user_data)
 * {
 *   g_usleep (3 * G_USEC_PER_SEC);     // a worker thread
 *   relay_job_return_int64 (job, 4 + 5);
 * }
 *
 * g_autoptr(RelayPromise) work = relay_run_in_thread (NULL, sum, NULL, NULL);
 * g_autoptr(RelayPromise) shown = relay_promise_then (work, on_sum, NULL, NULL);
 * g_autoptr(RelayPromise) done = relay_promise_catch (shown, on_error, NULL, NULL);
 * ```
 *
 * A handler reads the settled promise it is given with
 * [method@Relay.Promise.get_value] or [method@Relay.Promise.get_error]. It may
 * return another promise (of any context, settled or not) for the derived promise
 * to adopt; a promise asked to adopt itself, directly or through a chain that
 * waits on it, is rejected with %RELAY_ERROR_CYCLE.
 *
 * ## Threads
 *
 * Settling, cancelling, adding handlers and reading the outcome are safe from any
 * thread. Handlers, `notify` for [property@Relay.Promise:state] and progress
 * notifications run only on the promise's context. Derived promises belong to
 * the same context as their source.
 *
 * A promise holds a reference to its context, as a [class@Gio.Task] does: the
 * context is not finalized while any of its promises exists, and
 * [method@Relay.Promise.get_context] never hands out a dead one. Handlers run
 * only while somebody iterates that context. If its thread stops iterating
 * it for good, the handlers queued there never run, and the promises and
 * the context stay alive until they are dropped (a settled promise queued
 * for dispatch holds itself until it is dispatched, as a GTask that returned
 * does): cancel or settle the work, and iterate the context until it is idle
 * (or drop every reference to the promises) before a thread that owns a
 * context exits. Nothing Relay does from another thread needs that context's
 * lock: timers a promise needs are attached by the context's own thread.
 *
 * ## Destroy notifies
 *
 * User data given with a handler is released on the promise's context after
 * the handler ran, or, if it can never run (the promise was abandoned), on
 * that context's thread too. A pointer value's destroy notify
 * ([method@Relay.Promise.resolve_pointer]) runs when the last promise holding
 * the value is finalized, on whichever thread drops it.
 *
 * ## Cancellation
 *
 * [method@Relay.Promise.cancel] rejects a pending promise with
 * %G_IO_ERROR_CANCELLED and cancels its [class@Gio.Cancellable], which producers
 * such as pool jobs watch. Cancellation then travels *up* the chain: the promise
 * a cancelled promise was derived from (or was adopting, or, for combinators,
 * each input) is cancelled too if nothing else consumes it — no other handler,
 * derived promise or waiter was added to it. A source still used by others keeps
 * running. It travels *down* like any rejection: derived promises see
 * %G_IO_ERROR_CANCELLED.
 *
 * ## Unhandled rejections
 *
 * A promise that is rejected and reaches its dispatch with no handler or derived
 * promise attached, or is finalized that way, is reported once with a
 * g_warning() in the `Relay` log domain carrying the error's message, as
 * JavaScript engines report unhandled rejections. Adding a handler before the
 * dispatch silences it. Cancellation (%G_IO_ERROR_CANCELLED) and abandonment
 * (%RELAY_ERROR_ABANDONED) are never reported.
 *
 * ## Abandoned promises
 *
 * A pending promise whose last reference is dropped can never settle. Its
 * handlers do not run; the promises derived from it are rejected with
 * %RELAY_ERROR_ABANDONED so that nothing waits forever.
 */

#include "config.h"

#include <string.h>

#include "relay-enums.h"
#include "relay-error.h"
#include "relay-promise-private.h"
#include "relay-sync-private.h"

G_DEFINE_FINAL_TYPE (RelayPromise, relay_promise, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_CONTEXT,
  PROP_PRIORITY,
  PROP_PROGRESS,
  PROP_PROGRESS_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static guint notify_signal_id;

static void settled_task_func  (RelayTask *task, gboolean dispatch);
static void queue_settled_task (RelayPromise *self);

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */




/* Cancellation and abandonment are deliberate: never reported as unhandled. */
static gboolean
is_reportable (const GError *error)
{
  return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
         !g_error_matches (error, RELAY_ERROR, RELAY_ERROR_ABANDONED);
}

PromiseExtra *
_relay_promise_ensure_extra_locked (RelayPromise *self)
{
  if (self->extra == NULL)
    {
      PromiseExtra *extra = g_new0 (PromiseExtra, 1);

      extra->progress_task.func = _relay_promise_progress_task_func;
      extra->owner = self;
      extra->priority = G_PRIORITY_DEFAULT;
      /* Published atomically: report_progress() reads it without the lock. */
      g_atomic_pointer_set (&self->extra, extra);
    }

  return self->extra;
}

/* Prints the unhandled-rejection warning once. */
static void
report_unhandled (RelayPromise *self)
{
  gboolean report;

  if (_relay_promise_state (self) != RELAY_PROMISE_STATE_REJECTED)
    return;

  _relay_promise_lock (self);
  report = !_relay_promise_has_flag (self, (FLAG_HANDLED | FLAG_REPORTED)) &&
           _relay_promise_state (self) == RELAY_PROMISE_STATE_REJECTED &&
           is_reportable (self->error);
  if (report)
    _relay_promise_set_flag (self, FLAG_REPORTED);
  _relay_promise_unlock (self);

  if (report)
    g_warning ("Unhandled promise rejection: %s (%s, %d)",
               self->error->message,
               g_quark_to_string (self->error->domain),
               self->error->code);
}

/* ------------------------------------------------------------------------ */
/* Reactions                                                                */
/* ------------------------------------------------------------------------ */

static void
reaction_free (RelayReaction *reaction)
{
  reaction->klass->free (reaction);
}

/* Clears @reaction's back link, if it still points at @source. */
static void
reaction_unlink (RelayReaction *reaction,
                 RelayPromise  *source)
{
  RelayPromise *derived = reaction->derived;

  if (derived == NULL || reaction->back_link == NULL)
    return;

  _relay_promise_lock (derived);
  if (*reaction->back_link == source)
    *reaction->back_link = NULL;
  _relay_promise_unlock (derived);
}

void
_relay_promise_unlink (RelayReaction *reaction,
                       RelayPromise  *source)
{
  reaction_unlink (reaction, source);
}

/* Internal reactions (adoption, combinators, timeouts, waits) run no user
 * code, so they run at once on the thread that settles their source (or adds
 * them to a settled one), never through a dispatcher: a promise that adopts a
 * promise of another context settles whether or not that context runs.
 *
 * Running them directly would recurse along chains of adoptions (a million
 * promises each adopting the next), so each thread has a queue: the first
 * internal reaction on a thread runs the queue until it is empty, and the
 * ones it triggers are appended instead of called. A loop, never recursion. */
typedef struct
{
  RelayReaction *reaction;
  RelayPromise  *source;      /* owned */
  gboolean       abandon;     /* call abandon instead of run */
} InternalItem;

typedef struct
{
  GArray   *items;
  guint     next;
  gboolean  draining;
} InternalQueue;

static void
internal_queue_free (gpointer data)
{
  InternalQueue *queue = data;

  g_array_unref (queue->items);
  g_free (queue);
}

static GPrivate internal_queue = G_PRIVATE_INIT (internal_queue_free);

static void
run_internal (RelayReaction *reaction,
              RelayPromise  *source,
              gboolean       abandon)
{
  InternalQueue *queue = g_private_get (&internal_queue);
  InternalItem item = { reaction, g_object_ref (source), abandon };

  if (queue == NULL)
    {
      queue = g_new0 (InternalQueue, 1);
      queue->items = g_array_new (FALSE, FALSE, sizeof (InternalItem));
      g_private_set (&internal_queue, queue);
    }

  g_array_append_val (queue->items, item);
  if (queue->draining)
    return;

  queue->draining = TRUE;
  while (queue->next < queue->items->len)
    {
      /* A copy: running may append, which may move the array. */
      item = g_array_index (queue->items, InternalItem, queue->next++);

      if (item.abandon)
        item.reaction->klass->abandon (item.reaction, item.source);
      else
        item.reaction->klass->run (item.reaction, item.source);
      reaction_free (item.reaction);
      g_object_unref (item.source);
    }
  g_array_set_size (queue->items, 0);
  queue->next = 0;
  queue->draining = FALSE;
}

/* The context of @source is gone, so a handler will never run: its derived
 * promise must not wait forever, nor keep a link to @source. */
static void
reaction_drop (RelayReaction *reaction,
               RelayPromise  *source)
{
  reaction_unlink (reaction, source);
  if (reaction->derived != NULL)
    _relay_promise_reject_code (reaction->derived, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                "The promise's main context was finalized before its handler could run");
}

/* Runs a list of user reactions in order, from the dispatcher (or drops them
 * when the context is gone). */
static void
run_reactions (RelayReaction *list,
               RelayPromise  *source,
               gboolean       dispatch)
{
  while (list != NULL)
    {
      RelayReaction *next = list->next;

      list->next = NULL;
      if (dispatch)
        list->klass->run (list, source);
      else
        reaction_drop (list, source);
      reaction_free (list);
      list = next;
    }
}

/* Adds @reaction to @self's list, which is newest first; lock held. */
static void
append_reaction_locked (RelayPromise  *self,
                        RelayReaction *reaction)
{
  reaction->next = self->reactions;
  self->reactions = reaction;
}

/* Turns a newest-first list into the order the reactions were added in. */
static RelayReaction *
reverse_reactions (RelayReaction *list)
{
  RelayReaction *reversed = NULL;

  while (list != NULL)
    {
      RelayReaction *next = list->next;

      list->next = reversed;
      reversed = list;
      list = next;
    }

  return reversed;
}

/*
 * _relay_promise_add_reaction:
 * @reaction: (transfer full)
 *
 * Attaches @reaction: kept while @self is pending; once it has settled, an
 * internal reaction runs at once on the calling thread, a user one from the
 * dispatcher, after every user reaction added before it.
 */
void
_relay_promise_add_reaction (RelayPromise  *self,
                             RelayReaction *reaction)
{
  gboolean post = FALSE, run_now = FALSE;

  reaction->next = NULL;

  _relay_promise_lock (self);

  _relay_promise_set_flag (self, FLAG_HANDLED);
  if (_relay_promise_state (self) == RELAY_PROMISE_STATE_PENDING)
    {
      if (reaction->consumer)
        self->n_consumers++;
      append_reaction_locked (self, reaction);
    }
  else if (reaction->klass->internal)
    {
      run_now = TRUE;
    }
  else
    {
      /* Appending to the list rather than posting the reaction alone keeps
       * handlers in the order they were added, whichever thread adds them. */
      append_reaction_locked (self, reaction);
      if (!_relay_promise_has_flag (self, FLAG_TASK_QUEUED))
        {
          _relay_promise_set_flag (self, FLAG_TASK_QUEUED);
          post = TRUE;
        }
    }

  _relay_promise_unlock (self);

  if (run_now)
    run_internal (reaction, self, FALSE);
  if (post)
    queue_settled_task (self);
}

/*
 * _relay_promise_add_reaction_if_pending:
 * @reaction: (transfer full)
 *
 * Like _relay_promise_add_reaction(), but if @self has settled, returns
 * %FALSE without running @reaction: the caller runs it with
 * _relay_promise_run_reaction() once it released its own locks.
 */
gboolean
_relay_promise_add_reaction_if_pending (RelayPromise  *self,
                                        RelayReaction *reaction)
{
  gboolean added = FALSE;

  g_assert (reaction->klass->internal);
  reaction->next = NULL;

  _relay_promise_lock (self);
  _relay_promise_set_flag (self, FLAG_HANDLED);
  if (_relay_promise_state (self) == RELAY_PROMISE_STATE_PENDING)
    {
      if (reaction->consumer)
        self->n_consumers++;
      append_reaction_locked (self, reaction);
      added = TRUE;
    }
  _relay_promise_unlock (self);

  return added;
}

/* Something consumed @self's outcome: its rejection is not unhandled. */
void
_relay_promise_mark_handled (RelayPromise *self)
{
  _relay_promise_lock (self);
  _relay_promise_set_flag (self, FLAG_HANDLED);
  _relay_promise_unlock (self);
}

/* Runs an internal @reaction for the settled @source on this thread; like
 * adding it, this counts as handling a rejection of @source. */
void
_relay_promise_run_reaction (RelayPromise  *source,
                             RelayReaction *reaction)
{
  _relay_promise_mark_handled (source);
  run_internal (reaction, source, FALSE);
}

static void
settled_task_func (RelayTask *task,
                   gboolean   dispatch)
{
  RelayPromise *self = (RelayPromise *) ((char *) task - G_STRUCT_OFFSET (RelayPromise, settled_task));
  RelayReaction *list;
  gboolean first_run, has_progress;

  _relay_promise_lock (self);
  list = reverse_reactions (g_steal_pointer (&self->reactions));
  _relay_promise_clear_flag (self, FLAG_TASK_QUEUED);
  first_run = !_relay_promise_has_flag (self, FLAG_FIRST_RUN_DONE);
  _relay_promise_set_flag (self, FLAG_FIRST_RUN_DONE);
  has_progress = self->extra != NULL && first_run;
  _relay_promise_unlock (self);

  /* The latest progress reaches the properties before the state changes and
   * before any handler runs. */
  if (dispatch && has_progress)
    _relay_promise_flush_progress (self);

  /* Without a notify handler on the promise this is one atomic read of
   * GObject's flags; g_signal_has_handler_pending() would take GLib's global
   * signal lock for every promise. */
  if (dispatch && first_run)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);

  run_reactions (list, self, dispatch);

  if (dispatch && first_run)
    report_unhandled (self);

  g_object_unref (self);    /* the reference the post took */
}

/* Queues the settled task; FLAG_TASK_QUEUED was set under the lock, so the
 * task cannot be queued already. */
static void
queue_settled_task (RelayPromise *self)
{
  gboolean queued;

  g_object_ref (self);
  queued = relay_dispatcher_post_at (self->dispatcher, _relay_promise_priority (self),
                                     &self->settled_task);
  g_assert (queued);
}

/* ------------------------------------------------------------------------ */
/* Settling                                                                 */
/* ------------------------------------------------------------------------ */

/* Whether a `notify` handler may hear of the state: any handler of
 * "notify", whatever its detail (the settled task's g_object_notify_by_pspec()
 * reaches only those that match). Not g_signal_has_handler_pending(): in
 * GLib 2.74, given a detail, it matches only handlers connected with exactly
 * that detail, and misses a plain "notify" handler. One lookup under GLib's
 * signal lock; asked only of a promise that has no reactions. */
static gboolean
has_state_listener (RelayPromise *self)
{
  return g_signal_handler_find (self, G_SIGNAL_MATCH_ID, notify_signal_id,
                                0, NULL, NULL, NULL) != 0;
}

/* Settles with @values / @error (transfer full). Any thread. */
gboolean
_relay_promise_settle (RelayPromise      *self,
                       RelayPromiseState  state,
                       GValue            *values,
                       guint              n_values,
                       GError            *error,
                       gboolean           cancel)
{
  RelayReaction *internal = NULL, **link;
  GCancellable *cancellable = NULL;
  gboolean post;

  _relay_promise_lock (self);

  if (_relay_promise_state (self) != RELAY_PROMISE_STATE_PENDING)
    {
      _relay_promise_unlock (self);
      _relay_values_free (values, n_values);
      g_clear_error (&error);
      return FALSE;
    }

  if (state == RELAY_PROMISE_STATE_REJECTED)
    {
      g_assert (values == NULL && n_values == 0);
      self->error = error;
    }
  else
    {
      int n_bits = MIN (n_values, PROMISE_N_VALUES_BIG);

      g_assert (error == NULL);
      self->values = values;
      if (n_bits == PROMISE_N_VALUES_BIG)
        _relay_promise_ensure_extra_locked (self)->n_values = n_values;
      g_atomic_int_or (&self->bits, n_bits << PROMISE_N_VALUES_SHIFT);
    }
  self->upstream = NULL;
  if (self->extra != NULL && self->extra->inputs != NULL)
    memset (self->extra->inputs, 0, sizeof (RelayPromise *) * self->extra->n_inputs);
  if (cancel)
    {
      _relay_promise_set_flag (self, FLAG_CANCEL_REQUESTED);
      if (self->extra != NULL && self->extra->cancellable != NULL)
        cancellable = g_object_ref (self->extra->cancellable);
    }

  /* Publish: everything above is visible to whoever reads the state. */
  g_atomic_int_or (&self->bits, state);

  /* Internal reactions run here, on this thread, in the order they were
   * added; the rest from the dispatcher (still newest first). */
  for (link = &self->reactions; *link != NULL;)
    {
      RelayReaction *reaction = *link;

      if (reaction->klass->internal)
        {
          *link = reaction->next;
          reaction->next = internal;
          internal = reaction;
        }
      else
        {
          link = &reaction->next;
        }
    }

  /* A progress delivery still pending is flushed by the settled task too, so
   * the latest progress is visible once the promise has settled. */
  post = self->reactions != NULL ||
         (state == RELAY_PROMISE_STATE_REJECTED && is_reportable (error)) ||
         (self->extra != NULL && g_atomic_int_get (&self->extra->progress_scheduled)) ||
         has_state_listener (self);
  if (post)
    _relay_promise_set_flag (self, FLAG_TASK_QUEUED);

  _relay_promise_unlock (self);

  if (post)
    queue_settled_task (self);

  while (internal != NULL)
    {
      RelayReaction *next = internal->next;

      internal->next = NULL;
      run_internal (internal, self, FALSE);
      internal = next;
    }

  if (cancellable != NULL)
    {
      g_cancellable_cancel (cancellable);
      g_object_unref (cancellable);
    }

  return TRUE;
}

gboolean
_relay_promise_settle_take (RelayPromise *self,
                            GValue       *values,
                            guint         n_values,
                            GError       *error)
{
  if (error != NULL)
    {
      _relay_values_free (values, n_values);
      return _relay_promise_settle (self, RELAY_PROMISE_STATE_REJECTED, NULL, 0, error, FALSE);
    }

  return _relay_promise_settle (self, RELAY_PROMISE_STATE_FULFILLED, values, n_values, NULL, FALSE);
}

/* Settles @self with a copy of @source's outcome (@source is settled). */
gboolean
_relay_promise_settle_from (RelayPromise *self,
                            RelayPromise *source)
{
  PromiseExtra *source_extra = g_atomic_pointer_get (&source->extra);

  if (_relay_promise_state (source) == RELAY_PROMISE_STATE_REJECTED)
    return _relay_promise_settle (self, RELAY_PROMISE_STATE_REJECTED, NULL, 0, g_error_copy (source->error), FALSE);

  /* A shared pointer value stays owned by the promise that was resolved with
   * it (its fields were set before @source settled). */
  if (source_extra != NULL && (source_extra->pointer_destroy != NULL || source_extra->keepalive != NULL))
    {
      _relay_promise_lock (self);
      if (_relay_promise_state (self) == RELAY_PROMISE_STATE_PENDING)
        {
          PromiseExtra *extra = _relay_promise_ensure_extra_locked (self);

          if (extra->keepalive == NULL)
            extra->keepalive = g_object_ref (source_extra->keepalive ? source_extra->keepalive : source);
        }
      _relay_promise_unlock (self);
    }

  return _relay_promise_settle (self, RELAY_PROMISE_STATE_FULFILLED,
                 _relay_values_copy (source->values, _relay_promise_n_values (source)), _relay_promise_n_values (source),
                 NULL, FALSE);
}

gboolean
_relay_promise_reject_code (RelayPromise *self,
                            GQuark        domain,
                            int           code,
                            const char   *message)
{
  return _relay_promise_settle (self, RELAY_PROMISE_STATE_REJECTED, NULL, 0,
                 g_error_new_literal (domain, code, message), FALSE);
}

gboolean
_relay_promise_cancel_requested (RelayPromise *self)
{
  gboolean requested;

  _relay_promise_lock (self);
  requested = _relay_promise_has_flag (self, FLAG_CANCEL_REQUESTED);
  _relay_promise_unlock (self);

  return requested;
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */
/* ------------------------------------------------------------------------ */

/* The dispatcher _relay_promise_new_for_dispatcher() hands to the promise it
 * is constructing on this thread (a user reference it takes over), so
 * constructed() need not look one up. */
static _Thread_local RelayDispatcher *construct_dispatcher;   /* no destructor needed: always taken back */

static void
relay_promise_constructed (GObject *object)
{
  RelayPromise *self = RELAY_PROMISE (object);
  RelayDispatcher *dispatcher = construct_dispatcher;

  G_OBJECT_CLASS (relay_promise_parent_class)->constructed (object);

  if (dispatcher != NULL)
    {
      construct_dispatcher = NULL;
      self->dispatcher = dispatcher;
    }
  else
    {
      self->dispatcher = relay_dispatcher_acquire_thread_default ();
    }
}

/* Frees user reactions of an abandoned promise on its context's thread, where
 * a user expects their data to be released. */
typedef struct
{
  RelayTask        task;
  RelayDispatcher *dispatcher;    /* a user reference */
  RelayReaction   *list;
} ReleaseTask;

static void
free_reactions (RelayReaction *list)
{
  while (list != NULL)
    {
      RelayReaction *next = list->next;

      list->next = NULL;
      reaction_free (list);
      list = next;
    }
}

static void
release_task_func (RelayTask *task,
                   gboolean   dispatch)
{
  ReleaseTask *self = (ReleaseTask *) task;

  free_reactions (self->list);
  relay_dispatcher_release (self->dispatcher);
  g_free (self);
}

static void
relay_promise_dispose (GObject *object)
{
  RelayPromise *self = RELAY_PROMISE (object);
  RelayReaction *list = NULL, *user = NULL, **user_tail = &user;

  /* A settled promise never becomes pending again: nothing to abandon. */
  if (_relay_promise_state (self) != RELAY_PROMISE_STATE_PENDING)
    {
      G_OBJECT_CLASS (relay_promise_parent_class)->dispose (object);
      return;
    }

  /* Finalized while pending: nobody can settle us any more. Clear the back
   * links of everything that waits on us first (before a cancel on another
   * thread could follow one), then tell the reactions. */
  _relay_promise_lock (self);
  if (_relay_promise_state (self) == RELAY_PROMISE_STATE_PENDING)
    {
      list = reverse_reactions (g_steal_pointer (&self->reactions));
    }
  _relay_promise_unlock (self);

  for (RelayReaction *r = list; r != NULL; r = r->next)
    reaction_unlink (r, self);

  while (list != NULL)
    {
      RelayReaction *next = list->next;

      list->next = NULL;
      if (list->klass->internal)
        {
          run_internal (list, self, TRUE);
        }
      else
        {
          list->klass->abandon (list, self);
          if (list->free_on_owner)
            {
              *user_tail = list;
              user_tail = &list->next;
            }
          else
            {
              reaction_free (list);
            }
        }
      list = next;
    }

  /* User reactions hold user data: released on the owner. */
  if (user != NULL && relay_dispatcher_is_dispatching (self->dispatcher))
    {
      free_reactions (user);
    }
  else if (user != NULL)
    {
      ReleaseTask *release = g_new0 (ReleaseTask, 1);

      release->task.func = release_task_func;
      release->dispatcher = relay_dispatcher_acquire_again (self->dispatcher);
      release->list = user;
      relay_dispatcher_post (self->dispatcher, &release->task);
    }

  G_OBJECT_CLASS (relay_promise_parent_class)->dispose (object);
}

static void
relay_promise_finalize (GObject *object)
{
  RelayPromise *self = RELAY_PROMISE (object);

  /* Every thread that dropped a reference did so before this one dropped the
   * last: GObject's count orders that, invisibly to ThreadSanitizer, whose
   * GLib wrapper (tests/tsan-glib-refcount.c) releases on each unref. */
  relay_tsan_acquire (object);

  report_unhandled (self);

  if (_relay_promise_state (self) == RELAY_PROMISE_STATE_REJECTED)
    g_clear_error (&self->error);
  else if (_relay_promise_state (self) == RELAY_PROMISE_STATE_FULFILLED)
    _relay_values_free (self->values, _relay_promise_n_values (self));

  if (self->extra != NULL)
    {
      PromiseExtra *extra = self->extra;

      g_free (g_atomic_pointer_get (&extra->pending_text));
      g_free (extra->text);
      g_clear_object (&extra->cancellable);
      g_clear_pointer (&extra->errors, g_ptr_array_unref);
      g_free (extra->inputs);
      g_clear_object (&extra->keepalive);
      if (extra->pointer_destroy != NULL)
        extra->pointer_destroy (extra->pointer);
      g_free (extra);
    }

  g_clear_pointer (&self->dispatcher, relay_dispatcher_release);

  G_OBJECT_CLASS (relay_promise_parent_class)->finalize (object);
}

static void
relay_promise_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  RelayPromise *self = RELAY_PROMISE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, relay_promise_get_state (self));
      break;

    case PROP_CONTEXT:
      g_value_set_boxed (value, relay_promise_get_context (self));
      break;

    case PROP_PRIORITY:
      g_value_set_int (value, relay_promise_get_priority (self));
      break;

    case PROP_PROGRESS:
      g_value_set_double (value, relay_promise_get_progress (self));
      break;

    case PROP_PROGRESS_TEXT:
      g_value_take_string (value, relay_promise_dup_progress_text (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
relay_promise_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  RelayPromise *self = RELAY_PROMISE (object);

  switch (prop_id)
    {
    case PROP_PRIORITY:
      relay_promise_set_priority (self, g_value_get_int (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
relay_promise_class_init (RelayPromiseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = relay_promise_constructed;
  object_class->dispose = relay_promise_dispose;
  object_class->finalize = relay_promise_finalize;
  object_class->get_property = relay_promise_get_property;
  object_class->set_property = relay_promise_set_property;

  /**
   * RelayPromise:state:
   *
   * Pending, fulfilled or rejected. `notify` is emitted once, on the promise's
   * context, before the handlers run.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       RELAY_TYPE_PROMISE_STATE, RELAY_PROMISE_STATE_PENDING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * RelayPromise:context:
   *
   * The main context the handlers run on: the thread-default context of the
   * thread that created the promise, or the one given to
   * [ctor@Relay.Promise.new_for_context]. Derived promises share their source's.
   * Read-only, so that creating a promise sets no property.
   */
  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * RelayPromise:priority:
   *
   * The [struct@GLib.Source] priority the promise's handlers, `notify` and
   * progress are dispatched at on its context, %G_PRIORITY_DEFAULT unless
   * set. Derived promises start with their source's priority. Give results
   * that may come in floods a lower priority (%G_PRIORITY_DEFAULT_IDLE, say)
   * and a GTK application keeps drawing (%GDK_PRIORITY_REDRAW) ahead of
   * them. Any thread; it applies to dispatches queued after it changed.
   */
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL,
                      G_MININT, G_MAXINT, G_PRIORITY_DEFAULT,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * RelayPromise:progress:
   *
   * The latest fraction (0 to 1) reported with [method@Relay.Promise.report_progress]
   * or [method@Relay.Job.set_progress]. Reports are coalesced: `notify` is emitted on
   * the promise's context with the latest value, not once per report.
   */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL,
                         0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * RelayPromise:progress-text:
   *
   * The latest text reported with the progress, if any; delivered like
   * [property@Relay.Promise:progress].
   */
  properties[PROP_PROGRESS_TEXT] =
    g_param_spec_string ("progress-text", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  notify_signal_id = g_signal_lookup ("notify", G_TYPE_OBJECT);
}

static void
relay_promise_init (RelayPromise *self)
{
  self->settled_task.func = settled_task_func;
}

/* Emits `notify` for the progress properties that changed; on the owner. */
void
_relay_promise_notify_progress (RelayPromise *self,
                                gboolean      fraction_changed,
                                gboolean      text_changed)
{
  GObject *object = G_OBJECT (self);

  if (!fraction_changed && !text_changed)
    return;

  g_object_freeze_notify (object);
  if (fraction_changed)
    g_object_notify_by_pspec (object, properties[PROP_PROGRESS]);
  if (text_changed)
    g_object_notify_by_pspec (object, properties[PROP_PROGRESS_TEXT]);
  g_object_thaw_notify (object);
}

/* A new promise derived from @source: it shares @source's context and starts
 * with its priority, whichever thread creates it. */
RelayPromise *
_relay_promise_new_derived (RelayPromise *source)
{
  RelayPromise *self;
  int priority;

  construct_dispatcher = relay_dispatcher_acquire_again (source->dispatcher);
  self = g_object_new (RELAY_TYPE_PROMISE, NULL);
  priority = _relay_promise_priority (source);
  if (priority != G_PRIORITY_DEFAULT)
    _relay_promise_ensure_extra_locked (self)->priority = priority;   /* not shared yet */

  return self;
}


/* ------------------------------------------------------------------------ */
/* Construction                                                             */
/* ------------------------------------------------------------------------ */

/**
 * relay_promise_new:
 *
 * Creates a pending promise that belongs to the calling thread's thread-default
 * main context: its handlers run there.
 *
 * Returns: (transfer full): a new pending promise
 */
RelayPromise *
relay_promise_new (void)
{
  return g_object_new (RELAY_TYPE_PROMISE, NULL);
}

/**
 * relay_promise_new_for_context:
 * @context: (nullable): the main context the handlers run on, or %NULL for the
 *   calling thread's thread-default context
 *
 * Creates a pending promise that belongs to @context. Any thread.
 *
 * Returns: (transfer full): a new pending promise
 */
RelayPromise *
relay_promise_new_for_context (GMainContext *context)
{
  if (context == NULL)
    return relay_promise_new ();

  /* The acquired user reference goes to the new promise. */
  construct_dispatcher = relay_dispatcher_acquire (context);
  return g_object_new (RELAY_TYPE_PROMISE, NULL);
}

/* With @self's lock held: new references to the combinator inputs @self still
 * waits on, or %NULL if it is not a combinator's result. */
static GPtrArray *
ref_inputs_locked (RelayPromise *self)
{
  GPtrArray *inputs;

  if (self->extra == NULL || self->extra->inputs == NULL)
    return NULL;

  inputs = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->extra->n_inputs; i++)
    if (self->extra->inputs[i] != NULL)
      g_ptr_array_add (inputs, g_object_ref (self->extra->inputs[i]));

  return inputs;
}

/*
 * _relay_promise_release_consumer:
 *
 * A consumer of @source (a derived promise, a combinator, a waiter) gave up.
 * If nothing else consumes @source, cancel it, and so on up the chain. A loop,
 * not recursion: chains can be long.
 */
void
_relay_promise_release_consumer (RelayPromise *source)
{
  RelayPromise *current = g_object_ref (source);

  while (current != NULL)
    {
      RelayPromise *next = NULL;
      GPtrArray *inputs = NULL;
      gboolean cancel = FALSE;

      _relay_promise_lock (current);
      if (current->n_consumers > 0)
        current->n_consumers--;
      if (_relay_promise_state (current) == RELAY_PROMISE_STATE_PENDING && current->n_consumers == 0)
        {
          cancel = TRUE;
          if (current->upstream != NULL)
            next = g_object_ref (current->upstream);
          inputs = ref_inputs_locked (current);
        }
      _relay_promise_unlock (current);

      if (cancel)
        _relay_promise_settle (current, RELAY_PROMISE_STATE_REJECTED, NULL, 0,
                g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                     "Operation was cancelled"),
                TRUE);

      /* Combinators fan out; their inputs are few, recursion is fine there. */
      for (guint i = 0; inputs != NULL && i < inputs->len; i++)
        _relay_promise_release_consumer (g_ptr_array_index (inputs, i));
      g_clear_pointer (&inputs, g_ptr_array_unref);

      g_object_unref (current);
      current = next;
    }
}

/**
 * relay_promise_cancel:
 * @self: a promise
 *
 * Rejects a pending @self with %G_IO_ERROR_CANCELLED and cancels its
 * [class@Gio.Cancellable], so that its producer (a pool job, say) stops. Then,
 * if nothing else consumes the promise @self was derived from (or adopts, or
 * combines), that one is cancelled too, and so on up the chain. Any thread.
 *
 * Returns: %TRUE if @self was pending and is now cancelled
 */
gboolean
relay_promise_cancel (RelayPromise *self)
{
  RelayPromise *upstream = NULL;
  GPtrArray *inputs = NULL;
  gboolean cancelled;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);

  _relay_promise_lock (self);
  if (_relay_promise_state (self) != RELAY_PROMISE_STATE_PENDING)
    {
      _relay_promise_unlock (self);
      return FALSE;
    }
  if (self->upstream != NULL)
    upstream = g_object_ref (self->upstream);
  inputs = ref_inputs_locked (self);
  _relay_promise_unlock (self);

  cancelled = _relay_promise_settle (self, RELAY_PROMISE_STATE_REJECTED, NULL, 0,
                      g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                           "Operation was cancelled"),
                      TRUE);

  if (cancelled && upstream != NULL)
    _relay_promise_release_consumer (upstream);
  for (guint i = 0; cancelled && inputs != NULL && i < inputs->len; i++)
    _relay_promise_release_consumer (g_ptr_array_index (inputs, i));

  g_clear_object (&upstream);
  g_clear_pointer (&inputs, g_ptr_array_unref);

  return cancelled;
}

/* ------------------------------------------------------------------------ */
/* Outcome                                                                  */
/* ------------------------------------------------------------------------ */

/**
 * relay_promise_get_state:
 * @self: a promise
 *
 * Any thread. Once this returns a settled state, the values or error may be
 * read from the calling thread.
 *
 * Returns: the current state
 */
RelayPromiseState
relay_promise_get_state (RelayPromise *self)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), RELAY_PROMISE_STATE_PENDING);

  return _relay_promise_state (self);
}

/**
 * relay_promise_is_pending:
 * @self: a promise
 *
 * Whether @self is still waiting to be settled. Any thread.
 *
 * Returns: %TRUE if @self has not settled yet
 */
gboolean
relay_promise_is_pending (RelayPromise *self)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);

  return _relay_promise_state (self) == RELAY_PROMISE_STATE_PENDING;
}

/**
 * relay_promise_get_context:
 * @self: a promise
 *
 * Gets the main context whose thread runs the handlers of @self and emits its
 * `notify` signals. A promise holds a reference to its context, as a
 * [class@Gio.Task] does, so the context lives at least as long as @self.
 * Any thread.
 *
 * Returns: (transfer none): the main context @self's handlers run on, valid
 *   as long as @self
 */
GMainContext *
relay_promise_get_context (RelayPromise *self)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  return relay_dispatcher_get_context (self->dispatcher);
}

/**
 * relay_promise_get_priority:
 * @self: a promise
 *
 * Gets [property@Relay.Promise:priority]. Any thread.
 *
 * Returns: the priority @self's handlers are dispatched at
 */
int
relay_promise_get_priority (RelayPromise *self)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), G_PRIORITY_DEFAULT);

  return _relay_promise_priority (self);
}

/**
 * relay_promise_set_priority:
 * @self: a promise
 * @priority: a [struct@GLib.Source] priority such as %G_PRIORITY_DEFAULT or
 *   %G_PRIORITY_LOW
 *
 * Sets [property@Relay.Promise:priority]: the priority @self's handlers,
 * `notify` and progress are dispatched at. Set it before the promise settles
 * for its handlers to get it; promises derived from @self afterwards start
 * with it. Any thread.
 */
void
relay_promise_set_priority (RelayPromise *self,
                            int           priority)
{
  PromiseExtra *extra;

  g_return_if_fail (RELAY_IS_PROMISE (self));

  extra = g_atomic_pointer_get (&self->extra);
  if (extra == NULL)
    {
      if (priority == G_PRIORITY_DEFAULT)
        return;
      _relay_promise_lock (self);
      extra = _relay_promise_ensure_extra_locked (self);
      _relay_promise_unlock (self);
    }

  if (g_atomic_int_exchange (&extra->priority, priority) != priority)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
}

/**
 * relay_promise_get_cancellable:
 * @self: a promise
 *
 * The cancellable that [method@Relay.Promise.cancel] cancels, for the producer
 * of @self to watch. Created on first use; already cancelled if @self was.
 * Any thread.
 *
 * Returns: (transfer none): the cancellable, valid as long as @self
 */
GCancellable *
relay_promise_get_cancellable (RelayPromise *self)
{
  PromiseExtra *extra;
  gboolean cancel = FALSE;
  GCancellable *cancellable;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  _relay_promise_lock (self);
  extra = _relay_promise_ensure_extra_locked (self);
  if (extra->cancellable == NULL)
    {
      extra->cancellable = g_cancellable_new ();
      cancel = _relay_promise_has_flag (self, FLAG_CANCEL_REQUESTED);
    }
  cancellable = extra->cancellable;
  _relay_promise_unlock (self);

  if (cancel)
    g_cancellable_cancel (cancellable);

  return cancellable;
}

/* ------------------------------------------------------------------------ */
/* Combinator support                                                       */
/* ------------------------------------------------------------------------ */

/* Sets the back links a combinator's result keeps to its inputs, all at once
 * and under its lock, before any input can be told about the result: an
 * input that settles at once on another thread then finds its link. */
void
_relay_promise_set_inputs (RelayPromise  *self,
                           RelayPromise **inputs,
                           guint          n_inputs)
{
  PromiseExtra *extra;

  _relay_promise_lock (self);
  extra = _relay_promise_ensure_extra_locked (self);
  g_assert (extra->inputs == NULL);
  extra->inputs = g_memdup2 (inputs, sizeof (RelayPromise *) * MAX (n_inputs, 1));
  extra->n_inputs = n_inputs;
  _relay_promise_unlock (self);
}
