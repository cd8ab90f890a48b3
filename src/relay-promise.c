/* relay-promise.c: a GObject promise that settles once and runs its handlers on its
 * main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
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
 *   g_print ("got val: %d\n", relay_promise_get_int (promise));   // main thread
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
 *   relay_job_return_int (job, 4 + 5);
 * }
 *
 * g_autoptr(RelayPromise) work = relay_run_in_thread (sum, NULL, NULL);
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
 * the same context as their source. If the context is finalized, queued handlers
 * are dropped (their user data is released) and never run.
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
 * dispatch silences it. Cancellation (%G_IO_ERROR_CANCELLED) is never reported.
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

/* Progress reaches the main context at most this often (250 times a second). */
#define PROGRESS_INTERVAL_MS 4

/* flags, under lock */
enum {
  FLAG_HANDLED          = 1 << 0,   /* a reaction was added: a rejection is not "unhandled" */
  FLAG_REPORTED         = 1 << 1,   /* the unhandled-rejection warning was printed */
  FLAG_CANCEL_REQUESTED = 1 << 2,   /* settled by relay_promise_cancel() */
  FLAG_TASK_QUEUED      = 1 << 3,   /* settled_task is on the dispatcher queue */
  FLAG_FIRST_RUN_DONE   = 1 << 4,   /* settled_task ran once (state notified, rejection checked) */
};

/* Rarely needed state, allocated on first use so that a plain pending promise
 * stays small. */
typedef struct
{
  /* progress. The reporting thread and the owner context meet through atomics
   * only, so a worker pre-empted in the middle of a report can never block the
   * main loop. @fraction and @text are the delivered values: written on the
   * owner context, @text under lock. */
  RelayTask      progress_task;   /* holds a reference on @owner while queued */
  RelayPromise  *owner;           /* borrowed: the promise this belongs to */
  int            progress_posted; /* atomic: a delivery is queued */
  guint64        pending_bits;    /* atomic: the latest reported fraction, as bits */
  char          *pending_text;    /* atomic: the latest reported text, or NULL */
  int            delivered_ms;    /* atomic: monotonic ms of the last delivery */
  guint64        fraction_bits;   /* atomic: the delivered fraction, as bits */
  char          *text;            /* lock */

  GCancellable  *cancellable;     /* lock to create */
  GPtrArray     *errors;          /* set before settling; immutable after */

  RelayPromise **inputs;          /* lock: combinator inputs (borrowed back links) */
  guint          n_inputs;

  RelayPromise  *keepalive;       /* owns a pointer value this promise shares */
  gpointer       pointer;         /* resolve_pointer(): released at finalize */
  GDestroyNotify pointer_destroy;
} PromiseExtra;

struct _RelayPromise
{
  GObject          parent_instance;

  RelayDispatcher *dispatcher;     /* owned; immutable after construction */
  RelayTask        settled_task;   /* runs @reactions on the dispatcher */

  GMutex           lock;
  int              state;          /* written under lock, read atomically anywhere */
  guint            flags;          /* lock */
  guint            n_consumers;    /* lock: reactions that count as consumers */
  guint            n_values;       /* immutable once settled */
  GValue          *values;         /* immutable once settled */
  GError          *error;          /* immutable once settled */
  RelayReaction   *reactions;      /* lock: FIFO of reactions not yet run */
  RelayReaction   *reactions_tail; /* lock */
  RelayPromise    *upstream;       /* lock, borrowed: what we wait on (cleared when settled
                                    * or when it is finalized) */
  PromiseExtra    *extra;          /* lock to create */
};

