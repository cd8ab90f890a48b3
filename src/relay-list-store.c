/* relay-list-store.c: a GListModel that any thread appends to, applied on its
 * main context in batches
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * RelayListStore:
 *
 * A [iface@Gio.ListModel] of objects that producers on any thread append to,
 * for a `GtkListView` that fills while workers find results.
 *
 * [method@Relay.ListStore.append] and [method@Relay.ListStore.append_many]
 * may be called from any thread; they only queue the items. The store applies
 * the queued changes on its main context (the thread-default context of the
 * thread that created it), in batches: each batch emits one
 * [signal@Gio.ListModel::items-changed], and a batch stops after the store's
 * budget (3 ms by default, see [method@Relay.ListStore.set_budget]) so that
 * the rest waits for the next main-loop iteration and the frames in between
 * are drawn. From its second batch on, the store's source runs at
 * %G_PRIORITY_DEFAULT_IDLE, below GTK's drawing (the first, which sets that
 * priority on the context's thread, runs at %G_PRIORITY_DEFAULT). Items appear in the order they were appended; the items of one
 * thread in the order that thread appended them.
 *
 * Dropping items is budgeted too. The items a [method@Relay.ListStore.remove_all]
 * takes out of the model are released (their references dropped, which
 * finalizes them when they were the last) by the store's following batches,
 * within the same budget; and a store whose last reference is dropped on the
 * thread that is running its context (in a signal handler of a GTK
 * application's main thread, say) hands its items to an idle source on that
 * context, at %G_PRIORITY_DEFAULT_IDLE, which releases them the same way:
 * freeing a hundred thousand objects at once takes tens of milliseconds. A
 * store dropped on another thread releases its items at once, and so does
 * that source if the context is finalized first.
 *
 * [method@Relay.ListStore.drain] fills the store from a [class@Relay.Channel]
 * of objects, taking the next batch only when the store has applied most of
 * the previous one, so a fast producer is held back by the channel's
 * backpressure instead of growing the queue.
 *
 * Reading the model ([method@Gio.ListModel.get_n_items],
 * [method@Gio.ListModel.get_item]) and its signal belong to the store's
 * context: use them on that context's thread only. The store only appends
 * and clears; sorting and filtering stay GTK's job:
 * wrap it in a `GtkSortListModel` or a `GtkFilterListModel`.
 *
 * Since: 1.0
 */

#include "config.h"

#include "relay-sync-private.h"

#include "relay-list-store.h"
#include "relay-error.h"
#include "relay-notifier.h"

#define DEFAULT_BUDGET_USEC 3000
#define INTERVAL_USEC 8000        /* after a small batch emptied the queue, the next waits this long */
#define SMALL_BATCH 256
#define CHUNK 64                  /* items applied between two looks at the clock */
#define DRAIN_BATCH 1024          /* values a drain takes per receive */
#define DRAIN_LOW_WATER (2 * DRAIN_BATCH)
#define BLOCK 4096                /* items per block of the model */
#define KEEP_QUEUE 16384          /* a drained queue array larger than this is freed */

/* In @pending: "remove everything appended before". */
static const char remove_all_marker;
#define REMOVE_ALL ((gpointer) &remove_all_marker)

typedef struct _Drain Drain;

/* Object references kept in blocks of BLOCK that never move once allocated:
 * appending never copies what is there. (A GPtrArray of a million items
 * copies 8 MB into fresh pages when it doubles: a 15-20 ms stall of the
 * main loop, in one append.) */
typedef struct
{
  gpointer **blocks;
  guint      n_blocks;       /* allocated in @blocks */
  guint      len;
} Items;

struct _RelayListStore
{
  GObject        parent_instance;

  GType          item_type;     /* immutable */
  GMainContext  *context;       /* owned, immutable */
  RelayNotifier *notifier;      /* owned: applies the pending changes */

  Items          items;         /* context only: the model */

