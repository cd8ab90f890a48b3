/* relay-notifier.c: a callback that waits in a main context until any thread
 * triggers it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * RelayNotifier:
 *
 * A callback that sits inactive in a [struct@GLib.MainContext] and is triggered
 * from any thread; the callback then runs on the thread that iterates the
 * context.
 *
 * This is the smallest way to hand control from a worker thread back to the main
 * loop. Create the notifier on the main thread, give it to a worker, and call
 * [method@Relay.Notifier.trigger] when the work is done:
 *
 * ```c
 * static int result;    // written by the worker before it triggers
 *
 * static void
 * job_finished (guint n_triggers, gpointer user_data)
 * {
 *   g_print ("Job finished! %d\n", result);   // runs on the main thread
 *   g_main_loop_quit (user_data);
 * }
 *
 * static gpointer
 * worker (gpointer notifier)
 * {
 *   g_usleep (G_USEC_PER_SEC);                // such work
 *   result = 42;
 *   relay_notifier_trigger (notifier);
 *   return NULL;
 * }
 *
 * int
 * main (void)
 * {
 *   g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
 *   g_autoptr(RelayNotifier) notifier = relay_notifier_new (job_finished, loop, NULL);
 *
 *   g_thread_unref (g_thread_new ("worker", worker, notifier));
 *   g_main_loop_run (loop);
 *   return 0;
 * }
 * ```
 *
 * The worker needs no lock around `result`: everything it wrote before the
 * trigger is visible to the callback.
 *
 * ## The guarantee
 *
 * The callback runs at least once *after* every successful trigger; triggers that
 * arrive before it runs coalesce into one call, which receives how many triggers
 * it covers. Only a trigger that finds the context about to sleep wakes it
 * (one write to its wake-up fd, no lock), so a burst of triggers costs one
 * wake-up, and a trigger is one atomic operation otherwise.
 *
 * When triggers come faster than the context dispatches them (a call covered
 * more than one), a context iterated with blocking set waits in poll for at
 * most a millisecond before the next call, instead of coming straight back:
 * a worker triggering in a tight loop then costs the main loop about a
 * thousand calls a second, not a busy loop, and is not slowed by it. A
 * non-blocking iteration, or anything else waking the context, delivers at
 * once. A single trigger after a quiet spell is always delivered right away.
 *
 * ## Once or again
 *
 * Like every [struct@GLib.Source] callback, the callback returns
 * %G_SOURCE_REMOVE to be done (the notifier then releases its user data and
 * leaves the context, and later triggers return %FALSE) or %G_SOURCE_CONTINUE
 * to stay armed for the next trigger, until [method@Relay.Notifier.destroy].
 * A trigger made while the callback runs is delivered by the next call if the
 * callback returns %G_SOURCE_CONTINUE, and dropped if it returns
 * %G_SOURCE_REMOVE.
 *
 * ## Threads and ownership
 *
 * [method@Relay.Notifier.trigger] may be called from any thread, at any time, even
 * racing with [method@Relay.Notifier.destroy] or the last unref: after destroy it
 * returns %FALSE and does nothing. The notifier holds a reference on its context.
 * The user data is released exactly once, on the context's thread: after the
 * callback returned %G_SOURCE_REMOVE, at the first dispatch after destroy, or
 * when the context is finalized. Once [method@Relay.Notifier.destroy] has returned, the callback does
 * not start again; if another thread calls it while the callback runs, it waits
 * for the callback to return (so do not destroy a notifier from a thread the
 * callback is waiting for).
 *
 * Dropping the last reference does not lose a trigger: a worker may trigger and
 * unref. A notifier with triggers not yet delivered keeps itself alive until
 * the callback ran for them (it receives the notifier), and then, if nobody
 * else holds it, releases its data and leaves the context. Call
 * [method@Relay.Notifier.destroy] to drop pending triggers instead.
 */

#include "config.h"

#include "relay-notifier.h"
#include "relay-sync-private.h"

