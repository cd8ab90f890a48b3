/* relay-dispatcher.c: one custom GSource per main context that runs every promise
 * handler, from a FIFO of tasks, one wake-up per burst
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Promises never get a GSource or a file descriptor of their own. Any thread may
 * post a task (a handler to run, a promise whose handlers are due, a progress
 * report to deliver) to the dispatcher of a context. Posting is a lock-free push
 * onto a stack; only the push that finds the stack empty wakes the context, by
 * writing to the dispatcher's own eventfd, which its GSource polls. So a
 * thousand promises settling in a burst cost one wake-up, and a posting thread
 * never calls into GLib's main-context machinery: it cannot take the context's
 * lock, and cannot race the source's finalization when the context goes away. The dispatch function
 * takes the whole stack at once, reverses it into FIFO order and runs it in a
 * loop. Tasks posted while it runs (a chained promise settling, say) are picked
 * up by the same loop, so a chain of a million `then`s needs no stack at all.
 *
 * Lifetime: the dispatcher is a small refcounted struct that promises hold. The
 * GSource holds a reference to it, and the context holds the GSource, never the
 * other way round: promises do not keep a context alive. When the context is
 * finalized, the source's finalize marks the dispatcher dead and hands every
 * queued task its func with dispatch = FALSE, so it releases what it holds and no
 * handler ever runs for a context that is gone. Later posts are released the same
 * way by the posting thread.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/eventfd.h>
#endif
#include <glib-unix.h>

#include "relay-dispatcher-private.h"
#include "relay-sync-private.h"

/* How long one dispatch may run before it lets the main loop breathe; the rest
 * of the queue continues on the next iteration. */
#define DISPATCH_BUDGET_USEC 4000

struct _RelayDispatcher
{
  int           ref_count;   /* atomic */
  RelayTask    *head;        /* atomic: lock-free stack of posted tasks, newest first */
  int           dead;        /* atomic: set once, when the context is finalized */

  /* Immutable after creation; used as an identity, dereferenced only under @lock
   * while @source is set. */
  GMainContext *context;

  /* The wake-up: written by the post that makes the queue non-empty, polled by
   * the source. Owned by this struct, so a post after the context died writes
   * into a descriptor nobody polls, harmlessly. @wake_fds[1] == -1 for an eventfd. */
  int           wake_fds[2];

  GMutex        lock;        /* guards @source */
  GSource      *source;      /* borrowed: the context owns it; NULL once dead */

  /* Only touched by the thread dispatching the source. */
  RelayTask    *backlog;     /* FIFO remainder of a batch cut short by the budget */
};

typedef struct
{
  GSource          source;
  RelayDispatcher *dispatcher;
  gpointer         wake_tag;
} RelayDispatcherSource;

static GMutex      registry_lock;
static GHashTable *registry;    /* GMainContext* → RelayDispatcher* (borrowed), registry_lock */

static GPrivate thread_default_cache = G_PRIVATE_INIT ((GDestroyNotify) relay_dispatcher_unref);

/* Writes to any dispatcher's wake-up fd, for the benchmarks. */
static guint64 n_wakeups;   /* atomic */