  GMutex         lock;          /* held by producers for a few stores; the context only tries it */
  GPtrArray     *pending;       /* lock: owned items and REMOVE_ALL markers */
  gboolean       scheduled;     /* lock: the notifier was triggered for them */
  int            n_pending;     /* atomic: items (not markers) queued, taken or not */
  guint          budget_usec;   /* atomic */

  GPtrArray     *taken;         /* context only: @pending as the context took it, whole */
  guint          taken_head;    /* context only: the next one of @taken to apply */
  Items          dropped;       /* context only: items remove_all took out, to release */
  guint          dropped_head;  /* context only: the next one to release */
  Drain         *drain_waiting; /* context only: a drain that waits for room */
  gint64         emptied_usec;  /* context only: when a batch last emptied the queue */
  GSource       *timer;         /* context only: applies the next batch when the interval is over */
  gboolean       configured;    /* context only: the notifier's priority and name are set */
};

static void relay_list_store_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RelayListStore, relay_list_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      relay_list_store_list_model_init))

enum {
  PROP_0,
  PROP_ITEM_TYPE,
  PROP_CONTEXT,
  PROP_N_ITEMS,
  PROP_BUDGET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void drain_next (Drain *drain);

/* --- items ------------------------------------------------------------------------ */

static inline gpointer
items_get (const Items *items,
           guint        i)
{
  return items->blocks[i / BLOCK][i % BLOCK];
}

static void
items_append (Items    *items,
              gpointer  item)
{
  guint block = items->len / BLOCK;

  if (items->len % BLOCK == 0)
    {
      if (block == items->n_blocks)
        {
          items->n_blocks = MAX (8, 2 * items->n_blocks);
          items->blocks = g_renew (gpointer *, items->blocks, items->n_blocks);
        }
      items->blocks[block] = g_new (gpointer, BLOCK);
    }
  items->blocks[block][items->len % BLOCK] = item;
  items->len++;
}

/* Frees the blocks, not the references in them. */
static void
items_clear (Items *items)
{
  for (guint b = 0; b * BLOCK < items->len; b++)
    g_free (items->blocks[b]);
  g_free (items->blocks);
  *items = (Items) { NULL, 0, 0 };
}

/* --- GListModel --------------------------------------------------------------- */

static GType
relay_list_store_get_item_type (GListModel *model)
{
  return RELAY_LIST_STORE (model)->item_type;
}

static guint
relay_list_store_get_n_items (GListModel *model)
{
  return RELAY_LIST_STORE (model)->items.len;
}

static gpointer
relay_list_store_get_item (GListModel *model,
                           guint       position)
{
  RelayListStore *self = RELAY_LIST_STORE (model);

  if (position >= self->items.len)
    return NULL;

  return g_object_ref (items_get (&self->items, position));
}

static void
relay_list_store_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = relay_list_store_get_item_type;
  iface->get_n_items = relay_list_store_get_n_items;
  iface->get_item = relay_list_store_get_item;
}

/* --- releasing ------------------------------------------------------------------ */

/* Drops the references in @items from *@head on, a chunk at a time, until
 * none is left or @deadline passed (one chunk at least). Returns whether some
 * are left; empties @items when none is. */
static gboolean
release_some (Items  *items,
              guint  *head,
              gint64  deadline)
{
  do
    {
      guint end = MIN (*head + CHUNK, items->len);

      for (; *head < end; (*head)++)
        g_object_unref (items_get (items, *head));
    }
  while (*head < items->len && g_get_monotonic_time () < deadline);

  if (*head < items->len)
    return TRUE;

  items_clear (items);
  *head = 0;
  return FALSE;
}

/* Moves the references in *@from to the end of *@into (whose references
 * before *@head are released already), without copying them when there is
 * nothing left in *@into; empties *@from. */
