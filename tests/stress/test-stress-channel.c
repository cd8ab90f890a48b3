/* test-stress-channel.c: 8 senders and 8 receivers on 3 contexts share one
 * small channel, while receives and sends are cancelled and the channel is
 * closed under them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each round: 5 worker threads push (blocking) and 3 senders on the owner
 * threads of 3 main contexts send (promises; every other one through
 * relay_channel_send_int64()), every sender its own range of
 * values; 8 receivers, spread over the 3 contexts, keep one receive_many of
 * a varying size outstanding. The channel holds 4 values, so pushes block
 * and sends wait for room all the time. By scene:
 *
 * - plain: everything is sent, then the channel is closed;
 * - cancel: a ninth thread cancels receives and sends at random while they
 *   wait or are being settled, and one pusher's cancellable;
 * - close: the channel is closed half-way, racing the sends and receives;
 * - both.
 *
 * Whatever the scene, when every receiver saw the end of the stream:
 * a value was received exactly when its push returned TRUE or its send
 * fulfilled, and exactly once; each receiver saw each sender's values in
 * increasing order; every handler ran on its receiver's context's thread;
 * every receiver ended on RELAY_ERROR_CLOSED.
 *
 * The stream-jobs scene runs jobs that stream into channels of their own
 * (relay_pool_stream()) and cancels them at random points. The list-store
 * scene has 6 threads append to a RelayListStore (one at a time or in
 * batches, changing the budget as they go) while it drains a streaming job
 * on its own context: every item must be in the model once, each producer's
 * in order.
 */
#include <relay/relay.h>

#include "stress-common.h"

#define N_PUSHERS   5
#define N_SENDERS   3   /* on the owner threads */
#define N_SOURCES   (N_PUSHERS + N_SENDERS)
#define N_RECEIVERS 8
#define N_CONTEXTS  3
#define CAPACITY    4

typedef struct _Scene Scene;

typedef struct
{
  Scene           *scene;
  int              index;
  Owner           *owner;
  pthread_mutex_t  lock;
  RelayPromise    *current;              /* lock: the receive in flight */
  gint64           last[N_SOURCES];      /* owner only: the last value seen per sender */
  guint            n_batches;            /* owner only */
} Receiver;

typedef struct
{
  Scene           *scene;
  int              index;                /* the sender's number, 0..N_SOURCES-1 */
  Owner           *owner;                /* async senders only */
  GCancellable    *cancellable;          /* pushers only */
  gint64           next;                 /* owner or pusher only */
  pthread_mutex_t  lock;
  RelayPromise    *current;              /* lock: the send in flight */
} Source;

struct _Scene
{
  RelayChannel *channel;
  guint         n_per_source;
  gboolean      cancel;
  gboolean      close_early;
  int          *sent;                    /* atomic: 1 if the value's send succeeded */
  int          *received;                /* atomic: how often each value was received */
  int           n_received;              /* atomic */
  int           receivers_done;          /* atomic */
  int           sources_done;            /* atomic */
  int           wrong_thread;            /* atomic */
  int           out_of_order;            /* atomic */
  int           bad_error;               /* atomic */
  int           stop_canceller;          /* atomic */
  Owner         owners[N_CONTEXTS];
  Receiver      receivers[N_RECEIVERS];
  Source        sources[N_SOURCES];
};

static inline gint64
value_of (Scene *scene,
          int    source,
          gint64 i)
{
  return source * (gint64) scene->n_per_source + i;
}

/* --- receivers ------------------------------------------------------------ */

static void receive_next (Receiver *receiver);

static void
set_current (pthread_mutex_t  *lock,
             RelayPromise    **slot,
             RelayPromise     *promise)
{
  RelayPromise *old;

  pthread_mutex_lock (lock);
  old = *slot;
  *slot = promise != NULL ? g_object_ref (promise) : NULL;
  pthread_mutex_unlock (lock);
  g_clear_object (&old);
}

