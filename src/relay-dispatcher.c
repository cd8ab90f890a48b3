/* relay-dispatcher.c: one custom GSource per main context that runs every promise
 * handler, from a FIFO of tasks, one wake-up per burst
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Promises never get a GSource or a file descriptor of their own. Any thread may
 * post a task (a promise whose handlers are due, a progress report to deliver,
 * a timer to attach) to the dispatcher of a context. Posting is a lock-free
 * push onto a stack. Only a push that finds the stack empty while the owner is
 * not dispatching wakes the context, by writing to the dispatcher's wake-up
 * descriptor (an eventfd or a pipe), which its GSource polls; so a thousand
 * promises settling in a burst cost one wake-up, a chain settling inside a
 * dispatch costs none, and a posting thread
 * never calls into GLib's main-context machinery: it cannot take the context's
 * lock. The dispatch function takes the whole stack at once, reverses it into
 * FIFO order and runs it in a loop. Tasks posted while it runs (a chained
 * promise settling, say) are picked up by the same loop, so a chain of a
 * million `then`s needs no stack at all. Each dispatch runs for at most the
 * context's budget (relay_main_context_set_dispatch_budget()), then lets the
 * main loop breathe and continues on the next iteration.
 *
 * A task knows whether it is queued: its @next is non-NULL exactly while it is
 * (the bottom of the stack points at TASK_END). Posting a queued task again
 * does nothing, so no node can ever be linked twice.
 *
 * Other threads never touch the context itself: timers and other sources a
 * promise needs are attached and destroyed by the owner thread, through tasks
 * posted here (relay_dispatcher_attach_source()).
 *
 * Lifetime. Promises are the dispatcher's users; while it has any, it holds a
 * reference to its context, as a GTask holds its context: a promise never
 * outlives the context its handlers run on. The GSource holds the dispatcher,
 * the context holds the GSource. When the context is finalized, GLib destroys
 * the source, and the destroy notify of its callback data marks the dispatcher
 * dead and forgets it in the registry. That notify runs before GLib frees the
 * context's memory (its sources are finalized only after that), so a new
 * context allocated at the same address can never find the old dispatcher.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <glib-unix.h>

#include "relay-dispatcher-private.h"
#include "relay-promise.h"
#include "relay-sync-private.h"

/* config.h sets RELAY_WAKE_EVENTFD (option 'wakeup'): an eventfd where the
 * system has one, a pipe elsewhere. */
#if RELAY_WAKE_EVENTFD
# include <sys/eventfd.h>
#endif

/* The default budget of one dispatch. */
#define DEFAULT_BUDGET_USEC 4000

/* The bottom of a stack or list of queued tasks: non-NULL, so that a queued
 * task's @next is never NULL. */
#define TASK_END ((RelayTask *) &task_end)
static const int task_end;

/* One queue and one GSource per priority a context's promises use: the lane of
 * G_PRIORITY_DEFAULT exists from the start, others are added on first use and
 * live as long as the dispatcher. Lanes are never removed, so a lane found on
 * the list stays valid. */
typedef struct _RelayLane RelayLane;

struct _RelayLane
{
  RelayLane       *next;        /* immutable once on the list */
  RelayDispatcher *dispatcher;  /* borrowed: owns the lane */
  int              priority;    /* immutable */
  RelayTask       *head;        /* atomic: lock-free stack of posted tasks, newest first */
  GThread         *dispatching; /* atomic: the owner thread, while in the dispatch loop */

  /* The wake-up: written by a post that makes the queue non-empty while the
   * owner may be asleep, polled by the source. Owned by the lane, so a post
   * after the context died writes into a descriptor nobody polls. An eventfd
   * (@wake_fds[1] == -1) where option 'wakeup' chose one, otherwise (or if
   * eventfd() fails) a pipe. */
  int              wake_fds[2];

  /* Only touched by the thread dispatching the source. */
  GSource         *source;      /* borrowed: the context owns it */
  gpointer         wake_tag;
  RelayTask       *backlog;     /* FIFO remainder of a batch cut short by the budget */
};