G_DEFINE_FINAL_TYPE (RelayPromise, relay_promise, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_CONTEXT,
  PROP_PROGRESS,
  PROP_PROGRESS_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static guint notify_signal_id;

static void settled_task_func  (RelayTask *task, gboolean dispatch);
static void queue_settled_task (RelayPromise *self);
static void deliver_progress   (RelayPromise *self, gboolean dispatch);
static void progress_task_func (RelayTask *task, gboolean dispatch);

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static PromiseExtra *
ensure_extra_locked (RelayPromise *self)
{
  if (self->extra == NULL)
    {
      PromiseExtra *extra = g_new0 (PromiseExtra, 1);

      extra->progress_task.func = progress_task_func;
      extra->owner = self;
      /* Published atomically: report_progress() reads it without the lock. */
      g_atomic_pointer_set (&self->extra, extra);
    }

  return self->extra;
}

/* 64-bit atomics on a double's bits (GLib 2.74 has no 64-bit atomic API). */
static inline void
store_double (guint64 *bits,
              double   value)
{
  guint64 raw;

  memcpy (&raw, &value, sizeof raw);
  __atomic_store_n (bits, raw, __ATOMIC_SEQ_CST);
}

static inline double
load_double (guint64 *bits)
{
  guint64 raw = __atomic_load_n (bits, __ATOMIC_SEQ_CST);
  double value;

  memcpy (&value, &raw, sizeof value);
  return value;
}

static GValue *
copy_values (const GValue *values,
             guint         n_values)
{
  GValue *copy;

  if (n_values == 0)
    return NULL;

  copy = g_new0 (GValue, n_values);
  for (guint i = 0; i < n_values; i++)
    {
      g_value_init (&copy[i], G_VALUE_TYPE (&values[i]));
      g_value_copy (&values[i], &copy[i]);
    }

  return copy;
}

static void
free_values (GValue *values,
             guint   n_values)
{
  for (guint i = 0; i < n_values; i++)
    g_value_unset (&values[i]);
  g_free (values);
}

static gboolean
is_cancellation (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Prints the unhandled-rejection warning once. */
static void
report_unhandled (RelayPromise *self)
{
  gboolean report;

  if (g_atomic_int_get (&self->state) != RELAY_PROMISE_REJECTED)
    return;

  relay_mutex_lock (&self->lock);
  report = !(self->flags & (FLAG_HANDLED | FLAG_REPORTED)) &&
           self->state == RELAY_PROMISE_REJECTED &&
           !is_cancellation (self->error);
  if (report)
    self->flags |= FLAG_REPORTED;
  relay_mutex_unlock (&self->lock);

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

  relay_mutex_lock (&derived->lock);
  if (*reaction->back_link == source)
    *reaction->back_link = NULL;
  relay_mutex_unlock (&derived->lock);
}

void
_relay_promise_unlink (RelayReaction *reaction,
                       RelayPromise  *source)
{
  reaction_unlink (reaction, source);
}

static void
reaction_run (RelayReaction *reaction,
              RelayPromise  *source)
{
  reaction->klass->run (reaction, source);
  reaction_free (reaction);
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

/* Runs a chain of reactions in order; user handlers only when @dispatch. */
static void
run_reactions (RelayReaction *list,
               RelayPromise  *source,
               gboolean       dispatch)
{
  while (list != NULL)
    {
      RelayReaction *next = list->next;

      list->next = NULL;
      if (dispatch || list->klass->internal)
        list->klass->run (list, source);
      else
        reaction_drop (list, source);
      reaction_free (list);
      list = next;
    }
}

/*
 * _relay_promise_add_reaction:
 * @reaction: (transfer full)
 *
 * Attaches @reaction: queued while @self is pending, run from the dispatcher
 * (after every reaction added before it) once it has settled.
 */
void
_relay_promise_add_reaction (RelayPromise  *self,
                             RelayReaction *reaction)
{
  gboolean post = FALSE;

  reaction->next = NULL;

  relay_mutex_lock (&self->lock);

  self->flags |= FLAG_HANDLED;
  if (reaction->consumer && self->state == RELAY_PROMISE_PENDING)
    self->n_consumers++;

  if (reaction->klass->immediate && self->state != RELAY_PROMISE_PENDING)
    {
      relay_mutex_unlock (&self->lock);
      reaction_run (reaction, self);
      return;
    }

  if (self->reactions_tail != NULL)
    self->reactions_tail->next = reaction;
  else
    self->reactions = reaction;
  self->reactions_tail = reaction;

  /* Settled and nothing queued to run the list: queue it. Appending to the list
   * rather than posting the reaction alone keeps handlers in the order they were
   * added, whichever thread adds them. */
  if (self->state != RELAY_PROMISE_PENDING && !(self->flags & FLAG_TASK_QUEUED))
    {
      self->flags |= FLAG_TASK_QUEUED;
      post = TRUE;
    }

  relay_mutex_unlock (&self->lock);

  if (post)
    queue_settled_task (self);
}

static void
settled_task_func (RelayTask *task,
                   gboolean   dispatch)
{
  RelayPromise *self = (RelayPromise *) ((char *) task - G_STRUCT_OFFSET (RelayPromise, settled_task));
  RelayReaction *list;
  gboolean first_run, has_progress;

  relay_mutex_lock (&self->lock);
  list = g_steal_pointer (&self->reactions);
  self->reactions_tail = NULL;
  self->flags &= ~FLAG_TASK_QUEUED;
  first_run = !(self->flags & FLAG_FIRST_RUN_DONE);
  self->flags |= FLAG_FIRST_RUN_DONE;
  has_progress = self->extra != NULL && first_run;
  relay_mutex_unlock (&self->lock);

  /* The latest progress reaches the properties before the state changes and
   * before any handler runs. */
  if (dispatch && has_progress)
    deliver_progress (self, TRUE);

  if (dispatch && first_run &&
      g_signal_has_handler_pending (self, notify_signal_id,
                                    g_param_spec_get_name_quark (properties[PROP_STATE]),
                                    FALSE))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);

  run_reactions (list, self, dispatch);

  if (dispatch && first_run)
    report_unhandled (self);

  g_object_unref (self);    /* the reference the post took */
}

/* Queues the settled task; called right after settling, without the lock. */
static void
queue_settled_task (RelayPromise *self)
{
  g_object_ref (self);
  relay_dispatcher_post (self->dispatcher, &self->settled_task);
}

/* ------------------------------------------------------------------------ */
/* Settling                                                                 */
/* ------------------------------------------------------------------------ */

/* Settles with @values / @error (transfer full). Any thread. */
static gboolean
settle (RelayPromise      *self,
        RelayPromiseState  state,
        GValue            *values,
        guint              n_values,
        GError            *error,
        gboolean           cancel)
{
  RelayReaction *immediate = NULL, **link;
  GCancellable *cancellable = NULL;
  gboolean post;

  relay_mutex_lock (&self->lock);

  if (self->state != RELAY_PROMISE_PENDING)
    {
      relay_mutex_unlock (&self->lock);
      free_values (values, n_values);
      g_clear_error (&error);
      return FALSE;
    }

  self->values = values;
  self->n_values = n_values;
  self->error = error;
  self->upstream = NULL;
  if (self->extra != NULL && self->extra->inputs != NULL)
    memset (self->extra->inputs, 0, sizeof (RelayPromise *) * self->extra->n_inputs);
  if (cancel)
    {
      self->flags |= FLAG_CANCEL_REQUESTED;
      if (self->extra != NULL && self->extra->cancellable != NULL)
        cancellable = g_object_ref (self->extra->cancellable);
    }

  /* Publish: everything above is visible to whoever reads the state. */
  g_atomic_int_set (&self->state, state);

  /* Blocking waiters are woken from here, not from the dispatcher. */
  for (link = &self->reactions; *link != NULL;)
    {
      RelayReaction *reaction = *link;

      if (reaction->klass->immediate)
        {
          *link = reaction->next;
          reaction->next = immediate;
          immediate = reaction;
        }
      else
        link = &reaction->next;
    }
  if (immediate != NULL)
    {
      self->reactions_tail = NULL;
      for (RelayReaction *r = self->reactions; r != NULL; r = r->next)
        self->reactions_tail = r;
    }

  /* A throttled progress report is flushed by the settled task too, so the
   * latest progress is visible once the promise has settled. */
  post = self->reactions != NULL ||
         state == RELAY_PROMISE_REJECTED ||
         (self->extra != NULL && g_atomic_int_get (&self->extra->progress_posted)) ||
         g_signal_has_handler_pending (self, notify_signal_id,
                                       g_param_spec_get_name_quark (properties[PROP_STATE]),
                                       FALSE);
  if (post)
    self->flags |= FLAG_TASK_QUEUED;

  relay_mutex_unlock (&self->lock);

  if (post)
    queue_settled_task (self);

  while (immediate != NULL)
    {
      RelayReaction *next = immediate->next;
      immediate->next = NULL;
      reaction_run (immediate, self);
      immediate = next;
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
      free_values (values, n_values);
      return settle (self, RELAY_PROMISE_REJECTED, NULL, 0, error, FALSE);
    }

  return settle (self, RELAY_PROMISE_FULFILLED, values, n_values, NULL, FALSE);
}

/* Settles @self with a copy of @source's outcome (@source is settled). */
gboolean
_relay_promise_settle_from (RelayPromise *self,
                            RelayPromise *source)
{
  if (source->state == RELAY_PROMISE_REJECTED)
    return settle (self, RELAY_PROMISE_REJECTED, NULL, 0, g_error_copy (source->error), FALSE);

  /* A shared pointer value stays owned by the promise that was resolved with it. */
  if (source->extra != NULL && (source->extra->pointer_destroy != NULL || source->extra->keepalive != NULL))
    {
      relay_mutex_lock (&self->lock);
      if (self->state == RELAY_PROMISE_PENDING)
        {
          PromiseExtra *extra = ensure_extra_locked (self);

          if (extra->keepalive == NULL)
            extra->keepalive = g_object_ref (source->extra->keepalive ? source->extra->keepalive : source);
        }
      relay_mutex_unlock (&self->lock);
    }

  return settle (self, RELAY_PROMISE_FULFILLED,
                 copy_values (source->values, source->n_values), source->n_values,
                 NULL, FALSE);
}

gboolean
_relay_promise_reject_code (RelayPromise *self,
                            GQuark        domain,
                            int           code,
                            const char   *message)
{
  return settle (self, RELAY_PROMISE_REJECTED, NULL, 0,
                 g_error_new_literal (domain, code, message), FALSE);
}

gboolean
_relay_promise_cancel_requested (RelayPromise *self)
{
  gboolean requested;

  relay_mutex_lock (&self->lock);
  requested = (self->flags & FLAG_CANCEL_REQUESTED) != 0;
  relay_mutex_unlock (&self->lock);

  return requested;
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */
/* ------------------------------------------------------------------------ */

/* The dispatcher _relay_promise_new_for_dispatcher() hands to the promise it
 * is constructing on this thread, so constructed() need not look one up. */
static GPrivate construct_dispatcher;

static void
relay_promise_constructed (GObject *object)
{
  RelayPromise *self = RELAY_PROMISE (object);
  RelayDispatcher *dispatcher = g_private_get (&construct_dispatcher);

  G_OBJECT_CLASS (relay_promise_parent_class)->constructed (object);

  if (dispatcher != NULL)
    {
      g_private_set (&construct_dispatcher, NULL);
      self->dispatcher = relay_dispatcher_ref (dispatcher);
    }
  else
    {
      self->dispatcher = relay_dispatcher_get_thread_default ();
    }
}

static void
relay_promise_dispose (GObject *object)
{
  RelayPromise *self = RELAY_PROMISE (object);
  RelayReaction *list = NULL;

  /* A settled promise never becomes pending again: nothing to abandon. */
  if (g_atomic_int_get (&self->state) != RELAY_PROMISE_PENDING)
    {
      G_OBJECT_CLASS (relay_promise_parent_class)->dispose (object);
      return;
    }

  /* Finalized while pending: nobody can settle us any more. Clear the back
   * links of everything that waits on us first (before a cancel on another
   * thread could follow one), then tell the reactions. */
  relay_mutex_lock (&self->lock);
  if (self->state == RELAY_PROMISE_PENDING)
    {
      list = g_steal_pointer (&self->reactions);
      self->reactions_tail = NULL;
    }
  relay_mutex_unlock (&self->lock);

  for (RelayReaction *r = list; r != NULL; r = r->next)
    reaction_unlink (r, self);

  while (list != NULL)
    {
      RelayReaction *next = list->next;

      list->next = NULL;
      list->klass->abandon (list, self);
      reaction_free (list);
      list = next;
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

  free_values (self->values, self->n_values);
  g_clear_error (&self->error);

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

  g_clear_pointer (&self->dispatcher, relay_dispatcher_unref);
  g_mutex_clear (&self->lock);

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
relay_promise_class_init (RelayPromiseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = relay_promise_constructed;
  object_class->dispose = relay_promise_dispose;
  object_class->finalize = relay_promise_finalize;
  object_class->get_property = relay_promise_get_property;

  /**
   * RelayPromise:state:
   *
   * Pending, fulfilled or rejected. `notify` is emitted once, on the promise's
   * context, before the handlers run.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       RELAY_TYPE_PROMISE_STATE, RELAY_PROMISE_PENDING,
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

RelayPromise *
_relay_promise_new_for_dispatcher (RelayDispatcher *dispatcher)
{
  /* Derived promises share their source's context, not the thread-default one. */
  g_private_set (&construct_dispatcher, dispatcher);
  return g_object_new (RELAY_TYPE_PROMISE, NULL);
}

RelayDispatcher *
_relay_promise_get_dispatcher (RelayPromise *self)
{
  return self->dispatcher;
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
  RelayPromise *self;
  g_autoptr(RelayDispatcher) dispatcher = NULL;

  if (context == NULL)
    return relay_promise_new ();

  dispatcher = relay_dispatcher_get_for_context (context);
  self = _relay_promise_new_for_dispatcher (dispatcher);
  return self;
}

/**
 * relay_promise_new_resolved:
 * @value: (nullable): the value, or %NULL for none
 *
 * Creates a promise already fulfilled with a copy of @value (or with no values).
 * Like [ctor@Relay.Promise.new], it belongs to the calling thread's
 * thread-default main context: its handlers run there.
 *
 * Returns: (transfer full): a fulfilled promise
 */
RelayPromise *
relay_promise_new_resolved (const GValue *value)
{
  RelayPromise *self = relay_promise_new ();

  relay_promise_resolve (self, value);
  return self;
}

/**
 * relay_promise_new_resolved_values:
 * @values: (array length=n_values) (nullable): the values
 * @n_values: the number of values
 *
 * Creates a promise already fulfilled with copies of @values. It belongs to
 * the calling thread's thread-default main context: its handlers run there.
 *
 * Returns: (transfer full): a fulfilled promise
 */
RelayPromise *
relay_promise_new_resolved_values (const GValue *values,
                                   guint         n_values)
{
  RelayPromise *self;

  g_return_val_if_fail (values != NULL || n_values == 0, NULL);

  self = relay_promise_new ();
  relay_promise_resolve_values (self, values, n_values);
  return self;
}

/**
 * relay_promise_new_rejected:
 * @error: the error
 *
 * Creates a promise already rejected with a copy of @error. It belongs to the
 * calling thread's thread-default main context: its handlers run there, and
 * so does the unhandled-rejection report if nothing handles it.
 *
 * Returns: (transfer full): a rejected promise
 */
RelayPromise *
relay_promise_new_rejected (const GError *error)
{
  RelayPromise *self;

  g_return_val_if_fail (error != NULL, NULL);

  self = relay_promise_new ();
  relay_promise_reject (self, error);
  return self;
}

static gboolean
delay_elapsed (gpointer user_data)
{
  relay_promise_resolve_values (user_data, NULL, 0);
  return G_SOURCE_REMOVE;
}

/**
 * relay_promise_new_delay:
 * @milliseconds: how long to wait
 *
 * Creates a promise that is fulfilled, with no values, once @milliseconds have
 * passed on the calling thread's thread-default main context (cl-async's
 * `with-delay`). The timer holds a reference to the promise until it fires.
 *
 * Returns: (transfer full): a pending promise
 */
RelayPromise *
relay_promise_new_delay (guint milliseconds)
{
  RelayPromise *self = relay_promise_new ();
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GSource) source = g_timeout_source_new (milliseconds);

  g_source_set_static_name (source, "[relay] delay");
  g_source_set_callback (source, delay_elapsed, g_object_ref (self), g_object_unref);
  g_source_attach (source, context);

  return self;
}

/* ------------------------------------------------------------------------ */
/* Settling                                                                 */
/* ------------------------------------------------------------------------ */

/**
 * relay_promise_resolve:
 * @self: a promise
 * @value: (nullable): the value, or %NULL to fulfil with no values
 *
 * Fulfils @self with a copy of @value. Any thread.
 *
 * Returns: %TRUE if this call settled @self; %FALSE if it was already settled
 */
gboolean
relay_promise_resolve (RelayPromise *self,
                       const GValue *value)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (value == NULL || G_IS_VALUE (value), FALSE);

  return relay_promise_resolve_values (self, value, value != NULL ? 1 : 0);
}

/**
 * relay_promise_resolve_values:
 * @self: a promise
 * @values: (array length=n_values) (nullable): the values
 * @n_values: the number of values
 *
 * Fulfils @self with copies of @values, like Common Lisp's `(values ...)`. Any
 * thread.
 *
 * Returns: %TRUE if this call settled @self; %FALSE if it was already settled
 */
gboolean
relay_promise_resolve_values (RelayPromise *self,
                              const GValue *values,
                              guint         n_values)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (values != NULL || n_values == 0, FALSE);

  if (g_atomic_int_get (&self->state) != RELAY_PROMISE_PENDING)
    return FALSE;

  return settle (self, RELAY_PROMISE_FULFILLED, copy_values (values, n_values), n_values, NULL, FALSE);
}

/* Fulfils with one value, taking ownership of @value's contents. */
static gboolean
resolve_take (RelayPromise *self,
              GValue       *value)
{
  GValue *values = g_new0 (GValue, 1);

  *values = *value;
  return settle (self, RELAY_PROMISE_FULFILLED, values, 1, NULL, FALSE);
}

#define DEFINE_RESOLVE(suffix, ctype, gtype, setter)                     \
gboolean                                                                \
relay_promise_resolve_##suffix (RelayPromise *self,                     \
                                ctype         value)                    \
{                                                                       \
  GValue v = G_VALUE_INIT;                                              \
                                                                        \
  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);                \
                                                                        \
  if (g_atomic_int_get (&self->state) != RELAY_PROMISE_PENDING)         \
    return FALSE;                                                       \
                                                                        \
  g_value_init (&v, gtype);                                             \
  setter (&v, value);                                                   \
  return resolve_take (self, &v);                                       \
}