static RelayPromise *
on_values (RelayPromise *promise,
           gpointer      data)
{
  Receiver *receiver = data;
  Scene *scene = receiver->scene;
  guint n_values;
  const GValue *values = relay_promise_get_values (promise, &n_values);

  if (g_thread_self () != receiver->owner->thread)
    g_atomic_int_inc (&scene->wrong_thread);
  g_assert_cmpuint (n_values, >=, 1);

  for (guint i = 0; i < n_values; i++)
    {
      gint64 v = g_value_get_int64 (&values[i]);
      int source = v / scene->n_per_source;

      g_assert_cmpint (v, >=, 0);
      g_assert_cmpint (source, <, N_SOURCES);
      if (v <= receiver->last[source])
        g_atomic_int_inc (&scene->out_of_order);
      receiver->last[source] = v;
      g_atomic_int_inc (&scene->received[v]);
    }
  receiver->n_batches++;
  g_atomic_int_add (&scene->n_received, n_values);

  receive_next (receiver);
  return NULL;
}

static RelayPromise *
on_receive_error (RelayPromise *promise,
                  gpointer      data)
{
  Receiver *receiver = data;
  Scene *scene = receiver->scene;
  const GError *error = relay_promise_get_error (promise);

  if (g_thread_self () != receiver->owner->thread)
    g_atomic_int_inc (&scene->wrong_thread);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    receive_next (receiver);        /* the canceller's doing: ask again */
  else
    {
      if (!g_error_matches (error, RELAY_ERROR, RELAY_ERROR_CLOSED))
        g_atomic_int_inc (&scene->bad_error);
      set_current (&receiver->lock, &receiver->current, NULL);
      g_atomic_int_inc (&scene->receivers_done);
    }
  return NULL;
}

static void
receive_next (Receiver *receiver)
{
  g_autoptr(RelayPromise) promise =
    relay_channel_receive_many (receiver->scene->channel, 1 + g_random_int_range (0, 16));

  set_current (&receiver->lock, &receiver->current, promise);
  relay_promise_disown (relay_promise_chain (promise, on_values, on_receive_error, receiver, NULL));
}

static gboolean
start_receiver (gpointer data)
{
  receive_next (data);
  return G_SOURCE_REMOVE;
}

/* --- senders on the owner threads ---------------------------------------- */

static void send_next (Source *source);

static void
source_done (Source *source)
{
  set_current (&source->lock, &source->current, NULL);
  g_atomic_int_inc (&source->scene->sources_done);
}

static RelayPromise *
on_sent (RelayPromise *promise,
         gpointer      data)
{
  Source *source = data;
  Scene *scene = source->scene;

  if (g_thread_self () != source->owner->thread)
    g_atomic_int_inc (&scene->wrong_thread);
  g_atomic_int_set (&scene->sent[value_of (scene, source->index, source->next)], 1);
  source->next++;
  send_next (source);
  return NULL;
}

static RelayPromise *
on_send_error (RelayPromise *promise,
               gpointer      data)
{
  Source *source = data;
  Scene *scene = source->scene;
  const GError *error = relay_promise_get_error (promise);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Withdrawn: the value must never arrive. */
      source->next++;
      send_next (source);
    }
  else
    {
      if (!g_error_matches (error, RELAY_ERROR, RELAY_ERROR_CLOSED))
        g_atomic_int_inc (&scene->bad_error);
      source_done (source);
    }
  return NULL;
}

static void
send_next (Source *source)
{
  Scene *scene = source->scene;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(RelayPromise) promise = NULL;

  if (source->next == scene->n_per_source)
    {
      source_done (source);
      return;
    }

  /* Every other value through the typed shortcut: both entry points. */
  if (source->next % 2 == 0)
    {
      g_value_init (&value, G_TYPE_INT64);
      g_value_set_int64 (&value, value_of (scene, source->index, source->next));
      promise = relay_channel_send (scene->channel, &value);
    }
  else
    promise = relay_channel_send_int64 (scene->channel, value_of (scene, source->index, source->next));
  set_current (&source->lock, &source->current, promise);
  relay_promise_disown (relay_promise_chain (promise, on_sent, on_send_error, source, NULL));
}

