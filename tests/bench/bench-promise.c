/* bench-promise.c: RelayPromise against GLib's own ways, and its chain and size
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * settle     1,000,000 promises, made on the main thread with a `then` handler
 *            each, are resolved by two worker threads; the time until every
 *            handler ran on the main thread. Baseline: the workers call
 *            g_idle_add() once per event. Target: ≥ 4 × cheaper.
 * lifecycle  new, then, resolve, unref, in batches of 10,000 on the main thread,
 *            then iterate until every handler ran. Baseline: g_object_new() and
 *            g_object_unref() of an empty GObject. Target: ≤ 3 ×.
 * chain      a chain of 1,000,000 `then`s settles, in time linear in its length
 *            (per-link time at 1,000,000 ≤ 1.5 × the per-link time at 100,000),
 *            with a flat stack: it runs on a thread whose stack is painted, and
 *            the deepest byte touched is the same for 1,000 links and 1,000,000.
 * memory     heap bytes (mallinfo2) per pending promise (and with one `then`)
 *            attached (the promise, the handler and the promise `then` returns).
 *            Target: ≤ 200 bytes.
 */
#define _GNU_SOURCE
#include "bench-common.h"

#include <malloc.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

/* --- settle --------------------------------------------------------------- */

#define N_WORKERS 2

typedef struct
{
  guint          n_events;
  gboolean       with_creation;   /* the workers also create the promises */
  GMainContext  *main_context;
  RelayPromise **promises;        /* handed to the workers, which drop them */
  guint          handled;         /* main thread */
  int            done;            /* atomic */
} Settle;

typedef struct
{
  Settle *settle;
  guint   begin;
  guint   end;
} Slice;

static RelayPromise *
on_settled (RelayPromise *promise,
            gpointer      user_data)
{
  Settle *settle = user_data;

  if (++settle->handled == settle->n_events)
    g_atomic_int_set (&settle->done, TRUE);
  return NULL;
}

static gpointer
resolve_slice (gpointer user_data)
{
  Slice *slice = user_data;
  Settle *settle = slice->settle;

  for (guint i = slice->begin; i < slice->end; i++)
    {
      RelayPromise *promise = settle->promises[i];

      relay_promise_resolve_int (promise, i);
      g_object_unref (promise);
    }
  return NULL;
}

/* The whole life of the promise on the worker: for the note. */
static gpointer
create_and_resolve_slice (gpointer user_data)
{
  Slice *slice = user_data;
  Settle *settle = slice->settle;

  for (guint i = slice->begin; i < slice->end; i++)
    {
      RelayPromise *promise = relay_promise_new_for_context (settle->main_context);

      g_object_unref (relay_promise_then (promise, on_settled, settle, NULL));
      relay_promise_resolve_int (promise, i);
      g_object_unref (promise);
    }
  return NULL;
}

static gboolean
on_idle_event (gpointer user_data)
{
  Settle *settle = user_data;

  if (++settle->handled == settle->n_events)
    g_atomic_int_set (&settle->done, TRUE);
  return G_SOURCE_REMOVE;
}

static gpointer
idle_slice (gpointer user_data)
{
  Slice *slice = user_data;

  for (guint i = slice->begin; i < slice->end; i++)
    g_idle_add (on_idle_event, slice->settle);
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
  settle->done = FALSE;

  elapsed = bench_now_ns ();
  for (guint w = 0; w < N_WORKERS; w++)
    {
      slices[w].settle = settle;
      slices[w].begin = settle->n_events / N_WORKERS * w;
      slices[w].end = w + 1 == N_WORKERS ? settle->n_events : settle->n_events / N_WORKERS * (w + 1);
      workers[w] = g_thread_new ("bench-settle", func, &slices[w]);
    }
  bench_iterate_until (NULL, &settle->done);
  elapsed = bench_now_ns () - elapsed;

  for (guint w = 0; w < N_WORKERS; w++)
    g_thread_join (workers[w]);

  return (double) elapsed / settle->n_events;
}

static double
settle_relay (gpointer user_data)
{
  Settle *settle = user_data;

  if (settle->with_creation)
    return run_workers (settle, create_and_resolve_slice);

  /* Not timed: the promises and their handlers exist before the work starts,
   * as they do when a job is submitted. The lifecycle case times creation. */
  for (guint i = 0; i < settle->n_events; i++)
    {
      settle->promises[i] = relay_promise_new ();
      g_object_unref (relay_promise_then (settle->promises[i], on_settled, settle, NULL));
    }

  return run_workers (settle, resolve_slice);
}

static double
settle_idle (gpointer user_data)
{
  return run_workers (user_data, idle_slice);
}

static double settle_floor (gpointer user_data);