/**
 * relay_promise_resolve_boolean:
 * @self: a promise
 * @value: the value
 *
 * Fulfils @self with one %G_TYPE_BOOLEAN value. Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
DEFINE_RESOLVE (boolean, gboolean, G_TYPE_BOOLEAN, g_value_set_boolean)

/**
 * relay_promise_resolve_int:
 * @self: a promise
 * @value: the value
 *
 * Fulfils @self with one %G_TYPE_INT value. Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
DEFINE_RESOLVE (int, int, G_TYPE_INT, g_value_set_int)

/**
 * relay_promise_resolve_int64:
 * @self: a promise
 * @value: the value
 *
 * Fulfils @self with one %G_TYPE_INT64 value. Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
DEFINE_RESOLVE (int64, gint64, G_TYPE_INT64, g_value_set_int64)

/**
 * relay_promise_resolve_double:
 * @self: a promise
 * @value: the value
 *
 * Fulfils @self with one %G_TYPE_DOUBLE value. Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
DEFINE_RESOLVE (double, double, G_TYPE_DOUBLE, g_value_set_double)

/**
 * relay_promise_resolve_string:
 * @self: a promise
 * @value: (nullable): the string, copied
 *
 * Fulfils @self with one %G_TYPE_STRING value. Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
DEFINE_RESOLVE (string, const char *, G_TYPE_STRING, g_value_set_string)

/**
 * relay_promise_resolve_object:
 * @self: a promise
 * @object: (type GObject) (nullable): the object; the promise takes a reference
 *
 * Fulfils @self with one value holding @object (of @object's type). Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
gboolean
relay_promise_resolve_object (RelayPromise *self,
                              gpointer      object)
{
  GValue v = G_VALUE_INIT;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (object == NULL || G_IS_OBJECT (object), FALSE);

  if (g_atomic_int_get (&self->state) != RELAY_PROMISE_PENDING)
    return FALSE;

  g_value_init (&v, object != NULL ? G_OBJECT_TYPE (object) : G_TYPE_OBJECT);
  g_value_set_object (&v, object);
  return resolve_take (self, &v);
}

/**
 * relay_promise_resolve_pointer:
 * @self: a promise
 * @pointer: (nullable): the pointer
 * @destroy: (nullable): releases @pointer when the promise (and every promise
 *   that passed the value on) is finalized, or at once if @self was already settled
 *
 * Fulfils @self with one %G_TYPE_POINTER value. Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
gboolean
relay_promise_resolve_pointer (RelayPromise   *self,
                               gpointer        pointer,
                               GDestroyNotify  destroy)
{
  GValue v = G_VALUE_INIT;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);

  if (destroy != NULL)
    {
      relay_mutex_lock (&self->lock);
      if (self->state == RELAY_PROMISE_PENDING)
        {
          PromiseExtra *extra = ensure_extra_locked (self);

          if (extra->pointer_destroy == NULL)
            {
              extra->pointer = pointer;
              extra->pointer_destroy = destroy;
              destroy = NULL;
            }
        }
      relay_mutex_unlock (&self->lock);

      if (destroy != NULL)    /* already settled, or a racing resolve_pointer won */
        {
          destroy (pointer);
          return FALSE;
        }
    }

  g_value_init (&v, G_TYPE_POINTER);
  g_value_set_pointer (&v, pointer);
  if (resolve_take (self, &v))
    return TRUE;

  return FALSE;
}

/**
 * relay_promise_reject:
 * @self: a promise
 * @error: the error, copied
 *
 * Rejects @self with a copy of @error. Any thread.
 *
 * Returns: %TRUE if this call settled @self; %FALSE if it was already settled
 */
gboolean
relay_promise_reject (RelayPromise *self,
                      const GError *error)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  if (g_atomic_int_get (&self->state) != RELAY_PROMISE_PENDING)
    return FALSE;

  return settle (self, RELAY_PROMISE_REJECTED, NULL, 0, g_error_copy (error), FALSE);
}

/**
 * relay_promise_reject_error:
 * @self: a promise
 * @error: (transfer full): the error
 *
 * Rejects @self with @error, taking ownership of it (it is freed if @self was
 * already settled). Any thread.
 *
 * Returns: %TRUE if this call settled @self; %FALSE if it was already settled
 */
gboolean
relay_promise_reject_error (RelayPromise *self,
                            GError       *error)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  return settle (self, RELAY_PROMISE_REJECTED, NULL, 0, error, FALSE);
}

/**
 * relay_promise_reject_literal:
 * @self: a promise
 * @domain: an error domain
 * @code: an error code
 * @message: the error message
 *
 * Rejects @self with a new error. Any thread.
 *
 * Returns: %TRUE if this call settled @self; %FALSE if it was already settled
 */
gboolean
relay_promise_reject_literal (RelayPromise *self,
                              GQuark        domain,
                              int           code,
                              const char   *message)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (domain != 0, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  return _relay_promise_reject_code (self, domain, code, message);
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

      relay_mutex_lock (&current->lock);
      if (current->n_consumers > 0)
        current->n_consumers--;
      if (current->state == RELAY_PROMISE_PENDING && current->n_consumers == 0)
        {
          cancel = TRUE;
          if (current->upstream != NULL)
            next = g_object_ref (current->upstream);
          inputs = ref_inputs_locked (current);
        }
      relay_mutex_unlock (&current->lock);

      if (cancel)
        settle (current, RELAY_PROMISE_REJECTED, NULL, 0,
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

  relay_mutex_lock (&self->lock);
  if (self->state != RELAY_PROMISE_PENDING)
    {
      relay_mutex_unlock (&self->lock);
      return FALSE;
    }
  if (self->upstream != NULL)
    upstream = g_object_ref (self->upstream);
  inputs = ref_inputs_locked (self);
  relay_mutex_unlock (&self->lock);

  cancelled = settle (self, RELAY_PROMISE_REJECTED, NULL, 0,
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
  g_return_val_if_fail (RELAY_IS_PROMISE (self), RELAY_PROMISE_PENDING);

  return g_atomic_int_get (&self->state);
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

  return g_atomic_int_get (&self->state) == RELAY_PROMISE_PENDING;
}

/**
 * relay_promise_get_n_values:
 * @self: a promise
 *
 * Counts the values of a fulfilled promise. Any thread.
 *
 * Returns: how many values @self was fulfilled with; 0 while pending or if rejected
 */
guint
relay_promise_get_n_values (RelayPromise *self)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), 0);

  if (g_atomic_int_get (&self->state) != RELAY_PROMISE_FULFILLED)
    return 0;

  return self->n_values;
}

