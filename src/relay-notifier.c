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
 * it covers. It runs at most once per iteration of the context. While the
 * notifier is in use, only a trigger that finds the context about to sleep wakes
 * it (one write to its wake-up fd, no lock), so a burst of triggers costs one
 * wake-up, and a trigger is one atomic operation otherwise.
 *
 * A notifier left idle for about a hundred iterations of its context goes
 * quiet: it then costs each iteration what a source that is never ready costs,
 * however many there are. The trigger that wakes a quiet notifier also takes
 * the context's lock once ([method@GLib.Source.set_ready_time]); from its
 * first call on, the notifier is in use again.
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
#include "relay-notifier-private.h"
#include "relay-sync-private.h"

/* Notifier state, one atomic int: the number of triggers not yet delivered in
 * the low bits, flags above. Packing them together lets a trigger check "still
 * alive", count itself and see whether the owner must be woken in one
 * compare-and-swap, so a trigger can never be counted into a notifier that has
 * already fired or been destroyed, and a wake-up is never lost.
 *
 * A notifier has one source of its own (NotifierSource), always attached, with
 * no prepare and no check function: GLib 2.74 drops and retakes the context's
 * lock around every prepare and check call, so a source that has them costs
 * every iteration two lock round trips that an inert source does not. It is
 * made ready through its ready time, or by a child source, the arm
 * (ArmSource), which has a prepare and a check and is attached only while the
 * notifier is ACTIVE: it delivered a trigger less than QUIET_AFTER idle
 * iterations ago. The arm only decides; the notifier's own source delivers,
 * once per iteration at most (GLib marks a parent ready when its child is, and
 * dispatches each source once per iteration).
 *
 * ACTIVE: ARMED is the wake-up protocol. The arm's prepare sets it, before the
 * owner may block in poll, when there is nothing to deliver; the trigger that
 * finds it set clears it and wakes the context with g_main_context_wakeup(),
 * which takes no lock. Triggers made while the owner is awake (dispatching, or
 * between dispatch and its next prepare) wake nobody: prepare sees their count.
 * A burst of triggers thus costs the worker one atomic operation each and a
 * wake-up only when the owner really went to sleep.
 *
 * QUIET (not ACTIVE): the trigger that takes the count off zero sets the
 * ready time of the notifier's source to 0. g_source_set_ready_time() takes
 * the context's lock and, unless the source is being dispatched, writes the
 * context's wake-up while holding it. Dispatch sets the ready time back to -1
 * *before* it takes the batch off the word: a trigger counted after the take
 * finds the count at zero and sets 0 again, after the -1 (both under the
 * context's lock), so no trigger is left without a dispatch to come. (One
 * counted before the take may set 0 after the -1: a dispatch then finds
 * nothing to deliver.) Destroy and the last unref, in either mode, set the
 * ready time to 0 after setting their flag, for the owner to clean up.
 *
 * The mode changes on the owner only. A dispatch that is about to deliver
 * while the notifier is quiet attaches the arm, then sets ACTIVE, before the
 * callback runs: a trigger before that sets the ready time, one after it
 * (including one from the callback) finds ACTIVE without ARMED and leaves the
 * count to the arm's first prepare, in the next iteration. After QUIET_AFTER
 * prepares in a row with nothing delivered, the arm clears ACTIVE and ARMED in
 * a compare-and-swap that requires the count to be zero (a trigger in between
 * fails it) and retires: its dispatch removes it. Every later trigger sets the
 * ready time. So an idle notifier costs the loop what an inert source costs,
 * and one in use what the arm's prepare and check cost; the first trigger
 * after a quiet spell takes the context's lock once.
 *
 * The trigger that makes the count non-zero takes a reference to the notifier
 * for the batch it starts, and the dispatch that delivers the batch drops it,
 * so the callback always gets a live notifier however early the last other
 * reference went.
 *
 * Under a stream (the last dispatch covered more than one trigger: they come
 * faster than the owner delivers them) a blocking owner does not rush back:
 * the arm's prepare asks poll for at most 1 ms instead, without arming, and
 * its check, after poll, delivers whatever came. Every owner look at the word
 * costs the worker a cache miss, so an owner that spun through iterations
 * would slow the very stream it watches; this way a worker that triggers in a
 * tight loop costs the owner at most about a thousand dispatches a second, and
 * a non-blocking iteration still delivers at once. A stream always finds the
 * notifier active: its first delivery attached the arm. */