struct _RelayDispatcher
{
  int           ref_count;   /* atomic: the lanes' source callbacks, caches, and one
                              * while @n_users > 0 */
  int           n_users;     /* atomic: promises; while > 0 @context is referenced */
  int           dead;        /* atomic: set once, when the context is finalized */
  guint         budget_usec; /* atomic: how long one dispatch may run; 0: no limit */
  RelayLane    *lanes;       /* atomic: the list; new lanes under @lanes_lock */
  GMutex        lanes_lock;

  GMainContext *context;     /* immutable; referenced while @n_users > 0 */
};

typedef struct
{
  GSource    source;
  RelayLane *lane;           /* borrowed: valid until the source is destroyed */
} RelayDispatcherSource;

static GMutex      registry_lock;
static GHashTable *registry;    /* GMainContext* → RelayDispatcher* (borrowed), registry_lock */

static gsize n_wakeups;         /* atomic */

static void
dispatcher_unref (RelayDispatcher *self)
{
  relay_tsan_release (self);
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  relay_tsan_acquire (self);

  while (self->lanes != NULL)
    {
      RelayLane *lane = self->lanes;

      self->lanes = lane->next;
      g_assert (g_atomic_pointer_get (&lane->head) == NULL);
      close (lane->wake_fds[0]);
      if (lane->wake_fds[1] >= 0)
        close (lane->wake_fds[1]);
      g_free (lane);
    }
  g_mutex_clear (&self->lanes_lock);
  g_free (self);
}

static RelayDispatcher *
dispatcher_ref (RelayDispatcher *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelayDispatcher, dispatcher_unref)

/* Reverses a stack (newest first) into a FIFO list; both end with TASK_END. */
static RelayTask *
reverse_tasks (RelayTask *task)
{
  RelayTask *reversed = TASK_END;

  /* A poster may probe a queued task's @next with its compare-and-swap at
   * any time (and fail): every access to it is atomic. */
  while (task != TASK_END && task != NULL)
    {
      RelayTask *next = relay_atomic_pointer_get_relaxed (&task->next);

      relay_atomic_pointer_set_relaxed (&task->next, reversed);
      reversed = task;
      task = next;
    }

  return reversed;
}

/* Unlinks the first task of a FIFO list, marking it not queued. */
static RelayTask *
pop_task (RelayTask **list)
{
  RelayTask *task = *list;
  RelayTask *next = relay_atomic_pointer_get_relaxed (&task->next);

  *list = next == TASK_END ? NULL : next;
  g_atomic_pointer_set (&task->next, NULL);
  return task;
}

static void
wake_signal (RelayLane *self)
{
  const guint64 one = 1;
  int fd = self->wake_fds[1] >= 0 ? self->wake_fds[1] : self->wake_fds[0];
  ssize_t r;

  g_atomic_pointer_add (&n_wakeups, 1);
  do
    r = write (fd, &one, self->wake_fds[1] >= 0 ? 1 : sizeof one);
  while (r < 0 && errno == EINTR);
  /* EAGAIN: the counter or the pipe is full, so the source is ready anyway. */
}

static void
wake_acknowledge (RelayLane *self)
{
  char buffer[64];
  ssize_t r;

  do
    r = read (self->wake_fds[0], buffer, self->wake_fds[1] >= 0 ? sizeof buffer : sizeof (guint64));
  while ((r > 0 && self->wake_fds[1] >= 0) || (r < 0 && errno == EINTR));
}

/* Hands every task in the FIFO @list its func with dispatch = FALSE. */
static void
release_tasks (RelayTask *list)
{
  while (list != NULL && list != TASK_END)
    {
      RelayTask *task = pop_task (&list);

      task->func (task, FALSE);
    }
}

/* Takes every posted task off the stack, oldest first, or NULL. */
static RelayTask *
take_posted (RelayLane *self)
{
  RelayTask *stack = g_atomic_pointer_exchange (&self->head, NULL);

  /* Acquire pairs with the release in relay_dispatcher_post(): the tasks'
   * contents are visible here. */
  return stack != NULL ? reverse_tasks (stack) : NULL;
}