/**
 * relay_promise_get_value:
 * @self: a promise
 * @index: which value, from 0
 *
 * Returns one of the values @self was fulfilled with. Any thread; the value
 * lives as long as @self.
 *
 * Returns: (transfer none) (nullable): the value, or %NULL if @self is not
 *   fulfilled or has no value at @index
 */
const GValue *
relay_promise_get_value (RelayPromise *self,
                         guint         index)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  if (g_atomic_int_get (&self->state) != RELAY_PROMISE_FULFILLED || index >= self->n_values)
    return NULL;

  return &self->values[index];
}

/**
 * relay_promise_get_values:
 * @self: a promise
 * @n_values: (out): return location for the number of values
 *
 * Returns every value @self was fulfilled with, in order. Any thread; the
 * values live as long as @self.
 *
 * Returns: (transfer none) (array length=n_values) (nullable): the values, or
 *   %NULL if there are none or @self is not fulfilled
 */
const GValue *
relay_promise_get_values (RelayPromise *self,
                          guint        *n_values)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);
  g_return_val_if_fail (n_values != NULL, NULL);

  *n_values = relay_promise_get_n_values (self);
  return *n_values > 0 ? self->values : NULL;
}

/**
 * relay_promise_get_int:
 * @self: a fulfilled promise
 *
 * The first value of @self, which must hold an int (or a type that transforms
 * to one). Any thread.
 *
 * Returns: the first value as an int, or 0 if there is none
 */
int
relay_promise_get_int (RelayPromise *self)
{
  const GValue *value = relay_promise_get_value (self, 0);
  GValue v = G_VALUE_INIT;
  int result;

  if (value == NULL)
    return 0;
  if (G_VALUE_HOLDS_INT (value))
    return g_value_get_int (value);

  g_value_init (&v, G_TYPE_INT);
  if (!g_value_transform (value, &v))
    {
      g_critical ("%s: cannot read a %s value as an int",
                  G_STRFUNC, G_VALUE_TYPE_NAME (value));
      return 0;
    }
  result = g_value_get_int (&v);
  g_value_unset (&v);

  return result;
}

/**
 * relay_promise_get_string:
 * @self: a fulfilled promise
 *
 * Reads the first value of a fulfilled promise as a string. Any thread; the
 * string lives as long as @self.
 *
 * Returns: (nullable) (transfer none): the first value, which must hold a
 *   string, or %NULL if there is none
 */
const char *
relay_promise_get_string (RelayPromise *self)
{
  const GValue *value = relay_promise_get_value (self, 0);

  if (value == NULL)
    return NULL;

  g_return_val_if_fail (G_VALUE_HOLDS_STRING (value), NULL);
  return g_value_get_string (value);
}

/**
 * relay_promise_get_pointer:
 * @self: a fulfilled promise
 *
 * Reads the first value of a fulfilled promise as a pointer (see
 * [method@Relay.Promise.resolve_pointer]). Any thread.
 *
 * Returns: (nullable) (transfer none): the first value, which must hold a
 *   pointer, or %NULL if there is none
 */
gpointer
relay_promise_get_pointer (RelayPromise *self)
{
  const GValue *value = relay_promise_get_value (self, 0);

  if (value == NULL)
    return NULL;

  g_return_val_if_fail (G_VALUE_HOLDS_POINTER (value), NULL);
  return g_value_get_pointer (value);
}

/**
 * relay_promise_get_error:
 * @self: a promise
 *
 * Any thread; the error lives as long as @self.
 *
 * Returns: (transfer none) (nullable): the error @self was rejected with, or
 *   %NULL if it is not rejected
 */
const GError *
relay_promise_get_error (RelayPromise *self)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  if (g_atomic_int_get (&self->state) != RELAY_PROMISE_REJECTED)
    return NULL;

  return self->error;
}

void
_relay_promise_set_errors (RelayPromise *self,
                           GPtrArray    *errors)
{
  relay_mutex_lock (&self->lock);
  if (self->state == RELAY_PROMISE_PENDING)
    {
      PromiseExtra *extra = ensure_extra_locked (self);

      g_clear_pointer (&extra->errors, g_ptr_array_unref);
      extra->errors = g_steal_pointer (&errors);
    }
  relay_mutex_unlock (&self->lock);

  g_clear_pointer (&errors, g_ptr_array_unref);
}

/**
 * relay_promise_dup_errors:
 * @self: a promise
 *
 * The individual errors behind a %RELAY_ERROR_AGGREGATE rejection from
 * [func@Relay.Promise.any], one per input, in input order. Any thread.
 *
 * Returns: (transfer container) (element-type GLib.Error) (nullable): the
 *   errors, or %NULL if @self was not rejected by [func@Relay.Promise.any]
 */
GPtrArray *
relay_promise_dup_errors (RelayPromise *self)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  if (g_atomic_int_get (&self->state) != RELAY_PROMISE_REJECTED ||
      self->extra == NULL || self->extra->errors == NULL)
    return NULL;

  return g_ptr_array_ref (self->extra->errors);
}

/**
 * relay_promise_get_context:
 * @self: a promise
 *
 * Gets the main context whose thread runs the handlers of @self and emits its
 * `notify` signals. Any thread.
 *
 * Returns: (transfer none): the main context @self's handlers run on
 */
GMainContext *
relay_promise_get_context (RelayPromise *self)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  return relay_dispatcher_peek_context (self->dispatcher);
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

  relay_mutex_lock (&self->lock);
  extra = ensure_extra_locked (self);
  if (extra->cancellable == NULL)
    {
      extra->cancellable = g_cancellable_new ();
      cancel = (self->flags & FLAG_CANCEL_REQUESTED) != 0;
    }
  cancellable = extra->cancellable;
  relay_mutex_unlock (&self->lock);

  if (cancel)
    g_cancellable_cancel (cancellable);

  return cancellable;
}

/* ------------------------------------------------------------------------ */
/* Progress                                                                 */
/* ------------------------------------------------------------------------ */

/* Moves the latest report into the properties and notifies, on the owner
 * context. Harmless when nothing changed. */
static void
deliver_progress (RelayPromise *self,
                  gboolean      dispatch)
{
  PromiseExtra *extra = self->extra;
  gboolean fraction_changed, text_changed = FALSE;
  double fraction;
  char *text;

  /* Clear the flag before reading: a report that lands after the reads posts
   * again; one that lands before is read here. */
  g_atomic_int_set (&extra->progress_posted, FALSE);
  g_atomic_int_set (&extra->delivered_ms, (int) (g_get_monotonic_time () / 1000));

  fraction = load_double (&extra->pending_bits);
  fraction_changed = fraction != load_double (&extra->fraction_bits);
  store_double (&extra->fraction_bits, fraction);

  text = g_atomic_pointer_exchange (&extra->pending_text, NULL);
  if (text != NULL)
    {
      relay_mutex_lock (&self->lock);
      text_changed = g_strcmp0 (extra->text, text) != 0;
      g_free (extra->text);
      extra->text = text;
      relay_mutex_unlock (&self->lock);
    }

  if (dispatch && (fraction_changed || text_changed))
    {
      GObject *object = G_OBJECT (self);

      g_object_freeze_notify (object);
      if (fraction_changed)
        g_object_notify_by_pspec (object, properties[PROP_PROGRESS]);
      if (text_changed)
        g_object_notify_by_pspec (object, properties[PROP_PROGRESS_TEXT]);
      g_object_thaw_notify (object);
    }
}

static void
progress_task_func (RelayTask *task,
                    gboolean   dispatch)
{
  RelayPromise *self = ((PromiseExtra *) task)->owner;

  deliver_progress (self, dispatch);
  g_object_unref (self);
}

/* Delivers a throttled progress report once its interval has passed. */
static gboolean
progress_interval_elapsed (gpointer data)
{
  RelayPromise *self = data;

  deliver_progress (self, TRUE);
  return G_SOURCE_REMOVE;
}

/**
 * relay_promise_report_progress:
 * @self: a promise
 * @fraction: how far the work is, from 0 to 1 (clamped)
 * @text: (nullable): a short description of the current step, or %NULL to keep
 *   the previous text
 *
 * Reports progress towards settling @self. Any thread, as often as you like:
 * reports are coalesced, the latest wins, and [property@Relay.Promise:progress]
 * and [property@Relay.Promise:progress-text] are updated and notified on the
 * promise's context at most once per dispatch and at most once every 4 ms (the
 * latest value is always delivered). Reports after @self settled are still
 * delivered.
 */
