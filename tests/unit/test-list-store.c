/* test-list-store.c: RelayListStore — appends from any thread applied on the
 * store's context in batches, one items-changed per batch, the budget, the
 * order, remove_all, releasing what it drops within the budget, and
 * draining a channel
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

#include "test-utils.h"

/* --- a tiny item type ------------------------------------------------------ */

#define TEST_TYPE_ITEM (test_item_get_type ())
G_DECLARE_FINAL_TYPE (TestItem, test_item, TEST, ITEM, GObject)

struct _TestItem
{
  GObject parent_instance;
  int     producer;
  int     value;
};

G_DEFINE_FINAL_TYPE (TestItem, test_item, G_TYPE_OBJECT)

static void test_item_class_init (TestItemClass *klass) { }
static void test_item_init (TestItem *self) { }

static TestItem *
test_item_new (int producer,
               int value)
{
  TestItem *item = g_object_new (TEST_TYPE_ITEM, NULL);

  item->producer = producer;
  item->value = value;
  return item;
}

static void
append_item (RelayListStore *store,
             int             value)
{
  g_autoptr(TestItem) item = test_item_new (0, value);

  relay_list_store_append (store, item);
}

/* Appends items of values 0 to @n - 1 with one append_many() call. */
static void
append_items (RelayListStore *store,
              int             n)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (int i = 0; i < n; i++)
    g_ptr_array_add (items, test_item_new (0, i));
  relay_list_store_append_many (store, items->pdata, items->len);
}

static gboolean
push_item (RelayChannel *channel,
           int           value)
{
  g_autoptr(TestItem) item = test_item_new (0, value);

  return relay_channel_push_object (channel, item, NULL, NULL);
}

static TestItem *
get_item (GListModel *model,
          guint       position)
{
  TestItem *item = g_list_model_get_item (model, position);

  if (item == NULL)
    g_error ("no item at %u", position);
  return item;
}

static int
item_value (RelayListStore *store,
            guint           position)
{
  g_autoptr(TestItem) item = get_item (G_LIST_MODEL (store), position);

  return item->value;
}

/* --- what items-changed said ------------------------------------------------ */

typedef struct
{
  GThread *owner;
  guint    n_signals;
  guint    n_items;        /* the model's length as the signals describe it */
  guint    max_added;
  gboolean wrong_thread;
  gboolean inconsistent;
} Changes;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    data)
{
  Changes *changes = data;

  if (g_thread_self () != changes->owner)
    changes->wrong_thread = TRUE;
  if (position + removed > changes->n_items)
    changes->inconsistent = TRUE;
  changes->n_items = changes->n_items - removed + added;
  if (changes->n_items != g_list_model_get_n_items (model))
    changes->inconsistent = TRUE;
  changes->max_added = MAX (changes->max_added, added);
  changes->n_signals++;
}

static void
changes_watch (Changes        *changes,
               RelayListStore *store)
{
  *changes = (Changes) { .owner = g_thread_self () };
  g_signal_connect (store, "items-changed", G_CALLBACK (on_items_changed), changes);
}

/* Iterates the default context until the store has applied everything. */
static void
wait_applied (RelayListStore *store,
              guint           n_items)
{
  Stall stall;

  stall_init (&stall);
  while (g_list_model_get_n_items (G_LIST_MODEL (store)) < n_items ||
         relay_list_store_get_n_pending (store) > 0)
    {
      if (g_main_context_iteration (NULL, FALSE))
        stall_progress (&stall);
      else
        {
          stall_check (&stall, "the store stopped applying its changes");
          g_usleep (100);
        }
    }
  drain (NULL);
}

/* --- tests ---------------------------------------------------------------------- */

static void
test_new (void)
{
  g_autoptr(RelayListStore) store = relay_list_store_new (TEST_TYPE_ITEM);
  GType type = G_TYPE_INVALID;

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (store)) == TEST_TYPE_ITEM);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (store), 0));
  g_assert_true (relay_list_store_get_context (store) == g_main_context_default ());
  g_assert_cmpuint (relay_list_store_get_budget (store), ==, 3000);
  g_object_get (store, "item-type", &type, NULL);
  g_assert_true (type == TEST_TYPE_ITEM);
}

