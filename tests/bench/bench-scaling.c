/* bench-scaling.c: how Relay's cost per event grows with threads, contexts and
 * chain length
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * threads  a table of the cost per event for 1, 2, 8, 64 producer threads ×
 *          1, 2, 8 contexts. Each context is iterated by a thread of its own.
 *          Each producer creates promises for the contexts in turn
 *          (relay_promise_new_for_context), adds a `then` handler that reads
 *          the value, and resolves it; the handlers run on the contexts. Time:
 *          from releasing the producers (all started and waiting) until the
 *          last handler ran, divided by the events, the same number in every
 *          cell. Target: the cost per event at 64 producers × 8 contexts is
 *          ≤ 2 × the cost at 1 × 1.
 * chain    the cost per link (build + settle + release) of chains of 1,000,
 *          10,000, 100,000 and 1,000,000 links, each size run as many times
 *          as makes 1,000,000 links, on the main thread. Target: the cost per
 *          link at 1,000,000 is ≤ 2 × the cost at 1,000.
 *
 * The two targets are ratios of Relay against itself: there is no GLib
 * baseline; the "baseline" of their BENCH line is the smallest size.
 */
#include "bench-common.h"

#include <relay/relay.h>

/* --- threads -------------------------------------------------------------- */

static const guint n_producers_table[] = { 1, 2, 8, 64 };
static const guint n_contexts_table[] = { 1, 2, 8 };

#define N_PRODUCER_SIZES G_N_ELEMENTS (n_producers_table)
#define N_CONTEXT_SIZES  G_N_ELEMENTS (n_contexts_table)
#define MAX_CONTEXTS     8

typedef struct _Scaling Scaling;

typedef struct
{
  Scaling      *scaling;
  GMainContext *context;
  GThread      *thread;
  guint         expected;   /* events whose handler runs here */
  guint         handled;    /* this context's thread */
  guint64       sum;        /* this context's thread: the values, really read */
} Consumer;

typedef struct
{
  Scaling *scaling;
  guint    index;
  guint    n_events;
  GThread *thread;
} Producer;

struct _Scaling
{
  guint     n_events;
  guint     n_producers;
  guint     n_contexts;
  Consumer  consumers[MAX_CONTEXTS];

  GMutex    gate_lock;
  GCond     gate_cond;
  guint     n_ready;        /* gate_lock */
  gboolean  go;             /* gate_lock */

  int       consumers_left; /* atomic */
  int       stop;           /* atomic */
  gint64    end_ns;         /* written by the thread that ran the last handler */
};

/* The consumer of a producer's @k-th event: each producer goes round the
 * contexts, starting at its own index. */
static guint
consumer_of (Scaling *scaling,
             guint    producer,
             guint    k)
{
  return (producer + k) % scaling->n_contexts;
}

static RelayPromise *
on_event (RelayPromise *promise,
          gpointer      user_data)
{
  Consumer *consumer = user_data;
  Scaling *scaling = consumer->scaling;

  consumer->sum += relay_promise_get_int64 (promise);
  if (++consumer->handled == consumer->expected &&
      g_atomic_int_dec_and_test (&scaling->consumers_left))
    {
      scaling->end_ns = bench_now_ns ();
      g_atomic_int_set (&scaling->stop, TRUE);
      for (guint c = 0; c < scaling->n_contexts; c++)
        g_main_context_wakeup (scaling->consumers[c].context);
    }
  return NULL;
}

static gpointer
consumer_thread (gpointer user_data)
{
  Consumer *consumer = user_data;

  g_main_context_push_thread_default (consumer->context);
  bench_iterate_until (consumer->context, &consumer->scaling->stop);
  g_main_context_pop_thread_default (consumer->context);
  return NULL;
}

static gpointer
producer_thread (gpointer user_data)
{
  Producer *producer = user_data;
  Scaling *scaling = producer->scaling;

  g_mutex_lock (&scaling->gate_lock);
  scaling->n_ready++;
  g_cond_broadcast (&scaling->gate_cond);
  while (!scaling->go)
    g_cond_wait (&scaling->gate_cond, &scaling->gate_lock);
  g_mutex_unlock (&scaling->gate_lock);

  for (guint k = 0; k < producer->n_events; k++)
    {
      Consumer *consumer = &scaling->consumers[consumer_of (scaling, producer->index, k)];
      RelayPromise *promise = relay_promise_new_for_context (consumer->context);

      g_object_unref (relay_promise_then (promise, on_event, consumer, NULL));
      relay_promise_resolve_int64 (promise, k);
      g_object_unref (promise);
    }
  return NULL;
}