void
relay_promise_report_progress (RelayPromise *self,
                               double        fraction,
                               const char   *text)
{
  PromiseExtra *extra;
  int wait_ms;

  g_return_if_fail (RELAY_IS_PROMISE (self));

  extra = g_atomic_pointer_get (&self->extra);
  if (extra == NULL)
    {
      relay_mutex_lock (&self->lock);
      extra = ensure_extra_locked (self);
      relay_mutex_unlock (&self->lock);
    }

  store_double (&extra->pending_bits, CLAMP (fraction, 0.0, 1.0));
  if (text != NULL)
    g_free (g_atomic_pointer_exchange (&extra->pending_text, g_strdup (text)));

  /* Only the report that finds no delivery queued queues one. */
  if (!g_atomic_int_compare_and_exchange (&extra->progress_posted, FALSE, TRUE))
    return;

  wait_ms = g_atomic_int_get (&extra->delivered_ms) + PROGRESS_INTERVAL_MS -
            (int) (g_get_monotonic_time () / 1000);

  if (g_atomic_int_get (&extra->delivered_ms) == 0 || wait_ms <= 0 || wait_ms > PROGRESS_INTERVAL_MS)
    {
      g_object_ref (self);
      relay_dispatcher_post (self->dispatcher, &extra->progress_task);
    }
  else
    {
      /* Delivered less than an interval ago: deliver the latest value when the
       * interval is over, so a flood of reports costs the main loop at most
       * one wake-up per interval. */
      g_autoptr(GMainContext) context = relay_dispatcher_ref_context (self->dispatcher);
      g_autoptr(GSource) timer = NULL;

      if (context == NULL)
        return;     /* the context is gone: nobody to tell */

      timer = g_timeout_source_new ((guint) wait_ms);
      g_source_set_static_name (timer, "[relay] progress");
      g_source_set_callback (timer, progress_interval_elapsed, g_object_ref (self), g_object_unref);
      g_source_attach (timer, context);
    }
}

/**
 * relay_promise_get_progress:
 * @self: a promise
 *
 * Gets [property@Relay.Promise:progress]: the latest report that reached the
 * promise's context, not the latest one sent. Any thread.
 *
 * Returns: the latest progress delivered to the promise's context, from 0 to 1
 */
double
relay_promise_get_progress (RelayPromise *self)
{
  PromiseExtra *extra;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), 0.0);

  extra = g_atomic_pointer_get (&self->extra);
  return extra != NULL ? load_double (&extra->fraction_bits) : 0.0;
}

/**
 * relay_promise_dup_progress_text:
 * @self: a promise
 *
 * Gets [property@Relay.Promise:progress-text], delivered like
 * [property@Relay.Promise:progress]. Any thread.
 *
 * Returns: (transfer full) (nullable): the latest progress text delivered to
 *   the promise's context
 */
char *
relay_promise_dup_progress_text (RelayPromise *self)
{
  char *text = NULL;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  relay_mutex_lock (&self->lock);
  if (self->extra != NULL)
    text = g_strdup (self->extra->text);
  relay_mutex_unlock (&self->lock);

  return text;
}

/* ------------------------------------------------------------------------ */
/* Adoption                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayReaction parent;
} AdoptReaction;

static void
adopt_run (RelayReaction *reaction,
           RelayPromise  *source)
{
  _relay_promise_settle_from (reaction->derived, source);
}

static void
abandon_derived (RelayReaction *reaction,
                 RelayPromise  *source)
{
  if (reaction->derived != NULL)
    _relay_promise_reject_code (reaction->derived, RELAY_ERROR, RELAY_ERROR_ABANDONED,
                                "The promise this one was waiting for was finalized before it settled");
}

static void
adopt_free (RelayReaction *reaction)
{
  g_clear_object (&reaction->derived);
  g_free (reaction);
}

static const RelayReactionClass adopt_class = {
  .run = adopt_run,
  .abandon = abandon_derived,
  .free = adopt_free,
  .internal = TRUE,
};

/* Whether @target is reachable from @from by following what each promise
 * waits on: the promise it adopts or was derived from, and a combinator's
 * inputs. A plain chain is walked without allocating. */
static gboolean
waits_on (RelayPromise *from,
          RelayPromise *target)
{
  GPtrArray *pending = NULL;    /* promises still to visit, owned */
  GHashTable *visited = NULL;   /* only once combinators fan out */
  RelayPromise *current = g_object_ref (from);
  gboolean found = FALSE;

  while (current != NULL)
    {
      RelayPromise *next = NULL;

      if (current == target)
        {
          found = TRUE;
          g_object_unref (current);
          break;
        }

      relay_mutex_lock (&current->lock);
      if (current->upstream != NULL)
        next = g_object_ref (current->upstream);
      if (current->extra != NULL && current->extra->inputs != NULL)
        {
          if (pending == NULL)
            {
              pending = g_ptr_array_new_with_free_func (g_object_unref);
              visited = g_hash_table_new (NULL, NULL);
            }
          for (guint i = 0; i < current->extra->n_inputs; i++)
            {
              RelayPromise *input = current->extra->inputs[i];

              if (input != NULL && g_hash_table_add (visited, input))
                g_ptr_array_add (pending, g_object_ref (input));
            }
        }
      relay_mutex_unlock (&current->lock);

      g_object_unref (current);
      current = next;
      if (current == NULL && pending != NULL && pending->len > 0)
        current = g_ptr_array_steal_index_fast (pending, pending->len - 1);
    }

  g_clear_pointer (&pending, g_ptr_array_unref);
  g_clear_pointer (&visited, g_hash_table_unref);

  return found;
}

/* Makes @derived follow @result (transfer full), the Promises/A+ resolution
 * procedure for promises. */
static void
adopt (RelayPromise *derived,
       RelayPromise *result)
{
  AdoptReaction *reaction;

  if (waits_on (result, derived))
    {
      _relay_promise_reject_code (derived, RELAY_ERROR, RELAY_ERROR_CYCLE,
                                  result == derived
                                    ? "A promise cannot adopt itself"
                                    : "A promise cannot adopt a promise that waits for it");
      g_object_unref (result);
      return;
    }

  relay_mutex_lock (&derived->lock);
  if (derived->state == RELAY_PROMISE_PENDING)
    derived->upstream = result;
  relay_mutex_unlock (&derived->lock);

  reaction = g_new0 (AdoptReaction, 1);
  reaction->parent.klass = &adopt_class;
  reaction->parent.derived = g_object_ref (derived);
  reaction->parent.back_link = &derived->upstream;
  reaction->parent.consumer = TRUE;
  _relay_promise_add_reaction (result, &reaction->parent);

  g_object_unref (result);
}

/* ------------------------------------------------------------------------ */
/* then, catch, chain, finally, catch_error, tap                            */
/* ------------------------------------------------------------------------ */

typedef enum {
  MODE_CHAIN,
  MODE_FINALLY,
  MODE_TAP,
} HandlerMode;

typedef struct
{
  RelayReaction        parent;
  HandlerMode          mode;
  RelayPromiseFunc     on_fulfilled;
  RelayPromiseFunc     on_rejected;
  RelayPromiseTapFunc  tap;
  gpointer             user_data;
  GDestroyNotify       destroy;
  GQuark               domain;    /* catch_error(): 0 for any */
  int                  code;      /* catch_error(): -1 for any */
} HandlerReaction;

/* finally(): waits for the promise the handler returned, then passes the
 * original outcome on unless that promise was rejected. */
typedef struct
{
  RelayReaction  parent;
  RelayPromise  *original;
} FinallyWaitReaction;

static void
finally_wait_run (RelayReaction *reaction,
                  RelayPromise  *source)
{
  FinallyWaitReaction *self = (FinallyWaitReaction *) reaction;

  if (source->state == RELAY_PROMISE_REJECTED)
    _relay_promise_settle_from (reaction->derived, source);
  else
    _relay_promise_settle_from (reaction->derived, self->original);
}

static void
finally_wait_free (RelayReaction *reaction)
{
  FinallyWaitReaction *self = (FinallyWaitReaction *) reaction;

  g_clear_object (&self->original);
  g_clear_object (&reaction->derived);
  g_free (self);
}

static const RelayReactionClass finally_wait_class = {
  .run = finally_wait_run,
  .abandon = abandon_derived,
  .free = finally_wait_free,
  .internal = TRUE,
};

static gboolean
handler_matches (HandlerReaction *self,
                 const GError    *error)
{
  if (self->domain == 0)
    return TRUE;

  return error->domain == self->domain && (self->code < 0 || error->code == self->code);
}