static void
bench_settle (void)
{
  Settle settle = {
    .n_events = bench_size (1000000, 10000),
    .main_context = g_main_context_default (),
  };
  guint rounds = bench_rounds (3);
  BenchPair pair;

  settle.promises = g_new0 (RelayPromise *, settle.n_events);

  bench_interleave (rounds, settle_relay, settle_idle, &settle, &pair);
  bench_compare ("promise-settle", "ns", &pair, BENCH_AT_LEAST, 4);

  settle.with_creation = TRUE;
  bench_interleave (rounds, settle_relay, settle_idle, &settle, &pair);
  bench_note ("promise-settle, the workers also create the promise and add the handler: "
              "relay %.4gns, g_idle_add %.4gns per event, %.3g x cheaper",
              pair.relay_min, pair.baseline_min, pair.baseline_min / pair.relay_min);

  bench_interleave (rounds, settle_floor, settle_idle, &settle, &pair);
  bench_note ("promise-settle floor: the main thread's share of an event is at least destroying "
              "two GObjects with a property (the promise and the one `then` returned), made "
              "beforehand as the promises are: %.4gns per event; g_idle_add %.4gns, so no "
              "GObject promise can be more than %.3g x cheaper",
              pair.relay_min, pair.baseline_min, pair.baseline_min / pair.relay_min);

  g_free (settle.promises);
}

/* --- lifecycle ------------------------------------------------------------ */

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

typedef struct
{
  guint    batch;
  gboolean with_value;
  guint    handled;
  int      done;
} Lifecycle;

static RelayPromise *
on_lifecycle_handler (RelayPromise *promise,
                      gpointer      user_data)
{
  Lifecycle *lifecycle = user_data;

  if (++lifecycle->handled == lifecycle->batch)
    lifecycle->done = TRUE;
  return NULL;
}