static gboolean
start_sender (gpointer data)
{
  send_next (data);
  return G_SOURCE_REMOVE;
}

/* --- pushers (workers) ------------------------------------------------------ */

static gpointer
pusher_thread (gpointer data)
{
  Source *source = data;
  Scene *scene = source->scene;

  for (source->next = 0; source->next < scene->n_per_source; source->next++)
    {
      gint64 v = value_of (scene, source->index, source->next);
      g_autoptr(GError) error = NULL;

      if (relay_channel_push_int64 (scene->channel, v, source->cancellable, &error))
        g_atomic_int_set (&scene->sent[v], 1);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        break;
      else
        {
          if (!g_error_matches (error, RELAY_ERROR, RELAY_ERROR_CLOSED))
            g_atomic_int_inc (&scene->bad_error);
          break;
        }
    }

  g_atomic_int_inc (&scene->sources_done);
  return NULL;
}

/* --- the canceller ---------------------------------------------------------- */

static void
cancel_current (pthread_mutex_t  *lock,
                RelayPromise    **slot)
{
  RelayPromise *promise;

  pthread_mutex_lock (lock);
  promise = *slot != NULL ? g_object_ref (*slot) : NULL;
  pthread_mutex_unlock (lock);
  if (promise != NULL)
    {
      relay_promise_cancel (promise);
      g_object_unref (promise);
    }
}

static gpointer
canceller_thread (gpointer data)
{
  Scene *scene = data;
  guint round = 0;

  while (!g_atomic_int_get (&scene->stop_canceller))
    {
      Receiver *receiver = &scene->receivers[g_random_int_range (0, N_RECEIVERS)];
      Source *source = &scene->sources[N_PUSHERS + g_random_int_range (0, N_SENDERS)];

      cancel_current (&receiver->lock, &receiver->current);
      if (round % 4 == 0)
        cancel_current (&source->lock, &source->current);
      /* Once, half-way through: stop one pusher in its push. */
      if (g_atomic_int_get (&scene->n_received) > (int) (scene->n_per_source * N_SOURCES / 2))
        g_cancellable_cancel (scene->sources[0].cancellable);
      round++;
      g_thread_yield ();
    }

  return NULL;
}

static void
mark_value (const GValue *value,
            gpointer      flag)
{
  g_atomic_int_set ((int *) flag, TRUE);
}

/* --- a round ---------------------------------------------------------------- */

/* Runs on @owner once everything it dispatched before ran. */
static void
flush_owner (Owner *owner)
{
  g_autoptr(RelayPromise) marker = relay_promise_new_for_context (owner->context);
  int seen = FALSE;

  relay_promise_then_values (marker, mark_value, &seen, NULL, NULL, NULL, NULL);
  relay_promise_resolve_values (marker, NULL, 0);
  wait_for_count (&seen, TRUE);
}