static void
handler_run (RelayReaction *reaction,
             RelayPromise  *source)
{
  HandlerReaction *self = (HandlerReaction *) reaction;
  RelayPromise *derived = reaction->derived;
  gboolean fulfilled = source->state == RELAY_PROMISE_FULFILLED;
  RelayPromiseFunc func;
  RelayPromise *result;

  /* Cancelled while we were queued: nothing to compute. */
  if (derived != NULL && g_atomic_int_get (&derived->state) != RELAY_PROMISE_PENDING)
    return;

  switch (self->mode)
    {
    case MODE_TAP:
      self->tap (source, self->user_data);
      _relay_promise_settle_from (derived, source);
      return;

    case MODE_FINALLY:
      result = self->on_fulfilled (source, self->user_data);
      if (result == NULL)
        {
          _relay_promise_settle_from (derived, source);
        }
      else if (waits_on (result, derived))
        {
          _relay_promise_reject_code (derived, RELAY_ERROR, RELAY_ERROR_CYCLE,
                                      "A finally handler cannot return a promise that waits for its own outcome");
          g_object_unref (result);
        }
      else
        {
          FinallyWaitReaction *wait = g_new0 (FinallyWaitReaction, 1);

          wait->parent.klass = &finally_wait_class;
          wait->parent.derived = g_object_ref (derived);
          wait->parent.back_link = &derived->upstream;
          wait->parent.consumer = TRUE;
          wait->original = g_object_ref (source);
          relay_mutex_lock (&derived->lock);
          if (derived->state == RELAY_PROMISE_PENDING)
            derived->upstream = result;
          relay_mutex_unlock (&derived->lock);
          _relay_promise_add_reaction (result, &wait->parent);
          g_object_unref (result);
        }
      return;

    case MODE_CHAIN:
      if (fulfilled)
        func = self->on_fulfilled;
      else
        func = handler_matches (self, source->error) ? self->on_rejected : NULL;

      if (func == NULL)
        {
          _relay_promise_settle_from (derived, source);
          return;
        }

      result = func (source, self->user_data);
      if (result != NULL)
        adopt (derived, result);
      else if (fulfilled)
        _relay_promise_settle_from (derived, source);   /* pass the values on */
      else
        settle (derived, RELAY_PROMISE_FULFILLED, NULL, 0, NULL, FALSE);   /* handled */
      return;
    }
}

static void
handler_free (RelayReaction *reaction)
{
  HandlerReaction *self = (HandlerReaction *) reaction;

  if (self->destroy != NULL)
    self->destroy (self->user_data);
  g_clear_object (&reaction->derived);
  g_free (self);
}

static const RelayReactionClass handler_class = {
  .run = handler_run,
  .abandon = abandon_derived,
  .free = handler_free,
};

static RelayPromise *
add_handler (RelayPromise        *self,
             HandlerMode          mode,
             RelayPromiseFunc     on_fulfilled,
             RelayPromiseFunc     on_rejected,
             RelayPromiseTapFunc  tap,
             GQuark               domain,
             int                  code,
             gpointer             user_data,
             GDestroyNotify       destroy)
{
  HandlerReaction *reaction = g_new0 (HandlerReaction, 1);
  RelayPromise *derived = _relay_promise_new_for_dispatcher (self->dispatcher);

  /* No lock: nobody else can see @derived yet. */
  derived->upstream = self;

  reaction->parent.klass = &handler_class;
  reaction->parent.derived = g_object_ref (derived);
  reaction->parent.back_link = &derived->upstream;
  reaction->parent.consumer = TRUE;
  reaction->mode = mode;
  reaction->on_fulfilled = on_fulfilled;
  reaction->on_rejected = on_rejected;
  reaction->tap = tap;
  reaction->domain = domain;
  reaction->code = code;
  reaction->user_data = user_data;
  reaction->destroy = destroy;

  _relay_promise_add_reaction (self, &reaction->parent);

  return derived;
}

/**
 * relay_promise_then:
 * @self: a promise
 * @on_fulfilled: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   runs if @self is fulfilled
 * @user_data: data for @on_fulfilled
 * @destroy: (nullable): releases @user_data once the handler ran or can no
 *   longer run
 *
 * Adds a handler for the values of @self. It runs on @self's context, from the
 * dispatcher, after @self is fulfilled and after every handler added before it.
 *
 * The returned promise (of the same context) adopts the promise @on_fulfilled
 * returns; if it returns %NULL, it is fulfilled with @self's values. If @self is
 * rejected, the handler is skipped and the returned promise is rejected with the
 * same error. Any thread.
 *
 * Bindings: in introspection, `then` is [method@Relay.Promise.then_values], so
 * that `await` works in JavaScript (Relay's Python override puts a `then` that
 * takes Python callables on top); this function is [method@Relay.Promise.chain]
 * there.
 *
 * Returns: (transfer full): a new promise for the handler's outcome
 */
RelayPromise *
relay_promise_then (RelayPromise     *self,
                    RelayPromiseFunc  on_fulfilled,
                    gpointer          user_data,
                    GDestroyNotify    destroy)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  return add_handler (self, MODE_CHAIN, on_fulfilled, NULL, NULL, 0, -1, user_data, destroy);
}

/**
 * relay_promise_catch:
 * @self: a promise
 * @on_rejected: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   runs if @self is rejected
 * @user_data: data for @on_rejected
 * @destroy: (nullable): releases @user_data
 *
 * Adds a handler for the error of @self; like [method@Relay.Promise.then]
 * otherwise. If @on_rejected returns %NULL, the error counts as handled and the
 * returned promise is fulfilled with no values; to pass the error on, return
 * [ctor@Relay.Promise.new_rejected]. If @self is fulfilled, the handler is skipped
 * and the values pass through. Any thread.
 *
 * Returns: (transfer full): a new promise for the handler's outcome
 */
RelayPromise *
relay_promise_catch (RelayPromise     *self,
                     RelayPromiseFunc  on_rejected,
                     gpointer          user_data,
                     GDestroyNotify    destroy)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  return add_handler (self, MODE_CHAIN, NULL, on_rejected, NULL, 0, -1, user_data, destroy);
}

/**
 * relay_promise_chain:
 * @self: a promise
 * @on_fulfilled: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   runs if @self is fulfilled
 * @on_rejected: (nullable) (scope notified) (closure user_data): runs if @self is
 *   rejected
 * @user_data: data for both handlers
 * @destroy: (nullable): releases @user_data
 *
 * The two-handler form of [method@Relay.Promise.then] (Promises/A+ `then`):
 * exactly one of the handlers runs, with the meanings of
 * [method@Relay.Promise.then] and [method@Relay.Promise.catch]. Either may be
 * %NULL to pass that outcome through. Any thread.
 *
 * Returns: (transfer full): a new promise for the handler's outcome
 */
RelayPromise *
relay_promise_chain (RelayPromise     *self,
                     RelayPromiseFunc  on_fulfilled,
                     RelayPromiseFunc  on_rejected,
                     gpointer          user_data,
                     GDestroyNotify    destroy)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  return add_handler (self, MODE_CHAIN, on_fulfilled, on_rejected, NULL, 0, -1, user_data, destroy);
}

/**
 * relay_promise_finally:
 * @self: a promise
 * @on_settled: (scope notified) (closure user_data) (destroy destroy): runs once
 *   @self settles, either way
 * @user_data: data for @on_settled
 * @destroy: (nullable): releases @user_data
 *
 * Adds a handler for cleanup that does not change the outcome: the returned
 * promise settles like @self. If @on_settled returns a promise, the outcome
 * waits for it, and if that promise is rejected, its error replaces the outcome.
 * Any thread.
 *
 * Returns: (transfer full): a new promise with @self's outcome
 */
RelayPromise *
relay_promise_finally (RelayPromise     *self,
                       RelayPromiseFunc  on_settled,
                       gpointer          user_data,
                       GDestroyNotify    destroy)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);
  g_return_val_if_fail (on_settled != NULL, NULL);

  return add_handler (self, MODE_FINALLY, on_settled, NULL, NULL, 0, -1, user_data, destroy);
}

/**
 * relay_promise_catch_error:
 * @self: a promise
 * @domain: the error domain to handle
 * @code: the error code to handle, or -1 for every code of @domain
 * @on_rejected: (scope notified) (closure user_data) (destroy destroy): runs if
 *   @self is rejected with a matching error
 * @user_data: data for @on_rejected
 * @destroy: (nullable): releases @user_data
 *
 * Like [method@Relay.Promise.catch], but only for errors of @domain (and @code);
 * other errors pass through to the returned promise untouched, like Blackbird's
 * `catcher` with a condition type. Any thread.
 *
 * Returns: (transfer full): a new promise for the handler's outcome
 */
RelayPromise *
relay_promise_catch_error (RelayPromise     *self,
                           GQuark            domain,
                           int               code,
                           RelayPromiseFunc  on_rejected,
                           gpointer          user_data,
                           GDestroyNotify    destroy)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);
  g_return_val_if_fail (domain != 0, NULL);
  g_return_val_if_fail (on_rejected != NULL, NULL);

  return add_handler (self, MODE_CHAIN, NULL, on_rejected, NULL, domain, code, user_data, destroy);
}

/**
 * relay_promise_tap:
 * @self: a promise
 * @observer: (scope notified) (closure user_data) (destroy destroy): runs once
 *   @self settles, either way
 * @user_data: data for @observer
 * @destroy: (nullable): releases @user_data
 *
 * Observes the outcome of @self without changing it: the returned promise
 * settles exactly like @self. A tap does not handle a rejection. Any thread.
 *
 * Returns: (transfer full): a new promise with @self's outcome
 */
RelayPromise *
relay_promise_tap (RelayPromise        *self,
                   RelayPromiseTapFunc  observer,
                   gpointer             user_data,
                   GDestroyNotify       destroy)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);
  g_return_val_if_fail (observer != NULL, NULL);

  return add_handler (self, MODE_TAP, NULL, NULL, observer, 0, -1, user_data, destroy);
}

/* ------------------------------------------------------------------------ */
/* then_values: the await-compatible form                                   */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayReaction   parent;
  RelayValueFunc  on_value;
  gpointer        value_data;
  GDestroyNotify  value_destroy;
  RelayErrorFunc  on_error;
  gpointer        error_data;
  GDestroyNotify  error_destroy;
} ValuesReaction;