/* Notifier state, one atomic int: the number of triggers not yet delivered in
 * the low bits, flags above. Packing them together lets a trigger check "still
 * alive", count itself and see whether the owner must be woken in one
 * compare-and-swap, so a trigger can never be counted into a notifier that has
 * already fired or been destroyed, and a wake-up is never lost.
 *
 * ARMED is the wake-up protocol: the owner sets it in prepare, before it may
 * block in poll, when there is nothing to deliver; the trigger that finds it
 * set clears it and wakes the context. Triggers made while the owner is awake
 * (dispatching, or between dispatch and its next prepare) wake nobody: prepare
 * sees their count. A burst of triggers thus costs the worker one atomic
 * operation each and a wake-up only when the owner really went to sleep.
 *
 * The trigger that makes the count non-zero takes a reference to the notifier
 * for the batch it starts, and the dispatch that delivers the batch drops it,
 * so the callback always gets a live notifier however early the last other
 * reference went.
 *
 * Under a stream (the last dispatch covered more than one trigger: they come
 * faster than the owner delivers them) a blocking owner does not rush back:
 * prepare asks poll for at most 1 ms instead, without arming, and check, after
 * poll, delivers whatever came. Every owner look at the word costs the worker
 * a cache miss, so an owner that spun through iterations would slow the very
 * stream it watches; this way a worker that triggers in a tight loop costs the
 * owner at most about a thousand dispatches a second, and a non-blocking
 * iteration still delivers at once. */
#define COUNT_MASK      0x07ffffff
#define STATE_ARMED     0x08000000   /* the owner may block: the next trigger wakes it */
#define STATE_FIRED     0x10000000   /* the callback returned G_SOURCE_REMOVE */
#define STATE_DESTROYED 0x20000000   /* relay_notifier_destroy() was called */
#define STATE_ORPHANED  0x40000000   /* the last reference was dropped */

typedef struct
{
  GSource            source;

  int                state;          /* atomic, see above */
  RelayNotifier     *notifier;       /* borrowed: alive while a batch is pending */
  int                streaming;      /* atomic, owner: the last dispatch covered > 1 */

  /* Held by dispatch around the callback and by destroy, so destroy can promise
   * that no callback starts after it returns. Recursive: the callback may
   * destroy or drop the notifier. */
  GRecMutex          lock;
  RelayNotifierFunc  func;           /* lock */
  gpointer           user_data;      /* lock */
  GDestroyNotify     destroy;        /* lock */
  gboolean           released;       /* lock: user data already released */
  gboolean           in_callback;    /* lock: the callback is running */
} NotifierSource;

struct _RelayNotifier
{
  GObject         parent_instance;

  GMainContext   *context;           /* owned; immutable after construction */
  NotifierSource *source;            /* owned; immutable after construction */
  char           *name;              /* main-thread property */
};

