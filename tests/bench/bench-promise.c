/* bench-promise.c: RelayPromise against GLib's own ways, and its chain and size
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * settle     1,000,000 promises are created, given a `then` handler and resolved
 *            by two worker threads (all of it timed); the time until every
 *            handler ran on the main thread. Baseline: the batched GLib way, the
 *            workers push results (callback, data, value) into a GAsyncQueue and
 *            one coalesced idle on the main thread drains it in batches and runs
 *            the callbacks. Target: ≤ 2 ×. Note: g_idle_add() per event.
 * lifecycle  new, then, resolve, unref, in batches of 10,000 on the main thread,
 *            then iterate until every handler ran. Baseline: GTask, the same
 *            way: g_task_new(), g_task_return_pointer(), unref, then iterate
 *            until every callback ran (and propagated the value). Target:
 *            ≤ 0.4 ×. Note: an empty GObject's new + unref.
 * chain      a chain of 1,000,000 `then`s is built and settled: the cost per
 *            link against the GTask lifecycle per task, measured in the same
 *            rounds (target ≤ 0.6 ×); in time linear in its length (per link at
 *            1,000,000 ≤ 1.5 × per link at 100,000); with a flat stack (it runs
 *            on a thread whose stack is painted: the deepest byte touched is the
 *            same for 1,000 links and 1,000,000); and with at most one write to
 *            the dispatcher's eventfd per main-loop iteration.
 * memory     heap bytes (mallinfo2) per pending promise, and per pending GTask
 *            measured the same way. Target: ≤ 96 bytes.
 *
 * This program links the static copy of the library with private symbols
 * (relay_internal_dep), to read the dispatcher's wake-up counter.
 */
#define _GNU_SOURCE
#include "bench-common.h"

#include <relay/relay.h>

#include "relay-dispatcher-private.h"

#include <malloc.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

/* --- the GObject floors ---------------------------------------------------- */

#define BENCH_TYPE_EMPTY (bench_empty_get_type ())
G_DECLARE_FINAL_TYPE (BenchEmpty, bench_empty, BENCH, EMPTY, GObject)

struct _BenchEmpty
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchEmpty, bench_empty, G_TYPE_OBJECT)

static void
bench_empty_class_init (BenchEmptyClass *klass)
{
}

static void
bench_empty_init (BenchEmpty *self)
{
}

/* The floor for the lifecycle: a promise's `then` makes a second promise, and a
 * class with properties pays GObject's notify-queue freeze/thaw and its
 * construct properties in every g_object_new() (GLib 2.74). This class has a
 * construct-only property, as RelayPromise does. */
#define BENCH_TYPE_WITH_PROPS (bench_with_props_get_type ())
G_DECLARE_FINAL_TYPE (BenchWithProps, bench_with_props, BENCH, WITH_PROPS, GObject)

struct _BenchWithProps
{
  GObject  parent_instance;
  gpointer context;
};

G_DEFINE_FINAL_TYPE (BenchWithProps, bench_with_props, G_TYPE_OBJECT)

static void
bench_with_props_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ((BenchWithProps *) object)->context = g_value_get_boxed (value);
}

static void
bench_with_props_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  g_value_set_boxed (value, ((BenchWithProps *) object)->context);
}