/* One cell of the table. Returns: ns per event */
static double
run_cell (guint n_events,
          guint n_producers,
          guint n_contexts)
{
  Scaling scaling = {
    .n_producers = n_producers,
    .n_contexts = n_contexts,
  };
  Producer *producers = g_new0 (Producer, n_producers);
  guint64 expected_sum = 0, sum = 0;
  gint64 start;

  g_mutex_init (&scaling.gate_lock);
  g_cond_init (&scaling.gate_cond);

  for (guint p = 0; p < n_producers; p++)
    {
      producers[p].scaling = &scaling;
      producers[p].index = p;
      producers[p].n_events = n_events / n_producers + (p < n_events % n_producers);
      scaling.n_events += producers[p].n_events;
      expected_sum += (guint64) producers[p].n_events * (producers[p].n_events - 1) / 2;
      for (guint k = 0; k < producers[p].n_events; k++)
        scaling.consumers[consumer_of (&scaling, p, k)].expected++;
    }

  scaling.consumers_left = n_contexts;
  for (guint c = 0; c < n_contexts; c++)
    {
      Consumer *consumer = &scaling.consumers[c];

      g_assert_cmpuint (consumer->expected, >, 0);
      consumer->scaling = &scaling;
      consumer->context = g_main_context_new ();
      consumer->thread = g_thread_new ("bench-context", consumer_thread, consumer);
    }

  for (guint p = 0; p < n_producers; p++)
    producers[p].thread = g_thread_new ("bench-producer", producer_thread, &producers[p]);

  /* Every producer is started and waiting: release them all at once. */
  g_mutex_lock (&scaling.gate_lock);
  while (scaling.n_ready < n_producers)
    g_cond_wait (&scaling.gate_cond, &scaling.gate_lock);
  start = bench_now_ns ();
  scaling.go = TRUE;
  g_cond_broadcast (&scaling.gate_cond);
  g_mutex_unlock (&scaling.gate_lock);

  for (guint p = 0; p < n_producers; p++)
    g_thread_join (producers[p].thread);
  for (guint c = 0; c < n_contexts; c++)
    {
      g_thread_join (scaling.consumers[c].thread);
      g_assert_cmpuint (scaling.consumers[c].handled, ==, scaling.consumers[c].expected);
      sum += scaling.consumers[c].sum;
      g_main_context_unref (scaling.consumers[c].context);
    }
  g_assert_cmpuint (sum, ==, expected_sum);

  g_mutex_clear (&scaling.gate_lock);
  g_cond_clear (&scaling.gate_cond);
  g_free (producers);

  return (double) (scaling.end_ns - start) / scaling.n_events;
}

static void
bench_threads (void)
{
  guint n_events = bench_size (200000, 2000);
  guint rounds = bench_rounds (5);
  guint n_cells = N_PRODUCER_SIZES * N_CONTEXT_SIZES;
  g_autofree double *cost = g_new (double, n_cells * rounds);   /* [cell][round] */
  g_autoptr(GString) line = g_string_new (NULL);
  BenchPair pair;

  for (guint r = 0; r < rounds; r++)
    for (guint i = 0; i < n_cells; i++)
      {
        /* Every other round runs the table backwards, so that drift on the
         * machine does not favour the small cells or the large ones. */
        guint cell = r % 2 == 0 ? i : n_cells - 1 - i;
        guint p = cell / N_CONTEXT_SIZES, c = cell % N_CONTEXT_SIZES;

        cost[cell * rounds + r] = run_cell (n_events, n_producers_table[p], n_contexts_table[c]);
      }

  bench_note ("scaling-threads: ns per event, median of %u rounds [min–max], %u events "
              "per cell; rows: producer threads, columns: contexts (one thread each)",
              rounds, n_events);
  g_string_printf (line, "%9s", "");
  for (guint c = 0; c < N_CONTEXT_SIZES; c++)
    g_string_append_printf (line, " %26u", n_contexts_table[c]);
  bench_note ("%s", line->str);
  for (guint p = 0; p < N_PRODUCER_SIZES; p++)
    {
      g_string_printf (line, "%9u", n_producers_table[p]);
      for (guint c = 0; c < N_CONTEXT_SIZES; c++)
        {
          BenchStats stats;
          g_autofree char *cell = NULL;

          bench_stats (&cost[(p * N_CONTEXT_SIZES + c) * rounds], rounds, &stats);
          cell = bench_format_stats (&stats, "");
          g_string_append_printf (line, " %26s", cell);
        }
      bench_note ("%s", line->str);
    }

  bench_note ("scaling-threads: relay = %u producers × %u contexts, baseline = 1 producer "
              "× 1 context (Relay both)",
              n_producers_table[N_PRODUCER_SIZES - 1], n_contexts_table[N_CONTEXT_SIZES - 1]);
  bench_pair (&cost[(n_cells - 1) * rounds], &cost[0], rounds, &pair);
  bench_compare ("scaling-threads", "ns", &pair, BENCH_AT_MOST, 2);
}