static void
run_round (guint    n_per_source,
           gboolean cancel,
           gboolean close_early)
{
  Scene *scene = g_new0 (Scene, 1);
  GThread *pushers[N_PUSHERS];
  GThread *canceller = NULL;
  guint n_values = n_per_source * N_SOURCES;
  guint n_sent = 0;

  scene->channel = relay_channel_new (CAPACITY);
  scene->n_per_source = n_per_source;
  scene->cancel = cancel;
  scene->close_early = close_early;
  scene->sent = g_new0 (int, n_values);
  scene->received = g_new0 (int, n_values);

  for (int c = 0; c < N_CONTEXTS; c++)
    owner_start (&scene->owners[c], c, NULL, NULL, NULL);

  for (int r = 0; r < N_RECEIVERS; r++)
    {
      Receiver *receiver = &scene->receivers[r];

      receiver->scene = scene;
      receiver->index = r;
      receiver->owner = &scene->owners[r % N_CONTEXTS];
      pthread_mutex_init (&receiver->lock, NULL);
      for (int s = 0; s < N_SOURCES; s++)
        receiver->last[s] = -1;
    }
  for (int s = 0; s < N_SOURCES; s++)
    {
      Source *source = &scene->sources[s];

      source->scene = scene;
      source->index = s;
      pthread_mutex_init (&source->lock, NULL);
      if (s < N_PUSHERS)
        source->cancellable = g_cancellable_new ();
      else
        source->owner = &scene->owners[(s - N_PUSHERS) % N_CONTEXTS];
    }

  /* Receivers first on each context, then the senders, then the pushers. */
  for (int r = 0; r < N_RECEIVERS; r++)
    stress_invoke (scene->receivers[r].owner->context, start_receiver, &scene->receivers[r]);
  for (int s = N_PUSHERS; s < N_SOURCES; s++)
    stress_invoke (scene->sources[s].owner->context, start_sender, &scene->sources[s]);
  for (int s = 0; s < N_PUSHERS; s++)
    pushers[s] = g_thread_new ("pusher", pusher_thread, &scene->sources[s]);
  if (cancel)
    canceller = g_thread_new ("canceller", canceller_thread, scene);

  if (close_early)
    {
      wait_for_count (&scene->n_received, n_values / 2);
      relay_channel_close (scene->channel, NULL);
    }

  wait_for_count (&scene->sources_done, N_SOURCES);
  relay_channel_close (scene->channel, NULL);
  wait_for_count (&scene->receivers_done, N_RECEIVERS);

  if (canceller != NULL)
    {
      g_atomic_int_set (&scene->stop_canceller, TRUE);
      g_thread_join (canceller);
    }
  for (int s = 0; s < N_PUSHERS; s++)
    g_thread_join (pushers[s]);
  for (int c = 0; c < N_CONTEXTS; c++)
    flush_owner (&scene->owners[c]);

  g_assert_cmpint (g_atomic_int_get (&scene->wrong_thread), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&scene->out_of_order), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&scene->bad_error), ==, 0);
  for (guint v = 0; v < n_values; v++)
    {
      if (scene->received[v] != scene->sent[v])
        g_error ("value %u: sent %d, received %d times (cancel %d, close early %d)",
                 v, scene->sent[v], scene->received[v], cancel, close_early);
      n_sent += scene->sent[v];
    }
  g_assert_cmpint (g_atomic_int_get (&scene->n_received), ==, n_sent);
  if (!cancel && !close_early)
    g_assert_cmpuint (n_sent, ==, n_values);
  g_assert_cmpuint (relay_channel_get_n_queued (scene->channel), ==, 0);

  for (int c = 0; c < N_CONTEXTS; c++)
    owner_join (&scene->owners[c]);
  for (int r = 0; r < N_RECEIVERS; r++)
    pthread_mutex_destroy (&scene->receivers[r].lock);
  for (int s = 0; s < N_SOURCES; s++)
    {
      pthread_mutex_destroy (&scene->sources[s].lock);
      g_clear_object (&scene->sources[s].cancellable);
    }
  g_object_unref (scene->channel);
  g_free (scene->sent);
  g_free (scene->received);
  g_free (scene);
}

static void
run_rounds (gboolean cancel,
            gboolean close_early)
{
  guint n_rounds = stress_count (20, 2);
  guint n_per_source = stress_count (4000, 40);

  for (guint r = 0; r < n_rounds; r++)
    run_round (n_per_source, cancel, close_early);
}

static void
test_plain (void)
{
  run_rounds (FALSE, FALSE);
}

static void
test_cancel (void)
{
  run_rounds (TRUE, FALSE);
}

static void
test_close (void)
{
  run_rounds (FALSE, TRUE);
}

static void
test_cancel_and_close (void)
{
  run_rounds (TRUE, TRUE);
}

/* --- jobs streaming, cancelled at random ------------------------------------ */

#define N_STREAMS 4