/* ns per promise */
static double
lifecycle_relay (gpointer user_data)
{
  Lifecycle *lifecycle = user_data;
  gint64 elapsed;

  lifecycle->handled = 0;
  lifecycle->done = FALSE;

  elapsed = bench_now_ns ();
  for (guint i = 0; i < lifecycle->batch; i++)
    {
      RelayPromise *promise = relay_promise_new ();

      g_object_unref (relay_promise_then (promise, on_lifecycle_handler, lifecycle, NULL));
      if (lifecycle->with_value)
        relay_promise_resolve_int (promise, i);
      else
        relay_promise_resolve (promise, NULL);
      g_object_unref (promise);
    }
  bench_iterate_until (NULL, &lifecycle->done);
  elapsed = bench_now_ns () - elapsed;

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

/* The settle floor: as many pairs of GObjects as the settle case has events,
 * made first, then destroyed on the main thread (timed). */
static double
settle_floor (gpointer user_data)
{
  Settle *settle = user_data;
  GObject **objects = g_new (GObject *, 2 * (gsize) settle->n_events);
  gint64 elapsed;

  for (guint i = 0; i < 2 * settle->n_events; i++)
    objects[i] = g_object_new (BENCH_TYPE_WITH_PROPS, NULL);

  elapsed = bench_now_ns ();
  for (guint i = 0; i < 2 * settle->n_events; i++)
    g_object_unref (objects[i]);
  elapsed = bench_now_ns () - elapsed;

  g_free (objects);
  return (double) elapsed / settle->n_events;
}

static void
bench_lifecycle (void)
{
  Lifecycle lifecycle = { .batch = bench_size (10000, 1000) };
  guint rounds = bench_rounds (31);
  BenchPair pair;

  /* Warm up: class init, the dispatcher, the slice allocator's magazines. */
  lifecycle_relay (&lifecycle);
  lifecycle_gobject (&lifecycle);

  bench_interleave (rounds, lifecycle_relay, lifecycle_gobject, &lifecycle, &pair);
  bench_compare ("promise-lifecycle", "ns", &pair, BENCH_AT_MOST, 3);

  lifecycle.with_value = TRUE;
  bench_interleave (rounds, lifecycle_relay, lifecycle_gobject, &lifecycle, &pair);
  bench_note ("promise-lifecycle resolved with an int (relay_promise_resolve_int): "
              "relay %.4gns, empty GObject %.4gns, ratio %.3g",
              pair.relay_min, pair.baseline_min, pair.relay_min / pair.baseline_min);

  bench_interleave (rounds, lifecycle_two_gobjects_with_props, lifecycle_gobject, &lifecycle, &pair);
  bench_note ("promise-lifecycle floor: two new+unref of a GObject class with a construct "
              "property (what a promise and the promise `then` returns cost before Relay does "
              "anything): %.4gns, %.3g x the empty GObject",
              pair.relay_min, pair.relay_min / pair.baseline_min);
}

/* --- chain ---------------------------------------------------------------- */

#define CHAIN_STACK_SIZE (1024 * 1024)
#define STACK_PAINT      0xa5

typedef struct
{
  guint   n_links;
  guint   handled;
  gint64  build_ns;
  gint64  settle_ns;
  gsize   stack_used;    /* deepest byte touched, from the top of the stack */
} Chain;

static RelayPromise *
on_link (RelayPromise *promise,
         gpointer      user_data)
{
  Chain *chain = user_data;

  chain->handled++;
  return NULL;    /* pass the value on */
}

/* Runs on a thread with a painted stack; the chain belongs to its context. */
static void *
chain_thread (void *user_data)
{
  Chain *chain = user_data;
  GMainContext *context = g_main_context_new ();
  RelayPromise *head, *tail;
  gint64 start;

  g_main_context_push_thread_default (context);

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
  relay_promise_resolve_int (head, 42);
  while (relay_promise_is_pending (tail))
    g_main_context_iteration (context, TRUE);
  chain->settle_ns = bench_now_ns () - start;

  g_assert_cmpuint (chain->handled, ==, chain->n_links);
  g_assert_cmpint (relay_promise_get_int (tail), ==, 42);

  g_object_unref (head);
  g_object_unref (tail);
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

static void
bench_chain (void)
{
  static const guint full_sizes[] = { 1000, 100000, 1000000 };
  static const guint smoke_sizes[] = { 100, 1000, 10000 };
  const guint *sizes = bench_is_smoke () ? smoke_sizes : full_sizes;
  guint rounds = bench_rounds (3);
  double settle_per_link[3][16], build_per_link[3][16], stack[3][16];
  BenchPair pair;

  g_assert_cmpuint (rounds, <=, 16);

  for (guint r = 0; r < rounds; r++)
    for (guint s = 0; s < 3; s++)
      {
        Chain chain = { .n_links = sizes[s] };

        run_chain (&chain);
        settle_per_link[s][r] = (double) chain.settle_ns / chain.n_links;
        build_per_link[s][r] = (double) chain.build_ns / chain.n_links;
        stack[s][r] = chain.stack_used;
      }

  pair.relay_min = bench_min (settle_per_link[2], rounds);
  pair.relay_median = bench_median (settle_per_link[2], rounds);
  pair.baseline_min = bench_min (settle_per_link[1], rounds);
  pair.baseline_median = bench_median (settle_per_link[1], rounds);
  pair.paired_ratio_median = pair.relay_median / pair.baseline_median;
  bench_note ("chain-time: relay = settle time per link of a %u-link chain, baseline = "
              "the same for %u links", sizes[2], sizes[1]);
  bench_compare ("chain-time", "ns", &pair, BENCH_AT_MOST, 1.5);
  bench_note ("chain: %u links settle in %.3g ms (%.4gns per link), built in %.3g ms "
              "(%.4gns per link); %u links settle at %.4gns per link",
              sizes[2], bench_min (settle_per_link[2], rounds) * sizes[2] / 1e6,
              bench_min (settle_per_link[2], rounds),
              bench_min (build_per_link[2], rounds) * sizes[2] / 1e6,
              bench_min (build_per_link[2], rounds),
              sizes[0], bench_min (settle_per_link[0], rounds));

  pair.relay_min = bench_max (stack[2], rounds);
  pair.relay_median = bench_median (stack[2], rounds);
  pair.baseline_min = bench_max (stack[0], rounds);
  pair.baseline_median = bench_median (stack[0], rounds);
  pair.paired_ratio_median = pair.relay_median / pair.baseline_median;
  bench_note ("chain-stack: relay = peak stack of the thread that builds and settles a "
              "%u-link chain, baseline = the same for %u links (worst of %u rounds; "
              "the thread's own TLS and descriptor included)",
              sizes[2], sizes[0], rounds);
  bench_compare ("chain-stack", "B", &pair, BENCH_AT_MOST, 1.1);
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

static void
bench_memory (void)
{
  guint n = bench_size (100000, 10000);
  double with_then, bare, gobject;

  if (g_strcmp0 (g_getenv ("G_SLICE"), "always-malloc") != 0)
    bench_note ("promise-memory: run with G_SLICE=always-malloc (as meson's benchmark does), "
                "or GSlice's preallocated magazines hide allocations from mallinfo2()");

  /* Warm up: types and the dispatcher. */
  measure_pending (1, TRUE);
  measure_gobjects (1);

  with_then = measure_pending (n, TRUE);
  bare = measure_pending (n, FALSE);
  gobject = measure_gobjects (n);

  /* DESIGN.md's row is the pending promise itself; what a then handler adds
   * (its reaction and the derived promise, itself a pending promise) is
   * reported next to it. */
  bench_absolute ("promise-memory", "B", bare, BENCH_AT_MOST, 200);
  bench_note ("promise-memory: heap per bare pending promise, %u of them: %.1f B; with one "
              "then handler (promise + handler + derived promise): %.1f B; an empty "
              "GObject: %.1f B (sizeof RelayPromise instance: %u B)",
              n, bare, with_then, gobject,
              instance_size (RELAY_TYPE_PROMISE));
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