static void
values_run (RelayReaction *reaction,
            RelayPromise  *source)
{
  ValuesReaction *self = (ValuesReaction *) reaction;

  if (source->state == RELAY_PROMISE_FULFILLED)
    {
      if (self->on_value != NULL)
        self->on_value (source->n_values > 0 ? &source->values[0] : NULL, self->value_data);
    }
  else if (self->on_error != NULL)
    {
      self->on_error (source->error, self->error_data);
    }
}

static void
values_abandon (RelayReaction *reaction,
                RelayPromise  *source)
{
  ValuesReaction *self = (ValuesReaction *) reaction;
  ValuesReaction *moved = g_new0 (ValuesReaction, 1);
  RelayPromise *abandoned = _relay_promise_new_for_dispatcher (source->dispatcher);

  /* The callbacks must still run on the context, so hand them to a stand-in
   * promise that is rejected at once. */
  *moved = *self;
  moved->parent.next = NULL;
  self->value_destroy = NULL;
  self->error_destroy = NULL;
  _relay_promise_reject_code (abandoned, RELAY_ERROR, RELAY_ERROR_ABANDONED,
                              "The promise was finalized before it settled");
  _relay_promise_add_reaction (abandoned, &moved->parent);
  g_object_unref (abandoned);
}

static void
values_free (RelayReaction *reaction)
{
  ValuesReaction *self = (ValuesReaction *) reaction;

  if (self->value_destroy != NULL)
    self->value_destroy (self->value_data);
  if (self->error_destroy != NULL)
    self->error_destroy (self->error_data);
  g_free (self);
}

static const RelayReactionClass values_class = {
  .run = values_run,
  .abandon = values_abandon,
  .free = values_free,
};

/**
 * relay_promise_then_values: (rename-to relay_promise_then)
 * @self: a promise
 * @on_value: (nullable) (scope notified) (closure value_data) (destroy value_destroy):
 *   receives the first value if @self is fulfilled
 * @value_data: data for @on_value
 * @value_destroy: (nullable): releases @value_data
 * @on_error: (nullable) (scope notified) (closure error_data) (destroy error_destroy):
 *   receives the error if @self is rejected
 * @error_data: data for @on_error
 * @error_destroy: (nullable): releases @error_data
 *
 * Calls @on_value with the first value or @on_error with the error once @self
 * settles, on @self's context. This is `then` for JavaScript and Python: it has
 * the shape `then(onFulfilled, onRejected)` that `await` calls, so `await promise`
 * works in GJS, and it hands over values, never the promise itself, so it cannot
 * start an endless adoption loop. It handles rejections. Any thread.
 */
void
relay_promise_then_values (RelayPromise   *self,
                           RelayValueFunc  on_value,
                           gpointer        value_data,
                           GDestroyNotify  value_destroy,
                           RelayErrorFunc  on_error,
                           gpointer        error_data,
                           GDestroyNotify  error_destroy)
{
  ValuesReaction *reaction;

  g_return_if_fail (RELAY_IS_PROMISE (self));

  reaction = g_new0 (ValuesReaction, 1);
  reaction->parent.klass = &values_class;
  reaction->parent.consumer = TRUE;
  reaction->on_value = on_value;
  reaction->value_data = value_data;
  reaction->value_destroy = value_destroy;
  reaction->on_error = on_error;
  reaction->error_data = error_data;
  reaction->error_destroy = error_destroy;

  _relay_promise_add_reaction (self, &reaction->parent);
}

/* ------------------------------------------------------------------------ */
/* Timeout                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayReaction  parent;
  GSource       *timer;     /* owned */
} TimeoutReaction;

static void
timeout_run (RelayReaction *reaction,
             RelayPromise  *source)
{
  TimeoutReaction *self = (TimeoutReaction *) reaction;

  _relay_promise_settle_from (reaction->derived, source);
  g_source_destroy (self->timer);
}

static void
timeout_free (RelayReaction *reaction)
{
  TimeoutReaction *self = (TimeoutReaction *) reaction;

  g_source_destroy (self->timer);
  g_source_unref (self->timer);
  g_clear_object (&reaction->derived);
  g_free (self);
}

static const RelayReactionClass timeout_class = {
  .run = timeout_run,
  .abandon = abandon_derived,
  .free = timeout_free,
  .internal = TRUE,
};

static gboolean
timeout_elapsed (gpointer user_data)
{
  RelayPromise *derived = user_data;
  RelayPromise *upstream = NULL;

  relay_mutex_lock (&derived->lock);
  if (derived->upstream != NULL)
    upstream = g_object_ref (derived->upstream);
  relay_mutex_unlock (&derived->lock);

  if (_relay_promise_reject_code (derived, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                  "The operation timed out") &&
      upstream != NULL)
    _relay_promise_release_consumer (upstream);

  g_clear_object (&upstream);
  return G_SOURCE_REMOVE;
}

/**
 * relay_promise_timeout:
 * @self: a promise
 * @milliseconds: how long to wait for @self
 *
 * Returns a promise that settles like @self, or is rejected with
 * %G_IO_ERROR_TIMED_OUT if @self has not settled after @milliseconds. On a
 * timeout, @self is cancelled unless something else consumes it (see
 * [method@Relay.Promise.cancel]). The timer runs on @self's context. Any thread.
 *
 * Returns: (transfer full): a new promise
 */
RelayPromise *
relay_promise_timeout (RelayPromise *self,
                       guint         milliseconds)
{
  TimeoutReaction *reaction;
  RelayPromise *derived;
  g_autoptr(GMainContext) context = NULL;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  derived = _relay_promise_new_for_dispatcher (self->dispatcher);
  derived->upstream = self;

  reaction = g_new0 (TimeoutReaction, 1);
  reaction->parent.klass = &timeout_class;
  reaction->parent.derived = g_object_ref (derived);
  reaction->parent.back_link = &derived->upstream;
  reaction->parent.consumer = TRUE;
  reaction->timer = g_timeout_source_new (milliseconds);
  g_source_set_static_name (reaction->timer, "[relay] promise timeout");
  g_source_set_callback (reaction->timer, timeout_elapsed, g_object_ref (derived), g_object_unref);

  context = relay_dispatcher_ref_context (self->dispatcher);
  if (context != NULL)
    g_source_attach (reaction->timer, context);

  _relay_promise_add_reaction (self, &reaction->parent);

  return derived;
}

/* ------------------------------------------------------------------------ */
/* GIO: wait_async, wait, GTask                                             */
/* ------------------------------------------------------------------------ */

static void
value_free (gpointer data)
{
  GValue *value = data;

  g_value_unset (value);
  g_free (value);
}

/* Returns @source's outcome to @task: its first value (as a GValue*) or its error. */
static void
return_outcome_to_task (GTask        *task,
                        RelayPromise *source)
{
  if (source->state == RELAY_PROMISE_REJECTED)
    {
      g_task_return_error (task, g_error_copy (source->error));
    }
  else if (source->n_values == 0)
    {
      g_task_return_pointer (task, NULL, NULL);
    }
  else
    {
      GValue *value = g_new0 (GValue, 1);

      g_value_init (value, G_VALUE_TYPE (&source->values[0]));
      g_value_copy (&source->values[0], value);
      g_task_return_pointer (task, value, value_free);
    }
}

typedef struct
{
  RelayReaction  parent;
  GTask         *task;
  int            returned;     /* atomic: the task got its result */
  gulong         cancelled_id;
  int            ref_count;    /* atomic: the reaction and the cancel handler */
} WaitReaction;

static void
wait_unref (WaitReaction *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  g_clear_object (&self->task);
  g_free (self);
}

static void
wait_run (RelayReaction *reaction,
          RelayPromise  *source)
{
  WaitReaction *self = (WaitReaction *) reaction;

  if (g_atomic_int_compare_and_exchange (&self->returned, FALSE, TRUE))
    return_outcome_to_task (self->task, source);
}

static void
wait_abandon (RelayReaction *reaction,
              RelayPromise  *source)
{
  WaitReaction *self = (WaitReaction *) reaction;

  if (g_atomic_int_compare_and_exchange (&self->returned, FALSE, TRUE))
    g_task_return_new_error (self->task, RELAY_ERROR, RELAY_ERROR_ABANDONED,
                             "The promise was finalized before it settled");
}

static void
wait_free (RelayReaction *reaction)
{
  WaitReaction *self = (WaitReaction *) reaction;
  GCancellable *cancellable = g_task_get_cancellable (self->task);

  if (self->cancelled_id != 0)
    g_cancellable_disconnect (cancellable, self->cancelled_id);
  wait_unref (self);
}

static const RelayReactionClass wait_class = {
  .run = wait_run,
  .abandon = wait_abandon,
  .free = wait_free,
  .internal = TRUE,
};

static void
wait_cancelled (GCancellable *cancellable,
                gpointer      user_data)
{
  WaitReaction *self = user_data;

  if (g_atomic_int_compare_and_exchange (&self->returned, FALSE, TRUE))
    g_task_return_new_error (self->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "Waiting for the promise was cancelled");
}

/**
 * relay_promise_wait_async:
 * @self: a promise
 * @cancellable: (nullable): stops the wait (not the promise)
 * @callback: (scope async) (closure user_data): called once @self settles, on the
 *   thread-default main context of the calling thread
 * @user_data: data for @callback
 *
 * Waits for @self in GIO's asynchronous style, so that GJS's `Gio._promisify`
 * and similar helpers can `await` a promise. Finish with
 * [method@Relay.Promise.wait_finish]. The [iface@Gio.AsyncResult] is a
 * [class@Gio.Task]: this is also how a promise becomes a GTask. Counts as
 * handling a rejection. Any thread.
 */