/* Appends are queued: the model changes only on its context, in one batch. */
static void
test_append_batch (void)
{
  g_autoptr(RelayListStore) store = relay_list_store_new (TEST_TYPE_ITEM);
  Changes changes;

  relay_list_store_set_budget (store, G_MAXUINT);
  changes_watch (&changes, store);
  for (int i = 0; i < 10000; i++)
    {
      g_autoptr(TestItem) item = test_item_new (0, i);

      relay_list_store_append (store, item);
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_cmpuint (relay_list_store_get_n_pending (store), ==, 10000);

  wait_applied (store, 10000);
  /* One batch, one signal. */
  g_assert_cmpuint (changes.n_signals, ==, 1);
  g_assert_cmpuint (changes.max_added, ==, 10000);
  g_assert_false (changes.inconsistent);
  for (int i = 0; i < 10000; i++)
    g_assert_cmpint (item_value (store, i), ==, i);
}

/* The budget bounds the work per main-loop iteration: with a budget of 0,
 * each iteration applies one chunk of 64 items, one signal each. */
static void
test_budget (void)
{
  g_autoptr(RelayListStore) store = relay_list_store_new (TEST_TYPE_ITEM);
  Changes changes;
  guint iterations = 0;

  relay_list_store_set_budget (store, 0);
  g_assert_cmpuint (relay_list_store_get_budget (store), ==, 0);
  changes_watch (&changes, store);
  append_items (store, 1000);

  while (g_list_model_get_n_items (G_LIST_MODEL (store)) < 1000)
    {
      guint before = g_list_model_get_n_items (G_LIST_MODEL (store));

      g_main_context_iteration (NULL, TRUE);
      iterations++;
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)) - before, <=, 64);
    }
  g_assert_cmpuint (changes.n_signals, ==, (1000 + 63) / 64);
  g_assert_cmpuint (changes.max_added, ==, 64);
  g_assert_false (changes.inconsistent);
  g_assert_cmpuint (relay_list_store_get_n_pending (store), ==, 0);
  for (int i = 0; i < 1000; i++)
    g_assert_cmpint (item_value (store, i), ==, i);
}

/* remove_all is applied in order with the appends. */
static void
test_remove_all (void)
{
  g_autoptr(RelayListStore) store = relay_list_store_new (TEST_TYPE_ITEM);
  Changes changes;

  changes_watch (&changes, store);
  for (int i = 0; i < 3; i++)
    append_item (store, i);
  wait_applied (store, 3);

  for (int i = 3; i < 5; i++)
    append_item (store, i);
  relay_list_store_remove_all (store);
  for (int i = 5; i < 7; i++)
    append_item (store, i);
  wait_applied (store, 2);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  g_assert_cmpint (item_value (store, 0), ==, 5);
  g_assert_cmpint (item_value (store, 1), ==, 6);
  g_assert_false (changes.inconsistent);
}

/* The model keeps its items in blocks of 4096 that never move: more than
 * a block's worth, appended in one batch and over several, reads back in
 * order across the block boundaries, and a remove_all of several blocks
 * leaves a model that starts again from its first block. */
#define MANY (3 * 4096 + 17)

static void
check_values (RelayListStore *store,
              guint           n,
              int             first)
{
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TestItem) item = get_item (G_LIST_MODEL (store), i);

      if (item->value != first + (int) i)
        g_error ("item %u is %d, not %d", i, item->value, first + (int) i);
    }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (store), n));
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (store), G_MAXUINT));
}

