/* relay-channel.c: a bounded, thread-safe channel of values
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * RelayChannel:
 *
 * A bounded, thread-safe queue of [struct@GObject.Value]s, for work that
 * produces many results: search hits, lines of a log, files of a directory
 * walk. Any number of threads send and receive, and receiving gives a
 * [class@Relay.Promise] that settles on the receiver's main context, so the
 * main loop never blocks on a channel.
 *
 * ```c
 * // on a worker: blocks while the channel is full
 * for (guint i = 0; i < n_lines; i++)
 *   if (!relay_channel_push_string (channel, lines[i], cancellable, &error))
 *     break;   // closed by the receiver, or cancelled
 * relay_channel_close (channel, NULL);
 *
 * // on the main thread: one promise per batch of up to 100 values
 * RelayPromise *batch = relay_channel_receive_many (channel, 100);
 * ```
 *
 * What each operation does in each state of the channel:
 *
 * | | room in the queue | queue full | queue empty | closed | cancelled while waiting |
 * |---|---|---|---|---|---|
 * | [method@Relay.Channel.push] | queues the value, returns %TRUE | blocks until there is room | queues | fails with the close error | fails with %G_IO_ERROR_CANCELLED; the value is not sent |
 * | [method@Relay.Channel.send] | queues; the promise fulfils (no values) | the promise stays pending until there is room | queues | the promise rejects with the close error | cancelling the promise withdraws the value |
 * | [method@Relay.Channel.receive] | fulfils with the oldest value | fulfils | stays pending until a value comes | the queued values first, then rejects with the close error | cancelling the promise leaves the value for the next receiver |
 *
 * The close error is the one given to [method@Relay.Channel.close], or
 * %RELAY_ERROR_CLOSED. Values leave the channel in the order they were
 * queued, and pending receives are served in the order they were made; the
 * values of one sender arrive in the order it sent them.
 *
 * Every function may be called from any thread. [method@Relay.Channel.push]
 * blocks, so call it from a worker, never from a thread that runs a main loop
 * the receivers depend on.
 *
 * Since: 1.0
 */

#include "config.h"

#include "relay-sync-private.h"

#include "relay-channel.h"
#include "relay-error.h"
#include "relay-promise-private.h"

/* A receive waiting for values. */
typedef struct
{
  RelayPromise *promise;   /* owned */
  guint         max;
} Receiver;

/* A send waiting for room (relay_channel_send() on a full channel). */
typedef struct
{
  RelayPromise *promise;   /* owned */
  GValue        value;
} Sender;

/* The queued values: a ring of GValues, moved in and out bitwise (a GValue
 * is a plain struct; whoever holds the bits owns the value). */
typedef struct
{
  GValue *values;
  guint   size;      /* a power of two */
  guint   head;      /* index of the oldest */
  guint   length;
} Ring;

struct _RelayChannel
{
  GObject   parent_instance;

  guint     capacity;      /* immutable */

  GMutex    lock;
  GCond     room;          /* lock: pushers wait on it for room */
  Ring      items;         /* lock: the queued values, oldest first */
  GQueue    receivers;     /* lock: Receiver *, oldest first */
  GQueue    senders;       /* lock: Sender *, oldest first */
  guint     prune_at;      /* lock: prune settled waiters at this length */
  guint     n_pushers;     /* lock: threads blocked in push */
  gboolean  closed;        /* lock */
  GError   *close_error;   /* lock; immutable once @closed */
  gboolean  pumping;       /* lock: a thread runs pump_unlock() */
  gboolean  dirty;         /* lock: something changed while it ran */
};