void
relay_promise_wait_async (RelayPromise        *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  WaitReaction *reaction;

  g_return_if_fail (RELAY_IS_PROMISE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  reaction = g_new0 (WaitReaction, 1);
  reaction->parent.klass = &wait_class;
  reaction->parent.consumer = TRUE;
  reaction->ref_count = 1;
  reaction->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (reaction->task, relay_promise_wait_async);
  g_task_set_check_cancellable (reaction->task, FALSE);

  if (cancellable != NULL)
    {
      g_atomic_int_inc (&reaction->ref_count);
      /* If already cancelled, this runs the handler and the unref at once. */
      reaction->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (wait_cancelled),
                                                      reaction, (GDestroyNotify) wait_unref);
    }

  _relay_promise_add_reaction (self, &reaction->parent);
}

/**
 * relay_promise_wait_finish:
 * @self: a promise
 * @result: the result passed to the callback of [method@Relay.Promise.wait_async]
 * @error: return location for the error @self was rejected with
 *
 * Finishes [method@Relay.Promise.wait_async]. Call it from the callback, which
 * runs on the thread-default main context of the thread that started the wait.
 *
 * Returns: (transfer full) (nullable): a copy of the first value @self was
 *   fulfilled with, or %NULL with @error set if it was rejected (or %NULL
 *   without an error if it was fulfilled with no values)
 */
GValue *
relay_promise_wait_finish (RelayPromise  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == relay_promise_wait_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  RelayReaction parent;
  GMutex        mutex;
  GCond         cond;
  gboolean      done;
  int           ref_count;    /* atomic: the reaction and the waiter */
} SyncReaction;

static void
sync_unref (SyncReaction *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

static void
sync_wake (SyncReaction *self)
{
  relay_mutex_lock (&self->mutex);
  self->done = TRUE;
  g_cond_broadcast (&self->cond);
  relay_mutex_unlock (&self->mutex);
}

static void
sync_run (RelayReaction *reaction,
          RelayPromise  *source)
{
  sync_wake ((SyncReaction *) reaction);
}

static void
sync_abandon (RelayReaction *reaction,
              RelayPromise  *source)
{
  sync_wake ((SyncReaction *) reaction);
}

static void
sync_free (RelayReaction *reaction)
{
  sync_unref ((SyncReaction *) reaction);
}

static const RelayReactionClass sync_class = {
  .run = sync_run,
  .abandon = sync_abandon,
  .free = sync_free,
  .internal = TRUE,
  .immediate = TRUE,
};

static void
sync_cancelled (GCancellable *cancellable,
                gpointer      user_data)
{
  sync_wake (user_data);
}

/**
 * relay_promise_wait:
 * @self: a promise
 * @cancellable: (nullable): stops the wait (not the promise)
 * @error: return location for the error @self was rejected with
 *
 * Blocks the calling thread until @self settles. This does not iterate any main
 * context and needs none: @self is woken from the thread that settles it. Never
 * call it on the thread of @self's context if handlers must run before @self
 * can settle. From a pool job, prefer [method@Relay.Job.wait], which keeps the
 * pool from deadlocking.
 *
 * Returns: %TRUE if @self was fulfilled; %FALSE with @error set if it was
 *   rejected or the wait was cancelled
 */
gboolean
relay_promise_wait (RelayPromise  *self,
                    GCancellable  *cancellable,
                    GError       **error)
{
  SyncReaction *reaction;
  gulong cancelled_id = 0;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  reaction = g_new0 (SyncReaction, 1);
  reaction->parent.klass = &sync_class;
  reaction->parent.consumer = TRUE;
  reaction->ref_count = 2;
  g_mutex_init (&reaction->mutex);
  g_cond_init (&reaction->cond);

  if (cancellable != NULL)
    cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (sync_cancelled), reaction, NULL);

  _relay_promise_add_reaction (self, &reaction->parent);

  relay_mutex_lock (&reaction->mutex);
  while (!reaction->done)
    relay_cond_wait (&reaction->cond, &reaction->mutex);
  relay_mutex_unlock (&reaction->mutex);

  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, cancelled_id);
  sync_unref (reaction);

  switch (relay_promise_get_state (self))
    {
    case RELAY_PROMISE_FULFILLED:
      return TRUE;

    case RELAY_PROMISE_REJECTED:
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;

    case RELAY_PROMISE_PENDING:
    default:
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error_literal (error, RELAY_ERROR, RELAY_ERROR_ABANDONED,
                             "The promise was finalized before it settled");
      return FALSE;
    }
}

/**
 * relay_promise_settle_from_task:
 * @self: a promise
 * @result: a completed [class@Gio.Task] whose result was set with
 *   g_task_return_value() or an error
 *
 * Settles @self with the outcome of @result, which is consumed: fulfilled with
 * its value, or rejected with its error. This is how a GTask-based operation
 * becomes a promise; see also [func@Relay.Promise.async_ready_callback]. Any thread.
 */
void
relay_promise_settle_from_task (RelayPromise *self,
                                GAsyncResult *result)
{
  GValue value = G_VALUE_INIT;
  GError *error = NULL;

  g_return_if_fail (RELAY_IS_PROMISE (self));
  g_return_if_fail (G_IS_TASK (result));

  if (g_task_propagate_value (G_TASK (result), &value, &error))
    resolve_take (self, &value);
  else
    relay_promise_reject_error (self, error);
}

/**
 * relay_promise_async_ready_callback: (skip)
 * @source_object: (nullable): the source object of the operation
 * @result: a completed [class@Gio.Task], as for [method@Relay.Promise.settle_from_task]
 * @promise: (transfer full): the [class@Relay.Promise] to settle
 *
 * A [callback@Gio.AsyncReadyCallback] that settles @promise from a GTask and drops
 * the reference passed as user data. It may run on any thread; the handlers of
 * @promise still run on the promise's own context:
 *
 * ```c
 * RelayPromise *promise = relay_promise_new ();
 * GTask *task = g_task_new (NULL, relay_promise_get_cancellable (promise),
 *                           relay_promise_async_ready_callback,
 *                           g_object_ref (promise));
 * ```
 */
void
relay_promise_async_ready_callback (GObject      *source_object,
                                    GAsyncResult *result,
                                    gpointer      promise)
{
  g_return_if_fail (RELAY_IS_PROMISE (promise));

  relay_promise_settle_from_task (promise, result);
  g_object_unref (promise);
}

typedef struct
{
  RelayReaction  parent;
  GTask         *task;
} ToTaskReaction;

static void
to_task_run (RelayReaction *reaction,
             RelayPromise  *source)
{
  ToTaskReaction *self = (ToTaskReaction *) reaction;

  if (source->state == RELAY_PROMISE_REJECTED)
    {
      g_task_return_error (self->task, g_error_copy (source->error));
    }
  else if (source->n_values > 0)
    {
      g_task_return_value (self->task, (GValue *) &source->values[0]);
    }
  else
    {
      GValue none = G_VALUE_INIT;

      g_value_init (&none, G_TYPE_POINTER);
      g_task_return_value (self->task, &none);
    }
}

static void
to_task_abandon (RelayReaction *reaction,
                 RelayPromise  *source)
{
  ToTaskReaction *self = (ToTaskReaction *) reaction;

  g_task_return_new_error (self->task, RELAY_ERROR, RELAY_ERROR_ABANDONED,
                           "The promise was finalized before it settled");
}

static void
to_task_free (RelayReaction *reaction)
{
  ToTaskReaction *self = (ToTaskReaction *) reaction;

  g_clear_object (&self->task);
  g_free (self);
}

static const RelayReactionClass to_task_class = {
  .run = to_task_run,
  .abandon = to_task_abandon,
  .free = to_task_free,
  .internal = TRUE,
};

/**
 * relay_promise_return_to_task:
 * @self: a promise
 * @task: a [class@Gio.Task] that has not returned yet
 *
 * Completes @task with @self's outcome once it settles: g_task_return_value()
 * with the first value (a %G_TYPE_POINTER %NULL if there is none), or
 * g_task_return_error(). This is how an API built on GTask hands out work done
 * with promises; read the result with g_task_propagate_value(). Any thread.
 */
void
relay_promise_return_to_task (RelayPromise *self,
                              GTask        *task)
{
  ToTaskReaction *reaction;

  g_return_if_fail (RELAY_IS_PROMISE (self));
  g_return_if_fail (G_IS_TASK (task));

  reaction = g_new0 (ToTaskReaction, 1);
  reaction->parent.klass = &to_task_class;
  reaction->parent.consumer = TRUE;
  reaction->task = g_object_ref (task);

  _relay_promise_add_reaction (self, &reaction->parent);
}

/* ------------------------------------------------------------------------ */
/* Combinator support                                                       */
/* ------------------------------------------------------------------------ */

/* Allocates the back links a combinator's result keeps to its inputs. */
RelayPromise **
_relay_promise_alloc_inputs (RelayPromise *self,
                             guint         n_inputs)
{
  PromiseExtra *extra;

  relay_mutex_lock (&self->lock);
  extra = ensure_extra_locked (self);
  g_assert (extra->inputs == NULL);
  extra->inputs = g_new0 (RelayPromise *, MAX (n_inputs, 1));
  extra->n_inputs = n_inputs;
  relay_mutex_unlock (&self->lock);

  return extra->inputs;
}