static gboolean
dispatcher_source_dispatch (GSource     *source,
                            GSourceFunc  callback,
                            gpointer     user_data)
{
  RelayLane *self = ((RelayDispatcherSource *) source)->lane;
  guint budget = g_atomic_int_get (&self->dispatcher->budget_usec);
  gint64 deadline;

  /* Acknowledge a wake-up before taking the queue: a post that lands after
   * the exchange below finds the stack empty and wakes us again (or sees us
   * dispatching, and we look again before we leave). */
  if (g_source_query_unix_fd (source, self->wake_tag) & G_IO_IN)
    wake_acknowledge (self);
  g_source_set_ready_time (source, -1);

  /* Posts made while we dispatch need no wake-up: the loop below or the check
   * after it sees them. Sequentially consistent, as the poster's read. */
  g_atomic_pointer_set (&self->dispatching, g_thread_self ());
  deadline = budget > 0 ? g_get_monotonic_time () + budget : G_MAXINT64;

  for (;;)
    {
      RelayTask *task;

      if (self->backlog == NULL && (self->backlog = take_posted (self)) == NULL)
        break;


      task = pop_task (&self->backlog);
      task->func (task, TRUE);

      /* Checked after every task: one slow handler (a Python one waiting for
       * the GIL, say) must not hold the loop for the rest of the queue. */
      if (g_get_monotonic_time () >= deadline)
        break;
    }

  g_atomic_pointer_set (&self->dispatching, NULL);

  /* Out of time, or a post raced the end of the loop (it saw us dispatching
   * and did not wake the context): continue on the next iteration. */
  if (self->backlog != NULL || g_atomic_pointer_get (&self->head) != NULL)
    g_source_set_ready_time (source, 0);

  return G_SOURCE_CONTINUE;
}

static gboolean
dispatcher_source_check (GSource *source)
{
  RelayDispatcherSource *self = (RelayDispatcherSource *) source;

  return (g_source_query_unix_fd (source, self->lane->wake_tag) & G_IO_IN) != 0;
}

static GSourceFuncs dispatcher_source_funcs = {
  .check = dispatcher_source_check,
  .dispatch = dispatcher_source_dispatch,
};

/* Never called: the source's callback only carries the dispatcher, so that
 * its destroy notify tells us when the context goes. */