/* --- chain ---------------------------------------------------------------- */

static RelayPromise *
on_link (RelayPromise *promise,
         gpointer      user_data)
{
  guint *handled = user_data;

  (*handled)++;
  return g_object_ref (promise);    /* pass the value on */
}

/* Builds, settles and releases @n_chains chains of @n_links links on @context,
 * the calling thread's thread-default. Returns: ns per link */
static double
run_chains (GMainContext *context,
            guint         n_links,
            guint         n_chains)
{
  guint handled = 0;
  gint64 elapsed = bench_now_ns ();

  for (guint c = 0; c < n_chains; c++)
    {
      RelayPromise *head = relay_promise_new ();
      RelayPromise *tail = g_object_ref (head);

      for (guint i = 0; i < n_links; i++)
        {
          RelayPromise *next = relay_promise_then (tail, on_link, &handled, NULL);

          g_object_unref (tail);
          tail = next;
        }

      relay_promise_resolve_int64 (head, 42);
      while (relay_promise_is_pending (tail))
        g_main_context_iteration (context, TRUE);
      g_assert_cmpint (relay_promise_get_int64 (tail), ==, 42);

      g_object_unref (head);
      g_object_unref (tail);
    }

  elapsed = bench_now_ns () - elapsed;
  g_assert_cmpuint (handled, ==, n_links * n_chains);
  return (double) elapsed / ((double) n_links * n_chains);
}

static void
bench_chain (void)
{
  static const guint full_sizes[] = { 1000, 10000, 100000, 1000000 };
  static const guint smoke_sizes[] = { 10, 100, 1000, 10000 };
  const guint n_sizes = G_N_ELEMENTS (full_sizes);
  const guint *sizes = bench_is_smoke () ? smoke_sizes : full_sizes;
  guint total = sizes[n_sizes - 1];
  guint rounds = bench_rounds (3);
  g_autofree double *cost = g_new (double, n_sizes * rounds);   /* [size][round] */
  GMainContext *context = g_main_context_new ();
  BenchPair pair;

  g_main_context_push_thread_default (context);

  run_chains (context, sizes[0], 1);   /* warm up */

  for (guint r = 0; r < rounds; r++)
    for (guint i = 0; i < n_sizes; i++)
      {
        guint s = r % 2 == 0 ? i : n_sizes - 1 - i;

        cost[s * rounds + r] = run_chains (context, sizes[s], total / sizes[s]);
      }

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  bench_note ("scaling-chain: ns per link (build + settle + release), median of %u rounds "
              "[min–max]; each size is run as many times as makes %u links", rounds, total);
  for (guint s = 0; s < n_sizes; s++)
    {
      BenchStats stats;
      g_autofree char *cell = NULL;

      bench_stats (&cost[s * rounds], rounds, &stats);
      cell = bench_format_stats (&stats, "ns");
      bench_note ("%9u links: %s", sizes[s], cell);
    }

  bench_note ("scaling-chain: relay = chains of %u links, baseline = chains of %u links "
              "(Relay both)", sizes[n_sizes - 1], sizes[0]);
  bench_pair (&cost[(n_sizes - 1) * rounds], &cost[0], rounds, &pair);
  bench_compare ("scaling-chain", "ns", &pair, BENCH_AT_MOST, 2);
}

static const BenchCase cases[] = {
  { "threads", bench_threads },
  { "chain", bench_chain },
};

int
main (int    argc,
      char **argv)
{
  return bench_main (argc, argv, cases, G_N_ELEMENTS (cases));
}