G_DEFINE_FINAL_TYPE (RelayChannel, relay_channel, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CAPACITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define PRUNE_MIN 16

static GValue *
ring_at (Ring  *ring,
         guint  index)
{
  return &ring->values[(ring->head + index) & (ring->size - 1)];
}

static void
ring_grow (Ring *ring)
{
  guint size = ring->size * 2;
  GValue *values = g_new0 (GValue, size);

  for (guint i = 0; i < ring->length; i++)
    values[i] = *ring_at (ring, i);
  g_free (ring->values);
  ring->values = values;
  ring->size = size;
  ring->head = 0;
}

/* Moves *@value in. */
static void
ring_push_tail (Ring   *ring,
                GValue *value)
{
  if (ring->length == ring->size)
    ring_grow (ring);
  *ring_at (ring, ring->length++) = *value;
}

static void
ring_push_head (Ring   *ring,
                GValue *value)
{
  if (ring->length == ring->size)
    ring_grow (ring);
  ring->head = (ring->head - 1) & (ring->size - 1);
  ring->length++;
  *ring_at (ring, 0) = *value;
}

/* Moves the oldest value out into *@value. */
static void
ring_pop_head (Ring   *ring,
               GValue *value)
{
  *value = *ring_at (ring, 0);
  ring->head = (ring->head + 1) & (ring->size - 1);
  ring->length--;
}

/* Moves the value at @index out into *@value, closing the gap. */
static void
ring_remove (Ring   *ring,
             guint   index,
             GValue *value)
{
  *value = *ring_at (ring, index);
  for (guint i = index; i + 1 < ring->length; i++)
    *ring_at (ring, i) = *ring_at (ring, i + 1);
  ring->length--;
}

/* Whether copying a value of @type is copying its bits (no reference, no
 * allocation): then a copy needs no GValue call, and neither does freeing. */
static inline gboolean
is_plain_type (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_CHAR:
    case G_TYPE_UCHAR:
    case G_TYPE_BOOLEAN:
    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_LONG:
    case G_TYPE_ULONG:
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
    case G_TYPE_ENUM:
    case G_TYPE_FLAGS:
    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE:
    case G_TYPE_POINTER:
      return TRUE;
    default:
      return FALSE;
    }
}

static GValue *
values_copy (const GValue *values,
             guint         n_values)
{
  GValue *copies = g_new0 (GValue, n_values);

  for (guint i = 0; i < n_values; i++)
    if (is_plain_type (G_VALUE_TYPE (&values[i])))
      copies[i] = values[i];
    else
      {
        g_value_init (&copies[i], G_VALUE_TYPE (&values[i]));
        g_value_copy (&values[i], &copies[i]);
      }

  return copies;
}

static void
values_free (GValue *values,
             guint   n_values)
{
  for (guint i = 0; i < n_values; i++)
    if (!is_plain_type (G_VALUE_TYPE (&values[i])))
      g_value_unset (&values[i]);
  g_free (values);
}

static void
receiver_free (Receiver *receiver)
{
  g_object_unref (receiver->promise);
  g_free (receiver);
}

static void
sender_free (Sender *sender)
{
  if (G_IS_VALUE (&sender->value))
    g_value_unset (&sender->value);
  g_object_unref (sender->promise);
  g_free (sender);
}

/* Garbage collected under the lock and released after it: releasing a
 * promise or a value may run a finalizer, which may call into the channel. */
typedef struct
{
  GSList *receivers;
  GSList *senders;
  GValue *values;
  guint   n_values;
} Garbage;

static void
garbage_free (Garbage *garbage)
{
  g_slist_free_full (garbage->receivers, (GDestroyNotify) receiver_free);
  g_slist_free_full (garbage->senders, (GDestroyNotify) sender_free);
  if (garbage->values != NULL)
    values_free (garbage->values, garbage->n_values);
}

static GError *
close_error_locked (RelayChannel *self)
{
  if (self->close_error != NULL)
    return g_error_copy (self->close_error);

  return g_error_new_literal (RELAY_ERROR, RELAY_ERROR_CLOSED, "The channel is closed");
}

static inline gboolean
is_pending (RelayPromise *promise)
{
  return _relay_promise_state (promise) == RELAY_PROMISE_STATE_PENDING;
}

/* With the lock held: drops the receives and sends that settled while they
 * waited (cancelled ones), so a loop that cancels its receives does not grow
 * the queues. Amortised: it runs when a queue doubled since the last prune. */
static void
prune_locked (RelayChannel *self,
              Garbage      *garbage)
{
  guint length = MAX (self->receivers.length, self->senders.length);

  if (length < self->prune_at)
    return;

  for (GList *l = self->receivers.head; l != NULL;)
    {
      GList *next = l->next;
      Receiver *receiver = l->data;

      if (!is_pending (receiver->promise))
        {
          g_queue_delete_link (&self->receivers, l);
          garbage->receivers = g_slist_prepend (garbage->receivers, receiver);
        }
      l = next;
    }

  for (GList *l = self->senders.head; l != NULL;)
    {
      GList *next = l->next;
      Sender *sender = l->data;

      if (!is_pending (sender->promise))
        {
          g_queue_delete_link (&self->senders, l);
          garbage->senders = g_slist_prepend (garbage->senders, sender);
        }
      l = next;
    }

  self->prune_at = MAX (PRUNE_MIN, 2 * MAX (self->receivers.length, self->senders.length));
}