static gboolean
dispatcher_source_callback (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* A lane's source is being destroyed, which only happens when its context is
 * finalized, and before GLib frees the context's memory. The first lane to
 * hear of it forgets the dispatcher in the registry. */
static void
lane_context_finalized (gpointer data)
{
  RelayLane *self = data;
  RelayDispatcher *dispatcher = self->dispatcher;

  relay_mutex_lock (&registry_lock);
  if (registry != NULL && g_hash_table_lookup (registry, dispatcher->context) == dispatcher)
    g_hash_table_remove (registry, dispatcher->context);
  relay_mutex_unlock (&registry_lock);

  g_atomic_int_set (&dispatcher->dead, TRUE);

  /* Nothing is queued normally (users keep the context alive, and queued
   * tasks hold users); release anything anyway. A post that lands after
   * this sees @dead and releases its own. */
  release_tasks (g_steal_pointer (&self->backlog));
  release_tasks (take_posted (self));

  dispatcher_unref (dispatcher);
}

/* Creates the lane of @priority and attaches its source; @self's
 * lanes_lock held (or @self not yet shared). */
static RelayLane *
lane_new (RelayDispatcher *self,
          int              priority)
{
  RelayLane *lane = g_new0 (RelayLane, 1);
  RelayDispatcherSource *source;

  lane->dispatcher = self;
  lane->priority = priority;

#if RELAY_WAKE_EVENTFD
  lane->wake_fds[0] = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  lane->wake_fds[1] = -1;
  if (lane->wake_fds[0] < 0)
#endif
    {
      g_autoptr(GError) error = NULL;

      if (!g_unix_open_pipe (lane->wake_fds, FD_CLOEXEC, &error) ||
          !g_unix_set_fd_nonblocking (lane->wake_fds[0], TRUE, &error) ||
          !g_unix_set_fd_nonblocking (lane->wake_fds[1], TRUE, &error))
        g_error ("Relay: cannot create the dispatcher's wake-up pipe: %s", error->message);
    }

  source = (RelayDispatcherSource *) g_source_new (&dispatcher_source_funcs,
                                                   sizeof (RelayDispatcherSource));
  source->lane = lane;
  lane->source = (GSource *) source;
  lane->wake_tag = g_source_add_unix_fd ((GSource *) source, lane->wake_fds[0], G_IO_IN);
  g_source_set_static_name ((GSource *) source, "[relay] promise dispatcher");
  g_source_set_priority ((GSource *) source, priority);
  g_source_set_can_recurse ((GSource *) source, FALSE);
  /* The callback's data is the lane; its destroy notify drops the
   * dispatcher reference taken here. */
  dispatcher_ref (self);
  g_source_set_callback ((GSource *) source, dispatcher_source_callback,
                         lane, lane_context_finalized);

  /* Published before the owner can dispatch it (the attach below) or other
   * threads find it (the list). */
  g_atomic_pointer_set (&lane->next, self->lanes);
  g_atomic_pointer_set (&self->lanes, lane);

  g_source_attach ((GSource *) source, self->context);
  g_source_unref ((GSource *) source);    /* the context owns it now */

  return lane;
}

static RelayDispatcher *
dispatcher_new (GMainContext *context)
{
  RelayDispatcher *self = g_new0 (RelayDispatcher, 1);

  self->ref_count = 0;   /* each lane's source callback takes one */
  self->context = context;
  self->budget_usec = DEFAULT_BUDGET_USEC;
  g_mutex_init (&self->lanes_lock);
  g_atomic_int_set (&self->dead, FALSE);

  lane_new (self, G_PRIORITY_DEFAULT);

  return self;
}

/* The lane of @priority, created on first use. Any thread. */
static RelayLane *
get_lane (RelayDispatcher *self,
          int              priority)
{
  RelayLane *lane;

  for (lane = g_atomic_pointer_get (&self->lanes); lane != NULL; lane = lane->next)
    if (lane->priority == priority)
      return lane;

  relay_mutex_lock (&self->lanes_lock);
  for (lane = self->lanes; lane != NULL; lane = lane->next)
    if (lane->priority == priority)
      break;
  if (lane == NULL)
    lane = lane_new (self, priority);
  relay_mutex_unlock (&self->lanes_lock);

  return lane;
}

/* Adds a user to @self, which the caller knows to be alive, whose context the
 * caller holds a reference to (or another user of @self does). */
static RelayDispatcher *
add_user (RelayDispatcher *self)
{
  if (g_atomic_int_add (&self->n_users, 1) == 0)
    {
      g_main_context_ref (self->context);
      dispatcher_ref (self);
    }

  return self;
}

/* Each thread's last dispatcher (a plain reference, not a user: it does not
 * keep the context alive, and a dead one's lanes stay open until the thread
 * asks for another context or exits). The pointer is read without a call;
 * the GPrivate is only there to release it when the thread exits. */
static _Thread_local RelayDispatcher *thread_cached;

/* The GPrivate's destroy notify: for g_private_replace() (the new one is
 * already cached) and for the thread's exit, after which another thread-exit
 * destructor may still create a promise: it must not find a freed cache. */
static void
thread_cache_free (gpointer data)
{
  if (thread_cached == data)
    thread_cached = NULL;
  dispatcher_unref (data);
}

static GPrivate thread_cache = G_PRIVATE_INIT (thread_cache_free);

/*
 * relay_dispatcher_acquire:
 * @context: a main context the caller holds a reference to
 *
 * Returns @context's dispatcher, created on first use, with a user reference:
 * the dispatcher keeps @context alive until relay_dispatcher_release().
 *
 * Every promise creation asks for one, often for the same context on the
 * same thread (a worker creating promises for the main context), so each
 * thread remembers the last one and finds it again without the registry's
 * lock.
 *
 * Returns: (transfer full): the dispatcher of @context
 */
RelayDispatcher *
relay_dispatcher_acquire (GMainContext *context)
{
  RelayDispatcher *cached = thread_cached;
  RelayDispatcher *self;

  /* The caller holds @context, so it is alive. A dead cached dispatcher may
   * share its address (its context was finalized and the memory reused):
   * @dead, set before that memory was freed, rules it out. A live one is the
   * registry's entry for @context, which is only ever replaced once dead. */
  if (cached != NULL && cached->context == context && !g_atomic_int_get (&cached->dead))
    return add_user (cached);

  relay_mutex_lock (&registry_lock);

  if (registry == NULL)
    registry = g_hash_table_new (NULL, NULL);

  /* An entry is removed before its context's memory is freed, so an entry
   * found for a live context is that context's own. */
  self = g_hash_table_lookup (registry, context);
  if (self == NULL || g_atomic_int_get (&self->dead))
    {
      self = dispatcher_new (context);
      g_hash_table_replace (registry, context, self);
    }
  add_user (self);

  relay_mutex_unlock (&registry_lock);

  thread_cached = dispatcher_ref (self);
  g_private_replace (&thread_cache, thread_cached);

  return self;
}

/*
 * relay_dispatcher_acquire_thread_default:
 *
 * relay_dispatcher_acquire() for the calling thread's thread-default main
 * context (the global default context if none was pushed).
 *
 * Returns: (transfer full): a dispatcher, with a user reference
 */
RelayDispatcher *
relay_dispatcher_acquire_thread_default (void)
{
  GMainContext *context = g_main_context_get_thread_default ();

  /* The thread holds @context: it pushed it, or it is the global default. */
  return relay_dispatcher_acquire (context != NULL ? context : g_main_context_default ());
}

/* Returns: (transfer full): another user reference to @self, whose caller
 * already holds one (a derived promise of a promise on @self, say) */
RelayDispatcher *
relay_dispatcher_acquire_again (RelayDispatcher *self)
{
  g_atomic_int_inc (&self->n_users);
  return self;
}

/* Drops a user reference; the last one lets the context go. Any thread. */
void
relay_dispatcher_release (RelayDispatcher *self)
{
  if (!g_atomic_int_dec_and_test (&self->n_users))
    return;

  g_main_context_unref (self->context);
  dispatcher_unref (self);
}

/* Returns: (transfer none): the context; valid while the caller holds a user
 * reference */
GMainContext *
relay_dispatcher_get_context (RelayDispatcher *self)
{
  return self->context;
}

/* Whether the calling thread is inside this dispatcher's dispatch (a handler
 * runs on the owner right now). */
gboolean
relay_dispatcher_is_dispatching (RelayDispatcher *self)
{
  GThread *thread = g_thread_self ();

  for (RelayLane *lane = g_atomic_pointer_get (&self->lanes); lane != NULL; lane = lane->next)
    if (g_atomic_pointer_get (&lane->dispatching) == (gpointer) thread)
      return TRUE;

  return FALSE;
}

static gboolean
lane_post (RelayLane *self,
           RelayTask *task)
{
  RelayTask *old_head;

  /* Claim the task: only one post can move it from idle to queued. */
  if (!g_atomic_pointer_compare_and_exchange (&task->next, NULL, TASK_END))
    return FALSE;

  /* Release ordering (the CAS is sequentially consistent) publishes the task's
   * contents to the dispatching thread. */
  do
    {
      old_head = g_atomic_pointer_get (&self->head);
      g_atomic_pointer_set (&task->next, old_head != NULL ? old_head : TASK_END);
    }
  while (!g_atomic_pointer_compare_and_exchange (&self->head, old_head, task));

  /* Only the post that made the queue non-empty pays for the wake-up, and
   * not even that one while the owner dispatches: it looks at the queue
   * again before it leaves (both sequentially consistent). */
  if (old_head == NULL && g_atomic_pointer_get (&self->dispatching) == NULL)
    wake_signal (self);

  /* Dead: the teardown drained the queue after setting @dead, so whoever
   * pushed after that drains it. */
  if (g_atomic_int_get (&self->dispatcher->dead))
    release_tasks (take_posted (self));

  return TRUE;
}

/*
 * relay_dispatcher_post_at:
 * @priority: the GSource priority to run @task at
 * @task: (transfer full): a task
 *
 * Queues @task to run on the dispatcher's context at @priority, after every
 * task posted before it at that priority. Any thread. If the context is
 * gone, @task is released at once on the calling thread.
 *
 * Returns: %TRUE if @task was queued; %FALSE if it already was (the caller
 *   keeps whatever it meant to hand over)
 */
gboolean
relay_dispatcher_post_at (RelayDispatcher *self,
                          int              priority,
                          RelayTask       *task)
{
  RelayLane *lane = g_atomic_pointer_get (&self->lanes);

  /* The default lane is usually the only one, and first on the list. */
  if (lane->priority != priority || lane->next != NULL)
    lane = get_lane (self, priority);

  return lane_post (lane, task);
}

/* relay_dispatcher_post_at() at G_PRIORITY_DEFAULT. */
gboolean
relay_dispatcher_post (RelayDispatcher *self,
                       RelayTask       *task)
{
  return relay_dispatcher_post_at (self, G_PRIORITY_DEFAULT, task);
}

/* ------------------------------------------------------------------------ */
/* Sources attached and destroyed by the owner                              */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayTask        task;
  RelayDispatcher *dispatcher;   /* a user reference */
  GSource         *source;       /* owned */
  gboolean         destroy;
} SourceTask;