typedef struct
{
  RelayChannel *channel;
  GCancellable *cancellable;
  Owner        *owner;
  guint         n;
  gint64        next;         /* owner only: the value expected next */
  int           ended;        /* atomic: 1 closed, 2 cancelled, 3 other error */
  int           destroyed;    /* atomic */
  int           wrong;        /* atomic: a value out of order or a wrong thread */
} StreamRun;

static void
stream_job (RelayJob     *job,
            RelayChannel *channel,
            gpointer      data)
{
  StreamRun *run = data;

  for (guint i = 0; i < run->n; i++)
    if (!relay_channel_push_int64 (channel, i, relay_job_get_cancellable (job), NULL))
      return;
}

static void
stream_destroy (gpointer data)
{
  StreamRun *run = data;

  g_atomic_int_inc (&run->destroyed);
}

static void stream_receive (StreamRun *run);

static RelayPromise *
on_stream_values (RelayPromise *promise,
                  gpointer      data)
{
  StreamRun *run = data;
  guint n_values;
  const GValue *values = relay_promise_get_values (promise, &n_values);

  if (g_thread_self () != run->owner->thread)
    g_atomic_int_inc (&run->wrong);
  for (guint i = 0; i < n_values; i++)
    if (g_value_get_int64 (&values[i]) != run->next++)
      g_atomic_int_inc (&run->wrong);
  stream_receive (run);
  return NULL;
}

static RelayPromise *
on_stream_end (RelayPromise *promise,
               gpointer      data)
{
  StreamRun *run = data;
  const GError *error = relay_promise_get_error (promise);

  if (g_error_matches (error, RELAY_ERROR, RELAY_ERROR_CLOSED))
    g_atomic_int_set (&run->ended, 1);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_atomic_int_set (&run->ended, 2);
  else
    g_atomic_int_set (&run->ended, 3);
  return NULL;
}

static void
stream_receive (StreamRun *run)
{
  g_autoptr(RelayPromise) promise =
    relay_channel_receive_many (run->channel, 1 + g_random_int_range (0, 32));

  relay_promise_disown (relay_promise_chain (promise, on_stream_values, on_stream_end, run, NULL));
}

static gboolean
start_stream (gpointer data)
{
  StreamRun *run = data;

  run->channel = relay_pool_stream (relay_pool_get_default (), 1 + g_random_int_range (0, 8),
                                    run->cancellable, stream_job, run, stream_destroy);
  stream_receive (run);
  return G_SOURCE_REMOVE;
}

/* 4 jobs stream into 4 channels received on 2 contexts; each is cancelled
 * from the main thread at a random point (or not at all). Each receiver must
 * see 0, 1, 2... in order on its own thread, then the end: the whole stream
 * and RELAY_ERROR_CLOSED, or a prefix and G_IO_ERROR_CANCELLED. */
static void
test_stream_jobs_cancelled (void)
{
  guint n_rounds = stress_count (300, 5);
  Owner owners[2];

  for (int c = 0; c < 2; c++)
    owner_start (&owners[c], c, NULL, NULL, NULL);

  for (guint r = 0; r < n_rounds; r++)
    {
      StreamRun runs[N_STREAMS] = { { 0 } };
      int ended = 0;

      for (int i = 0; i < N_STREAMS; i++)
        {
          runs[i].cancellable = g_cancellable_new ();
          runs[i].owner = &owners[i % 2];
          runs[i].n = 1 + g_random_int_range (0, 2000);
          stress_invoke (runs[i].owner->context, start_stream, &runs[i]);
        }
      for (int i = 0; i < N_STREAMS; i++)
        if (g_random_boolean ())
          {
            for (int k = g_random_int_range (0, 2000); k > 0; k--)
              g_thread_yield ();
            g_cancellable_cancel (runs[i].cancellable);
          }

      for (int i = 0; i < N_STREAMS; i++)
        {
          Stall stall;

          stall_init (&stall);
          while (!g_atomic_int_get (&runs[i].ended) || !g_atomic_int_get (&runs[i].destroyed))
            {
              stall_check (&stall, "a streaming job never ended");
              g_usleep (100);
            }
          ended = g_atomic_int_get (&runs[i].ended);
          flush_owner (runs[i].owner);
          g_assert_cmpint (g_atomic_int_get (&runs[i].wrong), ==, 0);
          g_assert_cmpint (ended, !=, 3);
          if (ended == 1)
            g_assert_cmpint (runs[i].next, ==, runs[i].n);
          else
            g_assert_cmpint (runs[i].next, <=, runs[i].n);
          g_assert_cmpint (g_atomic_int_get (&runs[i].destroyed), ==, 1);
          g_clear_object (&runs[i].channel);
          g_clear_object (&runs[i].cancellable);
        }
    }

  for (int c = 0; c < 2; c++)
    owner_join (&owners[c]);
}