static void
take_items (Items *into,
            guint *head,
            Items *from)
{
  if (*head == into->len)
    {
      items_clear (into);
      *into = *from;
      *head = 0;
    }
  else
    {
      for (guint i = 0; i < from->len; i++)
        items_append (into, items_get (from, i));
      items_clear (from);
    }
  *from = (Items) { NULL, 0, 0 };
}

/* What a store dropped while its context dispatched releases them. */
typedef struct
{
  Items      items;         /* owned references */
  guint      head;
  guint      budget_usec;
} Release;

static gboolean
release_step (gpointer data)
{
  Release *release = data;

  return release_some (&release->items, &release->head,
                       g_get_monotonic_time () + release->budget_usec)
    ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Also when the source is destroyed before it is done: with its context. */
static void
release_free (gpointer data)
{
  Release *release = data;

  release_some (&release->items, &release->head, G_MAXINT64);
  g_free (release);
}

/* --- applying ------------------------------------------------------------------ */

static void
emit_changes (RelayListStore *self,
              guint           position,
              guint           removed,
              guint           added)
{
  if (removed == 0 && added == 0)
    return;
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* On the context: takes what the producers queued, whole, into @taken.
 * Returns FALSE if there was nothing (the notifier is then no longer
 * scheduled) or if a producer held the lock. A producer holds it for a few
 * stores, but one that is preempted meanwhile must not stall this thread: it
 * only tries, and the next iteration tries again. */
static gboolean
take_pending (RelayListStore *self,
              gboolean       *busy)
{
  GPtrArray *queue;

  g_assert (self->taken_head == self->taken->len);

  if (!relay_mutex_trylock (&self->lock))
    {
      *busy = TRUE;
      return FALSE;
    }
  if (self->pending->len == 0)
    {
      self->scheduled = FALSE;
      relay_mutex_unlock (&self->lock);
      return FALSE;
    }

  /* Swap the arrays; what producers append now goes into the emptied one. */
  queue = self->pending;
  self->pending = self->taken;
  relay_mutex_unlock (&self->lock);

  self->taken = queue;
  self->taken_head = 0;
  return TRUE;
}

/* On the context: applies queued changes until @deadline. Returns whether
 * some may be left; *@n_applied gets how many items and markers it took. */
static gboolean
apply_pending (RelayListStore *self,
               gint64          deadline,
               guint          *n_applied)
{
  guint position = self->items.len, added = 0;
  gboolean busy = FALSE, more = TRUE;

  for (;;)
    {
      guint end, n_items = 0;

      if (self->taken_head == self->taken->len)
        {
          /* All applied: empty it (a burst's big array is given back) and
           * take the next queue. */
          if (self->taken->len > KEEP_QUEUE)
            {
              g_ptr_array_unref (self->taken);
              self->taken = g_ptr_array_new ();
            }
          g_ptr_array_set_size (self->taken, 0);
          self->taken_head = 0;

          if (!take_pending (self, &busy))
            {
              more = busy;
              break;
            }
        }

      end = MIN (self->taken_head + CHUNK, self->taken->len);
      *n_applied += end - self->taken_head;
      for (; self->taken_head < end; self->taken_head++)
        {
          gpointer item = g_ptr_array_index (self->taken, self->taken_head);

          if (item == REMOVE_ALL)
            {
              guint removed = self->items.len;
              Items old = self->items;

              /* What this batch appended so far, then the clear. The
               * removed items are released after it, within the budget. */
              emit_changes (self, position, 0, added);
              self->items = (Items) { NULL, 0, 0 };
              emit_changes (self, 0, removed, 0);
              take_items (&self->dropped, &self->dropped_head, &old);
              position = 0;
              added = 0;
            }
          else
            {
              items_append (&self->items, item);   /* the queue's reference */
              added++;
              n_items++;
            }
        }
      g_atomic_int_add (&self->n_pending, - (int) n_items);

      if (g_get_monotonic_time () >= deadline)
        break;
    }

  emit_changes (self, position, 0, added);

  return more;
}

static gboolean on_timer (gpointer user_data);

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* On the context. A backlog is applied a budget's worth per main-loop
 * iteration; items that trickle in are gathered for INTERVAL_USEC after the
 * batch that emptied the queue, so a slow stream does not cost a signal per
 * item. */
static void
apply_batch (RelayListStore *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->timer != NULL)
    return;   /* it will */

  if (self->emptied_usec != 0 && now - self->emptied_usec < INTERVAL_USEC)
    {
      GWeakRef *weak = g_new0 (GWeakRef, 1);

      g_weak_ref_init (weak, self);
      self->timer = g_timeout_source_new ((INTERVAL_USEC - (now - self->emptied_usec)) / 1000 + 1);
      g_source_set_priority (self->timer, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_static_name (self->timer, "RelayListStore interval");
      g_source_set_callback (self->timer, on_timer, weak, weak_ref_free);
      g_source_attach (self->timer, self->context);
      return;
    }

  {
    gint64 deadline = now + (guint) g_atomic_int_get (&self->budget_usec);
    guint n_applied = 0;
    gboolean more = apply_pending (self, deadline, &n_applied);

    /* Then what a remove_all dropped, with what is left of the budget. */
    if (self->dropped.len > 0 && release_some (&self->dropped, &self->dropped_head, deadline))
      more = TRUE;

    if (more)
      relay_notifier_trigger (self->notifier);   /* the rest in the next iteration */
    else if (n_applied < SMALL_BATCH)
      self->emptied_usec = g_get_monotonic_time ();   /* a trickle: gather the next ones */
  }

  /* A drain holding back for room gets it now. */
  if (self->drain_waiting != NULL && relay_list_store_get_n_pending (self) < DRAIN_LOW_WATER)
    {
      Drain *drain = g_steal_pointer (&self->drain_waiting);

      drain_next (drain);
    }
}

static gboolean
on_timer (gpointer user_data)
{
  g_autoptr(RelayListStore) self = g_weak_ref_get (user_data);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  g_clear_pointer (&self->timer, g_source_unref);
  self->emptied_usec = 0;
  apply_batch (self);
  return G_SOURCE_REMOVE;
}

/* On the context: the notifier's priority and name may only be set there. */
static void
configure_notifier (RelayListStore *self)
{
  self->configured = TRUE;
  relay_notifier_set_priority (self->notifier, G_PRIORITY_DEFAULT_IDLE);
  relay_notifier_set_name (self->notifier, "RelayListStore");
}

static gboolean
on_notified (RelayNotifier *notifier,
             guint          n_triggers,
             gpointer       user_data)
{
  g_autoptr(RelayListStore) self = g_weak_ref_get (user_data);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  if (!self->configured)
    configure_notifier (self);

  apply_batch (self);

  return G_SOURCE_CONTINUE;
}

/* --- GObject --------------------------------------------------------------------- */

static void
relay_list_store_constructed (GObject *object)
{
  RelayListStore *self = RELAY_LIST_STORE (object);
  GWeakRef *weak = g_new0 (GWeakRef, 1);

  G_OBJECT_CLASS (relay_list_store_parent_class)->constructed (object);

  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();
  g_weak_ref_init (weak, self);
  /* Its priority and name are set by its first dispatch, on the context's
   * thread, as a notifier requires: this may be any thread. */
  self->notifier = relay_notifier_new_for_context (self->context, on_notified, weak, weak_ref_free);
}

static void
relay_list_store_finalize (GObject *object)
{
  RelayListStore *self = RELAY_LIST_STORE (object);
  Release *release = g_new0 (Release, 1);

  relay_notifier_destroy (self->notifier);
  g_clear_object (&self->notifier);
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }

  /* Everything the store holds a reference to: the model's items, those a
   * remove_all dropped, those still queued. */
  release->items = self->dropped;
  release->head = self->dropped_head;
  release->budget_usec = (guint) g_atomic_int_get (&self->budget_usec);
  take_items (&release->items, &release->head, &self->items);
  for (guint i = self->taken_head; i < self->taken->len; i++)
    if (g_ptr_array_index (self->taken, i) != REMOVE_ALL)
      items_append (&release->items, g_ptr_array_index (self->taken, i));
  for (guint i = 0; i < self->pending->len; i++)
    if (g_ptr_array_index (self->pending, i) != REMOVE_ALL)
      items_append (&release->items, g_ptr_array_index (self->pending, i));
  g_ptr_array_unref (self->taken);
  g_ptr_array_unref (self->pending);

  /* Dropped while its context dispatches: released there, a budget's worth
   * per iteration, rather than all in this dispatch. */
  if (release->items.len - release->head > CHUNK && g_main_context_is_owner (self->context))
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_static_name (source, "RelayListStore release");
      g_source_set_callback (source, release_step, release, release_free);
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
  else
    release_free (release);

  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (relay_list_store_parent_class)->finalize (object);
}

static void
relay_list_store_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  RelayListStore *self = RELAY_LIST_STORE (object);

  switch (prop_id)
    {
    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, self->item_type);
      break;
    case PROP_CONTEXT:
      g_value_set_boxed (value, self->context);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items.len);
      break;
    case PROP_BUDGET:
      g_value_set_uint (value, relay_list_store_get_budget (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
relay_list_store_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  RelayListStore *self = RELAY_LIST_STORE (object);

  switch (prop_id)
    {
    case PROP_ITEM_TYPE:
      self->item_type = g_value_get_gtype (value);
      break;
    case PROP_CONTEXT:
      self->context = g_value_dup_boxed (value);
      break;
    case PROP_BUDGET:
      relay_list_store_set_budget (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
relay_list_store_class_init (RelayListStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = relay_list_store_constructed;
  object_class->finalize = relay_list_store_finalize;
  object_class->get_property = relay_list_store_get_property;
  object_class->set_property = relay_list_store_set_property;

  /**
   * RelayListStore:item-type:
   *
   * The type of the items, a subtype of [class@GObject.Object].
   *
   * Since: 1.0
   */
  properties[PROP_ITEM_TYPE] =
    g_param_spec_gtype ("item-type", NULL, NULL, G_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * RelayListStore:context:
   *
   * The main context the store applies its changes and emits its signals
   * on; %NULL at construction means the constructing thread's thread-default
   * context.
   *
   * Since: 1.0
   */
  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL, G_TYPE_MAIN_CONTEXT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * RelayListStore:n-items:
   *
   * The number of items in the model (not counting those still queued).
   * Notified on the store's context after each batch.
   *
   * Since: 1.0
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * RelayListStore:budget:
   *
   * How long, in microseconds, one batch may apply queued changes before the
   * rest waits for the next main-loop iteration. At least one small chunk
   * is applied per batch, whatever the budget.
   *
   * Since: 1.0
   */
  properties[PROP_BUDGET] =
    g_param_spec_uint ("budget", NULL, NULL, 0, G_MAXUINT, DEFAULT_BUDGET_USEC,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
relay_list_store_init (RelayListStore *self)
{
  g_mutex_init (&self->lock);
  self->pending = g_ptr_array_new ();
  self->taken = g_ptr_array_new ();
  self->budget_usec = DEFAULT_BUDGET_USEC;
  self->item_type = G_TYPE_OBJECT;
}

/* --- public ------------------------------------------------------------------------ */

/**
 * relay_list_store_new:
 * @item_type: the type of the items, a subtype of [class@GObject.Object]
 *
 * Creates an empty store whose changes are applied on the calling thread's
 * thread-default main context.
 *
 * Returns: (transfer full): a new store
 *
 * Since: 1.0
 */
RelayListStore *
relay_list_store_new (GType item_type)
{
  g_return_val_if_fail (g_type_is_a (item_type, G_TYPE_OBJECT), NULL);

  return g_object_new (RELAY_TYPE_LIST_STORE, "item-type", item_type, NULL);
}

/**
 * relay_list_store_new_for_context:
 * @context: (nullable): the main context the changes are applied on, or
 *   %NULL for the calling thread's thread-default one
 * @item_type: the type of the items, a subtype of [class@GObject.Object]
 *
 * Creates an empty store whose changes are applied on @context. Any thread.
 *
 * Returns: (transfer full): a new store
 *
 * Since: 1.0
 */
RelayListStore *
relay_list_store_new_for_context (GMainContext *context,
                                  GType         item_type)
{
  g_return_val_if_fail (g_type_is_a (item_type, G_TYPE_OBJECT), NULL);

  return g_object_new (RELAY_TYPE_LIST_STORE, "item-type", item_type, "context", context, NULL);
}

/**
 * relay_list_store_get_context:
 * @self: a store
 *
 * Any thread.
 *
 * Returns: (transfer none): the main context the store applies its changes
 *   and emits its signals on
 *
 * Since: 1.0
 */
GMainContext *
relay_list_store_get_context (RelayListStore *self)
{
  g_return_val_if_fail (RELAY_IS_LIST_STORE (self), NULL);

  return self->context;
}

/* Takes the references in @items. */
static void
queue_items (RelayListStore *self,
             gpointer       *items,
             guint           n_items,
             guint           n_real)
{
  gboolean trigger = FALSE;

  relay_mutex_lock (&self->lock);
  g_atomic_int_add (&self->n_pending, (int) n_real);
  for (guint i = 0; i < n_items; i++)
    g_ptr_array_add (self->pending, items[i]);
  if (!self->scheduled)
    {
      self->scheduled = TRUE;
      trigger = TRUE;
    }
  relay_mutex_unlock (&self->lock);

  if (trigger)
    relay_notifier_trigger (self->notifier);
}

/**
 * relay_list_store_append:
 * @self: a store
 * @item: (type GObject.Object): the item, of the store's item type (a
 *   reference is taken)
 *
 * Queues @item to be appended to the model. Any thread. The model shows it
 * after the next batch on the store's context; see the class description.
 *
 * Since: 1.0
 */
void
relay_list_store_append (RelayListStore *self,
                         gpointer        item)
{
  gpointer ref;

  g_return_if_fail (RELAY_IS_LIST_STORE (self));
  g_return_if_fail (g_type_is_a (G_OBJECT_TYPE (item), self->item_type));

  ref = g_object_ref (item);
  queue_items (self, &ref, 1, 1);
}

/**
 * relay_list_store_append_many:
 * @self: a store
 * @items: (array length=n_items) (element-type GObject.Object): the items, of
 *   the store's item type (references are taken)
 * @n_items: the number of items
 *
 * Queues @items to be appended, in order, under one lock: cheaper than
 * appending them one by one. Any thread.
 *
 * Since: 1.0
 */
void
relay_list_store_append_many (RelayListStore *self,
                              gpointer       *items,
                              guint           n_items)
{
  g_autofree gpointer *refs = NULL;

  g_return_if_fail (RELAY_IS_LIST_STORE (self));
  g_return_if_fail (items != NULL || n_items == 0);

  if (n_items == 0)
    return;

  refs = g_new (gpointer, n_items);
  for (guint i = 0; i < n_items; i++)
    {
      g_return_if_fail (g_type_is_a (G_OBJECT_TYPE (items[i]), self->item_type));
      refs[i] = items[i];
    }
  for (guint i = 0; i < n_items; i++)
    g_object_ref (refs[i]);
  queue_items (self, refs, n_items, n_items);
}

/**
 * relay_list_store_remove_all:
 * @self: a store
 *
 * Queues the removal of every item appended before this call. Any thread.
 * Applied in order with the appends: items appended after it stay. The
 * model empties in one batch (one items-changed); the removed items are
 * then released by the following batches, within the budget, so that
 * clearing a large store does not stall its context either.
 *
 * Since: 1.0
 */
void
relay_list_store_remove_all (RelayListStore *self)
{
  gpointer marker = REMOVE_ALL;

  g_return_if_fail (RELAY_IS_LIST_STORE (self));

  queue_items (self, &marker, 1, 0);
}

/**
 * relay_list_store_get_n_pending:
 * @self: a store
 *
 * Any thread.
 *
 * Returns: the number of items appended and not yet in the model
 *
 * Since: 1.0
 */
guint
relay_list_store_get_n_pending (RelayListStore *self)
{
  g_return_val_if_fail (RELAY_IS_LIST_STORE (self), 0);

  return (guint) g_atomic_int_get (&self->n_pending);
}

/**
 * relay_list_store_get_budget:
 * @self: a store
 *
 * Any thread.
 *
 * Returns: the [property@Relay.ListStore:budget], in microseconds
 *
 * Since: 1.0
 */
guint
relay_list_store_get_budget (RelayListStore *self)
{
  g_return_val_if_fail (RELAY_IS_LIST_STORE (self), 0);

  return (guint) g_atomic_int_get (&self->budget_usec);
}

/**
 * relay_list_store_set_budget:
 * @self: a store
 * @budget_usec: microseconds of work per batch; 0 applies one chunk of a
 *   few dozen items per main-loop iteration
 *
 * Sets the [property@Relay.ListStore:budget]. Any thread.
 *
 * Since: 1.0
 */
void
relay_list_store_set_budget (RelayListStore *self,
                             guint           budget_usec)
{
  g_return_if_fail (RELAY_IS_LIST_STORE (self));

  if ((guint) g_atomic_int_exchange (&self->budget_usec, budget_usec) != budget_usec)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUDGET]);
}

/* --- draining a channel ------------------------------------------------------------ */

struct _Drain
{
  RelayListStore *store;      /* owned */
  RelayChannel   *channel;    /* owned */
  RelayPromise   *result;     /* owned */
  gint64          count;      /* context only */
  GMutex          lock;
  RelayPromise   *receive;    /* lock: the receive in flight */
  GCancellable   *cancellable;
  gulong          cancelled_id;
};

static void
drain_finish (Drain *drain)
{
  if (drain->cancelled_id != 0)
    g_cancellable_disconnect (drain->cancellable, drain->cancelled_id);
  g_clear_object (&drain->cancellable);
  g_clear_object (&drain->receive);
  g_object_unref (drain->result);
  g_object_unref (drain->channel);
  g_object_unref (drain->store);
  g_mutex_clear (&drain->lock);
  g_free (drain);
}

static RelayPromise *
on_drain_values (RelayPromise *batch,
                 gpointer      user_data)
{
  Drain *drain = user_data;
  guint n_values;
  const GValue *values = relay_promise_get_values (batch, &n_values);
  g_autofree gpointer *items = g_new (gpointer, n_values);

  for (guint i = 0; i < n_values; i++)
    {
      GType type = G_VALUE_TYPE (&values[i]);
      GObject *object;

      if (!g_type_is_a (type, G_TYPE_OBJECT) ||
          (object = g_value_get_object (&values[i])) == NULL ||
          !g_type_is_a (G_OBJECT_TYPE (object), drain->store->item_type))
        {
          GError *error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                       "A value of type %s cannot go into a store of %s",
                                       g_type_name (type),
                                       g_type_name (drain->store->item_type));

          relay_list_store_append_many (drain->store, items, i);   /* those before it */
          relay_promise_reject (drain->result, error);
          drain_finish (drain);
          return NULL;
        }
      items[i] = object;
    }

  /* Received is received: it goes into the store even if the drain was
   * cancelled meanwhile. */
  relay_list_store_append_many (drain->store, items, n_values);
  drain->count += n_values;

  if (!relay_promise_is_pending (drain->result))
    drain_finish (drain);
  else if (relay_list_store_get_n_pending (drain->store) >= DRAIN_LOW_WATER)
    {
      /* Hold back: the store's next batch picks the drain up again. */
      g_assert (drain->store->drain_waiting == NULL);
      drain->store->drain_waiting = drain;
    }
  else
    drain_next (drain);

  return NULL;
}

static RelayPromise *
on_drain_end (RelayPromise *batch,
              gpointer      user_data)
{
  Drain *drain = user_data;
  const GError *error = relay_promise_get_error (batch);

  if (g_error_matches (error, RELAY_ERROR, RELAY_ERROR_CLOSED))
    relay_promise_resolve_int64 (drain->result, drain->count);
  else
    relay_promise_reject (drain->result, g_error_copy (error));   /* does nothing if cancelled */

  drain_finish (drain);
  return NULL;
}

static void
drain_next (Drain *drain)
{
  RelayPromise *receive;

  if (!relay_promise_is_pending (drain->result))
    {
      drain_finish (drain);
      return;
    }

  receive = relay_channel_receive_many (drain->channel, DRAIN_BATCH);
  g_mutex_lock (&drain->lock);
  g_clear_object (&drain->receive);
  drain->receive = g_object_ref (receive);
  g_mutex_unlock (&drain->lock);

  relay_promise_disown (relay_promise_chain (receive, on_drain_values, on_drain_end, drain, NULL));
  g_object_unref (receive);

  /* Cancelled while we were not looking: give the values back. */
  if (!relay_promise_is_pending (drain->result))
    relay_promise_cancel (receive);
}

/* Any thread: cancels the receive in flight, which leaves its values in the
 * channel. */
static void
on_drain_cancelled (GCancellable *cancellable,
                    gpointer      user_data)
{
  Drain *drain = user_data;
  RelayPromise *receive;

  g_mutex_lock (&drain->lock);
  receive = drain->receive != NULL ? g_object_ref (drain->receive) : NULL;
  g_mutex_unlock (&drain->lock);

  if (receive != NULL)
    {
      relay_promise_cancel (receive);
      g_object_unref (receive);
    }
}

/**
 * relay_list_store_drain:
 * @self: a store
 * @channel: a channel of objects of the store's item type
 *
 * Appends everything received from @channel to @self until the channel is
 * closed. Call it on the store's context's thread.
 *
 * The drain receives batches of up to a thousand values and takes the next
 * one only once the store has applied most of the previous one, so the
 * channel's backpressure, not the store's queue, holds a fast producer back.
 *
 * The promise fulfils with the number of items appended (an int64) when the
 * channel ends with %RELAY_ERROR_CLOSED, and rejects with the channel's
 * close error otherwise, or with %G_IO_ERROR_INVALID_DATA at a value that is
 * not an object of the item type (the values before it are appended).
 * Cancelling it stops the drain: the values not received yet stay in the
 * channel.
 *
 * Returns: (transfer full): a promise for the end of the drain
 *
 * Since: 1.0
 */
RelayPromise *
relay_list_store_drain (RelayListStore *self,
                        RelayChannel   *channel)
{
  Drain *drain;
  RelayPromise *result;
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  g_return_val_if_fail (RELAY_IS_LIST_STORE (self), NULL);
  g_return_val_if_fail (RELAY_IS_CHANNEL (channel), NULL);
  g_return_val_if_fail (context == self->context, NULL);

  result = relay_promise_new ();

  drain = g_new0 (Drain, 1);
  drain->store = g_object_ref (self);
  drain->channel = g_object_ref (channel);
  drain->result = g_object_ref (result);
  g_mutex_init (&drain->lock);
  drain->cancellable = g_object_ref (relay_promise_get_cancellable (result));
  drain->cancelled_id = g_cancellable_connect (drain->cancellable, G_CALLBACK (on_drain_cancelled),
                                               drain, NULL);

  drain_next (drain);

  return result;
}