static void
source_task_func (RelayTask *task,
                  gboolean   dispatch)
{
  SourceTask *self = (SourceTask *) task;

  if (dispatch && self->destroy)
    g_source_destroy (self->source);
  else if (dispatch && !g_source_is_destroyed (self->source))
    g_source_attach (self->source, self->dispatcher->context);

  g_source_unref (self->source);
  relay_dispatcher_release (self->dispatcher);
  g_free (self);
}

static void
post_source_task (RelayDispatcher *self,
                  GSource         *source,
                  gboolean         destroy)
{
  SourceTask *task = g_new0 (SourceTask, 1);

  task->task.func = source_task_func;
  task->dispatcher = relay_dispatcher_acquire_again (self);
  task->source = g_source_ref (source);
  task->destroy = destroy;
  relay_dispatcher_post (self, &task->task);
}

/*
 * relay_dispatcher_attach_source:
 * @source: a source not attached anywhere, e.g. a timeout source (whose
 *   expiry counts from its creation, not from the attach)
 *
 * Attaches @source to the dispatcher's context from the owner thread, after
 * every task posted before. Any thread; the caller must hold a user reference.
 * A source destroyed before its turn is not attached.
 */
void
relay_dispatcher_attach_source (RelayDispatcher *self,
                                GSource         *source)
{
  post_source_task (self, source, FALSE);
}