/* --- a list store filled by 6 threads and a drain ------------------------------ */

#define N_APPENDERS 6

/* Interned in main(), before the threads (GLib's quark lock is invisible to
 * ThreadSanitizer). */
static GQuark producer_quark, value_quark;

typedef struct
{
  RelayListStore *store;
  Owner          *owner;
  guint           n;            /* per producer; the drain's job is producer N_APPENDERS */
  int             producer;     /* appenders only */
  RelayPromise   *drained;      /* owner only */
  int             drain_done;   /* atomic */
  int             checked;      /* atomic */
  int             ok;           /* atomic */
} StoreScene;

typedef struct
{
  StoreScene *scene;
  int         producer;
} Appender;

static gpointer
appender_thread (gpointer data)
{
  Appender *appender = data;
  StoreScene *scene = appender->scene;
  GObject *batch[8];
  guint n_batch = 0;

  for (guint i = 0; i < scene->n; i++)
    {
      GObject *item = g_object_new (G_TYPE_OBJECT, NULL);

      g_object_set_qdata (item, producer_quark, GINT_TO_POINTER (appender->producer));
      g_object_set_qdata (item, value_quark, GUINT_TO_POINTER (i));
      if (appender->producer % 2 == 0)
        {
          relay_list_store_append (scene->store, item);
          g_object_unref (item);
          if (i % 1000 == 0)
            relay_list_store_set_budget (scene->store, g_random_int_range (0, 3000));
        }
      else
        {
          batch[n_batch++] = item;
          if (n_batch == G_N_ELEMENTS (batch) || i + 1 == scene->n)
            {
              relay_list_store_append_many (scene->store, (gpointer *) batch, n_batch);
              for (guint k = 0; k < n_batch; k++)
                g_object_unref (batch[k]);
              n_batch = 0;
            }
        }
    }
  return NULL;
}

static void
store_job (RelayJob     *job,
           RelayChannel *channel,
           gpointer      data)
{
  StoreScene *scene = data;

  for (guint i = 0; i < scene->n; i++)
    {
      g_autoptr(GObject) item = g_object_new (G_TYPE_OBJECT, NULL);

      g_object_set_qdata (item, producer_quark, GINT_TO_POINTER (N_APPENDERS));
      g_object_set_qdata (item, value_quark, GUINT_TO_POINTER (i));
      if (!relay_channel_push_object (channel, item, NULL, NULL))
        return;
    }
}

static void
mark_drained (const GValue *value,
              gpointer      data)
{
  StoreScene *scene = data;

  if (g_value_get_int64 (value) != scene->n)
    g_atomic_int_set (&scene->ok, FALSE);
  g_atomic_int_set (&scene->drain_done, TRUE);
}