RelayDispatcher *
relay_dispatcher_ref (RelayDispatcher *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
relay_dispatcher_unref (RelayDispatcher *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  g_assert (g_atomic_pointer_get (&self->head) == NULL);
  close (self->wake_fds[0]);
  if (self->wake_fds[1] >= 0)
    close (self->wake_fds[1]);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static RelayTask *
reverse_tasks (RelayTask *task)
{
  RelayTask *reversed = NULL;

  while (task != NULL)
    {
      RelayTask *next = task->next;
      task->next = reversed;
      reversed = task;
      task = next;
    }

  return reversed;
}

static void
wake_signal (RelayDispatcher *self)
{
  const guint64 one = 1;
  int fd = self->wake_fds[1] >= 0 ? self->wake_fds[1] : self->wake_fds[0];
  ssize_t r;

  __atomic_fetch_add (&n_wakeups, 1, __ATOMIC_RELAXED);

  do
    r = write (fd, &one, self->wake_fds[1] >= 0 ? 1 : sizeof one);
  while (r < 0 && errno == EINTR);
  /* EAGAIN: the counter or the pipe is full, so the source is ready anyway. */
}

static void
wake_acknowledge (RelayDispatcher *self)
{
  char buffer[64];
  ssize_t r;

  do
    r = read (self->wake_fds[0], buffer, self->wake_fds[1] >= 0 ? sizeof buffer : sizeof (guint64));
  while (r > 0 && self->wake_fds[1] >= 0);
}

/* Hand every task in @list its func with dispatch = FALSE. */
static void
release_tasks (RelayTask *list)
{
  while (list != NULL)
    {
      RelayTask *next = list->next;
      list->next = NULL;
      list->func (list, FALSE);
      list = next;
    }
}

static gboolean
dispatcher_source_dispatch (GSource     *source,
                            GSourceFunc  callback,
                            gpointer     user_data)
{
  RelayDispatcher *self = ((RelayDispatcherSource *) source)->dispatcher;
  gint64 deadline;

  /* Acknowledge the wake-up before taking the queue: a post that lands after
   * the exchange below finds the stack empty and wakes us again; a post that
   * lands before it is taken by it. Either way nothing is lost. */
  wake_acknowledge (self);
  g_source_set_ready_time (source, -1);

  deadline = g_get_monotonic_time () + DISPATCH_BUDGET_USEC;

  for (;;)
    {
      RelayTask *task = self->backlog;

      if (task == NULL)
        {
          /* Acquire pairs with the release in relay_dispatcher_post(): the
           * task's contents are visible here. */
          task = reverse_tasks (g_atomic_pointer_exchange (&self->head, NULL));
          if (task == NULL)
            break;
        }

      self->backlog = task->next;
      task->next = NULL;
      task->func (task, TRUE);

      /* Checked after every task: one slow handler (a Python one waiting for
       * the GIL, say) must not hold the loop for the rest of the queue. */
      if (g_get_monotonic_time () >= deadline)
        {
          /* Out of time: let other sources run and continue next iteration. */
          g_source_set_ready_time (source, 0);
          break;
        }
    }

  return G_SOURCE_CONTINUE;
}

static void
dispatcher_source_finalize (GSource *source)
{
  RelayDispatcher *self = ((RelayDispatcherSource *) source)->dispatcher;
  RelayTask *backlog;

  /* The context is being finalized (nothing else destroys this source). */
  g_mutex_lock (&registry_lock);
  if (registry != NULL && g_hash_table_lookup (registry, self->context) == self)
    g_hash_table_remove (registry, self->context);
  g_mutex_unlock (&registry_lock);

  relay_mutex_lock (&self->lock);
  self->source = NULL;
  g_atomic_int_set (&self->dead, TRUE);
  relay_mutex_unlock (&self->lock);

  backlog = g_steal_pointer (&self->backlog);
  release_tasks (backlog);
  release_tasks (reverse_tasks (g_atomic_pointer_exchange (&self->head, NULL)));

  relay_dispatcher_unref (self);
}

static gboolean
dispatcher_source_check (GSource *source)
{
  RelayDispatcherSource *self = (RelayDispatcherSource *) source;

  return (g_source_query_unix_fd (source, self->wake_tag) & G_IO_IN) != 0;
}

static GSourceFuncs dispatcher_source_funcs = {
  .check = dispatcher_source_check,
  .dispatch = dispatcher_source_dispatch,
  .finalize = dispatcher_source_finalize,
};

static RelayDispatcher *
dispatcher_new (GMainContext *context)
{
  RelayDispatcher *self = g_new0 (RelayDispatcher, 1);
  RelayDispatcherSource *source;

  self->ref_count = 1;   /* the caller's */
  self->context = context;
  g_mutex_init (&self->lock);

#ifdef __linux__
  self->wake_fds[0] = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  self->wake_fds[1] = -1;
  if (self->wake_fds[0] < 0)
#endif
    {
      g_autoptr(GError) error = NULL;

      if (!g_unix_open_pipe (self->wake_fds, FD_CLOEXEC, &error) ||
          !g_unix_set_fd_nonblocking (self->wake_fds[0], TRUE, &error) ||
          !g_unix_set_fd_nonblocking (self->wake_fds[1], TRUE, &error))
        g_error ("Relay: cannot create the dispatcher's wake-up pipe: %s", error->message);
    }

  source = (RelayDispatcherSource *) g_source_new (&dispatcher_source_funcs,
                                                   sizeof (RelayDispatcherSource));
  source->dispatcher = relay_dispatcher_ref (self);
  source->wake_tag = g_source_add_unix_fd ((GSource *) source, self->wake_fds[0], G_IO_IN);
  g_source_set_static_name ((GSource *) source, "[relay] promise dispatcher");
  g_source_set_priority ((GSource *) source, G_PRIORITY_DEFAULT);
  g_source_set_can_recurse ((GSource *) source, FALSE);
  self->source = (GSource *) source;

  g_source_attach ((GSource *) source, context);
  g_source_unref ((GSource *) source);    /* the context owns it now */

  return self;
}

/*
 * relay_dispatcher_get_for_context:
 * @context: a main context the caller holds a reference to
 *
 * Returns: (transfer full): the dispatcher of @context, created on first use.
 */
RelayDispatcher *
relay_dispatcher_get_for_context (GMainContext *context)
{
  RelayDispatcher *self;

  g_mutex_lock (&registry_lock);

  if (registry == NULL)
    registry = g_hash_table_new (NULL, NULL);

  self = g_hash_table_lookup (registry, context);
  if (self == NULL || g_atomic_int_get (&self->dead))
    {
      self = dispatcher_new (context);
      g_hash_table_replace (registry, context, self);
    }
  else
    {
      relay_dispatcher_ref (self);
    }

  g_mutex_unlock (&registry_lock);

  return self;
}

/*
 * relay_dispatcher_get_thread_default:
 *
 * The dispatcher of the calling thread's thread-default main context (the
 * global default context if none was pushed). Cached per thread, since every
 * promise creation asks for it.
 *
 * Returns: (transfer full): a dispatcher
 */
RelayDispatcher *
relay_dispatcher_get_thread_default (void)
{
  GMainContext *context = g_main_context_get_thread_default ();
  RelayDispatcher *cached = g_private_get (&thread_default_cache);
  RelayDispatcher *self;

  if (context == NULL)
    context = g_main_context_default ();

  /* A dead dispatcher may share the address of a new context; @dead rules it out. */
  if (cached != NULL && cached->context == context && !g_atomic_int_get (&cached->dead))
    return relay_dispatcher_ref (cached);

  self = relay_dispatcher_get_for_context (context);
  g_private_replace (&thread_default_cache, relay_dispatcher_ref (self));

  return self;
}

/* Returns: (transfer full) (nullable): the context, or %NULL once it is gone */
GMainContext *
relay_dispatcher_ref_context (RelayDispatcher *self)
{
  GMainContext *context = NULL;

  relay_mutex_lock (&self->lock);
  if (self->source != NULL && !g_source_is_destroyed (self->source))
    {
      context = g_source_get_context (self->source);
      if (context != NULL)
        g_main_context_ref (context);
    }
  relay_mutex_unlock (&self->lock);

  return context;
}

/* Returns: (transfer none): the context, as an identity; it may be gone */
GMainContext *
relay_dispatcher_peek_context (RelayDispatcher *self)
{
  return self->context;
}

/*
 * relay_dispatcher_post:
 * @task: (transfer full): a task
 *
 * Queues @task to run on the dispatcher's context, after every task posted
 * before it. Any thread. If the context is gone, @task is released at once on
 * the calling thread.
 */
void
relay_dispatcher_post (RelayDispatcher *self,
                       RelayTask       *task)
{
  RelayTask *old_head;

  /* Release ordering (the CAS is sequentially consistent) publishes the task's
   * contents to the dispatching thread. */
  do
    {
      old_head = g_atomic_pointer_get (&self->head);
      task->next = old_head;
    }
  while (!g_atomic_pointer_compare_and_exchange (&self->head, old_head, task));

  /* Only the post that made the queue non-empty pays for the wake-up. */
  if (old_head == NULL)
    wake_signal (self);

  /* Dead: finalize drained the queue after setting @dead, so whoever pushed
   * after that drains it (both sequentially consistent: a push that sees @dead
   * still unset was taken by finalize's drain). */
  if (g_atomic_int_get (&self->dead))
    release_tasks (reverse_tasks (g_atomic_pointer_exchange (&self->head, NULL)));
}

/* Returns: how many times a dispatcher's wake-up fd was written, in this
 * process so far (private, for the benchmarks) */
guint64
_relay_dispatcher_get_n_wakeups (void)
{
  return __atomic_load_n (&n_wakeups, __ATOMIC_RELAXED);
}