#define COUNT_MASK      0x03ffffff
#define STATE_ACTIVE    0x04000000   /* the arm is attached: triggers follow ARMED */
#define STATE_ARMED     0x08000000   /* the owner may block: the next trigger wakes it */
#define STATE_FIRED     0x10000000   /* the callback returned G_SOURCE_REMOVE */
#define STATE_DESTROYED 0x20000000   /* relay_notifier_destroy() was called */
#define STATE_ORPHANED  0x40000000   /* the last reference was dropped */

/* How many prepares in a row with nothing delivered make an active notifier
 * quiet. Going quiet and active again costs about what this many idle
 * iterations of the arm do. */
#define QUIET_AFTER 128

static gsize n_activations;   /* atomic: see relay-notifier-private.h */
static gsize n_retirements;   /* atomic */

typedef struct
{
  GSource            source;

  int                state;          /* atomic, see above */
  RelayNotifier     *notifier;       /* borrowed: alive while a batch is pending */
  int                streaming;      /* owner: the last dispatch covered > 1 */

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

/* The arm: a child of an active notifier's source, attached by the owner. */
typedef struct
{
  GSource          source;
  NotifierSource  *notifier_source;  /* a reference: its parent */
  guint            idle;             /* owner: prepares in a row with nothing delivered */
  gboolean         retired;          /* owner: went quiet; its dispatch removes it */
} ArmSource;

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

/* On the owner, from the source's dispatch: delivers the pending batch, if
 * any. Returns G_SOURCE_REMOVE when the notifier is done (fired, destroyed, or
 * orphaned with nothing left to deliver): its data is released. */
static gboolean
notifier_deliver (NotifierSource *source)
{
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
      source->streaming = n_triggers > 1;

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

  return G_SOURCE_REMOVE;
}

/* The arm: ready if there are triggers to deliver (which makes its parent
 * ready), else armed, so that the next trigger wakes the context; quiet after
 * QUIET_AFTER such prepares in a row. Destroy and the last unref need not be
 * seen here: they set the parent's ready time. */
static gboolean
arm_source_prepare (GSource *gsource,
                    gint    *timeout)
{
  ArmSource *arm = (ArmSource *) gsource;
  NotifierSource *source = arm->notifier_source;
  int state = g_atomic_int_get (&source->state);

  *timeout = -1;

  if (arm->retired)
    return TRUE;      /* its dispatch removes it */

  if ((state & COUNT_MASK) != 0)
    {
      if (source->streaming)
        {
          *timeout = 1;     /* check delivers them after poll */
          return FALSE;
        }
      return TRUE;
    }

  if (++arm->idle >= QUIET_AFTER)
    {
      /* Quiet: from the compare-and-swap on, a trigger sets the parent's
       * ready time. It fails if a trigger came first: deliver that. */
      while ((state & COUNT_MASK) == 0)
        {
          if (g_atomic_int_compare_and_exchange_full (&source->state, state,
                                                      state & ~(STATE_ACTIVE | STATE_ARMED),
                                                      &state))
            {
              arm->retired = TRUE;
              g_atomic_pointer_add (&n_retirements, 1);
              break;
            }
        }
      return TRUE;
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
arm_source_check (GSource *gsource)
{
  ArmSource *arm = (ArmSource *) gsource;

  return arm->retired ||
         (g_atomic_int_get (&arm->notifier_source->state) & COUNT_MASK) != 0;
}

/* Runs just before its parent's dispatch, which delivers. */
static gboolean
arm_source_dispatch (GSource     *gsource,
                     GSourceFunc  unused_callback,
                     gpointer     unused_data)
{
  ArmSource *arm = (ArmSource *) gsource;

  if (arm->retired)
    return G_SOURCE_REMOVE;     /* GLib detaches it from its parent */

  arm->idle = 0;
  return G_SOURCE_CONTINUE;
}

static void
arm_source_finalize (GSource *gsource)
{
  ArmSource *arm = (ArmSource *) gsource;

  /* The context may be finalized on another thread than the owner that
   * attached the arm: pairs with the release in notifier_source_activate(). */
  relay_tsan_acquire (gsource);
  /* This may be the last reference to the notifier's source: see its
   * finalize. */
  relay_tsan_release (arm->notifier_source);
  g_source_unref ((GSource *) arm->notifier_source);
}

static GSourceFuncs arm_source_funcs = {
  .prepare = arm_source_prepare,
  .check = arm_source_check,
  .dispatch = arm_source_dispatch,
  .finalize = arm_source_finalize,
};

/* On the owner, in the notifier source's dispatch: attaches the arm as its
 * child (blocked, like its parent, until the dispatch returns), then sets
 * ACTIVE. Destroying the parent destroys the arm. */
static void
notifier_source_activate (NotifierSource *source)
{
  GSource *gsource = (GSource *) source;
  ArmSource *arm = (ArmSource *) g_source_new (&arm_source_funcs, sizeof (ArmSource));

  arm->notifier_source = (NotifierSource *) g_source_ref (gsource);
  g_source_set_static_name ((GSource *) arm, "[relay] notifier arm");
  relay_tsan_release (arm);    /* see arm_source_finalize() */
  g_source_add_child_source (gsource, (GSource *) arm);
  g_source_unref ((GSource *) arm);        /* its parent holds it */

  g_atomic_int_or (&source->state, STATE_ACTIVE);
  g_atomic_pointer_add (&n_activations, 1);
}

guint64
_relay_notifier_get_n_activations (void)
{
  return (guint64) g_atomic_pointer_get (&n_activations);
}

guint64
_relay_notifier_get_n_retirements (void)
{
  return (guint64) g_atomic_pointer_get (&n_retirements);
}

/* Ready through its ready time (a trigger while the notifier is quiet, a
 * destroy, the last unref) or through the arm, its child. */
static gboolean
notifier_source_dispatch (GSource     *gsource,
                          GSourceFunc  unused_callback,
                          gpointer     unused_data)
{
  NotifierSource *source = (NotifierSource *) gsource;
  int state;

  /* Not ready any more, before the batch is taken: a quiet trigger counted
   * after the take sets the ready time to 0 after this. GLib blocks the
   * source while it is dispatched, so this does not write the wake-up. */
  g_source_set_ready_time (gsource, -1);

  /* About to deliver while quiet: arm first, so that the triggers from here
   * on, the callback's own included, leave the count to the arm. */
  state = g_atomic_int_get (&source->state);
  if ((state & COUNT_MASK) != 0 &&
      !(state & (STATE_ACTIVE | STATE_FIRED | STATE_DESTROYED)))
    notifier_source_activate (source);

  if (notifier_deliver (source) == G_SOURCE_CONTINUE)
    return G_SOURCE_CONTINUE;

  /* GLib destroys the source, and with it the arm, when we return. It then
   * drops the context's reference to the source; if that is the last one, it
   * finalizes and frees the source on this thread, else whoever drops the
   * last one does. That reference count is GLib's own atomic, invisible to
   * ThreadSanitizer: tell it (see also finalize). */
  relay_tsan_release (gsource);

  return G_SOURCE_REMOVE;
}

static void
notifier_source_finalize (GSource *gsource)
{
  NotifierSource *source = (NotifierSource *) gsource;

  /* Pairs with the releases before every other drop of a reference (the end
   * of dispatch, relay_notifier_finalize, the arm's finalize): the GSource
   * reference count orders them before this, but ThreadSanitizer cannot see
   * it inside GLib. */
  relay_tsan_acquire (gsource);

  /* The context was finalized before the notifier fired or saw its destroy.
   * The lock also orders this after a dispatch or destroy on another thread. */
  g_rec_mutex_lock (&source->lock);
  notifier_source_release_data (source);
  g_rec_mutex_unlock (&source->lock);
  g_rec_mutex_clear (&source->lock);
}

/* No prepare, no check: see the state comment above. */
static GSourceFuncs notifier_source_funcs = {
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

  /* Quiet until its first delivery. The owner may dispatch the source as
   * soon as it is attached; the atomic read of the state there orders
   * everything above before it (GLib's own hand-off through the context lock
   * is invisible to ThreadSanitizer). */
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
    g_source_set_ready_time ((GSource *) self->source, 0);

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
 * learns how many it covers. Only a trigger that finds none pending may wake the
 * context: if the notifier is in use, only when the context is about to sleep,
 * without its lock; if the notifier went quiet, taking the context's lock once.
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

  /* Only the trigger that starts a batch may wake the owner. Active: only if
   * it disarmed the notifier, for the owner may be blocked in poll; otherwise
   * the owner is awake and the arm's next prepare sees the count. Quiet: the
   * ready time of the notifier's own source (this takes the context's lock;
   * reading self->source again there keeps the compare-and-swap loop one
   * register lighter, measurably in a tight loop of triggers). The CAS is
   * sequentially consistent: the dispatch that reads the count sees
   * everything this thread wrote before it. */
  if (state & STATE_ARMED)
    g_main_context_wakeup (self->context);
  else if ((state & (COUNT_MASK | STATE_ACTIVE)) == 0)
    g_source_set_ready_time ((GSource *) self->source, 0);

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
 * finalized). From another thread this wakes the context, taking its lock
 * once.
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
    g_source_destroy ((GSource *) source);    /* and the arm, its child */
  else
    g_source_set_ready_time ((GSource *) source, 0);    /* the owner cleans up */
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

  g_source_set_priority ((GSource *) self->source, priority);    /* and the arm's */
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