static gboolean
start_drain (gpointer data)
{
  StoreScene *scene = data;
  g_autoptr(RelayChannel) channel = relay_stream_in_thread (1 + g_random_int_range (0, 64), NULL,
                                                            store_job, scene, NULL);

  scene->drained = relay_list_store_drain (scene->store, channel);
  relay_promise_then_values (scene->drained, mark_drained, scene, NULL, NULL, NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* On the owner, once everything was applied: each item once, each
 * producer's in order. */
static gboolean
check_store (gpointer data)
{
  StoreScene *scene = data;
  GListModel *model = G_LIST_MODEL (scene->store);
  guint next[N_APPENDERS + 1] = { 0 };
  guint n_items = g_list_model_get_n_items (model);

  if (n_items != (N_APPENDERS + 1) * scene->n || relay_list_store_get_n_pending (scene->store) != 0)
    return G_SOURCE_CONTINUE;   /* not all applied yet: look again */

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);
      int producer = GPOINTER_TO_INT (g_object_get_qdata (item, producer_quark));
      guint value = GPOINTER_TO_UINT (g_object_get_qdata (item, value_quark));

      if (producer < 0 || producer > N_APPENDERS || value != next[producer])
        g_atomic_int_set (&scene->ok, FALSE);
      else
        next[producer]++;
    }
  g_clear_object (&scene->drained);
  g_atomic_int_set (&scene->checked, TRUE);
  return G_SOURCE_REMOVE;
}

static void
test_list_store_producers (void)
{
  guint n_rounds = stress_count (10, 2);
  Owner owner;

  owner_start (&owner, 0, NULL, NULL, NULL);

  for (guint r = 0; r < n_rounds; r++)
    {
      StoreScene scene = { .owner = &owner, .n = stress_count (10000, 100), .ok = TRUE };
      Appender appenders[N_APPENDERS];
      GThread *threads[N_APPENDERS];

      scene.store = relay_list_store_new_for_context (owner.context, G_TYPE_OBJECT);
      stress_invoke (owner.context, start_drain, &scene);
      for (int p = 0; p < N_APPENDERS; p++)
        {
          appenders[p] = (Appender) { &scene, p };
          threads[p] = g_thread_new ("appender", appender_thread, &appenders[p]);
        }
      for (int p = 0; p < N_APPENDERS; p++)
        g_thread_join (threads[p]);
      wait_for_count (&scene.drain_done, TRUE);

      {
        GSource *source = g_timeout_source_new (1);

        g_source_set_callback (source, check_store, &scene, NULL);
        g_source_attach (source, owner.context);
        wait_for_count (&scene.checked, TRUE);
        g_source_destroy (source);
        g_source_unref (source);
      }
      g_assert_true (g_atomic_int_get (&scene.ok));
      flush_owner (&owner);
      g_object_unref (scene.store);
    }

  owner_join (&owner);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* Initialize the classes before threads race to: GLib's type lock is
   * futex-based, invisible to ThreadSanitizer (see tests/tsan.supp). */
  g_type_class_unref (g_type_class_ref (RELAY_TYPE_PROMISE));
  g_type_class_unref (g_type_class_ref (RELAY_TYPE_CHANNEL));
  g_type_class_unref (g_type_class_ref (RELAY_TYPE_LIST_STORE));
  g_type_class_unref (g_type_class_ref (RELAY_TYPE_JOB));
  g_type_class_unref (g_type_class_ref (G_TYPE_CANCELLABLE));
  /* Likewise the default pool: g_once_init_leave() publishes it inside GLib. */
  relay_pool_get_default ();
  producer_quark = g_quark_from_static_string ("relay-test-producer");
  value_quark = g_quark_from_static_string ("relay-test-value");

  g_test_add_func ("/stress/channel/8-senders-8-receivers-3-contexts", test_plain);
  g_test_add_func ("/stress/channel/cancel-racing", test_cancel);
  g_test_add_func ("/stress/channel/close-racing", test_close);
  g_test_add_func ("/stress/channel/cancel-and-close-racing", test_cancel_and_close);
  g_test_add_func ("/stress/channel/stream-jobs-cancelled", test_stream_jobs_cancelled);
  g_test_add_func ("/stress/channel/list-store-6-threads-and-a-drain", test_list_store_producers);

  return g_test_run ();
}