/*
 * pump_unlock:
 *
 * Called with the lock held; returns with it released. Matches queued values
 * with waiting receives and waiting sends with free room, settling their
 * promises. One thread pumps at a time, the others only mark the channel
 * dirty, so the promises settle in queue order.
 *
 * Promises are settled with the lock released: settling runs the promise's
 * internal reactions on this thread, and those may cancel other promises,
 * whose cancellation may come back into this channel. A receive cancelled
 * while it is being fulfilled refuses the values, which go back to the head
 * of the queue (only the pumping thread takes items off the queue, so they
 * are still the oldest); a send cancelled while it is being fulfilled takes
 * its value back out of the queue. So a value is received exactly when its
 * receive fulfils, and sent exactly when its send fulfils.
 */
static void
pump_unlock (RelayChannel *self)
{
  Garbage garbage = { NULL, };

  if (self->pumping)
    {
      self->dirty = TRUE;
      relay_mutex_unlock (&self->lock);
      return;
    }

  g_object_ref (self);
  self->pumping = TRUE;

  for (;;)
    {
      Receiver *receiver = g_queue_peek_head (&self->receivers);
      Sender *sender = g_queue_peek_head (&self->senders);

      self->dirty = FALSE;

      if (receiver != NULL && (self->items.length > 0 || self->closed))
        {
          g_queue_pop_head (&self->receivers);
          garbage.receivers = g_slist_prepend (garbage.receivers, receiver);

          if (!is_pending (receiver->promise))
            continue;

          if (self->items.length > 0)
            {
              guint n = MIN (receiver->max, self->items.length);
              GValue *taken = g_new (GValue, n);
              GValue *copies;
              gboolean fulfilled;

              for (guint i = 0; i < n; i++)
                ring_pop_head (&self->items, &taken[i]);
              if (self->n_pushers > 0)
                g_cond_broadcast (&self->room);
              relay_mutex_unlock (&self->lock);

              /* The promise frees the copies if it refuses them. */
              copies = values_copy (taken, n);
              fulfilled = _relay_promise_settle_take (receiver->promise, copies, n, NULL);

              if (fulfilled)
                {
                  values_free (taken, n);
                  relay_mutex_lock (&self->lock);
                }
              else
                {
                  relay_mutex_lock (&self->lock);
                  /* Cancelled meanwhile: the values go back, still the oldest. */
                  for (guint i = n; i-- > 0;)
                    ring_push_head (&self->items, &taken[i]);
                  g_free (taken);
                }
            }
          else
            {
              GError *error = close_error_locked (self);

              relay_mutex_unlock (&self->lock);
              relay_promise_reject (receiver->promise, error);
              relay_mutex_lock (&self->lock);
            }
          continue;
        }

      if (sender != NULL && (self->closed || self->items.length < self->capacity))
        {
          g_queue_pop_head (&self->senders);
          garbage.senders = g_slist_prepend (garbage.senders, sender);

          if (!is_pending (sender->promise))
            continue;

          if (self->closed)
            {
              GError *error = close_error_locked (self);

              relay_mutex_unlock (&self->lock);
              relay_promise_reject (sender->promise, error);
              relay_mutex_lock (&self->lock);
            }
          else
            {
              /* Its position from the head does not change while the lock
               * is released: only this thread takes values off the head. */
              guint index = self->items.length;
              gboolean fulfilled;

              ring_push_tail (&self->items, &sender->value);   /* moved */
              memset (&sender->value, 0, sizeof sender->value);
              relay_mutex_unlock (&self->lock);

              fulfilled = relay_promise_resolve_values (sender->promise, NULL, 0);

              relay_mutex_lock (&self->lock);
              if (!fulfilled)
                {
                  /* Cancelled meanwhile: withdraw the value. */
                  garbage.values = g_renew (GValue, garbage.values, garbage.n_values + 1);
                  ring_remove (&self->items, index, &garbage.values[garbage.n_values++]);
                }
            }
          continue;
        }

      if (!self->dirty)
        break;
    }

  /* Pushers woken while sends waited for room went back to sleep: let them
   * in now that the sends are queued. */
  if (self->n_pushers > 0 && self->senders.length == 0 && self->items.length < self->capacity)
    g_cond_broadcast (&self->room);

  self->pumping = FALSE;
  relay_mutex_unlock (&self->lock);

  garbage_free (&garbage);
  g_object_unref (self);
}