G_DEFINE_FINAL_TYPE (RelayNotifier, relay_notifier, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONTEXT,
  PROP_PRIORITY,
  PROP_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Called with source->lock held, or from finalize. */
static void
notifier_source_release_data (NotifierSource *source)
{
  gpointer user_data;
  GDestroyNotify destroy;

  if (source->released)
    return;

  source->released = TRUE;
  user_data = g_steal_pointer (&source->user_data);
  destroy = g_steal_pointer (&source->destroy);
  source->func = NULL;

  if (destroy != NULL)
    destroy (user_data);
}

/* On the owner, before it may block: ready if there are triggers to deliver
 * (or a destroy or last unref to clean up after), else armed, so that the
 * next trigger wakes the context. Destroy and the last unref from another
 * thread wake the context without its lock (g_main_context_wakeup()). */
static gboolean
notifier_source_prepare (GSource *gsource,
                         gint    *timeout)
{
  NotifierSource *source = (NotifierSource *) gsource;
  int state = g_atomic_int_get (&source->state);

  *timeout = -1;

  /* Destroyed, or orphaned before it fired: dispatch cleans up. */
  if ((state & STATE_DESTROYED) || ((state & STATE_ORPHANED) && !(state & STATE_FIRED)))
    return TRUE;

  if ((state & COUNT_MASK) != 0 && g_atomic_int_get (&source->streaming))
    {
      *timeout = 1;       /* check delivers them after poll */
      return FALSE;
    }

  while ((state & COUNT_MASK) == 0 && !(state & STATE_ARMED))
    {
      if (g_atomic_int_compare_and_exchange_full (&source->state, state,
                                                  state | STATE_ARMED, &state))
        return FALSE;
    }

  return (state & COUNT_MASK) != 0;
}

static gboolean
notifier_source_check (GSource *gsource)
{
  NotifierSource *source = (NotifierSource *) gsource;
  int state = g_atomic_int_get (&source->state);

  return (state & (COUNT_MASK | STATE_DESTROYED)) != 0 ||
         ((state & STATE_ORPHANED) && !(state & STATE_FIRED));
}

/* Takes the pending batch off the state word: returns how many triggers it
 * covered (its reference to the notifier is then the caller's), 0 if none. */
static guint
take_batch (NotifierSource *source,
            int            *state_out)
{
  int state = g_atomic_int_get (&source->state);

  while ((state & COUNT_MASK) != 0 &&
         !g_atomic_int_compare_and_exchange_full (&source->state, state,
                                                  state & ~COUNT_MASK, &state))
    ;

  *state_out = state;
  return state & COUNT_MASK;
}

static gboolean
notifier_source_dispatch (GSource     *gsource,
                          GSourceFunc  unused_callback,
                          gpointer     unused_data)
{
  NotifierSource *source = (NotifierSource *) gsource;
  RelayNotifier *batch = NULL, *late = NULL;
  gboolean keep = G_SOURCE_CONTINUE;
  guint n_triggers;
  int state;

  g_rec_mutex_lock (&source->lock);

  n_triggers = take_batch (source, &state);
  if (n_triggers > 0)
    batch = source->notifier;      /* the batch's reference, now ours */

  if (!(state & STATE_DESTROYED) && n_triggers > 0)
    {
      g_atomic_int_set (&source->streaming, n_triggers > 1);

      if (source->func != NULL)
        {
          /* A destroy (or last unref) from inside the callback leaves the data
           * to us: it is released below, after the callback returned. */
          source->in_callback = TRUE;
          keep = source->func (batch, n_triggers, source->user_data);
          source->in_callback = FALSE;
        }

      if (keep == G_SOURCE_REMOVE)
        {
          /* Done: no trigger is accepted from now on, and those made while
           * the callback ran are dropped with their batch's reference. */
          g_atomic_int_or (&source->state, STATE_FIRED);
          if (take_batch (source, &state) > 0)
            late = source->notifier;
        }
    }

  state = g_atomic_int_get (&source->state);
  if (keep == G_SOURCE_CONTINUE && !(state & STATE_DESTROYED) &&
      !((state & STATE_ORPHANED) && (state & COUNT_MASK) == 0))
    {
      g_rec_mutex_unlock (&source->lock);
      /* Outside the lock: this may be the last reference. */
      g_clear_object (&batch);
      return G_SOURCE_CONTINUE;
    }

  notifier_source_release_data (source);
  g_rec_mutex_unlock (&source->lock);
  g_clear_object (&late);
  g_clear_object (&batch);

  /* GLib drops the context's reference to the source when we return; if that
   * is the last one, it finalizes and frees the source on this thread, else
   * whoever drops the last one does. That reference count is GLib's own
   * atomic, invisible to ThreadSanitizer: tell it (see also finalize). */
  relay_tsan_release (gsource);

  return G_SOURCE_REMOVE;
}

static void
notifier_source_finalize (GSource *gsource)
{
  NotifierSource *source = (NotifierSource *) gsource;

  /* Pairs with the releases before every other drop of a reference (the end
   * of dispatch, relay_notifier_finalize): the GSource reference count orders
   * them before this, but ThreadSanitizer cannot see it inside GLib. */
  relay_tsan_acquire (gsource);

  /* The context was finalized before the notifier fired or saw its destroy.
   * The lock also orders this after a dispatch or destroy on another thread. */
  g_rec_mutex_lock (&source->lock);
  notifier_source_release_data (source);
  g_rec_mutex_unlock (&source->lock);
  g_rec_mutex_clear (&source->lock);
}

static GSourceFuncs notifier_source_funcs = {
  .prepare = notifier_source_prepare,
  .check = notifier_source_check,
  .dispatch = notifier_source_dispatch,
  .finalize = notifier_source_finalize,
};

static void
relay_notifier_constructed (GObject *object)
{
  RelayNotifier *self = RELAY_NOTIFIER (object);

  G_OBJECT_CLASS (relay_notifier_parent_class)->constructed (object);

  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();

  self->source = (NotifierSource *) g_source_new (&notifier_source_funcs,
                                                  sizeof (NotifierSource));
  self->source->notifier = self;
  g_rec_mutex_init (&self->source->lock);
  g_source_set_static_name ((GSource *) self->source, "[relay] notifier");

  /* The owner's prepare may run as soon as the source is attached; its atomic
   * read of the state orders everything above before it (GLib's own hand-off
   * through the context lock is invisible to ThreadSanitizer). */
  g_atomic_int_set (&self->source->state, 0);
  g_source_attach ((GSource *) self->source, self->context);
}

static void
relay_notifier_finalize (GObject *object)
{
  RelayNotifier *self = RELAY_NOTIFIER (object);
  int old_state;

  /* Every thread that dropped a reference did so before this one dropped the
   * last: GObject's count orders that, invisibly to ThreadSanitizer, whose
   * GLib wrapper (tests/tsan-glib-refcount.c) releases on each unref. */
  relay_tsan_acquire (object);

  /* Nobody can trigger any more, but triggers already made still count: the
   * owner delivers them, then releases the data and removes the source. This
   * is what lets a worker trigger and drop the last reference. */
  old_state = g_atomic_int_or (&self->source->state, STATE_ORPHANED);
  if (!(old_state & (STATE_FIRED | STATE_DESTROYED)))
    g_main_context_wakeup (self->context);

  relay_tsan_release (self->source);    /* see notifier_source_finalize() */
  g_source_unref ((GSource *) self->source);
  g_main_context_unref (self->context);
  g_free (self->name);

  G_OBJECT_CLASS (relay_notifier_parent_class)->finalize (object);
}

static void
relay_notifier_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  RelayNotifier *self = RELAY_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_boxed (value, self->context);
      break;

    case PROP_PRIORITY:
      g_value_set_int (value, relay_notifier_get_priority (self));
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
relay_notifier_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  RelayNotifier *self = RELAY_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      self->context = g_value_dup_boxed (value);
      break;

    case PROP_PRIORITY:
      relay_notifier_set_priority (self, g_value_get_int (value));
      break;

    case PROP_NAME:
      relay_notifier_set_name (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
relay_notifier_class_init (RelayNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = relay_notifier_constructed;
  object_class->finalize = relay_notifier_finalize;
  object_class->get_property = relay_notifier_get_property;
  object_class->set_property = relay_notifier_set_property;

  /**
   * RelayNotifier:context:
   *
   * The main context the callback runs on. %NULL at construction means the
   * thread-default context of the constructing thread.
   */
  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * RelayNotifier:priority:
   *
   * The priority of the notifier's source in its main context.
   */
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL,
                      G_MININT, G_MAXINT, G_PRIORITY_DEFAULT,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * RelayNotifier:name:
   *
   * A name for debugging; it becomes the name of the notifier's [struct@GLib.Source].
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
relay_notifier_init (RelayNotifier *self)
{
}

/**
 * relay_notifier_new:
 * @func: (scope notified) (closure user_data) (destroy destroy): the callback
 * @user_data: data for @func
 * @destroy: (nullable): releases @user_data, on the context's thread
 *
 * Creates a notifier on the calling thread's thread-default main context (see
 * [method@GLib.MainContext.push_thread_default]); @func runs on the thread that
 * iterates that context, after each trigger until it returns
 * %G_SOURCE_REMOVE. Call from the thread that owns the context.
 *
 * Returns: (transfer full): a new notifier
 */
RelayNotifier *
relay_notifier_new (RelayNotifierFunc func,
                    gpointer          user_data,
                    GDestroyNotify    destroy)
{
  g_return_val_if_fail (func != NULL, NULL);

  return relay_notifier_new_for_context (NULL, func, user_data, destroy);
}

/**
 * relay_notifier_new_for_context:
 * @context: (nullable): the main context @func runs on, or %NULL for the
 *   thread-default context of the calling thread
 * @func: (scope notified) (closure user_data) (destroy destroy): the callback
 * @user_data: data for @func
 * @destroy: (nullable): releases @user_data, on @context's thread
 *
 * Creates a notifier on @context; @func runs there after each trigger until it
 * returns %G_SOURCE_REMOVE. Safe from any thread.
 *
 * Returns: (transfer full): a new notifier
 */
RelayNotifier *
relay_notifier_new_for_context (GMainContext      *context,
                                RelayNotifierFunc  func,
                                gpointer           user_data,
                                GDestroyNotify     destroy)
{
  RelayNotifier *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (RELAY_TYPE_NOTIFIER, "context", context, NULL);

  g_rec_mutex_lock (&self->source->lock);
  self->source->func = func;
  self->source->user_data = user_data;
  self->source->destroy = destroy;
  g_rec_mutex_unlock (&self->source->lock);

  return self;
}

/**
 * relay_notifier_trigger:
 * @self: a notifier
 *
 * Asks for the callback to run on the notifier's context. Safe from any thread,
 * at any time, including while another thread destroys or unrefs the notifier
 * (as long as the caller holds its own reference).
 *
 * Everything the calling thread wrote before this call is visible to the
 * callback. Triggers that arrive before the callback runs coalesce; the callback
 * learns how many it covers. Only a trigger that finds the notifier idle wakes
 * the context.
 *
 * Returns: %TRUE if the trigger was accepted: the callback runs after it,
 *   unless the callback is running at that moment and returns
 *   %G_SOURCE_REMOVE (then the trigger is dropped, as documented under
 *   "Once or again"); %FALSE if the notifier was destroyed or its callback
 *   already returned %G_SOURCE_REMOVE
 */
gboolean
relay_notifier_trigger (RelayNotifier *self)
{
  NotifierSource *source;
  gboolean reffed = FALSE;
  int state, new_state;

  g_return_val_if_fail (RELAY_IS_NOTIFIER (self), FALSE);

  source = self->source;
  state = g_atomic_int_get (&source->state);
  do
    {
      if (state & (STATE_FIRED | STATE_DESTROYED))
        {
          if (reffed)
            g_object_unref (self);
          return FALSE;
        }

      /* The trigger that starts a batch gives it a reference to the notifier
       * (taken before the swap: the owner may deliver the batch at once). */
      if ((state & COUNT_MASK) == 0 && !reffed)
        {
          g_object_ref (self);
          reffed = TRUE;
        }

      /* Saturate rather than overflow into the flags; the count is a hint. */
      new_state = (state & COUNT_MASK) == COUNT_MASK ? state : state + 1;
      new_state &= ~STATE_ARMED;
    }
  while (!g_atomic_int_compare_and_exchange_full (&source->state, state, new_state, &state));

  /* Joined a batch after all: it already has its reference. */
  if (reffed && (state & COUNT_MASK) != 0)
    g_object_unref (self);

  /* Only the trigger that disarmed the notifier wakes the context: the owner
   * may be blocked in poll. Otherwise the owner is awake and its next prepare
   * sees the count. The CAS is sequentially consistent: the dispatch that
   * reads the count sees everything this thread wrote before it. */
  if (state & STATE_ARMED)
    g_main_context_wakeup (self->context);

  return TRUE;
}

/**
 * relay_notifier_destroy:
 * @self: a notifier
 *
 * Detaches the notifier from its context: later triggers return %FALSE, and the
 * callback does not start again once this returns. The user data is released
 * on the context's thread, exactly once: at once if called there while the
 * context is being iterated; after the callback returned if called from the
 * callback itself; otherwise at the context's next iteration (or when it is
 * finalized). From another thread this wakes the context without taking its
 * lock.
 *
 * Safe from any thread and idempotent. Triggers made before but not yet
 * delivered are dropped.
 */
void
relay_notifier_destroy (RelayNotifier *self)
{
  NotifierSource *source;
  RelayNotifier *pending = NULL;
  int old_state;
  gboolean owner;

  g_return_if_fail (RELAY_IS_NOTIFIER (self));

  source = self->source;

  /* Taking the lock waits for a callback running on another thread. */
  g_rec_mutex_lock (&source->lock);

  old_state = g_atomic_int_or (&source->state, STATE_DESTROYED);
  if (old_state & STATE_DESTROYED)
    {
      g_rec_mutex_unlock (&source->lock);
      return;
    }

  /* Called from the callback itself: dispatch releases the data once the
   * callback returned, and removes the source. */
  if (source->in_callback)
    {
      g_rec_mutex_unlock (&source->lock);
      return;
    }

  owner = g_main_context_is_owner (self->context);
  if (owner)
    {
      int state;

      notifier_source_release_data (source);
      /* Pending triggers are dropped with their batch's reference. */
      if (take_batch (source, &state) > 0)
        pending = self;
    }

  g_rec_mutex_unlock (&source->lock);

  if (owner)
    g_source_destroy ((GSource *) source);
  else
    g_main_context_wakeup (self->context);    /* the owner cleans up, lock-free */
  g_clear_object (&pending);
}

/**
 * relay_notifier_is_destroyed:
 * @self: a notifier
 *
 * Whether [method@Relay.Notifier.destroy] was called. A notifier whose callback
 * returned %G_SOURCE_REMOVE is not destroyed, but its trigger returns %FALSE.
 * Any thread.
 *
 * Returns: %TRUE after destroy
 */
gboolean
relay_notifier_is_destroyed (RelayNotifier *self)
{
  g_return_val_if_fail (RELAY_IS_NOTIFIER (self), FALSE);

  return (g_atomic_int_get (&self->source->state) & STATE_DESTROYED) != 0;
}

/**
 * relay_notifier_get_context:
 * @self: a notifier
 *
 * Gets the main context whose thread runs the callback. Any thread.
 *
 * Returns: (transfer none): the main context the callback runs on
 */
GMainContext *
relay_notifier_get_context (RelayNotifier *self)
{
  g_return_val_if_fail (RELAY_IS_NOTIFIER (self), NULL);

  return self->context;
}

/**
 * relay_notifier_get_priority:
 * @self: a notifier
 *
 * Gets the priority the callback is dispatched at. Any thread.
 *
 * Returns: the priority of the notifier's source
 */
int
relay_notifier_get_priority (RelayNotifier *self)
{
  g_return_val_if_fail (RELAY_IS_NOTIFIER (self), G_PRIORITY_DEFAULT);

  return g_source_get_priority ((GSource *) self->source);
}

/**
 * relay_notifier_set_priority:
 * @self: a notifier
 * @priority: a priority such as %G_PRIORITY_DEFAULT or %G_PRIORITY_HIGH
 *
 * Sets the priority the callback is dispatched at. Call on the context's thread.
 */
void
relay_notifier_set_priority (RelayNotifier *self,
                             int            priority)
{
  g_return_if_fail (RELAY_IS_NOTIFIER (self));

  if (g_source_get_priority ((GSource *) self->source) == priority)
    return;

  g_source_set_priority ((GSource *) self->source, priority);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
}

/**
 * relay_notifier_get_name:
 * @self: a notifier
 *
 * Gets the debug name set with [method@Relay.Notifier.set_name]. Call on the
 * context's thread.
 *
 * Returns: (nullable): the debug name, if one was set
 */
const char *
relay_notifier_get_name (RelayNotifier *self)
{
  g_return_val_if_fail (RELAY_IS_NOTIFIER (self), NULL);

  return self->name;
}

/**
 * relay_notifier_set_name:
 * @self: a notifier
 * @name: (nullable): a name for debugging and profilers
 *
 * Names the notifier and its [struct@GLib.Source]. Call on the context's thread.
 */
void
relay_notifier_set_name (RelayNotifier *self,
                         const char    *name)
{
  g_return_if_fail (RELAY_IS_NOTIFIER (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);

  g_source_set_name ((GSource *) self->source, name ? name : "[relay] notifier");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}