static void
bench_with_props_class_init (BenchWithPropsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = bench_with_props_set_property;
  object_class->get_property = bench_with_props_get_property;
  g_object_class_install_property (object_class, 1,
    g_param_spec_boxed ("context", NULL, NULL, G_TYPE_MAIN_CONTEXT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
}

static void
bench_with_props_init (BenchWithProps *self)
{
}

/* --- settle --------------------------------------------------------------- */

#define N_WORKERS 2

/* Results a drain takes from the queue under one lock. */
#define DRAIN_BATCH 256

/* How long one drain may run before it lets the main loop breathe, as Relay's
 * dispatcher does. */
#define DRAIN_BUDGET_USEC 4000

typedef struct
{
  guint          n_events;
  GMainContext  *main_context;
  guint          handled;         /* main thread */
  guint64        sum;             /* main thread: the values, so they are really read */
  int            done;            /* atomic */

  GAsyncQueue   *queue;           /* batched baseline */
  int            drain_pending;   /* atomic: a drain idle is queued or running */
  guint          n_drains;        /* main thread: drain callbacks in the current run */
  guint          batched_drains;  /* of the last batched run (for the note) */
} Settle;

typedef struct
{
  Settle *settle;
  guint   begin;
  guint   end;
} Slice;

static void
count_event (Settle *settle,
             guint   value)
{
  settle->sum += value;
  if (++settle->handled == settle->n_events)
    g_atomic_int_set (&settle->done, TRUE);
}

static RelayPromise *
on_settled (RelayPromise *promise,
            gpointer      user_data)
{
  count_event (user_data, relay_promise_get_int64 (promise));
  return NULL;
}

/* The whole life of the promise on the worker. */
static gpointer
create_and_resolve_slice (gpointer user_data)
{
  Slice *slice = user_data;
  Settle *settle = slice->settle;

  for (guint i = slice->begin; i < slice->end; i++)
    {
      RelayPromise *promise = relay_promise_new_for_context (settle->main_context);

      g_object_unref (relay_promise_then (promise, on_settled, settle, NULL));
      relay_promise_resolve_int64 (promise, i);
      g_object_unref (promise);
    }
  return NULL;
}

/* The batched GLib way. A worker pushes a result (which callback to run, its
 * data, the value) into a GAsyncQueue, and adds the drain idle only if none is
 * queued: a plain read first, so that while one is queued the workers only
 * share the flag's cache line, then a compare-and-swap. The drain takes up to
 * DRAIN_BATCH results under one lock, runs their callbacks outside it, and
 * repeats until the queue is empty; then it clears the flag and looks once
 * more, so that a result pushed after its last pop is either taken here or
 * sees the flag clear and adds the next idle. */

typedef struct _Result Result;

struct _Result
{
  void    (*callback) (Result *result);
  Settle   *settle;
  guint     value;
};

static void
result_count (Result *result)
{
  count_event (result->settle, result->value);
}

static gboolean
drain_results (gpointer user_data)
{
  Settle *settle = user_data;
  gint64 deadline = g_get_monotonic_time () + DRAIN_BUDGET_USEC;
  Result *batch[DRAIN_BATCH];

  settle->n_drains++;

  for (;;)
    {
      guint n = 0;

      g_async_queue_lock (settle->queue);
      while (n < DRAIN_BATCH &&
             (batch[n] = g_async_queue_try_pop_unlocked (settle->queue)) != NULL)
        n++;
      g_async_queue_unlock (settle->queue);

      for (guint i = 0; i < n; i++)
        {
          batch[i]->callback (batch[i]);
          g_free (batch[i]);
        }

      if (n == DRAIN_BATCH)
        {
          if (g_get_monotonic_time () < deadline)
            continue;
          return G_SOURCE_CONTINUE;   /* the flag stays set: this idle is the one */
        }

      g_atomic_int_set (&settle->drain_pending, FALSE);
      if (g_async_queue_length (settle->queue) <= 0 ||
          !g_atomic_int_compare_and_exchange (&settle->drain_pending, FALSE, TRUE))
        return G_SOURCE_REMOVE;
    }
}

/* On a worker: queues @result, and the drain idle if none is queued. */
static void
queue_result (Settle *settle,
              Result *result)
{
  g_async_queue_push (settle->queue, result);

  if (!g_atomic_int_get (&settle->drain_pending) &&
      g_atomic_int_compare_and_exchange (&settle->drain_pending, FALSE, TRUE))
    g_idle_add (drain_results, settle);
}

static gpointer
queue_slice (gpointer user_data)
{
  Slice *slice = user_data;
  Settle *settle = slice->settle;

  for (guint i = slice->begin; i < slice->end; i++)
    {
      Result *result = g_new (Result, 1);

      result->callback = result_count;
      result->settle = settle;
      result->value = i;
      queue_result (settle, result);
    }
  return NULL;
}

/* The floor for settle: the batched baseline, where each event also carries
 * two GObjects with a construct property, created on the worker and dropped on
 * the main thread after the callback, as a promise and the promise its `then`
 * returns are. */
typedef struct
{
  Result   result;
  GObject *objects[2];
} FloorResult;

static void
floor_result_count (Result *result)
{
  FloorResult *floor = (FloorResult *) result;

  count_event (result->settle, result->value);
  g_object_unref (floor->objects[0]);
  g_object_unref (floor->objects[1]);
}

static gpointer
floor_slice (gpointer user_data)
{
  Slice *slice = user_data;
  Settle *settle = slice->settle;

  for (guint i = slice->begin; i < slice->end; i++)
    {
      FloorResult *floor = g_new (FloorResult, 1);

      floor->objects[0] = g_object_new (BENCH_TYPE_WITH_PROPS, NULL);
      floor->objects[1] = g_object_new (BENCH_TYPE_WITH_PROPS, NULL);
      floor->result.callback = floor_result_count;
      floor->result.settle = settle;
      floor->result.value = i;
      queue_result (settle, &floor->result);
    }
  return NULL;
}

/* A note: one g_idle_add() per event. */

typedef struct
{
  Settle *settle;
  guint   value;
} IdleEvent;

static gboolean
on_idle_event (gpointer user_data)
{
  IdleEvent *event = user_data;

  count_event (event->settle, event->value);
  return G_SOURCE_REMOVE;
}

static gpointer
idle_slice (gpointer user_data)
{
  Slice *slice = user_data;

  for (guint i = slice->begin; i < slice->end; i++)
    {
      IdleEvent *event = g_new (IdleEvent, 1);

      event->settle = slice->settle;
      event->value = i;
      g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, on_idle_event, event, g_free);
    }
  return NULL;
}

/* Starts the workers on slices of the events, iterates the main context until
 * every event was handled. Returns: ns per event */
static double
run_workers (Settle      *settle,
             GThreadFunc  func)
{
  Slice slices[N_WORKERS];
  GThread *workers[N_WORKERS];
  gint64 elapsed;

  settle->handled = 0;
  settle->sum = 0;
  settle->done = FALSE;
  settle->n_drains = 0;

  elapsed = bench_now_ns ();
  for (guint w = 0; w < N_WORKERS; w++)
    {
      slices[w].settle = settle;
      slices[w].begin = settle->n_events / N_WORKERS * w;
      slices[w].end = w + 1 == N_WORKERS ? settle->n_events : settle->n_events / N_WORKERS * (w + 1);
      workers[w] = g_thread_new ("bench-settle", func, &slices[w]);
    }
  bench_iterate_until (settle->main_context, &settle->done);
  elapsed = bench_now_ns () - elapsed;

  for (guint w = 0; w < N_WORKERS; w++)
    g_thread_join (workers[w]);

  g_assert_cmpuint (settle->sum, ==, (guint64) settle->n_events * (settle->n_events - 1) / 2);
  return (double) elapsed / settle->n_events;
}

static double
settle_relay (gpointer user_data)
{
  return run_workers (user_data, create_and_resolve_slice);
}

static double
settle_batched (gpointer user_data)
{
  Settle *settle = user_data;
  double ns;

  settle->drain_pending = FALSE;
  ns = run_workers (settle, queue_slice);
  settle->batched_drains = settle->n_drains;
  g_assert_cmpint (g_async_queue_length (settle->queue), ==, 0);
  return ns;
}

static double
settle_floor (gpointer user_data)
{
  Settle *settle = user_data;
  double ns;

  settle->drain_pending = FALSE;
  ns = run_workers (settle, floor_slice);
  g_assert_cmpint (g_async_queue_length (settle->queue), ==, 0);
  return ns;
}

static double
settle_idle (gpointer user_data)
{
  return run_workers (user_data, idle_slice);
}

static void
bench_settle (void)
{
  Settle settle = {
    .n_events = bench_size (1000000, 10000),
    .main_context = g_main_context_default (),
  };
  guint rounds = bench_rounds (5);
  BenchPair pair;
  g_autofree char *relay = NULL, *idle = NULL, *ratio = NULL;
  g_autofree char *floor = NULL, *batched = NULL, *floor_ratio = NULL;

  settle.queue = g_async_queue_new ();

  bench_interleave (rounds, settle_relay, settle_batched, &settle, &pair);
  bench_compare ("promise-settle", "ns", &pair, BENCH_AT_MOST, 2);
  bench_note ("promise-settle: %u events, %u workers; in the last batched round the "
              "main thread drained the queue in %u idle callbacks",
              settle.n_events, N_WORKERS, settle.batched_drains);

  bench_interleave (rounds, settle_floor, settle_batched, &settle, &pair);
  floor = bench_format_stats (&pair.relay, "ns");
  batched = bench_format_stats (&pair.baseline, "ns");
  floor_ratio = bench_format_ratio (&pair, BENCH_AT_MOST);
  bench_note ("promise-settle floor: the batched way, each event also carrying two GObjects "
              "with a construct property, created on the worker and dropped on the main "
              "thread (what a promise and the promise `then` returns cost before Relay does "
              "anything): %s per event, batched %s; floor / batched %s (the target is 2x)",
              floor, batched, floor_ratio);

  /* The note takes fewer rounds: g_idle_add() per event is slow. */
  bench_interleave (bench_rounds (3), settle_relay, settle_idle, &settle, &pair);
  relay = bench_format_stats (&pair.relay, "ns");
  idle = bench_format_stats (&pair.baseline, "ns");
  ratio = bench_format_ratio (&pair, BENCH_AT_LEAST);
  bench_note ("promise-settle against one g_idle_add() per event (the naive way): relay %s, "
              "g_idle_add %s per event; relay is %s cheaper", relay, idle, ratio);

  g_async_queue_unref (settle.queue);
}

/* --- lifecycle ------------------------------------------------------------ */

typedef struct
{
  guint    batch;
  guint    handled;
  guint64  sum;
  int      done;
} Lifecycle;

static void
lifecycle_count (Lifecycle *lifecycle,
                 gpointer   value)
{
  lifecycle->sum += GPOINTER_TO_UINT (value);
  if (++lifecycle->handled == lifecycle->batch)
    lifecycle->done = TRUE;
}

static void
lifecycle_reset (Lifecycle *lifecycle)
{
  lifecycle->handled = 0;
  lifecycle->sum = 0;
  lifecycle->done = FALSE;
}

static void
lifecycle_check (Lifecycle *lifecycle)
{
  g_assert_cmpuint (lifecycle->sum, ==, (guint64) lifecycle->batch * (lifecycle->batch + 1) / 2);
}

static RelayPromise *
on_lifecycle_handler (RelayPromise *promise,
                      gpointer      user_data)
{
  lifecycle_count (user_data, relay_promise_get_pointer (promise));
  return NULL;
}

/* ns per promise: one batch, on the calling thread's thread-default context */
static double
lifecycle_relay (gpointer user_data)
{
  Lifecycle *lifecycle = user_data;
  gint64 elapsed;

  lifecycle_reset (lifecycle);

  elapsed = bench_now_ns ();
  for (guint i = 0; i < lifecycle->batch; i++)
    {
      RelayPromise *promise = relay_promise_new ();

      g_object_unref (relay_promise_then (promise, on_lifecycle_handler, lifecycle, NULL));
      relay_promise_resolve_pointer (promise, GUINT_TO_POINTER (i + 1), NULL);
      g_object_unref (promise);
    }
  bench_iterate_until (g_main_context_get_thread_default (), &lifecycle->done);
  elapsed = bench_now_ns () - elapsed;

  lifecycle_check (lifecycle);
  return (double) elapsed / lifecycle->batch;
}

/* The baseline: the same life for a GTask. Returned outside a dispatch of its
 * context, a GTask runs its callback from an idle in a later iteration (GLib
 * never calls it back inside g_task_return_*()), as a promise runs its handler
 * from the dispatcher. The callback propagates the value, as every GTask user
 * must, and the handler above reads it. */
static void
on_task_ready (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  lifecycle_count (user_data, g_task_propagate_pointer (G_TASK (result), NULL));
}

static double
lifecycle_gtask (gpointer user_data)
{
  Lifecycle *lifecycle = user_data;
  gint64 elapsed;

  lifecycle_reset (lifecycle);

  elapsed = bench_now_ns ();
  for (guint i = 0; i < lifecycle->batch; i++)
    {
      GTask *task = g_task_new (NULL, NULL, on_task_ready, lifecycle);

      g_task_return_pointer (task, GUINT_TO_POINTER (i + 1), NULL);
      g_object_unref (task);
    }
  bench_iterate_until (g_main_context_get_thread_default (), &lifecycle->done);
  elapsed = bench_now_ns () - elapsed;

  lifecycle_check (lifecycle);
  return (double) elapsed / lifecycle->batch;
}

static double
lifecycle_gobject (gpointer user_data)
{
  Lifecycle *lifecycle = user_data;
  gint64 elapsed;

  elapsed = bench_now_ns ();
  for (guint i = 0; i < lifecycle->batch; i++)
    g_object_unref (g_object_new (BENCH_TYPE_EMPTY, NULL));
  elapsed = bench_now_ns () - elapsed;

  return (double) elapsed / lifecycle->batch;
}

/* Two GObjects with a construct property, created and dropped: the floor. */
static double
lifecycle_two_gobjects_with_props (gpointer user_data)
{
  Lifecycle *lifecycle = user_data;
  gint64 elapsed;

  elapsed = bench_now_ns ();
  for (guint i = 0; i < lifecycle->batch; i++)
    {
      g_object_unref (g_object_new (BENCH_TYPE_WITH_PROPS, NULL));
      g_object_unref (g_object_new (BENCH_TYPE_WITH_PROPS, NULL));
    }
  elapsed = bench_now_ns () - elapsed;

  return (double) elapsed / lifecycle->batch;
}

static void
bench_lifecycle (void)
{
  Lifecycle lifecycle = { .batch = bench_size (10000, 1000) };
  guint rounds = bench_rounds (31);
  BenchPair pair;
  g_autofree char *relay = NULL, *gobject = NULL, *ratio = NULL;
  g_autofree char *floor = NULL, *floor_ratio = NULL;
  g_autofree char *floor_vs = NULL, *gtask = NULL, *gtask_ratio = NULL;

  /* Warm up: class init, the dispatcher, the slice allocator's magazines. */
  lifecycle_relay (&lifecycle);
  lifecycle_gtask (&lifecycle);
  lifecycle_gobject (&lifecycle);

  bench_interleave (rounds, lifecycle_relay, lifecycle_gtask, &lifecycle, &pair);
  bench_compare ("promise-lifecycle", "ns", &pair, BENCH_AT_MOST, 0.4);
  bench_note ("promise-lifecycle: batches of %u on the main thread; relay: new + then + "
              "resolve_pointer + unref, handler reads the value; GTask: new + "
              "return_pointer + unref, callback propagates the value",
              lifecycle.batch);

  bench_interleave (rounds, lifecycle_relay, lifecycle_gobject, &lifecycle, &pair);
  relay = bench_format_stats (&pair.relay, "ns");
  gobject = bench_format_stats (&pair.baseline, "ns");
  ratio = bench_format_ratio (&pair, BENCH_AT_MOST);
  bench_note ("promise-lifecycle against an empty GObject's new + unref: relay %s, "
              "GObject %s, ratio %s", relay, gobject, ratio);

  bench_interleave (rounds, lifecycle_two_gobjects_with_props, lifecycle_gobject, &lifecycle, &pair);
  floor = bench_format_stats (&pair.relay, "ns");
  floor_ratio = bench_format_ratio (&pair, BENCH_AT_MOST);
  bench_note ("promise-lifecycle floor: two new + unref of a GObject class with a construct "
              "property (what a promise and the promise `then` returns cost before Relay does "
              "anything): %s, %s the empty GObject", floor, floor_ratio);

  bench_interleave (rounds, lifecycle_two_gobjects_with_props, lifecycle_gtask, &lifecycle, &pair);
  floor_vs = bench_format_stats (&pair.relay, "ns");
  gtask = bench_format_stats (&pair.baseline, "ns");
  gtask_ratio = bench_format_ratio (&pair, BENCH_AT_MOST);
  bench_note ("promise-lifecycle floor against GTask: the two GObjects %s, the GTask "
              "lifecycle %s; floor / GTask %s (the target is 0.4x)", floor_vs, gtask, gtask_ratio);
}

/* --- chain ---------------------------------------------------------------- */

#define CHAIN_STACK_SIZE (1024 * 1024)
#define STACK_PAINT      0xa5

typedef struct
{
  guint   n_links;
  guint   handled;
  gint64  build_ns;
  gint64  settle_ns;     /* resolve the head until the tail settled */
  gint64  release_ns;    /* drop the head and the tail */
  guint64 n_wakeups;     /* writes to a dispatcher's wake-up fd, build to release */
  guint   n_iterations;  /* main-loop iterations while settling */
  gsize   stack_used;    /* deepest byte touched, from the top of the stack */
} Chain;

static RelayPromise *
on_link (RelayPromise *promise,
         gpointer      user_data)
{
  Chain *chain = user_data;

  chain->handled++;
  return g_object_ref (promise);    /* pass the value on */
}

/* Runs on a thread with a painted stack; the chain belongs to its context. */
static void *
chain_thread (void *user_data)
{
  Chain *chain = user_data;
  GMainContext *context = g_main_context_new ();
  RelayPromise *head, *tail;
  guint64 wakeups;
  gint64 start;

  g_main_context_push_thread_default (context);

  wakeups = _relay_dispatcher_get_n_wakeups ();

  start = bench_now_ns ();
  head = relay_promise_new ();
  tail = g_object_ref (head);
  for (guint i = 0; i < chain->n_links; i++)
    {
      /* The handler of each link holds the next promise. */
      RelayPromise *next = relay_promise_then (tail, on_link, chain, NULL);

      g_object_unref (tail);
      tail = next;
    }
  chain->build_ns = bench_now_ns () - start;

  start = bench_now_ns ();
  relay_promise_resolve_int64 (head, 42);
  while (relay_promise_is_pending (tail))
    {
      g_main_context_iteration (context, TRUE);
      chain->n_iterations++;
    }
  chain->settle_ns = bench_now_ns () - start;

  g_assert_cmpuint (chain->handled, ==, chain->n_links);
  g_assert_cmpint (relay_promise_get_int64 (tail), ==, 42);

  start = bench_now_ns ();
  g_object_unref (head);
  g_object_unref (tail);
  chain->release_ns = bench_now_ns () - start;

  chain->n_wakeups = _relay_dispatcher_get_n_wakeups () - wakeups;

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

static void
run_chain (Chain *chain)
{
  gsize page = sysconf (_SC_PAGESIZE);
  pthread_attr_t attr;
  pthread_t thread;
  guint8 *map, *stack;
  gsize untouched = 0;

  /* A guard page below the stack turns an overflow into a crash, not silent
   * corruption. */
  map = mmap (NULL, CHAIN_STACK_SIZE + page, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true (map != MAP_FAILED);
  mprotect (map, page, PROT_NONE);
  stack = map + page;
  memset (stack, STACK_PAINT, CHAIN_STACK_SIZE);

  chain->handled = 0;
  pthread_attr_init (&attr);
  pthread_attr_setstack (&attr, stack, CHAIN_STACK_SIZE);
  g_assert_cmpint (pthread_create (&thread, &attr, chain_thread, chain), ==, 0);
  pthread_join (thread, NULL);
  pthread_attr_destroy (&attr);

  while (untouched < CHAIN_STACK_SIZE && stack[untouched] == STACK_PAINT)
    untouched++;
  chain->stack_used = CHAIN_STACK_SIZE - untouched;

  munmap (map, CHAIN_STACK_SIZE + page);
}

/* The GTask lifecycle, @n tasks in batches of up to 10,000 on the main thread,
 * as in the lifecycle case. Returns: ns per task */
static double
gtask_per_task (guint n)
{
  Lifecycle lifecycle = { .batch = MIN (n, 10000) };
  guint batches = n / lifecycle.batch;
  double ns = 0;

  for (guint i = 0; i < batches; i++)
    ns += lifecycle_gtask (&lifecycle);
  return ns / batches;
}

/* The floor for a chain: as many GObjects with a construct property as it has
 * links, created in a row and then dropped in order, on a new thread (a chain
 * runs on one, with an arena of its own), as the promises of a chain are.
 * Returns: ns per object */
static gpointer
chain_floor_thread (gpointer user_data)
{
  guint n = GPOINTER_TO_UINT (user_data);
  GObject **objects = g_new (GObject *, n);
  double *ns = g_new (double, 1);
  gint64 start;

  start = bench_now_ns ();
  for (guint i = 0; i < n; i++)
    objects[i] = g_object_new (BENCH_TYPE_WITH_PROPS, NULL);
  for (guint i = 0; i < n; i++)
    g_object_unref (objects[i]);
  *ns = (double) (bench_now_ns () - start) / n;

  g_free (objects);
  return ns;
}

static double
chain_floor_per_link (guint n)
{
  double *result = g_thread_join (g_thread_new ("bench-chain-floor", chain_floor_thread,
                                                GUINT_TO_POINTER (n)));
  double ns = *result;

  g_free (result);
  return ns;
}

#define N_CHAIN_SIZES 3

static void
bench_chain (void)
{
  static const guint full_sizes[N_CHAIN_SIZES] = { 1000, 100000, 1000000 };
  static const guint smoke_sizes[N_CHAIN_SIZES] = { 100, 1000, 10000 };
  const guint *sizes = bench_is_smoke () ? smoke_sizes : full_sizes;
  guint rounds = bench_rounds (5);
  double *per_link[N_CHAIN_SIZES], *stack[N_CHAIN_SIZES];
  g_autofree double *build = g_new (double, rounds);
  g_autofree double *settle = g_new (double, rounds);
  g_autofree double *release = g_new (double, rounds);
  g_autofree double *gtask = g_new (double, rounds);
  g_autofree double *floor = g_new (double, rounds);
  g_autofree double *wakeups = g_new (double, rounds);
  g_autofree double *iterations = g_new (double, rounds);
  g_autofree double *per_iteration = g_new (double, rounds);
  g_autofree char *build_s = NULL, *settle_s = NULL, *release_s = NULL;
  g_autofree char *small_s = NULL, *wakeups_s = NULL, *iterations_s = NULL;
  g_autofree char *floor_s = NULL, *floor_ratio = NULL;
  BenchStats stats;
  BenchPair pair;

  for (guint s = 0; s < N_CHAIN_SIZES; s++)
    {
      per_link[s] = g_new (double, rounds);
      stack[s] = g_new (double, rounds);
    }

  /* Warm up GTask's and the promise's classes. */
  gtask_per_task (MIN (sizes[0], 10000));

  for (guint r = 0; r < rounds; r++)
    {
      /* Alternate which side goes first, as bench_interleave() does. */
      if (r % 2 == 1)
        {
          gtask[r] = gtask_per_task (sizes[N_CHAIN_SIZES - 1]);
          floor[r] = chain_floor_per_link (sizes[N_CHAIN_SIZES - 1]);
        }

      for (guint s = 0; s < N_CHAIN_SIZES; s++)
        {
          Chain chain = { .n_links = sizes[s] };

          run_chain (&chain);
          per_link[s][r] = (double) (chain.build_ns + chain.settle_ns + chain.release_ns) / chain.n_links;
          stack[s][r] = chain.stack_used;

          if (s == N_CHAIN_SIZES - 1)
            {
              build[r] = (double) chain.build_ns / chain.n_links;
              settle[r] = (double) chain.settle_ns / chain.n_links;
              release[r] = (double) chain.release_ns / chain.n_links;
              wakeups[r] = chain.n_wakeups;
              iterations[r] = chain.n_iterations;
              per_iteration[r] = (double) chain.n_wakeups / chain.n_iterations;
            }
        }

      if (r % 2 == 0)
        {
          floor[r] = chain_floor_per_link (sizes[N_CHAIN_SIZES - 1]);
          gtask[r] = gtask_per_task (sizes[N_CHAIN_SIZES - 1]);
        }
    }

  bench_note ("chain-link: relay = build + settle + release of a %u-link chain, per link; "
              "baseline = the GTask lifecycle (as in promise-lifecycle), per task, %u tasks "
              "in the same rounds", sizes[2], sizes[2]);
  bench_pair (per_link[2], gtask, rounds, &pair);
  bench_compare ("chain-link", "ns", &pair, BENCH_AT_MOST, 0.6);

  bench_pair (floor, gtask, rounds, &pair);
  floor_s = bench_format_stats (&pair.relay, "ns");
  floor_ratio = bench_format_ratio (&pair, BENCH_AT_MOST);
  bench_note ("chain-link floor: %u GObjects with a construct property created in a row, "
              "then dropped in order, on a new thread (what the promises of a chain cost "
              "before Relay does anything): %s per object; floor / GTask %s (the target is "
              "0.6x)", sizes[2], floor_s, floor_ratio);

  bench_stats (build, rounds, &stats);
  build_s = bench_format_stats (&stats, "ns");
  bench_stats (settle, rounds, &stats);
  settle_s = bench_format_stats (&stats, "ns");
  bench_stats (release, rounds, &stats);
  release_s = bench_format_stats (&stats, "ns");
  bench_stats (per_link[0], rounds, &stats);
  small_s = bench_format_stats (&stats, "ns");
  bench_note ("chain: per link of a %u-link chain: build %s, settle %s, release %s; "
              "a %u-link chain costs %s per link in all",
              sizes[2], build_s, settle_s, release_s, sizes[0], small_s);

  bench_note ("chain-time: relay = build + settle + release per link of a %u-link chain, "
              "baseline = the same for %u links", sizes[2], sizes[1]);
  bench_pair (per_link[2], per_link[1], rounds, &pair);
  bench_compare ("chain-time", "ns", &pair, BENCH_AT_MOST, 1.5);

  bench_note ("chain-stack: relay = peak stack of the thread that builds, settles and "
              "releases a %u-link chain, baseline = the same for %u links (the thread's "
              "own TLS and descriptor included)", sizes[2], sizes[0]);
  bench_pair (stack[2], stack[0], rounds, &pair);
  bench_compare ("chain-stack", "B", &pair, BENCH_AT_MOST, 1.1);

  bench_stats (wakeups, rounds, &stats);
  wakeups_s = g_strdup_printf ("%.0f [%.0f–%.0f]", stats.median, stats.min, stats.max);
  bench_stats (iterations, rounds, &stats);
  iterations_s = g_strdup_printf ("%.0f [%.0f–%.0f]", stats.median, stats.min, stats.max);
  bench_note ("chain-wakeups: writes to a dispatcher's wake-up fd per main-loop iteration "
              "while a %u-link chain is built, settled and released: %s writes in %s "
              "iterations", sizes[2], wakeups_s, iterations_s);
  bench_stats (per_iteration, rounds, &stats);
  bench_absolute ("chain-wakeups", "", &stats, BENCH_AT_MOST, 1);

  for (guint s = 0; s < N_CHAIN_SIZES; s++)
    {
      g_free (per_link[s]);
      g_free (stack[s]);
    }
}

/* --- memory --------------------------------------------------------------- */

static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

static RelayPromise *
on_never (RelayPromise *promise,
          gpointer      user_data)
{
  return NULL;
}

/*
 * The promises measured here are never freed. GLib 2.74's slice allocator keeps
 * freed chunks for reuse, so a measurement taken after a free would find the
 * memory "already there" and count nothing.
 */

/* Heap bytes per pending promise (with a then handler, if @with_then). */
static double
measure_pending (guint    n,
                 gboolean with_then)
{
  RelayPromise **promises = g_new0 (RelayPromise *, n);   /* leaked, see above */
  gsize before, after;

  before = heap_in_use ();
  for (guint i = 0; i < n; i++)
    {
      promises[i] = relay_promise_new ();
      if (with_then)
        g_object_unref (relay_promise_then (promises[i], on_never, NULL, NULL));
    }
  after = heap_in_use ();

  return (double) (after - before) / n;
}

static void
on_never_ready (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_assert_not_reached ();
}

/* Heap bytes per pending GTask: made with a callback, as a GTask always is, and
 * never returned. */
static double
measure_pending_gtasks (guint n)
{
  GTask **tasks = g_new0 (GTask *, n);                     /* leaked, see above */
  gsize before, after;

  before = heap_in_use ();
  for (guint i = 0; i < n; i++)
    tasks[i] = g_task_new (NULL, NULL, on_never_ready, NULL);
  after = heap_in_use ();

  return (double) (after - before) / n;
}

static double
measure_gobjects (guint n)
{
  GObject **objects = g_new0 (GObject *, n);               /* leaked, see above */
  gsize before, after;

  before = heap_in_use ();
  for (guint i = 0; i < n; i++)
    objects[i] = g_object_new (BENCH_TYPE_EMPTY, NULL);
  after = heap_in_use ();

  return (double) (after - before) / n;
}

static guint
instance_size (GType type)
{
  GTypeQuery query;

  g_type_query (type, &query);
  return query.instance_size;
}

typedef struct
{
  guint n;
} Memory;

static double
memory_promise (gpointer user_data)
{
  return measure_pending (((Memory *) user_data)->n, FALSE);
}

static double
memory_gtask (gpointer user_data)
{
  return measure_pending_gtasks (((Memory *) user_data)->n);
}

static void
bench_memory (void)
{
  Memory memory = { .n = bench_size (100000, 10000) };
  BenchPair pair;
  double with_then, gobject;

  if (g_strcmp0 (g_getenv ("G_SLICE"), "always-malloc") != 0)
    bench_note ("promise-memory: run with G_SLICE=always-malloc (as meson's benchmark does), "
                "or GSlice's preallocated magazines hide allocations from mallinfo2()");

  /* Warm up: types and the dispatcher. */
  measure_pending (1, TRUE);
  measure_pending_gtasks (1);
  measure_gobjects (1);

  bench_interleave (bench_rounds (3), memory_promise, memory_gtask, &memory, &pair);
  bench_absolute_beside ("promise-memory", "B", &pair, BENCH_AT_MOST, 96);

  with_then = measure_pending (memory.n, TRUE);
  gobject = measure_gobjects (memory.n);
  bench_note ("promise-memory: heap per pending promise and per pending GTask "
              "(g_task_new with a callback, never returned), %u of each per round; "
              "a promise with one then handler (promise + handler + derived promise): "
              "%.1f B; an empty GObject: %.1f B (instance sizes: RelayPromise %u B, "
              "GTask %u B)",
              memory.n, with_then, gobject,
              instance_size (RELAY_TYPE_PROMISE), instance_size (G_TYPE_TASK));
}

static const BenchCase cases[] = {
  { "settle", bench_settle },
  { "lifecycle", bench_lifecycle },
  { "chain", bench_chain },
  { "memory", bench_memory },
};

int
main (int    argc,
      char **argv)
{
  return bench_main (argc, argv, cases, G_N_ELEMENTS (cases));
}