static void
relay_channel_finalize (GObject *object)
{
  RelayChannel *self = RELAY_CHANNEL (object);
  Receiver *receiver;
  Sender *sender;

  /* Nobody else can reach the channel any more: no lock. What still waits
   * fails as if the channel had been closed. */
  while ((receiver = g_queue_pop_head (&self->receivers)) != NULL)
    {
      if (is_pending (receiver->promise))
        relay_promise_reject (receiver->promise, close_error_locked (self));
      receiver_free (receiver);
    }
  while ((sender = g_queue_pop_head (&self->senders)) != NULL)
    {
      if (is_pending (sender->promise))
        relay_promise_reject (sender->promise, close_error_locked (self));
      sender_free (sender);
    }
  for (guint i = 0; i < self->items.length; i++)
    g_value_unset (ring_at (&self->items, i));
  g_free (self->items.values);
  g_clear_error (&self->close_error);
  g_cond_clear (&self->room);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (relay_channel_parent_class)->finalize (object);
}

static void
relay_channel_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  RelayChannel *self = RELAY_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_CAPACITY:
      g_value_set_uint (value, self->capacity);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
relay_channel_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  RelayChannel *self = RELAY_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_CAPACITY:
      self->capacity = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
relay_channel_class_init (RelayChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = relay_channel_finalize;
  object_class->get_property = relay_channel_get_property;
  object_class->set_property = relay_channel_set_property;

  /**
   * RelayChannel:capacity:
   *
   * How many values the channel queues before senders wait.
   *
   * Since: 1.0
   */
  properties[PROP_CAPACITY] =
    g_param_spec_uint ("capacity", NULL, NULL,
                       1, G_MAXUINT, 64,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
relay_channel_init (RelayChannel *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->room);
  self->items.size = 16;
  self->items.values = g_new0 (GValue, self->items.size);
  g_queue_init (&self->receivers);
  g_queue_init (&self->senders);
  self->prune_at = PRUNE_MIN;
  self->capacity = 64;
}

/**
 * relay_channel_new:
 * @capacity: how many values the channel queues before senders wait; at
 *   least 1
 *
 * Creates an open, empty channel. Any thread.
 *
 * Returns: (transfer full): a new channel
 *
 * Since: 1.0
 */
RelayChannel *
relay_channel_new (guint capacity)
{
  g_return_val_if_fail (capacity > 0, NULL);

  return g_object_new (RELAY_TYPE_CHANNEL, "capacity", capacity, NULL);
}

/**
 * relay_channel_get_capacity:
 * @self: a channel
 *
 * Any thread.
 *
 * Returns: how many values @self queues before senders wait
 *
 * Since: 1.0
 */
guint
relay_channel_get_capacity (RelayChannel *self)
{
  g_return_val_if_fail (RELAY_IS_CHANNEL (self), 0);

  return self->capacity;
}

/**
 * relay_channel_get_n_queued:
 * @self: a channel
 *
 * How many values are queued and not received yet. Any thread; by the time
 * the caller looks at it, other threads may have changed it.
 *
 * Returns: the number of queued values
 *
 * Since: 1.0
 */
guint
relay_channel_get_n_queued (RelayChannel *self)
{
  guint n;

  g_return_val_if_fail (RELAY_IS_CHANNEL (self), 0);

  relay_mutex_lock (&self->lock);
  n = self->items.length;
  relay_mutex_unlock (&self->lock);

  return n;
}

/**
 * relay_channel_is_closed:
 * @self: a channel
 *
 * Any thread. A closed channel may still hold values for its receivers.
 *
 * Returns: whether [method@Relay.Channel.close] was called
 *
 * Since: 1.0
 */
gboolean
relay_channel_is_closed (RelayChannel *self)
{
  gboolean closed;

  g_return_val_if_fail (RELAY_IS_CHANNEL (self), FALSE);

  relay_mutex_lock (&self->lock);
  closed = self->closed;
  relay_mutex_unlock (&self->lock);

  return closed;
}

/* Takes *@value (moved in; unset if it was not sent). */
static RelayPromise *
send_value (RelayChannel *self,
            GValue       *value)
{
  RelayPromise *promise = relay_promise_new ();
  gboolean queued = FALSE;

  relay_mutex_lock (&self->lock);
  if (self->closed)
    {
      GError *error = close_error_locked (self);

      relay_mutex_unlock (&self->lock);
      g_value_unset (value);
      relay_promise_reject (promise, error);
      return promise;
    }

  if (self->items.length < self->capacity && self->senders.length == 0 && self->n_pushers == 0)
    {
      ring_push_tail (&self->items, value);   /* moved */
      queued = TRUE;
    }
  else
    {
      Sender *sender = g_new0 (Sender, 1);
      Garbage garbage = { NULL, };

      sender->promise = g_object_ref (promise);
      sender->value = *value;                 /* moved */
      prune_locked (self, &garbage);
      g_queue_push_tail (&self->senders, sender);
      if (garbage.receivers != NULL || garbage.senders != NULL)
        {
          relay_mutex_unlock (&self->lock);
          garbage_free (&garbage);
          relay_mutex_lock (&self->lock);
        }
    }
  memset (value, 0, sizeof *value);

  pump_unlock (self);

  /* Nobody else has the promise yet: settling it has no reactions to run. */
  if (queued)
    relay_promise_resolve_values (promise, NULL, 0);

  return promise;
}

/**
 * relay_channel_send:
 * @self: a channel
 * @value: the value to send (copied)
 *
 * Sends @value without blocking. Any thread; meant for threads that run a
 * main loop.
 *
 * The returned promise belongs to the calling thread's thread-default main
 * context. It fulfils, with no values, when @value is queued: at once if
 * there is room, else when receivers made some (sends waiting for room queue
 * in the order they were made). It rejects with the close error (see
 * [method@Relay.Channel.close]) if @self is closed before the value was
 * queued. Cancelling it ([method@Relay.Promise.cancel]) while it waits
 * withdraws the value: it is never received.
 *
 * For the common types, [method@Relay.Channel.send_boolean],
 * [method@Relay.Channel.send_int64], [method@Relay.Channel.send_double],
 * [method@Relay.Channel.send_string] and [method@Relay.Channel.send_object]
 * need no [struct@GObject.Value].
 *
 * Returns: (transfer full): a promise for the value being queued
 *
 * Since: 1.0
 */
RelayPromise *
relay_channel_send (RelayChannel *self,
                    const GValue *value)
{
  GValue copy = G_VALUE_INIT;

  g_return_val_if_fail (RELAY_IS_CHANNEL (self), NULL);
  g_return_val_if_fail (G_IS_VALUE (value), NULL);

  g_value_init (&copy, G_VALUE_TYPE (value));
  g_value_copy (value, &copy);

  return send_value (self, &copy);
}

#define SEND_TYPED(gtype, setter)                                              \
  G_STMT_START {                                                               \
    GValue typed = G_VALUE_INIT;                                               \
                                                                               \
    g_return_val_if_fail (RELAY_IS_CHANNEL (self), NULL);                      \
                                                                               \
    g_value_init (&typed, gtype);                                              \
    setter (&typed, value);                                                    \
                                                                               \
    return send_value (self, &typed);                                          \
  } G_STMT_END

/**
 * relay_channel_send_boolean:
 * @self: a channel
 * @value: the value to send
 *
 * [method@Relay.Channel.send] with one %G_TYPE_BOOLEAN value, as
 * [method@Relay.Promise.resolve_boolean] fulfils a promise with one; receivers
 * read it with [method@Relay.Promise.get_boolean]. Any thread; it never
 * blocks.
 *
 * Returns: (transfer full): a promise for the value being queued, on the
 *   calling thread's thread-default main context
 *
 * Since: 1.0
 */
RelayPromise *
relay_channel_send_boolean (RelayChannel *self,
                            gboolean      value)
{
  SEND_TYPED (G_TYPE_BOOLEAN, g_value_set_boolean);
}

/**
 * relay_channel_send_int64:
 * @self: a channel
 * @value: the value to send
 *
 * [method@Relay.Channel.send] with one %G_TYPE_INT64 value, as
 * [method@Relay.Promise.resolve_int64] fulfils a promise with one; receivers
 * read it with [method@Relay.Promise.get_int64]. Any thread; it never
 * blocks.
 *
 * Returns: (transfer full): a promise for the value being queued, on the
 *   calling thread's thread-default main context
 *
 * Since: 1.0
 */
RelayPromise *
relay_channel_send_int64 (RelayChannel *self,
                          gint64        value)
{
  SEND_TYPED (G_TYPE_INT64, g_value_set_int64);
}

/**
 * relay_channel_send_double:
 * @self: a channel
 * @value: the value to send
 *
 * [method@Relay.Channel.send] with one %G_TYPE_DOUBLE value, as
 * [method@Relay.Promise.resolve_double] fulfils a promise with one; receivers
 * read it with [method@Relay.Promise.get_double]. Any thread; it never
 * blocks.
 *
 * Returns: (transfer full): a promise for the value being queued, on the
 *   calling thread's thread-default main context
 *
 * Since: 1.0
 */
RelayPromise *
relay_channel_send_double (RelayChannel *self,
                           double        value)
{
  SEND_TYPED (G_TYPE_DOUBLE, g_value_set_double);
}

/**
 * relay_channel_send_string:
 * @self: a channel
 * @value: (nullable): the string to send (copied)
 *
 * [method@Relay.Channel.send] with one %G_TYPE_STRING value, as
 * [method@Relay.Promise.resolve_string] fulfils a promise with one; receivers
 * read it with [method@Relay.Promise.get_string]. Any thread; it never
 * blocks.
 *
 * Returns: (transfer full): a promise for the value being queued, on the
 *   calling thread's thread-default main context
 *
 * Since: 1.0
 */
RelayPromise *
relay_channel_send_string (RelayChannel *self,
                           const char   *value)
{
  SEND_TYPED (G_TYPE_STRING, g_value_set_string);
}

/**
 * relay_channel_send_object:
 * @self: a channel
 * @object: (type GObject.Object): the object to send (a reference is taken)
 *
 * [method@Relay.Channel.send] with one value of @object's type, as
 * [method@Relay.Promise.resolve_object] fulfils a promise with one; receivers
 * read it with [method@Relay.Promise.get_object]. Any thread; it never
 * blocks.
 *
 * Returns: (transfer full): a promise for @object being queued, on the
 *   calling thread's thread-default main context
 *
 * Since: 1.0
 */
RelayPromise *
relay_channel_send_object (RelayChannel *self,
                           gpointer      object)
{
  GValue typed = G_VALUE_INIT;

  g_return_val_if_fail (RELAY_IS_CHANNEL (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);

  g_value_init (&typed, G_OBJECT_TYPE (object));
  g_value_set_object (&typed, object);

  return send_value (self, &typed);
}

static void
wake_pushers (GCancellable *cancellable,
              gpointer      data)
{
  RelayChannel *self = data;

  relay_mutex_lock (&self->lock);
  g_cond_broadcast (&self->room);
  relay_mutex_unlock (&self->lock);
}

/* Takes *@value (moved out; unset if it was not queued). */
static gboolean
push_value (RelayChannel  *self,
            GValue        *value,
            GCancellable  *cancellable,
            GError       **error)
{
  gulong handler = 0;
  gboolean queued = FALSE;

  relay_mutex_lock (&self->lock);

  /* Only a push that has to wait listens to its cancellable. Connecting
   * takes GLib's process-wide signal lock, which the main thread takes for
   * every signal it emits: a worker preempted while holding it stalls the
   * main thread, so a push that finds room must not take it. Connected
   * without our lock (the handler takes it, and runs at once if the
   * cancellable is already cancelled); the loop below checks again. */
  if (cancellable != NULL && !self->closed &&
      (self->items.length >= self->capacity || self->senders.length > 0))
    {
      relay_mutex_unlock (&self->lock);
      handler = g_cancellable_connect (cancellable, G_CALLBACK (wake_pushers), self, NULL);
      relay_mutex_lock (&self->lock);
    }

  self->n_pushers++;
  while (!self->closed &&
         !g_cancellable_is_cancelled (cancellable) &&
         (self->items.length >= self->capacity || self->senders.length > 0))
    relay_cond_wait (&self->room, &self->lock);
  self->n_pushers--;

  if (self->closed)
    g_propagate_error (error, close_error_locked (self));
  else if (!g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      ring_push_tail (&self->items, value);
      queued = TRUE;
    }

  /* A pusher woken for room it did not take (closed or cancelled) passes the
   * wake-up on; a pusher that leaves room behind lets the next one in. */
  if (self->n_pushers > 0 && self->items.length < self->capacity)
    g_cond_signal (&self->room);

  if (queued && self->receivers.length > 0)
    pump_unlock (self);
  else
    relay_mutex_unlock (&self->lock);

  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);
  if (!queued)
    g_value_unset (value);

  return queued;
}

/**
 * relay_channel_push:
 * @self: a channel
 * @value: the value to send (copied)
 * @cancellable: (nullable): cancels the wait for room
 * @error: return location for the error
 *
 * Sends @value, blocking while @self is full: the backpressure that keeps a
 * fast producer from outrunning its receivers. Meant for workers (a
 * [class@Relay.Job], say); never call it on a thread whose main loop the
 * receivers need.
 *
 * Fails with the close error (see [method@Relay.Channel.close]) if @self is
 * closed, before or while it waits, and with %G_IO_ERROR_CANCELLED if
 * @cancellable is cancelled before the value was queued; in both cases the
 * value is not sent.
 *
 * Returns: %TRUE if @value was queued
 *
 * Since: 1.0
 */
gboolean
relay_channel_push (RelayChannel  *self,
                    const GValue  *value,
                    GCancellable  *cancellable,
                    GError       **error)
{
  GValue copy = G_VALUE_INIT;

  g_return_val_if_fail (RELAY_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_value_init (&copy, G_VALUE_TYPE (value));
  g_value_copy (value, &copy);

  return push_value (self, &copy, cancellable, error);
}

#define PUSH_TYPED(gtype, setter)                                              \
  G_STMT_START {                                                               \
    GValue typed = G_VALUE_INIT;                                               \
                                                                               \
    g_return_val_if_fail (RELAY_IS_CHANNEL (self), FALSE);                     \
    g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE); \
    g_return_val_if_fail (error == NULL || *error == NULL, FALSE);             \
                                                                               \
    g_value_init (&typed, gtype);                                              \
    setter (&typed, value);                                                    \
                                                                               \
    return push_value (self, &typed, cancellable, error);                      \
  } G_STMT_END

/**
 * relay_channel_push_boolean:
 * @self: a channel
 * @value: the value to send
 * @cancellable: (nullable): cancels the wait for room
 * @error: return location for the error
 *
 * [method@Relay.Channel.push] with a %G_TYPE_BOOLEAN value; receivers read it
 * with [method@Relay.Promise.get_boolean].
 *
 * Returns: %TRUE if @value was queued
 *
 * Since: 1.0
 */
gboolean
relay_channel_push_boolean (RelayChannel  *self,
                            gboolean       value,
                            GCancellable  *cancellable,
                            GError       **error)
{
  PUSH_TYPED (G_TYPE_BOOLEAN, g_value_set_boolean);
}

/**
 * relay_channel_push_int64:
 * @self: a channel
 * @value: the value to send
 * @cancellable: (nullable): cancels the wait for room
 * @error: return location for the error
 *
 * [method@Relay.Channel.push] with a %G_TYPE_INT64 value; receivers read it
 * with [method@Relay.Promise.get_int64].
 *
 * Returns: %TRUE if @value was queued
 *
 * Since: 1.0
 */
gboolean
relay_channel_push_int64 (RelayChannel  *self,
                          gint64         value,
                          GCancellable  *cancellable,
                          GError       **error)
{
  PUSH_TYPED (G_TYPE_INT64, g_value_set_int64);
}

/**
 * relay_channel_push_double:
 * @self: a channel
 * @value: the value to send
 * @cancellable: (nullable): cancels the wait for room
 * @error: return location for the error
 *
 * [method@Relay.Channel.push] with a %G_TYPE_DOUBLE value; receivers read it
 * with [method@Relay.Promise.get_double].
 *
 * Returns: %TRUE if @value was queued
 *
 * Since: 1.0
 */
gboolean
relay_channel_push_double (RelayChannel  *self,
                           double         value,
                           GCancellable  *cancellable,
                           GError       **error)
{
  PUSH_TYPED (G_TYPE_DOUBLE, g_value_set_double);
}

/**
 * relay_channel_push_string:
 * @self: a channel
 * @value: (nullable): the string to send (copied)
 * @cancellable: (nullable): cancels the wait for room
 * @error: return location for the error
 *
 * [method@Relay.Channel.push] with a %G_TYPE_STRING value; receivers read it
 * with [method@Relay.Promise.get_string].
 *
 * Returns: %TRUE if @value was queued
 *
 * Since: 1.0
 */
gboolean
relay_channel_push_string (RelayChannel  *self,
                           const char    *value,
                           GCancellable  *cancellable,
                           GError       **error)
{
  PUSH_TYPED (G_TYPE_STRING, g_value_set_string);
}

/**
 * relay_channel_push_object:
 * @self: a channel
 * @object: (type GObject.Object): the object to send (a reference is taken)
 * @cancellable: (nullable): cancels the wait for room
 * @error: return location for the error
 *
 * [method@Relay.Channel.push] with a value of @object's type; receivers read
 * it with [method@Relay.Promise.get_object].
 *
 * Returns: %TRUE if @object was queued
 *
 * Since: 1.0
 */
gboolean
relay_channel_push_object (RelayChannel  *self,
                           gpointer       object,
                           GCancellable  *cancellable,
                           GError       **error)
{
  GValue typed = G_VALUE_INIT;

  g_return_val_if_fail (RELAY_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (G_IS_OBJECT (object), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_value_init (&typed, G_OBJECT_TYPE (object));
  g_value_set_object (&typed, object);

  return push_value (self, &typed, cancellable, error);
}

/**
 * relay_channel_receive_many:
 * @self: a channel
 * @max_values: the most values to take at once; at least 1
 *
 * Receives up to @max_values queued values in one promise. Any thread.
 *
 * The promise belongs to the calling thread's thread-default main context
 * and settles there. It fulfils with between 1 and @max_values values, the
 * oldest first, as soon as there is at least one (receives are served in the
 * order they were made); it rejects with the close error once @self is
 * closed and every queued value was received. Cancelling it
 * ([method@Relay.Promise.cancel]) while it waits leaves the values for the
 * next receive: no value is lost.
 *
 * One promise per batch instead of one per value is what keeps a fast stream
 * cheap on the main loop.
 *
 * Returns: (transfer full): a promise for the next values
 *
 * Since: 1.0
 */
RelayPromise *
relay_channel_receive_many (RelayChannel *self,
                            guint         max_values)
{
  Receiver *receiver;
  RelayPromise *promise;
  Garbage garbage = { NULL, };

  g_return_val_if_fail (RELAY_IS_CHANNEL (self), NULL);
  g_return_val_if_fail (max_values > 0, NULL);

  receiver = g_new0 (Receiver, 1);
  receiver->promise = relay_promise_new ();
  receiver->max = max_values;
  /* One for the caller, one for the queue (the pump may drop that at once). */
  promise = g_object_ref (receiver->promise);

  relay_mutex_lock (&self->lock);
  prune_locked (self, &garbage);
  g_queue_push_tail (&self->receivers, receiver);
  if (garbage.receivers != NULL || garbage.senders != NULL)
    {
      relay_mutex_unlock (&self->lock);
      garbage_free (&garbage);
      relay_mutex_lock (&self->lock);
    }
  pump_unlock (self);

  return promise;
}

/**
 * relay_channel_receive:
 * @self: a channel
 *
 * Receives the next value: [method@Relay.Channel.receive_many] with a
 * maximum of one, so the promise fulfils with exactly one value. Read it with
 * [method@Relay.Promise.get_value] or a typed getter such as
 * [method@Relay.Promise.get_int64].
 *
 * Returns: (transfer full): a promise for the next value
 *
 * Since: 1.0
 */
RelayPromise *
relay_channel_receive (RelayChannel *self)
{
  return relay_channel_receive_many (self, 1);
}

/**
 * relay_channel_close:
 * @self: a channel
 * @error: (nullable) (transfer full): the error receivers get once the queue
 *   is empty, or %NULL for %RELAY_ERROR_CLOSED
 *
 * Closes @self. Any thread; closing a closed channel does nothing (and
 * frees @error).
 *
 * Values already queued are still received. Then every pending and later
 * receive rejects with a copy of @error (or %RELAY_ERROR_CLOSED). Sends fail
 * the same way from now on: [method@Relay.Channel.push] returns %FALSE, also
 * in the threads blocked in it, and the promises of
 * [method@Relay.Channel.send] that wait for room reject, their values not
 * sent.
 *
 * A producer closes the channel when it is done (with %NULL) or failed (with
 * its error); a receiver that lost interest may close it too, which stops
 * the producer at its next send.
 *
 * Since: 1.0
 */
void
relay_channel_close (RelayChannel *self,
                     GError       *error)
{
  if (!RELAY_IS_CHANNEL (self))
    {
      g_clear_error (&error);
      g_return_if_fail (RELAY_IS_CHANNEL (self));
    }

  relay_mutex_lock (&self->lock);
  if (self->closed)
    {
      relay_mutex_unlock (&self->lock);
      g_clear_error (&error);
      return;
    }

  self->closed = TRUE;
  self->close_error = error;
  g_cond_broadcast (&self->room);

  pump_unlock (self);
}