/* Destroys @source (given to relay_dispatcher_attach_source()) from the owner
 * thread. Any thread. */
void
relay_dispatcher_destroy_source (RelayDispatcher *self,
                                 GSource         *source)
{
  if (relay_dispatcher_is_dispatching (self))
    g_source_destroy (source);
  else
    post_source_task (self, source, TRUE);
}

guint64
_relay_dispatcher_get_n_wakeups (void)
{
  return (guint64) g_atomic_pointer_get (&n_wakeups);
}

/* ------------------------------------------------------------------------ */
/* Public: the dispatch budget                                              */
/* ------------------------------------------------------------------------ */

/**
 * relay_main_context_set_dispatch_budget:
 * @context: (nullable): a main context, or %NULL for the global default one
 * @budget_usec: how long, in microseconds, Relay may run handlers in one
 *   iteration of @context; 0 for no limit
 *
 * Sets how long Relay's dispatcher may run promise handlers (and deliver
 * progress) in one iteration of @context before it returns to the main loop.
 * The rest of the queue continues on the next iteration, after the context's
 * other sources had their turn: a flood of settled promises then never holds
 * a GTK main loop for longer than the budget, and frames keep being drawn.
 * One handler that runs longer than the budget is not interrupted; the
 * budget is checked after every handler. The default is 4000 µs (a quarter
 * of a 60 Hz frame).
 *
 * The setting lasts as long as @context. Any thread.
 */
void
relay_main_context_set_dispatch_budget (GMainContext *context,
                                        guint         budget_usec)
{
  RelayDispatcher *self;

  if (context == NULL)
    context = g_main_context_default ();

  self = relay_dispatcher_acquire (context);
  g_atomic_int_set (&self->budget_usec, budget_usec);
  relay_dispatcher_release (self);
}

/**
 * relay_main_context_get_dispatch_budget:
 * @context: (nullable): a main context, or %NULL for the global default one
 *
 * Gets the budget set with [func@Relay.main_context_set_dispatch_budget].
 * Any thread.
 *
 * Returns: the dispatch budget of @context, in microseconds; 0 for no limit
 */
guint
relay_main_context_get_dispatch_budget (GMainContext *context)
{
  RelayDispatcher *self;
  guint budget;

  if (context == NULL)
    context = g_main_context_default ();

  self = relay_dispatcher_acquire (context);
  budget = g_atomic_int_get (&self->budget_usec);
  relay_dispatcher_release (self);

  return budget;
}