static void
test_many (void)
{
  g_autoptr(RelayListStore) store = relay_list_store_new (TEST_TYPE_ITEM);
  Changes changes;

  relay_list_store_set_budget (store, G_MAXUINT);
  changes_watch (&changes, store);
  append_items (store, MANY);
  wait_applied (store, MANY);
  g_assert_cmpuint (changes.n_signals, ==, 1);
  check_values (store, MANY, 0);

  /* A block at a time and then some, one iteration each. */
  for (int i = 0; i < MANY; i++)
    append_item (store, MANY + i);
  wait_applied (store, 2 * MANY);
  check_values (store, 2 * MANY, 0);
  g_assert_false (changes.inconsistent);

  /* Cleared, then filled again past a block boundary. */
  relay_list_store_remove_all (store);
  for (int i = 0; i < 4097; i++)
    append_item (store, 5 + i);
  while (g_list_model_get_n_items (G_LIST_MODEL (store)) != 4097 ||
         relay_list_store_get_n_pending (store) > 0)
    g_main_context_iteration (NULL, TRUE);
  check_values (store, 4097, 5);
  g_assert_false (changes.inconsistent);
  g_assert_cmpuint (changes.n_items, ==, 4097);
}

/* --- releasing what the store drops, within its budget ------------------------- */

/* Counts the items finalized, and on which thread. */
typedef struct
{
  GThread *owner;
  guint    n;
  gboolean wrong_thread;
} Released;

static void
on_item_released (gpointer  data,
                  GObject  *where_the_object_was)
{
  Released *released = data;

  if (g_thread_self () != released->owner)
    released->wrong_thread = TRUE;
  released->n++;
}

/* Appends @n items, each watched by @released, and lets the store apply them
 * (on the thread-default context). */
static void
fill_watched (RelayListStore *store,
              guint           n,
              Released       *released)
{
  *released = (Released) { .owner = g_thread_self () };
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TestItem) item = test_item_new (0, i);

      g_object_weak_ref (G_OBJECT (item), on_item_released, released);
      relay_list_store_append (store, item);
    }
  while (g_list_model_get_n_items (G_LIST_MODEL (store)) < n)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_assert_cmpuint (released->n, ==, 0);
}

/* Iterates @context until every item was released, each iteration releasing
 * at most one chunk (a budget of 0); returns the number of iterations. */
static guint
release_by_chunks (GMainContext *context,
                   Released     *released,
                   guint         n)
{
  guint iterations = 0;

  while (released->n < n)
    {
      guint before = released->n;

      g_main_context_iteration (context, TRUE);
      iterations++;
      g_assert_cmpuint (released->n - before, <=, 64);
    }
  g_assert_cmpuint (released->n, ==, n);
  g_assert_false (released->wrong_thread);
  return iterations;
}

/* remove_all empties the model in one batch, and the items it removed are
 * released by the following batches, one chunk each with a budget of 0,
 * rather than all in the batch that removed them. */
static void
test_remove_all_released (void)
{
  g_autoptr(RelayListStore) store = relay_list_store_new (TEST_TYPE_ITEM);
  Released released;
  Changes changes;

  relay_list_store_set_budget (store, 0);
  fill_watched (store, 1000, &released);
  changes_watch (&changes, store);
  changes.n_items = 1000;

  relay_list_store_remove_all (store);
  while (g_list_model_get_n_items (G_LIST_MODEL (store)) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (changes.n_signals, ==, 1);
  g_assert_cmpuint (released.n, <=, 64);

  g_assert_cmpuint (release_by_chunks (NULL, &released, 1000), >=, (1000 - 64) / 64);
  g_assert_false (changes.inconsistent);
  g_assert_cmpuint (changes.n_signals, ==, 1);

  /* The store still works. */
  append_item (store, 7);
  wait_applied (store, 1);
  g_assert_cmpint (item_value (store, 0), ==, 7);
}

static gboolean
unref_in_dispatch (gpointer data)
{
  RelayListStore **store = data;
  Released *released = g_object_get_data (G_OBJECT (*store), "released");

  g_clear_object (store);
  /* Nothing released in this dispatch. */
  g_assert_cmpuint (released->n, ==, 0);
  return G_SOURCE_REMOVE;
}

/* A store dropped while its context dispatches hands its items to that
 * context, which releases them a budget's worth per iteration; dropped
 * outside a dispatch, it releases them at once. */
static void
test_finalize_released (void)
{
  RelayListStore *store = relay_list_store_new (TEST_TYPE_ITEM);
  Released released;

  relay_list_store_set_budget (store, 0);
  fill_watched (store, 1000, &released);
  g_object_set_data (G_OBJECT (store), "released", &released);
  g_idle_add (unref_in_dispatch, &store);
  while (store != NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (release_by_chunks (NULL, &released, 1000), >=, 1000 / 64);

  /* Outside a dispatch: at once. */
  store = relay_list_store_new (TEST_TYPE_ITEM);
  fill_watched (store, 1000, &released);
  g_object_unref (store);
  g_assert_cmpuint (released.n, ==, 1000);
  g_assert_false (released.wrong_thread);
}

/* Dropped in a dispatch of a context that is finalized before it released
 * everything: the rest goes with the context. */
static void
test_finalize_released_context_gone (void)
{
  GMainContext *context = g_main_context_new ();
  RelayListStore *store;
  Released released;

  g_main_context_push_thread_default (context);
  store = relay_list_store_new (TEST_TYPE_ITEM);
  relay_list_store_set_budget (store, 0);
  fill_watched (store, 1000, &released);
  g_object_set_data (G_OBJECT (store), "released", &released);
  {
    GSource *idle = g_idle_source_new ();

    g_source_set_callback (idle, unref_in_dispatch, &store, NULL);
    g_source_attach (idle, context);
    g_source_unref (idle);
  }
  while (store != NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_iteration (context, TRUE);   /* one chunk */
  g_assert_cmpuint (released.n, <=, 64);
  g_main_context_pop_thread_default (context);

  g_main_context_unref (context);
  g_assert_cmpuint (released.n, ==, 1000);
  g_assert_false (released.wrong_thread);
}

/* --- producers on threads, the store on another thread's context ------------- */

#define N_PRODUCERS 4
#define N_PER_PRODUCER 20000

typedef struct
{
  RelayListStore *store;
  int             producer;
} Producer;

static gpointer
producer_thread (gpointer data)
{
  Producer *producer = data;

  for (int i = 0; i < N_PER_PRODUCER; i++)
    {
      TestItem *item = test_item_new (producer->producer, i);

      if (i % 2)
        relay_list_store_append (producer->store, item);
      else
        relay_list_store_append_many (producer->store, (gpointer *) &item, 1);
      g_object_unref (item);
    }
  return NULL;
}

typedef struct
{
  GMainContext   *context;
  RelayListStore *store;
  Changes         changes;
  int             ready;      /* atomic */
  int             done;       /* atomic */
  gboolean        ok;
} Owning;

static gpointer
owner_thread (gpointer data)
{
  Owning *owning = data;
  int last[N_PRODUCERS];

  g_main_context_push_thread_default (owning->context);
  changes_watch (&owning->changes, owning->store);
  g_atomic_int_set (&owning->ready, TRUE);

  while (g_list_model_get_n_items (G_LIST_MODEL (owning->store)) < N_PRODUCERS * N_PER_PRODUCER)
    g_main_context_iteration (owning->context, TRUE);

  /* Every item once, each producer's in order. */
  owning->ok = TRUE;
  for (int p = 0; p < N_PRODUCERS; p++)
    last[p] = -1;
  for (guint i = 0; i < N_PRODUCERS * N_PER_PRODUCER; i++)
    {
      g_autoptr(TestItem) item = get_item (G_LIST_MODEL (owning->store), i);

      if (item->value != last[item->producer] + 1)
        owning->ok = FALSE;
      last[item->producer] = item->value;
    }
  g_signal_handlers_disconnect_by_data (owning->store, &owning->changes);
  g_main_context_pop_thread_default (owning->context);
  g_atomic_int_set (&owning->done, TRUE);
  return NULL;
}

static void
test_threads (void)
{
  Owning owning = { 0 };
  GThread *owner, *producers[N_PRODUCERS];
  Producer data[N_PRODUCERS];

  owning.context = g_main_context_new ();
  owning.store = relay_list_store_new_for_context (owning.context, TEST_TYPE_ITEM);
  g_assert_true (relay_list_store_get_context (owning.store) == owning.context);
  owner = g_thread_new ("owner", owner_thread, &owning);
  while (!g_atomic_int_get (&owning.ready))
    g_thread_yield ();

  for (int p = 0; p < N_PRODUCERS; p++)
    {
      data[p] = (Producer) { owning.store, p };
      producers[p] = g_thread_new ("producer", producer_thread, &data[p]);
    }
  for (int p = 0; p < N_PRODUCERS; p++)
    g_thread_join (producers[p]);
  g_thread_join (owner);

  g_assert_true (owning.ok);
  g_assert_false (owning.changes.wrong_thread);
  g_assert_false (owning.changes.inconsistent);
  g_assert_cmpuint (owning.changes.n_items, ==, N_PRODUCERS * N_PER_PRODUCER);
  g_object_unref (owning.store);
  g_main_context_unref (owning.context);
}

/* Items appended and never applied (nobody iterated) are released with the
 * store, whichever thread drops it. */
static gpointer
unref_thread (gpointer data)
{
  g_object_unref (data);
  return NULL;
}

static void
test_finalize_pending (void)
{
  GMainContext *context = g_main_context_new ();
  RelayListStore *store = relay_list_store_new_for_context (context, TEST_TYPE_ITEM);
  TestItem *item = test_item_new (0, 1);

  g_object_add_weak_pointer (G_OBJECT (item), (gpointer *) &item);
  relay_list_store_append (store, item);
  g_object_unref (item);
  g_assert_nonnull (item);
  g_thread_join (g_thread_new ("unref", unref_thread, store));
  g_assert_null (item);
  g_main_context_unref (context);
}

/* --- drain ------------------------------------------------------------------------- */

static void
produce_items (RelayJob     *job,
               RelayChannel *channel,
               gpointer      data)
{
  int n = GPOINTER_TO_INT (data);

  for (int i = 0; i < n; i++)
    {
      g_autoptr(TestItem) item = test_item_new (0, i);

      if (!relay_channel_push_object (channel, item, relay_job_get_cancellable (job), NULL))
        return;
    }
}

static void
test_drain (void)
{
  g_autoptr(RelayListStore) store = relay_list_store_new (TEST_TYPE_ITEM);
  g_autoptr(RelayChannel) channel = relay_stream_in_thread (64, NULL, produce_items, GINT_TO_POINTER (20000), NULL);
  g_autoptr(RelayPromise) drained = relay_list_store_drain (store, channel);
  Changes changes;

  changes_watch (&changes, store);
  wait_settled (drained);
  g_assert_cmpint (relay_promise_get_state (drained), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpint (relay_promise_get_int64 (drained), ==, 20000);
  wait_applied (store, 20000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 20000);
  for (int i = 0; i < 20000; i++)
    g_assert_cmpint (item_value (store, i), ==, i);
  g_assert_false (changes.inconsistent);
}

/* A full channel and a slow store (one chunk per iteration): the drain takes
 * the next batch only when the store applied most of the last, so the store
 * never queues more than one batch (1024) beyond its low-water mark (2048). */
static void
test_drain_backpressure (void)
{
  g_autoptr(RelayListStore) store = relay_list_store_new (TEST_TYPE_ITEM);
  g_autoptr(RelayChannel) channel = relay_channel_new (20000);
  g_autoptr(RelayPromise) drained = NULL;
  guint max_pending = 0;

  for (int i = 0; i < 20000; i++)
    g_assert_true (push_item (channel, i));
  relay_channel_close (channel, NULL);

  relay_list_store_set_budget (store, 0);
  drained = relay_list_store_drain (store, channel);
  while (relay_promise_is_pending (drained))
    {
      g_main_context_iteration (NULL, TRUE);
      max_pending = MAX (max_pending, relay_list_store_get_n_pending (store));
    }
  g_assert_cmpuint (max_pending, <, 2048 + 1024);
  g_assert_cmpuint (max_pending, >=, 1024);
  wait_settled (drained);
  g_assert_cmpint (relay_promise_get_int64 (drained), ==, 20000);
  wait_applied (store, 20000);
  for (int i = 0; i < 20000; i++)
    g_assert_cmpint (item_value (store, i), ==, i);
}

/* A channel closed with an error: what came before is in the store. */
static void
test_drain_error (void)
{
  g_autoptr(RelayListStore) store = relay_list_store_new (TEST_TYPE_ITEM);
  g_autoptr(RelayChannel) channel = relay_channel_new (8);
  g_autoptr(RelayPromise) drained = NULL;

  for (int i = 0; i < 5; i++)
    g_assert_true (push_item (channel, i));
  relay_channel_close (channel, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "no"));
  drained = relay_list_store_drain (store, channel);
  relay_promise_then_values (drained, NULL, NULL, NULL, NULL, NULL, NULL);
  wait_settled (drained);
  g_assert_error ((GError *) relay_promise_get_error (drained), G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  wait_applied (store, 5);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 5);
}

/* A value that is not an item: the drain rejects, the values before it stay. */
static void
test_drain_wrong_type (void)
{
  g_autoptr(RelayListStore) store = relay_list_store_new (TEST_TYPE_ITEM);
  g_autoptr(RelayChannel) channel = relay_channel_new (8);
  g_autoptr(RelayPromise) drained = NULL;

  g_assert_true (push_item (channel, 0));
  g_assert_true (relay_channel_push_int64 (channel, 1, NULL, NULL));
  drained = relay_list_store_drain (store, channel);
  relay_promise_then_values (drained, NULL, NULL, NULL, NULL, NULL, NULL);
  wait_settled (drained);
  g_assert_error ((GError *) relay_promise_get_error (drained), G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  wait_applied (store, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
}

/* Cancelling a drain that waits for values: it stops, and the values sent
 * afterwards stay in the channel for the next receiver. */
static void
test_drain_cancelled (void)
{
  g_autoptr(RelayListStore) store = relay_list_store_new (TEST_TYPE_ITEM);
  g_autoptr(RelayChannel) channel = relay_channel_new (8);
  g_autoptr(RelayPromise) drained = relay_list_store_drain (store, channel);
  g_autoptr(RelayPromise) next = NULL;
  TestItem *item = NULL;

  relay_promise_then_values (drained, NULL, NULL, NULL, NULL, NULL, NULL);
  drain (NULL);
  g_assert_true (relay_promise_cancel (drained));
  wait_settled (drained);
  g_assert_error ((GError *) relay_promise_get_error (drained), G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_assert_true (push_item (channel, 42));
  next = relay_channel_receive (channel);
  wait_settled (next);
  item = relay_promise_get_object (next);
  g_assert_true (TEST_IS_ITEM (item));
  g_assert_cmpint (TEST_ITEM (item)->value, ==, 42);
  drain (NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/list-store/new", test_new);
  g_test_add_func ("/list-store/append-batch", test_append_batch);
  g_test_add_func ("/list-store/budget", test_budget);
  g_test_add_func ("/list-store/remove-all", test_remove_all);
  g_test_add_func ("/list-store/many", test_many);
  g_test_add_func ("/list-store/remove-all-released", test_remove_all_released);
  g_test_add_func ("/list-store/finalize-released", test_finalize_released);
  g_test_add_func ("/list-store/finalize-released-context-gone", test_finalize_released_context_gone);
  g_test_add_func ("/list-store/threads", test_threads);
  g_test_add_func ("/list-store/finalize-pending", test_finalize_pending);
  g_test_add_func ("/list-store/drain", test_drain);
  g_test_add_func ("/list-store/drain-backpressure", test_drain_backpressure);
  g_test_add_func ("/list-store/drain-error", test_drain_error);
  g_test_add_func ("/list-store/drain-wrong-type", test_drain_wrong_type);
  g_test_add_func ("/list-store/drain-cancelled", test_drain_cancelled);

  return g_test_run ();
}
